//! Runs fake-kube on its own, for trying kafkactl or kubectl by hand:
//! `cargo run --example fake-cluster -- --kubeconfig /tmp/fake.kubeconfig --strimzi 1.2.0`.

use clap::Parser;
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
    /// Also run the simulated Strimzi operator.
    #[arg(long)]
    operator_installed: bool,
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
    if let Some(v) = &args.strimzi {
        let release = StrimziRelease::parse(v)
            .ok_or_else(|| anyhow::anyhow!("unknown Strimzi release {v:?} (use 1.2.0 or 0.45.2)"))?;
        builder = builder.strimzi(release);
    }
    if args.operator_installed {
        // sim: start the simulated Strimzi operator (and the Deployment/StatefulSet
        // controllers) here once `fake_kube::sim` exists, e.g.
        // `builder = builder.with_controller(fake_kube::sim::strimzi_operator(...))`.
        eprintln!("note: --operator-installed has no simulated operator to start yet");
    }
    let cluster = builder.try_start()?;
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
