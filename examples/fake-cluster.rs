//! Runs fake-kube on its own, for trying kafkactl or kubectl by hand:
//! `cargo run --example fake-cluster -- --kubeconfig /tmp/fake.kubeconfig --strimzi 1.2.0`.

use clap::Parser;
use fake_kube::sim::{Sim, SimConfig, install_operator};
use fake_kube::{FakeCluster, StrimziRelease};
use std::path::PathBuf;

/// A fake Kubernetes API server on 127.0.0.1 that runs until interrupted.
#[derive(Parser, Debug)]
struct Args {
    /// Where to write a kubeconfig that points at the fake.
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Pre-install the CRDs of this Strimzi release (1.2.0 or 0.45.2).
    #[arg(long)]
    strimzi: Option<String>,
    /// Install the Strimzi operator of that release (simulated), watching --watch.
    #[arg(long)]
    operator_installed: bool,
    /// Namespaces the installed operator watches (`*` for all).
    #[arg(long, value_delimiter = ',', default_value = "kafka")]
    watch: Vec<String>,
    /// Number of nodes (4 CPU, 16Gi each).
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// StorageClasses to create, comma separated; the first is the default.
    #[arg(long, value_delimiter = ',', default_value = "standard")]
    storage_classes: Vec<String>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut builder = FakeCluster::builder()
        .nodes(args.nodes)
        .latency_ms(args.latency_ms)
        .namespace("kafka");
    for (i, sc) in args.storage_classes.iter().enumerate() {
        builder = builder.storage_class(sc, true, i == 0);
    }
    let release = match &args.strimzi {
        Some(v) => Some(
            StrimziRelease::parse(v)
                .ok_or_else(|| anyhow::anyhow!("unknown Strimzi release {v:?} (use 1.2.0 or 0.45.2)"))?,
        ),
        None if args.operator_installed => Some(StrimziRelease::V1_2_0),
        None => None,
    };
    if let Some(release) = release {
        builder = builder.strimzi(release);
    }
    // The simulated controllers (Deployments, StatefulSets, scheduler, volumes,
    // load balancers, and the Strimzi operator once its Deployment exists) always run.
    let sim = Sim::new(SimConfig::new());
    builder = builder.with_controller(sim.controller());
    let cluster = builder.try_start()?;
    if let (true, Some(release)) = (args.operator_installed, release) {
        let watched: Vec<&str> = args.watch.iter().map(String::as_str).collect();
        install_operator(&cluster.store(), release, "kafka", &watched)?;
        eprintln!(
            "Strimzi {} operator installed in namespace kafka, watching {}",
            release.version(),
            args.watch.join(",")
        );
    }
    std::fs::copy(cluster.kubeconfig_path(), &args.kubeconfig)?;
    println!("{}", cluster.url());
    eprintln!(
        "fake-kube serving at {}; kubeconfig written to {}; Ctrl-C stops it",
        cluster.url(),
        args.kubeconfig.display()
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(tokio::signal::ctrl_c())?;
    Ok(())
}
