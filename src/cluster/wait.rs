//! Watch-driven waiting: one watch per kind of object the cluster is made
//! of, merged into one stream; every event updates what is observed and
//! re-evaluates readiness. Never sleeps in a poll loop. kube's watcher
//! re-lists and resumes dropped watches by itself.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event as KubeEvent, PersistentVolumeClaim, Pod};
use kube::Resource;
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;

use super::client::Connection;
use super::readiness::{Observed, Progress, evaluate};
use super::resources::strimzi;
use crate::error::{Failure, FailureKind};
use crate::spec::ClusterSpec;
use crate::spec::names::{CLUSTER_LABEL, STRIMZI_CLUSTER_LABEL};

/// One watch event of any of the watched kinds.
enum Update {
    Kafka(Event<DynamicObject>),
    Pool(Event<DynamicObject>),
    Pod(Event<Pod>),
    Deployment(Event<Deployment>),
    StatefulSet(Event<StatefulSet>),
    Claim(Event<PersistentVolumeClaim>),
    Warning(Event<KubeEvent>),
}

type UpdateStream = BoxStream<'static, Result<Update, watcher::Error>>;

/// Wait until the cluster described by `spec` is ready, calling `on_progress`
/// whenever the picture changes. `strimzi_version` is the served API version.
pub async fn wait_until_ready(
    conn: &Connection,
    spec: &ClusterSpec,
    strimzi_version: &str,
    timeout: Duration,
    on_progress: impl FnMut(&Progress),
) -> Result<Progress, Failure> {
    wait_until_ready_or_refused(conn, spec, strimzi_version, timeout, on_progress, |_| None).await
}

/// `wait_until_ready`, but stop early when `fail_fast` finds, in what is
/// observed, a reason the cluster will never get ready by waiting (e.g.
/// Strimzi refusing a scale-down): its `Failure` is returned at once
/// instead of a timeout. `fail_fast` is checked on every change.
pub async fn wait_until_ready_or_refused(
    conn: &Connection,
    spec: &ClusterSpec,
    strimzi_version: &str,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
    fail_fast: impl Fn(&Observed) -> Option<Failure>,
) -> Result<Progress, Failure> {
    let mut stream = futures::stream::select_all(watch_streams(conn, spec, strimzi_version)?);
    let mut state = WatchState::default();
    let mut last = evaluate(spec, &state.observed());
    on_progress(&last);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut failing_since: Option<tokio::time::Instant> = None;
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT_EVERY, HEARTBEAT_EVERY);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut unanswered_since: Option<tokio::time::Instant> = None;
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout_at(deadline, stream.next()) => next,
            _ = heartbeat.tick() => {
                if api_server_answers(conn).await {
                    unanswered_since = None;
                } else {
                    let since = *unanswered_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() >= LOST_CONTACT_AFTER {
                        let why = format!("no answer to GET /version for {}s", LOST_CONTACT_AFTER.as_secs());
                        return Err(lost_contact(conn, &last, &why));
                    }
                }
                continue;
            }
        };
        let update = match next {
            Err(_) => return Err(timed_out(&last, timeout)),
            Ok(None) => return Err(Failure::runtime("the watches on the cluster ended unexpectedly")),
            Ok(Some(Err(error))) => {
                if let Some(failure) = fatal_watch_error(&error) {
                    return Err(failure);
                }
                // Anything else: the watcher backs off and re-lists by itself,
                // unless the API server has been unreachable for too long.
                let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                if since.elapsed() >= LOST_CONTACT_AFTER {
                    return Err(lost_contact(conn, &last, &super::errors::error_chain(&error)));
                }
                continue;
            }
            Ok(Some(Ok(update))) => {
                failing_since = None;
                update
            }
        };
        if !state.apply(update, spec) {
            continue;
        }
        let observed = state.observed();
        if let Some(failure) = fail_fast(&observed) {
            return Err(failure);
        }
        let progress = evaluate(spec, &observed);
        if progress != last {
            on_progress(&progress);
            last = progress;
        }
        if last.ready {
            return Ok(last);
        }
    }
}

