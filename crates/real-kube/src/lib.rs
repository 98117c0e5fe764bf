//! A real Kubernetes control plane for kafkactl's tests: etcd, kube-apiserver (TLS with a
//! CA made for it, RBAC, token authentication for an admin and a restricted user,
//! service-account signing keys), kube-controller-manager and kube-scheduler, all built
//! from Kubernetes' own Go modules by `tests/kube/build.sh`, plus simulated nodes
//! (`kubelet`). Dropping the cluster stops every process.

pub mod kubelet;
pub mod pki;
pub mod processes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::Api;
use kube::config::{KubeConfigOptions, Kubeconfig};

use kubelet::NodeSpec;
use processes::{Process, free_port, spawn, tail, wait_for_port};

/// The bearer tokens of the two users the API server knows.
pub const ADMIN_TOKEN: &str = "kafkactl-test-admin-token";
pub const RESTRICTED_TOKEN: &str = "kafkactl-test-restricted-token";
/// The restricted user's name, for RBAC bindings a test grants it.
pub const RESTRICTED_USER: &str = "restricted";

pub struct Config {
    pub nodes: usize,
    pub node_cpu: String,
    pub node_memory: String,
    /// (name, allows volume expansion, default)
    pub storage_classes: Vec<(String, bool, bool)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            nodes: 3,
            node_cpu: "8".into(),
            node_memory: "32Gi".into(),
            storage_classes: vec![("standard".into(), true, true)],
        }
    }
}

pub struct RealCluster {
    dir: tempfile::TempDir,
    server: String,
    // Declared before the processes: the simulation stops first.
    runtime: Option<tokio::runtime::Runtime>,
    processes: Vec<Process>,
    started_in: Duration,
}

