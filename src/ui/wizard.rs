//! The `create` wizard. The pure part: the questions, their defaults from the
//! chosen preset, and each answer checked by the spec's own validation as it
//! is given. The answers are exactly the flags a scripted `create` takes, so
//! the wizard can print the equivalent command line. The I/O part at the end
//! asks the questions with dialoguer; it holds no rules of its own.

use crate::cli::{MetadataArg, SpecArgs};
use crate::error::Failure;
use crate::render::{self, RenderContext};
use crate::spec::preset::BUILTIN_PRESETS;
use crate::spec::{self, ClusterSpec, ListenerType, Report, SpecOverrides, StorageType, StrimziApi};

/// One question of the wizard, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Name,
    Preset,
    Namespace,
    Metadata,
    Brokers,
    Controllers,
    Zookeepers,
    Cpu,
    Memory,
    Heap,
    Storage,
    StorageSize,
    StorageClass,
    Exposure,
    Monitoring,
}

pub const STEPS: &[Step] = &[
    Step::Name,
    Step::Preset,
    Step::Namespace,
    Step::Metadata,
    Step::Brokers,
    Step::Controllers,
    Step::Zookeepers,
    Step::Cpu,
    Step::Memory,
    Step::Heap,
    Step::Storage,
    Step::StorageSize,
    Step::StorageClass,
    Step::Exposure,
    Step::Monitoring,
];

/// Port of the listener the wizard adds to open Kafka outside Kubernetes
/// (9092 and 9093 are the presets' internal listeners).
pub const EXTERNAL_PORT: i32 = 9094;

impl Step {
    pub fn prompt(self) -> &'static str {
        match self {
            Step::Name => "Cluster name",
            Step::Preset => "Preset",
            Step::Namespace => "Namespace",
            Step::Metadata => "Metadata mode",
            Step::Brokers => "Brokers",
            Step::Controllers => "KRaft controllers",
            Step::Zookeepers => "ZooKeeper nodes",
            Step::Cpu => "CPU per broker",
            Step::Memory => "Memory per broker",
            Step::Heap => "JVM heap per broker",
            Step::Storage => "Broker storage",
            Step::StorageSize => "Volume size per broker",
            Step::StorageClass => "StorageClass",
            Step::Exposure => "Expose Kafka outside Kubernetes",
            Step::Monitoring => "Deploy Prometheus",
        }
    }

    /// The flag that gives this answer without the wizard.
    pub fn flag(self) -> &'static str {
        match self {
            Step::Name => "NAME",
            Step::Preset => "--preset",
            Step::Namespace => "--namespace",
            Step::Metadata => "--metadata",
            Step::Brokers => "--brokers",
            Step::Controllers => "--controllers",
            Step::Zookeepers => "--zookeepers",
            Step::Cpu => "--cpu",
            Step::Memory => "--memory",
            Step::Heap => "--heap",
            Step::Storage => "--ephemeral",
            Step::StorageSize => "--storage-size",
            Step::StorageClass => "--storage-class",
            Step::Exposure => "--listener",
            Step::Monitoring => "--no-monitoring",
        }
    }
}

/// What the connected cluster offers (nothing when offline).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterOffer {
    /// The Strimzi API it serves; `v1` means KRaft only.
    pub served_api: Option<StrimziApi>,
    /// StorageClass names, the default one flagged.
    pub storage_classes: Vec<(String, bool)>,
}

/// One item of a closed question: the answer and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Choice {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// What the wizard has been told so far: the flags of a scripted `create`.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub name: String,
    pub preset: String,
    pub namespace: Option<String>,
    pub spec: SpecArgs,
    /// Not a flag: `create` reads it from the cluster; validation must see it.
    pub served_api: Option<StrimziApi>,
}

impl Answers {
    pub fn overrides(&self) -> SpecOverrides {
        let mut overrides = self.spec.to_overrides(self.namespace.as_deref());
        if self.served_api.is_some() {
            overrides.strimzi_api = self.served_api;
        }
        overrides
    }

    /// The spec these answers describe and what validation says about it.
    pub fn build(&self) -> Result<(ClusterSpec, Report), String> {
        spec::build(&self.name, &self.preset, &self.overrides()).map_err(|e| e.to_string())
    }

