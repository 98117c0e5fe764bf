//! `metadata.managedFields` bookkeeping: reading and writing entries, and the ownership
//! transfer of non-apply writes (`Update` operations).

use crate::fields::{FieldSet, from_fields_v1, to_fields_v1};
use serde_json::{Value, json};

/// One `managedFields` entry, with its field set decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: String,
    /// `Some("status")` for status-subresource writes.
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl Entry {
    pub fn is(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager && self.operation == operation && self.subresource.as_deref() == subresource
    }
}

/// The entries an object carries.
pub fn read(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    Entry {
                        manager: s("manager"),
                        operation: s("operation"),
                        api_version: s("apiVersion"),
                        time: s("time"),
                        subresource: e.get("subresource").and_then(Value::as_str).map(str::to_string),
                        fields: e.get("fieldsV1").map(from_fields_v1).unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Writes entries back, dropping those that own nothing.
pub fn write(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&e.fields),
            });
            if let Some(sub) = &e.subresource {
                v["subresource"] = json!(sub);
            }
            v
        })
        .collect();
    let meta = crate::util::meta_mut(obj);
    if list.is_empty() {
        meta.shift_remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(list));
    }
}

/// A non-apply write: `manager` takes the fields it changed from everyone, and fields the
/// write removed are owned by nobody any more.
pub fn record_update(
    entries: &mut Vec<Entry>,
    manager: &str,
    subresource: Option<&str>,
    api_version: &str,
    changed: &FieldSet,
    removed: &FieldSet,
) {
    for e in entries.iter_mut() {
        e.fields.retain(|p| !changed.contains(p) && !removed.contains(p));
    }
    if changed.is_empty() {
        entries.retain(|e| !e.fields.is_empty());
        return;
    }
    let now = crate::util::now_rfc3339();
    match entries.iter_mut().find(|e| e.is(manager, "Update", subresource)) {
        Some(e) => {
            e.fields.extend(changed.iter().cloned());
            e.time = now;
            e.api_version = api_version.to_string();
        }
        None => entries.push(Entry {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: api_version.to_string(),
            time: now,
            subresource: subresource.map(str::to_string),
            fields: changed.clone(),
        }),
    }
    entries.retain(|e| !e.fields.is_empty());
}
