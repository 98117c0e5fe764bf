//! The cluster's Namespace (created when missing; never deleted by kafkactl).

use serde_json::{Value, json};

use crate::spec::ClusterSpec;

pub fn namespace(spec: &ClusterSpec) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": spec.namespace },
    })
}
