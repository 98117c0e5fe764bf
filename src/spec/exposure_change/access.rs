//! What an expose opens, to whom: the Services it is reached through, the NodePorts it
//! pins, one line on the access it gives, and the risks it takes.

use std::collections::{BTreeMap, BTreeSet};

use super::{Broker, Change, Target};
use crate::spec::names;
use crate::spec::validate::internal_load_balancer;
use crate::spec::{ExposureType, IngressSpec, ListenerAuth, ListenerSpec, ListenerType, ServiceExposure};

/// The Services an exposure is reached through, by `namespace/name`.
pub fn own_services(change: &Change, brokers: &[Broker]) -> BTreeSet<String> {
    let spec = &change.spec;
    let c = spec.name.as_str();
    let qualified = |name: String| format!("{}/{name}", spec.namespace);
    match &change.target {
        Target::Kafka { listener } => std::iter::once(names::listener_bootstrap_service(c, listener))
            .chain(
                brokers
                    .iter()
                    .map(|b| names::broker_listener_service(spec, &b.pool, listener, b.id)),
            )
            .map(qualified)
            .collect(),
        Target::Jmx => brokers
            .iter()
            .map(|b| qualified(names::jmx_service(&names::pool_pod(spec, &b.pool, b.id))))
            .collect(),
        Target::Zookeeper => BTreeSet::from([qualified(names::zoo_entrance(c))]),
        Target::Prometheus => BTreeSet::from([qualified(names::prometheus(c))]),
    }
}

/// NodePorts the change pins, each with what it is for.
pub fn pinned_node_ports(change: &Change) -> Vec<(i32, String)> {
    let spec = &change.spec;
    match &change.target {
        Target::Kafka { listener } => spec
            .listeners
            .get(listener)
            .map(|l| {
                l.bootstrap_node_port
                    .map(|p| (p, format!("the bootstrap of listener \"{listener}\"")))
                    .into_iter()
                    .chain(
                        l.broker_node_ports
                            .iter()
                            .map(|(id, p)| (*p, format!("broker {id} of listener \"{listener}\""))),
                    )
                    .collect()
            })
            .unwrap_or_default(),
        Target::Zookeeper => exposure_port(spec.zoo_entrance.expose.as_ref(), "zoo-entrance"),
        Target::Prometheus => exposure_port(spec.prometheus.expose.as_ref(), "Prometheus"),
        Target::Jmx => Vec::new(),
    }
}

fn exposure_port(exposure: Option<&ServiceExposure>, what: &str) -> Vec<(i32, String)> {
    exposure
        .and_then(|e| e.node_port)
        .map(|p| vec![(p, what.to_string())])
        .unwrap_or_default()
}

/// One line on what the change opens (or closes) and to whom.
pub fn access(change: &Change, ports: &[i32]) -> Vec<String> {
    let spec = &change.spec;
    match &change.target {
        Target::Kafka { listener } => match spec.listeners.get(listener) {
            Some(l) if !change.removing => vec![kafka_access(listener, l, ports)],
            _ => vec![format!(
                "Kafka listener \"{listener}\" is not reachable from outside the cluster"
            )],
        },
        Target::Jmx if spec.jmx.enabled && spec.jmx.node_port_services => {
            let auth = if spec.jmx.password_auth {
                format!("with the password in Secret {}", names::jmx_secret(&spec.name))
            } else {
                "WITHOUT authentication: whoever connects can run code in the brokers".to_string()
            };
            vec![format!(
                "opens JMX (9999) of each broker on its own NodePort{} of every node to anyone who can reach the nodes, {auth}",
                port_list(ports)
            )]
        }
        Target::Jmx => vec!["JMX is not reachable from outside the cluster".to_string()],
        Target::Zookeeper => match &spec.zoo_entrance.expose {
            Some(e) => vec![service_access(
                "unauthenticated ZooKeeper (zoo-entrance, 2181; whoever connects can change Kafka's metadata)",
                e,
                ports,
                true,
            )],
            None => vec!["ZooKeeper (zoo-entrance) is reachable from pods of the namespace only".to_string()],
        },
        Target::Prometheus => {
            let mut out = Vec::new();
            if let Some(ingress) = &spec.prometheus.ingress {
                out.push(format!(
                    "opens Prometheus (web UI and HTTP API, no authentication) at {} to anyone who reaches the ingress controller",
                    prometheus_url(ingress)
                ));
            }
            if let Some(e) = &spec.prometheus.expose {
                out.push(service_access(
                    "Prometheus (web UI and HTTP API on 9090, no authentication)",
                    e,
                    ports,
                    false,
                ));
            }
            if out.is_empty() {
                out.push("Prometheus is reachable from inside the cluster only".to_string());
            }
            out
        }
    }
}

