//! `validate()` against specs built from the built-in presets: each case
//! breaks one thing and expects the exact field path and a phrase of the
//! message; presets themselves validate clean; problems come all at once.

use kafkactl::spec::names::derived_names;
use kafkactl::spec::preset::{self, BUILTIN_PRESETS};
use kafkactl::spec::problem::Severity;
use kafkactl::spec::{
    ClusterSpec, ConfigValue, JbodVolume, ListenerAuth, ListenerSpec, ListenerType, PoolSpec, Report, Role,
    SpecOverrides, StorageType, StrimziApi, Toleration, ZookeeperSpec, validate,
};

/// A spec from a built-in preset, for a cluster named `demo`.
fn spec(preset_name: &str) -> Spec {
    let mut spec = preset::resolve(&preset::find(preset_name).unwrap()).unwrap();
    spec.name = "demo".to_string();
    Spec(spec)
}

struct Spec(ClusterSpec);

impl Spec {
    fn name(mut self, name: &str) -> Self {
        self.0.name = name.to_string();
        self
    }

    /// Replicas of the only broker pool.
    fn brokers(self, replicas: i32) -> Self {
        let pool = self.0.broker_pools().map(|(name, _)| name.clone()).next().unwrap();
        self.pool(&pool, |p| p.replicas = replicas)
    }

    fn pool(mut self, name: &str, change: impl FnOnce(&mut PoolSpec)) -> Self {
        change(self.0.pools.get_mut(name).unwrap_or_else(|| panic!("no pool {name}")));
        self
    }

    fn rename_pool(mut self, from: &str, to: &str) -> Self {
        let pool = self.0.pools.remove(from).unwrap();
        self.0.pools.insert(to.to_string(), pool);
        self
    }

    /// Change a listener, adding an internal one on a free port if it is new.
    fn listener(mut self, name: &str, change: impl FnOnce(&mut ListenerSpec)) -> Self {
        let port = 9100 + self.0.listeners.len() as i32;
        let listener = self.0.listeners.entry(name.to_string()).or_insert(ListenerSpec {
            port,
            ..ListenerSpec::default()
        });
        change(listener);
        self
    }

    fn config(mut self, key: &str, value: &str) -> Self {
        self.0.config.insert(key.to_string(), ConfigValue::parse(value));
        self
    }

    fn without_config(mut self, key: &str) -> Self {
        self.0.config.remove(key);
        self
    }

    fn zookeeper(mut self, change: impl FnOnce(&mut ZookeeperSpec)) -> Self {
        change(self.0.zookeeper.as_mut().unwrap());
        self
    }

    fn with(mut self, change: impl FnOnce(&mut ClusterSpec)) -> Self {
        change(&mut self.0);
        self
    }
}

struct Case {
    spec: Spec,
    severity: Severity,
    field: &'static str,
    phrase: String,
}

fn error(spec: Spec, field: &'static str, phrase: impl Into<String>) -> Case {
    Case {
        spec,
        severity: Severity::Error,
        field,
        phrase: phrase.into(),
    }
}

fn warning(spec: Spec, field: &'static str, phrase: impl Into<String>) -> Case {
    Case {
        spec,
        severity: Severity::Warning,
        field,
        phrase: phrase.into(),
    }
}

fn external_nodeport(spec: Spec) -> Spec {
    spec.listener("external", |l| l.kind = ListenerType::Nodeport)
}

fn ingress(spec: Spec, change: impl FnOnce(&mut ListenerSpec)) -> Spec {
    spec.listener("ext", |l| {
        l.kind = ListenerType::Ingress;
        l.tls = true;
        l.host = Some("kafka.example.com".into());
        l.broker_hosts = (0..3)
            .map(|id| (id, format!("broker-{id}.kafka.example.com")))
            .collect();
        change(l);
    })
}

fn toleration(operator: &str, effect: &str) -> Toleration {
    Toleration {
        key: Some("dedicated".into()),
        operator: Some(operator.into()),
        value: None,
        effect: Some(effect.into()),
        toleration_seconds: None,
    }
}

