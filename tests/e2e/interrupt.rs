//! Interruption: SIGINT at many seeded points of `create`, then a re-run
//! must end in the same state as an uninterrupted run.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{Env, env, output_text};

/// The state of one cluster that must not depend on interruptions: which
/// objects exist (by kind and name), the Strimzi specs, and readiness.
fn cluster_state(env: &Env, namespace: &str, cluster: &str) -> (BTreeSet<(String, String)>, Vec<Value>, bool) {
    let store = env.fake.store();
    let mut objects = BTreeSet::new();
    let kinds = [
        ("v1", "ConfigMap"),
        ("v1", "Service"),
        ("v1", "ServiceAccount"),
        ("v1", "PersistentVolumeClaim"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("rbac.authorization.k8s.io/v1", "Role"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("kafka.strimzi.io/v1", "KafkaNodePool"),
        ("kafka.strimzi.io/v1", "Kafka"),
    ];
    let mut specs = Vec::new();
    for (api_version, kind) in kinds {
        for o in store.list(api_version, kind, Some(namespace), None) {
            let name = o["metadata"]["name"].as_str().unwrap_or_default().to_string();
            if !name.starts_with(cluster) && kind != "KafkaNodePool" {
                continue;
            }
            if kind.starts_with("Kafka") {
                specs.push(o["spec"].clone());
            }
            objects.insert((kind.to_string(), name));
        }
    }
    let ready = store
        .get("kafka.strimzi.io/v1", "Kafka", Some(namespace), cluster)
        .is_some_and(|k| {
            k["status"]["conditions"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        });
    (objects, specs, ready)
}

fn create(env: &Env, namespace: &str) -> std::process::Output {
    env.kafkactl()
        .args([
            "-n",
            namespace,
            "create",
            "c",
            "--preset",
            "production",
            "--timeout",
            "60s",
            "-q",
        ])
        .output()
        .unwrap()
}

#[test]
fn sigint_at_twenty_points_of_create_then_a_rerun_converges_to_the_uninterrupted_state() {
    let env = env(StrimziRelease::V1_2_0)
        .operator_watching(&["*"])
        .sim(|s| s.readiness_delay(Duration::from_millis(300)))
        .start();
    env.fake.faults().set_latency_ms(15);
    let reference = create(&env, "reference");
    assert!(reference.status.success(), "{}", output_text(&reference));
    let want = cluster_state(&env, "reference", "c");
    assert!(want.2, "the reference run is Ready");
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let mut interrupted_at_least_once = 0;
    for seed in 0..20u64 {
        let namespace = format!("int-{seed}");
        let delay = Duration::from_millis(10 + seed * 35);
        let child = Command::new(&bin)
            .arg("--kubeconfig")
            .arg(env.fake.kubeconfig_path())
            .args([
                "-n",
                &namespace,
                "create",
                "c",
                "--preset",
                "production",
                "--timeout",
                "60s",
            ])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
        let out = child.wait_with_output().unwrap();
        match out.status.code() {
            Some(130) => {
                interrupted_at_least_once += 1;
                assert!(
                    String::from_utf8_lossy(&out.stderr).contains("interrupted"),
                    "seed {seed}: {}",
                    output_text(&out)
                );
            }
            Some(0) => {} // finished before the signal
            // Killed by the signal before the handler was installed (process start-up).
            None => {}
            other => panic!("seed {seed}: unexpected exit {other:?}: {}", output_text(&out)),
        }
        let rerun = create(&env, &namespace);
        assert!(rerun.status.success(), "seed {seed} re-run: {}", output_text(&rerun));
        assert_eq!(
            cluster_state(&env, &namespace, "c"),
            want,
            "seed {seed} (SIGINT after {delay:?})"
        );
    }
    assert!(
        interrupted_at_least_once >= 10,
        "most seeds hit a running create: {interrupted_at_least_once}"
    );
}
