//! Behaviour of the fake API server over HTTP: SSA, patches, concurrency, dry-run,
//! deletion and GC, subresources, selectors, CRDs and schema validation.

use fake_kube::client::TestClient;
use fake_kube::{FakeCluster, StrimziRelease};
use serde_json::{Value, json};

const CM: &str = "/api/v1/namespaces/kafka/configmaps";
const DEPLOY: &str = "/apis/apps/v1/namespaces/kafka/deployments";

fn cluster() -> FakeCluster {
    FakeCluster::builder().namespace("kafka").start()
}

fn configmap(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "kafka"}, "data": data})
}

fn deployment(name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "kafka"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1",
                    "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}]}]}}}})
}

fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"].as_str().unwrap().to_string()
}

fn managers(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap().to_string(),
                        e["operation"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn fields_of<'a>(obj: &'a Value, manager: &str) -> &'a Value {
    obj["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manager"] == manager)
        .map(|e| &e["fieldsV1"])
        .unwrap_or(&Value::Null)
}

fn apply(c: &TestClient, path: &str, manager: &str, force: bool, body: &Value) -> (u16, Value) {
    let r = c.apply(path, manager, force, body);
    (r.status, r.json())
}

#[test]
fn apply_creates_the_object_and_an_identical_reapply_changes_nothing() {
    let fc = cluster();
    let c = fc.client();
    let (code, created) = apply(&c, &format!("{DEPLOY}/web"), "kafkactl", false, &deployment("web", 2));
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["metadata"]["generation"], 1);
    assert_eq!(managers(&created), vec![("kafkactl".into(), "Apply".into())]);
    let (code, again) = apply(&c, &format!("{DEPLOY}/web"), "kafkactl", false, &deployment("web", 2));
    assert_eq!(code, 200);
    assert_eq!(rv(&again), rv(&created), "a no-op apply keeps the resourceVersion");
}

#[test]
fn managed_fields_use_the_fieldsv1_encoding_with_keyed_list_items() {
    let fc = cluster();
    let c = fc.client();
    let (_, obj) = apply(&c, &format!("{DEPLOY}/web"), "kafkactl", false, &deployment("web", 2));
    let f = fields_of(&obj, "kafkactl");
    let container = &f["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"];
    assert_eq!(container["."], json!({}));
    assert_eq!(container["f:image"], json!({}));
    assert_eq!(container["f:env"]["k:{\"name\":\"A\"}"]["f:value"], json!({}));
    assert_eq!(
        container["f:ports"]["k:{\"containerPort\":80}"]["f:containerPort"],
        json!({})
    );
    assert_eq!(f["f:spec"]["f:replicas"], json!({}));
    let entry = &obj["metadata"]["managedFields"][0];
    assert_eq!(entry["fieldsType"], "FieldsV1");
    assert_eq!(entry["apiVersion"], "apps/v1");
}

#[test]
fn apply_by_second_manager_with_different_value_conflicts() {
    let fc = cluster();
    let c = fc.client();
    apply(
        &c,
        &format!("{DEPLOY}/web"),
        "other-manager",
        false,
        &deployment("web", 2),
    );
    let (code, status) = apply(&c, &format!("{DEPLOY}/web"), "kafkactl", false, &deployment("web", 3));
    assert_eq!(code, 409);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Apply failed with 1 conflict: conflict with \"other-manager\": .spec.replicas"
    );
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "FieldManagerConflict", "message": "conflict with \"other-manager\"", "field": ".spec.replicas"}])
    );
    // As on a real API server (tests/differential.rs): an apply conflict's details carry
    // only the causes.
    assert!(status["details"].get("kind").is_none() && status["details"].get("name").is_none());
}

#[test]
fn apply_by_second_manager_with_same_value_shares_ownership() {
    let fc = cluster();
    let c = fc.client();
    apply(&c, &format!("{DEPLOY}/web"), "a", false, &deployment("web", 2));
    let (code, obj) = apply(&c, &format!("{DEPLOY}/web"), "b", false, &deployment("web", 2));
    assert_eq!(code, 200);
    assert_eq!(fields_of(&obj, "a")["f:spec"]["f:replicas"], json!({}));
    assert_eq!(fields_of(&obj, "b")["f:spec"]["f:replicas"], json!({}));
}