fn name_cases() -> Vec<Case> {
    let longest = longest_cluster_name("production");
    vec![
        error(spec("production").name(""), "name", "a cluster name is required"),
        error(spec("production").name("MyCluster"), "name", "has uppercase letters"),
        error(spec("production").name("my_cluster"), "name", "contains '_'"),
        error(spec("production").name("my_cluster"), "name", "(e.g. \"my-cluster\")"),
        error(
            spec("production").name("1kafka"),
            "name",
            "starts with the digit '1' (must start with a letter)",
        ),
        error(spec("production").name("kafka-"), "name", "ends with '-'"),
        error(
            spec("production").name(&"k".repeat(longest + 1)),
            "name",
            "the pod host name \"kkkk",
        ),
        error(
            spec("production").name(&"k".repeat(longest + 1)),
            "name",
            format!("a cluster name can have at most {longest} characters"),
        ),
        error(
            spec("production").name(&"k".repeat(longest + 1)),
            "name",
            "(40 with nodePoolNames: bare in a preset file",
        ),
        error(
            spec("production").with(|s| s.namespace = "Team_A".into()),
            "namespace",
            "has uppercase letters",
        ),
        error(
            spec("production").rename_pool("brokers", "big_pool"),
            "pools.big_pool",
            "contains '_'",
        ),
        error(
            spec("production").listener("external-lb", |l| l.kind = ListenerType::Loadbalancer),
            "listeners.external-lb",
            "^[a-z0-9]{1,11}$",
        ),
    ]
}

fn pool_cases() -> Vec<Case> {
    vec![
        error(
            spec("production").brokers(0),
            "pools.brokers.replicas",
            "must be at least 1, got 0",
        ),
        error(spec("production").brokers(-2), "pools.brokers.replicas", "got -2"),
        error(
            spec("production").brokers(101),
            "pools.brokers.replicas",
            "must be at most 100, got 101; each pool owns 100 node ids",
        ),
        error(
            spec("production").brokers(i32::MAX),
            "pools.brokers.replicas",
            "must be at most 100",
        ),
        error(
            spec("production").pool("brokers", |p| p.roles.clear()),
            "pools.brokers.roles",
            "at least one role",
        ),
        error(
            spec("production").pool("brokers", |p| p.roles = vec![Role::Broker, Role::Broker]),
            "pools.brokers.roles",
            "role broker is listed twice",
        ),
        error(
            spec("production").pool("brokers", |p| p.roles = vec![Role::Controller]),
            "pools",
            "no pool has the broker role",
        ),
        error(
            spec("production").pool("controllers", |p| p.roles = vec![Role::Broker]),
            "pools",
            "no pool has the controller role",
        ),
        error(
            spec("production").with(|s| s.pools.clear()),
            "pools",
            "at least one pool is required",
        ),
        warning(
            spec("production").pool("controllers", |p| p.replicas = 2),
            "pools.controllers.replicas",
            "tolerate no more failures than 1",
        ),
        warning(
            spec("production").pool("controllers", |p| p.replicas = 4),
            "pools.controllers.replicas",
            "tolerate 1 failure, no more than 3 would",
        ),
        error(
            spec("zookeeper-classic").with(|s| {
                s.pools.insert("extra".into(), PoolSpec::default());
            }),
            "pools",
            "exactly one broker pool, named \"kafka\"",
        ),
        error(
            spec("zookeeper-classic").pool("kafka", |p| p.roles = vec![Role::Controller, Role::Broker]),
            "pools.kafka.roles",
            "use roles: [broker]",
        ),
        error(
            spec("zookeeper-classic").zookeeper(|z| z.replicas = 0),
            "zookeeper.replicas",
            "at least 1, got 0",
        ),
        error(
            spec("zookeeper-classic").zookeeper(|z| z.replicas = 16),
            "zookeeper.replicas",
            "must be at most 15, got 16",
        ),
        warning(
            spec("zookeeper-classic").zookeeper(|z| z.replicas = 4),
            "zookeeper.replicas",
            "an odd number",
        ),
        error(
            spec("production").pool("brokers", |p| p.scheduling.topology_key = String::new()),
            "pools.brokers.scheduling.topologyKey",
            "anti-affinity needs a topology key",
        ),
        error(
            spec("production").pool("brokers", |p| {
                p.scheduling.tolerations = vec![toleration("exists", "NoSchedule")]
            }),
            "pools.brokers.scheduling.tolerations[0].operator",
            "use Exists or Equal",
        ),
        error(
            spec("production").pool("brokers", |p| {
                p.scheduling.tolerations = vec![toleration("Exists", "NoRun")]
            }),
            "pools.brokers.scheduling.tolerations[0].effect",
            "NoSchedule, PreferNoSchedule or NoExecute",
        ),
    ]
}

