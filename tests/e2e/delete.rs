//! `kafkactl delete` and `kafkactl export` against the fake: what goes, what
//! stays (data volumes), confirmation, half-created clusters, and the
//! export → delete → create round trip that re-attaches the kept volumes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use fake_kube::StrimziRelease;
use serde_json::{Value, json};

use crate::common::{Env, claims, env, name_of, output_text};

const NS: &str = "kafka";

fn create(env: &Env, name: &str, preset: &str) {
    let out = env
        .kafkactl()
        .args(["create", name, "--preset", preset, "--timeout", "90s", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "create {name}: {}", output_text(&out));
}

fn kafkactl(env: &Env, args: &[&str]) -> Output {
    env.kafkactl().args(args).output().unwrap()
}

/// Names of `kind` objects labelled for `cluster` by kafkactl or by Strimzi.
fn labelled(env: &Env, api_version: &str, kind: &str, cluster: &str) -> Vec<String> {
    let store = env.fake.store();
    let mut names: Vec<String> = [
        format!("kafkactl.io/cluster={cluster}"),
        format!("strimzi.io/cluster={cluster}"),
    ]
    .iter()
    .flat_map(|selector| store.list(api_version, kind, Some(NS), Some(selector)))
    .map(|o| name_of(&o).to_string())
    .collect();
    names.sort();
    names.dedup();
    names
}

fn podset_api(env: &Env) -> &'static str {
    match env.kafka_api() {
        "kafka.strimzi.io/v1" => "core.strimzi.io/v1",
        _ => "core.strimzi.io/v1beta2",
    }
}

/// Nothing of the cluster is left but its claims (and KafkaTopics/KafkaUsers).
fn assert_cluster_gone(env: &Env, cluster: &str) {
    assert!(env.kafka(cluster).is_none(), "the Kafka CR is gone");
    for (api, kind) in [
        (env.kafka_api(), "KafkaNodePool"),
        (podset_api(env), "StrimziPodSet"),
        ("v1", "Pod"),
        ("v1", "Service"),
        ("v1", "ConfigMap"),
        ("v1", "Secret"),
        ("v1", "ServiceAccount"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
    ] {
        assert_eq!(
            labelled(env, api, kind, cluster),
            Vec::<String>::new(),
            "no {kind} left"
        );
    }
}

/// DELETEs of the cluster's objects (not of the cluster lock's Lease, which
/// every delete releases at its end: tests/e2e/lock.rs).
fn deletes(env: &Env) -> Vec<String> {
    env.fake
        .write_requests()
        .into_iter()
        .filter(|r| r.method == "DELETE" && !r.path.contains("/leases/"))
        .map(|r| r.path)
        .collect()
}

fn kafka_topic(env: &Env, cluster: &str, name: &str, topic_name: Option<&str>) -> Value {
    let mut spec = json!({"partitions": 3, "replicas": 1});
    if let Some(t) = topic_name {
        spec["topicName"] = json!(t);
    }
    json!({
        "apiVersion": env.kafka_api(),
        "kind": "KafkaTopic",
        "metadata": {"name": name, "namespace": NS, "labels": {"strimzi.io/cluster": cluster}},
        "spec": spec,
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "topicName": topic_name.unwrap_or(name)},
    })
}

fn kafka_user(env: &Env, cluster: &str, name: &str) -> Value {
    json!({
        "apiVersion": env.kafka_api(),
        "kind": "KafkaUser",
        "metadata": {"name": name, "namespace": NS, "labels": {"strimzi.io/cluster": cluster}},
        "spec": {"authentication": {"type": "scram-sha-512"}},
    })
}

