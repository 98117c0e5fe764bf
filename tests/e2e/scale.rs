//! `kafkactl scale`, `restart` and `upgrade` against the fake API server with
//! the simulated operator, in both metadata modes: KRaft on Strimzi 1.2.0
//! (`production`, `dev`) and ZooKeeper on Strimzi 0.45.2 (`zookeeper-classic`).

use std::collections::BTreeMap;
use std::process::Output;
use std::time::{Duration, Instant};

use fake_kube::StrimziRelease;
use fake_kube::sim::SimConfig;
use serde_json::Value;

use crate::common::{Env, env, output_text};

const NS: &str = "kafka";

// ---- fixtures --------------------------------------------------------------

/// A fake cluster with cluster `c` created from `preset` (plus `flags`) and ready.
fn cluster(release: StrimziRelease, preset: &str, flags: &[&str]) -> Env {
    cluster_with(release, preset, flags, |s| s)
}

fn cluster_with(
    release: StrimziRelease,
    preset: &str,
    flags: &[&str],
    sim: impl FnOnce(SimConfig) -> SimConfig,
) -> Env {
    // Six nodes: room for five brokers under required anti-affinity after a scale-up.
    start_cluster(env(release).nodes(6).sim(sim).start(), preset, flags)
}

fn start_cluster(env: Env, preset: &str, flags: &[&str]) -> Env {
    let mut args = vec!["create", "c", "--preset", preset, "--timeout", "60s", "-q"];
    args.extend_from_slice(flags);
    let out = env.kafkactl().args(&args).output().unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    env
}

fn kafkactl(env: &Env, args: &[&str]) -> Output {
    env.kafkactl().args(args).args(["--timeout", "60s"]).output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", output_text(out)))
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stored_spec(env: &Env) -> Value {
    let kafka = env.kafka("c").expect("Kafka c");
    serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap()
}

/// The KafkaNodePool of cluster `c`'s pool `pool` (named `c-<pool>`).
fn node_pool(env: &Env, pool: &str) -> Value {
    env.fake
        .store()
        .get(env.kafka_api(), "KafkaNodePool", Some(NS), &format!("c-{pool}"))
        .unwrap_or_else(|| panic!("KafkaNodePool c-{pool}"))
}

/// Ready pods whose name starts with `prefix`, name → uid.
fn ready_pods(env: &Env, prefix: &str) -> BTreeMap<String, String> {
    env.fake
        .store()
        .list("v1", "Pod", Some(NS), None)
        .into_iter()
        // `c-kafka-` is a prefix of the exporter's pods too: only `<prefix><id>`.
        .filter(|p| {
            p["metadata"]["name"]
                .as_str()
                .and_then(|n| n.strip_prefix(prefix))
                .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        })
        .filter(|p| {
            p["status"]["conditions"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        })
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["metadata"]["uid"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn names(pods: &BTreeMap<String, String>) -> Vec<&str> {
    pods.keys().map(String::as_str).collect()
}

// ---- KRaft (Strimzi 1.2.0) -------------------------------------------------

#[test]
fn scale_up_adds_brokers_and_waits_until_they_are_ready() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "5", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome = json(&out);
    assert_eq!(outcome["result"], "scaled", "{outcome}");
    assert_eq!(outcome["addedBrokers"], serde_json::json!([3, 4]), "{outcome}");
    assert!(outcome["timings"]["readyMs"].as_u64() >= outcome["timings"]["appliedMs"].as_u64());
    // Ready when kafkactl returned, not eventually.
    assert_eq!(
        names(&ready_pods(&env, "c-c-brokers-")),
        [
            "c-c-brokers-0",
            "c-c-brokers-1",
            "c-c-brokers-2",
            "c-c-brokers-3",
            "c-c-brokers-4"
        ]
    );
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 5);
    assert_eq!(stored_spec(&env)["pools"]["brokers"]["replicas"], 5);
    assert_eq!(node_pool(&env, "controllers")["spec"]["replicas"], 3);
}

#[test]
fn scale_down_removes_the_highest_broker_ids() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &["--brokers", "5"]);
    // Removing brokers needs a yes (issue 21; it used to go through unasked).
    let out = kafkactl(&env, &["scale", "c", "--brokers", "3", "--yes", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(json(&out)["removedBrokers"], serde_json::json!([3, 4]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("brokers 3, 4 will be removed"), "{stderr}");
    assert!(
        stderr.contains("Strimzi refuses to remove brokers that still host partition replicas"),
        "{stderr}"
    );
    assert_eq!(
        names(&ready_pods(&env, "c-c-brokers-")),
        ["c-c-brokers-0", "c-c-brokers-1", "c-c-brokers-2"]
    );
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 3);
    assert_eq!(
        node_pool(&env, "brokers")["status"]["nodeIds"],
        serde_json::json!([0, 1, 2])
    );
    // The volumes of brokers 3 and 4 stay (deleteClaim: false), named with how to delete them.
    let outcome = json(&out);
    let kept: Vec<String> = serde_json::from_value(outcome["keptClaims"].clone()).unwrap();
    assert_eq!(kept.len(), 2, "{outcome}");
    assert!(
        kept.iter()
            .all(|c| c.ends_with("c-c-brokers-3") || c.ends_with("c-c-brokers-4")),
        "{kept:?}"
    );
    let store = env.fake.store();
    for claim in &kept {
        assert!(
            store.get("v1", "PersistentVolumeClaim", Some(NS), claim).is_some(),
            "{claim} is kept"
        );
    }
    assert!(
        outcome["nextSteps"][0]
            .as_str()
            .is_some_and(|s| s.contains(&format!("kubectl -n {NS} delete pvc"))),
        "{outcome}"
    );
}

/// A scale-up without --rebalance says that the new brokers hold no partitions yet.
#[test]
fn scale_up_without_rebalance_says_the_new_brokers_are_empty() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "4"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("next: brokers 3 hold no partitions yet") && stdout.contains("--rebalance"),
        "{stdout}"
    );
}

