//! What `kafkactl monitor` renders and asks, checked against what the cluster's
//! scrape jobs produce: every Grafana panel and every health-view query uses
//! only metric names the scraped exporters export; dashboards are valid JSON;
//! the operator-mode PrometheusRule passes `promtool check rules`; the
//! monitoring objects appear in the full render only in their mode.

use std::collections::BTreeSet;
use std::process::Command;

use kafkactl::cluster::prometheus_query::health_queries;
use kafkactl::render::grafana::{dashboards, kafka_dashboard, scraped_metrics, zookeeper_dashboard};
use kafkactl::render::{RenderContext, render};
use kafkactl::spec::preset::{BUILTIN_PRESETS, find, resolve};
use kafkactl::spec::{ClusterSpec, PrometheusMode};
use serde_json::Value;

fn preset_spec(preset: &str) -> ClusterSpec {
    let mut spec = resolve(&find(preset).unwrap()).unwrap();
    spec.name = "orders".to_string();
    spec.namespace = "streaming".to_string();
    spec.prometheus.enabled = true;
    spec.prometheus.grafana_dashboards = true;
    spec
}

fn operator(mut spec: ClusterSpec) -> ClusterSpec {
    spec.prometheus.mode = PrometheusMode::Operator;
    spec
}

const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
];

/// Metric names a PromQL expression selects: identifiers that are not
/// functions, keywords, label names in selectors or grouping lists.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    let mut skip_group = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                let mut in_string = false;
                i += 1;
                while i < chars.len() && (in_string || chars[i] != close) {
                    if chars[i] == '"' {
                        in_string = !in_string;
                    } else if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            '(' if skip_group => {
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                skip_group = false;
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let rest: String = chars[i..].iter().collect();
                let rest = rest.trim_start();
                // `sum by (x) (…)`: an aggregation with its grouping first.
                let grouped = ["by", "without"]
                    .iter()
                    .any(|k| rest.starts_with(k) && rest[k.len()..].trim_start().starts_with('('));
                if KEYWORDS.contains(&word.as_str()) {
                    skip_group = matches!(word.as_str(), "by" | "without" | "on" | "ignoring");
                } else if !rest.starts_with('(') && !grouped {
                    names.insert(word);
                }
            }
            c if c.is_ascii_digit() => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    names
}

fn panel_exprs(dashboard: &Value) -> Vec<String> {
    dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().clone())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect()
}

fn assert_scraped(spec: &ClusterSpec, expr: &str, what: &str) {
    let scraped = scraped_metrics(spec);
    let names = metric_names(expr);
    assert!(!names.is_empty(), "{what}: no metric found in {expr}");
    for name in names {
        assert!(
            scraped.contains(name.as_str()),
            "{what}: {name} is not scraped ({expr})"
        );
    }
}

#[test]
fn the_metric_name_parser_finds_metrics_only() {
    let names = metric_names(
        "topk(10, sum by (consumergroup, topic) (rate(kafka_consumergroup_lag{cluster=\"a{b}\",topic!=\"\"}[5m]))) or up == 1",
    );
    assert_eq!(
        names,
        BTreeSet::from(["kafka_consumergroup_lag".to_string(), "up".to_string()])
    );
}

#[test]
fn dashboards_are_json_documents_with_panels_of_scraped_metrics() {
    for preset in BUILTIN_PRESETS {
        let spec = preset_spec(preset.name);
        let objects = dashboards(&spec);
        assert!(!objects.is_empty(), "{}", preset.name);
        for (_, config_map) in objects {
            assert_eq!(config_map["metadata"]["labels"]["grafana_dashboard"], "1");
            for text in config_map["data"].as_object().unwrap().values() {
                let dashboard: Value = serde_json::from_str(text.as_str().unwrap()).expect("valid JSON");
                assert!(dashboard["uid"].as_str().unwrap().len() <= 40);
                let panels = dashboard["panels"].as_array().unwrap();
                assert!(panels.len() >= 5, "{}", preset.name);
                for panel in panels {
                    assert!(panel["title"].is_string());
                    assert!(panel["gridPos"]["w"].as_u64().unwrap() <= 24);
                }
                for expr in panel_exprs(&dashboard) {
                    assert_scraped(&spec, &expr, preset.name);
                }
            }
        }
    }
}

