//! What `create --update`, `scale`, `upgrade` and `restart` share beyond the
//! common change path: the guards every change runs (and their questions),
//! the spec fields a change touches, the `--dry-run` diff of the rendered
//! objects, confirmations, and the interruption message.

use serde::Serialize;
use serde_json::Value;

use super::common::{LoadedCluster, live_plan};
use crate::cli::GlobalArgs;
use crate::cluster::client::Connection;
use crate::cluster::live::{change_facts, delete_claims};
use crate::cluster::volumes::check_expansion;
use crate::error::{Failure, FailureKind};
use crate::spec::guards::{Verdict, judge};
use crate::spec::quantity::parse_storage_bytes;
use crate::spec::scaling::volume_changes;
use crate::spec::{ClusterSpec, Report, StrimziApi};
use crate::ui;
use crate::ui::diff::{ObjectDiff, objects_diff};

/// The guards of every change to a running cluster (`spec::guards`): read
/// what the cluster has now, judge the stored spec `old` → `new`, and refuse
/// with every problem (exit 4, nothing written) — also growing a volume whose
/// StorageClass cannot expand. What needs a yes is in the verdict, asked by
/// [`confirm_change`] once every other check passed. `expose` and `monitor`
/// call this before they apply, as `create --update`, `scale` and `upgrade` do.
pub async fn guard_change(
    conn: &Connection,
    api: StrimziApi,
    old: &ClusterSpec,
    new: &ClusterSpec,
) -> Result<Verdict, Failure> {
    let facts = change_facts(conn, api, old).await?;
    let verdict = judge(old, new, &facts.live);
    if !verdict.refusals.is_empty() {
        return Err(refusal(new, &verdict));
    }
    // A size that does not parse is validation's to name.
    let growing: Vec<_> = volume_changes(old, new)
        .into_iter()
        .filter(|v| !v.shrinks() && parse_storage_bytes(&v.to).is_ok())
        .collect();
    if !growing.is_empty() {
        check_expansion(&growing, &facts.classes?)?;
    }
    Ok(verdict)
}

fn refusal(new: &ClusterSpec, verdict: &Verdict) -> Failure {
    let mut report = Report::default();
    verdict.refusals.iter().cloned().for_each(|p| report.push(p));
    let mut fields: Vec<String> = verdict
        .refusals
        .iter()
        .map(|p| p.field.trim_start_matches("config.").to_string())
        .collect();
    fields.dedup();
    Failure {
        report: Some(report),
        ..Failure::new(
            FailureKind::Refused,
            format!(
                "refusing this change to {} (with {} broker{}): it breaks {}",
                new.name,
                new.broker_count(),
                if new.broker_count() == 1 { "" } else { "s" },
                fields.join(", ")
            ),
        )
    }
    .with_hint("nothing was changed in the cluster")
}

/// Ask every question of a verdict (the live brokers removed, Pending claims
/// to delete); `--yes` answers them, and without a terminal a missing answer
/// is a refusal naming `--yes`. `--force-conflicts` answers nothing.
pub fn confirm_change(global: &GlobalArgs, cluster: &str, verdict: &Verdict) -> Result<(), Failure> {
    for question in verdict.questions(cluster) {
        confirm(global, &question)?;
    }
    Ok(())
}

/// After the apply: delete the Pending claims a StorageClass fix replaces,
/// so that Strimzi makes them again with the new class. Returns their names.
pub async fn delete_stale_claims(
    conn: &Connection,
    namespace: &str,
    verdict: &Verdict,
) -> Result<Vec<String>, Failure> {
    let claims = verdict.stale_claim_names();
    if !claims.is_empty() {
        delete_claims(conn, namespace, &claims).await?;
    }
    Ok(claims)
}

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
/// naming `--yes` (the one prompt helper, `ui::prompts`).
pub fn confirm(global: &GlobalArgs, question: &str) -> Result<(), Failure> {
    ui::prompts::require_confirmation(&global.prompt, question, "--yes")
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
