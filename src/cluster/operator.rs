//! API calls of `operator install | status | uninstall`: what exists before
//! applying, the patch that extends an operator's watched namespaces, the
//! wait (on the watch engine) for CRDs Established and the operator rolled out, and
//! finding and deleting the operator's objects.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;
use serde::Serialize;
use serde_json::{Value, json};

use super::apply::ObjectRef;
use super::client::Connection;
use super::discovery::{OperatorInfo, rollout_complete};
use super::errors::{ApiError, Operation};
use super::readiness::{ComponentProgress, Diagnostic, Progress};
use super::resources::dynamic_api;
use super::watch::{Check, Stalled, WaitError, Watches, by_name};
use crate::render::Plan;
use crate::spec::names::FIELD_MANAGER;

/// The label Strimzi puts on every object of its bundle.
pub const BUNDLE_SELECTOR: &str = "app=strimzi";

/// The change fingerprint of every object of `plan` that exists now (read by name,
/// concurrently), so that applying can say created/configured/unchanged.
pub async fn before_state(conn: &Connection, plan: &Plan) -> Result<BTreeMap<ObjectRef, String>, ApiError> {
    let reads = plan.objects.iter().map(|object| async move {
        let reference = ObjectRef::of(object);
        let Some(api) = dynamic_api(&conn.client, object.api_version(), object.kind(), object.namespace()) else {
            return Ok(None);
        };
        match crate::cluster::errors::get_opt(&api, object.name()).await {
            Ok(found) => Ok(found.map(|o| (reference, super::apply::fingerprint_of(&o.metadata)))),
            Err(e) => Err(ApiError::new(
                e,
                Operation::new("get", reference.to_string()),
                &conn.server,
            )),
        }
    });
    let mut out = BTreeMap::new();
    for read in futures::future::join_all(reads).await {
        out.extend(read?);
    }
    Ok(out)
}

/// Set `STRIMZI_NAMESPACE` of a running operator (a strategic merge patch of
/// that one variable: it works whoever installed the operator, and drops the
/// bundle's `valueFrom`). Returns whether anything changed.
pub async fn set_watched_namespaces(conn: &Connection, operator: &OperatorInfo, value: &str) -> Result<bool, ApiError> {
    let api: Api<Deployment> = Api::namespaced(conn.client.clone(), &operator.namespace);
    let target = format!("Deployment {}/{}", operator.namespace, operator.name);
    let current = api
        .get(&operator.name)
        .await
        .map_err(|e| ApiError::new(e, Operation::new("get", target.clone()), &conn.server))?;
    let container = current
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.containers.first())
        .ok_or_else(|| ApiError::unexpected(format!("{target} has no containers")))?;
    let unchanged = container
        .env
        .iter()
        .flatten()
        .any(|e| e.name == "STRIMZI_NAMESPACE" && e.value.as_deref() == Some(value) && e.value_from.is_none());
    if unchanged {
        return Ok(false);
    }
    let patch = json!({"spec": {"template": {"spec": {"containers": [{
        "name": container.name,
        "env": [{"name": "STRIMZI_NAMESPACE", "value": value, "valueFrom": null}],
    }]}}}});
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PatchParams::default()
    };
    api.patch(&operator.name, &params, &Patch::Strategic(&patch))
        .await
        .map_err(|e| ApiError::new(e, Operation::new("patch", target), &conn.server))?;
    Ok(true)
}

/// What the operator waiter watches.
pub struct OperatorTarget<'a> {
    pub namespace: &'a str,
    pub deployment: &'a str,
    pub crds: &'a [String],
}

/// Wait until every CRD of `target` is Established and the operator
/// Deployment has rolled out (as `kubectl rollout status` judges it).
/// Watch-driven: re-evaluates on every change, never polls.
pub async fn wait_for_operator(
    conn: &Connection,
    target: &OperatorTarget<'_>,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Progress, WaitError> {
    let client = &conn.client;
    let mut watches = Watches::new(conn);
    let crds: Store<CustomResourceDefinition> =
        watches.store(Api::all(client.clone()), (), None, watcher::Config::default());
    let deployment = watches.object::<Deployment>(
        Api::namespaced(client.clone(), target.namespace),
        &(),
        Some(target.namespace),
        target.deployment,
    );
    let pods: Store<Pod> = watches.store(
        Api::namespaced(client.clone(), target.namespace),
        (),
        Some(target.namespace),
        watcher::Config::default().labels(&format!("name={}", target.deployment)),
    );
    let mut last = operator_progress(target, &BTreeMap::new(), None, &BTreeMap::new());
    on_progress(&last);
    let initial = Stalled::Operator(last.clone());
    watches
        .until(timeout, initial, || {
            let progress = operator_progress(
                target,
                &by_name(&crds, |_| true),
                deployment.get().as_ref(),
                &by_name(&pods, |_| true),
            );
            if progress != last {
                on_progress(&progress);
                last = progress.clone();
            }
            match progress.ready {
                true => Check::Done(progress),
                false => Check::Waiting(Stalled::Operator(progress)),
            }
        })
        .await
}