/// The Secret the User Operator makes for a KafkaUser, owned by it.
fn user_secret(cluster: &str, user: &Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name_of(user),
            "namespace": NS,
            "labels": {"strimzi.io/cluster": cluster, "strimzi.io/kind": "KafkaUser"},
            "ownerReferences": [{
                "apiVersion": user["apiVersion"], "kind": "KafkaUser", "name": name_of(user),
                "uid": user["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "type": "Opaque",
        "data": {"password": "c2VjcmV0", "sasl.jaas.config": "eA=="},
    })
}

fn put(env: &Env, object: Value) -> Value {
    env.fake.store().put(object).unwrap()
}

#[test]
fn delete_with_yes_removes_the_cluster_and_keeps_and_lists_its_volumes() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "production");
    let before = claims(&env, "c1");
    assert_eq!(before.len(), 7, "3 controllers, 3 brokers, Prometheus: {before:?}");
    let out = kafkactl(&env, &["delete", "c1", "--yes", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_cluster_gone(&env, "c1");
    assert_eq!(claims(&env, "c1"), before, "every claim is kept, the same objects");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Cluster \"c1\" in namespace \"kafka\" deleted",
        "Kept data volumes",
        "data-c1-c1-brokers-0",
        "data-c1-prometheus-0",
        "kafkactl create c1 -n kafka --preset c1.yaml",
        "--delete-data",
    ] {
        assert!(stdout.contains(needle), "{needle} in:\n{stdout}");
    }
}

#[test]
fn delete_outcome_as_json_has_the_plan_what_was_deleted_and_the_kept_claims() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "dev");
    let out = kafkactl(&env, &["delete", "c1", "--yes", "-o", "json", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["result"], "deleted");
    let deleted: Vec<(&str, &str)> = outcome["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["kind"].as_str().unwrap(), o["name"].as_str().unwrap()))
        .collect();
    assert!(deleted.contains(&("Kafka", "c1")), "{deleted:?}");
    assert!(deleted.contains(&("KafkaNodePool", "c1-dual")), "{deleted:?}");
    assert!(deleted.contains(&("ConfigMap", "c1-kafka-metrics")), "{deleted:?}");
    let collected = outcome["plan"]["garbageCollected"].as_array().unwrap();
    assert!(collected.iter().any(|o| o["kind"] == "StrimziPodSet"), "{collected:?}");
    assert!(outcome["plan"]["pods"].as_array().unwrap().len() >= 2, "{outcome}");
    assert_eq!(outcome["progress"]["ready"], true);
}

#[test]
fn delete_data_with_yes_deletes_the_volumes_too() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "production");
    assert!(!claims(&env, "c1").is_empty());
    let out = kafkactl(&env, &["delete", "c1", "--yes", "--delete-data", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_cluster_gone(&env, "c1");
    assert_eq!(claims(&env, "c1"), BTreeMap::new(), "no claim left");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("7 data volume(s) deleted"), "{stdout}");
    assert!(!stdout.contains("Kept data volumes"), "{stdout}");
}

/// The production preset with `deleteClaim: true` on both pools, written to `dir`.
fn production_with_delete_claim(dir: &Path) -> String {
    let production = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/production.yaml")).unwrap();
    let changed = production.replace("deleteClaim: false", "deleteClaim: true");
    assert_ne!(production, changed);
    let path = dir.join("delete-claim.yaml");
    std::fs::write(&path, changed).unwrap();
    path.display().to_string()
}