fn config_cases() -> Vec<Case> {
    vec![
        error(
            spec("production").brokers(2),
            "config.default.replication.factor",
            "replication factor 3 is above the broker count (2)",
        ),
        error(
            spec("production").brokers(2),
            "config.offsets.topic.replication.factor",
            "--brokers 3",
        ),
        error(
            spec("dev").without_config("offsets.topic.replication.factor"),
            "config.offsets.topic.replication.factor",
            "Kafka uses its default replication factor 3, which is above the broker count (1)",
        ),
        error(
            spec("production").config("min.insync.replicas", "4"),
            "config.min.insync.replicas",
            "is above default.replication.factor 3",
        ),
        error(
            spec("production").config("transaction.state.log.min.isr", "5"),
            "config.transaction.state.log.min.isr",
            "above transaction.state.log.replication.factor 3",
        ),
        warning(
            spec("production").config("min.insync.replicas", "3"),
            "config.min.insync.replicas",
            "with one broker down",
        ),
        error(
            spec("production").config("default.replication.factor", "three"),
            "config.default.replication.factor",
            "must be a whole number, got \"three\"",
        ),
        error(
            spec("production").config("num.partitions", "0"),
            "config.num.partitions",
            "must be a positive integer",
        ),
        error(
            spec("production").config("auto.create.topics.enable", "yes"),
            "config.auto.create.topics.enable",
            "must be true or false",
        ),
    ]
}

