//! The ZooKeeper → KRaft migration as Strimzi 0.45 documents it (pure): the
//! spec a ZooKeeper cluster has once migrated, the preconditions Strimzi
//! checks before it starts, and, from the metadata state the Kafka reports,
//! what `kafkactl migrate` does next.
//!
//! Strimzi's state machine (`KafkaMetadataStateManager`, 0.45): the Kafka
//! annotation `strimzi.io/kraft` drives `status.kafkaMetadataState` through
//! ZooKeeper → KRaftMigration → KRaftDualWriting → KRaftPostMigration (on
//! `migration`), then PreKRaft → KRaft (on `enabled`, only from
//! KRaftPostMigration). `rollback` acts only in KRaftPostMigration (→
//! KRaftDualWriting), then `disabled` returns to ZooKeeper.

use std::fmt;

use super::model::{ClusterSpec, MetadataMode, NodePoolNames, PoolSpec, Role, StorageType};
use super::scaling::kafka_version;

/// The Kafka annotation that drives the migration.
pub const KRAFT_ANNOTATION: &str = "strimzi.io/kraft";
/// The Kafka annotation that turns node pools on (0.45).
pub const NODE_POOLS_ANNOTATION: &str = "strimzi.io/node-pools";
/// Strimzi keeps a migrated cluster's pods and claims only with this pool name.
pub const BROKER_POOL: &str = "kafka";
/// The controller pool's name unless asked otherwise (Strimzi's example).
pub const CONTROLLER_POOL: &str = "controller";

/// `status.kafkaMetadataState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MetadataState {
    ZooKeeper,
    KRaftMigration,
    KRaftDualWriting,
    KRaftPostMigration,
    PreKRaft,
    KRaft,
}

impl MetadataState {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "ZooKeeper" => MetadataState::ZooKeeper,
            "KRaftMigration" => MetadataState::KRaftMigration,
            "KRaftDualWriting" => MetadataState::KRaftDualWriting,
            "KRaftPostMigration" => MetadataState::KRaftPostMigration,
            "PreKRaft" => MetadataState::PreKRaft,
            "KRaft" => MetadataState::KRaft,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MetadataState::ZooKeeper => "ZooKeeper",
            MetadataState::KRaftMigration => "KRaftMigration",
            MetadataState::KRaftDualWriting => "KRaftDualWriting",
            MetadataState::KRaftPostMigration => "KRaftPostMigration",
            MetadataState::PreKRaft => "PreKRaft",
            MetadataState::KRaft => "KRaft",
        }
    }

    /// What Strimzi does in this state, in a few words.
    pub fn doing(self) -> &'static str {
        match self {
            MetadataState::ZooKeeper => "ZooKeeper holds the metadata",
            MetadataState::KRaftMigration => "copying the metadata from ZooKeeper to the controllers; brokers roll",
            MetadataState::KRaftDualWriting => "writing metadata to both; brokers roll again",
            MetadataState::KRaftPostMigration => "migrated, still writing to ZooKeeper: the last point to roll back",
            MetadataState::PreKRaft => "leaving ZooKeeper: its pods go, the controllers roll",
            MetadataState::KRaft => "KRaft only",
        }
    }
}

impl fmt::Display for MetadataState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the user asked `migrate` to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// To KRaft; `finalize` is the consent to leave KRaftPostMigration.
    Kraft { finalize: bool },
    /// Back to ZooKeeper, while that is possible.
    Rollback,
}

/// The next thing `migrate` does, from where the cluster is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Node pools on (pool `kafka`, annotation): no roll.
    NodePools,
    /// Add the controller pool and set `strimzi.io/kraft: migration`.
    StartMigration,
    /// Strimzi is moving on by itself: wait for `until`.
    Wait { until: MetadataState },
    /// Stop at KRaftPostMigration and ask before going on.
    AskToFinalize,
    /// Set `strimzi.io/kraft: enabled`.
    Finalize,
    /// Remove `spec.zookeeper` and kafkactl's ZooKeeper objects; the stored spec becomes KRaft.
    CleanUp,
    /// Set `strimzi.io/kraft: rollback` (KRaftPostMigration → KRaftDualWriting).
    Rollback,
    /// Delete the controller pool and set `strimzi.io/kraft: disabled`.
    ReturnToZooKeeper,
    /// Nothing left to do.
    Done(&'static str),
    /// Cannot go on: why.
    Refused(String),
}

