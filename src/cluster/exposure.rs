//! What `expose` asks the API beyond the shared change path: where exposed
//! components answer (Services with their NodePorts and load-balancer
//! addresses, the Nodes' addresses, the pods behind them), which NodePorts
//! are taken, waiting for a load balancer's address, and deleting one object.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod, Service};
use kube::api::{Api, DeleteParams, ListParams};
use kube::runtime::wait::await_condition;

use super::client::Connection;
use super::errors::{ApiError, Operation, api_error};
use super::resources::dynamic_api;

/// Why reading or changing an exposure failed.
#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A kind this build cannot address (a bug, not the cluster's fault).
    #[error("kafkactl does not know how to {verb} {target}")]
    UnknownKind { verb: &'static str, target: String },
    #[error("Service {namespace}/{name} went away while waiting for its load balancer")]
    ServiceGone { namespace: String, name: String },
    #[error("cannot watch Service {namespace}/{name}: {source}")]
    WatchFailed {
        namespace: String,
        name: String,
        #[source]
        source: kube::runtime::wait::Error,
    },
    /// The cloud provisioned no load balancer address in time.
    #[error("Service {namespace}/{name} got no load balancer address within {}s", .waited.as_secs())]
    NoLoadBalancerAddress {
        namespace: String,
        name: String,
        waited: Duration,
    },
}

/// Node address types in the order Strimzi prefers them for NodePort listeners.
const ADDRESS_PREFERENCE: [&str; 5] = ["ExternalDNS", "ExternalIP", "InternalDNS", "InternalIP", "Hostname"];

/// A picture of a namespace's Services and pods and the cluster's Nodes.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub services: BTreeMap<String, Service>,
    pub pods: BTreeMap<String, Pod>,
    /// `None` when the user may not list Nodes (they are cluster-scoped).
    pub nodes: Option<BTreeMap<String, Node>>,
}

/// Read the Services and pods of `namespace` and every Node, concurrently.
pub async fn read_endpoints(conn: &Connection, namespace: &str) -> Result<Endpoints, ApiError> {
    let all = ListParams::default();
    let fail = |what: &'static str| api_error(Operation::new("list", what), &conn.server);
    let services_api = Api::<Service>::namespaced(conn.client.clone(), namespace);
    let pods_api = Api::<Pod>::namespaced(conn.client.clone(), namespace);
    let nodes_api = Api::<Node>::all(conn.client.clone());
    let (services, pods, nodes) = futures::join!(services_api.list(&all), pods_api.list(&all), nodes_api.list(&all));
    let by_name = |meta: &kube::api::ObjectMeta| meta.name.clone().unwrap_or_default();
    let nodes = match nodes {
        Ok(list) => Some(list.items.into_iter().map(|n| (by_name(&n.metadata), n)).collect()),
        Err(kube::Error::Api(status)) if status.is_forbidden() => None,
        Err(e) => return Err(fail("Nodes")(e)),
    };
    Ok(Endpoints {
        services: services
            .map_err(fail("Services"))?
            .items
            .into_iter()
            .map(|s| (by_name(&s.metadata), s))
            .collect(),
        pods: pods
            .map_err(fail("Pods"))?
            .items
            .into_iter()
            .map(|p| (by_name(&p.metadata), p))
            .collect(),
        nodes,
    })
}

impl Endpoints {
    /// The NodePort Kubernetes allocated to the first port of `service`.
    pub fn node_port(&self, service: &str) -> Option<i32> {
        self.services
            .get(service)?
            .spec
            .as_ref()?
            .ports
            .as_ref()?
            .first()?
            .node_port
    }

    /// The load balancer's addresses (IPs or host names) of `service`.
    pub fn load_balancer(&self, service: &str) -> Vec<String> {
        self.services
            .get(service)
            .map(load_balancer_addresses)
            .unwrap_or_default()
    }

    /// The preferred address of the node `pod` runs on.
    pub fn pod_node_address(&self, pod: &str) -> Option<String> {
        let node = self.pods.get(pod)?.spec.as_ref()?.node_name.as_deref()?;
        self.nodes.as_ref()?.get(node).and_then(preferred_address)
    }

