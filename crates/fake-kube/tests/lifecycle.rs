//! Deletion, garbage collection, watches and fault injection of the fake API server.

use fake_kube::{FailWith, FakeCluster};
use serde_json::{Value, json};
use std::time::Duration;

const CM: &str = "/api/v1/namespaces/kafka/configmaps";

fn cluster() -> FakeCluster {
    FakeCluster::builder().namespace("kafka").start()
}

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "kafka"}})
}

/// An owner ConfigMap and a dependent with an ownerReference to it.
fn owner_and_dependent(fc: &FakeCluster, dependent_finalizer: bool) -> String {
    let owner = fc.store().put(cm("owner")).unwrap();
    let mut dep = cm("dependent");
    dep["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": owner["metadata"]["uid"], "blockOwnerDeletion": true}]);
    if dependent_finalizer {
        dep["metadata"]["finalizers"] = json!(["test/hold"]);
    }
    fc.store().put(dep).unwrap();
    owner["metadata"]["uid"].as_str().unwrap().to_string()
}

fn exists(fc: &FakeCluster, name: &str) -> bool {
    fc.store().get("v1", "ConfigMap", Some("kafka"), name).is_some()
}

#[test]
fn background_deletion_removes_dependents_after_the_owner() {
    let fc = cluster();
    owner_and_dependent(&fc, false);
    assert_eq!(fc.client().delete(&format!("{CM}/owner")).status, 200);
    assert!(!exists(&fc, "owner"));
    assert!(!exists(&fc, "dependent"));
}

#[test]
fn foreground_deletion_keeps_the_owner_until_dependents_are_gone() {
    let fc = cluster();
    owner_and_dependent(&fc, true);
    let r = fc.client().request(
        "DELETE",
        &format!("{CM}/owner"),
        Some("application/json"),
        r#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}"#,
    );
    assert_eq!(r.status, 200);
    let owner = fc.store().get("v1", "ConfigMap", Some("kafka"), "owner").unwrap();
    assert!(owner["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(owner["metadata"]["finalizers"], json!(["foregroundDeletion"]));
    let dep = fc.store().get("v1", "ConfigMap", Some("kafka"), "dependent").unwrap();
    assert!(
        dep["metadata"]["deletionTimestamp"].is_string(),
        "the dependent is being deleted"
    );
    fc.store()
        .merge_patch(
            "v1",
            "ConfigMap",
            Some("kafka"),
            "dependent",
            json!({"metadata": {"finalizers": null}}),
        )
        .unwrap();
    assert!(!exists(&fc, "dependent"));
    assert!(!exists(&fc, "owner"), "the owner goes once its dependents are gone");
}

#[test]
fn orphan_deletion_keeps_dependents_without_the_owner_reference() {
    let fc = cluster();
    owner_and_dependent(&fc, false);
    let r = fc.client().delete(&format!("{CM}/owner?propagationPolicy=Orphan"));
    assert_eq!(r.status, 200);
    assert!(!exists(&fc, "owner"));
    let dep = fc.store().get("v1", "ConfigMap", Some("kafka"), "dependent").unwrap();
    assert!(dep["metadata"].get("ownerReferences").is_none());
}

#[test]
fn an_object_created_after_its_owner_was_deleted_is_collected() {
    let fc = cluster();
    let uid = owner_and_dependent(&fc, false);
    assert_eq!(fc.client().delete(&format!("{CM}/owner")).status, 200);
    // A controller with a stale cache re-creates the dependent: the collector takes it.
    let mut late = cm("late");
    late["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "owner", "uid": uid}]);
    fc.store().put(late).unwrap();
    assert!(!exists(&fc, "late"));
    // One live owner among dead ones keeps it.
    let alive = fc.store().put(cm("alive")).unwrap();
    let mut kept = cm("kept");
    kept["metadata"]["ownerReferences"] = json!([
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid},
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "alive", "uid": alive["metadata"]["uid"]},
    ]);
    fc.store().put(kept).unwrap();
    assert!(exists(&fc, "kept"));
}

#[test]
fn finalizers_hold_a_deleted_object_until_they_are_removed() {
    let fc = cluster();
    let mut obj = cm("held");
    obj["metadata"]["finalizers"] = json!(["kafkactl.io/cleanup"]);
    fc.store().put(obj).unwrap();
    let r = fc.client().delete(&format!("{CM}/held"));
    assert_eq!(r.status, 200);
    assert!(r.json()["metadata"]["deletionTimestamp"].is_string());
    assert!(exists(&fc, "held"));
    let r = fc.client().patch(
        &format!("{CM}/held"),
        "application/merge-patch+json",
        r#"{"metadata":{"finalizers":null}}"#,
    );
    assert_eq!(r.status, 200);
    assert!(!exists(&fc, "held"));
}

#[test]
fn deleting_a_namespace_deletes_its_contents_and_refuses_new_ones_while_terminating() {
    let fc = cluster();
    fc.store().put(cm("a")).unwrap();
    let mut held = cm("held");
    held["metadata"]["finalizers"] = json!(["x/y"]);
    fc.store().put(held).unwrap();
    assert_eq!(fc.client().delete("/api/v1/namespaces/kafka").status, 200);
    assert!(!exists(&fc, "a"));
    let ns = fc.store().get("v1", "Namespace", None, "kafka").unwrap();
    assert_eq!(ns["status"]["phase"], "Terminating");
    let r = fc.client().post(CM, &cm("new"));
    assert_eq!(r.status, 403);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("because it is being terminated")
    );
    fc.store()
        .merge_patch(
            "v1",
            "ConfigMap",
            Some("kafka"),
            "held",
            json!({"metadata": {"finalizers": null}}),
        )
        .unwrap();
    assert!(fc.store().get("v1", "Namespace", None, "kafka").is_none());
}

