//! The pure bundle transform against both real Strimzi release bundles: every
//! binding subject, the watched namespaces' bindings, images under a mirror,
//! operator settings, and the errors for settings kafkactl owns.

use std::path::{Path, PathBuf};

use kafkactl::cluster::discovery::WatchScope;
use kafkactl::operator::Bundle;
use kafkactl::operator::source::load_path;
use kafkactl::operator::transform::{OperatorSettings, TransformError, install_plan, watch_plan};
use kafkactl::render::{Plan, Wave};
use serde_json::Value;

const RELEASES: [&str; 2] = ["1.2.0", "0.45.2"];

fn bundle(version: &str) -> Bundle {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/strimzi")
        .join(version)
        .join("install/cluster-operator");
    load_path(&dir).unwrap()
}

/// Settings for an operator in `ns` watching `watch`.
fn settings(ns: &str, watch: WatchScope) -> OperatorSettings {
    OperatorSettings {
        watch,
        ..OperatorSettings::new(ns)
    }
}

fn namespaces(list: &[&str]) -> WatchScope {
    WatchScope::Namespaces(list.iter().map(|s| s.to_string()).collect())
}

fn of_kind<'a>(plan: &'a Plan, kind: &'a str) -> impl Iterator<Item = &'a Value> {
    plan.objects.iter().filter(move |o| o.kind() == kind).map(|o| &o.object)
}

fn operator_env(plan: &Plan, key: &str) -> Option<Value> {
    let deployment = of_kind(plan, "Deployment").next().unwrap();
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == key)
        .cloned()
}

#[test]
fn the_version_comes_from_the_bundle_itself() {
    for version in RELEASES {
        assert_eq!(bundle(version).version, version);
    }
}

#[test]
fn every_binding_subject_points_at_the_operator_namespace() {
    for version in RELEASES {
        for watch in [namespaces(&["ops"]), namespaces(&["a", "b"]), WatchScope::All] {
            let plan = install_plan(&bundle(version), &settings("ops", watch.clone())).unwrap();
            let mut seen = 0;
            for kind in ["RoleBinding", "ClusterRoleBinding"] {
                for binding in of_kind(&plan, kind) {
                    for subject in binding["subjects"].as_array().unwrap() {
                        seen += 1;
                        assert_eq!(
                            subject["namespace"], "ops",
                            "{version} {watch:?} {kind} {}",
                            binding["metadata"]["name"]
                        );
                    }
                }
            }
            assert!(seen >= 7, "{version}: {seen} subjects");
            let text = serde_json::to_string(&plan.objects.iter().map(|o| &o.object).collect::<Vec<_>>()).unwrap();
            assert!(
                !text.contains("\"myproject\""),
                "{version}: no bundle placeholder namespace left"
            );
        }
    }
}

#[test]
fn namespaced_objects_land_in_the_operator_namespace_in_waves() {
    let plan = install_plan(&bundle("1.2.0"), &settings("ops", namespaces(&["ops"]))).unwrap();
    for object in &plan.objects {
        let namespaced = ["ServiceAccount", "ConfigMap", "Deployment", "RoleBinding"].contains(&object.kind());
        assert_eq!(
            object.namespace().is_some(),
            namespaced,
            "{} {}",
            object.kind(),
            object.name()
        );
    }
    let waves: Vec<Wave> = plan.objects.iter().map(|o| o.wave).collect();
    assert_eq!(waves.first(), Some(&Wave::Namespace));
    assert_eq!(of_kind(&plan, "Namespace").count(), 1);
    assert_eq!(plan.objects.last().map(|o| o.kind()), Some("Deployment"));
    assert_eq!(waves.iter().filter(|w| **w == Wave::Workloads).count(), 1);
    assert!(operator_env(&plan, "STRIMZI_NAMESPACE").unwrap()["valueFrom"].is_object());
}

