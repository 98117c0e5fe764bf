//! Benchmarks with printed figures (no asserts): render, `create --dry-run`
//! as a whole process, `create --no-wait` against the fake API server with
//! injected latency next to `kubectl apply --server-side` of the same objects,
//! readiness-detection latency, and `list -A` over many clusters.
//!
//! Run: `cargo run --release --example bench` (build the binary first with
//! `cargo build --release`; the bench drives `target/release/kafkactl`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use fake_kube::sim::{Sim, SimConfig, install_operator};
use fake_kube::{FakeCluster, NodeConfig, StrimziRelease};
use kafkactl::render::{RenderContext, render};
use kafkactl::spec::{SpecOverrides, build};
use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let which: Vec<String> = std::env::args().skip(1).collect();
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let bin = kafkactl_binary()?;
    println!("kafkactl benchmarks ({})\n", bin.display());
    if wants("render") {
        bench_render()?;
    }
    if wants("dry-run") {
        bench_dry_run(&bin)?;
    }
    // list before create: peak RSS is per process tree, and kubectl runs in `create`.
    if wants("list") {
        bench_list(&bin)?;
    }
    if wants("create") {
        bench_create(&bin)?;
    }
    if wants("ready") {
        bench_readiness(&bin)?;
    }
    if wants("scale") {
        bench_scale(&bin)?;
    }
    Ok(())
}

fn kafkactl_binary() -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for profile in ["release", "debug"] {
        let path = root.join("target").join(profile).join("kafkactl");
        if path.exists() {
            if profile == "debug" {
                eprintln!("note: using the debug build; run `cargo build --release` for meaningful figures");
            }
            return Ok(path);
        }
    }
    anyhow::bail!("build kafkactl first: cargo build --release")
}

/// Render of each preset in-process: mean and p99 over many runs.
fn bench_render() -> anyhow::Result<()> {
    println!("## render (in-process)");
    for preset in ["dev", "production", "zookeeper-classic"] {
        let (spec, _) = build("my-cluster", preset, &SpecOverrides::default())?;
        let ctx = RenderContext::offline();
        let mut times = Vec::with_capacity(2000);
        for _ in 0..2000 {
            let start = Instant::now();
            let plan = render(&spec, &ctx);
            times.push(start.elapsed());
            std::hint::black_box(plan);
        }
        let (mean, p50, p99) = stats(&mut times);
        println!(
            "{preset:<18} mean {:>8.1} µs  p50 {:>8.1} µs  p99 {:>8.1} µs",
            us(mean),
            us(p50),
            us(p99)
        );
    }
    println!();
    Ok(())
}

/// `create --dry-run` as a whole process: wall time and peak RSS.
fn bench_dry_run(bin: &Path) -> anyhow::Result<()> {
    println!("## create --dry-run (whole process, 50 runs)");
    for preset in ["production", "zookeeper-classic"] {
        let mut times = Vec::new();
        let mut peak = 0.0f64;
        for _ in 0..50 {
            let mut cmd = Command::new(bin);
            cmd.args(["create", "my-cluster", "--preset", preset, "--dry-run"]);
            let run = run_measured(cmd)?;
            anyhow::ensure!(run.success, "dry-run failed");
            times.push(run.wall);
            peak = peak.max(run.peak_rss_mb);
        }
        let (mean, p50, p99) = stats(&mut times);
        println!(
            "{preset:<18} mean {:>6.2} ms  p50 {:>6.2} ms  p99 {:>6.2} ms  peak RSS {peak:>6.1} MB",
            ms(mean),
            ms(p50),
            ms(p99),
        );
    }
    println!();
    Ok(())
}

/// A fake cluster of `nodes` production-sized nodes (8 CPU, 32Gi) with the
/// simulated operator installed, watching all namespaces.
fn fake(latency_ms: u64, nodes: usize) -> anyhow::Result<(FakeCluster, Sim)> {
    let sim = Sim::new(SimConfig::fast());
    let mut builder = FakeCluster::builder()
        .strimzi(StrimziRelease::V1_2_0)
        .storage_class("standard", true, true)
        .with_controller(sim.controller());
    for _ in 0..nodes {
        builder = builder.node(NodeConfig {
            cpu: "8".into(),
            memory: "32Gi".into(),
            ..NodeConfig::default()
        });
    }
    let fake = builder.try_start()?;
    install_operator(&fake.store(), StrimziRelease::V1_2_0, "kafka", &["*"])?;
    let ready = fake.wait_until(Duration::from_secs(10), |s| {
        s.get("apps/v1", "Deployment", Some("kafka"), "strimzi-cluster-operator")
            .is_some_and(|d| d["status"]["availableReplicas"].as_i64() == Some(1))
    });
    anyhow::ensure!(ready, "the simulated operator did not become ready");
    fake.faults().set_latency_ms(latency_ms);
    Ok((fake, sim))
}

