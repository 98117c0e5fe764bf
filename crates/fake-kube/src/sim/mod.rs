//! Simulated cluster controllers (Deployments, StatefulSets, scheduler and kubelet, volume
//! provisioning, Service allocation) and a simulated Strimzi cluster operator, driven by the
//! store's change stream so what a client observes looks like a real cluster.
//!
//! The operator behaves as the release its Deployment's image tag names (0.45.2 to 1.2.0,
//! see `UPGRADE-PATH.md`): 0.45 runs ZooKeeper clusters and their migration to KRaft
//! (`migration`), 0.46–0.51 refuse clusters that did not migrate, 1.x use the v1 API.
//!
//! Every controller is level-triggered: one loop waits for a store change (or for the next
//! timer one of them asked for), then lets each controller compare what is with what should
//! be and write the difference. Writes that change nothing are no-ops in the store, so the
//! loop settles as soon as the cluster does.

mod kafka;
pub(crate) mod kube;
pub mod migration;
pub mod operator;
mod pods;
mod services;
mod storage;
mod workloads;

pub use crate::strimzi::StrimziRelease;
pub use kafka::POD_CLUSTER_ID;
pub use migration::{MetadataState, kafka_settled_in};
pub use operator::{SimulatedCluster, install_operator, install_strimzi_crds, operator_objects, running_release};
pub use pods::META_PROPERTIES_CLUSTER_ID;

use crate::store::Store;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

/// The controllers one simulation runs; each can be switched off per test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Simulated {
    Deployments,
    StatefulSets,
    /// Scheduler and kubelet: node assignment, readiness, failure modes.
    Pods,
    /// PersistentVolumeClaim binding and resizing.
    Volumes,
    /// LoadBalancer addresses (ClusterIP and NodePort allocation happen at write time).
    Services,
    /// The Strimzi cluster operator.
    Strimzi,
}

/// What the simulation does, set per test through builder methods.
#[derive(Debug, Clone)]
pub struct SimConfig {
    disabled: HashSet<Simulated>,
    readiness_delay: Duration,
    readiness_delays: Vec<(String, Duration)>,
    image_pull_failures: Vec<String>,
    crash_loops: Vec<String>,
    crash_interval: Duration,
    load_balancer_delay: Option<Duration>,
    operator_delay: Duration,
    migration_step_delay: Duration,
    brokers_host_partitions: bool,
    default_nodes: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            disabled: HashSet::new(),
            readiness_delay: Duration::from_millis(50),
            readiness_delays: Vec::new(),
            image_pull_failures: Vec::new(),
            crash_loops: Vec::new(),
            crash_interval: Duration::from_secs(1),
            load_balancer_delay: Some(Duration::from_millis(50)),
            operator_delay: Duration::from_millis(20),
            migration_step_delay: Duration::from_millis(200),
            brokers_host_partitions: false,
            default_nodes: 3,
        }
    }
}

impl SimConfig {
    pub fn new() -> Self {
        Self::default()
    }

    /// Delays kept to a few milliseconds, for fast tests.
    pub fn fast() -> Self {
        Self::default()
            .readiness_delay(Duration::from_millis(5))
            .load_balancer_delay(Duration::from_millis(5))
            .operator_delay(Duration::from_millis(2))
            .migration_step_delay(Duration::from_millis(20))
    }

    /// Switches one controller off.
    pub fn without(mut self, controller: Simulated) -> Self {
        self.disabled.insert(controller);
        self
    }

    /// How long a scheduled pod takes to become Ready (default 50 ms; zero allowed).
    pub fn readiness_delay(mut self, delay: Duration) -> Self {
        self.readiness_delay = delay;
        self
    }

    /// A different readiness delay for pods with an image containing `image_substring`.
    pub fn readiness_delay_for_image(mut self, image_substring: &str, delay: Duration) -> Self {
        self.readiness_delays.push((image_substring.to_string(), delay));
        self
    }

    /// Pods with an image containing `image_substring` never pull it (ImagePullBackOff).
    pub fn image_pull_failure(mut self, image_substring: &str) -> Self {
        self.image_pull_failures.push(image_substring.to_string());
        self
    }

    /// Containers with an image containing `image_substring` crash on start (CrashLoopBackOff).
    pub fn crash_loop(mut self, image_substring: &str) -> Self {
        self.crash_loops.push(image_substring.to_string());
        self
    }

    /// How often a crash-looping container's restartCount goes up (default 1 s).
    pub fn crash_interval(mut self, every: Duration) -> Self {
        self.crash_interval = every.max(Duration::from_millis(1));
        self
    }

