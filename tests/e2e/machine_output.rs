//! `-o json` and `-o yaml` of every command: one document on stdout that
//! parses, carries the fields the text shows, and is the same document in
//! both formats. Commands whose JSON has its own test elsewhere (create,
//! status, list, scale, expose, monitor view, delete, export, check, operator)
//! are covered here for YAML and for the shared shape; the rest for both.

use std::path::Path;

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{Env, env, output_text};
use crate::monitor::record_healthy_answers;

#[derive(Clone, Copy, Debug)]
enum Format {
    Json,
    Yaml,
}

/// Run `kafkactl -o FORMAT <args>`; it must succeed and print one document.
fn machine(env: &Env, format: Format, args: &[&str]) -> Value {
    let flag = match format {
        Format::Json => "json",
        Format::Yaml => "yaml",
    };
    let out = env
        .kafkactl()
        .args(["-o", flag, "--timeout", "60s"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} -o {flag}: {}", output_text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    match format {
        Format::Json => serde_json::from_str(&text),
        Format::Yaml => serde_saphyr::from_str::<Value>(&text)
            .map_err(|e| serde_json::Error::io(std::io::Error::other(e.to_string()))),
    }
    .unwrap_or_else(|e| panic!("{args:?} -o {flag} is not one {flag} document ({e}):\n{text}"))
}