    /// The equivalent scripted command line.
    pub fn command_line(&self) -> String {
        let mut words = vec!["kafkactl".to_string(), "create".to_string(), quote(&self.name)];
        let mut flag = |name: &str, value: &str| {
            words.push(name.to_string());
            words.push(quote(value));
        };
        if let Some(ns) = &self.namespace {
            flag("-n", ns);
        }
        flag("--preset", &self.preset);
        let s = &self.spec;
        if let Some(m) = s.metadata {
            flag(
                "--metadata",
                match m {
                    MetadataArg::Kraft => "kraft",
                    MetadataArg::Zookeeper => "zookeeper",
                },
            );
        }
        for (name, value) in [
            ("--brokers", s.brokers),
            ("--controllers", s.controllers),
            ("--zookeepers", s.zookeepers),
        ] {
            if let Some(n) = value {
                flag(name, &n.to_string());
            }
        }
        for (name, value) in [
            ("--cpu", &s.cpu),
            ("--memory", &s.memory),
            ("--heap", &s.heap),
            ("--storage-size", &s.storage_size),
            ("--storage-class", &s.storage_class),
        ] {
            if let Some(v) = value {
                flag(name, v);
            }
        }
        for listener in &s.listeners {
            flag("--listener", listener);
        }
        if s.ephemeral {
            words.push("--ephemeral".into());
        }
        if s.no_monitoring {
            words.push("--no-monitoring".into());
        }
        words.join(" ")
    }
}

/// Single-quote a word for a POSIX shell when it needs it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The one broker pool the flags size (flags refuse several; so does the wizard).
fn broker_pool(spec: &ClusterSpec) -> Option<&spec::PoolSpec> {
    spec.broker_pools().next().map(|(_, p)| p)
}

fn dedicated_controllers(spec: &ClusterSpec) -> Option<&spec::PoolSpec> {
    spec.pools.values().find(|p| p.is_controller() && !p.is_broker())
}

/// The listener that faces outside Kubernetes, if the spec has one.
fn external_listener(spec: &ClusterSpec) -> Option<(&String, &spec::ListenerSpec)> {
    spec.listeners.iter().find(|(_, l)| l.kind.is_external())
}

/// Whether `step` is a question for this spec (and cluster).
pub fn applies(step: Step, spec: &ClusterSpec, offer: &ClusterOffer) -> bool {
    let persistent = broker_pool(spec).is_some_and(|p| p.storage.kind != StorageType::Ephemeral);
    match step {
        // Strimzi serving only v1 (>= 0.49) is KRaft-only: nothing to choose.
        Step::Metadata => offer.served_api != Some(StrimziApi::V1),
        Step::Brokers | Step::Cpu | Step::Memory | Step::Heap => spec.broker_pools().count() == 1,
        Step::Controllers => !spec.is_zookeeper() && dedicated_controllers(spec).is_some(),
        Step::Zookeepers => spec.zookeeper.is_some(),
        // The flags can turn persistent storage ephemeral, not back.
        Step::Storage | Step::StorageSize | Step::StorageClass => spec.broker_pools().count() == 1 && persistent,
        // The flags cannot remove Prometheus's absence: only offer turning it off.
        Step::Monitoring => spec.prometheus.enabled,
        Step::Name | Step::Preset | Step::Namespace | Step::Exposure => true,
    }
}

/// The answer that keeps what the spec says (pressing Enter takes it).
pub fn default_answer(step: Step, answers: &Answers, spec: &ClusterSpec) -> String {
    let pool = broker_pool(spec);
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    match step {
        Step::Name => answers.name.clone(),
        Step::Preset => answers.preset.clone(),
        Step::Namespace => spec.namespace.clone(),
        Step::Metadata => spec.metadata.as_str().to_string(),
        Step::Brokers => pool.map(|p| p.replicas.to_string()).unwrap_or_default(),
        Step::Controllers => dedicated_controllers(spec)
            .map(|p| p.replicas.to_string())
            .unwrap_or_default(),
        Step::Zookeepers => spec
            .zookeeper
            .as_ref()
            .map(|z| z.replicas.to_string())
            .unwrap_or_default(),
        Step::Cpu => text(pool.and_then(|p| p.resources.limits.cpu.as_ref().or(p.resources.requests.cpu.as_ref()))),
        Step::Memory => text(pool.and_then(|p| {
            p.resources
                .limits
                .memory
                .as_ref()
                .or(p.resources.requests.memory.as_ref())
        })),
        Step::Heap => text(pool.and_then(|p| p.jvm.xmx.as_ref())),
        Step::Storage => match pool.map(|p| p.storage.kind) {
            Some(StorageType::Ephemeral) => "ephemeral".into(),
            _ => "persistent".into(),
        },
        Step::StorageSize => text(pool.and_then(|p| p.storage.size.as_ref())),
        Step::StorageClass => text(pool.and_then(|p| p.storage.class.as_ref())),
        Step::Exposure => external_listener(spec)
            .map(|(_, l)| l.kind.as_str().to_string())
            .unwrap_or_else(|| "no".into()),
        Step::Monitoring => if spec.prometheus.enabled { "yes" } else { "no" }.into(),
    }
}

