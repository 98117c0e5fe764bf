//! The cluster's Namespace (created when missing; never deleted by kafkactl).

use serde_json::{Value, json};

use crate::spec::ClusterSpec;

pub fn namespace(spec: &ClusterSpec) -> Value {
    named(&spec.namespace)
}

/// A Namespace as kafkactl applies it. It carries the label the API server sets on every
/// namespace anyway (`kubernetes.io/metadata.name`, always the name), so that kafkactl's
/// apply owns a field: an apply that owns none leaves no managed-fields entry, and a real
/// API server then records the namespace's fields under `before-first-apply` on the next
/// apply — a write that made every re-run report the namespace as configured.
pub fn named(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": name, "labels": { "kubernetes.io/metadata.name": name } },
    })
}
