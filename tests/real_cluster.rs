//! kafkactl's journeys on a real Kubernetes API server (and the same journeys on the fake,
//! from the same code): kube-apiserver, kube-controller-manager and kube-scheduler built from
//! Kubernetes' Go modules, TLS, RBAC, simulated nodes (crates/real-kube). The simulated
//! Strimzi operator does not drive the real server yet, so these journeys stop where
//! Strimzi's own work begins (no Kafka becomes Ready here).

mod backends;

use std::time::Duration;

use backends::{Backend, WRITTEN_PATHS, bundle_dir, install_operator, kafkactl, output_text};
use serde_json::Value;

const CRDS: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

fn operator_install_then_a_rerun_changes_nothing(backend: &Backend) {
    let first = install_operator(backend, "1.2.0");
    assert_eq!(first["result"], "installed", "{first}");
    assert_eq!(first["progress"]["ready"], true, "{first}");
    let crds = backend.get(&format!("{CRDS}?labelSelector=app%3Dstrimzi")).unwrap();
    let established = crds["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["type"] == "Established" && k["status"] == "True")
        })
        .count();
    assert_eq!(established, 10, "every CRD of the bundle is Established");
    let deployment = backend
        .get("/apis/apps/v1/namespaces/kafka/deployments/strimzi-cluster-operator")
        .unwrap();
    assert_eq!(deployment["status"]["availableReplicas"], 1, "{deployment}");

    let before = backend.snapshot(WRITTEN_PATHS);
    let again = install_operator(backend, "1.2.0");
    assert_eq!(again["result"], "unchanged", "{again}");
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "a re-run writes nothing");
}

#[test]
fn operator_install_on_the_real_api_server_ends_ready_and_a_rerun_changes_nothing() {
    operator_install_then_a_rerun_changes_nothing(&Backend::real());
}

#[test]
fn operator_install_on_the_fake_ends_ready_and_a_rerun_changes_nothing() {
    operator_install_then_a_rerun_changes_nothing(&Backend::fake());
}

fn create(backend: &Backend, args: &[&str]) -> std::process::Output {
    backend.kafkactl().arg("create").args(args).output().unwrap()
}