/// CRDs established and the operator rolled out, from what is observed.
fn operator_progress(
    target: &OperatorTarget<'_>,
    crds: &BTreeMap<String, CustomResourceDefinition>,
    deployment: Option<&Deployment>,
    pods: &BTreeMap<String, Pod>,
) -> Progress {
    let established = target
        .crds
        .iter()
        .filter(|name| crds.get(*name).is_some_and(crd_established))
        .count() as u32;
    let total = target.crds.len() as u32;
    let crds = ComponentProgress {
        name: "CRDs".into(),
        ready: established,
        total,
        done: established == total,
        phase: format!("{established}/{total} established"),
    };
    let operator = deployment_progress(deployment);
    let diagnostics = pods.iter().flat_map(|(name, pod)| pod_problems(name, pod)).collect();
    Progress {
        ready: crds.done && operator.done,
        components: vec![crds, operator],
        diagnostics,
    }
}

fn deployment_progress(deployment: Option<&Deployment>) -> ComponentProgress {
    let Some(d) = deployment else {
        return ComponentProgress {
            name: "operator".into(),
            ready: 0,
            total: 1,
            done: false,
            phase: "waiting for the Deployment".into(),
        };
    };
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0) as u32;
    let available = d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0).max(0) as u32;
    let done = rollout_complete(d);
    ComponentProgress {
        name: "operator".into(),
        ready: available.min(want),
        total: want,
        done,
        phase: if done {
            "rolled out".into()
        } else {
            format!("rolling out ({available}/{want} available)")
        },
    }
}

/// Established=True, as `kubectl wait --for condition=established` reads it.
pub fn crd_established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Established" && c.status == "True")
}

/// Why an operator pod cannot start (image pull, crash loop).
fn pod_problems(name: &str, pod: &Pod) -> Vec<Diagnostic> {
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten();
    statuses
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref())
        .filter(|w| {
            matches!(
                w.reason.as_deref(),
                Some("ImagePullBackOff" | "ErrImagePull" | "CrashLoopBackOff" | "CreateContainerConfigError")
            )
        })
        .map(|w| Diagnostic {
            object: format!("pod/{name}"),
            reason: w.reason.clone().unwrap_or_default(),
            message: w.message.clone().unwrap_or_default(),
        })
        .collect()
}

/// One Strimzi CRD as `operator status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrdInfo {
    pub name: String,
    pub served: Vec<String>,
    pub storage: Option<String>,
    /// `status.storedVersions`: versions objects may still be stored as in etcd.
    pub stored_versions: Vec<String>,
    pub established: bool,
    /// The field managers that wrote its spec (not its status): `kafkactl`
    /// when kafkactl installed it, else kubectl, Helm, OLM, ….
    #[serde(skip)]
    pub spec_managers: Vec<String>,
}

/// Every CRD of a `*.strimzi.io` group, as the API server holds it.
pub async fn strimzi_crd_objects(conn: &Connection) -> Result<Vec<CustomResourceDefinition>, ApiError> {
    let api: Api<CustomResourceDefinition> = Api::all(conn.client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| ApiError::new(e, Operation::new("list", "CustomResourceDefinitions"), &conn.server))?;
    Ok(list
        .items
        .into_iter()
        .filter(|crd| crd.spec.group.ends_with("strimzi.io"))
        .collect())
}

/// Every CRD of a `*.strimzi.io` group, summarised.
pub async fn strimzi_crds(conn: &Connection) -> Result<Vec<CrdInfo>, ApiError> {
    Ok(strimzi_crd_objects(conn).await?.iter().map(crd_info).collect())
}

/// What kafkactl reads of one CRD: versions served, stored and storage, readiness, writers.
pub fn crd_info(crd: &CustomResourceDefinition) -> CrdInfo {
    CrdInfo {
        name: crd.metadata.name.clone().unwrap_or_default(),
        served: crd
            .spec
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| v.name.clone())
            .collect(),
        storage: crd.spec.versions.iter().find(|v| v.storage).map(|v| v.name.clone()),
        stored_versions: crd
            .status
            .as_ref()
            .and_then(|s| s.stored_versions.clone())
            .unwrap_or_default(),
        established: crd_established(crd),
        spec_managers: crd
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .filter(|m| m.subresource.as_deref() != Some("status"))
            .filter_map(|m| m.manager.clone())
            .filter(|m| m != "kube-apiserver")
            .collect(),
    }
}

