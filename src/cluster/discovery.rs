//! What the cluster serves: the Strimzi API versions, and the Strimzi
//! operator (where it runs, whether it is ready, which namespaces it
//! watches, which Kafka versions it supports).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup;
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::client::Connection;
use super::errors::{ApiError, Operation};
use crate::spec::StrimziApi;

pub const STRIMZI_GROUP: &str = "kafka.strimzi.io";
pub const OPERATOR_SELECTOR: &str = "strimzi.io/kind=cluster-operator";
/// The name Strimzi's bundle and Helm chart give the operator Deployment.
pub const OPERATOR_NAME: &str = "strimzi-cluster-operator";

/// What discovery found about Strimzi in this cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StrimziInfo {
    /// Versions of `kafka.strimzi.io` the API server serves (empty: CRDs missing).
    pub served_versions: Vec<String>,
    /// Every Strimzi cluster operator found (normally one).
    pub operators: Vec<OperatorInfo>,
}

/// Namespaces a Strimzi operator watches (`STRIMZI_NAMESPACE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "scope", content = "namespaces")]
pub enum WatchScope {
    All,
    Namespaces(Vec<String>),
}

impl WatchScope {
    pub fn includes(&self, namespace: &str) -> bool {
        match self {
            WatchScope::All => true,
            WatchScope::Namespaces(list) => list.iter().any(|n| n == namespace),
        }
    }
}

impl std::fmt::Display for WatchScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchScope::All => f.write_str("all namespaces"),
            WatchScope::Namespaces(list) => f.write_str(&list.join(",")),
        }
    }
}

/// One Strimzi cluster operator Deployment, as kafkactl reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorInfo {
    pub name: String,
    pub namespace: String,
    pub image: String,
    /// Strimzi version, from the image tag (`quay.io/strimzi/operator:1.2.0`).
    pub version: Option<String>,
    pub ready: bool,
    pub watches: WatchScope,
    /// Kafka versions from `STRIMZI_KAFKA_IMAGES`.
    pub kafka_versions: Vec<String>,
    /// Whether kafkactl installed it (its field manager owns the Deployment's
    /// fields); otherwise another tool (kubectl, Helm, OLM) owns them.
    #[serde(skip)]
    pub installed_by_kafkactl: bool,
}

impl StrimziInfo {
    /// The API kafkactl renders for: `v1` when served, else `v1beta2`.
    pub fn api(&self) -> Option<StrimziApi> {
        if self.served_versions.iter().any(|v| v == "v1") {
            Some(StrimziApi::V1)
        } else if self.served_versions.iter().any(|v| v == "v1beta2") {
            Some(StrimziApi::V1beta2)
        } else {
            None
        }
    }

    /// KRaft-only: the cluster serves `v1` and not `v1beta2` (Strimzi >= 1.0).
    pub fn kraft_only(&self) -> bool {
        self.api() == Some(StrimziApi::V1) && !self.served_versions.iter().any(|v| v == "v1beta2")
    }

    /// The operator that watches `namespace`, if any.
    pub fn operator_for(&self, namespace: &str) -> Option<&OperatorInfo> {
        self.operators.iter().find(|o| o.watches.includes(namespace))
    }
}

/// Discover Strimzi: the served API versions and the operators.
pub async fn discover(conn: &Connection) -> Result<StrimziInfo, ApiError> {
    let (served_versions, operators) = futures::try_join!(served_versions(conn), operators(conn))?;
    Ok(StrimziInfo {
        served_versions,
        operators,
    })
}

async fn served_versions(conn: &Connection) -> Result<Vec<String>, ApiError> {
    let op = Operation::new("discover", format!("the {STRIMZI_GROUP} API"));
    let request = http::Request::get(format!("/apis/{STRIMZI_GROUP}"))
        .body(Vec::new())
        .map_err(|e| ApiError::new(kube::Error::HttpError(e), op.clone(), &conn.server))?;
    match conn.client.request::<APIGroup>(request).await {
        Ok(group) => Ok(group.versions.into_iter().map(|v| v.version).collect()),
        Err(kube::Error::Api(status)) if super::errors::is_not_found(&status) => Ok(Vec::new()),
        Err(e) => Err(ApiError::new(e, op, &conn.server)),
    }
}

/// Operators anywhere in the cluster. Strimzi's bundle labels only the pod
/// template (`strimzi.io/kind: cluster-operator`), so operators are found by
/// their usual name, and by the label for installs that also label the
/// Deployment. A user who may not list Deployments cluster-wide gets an
/// empty list here (and a clearer error later).
async fn operators(conn: &Connection) -> Result<Vec<OperatorInfo>, ApiError> {
    let api: Api<Deployment> = Api::all(conn.client.clone());
    let list = |params: ListParams| {
        let api = api.clone();
        async move {
            match api.list(&params).await {
                Ok(list) => Ok(list.items),
                Err(kube::Error::Api(status)) if status.is_forbidden() => Ok(Vec::new()),
                Err(e) => Err(ApiError::new(
                    e,
                    Operation::new("list", "Strimzi operator Deployments"),
                    &conn.server,
                )),
            }
        }
    };
    let (by_name, by_label) = futures::try_join!(
        list(ListParams::default().fields(&format!("metadata.name={OPERATOR_NAME}"))),
        list(ListParams::default().labels(OPERATOR_SELECTOR)),
    )?;
    let mut found: Vec<OperatorInfo> = Vec::new();
    for deployment in by_name.iter().chain(by_label.iter()).filter(|d| is_operator(d)) {
        if let Some(info) = operator_info(deployment)
            && !found
                .iter()
                .any(|o| o.name == info.name && o.namespace == info.namespace)
        {
            found.push(info);
        }
    }
    Ok(found)
}

