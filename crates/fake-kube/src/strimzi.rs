//! The real Strimzi CRDs from `../shared/strimzi/<release>/install/cluster-operator/04*-Crd-*.yaml`,
//! read in place (never copied into the repository).

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::PathBuf;

/// A Strimzi release whose bundle is in the shared directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrimziRelease {
    /// KRaft only; serves `kafka.strimzi.io/v1`.
    V1_2_0,
    /// The last with ZooKeeper; serves `kafka.strimzi.io/v1beta2`.
    V0_45_2,
}

impl StrimziRelease {
    pub fn version(self) -> &'static str {
        match self {
            StrimziRelease::V1_2_0 => "1.2.0",
            StrimziRelease::V0_45_2 => "0.45.2",
        }
    }

    /// The API version its Kafka resources are served at.
    pub fn api_version(self) -> &'static str {
        match self {
            StrimziRelease::V1_2_0 => "kafka.strimzi.io/v1",
            StrimziRelease::V0_45_2 => "kafka.strimzi.io/v1beta2",
        }
    }

    pub fn parse(s: &str) -> Option<StrimziRelease> {
        match s {
            "1.2.0" => Some(StrimziRelease::V1_2_0),
            "0.45.2" => Some(StrimziRelease::V0_45_2),
            _ => None,
        }
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

/// `<workspace>/../shared/strimzi`, found from this crate's manifest directory.
pub fn shared_strimzi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/strimzi")
}

/// One YAML (or JSON) document as a JSON value.
pub fn parse_yaml(text: &str) -> Result<Value> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| anyhow::anyhow!("{e}"))
}
