//! Pure readiness evaluation: what kafkactl has observed of a cluster (the
//! Kafka CR, node pools, pods, workloads, volumes, warning events) → progress
//! per component, whether the whole cluster is ready, and why it is stuck.
//! No client here; the wait engine feeds it watch events.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use serde::Serialize;
use serde_json::Value;

use super::discovery::rollout_complete;
use crate::spec::names::{self, STRIMZI_CLUSTER_LABEL, STRIMZI_NAME_LABEL, STRIMZI_POOL_LABEL};
use crate::spec::{ClusterSpec, StorageType};

/// Everything observed so far, keyed by object name.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub kafka: Option<Value>,
    pub node_pools: BTreeMap<String, Value>,
    pub pods: BTreeMap<String, Pod>,
    pub deployments: BTreeMap<String, Deployment>,
    pub statefulsets: BTreeMap<String, StatefulSet>,
    pub pvcs: BTreeMap<String, PersistentVolumeClaim>,
    /// Warning events by event name (the latest version of each).
    pub warnings: BTreeMap<String, Event>,
}

/// Progress of one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentProgress {
    pub name: String,
    pub ready: u32,
    pub total: u32,
    pub done: bool,
    /// Short phase text: "3/3 ready", "waiting for the operator", "rolling out".
    pub phase: String,
}

/// One reason something is stuck.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// `pod/my-cluster-brokers-3`, `pvc/data-...`, `kafka/my-cluster`
    pub object: String,
    pub reason: String,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.object, self.reason, self.message)
    }
}

/// The whole picture at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub components: Vec<ComponentProgress>,
    pub ready: bool,
    pub diagnostics: Vec<Diagnostic>,
}

