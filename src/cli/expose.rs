//! clap arguments of `kafkactl expose NAME kafka|jmx|zookeeper|prometheus`.

use clap::{Args, Subcommand, ValueEnum};

/// `kafkactl expose NAME kafka|jmx|zookeeper|prometheus …`
#[derive(Debug, Args)]
#[command(
    long_about = "Open a component of a cluster outside the Kubernetes cluster, wait for its \
addresses and print them, with what is opened to whom.\n\n\
Every expose changes the spec stored on the Kafka CR, validates it, applies the cluster \
(server-side apply) and waits. Running it again changes nothing; --remove takes the \
exposure away; --dry-run prints the objects that would change and writes nothing."
)]
pub struct ExposeArgs {
    /// Name of the Kafka cluster.
    pub name: String,
    #[command(subcommand)]
    pub target: ExposeTarget,
}

#[derive(Debug, Subcommand)]
pub enum ExposeTarget {
    /// An external Kafka listener (NodePort, LoadBalancer, Ingress or Route).
    Kafka(KafkaExposeArgs),
    /// JMX (9999) of every broker, one NodePort Service per broker, password-protected.
    Jmx(JmxExposeArgs),
    /// ZooKeeper through zoo-entrance, behind a LoadBalancer or NodePort (ZooKeeper mode).
    Zookeeper(ZookeeperExposeArgs),
    /// kafkactl's Prometheus, through an Ingress or a LoadBalancer/NodePort Service.
    Prometheus(PrometheusExposeArgs),
}

/// How the change is made: preview, conflicts, waiting.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Apply and wait")]
pub struct ExposeApplyArgs {
    /// Print the objects that would change (and those that would be deleted); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Take over fields another field manager owns (server-side apply force).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Return after applying; do not wait for the addresses.
    #[arg(long)]
    pub no_wait: bool,
}

/// Who may connect, for Services kafkactl owns (zoo-entrance, Prometheus).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Who may connect")]
pub struct ReachArgs {
    /// Make the load balancer internal on this cloud (adds its internal-load-balancer annotations).
    #[arg(long, value_enum, value_name = "PRESET")]
    pub lb: Option<LoadBalancerPreset>,
    /// A Service annotation, repeatable (e.g. --annotation service.beta.kubernetes.io/foo=bar).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub annotations: Vec<(String, String)>,
    /// Only clients from this CIDR may connect, repeatable (loadBalancerSourceRanges and the NetworkPolicy).
    #[arg(long = "allow-from", value_name = "CIDR")]
    pub allow_from: Vec<String>,
    /// Open it to anyone who reaches it, knowingly (no internal load balancer, no source ranges); asks first, --yes in scripts.
    #[arg(long, conflicts_with_all = ["lb", "allow_from"])]
    pub public: bool,
    /// A fixed NodePort (30000-32767) instead of one Kubernetes picks.
    #[arg(long, value_name = "PORT")]
    pub node_port: Option<i32>,
}

