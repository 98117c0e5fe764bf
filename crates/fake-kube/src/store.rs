//! The object store every part of the fake shares: objects, resource versions, the watch
//! event history, and the write pipeline (metadata, generation, managed fields, schema
//! validation, CRD registration). Deletion and garbage collection live in `gc.rs`.

use crate::errors::{ApiError, Cause};
use crate::fields::{self, Scope};
use crate::managed;
use crate::resources::{Registry, ResourceInfo, split_api_version};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::util::{meta_mut, meta_str, new_uid, now_rfc3339};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// Identifies one object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectKey {
    /// The key of a full object (`apiVersion`, `kind`, `metadata.name/namespace`).
    pub fn of(obj: &Value) -> Option<ObjectKey> {
        Some(ObjectKey {
            api_version: obj.get("apiVersion")?.as_str()?.to_string(),
            kind: obj.get("kind")?.as_str()?.to_string(),
            namespace: meta_str(obj, "namespace").map(str::to_string),
            name: meta_str(obj, "name")?.to_string(),
        })
    }
}

/// A change to the store, carrying the full object (with `apiVersion` and `kind`).
#[derive(Debug, Clone, PartialEq)]
pub enum StoreEvent {
    Added(Value),
    Modified(Value),
    Deleted(Value),
}

impl StoreEvent {
    pub fn object(&self) -> &Value {
        match self {
            StoreEvent::Added(o) | StoreEvent::Modified(o) | StoreEvent::Deleted(o) => o,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One entry of the watch history.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub rv: u64,
    pub type_: EventType,
    pub group: String,
    pub kind: String,
    pub object: Value,
}

/// Storage key: version-independent, as a real server stores one copy per object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub group: String,
    pub kind: String,
    /// `""` for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn new(info: &ResourceInfo, namespace: Option<&str>, name: &str) -> Key {
        Key {
            group: info.group.clone(),
            kind: info.kind.clone(),
            namespace: if info.namespaced {
                namespace.unwrap_or("").to_string()
            } else {
                String::new()
            },
            name: name.to_string(),
        }
    }
}

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Subresource {
    #[default]
    Main,
    Status,
}

/// How a write is attributed and applied.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Field manager recorded in `managedFields` (non-apply writes).
    pub manager: Option<String>,
    /// Validate and answer, but persist nothing.
    pub dry_run: bool,
    pub subresource: Subresource,
    /// The write already computed `managedFields` itself (server-side apply).
    pub managed_fields_done: bool,
    /// Take `status` as given on a main-resource write (controllers writing through the Store).
    pub keep_status: bool,
    /// API version to answer in; the object's own when `None`.
    pub version: Option<String>,
}

/// What a real API server's registry does on a main-resource write beyond the schema
/// (allocating Service ClusterIPs and NodePorts, refusing a taken port): called with the
/// store locked, the resource, the stored object (`None` on create) and the new object.
pub(crate) type AdmissionHook =
    Arc<dyn Fn(&State, &ResourceInfo, Option<&Value>, &mut Value) -> Result<(), ApiError> + Send + Sync>;

/// How long the watch history is.
pub const DEFAULT_HISTORY: usize = 1000;

