//! The spec fields a change touches: every leaf of the stored spec that
//! differs from the changed one, by path (`pools.brokers.replicas: 3 → 5`).
//! Pure; `create --update`, `scale` and `upgrade` list them.

use serde::Serialize;
use serde_json::Value;

use super::ClusterSpec;

/// One spec field a change sets: `pools.brokers.replicas: 3 → 5`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecChange {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

impl std::fmt::Display for SpecChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unset)".to_string());
        write!(f, "{}: {} → {}", self.field, show(&self.from), show(&self.to))
    }
}

/// Every leaf of the spec that differs between `old` and `new`, by path.
pub fn spec_changes(old: &ClusterSpec, new: &ClusterSpec) -> Vec<SpecChange> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_changes("", Some(&a), Some(&b), &mut out);
    out
}

fn collect_changes(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<SpecChange>) {
    if a == b {
        return;
    }
    if let (Some(Value::Object(x)), Some(Value::Object(y))) = (a, b) {
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            collect_changes(&child, x.get(key), y.get(key), out);
        }
        return;
    }
    let show = |v: Option<&Value>| {
        v.map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    out.push(SpecChange {
        field: path.to_string(),
        from: show(a),
        to: show(b),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    #[test]
    fn spec_changes_name_each_changed_leaf() {
        let old = preset::resolve(&preset::find("production").unwrap()).unwrap();
        let mut new = old.clone();
        new.pools.get_mut("brokers").unwrap().replicas = 5;
        new.pools.get_mut("brokers").unwrap().resources.limits.memory = Some("16Gi".into());
        let changes: Vec<String> = spec_changes(&old, &new).iter().map(ToString::to_string).collect();
        assert_eq!(
            changes,
            vec![
                "pools.brokers.replicas: 3 → 5",
                "pools.brokers.resources.limits.memory: 8Gi → 16Gi"
            ]
        );
        assert!(spec_changes(&old, &old).is_empty());
    }
}
