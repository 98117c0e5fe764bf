//! `kafkactl restart NAME [--broker ID | --pool P | --zookeeper]`: Strimzi's
//! manual rolling update (annotation on the pool's StrimziPodSet, or on one
//! pod), then a wait until every targeted pod was recreated and is ready.

use std::time::Instant;

use serde::Serialize;

use super::shared::change::load_cluster;
use super::shared::runner::SoFar;
use crate::actions::LoadedCluster;
use crate::cli::GlobalArgs;
use crate::cli::scale::RestartArgs;
use crate::cluster::rollout::{
    KafkaGoal, RolloutTarget, cluster_pods, pod_group, request_rolling_update, targets, wait_for_rollout,
};
use crate::error::{Failure, FailureKind};
use crate::spec::names;
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

pub fn run(global: &GlobalArgs, args: RestartArgs) -> anyhow::Result<()> {
    super::shared::runner::run_and_print(global, SoFar::Changing("restarting"), restart(global, &args))
}

/// What `restart` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestartOutcome {
    pub cluster: String,
    pub namespace: String,
    pub result: RestartResult,
    /// The objects that got the manual rolling update annotation (`StrimziPodSet/c-brokers`).
    pub annotated: Vec<String>,
    /// The pods that were (or are to be) recreated, per pool.
    pub targets: Vec<RolloutTarget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
}

/// How a restart ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartResult {
    /// The pods were recreated and are ready again.
    Restarted,
    /// `--no-wait`: Strimzi was asked to roll them.
    Requested,
}

impl TextOutput for RestartOutcome {
    fn text(&self) -> String {
        let groups: Vec<String> = self
            .targets
            .iter()
            .map(|t| {
                format!(
                    "{} ({} pod{})",
                    t.group,
                    t.pods.len(),
                    if t.pods.len() == 1 { "" } else { "s" }
                )
            })
            .collect();
        match self.result {
            RestartResult::Requested => format!(
                "asked Strimzi to restart {}: {} (not waiting)\n",
                self.cluster,
                groups.join(", ")
            ),
            RestartResult::Restarted => format!("restarted {}: {}\n", self.cluster, groups.join(", ")),
        }
    }
}

async fn restart(global: &GlobalArgs, args: &RestartArgs) -> Result<RestartOutcome, Failure> {
    let started = Instant::now();
    let loaded = load_cluster(global, &args.name).await?;
    let spec = &loaded.spec;
    check_target(&loaded, args)?;
    let pods = cluster_pods(&loaded.conn, spec).await?;
    let (targets, requests) = match (args.broker, &args.pool, args.zookeeper) {
        (Some(id), _, _) => {
            let Some((name, group)) = pods
                .keys()
                .filter_map(|name| Some((name, pod_group(spec, name)?)))
                .find(|(name, group)| group != "zookeeper" && **name == names::pool_pod(spec, group, id))
            else {
                return Err(no_such_node(&loaded, id, &pods));
            };
            let t = targets(spec, &pods, |g| g == group).into_iter().map(|mut t| {
                t.pods.retain(|pod, _| pod == name);
                t
            });
            (t.collect::<Vec<_>>(), vec![("Pod", name.clone())])
        }
        (None, Some(pool), _) => (
            targets(spec, &pods, |g| g == pool),
            vec![("StrimziPodSet", names::pod_set(spec, pool))],
        ),
        (None, None, true) => (
            targets(spec, &pods, |g| g == "zookeeper"),
            vec![("StrimziPodSet", names::zookeeper_pods_name(&spec.name))],
        ),
        (None, None, false) => (
            targets(spec, &pods, |g| g != "zookeeper"),
            spec.pools
                .keys()
                .map(|pool| ("StrimziPodSet", names::pod_set(spec, pool)))
                .collect(),
        ),
    };
    if targets.iter().all(|t| t.pods.is_empty()) {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!("cluster {} has no running pods to restart there", spec.name),
        )
        .with_hint(format!("kafkactl status {} shows its pods", spec.name)));
    }
    crate::actions::lock::lock_loaded(&loaded, "restart").await?;
    for (kind, name) in &requests {
        request_rolling_update(&loaded.conn, loaded.api.as_str(), kind, &spec.namespace, name).await?;
    }
    let mut outcome = RestartOutcome {
        cluster: spec.name.clone(),
        namespace: spec.namespace.clone(),
        result: RestartResult::Requested,
        annotated: requests.iter().map(|(kind, name)| format!("{kind}/{name}")).collect(),
        targets,
        elapsed_ms: None,
    };
    if args.no_wait {
        return Ok(outcome);
    }
    let mut view = ProgressView::new(global.output.quiet);
    view.message(&format!("asked Strimzi to roll {}", outcome.annotated.join(", ")));
    wait_for_rollout(
        &loaded.conn,
        spec,
        loaded.api.as_str(),
        &outcome.targets,
        &KafkaGoal::default(),
        global.connection.timeout,
        |p| view.update(p),
    )
    .await?;
    view.finish();
    outcome.result = RestartResult::Restarted;
    outcome.elapsed_ms = Some(started.elapsed().as_millis() as u64);
    Ok(outcome)
}

/// `--pool` must name a pool, `--zookeeper` needs ZooKeeper mode.
fn check_target(loaded: &LoadedCluster, args: &RestartArgs) -> Result<(), Failure> {
    let spec = &loaded.spec;
    if args.zookeeper && !spec.is_zookeeper() {
        return Err(Failure::usage(format!(
            "cluster {} runs in KRaft mode: it has no ZooKeeper to restart",
            spec.name
        ))
        .with_hint("restart its controllers with --pool <controller pool>"));
    }
    if let Some(pool) = &args.pool
        && !spec.pools.contains_key(pool)
    {
        let pools: Vec<&str> = spec.pools.keys().map(String::as_str).collect();
        return Err(Failure::usage(format!(
            "--pool: cluster {} has no pool \"{pool}\"; its pools are {}",
            spec.name,
            pools.join(", ")
        )));
    }
    Ok(())
}

fn no_such_node(
    loaded: &LoadedCluster,
    id: i32,
    pods: &std::collections::BTreeMap<String, k8s_openapi::api::core::v1::Pod>,
) -> Failure {
    let spec = &loaded.spec;
    let nodes: Vec<String> = pods
        .keys()
        .filter(|name| pod_group(spec, name).is_some_and(|g| g != "zookeeper"))
        .filter_map(|name| name.rsplit('-').next().map(str::to_string))
        .collect();
    Failure::new(
        FailureKind::NotFound,
        format!("--broker: cluster {} has no node with id {id}", spec.name),
    )
    .with_hint(format!("its node ids are {}", nodes.join(", ")))
}
