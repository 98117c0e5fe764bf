//! `kafkactl create` against the fake API server with the simulated operator.

use std::collections::BTreeMap;
use std::time::Duration;

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{env, kafkactl, output_text};

const SSA: &str = "application/apply-patch+yaml";

fn is_apply(r: &fake_kube::faults::RecordedRequest) -> bool {
    r.method == "PATCH" && r.content_type.as_deref().is_some_and(|c| c.starts_with(SSA))
}

#[test]
fn create_dev_becomes_ready_and_prints_the_bootstrap_address() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Status:     Ready"), "{stdout}");
    assert!(stdout.contains("c1-kafka-bootstrap.kafka.svc:9092"), "{stdout}");
    assert!(stdout.contains("created"), "{stdout}");
    let kafka = env.kafka("c1").expect("the Kafka CR is stored");
    let stored = kafka["metadata"]["annotations"]["kafkactl.io/spec"]
        .as_str()
        .expect("spec annotation");
    let spec: Value = serde_json::from_str(stored).unwrap();
    assert_eq!(spec["name"], "c1");
    assert_eq!(spec["pools"]["dual"]["replicas"], 1);
}

#[test]
fn every_write_is_a_server_side_apply_by_kafkactl_once_per_object_in_waves() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["*"]).start();
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        // The preflight's reads are check's to count (tests/e2e/check.rs).
        .args([
            "-n",
            "fresh",
            "create",
            "c1",
            "--preset",
            "production",
            "--no-wait",
            "--skip-checks",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    // The cluster lock (tests/e2e/lock.rs) is no object of the cluster: its
    // Lease is created once the namespace is there, before the rest is
    // applied, and deleted at the end.
    let all_writes = env.fake.write_requests();
    let lock: Vec<(usize, &str)> = all_writes
        .iter()
        .enumerate()
        .filter(|(_, w)| w.path.contains("/leases"))
        .map(|(i, w)| (i, w.method.as_str()))
        .collect();
    assert_eq!(
        lock,
        [(1, "POST"), (all_writes.len() - 1, "DELETE")],
        "{:?}",
        all_writes
            .iter()
            .map(|w| format!("{} {}", w.method, w.path))
            .collect::<Vec<_>>()
    );
    let writes: Vec<_> = all_writes.into_iter().filter(|w| !w.path.contains("/leases")).collect();
    assert!(!writes.is_empty());
    for w in &writes {
        assert!(
            is_apply(w),
            "every write is SSA: {} {} {:?}",
            w.method,
            w.path,
            w.content_type
        );
        assert_eq!(
            w.query.get("fieldManager").map(String::as_str),
            Some("kafkactl"),
            "{}",
            w.path
        );
    }
    let mut per_path: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &writes {
        *per_path.entry(w.path.as_str()).or_default() += 1;
    }
    assert!(
        per_path.values().all(|n| *n == 1),
        "no object applied twice: {per_path:?}"
    );
    // Waves: the missing namespace first, then config/RBAC, then Strimzi resources and workloads.
    let index = |needle: &str| {
        writes
            .iter()
            .position(|w| w.path.contains(needle))
            .unwrap_or_else(|| panic!("{needle} applied"))
    };
    let last = |needle: &str| writes.iter().rposition(|w| w.path.contains(needle)).unwrap();
    assert_eq!(
        writes[0].path, "/api/v1/namespaces/fresh",
        "the namespace is applied first"
    );
    assert!(last("/configmaps/") < index("/kafkas/"), "config before the Kafka CR");
    assert!(last("/roles/") < index("/statefulsets/"), "RBAC before Prometheus");
    // Request count: objects + discovery (API group, operator lookups, the Kafka under
    // both APIs, the namespace, the Kafka again under the lock); no GET per object on
    // a first create.
    let reads = env.fake.requests().iter().filter(|r| r.method == "GET").count();
    assert!(reads <= 7, "a first create reads only discovery: {reads} GETs");
}

#[test]
fn an_existing_namespace_is_not_applied_again() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--no-wait"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let writes = env.fake.write_requests();
    assert!(
        writes.iter().all(|w| w.path != "/api/v1/namespaces/kafka"),
        "{:?}",
        writes.iter().map(|w| &w.path).collect::<Vec<_>>()
    );
}