fn kafka_access(name: &str, listener: &ListenerSpec, ports: &[i32]) -> String {
    let what = format!("Kafka listener \"{name}\" (port {} on the brokers)", listener.port);
    let whom = |fallback: &str| match listener.allow_from.as_slice() {
        [] => fallback.to_string(),
        cidrs => format!("to clients from {} only", cidrs.join(", ")),
    };
    let opening = match listener.kind {
        ListenerType::Nodeport => format!(
            "opens {what} on NodePort{} of every node {}",
            port_list(ports),
            whom("to anyone who can reach the nodes; use --allow-from to restrict")
        ),
        ListenerType::Loadbalancer => format!(
            "opens {what} on one load balancer for bootstrap and one per broker {}",
            whom(&load_balancer_whom(&listener.annotations))
        ),
        ListenerType::Ingress => format!(
            "opens {what} through the ingress controller (TLS passthrough) at {} to anyone who reaches the ingress controller",
            listener.host.as_deref().unwrap_or("its host")
        ),
        ListenerType::Route => {
            format!("opens {what} through OpenShift routes to anyone who reaches the OpenShift router")
        }
        ListenerType::Internal | ListenerType::ClusterIp => format!("{what} stays inside the cluster"),
    };
    let clients = match listener.authentication {
        ListenerAuth::None => "clients need no credentials",
        ListenerAuth::ScramSha512 => "clients authenticate with SCRAM-SHA-512",
        ListenerAuth::Tls => "clients authenticate with TLS certificates",
    };
    let encryption = if listener.tls { "TLS" } else { "unencrypted" };
    format!("{opening}; {encryption}, {clients}")
}

/// To whom a load balancer without source ranges answers.
fn load_balancer_whom(annotations: &BTreeMap<String, String>) -> String {
    match internal_load_balancer(annotations) {
        Some(provider) => format!("to the private network ({provider} internal load balancer)"),
        None if annotations.is_empty() => {
            "to anyone who reaches the load balancer (public on most clouds); use --allow-from or an internal load balancer to restrict".to_string()
        }
        None => "to whoever the load balancer admits (its annotations decide whether it is internal)".to_string(),
    }
}

/// What a Service exposure of zoo-entrance or Prometheus opens, to whom.
fn service_access(what: &str, exposure: &ServiceExposure, ports: &[i32], network_policy: bool) -> String {
    let whom = if exposure.public {
        "to ANYONE who reaches it (--public)".to_string()
    } else if !exposure.allow_from.is_empty() {
        let guard = if network_policy {
            "source ranges and NetworkPolicy"
        } else {
            "source ranges"
        };
        format!("to clients from {} only ({guard})", exposure.allow_from.join(", "))
    } else {
        match exposure.kind {
            ExposureType::Loadbalancer => load_balancer_whom(&exposure.annotations),
            ExposureType::Nodeport => "to anyone who can reach the nodes".to_string(),
        }
    };
    match exposure.kind {
        ExposureType::Loadbalancer => format!("opens {what} on a load balancer {whom}"),
        ExposureType::Nodeport => format!("opens {what} on NodePort{} of every node {whom}", port_list(ports)),
    }
}

/// " 31234" or "s 31234, 31235": the ports when known.
fn port_list(ports: &[i32]) -> String {
    match ports {
        [] => String::new(),
        [one] => format!(" {one}"),
        many => format!("s {}", many.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")),
    }
}

pub fn prometheus_url(ingress: &IngressSpec) -> String {
    let scheme = if ingress.tls_secret.is_some() { "https" } else { "http" };
    format!("{scheme}://{}/", ingress.host)
}

/// Warnings about what the change makes possible.
pub fn risks(change: &Change) -> Vec<String> {
    let spec = &change.spec;
    let mut out = Vec::new();
    match &change.target {
        Target::Kafka { listener } if !change.removing => {
            if let Some(l) = spec.listeners.get(listener) {
                if l.authentication == ListenerAuth::None {
                    out.push(format!(
                        "listener \"{listener}\" has no authentication: whoever reaches it can read and write every topic; add --auth scram-sha-512"
                    ));
                }
                if !l.tls {
                    out.push(format!(
                        "listener \"{listener}\" is unencrypted: messages cross the network in clear text; add --tls"
                    ));
                }
            }
        }
        Target::Jmx if !spec.jmx.password_auth && spec.jmx.node_port_services => out.push(
            "JMX has no password: whoever reaches a node can run code in the brokers; run `expose NAME jmx` without --no-auth to require one".to_string(),
        ),
        Target::Zookeeper if spec.zoo_entrance.expose.as_ref().is_some_and(|e| e.public) => out.push(
            "ZooKeeper is public and unauthenticated: anyone who reaches it can read and change Kafka's metadata".to_string(),
        ),
        Target::Prometheus if spec.prometheus.ingress.is_some() || spec.prometheus.expose.is_some() => out.push(
            "Prometheus has no authentication: whoever reaches it can read every metric and the scrape configuration (its lifecycle API, which could stop it, is off)".to_string(),
        ),
        _ => {}
    }
    out
}