/// resourceVersion and generation of the Kafka CR and the KafkaNodePools of
/// cluster `c`: equal before and after a refusal means nothing was written.
fn strimzi_state(env: &Env) -> Vec<(Value, Value, Value)> {
    let store = env.fake.store();
    let mut objects = vec![env.kafka("c").expect("Kafka c")];
    objects.extend(store.list(env.kafka_api(), "KafkaNodePool", Some(NS), Some("strimzi.io/cluster=c")));
    objects
        .iter()
        .map(|o| {
            (
                o["metadata"]["name"].clone(),
                o["metadata"]["resourceVersion"].clone(),
                o["metadata"]["generation"].clone(),
            )
        })
        .collect()
}

/// Someone grows cluster `c`'s broker pool from 3 to 4 with `kubectl patch`, behind
/// kafkactl's back; returns once broker 3 runs.
fn grow_brokers_behind_kafkactls_back(env: &Env) {
    let patched = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(["-n", NS, "patch", "kafkanodepool", "c-brokers", "--type", "merge", "-p"])
        .arg(r#"{"spec":{"replicas":4}}"#)
        .status()
        .expect("kubectl runs (install Debian's kubernetes-client)");
    assert!(patched.success());
    let grown = env.fake.wait_until(Duration::from_secs(20), |_| {
        node_pool(env, "brokers")["status"]["nodeIds"] == serde_json::json!([0, 1, 2, 3])
            && ready_pods(env, "c-c-brokers-").len() == 4
    });
    assert!(grown, "the patched pool runs broker 3: {}", node_pool(env, "brokers"));
}

#[test]
fn scale_names_and_confirms_the_live_broker_a_kubectl_patch_added() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    grow_brokers_behind_kafkactls_back(&env);
    assert_eq!(stored_spec(&env)["pools"]["brokers"]["replicas"], 3);
    let before = strimzi_state(&env);

    // The stored spec already says 3: only the live pool tells that broker 3 goes.
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "3", "--force-conflicts"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("remove broker 3 from pool brokers of c"), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(strimzi_state(&env), before);
    assert_eq!(ready_pods(&env, "c-c-brokers-").len(), 4, "broker 3 still runs");

    let out = kafkactl(
        &env,
        &[
            "scale",
            "c",
            "--brokers",
            "3",
            "--force-conflicts",
            "--yes",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(json(&out)["removedBrokers"], serde_json::json!([3]));
    assert_eq!(
        names(&ready_pods(&env, "c-c-brokers-")),
        ["c-c-brokers-0", "c-c-brokers-1", "c-c-brokers-2"]
    );
}

/// `expose` and `monitor` apply the whole stored spec too: after a `kubectl patch` grew the
/// pool, they name the live broker the stored spec would remove and need a yes.
#[test]
fn expose_and_monitor_name_the_live_broker_a_kubectl_patch_added() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    grow_brokers_behind_kafkactls_back(&env);
    let before = strimzi_state(&env);
    for args in [&["expose", "c", "jmx"][..], &["monitor", "c", "uninstall"][..]] {
        env.fake.clear_requests();
        let out = kafkactl(&env, args);
        assert_eq!(code(&out), 4, "{args:?}: {}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("remove broker 3 from pool brokers of c"),
            "{args:?}: {stderr}"
        );
        assert!(
            env.fake.write_requests().is_empty(),
            "{args:?}: {:?}",
            env.fake.write_requests()
        );
        assert_eq!(strimzi_state(&env), before);
    }
    assert_eq!(ready_pods(&env, "c-c-brokers-").len(), 4, "broker 3 still runs");
}

#[test]
fn scale_below_replication_factor_is_refused() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "2"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("default.replication.factor"), "{stderr}");
    assert!(stderr.contains("Kafka cannot keep 3 replicas on 2 brokers"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "nothing written");
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 3);
}

