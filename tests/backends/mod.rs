//! One test environment, two API servers: fake-kube (with its simulated controllers) and the
//! real control plane of `real-kube`. Journeys and request sequences are written once
//! against `Backend` and run on both; every read goes through the API, as a client's would.

#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use fake_kube::sim::{Sim, SimConfig};
use fake_kube::{FakeCluster, NodeConfig};
use real_kube::RealCluster;
use serde_json::Value;

pub enum Backend {
    Fake { fake: FakeCluster, _sim: Sim },
    Real(RealCluster),
}

impl Backend {
    /// A fake with three 8-CPU nodes, the `standard` StorageClass and its controllers.
    pub fn fake() -> Backend {
        let sim = Sim::new(SimConfig::fast());
        let mut builder = FakeCluster::builder().with_controller(sim.controller());
        for _ in 0..3 {
            builder = builder.node(NodeConfig {
                cpu: "8".into(),
                memory: "32Gi".into(),
                ..NodeConfig::default()
            });
        }
        let fake = builder.storage_class("standard", true, true).start();
        Backend::Fake { fake, _sim: sim }
    }

    /// The real control plane with the same nodes and StorageClass.
    pub fn real() -> Backend {
        match RealCluster::start(real_kube::Config::default()) {
            Ok(cluster) => Backend::Real(cluster),
            Err(e) => panic!("the real control plane starts (tests/kube/build.sh builds it): {e:#}"),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Fake { .. } => "fake",
            Backend::Real(_) => "real",
        }
    }

    pub fn kubeconfig_path(&self) -> PathBuf {
        match self {
            Backend::Fake { fake, .. } => fake.kubeconfig_path().to_path_buf(),
            Backend::Real(real) => real.kubeconfig_path(),
        }
    }

    /// `kafkactl --kubeconfig <this backend>` with a clean environment.
    pub fn kafkactl(&self) -> Command {
        let mut cmd = kafkactl();
        cmd.arg("--kubeconfig").arg(self.kubeconfig_path());
        cmd
    }

    pub fn kubectl(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(self.kubeconfig_path());
        cmd.env_remove("KUBECONFIG");
        cmd
    }

    /// A raw request through kube's client: (HTTP status, body).
    pub fn request(&self, method: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let kubeconfig = self.kubeconfig_path();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = real_kube::client_for(&kubeconfig).await.unwrap();
            let request = http::Request::builder()
                .method(method)
                .uri(path)
                .header("content-type", content_type)
                .header("accept", "application/json")
                .body(body.as_bytes().to_vec())
                .unwrap();
            let response = client.send(request.map(kube::client::Body::from)).await.unwrap();
            let status = response.status().as_u16();
            let bytes = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        })
    }

    pub fn get(&self, path: &str) -> Option<Value> {
        let (status, body) = self.request("GET", path, "application/json", "");
        match status {
            200 => Some(serde_json::from_str(&body).unwrap()),
            404 => None,
            other => panic!("GET {path} on {}: {other} {body}", self.name()),
        }
    }

    /// `name -> object` of every object under these list paths (a path the server does not
    /// serve counts as empty), without what controllers keep writing (status, resourceVersion,
    /// managed fields): equal snapshots mean no client changed anything there.
    pub fn snapshot(&self, list_paths: &[&str]) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for path in list_paths {
            let Some(list) = self.get(path) else { continue };
            for item in list["items"].as_array().into_iter().flatten() {
                let ns = item["metadata"]["namespace"].as_str().unwrap_or("");
                let name = item["metadata"]["name"].as_str().unwrap_or("");
                let mut object = item.clone();
                if let Some(o) = object.as_object_mut() {
                    o.remove("status");
                }
                if let Some(m) = object["metadata"].as_object_mut() {
                    m.remove("resourceVersion");
                    m.remove("managedFields");
                }
                out.insert(format!("{path} {ns}/{name}"), object);
            }
        }
        out
    }

    /// Polls a condition over the API until it holds.
    pub fn wait_until(&self, timeout: Duration, what: &str, cond: impl Fn(&Backend) -> bool) {
        let deadline = Instant::now() + timeout;
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "{} backend: {what} within {timeout:?}",
                self.name()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The objects `operator install` and `create` write, by list path.
pub const WRITTEN_PATHS: &[&str] = &[
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles?labelSelector=app%3Dstrimzi",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?labelSelector=app%3Dstrimzi",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/kafka/rolebindings",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/kafka/roles",
    "/apis/apps/v1/namespaces/kafka/deployments",
    "/apis/apps/v1/namespaces/kafka/statefulsets",
    "/api/v1/namespaces/kafka/configmaps",
    "/api/v1/namespaces/kafka/services",
    "/api/v1/namespaces/kafka/serviceaccounts",
    "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas",
    "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools",
    "/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkas",
];

pub fn kafkactl() -> Command {
    let mut cmd = Command::cargo_bin("kafkactl").unwrap();
    for var in [
        "KAFKACTL_KUBECONFIG",
        "KAFKACTL_CONTEXT",
        "KAFKACTL_NAMESPACE",
        "KAFKACTL_TIMEOUT",
        "KAFKACTL_OUTPUT",
        "KAFKACTL_PRESET",
        "KAFKACTL_NO_INPUT",
        "KAFKACTL_LOG",
        "KUBECONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1")
        .env("CI", "true")
        .timeout(Duration::from_secs(180));
    cmd
}

pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn bundle_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/strimzi")
        .join(version)
        .join("install/cluster-operator")
}

/// `kafkactl operator install --from <bundle>` as JSON; panics with the output on failure.
pub fn install_operator(backend: &Backend, version: &str) -> Value {
    let out = backend
        .kafkactl()
        .args(["-o", "json", "--timeout", "120s", "operator", "install", "--from"])
        .arg(bundle_dir(version))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} backend: {}",
        backend.name(),
        output_text(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
