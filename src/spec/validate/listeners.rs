//! Listeners: ports Strimzi accepts, NodePorts Kubernetes accepts, the fields
//! each listener type takes, host names, TLS and client authentication.

use std::collections::BTreeMap;

use super::syntax::{cidr_problem, subdomain_violations};
use crate::spec::model::{ClusterSpec, ListenerAuth, ListenerSpec, ListenerType, StrimziApi};
use crate::spec::names::predicted_node_ids;
use crate::spec::problem::Report;

/// The lowest listener port Strimzi allows.
const MIN_LISTENER_PORT: i32 = 9092;
/// Ports of the JMX exporter (9404) and JMX (9999) on every broker.
const FORBIDDEN_PORTS: [(i32, &str); 2] = [(9404, "the Prometheus metrics exporter"), (9999, "JMX")];
/// Strimzi's own listeners: control plane (9090) and replication (9091).
const RESERVED_PORTS: [(i32, &str); 2] = [(9090, "control plane"), (9091, "replication")];
/// Kubernetes' default `--service-node-port-range`.
const NODE_PORT_RANGE: (i32, i32) = (30000, 32767);

pub(super) fn validate_listeners(spec: &ClusterSpec, report: &mut Report) {
    if spec.listeners.is_empty() {
        report.error(
            "listeners",
            "at least one listener is required, e.g. --listener plain:9092:internal",
        );
        return;
    }
    let brokers = broker_ids(spec);
    let mut ports: BTreeMap<i32, &str> = BTreeMap::new();
    let mut node_ports: BTreeMap<i32, String> = BTreeMap::new();
    for (name, listener) in &spec.listeners {
        let prefix = format!("listeners.{name}");
        validate_port(spec, &prefix, name, listener.port, &mut ports, report);
        validate_node_ports(&prefix, listener, &brokers, &mut node_ports, report);
        validate_hosts(&prefix, listener, &brokers, report);
        validate_type_rules(spec.strimzi_api, &prefix, listener, report);
        validate_allow_from(&prefix, listener, report);
        super::exposure::check_annotations(&format!("{prefix}.annotations"), &listener.annotations, report);
    }
}

/// The node ids the brokers will have (kafkactl pins each pool's id range).
fn broker_ids(spec: &ClusterSpec) -> Vec<i32> {
    let mut ids: Vec<i32> = spec
        .broker_pools()
        .flat_map(|(name, _)| predicted_node_ids(spec, name))
        .collect();
    ids.sort_unstable();
    ids
}

fn list_ids(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
}

/// A port no listener uses and Strimzi allows, for suggestions.
fn free_port(spec: &ClusterSpec) -> i32 {
    (MIN_LISTENER_PORT..)
        .find(|p| {
            !spec.listeners.values().any(|l| l.port == *p)
                && !FORBIDDEN_PORTS.iter().chain(&RESERVED_PORTS).any(|(q, _)| q == p)
        })
        .unwrap_or(MIN_LISTENER_PORT)
}

fn validate_port<'a>(
    spec: &ClusterSpec,
    prefix: &str,
    name: &'a str,
    port: i32,
    ports: &mut BTreeMap<i32, &'a str>,
    report: &mut Report,
) {
    let field = format!("{prefix}.port");
    let suggestion = free_port(spec);
    if let Some((_, listener)) = RESERVED_PORTS.iter().find(|(p, _)| *p == port) {
        report.error(
            field,
            format!("port {port} is reserved by Strimzi for its {listener} listener; use e.g. {suggestion}"),
        );
    } else if port < MIN_LISTENER_PORT {
        report.error(
            field,
            format!(
                "port {port} is below {MIN_LISTENER_PORT}, the lowest port Strimzi allows for a listener (clients reach it through the listener's Service, NodePort or load balancer); use e.g. {suggestion}"
            ),
        );
    } else if port > 65535 {
        report.error(field, format!("port {port} is above 65535; use e.g. {suggestion}"));
    } else if let Some((_, user)) = FORBIDDEN_PORTS.iter().find(|(p, _)| *p == port) {
        report.error(
            field,
            format!("port {port} is forbidden: every broker uses it for {user}; use e.g. {suggestion}"),
        );
    } else if let Some(other) = ports.get(&port) {
        report.error(
            field,
            format!("port {port} is already used by listener \"{other}\"; every listener needs its own port, e.g. {suggestion}"),
        );
    } else {
        ports.insert(port, name);
    }
}

