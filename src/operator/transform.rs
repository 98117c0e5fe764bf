//! The release bundle rewritten for one installation (what the runbook did
//! with sed): namespaces, the watched namespaces and the bindings they need,
//! a registry mirror, image pull secrets and operator settings. Pure: a
//! `Bundle` and settings in, a `render::Plan` in apply waves out.

use serde_json::{Value, json};

use super::bundle::{Bundle, OPERATOR_NAME, is_operator_deployment, kind, name};
use crate::cluster::discovery::WatchScope;
use crate::render::{Plan, Wave};
use crate::spec::ClusterSpec;

/// The one RoleBinding that stays in the operator's namespace: the Lease of
/// leader election lives there. Every other RoleBinding of the bundle
/// (020, 023, 031) is what a watched namespace needs.
const LEADER_ELECTION_ROLE: &str = "strimzi-cluster-operator-leader-election";

/// Environment variables kafkactl sets itself, from other flags.
const RESERVED_ENV: &[(&str, &str)] = &[
    ("STRIMZI_NAMESPACE", "--watch or --watch-all"),
    ("STRIMZI_IMAGE_PULL_SECRETS", "--image-pull-secret"),
];

/// How the operator is installed.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorSettings {
    /// Where the operator runs.
    pub namespace: String,
    /// What it watches (its own namespace only: the bundle's default).
    pub watch: WatchScope,
    /// Registry mirror prefix for every image.
    pub registry: Option<String>,
    pub image_pull_secrets: Vec<String>,
    /// Operator environment, set or replaced.
    pub env: Vec<(String, String)>,
    /// Write `STRIMZI_NAMESPACE` as a literal even for the own namespace only
    /// (an operator that already has a literal value must keep one).
    pub literal_watch: bool,
}

impl OperatorSettings {
    /// The bundle's defaults: run in `namespace`, watch it.
    pub fn new(namespace: &str) -> Self {
        OperatorSettings {
            namespace: namespace.to_string(),
            watch: WatchScope::Namespaces(vec![namespace.to_string()]),
            registry: None,
            image_pull_secrets: Vec::new(),
            env: Vec::new(),
            literal_watch: false,
        }
    }
}

/// Why a bundle cannot be installed with these settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    #[error("--env {key} is set by kafkactl; use {flag} instead")]
    ReservedEnv { key: String, flag: String },
    #[error("the bundle contains a {kind} ({name}), which kafkactl does not know how to apply")]
    UnknownKind { kind: String, name: String },
    #[error("--watch/-n: \"{0}\" is not a valid namespace name (lowercase letters, digits and '-', at most 63)")]
    InvalidNamespace(String),
}

/// Every object of the installation, in waves: namespaces; CRDs, RBAC,
/// ServiceAccount and ConfigMap; the operator Deployment.
pub fn install_plan(bundle: &Bundle, settings: &OperatorSettings) -> Result<Plan, TransformError> {
    check_settings(settings)?;
    let mut plan = Plan::default();
    for ns in namespaces(settings) {
        plan.push(Wave::Namespace, namespace_object(&ns));
    }
    for object in &bundle.objects {
        let object = placed(object, &settings.namespace)?;
        if is_operator_deployment(&object) {
            plan.push(Wave::Workloads, configured_deployment(object, settings));
        } else {
            plan.push(Wave::Config, object);
        }
    }
    for binding in watch_bindings(bundle, &settings.namespace, &settings.watch) {
        plan.push(Wave::Config, binding);
    }
    plan.objects.sort_by_key(|o| o.wave);
    Ok(plan)
}

/// Only what watching `added` takes for an operator already running in
/// `namespace`: the namespaces and their bindings (or the cluster-wide ones).
pub fn watch_plan(bundle: &Bundle, namespace: &str, added: &WatchScope) -> Result<Plan, TransformError> {
    let mut plan = Plan::default();
    if let WatchScope::Namespaces(list) = added {
        for ns in list {
            check_namespace(ns)?;
            plan.push(Wave::Namespace, namespace_object(ns));
        }
    }
    for binding in watch_bindings(bundle, namespace, added) {
        plan.push(Wave::Config, binding);
    }
    Ok(plan)
}

