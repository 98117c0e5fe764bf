//! What the preflight checks need to know about a cluster, read in one
//! concurrent round: the server version, access reviews, Strimzi, storage
//! classes, nodes, Services, and the Kafka clusters and node pools of the
//! namespace. Reading is all this module does; judging is `crate::check`'s.
//!
//! Every read may fail on its own (a user who may not list nodes still gets
//! the other checks): each is a `Read<T>` holding the reason when it failed.

use std::collections::BTreeMap;

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{Namespace, Node, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::version::Info;
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use serde::Serialize;
use serde_json::Value;

use super::client::Connection;
use super::discovery::{StrimziInfo, discover};
use super::errors::error_chain;
use super::resources::strimzi;
use crate::spec::names::STRIMZI_CLUSTER_LABEL;
use crate::spec::quantity::{parse_cpu_millis, parse_memory_bytes};

/// A fact, or why it could not be read (forbidden, unreachable, …).
pub type Read<T> = Result<T, String>;

/// The annotation that marks the default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// One question for a SelfSubjectAccessReview: may I `verb` `resource`?
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessRequest {
    pub verb: String,
    /// API group; empty for the core group.
    pub group: String,
    /// Plural resource name (`kafkas`), with `/subresource` when asking about one.
    pub resource: String,
    /// `None` for cluster-scoped resources (or all namespaces).
    pub namespace: Option<String>,
}

/// The answer to one access review: allowed or not, or why it could not be asked.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessAnswer {
    pub request: AccessRequest,
    pub allowed: Read<bool>,
}

