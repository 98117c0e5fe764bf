//! The one watch-and-wait engine: every wait of kafkactl (cluster ready,
//! operator ready, rollouts, pods gone, KafkaRebalance states) runs here, so
//! the policy is written once. Watches always back off after an error; a 403
//! or 401 on a list or watch ends the wait at once, naming verb, resource and
//! namespace; an API server that stops answering `GET /version` (or whose
//! watches keep failing) ends it with "lost contact" after the same silence
//! everywhere; `--timeout` ends it with the last observed state. Caches are
//! kube-runtime reflector stores; a single object is followed as
//! `await_condition` follows it. The wait is a plain future: the commands
//! `select!` it against Ctrl-C, and dropping it closes the watches.
//! It returns typed `WaitError`s; their user-facing words live in `crate::error`.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::stream::{BoxStream, SelectAll, StreamExt};
use kube::Resource;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::client::Connection;
use super::readiness::Progress;

/// How long the API server may stay silent (no answer to `GET /version`, or
/// nothing but failing watches) before a wait gives up on it instead of
/// waiting out the whole `--timeout`.
pub const LOST_CONTACT_AFTER: Duration = Duration::from_secs(10);

/// How often the API server is asked whether it is still there. Watches over
/// a connection that went silent (a network partition, a hung server) report
/// nothing at all; without this a wait would last until `--timeout`.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(3);

/// One watched resource, for messages: `pods` in namespace `kafka`,
/// `kafkas.kafka.strimzi.io`, `customresourcedefinitions.apiextensions.k8s.io`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// Plural, qualified by its API group unless it is in the core group.
    pub resource: String,
    pub namespace: Option<String>,
}

impl Watched {
    pub fn of<K: Resource>(dyntype: &K::DynamicType, namespace: Option<&str>) -> Self {
        let plural = K::plural(dyntype);
        let group = K::group(dyntype);
        let resource = if group.is_empty() {
            plural.into_owned()
        } else {
            format!("{plural}.{group}")
        };
        Watched {
            resource,
            namespace: namespace.map(str::to_string),
        }
    }
}

impl fmt::Display for Watched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} in namespace {ns}", self.resource),
            None => write!(f, "{} (cluster-wide)", self.resource),
        }
    }
}

/// What a wait had seen when it ended without reaching its goal; which
/// variant also says which wait it was.
#[derive(Debug, Clone, PartialEq)]
pub enum Stalled {
    /// The cluster's readiness (`create`, `scale`, changes).
    Cluster(Progress),
    /// A rolling restart or upgrade.
    Rollout(Progress),
    /// The Strimzi operator's CRDs and Deployment.
    Operator(Progress),
    /// The cluster's pods going away after `delete`; `left` are still there.
    PodsGone { progress: Progress, left: Vec<String> },
    /// A ZooKeeper → KRaft migration (`namespace/name`) not yet in metadata
    /// state `wanted` (or in it, but not Ready yet).
    Migration {
        cluster: String,
        wanted: String,
        state: String,
    },
    /// A KafkaRebalance (`namespace/name`) not yet in state `wanted`.
    Rebalance {
        rebalance: String,
        wanted: String,
        state: String,
    },
}

impl Stalled {
    /// One line about the last observed state, for messages.
    pub fn summary(&self) -> String {
        match self {
            Stalled::Cluster(p) | Stalled::Rollout(p) | Stalled::Operator(p) => p.summary(),
            Stalled::PodsGone { progress, .. } => progress.summary(),
            Stalled::Rebalance { rebalance, state, .. } => format!("KafkaRebalance {rebalance} is {state}"),
            Stalled::Migration { cluster, state, .. } => format!("Kafka {cluster} is in metadata state {state}"),
        }
    }
}

