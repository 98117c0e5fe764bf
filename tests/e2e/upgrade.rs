//! `kafkactl upgrade` of a cluster that runs a custom Kafka image (issue 21
//! case 8): the operator's supported versions and ZooKeeper's end at Kafka 4
//! hold whatever the image, and a pinned image is never kept silently across
//! a version change. The plain upgrade journeys are in `scale.rs`.

use std::process::Output;

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{Env, env, output_text};

const NS: &str = "kafka";
const FORK: &str = "registry.corp/kafka/fork";

/// ZooKeeper cluster `c` (zookeeper-classic on Strimzi 0.45.2) at Kafka
/// `version`, running the custom image `<FORK>:<version>`.
fn forked_cluster(version: &str) -> Env {
    let env = env(StrimziRelease::V0_45_2).start();
    let image = format!("{FORK}:{version}");
    let out = env
        .kafkactl()
        .args(["create", "c", "--preset", "zookeeper-classic", "--timeout", "90s", "-q"])
        .args(["--kafka-version", version, "--kafka-image", &image])
        .output()
        .unwrap();
    assert!(out.status.success(), "create: {}", output_text(&out));
    env
}

fn kafkactl(env: &Env, args: &[&str]) -> Output {
    env.kafkactl().args(args).args(["--timeout", "90s"]).output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stored_spec(env: &Env) -> Value {
    let kafka = env.kafka("c").expect("Kafka c");
    serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap()
}

/// The images the broker pods run.
fn broker_images(env: &Env) -> Vec<String> {
    env.fake
        .store()
        .list("v1", "Pod", Some(NS), None)
        .iter()
        .filter(|p| p["metadata"]["labels"]["strimzi.io/name"] == "c-kafka")
        .filter_map(|p| p["spec"]["containers"][0]["image"].as_str().map(str::to_string))
        .collect()
}

/// Nothing was written, and the Kafka CR still asks for `version` from `image`.
fn assert_untouched(env: &Env, version: &str, image: &str) {
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    let kafka = env.kafka("c").unwrap();
    assert_eq!(kafka["spec"]["kafka"]["version"], version);
    assert_eq!(kafka["spec"]["kafka"]["image"], image);
    assert_eq!(stored_spec(env)["kafkaVersion"], version);
}

#[test]
fn a_custom_image_does_not_skip_the_version_checks() {
    let env = forked_cluster("3.9.2");
    let image = format!("{FORK}:3.9.2");
    env.fake.clear_requests();

    // Strimzi 0.45.2 supports Kafka 3.8.0-3.9.2: the image changes nothing about that.
    for version in ["4.0.0", "9.9.9"] {
        let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", version]);
        assert_eq!(code(&out), 2, "{version}: {}", output_text(&out));
        let text = stderr(&out);
        assert!(text.contains(&format!("Kafka {version} is not supported")), "{text}");
        assert!(text.contains("3.9.2"), "names the supported versions: {text}");
        assert!(text.contains("whatever the image"), "{text}");
        assert_untouched(&env, "3.9.2", &image);
    }
    assert!(
        broker_images(&env).iter().all(|i| *i == image),
        "{:?}",
        broker_images(&env)
    );
}

#[test]
fn zookeeper_mode_never_goes_to_kafka_4_even_where_the_operator_lists_it() {
    let env = forked_cluster("3.9.2");
    let image = format!("{FORK}:3.9.2");
    // An operator that (wrongly, or patched) lists Kafka 4.0.0 as well.
    let store = env.fake.store();
    let mut operator = store
        .get("apps/v1", "Deployment", Some(NS), "strimzi-cluster-operator")
        .unwrap();
    let env_vars = operator["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap();
    let images = env_vars
        .iter_mut()
        .find(|e| e["name"] == "STRIMZI_KAFKA_IMAGES")
        .expect("the operator lists its Kafka images");
    let listed = images["value"].as_str().unwrap().to_string();
    images["value"] = Value::String(format!("{listed}\n4.0.0=quay.io/strimzi/kafka:0.45.2-kafka-4.0.0"));
    store.put(operator).unwrap();
    env.fake.clear_requests();

    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "4.0.0", "--yes"]);
    assert_eq!(code(&out), 2, "{}", output_text(&out));
    let text = stderr(&out);
    assert!(text.contains("no ZooKeeper mode"), "{text}");
    assert!(text.contains("KRaft"), "says what to do: {text}");
    assert_untouched(&env, "3.9.2", &image);
}

#[test]
fn a_pinned_image_is_not_kept_silently_across_a_version_change() {
    let env = forked_cluster("3.9.1");
    let old_image = format!("{FORK}:3.9.1");
    env.fake.clear_requests();

    // Off a terminal: a refusal that says the image stays and names both ways out.
    let out = kafkactl(&env, &["upgrade", "c", "--kafka-version", "3.9.2"]);
    assert_eq!(code(&out), 4, "{}", output_text(&out));
    let text = stderr(&out);
    assert!(
        text.contains(&format!("the custom image {old_image}, which runs Kafka 3.9.1")),
        "{text}"
    );
    assert!(text.contains("--kafka-image") && text.contains("--yes"), "{text}");
    assert!(
        text.contains("upgrade c --kafka-version 3.9.2 --timeout 90s --yes"),
        "{text}"
    );
    assert_untouched(&env, "3.9.1", &old_image);

    // With the image that runs the new version: upgraded, and the pods run it.
    let new_image = format!("{FORK}:3.9.2");
    let out = kafkactl(
        &env,
        &[
            "upgrade",
            "c",
            "--kafka-version",
            "3.9.2",
            "--kafka-image",
            &new_image,
            "-o",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", output_text(&out));
    let kafka = env.kafka("c").unwrap();
    assert_eq!(kafka["spec"]["kafka"]["version"], "3.9.2");
    assert_eq!(kafka["spec"]["kafka"]["image"], new_image.as_str());
    assert_eq!(kafka["status"]["kafkaVersion"], "3.9.2");
    assert_eq!(stored_spec(&env)["images"]["kafka"], new_image.as_str());
    let images = broker_images(&env);
    assert!(
        !images.is_empty() && images.iter().all(|i| *i == new_image),
        "{images:?}"
    );
}
