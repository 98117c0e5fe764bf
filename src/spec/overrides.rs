//! Flags that override a preset. Plain data filled by the CLI layer, applied
//! to a spec here so that the rules ("--brokers means the broker pool") live
//! next to the model, not in clap code.

use super::model::*;
use super::problem::Report;
use super::versions::release_for_api;

/// Values given on the command line; `None`/empty means "keep the preset's".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecOverrides {
    pub namespace: Option<String>,
    pub metadata: Option<MetadataMode>,
    pub strimzi_api: Option<StrimziApi>,
    pub kafka_version: Option<String>,
    pub brokers: Option<i64>,
    pub controllers: Option<i64>,
    pub zookeepers: Option<i64>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub heap: Option<String>,
    pub storage_size: Option<String>,
    pub storage_class: Option<String>,
    pub ephemeral: bool,
    /// `--config KEY=VALUE`, in order.
    pub config: Vec<String>,
    /// `--listener NAME:PORT:TYPE[:tls]`, in order.
    pub listeners: Vec<String>,
    /// `--no-listener NAME`: listeners of the preset to remove, before `listeners` are added.
    pub no_listeners: Vec<String>,
    pub kafka_image: Option<String>,
    pub registry: Option<String>,
    pub image_pull_secrets: Vec<String>,
    pub no_monitoring: bool,
    /// The pool naming of the cluster being updated, which it keeps: not a
    /// flag, since renaming a KafkaNodePool replaces its pods and claims.
    pub node_pool_names: Option<NodePoolNames>,
}

impl SpecOverrides {
    /// Apply every override to `spec`; problems with the flags themselves
    /// (not with the resulting spec, which `validate()` checks) are reported.
    pub fn apply(&self, spec: &mut ClusterSpec) -> Report {
        let mut report = Report::default();
        if let Some(ns) = &self.namespace {
            spec.namespace = ns.clone();
        }
        self.apply_versions(spec);
        self.apply_replicas(spec, &mut report);
        self.apply_resources(spec);
        for entry in &self.config {
            match entry.split_once('=') {
                Some((key, value)) if !key.trim().is_empty() => {
                    spec.config
                        .insert(key.trim().to_string(), ConfigValue::parse(value.trim()));
                }
                _ => report.error(
                    "--config",
                    format!("\"{entry}\" is not KEY=VALUE (for example --config log.retention.hours=72)"),
                ),
            }
        }
        for name in &self.no_listeners {
            if spec.listeners.remove(name).is_none() {
                let present: Vec<&str> = spec.listeners.keys().map(String::as_str).collect();
                report.error(
                    "--no-listener",
                    format!(
                        "there is no listener \"{name}\" to remove; the listeners are: {}",
                        if present.is_empty() {
                            "none".to_string()
                        } else {
                            present.join(", ")
                        }
                    ),
                );
            }
        }
        for entry in &self.listeners {
            match parse_listener(entry) {
                Ok((name, listener)) => {
                    spec.listeners.insert(name, listener);
                }
                Err(message) => report.error("--listener", message),
            }
        }
        if let Some(image) = &self.kafka_image {
            spec.images.kafka = Some(image.clone());
        }
        if let Some(registry) = &self.registry {
            spec.images.registry = Some(registry.clone());
        }
        for secret in &self.image_pull_secrets {
            if !spec.images.pull_secrets.contains(secret) {
                spec.images.pull_secrets.push(secret.clone());
            }
        }
        if self.no_monitoring {
            spec.prometheus.enabled = false;
        }
        if let Some(naming) = self.node_pool_names {
            spec.node_pool_names = naming;
        }
        report
    }

    /// Metadata mode, API and Kafka version move together: switching mode or
    /// API converts the layout and picks that release's default Kafka version,
    /// unless the version was given too.
    fn apply_versions(&self, spec: &mut ClusterSpec) {
        if let Some(mode) = self.metadata
            && mode != spec.metadata
        {
            match mode {
                MetadataMode::Zookeeper => convert_to_zookeeper(spec),
                MetadataMode::Kraft => convert_to_kraft(spec),
            }
            if self.strimzi_api.is_none() {
                spec.strimzi_api = match mode {
                    MetadataMode::Zookeeper => StrimziApi::V1beta2,
                    MetadataMode::Kraft => StrimziApi::V1,
                };
            }
        }
        if let Some(api) = self.strimzi_api {
            spec.strimzi_api = api;
        }
        match &self.kafka_version {
            Some(version) => spec.kafka_version = version.clone(),
            None => {
                let release = release_for_api(spec.strimzi_api);
                if !release.kafka_versions.contains(&spec.kafka_version.as_str()) && spec.images.kafka.is_none() {
                    spec.kafka_version = release.default_kafka_version.to_string();
                }
            }
        }
    }

