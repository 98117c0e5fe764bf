//! The metadata state of a Strimzi 0.45 cluster and its ZooKeeper to KRaft migration, as
//! 0.45.2's `KafkaMetadataStateManager` drives it from the `strimzi.io/kraft` annotation,
//! and the checks later operators make before they touch a cluster that is not KRaft.
//! Facts: `../shared/strimzi/UPGRADE-PATH.md`. This module decides; `kafka.rs` deploys.

use super::kube;
use super::operator::Operator;
use crate::store::Store;
use serde_json::Value;

pub const KRAFT_ANNOTATION: &str = "strimzi.io/kraft";
pub const NODE_POOLS_ANNOTATION: &str = "strimzi.io/node-pools";

/// `status.kafkaMetadataState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataState {
    ZooKeeper,
    KRaftMigration,
    KRaftDualWriting,
    KRaftPostMigration,
    PreKRaft,
    KRaft,
}

impl MetadataState {
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

    pub fn parse(s: &str) -> Option<MetadataState> {
        [
            MetadataState::ZooKeeper,
            MetadataState::KRaftMigration,
            MetadataState::KRaftDualWriting,
            MetadataState::KRaftPostMigration,
            MetadataState::PreKRaft,
            MetadataState::KRaft,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// ZooKeeper runs until `PreKRaft` deletes it.
    pub fn zookeeper_runs(self) -> bool {
        !matches!(self, MetadataState::PreKRaft | MetadataState::KRaft)
    }

    /// KRaft controllers run from the start of the migration on.
    pub fn controllers_run(self) -> bool {
        self != MetadataState::ZooKeeper
    }

    /// The metadata is KRaft's alone (no way back).
    pub fn is_kraft(self) -> bool {
        !self.zookeeper_runs()
    }

    /// How brokers are configured in this state: a change rolls them, which is how each
    /// step of the migration rolls the brokers (and a rollback rolls them back).
    pub fn broker_phase(self) -> &'static str {
        match self {
            MetadataState::ZooKeeper => "zookeeper",
            MetadataState::KRaftMigration => "migration",
            MetadataState::KRaftDualWriting => "dual-writing",
            MetadataState::KRaftPostMigration | MetadataState::PreKRaft | MetadataState::KRaft => "kraft",
        }
    }

    /// How controllers are configured: connected to ZooKeeper until the final roll into
    /// `KRaft`.
    pub fn controller_phase(self) -> &'static str {
        match self {
            MetadataState::KRaft => "kraft",
            _ => "migration",
        }
    }
}

/// The state recorded in the status; a cluster without one starts as KRaft when its
/// annotation says `enabled`, else as ZooKeeper.
pub fn recorded_state(kafka: &Value) -> MetadataState {
    kube::str_at(kafka, "/status/kafkaMetadataState")
        .and_then(MetadataState::parse)
        .unwrap_or(if kube::annotation(kafka, KRAFT_ANNOTATION) == Some("enabled") {
            MetadataState::KRaft
        } else {
            MetadataState::ZooKeeper
        })
}

/// Whether the Kafka `namespace/name` reports `state` and Ready for its current generation:
/// the operator finished that step (what a client waiting on a migration step waits for).
/// Reads the Kafka at whichever version the store serves it.
pub fn kafka_settled_in(store: &Store, namespace: &str, name: &str, state: MetadataState) -> bool {
    ["kafka.strimzi.io/v1beta2", "kafka.strimzi.io/v1"]
        .iter()
        .find_map(|api| store.get(api, "Kafka", Some(namespace), name))
        .is_some_and(|kafka| settled_in(&kafka, state))
}

/// The status reports `state` and Ready for the current generation.
pub(crate) fn settled_in(kafka: &Value, state: MetadataState) -> bool {
    let ready = kube::array_at(kafka, "/status/conditions")
        .iter()
        .any(|c| kube::str_at(c, "/type") == Some("Ready") && kube::str_at(c, "/status") == Some("True"));
    ready
        && kube::i64_at(kafka, "/status/observedGeneration").unwrap_or(0) >= kube::generation(kafka)
        && kube::str_at(kafka, "/status/kafkaMetadataState") == Some(state.as_str())
}

