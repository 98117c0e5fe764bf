//! CustomResourceDefinitions: what the fake checks and fills in when one is written
//! (registration itself is in `resources::Registry`).

use crate::errors::{ApiError, Cause};
use crate::resources::ResourceInfo;
use crate::util::now_rfc3339;
use serde_json::{Value, json};

pub fn is_crd(info: &ResourceInfo) -> bool {
    info.group == "apiextensions.k8s.io" && info.kind == "CustomResourceDefinition"
}

/// Checks a CRD's naming rules and marks it `NamesAccepted` and `Established` at once, as a
/// real API server does within a moment of the write.
pub fn accept(name: &str, crd: &mut Value) -> Result<(), ApiError> {
    let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
    let plural = crd.pointer("/spec/names/plural").and_then(Value::as_str).unwrap_or("");
    let mut causes = Vec::new();
    if group.is_empty() {
        causes.push(Cause {
            reason: "FieldValueRequired".into(),
            field: "spec.group".into(),
            message: "Required value".into(),
        });
    }
    if plural.is_empty() {
        causes.push(Cause {
            reason: "FieldValueRequired".into(),
            field: "spec.names.plural".into(),
            message: "Required value".into(),
        });
    }
    if causes.is_empty() && name != format!("{plural}.{group}") {
        causes.push(Cause {
            reason: "FieldValueInvalid".into(),
            field: "metadata.name".into(),
            message: format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
        });
    }
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let storage: Vec<String> = versions
        .iter()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    if storage.len() != 1 {
        causes.push(Cause {
            reason: "FieldValueInvalid".into(),
            field: "spec.versions".into(),
            message: format!(
                "Invalid value: {}: must have exactly one version marked as storage version",
                json!(versions.iter().filter_map(|v| v.get("name")).collect::<Vec<_>>())
            ),
        });
    }
    if !causes.is_empty() {
        return Err(ApiError::invalid(
            "CustomResourceDefinition",
            "apiextensions.k8s.io",
            name,
            causes,
        ));
    }
    let now = now_rfc3339();
    let mut stored: Vec<Value> = crd
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for s in &storage {
        if !stored.iter().any(|v| v.as_str() == Some(s)) {
            stored.push(json!(s));
        }
    }
    dropped_stored_versions(name, &versions, &stored)?;
    let names = crd.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let condition = |type_: &str, reason: &str, message: &str| {
        json!({"type": type_, "status": "True", "lastTransitionTime": now,
               "reason": reason, "message": message})
    };
    crd["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": stored,
    });
    Ok(())
}

/// A version still in `status.storedVersions` must stay in `spec.versions` until a storage
/// migration removes it from the status: a real API server refuses the write otherwise (a
/// bundle that drops `v1beta2` fails half-way on a cluster that stored objects as `v1beta2`).
fn dropped_stored_versions(name: &str, versions: &[Value], stored: &[Value]) -> Result<(), ApiError> {
    let served = |v: &str| {
        versions
            .iter()
            .any(|s| s.get("name").and_then(Value::as_str) == Some(v))
    };
    let causes: Vec<Cause> = stored
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|v| (i, v)))
        .filter(|(_, v)| !served(v))
        .map(|(i, v)| Cause {
            reason: "FieldValueInvalid".into(),
            field: format!("status.storedVersions[{i}]"),
            message: format!(
                "Invalid value: \"{v}\": missing from spec.versions; {v} was previously a storage version, and must \
                 remain in spec.versions until a storage migration ensures no data remains persisted in {v} and removes \
                 {v} from status.storedVersions"
            ),
        })
        .collect();
    if causes.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        name,
        causes,
    ))
}
