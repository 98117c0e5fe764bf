//! Server-side apply of a rendered plan in waves: the namespace, then config
//! and RBAC, then Strimzi resources and workloads; each wave concurrently,
//! one request per object, field manager `kafkactl`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::api::{DynamicObject, Patch, PatchParams};
use serde::Serialize;
use serde_json::Value;

use super::client::Connection;
use super::errors::{ApiError, Operation, is_transient};
use super::owned_kinds::{OwnedKind, pruned_by_apply};
use super::resources::dynamic_api;
use crate::render::{Plan, RenderedObject, Wave};
use crate::spec::names::FIELD_MANAGER;

/// Why an apply (or a prune) stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A rendered object of a kind this build cannot address (a bug, not the cluster's fault).
    #[error("kafkactl does not know how to apply {object} of apiVersion {api_version}")]
    UnknownKind { object: ObjectRef, api_version: String },
    #[error("cannot read the answer for {object}: {source}")]
    UnreadableAnswer {
        object: ObjectRef,
        #[source]
        source: serde_json::Error,
    },
}

/// How to apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Take over fields owned by another field manager.
    pub force_conflicts: bool,
    /// `dryRun=All`: the server validates and answers, stores nothing.
    pub dry_run: bool,
}

/// What applying did to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Configured,
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
        }
    }
}

