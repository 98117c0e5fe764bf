//! What an operator upgrade, the upgrade plan and the API conversion read
//! before they decide anything: the Strimzi resources of every namespace,
//! the CRDs' stored versions, and the Kubernetes version. Reads only.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use super::client::Connection;
use super::errors::{ApiError, Operation, is_not_found};
use super::operator::{CrdInfo, strimzi_crds};

/// The Strimzi resources a change of operator release touches.
#[derive(Debug, Clone, Default)]
pub struct UpgradeState {
    pub kafkas: Vec<Value>,
    pub users: Vec<Value>,
    /// MirrorMaker 1 (gone from Strimzi 0.46 on).
    pub mirror_makers: Vec<Value>,
    pub crds: Vec<CrdInfo>,
    /// `None` when `/version` is unreadable.
    pub kubernetes_minor: Option<u32>,
}

/// Read everything, at the API version the server serves (`v1` or `v1beta2`).
pub async fn read(conn: &Connection, served_version: &str) -> Result<UpgradeState, ApiError> {
    let (kafkas, users, mirror_makers, crds) = futures::try_join!(
        list_all(conn, served_version, "Kafka", "kafkas"),
        list_all(conn, served_version, "KafkaUser", "kafkausers"),
        // MirrorMaker 1 exists only at v1beta2, and only until 0.46.
        list_all(conn, "v1beta2", "KafkaMirrorMaker", "kafkamirrormakers"),
        async { strimzi_crds(conn).await },
    )?;
    let kubernetes_minor = conn
        .client
        .apiserver_version()
        .await
        .ok()
        .and_then(|info| super::facts::server_version(&info).ok())
        .map(|v| v.minor);
    Ok(UpgradeState {
        kafkas,
        users,
        mirror_makers,
        crds,
        kubernetes_minor,
    })
}

/// Every object of a `kafka.strimzi.io` kind in every namespace; none when
/// the kind is not served (its CRD is missing, or not at this version).
pub async fn list_all(conn: &Connection, version: &str, kind: &str, plural: &str) -> Result<Vec<Value>, ApiError> {
    let resource = strimzi_resource("kafka.strimzi.io", version, kind, plural);
    let api: Api<DynamicObject> = Api::all_with(conn.client.clone(), &resource);
    match api.list(&ListParams::default()).await {
        Ok(list) => Ok(list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .map(|mut o| {
                // A list's items carry no apiVersion/kind of their own in every server.
                o["apiVersion"] = Value::String(resource.api_version.clone());
                o["kind"] = Value::String(kind.to_string());
                o
            })
            .collect()),
        Err(kube::Error::Api(status)) if is_not_found(&status) => Ok(Vec::new()),
        Err(error) => Err(ApiError::new(
            error,
            Operation::new("list", format!("{plural}.kafka.strimzi.io/{version}")),
            &conn.server,
        )),
    }
}

/// The resource of a Strimzi kind at one version.
pub fn strimzi_resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: format!("{group}/{version}"),
        kind: kind.to_string(),
        plural: plural.to_string(),
    }
}
