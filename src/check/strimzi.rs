//! Strimzi checks: the API is served, an operator is installed, ready and
//! watching the namespace, and it supports the Kafka version and metadata mode.

use super::{CheckResult, Section};
use crate::cluster::discovery::{OperatorInfo, StrimziInfo};
use crate::cluster::facts::ClusterFacts;
use crate::spec::ClusterSpec;

const SECTION: Section = Section::Strimzi;

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
    if info.operators.is_empty() {
        out.push(CheckResult::fail(
            SECTION,
            "operator installed",
            "no Strimzi cluster operator found (no Deployment strimzi-cluster-operator or labelled strimzi.io/kind=cluster-operator)",
            format!(
                "install it watching this namespace: kafkactl operator install --watch {}",
                spec.namespace
            ),
        ));
        return out;
    }
    let Some(operator) = info.operator_for(&spec.namespace) else {
        let list: Vec<String> = info
            .operators
            .iter()
            .map(|o| format!("{}/{} watches {}", o.namespace, o.name, o.watches))
            .collect();
        out.push(CheckResult::fail(
            SECTION,
            "namespace watched",
            format!("no operator watches namespace {} ({})", spec.namespace, list.join("; ")),
            format!(
                "add {} to the operator's STRIMZI_NAMESPACE with its RoleBindings (kafkactl operator install --watch {}), or use -n with a watched namespace",
                spec.namespace, spec.namespace
            ),
        ));
        return out;
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
    if spec.is_zookeeper() && info.kraft_only() {
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
    if let Some(image) = &spec.images.kafka {
        return CheckResult::pass(
            SECTION,
            name,
            format!(
                "Kafka {} from the custom image {image} (not checked against the operator)",
                spec.kafka_version
            ),
        );
    }
    if operator.kafka_versions.is_empty() {
        return CheckResult::warn(
            SECTION,
            name,
            format!(
                "the operator lists no supported Kafka versions (STRIMZI_KAFKA_IMAGES), so Kafka {} could not be checked",
                spec.kafka_version
            ),
            "kubectl get deployment of the operator -o yaml shows its STRIMZI_KAFKA_IMAGES",
        );
    }
    if operator.kafka_versions.contains(&spec.kafka_version) {
        CheckResult::pass(
            SECTION,
            name,
            format!("Kafka {} is supported by {}", spec.kafka_version, version_of(operator)),
        )
    } else {
        CheckResult::fail(
            SECTION,
            name,
            format!(
                "Kafka {} is not supported by {}; it supports {}",
                spec.kafka_version,
                version_of(operator),
                operator.kafka_versions.join(", ")
            ),
            "pass --kafka-version with one of those, or --kafka-image for a custom build",
        )
    }
}
