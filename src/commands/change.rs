//! What `scale`, `upgrade` and `restart` share beyond the common change
//! path: the spec fields a change touches, the `--dry-run` diff of the
//! rendered objects, confirmations, and the interruption message.

use serde::Serialize;
use serde_json::Value;

use super::common::{LoadedCluster, live_plan};
use crate::cli::GlobalArgs;
use crate::error::{Failure, FailureKind};
use crate::spec::ClusterSpec;
use crate::ui;
use crate::ui::diff::{ObjectDiff, objects_diff};

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

/// `--dry-run`: the objects kafkactl would change, rendered for the live
/// cluster from the stored spec and from the changed one.
pub async fn dry_run_diff(loaded: &LoadedCluster, new: &ClusterSpec) -> Result<Vec<ObjectDiff>, Failure> {
    let objects = |plan: crate::render::Plan| -> Vec<Value> {
        plan.objects
            .into_iter()
            .filter(|o| o.kind() != "Namespace")
            .map(|o| o.object)
            .collect()
    };
    let before = objects(live_plan(&loaded.conn, loaded.api, &loaded.spec).await?);
    let after = objects(live_plan(&loaded.conn, loaded.api, new).await?);
    Ok(objects_diff(&before, &after))
}

/// Ask, or accept `--yes`; without a terminal a missing answer is a refusal
/// naming `--yes`.
pub fn confirm(global: &GlobalArgs, question: &str) -> Result<(), Failure> {
    if global.prompt.yes {
        return Ok(());
    }
    if !ui::terminal::interactive(false, global.prompt.no_input) {
        return Err(
            Failure::new(FailureKind::Refused, format!("confirmation needed: {question}"))
                .with_hint("pass --yes to confirm without a prompt; nothing was changed"),
        );
    }
    let answer = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| Failure::runtime(format!("cannot ask for confirmation: {e}")))?;
    if answer {
        Ok(())
    } else {
        Err(Failure::new(FailureKind::Refused, "not confirmed; nothing was changed"))
    }
}

/// Ctrl-C during a change: what may be half done, and how to finish.
pub fn interrupted(what: &str) -> Failure {
    Failure::new(FailureKind::Interrupted, format!("interrupted while {what}"))
        .with_hint("what was applied stays applied and Strimzi goes on; `kafkactl status NAME` shows the state, and running the same command again converges")
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
