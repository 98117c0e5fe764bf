//! Pure rules for changing a running cluster: which broker counts the
//! replication settings allow, which volumes change size (and whether they
//! would shrink), which node ids Strimzi removes on a scale-down, and how
//! Kafka and KRaft metadata versions compare. No I/O.

use std::cmp::Ordering;

use super::model::{ClusterSpec, StorageSpec, StorageType};
use super::problem::Problem;
use super::quantity::parse_storage_bytes;

/// Replication factors a broker count must hold, with Kafka's default for each.
const REPLICATION_FACTORS: [(&str, i64); 3] = [
    ("default.replication.factor", 1),
    ("offsets.topic.replication.factor", 3),
    ("transaction.state.log.replication.factor", 3),
];
const MIN_ISR: &str = "min.insync.replicas";

/// A KafkaTopic of the cluster and its `spec.replicas`: an existing topic
/// keeps its replication factor whatever the broker config says later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicReplicas {
    pub name: String,
    pub replicas: i64,
}

/// Why a new broker count is unsafe, one problem per setting it breaks
/// (field `config.<key>`, or `KafkaTopic` for the topics). `running` is the
/// broker count the cluster has now (the live node pools; a `kubectl patch`
/// may have made it differ from the stored spec). Only a changed count is
/// judged: the replication factors always, `min.insync.replicas + 1` and the
/// topics' replicas on a scale-down, so that one broker can restart (or fail)
/// while producers with acks=all still write. Each setting counts with the
/// higher of its stored and its new value: lowering
/// `offsets.topic.replication.factor` does not change the `__consumer_offsets`
/// topic that already exists, nor any other topic created under the old value.
pub fn broker_count_refusals(
    old: &ClusterSpec,
    new: &ClusterSpec,
    running: i32,
    topics: &[TopicReplicas],
) -> Vec<Problem> {
    let (before, after) = (i64::from(running), i64::from(new.broker_count()));
    let mut out = Vec::new();
    if before == after || after < 1 {
        return out;
    }
    for (key, default) in REPLICATION_FACTORS {
        let (rf, how) = setting(old, new, key, default);
        if after < rf {
            out.push(Problem::error(
                format!("config.{key}"),
                format!(
                    "{key} is {rf}{how}: Kafka cannot keep {rf} replicas on {after} broker{}; keep at least {rf} brokers, or lower {key} first",
                    plural(after)
                ),
            ));
        }
    }
    if after >= before {
        return out;
    }
    let (min_isr, how) = setting(old, new, MIN_ISR, 1);
    if after < min_isr + 1 {
        out.push(Problem::error(
            format!("config.{MIN_ISR}"),
            format!(
                "{MIN_ISR} is {min_isr}{how}: with {after} broker{} one broker down (a rolling restart is enough) leaves fewer in-sync replicas than {min_isr} and producers with acks=all are refused; keep at least {} brokers",
                plural(after),
                min_isr + 1
            ),
        ));
    }
    let mut too_big: Vec<&TopicReplicas> = topics.iter().filter(|t| t.replicas > after).collect();
    too_big.sort_by(|a, b| b.replicas.cmp(&a.replicas).then(a.name.cmp(&b.name)));
    if let Some(most) = too_big.first() {
        let shown: Vec<String> = too_big
            .iter()
            .take(5)
            .map(|t| format!("{} ({})", t.name, t.replicas))
            .collect();
        let more = too_big.len().saturating_sub(shown.len());
        out.push(Problem::error(
            "KafkaTopic",
            format!(
                "{} KafkaTopic{} keep more replicas than {after} broker{} can hold: {}{}; keep at least {} brokers, or lower the topics' replicas first (kafka-reassign-partitions.sh)",
                too_big.len(),
                if too_big.len() == 1 { "" } else { "s" },
                plural(after),
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() },
                most.replicas
            ),
        ));
    }
    out
}

