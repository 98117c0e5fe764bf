//! `kafkactl list [-A]`: the Kafka clusters of a namespace, or of all.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use serde::Serialize;
use serde_json::Value;

use crate::cli::{GlobalArgs, ListArgs};
use crate::cluster::client::connect;
use crate::cluster::discovery::discover;
use crate::cluster::inventory::{list_kafka_pods, list_kafkas, stored_spec};
use crate::cluster::readiness::{kafka_ready, pod_ready};
use crate::spec::DEFAULT_NAMESPACE;
use crate::spec::names::{STRIMZI_BROKER_ROLE_LABEL, STRIMZI_CLUSTER_LABEL, STRIMZI_NAME_LABEL};
use crate::ui;
use crate::ui::output::{TextOutput, table};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRow {
    pub name: String,
    pub namespace: String,
    pub metadata: String,
    pub kafka_version: String,
    pub brokers_ready: u32,
    pub brokers: u32,
    pub ready: bool,
    pub managed_by_kafkactl: bool,
    pub created: String,
}

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ClusterList(pub Vec<ClusterRow>);

impl TextOutput for ClusterList {
    fn text(&self) -> String {
        if self.0.is_empty() {
            return "No Kafka clusters found.\n".to_string();
        }
        let now = std::time::SystemTime::now();
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.namespace.clone(),
                    r.metadata.clone(),
                    r.kafka_version.clone(),
                    format!("{}/{}", r.brokers_ready, r.brokers),
                    if r.ready { "True".into() } else { "False".into() },
                    age(&r.created, now),
                ]
            })
            .collect();
        table(
            &["NAME", "NAMESPACE", "MODE", "VERSION", "BROKERS", "READY", "AGE"],
            &rows,
        )
    }
}

pub fn run(global: &GlobalArgs, args: ListArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let list = runtime.block_on(async {
        let conn = connect(&global.connection.options()).await?;
        let info = discover(&conn).await?;
        // No Strimzi CRDs: no clusters (an answer, not a usage error), and how to start.
        let Some(api) = info.api() else {
            if !global.output.quiet {
                crate::eprintln_safe!(
                    "note: Strimzi is not installed in this cluster (no kafka.strimzi.io API); \
                 `kafkactl operator install` installs it"
                );
            }
            return Ok(ClusterList(Vec::new()));
        };
        let namespace = match args.all_namespaces {
            true => None,
            false => Some(global.connection.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)),
        };
        let (kafkas, pods) = futures::try_join!(
            futures::TryFutureExt::map_err(list_kafkas(&conn, api.as_str(), namespace), crate::error::Failure::from),
            futures::TryFutureExt::map_err(list_kafka_pods(&conn, namespace), crate::error::Failure::from)
        )?;
        Ok::<_, anyhow::Error>(rows(&kafkas, &pods))
    })?;
    ui::output::print_outcome(&list, global.output.output)
}

/// Broker pods per (namespace, cluster): (ready, total).
fn broker_counts(pods: &[Pod]) -> BTreeMap<(String, String), (u32, u32)> {
    let mut counts = BTreeMap::new();
    for pod in pods {
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        let Some(cluster) = labels.get(STRIMZI_CLUSTER_LABEL) else {
            continue;
        };
        let is_broker = match labels.get(STRIMZI_BROKER_ROLE_LABEL) {
            Some(role) => role == "true",
            None => labels.get(STRIMZI_NAME_LABEL) == Some(&format!("{cluster}-kafka")),
        };
        if !is_broker {
            continue;
        }
        let key = (pod.metadata.namespace.clone().unwrap_or_default(), cluster.clone());
        let entry = counts.entry(key).or_insert((0, 0));
        entry.1 += 1;
        if pod_ready(pod) {
            entry.0 += 1;
        }
    }
    counts
}

fn rows(kafkas: &[Value], pods: &[Pod]) -> ClusterList {
    let counts = broker_counts(pods);
    let mut rows: Vec<ClusterRow> = kafkas
        .iter()
        .map(|k| {
            let name = k["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let namespace = k["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
            let spec = stored_spec(k).and_then(Result::ok);
            let (ready_pods, pod_count) = counts
                .get(&(namespace.clone(), name.clone()))
                .copied()
                .unwrap_or((0, 0));
            ClusterRow {
                metadata: match &spec {
                    Some(s) => s.metadata.as_str().to_string(),
                    None if k["spec"]["zookeeper"].is_object() => "zookeeper".into(),
                    None => "kraft".into(),
                },
                kafka_version: k["status"]["kafkaVersion"]
                    .as_str()
                    .or(k["spec"]["kafka"]["version"].as_str())
                    .unwrap_or_default()
                    .to_string(),
                brokers_ready: ready_pods,
                brokers: spec
                    .as_ref()
                    .map(|s| s.broker_count().max(0) as u32)
                    .unwrap_or(pod_count),
                ready: kafka_ready(k),
                managed_by_kafkactl: spec.is_some(),
                created: k["metadata"]["creationTimestamp"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                name,
                namespace,
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    ClusterList(rows)
}

/// kubectl-style age ("45s", "12m", "3h", "9d") of an RFC 3339 timestamp.
fn age(created: &str, now: std::time::SystemTime) -> String {
    let Some(then) = parse_rfc3339(created) else {
        return "-".into();
    };
    let secs = now.duration_since(then).map(|d| d.as_secs()).unwrap_or(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// `2026-11-25T10:00:00Z` → SystemTime (UTC, whole seconds).
fn parse_rfc3339(text: &str) -> Option<std::time::SystemTime> {
    let t: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time =
        serde_json::from_value(Value::String(text.to_string())).ok()?;
    let secs = t.0.as_second();
    u64::try_from(secs)
        .ok()
        .map(|s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn age_reads_like_kubectl() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |secs_ago: u64| {
            let t = k8s_openapi::jiff::Timestamp::from_second((1_000_000 - secs_ago) as i64).unwrap();
            t.to_string()
        };
        assert_eq!(age(&at(30), now), "30s");
        assert_eq!(age(&at(600), now), "10m");
        assert_eq!(age(&at(3 * 3600), now), "3h");
        assert_eq!(age(&at(5 * 86_400), now), "5d");
        assert_eq!(age("garbage", now), "-");
    }
}