    /// How long a LoadBalancer Service waits for its ingress address (default 50 ms).
    pub fn load_balancer_delay(mut self, delay: Duration) -> Self {
        self.load_balancer_delay = Some(delay);
        self
    }

    /// LoadBalancer Services never get an address (no cloud controller).
    pub fn no_load_balancer(mut self) -> Self {
        self.load_balancer_delay = None;
        self
    }

    /// How long the Strimzi operator takes to start reconciling a changed Kafka (default 20 ms).
    pub fn operator_delay(mut self, delay: Duration) -> Self {
        self.operator_delay = delay;
        self
    }

    /// How long each step of a ZooKeeper to KRaft migration stays in its state (Ready)
    /// before the operator moves on (`KRaftMigration`, `KRaftDualWriting`, `PreKRaft`);
    /// default 200 ms. Long enough for a test to interrupt a client at each state.
    pub fn migration_step_delay(mut self, delay: Duration) -> Self {
        self.migration_step_delay = delay;
        self
    }

    /// Whether every broker hosts partition replicas, so Strimzi refuses to remove any of
    /// them (default false: brokers are empty and scale-down goes ahead).
    pub fn brokers_host_partitions(mut self, yes: bool) -> Self {
        self.brokers_host_partitions = yes;
        self
    }

    /// How many Nodes the simulation creates when the store has none at start (default 3).
    pub fn default_nodes(mut self, count: usize) -> Self {
        self.default_nodes = count;
        self
    }

    pub(crate) fn enabled(&self, c: Simulated) -> bool {
        !self.disabled.contains(&c)
    }

    fn readiness_delay_of(&self, pod: &Value) -> Duration {
        let images = pod_images(pod);
        self.readiness_delays
            .iter()
            .find(|(s, _)| images.iter().any(|i| i.contains(s.as_str())))
            .map(|(_, d)| *d)
            .unwrap_or(self.readiness_delay)
    }
}

