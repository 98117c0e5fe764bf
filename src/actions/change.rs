//! What every change to an existing cluster decides before it writes: the
//! spec is valid, the guards of `spec::guards` pass against what the cluster
//! has now (their questions are returned, not asked), and the plan is
//! rendered for the live cluster; and, after the apply, the Pending claims
//! a StorageClass fix replaces are deleted.

use crate::cluster::client::Connection;
use crate::cluster::inventory::node_ids;
use crate::cluster::live::{change_facts, delete_claims};
use crate::cluster::volumes::{check_expansion, prometheus_volume};
use crate::error::{Failure, FailureKind};
use crate::render::{self, Plan, RenderContext};
use crate::spec::guards::{Verdict, judge};
use crate::spec::quantity::parse_storage_bytes;
use crate::spec::scaling::volume_changes;
use crate::spec::{ClusterSpec, Report, StrimziApi, validate};

/// Validate `spec`, or fail with every problem (exit code 2, nothing changed).
pub fn validated(spec: &ClusterSpec) -> Result<Report, Failure> {
    let report = validate(spec);
    if report.is_ok() {
        Ok(report)
    } else {
        Err(Failure::invalid_spec(report).with_hint("nothing was changed in the cluster"))
    }
}

/// What the live cluster decides about rendering: the node ids its pools
/// really have, and kafkactl's Prometheus volume as it is.
pub async fn live_context(conn: &Connection, api: StrimziApi, spec: &ClusterSpec) -> Result<RenderContext, Failure> {
    let prometheus_volume = match spec.prometheus.standalone() {
        true => prometheus_volume(conn, spec).await?.for_render(),
        false => None,
    };
    Ok(RenderContext {
        node_ids: node_ids(conn, api.as_str(), spec).await?,
        include_namespace: true,
        prometheus_volume,
    })
}

/// Render for the live cluster (see [`live_context`]).
pub async fn live_plan(conn: &Connection, api: StrimziApi, spec: &ClusterSpec) -> Result<Plan, Failure> {
    let ctx = live_context(conn, api, spec).await?;
    Ok(render::render(spec, &ctx))
}

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