fn timed_out(last: &Progress, timeout: Duration) -> Failure {
    let mut failure = Failure::new(
        FailureKind::Timeout,
        format!(
            "the cluster was not ready after {}s: {}",
            timeout.as_secs(),
            last.summary()
        ),
    );
    for d in &last.diagnostics {
        failure = failure.with_hint(d.to_string());
    }
    failure
        .with_hint("the objects stay applied; `kafkactl status NAME` shows how far it got, and re-running waits again")
}

/// How long watches may fail without a single good event before kafkactl
/// gives up on the API server instead of waiting out the whole --timeout.
const LOST_CONTACT_AFTER: Duration = Duration::from_secs(10);

/// How often the API server is asked whether it is still there. Watches
/// over a connection that went silent (a network partition, a hung server)
/// report nothing at all; without this kafkactl would wait out --timeout.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(3);

/// `GET /version` answered within `HEARTBEAT_EVERY`.
async fn api_server_answers(conn: &Connection) -> bool {
    matches!(
        tokio::time::timeout(HEARTBEAT_EVERY, conn.client.apiserver_version()).await,
        Ok(Ok(_))
    )
}

fn lost_contact(conn: &Connection, last: &Progress, why: &str) -> Failure {
    Failure::runtime(format!(
        "lost contact with the API server at {} while waiting ({why}); last seen: {}",
        conn.server,
        last.summary()
    ))
    .with_hint("what was applied stays applied; run the same command again when the API server is back: it converges")
}

/// A 403 on a watch will not go away by retrying: say so.
fn fatal_watch_error(error: &watcher::Error) -> Option<Failure> {
    let status = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s)) => s,
        watcher::Error::WatchError(s) => s,
        _ => return None,
    };
    status.is_forbidden().then(|| {
        Failure::runtime(format!("cannot watch the cluster: {}", status.message))
            .with_hint("kafkactl needs get, list and watch on the objects it waits for")
    })
}

fn watch_streams(conn: &Connection, spec: &ClusterSpec, strimzi_version: &str) -> Result<Vec<UpdateStream>, Failure> {
    let client = &conn.client;
    let ns = spec.namespace.as_str();
    let unknown = |kind: &str| Failure::runtime(format!("unknown Strimzi kind {kind}"));
    let kafka_api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &strimzi(strimzi_version, "Kafka").ok_or_else(|| unknown("Kafka"))?,
    );
    let kafka_config = watcher::Config::default().fields(&format!("metadata.name={}", spec.name));
    let mut streams = vec![watch(kafka_api, kafka_config, Update::Kafka)];
    if !spec.is_zookeeper() {
        let pool_api: Api<DynamicObject> = Api::namespaced_with(
            client.clone(),
            ns,
            &strimzi(strimzi_version, "KafkaNodePool").ok_or_else(|| unknown("KafkaNodePool"))?,
        );
        let pool_config = watcher::Config::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name));
        streams.push(watch(pool_api, pool_config, Update::Pool));
    }
    // Pods, workloads and claims of the namespace; filtered to this cluster
    // client-side, because Strimzi's and kafkactl's objects carry different labels.
    streams.push(watch(
        Api::namespaced(client.clone(), ns),
        watcher::Config::default(),
        Update::Pod,
    ));
    streams.push(watch(
        Api::namespaced(client.clone(), ns),
        watcher::Config::default(),
        Update::Deployment,
    ));
    if spec.prometheus.standalone() {
        streams.push(watch(
            Api::namespaced(client.clone(), ns),
            watcher::Config::default(),
            Update::StatefulSet,
        ));
    }
    streams.push(watch(
        Api::namespaced(client.clone(), ns),
        watcher::Config::default(),
        Update::Claim,
    ));
    streams.push(watch(
        Api::namespaced(client.clone(), ns),
        watcher::Config::default(),
        Update::Warning,
    ));
    Ok(streams)
}