fn preset_is_zookeeper(preset: &crate::spec::preset::BuiltinPreset) -> bool {
    preset.yaml.lines().any(|l| l.trim() == "metadata: zookeeper")
}

/// The items of a closed question; `None` for a typed answer.
pub fn choices(step: Step, offer: &ClusterOffer) -> Option<Vec<Choice>> {
    Some(match step {
        // A cluster whose Strimzi serves v1 (0.49 and later) is KRaft-only: a ZooKeeper
        // preset offered there would only be refused after the questions.
        Step::Preset => BUILTIN_PRESETS
            .iter()
            .filter(|p| offer.served_api != Some(StrimziApi::V1) || !preset_is_zookeeper(p))
            .map(|p| Choice::new(p.name, format!("{}: {}", p.name, p.description)))
            .collect(),
        Step::Metadata => vec![
            Choice::new("kraft", "kraft: KRaft controllers (Strimzi >= 0.46)"),
            Choice::new("zookeeper", "zookeeper: a ZooKeeper ensemble (Strimzi 0.45)"),
        ],
        Step::Storage => vec![
            Choice::new("persistent", "persistent: a volume per broker (PersistentVolumeClaim)"),
            Choice::new("ephemeral", "ephemeral: emptyDir, data is lost when a pod goes"),
        ],
        Step::StorageClass if !offer.storage_classes.is_empty() => {
            let default = offer.storage_classes.iter().find(|(_, d)| *d).map(|(n, _)| n.as_str());
            let mut items = vec![Choice::new(
                "",
                match default {
                    Some(name) => format!("the cluster's default ({name})"),
                    None => "the cluster's default (it has none: claims stay Pending)".to_string(),
                },
            )];
            items.extend(offer.storage_classes.iter().map(|(name, default)| {
                Choice::new(
                    name,
                    if *default {
                        format!("{name} (default)")
                    } else {
                        name.clone()
                    },
                )
            }));
            items
        }
        Step::Exposure => vec![
            Choice::new("no", "no: reachable inside Kubernetes only"),
            Choice::new("nodeport", "nodeport: a NodePort per broker and for bootstrap"),
            Choice::new(
                "loadbalancer",
                "loadbalancer: a LoadBalancer per broker and for bootstrap",
            ),
        ],
        Step::Monitoring => vec![
            Choice::new("yes", "yes: Prometheus with alert rules for this cluster"),
            Choice::new("no", "no: kafkactl monitor NAME install adds it later"),
        ],
        _ => return None,
    })
}

/// Take one answer: parse it into the flags, then keep it only if the spec
/// it makes has no validation error that the answers before it did not have.
/// The error says why, to re-ask with. An answer that leaves the spec as it
/// was adds no flag, so the equivalent command line stays short.
pub fn record(answers: &Answers, step: Step, text: &str) -> Result<Answers, String> {
    let (spec_before, before) = answers.build()?;
    let mut next = answers.clone();
    set(&mut next, step, text.trim(), &spec_before)?;
    let (spec_after, after) = next.build()?;
    if spec_after == spec_before && step != Step::Name {
        return Ok(answers.clone());
    }
    let new: Vec<String> = after
        .errors
        .iter()
        .filter(|p| !before.errors.contains(p))
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    if new.is_empty() { Ok(next) } else { Err(new.join("; ")) }
}

