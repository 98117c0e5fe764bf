//! Patch formats other than apply: JSON merge patch (RFC 7386), strategic merge patch
//! (merge patch that merges the well-known keyed lists), and JSON patch (RFC 6902).

use crate::errors::ApiError;
use crate::fields::list_keys;
use serde_json::Value;

/// RFC 7386: maps merge recursively, `null` removes, everything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(t) = target else {
        return;
    };
    for (k, v) in p {
        if v.is_null() {
            t.shift_remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Strategic merge patch, good enough for what clients send: like a merge patch, but lists
/// Kubernetes merges by key (containers, env, ports, volumes, ...) merge item by item, and an
/// item with `$patch: delete` is removed.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) {
    strategic(target, patch, "");
}

fn strategic(target: &mut Value, patch: &Value, field: &str) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let Value::Object(t) = target else {
                return;
            };
            for (k, v) in p {
                if k.starts_with("$setElementOrder/") || k == "$retainKeys" {
                    continue;
                }
                if v.is_null() {
                    t.shift_remove(k);
                } else {
                    strategic(t.entry(k.clone()).or_insert(Value::Null), v, k);
                }
            }
        }
        Value::Array(items) => {
            let keys = match target {
                Value::Array(existing) => {
                    let mut all = existing.clone();
                    all.extend(items.iter().cloned());
                    list_keys(field, &all, true)
                }
                _ => None,
            };
            let (Some(keys), Value::Array(existing)) = (keys, &mut *target) else {
                *target = patch.clone();
                return;
            };
            let primary = keys[0];
            for item in items {
                let id = item.get(primary).cloned();
                let pos = existing
                    .iter()
                    .position(|e| id.is_some() && e.get(primary) == id.as_ref());
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (pos, delete) {
                    (Some(i), true) => {
                        existing.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => strategic(&mut existing[i], item, ""),
                    (None, false) => existing.push(item.clone()),
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// RFC 6902 JSON patch; a failed operation is a 422 like the real server's.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), ApiError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| ApiError::bad_request(format!("the JSON patch could not be decoded: {e}")))?;
    json_patch::patch(target, &ops).map_err(|e| {
        ApiError::new(
            422,
            "Invalid",
            format!("the server rejected our request due to an error in our request: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_null_removes_and_maps_merge() {
        let mut t = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}, "spec": {"x": [1, 2]}});
        merge_patch(
            &mut t,
            &json!({"metadata": {"annotations": {"a": null}}, "spec": {"x": [3]}}),
        );
        assert_eq!(t, json!({"metadata": {"annotations": {"b": "2"}}, "spec": {"x": [3]}}));
    }

    #[test]
    fn strategic_patch_merges_containers_by_name() {
        let mut t = json!({"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]});
        strategic_merge_patch(
            &mut t,
            &json!({"containers": [{"name": "b", "image": "2"}, {"name": "c", "image": "3"}]}),
        );
        assert_eq!(
            t,
            json!({"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}, {"name": "c", "image": "3"}]})
        );
    }

    #[test]
    fn json_patch_applies_and_reports_failed_tests() {
        let mut t = json!({"spec": {"replicas": 1}});
        json_patch(
            &mut t,
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]),
        )
        .unwrap();
        assert_eq!(t["spec"]["replicas"], 3);
        let err = json_patch(&mut t, &json!([{"op": "test", "path": "/spec/replicas", "value": 1}])).unwrap_err();
        assert_eq!(err.code, 422);
    }
}
