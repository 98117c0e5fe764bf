//! The simulated Strimzi reconciliation of one Kafka cluster: validation, node ids and node
//! pools, StrimziPodSets and their pods, PVCs, Services, Secrets, the entity operator and
//! kafka-exporter Deployments, rolling updates, and the Kafka / KafkaNodePool statuses.

use super::Ctx;
use super::kube::{self, array_at, condition, keep_times};
use super::migration::{self, MetadataState, Transition};
use super::operator::Operator;
use crate::store::Store;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashSet};

const MANAGED_BY: &str = "strimzi-cluster-operator";
const MANUAL_ROLL: &str = "strimzi.io/manual-rolling-update";
const PAUSE: &str = "strimzi.io/pause-reconciliation";
const SKIP_SCALEDOWN_CHECK: &str = "strimzi.io/skip-broker-scaledown-check";
const REVISION: &str = "strimzi.io/revision";
/// On a KRaft node's pod: the cluster ID the operator gave it. Stands in for the `cluster.id`
/// file of Strimzi's per-node ConfigMap, which the pod formats its storage with.
pub const POD_CLUSTER_ID: &str = "sim.strimzi.io/cluster-id";
const FAKE_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBfakeSimulatedClusterCA\n-----END CERTIFICATE-----\n";

/// One set of pods the operator runs (a node pool, or ZooKeeper).
#[derive(Debug, Clone)]
struct PodGroup {
    /// `<c>-<pool>` or `<c>-zookeeper`.
    podset: String,
    /// `None` for ZooKeeper.
    pool: Option<String>,
    broker: bool,
    controller: bool,
    ids: Vec<i32>,
    current_ids: Vec<i32>,
    storage: Value,
    resources: Value,
    template: Value,
    revision: String,
    /// The KafkaNodePool resource, when there is one.
    pool_obj: Option<Value>,
}

/// What one reconciliation found; `Err` carries a NotReady (reason, message).
type Step<T> = Result<T, (String, String)>;

fn invalid(message: String) -> (String, String) {
    ("InvalidResourceException".into(), message)
}

struct Cluster<'a> {
    op: &'a Operator,
    kafka: &'a Value,
    name: String,
    ns: String,
    /// The metadata is KRaft's (state `PreKRaft` or `KRaft`).
    kraft: bool,
    /// The metadata state this reconciliation works towards.
    state: MetadataState,
    /// A `KafkaMetadataStateWarning` about an annotation value the state does not take.
    state_warning: Option<String>,
    pools_enabled: bool,
    version: String,
    image: String,
    /// `status.clusterId` when the Kafka has one (Strimzi keeps it), else a new one.
    cluster_id: String,
}

impl Cluster<'_> {
    fn base_labels(&self, strimzi_name: &str, component: &str) -> Map<String, Value> {
        let mut l = Map::new();
        for (k, v) in [
            ("strimzi.io/cluster", self.name.as_str()),
            ("strimzi.io/kind", "Kafka"),
            ("strimzi.io/name", strimzi_name),
            ("strimzi.io/component-type", component),
            ("app.kubernetes.io/name", component),
            ("app.kubernetes.io/instance", self.name.as_str()),
            ("app.kubernetes.io/managed-by", MANAGED_BY),
        ] {
            l.insert(k.into(), json!(v));
        }
        l.insert(
            "app.kubernetes.io/part-of".into(),
            json!(format!("strimzi-{}", self.name)),
        );
        l
    }

    fn kafka_name(&self) -> String {
        format!("{}-kafka", self.name)
    }

    fn owner(&self) -> Value {
        kube::owner_ref(self.kafka, false)
    }

    fn object(&self, api: &str, kind: &str, name: &str, labels: Map<String, Value>) -> Value {
        json!({
            "apiVersion": api,
            "kind": kind,
            "metadata": {
                "name": name,
                "namespace": self.ns,
                "labels": labels,
                "ownerReferences": [self.owner()],
            },
        })
    }
}

pub fn reconcile(store: &Store, ctx: &mut Ctx, op: &Operator, kafka: &Value) {
    if kube::is_deleting(kafka) {
        return;
    }
    let key = (kube::namespace(kafka).to_string(), kube::name(kafka).to_string());
    let generation = kube::generation(kafka);
    if kube::annotation(kafka, PAUSE) == Some("true") {
        let mut status = kafka.get("status").cloned().unwrap_or(json!({}));
        let old = array_at(kafka, "/status/conditions").to_vec();
        status["conditions"] = json!(keep_times(
            &old,
            vec![condition("ReconciliationPaused", "True", "", "")]
        ));
        write_status(store, op, kafka, "Kafka", status);
        return;
    }
    if !ctx.elapsed(
        &format!("kafka/{}/{generation}", kube::uid(kafka)),
        ctx.cfg.operator_delay,
    ) {
        return;
    }
    if let Some(f) = ctx.knobs.failures.get(&key).cloned() {
        not_ready(store, op, kafka, &f.reason, &f.message);
        return;
    }
    match run(store, ctx, op, kafka) {
        Ok(()) => {}
        Err((reason, message)) => not_ready(store, op, kafka, &reason, &message),
    }
}

fn write_status(store: &Store, op: &Operator, obj: &Value, kind: &str, status: Value) {
    let api_version = if kind == "StrimziPodSet" {
        op.podset_api_version()
    } else {
        op.api_version
    };
    if obj.get("status") != Some(&status) {
        let _ = store.put_status(api_version, kind, Some(kube::namespace(obj)), kube::name(obj), status);
    }
}

/// A failed reconciliation: NotReady for the current generation, the rest kept.
fn not_ready(store: &Store, op: &Operator, kafka: &Value, reason: &str, message: &str) {
    let mut status = kafka.get("status").cloned().unwrap_or(json!({}));
    let old = array_at(kafka, "/status/conditions").to_vec();
    status["conditions"] = json!(keep_times(&old, vec![condition("NotReady", "True", reason, message)]));
    status["observedGeneration"] = json!(kube::generation(kafka));
    write_status(store, op, kafka, "Kafka", status);
}

fn annotation_enabled(kafka: &Value, key: &str) -> bool {
    kube::annotation(kafka, key) == Some("enabled")
}

/// The metadata state to work towards and the warning to report: 0.45's migration state
/// machine (later operators only run KRaft).
fn metadata_plan(ctx: &mut Ctx, op: &Operator, kafka: &Value) -> (MetadataState, Option<String>) {
    if op.kraft_only() {
        return (MetadataState::KRaft, None);
    }
    let current = migration::recorded_state(kafka);
    let step_key = |s: MetadataState| format!("kraft-step/{}/{}", kube::uid(kafka), s.as_str());
    let annotation = kube::annotation(kafka, migration::KRAFT_ANNOTATION);
    match migration::transition(current, annotation) {
        Transition::Stay => (current, None),
        Transition::Warn(message) => (current, Some(message)),
        Transition::Go(next) => {
            // The next state's own step time starts when it is reached.
            ctx.memory.since.remove(&step_key(next));
            (next, None)
        }
        Transition::After(next) => {
            if migration::settled_in(kafka, current) && ctx.elapsed(&step_key(current), ctx.cfg.migration_step_delay) {
                ctx.memory.since.remove(&step_key(next));
                (next, None)
            } else {
                (current, None)
            }
        }
    }
}

/// Upgrading from a Kafka version the operator does not know fails (0.46–0.51); downgrading
/// from one is allowed.
fn check_upgrade_from(op: &Operator, kafka: &Value, target: &str) -> Step<()> {
    let Some(running) = kube::str_at(kafka, "/status/kafkaVersion") else {
        return Ok(());
    };
    let upgrade = crate::strimzi::version_key(target) > crate::strimzi::version_key(running);
    if !upgrade || op.knows_kafka_version(running) {
        return Ok(());
    }
    Err(unsupported_version(op, running))
}

