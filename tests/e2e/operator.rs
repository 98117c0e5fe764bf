//! `kafkactl operator install | status | uninstall`, `create --install-operator`
//! and `image dockerfile` against the fake API server, starting from a cluster
//! with no Strimzi at all (no CRDs, no operator) unless a test says otherwise.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use fake_kube::sim::Sim;
use fake_kube::{FakeCluster, NodeConfig, StrimziRelease};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{Env, env, kafkactl, output_text};

const RBAC: &str = "rbac.authorization.k8s.io/v1";
const CRD: &str = "apiextensions.k8s.io/v1";

/// A fake cluster without Strimzi: no CRDs, no operator; the simulation runs.
fn empty_cluster() -> Env {
    let sim = Sim::new(fake_kube::sim::SimConfig::fast());
    let mut builder = FakeCluster::builder().with_controller(sim.controller());
    for _ in 0..3 {
        builder = builder.node(NodeConfig {
            cpu: "8".into(),
            memory: "32Gi".into(),
            ..NodeConfig::default()
        });
    }
    let fake = builder.storage_class("standard", true, true).start();
    Env { fake, sim }
}

fn bundle_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/strimzi")
        .join(version)
        .join("install/cluster-operator")
}

/// The release asset's shape: every file of the directory in one multi-document YAML.
fn single_file_bundle(version: &str, dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(bundle_dir(version))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let text: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let path = dir.join(format!("strimzi-cluster-operator-{version}.yaml"));
    std::fs::write(&path, text.join("\n---\n")).unwrap();
    path
}

/// `kafkactl` against `env` with its own cache directory.
fn cmd(env: &Env, cache: &TempDir) -> assert_cmd::Command {
    let mut cmd = env.kafkactl();
    cmd.env("XDG_CACHE_HOME", cache.path())
        .env_remove("KAFKACTL_STRIMZI_RELEASES_URL")
        .env_remove("KAFKACTL_STRIMZI_BUNDLE");
    cmd
}