fn set(answers: &mut Answers, step: Step, text: &str, before: &ClusterSpec) -> Result<(), String> {
    let some = |t: &str| (!t.is_empty()).then(|| t.to_string());
    let spec = &mut answers.spec;
    match step {
        Step::Name if text.is_empty() => return Err("a name is needed: a DNS label such as my-cluster".into()),
        Step::Name => answers.name = text.to_string(),
        Step::Preset => answers.preset = some(text).ok_or("pick a preset")?,
        Step::Namespace => answers.namespace = some(text),
        Step::Metadata => {
            spec.metadata = Some(match text {
                "kraft" => MetadataArg::Kraft,
                "zookeeper" => MetadataArg::Zookeeper,
                other => return Err(format!("\"{other}\" is not a metadata mode: kraft or zookeeper")),
            })
        }
        Step::Brokers => spec.brokers = Some(count(text)?),
        Step::Controllers => spec.controllers = Some(count(text)?),
        Step::Zookeepers => spec.zookeepers = Some(count(text)?),
        Step::Cpu => spec.cpu = some(text),
        Step::Memory => spec.memory = some(text),
        Step::Heap => spec.heap = some(text),
        Step::Storage => spec.ephemeral = text == "ephemeral",
        Step::StorageSize => spec.storage_size = some(text),
        Step::StorageClass => spec.storage_class = some(text),
        Step::Exposure => set_exposure(&mut spec.listeners, text, before)?,
        Step::Monitoring => spec.no_monitoring = text == "no",
    }
    Ok(())
}

fn count(text: &str) -> Result<i64, String> {
    text.parse::<i64>()
        .map_err(|_| format!("\"{text}\" is not a whole number (for example 3)"))
}

/// The `--listener` flags for an exposure answer: the spec's external
/// listener changes type (keeping its port and TLS), else a TLS listener
/// named `external` is added on [`EXTERNAL_PORT`]. Other `--listener` flags
/// stay. "no" cannot take an external listener away: flags add listeners only.
fn set_exposure(listeners: &mut Vec<String>, text: &str, spec: &ClusterSpec) -> Result<(), String> {
    let external = external_listener(spec);
    let kind = match text {
        "no" | "" => {
            return match external {
                Some((name, l)) => Err(format!(
                    "listener \"{name}\" already opens Kafka outside Kubernetes ({}); flags cannot remove a listener, so pick its type here or use a preset file without it",
                    l.kind.as_str()
                )),
                None => Ok(()),
            };
        }
        "nodeport" => ListenerType::Nodeport,
        "loadbalancer" => ListenerType::Loadbalancer,
        other => return Err(format!("\"{other}\" is not an exposure: no, nodeport or loadbalancer")),
    };
    let (name, port, tls) = match external {
        Some((_, l)) if l.kind == kind => return Ok(()),
        Some((name, l)) => (name.clone(), l.port, l.tls),
        None => ("external".to_string(), EXTERNAL_PORT, true),
    };
    listeners.retain(|flag| flag.split(':').next() != Some(name.as_str()));
    let tls = if tls { ":tls" } else { "" };
    listeners.push(format!("{name}:{port}:{}{tls}", kind.as_str()));
    Ok(())
}

/// The plan shown before asking to apply: a summary table, then every object.
pub fn plan_text(spec: &ClusterSpec, preset: &str) -> String {
    let mut rows: Vec<Vec<String>> = vec![
        vec!["Name".into(), spec.name.clone()],
        vec!["Namespace".into(), spec.namespace.clone()],
        vec!["Preset".into(), preset.to_string()],
        vec![
            "Kafka".into(),
            format!(
                "{} ({}, Strimzi API {})",
                spec.kafka_version,
                spec.metadata.as_str(),
                spec.strimzi_api.as_str()
            ),
        ],
    ];
    for (name, pool) in &spec.pools {
        rows.push(vec![format!("Pool {name}"), pool_summary(pool)]);
    }
    if let Some(zk) = &spec.zookeeper {
        rows.push(vec!["ZooKeeper".into(), format!("{} nodes", zk.replicas)]);
    }
    for (name, l) in &spec.listeners {
        rows.push(vec![
            format!("Listener {name}"),
            format!("{} {}{}", l.port, l.kind.as_str(), if l.tls { ", TLS" } else { "" }),
        ]);
    }
    rows.push(vec![
        "Monitoring".into(),
        if spec.prometheus.enabled {
            format!("Prometheus, retention {}", spec.prometheus.retention)
        } else {
            "off".into()
        },
    ]);
    let mut out = crate::ui::output::table(&["SETTING", "VALUE"], &rows);
    let plan = render::render(spec, &RenderContext::offline());
    out.push_str(&format!("\n{} objects to apply:\n", plan.objects.len()));
    for object in &plan.objects {
        let o = &object.object;
        out.push_str(&format!(
            "  {}/{}\n",
            o["kind"].as_str().unwrap_or("?"),
            o["metadata"]["name"].as_str().unwrap_or("?")
        ));
    }
    out
}

