//! The one wait policy, for each of kafkactl's five waits (cluster ready,
//! operator ready, rollouts, pods gone, KafkaRebalance): a 403 on its watch
//! ends it at once naming verb and resource, a silent API server ends it with
//! "lost contact" long before --timeout, a flapping watch still reaches the
//! right end; and a failing watch is retried with backoff, not in a tight loop.

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use fake_kube::faults::FailWith;
use fake_kube::sim::{Sim, SimConfig};
use fake_kube::{FakeCluster, NodeConfig, StrimziRelease};
use serde_json::json;

use crate::common::{Env, env, output_text};

const NS: &str = "kafka";

/// Every wait here runs with this --timeout; the policy must end it long before.
const TIMEOUT: &str = "120s";

/// Well under TIMEOUT: a wait that ends by the policy ends within this.
const AT_ONCE: Duration = Duration::from_secs(30);

/// The lost-contact silence (10s) plus heartbeats and slack, still far below TIMEOUT.
const LOST_CONTACT_WITHIN: Duration = Duration::from_secs(45);

// ---- fixtures --------------------------------------------------------------

/// A fake cluster with `c1` created from `preset` (plus `flags`) and ready.
fn cluster(preset: &str, flags: &[&str], sim: impl FnOnce(SimConfig) -> SimConfig) -> Env {
    let env = env(StrimziRelease::V1_2_0).nodes(6).sim(sim).start();
    let mut args = vec!["create", "c1", "--preset", preset, "--timeout", "90s", "-q"];
    args.extend_from_slice(flags);
    let out = env.kafkactl().args(&args).output().unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    env
}

/// A fake cluster without Strimzi (no CRDs, no operator), for `operator install`.
fn empty_cluster(sim: SimConfig) -> Env {
    let sim = Sim::new(sim);
    let mut builder = FakeCluster::builder().with_controller(sim.controller());
    for _ in 0..3 {
        builder = builder.node(NodeConfig {
            cpu: "8".into(),
            memory: "32Gi".into(),
            ..NodeConfig::default()
        });
    }
    let fake = builder.storage_class("standard", true, true).start();
    Env { fake, sim }
}

fn bundle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/strimzi/1.2.0/install/cluster-operator")
}

fn install_args() -> Vec<String> {
    ["operator", "install", "--from"]
        .iter()
        .map(|s| s.to_string())
        .chain([bundle_dir().display().to_string()])
        .collect()
}

/// kafkactl with --timeout TIMEOUT, run to its end.
fn run(env: &Env, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = env
        .kafkactl()
        .args(args)
        .args(["--timeout", TIMEOUT])
        .env("XDG_CACHE_HOME", env.fake.kubeconfig_path().parent().unwrap())
        .output()
        .unwrap();
    (out, started.elapsed())
}

