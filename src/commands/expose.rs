//! `kafkactl expose NAME kafka|jmx|zookeeper|prometheus`: change the stored
//! spec so that a component is reachable from outside the Kubernetes cluster
//! (or, with `--remove`, no longer is), apply it through the shared change
//! path, wait, and say where it answers, to whom it is open, and where the
//! credentials are.
//!
//! The decision (`Change`) and the words about it are pure; the I/O is
//! loading, the NodePort check, applying, the client KafkaUser, and reading
//! the addresses back.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::common::{ChangeOptions, LoadedCluster, apply_change, live_context, load_cluster, validated};
use crate::cli::GlobalArgs;
use crate::cli::expose::{
    ExposeApplyArgs, ExposeArgs, ExposeTarget, JmxExposeArgs, KafkaAuthArg, KafkaExposeArgs, KafkaExposeType,
    PrometheusExposeArgs, ReachArgs, ServiceExposeType, ZookeeperExposeArgs,
};
use crate::cluster::apply::{Action, AppliedObject, ApplyLog, ApplyOptions, ObjectRef, apply_plan};
use crate::cluster::exposure::{
    Endpoints, delete_if_present, read_endpoints, taken_node_ports, wait_for_load_balancer,
};
use crate::cluster::inventory::{before_state, get_kafka};
use crate::error::{Failure, FailureKind};
use crate::render::kafka_user::{self, SCRAM_SECRET_KEYS, TLS_SECRET_KEYS};
use crate::render::{self, Plan, RenderContext, Wave};
use crate::spec::names;
use crate::spec::validate::{INTERNAL_LOAD_BALANCERS, internal_load_balancer};
use crate::spec::{ClusterSpec, ExposureType, IngressSpec, ListenerAuth, ListenerSpec, ListenerType, ServiceExposure};
use crate::ui;
use crate::ui::output::TextOutput;

/// Ports a listener may not take: the JMX exporter's and JMX's.
const FORBIDDEN_LISTENER_PORTS: [i32; 2] = [9404, 9999];
const FIRST_EXTERNAL_PORT: i32 = 9094;
const ZOOKEEPER_PORT: i32 = 2181;
const PROMETHEUS_PORT: i32 = 9090;
/// Ingress and route listeners are reached through TLS passthrough on 443.
const TLS_PASSTHROUGH_PORT: i32 = 443;

pub fn run(global: &GlobalArgs, args: ExposeArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let log = ApplyLog::default();
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = expose(global, &args, &log) => result,
            _ = tokio::signal::ctrl_c() => Err(interrupted(&log)),
        }
    })?;
    ui::output::print_outcome(&outcome, global.output.output)
}

// ---- the decision (pure) ------------------------------------------------

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

/// The client KafkaUser of a listener: applied, deleted, or not involved.
#[derive(Debug, Clone, PartialEq)]
pub enum UserChange {
    None,
    Apply(Value),
    Delete(String),
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
    /// Things the user should know about how the flags were read.
    pub notes: Vec<String>,
    pub user: UserChange,
    /// A question that needs a yes before anything is applied (see [`confirmation`]).
    pub confirm: Option<String>,
}

/// The brokers of `spec` with the node ids `ctx` knows (or predicts), in node-id order.
pub fn brokers(spec: &ClusterSpec, ctx: &RenderContext) -> Vec<Broker> {
    let mut out: Vec<Broker> = spec
        .broker_pools()
        .flat_map(|(pool, _)| {
            ctx.node_ids(spec, pool)
                .into_iter()
                .map(move |id| Broker { pool: pool.clone(), id })
        })
        .collect();
    out.sort_by_key(|b| b.id);
    out
}

