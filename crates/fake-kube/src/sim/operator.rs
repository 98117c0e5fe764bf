//! The simulated Strimzi cluster operator's presence: which operator Deployments are ready,
//! what they watch and support (from their env and image), installing one from the real
//! release bundle, and the hand-off of each watched Kafka to the cluster reconciler.

use super::kube::{self, array_at};
use super::{Ctx, Sim};
use crate::cluster::FakeClusterBuilder;
use crate::store::Store;
use crate::strimzi::{StrimziRelease, parse_yaml, version_key};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

/// One ready Strimzi cluster operator, as read from its Deployment.
#[derive(Debug, Clone)]
pub struct Operator {
    pub namespace: String,
    /// `1.2.0`, from the image tag.
    pub version: String,
    /// The API it reads and writes Kafka resources at: `kafka.strimzi.io/v1` (≥ 1.0) or
    /// `kafka.strimzi.io/v1beta2`.
    pub api_version: &'static str,
    /// `None` watches every namespace.
    pub watched: Option<Vec<String>>,
    /// Supported Kafka versions and their images, oldest first.
    pub kafka_images: Vec<(String, String)>,
    pub operator_image: String,
    pub exporter_image: String,
    pub operation_timeout: Duration,
}

impl Operator {
    pub fn watches(&self, namespace: &str) -> bool {
        self.watched.as_ref().is_none_or(|w| w.iter().any(|n| n == namespace))
    }

    /// Strimzi ≥ 0.46 runs only KRaft clusters, with node pools always on (0.46 and 0.47
    /// still ask for the annotations saying so).
    pub fn kraft_only(&self) -> bool {
        self.at_least("0.46.0")
    }

    /// Whether the operator is this release or newer (`"0.49.0"`).
    pub fn at_least(&self, version: &str) -> bool {
        version_key(&self.version) >= version_key(version)
    }

    /// The release of the bundle it came from, when it is one of those in the shared directory.
    pub fn release(&self) -> Option<StrimziRelease> {
        StrimziRelease::parse(&self.version)
    }

    /// Whether it reads and writes Kafka resources at `v1` (Strimzi ≥ 1.0).
    pub fn uses_v1(&self) -> bool {
        self.api_version.ends_with("/v1")
    }

    /// StrimziPodSets live in `core.strimzi.io`, at the same version as the Kafka API.
    pub fn podset_api_version(&self) -> &'static str {
        if self.uses_v1() {
            "core.strimzi.io/v1"
        } else {
            "core.strimzi.io/v1beta2"
        }
    }

    /// Whether its `kafka-versions.yaml` lists the Kafka version (supported or not): one it
    /// does not know cannot be upgraded from. 3.9.2 is unknown to 0.46–0.51 and 3.9.1 to
    /// 0.46.x (PR #12525); 1.0 lifts the rule, and the sim treats every other version as known.
    pub fn knows_kafka_version(&self, version: &str) -> bool {
        if !self.kraft_only() || self.at_least("1.0.0") {
            return true;
        }
        match version {
            "3.9.2" => false,
            "3.9.1" => self.at_least("0.47.0"),
            _ => true,
        }
    }

    pub fn supported_versions(&self) -> Vec<&str> {
        self.kafka_images.iter().map(|(v, _)| v.as_str()).collect()
    }

    pub fn default_kafka_version(&self) -> Option<&str> {
        self.kafka_images.last().map(|(v, _)| v.as_str())
    }

    pub fn image_for(&self, version: &str) -> Option<&str> {
        self.kafka_images
            .iter()
            .find(|(v, _)| v == version)
            .map(|(_, i)| i.as_str())
    }
}

/// The API its operator uses: `v1` from 1.0 ("Use the `v1` API in the Cluster Operator");
/// 0.49–0.51 serve `v1` too but keep using (and storing) `v1beta2`.
fn api_version_for(version: &str) -> &'static str {
    if version_key(version) >= version_key("1.0.0") {
        "kafka.strimzi.io/v1"
    } else {
        "kafka.strimzi.io/v1beta2"
    }
}