/// `create --no-wait` of the production preset next to `kubectl apply
/// --server-side -f` of the same rendered objects, at 0/20/50 ms per request:
/// with the preflight (the default) and with `--skip-checks` (the apply
/// alone, what kubectl does).
fn bench_create(bin: &Path) -> anyhow::Result<()> {
    println!("## create --no-wait (production) vs kubectl apply --server-side, fresh namespace each run");
    println!(
        "{:>8}  {:>16} {:>9}  {:>16} {:>9} {:>12}  {:>12} {:>9}",
        "latency", "kafkactl", "requests", "--skip-checks", "requests", "round trips", "kubectl", "requests"
    );
    let rendered = Command::new(bin)
        .args(["create", "c", "--preset", "production", "--dry-run"])
        .output()?;
    let manifests = String::from_utf8(rendered.stdout)?;
    for latency in [0u64, 20, 50] {
        let (fake, _sim) = fake(latency, 3)?;
        let kubeconfig = fake.kubeconfig_path().to_path_buf();
        let kafkactl_create = |namespace: &str, extra: &[&str]| -> anyhow::Result<(Duration, usize)> {
            fake.clear_requests();
            let start = Instant::now();
            let out = Command::new(bin)
                .arg("--kubeconfig")
                .arg(&kubeconfig)
                .args([
                    "-n",
                    namespace,
                    "create",
                    "c",
                    "--preset",
                    "production",
                    "--no-wait",
                    "-q",
                ])
                .args(extra)
                .output()?;
            let took = start.elapsed();
            anyhow::ensure!(
                out.status.success(),
                "create failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Ok((took, fake.requests().len()))
        };
        let (checked_time, checked_requests) = kafkactl_create("bench-a", &[])?;
        let (apply_time, apply_requests) = kafkactl_create("bench-c", &["--skip-checks"])?;
        // kubectl: the same objects into another fresh namespace.
        let dir = tempdir()?;
        let file = dir.join("objects.yaml");
        std::fs::write(
            &file,
            manifests
                .replace("namespace: kafka", "namespace: bench-b")
                .replace("name: kafka\n", "name: bench-b\n"),
        )?;
        fake.clear_requests();
        let start = Instant::now();
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--cache-dir")
            .arg(dir.join("cache"))
            .args(["apply", "--server-side", "--field-manager", "kubectl-bench", "-f"])
            .arg(&file)
            .stdout(Stdio::null())
            .output()?;
        let kubectl_time = start.elapsed();
        let kubectl_requests = fake.requests().len();
        let kubectl_ok = if out.status.success() { "" } else { " (failed)" };
        let round_trips = if latency > 0 {
            format!("{:.1}", ms(apply_time) / latency as f64)
        } else {
            "-".into()
        };
        println!(
            "{:>6}ms  {:>13.1} ms {:>9}  {:>13.1} ms {:>9} {:>12}  {:>9.1} ms {:>9}{kubectl_ok}",
            latency,
            ms(checked_time),
            checked_requests,
            ms(apply_time),
            apply_requests,
            round_trips,
            ms(kubectl_time),
            kubectl_requests
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!("(round trips = --skip-checks wall time / injected latency; includes connecting)\n");
    Ok(())
}

/// How long after the operator marks the Kafka Ready kafkactl notices
/// (its "kafka: Ready" progress line), over several runs.
fn bench_readiness(bin: &Path) -> anyhow::Result<()> {
    println!("## readiness detection (Kafka Ready in the API server → kafkactl notices)");
    let (fake, _sim) = fake(0, 3)?;
    let mut delays = Vec::new();
    for run in 0..10 {
        let name = format!("r{run}");
        let store = fake.store();
        let mut events = store.subscribe();
        let mut child = Command::new(bin)
            .arg("--kubeconfig")
            .arg(fake.kubeconfig_path())
            // One namespace per run: each run watches a namespace with only
            // its own cluster in it.
            .args([
                "-n",
                &format!("ready-{run}"),
                "create",
                &name,
                "--preset",
                "dev",
                "--timeout",
                "60s",
            ])
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow::anyhow!("no stderr"))?;
        let noticed = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .find(|l| l.contains("kafka: Ready"))
                .map(|_| SystemTime::now())
        });
        // The moment the Kafka's Ready condition was stored.
        let mut ready_at = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while ready_at.is_none() && Instant::now() < deadline {
            match events.try_recv() {
                Ok(event) => {
                    let o = event.object();
                    if o["kind"] == "Kafka" && o["metadata"]["name"] == name.as_str() && is_ready(o) {
                        ready_at = Some(SystemTime::now());
                    }
                }
                Err(tokio::sync::broadcast::error::TryRecvError::Empty) => {
                    std::thread::sleep(Duration::from_micros(200))
                }
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
        let noticed_at = noticed.join().map_err(|_| anyhow::anyhow!("reader panicked"))?;
        child.wait()?;
        if let (Some(ready), Some(seen)) = (ready_at, noticed_at) {
            delays.push(seen.duration_since(ready).unwrap_or_default());
        }
    }
    let (mean, p50, p99) = stats(&mut delays);
    println!(
        "{} runs: mean {:.1} ms  p50 {:.1} ms  max {:.1} ms\n",
        delays.len(),
        ms(mean),
        ms(p50),
        ms(p99)
    );
    Ok(())
}

/// `scale 3 → 5` brokers of a ready production cluster: time to "applied"
/// and to "new brokers ready" (kafkactl's own timings from `-o json`, and
/// the whole process), on six nodes with room for five brokers.
fn bench_scale(bin: &Path) -> anyhow::Result<()> {
    println!("## scale 3 → 5 brokers (production, simulated operator)");
    // Six nodes: room for five brokers under required anti-affinity.
    let (fake, _sim) = fake(0, 6)?;
    let (mut applied, mut ready, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..5 {
        let namespace = format!("scale-{run}");
        let created = Command::new(bin)
            .arg("--kubeconfig")
            .arg(fake.kubeconfig_path())
            .args([
                "-n",
                &namespace,
                "create",
                "c",
                "--preset",
                "production",
                "--timeout",
                "60s",
                "-q",
            ])
            .output()?;
        anyhow::ensure!(
            created.status.success(),
            "create failed: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let start = Instant::now();
        let scaled = Command::new(bin)
            .arg("--kubeconfig")
            .arg(fake.kubeconfig_path())
            .args([
                "-n",
                &namespace,
                "scale",
                "c",
                "--brokers",
                "5",
                "--timeout",
                "60s",
                "-o",
                "json",
            ])
            .output()?;
        whole.push(start.elapsed());
        anyhow::ensure!(
            scaled.status.success(),
            "scale failed: {}",
            String::from_utf8_lossy(&scaled.stderr)
        );
        let outcome: Value = serde_json::from_slice(&scaled.stdout)?;
        let millis = |key: &str| Duration::from_millis(outcome["timings"][key].as_u64().unwrap_or_default());
        applied.push(millis("appliedMs"));
        ready.push(millis("readyMs"));
    }
    for (label, times) in [
        ("start → applied", &mut applied),
        ("start → new brokers ready", &mut ready),
        ("whole process", &mut whole),
    ] {
        let (mean, p50, max) = stats(times);
        println!(
            "{label:<26} mean {:>7.1} ms  p50 {:>7.1} ms  max {:>7.1} ms",
            ms(mean),
            ms(p50),
            ms(max)
        );
    }
    println!("(the simulated operator starts pods at once and marks them ready after its fast readiness delay)\n");
    Ok(())
}

fn is_ready(kafka: &Value) -> bool {
    let generation = kafka["metadata"]["generation"].as_i64().unwrap_or(0);
    kafka["status"]["observedGeneration"].as_i64().unwrap_or(-1) >= generation
        && kafka["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// `list -A` with 1,000 clusters across 20 namespaces.
fn bench_list(bin: &Path) -> anyhow::Result<()> {
    println!("## list -A with 1,000 clusters");
    let fake = FakeCluster::builder().strimzi(StrimziRelease::V1_2_0).try_start()?;
    let store = fake.store();
    for ns in 0..20 {
        store
            .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("team-{ns}")}}))
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    for i in 0..1000 {
        let kafka = json!({
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "Kafka",
            "metadata": {"name": format!("c{i}"), "namespace": format!("team-{}", i % 20)},
            "spec": {"kafka": {"version": "4.3.1", "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}]}}
        });
        store.put(kafka).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    }
    let out = Command::new(bin)
        .arg("--kubeconfig")
        .arg(fake.kubeconfig_path())
        .args(["list", "-A"])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    anyhow::ensure!(
        String::from_utf8_lossy(&out.stdout).lines().count() == 1001,
        "1,000 rows expected"
    );
    let mut times = Vec::new();
    let mut peak = 0.0f64;
    for _ in 0..10 {
        let mut cmd = Command::new(bin);
        cmd.arg("--kubeconfig").arg(fake.kubeconfig_path()).args(["list", "-A"]);
        let run = run_measured(cmd)?;
        anyhow::ensure!(run.success, "list failed");
        times.push(run.wall);
        peak = peak.max(run.peak_rss_mb);
    }
    let (mean, p50, p99) = stats(&mut times);
    println!(
        "10 runs: mean {:.1} ms  p50 {:.1} ms  max {:.1} ms  peak RSS {peak:.1} MB\n",
        ms(mean),
        ms(p50),
        ms(p99)
    );
    Ok(())
}

fn stats(times: &mut [Duration]) -> (Duration, Duration, Duration) {
    if times.is_empty() {
        return (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    let p50 = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    (mean, p50, p99)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One finished process: exit status, wall time, its own peak resident set.
struct Measured {
    success: bool,
    wall: Duration,
    peak_rss_mb: f64,
}

/// Run `cmd` (output discarded) and read that child's own rusage with wait4,
/// so the figure is kafkactl's peak RSS and nobody else's.
fn run_measured(mut cmd: Command) -> anyhow::Result<Measured> {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes only the status and the rusage struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    anyhow::ensure!(rc == pid, "wait4 failed");
    std::mem::forget(child); // already reaped
    Ok(Measured {
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        wall,
        peak_rss_mb: usage.ru_maxrss as f64 / 1024.0,
    })
}

fn tempdir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("kafkactl-bench-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn rand_suffix() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