#[test]
fn forced_apply_takes_ownership_from_the_other_manager() {
    let fc = cluster();
    let c = fc.client();
    apply(
        &c,
        &format!("{DEPLOY}/web"),
        "other-manager",
        false,
        &deployment("web", 2),
    );
    let (code, obj) = apply(&c, &format!("{DEPLOY}/web"), "kafkactl", true, &deployment("web", 3));
    assert_eq!(code, 200);
    assert_eq!(obj["spec"]["replicas"], 3);
    assert_eq!(fields_of(&obj, "kafkactl")["f:spec"]["f:replicas"], json!({}));
    assert!(fields_of(&obj, "other-manager")["f:spec"].get("f:replicas").is_none());
    assert_eq!(obj["metadata"]["generation"], 2);
}

#[test]
fn apply_removes_fields_the_manager_stopped_applying() {
    let fc = cluster();
    let c = fc.client();
    let path = format!("{CM}/cfg");
    apply(
        &c,
        &path,
        "kafkactl",
        false,
        &configmap("cfg", json!({"a": "1", "b": "2"})),
    );
    let (_, obj) = apply(&c, &path, "kafkactl", false, &configmap("cfg", json!({"a": "1"})));
    assert_eq!(obj["data"], json!({"a": "1"}));
}

#[test]
fn a_field_dropped_by_one_manager_stays_while_another_owns_it() {
    let fc = cluster();
    let c = fc.client();
    let path = format!("{CM}/cfg");
    apply(&c, &path, "a", false, &configmap("cfg", json!({"x": "1", "y": "2"})));
    apply(&c, &path, "b", false, &configmap("cfg", json!({"y": "2"})));
    let (_, obj) = apply(&c, &path, "a", false, &configmap("cfg", json!({"x": "1"})));
    assert_eq!(obj["data"], json!({"x": "1", "y": "2"}));
}

#[test]
fn apply_without_field_manager_is_a_bad_request() {
    let fc = cluster();
    let r = fc.client().patch(
        &format!("{CM}/cfg"),
        "application/apply-patch+yaml",
        &configmap("cfg", json!({})).to_string(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["reason"], "BadRequest");
}

#[test]
fn apply_accepts_yaml_bodies() {
    let fc = cluster();
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-cm\n  namespace: kafka\ndata:\n  k: v\n";
    let r = fc.client().patch(
        &format!("{CM}/yaml-cm?fieldManager=kafkactl"),
        "application/apply-patch+yaml",
        yaml,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["data"]["k"], "v");
}

#[test]
fn update_writes_record_an_update_entry_for_their_manager() {
    let fc = cluster();
    let c = fc.client();
    let r = c.post(
        &format!("{CM}?fieldManager=kubectl-client-side-apply"),
        &configmap("u", json!({"a": "1"})),
    );
    assert_eq!(r.status, 201);
    let r = c.patch(
        &format!("{CM}/u"),
        "application/merge-patch+json",
        r#"{"data":{"b":"2"}}"#,
    );
    let obj = r.json();
    assert_eq!(
        managers(&obj),
        vec![
            ("kubectl-client-side-apply".into(), "Update".into()),
            ("fake-kube-test".into(), "Update".into())
        ]
    );
    assert_eq!(fields_of(&obj, "fake-kube-test")["f:data"], json!({"f:b": {}}));
}

#[test]
fn put_with_a_stale_resource_version_conflicts() {
    let fc = cluster();
    let c = fc.client();
    let created = c.post(CM, &configmap("p", json!({"a": "1"}))).json();
    let mut first = created.clone();
    first["data"]["a"] = json!("2");
    assert_eq!(c.put(&format!("{CM}/p"), &first).status, 200);
    let mut stale = created;
    stale["data"]["a"] = json!("3");
    let r = c.put(&format!("{CM}/p"), &stale);
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json()["message"],
        "Operation cannot be fulfilled on configmaps \"p\": the object has been modified; please apply your changes to the latest version and try again"
    );
}

#[test]
fn creating_twice_is_already_exists() {
    let fc = cluster();
    let c = fc.client();
    c.post(CM, &configmap("twice", json!({})));
    let r = c.post(CM, &configmap("twice", json!({})));
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["reason"], "AlreadyExists");
    assert_eq!(r.json()["message"], "configmaps \"twice\" already exists");
}

#[test]
fn missing_objects_are_not_found_with_a_real_status_body() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .strimzi(StrimziRelease::V1_2_0)
        .start();
    let r = fc
        .client()
        .get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/my-cluster");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "kafkas.kafka.strimzi.io \"my-cluster\" not found", "reason": "NotFound",
            "details": {"name": "my-cluster", "group": "kafka.strimzi.io", "kind": "kafkas"}, "code": 404})
    );
}

