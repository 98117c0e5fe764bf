//! Deletion: finalizers, `deletionTimestamp`, namespace termination, and ownerReference
//! garbage collection (background, foreground, orphan), run synchronously after each delete
//! so tests see a settled store.

use crate::errors::ApiError;
use crate::resources::ResourceInfo;
use crate::store::{Key, State, WriteOptions};
use crate::util::{finalizers, meta_mut, meta_str, now_rfc3339};
use serde_json::{Value, json};

/// `propagationPolicy` of a DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn parse(s: &str) -> Result<Propagation, ApiError> {
        match s {
            "Background" => Ok(Propagation::Background),
            "Foreground" => Ok(Propagation::Foreground),
            "Orphan" => Ok(Propagation::Orphan),
            other => Err(ApiError::bad_request(format!(
                "DeleteOptions.propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            ))),
        }
    }
}

const FOREGROUND: &str = "foregroundDeletion";

fn owner_uids(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter_map(|r| r.get("uid").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn gc_opts() -> WriteOptions {
    WriteOptions {
        manager: None,
        keep_status: true,
        managed_fields_done: true,
        ..WriteOptions::default()
    }
}

impl State {
    fn info_of(&self, key: &Key) -> Option<ResourceInfo> {
        self.registry.by_kind(&key.group, &key.kind).cloned()
    }

    /// True when `obj` names owners and none of them exists.
    pub(crate) fn owners_all_gone(&self, obj: &Value) -> bool {
        let owners = owner_uids(obj);
        !owners.is_empty() && owners.iter().all(|uid| self.find_uid(uid).is_none())
    }

    fn dependents_of(&self, uid: &str) -> Vec<Key> {
        self.objects
            .iter()
            .filter(|(_, o)| owner_uids(o).iter().any(|u| u == uid))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// An API DELETE. Returns the object as it was deleted (or as it now waits, with
    /// `deletionTimestamp` set, for its finalizers).
    pub fn delete(
        &mut self,
        info: &ResourceInfo,
        namespace: Option<&str>,
        name: &str,
        propagation: Propagation,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let key = Key::new(info, namespace, name);
        let current = self.get_existing(info, namespace, name)?;
        if dry_run {
            return Ok(current);
        }
        let uid = meta_str(&current, "uid").unwrap_or_default().to_string();
        let is_namespace = info.group.is_empty() && info.kind == "Namespace";

        if propagation == Propagation::Orphan {
            for dep in self.dependents_of(&uid) {
                self.strip_owner(&dep, &uid);
            }
        }
        let mut fins = finalizers(&current);
        let has_dependents = !self.dependents_of(&uid).is_empty();
        if propagation == Propagation::Foreground && has_dependents && !fins.iter().any(|f| f == FOREGROUND) {
            fins.push(FOREGROUND.to_string());
        }

        if is_namespace {
            return Ok(self.terminate_namespace(info, &key, current));
        }

        if fins.is_empty() {
            let gone = self.remove(&key).unwrap_or(current);
            self.collect_dependents(&uid);
            self.sweep();
            return Ok(gone);
        }

        let mut marked = current.clone();
        {
            let meta = meta_mut(&mut marked);
            meta.insert("finalizers".into(), json!(fins));
            if !meta.contains_key("deletionTimestamp") {
                meta.insert("deletionTimestamp".into(), json!(now_rfc3339()));
                meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            }
        }
        let stored = self.commit_marking(info, &key, &current, marked)?;
        if propagation == Propagation::Foreground {
            for dep in self.dependents_of(&uid) {
                if let Some(dinfo) = self.info_of(&dep) {
                    let ns = (!dep.namespace.is_empty()).then_some(dep.namespace.clone());
                    let _ = self.delete(&dinfo, ns.as_deref(), &dep.name, Propagation::Foreground, false);
                }
            }
        }
        self.sweep();
        Ok(self.objects.get(&key).cloned().unwrap_or(stored))
    }

    /// Stores a deletion mark, bypassing the rule that refuses new finalizers on a deleting
    /// object (the server adds `foregroundDeletion` itself).
    fn commit_marking(
        &mut self,
        info: &ResourceInfo,
        key: &Key,
        current: &Value,
        mut marked: Value,
    ) -> Result<Value, ApiError> {
        let _ = info;
        if current == &marked {
            return Ok(marked);
        }
        self.rv += 1;
        meta_mut(&mut marked).insert("resourceVersion".into(), json!(self.rv.to_string()));
        self.objects.insert(key.clone(), marked.clone());
        self.emit(crate::store::EventType::Modified, &key.group, &key.kind, marked.clone());
        Ok(marked)
    }

    fn strip_owner(&mut self, key: &Key, owner_uid: &str) {
        let (Some(info), Some(obj)) = (self.info_of(key), self.objects.get(key).cloned()) else {
            return;
        };
        let mut new = obj.clone();
        if let Some(refs) = new
            .pointer_mut("/metadata/ownerReferences")
            .and_then(Value::as_array_mut)
        {
            refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(owner_uid));
            if refs.is_empty() {
                meta_mut(&mut new).shift_remove("ownerReferences");
            }
        }
        let _ = self.commit(&info, Some(&obj), new, &gc_opts());
    }

    /// After an owner is gone: dependents with no live owner left are deleted (background);
    /// those with other live owners only lose the reference.
    fn collect_dependents(&mut self, owner_uid: &str) {
        for dep in self.dependents_of(owner_uid) {
            let Some(obj) = self.objects.get(&dep) else {
                continue;
            };
            let live_owner = owner_uids(obj)
                .iter()
                .any(|u| u != owner_uid && self.find_uid(u).is_some());
            if live_owner {
                self.strip_owner(&dep, owner_uid);
            } else if let Some(info) = self.info_of(&dep) {
                let ns = (!dep.namespace.is_empty()).then_some(dep.namespace.clone());
                let _ = self.delete(&info, ns.as_deref(), &dep.name, Propagation::Background, false);
            }
        }
    }

    fn terminate_namespace(&mut self, info: &ResourceInfo, key: &Key, current: Value) -> Value {
        let mut marked = current.clone();
        if marked.pointer("/metadata/deletionTimestamp").is_none() {
            meta_mut(&mut marked).insert("deletionTimestamp".into(), json!(now_rfc3339()));
            meta_mut(&mut marked).insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        marked["status"] = json!({"phase": "Terminating"});
        let marked = self.commit_marking(info, key, &current, marked).unwrap_or(current);
        let contents: Vec<Key> = self
            .objects
            .keys()
            .filter(|k| k.namespace == key.name && !k.namespace.is_empty())
            .cloned()
            .collect();
        for k in contents {
            if let Some(i) = self.info_of(&k) {
                let _ = self.delete(&i, Some(&k.namespace), &k.name, Propagation::Background, false);
            }
        }
        self.sweep();
        self.objects.get(key).cloned().unwrap_or(marked)
    }

    /// Settles what deletions left pending: foreground owners whose dependents are gone,
    /// and terminating namespaces that became empty.
    pub fn sweep(&mut self) {
        loop {
            let mut progressed = false;
            let waiting: Vec<Key> = self
                .objects
                .iter()
                .filter(|(_, o)| {
                    o.pointer("/metadata/deletionTimestamp").is_some() && finalizers(o).iter().any(|f| f == FOREGROUND)
                })
                .map(|(k, _)| k.clone())
                .collect();
            for key in waiting {
                let Some(obj) = self.objects.get(&key).cloned() else {
                    continue;
                };
                let uid = meta_str(&obj, "uid").unwrap_or_default().to_string();
                if self.dependents_of(&uid).is_empty() {
                    let fins: Vec<String> = finalizers(&obj).into_iter().filter(|f| f != FOREGROUND).collect();
                    if fins.is_empty() {
                        self.remove(&key);
                        self.collect_dependents(&uid);
                    } else if let Some(info) = self.info_of(&key) {
                        let mut new = obj.clone();
                        meta_mut(&mut new).insert("finalizers".into(), json!(fins));
                        let _ = self.commit(&info, Some(&obj), new, &gc_opts());
                    }
                    progressed = true;
                }
            }
            let terminating: Vec<Key> = self
                .objects
                .iter()
                .filter(|(k, o)| {
                    k.group.is_empty() && k.kind == "Namespace" && o.pointer("/metadata/deletionTimestamp").is_some()
                })
                .map(|(k, _)| k.clone())
                .collect();
            for ns in terminating {
                let empty = !self.objects.keys().any(|k| k.namespace == ns.name);
                if empty {
                    self.remove(&ns);
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
    }
}