/// `/version` of the API server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerVersion {
    pub git_version: String,
    pub major: u32,
    pub minor: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageClassFact {
    pub name: String,
    pub default: bool,
    pub allow_expansion: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaintFact {
    pub key: String,
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeFact {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    /// The `Ready` condition is `True`.
    pub ready: bool,
    pub taints: Vec<TaintFact>,
    /// `status.allocatable` CPU in millicores and memory in bytes.
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceFact {
    pub namespace: String,
    pub name: String,
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, …
    pub kind: String,
    pub labels: BTreeMap<String, String>,
    pub node_ports: Vec<i32>,
    /// `status.loadBalancer.ingress` has at least one address.
    pub has_load_balancer_address: bool,
    /// Seconds since creation, when known.
    pub age_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodePoolFact {
    pub name: String,
    /// The `strimzi.io/cluster` label: the Kafka cluster the pool belongs to.
    pub cluster: Option<String>,
}

/// Everything the preflight checks judge, as read from the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFacts {
    /// The API server URL.
    pub server: String,
    /// The API server answered (when not, nothing else was read).
    pub reachable: bool,
    pub version: Read<ServerVersion>,
    pub strimzi: Read<StrimziInfo>,
    pub access: Vec<AccessAnswer>,
    pub namespace_exists: Read<bool>,
    pub storage_classes: Read<Vec<StorageClassFact>>,
    pub nodes: Read<Vec<NodeFact>>,
    /// Services of every namespace.
    pub services: Read<Vec<ServiceFact>>,
    /// Kafka CRs of the namespace, as stored.
    pub kafkas: Read<Vec<Value>>,
    /// KafkaNodePools of the namespace.
    pub node_pools: Read<Vec<NodePoolFact>>,
}

impl ClusterFacts {
    /// Facts of a cluster whose API server did not answer.
    pub fn unreachable(server: &str, why: String) -> Self {
        fn not_read<T>() -> Read<T> {
            Err("the API server did not answer".to_string())
        }
        ClusterFacts {
            server: server.to_string(),
            reachable: false,
            version: Err(why),
            strimzi: not_read(),
            access: Vec::new(),
            namespace_exists: not_read(),
            storage_classes: not_read(),
            nodes: not_read(),
            services: not_read(),
            kafkas: not_read(),
            node_pools: not_read(),
        }
    }

    /// The answer to `request`, when it was asked.
    pub fn access(&self, request: &AccessRequest) -> Option<&Read<bool>> {
        self.access.iter().find(|a| a.request == *request).map(|a| &a.allowed)
    }
}

/// Read every fact about `namespace` and the cluster: `/version` first (an
/// unreachable server gives one clear answer instead of one per read), then
/// everything else concurrently. `access` are the reviews to ask.
pub async fn gather(conn: &Connection, namespace: &str, access: &[AccessRequest]) -> ClusterFacts {
    let version = match conn.client.apiserver_version().await {
        Ok(info) => server_version(&info),
        Err(kube::Error::Api(status)) => Err(format!("/version: {} ({})", status.message, status.code)),
        Err(e) => return ClusterFacts::unreachable(&conn.server, error_chain(&e)),
    };
    let reviews = futures::future::join_all(access.iter().map(|r| review(conn, r)));
    let (strimzi, access, namespace_exists, storage_classes, nodes, services) = futures::join!(
        async { discover(conn).await.map_err(|e| e.to_string()) },
        reviews,
        namespace_exists(conn, namespace),
        storage_classes(conn),
        nodes(conn),
        services(conn),
    );
    let api = strimzi.as_ref().ok().and_then(StrimziInfo::api);
    let (kafkas, node_pools) = match api {
        Some(api) => futures::join!(
            kafkas(conn, api.as_str(), namespace),
            node_pools(conn, api.as_str(), namespace)
        ),
        None => (Ok(Vec::new()), Ok(Vec::new())),
    };
    ClusterFacts {
        server: conn.server.clone(),
        reachable: true,
        version,
        strimzi,
        access,
        namespace_exists,
        storage_classes,
        nodes,
        services,
        kafkas,
        node_pools,
    }
}

/// `major`/`minor` as Kubernetes reports them (`"28+"` on some providers).
pub fn server_version(info: &Info) -> Read<ServerVersion> {
    let number = |s: &str| s.trim_end_matches('+').parse::<u32>().ok();
    match (number(&info.major), number(&info.minor)) {
        (Some(major), Some(minor)) => Ok(ServerVersion {
            git_version: info.git_version.clone(),
            major,
            minor,
        }),
        _ => Err(format!(
            "the API server reports an unreadable version (major {:?}, minor {:?})",
            info.major, info.minor
        )),
    }
}

fn why(what: &str, error: kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("cannot {what}: {}", status.message),
        other => format!("cannot {what}: {}", error_chain(&other)),
    }
}

/// Asks every access review concurrently.
pub async fn reviews(conn: &Connection, requests: &[AccessRequest]) -> Vec<AccessAnswer> {
    futures::future::join_all(requests.iter().map(|r| review(conn, r))).await
}

async fn review(conn: &Connection, request: &AccessRequest) -> AccessAnswer {
    let (resource, subresource) = match request.resource.split_once('/') {
        Some((r, s)) => (r.to_string(), Some(s.to_string())),
        None => (request.resource.clone(), None),
    };
    let body = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(request.verb.clone()),
                group: Some(request.group.clone()),
                resource: Some(resource),
                subresource,
                namespace: request.namespace.clone(),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(conn.client.clone());
    let allowed = match api.create(&PostParams::default(), &body).await {
        Ok(answer) => Ok(answer.status.is_some_and(|s| s.allowed)),
        Err(e) => Err(why("ask for a SelfSubjectAccessReview", e)),
    };
    AccessAnswer {
        request: request.clone(),
        allowed,
    }
}

async fn namespace_exists(conn: &Connection, name: &str) -> Read<bool> {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    crate::cluster::errors::get_opt(&api, name)
        .await
        .map(|n| n.is_some())
        .map_err(|e| why(&format!("get namespace {name}"), e))
}

async fn storage_classes(conn: &Connection) -> Read<Vec<StorageClassFact>> {
    let api: Api<StorageClass> = Api::all(conn.client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| why("list StorageClasses", e))?;
    Ok(list.items.iter().map(storage_class_fact).collect())
}

pub fn storage_class_fact(class: &StorageClass) -> StorageClassFact {
    let default = class
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
        .is_some_and(|v| v == "true");
    StorageClassFact {
        name: class.metadata.name.clone().unwrap_or_default(),
        default,
        allow_expansion: class.allow_volume_expansion.unwrap_or(false),
    }
}

async fn nodes(conn: &Connection) -> Read<Vec<NodeFact>> {
    let api: Api<Node> = Api::all(conn.client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| why("list Nodes", e))?;
    Ok(list.items.iter().map(node_fact).collect())
}

/// A Node as the scheduling checks see it. Unreadable quantities count as zero.
pub fn node_fact(node: &Node) -> NodeFact {
    let spec = node.spec.as_ref();
    let status = node.status.as_ref();
    let allocatable = status.and_then(|s| s.allocatable.as_ref());
    let quantity = |key: &str| allocatable.and_then(|a| a.get(key)).map(|q| q.0.as_str());
    NodeFact {
        name: node.metadata.name.clone().unwrap_or_default(),
        labels: node.metadata.labels.clone().unwrap_or_default(),
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        ready: status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
        taints: spec
            .and_then(|s| s.taints.as_ref())
            .map(|taints| {
                taints
                    .iter()
                    .map(|t| TaintFact {
                        key: t.key.clone(),
                        value: t.value.clone(),
                        effect: t.effect.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        cpu_millis: quantity("cpu").and_then(|q| parse_cpu_millis(q).ok()).unwrap_or(0),
        memory_bytes: quantity("memory").and_then(|q| parse_memory_bytes(q).ok()).unwrap_or(0),
    }
}

async fn services(conn: &Connection) -> Read<Vec<ServiceFact>> {
    let api: Api<Service> = Api::all(conn.client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| why("list Services in all namespaces", e))?;
    let now = k8s_openapi::jiff::Timestamp::now();
    Ok(list.items.iter().map(|s| service_fact(s, now)).collect())
}

pub fn service_fact(service: &Service, now: k8s_openapi::jiff::Timestamp) -> ServiceFact {
    let spec = service.spec.as_ref();
    ServiceFact {
        namespace: service.metadata.namespace.clone().unwrap_or_default(),
        name: service.metadata.name.clone().unwrap_or_default(),
        kind: spec.and_then(|s| s.type_.clone()).unwrap_or_else(|| "ClusterIP".into()),
        labels: service.metadata.labels.clone().unwrap_or_default(),
        node_ports: spec
            .and_then(|s| s.ports.as_ref())
            .map(|ports| ports.iter().filter_map(|p| p.node_port).collect())
            .unwrap_or_default(),
        has_load_balancer_address: service
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .is_some_and(|i| !i.is_empty()),
        age_seconds: service
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| now.as_second() - t.0.as_second()),
    }
}

async fn kafkas(conn: &Connection, version: &str, namespace: &str) -> Read<Vec<Value>> {
    super::inventory::list_kafkas(conn, version, Some(namespace))
        .await
        .map_err(|e| e.to_string())
}

async fn node_pools(conn: &Connection, version: &str, namespace: &str) -> Read<Vec<NodePoolFact>> {
    let Some(resource) = strimzi(version, "KafkaNodePool") else {
        return Ok(Vec::new());
    };
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), namespace, &resource);
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| why("list KafkaNodePools", e))?;
    Ok(list
        .items
        .iter()
        .map(|p| NodePoolFact {
            name: p.metadata.name.clone().unwrap_or_default(),
            cluster: p
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(STRIMZI_CLUSTER_LABEL))
                .cloned(),
        })
        .collect())
}