/// `expose kafka`: add, change or remove an external listener.
pub fn kafka_change(spec: &ClusterSpec, args: &KafkaExposeArgs, brokers: &[Broker]) -> Result<Change, Failure> {
    let mut new = spec.clone();
    if let Some(listener) = &args.remove {
        return Ok(remove_listener(new, listener));
    }
    let name = args.listener.clone();
    let kind = match args.kind {
        Some(KafkaExposeType::Nodeport) => ListenerType::Nodeport,
        Some(KafkaExposeType::Loadbalancer) => ListenerType::Loadbalancer,
        Some(KafkaExposeType::Ingress) => ListenerType::Ingress,
        Some(KafkaExposeType::Route) => ListenerType::Route,
        None => {
            return Err(Failure::usage(
                "--type is required (nodeport, loadbalancer, ingress or route)",
            ));
        }
    };
    let existing = spec.listeners.get(&name);
    if let Some(current) = existing
        && !current.kind.is_external()
    {
        return Err(Failure::usage(format!(
            "listener \"{name}\" is a {} listener that clients inside the cluster use; expose adds external listeners",
            current.kind.as_str()
        ))
        .with_hint("pick another name with --listener, e.g. --listener external"));
    }
    check_flags_fit_type(args, kind)?;
    let mut notes = Vec::new();
    let authentication = match args.auth {
        None => ListenerAuth::None,
        Some(KafkaAuthArg::ScramSha512) => ListenerAuth::ScramSha512,
        Some(KafkaAuthArg::Tls) => ListenerAuth::Tls,
    };
    let mut tls = args.tls;
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
    let port = args
        .port
        .or(existing.map(|l| l.port))
        .unwrap_or_else(|| free_listener_port(spec));
    let ids: Vec<i32> = brokers.iter().map(|b| b.id).collect();
    let listener = ListenerSpec {
        port,
        kind,
        tls,
        authentication,
        bootstrap_node_port: args.node_port,
        broker_node_ports: match args.node_port {
            Some(first) => ids.iter().zip(1..).map(|(id, offset)| (*id, first + offset)).collect(),
            None => BTreeMap::new(),
        },
        host: args.host.clone(),
        broker_hosts: match (&args.host, kind) {
            (Some(host), ListenerType::Ingress) => ids.iter().map(|id| (*id, format!("broker-{id}.{host}"))).collect(),
            _ => BTreeMap::new(),
        },
        ingress_class: args.ingress_class.clone(),
        annotations: args.annotations.iter().cloned().collect(),
        allow_from: args.allow_from.clone(),
    };
    let user = match kafka_user::kafka_user(&new, &name, authentication) {
        Some(user) => UserChange::Apply(user),
        None => UserChange::Delete(kafka_user::client_user_name(&spec.name, &name)),
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
    let user = UserChange::Delete(kafka_user::client_user_name(&spec.name, listener));
    Change {
        target: Target::Kafka {
            listener: listener.to_string(),
        },
        spec,
        removing: true,
        notes,
        user,
        confirm: None,
    }
}

/// Flags that only one listener type takes, named as flags (validation
/// would name spec fields).
fn check_flags_fit_type(args: &KafkaExposeArgs, kind: ListenerType) -> Result<(), Failure> {
    let type_name = kind.as_str();
    let misfit = |flag: &str, types: &str| {
        Failure::usage(format!("{flag} only applies to --type {types}, not {type_name}"))
            .with_hint(format!("leave {flag} out, or pick --type {types}"))
    };
    if args.node_port.is_some() && kind != ListenerType::Nodeport {
        return Err(misfit("--node-port", "nodeport"));
    }
    if args.host.is_some() && !matches!(kind, ListenerType::Ingress | ListenerType::Route) {
        return Err(misfit("--host", "ingress or route"));
    }
    if args.ingress_class.is_some() && kind != ListenerType::Ingress {
        return Err(misfit("--ingress-class", "ingress"));
    }
    if !args.allow_from.is_empty() && !matches!(kind, ListenerType::Nodeport | ListenerType::Loadbalancer) {
        return Err(misfit("--allow-from", "nodeport or loadbalancer")
            .with_hint("an ingress controller's own allow-list annotation (--annotation) restricts an ingress"));
    }
    if kind == ListenerType::Ingress && args.host.is_none() {
        return Err(
            Failure::usage("--type ingress needs --host HOST, the bootstrap host name")
                .with_hint("brokers get broker-<id>.HOST; point HOST and *.HOST at the ingress controller"),
        );
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
pub fn jmx_change(spec: &ClusterSpec, args: &JmxExposeArgs) -> Change {
    let mut new = spec.clone();
    let mut notes = Vec::new();
    if args.remove {
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
        new.jmx.password_auth = !args.no_auth;
        if !args.no_auth && !spec.jmx.password_auth && spec.jmx.enabled {
            notes.push("JMX now asks for a password; this rolls the brokers".to_string());
        }
    }
    Change {
        target: Target::Jmx,
        spec: new,
        removing: args.remove,
        notes,
        user: UserChange::None,
        confirm: None,
    }
}

/// `expose zookeeper`: zoo-entrance behind a LoadBalancer or NodePort.
pub fn zookeeper_change(spec: &ClusterSpec, args: &ZookeeperExposeArgs) -> Result<Change, Failure> {
    if !spec.is_zookeeper() {
        return Err(Failure::usage(format!(
            "cluster \"{}\" keeps its metadata in KRaft: it has no ZooKeeper to expose",
            spec.name
        ))
        .with_hint("expose zookeeper is for ZooKeeper-mode clusters (Strimzi 0.45); `kafkactl expose NAME kafka` opens Kafka itself"));
    }
    let mut new = spec.clone();
    let mut notes = Vec::new();
    if args.remove {
        if spec.zoo_entrance.expose.is_none() {
            notes.push("ZooKeeper is not exposed; nothing to remove".to_string());
        }
        new.zoo_entrance.expose = None;
    } else {
        if !spec.zoo_entrance.enabled {
            notes.push("zoo-entrance was off; it is deployed now".to_string());
        }
        new.zoo_entrance.enabled = true;
        new.zoo_entrance.expose = Some(service_exposure(args.kind, &args.reach)?);
    }
    Ok(Change {
        target: Target::Zookeeper,
        spec: new,
        removing: args.remove,
        notes,
        user: UserChange::None,
        confirm: None,
    })
}

/// `expose prometheus`: an Ingress, or a LoadBalancer/NodePort Service.
pub fn prometheus_change(spec: &ClusterSpec, args: &PrometheusExposeArgs) -> Result<Change, Failure> {
    if !spec.prometheus.standalone() {
        return Err(Failure::usage(format!(
            "kafkactl runs no Prometheus for cluster \"{}\" (it is off, or a prometheus-operator scrapes the cluster)",
            spec.name
        ))
        .with_hint(
            "`kafkactl monitor` deploys kafkactl's Prometheus; expose an operator-run Prometheus where it runs",
        ));
    }
    let mut new = spec.clone();
    let mut notes = Vec::new();
    if args.remove {
        if spec.prometheus.expose.is_none() && spec.prometheus.ingress.is_none() {
            notes.push("Prometheus is not exposed; nothing to remove".to_string());
        }
        new.prometheus.expose = None;
        new.prometheus.ingress = None;
    } else if let Some(host) = &args.ingress {
        let reach = &args.reach;
        if reach.lb.is_some() || !reach.allow_from.is_empty() || reach.public || reach.node_port.is_some() {
            return Err(Failure::usage(
                "--lb, --allow-from, --public and --node-port shape a Service; with --ingress only --annotation, --ingress-class and --tls-secret apply",
            )
            .with_hint("limit who reaches an Ingress with your ingress controller's allow-list annotation (--annotation)"));
        }
        new.prometheus.ingress = Some(IngressSpec {
            host: host.clone(),
            class: args.ingress_class.clone(),
            tls_secret: args.tls_secret.clone(),
            annotations: reach.annotations.iter().cloned().collect(),
        });
    } else if let Some(kind) = args.kind {
        new.prometheus.expose = Some(service_exposure(kind, &args.reach)?);
    } else {
        return Err(Failure::usage(
            "say how to expose Prometheus: --ingress HOST or --type loadbalancer|nodeport",
        ));
    }
    Ok(Change {
        target: Target::Prometheus,
        spec: new,
        removing: args.remove,
        notes,
        user: UserChange::None,
        confirm: None,
    })
}

/// A Service exposure from `--type` and the reach flags; `--lb` adds its
/// cloud's internal-load-balancer annotations under the free ones.
fn service_exposure(kind: ServiceExposeType, reach: &ReachArgs) -> Result<ServiceExposure, Failure> {
    let kind = match kind {
        ServiceExposeType::Loadbalancer => ExposureType::Loadbalancer,
        ServiceExposeType::Nodeport => ExposureType::Nodeport,
    };
    let mut annotations = BTreeMap::new();
    if let Some(preset) = reach.lb {
        if kind != ExposureType::Loadbalancer {
            return Err(
                Failure::usage("--lb makes a load balancer internal; it does not apply to --type nodeport")
                    .with_hint("leave --lb out, or use --type loadbalancer"),
            );
        }
        let known = INTERNAL_LOAD_BALANCERS
            .iter()
            .find(|lb| lb.preset == preset.as_str())
            .ok_or_else(|| Failure::runtime(format!("no annotations known for --lb {}", preset.as_str())))?;
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

// ---- who may connect: the question before opening to anyone (pure) -------

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

// ---- what is opened, to whom (pure) --------------------------------------

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

fn prometheus_url(ingress: &IngressSpec) -> String {
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

// ---- the outcome ----------------------------------------------------------

/// One address a client uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// `bootstrap`, `broker 3`, `zoo-entrance`, `prometheus`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker: Option<i32>,
    /// `host:port`, or a URL.
    pub address: String,
}

/// Where the credentials are and how a client uses them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka_user: Option<String>,
    pub secret: String,
    pub keys: Vec<String>,
    /// Commands that print the values.
    pub commands: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub client_properties: Vec<String>,
}

/// `--dry-run`: what would be applied and deleted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRunChanges {
    pub apply: Vec<Value>,
    pub delete: Vec<ObjectRef>,
}

/// What `expose` did, printed as text or as one JSON/YAML document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposeOutcome {
    pub cluster: String,
    pub namespace: String,
    pub target: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener: Option<String>,
    /// `exposed`, `removed`, `unchanged`, `applied` (no wait), `dry-run`.
    pub result: &'static str,
    /// What is open to whom after the change.
    pub access: Vec<String>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_servers: Option<String>,
    pub addresses: Vec<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    pub objects: Vec<AppliedObject>,
    pub pruned: Vec<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRunChanges>,
}

impl TextOutput for ExposeOutcome {
    fn text(&self) -> String {
        let mut out = String::new();
        let what = match &self.listener {
            Some(l) => format!("{} listener \"{l}\"", self.target),
            None => self.target.to_string(),
        };
        out.push_str(&format!(
            "{what} of {}/{}: {}\n",
            self.namespace, self.cluster, self.result
        ));
        for line in &self.access {
            out.push_str(&format!("  {line}\n"));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        for warning in &self.warnings {
            out.push_str(&format!("warning: {warning}\n"));
        }
        if let Some(bootstrap) = &self.bootstrap_servers {
            out.push_str(&format!("\nBootstrap servers: {bootstrap}\n"));
        }
        if !self.addresses.is_empty() {
            let rows: Vec<Vec<String>> = self
                .addresses
                .iter()
                .map(|a| vec![a.name.clone(), a.address.clone()])
                .collect();
            out.push('\n');
            out.push_str(&ui::output::table(&["NAME", "ADDRESS"], &rows));
        }
        if let Some(c) = &self.credentials {
            out.push('\n');
            match &c.kafka_user {
                Some(user) => out.push_str(&format!(
                    "Credentials: KafkaUser {user}; Strimzi's User Operator writes them into Secret {} (keys {})\n",
                    c.secret,
                    c.keys.join(", ")
                )),
                None => out.push_str(&format!(
                    "Credentials: Secret {} (keys {})\n",
                    c.secret,
                    c.keys.join(", ")
                )),
            }
            for command in &c.commands {
                out.push_str(&format!("  {command}\n"));
            }
            if !c.client_properties.is_empty() {
                out.push_str("Client properties:\n");
                for line in &c.client_properties {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        if let Some(dry) = &self.dry_run {
            out.push_str(&dry_run_text(dry));
        } else {
            out.push_str(&format!("\n{}", super::create::summarize_actions(&self.objects)));
            if !self.pruned.is_empty() {
                let pruned: Vec<String> = self.pruned.iter().map(ObjectRef::to_string).collect();
                out.push_str(&format!("; deleted {}", pruned.join(", ")));
            }
            out.push('\n');
        }
        out
    }
}

fn dry_run_text(dry: &DryRunChanges) -> String {
    let mut out = String::from("\n");
    if dry.apply.is_empty() && dry.delete.is_empty() {
        out.push_str("dry run: nothing would change\n");
        return out;
    }
    for object in &dry.apply {
        out.push_str(&format!(
            "would apply {} {}\n",
            object["kind"].as_str().unwrap_or_default(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        ));
    }
    for object in &dry.delete {
        out.push_str(&format!("would delete {object}\n"));
    }
    if !dry.apply.is_empty() {
        out.push_str("---\n");
        out.push_str(&ui::output::multi_document_yaml(&dry.apply).unwrap_or_default());
    }
    out
}

// ---- the I/O -------------------------------------------------------------

async fn expose(global: &GlobalArgs, args: &ExposeArgs, log: &ApplyLog) -> Result<ExposeOutcome, Failure> {
    let loaded = load_cluster(global, &args.name).await?;
    let ctx = live_context(&loaded.conn, loaded.api, &loaded.spec).await?;
    let brokers = brokers(&loaded.spec, &ctx);
    let (change, apply_args) = match &args.target {
        ExposeTarget::Kafka(a) => (kafka_change(&loaded.spec, a, &brokers)?, &a.apply),
        ExposeTarget::Jmx(a) => (jmx_change(&loaded.spec, a), &a.apply),
        ExposeTarget::Zookeeper(a) => (zookeeper_change(&loaded.spec, a)?, &a.apply),
        ExposeTarget::Prometheus(a) => (prometheus_change(&loaded.spec, a)?, &a.apply),
    };
    let change = Change {
        confirm: confirmation(&change, &loaded.spec),
        ..change
    };
    let report = validated(&change.spec)?;
    let mut warnings: Vec<String> = report
        .warnings
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    warnings.extend(risks(&change));
    check_node_ports(&loaded, &change, &brokers).await?;
    // The stored spec is applied whole: the guards of every change name what it would
    // remove from the live cluster (a broker a `kubectl patch` added, say).
    let verdict = super::change::guard_change(&loaded.conn, loaded.api, &loaded.spec, &change.spec).await?;
    if apply_args.dry_run {
        return dry_run(&loaded, &change, &ctx, warnings).await;
    }
    if let Some(question) = &change.confirm {
        ui::prompts::require_confirmation(&global.prompt, question, "--yes")
            .map_err(|refused| refused.with_hint(ui::prompts::same_command_with("--yes")))?;
    }
    super::change::confirm_change(global, &loaded.spec.name, &verdict)?;
    super::common::lock_loaded(&loaded, "expose").await?;
    let options = ChangeOptions {
        force_conflicts: apply_args.force_conflicts,
        no_wait: apply_args.no_wait,
        prune: true,
    };
    // A NodePort taken after the check above is refused by the API server as a typed
    // `ApiError::NodePortTaken`, which the edge words as a refusal naming --node-port.
    let applied = apply_change(global, &loaded, &change.spec, options, log).await?;
    let user_log = ApplyLog::default();
    let user_action = apply_user(&loaded, &change, apply_args, &user_log).await?;
    let mut outcome = ExposeOutcome {
        cluster: change.spec.name.clone(),
        namespace: change.spec.namespace.clone(),
        target: change.target.as_str(),
        listener: match &change.target {
            Target::Kafka { listener } => Some(listener.clone()),
            _ => None,
        },
        result: "exposed",
        access: Vec::new(),
        warnings,
        notes: change.notes.clone(),
        bootstrap_servers: None,
        addresses: Vec::new(),
        credentials: credentials(&change),
        objects: log.applied().into_iter().chain(user_log.applied()).collect(),
        pruned: applied.pruned.clone(),
        dry_run: None,
    };
    let mut ports = Vec::new();
    if apply_args.no_wait {
        outcome.result = "applied";
        outcome.notes.push(format!(
            "not waiting; `kafkactl status {}` shows the addresses once they are there",
            change.spec.name
        ));
    } else {
        ports = read_addresses(global, &loaded, &change, &ctx, &mut outcome).await?;
    }
    outcome.access = access(&change, &ports);
    let untouched = outcome.objects.iter().all(|o| o.action == Action::Unchanged)
        && outcome.pruned.is_empty()
        && user_action != UserAction::Changed;
    if outcome.result != "applied" {
        outcome.result = match (untouched, change.removing) {
            (true, _) => "unchanged",
            (false, true) => "removed",
            (false, false) => "exposed",
        };
    }
    Ok(outcome)
}

/// Refuse NodePorts another Service holds before writing anything. Strimzi
/// writes the Kafka listener Services itself, so a taken port would only
/// show up later as a failed reconciliation.
async fn check_node_ports(loaded: &LoadedCluster, change: &Change, brokers: &[Broker]) -> Result<(), Failure> {
    let pinned = pinned_node_ports(change);
    if pinned.is_empty() {
        return Ok(());
    }
    let Some(taken) = taken_node_ports(&loaded.conn).await? else {
        return Ok(());
    };
    let own = own_services(change, brokers);
    for (port, what) in pinned {
        if let Some(holder) = taken.iter().find(|t| t.node_port == port && !own.contains(&t.service)) {
            return Err(Failure::new(
                FailureKind::Refused,
                format!(
                    "NodePort {port} (for {what}) is already allocated to Service {}",
                    holder.service
                ),
            )
            .with_hint("pick another --node-port in 30000-32767, or leave it out to let Kubernetes choose; nothing was changed"));
        }
    }
    Ok(())
}

/// Whether the client KafkaUser changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserAction {
    Unchanged,
    Changed,
}

async fn apply_user(
    loaded: &LoadedCluster,
    change: &Change,
    apply_args: &ExposeApplyArgs,
    log: &ApplyLog,
) -> Result<UserAction, Failure> {
    let spec = &change.spec;
    match &change.user {
        UserChange::None => Ok(UserAction::Unchanged),
        UserChange::Apply(user) => {
            let mut plan = Plan::default();
            plan.push(Wave::Workloads, user.clone());
            let before = Some(before_state(&loaded.conn, &plan, &spec.name).await?);
            let options = ApplyOptions {
                force_conflicts: apply_args.force_conflicts,
                dry_run: false,
            };
            apply_plan(&loaded.conn, &plan, options, &before, log).await?;
            let changed = log.applied().iter().any(|o| o.action != Action::Unchanged);
            Ok(if changed {
                UserAction::Changed
            } else {
                UserAction::Unchanged
            })
        }
        UserChange::Delete(name) => {
            let deleted = delete_if_present(
                &loaded.conn,
                spec.strimzi_api.api_version(),
                "KafkaUser",
                &spec.namespace,
                name,
            )
            .await?;
            Ok(if deleted {
                UserAction::Changed
            } else {
                UserAction::Unchanged
            })
        }
    }
}

/// Where the credentials of the change are, and how clients use them.
fn credentials(change: &Change) -> Option<Credentials> {
    let spec = &change.spec;
    let ns = &spec.namespace;
    let print = |secret: &str, key: &str| {
        format!(
            "kubectl -n {ns} get secret {secret} -o jsonpath='{{.data.{}}}' | base64 -d",
            key.replace('.', "\\.")
        )
    };
    match (&change.target, &change.user) {
        (Target::Kafka { listener }, UserChange::Apply(_)) => {
            let l = spec.listeners.get(listener)?;
            let user = kafka_user::client_user_name(&spec.name, listener);
            let secret = kafka_user::user_secret(&user);
            let (keys, shown): (Vec<&str>, Vec<&str>) = match l.authentication {
                ListenerAuth::ScramSha512 => (SCRAM_SECRET_KEYS.to_vec(), vec!["sasl.jaas.config"]),
                _ => (TLS_SECRET_KEYS.to_vec(), vec!["user.password"]),
            };
            let mut commands: Vec<String> = shown.iter().map(|key| print(&secret, key)).collect();
            if l.authentication == ListenerAuth::Tls {
                commands.push(format!(
                    "kubectl -n {ns} get secret {secret} -o jsonpath='{{.data.user\\.p12}}' | base64 -d > user.p12"
                ));
            }
            if l.tls {
                commands.push(format!(
                    "kubectl -n {ns} get secret {} -o jsonpath='{{.data.ca\\.crt}}' | base64 -d > ca.crt",
                    names::cluster_ca_cert_secret(&spec.name)
                ));
            }
            Some(Credentials {
                kafka_user: Some(user),
                secret,
                keys: keys.iter().map(|k| k.to_string()).collect(),
                commands,
                client_properties: kafka_user::client_properties(l.tls, l.authentication),
            })
        }
        (Target::Kafka { listener }, _) if !change.removing => {
            let l = spec.listeners.get(listener)?;
            l.tls.then(|| Credentials {
                kafka_user: None,
                secret: names::cluster_ca_cert_secret(&spec.name),
                keys: vec!["ca.crt".to_string()],
                commands: vec![format!(
                    "kubectl -n {ns} get secret {} -o jsonpath='{{.data.ca\\.crt}}' | base64 -d > ca.crt",
                    names::cluster_ca_cert_secret(&spec.name)
                )],
                client_properties: kafka_user::client_properties(true, ListenerAuth::None),
            })
        }
        (Target::Jmx, _) if spec.jmx.password_auth && spec.jmx.enabled => {
            let secret = names::jmx_secret(&spec.name);
            Some(Credentials {
                kafka_user: None,
                commands: ["jmx-username", "jmx-password"]
                    .iter()
                    .map(|key| print(&secret, key))
                    .collect(),
                secret,
                keys: vec!["jmx-username".to_string(), "jmx-password".to_string()],
                client_properties: Vec::new(),
            })
        }
        _ => None,
    }
}

/// Read back where the exposed component answers; returns the NodePorts in use.
async fn read_addresses(
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
    let brokers_now = self::brokers(spec, ctx);
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
    conn: &crate::cluster::client::Connection,
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

/// `--dry-run`: render the stored and the changed spec for the live cluster
/// and list the objects that differ; nothing is written.
async fn dry_run(
    loaded: &LoadedCluster,
    change: &Change,
    ctx: &RenderContext,
    warnings: Vec<String>,
) -> Result<ExposeOutcome, Failure> {
    let old = render::render(&loaded.spec, ctx);
    let new = render::render(&change.spec, ctx);
    let mut changes = plan_changes(&old, &new);
    match &change.user {
        UserChange::Apply(user) => {
            let name = user["metadata"]["name"].as_str().unwrap_or_default();
            let current = crate::cluster::exposure::get_object(
                &loaded.conn,
                change.spec.strimzi_api.api_version(),
                "KafkaUser",
                &change.spec.namespace,
                name,
            )
            .await?;
            if current.is_none_or(|c| c["spec"] != user["spec"]) {
                changes.apply.push(user.clone());
            }
        }
        UserChange::Delete(name) => {
            let current = crate::cluster::exposure::get_object(
                &loaded.conn,
                change.spec.strimzi_api.api_version(),
                "KafkaUser",
                &change.spec.namespace,
                name,
            )
            .await?;
            if current.is_some() {
                changes.delete.push(ObjectRef {
                    kind: "KafkaUser".to_string(),
                    namespace: Some(change.spec.namespace.clone()),
                    name: name.clone(),
                });
            }
        }
        UserChange::None => {}
    }
    Ok(ExposeOutcome {
        cluster: change.spec.name.clone(),
        namespace: change.spec.namespace.clone(),
        target: change.target.as_str(),
        listener: match &change.target {
            Target::Kafka { listener } => Some(listener.clone()),
            _ => None,
        },
        result: "dry-run",
        access: access(change, &[]),
        warnings,
        notes: change.notes.clone(),
        bootstrap_servers: None,
        addresses: Vec::new(),
        credentials: credentials(change),
        objects: Vec::new(),
        pruned: Vec::new(),
        dry_run: Some(changes),
    })
}

/// Objects of `new` that differ from (or are missing in) `old`, and objects
/// of `old` that `new` no longer has. The Namespace is never deleted.
pub fn plan_changes(old: &Plan, new: &Plan) -> DryRunChanges {
    let apply = new
        .objects
        .iter()
        .filter(|o| {
            old.find(o.kind(), o.name())
                .is_none_or(|before| before.object != o.object)
        })
        .map(|o| o.object.clone())
        .collect();
    let delete = old
        .objects
        .iter()
        .filter(|o| o.kind() != "Namespace" && new.find(o.kind(), o.name()).is_none())
        .map(ObjectRef::of)
        .collect();
    DryRunChanges { apply, delete }
}

fn interrupted(log: &ApplyLog) -> Failure {
    let applied = log.applied();
    let what = if applied.is_empty() {
        "nothing was applied".to_string()
    } else {
        format!("{} were applied", super::create::summarize_actions(&applied))
    };
    Failure::new(FailureKind::Interrupted, format!("interrupted; {what}"))
        .with_hint("run the same command again to finish: it converges")
}

#[cfg(test)]
mod tests {
    use super::*;

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