/// What `migrate` sees of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// `None` when Strimzi has not reported one (a cluster that never
    /// started a migration reports `ZooKeeper`).
    pub state: Option<MetadataState>,
    /// The `strimzi.io/kraft` annotation's value.
    pub annotation: Option<String>,
    pub node_pools: bool,
    pub controller_pool: bool,
    /// `spec.zookeeper` is still there.
    pub zookeeper_spec: bool,
}

/// The next step towards `goal`.
pub fn next(observed: &Observed, goal: Goal) -> Next {
    use MetadataState::*;
    let state = observed
        .state
        .unwrap_or(if observed.zookeeper_spec { ZooKeeper } else { KRaft });
    let annotation = observed.annotation.as_deref().unwrap_or("disabled");
    match goal {
        Goal::Kraft { finalize } => match state {
            ZooKeeper if annotation == "migration" => Next::Wait {
                until: KRaftPostMigration,
            },
            ZooKeeper if !observed.node_pools => Next::NodePools,
            ZooKeeper => Next::StartMigration,
            KRaftMigration | KRaftDualWriting => Next::Wait {
                until: KRaftPostMigration,
            },
            KRaftPostMigration if annotation == "enabled" => Next::Wait { until: KRaft },
            KRaftPostMigration if finalize => Next::Finalize,
            KRaftPostMigration => Next::AskToFinalize,
            PreKRaft => Next::Wait { until: KRaft },
            KRaft if observed.zookeeper_spec => Next::CleanUp,
            KRaft => Next::Done("the cluster is in KRaft mode already"),
        },
        Goal::Rollback => match state {
            KRaftPostMigration if annotation == "rollback" => Next::Wait {
                until: KRaftDualWriting,
            },
            KRaftPostMigration => Next::Rollback,
            KRaftMigration | KRaftDualWriting if annotation == "disabled" => Next::Wait { until: ZooKeeper },
            KRaftMigration | KRaftDualWriting => Next::ReturnToZooKeeper,
            ZooKeeper if observed.controller_pool => Next::ReturnToZooKeeper,
            ZooKeeper => Next::Done("the cluster is in ZooKeeper mode; nothing to roll back"),
            PreKRaft | KRaft => Next::Refused(format!(
                "the cluster is in {state}: Strimzi cannot roll back once the migration was finalized (kafkactl migrate --finalize)"
            )),
        },
    }
}

/// The controller pool `migrate` adds.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerRequest {
    pub name: String,
    pub replicas: i32,
    pub pool: PoolSpec,
}

/// The controller pool from the ZooKeeper ensemble it replaces: as many
/// nodes, its resources, heap, storage and placement.
pub fn controllers_like_zookeeper(spec: &ClusterSpec, replicas: Option<i32>) -> Option<ControllerRequest> {
    let zookeeper = spec.zookeeper.as_ref()?;
    let replicas = replicas.unwrap_or(zookeeper.replicas);
    Some(ControllerRequest {
        name: CONTROLLER_POOL.to_string(),
        replicas,
        pool: PoolSpec {
            roles: vec![Role::Controller],
            replicas,
            resources: zookeeper.resources.clone(),
            jvm: zookeeper.jvm.clone(),
            storage: zookeeper.storage.clone(),
            scheduling: zookeeper.scheduling.clone(),
        },
    })
}