pub(crate) struct State {
    pub rv: u64,
    pub objects: BTreeMap<Key, Value>,
    pub registry: Registry,
    pub history: VecDeque<WatchEvent>,
    pub history_cap: usize,
    /// Highest resourceVersion evicted from the history; watches from before it get 410.
    pub compacted_rv: u64,
    /// Write-time checks and defaults of built-in kinds, by name (see [`AdmissionHook`]).
    pub admission: Vec<(&'static str, AdmissionHook)>,
    watch_tx: broadcast::Sender<WatchEvent>,
    public_tx: broadcast::Sender<StoreEvent>,
}

struct Inner {
    state: Mutex<State>,
    watch_tx: broadcast::Sender<WatchEvent>,
    public_tx: broadcast::Sender<StoreEvent>,
}

/// Cloneable, thread-safe handle to the fake's objects. Writes through it behave like a
/// controller's writes through the API (resource versions, generation, watch events,
/// finalizers and garbage collection), attributed to the field manager
/// [`Store::as_manager`] names (`fake-kube` by default).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
    manager: String,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store serving the built-in resources.
    pub fn new() -> Store {
        let (watch_tx, _) = broadcast::channel(8192);
        let (public_tx, _) = broadcast::channel(8192);
        let state = State {
            rv: 1,
            objects: BTreeMap::new(),
            registry: Registry::with_builtins(),
            history: VecDeque::new(),
            history_cap: DEFAULT_HISTORY,
            compacted_rv: 0,
            admission: Vec::new(),
            watch_tx: watch_tx.clone(),
            public_tx: public_tx.clone(),
        };
        Store {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                watch_tx,
                public_tx,
            }),
            manager: "fake-kube".into(),
        }
    }

    /// A handle whose writes are recorded under field manager `manager`.
    pub fn as_manager(&self, manager: &str) -> Store {
        Store {
            inner: self.inner.clone(),
            manager: manager.to_string(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every write is applied
        // at once), so a poisoned lock is still usable.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn info_for(&self, api_version: &str, kind: &str) -> Result<ResourceInfo, ApiError> {
        let (group, _) = split_api_version(api_version);
        self.lock().registry.by_kind(group, kind).cloned().ok_or_else(|| {
            ApiError::new(
                404,
                "NotFound",
                format!("the server doesn't have a resource type for {api_version}/{kind}"),
            )
        })
    }

    fn opts(&self, api_version: &str) -> WriteOptions {
        WriteOptions {
            manager: Some(self.manager.clone()),
            keep_status: true,
            version: Some(split_api_version(api_version).1.to_string()),
            ..WriteOptions::default()
        }
    }

    /// The object, answered in `api_version`.
    pub fn get(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let info = self.info_for(api_version, kind).ok()?;
        let st = self.lock();
        let mut obj = st.objects.get(&Key::new(&info, namespace, name))?.clone();
        obj["apiVersion"] = json!(api_version);
        Some(obj)
    }

    /// Objects of a kind (in one namespace, or all when `None`), optionally filtered by a
    /// label selector in query-string form. An unparsable selector matches nothing.
    pub fn list(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        label_selector: Option<&str>,
    ) -> Vec<Value> {
        let Ok(info) = self.info_for(api_version, kind) else {
            return Vec::new();
        };
        let sel = match label_selector.map(LabelSelector::parse).transpose() {
            Ok(s) => s,
            Err(_) => return Vec::new(),
        };
        let version = split_api_version(api_version).1;
        self.lock().list(&info, version, namespace, sel.as_ref(), None).0
    }

    /// Creates or replaces an object as a controller would: an existing object keeps its
    /// uid and creationTimestamp; resourceVersion and generation follow the real rules;
    /// watchers see the change. `status` is taken as given.
    pub fn put(&self, obj: Value) -> Result<Value, ApiError> {
        let key = ObjectKey::of(&obj)
            .ok_or_else(|| ApiError::bad_request("object needs apiVersion, kind and metadata.name"))?;
        let info = self.info_for(&key.api_version, &key.kind)?;
        let opts = self.opts(&key.api_version);
        let mut st = self.lock();
        let old = st
            .objects
            .get(&Key::new(&info, key.namespace.as_deref(), &key.name))
            .cloned();
        st.commit(&info, old.as_ref(), obj, &opts)
    }

    /// Replaces only `.status` (status subresource semantics).
    pub fn put_status(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
        status: Value,
    ) -> Result<Value, ApiError> {
        let info = self.info_for(api_version, kind)?;
        let mut opts = self.opts(api_version);
        opts.subresource = Subresource::Status;
        let mut st = self.lock();
        let old = st.get_existing(&info, namespace, name)?;
        let mut new = old.clone();
        new["status"] = status;
        st.commit(&info, Some(&old), new, &opts)
    }

    /// Merge-patches an object (RFC 7386: `null` removes a field), as a controller would.
    pub fn merge_patch(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
        patch: Value,
    ) -> Result<Value, ApiError> {
        let info = self.info_for(api_version, kind)?;
        let opts = self.opts(api_version);
        let mut st = self.lock();
        let old = st.get_existing(&info, namespace, name)?;
        let mut new = old.clone();
        crate::patch::merge_patch(&mut new, &patch);
        st.commit(&info, Some(&old), new, &opts)
    }

    /// Test fixture: the object looks as if it had been created `age` ago
    /// (its creationTimestamp moves back). Watchers are not told: a real
    /// server never changes a creationTimestamp either.
    pub fn backdate(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
        age: std::time::Duration,
    ) -> Result<(), ApiError> {
        let info = self.info_for(api_version, kind)?;
        let mut st = self.lock();
        st.get_existing(&info, namespace, name)?;
        let key = Key::new(&info, namespace, name);
        let created = std::time::SystemTime::now()
            .checked_sub(age)
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if let Some(obj) = st.objects.get_mut(&key) {
            meta_mut(obj).insert("creationTimestamp".into(), json!(crate::util::format_rfc3339(created)));
        }
        Ok(())
    }

    /// Deletes like an API DELETE with background propagation: finalizers hold the object
    /// (with `deletionTimestamp` set) until they are removed; dependents are collected.
    pub fn delete(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Result<(), ApiError> {
        let info = self.info_for(api_version, kind)?;
        let mut st = self.lock();
        st.delete(&info, namespace, name, crate::gc::Propagation::Background, false)
            .map(|_| ())
    }

    /// Every later change to any object.
    pub fn subscribe(&self) -> broadcast::Receiver<StoreEvent> {
        self.inner.public_tx.subscribe()
    }

    /// Records a core/v1 Event about `involved` (a full object), aggregating repeats into
    /// `count` like the kubelet's and controllers' event recorders do.
    pub fn record_event(&self, namespace: &str, involved: &Value, type_: &str, reason: &str, message: &str) {
        let info = match self.info_for("v1", "Event") {
            Ok(i) => i,
            Err(_) => return,
        };
        let now = now_rfc3339();
        let involved_ref = json!({
            "apiVersion": involved.get("apiVersion").cloned().unwrap_or(Value::Null),
            "kind": involved.get("kind").cloned().unwrap_or(Value::Null),
            "name": meta_str(involved, "name").unwrap_or(""),
            "namespace": meta_str(involved, "namespace").unwrap_or(namespace),
            "uid": meta_str(involved, "uid").unwrap_or(""),
            "resourceVersion": meta_str(involved, "resourceVersion").unwrap_or(""),
        });
        let opts = self.opts("v1");
        let mut st = self.lock();
        let existing = st
            .list(&info, "v1", Some(namespace), None, None)
            .0
            .into_iter()
            .find(|e| {
                e.pointer("/involvedObject/uid") == involved_ref.get("uid")
                    && e.pointer("/involvedObject/name") == involved_ref.get("name")
                    && e.get("reason").and_then(Value::as_str) == Some(reason)
                    && e.get("message").and_then(Value::as_str) == Some(message)
            });
        let ev = match existing {
            Some(mut e) => {
                let count = e.get("count").and_then(Value::as_i64).unwrap_or(1) + 1;
                e["count"] = json!(count);
                e["lastTimestamp"] = json!(now);
                e
            }
            None => {
                let involved_name = meta_str(involved, "name").unwrap_or("object");
                json!({
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {
                        "name": format!("{involved_name}.{:x}", st.rv * 7919 + 0x17f0_0000_0000),
                        "namespace": namespace,
                    },
                    "involvedObject": involved_ref,
                    "reason": reason,
                    "message": message,
                    "type": type_,
                    "count": 1,
                    "firstTimestamp": now,
                    "lastTimestamp": now,
                    "eventTime": null,
                    "reportingComponent": self.manager,
                    "reportingInstance": "",
                    "source": {"component": self.manager},
                })
            }
        };
        let old = meta_str(&ev, "name").and_then(|n| st.objects.get(&Key::new(&info, Some(namespace), n)).cloned());
        // Events about objects in a missing namespace are dropped, as recorders drop them.
        let _ = st.commit(&info, old.as_ref(), ev, &opts);
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Every served resource (built-ins and those of established CRDs).
    pub fn resources(&self) -> Vec<ResourceInfo> {
        self.lock().registry.all().to_vec()
    }

    /// Sets how many watch events are kept for watches that resume from a resourceVersion.
    pub fn set_history_capacity(&self, cap: usize) {
        let mut st = self.lock();
        st.history_cap = cap.max(1);
        st.trim_history();
    }

    /// Installs (or replaces, by name) a write-time admission hook.
    pub(crate) fn set_admission(&self, name: &'static str, hook: AdmissionHook) {
        let mut st = self.lock();
        st.admission.retain(|(n, _)| *n != name);
        st.admission.push((name, hook));
    }

    pub(crate) fn subscribe_watch(&self) -> broadcast::Receiver<WatchEvent> {
        self.inner.watch_tx.subscribe()
    }
}

fn envelope(obj: &Value) -> Vec<(String, Value)> {
    ["apiVersion", "kind", "metadata"]
        .iter()
        .filter_map(|k| obj.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

fn restore(obj: &mut Value, envelope: Vec<(String, Value)>) {
    if let Some(m) = obj.as_object_mut() {
        for (k, v) in envelope {
            m.insert(k, v);
        }
    }
}

/// Strips what changes on every write so no-op writes can be detected.
fn comparable(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.shift_remove("resourceVersion");
        if let Some(Value::Array(mf)) = meta.get_mut("managedFields") {
            for e in mf.iter_mut().filter_map(Value::as_object_mut) {
                e.shift_remove("time");
            }
        }
    }
    o
}

/// The part of an object whose change bumps `metadata.generation`.
fn spec_part(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        for k in ["metadata", "status", "apiVersion", "kind"] {
            m.shift_remove(k);
        }
    }
    o
}

fn random_suffix(seed: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..5)
        .map(|_| {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51afd7ed558ccd);
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

impl State {
    pub fn get_existing(&self, info: &ResourceInfo, namespace: Option<&str>, name: &str) -> Result<Value, ApiError> {
        self.objects
            .get(&Key::new(info, namespace, name))
            .cloned()
            .ok_or_else(|| ApiError::not_found(info.gr(), name))
    }

    /// Objects of a resource, answered in `version`, with the list's resourceVersion.
    pub fn list(
        &self,
        info: &ResourceInfo,
        version: &str,
        namespace: Option<&str>,
        labels: Option<&LabelSelector>,
        fields: Option<&FieldSelector>,
    ) -> (Vec<Value>, u64) {
        let api_version = info.api_version(version);
        let items = self
            .objects
            .iter()
            .filter(|(k, _)| k.group == info.group && k.kind == info.kind)
            .filter(|(k, _)| !info.namespaced || namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, v)| v)
            .filter(|o| labels.is_none_or(|s| s.matches(o)))
            .filter(|o| fields.is_none_or(|s| s.matches(o)))
            .map(|o| {
                let mut o = o.clone();
                o["apiVersion"] = json!(api_version);
                o
            })
            .collect();
        (items, self.rv)
    }

    /// Appends to the history and tells watchers.
    pub fn emit(&mut self, type_: EventType, info_group: &str, kind: &str, object: Value) {
        let ev = WatchEvent {
            rv: self.rv,
            type_,
            group: info_group.to_string(),
            kind: kind.to_string(),
            object: object.clone(),
        };
        self.history.push_back(ev.clone());
        self.trim_history();
        let _ = self.watch_tx.send(ev);
        let public = match type_ {
            EventType::Added => StoreEvent::Added(object),
            EventType::Modified => StoreEvent::Modified(object),
            EventType::Deleted => StoreEvent::Deleted(object),
        };
        let _ = self.public_tx.send(public);
    }

    fn trim_history(&mut self) {
        while self.history.len() > self.history_cap {
            if let Some(ev) = self.history.pop_front() {
                self.compacted_rv = ev.rv;
            }
        }
    }

    /// Checks the namespace a namespaced object goes into.
    fn check_namespace(
        &self,
        info: &ResourceInfo,
        namespace: &str,
        name: &str,
        creating: bool,
    ) -> Result<(), ApiError> {
        let ns_key = Key {
            group: String::new(),
            kind: "Namespace".into(),
            namespace: String::new(),
            name: namespace.to_string(),
        };
        let Some(ns) = self.objects.get(&ns_key) else {
            return Err(ApiError::not_found(
                crate::errors::GroupResource {
                    group: "",
                    resource: "namespaces",
                },
                namespace,
            ));
        };
        if creating && ns.pointer("/metadata/deletionTimestamp").is_some() {
            return Err(ApiError::namespace_terminating(info.gr(), name, namespace));
        }
        Ok(())
    }

    /// The single write path: fills server-owned metadata, enforces subresource rules,
    /// validates custom resources, tracks managed fields and generation, stores the result
    /// and tells watchers. `old` is the stored object being replaced (`None` = create).
    pub fn commit(
        &mut self,
        info: &ResourceInfo,
        old: Option<&Value>,
        mut new: Value,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        if !new.is_object() {
            return Err(ApiError::bad_request("the object must be a JSON/YAML map"));
        }
        let version = opts
            .version
            .clone()
            .filter(|v| info.serves(v))
            .or_else(|| {
                new.get("apiVersion")
                    .and_then(Value::as_str)
                    .map(|av| split_api_version(av).1.to_string())
                    .filter(|v| info.serves(v))
            })
            .unwrap_or_else(|| info.preferred_version().to_string());
        let api_version = info.api_version(&version);
        new["apiVersion"] = json!(api_version);
        new["kind"] = json!(info.kind);

        // Name (generateName on create).
        if old.is_none() && meta_str(&new, "name").is_none_or(str::is_empty) {
            match meta_str(&new, "generateName").map(str::to_string) {
                Some(prefix) if !prefix.is_empty() => {
                    let name = format!("{prefix}{}", random_suffix(self.rv ^ 0x5eed));
                    meta_mut(&mut new).insert("name".into(), json!(name));
                }
                _ => {
                    return Err(ApiError::invalid(
                        &info.kind,
                        &info.group,
                        "",
                        vec![Cause {
                            reason: "FieldValueRequired".into(),
                            field: "metadata.name".into(),
                            message: "Required value: name or generateName is required".into(),
                        }],
                    ));
                }
            }
        }
        let name = meta_str(&new, "name").unwrap_or_default().to_string();
        let namespace = if info.namespaced {
            let ns = meta_str(&new, "namespace")
                .or_else(|| old.and_then(|o| meta_str(o, "namespace")))
                .map(str::to_string);
            let Some(ns) = ns.filter(|n| !n.is_empty()) else {
                return Err(ApiError::bad_request(
                    "the server could not find the requested resource: a namespace is required",
                ));
            };
            self.check_namespace(info, &ns, &name, old.is_none())?;
            meta_mut(&mut new).insert("namespace".into(), json!(ns));
            Some(ns)
        } else {
            meta_mut(&mut new).shift_remove("namespace");
            None
        };

        // Subresource rules: the main resource cannot change status and vice versa.
        match opts.subresource {
            Subresource::Status => {
                let Some(old) = old else {
                    return Err(ApiError::not_found(info.gr(), &name));
                };
                let status = new.get("status").cloned();
                new = old.clone();
                new["apiVersion"] = json!(api_version);
                match status {
                    Some(s) => new["status"] = s,
                    None => {
                        if let Some(m) = new.as_object_mut() {
                            m.shift_remove("status");
                        }
                    }
                }
            }
            Subresource::Main if info.has_status && !opts.keep_status => match old.and_then(|o| o.get("status")) {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.shift_remove("status");
                    }
                }
            },
            Subresource::Main => {}
        }

        // Server-owned metadata.
        {
            let meta = meta_mut(&mut new);
            match old {
                Some(o) => {
                    for k in [
                        "uid",
                        "creationTimestamp",
                        "deletionTimestamp",
                        "deletionGracePeriodSeconds",
                    ] {
                        match o.pointer(&format!("/metadata/{k}")) {
                            Some(v) => {
                                meta.insert(k.into(), v.clone());
                            }
                            None => {
                                meta.shift_remove(k);
                            }
                        }
                    }
                }
                None => {
                    meta.insert("uid".into(), json!(new_uid()));
                    meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
                    meta.shift_remove("deletionTimestamp");
                    meta.shift_remove("deletionGracePeriodSeconds");
                }
            }
            meta.shift_remove("selfLink");
        }
        // A deleting object accepts no new finalizers (the real server refuses them).
        if let Some(o) = old
            && o.pointer("/metadata/deletionTimestamp").is_some()
        {
            let before = crate::util::finalizers(o);
            let added: Vec<String> = crate::util::finalizers(&new)
                .into_iter()
                .filter(|f| !before.contains(f))
                .collect();
            if !added.is_empty() {
                return Err(ApiError::new(
                    422,
                    "Invalid",
                    format!(
                        "{} \"{name}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {added:?}",
                        info.kind
                    ),
                ));
            }
        }

        if opts.subresource == Subresource::Main {
            for (_, hook) in self.admission.clone() {
                hook(self, info, old, &mut new)?;
            }
            if let Some(old) = old
                && info.crd.is_none()
            {
                crate::validation::check_update(self, info, old, &new)?;
            }
        }
        if info.crd.is_some() {
            self.validate_custom_resource(info, &version, &name, &mut new)?;
        }
        if info.group == "apiextensions.k8s.io" && info.kind == "CustomResourceDefinition" {
            crate::crd::accept(&name, &mut new)?;
        }
        if old.is_none() {
            valid_name(info, &name)?;
        }
        if info.kind == "Namespace" && info.group.is_empty() && old.is_none() {
            new["status"] = json!({"phase": "Active"});
            if new.pointer("/spec/finalizers").is_none() {
                new["spec"] = json!({"finalizers": ["kubernetes"]});
            }
            let labels = meta_mut(&mut new)
                .entry("labels")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(l) = labels.as_object_mut() {
                l.insert("kubernetes.io/metadata.name".into(), json!(name));
            }
        }

        // Generation: 1 at creation, bumped when anything outside metadata and status changes.
        let generation = match old {
            None => 1,
            Some(o) => {
                let g = o.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
                if spec_part(o) != spec_part(&new) { g + 1 } else { g }
            }
        };
        meta_mut(&mut new).insert("generation".into(), json!(generation));

        if !opts.managed_fields_done {
            let entries_src = match old {
                Some(o) => o,
                None => &new,
            };
            let mut entries = managed::read(entries_src);
            if let Some(manager) = &opts.manager {
                let scope = match (opts.subresource, info.has_status) {
                    (Subresource::Status, _) => Scope::StatusOnly,
                    (Subresource::Main, true) => Scope::MainWithoutStatus,
                    (Subresource::Main, false) => Scope::All,
                };
                let builtin = info.crd.is_none();
                let new_leaves = fields::leaves(&new, scope, builtin);
                let changed = fields::changed_leaves(old, &new, &new_leaves);
                let removed: fields::FieldSet = old
                    .map(|o| fields::leaves(o, scope, builtin))
                    .unwrap_or_default()
                    .difference(&new_leaves)
                    .cloned()
                    .collect();
                let sub = (opts.subresource == Subresource::Status).then_some("status");
                managed::record_update(&mut entries, manager, sub, &api_version, &changed, &removed);
            }
            managed::write(&mut new, &entries);
        }

        // A write that changes nothing keeps the resourceVersion and tells nobody.
        if let Some(o) = old {
            let mut o_cmp = o.clone();
            o_cmp["apiVersion"] = json!(api_version);
            if comparable(&o_cmp) == comparable(&new) {
                return Ok(o_cmp);
            }
        }
        if opts.dry_run {
            meta_mut(&mut new).insert(
                "resourceVersion".into(),
                old.and_then(|o| o.pointer("/metadata/resourceVersion").cloned())
                    .unwrap_or(json!("")),
            );
            return Ok(new);
        }

        self.rv += 1;
        meta_mut(&mut new).insert("resourceVersion".into(), json!(self.rv.to_string()));
        let key = Key::new(info, namespace.as_deref(), &name);
        self.objects.insert(key.clone(), new.clone());
        self.emit(
            if old.is_some() {
                EventType::Modified
            } else {
                EventType::Added
            },
            &info.group,
            &info.kind,
            new.clone(),
        );
        if crate::crd::is_crd(info) {
            self.registry.register_crd(&new);
        }

        // A deleting object whose last finalizer went is gone now.
        if new.pointer("/metadata/deletionTimestamp").is_some() && crate::util::finalizers(&new).is_empty() {
            self.remove(&key);
            self.sweep();
        }
        // The garbage collector also takes an object created after all its owners
        // were deleted (a controller acting on a stale cache), as a real one does.
        if old.is_none() && self.owners_all_gone(&new) {
            self.delete(
                info,
                namespace.as_deref(),
                &name,
                crate::gc::Propagation::Background,
                false,
            )?;
        }
        Ok(new)
    }

    /// The openAPIV3Schema a custom resource of `info` is checked against in `version`.
    pub fn custom_schema(&self, info: &ResourceInfo, version: &str) -> Option<Value> {
        let crd_key = Key {
            group: "apiextensions.k8s.io".into(),
            kind: "CustomResourceDefinition".into(),
            namespace: String::new(),
            name: info.crd.clone()?,
        };
        crate::schema::crd_version_schema(self.objects.get(&crd_key)?, version)
    }

    /// Prunes unknown fields of a custom resource (an applied configuration, before its
    /// fields are counted as owned), keeping the envelope the schema does not describe.
    pub fn prune_custom(&self, info: &ResourceInfo, version: &str, obj: &mut Value) {
        if let Some(schema) = self.custom_schema(info, version) {
            let envelope = envelope(obj);
            let _ = crate::schema::prune_and_validate(&schema, obj);
            restore(obj, envelope);
        }
    }

    fn validate_custom_resource(
        &self,
        info: &ResourceInfo,
        version: &str,
        name: &str,
        obj: &mut Value,
    ) -> Result<(), ApiError> {
        let Some(schema) = self.custom_schema(info, version) else {
            return Ok(());
        };
        // The schema never covers the server-owned envelope; validate the rest and
        // put it back.
        let envelope = envelope(obj);
        let violations = crate::schema::prune_and_validate(&schema, obj);
        restore(obj, envelope);
        let mut causes: Vec<Cause> = violations
            .into_iter()
            .map(|v| {
                let reason = match v.reason {
                    crate::schema::ViolationReason::Required => "FieldValueRequired",
                    crate::schema::ViolationReason::NotSupported => "FieldValueNotSupported",
                    crate::schema::ViolationReason::TypeInvalid => "FieldValueTypeInvalid",
                    _ => "FieldValueInvalid",
                };
                Cause {
                    reason: reason.into(),
                    field: v.path,
                    message: v.message,
                }
            })
            .collect();
        causes.extend(scale_accessor_error(info, obj));
        if causes.is_empty() {
            return Ok(());
        }
        Err(ApiError::invalid(&info.kind, &info.group, name, causes))
    }

    /// Drops an object for good and tells watchers; a CRD takes its resource and objects along.
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let mut obj = self.objects.remove(key)?;
        self.rv += 1;
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(self.rv.to_string()));
        self.emit(EventType::Deleted, &key.group, &key.kind, obj.clone());
        if key.group == "apiextensions.k8s.io"
            && key.kind == "CustomResourceDefinition"
            && let Some(gone) = self.registry.unregister_crd(&key.name)
        {
            let keys: Vec<Key> = self
                .objects
                .keys()
                .filter(|k| k.group == gone.group && k.kind == gone.kind)
                .cloned()
                .collect();
            for k in keys {
                self.remove(&k);
            }
        }
        Some(obj)
    }

    /// The stored object with this uid.
    pub fn find_uid(&self, uid: &str) -> Option<(&Key, &Value)> {
        self.objects.iter().find(|(_, o)| meta_str(o, "uid") == Some(uid))
    }
}

