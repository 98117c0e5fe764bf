//! The simulated Kubernetes controllers, driven through the store: Deployment and
//! StatefulSet status, scheduling, volume binding, Service allocation and failure modes.

use fake_kube::Store;
use fake_kube::sim::{self, Sim, SimConfig, Simulated};
use serde_json::{Value, json};
use std::time::Duration;

const NS: &str = "apps";
const WAIT: Duration = Duration::from_secs(5);

fn store_with(nodes: Vec<Value>) -> Store {
    let store = Store::new();
    store
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}))
        .unwrap();
    for n in nodes {
        store.put(n).unwrap();
    }
    store
}

fn three_nodes() -> Vec<Value> {
    (1..=3).map(|i| sim::node(&format!("n{i}")).build()).collect()
}

fn storage_class(name: &str, expandable: bool, default: bool) -> Value {
    let mut sc = json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": "fake.csi",
        "allowVolumeExpansion": expandable,
    });
    if default {
        sc["metadata"]["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
    }
    sc
}

fn deployment(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    })
}

fn statefulset(name: &str, replicas: i64, class: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "prom/prometheus:v3"}]},
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                         "resources": {"requests": {"storage": "1Gi"}}},
            }],
        },
    })
}

fn pvc(name: &str, class: Option<&str>, size: &str) -> Value {
    let mut p = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
    });
    if let Some(c) = class {
        p["spec"]["storageClassName"] = json!(c);
    }
    p
}

fn service(name: &str, type_: &str, node_port: Option<i64>) -> Value {
    let mut port = json!({"name": "tcp", "port": 9094, "targetPort": 9094});
    if let Some(np) = node_port {
        port["nodePort"] = json!(np);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"type": type_, "ports": [port], "selector": {"app": name}},
    })
}

fn get(store: &Store, api: &str, kind: &str, name: &str) -> Option<Value> {
    store.get(api, kind, Some(NS), name)
}

fn pods_of(store: &Store, app: &str) -> Vec<Value> {
    store.list("v1", "Pod", Some(NS), Some(&format!("app={app}")))
}

fn events_with(store: &Store, reason: &str) -> Vec<Value> {
    store
        .list("v1", "Event", Some(NS), None)
        .into_iter()
        .filter(|e| e["reason"] == reason)
        .collect()
}

fn rollout_complete(store: &Store, name: &str, replicas: i64) -> bool {
    get(store, "apps/v1", "Deployment", name).is_some_and(|d| {
        let s = &d["status"];
        s["observedGeneration"] == d["metadata"]["generation"]
            && s["updatedReplicas"] == json!(replicas)
            && s["readyReplicas"] == json!(replicas)
            && s["availableReplicas"] == json!(replicas)
            && s["replicas"] == json!(replicas)
    })
}

