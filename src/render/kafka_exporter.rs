//! The Service in front of Strimzi's kafka-exporter (Strimzi makes none), so
//! that consumer lag can be scraped or port-forwarded by a stable name.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::object_meta;
use super::workload::to_object;
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

/// The port Strimzi's kafka-exporter container serves metrics on.
pub const KAFKA_EXPORTER_PORT: i32 = 9404;
/// Port name shared with Strimzi's metrics container ports.
pub const METRICS_PORT_NAME: &str = "tcp-prometheus";

pub fn kafka_exporter_service(spec: &ClusterSpec) -> Option<Value> {
    if !spec.kafka_exporter.enabled {
        return None;
    }
    let name = names::kafka_exporter_service(&spec.name);
    let service = Service {
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(exporter_pod_labels(spec)),
            ports: Some(vec![ServicePort {
                name: Some(METRICS_PORT_NAME.to_string()),
                port: KAFKA_EXPORTER_PORT,
                protocol: Some("TCP".to_string()),
                // By number: the port is fixed by Strimzi, its name is not part of any contract.
                target_port: Some(IntOrString::Int(KAFKA_EXPORTER_PORT)),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    Some(to_object(&service, object_meta(spec, &name, Component::KafkaExporter)))
}

/// The labels Strimzi puts on the kafka-exporter pods of this cluster.
fn exporter_pod_labels(spec: &ClusterSpec) -> BTreeMap<String, String> {
    BTreeMap::from([
        (names::STRIMZI_CLUSTER_LABEL.to_string(), spec.name.clone()),
        (
            names::STRIMZI_NAME_LABEL.to_string(),
            names::kafka_exporter_deployment(&spec.name),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(exporter: bool) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "orders".to_string(),
            ..ClusterSpec::default()
        };
        spec.kafka_exporter.enabled = exporter;
        spec
    }

    #[test]
    fn service_selects_strimzis_exporter_pods_on_9404() {
        let service = kafka_exporter_service(&spec(true)).unwrap();
        assert_eq!(service["metadata"]["name"], "orders-kafka-exporter");
        assert_eq!(service["spec"]["selector"]["strimzi.io/cluster"], "orders");
        assert_eq!(service["spec"]["selector"]["strimzi.io/name"], "orders-kafka-exporter");
        assert_eq!(service["spec"]["ports"][0]["port"], 9404);
        assert_eq!(service["spec"]["ports"][0]["name"], "tcp-prometheus");
    }

    #[test]
    fn no_service_without_the_exporter() {
        assert_eq!(kafka_exporter_service(&spec(false)), None);
    }
}
