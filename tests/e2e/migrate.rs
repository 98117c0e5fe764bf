//! `kafkactl migrate NAME --to kraft` and `kafkactl upgrade-plan` on Strimzi 0.45.2 with
//! the seed's layout (`zookeeper-classic`), against the simulated operator's migration
//! state machine.

use std::collections::BTreeMap;
use std::path::Path;

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::backends::bundle_dir;
use crate::common::{Env, env, output_text};

fn zookeeper_cluster() -> Env {
    zookeeper_cluster_with(|sim| sim, &[])
}

/// `zookeeper-classic` as `z` on Strimzi 0.45.2, with the simulation set by `sim` and
/// `extra` flags for `create`.
fn zookeeper_cluster_with(
    sim: impl FnOnce(fake_kube::sim::SimConfig) -> fake_kube::sim::SimConfig,
    extra: &[&str],
) -> Env {
    let env = env(StrimziRelease::V0_45_2).sim(sim).start();
    let out = env
        .kafkactl()
        .args([
            "--timeout",
            "120s",
            "create",
            "z",
            "--preset",
            "zookeeper-classic",
            "--yes",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    env
}

/// Every write request since the request log was cleared, as `METHOD path`.
fn writes(env: &Env) -> Vec<String> {
    env.fake
        .write_requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// `writes`, without the cluster lock's Lease (taken and released around any change).
fn writes_but_the_lock(env: &Env) -> Vec<String> {
    writes(env).into_iter().filter(|w| !w.contains("/leases")).collect()
}

/// The bundles of every Strimzi release beside the repository.
fn bundles() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/strimzi")
}

fn migrate(env: &Env, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out = env
        .kafkactl()
        .args(["-o", "json", "--timeout", "120s", "migrate", "z"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, output_text(&out))
}

/// Broker claims by name, with their uids.
fn broker_claims(env: &Env) -> BTreeMap<String, String> {
    env.fake
        .store()
        .list("v1", "PersistentVolumeClaim", Some("kafka"), None)
        .into_iter()
        .filter_map(|c| {
            let name = c["metadata"]["name"].as_str()?.to_string();
            name.starts_with("data-z-kafka-")
                .then(|| (name, c["metadata"]["uid"].as_str().unwrap_or_default().to_string()))
        })
        .collect()
}

/// Prometheus' configuration (scrape jobs and alert rules) as one text.
fn prometheus_config(env: &Env) -> String {
    env.fake
        .store()
        .list("v1", "ConfigMap", Some("kafka"), None)
        .into_iter()
        .find(|c| {
            c["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("z-prometheus"))
        })
        .map(|c| c["data"].to_string())
        .unwrap_or_default()
}

fn metadata_state(env: &Env) -> String {
    env.kafka("z").unwrap()["status"]["kafkaMetadataState"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn zookeeper_classic_migrates_to_kraft_stopping_before_the_point_of_no_return_and_keeps_its_broker_volumes() {
    let env = zookeeper_cluster();
    let claims = broker_claims(&env);
    assert_eq!(claims.len(), 3, "{claims:?}");
    assert!(
        prometheus_config(&env).contains("zookeeper-exporter"),
        "ZooKeeper is scraped before"
    );

    let (code, outcome, text) = migrate(&env, &["--to", "kraft", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(outcome["result"], "post-migration", "{outcome}");
    assert_eq!(metadata_state(&env), "KRaftPostMigration");
    assert!(text.contains("--finalize") && text.contains("--rollback"), "{text}");
    assert!(
        text.contains("KRaftDualWriting") && text.contains("pods rolled"),
        "progress per state and per rolled pod: {text}"
    );

    let (code, outcome, text) = migrate(&env, &["--to", "kraft", "--finalize", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(outcome["result"], "migrated", "{outcome}");
    let kafka = env.kafka("z").unwrap();
    assert_eq!(kafka["status"]["kafkaMetadataState"], "KRaft");
    assert!(kafka["spec"].get("zookeeper").is_none(), "spec.zookeeper is removed");
    let stored: Value = serde_json::from_str(
        kafka["metadata"]["annotations"]["kafkactl.io/spec"]
            .as_str()
            .unwrap_or("{}"),
    )
    .unwrap();
    assert_eq!(stored["metadata"], "kraft", "{stored}");
    assert!(stored.get("zookeeper").is_none(), "{stored}");
    let store = env.fake.store();
    assert!(
        store
            .get("apps/v1", "Deployment", Some("kafka"), "z-zoo-entrance")
            .is_none(),
        "kafkactl's ZooKeeper proxy is gone"
    );
    let prometheus = store
        .list("v1", "ConfigMap", Some("kafka"), None)
        .into_iter()
        .find(|c| {
            c["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("z-prometheus"))
        })
        .unwrap_or_else(|| panic!("Prometheus' configuration is still there"));
    let text = prometheus["data"].to_string();
    assert!(text.contains("job_name") && text.contains("kafka"), "{text}");
    assert!(
        !text.contains("zookeeper-exporter") && !text.contains("job_name: zookeeper"),
        "no ZooKeeper scrape jobs or alerts are left: {text}"
    );
    assert_eq!(
        broker_claims(&env),
        claims,
        "the brokers kept the same volumes (same uids)"
    );
    assert!(
        outcome["keptClaims"]
            .as_array()
            .is_some_and(|c| c.iter().any(|n| n == "data-z-zookeeper-0")),
        "{outcome}"
    );

    env.fake.clear_requests();
    let (code, outcome, text) = migrate(&env, &["--to", "kraft"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(outcome["result"], "unchanged", "{outcome}");
    assert!(env.fake.write_requests().is_empty(), "a second migrate writes nothing");
    let status = env.kafkactl().args(["status", "z"]).output().unwrap();
    assert!(status.status.success(), "{}", output_text(&status));
}

#[test]
fn a_migration_rolls_back_to_zookeeper_until_it_is_finalized() {
    let env = zookeeper_cluster();
    let (code, _, text) = migrate(&env, &["--to", "kraft", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, outcome, text) = migrate(&env, &["--rollback", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(outcome["result"], "rolled-back", "{outcome}");
    assert_eq!(metadata_state(&env), "ZooKeeper");
    let pools = env
        .fake
        .store()
        .list("kafka.strimzi.io/v1beta2", "KafkaNodePool", Some("kafka"), None);
    assert!(
        !pools.iter().any(|p| p["metadata"]["name"] == "controller"),
        "the controller pool is deleted: {pools:?}"
    );
}

#[test]
fn without_a_yes_the_migration_is_refused_and_nothing_is_written() {
    let env = zookeeper_cluster();
    env.fake.clear_requests();
    let (code, _, text) = migrate(&env, &["--to", "kraft"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("--yes"), "{text}");
    // Not even the node-pool move: the question comes before the first write.
    let writes = writes_but_the_lock(&env);
    assert!(writes.is_empty(), "{writes:?}");
    assert_eq!(metadata_state(&env), "ZooKeeper");
    assert!(
        env.kafka("z").unwrap()["metadata"]["annotations"]
            .get("strimzi.io/node-pools")
            .is_none()
    );

    // A rollback deletes the controllers and their volumes: it needs a yes too.
    let (code, _, text) = migrate(&env, &["--to", "kraft", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    env.fake.clear_requests();
    let (code, _, text) = migrate(&env, &["--rollback"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("roll") && text.contains("--yes"), "{text}");
    let writes = writes_but_the_lock(&env);
    assert!(writes.is_empty(), "{writes:?}");
    assert_eq!(metadata_state(&env), "KRaftPostMigration");
}

#[test]
fn upgrade_plan_starts_with_the_migration_and_lands_every_operator_on_a_supported_kafka_version() {
    let env = zookeeper_cluster();
    let bundles = bundles();
    let out = env
        .kafkactl()
        .args(["-o", "json", "upgrade-plan", "--bundles"])
        .arg(&bundles)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["from"], "0.45.2");
    assert_eq!(plan["to"], "1.2.0");
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(
        steps[0]["argv"],
        serde_json::json!(["kafkactl", "migrate", "z", "-n", "kafka", "--to", "kraft"])
    );
    let kinds: Vec<&str> = steps.iter().filter_map(|s| s["kind"].as_str()).collect();
    assert_eq!(kinds.last(), Some(&"operator"), "{kinds:?}");
    assert!(kinds.contains(&"convert-api"), "{kinds:?}");
    assert_eq!(
        steps[1]["argv"],
        serde_json::json!(["kafkactl", "migrate", "z", "-n", "kafka", "--to", "kraft", "--finalize"])
    );
    assert_eq!(steps[2]["to"], "3.9.0", "3.9.2 steps down first: 0.46 does not know it");
}

/// Issue 17's journey: the seed's layout on Strimzi 0.45.2 to KRaft on 1.2.0, running only
/// the commands `upgrade-plan` prints (with `--yes`, as a runbook would), the cluster Ready
/// at every stop and the brokers' volumes the same objects at the end.
#[test]
fn the_printed_plan_takes_zookeeper_on_0_45_to_kraft_on_1_2_keeping_the_broker_volumes() {
    let env = zookeeper_cluster();
    let claims = broker_claims(&env);
    let bundles = bundles();
    let out = env
        .kafkactl()
        .args(["-o", "json", "upgrade-plan", "--bundles"])
        .arg(&bundles)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let argv_of = |step: &Value| -> Vec<String> {
        step["argv"]
            .as_array()
            .unwrap_or_else(|| panic!("every step is a kafkactl command here: {step}"))
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    // No later step can be taken first: each operator release, the conversion and
    // every Kafka 4 version are refused on the ZooKeeper cluster, writing nothing.
    for step in plan["steps"].as_array().unwrap() {
        let early = match step["kind"].as_str() {
            Some("operator" | "convert-api") => true,
            Some("kafka-version") => step["to"].as_str().is_some_and(|v| v.starts_with('4')),
            _ => false,
        };
        if !early {
            continue;
        }
        let argv = argv_of(step);
        env.fake.clear_requests();
        let out = env.kafkactl().args(["--yes"]).args(&argv[1..]).output().unwrap();
        assert!(
            matches!(out.status.code(), Some(2 | 4)),
            "{} is refused before its turn: {}",
            argv.join(" "),
            output_text(&out)
        );
        let writes = writes_but_the_lock(&env);
        assert!(writes.is_empty(), "{} wrote {writes:?}", argv.join(" "));
    }
    for step in plan["steps"].as_array().unwrap() {
        let argv = argv_of(step);
        assert_eq!(argv[0], "kafkactl");
        let out = env
            .kafkactl()
            .args(["--timeout", "180s", "--yes"])
            .args(&argv[1..])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", argv.join(" "), output_text(&out));
        // Ready at every stop: kafkactl status says so (pods of the last roll may
        // still be terminating for a moment after Strimzi reports Ready).
        let mut report = Value::Null;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let status = env.kafkactl().args(["-o", "json", "status", "z"]).output().unwrap();
            assert!(
                status.status.success(),
                "after {}: {}",
                argv.join(" "),
                output_text(&status)
            );
            report = serde_json::from_slice(&status.stdout).unwrap();
            if report["ready"] == true {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        assert_eq!(report["ready"], true, "Ready after {}: {report}", argv.join(" "));
    }
    let kafka = env.kafka("z").unwrap();
    assert_eq!(kafka["apiVersion"], "kafka.strimzi.io/v1");
    assert!(kafka["spec"].get("zookeeper").is_none());
    assert_eq!(broker_claims(&env), claims, "the same claims (uids) from start to end");
    let crd = env
        .fake
        .store()
        .get(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "kafkas.kafka.strimzi.io",
        )
        .unwrap();
    assert_eq!(crd["status"]["storedVersions"], serde_json::json!(["v1"]));
    let again = env
        .kafkactl()
        .args(["-o", "json", "upgrade-plan", "--bundles"])
        .arg(&bundles)
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["steps"], serde_json::json!([]), "nothing left to do: {again}");
}

/// Ctrl-C at every metadata state of the migration, then the same command again: each
/// run goes on from the state the cluster is in, and the last one ends migrated with
/// the same broker volumes.
#[test]
fn a_migration_interrupted_at_every_state_resumes_from_where_the_cluster_is() {
    let env = zookeeper_cluster_with(|s| s.migration_step_delay(std::time::Duration::from_millis(1500)), &[]);
    let claims = broker_claims(&env);
    let args = [
        "--timeout",
        "120s",
        "--yes",
        "migrate",
        "z",
        "--to",
        "kraft",
        "--finalize",
    ];
    let mut interrupted_in = Vec::new();
    for state in ["KRaftMigration", "KRaftDualWriting", "KRaftPostMigration", "PreKRaft"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kafkactl"))
            .arg("--kubeconfig")
            .arg(env.fake.kubeconfig_path())
            .args(args)
            .env("CI", "true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let reached = env.fake.wait_until(std::time::Duration::from_secs(60), |s| {
            s.get("kafka.strimzi.io/v1beta2", "Kafka", Some("kafka"), "z")
                .is_some_and(|k| k["status"]["kafkaMetadataState"] == state)
        });
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid; it has not been waited for, so the pid is still ours.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
        let status = child.wait().unwrap();
        if reached {
            interrupted_in.push(state);
            // 130: interrupted mid-way; 0: it had just finished; killed by the signal itself:
            // it arrived before kafkactl listened for it (the state was reached by an
            // earlier run), when nothing has been written yet.
            use std::os::unix::process::ExitStatusExt;
            assert!(
                matches!(status.code(), Some(130) | Some(0)) || status.signal() == Some(libc::SIGINT),
                "SIGINT in {state}: {status:?}"
            );
        }
    }
    assert!(interrupted_in.len() >= 3, "interrupted in {interrupted_in:?}");
    let out = env.kafkactl().args(["-o", "json"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(metadata_state(&env), "KRaft");
    assert!(env.kafka("z").unwrap()["spec"].get("zookeeper").is_none());
    assert_eq!(broker_claims(&env), claims);
}

/// `operator install` of `version` over the running 0.45.2 operator: exit 4, nothing
/// written, and stderr holding every one of `words`.
fn refused_install(env: &Env, version: &str, words: &[&str]) {
    let bundle = bundle_dir(version);
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .args(["--yes", "operator", "install", "--force-conflicts", "--from"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let text = output_text(&out);
    for word in words {
        assert!(text.contains(word), "{word:?} in {text}");
    }
    assert!(text.contains("nothing was changed"), "{text}");
    let writes = writes(env);
    assert!(writes.is_empty(), "nothing written: {writes:?}");
}

#[test]
fn an_operator_release_that_cannot_take_over_is_refused_with_every_reason_and_nothing_written() {
    // A migrated cluster on Kafka 3.9.2, which 0.46–0.51 do not know.
    let env = zookeeper_cluster();
    let (code, _, text) = migrate(&env, &["--to", "kraft", "--finalize", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    refused_install(
        &env,
        "0.46.1",
        &[
            "kafka/z runs Kafka 3.9.2",
            "does not know",
            "kafkactl upgrade z -n kafka --kafka-version 3.9.0 first",
        ],
    );
    refused_install(
        &env,
        "0.51.0",
        &["supports none of the versions", "kafkactl upgrade-plan --to 0.51.0"],
    );

    // KafkaUsers still on `operation`, MirrorMaker 1, an old Kubernetes: all named at once.
    let store = env.fake.store();
    store
        .put(serde_json::json!({
            "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
            "metadata": {"name": "app", "namespace": "kafka", "labels": {"strimzi.io/cluster": "z"}},
            "spec": {"authorization": {"type": "simple", "acls": [
                {"resource": {"type": "topic", "name": "orders"}, "operation": "Read"}]}}
        }))
        .unwrap();
    store
        .put(serde_json::json!({
            "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaMirrorMaker",
            "metadata": {"name": "mm", "namespace": "kafka"},
            "spec": {"replicas": 1, "include": ".*",
                "consumer": {"bootstrapServers": "src:9092", "groupId": "mm"},
                "producer": {"bootstrapServers": "z-kafka-bootstrap:9092"}}
        }))
        .unwrap();
    env.fake.faults().set_kubernetes_minor(28);
    refused_install(
        &env,
        "0.51.0",
        &[
            "KafkaUser kafka/app",
            "operations: [X]",
            "KafkaMirrorMaker kafka/mm",
            "Kubernetes 1.30 and newer; this cluster runs 1.28",
        ],
    );
    // The v1-only CRDs over CRDs that stored v1beta2.
    refused_install(
        &env,
        "1.2.0",
        &["may hold objects stored as v1beta2", "kafkactl operator convert-api"],
    );
    // `operator upgrade` is the same command, with the same checks.
    let out = env
        .kafkactl()
        .args(["--yes", "operator", "upgrade", "--from"])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    assert!(output_text(&out).contains("may hold objects stored as v1beta2"));
}

/// Bad controller flags are refused naming the field or flag, before anything is written
/// (not even the node-pool move).
#[test]
fn bad_controller_flags_are_refused_before_anything_is_written() {
    let env = zookeeper_cluster();
    for (args, code, words) in [
        (
            &["--controller-storage-size", "100G"][..],
            2,
            &["storage.size", "100G"][..],
        ),
        (&["--controllers", "2"][..], 4, &["--controllers 2", "use 1 or 3"][..]),
        (
            &["--controllers", "0"][..],
            2,
            &["pools.controller.replicas", "at least 1"][..],
        ),
    ] {
        env.fake.clear_requests();
        let (got, _, text) = migrate(&env, &[&["--to", "kraft", "--yes"][..], args].concat());
        assert_eq!(got, Some(code), "{args:?}: {text}");
        for word in words {
            assert!(text.contains(word), "{word:?} in {text}");
        }
        let writes = writes_but_the_lock(&env);
        assert!(writes.is_empty(), "{args:?} wrote {writes:?}");
    }
    assert_eq!(metadata_state(&env), "ZooKeeper");
}

/// `operator install --dry-run` with a cluster at hand shows what the install would find
/// there: the objects on stdout, the refusals on stderr, exit 4, nothing written.
#[test]
fn an_operator_dry_run_shows_the_refusals_the_install_would_meet() {
    let env = zookeeper_cluster();
    let bundle = bundle_dir("0.48.0");
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .args(["operator", "install", "--dry-run", "--from"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let docs: Vec<Value> = serde_saphyr::from_multiple(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert!(
        docs.iter().any(|d| d["kind"] == "CustomResourceDefinition"),
        "the objects are printed"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kafka/z is ZooKeeper-based") && stderr.contains("checked against the cluster"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty());

    let fine = bundle_dir("0.45.2");
    let out = env
        .kafkactl()
        .args(["operator", "install", "--dry-run", "--from"])
        .arg(&fine)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Strimzi 0.45.2 can replace what runs there"),
        "{}",
        output_text(&out)
    );
}

/// Strimzi's precondition (metadata, protocol and message format versions name one
/// release) is made true with consent before the migration starts: without it, a refusal
/// naming the setting and nothing written; with it, the protocol version is raised and the
/// migration goes on.
#[test]
fn misaligned_versions_are_raised_first_with_consent() {
    let env = zookeeper_cluster_with(|sim| sim, &["--config", "inter.broker.protocol.version=3.8"]);
    env.fake.clear_requests();
    let (code, _, text) = migrate(&env, &["--to", "kraft"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(
        text.contains("inter.broker.protocol.version") && text.contains("--yes"),
        "{text}"
    );
    let writes = writes(&env);
    assert!(writes.is_empty(), "{writes:?}");

    let (code, outcome, text) = migrate(&env, &["--to", "kraft", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(outcome["result"], "post-migration", "{outcome}");
    let kafka = env.kafka("z").unwrap();
    assert_eq!(kafka["spec"]["kafka"]["config"]["inter.broker.protocol.version"], "3.9");
}

/// ZooKeeper's volumes go only with `--delete-data` and a yes, asked before anything is
/// written: without the yes nothing changes (the migration does not go on either); with
/// it the migration finishes and the volumes are deleted.
#[test]
fn zookeepers_volumes_are_deleted_only_when_confirmed() {
    let env = zookeeper_cluster();
    let zookeeper_claims = |env: &Env| -> Vec<String> {
        env.fake
            .store()
            .list("v1", "PersistentVolumeClaim", Some("kafka"), None)
            .into_iter()
            .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
            .filter(|n| n.starts_with("data-z-zookeeper-"))
            .collect()
    };
    assert_eq!(zookeeper_claims(&env).len(), 3);
    let (code, _, text) = migrate(&env, &["--to", "kraft", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    env.fake.clear_requests();
    let (code, _, text) = migrate(&env, &["--to", "kraft", "--finalize", "--delete-data"]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("--delete-data") && text.contains("--yes"), "{text}");
    let writes = writes_but_the_lock(&env);
    assert!(writes.is_empty(), "{writes:?}");
    assert_eq!(metadata_state(&env), "KRaftPostMigration");
    assert_eq!(zookeeper_claims(&env).len(), 3, "kept without a yes");
    let (code, outcome, text) = migrate(&env, &["--to", "kraft", "--finalize", "--delete-data", "--yes"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(outcome["result"], "migrated", "{outcome}");
    assert!(zookeeper_claims(&env).is_empty(), "deleted once confirmed");
}