fn unsupported_version(op: &Operator, version: &str) -> (String, String) {
    (
        "UnsupportedKafkaVersionException".into(),
        format!(
            "Unsupported Kafka.spec.kafka.version: {version}. Supported versions are: [{}]",
            op.supported_versions().join(", ")
        ),
    )
}

fn run(store: &Store, ctx: &mut Ctx, op: &Operator, kafka: &Value) -> Step<()> {
    // 0.46–0.51 refuse before any reconcile step, so nothing of the cluster is touched.
    if let Some(message) = migration::refusal(op, kafka) {
        return Err(("InvalidConfigurationException".into(), message));
    }
    let name = kube::name(kafka).to_string();
    let ns = kube::namespace(kafka).to_string();
    let (state, state_warning) = metadata_plan(ctx, op, kafka);
    let pools_enabled = op.kraft_only() || annotation_enabled(kafka, migration::NODE_POOLS_ANNOTATION);
    if state.controllers_run() && !pools_enabled {
        let mode = if state.is_kraft() {
            "KRaft mode (strimzi.io/kraft: enabled)"
        } else {
            "Migration to KRaft (strimzi.io/kraft: migration)"
        };
        return Err(invalid(format!(
            "The Kafka cluster {name} is invalid: [{mode} can be used only with KafkaNodePools; add the strimzi.io/node-pools: enabled annotation]"
        )));
    }
    if state.zookeeper_runs() && kafka.pointer("/spec/zookeeper").is_none() {
        return Err(invalid(
            "The .spec.zookeeper section of the Kafka custom resource is missing. This section is required for a ZooKeeper-based cluster.".into(),
        ));
    }
    let custom_image = kube::str_at(kafka, "/spec/kafka/image").map(str::to_string);
    let version = kube::str_at(kafka, "/spec/kafka/version")
        .map(str::to_string)
        .or_else(|| op.default_kafka_version().map(str::to_string))
        .unwrap_or_default();
    // Strimzi looks the version up in the versions it supports whatever the
    // image: a custom image does not make an unsupported version acceptable.
    let image = match (op.image_for(&version), custom_image) {
        (Some(_), Some(i)) => i,
        (Some(i), None) => i.to_string(),
        (None, Some(i)) if op.supported_versions().is_empty() => i,
        (None, _) => return Err(unsupported_version(op, &version)),
    };
    check_upgrade_from(op, kafka, &version)?;
    if state == MetadataState::KRaftMigration && migration::recorded_state(kafka) == MetadataState::ZooKeeper {
        migration::check_migration_versions(kafka, &version).map_err(invalid)?;
    }
    let cluster = Cluster {
        op,
        kafka,
        name,
        ns,
        kraft: state.is_kraft(),
        state,
        state_warning,
        pools_enabled,
        version,
        image,
        cluster_id: cluster_id(kafka),
    };
    let mut groups = plan_groups(store, &cluster)?;
    check_scale_down(ctx, &cluster, &groups)?;

    ensure_secrets(store, &cluster);
    let mut desired: HashSet<(String, String)> = HashSet::new();
    for g in &mut groups {
        apply_group(store, ctx, &cluster, g, &mut desired);
    }
    apply_services(store, &cluster, &groups, &mut desired);
    apply_deployments(store, &cluster, &mut desired);
    remove_undesired(store, &cluster, &desired);
    if !cluster.state.zookeeper_runs() {
        remove_zookeeper_claims(store, &cluster);
    }

    let rolling = roll_one(store, ctx, &cluster, &groups);
    let pending = pending_reason(store, &cluster, &groups, rolling);
    let listeners = listener_statuses(store, &cluster, &groups);
    match (pending, listeners) {
        (None, Ok(listeners)) => {
            write_pool_statuses(store, &cluster, &groups);
            write_ready(store, ctx, &cluster, &groups, listeners);
            Ok(())
        }
        (Some(why), _) | (None, Err(why)) => {
            let key = format!("kafka-timeout/{}/{}", kube::uid(kafka), kube::generation(kafka));
            if ctx.elapsed(&key, op.operation_timeout) {
                return Err((
                    "TimeoutException".into(),
                    format!(
                        "Exceeded timeout of {}ms while waiting for {why}",
                        op.operation_timeout.as_millis()
                    ),
                ));
            }
            if kafka.pointer("/status/conditions").is_none() {
                let status = json!({"conditions": [condition("NotReady", "True", "Creating", "Kafka cluster is being deployed")]});
                write_status(store, op, kafka, "Kafka", status);
            }
            Ok(())
        }
    }
}

/// Parses `[0, 5-9, 100-199]`.
fn parse_id_ranges(s: &str) -> Vec<i32> {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .flat_map(|part| {
            let part = part.trim();
            match part.split_once('-') {
                Some((a, b)) => match (a.trim().parse::<i32>(), b.trim().parse::<i32>()) {
                    (Ok(a), Ok(b)) if a <= b => (a..=b).collect::<Vec<_>>(),
                    _ => Vec::new(),
                },
                None => part.parse().ok().into_iter().collect(),
            }
        })
        .collect()
}

/// The ids of the pods a StrimziPodSet currently lists.
fn podset_ids(store: &Store, c: &Cluster, podset: &str) -> Vec<i32> {
    let Some(sps) = store.get(c.op.podset_api_version(), "StrimziPodSet", Some(&c.ns), podset) else {
        return Vec::new();
    };
    let prefix = format!("{podset}-");
    let mut ids: Vec<i32> = array_at(&sps, "/spec/pods")
        .iter()
        .filter_map(|p| kube::name(p).strip_prefix(&prefix)?.parse().ok())
        .collect();
    ids.sort();
    ids
}

