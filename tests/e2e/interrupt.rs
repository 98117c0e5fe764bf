//! Interruption: SIGINT at many seeded points of `create`, `scale` and
//! `delete`, then a re-run of the same command must end in the same state as
//! an uninterrupted run in a reference namespace. State, not output, is
//! compared: which objects exist, the Strimzi specs and kafkactl's stored
//! spec, the volumes and their sizes, which node pods are ready.
//!
//! Each command gets one fake (the operator watches every namespace) and
//! each seed its own namespace; request latency widens the windows.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{Env, env, output_text};

const SEEDS: u64 = 20;
const CLUSTER: &str = "c";

/// Kinds kafkactl or Strimzi make in a cluster's namespace.
const KINDS: &[(&str, &str)] = &[
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"),
    ("kafka.strimzi.io/v1", "Kafka"),
    ("kafka.strimzi.io/v1", "KafkaNodePool"),
    ("kafka.strimzi.io/v1", "KafkaUser"),
    ("kafka.strimzi.io/v1", "KafkaRebalance"),
    ("core.strimzi.io/v1", "StrimziPodSet"),
    ("core.strimzi.io/v1beta2", "StrimziPodSet"),
];

/// What must not depend on interruptions, for one namespace.
#[derive(Debug, Clone, PartialEq)]
struct State {
    /// (kind, name) of every object of `KINDS`.
    objects: BTreeSet<(String, String)>,
    /// Spec and kafkactl's stored spec (namespace left out) of Kafka and KafkaNodePools, by name.
    specs: BTreeMap<String, (Value, Option<Value>)>,
    /// Requested size of each claim.
    claims: BTreeMap<String, Value>,
    /// Node pods (`<cluster>-<pool>-<id>`) that are Ready.
    ready_pods: BTreeSet<String>,
    kafka_ready: bool,
}

fn stored_spec(object: &Value) -> Option<Value> {
    let text = object["metadata"]["annotations"]["kafkactl.io/spec"].as_str()?;
    let mut spec: Value = serde_json::from_str(text).ok()?;
    if let Some(map) = spec.as_object_mut() {
        map.remove("namespace");
    }
    Some(spec)
}