/// `namespace/name` of every Kafka cluster, in every namespace, at any served version.
pub async fn all_kafkas(conn: &Connection, served_version: &str) -> Result<Vec<String>, ApiError> {
    let kafkas = super::inventory::list_kafkas(conn, served_version, None).await?;
    Ok(kafkas
        .iter()
        .map(|k| {
            format!(
                "{}/{}",
                k["metadata"]["namespace"].as_str().unwrap_or_default(),
                k["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect())
}

/// The Kafka CRs `operator` manages: those in the namespaces it watches.
pub async fn watched_kafkas(
    conn: &Connection,
    served_version: &str,
    operator: &super::discovery::OperatorInfo,
) -> Result<Vec<Value>, ApiError> {
    let kafkas = super::inventory::list_kafkas(conn, served_version, None).await?;
    Ok(kafkas
        .into_iter()
        .filter(|k| {
            operator
                .watches
                .includes(k["metadata"]["namespace"].as_str().unwrap_or_default())
        })
        .collect())
}

/// A cluster object to delete, with its API version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deletable {
    pub api_version: String,
    pub reference: ObjectRef,
}

/// The kinds an operator installation is made of (besides CRDs).
const OPERATOR_KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
];

/// The objects of the operator `operator` (labelled `app=strimzi`): its
/// Deployment, ServiceAccount and ConfigMap; every binding whose subject is its
/// ServiceAccount; Strimzi's ClusterRoles.
pub async fn operator_objects(conn: &Connection, operator: &OperatorInfo) -> Result<Vec<Deletable>, ApiError> {
    let lists = OPERATOR_KINDS.iter().map(|(api_version, kind)| async move {
        let Some(api) = dynamic_api(&conn.client, api_version, kind, None) else {
            return Ok(Vec::new());
        };
        let list = api
            .list(&ListParams::default().labels(BUNDLE_SELECTOR))
            .await
            .map_err(|e| ApiError::new(e, Operation::new("list", format!("{kind} objects")), &conn.server))?;
        Ok::<_, ApiError>(
            list.items
                .into_iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .filter(|o| belongs_to(o, kind, operator))
                .map(|o| Deletable {
                    api_version: api_version.to_string(),
                    reference: ObjectRef {
                        kind: kind.to_string(),
                        namespace: o["metadata"]["namespace"].as_str().map(str::to_string),
                        name: o["metadata"]["name"].as_str().unwrap_or_default().to_string(),
                    },
                })
                .collect::<Vec<_>>(),
        )
    });
    let mut out = Vec::new();
    for list in futures::future::join_all(lists).await {
        out.extend(list?);
    }
    Ok(out)
}

/// Namespaced objects in the operator's namespace; bindings by their subject.
fn belongs_to(object: &Value, kind: &str, operator: &OperatorInfo) -> bool {
    let in_namespace = object["metadata"]["namespace"].as_str() == Some(operator.namespace.as_str());
    match kind {
        "RoleBinding" | "ClusterRoleBinding" => object["subjects"].as_array().into_iter().flatten().any(|s| {
            s["kind"] == "ServiceAccount"
                && s["namespace"].as_str() == Some(operator.namespace.as_str())
                && s["name"] == super::discovery::OPERATOR_NAME
        }),
        "ClusterRole" => true,
        "Deployment" => in_namespace && object["metadata"]["name"].as_str() == Some(operator.name.as_str()),
        _ => in_namespace,
    }
}

/// Strimzi's CRDs (`*.strimzi.io` groups), to delete with `--delete-crds`.
pub async fn crd_objects(conn: &Connection) -> Result<Vec<Deletable>, ApiError> {
    Ok(strimzi_crds(conn)
        .await?
        .into_iter()
        .map(|crd| Deletable {
            api_version: "apiextensions.k8s.io/v1".into(),
            reference: ObjectRef {
                kind: "CustomResourceDefinition".into(),
                namespace: None,
                name: crd.name,
            },
        })
        .collect())
}

/// Delete objects (background propagation); already-gone ones are skipped.
pub async fn delete_objects(conn: &Connection, objects: &[Deletable]) -> Result<Vec<ObjectRef>, ApiError> {
    let deletes = objects.iter().map(|o| async move {
        let r = &o.reference;
        let Some(api) = dynamic_api(&conn.client, &o.api_version, &r.kind, r.namespace.as_deref()) else {
            return Ok(None);
        };
        match api.delete(&r.name, &DeleteParams::background()).await {
            Ok(_) => Ok(Some(r.clone())),
            Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => Ok(None),
            Err(e) => Err(ApiError::new(e, Operation::new("delete", r.to_string()), &conn.server)),
        }
    });
    let mut deleted = Vec::new();
    for result in futures::future::join_all(deletes).await {
        deleted.extend(result?);
    }
    deleted.sort();
    Ok(deleted)
}

/// ClusterRoles that running operands still use through their own bindings
/// (brokers: rack awareness; entity operator; clients): kept while Kafka clusters exist.
pub const OPERAND_CLUSTER_ROLES: &[&str] = &[
    "strimzi-kafka-broker",
    "strimzi-entity-operator",
    "strimzi-kafka-client",
];

/// Names of the kinds `operator_objects` may return, for messages.
pub fn kinds_summary(objects: &[ObjectRef]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objects {
        *counts.entry(o.kind.as_str()).or_default() += 1;
    }
    let kinds: BTreeSet<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    kinds.into_iter().collect::<Vec<_>>().join(", ")
}