#[test]
fn running_the_same_create_twice_changes_nothing_and_says_unchanged() {
    let env = env(StrimziRelease::V1_2_0).start();
    let first = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", output_text(&first));
    let rv_before = env.kafka("c1").unwrap()["metadata"]["resourceVersion"].clone();
    let second = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "-o", "json", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", output_text(&second));
    let outcome: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(outcome["result"], "unchanged", "{outcome}");
    let objects = outcome["objects"].as_array().unwrap();
    assert!(objects.iter().all(|o| o["action"] == "unchanged"), "{outcome}");
    assert_eq!(env.kafka("c1").unwrap()["metadata"]["resourceVersion"], rv_before);
}

#[test]
fn create_of_an_existing_cluster_with_another_spec_is_refused() {
    let env = env(StrimziRelease::V1_2_0).nodes(5).start(); // room for 5 brokers with required anti-affinity
    let first = env
        .kafkactl()
        .args(["create", "c1", "--preset", "production", "--no-wait"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", output_text(&first));
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "production", "--brokers", "5", "--no-wait"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already exists with a different spec (pools)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("kafkactl scale c1") && stderr.contains("--update"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty(), "nothing was written");
    let updated = env
        .kafkactl()
        .args([
            "create",
            "c1",
            "--preset",
            "production",
            "--brokers",
            "5",
            "--no-wait",
            "--update",
        ])
        .output()
        .unwrap();
    assert!(updated.status.success(), "{}", output_text(&updated));
    let pool = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1", "KafkaNodePool", Some("kafka"), "c1-brokers")
        .unwrap();
    assert_eq!(pool["spec"]["replicas"], 5);
}

#[test]
fn a_conflict_with_another_field_manager_names_field_and_manager_and_force_takes_over() {
    let env = env(StrimziRelease::V1_2_0).nodes(5).start(); // room for 5 brokers with required anti-affinity
    let first = env
        .kafkactl()
        .args(["create", "c1", "--preset", "production", "--no-wait"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", output_text(&first));
    // Someone scales the broker pool with another tool.
    let other = kafkactl_free_kubectl_apply(&env, "other-tool", 4);
    assert!(other, "the other manager's apply went through");
    let out = env
        .kafkactl()
        .args([
            "create",
            "c1",
            "--preset",
            "production",
            "--brokers",
            "5",
            "--no-wait",
            "--update",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".spec.replicas") && stderr.contains("other-tool"),
        "{stderr}"
    );
    assert!(stderr.contains("--force-conflicts"), "{stderr}");
    let forced = env
        .kafkactl()
        .args([
            "create",
            "c1",
            "--preset",
            "production",
            "--brokers",
            "5",
            "--no-wait",
            "--update",
            "--force-conflicts",
        ])
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", output_text(&forced));
    let pool = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1", "KafkaNodePool", Some("kafka"), "c1-brokers")
        .unwrap();
    assert_eq!(pool["spec"]["replicas"], 5);
}

/// Apply `spec.replicas` of the brokers pool as another field manager, forcing.
fn kafkactl_free_kubectl_apply(env: &crate::common::Env, manager: &str, replicas: i64) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pool.yaml");
    std::fs::write(
        &file,
        format!("apiVersion: kafka.strimzi.io/v1\nkind: KafkaNodePool\nmetadata:\n  name: c1-brokers\n  namespace: kafka\nspec:\n  replicas: {replicas}\n"),
    )
    .unwrap();
    std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args([
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager",
            manager,
            "-f",
        ])
        .arg(&file)
        .status()
        .expect("kubectl runs (install Debian's kubernetes-client)")
        .success()
}

#[test]
fn zookeeper_classic_on_strimzi_0_45_becomes_ready_with_zoo_entrance() {
    let env = env(StrimziRelease::V0_45_2).start();
    let out = env
        .kafkactl()
        .args(["create", "zk", "--preset", "zookeeper-classic", "--timeout", "90s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("zookeeper") && stdout.contains("zoo-entrance"),
        "{stdout}"
    );
    let store = env.fake.store();
    assert!(
        store
            .get("kafka.strimzi.io/v1beta2", "Kafka", Some("kafka"), "zk")
            .is_some()
    );
    assert!(
        store
            .get("apps/v1", "Deployment", Some("kafka"), "zk-zoo-entrance")
            .is_some()
    );
    assert_eq!(
        store
            .list("v1", "Pod", Some("kafka"), Some("strimzi.io/name=zk-zookeeper"))
            .len(),
        3
    );
}

#[test]
fn production_preset_on_strimzi_1_2_becomes_ready() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["create", "prod", "--timeout", "90s", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["result"], "created");
    assert_eq!(outcome["cluster"]["ready"], true, "{outcome}");
    let components: Vec<&str> = outcome["cluster"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for expected in [
        "brokers",
        "controllers",
        "entity-operator",
        "kafka-exporter",
        "prometheus",
        "volumes",
        "kafka",
    ] {
        assert!(components.contains(&expected), "{expected} in {components:?}");
    }
}

#[test]
fn zookeeper_against_a_kraft_only_operator_is_a_clear_error() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .args(["create", "zk", "--preset", "zookeeper-classic"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("KRaft-only"), "{stderr}");
    assert!(env.fake.write_requests().is_empty());
}

#[test]
fn a_cluster_without_the_operator_names_the_fix() {
    let env = env(StrimziRelease::V1_2_0).no_operator().start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Strimzi cluster operator was found"));
    assert!(env.fake.write_requests().is_empty());
}

#[test]
fn a_namespace_the_operator_does_not_watch_names_the_fix() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["team-a"]).start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no Strimzi operator watches namespace \"kafka\""),
        "{stderr}"
    );
    assert!(stderr.contains("STRIMZI_NAMESPACE"), "{stderr}");
    assert!(env.fake.write_requests().is_empty());
}

