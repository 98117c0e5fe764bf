//! Who may connect: the question to ask before an expose opens a component to anyone who
//! reaches it. DESIGN's rule: nothing is exposed to anyone without an explicit yes.

use super::access::prometheus_url;
use super::{Change, Target};
use crate::spec::{ClusterSpec, ExposureType, ListenerAuth, ListenerSpec, ListenerType, ServiceExposure};

/// The question to ask before `change` opens its component to anyone who
/// reaches it, or `None` when what it opens is limited (authentication,
/// source ranges, a NetworkPolicy, an internal load balancer) or was already
/// open in just this way before (a re-run asks nothing). DESIGN's rule:
/// nothing is exposed to anyone without an explicit yes (`--yes` in scripts).
pub fn confirmation(change: &Change, old: &ClusterSpec) -> Option<String> {
    if change.removing {
        return None;
    }
    let spec = &change.spec;
    let c = &spec.name;
    match &change.target {
        Target::Kafka { listener } => {
            let new = spec.listeners.get(listener)?;
            if old.listeners.get(listener) == Some(new) || new.authentication != ListenerAuth::None {
                return None;
            }
            let reach = listener_open_to_anyone(new)?;
            Some(format!(
                "Open Kafka listener \"{listener}\" of {c} WITHOUT authentication {reach}? Whoever connects can read and write every topic"
            ))
        }
        Target::Jmx => {
            let open = |jmx: &crate::spec::JmxSpec| jmx.enabled && jmx.node_port_services && !jmx.password_auth;
            (open(&spec.jmx) && !open(&old.jmx)).then(|| {
                format!(
                    "Open JMX of every broker of {c} WITHOUT a password on a NodePort? Anyone who reaches a node can then run code in the brokers"
                )
            })
        }
        Target::Zookeeper => {
            let new = spec.zoo_entrance.expose.as_ref()?;
            if old.zoo_entrance.expose.as_ref() == Some(new) {
                return None;
            }
            let reach = service_open_to_anyone(new)?;
            Some(format!(
                "Open ZooKeeper of {c} (zoo-entrance, 2181, no authentication) {reach}? Whoever connects can read and change Kafka's metadata"
            ))
        }
        Target::Prometheus => {
            let prometheus = &spec.prometheus;
            let opened_ingress = prometheus
                .ingress
                .as_ref()
                .filter(|i| old.prometheus.ingress.as_ref() != Some(*i))
                .map(|i| format!("at {} to anyone who reaches the ingress controller", prometheus_url(i)));
            let opened_service = prometheus
                .expose
                .as_ref()
                .filter(|e| old.prometheus.expose.as_ref() != Some(*e))
                .and_then(service_open_to_anyone);
            let reach = opened_ingress.or(opened_service)?;
            Some(format!(
                "Open Prometheus of {c} (web UI and HTTP API, no authentication) {reach}? Whoever connects can read every metric and the scrape configuration"
            ))
        }
    }
}

/// How an unauthenticated listener would be open to anyone, or `None` when
/// source ranges (or a NetworkPolicy) or an internal load balancer limit it.
fn listener_open_to_anyone(listener: &ListenerSpec) -> Option<String> {
    let limited = !listener.allow_from.is_empty();
    match listener.kind {
        ListenerType::Nodeport if !limited => {
            Some("on a NodePort of every node to anyone who can reach the nodes".into())
        }
        ListenerType::Loadbalancer if !limited && listener.annotations.is_empty() => {
            Some("on load balancers with no internal-load-balancer annotation (public on most clouds)".into())
        }
        ListenerType::Ingress => Some(format!(
            "at {} to anyone who reaches the ingress controller",
            listener.host.as_deref().unwrap_or("its host")
        )),
        ListenerType::Route => Some("through OpenShift routes to anyone who reaches the router".into()),
        _ => None,
    }
}

/// How a Service exposure of zoo-entrance or Prometheus would be open to
/// anyone, or `None` when it is limited. A load balancer with annotations
/// kafkactl does not know is the annotations' business (validation warns).
fn service_open_to_anyone(exposure: &ServiceExposure) -> Option<String> {
    if !exposure.allow_from.is_empty() {
        return None;
    }
    match exposure.kind {
        ExposureType::Loadbalancer if exposure.public || exposure.annotations.is_empty() => {
            Some("on a load balancer to anyone who reaches it (--public)".into())
        }
        ExposureType::Loadbalancer => None,
        ExposureType::Nodeport => Some("on a NodePort of every node to anyone who can reach the nodes".into()),
    }
}
