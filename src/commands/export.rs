//! `kafkactl export NAME`: the spec stored on a cluster as a preset file that
//! `kafkactl create NAME --preset FILE` re-creates; optionally the cluster's
//! KafkaTopics and KafkaUsers (and, asked for, their Secrets) as a file
//! `kubectl apply -f` restores.

use std::path::Path;

use kube::ResourceExt;
use serde_json::{Value, json};

use super::shared::change::load_cluster;
use crate::actions::LoadedCluster;
use crate::actions::change::live_plan;
use crate::cli::delete::ExportArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::exposure::read_endpoints;
use crate::cluster::inventory::node_ids;
use crate::cluster::teardown::{get_one, is_internal_topic_resource, list_kind, to_value};
use crate::error::Failure;
use crate::render::RenderContext;
use crate::spec::names::{self, STRIMZI_CLUSTER_LABEL};
use crate::spec::preset::preset_value;
use crate::spec::{ClusterSpec, ExposureType, ListenerType};
use crate::ui;

pub fn run(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let (spec, objects, drift) = runtime.block_on(async {
        let loaded = load_cluster(global, &args.name).await?;
        let objects = cluster_objects(&loaded, &args).await?;
        let (spec, drift) = live_spec(&loaded).await?;
        Ok::<_, Failure>((spec, objects, drift))
    })?;
    if !global.output.quiet && !drift.is_empty() {
        crate::eprintln_safe!(
            "{} the live cluster differs from the spec kafkactl stored on it, and the export holds the stored spec; \
             re-creating from it drops these changes:",
            console::style("warning:").for_stderr().yellow().bold()
        );
        for d in &drift {
            crate::eprintln_safe!("  {d}");
        }
        crate::eprintln_safe!(
            "  hint: make the changes through kafkactl (scale, expose, create --update) so the stored spec records them, then export again"
        );
    }
    let format = global.output.output;
    let objects_to_stdout = args.objects_file.as_deref() == Some(Path::new("-"));
    if let Some(file) = &args.objects_file {
        let text = objects_document(&objects.all(), format)?;
        if objects_to_stdout {
            ui::output::print_stdout(&text);
        } else {
            std::fs::write(file, text).map_err(|e| {
                Failure::usage(format!("--objects-file: cannot write {}: {e}", file.display()))
                    .with_hint("pass a file in a directory that exists and you may write to, or - for stdout")
            })?;
        }
        if !global.output.quiet {
            crate::eprintln_safe!(
                "wrote {} to {}",
                objects.summary(),
                if objects_to_stdout {
                    "stdout".to_string()
                } else {
                    file.display().to_string()
                }
            );
        }
        if !objects.secrets.is_empty() {
            crate::eprintln_safe!(
                "{} {} hold(s) the credentials of {} KafkaUser(s), base64-encoded but not encrypted: keep it secret and delete it once restored",
                console::style("warning:").for_stderr().yellow().bold(),
                if objects_to_stdout {
                    "the output".to_string()
                } else {
                    file.display().to_string()
                },
                objects.secrets.len()
            );
        }
    }
    if !objects_to_stdout {
        ui::output::print_stdout(&preset_document(&spec, format)?);
    }
    Ok(())
}

