//! Server-side apply: merging a manager's applied configuration into the live object,
//! conflicts with other managers, `force`, and removal of fields a manager stopped applying.

use crate::errors::ApiError;
use crate::fields::{self, FieldPath, FieldSet, Scope, list_keys};
use crate::managed::{self, Entry};
use crate::resources::ResourceInfo;
use crate::store::{Key, State, Subresource, WriteOptions};
use crate::util::{meta_str, now_rfc3339};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What an apply request asked for.
#[derive(Debug, Clone)]
pub struct ApplyParams {
    pub manager: String,
    pub force: bool,
    pub subresource: Subresource,
    pub dry_run: bool,
    /// The API version of the URL.
    pub version: String,
}

/// Applies `applied` to the object `name` (creating it when absent) for `params.manager`.
pub(crate) fn apply(
    st: &mut State,
    info: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    mut applied: Value,
    params: &ApplyParams,
) -> Result<Value, ApiError> {
    check_identity(info, namespace, name, &applied, &params.version)?;
    let live = st.objects.get(&Key::new(info, namespace, name)).cloned();
    if live.is_none() && params.subresource == Subresource::Status {
        return Err(ApiError::not_found(info.gr(), name));
    }
    let scope = match (params.subresource, info.has_status) {
        (Subresource::Status, _) => Scope::StatusOnly,
        (Subresource::Main, true) => Scope::MainWithoutStatus,
        (Subresource::Main, false) => Scope::All,
    };
    if scope == Scope::MainWithoutStatus
        && let Some(m) = applied.as_object_mut()
    {
        m.shift_remove("status");
    }
    let builtin = info.crd.is_none();
    let applied_set = fields::leaves(&applied, scope, builtin);
    let sub = (params.subresource == Subresource::Status).then_some("status");
    let mut entries = live.as_ref().map(managed::read).unwrap_or_default();
    let api_version = info.api_version(&params.version);

    let conflicts = find_conflicts(&entries, &params.manager, sub, &applied_set, live.as_ref(), &applied);
    if !conflicts.is_empty() {
        if !params.force {
            return Err(describe_conflicts(info, name, &entries, &conflicts));
        }
        for (idx, paths) in &conflicts {
            entries[*idx].fields.retain(|p| !paths.contains(p));
        }
    }

    let own = entries.iter().position(|e| e.is(&params.manager, "Apply", sub));
    let previous: FieldSet = own.map(|i| entries[i].fields.clone()).unwrap_or_default();
    let others: FieldSet = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != own)
        .flat_map(|(_, e)| e.fields.iter().cloned())
        .collect();

    let mut merged = live.clone().unwrap_or_else(|| json!({}));
    let mut dropped: Vec<&FieldPath> = previous
        .iter()
        .filter(|p| !applied_set.contains(*p) && !others.contains(*p))
        // A list item someone else still sets a field of stays.
        .filter(|p| !(p.last().is_some_and(|s| s == ".") && others.iter().any(|o| o.starts_with(&p[..p.len() - 1]))))
        .collect();
    dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in dropped {
        fields::remove_path(&mut merged, p);
    }
    merge_applied(&mut merged, &applied, "", builtin);

    let entry = Entry {
        manager: params.manager.clone(),
        operation: "Apply".into(),
        api_version: api_version.clone(),
        time: now_rfc3339(),
        subresource: sub.map(str::to_string),
        fields: applied_set,
    };
    match own {
        Some(i) => {
            // Keep the time of an unchanged entry so a no-op apply stays a no-op.
            if entries[i].fields == entry.fields {
                entries[i].api_version = entry.api_version;
            } else {
                entries[i] = entry;
            }
        }
        None => entries.push(entry),
    }
    managed::write(&mut merged, &entries);

    let opts = WriteOptions {
        manager: Some(params.manager.clone()),
        dry_run: params.dry_run,
        subresource: params.subresource,
        managed_fields_done: true,
        keep_status: false,
        version: Some(params.version.clone()),
    };
    st.commit(info, live.as_ref(), merged, &opts)
}