fn watch<K>(api: Api<K>, config: watcher::Config, wrap: fn(Event<K>) -> Update) -> UpdateStream
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    watcher::watcher(api, config)
        .default_backoff()
        .map(move |r| r.map(wrap))
        .boxed()
}

/// The live objects of one watched kind, plus the buffer of a re-list
/// (`Init` … `InitDone`) that replaces them when it completes.
struct Table<K> {
    live: BTreeMap<String, K>,
    relist: Option<BTreeMap<String, K>>,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            live: BTreeMap::new(),
            relist: None,
        }
    }
}

impl<K: Resource> Table<K> {
    /// Apply one event, keeping only objects `keep` accepts; true when the live set changed.
    fn reduce(&mut self, event: Event<K>, keep: impl Fn(&K) -> bool) -> bool {
        let name = |o: &K| o.meta().name.clone().unwrap_or_default();
        match event {
            Event::Init => {
                self.relist = Some(BTreeMap::new());
                false
            }
            Event::InitApply(obj) => {
                if keep(&obj) {
                    self.relist.get_or_insert_with(BTreeMap::new).insert(name(&obj), obj);
                }
                false
            }
            Event::InitDone => {
                if let Some(fresh) = self.relist.take() {
                    self.live = fresh;
                }
                true
            }
            Event::Apply(obj) => {
                let key = name(&obj);
                if keep(&obj) {
                    self.live.insert(key, obj);
                    true
                } else {
                    self.live.remove(&key).is_some()
                }
            }
            Event::Delete(obj) => self.live.remove(&name(&obj)).is_some(),
        }
    }
}

/// Every watched kind's table; `observed()` is what the evaluator reads.
#[derive(Default)]
struct WatchState {
    kafka: Table<DynamicObject>,
    pools: Table<DynamicObject>,
    pods: Table<Pod>,
    deployments: Table<Deployment>,
    statefulsets: Table<StatefulSet>,
    claims: Table<PersistentVolumeClaim>,
    warnings: Table<KubeEvent>,
}

impl WatchState {
    /// Apply one event; true when what is observed changed.
    fn apply(&mut self, update: Update, spec: &ClusterSpec) -> bool {
        let c = spec.name.as_str();
        match update {
            Update::Kafka(e) => self.kafka.reduce(e, |k| k.metadata.name.as_deref() == Some(c)),
            Update::Pool(e) => self.pools.reduce(e, |_| true),
            Update::Pod(e) => self.pods.reduce(e, |p| belongs(p.metadata.labels.as_ref(), c)),
            Update::Deployment(e) => self.deployments.reduce(e, |d| {
                belongs(d.metadata.labels.as_ref(), c) || super::inventory::prefixed(&d.metadata, c)
            }),
            Update::StatefulSet(e) => self.statefulsets.reduce(e, |s| belongs(s.metadata.labels.as_ref(), c)),
            Update::Claim(e) => self.claims.reduce(e, |_| true),
            Update::Warning(e) => self.warnings.reduce(e, |ev| ev.type_.as_deref() == Some("Warning")),
        }
    }

    fn observed(&self) -> Observed {
        let to_json = |o: &DynamicObject| serde_json::to_value(o).unwrap_or_default();
        Observed {
            kafka: self.kafka.live.values().next().map(to_json),
            node_pools: self.pools.live.iter().map(|(k, v)| (k.clone(), to_json(v))).collect(),
            pods: self.pods.live.clone(),
            deployments: self.deployments.live.clone(),
            statefulsets: self.statefulsets.live.clone(),
            pvcs: self.claims.live.clone(),
            warnings: self.warnings.live.clone(),
        }
    }
}

/// kafkactl's objects carry the cluster label; Strimzi's the `strimzi.io/cluster` one.
fn belongs(labels: Option<&BTreeMap<String, String>>, cluster: &str) -> bool {
    labels.is_some_and(|l| {
        l.get(STRIMZI_CLUSTER_LABEL).map(String::as_str) == Some(cluster)
            || l.get(CLUSTER_LABEL).map(String::as_str) == Some(cluster)
    })
}
