//! Whether volumes may grow: the StorageClass each resized volume uses (the
//! one its spec names, else the cluster's default class) must allow volume
//! expansion. The judgements are pure; the API calls read the classes and
//! kafkactl's Prometheus volume, grow that volume's claim, and wait for it.

use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::runtime::wait::await_condition;

use super::client::Connection;
use super::errors::{ApiError, Operation, api_error};
use crate::render::PrometheusVolume;
use crate::spec::ClusterSpec;
use crate::spec::names;
use crate::spec::quantity::parse_storage_bytes;
use crate::spec::scaling::VolumeChange;

/// Why a volume may not (or did not) change. The facts only: which claim, which class,
/// which sizes; the flags that fix it are named at the command edge (`crate::error`).
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The class a growing volume uses is not there (`class: None`: no default class).
    #[error("cannot grow {}: {}", growth(.change), missing_class(.class.as_deref()))]
    NoSuchClass {
        change: VolumeChange,
        class: Option<String>,
    },
    #[error("cannot grow {}: StorageClass \"{class}\" does not allow volume expansion (allowVolumeExpansion is not true)", growth(.change))]
    ExpansionNotAllowed { change: VolumeChange, class: String },
    /// Prometheus' claim was asked to move to another class, which no volume can.
    #[error(
        "Prometheus' volume {claim} was provisioned from StorageClass \"{have}\", and a volume cannot change its class to \"{asked}\""
    )]
    ClassChange {
        cluster: String,
        namespace: String,
        claim: String,
        asked: String,
        have: String,
    },
    /// Prometheus' claim was asked to shrink, which no volume can.
    #[error("Prometheus' volume {claim} ({current}) cannot shrink to {asked}")]
    Shrink {
        cluster: String,
        namespace: String,
        claim: String,
        current: String,
        asked: String,
    },
    #[error("PersistentVolumeClaim {namespace}/{claim} went away while it was growing")]
    ClaimGone { namespace: String, claim: String },
    #[error("cannot watch PersistentVolumeClaim {namespace}/{claim}: {source}")]
    WatchFailed {
        namespace: String,
        claim: String,
        #[source]
        source: kube::runtime::wait::Error,
    },
    #[error("PersistentVolumeClaim {namespace}/{claim} was asked for {size} but has not grown within {}s; Prometheus keeps its size cap for the old size meanwhile", .waited.as_secs())]
    NotGrown {
        namespace: String,
        claim: String,
        size: String,
        waited: Duration,
    },
}

fn growth(change: &VolumeChange) -> String {
    format!(
        "{} from {} to {}",
        change.field,
        change.from.as_deref().unwrap_or("?"),
        change.to
    )
}

fn missing_class(class: Option<&str>) -> String {
    match class {
        Some(name) => format!("its StorageClass \"{name}\" does not exist"),
        None => "it names no StorageClass and the cluster has no default class".to_string(),
    }
}

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const BETA_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// Every StorageClass of the cluster.
pub async fn storage_classes(conn: &Connection) -> Result<Vec<StorageClass>, ApiError> {
    let api: Api<StorageClass> = Api::all(conn.client.clone());
    api.list(&ListParams::default())
        .await
        .map(|l| l.items)
        .map_err(api_error(Operation::new("list", "StorageClasses"), &conn.server))
}

fn is_default(class: &StorageClass) -> bool {
    class.metadata.annotations.as_ref().is_some_and(|a| {
        [DEFAULT_CLASS, BETA_DEFAULT_CLASS]
            .iter()
            .any(|k| a.get(*k).map(String::as_str) == Some("true"))
    })
}

/// Refuse growing a volume whose class does not allow expansion (or does
/// not exist, or is the missing default), naming the volume and the class.
pub fn check_expansion(changes: &[VolumeChange], classes: &[StorageClass]) -> Result<(), VolumeError> {
    for change in changes {
        let class = match &change.class {
            Some(name) => classes
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(name.as_str())),
            None => classes.iter().find(|c| is_default(c)),
        };
        let Some(class) = class else {
            return Err(VolumeError::NoSuchClass {
                change: change.clone(),
                class: change.class.clone(),
            });
        };
        if class.allow_volume_expansion != Some(true) {
            return Err(VolumeError::ExpansionNotAllowed {
                change: change.clone(),
                class: class.metadata.name.clone().unwrap_or_default(),
            });
        }
    }
    Ok(())
}

// ---- kafkactl's Prometheus volume -------------------------------------------

/// The volume claim of kafkactl's Prometheus, as the cluster has it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimState {
    pub name: String,
    /// The class it was provisioned from (`None`: it names none, the default class).
    pub class: Option<String>,
    /// `spec.resources.requests.storage`: the size last asked for.
    pub request: Option<String>,
    /// `status.capacity.storage`: the size it has.
    pub capacity: Option<String>,
}