/// Object names as a real API server checks them at creation: an RFC 1123 label for
/// namespaces and Services, an RFC 1123 subdomain for everything else.
fn valid_name(info: &ResourceInfo, name: &str) -> Result<(), ApiError> {
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    let (ok, message) = if info.group.is_empty() && matches!(info.kind.as_str(), "Namespace" | "Service") {
        (
            label(name),
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and \
             end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        )
    } else {
        (
            name.len() <= 253 && name.split('.').all(label),
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must \
             start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        )
    };
    if ok {
        return Ok(());
    }
    Err(ApiError::invalid(
        &info.kind,
        &info.group,
        name,
        vec![crate::errors::Cause {
            reason: "FieldValueInvalid".into(),
            field: "metadata.name".into(),
            message: format!("Invalid value: \"{name}\": {message}"),
        }],
    ))
}

/// The scale subresource reads `specReplicasPath` as an int64 on every write, and a real API
/// server reports a value it cannot read there as a second cause, after the schema's.
fn scale_accessor_error(info: &ResourceInfo, obj: &Value) -> Option<Cause> {
    let path = &info.scale.as_ref()?.spec_replicas_path;
    let pointer = path.replace('.', "/");
    let value = obj.pointer(&pointer)?;
    if value.is_i64() || value.is_u64() {
        return None;
    }
    let (shown, type_) = match value {
        Value::String(s) => (s.clone(), "string"),
        Value::Bool(b) => (b.to_string(), "bool"),
        Value::Number(n) => (n.to_string(), "float64"),
        Value::Array(_) => ("[]".into(), "[]interface {}"),
        Value::Object(_) => ("map[]".into(), "map[string]interface {}"),
        Value::Null => return None,
    };
    Some(Cause {
        reason: "FieldValueInvalid".into(),
        field: path.clone(),
        message: format!("Invalid value: 0: {path} accessor error: {shown} is of the type {type_}, expected int64"),
    })
}
