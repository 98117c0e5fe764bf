//! What a real API server refuses on an update of a built-in kind, beyond
//! the schema: a StatefulSet's spec outside the fields that may change
//! (`volumeClaimTemplates` above all), and a PersistentVolumeClaim's storage
//! request that shrinks, or grows on a StorageClass without
//! `allowVolumeExpansion` (the `PersistentVolumeClaimResize` admission plugin,
//! on by default).

use serde_json::Value;

use crate::errors::{ApiError, Cause};
use crate::resources::ResourceInfo;
use crate::sim::kube::quantity_bytes;
use crate::store::State;

/// The StatefulSet spec fields an update may change (apps/v1 validation).
const STATEFULSET_MUTABLE: [&str; 6] = [
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

/// Refuses what the real API server refuses on an update of `old` to `new`.
pub(crate) fn check_update(state: &State, info: &ResourceInfo, old: &Value, new: &Value) -> Result<(), ApiError> {
    match (info.group.as_str(), info.kind.as_str()) {
        ("apps", "StatefulSet") => statefulset(info, old, new),
        ("", "PersistentVolumeClaim") => claim(state, old, new),
        _ => Ok(()),
    }
}

fn name(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn statefulset(info: &ResourceInfo, old: &Value, new: &Value) -> Result<(), ApiError> {
    let fixed = |obj: &Value| -> Value {
        let mut spec = obj.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(map) = spec.as_object_mut() {
            for field in STATEFULSET_MUTABLE {
                map.shift_remove(field);
            }
        }
        spec
    };
    if fixed(old) == fixed(new) {
        return Ok(());
    }
    Err(ApiError::invalid(
        &info.kind,
        &info.group,
        name(new),
        vec![Cause {
            reason: "FieldValueForbidden".into(),
            field: "spec".into(),
            message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden".into(),
        }],
    ))
}

fn requested(obj: &Value) -> Option<f64> {
    obj.pointer("/spec/resources/requests/storage")
        .and_then(Value::as_str)
        .and_then(quantity_bytes)
}

fn claim(state: &State, old: &Value, new: &Value) -> Result<(), ApiError> {
    let (Some(before), Some(after)) = (requested(old), requested(new)) else {
        return Ok(());
    };
    if after == before {
        return Ok(());
    }
    let capacity = old
        .pointer("/status/capacity/storage")
        .and_then(Value::as_str)
        .and_then(quantity_bytes);
    if after < capacity.unwrap_or(before) {
        return Err(ApiError::invalid(
            "PersistentVolumeClaim",
            "",
            name(new),
            vec![Cause {
                reason: "FieldValueForbidden".into(),
                field: "spec.resources.requests.storage".into(),
                message: "Forbidden: field can not be less than status.capacity".into(),
            }],
        ));
    }
    if after > before && !class_allows_expansion(state, new) {
        return Err(ApiError::new(
            403,
            "Forbidden",
            format!(
                "persistentvolumeclaims \"{}\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
                name(new)
            ),
        ));
    }
    Ok(())
}

fn class_allows_expansion(state: &State, pvc: &Value) -> bool {
    let wanted = pvc
        .pointer("/spec/storageClassName")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty());
    state
        .objects
        .iter()
        .filter(|(k, _)| k.group == "storage.k8s.io" && k.kind == "StorageClass")
        .map(|(_, class)| class)
        .find(|class| match wanted {
            Some(name) => self::name(class) == name,
            None => {
                class.pointer(&format!("/metadata/annotations/{}", DEFAULT_CLASS.replace('/', "~1")))
                    == Some(&Value::String("true".into()))
            }
        })
        .and_then(|class| class.get("allowVolumeExpansion"))
        .and_then(Value::as_bool)
        == Some(true)
}