impl Progress {
    /// "brokers 2/3, controllers 3/3, …" for timeouts and logs.
    pub fn summary(&self) -> String {
        self.components
            .iter()
            .map(|c| {
                format!(
                    "{} {}/{}{}",
                    c.name,
                    c.ready,
                    c.total,
                    if c.done { "" } else { " (not ready)" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Evaluate `observed` against what `spec` asks for.
pub fn evaluate(spec: &ClusterSpec, observed: &Observed) -> Progress {
    let mut components = Vec::new();
    for (pool, pool_spec) in &spec.pools {
        let pods: Vec<&Pod> = pool_pods(spec, observed, pool).collect();
        let mut progress = pods_progress(pool, pool_spec.replicas, &pods);
        if let Some(node_pool) = observed.node_pools.get(&names::node_pool(spec, pool))
            && !generation_observed(node_pool)
        {
            // Scaling or resizing through a KafkaNodePool: its pods can all be
            // ready (the old ones) before Strimzi has acted on the change.
            progress.done = false;
            progress.phase = format!("{}, reconciling", progress.phase);
        }
        components.push(progress);
    }
    if let Some(zk) = spec.zookeeper.as_ref().filter(|_| spec.is_zookeeper()) {
        let name = names::zookeeper_pods_name(&spec.name);
        let pods: Vec<&Pod> = observed
            .pods
            .values()
            .filter(|p| label(p, STRIMZI_NAME_LABEL) == Some(&name))
            .collect();
        components.push(pods_progress("zookeeper", zk.replicas, &pods));
    }
    if spec.is_zookeeper() {
        // Mid-migration (the stored spec stays ZooKeeper until it is finalized):
        // the controller pool Strimzi runs next to ZooKeeper.
        let controllers: Vec<&Pod> = observed
            .pods
            .values()
            .filter(|p| label(p, STRIMZI_CLUSTER_LABEL) == Some(&spec.name) && migration_controller(p))
            .collect();
        if !controllers.is_empty() {
            let want = i32::try_from(controllers.len()).unwrap_or(i32::MAX);
            components.push(pods_progress("controllers (migration)", want, &controllers));
        }
    }
    for (component, deployment) in expected_deployments(spec) {
        components.push(deployment_progress(component, observed.deployments.get(&deployment)));
    }
    if spec.prometheus.standalone() {
        components.push(statefulset_progress(
            "prometheus",
            observed.statefulsets.get(&names::prometheus(&spec.name)),
        ));
    }
    let volumes = expected_volumes(spec);
    if volumes > 0 {
        components.push(volumes_progress(spec, observed, volumes));
    }
    components.push(kafka_progress(observed.kafka.as_ref()));
    let ready = components.iter().all(|c| c.done);
    Progress {
        components,
        ready,
        diagnostics: diagnostics(spec, observed),
    }
}

/// A KRaft controller of a ZooKeeper cluster being migrated.
fn migration_controller(pod: &Pod) -> bool {
    label(pod, "strimzi.io/controller-role").is_some_and(|v| v == "true")
        && label(pod, "strimzi.io/broker-role").is_none_or(|v| v != "true")
}

fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a String> {
    pod.metadata.labels.as_ref()?.get(key)
}

/// Broker/controller pods of one pool (ZooKeeper mode: Strimzi's `<c>-kafka` pods).
fn pool_pods<'a>(spec: &'a ClusterSpec, observed: &'a Observed, pool: &'a str) -> impl Iterator<Item = &'a Pod> {
    let kafka_name = names::kafka_pods_name(&spec.name);
    observed.pods.values().filter(move |p| {
        label(p, STRIMZI_CLUSTER_LABEL) == Some(&spec.name)
            && if spec.is_zookeeper() {
                // Controllers added by a migration to KRaft also carry `<c>-kafka`.
                label(p, STRIMZI_NAME_LABEL) == Some(&kafka_name) && !migration_controller(p)
            } else {
                label(p, STRIMZI_POOL_LABEL).is_some_and(|l| *l == names::node_pool(spec, pool))
            }
    })
}

pub fn pod_ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|conds| conds.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn pods_progress(name: &str, want: i32, pods: &[&Pod]) -> ComponentProgress {
    let total = want.max(0) as u32;
    let ready = pods.iter().filter(|p| pod_ready(p)).count() as u32;
    let phase = if pods.is_empty() {
        "waiting for pods".to_string()
    } else if ready >= total && pods.len() as u32 == total {
        format!("{ready}/{total} ready")
    } else if pods.len() as u32 > total {
        format!("{ready}/{total} ready, {} terminating", pods.len() as u32 - total)
    } else {
        format!("{ready}/{total} ready, {} created", pods.len())
    };
    ComponentProgress {
        name: name.to_string(),
        ready: ready.min(total),
        total,
        done: ready >= total && pods.len() as u32 == total,
        phase,
    }
}

/// Deployments the cluster has: Strimzi's and kafkactl's own.
fn expected_deployments(spec: &ClusterSpec) -> Vec<(&'static str, String)> {
    let c = &spec.name;
    let mut out = vec![("entity-operator", names::entity_operator_deployment(c))];
    if spec.kafka_exporter.enabled {
        out.push(("kafka-exporter", names::kafka_exporter_deployment(c)));
    }
    if spec.is_zookeeper() && spec.zoo_entrance.enabled {
        out.push(("zoo-entrance", names::zoo_entrance(c)));
    }
    if spec.is_zookeeper() && spec.zookeeper_exporter.enabled {
        out.push(("zookeeper-exporter", names::zookeeper_exporter(c)));
    }
    out
}

fn deployment_progress(name: &str, deployment: Option<&Deployment>) -> ComponentProgress {
    let Some(d) = deployment else {
        return waiting(name, 1, "waiting for the Deployment");
    };
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as u32;
    let available = d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0).max(0) as u32;
    let done = rollout_complete(d);
    ComponentProgress {
        name: name.to_string(),
        ready: available.min(want),
        total: want,
        done,
        phase: if done {
            format!("{want}/{want} available")
        } else {
            format!("rolling out, {available}/{want} available")
        },
    }
}

/// `kubectl rollout status` for a StatefulSet (RollingUpdate strategy).
pub fn statefulset_rolled_out(sts: &StatefulSet) -> bool {
    let want = sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let generation = sts.metadata.generation.unwrap_or(0);
    let Some(status) = sts.status.as_ref() else {
        return false;
    };
    status.observed_generation.unwrap_or(0) >= generation
        && status.ready_replicas.unwrap_or(0) >= want
        && status.updated_replicas.unwrap_or(0) >= want
        && (status.update_revision.is_none() || status.update_revision == status.current_revision)
}

fn statefulset_progress(name: &str, sts: Option<&StatefulSet>) -> ComponentProgress {
    let Some(s) = sts else {
        return waiting(name, 1, "waiting for the StatefulSet");
    };
    let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as u32;
    let ready = s.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0).max(0) as u32;
    let done = statefulset_rolled_out(s);
    ComponentProgress {
        name: name.to_string(),
        ready: ready.min(want),
        total: want,
        done,
        phase: if done {
            format!("{want}/{want} ready")
        } else {
            format!("rolling out, {ready}/{want} ready")
        },
    }
}

/// Persistent volumes the cluster claims: one per persistent (or JBOD) volume
/// per node, per ZooKeeper node, and Prometheus's.
fn expected_volumes(spec: &ClusterSpec) -> u32 {
    let per_node = |kind: StorageType, jbod: usize| match kind {
        StorageType::Ephemeral => 0,
        StorageType::PersistentClaim => 1,
        StorageType::Jbod => jbod as u32,
    };
    let pools: u32 = spec
        .pools
        .values()
        .map(|p| per_node(p.storage.kind, p.storage.volumes.len()) * p.replicas.max(0) as u32)
        .sum();
    let zk = spec
        .zookeeper
        .as_ref()
        .filter(|_| spec.is_zookeeper())
        .map(|z| per_node(z.storage.kind, z.storage.volumes.len()) * z.replicas.max(0) as u32)
        .unwrap_or(0);
    pools + zk + u32::from(spec.prometheus.standalone())
}

/// Claims of this cluster: Strimzi labels them with the cluster; Prometheus's
/// carries kafkactl's labels from the claim template.
fn cluster_pvcs<'a>(spec: &'a ClusterSpec, observed: &'a Observed) -> impl Iterator<Item = &'a PersistentVolumeClaim> {
    let prometheus_claim = format!("data-{}-", names::prometheus(&spec.name));
    observed.pvcs.values().filter(move |pvc| {
        let labels = pvc.metadata.labels.as_ref();
        let by_label = labels.is_some_and(|l| {
            l.get(STRIMZI_CLUSTER_LABEL) == Some(&spec.name) || l.get(names::CLUSTER_LABEL) == Some(&spec.name)
        });
        by_label
            || pvc
                .metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(&prometheus_claim))
    })
}

fn volumes_progress(spec: &ClusterSpec, observed: &Observed, want: u32) -> ComponentProgress {
    let bound = cluster_pvcs(spec, observed)
        .filter(|pvc| pvc.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound"))
        .count() as u32;
    ComponentProgress {
        name: "volumes".to_string(),
        ready: bound.min(want),
        total: want,
        done: bound >= want,
        phase: format!("{}/{want} bound", bound.min(want)),
    }
}

/// Strimzi has reconciled the object's latest spec (status.observedGeneration >= metadata.generation).
pub fn generation_observed(object: &Value) -> bool {
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
    object["status"]["observedGeneration"].as_i64().unwrap_or(-1) >= generation
}

/// The Kafka CR's condition, current only when observedGeneration >= generation.
pub fn kafka_condition(kafka: &Value) -> Option<(String, String, String, bool)> {
    let conditions = kafka["status"]["conditions"].as_array()?;
    let current = generation_observed(kafka);
    let pick = |t: &str| conditions.iter().find(|c| c["type"] == t && c["status"] == "True");
    let cond = pick("Ready")
        .or_else(|| pick("NotReady"))
        .or_else(|| pick("ReconciliationPaused"))?;
    Some((
        cond["type"].as_str().unwrap_or_default().to_string(),
        cond["reason"].as_str().unwrap_or_default().to_string(),
        cond["message"].as_str().unwrap_or_default().to_string(),
        current,
    ))
}

pub fn kafka_ready(kafka: &Value) -> bool {
    matches!(kafka_condition(kafka), Some((t, _, _, true)) if t == "Ready")
}

fn kafka_progress(kafka: Option<&Value>) -> ComponentProgress {
    let Some(k) = kafka else {
        return waiting("kafka", 1, "waiting for the Kafka resource");
    };
    let done = kafka_ready(k);
    let phase = match kafka_condition(k) {
        Some((t, _, _, true)) if t == "Ready" => "Ready".to_string(),
        Some((t, reason, _, true)) => format!("{t} ({reason})"),
        Some((_, _, _, false)) => "reconciling".to_string(),
        None => "waiting for the operator".to_string(),
    };
    ComponentProgress {
        name: "kafka".to_string(),
        ready: u32::from(done),
        total: 1,
        done,
        phase,
    }
}

fn waiting(name: &str, total: u32, phase: &str) -> ComponentProgress {
    ComponentProgress {
        name: name.to_string(),
        ready: 0,
        total,
        done: false,
        phase: phase.to_string(),
    }
}

/// Why things are stuck: container waiting reasons, unschedulable pods,
/// Warning events of the cluster's pods and claims, NotReady conditions
/// (except Strimzi's "Creating", which only says work is under way).
pub fn diagnostics(spec: &ClusterSpec, observed: &Observed) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, pod) in &observed.pods {
        if pod_ready(pod) {
            continue;
        }
        out.extend(pod_diagnostics(name, pod));
    }
    let our_objects: Vec<String> = observed
        .pods
        .keys()
        .cloned()
        .chain(cluster_pvcs(spec, observed).filter_map(|p| p.metadata.name.clone()))
        .collect();
    for event in observed.warnings.values() {
        let involved = event.involved_object.name.clone().unwrap_or_default();
        if !our_objects.contains(&involved) || event_resolved(event, observed) {
            continue;
        }
        let kind = event.involved_object.kind.clone().unwrap_or_default().to_lowercase();
        out.push(Diagnostic {
            object: format!("{}/{involved}", short_kind(&kind)),
            reason: event.reason.clone().unwrap_or_default(),
            message: event.message.clone().unwrap_or_default().trim().to_string(),
        });
    }
    if let Some(kafka) = &observed.kafka
        && let Some((t, reason, message, _)) = kafka_condition(kafka)
        && t == "NotReady"
        && reason != "Creating"
        && !message.is_empty()
    {
        out.push(Diagnostic {
            object: format!("kafka/{}", spec.name),
            reason,
            message,
        });
    }
    out.sort();
    out.dedup();
    out
}