#[test]
fn watch_from_zero_sends_current_objects_then_live_changes() {
    let fc = cluster();
    fc.store().put(cm("existing")).unwrap();
    let store = fc.store();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        store.put(cm("later")).unwrap();
        store.delete("v1", "ConfigMap", Some("kafka"), "later").unwrap();
    });
    let events = fc
        .client()
        .watch(&format!("{CM}?watch=true&resourceVersion=0"), 3, Duration::from_secs(5));
    t.join().unwrap();
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().into(),
                e["object"]["metadata"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ADDED".into(), "existing".into()),
            ("ADDED".into(), "later".into()),
            ("DELETED".into(), "later".into())
        ]
    );
}

#[test]
fn watch_from_a_resource_version_replays_only_later_events() {
    let fc = cluster();
    let first = fc.store().put(cm("first")).unwrap();
    fc.store().put(cm("second")).unwrap();
    let rv = first["metadata"]["resourceVersion"].as_str().unwrap();
    let events = fc
        .client()
        .watch(&format!("{CM}?watch=1&resourceVersion={rv}"), 1, Duration::from_secs(2));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["object"]["metadata"]["name"], "second");
}

#[test]
fn single_object_watch_by_field_selector_sees_only_that_object() {
    let fc = cluster();
    fc.store().put(cm("other")).unwrap();
    fc.store().put(cm("mine")).unwrap();
    let events = fc.client().watch(
        &format!("{CM}?watch=true&fieldSelector=metadata.name%3Dmine"),
        5,
        Duration::from_millis(500),
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["object"]["metadata"]["name"], "mine");
}

#[test]
fn watches_get_bookmarks_when_asked() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .bookmark_interval(Duration::from_millis(100))
        .start();
    let events = fc.client().watch(
        &format!("{CM}?watch=true&allowWatchBookmarks=true&resourceVersion=0"),
        1,
        Duration::from_secs(3),
    );
    assert_eq!(events[0]["type"], "BOOKMARK");
    assert!(events[0]["object"]["metadata"]["resourceVersion"].is_string());
}

#[test]
fn watch_from_a_compacted_resource_version_is_gone() {
    let fc = FakeCluster::builder().namespace("kafka").history_capacity(5).start();
    for i in 0..20 {
        fc.store().put(cm(&format!("c{i}"))).unwrap();
    }
    let events = fc
        .client()
        .watch(&format!("{CM}?watch=true&resourceVersion=2"), 5, Duration::from_secs(2));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    assert_eq!(events[0]["object"]["reason"], "Expired");
}

#[test]
fn watch_honours_timeout_seconds() {
    let fc = cluster();
    let start = std::time::Instant::now();
    let events = fc.client().watch(
        &format!("{CM}?watch=true&timeoutSeconds=1"),
        10,
        Duration::from_secs(10),
    );
    assert!(events.is_empty());
    assert!(start.elapsed() < Duration::from_secs(5), "the server ended the stream");
}

#[test]
fn watch_list_sends_initial_events_then_the_end_bookmark() {
    let fc = cluster();
    fc.store().put(cm("x")).unwrap();
    let events = fc.client().watch(
        &format!("{CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"),
        2,
        Duration::from_secs(3),
    );
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[1]["type"], "BOOKMARK");
    assert_eq!(
        events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
}