fn install(env: &Env, cache: &TempDir, version: &str, extra: &[&str]) -> Value {
    let dir = bundle_dir(version);
    let out = cmd(env, cache)
        .args(["-o", "json", "--timeout", "60s", "operator", "install", "--from"])
        .arg(&dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn deployment(env: &Env, ns: &str) -> Value {
    env.fake
        .store()
        .get("apps/v1", "Deployment", Some(ns), "strimzi-cluster-operator")
        .expect("the operator Deployment is stored")
}

fn operator_env(deployment: &Value, key: &str) -> Option<Value> {
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == key)
        .cloned()
}

fn bindings(env: &Env, kind: &str, ns: Option<&str>) -> Vec<Value> {
    env.fake.store().list(RBAC, kind, ns, Some("app=strimzi"))
}

fn names(objects: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = objects
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn operator_deployments(env: &Env) -> usize {
    env.fake
        .store()
        .list("apps/v1", "Deployment", None, None)
        .iter()
        .filter(|d| d["spec"]["template"]["metadata"]["labels"]["strimzi.io/kind"] == "cluster-operator")
        .count()
}

fn create_dev(env: &Env, ns: &str, name: &str) -> std::process::Output {
    env.kafkactl()
        .args(["-n", ns, "--timeout", "60s", "create", name, "--preset", "dev"])
        .output()
        .unwrap()
}

#[test]
fn install_from_the_directory_on_an_empty_cluster_ends_ready_and_a_rerun_changes_nothing() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    let first = install(&env, &cache, "1.2.0", &[]);
    assert_eq!(first["result"], "installed", "{first}");
    assert_eq!(first["version"], "1.2.0");
    assert_eq!(first["progress"]["ready"], true);
    let store = env.fake.store();
    let crds = store.list(CRD, "CustomResourceDefinition", None, Some("app=strimzi"));
    assert_eq!(crds.len(), 10, "every CRD of the bundle");
    let op = deployment(&env, "kafka");
    assert_eq!(op["status"]["availableReplicas"], 1);
    // Own namespace only: the bundle's valueFrom stays.
    assert!(operator_env(&op, "STRIMZI_NAMESPACE").unwrap()["valueFrom"].is_object());
    for kind in ["RoleBinding", "ClusterRoleBinding"] {
        for b in bindings(&env, kind, None) {
            for s in b["subjects"].as_array().unwrap() {
                assert_eq!(s["namespace"], "kafka", "{kind} {} subject", b["metadata"]["name"]);
            }
        }
    }
    assert_eq!(
        names(&bindings(&env, "RoleBinding", Some("kafka"))),
        [
            "strimzi-cluster-operator",
            "strimzi-cluster-operator-entity-operator-delegation",
            "strimzi-cluster-operator-leader-election",
            "strimzi-cluster-operator-watched"
        ]
    );

    let second = install(&env, &cache, "1.2.0", &[]);
    assert_eq!(second["result"], "unchanged", "{second}");
    let actions: Vec<&Value> = second["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["action"])
        .collect();
    assert!(actions.iter().all(|a| *a == "unchanged"), "{actions:?}");

    let out = create_dev(&env, "kafka", "c1");
    assert!(
        out.status.success(),
        "the installed operator runs Kafka: {}",
        output_text(&out)
    );
}

#[test]
fn a_single_file_bundle_with_two_watched_namespaces_serves_both() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    let file = single_file_bundle("0.45.2", cache.path());
    let out = cmd(&env, &cache)
        .args([
            "-o",
            "json",
            "--timeout",
            "60s",
            "operator",
            "install",
            "--watch",
            "team-a,team-b",
            "--from",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["version"], "0.45.2");
    assert_eq!(
        outcome["watches"]["namespaces"],
        serde_json::json!(["team-a", "team-b"])
    );
    let op = deployment(&env, "kafka");
    assert_eq!(
        operator_env(&op, "STRIMZI_NAMESPACE").unwrap()["value"],
        "team-a,team-b"
    );
    for ns in ["team-a", "team-b"] {
        assert!(
            env.fake.store().get("v1", "Namespace", None, ns).is_some(),
            "{ns} created"
        );
        let rbs = bindings(&env, "RoleBinding", Some(ns));
        assert_eq!(
            names(&rbs),
            [
                "strimzi-cluster-operator",
                "strimzi-cluster-operator-entity-operator-delegation",
                "strimzi-cluster-operator-watched"
            ],
            "the 020, 023 and 031 bindings in {ns}"
        );
        for rb in &rbs {
            assert_eq!(rb["subjects"][0]["namespace"], "kafka");
        }
    }
    let out = create_dev(&env, "team-a", "x");
    assert!(
        out.status.success(),
        "the operator acts in team-a: {}",
        output_text(&out)
    );
    let kafka = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1beta2", "Kafka", Some("team-a"), "x");
    assert_eq!(kafka.unwrap()["status"]["conditions"][0]["type"], "Ready");
}

#[test]
fn watching_all_namespaces_uses_the_cluster_role_bindings_strimzi_documents() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    let outcome = install(&env, &cache, "1.2.0", &["--watch-all"]);
    assert_eq!(outcome["watches"]["scope"], "all");
    let op = deployment(&env, "kafka");
    assert_eq!(operator_env(&op, "STRIMZI_NAMESPACE").unwrap()["value"], "*");
    let crbs = bindings(&env, "ClusterRoleBinding", None);
    let crb_names = names(&crbs);
    for name in [
        "strimzi-cluster-operator-namespaced",
        "strimzi-cluster-operator-watched",
        "strimzi-cluster-operator-entity-operator-delegation",
    ] {
        assert!(crb_names.iter().any(|n| n == name), "{name} in {crb_names:?}");
    }
    for crb in &crbs {
        assert_eq!(crb["subjects"][0]["namespace"], "kafka");
    }
    let out = create_dev(&env, "anywhere", "x");
    assert!(out.status.success(), "{}", output_text(&out));
}

#[test]
fn a_registry_mirror_rewrites_every_image_and_settings_reach_the_operator() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(
        &env,
        &cache,
        "0.45.2",
        &[
            "--registry",
            "harbor.corp/mirror",
            "--image-pull-secret",
            "harbor",
            "--env",
            "STRIMZI_FEATURE_GATES=+ContinueReconciliationOnManualRollingUpdateFailure",
        ],
    );
    let op = deployment(&env, "kafka");
    let pod = &op["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"][0]["image"],
        "harbor.corp/mirror/strimzi/operator:0.45.2"
    );
    assert_eq!(pod["imagePullSecrets"], serde_json::json!([{"name": "harbor"}]));
    let mut images = 0;
    for var in pod["containers"][0]["env"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap();
        let value = var["value"].as_str().unwrap_or_default();
        if name.ends_with("_IMAGES") {
            for line in value.lines() {
                images += 1;
                assert!(
                    line.split_once('=')
                        .unwrap()
                        .1
                        .starts_with("harbor.corp/mirror/strimzi/"),
                    "{line}"
                );
            }
        } else if name.ends_with("_IMAGE") || name == "STRIMZI_DEFAULT_MAVEN_BUILDER" {
            images += 1;
            assert!(value.starts_with("harbor.corp/mirror/strimzi/"), "{name}={value}");
        }
    }
    assert!(images > 20, "{images} images checked");
    assert_eq!(
        operator_env(&op, "STRIMZI_IMAGE_PULL_SECRETS").unwrap()["value"],
        "harbor"
    );
    assert_eq!(
        operator_env(&op, "STRIMZI_FEATURE_GATES").unwrap()["value"],
        "+ContinueReconciliationOnManualRollingUpdateFailure"
    );
    // The simulated operator runs Kafka with the mirrored image.
    let out = create_dev(&env, "kafka", "c1");
    assert!(out.status.success(), "{}", output_text(&out));
}

