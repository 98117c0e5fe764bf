//! Preflight checks: can this Kubernetes cluster run this spec? Pure
//! judgements of `ClusterFacts` (read by `cluster::facts`) against a spec and
//! its rendered plan, one `CheckResult` per line of the checklist, grouped in
//! sections the way `linkerd check` groups them. No I/O here.

pub mod kubernetes;
pub mod naming;
pub mod rbac;
pub mod scheduling;
pub mod storage;
pub mod strimzi;

use serde::Serialize;

use crate::cluster::facts::{AccessRequest, ClusterFacts};
use crate::render::Plan;
use crate::spec::ClusterSpec;

/// How one check came out; `ui::checklist` shows it as a mark (✓, ! or ✗).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// The sections of the checklist, in the order they are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Kubernetes,
    Rbac,
    Strimzi,
    Storage,
    Scheduling,
    Naming,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Kubernetes => "Kubernetes API",
            Section::Rbac => "Permissions (RBAC)",
            Section::Strimzi => "Strimzi operator",
            Section::Storage => "Storage",
            Section::Scheduling => "Scheduling",
            Section::Naming => "Names",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub section: Section,
    /// What was checked, short (`StorageClass of pool brokers`).
    pub name: String,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about a failure or a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl CheckResult {
    pub fn pass(section: Section, name: impl Into<String>, detail: impl Into<String>) -> Self {
        CheckResult {
            section,
            name: name.into(),
            status: Status::Pass,
            detail: detail.into(),
            hint: None,
        }
    }

    pub fn warn(section: Section, name: impl Into<String>, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        CheckResult {
            status: Status::Warn,
            hint: Some(hint.into()),
            ..CheckResult::pass(section, name, detail)
        }
    }

    pub fn fail(section: Section, name: impl Into<String>, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        CheckResult {
            status: Status::Fail,
            hint: Some(hint.into()),
            ..CheckResult::pass(section, name, detail)
        }
    }
}

/// What the command that runs the checks is about to do; it changes what
/// counts as a problem (an existing cluster is a re-run for `create`, the
/// expected case for `scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "command")]
pub enum Intent {
    /// `create`; `update` is `--update` (a different existing spec is applied).
    Create { update: bool },
    /// `scale` (and other changes of an existing cluster).
    Scale,
    /// `kafkactl check` on its own.
    Check,
}

/// What is checked: a validated spec, its plan, and what will be done with it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub spec: &'a ClusterSpec,
    pub plan: &'a Plan,
    pub intent: Intent,
    /// The cluster name was given (`kafkactl check` works without one, on a placeholder).
    pub named: bool,
}

/// The whole checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub namespace: String,
    /// No check failed (warnings allowed).
    pub ok: bool,
    pub passed: usize,
    pub warnings: usize,
    pub failures: usize,
    pub checks: Vec<CheckResult>,
}

impl CheckReport {
    pub fn new(cluster: Option<String>, namespace: String, checks: Vec<CheckResult>) -> Self {
        let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
        let (passed, warnings, failures) = (count(Status::Pass), count(Status::Warn), count(Status::Fail));
        CheckReport {
            cluster,
            namespace,
            ok: failures == 0,
            passed,
            warnings,
            failures,
            checks,
        }
    }

    /// The lines with one status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(move |c| c.status == status)
    }
}

/// The access reviews to ask for `target` (deduplicated, in a stable order).
pub fn access_requests(target: &Target) -> Vec<AccessRequest> {
    let mut requests: Vec<AccessRequest> = rbac::needs(target).into_iter().map(|n| n.request).collect();
    requests.sort();
    requests.dedup();
    requests
}

/// Judge `facts` for `target`: every section, in order. An unreachable API
/// server gives that one failure and nothing else (everything else would
/// only repeat it).
pub fn evaluate(facts: &ClusterFacts, target: &Target) -> CheckReport {
    let mut checks = kubernetes::checks(facts, target.spec);
    if facts.reachable {
        checks.extend(rbac::checks(facts, target));
        checks.extend(strimzi::checks(facts, target.spec));
        checks.extend(storage::checks(facts, target.spec));
        checks.extend(scheduling::checks(facts, target));
        checks.extend(naming::checks(facts, target));
    }
    let cluster = target.named.then(|| target.spec.name.clone());
    CheckReport::new(cluster, target.spec.namespace.clone(), checks)
}

/// `a, b and c` for messages.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
