//! `kafkactl status` and `kafkactl list` against the fake.

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{env, output_text};

#[test]
fn status_shows_components_listeners_and_how_to_connect() {
    let env = env(StrimziRelease::V1_2_0).start();
    let created = env
        .kafkactl()
        .args(["create", "c1", "--preset", "production", "--timeout", "90s", "-q"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    let out = env.kafkactl().args(["status", "c1"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Status:     Ready",
        "brokers",
        "controllers",
        "prometheus",
        "plain",
        "tls",
        "c1-kafka-bootstrap.kafka.svc:9092",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    let json = env.kafkactl().args(["status", "c1", "-o", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ready"], true);
    assert_eq!(report["metadata"], "kraft");
    let tls = report["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "tls")
        .unwrap();
    assert_eq!(tls["tls"], true);
    assert!(tls["bootstrapServers"].as_str().unwrap().ends_with(":9093"), "{tls}");
    // One row per Kafka node: pod, pool, node id, roles, where it runs.
    let nodes: Vec<(&str, &str, i64, &str)> = report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["pod"].as_str().unwrap(),
                n["pool"].as_str().unwrap(),
                n["nodeId"].as_i64().unwrap(),
                n["roles"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        nodes,
        [
            ("c1-c1-brokers-0", "brokers", 0, "broker"),
            ("c1-c1-brokers-1", "brokers", 1, "broker"),
            ("c1-c1-brokers-2", "brokers", 2, "broker"),
            ("c1-c1-controllers-100", "controllers", 100, "controller"),
            ("c1-c1-controllers-101", "controllers", 101, "controller"),
            ("c1-c1-controllers-102", "controllers", 102, "controller"),
        ]
    );
    let report_nodes = report["nodes"].as_array().unwrap();
    assert!(
        report_nodes.iter().all(|n| n["ready"] == true && n["node"].is_string()),
        "{report_nodes:?}"
    );
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("c1-c1-controllers-101"))
        .unwrap_or_else(|| panic!("a Nodes row in:\n{text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &cells[..6],
        ["c1-c1-controllers-101", "controllers", "101", "controller", "yes", "0"]
    );
}

#[test]
fn status_in_zookeeper_mode_lists_brokers_and_zookeeper_servers() {
    let env = env(StrimziRelease::V0_45_2).start();
    let created = env
        .kafkactl()
        .args(["create", "z", "--preset", "zookeeper-classic", "--timeout", "90s", "-q"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    let json = env.kafkactl().args(["status", "z", "-o", "json"]).output().unwrap();
    assert!(json.status.success(), "{}", output_text(&json));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let pods: Vec<(&str, &str)> = report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["pod"].as_str().unwrap(), n["pool"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pods,
        [
            ("z-kafka-0", "kafka"),
            ("z-kafka-1", "kafka"),
            ("z-kafka-2", "kafka"),
            ("z-zookeeper-0", "zookeeper"),
            ("z-zookeeper-1", "zookeeper"),
            ("z-zookeeper-2", "zookeeper"),
        ]
    );
    assert_eq!(report["nodes"][3]["roles"], serde_json::json!(["zookeeper"]));
}

#[test]
fn status_of_a_missing_cluster_exits_with_the_not_found_code() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env.kafkactl().args(["status", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"nope\" not found in namespace \"kafka\""));
}

#[test]
fn list_shows_clusters_of_the_namespace_or_all_namespaces() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["*"]).start();
    for (name, ns) in [("a", "kafka"), ("b", "team-b")] {
        let out = env
            .kafkactl()
            .args(["-n", ns, "create", name, "--preset", "dev", "--timeout", "60s", "-q"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", output_text(&out));
    }
    let out = env.kafkactl().args(["list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("NAME") && text.lines().any(|l| l.starts_with("a ")),
        "{text}"
    );
    assert!(!text.contains("team-b"), "{text}");
    let all = env.kafkactl().args(["list", "-A", "-o", "json"]).output().unwrap();
    let rows: Value = serde_json::from_slice(&all.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let b = rows.iter().find(|r| r["name"] == "b").unwrap();
    assert_eq!(
        (
            b["namespace"].as_str(),
            b["brokers"].as_u64(),
            b["brokersReady"].as_u64(),
            b["ready"].as_bool()
        ),
        (Some("team-b"), Some(1), Some(1), Some(true))
    );
}

/// Without Strimzi's CRDs there are no clusters: an answer (exit 0), not a usage error, with
/// how to install the operator.
#[test]
fn list_without_strimzi_installed_says_no_clusters_and_how_to_install_it() {
    let fake = fake_kube::FakeCluster::builder().start();
    let out = crate::common::kafkactl()
        .arg("--kubeconfig")
        .arg(fake.kubeconfig_path())
        .args(["list", "-A"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::common::output_text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "No Kafka clusters found.\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("kafkactl operator install"));
    let json = crate::common::kafkactl()
        .arg("--kubeconfig")
        .arg(fake.kubeconfig_path())
        .args(["list", "-o", "json"])
        .output()
        .unwrap();
    assert!(json.status.success(), "{}", crate::common::output_text(&json));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&json.stdout).unwrap(),
        serde_json::json!([])
    );
}