/// `create` applies every object; the same `create` again is `unchanged` and writes nothing;
/// `--dry-run=server` asks the API server and writes nothing; an SSA conflict with another
/// field manager names the field and the manager.
fn create_applies_converges_and_reports_conflicts(backend: &Backend) {
    install_operator(backend, "1.2.0");
    let out = create(backend, &["c1", "--no-wait", "--skip-checks", "-o", "json"]);
    assert!(
        out.status.success(),
        "{} backend: {}",
        backend.name(),
        output_text(&out)
    );
    let kafka = backend
        .get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/c1")
        .expect("the Kafka is stored");
    assert!(
        kafka["metadata"]["annotations"]["kafkactl.io/spec"].is_string(),
        "{kafka}"
    );
    for pool in ["c1-brokers", "c1-controllers"] {
        let pool = backend.get(&format!(
            "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools/{pool}"
        ));
        assert_eq!(pool.unwrap()["spec"]["replicas"], 3);
    }
    // Pods of kafkactl's own workloads run on the real nodes: Prometheus' claim binds.
    backend.wait_until(Duration::from_secs(60), "Prometheus' claim is Bound", |b| {
        b.get("/api/v1/namespaces/kafka/persistentvolumeclaims")
            .and_then(|l| l["items"].as_array().cloned())
            .into_iter()
            .flatten()
            .any(|c| {
                c["metadata"]["name"].as_str().is_some_and(|n| n.contains("prometheus"))
                    && c["status"]["phase"] == "Bound"
            })
    });

    let before = backend.snapshot(WRITTEN_PATHS);
    let again = create(backend, &["c1", "--no-wait", "--skip-checks", "-o", "json"]);
    assert!(again.status.success(), "{}", output_text(&again));
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    let actions: Vec<&str> = again["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["action"].as_str())
        .collect();
    assert!(
        !actions.is_empty() && actions.iter().all(|a| *a == "unchanged"),
        "{again}"
    );
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "a re-run writes nothing");

    let dry = create(backend, &["c2", "--dry-run=server", "--skip-checks"]);
    assert!(dry.status.success(), "{}", output_text(&dry));
    assert_eq!(
        backend.snapshot(WRITTEN_PATHS),
        before,
        "--dry-run=server writes nothing"
    );
    assert!(
        backend
            .get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/c2")
            .is_none()
    );

    // Someone scales the broker pool with another tool.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pool.yaml");
    std::fs::write(
        &file,
        "apiVersion: kafka.strimzi.io/v1\nkind: KafkaNodePool\nmetadata:\n  name: c1-brokers\n  namespace: kafka\nspec:\n  replicas: 4\n",
    )
    .unwrap();
    let other = backend
        .kubectl()
        .args([
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager",
            "other-tool",
            "-f",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(other.status.success(), "{}", output_text(&other));
    let out = create(
        backend,
        &[
            "c1",
            "--brokers",
            "5",
            "--no-wait",
            "--skip-checks",
            "--update",
            "--yes",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "{} backend: {}",
        backend.name(),
        output_text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".spec.replicas") && stderr.contains("other-tool"),
        "{stderr}"
    );
}

#[test]
fn create_on_the_real_api_server_applies_converges_and_reports_conflicts() {
    create_applies_converges_and_reports_conflicts(&Backend::real());
}

#[test]
fn create_on_the_fake_applies_converges_and_reports_conflicts() {
    create_applies_converges_and_reports_conflicts(&Backend::fake());
}

/// The 1.2.0 CRDs list only v1; over the 0.45.2 ones, which stored v1beta2, the API server
/// refuses them. kafkactl refuses before writing anything; kubectl shows the server's own no.
fn a_v1_only_bundle_over_0_45_is_refused_before_anything_is_written(backend: &Backend) {
    install_operator(backend, "0.45.2");
    let before = backend.snapshot(WRITTEN_PATHS);
    let out = backend
        .kafkactl()
        .args([
            "operator",
            "install",
            "--yes",
            "--force-conflicts",
            "--timeout",
            "60s",
            "--from",
        ])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{} backend: {}",
        backend.name(),
        output_text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("kafkas.kafka.strimzi.io may hold objects stored as v1beta2"),
        "{}",
        output_text(&out)
    );
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "nothing was written");

    let crd = std::fs::read_dir(bundle_dir("1.2.0"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("040-Crd-kafka.yaml"))
        .unwrap();
    let kubectl = backend
        .kubectl()
        .args(["apply", "--server-side", "--force-conflicts", "--validate=false", "-f"])
        .arg(&crd)
        .output()
        .unwrap();
    assert!(!kubectl.status.success(), "{}", output_text(&kubectl));
    assert!(
        String::from_utf8_lossy(&kubectl.stderr)
            .contains("status.storedVersions[0]: Invalid value: \"v1beta2\": missing from spec.versions"),
        "{} backend: {}",
        backend.name(),
        output_text(&kubectl)
    );
}

#[test]
fn a_v1_only_bundle_over_0_45_is_refused_on_the_real_api_server() {
    a_v1_only_bundle_over_0_45_is_refused_before_anything_is_written(&Backend::real());
}

#[test]
fn a_v1_only_bundle_over_0_45_is_refused_on_the_fake() {
    a_v1_only_bundle_over_0_45_is_refused_before_anything_is_written(&Backend::fake());
}

/// A user RBAC grants nothing: `operator install`, `check` and `create` name every missing
/// permission, exit 4 and write nothing.
/// Issue 17: a release without ZooKeeper over 0.45.2 with a ZooKeeper cluster is refused
/// before anything is written, naming the cluster and the command that fixes it (on the
/// real server the Kafka has no status: its `spec.zookeeper` says it).
fn a_kraft_only_release_over_a_zookeeper_cluster_is_refused(backend: &Backend) {
    install_operator(backend, "0.45.2");
    let created = create(
        backend,
        &[
            "z",
            "--preset",
            "zookeeper-classic",
            "--no-wait",
            "--skip-checks",
            "--yes",
        ],
    );
    assert!(
        created.status.success(),
        "{} backend: {}",
        backend.name(),
        output_text(&created)
    );
    let before = backend.snapshot(WRITTEN_PATHS);
    let out = backend
        .kafkactl()
        .args(["operator", "install", "--yes", "--timeout", "60s", "--from"])
        .arg(bundle_dir("0.48.0"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{} backend: {}",
        backend.name(),
        output_text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kafka/z is ZooKeeper-based")
            && stderr.contains("fix: kafkactl migrate z -n kafka --to kraft")
            && stderr.contains("nothing was changed"),
        "{} backend: {stderr}",
        backend.name()
    );
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "nothing was written");
}

#[test]
fn a_kraft_only_release_over_a_zookeeper_cluster_is_refused_on_the_real_api_server() {
    a_kraft_only_release_over_a_zookeeper_cluster_is_refused(&Backend::real());
}

#[test]
fn a_kraft_only_release_over_a_zookeeper_cluster_is_refused_on_the_fake() {
    a_kraft_only_release_over_a_zookeeper_cluster_is_refused(&Backend::fake());
}

/// Issue 17's API conversion on a server's own storage rules: on 0.51 (both APIs served,
/// v1beta2 stored) `operator convert-api` rewrites the resources as v1, stores the CRDs as
/// v1 and trims storedVersions, after which the v1-only 1.2.0 bundle installs; a re-run
/// converts nothing.
fn the_api_conversion_lets_a_v1_only_bundle_in(backend: &Backend) {
    install_operator(backend, "0.51.0");
    let user = r#"{"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
        "metadata": {"name": "app", "namespace": "kafka", "labels": {"strimzi.io/cluster": "c"}},
        "spec": {"authentication": {"type": "tls"}, "authorization": {"type": "simple",
            "acls": [{"resource": {"type": "topic", "name": "orders"}, "operation": "Read"}]}}}"#;
    let topic = r#"{"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
        "metadata": {"name": "orders", "namespace": "kafka", "labels": {"strimzi.io/cluster": "c"}},
        "spec": {"partitions": 3, "replicas": 1}}"#;
    for object in [user, topic] {
        let mut kubectl = backend
            .kubectl()
            .args(["apply", "--validate=false", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        kubectl.stdin.take().unwrap().write_all(object.as_bytes()).unwrap();
        let out = kubectl.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{} backend: {}",
            backend.name(),
            output_text(&out)
        );
    }
    // Irreversible, so asked: without --yes nothing is written.
    let before = backend.snapshot(WRITTEN_PATHS);
    let refused = backend.kafkactl().args(["operator", "convert-api"]).output().unwrap();
    assert_eq!(
        refused.status.code(),
        Some(4),
        "{} backend: {}",
        backend.name(),
        output_text(&refused)
    );
    assert!(output_text(&refused).contains("--yes"), "{}", output_text(&refused));
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "nothing was written");
    let crd = backend
        .get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkausers.kafka.strimzi.io")
        .unwrap();
    assert_eq!(
        crd["status"]["storedVersions"],
        serde_json::json!(["v1beta2"]),
        "{} backend",
        backend.name()
    );
    let convert = || {
        let out = backend
            .kafkactl()
            .args(["-o", "json", "--yes", "operator", "convert-api"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} backend: {}",
            backend.name(),
            output_text(&out)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = convert();
    assert_eq!(first["result"], "converted", "{} backend: {first}", backend.name());
    let crd = backend
        .get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkausers.kafka.strimzi.io")
        .unwrap();
    assert_eq!(
        crd["status"]["storedVersions"],
        serde_json::json!(["v1"]),
        "{} backend",
        backend.name()
    );
    let storage: Vec<&str> = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["storage"] == true)
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(storage, ["v1"], "{} backend", backend.name());
    let user = backend
        .get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkausers/app")
        .unwrap();
    assert_eq!(
        user["spec"]["authorization"]["acls"][0]["operations"],
        serde_json::json!(["Read"]),
        "{} backend: {user}",
        backend.name()
    );
    install_operator(backend, "1.2.0");
    assert_eq!(convert()["result"], "unchanged", "{} backend", backend.name());
}

