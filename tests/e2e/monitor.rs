//! `kafkactl monitor` against the fake API server: install (standalone and
//! prometheus-operator mode), uninstall with and without the volume, and the
//! health view read through the service proxy from recorded Prometheus answers.

use std::time::Duration;

use fake_kube::proxy::{prometheus_error, prometheus_vector};
use fake_kube::{Recorded, StrimziRelease};
use serde_json::{Value, json};

use crate::common::{Env, env, output_text};

const NS: &str = "kafka";
const PROMETHEUS: &str = "c1-prometheus";
const SEL: &str = "cluster=\"c1\",namespace=\"kafka\"";

/// The health view's queries for cluster c1 in namespace kafka, spelled out:
/// these strings are the contract the recorded answers are keyed by.
fn query(panel: &str) -> String {
    match panel {
        "up" => format!("up{{job=\"kafka\",{SEL}}}"),
        "controller" => format!("kafka_controller_kafkacontroller_activecontrollercount{{{SEL}}} > 0"),
        "underReplicated" => format!("sum(kafka_server_replicamanager_underreplicatedpartitions{{{SEL}}})"),
        "underMinIsr" => format!("sum(kafka_server_replicamanager_underminisrpartitioncount{{{SEL}}})"),
        "offline" => format!("sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{SEL}}})"),
        "bytesIn" => format!("sum(rate(kafka_server_brokertopicmetrics_bytesin_total{{{SEL},topic=\"\"}}[5m]))"),
        "bytesOut" => format!("sum(rate(kafka_server_brokertopicmetrics_bytesout_total{{{SEL},topic=\"\"}}[5m]))"),
        "lag" => format!("topk(10, sum by (consumergroup, topic) (kafka_consumergroup_lag{{{SEL}}}))"),
        "disk" => format!("sum by (pod) (kafka_log_log_size{{{SEL}}})"),
        "alertsStandalone" => "ALERTS{alertstate=\"firing\"}".to_string(),
        "alertsOperator" => format!("ALERTS{{alertstate=\"firing\",{SEL}}}"),
        other => panic!("no panel {other}"),
    }
}

/// Answers as a real Prometheus would give them for a one-node dev cluster.
pub fn record_healthy_answers(env: &Env, service_ns: &str, service: &str, alerts: &str) {
    let proxy = env.fake.proxy();
    let pod = [
        ("pod", "c1-c1-dual-0"),
        ("cluster", "c1"),
        ("namespace", NS),
        ("job", "kafka"),
    ];
    let answers = [
        ("up", prometheus_vector(&[(&pod, "1")])),
        ("controller", prometheus_vector(&[(&pod, "1")])),
        ("underReplicated", prometheus_vector(&[(&[], "3")])),
        ("underMinIsr", prometheus_vector(&[(&[], "0")])),
        ("offline", prometheus_vector(&[(&[], "2")])),
        ("bytesIn", prometheus_vector(&[(&[], "1048576")])),
        ("bytesOut", prometheus_vector(&[(&[], "3145728")])),
        (
            "lag",
            prometheus_vector(&[
                (&[("consumergroup", "billing"), ("topic", "orders")], "12345"),
                (&[("consumergroup", "audit"), ("topic", "orders")], "77"),
            ]),
        ),
        ("disk", prometheus_vector(&[(&[("pod", "c1-c1-dual-0")], "2147483648")])),
        (
            alerts,
            prometheus_vector(&[(
                &[
                    ("alertname", "UnderReplicatedPartitions"),
                    ("alertstate", "firing"),
                    ("severity", "warning"),
                    ("pod", "c1-c1-dual-0"),
                ],
                "1",
            )]),
        ),
    ];
    for (panel, body) in answers {
        proxy.prometheus_query(service_ns, service, &query(panel), Recorded::ok(body));
    }
}

fn run(env: &Env, args: &[&str]) -> std::process::Output {
    env.kafkactl().args(args).output().unwrap()
}

