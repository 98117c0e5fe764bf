//! One writer per cluster (issue 21, case 10): every command that changes a
//! cluster holds the Lease `kafkactl-<cluster>` while it runs. A second
//! writer stops at once naming the holder; a lock is released at the end,
//! on Ctrl-C too, and a stale one (expired, or its process gone) is taken over.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fake_kube::StrimziRelease;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::common::{Env, env, output_text};

const LEASE: &str = "kafkactl-c1";

/// kafkactl started in the background, output piped.
fn spawn(env: &Env, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("kafkactl"))
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn leases(env: &Env) -> Vec<Value> {
    env.fake
        .store()
        .list("coordination.k8s.io/v1", "Lease", Some("kafka"), None)
}

fn lease(env: &Env) -> Option<Value> {
    env.fake
        .store()
        .get("coordination.k8s.io/v1", "Lease", Some("kafka"), LEASE)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Until a kafkactl has opened its watch on Kafkas: it is past applying and waiting.
fn wait_until_waiting(env: &Env) {
    wait_for("kafkactl waits", || {
        env.fake
            .requests()
            .iter()
            .any(|r| r.query.get("watch").is_some_and(|w| w == "true") && r.path.ends_with("/kafkas"))
    });
}

fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid; it has not been waited for, so the pid is still ours.
    unsafe {
        libc::kill(pid, signal);
    }
}

fn micro_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Another user's lock on c1, renewed `renewed_ago` before now.
fn foreign_lease(env: &Env, renewed_ago: Duration, duration_secs: i64) {
    let renewed = Timestamp::now()
        .checked_sub(SignedDuration::try_from(renewed_ago).unwrap())
        .unwrap();
    env.fake
        .store()
        .put(json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": LEASE, "namespace": "kafka",
                "annotations": {"kafkactl.io/command": "upgrade", "kafkactl.io/lock-token": "bob-token"}},
            "spec": {"holderIdentity": "bob@ops-laptop pid 4242", "leaseDurationSeconds": duration_secs,
                "acquireTime": micro_time(renewed), "renewTime": micro_time(renewed), "leaseTransitions": 0}
        }))
        .unwrap();
}

fn stored_config(kafka: &Value) -> Value {
    let spec: Value =
        serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap();
    spec["config"].clone()
}

#[test]
fn two_creates_of_one_cluster_at_once_one_wins_and_the_other_stops_at_once_naming_it() {
    // Slow pods: the winner holds the lock for seconds while it waits.
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(3)))
        .start();
    env.fake.faults().set_latency_ms(10);
    let plain = ["create", "c1", "--preset", "dev", "--timeout", "90s"];
    let retention = [
        "create",
        "c1",
        "--preset",
        "dev",
        "--timeout",
        "90s",
        "--config",
        "log.retention.hours=1",
    ];
    let started = Instant::now();
    let mut a = spawn(&env, &plain);
    let mut b = spawn(&env, &retention);
    // The first to end is the loser, and it ends while the winner still runs.
    let (loser_is_a, loser_done) = loop {
        if let Some(status) = a.try_wait().unwrap() {
            break (true, status);
        }
        if let Some(status) = b.try_wait().unwrap() {
            break (false, status);
        }
        assert!(started.elapsed() < Duration::from_secs(60), "neither create ended");
        std::thread::sleep(Duration::from_millis(10));
    };
    let loser_took = started.elapsed();
    let (loser, mut winner, winner_args, loser_args) = if loser_is_a {
        (a, b, &retention[..], &plain[..])
    } else {
        (b, a, &plain[..], &retention[..])
    };
    assert!(
        winner.try_wait().unwrap().is_none(),
        "the loser ended while the winner was still running ({loser_took:?})"
    );
    let winner_pid = winner.id();
    let loser_out = loser.wait_with_output().unwrap();
    assert_eq!(loser_done.code(), Some(4), "{}", output_text(&loser_out));
    let stderr = String::from_utf8_lossy(&loser_out.stderr);
    assert!(
        stderr.contains("cluster kafka/c1 is being changed by another command")
            && stderr.contains("`kafkactl create` run by")
            && stderr.contains(&format!("pid {winner_pid}"))
            && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert!(stderr.contains("kubectl -n kafka get lease kafkactl-c1"), "{stderr}");
    // The lock was there, held by the winner, while it ran.
    let held = lease(&env).expect("the winner holds the lock while it runs");
    assert!(
        held["spec"]["holderIdentity"]
            .as_str()
            .unwrap()
            .ends_with(&format!("pid {winner_pid}")),
        "{held}"
    );

    let winner_out = winner.wait_with_output().unwrap();
    assert!(winner_out.status.success(), "{}", output_text(&winner_out));
    assert!(String::from_utf8_lossy(&winner_out.stdout).contains("created"));
    // The stored spec is the winner's, and the lock is gone.
    let kafka = env.kafka("c1").unwrap();
    let retention_won = winner_args.len() == retention.len();
    assert_eq!(
        stored_config(&kafka)["log.retention.hours"].is_null(),
        !retention_won,
        "the stored spec is the winner's: {}",
        stored_config(&kafka)
    );
    assert!(leases(&env).is_empty(), "no lock left behind: {:?}", leases(&env));

    // A re-run of the winner converges; the loser's different spec is
    // refused by create's own guard (it needs --update), changing nothing.
    let rerun = env.kafkactl().args(winner_args).output().unwrap();
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(
        String::from_utf8_lossy(&rerun.stdout).contains("unchanged"),
        "{}",
        output_text(&rerun)
    );
    let generation = env.kafka("c1").unwrap()["metadata"]["generation"].clone();
    let loser_rerun = env.kafkactl().args(loser_args).output().unwrap();
    assert_eq!(loser_rerun.status.code(), Some(4), "{}", output_text(&loser_rerun));
    assert!(String::from_utf8_lossy(&loser_rerun.stderr).contains("--update"));
    assert_eq!(env.kafka("c1").unwrap()["metadata"]["generation"], generation);
    assert!(leases(&env).is_empty(), "{:?}", leases(&env));
}

