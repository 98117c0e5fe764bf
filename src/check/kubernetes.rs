//! The Kubernetes API checks: the API server answers, and its version is one
//! the target Strimzi release supports.

use super::{CheckResult, Section};
use crate::cluster::discovery::StrimziInfo;
use crate::cluster::facts::ClusterFacts;
use crate::spec::ClusterSpec;
use crate::spec::versions::release_for_api;

const SECTION: Section = Section::Kubernetes;

pub fn checks(facts: &ClusterFacts, spec: &ClusterSpec) -> Vec<CheckResult> {
    if !facts.reachable {
        let why = facts.version.as_ref().err().cloned().unwrap_or_default();
        return vec![CheckResult::fail(
            SECTION,
            "API server",
            format!("the API server at {} did not answer: {why}", facts.server),
            "check that the cluster is up and reachable (VPN, --context, --kubeconfig)",
        )];
    }
    vec![
        CheckResult::pass(SECTION, "API server", format!("reachable at {}", facts.server)),
        version_check(facts, spec),
    ]
}

fn version_check(facts: &ClusterFacts, spec: &ClusterSpec) -> CheckResult {
    let strimzi = target_strimzi_version(facts.strimzi.as_ref().ok(), spec);
    let version = match &facts.version {
        Ok(v) => v,
        Err(why) => {
            return CheckResult::warn(
                SECTION,
                "Kubernetes version",
                format!("unknown: {why}"),
                "kubectl version shows the server version",
            );
        }
    };
    let Some((major, minor)) = min_kubernetes(&strimzi) else {
        return CheckResult::pass(
            SECTION,
            "Kubernetes version",
            format!("{} (no known minimum for Strimzi {strimzi})", version.git_version),
        );
    };
    if (version.major, version.minor) >= (major, minor) {
        CheckResult::pass(
            SECTION,
            "Kubernetes version",
            format!(
                "{} (Strimzi {strimzi} needs {major}.{minor} or newer)",
                version.git_version
            ),
        )
    } else {
        CheckResult::fail(
            SECTION,
            "Kubernetes version",
            format!(
                "{} is too old: Strimzi {strimzi} needs Kubernetes {major}.{minor} or newer",
                version.git_version
            ),
            "upgrade the cluster, or use a Strimzi release that supports this Kubernetes version",
        )
    }
}

/// The Strimzi release the cluster will run on: the operator watching the
/// namespace, else any operator, else the release kafkactl renders for.
pub fn target_strimzi_version(info: Option<&StrimziInfo>, spec: &ClusterSpec) -> String {
    info.and_then(|i| i.operator_for(&spec.namespace).or_else(|| i.operators.first()))
        .and_then(|o| o.version.clone())
        .unwrap_or_else(|| release_for_api(spec.strimzi_api).version.to_string())
}

/// The oldest Kubernetes (major, minor) a Strimzi release supports, from
/// Strimzi's supported-versions table: 0.44–0.47 need 1.25, 0.48–0.50 need
/// 1.27, the 1.x releases 1.30. `None` for versions that cannot be read.
pub fn min_kubernetes(strimzi: &str) -> Option<(u32, u32)> {
    let mut parts = strimzi.trim_start_matches('v').split(['.', '-']);
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    let needed = match (major, minor) {
        (1.., _) => (1, 30),
        (0, 48..) => (1, 27),
        (0, 44..) => (1, 25),
        (0, 40..) => (1, 23),
        (0, 36..) => (1, 21),
        (0, 32..) => (1, 19),
        _ => return None,
    };
    Some(needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_kubernetes_follows_the_strimzi_release() {
        assert_eq!(min_kubernetes("1.2.0"), Some((1, 30)));
        assert_eq!(min_kubernetes("0.45.2"), Some((1, 25)));
        assert_eq!(min_kubernetes("0.49.1"), Some((1, 27)));
        assert_eq!(min_kubernetes("0.41.0"), Some((1, 23)));
        assert_eq!(min_kubernetes("latest"), None);
    }
}
