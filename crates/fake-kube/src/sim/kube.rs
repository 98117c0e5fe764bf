//! Small object helpers the simulated controllers share: accessors, owner references,
//! conditions that keep their transition times, stable hashes, and storage quantities.

use crate::util::now_rfc3339;
use serde_json::{Map, Value, json};
use std::hash::{DefaultHasher, Hash, Hasher};

pub fn name(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn namespace(obj: &Value) -> &str {
    obj.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn uid(obj: &Value) -> &str {
    obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default()
}

pub fn generation(obj: &Value) -> i64 {
    obj.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1)
}

pub fn is_deleting(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp").is_some()
}

pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")?.get(key)?.as_str()
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")?.get(key)?.as_str()
}

pub fn str_at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer)?.as_str()
}

pub fn i64_at(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer)?.as_i64()
}

pub fn array_at<'a>(obj: &'a Value, pointer: &str) -> &'a [Value] {
    obj.pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// An ownerReference to `owner`; `controller` marks the managing owner.
pub fn owner_ref(owner: &Value, controller: bool) -> Value {
    json!({
        "apiVersion": owner.get("apiVersion").cloned().unwrap_or(Value::Null),
        "kind": owner.get("kind").cloned().unwrap_or(Value::Null),
        "name": name(owner),
        "uid": uid(owner),
        "controller": controller,
        "blockOwnerDeletion": true,
    })
}

pub fn is_owned_by(obj: &Value, owner_uid: &str) -> bool {
    array_at(obj, "/metadata/ownerReferences")
        .iter()
        .any(|r| r.get("uid").and_then(Value::as_str) == Some(owner_uid))
}

/// A condition with the current time as its transition time.
pub fn condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), json!(type_));
    c.insert("status".into(), json!(status));
    c.insert("lastTransitionTime".into(), json!(now_rfc3339()));
    if !reason.is_empty() {
        c.insert("reason".into(), json!(reason));
    }
    if !message.is_empty() {
        c.insert("message".into(), json!(message));
    }
    Value::Object(c)
}

/// `new` conditions, each keeping the old condition's timestamps when its type, status,
/// reason and message did not change, so an unchanged status is a no-op write.
pub fn keep_times(old: &[Value], new: Vec<Value>) -> Vec<Value> {
    new.into_iter()
        .map(|mut c| {
            let same = old.iter().find(|o| {
                ["type", "status", "reason", "message"]
                    .iter()
                    .all(|k| o.get(*k) == c.get(*k))
            });
            if let Some(o) = same {
                for k in ["lastTransitionTime", "lastUpdateTime", "lastProbeTime"] {
                    if let (Some(v), Some(m)) = (o.get(k), c.as_object_mut()) {
                        m.insert(k.into(), v.clone());
                    }
                }
            }
            c
        })
        .collect()
}

/// A stable hash of any JSON, rendered like Kubernetes' pod-template-hash (10 characters).
pub fn short_hash(v: &Value) -> String {
    let mut h = DefaultHasher::new();
    v.to_string().hash(&mut h);
    let mut x = h.finish();
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|_| {
            let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
            x /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// Five random characters, as generated names end with.
pub fn rand5() -> String {
    short_hash(&json!(crate::util::new_uid()))[..5].to_string()
}

/// A storage quantity (`10Gi`, `500M`, `1e9`) in bytes; `None` when unparsable.
pub fn quantity_bytes(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "m" => 1e-3,
        _ => return None,
    };
    Some(n * mult)
}

/// The value of a container env var given literally or from the pod's own namespace.
pub fn env_value(container: &Value, var: &str, pod_namespace: &str) -> Option<String> {
    let e = array_at(container, "/env")
        .iter()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(var))?;
    if let Some(v) = e.get("value").and_then(Value::as_str) {
        return Some(v.to_string());
    }
    match str_at(e, "/valueFrom/fieldRef/fieldPath") {
        Some("metadata.namespace") => Some(pod_namespace.to_string()),
        _ => None,
    }
}

/// Whether a metav1.LabelSelector object selects `obj`.
pub fn selects(selector: &Value, obj: &Value) -> bool {
    crate::selectors::LabelSelector::from_object(selector).matches(obj)
}

/// The container statuses' `ready`ness of a pod as the kubelet reports it.
pub fn pod_ready(pod: &Value) -> bool {
    !is_deleting(pod)
        && array_at(pod, "/status/conditions").iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some("Ready")
                && c.get("status").and_then(Value::as_str) == Some("True")
        })
}

/// Puts `value` under `metadata.<field>.<key>` (labels or annotations).
pub fn set_meta_map(obj: &mut Value, field: &str, key: &str, value: &str) {
    let meta = crate::util::meta_mut(obj);
    let map = meta.entry(field).or_insert_with(|| Value::Object(Map::new()));
    if !map.is_object() {
        *map = Value::Object(Map::new());
    }
    if let Some(m) = map.as_object_mut() {
        m.insert(key.into(), json!(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_compare_across_units() {
        assert_eq!(quantity_bytes("1Gi"), Some(1024f64.powi(3)));
        assert!(quantity_bytes("20Gi") > quantity_bytes("10G"));
        assert_eq!(quantity_bytes("2x"), None);
    }

    #[test]
    fn unchanged_conditions_keep_their_times() {
        let mut old = condition("Ready", "True", "", "");
        old["lastTransitionTime"] = json!("2020-01-01T00:00:00Z");
        let kept = keep_times(std::slice::from_ref(&old), vec![condition("Ready", "True", "", "")]);
        assert_eq!(kept[0]["lastTransitionTime"], "2020-01-01T00:00:00Z");
        let changed = keep_times(&[old], vec![condition("Ready", "False", "", "")]);
        assert_ne!(changed[0]["lastTransitionTime"], "2020-01-01T00:00:00Z");
    }
}
