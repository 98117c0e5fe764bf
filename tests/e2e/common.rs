//! Test fixtures: a fake cluster with the Strimzi operator, and the binary.

use std::time::Duration;

use assert_cmd::Command;
use fake_kube::sim::{Sim, SimConfig, install_operator};
use fake_kube::{FakeCluster, NodeConfig, StrimziRelease};
use serde_json::Value;

/// A running fake cluster and the simulation driving it.
pub struct Env {
    pub fake: FakeCluster,
    #[allow(dead_code)] // tests that turn simulation knobs while running use it
    pub sim: Sim,
}

/// Builder for test environments.
pub struct EnvBuilder {
    release: StrimziRelease,
    sim: SimConfig,
    nodes: usize,
    operator_namespace: Option<String>,
    watched: Vec<String>,
    /// (name, allows volume expansion, default)
    storage_classes: Vec<(String, bool, bool)>,
    extra_nodes: Vec<NodeConfig>,
}

pub fn env(release: StrimziRelease) -> EnvBuilder {
    EnvBuilder {
        release,
        sim: SimConfig::fast(),
        nodes: 3,
        operator_namespace: Some("kafka".into()),
        watched: vec!["kafka".into()],
        storage_classes: vec![("standard".into(), true, true)],
        extra_nodes: Vec::new(),
    }
}

impl EnvBuilder {
    pub fn sim(mut self, f: impl FnOnce(SimConfig) -> SimConfig) -> Self {
        self.sim = f(self.sim);
        self
    }
    pub fn nodes(mut self, n: usize) -> Self {
        self.nodes = n;
        self
    }
    /// One more node, as configured (taints, cordoned, small allocatable, labels).
    pub fn node(mut self, node: NodeConfig) -> Self {
        self.extra_nodes.push(node);
        self
    }
    /// Replaces the StorageClasses: (name, allows volume expansion, default).
    pub fn storage_classes(mut self, classes: &[(&str, bool, bool)]) -> Self {
        self.storage_classes = classes.iter().map(|(n, e, d)| (n.to_string(), *e, *d)).collect();
        self
    }
    pub fn no_operator(mut self) -> Self {
        self.operator_namespace = None;
        self
    }
    pub fn operator_watching(mut self, namespaces: &[&str]) -> Self {
        self.watched = namespaces.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn start(self) -> Env {
        let sim = Sim::new(self.sim);
        let mut builder = FakeCluster::builder()
            .strimzi(self.release)
            .with_controller(sim.controller());
        // Production-sized nodes: the presets' requests must fit (the preflight checks them).
        for _ in 0..self.nodes {
            builder = builder.node(NodeConfig {
                cpu: "8".into(),
                memory: "32Gi".into(),
                ..NodeConfig::default()
            });
        }
        for node in self.extra_nodes {
            builder = builder.node(node);
        }
        for (class, expansion, default) in &self.storage_classes {
            builder = builder.storage_class(class, *expansion, *default);
        }
        let fake = builder.start();
        if let Some(ns) = &self.operator_namespace {
            let watched: Vec<&str> = self.watched.iter().map(String::as_str).collect();
            install_operator(&fake.store(), self.release, ns, &watched).unwrap();
            let store = fake.store();
            let ready = fake.wait_until(Duration::from_secs(10), |s| {
                s.get("apps/v1", "Deployment", Some(ns), "strimzi-cluster-operator")
                    .is_some_and(|d| d["status"]["availableReplicas"].as_i64() == Some(1))
            });
            assert!(
                ready,
                "the simulated operator Deployment became available: {:?}",
                store.list("apps/v1", "Deployment", Some(ns), None)
            );
        }
        Env { fake, sim }
    }
}

impl Env {
    /// `kafkactl --kubeconfig <fake>` with a clean environment.
    pub fn kafkactl(&self) -> Command {
        let mut cmd = kafkactl();
        cmd.arg("--kubeconfig").arg(self.fake.kubeconfig_path());
        cmd
    }

    pub fn kafka_api(&self) -> &'static str {
        self.fake_release().api_version()
    }

    fn fake_release(&self) -> StrimziRelease {
        let served = self.fake.store().get(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "kafkas.kafka.strimzi.io",
        );
        let v1 = served.is_some_and(|crd| {
            crd["spec"]["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v["name"] == "v1" && v["served"] == true)
        });
        if v1 {
            StrimziRelease::V1_2_0
        } else {
            StrimziRelease::V0_45_2
        }
    }

    pub fn kafka(&self, name: &str) -> Option<Value> {
        self.fake.store().get(self.kafka_api(), "Kafka", Some("kafka"), name)
    }
}

/// The binary with a clean environment, and its output for messages: one definition for
/// the e2e tests and the real-cluster lane.
pub use crate::backends::{kafkactl, output_text};

/// The built-in dev preset changed by `edit`, written to `dir/file`; the edit
/// must change something (a replace that matched nothing fails here).
pub fn dev_preset_with(dir: &std::path::Path, file: &str, edit: impl FnOnce(&str) -> String) -> String {
    let dev = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/dev.yaml")).unwrap();
    let changed = edit(&dev);
    assert_ne!(dev, changed, "the edit changed the dev preset");
    let path = dir.join(file);
    std::fs::write(&path, changed).unwrap();
    path.display().to_string()
}

/// The dev preset with bare KafkaNodePool names (`dual`, not `<cluster>-dual`).
pub fn bare_dev_preset(dir: &std::path::Path) -> String {
    dev_preset_with(dir, "bare.yaml", |dev| format!("{dev}nodePoolNames: bare\n"))
}

/// Claim name → uid of the `kafka` namespace's PersistentVolumeClaims whose name contains
/// `-<cluster>-` (export and delete tests compare them before and after).
pub fn claims(env: &Env, cluster: &str) -> std::collections::BTreeMap<String, String> {
    env.fake
        .store()
        .list("v1", "PersistentVolumeClaim", Some("kafka"), None)
        .into_iter()
        .filter(|c| name_of(c).contains(&format!("-{cluster}-")))
        .map(|c| {
            (
                name_of(&c).to_string(),
                c["metadata"]["uid"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}