/// kafkactl's Prometheus volume: the StatefulSet's claim template size and
/// the claim itself, each when it exists (a claim outlives its StatefulSet
/// after `monitor uninstall`, and a new StatefulSet adopts it by name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LivePrometheusVolume {
    pub template_size: Option<String>,
    pub claim: Option<ClaimState>,
}

impl LivePrometheusVolume {
    /// What rendering needs to know; `None` when neither exists.
    pub fn for_render(&self) -> Option<PrometheusVolume> {
        if self.template_size.is_none() && self.claim.is_none() {
            return None;
        }
        let claim = self.claim.as_ref();
        Some(PrometheusVolume {
            template_size: self.template_size.clone(),
            capacity: claim.and_then(|c| c.capacity.clone().or_else(|| c.request.clone())),
        })
    }
}

/// Read kafkactl's Prometheus StatefulSet and volume claim of `spec`'s cluster.
pub async fn prometheus_volume(conn: &Connection, spec: &ClusterSpec) -> Result<LivePrometheusVolume, ApiError> {
    let ns = &spec.namespace;
    let sts_name = names::prometheus(&spec.name);
    let claim_name = names::prometheus_data_claim(&spec.name);
    let fail = |what: String| api_error(Operation::new("get", what), &conn.server);
    let (sts, claim) = futures::try_join!(
        async {
            Api::<StatefulSet>::namespaced(conn.client.clone(), ns)
                .get_opt(&sts_name)
                .await
                .map_err(fail(format!("StatefulSet {ns}/{sts_name}")))
        },
        async {
            Api::<PersistentVolumeClaim>::namespaced(conn.client.clone(), ns)
                .get_opt(&claim_name)
                .await
                .map_err(fail(format!("PersistentVolumeClaim {ns}/{claim_name}")))
        },
    )?;
    let storage = |q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>| q.map(|q| q.0.clone());
    let template_size = sts
        .and_then(|s| s.spec)
        .and_then(|s| s.volume_claim_templates)
        .and_then(|t| t.into_iter().next())
        .and_then(|t| t.spec)
        .and_then(|s| s.resources)
        .and_then(|r| r.requests)
        .and_then(|r| storage(r.get("storage")));
    let claim = claim.map(|c| {
        let spec = c.spec.unwrap_or_default();
        ClaimState {
            name: claim_name.clone(),
            class: spec.storage_class_name.filter(|c| !c.is_empty()),
            request: spec
                .resources
                .and_then(|r| r.requests)
                .and_then(|r| storage(r.get("storage"))),
            capacity: c
                .status
                .and_then(|s| s.capacity)
                .and_then(|c| storage(c.get("storage"))),
        }
    });
    Ok(LivePrometheusVolume { template_size, claim })
}

/// What `--storage-size` asks of an existing Prometheus claim: nothing (the
/// same size), growth (a change for [`check_expansion`]), or a refusal of a
/// shrink, which no claim can do. `class` is `--storage-class` when given: a
/// claim keeps the class it was provisioned from.
pub fn prometheus_claim_change(
    cluster: &ClusterSpec,
    claim: &ClaimState,
    size: &str,
    class: Option<&str>,
) -> Result<Option<VolumeChange>, VolumeError> {
    let current = claim.request.as_ref().or(claim.capacity.as_ref());
    if let (Some(asked), Some(have)) = (class, claim.class.as_deref())
        && asked != have
    {
        return Err(VolumeError::ClassChange {
            cluster: cluster.name.clone(),
            namespace: cluster.namespace.clone(),
            claim: claim.name.clone(),
            asked: asked.to_string(),
            have: have.to_string(),
        });
    }
    let bytes = |s: &str| parse_storage_bytes(s).ok();
    let Some(current) = current else {
        return Ok(None);
    };
    let change = VolumeChange {
        field: format!("Prometheus' volume {} (--storage-size)", claim.name),
        class: claim.class.clone(),
        from: Some(current.clone()),
        to: size.to_string(),
    };
    if change.shrinks() {
        return Err(VolumeError::Shrink {
            cluster: cluster.name.clone(),
            namespace: cluster.namespace.clone(),
            claim: claim.name.clone(),
            current: current.clone(),
            asked: size.to_string(),
        });
    }
    match (bytes(current), bytes(size)) {
        (Some(from), Some(to)) if to > from => Ok(Some(change)),
        _ => Ok(None),
    }
}

