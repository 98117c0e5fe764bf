//! What each Strimzi API generation supports: Kafka versions and their
//! KRaft metadata versions, from the release bundles kafkactl knows.

use super::model::{MetadataMode, StrimziApi};

/// A Strimzi release kafkactl knows, with the Kafka versions it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrimziRelease {
    pub version: &'static str,
    pub api: StrimziApi,
    pub kafka_versions: &'static [&'static str],
    pub default_kafka_version: &'static str,
    pub supports_zookeeper: bool,
}

/// Strimzi 1.2.0: `kafka.strimzi.io/v1` only, KRaft only, node pools required.
pub const STRIMZI_1_2_0: StrimziRelease = StrimziRelease {
    version: "1.2.0",
    api: StrimziApi::V1,
    kafka_versions: &["4.2.0", "4.2.1", "4.3.0", "4.3.1"],
    default_kafka_version: "4.3.1",
    supports_zookeeper: false,
};

/// Strimzi 0.45.2: `v1beta2`, the last release with ZooKeeper.
pub const STRIMZI_0_45_2: StrimziRelease = StrimziRelease {
    version: "0.45.2",
    api: StrimziApi::V1beta2,
    kafka_versions: &["3.8.0", "3.8.1", "3.9.0", "3.9.1", "3.9.2"],
    default_kafka_version: "3.9.2",
    supports_zookeeper: true,
};

/// The release kafkactl renders for when it targets `api` without a cluster.
pub fn release_for_api(api: StrimziApi) -> StrimziRelease {
    match api {
        StrimziApi::V1 => STRIMZI_1_2_0,
        StrimziApi::V1beta2 => STRIMZI_0_45_2,
    }
}

/// Whether `api` can run a cluster in `mode` (ZooKeeper needs v1beta2, i.e. Strimzi <= 0.45).
pub fn api_supports(api: StrimziApi, mode: MetadataMode) -> bool {
    mode == MetadataMode::Kraft || release_for_api(api).supports_zookeeper
}

/// The KRaft metadata version Strimzi documents for a Kafka version: `major.minor-IV0`
/// style strings are what `spec.kafka.metadataVersion` takes; kafkactl uses the
/// `major.minor` form, which Kafka maps to the newest IV of that release.
pub fn metadata_version_for(kafka_version: &str) -> Option<String> {
    let mut parts = kafka_version.split('.');
    let major = parts.next()?.parse::<u32>().ok()?;
    let minor = parts.next()?.parse::<u32>().ok()?;
    Some(format!("{major}.{minor}"))
}