/// Whether a Deployment has rolled out its current spec: a changed image (a new release
/// installed over an old one) counts only once the new pod is ready and the old one gone.
fn rolled_out(deploy: &Value) -> bool {
    let status_of = |field: &str| kube::i64_at(deploy, &format!("/status/{field}"));
    let observed = status_of("observedGeneration").is_none_or(|g| g >= kube::generation(deploy));
    let updated = match (status_of("updatedReplicas"), status_of("replicas")) {
        (Some(updated), Some(total)) => updated >= total,
        _ => true,
    };
    observed && updated && status_of("readyReplicas").unwrap_or(0) >= 1
}

/// The operator a Deployment runs, when the Deployment is a ready Strimzi operator.
fn operator_of(deploy: &Value) -> Option<Operator> {
    if kube::is_deleting(deploy) || !rolled_out(deploy) {
        return None;
    }
    let ns = kube::namespace(deploy);
    let containers = array_at(deploy, "/spec/template/spec/containers");
    let container = containers
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some("strimzi-cluster-operator"))
        .or_else(|| containers.first())?;
    let image = container.get("image").and_then(Value::as_str)?.to_string();
    let version = image.rsplit_once(':').map(|(_, t)| t.to_string())?;
    let watched = match kube::env_value(container, "STRIMZI_NAMESPACE", ns) {
        Some(v) if v.trim() == "*" => None,
        Some(v) => Some(
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        None => Some(vec![ns.to_string()]),
    };
    let mut kafka_images: Vec<(String, String)> = kube::env_value(container, "STRIMZI_KAFKA_IMAGES", ns)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().split_once('='))
        .map(|(v, i)| (v.trim().to_string(), i.trim().to_string()))
        .collect();
    kafka_images.sort_by_key(|(v, _)| version_key(v));
    let timeout_ms = kube::env_value(container, "STRIMZI_OPERATION_TIMEOUT_MS", ns)
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let exporter_image = kube::env_value(container, "STRIMZI_DEFAULT_KAFKA_EXPORTER_IMAGE", ns)
        .unwrap_or_else(|| format!("quay.io/strimzi/kafka:{version}"));
    Some(Operator {
        namespace: ns.to_string(),
        api_version: api_version_for(&version),
        version,
        watched,
        kafka_images,
        operator_image: image,
        exporter_image,
        operation_timeout: Duration::from_millis(timeout_ms),
    })
}

/// Whether a Deployment runs the Strimzi cluster operator: the bundle labels its pod
/// template (and kafkactl its Deployment) `strimzi.io/kind: cluster-operator`.
fn is_operator_deployment(deploy: &Value) -> bool {
    kube::label(deploy, "strimzi.io/kind") == Some("cluster-operator")
        || kube::str_at(deploy, "/spec/template/metadata/labels/strimzi.io~1kind") == Some("cluster-operator")
}

/// Every ready operator in the cluster.
pub fn ready_operators(store: &Store) -> Vec<Operator> {
    store
        .list("apps/v1", "Deployment", None, None)
        .iter()
        .filter(|d| is_operator_deployment(d))
        .filter_map(operator_of)
        .collect()
}

/// The release of the operator the simulation runs now (the first ready one), once its
/// Deployment rolled out: how a test knows an `operator install` over an old release took.
pub fn running_release(store: &Store) -> Option<StrimziRelease> {
    ready_operators(store).first().and_then(Operator::release)
}

pub(crate) fn reconcile(store: &Store, ctx: &mut Ctx) {
    let mut handled = HashSet::new();
    for op in ready_operators(store) {
        for kafka in store.list(op.api_version, "Kafka", None, None) {
            if !op.watches(kube::namespace(&kafka)) || !handled.insert(kube::uid(&kafka).to_string()) {
                continue;
            }
            super::kafka::reconcile(store, ctx, &op, &kafka);
        }
        super::kafka::reconcile_rebalances(store, ctx, &op);
    }
}

fn bundle_files(release: StrimziRelease) -> Result<Vec<(String, Value)>> {
    let dir = release.dir().join("install/cluster-operator");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            Ok((
                name,
                parse_yaml(&text).with_context(|| format!("parsing {}", p.display()))?,
            ))
        })
        .collect()
}