/// `expose NAME kafka`
#[derive(Debug, Args)]
#[command(
    long_about = "Add or change an external Kafka listener and print its bootstrap servers and \
per-broker addresses.\n\n\
Defaults: listener name `external`, port the first free one from 9094, no TLS, no authentication. \
A listener without authentication that anyone can reach (no --allow-from, no internal load balancer) \
asks for confirmation first (--yes when not interactive). \
--auth creates a KafkaUser `<cluster>-<listener>-client`; Strimzi's User Operator writes its \
credentials into a Secret of the same name, and the client properties to use it are printed.\n\n\
Examples:\n  kafkactl expose my-cluster kafka --type nodeport --tls --auth scram-sha-512\n  \
kafkactl expose my-cluster kafka --type loadbalancer --annotation \
service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type=intranet --allow-from 10.0.0.0/8\n  \
kafkactl expose my-cluster kafka --remove external"
)]
pub struct KafkaExposeArgs {
    /// How the listener is reached from outside.
    #[arg(long = "type", value_enum, value_name = "TYPE", required_unless_present = "remove")]
    pub kind: Option<KafkaExposeType>,
    /// Name of the listener.
    #[arg(long, value_name = "NAME", default_value = "external")]
    pub listener: String,
    /// Listener port on the brokers [default: the listener's current port, else the first free from 9094].
    #[arg(long, value_name = "PORT")]
    pub port: Option<i32>,
    /// Encrypt the listener with TLS (the cluster CA signs its certificates).
    #[arg(long)]
    pub tls: bool,
    /// Client authentication; creates a KafkaUser for clients (tls implies --tls).
    #[arg(long, value_enum, value_name = "MECHANISM")]
    pub auth: Option<KafkaAuthArg>,
    /// NodePort of the bootstrap Service; brokers get the next ones in node-id order (nodeport only).
    #[arg(long, value_name = "PORT")]
    pub node_port: Option<i32>,
    /// Bootstrap host name (ingress, route); brokers get broker-<id>.<HOST>.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Ingress class of the listener's Ingresses (ingress only).
    #[arg(long, value_name = "CLASS")]
    pub ingress_class: Option<String>,
    /// An annotation on the listener's Services (or Ingresses), repeatable.
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub annotations: Vec<(String, String)>,
    /// Only clients from this CIDR may connect, repeatable (loadbalancer: source ranges; nodeport: NetworkPolicy).
    #[arg(long = "allow-from", value_name = "CIDR")]
    pub allow_from: Vec<String>,
    /// Take this listener away (and its client KafkaUser).
    #[arg(long, value_name = "LISTENER", conflicts_with_all = ["kind", "port", "tls", "auth", "node_port", "host", "ingress_class", "annotations", "allow_from"])]
    pub remove: Option<String>,
    #[command(flatten)]
    pub apply: ExposeApplyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KafkaExposeType {
    Nodeport,
    Loadbalancer,
    Ingress,
    Route,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KafkaAuthArg {
    #[value(name = "scram-sha-512")]
    ScramSha512,
    Tls,
}

/// `expose NAME jmx`
#[derive(Debug, Args)]
#[command(
    long_about = "Turn on JMX (port 9999) on every broker and open it through one NodePort \
Service per broker, selected by the pod's strimzi.io/pod-name label. JMX uses password \
authentication: Strimzi writes the credentials into Secret <cluster>-kafka-jmx (keys jmx-username, \
jmx-password). Brokers added later get their Service whenever kafkactl applies the cluster; \
removed brokers lose theirs.\n\n\
Unauthenticated JMX lets anyone who reaches the port run code in the broker: --no-auth asks for \
confirmation (--yes when not interactive).\n\n\
Examples:\n  kafkactl expose my-cluster jmx\n  kafkactl expose my-cluster jmx --remove"
)]
pub struct JmxExposeArgs {
    /// How JMX is reached from outside.
    #[arg(long = "type", value_enum, value_name = "TYPE", default_value = "nodeport")]
    pub kind: JmxExposeType,
    /// JMX without a password (dangerous: needs confirmation or --yes).
    #[arg(long)]
    pub no_auth: bool,
    /// Remove the per-broker JMX Services (JMX stays on inside the cluster).
    #[arg(long, conflicts_with = "no_auth")]
    pub remove: bool,
    #[command(flatten)]
    pub apply: ExposeApplyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JmxExposeType {
    Nodeport,
}

/// `expose NAME zookeeper`
#[derive(Debug, Args)]
#[command(long_about = "Put zoo-entrance (plain, unauthenticated ZooKeeper on 2181) behind a \
LoadBalancer or NodePort Service. ZooKeeper-mode clusters only.\n\n\
Anyone who reaches it can change ZooKeeper, so it is never public by accident: a load balancer \
must be internal (--lb for a cloud preset, or --annotation for another cloud), limited \
(--allow-from, which also widens zoo-entrance's NetworkPolicy to exactly those CIDRs), or \
--public on purpose; a NodePort needs --allow-from or --public. Opening it to anyone asks for \
confirmation (--yes when not interactive).\n\n\
Examples:\n  kafkactl expose old-cluster zookeeper --lb aliyun-intranet --allow-from 10.0.0.0/8\n  \
kafkactl expose old-cluster zookeeper --remove")]
pub struct ZookeeperExposeArgs {
    /// The Service type.
    #[arg(long = "type", value_enum, value_name = "TYPE", default_value = "loadbalancer")]
    pub kind: ServiceExposeType,
    #[command(flatten)]
    pub reach: ReachArgs,
    /// Back to a ClusterIP Service reachable from the namespace only.
    #[arg(long, conflicts_with_all = ["lb", "annotations", "allow_from", "public", "node_port"])]
    pub remove: bool,
    #[command(flatten)]
    pub apply: ExposeApplyArgs,
}

/// `expose NAME prometheus`
#[derive(Debug, Args)]
#[command(
    long_about = "Open kafkactl's Prometheus (web UI and HTTP API on 9090) through an Ingress \
(--ingress HOST) or by making its Service a LoadBalancer or NodePort (--type). Prometheus has no \
authentication: a load balancer must be internal (--lb, --annotation), limited (--allow-from) or \
--public on purpose. An Ingress, a NodePort or a public load balancer opens it to anyone who reaches \
it, so kafkactl asks first (--yes when not interactive). Prometheus runs without its lifecycle API \
(/-/quit, /-/reload): nobody who reaches it can stop it.\n\n\
Examples:\n  kafkactl expose my-cluster prometheus --ingress prometheus.example.com --ingress-class nginx \
--tls-secret prometheus-tls\n  kafkactl expose my-cluster prometheus --type loadbalancer --lb gcp-internal\n  \
kafkactl expose my-cluster prometheus --remove"
)]
pub struct PrometheusExposeArgs {
    /// Host name of an Ingress in front of Prometheus.
    #[arg(long, value_name = "HOST", conflicts_with = "kind", required_unless_present_any = ["kind", "remove"])]
    pub ingress: Option<String>,
    /// Ingress class of the Ingress [default: the cluster's default class].
    #[arg(long, value_name = "CLASS", requires = "ingress")]
    pub ingress_class: Option<String>,
    /// Secret with the TLS certificate for the Ingress host.
    #[arg(long, value_name = "SECRET", requires = "ingress")]
    pub tls_secret: Option<String>,
    /// Make the Prometheus Service a LoadBalancer or NodePort.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub kind: Option<ServiceExposeType>,
    #[command(flatten)]
    pub reach: ReachArgs,
    /// Remove the Ingress and turn the Service back to ClusterIP.
    #[arg(long, conflicts_with_all = ["ingress", "kind", "lb", "annotations", "allow_from", "public", "node_port"])]
    pub remove: bool,
    #[command(flatten)]
    pub apply: ExposeApplyArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceExposeType {
    Loadbalancer,
    Nodeport,
}

/// Internal-load-balancer presets of the clouds kafkactl knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadBalancerPreset {
    /// Alibaba Cloud: address-type intranet.
    AliyunIntranet,
    /// AWS: an internal ELB/NLB.
    AwsInternal,
    /// Google Cloud: an internal passthrough load balancer.
    GcpInternal,
    /// Azure: an internal load balancer.
    AzureInternal,
}

