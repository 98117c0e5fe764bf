//! The Prometheus configuration and alert rules kafkactl renders, judged by
//! `promtool` (Debian's `prometheus` package, 2.42). That build has no
//! Kubernetes service discovery, so the discovery blocks are checked here and
//! replaced by a static target before `promtool check config`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kafkactl::render::{RenderContext, render};
use kafkactl::spec::ClusterSpec;
use kafkactl::spec::names;
use kafkactl::spec::preset::{BUILTIN_PRESETS, find, resolve};
use serde_json::{Value, json};

const NAMESPACE: &str = "streaming";

/// The promtool binary; a missing one fails the test (it never skips).
fn promtool() -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("promtool"))
        .find(|candidate| candidate.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "promtool not found on PATH: install Debian's `prometheus` package \
             (apt-get install -y prometheus), as CI does"
        )
    })
}

fn preset_spec(preset: &str, name: &str) -> ClusterSpec {
    let mut spec = resolve(&find(preset).unwrap()).unwrap();
    spec.name = name.to_string();
    spec.namespace = NAMESPACE.to_string();
    spec.prometheus.enabled = true;
    spec
}

/// `prometheus.yml` and `kafka-rules.yml` as rendered into the ConfigMap.
fn prometheus_files(spec: &ClusterSpec) -> (String, String) {
    let plan = render(spec, &RenderContext::offline());
    let config_map = plan
        .find("ConfigMap", &names::prometheus_config(&spec.name))
        .expect("the Prometheus ConfigMap is rendered");
    let data = &config_map.object["data"];
    (
        data["prometheus.yml"].as_str().unwrap().to_string(),
        data["kafka-rules.yml"].as_str().unwrap().to_string(),
    )
}

fn run(args: &[&str], file: &Path) -> (bool, String) {
    let output = Command::new(promtool()).args(args).arg(file).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Assert every `kubernetes_sd_configs` block discovers pods of `namespace`
/// only, and stand a static target in for it. Returns how many were replaced.
fn replace_kubernetes_sd(config: &mut Value, namespace: &str) -> usize {
    let mut replaced = 0;
    for job in config["scrape_configs"].as_array_mut().unwrap() {
        let job = job.as_object_mut().unwrap();
        let Some(sd) = job.remove("kubernetes_sd_configs") else {
            continue;
        };
        assert_eq!(
            sd,
            json!([{ "role": "pod", "namespaces": { "names": [namespace] } }]),
            "job {}",
            job["job_name"]
        );
        job.insert("static_configs".to_string(), json!([{ "targets": ["127.0.0.1:9404"] }]));
        replaced += 1;
    }
    replaced
}

/// Check one spec's files with promtool; returns the number of alert rules.
fn check_with_promtool(spec: &ClusterSpec) -> usize {
    let (config_text, rules_text) = prometheus_files(spec);
    let dir = tempfile::tempdir().unwrap();
    let rules_path = dir.path().join("kafka-rules.yml");
    std::fs::write(&rules_path, &rules_text).unwrap();
    let (ok, output) = run(&["check", "rules"], &rules_path);
    assert!(
        ok,
        "promtool check rules failed for {}:\n{output}\n{rules_text}",
        spec.name
    );

    let mut config: Value = serde_saphyr::from_str(&config_text).unwrap();
    let replaced = replace_kubernetes_sd(&mut config, &spec.namespace);
    assert!(replaced > 0, "{}: no discovery-based jobs in\n{config_text}", spec.name);
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, serde_saphyr::to_string(&config).unwrap()).unwrap();
    let (ok, output) = run(&["check", "config"], &config_path);
    assert!(
        ok,
        "promtool check config failed for {}:\n{output}\n{config_text}",
        spec.name
    );
    assert!(
        output.contains("1 rule files found"),
        "rule file not picked up:\n{output}"
    );

    let rules: Value = serde_saphyr::from_str(&rules_text).unwrap();
    rules["groups"][0]["rules"].as_array().unwrap().len()
}

#[test]
fn every_builtin_preset_passes_promtool() {
    for preset in BUILTIN_PRESETS {
        let spec = preset_spec(preset.name, preset.name);
        let rules = check_with_promtool(&spec);
        assert!(rules >= 5, "{}: only {rules} rules", preset.name);
    }
}

#[test]
fn zookeeper_cluster_with_every_component_passes_promtool() {
    let mut spec = preset_spec("zookeeper-classic", "classic");
    assert!(spec.is_zookeeper());
    spec.zoo_entrance.enabled = true;
    spec.zookeeper_exporter.enabled = true;
    spec.jmx.enabled = true;
    spec.jmx.node_port_services = true;
    let (config, rules) = prometheus_files(&spec);
    for job in [
        "kafka",
        "zookeeper",
        "kafka-exporter",
        "zookeeper-exporter",
        "prometheus",
    ] {
        assert!(
            config.contains(&format!("job_name: {job}\n")),
            "job {job} missing:\n{config}"
        );
    }
    for alert in ["ZooKeeperLatencyHigh", "ZooKeeperUnreachable", "ConsumerGroupLag"] {
        assert!(rules.contains(alert), "{alert} missing:\n{rules}");
    }
    check_with_promtool(&spec);
}

#[test]
fn kraft_cluster_without_exporters_passes_promtool() {
    let mut spec = preset_spec("production", "lean");
    spec.kafka_exporter.enabled = false;
    let (config, rules) = prometheus_files(&spec);
    assert!(!config.contains("zookeeper"), "{config}");
    assert!(!rules.contains("ExporterDown"), "{rules}");
    check_with_promtool(&spec);
}

#[test]
fn cluster_without_any_metrics_still_has_a_valid_empty_rule_group() {
    let mut spec = preset_spec("dev", "bare");
    spec.metrics.kafka = false;
    spec.kafka_exporter.enabled = false;
    let (config_text, rules_text) = prometheus_files(&spec);
    let dir = tempfile::tempdir().unwrap();
    let rules_path = dir.path().join("kafka-rules.yml");
    std::fs::write(&rules_path, &rules_text).unwrap();
    let (ok, output) = run(&["check", "rules"], &rules_path);
    assert!(ok, "{output}");
    assert!(output.contains("0 rules found"), "{output}");
    // Only Prometheus scrapes itself: nothing to discover, promtool reads it as is.
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, &config_text).unwrap();
    let (ok, output) = run(&["check", "config"], &config_path);
    assert!(ok, "{output}\n{config_text}");
}

/// The harness itself can fail: promtool is really judging the files.
#[test]
fn promtool_rejects_a_broken_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yml");
    std::fs::write(
        &path,
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum by (pod (up)\n",
    )
    .unwrap();
    let (ok, output) = run(&["check", "rules"], &path);
    assert!(!ok, "promtool accepted a broken expression:\n{output}");
}
