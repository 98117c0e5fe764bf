//! Reliability: an API server that is slow, flaky or gone during `create`.
//! Each test asserts the final state in the fake and the message shown.

use std::time::{Duration, Instant};

use fake_kube::StrimziRelease;
use fake_kube::faults::FailWith;

use crate::common::{Env, env, output_text};

fn create_dev(env: &Env, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["create", "c1", "--preset", "dev", "--timeout", "60s"];
    args.extend_from_slice(extra);
    env.kafkactl().args(&args).output().unwrap()
}

/// kafkactl started in the background (to be stopped under it), output piped.
fn spawn_kafkactl(env: &Env, args: &[&str]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("kafkactl"))
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Until kafkactl has opened its watch on Kafkas: it is past applying and waiting.
fn wait_until_kafkactl_waits(env: &Env) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !env
        .fake
        .requests()
        .iter()
        .any(|r| r.query.get("watch").is_some_and(|w| w == "true") && r.path.ends_with("/kafkas"))
    {
        assert!(Instant::now() < deadline, "kafkactl never started waiting");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ready(env: &Env) -> bool {
    env.kafka("c1").is_some_and(|k| {
        k["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
    })
}

#[test]
fn bursts_of_503_and_429_during_apply_are_retried() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake
        .faults()
        .fail_next_matching(2, FailWith::Unavailable, Some("PATCH"), None);
    env.fake
        .faults()
        .fail_next_matching(2, FailWith::TooManyRequests, Some("PATCH"), None);
    let out = create_dev(&env, &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    let statuses: Vec<u16> = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.status)
        .collect();
    assert!(
        statuses.contains(&503) && statuses.contains(&429),
        "the faults happened: {statuses:?}"
    );
    assert!(ready(&env));
}

#[test]
fn internal_errors_during_apply_are_retried_because_applies_are_idempotent() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake
        .faults()
        .fail_next_matching(2, FailWith::InternalError, Some("PATCH"), Some("/kafkas/"));
    let out = create_dev(&env, &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    let kafka_patches: Vec<u16> = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("/kafkas/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        kafka_patches.iter().filter(|s| **s == 500).count(),
        2,
        "{kafka_patches:?}"
    );
    assert!(ready(&env));
}

#[test]
fn a_persistently_failing_api_server_ends_in_a_clear_error_and_a_rerun_converges() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake
        .faults()
        .fail_next_matching(100, FailWith::InternalError, Some("PATCH"), Some("/kafkas/"));
    let out = create_dev(&env, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot apply Kafka kafka/c1"), "{stderr}");
    assert!(
        stderr.contains("unavailable or overloaded") && stderr.contains("converges"),
        "{stderr}"
    );
    env.fake.faults().clear();
    let rerun = create_dev(&env, &[]);
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(ready(&env));
}

#[test]
fn dropped_watch_streams_are_resumed_without_missing_ready() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().close_watches_after(Some(2));
    let out = create_dev(&env, &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Status:     Ready"));
}

#[test]
fn a_slow_api_server_only_makes_create_slower() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().set_latency_ms(150);
    let out = create_dev(&env, &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(ready(&env));
}

#[test]
fn a_forbidden_resource_names_verb_and_resource_and_a_rerun_fixes_it() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().forbid("patch", "kafkanodepools");
    // The preflight's access reviews see the denial first: nothing is written.
    env.fake.clear_requests();
    let refused = create_dev(&env, &[]);
    assert_eq!(refused.status.code(), Some(4), "{}", output_text(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("may not patch") && stderr.contains("kafkanodepools.kafka.strimzi.io"),
        "{stderr}"
    );
    assert!(stderr.contains("\nerror: 1 preflight check failed"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    // Past the preflight (RBAC changed in between), the apply itself names it.
    let out = create_dev(&env, &["--skip-checks"]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot apply KafkaNodePool kafka/c1-dual"), "{stderr}");
    assert!(
        stderr.contains("forbidden") && stderr.contains("kafkanodepools"),
        "{stderr}"
    );
    assert!(stderr.contains("RBAC"), "{stderr}");
    env.fake.faults().clear();
    let rerun = create_dev(&env, &[]);
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(ready(&env));
}

#[test]
fn an_api_server_that_goes_away_mid_create_is_a_clear_error_and_a_rerun_converges() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(3)))
        .start();
    let child = spawn_kafkactl(&env, &["create", "c1", "--preset", "dev", "--timeout", "120s"]);
    // Stop the server once kafkactl is waiting (its watches are open), not
    // while it still applies: this test is about losing contact mid-wait.
    wait_until_kafkactl_waits(&env);
    assert!(env.kafka("c1").is_some());
    env.fake.shutdown();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "gave up well before --timeout"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lost contact with the API server"), "{stderr}");
    env.fake.restart().unwrap();
    let rerun = create_dev(&env, &[]);
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(ready(&env));
}

#[test]
fn a_silent_api_server_is_noticed_by_the_heartbeat_long_before_the_timeout() {
    // The volumes never bind (no such StorageClass): only the API server
    // going silent can end the wait before the timeout.
    let env = env(StrimziRelease::V1_2_0).start();
    let child = spawn_kafkactl(
        &env,
        &[
            "create",
            "c1",
            "--preset",
            "production",
            "--timeout",
            "300s",
            "--storage-class",
            "missing",
            "--skip-checks",
        ],
    );
    wait_until_kafkactl_waits(&env);
    // The open watches stay connected but nothing answers any more, as in a
    // network partition: no error ever reaches the watches.
    env.fake.faults().set_latency_ms(600_000);
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lost contact with the API server") && stderr.contains("no answer to GET /version"),
        "{stderr}"
    );
    assert!(stderr.contains("converges"), "{stderr}");
}