fn resource_cases() -> Vec<Case> {
    let broker = |change: fn(&mut PoolSpec)| spec("production").pool("brokers", change);
    vec![
        error(
            broker(|p| p.jvm.xmx = Some("8g".into())),
            "pools.brokers.jvm.xmx",
            "the heap 8192m is not below the memory limit 8Gi",
        ),
        error(
            broker(|p| p.jvm.xmx = Some("8g".into())),
            "pools.brokers.jvm.xmx",
            "4096m-6144m (50-75% of the limit)",
        ),
        warning(
            broker(|p| p.jvm.xmx = Some("7g".into())),
            "pools.brokers.jvm.xmx",
            "over 75% of the memory limit 8Gi",
        ),
        error(
            broker(|p| p.jvm.xms = Some("6g".into())),
            "pools.brokers.jvm.xms",
            "-Xms 6144m is above -Xmx 4096m",
        ),
        warning(
            broker(|p| p.resources.limits.memory = None),
            "pools.brokers.resources.limits.memory",
            "no memory limit",
        ),
        error(
            broker(|p| p.jvm.xmx = Some("2Gi".into())),
            "pools.brokers.jvm.xmx",
            "did you mean \"2g\"?",
        ),
        error(
            spec("zookeeper-classic").zookeeper(|z| {
                z.jvm = kafkactl::spec::JvmSpec {
                    xms: None,
                    xmx: Some("3g".into()),
                }
            }),
            "zookeeper.jvm.xmx",
            "not below the memory limit 3Gi",
        ),
        error(
            broker(|p| p.storage.size = Some("100G".into())),
            "pools.brokers.storage.size",
            "did you mean \"100Gi\"?",
        ),
        error(
            broker(|p| p.resources.limits.memory = Some("8G".into())),
            "pools.brokers.resources.limits.memory",
            "did you mean \"8Gi\"?",
        ),
        error(
            broker(|p| p.resources.requests.memory = Some("abc".into())),
            "pools.brokers.resources.requests.memory",
            "binary suffix Ki Mi Gi Ti Pi Ei",
        ),
        error(
            broker(|p| p.resources.requests.cpu = Some("2 cores".into())),
            "pools.brokers.resources.requests.cpu",
            "millicores (500m)",
        ),
        error(
            broker(|p| p.resources.limits.cpu = Some("0".into())),
            "pools.brokers.resources.limits.cpu",
            "more than zero",
        ),
        error(
            broker(|p| p.resources.requests.cpu = Some("8".into())),
            "pools.brokers.resources.requests.cpu",
            "the CPU request 8 is above the limit 4",
        ),
        error(
            broker(|p| p.resources.requests.memory = Some("16Gi".into())),
            "pools.brokers.resources.requests.memory",
            "the memory request 16Gi is above the limit 8Gi",
        ),
        error(
            broker(|p| p.storage.size = None),
            "pools.brokers.storage.size",
            "needs a size",
        ),
        error(
            broker(|p| p.storage.kind = StorageType::Jbod),
            "pools.brokers.storage.volumes",
            "at least one volume",
        ),
        error(
            broker(|p| {
                p.storage.kind = StorageType::Jbod;
                let volume = JbodVolume {
                    id: 0,
                    size: "100Gi".into(),
                    ..JbodVolume::default()
                };
                p.storage.volumes = vec![volume.clone(), volume];
            }),
            "pools.brokers.storage.volumes[1].id",
            "volume id 0 is used twice",
        ),
        error(
            broker(|p| {
                p.storage.kind = StorageType::Ephemeral;
                p.storage.size = None;
                p.storage.class = Some("fast-ssd".into());
            }),
            "pools.brokers.storage.class",
            "ephemeral storage is an emptyDir",
        ),
        warning(
            spec("dev").pool("dual", |p| p.storage.delete_claim = true),
            "pools.dual.storage.deleteClaim",
            "no effect on ephemeral storage",
        ),
        error(
            spec("zookeeper-classic").zookeeper(|z| z.storage.kind = StorageType::Jbod),
            "zookeeper.storage.type",
            "ZooKeeper does not support jbod",
        ),
    ]
}