#[test]
fn the_api_conversion_lets_a_v1_only_bundle_in_on_the_real_api_server() {
    the_api_conversion_lets_a_v1_only_bundle_in(&Backend::real());
}

#[test]
fn the_api_conversion_lets_a_v1_only_bundle_in_on_the_fake() {
    the_api_conversion_lets_a_v1_only_bundle_in(&Backend::fake());
}

#[test]
fn a_restricted_user_is_told_every_missing_permission_and_nothing_is_written() {
    let backend = Backend::real();
    let Backend::Real(real) = &backend else { unreachable!() };
    let restricted = real.restricted_kubeconfig_path();
    let as_restricted = || {
        let mut cmd = kafkactl();
        cmd.arg("--kubeconfig").arg(&restricted);
        cmd
    };
    let before = backend.snapshot(WRITTEN_PATHS);
    let install = as_restricted()
        .args(["operator", "install", "--from"])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert_eq!(install.status.code(), Some(4), "{}", output_text(&install));
    let stderr = String::from_utf8_lossy(&install.stderr);
    assert!(
        stderr.contains("create customresourcedefinitions.apiextensions.k8s.io")
            && stderr.contains("create deployments.apps in kafka")
            && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "nothing was written");

    install_operator(&backend, "1.2.0");
    let before = backend.snapshot(WRITTEN_PATHS);
    let check = as_restricted().args(["check", "c1"]).output().unwrap();
    assert_eq!(check.status.code(), Some(4), "{}", output_text(&check));
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("kafkas.kafka.strimzi.io") && stdout.contains("FAIL"),
        "{stdout}"
    );
    let create = as_restricted().args(["create", "c1", "--no-wait"]).output().unwrap();
    assert_ne!(create.status.code(), Some(0), "{}", output_text(&create));
    assert!(
        String::from_utf8_lossy(&create.stderr).contains("forbidden")
            || String::from_utf8_lossy(&create.stderr).contains("preflight"),
        "{}",
        output_text(&create)
    );
    assert_eq!(backend.snapshot(WRITTEN_PATHS), before, "nothing was written");
}

