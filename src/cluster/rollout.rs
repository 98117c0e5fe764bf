//! Rolling changes of a running cluster: which pods a restart or upgrade
//! targets (by pod name, with their uids before), Strimzi's manual rolling
//! update annotation, and a watch-driven wait until every targeted pod was
//! recreated (a new uid) and is ready, one progress bar per pool. Also the
//! pure detector of Strimzi refusing a scale-down, for the fail-fast wait.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;
use serde_json::{Value, json};

use super::client::Connection;
use super::errors::{ApiError, Operation};
use super::readiness::{ComponentProgress, Observed, Progress, diagnostics, kafka_condition, kafka_ready, pod_ready};
use super::resources::{dynamic_api, strimzi};
use super::watch::{Check, Stalled, WaitError, Watches, by_name};
use crate::spec::ClusterSpec;
use crate::spec::names::{self, FIELD_MANAGER, STRIMZI_CLUSTER_LABEL};

/// Strimzi's annotation asking for a rolling update of a StrimziPodSet or one Pod.
pub const MANUAL_ROLLING_UPDATE: &str = "strimzi.io/manual-rolling-update";

/// The pods of one group (a node pool, or ZooKeeper) that must be recreated,
/// by name, with the uid each had before.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RolloutTarget {
    /// Pool name, or `zookeeper`.
    pub group: String,
    pub pods: BTreeMap<String, String>,
}

/// What the Kafka CR must show at the end of a rollout, beyond its pods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KafkaGoal {
    /// Ready for its current generation.
    pub ready: bool,
    /// `status.kafkaVersion` equals this.
    pub kafka_version: Option<String>,
}

/// The group a pod of `spec` belongs to, from its name: `<c>-<pool>-<id>`
/// for every pool (ZooKeeper mode: pool `kafka`), `<c>-zookeeper-<n>`.
pub fn pod_group(spec: &ClusterSpec, pod: &str) -> Option<String> {
    let numbered = |prefix: &str| {
        pod.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
    };
    if spec.is_zookeeper() && numbered(&format!("{}-", names::zookeeper_pods_name(&spec.name))) {
        return Some("zookeeper".to_string());
    }
    spec.pools
        .keys()
        .find(|pool| numbered(&format!("{}-", names::pod_set(spec, pool))))
        .cloned()
}

/// Group `pods` (name → pod) into targets, keeping the groups `wanted` accepts.
pub fn targets(spec: &ClusterSpec, pods: &BTreeMap<String, Pod>, wanted: impl Fn(&str) -> bool) -> Vec<RolloutTarget> {
    let mut groups: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (name, pod) in pods {
        let Some(group) = pod_group(spec, name).filter(|g| wanted(g)) else {
            continue;
        };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        groups.entry(group).or_default().insert(name.clone(), uid);
    }
    groups
        .into_iter()
        .map(|(group, pods)| RolloutTarget { group, pods })
        .collect()
}

/// The cluster's pods now (Strimzi labels them with the cluster), by name.
pub async fn cluster_pods(conn: &Connection, spec: &ClusterSpec) -> Result<BTreeMap<String, Pod>, ApiError> {
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), &spec.namespace);
    let params = ListParams::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name));
    let list = api
        .list(&params)
        .await
        .map_err(|e| ApiError::new(e, Operation::new("list", "the cluster's pods"), &conn.server))?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|p| Some((p.metadata.name.clone()?, p)))
        .collect())
}

/// The cluster's KafkaNodePools as stored (spec, annotations, status).
pub async fn node_pools(conn: &Connection, strimzi_version: &str, spec: &ClusterSpec) -> Result<Vec<Value>, ApiError> {
    let resource = strimzi(strimzi_version, "KafkaNodePool")
        .ok_or_else(|| ApiError::unexpected("unknown Strimzi kind KafkaNodePool"))?;
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), &spec.namespace, &resource);
    let params = ListParams::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name));
    let list = api
        .list(&params)
        .await
        .map_err(|e| ApiError::new(e, Operation::new("list", "KafkaNodePools"), &conn.server))?;
    Ok(list
        .items
        .into_iter()
        .map(|p| serde_json::to_value(p).unwrap_or_default())
        .collect())
}