#[test]
fn watched_namespaces_get_the_020_023_031_bindings_but_not_leader_election() {
    for version in RELEASES {
        let plan = install_plan(&bundle(version), &settings("ops", namespaces(&["ops", "a", "b"]))).unwrap();
        assert_eq!(operator_env(&plan, "STRIMZI_NAMESPACE").unwrap()["value"], "ops,a,b");
        for ns in ["a", "b"] {
            let mut roles: Vec<&str> = of_kind(&plan, "RoleBinding")
                .filter(|b| b["metadata"]["namespace"] == ns)
                .map(|b| b["roleRef"]["name"].as_str().unwrap())
                .collect();
            roles.sort();
            assert_eq!(
                roles,
                [
                    "strimzi-cluster-operator-namespaced",
                    "strimzi-cluster-operator-watched",
                    "strimzi-entity-operator"
                ],
                "{version} {ns}"
            );
        }
        let names: Vec<&str> = of_kind(&plan, "Namespace")
            .map(|n| n["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["ops", "a", "b"]);
    }
}

#[test]
fn watching_all_adds_cluster_role_bindings_named_as_strimzi_documents() {
    let plan = install_plan(&bundle("0.45.2"), &settings("ops", WatchScope::All)).unwrap();
    assert_eq!(operator_env(&plan, "STRIMZI_NAMESPACE").unwrap()["value"], "*");
    let crbs: Vec<(String, String)> = of_kind(&plan, "ClusterRoleBinding")
        .map(|b| {
            (
                b["metadata"]["name"].as_str().unwrap().to_string(),
                b["roleRef"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (name, role) in [
        (
            "strimzi-cluster-operator-namespaced",
            "strimzi-cluster-operator-namespaced",
        ),
        ("strimzi-cluster-operator-watched", "strimzi-cluster-operator-watched"),
        (
            "strimzi-cluster-operator-entity-operator-delegation",
            "strimzi-entity-operator",
        ),
    ] {
        assert!(
            crbs.contains(&(name.into(), role.into())),
            "{name} → {role} in {crbs:?}"
        );
    }
    let mut unique: Vec<&String> = crbs.iter().map(|(n, _)| n).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), crbs.len(), "no two ClusterRoleBindings share a name");
}

#[test]
fn a_registry_mirror_rewrites_every_image_the_bundle_names() {
    for version in RELEASES {
        let mut s = settings("ops", namespaces(&["ops"]));
        s.registry = Some("harbor.corp/mirror".into());
        let plan = install_plan(&bundle(version), &s).unwrap();
        let text = serde_json::to_string(&of_kind(&plan, "Deployment").next().unwrap()).unwrap();
        assert!(!text.contains("quay.io"), "{version}: an image still names quay.io");
        assert!(text.contains(&format!("harbor.corp/mirror/strimzi/operator:{version}")));
        assert!(text.contains("harbor.corp/mirror/strimzi/maven-builder"), "{version}");
        let kafka_images = operator_env(&plan, "STRIMZI_KAFKA_IMAGES").unwrap();
        for line in kafka_images["value"].as_str().unwrap().lines() {
            assert!(
                line.contains(&format!("=harbor.corp/mirror/strimzi/kafka:{version}-kafka-")),
                "{line}"
            );
        }
    }
}

#[test]
fn pull_secrets_and_env_reach_the_operator_and_its_operands() {
    let mut s = settings("ops", namespaces(&["ops"]));
    s.image_pull_secrets = vec!["harbor".into(), "backup".into()];
    s.env = vec![
        ("STRIMZI_FEATURE_GATES".into(), "+UseServerSideApply".into()),
        ("STRIMZI_LOG_LEVEL".into(), "DEBUG".into()),
    ];
    let plan = install_plan(&bundle("1.2.0"), &s).unwrap();
    let deployment = of_kind(&plan, "Deployment").next().unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["imagePullSecrets"],
        serde_json::json!([{"name": "harbor"}, {"name": "backup"}])
    );
    assert_eq!(
        operator_env(&plan, "STRIMZI_IMAGE_PULL_SECRETS").unwrap()["value"],
        "harbor,backup"
    );
    assert_eq!(
        operator_env(&plan, "STRIMZI_FEATURE_GATES").unwrap()["value"],
        "+UseServerSideApply"
    );
    assert_eq!(operator_env(&plan, "STRIMZI_LOG_LEVEL").unwrap()["value"], "DEBUG");
    let gates = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "STRIMZI_FEATURE_GATES")
        .count();
    assert_eq!(gates, 1, "replaced, not added twice");
}

#[test]
fn settings_kafkactl_owns_cannot_be_set_through_env() {
    let mut s = settings("ops", namespaces(&["ops"]));
    s.env = vec![("STRIMZI_NAMESPACE".into(), "*".into())];
    let err = install_plan(&bundle("1.2.0"), &s).unwrap_err();
    assert!(matches!(err, TransformError::ReservedEnv { ref key, .. } if key == "STRIMZI_NAMESPACE"));
    assert!(err.to_string().contains("--watch"));
    let bad = settings("Team_A", namespaces(&["Team_A"]));
    assert!(matches!(
        install_plan(&bundle("1.2.0"), &bad),
        Err(TransformError::InvalidNamespace(_))
    ));
}

#[test]
fn extending_an_operator_only_adds_namespaces_and_their_bindings() {
    let plan = watch_plan(&bundle("1.2.0"), "kafka", &namespaces(&["kafka", "team-a"])).unwrap();
    let kinds: Vec<&str> = plan.objects.iter().map(|o| o.kind()).collect();
    assert!(
        kinds.iter().all(|k| ["Namespace", "RoleBinding"].contains(k)),
        "{kinds:?}"
    );
    assert_eq!(of_kind(&plan, "RoleBinding").count(), 3);
    assert!(of_kind(&plan, "RoleBinding").all(|b| b["metadata"]["namespace"] == "team-a"));
}
