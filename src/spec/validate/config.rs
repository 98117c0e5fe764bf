//! Broker configuration: well-known keys have the right type, replication
//! factors fit on the brokers, and min ISR fits in its replication factor.
//! Kafka's defaults count when a key is unset: an unset
//! `offsets.topic.replication.factor` is 3, which a single broker cannot host.

use crate::spec::model::{ClusterSpec, ConfigValue};
use crate::spec::problem::Report;

const DEFAULT_RF: &str = "default.replication.factor";
const OFFSETS_RF: &str = "offsets.topic.replication.factor";
const TRANSACTION_RF: &str = "transaction.state.log.replication.factor";
const MIN_ISR: &str = "min.insync.replicas";
const TRANSACTION_MIN_ISR: &str = "transaction.state.log.min.isr";

/// Replication factors and Kafka's default for each.
const REPLICATION_FACTORS: [(&str, i64); 3] = [(DEFAULT_RF, 1), (OFFSETS_RF, 3), (TRANSACTION_RF, 3)];

/// Keys that must be whole numbers of at least 1.
const POSITIVE_INTEGER_KEYS: &[&str] = &[
    DEFAULT_RF,
    OFFSETS_RF,
    TRANSACTION_RF,
    MIN_ISR,
    TRANSACTION_MIN_ISR,
    "num.partitions",
    "offsets.topic.num.partitions",
    "transaction.state.log.num.partitions",
    "num.network.threads",
    "num.io.threads",
    "num.replica.fetchers",
    "num.recovery.threads.per.data.dir",
    "background.threads",
    "message.max.bytes",
    "replica.fetch.max.bytes",
    "log.segment.bytes",
];

/// Keys that must be whole numbers (some take -1 for "unlimited").
const INTEGER_KEYS: &[&str] = &[
    "log.retention.hours",
    "log.retention.minutes",
    "log.retention.ms",
    "log.retention.bytes",
    "log.roll.hours",
    "log.roll.ms",
    "log.segment.delete.delay.ms",
    "log.flush.interval.messages",
    "log.flush.interval.ms",
    "group.initial.rebalance.delay.ms",
    "replica.lag.time.max.ms",
    "socket.send.buffer.bytes",
    "socket.receive.buffer.bytes",
    "socket.request.max.bytes",
    "log.cleaner.threads",
];

const BOOLEAN_KEYS: &[&str] = &[
    "auto.create.topics.enable",
    "delete.topic.enable",
    "unclean.leader.election.enable",
    "auto.leader.rebalance.enable",
    "log.cleaner.enable",
    "controlled.shutdown.enable",
];

pub(super) fn validate_config(spec: &ClusterSpec, report: &mut Report) {
    for (key, value) in &spec.config {
        validate_type(key, value, report);
    }
    validate_replication_factors(spec, report);
    validate_min_isr(spec, MIN_ISR, DEFAULT_RF, report);
    validate_min_isr(spec, TRANSACTION_MIN_ISR, TRANSACTION_RF, report);
}

fn validate_type(key: &str, value: &ConfigValue, report: &mut Report) {
    let field = format!("config.{key}");
    let positive = POSITIVE_INTEGER_KEYS.contains(&key);
    if positive || INTEGER_KEYS.contains(&key) {
        match value.as_i64() {
            None => report.error(field, format!("must be a whole number, got \"{value}\"")),
            Some(n) if positive && n < 1 => {
                report.error(field, format!("must be a positive integer (at least 1), got {n}"))
            }
            Some(_) => {}
        }
    } else if BOOLEAN_KEYS.contains(&key) && as_bool(value).is_none() {
        report.error(field, format!("must be true or false, got \"{value}\""));
    }
}

fn as_bool(value: &ConfigValue) -> Option<bool> {
    match value {
        ConfigValue::Bool(b) => Some(*b),
        ConfigValue::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The value Kafka will use: the configured one when it is a positive
/// integer, Kafka's default when unset, nothing when it is invalid (already
/// reported by the type check).
fn effective(spec: &ClusterSpec, key: &str, default: i64) -> Option<(i64, bool)> {
    match spec.config.get(key) {
        None => Some((default, false)),
        Some(value) => value.as_i64().filter(|n| *n >= 1).map(|n| (n, true)),
    }
}

fn validate_replication_factors(spec: &ClusterSpec, report: &mut Report) {
    let brokers = i64::from(spec.broker_count());
    if brokers < 1 {
        // No brokers is reported with the pools; every factor would repeat it.
        return;
    }
    for (key, default) in REPLICATION_FACTORS {
        let Some((rf, explicit)) = effective(spec, key, default) else {
            continue;
        };
        if rf <= brokers {
            continue;
        }
        let what = if explicit {
            format!("replication factor {rf} is")
        } else {
            format!("not set, so Kafka uses its default replication factor {rf}, which is")
        };
        report.error(
            format!("config.{key}"),
            format!(
                "{what} above the broker count ({brokers}): Kafka cannot place {rf} replicas on {brokers} broker{}; set --config {key}={brokers}, or add brokers (--brokers {rf})",
                if brokers == 1 { "" } else { "s" }
            ),
        );
    }
}

/// Default min ISR is 1 for topics and 2 for the transaction log.
fn validate_min_isr(spec: &ClusterSpec, isr_key: &str, rf_key: &str, report: &mut Report) {
    let isr_default = if isr_key == TRANSACTION_MIN_ISR { 2 } else { 1 };
    let rf_default = REPLICATION_FACTORS
        .iter()
        .find(|(k, _)| *k == rf_key)
        .map_or(1, |(_, d)| *d);
    let (Some((isr, isr_explicit)), Some((rf, rf_explicit))) = (
        effective(spec, isr_key, isr_default),
        effective(spec, rf_key, rf_default),
    ) else {
        return;
    };
    let rf_text = if rf_explicit {
        format!("{rf_key} {rf}")
    } else {
        format!("{rf_key} (unset, Kafka's default {rf})")
    };
    let isr_text = if isr_explicit {
        format!("{isr}")
    } else {
        format!("{isr} (unset, Kafka's default)")
    };
    if isr > rf {
        report.error(
            format!("config.{isr_key}"),
            format!(
                "{isr_key} {isr_text} is above {rf_text}: writes with acks=all could never succeed; use at most {rf} (usually the replication factor minus one)"
            ),
        );
    } else if isr == rf && rf > 1 && isr_key == MIN_ISR {
        report.warning(
            format!("config.{isr_key}"),
            format!(
                "{isr_key} equals {rf_text}: with one broker down (even during a rolling restart) producers with acks=all are refused; {} is the usual value",
                rf - 1
            ),
        );
    }
}