fn listener_cases() -> Vec<Case> {
    let port = |p: i32| spec("production").listener("plain", move |l| l.port = p);
    let zk_external = |change: fn(&mut ListenerSpec)| spec("zookeeper-classic").listener("external", change);
    vec![
        error(
            port(9404),
            "listeners.plain.port",
            "port 9404 is forbidden: every broker uses it for the Prometheus metrics exporter",
        ),
        error(port(9999), "listeners.plain.port", "uses it for JMX"),
        error(
            port(9090),
            "listeners.plain.port",
            "reserved by Strimzi for its control plane listener",
        ),
        error(
            port(9091),
            "listeners.plain.port",
            "reserved by Strimzi for its replication listener",
        ),
        error(port(80), "listeners.plain.port", "port 80 is below 9092"),
        error(port(70000), "listeners.plain.port", "above 65535"),
        error(
            spec("production").listener("tls", |l| l.port = 9092),
            "listeners.tls.port",
            "port 9092 is already used by listener \"plain\"",
        ),
        error(
            zk_external(|l| l.bootstrap_node_port = Some(8080)),
            "listeners.external.bootstrapNodePort",
            "NodePort 8080 is outside the range 30000-32767",
        ),
        error(
            zk_external(|l| l.broker_node_ports = [(0, 40000)].into()),
            "listeners.external.brokerNodePorts.0",
            "NodePort 40000 is outside the range",
        ),
        error(
            zk_external(|l| {
                l.bootstrap_node_port = Some(31000);
                l.broker_node_ports = [(0, 31001), (1, 31000)].into();
            }),
            "listeners.external.brokerNodePorts.1",
            "NodePort 31000 is already used by listeners.external.bootstrapNodePort",
        ),
        error(
            external_nodeport(spec("production").listener("external", |l| l.bootstrap_node_port = Some(31000)))
                .listener("more", |l| {
                    l.kind = ListenerType::Nodeport;
                    l.bootstrap_node_port = Some(31000);
                }),
            "listeners.more.bootstrapNodePort",
            "already used by listeners.external.bootstrapNodePort",
        ),
        warning(
            zk_external(|l| l.broker_node_ports = [(7, 31007)].into()),
            "listeners.external.brokerNodePorts.7",
            "node id 7 is not a broker of this spec (the brokers get node ids 0, 1, 2)",
        ),
        error(
            spec("production").listener("plain", |l| l.bootstrap_node_port = Some(31000)),
            "listeners.plain.bootstrapNodePort",
            "only nodeport listeners take NodePorts, this one is internal",
        ),
        error(
            ingress(spec("zookeeper-classic"), |l| l.host = None),
            "listeners.ext.host",
            "need a bootstrap host name",
        ),
        error(
            ingress(spec("zookeeper-classic"), |l| {
                l.broker_hosts.remove(&1);
                l.broker_hosts.remove(&2);
            }),
            "listeners.ext.brokerHosts",
            "missing for node ids 1, 2",
        ),
        error(
            ingress(spec("zookeeper-classic"), |l| l.tls = false),
            "listeners.ext.tls",
            "TLS passthrough",
        ),
        warning(
            ingress(spec("production"), |l| l.broker_hosts.clear()).brokers(3),
            "listeners.ext.type",
            "deprecates ingress",
        ),
        warning(
            spec("production").listener("ext", |l| {
                l.kind = ListenerType::Route;
                l.tls = true;
            }),
            "listeners.ext.type",
            "only work on OpenShift",
        ),
        error(
            spec("production").listener("plain", |l| l.host = Some("kafka.example.com".into())),
            "listeners.plain.host",
            "only ingress and route listeners take host names",
        ),
        error(
            spec("production").listener("lb", |l| {
                l.kind = ListenerType::Loadbalancer;
                l.allow_from = vec!["10.0.0.0/8".into(), "10.0.0.0/33".into()];
            }),
            "listeners.lb.allowFrom[1]",
            "\"10.0.0.0/33\" is not a CIDR",
        ),
        error(
            spec("production").listener("plain", |l| l.allow_from = vec!["10.0.0.0/8".into()]),
            "listeners.plain.allowFrom",
            "only applies to loadbalancer listeners",
        ),
        error(
            spec("production").listener("plain", |l| l.authentication = ListenerAuth::Tls),
            "listeners.plain.authentication",
            "tls client authentication needs an encrypted listener",
        ),
        error(
            spec("production").with(|s| s.listeners.clear()),
            "listeners",
            "at least one listener is required",
        ),
    ]
}

fn version_cases() -> Vec<Case> {
    vec![
        error(
            spec("zookeeper-classic").with(|s| s.strimzi_api = StrimziApi::V1),
            "metadata",
            "Strimzi 0.46 and later (every release that serves API v1) is KRaft-only; use --metadata kraft",
        ),
        error(
            spec("production").with(|s| s.zookeeper = Some(ZookeeperSpec::default())),
            "zookeeper",
            "only apply with metadata: zookeeper",
        ),
        error(
            spec("zookeeper-classic").with(|s| s.zookeeper = None),
            "zookeeper",
            "needs a zookeeper block",
        ),
        warning(
            spec("production").with(|s| s.zoo_entrance.enabled = true),
            "zooEntrance.enabled",
            "ignored in KRaft mode",
        ),
        error(
            spec("production").with(|s| s.kafka_version = "3.7.0".into()),
            "kafkaVersion",
            "Strimzi 1.2.0 (API v1) supports Kafka 4.2.0, 4.2.1, 4.3.0, 4.3.1, not 3.7.0",
        ),
        error(
            spec("production").with(|s| s.kafka_version = "3.9.2".into()),
            "kafkaVersion",
            "--strimzi-api v1beta2",
        ),
        warning(
            spec("production").with(|s| {
                s.kafka_version = "3.7.0".into();
                s.images.kafka = Some("registry.corp/kafka/fork:3.7.0".into());
            }),
            "kafkaVersion",
            "make sure it runs Kafka 3.7.0",
        ),
        error(
            spec("production").with(|s| s.kafka_version = "4.3".into()),
            "kafkaVersion",
            "MAJOR.MINOR.PATCH",
        ),
        error(
            spec("zookeeper-classic").with(|s| {
                s.kafka_version = "4.0.0".into();
                s.images.kafka = Some("registry.corp/kafka/fork:3.9.2".into());
            }),
            "kafkaVersion",
            "Kafka 4.0.0 has no ZooKeeper mode",
        ),
        error(
            spec("production").with(|s| s.metadata_version = Some("4.4-IV0".into())),
            "metadataVersion",
            "newer than Kafka 4.3.1",
        ),
    ]
}

