//! What kafkactl knows about each Strimzi release on the way from the last
//! ZooKeeper release (0.45) to today's KRaft-only ones: whether it runs
//! ZooKeeper clusters, which `kafka.strimzi.io` versions it serves and stores,
//! the Kafka versions it supports, and the Kubernetes it needs. Facts from the
//! releases' own files (`kafka-versions.yaml`, the CRDs' `spec.versions`,
//! `documentation/shared/attributes.adoc`, CHANGELOG); a bundle read from
//! `--from` or a download is authoritative for its Kafka versions.

use super::bundle;

/// One Strimzi release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: &'static str,
    /// Runs ZooKeeper-based clusters and the ZooKeeper → KRaft migration.
    pub zookeeper: bool,
    /// Refuses a cluster without the `strimzi.io/kraft: enabled` and
    /// `strimzi.io/node-pools: enabled` annotations (0.46–0.47).
    pub needs_kraft_annotations: bool,
    pub serves_v1beta2: bool,
    pub serves_v1: bool,
    /// v1 is the storage version of its CRDs (1.0 and later).
    pub stores_v1: bool,
    /// Supported Kafka versions, oldest first; the last is the default.
    pub kafka_versions: &'static [&'static str],
    /// The oldest Kubernetes minor (1.x) it supports.
    pub min_kubernetes_minor: u32,
    /// Upgrading from a Kafka version it does not know is possible (1.0 and
    /// later); older releases fail the reconciliation instead.
    pub upgrades_from_unknown_kafka: bool,
}

impl Release {
    pub fn supports_kafka(&self, version: &str) -> bool {
        self.kafka_versions.contains(&version)
    }

    pub fn default_kafka_version(&self) -> &'static str {
        self.kafka_versions.last().copied().unwrap_or_default()
    }

    /// Serves both API versions: the only releases on which resources can be
    /// converted from v1beta2 to v1.
    pub fn converts_api(&self) -> bool {
        self.serves_v1 && self.serves_v1beta2
    }
}

const fn release(
    version: &'static str,
    zookeeper: bool,
    api: (bool, bool, bool),
    kafka_versions: &'static [&'static str],
    min_kubernetes_minor: u32,
) -> Release {
    let (serves_v1beta2, serves_v1, stores_v1) = api;
    Release {
        version,
        zookeeper,
        needs_kraft_annotations: false,
        serves_v1beta2,
        serves_v1,
        stores_v1,
        kafka_versions,
        min_kubernetes_minor,
        upgrades_from_unknown_kafka: stores_v1,
    }
}

const V1BETA2: (bool, bool, bool) = (true, false, false);
const BOTH: (bool, bool, bool) = (true, true, false);
const V1: (bool, bool, bool) = (false, true, true);

/// The releases kafkactl plans with, oldest first.
pub const RELEASES: &[Release] = &[
    release("0.45.0", true, V1BETA2, &["3.8.0", "3.8.1", "3.9.0"], 25),
    release("0.45.1", true, V1BETA2, &["3.8.0", "3.8.1", "3.9.0", "3.9.1"], 25),
    release(
        "0.45.2",
        true,
        V1BETA2,
        &["3.8.0", "3.8.1", "3.9.0", "3.9.1", "3.9.2"],
        25,
    ),
    Release {
        needs_kraft_annotations: true,
        ..release("0.46.0", false, V1BETA2, &["3.9.0", "4.0.0"], 25)
    },
    Release {
        needs_kraft_annotations: true,
        ..release("0.46.1", false, V1BETA2, &["3.9.0", "4.0.0"], 25)
    },
    Release {
        needs_kraft_annotations: true,
        ..release("0.47.0", false, V1BETA2, &["3.9.0", "3.9.1", "4.0.0"], 25)
    },
    release("0.48.0", false, V1BETA2, &["4.0.0", "4.1.0"], 27),
    release("0.49.0", false, BOTH, &["4.0.0", "4.0.1", "4.1.0", "4.1.1"], 27),
    release("0.49.1", false, BOTH, &["4.0.0", "4.0.1", "4.1.0", "4.1.1"], 27),
    release("0.50.0", false, BOTH, &["4.0.0", "4.0.1", "4.1.0", "4.1.1"], 27),
    release("0.50.1", false, BOTH, &["4.0.0", "4.0.1", "4.1.0", "4.1.1"], 27),
    release("0.51.0", false, BOTH, &["4.1.0", "4.1.1", "4.2.0"], 30),
    release("1.0.0", false, V1, &["4.1.0", "4.1.1", "4.1.2", "4.2.0"], 30),
    release("1.0.1", false, V1, &["4.1.0", "4.1.1", "4.1.2", "4.2.0"], 30),
    release("1.1.0", false, V1, &["4.2.0", "4.2.1", "4.3.0"], 30),
    release("1.2.0", false, V1, &["4.2.0", "4.2.1", "4.3.0", "4.3.1"], 30),
];