#[test]
fn the_kafka_overview_covers_what_operators_look_at() {
    let dashboard = kafka_dashboard(&preset_spec("production"));
    let titles: Vec<&str> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for wanted in [
        "Brokers up",
        "Under-replicated partitions",
        "Offline partitions",
        "Bytes in per broker",
        "Bytes out per broker",
        "Requests per second",
        "Consumer group lag (largest 10)",
        "Disk use per broker (log segments)",
    ] {
        assert!(titles.contains(&wanted), "{wanted} missing from {titles:?}");
    }
}

#[test]
fn only_zookeeper_mode_gets_a_zookeeper_dashboard() {
    let zookeeper = preset_spec("zookeeper-classic");
    assert!(zookeeper.is_zookeeper());
    assert_eq!(dashboards(&zookeeper).len(), 2);
    for expr in panel_exprs(&zookeeper_dashboard(&zookeeper)) {
        assert_scraped(&zookeeper, &expr, "zookeeper dashboard");
    }
    assert_eq!(dashboards(&preset_spec("production")).len(), 1);
}

#[test]
fn health_view_queries_use_scraped_metrics() {
    for preset in BUILTIN_PRESETS {
        let spec = preset_spec(preset.name);
        for (panel, query) in health_queries(&spec) {
            if query.starts_with("ALERTS") {
                continue; // Prometheus' own series of firing alerts
            }
            assert_scraped(&spec, &query, &format!("{} {panel:?}", preset.name));
        }
    }
}

#[test]
fn operator_mode_replaces_the_own_prometheus_with_monitoring_objects() {
    let standalone = render(&preset_spec("production"), &RenderContext::offline());
    let kinds = |plan: &kafkactl::render::Plan| -> BTreeSet<String> {
        plan.objects.iter().map(|o| o.kind().to_string()).collect()
    };
    assert!(kinds(&standalone).contains("StatefulSet"));
    assert!(!kinds(&standalone).contains("PodMonitor"));
    let plan = render(&operator(preset_spec("zookeeper-classic")), &RenderContext::offline());
    assert!(plan.find("StatefulSet", "orders-prometheus").is_none());
    assert!(plan.find("ConfigMap", "orders-prometheus-config").is_none());
    for (kind, name) in [
        ("PodMonitor", "orders-kafka"),
        ("PodMonitor", "orders-zookeeper"),
        ("ServiceMonitor", "orders-kafka-exporter"),
        ("ServiceMonitor", "orders-zookeeper-exporter"),
        ("PrometheusRule", "orders-prometheus-rules"),
        ("ConfigMap", "orders-grafana-kafka"),
        ("ConfigMap", "orders-grafana-zookeeper"),
    ] {
        let object = plan.find(kind, name).unwrap_or_else(|| panic!("{kind} {name}"));
        assert_eq!(object.namespace(), Some("streaming"));
        assert_eq!(object.object["metadata"]["labels"]["kafkactl.io/cluster"], "orders");
    }
}

#[test]
fn disabled_monitoring_renders_no_monitoring_objects() {
    let mut spec = operator(preset_spec("production"));
    spec.prometheus.enabled = false;
    let plan = render(&spec, &RenderContext::offline());
    for kind in ["PodMonitor", "ServiceMonitor", "PrometheusRule", "StatefulSet"] {
        assert!(plan.objects.iter().all(|o| o.kind() != kind), "{kind}");
    }
    assert!(plan.find("ConfigMap", "orders-grafana-kafka").is_none());
}

#[test]
fn the_prometheus_rule_passes_promtool() {
    let dir = tempfile::tempdir().unwrap();
    for preset in BUILTIN_PRESETS {
        let spec = operator(preset_spec(preset.name));
        let plan = render(&spec, &RenderContext::offline());
        let rule = plan.find("PrometheusRule", "orders-prometheus-rules").unwrap();
        let file = dir.path().join(format!("{}.yml", preset.name));
        std::fs::write(&file, serde_saphyr::to_string(&rule.object["spec"]).unwrap()).unwrap();
        let output = Command::new("promtool")
            .args(["check", "rules"])
            .arg(&file)
            .output()
            .expect("promtool is installed (Debian's prometheus package)");
        assert!(
            output.status.success(),
            "{}: {}{}",
            preset.name,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