/// Why the controller pool cannot run the cluster's metadata, if it cannot.
pub fn controller_problems(request: &ControllerRequest, spec: &ClusterSpec) -> Vec<String> {
    let mut problems = Vec::new();
    if request.replicas < 1 {
        problems.push(format!(
            "--controllers {}: a KRaft quorum needs at least 1 controller (3 is usual)",
            request.replicas
        ));
    } else if request.replicas % 2 == 0 {
        problems.push(format!(
            "--controllers {}: an even number of controllers tolerates no more failures than one fewer; use {} or {}",
            request.replicas,
            request.replicas - 1,
            request.replicas + 1
        ));
    }
    if request.pool.storage.kind == StorageType::Ephemeral {
        problems.push("the controllers need persistent storage: Strimzi documents that ephemeral controllers lose the metadata when they restart".into());
    }
    if request.pool.roles != [Role::Controller] {
        problems.push("the migration needs a dedicated controller pool (no node with both roles)".into());
    }
    if spec.pools.contains_key(&request.name) {
        problems.push(format!(
            "a pool named {} exists already; pick another with --controller-pool",
            request.name
        ));
    }
    problems
}

/// Strimzi 0.45's own checks before a migration (`validateVersionsForKRaftMigration`):
/// Kafka 3.7.0 or newer, and the metadata, protocol and message format
/// versions the same release.
pub fn version_problems(spec: &ClusterSpec) -> Vec<String> {
    let mut problems = Vec::new();
    match kafka_version(&spec.kafka_version) {
        Some(version) if version >= (3, 7, 0) => {}
        _ => problems.push(format!(
            "Kafka {} is older than 3.7.0, the first Strimzi migrates to KRaft: upgrade it first (kafkactl upgrade --kafka-version 3.9.0)",
            spec.kafka_version
        )),
    }
    let mut releases: Vec<(String, String)> = Vec::new();
    if let Some(metadata) = &spec.metadata_version {
        releases.push((format!("metadataVersion {metadata}"), metadata.clone()));
    }
    for key in ["inter.broker.protocol.version", "log.message.format.version"] {
        if let Some(value) = spec.config.get(key) {
            releases.push((format!("{key} {value}"), value.to_string()));
        }
    }
    let distinct: std::collections::BTreeSet<Option<(u32, u32)>> =
        releases.iter().map(|(_, v)| release_of(v)).collect();
    if distinct.len() > 1 {
        let listed: Vec<&str> = releases.iter().map(|(l, _)| l.as_str()).collect();
        problems.push(format!(
            "{} must name the same Kafka release for Strimzi to migrate",
            listed.join(", ")
        ));
    }
    problems
}

/// The Kafka release (`major.minor`) a metadata, protocol or message format
/// version names: `3.9`, `3.9-IV0`, `3.9.0`.
fn release_of(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split(['.', '-']);
    Some((parts.next()?.trim().parse().ok()?, parts.next()?.trim().parse().ok()?))
}

/// What Strimzi's version precondition asks, made true: `metadataVersion`,
/// `inter.broker.protocol.version` and `log.message.format.version` (those the
/// spec sets) all at the running Kafka release — the usual last step of a Kafka
/// upgrade, which rolls the brokers once. `None` when they agree already, or
/// when aligning would lower one of them (never done).
pub fn aligned_versions(spec: &ClusterSpec) -> Option<ClusterSpec> {
    let (major, minor, _) = kafka_version(&spec.kafka_version).filter(|v| *v >= (3, 7, 0))?;
    let target = (major, minor);
    let mut aligned = spec.clone();
    let mut changed = false;
    if let Some(metadata) = &spec.metadata_version {
        let release = release_of(metadata)?;
        if release > target {
            return None;
        }
        if release != target {
            aligned.metadata_version = Some(format!("{major}.{minor}"));
            changed = true;
        }
    }
    for key in ["inter.broker.protocol.version", "log.message.format.version"] {
        let Some(value) = spec.config.get(key) else {
            continue;
        };
        let release = release_of(&value.to_string())?;
        if release > target {
            return None;
        }
        if release != target {
            aligned
                .config
                .insert(key.to_string(), super::ConfigValue::String(format!("{major}.{minor}")));
            changed = true;
        }
    }
    changed.then_some(aligned)
}