fn owned_claims(env: &Env, cluster: &str) -> Vec<String> {
    env.fake
        .store()
        .list("v1", "PersistentVolumeClaim", Some(NS), None)
        .into_iter()
        .filter(|c| name_of(c).contains(&format!("-{cluster}-")))
        .filter(|c| {
            c["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| !o.is_empty())
        })
        .map(|c| name_of(&c).to_string())
        .collect()
}

#[test]
fn delete_keeps_claims_strimzi_owns_through_delete_claim_unless_delete_data() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    create(&env, "dct", &production_with_delete_claim(dir.path()));
    let before = claims(&env, "dct");
    assert_eq!(before.len(), 7, "{before:?}");
    assert_eq!(
        owned_claims(&env, "dct").len(),
        6,
        "Strimzi makes the Kafka own its claims with deleteClaim: true"
    );

    let dry = kafkactl(&env, &["delete", "dct", "--dry-run"]);
    assert!(dry.status.success(), "{}", output_text(&dry));
    let plan = String::from_utf8_lossy(&dry.stdout);
    assert!(plan.contains("Data volumes kept (7)"), "{plan}");
    assert!(plan.contains("6 of them are owned by the cluster"), "{plan}");
    assert!(!plan.contains("DELETED"), "{plan}");

    let out = kafkactl(&env, &["delete", "dct", "--yes", "-o", "json", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_cluster_gone(&env, "dct");
    assert_eq!(claims(&env, "dct"), before, "every claim is kept: the same objects");
    assert_eq!(
        owned_claims(&env, "dct"),
        Vec::<String>::new(),
        "released from the Kafka"
    );
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kept = outcome["keptClaims"].as_array().unwrap();
    assert_eq!(kept.len(), 7, "{outcome}");
    assert_eq!(
        kept.iter().filter(|c| c["ownedByCluster"] == true).count(),
        6,
        "{outcome}"
    );
    assert!(
        !outcome["deleted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "PersistentVolumeClaim"),
        "{outcome}"
    );

    // --delete-data (with --yes in a script) deletes them.
    let out = kafkactl(&env, &["delete", "dct", "--yes", "--delete-data"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(claims(&env, "dct"), BTreeMap::new());
}

#[test]
fn no_input_without_yes_is_refused_and_deletes_nothing() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "dev");
    env.fake.clear_requests();
    for extra in [&[][..], &["--delete-data"][..]] {
        let out = env
            .kafkactl()
            .args(["delete", "c1", "--no-input"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--yes"), "{stderr}");
        assert!(stderr.contains("nothing was deleted"), "{stderr}");
        assert!(stderr.contains("Deleted by kafkactl"), "the plan is shown: {stderr}");
    }
    assert_eq!(deletes(&env), Vec::<String>::new());
    assert!(env.kafka("c1").is_some());
}

#[test]
fn dry_run_prints_the_plan_and_deletes_nothing() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "production");
    env.fake.clear_requests();
    let out = kafkactl(&env, &["delete", "c1", "--dry-run"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Deleted by kafkactl",
        "  Kafka c1",
        "  KafkaNodePool c1-brokers",
        "  StatefulSet c1-prometheus",
        "Removed by Strimzi/garbage collection",
        "  StrimziPodSet c1-c1-brokers",
        "  Secret c1-cluster-ca-cert",
        "Pods that stop (9)", // 3 brokers, 3 controllers, entity operator, kafka-exporter, Prometheus
        "Data volumes kept (7)",
        "kafkactl export c1 -n kafka > c1.yaml",
        "Dry run: nothing was deleted.",
    ] {
        assert!(stdout.contains(needle), "{needle} in:\n{stdout}");
    }
    let json = kafkactl(&env, &["delete", "c1", "--dry-run", "--delete-data", "-o", "json"]);
    assert!(json.status.success(), "{}", output_text(&json));
    let outcome: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(outcome["result"], "dry-run");
    assert!(
        outcome["plan"]["claims"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["fate"] == "deleted"),
        "{outcome}"
    );
    assert_eq!(deletes(&env), Vec::<String>::new());
    assert!(env.kafka("c1").is_some());
}

#[test]
fn deleting_a_cluster_that_does_not_exist_exits_with_the_not_found_code() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = kafkactl(&env, &["delete", "nope", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\"nope\" not found in namespace \"kafka\""), "{stderr}");
    let out = kafkactl(&env, &["export", "nope"]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
}

#[test]
fn a_half_created_cluster_without_a_kafka_cr_deletes_cleanly() {
    let env = env(StrimziRelease::V1_2_0).start();
    // What an interrupted `create` leaves: the config wave and some Services, no Kafka CR.
    let rendered = kafkactl(
        &env,
        &["create", "half", "--preset", "production", "--dry-run", "-o", "json"],
    );
    assert!(rendered.status.success(), "{}", output_text(&rendered));
    let list: Value = serde_json::from_slice(&rendered.stdout).unwrap();
    let mut applied = Vec::new();
    for object in list["items"].as_array().unwrap() {
        let kind = object["kind"].as_str().unwrap();
        if ["ConfigMap", "ServiceAccount", "Role", "RoleBinding", "Service"].contains(&kind) {
            put(&env, object.clone());
            applied.push(kind.to_string());
        }
    }
    assert!(applied.len() >= 5, "{applied:?}");
    assert!(env.kafka("half").is_none());
    let out = kafkactl(&env, &["delete", "half", "--yes", "--timeout", "30s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_cluster_gone(&env, "half");
    let deleted = deletes(&env);
    assert_eq!(deleted.len(), applied.len(), "one DELETE per object: {deleted:?}");
}

/// A user topic `orders` and Strimzi's topic for `__consumer_offsets` on `cluster`.
fn put_user_and_internal_topic(env: &Env, cluster: &str) {
    put(env, kafka_topic(env, cluster, "orders", None));
    put(
        env,
        kafka_topic(
            env,
            cluster,
            "consumer-offsets---84e7a678d08f4bd226872e5cdd4eb527fadc1c6a",
            Some("__consumer_offsets"),
        ),
    );
}

#[test]
fn user_topics_are_warned_about_and_internal_ones_are_not() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "dev");
    put_user_and_internal_topic(&env, "c1");
    put(&env, kafka_topic(&env, "other", "not-mine", None));
    let out = kafkactl(&env, &["delete", "c1", "--yes", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: cluster \"c1\" still holds 1 user topic(s): orders"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("consumer_offsets") && !stderr.contains("not-mine"),
        "{stderr}"
    );
    // A cluster with only internal topics gets no warning.
    create(&env, "c2", "dev");
    put(
        &env,
        kafka_topic(
            &env,
            "c2",
            "strimzi-store-topic---effb8e3e057afce1ecf67c3f5d8e4e3ff177fc55",
            None,
        ),
    );
    let out = kafkactl(&env, &["delete", "c2", "--yes", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning:"),
        "{}",
        output_text(&out)
    );
}

#[test]
fn export_then_delete_then_create_from_the_export_reattaches_the_same_volumes() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "production");
    let before = claims(&env, "c1");
    assert!(before.contains_key("data-c1-c1-brokers-0") && before.contains_key("data-c1-prometheus-0"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c1.yaml");
    let exported = kafkactl(&env, &["export", "c1"]);
    assert!(exported.status.success(), "{}", output_text(&exported));
    std::fs::write(&file, &exported.stdout).unwrap();

    let deleted = kafkactl(&env, &["delete", "c1", "--yes", "--timeout", "60s"]);
    assert!(deleted.status.success(), "{}", output_text(&deleted));
    assert!(env.kafka("c1").is_none());
    assert_eq!(claims(&env, "c1"), before);

    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset"])
        .arg(&file)
        .args(["--timeout", "90s", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        claims(&env, "c1"),
        before,
        "the same claim objects (same uids), none new"
    );
    // The new pods mount the kept claims.
    let store = env.fake.store();
    for (pod, claim) in [
        ("c1-c1-brokers-0", "data-c1-c1-brokers-0"),
        ("c1-c1-controllers-100", "data-c1-c1-controllers-100"),
        ("c1-prometheus-0", "data-c1-prometheus-0"),
    ] {
        let pod = store.get("v1", "Pod", Some(NS), pod).expect(pod);
        let claims: Vec<&str> = pod["spec"]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
            .collect();
        assert!(claims.contains(&claim), "{claim} in {claims:?}");
    }
    // The re-created cluster stores the same spec it was exported from.
    let stored: Value = serde_json::from_str(
        env.kafka("c1").unwrap()["metadata"]["annotations"]["kafkactl.io/spec"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["pools"]["brokers"]["replicas"], 3);
    assert_eq!(stored["namespace"], NS);
}

#[test]
fn export_prints_a_preset_with_a_header_and_without_the_name() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "dev");
    let out = kafkactl(&env, &["export", "c1"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("# kafkactl preset exported from Kafka cluster \"c1\""),
        "{text}"
    );
    assert!(text.contains("#   kafkactl create c1 --preset c1.yaml"), "{text}");
    assert!(text.lines().any(|l| l == "namespace: kafka"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("name:")), "{text}");
    let json = kafkactl(&env, &["export", "c1", "-o", "json"]);
    assert!(json.status.success(), "{}", output_text(&json));
    let preset: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(preset["pools"]["dual"]["replicas"], 1);
    assert!(preset.get("name").is_none());
}

#[test]
fn export_with_topics_and_users_writes_objects_kubectl_restores_and_no_secrets_by_default() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "dev");
    put_user_and_internal_topic(&env, "c1");
    let user = put(&env, kafka_user(&env, "c1", "alice"));
    put(&env, user_secret("c1", &user));
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("objects.yaml");
    let out = env
        .kafkactl()
        .args(["export", "c1", "--with-topics", "--with-users", "--objects-file"])
        .arg(&objects)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("kafkactl create c1"),
        "the preset is on stdout"
    );
    let text = std::fs::read_to_string(&objects).unwrap();
    assert!(
        text.contains("kind: KafkaTopic") && text.contains("name: orders"),
        "{text}"
    );
    assert!(
        text.contains("kind: KafkaUser") && text.contains("name: alice"),
        "{text}"
    );
    for absent in [
        "consumer-offsets",
        "kind: Secret",
        "c2VjcmV0",
        "uid:",
        "resourceVersion",
        "status:",
        "managedFields",
    ] {
        assert!(!text.contains(absent), "{absent} not in:\n{text}");
    }

    // kubectl restores them after they are gone.
    for (kind, name) in [("KafkaTopic", "orders"), ("KafkaUser", "alice")] {
        env.fake.store().delete(env.kafka_api(), kind, Some(NS), name).unwrap();
    }
    let cache = dir.path().join("kube-cache");
    let applied = kubectl(&env, &cache, &["apply", "-f", objects.to_str().unwrap()]);
    assert!(applied.status.success(), "{}", output_text(&applied));
    let store = env.fake.store();
    let topic = store.get(env.kafka_api(), "KafkaTopic", Some(NS), "orders").unwrap();
    assert_eq!(topic["spec"]["partitions"], 3);
    assert_eq!(topic["metadata"]["labels"]["strimzi.io/cluster"], "c1");
    assert!(store.get(env.kafka_api(), "KafkaUser", Some(NS), "alice").is_some());
}

#[test]
fn export_include_secrets_adds_the_user_secrets_with_a_warning() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1", "dev");
    let user = put(&env, kafka_user(&env, "c1", "alice"));
    put(&env, user_secret("c1", &user));
    let out = kafkactl(
        &env,
        &[
            "export",
            "c1",
            "--with-users",
            "--include-secrets",
            "--objects-file",
            "-",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Secret", "KafkaUser"], "Secrets first, so the users find them");
    let secret = &list["items"][0];
    assert_eq!(secret["data"]["password"], "c2VjcmV0");
    assert!(secret["metadata"].get("ownerReferences").is_none(), "{secret}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("credentials of 1 KafkaUser"),
        "{stderr}"
    );
    // --include-secrets without --with-users is a usage error.
    let out = kafkactl(&env, &["export", "c1", "--include-secrets"]);
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
}

#[test]
fn zookeeper_cluster_on_strimzi_0_45_deletes_and_keeps_its_zookeeper_volumes() {
    let env = env(StrimziRelease::V0_45_2).start();
    create(&env, "zk", "zookeeper-classic");
    let before = claims(&env, "zk");
    assert!(before.keys().any(|c| c.starts_with("data-zk-zookeeper-")), "{before:?}");
    let out = kafkactl(&env, &["delete", "zk", "--yes", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_cluster_gone(&env, "zk");
    assert_eq!(claims(&env, "zk"), before);
    // Only the kept volumes are left: deleting again converges (exit 0, the volumes still
    // kept and named), and --delete-data cleans them up.
    let out = kafkactl(&env, &["delete", "zk", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("is already deleted") && stdout.contains("--delete-data"),
        "{stdout}"
    );
    assert_eq!(claims(&env, "zk"), before);
    let out = kafkactl(&env, &["delete", "zk", "--yes", "--delete-data"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(claims(&env, "zk"), BTreeMap::new());
}

fn kubectl(env: &Env, cache: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kubectl must be installed for these tests (it is on the dev machines)")
}
