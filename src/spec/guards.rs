//! The guards of every change to a running cluster (`create --update`,
//! `scale`, `upgrade`; `expose` and `monitor` through the same
//! `commands::change::guard_change`): the stored spec → the new spec, judged
//! against what the cluster has now. They refuse what loses data — a
//! shrinking volume, persistent → ephemeral storage, another StorageClass for
//! volumes that hold data, fewer brokers than the replication settings (old
//! and new) and the KafkaTopics need — and list what needs a yes: the live
//! brokers a change removes, and Pending claims of a replaced StorageClass,
//! which hold no data and must go for Strimzi to make them again.
//! Pure: the live facts come in as plain data (`cluster::inventory::change_facts`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{ClusterSpec, StorageSpec, StorageType};
use super::names;
use super::problem::Problem;
use super::scaling::{TopicReplicas, broker_count_refusals, removed_node_ids, volume_changes};

/// What the cluster has now, as far as the guards need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveFacts {
    /// Per pool (a key of the stored spec's `pools`): the node ids running
    /// now. A pool that could not be read is absent (its stored size counts).
    pub pools: BTreeMap<String, LivePool>,
    /// The cluster's KafkaTopics and their replicas.
    pub topics: Vec<TopicReplicas>,
    /// Data claims by the spec field of their storage
    /// (`pools.brokers.storage`, `zookeeper.storage`).
    pub claims: BTreeMap<String, Vec<LiveClaim>>,
    /// The cluster's default StorageClass, which a spec without a class means.
    pub default_class: Option<String>,
}

/// The node ids of one pool now, and Strimzi's `strimzi.io/remove-node-ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LivePool {
    pub node_ids: Vec<i32>,
    pub remove_node_ids: Option<String>,
}

/// One PersistentVolumeClaim of a pool (or of ZooKeeper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveClaim {
    pub name: String,
    /// `Pending`: never bound, so it holds no data. Anything else may.
    pub pending: bool,
    pub class: Option<String>,
}

/// Broker node ids of one pool that a change removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemovedBrokers {
    pub pool: String,
    pub node_ids: Vec<i32>,
}

/// Pending claims whose StorageClass the change replaces: Strimzi never
/// changes an existing claim, so they must be deleted for it to make them
/// again with the new class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StaleClaims {
    /// Spec field of the storage: `pools.brokers.storage`.
    pub field: String,
    /// The class the claims will get (`None`: the cluster's default class).
    pub class: Option<String>,
    pub claims: Vec<String>,
}

/// The guards' judgement of one change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Unsafe parts of the change; any makes the whole change a refusal.
    pub refusals: Vec<Problem>,
    pub removed_brokers: Vec<RemovedBrokers>,
    pub stale_claims: Vec<StaleClaims>,
}

impl Verdict {
    /// Every broker id the change removes, sorted.
    pub fn removed_broker_ids(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = self.removed_brokers.iter().flat_map(|r| r.node_ids.clone()).collect();
        ids.sort_unstable();
        ids
    }

    /// Every Pending claim to delete, by name.
    pub fn stale_claim_names(&self) -> Vec<String> {
        self.stale_claims.iter().flat_map(|s| s.claims.clone()).collect()
    }

    /// The questions a change needs a yes to (`--yes` in scripts), one per kind.
    pub fn questions(&self, cluster: &str) -> Vec<String> {
        let mut out = Vec::new();
        if !self.removed_brokers.is_empty() {
            let pools: Vec<String> = self
                .removed_brokers
                .iter()
                .map(|r| format!("{} from pool {}", join(&r.node_ids), r.pool))
                .collect();
            out.push(format!(
                "remove broker{} {} of {cluster}? Their pods go; Strimzi refuses while they still host partition replicas",
                if self.removed_broker_ids().len() == 1 { "" } else { "s" },
                pools.join(", ")
            ));
        }
        for stale in &self.stale_claims {
            out.push(format!(
                "delete the Pending claims {} of {} (never bound, they hold no data) so that Strimzi makes them again with {}?",
                stale.claims.join(", "),
                stale.field,
                class_words(stale.class.as_deref())
            ));
        }
        out
    }
}

