//! `export` → `delete` → `create --preset exported.yaml` keeps what volumes and
//! clients depend on: the KRaft cluster ID (the simulated kubelet crash-loops a
//! node whose volume holds another, as Kafka does), the NodePorts, the claims;
//! and `export` says when the live cluster differs from the stored spec.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use fake_kube::StrimziRelease;
use fake_kube::sim::META_PROPERTIES_CLUSTER_ID;
use serde_json::json;

use crate::common::{Env, claims, dev_preset_with, env, name_of, output_text};

const NS: &str = "kafka";

fn kafkactl(env: &Env, args: &[&str]) -> Output {
    env.kafkactl().args(args).output().unwrap()
}

fn create_from(env: &Env, name: &str, preset: &str, timeout: &str) -> Output {
    kafkactl(env, &["create", name, "--preset", preset, "--timeout", timeout, "-q"])
}

/// The dev preset with a persistent volume, a nodeport listener and JMX NodePort Services.
fn persistent_nodeport_preset(dir: &Path) -> String {
    dev_preset_with(dir, "np.yaml", |dev| {
        let dev = dev
            .replace(
                "storage: { type: ephemeral }",
                "storage: { type: persistent-claim, size: 10Gi }",
            )
            .replace(
                "  plain: { port: 9092, type: internal, tls: false }",
                "  plain: { port: 9092, type: internal, tls: false }\n  external: { port: 9094, type: nodeport, tls: false }",
            );
        format!("{dev}jmx: {{ enabled: true, passwordAuth: false, nodePortServices: true }}\n")
    })
}

/// Service name → NodePort of the cluster's NodePort Services.
fn node_ports(env: &Env, cluster: &str) -> BTreeMap<String, i64> {
    env.fake
        .store()
        .list("v1", "Service", Some(NS), None)
        .into_iter()
        .filter(|s| name_of(s).starts_with(&format!("{cluster}-")) && s["spec"]["type"] == "NodePort")
        .map(|s| {
            (
                name_of(&s).to_string(),
                s["spec"]["ports"][0]["nodePort"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn cluster_id(env: &Env, cluster: &str) -> String {
    env.kafka(cluster).unwrap()["status"]["clusterId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The export of `cluster`, written to `dir/<cluster>.yaml`.
fn export_to(env: &Env, cluster: &str, dir: &Path) -> (String, Output) {
    let out = kafkactl(env, &["export", cluster]);
    assert!(out.status.success(), "{}", output_text(&out));
    let file = dir.join(format!("{cluster}.yaml"));
    std::fs::write(&file, &out.stdout).unwrap();
    (file.display().to_string(), out)
}

fn delete(env: &Env, cluster: &str) {
    let out = kafkactl(env, &["delete", cluster, "--yes", "--timeout", "60s"]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(env.kafka(cluster).is_none());
}

#[test]
fn a_cluster_recreated_from_its_export_keeps_its_id_node_ports_and_volumes() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let out = create_from(&env, "rc", &persistent_nodeport_preset(dir.path()), "90s");
    assert!(out.status.success(), "{}", output_text(&out));
    let (id, ports, volumes) = (cluster_id(&env, "rc"), node_ports(&env, "rc"), claims(&env, "rc"));
    assert_eq!(ports.len(), 3, "bootstrap, broker 0 and its JMX: {ports:?}");
    assert_eq!(volumes.len(), 1, "{volumes:?}");
    let (file, _) = export_to(&env, "rc", dir.path());
    let preset = std::fs::read_to_string(&file).unwrap();
    assert!(preset.contains(&format!("clusterId: {id}")), "{preset}");
    for port in ports.values() {
        assert!(preset.contains(&port.to_string()), "NodePort {port} in:\n{preset}");
    }

    delete(&env, "rc");
    assert!(node_ports(&env, "rc").is_empty(), "the Services went with the cluster");
    let out = create_from(&env, "rc", &file, "90s");
    assert!(
        out.status.success(),
        "the brokers start on their volumes: {}",
        output_text(&out)
    );
    assert_eq!(cluster_id(&env, "rc"), id, "the same cluster ID");
    assert_eq!(claims(&env, "rc"), volumes, "the same claims (uids)");
    assert_eq!(node_ports(&env, "rc"), ports, "the same NodePorts");
    let kafka = env.kafka("rc").unwrap();
    assert!(
        kafka["metadata"]["annotations"]
            .get("strimzi.io/pause-reconciliation")
            .is_none(),
        "the pause is lifted: {kafka}"
    );
    let claim = env
        .fake
        .store()
        .get("v1", "PersistentVolumeClaim", Some(NS), "data-rc-rc-dual-0")
        .unwrap();
    assert_eq!(claim["metadata"]["annotations"][META_PROPERTIES_CLUSTER_ID], json!(id));
}

#[test]
fn recreating_on_kept_volumes_without_their_cluster_id_is_refused_and_writes_nothing() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let preset = persistent_nodeport_preset(dir.path());
    let out = create_from(&env, "rc", &preset, "90s");
    assert!(out.status.success(), "{}", output_text(&out));
    delete(&env, "rc");
    env.fake.clear_requests();

    let out = create_from(&env, "rc", &preset, "30s");
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "data-rc-rc-dual-0",
        "clusterId",
        "kafkactl create rc -n kafka --preset rc.yaml",
        "--delete-data",
    ] {
        assert!(stderr.contains(needle), "{needle} in:\n{stderr}");
    }
    assert_eq!(env.fake.write_requests().len(), 0, "nothing written");
    assert!(env.kafka("rc").is_none());
}

#[test]
fn brokers_on_volumes_of_another_cluster_id_crash_loop_as_kafka_does() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let out = create_from(&env, "rc", &persistent_nodeport_preset(dir.path()), "90s");
    assert!(out.status.success(), "{}", output_text(&out));
    let id = cluster_id(&env, "rc");
    let (file, _) = export_to(&env, "rc", dir.path());
    delete(&env, "rc");
    // Another cluster's ID (what Strimzi would generate for a new Kafka).
    let wrong = "AAAAAAAAAAAAAAAAAAAAAA";
    let text = std::fs::read_to_string(&file).unwrap().replace(&id, wrong);
    std::fs::write(&file, text).unwrap();

    let out = create_from(&env, "rc", &file, "5s");
    assert!(!out.status.success(), "{}", output_text(&out));
    let pod = env.fake.store().get("v1", "Pod", Some(NS), "rc-rc-dual-0").unwrap();
    let status = &pod["status"]["containerStatuses"][0];
    assert_eq!(status["state"]["waiting"]["reason"], "CrashLoopBackOff", "{pod}");
    assert!(status["restartCount"].as_i64().unwrap() >= 1, "{status}");
    let message = status["lastState"]["terminated"]["message"].as_str().unwrap();
    assert!(
        message.contains("Invalid cluster.id") && message.contains(&format!("Expected {wrong}, but read {id}")),
        "{message}"
    );
}

#[test]
fn a_node_port_taken_since_the_export_is_named_before_anything_is_written() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let out = create_from(&env, "rc", &persistent_nodeport_preset(dir.path()), "90s");
    assert!(out.status.success(), "{}", output_text(&out));
    let bootstrap = node_ports(&env, "rc")["rc-kafka-external-bootstrap"];
    let (file, _) = export_to(&env, "rc", dir.path());
    delete(&env, "rc");
    env.fake
        .store()
        .put(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "squatter", "namespace": "default"},
            "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": bootstrap}]},
        }))
        .unwrap();
    env.fake.clear_requests();

    let out = create_from(&env, "rc", &file, "30s");
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{bootstrap} (listener external bootstrap) is used by Service default/squatter"
        )),
        "{stderr}"
    );
    assert_eq!(env.fake.write_requests().len(), 0, "nothing written");
}