fn pod_images(pod: &Value) -> Vec<String> {
    kube::array_at(pod, "/spec/containers")
        .iter()
        .filter_map(|c| c.get("image").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// A failure a test scripts for one Kafka cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedCondition {
    pub reason: String,
    pub message: String,
}

/// Knobs a test may turn while the simulation runs.
#[derive(Debug, Default)]
pub(crate) struct Knobs {
    /// (namespace, cluster) → broker ids that still host partition replicas.
    pub partitions: BTreeMap<(String, String), BTreeSet<i32>>,
    /// (namespace, cluster) → the NotReady condition the operator reports instead of working.
    pub failures: BTreeMap<(String, String), ScriptedCondition>,
    /// (namespace, cluster) → Warning conditions added to a Ready status.
    pub warnings: BTreeMap<(String, String), Vec<ScriptedCondition>>,
}

struct Shared {
    config: SimConfig,
    knobs: Mutex<Knobs>,
    poke: Notify,
}

/// A simulation: its configuration plus the knobs a test turns while it runs. Clones share
/// the knobs.
#[derive(Clone)]
pub struct Sim {
    shared: Arc<Shared>,
}

impl Sim {
    pub fn new(config: SimConfig) -> Sim {
        Sim {
            shared: Arc::new(Shared {
                config,
                knobs: Mutex::new(Knobs::default()),
                poke: Notify::new(),
            }),
        }
    }

    /// The simulation as a controller for `FakeCluster::builder().with_controller(..)`.
    pub fn controller(&self) -> crate::cluster::Controller {
        let sim = self.clone();
        Box::new(move |store| {
            sim.prepare(&store);
            Box::pin(sim.run(store))
        })
    }

    /// Spawns the simulation on the current tokio runtime.
    pub fn start(&self, store: &Store) -> tokio::task::JoinHandle<()> {
        self.prepare(store);
        tokio::spawn(self.clone().run(store.clone()))
    }

    /// Marks which brokers of a cluster still host partition replicas (Strimzi then refuses
    /// to remove them unless the Kafka carries `strimzi.io/skip-broker-scaledown-check`).
    pub fn set_brokers_with_partitions(&self, namespace: &str, cluster: &str, ids: &[i32]) {
        self.knobs()
            .partitions
            .insert((namespace.into(), cluster.into()), ids.iter().copied().collect());
        self.shared.poke.notify_one();
    }

    /// Makes the operator report `NotReady` with this reason and message for a cluster
    /// (instead of reconciling it) until [`Sim::clear_kafka_failure`].
    pub fn fail_kafka(&self, namespace: &str, cluster: &str, reason: &str, message: &str) {
        self.knobs().failures.insert(
            (namespace.into(), cluster.into()),
            ScriptedCondition {
                reason: reason.into(),
                message: message.into(),
            },
        );
        self.shared.poke.notify_one();
    }

    pub fn clear_kafka_failure(&self, namespace: &str, cluster: &str) {
        self.knobs().failures.remove(&(namespace.into(), cluster.into()));
        self.shared.poke.notify_one();
    }

    /// Adds a `Warning` condition to the cluster's status (as Strimzi does for deprecated
    /// or risky settings).
    pub fn warn_kafka(&self, namespace: &str, cluster: &str, reason: &str, message: &str) {
        self.knobs()
            .warnings
            .entry((namespace.into(), cluster.into()))
            .or_default()
            .push(ScriptedCondition {
                reason: reason.into(),
                message: message.into(),
            });
        self.shared.poke.notify_one();
    }

    fn knobs(&self) -> MutexGuard<'_, Knobs> {
        self.shared
            .knobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What must be in place before the first client write: the Service allocation hook and
    /// (when the store has none) the default Nodes. Idempotent.
    fn prepare(&self, store: &Store) {
        let cfg = &self.shared.config;
        if cfg.enabled(Simulated::Services) {
            services::install_admission(store);
        }
        if cfg.enabled(Simulated::Pods) && store.list("v1", "Node", None, None).is_empty() {
            for i in 1..=cfg.default_nodes {
                let _ = store.put(node(&format!("node-{i}")).build());
            }
        }
    }

    /// Runs the controllers until the store goes away.
    pub async fn run(self, store: Store) {
        let mut rx = store.subscribe();
        self.prepare(&store);
        let mut memory = Memory::default();
        loop {
            let wake = self.pass(&store, &mut memory);
            let sleep = async {
                match wake {
                    Some(t) => tokio::time::sleep_until(t.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = rx.recv() => {
                    if let Err(RecvError::Closed) = r {
                        return;
                    }
                }
                _ = sleep => {}
                _ = self.shared.poke.notified() => {}
            }
            // Coalesce a burst of changes into one pass.
            while let Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) = rx.try_recv() {}
        }
    }

    /// One pass of every enabled controller; returns when the next timer is due.
    fn pass(&self, store: &Store, memory: &mut Memory) -> Option<Instant> {
        let cfg = &self.shared.config;
        let knobs = {
            let k = self.knobs();
            KnobsView {
                partitions: k.partitions.clone(),
                failures: k.failures.clone(),
                warnings: k.warnings.clone(),
            }
        };
        let mut ctx = Ctx {
            cfg,
            knobs: &knobs,
            now: Instant::now(),
            wake: None,
            memory,
        };
        if cfg.enabled(Simulated::Services) {
            services::reconcile(&store.as_manager("cloud-controller-manager"), &mut ctx);
        }
        if cfg.enabled(Simulated::Strimzi) {
            operator::reconcile(&store.as_manager("strimzi-cluster-operator"), &mut ctx);
        }
        let kcm = store.as_manager("kube-controller-manager");
        if cfg.enabled(Simulated::Deployments) {
            workloads::reconcile_deployments(&kcm, &mut ctx);
        }
        if cfg.enabled(Simulated::StatefulSets) {
            workloads::reconcile_statefulsets(&kcm, &mut ctx);
        }
        if cfg.enabled(Simulated::Volumes) {
            storage::reconcile(&kcm, &mut ctx);
        }
        if cfg.enabled(Simulated::Pods) {
            pods::reconcile(store, &mut ctx);
        }
        ctx.memory.forget_stale(ctx.now);
        ctx.wake
    }
}

pub(crate) struct KnobsView {
    pub partitions: BTreeMap<(String, String), BTreeSet<i32>>,
    pub failures: BTreeMap<(String, String), ScriptedCondition>,
    pub warnings: BTreeMap<(String, String), Vec<ScriptedCondition>>,
}

/// What the controllers remember between passes (a real controller's informer caches and
/// work-queue timers).
#[derive(Default)]
pub(crate) struct Memory {
    /// When something was first seen in a given state (key chosen by the controller).
    pub since: HashMap<String, Instant>,
    /// Events already recorded (involved uid, reason, message), so a pass does not repeat them.
    pub recorded: HashSet<(String, String, String)>,
    pub next_node: usize,
    pub next_pod_ip: u32,
    pub next_lb_ip: u32,
    /// StrimziPodSet uid → uids of the pods a manual rolling update still has to replace.
    pub manual_rolls: HashMap<String, HashSet<String>>,
    passes: u64,
}

impl Memory {
    /// When `key` was first asked about.
    pub fn since(&mut self, key: &str, now: Instant) -> Instant {
        *self.since.entry(key.to_string()).or_insert(now)
    }

    fn forget_stale(&mut self, now: Instant) {
        self.passes += 1;
        // Keys of objects long gone are harmless; trim now and then so the map stays small.
        if self.passes.is_multiple_of(5000) {
            self.since
                .retain(|_, t| now.duration_since(*t) < Duration::from_secs(600));
        }
    }
}

/// Per-pass context handed to each controller.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a SimConfig,
    pub knobs: &'a KnobsView,
    pub now: Instant,
    pub wake: Option<Instant>,
    pub memory: &'a mut Memory,
}

impl Ctx<'_> {
    /// Asks for another pass at `at`.
    pub fn wake_at(&mut self, at: Instant) {
        self.wake = Some(self.wake.map_or(at, |w| w.min(at)));
    }

    /// True once `delay` has passed since `key` was first seen; otherwise asks to be woken
    /// when it will have.
    pub fn elapsed(&mut self, key: &str, delay: Duration) -> bool {
        let since = self.memory.since(key, self.now);
        let due = since + delay;
        if self.now >= due {
            true
        } else {
            self.wake_at(due);
            false
        }
    }

    /// Records an event once per (object, reason, message).
    pub fn event(&mut self, store: &Store, involved: &Value, type_: &str, reason: &str, msg: &str) {
        let key = (kube::uid(involved).to_string(), reason.into(), msg.into());
        if self.memory.recorded.insert(key) {
            store.record_event(kube::namespace(involved), involved, type_, reason, msg);
        }
    }
}