fn plan_groups(store: &Store, c: &Cluster) -> Step<Vec<PodGroup>> {
    let kafka_spec = c.kafka.pointer("/spec/kafka").cloned().unwrap_or(json!({}));
    let kafka_template = kafka_spec.pointer("/template/pod").cloned().unwrap_or(json!({}));
    let mut groups = Vec::new();
    if c.pools_enabled {
        let mut pools = store.list(
            c.op.api_version,
            "KafkaNodePool",
            Some(&c.ns),
            Some(&format!("strimzi.io/cluster={}", c.name)),
        );
        pools.sort_by(|a, b| kube::name(a).cmp(kube::name(b)));
        if pools.is_empty() {
            return Err(invalid(format!(
                "KafkaNodePools are enabled, but no KafkaNodePools found for Kafka cluster {}",
                c.name
            )));
        }
        for p in pools {
            let roles: Vec<&str> = array_at(&p, "/spec/roles").iter().filter_map(Value::as_str).collect();
            let pool = kube::name(&p).to_string();
            let mut template = kafka_template.clone();
            if let Some(t) = p.pointer("/spec/template/pod") {
                crate::patch::merge_patch(&mut template, t);
            }
            groups.push(PodGroup {
                podset: format!("{}-{pool}", c.name),
                pool: Some(pool),
                broker: roles.contains(&"broker") || !c.state.controllers_run(),
                controller: c.state.controllers_run() && roles.contains(&"controller"),
                ids: Vec::new(),
                current_ids: Vec::new(),
                storage: p.pointer("/spec/storage").cloned().unwrap_or(json!({})),
                resources: p
                    .pointer("/spec/resources")
                    .or_else(|| kafka_spec.get("resources"))
                    .cloned()
                    .unwrap_or(json!({})),
                template,
                revision: String::new(),
                pool_obj: Some(p),
            });
        }
        check_pool_roles(c, &groups)?;
        // A rolled-back cluster (dual-writing again) may already have lost its controllers.
        if c.state.controllers_run()
            && c.state != MetadataState::KRaftDualWriting
            && !groups.iter().any(|g| {
                g.controller
                    && kube::i64_at(g.pool_obj.as_ref().unwrap_or(&Value::Null), "/spec/replicas").unwrap_or(0) > 0
            })
        {
            return Err(invalid(format!(
                "The Kafka cluster {} is invalid: [At least one KafkaNodePool with the controller role and at least one replica is required when KRaft mode is enabled]",
                c.name
            )));
        }
    } else {
        groups.push(PodGroup {
            podset: c.kafka_name(),
            pool: Some("kafka".into()),
            broker: true,
            controller: false,
            ids: Vec::new(),
            current_ids: Vec::new(),
            storage: kafka_spec.get("storage").cloned().unwrap_or(json!({})),
            resources: kafka_spec.get("resources").cloned().unwrap_or(json!({})),
            template: kafka_template,
            revision: String::new(),
            pool_obj: None,
        });
    }
    assign_ids(store, c, &mut groups);
    if c.state.zookeeper_runs() {
        let zk = c.kafka.pointer("/spec/zookeeper").cloned().unwrap_or(json!({}));
        let replicas = kube::i64_at(&zk, "/replicas").unwrap_or(3).max(0) as i32;
        let podset = format!("{}-zookeeper", c.name);
        groups.insert(
            0,
            PodGroup {
                current_ids: podset_ids(store, c, &podset),
                podset,
                pool: None,
                broker: false,
                controller: false,
                ids: (0..replicas).collect(),
                storage: zk.get("storage").cloned().unwrap_or(json!({})),
                resources: zk.get("resources").cloned().unwrap_or(json!({})),
                template: zk.pointer("/template/pod").cloned().unwrap_or(json!({})),
                revision: String::new(),
                pool_obj: None,
            },
        );
    }
    for g in &mut groups {
        g.revision = kube::short_hash(&json!({
            "version": c.version,
            "image": c.image,
            "resources": g.resources,
            "jvm": c.kafka.pointer("/spec/kafka/jvmOptions"),
            "poolJvm": g.pool_obj.as_ref().and_then(|p| p.pointer("/spec/jvmOptions")),
            "config": c.kafka.pointer("/spec/kafka/config"),
            "listeners": c.kafka.pointer("/spec/kafka/listeners"),
            "metadataVersion": c.kafka.pointer("/spec/kafka/metadataVersion"),
            "template": g.template,
            "roles": [g.broker, g.controller],
            // Each migration step reconfigures (and so rolls) brokers or controllers.
            "phase": [
                g.broker.then(|| c.state.broker_phase()),
                g.controller.then(|| c.state.controller_phase()),
            ],
        }));
    }
    Ok(groups)
}

/// A ZooKeeper-based cluster has no controllers; during the migration they must be a pool
/// of their own (0.45: no dual-role nodes in a migration).
fn check_pool_roles(c: &Cluster, groups: &[PodGroup]) -> Step<()> {
    let has_role = |g: &PodGroup, role: &str| {
        g.pool_obj
            .as_ref()
            .is_some_and(|p| array_at(p, "/spec/roles").iter().any(|r| r.as_str() == Some(role)))
    };
    let pool_names = |pred: &dyn Fn(&PodGroup) -> bool| {
        groups
            .iter()
            .filter(|g| pred(g))
            .filter_map(|g| g.pool.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !c.state.controllers_run() {
        let controllers = pool_names(&|g| has_role(g, "controller"));
        if !controllers.is_empty() {
            return Err(invalid(format!(
                "The Kafka cluster {} is invalid: [KafkaNodePools [{controllers}] have the controller role, which a ZooKeeper-based cluster cannot use; annotate the Kafka resource with strimzi.io/kraft: migration to migrate it to KRaft]",
                c.name
            )));
        }
    } else if c.state.zookeeper_runs() {
        let mixed = pool_names(&|g| has_role(g, "controller") && has_role(g, "broker"));
        if !mixed.is_empty() {
            return Err(invalid(format!(
                "The Kafka cluster {} is invalid: [Migration from ZooKeeper to KRaft needs dedicated controller KafkaNodePools; KafkaNodePools [{mixed}] have both the broker and the controller role]",
                c.name
            )));
        }
    }
    Ok(())
}

/// Keeps each pool's ids, then adds from `strimzi.io/next-node-ids` (or the lowest free
/// ids) and removes per `strimzi.io/remove-node-ids` (or the highest ids).
fn assign_ids(store: &Store, c: &Cluster, groups: &mut [PodGroup]) {
    for g in groups.iter_mut() {
        g.current_ids = podset_ids(store, c, &g.podset);
    }
    let mut used: BTreeSet<i32> = groups.iter().flat_map(|g| g.current_ids.clone()).collect();
    for g in groups.iter_mut() {
        let replicas = match &g.pool_obj {
            Some(p) => kube::i64_at(p, "/spec/replicas").unwrap_or(0),
            None => kube::i64_at(c.kafka, "/spec/kafka/replicas").unwrap_or(0),
        }
        .max(0) as usize;
        let annotation = |key: &str| {
            g.pool_obj
                .as_ref()
                .and_then(|p| kube::annotation(p, key))
                .map(parse_id_ranges)
                .unwrap_or_default()
        };
        let mut ids = g.current_ids.clone();
        if ids.len() > replicas {
            let mut remove = annotation("strimzi.io/remove-node-ids");
            remove.retain(|id| ids.contains(id));
            let mut highest: Vec<i32> = ids.iter().rev().copied().collect();
            highest.retain(|id| !remove.contains(id));
            remove.extend(highest);
            for id in remove.into_iter().take(ids.len() - replicas) {
                ids.retain(|i| *i != id);
            }
        }
        let preferred = annotation("strimzi.io/next-node-ids");
        let mut candidates = preferred.into_iter().chain(0..);
        while ids.len() < replicas {
            let Some(id) = candidates.find(|id| !used.contains(id)) else {
                break;
            };
            used.insert(id);
            ids.push(id);
        }
        ids.sort();
        g.ids = ids;
    }
}

fn check_scale_down(ctx: &Ctx, c: &Cluster, groups: &[PodGroup]) -> Step<()> {
    if kube::annotation(c.kafka, SKIP_SCALEDOWN_CHECK) == Some("true") {
        return Ok(());
    }
    let removed: Vec<i32> = groups
        .iter()
        .filter(|g| g.broker && g.pool.is_some())
        .flat_map(|g| g.current_ids.iter().filter(|id| !g.ids.contains(id)).copied())
        .collect();
    if removed.is_empty() {
        return Ok(());
    }
    let marked = ctx.knobs.partitions.get(&(c.ns.clone(), c.name.clone()));
    let not_empty: Vec<i32> = removed
        .iter()
        .copied()
        .filter(|id| ctx.cfg.brokers_host_partitions || marked.is_some_and(|m| m.contains(id)))
        .collect();
    if not_empty.is_empty() {
        return Ok(());
    }
    let list = |v: &[i32]| v.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    Err(invalid(format!(
        "Cannot scale down brokers [{}] because brokers [{}] are not empty",
        list(&removed),
        list(&not_empty)
    )))
}

/// Creates an object, or updates what the operator owns of it (labels, annotations, owner,
/// spec, data) keeping everything else (status, user annotations, allocated fields).
fn apply(store: &Store, desired: Value) -> Option<Value> {
    let key = crate::store::ObjectKey::of(&desired)?;
    let existing = store.get(&key.api_version, &key.kind, key.namespace.as_deref(), &key.name);
    let Some(existing) = existing else {
        return store.put(desired).ok();
    };
    let mut merged = existing.clone();
    for field in ["labels", "annotations"] {
        if let Some(m) = desired
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_object)
        {
            for (k, v) in m {
                kube::set_meta_map(&mut merged, field, k, v.as_str().unwrap_or_default());
            }
        }
    }
    if let Some(o) = desired.pointer("/metadata/ownerReferences") {
        merged["metadata"]["ownerReferences"] = o.clone();
    }
    for field in ["spec", "data", "type"] {
        if let Some(v) = desired.get(field) {
            let mut v = v.clone();
            if key.kind == "Service" && field == "spec" {
                keep_allocations(&existing, &mut v);
            }
            merged[field] = v;
        }
    }
    if merged == existing {
        return Some(existing);
    }
    store.put(merged).ok()
}

/// Keeps a Service's allocated ClusterIP and node ports when the desired spec leaves them out.
fn keep_allocations(existing: &Value, spec: &mut Value) {
    for k in ["clusterIP", "clusterIPs"] {
        if spec.get(k).is_none()
            && let Some(v) = existing.pointer(&format!("/spec/{k}"))
        {
            spec[k] = v.clone();
        }
    }
    let old_ports = array_at(existing, "/spec/ports").to_vec();
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            if p.get("nodePort").is_none()
                && let Some(np) = old_ports
                    .iter()
                    .find(|o| o.get("name") == p.get("name"))
                    .and_then(|o| o.get("nodePort"))
            {
                p["nodePort"] = np.clone();
            }
        }
    }
}

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Secrets are created once and never regenerated (like CA and credentials).
fn ensure_secrets(store: &Store, c: &Cluster) {
    let mut secrets = vec![
        (
            format!("{}-cluster-ca-cert", c.name),
            json!({"ca.crt": b64(FAKE_CA), "ca.p12": b64("p12"), "ca.password": b64("changeit")}),
        ),
        (format!("{}-cluster-ca", c.name), json!({"ca.key": b64("fake-key")})),
        (
            format!("{}-clients-ca-cert", c.name),
            json!({"ca.crt": b64(FAKE_CA), "ca.p12": b64("p12"), "ca.password": b64("changeit")}),
        ),
        (format!("{}-clients-ca", c.name), json!({"ca.key": b64("fake-key")})),
        (
            format!("{}-cluster-operator-certs", c.name),
            json!({
                "cluster-operator.crt": b64(FAKE_CA),
                "cluster-operator.key": b64("fake-key"),
                "cluster-operator.p12": b64("p12"),
                "cluster-operator.password": b64("changeit"),
            }),
        ),
    ];
    if kube::str_at(c.kafka, "/spec/kafka/jmxOptions/authentication/type") == Some("password") {
        secrets.push((
            format!("{}-kafka-jmx", c.name),
            json!({"jmx-username": b64(&format!("user-{}", kube::rand5())), "jmx-password": b64(&kube::rand5())}),
        ));
    }
    for (name, data) in secrets {
        if store.get("v1", "Secret", Some(&c.ns), &name).is_some() {
            continue;
        }
        let mut s = c.object("v1", "Secret", &name, c.base_labels(&c.kafka_name(), "kafka"));
        s["type"] = json!("Opaque");
        s["data"] = data;
        let _ = store.put(s);
    }
}

