//! `--dry-run` of a change: the objects before and after as a unified diff
//! of their YAML, object by object, the way `kubectl diff` shows them.

use serde_json::Value;

use crate::spec::names::SPEC_ANNOTATION;

/// One object that a change adds, removes or modifies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectDiff {
    /// `Kafka/my-cluster`, `KafkaNodePool/brokers`.
    pub object: String,
    pub change: DiffChange,
    /// The unified diff of the object's YAML.
    pub diff: String,
}

/// What a change does to one object (`change` in JSON and YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiffChange {
    Added,
    Removed,
    Changed,
}

/// Diff `old` against `new` objects, matched by kind and name. kafkactl's
/// stored-spec annotation is left out: it restates the whole spec on one line.
pub fn objects_diff(old: &[Value], new: &[Value]) -> Vec<ObjectDiff> {
    let key = |o: &Value| {
        format!(
            "{}/{}",
            o["kind"].as_str().unwrap_or_default(),
            o["metadata"]["name"].as_str().unwrap_or_default()
        )
    };
    let mut out = Vec::new();
    for after in new {
        let name = key(after);
        let before = old.iter().find(|o| key(o) == name);
        let (a, b) = (before.map(yaml).unwrap_or_default(), yaml(after));
        if a != b {
            let change = if before.is_some() {
                DiffChange::Changed
            } else {
                DiffChange::Added
            };
            out.push(ObjectDiff {
                diff: unified(&name, &a, &b),
                object: name,
                change,
            });
        }
    }
    for before in old {
        let name = key(before);
        if !new.iter().any(|o| key(o) == name) {
            out.push(ObjectDiff {
                diff: unified(&name, &yaml(before), ""),
                object: name,
                change: DiffChange::Removed,
            });
        }
    }
    out
}

/// All diffs as one text, as `--dry-run` prints it.
pub fn format_diffs(diffs: &[ObjectDiff]) -> String {
    if diffs.is_empty() {
        return "no change\n".to_string();
    }
    diffs.iter().map(|d| d.diff.as_str()).collect()
}

fn yaml(object: &Value) -> String {
    let mut object = object.clone();
    if let Some(annotations) = object["metadata"]["annotations"].as_object_mut() {
        annotations.remove(SPEC_ANNOTATION);
        if annotations.is_empty()
            && let Some(metadata) = object["metadata"].as_object_mut()
        {
            metadata.remove("annotations");
        }
    }
    crate::ui::output::to_yaml(&object).unwrap_or_default()
}

fn unified(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pool(replicas: i64) -> Value {
        json!({"kind": "KafkaNodePool", "metadata": {"name": "brokers",
            "annotations": {SPEC_ANNOTATION: format!("{{\"replicas\":{replicas}}}")}},
            "spec": {"replicas": replicas, "roles": ["broker"]}})
    }

    #[test]
    fn a_changed_replica_count_is_one_hunk_without_the_spec_annotation() {
        let diffs = objects_diff(&[pool(3)], &[pool(5)]);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].change, DiffChange::Changed);
        assert_eq!(serde_json::to_value(&diffs[0]).unwrap()["change"], "changed");
        let text = &diffs[0].diff;
        assert!(
            text.starts_with("--- a/KafkaNodePool/brokers\n+++ b/KafkaNodePool/brokers\n"),
            "{text}"
        );
        assert!(text.contains("-  replicas: 3\n+  replicas: 5\n"), "{text}");
        assert!(!text.contains(SPEC_ANNOTATION), "{text}");
    }

    #[test]
    fn unchanged_objects_give_no_diff_and_added_ones_are_all_plus() {
        assert!(objects_diff(&[pool(3)], &[pool(3)]).is_empty());
        assert_eq!(format_diffs(&[]), "no change\n");
        let added = json!({"kind": "Service", "metadata": {"name": "c-brokers-103-jmx"}});
        let diffs = objects_diff(&[pool(3)], &[pool(3), added]);
        assert_eq!(
            (diffs[0].object.as_str(), diffs[0].change),
            ("Service/c-brokers-103-jmx", DiffChange::Added)
        );
        assert!(
            diffs[0].diff.lines().skip(3).all(|l| l.starts_with('+')),
            "{}",
            diffs[0].diff
        );
    }
}
