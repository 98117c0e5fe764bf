//! Object metadata shared by every object kafkactl renders.

use serde_json::{Value, json};

use crate::spec::ClusterSpec;
use crate::spec::names::{Component, common_labels};

/// `metadata` of a namespaced kafkactl object: name, namespace, common labels.
pub fn object_meta(spec: &ClusterSpec, name: &str, component: Component) -> Value {
    json!({
        "name": name,
        "namespace": spec.namespace,
        "labels": common_labels(&spec.name, component),
    })
}
