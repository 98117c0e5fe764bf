//! `kafkactl monitor NAME`: the health view, read from the cluster's
//! Prometheus through the API server's service proxy, once or `--watch`ed.

use std::io::IsTerminal;
use std::time::Duration;

use serde::Serialize;

use crate::actions::LoadedCluster;
use crate::cli::monitor::ViewArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::prometheus_query::{
    self, HealthView, Panel, PanelResult, PrometheusTarget, build_view, health_queries,
};
use crate::commands::shared::change::load_cluster;
use crate::error::{Failure, FailureKind};
use crate::spec::PrometheusMode;
use crate::ui;
use crate::ui::output::TextOutput;

/// One health summary.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthOutcome {
    pub cluster: String,
    pub namespace: String,
    pub mode: PrometheusMode,
    pub prometheus: String,
    #[serde(flatten)]
    pub view: HealthView,
}

pub(super) async fn health(global: &GlobalArgs, name: &str, args: &ViewArgs) -> anyhow::Result<()> {
    let loaded = load_cluster(global, name).await?;
    let target = prometheus_target(&loaded, args).await?;
    if !args.watch {
        let outcome = health_once(&loaded, &target, args).await?;
        ui::output::print_outcome(&outcome, global.output.output)?;
        return match panels_failed(&outcome, &loaded) {
            None => Ok(()),
            Some(failure) => Err(failure.into()),
        };
    }
    watch(global, &loaded, &target, args).await
}

/// `--watch`: a fresh view every interval until `--timeout`. A failure that
/// may pass (Prometheus restarting) is reported and the watch goes on.
async fn watch(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    target: &PrometheusTarget,
    args: &ViewArgs,
) -> anyhow::Result<()> {
    let format = global.output.output;
    let redraw = format == OutputFormat::Text && std::io::stdout().is_terminal();
    let deadline = tokio::time::Instant::now() + global.connection.timeout;
    loop {
        // The watch ends as the single run of its last refresh would: a failure then is
        // the exit code (1), not a silent 0.
        let last = match health_once(loaded, target, args).await {
            Ok(outcome) => {
                ui::output::print_stdout(&watch_block(&outcome, format, redraw, args.interval)?);
                panels_failed(&outcome, loaded)
            }
            Err(failure) if failure.kind == FailureKind::NotFound => return Err(failure.into()),
            Err(failure) => {
                let message = failure.message.clone();
                ui::errors::print_error(&failure.into());
                Some(Failure::runtime(format!("the last refresh failed: {message}")))
            }
        };
        let next = tokio::time::Instant::now() + args.interval;
        if next >= deadline {
            return match last {
                Some(failure) => Err(failure.into()),
                None => Ok(()),
            };
        }
        tokio::time::sleep_until(next).await;
    }
}

/// The single run's verdict on one view: failed panels fail it.
fn panels_failed(outcome: &HealthOutcome, loaded: &LoadedCluster) -> Option<Failure> {
    match outcome.view.failed.len() {
        0 => None,
        n => Some(
            Failure::runtime(format!(
                "{n} of {} panels failed (shown above)",
                health_queries(&loaded.spec).len()
            ))
            .with_hint("the failed queries and their errors are listed under \"Failed panels\""),
        ),
    }
}

/// One refresh: redrawn over the last on a terminal, else appended (JSON as
/// one document per line, YAML as a multi-document stream).
fn watch_block(
    outcome: &HealthOutcome,
    format: OutputFormat,
    redraw: bool,
    interval: Duration,
) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Json => format!("{}\n", serde_json::to_string(outcome)?),
        OutputFormat::Yaml => format!("---\n{}", ui::output::to_yaml(outcome)?),
        OutputFormat::Text if redraw => format!(
            "\x1b[2J\x1b[HEvery {}s (Ctrl-C to stop)\n\n{}",
            interval.as_secs(),
            outcome.text()
        ),
        OutputFormat::Text => format!("{}\n", outcome.text()),
    })
}

