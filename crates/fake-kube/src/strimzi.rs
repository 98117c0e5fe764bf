//! The real Strimzi CRDs from `../shared/strimzi/<release>/install/cluster-operator/04*-Crd-*.yaml`,
//! read in place (never copied into the repository).

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::PathBuf;

/// A Strimzi release whose bundle is in the shared directory. The facts each one carries
/// (ZooKeeper support, API versions, minimum Kubernetes) are those of `UPGRADE-PATH.md`'s
/// release table; the Kafka versions are read from the bundle's Deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrimziRelease {
    /// KRaft only; serves `kafka.strimzi.io/v1`.
    V1_2_0,
    /// The last with ZooKeeper (and the ZooKeeper to KRaft migration); serves `kafka.strimzi.io/v1beta2`.
    V0_45_2,
    /// The first without ZooKeeper; refuses ZooKeeper and mid-migration clusters, and clusters
    /// without the `strimzi.io/kraft` and `strimzi.io/node-pools` annotations; v1beta2 only.
    V0_46_1,
    /// KRaft only, the annotations no longer needed; v1beta2 only.
    V0_48_0,
    /// Serves `v1` and `v1beta2` (the storage version); the last that serves v1beta2.
    V0_51_0,
    /// The first serving (and storing) only `v1`.
    V1_0_0,
}

impl StrimziRelease {
    /// Every release with a bundle in the shared directory, oldest first.
    pub const ALL: [StrimziRelease; 6] = [
        StrimziRelease::V0_45_2,
        StrimziRelease::V0_46_1,
        StrimziRelease::V0_48_0,
        StrimziRelease::V0_51_0,
        StrimziRelease::V1_0_0,
        StrimziRelease::V1_2_0,
    ];

    pub fn version(self) -> &'static str {
        match self {
            StrimziRelease::V1_2_0 => "1.2.0",
            StrimziRelease::V0_45_2 => "0.45.2",
            StrimziRelease::V0_46_1 => "0.46.1",
            StrimziRelease::V0_48_0 => "0.48.0",
            StrimziRelease::V0_51_0 => "0.51.0",
            StrimziRelease::V1_0_0 => "1.0.0",
        }
    }

    /// The API version its Kafka resources are stored at, which is also the one its operator
    /// reads and writes them at (the 0.49–0.51 operators still use v1beta2).
    pub fn api_version(self) -> &'static str {
        match self.storage_version() {
            "v1" => "kafka.strimzi.io/v1",
            _ => "kafka.strimzi.io/v1beta2",
        }
    }

    /// The `kafka.strimzi.io` versions its CRDs serve, newest first.
    pub fn served_versions(self) -> &'static [&'static str] {
        match self {
            StrimziRelease::V0_45_2 | StrimziRelease::V0_46_1 | StrimziRelease::V0_48_0 => &["v1beta2"],
            StrimziRelease::V0_51_0 => &["v1", "v1beta2"],
            StrimziRelease::V1_0_0 | StrimziRelease::V1_2_0 => &["v1"],
        }
    }

    /// The version its CRDs mark `storage: true`.
    pub fn storage_version(self) -> &'static str {
        match self {
            StrimziRelease::V1_0_0 | StrimziRelease::V1_2_0 => "v1",
            _ => "v1beta2",
        }
    }

    /// Whether it runs ZooKeeper-based clusters (and migrates them to KRaft).
    pub fn supports_zookeeper(self) -> bool {
        self == StrimziRelease::V0_45_2
    }

    /// The oldest Kubernetes it supports, `(major, minor)`.
    pub fn min_kubernetes(self) -> (u32, u32) {
        match self {
            StrimziRelease::V0_45_2 | StrimziRelease::V0_46_1 => (1, 25),
            StrimziRelease::V0_48_0 => (1, 27),
            StrimziRelease::V0_51_0 | StrimziRelease::V1_0_0 | StrimziRelease::V1_2_0 => (1, 30),
        }
    }

    pub fn parse(s: &str) -> Option<StrimziRelease> {
        StrimziRelease::ALL.into_iter().find(|r| r.version() == s)
    }

    /// The Kafka versions its operator supports, oldest first: the keys of
    /// `STRIMZI_KAFKA_IMAGES` in the bundle's Deployment.
    pub fn kafka_versions(self) -> Result<Vec<String>> {
        let dir = self.dir().join("install/cluster-operator");
        let path = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains("-Deployment-") && n.ends_with(".yaml"))
            })
            .with_context(|| format!("no Deployment in {}", dir.display()))?;
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let deploy = parse_yaml(&text).with_context(|| format!("parsing {}", path.display()))?;
        let images = deploy
            .pointer("/spec/template/spec/containers/0/env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| e.get("name").and_then(Value::as_str) == Some("STRIMZI_KAFKA_IMAGES"))
            .and_then(|e| e.get("value").and_then(Value::as_str))
            .with_context(|| format!("no STRIMZI_KAFKA_IMAGES in {}", path.display()))?;
        let mut versions: Vec<String> = images
            .lines()
            .filter_map(|l| l.trim().split_once('='))
            .map(|(v, _)| v.trim().to_string())
            .collect();
        versions.sort_by_key(|v| version_key(v));
        Ok(versions)
    }

    /// `<workspace>/../shared/strimzi/<version>`.
    pub fn dir(self) -> PathBuf {
        shared_strimzi_dir().join(self.version())
    }

    /// Every CRD of the release's cluster-operator bundle, parsed.
    pub fn crds(self) -> Result<Vec<Value>> {
        let dir = self.dir().join("install/cluster-operator");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("04") && n.contains("-Crd-") && n.ends_with(".yaml"))
            })
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
                parse_yaml(&text).with_context(|| format!("parsing {}", p.display()))
            })
            .collect()
    }
}

/// A dotted version as numbers, for ordering (`3.9.2` < `3.10.0`); a part that is not a
/// number counts as 0.
pub fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-']).map(|p| p.parse().unwrap_or(0)).collect()
}

/// `<workspace>/../shared/strimzi`, found from this crate's manifest directory.
pub fn shared_strimzi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/strimzi")
}

/// One YAML (or JSON) document as a JSON value.
pub fn parse_yaml(text: &str) -> Result<Value> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| anyhow::anyhow!("{e}"))
}