#[test]
fn objects_in_a_missing_namespace_are_rejected() {
    let fc = cluster();
    let mut cm = configmap("x", json!({}));
    cm["metadata"]["namespace"] = json!("nope");
    let r = fc.client().post("/api/v1/namespaces/nope/configmaps", &cm);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "namespaces \"nope\" not found");
}

#[test]
fn merge_patch_null_removes_a_field() {
    let fc = cluster();
    let c = fc.client();
    c.post(CM, &configmap("m", json!({"a": "1", "b": "2"})));
    let r = c.patch(
        &format!("{CM}/m"),
        "application/merge-patch+json",
        r#"{"data":{"a":null}}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"], json!({"b": "2"}));
}

#[test]
fn json_patch_replaces_and_a_failed_test_is_unprocessable() {
    let fc = cluster();
    let c = fc.client();
    c.post(DEPLOY, &deployment("j", 1));
    let r = c.patch(
        &format!("{DEPLOY}/j"),
        "application/json-patch+json",
        r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
    );
    assert_eq!(r.json()["spec"]["replicas"], 4);
    let r = c.patch(
        &format!("{DEPLOY}/j"),
        "application/json-patch+json",
        r#"[{"op":"test","path":"/spec/replicas","value":1}]"#,
    );
    assert_eq!(r.status, 422);
}

#[test]
fn strategic_merge_patch_merges_containers_by_name() {
    let fc = cluster();
    let c = fc.client();
    c.post(DEPLOY, &deployment("s", 1));
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:2"}, {"name": "side", "image": "busybox"}]}}}});
    let r = c.patch(
        &format!("{DEPLOY}/s"),
        "application/strategic-merge-patch+json",
        &patch.to_string(),
    );
    let containers = &r.json()["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers.as_array().unwrap().len(), 2);
    assert_eq!(containers[0]["image"], "nginx:2");
    assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
}

#[test]
fn dry_run_writes_answer_but_never_persist_or_notify() {
    let fc = cluster();
    let c = fc.client();
    let mut events = fc.store().subscribe();
    let r = c.post(&format!("{CM}?dryRun=All"), &configmap("dry", json!({})));
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["metadata"]["name"], "dry");
    let r = c.apply(
        &format!("{CM}/dry2?dryRun=All"),
        "kafkactl",
        false,
        &configmap("dry2", json!({})),
    );
    assert_eq!(r.status, 201);
    c.post(CM, &configmap("real", json!({})));
    let r = c.request("DELETE", &format!("{CM}/real?dryRun=All"), None, "");
    assert_eq!(r.status, 200);
    assert_eq!(c.get(&format!("{CM}/dry")).status, 404);
    assert_eq!(c.get(&format!("{CM}/dry2")).status, 404);
    assert_eq!(c.get(&format!("{CM}/real")).status, 200);
    let ev = events.try_recv().unwrap();
    assert_eq!(ev.object()["metadata"]["name"], "real", "only the real create is seen");
    assert!(events.try_recv().is_err());
}

#[test]
fn generation_bumps_only_when_spec_changes() {
    let fc = cluster();
    let c = fc.client();
    c.post(DEPLOY, &deployment("g", 1));
    let r = c.patch(
        &format!("{DEPLOY}/g"),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"x":"y"}}}"#,
    );
    assert_eq!(r.json()["metadata"]["generation"], 1);
    let r = c.patch(
        &format!("{DEPLOY}/g"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":2}}"#,
    );
    assert_eq!(r.json()["metadata"]["generation"], 2);
    let r = c.patch(
        &format!("{DEPLOY}/g/status"),
        "application/merge-patch+json",
        r#"{"status":{"replicas":2}}"#,
    );
    assert_eq!(r.json()["metadata"]["generation"], 2);
}