/// Which Prometheus to ask: `--prometheus`, kafkactl's own (when it is
/// ready), or the operator's.
async fn prometheus_target(loaded: &LoadedCluster, args: &ViewArgs) -> Result<PrometheusTarget, Failure> {
    let spec = &loaded.spec;
    if let Some(text) = &args.prometheus {
        return PrometheusTarget::parse(text).map_err(|e| Failure::usage(format!("--prometheus: {e}")));
    }
    if !spec.prometheus.enabled {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "monitoring is not installed for Kafka cluster {}/{}",
                spec.namespace, spec.name
            ),
        )
        .with_hint(format!(
            "install it: kafkactl monitor {} install -n {}",
            spec.name, spec.namespace
        ))
        .with_hint("or ask another Prometheus that scrapes it: --prometheus NAMESPACE/SERVICE[:PORT]"));
    }
    match spec.prometheus.mode {
        PrometheusMode::Standalone => standalone_target(loaded).await,
        PrometheusMode::Operator => {
            let found = prometheus_query::operated_prometheus(&loaded.conn, &spec.namespace).await?;
            found.into_iter().next().ok_or_else(|| {
                Failure::new(
                    FailureKind::NotFound,
                    "monitoring is in operator mode, but no prometheus-operator Prometheus was found (no Service labelled operated-prometheus=true)",
                )
                .with_hint("name the Prometheus Service to ask: --prometheus NAMESPACE/SERVICE[:PORT]")
            })
        }
    }
}

/// kafkactl's own Prometheus, when it exists and is ready.
async fn standalone_target(loaded: &LoadedCluster) -> Result<PrometheusTarget, Failure> {
    let spec = &loaded.spec;
    let target = PrometheusTarget::standalone(spec);
    let install = format!("kafkactl monitor {} install -n {}", spec.name, spec.namespace);
    match prometheus_query::standalone_state(&loaded.conn, spec).await? {
        None => Err(Failure::new(
            FailureKind::NotFound,
            format!(
                "monitoring is on in the spec of {}/{}, but Prometheus (StatefulSet {}) does not exist",
                spec.namespace, spec.name, target.service
            ),
        )
        .with_hint(format!("re-create it: {install}"))),
        Some(state) if state.ready < state.wanted.max(1) => Err(Failure::runtime(format!(
            "Prometheus {}/{} is not ready ({}/{} pods ready)",
            spec.namespace,
            target.service,
            state.ready,
            state.wanted.max(1)
        ))
        .with_hint(format!("if it is starting, `{install}` waits until it is ready"))
        .with_hint(format!(
            "kubectl -n {} describe pod {}-0 shows why it is not",
            spec.namespace, target.service
        ))),
        Some(_) => Ok(target),
    }
}

/// Run every panel's query at once and build the view. When not one query
/// is answered, Prometheus as a whole is unusable: that is an error.
async fn health_once(
    loaded: &LoadedCluster,
    target: &PrometheusTarget,
    args: &ViewArgs,
) -> Result<HealthOutcome, Failure> {
    let spec = &loaded.spec;
    let queries = health_queries(spec);
    let answers = futures::future::join_all(queries.iter().map(|(panel, promql)| async move {
        let result = prometheus_query::query(&loaded.conn, target, promql, args.query_timeout).await;
        (*panel, promql.clone(), result)
    }))
    .await;
    if let Some(failure) = nothing_answered(&answers, target) {
        return Err(failure);
    }
    Ok(HealthOutcome {
        cluster: spec.name.clone(),
        namespace: spec.namespace.clone(),
        mode: spec.prometheus.mode,
        prometheus: target.to_string(),
        view: build_view(spec, answers),
    })
}

fn nothing_answered(answers: &[PanelResult], target: &PrometheusTarget) -> Option<Failure> {
    if answers.is_empty() || answers.iter().any(|(_, _, r)| r.is_ok()) {
        return None;
    }
    let first = answers.iter().find_map(|(_, _, r)| r.as_ref().err())?;
    Some(
        Failure::runtime(format!(
            "Prometheus {target} answered none of the health queries: {first}"
        ))
        .with_hint(format!(
            "kubectl -n {} get pods,endpoints shows whether Prometheus is running and has endpoints",
            target.namespace
        ))
        .with_hint("a slow Prometheus may need a longer --query-timeout"),
    )
}

