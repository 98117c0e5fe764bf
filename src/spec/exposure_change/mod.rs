//! What one `expose` changes, decided before anything is written: the new spec, the
//! client KafkaUser, and notes on how the request was read. Pure: plain request structs
//! in (the command builds them from its flags), a `Change` or an `ExposeRefusal` out.
//! `reach` says who may connect (the question before opening to anyone), `access` what
//! is opened to whom.

pub mod access;
pub mod reach;

use std::collections::{BTreeMap, BTreeSet};

use super::validate::INTERNAL_LOAD_BALANCERS;
use super::{ClusterSpec, ExposureType, IngressSpec, ListenerAuth, ListenerSpec, ListenerType, ServiceExposure, names};

pub use access::{access, own_services, pinned_node_ports, prometheus_url, risks};
pub use reach::confirmation;

/// Ports a listener may not take: the JMX exporter's and JMX's.
const FORBIDDEN_LISTENER_PORTS: [i32; 2] = [9404, 9999];
const FIRST_EXTERNAL_PORT: i32 = 9094;

/// Which component an expose is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Kafka { listener: String },
    Jmx,
    Zookeeper,
    Prometheus,
}

impl Target {
    pub fn as_str(&self) -> &'static str {
        match self {
            Target::Kafka { .. } => "kafka",
            Target::Jmx => "jmx",
            Target::Zookeeper => "zookeeper",
            Target::Prometheus => "prometheus",
        }
    }
}

/// The client KafkaUser of the listener a Kafka expose is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    /// Not a Kafka listener: no KafkaUser is involved.
    None,
    /// The listener authenticates clients: its client KafkaUser is applied.
    Apply,
    /// The listener does not (or is gone): its client KafkaUser is deleted if it is there.
    Delete,
}

/// One broker: its pool and node id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Broker {
    pub pool: String,
    pub id: i32,
}

/// What one expose changes, decided before anything is written.
#[derive(Debug, Clone)]
pub struct Change {
    pub target: Target,
    pub spec: ClusterSpec,
    pub removing: bool,
    /// Things the user should know about how the request was read.
    pub notes: Vec<String>,
    pub user: UserChange,
    /// A question that needs a yes before anything is applied (see [`confirmation`]).
    pub confirm: Option<String>,
}

/// `expose kafka`: add or change the external listener `listener`, or remove `remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KafkaExposeRequest {
    pub listener: String,
    /// Remove this listener instead; the other fields are not read.
    pub remove: Option<String>,
    /// `None`: the request did not say (a refusal, `--type` is required).
    pub kind: Option<ListenerType>,
    pub port: Option<i32>,
    pub tls: bool,
    pub authentication: ListenerAuth,
    /// The bootstrap NodePort; brokers get the ports after it.
    pub node_port: Option<i32>,
    pub host: Option<String>,
    pub ingress_class: Option<String>,
    pub annotations: Vec<(String, String)>,
    pub allow_from: Vec<String>,
}

/// `expose jmx`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JmxExposeRequest {
    pub remove: bool,
    pub password: bool,
}

/// Who may reach an exposed Service (zoo-entrance's, Prometheus'), and its annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// The internal-load-balancer preset (`aliyun-intranet`, …) whose annotations to add.
    pub internal_load_balancer: Option<&'static str>,
    pub annotations: Vec<(String, String)>,
    pub allow_from: Vec<String>,
    pub public: bool,
    pub node_port: Option<i32>,
}

/// `expose zookeeper`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZookeeperExposeRequest {
    pub remove: bool,
    pub kind: ExposureType,
    pub reach: Reach,
}

/// `expose prometheus`: an Ingress on `ingress`, or the Service as `kind` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrometheusExposeRequest {
    pub remove: bool,
    pub ingress: Option<String>,
    pub ingress_class: Option<String>,
    pub tls_secret: Option<String>,
    /// The Service type, when the request names one.
    pub kind: Option<ExposureType>,
    pub reach: Reach,
}

/// A listener setting that only some listener types take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerOption {
    NodePort,
    Host,
    IngressClass,
    AllowFrom,
}

/// Why an expose request cannot be carried out; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExposeRefusal {
    #[error("the listener type is required (nodeport, loadbalancer, ingress or route)")]
    ListenerTypeMissing,
    #[error("listener \"{name}\" is a {} listener that clients inside the cluster use; expose adds external listeners", .kind.as_str())]
    ListenerIsInternal { name: String, kind: ListenerType },
    #[error("{option:?} does not apply to a {} listener", .kind.as_str())]
    OptionMisfit { option: ListenerOption, kind: ListenerType },
    #[error("an ingress listener needs the bootstrap host name")]
    IngressNeedsHost,
    #[error("cluster \"{cluster}\" keeps its metadata in KRaft: it has no ZooKeeper to expose")]
    NoZookeeper { cluster: String },
    #[error(
        "kafkactl runs no Prometheus for cluster \"{cluster}\" (it is off, or a prometheus-operator scrapes the cluster)"
    )]
    NoStandalonePrometheus { cluster: String },
    #[error("Service settings do not apply to an Ingress")]
    ServiceSettingsWithIngress,
    #[error("neither an Ingress host nor a Service type was given for Prometheus")]
    PrometheusExposureMissing,
    #[error("an internal load balancer does not apply to a NodePort")]
    InternalLoadBalancerOnNodePort,
    #[error("no annotations known for internal load balancer {preset}")]
    UnknownInternalLoadBalancer { preset: String },
}