#[test]
fn a_running_operator_is_extended_instead_of_installing_a_second_one() {
    let env = env(StrimziRelease::V1_2_0).start();
    let cache = TempDir::new().unwrap();
    let out = cmd(&env, &cache)
        .args([
            "-n",
            "other",
            "-o",
            "json",
            "--timeout",
            "60s",
            "operator",
            "install",
            "--watch",
            "team-a",
            "--from",
        ])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["result"], "extended", "{outcome}");
    assert_eq!(outcome["namespace"], "kafka");
    assert!(String::from_utf8_lossy(&out.stderr).contains("found the Strimzi operator kafka/strimzi-cluster-operator"));
    assert_eq!(operator_deployments(&env), 1, "no second operator");
    assert!(env.fake.store().get("v1", "Namespace", None, "other").is_none());
    let op = deployment(&env, "kafka");
    assert_eq!(operator_env(&op, "STRIMZI_NAMESPACE").unwrap()["value"], "kafka,team-a");
    assert_eq!(bindings(&env, "RoleBinding", Some("team-a")).len(), 3);
    let out = create_dev(&env, "team-a", "x");
    assert!(out.status.success(), "{}", output_text(&out));

    let again = cmd(&env, &cache)
        .args(["-o", "json", "operator", "install", "--watch", "team-a", "--from"])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["result"], "unchanged", "{again}");
}

#[test]
fn create_in_an_unwatched_namespace_names_the_install_command() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = create_dev(&env, "team-z", "x");
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("kafkactl operator install --watch team-z"),
        "{}",
        output_text(&out)
    );
}

