//! Reading back where an exposed component answers: Strimzi's listener status and
//! Services, kafkactl's own Services, the nodes' addresses, a load balancer's address.

use crate::actions::LoadedCluster;
use crate::cli::GlobalArgs;
use crate::cluster::client::Connection;
use crate::cluster::exposure::{Endpoints, read_endpoints, wait_for_load_balancer};
use crate::cluster::inventory::get_kafka;
use crate::error::Failure;
use crate::render::RenderContext;
use crate::spec::exposure_change::{Broker, Change, Target, prometheus_url};
use crate::spec::names;
use crate::spec::{ClusterSpec, ExposureType, ListenerSpec, ListenerType, ServiceExposure};

use super::outcome::{Address, ExposeOutcome};

const ZOOKEEPER_PORT: i32 = 2181;
const PROMETHEUS_PORT: i32 = 9090;
/// Ingress and route listeners are reached through TLS passthrough on 443.
const TLS_PASSTHROUGH_PORT: i32 = 443;

/// Read back where the exposed component answers; returns the NodePorts in use.
pub(super) async fn read_addresses(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    change: &Change,
    ctx: &RenderContext,
    outcome: &mut ExposeOutcome,
) -> Result<Vec<i32>, Failure> {
    let spec = &change.spec;
    let conn = &loaded.conn;
    let ns = spec.namespace.as_str();
    let c = spec.name.as_str();
    let timeout = global.connection.timeout;
    // The brokers after the change: render follows the live node ids.
    let brokers_now = super::brokers(spec, ctx);
    match &change.target {
        Target::Kafka { listener } => {
            let Some(l) = spec.listeners.get(listener).filter(|_| !change.removing) else {
                return Ok(Vec::new());
            };
            let kafka = get_kafka(conn, loaded.api.as_str(), ns, c).await?;
            let status = kafka
                .as_ref()
                .and_then(|k| k["status"]["listeners"].as_array())
                .and_then(|ls| ls.iter().find(|s| s["name"] == listener.as_str()).cloned());
            outcome.bootstrap_servers = status
                .as_ref()
                .and_then(|s| s["bootstrapServers"].as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if outcome.bootstrap_servers.is_none() {
                outcome.notes.push(format!(
                    "Strimzi has not published addresses for listener \"{listener}\" yet; `kafkactl status {c}` shows them later"
                ));
            }
            let endpoints = read_endpoints(conn, ns).await?;
            outcome.addresses = broker_addresses(spec, listener, l, &brokers_now, &endpoints);
            let mut ports = Vec::new();
            if l.kind == ListenerType::Nodeport {
                ports.extend(endpoints.node_port(&names::listener_bootstrap_service(c, listener)));
                ports.extend(brokers_now.iter().filter_map(|b| {
                    endpoints.node_port(&names::broker_listener_service(spec, &b.pool, listener, b.id))
                }));
            }
            Ok(ports)
        }
        Target::Jmx => {
            if !spec.jmx.node_port_services {
                return Ok(Vec::new());
            }
            let endpoints = read_endpoints(conn, ns).await?;
            let any_node = endpoints.node_addresses().into_iter().next();
            let mut ports = Vec::new();
            for b in &brokers_now {
                let pod = names::pool_pod(spec, &b.pool, b.id);
                let Some(port) = endpoints.node_port(&names::jmx_service(&pod)) else {
                    continue;
                };
                ports.push(port);
                let host = endpoints
                    .pod_node_address(&pod)
                    .or_else(|| any_node.clone())
                    .unwrap_or_else(|| "<any node>".to_string());
                outcome.addresses.push(Address {
                    name: format!("broker {}", b.id),
                    broker: Some(b.id),
                    address: format!("{host}:{port}"),
                });
            }
            if endpoints.nodes.is_none() {
                outcome
                    .notes
                    .push("you may not list Nodes: use any node's address with these ports".to_string());
            }
            Ok(ports)
        }
        Target::Zookeeper => {
            let Some(exposure) = &spec.zoo_entrance.expose else {
                return Ok(Vec::new());
            };
            let service = names::zoo_entrance(c);
            let local = !exposure.allow_from.is_empty();
            service_addresses(conn, ns, &service, exposure, ZOOKEEPER_PORT, local, timeout, outcome).await
        }
        Target::Prometheus => {
            if let Some(ingress) = &spec.prometheus.ingress {
                outcome.addresses.push(Address {
                    name: "prometheus (ingress)".to_string(),
                    broker: None,
                    address: prometheus_url(ingress),
                });
            }
            match &spec.prometheus.expose {
                Some(exposure) => {
                    let service = names::prometheus(c);
                    service_addresses(conn, ns, &service, exposure, PROMETHEUS_PORT, false, timeout, outcome).await
                }
                None => Ok(Vec::new()),
            }
        }
    }
}

/// Per-broker addresses of an external listener, from Strimzi's Services.
fn broker_addresses(
    cluster: &ClusterSpec,
    listener: &str,
    spec: &ListenerSpec,
    brokers: &[Broker],
    endpoints: &Endpoints,
) -> Vec<Address> {
    brokers
        .iter()
        .filter_map(|b| {
            let service = names::broker_listener_service(cluster, &b.pool, listener, b.id);
            let address = match spec.kind {
                ListenerType::Nodeport => {
                    let port = endpoints.node_port(&service)?;
                    let host = endpoints.pod_node_address(&names::pool_pod(cluster, &b.pool, b.id))?;
                    format!("{host}:{port}")
                }
                ListenerType::Loadbalancer => {
                    let host = endpoints.load_balancer(&service).into_iter().next()?;
                    format!("{host}:{}", spec.port)
                }
                ListenerType::Ingress => format!("{}:{TLS_PASSTHROUGH_PORT}", spec.broker_hosts.get(&b.id)?),
                _ => return None,
            };
            Some(Address {
                name: format!("broker {}", b.id),
                broker: Some(b.id),
                address,
            })
        })
        .collect()
}

/// Addresses of one of kafkactl's own exposed Services: the load balancer's
/// (waited for), or the nodes' with the NodePort.
#[allow(clippy::too_many_arguments)]
async fn service_addresses(
    conn: &Connection,
    ns: &str,
    service: &str,
    exposure: &ServiceExposure,
    port: i32,
    local_traffic: bool,
    timeout: std::time::Duration,
    outcome: &mut ExposeOutcome,
) -> Result<Vec<i32>, Failure> {
    match exposure.kind {
        ExposureType::Loadbalancer => {
            let hosts = wait_for_load_balancer(conn, ns, service, timeout).await?;
            outcome.addresses.extend(hosts.into_iter().map(|h| Address {
                name: service.to_string(),
                broker: None,
                address: format!("{h}:{port}"),
            }));
            Ok(Vec::new())
        }
        ExposureType::Nodeport => {
            let endpoints = read_endpoints(conn, ns).await?;
            let Some(node_port) = endpoints.node_port(service) else {
                return Ok(Vec::new());
            };
            let component = endpoints
                .services
                .get(service)
                .and_then(|s| s.spec.as_ref())
                .and_then(|s| s.selector.clone())
                .unwrap_or_default();
            let hosts = if local_traffic {
                // `externalTrafficPolicy: Local`: only nodes running the pods answer.
                endpoints.node_addresses_of(|pod| {
                    let labels = pod.metadata.labels.clone().unwrap_or_default();
                    !component.is_empty() && component.iter().all(|(k, v)| labels.get(k) == Some(v))
                })
            } else {
                endpoints.node_addresses()
            };
            if hosts.is_empty() {
                outcome.notes.push(format!(
                    "no node address is known to you; use a node's address with NodePort {node_port}"
                ));
            }
            outcome.addresses.extend(hosts.into_iter().map(|h| Address {
                name: service.to_string(),
                broker: None,
                address: format!("{h}:{node_port}"),
            }));
            Ok(vec![node_port])
        }
    }
}