/// A read-only command: the JSON and the YAML document are the same.
fn both(env: &Env, args: &[&str]) -> Value {
    let json = machine(env, Format::Json, args);
    let yaml = machine(env, Format::Yaml, args);
    assert_eq!(json, yaml, "{args:?}: -o json and -o yaml carry the same document");
    json
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn assert_keys(what: &str, value: &Value, expected: &[&str]) {
    let found = keys(value);
    for key in expected {
        assert!(found.contains(key), "{what} has \"{key}\": {value}");
    }
}

#[test]
fn read_only_commands_print_the_same_document_as_json_and_yaml() {
    let env = env(StrimziRelease::V1_2_0).start();
    // Before c1 exists: its pool names would collide with a second dev cluster.
    let check = both(&env, &["check", "--preset", "dev"]);
    assert_keys(
        "check",
        &check,
        &["namespace", "ok", "passed", "warnings", "failures", "checks"],
    );
    assert_eq!(check["ok"], true, "{check}");
    let created = machine(&env, Format::Yaml, &["create", "c1", "--preset", "dev"]);
    assert_eq!(created["result"], "created");
    assert_eq!(created["cluster"]["name"], "c1");
    assert!(!created["objects"].as_array().unwrap().is_empty());

    let status = both(&env, &["status", "c1"]);
    assert_keys(
        "status",
        &status,
        &[
            "name",
            "namespace",
            "ready",
            "kafkaVersion",
            "metadata",
            "listeners",
            "nodes",
        ],
    );
    assert_eq!(status["ready"], true);
    assert_keys(
        "status node",
        &status["nodes"][0],
        &["pod", "pool", "nodeId", "roles", "ready", "restarts", "node"],
    );

    let list = both(&env, &["list"]);
    let row = &list.as_array().expect("list is an array of clusters")[0];
    assert_keys(
        "list row",
        row,
        &[
            "name",
            "namespace",
            "metadata",
            "kafkaVersion",
            "brokersReady",
            "brokers",
            "ready",
            "created",
        ],
    );
    assert_eq!(row["name"], "c1");
    assert_eq!(both(&env, &["list", "-A"]).as_array().unwrap().len(), 1);

    let export = both(&env, &["export", "c1"]);
    assert_keys(
        "export",
        &export,
        &["namespace", "metadata", "kafkaVersion", "pools", "listeners"],
    );
    assert!(export.get("name").is_none(), "the name comes from the command line");

    let presets = both(&env, &["presets", "list"]);
    let dev = presets
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "dev")
        .expect("dev is listed");
    assert_keys(
        "presets list row",
        dev,
        &["name", "description", "default", "metadata", "strimziApi", "brokers"],
    );
    let show = both(&env, &["presets", "show", "production"]);
    assert_eq!(show["pools"]["brokers"]["replicas"], 3);

    let operator = both(&env, &["operator", "status"]);
    assert_keys("operator status", &operator, &["operators", "servedVersions", "crds"]);
    assert_eq!(operator["operators"][0]["ready"], true);

    // Dry runs: one Kubernetes List in both formats.
    let dry = both(&env, &["create", "c2", "--preset", "dev", "--dry-run"]);
    assert_eq!(dry["kind"], "List");
    assert!(dry["items"].as_array().unwrap().iter().any(|o| o["kind"] == "Kafka"));
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/strimzi/1.2.0/install/cluster-operator");
    let bundle = bundle.to_str().unwrap();
    let operator_dry = both(&env, &["operator", "install", "--from", bundle, "--dry-run"]);
    assert_eq!(operator_dry["kind"], "List");
    assert!(
        operator_dry["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "Deployment")
    );
}

#[test]
fn changing_commands_print_their_outcome_as_json_and_yaml() {
    let env = env(StrimziRelease::V1_2_0).start();
    machine(
        &env,
        Format::Json,
        &["create", "c1", "--preset", "dev", "--kafka-version", "4.2.0"],
    );

    for (format, memory) in [(Format::Json, "2Gi"), (Format::Yaml, "3Gi")] {
        let scaled = machine(&env, format, &["scale", "c1", "--memory", memory]);
        assert_keys("scale", &scaled, &["cluster", "namespace", "result", "changes"]);
        assert_eq!(scaled["cluster"], "c1");
        assert!(scaled["changes"].to_string().contains(memory), "{format:?}: {scaled}");
    }

    for format in [Format::Json, Format::Yaml] {
        let restarted = machine(&env, format, &["restart", "c1"]);
        assert_keys(
            "restart",
            &restarted,
            &["cluster", "namespace", "result", "annotated", "targets"],
        );
        assert_eq!(restarted["result"], "restarted");
        assert!(restarted["targets"].to_string().contains("c1-c1-dual-0"), "{restarted}");
    }

    for (format, version) in [(Format::Json, "4.2.1"), (Format::Yaml, "4.3.0")] {
        let upgraded = machine(&env, format, &["upgrade", "c1", "--kafka-version", version]);
        assert_keys(
            "upgrade",
            &upgraded,
            &["cluster", "namespace", "result", "from", "to", "steps"],
        );
        assert_eq!(upgraded["to"], version);
    }

    // An unauthenticated NodePort listener is open to anyone: it needs a yes (issue 21 case 9).
    let exposed = machine(
        &env,
        Format::Yaml,
        &["--yes", "expose", "c1", "kafka", "--type", "nodeport"],
    );
    assert_keys(
        "expose",
        &exposed,
        &["cluster", "namespace", "target", "result", "access", "addresses"],
    );
    assert_eq!(exposed["target"], "kafka");

    let installed = machine(
        &env,
        Format::Json,
        &["monitor", "c1", "install", "--storage-size", "1Gi"],
    );
    assert_keys(
        "monitor install",
        &installed,
        &["cluster", "namespace", "mode", "objects", "pruned", "waited"],
    );
    assert_eq!(installed["waited"], true);
    record_healthy_answers(&env, "kafka", "c1-prometheus", "alertsStandalone");
    let view = machine(&env, Format::Yaml, &["monitor", "c1"]);
    assert_keys(
        "monitor view",
        &view,
        &["cluster", "namespace", "mode", "prometheus", "nodesUp", "failed"],
    );
    for format in [Format::Yaml, Format::Json] {
        let removed = machine(&env, format, &["monitor", "c1", "uninstall"]);
        assert_keys(
            "monitor uninstall",
            &removed,
            &["cluster", "namespace", "wasInstalled", "deleted", "volume"],
        );
    }

    let deleted = machine(&env, Format::Yaml, &["--yes", "delete", "c1"]);
    assert_keys(
        "delete",
        &deleted,
        &["result", "plan", "deleted", "keptClaims", "warnings"],
    );
    assert!(env.kafka("c1").is_none());

    let uninstalled = machine(&env, Format::Yaml, &["--yes", "operator", "uninstall"]);
    assert_eq!(uninstalled["operator"], "kafka/strimzi-cluster-operator");
    assert_keys(
        "operator uninstall",
        &uninstalled,
        &["deleted", "kept", "kafkaClusters"],
    );
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/strimzi/1.2.0/install/cluster-operator");
    let installed = machine(
        &env,
        Format::Yaml,
        &["operator", "install", "--from", bundle.to_str().unwrap()],
    );
    assert_keys(
        "operator install",
        &installed,
        &["result", "version", "namespace", "watches", "image", "objects"],
    );
}