fn validate_node_ports(
    prefix: &str,
    listener: &ListenerSpec,
    brokers: &[i32],
    seen: &mut BTreeMap<i32, String>,
    report: &mut Report,
) {
    if listener.kind != ListenerType::Nodeport {
        let kind = listener.kind.as_str();
        let wrong = |field: &str| {
            format!("only nodeport listeners take NodePorts, this one is {kind}; set type: nodeport or remove {field}")
        };
        if listener.bootstrap_node_port.is_some() {
            report.error(format!("{prefix}.bootstrapNodePort"), wrong("bootstrapNodePort"));
        }
        if !listener.broker_node_ports.is_empty() {
            report.error(format!("{prefix}.brokerNodePorts"), wrong("brokerNodePorts"));
        }
        return;
    }
    if let Some(port) = listener.bootstrap_node_port {
        check_node_port(format!("{prefix}.bootstrapNodePort"), port, seen, report);
    }
    for (id, port) in &listener.broker_node_ports {
        let field = format!("{prefix}.brokerNodePorts.{id}");
        if !brokers.contains(id) {
            report.warning(
                field.clone(),
                format!(
                    "node id {id} is not a broker of this spec (the brokers get node ids {}), so this NodePort is not used",
                    list_ids(brokers)
                ),
            );
        }
        check_node_port(field, *port, seen, report);
    }
}

/// In Kubernetes' NodePort range and used once across all listeners.
fn check_node_port(field: String, port: i32, seen: &mut BTreeMap<i32, String>, report: &mut Report) {
    let (low, high) = NODE_PORT_RANGE;
    if !(low..=high).contains(&port) {
        report.error(
            field,
            format!(
                "NodePort {port} is outside the range {low}-{high} that Kubernetes allocates NodePorts from; pick one in that range, or leave it unset to let Kubernetes choose"
            ),
        );
    } else if let Some(other) = seen.get(&port) {
        report.error(
            field,
            format!(
                "NodePort {port} is already used by {other}; every NodePort must be unique in the Kubernetes cluster"
            ),
        );
    } else {
        seen.insert(port, field);
    }
}

/// Ingress listeners need a bootstrap host and one per broker; routes may
/// leave them to OpenShift; other types take none.
fn validate_hosts(prefix: &str, listener: &ListenerSpec, brokers: &[i32], report: &mut Report) {
    let kind = listener.kind;
    if !matches!(kind, ListenerType::Ingress | ListenerType::Route) {
        let wrong = |field: &str| {
            format!(
                "only ingress and route listeners take host names, this one is {}; remove {field}",
                kind.as_str()
            )
        };
        if listener.host.is_some() {
            report.error(format!("{prefix}.host"), wrong("host"));
        }
        if !listener.broker_hosts.is_empty() {
            report.error(format!("{prefix}.brokerHosts"), wrong("brokerHosts"));
        }
        return;
    }
    match listener.host.as_deref() {
        None | Some("") if kind == ListenerType::Ingress => report.error(
            format!("{prefix}.host"),
            "ingress listeners need a bootstrap host name that resolves to the ingress controller, e.g. host: kafka.example.com (set it and brokerHosts in a preset file)",
        ),
        Some(host) if !host.is_empty() => check_host(format!("{prefix}.host"), host, report),
        _ => {}
    }
    for (id, host) in &listener.broker_hosts {
        let field = format!("{prefix}.brokerHosts.{id}");
        if !brokers.contains(id) {
            report.warning(
                field.clone(),
                format!(
                    "node id {id} is not a broker of this spec (the brokers get node ids {}), so this host is not used",
                    list_ids(brokers)
                ),
            );
        }
        check_host(field, host, report);
    }
    let missing: Vec<i32> = brokers
        .iter()
        .copied()
        .filter(|id| !listener.broker_hosts.contains_key(id))
        .collect();
    if kind == ListenerType::Ingress && !missing.is_empty() {
        let example = missing
            .iter()
            .map(|id| format!("{id}: broker-{id}.kafka.example.com"))
            .collect::<Vec<_>>()
            .join(", ");
        report.error(
            format!("{prefix}.brokerHosts"),
            format!(
                "ingress listeners need a host per broker; missing for node ids {} (set brokerHosts: {{{example}}} in a preset file)",
                list_ids(&missing)
            ),
        );
    }
}

