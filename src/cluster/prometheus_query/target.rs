//! Which Prometheus to ask: kafkactl's own (and its volume), or a
//! prometheus-operator's, found through discovery and its Services.

use serde::Serialize;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResourceList};
use kube::api::{Api, DeleteParams, ListParams};

use crate::cluster::client::Connection;
use crate::cluster::errors::{ApiError, Operation};
use crate::render::prometheus_config::PROMETHEUS_PORT;
use crate::render::prometheus_operator::{MONITORING_GROUP, OPERATOR_KINDS};
use crate::spec::ClusterSpec;
use crate::spec::names;

/// The Service a Prometheus answers behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrometheusTarget {
    pub namespace: String,
    pub service: String,
    pub port: u16,
}

impl PrometheusTarget {
    /// kafkactl's own Prometheus of `spec`.
    pub fn standalone(spec: &ClusterSpec) -> Self {
        PrometheusTarget {
            namespace: spec.namespace.clone(),
            service: names::prometheus(&spec.name),
            port: PROMETHEUS_PORT as u16,
        }
    }

    /// `NAMESPACE/NAME[:PORT]` (port 9090 when left out).
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid =
            || format!("\"{text}\" is not NAMESPACE/SERVICE[:PORT], e.g. monitoring/prometheus-operated:9090");
        let (namespace, rest) = text.split_once('/').ok_or_else(invalid)?;
        let (service, port) = match rest.split_once(':') {
            Some((service, port)) => (service, port.parse::<u16>().map_err(|_| invalid())?),
            None => (rest, PROMETHEUS_PORT as u16),
        };
        if namespace.is_empty() || service.is_empty() || port == 0 {
            return Err(invalid());
        }
        Ok(PrometheusTarget {
            namespace: namespace.to_string(),
            service: service.to_string(),
            port,
        })
    }

    /// The API server path that proxies `api_path` (e.g. `api/v1/query`) to this Service.
    pub fn proxy_path(&self, api_path: &str) -> String {
        format!(
            "/api/v1/namespaces/{}/services/{}:{}/proxy/{}",
            self.namespace, self.service, self.port, api_path
        )
    }
}

impl std::fmt::Display for PrometheusTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}:{}", self.namespace, self.service, self.port)
    }
}

/// Label prometheus-operator puts on the governing Service of each Prometheus it runs.
pub const OPERATED_PROMETHEUS_SELECTOR: &str = "operated-prometheus=true";

/// Whether the cluster serves every prometheus-operator kind operator mode
/// needs, at the version kafkactl renders (`monitoring.coreos.com/v1`).
pub async fn operator_kinds_served(conn: &Connection) -> Result<bool, ApiError> {
    let Some(group) = get_discovery::<APIGroup>(conn, &format!("/apis/{MONITORING_GROUP}")).await? else {
        return Ok(false);
    };
    if !group.versions.iter().any(|v| v.version == "v1") {
        return Ok(false);
    }
    let Some(resources) = get_discovery::<APIResourceList>(conn, &format!("/apis/{MONITORING_GROUP}/v1")).await? else {
        return Ok(false);
    };
    Ok(OPERATOR_KINDS
        .iter()
        .all(|kind| resources.resources.iter().any(|r| r.kind == *kind)))
}

/// A discovery document, or `None` when the API server does not serve it.
async fn get_discovery<T: serde::de::DeserializeOwned>(conn: &Connection, path: &str) -> Result<Option<T>, ApiError> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| ApiError::unexpected(format!("cannot build a discovery request: {e}")))?;
    match conn.client.request::<T>(request).await {
        Ok(document) => Ok(Some(document)),
        Err(kube::Error::Api(status)) if crate::cluster::errors::is_not_found(&status) => Ok(None),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("discover", path.to_string()),
            &conn.server,
        )),
    }
}

/// The Prometheus Services a prometheus-operator runs, those in `namespace` first.
pub async fn operated_prometheus(conn: &Connection, namespace: &str) -> Result<Vec<PrometheusTarget>, ApiError> {
    let api: Api<Service> = Api::all(conn.client.clone());
    let list = match api
        .list(&ListParams::default().labels(OPERATED_PROMETHEUS_SELECTOR))
        .await
    {
        Ok(list) => list.items,
        Err(kube::Error::Api(status)) if status.is_forbidden() => Vec::new(),
        Err(e) => {
            return Err(ApiError::new(
                e,
                Operation::new("list", "prometheus-operator Services"),
                &conn.server,
            ));
        }
    };
    let mut targets: Vec<PrometheusTarget> = list
        .iter()
        .filter_map(|service| {
            let port = service
                .spec
                .as_ref()?
                .ports
                .as_ref()?
                .iter()
                .find(|p| p.name.as_deref() == Some("web"))
                .map_or(PROMETHEUS_PORT, |p| p.port);
            Some(PrometheusTarget {
                namespace: service.metadata.namespace.clone()?,
                service: service.metadata.name.clone()?,
                port: u16::try_from(port).ok()?,
            })
        })
        .collect();
    targets.sort_by_key(|t| (t.namespace != namespace, t.namespace.clone(), t.service.clone()));
    Ok(targets)
}

/// How far kafkactl's own Prometheus is: `None` when its StatefulSet is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandaloneState {
    pub ready: i32,
    pub wanted: i32,
}

pub async fn standalone_state(conn: &Connection, spec: &ClusterSpec) -> Result<Option<StandaloneState>, ApiError> {
    let api: Api<StatefulSet> = Api::namespaced(conn.client.clone(), &spec.namespace);
    let name = names::prometheus(&spec.name);
    let found = crate::cluster::errors::get_opt(&api, &name).await.map_err(|e| {
        ApiError::new(
            e,
            Operation::new("get", format!("StatefulSet {}/{name}", spec.namespace)),
            &conn.server,
        )
    })?;
    Ok(found.map(|sts| StandaloneState {
        ready: sts.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0),
        wanted: sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
    }))
}

/// Delete the volume claim of kafkactl's Prometheus; false when there was none.
pub async fn delete_prometheus_volume(conn: &Connection, spec: &ClusterSpec) -> Result<bool, ApiError> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), &spec.namespace);
    let name = names::prometheus_data_claim(&spec.name);
    match api.delete(&name, &DeleteParams::background()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if crate::cluster::errors::is_not_found(&status) => Ok(false),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("delete", format!("PersistentVolumeClaim {}/{name}", spec.namespace)),
            &conn.server,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_a_default_port() {
        assert_eq!(
            PrometheusTarget::parse("monitoring/prometheus-operated")
                .unwrap()
                .to_string(),
            "monitoring/prometheus-operated:9090"
        );
        assert_eq!(PrometheusTarget::parse("m/p:9091").unwrap().port, 9091);
        for bad in ["prometheus", "/p", "m/", "m/p:x", "m/p:0"] {
            assert!(PrometheusTarget::parse(bad).is_err(), "{bad}");
        }
    }
}
