//! `FakeCluster`: the server on its own tokio runtime, its kubeconfig, and the builder that
//! seeds nodes, storage classes, namespaces and Strimzi CRDs and starts simulated controllers.

use crate::faults::{Faults, RecordedRequest};
use crate::server::{AppState, router};
use crate::store::Store;
use crate::strimzi::StrimziRelease;
use crate::watch::WatchConfig;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A simulated controller: started with the cluster on its runtime, given the store.
pub type Controller = Box<dyn FnOnce(Store) -> BoxFuture<'static, ()> + Send>;

/// A node taint.
#[derive(Debug, Clone, PartialEq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// One Node the fake serves.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeConfig {
    /// Empty: `node-<n>`.
    pub name: String,
    /// Allocatable CPU (`"4"`, `"3500m"`).
    pub cpu: String,
    /// Allocatable memory (`"16Gi"`).
    pub memory: String,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    /// Extra labels (e.g. `topology.kubernetes.io/zone`).
    pub labels: Vec<(String, String)>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            name: String::new(),
            cpu: "4".into(),
            memory: "16Gi".into(),
            taints: Vec::new(),
            unschedulable: false,
            labels: Vec::new(),
        }
    }
}

impl NodeConfig {
    fn to_object(&self, index: usize) -> Value {
        let name = if self.name.is_empty() {
            format!("node-{index}")
        } else {
            self.name.clone()
        };
        let mut labels = serde_json::Map::new();
        labels.insert("kubernetes.io/hostname".into(), json!(name));
        labels.insert("kubernetes.io/os".into(), json!("linux"));
        labels.insert("kubernetes.io/arch".into(), json!("amd64"));
        for (k, v) in &self.labels {
            labels.insert(k.clone(), json!(v));
        }
        let mut spec = json!({});
        if !self.taints.is_empty() {
            spec["taints"] = Value::Array(
                self.taints
                    .iter()
                    .map(|t| json!({"key": t.key, "value": t.value, "effect": t.effect}))
                    .collect(),
            );
        }
        if self.unschedulable {
            spec["unschedulable"] = json!(true);
        }
        let resources = json!({"cpu": self.cpu, "memory": self.memory, "pods": "110", "ephemeral-storage": "100Gi"});
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "spec": spec,
            "status": {
                "capacity": resources,
                "allocatable": resources,
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": crate::util::now_rfc3339(),
                    "lastTransitionTime": crate::util::now_rfc3339()}],
                "addresses": [{"type": "InternalIP", "address": format!("10.0.0.{}", index + 10)},
                              {"type": "Hostname", "address": name}],
                "nodeInfo": {"kubeletVersion": crate::discovery::SERVER_GIT_VERSION,
                             "operatingSystem": "linux", "architecture": "amd64",
                             "containerRuntimeVersion": "containerd://2.0.0"},
            }
        })
    }
}

/// Configures and starts a [`FakeCluster`].
pub struct FakeClusterBuilder {
    strimzi: Option<StrimziRelease>,
    nodes: Vec<NodeConfig>,
    storage_classes: Vec<(String, bool, bool)>,
    latency_ms: u64,
    namespaces: Vec<String>,
    controllers: Vec<Controller>,
    bookmark_interval: Duration,
    history_capacity: usize,
    objects: Vec<Value>,
}

impl FakeClusterBuilder {
    /// Installs the CRDs of a Strimzi release (read from the shared bundle).
    pub fn strimzi(mut self, release: StrimziRelease) -> Self {
        self.strimzi = Some(release);
        self
    }

    /// Adds `n` nodes with default capacity (4 CPU, 16Gi).
    pub fn nodes(mut self, n: usize) -> Self {
        self.nodes.extend(std::iter::repeat_with(NodeConfig::default).take(n));
        self
    }

    pub fn node(mut self, node: NodeConfig) -> Self {
        self.nodes.push(node);
        self
    }

    /// Adds a StorageClass (provisioner `fake.csi.k8s.io`).
    pub fn storage_class(mut self, name: &str, allow_expansion: bool, default: bool) -> Self {
        self.storage_classes.push((name.to_string(), allow_expansion, default));
        self
    }

    /// Delays every request from the start.
    pub fn latency_ms(mut self, ms: u64) -> Self {
        self.latency_ms = ms;
        self
    }

    /// Creates a namespace before serving (`default`, `kube-system` and `kube-public`
    /// always exist).
    pub fn namespace(mut self, name: &str) -> Self {
        self.namespaces.push(name.to_string());
        self
    }

    /// Stores an object before serving (its namespace must exist or be added with
    /// [`FakeClusterBuilder::namespace`]).
    pub fn object(mut self, obj: Value) -> Self {
        self.objects.push(obj);
        self
    }

    /// Runs a simulated controller on the server's runtime for the cluster's lifetime.
    /// The closure is called when the cluster starts and its future spawned:
    /// subscribe to the store in the closure, not in the future, or events
    /// written before the task first runs are missed.
    pub fn with_controller(mut self, controller: Controller) -> Self {
        self.controllers.push(controller);
        self
    }

    /// How often watches that asked for bookmarks get one (default 1s).
    pub fn bookmark_interval(mut self, d: Duration) -> Self {
        self.bookmark_interval = d;
        self
    }

    /// How many watch events are kept for resuming watches (default 1000).
    pub fn history_capacity(mut self, n: usize) -> Self {
        self.history_capacity = n;
        self
    }

    /// Starts serving; panics when the fake cannot start (test infrastructure).
    pub fn start(self) -> FakeCluster {
        match self.try_start() {
            Ok(c) => c,
            Err(e) => panic!("fake-kube could not start: {e:#}"),
        }
    }

