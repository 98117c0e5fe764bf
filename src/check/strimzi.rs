//! Strimzi checks: the API is served, an operator is installed, ready and
//! watching the namespace, and it supports the Kafka version and metadata mode.
//! The operator rules themselves (`zookeeper_on_kraft_only`,
//! `watching_operator`, `kafka_version_fit`) are stated here once: `check`
//! lists each as a line, `create` refuses on the first one broken.

use super::{CheckResult, Section};
use crate::cluster::discovery::{OperatorInfo, StrimziInfo};
use crate::cluster::facts::ClusterFacts;
use crate::spec::ClusterSpec;

const SECTION: Section = Section::Strimzi;

/// ZooKeeper mode asked of a Strimzi that is KRaft-only (1.0 and later).
pub fn zookeeper_on_kraft_only(info: &StrimziInfo, spec: &ClusterSpec) -> bool {
    spec.is_zookeeper() && info.kraft_only()
}

/// Why no operator reconciles a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwatched {
    /// No Strimzi cluster operator runs at all.
    NoOperator,
    /// Operators run, but none watches the namespace.
    NotWatched,
}

/// The operator that reconciles clusters in `namespace`: the one that watches it.
pub fn watching_operator<'a>(info: &'a StrimziInfo, namespace: &str) -> Result<&'a OperatorInfo, Unwatched> {
    if info.operators.is_empty() {
        return Err(Unwatched::NoOperator);
    }
    info.operator_for(namespace).ok_or(Unwatched::NotWatched)
}

/// A ready operator reconciles clusters in `namespace` (with Strimzi's CRDs
/// served): nothing to install for it (`create --install-operator`).
pub fn ready_operator_watches(info: &StrimziInfo, namespace: &str) -> bool {
    info.api().is_some() && watching_operator(info, namespace).is_ok_and(|o| o.ready)
}

/// How an operator meets the spec's Kafka version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaVersionFit {
    /// A custom Kafka image: its version is not the operator's to know.
    CustomImage,
    /// The operator lists no versions (no `STRIMZI_KAFKA_IMAGES`): unknown.
    Unlisted,
    Supported,
    Unsupported,
}

pub fn kafka_version_fit(operator: &OperatorInfo, spec: &ClusterSpec) -> KafkaVersionFit {
    if spec.images.kafka.is_some() {
        KafkaVersionFit::CustomImage
    } else if operator.kafka_versions.is_empty() {
        KafkaVersionFit::Unlisted
    } else if operator.kafka_versions.contains(&spec.kafka_version) {
        KafkaVersionFit::Supported
    } else {
        KafkaVersionFit::Unsupported
    }
}

pub fn checks(facts: &ClusterFacts, spec: &ClusterSpec) -> Vec<CheckResult> {
    let info = match &facts.strimzi {
        Ok(info) => info,
        Err(why) => {
            return vec![CheckResult::fail(
                SECTION,
                "Strimzi API",
                format!("cannot discover Strimzi: {why}"),
                "kubectl api-resources --api-group=kafka.strimzi.io shows what is served",
            )];
        }
    };
    let mut out = vec![api_check(info)];
    out.push(metadata_check(info, spec));
    let operator = match watching_operator(info, &spec.namespace) {
        Ok(operator) => operator,
        Err(Unwatched::NoOperator) => {
            out.push(no_operator(spec));
            return out;
        }
        Err(Unwatched::NotWatched) => {
            out.push(not_watched(info, spec));
            return out;
        }
    };
    out.push(CheckResult::pass(
        SECTION,
        "namespace watched",
        format!("{}/{} watches {}", operator.namespace, operator.name, operator.watches),
    ));
    out.push(ready_check(operator));
    out.push(kafka_version_check(operator, spec));
    out
}

fn no_operator(spec: &ClusterSpec) -> CheckResult {
    CheckResult::fail(
        SECTION,
        "operator installed",
        "no Strimzi cluster operator found (no Deployment strimzi-cluster-operator or labelled strimzi.io/kind=cluster-operator)",
        format!(
            "install it watching this namespace: kafkactl operator install --watch {}",
            spec.namespace
        ),
    )
}