#[test]
fn status_subresource_separates_spec_and_status_writes() {
    let fc = cluster();
    let c = fc.client();
    let mut d = deployment("st", 1);
    d["status"] = json!({"replicas": 9});
    let created = c.post(DEPLOY, &d).json();
    assert!(created.get("status").is_none(), "status is ignored on create");
    let r = c.patch(
        &format!("{DEPLOY}/st/status"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":5},"status":{"readyReplicas":1}}"#,
    );
    let obj = r.json();
    assert_eq!(obj["status"]["readyReplicas"], 1);
    assert_eq!(obj["spec"]["replicas"], 1, "a status write ignores spec");
    let r = c.patch(
        &format!("{DEPLOY}/st"),
        "application/merge-patch+json",
        r#"{"status":{"readyReplicas":7}}"#,
    );
    assert_eq!(r.json()["status"]["readyReplicas"], 1, "a main write ignores status");
}

#[test]
fn scale_subresource_reads_and_writes_replicas() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .strimzi(StrimziRelease::V1_2_0)
        .start();
    let c = fc.client();
    c.post(DEPLOY, &deployment("sc", 1));
    let scale = c.get(&format!("{DEPLOY}/sc/scale")).json();
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 1);
    assert_eq!(scale["status"]["selector"], "app=sc");
    let r = c.patch(
        &format!("{DEPLOY}/sc/scale"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":4}}"#,
    );
    assert_eq!(r.json()["spec"]["replicas"], 4);
    assert_eq!(c.get(&format!("{DEPLOY}/sc")).json()["spec"]["replicas"], 4);

    let pool = json!({"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaNodePool",
        "metadata": {"name": "brokers", "namespace": "kafka", "labels": {"strimzi.io/cluster": "c"}},
        "spec": {"replicas": 3, "roles": ["broker"], "storage": {"type": "ephemeral"}}});
    let r = c.post("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools", &pool);
    assert_eq!(r.status, 201, "{}", r.body);
    let mut scale = c
        .get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools/brokers/scale")
        .json();
    assert_eq!(scale["spec"]["replicas"], 3);
    scale["spec"]["replicas"] = json!(5);
    let r = c.put(
        "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools/brokers/scale",
        &scale,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let pool = c
        .get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools/brokers")
        .json();
    assert_eq!(pool["spec"]["replicas"], 5);
}

#[test]
fn label_and_field_selectors_filter_lists() {
    let fc = cluster();
    let c = fc.client();
    for (name, tier) in [("a", "broker"), ("b", "controller"), ("c", "broker")] {
        let mut cm = configmap(name, json!({}));
        cm["metadata"]["labels"] = json!({"tier": tier});
        c.post(CM, &cm);
    }
    c.post(CM, &configmap("d", json!({})));
    let names = |q: &str| -> Vec<String> {
        c.get(&format!("{CM}?{q}")).json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("labelSelector=tier%3Dbroker"), ["a", "c"]);
    assert_eq!(names("labelSelector=tier!%3Dbroker"), ["b", "d"]);
    assert_eq!(names("labelSelector=tier+in+(controller)"), ["b"]);
    assert_eq!(names("labelSelector=tier+notin+(controller)"), ["a", "c", "d"]);
    assert_eq!(names("labelSelector=tier"), ["a", "b", "c"]);
    assert_eq!(names("labelSelector=!tier"), ["d"]);
    assert_eq!(names("fieldSelector=metadata.name%3Db"), ["b"]);
    let list = c.get(CM).json();
    assert_eq!(list["kind"], "ConfigMapList");
    assert!(
        list["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
}

#[test]
fn events_are_selectable_by_involved_object() {
    let fc = cluster();
    let store = fc.store();
    let pod = store
        .put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p0", "namespace": "kafka"}, "spec": {}}))
        .unwrap();
    store.record_event("kafka", &pod, "Warning", "FailedScheduling", "0/3 nodes are available");
    store.record_event("kafka", &pod, "Warning", "FailedScheduling", "0/3 nodes are available");
    let uid = pod["metadata"]["uid"].as_str().unwrap();
    let list = fc.client().get(&format!(
        "/api/v1/namespaces/kafka/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3Dp0,involvedObject.uid%3D{uid}"
    )).json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "repeats are aggregated");
    assert_eq!(items[0]["count"], 2);
    assert_eq!(items[0]["source"]["component"], "fake-kube");
}

#[test]
fn lists_across_all_namespaces() {
    let fc = FakeCluster::builder().namespace("kafka").namespace("other").start();
    let c = fc.client();
    c.post(CM, &configmap("one", json!({})));
    let mut cm = configmap("two", json!({}));
    cm["metadata"]["namespace"] = json!("other");
    c.post("/api/v1/namespaces/other/configmaps", &cm);
    let items = c.get("/api/v1/configmaps").json()["items"].as_array().unwrap().len();
    assert_eq!(items, 2);
}

#[test]
fn delete_collection_honours_the_label_selector() {
    let fc = cluster();
    let c = fc.client();
    for name in ["a", "b"] {
        let mut cm = configmap(name, json!({}));
        cm["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "kafkactl"});
        c.post(CM, &cm);
    }
    c.post(CM, &configmap("keep", json!({})));
    let r = c.delete(&format!("{CM}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkafkactl"));
    assert_eq!(r.status, 200);
    let left: Vec<Value> = c.get(CM).json()["items"].as_array().unwrap().clone();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["metadata"]["name"], "keep");
}

#[test]
fn crds_are_served_once_created_and_stop_being_served_when_deleted() {
    let fc = FakeCluster::builder().namespace("kafka").start();
    let c = fc.client();
    assert_eq!(c.get("/apis/kafka.strimzi.io/v1").status, 404);
    let crds = StrimziRelease::V1_2_0.crds().unwrap();
    let kafka_crd = crds
        .iter()
        .find(|c| c["metadata"]["name"] == "kafkas.kafka.strimzi.io")
        .unwrap();
    let r = c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kafka_crd);
    assert_eq!(r.status, 201);
    let conditions = r.json()["status"]["conditions"].clone();
    let established = conditions
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Established")
        .unwrap();
    assert_eq!(established["status"], "True");
    let list = c.get("/apis/kafka.strimzi.io/v1").json();
    assert_eq!(list["resources"][0]["name"], "kafkas");
    let kafka = json!({"apiVersion": "kafka.strimzi.io/v1", "kind": "Kafka",
        "metadata": {"name": "k", "namespace": "kafka"},
        "spec": {"kafka": {"listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}]}}});
    let r = c.post("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas", &kafka);
    assert_eq!(r.status, 201, "{}", r.body);
    let r = c.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkas.kafka.strimzi.io");
    assert_eq!(r.status, 200);
    assert_eq!(c.get("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/k").status, 404);
    assert_eq!(c.get("/apis/kafka.strimzi.io/v1").status, 404);
    assert!(
        fc.store()
            .get("kafka.strimzi.io/v1", "Kafka", Some("kafka"), "k")
            .is_none()
    );
}

#[test]
fn strimzi_releases_serve_their_own_api_versions() {
    let new = FakeCluster::builder().strimzi(StrimziRelease::V1_2_0).start();
    assert_eq!(new.client().get("/apis/kafka.strimzi.io/v1").status, 200);
    assert_eq!(new.client().get("/apis/kafka.strimzi.io/v1beta2").status, 404);
    let old = FakeCluster::builder().strimzi(StrimziRelease::V0_45_2).start();
    assert_eq!(old.client().get("/apis/kafka.strimzi.io/v1beta2").status, 200);
    assert_eq!(old.client().get("/apis/kafka.strimzi.io/v1").status, 404);
}

#[test]
fn custom_resources_violating_the_schema_are_unprocessable() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .strimzi(StrimziRelease::V0_45_2)
        .start();
    let kafka = json!({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka",
        "metadata": {"name": "bad", "namespace": "kafka"},
        "spec": {"kafka": {"replicas": "three", "listeners": [], "storage": {"type": "ephemeral"}},
                 "zookeeper": {"replicas": 3, "storage": {"type": "ephemeral"}}}});
    let r = fc
        .client()
        .post("/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkas", &kafka);
    assert_eq!(r.status, 422, "{}", r.body);
    let status = r.json();
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(status["details"]["kind"], "Kafka");
    assert_eq!(status["details"]["group"], "kafka.strimzi.io");
    let causes = status["details"]["causes"].as_array().unwrap();
    assert!(
        causes
            .iter()
            .any(|c| c["field"] == "spec.kafka.replicas" && c["reason"] == "FieldValueTypeInvalid"),
        "{causes:?}"
    );
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .starts_with("Kafka.kafka.strimzi.io \"bad\" is invalid: ")
    );
}

#[test]
fn unknown_fields_of_custom_resources_are_pruned() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .strimzi(StrimziRelease::V1_2_0)
        .start();
    let pool = json!({"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaNodePool",
        "metadata": {"name": "p", "namespace": "kafka", "labels": {"strimzi.io/cluster": "c"}},
        "spec": {"replicas": 1, "roles": ["broker"], "storage": {"type": "ephemeral"}, "bogus": true}});
    let r = fc
        .client()
        .post("/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools", &pool);
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.json()["spec"].get("bogus").is_none());
    assert_eq!(
        r.json()["metadata"]["labels"]["strimzi.io/cluster"],
        "c",
        "metadata survives pruning"
    );
}

#[test]
fn server_side_field_validation_strict_rejects_unknown_fields() {
    let fc = FakeCluster::builder()
        .namespace("kafka")
        .strimzi(StrimziRelease::V1_2_0)
        .start();
    let pool = json!({"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaNodePool",
        "metadata": {"name": "p", "namespace": "kafka"},
        "spec": {"replicas": 1, "roles": ["broker"], "storage": {"type": "ephemeral"}, "bogus": true}});
    let r = fc.client().apply(
        "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools/p?fieldValidation=Strict",
        "kafkactl",
        false,
        &pool,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains(".spec.bogus: field not declared in schema")
    );
}