fn run_ok(env: &Env, args: &[&str]) -> std::process::Output {
    let out = run(env, args);
    assert!(out.status.success(), "kafkactl {args:?}\n{}", output_text(&out));
    out
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A ready dev cluster c1 (one dual-role node, no Prometheus).
fn with_dev_cluster(env: Env) -> Env {
    run_ok(&env, &["create", "c1", "--preset", "dev", "--timeout", "60s"]);
    env
}

fn stored_prometheus_spec(env: &Env) -> Value {
    let kafka = env.kafka("c1").expect("the Kafka CR exists");
    let text = kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap();
    serde_json::from_str::<Value>(text).unwrap()["prometheus"].clone()
}

fn get(env: &Env, api_version: &str, kind: &str, name: &str) -> Option<Value> {
    env.fake.store().get(api_version, kind, Some(NS), name)
}

fn install_standalone(env: &Env) {
    run_ok(
        env,
        &["monitor", "c1", "install", "--storage-size", "1Gi", "--timeout", "60s"],
    );
}

/// Minimal prometheus-operator CRDs: names and a schema that keeps any spec.
fn register_prometheus_operator_crds(env: &Env) {
    let store = env.fake.store();
    for (kind, plural) in [
        ("PodMonitor", "podmonitors"),
        ("ServiceMonitor", "servicemonitors"),
        ("PrometheusRule", "prometheusrules"),
    ] {
        store
            .put(json!({
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": { "name": format!("{plural}.monitoring.coreos.com") },
                "spec": {
                    "group": "monitoring.coreos.com",
                    "scope": "Namespaced",
                    "names": {
                        "kind": kind,
                        "listKind": format!("{kind}List"),
                        "plural": plural,
                        "singular": kind.to_lowercase(),
                    },
                    "versions": [{
                        "name": "v1",
                        "served": true,
                        "storage": true,
                        "schema": { "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                            },
                        }},
                    }],
                },
            }))
            .unwrap();
    }
}

/// The governing Service prometheus-operator makes for a Prometheus, and a Ready pod behind it.
fn operator_prometheus(env: &Env) {
    let store = env.fake.store();
    store
        .put(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "prometheus-operated",
                "namespace": "default",
                "labels": { "operated-prometheus": "true" },
            },
            "spec": {
                "clusterIP": "None",
                "selector": { "app.kubernetes.io/name": "prometheus" },
                "ports": [{ "name": "web", "port": 9090, "targetPort": "web" }],
            },
        }))
        .unwrap();
    store
        .put(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "prometheus-k8s-0",
                "namespace": "default",
                "labels": { "app.kubernetes.io/name": "prometheus" },
            },
            "spec": { "containers": [{ "name": "prometheus", "image": "quay.io/prometheus/prometheus" }] },
            "status": { "phase": "Running", "conditions": [{ "type": "Ready", "status": "True" }] },
        }))
        .unwrap();
}