/// The stored spec once migrated: KRaft, the broker pool `kafka` named bare
/// (pods and claims keep their names), the controller pool added, and the
/// ZooKeeper parts gone.
pub fn migrated(spec: &ClusterSpec, controllers: &ControllerRequest) -> ClusterSpec {
    let mut kraft = spec.clone();
    kraft.metadata = MetadataMode::Kraft;
    kraft.zookeeper = None;
    kraft.node_pool_names = NodePoolNames::Bare;
    kraft.pools.insert(controllers.name.clone(), controllers.pool.clone());
    kraft.zoo_entrance.enabled = false;
    kraft.zookeeper_exporter.enabled = false;
    kraft.metrics.zookeeper = false;
    kraft
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    fn zookeeper_classic() -> ClusterSpec {
        let mut spec = preset::find("zookeeper-classic")
            .and_then(|p| preset::resolve(&p))
            .unwrap_or_else(|e| unreachable!("zookeeper-classic is built in: {e}"));
        spec.name = "orders".into();
        spec
    }

    fn observed(state: Option<MetadataState>, annotation: Option<&str>) -> Observed {
        Observed {
            state,
            annotation: annotation.map(str::to_string),
            node_pools: true,
            controller_pool: true,
            zookeeper_spec: true,
        }
    }

    #[test]
    fn the_way_to_kraft_follows_strimzis_states_and_stops_before_finalizing() {
        use MetadataState::*;
        let to_kraft = Goal::Kraft { finalize: false };
        let mut fresh = observed(Some(ZooKeeper), None);
        fresh.node_pools = false;
        assert_eq!(next(&fresh, to_kraft), Next::NodePools);
        assert_eq!(
            next(&observed(Some(ZooKeeper), Some("disabled")), to_kraft),
            Next::StartMigration
        );
        assert_eq!(
            next(&observed(Some(ZooKeeper), Some("migration")), to_kraft),
            Next::Wait {
                until: KRaftPostMigration
            }
        );
        assert_eq!(
            next(&observed(Some(KRaftDualWriting), Some("migration")), to_kraft),
            Next::Wait {
                until: KRaftPostMigration
            }
        );
        assert_eq!(
            next(&observed(Some(KRaftPostMigration), Some("migration")), to_kraft),
            Next::AskToFinalize
        );
        assert_eq!(
            next(
                &observed(Some(KRaftPostMigration), Some("migration")),
                Goal::Kraft { finalize: true }
            ),
            Next::Finalize
        );
        assert_eq!(
            next(&observed(Some(PreKRaft), Some("enabled")), to_kraft),
            Next::Wait { until: KRaft }
        );
        assert_eq!(next(&observed(Some(KRaft), Some("enabled")), to_kraft), Next::CleanUp);
        let mut done = observed(Some(KRaft), Some("enabled"));
        done.zookeeper_spec = false;
        assert!(matches!(next(&done, to_kraft), Next::Done(_)));
    }

    #[test]
    fn rollback_is_possible_until_the_migration_is_finalized() {
        use MetadataState::*;
        assert_eq!(
            next(&observed(Some(KRaftPostMigration), Some("migration")), Goal::Rollback),
            Next::Rollback
        );
        assert_eq!(
            next(&observed(Some(KRaftDualWriting), Some("rollback")), Goal::Rollback),
            Next::ReturnToZooKeeper
        );
        assert_eq!(
            next(&observed(Some(KRaftDualWriting), Some("disabled")), Goal::Rollback),
            Next::Wait { until: ZooKeeper }
        );
        assert_eq!(
            next(&observed(Some(ZooKeeper), Some("disabled")), Goal::Rollback),
            Next::ReturnToZooKeeper
        );
        let mut clean = observed(Some(ZooKeeper), None);
        clean.controller_pool = false;
        assert!(matches!(next(&clean, Goal::Rollback), Next::Done(_)));
        for finalized in [PreKRaft, KRaft] {
            assert!(
                matches!(next(&observed(Some(finalized), Some("enabled")), Goal::Rollback), Next::Refused(r) if r.contains("cannot roll back"))
            );
        }
    }

    #[test]
    fn the_migrated_spec_keeps_the_broker_pool_and_replaces_zookeeper_with_controllers() {
        let spec = zookeeper_classic();
        let controllers = controllers_like_zookeeper(&spec, None).unwrap_or_else(|| unreachable!());
        assert_eq!(controllers.replicas, 3);
        assert!(controller_problems(&controllers, &spec).is_empty());
        let kraft = migrated(&spec, &controllers);
        assert_eq!(kraft.metadata, MetadataMode::Kraft);
        assert_eq!(kraft.node_pool_names, NodePoolNames::Bare);
        assert_eq!(kraft.pools[BROKER_POOL], spec.pools[BROKER_POOL]);
        assert_eq!(kraft.pools[CONTROLLER_POOL].roles, [Role::Controller]);
        assert_eq!(kraft.pools[CONTROLLER_POOL].storage.size.as_deref(), Some("50Gi"));
        assert!(kraft.zookeeper.is_none() && !kraft.zoo_entrance.enabled && !kraft.metrics.zookeeper);
        let report = crate::spec::validate(&kraft);
        assert!(report.errors.is_empty(), "{:?}", report.errors);

        // Rendered for Strimzi 0.45: the broker pool is the KafkaNodePool `kafka`
        // (pods orders-kafka-N, as before), and no ZooKeeper part is left.
        let plan = crate::render::render(&kraft, &crate::render::RenderContext::offline());
        let kinds_named = |kind: &str| -> Vec<String> {
            plan.objects
                .iter()
                .filter(|o| o.object["kind"] == kind)
                .filter_map(|o| o.object["metadata"]["name"].as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(kinds_named("KafkaNodePool"), [CONTROLLER_POOL, BROKER_POOL]);
        let kafka = plan
            .objects
            .iter()
            .find(|o| o.object["kind"] == "Kafka")
            .map(|o| &o.object);
        assert!(kafka.is_some_and(|k| k["spec"].get("zookeeper").is_none()), "{kafka:?}");
        assert!(
            !plan
                .objects
                .iter()
                .any(|o| o.object["metadata"]["name"].as_str().is_some_and(|n| n.contains("zoo")))
        );
    }

    #[test]
    fn controllers_that_cannot_hold_the_metadata_are_named() {
        let spec = zookeeper_classic();
        let mut controllers = controllers_like_zookeeper(&spec, Some(2)).unwrap_or_else(|| unreachable!());
        controllers.pool.storage.kind = StorageType::Ephemeral;
        controllers.name = BROKER_POOL.into();
        let problems = controller_problems(&controllers, &spec);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("use 1 or 3"));
    }

    #[test]
    fn misaligned_versions_are_raised_to_the_kafka_release_never_lowered() {
        let mut spec = zookeeper_classic();
        assert_eq!(aligned_versions(&spec), None, "nothing to align");
        spec.config.insert(
            "inter.broker.protocol.version".into(),
            crate::spec::ConfigValue::String("3.8".into()),
        );
        spec.config.insert(
            "log.message.format.version".into(),
            crate::spec::ConfigValue::String("3.9".into()),
        );
        let aligned = aligned_versions(&spec).unwrap_or_else(|| unreachable!("3.8 can be raised"));
        assert_eq!(
            aligned.config["inter.broker.protocol.version"],
            crate::spec::ConfigValue::String("3.9".into())
        );
        assert!(version_problems(&aligned).is_empty());
        spec.metadata_version = Some("4.0-IV0".into());
        assert_eq!(
            aligned_versions(&spec),
            None,
            "a newer metadata version is never lowered"
        );
    }

    #[test]
    fn strimzis_version_preconditions_are_checked() {
        let mut spec = zookeeper_classic();
        assert!(version_problems(&spec).is_empty());
        spec.kafka_version = "3.6.2".into();
        spec.metadata_version = Some("3.9-IV0".into());
        spec.config.insert(
            "inter.broker.protocol.version".into(),
            crate::spec::ConfigValue::String("3.8".into()),
        );
        let problems = version_problems(&spec);
        assert!(problems[0].contains("older than 3.7.0"), "{problems:?}");
        assert!(
            problems[1].contains("metadataVersion 3.9-IV0, inter.broker.protocol.version 3.8"),
            "{problems:?}"
        );
    }
}
