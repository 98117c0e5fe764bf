//! The real `kubectl` against fake-kube: discovery, get (table and YAML), watch,
//! server-side apply (idempotent, conflicting, forced) and delete.

use fake_kube::{FakeCluster, StrimziRelease};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const MANIFEST: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: kafka
data:
  retention: 7d
---
apiVersion: kafka.strimzi.io/v1
kind: Kafka
metadata:
  name: my-cluster
  namespace: kafka
spec:
  kafka:
    version: 4.2.0
    listeners:
    - name: plain
      port: 9092
      type: internal
      tls: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: exporter
  namespace: kafka
spec:
  replicas: 1
  selector:
    matchLabels: {app: exporter}
  template:
    metadata:
      labels: {app: exporter}
    spec:
      containers:
      - name: exporter
        image: exporter:1
";

/// `kubectl` with the fake's kubeconfig and a private discovery cache (ports are reused
/// across runs; a shared cache would answer from another fake's discovery).
fn kubectl(fc: &FakeCluster, cache: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(fc.kubeconfig_path())
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl must be installed for these tests (it is on the dev machines)")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "kubectl failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn setup() -> (FakeCluster, tempfile::TempDir) {
    let fc = FakeCluster::builder()
        .strimzi(StrimziRelease::V1_2_0)
        .namespace("kafka")
        .nodes(2)
        .storage_class("standard", true, true)
        .start();
    (fc, tempfile::tempdir().unwrap())
}

#[test]
fn kubectl_api_resources_lists_builtins_and_strimzi_kinds() {
    let (fc, cache) = setup();
    let out = ok(&kubectl(&fc, cache.path(), &["api-resources"]));
    for needle in [
        "pods",
        "po",
        "deployments",
        "deploy",
        "statefulsets",
        "sts",
        "kafkas",
        "kafka.strimzi.io/v1",
        "kafkanodepools",
    ] {
        assert!(out.contains(needle), "{needle} missing from:\n{out}");
    }
}

#[test]
fn kubectl_discovers_everything_in_two_aggregated_requests() {
    let (fc, cache) = setup();
    fc.clear_requests();
    let out = ok(&kubectl(&fc, cache.path(), &["api-resources"]));
    assert!(out.contains("kafkanodepools") && out.contains("statefulsets"), "{out}");
    let paths: Vec<String> = fc.requests().iter().map(|r| r.path.clone()).collect();
    // Aggregated discovery: /api and /apis answer for every group version, so
    // kubectl asks for no /apis/{group}/{version} document (only /version besides).
    assert_eq!(paths, ["/version", "/api", "/apis"], "{paths:?}");
    // A client that does not ask for it still gets the legacy documents.
    let legacy = fc.client().get("/apis").json();
    assert_eq!(legacy["kind"], "APIGroupList", "{legacy:#}");
}

#[test]
fn kubectl_gets_builtins_as_tables_and_yaml() {
    let (fc, cache) = setup();
    let out = ok(&kubectl(&fc, cache.path(), &["get", "nodes"]));
    assert!(out.contains("node-0") && out.contains("node-1"), "{out}");
    let out = ok(&kubectl(&fc, cache.path(), &["get", "sc", "standard", "-o", "yaml"]));
    assert!(out.contains("allowVolumeExpansion: true"), "{out}");
    let out = ok(&kubectl(&fc, cache.path(), &["get", "ns"]));
    assert!(out.contains("kafka"), "{out}");
}

#[test]
fn kubectl_server_side_apply_is_idempotent_and_reports_conflicts() {
    let (fc, cache) = setup();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    let file = file.to_str().unwrap();
    let out = ok(&kubectl(&fc, cache.path(), &["apply", "--server-side", "-f", file]));
    assert!(
        out.contains("kafka.kafka.strimzi.io/my-cluster serverside-applied"),
        "{out}"
    );
    let rv_before = fc
        .store()
        .get("kafka.strimzi.io/v1", "Kafka", Some("kafka"), "my-cluster")
        .unwrap()["metadata"]["resourceVersion"]
        .clone();
    ok(&kubectl(&fc, cache.path(), &["apply", "--server-side", "-f", file]));
    let kafka = fc
        .store()
        .get("kafka.strimzi.io/v1", "Kafka", Some("kafka"), "my-cluster")
        .unwrap();
    assert_eq!(
        kafka["metadata"]["resourceVersion"], rv_before,
        "the second apply changed nothing"
    );
    assert_eq!(kafka["metadata"]["managedFields"][0]["manager"], "kubectl");

    let out = ok(&kubectl(
        &fc,
        cache.path(),
        &["get", "kafka", "-n", "kafka", "my-cluster", "-o", "yaml"],
    ));
    assert!(out.contains("kind: Kafka") && out.contains("name: plain"), "{out}");
    let out = ok(&kubectl(&fc, cache.path(), &["get", "kafkas", "-n", "kafka"]));
    assert!(out.contains("my-cluster"), "{out}");

    let changed = MANIFEST.replace("replicas: 1", "replicas: 4");
    let file2 = dir.path().join("changed.yaml");
    std::fs::write(&file2, changed).unwrap();
    let file2 = file2.to_str().unwrap();
    let out = kubectl(
        &fc,
        cache.path(),
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "other-manager",
            "-f",
            file2,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
        "{err}"
    );
    ok(&kubectl(
        &fc,
        cache.path(),
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager",
            "other-manager",
            "-f",
            file2,
        ],
    ));
    let d = fc
        .store()
        .get("apps/v1", "Deployment", Some("kafka"), "exporter")
        .unwrap();
    assert_eq!(d["spec"]["replicas"], 4);
}

#[test]
fn kubectl_apply_with_unknown_field_is_refused_by_strict_validation() {
    let (fc, cache) = setup();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        MANIFEST.replace("    version: 4.2.0", "    version: 4.2.0\n    bogus: 1"),
    )
    .unwrap();
    let out = kubectl(
        &fc,
        cache.path(),
        &["apply", "--server-side", "-f", file.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bogus"), "{err}");
}

#[test]
fn kubectl_delete_removes_the_object() {
    let (fc, cache) = setup();
    // `kubectl create configmap` would send protobuf, which the fake does not speak;
    // manifests go as JSON.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cm.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: doomed\n  namespace: kafka\n",
    )
    .unwrap();
    ok(&kubectl(&fc, cache.path(), &["create", "-f", file.to_str().unwrap()]));
    assert!(fc.store().get("v1", "ConfigMap", Some("kafka"), "doomed").is_some());
    let out = ok(&kubectl(
        &fc,
        cache.path(),
        &["delete", "configmap", "doomed", "-n", "kafka"],
    ));
    assert!(out.contains("configmap \"doomed\" deleted"), "{out}");
    assert!(fc.store().get("v1", "ConfigMap", Some("kafka"), "doomed").is_none());
    let out = kubectl(&fc, cache.path(), &["get", "configmap", "doomed", "-n", "kafka"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("configmaps \"doomed\" not found"));
}

#[test]
fn kubectl_get_watch_prints_changes_as_they_happen() {
    let (fc, cache) = setup();
    let store = fc.store();
    store
        .put(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "first", "namespace": "kafka"}}))
        .unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        store
            .put(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "second", "namespace": "kafka"}}))
            .unwrap();
    });
    // --request-timeout ends the watch on the client side after a few seconds.
    let out = kubectl(
        &fc,
        cache.path(),
        &["get", "configmaps", "-n", "kafka", "-w", "--request-timeout=4s"],
    );
    writer.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("first"), "{stdout}");
    assert!(
        stdout.contains("second"),
        "the watch saw the later create: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