#[test]
fn scale_down_below_a_topics_replicas_is_refused() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &["--brokers", "5"]);
    // The replication settings allow 3 brokers; a topic made with 4 replicas does not.
    env.fake
        .store()
        .put(serde_json::json!({
            "apiVersion": env.kafka_api(),
            "kind": "KafkaTopic",
            "metadata": {"name": "orders", "namespace": NS, "labels": {"strimzi.io/cluster": "c"}},
            "spec": {"partitions": 6, "replicas": 4},
        }))
        .unwrap();
    let before = strimzi_state(&env);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "3", "--yes"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("orders (4)"), "{stderr}");
    assert!(stderr.contains("keep at least 4 brokers"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(strimzi_state(&env), before);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "4", "--yes"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 4);
}

#[test]
fn scale_down_to_min_insync_replicas_is_refused() {
    let env = cluster(
        StrimziRelease::V1_2_0,
        "production",
        &["--brokers", "5", "--config", "min.insync.replicas=3"],
    );
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "3"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("min.insync.replicas is 3"), "{stderr}");
    assert!(stderr.contains("keep at least 4 brokers"), "{stderr}");
    assert!(
        !stderr.contains("default.replication.factor"),
        "only the broken setting: {stderr}"
    );
    assert!(env.fake.write_requests().is_empty(), "nothing written");
}