fn group_labels(c: &Cluster, g: &PodGroup) -> Map<String, Value> {
    match &g.pool {
        Some(pool) => {
            let mut l = c.base_labels(&c.kafka_name(), "kafka");
            l.insert("strimzi.io/pool-name".into(), json!(pool));
            l.insert("strimzi.io/broker-role".into(), json!(g.broker.to_string()));
            l.insert("strimzi.io/controller-role".into(), json!(g.controller.to_string()));
            l
        }
        None => c.base_labels(&format!("{}-zookeeper", c.name), "zookeeper"),
    }
}

fn selector_labels(c: &Cluster, g: &PodGroup) -> Value {
    let mut s = Map::new();
    for k in [
        "strimzi.io/cluster",
        "strimzi.io/name",
        "strimzi.io/kind",
        "strimzi.io/pool-name",
    ] {
        if let Some(v) = group_labels(c, g).get(k) {
            s.insert(k.into(), v.clone());
        }
    }
    Value::Object(s)
}

/// Data volumes of a group: (volume name, claim name or `None` for emptyDir, storage).
fn data_volumes(g: &PodGroup, pod: &str) -> Vec<(String, Option<String>, Value)> {
    let storage = &g.storage;
    match kube::str_at(storage, "/type") {
        Some("jbod") => array_at(storage, "/volumes")
            .iter()
            .map(|v| {
                let id = kube::i64_at(v, "/id").unwrap_or(0);
                let vol = format!("data-{id}");
                let claim = (kube::str_at(v, "/type") == Some("persistent-claim")).then(|| format!("data-{id}-{pod}"));
                (vol, claim, v.clone())
            })
            .collect(),
        Some("persistent-claim") => vec![("data".into(), Some(format!("data-{pod}")), storage.clone())],
        _ => vec![("data".into(), None, storage.clone())],
    }
}

fn listener_ports(c: &Cluster) -> Vec<Value> {
    array_at(c.kafka, "/spec/kafka/listeners")
        .iter()
        .map(|l| {
            json!({
                "name": format!("tcp-{}", kube::str_at(l, "/name").unwrap_or("l")),
                "containerPort": kube::i64_at(l, "/port").unwrap_or(9092),
                "protocol": "TCP",
            })
        })
        .collect()
}

fn pod_manifest(c: &Cluster, g: &PodGroup, id: i32) -> Value {
    let pod_name = format!("{}-{id}", g.podset);
    let mut labels = group_labels(c, g);
    labels.insert("strimzi.io/pod-name".into(), json!(pod_name));
    labels.insert("statefulset.kubernetes.io/pod-name".into(), json!(pod_name));
    if let Some(extra) = g.template.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in extra {
            labels.insert(k.clone(), v.clone());
        }
    }
    let mut annotations = g
        .template
        .pointer("/metadata/annotations")
        .cloned()
        .unwrap_or(json!({}));
    annotations[REVISION] = json!(g.revision);
    annotations["strimzi.io/kafka-version"] = json!(c.version);
    if c.kraft && g.pool.is_some() {
        annotations[POD_CLUSTER_ID] = json!(c.cluster_id);
    }
    let (container, mut ports) = if g.pool.is_some() {
        let mut ports = vec![
            json!({"name": "tcp-ctrlplane", "containerPort": 9090, "protocol": "TCP"}),
            json!({"name": "tcp-replication", "containerPort": 9091, "protocol": "TCP"}),
        ];
        ports.extend(listener_ports(c));
        ("kafka", ports)
    } else {
        (
            "zookeeper",
            vec![
                json!({"name": "tcp-clients", "containerPort": 2181, "protocol": "TCP"}),
                json!({"name": "tcp-clustering", "containerPort": 2888, "protocol": "TCP"}),
                json!({"name": "tcp-election", "containerPort": 3888, "protocol": "TCP"}),
            ],
        )
    };
    if c.kafka.pointer("/spec/kafka/metricsConfig").is_some() {
        ports.push(json!({"name": "tcp-prometheus", "containerPort": 9404, "protocol": "TCP"}));
    }
    if g.pool.is_some() && c.kafka.pointer("/spec/kafka/jmxOptions").is_some() {
        ports.push(json!({"name": "jmx", "containerPort": 9999, "protocol": "TCP"}));
    }
    let volumes: Vec<Value> = data_volumes(g, &pod_name)
        .into_iter()
        .map(|(vol, claim, storage)| match claim {
            Some(claim) => json!({"name": vol, "persistentVolumeClaim": {"claimName": claim}}),
            None => {
                let mut ed = json!({});
                if let Some(l) = storage.get("sizeLimit") {
                    ed["sizeLimit"] = l.clone();
                }
                json!({"name": vol, "emptyDir": ed})
            }
        })
        .collect();
    let mut spec = json!({
        "hostname": pod_name,
        "subdomain": if g.pool.is_some() { format!("{}-kafka-brokers", c.name) } else { format!("{}-zookeeper-nodes", c.name) },
        "restartPolicy": "Always",
        "serviceAccountName": format!("{}-{}", c.name, if g.pool.is_some() { "kafka" } else { "zookeeper" }),
        "containers": [{
            "name": container,
            "image": c.image,
            "ports": ports,
            "resources": g.resources,
            "volumeMounts": volumes.iter().map(|v| json!({"name": v["name"], "mountPath": format!("/var/lib/kafka/{}", v["name"].as_str().unwrap_or("data"))})).collect::<Vec<_>>(),
        }],
        "volumes": volumes,
    });
    for k in [
        "affinity",
        "tolerations",
        "priorityClassName",
        "topologySpreadConstraints",
        "imagePullSecrets",
    ] {
        if let Some(v) = g.template.get(k) {
            spec[k] = v.clone();
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod_name, "namespace": c.ns, "labels": labels, "annotations": annotations},
        "spec": spec,
    })
}