    pub fn try_start(self) -> anyhow::Result<FakeCluster> {
        let store = Store::new().as_manager("fake-kube");
        store.set_history_capacity(self.history_capacity);
        let mut namespaces = vec!["default".to_string(), "kube-system".into(), "kube-public".into()];
        for ns in self.namespaces {
            if !namespaces.contains(&ns) {
                namespaces.push(ns);
            }
        }
        for ns in &namespaces {
            store.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))?;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            store.put(node.to_object(i))?;
        }
        for (name, expand, default) in &self.storage_classes {
            let mut sc = json!({
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {"name": name},
                "provisioner": "fake.csi.k8s.io",
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "Immediate",
                "allowVolumeExpansion": expand,
            });
            if *default {
                sc["metadata"]["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
            }
            store.put(sc)?;
        }
        if let Some(release) = self.strimzi {
            let installer = store.as_manager("kubectl-client-side-apply");
            for crd in release.crds()? {
                installer.put(crd)?;
            }
        }
        for obj in self.objects {
            store.put(obj)?;
        }

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("fake-kube")
            .build()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let dir = tempfile::tempdir()?;
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            crate::kubeconfig::render(&format!("http://127.0.0.1:{port}")),
        )?;
        let faults = Faults::default();
        faults.set_latency_ms(self.latency_ms);
        for c in self.controllers {
            runtime.spawn(c(store.clone()));
        }
        let cluster = FakeCluster {
            runtime: Some(runtime),
            store,
            faults,
            port,
            server: Mutex::new(None),
            _dir: dir,
            kubeconfig,
            watch: Arc::new(WatchConfig {
                bookmark_interval: self.bookmark_interval,
            }),
            proxy: crate::proxy::ServiceProxy::default(),
        };
        cluster.serve(listener)?;
        Ok(cluster)
    }
}

struct Running {
    shutdown: tokio::sync::watch::Sender<bool>,
    done: std::sync::mpsc::Receiver<()>,
}

/// A running fake API server. Dropping it stops the server and its controllers.
pub struct FakeCluster {
    runtime: Option<tokio::runtime::Runtime>,
    store: Store,
    faults: Faults,
    port: u16,
    server: Mutex<Option<Running>>,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    watch: Arc<WatchConfig>,
    proxy: crate::proxy::ServiceProxy,
}

impl FakeCluster {
    pub fn builder() -> FakeClusterBuilder {
        FakeClusterBuilder {
            strimzi: None,
            nodes: Vec::new(),
            storage_classes: Vec::new(),
            latency_ms: 0,
            namespaces: Vec::new(),
            controllers: Vec::new(),
            bookmark_interval: Duration::from_secs(1),
            history_capacity: crate::store::DEFAULT_HISTORY,
            objects: Vec::new(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A kubeconfig (context `fake`, no namespace) in a temp dir the handle owns.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    pub fn store(&self) -> Store {
        self.store.clone()
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Recorded answers of the service proxy (`/api/v1/namespaces/{ns}/services/{svc}/proxy/...`).
    pub fn proxy(&self) -> &crate::proxy::ServiceProxy {
        &self.proxy
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.faults.requests()
    }

    pub fn clear_requests(&self) {
        self.faults.clear_requests();
    }

    /// POST/PUT/PATCH/DELETE requests, without access reviews.
    pub fn write_requests(&self) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(RecordedRequest::is_write).collect()
    }

    /// The runtime the server and controllers run on (spawn helpers on it).
    pub fn handle(&self) -> tokio::runtime::Handle {
        match &self.runtime {
            Some(rt) => rt.handle().clone(),
            None => unreachable!("the runtime lives until drop"),
        }
    }

    /// Polls `cond` against the store until it holds or `timeout` passes.
    pub fn wait_until(&self, timeout: Duration, cond: impl Fn(&Store) -> bool) -> bool {
        let end = Instant::now() + timeout;
        loop {
            if cond(&self.store) {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn serve(&self, listener: TcpListener) -> anyhow::Result<()> {
        listener.set_nonblocking(true)?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let state = AppState {
            store: self.store.clone(),
            faults: self.faults.clone(),
            watch: self.watch.clone(),
            shutdown: rx.clone(),
            address: format!("127.0.0.1:{}", self.port),
            proxy: self.proxy.clone(),
        };
        let app = router(state);
        let mut stop = rx;
        self.handle().spawn(async move {
            if let Ok(l) = tokio::net::TcpListener::from_std(listener) {
                let _ = axum::serve(l, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|v| *v).await;
                    })
                    .await;
            }
            let _ = done_tx.send(());
        });
        *self.server.lock().unwrap_or_else(|p| p.into_inner()) = Some(Running {
            shutdown: tx,
            done: done_rx,
        });
        Ok(())
    }

    /// Stops serving (open watches end, new connections are refused); the store and
    /// controllers keep running. Idempotent.
    pub fn shutdown(&self) {
        let running = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(r) = running {
            let _ = r.shutdown.send(true);
            let _ = r.done.recv_timeout(Duration::from_secs(5));
        }
    }

    /// Serves again on the same port, with the same store.
    pub fn restart(&self) -> anyhow::Result<()> {
        self.shutdown();
        let end = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => break l,
                Err(e) if Instant::now() >= end => return Err(e.into()),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        self.serve(listener)
    }

    /// Whether the server is currently serving.
    pub fn is_serving(&self) -> bool {
        self.server.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}

impl Drop for FakeCluster {
    fn drop(&mut self) {
        if let Some(r) = self.server.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = r.shutdown.send(true);
        }
        // Background shutdown is allowed inside async tests, where blocking drop is not.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
