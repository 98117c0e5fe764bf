//! The ZooKeeper exporter Deployment and Service.
use serde_json::Value;

use crate::spec::ClusterSpec;

pub fn zookeeper_exporter(_spec: &ClusterSpec) -> Vec<Value> {
    Vec::new()
}
