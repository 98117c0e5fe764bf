//! Waiting until a cluster is ready: one reflector store per kind of object
//! the cluster is made of, on the watch engine (`cluster::watch`, which owns
//! the error, backoff, lost-contact and timeout policy); every change
//! re-evaluates readiness. Never sleeps in a poll loop.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event as KubeEvent, PersistentVolumeClaim, Pod};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;

use super::client::Connection;
use super::readiness::{Observed, Progress, evaluate};
use super::resources::strimzi;
use super::watch::{Check, Stalled, WaitError, Watches, by_name};
use crate::spec::ClusterSpec;
use crate::spec::names::{CLUSTER_LABEL, STRIMZI_CLUSTER_LABEL};

/// Wait until the cluster described by `spec` is ready, calling `on_progress`
/// whenever the picture changes. `strimzi_version` is the served API version.
pub async fn wait_until_ready(
    conn: &Connection,
    spec: &ClusterSpec,
    strimzi_version: &str,
    timeout: Duration,
    on_progress: impl FnMut(&Progress),
) -> Result<Progress, WaitError> {
    wait_until_ready_or_refused(conn, spec, strimzi_version, timeout, on_progress, |_| None).await
}

/// `wait_until_ready`, but stop early when `refusal` finds, in what is
/// observed, a reason the cluster will never get ready by waiting (e.g.
/// Strimzi refusing a scale-down): that message ends the wait at once as
/// `WaitError::Refused` instead of a timeout. Checked on every change.
pub async fn wait_until_ready_or_refused(
    conn: &Connection,
    spec: &ClusterSpec,
    strimzi_version: &str,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
    refusal: impl Fn(&Observed) -> Option<String>,
) -> Result<Progress, WaitError> {
    let mut watches = Watches::new(conn);
    let stores = ClusterStores::watch(&mut watches, conn, spec, strimzi_version)?;
    let mut last = evaluate(spec, &Observed::default());
    on_progress(&last);
    let initial = Stalled::Cluster(last.clone());
    watches
        .until(timeout, initial, || {
            let observed = stores.observed(spec);
            if let Some(message) = refusal(&observed) {
                return Check::Stop(WaitError::Refused { message, kafka: None });
            }
            let progress = evaluate(spec, &observed);
            if progress != last {
                on_progress(&progress);
                last = progress.clone();
            }
            match progress.ready {
                true => Check::Done(progress),
                false => Check::Waiting(Stalled::Cluster(progress)),
            }
        })
        .await
}

/// The reflector stores of every kind the cluster is made of.
struct ClusterStores {
    kafka: Store<DynamicObject>,
    pools: Option<Store<DynamicObject>>,
    pods: Store<Pod>,
    deployments: Store<Deployment>,
    statefulsets: Option<Store<StatefulSet>>,
    claims: Store<PersistentVolumeClaim>,
    events: Store<KubeEvent>,
}

impl ClusterStores {
    fn watch(
        watches: &mut Watches,
        conn: &Connection,
        spec: &ClusterSpec,
        strimzi_version: &str,
    ) -> Result<Self, WaitError> {
        let client = &conn.client;
        let ns = spec.namespace.as_str();
        let kafka_resource = strimzi_resource(strimzi_version, "Kafka")?;
        let kafka = watches.store(
            Api::namespaced_with(client.clone(), ns, &kafka_resource),
            kafka_resource,
            Some(ns),
            watcher::Config::default().fields(&format!("metadata.name={}", spec.name)),
        );
        let pools = match spec.is_zookeeper() {
            true => None,
            false => {
                let pool_resource = strimzi_resource(strimzi_version, "KafkaNodePool")?;
                Some(watches.store(
                    Api::namespaced_with(client.clone(), ns, &pool_resource),
                    pool_resource,
                    Some(ns),
                    watcher::Config::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name)),
                ))
            }
        };
        // Pods, workloads and claims of the namespace; filtered to this cluster
        // client-side, because Strimzi's and kafkactl's objects carry different labels.
        let all = watcher::Config::default;
        let pods = watches.store(Api::namespaced(client.clone(), ns), (), Some(ns), all());
        let deployments = watches.store(Api::namespaced(client.clone(), ns), (), Some(ns), all());
        let statefulsets = spec
            .prometheus
            .standalone()
            .then(|| watches.store(Api::namespaced(client.clone(), ns), (), Some(ns), all()));
        let claims = watches.store(Api::namespaced(client.clone(), ns), (), Some(ns), all());
        let events = watches.store(Api::namespaced(client.clone(), ns), (), Some(ns), all());
        Ok(ClusterStores {
            kafka,
            pools,
            pods,
            deployments,
            statefulsets,
            claims,
            events,
        })
    }

    /// What the stores hold of this cluster, as the evaluator reads it.
    fn observed(&self, spec: &ClusterSpec) -> Observed {
        let c = spec.name.as_str();
        let to_json = |o: &DynamicObject| serde_json::to_value(o).unwrap_or_default();
        Observed {
            kafka: self
                .kafka
                .find(|k| k.metadata.name.as_deref() == Some(c))
                .map(|k| to_json(&k)),
            node_pools: self
                .pools
                .iter()
                .flat_map(|p| by_name(p, |_| true))
                .map(|(name, pool)| (name, to_json(&pool)))
                .collect(),
            pods: by_name(&self.pods, |p| belongs(p.metadata.labels.as_ref(), c)),
            deployments: by_name(&self.deployments, |d| {
                belongs(d.metadata.labels.as_ref(), c) || super::inventory::prefixed(&d.metadata, c)
            }),
            statefulsets: self
                .statefulsets
                .as_ref()
                .map(|s| by_name(s, |s| belongs(s.metadata.labels.as_ref(), c)))
                .unwrap_or_default(),
            pvcs: by_name(&self.claims, |_| true),
            warnings: by_name(&self.events, |e| e.type_.as_deref() == Some("Warning")),
        }
    }
}

fn strimzi_resource(strimzi_version: &str, kind: &str) -> Result<ApiResource, WaitError> {
    strimzi(strimzi_version, kind).ok_or_else(|| WaitError::UnknownKind { kind: kind.to_string() })
}

/// kafkactl's objects carry the cluster label; Strimzi's the `strimzi.io/cluster` one.
fn belongs(labels: Option<&BTreeMap<String, String>>, cluster: &str) -> bool {
    labels.is_some_and(|l| {
        l.get(STRIMZI_CLUSTER_LABEL).map(String::as_str) == Some(cluster)
            || l.get(CLUSTER_LABEL).map(String::as_str) == Some(cluster)
    })
}