#[test]
fn injected_watch_drop_closes_streams_after_n_events() {
    let fc = cluster();
    for i in 0..5 {
        fc.store().put(cm(&format!("w{i}"))).unwrap();
    }
    fc.faults().close_watches_after(Some(2));
    let events = fc
        .client()
        .watch(&format!("{CM}?watch=true"), 10, Duration::from_secs(3));
    assert_eq!(events.len(), 2);
}

#[test]
fn injected_failures_hit_the_next_matching_requests_only() {
    let fc = cluster();
    let c = fc.client();
    fc.faults().fail_next(1, FailWith::Unavailable);
    let r = c.get(CM);
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(c.get(CM).status, 200);

    fc.faults().fail_next(1, FailWith::TooManyRequests);
    let r = c.get(CM);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["reason"], "TooManyRequests");

    fc.faults()
        .fail_next_matching(2, FailWith::InternalError, Some("POST"), Some("/configmaps"));
    assert_eq!(c.get(CM).status, 200, "GETs are not matched");
    assert_eq!(c.post(CM, &cm("a")).status, 500);
    assert_eq!(c.post(CM, &cm("a")).status, 500);
    assert_eq!(c.post(CM, &cm("a")).status, 201);
}

#[test]
fn injected_latency_delays_requests() {
    let fc = FakeCluster::builder().latency_ms(200).start();
    let start = std::time::Instant::now();
    fc.client().get("/api/v1/namespaces");
    assert!(start.elapsed() >= Duration::from_millis(200));
    fc.faults().set_latency_ms(0);
}

#[test]
fn forbidden_verbs_get_an_rbac_status_and_access_reviews_say_no() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .strimzi(fake_kube::StrimziRelease::V1_2_0)
        .start();
    fc.faults().forbid_in("create", "kafkas", "kafka");
    let kafka = json!({"apiVersion": "kafka.strimzi.io/v1", "kind": "Kafka", "metadata": {"name": "k", "namespace": "kafka"}, "spec": {}});
    let r = fc
        .client()
        .post("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas", &kafka);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["message"],
        "kafkas.kafka.strimzi.io is forbidden: User \"system:serviceaccount:test:kafkactl\" cannot create resource \"kafkas\" in API group \"kafka.strimzi.io\" in the namespace \"kafka\""
    );
    let review = |ns: &str| {
        fc.client()
            .post(
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                    "spec": {"resourceAttributes": {"verb": "create", "group": "kafka.strimzi.io", "resource": "kafkas", "namespace": ns}}}),
            )
            .json()["status"]["allowed"]
            .clone()
    };
    assert_eq!(review("kafka"), json!(false));
    assert_eq!(review("elsewhere"), json!(true));
}

#[test]
fn the_request_log_records_every_request_and_can_be_cleared() {
    let fc = cluster();
    fc.clear_requests();
    fc.client().get(CM);
    fc.client().post(CM, &cm("logged"));
    fc.client().post(
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {}}),
    );
    let all = fc.requests();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].method, "POST");
    assert_eq!(all[1].status, 201);
    assert_eq!(all[1].content_type.as_deref(), Some("application/json"));
    assert!(all[1].body.contains("logged"));
    let writes = fc.write_requests();
    assert_eq!(writes.len(), 1, "access reviews are not writes");
    fc.clear_requests();
    assert!(fc.requests().is_empty());
}

#[test]
fn a_restarted_server_keeps_its_store_and_port() {
    let fc = cluster();
    fc.store().put(cm("survivor")).unwrap();
    let url = fc.url();
    fc.shutdown();
    assert_eq!(fc.client().get(CM).status, 0, "nothing listens while stopped");
    fc.restart().unwrap();
    assert_eq!(fc.url(), url);
    let r = fc.client().get(&format!("{CM}/survivor"));
    assert_eq!(r.status, 200);
}

#[test]
fn controllers_started_with_the_cluster_see_store_events() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .with_controller(Box::new(|store: fake_kube::Store| {
            // Subscribed when the cluster starts, not when the task first
            // runs: a write made before that would be missed.
            let mut events = store.subscribe();
            Box::pin(async move {
                while let Ok(ev) = events.recv().await {
                    if let fake_kube::StoreEvent::Added(obj) = ev
                        && obj["kind"] == "ConfigMap"
                        && obj["metadata"]["name"] == "ping"
                    {
                        let _ = store.put(json!({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "pong", "namespace": "kafka"}}));
                    }
                }
            })
        }))
        .start();
    fc.client().post(CM, &cm("ping"));
    assert!(fc.wait_until(Duration::from_secs(3), |s| {
        s.get("v1", "ConfigMap", Some("kafka"), "pong").is_some()
    }));
}