#[test]
fn a_newer_bundle_upgrades_and_an_older_one_needs_confirmation() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "0.45.2", &["--watch", "kafka,team-a"]);
    let upgraded = install(&env, &cache, "0.48.0", &[]);
    assert_eq!(upgraded["result"], "upgraded", "{upgraded}");
    assert_eq!(upgraded["previousVersion"], "0.45.2");
    let op = deployment(&env, "kafka");
    assert_eq!(
        op["spec"]["template"]["spec"]["containers"][0]["image"],
        "quay.io/strimzi/operator:0.48.0"
    );
    assert_eq!(
        operator_env(&op, "STRIMZI_NAMESPACE").unwrap()["value"],
        "kafka,team-a",
        "the watched namespaces survive the upgrade"
    );
    assert_eq!(op["status"]["updatedReplicas"], 1);

    let out = cmd(&env, &cache)
        .args(["operator", "install", "--from"])
        .arg(bundle_dir("0.45.2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("downgrade") && stderr.contains("--yes"), "{stderr}");
    let op = deployment(&env, "kafka");
    assert_eq!(
        op["spec"]["template"]["spec"]["containers"][0]["image"],
        "quay.io/strimzi/operator:0.48.0"
    );
}

/// 1.x CRDs list only v1, and the 0.45 CRDs stored their objects as v1beta2: a real API
/// server refuses such a CRD update (`status.storedVersions[0]: Invalid value: "v1beta2":
/// missing from spec.versions`), so applying the bundle would stop half-way. kafkactl asks
/// before writing anything.
#[test]
fn a_bundle_that_drops_a_stored_api_version_is_refused_before_anything_is_written() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "0.45.2", &[]);
    env.fake.clear_requests();
    let out = cmd(&env, &cache)
        .args(["operator", "install", "--yes", "--force-conflicts", "--from"])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kafkas.kafka.strimzi.io may hold objects stored as v1beta2")
            && stderr.contains("nothing was changed")
            && stderr.contains("crd-upgrade"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty(), "nothing was written");
    assert_eq!(
        deployment(&env, "kafka")["spec"]["template"]["spec"]["containers"][0]["image"],
        "quay.io/strimzi/operator:0.45.2"
    );
}

/// Issue 17: a release that would leave a cluster unmanaged is refused outright, with the
/// command that fixes it; `--yes` does not override it (Strimzi itself cannot go on).
#[test]
fn an_operator_upgrade_that_would_strand_a_zookeeper_cluster_is_refused_even_with_yes() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "0.45.2", &[]);
    let created = env
        .kafkactl()
        .args(["--timeout", "60s", "create", "zk", "--preset", "zookeeper-classic"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    env.fake.clear_requests();
    for yes in [&[][..], &["--yes"][..]] {
        let out = cmd(&env, &cache)
            .args(["operator", "install", "--from"])
            .arg(bundle_dir("0.48.0"))
            .args(yes)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("Strimzi 0.48.0 cannot be installed over the running 0.45.2")
                && stderr.contains("kafka/zk is ZooKeeper-based")
                && stderr.contains("fix: kafkactl migrate zk -n kafka --to kraft")
                && stderr.contains("nothing was changed")
                && stderr.contains("kafkactl upgrade-plan --to 0.48.0"),
            "{stderr}"
        );
    }
    let writes: Vec<String> = env
        .fake
        .write_requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "nothing was changed: {writes:?}");
    assert_eq!(
        deployment(&env, "kafka")["spec"]["template"]["spec"]["containers"][0]["image"],
        "quay.io/strimzi/operator:0.45.2"
    );
}

#[test]
fn a_new_registry_mirror_rolls_the_clusters_and_asks_first_naming_them() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "1.2.0", &[]);
    assert!(create_dev(&env, "kafka", "c1").status.success());
    env.fake.clear_requests();
    let out = cmd(&env, &cache)
        .args(["operator", "install", "--registry", "harbor.corp/mirror", "--from"])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rolls every pod of kafka/c1 to the images from harbor.corp/mirror")
            && stderr.contains("--yes"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty(), "nothing was changed");
    assert_eq!(
        deployment(&env, "kafka")["spec"]["template"]["spec"]["containers"][0]["image"],
        "quay.io/strimzi/operator:1.2.0"
    );
    let done = install(&env, &cache, "1.2.0", &["--registry", "harbor.corp/mirror", "--yes"]);
    assert_eq!(done["result"], "reconfigured", "{done}");
    // The same mirror again changes no image: nothing to ask.
    let again = install(&env, &cache, "1.2.0", &["--registry", "harbor.corp/mirror"]);
    assert_eq!(again["result"], "unchanged", "{again}");
}

