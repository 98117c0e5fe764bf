//! kafkactl's own Prometheus for the cluster.
use serde_json::Value;

use super::Wave;
use crate::spec::ClusterSpec;

pub fn prometheus(_spec: &ClusterSpec) -> Vec<(Wave, Value)> {
    Vec::new()
}