    /// The preferred address of every node, sorted.
    pub fn node_addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .nodes
            .iter()
            .flat_map(|nodes| nodes.values())
            .filter_map(preferred_address)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The node addresses of the pods `selector` accepts (for Services with
    /// `externalTrafficPolicy: Local`, which answer only there), sorted.
    pub fn node_addresses_of(&self, selector: impl Fn(&Pod) -> bool) -> Vec<String> {
        let mut out: Vec<String> = self
            .pods
            .iter()
            .filter(|(_, pod)| selector(pod))
            .filter_map(|(name, _)| self.pod_node_address(name))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// A Node's address in Strimzi's order of preference.
pub fn preferred_address(node: &Node) -> Option<String> {
    let addresses = node.status.as_ref()?.addresses.as_ref()?;
    ADDRESS_PREFERENCE.iter().find_map(|kind| {
        addresses
            .iter()
            .find(|a| a.type_ == *kind && !a.address.is_empty())
            .map(|a| a.address.clone())
    })
}

/// `status.loadBalancer.ingress` as addresses: the IP, else the host name.
pub fn load_balancer_addresses(service: &Service) -> Vec<String> {
    service
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|i| i.ip.clone().or_else(|| i.hostname.clone()))
        .collect()
}

/// One NodePort a Service holds: `namespace/name` and the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenNodePort {
    pub service: String,
    pub node_port: i32,
}

/// Every NodePort in the cluster and who holds it; `None` when the user may
/// not list Services in all namespaces (the API server still refuses a
/// taken port when the Service is written).
pub async fn taken_node_ports(conn: &Connection) -> Result<Option<Vec<TakenNodePort>>, ApiError> {
    let api = Api::<Service>::all(conn.client.clone());
    let list = match api.list(&ListParams::default()).await {
        Ok(list) => list,
        Err(kube::Error::Api(status)) if status.is_forbidden() => return Ok(None),
        Err(e) => {
            return Err(ApiError::new(
                e,
                Operation::new("list", "Services in all namespaces"),
                &conn.server,
            ));
        }
    };
    Ok(Some(
        list.items
            .iter()
            .flat_map(|svc| {
                let service = format!(
                    "{}/{}",
                    svc.metadata.namespace.as_deref().unwrap_or_default(),
                    svc.metadata.name.as_deref().unwrap_or_default()
                );
                svc.spec
                    .iter()
                    .flat_map(|s| s.ports.iter().flatten())
                    .filter_map(move |p| {
                        p.node_port.map(|node_port| TakenNodePort {
                            service: service.clone(),
                            node_port,
                        })
                    })
            })
            .collect(),
    ))
}

/// Wait (watching, not polling) until Service `namespace/name` has a load
/// balancer address, and return its addresses.
pub async fn wait_for_load_balancer(
    conn: &Connection,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> Result<Vec<String>, ExposureError> {
    let api = Api::<Service>::namespaced(conn.client.clone(), namespace);
    let (namespace, name_owned) = (namespace.to_string(), name.to_string());
    let has_address = |svc: Option<&Service>| svc.is_some_and(|s| !load_balancer_addresses(s).is_empty());
    match tokio::time::timeout(timeout, await_condition(api, name, has_address)).await {
        Ok(Ok(Some(service))) => Ok(load_balancer_addresses(&service)),
        Ok(Ok(None)) => Err(ExposureError::ServiceGone {
            namespace,
            name: name_owned,
        }),
        Ok(Err(source)) => Err(ExposureError::WatchFailed {
            namespace,
            name: name_owned,
            source,
        }),
        Err(_) => Err(ExposureError::NoLoadBalancerAddress {
            namespace,
            name: name_owned,
            waited: timeout,
        }),
    }
}

/// One object by kind and name, if it exists.
pub async fn get_object(
    conn: &Connection,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Option<serde_json::Value>, ExposureError> {
    let target = format!("{kind} {namespace}/{name}");
    let Some(api) = dynamic_api(&conn.client, api_version, kind, Some(namespace)) else {
        return Err(ExposureError::UnknownKind { verb: "read", target });
    };
    match crate::cluster::errors::get_opt(&api, name).await {
        Ok(found) => Ok(found.map(|o| serde_json::to_value(o).unwrap_or_default())),
        Err(e) => Err(ApiError::new(e, Operation::new("get", target), &conn.server).into()),
    }
}

/// Delete one object if it exists; true when it was there.
pub async fn delete_if_present(
    conn: &Connection,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<bool, ExposureError> {
    let target = format!("{kind} {namespace}/{name}");
    let Some(api) = dynamic_api(&conn.client, api_version, kind, Some(namespace)) else {
        return Err(ExposureError::UnknownKind { verb: "delete", target });
    };
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if super::errors::is_not_found(&status) => Ok(false),
        Err(e) => Err(ApiError::new(e, Operation::new("delete", target), &conn.server).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeAddress, NodeStatus};

    fn node(addresses: &[(&str, &str)]) -> Node {
        Node {
            status: Some(NodeStatus {
                addresses: Some(
                    addresses
                        .iter()
                        .map(|(kind, address)| NodeAddress {
                            type_: kind.to_string(),
                            address: address.to_string(),
                        })
                        .collect(),
                ),
                ..NodeStatus::default()
            }),
            ..Node::default()
        }
    }

    #[test]
    fn external_addresses_win_over_internal_ones() {
        let n = node(&[
            ("InternalIP", "10.0.0.1"),
            ("ExternalIP", "203.0.113.7"),
            ("Hostname", "n1"),
        ]);
        assert_eq!(preferred_address(&n).as_deref(), Some("203.0.113.7"));
        let n = node(&[("Hostname", "n1"), ("InternalIP", "10.0.0.1")]);
        assert_eq!(preferred_address(&n).as_deref(), Some("10.0.0.1"));
        assert_eq!(preferred_address(&Node::default()), None);
    }
}