#[test]
fn status_shows_version_watches_kafka_versions_and_served_crds() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "1.2.0", &["--watch", "kafka,team-a"]);
    let out = cmd(&env, &cache)
        .args(["-o", "json", "operator", "status"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    let op = &status["operators"][0];
    assert_eq!(op["version"], "1.2.0");
    assert_eq!(op["ready"], true);
    assert_eq!(op["watches"]["namespaces"], serde_json::json!(["kafka", "team-a"]));
    assert_eq!(
        op["kafkaVersions"],
        serde_json::json!(["4.2.0", "4.2.1", "4.3.0", "4.3.1"])
    );
    let kafka_crd = status["crds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "kafkas.kafka.strimzi.io")
        .unwrap();
    assert_eq!(kafka_crd["served"], serde_json::json!(["v1"]));
    assert_eq!(kafka_crd["established"], true);

    let text = cmd(&env, &cache).args(["operator", "status"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("watches:        kafka,team-a"), "{text}");
}

#[test]
fn status_without_an_operator_is_not_found() {
    let env = empty_cluster();
    let out = env.kafkactl().args(["operator", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kafkactl operator install"));
}

#[test]
fn uninstall_removes_the_operator_and_keeps_the_crds_and_what_clusters_use() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "1.2.0", &["--watch", "kafka,team-a"]);
    assert!(create_dev(&env, "kafka", "c1").status.success());
    let refused = cmd(&env, &cache).args(["operator", "uninstall"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(4), "no confirmation without --yes");
    assert_eq!(operator_deployments(&env), 1);
    // The question says what happens to the cluster that stays.
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("The Kafka clusters kafka/c1 keep running unmanaged") && stderr.contains("--yes"),
        "{stderr}"
    );

    let out = cmd(&env, &cache)
        .args(["-o", "json", "--yes", "operator", "uninstall"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["operator"], "kafka/strimzi-cluster-operator");
    let store = env.fake.store();
    assert_eq!(operator_deployments(&env), 0);
    assert!(
        store
            .get("v1", "ServiceAccount", Some("kafka"), "strimzi-cluster-operator")
            .is_none()
    );
    assert!(
        store
            .get("v1", "ConfigMap", Some("kafka"), "strimzi-cluster-operator")
            .is_none()
    );
    assert!(bindings(&env, "RoleBinding", Some("team-a")).is_empty());
    assert!(bindings(&env, "ClusterRoleBinding", None).is_empty());
    assert_eq!(
        store
            .list(CRD, "CustomResourceDefinition", None, Some("app=strimzi"))
            .len(),
        10,
        "CRDs stay"
    );
    assert!(
        store.get(RBAC, "ClusterRole", None, "strimzi-kafka-broker").is_some(),
        "used by c1's brokers"
    );
    assert!(
        store
            .get(RBAC, "ClusterRole", None, "strimzi-cluster-operator-global")
            .is_none()
    );
    assert!(env.kafka("c1").is_some(), "the cluster stays");
    // Its status no longer reads as if something managed it.
    let status = cmd(&env, &cache).args(["status", "c1"]).output().unwrap();
    assert!(status.status.success(), "{}", output_text(&status));
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("UNMANAGED: no Strimzi operator watches namespace kafka"),
        "{text}"
    );
    let json = cmd(&env, &cache).args(["-o", "json", "status", "c1"]).output().unwrap();
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        json["unmanaged"]
            .as_str()
            .is_some_and(|w| w.contains("operator install")),
        "{json}"
    );
}

#[test]
fn deleting_the_crds_is_refused_while_kafka_clusters_exist() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    install(&env, &cache, "1.2.0", &[]);
    assert!(create_dev(&env, "kafka", "c1").status.success());
    let out = cmd(&env, &cache)
        .args(["--yes", "operator", "uninstall", "--delete-crds"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 Kafka cluster still exists (kafka/c1)"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(operator_deployments(&env), 1, "nothing was deleted");

    let out = cmd(&env, &cache)
        .args(["--yes", "operator", "uninstall", "--delete-crds", "--force"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let crds = env
        .fake
        .store()
        .list(CRD, "CustomResourceDefinition", None, Some("app=strimzi"));
    assert!(crds.is_empty(), "{} CRDs left", crds.len());
}

#[test]
fn broken_bundles_and_missing_paths_are_usage_errors_naming_the_file() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    let invalid = cache.path().join("invalid.yaml");
    std::fs::write(&invalid, "kind: Deployment\n  metadata: [unclosed\n").unwrap();
    let not_strimzi = cache.path().join("configmap.yaml");
    std::fs::write(
        &not_strimzi,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}\n",
    )
    .unwrap();
    let missing = cache.path().join("nope");
    for (path, message) in [
        (&invalid, "is not valid YAML"),
        (&not_strimzi, "is not a Strimzi cluster-operator bundle"),
        (&missing, "cannot read the Strimzi bundle"),
    ] {
        let out = cmd(&env, &cache)
            .args(["operator", "install", "--from"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(message) && stderr.contains(&*path.display().to_string()),
            "{stderr}"
        );
    }
    assert!(env.fake.write_requests().is_empty(), "nothing was written");
}

/// Serves `body` once per connection on 127.0.0.1, for `count` requests; returns the base URL.
fn serve(body: String, count: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap();
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            paths.push(request.split_whitespace().nth(1).unwrap_or_default().to_string());
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body.as_bytes()).unwrap();
        }
        paths
    });
    (url, handle)
}

