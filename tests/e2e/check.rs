//! `kafkactl check` and the preflight `create` runs, against the fake API
//! server: each check passes on a healthy fake and fails (or warns) on a fake
//! configured to break it; a refused `create` writes nothing.

use fake_kube::{NodeConfig, StrimziRelease, Taint};
use serde_json::{Value, json};

use crate::common::{Env, bare_dev_preset, dev_preset_with, env, output_text};

/// `kafkactl check ARGS -o json`: exit code, the report, and the whole output.
fn check(env: &Env, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = env
        .kafkactl()
        .arg("check")
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let text = output_text(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out.status.code(), report, text)
}

/// The one check line called `name`.
fn line<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("a check named {name:?} in {report:#}"))
}

fn status<'a>(report: &'a Value, name: &str) -> &'a str {
    line(report, name)["status"].as_str().unwrap()
}

fn failing(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| format!("{}: {}", c["name"], c["detail"]))
        .collect()
}

fn node(name: &str) -> NodeConfig {
    NodeConfig {
        name: name.into(),
        cpu: "8".into(),
        memory: "32Gi".into(),
        ..NodeConfig::default()
    }
}

#[test]
fn a_healthy_cluster_passes_every_check_of_the_production_preset() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.clear_requests();
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["failures"], 0, "{:?}", failing(&report));
    assert_eq!(report["cluster"], "prod");
    for name in [
        "API server",
        "Kubernetes version",
        "kafkas.kafka.strimzi.io",
        "operator ready",
        "namespace watched",
        "Kafka version",
        "StorageClass of pool brokers",
        "nodes for pool brokers",
        "CPU and memory (total)",
        "CPU and memory (per node)",
        "cluster name",
        "node pool names",
    ] {
        assert_eq!(status(&report, name), "pass", "{name}: {:#}", line(&report, name));
    }
    assert!(
        line(&report, "Kubernetes version")["detail"]
            .as_str()
            .unwrap()
            .contains("Strimzi 1.2.0 needs 1.30"),
        "{report:#}"
    );
    assert!(env.fake.write_requests().is_empty(), "check writes nothing");
    let reviews = env
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("selfsubjectaccessreviews"))
        .count();
    assert!(reviews > 20, "one access review per verb and resource, got {reviews}");
    // One round of reads: version, discovery, namespace, StorageClasses, nodes,
    // Services, Kafkas, KafkaNodePools (discovery twice: for the spec, then the facts).
    let reads = env.fake.requests().iter().filter(|r| r.method == "GET").count();
    assert!(reads <= 16, "check reads each fact once: {reads} GETs");
}

#[test]
fn text_output_groups_sections_and_indents_hints_under_failures() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["check", "prod", "--storage-class", "fast-ssd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for title in [
        "Kubernetes API\n",
        "Permissions (RBAC)\n",
        "Strimzi operator\n",
        "Storage\n",
        "Scheduling\n",
        "Names\n",
    ] {
        assert!(stdout.contains(title), "{title} in {stdout}");
    }
    assert!(
        stdout.contains("FAIL StorageClass of pool brokers: StorageClass fast-ssd does not exist"),
        "{stdout}"
    );
    assert!(stdout.contains("\n    hint: kubectl get storageclass"), "{stdout}");
    assert!(stdout.contains("ok   API server: reachable at"), "{stdout}");
    // Symbols only on terminals: a pipe gets words.
    assert!(!stdout.contains('✓') && !stdout.contains('✗'), "{stdout}");
    assert!(
        stdout.contains("failed, 1 warning, ") || stdout.contains(" warnings, "),
        "{stdout}"
    );
    assert!(
        stdout.contains("passed: this cluster cannot run this spec as it is"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("preflight check"));
}

#[test]
fn an_unreachable_api_server_is_one_failed_check() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.shutdown();
    let (code, report, text) = check(&env, &["prod", "--strimzi-api", "v1"]);
    assert_eq!(code, Some(4), "{text}");
    assert_eq!(status(&report, "API server"), "fail");
    assert_eq!(report["checks"].as_array().unwrap().len(), 1, "{report:#}");
}