/// What the annotation asks of the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Nothing to do.
    Stay,
    /// Move on now.
    Go(MetadataState),
    /// Move on once the current state has finished (pods rolled, status Ready) and the
    /// simulated migration work took its time.
    After(MetadataState),
    /// Not valid here: a `KafkaMetadataStateWarning` condition, nothing changes.
    Warn(String),
}

/// 0.45.2's state machine. No annotation means `disabled`.
pub fn transition(current: MetadataState, annotation: Option<&str>) -> Transition {
    use MetadataState::*;
    let value = annotation.unwrap_or("disabled");
    match (current, value) {
        (ZooKeeper, "disabled") => Transition::Stay,
        (ZooKeeper, "migration") => Transition::Go(KRaftMigration),
        (ZooKeeper, _) => Transition::Warn(format!(
            "The strimzi.io/kraft annotation can't be set to '{value}' because the cluster is ZooKeeper-based. \
             If you want to migrate it to be KRaft-based apply the 'migration' value instead."
        )),
        (KRaftMigration, "migration") => Transition::After(KRaftDualWriting),
        (KRaftDualWriting, "migration") => Transition::After(KRaftPostMigration),
        (KRaftMigration | KRaftDualWriting, "disabled") => Transition::Go(ZooKeeper),
        // A rolled-back cluster waits here for its controllers to be deleted and the
        // annotation set to `disabled` (the documented rollback), so `rollback` is expected.
        (KRaftDualWriting, "rollback") => Transition::Stay,
        (KRaftMigration | KRaftDualWriting, _) => Transition::Warn(format!(
            "The strimzi.io/kraft annotation can't be set to '{value}' during a migration process. \
             It has to be used in post migration to finalize it and move definitely to KRaft."
        )),
        (KRaftPostMigration, "migration") => Transition::Stay,
        (KRaftPostMigration, "enabled") => Transition::Go(PreKRaft),
        (KRaftPostMigration, "rollback") => Transition::Go(KRaftDualWriting),
        (KRaftPostMigration, _) => Transition::Warn(format!(
            "The strimzi.io/kraft annotation can't be set to '{value}' during post-migration. \
             Use 'enabled' to finalize the migration to KRaft or 'rollback' to go back to ZooKeeper."
        )),
        (PreKRaft, "enabled") => Transition::After(KRaft),
        (KRaft, "enabled") => Transition::Stay,
        (PreKRaft | KRaft, _) => Transition::Warn(format!(
            "The strimzi.io/kraft annotation can't be set to '{value}' because the cluster is already KRaft."
        )),
    }
}

/// 0.45.2's `KRaftUtils.validateVersionsForKRaftMigration`: Kafka ≥ 3.7.0, and the metadata
/// version, `inter.broker.protocol.version` and `log.message.format.version` all equal (each
/// defaults to the Kafka version's).
pub fn check_migration_versions(kafka: &Value, kafka_version: &str) -> Result<(), String> {
    let config = |key: &str| {
        kafka
            .pointer("/spec/kafka/config")
            .and_then(|c| c.get(key))
            .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
    };
    let metadata = kube::str_at(kafka, "/spec/kafka/metadataVersion").map(str::to_string);
    let ibp = config("inter.broker.protocol.version");
    let lmf = config("log.message.format.version");
    let default = || kafka_version.to_string();
    let (metadata, ibp, lmf) = (
        metadata.unwrap_or_else(default),
        ibp.unwrap_or_else(default),
        lmf.unwrap_or_else(default),
    );
    let supported = crate::strimzi::version_key(kafka_version) >= crate::strimzi::version_key("3.7.0");
    if supported && same_metadata_version(&metadata, &ibp) && same_metadata_version(&metadata, &lmf) {
        return Ok(());
    }
    Err(format!(
        "Migration cannot be performed with Kafka version {kafka_version}, metadata version {metadata}, \
         inter.broker.protocol.version {ibp}, log.message.format.version {lmf}. Please make sure the Kafka version, \
         metadata version, inter.broker.protocol.version and log.message.format.version are all set to the same \
         value, which must be equal to, or higher than 3.7.0"
    ))
}