    fn apply_replicas(&self, spec: &mut ClusterSpec, report: &mut Report) {
        if let Some(n) = self.brokers {
            let pools: Vec<String> = spec.broker_pools().map(|(name, _)| name.clone()).collect();
            match pools.as_slice() {
                [only] => set_replicas(spec, only, n),
                [] => report.error("--brokers", "the spec has no broker pool to scale"),
                _ => report.error(
                    "--brokers",
                    format!(
                        "the spec has several broker pools ({}); set replicas per pool in a preset file",
                        pools.join(", ")
                    ),
                ),
            }
        }
        if let Some(n) = self.controllers {
            let dedicated: Vec<String> = spec
                .pools
                .iter()
                .filter(|(_, p)| p.is_controller() && !p.is_broker())
                .map(|(name, _)| name.clone())
                .collect();
            match dedicated.as_slice() {
                [only] => set_replicas(spec, only, n),
                _ if spec.is_zookeeper() => report.error("--controllers", "KRaft controllers do not exist in ZooKeeper mode; use --zookeepers"),
                [] => report.error(
                    "--controllers",
                    "the spec has no dedicated controller pool (its nodes are dual-role); use --brokers, or a preset with a controller pool such as production",
                ),
                _ => report.error("--controllers", "the spec has several controller pools; set replicas per pool in a preset file"),
            }
        }
        if let Some(n) = self.zookeepers {
            match spec.zookeeper.as_mut() {
                Some(zk) => zk.replicas = clamp_i32(n),
                None => report.error(
                    "--zookeepers",
                    "ZooKeeper is only used with --metadata zookeeper (Strimzi 0.45, --strimzi-api v1beta2)",
                ),
            }
        }
    }

    /// `--cpu`, `--memory`, `--heap` and storage flags size the broker pools,
    /// where the data and the load are. CPU and memory set requests and limits
    /// alike (guaranteed QoS, what Kafka brokers want).
    fn apply_resources(&self, spec: &mut ClusterSpec) {
        let broker_pools: Vec<String> = spec.broker_pools().map(|(name, _)| name.clone()).collect();
        for name in broker_pools {
            let Some(pool) = spec.pools.get_mut(&name) else {
                continue;
            };
            if let Some(cpu) = &self.cpu {
                pool.resources.requests.cpu = Some(cpu.clone());
                pool.resources.limits.cpu = Some(cpu.clone());
            }
            if let Some(memory) = &self.memory {
                pool.resources.requests.memory = Some(memory.clone());
                pool.resources.limits.memory = Some(memory.clone());
            }
            if let Some(heap) = &self.heap {
                pool.jvm.xms = Some(heap.clone());
                pool.jvm.xmx = Some(heap.clone());
            }
            if self.ephemeral {
                pool.storage.kind = StorageType::Ephemeral;
                pool.storage.size = None;
                pool.storage.class = None;
            }
            if let Some(size) = &self.storage_size {
                pool.storage.size = Some(size.clone());
                if pool.storage.kind == StorageType::Jbod {
                    pool.storage.volumes.iter_mut().for_each(|v| v.size = size.clone());
                }
            }
            if let Some(class) = &self.storage_class {
                pool.storage.class = Some(class.clone());
                pool.storage
                    .volumes
                    .iter_mut()
                    .for_each(|v| v.class = Some(class.clone()));
            }
        }
    }
}

fn set_replicas(spec: &mut ClusterSpec, pool: &str, n: i64) {
    if let Some(p) = spec.pools.get_mut(pool) {
        p.replicas = clamp_i32(n);
    }
}