fn ensure_claims(store: &Store, c: &Cluster, g: &PodGroup, id: i32) {
    let pod = format!("{}-{id}", g.podset);
    for (_, claim, storage) in data_volumes(g, &pod) {
        let Some(claim) = claim else { continue };
        let size = kube::str_at(&storage, "/size").unwrap_or("1Gi").to_string();
        let delete_claim = storage.get("deleteClaim") == Some(&json!(true));
        if let Some(existing) = store.get("v1", "PersistentVolumeClaim", Some(&c.ns), &claim) {
            let current = kube::str_at(&existing, "/spec/resources/requests/storage").and_then(kube::quantity_bytes);
            if current.is_some_and(|cur| kube::quantity_bytes(&size).is_some_and(|s| s > cur)) {
                let _ = store.merge_patch(
                    "v1",
                    "PersistentVolumeClaim",
                    Some(&c.ns),
                    &claim,
                    json!({"spec": {"resources": {"requests": {"storage": size}}}}),
                );
            }
            continue;
        }
        let mut labels = group_labels(c, g);
        labels.shift_remove("strimzi.io/broker-role");
        labels.shift_remove("strimzi.io/controller-role");
        let mut pvc = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": claim,
                "namespace": c.ns,
                "labels": labels,
                "annotations": {"strimzi.io/delete-claim": delete_claim.to_string()},
            },
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                "volumeMode": "Filesystem",
            },
        });
        if let Some(class) = kube::str_at(&storage, "/class") {
            pvc["spec"]["storageClassName"] = json!(class);
        }
        if let Some(sel) = storage.get("selector") {
            pvc["spec"]["selector"] = json!({"matchLabels": sel});
        }
        if delete_claim {
            pvc["metadata"]["ownerReferences"] = json!([c.owner()]);
        }
        let _ = store.put(pvc);
    }
}

fn podset_pods(store: &Store, c: &Cluster, sps: &Value) -> Vec<Value> {
    store
        .list("v1", "Pod", Some(&c.ns), None)
        .into_iter()
        .filter(|p| kube::is_owned_by(p, kube::uid(sps)) && !kube::is_deleting(p))
        .collect()
}

/// The group's StrimziPodSet, its claims and its pods (new pods now; removed ones deleted).
fn apply_group(store: &Store, ctx: &mut Ctx, c: &Cluster, g: &mut PodGroup, desired: &mut HashSet<(String, String)>) {
    let manifests: Vec<Value> = g.ids.iter().map(|id| pod_manifest(c, g, *id)).collect();
    let mut sps = c.object(
        c.op.podset_api_version(),
        "StrimziPodSet",
        &g.podset,
        group_labels(c, g),
    );
    sps["metadata"]["labels"]
        .as_object_mut()
        .map(|l| l.shift_remove("strimzi.io/broker-role"));
    sps["metadata"]["ownerReferences"] = json!([kube::owner_ref(c.kafka, true)]);
    sps["spec"] = json!({"selector": {"matchLabels": selector_labels(c, g)}, "pods": manifests});
    desired.insert(("StrimziPodSet".into(), g.podset.clone()));
    let Some(sps) = apply(store, sps) else {
        return;
    };
    let pods = podset_pods(store, c, &sps);
    for p in &pods {
        let keep = manifests.iter().any(|m| kube::name(m) == kube::name(p));
        if !keep {
            let _ = store.delete("v1", "Pod", Some(&c.ns), kube::name(p));
            remove_claims_of(store, c, g, kube::name(p));
        }
    }
    for (id, m) in g.ids.iter().zip(&manifests) {
        ensure_claims(store, c, g, *id);
        if !pods.iter().any(|p| kube::name(p) == kube::name(m)) {
            create_pod(store, &sps, m);
        }
    }
    let pods = podset_pods(store, c, &sps);
    let ready = pods.iter().filter(|p| kube::pod_ready(p)).count();
    let current = pods
        .iter()
        .filter(|p| kube::annotation(p, REVISION) == Some(g.revision.as_str()))
        .count();
    let status = json!({
        "observedGeneration": kube::generation(&sps),
        "pods": pods.len(),
        "readyPods": ready,
        "currentPods": current,
        "conditions": [],
    });
    write_status(store, c.op, &sps, "StrimziPodSet", status);
    track_manual_roll(store, ctx, c, &sps, &pods);
}

/// Claims of a removed node go only when their storage says `deleteClaim`.
fn remove_claims_of(store: &Store, c: &Cluster, g: &PodGroup, pod: &str) {
    for (_, claim, storage) in data_volumes(g, pod) {
        if let Some(claim) = claim
            && storage.get("deleteClaim") == Some(&json!(true))
        {
            let _ = store.delete("v1", "PersistentVolumeClaim", Some(&c.ns), &claim);
        }
    }
}

fn create_pod(store: &Store, sps: &Value, manifest: &Value) {
    let mut pod = manifest.clone();
    pod["metadata"]["ownerReferences"] = json!([kube::owner_ref(sps, true)]);
    let _ = store.put(pod);
}

/// A StrimziPodSet's manual rolling update: remember which pods it covers, remove the
/// annotation once all of them were replaced.
fn track_manual_roll(store: &Store, ctx: &mut Ctx, c: &Cluster, sps: &Value, pods: &[Value]) {
    let sps_uid = kube::uid(sps).to_string();
    if kube::annotation(sps, MANUAL_ROLL) != Some("true") {
        ctx.memory.manual_rolls.remove(&sps_uid);
        return;
    }
    let pending = ctx
        .memory
        .manual_rolls
        .entry(sps_uid.clone())
        .or_insert_with(|| pods.iter().map(|p| kube::uid(p).to_string()).collect());
    pending.retain(|uid| pods.iter().any(|p| kube::uid(p) == uid));
    if pending.is_empty() {
        ctx.memory.manual_rolls.remove(&sps_uid);
        let _ = store.merge_patch(
            c.op.podset_api_version(),
            "StrimziPodSet",
            Some(&c.ns),
            kube::name(sps),
            json!({"metadata": {"annotations": {MANUAL_ROLL: null}}}),
        );
    }
}

fn all_cluster_pods(store: &Store, c: &Cluster, groups: &[PodGroup]) -> Vec<(usize, Value)> {
    let mut out = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if let Some(sps) = store.get(c.op.podset_api_version(), "StrimziPodSet", Some(&c.ns), &g.podset) {
            for p in podset_pods(store, c, &sps) {
                out.push((i, p));
            }
        }
    }
    out
}

fn needs_roll(ctx: &Ctx, g: &PodGroup, sps_uid: &str, pod: &Value) -> bool {
    kube::annotation(pod, REVISION) != Some(g.revision.as_str())
        || kube::annotation(pod, MANUAL_ROLL) == Some("true")
        || ctx
            .memory
            .manual_rolls
            .get(sps_uid)
            .is_some_and(|s| s.contains(kube::uid(pod)))
}