/// Builds a Node for the simulated scheduler.
#[derive(Debug, Clone)]
pub struct NodeBuilder {
    obj: Value,
}

/// A Ready, schedulable Node with an InternalIP and the usual well-known labels.
pub fn node(name: &str) -> NodeBuilder {
    static NEXT_IP: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(10);
    let n = NEXT_IP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    NodeBuilder {
        obj: json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": format!("zone-{}", n % 3),
                },
            },
            "spec": {"podCIDR": format!("10.244.{}.0/24", n % 250)},
            "status": {
                "addresses": [
                    {"type": "InternalIP", "address": format!("10.0.{}.{}", n / 250, n % 250)},
                    {"type": "Hostname", "address": name},
                ],
                "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                "message": "kubelet is posting ready status"}],
                "nodeInfo": {"kubeletVersion": "v1.33.0", "architecture": "amd64",
                             "operatingSystem": "linux"},
            },
        }),
    }
}

impl NodeBuilder {
    pub fn unschedulable(mut self) -> Self {
        self.obj["spec"]["unschedulable"] = json!(true);
        self
    }

    /// A taint such as `("dedicated", "kafka", "NoSchedule")`.
    pub fn taint(mut self, key: &str, value: &str, effect: &str) -> Self {
        let taints = self.obj["spec"]
            .as_object_mut()
            .map(|s| s.entry("taints").or_insert_with(|| json!([])));
        if let Some(Value::Array(t)) = taints {
            t.push(json!({"key": key, "value": value, "effect": effect}));
        }
        self
    }

    pub fn label(mut self, key: &str, value: &str) -> Self {
        kube::set_meta_map(&mut self.obj, "labels", key, value);
        self
    }

    /// Replaces the InternalIP.
    pub fn internal_ip(mut self, ip: &str) -> Self {
        self.obj["status"]["addresses"][0]["address"] = json!(ip);
        self
    }

    /// Adds an ExternalIP address.
    pub fn external_ip(mut self, ip: &str) -> Self {
        if let Some(a) = self.obj["status"]["addresses"].as_array_mut() {
            a.insert(0, json!({"type": "ExternalIP", "address": ip}));
        }
        self
    }

    pub fn build(self) -> Value {
        self.obj
    }
}

/// Waits until `done` holds for the store (checked now and after every change), or the
/// timeout passes; returns whether it held.
pub async fn wait_until(store: &Store, timeout: Duration, done: impl Fn(&Store) -> bool) -> bool {
    let mut rx = store.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if done(store) {
            return true;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => return done(store),
            Ok(Err(RecvError::Closed)) => return done(store),
            Ok(_) => {}
        }
    }
}
