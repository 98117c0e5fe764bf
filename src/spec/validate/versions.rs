//! Metadata mode against the Strimzi API, mode-specific blocks, and the Kafka
//! and KRaft metadata versions the target Strimzi release supports.
//!
//! ZooKeeper components enabled in KRaft mode are warnings, not errors: they
//! are simply not rendered, and a spec switched with `--metadata kraft` keeps
//! working.

use crate::spec::model::{ClusterSpec, MetadataMode, StrimziApi};
use crate::spec::problem::Report;
use crate::spec::versions::{StrimziRelease, api_supports, release_for_api};

pub(super) fn validate_versions(spec: &ClusterSpec, report: &mut Report) {
    validate_mode(spec, report);
    validate_cluster_id(spec, report);
    if let Some(version) = validate_kafka_version(spec, report) {
        validate_metadata_version(spec, version, report);
    }
}

fn validate_mode(spec: &ClusterSpec, report: &mut Report) {
    match spec.metadata {
        MetadataMode::Zookeeper => {
            if !api_supports(spec.strimzi_api, MetadataMode::Zookeeper) {
                report.error(
                    "metadata",
                    "Strimzi 0.46 and later (every release that serves API v1) is KRaft-only; use --metadata kraft \
                     (ZooKeeper mode needs a Strimzi 0.45 operator, API v1beta2)",
                );
            }
            if spec.zookeeper.is_none() {
                report.error(
                    "zookeeper",
                    "ZooKeeper mode needs a zookeeper block (replicas, storage, resources), e.g. as in the zookeeper-classic preset",
                );
            }
        }
        MetadataMode::Kraft => {
            if spec.zookeeper.is_some() {
                report.error(
                    "zookeeper",
                    "ZooKeeper settings only apply with metadata: zookeeper; in KRaft mode the controllers keep the metadata, so remove the zookeeper block (or use --metadata zookeeper)",
                );
            }
            let ignored = [
                (spec.zoo_entrance.enabled, "zooEntrance.enabled", "zoo-entrance"),
                (
                    spec.zookeeper_exporter.enabled,
                    "zookeeperExporter.enabled",
                    "the ZooKeeper exporter",
                ),
            ];
            for (_, field, what) in ignored.iter().filter(|(enabled, _, _)| *enabled) {
                report.warning(
                    *field,
                    format!("{what} is ignored in KRaft mode: there is no ZooKeeper; set enabled: false"),
                );
            }
        }
    }
}

/// `(major, minor, patch)` of `X.Y.Z`.
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.');
    let mut next = || -> Option<u32> {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let version = (next()?, next()?, next()?);
    parts.next().is_none().then_some(version)
}

fn describe(release: &StrimziRelease) -> String {
    format!(
        "Strimzi {} (API {}) supports Kafka {}",
        release.version,
        release.api.as_str(),
        release.kafka_versions.join(", ")
    )
}

fn other_api(api: StrimziApi) -> StrimziApi {
    match api {
        StrimziApi::V1 => StrimziApi::V1beta2,
        StrimziApi::V1beta2 => StrimziApi::V1,
    }
}

/// Some Strimzi release serving `api` supports Kafka `version`.
fn known_for_api(api: StrimziApi, version: &str) -> bool {
    crate::operator::releases::RELEASES.iter().any(|r| {
        let serves = match api {
            StrimziApi::V1 => r.serves_v1,
            StrimziApi::V1beta2 => r.serves_v1beta2,
        };
        serves && r.supports_kafka(version)
    })
}