/// The spec to export: the stored spec plus what the live cluster allocated
/// that a re-create must ask for again (the KRaft cluster ID, NodePorts),
/// and what differs between the live Strimzi resources and the stored spec.
async fn live_spec(loaded: &LoadedCluster) -> Result<(ClusterSpec, Vec<String>), Failure> {
    let mut spec = loaded.spec.clone();
    if !spec.is_zookeeper()
        && let Some(id) = loaded.kafka["status"]["clusterId"].as_str().filter(|id| !id.is_empty())
    {
        spec.cluster_id = Some(id.to_string());
    }
    let conn = &loaded.conn;
    let plan = live_plan(conn, loaded.api, &loaded.spec).await?;
    let ctx = RenderContext {
        node_ids: node_ids(conn, loaded.api.as_str(), &spec).await?,
        include_namespace: false,
        // Only the Kafka and its node pools are compared; Prometheus' volume plays no part.
        prometheus_volume: None,
    };
    let endpoints = read_endpoints(conn, &spec.namespace).await?;
    let mut drift = pin_allocated_node_ports(&mut spec, &ctx, |service| endpoints.node_port(service));
    let api_version = loaded.api.api_version();
    for rendered in plan
        .objects
        .iter()
        .filter(|o| ["Kafka", "KafkaNodePool"].contains(&o.kind()))
    {
        let live = match rendered.kind() {
            "Kafka" => Some(loaded.kafka.clone()),
            kind => get_one(conn, api_version, kind, &spec.namespace, rendered.name())
                .await?
                .map(|f| to_value(&f.object)),
        };
        let what = format!("{} {}", rendered.kind(), rendered.name());
        match live {
            None => drift.push(format!("{what}: in the stored spec, missing from the cluster")),
            Some(live) => spec_drift(&what, "spec", &rendered.object["spec"], &live["spec"], &mut drift),
        }
    }
    Ok((spec, drift))
}

/// Pin the NodePorts Kubernetes allocated (`node_port` reads a Service's)
/// where the spec leaves them open: nodeport listeners (bootstrap and per
/// broker), JMX Services, the zoo-entrance and Prometheus exposures, so that
/// a re-created cluster asks for the same ports and clients keep working.
/// Returns where a pinned port is not the one the Service has.
pub fn pin_allocated_node_ports(
    spec: &mut ClusterSpec,
    ctx: &RenderContext,
    node_port: impl Fn(&str) -> Option<i32>,
) -> Vec<String> {
    let mut drift = Vec::new();
    let mut pin = |what: String, slot: &mut Option<i32>, service: &str| match (*slot, node_port(service)) {
        (None, live) => *slot = live,
        (Some(pinned), Some(live)) if pinned != live => drift.push(format!(
            "{what}: the spec asks for NodePort {pinned}, Service {service} has {live}"
        )),
        _ => {}
    };
    let brokers: Vec<(String, i32)> = spec
        .broker_pools()
        .flat_map(|(pool, _)| ctx.node_ids(spec, pool).into_iter().map(move |id| (pool.clone(), id)))
        .collect();
    let cluster = spec.name.clone();
    let mut listeners = std::mem::take(&mut spec.listeners);
    for (name, listener) in listeners.iter_mut().filter(|(_, l)| l.kind == ListenerType::Nodeport) {
        let service = names::listener_bootstrap_service(&cluster, name);
        pin(
            format!("listener {name} bootstrap"),
            &mut listener.bootstrap_node_port,
            &service,
        );
        for (pool, id) in &brokers {
            let service = names::broker_listener_service(spec, pool, name, *id);
            let mut slot = listener.broker_node_ports.get(id).copied();
            pin(format!("listener {name} broker {id}"), &mut slot, &service);
            if let Some(port) = slot {
                listener.broker_node_ports.insert(*id, port);
            }
        }
    }
    spec.listeners = listeners;
    if spec.jmx.enabled && spec.jmx.node_port_services {
        for (pool, id) in &brokers {
            let service = names::jmx_service(&names::pool_pod(spec, pool, *id));
            let mut slot = spec.jmx.node_ports.get(id).copied();
            pin(format!("JMX of broker {id}"), &mut slot, &service);
            if let Some(port) = slot {
                spec.jmx.node_ports.insert(*id, port);
            }
        }
    }
    if spec.zoo_entrance.enabled
        && let Some(exposure) = spec
            .zoo_entrance
            .expose
            .as_mut()
            .filter(|e| e.kind == ExposureType::Nodeport)
    {
        pin(
            "zoo-entrance".to_string(),
            &mut exposure.node_port,
            &names::zoo_entrance(&cluster),
        );
    }
    if spec.prometheus.standalone()
        && let Some(exposure) = spec
            .prometheus
            .expose
            .as_mut()
            .filter(|e| e.kind == ExposureType::Nodeport)
    {
        pin(
            "Prometheus".to_string(),
            &mut exposure.node_port,
            &names::prometheus(&cluster),
        );
    }
    drift
}