fn pool_summary(pool: &spec::PoolSpec) -> String {
    let roles: Vec<&str> = pool.roles.iter().map(|r| r.as_str()).collect();
    let storage = match pool.storage.kind {
        StorageType::Ephemeral => "ephemeral".to_string(),
        kind => format!(
            "{} {}{}",
            kind.as_str(),
            pool.storage.size.as_deref().unwrap_or("?"),
            pool.storage
                .class
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        ),
    };
    format!(
        "{} x {}, cpu {}, memory {}, heap {}, {storage}",
        pool.replicas,
        roles.join("+"),
        pool.resources.limits.cpu.as_deref().unwrap_or("-"),
        pool.resources.limits.memory.as_deref().unwrap_or("-"),
        pool.jvm.xmx.as_deref().unwrap_or("-"),
    )
}

/// Whether the wizard asks `step` now: it applies to the spec so far, and
/// no flag answered it (unless every question is asked). A preset file is
/// kept: the preset question offers only the built-in ones.
pub fn should_ask(
    step: Step,
    answers: &Answers,
    spec: &ClusterSpec,
    offer: &ClusterOffer,
    given: &[Step],
    ask_all: bool,
) -> bool {
    let preset_file = step == Step::Preset && crate::spec::preset::builtin(&answers.preset).is_none();
    applies(step, spec, offer) && (ask_all || !given.contains(&step)) && !preset_file
}

/// Ask every question that applies (all of them with `ask_all`, else those
/// whose flag was not given) on the terminal; answers are re-asked until the
/// spec accepts them.
pub fn ask(mut answers: Answers, given: &[Step], ask_all: bool, offer: &ClusterOffer) -> Result<Answers, Failure> {
    for &step in STEPS {
        let (spec, _) = answers.build().map_err(Failure::usage)?;
        if !should_ask(step, &answers, &spec, offer, given, ask_all) {
            continue;
        }
        let default = default_answer(step, &answers, &spec);
        answers = match choices(step, offer) {
            Some(items) => ask_choice(&answers, step, &items, &default)?,
            None => ask_text(&answers, step, &default)?,
        };
    }
    Ok(answers)
}

fn ask_text(answers: &Answers, step: Step, default: &str) -> Result<Answers, Failure> {
    let theme = super::prompts::theme();
    let mut input = dialoguer::Input::<String>::with_theme(&theme)
        .with_prompt(step.prompt())
        .validate_with(|text: &String| record(answers, step, text).map(|_| ()));
    if !default.is_empty() {
        input = input.default(default.to_string());
    } else if step != Step::Name {
        input = input.allow_empty(true);
    }
    let text = input.interact_text().map_err(super::prompts::no_answer)?;
    // Enter keeps what the spec says, even where one flag would set more
    // (the preset's CPU request below its limit stays as it is).
    if !default.is_empty() && text.trim() == default {
        return Ok(answers.clone());
    }
    record(answers, step, &text).map_err(Failure::usage)
}