/// Replaces one pod that needs it, only while every pod of the cluster is Ready (Strimzi's
/// rolling updates go one pod at a time). Returns whether a roll is still in progress.
fn roll_one(store: &Store, ctx: &mut Ctx, c: &Cluster, groups: &[PodGroup]) -> bool {
    let pods = all_cluster_pods(store, c, groups);
    let sps_uid = |g: &PodGroup| {
        store
            .get(c.op.podset_api_version(), "StrimziPodSet", Some(&c.ns), &g.podset)
            .map(|s| kube::uid(&s).to_string())
            .unwrap_or_default()
    };
    let mut stale: Vec<&(usize, Value)> = pods
        .iter()
        .filter(|(i, p)| needs_roll(ctx, &groups[*i], &sps_uid(&groups[*i]), p))
        .collect();
    if stale.is_empty() {
        return false;
    }
    if !pods.iter().all(|(_, p)| kube::pod_ready(p)) {
        return true;
    }
    // ZooKeeper first, then controllers, then brokers, as Strimzi orders its rolls.
    stale.sort_by_key(|(i, p)| {
        (
            groups[*i].pool.is_some(),
            !groups[*i].controller,
            kube::name(p).to_string(),
        )
    });
    let (i, pod) = stale[0];
    let g = &groups[*i];
    let id: Option<i32> = kube::name(pod)
        .strip_prefix(&format!("{}-", g.podset))
        .and_then(|s| s.parse().ok());
    if let (Some(id), Some(sps)) = (
        id,
        store.get(c.op.podset_api_version(), "StrimziPodSet", Some(&c.ns), &g.podset),
    ) {
        let _ = store.delete("v1", "Pod", Some(&c.ns), kube::name(pod));
        create_pod(store, &sps, &pod_manifest(c, g, id));
        let _ = ctx;
    }
    true
}

fn listeners(c: &Cluster) -> Vec<Value> {
    array_at(c.kafka, "/spec/kafka/listeners").to_vec()
}

fn listener_type(l: &Value) -> &str {
    kube::str_at(l, "/type").unwrap_or("internal")
}

fn service(c: &Cluster, name: &str, type_: &str, ports: Vec<Value>, selector: Value) -> Value {
    let mut s = c.object("v1", "Service", name, c.base_labels(&c.kafka_name(), "kafka"));
    s["spec"] = json!({"type": type_, "ports": ports, "selector": selector});
    s
}

fn apply_services(store: &Store, c: &Cluster, groups: &[PodGroup], desired: &mut HashSet<(String, String)>) {
    let mut broker_selector = selector_labels(c, &groups[groups.len() - 1]);
    if let Some(m) = broker_selector.as_object_mut() {
        m.shift_remove("strimzi.io/pool-name");
    }
    let mut bootstrap_selector = broker_selector.clone();
    bootstrap_selector["strimzi.io/broker-role"] = json!("true");
    let port = |name: &str, port: i64| json!({"name": name, "port": port, "targetPort": port, "protocol": "TCP"});
    let internal: Vec<Value> = listeners(c)
        .iter()
        .filter(|l| listener_type(l) == "internal")
        .map(|l| {
            port(
                &format!("tcp-{}", kube::str_at(l, "/name").unwrap_or("l")),
                kube::i64_at(l, "/port").unwrap_or(9092),
            )
        })
        .collect();
    let mut svcs = Vec::new();
    let mut ports = vec![port("tcp-replication", 9091)];
    ports.extend(internal.clone());
    svcs.push(service(
        c,
        &format!("{}-kafka-bootstrap", c.name),
        "ClusterIP",
        ports,
        bootstrap_selector.clone(),
    ));
    let mut ports = vec![port("tcp-ctrlplane", 9090), port("tcp-replication", 9091)];
    ports.extend(internal);
    let mut brokers = service(
        c,
        &format!("{}-kafka-brokers", c.name),
        "ClusterIP",
        ports,
        broker_selector,
    );
    brokers["spec"]["clusterIP"] = json!("None");
    brokers["spec"]["publishNotReadyAddresses"] = json!(true);
    svcs.push(brokers);
    for l in listeners(c) {
        let type_ = match listener_type(&l) {
            "nodeport" => "NodePort",
            "loadbalancer" => "LoadBalancer",
            "cluster-ip" => "ClusterIP",
            _ => continue,
        };
        let lname = kube::str_at(&l, "/name").unwrap_or("external");
        let lport = kube::i64_at(&l, "/port").unwrap_or(9094);
        let mut p = port(&format!("tcp-{lname}"), lport);
        if let Some(np) = l.pointer("/configuration/bootstrap/nodePort") {
            p["nodePort"] = np.clone();
        }
        let mut boot = service(
            c,
            &format!("{}-kafka-{lname}-bootstrap", c.name),
            type_,
            vec![p],
            bootstrap_selector.clone(),
        );
        copy_service_metadata(&mut boot, l.pointer("/configuration/bootstrap"));
        svcs.push(boot);
        for g in groups.iter().filter(|g| g.broker) {
            for id in &g.ids {
                let pod = format!("{}-{id}", g.podset);
                let cfg = array_at(&l, "/configuration/brokers")
                    .iter()
                    .find(|b| kube::i64_at(b, "/broker") == Some(i64::from(*id)))
                    .cloned();
                let mut p = port(&format!("tcp-{lname}"), lport);
                if let Some(np) = cfg.as_ref().and_then(|b| b.get("nodePort")) {
                    p["nodePort"] = np.clone();
                }
                let name = format!("{}-{lname}-{id}", g.podset);
                let mut s = service(c, &name, type_, vec![p], json!({"strimzi.io/pod-name": pod}));
                copy_service_metadata(&mut s, cfg.as_ref());
                svcs.push(s);
            }
        }
    }
    if c.state.zookeeper_runs() {
        let zk_sel = json!({"strimzi.io/cluster": c.name, "strimzi.io/kind": "Kafka", "strimzi.io/name": format!("{}-zookeeper", c.name)});
        let mut client = service(
            c,
            &format!("{}-zookeeper-client", c.name),
            "ClusterIP",
            vec![port("tcp-clients", 2181)],
            zk_sel.clone(),
        );
        client["metadata"]["labels"] = json!(c.base_labels(&format!("{}-zookeeper", c.name), "zookeeper"));
        svcs.push(client);
        let mut nodes = service(
            c,
            &format!("{}-zookeeper-nodes", c.name),
            "ClusterIP",
            vec![
                port("tcp-clients", 2181),
                port("tcp-clustering", 2888),
                port("tcp-election", 3888),
            ],
            zk_sel,
        );
        nodes["spec"]["clusterIP"] = json!("None");
        nodes["spec"]["publishNotReadyAddresses"] = json!(true);
        svcs.push(nodes);
    }
    for s in svcs {
        desired.insert(("Service".into(), kube::name(&s).to_string()));
        let _ = apply(store, s);
    }
}

fn copy_service_metadata(svc: &mut Value, cfg: Option<&Value>) {
    let Some(cfg) = cfg else { return };
    for field in ["annotations", "labels"] {
        if let Some(m) = cfg.get(field).and_then(Value::as_object) {
            for (k, v) in m {
                kube::set_meta_map(svc, field, k, v.as_str().unwrap_or_default());
            }
        }
    }
    if let Some(ip) = cfg.get("loadBalancerIP") {
        svc["spec"]["loadBalancerIP"] = ip.clone();
    }
}

fn deployment(c: &Cluster, name: &str, component: &str, containers: Vec<Value>) -> Value {
    let labels = c.base_labels(name, component);
    let mut d = c.object("apps/v1", "Deployment", name, labels.clone());
    let selector = json!({"strimzi.io/cluster": c.name, "strimzi.io/kind": "Kafka", "strimzi.io/name": name});
    d["spec"] = json!({
        "replicas": 1,
        "selector": {"matchLabels": selector},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
    });
    d
}