/// kafkactl started in the background with --timeout TIMEOUT, output piped.
fn spawn(env: &Env, args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("kafkactl"))
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(args)
        .args(["--timeout", TIMEOUT])
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", env.fake.kubeconfig_path().parent().unwrap())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Until a request matching `seen` is in the fake's log.
fn until_requested(env: &Env, what: &str, seen: impl Fn(&fake_kube::faults::RecordedRequest) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !env.fake.requests().iter().any(&seen) {
        assert!(Instant::now() < deadline, "kafkactl never got to {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Until kafkactl has opened a watch on a path ending with `suffix` (it is waiting).
fn until_watching(env: &Env, suffix: &str) {
    until_requested(env, &format!("watch {suffix}"), |r| {
        r.query.get("watch").is_some_and(|w| w == "true") && r.path.ends_with(suffix)
    });
}

/// The end of a spawned kafkactl and how long it took from now.
fn finish(child: Child) -> (Output, Duration) {
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    (out, started.elapsed())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit 1 at once, naming verb and resource (and the namespace when there is one).
fn assert_forbidden(out: &Output, took: Duration, verb: &str, resource: &str, namespace: Option<&str>) {
    assert_eq!(out.status.code(), Some(1), "{}", output_text(out));
    assert!(took < AT_ONCE, "ended at once, not after --timeout: {took:?}");
    let stderr = stderr(out);
    let named = match namespace {
        Some(ns) => format!("cannot {verb} {resource} in namespace {ns}"),
        None => format!("cannot {verb} {resource}"),
    };
    assert!(stderr.contains(&named), "{named:?} in {stderr}");
    assert!(stderr.contains("forbidden"), "the API server's words: {stderr}");
    assert!(stderr.contains(&format!("kubectl auth can-i {verb}")), "{stderr}");
}

/// Exit 1 with "lost contact" from the heartbeat, long before --timeout.
fn assert_lost_contact(out: &Output, took: Duration) {
    assert_eq!(out.status.code(), Some(1), "{}", output_text(out));
    assert!(took < LOST_CONTACT_WITHIN, "{took:?}");
    let stderr = stderr(out);
    assert!(
        stderr.contains("lost contact with the API server") && stderr.contains("no answer to GET /version for 10s"),
        "{stderr}"
    );
    assert!(stderr.contains("converges"), "{stderr}");
}

/// Pod name → uid of the cluster's broker-and-controller pods.
fn node_pods(env: &Env) -> std::collections::BTreeMap<String, String> {
    env.fake
        .store()
        .list("v1", "Pod", Some(NS), Some("strimzi.io/cluster=c1"))
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["strimzi.io/pool-name"].is_string())
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["metadata"]["uid"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A pod labelled for `c1` that nothing owns: deleting the cluster leaves it,
/// so the wait for the cluster's pods to go lasts until it is removed.
fn stray_pod(env: &Env) {
    env.fake
        .store()
        .put(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "c1-stray", "namespace": NS, "labels": {"strimzi.io/cluster": "c1"}},
            "spec": {"containers": [{"name": "sleep", "image": "busybox"}]},
        }))
        .unwrap();
}

fn remove_stray_pod(env: &Env) {
    env.fake.store().delete("v1", "Pod", Some(NS), "c1-stray").unwrap();
}

/// Strimzi stops working on `c1` (a NotReady it does not recover from by itself):
/// a rollout asked for now never happens.
fn stall_strimzi(env: &Env) {
    env.sim
        .fail_kafka(NS, "c1", "TimeoutException", "the operation timed out (injected)");
}

// ---- cluster readiness (create, scale, changes) ---------------------------

#[test]
fn cluster_wait_a_forbidden_watch_ends_at_once_naming_verb_and_resource() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().forbid("watch", "pods");
    let (out, took) = run(&env, &["create", "c1", "--preset", "dev", "--skip-checks"]);
    assert_forbidden(&out, took, "watch", "pods", Some(NS));
    assert!(stderr(&out).contains("--no-wait skips waiting"), "{}", stderr(&out));
    assert!(env.kafka("c1").is_some(), "the objects stay applied");
}

#[test]
fn cluster_wait_a_silent_api_server_is_lost_contact() {
    // The volumes never bind (no such StorageClass): only silence can end the wait.
    let env = env(StrimziRelease::V1_2_0).start();
    let child = spawn(
        &env,
        &[
            "create",
            "c1",
            "--preset",
            "production",
            "--storage-class",
            "missing",
            "--skip-checks",
        ],
    );
    until_watching(&env, "/kafkas");
    env.fake.faults().partition();
    let (out, took) = finish(child);
    assert_lost_contact(&out, took);
}

#[test]
fn cluster_wait_a_flapping_watch_still_sees_the_cluster_ready() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().close_watches_after(Some(1));
    let (out, _) = run(&env, &["create", "c1", "--preset", "dev"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let kafka = env.kafka("c1").unwrap();
    assert!(
        kafka["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True"),
        "{kafka}"
    );
}

// ---- rollouts (restart, upgrade) -------------------------------------------

#[test]
fn rollout_wait_a_forbidden_watch_ends_a_restart_at_once_naming_verb_and_resource() {
    let env = cluster("dev", &[], |s| s);
    env.fake.faults().forbid("watch", "pods");
    let (out, took) = run(&env, &["restart", "c1"]);
    assert_forbidden(&out, took, "watch", "pods", Some(NS));
}

#[test]
fn rollout_wait_a_forbidden_watch_ends_an_upgrade_at_once_naming_verb_and_resource() {
    let env = cluster("dev", &["--kafka-version", "4.2.1"], |s| s);
    env.fake.faults().forbid("watch", "pods");
    let (out, took) = run(&env, &["upgrade", "c1", "--kafka-version", "4.3.1", "--yes"]);
    assert_forbidden(&out, took, "watch", "pods", Some(NS));
}

#[test]
fn rollout_wait_a_silent_api_server_is_lost_contact() {
    let env = cluster("dev", &[], |s| s);
    stall_strimzi(&env);
    env.fake.clear_requests();
    let child = spawn(&env, &["restart", "c1"]);
    until_watching(&env, "/pods");
    env.fake.faults().partition();
    let (out, took) = finish(child);
    assert_lost_contact(&out, took);
}

#[test]
fn rollout_wait_a_flapping_watch_still_sees_every_pod_recreated() {
    let env = cluster("dev", &[], |s| s);
    let before = node_pods(&env);
    assert!(!before.is_empty());
    env.fake.faults().close_watches_after(Some(1));
    let (out, _) = run(&env, &["restart", "c1"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let after = node_pods(&env);
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
    for (name, uid) in &after {
        assert_ne!(uid, &before[name], "{name} was recreated before kafkactl returned");
    }
}

// ---- operator ready (operator install) -------------------------------------

#[test]
fn operator_wait_a_forbidden_watch_ends_at_once_naming_verb_and_resource() {
    // The operator takes a while to get ready: the wait cannot end with its first list.
    let env = empty_cluster(SimConfig::fast().readiness_delay(Duration::from_secs(5)));
    env.fake.faults().forbid("watch", "customresourcedefinitions");
    let args = install_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, took) = run(&env, &args);
    assert_forbidden(
        &out,
        took,
        "watch",
        "customresourcedefinitions.apiextensions.k8s.io",
        None,
    );
}

#[test]
fn operator_wait_a_silent_api_server_is_lost_contact() {
    // The operator's image never pulls: only silence can end the wait.
    let env = empty_cluster(SimConfig::fast().image_pull_failure("operator"));
    let args = install_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = spawn(&env, &args);
    until_watching(&env, "/deployments");
    env.fake.faults().partition();
    let (out, took) = finish(child);
    assert_lost_contact(&out, took);
}

#[test]
fn operator_wait_a_flapping_watch_still_sees_the_operator_ready() {
    let env = empty_cluster(SimConfig::fast());
    env.fake.faults().close_watches_after(Some(1));
    let args = install_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, _) = run(&env, &args);
    assert!(out.status.success(), "{}", output_text(&out));
    let deployment = env
        .fake
        .store()
        .get("apps/v1", "Deployment", Some(NS), "strimzi-cluster-operator")
        .expect("the operator Deployment");
    assert!(
        deployment["status"]["availableReplicas"].as_i64() >= Some(1),
        "{deployment}"
    );
}

// ---- pods gone (delete) ----------------------------------------------------

#[test]
fn pods_gone_wait_a_forbidden_watch_ends_at_once_naming_verb_and_resource() {
    let env = cluster("dev", &[], |s| s);
    // A pod that stays: the wait cannot end with its first list, it watches.
    stray_pod(&env);
    env.fake.faults().forbid("watch", "pods");
    let (out, took) = run(&env, &["delete", "c1", "--yes"]);
    assert_forbidden(&out, took, "watch", "pods", Some(NS));
    assert!(env.kafka("c1").is_none(), "the cluster was deleted before the wait");
}

#[test]
fn pods_gone_wait_a_silent_api_server_is_lost_contact() {
    let env = cluster("dev", &[], |s| s);
    stray_pod(&env);
    env.fake.clear_requests();
    let child = spawn(&env, &["delete", "c1", "--yes"]);
    until_watching(&env, "/pods");
    env.fake.faults().partition();
    let (out, took) = finish(child);
    assert_lost_contact(&out, took);
    assert!(
        stderr(&out).contains("what was deleted stays deleted"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pods_gone_wait_a_flapping_watch_still_sees_every_pod_go() {
    let env = cluster("dev", &[], |s| s);
    env.fake.faults().close_watches_after(Some(1));
    let (out, _) = run(&env, &["delete", "c1", "--yes"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(node_pods(&env).is_empty(), "{:?}", node_pods(&env));
}

#[test]
fn deleting_against_a_failing_api_server_retries_the_watch_with_backoff() {
    let env = cluster("dev", &[], |s| s);
    stray_pod(&env);
    env.fake.clear_requests();
    let child = spawn(&env, &["delete", "c1", "--yes"]);
    until_watching(&env, "/pods");
    // From now on every read of pods fails (500: kube's client layer retries
    // 503s by itself, honouring Retry-After, but not these), and the open watch is dropped
    // (closed after its next event, which touching the stray pod causes).
    env.fake.faults().fail_next_matching(
        1_000_000,
        FailWith::InternalError,
        Some("GET"),
        Some("/namespaces/kafka/pods"),
    );
    env.fake.faults().close_watches_after(Some(0));
    env.fake
        .store()
        .merge_patch(
            "v1",
            "Pod",
            Some(NS),
            "c1-stray",
            json!({"metadata": {"annotations": {"touched": "1"}}}),
        )
        .unwrap();
    std::thread::sleep(Duration::from_secs(6));
    let failed = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 500 && r.path.ends_with("/namespaces/kafka/pods"))
        .count();
    // Exponential backoff from 0.8s: a handful of tries in 6s. Without it: hundreds.
    assert!((1..=12).contains(&failed), "{failed} failed requests for pods in 6s");
    // The server recovers and the last pod goes: the delete ends well.
    env.fake.faults().clear();
    remove_stray_pod(&env);
    let (out, _) = finish(child);
    assert!(out.status.success(), "{}", output_text(&out));
}

// ---- KafkaRebalance (scale --rebalance) ------------------------------------

#[test]
fn rebalance_wait_a_forbidden_watch_ends_at_once_naming_verb_and_resource() {
    // Strimzi takes 5 × 2s to run an approved rebalance: the wait for Ready
    // cannot end with its first list, it watches.
    let env = cluster("production", &[], |s| s.operator_delay(Duration::from_secs(2)));
    env.fake.faults().forbid("watch", "kafkarebalances");
    let (out, took) = run(&env, &["scale", "c1", "--brokers", "4", "--rebalance", "--yes"]);
    assert_forbidden(&out, took, "watch", "kafkarebalances.kafka.strimzi.io", Some(NS));
}

#[test]
fn rebalance_wait_a_silent_api_server_is_lost_contact() {
    // Strimzi takes 5 × 2s to run an approved rebalance: time to cut kafkactl off.
    let env = cluster("production", &[], |s| s.operator_delay(Duration::from_secs(2)));
    env.fake.clear_requests();
    let child = spawn(&env, &["scale", "c1", "--brokers", "4", "--rebalance", "--yes"]);
    until_requested(&env, "approving the rebalance", |r| {
        r.method == "PATCH" && r.path.contains("/kafkarebalances/") && r.body.contains("approve")
    });
    env.fake.faults().partition();
    let (out, took) = finish(child);
    assert_lost_contact(&out, took);
    assert!(
        stderr(&out).contains("KafkaRebalance kafka/"),
        "last seen: {}",
        stderr(&out)
    );
}

#[test]
fn rebalance_wait_a_flapping_watch_still_sees_the_rebalance_done() {
    let env = cluster("production", &[], |s| s);
    env.fake.faults().close_watches_after(Some(1));
    let (out, _) = run(
        &env,
        &["scale", "c1", "--brokers", "4", "--rebalance", "--yes", "-o", "json"],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["rebalances"][0]["mode"], "add-brokers", "{outcome}");
    let rebalances = env.fake.store().list(env.kafka_api(), "KafkaRebalance", Some(NS), None);
    assert!(
        rebalances.is_empty(),
        "the finished KafkaRebalance is removed: {rebalances:?}"
    );
}
