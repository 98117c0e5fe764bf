//! Every Strimzi object kafkactl renders validates, strictly, against the CRD
//! of the Strimzi release it targets: 1.2.0 for `v1`, 0.45.2 for `v1beta2`.
//! A real API server would silently prune an unknown field, so strict
//! checking here is the only place a misspelt field is caught.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use fake_kube::schema::{SchemaViolation, ViolationReason, crd_version_schema, validate_strict};
use kafkactl::render::{Plan, RenderContext, render};
use kafkactl::spec::{
    AntiAffinity, ClusterSpec, ConfigValue, JbodVolume, ListenerAuth, ListenerSpec, ListenerType, MetadataMode,
    SpecOverrides, StorageSpec, StorageType, StrimziApi, Toleration,
};
use kafkactl::spec::{preset, validate};
use serde_json::{Value, json};

/// One Strimzi release bundle's CRD schemas, for the API it serves.
struct Release {
    kafka: Value,
    node_pool: Value,
}

fn load_schema(release: &str, file: &str, version: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/strimzi")
        .join(release)
        .join("install/cluster-operator")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let crd: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    crd_version_schema(&crd, version).unwrap_or_else(|| panic!("{} serves no {version}", path.display()))
}

static STRIMZI_1_2_0: LazyLock<Release> = LazyLock::new(|| Release {
    kafka: load_schema("1.2.0", "040-Crd-kafka.yaml", "v1"),
    node_pool: load_schema("1.2.0", "045-Crd-kafkanodepool.yaml", "v1"),
});

static STRIMZI_0_45_2: LazyLock<Release> = LazyLock::new(|| Release {
    kafka: load_schema("0.45.2", "040-Crd-kafka.yaml", "v1beta2"),
    node_pool: load_schema("0.45.2", "04A-Crd-kafkanodepool.yaml", "v1beta2"),
});

fn release(api: StrimziApi) -> &'static Release {
    match api {
        StrimziApi::V1 => &STRIMZI_1_2_0,
        StrimziApi::V1beta2 => &STRIMZI_0_45_2,
    }
}

/// The schema of a rendered Strimzi object, by its own apiVersion and kind.
fn schema_for(object: &Value) -> &'static Value {
    let api = match object["apiVersion"].as_str() {
        Some("kafka.strimzi.io/v1") => StrimziApi::V1,
        Some("kafka.strimzi.io/v1beta2") => StrimziApi::V1beta2,
        other => panic!("not a Strimzi apiVersion: {other:?}"),
    };
    match object["kind"].as_str() {
        Some("Kafka") => &release(api).kafka,
        Some("KafkaNodePool") => &release(api).node_pool,
        other => panic!("no CRD loaded for kind {other:?}"),
    }
}