fn apply_deployments(store: &Store, c: &Cluster, desired: &mut HashSet<(String, String)>) {
    let mut deps = Vec::new();
    if let Some(eo) = c.kafka.pointer("/spec/entityOperator") {
        let mut containers = Vec::new();
        for (field, name) in [("topicOperator", "topic-operator"), ("userOperator", "user-operator")] {
            if eo.get(field).is_some() {
                containers.push(json!({"name": name, "image": c.op.operator_image}));
            }
        }
        if !containers.is_empty() {
            deps.push(deployment(
                c,
                &format!("{}-entity-operator", c.name),
                "entity-operator",
                containers,
            ));
        }
    }
    if let Some(ke) = c.kafka.pointer("/spec/kafkaExporter") {
        let image = kube::str_at(ke, "/image").unwrap_or(&c.op.exporter_image).to_string();
        deps.push(deployment(
            c,
            &format!("{}-kafka-exporter", c.name),
            "kafka-exporter",
            vec![json!({
                "name": "kafka-exporter",
                "image": image,
                "ports": [{"name": "tcp-prometheus", "containerPort": 9404, "protocol": "TCP"}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 9404}},
            })],
        ));
    }
    for d in deps {
        desired.insert(("Deployment".into(), kube::name(&d).to_string()));
        let _ = apply(store, d);
    }
}

/// Deletes what the Kafka owns but no longer wants (removed listeners, brokers, components).
fn remove_undesired(store: &Store, c: &Cluster, desired: &HashSet<(String, String)>) {
    let kafka_uid = kube::uid(c.kafka);
    for (api, kind) in [
        ("v1", "Service"),
        ("apps/v1", "Deployment"),
        (c.op.podset_api_version(), "StrimziPodSet"),
    ] {
        for o in store.list(api, kind, Some(&c.ns), None) {
            if kube::is_owned_by(&o, kafka_uid) && !desired.contains(&(kind.to_string(), kube::name(&o).to_string())) {
                let _ = store.delete(api, kind, Some(&c.ns), kube::name(&o));
            }
        }
    }
}

/// ZooKeeper's claims go with ZooKeeper (at `PreKRaft`) only when its storage says
/// `deleteClaim`.
fn remove_zookeeper_claims(store: &Store, c: &Cluster) {
    let selector = format!("strimzi.io/cluster={},strimzi.io/name={}-zookeeper", c.name, c.name);
    for pvc in store.list("v1", "PersistentVolumeClaim", Some(&c.ns), Some(&selector)) {
        if kube::annotation(&pvc, "strimzi.io/delete-claim") == Some("true") {
            let _ = store.delete("v1", "PersistentVolumeClaim", Some(&c.ns), kube::name(&pvc));
        }
    }
}

/// Why the reconciliation is not finished yet, in Strimzi's timeout wording.
fn pending_reason(store: &Store, c: &Cluster, groups: &[PodGroup], rolling: bool) -> Option<String> {
    for g in groups {
        for id in &g.ids {
            let name = format!("{}-{id}", g.podset);
            let ready = store
                .get("v1", "Pod", Some(&c.ns), &name)
                .is_some_and(|p| kube::pod_ready(&p));
            if !ready {
                return Some(format!("Pods resource {name} in namespace {} to be ready", c.ns));
            }
        }
    }
    if rolling {
        return Some(format!("the rolling update of Kafka cluster {} to finish", c.name));
    }
    for d in [
        format!("{}-entity-operator", c.name),
        format!("{}-kafka-exporter", c.name),
    ] {
        if let Some(dep) = store.get("apps/v1", "Deployment", Some(&c.ns), &d) {
            let ready = kube::i64_at(&dep, "/status/readyReplicas").unwrap_or(0)
                >= kube::i64_at(&dep, "/spec/replicas").unwrap_or(1)
                && kube::i64_at(&dep, "/status/observedGeneration") == Some(kube::generation(&dep));
            if !ready {
                return Some(format!("Deployment resource {d} in namespace {} to be ready", c.ns));
            }
        }
    }
    None
}

fn node_address(node: &Value, preferred: Option<&str>) -> Option<String> {
    let addrs = array_at(node, "/status/addresses");
    let order: Vec<&str> = match preferred {
        Some(p) => vec![p, "ExternalDNS", "ExternalIP", "InternalDNS", "InternalIP", "Hostname"],
        None => vec!["ExternalDNS", "ExternalIP", "InternalDNS", "InternalIP", "Hostname"],
    };
    order.iter().find_map(|t| {
        addrs
            .iter()
            .find(|a| kube::str_at(a, "/type") == Some(*t))
            .and_then(|a| kube::str_at(a, "/address"))
            .map(str::to_string)
    })
}

/// `status.listeners`, or why an external listener has no address yet.
fn listener_statuses(store: &Store, c: &Cluster, groups: &[PodGroup]) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for l in listeners(c) {
        let lname = kube::str_at(&l, "/name").unwrap_or("l").to_string();
        let port = kube::i64_at(&l, "/port").unwrap_or(9092);
        let boot = format!("{}-kafka-{lname}-bootstrap", c.name);
        let addresses: Vec<(String, i64)> = match listener_type(&l) {
            "internal" => vec![(format!("{}-kafka-bootstrap.{}.svc", c.name, c.ns), port)],
            "cluster-ip" => vec![(format!("{boot}.{}.svc", c.ns), port)],
            "loadbalancer" => {
                let svc = store.get("v1", "Service", Some(&c.ns), &boot);
                let ingress = svc
                    .as_ref()
                    .map(|s| array_at(s, "/status/loadBalancer/ingress").to_vec())
                    .unwrap_or_default();
                if ingress.is_empty() {
                    return Err(format!(
                        "the load balancer address of Service {boot} in namespace {}",
                        c.ns
                    ));
                }
                ingress
                    .iter()
                    .filter_map(|i| kube::str_at(i, "/ip").or_else(|| kube::str_at(i, "/hostname")))
                    .map(|h| (h.to_string(), port))
                    .collect()
            }
            "nodeport" => {
                let svc = store.get("v1", "Service", Some(&c.ns), &boot);
                let Some(np) = svc.as_ref().and_then(|s| kube::i64_at(s, "/spec/ports/0/nodePort")) else {
                    return Err(format!("the node port of Service {boot} in namespace {}", c.ns));
                };
                let nodes = store.list("v1", "Node", None, None);
                let preferred = kube::str_at(&l, "/configuration/preferredNodePortAddressType");
                let mut hosts = BTreeSet::new();
                for g in groups.iter().filter(|g| g.broker) {
                    for id in &g.ids {
                        let node_name = store
                            .get("v1", "Pod", Some(&c.ns), &format!("{}-{id}", g.podset))
                            .and_then(|p| kube::str_at(&p, "/spec/nodeName").map(str::to_string));
                        if let Some(addr) = node_name
                            .and_then(|n| nodes.iter().find(|x| kube::name(x) == n))
                            .and_then(|n| node_address(n, preferred))
                        {
                            hosts.insert(addr);
                        }
                    }
                }
                hosts.into_iter().map(|h| (h, np)).collect()
            }
            "ingress" | "route" => {
                let host = kube::str_at(&l, "/configuration/bootstrap/host").unwrap_or("kafka.example.com");
                vec![(host.to_string(), 443)]
            }
            _ => Vec::new(),
        };
        let mut status = json!({
            "name": lname,
            "addresses": addresses.iter().map(|(h, p)| json!({"host": h, "port": p})).collect::<Vec<_>>(),
            "bootstrapServers": addresses.iter().map(|(h, p)| format!("{h}:{p}")).collect::<Vec<_>>().join(","),
        });
        if l.get("tls") == Some(&json!(true)) {
            status["certificates"] = json!([FAKE_CA]);
        }
        if !c.op.uses_v1() {
            status["type"] = json!(lname);
        }
        out.push(status);
    }
    Ok(out)
}