/// Put Strimzi's manual rolling update annotation on a StrimziPodSet
/// (`kind` "StrimziPodSet", served at `strimzi_version`) or a Pod.
/// Strimzi removes the annotation when the pods were rolled.
pub async fn request_rolling_update(
    conn: &Connection,
    strimzi_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<(), ApiError> {
    let api_version = match kind {
        "Pod" => "v1".to_string(),
        _ => format!("core.strimzi.io/{strimzi_version}"),
    };
    annotate(
        conn,
        &api_version,
        kind,
        namespace,
        name,
        MANUAL_ROLLING_UPDATE,
        Some("true"),
    )
    .await
}

/// Set (or with `None` remove) one annotation of an object: a merge patch,
/// like `kubectl annotate`, so that it is not part of kafkactl's applied
/// configuration (Strimzi removes some of these annotations itself).
pub async fn annotate(
    conn: &Connection,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
    key: &str,
    value: Option<&str>,
) -> Result<(), ApiError> {
    let api = dynamic_api(&conn.client, api_version, kind, Some(namespace))
        .ok_or_else(|| ApiError::unexpected(format!("kafkactl does not know the kind {kind}")))?;
    let patch = json!({ "metadata": { "annotations": { key: value } } });
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    api.patch(name, &params, &Patch::Merge(&patch))
        .await
        .map(|_| ())
        .map_err(|e| {
            ApiError::new(
                e,
                Operation::new("annotate", format!("{kind} {namespace}/{name}")),
                &conn.server,
            )
        })
}

/// Progress of a rollout: per group, how many targeted pods were recreated
/// and are ready; plus the Kafka CR when a goal is set for it.
pub fn rollout_progress(
    spec: &ClusterSpec,
    targets: &[RolloutTarget],
    observed: &Observed,
    goal: &KafkaGoal,
) -> Progress {
    let mut components: Vec<ComponentProgress> = targets
        .iter()
        .map(|target| {
            let replaced = target
                .pods
                .iter()
                .filter(|(name, old_uid)| {
                    observed.pods.get(*name).is_some_and(|pod| {
                        pod.metadata.uid.as_deref().is_some_and(|uid| uid != old_uid.as_str()) && pod_ready(pod)
                    })
                })
                .count() as u32;
            let total = target.pods.len() as u32;
            ComponentProgress {
                name: target.group.clone(),
                ready: replaced,
                total,
                done: replaced >= total,
                phase: format!("{replaced}/{total} restarted"),
            }
        })
        .collect();
    if goal.ready || goal.kafka_version.is_some() {
        components.push(kafka_goal_progress(observed.kafka.as_ref(), goal));
    }
    let ready = components.iter().all(|c| c.done);
    Progress {
        components,
        ready,
        diagnostics: diagnostics(spec, observed),
    }
}

fn kafka_goal_progress(kafka: Option<&Value>, goal: &KafkaGoal) -> ComponentProgress {
    let version = kafka.and_then(|k| k["status"]["kafkaVersion"].as_str());
    let ready = kafka.is_some_and(kafka_ready);
    let version_ok = match &goal.kafka_version {
        Some(want) => version == Some(want.as_str()),
        None => true,
    };
    let done = ready && version_ok;
    let phase = match (&goal.kafka_version, done) {
        (_, true) => "Ready".to_string(),
        (Some(want), false) => format!("running {}, upgrading to {want}", version.unwrap_or("?")),
        (None, false) => "reconciling".to_string(),
    };
    ComponentProgress {
        name: "kafka".to_string(),
        ready: u32::from(done),
        total: 1,
        done,
        phase,
    }
}

/// Strimzi refusing a change for good (not a transient NotReady): an invalid
/// resource, an unsupported version, brokers it will not remove. The message
/// of the Kafka CR's or a node pool's condition, when there is one.
pub fn strimzi_refusal(observed: &Observed) -> Option<String> {
    const FINAL: [&str; 3] = [
        "InvalidResourceException",
        "UnsupportedKafkaVersionException",
        "KafkaUpgradeException",
    ];
    if let Some(kafka) = &observed.kafka
        && let Some((kind, reason, message, _)) = kafka_condition(kafka)
        && kind == "NotReady"
        && (FINAL.contains(&reason.as_str()) || is_scale_down_refusal(&message))
    {
        return Some(message);
    }
    observed.node_pools.values().find_map(|pool| {
        pool["status"]["conditions"]
            .as_array()?
            .iter()
            .filter(|c| c["status"] == "True" && (c["type"] == "NotReady" || c["type"] == "Warning"))
            .filter_map(|c| c["message"].as_str())
            .find(|m| is_scale_down_refusal(m))
            .map(str::to_string)
    })
}

/// Strimzi's words when brokers to remove still hold partition replicas.
pub fn is_scale_down_refusal(message: &str) -> bool {
    message.contains("Cannot scale down") || message.contains("are not empty")
}

/// Wait until every targeted pod was recreated and is ready (and the Kafka
/// CR meets `goal`), watching the cluster's pods and its Kafka CR. A
/// refusal by Strimzi ends the wait at once.
pub async fn wait_for_rollout(
    conn: &Connection,
    spec: &ClusterSpec,
    strimzi_version: &str,
    targets: &[RolloutTarget],
    goal: &KafkaGoal,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Progress, WaitError> {
    let kafka_resource = strimzi(strimzi_version, "Kafka").ok_or_else(|| WaitError::UnknownKind {
        kind: "Kafka".to_string(),
    })?;
    let ns = spec.namespace.as_str();
    let mut watches = Watches::new(conn);
    let pods: Store<Pod> = watches.store(
        Api::namespaced(conn.client.clone(), ns),
        (),
        Some(ns),
        watcher::Config::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name)),
    );
    let kafka = watches.object::<DynamicObject>(
        Api::namespaced_with(conn.client.clone(), ns, &kafka_resource),
        &kafka_resource,
        Some(ns),
        &spec.name,
    );
    let observed = || Observed {
        kafka: kafka.get().and_then(|k| serde_json::to_value(k).ok()),
        pods: by_name(&pods, |_| true),
        ..Observed::default()
    };
    let mut last = rollout_progress(spec, targets, &Observed::default(), goal);
    on_progress(&last);
    let initial = Stalled::Rollout(last.clone());
    watches
        .until(timeout, initial, || {
            let observed = observed();
            if goal.ready
                && let Some(message) = strimzi_refusal(&observed)
            {
                let kafka = Some((spec.namespace.clone(), spec.name.clone()));
                return Check::Stop(WaitError::Refused { message, kafka });
            }
            let progress = rollout_progress(spec, targets, &observed, goal);
            if progress != last {
                on_progress(&progress);
                last = progress.clone();
            }
            match progress.ready {
                true => Check::Done(progress),
                false => Check::Waiting(Stalled::Rollout(progress)),
            }
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    fn spec(preset_name: &str) -> ClusterSpec {
        let mut s = preset::resolve(&preset::find(preset_name).unwrap()).unwrap();
        s.name = "c".into();
        s
    }

    fn pod(name: &str, uid: &str, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "uid": uid},
            "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        }))
        .unwrap()
    }

    fn observed(pods: &[Pod]) -> Observed {
        Observed {
            pods: pods
                .iter()
                .map(|p| (p.metadata.name.clone().unwrap(), p.clone()))
                .collect(),
            ..Observed::default()
        }
    }

    #[test]
    fn pods_are_grouped_by_pool_and_zookeeper_from_their_names() {
        let production = spec("production");
        assert_eq!(pod_group(&production, "c-c-brokers-101").as_deref(), Some("brokers"));
        assert_eq!(
            pod_group(&production, "c-c-controllers-0").as_deref(),
            Some("controllers")
        );
        assert_eq!(pod_group(&production, "c-entity-operator-abc"), None);
        let mut bare = spec("production");
        bare.node_pool_names = crate::spec::NodePoolNames::Bare;
        assert_eq!(pod_group(&bare, "c-brokers-101").as_deref(), Some("brokers"));
        assert_eq!(pod_group(&bare, "c-c-brokers-101"), None);
        let zk = spec("zookeeper-classic");
        assert_eq!(pod_group(&zk, "c-kafka-2").as_deref(), Some("kafka"));
        assert_eq!(pod_group(&zk, "c-zookeeper-0").as_deref(), Some("zookeeper"));
        assert_eq!(pod_group(&zk, "c-kafka-exporter-x"), None);
    }

    #[test]
    fn a_pod_counts_once_it_has_a_new_uid_and_is_ready() {
        let s = spec("production");
        let before = observed(&[pod("c-c-brokers-100", "a", true), pod("c-c-brokers-101", "b", true)]);
        let t = targets(&s, &before.pods, |g| g == "brokers");
        assert_eq!(t.len(), 1);
        let goal = KafkaGoal::default();
        assert!(!rollout_progress(&s, &t, &before, &goal).ready);
        let midway = observed(&[pod("c-c-brokers-100", "a2", true), pod("c-c-brokers-101", "b", true)]);
        let p = rollout_progress(&s, &t, &midway, &goal);
        assert_eq!((p.components[0].ready, p.components[0].total, p.ready), (1, 2, false));
        let unready = observed(&[pod("c-c-brokers-100", "a2", true), pod("c-c-brokers-101", "b2", false)]);
        assert!(!rollout_progress(&s, &t, &unready, &goal).ready);
        let done = observed(&[pod("c-c-brokers-100", "a2", true), pod("c-c-brokers-101", "b2", true)]);
        assert!(rollout_progress(&s, &t, &done, &goal).ready);
    }

    #[test]
    fn an_upgrade_is_done_only_when_kafka_reports_the_new_version() {
        let s = spec("dev");
        let t = vec![];
        let goal = KafkaGoal {
            ready: true,
            kafka_version: Some("4.3.1".into()),
        };
        let mut o = Observed::default();
        let kafka = |version: &str| {
            json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 2, "kafkaVersion": version,
                "conditions": [{"type": "Ready", "status": "True"}]}})
        };
        o.kafka = Some(kafka("4.2.0"));
        let p = rollout_progress(&s, &t, &o, &goal);
        assert!(
            !p.ready && p.components[0].phase.contains("upgrading to 4.3.1"),
            "{p:?}"
        );
        o.kafka = Some(kafka("4.3.1"));
        assert!(rollout_progress(&s, &t, &o, &goal).ready);
    }

    #[test]
    fn strimzi_refusing_a_scale_down_is_recognised_on_kafka_and_pools() {
        let mut o = Observed::default();
        assert_eq!(strimzi_refusal(&o), None);
        o.kafka = Some(
            json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 3, "conditions": [
            {"type": "NotReady", "status": "True", "reason": "InvalidResourceException",
             "message": "Cannot scale down brokers [103, 104] because brokers [103, 104] are not empty"}]}}),
        );
        assert!(strimzi_refusal(&o).unwrap().contains("[103, 104]"));
        o.kafka = Some(
            json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 3, "conditions": [
            {"type": "NotReady", "status": "True", "reason": "TimeoutException", "message": "waiting for pods"}]}}),
        );
        assert_eq!(strimzi_refusal(&o), None, "a timeout is not a refusal");
        o.node_pools.insert(
            "brokers".into(),
            json!({"status": {"conditions": [{"type": "Warning", "status": "True", "reason": "ScaleDownFailed",
                "message": "Cannot scale down brokers [4] because brokers [4] are not empty"}]}}),
        );
        assert!(strimzi_refusal(&o).unwrap().contains("[4]"));
    }
}