#[test]
fn vertical_change_reaches_the_stored_spec_and_the_node_pool() {
    let env = cluster(StrimziRelease::V1_2_0, "dev", &[]);
    let before = ready_pods(&env, "c-c-dual-");
    let out = kafkactl(&env, &["scale", "c", "--cpu", "2", "--memory", "2Gi", "--heap", "1g"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("pools.dual.resources.limits.memory: 1Gi → 2Gi"),
        "{stdout}"
    );
    let pool = node_pool(&env, "dual");
    assert_eq!(pool["spec"]["resources"]["limits"]["memory"], "2Gi");
    assert_eq!(pool["spec"]["resources"]["requests"]["cpu"], "2");
    assert_eq!(pool["spec"]["jvmOptions"]["-Xmx"], "1g");
    let spec = stored_spec(&env);
    assert_eq!(spec["pools"]["dual"]["resources"]["limits"]["cpu"], "2");
    assert_eq!(spec["pools"]["dual"]["jvm"]["xms"], "1g");
    let after = ready_pods(&env, "c-c-dual-");
    assert_eq!(names(&after), names(&before));
    assert_ne!(
        after, before,
        "the rolling restart recreated the pod before kafkactl returned"
    );
}

#[test]
fn storage_grows_on_a_class_that_allows_expansion() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    let out = kafkactl(&env, &["scale", "c", "--storage-size", "200Gi"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(node_pool(&env, "brokers")["spec"]["storage"]["size"], "200Gi");
    assert_eq!(node_pool(&env, "controllers")["spec"]["storage"]["size"], "20Gi");
    assert_eq!(stored_spec(&env)["pools"]["brokers"]["storage"]["size"], "200Gi");
    let grown = env.fake.wait_until(Duration::from_secs(10), |s| {
        s.get("v1", "PersistentVolumeClaim", Some(NS), "data-c-c-brokers-0")
            .is_some_and(|pvc| pvc["spec"]["resources"]["requests"]["storage"] == "200Gi")
    });
    assert!(grown, "Strimzi resized the claims");
}

#[test]
fn storage_growth_reaches_every_jbod_volume_and_its_claims() {
    let dir = tempfile::tempdir().unwrap();
    let preset = dir.path().join("jbod.yaml");
    std::fs::write(
        &preset,
        "pools:\n  controllers:\n    roles: [controller]\n    replicas: 3\n    storage: { type: persistent-claim, size: 20Gi }\n  \
         brokers:\n    roles: [broker]\n    replicas: 3\n    storage:\n      type: jbod\n      volumes:\n        \
         - { id: 0, size: 100Gi }\n        - { id: 1, size: 100Gi }\nlisteners:\n  plain: { port: 9092, type: internal }\n",
    )
    .unwrap();
    let env = start_cluster(
        env(StrimziRelease::V1_2_0).nodes(6).start(),
        preset.to_str().unwrap(),
        &[],
    );
    let out = kafkactl(&env, &["scale", "c", "--storage-size", "200Gi", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let volumes = node_pool(&env, "brokers")["spec"]["storage"]["volumes"].clone();
    let sizes: Vec<&str> = volumes
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["size"].as_str().unwrap())
        .collect();
    assert_eq!(sizes, ["200Gi", "200Gi"], "{volumes:#}");
    assert_eq!(node_pool(&env, "controllers")["spec"]["storage"]["size"], "20Gi");
    let stored = stored_spec(&env);
    assert_eq!(stored["pools"]["brokers"]["storage"]["volumes"][1]["size"], "200Gi");
    let grown = env.fake.wait_until(Duration::from_secs(10), |s| {
        ["data-0-c-c-brokers-0", "data-1-c-c-brokers-2"].iter().all(|claim| {
            s.get("v1", "PersistentVolumeClaim", Some(NS), claim)
                .is_some_and(|pvc| pvc["spec"]["resources"]["requests"]["storage"] == "200Gi")
        })
    });
    assert!(grown, "Strimzi resized the claims of both volumes");
    // Shrinking one JBOD volume back is refused like a single claim.
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--storage-size", "150Gi"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(env.fake.write_requests().is_empty());
}

#[test]
fn storage_shrink_is_refused() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--storage-size", "50Gi"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot shrink pools.brokers.storage from 100Gi to 50Gi"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty());
}

#[test]
fn the_preflight_refuses_a_size_the_nodes_cannot_hold_and_skip_checks_applies_anyway() {
    // Three nodes; production brokers need one node each (required anti-affinity).
    let env = start_cluster(env(StrimziRelease::V1_2_0).start(), "production", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "5"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nodes for pool brokers: 5 replicas need 5 nodes"),
        "{stderr}"
    );
    assert!(stderr.contains("--skip-checks"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 3);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "5", "--skip-checks", "--no-wait"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 5);
}

#[test]
fn storage_growth_on_a_class_without_expansion_is_refused() {
    let env = start_cluster(
        env(StrimziRelease::V1_2_0)
            .storage_classes(&[("standard", false, true)])
            .start(),
        "production",
        &[],
    );
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--storage-size", "200Gi"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("StorageClass \"standard\" does not allow volume expansion"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty());
    assert_eq!(node_pool(&env, "brokers")["spec"]["storage"]["size"], "100Gi");
}