/// Why a wait ended without reaching its goal.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// A 403 (or 401) on a list or watch: retrying cannot help.
    #[error("cannot {verb} {watched}: permission denied")]
    Forbidden {
        verb: &'static str,
        watched: Watched,
        /// The API server's own words (who may not do what).
        reason: String,
        last: Box<Stalled>,
        #[source]
        source: Box<watcher::Error>,
    },
    /// The API server stopped answering for `LOST_CONTACT_AFTER`.
    #[error("lost contact with the API server at {server} while waiting ({why})")]
    LostContact {
        server: String,
        why: String,
        last: Box<Stalled>,
    },
    /// `--timeout` ran out.
    #[error("still waiting after {}s: {}", after.as_secs(), last.summary())]
    TimedOut { after: Duration, last: Box<Stalled> },
    /// Every watch stream ended (kube's watcher never ends them by itself).
    #[error("the watches ended unexpectedly")]
    WatchesEnded { last: Box<Stalled> },
    /// Strimzi refused the change for good; waiting cannot help. `kafka` is
    /// `(namespace, name)` of the Kafka CR whose status says so, when known.
    #[error("Strimzi refused the change: {message}")]
    Refused {
        message: String,
        kafka: Option<(String, String)>,
    },
    /// The served API has no such kind (a Strimzi without it).
    #[error("unknown Strimzi kind {kind}")]
    UnknownKind { kind: String },
    /// Strimzi refused a migration step (a NotReady condition on the Kafka).
    #[error("Strimzi refused the migration of {cluster}: {message}")]
    MigrationRefused { cluster: String, message: String },
    /// A KafkaRebalance (`namespace/name`) went NotReady.
    #[error("Cruise Control could not rebalance ({rebalance}): {message}")]
    RebalanceFailed { rebalance: String, message: String },
}

/// What a wait's check says after each change of what is observed.
pub enum Check<T> {
    /// Not there yet; this is what it looks like.
    Waiting(Stalled),
    Done(T),
    /// End the wait with this error (a refusal seen in a status).
    Stop(WaitError),
}

/// A watch event, reduced to what the engine needs: whether the stream's
/// view is complete (a re-list finished) and whether it may have changed.
enum Step {
    /// A re-list started or is under way: the store still shows the old picture.
    Listing,
    /// The (re-)list finished.
    Listed,
    /// One object changed.
    Changed,
}

/// A watch failure and the resource it was on.
struct Failed {
    watched: Watched,
    error: watcher::Error,
}

type Steps = BoxStream<'static, (usize, Result<Step, Failed>)>;

/// The latest version of one object (`None`: it does not exist), as
/// `await_condition` sees it.
pub struct ObjectSlot<K> {
    latest: Arc<Mutex<Option<K>>>,
}