impl TextOutput for HealthOutcome {
    fn text(&self) -> String {
        let v = &self.view;
        let mut out = format!(
            "Cluster {}/{} (Prometheus {}, {} mode)\n\n",
            self.namespace,
            self.cluster,
            self.prometheus,
            self.mode.as_str()
        );
        let mut rows: Vec<(Panel, String)> = Vec::new();
        if let Some(nodes) = &v.nodes_up {
            let down = match nodes.down.is_empty() {
                true => String::new(),
                false => format!(" (down: {})", nodes.down.join(", ")),
            };
            rows.push((Panel::NodesUp, format!("{}/{}{down}", nodes.up, nodes.expected)));
        }
        if let Some(controllers) = &v.active_controllers {
            let text = match controllers.len() {
                0 => "none".to_string(),
                1 => controllers[0].clone(),
                n => format!("{n} claim it: {}", controllers.join(", ")),
            };
            rows.push((Panel::ActiveController, text));
        }
        let counts = [
            (Panel::UnderReplicatedPartitions, v.under_replicated_partitions),
            (Panel::UnderMinIsrPartitions, v.under_min_isr_partitions),
            (Panel::OfflinePartitions, v.offline_partitions),
        ];
        rows.extend(counts.into_iter().filter_map(|(p, n)| Some((p, format_count(n?)))));
        let rates = [
            (Panel::BytesIn, v.bytes_in_per_second),
            (Panel::BytesOut, v.bytes_out_per_second),
        ];
        rows.extend(
            rates
                .into_iter()
                .filter_map(|(p, n)| Some((p, format!("{}/s", format_bytes(n?))))),
        );
        let width = rows.iter().map(|(p, _)| p.title().len()).max().unwrap_or(0) + 1;
        for (panel, value) in &rows {
            out.push_str(&format!("{:<width$} {value}\n", format!("{}:", panel.title())));
        }
        if let Some(lags) = &v.consumer_lag {
            out.push_str("\nConsumer group lag (largest first):\n");
            out.push_str(&section(
                &["GROUP", "TOPIC", "LAG"],
                lags.iter()
                    .map(|l| vec![l.group.clone(), l.topic.clone(), format_count(l.lag)])
                    .collect(),
                "no consumer groups",
            ));
        }
        if let Some(disks) = &v.disk_use {
            out.push_str("\nDisk use per broker (log segments):\n");
            out.push_str(&section(
                &["POD", "USED", "VOLUME", "USE"],
                disks
                    .iter()
                    .map(|d| {
                        vec![
                            d.pod.clone(),
                            format_bytes(d.bytes),
                            d.capacity_bytes
                                .map(|c| format_bytes(c as f64))
                                .unwrap_or_else(|| "-".into()),
                            d.percent().map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect(),
                "no log segments reported",
            ));
        }
        if let Some(alerts) = &v.firing_alerts {
            out.push_str("\nFiring alerts:\n");
            out.push_str(&section(
                &["ALERT", "SEVERITY", "SUBJECT"],
                alerts
                    .iter()
                    .map(|a| vec![a.name.clone(), a.severity.clone(), a.subject.clone()])
                    .collect(),
                "none",
            ));
        }
        if !v.failed.is_empty() {
            out.push_str("\nFailed panels:\n");
            for failed in &v.failed {
                out.push_str(&format!(
                    "  {}: {}\n    query: {}\n",
                    failed.panel.title(),
                    failed.error,
                    failed.query
                ));
            }
        }
        out
    }
}

fn section(header: &[&str], rows: Vec<Vec<String>>, empty: &str) -> String {
    if rows.is_empty() {
        return format!("  {empty}\n");
    }
    ui::output::table(header, &rows)
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect()
}

/// Whole numbers as integers; anything else (NaN from a broken exporter) as is.
fn format_count(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// Bytes in binary units with one decimal (`1.5 MiB`).
fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if !bytes.is_finite() {
        return format!("{bytes}");
    }
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{value:.0} B"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(format_count(12345.0), "12345");
        assert_eq!(format_count(f64::NAN), "NaN");
        assert_eq!(format_bytes(1_048_576.0), "1.0 MiB");
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(10.0 * 1024.0 * 1024.0 * 1024.0), "10.0 GiB");
    }
}
