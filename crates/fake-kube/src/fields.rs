//! Field sets for server-side apply: which leaf fields an object sets, in the `FieldsV1`
//! encoding (`f:` map fields, `k:{..}` keyed list items, `.` for an item itself).

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// One path, as `FieldsV1` keys: `["f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"app\"}", "f:image"]`.
pub type FieldPath = Vec<String>;
/// A set of leaf paths.
pub type FieldSet = BTreeSet<FieldPath>;

/// Metadata fields the server owns; never part of anyone's field set.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

/// Which part of an object a field set covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything except `status` (main resource of a kind with a status subresource).
    MainWithoutStatus,
    /// Everything (kinds without a status subresource).
    All,
    /// Only `status` (the status subresource).
    StatusOnly,
}

/// The merge keys of a list, from the Kubernetes conventions of built-in types; `None` = atomic.
/// Custom resources' lists are atomic unless the CRD says otherwise (Strimzi's never do).
pub fn list_keys(field: &str, items: &[Value], builtin: bool) -> Option<Vec<&'static str>> {
    let all_have =
        |k: &str| !items.is_empty() && items.iter().all(|i| i.as_object().is_some_and(|o| o.contains_key(k)));
    let keys: Vec<&'static str> = match field {
        "ownerReferences" if all_have("uid") => vec!["uid"],
        _ if !builtin => return None,
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets"
            if all_have("name") =>
        {
            vec!["name"]
        }
        "volumeMounts" if all_have("mountPath") => vec!["mountPath"],
        "volumeDevices" if all_have("devicePath") => vec!["devicePath"],
        "conditions" if all_have("type") => vec!["type"],
        "hostAliases" if all_have("ip") => vec!["ip"],
        "ports" if all_have("containerPort") => vec!["containerPort", "protocol"],
        "ports" if all_have("port") => vec!["port", "protocol"],
        _ => return None,
    };
    Some(keys)
}

/// `k:{"containerPort":9092,"protocol":"TCP"}`; keys in alphabetical order as the real encoder writes them.
fn key_segment(item: &Value, keys: &[&str]) -> String {
    let mut sorted: Vec<&&str> = keys.iter().collect();
    sorted.sort();
    let mut m = Map::new();
    for k in sorted {
        if let Some(v) = item.get(*k) {
            m.insert(k.to_string(), v.clone());
        }
    }
    format!("k:{}", Value::Object(m))
}

/// Every leaf path `obj` sets within `scope`.
pub fn leaves(obj: &Value, scope: Scope, builtin: bool) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(root) = obj.as_object() else {
        return out;
    };
    for (k, v) in root {
        let keep = match (k.as_str(), scope) {
            ("apiVersion" | "kind", _) => false,
            ("status", Scope::MainWithoutStatus) => false,
            ("status", Scope::StatusOnly) => true,
            (_, Scope::StatusOnly) => false,
            _ => true,
        };
        if !keep {
            continue;
        }
        if k == "metadata" {
            if let Some(meta) = v.as_object() {
                for (mk, mv) in meta {
                    if !SERVER_METADATA.contains(&mk.as_str()) {
                        walk(mv, vec!["f:metadata".into(), format!("f:{mk}")], mk, builtin, &mut out);
                    }
                }
            }
            continue;
        }
        walk(v, vec![format!("f:{k}")], k, builtin, &mut out);
    }
    out
}

fn walk(v: &Value, prefix: FieldPath, field: &str, builtin: bool, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let mut p = prefix.clone();
                p.push(format!("f:{k}"));
                walk(child, p, k, builtin, out);
            }
        }
        Value::Array(items) if !items.is_empty() => match list_keys(field, items, builtin) {
            Some(keys) => {
                for item in items {
                    let mut p = prefix.clone();
                    p.push(key_segment(item, &keys));
                    let mut dot = p.clone();
                    dot.push(".".into());
                    out.insert(dot);
                    if let Some(m) = item.as_object() {
                        for (k, child) in m {
                            let mut cp = p.clone();
                            cp.push(format!("f:{k}"));
                            walk(child, cp, k, builtin, out);
                        }
                    }
                }
            }
            None => {
                out.insert(prefix);
            }
        },
        _ => {
            out.insert(prefix);
        }
    }
}

fn item_matches(item: &Value, key: &Map<String, Value>) -> bool {
    key.iter().all(|(k, want)| item.get(k) == Some(want))
}

fn parse_key(seg: &str) -> Option<Map<String, Value>> {
    let json = seg.strip_prefix("k:")?;
    serde_json::from_str::<Value>(json).ok()?.as_object().cloned()
}

