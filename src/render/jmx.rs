//! Per-broker JMX NodePort Services.
use serde_json::Value;

use super::RenderContext;
use crate::spec::ClusterSpec;

pub fn jmx_services(_spec: &ClusterSpec, _ctx: &RenderContext) -> Vec<Value> {
    Vec::new()
}