#[test]
fn a_forbidden_verb_fails_its_rbac_line_and_an_optional_one_only_warns() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().forbid("create", "kafkas");
    env.fake.faults().forbid("get", "secrets");
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let kafkas = line(&report, "kafkas.kafka.strimzi.io");
    assert_eq!(kafkas["status"], "fail", "{kafkas:#}");
    assert!(
        kafkas["detail"]
            .as_str()
            .unwrap()
            .contains("may not create in namespace kafka")
    );
    assert!(kafkas["hint"].as_str().unwrap().contains("kubectl auth can-i create"));
    assert_eq!(status(&report, "secrets"), "warn");
    assert_eq!(status(&report, "kafkanodepools.kafka.strimzi.io"), "pass");
    assert_eq!(report["failures"], 1, "{:?}", failing(&report));
}

#[test]
fn the_prometheus_role_needs_the_permissions_it_grants() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.faults().forbid("watch", "endpoints");
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let endpoints = line(&report, "endpoints");
    assert_eq!(endpoints["status"], "fail", "{endpoints:#}");
    assert!(
        endpoints["detail"].as_str().unwrap().contains("grants it"),
        "{endpoints:#}"
    );
}

#[test]
fn a_missing_operator_fails_and_says_whether_it_could_be_installed() {
    let env = env(StrimziRelease::V1_2_0).no_operator().start();
    env.fake.faults().forbid("create", "customresourcedefinitions");
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    assert_eq!(status(&report, "operator installed"), "fail");
    assert!(
        line(&report, "operator installed")["hint"]
            .as_str()
            .unwrap()
            .contains("kafkactl operator install --watch kafka")
    );
    assert_eq!(status(&report, "operator install"), "warn");
}