/// The bundle's objects (without the CRDs) as `operator install` would apply them: namespaced
/// objects in `namespace`, binding subjects pointing there, `STRIMZI_NAMESPACE` set to
/// `watched` (empty: the operator's own namespace; `["*"]`: all), and the RoleBindings (or
/// ClusterRoleBindings for `*`) each watched namespace needs.
pub fn operator_objects(release: StrimziRelease, namespace: &str, watched: &[&str]) -> Result<Vec<Value>> {
    let all = watched.contains(&"*");
    let mut out = Vec::new();
    for (file, mut obj) in bundle_files(release)? {
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        if kind == "CustomResourceDefinition" {
            continue;
        }
        if kind.ends_with("RoleBinding")
            && let Some(subjects) = obj.get_mut("subjects").and_then(Value::as_array_mut)
        {
            for s in subjects {
                s["namespace"] = json!(namespace);
            }
        }
        if !kind.starts_with("Cluster") {
            obj["metadata"]["namespace"] = json!(namespace);
        }
        if kind == "Deployment" {
            set_watched_namespaces(&mut obj, watched);
        }
        let per_namespace = kind == "RoleBinding" && ["020-", "023-", "031-"].iter().any(|p| file.starts_with(p));
        if per_namespace && all {
            let mut crb = obj.clone();
            crb["kind"] = json!("ClusterRoleBinding");
            if let Some(m) = crb["metadata"].as_object_mut() {
                m.shift_remove("namespace");
            }
            let n = kube::name(&obj).to_string();
            crb["metadata"]["name"] = json!(format!("{n}-watched"));
            out.push(crb);
        } else if per_namespace {
            for w in watched.iter().filter(|w| **w != namespace) {
                let mut rb = obj.clone();
                rb["metadata"]["namespace"] = json!(w);
                out.push(rb);
            }
        }
        out.push(obj);
    }
    Ok(out)
}

fn set_watched_namespaces(deploy: &mut Value, watched: &[&str]) {
    let Some(containers) = deploy
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for c in containers {
        let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) else {
            continue;
        };
        for e in env {
            if e.get("name").and_then(Value::as_str) == Some("STRIMZI_NAMESPACE") && !watched.is_empty() {
                *e = json!({"name": "STRIMZI_NAMESPACE", "value": watched.join(",")});
            }
        }
    }
}

fn ensure_namespace(store: &Store, name: &str) -> Result<()> {
    if store.get("v1", "Namespace", None, name).is_none() {
        store
            .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    Ok(())
}

/// Puts a release's CRDs into the store.
pub fn install_strimzi_crds(store: &Store, release: StrimziRelease) -> Result<()> {
    for crd in release.crds()? {
        store.put(crd).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    Ok(())
}

/// Installs a Strimzi operator from the release bundle, as `operator install` would: CRDs,
/// RBAC, ConfigMap and the `strimzi-cluster-operator` Deployment in `namespace`, watching
/// `watched` (empty: its own namespace; `["*"]`: all). The simulated Deployment controller
/// then makes it ready.
pub fn install_operator(store: &Store, release: StrimziRelease, namespace: &str, watched: &[&str]) -> Result<()> {
    install_strimzi_crds(store, release)?;
    ensure_namespace(store, namespace)?;
    for w in watched.iter().filter(|w| **w != "*") {
        ensure_namespace(store, w)?;
    }
    let installer = store.as_manager("kafkactl");
    for obj in operator_objects(release, namespace, watched)? {
        installer.put(obj).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    Ok(())
}

/// Wires the simulation into a [`FakeClusterBuilder`].
pub trait SimulatedCluster {
    /// Runs the simulation's controllers on the cluster's runtime.
    fn simulated(self, sim: &Sim) -> Self;
    /// Starts with a Strimzi operator installed in `namespace` watching `watched` (see
    /// [`install_operator`]); panics when the bundle cannot be read (test infrastructure).
    fn operator_installed(self, release: StrimziRelease, namespace: &str, watched: &[&str]) -> Self;
}

impl SimulatedCluster for FakeClusterBuilder {
    fn simulated(self, sim: &Sim) -> Self {
        self.with_controller(sim.controller())
    }

    fn operator_installed(self, release: StrimziRelease, namespace: &str, watched: &[&str]) -> Self {
        let objects = match operator_objects(release, namespace, watched) {
            Ok(o) => o,
            Err(e) => panic!("cannot read the Strimzi {} bundle: {e:#}", release.version()),
        };
        let mut b = self.strimzi(release).namespace(namespace);
        for w in watched.iter().filter(|w| **w != "*") {
            b = b.namespace(w);
        }
        for o in objects {
            b = b.object(o);
        }
        b
    }
}