/// Judge the change `old` (stored) → `new` against `live`.
pub fn judge(old: &ClusterSpec, new: &ClusterSpec, live: &LiveFacts) -> Verdict {
    let mut verdict = Verdict::default();
    for change in volume_changes(old, new).iter().filter(|v| v.shrinks()) {
        verdict.refusals.push(Problem::error(
            change.field.clone(),
            format!(
                "cannot shrink {} from {} to {}: Kubernetes volumes only grow; keep the size or grow it (to move to smaller disks, add a new node pool and move the partitions there)",
                change.field,
                change.from.as_deref().unwrap_or("?"),
                change.to
            ),
        ));
    }
    let mut storages: Vec<(String, &StorageSpec, &StorageSpec)> = old
        .pools
        .iter()
        .filter_map(|(name, before)| {
            let after = new.pools.get(name)?;
            Some((format!("pools.{name}.storage"), &before.storage, &after.storage))
        })
        .collect();
    if let (Some(before), Some(after)) = (&old.zookeeper, &new.zookeeper) {
        storages.push(("zookeeper.storage".to_string(), &before.storage, &after.storage));
    }
    for (field, before, after) in storages {
        if let Some(problem) = to_ephemeral(&field, before, after) {
            verdict.refusals.push(problem);
        }
        let claims = live.claims.get(&field).map(Vec::as_slice).unwrap_or_default();
        judge_class(&field, before, after, claims, live, &mut verdict);
    }
    let running = old
        .broker_pools()
        .map(|(name, pool)| match live.pools.get(name) {
            Some(p) => p.node_ids.len() as i32,
            None => pool.replicas.max(0),
        })
        .sum();
    verdict
        .refusals
        .extend(broker_count_refusals(old, new, running, &live.topics));
    for (name, pool) in old.broker_pools() {
        let (current, annotation) = match live.pools.get(name) {
            Some(p) => (p.node_ids.clone(), p.remove_node_ids.as_deref()),
            None => (stored_ids(old, name, pool.replicas), None),
        };
        let keep = new
            .pools
            .get(name)
            .filter(|p| p.is_broker())
            .map_or(0, |p| p.replicas.max(0) as usize);
        let ids = removed_node_ids(&current, keep, annotation);
        if !ids.is_empty() {
            verdict.removed_brokers.push(RemovedBrokers {
                pool: name.clone(),
                node_ids: ids,
            });
        }
    }
    verdict
}

/// Node ids kafkactl expects a pool to have when the live ones are unknown
/// (ZooKeeper mode: `0..n`).
fn stored_ids(spec: &ClusterSpec, pool: &str, replicas: i32) -> Vec<i32> {
    if spec.is_zookeeper() {
        return (0..replicas.max(0)).collect();
    }
    names::predicted_node_ids(spec, pool)
}

fn to_ephemeral(field: &str, before: &StorageSpec, after: &StorageSpec) -> Option<Problem> {
    if before.kind == StorageType::Ephemeral || after.kind != StorageType::Ephemeral {
        return None;
    }
    Some(Problem::error(
        format!("{field}.type"),
        format!(
            "{field} would change from {} to ephemeral storage: every pod would restart on an empty emptyDir volume and lose the data on its claims; keep persistent storage (leave --ephemeral out), or create a new cluster with ephemeral storage and move the data there",
            before.kind.as_str()
        ),
    ))
}

/// A new StorageClass for existing volumes: refused when a claim may hold
/// data (it keeps its class for good); Pending claims of another class are
/// listed for deletion. Without claims there is nothing to judge: new
/// claims get the new class.
fn judge_class(
    field: &str,
    before: &StorageSpec,
    after: &StorageSpec,
    claims: &[LiveClaim],
    live: &LiveFacts,
    verdict: &mut Verdict,
) {
    // (claims in scope, class before, class after), per volume.
    let mut volumes: Vec<(Vec<&LiveClaim>, Option<String>, Option<String>)> = Vec::new();
    match (before.kind, after.kind) {
        (StorageType::PersistentClaim, StorageType::PersistentClaim) => {
            volumes.push((claims.iter().collect(), before.class.clone(), after.class.clone()));
        }
        (StorageType::Jbod, StorageType::Jbod) => {
            for volume in &after.volumes {
                let Some(was) = before.volumes.iter().find(|v| v.id == volume.id) else {
                    continue;
                };
                let prefix = format!("data-{}-", volume.id);
                volumes.push((
                    claims.iter().filter(|c| c.name.starts_with(&prefix)).collect(),
                    was.class.clone().or_else(|| before.class.clone()),
                    volume.class.clone().or_else(|| after.class.clone()),
                ));
            }
        }
        _ => {}
    }
    let effective = |class: &Option<String>| class.clone().or_else(|| live.default_class.clone());
    for (claims, was, now) in volumes {
        if was == now {
            continue;
        }
        let wanted = effective(&now);
        let differs = |c: &LiveClaim| wanted.is_none() || c.class != wanted;
        let holding: Vec<String> = claims
            .iter()
            .filter(|c| !c.pending && differs(c))
            .map(|c| c.name.clone())
            .collect();
        if !holding.is_empty() {
            verdict.refusals.push(Problem::error(
                format!("{field}.class"),
                format!(
                    "cannot change the StorageClass of {field} from {} to {}: claim{} {} {} bound and may hold data, and a claim keeps its class for good; {}, or add a node pool with the new class and move the partitions there",
                    class_words(was.as_deref()),
                    class_words(now.as_deref()),
                    if holding.len() == 1 { "" } else { "s" },
                    holding.join(", "),
                    if holding.len() == 1 { "is" } else { "are" },
                    match was.as_deref() {
                        Some(name) => format!("keep --storage-class {name}"),
                        None => "leave --storage-class out".to_string(),
                    }
                ),
            ));
            continue;
        }
        let stale: Vec<String> = claims.iter().filter(|c| differs(c)).map(|c| c.name.clone()).collect();
        if !stale.is_empty() {
            verdict.stale_claims.push(StaleClaims {
                field: field.to_string(),
                class: now,
                claims: stale,
            });
        }
    }
}