#[test]
fn version_downloads_the_release_asset_once_and_then_uses_the_cache() {
    let cache = TempDir::new().unwrap();
    let file = single_file_bundle("0.45.2", cache.path());
    let (url, server) = serve(std::fs::read_to_string(&file).unwrap(), 1);
    let out = kafkactl()
        .env("XDG_CACHE_HOME", cache.path())
        .env("KAFKACTL_STRIMZI_RELEASES_URL", &url)
        .args(["operator", "install", "--version", "0.45.2", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(
        server.join().unwrap(),
        ["/0.45.2/strimzi-cluster-operator-0.45.2.yaml"],
        "the GitHub release asset path"
    );
    let cached = cache
        .path()
        .join("kafkactl/strimzi/0.45.2/strimzi-cluster-operator-0.45.2.yaml");
    assert!(cached.is_file(), "cached at {}", cached.display());

    // The server is gone: the cache answers.
    let again = kafkactl()
        .env("XDG_CACHE_HOME", cache.path())
        .env("KAFKACTL_STRIMZI_RELEASES_URL", &url)
        .args(["operator", "install", "--version", "0.45.2", "--dry-run"])
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", output_text(&again));
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn a_failed_download_says_offline_and_suggests_from() {
    let cache = TempDir::new().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = kafkactl()
        .env("XDG_CACHE_HOME", cache.path())
        .env("KAFKACTL_STRIMZI_RELEASES_URL", format!("http://{closed}"))
        .args(["operator", "install", "--version", "1.2.0", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot download Strimzi 1.2.0 (offline?)"), "{stderr}");
    assert!(stderr.contains("--from"), "{stderr}");
}

#[test]
fn dry_run_prints_the_transformed_bundle_without_a_cluster() {
    let out = kafkactl()
        .args([
            "-n",
            "strimzi",
            "operator",
            "install",
            "--dry-run",
            "--watch",
            "team-a",
            "--from",
        ])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let docs: Vec<Value> = serde_saphyr::from_multiple(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let kinds = |k: &str| docs.iter().filter(|d| d["kind"] == k).count();
    assert_eq!(kinds("Namespace"), 2);
    assert_eq!(kinds("CustomResourceDefinition"), 10);
    assert_eq!(kinds("RoleBinding"), 4 + 3);
    let op = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    assert_eq!(op["metadata"]["namespace"], "strimzi");
}

#[test]
fn create_install_operator_takes_an_empty_cluster_to_a_ready_kafka() {
    let env = empty_cluster();
    let cache = TempDir::new().unwrap();
    let out = cmd(&env, &cache)
        .args([
            "-n",
            "team-a",
            "--timeout",
            "60s",
            "create",
            "c1",
            "--preset",
            "dev",
            "--install-operator",
            "--from",
        ])
        .arg(bundle_dir("1.2.0"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Ready"),
        "{}",
        output_text(&out)
    );
    let op = deployment(&env, "team-a");
    assert_eq!(op["status"]["availableReplicas"], 1);
    let kafka = env
        .fake
        .store()
        .get("kafka.strimzi.io/v1", "Kafka", Some("team-a"), "c1");
    assert!(kafka.is_some());
}

#[test]
fn image_dockerfile_starts_from_strimzis_kafka_image_and_copies_a_local_dist() {
    let dir = TempDir::new().unwrap();
    let dist = dir.path().join("kafka_2.13-3.9.2-corp.tgz");
    std::fs::write(&dist, b"not really a tarball").unwrap();
    let out_dir = dir.path().join("ctx");
    let out = kafkactl()
        .args(["image", "dockerfile", "--strimzi", "0.45.2", "--kafka-version", "3.9.2"])
        .args(["--registry", "harbor.corp/kafka", "--kafka-dist"])
        .arg(&dist)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let dockerfile = std::fs::read_to_string(out_dir.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.starts_with("FROM harbor.corp/kafka/strimzi/kafka:0.45.2-kafka-3.9.2"),
        "{dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY kafka-dist.tgz /tmp/kafka.tgz"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("rm -rf bin config"), "{dockerfile}");
    assert!(!dockerfile.contains("rm -rf /opt/kafka/*.sh"), "Strimzi's scripts stay");
    assert!(dockerfile.contains("USER 1001"), "{dockerfile}");
    assert_eq!(
        std::fs::read(out_dir.join("kafka-dist.tgz")).unwrap(),
        b"not really a tarball"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("docker build -t harbor.corp/kafka/strimzi/kafka-custom:0.45.2-kafka-3.9.2"),
        "{stdout}"
    );
    assert!(stdout.contains("docker push harbor.corp/kafka/strimzi/kafka-custom:0.45.2-kafka-3.9.2"));
    assert!(stdout.contains("--kafka-image harbor.corp/kafka/strimzi/kafka-custom:0.45.2-kafka-3.9.2"));

    let url = kafkactl()
        .args(["image", "dockerfile", "--strimzi", "1.2.0", "--kafka-version", "4.3.1"])
        .args(["--kafka-dist", "https://artifacts.corp/kafka-4.3.1.tgz", "--out"])
        .arg(dir.path().join("ctx2"))
        .output()
        .unwrap();
    assert!(url.status.success(), "{}", output_text(&url));
    let dockerfile = std::fs::read_to_string(dir.path().join("ctx2/Dockerfile")).unwrap();
    assert!(dockerfile.starts_with("FROM quay.io/strimzi/kafka:1.2.0-kafka-4.3.1"));
    assert!(dockerfile.contains("ADD https://artifacts.corp/kafka-4.3.1.tgz /tmp/kafka.tgz"));
}

#[test]
fn image_dockerfile_refuses_unknown_versions_listing_the_known_ones() {
    let dir = TempDir::new().unwrap();
    let out = kafkactl()
        .args(["image", "dockerfile", "--strimzi", "0.40.0", "--kafka-version", "3.7.0"])
        .args(["--kafka-dist", "https://x/k.tgz", "--out"])
        .arg(dir.path().join("ctx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("known: 1.2.0, 0.45.2"));
    let out = kafkactl()
        .args(["image", "dockerfile", "--strimzi", "1.2.0", "--kafka-version", "3.9.2"])
        .args(["--kafka-dist", "https://x/k.tgz", "--out"])
        .arg(dir.path().join("ctx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Strimzi 1.2.0 has no Kafka 3.9.2 image (it has 4.2.0, 4.2.1, 4.3.0, 4.3.1)"),
        "{stderr}"
    );
    assert!(!dir.path().join("ctx").exists(), "nothing written");
}