/// Kafka's `MetadataVersion.fromVersionString` reads `3.9`, `3.9.2` and `3.9-IV0` as one
/// release's version; an explicit `-IVn` on both sides must match too.
fn same_metadata_version(a: &str, b: &str) -> bool {
    let split = |v: &str| {
        let (release, iv) = match v.split_once("-IV") {
            Some((r, iv)) => (r, Some(iv.to_string())),
            None => (v, None),
        };
        let major_minor: Vec<&str> = release.split('.').take(2).collect();
        (major_minor.join("."), iv)
    };
    let ((ra, iva), (rb, ivb)) = (split(a), split(b));
    ra == rb && (iva.is_none() || ivb.is_none() || iva == ivb)
}

/// The message 0.46–0.51 refuse a cluster with before any reconcile step (0.46 and 0.47
/// also refuse one without both KRaft annotations); `None` when the operator goes on.
pub fn refusal(op: &Operator, kafka: &Value) -> Option<String> {
    if !op.kraft_only() || op.at_least("1.0.0") {
        return None;
    }
    let state = kube::str_at(kafka, "/status/kafkaMetadataState");
    let unmigrated = state.is_some_and(|s| s != "KRaft");
    let annotated = |key: &str| kube::annotation(kafka, key) == Some("enabled");
    let opted_in = annotated(KRAFT_ANNOTATION) && annotated(NODE_POOLS_ANNOTATION);
    // 0.48.0: the annotations "are not required anymore and will be ignored".
    let missing_annotations = !op.at_least("0.48.0") && !opted_in;
    (unmigrated || missing_annotations).then(|| {
        format!(
            "Strimzi {v} supports only KRaft-based Apache Kafka clusters. Please make sure your cluster is migrated to \
             KRaft before using Strimzi {v}.",
            v = op.version
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn enabled_advances_only_post_migration_and_pre_kraft() {
        use MetadataState::*;
        assert_eq!(
            transition(KRaftPostMigration, Some("enabled")),
            Transition::Go(PreKRaft)
        );
        assert_eq!(transition(PreKRaft, Some("enabled")), Transition::After(KRaft));
        for state in [ZooKeeper, KRaftMigration, KRaftDualWriting] {
            assert!(
                matches!(transition(state, Some("enabled")), Transition::Warn(_)),
                "{state:?}"
            );
        }
    }

    #[test]
    fn no_annotation_is_disabled() {
        use MetadataState::*;
        assert_eq!(transition(ZooKeeper, None), Transition::Stay);
        assert_eq!(transition(KRaftMigration, None), Transition::Go(ZooKeeper));
        assert!(matches!(transition(KRaft, None), Transition::Warn(_)));
    }

    #[test]
    fn metadata_versions_compare_by_release() {
        assert!(same_metadata_version("3.9", "3.9-IV0"));
        assert!(same_metadata_version("3.9.2", "3.9"));
        assert!(!same_metadata_version("3.8", "3.9"));
        assert!(!same_metadata_version("3.7-IV1", "3.7-IV4"));
    }

    #[test]
    fn migration_needs_kafka_3_7_and_equal_versions() {
        let kafka = |version: &str, config: Value| json!({"spec": {"kafka": {"version": version, "config": config}}});
        assert!(check_migration_versions(&kafka("3.9.0", json!({})), "3.9.0").is_ok());
        assert!(check_migration_versions(&kafka("3.6.1", json!({})), "3.6.1").is_err());
        let old_ibp = kafka("3.9.0", json!({"inter.broker.protocol.version": "3.8"}));
        let message = check_migration_versions(&old_ibp, "3.9.0").unwrap_err();
        assert!(message.contains("inter.broker.protocol.version 3.8"), "{message}");
    }
}