/// Watch both what is watched and what is asked for (never fewer: clusters
/// in a namespace that is dropped would silently lose their operator).
pub fn merge_watch(existing: &WatchScope, asked: &WatchScope) -> WatchScope {
    match (existing, asked) {
        (WatchScope::All, _) | (_, WatchScope::All) => WatchScope::All,
        (WatchScope::Namespaces(a), WatchScope::Namespaces(b)) => {
            let mut list = a.clone();
            for ns in b {
                if !list.contains(ns) {
                    list.push(ns.clone());
                }
            }
            WatchScope::Namespaces(list)
        }
    }
}

/// What `asked` adds to `existing` (empty namespaces list: nothing).
pub fn added_watch(existing: &WatchScope, asked: &WatchScope) -> WatchScope {
    match (existing, asked) {
        (WatchScope::All, _) => WatchScope::Namespaces(Vec::new()),
        (_, WatchScope::All) => WatchScope::All,
        (WatchScope::Namespaces(a), WatchScope::Namespaces(b)) => {
            WatchScope::Namespaces(b.iter().filter(|ns| !a.contains(ns)).cloned().collect())
        }
    }
}

/// `STRIMZI_NAMESPACE` for a scope: `None` keeps the bundle's
/// `valueFrom: metadata.namespace` (the operator's own namespace only).
pub fn strimzi_namespace_value(scope: &WatchScope, own: &str) -> Option<String> {
    match scope {
        WatchScope::All => Some("*".to_string()),
        WatchScope::Namespaces(list) if list.len() == 1 && list[0] == own => None,
        WatchScope::Namespaces(list) => Some(list.join(",")),
    }
}

/// `image` pulled through `registry`: the mirror replaces the source registry
/// and keeps the repository path (the rule `create --registry` uses).
pub fn mirror_image(registry: &str, image: &str) -> String {
    let mut spec = ClusterSpec::default();
    spec.images.registry = Some(registry.to_string());
    crate::render::image_ref(&spec, image)
}

fn check_settings(settings: &OperatorSettings) -> Result<(), TransformError> {
    for (key, _) in &settings.env {
        if let Some((_, flag)) = RESERVED_ENV.iter().find(|(k, _)| k == key) {
            return Err(TransformError::ReservedEnv {
                key: key.clone(),
                flag: flag.to_string(),
            });
        }
    }
    namespaces(settings).iter().try_for_each(|ns| check_namespace(ns))
}

fn check_namespace(ns: &str) -> Result<(), TransformError> {
    let valid = !ns.is_empty()
        && ns.len() <= 63
        && ns
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !ns.starts_with('-')
        && !ns.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(TransformError::InvalidNamespace(ns.to_string()))
    }
}

/// The operator's namespace, then every watched one.
fn namespaces(settings: &OperatorSettings) -> Vec<String> {
    let mut list = vec![settings.namespace.clone()];
    if let WatchScope::Namespaces(watched) = &settings.watch {
        for ns in watched {
            if !list.contains(ns) {
                list.push(ns.clone());
            }
        }
    }
    list
}

fn namespace_object(name: &str) -> Value {
    crate::render::namespace::named(name)
}

/// Namespaced objects go to the operator's namespace, and every binding's
/// subject points there (the bundle says `myproject`).
fn placed(object: &Value, namespace: &str) -> Result<Value, TransformError> {
    let mut object = object.clone();
    let Some((_, namespaced)) =
        crate::cluster::resources::resolve(object["apiVersion"].as_str().unwrap_or_default(), kind(&object))
    else {
        return Err(TransformError::UnknownKind {
            kind: kind(&object).to_string(),
            name: name(&object).to_string(),
        });
    };
    if namespaced {
        object["metadata"]["namespace"] = json!(namespace);
    }
    if kind(&object).ends_with("RoleBinding") {
        point_subjects(&mut object, namespace);
    }
    Ok(object)
}