/// No process of the control plane outlives it.
#[test]
fn dropping_the_real_cluster_leaves_no_process_behind() {
    let backend = Backend::real();
    let Backend::Real(real) = &backend else { unreachable!() };
    let pids = real.pids();
    assert_eq!(
        pids.len(),
        4,
        "etcd, kube-apiserver, kube-controller-manager, kube-scheduler"
    );
    eprintln!("the real control plane started in {:?}", real.started_in());
    drop(backend);
    for pid in pids {
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ");
        assert!(!alive, "process {pid} is gone");
    }
}

/// A kubeconfig that trusts another CA: said as a certificate problem (over TLS, which only
/// the real server speaks here), not as a server that did not answer.
#[test]
fn a_wrong_certificate_authority_is_told_as_a_certificate_problem() {
    let backend = Backend::real();
    let dir = tempfile::tempdir().unwrap();
    let other = real_kube::pki::generate(dir.path()).unwrap();
    let kubeconfig = std::fs::read_to_string(backend.kubeconfig_path()).unwrap();
    let wrong: String = kubeconfig
        .lines()
        .map(|l| match l.trim_start().starts_with("certificate-authority:") {
            true => format!("    certificate-authority: {}", other.ca_cert.display()),
            false => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.path().join("wrong-ca.kubeconfig");
    std::fs::write(&path, wrong).unwrap();
    let out = kafkactl()
        .arg("--kubeconfig")
        .arg(&path)
        .args(["list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("certificate is not signed by a CA your kubeconfig trusts")
            && !stderr.contains("did not answer"),
        "{stderr}"
    );
}