#[test]
fn no_cluster_configured_suggests_dry_run() {
    let home = tempfile::tempdir().unwrap();
    let out = kafkactl()
        .env("HOME", home.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .args(["create", "c1", "--preset", "dev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no Kubernetes cluster is configured"), "{stderr}");
    assert!(stderr.contains("--dry-run"), "{stderr}");
}

#[test]
fn server_dry_run_prints_what_the_server_would_store_and_persists_nothing() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--dry-run=server", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"Kafka") && kinds.contains(&"KafkaNodePool"),
        "{kinds:?}"
    );
    let kafka = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Kafka")
        .unwrap();
    assert!(
        kafka["metadata"]["uid"].is_string(),
        "the server filled in metadata: {kafka}"
    );
    assert!(env.kafka("c1").is_none(), "dry-run stored nothing");
    for w in env.fake.write_requests() {
        assert_eq!(w.query.get("dryRun").map(String::as_str), Some("All"), "{}", w.path);
    }
}

#[test]
fn a_stuck_image_pull_times_out_with_its_own_exit_code_and_the_reason() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.image_pull_failure("strimzi/kafka"))
        .start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--timeout", "3s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not ready after 3s"), "{stderr}");
    assert!(stderr.contains("ImagePullBackOff"), "{stderr}");
    assert!(env.kafka("c1").is_some(), "the objects stay applied");
}