impl LoadBalancerPreset {
    /// The preset's name as `validate::INTERNAL_LOAD_BALANCERS` lists it.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadBalancerPreset::AliyunIntranet => "aliyun-intranet",
            LoadBalancerPreset::AwsInternal => "aws-internal",
            LoadBalancerPreset::GcpInternal => "gcp-internal",
            LoadBalancerPreset::AzureInternal => "azure-internal",
        }
    }
}

/// `KEY=VALUE` of an annotation; the value may be empty, the key may not.
pub fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
        _ => Err(format!("\"{text}\" is not KEY=VALUE, e.g. example.com/team=data")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_needs_a_key_and_keeps_equals_in_the_value() {
        assert_eq!(parse_key_value("a/b=c=d"), Ok(("a/b".into(), "c=d".into())));
        assert_eq!(parse_key_value("a="), Ok(("a".into(), String::new())));
        assert!(parse_key_value("=x").is_err());
        assert!(parse_key_value("novalue").is_err());
    }

    #[test]
    fn presets_match_the_validators_table() {
        for preset in LoadBalancerPreset::value_variants() {
            assert!(
                crate::spec::validate::INTERNAL_LOAD_BALANCERS
                    .iter()
                    .any(|lb| lb.preset == preset.as_str()),
                "{}",
                preset.as_str()
            );
        }
    }
}
