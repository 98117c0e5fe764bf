//! The Kafka custom resource.
use serde_json::{Value, json};

use super::RenderContext;
use crate::spec::ClusterSpec;

pub fn kafka(spec: &ClusterSpec, _ctx: &RenderContext) -> Value {
    json!({ "apiVersion": spec.strimzi_api.api_version(), "kind": "Kafka", "metadata": { "name": spec.name, "namespace": spec.namespace } })
}
