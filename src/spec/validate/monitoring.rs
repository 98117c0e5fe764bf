//! Monitoring: kafkactl's Prometheus (retention, volume, image), the
//! kafka-exporter and JMX.

use super::images::check_image;
use super::resources::{validate_resources, validate_storage_class};
use super::syntax::{prometheus_bytes, prometheus_duration_ms};
use crate::spec::model::{ClusterSpec, DEFAULT_PROMETHEUS_IMAGE};
use crate::spec::problem::Report;
use crate::spec::quantity::{format_bytes, parse_storage_bytes};

/// Only an enabled Prometheus is checked: a disabled one renders nothing.
pub(super) fn validate_prometheus(spec: &ClusterSpec, report: &mut Report) {
    let prometheus = &spec.prometheus;
    if !prometheus.enabled {
        return;
    }
    match prometheus_duration_ms(&prometheus.retention) {
        Some(0) => report.error("prometheus.retention", "retention must be longer than zero, e.g. 15d"),
        Some(_) => {}
        None => report.error(
            "prometheus.retention",
            format!(
                "\"{}\" is not a Prometheus duration; write numbers with units y, w, d, h, m, s or ms, largest first, e.g. 15d, 12h, 1w or 1d12h",
                prometheus.retention
            ),
        ),
    }
    let volume = validate_volume(spec, report);
    if let Some(size) = &prometheus.retention_size {
        match prometheus_bytes(size) {
            None | Some(0) => report.error(
                "prometheus.retentionSize",
                format!(
                    "\"{size}\" is not a Prometheus size; write a whole number with a unit B, KB, MB, GB, TB, PB or EB (powers of 2), e.g. 18GB"
                ),
            ),
            Some(cap) => {
                if let Some(volume) = volume
                    && cap >= volume
                {
                    report.warning(
                        "prometheus.retentionSize",
                        format!(
                            "the size cap {size} is not below the volume {}: the volume fills up before Prometheus deletes old data; use about 90% of the volume, e.g. {}GB",
                            format_bytes(volume),
                            (volume / 10 * 9) >> 30
                        ),
                    );
                }
            }
        }
    }
    validate_resources("prometheus", &prometheus.resources, report);
    if prometheus.image.is_empty() {
        report.error(
            "prometheus.image",
            format!("an image is required, e.g. {DEFAULT_PROMETHEUS_IMAGE}"),
        );
    } else {
        check_image(report, "prometheus.image", &prometheus.image, DEFAULT_PROMETHEUS_IMAGE);
    }
}

/// The volume's size in bytes, when it is valid.
fn validate_volume(spec: &ClusterSpec, report: &mut Report) -> Option<u64> {
    let storage = &spec.prometheus.storage;
    validate_storage_class("prometheus.storage.class".to_string(), storage.class.as_deref(), report);
    if storage.size.is_empty() {
        report.error("prometheus.storage.size", "Prometheus needs a volume size, e.g. 20Gi");
        return None;
    }
    match parse_storage_bytes(&storage.size) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            report.error("prometheus.storage.size", e.to_string());
            None
        }
    }
}

pub(super) fn validate_exporters(spec: &ClusterSpec, report: &mut Report) {
    let exporter = &spec.kafka_exporter;
    if exporter.enabled {
        for (field, regex) in [
            ("kafkaExporter.topicRegex", &exporter.topic_regex),
            ("kafkaExporter.groupRegex", &exporter.group_regex),
        ] {
            if regex.trim().is_empty() {
                report.error(field, "an empty pattern selects nothing; use .* for all");
            }
        }
    }
    if spec.jmx.node_port_services && !spec.jmx.enabled {
        report.warning(
            "jmx.nodePortServices",
            "JMX NodePort Services need JMX on the brokers; they are ignored while jmx.enabled is false",
        );
    }
    validate_jmx_node_ports(spec, report);
}

/// Pinned JMX NodePorts: in Kubernetes' range, unique, and only with the Services.
fn validate_jmx_node_ports(spec: &ClusterSpec, report: &mut Report) {
    const RANGE: (i32, i32) = (30000, 32767);
    if spec.jmx.node_ports.is_empty() {
        return;
    }
    if !spec.jmx.node_port_services {
        report.error(
            "jmx.nodePorts",
            "JMX NodePorts need the JMX NodePort Services; set jmx.nodePortServices: true or remove jmx.nodePorts",
        );
    }
    let others: Vec<(String, i32)> = spec
        .pinned_node_ports()
        .into_iter()
        .filter(|(what, _)| !what.starts_with("JMX"))
        .collect();
    let mut seen: std::collections::BTreeMap<i32, i32> = std::collections::BTreeMap::new();
    for (id, port) in &spec.jmx.node_ports {
        let field = format!("jmx.nodePorts.{id}");
        if !(RANGE.0..=RANGE.1).contains(port) {
            report.error(
                field,
                format!(
                    "NodePort {port} is outside the range {}-{} that Kubernetes allocates NodePorts from; pick one in that range, or remove it to let Kubernetes choose",
                    RANGE.0, RANGE.1
                ),
            );
        } else if let Some(other) = seen.insert(*port, *id) {
            report.error(
                field,
                format!("NodePort {port} is also asked for broker {other}; every NodePort must be unique"),
            );
        } else if let Some((what, _)) = others.iter().find(|(_, p)| p == port) {
            report.error(
                field,
                format!("NodePort {port} is also asked for by {what}; every NodePort must be unique"),
            );
        }
    }
}
