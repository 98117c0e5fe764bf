//! Names: the cluster name (and every name derived from it), the namespace,
//! pool names and listener names.

use super::syntax::{
    DNS_1035_RULES, DNS_1123_RULES, DNS_LABEL_MAX, label_character_violations, label_violations, subdomain_violations,
    suggest_label,
};
use crate::spec::model::{ClusterSpec, NodePoolNames};
use crate::spec::names::{MAX_NAME_LEN, derived_names, longest_cluster_name};
use crate::spec::problem::Report;

/// Strimzi's CRD pattern for listener names.
pub const LISTENER_NAME_PATTERN: &str = "^[a-z0-9]{1,11}$";
const LISTENER_NAME_MAX: usize = 11;

pub(super) fn validate_names(spec: &ClusterSpec, report: &mut Report) {
    validate_cluster_name(spec, report);
    validate_namespace(spec, report);
    for name in spec.pools.keys() {
        if let Some(message) = label_message(name, "pool name", false, "brokers") {
            report.error(format!("pools.{name}"), message);
        }
    }
    for name in spec.listeners.keys() {
        if let Some(message) = listener_name_message(name) {
            report.error(format!("listeners.{name}"), message);
        }
    }
}

/// "\"My_Kafka\" is not a valid cluster name: it has …; use … (e.g. \"my-kafka\")".
fn label_message(name: &str, what: &str, letter_first: bool, example: &str) -> Option<String> {
    violations_message(name, what, label_violations(name, letter_first), letter_first, example)
}

fn violations_message(
    name: &str,
    what: &str,
    violations: Vec<String>,
    letter_first: bool,
    example: &str,
) -> Option<String> {
    if violations.is_empty() {
        return None;
    }
    let rules = if letter_first { DNS_1035_RULES } else { DNS_1123_RULES };
    let example = suggest_label(name, letter_first, DNS_LABEL_MAX).unwrap_or_else(|| example.to_string());
    Some(format!(
        "\"{name}\" is not a valid {what}: it {}; {rules} (e.g. \"{example}\")",
        violations.join(", ")
    ))
}

/// Services are named after the cluster, so its name is a DNS-1035 label
/// (letter first), and every derived name must still fit in 63 characters.
fn validate_cluster_name(spec: &ClusterSpec, report: &mut Report) {
    if spec.name.is_empty() {
        report.error(
            "name",
            "a cluster name is required (kafkactl create NAME), e.g. \"my-cluster\"",
        );
        return;
    }
    // The length is judged by the derived names below, which say more.
    let violations = label_character_violations(&spec.name, true);
    if let Some(message) = violations_message(&spec.name, "cluster name", violations, true, "my-cluster") {
        report.error("name", message);
    }
    if let Some(message) = derived_length_message(spec) {
        report.error("name", message);
    }
}

/// Names the longest derived name over the limit and the longest cluster
/// name this spec allows.
fn derived_length_message(spec: &ClusterSpec) -> Option<String> {
    let derived = derived_names(spec);
    let too_long: Vec<&(String, &str)> = derived.iter().filter(|(n, _)| n.len() > MAX_NAME_LEN).collect();
    let (worst, what) = too_long.iter().max_by_key(|(n, _)| n.len())?;
    let others = match too_long.len() {
        1 => String::new(),
        n => format!(" (and {} more derived names)", n - 1),
    };
    let limit = match longest_cluster_name(spec) {
        Some(max) => format!("with this spec a cluster name can have at most {max} characters"),
        None => "the pool and listener names of this spec leave no room for any cluster name; shorten them".to_string(),
    };
    Some(format!(
        "\"{}\" ({} characters) is too long: the {what} \"{worst}\" would be {} characters, over Kubernetes' limit of {MAX_NAME_LEN}{others}; {limit}{}",
        spec.name,
        spec.name.len(),
        worst.len(),
        bare_names_hint(spec),
    ))
}

