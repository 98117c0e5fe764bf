//! Storage checks: every persistent volume of the spec (node pools, JBOD
//! volumes, ZooKeeper, Prometheus) has a StorageClass — the one it names, or
//! the cluster's default — and that class lets volumes grow.

use super::{CheckResult, Section};
use crate::cluster::facts::{ClusterFacts, DEFAULT_CLASS_ANNOTATION, StorageClassFact};
use crate::spec::{ClusterSpec, StorageSpec, StorageType};

const SECTION: Section = Section::Storage;

/// One component's claim on a StorageClass (`None`: the default class).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeClaim {
    /// `pool brokers`, `ZooKeeper`, `Prometheus`.
    pub component: String,
    pub class: Option<String>,
}

/// The StorageClasses the spec's persistent volumes ask for, per component.
pub fn claims(spec: &ClusterSpec) -> Vec<VolumeClaim> {
    let mut out = Vec::new();
    let mut push = |component: String, class: Option<String>| {
        let claim = VolumeClaim { component, class };
        if !out.contains(&claim) {
            out.push(claim);
        }
    };
    for (name, pool) in &spec.pools {
        for class in storage_classes(&pool.storage) {
            push(format!("pool {name}"), class);
        }
    }
    if spec.is_zookeeper()
        && let Some(zookeeper) = &spec.zookeeper
    {
        for class in storage_classes(&zookeeper.storage) {
            push("ZooKeeper".to_string(), class);
        }
    }
    if spec.prometheus.enabled {
        push("Prometheus".to_string(), spec.prometheus.storage.class.clone());
    }
    out
}

fn storage_classes(storage: &StorageSpec) -> Vec<Option<String>> {
    match storage.kind {
        StorageType::Ephemeral => Vec::new(),
        StorageType::PersistentClaim => vec![storage.class.clone()],
        StorageType::Jbod => storage.volumes.iter().map(|v| v.class.clone()).collect(),
    }
}

pub fn checks(facts: &ClusterFacts, spec: &ClusterSpec) -> Vec<CheckResult> {
    let claims = claims(spec);
    if claims.is_empty() {
        return vec![CheckResult::pass(
            SECTION,
            "volumes",
            "no persistent volumes (ephemeral storage only)",
        )];
    }
    let classes = match &facts.storage_classes {
        Ok(classes) => classes,
        Err(why) => {
            return vec![CheckResult::warn(
                SECTION,
                "StorageClasses",
                format!("could not check the StorageClasses: {why}"),
                "kubectl get storageclass shows them; an admin can grant list on storageclasses",
            )];
        }
    };
    claims.iter().map(|c| claim_check(classes, c)).collect()
}

fn claim_check(classes: &[StorageClassFact], claim: &VolumeClaim) -> CheckResult {
    let name = format!("StorageClass of {}", claim.component);
    let names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
    let found = match &claim.class {
        Some(wanted) => match classes.iter().find(|c| &c.name == wanted) {
            Some(class) => class,
            None => {
                return CheckResult::fail(
                    SECTION,
                    name,
                    format!(
                        "StorageClass {wanted} does not exist (the cluster has: {})",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                    "kubectl get storageclass shows the classes this cluster has; pass one with --storage-class",
                );
            }
        },
        None => match classes.iter().find(|c| c.default) {
            Some(class) => class,
            None => {
                return CheckResult::fail(
                    SECTION,
                    name,
                    "no StorageClass is named and the cluster has no default StorageClass: the volumes would never bind",
                    format!(
                        "name one with --storage-class, or mark one as default (annotation {DEFAULT_CLASS_ANNOTATION}: \"true\")"
                    ),
                );
            }
        },
    };
    let label = match claim.class {
        Some(_) => found.name.clone(),
        None => format!("{} (the default)", found.name),
    };
    if found.allow_expansion {
        CheckResult::pass(SECTION, name, format!("{label} allows volume expansion"))
    } else {
        CheckResult::warn(
            SECTION,
            name,
            format!("{label} does not allow volume expansion: these volumes cannot grow later"),
            "set allowVolumeExpansion: true on the class if its provisioner supports it, or pick a class that does",
        )
    }
}
