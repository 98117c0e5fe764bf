//! The Service in front of Strimzi's kafka-exporter (Strimzi makes none).
use serde_json::Value;

use crate::spec::ClusterSpec;

pub fn kafka_exporter_service(_spec: &ClusterSpec) -> Option<Value> {
    None
}