fn point_subjects(binding: &mut Value, namespace: &str) {
    if let Some(subjects) = binding["subjects"].as_array_mut() {
        for subject in subjects.iter_mut().filter(|s| s["kind"] == "ServiceAccount") {
            subject["namespace"] = json!(namespace);
        }
    }
}

/// The RoleBindings a watched namespace needs.
fn per_namespace_bindings(bundle: &Bundle) -> impl Iterator<Item = &Value> {
    bundle
        .objects
        .iter()
        .filter(|o| kind(o) == "RoleBinding" && o["roleRef"]["name"] != LEADER_ELECTION_ROLE)
}

/// Copies of the per-namespace RoleBindings in every watched namespace but
/// the operator's own; for all namespaces, ClusterRoleBindings instead, named
/// as Strimzi's docs name them (`strimzi-cluster-operator-namespaced`, `-watched`,
/// `-entity-operator-delegation`).
fn watch_bindings(bundle: &Bundle, namespace: &str, watch: &WatchScope) -> Vec<Value> {
    let cluster_binding_names: Vec<&str> = bundle
        .objects
        .iter()
        .filter(|o| kind(o) == "ClusterRoleBinding")
        .map(name)
        .collect();
    let mut out = Vec::new();
    for binding in per_namespace_bindings(bundle) {
        let mut binding = binding.clone();
        point_subjects(&mut binding, namespace);
        match watch {
            WatchScope::All => {
                let own = name(&binding).to_string();
                let cluster_name = if cluster_binding_names.contains(&own.as_str()) {
                    binding["roleRef"]["name"].as_str().unwrap_or(&own).to_string()
                } else {
                    own
                };
                binding["kind"] = json!("ClusterRoleBinding");
                binding["metadata"]["name"] = json!(cluster_name);
                if let Some(meta) = binding["metadata"].as_object_mut() {
                    meta.remove("namespace");
                }
                out.push(binding);
            }
            WatchScope::Namespaces(list) => {
                for ns in list.iter().filter(|ns| *ns != namespace) {
                    let mut copy = binding.clone();
                    copy["metadata"]["namespace"] = json!(ns);
                    out.push(copy);
                }
            }
        }
    }
    out
}

/// The operator Deployment with the watch scope, images, pull secrets and env.
fn configured_deployment(mut deployment: Value, settings: &OperatorSettings) -> Value {
    let pod = &mut deployment["spec"]["template"]["spec"];
    if let Some(registry) = &settings.registry {
        for list in ["containers", "initContainers"] {
            for container in pod[list].as_array_mut().into_iter().flatten() {
                if let Some(image) = container["image"].as_str() {
                    container["image"] = json!(mirror_image(registry, image));
                }
                mirror_env_images(container, registry);
            }
        }
    }
    if !settings.image_pull_secrets.is_empty() {
        let secrets: Vec<Value> = settings.image_pull_secrets.iter().map(|s| json!({"name": s})).collect();
        pod["imagePullSecrets"] = json!(secrets);
    }
    if let Some(env) = operator_env_mut(&mut deployment) {
        let literal = settings.literal_watch.then(|| settings.namespace.clone());
        if let Some(value) = strimzi_namespace_value(&settings.watch, &settings.namespace).or(literal) {
            set_env(env, "STRIMZI_NAMESPACE", &value);
        }
        if !settings.image_pull_secrets.is_empty() {
            set_env(
                env,
                "STRIMZI_IMAGE_PULL_SECRETS",
                &settings.image_pull_secrets.join(","),
            );
        }
        for (key, value) in &settings.env {
            set_env(env, key, value);
        }
    }
    deployment
}

/// The operator container's env list (created when the container has none).
fn operator_env_mut(deployment: &mut Value) -> Option<&mut Vec<Value>> {
    let containers = deployment["spec"]["template"]["spec"]["containers"].as_array_mut()?;
    let index = containers.iter().position(|c| c["name"] == OPERATOR_NAME).unwrap_or(0);
    let container = containers.get_mut(index)?;
    if !container["env"].is_array() {
        container["env"] = json!([]);
    }
    container["env"].as_array_mut()
}