fn fast() -> SimConfig {
    SimConfig::fast()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_rollout_reports_the_fields_rollout_status_reads() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast()).start(&store);
    store.put(deployment("web", 2, "nginx:1")).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "web", 2)).await);

    let d = get(&store, "apps/v1", "Deployment", "web").unwrap();
    let progressing = d["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Progressing")
        .unwrap()
        .clone();
    assert_eq!(progressing["reason"], "NewReplicaSetAvailable");
    assert!(
        d["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Available" && c["status"] == "True")
    );
    let pods = pods_of(&store, "web");
    assert_eq!(pods.len(), 2);
    for p in &pods {
        let name = p["metadata"]["name"].as_str().unwrap();
        let hash = p["metadata"]["labels"]["pod-template-hash"].as_str().unwrap();
        assert!(name.starts_with(&format!("web-{hash}-")), "{name}");
        assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "Deployment");
        assert_eq!(p["status"]["phase"], "Running");
        assert!(p["spec"]["nodeName"].is_string());
        assert!(p["status"]["podIP"].is_string());
        assert_eq!(p["status"]["containerStatuses"][0]["ready"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_template_change_replaces_every_pod() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast()).start(&store);
    store.put(deployment("web", 2, "nginx:1")).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "web", 2)).await);
    let before: Vec<String> = pods_of(&store, "web")
        .iter()
        .map(|p| p["metadata"]["uid"].as_str().unwrap().to_string())
        .collect();

    store.put(deployment("web", 2, "nginx:2")).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "web", 2)).await);
    let after = pods_of(&store, "web");
    assert_eq!(after.len(), 2);
    assert!(
        after
            .iter()
            .all(|p| !before.contains(&p["metadata"]["uid"].as_str().unwrap().to_string()))
    );
    assert!(after.iter().all(|p| p["spec"]["containers"][0]["image"] == "nginx:2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_a_deployment_down_deletes_pods() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast()).start(&store);
    store.put(deployment("web", 3, "nginx:1")).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "web", 3)).await);
    store
        .merge_patch(
            "apps/v1",
            "Deployment",
            Some(NS),
            "web",
            json!({"spec": {"replicas": 1}}),
        )
        .unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "web", 1)).await);
    assert_eq!(pods_of(&store, "web").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_names_pods_and_claims_by_ordinal_and_keeps_claims_on_delete() {
    let store = store_with(three_nodes());
    store.put(storage_class("standard", true, true)).unwrap();
    let _sim = Sim::new(fast()).start(&store);
    store.put(statefulset("prom", 2, "standard")).unwrap();
    let ready = |s: &Store| {
        get(s, "apps/v1", "StatefulSet", "prom").is_some_and(|st| {
            st["status"]["readyReplicas"] == 2
                && st["status"]["updatedReplicas"] == 2
                && st["status"]["currentReplicas"] == 2
                && st["status"]["currentRevision"] == st["status"]["updateRevision"]
                && st["status"]["observedGeneration"] == 1
        })
    };
    assert!(sim::wait_until(&store, WAIT, ready).await);
    for i in 0..2 {
        let pod = get(&store, "v1", "Pod", &format!("prom-{i}")).unwrap();
        assert_eq!(
            pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            format!("data-prom-{i}")
        );
        let claim = get(&store, "v1", "PersistentVolumeClaim", &format!("data-prom-{i}")).unwrap();
        assert_eq!(claim["status"]["phase"], "Bound");
        assert!(claim["spec"]["volumeName"].as_str().unwrap().starts_with("pvc-"));
    }
    store.delete("apps/v1", "StatefulSet", Some(NS), "prom").unwrap();
    assert!(get(&store, "v1", "Pod", "prom-0").is_none());
    assert!(get(&store, "v1", "PersistentVolumeClaim", "data-prom-0").is_some());
}

fn anti_affine(name: &str, replicas: i64) -> Value {
    let mut d = deployment(name, replicas, "busybox");
    d["spec"]["template"]["spec"]["affinity"] = json!({"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": {"app": name}},
            "topologyKey": "kubernetes.io/hostname",
        }],
    }});
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_that_fits_no_node_stays_pending_with_a_failed_scheduling_event() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast()).start(&store);
    store.put(anti_affine("spread", 4)).unwrap();
    let want = "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.";
    assert!(
        sim::wait_until(&store, WAIT, |s| events_with(s, "FailedScheduling")
            .iter()
            .any(|e| e["message"] == want))
        .await
    );
    let pods = pods_of(&store, "spread");
    let pending: Vec<&Value> = pods.iter().filter(|p| p["spec"]["nodeName"].is_null()).collect();
    assert_eq!(pending.len(), 1);
    let cond = &pending[0]["status"]["conditions"][0];
    assert_eq!(cond["type"], "PodScheduled");
    assert_eq!(cond["status"], "False");
    assert_eq!(cond["reason"], "Unschedulable");
    let nodes: std::collections::BTreeSet<&str> = pods.iter().filter_map(|p| p["spec"]["nodeName"].as_str()).collect();
    assert_eq!(nodes.len(), 3, "the three scheduled pods are on distinct nodes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unschedulable_and_tainted_nodes_are_skipped_unless_tolerated() {
    let nodes = vec![
        sim::node("cordoned").unschedulable().build(),
        sim::node("dedicated").taint("dedicated", "kafka", "NoSchedule").build(),
    ];
    let store = store_with(nodes);
    let _sim = Sim::new(fast()).start(&store);
    store.put(deployment("plain", 1, "busybox")).unwrap();
    let mut tolerant = deployment("tolerant", 1, "busybox");
    tolerant["spec"]["template"]["spec"]["tolerations"] =
        json!([{"key": "dedicated", "operator": "Equal", "value": "kafka", "effect": "NoSchedule"}]);
    store.put(tolerant).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "tolerant", 1)).await);
    assert_eq!(pods_of(&store, "tolerant")[0]["spec"]["nodeName"], "dedicated");
    let want =
        "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: kafka}, 1 node(s) were unschedulable.";
    assert!(
        sim::wait_until(&store, WAIT, |s| events_with(s, "FailedScheduling")
            .iter()
            .any(|e| e["message"] == want))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_of_a_missing_class_is_pending_until_the_class_appears() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast()).start(&store);
    store.put(pvc("data", Some("fast"), "1Gi")).unwrap();
    let msg = "storageclass.storage.k8s.io \"fast\" not found";
    assert!(
        sim::wait_until(&store, WAIT, |s| events_with(s, "ProvisioningFailed")
            .iter()
            .any(|e| e["message"] == msg))
        .await
    );
    assert_eq!(
        get(&store, "v1", "PersistentVolumeClaim", "data").unwrap()["status"]["phase"],
        "Pending"
    );
    assert_eq!(events_with(&store, "ProvisioningFailed")[0]["type"], "Warning");

    store.put(storage_class("fast", false, false)).unwrap();
    assert!(
        sim::wait_until(&store, WAIT, |s| get(s, "v1", "PersistentVolumeClaim", "data")
            .is_some_and(|p| p["status"]["phase"] == "Bound"))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_without_class_uses_the_default_and_grows_when_expansion_is_allowed() {
    let store = store_with(three_nodes());
    store.put(storage_class("standard", true, true)).unwrap();
    let _sim = Sim::new(fast()).start(&store);
    store.put(pvc("data", None, "10Gi")).unwrap();
    let bound =
        |s: &Store| get(s, "v1", "PersistentVolumeClaim", "data").is_some_and(|p| p["status"]["phase"] == "Bound");
    assert!(sim::wait_until(&store, WAIT, bound).await);
    let claim = get(&store, "v1", "PersistentVolumeClaim", "data").unwrap();
    assert_eq!(claim["spec"]["storageClassName"], "standard");
    let pv = store
        .get(
            "v1",
            "PersistentVolume",
            None,
            claim["spec"]["volumeName"].as_str().unwrap(),
        )
        .unwrap();
    assert_eq!(pv["spec"]["claimRef"]["name"], "data");

    store
        .merge_patch(
            "v1",
            "PersistentVolumeClaim",
            Some(NS),
            "data",
            json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}}}),
        )
        .unwrap();
    assert!(
        sim::wait_until(&store, WAIT, |s| get(s, "v1", "PersistentVolumeClaim", "data")
            .is_some_and(|p| p["status"]["capacity"]["storage"] == "20Gi"))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_of_a_class_without_expansion_keeps_its_capacity() {
    let store = store_with(three_nodes());
    store.put(storage_class("fixed", false, false)).unwrap();
    let _sim = Sim::new(fast()).start(&store);
    store.put(pvc("data", Some("fixed"), "10Gi")).unwrap();
    let bound =
        |s: &Store| get(s, "v1", "PersistentVolumeClaim", "data").is_some_and(|p| p["status"]["phase"] == "Bound");
    assert!(sim::wait_until(&store, WAIT, bound).await);
    // The API refuses the growth itself, as a real one does (the
    // PersistentVolumeClaimResize admission plugin), and nothing grows.
    let refused = store
        .merge_patch(
            "v1",
            "PersistentVolumeClaim",
            Some(NS),
            "data",
            json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}}}),
        )
        .unwrap_err();
    assert_eq!(refused.code, 403, "{refused:?}");
    assert!(refused.message.contains("must support resize"), "{}", refused.message);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let claim = get(&store, "v1", "PersistentVolumeClaim", "data").unwrap();
    assert_eq!(claim["status"]["capacity"]["storage"], "10Gi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancer_gets_an_address_after_the_delay() {
    let store = store_with(three_nodes());
    let cfg = fast().load_balancer_delay(Duration::from_millis(150));
    let _sim = Sim::new(cfg).start(&store);
    store.put(service("lb", "LoadBalancer", None)).unwrap();
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert!(get(&store, "v1", "Service", "lb").unwrap()["status"]["loadBalancer"]["ingress"].is_null());
    let has_ip = |s: &Store| {
        get(s, "v1", "Service", "lb")
            .and_then(|svc| {
                svc["status"]["loadBalancer"]["ingress"][0]["ip"]
                    .as_str()
                    .map(str::to_string)
            })
            .is_some_and(|ip| ip.starts_with("10."))
    };
    assert!(sim::wait_until(&store, WAIT, has_ip).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancer_never_gets_an_address_without_a_cloud_controller() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast().no_load_balancer()).start(&store);
    store.put(service("lb", "LoadBalancer", None)).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let svc = get(&store, "v1", "Service", "lb").unwrap();
    assert!(svc["status"]["loadBalancer"]["ingress"].is_null());
    assert!(
        svc["spec"]["ports"][0]["nodePort"].is_i64(),
        "LoadBalancer ports still get node ports"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_ports_are_allocated_at_write_time_and_a_taken_port_is_refused() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast()).start(&store);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let a = store.put(service("a", "NodePort", None)).unwrap();
    let allocated = a["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30000..=32767).contains(&allocated));
    assert!(a["spec"]["clusterIP"].as_str().unwrap().starts_with("10.96."));
    store.put(service("b", "NodePort", Some(31000))).unwrap();

    let err = store.put(service("c", "NodePort", Some(31000))).unwrap_err();
    assert_eq!(err.code, 422);
    assert!(
        err.message.contains("provided port is already allocated"),
        "{}",
        err.message
    );
    let err = store.put(service("d", "NodePort", Some(allocated))).unwrap_err();
    assert!(
        err.message
            .contains(&format!("spec.ports[0].nodePort: Invalid value: {allocated}"))
    );
    // Re-writing a Service without its node port keeps the one it has.
    let again = store.put(service("a", "NodePort", None)).unwrap();
    assert_eq!(again["spec"]["ports"][0]["nodePort"], allocated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_pull_failure_leaves_the_pod_pending_in_image_pull_back_off() {
    let store = store_with(three_nodes());
    let _sim = Sim::new(fast().image_pull_failure("private.registry")).start(&store);
    store.put(deployment("bad", 1, "private.registry/app:1")).unwrap();
    let stuck = |s: &Store| {
        pods_of(s, "bad")
            .first()
            .is_some_and(|p| p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff")
    };
    assert!(sim::wait_until(&store, WAIT, stuck).await);
    let pod = &pods_of(&store, "bad")[0];
    assert_eq!(pod["status"]["phase"], "Pending");
    let msg = pod["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
        .as_str()
        .unwrap();
    assert!(msg.contains("private.registry/app:1"));
    assert!(events_with(&store, "Failed").iter().any(|e| e["type"] == "Warning"));
    assert!(!events_with(&store, "BackOff").is_empty());
    let d = get(&store, "apps/v1", "Deployment", "bad").unwrap();
    assert!(d["status"]["readyReplicas"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_looping_container_restarts_and_reports_back_off() {
    let store = store_with(three_nodes());
    let cfg = fast().crash_loop("crashy").crash_interval(Duration::from_millis(20));
    let _sim = Sim::new(cfg).start(&store);
    store.put(deployment("crash", 1, "crashy:1")).unwrap();
    let looping = |s: &Store| {
        pods_of(s, "crash").first().is_some_and(|p| {
            let c = &p["status"]["containerStatuses"][0];
            c["state"]["waiting"]["reason"] == "CrashLoopBackOff" && c["restartCount"].as_i64() > Some(1)
        })
    };
    assert!(sim::wait_until(&store, WAIT, looping).await);
    assert!(
        events_with(&store, "BackOff")
            .iter()
            .any(|e| e["message"] == "Back-off restarting failed container" && e["type"] == "Warning")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_delay_holds_pods_not_ready_and_switched_off_controllers_do_nothing() {
    let store = store_with(three_nodes());
    let cfg = fast()
        .readiness_delay(Duration::from_millis(300))
        .without(Simulated::StatefulSets);
    let _sim = Sim::new(cfg).start(&store);
    store.put(deployment("slow", 1, "nginx")).unwrap();
    store.put(statefulset("ignored", 1, "none")).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| pods_of(s, "slow").len() == 1).await);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(!rollout_complete(&store, "slow", 1));
    assert!(sim::wait_until(&store, WAIT, |s| rollout_complete(s, "slow", 1)).await);
    assert!(pods_of(&store, "ignored").is_empty());
}