/// The brokers with the node ids `node_ids` gives each pool, in node-id order.
pub fn brokers(spec: &ClusterSpec, node_ids: impl Fn(&str) -> Vec<i32>) -> Vec<Broker> {
    let mut out: Vec<Broker> = spec
        .broker_pools()
        .flat_map(|(pool, _)| {
            node_ids(pool)
                .into_iter()
                .map(move |id| Broker { pool: pool.clone(), id })
        })
        .collect();
    out.sort_by_key(|b| b.id);
    out
}

/// `expose kafka`: add, change or remove an external listener.
pub fn kafka_change(
    spec: &ClusterSpec,
    request: &KafkaExposeRequest,
    brokers: &[Broker],
) -> Result<Change, ExposeRefusal> {
    let mut new = spec.clone();
    if let Some(listener) = &request.remove {
        return Ok(remove_listener(new, listener));
    }
    let name = request.listener.clone();
    let kind = request.kind.ok_or(ExposeRefusal::ListenerTypeMissing)?;
    let existing = spec.listeners.get(&name);
    if let Some(current) = existing
        && !current.kind.is_external()
    {
        return Err(ExposeRefusal::ListenerIsInternal {
            name,
            kind: current.kind,
        });
    }
    check_options_fit_type(request, kind)?;
    let mut notes = Vec::new();
    let authentication = request.authentication;
    let mut tls = request.tls;
    if !tls && authentication == ListenerAuth::Tls {
        tls = true;
        notes.push("--auth tls uses client certificates, so the listener uses TLS (--tls)".to_string());
    }
    if !tls && matches!(kind, ListenerType::Ingress | ListenerType::Route) {
        tls = true;
        notes.push(format!(
            "{} listeners pass TLS through to the brokers, so the listener uses TLS (--tls)",
            kind.as_str()
        ));
    }
    let port = request
        .port
        .or(existing.map(|l| l.port))
        .unwrap_or_else(|| free_listener_port(spec));
    let ids: Vec<i32> = brokers.iter().map(|b| b.id).collect();
    let listener = ListenerSpec {
        port,
        kind,
        tls,
        authentication,
        bootstrap_node_port: request.node_port,
        broker_node_ports: match request.node_port {
            Some(first) => ids.iter().zip(1..).map(|(id, offset)| (*id, first + offset)).collect(),
            None => BTreeMap::new(),
        },
        host: request.host.clone(),
        broker_hosts: match (&request.host, kind) {
            (Some(host), ListenerType::Ingress) => ids.iter().map(|id| (*id, format!("broker-{id}.{host}"))).collect(),
            _ => BTreeMap::new(),
        },
        ingress_class: request.ingress_class.clone(),
        annotations: request.annotations.iter().cloned().collect(),
        allow_from: request.allow_from.clone(),
    };
    let user = match authentication {
        ListenerAuth::None => UserChange::Delete,
        ListenerAuth::ScramSha512 | ListenerAuth::Tls => UserChange::Apply,
    };
    new.listeners.insert(name.clone(), listener);
    Ok(Change {
        target: Target::Kafka { listener: name },
        spec: new,
        removing: false,
        notes,
        user,
        confirm: None,
    })
}

