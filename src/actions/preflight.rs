//! The preflight every command that applies a spec runs first (and `check`
//! on its own): render, read the cluster's facts in one round, judge them
//! (`check`). Returns the checklist; printing and refusing is the caller's.

use crate::check::{self, CheckReport, Intent, Target};
use crate::cluster::client::Connection;
use crate::cluster::facts::gather;
use crate::error::Failure;
use crate::render::{self, RenderContext};
use crate::spec::ClusterSpec;

/// What the command running the preflight is about to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreflightOptions {
    pub intent: Intent,
    /// The spec's name is the real cluster name (not `check`'s placeholder).
    pub named: bool,
}

impl PreflightOptions {
    pub fn create(update: bool) -> Self {
        PreflightOptions {
            intent: Intent::Create { update },
            named: true,
        }
    }

    pub fn scale() -> Self {
        PreflightOptions {
            intent: Intent::Scale,
            named: true,
        }
    }
}

/// Render `spec`, read the cluster's facts in one concurrent round, and judge
/// them. `spec` must be validated. The checklist itself never fails here: a
/// failed read is a line of it.
pub async fn preflight(
    conn: &Connection,
    spec: &ClusterSpec,
    options: &PreflightOptions,
) -> Result<CheckReport, Failure> {
    let plan = render::render(spec, &RenderContext::offline());
    let target = Target {
        spec,
        plan: &plan,
        intent: options.intent,
        named: options.named,
    };
    let facts = gather(conn, &spec.namespace, &check::access_requests(&target)).await;
    Ok(check::evaluate(&facts, &target))
}
