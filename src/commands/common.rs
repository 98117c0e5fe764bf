//! The path every command that changes an existing cluster shares:
//! load the stored spec → (the command changes it) → validate → render →
//! apply and prune → wait. One implementation, so `scale`, `expose`,
//! `monitor` and `create --update` behave alike.

use serde_json::Value;

use crate::cli::GlobalArgs;
use crate::cluster::apply::{AppliedObject, ApplyLog, ApplyOptions, ObjectRef, apply_plan, prune};
use crate::cluster::client::{Connection, connect};
use crate::cluster::discovery::{StrimziInfo, discover};
use crate::cluster::inventory::{before_state, get_kafka, node_ids, stored_spec};
use crate::cluster::readiness::Progress;
use crate::cluster::volumes::prometheus_volume;
use crate::cluster::wait::wait_until_ready;
use crate::error::{Failure, FailureKind};
use crate::render::{self, Plan, RenderContext};
use crate::spec::{ClusterSpec, DEFAULT_NAMESPACE, Report, StrimziApi, validate};
use crate::ui::progress::ProgressView;

/// A cluster kafkactl created, read back from the API server.
pub struct LoadedCluster {
    pub conn: Connection,
    pub info: StrimziInfo,
    pub api: StrimziApi,
    /// The Kafka CR as stored.
    pub kafka: Value,
    /// The spec stored on it (the truth later commands start from).
    pub spec: ClusterSpec,
}

/// The namespace a command works in: `-n`, else the default.
pub fn namespace(global: &GlobalArgs) -> &str {
    global.connection.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
}

/// Connect, discover, and read cluster `name` with its stored spec.
/// A missing cluster is a not-found failure (exit code 3).
pub async fn load_cluster(global: &GlobalArgs, name: &str) -> Result<LoadedCluster, Failure> {
    let conn = connect(&global.connection).await?;
    let info = discover(&conn).await?;
    let api = super::served_api(&info)?;
    let ns = namespace(global);
    let kafka = get_kafka(&conn, api.as_str(), ns, name)
        .await?
        .ok_or_else(|| super::not_found(name, ns))?;
    let spec = match stored_spec(&kafka) {
        Some(Ok(spec)) => spec,
        Some(Err(e)) => {
            return Err(Failure::runtime(format!(
                "the spec stored on Kafka {ns}/{name} cannot be read: {e}"
            )));
        }
        None => {
            return Err(Failure::new(
                FailureKind::Refused,
                format!("Kafka {ns}/{name} was not created by kafkactl"),
            )
            .with_hint(format!("kubectl -n {ns} get kafka {name} -o yaml shows it")));
        }
    };
    Ok(LoadedCluster {
        conn,
        info,
        api,
        kafka,
        spec,
    })
}

/// How a change is applied.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChangeOptions {
    pub force_conflicts: bool,
    pub no_wait: bool,
    /// Delete kafkactl's objects of this cluster that the new plan no longer has.
    pub prune: bool,
}

/// What applying a changed spec did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeOutcome {
    pub objects: Vec<AppliedObject>,
    pub pruned: Vec<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

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

/// Apply `spec` (already validated) to the cluster, prune what it no longer
/// has, and wait until ready unless told not to.
pub async fn apply_change(
    global: &GlobalArgs,
    loaded: &LoadedCluster,
    spec: &ClusterSpec,
    options: ChangeOptions,
    log: &ApplyLog,
) -> Result<ChangeOutcome, Failure> {
    let conn = &loaded.conn;
    let plan = live_plan(conn, loaded.api, spec).await?;
    let before = Some(before_state(conn, &plan, &spec.name).await?);
    let mut view = ProgressView::new(global.output.quiet);
    let apply_options = ApplyOptions {
        force_conflicts: options.force_conflicts,
        dry_run: false,
    };
    apply_plan(conn, &plan, apply_options, &before, log).await?;
    let pruned = if options.prune {
        prune(conn, &plan, &spec.name, &spec.namespace).await?
    } else {
        Vec::new()
    };
    let objects = log.applied();
    view.message(&format!("applied {}", super::create::summarize_actions(&objects)));
    for p in &pruned {
        view.message(&format!("deleted {p}"));
    }
    let progress = match options.no_wait {
        true => None,
        false => {
            let p = wait_until_ready(conn, spec, loaded.api.as_str(), global.connection.timeout, |p| {
                view.update(p)
            })
            .await?;
            view.finish();
            Some(p)
        }
    };
    Ok(ChangeOutcome {
        objects,
        pruned,
        progress,
    })
}