#[test]
fn a_live_lock_of_another_user_stops_every_changing_command_before_it_writes() {
    let env = env(StrimziRelease::V1_2_0).start();
    let created = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--kafka-version", "4.3.0"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    assert!(leases(&env).is_empty(), "create released its lock");
    foreign_lease(&env, Duration::from_secs(2), 300);
    let kafka_before = env.kafka("c1").unwrap();
    let lease_before = lease(&env).unwrap();
    let commands: &[&[&str]] = &[
        &["create", "c1", "--preset", "dev", "--kafka-version", "4.3.0"],
        &["scale", "c1", "--memory", "2Gi", "--yes"],
        &["upgrade", "c1", "--kafka-version", "4.3.1", "--yes"],
        &["restart", "c1", "--yes"],
        &["expose", "c1", "kafka", "--type", "nodeport", "--yes"],
        &["monitor", "c1", "install", "--yes"],
        &["monitor", "c1", "uninstall", "--yes"],
        &["delete", "c1", "--yes"],
    ];
    for args in commands {
        env.fake.clear_requests();
        let started = Instant::now();
        let out = env.kafkactl().args(*args).output().unwrap();
        let took = started.elapsed();
        let what = format!("{args:?}: {}", output_text(&out));
        assert_eq!(out.status.code(), Some(4), "{what}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is being changed by another command: `kafkactl upgrade` run by bob@ops-laptop pid 4242"),
            "{what}"
        );
        assert!(
            took < Duration::from_secs(20),
            "refused at once, not after a wait: {took:?}"
        );
        let writes: Vec<String> = env
            .fake
            .requests()
            .iter()
            // The lock's own create attempt is refused (409): it wrote nothing.
            .filter(|r| r.is_write() && r.status < 400)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(writes.is_empty(), "{args:?} wrote nothing: {writes:?}");
    }
    assert_eq!(env.kafka("c1").unwrap()["metadata"], kafka_before["metadata"]);
    assert_eq!(lease(&env).unwrap(), lease_before, "the other user's lock is untouched");
    // --dry-run changes nothing, so it takes no lock and is not stopped by one.
    let dry = env
        .kafkactl()
        .args(["scale", "c1", "--memory", "2Gi", "--dry-run"])
        .output()
        .unwrap();
    assert!(dry.status.success(), "{}", output_text(&dry));
}

#[test]
fn an_expired_lock_is_taken_over_and_released_at_the_end() {
    let env = env(StrimziRelease::V1_2_0).start();
    // Renewed two minutes ago for 30 seconds: its holder is gone.
    foreign_lease(&env, Duration::from_secs(120), 30);
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(env.kafka("c1").is_some());
    // Taken over (a replace of bob's Lease), then released.
    let takeover = env
        .fake
        .requests()
        .iter()
        .any(|r| r.method == "PUT" && r.path.ends_with(&format!("/leases/{LEASE}")) && r.status == 200);
    assert!(takeover, "the expired lock was taken over, not deleted and made anew");
    assert!(leases(&env).is_empty(), "{:?}", leases(&env));
}

#[test]
fn ctrl_c_releases_the_lock_and_the_rerun_converges() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(4)))
        .start();
    let args = ["create", "c1", "--preset", "dev", "--timeout", "90s"];
    let child = spawn(&env, &args);
    wait_until_waiting(&env);
    let held = lease(&env).expect("the lock is held while create waits");
    assert!(
        held["spec"]["holderIdentity"]
            .as_str()
            .unwrap()
            .ends_with(&format!("pid {}", child.id())),
        "{held}"
    );
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", output_text(&out));
    assert!(leases(&env).is_empty(), "released on Ctrl-C: {:?}", leases(&env));
    let rerun = env.kafkactl().args(args).output().unwrap();
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(leases(&env).is_empty(), "{:?}", leases(&env));
}

