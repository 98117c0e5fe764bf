//! zoo-entrance: plain-TCP proxy in front of Strimzi's TLS-only ZooKeeper.
use serde_json::Value;

use crate::spec::ClusterSpec;

pub fn zoo_entrance(_spec: &ClusterSpec) -> Vec<Value> {
    Vec::new()
}
