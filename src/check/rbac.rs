//! Permission checks: which verbs on which resources the command will use —
//! derived from the rendered plan's kinds, the Roles it grants, and what the
//! wait watches — and whether SelfSubjectAccessReviews allowed each.

use std::collections::BTreeMap;

use super::{CheckResult, Intent, Section, Status, Target, and_list};
use crate::cluster::facts::{AccessRequest, ClusterFacts};
use crate::cluster::resources::resolve;
use crate::render::RenderedObject;

const SECTION: Section = Section::Rbac;

/// Why a permission is needed; decides whether a denial fails or warns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Purpose {
    /// Server-side apply of the plan's objects (create and patch), and listing them.
    Apply,
    /// Creating the namespace: only needed when it does not exist yet.
    Namespace,
    /// Watching the cluster come up, and reading it back for the report.
    Wait,
    /// A Role of the plan grants it: Kubernetes only lets users grant what they hold.
    Grant(String),
    /// Deleting objects a changed plan no longer has.
    Prune,
    /// Later commands read it (status, expose); not needed to apply.
    Read,
    /// Cruise Control rebalances when brokers go (scale); not needed otherwise.
    Rebalance,
    /// Installing the Strimzi operator (CRDs, ClusterRoles and ClusterRoleBindings).
    OperatorInstall,
    /// The cluster lock (a Lease) every changing command holds while it runs.
    Lock,
}

impl Purpose {
    fn required(&self) -> bool {
        matches!(
            self,
            Purpose::Apply | Purpose::Namespace | Purpose::Wait | Purpose::Grant(_) | Purpose::Prune | Purpose::Lock
        )
    }

    fn why(&self) -> String {
        match self {
            Purpose::Apply => "to apply the cluster's objects".into(),
            Purpose::Namespace => "to create the namespace".into(),
            Purpose::Wait => "to wait until the cluster is ready and report it".into(),
            Purpose::Grant(role) => format!("Role {role} grants it, and only permissions you hold can be granted"),
            Purpose::Prune => "to delete objects the changed spec no longer has".into(),
            Purpose::Read => "for status and expose to read connection details".into(),
            Purpose::Rebalance => "to move partitions with Cruise Control when brokers go".into(),
            Purpose::OperatorInstall => "to install the Strimzi operator".into(),
            Purpose::Lock => "to lock the cluster while kafkactl changes it (Lease kafkactl-NAME)".into(),
        }
    }
}

/// One permission the command needs, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub request: AccessRequest,
    pub purpose: Purpose,
}

fn need(verb: &str, group: &str, resource: &str, namespace: Option<&str>, purpose: Purpose) -> Need {
    Need {
        request: AccessRequest {
            verb: verb.to_string(),
            group: group.to_string(),
            resource: resource.to_string(),
            namespace: namespace.map(str::to_string),
        },
        purpose,
    }
}

/// Every permission `target` needs (with duplicates when two purposes need it).
pub fn needs(target: &Target) -> Vec<Need> {
    let spec = target.spec;
    let ns = Some(spec.namespace.as_str());
    let mut out = Vec::new();
    for object in &target.plan.objects {
        out.extend(object_needs(object, target.intent));
    }
    // What `wait_until_ready` watches and `cluster_report` reads.
    let strimzi = "kafka.strimzi.io";
    for verb in ["get", "list", "watch"] {
        out.push(need(verb, strimzi, "kafkas", ns, Purpose::Wait));
    }
    let mut watched = vec![
        ("", "pods"),
        ("apps", "deployments"),
        ("", "persistentvolumeclaims"),
        ("", "events"),
    ];
    if !spec.is_zookeeper() {
        watched.push((strimzi, "kafkanodepools"));
    }
    if spec.prometheus.enabled {
        watched.push(("apps", "statefulsets"));
    }
    for (group, resource) in watched {
        for verb in ["list", "watch"] {
            out.push(need(verb, group, resource, ns, Purpose::Wait));
        }
    }
    out.push(need("get", "", "secrets", ns, Purpose::Read));
    for verb in ["get", "create", "update", "delete"] {
        out.push(need(verb, "coordination.k8s.io", "leases", ns, Purpose::Lock));
    }
    if target.intent == Intent::Scale {
        for verb in ["create", "get"] {
            out.push(need(verb, strimzi, "kafkarebalances", ns, Purpose::Rebalance));
        }
    }
    for resource in [
        ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ] {
        out.push(need("create", resource.0, resource.1, None, Purpose::OperatorInstall));
    }
    out
}

/// Apply (create + patch, list for the before-state) of one plan object;
/// the rules of a Role; delete when a change may prune.
fn object_needs(object: &RenderedObject, intent: Intent) -> Vec<Need> {
    let Some((resource, namespaced)) = resolve(object.api_version(), object.kind()) else {
        return Vec::new();
    };
    let ns = if namespaced { object.namespace() } else { None };
    let (group, plural) = (resource.group.as_str(), resource.plural.as_str());
    if object.kind() == "Namespace" {
        return ["create", "patch"]
            .into_iter()
            .map(|verb| need(verb, group, plural, None, Purpose::Namespace))
            .collect();
    }
    let mut out: Vec<Need> = ["create", "patch", "list"]
        .into_iter()
        .map(|verb| need(verb, group, plural, ns, Purpose::Apply))
        .collect();
    let may_prune = matches!(intent, Intent::Scale | Intent::Create { update: true });
    if may_prune && object.kind() != "Kafka" {
        out.push(need("delete", group, plural, ns, Purpose::Prune));
    }
    if object.kind() == "Role" {
        out.extend(role_rule_needs(object));
    }
    out
}