/// Ask for more storage on a claim (the only way to grow a StatefulSet's
/// volume: its claim template is immutable).
pub async fn grow_claim(conn: &Connection, namespace: &str, claim: &str, size: &str) -> Result<(), ApiError> {
    let api = Api::<PersistentVolumeClaim>::namespaced(conn.client.clone(), namespace);
    let patch = serde_json::json!({"spec": {"resources": {"requests": {"storage": size}}}});
    api.patch(claim, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(|_| ())
        .map_err(api_error(
            Operation::new("patch", format!("PersistentVolumeClaim {namespace}/{claim}")),
            &conn.server,
        ))
}

/// Wait (watching, not polling) until claim `namespace/name` has at least `size`.
pub async fn wait_for_capacity(
    conn: &Connection,
    namespace: &str,
    claim: &str,
    size: &str,
    timeout: Duration,
) -> Result<(), VolumeError> {
    let api = Api::<PersistentVolumeClaim>::namespaced(conn.client.clone(), namespace);
    let wanted = parse_storage_bytes(size).unwrap_or(u64::MAX);
    let grown = move |pvc: Option<&PersistentVolumeClaim>| {
        pvc.and_then(|p| p.status.as_ref())
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(|q| parse_storage_bytes(&q.0).ok())
            .is_some_and(|have| have >= wanted)
    };
    match tokio::time::timeout(timeout, await_condition(api, claim, grown)).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(VolumeError::ClaimGone {
            namespace: namespace.to_string(),
            claim: claim.to_string(),
        }),
        Ok(Err(source)) => Err(VolumeError::WatchFailed {
            namespace: namespace.to_string(),
            claim: claim.to_string(),
            source,
        }),
        Err(_) => Err(VolumeError::NotGrown {
            namespace: namespace.to_string(),
            claim: claim.to_string(),
            size: size.to_string(),
            waited: timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Failure, FailureKind};
    use serde_json::json;

    fn class(name: &str, expand: bool, default: bool) -> StorageClass {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": {DEFAULT_CLASS: default.to_string()}},
            "provisioner": "x", "allowVolumeExpansion": expand
        }))
        .unwrap()
    }

    fn grow(class: Option<&str>) -> VolumeChange {
        VolumeChange {
            field: "pools.brokers.storage".into(),
            class: class.map(str::to_string),
            from: Some("100Gi".into()),
            to: "200Gi".into(),
        }
    }

    fn claim(request: &str) -> ClaimState {
        ClaimState {
            name: "data-c1-prometheus-0".into(),
            class: Some("standard".into()),
            request: Some(request.into()),
            capacity: Some(request.into()),
        }
    }

    fn cluster() -> ClusterSpec {
        ClusterSpec {
            name: "c1".into(),
            ..ClusterSpec::default()
        }
    }

    #[test]
    fn a_prometheus_claim_grows_never_shrinks_and_keeps_its_class() {
        let grow = prometheus_claim_change(&cluster(), &claim("50Gi"), "100Gi", None)
            .unwrap()
            .expect("a growth");
        assert_eq!((grow.from.as_deref(), grow.to.as_str()), (Some("50Gi"), "100Gi"));
        assert_eq!(grow.class.as_deref(), Some("standard"));
        assert!(
            prometheus_claim_change(&cluster(), &claim("50Gi"), "50Gi", None)
                .unwrap()
                .is_none()
        );
        let shrink = Failure::from(prometheus_claim_change(&cluster(), &claim("50Gi"), "20Gi", None).unwrap_err());
        assert_eq!(shrink.kind, FailureKind::Refused);
        assert!(shrink.message.contains("cannot shrink"), "{}", shrink.message);
        let class =
            Failure::from(prometheus_claim_change(&cluster(), &claim("50Gi"), "50Gi", Some("fast")).unwrap_err());
        assert!(class.message.contains("cannot change its class"), "{}", class.message);
    }

    #[test]
    fn growth_needs_a_class_that_allows_expansion() {
        let classes = [class("standard", true, true), class("fixed", false, false)];
        assert!(check_expansion(&[grow(None)], &classes).is_ok());
        assert!(check_expansion(&[grow(Some("standard"))], &classes).is_ok());
        let err = Failure::from(check_expansion(&[grow(Some("fixed"))], &classes).unwrap_err());
        assert_eq!(err.kind, FailureKind::Refused);
        assert!(
            err.message.contains("\"fixed\" does not allow volume expansion"),
            "{}",
            err.message
        );
        let err = Failure::from(check_expansion(&[grow(Some("gone"))], &classes).unwrap_err());
        assert!(err.message.contains("\"gone\" does not exist"), "{}", err.message);
        let err = Failure::from(check_expansion(&[grow(None)], &[class("fixed", false, true)]).unwrap_err());
        assert!(err.message.contains("from 100Gi to 200Gi"), "{}", err.message);
    }
}