/// The control-plane binary, built (or found in the cache) once per test process.
pub fn kubecp_binary() -> anyhow::Result<PathBuf> {
    static BINARY: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();
    let cell = BINARY.get_or_init(|| Mutex::new(None));
    let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = guard.as_ref() {
        return Ok(path.clone());
    }
    if let Ok(path) = std::env::var("KAFKACTL_KUBECP") {
        *guard = Some(PathBuf::from(&path));
        return Ok(PathBuf::from(path));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/kube/build.sh");
    let out = Command::new("bash")
        .arg(&script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!("{} failed ({})", script.display(), out.status);
    }
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    *guard = Some(path.clone());
    Ok(path)
}

impl RealCluster {
    pub fn start(config: Config) -> anyhow::Result<RealCluster> {
        let started = Instant::now();
        let binary = kubecp_binary()?;
        let dir = tempfile::Builder::new().prefix("real-kube-").tempdir()?;
        let root = dir.path().to_path_buf();
        let pki = pki::generate(&root)?;
        let mut processes = Vec::new();

        let etcd_port = free_port()?;
        let peer_port = free_port()?;
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");
        let peer_url = format!("http://127.0.0.1:{peer_port}");
        let mut etcd = spawn(
            "etcd",
            &binary,
            &strings(&[
                "--name=default",
                &format!("--data-dir={}", root.join("etcd").display()),
                &format!("--listen-client-urls={etcd_url}"),
                &format!("--advertise-client-urls={etcd_url}"),
                &format!("--listen-peer-urls={peer_url}"),
                &format!("--initial-advertise-peer-urls={peer_url}"),
                &format!("--initial-cluster=default={peer_url}"),
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ]),
            &root,
        )?;
        wait_for_port(&mut etcd, etcd_port, Duration::from_secs(30))?;
        processes.push(etcd);

        std::fs::write(
            root.join("tokens.csv"),
            format!(
                "{ADMIN_TOKEN},admin,admin-uid,system:masters\n{RESTRICTED_TOKEN},{RESTRICTED_USER},restricted-uid\n"
            ),
        )?;
        let port = free_port()?;
        let server = format!("https://127.0.0.1:{port}");
        let apiserver = spawn(
            "kube-apiserver",
            &binary,
            &strings(&[
                &format!("--etcd-servers={etcd_url}"),
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                &format!("--secure-port={port}"),
                &format!("--cert-dir={}", root.join("apiserver-certs").display()),
                &format!("--tls-cert-file={}", pki.server_cert.display()),
                &format!("--tls-private-key-file={}", pki.server_key.display()),
                &format!("--client-ca-file={}", pki.ca_cert.display()),
                &format!("--token-auth-file={}", root.join("tokens.csv").display()),
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                &format!("--service-account-key-file={}", pki.sa_pub.display()),
                &format!("--service-account-signing-key-file={}", pki.sa_key.display()),
                "--service-cluster-ip-range=10.96.0.0/16",
                // The API server's own endpoint is loopback here, which Endpoints may not hold.
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
                "--enable-bootstrap-token-auth=false",
                "--profiling=false",
                "--v=0",
            ]),
            &root,
        )?;
        processes.push(apiserver);

        let admin = write_kubeconfig(
            &root.join("admin.kubeconfig"),
            &server,
            &pki.ca_cert,
            "admin",
            ADMIN_TOKEN,
        )?;
        write_kubeconfig(
            &root.join("restricted.kubeconfig"),
            &server,
            &pki.ca_cert,
            RESTRICTED_USER,
            RESTRICTED_TOKEN,
        )?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let client = runtime.block_on(client_for(&admin))?;
        wait_until_ready(&runtime, &client, &mut processes, Duration::from_secs(90))?;

        let kubeconfig_arg = format!("--kubeconfig={}", admin.display());
        processes.push(spawn(
            "kube-controller-manager",
            &binary,
            &strings(&[
                &kubeconfig_arg,
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                "--leader-elect=false",
                "--use-service-account-credentials=false",
                &format!("--service-account-private-key-file={}", pki.sa_key.display()),
                &format!("--root-ca-file={}", pki.ca_cert.display()),
                &format!("--cluster-signing-cert-file={}", pki.ca_cert.display()),
                &format!("--cluster-signing-key-file={}", pki.ca_key.display()),
                "--controllers=*,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller",
                "--v=0",
            ]),
            &root,
        )?);
        processes.push(spawn(
            "kube-scheduler",
            &binary,
            &strings(&[
                &kubeconfig_arg,
                "--bind-address=127.0.0.1",
                "--secure-port=0",
                "--leader-elect=false",
                "--v=0",
            ]),
            &root,
        )?);

        let nodes: Vec<NodeSpec> = (0..config.nodes)
            .map(|i| NodeSpec {
                name: format!("node-{i}"),
                cpu: config.node_cpu.clone(),
                memory: config.node_memory.clone(),
            })
            .collect();
        runtime.block_on(async {
            kubelet::register_nodes(&client, &nodes).await?;
            kubelet::create_storage_classes(&client, &config.storage_classes).await?;
            anyhow::Ok(())
        })?;
        runtime.spawn(kubelet::heartbeats(client.clone(), nodes));
        runtime.spawn(kubelet::run_pods(client.clone()));
        runtime.spawn(kubelet::run_provisioner(client.clone()));
        runtime.spawn(kubelet::run_load_balancers(client.clone()));
        let mut cluster = RealCluster {
            dir,
            server,
            runtime: Some(runtime),
            processes,
            started_in: Duration::ZERO,
        };
        // Pods need the namespace's default ServiceAccount, which the controller manager makes.
        cluster.wait_for_default_service_account("default", Duration::from_secs(60))?;
        cluster.started_in = started.elapsed();
        Ok(cluster)
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// How long `start` took, from nothing to a control plane with Ready nodes.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    pub fn kubeconfig_path(&self) -> PathBuf {
        self.dir.path().join("admin.kubeconfig")
    }

    /// A user the API server authenticates and RBAC grants nothing (but discovery).
    pub fn restricted_kubeconfig_path(&self) -> PathBuf {
        self.dir.path().join("restricted.kubeconfig")
    }

    pub fn log_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn pids(&self) -> Vec<u32> {
        self.processes.iter().map(Process::pid).collect()
    }

    /// An admin client for the tests' own reads and writes.
    pub fn client(&self) -> anyhow::Result<kube::Client> {
        self.block_on(client_for(&self.kubeconfig_path()))
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        match &self.runtime {
            Some(rt) => rt.block_on(future),
            None => unreachable!("the runtime lives until drop"),
        }
    }

    /// Waits until the controller manager made a namespace's `default` ServiceAccount.
    pub fn wait_for_default_service_account(&mut self, namespace: &str, timeout: Duration) -> anyhow::Result<()> {
        let client = self.client()?;
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.block_on(async {
                let namespaces: Api<Namespace> = Api::all(client.clone());
                if namespaces.get_opt(namespace).await.ok().flatten().is_none() {
                    return false;
                }
                let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
                accounts.get_opt("default").await.ok().flatten().is_some()
            });
            if found {
                return Ok(());
            }
            for p in &mut self.processes {
                p.check_running()?;
            }
            if Instant::now() > deadline {
                bail!(
                    "no default ServiceAccount in {namespace} after {timeout:?}; kube-controller-manager's log ends:\n{}",
                    tail(&self.dir.path().join("kube-controller-manager.log"), 30)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for RealCluster {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
        // Controllers first, etcd last.
        while let Some(mut p) = self.processes.pop() {
            p.stop();
        }
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn write_kubeconfig(path: &Path, server: &str, ca: &Path, user: &str, token: &str) -> anyhow::Result<PathBuf> {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {server}\n    certificate-authority: {}\n\
         users:\n- name: {user}\n  user:\n    token: {token}\ncontexts:\n- name: real\n  context:\n    cluster: real\n    user: {user}\n\
         current-context: real\n",
        ca.display()
    );
    std::fs::write(path, text)?;
    Ok(path.to_path_buf())
}

pub async fn client_for(kubeconfig: &Path) -> anyhow::Result<kube::Client> {
    let kubeconfig = Kubeconfig::read_from(kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(kube::Client::try_from(config)?)
}

fn wait_until_ready(
    runtime: &tokio::runtime::Runtime,
    client: &kube::Client,
    processes: &mut [Process],
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let ready = runtime.block_on(async {
            let request = http::Request::get("/readyz").body(Vec::new()).ok()?;
            client.request_text(request).await.ok()
        });
        if ready.is_some_and(|body| body.trim() == "ok") {
            return Ok(());
        }
        for p in processes.iter_mut() {
            p.check_running()?;
        }
        if Instant::now() > deadline {
            let apiserver = processes.iter().find(|p| p.name == "kube-apiserver");
            bail!(
                "kube-apiserver was not ready within {timeout:?}; its log ends:\n{}",
                apiserver.map(|p| tail(&p.log, 30)).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