impl<K: Clone> ObjectSlot<K> {
    pub fn get(&self) -> Option<K> {
        self.latest.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The watches of one wait. Add stores and objects, then `until` runs them.
pub struct Watches {
    conn: Connection,
    streams: Vec<Steps>,
}

impl Watches {
    pub fn new(conn: &Connection) -> Self {
        Watches {
            conn: conn.clone(),
            streams: Vec::new(),
        }
    }

    /// A reflector store of what `api` lists and watches with `config`;
    /// `namespace` is the one `api` is scoped to (for messages).
    pub fn store<K>(
        &mut self,
        api: Api<K>,
        dyntype: K::DynamicType,
        namespace: Option<&str>,
        config: watcher::Config,
    ) -> Store<K>
    where
        K: Resource + Clone + DeserializeOwned + fmt::Debug + Send + Sync + 'static,
        K::DynamicType: Eq + Hash + Clone + Send + Sync,
    {
        let watched = Watched::of::<K>(&dyntype, namespace);
        let writer = reflector::store::Writer::new(dyntype);
        let store = writer.as_reader();
        let index = self.streams.len();
        let steps = watcher::watcher(api, config)
            .default_backoff()
            .reflect(writer)
            .map(move |event| {
                let step = match event {
                    Ok(Event::Init | Event::InitApply(_)) => Ok(Step::Listing),
                    Ok(Event::InitDone) => Ok(Step::Listed),
                    Ok(Event::Apply(_) | Event::Delete(_)) => Ok(Step::Changed),
                    Err(error) => Err(Failed {
                        watched: watched.clone(),
                        error,
                    }),
                };
                (index, step)
            });
        self.streams.push(steps.boxed());
        store
    }

    /// One object by name, followed as kube's `await_condition` follows it
    /// (`watch_object`), with the engine's backoff. Not `await_condition`
    /// itself: it ends at the first watch error, with no backoff and no way
    /// to tell a 403 from a hiccup, and it keeps no last state for messages.
    pub fn object<K>(
        &mut self,
        api: Api<K>,
        dyntype: &K::DynamicType,
        namespace: Option<&str>,
        name: &str,
    ) -> ObjectSlot<K>
    where
        K: Resource + Clone + DeserializeOwned + fmt::Debug + Send + Sync + 'static,
    {
        let watched = Watched::of::<K>(dyntype, namespace);
        let latest = Arc::new(Mutex::new(None));
        let slot = ObjectSlot {
            latest: Arc::clone(&latest),
        };
        let index = self.streams.len();
        let steps = watcher::watch_object(api, name).default_backoff().map(move |seen| {
            let step = match seen {
                Ok(object) => {
                    *latest.lock().unwrap_or_else(PoisonError::into_inner) = object;
                    Ok(Step::Listed)
                }
                Err(error) => Err(Failed {
                    watched: watched.clone(),
                    error,
                }),
            };
            (index, step)
        });
        self.streams.push(steps.boxed());
        slot
    }

    /// Run the watches until `check` says done, or the policy ends the wait.
    /// `check` is asked after every change once every watch has listed;
    /// `initial` is what the wait looks like before that.
    pub async fn until<T>(
        self,
        timeout: Duration,
        initial: Stalled,
        mut check: impl FnMut() -> Check<T>,
    ) -> Result<T, WaitError> {
        let Watches { conn, streams } = self;
        let mut listed = vec![false; streams.len()];
        let mut steps: SelectAll<Steps> = futures::stream::select_all(streams);
        let mut last = initial;
        let deadline = Instant::now() + timeout;
        let mut heartbeat = Heartbeat::new(&conn);
        let mut failing_since: Option<Instant> = None;
        loop {
            let next = tokio::select! {
                next = steps.next() => next,
                () = tokio::time::sleep_until(deadline) => {
                    return Err(WaitError::TimedOut { after: timeout, last: Box::new(last) });
                }
                why = heartbeat.silence() => {
                    let server = conn.server.clone();
                    return Err(WaitError::LostContact { server, why, last: Box::new(last) });
                }
            };
            let Some((index, step)) = next else {
                return Err(WaitError::WatchesEnded { last: Box::new(last) });
            };
            let step = match step {
                Ok(step) => {
                    failing_since = None;
                    step
                }
                Err(failed) => {
                    if let Some(verb) = denied_verb(&failed.error) {
                        return Err(forbidden(verb, failed, last));
                    }
                    // Anything else: the watch backs off and tries again, unless
                    // nothing but failures came for too long.
                    let since = *failing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= LOST_CONTACT_AFTER {
                        let why = super::errors::error_chain(&failed.error);
                        return Err(WaitError::LostContact {
                            server: conn.server.clone(),
                            why,
                            last: Box::new(last),
                        });
                    }
                    continue;
                }
            };
            match step {
                Step::Listing => continue,
                Step::Listed => listed[index] = true,
                Step::Changed => {}
            }
            if !listed.iter().all(|l| *l) {
                continue;
            }
            match check() {
                Check::Waiting(now) => last = now,
                Check::Done(done) => return Ok(done),
                Check::Stop(error) => return Err(error),
            }
        }
    }
}

/// The objects of a store that `keep` accepts, by name (what the pure
/// evaluators of `readiness` read).
pub fn by_name<K>(store: &Store<K>, keep: impl Fn(&K) -> bool) -> BTreeMap<String, K>
where
    K: Resource + Clone + 'static,
    K::DynamicType: Eq + Hash + Clone,
{
    store
        .state()
        .into_iter()
        .filter(|o| keep(o))
        .map(|o| (o.meta().name.clone().unwrap_or_default(), K::clone(&o)))
        .collect()
}

/// The verb a 403 or 401 denied, if the error is one: fatal, retrying cannot help.
fn denied_verb(error: &watcher::Error) -> Option<&'static str> {
    let (verb, code) = match error {
        watcher::Error::InitialListFailed(kube::Error::Api(s)) => ("list", s.code),
        watcher::Error::WatchStartFailed(kube::Error::Api(s)) | watcher::Error::WatchFailed(kube::Error::Api(s)) => {
            ("watch", s.code)
        }
        watcher::Error::WatchError(s) => ("watch", s.code),
        _ => return None,
    };
    matches!(code, 401 | 403).then_some(verb)
}

fn forbidden(verb: &'static str, failed: Failed, last: Stalled) -> WaitError {
    let reason = match &failed.error {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => s.message.clone(),
        watcher::Error::WatchError(s) => s.message.clone(),
        other => other.to_string(),
    };
    WaitError::Forbidden {
        verb,
        watched: failed.watched,
        reason,
        last: Box::new(last),
        source: Box::new(failed.error),
    }
}

/// Asks `GET /version` every `HEARTBEAT_EVERY`; `silence()` resolves once no
/// answer came for `LOST_CONTACT_AFTER`, with why.
struct Heartbeat {
    conn: Connection,
    ticks: tokio::time::Interval,
    unanswered_since: Option<Instant>,
}

impl Heartbeat {
    fn new(conn: &Connection) -> Self {
        let mut ticks = tokio::time::interval_at(Instant::now() + HEARTBEAT_EVERY, HEARTBEAT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Heartbeat {
            conn: conn.clone(),
            ticks,
            unanswered_since: None,
        }
    }

    /// Cancel-safe between ticks: `select!` may drop it while it waits.
    async fn silence(&mut self) -> String {
        loop {
            self.ticks.tick().await;
            if self.answers().await {
                self.unanswered_since = None;
                continue;
            }
            let since = *self.unanswered_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= LOST_CONTACT_AFTER {
                return format!("no answer to GET /version for {}s", LOST_CONTACT_AFTER.as_secs());
            }
        }
    }

    async fn answers(&self) -> bool {
        matches!(
            tokio::time::timeout(HEARTBEAT_EVERY, self.conn.client.apiserver_version()).await,
            Ok(Ok(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
    use kube::core::Status;

    use super::*;

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(Status::failure("no", "Whatever").with_code(code)))
    }

    #[test]
    fn a_denied_list_or_watch_is_fatal_and_says_which_verb() {
        assert_eq!(
            denied_verb(&watcher::Error::InitialListFailed(api_error(403))),
            Some("list")
        );
        assert_eq!(
            denied_verb(&watcher::Error::WatchStartFailed(api_error(403))),
            Some("watch")
        );
        assert_eq!(
            denied_verb(&watcher::Error::WatchStartFailed(api_error(401))),
            Some("watch")
        );
        let in_stream = Status::failure("no", "Forbidden").with_code(403);
        assert_eq!(
            denied_verb(&watcher::Error::WatchError(Box::new(in_stream))),
            Some("watch")
        );
        for transient in [500, 503, 429, 410] {
            assert_eq!(
                denied_verb(&watcher::Error::WatchStartFailed(api_error(transient))),
                None
            );
        }
    }

    #[test]
    fn watched_resources_are_named_with_their_group_and_namespace() {
        let pods = Watched::of::<Pod>(&(), Some("kafka"));
        assert_eq!(pods.to_string(), "pods in namespace kafka");
        let kafka = ApiResource::from_gvk(&GroupVersionKind::gvk("kafka.strimzi.io", "v1", "Kafka"));
        let kafkas = Watched::of::<DynamicObject>(&kafka, None);
        assert_eq!(kafkas.to_string(), "kafkas.kafka.strimzi.io (cluster-wide)");
    }
}