/// Identity of an object: kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn of(object: &RenderedObject) -> Self {
        ObjectRef {
            kind: object.kind().to_string(),
            namespace: object.namespace().map(str::to_string),
            name: object.name().to_string(),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One applied object and what the server stored.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedObject {
    #[serde(flatten)]
    pub object: ObjectRef,
    pub action: Action,
    #[serde(skip)]
    pub stored: Value,
}

/// Objects applied so far, shared so that an interrupted or failed run can
/// still say what it changed.
#[derive(Debug, Clone, Default)]
pub struct ApplyLog(Arc<Mutex<Vec<AppliedObject>>>);

impl ApplyLog {
    fn record(&self, applied: AppliedObject) {
        if let Ok(mut log) = self.0.lock() {
            log.push(applied);
        }
    }

    pub fn applied(&self) -> Vec<AppliedObject> {
        self.0.lock().map(|log| log.clone()).unwrap_or_default()
    }
}

/// What the cluster held before applying: a `change_fingerprint` per object.
/// `None` means "not read": actions are then judged from the answers alone.
pub type BeforeState = Option<BTreeMap<ObjectRef, String>>;

/// What must differ for an apply to count as "configured". Objects with a
/// `generation` (custom resources, workloads): the generation, labels and
/// annotations — a status written meanwhile by Strimzi or a controller
/// changes the resourceVersion but is not kafkactl's change. Others
/// (ConfigMaps, Services, RBAC): the resourceVersion.
pub fn change_fingerprint(metadata: &Value) -> String {
    // Sorted, whatever order the maps came in.
    let sorted = |map: &Value| -> BTreeMap<String, Value> {
        map.as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    match metadata["generation"].as_i64() {
        Some(generation) => format!(
            "g{generation} {:?} {:?}",
            sorted(&metadata["labels"]),
            sorted(&metadata["annotations"])
        ),
        None => format!("rv{}", metadata["resourceVersion"].as_str().unwrap_or_default()),
    }
}

/// `change_fingerprint` of typed metadata (what a list or get returns).
pub fn fingerprint_of(metadata: &kube::api::ObjectMeta) -> String {
    // Only what the fingerprint reads (not the managed fields).
    change_fingerprint(&serde_json::json!({
        "generation": metadata.generation,
        "labels": metadata.labels,
        "annotations": metadata.annotations,
        "resourceVersion": metadata.resource_version,
    }))
}

/// Apply `plan` wave by wave. Every object of a wave is sent at once; a
/// failure stops before the next wave (the objects of the failing wave that
/// succeeded stay applied, and a re-run converges).
pub async fn apply_plan(
    conn: &Connection,
    plan: &Plan,
    options: ApplyOptions,
    before: &BeforeState,
    log: &ApplyLog,
) -> Result<(), ApplyError> {
    let params = patch_params(options);
    for wave in [Wave::Namespace, Wave::Config, Wave::Workloads] {
        let objects: Vec<&RenderedObject> = plan.wave(wave).collect();
        if objects.is_empty() {
            continue;
        }
        let results =
            futures::future::join_all(objects.iter().map(|object| apply_object(conn, object, &params, before))).await;
        let mut first_error = None;
        for result in results {
            match result {
                Ok(applied) => log.record(applied),
                Err(failure) => {
                    first_error.get_or_insert(failure);
                }
            }
        }
        if let Some(failure) = first_error {
            return Err(failure);
        }
    }
    Ok(())
}

fn patch_params(options: ApplyOptions) -> PatchParams {
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if options.force_conflicts {
        params = params.force();
    }
    if options.dry_run {
        params = params.dry_run();
    }
    params
}

async fn apply_object(
    conn: &Connection,
    object: &RenderedObject,
    params: &PatchParams,
    before: &BeforeState,
) -> Result<AppliedObject, ApplyError> {
    let reference = ObjectRef::of(object);
    let operation = Operation::new("apply", reference.to_string());
    let Some(api) = dynamic_api(&conn.client, object.api_version(), object.kind(), object.namespace()) else {
        return Err(ApplyError::UnknownKind {
            object: reference,
            api_version: object.api_version().to_string(),
        });
    };
    let patch = Patch::Apply(&object.object);
    let mut attempt = 0;
    let stored: DynamicObject = loop {
        match api.patch(object.name(), params, &patch).await {
            Ok(stored) => break stored,
            // kube retries 429/503/504 itself; 500s and dropped connections
            // are retried here because an apply is idempotent.
            Err(e) if attempt < 3 && is_transient(&e) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            Err(e) if object.kind() == "Namespace" && is_forbidden(&e) => {
                return namespace_exists_anyway(conn, reference, e).await;
            }
            Err(e) => return Err(ApiError::new(e, operation, &conn.server).into()),
        }
    };
    let stored = match serde_json::to_value(&stored) {
        Ok(stored) => stored,
        Err(source) => {
            return Err(ApplyError::UnreadableAnswer {
                object: reference,
                source,
            });
        }
    };
    let action = judge_action(&reference, &stored, before);
    Ok(AppliedObject {
        object: reference,
        action,
        stored,
    })
}

fn is_forbidden(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.is_forbidden())
}

/// Users without the right to create namespaces can still use one that exists.
async fn namespace_exists_anyway(
    conn: &Connection,
    reference: ObjectRef,
    error: kube::Error,
) -> Result<AppliedObject, ApplyError> {
    let api: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(conn.client.clone());
    match crate::cluster::errors::get_opt(&api, &reference.name).await {
        Ok(Some(ns)) => Ok(AppliedObject {
            object: reference,
            action: Action::Unchanged,
            stored: serde_json::to_value(ns).unwrap_or(Value::Null),
        }),
        _ => Err(ApiError::new(error, Operation::new("apply", reference.to_string()), &conn.server).into()),
    }
}

/// Created, configured or unchanged: from the resourceVersion read before
/// applying when there is one; without it (a first create), "created".
pub fn judge_action(reference: &ObjectRef, stored: &Value, before: &BeforeState) -> Action {
    let now = change_fingerprint(&stored["metadata"]);
    match before {
        Some(map) => match map.get(reference) {
            None => Action::Created,
            Some(old) if *old == now => Action::Unchanged,
            Some(_) => Action::Configured,
        },
        None => Action::Created,
    }
}

/// Delete kafkactl's objects of `cluster` (by its labels) that `plan` no
/// longer contains, like `kubectl apply --prune` limited to our own kinds.
pub async fn prune(conn: &Connection, plan: &Plan, cluster: &str, namespace: &str) -> Result<Vec<ObjectRef>, ApiError> {
    let selector = crate::spec::names::cluster_selector(cluster);
    let wanted: std::collections::BTreeSet<ObjectRef> = plan.objects.iter().map(ObjectRef::of).collect();
    // Never Namespaces, Secrets, PVCs (data) or the Kafka CR itself.
    let kinds: Vec<&OwnedKind> = pruned_by_apply().collect();
    let lists = kinds.iter().map(|&&OwnedKind { api_version, kind, .. }| {
        let selector = selector.clone();
        async move {
            let Some(api) = dynamic_api(&conn.client, api_version, kind, Some(namespace)) else {
                return Ok(Vec::new());
            };
            let list = match api.list(&kube::api::ListParams::default().labels(&selector)).await {
                Ok(list) => list,
                // The kind is not served here (an optional CRD), so nothing of it can be ours.
                Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => return Ok(Vec::new()),
                Err(e) => {
                    return Err(ApiError::new(
                        e,
                        Operation::new("list", format!("{kind} objects")),
                        &conn.server,
                    ));
                }
            };
            Ok::<_, ApiError>(
                list.items
                    .into_iter()
                    .filter_map(|o| Some((api.clone(), o.metadata.name?)))
                    .collect::<Vec<_>>(),
            )
        }
    });
    let mut pruned = Vec::new();
    for (list, OwnedKind { kind, .. }) in futures::future::join_all(lists).await.into_iter().zip(kinds) {
        for (api, name) in list? {
            let reference = ObjectRef {
                kind: kind.to_string(),
                namespace: Some(namespace.to_string()),
                name: name.clone(),
            };
            if wanted.contains(&reference) {
                continue;
            }
            match api.delete(&name, &kube::api::DeleteParams::background()).await {
                Ok(_) => pruned.push(reference),
                Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => {}
                Err(e) => {
                    return Err(ApiError::new(
                        e,
                        Operation::new("delete", reference.to_string()),
                        &conn.server,
                    ));
                }
            }
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reference() -> ObjectRef {
        ObjectRef {
            kind: "Service".into(),
            namespace: Some("kafka".into()),
            name: "a".into(),
        }
    }

    #[test]
    fn a_status_written_meanwhile_is_not_a_change_but_spec_labels_and_annotations_are() {
        let meta = |rv: &str, generation: i64, note: &str| json!({"resourceVersion": rv, "generation": generation, "labels": {"a": "1"}, "annotations": {"n": note}});
        let before = Some(BTreeMap::from([(reference(), change_fingerprint(&meta("5", 2, "x")))]));
        // Strimzi wrote the status: a new resourceVersion, the same generation.
        let status_only = json!({"metadata": meta("9", 2, "x")});
        assert_eq!(judge_action(&reference(), &status_only, &before), Action::Unchanged);
        let spec_changed = json!({"metadata": meta("9", 3, "x")});
        assert_eq!(judge_action(&reference(), &spec_changed, &before), Action::Configured);
        let annotation_changed = json!({"metadata": meta("9", 2, "y")});
        assert_eq!(
            judge_action(&reference(), &annotation_changed, &before),
            Action::Configured
        );
    }

    #[test]
    fn typed_and_stored_metadata_give_the_same_fingerprint() {
        let stored = json!({"name": "a", "resourceVersion": "9", "generation": 2,
            "labels": {"b": "2", "a": "1"}, "annotations": {"n": "x"},
            "managedFields": [{"manager": "kafkactl"}]});
        let typed: kube::api::ObjectMeta = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(fingerprint_of(&typed), change_fingerprint(&stored));
        let plain = json!({"name": "a", "resourceVersion": "9"});
        let typed: kube::api::ObjectMeta = serde_json::from_value(plain.clone()).unwrap();
        assert_eq!(fingerprint_of(&typed), change_fingerprint(&plain));
    }

    #[test]
    fn action_is_judged_from_the_resource_version_before() {
        let stored = json!({"metadata": {"resourceVersion": "7"}});
        let before = Some(BTreeMap::from([(
            reference(),
            change_fingerprint(&json!({"resourceVersion": "7"})),
        )]));
        assert_eq!(judge_action(&reference(), &stored, &before), Action::Unchanged);
        let before = Some(BTreeMap::from([(
            reference(),
            change_fingerprint(&json!({"resourceVersion": "5"})),
        )]));
        assert_eq!(judge_action(&reference(), &stored, &before), Action::Configured);
        assert_eq!(
            judge_action(&reference(), &stored, &Some(BTreeMap::new())),
            Action::Created
        );
    }

    #[test]
    fn patch_params_carry_manager_force_and_dry_run() {
        let p = patch_params(ApplyOptions {
            force_conflicts: true,
            dry_run: true,
        });
        assert_eq!(p.field_manager.as_deref(), Some("kafkactl"));
        assert!(p.force);
        assert!(p.dry_run);
    }
}
