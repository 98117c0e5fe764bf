//! Whether a bundle's CRDs can replace the installed ones: a version still listed in an
//! installed CRD's `status.storedVersions` must stay in the new CRD's `spec.versions`, or the
//! API server refuses that CRD update — in the middle of a bundle, after other objects went in.
//! Pure: the installed CRDs are read by `cluster::operator::strimzi_crds`.

use serde::Serialize;
use serde_json::Value;

use super::Bundle;
use crate::cluster::operator::CrdInfo;

/// An installed CRD whose stored versions the bundle's CRD no longer lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DroppedStoredVersion {
    pub crd: String,
    /// Versions objects may still be stored as, that the new CRD drops.
    pub dropped: Vec<String>,
    /// The versions the new CRD lists.
    pub target_versions: Vec<String>,
}

/// Every installed CRD the bundle would replace with one that drops a stored version.
pub fn dropped_stored_versions(bundle: &Bundle, installed: &[CrdInfo]) -> Vec<DroppedStoredVersion> {
    bundle
        .objects
        .iter()
        .filter(|o| o["kind"] == "CustomResourceDefinition")
        .filter_map(|crd| {
            let name = crd.pointer("/metadata/name").and_then(Value::as_str)?;
            let current = installed.iter().find(|c| c.name == name)?;
            let target_versions: Vec<String> = crd
                .pointer("/spec/versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v["name"].as_str().map(str::to_string))
                .collect();
            let dropped: Vec<String> = current
                .stored_versions
                .iter()
                .filter(|v| !target_versions.contains(v))
                .cloned()
                .collect();
            (!dropped.is_empty()).then(|| DroppedStoredVersion {
                crd: name.to_string(),
                dropped,
                target_versions,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(versions: &[&str]) -> Bundle {
        let versions: Vec<Value> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"name": v, "served": true, "storage": i == 0}))
            .collect();
        Bundle {
            version: "1.2.0".into(),
            origin: "test".into(),
            objects: vec![json!({
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": "kafkas.kafka.strimzi.io"},
                "spec": {"versions": versions},
            })],
        }
    }

    fn installed(stored: &[&str]) -> Vec<CrdInfo> {
        vec![CrdInfo {
            name: "kafkas.kafka.strimzi.io".into(),
            served: vec!["v1beta2".into()],
            storage: Some("v1beta2".into()),
            stored_versions: stored.iter().map(|s| s.to_string()).collect(),
            established: true,
            spec_managers: vec!["kafkactl".into()],
        }]
    }

    #[test]
    fn a_v1_only_bundle_over_crds_that_stored_v1beta2_drops_it() {
        let found = dropped_stored_versions(&bundle(&["v1"]), &installed(&["v1beta2"]));
        assert_eq!(
            found,
            vec![DroppedStoredVersion {
                crd: "kafkas.kafka.strimzi.io".into(),
                dropped: vec!["v1beta2".into()],
                target_versions: vec!["v1".into()],
            }]
        );
    }

    #[test]
    fn a_bundle_that_still_lists_the_stored_versions_drops_nothing() {
        assert!(dropped_stored_versions(&bundle(&["v1beta2", "v1"]), &installed(&["v1beta2"])).is_empty());
        assert!(dropped_stored_versions(&bundle(&["v1"]), &installed(&["v1"])).is_empty());
    }

    #[test]
    fn a_crd_that_is_not_installed_yet_drops_nothing() {
        assert!(dropped_stored_versions(&bundle(&["v1"]), &[]).is_empty());
    }
}