fn class_words(class: Option<&str>) -> String {
    match class {
        Some(name) => format!("StorageClass \"{name}\""),
        None => "the default StorageClass".to_string(),
    }
}

fn join(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    fn production() -> ClusterSpec {
        let mut spec = preset::resolve(&preset::find("production").unwrap()).unwrap();
        spec.name = "c".into();
        spec
    }

    fn claim(name: &str, pending: bool, class: &str) -> LiveClaim {
        LiveClaim {
            name: name.into(),
            pending,
            class: Some(class.into()),
        }
    }

    fn fields(verdict: &Verdict) -> Vec<&str> {
        verdict.refusals.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn shrinking_and_going_ephemeral_are_refused_naming_the_field() {
        let old = production();
        let mut new = old.clone();
        new.pools.get_mut("brokers").unwrap().storage.size = Some("50Gi".into());
        let verdict = judge(&old, &new, &LiveFacts::default());
        assert_eq!(fields(&verdict), ["pools.brokers.storage"]);
        assert!(
            verdict.refusals[0].message.contains("from 100Gi to 50Gi"),
            "{verdict:?}"
        );

        let mut new = old.clone();
        let storage = &mut new.pools.get_mut("brokers").unwrap().storage;
        storage.kind = StorageType::Ephemeral;
        storage.size = None;
        let verdict = judge(&old, &new, &LiveFacts::default());
        assert_eq!(fields(&verdict), ["pools.brokers.storage.type"]);
        assert!(verdict.refusals[0].message.contains("persistent-claim to ephemeral"));
    }

    #[test]
    fn the_brokers_removed_are_the_live_ones_not_the_stored_ones() {
        let old = production();
        let live = LiveFacts {
            pools: BTreeMap::from([(
                "brokers".to_string(),
                LivePool {
                    node_ids: vec![100, 101, 102, 103],
                    remove_node_ids: None,
                },
            )]),
            ..LiveFacts::default()
        };
        // The stored spec says 3, and 3 is asked for: the live fourth goes.
        let verdict = judge(&old, &old, &live);
        assert!(verdict.refusals.is_empty(), "{verdict:?}");
        assert_eq!(verdict.removed_broker_ids(), [103]);
        let questions = verdict.questions("c");
        assert_eq!(questions.len(), 1);
        assert!(
            questions[0].contains("remove broker 103 from pool brokers of c"),
            "{questions:?}"
        );
        assert!(judge(&old, &old, &LiveFacts::default()).removed_brokers.is_empty());
    }

    #[test]
    fn a_new_class_for_pending_claims_lists_them_and_for_bound_ones_is_refused() {
        let mut old = production();
        old.pools.get_mut("brokers").unwrap().storage.class = Some("wrong".into());
        let mut new = old.clone();
        new.pools.get_mut("brokers").unwrap().storage.class = Some("standard".into());
        let pending = LiveFacts {
            claims: BTreeMap::from([(
                "pools.brokers.storage".to_string(),
                vec![
                    claim("data-c-c-brokers-0", true, "wrong"),
                    claim("data-c-c-brokers-1", true, "wrong"),
                ],
            )]),
            ..LiveFacts::default()
        };
        let verdict = judge(&old, &new, &pending);
        assert!(verdict.refusals.is_empty(), "{verdict:?}");
        assert_eq!(
            verdict.stale_claim_names(),
            ["data-c-c-brokers-0", "data-c-c-brokers-1"]
        );
        assert!(verdict.questions("c")[0].contains("StorageClass \"standard\""));

        let mut bound = pending.clone();
        bound.claims.get_mut("pools.brokers.storage").unwrap()[1].pending = false;
        let verdict = judge(&old, &new, &bound);
        assert_eq!(fields(&verdict), ["pools.brokers.storage.class"]);
        assert!(
            verdict.refusals[0].message.contains("data-c-c-brokers-1 is bound"),
            "{verdict:?}"
        );
        assert!(verdict.stale_claims.is_empty());
    }

    #[test]
    fn naming_the_default_class_that_bound_claims_already_have_is_no_change() {
        let old = production();
        let mut new = old.clone();
        new.pools.get_mut("brokers").unwrap().storage.class = Some("standard".into());
        let live = LiveFacts {
            claims: BTreeMap::from([(
                "pools.brokers.storage".to_string(),
                vec![claim("data-c-c-brokers-0", false, "standard")],
            )]),
            default_class: Some("standard".into()),
            ..LiveFacts::default()
        };
        assert_eq!(judge(&old, &new, &live), Verdict::default());
    }
}