/// The value a path points at.
pub fn value_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for seg in path {
        if seg == "." {
            continue;
        }
        cur = if let Some(f) = seg.strip_prefix("f:") {
            cur.get(f)?
        } else {
            let key = parse_key(seg)?;
            cur.as_array()?.iter().find(|i| item_matches(i, &key))?
        };
    }
    Some(cur)
}

fn container_at_mut<'a>(obj: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = obj;
    for seg in path {
        cur = if let Some(f) = seg.strip_prefix("f:") {
            cur.get_mut(f)?
        } else {
            let key = parse_key(seg)?;
            cur.as_array_mut()?.iter_mut().find(|i| item_matches(i, &key))?
        };
    }
    Some(cur)
}

fn is_empty_container(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.is_empty()) || matches!(v, Value::Array(a) if a.is_empty())
}

/// Removes the field (or keyed list item, for a path ending in `.`) a path names, then drops
/// maps and lists left empty by the removal, below the top level.
pub fn remove_path(obj: &mut Value, path: &[String]) {
    let path: Vec<String> = path.iter().filter(|s| *s != ".").cloned().collect();
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let Some(parent) = container_at_mut(obj, parent_path) else {
        return;
    };
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = parent.as_object_mut() {
            m.shift_remove(f);
        }
    } else if let (Some(key), Some(items)) = (parse_key(last), parent.as_array_mut()) {
        items.retain(|i| !item_matches(i, &key));
    }
    // Walk back up, removing containers this removal emptied (but keep top-level fields).
    for depth in (1..parent_path.len()).rev() {
        let here = &parent_path[..=depth];
        let emptied = container_at_mut(obj, here).is_some_and(|v| is_empty_container(v));
        if !emptied {
            break;
        }
        let (seg, up) = here.split_last().expect("depth >= 1");
        if let Some(p) = container_at_mut(obj, up) {
            if let Some(f) = seg.strip_prefix("f:") {
                if let Some(m) = p.as_object_mut() {
                    m.shift_remove(f);
                }
            } else if let (Some(key), Some(items)) = (parse_key(seg), p.as_array_mut()) {
                items.retain(|i| !item_matches(i, &key));
            }
        }
    }
}

/// Encodes a set as the nested `fieldsV1` object.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut cur = &mut root;
        for seg in path {
            let entry = cur.entry(seg.clone()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            cur = entry.as_object_mut().expect("just made an object");
        }
    }
    Value::Object(root)
}

/// Decodes a `fieldsV1` object into its leaf paths.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    fn go(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
        match v.as_object() {
            Some(m) if !m.is_empty() => {
                for (k, child) in m {
                    prefix.push(k.clone());
                    go(child, prefix, out);
                    prefix.pop();
                }
            }
            _ => {
                if !prefix.is_empty() {
                    out.insert(prefix.clone());
                }
            }
        }
    }
    let mut out = FieldSet::new();
    go(v, &mut Vec::new(), &mut out);
    out
}

/// `.spec.template.spec.containers[name="app"].image`, the form conflict messages print.
pub fn display_path(path: &[String]) -> String {
    let mut s = String::new();
    for seg in path {
        if seg == "." {
            continue;
        }
        if let Some(f) = seg.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(key) = parse_key(seg) {
            let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    s
}

/// Paths whose values differ between two objects (or exist in only `new`), within a set of leaves.
pub fn changed_leaves(old: Option<&Value>, new: &Value, new_leaves: &FieldSet) -> FieldSet {
    new_leaves
        .iter()
        .filter(|p| {
            let before = old.and_then(|o| value_at(o, p));
            if p.last().is_some_and(|s| s == ".") {
                before.is_none()
            } else {
                before != value_at(new, p)
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_are_keyed_by_name_and_ports_by_port_and_protocol() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "labels": {"a": "b"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "app", "image": "i", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}}});
        let v1 = to_fields_v1(&leaves(&d, Scope::All, true));
        assert_eq!(
            v1,
            json!({"f:metadata": {"f:labels": {"f:a": {}}}, "f:spec": {"f:replicas": {},
                "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {
                    ".": {}, "f:image": {}, "f:name": {},
                    "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:protocol": {}}}}}}}}})
        );
        assert_eq!(from_fields_v1(&v1), leaves(&d, Scope::All, true));
    }

    #[test]
    fn removing_a_keyed_item_and_emptied_parents() {
        let mut o = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"x": {"y": 1}, "z": 2}});
        remove_path(&mut o, &["f:spec".into(), "f:x".into(), "f:y".into()]);
        remove_path(&mut o, &["f:metadata".into(), "f:labels".into(), "f:a".into()]);
        assert_eq!(o, json!({"metadata": {}, "spec": {"z": 2}}));
    }
}