fn not_watched(info: &StrimziInfo, spec: &ClusterSpec) -> CheckResult {
    let list: Vec<String> = info
        .operators
        .iter()
        .map(|o| format!("{}/{} watches {}", o.namespace, o.name, o.watches))
        .collect();
    CheckResult::fail(
        SECTION,
        "namespace watched",
        format!("no operator watches namespace {} ({})", spec.namespace, list.join("; ")),
        format!(
            "add {} to the operator's STRIMZI_NAMESPACE with its RoleBindings (kafkactl operator install --watch {}), or use -n with a watched namespace",
            spec.namespace, spec.namespace
        ),
    )
}

fn version_of(operator: &OperatorInfo) -> String {
    operator
        .version
        .clone()
        .map(|v| format!("Strimzi {v}"))
        .unwrap_or_else(|| format!("image {}", operator.image))
}

fn api_check(info: &StrimziInfo) -> CheckResult {
    match info.api() {
        Some(api) => CheckResult::pass(
            SECTION,
            "Strimzi API",
            format!(
                "{} served (versions {})",
                api.api_version(),
                info.served_versions.join(", ")
            ),
        ),
        None => CheckResult::fail(
            SECTION,
            "Strimzi API",
            "kafka.strimzi.io is not served: the Strimzi CRDs are not installed",
            "install the Strimzi operator: kafkactl operator install",
        ),
    }
}

fn metadata_check(info: &StrimziInfo, spec: &ClusterSpec) -> CheckResult {
    if zookeeper_on_kraft_only(info, spec) {
        let version = info
            .operator_for(&spec.namespace)
            .or_else(|| info.operators.first())
            .map(version_of)
            .unwrap_or_else(|| "Strimzi >= 1.0".into());
        return CheckResult::fail(
            SECTION,
            "metadata mode",
            format!("ZooKeeper mode was asked for, but this cluster's Strimzi ({version}) is KRaft-only"),
            "use --metadata kraft, or run ZooKeeper clusters on a Strimzi 0.45 operator (API v1beta2)",
        );
    }
    CheckResult::pass(
        SECTION,
        "metadata mode",
        format!("{} is supported", spec.metadata.as_str()),
    )
}

fn ready_check(operator: &OperatorInfo) -> CheckResult {
    let what = format!("{}/{} ({})", operator.namespace, operator.name, version_of(operator));
    if operator.ready {
        CheckResult::pass(SECTION, "operator ready", format!("{what} is ready"))
    } else {
        CheckResult::fail(
            SECTION,
            "operator ready",
            format!("{what} is not ready: nothing would reconcile the cluster"),
            format!(
                "kubectl -n {ns} rollout status deployment/{name} and kubectl -n {ns} logs deployment/{name} show why",
                ns = operator.namespace,
                name = operator.name
            ),
        )
    }
}