#[test]
fn the_lock_of_a_killed_kafkactl_on_this_machine_is_taken_over_without_waiting_for_it_to_expire() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(2)))
        .start();
    let args = ["create", "c1", "--preset", "dev", "--timeout", "90s"];
    let mut child = spawn(&env, &args);
    wait_until_waiting(&env);
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    let left = lease(&env).expect("a killed process cannot release its lock");
    let started = Instant::now();
    let rerun: Output = env.kafkactl().args(args).output().unwrap();
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "taken over at once, not after the {}s lease: {:?}",
        left["spec"]["leaseDurationSeconds"],
        started.elapsed()
    );
    assert!(leases(&env).is_empty(), "{:?}", leases(&env));
}

#[test]
fn a_writer_that_read_the_spec_before_another_changed_it_stops_instead_of_overwriting_it() {
    let env = env(StrimziRelease::V1_2_0).start();
    let created = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    // Slow requests: scale reads the cluster, then spends seconds on its checks.
    env.fake.faults().set_latency_ms(300);
    env.fake.clear_requests();
    let child = spawn(&env, &["scale", "c1", "--memory", "2Gi", "--yes", "--timeout", "90s"]);
    let kafka_path = format!("/apis/{}/namespaces/kafka/kafkas/c1", env.kafka_api());
    wait_for("scale read the cluster", || {
        env.fake
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path == kafka_path)
    });
    // Meanwhile another writer changes the stored spec (as a scale or expose of its own would).
    let kafka = env.kafka("c1").unwrap();
    let mut spec: Value =
        serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap();
    spec["config"]["log.retention.hours"] = json!("2");
    let theirs = serde_json::to_string(&spec).unwrap();
    env.fake
        .store()
        .as_manager("kafkactl")
        .merge_patch(
            env.kafka_api(),
            "Kafka",
            Some("kafka"),
            "c1",
            json!({"metadata": {"annotations": {"kafkactl.io/spec": theirs}}}),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cluster kafka/c1 was changed by another command while this one prepared its change (its spec changed); nothing was changed")
            && stderr.contains("run the same command again"),
        "{stderr}"
    );
    let kafka = env.kafka("c1").unwrap();
    assert_eq!(
        kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str(),
        Some(theirs.as_str()),
        "the other writer's spec stays"
    );
    assert!(leases(&env).is_empty(), "{:?}", leases(&env));

    // The re-run starts from the spec as it is now: both changes end up in it.
    env.fake.faults().set_latency_ms(0);
    let rerun = env
        .kafkactl()
        .args(["scale", "c1", "--memory", "2Gi", "--yes"])
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{}", output_text(&rerun));
    let kafka = env.kafka("c1").unwrap();
    let spec: Value =
        serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap();
    assert_eq!(spec["config"]["log.retention.hours"], "2", "{spec}");
    assert_eq!(spec["pools"]["dual"]["resources"]["limits"]["memory"], "2Gi", "{spec}");
}

#[test]
fn the_preflight_asks_for_the_lock_and_a_user_who_may_not_take_it_is_told_before_anything_is_written() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().forbid("create", "leases");
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("may not create")
            && stderr.contains("leases.coordination.k8s.io")
            && stderr.contains("to lock the cluster"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty(), "nothing was written");
    assert!(env.kafka("c1").is_none());
}

#[test]
fn sigterm_releases_the_lock_too_and_exits_143() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(4)))
        .start();
    let args = ["create", "c1", "--preset", "dev", "--timeout", "90s"];
    let child = spawn(&env, &args);
    wait_until_waiting(&env);
    assert!(lease(&env).is_some(), "the lock is held while create waits");
    signal(&child, libc::SIGTERM);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("terminated by SIGTERM") && stderr.contains("the cluster lock was released"),
        "{stderr}"
    );
    assert!(leases(&env).is_empty(), "released on SIGTERM: {:?}", leases(&env));
}

#[test]
fn two_clusters_of_one_namespace_are_changed_at_once_each_under_its_own_lock() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.readiness_delay(Duration::from_secs(1)))
        .start();
    let a = spawn(&env, &["create", "c1", "--preset", "dev", "--timeout", "90s"]);
    let b = spawn(&env, &["create", "c2", "--preset", "dev", "--timeout", "90s"]);
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", output_text(&out));
    }
    assert!(env.kafka("c1").is_some() && env.kafka("c2").is_some());
    let mut created: Vec<String> = env
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/leases") && r.status == 201)
        .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
        .filter_map(|lease| lease["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    created.sort();
    assert_eq!(created, ["kafkactl-c1", "kafkactl-c2"], "one lock each");
    assert!(leases(&env).is_empty(), "{:?}", leases(&env));
}