#[test]
fn strimzi_refusing_to_remove_brokers_is_surfaced_without_waiting_and_the_size_restored() {
    let env = cluster_with(StrimziRelease::V1_2_0, "production", &["--brokers", "5"], |s| {
        s.brokers_host_partitions(true)
    });
    let started = Instant::now();
    let out = env
        .kafkactl()
        .args(["scale", "c", "--brokers", "3", "--yes", "--timeout", "120s"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "it did not wait for the timeout"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Cannot scale down brokers [3, 4] because brokers [3, 4] are not empty"),
        "{stderr}"
    );
    assert!(stderr.contains("--rebalance"), "{stderr}");
    assert_eq!(
        node_pool(&env, "brokers")["spec"]["replicas"],
        5,
        "the old size is back"
    );
    assert_eq!(stored_spec(&env)["pools"]["brokers"]["replicas"], 5);
    assert_eq!(ready_pods(&env, "c-c-brokers-").len(), 5);
}

#[test]
fn rebalance_empties_the_brokers_before_they_are_removed() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &["--brokers", "5"]);
    env.fake.clear_requests();
    let out = kafkactl(
        &env,
        &["scale", "c", "--brokers", "3", "--rebalance", "--yes", "-o", "json"],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome = json(&out);
    let run = &outcome["rebalances"][0];
    assert_eq!(run["mode"], "remove-brokers", "{outcome}");
    assert_eq!(run["brokers"], serde_json::json!([3, 4]));
    assert_eq!(
        run["proposal"]["replicaMovements"], 24,
        "the proposal summary: {outcome}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("proposal: 24 replica movements"), "{stderr}");
    // Cruise Control is on, and stays on in the stored spec.
    assert_eq!(env.kafka("c").unwrap()["spec"]["cruiseControl"], serde_json::json!({}));
    assert_eq!(stored_spec(&env)["cruiseControl"]["enabled"], true);
    // Order: the rebalance was created and approved before the pool shrank.
    let writes = env.fake.write_requests();
    let position = |pred: &dyn Fn(&fake_kube::faults::RecordedRequest) -> bool| {
        writes.iter().position(pred).unwrap_or_else(|| panic!("{writes:#?}"))
    };
    let created =
        position(&|w| w.path.ends_with("/kafkarebalances/c-remove-brokers") && w.body.contains("remove-brokers"));
    let approved = position(&|w| w.path.ends_with("/kafkarebalances/c-remove-brokers") && w.body.contains("approve"));
    let shrunk = position(&|w| w.path.ends_with("/kafkanodepools/c-brokers") && w.body.contains("\"replicas\":3"));
    assert!(
        created < approved && approved < shrunk,
        "{created} < {approved} < {shrunk}"
    );
    assert!(
        env.fake
            .store()
            .get(env.kafka_api(), "KafkaRebalance", Some(NS), "c-remove-brokers")
            .is_none(),
        "the finished KafkaRebalance is removed"
    );
    assert_eq!(ready_pods(&env, "c-c-brokers-").len(), 3);
}

#[test]
fn rebalance_after_scale_up_moves_partitions_onto_the_new_brokers() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "4", "--rebalance", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome = json(&out);
    assert_eq!(outcome["rebalances"][0]["mode"], "add-brokers", "{outcome}");
    assert_eq!(outcome["rebalances"][0]["brokers"], serde_json::json!([3]));
    assert_eq!(ready_pods(&env, "c-c-brokers-").len(), 4);
}

#[test]
fn skip_scaledown_check_needs_a_confirmation() {
    let env = cluster_with(StrimziRelease::V1_2_0, "production", &["--brokers", "4"], |s| {
        s.brokers_host_partitions(true)
    });
    env.fake.clear_requests();
    let out = kafkactl(
        &env,
        &["scale", "c", "--brokers", "3", "--skip-scaledown-check", "--no-input"],
    );
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--yes"),
        "{}",
        output_text(&out)
    );
    assert!(
        env.fake.write_requests().is_empty(),
        "nothing written without the confirmation"
    );

    let out = kafkactl(
        &env,
        &["scale", "c", "--brokers", "3", "--skip-scaledown-check", "--yes"],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        names(&ready_pods(&env, "c-c-brokers-")),
        ["c-c-brokers-0", "c-c-brokers-1", "c-c-brokers-2"]
    );
    let kafka = env.kafka("c").unwrap();
    assert!(
        kafka["metadata"]["annotations"]
            .get("strimzi.io/skip-broker-scaledown-check")
            .is_none(),
        "the annotation is taken off again: {}",
        kafka["metadata"]["annotations"]
    );
}