/// Prefixed pool names put the cluster name twice in pod names; say how much
/// longer it could be with bare ones, when that is what limits it.
fn bare_names_hint(spec: &ClusterSpec) -> String {
    if spec.node_pool_names != NodePoolNames::Prefixed || spec.is_zookeeper() {
        return String::new();
    }
    let bare = ClusterSpec {
        node_pool_names: NodePoolNames::Bare,
        ..spec.clone()
    };
    match (longest_cluster_name(spec), longest_cluster_name(&bare)) {
        (now, Some(with_bare)) if now.is_none_or(|now| with_bare > now) => format!(
            " ({with_bare} with nodePoolNames: bare in a preset file, if no other cluster in the namespace has these pool names)"
        ),
        _ => String::new(),
    }
}

/// What is wrong with a namespace name given on the command line (`-n`), as a
/// whole message; `None` when it is a valid DNS-1123 label.
pub fn namespace_problem(namespace: &str) -> Option<String> {
    if namespace.is_empty() {
        return Some("a namespace name cannot be empty, e.g. \"kafka\"".to_string());
    }
    label_message(namespace, "namespace", false, "kafka")
}

/// What is wrong with the NAME of a cluster that should already exist, as a
/// whole message. Only names Kubernetes could not store are refused (a cluster
/// made by other tools may have a name kafkactl would not choose).
pub fn existing_cluster_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(
            "the cluster name is empty; pass the name of an existing cluster, e.g. \"my-cluster\"".to_string(),
        );
    }
    let violations = subdomain_violations(name);
    if violations.is_empty() {
        return None;
    }
    let example = suggest_label(name, true, DNS_LABEL_MAX).unwrap_or_else(|| "my-cluster".to_string());
    Some(format!(
        "\"{name}\" cannot be the name of a Kafka cluster: it {}; {DNS_1035_RULES} (e.g. \"{example}\")",
        violations.join(", ")
    ))
}

fn validate_namespace(spec: &ClusterSpec, report: &mut Report) {
    if spec.namespace.is_empty() {
        report.error("namespace", "a namespace is required (-n NAMESPACE), e.g. \"kafka\"");
    } else if let Some(message) = label_message(&spec.namespace, "namespace", false, "kafka") {
        report.error("namespace", message);
    }
}

/// Strimzi names listener Services and Kafka's listener config after it.
fn listener_name_message(name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name.len() <= LISTENER_NAME_MAX
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if valid {
        return None;
    }
    let example: String = name
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        .take(LISTENER_NAME_MAX)
        .collect();
    let example = if example.is_empty() {
        "external".to_string()
    } else {
        example
    };
    Some(format!(
        "listener name \"{name}\" does not match Strimzi's pattern {LISTENER_NAME_PATTERN}: lowercase letters and digits only, at most {LISTENER_NAME_MAX} characters (e.g. \"{example}\")"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_namespaces_are_dns_labels() {
        assert_eq!(namespace_problem("kafka"), None);
        assert_eq!(namespace_problem("team-a1"), None);
        let bad = namespace_problem("Bad_NS").unwrap();
        assert!(bad.contains("uppercase letters") && bad.contains("\"bad-ns\""), "{bad}");
        assert!(namespace_problem("").unwrap().contains("empty"));
        assert!(namespace_problem(&"a".repeat(64)).unwrap().contains("at most 63"));
    }

    #[test]
    fn existing_cluster_names_refused_only_when_kubernetes_cannot_store_them() {
        assert_eq!(existing_cluster_name_problem("my-cluster"), None);
        // Another tool's cluster may have a name kafkactl would not choose.
        assert_eq!(existing_cluster_name_problem("1st.cluster"), None);
        let bad = existing_cluster_name_problem("Bad_Name").unwrap();
        assert!(bad.contains("\"Bad_Name\"") && bad.contains("\"bad-name\""), "{bad}");
        assert!(existing_cluster_name_problem("").unwrap().contains("empty"));
    }
}