/// The value a replication setting counts with: the higher of the stored
/// and the new one (Kafka's default when unset), and how it came about.
fn setting(old: &ClusterSpec, new: &ClusterSpec, key: &str, default: i64) -> (i64, String) {
    let value = |spec: &ClusterSpec| spec.config_int(key).unwrap_or(default);
    let (was, now) = (value(old), value(new));
    if was > now {
        return (
            was,
            format!(
                " in the stored spec (this change lowers it to {now}, but topics created under {was} — __consumer_offsets among them — keep {was} replicas; lower theirs first, then the setting, and remove brokers in a later change)"
            ),
        );
    }
    match new.config_int(key) {
        Some(_) => (now, String::new()),
        None => (now, " (unset, Kafka's default)".to_string()),
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One persistent volume whose size changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeChange {
    /// Spec path of the volume: `pools.brokers.storage`, `pools.brokers.storage.volumes[0]`, `zookeeper.storage`.
    pub field: String,
    /// The StorageClass the volume names (`None`: the cluster's default class).
    pub class: Option<String>,
    pub from: Option<String>,
    pub to: String,
}

impl VolumeChange {
    /// The new size is smaller than the old one (Kubernetes cannot shrink a claim).
    pub fn shrinks(&self) -> bool {
        let bytes = |s: &str| parse_storage_bytes(s).ok();
        match (self.from.as_deref().and_then(bytes), bytes(&self.to)) {
            (Some(from), Some(to)) => to < from,
            _ => false,
        }
    }
}

/// Persistent volumes (single claims and JBOD volumes, of pools and of
/// ZooKeeper) whose size differs between `old` and `new`. Ephemeral volumes
/// have no claim to resize and are left out.
pub fn volume_changes(old: &ClusterSpec, new: &ClusterSpec) -> Vec<VolumeChange> {
    let mut out = Vec::new();
    for (name, pool) in &new.pools {
        if let Some(before) = old.pools.get(name) {
            storage_changes(
                &format!("pools.{name}.storage"),
                &before.storage,
                &pool.storage,
                &mut out,
            );
        }
    }
    if let (Some(before), Some(after)) = (&old.zookeeper, &new.zookeeper) {
        storage_changes("zookeeper.storage", &before.storage, &after.storage, &mut out);
    }
    out
}

fn storage_changes(field: &str, old: &StorageSpec, new: &StorageSpec, out: &mut Vec<VolumeChange>) {
    match (old.kind, new.kind) {
        (StorageType::PersistentClaim, StorageType::PersistentClaim) if old.size != new.size => {
            if let Some(to) = &new.size {
                out.push(VolumeChange {
                    field: field.to_string(),
                    class: new.class.clone(),
                    from: old.size.clone(),
                    to: to.clone(),
                });
            }
        }
        (StorageType::Jbod, StorageType::Jbod) => {
            for (index, volume) in new.volumes.iter().enumerate() {
                let before = old.volumes.iter().find(|v| v.id == volume.id);
                if let Some(before) = before.filter(|b| b.size != volume.size) {
                    out.push(VolumeChange {
                        field: format!("{field}.volumes[{index}]"),
                        class: volume.class.clone().or_else(|| new.class.clone()),
                        from: Some(before.size.clone()),
                        to: volume.size.clone(),
                    });
                }
            }
        }
        _ => {}
    }
}

/// The node ids Strimzi removes when a pool with `current` ids shrinks to
/// `replicas`: those listed in `strimzi.io/remove-node-ids` first, then the
/// highest ids.
pub fn removed_node_ids(current: &[i32], replicas: usize, remove_annotation: Option<&str>) -> Vec<i32> {
    let excess = current.len().saturating_sub(replicas);
    let mut order: Vec<i32> = remove_annotation
        .map(parse_node_id_ranges)
        .unwrap_or_default()
        .into_iter()
        .filter(|id| current.contains(id))
        .collect();
    let mut highest: Vec<i32> = current.to_vec();
    highest.sort_unstable_by(|a, b| b.cmp(a));
    for id in highest {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    let mut removed: Vec<i32> = order.into_iter().take(excess).collect();
    removed.sort_unstable();
    removed
}

/// Strimzi's node id syntax: `[0, 5-7, 100]`.
pub fn parse_node_id_ranges(text: &str) -> Vec<i32> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .flat_map(|part| match part.trim().split_once('-') {
            Some((a, b)) => match (a.trim().parse::<i32>(), b.trim().parse::<i32>()) {
                (Ok(a), Ok(b)) if a <= b => (a..=b).collect(),
                _ => Vec::new(),
            },
            None => part.trim().parse().ok().into_iter().collect(),
        })
        .collect()
}

/// `(major, minor, patch)` of a Kafka version `X.Y.Z`.
pub fn kafka_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// How Kafka version `a` compares to `b`, when both are versions.
pub fn compare_kafka_versions(a: &str, b: &str) -> Option<Ordering> {
    Some(kafka_version(a)?.cmp(&kafka_version(b)?))
}

/// `(major, minor)` of a KRaft metadata version (`4.2`, `4.2-IV1`).
pub fn metadata_release(text: &str) -> Option<(u32, u32)> {
    let release = text.split_once("-IV").map_or(text, |(r, _)| r);
    let (major, minor) = release.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ConfigValue, JbodVolume, preset};

    fn production() -> ClusterSpec {
        preset::resolve(&preset::find("production").unwrap()).unwrap()
    }

    fn with_brokers(spec: &ClusterSpec, n: i32) -> ClusterSpec {
        let mut out = spec.clone();
        out.pools.get_mut("brokers").unwrap().replicas = n;
        out
    }

    #[test]
    fn scale_below_a_replication_factor_names_the_setting() {
        let old = with_brokers(&production(), 5);
        let problems = broker_count_refusals(&old, &with_brokers(&old, 2), old.broker_count(), &[]);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"config.default.replication.factor"), "{problems:?}");
        assert!(
            fields.contains(&"config.offsets.topic.replication.factor"),
            "{problems:?}"
        );
        assert!(problems[0].message.contains("3 replicas on 2 brokers"), "{problems:?}");
    }

    #[test]
    fn scale_down_to_min_insync_replicas_is_refused_but_one_more_is_fine() {
        let mut old = with_brokers(&production(), 5);
        old.config.insert("min.insync.replicas".into(), ConfigValue::Int(3));
        let problems = broker_count_refusals(&old, &with_brokers(&old, 3), old.broker_count(), &[]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "config.min.insync.replicas");
        assert!(problems[0].message.contains("keep at least 4 brokers"), "{problems:?}");
        assert!(broker_count_refusals(&old, &with_brokers(&old, 4), old.broker_count(), &[]).is_empty());
    }

    #[test]
    fn scale_up_is_not_judged_by_min_insync_replicas() {
        let mut old = with_brokers(&production(), 3);
        old.config.insert("min.insync.replicas".into(), ConfigValue::Int(3));
        assert!(broker_count_refusals(&old, &with_brokers(&old, 4), old.broker_count(), &[]).is_empty());
    }

    #[test]
    fn unset_offsets_replication_factor_counts_as_kafkas_default_three() {
        let mut old = with_brokers(&production(), 3);
        old.config.clear();
        let problems = broker_count_refusals(&old, &with_brokers(&old, 2), old.broker_count(), &[]);
        assert!(
            problems
                .iter()
                .any(|p| p.field == "config.offsets.topic.replication.factor" && p.message.contains("Kafka's default")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_replication_factor_lowered_in_the_same_change_still_counts_with_its_stored_value() {
        let old = production();
        let mut new = with_brokers(&old, 2);
        for key in [
            "default.replication.factor",
            "offsets.topic.replication.factor",
            "transaction.state.log.replication.factor",
        ] {
            new.config.insert(key.into(), ConfigValue::Int(2));
        }
        new.config.insert("min.insync.replicas".into(), ConfigValue::Int(1));
        let problems = broker_count_refusals(&old, &new, 3, &[]);
        let offsets = problems
            .iter()
            .find(|p| p.field == "config.offsets.topic.replication.factor")
            .expect("the stored offsets.topic.replication.factor still counts");
        assert!(offsets.message.contains("lowers it to 2"), "{offsets:?}");
        assert!(offsets.message.contains("__consumer_offsets"), "{offsets:?}");
        // The same settings already stored at 2: two brokers are fine.
        let mut lowered = old.clone();
        lowered.config = new.config.clone();
        assert!(broker_count_refusals(&lowered, &new, 3, &[]).is_empty());
    }

    #[test]
    fn the_live_broker_count_decides_what_is_a_scale_down_and_topics_keep_their_replicas() {
        let mut old = with_brokers(&production(), 3);
        old.config.insert("min.insync.replicas".into(), ConfigValue::Int(1));
        old.config
            .insert("default.replication.factor".into(), ConfigValue::Int(1));
        old.config
            .insert("offsets.topic.replication.factor".into(), ConfigValue::Int(1));
        old.config
            .insert("transaction.state.log.replication.factor".into(), ConfigValue::Int(1));
        let topics = [TopicReplicas {
            name: "orders".into(),
            replicas: 4,
        }];
        // Stored 3, new 3, but four brokers run (a kubectl patch): a scale-down.
        let problems = broker_count_refusals(&old, &old, 4, &topics);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "KafkaTopic");
        assert!(problems[0].message.contains("orders (4)"), "{problems:?}");
        assert!(broker_count_refusals(&old, &old, 3, &topics).is_empty());
    }

    #[test]
    fn volume_growth_and_shrink_are_told_apart_including_jbod() {
        let old = production();
        let mut new = old.clone();
        new.pools.get_mut("brokers").unwrap().storage.size = Some("200Gi".into());
        new.pools.get_mut("controllers").unwrap().storage.size = Some("10Gi".into());
        let changes = volume_changes(&old, &new);
        assert_eq!(changes.len(), 2);
        let grow = changes.iter().find(|c| c.field == "pools.brokers.storage").unwrap();
        assert!(!grow.shrinks());
        assert!(
            changes
                .iter()
                .find(|c| c.field == "pools.controllers.storage")
                .unwrap()
                .shrinks()
        );

        let jbod = |size: &str| StorageSpec {
            kind: StorageType::Jbod,
            volumes: vec![JbodVolume {
                id: 0,
                size: size.into(),
                class: Some("fast".into()),
                delete_claim: false,
            }],
            ..StorageSpec::default()
        };
        let mut old = production();
        old.pools.get_mut("brokers").unwrap().storage = jbod("100Gi");
        let mut new = old.clone();
        new.pools.get_mut("brokers").unwrap().storage = jbod("1Ti");
        let changes = volume_changes(&old, &new);
        assert_eq!(changes[0].field, "pools.brokers.storage.volumes[0]");
        assert_eq!(changes[0].class.as_deref(), Some("fast"));
        assert!(!changes[0].shrinks());
    }

    #[test]
    fn strimzi_removes_the_highest_ids_unless_told_otherwise() {
        assert_eq!(removed_node_ids(&[100, 101, 102, 103, 104], 3, None), vec![103, 104]);
        assert_eq!(removed_node_ids(&[100, 101, 102, 103], 3, Some("[100]")), vec![100]);
        assert_eq!(
            removed_node_ids(&[100, 101, 102, 103], 2, Some("[101, 250]")),
            vec![101, 103]
        );
        assert!(removed_node_ids(&[0, 1, 2], 3, None).is_empty());
        assert_eq!(parse_node_id_ranges("[0, 5-7]"), vec![0, 5, 6, 7]);
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_kafka_versions("4.2.1", "4.10.0"), Some(Ordering::Less));
        assert_eq!(compare_kafka_versions("4.3.1", "4.3.1"), Some(Ordering::Equal));
        assert_eq!(compare_kafka_versions("4.3", "4.3.1"), None);
        assert_eq!(metadata_release("4.2-IV1"), Some((4, 2)));
        assert_eq!(metadata_release("4.3"), Some((4, 3)));
        assert_eq!(metadata_release("x"), None);
    }
}