fn role_rule_needs(role: &RenderedObject) -> Vec<Need> {
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let mut out = Vec::new();
    for rule in role.object["rules"].as_array().into_iter().flatten() {
        for group in strings(&rule["apiGroups"]) {
            for resource in strings(&rule["resources"]) {
                for verb in strings(&rule["verbs"]) {
                    out.push(need(
                        &verb,
                        &group,
                        &resource,
                        role.namespace(),
                        Purpose::Grant(role.name().to_string()),
                    ));
                }
            }
        }
    }
    out
}

/// One line per resource: every verb it needs allowed, or which are not.
pub fn checks(facts: &ClusterFacts, target: &Target) -> Vec<CheckResult> {
    let operator_missing = facts.strimzi.as_ref().is_ok_and(|i| i.operators.is_empty());
    let namespace_exists = facts.namespace_exists.as_ref().is_ok_and(|e| *e);
    let mut by_resource: BTreeMap<(String, String, Option<String>), Vec<Need>> = BTreeMap::new();
    let mut install = Vec::new();
    for n in needs(target) {
        match n.purpose {
            Purpose::OperatorInstall => install.push(n),
            Purpose::Namespace if namespace_exists => {}
            _ => by_resource
                .entry((
                    n.request.group.clone(),
                    n.request.resource.clone(),
                    n.request.namespace.clone(),
                ))
                .or_default()
                .push(n),
        }
    }
    let mut out = Vec::new();
    if namespace_exists {
        out.push(CheckResult::pass(
            SECTION,
            "namespaces",
            format!("namespace {} exists", target.spec.namespace),
        ));
    }
    out.extend(by_resource.values().map(|needs| resource_check(facts, needs)));
    if operator_missing {
        out.push(install_check(facts, &install));
    }
    out
}

fn resource_name(request: &AccessRequest) -> String {
    match request.group.as_str() {
        "" => request.resource.clone(),
        group => format!("{}.{group}", request.resource),
    }
}

fn scope(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "cluster-wide".to_string(),
    }
}

/// The verbs of `needs`, once each, reads before writes.
fn verbs(needs: &[&Need]) -> Vec<String> {
    const ORDER: [&str; 7] = ["get", "list", "watch", "create", "patch", "update", "delete"];
    let mut verbs: Vec<String> = needs.iter().map(|n| n.request.verb.clone()).collect();
    verbs.sort_by_key(|v| (ORDER.iter().position(|o| o == v).unwrap_or(ORDER.len()), v.clone()));
    verbs.dedup();
    verbs
}

fn resource_check(facts: &ClusterFacts, needs: &[Need]) -> CheckResult {
    let Some(first) = needs.first() else {
        return CheckResult::pass(SECTION, "permissions", "nothing needed");
    };
    let name = resource_name(&first.request);
    let where_ = scope(first.request.namespace.as_deref());
    let mut denied: Vec<&Need> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for n in needs {
        match facts.access(&n.request) {
            Some(Ok(true)) => {}
            Some(Ok(false)) => denied.push(n),
            Some(Err(why)) => unknown.push(why.clone()),
            None => unknown.push("not asked".into()),
        }
    }
    let all: Vec<&Need> = needs.iter().collect();
    if denied.is_empty() && unknown.is_empty() {
        return CheckResult::pass(SECTION, name, format!("may {} {where_}", and_list(&verbs(&all))));
    }
    if denied.is_empty() {
        unknown.dedup();
        return CheckResult::warn(
            SECTION,
            name,
            format!("could not check {where_}: {}", unknown.join("; ")),
            "kubectl auth can-i --list shows what you may do",
        );
    }
    let status = if denied.iter().any(|n| n.purpose.required()) {
        Status::Fail
    } else {
        Status::Warn
    };
    let mut reasons: Vec<String> = Vec::new();
    for n in &denied {
        let why = n.purpose.why();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    }
    let denied_verbs = verbs(&denied);
    let ns_flag = first
        .request
        .namespace
        .as_deref()
        .map(|ns| format!(" -n {ns}"))
        .unwrap_or_default();
    CheckResult {
        section: SECTION,
        name: name.clone(),
        status,
        detail: format!(
            "may not {} {where_} (needed {})",
            and_list(&denied_verbs),
            reasons.join("; ")
        ),
        hint: Some(format!(
            "ask a cluster admin for a Role granting {} on {name} {where_}; `kubectl auth can-i {} {name}{ns_flag}` checks it",
            denied_verbs.join(", "),
            denied_verbs[0]
        )),
    }
}

fn install_check(facts: &ClusterFacts, install: &[Need]) -> CheckResult {
    let denied: Vec<String> = install
        .iter()
        .filter(|n| !matches!(facts.access(&n.request), Some(Ok(true))))
        .map(|n| resource_name(&n.request))
        .collect();
    if denied.is_empty() {
        CheckResult::pass(
            SECTION,
            "operator install",
            "may create CRDs, ClusterRoles and ClusterRoleBindings (kafkactl operator install)",
        )
    } else {
        CheckResult::warn(
            SECTION,
            "operator install",
            format!(
                "may not create {} cluster-wide, so cannot install the Strimzi operator",
                and_list(&denied)
            ),
            "ask a cluster admin to install the Strimzi operator watching this namespace",
        )
    }
}