/// The Kafka's cluster ID: the one in `status.clusterId` (Strimzi keeps it, which is how a
/// cluster re-created on kept volumes gets its old ID back), else a new one derived from the
/// Kafka's uid (22 characters, like Kafka's).
fn cluster_id(kafka: &Value) -> String {
    if let Some(id) = kube::str_at(kafka, "/status/clusterId").filter(|id| !id.is_empty()) {
        return id.to_string();
    }
    let a = kube::short_hash(&json!(kube::uid(kafka)));
    let b = kube::short_hash(&json!(format!("{}-id", kube::uid(kafka))));
    format!("{a}{b}xy").chars().take(22).collect()
}

fn metadata_version(c: &Cluster) -> String {
    kube::str_at(c.kafka, "/spec/kafka/metadataVersion")
        .map(str::to_string)
        .unwrap_or_else(|| {
            let mm: Vec<&str> = c.version.split('.').take(2).collect();
            format!("{}-IV0", mm.join("."))
        })
}

fn write_ready(store: &Store, ctx: &Ctx, c: &Cluster, groups: &[PodGroup], listeners: Vec<Value>) {
    let old = array_at(c.kafka, "/status/conditions").to_vec();
    let mut conditions = vec![condition("Ready", "True", "", "")];
    if let Some(ws) = ctx.knobs.warnings.get(&(c.ns.clone(), c.name.clone())) {
        for w in ws {
            conditions.push(condition("Warning", "True", &w.reason, &w.message));
        }
    }
    conditions.extend(spec_warnings(c));
    let mut status = json!({
        "conditions": keep_times(&old, conditions),
        "observedGeneration": kube::generation(c.kafka),
        "listeners": listeners,
        "clusterId": c.cluster_id,
        "operatorLastSuccessfulVersion": c.op.version,
        "kafkaVersion": c.version,
    });
    if c.pools_enabled {
        status["kafkaNodePools"] = json!(
            groups
                .iter()
                .filter(|g| g.pool_obj.is_some())
                .filter_map(|g| g.pool.as_ref())
                .map(|p| json!({"name": p}))
                .collect::<Vec<_>>()
        );
    }
    if c.kraft {
        status["kafkaMetadataVersion"] = json!(metadata_version(c));
    }
    if !c.op.uses_v1() {
        status["kafkaMetadataState"] = json!(c.state.as_str());
        if c.kraft {
            let ids: BTreeSet<i32> = groups.iter().flat_map(|g| g.ids.clone()).collect();
            status["registeredNodeIds"] = json!(ids);
        }
    }
    write_status(store, c.op, c.kafka, "Kafka", status);
}

/// Strimzi's warnings about the Kafka resource: an annotation value its metadata state does
/// not take, and v1beta2 fields that node pools or KRaft leave unused (0.45 migration guide).
fn spec_warnings(c: &Cluster) -> Vec<Value> {
    let mut warnings = Vec::new();
    let mut warn = |reason: &str, message: &str| warnings.push(condition("Warning", "True", reason, message));
    if let Some(message) = &c.state_warning {
        warn("KafkaMetadataStateWarning", message);
    }
    if c.op.uses_v1() {
        return warnings;
    }
    let present = |pointer: &str| c.kafka.pointer(pointer).is_some();
    if c.pools_enabled && present("/spec/kafka/replicas") {
        warn(
            "UnusedReplicasConfiguration",
            "The .spec.kafka.replicas property in the Kafka custom resource is ignored when node pools are used and should be removed from the custom resource.",
        );
    }
    if c.pools_enabled && present("/spec/kafka/storage") {
        warn(
            "UnusedStorageConfiguration",
            "The .spec.kafka.storage section in the Kafka custom resource is ignored when node pools are used and should be removed from the custom resource.",
        );
    }
    if c.state == MetadataState::KRaft && present("/spec/zookeeper") {
        warn(
            "UnusedZooKeeperConfiguration",
            "The .spec.zookeeper section in the Kafka custom resource is ignored in KRaft mode and should be removed from the custom resource.",
        );
    }
    warnings
}

/// Pool statuses are written when a reconciliation finishes, as Strimzi does.
fn write_pool_statuses(store: &Store, c: &Cluster, groups: &[PodGroup]) {
    for g in groups {
        let (Some(pool), Some(obj)) = (&g.pool, &g.pool_obj) else {
            continue;
        };
        let Some(fresh) = store.get(c.op.api_version, "KafkaNodePool", Some(&c.ns), pool) else {
            continue;
        };
        let mut roles = Vec::new();
        if g.controller {
            roles.push("controller");
        }
        if g.broker {
            roles.push("broker");
        }
        let old = array_at(&fresh, "/status/conditions").to_vec();
        let conditions = keep_times(&old, vec![condition("Ready", "True", "", "")]);
        let selector: Vec<String> = selector_labels(c, g)
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let status = json!({
            "conditions": conditions,
            // The generation this reconciliation acted on: the pool may have
            // changed since (a scale applied mid-reconcile), and Strimzi only
            // reports what it reconciled.
            "observedGeneration": kube::generation(obj),
            "nodeIds": g.ids,
            "clusterId": c.cluster_id,
            "roles": roles,
            "replicas": g.ids.len(),
            "labelSelector": selector.join(","),
        });
        write_status(store, c.op, &fresh, "KafkaNodePool", status);
    }
}

/// KafkaRebalance: a proposal is ready at once; approving it runs the rebalance to Ready.
pub fn reconcile_rebalances(store: &Store, ctx: &mut Ctx, op: &Operator) {
    for kr in store.list(op.api_version, "KafkaRebalance", None, None) {
        if !op.watches(kube::namespace(&kr)) || kube::is_deleting(&kr) {
            continue;
        }
        let state = array_at(&kr, "/status/conditions")
            .iter()
            .find_map(|c| kube::str_at(c, "/type").map(str::to_string));
        let approve = kube::annotation(&kr, "strimzi.io/rebalance") == Some("approve");
        let brokers: Vec<Value> = array_at(&kr, "/spec/brokers").to_vec();
        let mode = kube::str_at(&kr, "/spec/mode").unwrap_or("full");
        let next = match (state.as_deref(), approve) {
            (None, _) => Some("ProposalReady"),
            (Some("ProposalReady"), true) => Some("Rebalancing"),
            (Some("Rebalancing"), _) => {
                if ctx.elapsed(&format!("rebalance/{}", kube::uid(&kr)), ctx.cfg.operator_delay * 5) {
                    Some("Ready")
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some(next) = next else { continue };
        let mut status = kr.get("status").cloned().unwrap_or(json!({}));
        status["conditions"] = json!([condition(next, "True", "", "")]);
        status["observedGeneration"] = json!(kube::generation(&kr));
        if next == "ProposalReady" {
            status["optimizationResult"] = json!({
                "numReplicaMovements": 12 * brokers.len().max(1),
                "numLeaderMovements": 4,
                "dataToMoveMB": 128,
                "excludedBrokersForReplicaMove": if mode == "remove-brokers" { json!(brokers) } else { json!([]) },
                "onDemandBalancednessScoreBefore": 78.5,
                "onDemandBalancednessScoreAfter": 92.1,
            });
            status["sessionId"] = json!(kube::rand5());
        }
        let _ = store.put_status(
            op.api_version,
            "KafkaRebalance",
            Some(kube::namespace(&kr)),
            kube::name(&kr),
            status,
        );
        if next == "Rebalancing" {
            let _ = store.merge_patch(
                op.api_version,
                "KafkaRebalance",
                Some(kube::namespace(&kr)),
                kube::name(&kr),
                json!({"metadata": {"annotations": {"strimzi.io/rebalance": null}}}),
            );
        }
    }
}
