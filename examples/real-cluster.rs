//! Runs the real Kubernetes control plane of the tests on its own (etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler, simulated nodes), for trying kafkactl or
//! kubectl against a real API server by hand:
//! `cargo run --example real-cluster -- --kubeconfig /tmp/real.kubeconfig`.
//! The first run builds the control plane from Kubernetes' Go modules (see tests/kube).

use std::path::PathBuf;

use clap::Parser;
use real_kube::{Config, RealCluster};

/// A real Kubernetes API server over TLS on 127.0.0.1 that runs until interrupted.
#[derive(Parser, Debug)]
struct Args {
    /// Where to write the admin kubeconfig (a restricted user's is written next to it, `.restricted`).
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Install the Strimzi operator of this release with `kafkactl operator install --from
    /// ../shared/strimzi/VERSION/install/cluster-operator` (the CRDs and RBAC are real; the
    /// operator's pod runs nothing: no simulated Strimzi operator drives this server yet).
    #[arg(long)]
    strimzi: Option<String>,
    /// Number of simulated nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// StorageClasses to create, comma separated; the first is the default.
    #[arg(long, value_delimiter = ',', default_value = "standard")]
    storage_classes: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = Config {
        nodes: args.nodes,
        storage_classes: args
            .storage_classes
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), true, i == 0))
            .collect(),
        ..Config::default()
    };
    let cluster = RealCluster::start(config)?;
    std::fs::copy(cluster.kubeconfig_path(), &args.kubeconfig)?;
    let restricted = args.kubeconfig.with_extension("restricted");
    std::fs::copy(cluster.restricted_kubeconfig_path(), &restricted)?;
    eprintln!(
        "real Kubernetes API server at {} (started in {:.1}s); admin kubeconfig {}, restricted user {}; logs in {}",
        cluster.server(),
        cluster.started_in().as_secs_f64(),
        args.kubeconfig.display(),
        restricted.display(),
        cluster.log_dir().display()
    );
    if let Some(version) = &args.strimzi {
        let bundle = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/strimzi")
            .join(version)
            .join("install/cluster-operator");
        // target/<profile>/examples/real-cluster → target/<profile>/kafkactl (`cargo build` first).
        let exe = std::env::current_exe()?;
        let kafkactl = exe
            .parent()
            .and_then(|examples| examples.parent())
            .map(|profile| profile.join("kafkactl"))
            .filter(|p| p.exists())
            .ok_or_else(|| anyhow::anyhow!("build kafkactl first: cargo build"))?;
        let status = std::process::Command::new(kafkactl)
            .arg("--kubeconfig")
            .arg(&args.kubeconfig)
            .args(["operator", "install", "--timeout", "120s", "--from"])
            .arg(&bundle)
            .status()?;
        anyhow::ensure!(status.success(), "kafkactl operator install failed ({status})");
    }
    eprintln!("Ctrl-C stops it.");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    // Stops every process of the control plane.
    drop(cluster);
    Ok(())
}
