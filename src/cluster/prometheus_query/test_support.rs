//! Fixtures of the unit tests of `prometheus_query`.

use serde_json::Value;

use crate::spec::{ClusterSpec, PoolSpec};

pub fn spec() -> ClusterSpec {
    let mut spec = ClusterSpec {
        name: "orders".to_string(),
        namespace: "kafka".to_string(),
        ..ClusterSpec::default()
    };
    let mut brokers = PoolSpec::default();
    brokers.storage.size = Some("100Gi".to_string());
    spec.pools.insert("brokers".to_string(), brokers);
    spec
}

pub fn vector(samples: &[(&[(&str, &str)], &str)]) -> String {
    let result: Vec<Value> = samples
        .iter()
        .map(|(labels, value)| {
            let metric: serde_json::Map<String, Value> =
                labels.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
            serde_json::json!({ "metric": metric, "value": [1_700_000_000.123, value] })
        })
        .collect();
    serde_json::json!({ "status": "success", "data": { "resultType": "vector", "result": result } }).to_string()
}