#[test]
fn standalone_install_and_the_health_view_shows_the_recorded_numbers() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    install_standalone(&env);
    let sts = get(&env, "apps/v1", "StatefulSet", PROMETHEUS).expect("Prometheus StatefulSet applied");
    assert_eq!(
        sts["status"]["readyReplicas"], 1,
        "install waited until Prometheus was ready"
    );
    let stored = stored_prometheus_spec(&env);
    assert_eq!(stored["enabled"], true);
    assert_eq!(stored["storage"]["size"], "1Gi");
    assert!(stored.get("mode").is_none(), "standalone is the default mode: {stored}");
    assert!(get(&env, "monitoring.coreos.com/v1", "PodMonitor", "c1-kafka").is_none());

    record_healthy_answers(&env, NS, PROMETHEUS, "alertsStandalone");
    let text = stdout(&run_ok(&env, &["monitor", "c1"]));
    for expected in [
        "Prometheus kafka/c1-prometheus:9090, standalone mode",
        "Kafka nodes up:              1/1",
        "Active controller:           c1-c1-dual-0",
        "Under-replicated partitions: 3",
        "Offline partitions:          2",
        "Bytes in:                    1.0 MiB/s",
        "Bytes out:                   3.0 MiB/s",
        "billing",
        "12345",
        "c1-c1-dual-0  2.0 GiB",
        "UnderReplicatedPartitions  warning",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(
        text.find("billing").unwrap() < text.find("audit").unwrap(),
        "largest lag first"
    );
    assert!(!text.contains("Failed panels"), "{text}");

    let json: Value = serde_json::from_str(&stdout(&run_ok(&env, &["monitor", "c1", "-o", "json"]))).unwrap();
    assert_eq!(json["nodesUp"], json!({ "up": 1, "expected": 1, "down": [] }));
    assert_eq!(json["activeControllers"], json!(["c1-c1-dual-0"]));
    assert_eq!(json["underReplicatedPartitions"], 3.0);
    assert_eq!(json["offlinePartitions"], 2.0);
    assert_eq!(json["bytesInPerSecond"], 1_048_576.0);
    assert_eq!(json["bytesOutPerSecond"], 3_145_728.0);
    assert_eq!(
        json["consumerLag"][0],
        json!({ "group": "billing", "topic": "orders", "lag": 12345.0 })
    );
    assert_eq!(json["diskUse"][0]["bytes"], 2_147_483_648.0);
    assert_eq!(json["firingAlerts"][0]["name"], "UnderReplicatedPartitions");
    assert_eq!(json["failed"], json!([]));

    let proxied: Vec<_> = env
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/services/c1-prometheus:9090/proxy/api/v1/query"))
        .collect();
    assert!(proxied.len() >= 20, "both views queried through the service proxy");
    assert!(proxied.iter().all(|r| r.method == "GET" && r.status == 200));
}

#[test]
fn watch_prints_a_block_per_interval_until_the_timeout() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    install_standalone(&env);
    record_healthy_answers(&env, NS, PROMETHEUS, "alertsStandalone");
    let out = run_ok(
        &env,
        &[
            "monitor",
            "c1",
            "--watch",
            "--interval",
            "1s",
            "--timeout",
            "2500ms",
            "-o",
            "json",
        ],
    );
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    assert!(
        (2..=4).contains(&lines.len()),
        "{} blocks:\n{}",
        lines.len(),
        stdout(&out)
    );
    assert!(lines.iter().all(|l| l["bytesInPerSecond"] == 1_048_576.0));
}