/// The release of this version, when kafkactl knows it.
pub fn find(version: &str) -> Option<&'static Release> {
    RELEASES.iter().find(|r| r.version == version)
}

/// The newest release kafkactl knows.
pub fn newest() -> &'static Release {
    RELEASES.last().unwrap_or(&RELEASES[0])
}

/// The facts of a release, as planned with: the listed ones, or for a
/// release kafkactl does not list, what its bundle says (its Kafka versions)
/// and its version number for the rest.
pub fn facts_for(version: &str, bundle_kafka_versions: Vec<String>) -> ReleaseFacts {
    let mut facts = match find(version) {
        Some(known) => known.facts(),
        None => {
            let at_least = |v: &str| !bundle::older(version, v);
            ReleaseFacts {
                version: version.to_string(),
                zookeeper: !at_least("0.46.0"),
                needs_kraft_annotations: at_least("0.46.0") && !at_least("0.48.0"),
                serves_v1beta2: !at_least("1.0.0"),
                serves_v1: at_least("0.49.0"),
                stores_v1: at_least("1.0.0"),
                kafka_versions: Vec::new(),
                min_kubernetes_minor: if at_least("0.51.0") { 30 } else { 25 },
                upgrades_from_unknown_kafka: at_least("1.0.0"),
            }
        }
    };
    if !bundle_kafka_versions.is_empty() {
        facts.kafka_versions = bundle_kafka_versions;
    }
    facts
}

/// A release's facts, owned: what the upgrade path is planned with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseFacts {
    pub version: String,
    pub zookeeper: bool,
    pub needs_kraft_annotations: bool,
    pub serves_v1beta2: bool,
    pub serves_v1: bool,
    pub stores_v1: bool,
    pub kafka_versions: Vec<String>,
    pub min_kubernetes_minor: u32,
    pub upgrades_from_unknown_kafka: bool,
}

impl ReleaseFacts {
    pub fn supports_kafka(&self, version: &str) -> bool {
        self.kafka_versions.iter().any(|v| v == version)
    }

    pub fn converts_api(&self) -> bool {
        self.serves_v1 && self.serves_v1beta2
    }
}

impl Release {
    pub fn facts(&self) -> ReleaseFacts {
        ReleaseFacts {
            version: self.version.to_string(),
            zookeeper: self.zookeeper,
            needs_kraft_annotations: self.needs_kraft_annotations,
            serves_v1beta2: self.serves_v1beta2,
            serves_v1: self.serves_v1,
            stores_v1: self.stores_v1,
            kafka_versions: self.kafka_versions.iter().map(|v| v.to_string()).collect(),
            min_kubernetes_minor: self.min_kubernetes_minor,
            upgrades_from_unknown_kafka: self.upgrades_from_unknown_kafka,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_are_listed_oldest_first_with_their_default_kafka_last() {
        for pair in RELEASES.windows(2) {
            assert!(bundle::older(pair[0].version, pair[1].version), "{pair:?}");
        }
        assert_eq!(find("0.45.2").map(|r| r.default_kafka_version()), Some("3.9.2"));
        assert_eq!(newest().version, "1.2.0");
    }

    #[test]
    fn zookeeper_ends_at_0_46_and_v1beta2_at_1_0() {
        let zookeeper: Vec<&str> = RELEASES.iter().filter(|r| r.zookeeper).map(|r| r.version).collect();
        assert_eq!(zookeeper, ["0.45.0", "0.45.1", "0.45.2"]);
        let converting: Vec<&str> = RELEASES
            .iter()
            .filter(|r| r.converts_api())
            .map(|r| r.version)
            .collect();
        assert_eq!(converting, ["0.49.0", "0.49.1", "0.50.0", "0.50.1", "0.51.0"]);
        assert!(RELEASES.iter().filter(|r| r.stores_v1).all(|r| !r.serves_v1beta2));
    }

    #[test]
    fn an_unlisted_release_is_judged_by_its_number_and_its_bundle() {
        let future = facts_for("1.3.0", vec!["4.3.1".into(), "4.4.0".into()]);
        assert!(!future.zookeeper && future.serves_v1 && !future.serves_v1beta2);
        assert_eq!(future.kafka_versions, ["4.3.1", "4.4.0"]);
        let old = facts_for("0.44.0", vec![]);
        assert!(old.zookeeper && !old.serves_v1 && old.kafka_versions.is_empty());
        let listed = facts_for("0.51.0", vec![]);
        assert_eq!(listed.kafka_versions, ["4.1.0", "4.1.1", "4.2.0"]);
        assert_eq!(listed.min_kubernetes_minor, 30);
    }
}