#[test]
fn export_warns_about_live_changes_the_stored_spec_does_not_have() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = kafkactl(&env, &["create", "dr", "--preset", "dev", "--timeout", "60s", "-q"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let quiet = kafkactl(&env, &["export", "dr"]);
    assert!(quiet.status.success(), "{}", output_text(&quiet));
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("warning"),
        "an untouched cluster exports without a warning: {}",
        output_text(&quiet)
    );

    // What `kubectl patch` does behind kafkactl's back.
    let store = env.fake.store();
    store
        .merge_patch(
            env.kafka_api(),
            "KafkaNodePool",
            Some(NS),
            "dr-dual",
            json!({"spec": {"replicas": 2}}),
        )
        .unwrap();
    store
        .merge_patch(
            env.kafka_api(),
            "Kafka",
            Some(NS),
            "dr",
            json!({"spec": {"kafka": {"config": {"log.retention.hours": 1, "min.insync.replicas": 2}}}}),
        )
        .unwrap();
    let out = kafkactl(&env, &["export", "dr"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "warning: the live cluster differs from the spec kafkactl stored",
        "KafkaNodePool dr-dual spec.replicas: stored 1, live 2",
        "Kafka dr spec.kafka.config.min.insync.replicas: stored 1, live 2",
        "Kafka dr spec.kafka.config.log.retention.hours: not in the stored spec, live 1",
    ] {
        assert!(stderr.contains(needle), "{needle} in:\n{stderr}");
    }
    let preset = String::from_utf8_lossy(&out.stdout);
    assert!(
        preset.contains("replicas: 1"),
        "the export is the stored spec:\n{preset}"
    );
}