/// The Deployment runs Strimzi's cluster operator: its pods carry the label.
fn is_operator(deployment: &Deployment) -> bool {
    let template_labels = deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.as_ref());
    let labels = [deployment.metadata.labels.as_ref(), template_labels];
    labels
        .into_iter()
        .flatten()
        .any(|l| l.get("strimzi.io/kind").map(String::as_str) == Some("cluster-operator"))
}

/// Whether the running operator has a literal `STRIMZI_NAMESPACE` (not the bundle's `valueFrom`).
pub async fn uses_literal_watch(conn: &Connection, op: &OperatorInfo) -> Result<bool, ApiError> {
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), &op.namespace);
    let deployment = deployments.get(&op.name).await.map_err(|e| {
        ApiError::new(
            e,
            Operation::new("get", format!("Deployment {}/{}", op.namespace, op.name)),
            &conn.server,
        )
    })?;
    let value = serde_json::to_value(&deployment).unwrap_or_default();
    Ok(crate::operator::bundle::operator_env(&value, "STRIMZI_NAMESPACE").is_some())
}

/// Read an operator Deployment: image, readiness, env.
pub fn operator_info(deployment: &Deployment) -> Option<OperatorInfo> {
    let namespace = deployment.metadata.namespace.clone()?;
    let name = deployment.metadata.name.clone()?;
    let spec = deployment.spec.as_ref()?;
    let container = spec.template.spec.as_ref()?.containers.first()?;
    let image = container.image.clone().unwrap_or_default();
    let env = container.env.clone().unwrap_or_default();
    let env_value = |key: &str| env.iter().find(|e| e.name == key);
    let watches = match env_value("STRIMZI_NAMESPACE") {
        Some(var) => match var.value.as_deref() {
            Some(value) => parse_watch_scope(value, &namespace),
            // `valueFrom.fieldRef: metadata.namespace`: the operator's own namespace.
            None => WatchScope::Namespaces(vec![namespace.clone()]),
        },
        None => WatchScope::Namespaces(vec![namespace.clone()]),
    };
    let kafka_versions = env_value("STRIMZI_KAFKA_IMAGES")
        .and_then(|v| v.value.as_deref())
        .map(parse_kafka_images)
        .unwrap_or_default();
    let installed_by_kafkactl = deployment
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .any(|m| m.manager.as_deref() == Some(crate::spec::names::FIELD_MANAGER));
    Some(OperatorInfo {
        installed_by_kafkactl,
        version: image_tag(&image),
        ready: rollout_complete(deployment),
        name,
        namespace,
        image,
        watches,
        kafka_versions,
    })
}

/// `*` or a comma-separated list (may be blank-padded or multi-line).
pub fn parse_watch_scope(value: &str, own_namespace: &str) -> WatchScope {
    let names: Vec<String> = value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if names.iter().any(|n| n == "*") {
        WatchScope::All
    } else if names.is_empty() {
        WatchScope::Namespaces(vec![own_namespace.to_string()])
    } else {
        WatchScope::Namespaces(names)
    }
}

/// `3.9.2=quay.io/strimzi/kafka:0.45.2-kafka-3.9.2` lines → `["3.9.2", ...]`.
pub fn parse_kafka_images(value: &str) -> Vec<String> {
    value
        .lines()
        .filter_map(|line| line.split_once('=').map(|(v, _)| v.trim().to_string()))
        .filter(|v| !v.is_empty())
        .collect()
}

fn image_tag(image: &str) -> Option<String> {
    let last = image.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    Some(tag.to_string())
}

/// `kubectl rollout status` for a Deployment: the controller has seen the
/// latest generation and every replica is updated and available.
pub fn rollout_complete(deployment: &Deployment) -> bool {
    let want = deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let generation = deployment.metadata.generation.unwrap_or(0);
    let Some(status) = deployment.status.as_ref() else {
        return false;
    };
    status.observed_generation.unwrap_or(0) >= generation
        && status.updated_replicas.unwrap_or(0) >= want
        && status.replicas.unwrap_or(0) <= status.updated_replicas.unwrap_or(0)
        && status.available_replicas.unwrap_or(0) >= want
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_scope_parses_lists_and_star() {
        assert_eq!(parse_watch_scope("*", "kafka"), WatchScope::All);
        assert_eq!(
            parse_watch_scope(" a, b ,", "kafka"),
            WatchScope::Namespaces(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            parse_watch_scope("", "kafka"),
            WatchScope::Namespaces(vec!["kafka".into()])
        );
        assert!(WatchScope::Namespaces(vec!["a".into()]).includes("a"));
        assert!(!WatchScope::Namespaces(vec!["a".into()]).includes("b"));
    }

    #[test]
    fn kafka_images_give_the_supported_versions() {
        let value = "4.2.0=quay.io/strimzi/kafka:1.2.0-kafka-4.2.0\n4.3.1=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1\n";
        assert_eq!(parse_kafka_images(value), vec!["4.2.0", "4.3.1"]);
    }

    #[test]
    fn operator_version_comes_from_the_image_tag() {
        assert_eq!(image_tag("quay.io/strimzi/operator:1.2.0"), Some("1.2.0".into()));
        assert_eq!(image_tag("registry:5000/strimzi/operator"), None);
    }
}