/// Out-of-range numbers become values validation rejects with a clear message.
fn clamp_i32(n: i64) -> i32 {
    n.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// Broker pools fold into Strimzi's single `kafka` broker group; controllers go.
fn convert_to_zookeeper(spec: &mut ClusterSpec) {
    let template = spec.broker_pools().next().map(|(_, p)| p.clone()).unwrap_or_default();
    let replicas = spec.broker_count().max(1);
    spec.pools.clear();
    spec.pools.insert(
        ZOOKEEPER_MODE_POOL.to_string(),
        PoolSpec {
            roles: vec![Role::Broker],
            replicas,
            ..template.clone()
        },
    );
    spec.zookeeper = Some(ZookeeperSpec {
        scheduling: template.scheduling,
        ..ZookeeperSpec::default()
    });
    spec.metrics.zookeeper = spec.metrics.kafka;
    spec.zoo_entrance.enabled = true;
    spec.zookeeper_exporter.enabled = spec.prometheus.enabled;
    spec.metadata = MetadataMode::Zookeeper;
}

/// The broker group becomes a `brokers` pool next to three dedicated controllers.
fn convert_to_kraft(spec: &mut ClusterSpec) {
    let brokers = spec.pools.remove(ZOOKEEPER_MODE_POOL).unwrap_or_default();
    let scheduling = brokers.scheduling.clone();
    spec.pools.clear();
    spec.pools.insert(
        "brokers".to_string(),
        PoolSpec {
            roles: vec![Role::Broker],
            ..brokers
        },
    );
    spec.pools.insert(
        "controllers".to_string(),
        PoolSpec {
            roles: vec![Role::Controller],
            replicas: 3,
            storage: StorageSpec {
                size: Some("20Gi".to_string()),
                ..StorageSpec::default()
            },
            scheduling,
            ..PoolSpec::default()
        },
    );
    spec.zookeeper = None;
    spec.metrics.zookeeper = false;
    spec.zoo_entrance.enabled = false;
    spec.zookeeper_exporter.enabled = false;
    spec.metadata = MetadataMode::Kraft;
}

/// Parse `NAME:PORT:TYPE[:tls]`, e.g. `external:9094:nodeport:tls`.
pub fn parse_listener(text: &str) -> Result<(String, ListenerSpec), String> {
    let usage = "expected NAME:PORT:TYPE[:tls] with TYPE one of internal, cluster-ip, nodeport, loadbalancer, ingress, route (for example external:9094:nodeport:tls)";
    let parts: Vec<&str> = text.split(':').collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(format!("\"{text}\": {usage}"));
    }
    let name = parts[0].to_string();
    let port: i32 = parts[1]
        .parse()
        .map_err(|_| format!("\"{text}\": port \"{}\" is not a number; {usage}", parts[1]))?;
    let kind = match parts[2] {
        "internal" => ListenerType::Internal,
        "cluster-ip" => ListenerType::ClusterIp,
        "nodeport" => ListenerType::Nodeport,
        "loadbalancer" => ListenerType::Loadbalancer,
        "ingress" => ListenerType::Ingress,
        "route" => ListenerType::Route,
        other => {
            return Err(format!("\"{text}\": unknown listener type \"{other}\"; {usage}"));
        }
    };
    let tls = match parts.get(3) {
        None => false,
        Some(&"tls") => true,
        Some(other) => {
            return Err(format!(
                "\"{text}\": unknown option \"{other}\" (only \"tls\" may follow the type)"
            ));
        }
    };
    Ok((
        name,
        ListenerSpec {
            port,
            kind,
            tls,
            ..ListenerSpec::default()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    fn preset_spec(name: &str) -> ClusterSpec {
        preset::resolve(&preset::find(name).unwrap()).unwrap()
    }

    #[test]
    fn brokers_flag_sets_the_broker_pool() {
        let mut spec = preset_spec("production");
        let report = SpecOverrides {
            brokers: Some(5),
            ..Default::default()
        }
        .apply(&mut spec);
        assert!(report.is_ok());
        assert_eq!(spec.pools["brokers"].replicas, 5);
        assert_eq!(spec.pools["controllers"].replicas, 3);
    }

    #[test]
    fn controllers_flag_on_a_dual_role_preset_is_refused() {
        let mut spec = preset_spec("dev");
        let report = SpecOverrides {
            controllers: Some(3),
            ..Default::default()
        }
        .apply(&mut spec);
        assert_eq!(report.errors[0].field, "--controllers");
        assert!(report.errors[0].message.contains("dual-role"));
    }

    #[test]
    fn switching_to_zookeeper_converts_the_layout_and_the_api() {
        let mut spec = preset_spec("production");
        let report = SpecOverrides {
            metadata: Some(MetadataMode::Zookeeper),
            ..Default::default()
        }
        .apply(&mut spec);
        assert!(report.is_ok());
        assert_eq!(spec.pools.keys().collect::<Vec<_>>(), vec!["kafka"]);
        assert_eq!(spec.pools["kafka"].replicas, 3);
        assert_eq!(spec.strimzi_api, StrimziApi::V1beta2);
        assert_eq!(spec.kafka_version, "3.9.2");
        assert_eq!(spec.zookeeper.as_ref().unwrap().replicas, 3);
    }

    #[test]
    fn listener_flag_parses_name_port_type_and_tls() {
        let (name, l) = parse_listener("external:9094:nodeport:tls").unwrap();
        assert_eq!(name, "external");
        assert_eq!((l.port, l.kind, l.tls), (9094, ListenerType::Nodeport, true));
        assert!(
            parse_listener("external:94x:nodeport")
                .unwrap_err()
                .contains("port \"94x\"")
        );
        assert!(
            parse_listener("external:9094:public")
                .unwrap_err()
                .contains("unknown listener type")
        );
    }

    #[test]
    fn config_flag_keeps_types() {
        let mut spec = preset_spec("dev");
        let report = SpecOverrides {
            config: vec![
                "log.retention.hours=72".into(),
                "auto.create.topics.enable=false".into(),
                "bad".into(),
            ],
            ..Default::default()
        }
        .apply(&mut spec);
        assert_eq!(spec.config["log.retention.hours"], ConfigValue::Int(72));
        assert_eq!(spec.config["auto.create.topics.enable"], ConfigValue::Bool(false));
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].field, "--config");
    }
}