fn kafka_version_check(operator: &OperatorInfo, spec: &ClusterSpec) -> CheckResult {
    let name = "Kafka version";
    match kafka_version_fit(operator, spec) {
        KafkaVersionFit::CustomImage => CheckResult::pass(
            SECTION,
            name,
            format!(
                "Kafka {} from the custom image {} (not checked against the operator)",
                spec.kafka_version,
                spec.images.kafka.as_deref().unwrap_or_default()
            ),
        ),
        KafkaVersionFit::Unlisted => CheckResult::warn(
            SECTION,
            name,
            format!(
                "the operator lists no supported Kafka versions (STRIMZI_KAFKA_IMAGES), so Kafka {} could not be checked",
                spec.kafka_version
            ),
            "kubectl get deployment of the operator -o yaml shows its STRIMZI_KAFKA_IMAGES",
        ),
        KafkaVersionFit::Supported => CheckResult::pass(
            SECTION,
            name,
            format!("Kafka {} is supported by {}", spec.kafka_version, version_of(operator)),
        ),
        KafkaVersionFit::Unsupported => CheckResult::fail(
            SECTION,
            name,
            format!(
                "Kafka {} is not supported by {}; it supports {}",
                spec.kafka_version,
                version_of(operator),
                operator.kafka_versions.join(", ")
            ),
            "pass --kafka-version with one of those, or --kafka-image for a custom build",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::discovery::WatchScope;

    fn operator(watches: WatchScope, kafka_versions: &[&str]) -> OperatorInfo {
        OperatorInfo {
            name: "strimzi-cluster-operator".into(),
            namespace: "strimzi".into(),
            image: "quay.io/strimzi/operator:1.2.0".into(),
            version: Some("1.2.0".into()),
            ready: true,
            watches,
            kafka_versions: kafka_versions.iter().map(|v| v.to_string()).collect(),
            installed_by_kafkactl: true,
        }
    }

    fn info(served: &[&str], operators: Vec<OperatorInfo>) -> StrimziInfo {
        StrimziInfo {
            served_versions: served.iter().map(|v| v.to_string()).collect(),
            operators,
        }
    }

    fn spec(namespace: &str, kafka_version: &str) -> ClusterSpec {
        ClusterSpec {
            name: "orders".into(),
            namespace: namespace.into(),
            kafka_version: kafka_version.into(),
            ..ClusterSpec::default()
        }
    }

    #[test]
    fn the_operator_of_a_namespace_is_the_one_watching_it() {
        let none = info(&["v1"], Vec::new());
        assert_eq!(watching_operator(&none, "kafka"), Err(Unwatched::NoOperator));
        let team = info(
            &["v1"],
            vec![operator(WatchScope::Namespaces(vec!["team".into()]), &[])],
        );
        assert_eq!(watching_operator(&team, "kafka"), Err(Unwatched::NotWatched));
        assert_eq!(
            watching_operator(&team, "team").map(|o| o.namespace.as_str()),
            Ok("strimzi")
        );
        let all = info(&["v1"], vec![operator(WatchScope::All, &[])]);
        assert!(watching_operator(&all, "anything").is_ok());
        assert!(ready_operator_watches(&all, "anything"));
        assert!(!ready_operator_watches(&team, "kafka"));
        let mut starting = operator(WatchScope::All, &[]);
        starting.ready = false;
        assert!(!ready_operator_watches(&info(&["v1"], vec![starting]), "kafka"));
        assert!(!ready_operator_watches(
            &info(&[], vec![operator(WatchScope::All, &[])]),
            "kafka"
        ));
    }

    #[test]
    fn the_kafka_version_is_judged_only_where_the_operator_can_know_it() {
        let op = operator(WatchScope::All, &["4.2.0", "4.3.1"]);
        assert_eq!(
            kafka_version_fit(&op, &spec("kafka", "4.3.1")),
            KafkaVersionFit::Supported
        );
        assert_eq!(
            kafka_version_fit(&op, &spec("kafka", "3.9.0")),
            KafkaVersionFit::Unsupported
        );
        let mut custom = spec("kafka", "3.9.0");
        custom.images.kafka = Some("corp/kafka:3.9.0-patched".into());
        assert_eq!(kafka_version_fit(&op, &custom), KafkaVersionFit::CustomImage);
        let unlisted = operator(WatchScope::All, &[]);
        assert_eq!(
            kafka_version_fit(&unlisted, &spec("kafka", "3.9.0")),
            KafkaVersionFit::Unlisted
        );
    }

    #[test]
    fn zookeeper_is_refused_only_where_strimzi_is_kraft_only() {
        let mut zookeeper = spec("kafka", "3.9.0");
        zookeeper.metadata = crate::spec::MetadataMode::Zookeeper;
        assert!(zookeeper_on_kraft_only(&info(&["v1"], Vec::new()), &zookeeper));
        assert!(!zookeeper_on_kraft_only(&info(&["v1beta2"], Vec::new()), &zookeeper));
        assert!(!zookeeper_on_kraft_only(
            &info(&["v1"], Vec::new()),
            &spec("kafka", "4.3.1")
        ));
    }
}
