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