fn strimzi_objects(plan: &Plan) -> Vec<&Value> {
    plan.objects
        .iter()
        .map(|o| &o.object)
        .filter(|o| {
            o["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("kafka.strimzi.io/"))
        })
        .collect()
}

fn violations_of(object: &Value) -> Vec<SchemaViolation> {
    validate_strict(schema_for(object), object)
}

// ---- spec builders -------------------------------------------------------

fn preset_spec(name: &str) -> ClusterSpec {
    let mut spec = preset::resolve(&preset::find(name).unwrap()).unwrap();
    spec.name = "my-cluster".to_string();
    spec
}

fn with_overrides(mut spec: ClusterSpec, overrides: SpecOverrides) -> ClusterSpec {
    let report = overrides.apply(&mut spec);
    assert!(report.errors.is_empty(), "overrides refused: {:?}", report.errors);
    spec
}

/// The specs every modifier is applied to: each preset, plus KRaft on
/// Strimzi 0.45 (v1beta2) and ZooKeeper converted from a KRaft preset.
fn bases() -> Vec<(&'static str, ClusterSpec)> {
    vec![
        ("dev", preset_spec("dev")),
        ("production", preset_spec("production")),
        ("zookeeper-classic", preset_spec("zookeeper-classic")),
        (
            "production on v1beta2 (KRaft)",
            with_overrides(
                preset_spec("production"),
                SpecOverrides {
                    strimzi_api: Some(StrimziApi::V1beta2),
                    ..Default::default()
                },
            ),
        ),
        (
            "production converted to ZooKeeper",
            with_overrides(
                preset_spec("production"),
                SpecOverrides {
                    metadata: Some(MetadataMode::Zookeeper),
                    ..Default::default()
                },
            ),
        ),
    ]
}

fn listener(port: i32, kind: ListenerType, tls: bool, authentication: ListenerAuth) -> ListenerSpec {
    ListenerSpec {
        port,
        kind,
        tls,
        authentication,
        ..ListenerSpec::default()
    }
}

/// A listener of every type, with TLS and each authentication, and every
/// per-listener setting kafkactl renders.
fn every_listener(spec: &mut ClusterSpec) {
    let broker_ids: Vec<i32> = spec
        .broker_pools()
        .flat_map(|(name, _)| kafkactl::spec::names::predicted_node_ids(spec, name))
        .collect();
    let mut nodeport = listener(9094, ListenerType::Nodeport, true, ListenerAuth::ScramSha512);
    nodeport.bootstrap_node_port = Some(31090);
    nodeport.broker_node_ports = broker_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, 31091 + i as i32))
        .collect();
    nodeport.annotations = BTreeMap::from([("example.com/team".to_string(), "data".to_string())]);
    let mut loadbalancer = listener(9095, ListenerType::Loadbalancer, true, ListenerAuth::Tls);
    loadbalancer.annotations = BTreeMap::from([(
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type".to_string(),
        "intranet".to_string(),
    )]);
    loadbalancer.allow_from = vec!["10.0.0.0/8".to_string(), "192.168.0.0/16".to_string()];
    let mut ingress = listener(9096, ListenerType::Ingress, true, ListenerAuth::ScramSha512);
    ingress.host = Some("bootstrap.kafka.example.com".to_string());
    ingress.broker_hosts = broker_ids
        .iter()
        .map(|id| (*id, format!("broker-{id}.kafka.example.com")))
        .collect();
    ingress.ingress_class = Some("nginx".to_string());
    let mut route = listener(9097, ListenerType::Route, true, ListenerAuth::None);
    route.host = Some("bootstrap-route.apps.example.com".to_string());
    spec.listeners = BTreeMap::from([
        (
            "plain".to_string(),
            listener(9092, ListenerType::Internal, false, ListenerAuth::None),
        ),
        (
            "scram".to_string(),
            listener(9093, ListenerType::Internal, true, ListenerAuth::ScramSha512),
        ),
        (
            "clusterip".to_string(),
            listener(9098, ListenerType::ClusterIp, true, ListenerAuth::Tls),
        ),
        ("external".to_string(), nodeport),
        ("lb".to_string(), loadbalancer),
        ("ingress".to_string(), ingress),
        ("route".to_string(), route),
    ]);
}

fn jbod() -> StorageSpec {
    StorageSpec {
        kind: StorageType::Jbod,
        size: None,
        class: None,
        delete_claim: false,
        volumes: vec![
            JbodVolume {
                id: 0,
                size: "100Gi".to_string(),
                class: Some("fast-ssd".to_string()),
                delete_claim: false,
            },
            JbodVolume {
                id: 1,
                size: "200Gi".to_string(),
                class: None,
                delete_claim: true,
            },
        ],
    }
}

fn all_schedulings(spec: &mut ClusterSpec, f: impl Fn(&mut kafkactl::spec::SchedulingSpec)) {
    spec.pools.values_mut().for_each(|p| f(&mut p.scheduling));
    if let Some(zk) = spec.zookeeper.as_mut() {
        f(&mut zk.scheduling);
    }
}