/// Returns the parsed version when it is well-formed.
fn validate_kafka_version(spec: &ClusterSpec, report: &mut Report) -> Option<(u32, u32, u32)> {
    let release = release_for_api(spec.strimzi_api);
    let version = spec.kafka_version.as_str();
    if version.is_empty() {
        report.error(
            "kafkaVersion",
            format!("a Kafka version is required (--kafka-version); {}", describe(&release)),
        );
        return None;
    }
    let Some(parsed) = parse_version(version) else {
        report.error(
            "kafkaVersion",
            format!(
                "\"{version}\" is not a Kafka version; write MAJOR.MINOR.PATCH, e.g. {}",
                release.default_kafka_version
            ),
        );
        return None;
    };
    if spec.is_zookeeper() && api_supports(spec.strimzi_api, MetadataMode::Zookeeper) && parsed.0 >= 4 {
        // Whatever the image or the operator: Kafka 4 removed ZooKeeper.
        report.error(
            "kafkaVersion",
            format!(
                "Kafka {version} has no ZooKeeper mode (Kafka 3.9 is the last release with ZooKeeper); pick a 3.x version with --kafka-version, or metadata: kraft"
            ),
        );
        return Some(parsed);
    }
    if release.kafka_versions.contains(&version) || known_for_api(spec.strimzi_api, version) {
        // Which one the running operator supports is the live check's to say
        // (`check::strimzi`): v1beta2 is served from 0.45 to 0.51.
        return Some(parsed);
    }
    if let Some(image) = &spec.images.kafka {
        report.warning(
            "kafkaVersion",
            format!(
                "Kafka {version} is not one Strimzi {} supports ({}); kafkactl uses your image {image}, so make sure it runs Kafka {version} and that the operator accepts that version (STRIMZI_KAFKA_IMAGES)",
                release.version,
                release.kafka_versions.join(", ")
            ),
        );
        return Some(parsed);
    }
    let other = release_for_api(other_api(spec.strimzi_api));
    let elsewhere = if other.kafka_versions.contains(&version) && api_supports(other.api, spec.metadata) {
        format!(
            ", or --strimzi-api {} for Strimzi {}, which supports {version}",
            other.api.as_str(),
            other.version
        )
    } else {
        String::new()
    };
    report.error(
        "kafkaVersion",
        format!(
            "{}, not {version}; pick one with --kafka-version{elsewhere}, or run a custom build with --kafka-image",
            describe(&release)
        ),
    );
    Some(parsed)
}

/// `metadataVersion` is `X.Y` or `X.Y-IVn`, no newer than the Kafka version.
fn validate_metadata_version(spec: &ClusterSpec, kafka: (u32, u32, u32), report: &mut Report) {
    let Some(metadata_version) = spec.metadata_version.as_deref() else {
        return;
    };
    if spec.is_zookeeper() {
        report.warning(
            "metadataVersion",
            "metadataVersion is a KRaft setting and is ignored in ZooKeeper mode; remove it",
        );
        return;
    }
    let (release, iv) = metadata_version.split_once("-IV").unwrap_or((metadata_version, "0"));
    let parsed =
        parse_version(&format!("{release}.0")).filter(|_| !iv.is_empty() && iv.bytes().all(|b| b.is_ascii_digit()));
    let Some((major, minor, _)) = parsed else {
        report.error(
            "metadataVersion",
            format!(
                "\"{metadata_version}\" is not a KRaft metadata version; write MAJOR.MINOR or MAJOR.MINOR-IVn, e.g. {}.{} (or leave it unset to follow the Kafka version)",
                kafka.0, kafka.1
            ),
        );
        return;
    };
    if (major, minor) > (kafka.0, kafka.1) {
        report.error(
            "metadataVersion",
            format!(
                "metadata version {metadata_version} is newer than Kafka {}; use at most {}.{} (or leave it unset to follow the Kafka version)",
                spec.kafka_version, kafka.0, kafka.1
            ),
        );
    }
}

/// A KRaft cluster ID as Kafka writes it: 16 bytes in URL-safe base64
/// without padding (22 characters).
fn validate_cluster_id(spec: &ClusterSpec, report: &mut Report) {
    let Some(id) = spec.cluster_id.as_deref() else {
        return;
    };
    if spec.is_zookeeper() {
        report.error(
            "clusterId",
            "a ZooKeeper-mode cluster keeps its cluster ID in ZooKeeper (on ZooKeeper's volumes), not in the Kafka resource; remove clusterId",
        );
        return;
    }
    let valid = id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        report.error(
            "clusterId",
            format!(
                "\"{id}\" is not a Kafka cluster ID (22 characters of URL-safe base64, as `kubectl get kafka NAME -o jsonpath='{{.status.clusterId}}'` shows)"
            ),
        );
    }
}

#[cfg(test)]
mod cluster_id_tests {
    use super::*;

    fn errors(spec: &ClusterSpec) -> Vec<String> {
        let mut report = Report::default();
        validate_cluster_id(spec, &mut report);
        report.errors.iter().map(|p| p.field.clone()).collect()
    }

    #[test]
    fn a_cluster_id_is_22_url_safe_base64_characters_and_kraft_only() {
        let mut spec = ClusterSpec {
            cluster_id: Some("Ti2J9W8mR7K3Iv2gYIoH-g".into()),
            ..ClusterSpec::default()
        };
        assert!(errors(&spec).is_empty());
        for bad in ["short", "Ti2J9W8mR7K3Iv2gYIoH+g", "Ti2J9W8mR7K3Iv2gYIoH-g="] {
            spec.cluster_id = Some(bad.into());
            assert_eq!(errors(&spec), ["clusterId"], "{bad}");
        }
        spec.cluster_id = Some("Ti2J9W8mR7K3Iv2gYIoH-g".into());
        spec.metadata = crate::spec::MetadataMode::Zookeeper;
        assert_eq!(errors(&spec), ["clusterId"]);
    }
}