fn image_and_prometheus_cases() -> Vec<Case> {
    let images = |change: fn(&mut ClusterSpec)| spec("production").with(change);
    vec![
        error(
            images(|s| s.images.registry = Some("https://harbor.corp".into())),
            "images.registry",
            "scheme",
        ),
        error(
            images(|s| s.images.registry = Some("harbor.corp/mirror:v1".into())),
            "images.registry",
            "has a tag",
        ),
        error(
            images(|s| s.images.kafka = Some("Registry.corp/Team/Kafka".into())),
            "images.kafka",
            "uppercase",
        ),
        error(
            images(|s| s.images.kafka = Some("registry.corp/kafka :1".into())),
            "images.kafka",
            "contains blanks",
        ),
        error(
            images(|s| s.images.pull_secrets = vec!["Reg_Cred".into()]),
            "images.pullSecrets[0]",
            "not a Secret name",
        ),
        error(
            images(|s| s.prometheus.retention = "15 days".into()),
            "prometheus.retention",
            "not a Prometheus duration",
        ),
        error(
            images(|s| s.prometheus.retention_size = Some("18Gi".into())),
            "prometheus.retentionSize",
            "B, KB, MB, GB",
        ),
        warning(
            images(|s| s.prometheus.retention_size = Some("60GB".into())),
            "prometheus.retentionSize",
            "not below the volume 50Gi",
        ),
        error(
            images(|s| s.prometheus.storage.size = "20G".into()),
            "prometheus.storage.size",
            "did you mean \"20Gi\"?",
        ),
        error(
            images(|s| s.prometheus.image = String::new()),
            "prometheus.image",
            "an image is required",
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    [
        name_cases(),
        pool_cases(),
        config_cases(),
        resource_cases(),
        listener_cases(),
        version_cases(),
        image_and_prometheus_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The longest cluster name whose derived names all fit in 63 characters,
/// found by trying every length (the cluster name can appear more than once
/// in a derived name).
fn longest_cluster_name(preset_name: &str) -> usize {
    let fits = |len: usize| {
        let mut probe = spec(preset_name).0;
        probe.name = "k".repeat(len);
        derived_names(&probe).iter().all(|(name, _)| name.len() <= 63)
    };
    (1..=63).take_while(|len| fits(*len)).last().unwrap()
}

fn describe(report: &Report) -> String {
    let lines: Vec<String> = report
        .errors
        .iter()
        .map(|p| format!("  error   {p}"))
        .chain(report.warnings.iter().map(|p| format!("  warning {p}")))
        .collect();
    if lines.is_empty() {
        "  (nothing)".to_string()
    } else {
        lines.join("\n")
    }
}

#[test]
fn each_broken_field_is_reported_at_its_path_with_a_fix() {
    let cases = all_cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let report = validate(&case.spec.0);
        let found = match case.severity {
            Severity::Error => &report.errors,
            Severity::Warning => &report.warnings,
        };
        if !found
            .iter()
            .any(|p| p.field == case.field && p.message.contains(&case.phrase))
        {
            failures.push(format!(
                "expected {:?} at {} containing {:?}; got:\n{}",
                case.severity,
                case.field,
                case.phrase,
                describe(&report)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_builtin_preset_validates_without_errors() {
    for builtin in BUILTIN_PRESETS {
        let report = validate(&spec(builtin.name).0);
        assert!(
            report.errors.is_empty(),
            "preset {}:\n{}",
            builtin.name,
            describe(&report)
        );
        assert!(
            report.warnings.is_empty(),
            "preset {} has warnings:\n{}",
            builtin.name,
            describe(&report)
        );
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let broken = spec("production")
        .name("Bad_Name")
        .brokers(0)
        .listener("plain", |l| l.port = 9404)
        .pool("controllers", |p| p.storage.size = Some("20G".into()))
        .with(|s| s.prometheus.retention = "forever".into());
    let report = validate(&broken.0);
    let fields: Vec<&str> = report.errors.iter().map(|p| p.field.as_str()).collect();
    for expected in [
        "name",
        "pools.brokers.replicas",
        "listeners.plain.port",
        "pools.controllers.storage.size",
        "prometheus.retention",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} missing from:\n{}",
            describe(&report)
        );
    }
}

#[test]
fn longest_allowed_cluster_name_passes_and_one_more_character_fails() {
    for builtin in BUILTIN_PRESETS {
        let longest = longest_cluster_name(builtin.name);
        let fits = validate(&spec(builtin.name).name(&"a".repeat(longest)).0);
        assert!(
            fits.is_ok(),
            "{} with a {longest}-character name:\n{}",
            builtin.name,
            describe(&fits)
        );
        let too_long = validate(&spec(builtin.name).name(&"a".repeat(longest + 1)).0);
        let message = &too_long.errors.iter().find(|p| p.field == "name").unwrap().message;
        assert!(message.contains(&format!("at most {longest} characters")), "{message}");
    }
}

#[test]
fn scaling_below_the_replication_factor_with_the_brokers_flag_is_refused() {
    let mut spec = spec("production").0;
    let flags = SpecOverrides {
        brokers: Some(1),
        ..SpecOverrides::default()
    };
    assert!(flags.apply(&mut spec).is_ok());
    let report = validate(&spec);
    let fields: Vec<&str> = report.errors.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "config.default.replication.factor",
            "config.offsets.topic.replication.factor",
            "config.transaction.state.log.replication.factor",
        ],
        "{}",
        describe(&report)
    );
}

#[test]
fn a_custom_kafka_image_turns_an_unknown_version_into_a_warning_only() {
    let custom = spec("production").with(|s| {
        s.kafka_version = "4.4.0".into();
        s.images.kafka = Some("registry.corp/kafka:4.4.0".into());
    });
    let report = validate(&custom.0);
    assert!(report.is_ok(), "{}", describe(&report));
    assert_eq!(report.warnings.len(), 1, "{}", describe(&report));
}

#[test]
fn problems_render_as_field_then_message() {
    let report = validate(&spec("production").brokers(0).0);
    let problem = report
        .errors
        .iter()
        .find(|p| p.field == "pools.brokers.replicas")
        .unwrap();
    assert!(
        problem
            .to_string()
            .starts_with("pools.brokers.replicas: must be at least 1"),
        "{problem}"
    );
}

#[test]
fn one_broken_field_is_reported_once() {
    let cases = [
        spec("production").pool("brokers", |p| p.storage.size = Some("100G".into())),
        spec("production").name(&"a".repeat(70)),
        spec("production").listener("plain", |l| l.port = 9999),
        spec("zookeeper-classic")
            .with(|s| s.strimzi_api = StrimziApi::V1)
            .with(|s| s.kafka_version = "4.3.1".into()),
    ];
    for case in cases {
        let report = validate(&case.0);
        assert_eq!(report.errors.len(), 1, "{}", describe(&report));
    }
}