#[test]
fn dry_run_shows_the_node_pool_diff_and_changes_nothing() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "5", "--memory", "16Gi", "--dry-run"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("--- a/KafkaNodePool/c-brokers\n+++ b/KafkaNodePool/c-brokers"),
        "{stdout}"
    );
    assert!(stdout.contains("-  replicas: 3\n+  replicas: 5"), "{stdout}");
    assert!(stdout.contains("+      memory: 16Gi"), "{stdout}");
    assert!(
        !stdout.contains("KafkaNodePool/controllers"),
        "unchanged objects are left out: {stdout}"
    );
    assert!(env.fake.write_requests().is_empty(), "a dry run writes nothing");
    assert_eq!(node_pool(&env, "brokers")["spec"]["replicas"], 3);
}

#[test]
fn scale_with_no_wait_returns_after_applying() {
    let env = cluster(StrimziRelease::V1_2_0, "dev", &[]);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "2", "--no-wait", "-o", "yaml"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("result: applied"), "{stdout}");
    assert_eq!(node_pool(&env, "dual")["spec"]["replicas"], 2);
}

#[test]
fn restart_waits_until_every_pod_has_a_new_uid() {
    let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
    let brokers = ready_pods(&env, "c-c-brokers-");
    let controllers = ready_pods(&env, "c-c-controllers-");
    let out = kafkactl(&env, &["restart", "c", "--pool", "brokers", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        json(&out)["annotated"],
        serde_json::json!(["StrimziPodSet/c-c-brokers"])
    );
    let after = ready_pods(&env, "c-c-brokers-");
    assert_eq!(names(&after), names(&brokers));
    for (name, uid) in &after {
        assert_ne!(uid, &brokers[name], "{name} was recreated before kafkactl returned");
    }
    assert_eq!(
        ready_pods(&env, "c-c-controllers-"),
        controllers,
        "other pools untouched"
    );

    let before = ready_pods(&env, "c-c-brokers-");
    let out = kafkactl(&env, &["restart", "c", "--broker", "1"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let after = ready_pods(&env, "c-c-brokers-");
    assert_ne!(after["c-c-brokers-1"], before["c-c-brokers-1"]);
    assert_eq!(after["c-c-brokers-0"], before["c-c-brokers-0"]);
    assert_eq!(after["c-c-brokers-2"], before["c-c-brokers-2"]);

    let out = kafkactl(&env, &["restart", "c", "--broker", "42"]);
    assert_eq!(code(&out), 3, "{}", output_text(&out));
    let out = kafkactl(&env, &["restart", "c", "--zookeeper"]);
    assert_eq!(code(&out), 2, "KRaft has no ZooKeeper: {}", output_text(&out));
}

#[test]
fn upgrade_to_a_supported_version_rolls_every_node_then_moves_the_metadata_version() {
    let env = cluster(StrimziRelease::V1_2_0, "dev", &["--kafka-version", "4.2.1"]);
    let before = ready_pods(&env, "c-c-dual-");
    env.fake.clear_requests();
    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "4.3.1", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome = json(&out);
    assert_eq!(outcome["result"], "upgraded", "{outcome}");
    assert_eq!(outcome["steps"].as_array().unwrap().len(), 2, "{outcome}");
    let kafka = env.kafka("c").unwrap();
    assert_eq!(kafka["status"]["kafkaVersion"], "4.3.1");
    assert_eq!(kafka["spec"]["kafka"]["version"], "4.3.1");
    assert!(
        kafka["spec"]["kafka"].get("metadataVersion").is_none(),
        "follows the version again"
    );
    let after = ready_pods(&env, "c-c-dual-");
    assert_ne!(after["c-c-dual-0"], before["c-c-dual-0"], "the node was recreated");
    assert_eq!(stored_spec(&env)["kafkaVersion"], "4.3.1");
    // Step 1 pinned the metadata version to the running one while the nodes rolled.
    let pinned = env.fake.write_requests().into_iter().any(|w| {
        w.path.ends_with("/kafkas/c")
            && w.body.contains("\"version\":\"4.3.1\"")
            && w.body.contains("\"metadataVersion\":\"4.2-IV0\"")
    });
    assert!(pinned, "the first step kept the metadata version");
}

#[test]
fn upgrade_to_an_unsupported_version_is_refused_naming_the_supported_ones() {
    let env = cluster(StrimziRelease::V1_2_0, "dev", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "4.9.0"]);
    assert_eq!(code(&out), 2, "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Kafka 4.9.0 is not supported"), "{stderr}");
    assert!(stderr.contains("4.2.0, 4.2.1, 4.3.0, 4.3.1"), "{stderr}");
    assert!(env.fake.write_requests().is_empty());
}

#[test]
fn downgrade_is_refused_without_allow_downgrade_and_a_confirmation() {
    let env = cluster(StrimziRelease::V1_2_0, "dev", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "4.3.0"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-downgrade"));
    let out = kafkactl(
        &env,
        &[
            "upgrade",
            "c",
            "--kafka-version",
            "4.3.0",
            "--allow-downgrade",
            "--no-input",
        ],
    );
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert!(env.fake.write_requests().is_empty());
    let out = kafkactl(
        &env,
        &["upgrade", "c", "--kafka-version", "4.2.1", "--allow-downgrade", "--yes"],
    );
    assert_eq!(
        code(&out),
        4,
        "4.3 metadata cannot go back to 4.2: {}",
        output_text(&out)
    );
}

#[test]
fn upgrade_dry_run_shows_both_steps() {
    let env = cluster(StrimziRelease::V1_2_0, "dev", &["--kafka-version", "4.2.1"]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "4.3.1", "--dry-run"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("# step 1"), "{stdout}");
    assert!(
        stdout.contains("-    version: \"4.2.1\"\n+    version: \"4.3.1\""),
        "{stdout}"
    );
    assert!(stdout.contains("+    metadataVersion: 4.2-IV0"), "{stdout}");
    assert!(stdout.contains("# step 2"), "{stdout}");
    assert!(env.fake.write_requests().is_empty());
}

// ---- ZooKeeper mode (Strimzi 0.45.2) -------------------------------------

#[test]
fn zookeeper_mode_scales_spec_kafka_replicas_up_and_down() {
    let env = cluster(StrimziRelease::V0_45_2, "zookeeper-classic", &[]);
    let out = kafkactl(&env, &["scale", "c", "--brokers", "4"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(env.kafka("c").unwrap()["spec"]["kafka"]["replicas"], 4);
    assert_eq!(
        ready_pods(&env, "c-kafka-").len(),
        4,
        "{:?}",
        ready_pods(&env, "c-kafka-")
    );
    let out = kafkactl(&env, &["scale", "c", "--brokers", "3", "--yes", "-o", "json"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(json(&out)["removedBrokers"], serde_json::json!([3]));
    assert_eq!(
        names(&ready_pods(&env, "c-kafka-")),
        ["c-kafka-0", "c-kafka-1", "c-kafka-2"]
    );
    assert_eq!(stored_spec(&env)["pools"]["kafka"]["replicas"], 3);
}

#[test]
fn zookeeper_mode_refusals_and_strimzis_refusal() {
    let env = cluster_with(StrimziRelease::V0_45_2, "zookeeper-classic", &[], |s| {
        s.brokers_host_partitions(true)
    });
    // RF 2: one broker is not enough.
    let out = kafkactl(&env, &["scale", "c", "--brokers", "1"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("default.replication.factor is 2"));
    // KRaft flags make no sense here.
    let out = kafkactl(&env, &["scale", "c", "--controllers", "3"]);
    assert_eq!(code(&out), 2, "{}", output_text(&out));
    // Strimzi will not remove broker 2 while it hosts partitions.
    let out = kafkactl(&env, &["scale", "c", "--brokers", "2", "--yes"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Cannot scale down brokers [2]"),
        "{}",
        output_text(&out)
    );
    assert_eq!(env.kafka("c").unwrap()["spec"]["kafka"]["replicas"], 3);
}

#[test]
fn zookeeper_mode_even_ensemble_warns_and_storage_grows() {
    let env = cluster(StrimziRelease::V0_45_2, "zookeeper-classic", &[]);
    let out = kafkactl(&env, &["scale", "c", "--zookeepers", "4", "--storage-size", "150Gi"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4 ZooKeeper nodes tolerate 1 failure"), "{stderr}");
    let kafka = env.kafka("c").unwrap();
    assert_eq!(kafka["spec"]["zookeeper"]["replicas"], 4);
    assert_eq!(kafka["spec"]["kafka"]["storage"]["size"], "150Gi");
    assert_eq!(ready_pods(&env, "c-zookeeper-").len(), 4);
    let out = kafkactl(&env, &["scale", "c", "--storage-size", "100Gi"]);
    assert_eq!(code(&out), 4, "shrinking back is refused: {}", output_text(&out));
}

#[test]
fn zookeeper_mode_restart_and_upgrade() {
    let env = cluster(
        StrimziRelease::V0_45_2,
        "zookeeper-classic",
        &["--kafka-version", "3.9.1"],
    );
    let zookeepers = ready_pods(&env, "c-zookeeper-");
    let brokers = ready_pods(&env, "c-kafka-");
    let out = kafkactl(&env, &["restart", "c", "--zookeeper"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let after = ready_pods(&env, "c-zookeeper-");
    assert!(
        zookeepers.iter().all(|(n, uid)| after[n] != *uid),
        "every ZooKeeper pod recreated"
    );
    assert_eq!(ready_pods(&env, "c-kafka-"), brokers, "brokers untouched");

    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "3.9.2"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let kafka = env.kafka("c").unwrap();
    assert_eq!(kafka["status"]["kafkaVersion"], "3.9.2");
    let after = ready_pods(&env, "c-kafka-");
    assert!(
        brokers.iter().all(|(n, uid)| after[n] != *uid),
        "every broker recreated"
    );
    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "4.3.1"]);
    assert_eq!(
        code(&out),
        2,
        "Strimzi 0.45 does not run Kafka 4: {}",
        output_text(&out)
    );
}

// ---- benchmark ---------------------------------------------------------------

/// Figures, not a pass/fail test: `cargo test --test e2e scale::benchmark -- --ignored --nocapture`.
#[test]
#[ignore]
fn benchmark_scale_3_to_5() {
    let mut rows = Vec::new();
    for round in 0..5 {
        let env = cluster(StrimziRelease::V1_2_0, "production", &[]);
        let started = Instant::now();
        let out = kafkactl(&env, &["scale", "c", "--brokers", "5", "-o", "json", "-q"]);
        let wall = started.elapsed();
        assert!(out.status.success(), "{}", output_text(&out));
        let t = &json(&out)["timings"];
        rows.push((
            round,
            t["appliedMs"].as_u64().unwrap(),
            t["readyMs"].as_u64().unwrap(),
            wall,
        ));
    }
    println!("scale 3 → 5 (production, Strimzi 1.2.0 sim, fast delays)");
    println!("round  applied  new brokers ready  process wall time");
    for (round, applied, ready, wall) in &rows {
        println!(
            "{round:>5}  {applied:>5} ms  {ready:>14} ms  {:>14} ms",
            wall.as_millis()
        );
    }
    let median = |mut v: Vec<u64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    println!(
        "median: applied {} ms, ready {} ms",
        median(rows.iter().map(|r| r.1).collect()),
        median(rows.iter().map(|r| r.2).collect())
    );
}

/// `--dry-run` runs the preflight too (reads only): a size the cluster cannot run is refused
/// as the real run would refuse it, not shown as a clean diff.
#[test]
fn dry_run_runs_the_preflight_and_shows_its_refusal() {
    // Three nodes: a fourth broker under required anti-affinity has nowhere to go.
    let env = start_cluster(env(StrimziRelease::V1_2_0).nodes(3).start(), "production", &[]);
    env.fake.clear_requests();
    let out = kafkactl(&env, &["scale", "c", "--brokers", "4", "--dry-run"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let text = output_text(&out);
    assert!(text.contains("nodes for pool brokers"), "{text}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    let fits = kafkactl(&env, &["scale", "c", "--memory", "9Gi", "--dry-run"]);
    assert!(fits.status.success(), "{}", output_text(&fits));
}