fn remove_listener(mut spec: ClusterSpec, listener: &str) -> Change {
    let mut notes = Vec::new();
    match spec.listeners.get(listener) {
        // Still a success, so that removing twice is idempotent; the names
        // there are make a typo visible.
        None => notes.push(format!(
            "listener \"{listener}\" is not there; nothing to remove (listeners: {})",
            spec.listeners.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
        Some(l) if !l.kind.is_external() => notes.push(format!(
            "listener \"{listener}\" is {}, not exposed outside the cluster; it stays",
            l.kind.as_str()
        )),
        Some(_) => {
            spec.listeners.remove(listener);
        }
    }
    Change {
        target: Target::Kafka {
            listener: listener.to_string(),
        },
        spec,
        removing: true,
        notes,
        user: UserChange::Delete,
        confirm: None,
    }
}

/// Settings that only one listener type takes.
fn check_options_fit_type(request: &KafkaExposeRequest, kind: ListenerType) -> Result<(), ExposeRefusal> {
    let misfit = |option| Err(ExposeRefusal::OptionMisfit { option, kind });
    if request.node_port.is_some() && kind != ListenerType::Nodeport {
        return misfit(ListenerOption::NodePort);
    }
    if request.host.is_some() && !matches!(kind, ListenerType::Ingress | ListenerType::Route) {
        return misfit(ListenerOption::Host);
    }
    if request.ingress_class.is_some() && kind != ListenerType::Ingress {
        return misfit(ListenerOption::IngressClass);
    }
    if !request.allow_from.is_empty() && !matches!(kind, ListenerType::Nodeport | ListenerType::Loadbalancer) {
        return misfit(ListenerOption::AllowFrom);
    }
    if kind == ListenerType::Ingress && request.host.is_none() {
        return Err(ExposeRefusal::IngressNeedsHost);
    }
    Ok(())
}

/// The first port from 9094 that no listener uses and Strimzi allows.
fn free_listener_port(spec: &ClusterSpec) -> i32 {
    let used: BTreeSet<i32> = spec.listeners.values().map(|l| l.port).collect();
    (FIRST_EXTERNAL_PORT..)
        .find(|p| !used.contains(p) && !FORBIDDEN_LISTENER_PORTS.contains(p))
        .unwrap_or(FIRST_EXTERNAL_PORT)
}

/// `expose jmx`: JMX on, password by default, one NodePort Service per broker.
pub fn jmx_change(spec: &ClusterSpec, request: JmxExposeRequest) -> Change {
    let mut new = spec.clone();
    let mut notes = Vec::new();
    if request.remove {
        if !spec.jmx.node_port_services {
            notes.push("JMX is not exposed; nothing to remove".to_string());
        }
        new.jmx.node_port_services = false;
        if spec.jmx.enabled {
            notes.push(format!(
                "JMX stays on inside the cluster (port 9999 of each broker pod{})",
                if spec.jmx.password_auth {
                    format!(", credentials in Secret {}", names::jmx_secret(&spec.name))
                } else {
                    String::new()
                }
            ));
        }
    } else {
        if !spec.jmx.enabled {
            notes.push("turning JMX on rolls the brokers one by one".to_string());
        }
        new.jmx.enabled = true;
        new.jmx.node_port_services = true;
        new.jmx.password_auth = request.password;
        if request.password && !spec.jmx.password_auth && spec.jmx.enabled {
            notes.push("JMX now asks for a password; this rolls the brokers".to_string());
        }
    }
    Change {
        target: Target::Jmx,
        spec: new,
        removing: request.remove,
        notes,
        user: UserChange::None,
        confirm: None,
    }
}

/// `expose zookeeper`: zoo-entrance behind a LoadBalancer or NodePort.
pub fn zookeeper_change(spec: &ClusterSpec, request: &ZookeeperExposeRequest) -> Result<Change, ExposeRefusal> {
    if !spec.is_zookeeper() {
        return Err(ExposeRefusal::NoZookeeper {
            cluster: spec.name.clone(),
        });
    }
    let mut new = spec.clone();
    let mut notes = Vec::new();
    if request.remove {
        if spec.zoo_entrance.expose.is_none() {
            notes.push("ZooKeeper is not exposed; nothing to remove".to_string());
        }
        new.zoo_entrance.expose = None;
    } else {
        if !spec.zoo_entrance.enabled {
            notes.push("zoo-entrance was off; it is deployed now".to_string());
        }
        new.zoo_entrance.enabled = true;
        new.zoo_entrance.expose = Some(service_exposure(request.kind, &request.reach)?);
    }
    Ok(Change {
        target: Target::Zookeeper,
        spec: new,
        removing: request.remove,
        notes,
        user: UserChange::None,
        confirm: None,
    })
}

/// `expose prometheus`: an Ingress, or a LoadBalancer/NodePort Service.
pub fn prometheus_change(spec: &ClusterSpec, request: &PrometheusExposeRequest) -> Result<Change, ExposeRefusal> {
    if !spec.prometheus.standalone() {
        return Err(ExposeRefusal::NoStandalonePrometheus {
            cluster: spec.name.clone(),
        });
    }
    let mut new = spec.clone();
    let mut notes = Vec::new();
    let reach = &request.reach;
    if request.remove {
        if spec.prometheus.expose.is_none() && spec.prometheus.ingress.is_none() {
            notes.push("Prometheus is not exposed; nothing to remove".to_string());
        }
        new.prometheus.expose = None;
        new.prometheus.ingress = None;
    } else if let Some(host) = &request.ingress {
        if reach.internal_load_balancer.is_some()
            || !reach.allow_from.is_empty()
            || reach.public
            || reach.node_port.is_some()
        {
            return Err(ExposeRefusal::ServiceSettingsWithIngress);
        }
        new.prometheus.ingress = Some(IngressSpec {
            host: host.clone(),
            class: request.ingress_class.clone(),
            tls_secret: request.tls_secret.clone(),
            annotations: reach.annotations.iter().cloned().collect(),
        });
    } else if let Some(kind) = request.kind {
        new.prometheus.expose = Some(service_exposure(kind, reach)?);
    } else {
        return Err(ExposeRefusal::PrometheusExposureMissing);
    }
    Ok(Change {
        target: Target::Prometheus,
        spec: new,
        removing: request.remove,
        notes,
        user: UserChange::None,
        confirm: None,
    })
}

/// A Service exposure from the request; an internal-load-balancer preset adds its
/// cloud's annotations under the free ones.
fn service_exposure(kind: ExposureType, reach: &Reach) -> Result<ServiceExposure, ExposeRefusal> {
    let mut annotations = BTreeMap::new();
    if let Some(preset) = reach.internal_load_balancer {
        if kind != ExposureType::Loadbalancer {
            return Err(ExposeRefusal::InternalLoadBalancerOnNodePort);
        }
        let known = INTERNAL_LOAD_BALANCERS
            .iter()
            .find(|lb| lb.preset == preset)
            .ok_or_else(|| ExposeRefusal::UnknownInternalLoadBalancer {
                preset: preset.to_string(),
            })?;
        annotations.extend(known.annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    }
    annotations.extend(reach.annotations.iter().cloned());
    Ok(ServiceExposure {
        kind,
        annotations,
        allow_from: reach.allow_from.clone(),
        public: reach.public,
        node_port: reach.node_port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodeport(listener: &str) -> KafkaExposeRequest {
        KafkaExposeRequest {
            listener: listener.into(),
            kind: Some(ListenerType::Nodeport),
            ..KafkaExposeRequest::default()
        }
    }

    fn brokers_0_to_2() -> Vec<Broker> {
        (0..3)
            .map(|id| Broker {
                pool: "brokers".into(),
                id,
            })
            .collect()
    }

    #[test]
    fn a_kafka_request_without_a_listener_type_is_refused() {
        let request = KafkaExposeRequest {
            kind: None,
            ..nodeport("external")
        };
        let refused = kafka_change(&ClusterSpec::default(), &request, &[]).unwrap_err();
        assert_eq!(refused, ExposeRefusal::ListenerTypeMissing);
    }

    #[test]
    fn a_host_on_a_nodeport_listener_is_refused_as_a_misfit() {
        let request = KafkaExposeRequest {
            host: Some("kafka.example.com".into()),
            ..nodeport("external")
        };
        let refused = kafka_change(&ClusterSpec::default(), &request, &[]).unwrap_err();
        assert_eq!(
            refused,
            ExposeRefusal::OptionMisfit {
                option: ListenerOption::Host,
                kind: ListenerType::Nodeport
            }
        );
    }

    #[test]
    fn a_node_port_pins_the_bootstrap_and_one_port_per_broker_after_it() {
        let request = KafkaExposeRequest {
            node_port: Some(31000),
            authentication: ListenerAuth::ScramSha512,
            ..nodeport("external")
        };
        let change = kafka_change(&ClusterSpec::default(), &request, &brokers_0_to_2()).unwrap();
        let listener = &change.spec.listeners["external"];
        assert_eq!(listener.bootstrap_node_port, Some(31000));
        assert_eq!(
            listener.broker_node_ports,
            BTreeMap::from([(0, 31001), (1, 31002), (2, 31003)])
        );
        assert_eq!(change.user, UserChange::Apply);
        assert_eq!(
            pinned_node_ports(&change).first(),
            Some(&(31000, "the bootstrap of listener \"external\"".to_string()))
        );
    }

    #[test]
    fn an_internal_load_balancer_preset_does_not_fit_a_node_port() {
        let request = ZookeeperExposeRequest {
            remove: false,
            kind: ExposureType::Nodeport,
            reach: Reach {
                internal_load_balancer: Some("aliyun-intranet"),
                ..Reach::default()
            },
        };
        let mut spec = ClusterSpec::default();
        spec.metadata = crate::spec::MetadataMode::Zookeeper;
        assert_eq!(
            zookeeper_change(&spec, &request).unwrap_err(),
            ExposeRefusal::InternalLoadBalancerOnNodePort
        );
    }

    #[test]
    fn free_listener_port_skips_used_and_forbidden_ports() {
        let mut spec = ClusterSpec::default();
        for (name, port) in [("a", 9092), ("b", 9094), ("c", 9095)] {
            spec.listeners.insert(
                name.to_string(),
                ListenerSpec {
                    port,
                    ..ListenerSpec::default()
                },
            );
        }
        assert_eq!(free_listener_port(&spec), 9096);
    }
}