/// Set or replace one variable (a literal value replaces a `valueFrom`).
fn set_env(env: &mut Vec<Value>, key: &str, value: &str) {
    let var = json!({"name": key, "value": value});
    match env.iter_mut().find(|e| e["name"] == key) {
        Some(existing) => *existing = var,
        None => env.push(var),
    }
}

/// Whether an env var names images: `*_IMAGES` lists (`version=image` lines),
/// `*_IMAGE` and the other `STRIMZI_DEFAULT_*` values (such as the Maven builder).
fn env_names_images(key: &str) -> bool {
    key.ends_with("_IMAGES") || key.ends_with("_IMAGE") || key.starts_with("STRIMZI_DEFAULT_")
}

fn mirror_env_images(container: &mut Value, registry: &str) {
    for var in container["env"].as_array_mut().into_iter().flatten() {
        let key = var["name"].as_str().unwrap_or_default().to_string();
        let Some(value) = var["value"].as_str().map(str::to_string) else {
            continue;
        };
        if !env_names_images(&key) || value.trim().is_empty() {
            continue;
        }
        var["value"] = json!(mirror_image_value(registry, &key, &value));
    }
}

fn mirror_image_value(registry: &str, key: &str, value: &str) -> String {
    if !key.ends_with("_IMAGES") {
        return mirror_image(registry, value.trim());
    }
    let mut out = String::new();
    for line in value.lines().filter(|l| !l.trim().is_empty()) {
        match line.trim().split_once('=') {
            Some((version, image)) => out.push_str(&format!(
                "{}={}\n",
                version.trim(),
                mirror_image(registry, image.trim())
            )),
            None => out.push_str(&format!("{}\n", line.trim())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_never_drops_a_watched_namespace() {
        let a = WatchScope::Namespaces(vec!["kafka".into()]);
        let b = WatchScope::Namespaces(vec!["team-a".into(), "kafka".into()]);
        assert_eq!(
            merge_watch(&a, &b),
            WatchScope::Namespaces(vec!["kafka".into(), "team-a".into()])
        );
        assert_eq!(added_watch(&a, &b), WatchScope::Namespaces(vec!["team-a".into()]));
        assert_eq!(merge_watch(&WatchScope::All, &b), WatchScope::All);
        assert_eq!(added_watch(&WatchScope::All, &b), WatchScope::Namespaces(vec![]));
    }

    #[test]
    fn own_namespace_only_keeps_the_bundle_default() {
        let own = WatchScope::Namespaces(vec!["kafka".into()]);
        assert_eq!(strimzi_namespace_value(&own, "kafka"), None);
        assert_eq!(strimzi_namespace_value(&WatchScope::All, "kafka").as_deref(), Some("*"));
        let two = WatchScope::Namespaces(vec!["a".into(), "b".into()]);
        assert_eq!(strimzi_namespace_value(&two, "kafka").as_deref(), Some("a,b"));
    }

    #[test]
    fn image_lists_are_mirrored_line_by_line() {
        let value = "4.2.0=quay.io/strimzi/kafka:1.2.0-kafka-4.2.0\n4.3.1=quay.io/strimzi/kafka:1.2.0-kafka-4.3.1\n";
        assert_eq!(
            mirror_image_value("harbor.corp/m", "STRIMZI_KAFKA_IMAGES", value),
            "4.2.0=harbor.corp/m/strimzi/kafka:1.2.0-kafka-4.2.0\n4.3.1=harbor.corp/m/strimzi/kafka:1.2.0-kafka-4.3.1\n"
        );
        assert!(env_names_images("STRIMZI_DEFAULT_MAVEN_BUILDER"));
        assert!(!env_names_images("STRIMZI_IMAGE_PULL_POLICY"));
    }
}
