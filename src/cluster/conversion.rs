//! The API side of `kafkactl operator convert-api`: what Strimzi's v1 API
//! conversion tool does in a cluster (`convert-resource`, then `crd-upgrade`).
//! Every Strimzi resource is rewritten in its v1 form through the v1
//! endpoint, each Strimzi CRD's storage version becomes v1, every resource is
//! written once more so it is stored as v1, and `status.storedVersions` is
//! trimmed to `[v1]` — after which a release without v1beta2 can be installed.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::client::Connection;
use super::errors::{ApiError, Operation};
use crate::spec::names::FIELD_MANAGER;

/// One Strimzi CRD, as the conversion needs it.
#[derive(Debug, Clone)]
pub struct StrimziCrd {
    pub name: String,
    pub group: String,
    pub kind: String,
    pub plural: String,
    pub served: Vec<String>,
    pub storage: Option<String>,
    pub stored_versions: Vec<String>,
    crd: CustomResourceDefinition,
}

impl StrimziCrd {
    pub fn resource(&self, version: &str) -> ApiResource {
        super::upgrade_state::strimzi_resource(&self.group, version, &self.kind, &self.plural)
    }

    /// Stored as v1 only: nothing left to convert.
    pub fn converted(&self) -> bool {
        self.storage.as_deref() == Some("v1") && self.stored_versions == ["v1"]
    }
}

/// Every CRD of a `*.strimzi.io` group (the reader `operator status` uses).
pub async fn strimzi_crds(conn: &Connection) -> Result<Vec<StrimziCrd>, ApiError> {
    Ok(super::operator::strimzi_crd_objects(conn)
        .await?
        .into_iter()
        .map(|crd| {
            let info = super::operator::crd_info(&crd);
            StrimziCrd {
                name: info.name,
                group: crd.spec.group.clone(),
                kind: crd.spec.names.kind.clone(),
                plural: crd.spec.names.plural.clone(),
                served: info.served,
                storage: info.storage,
                stored_versions: info.stored_versions,
                crd,
            }
        })
        .collect())
}

/// Every resource of `crd` in every namespace, read at `version`.
pub async fn list_resources(conn: &Connection, crd: &StrimziCrd, version: &str) -> Result<Vec<Value>, ApiError> {
    let resource = crd.resource(version);
    let api: Api<DynamicObject> = Api::all_with(conn.client.clone(), &resource);
    let list = api.list(&ListParams::default()).await.map_err(|e| {
        ApiError::new(
            e,
            Operation::new("list", format!("{}/{version}", crd.name)),
            &conn.server,
        )
    })?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .map(|mut o| {
            o["apiVersion"] = Value::String(resource.api_version.clone());
            o["kind"] = Value::String(crd.kind.clone());
            o
        })
        .collect())
}

/// Write `object` (its v1 form, with the resourceVersion it was read at)
/// through the v1 endpoint, and with `with_status` its status through `/status`.
pub async fn replace_v1(
    conn: &Connection,
    crd: &StrimziCrd,
    object: &Value,
    with_status: bool,
) -> Result<(), ApiError> {
    let resource = crd.resource("v1");
    let namespace = object["metadata"]["namespace"].as_str();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(conn.client.clone(), ns, &resource),
        None => Api::all_with(conn.client.clone(), &resource),
    };
    let fail = |verb: &'static str| {
        let target = format!("{} {}/{name}", crd.kind, namespace.unwrap_or_default());
        move |e| ApiError::new(e, Operation::new(verb, target), &conn.server)
    };
    let typed: DynamicObject =
        serde_json::from_value(object.clone()).map_err(|e| fail("convert")(kube::Error::SerdeError(e)))?;
    let params = PostParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PostParams::default()
    };
    let written = api.replace(name, &params, &typed).await.map_err(fail("replace"))?;
    if let Some(status) = object.get("status").filter(|s| with_status && s.is_object()) {
        let mut with_status = written;
        with_status.data["status"] = status.clone();
        match api.replace_status(name, &params, &with_status).await {
            Ok(_) => {}
            // A kind without a status subresource keeps its status in the object.
            Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => {}
            Err(e) => return Err(fail("replace the status of")(e)),
        }
    }
    Ok(())
}

/// Make v1 the CRD's storage version (the other versions stay served).
pub async fn store_as_v1(conn: &Connection, crd: &StrimziCrd) -> Result<(), ApiError> {
    let mut versions = serde_json::to_value(&crd.crd.spec.versions).unwrap_or_default();
    for version in versions.as_array_mut().into_iter().flatten() {
        let is_v1 = version["name"] == "v1";
        version["storage"] = Value::Bool(is_v1);
    }
    let mut spec = serde_json::to_value(&crd.crd.spec).unwrap_or_default();
    spec["versions"] = versions;
    let patch = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": crd.name},
        "spec": spec,
    });
    let api: Api<CustomResourceDefinition> = Api::all(conn.client.clone());
    // The same field manager that installed the CRDs, so the next bundle applies cleanly.
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch(&crd.name, &params, &Patch::Apply(&patch))
        .await
        .map(|_| ())
        .map_err(|e| ApiError::new(e, Operation::new("update", format!("CRD {}", crd.name)), &conn.server))
}

/// Write the resource again, unchanged, so the API server stores it at the
/// (new) storage version.
pub async fn rewrite(conn: &Connection, crd: &StrimziCrd, object: &Value) -> Result<(), ApiError> {
    replace_v1(conn, crd, object, false).await
}

/// `status.storedVersions` down to `[v1]`, through the CRD's status.
pub async fn trim_stored_versions(conn: &Connection, crd: &StrimziCrd) -> Result<(), ApiError> {
    let api: Api<CustomResourceDefinition> = Api::all(conn.client.clone());
    let fail = |e| {
        ApiError::new(
            e,
            Operation::new("update the status of", format!("CRD {}", crd.name)),
            &conn.server,
        )
    };
    let mut current = api.get(&crd.name).await.map_err(fail)?;
    if let Some(status) = current.status.as_mut() {
        status.stored_versions = Some(vec!["v1".to_string()]);
    }
    let params = PostParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..PostParams::default()
    };
    api.replace_status(&crd.name, &params, &current)
        .await
        .map(|_| ())
        .map_err(fail)
}

/// One resource of `crd` at `version`, if it exists.
pub async fn get_resource(
    conn: &Connection,
    crd: &StrimziCrd,
    version: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, ApiError> {
    let resource = crd.resource(version);
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(conn.client.clone(), ns, &resource),
        None => Api::all_with(conn.client.clone(), &resource),
    };
    let found = api.get_opt(name).await.map_err(|e| {
        ApiError::new(
            e,
            Operation::new("get", format!("{} {}/{name}", crd.kind, namespace.unwrap_or_default())),
            &conn.server,
        )
    })?;
    Ok(found.and_then(|o| serde_json::to_value(o).ok()).map(|mut o| {
        o["apiVersion"] = Value::String(resource.api_version.clone());
        o["kind"] = Value::String(crd.kind.clone());
        o
    }))
}

/// A write refused because the object changed since it was read (409): read again.
pub fn is_stale(error: &ApiError) -> bool {
    matches!(error, ApiError::Other { code: 409, .. })
}