fn ask_choice(answers: &Answers, step: Step, items: &[Choice], default: &str) -> Result<Answers, Failure> {
    let labels: Vec<&str> = items.iter().map(|c| c.label.as_str()).collect();
    let mut index = items.iter().position(|c| c.value == default).unwrap_or(0);
    loop {
        index = dialoguer::Select::with_theme(&super::prompts::theme())
            .with_prompt(step.prompt())
            .items(&labels)
            .default(index)
            .interact()
            .map_err(super::prompts::no_answer)?;
        match record(answers, step, &items[index].value) {
            Ok(next) => return Ok(next),
            Err(reason) => crate::eprintln_safe!("{} {reason}", console::style("✘").red().for_stderr()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(preset: &str) -> Answers {
        Answers {
            name: "demo".into(),
            preset: preset.into(),
            ..Answers::default()
        }
    }

    fn spec_of(a: &Answers) -> ClusterSpec {
        a.build().unwrap().0
    }

    #[test]
    fn a_bad_name_is_refused_with_the_reason() {
        let start = Answers {
            preset: "dev".into(),
            ..Answers::default()
        };
        let err = record(&start, Step::Name, "Bad_Name").unwrap_err();
        assert!(err.starts_with("name:"), "{err}");
        assert!(record(&start, Step::Name, "").unwrap_err().contains("a name is needed"));
        assert_eq!(record(&start, Step::Name, "good-name").unwrap().name, "good-name");
    }

    #[test]
    fn zero_brokers_is_refused_naming_the_pool_field() {
        let err = record(&answers("production"), Step::Brokers, "0").unwrap_err();
        assert!(err.contains("pools.brokers.replicas"), "{err}");
        assert!(
            record(&answers("production"), Step::Brokers, "three")
                .unwrap_err()
                .contains("whole number")
        );
        assert_eq!(
            record(&answers("production"), Step::Brokers, "5").unwrap().spec.brokers,
            Some(5)
        );
        assert_eq!(
            record(&answers("production"), Step::Brokers, "3").unwrap().spec.brokers,
            None,
            "the preset's own count adds no flag"
        );
    }

    #[test]
    fn a_decimal_storage_size_is_refused_suggesting_the_binary_one() {
        let err = record(&answers("production"), Step::StorageSize, "100G").unwrap_err();
        assert!(err.contains("100Gi"), "{err}");
        let ok = record(&answers("production"), Step::StorageSize, "200Gi").unwrap();
        assert_eq!(spec_of(&ok).pools["brokers"].storage.size.as_deref(), Some("200Gi"));
    }

    #[test]
    fn defaults_come_from_the_chosen_preset() {
        let prod = answers("production");
        let spec = spec_of(&prod);
        assert_eq!(default_answer(Step::Brokers, &prod, &spec), "3");
        assert_eq!(default_answer(Step::Controllers, &prod, &spec), "3");
        assert_eq!(default_answer(Step::Memory, &prod, &spec), "8Gi");
        assert_eq!(default_answer(Step::StorageSize, &prod, &spec), "100Gi");
        assert_eq!(default_answer(Step::Exposure, &prod, &spec), "no");
        let dev = answers("dev");
        let spec = spec_of(&dev);
        assert_eq!(default_answer(Step::Brokers, &dev, &spec), "1");
        assert!(
            !applies(Step::Controllers, &spec, &ClusterOffer::default()),
            "dev is dual-role"
        );
        assert!(
            !applies(Step::StorageSize, &spec, &ClusterOffer::default()),
            "dev is ephemeral"
        );
        assert!(
            !applies(Step::Monitoring, &spec, &ClusterOffer::default()),
            "dev has no Prometheus"
        );
    }

    #[test]
    fn metadata_is_not_asked_against_a_kraft_only_cluster() {
        let spec = spec_of(&answers("production"));
        let v1 = ClusterOffer {
            served_api: Some(StrimziApi::V1),
            ..ClusterOffer::default()
        };
        assert!(!applies(Step::Metadata, &spec, &v1));
        assert!(applies(Step::Metadata, &spec, &ClusterOffer::default()));
    }

    #[test]
    fn a_kraft_only_cluster_is_not_offered_the_zookeeper_preset() {
        let v1 = ClusterOffer {
            served_api: Some(StrimziApi::V1),
            ..ClusterOffer::default()
        };
        let names = |offer: &ClusterOffer| -> Vec<String> {
            choices(Step::Preset, offer)
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.value)
                .collect()
        };
        assert!(
            !names(&v1).contains(&"zookeeper-classic".to_string()),
            "{:?}",
            names(&v1)
        );
        assert!(names(&v1).contains(&"production".to_string()));
        assert!(names(&ClusterOffer::default()).contains(&"zookeeper-classic".to_string()));
    }

    #[test]
    fn zookeeper_mode_on_a_v1beta2_cluster_asks_for_zookeepers_not_controllers() {
        let offer = ClusterOffer {
            served_api: Some(StrimziApi::V1beta2),
            ..ClusterOffer::default()
        };
        let start = Answers {
            served_api: offer.served_api,
            ..answers("production")
        };
        assert!(applies(Step::Metadata, &spec_of(&start), &offer));
        let zk = record(&start, Step::Metadata, "zookeeper").unwrap();
        let spec = spec_of(&zk);
        assert!(applies(Step::Zookeepers, &spec, &offer));
        assert!(!applies(Step::Controllers, &spec, &offer));
        assert_eq!(default_answer(Step::Zookeepers, &zk, &spec), "3");
        assert!(
            zk.command_line().contains("--metadata zookeeper"),
            "{}",
            zk.command_line()
        );
        assert!(record(&zk, Step::Zookeepers, "0").unwrap_err().contains("zookeeper"));
    }

    #[test]
    fn given_flags_are_asked_only_with_ask_all_and_a_preset_file_never() {
        let a = answers("production");
        let spec = spec_of(&a);
        let offer = ClusterOffer::default();
        assert!(!should_ask(Step::Brokers, &a, &spec, &offer, &[Step::Brokers], false));
        assert!(should_ask(Step::Brokers, &a, &spec, &offer, &[Step::Brokers], true));
        assert!(should_ask(Step::Preset, &a, &spec, &offer, &[], true));
        let dir = std::env::temp_dir().join(format!("kafkactl-wizard-{}.yaml", std::process::id()));
        std::fs::write(&dir, "metadata: kraft\n").unwrap();
        let file = Answers {
            preset: dir.display().to_string(),
            ..a.clone()
        };
        let file_spec = spec_of(&file);
        std::fs::remove_file(&dir).unwrap();
        assert!(!should_ask(Step::Preset, &file, &file_spec, &offer, &[], true));
    }

    #[test]
    fn storage_classes_of_the_cluster_are_offered_with_its_default_first() {
        let offer = ClusterOffer {
            served_api: None,
            storage_classes: vec![("fast".into(), false), ("standard".into(), true)],
        };
        let items = choices(Step::StorageClass, &offer).unwrap();
        let values: Vec<&str> = items.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(values, vec!["", "fast", "standard"]);
        assert!(items[0].label.contains("standard"));
        assert!(
            choices(Step::StorageClass, &ClusterOffer::default()).is_none(),
            "typed when offline"
        );
    }

    #[test]
    fn exposure_adds_an_external_listener_or_retypes_the_presets() {
        let prod = record(&answers("production"), Step::Exposure, "loadbalancer").unwrap();
        assert_eq!(prod.spec.listeners, vec!["external:9094:loadbalancer:tls".to_string()]);
        let spec = spec_of(&prod);
        assert_eq!(spec.listeners["external"].kind, ListenerType::Loadbalancer);
        let classic = record(&answers("zookeeper-classic"), Step::Exposure, "loadbalancer").unwrap();
        assert_eq!(classic.spec.listeners, vec!["external:9092:loadbalancer".to_string()]);
        let kept = record(&answers("zookeeper-classic"), Step::Exposure, "nodeport").unwrap();
        assert!(kept.spec.listeners.is_empty());
        let err = record(&answers("zookeeper-classic"), Step::Exposure, "no").unwrap_err();
        assert!(
            err.contains("listener \"external\"") && err.contains("preset file"),
            "{err}"
        );
        let mut flagged = answers("production");
        flagged.spec.listeners = vec!["extra:9096:internal".into()];
        let both = record(&flagged, Step::Exposure, "nodeport").unwrap();
        assert_eq!(
            both.spec.listeners,
            vec![
                "extra:9096:internal".to_string(),
                "external:9094:nodeport:tls".to_string()
            ],
            "other --listener flags stay"
        );
    }

    #[test]
    fn the_command_line_gives_the_same_spec_as_the_answers() {
        let mut a = answers("production");
        a.namespace = Some("team a".into());
        for (step, text) in [
            (Step::Brokers, "5"),
            (Step::StorageSize, "200Gi"),
            (Step::Exposure, "nodeport"),
            (Step::Monitoring, "no"),
        ] {
            a = record(&a, step, text).unwrap();
        }
        assert_eq!(
            a.command_line(),
            "kafkactl create demo -n 'team a' --preset production --brokers 5 --storage-size 200Gi --listener external:9094:nodeport:tls --no-monitoring"
        );
    }

    #[test]
    fn the_plan_lists_settings_and_objects() {
        let spec = spec_of(&answers("dev"));
        let text = plan_text(&spec, "dev");
        assert!(text.contains("Pool dual"), "{text}");
        assert!(text.contains("Kafka/demo"), "{text}");
        assert!(text.contains("KafkaNodePool/demo-dual"), "{text}");
        assert!(text.contains("Monitoring"), "{text}");
    }
}
