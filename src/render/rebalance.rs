//! The KafkaRebalance custom resource that asks Strimzi's Cruise Control to
//! move partition replicas off brokers that go (`remove-brokers`) or onto
//! brokers that were added (`add-brokers`). Pure: the object only.

use serde_json::{Value, json};

use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

/// The KafkaRebalance modes kafkactl uses when scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RebalanceMode {
    AddBrokers,
    RemoveBrokers,
}

impl RebalanceMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RebalanceMode::AddBrokers => "add-brokers",
            RebalanceMode::RemoveBrokers => "remove-brokers",
        }
    }
}

/// A KafkaRebalance for `brokers` of the cluster. Strimzi finds the cluster
/// by the `strimzi.io/cluster` label; kafkactl's labels let `delete` find it.
pub fn kafka_rebalance(spec: &ClusterSpec, mode: RebalanceMode, brokers: &[i32]) -> Value {
    let mut labels = names::common_labels(&spec.name, Component::Kafka);
    labels.insert(names::STRIMZI_CLUSTER_LABEL.to_string(), spec.name.clone());
    json!({
        "apiVersion": spec.strimzi_api.api_version(),
        "kind": "KafkaRebalance",
        "metadata": {
            "name": names::rebalance(&spec.name, mode.as_str()),
            "namespace": spec.namespace,
            "labels": labels,
        },
        "spec": {
            "mode": mode.as_str(),
            "brokers": brokers,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_brokers_names_the_brokers_and_the_cluster() {
        let spec = ClusterSpec {
            name: "c".into(),
            ..ClusterSpec::default()
        };
        let kr = kafka_rebalance(&spec, RebalanceMode::RemoveBrokers, &[103, 104]);
        assert_eq!(kr["kind"], "KafkaRebalance");
        assert_eq!(kr["apiVersion"], "kafka.strimzi.io/v1");
        assert_eq!(kr["metadata"]["name"], "c-remove-brokers");
        assert_eq!(kr["metadata"]["labels"]["strimzi.io/cluster"], "c");
        assert_eq!(kr["spec"], json!({"mode": "remove-brokers", "brokers": [103, 104]}));
    }
}