fn check_host(field: String, host: &str, report: &mut Report) {
    let violations = subdomain_violations(host);
    if !violations.is_empty() {
        report.error(
            field,
            format!(
                "\"{host}\" is not a host name: it {}; e.g. kafka.example.com",
                violations.join(", ")
            ),
        );
    }
}

/// TLS, authentication and the type-specific fields.
fn validate_type_rules(api: StrimziApi, prefix: &str, listener: &ListenerSpec, report: &mut Report) {
    match listener.kind {
        ListenerType::Ingress if !listener.tls => report.error(
            format!("{prefix}.tls"),
            "ingress listeners need tls: true: Strimzi exposes Kafka through the ingress controller with TLS passthrough, routed by SNI",
        ),
        ListenerType::Route if !listener.tls => report.error(
            format!("{prefix}.tls"),
            "route listeners need tls: true: OpenShift routes pass Kafka's TLS through, routed by SNI",
        ),
        _ => {}
    }
    if listener.kind == ListenerType::Route {
        report.warning(
            format!("{prefix}.type"),
            "route listeners only work on OpenShift (they create OpenShift Routes); elsewhere use loadbalancer, nodeport or ingress",
        );
    }
    if listener.kind == ListenerType::Ingress && api == StrimziApi::V1 {
        report.warning(
            format!("{prefix}.type"),
            "Strimzi 1.x deprecates ingress listeners; loadbalancer or nodeport listeners are the lasting choice",
        );
    }
    if listener.ingress_class.is_some() && listener.kind != ListenerType::Ingress {
        report.error(
            format!("{prefix}.ingressClass"),
            format!(
                "only ingress listeners take an ingress class, this one is {}; remove ingressClass",
                listener.kind.as_str()
            ),
        );
    }
    if listener.authentication == ListenerAuth::Tls && !listener.tls {
        report.error(
            format!("{prefix}.authentication"),
            "tls client authentication needs an encrypted listener: set tls: true, or use authentication: scram-sha-512",
        );
    }
}

/// `allowFrom` becomes loadBalancerSourceRanges on load balancers and the
/// listener's NetworkPolicy peers on NodePorts: CIDRs, those two types only.
fn validate_allow_from(prefix: &str, listener: &ListenerSpec, report: &mut Report) {
    if listener.allow_from.is_empty() {
        return;
    }
    if !matches!(listener.kind, ListenerType::Loadbalancer | ListenerType::Nodeport) {
        report.error(
            format!("{prefix}.allowFrom"),
            format!(
                "allowFrom only applies to loadbalancer listeners (loadBalancerSourceRanges) and nodeport listeners (NetworkPolicy), this one is {}; an ingress controller's own allow-list annotation (--annotation) or a firewall restricts the others",
                listener.kind.as_str()
            ),
        );
    }
    for (i, cidr) in listener.allow_from.iter().enumerate() {
        if let Some(problem) = cidr_problem(cidr) {
            report.error(
                format!("{prefix}.allowFrom[{i}]"),
                format!("\"{cidr}\" is not a CIDR: {problem}; write address/prefix, e.g. 10.0.0.0/8 or 2001:db8::/32"),
            );
        }
    }
}