#[test]
fn unschedulable_brokers_are_diagnosed_with_the_scheduler_message() {
    let env = env(StrimziRelease::V1_2_0).nodes(1).start();
    let out = env
        .kafkactl()
        .args([
            "create",
            "c1",
            "--preset",
            "production",
            "--timeout",
            "4s",
            "--skip-checks",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("FailedScheduling") || stderr.contains("Unschedulable"),
        "{stderr}"
    );
    assert!(stderr.contains("anti-affinity"), "{stderr}");
}

#[test]
fn a_missing_storage_class_is_diagnosed_as_provisioning_failed() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args([
            "create",
            "c1",
            "--preset",
            "production",
            "--storage-class",
            "fast-ssd",
            "--timeout",
            "4s",
            "--skip-checks",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ProvisioningFailed") && stderr.contains("fast-ssd"),
        "{stderr}"
    );
}

#[test]
fn progress_is_printed_as_timestamped_lines_when_stderr_is_not_a_terminal() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with('[') && l.contains("s]") && l.contains("kafka: Ready")),
        "{stderr}"
    );
    let quiet = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "-q", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(quiet.status.success(), "{}", output_text(&quiet));
    assert!(
        quiet.stderr.is_empty(),
        "-q prints nothing on stderr: {}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn interrupting_create_exits_130_and_a_rerun_converges() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(2)))
        .start();
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let child = std::process::Command::new(bin)
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(["create", "c1", "--preset", "dev", "--timeout", "60s"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(env.fake.wait_until(Duration::from_secs(20), |s| {
        s.get("kafka.strimzi.io/v1", "Kafka", Some("kafka"), "c1").is_some()
    }));
    std::thread::sleep(Duration::from_millis(200));
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interrupted") && stderr.contains("were applied"),
        "{stderr}"
    );
    let rerun = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(String::from_utf8_lossy(&rerun.stdout).contains("Status:     Ready"));
}

fn pool_names(env: &crate::common::Env) -> Vec<(String, String)> {
    env.fake
        .store()
        .list("kafka.strimzi.io/v1", "KafkaNodePool", Some("kafka"), None)
        .iter()
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["metadata"]["labels"]["strimzi.io/cluster"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

fn pod_uid(env: &crate::common::Env, name: &str) -> Option<String> {
    let pod = env.fake.store().get("v1", "Pod", Some("kafka"), name)?;
    pod["metadata"]["uid"].as_str().map(str::to_string)
}

#[test]
fn two_clusters_from_one_preset_share_a_namespace_and_one_is_deleted_alone() {
    let env = env(StrimziRelease::V1_2_0).start();
    for name in ["first", "second"] {
        let out = env
            .kafkactl()
            .args(["create", name, "--preset", "dev", "--timeout", "60s"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", output_text(&out));
    }
    assert_eq!(
        pool_names(&env),
        [
            ("first-dual".to_string(), "first".to_string()),
            ("second-dual".to_string(), "second".to_string())
        ]
    );
    let second_pod = pod_uid(&env, "second-second-dual-0").expect("second's broker pod");
    assert!(pod_uid(&env, "first-first-dual-0").is_some());

    let deleted = env
        .kafkactl()
        .args(["delete", "first", "--yes", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(deleted.status.success(), "{}", output_text(&deleted));
    assert!(env.kafka("first").is_none());
    assert_eq!(pool_names(&env), [("second-dual".to_string(), "second".to_string())]);
    assert_eq!(
        pod_uid(&env, "second-second-dual-0"),
        Some(second_pod),
        "second untouched"
    );
    let status = env.kafkactl().args(["status", "second"]).output().unwrap();
    assert!(status.status.success(), "{}", output_text(&status));
    assert!(String::from_utf8_lossy(&status.stdout).contains("Status:     Ready"));
}

#[test]
fn a_cluster_with_bare_pool_names_keeps_them_through_create_and_scale() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let bare = crate::common::bare_dev_preset(dir.path());
    let out = env
        .kafkactl()
        .args(["create", "old", "--preset", &bare, "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(pool_names(&env), [("dual".to_string(), "old".to_string())]);
    let pod = pod_uid(&env, "old-dual-0").expect("pod old-dual-0");

    // As kafkactl stored it before it recorded the naming: no nodePoolNames.
    let kafka = env.kafka("old").unwrap();
    let mut stored: Value =
        serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap();
    assert_eq!(stored["nodePoolNames"], "bare");
    stored.as_object_mut().unwrap().remove("nodePoolNames");
    // Written as kafkactl's own apply would have (no field-manager conflict).
    env.fake
        .store()
        .as_manager("kafkactl")
        .merge_patch(
            "kafka.strimzi.io/v1",
            "Kafka",
            Some("kafka"),
            "old",
            serde_json::json!({"metadata": {"annotations": {"kafkactl.io/spec": stored.to_string()}}}),
        )
        .unwrap();

    // The same create with the built-in preset (prefixed by default) converges
    // on the existing pool instead of adding `old-dual` next to it.
    let rerun = env
        .kafkactl()
        .args(["create", "old", "--preset", "dev", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert_eq!(pool_names(&env), [("dual".to_string(), "old".to_string())]);
    assert_eq!(
        pod_uid(&env, "old-dual-0"),
        Some(pod.clone()),
        "the node was not replaced"
    );

    let scaled = env
        .kafkactl()
        .args(["scale", "old", "--brokers", "2", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(scaled.status.success(), "{}", output_text(&scaled));
    assert_eq!(pool_names(&env), [("dual".to_string(), "old".to_string())]);
    assert_eq!(pod_uid(&env, "old-dual-0"), Some(pod));
    assert!(pod_uid(&env, "old-dual-1").is_some(), "the new node has the bare name");
}

// ---- create --update: one change path with scale's guards (issue 21) -------

/// resourceVersion and generation of the Kafka CR and every KafkaNodePool of
/// cluster `name`: equal before and after a refusal means nothing was written.
fn strimzi_state(env: &crate::common::Env, name: &str) -> Vec<(String, String, Value, Value)> {
    let store = env.fake.store();
    let mut objects = vec![env.kafka(name).expect("the Kafka CR")];
    objects.extend(store.list(
        env.kafka_api(),
        "KafkaNodePool",
        Some("kafka"),
        Some(&format!("strimzi.io/cluster={name}")),
    ));
    objects
        .into_iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap_or_default().to_string(),
                o["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                o["metadata"]["resourceVersion"].clone(),
                o["metadata"]["generation"].clone(),
            )
        })
        .collect()
}

fn stored_spec_of(env: &crate::common::Env, name: &str) -> Value {
    let kafka = env.kafka(name).expect("the Kafka CR");
    serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap()
}

fn run(env: &crate::common::Env, args: &[&str]) -> std::process::Output {
    env.kafkactl().args(args).output().unwrap()
}

#[test]
fn update_starts_from_the_stored_spec_so_a_later_update_keeps_earlier_changes() {
    let env = env(StrimziRelease::V1_2_0).nodes(5).start(); // room for 4 brokers with required anti-affinity
    let first = run(&env, &["create", "c", "--preset", "production", "--no-wait"]);
    assert!(first.status.success(), "{}", output_text(&first));
    let grown = run(&env, &["create", "c", "--update", "--brokers", "4", "--no-wait"]);
    assert!(grown.status.success(), "{}", output_text(&grown));
    let out = run(
        &env,
        &["create", "c", "--update", "--memory", "10Gi", "--no-wait", "-o", "json"],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    let spec = stored_spec_of(&env, "c");
    assert_eq!(spec["pools"]["brokers"]["replicas"], 4, "the earlier --brokers 4 stays");
    assert_eq!(spec["pools"]["brokers"]["resources"]["limits"]["memory"], "10Gi");
    let pool = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1", "KafkaNodePool", Some("kafka"), "c-brokers")
        .unwrap();
    assert_eq!(pool["spec"]["replicas"], 4);
    // The run says what it changed, and only that.
    let changes = outcome["changes"].as_array().expect("changes").clone();
    assert!(
        changes
            .iter()
            .all(|c| c["field"].as_str().unwrap().starts_with("pools.brokers.resources")),
        "{outcome:#}"
    );
    assert!(outcome.get("removedBrokers").is_none(), "{outcome:#}");
}

#[test]
fn update_refuses_what_scale_refuses_and_writes_nothing() {
    let env = env(StrimziRelease::V1_2_0).start();
    let first = run(&env, &["create", "c", "--preset", "production", "--timeout", "60s"]);
    assert!(first.status.success(), "{}", output_text(&first));
    let before = strimzi_state(&env, "c");
    let lower_rf = [
        "--config",
        "default.replication.factor=2",
        "--config",
        "offsets.topic.replication.factor=2",
        "--config",
        "transaction.state.log.replication.factor=2",
        "--config",
        "min.insync.replicas=1",
    ];
    let mut remove_a_broker = vec!["create", "c", "--update", "--brokers", "2", "--yes"];
    remove_a_broker.extend(lower_rf);
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["create", "c", "--update", "--storage-size", "50Gi"],
            &["cannot shrink pools.brokers.storage from 100Gi to 50Gi", "only grow"],
        ),
        (
            &["create", "c", "--update", "--ephemeral", "--yes"],
            &["pools.brokers.storage.type", "persistent-claim to ephemeral"],
        ),
        (
            // The settings lowered in the same command: __consumer_offsets keeps 3 replicas.
            &remove_a_broker,
            &[
                "offsets.topic.replication.factor is 3 in the stored spec",
                "lowers it to 2",
                "__consumer_offsets",
            ],
        ),
    ];
    for (args, expected) in cases {
        env.fake.clear_requests();
        let out = run(&env, args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        for text in expected {
            assert!(stderr.contains(text), "{args:?}: {text:?} in {stderr}");
        }
        assert!(stderr.contains("nothing was changed"), "{stderr}");
        assert!(
            env.fake.write_requests().is_empty(),
            "{args:?}: nothing written: {:?}",
            env.fake.write_requests()
        );
        assert_eq!(strimzi_state(&env, "c"), before, "{args:?}");
    }
    assert_eq!(
        stored_spec_of(&env, "c")["pools"]["brokers"]["storage"]["size"],
        "100Gi"
    );
}

#[test]
fn update_that_removes_a_broker_names_it_and_needs_a_yes() {
    let env = env(StrimziRelease::V1_2_0).nodes(5).start(); // room for 4 brokers with required anti-affinity
    let first = run(
        &env,
        &[
            "create",
            "c",
            "--preset",
            "production",
            "--brokers",
            "4",
            "--timeout",
            "60s",
        ],
    );
    assert!(first.status.success(), "{}", output_text(&first));
    let before = strimzi_state(&env, "c");
    env.fake.clear_requests();
    let out = run(
        &env,
        &["create", "c", "--update", "--brokers", "3", "--force-conflicts"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("remove broker 3 from pool brokers of c"), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(strimzi_state(&env, "c"), before);

    let out = run(
        &env,
        &[
            "create",
            "c",
            "--update",
            "--brokers",
            "3",
            "--yes",
            "--timeout",
            "60s",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["removedBrokers"], serde_json::json!([3]), "{outcome:#}");
    let pool = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1", "KafkaNodePool", Some("kafka"), "c-brokers")
        .unwrap();
    assert_eq!(pool["status"]["nodeIds"], serde_json::json!([0, 1, 2]));
}

/// PersistentVolumeClaims of pool `brokers` of cluster `c`: name → (phase, class).
fn broker_claims(env: &crate::common::Env) -> BTreeMap<String, (String, String)> {
    env.fake
        .store()
        .list("v1", "PersistentVolumeClaim", Some("kafka"), None)
        .into_iter()
        .filter(|c| {
            c["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("data-c-c-brokers-"))
        })
        .map(|c| {
            (
                c["metadata"]["name"].as_str().unwrap().to_string(),
                (
                    c["status"]["phase"].as_str().unwrap_or_default().to_string(),
                    c["spec"]["storageClassName"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn update_fixing_a_wrong_storage_class_deletes_the_pending_claims_after_a_yes() {
    let env = env(StrimziRelease::V1_2_0).start();
    let first = run(
        &env,
        &[
            "create",
            "c",
            "--preset",
            "production",
            "--storage-class",
            "fast-ssd",
            "--skip-checks",
            "--no-wait",
        ],
    );
    assert!(first.status.success(), "{}", output_text(&first));
    let pending = env.fake.wait_until(Duration::from_secs(10), |_| {
        let claims = broker_claims(&env);
        claims.len() == 3
            && claims
                .values()
                .all(|(phase, class)| phase == "Pending" && class == "fast-ssd")
    });
    assert!(pending, "three Pending claims of fast-ssd: {:?}", broker_claims(&env));
    let uids = |env: &crate::common::Env| -> Vec<String> {
        env.fake
            .store()
            .list("v1", "PersistentVolumeClaim", Some("kafka"), None)
            .iter()
            .filter_map(|c| c["metadata"]["uid"].as_str().map(str::to_string))
            .collect()
    };
    let (state, claim_uids) = (strimzi_state(&env, "c"), uids(&env));

    env.fake.clear_requests();
    let out = run(&env, &["create", "c", "--update", "--storage-class", "standard"]);
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("delete the Pending claims data-c-c-brokers-0, data-c-c-brokers-1, data-c-c-brokers-2"),
        "{stderr}"
    );
    assert!(stderr.contains("hold no data") && stderr.contains("--yes"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(strimzi_state(&env, "c"), state);
    assert_eq!(uids(&env), claim_uids);

    let out = run(
        &env,
        &[
            "create",
            "c",
            "--update",
            "--storage-class",
            "standard",
            "--yes",
            "--timeout",
            "60s",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        outcome["deletedClaims"],
        serde_json::json!(["data-c-c-brokers-0", "data-c-c-brokers-1", "data-c-c-brokers-2"]),
        "{outcome:#}"
    );
    assert_eq!(outcome["cluster"]["ready"], true, "{outcome:#}");
    for (name, (phase, class)) in broker_claims(&env) {
        assert_eq!((phase.as_str(), class.as_str()), ("Bound", "standard"), "{name}");
    }
}

#[test]
fn update_to_another_storage_class_of_bound_claims_is_refused() {
    let env = env(StrimziRelease::V1_2_0)
        .storage_classes(&[("standard", true, true), ("fast-ssd", true, false)])
        .start();
    let first = run(&env, &["create", "c", "--preset", "production", "--timeout", "60s"]);
    assert!(first.status.success(), "{}", output_text(&first));
    let before = strimzi_state(&env, "c");
    env.fake.clear_requests();
    let out = run(
        &env,
        &["create", "c", "--update", "--storage-class", "fast-ssd", "--yes"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pools.brokers.storage.class")
            && stderr.contains("data-c-c-brokers-0, data-c-c-brokers-1, data-c-c-brokers-2 are bound"),
        "{stderr}"
    );
    assert!(stderr.contains("leave --storage-class out"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(strimzi_state(&env, "c"), before);
}