/// Where `live` differs from what the stored spec renders (`rendered`):
/// every value the render sets, and keys the live object adds to a map the
/// render writes (e.g. a broker config key patched in).
pub fn spec_drift(what: &str, path: &str, rendered: &Value, live: &Value, out: &mut Vec<String>) {
    match (rendered, live) {
        (Value::Object(r), Value::Object(l)) => {
            for (key, value) in r {
                let child = format!("{path}.{key}");
                match l.get(key) {
                    Some(live_value) => spec_drift(what, &child, value, live_value, out),
                    None => out.push(format!("{what} {child}: stored {}, live has none", short(value))),
                }
            }
            for (key, value) in l.iter().filter(|(k, _)| !r.contains_key(*k)) {
                out.push(format!(
                    "{what} {path}.{key}: not in the stored spec, live {}",
                    short(value)
                ));
            }
        }
        (r, l) if !same_value(r, l) => out.push(format!("{what} {path}: stored {}, live {}", short(r), short(l))),
        _ => {}
    }
}

/// Equal as JSON, numbers compared by value (`3` and `3.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The preset: the stored spec without its name (the name comes from the
/// command line). YAML with a header saying where it came from and how to use it.
pub fn preset_document(spec: &ClusterSpec, format: OutputFormat) -> anyhow::Result<String> {
    let value = preset_value(spec)?;
    Ok(match format {
        OutputFormat::Json => format!("{}\n", serde_json::to_string_pretty(&value)?),
        OutputFormat::Text | OutputFormat::Yaml => format!("{}{}", header(spec), ui::output::to_yaml(&value)?),
    })
}