#[test]
fn failing_and_slow_queries_are_reported_per_panel() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    install_standalone(&env);
    record_healthy_answers(&env, NS, PROMETHEUS, "alertsStandalone");
    let proxy = env.fake.proxy();
    proxy.prometheus_query(
        NS,
        PROMETHEUS,
        &query("bytesIn"),
        Recorded::status(500, prometheus_error("internal", "storage is corrupted")),
    );
    proxy.prometheus_query(
        NS,
        PROMETHEUS,
        &query("lag"),
        Recorded::ok(prometheus_vector(&[])).delayed(Duration::from_secs(5)),
    );
    let out = run(&env, &["monitor", "c1", "--query-timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Offline partitions:"),
        "the other panels are shown\n{text}"
    );
    assert!(text.contains("Failed panels:"), "{text}");
    assert!(
        text.contains("Bytes in: Prometheus answered internal: storage is corrupted"),
        "{text}"
    );
    assert!(text.contains("Consumer group lag: no answer within 1s"), "{text}");
    assert!(text.contains(&format!("query: {}", query("lag"))), "{text}");
    assert!(stderr(&out).contains("2 of 10 panels failed"), "{}", stderr(&out));

    // --watch ends as the single run of its last refresh: failed panels exit 1, not 0.
    let watched = run(
        &env,
        &[
            "monitor",
            "c1",
            "--query-timeout",
            "1s",
            "--watch",
            "--interval",
            "1s",
            "--timeout",
            "2s",
            "-o",
            "json",
        ],
    );
    assert_eq!(watched.status.code(), Some(1), "{}", output_text(&watched));
    assert!(
        stderr(&watched).contains("2 of 10 panels failed"),
        "{}",
        stderr(&watched)
    );

    let out = run(&env, &["monitor", "c1", "--query-timeout", "1s", "-o", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let failed: Vec<&str> = json["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["panel"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["bytesIn", "consumerLag"]);
    assert_eq!(json["bytesInPerSecond"], Value::Null);
    assert_eq!(json["offlinePartitions"], 2.0);
}

#[test]
fn a_prometheus_that_answers_nothing_is_an_error_not_an_empty_view() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    install_standalone(&env);
    // Nothing recorded: every query gets Prometheus' bad_data error.
    let out = run(&env, &["monitor", "c1"]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(stdout(&out).is_empty(), "{}", output_text(&out));
    assert!(
        stderr(&out).contains("Prometheus kafka/c1-prometheus:9090 answered none of the health queries"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_monitoring_the_view_says_how_to_install_it() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    let out = run(&env, &["monitor", "c1"]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("monitoring is not installed for Kafka cluster kafka/c1"),
        "{err}"
    );
    assert!(err.contains("kafkactl monitor c1 install -n kafka"), "{err}");
    let out = run(&env, &["monitor", "nope"]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
}

#[test]
fn a_prometheus_that_is_not_ready_is_reported_with_what_to_do() {
    let env = with_dev_cluster(
        env(StrimziRelease::V1_2_0)
            .sim(|s| s.readiness_delay_for_image("prometheus", Duration::from_secs(600)))
            .start(),
    );
    run_ok(
        &env,
        &["monitor", "c1", "install", "--storage-size", "1Gi", "--no-wait"],
    );
    assert!(env.fake.wait_until(Duration::from_secs(10), |s| {
        s.get("v1", "Pod", Some(NS), "c1-prometheus-0").is_some()
    }));
    record_healthy_answers(&env, NS, PROMETHEUS, "alertsStandalone");
    let out = run(&env, &["monitor", "c1"]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Prometheus kafka/c1-prometheus is not ready (0/1 pods ready)"),
        "{err}"
    );
    assert!(err.contains("kubectl -n kafka describe pod c1-prometheus-0"), "{err}");
    let proxied = env.fake.requests().into_iter().any(|r| r.path.contains("/proxy/"));
    assert!(!proxied, "no query is sent to a Prometheus that is not ready");
}

#[test]
fn operator_mode_is_chosen_when_the_cluster_serves_its_crds() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    register_prometheus_operator_crds(&env);
    let out = run_ok(
        &env,
        &[
            "monitor",
            "c1",
            "install",
            "--monitor-label",
            "release=kube-prometheus-stack",
            "--grafana-dashboards",
            "--timeout",
            "60s",
        ],
    );
    assert!(stdout(&out).contains("(operator mode)"), "{}", output_text(&out));
    let monitor = get(&env, "monitoring.coreos.com/v1", "PodMonitor", "c1-kafka").expect("PodMonitor for brokers");
    assert_eq!(monitor["metadata"]["labels"]["release"], "kube-prometheus-stack");
    assert_eq!(monitor["spec"]["podMetricsEndpoints"][0]["port"], "tcp-prometheus");
    assert!(get(&env, "monitoring.coreos.com/v1", "ServiceMonitor", "c1-kafka-exporter").is_some());
    let rule = get(
        &env,
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        "c1-prometheus-rules",
    )
    .expect("rules");
    assert!(
        rule["spec"]["groups"][0]["rules"]
            .to_string()
            .contains("OfflinePartitions")
    );
    assert!(
        get(&env, "apps/v1", "StatefulSet", PROMETHEUS).is_none(),
        "no Prometheus of our own"
    );
    let dashboard = get(&env, "v1", "ConfigMap", "c1-grafana-kafka").expect("dashboard ConfigMap");
    assert_eq!(dashboard["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(stored_prometheus_spec(&env)["mode"], "operator");

    // The health view asks the operator's Prometheus, found by its Service label.
    operator_prometheus(&env);
    record_healthy_answers(&env, "default", "prometheus-operated", "alertsOperator");
    let json: Value = serde_json::from_str(&stdout(&run_ok(&env, &["monitor", "c1", "-o", "json"]))).unwrap();
    assert_eq!(json["prometheus"], "default/prometheus-operated:9090");
    assert_eq!(json["mode"], "operator");
    assert_eq!(json["offlinePartitions"], 2.0);

    // --mode standalone overrides: our own Prometheus, the operator objects pruned.
    run_ok(
        &env,
        &[
            "monitor",
            "c1",
            "install",
            "--mode",
            "standalone",
            "--storage-size",
            "1Gi",
            "--timeout",
            "60s",
        ],
    );
    assert!(get(&env, "apps/v1", "StatefulSet", PROMETHEUS).is_some());
    assert!(get(&env, "monitoring.coreos.com/v1", "PodMonitor", "c1-kafka").is_none());
    assert!(
        get(
            &env,
            "monitoring.coreos.com/v1",
            "PrometheusRule",
            "c1-prometheus-rules"
        )
        .is_none()
    );
    assert!(stored_prometheus_spec(&env).get("mode").is_none());
}

#[test]
fn delete_removes_the_prometheus_operator_objects_of_operator_mode() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    register_prometheus_operator_crds(&env);
    run_ok(&env, &["monitor", "c1", "install", "--timeout", "60s"]);
    let operator_objects = [
        ("PodMonitor", "c1-kafka"),
        ("ServiceMonitor", "c1-kafka-exporter"),
        ("PrometheusRule", "c1-prometheus-rules"),
    ];
    for (kind, name) in operator_objects {
        assert!(
            get(&env, "monitoring.coreos.com/v1", kind, name).is_some(),
            "{kind} {name}"
        );
    }
    run_ok(&env, &["delete", "c1", "--yes", "--timeout", "60s"]);
    assert!(env.kafka("c1").is_none());
    for (kind, name) in operator_objects {
        assert!(
            get(&env, "monitoring.coreos.com/v1", kind, name).is_none(),
            "{kind} {name} is deleted with its cluster"
        );
    }
}

#[test]
fn operator_mode_without_its_crds_is_refused_and_auto_falls_back_to_standalone() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    let out = run(&env, &["monitor", "c1", "install", "--mode", "operator"]);
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        stderr(&out).contains("does not serve monitoring.coreos.com/v1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stored_prometheus_spec(&env)["enabled"], false, "nothing changed");
    install_standalone(&env);
    assert!(get(&env, "apps/v1", "StatefulSet", PROMETHEUS).is_some());
}

#[test]
fn uninstall_keeps_the_volume_and_delete_data_needs_yes() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    install_standalone(&env);
    let claim = "data-c1-prometheus-0";
    assert!(get(&env, "v1", "PersistentVolumeClaim", claim).is_some());

    let out = run_ok(&env, &["monitor", "c1", "uninstall", "--timeout", "60s"]);
    assert!(
        stdout(&out).contains("Volume data-c1-prometheus-0 is kept"),
        "{}",
        output_text(&out)
    );
    assert!(get(&env, "apps/v1", "StatefulSet", PROMETHEUS).is_none());
    assert!(get(&env, "v1", "ConfigMap", "c1-prometheus-config").is_none());
    assert!(
        get(&env, "v1", "PersistentVolumeClaim", claim).is_some(),
        "the volume is kept"
    );
    assert_eq!(stored_prometheus_spec(&env)["enabled"], false);

    install_standalone(&env);
    let out = run(&env, &["monitor", "c1", "uninstall", "--delete-data"]);
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert!(
        get(&env, "apps/v1", "StatefulSet", PROMETHEUS).is_some(),
        "refused before any change"
    );
    assert!(get(&env, "v1", "PersistentVolumeClaim", claim).is_some());

    let out = run_ok(
        &env,
        &[
            "monitor",
            "c1",
            "uninstall",
            "--delete-data",
            "--yes",
            "--timeout",
            "60s",
        ],
    );
    assert!(
        stdout(&out).contains("Volume data-c1-prometheus-0 is deleted"),
        "{}",
        output_text(&out)
    );
    assert!(env.fake.wait_until(Duration::from_secs(5), |s| {
        s.get("v1", "PersistentVolumeClaim", Some(NS), claim).is_none()
    }));
}

// ---- --storage-size on an existing Prometheus (issue 21 case 4) -------------

const CLAIM: &str = "data-c1-prometheus-0";

fn prometheus_claim(env: &Env) -> Value {
    get(env, "v1", "PersistentVolumeClaim", CLAIM).expect("Prometheus' volume claim")
}

fn claim_template_size(env: &Env) -> Value {
    let sts = get(env, "apps/v1", "StatefulSet", PROMETHEUS).expect("Prometheus StatefulSet");
    sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"].clone()
}

/// Prometheus' `--storage.tsdb.retention.size`.
fn retention_size(env: &Env) -> String {
    let sts = get(env, "apps/v1", "StatefulSet", PROMETHEUS).expect("Prometheus StatefulSet");
    sts["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find_map(|a| a.strip_prefix("--storage.tsdb.retention.size="))
        .expect("a retention size cap")
        .to_string()
}

#[test]
fn storage_size_grows_the_claim_keeps_the_template_and_caps_retention_at_the_real_size() {
    let env = with_dev_cluster(env(StrimziRelease::V1_2_0).start());
    install_standalone(&env);
    let uid = prometheus_claim(&env)["metadata"]["uid"].clone();
    assert_eq!(retention_size(&env), "870MB", "85% of 1Gi");

    let out = run_ok(
        &env,
        &[
            "monitor",
            "c1",
            "install",
            "--storage-size",
            "2Gi",
            "--timeout",
            "60s",
            "-o",
            "json",
        ],
    );
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        outcome["grownVolume"],
        json!({ "claim": CLAIM, "from": "1Gi", "to": "2Gi", "grown": true })
    );
    // The claim itself grew (the same claim, so the same samples) ...
    let claim = prometheus_claim(&env);
    assert_eq!(claim["metadata"]["uid"], uid);
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "2Gi");
    assert_eq!(claim["status"]["capacity"]["storage"], "2Gi");
    // ... the StatefulSet's immutable claim template was left as it was ...
    assert_eq!(claim_template_size(&env), "1Gi");
    // ... and the size cap fits the disk the claim really has.
    assert_eq!(retention_size(&env), "1740MB", "85% of 2Gi");
    assert_eq!(stored_prometheus_spec(&env)["storage"]["size"], "2Gi");

    // Another change of the cluster later keeps the template too (a real API
    // server refuses a changed one, and so does the fake).
    run_ok(
        &env,
        &["monitor", "c1", "install", "--retention", "7d", "--timeout", "60s"],
    );
    assert_eq!(claim_template_size(&env), "1Gi");
    assert_eq!(retention_size(&env), "1740MB");
}

#[test]
fn storage_size_shrink_and_a_class_without_expansion_are_refused_writing_nothing() {
    let env = with_dev_cluster(
        env(StrimziRelease::V1_2_0)
            .storage_classes(&[("fixed", false, true)])
            .start(),
    );
    install_standalone(&env);
    env.fake.clear_requests();

    let out = run(&env, &["monitor", "c1", "install", "--storage-size", "512Mi"]);
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let text = stderr(&out);
    assert!(
        text.contains("--storage-size 512Mi") && text.contains("cannot shrink"),
        "{text}"
    );
    assert!(text.contains("--storage-size 1Gi"), "says what to pass: {text}");

    let out = run(&env, &["monitor", "c1", "install", "--storage-size", "85Gi"]);
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let text = stderr(&out);
    assert!(text.contains("--storage-size"), "{text}");
    assert!(
        text.contains("StorageClass \"fixed\" does not allow volume expansion"),
        "{text}"
    );

    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    let claim = prometheus_claim(&env);
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "1Gi");
    assert_eq!(claim_template_size(&env), "1Gi");
    assert_eq!(retention_size(&env), "870MB", "no cap beyond what the 1Gi disk holds");
    assert_eq!(stored_prometheus_spec(&env)["storage"]["size"], "1Gi");
}