fn short_kind(kind: &str) -> &str {
    match kind {
        "persistentvolumeclaim" => "pvc",
        other => other,
    }
}

/// A warning about an object that is fine by now (a claim bound later, a
/// pod that became ready) no longer explains anything.
fn event_resolved(event: &Event, observed: &Observed) -> bool {
    let name = event.involved_object.name.as_deref().unwrap_or_default();
    match event.involved_object.kind.as_deref() {
        Some("Pod") => observed.pods.get(name).is_some_and(pod_ready),
        Some("PersistentVolumeClaim") => observed
            .pvcs
            .get(name)
            .is_some_and(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")),
        _ => false,
    }
}

fn pod_diagnostics(name: &str, pod: &Pod) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(status) = pod.status.as_ref() else {
        return out;
    };
    for cs in status.container_statuses.iter().flatten() {
        if let Some(waiting) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            let reason = waiting.reason.clone().unwrap_or_default();
            if matches!(
                reason.as_str(),
                "ImagePullBackOff"
                    | "ErrImagePull"
                    | "CrashLoopBackOff"
                    | "CreateContainerConfigError"
                    | "InvalidImageName"
            ) {
                let message = waiting
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("container {} image {}", cs.name, cs.image));
                out.push(Diagnostic {
                    object: format!("pod/{name}"),
                    reason,
                    message,
                });
            }
        }
    }
    for cond in status.conditions.iter().flatten() {
        if cond.type_ == "PodScheduled" && cond.status == "False" {
            out.push(Diagnostic {
                object: format!("pod/{name}"),
                reason: cond.reason.clone().unwrap_or_else(|| "Unschedulable".into()),
                message: cond.message.clone().unwrap_or_default(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;
    use serde_json::json;

    fn spec(preset_name: &str) -> ClusterSpec {
        let mut s = preset::resolve(&preset::find(preset_name).unwrap()).unwrap();
        s.name = "c".into();
        s
    }

    fn pod(name: &str, labels: Value, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        }))
        .unwrap()
    }

    fn kafka(generation: i64, observed: i64, ready: bool) -> Value {
        json!({
            "metadata": {"generation": generation},
            "status": {"observedGeneration": observed, "conditions": [
                {"type": if ready {"Ready"} else {"NotReady"}, "status": "True", "reason": "R", "message": "not yet"}]}
        })
    }

    #[test]
    fn ready_condition_counts_only_for_the_current_generation() {
        assert!(kafka_ready(&kafka(2, 2, true)));
        assert!(!kafka_ready(&kafka(3, 2, true)));
        assert!(!kafka_ready(&kafka(2, 2, false)));
    }

    #[test]
    fn pool_progress_counts_ready_pods_of_the_pool() {
        let s = spec("dev");
        let mut observed = Observed::default();
        observed.pods.insert(
            "c-c-dual-0".into(),
            pod(
                "c-c-dual-0",
                json!({"strimzi.io/cluster": "c", "strimzi.io/pool-name": "c-dual"}),
                false,
            ),
        );
        let p = evaluate(&s, &observed);
        let pool = p.components.iter().find(|c| c.name == "dual").unwrap();
        assert_eq!((pool.ready, pool.total, pool.done), (0, 1, false));
        assert!(!p.ready);
        observed.pods.insert(
            "c-c-dual-0".into(),
            pod(
                "c-c-dual-0",
                json!({"strimzi.io/cluster": "c", "strimzi.io/pool-name": "c-dual"}),
                true,
            ),
        );
        let p = evaluate(&s, &observed);
        assert!(p.components.iter().find(|c| c.name == "dual").unwrap().done);
        assert!(!p.ready, "kafka is not ready yet");
    }

    #[test]
    fn image_pull_backoff_is_diagnosed_with_the_image() {
        let s = spec("dev");
        let mut observed = Observed::default();
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "c-c-dual-0", "labels": {"strimzi.io/cluster": "c"}},
            "status": {"containerStatuses": [{"name": "kafka", "image": "x/kafka:1", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"x/kafka:1\""}}}]}
        }))
        .unwrap();
        observed.pods.insert("c-c-dual-0".into(), p);
        let d = diagnostics(&s, &observed);
        assert_eq!(d[0].reason, "ImagePullBackOff");
        assert!(d[0].message.contains("x/kafka:1"));
    }

    #[test]
    fn a_pool_is_not_done_until_strimzi_observed_its_generation() {
        let s = spec("dev");
        let mut observed = Observed::default();
        observed.pods.insert(
            "c-c-dual-0".into(),
            pod(
                "c-c-dual-0",
                json!({"strimzi.io/cluster": "c", "strimzi.io/pool-name": "c-dual"}),
                true,
            ),
        );
        observed.node_pools.insert(
            "c-dual".into(),
            json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 1}}),
        );
        let pool = evaluate(&s, &observed)
            .components
            .into_iter()
            .find(|c| c.name == "dual")
            .unwrap();
        assert!(!pool.done && pool.phase.contains("reconciling"), "{pool:?}");
        observed.node_pools.insert(
            "c-dual".into(),
            json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 2}}),
        );
        assert!(
            evaluate(&s, &observed)
                .components
                .iter()
                .find(|c| c.name == "dual")
                .unwrap()
                .done
        );
    }

    #[test]
    fn production_expects_volumes_for_every_node_and_prometheus() {
        assert_eq!(expected_volumes(&spec("production")), 3 + 3 + 1);
        assert_eq!(expected_volumes(&spec("dev")), 0);
        assert_eq!(expected_volumes(&spec("zookeeper-classic")), 3 + 3 + 1);
    }
}