fn header(spec: &ClusterSpec) -> String {
    let (c, ns) = (&spec.name, &spec.namespace);
    format!(
        "# kafkactl preset exported from Kafka cluster \"{c}\" in namespace \"{ns}\" (kafkactl {version}).\n\
         #\n\
         # Re-create the cluster in place (it re-attaches data volumes kept by `kafkactl delete`):\n\
         #   kafkactl create {c} --preset {c}.yaml\n\
         # The name comes from the command line, so the same file also makes a copy under\n\
         # another name; `namespace` below says where (-n overrides it).\n",
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Objects exported next to the preset.
#[derive(Debug, Default)]
struct ExportedObjects {
    topics: Vec<Value>,
    users: Vec<Value>,
    secrets: Vec<Value>,
}

impl ExportedObjects {
    /// Secrets first, so the User Operator finds the credentials when the users come back.
    fn all(&self) -> Vec<Value> {
        self.secrets
            .iter()
            .chain(&self.topics)
            .chain(&self.users)
            .cloned()
            .collect()
    }

    fn summary(&self) -> String {
        format!(
            "{} KafkaTopic(s), {} KafkaUser(s), {} Secret(s)",
            self.topics.len(),
            self.users.len(),
            self.secrets.len()
        )
    }
}

async fn cluster_objects(loaded: &LoadedCluster, args: &ExportArgs) -> Result<ExportedObjects, Failure> {
    let conn = &loaded.conn;
    let ns = loaded.spec.namespace.as_str();
    let api_version = loaded.api.api_version();
    let selector = format!("{STRIMZI_CLUSTER_LABEL}={}", loaded.spec.name);
    let mut out = ExportedObjects::default();
    if args.with_topics {
        let topics = list_kind(conn, api_version, "KafkaTopic", ns, &selector).await?;
        out.topics = topics
            .into_iter()
            .filter(|t| !is_internal_topic_resource(&t.object))
            .map(|t| cleaned(to_value(&t.object), api_version, "KafkaTopic"))
            .collect();
    }
    if args.with_users {
        let users = list_kind(conn, api_version, "KafkaUser", ns, &selector).await?;
        // Strimzi names a user's Secret after the user (unless the entity
        // operator's secretPrefix says otherwise; the default has none).
        for user in &users {
            if args.include_secrets
                && let Some(secret) = get_one(conn, "v1", "Secret", ns, &user.object.name_any()).await?
            {
                out.secrets.push(cleaned(to_value(&secret.object), "v1", "Secret"));
            }
        }
        out.users = users
            .into_iter()
            .map(|u| cleaned(to_value(&u.object), api_version, "KafkaUser"))
            .collect();
    }
    Ok(out)
}

/// An object as `kubectl apply -f` restores it: no status, no server-set or
/// cluster-specific metadata (uids, owners, versions, managed fields).
pub fn cleaned(mut object: Value, api_version: &str, kind: &str) -> Value {
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
        map.insert("apiVersion".into(), json!(api_version));
        map.insert("kind".into(), json!(kind));
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
            "selfLink",
            "ownerReferences",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "finalizers",
            "generateName",
        ] {
            meta.remove(key);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            if annotations.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    object
}

/// The objects as multi-document YAML, or one Kubernetes `List` with `-o json`.
fn objects_document(objects: &[Value], format: OutputFormat) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&ui::output::kubernetes_list(objects))?
        ),
        OutputFormat::Text | OutputFormat::Yaml if objects.is_empty() => String::new(),
        OutputFormat::Text | OutputFormat::Yaml => ui::output::multi_document_yaml(objects)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset::{BUILTIN_PRESETS, PresetSource, resolve};

    fn built(preset: &str, name: &str) -> ClusterSpec {
        let (spec, report) = crate::spec::build(name, preset, &Default::default()).unwrap();
        assert!(report.is_ok(), "{preset}: {report:?}");
        spec
    }

    /// What `create NAME --preset FILE` starts from: the file over the defaults, the name from the argument.
    fn recreated(text: &str, name: &str) -> ClusterSpec {
        let source = PresetSource {
            origin: "exported.yaml".into(),
            yaml: text.to_string(),
        };
        let mut spec = resolve(&source).unwrap();
        spec.name = name.to_string();
        spec
    }

    #[test]
    fn every_builtin_preset_exports_to_a_preset_that_recreates_the_same_spec() {
        for preset in BUILTIN_PRESETS {
            let mut spec = built(preset.name, "orders");
            spec.namespace = "team-a".into();
            for format in [OutputFormat::Yaml, OutputFormat::Json] {
                let text = preset_document(&spec, format).unwrap();
                assert_eq!(
                    recreated(&text, "orders"),
                    spec,
                    "{} as {format:?}:\n{text}",
                    preset.name
                );
            }
        }
    }

    #[test]
    fn a_changed_spec_round_trips_too() {
        let mut spec = built("production", "orders");
        spec.pools.get_mut("brokers").unwrap().replicas = 5;
        spec.prometheus.enabled = false;
        spec.metadata_version = Some("4.3-IV0".into());
        let text = preset_document(&spec, OutputFormat::Yaml).unwrap();
        assert_eq!(recreated(&text, "orders"), spec);
    }

    #[test]
    fn the_preset_has_no_name_but_keeps_the_namespace_and_says_how_to_use_it() {
        let spec = built("dev", "orders");
        let text = preset_document(&spec, OutputFormat::Yaml).unwrap();
        assert!(
            text.starts_with("# kafkactl preset exported from Kafka cluster \"orders\""),
            "{text}"
        );
        assert!(text.contains("kafkactl create orders --preset orders.yaml"), "{text}");
        assert!(!text.lines().any(|l| l.starts_with("name:")), "{text}");
        assert!(text.lines().any(|l| l == "namespace: kafka"), "{text}");
    }

    #[test]
    fn cleaned_objects_lose_status_and_server_set_metadata() {
        let object = json!({
            "metadata": {
                "name": "orders", "namespace": "kafka", "labels": {"strimzi.io/cluster": "c1"},
                "uid": "u", "resourceVersion": "7", "creationTimestamp": "t", "generation": 2,
                "managedFields": [{}], "ownerReferences": [{}], "finalizers": ["strimzi.io/topic-operator"],
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            },
            "spec": {"partitions": 3},
            "status": {"conditions": []},
        });
        let c = cleaned(object, "kafka.strimzi.io/v1", "KafkaTopic");
        assert_eq!(
            c,
            json!({
                "metadata": {"name": "orders", "namespace": "kafka", "labels": {"strimzi.io/cluster": "c1"}},
                "spec": {"partitions": 3},
                "apiVersion": "kafka.strimzi.io/v1",
                "kind": "KafkaTopic",
            })
        );
    }
}