/// The body must describe the object the URL names.
fn check_identity(
    info: &ResourceInfo,
    namespace: Option<&str>,
    name: &str,
    applied: &Value,
    version: &str,
) -> Result<(), ApiError> {
    if !applied.is_object() {
        return Err(ApiError::bad_request("the applied configuration must be a map"));
    }
    let kind = applied.get("kind").and_then(Value::as_str);
    let api_version = applied.get("apiVersion").and_then(Value::as_str);
    if kind.is_none() || api_version.is_none() {
        return Err(ApiError::bad_request(
            "invalid object type: apiVersion and kind must be set in an apply request",
        ));
    }
    if kind != Some(info.kind.as_str()) || api_version != Some(info.api_version(version).as_str()) {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({}) does not match the expected API version ({})",
            api_version.unwrap_or(""),
            info.api_version(version)
        )));
    }
    if let Some(body_name) = meta_str(applied, "name")
        && body_name != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    if let (Some(body_ns), Some(url_ns)) = (meta_str(applied, "namespace"), namespace)
        && info.namespaced
        && body_ns != url_ns
    {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    Ok(())
}

/// Fields in `applied_set` that another manager owns with a different live value, per entry.
fn find_conflicts(
    entries: &[Entry],
    manager: &str,
    sub: Option<&str>,
    applied_set: &FieldSet,
    live: Option<&Value>,
    applied: &Value,
) -> BTreeMap<usize, FieldSet> {
    let mut out = BTreeMap::new();
    let Some(live) = live else {
        return out;
    };
    for (i, e) in entries.iter().enumerate() {
        if e.manager == manager || e.subresource.as_deref() != sub {
            continue;
        }
        let clashing: FieldSet = e
            .fields
            .intersection(applied_set)
            .filter(|p| p.last().is_none_or(|s| s != "."))
            .filter(|p| fields::value_at(live, p) != fields::value_at(applied, p))
            .cloned()
            .collect();
        if !clashing.is_empty() {
            out.insert(i, clashing);
        }
    }
    out
}

fn manager_label(e: &Entry) -> String {
    let mut s = format!("{:?}", e.manager);
    if let Some(sub) = &e.subresource {
        s.push_str(&format!(" with subresource {sub:?}"));
    }
    if e.operation == "Update" {
        s.push_str(&format!(" using {}", e.api_version));
    }
    s
}

/// 409 worded like the real server's apply conflict, with one cause per field.
pub fn describe_conflicts(
    info: &ResourceInfo,
    name: &str,
    entries: &[Entry],
    conflicts: &BTreeMap<usize, FieldSet>,
) -> ApiError {
    let total: usize = conflicts.values().map(|s| s.len()).sum();
    let mut parts = Vec::new();
    let mut causes = Vec::new();
    for (i, paths) in conflicts {
        let label = manager_label(&entries[*i]);
        let shown: Vec<String> = paths.iter().map(|p| fields::display_path(p)).collect();
        if shown.len() == 1 {
            parts.push(format!("conflict with {label}: {}", shown[0]));
        } else {
            let lines: Vec<String> = shown.iter().map(|p| format!("- {p}")).collect();
            parts.push(format!("conflicts with {label}:\n{}", lines.join("\n")));
        }
        for p in shown {
            causes.push(json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {label}"),
                "field": p,
            }));
        }
    }
    let plural = if total == 1 { "" } else { "s" };
    // The real server's apply conflict names neither the object nor its kind in details.
    let _ = (info, name);
    let details = json!({"causes": causes});
    ApiError::new(
        409,
        "Conflict",
        format!("Apply failed with {total} conflict{plural}: {}", parts.join("\n")),
    )
    .with_details(details)
}

/// Merges an applied configuration into an object: maps recursively, keyed lists item by
/// item, everything else replaced; `null` removes.
fn merge_applied(target: &mut Value, applied: &Value, field: &str, builtin: bool) {
    match applied {
        Value::Object(a) => {
            if !target.is_object() {
                *target = json!({});
            }
            let Value::Object(t) = target else {
                return;
            };
            for (k, v) in a {
                if v.is_null() {
                    t.shift_remove(k);
                } else {
                    merge_applied(t.entry(k.clone()).or_insert(Value::Null), v, k, builtin);
                }
            }
        }
        Value::Array(items) => {
            let keys = match &*target {
                Value::Array(live) => {
                    let mut all = live.clone();
                    all.extend(items.iter().cloned());
                    list_keys(field, &all, builtin)
                }
                _ => None,
            };
            let (Some(keys), Value::Array(live)) = (keys, &mut *target) else {
                *target = applied.clone();
                return;
            };
            for item in items {
                let same = |l: &Value| keys.iter().all(|k| l.get(*k) == item.get(*k));
                match live.iter_mut().find(|l| same(l)) {
                    Some(existing) => merge_applied(existing, item, "", builtin),
                    None => live.push(item.clone()),
                }
            }
        }
        other => *target = other.clone(),
    }
}