#[test]
fn an_operator_that_does_not_watch_the_namespace_fails() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["team-a"]).start();
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let watched = line(&report, "namespace watched");
    assert_eq!(watched["status"], "fail");
    assert!(
        watched["detail"].as_str().unwrap().contains("watches team-a"),
        "{watched:#}"
    );
    let (code, report, text) = check(&env, &["prod", "-n", "team-a"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(status(&report, "namespace watched"), "pass");
}

#[test]
fn an_operator_whose_rollout_is_stuck_is_not_ready() {
    let env = env(StrimziRelease::V1_2_0)
        .sim(|s| s.image_pull_failure("operator:9.9.9"))
        .start();
    env.fake
        .store()
        .merge_patch(
            "apps/v1",
            "Deployment",
            Some("kafka"),
            "strimzi-cluster-operator",
            json!({"spec": {"template": {"spec": {"containers": [{
                "name": "strimzi-cluster-operator",
                "image": "quay.io/strimzi/operator:9.9.9",
            }]}}}}),
        )
        .unwrap();
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let ready = line(&report, "operator ready");
    assert_eq!(ready["status"], "fail", "{ready:#}");
    assert!(ready["hint"].as_str().unwrap().contains("rollout status"));
}

#[test]
fn zookeeper_on_a_kraft_only_operator_fails_and_on_0_45_passes() {
    let kraft_only = env(StrimziRelease::V1_2_0).start();
    let (code, report, text) = check(&kraft_only, &["zk", "--preset", "zookeeper-classic"]);
    assert_eq!(code, Some(4), "{text}");
    let metadata = line(&report, "metadata mode");
    assert_eq!(metadata["status"], "fail", "{report:#}");
    assert!(
        metadata["detail"].as_str().unwrap().contains("KRaft-only"),
        "{metadata:#}"
    );
    let zookeeper_era = env(StrimziRelease::V0_45_2).start();
    let (code, report, text) = check(&zookeeper_era, &["zk", "--preset", "zookeeper-classic"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(status(&report, "metadata mode"), "pass");
    assert!(
        line(&report, "Kubernetes version")["detail"]
            .as_str()
            .unwrap()
            .contains("Strimzi 0.45.2 needs 1.25"),
        "{report:#}"
    );
    assert_eq!(status(&report, "StorageClass of ZooKeeper"), "pass");
    assert_eq!(status(&report, "nodes for ZooKeeper"), "pass");
}

#[test]
fn storage_classes_missing_absent_default_and_without_expansion() {
    let env = env(StrimziRelease::V1_2_0)
        .storage_classes(&[("standard", true, true), ("fixed", false, false)])
        .start();
    let (code, report, text) = check(&env, &["prod", "--storage-class", "fast-ssd"]);
    assert_eq!(code, Some(4), "{text}");
    let brokers = line(&report, "StorageClass of pool brokers");
    assert_eq!(brokers["status"], "fail");
    assert!(
        brokers["detail"].as_str().unwrap().contains("fixed, standard"),
        "{brokers:#}"
    );
    // Prometheus and the controllers name no class: the default serves them.
    assert_eq!(status(&report, "StorageClass of Prometheus"), "pass");

    let (code, report, text) = check(&env, &["prod", "--storage-class", "fixed"]);
    assert_eq!(code, Some(0), "a warning does not fail: {text}");
    assert_eq!(status(&report, "StorageClass of pool brokers"), "warn");
    assert_eq!(report["warnings"], 1);

    let no_default = crate::common::env(StrimziRelease::V1_2_0)
        .storage_classes(&[("standard", true, false)])
        .start();
    let (code, report, text) = check(&no_default, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let line = line(&report, "StorageClass of pool controllers");
    assert_eq!(line["status"], "fail");
    assert!(line["detail"].as_str().unwrap().contains("no default StorageClass"));
}

#[test]
fn ephemeral_storage_needs_no_storage_class() {
    let env = env(StrimziRelease::V1_2_0).storage_classes(&[]).start();
    let (code, report, text) = check(&env, &["dev", "--preset", "dev"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(status(&report, "volumes"), "pass");
}

#[test]
fn required_anti_affinity_needs_a_node_per_replica() {
    let env = env(StrimziRelease::V1_2_0).nodes(2).start();
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let brokers = line(&report, "nodes for pool brokers");
    assert_eq!(brokers["status"], "fail");
    assert!(
        brokers["detail"].as_str().unwrap().contains("3 replicas need 3 nodes"),
        "{brokers:#}"
    );
    // The dev preset (one node, no anti-affinity) fits.
    let (code, _, text) = check(&env, &["dev", "--preset", "dev"]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn cordoned_and_tainted_nodes_are_not_counted_and_are_named() {
    let env = env(StrimziRelease::V1_2_0)
        .nodes(1)
        .node(NodeConfig {
            unschedulable: true,
            ..node("cordoned-1")
        })
        .node(NodeConfig {
            taints: vec![Taint {
                key: "dedicated".into(),
                value: "db".into(),
                effect: "NoSchedule".into(),
            }],
            ..node("tainted-1")
        })
        .start();
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let detail = line(&report, "nodes for pool brokers")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("1 eligible"), "{detail}");
    assert!(detail.contains("cordoned-1 cordoned"), "{detail}");
    assert!(
        detail.contains("tainted-1 taint dedicated=db:NoSchedule is not tolerated"),
        "{detail}"
    );
}

#[test]
fn a_pool_that_tolerates_the_taint_may_use_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let preset = dev_preset_with(dir.path(), "tolerant.yaml", |dev| {
        dev.replace(
            "scheduling: { antiAffinity: none }",
            "scheduling: { antiAffinity: none, tolerations: [{ key: dedicated, operator: Equal, value: kafka, effect: NoSchedule }] }",
        )
    });
    // The only untainted node is too small for the broker (the operator still runs there).
    let env = env(StrimziRelease::V1_2_0)
        .nodes(0)
        .node(NodeConfig {
            cpu: "100m".into(),
            memory: "512Mi".into(),
            ..node("tiny-1")
        })
        .node(NodeConfig {
            taints: vec![Taint {
                key: "dedicated".into(),
                value: "kafka".into(),
                effect: "NoSchedule".into(),
            }],
            ..node("kafka-1")
        })
        .start();
    let (code, report, text) = check(&env, &["c1", "--preset", &preset]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        line(&report, "nodes for pool dual")["detail"]
            .as_str()
            .unwrap()
            .starts_with("2 eligible nodes"),
        "{report:#}"
    );
    assert_eq!(status(&report, "CPU and memory (per node)"), "pass");
    let (code, report, text) = check(&env, &["c1", "--preset", "dev"]);
    assert_eq!(code, Some(4), "{text}");
    let nodes = line(&report, "nodes for pool dual")["detail"].as_str().unwrap();
    assert!(
        nodes.contains("kafka-1 taint dedicated=kafka:NoSchedule is not tolerated"),
        "{nodes}"
    );
    assert_eq!(status(&report, "CPU and memory (per node)"), "fail");
}

#[test]
fn small_nodes_cannot_hold_the_requests_in_total() {
    let small = |name: &str| NodeConfig {
        cpu: "1".into(),
        memory: "4Gi".into(),
        ..node(name)
    };
    let env = env(StrimziRelease::V1_2_0)
        .nodes(0)
        .node(small("small-1"))
        .node(small("small-2"))
        .node(small("small-3"))
        .start();
    let (code, report, text) = check(&env, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let total = line(&report, "CPU and memory (total)");
    assert_eq!(total["status"], "fail");
    assert!(
        total["detail"]
            .as_str()
            .unwrap()
            .contains("can allocate 3 CPU and 12Gi"),
        "{total:#}"
    );
    assert_eq!(status(&report, "CPU and memory (per node)"), "fail");
}

#[test]
fn a_pod_larger_than_any_node_fails_per_node_although_the_total_fits() {
    let env = env(StrimziRelease::V1_2_0).start();
    let (code, report, text) = check(&env, &["dev", "--preset", "dev", "--memory", "40Gi"]);
    assert_eq!(code, Some(4), "{text}");
    assert_eq!(status(&report, "CPU and memory (total)"), "pass");
    let per_node = line(&report, "CPU and memory (per node)");
    assert_eq!(per_node["status"], "fail");
    assert!(
        per_node["detail"]
            .as_str()
            .unwrap()
            .contains("pool dual (250m CPU, 40Gi)"),
        "{per_node:#}"
    );
}

/// The dev preset with an external NodePort listener on fixed NodePorts.
fn node_port_preset(dir: &std::path::Path) -> String {
    dev_preset_with(dir, "nodeport.yaml", |dev| {
        dev.replace(
            "listeners:\n",
            "listeners:\n  external: { port: 9094, type: nodeport, tls: false, bootstrapNodePort: 31090, brokerNodePorts: { 0: 31091 } }\n",
        )
    })
}

#[test]
fn a_node_port_taken_by_another_service_fails() {
    let dir = tempfile::tempdir().unwrap();
    let preset = node_port_preset(dir.path());
    let env = env(StrimziRelease::V1_2_0).start();
    let (code, report, text) = check(&env, &["c1", "--preset", &preset]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(status(&report, "NodePorts"), "pass");
    env.fake
        .store()
        .put(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"type": "NodePort", "selector": {"app": "web"},
                     "ports": [{"port": 80, "targetPort": 8080, "nodePort": 31091}]},
        }))
        .unwrap();
    let (code, report, text) = check(&env, &["c1", "--preset", &preset]);
    assert_eq!(code, Some(4), "{text}");
    let ports = line(&report, "NodePorts");
    assert_eq!(ports["status"], "fail");
    assert!(
        ports["detail"]
            .as_str()
            .unwrap()
            .contains("31091 (listener external broker 0) is used by Service default/web"),
        "{ports:#}"
    );
}

#[test]
fn a_cluster_by_that_name_not_made_by_kafkactl_fails_and_the_same_spec_passes() {
    let env = env(StrimziRelease::V1_2_0).start();
    let created = env
        .kafkactl()
        .args(["create", "mine", "--preset", "dev", "--no-wait"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    let (code, report, text) = check(&env, &["mine", "--preset", "dev"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        line(&report, "cluster name")["detail"]
            .as_str()
            .unwrap()
            .contains("same spec")
    );
    let (code, report, text) = check(&env, &["mine", "--preset", "dev", "--cpu", "2"]);
    assert_eq!(code, Some(0), "a different spec only warns for check: {text}");
    assert_eq!(status(&report, "cluster name"), "warn");

    env.fake
        .store()
        .put(json!({
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "Kafka",
            "metadata": {"name": "theirs", "namespace": "kafka"},
            "spec": {"kafka": {"listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}]}},
        }))
        .unwrap();
    let (code, report, text) = check(&env, &["theirs", "--preset", "dev"]);
    assert_eq!(code, Some(4), "{text}");
    let name = line(&report, "cluster name");
    assert_eq!(name["status"], "fail");
    assert!(
        name["detail"].as_str().unwrap().contains("not created by kafkactl"),
        "{name:#}"
    );
}

/// Create `first` (no wait), then `second`: the preflight refuses the second
/// with exit 4 and writes nothing. Returns the second's stderr.
fn second_create_is_refused(env: &Env, first: &[&str], second: &[&str]) -> String {
    let out = env
        .kafkactl()
        .arg("create")
        .args(first)
        .arg("--no-wait")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    env.fake.clear_requests();
    let out = env
        .kafkactl()
        .arg("create")
        .args(second)
        .arg("--no-wait")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn create_refuses_a_node_pool_name_another_cluster_uses_and_writes_nothing() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let bare = bare_dev_preset(dir.path());
    let stderr = second_create_is_refused(&env, &["first", "--preset", &bare], &["second", "--preset", &bare]);
    assert!(
        stderr.contains("FAIL node pool names: KafkaNodePool dual belongs to cluster first"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nodePoolNames: bare"),
        "the hint names the cause: {stderr}"
    );
    assert!(stderr.contains("--skip-checks"), "{stderr}");
    assert!(env.kafka("second").is_none());
    let pool = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1", "KafkaNodePool", Some("kafka"), "dual")
        .unwrap();
    assert_eq!(
        pool["metadata"]["labels"]["strimzi.io/cluster"], "first",
        "the pool was not taken over"
    );
}

#[test]
fn check_of_an_existing_cluster_judges_the_pool_names_it_has() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let bare = bare_dev_preset(dir.path());
    let out = env
        .kafkactl()
        .args(["create", "old", "--preset", &bare, "--no-wait"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    // The built-in dev preset prefixes pool names, but `create old` would
    // keep the cluster's bare `dual`: check judges that name.
    let (code, report, text) = check(&env, &["old", "--preset", "dev"]);
    assert_eq!(code, Some(0), "{text}");
    let detail = line(&report, "node pool names")["detail"].as_str().unwrap();
    assert_eq!(detail, "dual already old's in namespace kafka");
    let (_, fresh, _) = check(&env, &["new", "--preset", "dev"]);
    let detail = line(&fresh, "node pool names")["detail"].as_str().unwrap();
    assert_eq!(detail, "new-dual free in namespace kafka");
}

#[test]
fn a_prefixed_pool_name_can_still_collide_and_is_refused() {
    // Cluster `a` with pool `b-dual` and cluster `a-b` with pool `dual` both
    // want KafkaNodePool `a-b-dual`.
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let renamed = dev_preset_with(dir.path(), "renamed.yaml", |dev| {
        dev.replace("\n  dual:\n", "\n  b-dual:\n")
    });
    let stderr = second_create_is_refused(&env, &["a", "--preset", &renamed], &["a-b", "--preset", "dev"]);
    assert!(
        stderr.contains("KafkaNodePool a-b-dual belongs to cluster a"),
        "{stderr}"
    );
}

#[test]
fn create_refused_by_the_preflight_writes_nothing_and_skip_checks_bypasses_it() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake.clear_requests();
    let refused = env
        .kafkactl()
        .args(["create", "c1", "--storage-class", "fast-ssd", "--no-wait"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(4), "{}", output_text(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("StorageClass fast-ssd does not exist"), "{stderr}");
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert!(
        env.fake
            .requests()
            .iter()
            .any(|r| r.path.contains("selfsubjectaccessreviews")),
        "the preflight asked access reviews"
    );
    assert!(env.kafka("c1").is_none());

    let skipped = env
        .kafkactl()
        .args([
            "create",
            "c1",
            "--storage-class",
            "fast-ssd",
            "--no-wait",
            "--skip-checks",
        ])
        .output()
        .unwrap();
    assert!(skipped.status.success(), "{}", output_text(&skipped));
    assert!(env.kafka("c1").is_some());
}

#[test]
fn create_prints_preflight_warnings_and_goes_ahead() {
    let env = env(StrimziRelease::V1_2_0)
        .storage_classes(&[("standard", false, true)])
        .start();
    let out = env.kafkactl().args(["create", "c1", "--no-wait"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warn StorageClass of pool brokers: standard (the default) does not allow volume expansion"),
        "{stderr}"
    );
    assert!(env.kafka("c1").is_some());
}

#[test]
fn load_balancers_that_never_get_an_address_warn_and_provisioned_ones_pass() {
    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": "web", "namespace": "kafka" },
        "spec": { "type": "LoadBalancer", "ports": [{ "port": 80 }] },
    });
    let args = ["prod", "--listener", "external:9094:loadbalancer:tls"];

    // The simulated cloud gives the Service an address.
    let served = env(StrimziRelease::V1_2_0).start();
    served.fake.store().put(service.clone()).unwrap();
    assert!(served.fake.wait_until(std::time::Duration::from_secs(10), |s| {
        s.get("v1", "Service", Some("kafka"), "web")
            .is_some_and(|svc| svc["status"]["loadBalancer"]["ingress"].is_array())
    }));
    let (code, report, text) = check(&served, &args);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(status(&report, "load balancers"), "pass", "{text}");

    // No load-balancer controller: the Service has waited five minutes for an address.
    let unserved = env(StrimziRelease::V1_2_0)
        .sim(|s| s.without(fake_kube::sim::Simulated::Services))
        .start();
    unserved.fake.store().put(service).unwrap();
    unserved
        .fake
        .store()
        .backdate(
            "v1",
            "Service",
            Some("kafka"),
            "web",
            std::time::Duration::from_secs(300),
        )
        .unwrap();
    let (code, report, text) = check(&unserved, &args);
    assert_eq!(code, Some(0), "a warning does not fail: {text}");
    let line = line(&report, "load balancers");
    assert_eq!(line["status"], "warn", "{text}");
    assert!(line["detail"].as_str().unwrap().contains("kafka/web"), "{line:#}");
    assert!(line["hint"].as_str().unwrap().contains("nodeport"), "{line:#}");
}

#[test]
fn a_kubernetes_older_than_the_strimzi_release_needs_fails() {
    let old = env(StrimziRelease::V1_2_0).start();
    old.fake.faults().set_kubernetes_minor(27);
    let (code, report, text) = check(&old, &["prod"]);
    assert_eq!(code, Some(4), "{text}");
    let version = line(&report, "Kubernetes version");
    assert_eq!(version["status"], "fail", "{version:#}");
    let detail = version["detail"].as_str().unwrap();
    assert!(detail.contains("1.27") && detail.contains("1.30"), "{detail}");
    // The same cluster is new enough for Strimzi 0.45 (1.25 or newer).
    let older_strimzi = env(StrimziRelease::V0_45_2).start();
    older_strimzi.fake.faults().set_kubernetes_minor(27);
    let (_, report, text) = check(&older_strimzi, &["zk", "--preset", "zookeeper-classic"]);
    assert_eq!(status(&report, "Kubernetes version"), "pass", "{text}");
}
