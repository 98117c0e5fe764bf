//! KafkaNodePool custom resources (KRaft mode).
use serde_json::Value;

use super::RenderContext;
use crate::spec::ClusterSpec;

pub fn node_pools(_spec: &ClusterSpec, _ctx: &RenderContext) -> Vec<Value> {
    Vec::new()
}