fn is_ready(object: &Value) -> bool {
    object["status"]["conditions"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// `c-c-brokers-3` (pool `c-brokers`), not `c-entity-operator-5d9c-x2`.
fn is_node_pod(name: &str) -> bool {
    name.strip_prefix(&format!("{CLUSTER}-{CLUSTER}-"))
        .and_then(|rest| rest.rsplit_once('-'))
        .is_some_and(|(pool, id)| !pool.contains('-') && !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

fn state(env: &Env, namespace: &str) -> State {
    let store = env.fake.store();
    let mut s = State {
        objects: BTreeSet::new(),
        specs: BTreeMap::new(),
        claims: BTreeMap::new(),
        ready_pods: BTreeSet::new(),
        kafka_ready: false,
    };
    for (api_version, kind) in KINDS {
        for o in store.list(api_version, kind, Some(namespace), None) {
            let name = o["metadata"]["name"].as_str().unwrap_or_default().to_string();
            match *kind {
                "Kafka" => {
                    s.kafka_ready = is_ready(&o);
                    s.specs
                        .insert(format!("Kafka/{name}"), (o["spec"].clone(), stored_spec(&o)));
                }
                "KafkaNodePool" => {
                    s.specs
                        .insert(format!("KafkaNodePool/{name}"), (o["spec"].clone(), stored_spec(&o)));
                }
                "PersistentVolumeClaim" => {
                    s.claims
                        .insert(name.clone(), o["spec"]["resources"]["requests"]["storage"].clone());
                }
                _ => {}
            }
            s.objects.insert((kind.to_string(), name));
        }
    }
    for pod in store.list("v1", "Pod", Some(namespace), None) {
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        if is_node_pod(name) && is_ready(&pod) && pod["metadata"]["deletionTimestamp"].is_null() {
            s.ready_pods.insert(name.to_string());
        }
    }
    s
}

/// The state of `namespace` when the re-run returned must be `want`: kafkactl
/// returns only once the cluster is where it should be. When it is not, the
/// message says whether the namespace got there later (kafkactl returned too
/// early) or not (the re-run did not converge).
fn assert_state(env: &Env, namespace: &str, want: &State, what: &str) {
    let now = state(env, namespace);
    if now == *want {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let later = loop {
        let later = state(env, namespace);
        if later == *want || Instant::now() > deadline {
            break later;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let verdict = if later == *want {
        "reached the state only after the re-run had returned"
    } else {
        "never reached the state of the uninterrupted run"
    };
    assert_eq!(now, *want, "{what}: {verdict}");
}

/// The state once it stops changing, for the reference run.
fn settled(env: &Env, namespace: &str) -> State {
    let mut last = state(env, namespace);
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(50));
        let now = state(env, namespace);
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

fn kafkactl(env: &Env, namespace: &str, args: &[&str]) -> Output {
    env.kafkactl()
        .args(["-n", namespace, "--timeout", "60s", "-q"])
        .args(args)
        .output()
        .unwrap()
}

fn must(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what}: {}", output_text(&out));
    out
}

/// Runs kafkactl and sends it SIGINT after `delay`.
fn interrupted_run(env: &Env, namespace: &str, args: &[&str], delay: Duration) -> Output {
    let child = Command::new(assert_cmd::cargo::cargo_bin("kafkactl"))
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(["-n", namespace, "--timeout", "60s"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid; it has not been waited for, so the pid is still ours.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    child.wait_with_output().unwrap()
}

/// Seed `seed` of `SEEDS`: a point spread over 90% of the reference run's
/// duration (runs vary with the machine's load), with a seeded jitter.
fn delay_for(seed: u64, reference: Duration) -> Duration {
    let span = reference.as_millis() as u64 * 9 / 10 + 10;
    let jitter = (seed.wrapping_mul(2_654_435_761) >> 7) % (span / SEEDS).max(1);
    Duration::from_millis(span * seed / SEEDS + jitter)
}

/// How an interrupted run ended.
#[derive(Debug, Default)]
struct Tally {
    /// Exit 130 with the message: the signal hit the running command.
    interrupted: usize,
    /// Finished before the signal.
    finished: usize,
    /// Killed by the signal before the handler was installed (start-up).
    killed: usize,
}

fn record(tally: &mut Tally, seed: u64, out: &Output) {
    match out.status.code() {
        Some(130) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("interrupted") && stderr.contains("again"),
                "seed {seed}: exit 130 says it was interrupted and that a re-run finishes: {}",
                output_text(out)
            );
            tally.interrupted += 1;
        }
        Some(0) => tally.finished += 1,
        None => tally.killed += 1,
        other => panic!("seed {seed}: unexpected exit {other:?}: {}", output_text(out)),
    }
}

/// Deletes a seed's namespace once checked: the simulation and kafkactl's
/// cluster-wide reads (nodes, pods for the preflight) slow down with every
/// cluster left running.
fn forget(env: &Env, namespace: &str) {
    env.fake.store().delete("v1", "Namespace", None, namespace).unwrap();
}

fn timed(f: impl FnOnce() -> Output) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// `readiness`: how long a pod takes to become Ready, the main part of the
/// windows between requests (kept short where each seed also creates a cluster).
fn fake(readiness: Duration) -> Env {
    // Six nodes: five brokers under required anti-affinity after the scale-up.
    let env = env(StrimziRelease::V1_2_0)
        .nodes(6)
        .operator_watching(&["*"])
        .sim(|s| s.readiness_delay(readiness))
        .start();
    env.fake.faults().set_latency_ms(15);
    env
}

/// What one sweep interrupts, and how its re-run must end.
struct Sweep<'a> {
    /// `create`, `scale`, `delete`: names the namespaces and the messages.
    what: &'a str,
    args: &'a [&'a str],
    /// Each seed first creates the cluster the command then works on.
    on_a_cluster: bool,
    /// Whether the re-run after the interruption ended as it should.
    rerun_ok: fn(&Output) -> bool,
}

/// SIGINT `sweep.args` at SEEDS points spread over the reference run's
/// `took`, each in a namespace of its own; re-run it, and hold every
/// namespace to the reference state `want`.
fn sigint_sweep(env: &Env, sweep: &Sweep, took: Duration, want: &State) {
    let what = sweep.what;
    let mut tally = Tally::default();
    for seed in 0..SEEDS {
        let namespace = format!("{what}-{seed}");
        if sweep.on_a_cluster {
            must(
                kafkactl(env, &namespace, &create_args()),
                &format!("seed {seed} create"),
            );
        }
        let delay = delay_for(seed, took);
        let out = interrupted_run(env, &namespace, sweep.args, delay);
        record(&mut tally, seed, &out);
        let rerun = kafkactl(env, &namespace, sweep.args);
        assert!((sweep.rerun_ok)(&rerun), "seed {seed} re-run: {}", output_text(&rerun));
        assert_state(env, &namespace, want, &format!("seed {seed} (SIGINT after {delay:?})"));
        forget(env, &namespace);
    }
    eprintln!("{what}: {tally:?} (reference run {took:?})");
    assert!(tally.interrupted >= 12, "most seeds hit a running {what}: {tally:?}");
}

fn succeeded(out: &Output) -> bool {
    out.status.success()
}

fn create_args() -> [&'static str; 4] {
    ["create", CLUSTER, "--preset", "production"]
}

#[test]
fn sigint_at_twenty_points_of_create_then_a_rerun_converges_to_the_uninterrupted_state() {
    let env = fake(Duration::from_millis(300));
    let took = timed(|| must(kafkactl(&env, "reference", &create_args()), "reference create"));
    let want = state(&env, "reference");
    assert!(want.kafka_ready, "the reference run is Ready: {want:?}");
    let sweep = Sweep {
        what: "create",
        args: &create_args(),
        on_a_cluster: false,
        rerun_ok: succeeded,
    };
    sigint_sweep(&env, &sweep, took, &want);
}

#[test]
fn sigint_at_twenty_points_of_scale_then_a_rerun_converges_to_the_uninterrupted_state() {
    let env = fake(Duration::from_millis(100));
    let scale = ["scale", CLUSTER, "--brokers", "5", "--memory", "10Gi"];
    must(kafkactl(&env, "reference", &create_args()), "reference create");
    let before = state(&env, "reference");
    let took = timed(|| must(kafkactl(&env, "reference", &scale), "reference scale"));
    let want = state(&env, "reference");
    assert!(
        want.kafka_ready && want.ready_pods.len() == before.ready_pods.len() + 2,
        "{want:?}"
    );
    let sweep = Sweep {
        what: "scale",
        args: &scale,
        on_a_cluster: true,
        rerun_ok: succeeded,
    };
    sigint_sweep(&env, &sweep, took, &want);
}

#[test]
fn sigint_at_twenty_points_of_delete_then_a_rerun_converges_to_the_uninterrupted_state() {
    let env = fake(Duration::from_millis(100));
    let delete = ["delete", CLUSTER, "--yes"];
    must(kafkactl(&env, "reference", &create_args()), "reference create");
    let took = timed(|| must(kafkactl(&env, "reference", &delete), "reference delete"));
    let want = settled(&env, "reference");
    // The shorter of two reference runs spreads the signals over the delete itself: one
    // slow reference (a loaded machine) put a third of the seeds after the end.
    must(kafkactl(&env, "reference-2", &create_args()), "second reference create");
    let again = timed(|| must(kafkactl(&env, "reference-2", &delete), "second reference delete"));
    forget(&env, "reference-2");
    let took = took.min(again);
    assert!(
        want.objects.iter().all(|(kind, _)| kind == "PersistentVolumeClaim") && !want.claims.is_empty(),
        "an uninterrupted delete keeps the volumes and nothing else: {want:?}"
    );
    let sweep = Sweep {
        what: "delete",
        args: &delete,
        on_a_cluster: true,
        // Also when the first run had deleted everything but the kept volumes: it converges.
        rerun_ok: |out| out.status.code() == Some(0),
    };
    sigint_sweep(&env, &sweep, took, &want);
}
