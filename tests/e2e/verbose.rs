//! `-v` shows the API traffic on stderr (method, path, status, time), `-vv` also
//! the bodies with Secret data redacted, `KAFKACTL_LOG` does the same from the
//! environment; without them stderr has none of it and stdout never does.

use std::process::Output;

use fake_kube::StrimziRelease;
use serde_json::{Value, json};

use crate::common::{Env, env, output_text};

const NS: &str = "kafka";

fn create(env: &Env, name: &str) {
    let out = env
        .kafkactl()
        .args(["create", name, "--preset", "dev", "--timeout", "90s", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "create {name}: {}", output_text(&out));
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The request lines of `-v`: `… GET /path 200 12ms`.
fn request_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            ["GET /", "POST /", "PATCH /", "PUT /", "DELETE /"]
                .iter()
                .any(|m| l.contains(m))
        })
        .collect()
}

#[test]
fn v_shows_each_request_with_method_path_status_and_time_and_stdout_is_unchanged() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1");
    let plain = env.kafkactl().args(["status", "c1", "-o", "json"]).output().unwrap();
    assert!(plain.status.success(), "{}", output_text(&plain));
    assert!(
        request_lines(&stderr(&plain)).is_empty(),
        "no -v, no traffic: {}",
        stderr(&plain)
    );

    let verbose = env
        .kafkactl()
        .args(["-v", "status", "c1", "-o", "json"])
        .output()
        .unwrap();
    assert!(verbose.status.success(), "{}", output_text(&verbose));
    let text = stderr(&verbose);
    let kafka_read = format!("GET /apis/kafka.strimzi.io/v1/namespaces/{NS}/kafkas/c1 200 ");
    let line = text
        .lines()
        .find(|l| l.contains(&kafka_read))
        .unwrap_or_else(|| panic!("a line for reading the Kafka CR in:\n{text}"));
    let elapsed = line.rsplit(' ').next().unwrap_or_default();
    assert!(
        elapsed.ends_with("ms") && elapsed.trim_end_matches("ms").parse::<u64>().is_ok(),
        "elapsed time at the end of {line:?}"
    );
    assert!(!text.contains("response body"), "-v shows no bodies: {text}");
    // The result on stdout is the same document with or without -v.
    let without: Value = serde_json::from_slice(&plain.stdout).unwrap();
    let with: Value = serde_json::from_slice(&verbose.stdout).unwrap();
    assert_eq!(without, with);
}

#[test]
fn a_missing_object_shows_its_404() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env.kafkactl().args(["-v", "status", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    let text = stderr(&out);
    assert!(
        text.lines().any(|l| l.contains(&format!(
            "GET /apis/kafka.strimzi.io/v1/namespaces/{NS}/kafkas/nope 404 "
        ))),
        "{text}"
    );
}

#[test]
fn vv_shows_bodies_but_never_a_secrets_data() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1");
    let user = env
        .fake
        .store()
        .put(json!({
            "apiVersion": env.kafka_api(),
            "kind": "KafkaUser",
            "metadata": {"name": "alice", "namespace": NS, "labels": {"strimzi.io/cluster": "c1"}},
            "spec": {"authentication": {"type": "scram-sha-512"}},
        }))
        .unwrap();
    env.fake
        .store()
        .put(json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": "alice",
                "namespace": NS,
                "labels": {"strimzi.io/cluster": "c1", "strimzi.io/kind": "KafkaUser"},
                "ownerReferences": [{
                    "apiVersion": user["apiVersion"], "kind": "KafkaUser", "name": "alice",
                    "uid": user["metadata"]["uid"], "controller": true,
                }],
            },
            "type": "Opaque",
            "data": {"password": "c2VjcmV0LXBhc3N3b3Jk"},
        }))
        .unwrap();
    let out = env
        .kafkactl()
        .args([
            "-vv",
            "export",
            "c1",
            "--with-users",
            "--include-secrets",
            "--objects-file",
            "-",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let text = stderr(&out);
    let secret_read = format!("GET /api/v1/namespaces/{NS}/secrets/alice response body: ");
    let secret_line = text
        .lines()
        .find(|l| l.contains(&secret_read))
        .unwrap_or_else(|| panic!("the Secret's body is logged in:\n{text}"));
    assert!(secret_line.contains(r#""password":"<redacted>""#), "{secret_line}");
    assert!(
        !text.contains("c2VjcmV0LXBhc3N3b3Jk"),
        "a Secret's data never reaches the log:\n{text}"
    );
    // Other bodies are shown whole: the Kafka CR as the server sent it.
    assert!(
        text.lines()
            .any(|l| l.contains("/kafkas/c1 response body: ") && l.contains(r#""kind":"Kafka""#)),
        "{text}"
    );
    // The export itself (stdout) still has the data: only the log is redacted.
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["items"][0]["data"]["password"], "c2VjcmV0LXBhc3N3b3Jk");
}

#[test]
fn vv_shows_what_a_server_side_dry_run_sends() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["-vv", "create", "c2", "--preset", "dev", "--dry-run=server"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let text = stderr(&out);
    let sent = text
        .lines()
        .find(|l| {
            l.contains("PATCH /apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/c2?") && l.contains("request body: ")
        })
        .unwrap_or_else(|| panic!("the applied Kafka CR is logged in:\n{text}"));
    assert!(sent.contains("dryRun=All"), "{sent}");
    assert!(sent.contains(r#""kind":"Kafka""#), "{sent}");
    assert!(env.kafka("c2").is_none(), "a dry run stores nothing");
}

#[test]
fn kafkactl_log_in_the_environment_works_as_v_does() {
    let env = env(StrimziRelease::V1_2_0).start();
    create(&env, "c1");
    for filter in ["debug", "kafkactl::http=debug"] {
        let out = env
            .kafkactl()
            .env("KAFKACTL_LOG", filter)
            .args(["status", "c1"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", output_text(&out));
        let text = stderr(&out);
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("GET /apis/kafka.strimzi.io/v1/namespaces/{NS}/kafkas/c1 200 "))),
            "KAFKACTL_LOG={filter}:\n{text}"
        );
    }
    // A filter that does not parse is named, and the command still runs.
    let out = env
        .kafkactl()
        .env("KAFKACTL_LOG", "kafkactl=loud")
        .args(["status", "c1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(stderr(&out).contains("KAFKACTL_LOG"), "{}", output_text(&out));
}

#[test]
fn v_shows_the_release_download_of_operator_install_too() {
    let cache = tempfile::TempDir::new().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = crate::common::kafkactl()
        .env("XDG_CACHE_HOME", cache.path())
        .env("KAFKACTL_STRIMZI_RELEASES_URL", format!("http://{closed}"))
        .args(["-v", "operator", "install", "--version", "0.45.2", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let asset = format!("GET http://{closed}/0.45.2/strimzi-cluster-operator-0.45.2.yaml failed after ");
    assert!(stderr(&out).contains(&asset), "{}", output_text(&out));
}