type Modifier = (&'static str, Box<dyn Fn(ClusterSpec) -> ClusterSpec>);

/// Flag combinations and spec shapes, each applied to every base.
fn modifiers() -> Vec<Modifier> {
    fn flags(overrides: SpecOverrides) -> Box<dyn Fn(ClusterSpec) -> ClusterSpec> {
        Box::new(move |spec| with_overrides(spec, overrides.clone()))
    }
    fn edit(f: impl Fn(&mut ClusterSpec) + 'static) -> Box<dyn Fn(ClusterSpec) -> ClusterSpec> {
        Box::new(move |mut spec| {
            f(&mut spec);
            spec
        })
    }
    vec![
        ("as is", edit(|_| {})),
        (
            "--brokers 5",
            flags(SpecOverrides {
                brokers: Some(5),
                ..Default::default()
            }),
        ),
        (
            "--ephemeral",
            flags(SpecOverrides {
                ephemeral: true,
                ..Default::default()
            }),
        ),
        (
            "--storage-size",
            flags(SpecOverrides {
                storage_size: Some("500Gi".into()),
                ..Default::default()
            }),
        ),
        (
            "persistent claims with --storage-class",
            Box::new(|mut spec: ClusterSpec| {
                for pool in spec.pools.values_mut() {
                    pool.storage = StorageSpec {
                        kind: StorageType::PersistentClaim,
                        size: Some("200Gi".into()),
                        delete_claim: true,
                        ..StorageSpec::default()
                    };
                }
                with_overrides(
                    spec,
                    SpecOverrides {
                        storage_class: Some("fast-ssd".into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            "--cpu/--memory/--heap",
            flags(SpecOverrides {
                cpu: Some("3500m".into()),
                memory: Some("12Gi".into()),
                heap: Some("6g".into()),
                ..Default::default()
            }),
        ),
        (
            "--config of every type",
            flags(SpecOverrides {
                config: vec![
                    "log.retention.hours=72".into(),
                    "auto.create.topics.enable=false".into(),
                    "log.cleaner.min.cleanable.ratio=0.3".into(),
                    "compression.type=zstd".into(),
                ],
                ..Default::default()
            }),
        ),
        (
            "registry, kafka image and pull secrets",
            flags(SpecOverrides {
                kafka_image: Some("quay.io/acme/kafka:3.9.2-patched".into()),
                registry: Some("harbor.corp/mirror".into()),
                image_pull_secrets: vec!["harbor-pull".into(), "backup-pull".into()],
                ..Default::default()
            }),
        ),
        (
            "--no-monitoring",
            flags(SpecOverrides {
                no_monitoring: true,
                ..Default::default()
            }),
        ),
        ("every listener type", edit(every_listener)),
        (
            "ephemeral with a size limit",
            edit(|s| {
                for pool in s.pools.values_mut() {
                    pool.storage = StorageSpec {
                        kind: StorageType::Ephemeral,
                        size: Some("10Gi".into()),
                        ..StorageSpec::default()
                    };
                }
            }),
        ),
        (
            "JBOD",
            edit(|s| {
                s.pools
                    .values_mut()
                    .filter(|p| p.is_broker())
                    .for_each(|p| p.storage = jbod())
            }),
        ),
        (
            "JMX with password",
            edit(|s| {
                s.jmx = kafkactl::spec::JmxSpec {
                    enabled: true,
                    password_auth: true,
                    node_port_services: true,
                    node_ports: std::collections::BTreeMap::from([(0, 31999)]),
                }
            }),
        ),
        (
            "JMX without password",
            edit(|s| {
                s.jmx = kafkactl::spec::JmxSpec {
                    enabled: true,
                    password_auth: false,
                    node_port_services: false,
                    ..Default::default()
                }
            }),
        ),
        (
            "metrics off",
            edit(|s| {
                s.metrics = kafkactl::spec::MetricsSpec {
                    kafka: false,
                    zookeeper: false,
                }
            }),
        ),
        (
            "metrics on",
            edit(|s| {
                s.metrics = kafkactl::spec::MetricsSpec {
                    kafka: true,
                    zookeeper: true,
                }
            }),
        ),
        ("kafka exporter off", edit(|s| s.kafka_exporter.enabled = false)),
        (
            "cruise control (scale --rebalance)",
            edit(|s| s.cruise_control.enabled = true),
        ),
        (
            "kafka exporter with regexes",
            edit(|s| {
                s.kafka_exporter.enabled = true;
                s.kafka_exporter.topic_regex = "orders-.*".into();
                s.kafka_exporter.group_regex = "billing-.*".into();
            }),
        ),
        (
            "anti-affinity required",
            edit(|s| all_schedulings(s, |sch| sch.anti_affinity = AntiAffinity::Required)),
        ),
        (
            "anti-affinity preferred on zones",
            edit(|s| {
                all_schedulings(s, |sch| {
                    sch.anti_affinity = AntiAffinity::Preferred;
                    sch.topology_key = "topology.kubernetes.io/zone".into();
                })
            }),
        ),
        (
            "anti-affinity none",
            edit(|s| all_schedulings(s, |sch| sch.anti_affinity = AntiAffinity::None)),
        ),
        (
            "tolerations and node selector",
            edit(|s| {
                all_schedulings(s, |sch| {
                    sch.node_selector =
                        BTreeMap::from([("node-role/kafka".into(), "true".into()), ("disk".into(), "ssd".into())]);
                    sch.tolerations = vec![
                        Toleration {
                            key: Some("dedicated".into()),
                            operator: Some("Equal".into()),
                            value: Some("kafka".into()),
                            effect: Some("NoSchedule".into()),
                            toleration_seconds: None,
                        },
                        Toleration {
                            key: Some("node.kubernetes.io/unreachable".into()),
                            operator: Some("Exists".into()),
                            value: None,
                            effect: Some("NoExecute".into()),
                            toleration_seconds: Some(300),
                        },
                    ];
                })
            }),
        ),
        (
            "metadata version",
            edit(|s| s.metadata_version = kafkactl::spec::versions::metadata_version_for(&s.kafka_version)),
        ),
        (
            "config values straight from the model",
            edit(|s| {
                s.config.insert("num.io.threads".into(), ConfigValue::Int(16));
                s.config
                    .insert("unclean.leader.election.enable".into(), ConfigValue::Bool(false));
                s.config.insert(
                    "log.segment.delete.delay.ms".into(),
                    ConfigValue::String("60000".into()),
                );
            }),
        ),
    ]
}

/// Every case: each base with each modifier, and ZooKeeper's own sizes.
/// Each is a spec `validate()` accepts, i.e. one a user could render.
fn cases() -> Vec<(String, ClusterSpec)> {
    let mut cases = Vec::new();
    for (base_name, base) in bases() {
        for (modifier_name, modify) in modifiers() {
            cases.push((format!("{base_name} + {modifier_name}"), modify(base.clone())));
        }
    }
    let zookeeper = with_overrides(
        preset_spec("zookeeper-classic"),
        SpecOverrides {
            zookeepers: Some(5),
            brokers: Some(2),
            ..Default::default()
        },
    );
    cases.push((
        "zookeeper-classic + --zookeepers 5 --brokers 2".to_string(),
        zookeeper.clone(),
    ));
    let mut ephemeral_zookeeper = zookeeper;
    if let Some(zk) = ephemeral_zookeeper.zookeeper.as_mut() {
        zk.storage = StorageSpec {
            kind: StorageType::Ephemeral,
            size: Some("2Gi".into()),
            ..StorageSpec::default()
        };
    }
    cases.push((
        "zookeeper-classic + ephemeral ZooKeeper".to_string(),
        ephemeral_zookeeper,
    ));
    cases
}

// ---- tests ---------------------------------------------------------------

#[test]
fn every_rendered_strimzi_object_fits_its_crd_strictly() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (case, spec) in cases() {
        let report = validate(&spec);
        assert!(
            report.errors.is_empty(),
            "{case} is not a valid spec, so it proves nothing: {:?}",
            report.errors
        );
        let plan = render(&spec, &RenderContext::offline());
        let objects = strimzi_objects(&plan);
        let kafkas = objects.iter().filter(|o| o["kind"] == "Kafka").count();
        let pools = objects.iter().filter(|o| o["kind"] == "KafkaNodePool").count();
        let expected_pools = if spec.is_zookeeper() { 0 } else { spec.pools.len() };
        assert_eq!(
            (kafkas, pools),
            (1, expected_pools),
            "{case}: one Kafka and a KafkaNodePool per KRaft pool"
        );
        for object in objects {
            checked += 1;
            for violation in violations_of(object) {
                failures.push(format!(
                    "{case}: {} {}: {violation}",
                    object["kind"], object["metadata"]["name"]
                ));
            }
        }
    }
    assert!(checked > 100, "only {checked} objects were checked");
    assert!(
        failures.is_empty(),
        "{} violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn both_strimzi_apis_and_both_metadata_modes_are_covered() {
    let cases = cases();
    for (api, mode) in [
        (StrimziApi::V1, MetadataMode::Kraft),
        (StrimziApi::V1beta2, MetadataMode::Kraft),
        (StrimziApi::V1beta2, MetadataMode::Zookeeper),
    ] {
        assert!(
            cases.iter().any(|(_, s)| s.strimzi_api == api && s.metadata == mode),
            "{api:?} {mode:?} is not covered"
        );
    }
}

#[test]
fn an_unknown_field_in_a_rendered_kafka_is_caught() {
    let mut kafka = render(&preset_spec("production"), &RenderContext::offline())
        .find("Kafka", "my-cluster")
        .unwrap()
        .object
        .clone();
    assert_eq!(violations_of(&kafka), vec![]);
    kafka["spec"]["kafka"]["listeners"][0]["authentification"] = json!({ "type": "tls" });
    let violations = violations_of(&kafka);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].reason, ViolationReason::UnknownField);
    assert_eq!(violations[0].path, "spec.kafka.listeners[0].authentification");
}

#[test]
fn broker_sizing_in_spec_kafka_is_refused_by_the_v1_crd() {
    // Strimzi 1.x moved replicas and storage to node pools; v1beta2 still had them.
    let mut kafka = render(&preset_spec("production"), &RenderContext::offline())
        .find("Kafka", "my-cluster")
        .unwrap()
        .object
        .clone();
    kafka["spec"]["kafka"]["replicas"] = json!(3);
    let paths: Vec<String> = violations_of(&kafka).into_iter().map(|v| v.path).collect();
    assert_eq!(paths, vec!["spec.kafka.replicas"]);
}

#[test]
fn zookeeper_rendered_for_the_v1_api_is_refused_by_its_crd() {
    // Validation refuses this spec; the schema is the second line of defence.
    let mut spec = preset_spec("zookeeper-classic");
    spec.strimzi_api = StrimziApi::V1;
    let plan = render(&spec, &RenderContext::offline());
    let kafka = &plan.find("Kafka", "my-cluster").unwrap().object;
    let unknown: Vec<String> = violations_of(kafka)
        .into_iter()
        .filter(|v| v.reason == ViolationReason::UnknownField)
        .map(|v| v.path)
        .collect();
    assert!(unknown.contains(&"spec.zookeeper".to_string()), "{unknown:?}");
    assert!(unknown.contains(&"spec.kafka.replicas".to_string()), "{unknown:?}");
}

#[test]
fn cruise_control_is_rendered_for_both_apis_and_fits_their_crds() {
    for base in ["production", "zookeeper-classic"] {
        let mut spec = preset_spec(base);
        let plan = render(&spec, &RenderContext::offline());
        let kafka = &plan.find("Kafka", "my-cluster").unwrap().object;
        assert!(kafka["spec"].get("cruiseControl").is_none(), "{base}: off by default");
        spec.cruise_control.enabled = true;
        let plan = render(&spec, &RenderContext::offline());
        let kafka = &plan.find("Kafka", "my-cluster").unwrap().object;
        assert_eq!(kafka["spec"]["cruiseControl"], json!({}), "{base}");
        assert_eq!(violations_of(kafka), vec![], "{base}");
    }
}
