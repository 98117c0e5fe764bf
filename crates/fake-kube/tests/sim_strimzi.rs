//! The simulated Strimzi operator, driven through the store with the real release bundles:
//! when it acts, what it creates (names, labels, ids), the statuses kafkactl waits on,
//! scaling, rolling updates, failures and deletion.

use fake_kube::Store;
use fake_kube::sim::{self, Sim, SimConfig, StrimziRelease};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const NS: &str = "kafka";
const WAIT: Duration = Duration::from_secs(10);
const PODSETS: &str = "core.strimzi.io/v1";

fn store_with_operator(release: StrimziRelease, watched: &[&str]) -> Store {
    let store = Store::new();
    store
        .put(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "fake.csi", "allowVolumeExpansion": true}))
        .unwrap();
    sim::install_operator(&store, release, NS, watched).unwrap();
    store
}

fn api(release: StrimziRelease) -> &'static str {
    release.api_version()
}

/// A Kafka with an internal listener (and extra `listeners`), for KRaft unless told otherwise.
fn kafka(release: StrimziRelease, name: &str, version: &str, extra_listeners: Vec<Value>) -> Value {
    let mut listeners = vec![json!({"name": "plain", "port": 9092, "type": "internal", "tls": false})];
    listeners.extend(extra_listeners);
    let mut k = json!({
        "apiVersion": api(release),
        "kind": "Kafka",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "kafka": {"version": version, "listeners": listeners},
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
        },
    });
    if release == StrimziRelease::V0_45_2 {
        k["metadata"]["annotations"] = json!({"strimzi.io/kraft": "enabled", "strimzi.io/node-pools": "enabled"});
    }
    k
}

fn pool(release: StrimziRelease, cluster: &str, name: &str, roles: &[&str], replicas: i64) -> Value {
    json!({
        "apiVersion": api(release),
        "kind": "KafkaNodePool",
        "metadata": {"name": name, "namespace": NS, "labels": {"strimzi.io/cluster": cluster}},
        "spec": {
            "replicas": replicas,
            "roles": roles,
            "storage": {"type": "persistent-claim", "size": "10Gi", "deleteClaim": false},
        },
    })
}

fn with_next_ids(mut pool: Value, ranges: &str) -> Value {
    pool["metadata"]["annotations"] = json!({"strimzi.io/next-node-ids": ranges});
    pool
}

fn get(store: &Store, api: &str, kind: &str, name: &str) -> Option<Value> {
    store.get(api, kind, Some(NS), name)
}

fn condition_of<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// Ready for the current generation, as `kubectl wait` judges it.
fn kafka_ready(store: &Store, release: StrimziRelease, name: &str) -> bool {
    get(store, api(release), "Kafka", name).is_some_and(|k| {
        condition_of(&k, "Ready").is_some_and(|c| c["status"] == "True")
            && k["status"]["observedGeneration"].as_i64() >= k["metadata"]["generation"].as_i64()
    })
}

fn not_ready_message(store: &Store, release: StrimziRelease, name: &str) -> Option<(String, String)> {
    let k = get(store, api(release), "Kafka", name)?;
    let c = condition_of(&k, "NotReady")?;
    if k["status"]["observedGeneration"] != k["metadata"]["generation"] {
        return None;
    }
    Some((c["reason"].as_str()?.to_string(), c["message"].as_str()?.to_string()))
}

fn cluster_pods(store: &Store, cluster: &str) -> Vec<Value> {
    store.list(
        "v1",
        "Pod",
        Some(NS),
        Some(&format!("strimzi.io/cluster={cluster},strimzi.io/kind=Kafka")),
    )
}

fn pod_names(store: &Store, selector: &str) -> BTreeSet<String> {
    store
        .list("v1", "Pod", Some(NS), Some(selector))
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn uids(store: &Store, selector: &str) -> BTreeSet<String> {
    store
        .list("v1", "Pod", Some(NS), Some(selector))
        .iter()
        .map(|p| p["metadata"]["uid"].as_str().unwrap().to_string())
        .collect()
}

/// A KRaft cluster of 1.2.0: three controllers and brokers with ids from 100.
async fn kraft_cluster(store: &Store, brokers: i64) {
    let r = StrimziRelease::V1_2_0;
    store.put(pool(r, "my", "controller", &["controller"], 3)).unwrap();
    store
        .put(with_next_ids(
            pool(r, "my", "broker", &["broker"], brokers),
            "[100-199]",
        ))
        .unwrap();
    store.put(kafka(r, "my", "4.2.0", vec![])).unwrap();
    assert!(
        sim::wait_until(store, WAIT, |s| kafka_ready(s, r, "my")).await,
        "cluster never got ready"
    );
}

/// The pool's status reports `ids` for its current generation and those pods are Ready.
fn pool_settled(store: &Store, release: StrimziRelease, pool: &str, ids: &[i64]) -> bool {
    let Some(p) = get(store, api(release), "KafkaNodePool", pool) else {
        return false;
    };
    p["status"]["observedGeneration"] == p["metadata"]["generation"]
        && p["status"]["nodeIds"] == json!(ids)
        && store
            .list("v1", "Pod", Some(NS), Some(&format!("strimzi.io/pool-name={pool}")))
            .iter()
            .filter(|pod| condition_of(pod, "Ready").is_some_and(|c| c["status"] == "True"))
            .count()
            == ids.len()
}

fn set_replicas(store: &Store, release: StrimziRelease, pool: &str, replicas: i64) {
    store
        .merge_patch(
            api(release),
            "KafkaNodePool",
            Some(NS),
            pool,
            json!({"spec": {"replicas": replicas}}),
        )
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kraft_cluster_gets_pool_pods_ids_and_a_ready_status_with_listeners() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    store.put(pool(r, "my", "controller", &["controller"], 3)).unwrap();
    store
        .put(with_next_ids(pool(r, "my", "broker", &["broker"], 3), "[100-199]"))
        .unwrap();
    let nodeport = json!({"name": "external", "port": 9094, "type": "nodeport", "tls": false,
        "configuration": {"bootstrap": {"nodePort": 31092}, "brokers": [{"broker": 100, "nodePort": 31100}]}});
    store.put(kafka(r, "my", "4.2.0", vec![nodeport])).unwrap();

    // Pods become Ready before the Kafka does.
    assert!(sim::wait_until(&store, WAIT, |s| cluster_pods(s, "my").len() == 6).await);
    assert!(!kafka_ready(&store, r, "my"));
    assert!(sim::wait_until(&store, WAIT, |s| kafka_ready(s, r, "my")).await);

    assert_eq!(
        pod_names(&store, "strimzi.io/pool-name=broker"),
        set(&["my-broker-100", "my-broker-101", "my-broker-102"])
    );
    assert_eq!(
        pod_names(&store, "strimzi.io/controller-role=true"),
        set(&["my-controller-0", "my-controller-1", "my-controller-2"])
    );
    let pod = get(&store, "v1", "Pod", "my-broker-100").unwrap();
    let labels = &pod["metadata"]["labels"];
    assert_eq!(labels["strimzi.io/name"], "my-kafka");
    assert_eq!(labels["strimzi.io/broker-role"], "true");
    assert_eq!(labels["strimzi.io/controller-role"], "false");
    assert_eq!(labels["strimzi.io/pod-name"], "my-broker-100");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "strimzi-cluster-operator");
    assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "StrimziPodSet");
    assert_eq!(pod["metadata"]["ownerReferences"][0]["name"], "my-broker");
    assert_eq!(
        pod["spec"]["containers"][0]["image"],
        "quay.io/strimzi/kafka:1.2.0-kafka-4.2.0"
    );
    let sps = get(&store, PODSETS, "StrimziPodSet", "my-broker").unwrap();
    assert_eq!(sps["metadata"]["ownerReferences"][0]["kind"], "Kafka");
    let claim = get(&store, "v1", "PersistentVolumeClaim", "data-my-broker-100").unwrap();
    assert_eq!(claim["status"]["phase"], "Bound");
    assert!(
        claim["metadata"]["ownerReferences"].is_null(),
        "deleteClaim: false claims are not owned"
    );

    let broker_pool = get(&store, api(r), "KafkaNodePool", "broker").unwrap();
    assert_eq!(broker_pool["status"]["nodeIds"], json!([100, 101, 102]));
    assert_eq!(broker_pool["status"]["replicas"], 3);
    assert_eq!(broker_pool["status"]["roles"], json!(["broker"]));
    assert!(
        broker_pool["status"]["labelSelector"]
            .as_str()
            .unwrap()
            .contains("strimzi.io/pool-name=broker")
    );

    let k = get(&store, api(r), "Kafka", "my").unwrap();
    let st = &k["status"];
    assert_eq!(st["kafkaVersion"], "4.2.0");
    assert_eq!(st["operatorLastSuccessfulVersion"], "1.2.0");
    assert_eq!(st["kafkaMetadataVersion"], "4.2-IV0");
    assert!(st["clusterId"].as_str().is_some_and(|id| id.len() == 22));
    assert_eq!(
        st["kafkaNodePools"],
        json!([{"name": "broker"}, {"name": "controller"}])
    );
    assert_eq!(
        st["listeners"][0]["bootstrapServers"],
        "my-kafka-bootstrap.kafka.svc:9092"
    );
    assert_eq!(st["listeners"][1]["name"], "external");
    assert_eq!(st["listeners"][1]["addresses"][0]["port"], 31092);
    assert!(
        st["listeners"][1]["bootstrapServers"]
            .as_str()
            .unwrap()
            .starts_with("10.0.")
    );

    for svc in [
        "my-kafka-bootstrap",
        "my-kafka-brokers",
        "my-kafka-external-bootstrap",
        "my-broker-external-100",
    ] {
        assert!(get(&store, "v1", "Service", svc).is_some(), "{svc}");
    }
    let per_broker = get(&store, "v1", "Service", "my-broker-external-100").unwrap();
    assert_eq!(per_broker["spec"]["ports"][0]["nodePort"], 31100);
    assert_eq!(per_broker["spec"]["selector"]["strimzi.io/pod-name"], "my-broker-100");
    assert_eq!(
        get(&store, "v1", "Service", "my-kafka-brokers").unwrap()["spec"]["clusterIP"],
        "None"
    );
    for secret in ["my-cluster-ca-cert", "my-cluster-operator-certs"] {
        assert!(get(&store, "v1", "Secret", secret).is_some(), "{secret}");
    }
    let eo = get(&store, "apps/v1", "Deployment", "my-entity-operator").unwrap();
    assert_eq!(eo["status"]["readyReplicas"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancer_listener_keeps_the_kafka_not_ready_until_the_address_arrives() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast().no_load_balancer()).start(&store);
    store.put(pool(r, "my", "dual", &["controller", "broker"], 1)).unwrap();
    let lb = json!({"name": "lb", "port": 9095, "type": "loadbalancer", "tls": true});
    store.put(kafka(r, "my", "4.3.1", vec![lb])).unwrap();
    assert!(
        sim::wait_until(&store, WAIT, |s| cluster_pods(s, "my").iter().all(|p| {
            p["status"]["conditions"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        }) && !cluster_pods(s, "my").is_empty())
        .await
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!kafka_ready(&store, r, "my"));
    let k = get(&store, api(r), "Kafka", "my").unwrap();
    assert_eq!(condition_of(&k, "NotReady").unwrap()["reason"], "Creating");

    store
        .put_status(
            "v1",
            "Service",
            Some(NS),
            "my-kafka-lb-bootstrap",
            json!({"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}),
        )
        .unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| kafka_ready(s, r, "my")).await);
    let k = get(&store, api(r), "Kafka", "my").unwrap();
    let lb = k["status"]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "lb")
        .unwrap()
        .clone();
    assert_eq!(lb["bootstrapServers"], "192.0.2.10:9095");
    assert!(lb["certificates"][0].as_str().unwrap().contains("BEGIN CERTIFICATE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_ignores_namespaces_it_does_not_watch() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    store
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}))
        .unwrap();
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    let mut p = pool(r, "my", "dual", &["controller", "broker"], 1);
    p["metadata"]["namespace"] = json!("other");
    store.put(p).unwrap();
    let mut k = kafka(r, "my", "4.2.0", vec![]);
    k["metadata"]["namespace"] = json!("other");
    store.put(k).unwrap();
    // A cluster in the watched namespace gets done meanwhile, so the operator did run.
    kraft_cluster(&store, 1).await;
    assert!(store.list("v1", "Pod", Some("other"), None).is_empty());
    assert!(store.get(api(r), "Kafka", Some("other"), "my").unwrap()["status"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_watching_a_list_of_namespaces_serves_each_of_them() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &["kafka", "team-a"]);
    assert!(
        store
            .get(
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                Some("team-a"),
                "strimzi-cluster-operator"
            )
            .is_some()
    );
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    let mut p = pool(r, "a", "dual", &["controller", "broker"], 1);
    p["metadata"]["namespace"] = json!("team-a");
    store.put(p).unwrap();
    let mut k = kafka(r, "a", "4.2.0", vec![]);
    k["metadata"]["namespace"] = json!("team-a");
    store.put(k).unwrap();
    assert!(
        sim::wait_until(&store, WAIT, |s| s
            .get("v1", "Pod", Some("team-a"), "a-dual-0")
            .is_some())
        .await,
        "the operator serves team-a"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_does_nothing_until_its_deployment_is_ready() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast().image_pull_failure("quay.io/strimzi/operator")).start(&store);
    store.put(pool(r, "my", "dual", &["controller", "broker"], 1)).unwrap();
    store.put(kafka(r, "my", "4.2.0", vec![])).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(cluster_pods(&store, "my").is_empty());
    let op = get(&store, "apps/v1", "Deployment", "strimzi-cluster-operator").unwrap();
    assert!(op["status"]["readyReplicas"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeeper_mode_names_brokers_and_zookeeper_nodes() {
    let r = StrimziRelease::V0_45_2;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    let k = json!({
        "apiVersion": api(r),
        "kind": "Kafka",
        "metadata": {"name": "zk", "namespace": NS},
        "spec": {
            "kafka": {
                "version": "3.9.0",
                "replicas": 3,
                "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}],
                "storage": {"type": "jbod", "volumes": [{"id": 0, "type": "persistent-claim", "size": "5Gi"}]},
                "jmxOptions": {"authentication": {"type": "password"}},
                "template": {"pod": {"metadata": {"labels": {"team": "data"}}}},
            },
            "zookeeper": {"replicas": 3, "storage": {"type": "persistent-claim", "size": "1Gi"}},
            "kafkaExporter": {},
        },
    });
    store.put(k).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| kafka_ready(s, r, "zk")).await);
    assert_eq!(
        pod_names(&store, "strimzi.io/name=zk-kafka"),
        set(&["zk-kafka-0", "zk-kafka-1", "zk-kafka-2"])
    );
    assert_eq!(
        pod_names(&store, "strimzi.io/name=zk-zookeeper"),
        set(&["zk-zookeeper-0", "zk-zookeeper-1", "zk-zookeeper-2"])
    );
    assert_eq!(pod_names(&store, "team=data").len(), 3);
    assert!(get(&store, "v1", "PersistentVolumeClaim", "data-0-zk-kafka-0").is_some());
    assert!(get(&store, "v1", "PersistentVolumeClaim", "data-zk-zookeeper-2").is_some());
    let zk_client = get(&store, "v1", "Service", "zk-zookeeper-client").unwrap();
    assert_eq!(zk_client["spec"]["ports"][0]["port"], 2181);
    let jmx = get(&store, "v1", "Secret", "zk-kafka-jmx").unwrap();
    assert!(jmx["data"]["jmx-username"].is_string() && jmx["data"]["jmx-password"].is_string());
    assert!(pod_names(&store, "strimzi.io/name=zk-kafka-exporter").len() == 1);
    let st = get(&store, api(r), "Kafka", "zk").unwrap()["status"].clone();
    assert_eq!(st["kafkaMetadataState"], "ZooKeeper");
    assert_eq!(st["kafkaVersion"], "3.9.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kraft_on_0_45_needs_the_node_pools_annotation() {
    let r = StrimziRelease::V0_45_2;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    let mut k = kafka(r, "my", "3.9.0", vec![]);
    k["metadata"]["annotations"] = json!({"strimzi.io/kraft": "enabled"});
    store.put(k).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| not_ready_message(s, r, "my").is_some()).await);
    let (_, message) = not_ready_message(&store, r, "my").unwrap();
    assert!(message.contains("strimzi.io/node-pools"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_a_pool_adds_and_removes_nodes_and_ids() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    kraft_cluster(&store, 3).await;

    set_replicas(&store, r, "broker", 5);
    assert!(
        sim::wait_until(&store, WAIT, |s| pool_settled(
            s,
            r,
            "broker",
            &[100, 101, 102, 103, 104]
        ))
        .await
    );
    assert_eq!(pod_names(&store, "strimzi.io/pool-name=broker").len(), 5);

    set_replicas(&store, r, "broker", 2);
    assert!(sim::wait_until(&store, WAIT, |s| pool_settled(s, r, "broker", &[100, 101])).await);
    assert_eq!(
        pod_names(&store, "strimzi.io/pool-name=broker"),
        set(&["my-broker-100", "my-broker-101"])
    );
    assert!(
        get(&store, "v1", "PersistentVolumeClaim", "data-my-broker-104").is_some(),
        "claims are kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_down_of_brokers_with_partitions_is_refused_until_the_check_is_skipped() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let sim = Sim::new(SimConfig::fast());
    let _task = sim.start(&store);
    kraft_cluster(&store, 5).await;
    sim.set_brokers_with_partitions(NS, "my", &[103, 104]);

    set_replicas(&store, r, "broker", 3);
    assert!(sim::wait_until(&store, WAIT, |s| not_ready_message(s, r, "my").is_some()).await);
    let (reason, message) = not_ready_message(&store, r, "my").unwrap();
    assert_eq!(
        message,
        "Cannot scale down brokers [103, 104] because brokers [103, 104] are not empty"
    );
    assert!(!reason.is_empty());
    assert_eq!(
        pod_names(&store, "strimzi.io/pool-name=broker").len(),
        5,
        "the brokers stay"
    );

    store
        .merge_patch(
            api(r),
            "Kafka",
            Some(NS),
            "my",
            json!({"metadata": {"annotations": {"strimzi.io/skip-broker-scaledown-check": "true"}}}),
        )
        .unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| pod_names(s, "strimzi.io/pool-name=broker").len() == 3).await);
    assert!(sim::wait_until(&store, WAIT, |s| kafka_ready(s, r, "my")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brokers_host_partitions_knob_refuses_every_broker_removal() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast().brokers_host_partitions(true)).start(&store);
    kraft_cluster(&store, 2).await;
    set_replicas(&store, r, "broker", 1);
    assert!(sim::wait_until(&store, WAIT, |s| not_ready_message(s, r, "my").is_some()).await);
    assert!(not_ready_message(&store, r, "my").unwrap().1.contains("[101]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_rolling_update_recreates_the_pods_then_drops_the_annotation() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    kraft_cluster(&store, 3).await;
    let before = uids(&store, "strimzi.io/pool-name=broker");
    let controllers_before = uids(&store, "strimzi.io/pool-name=controller");
    store
        .merge_patch(
            PODSETS,
            "StrimziPodSet",
            Some(NS),
            "my-broker",
            json!({"metadata": {"annotations": {"strimzi.io/manual-rolling-update": "true"}}}),
        )
        .unwrap();
    let rolled = |s: &Store| {
        get(s, PODSETS, "StrimziPodSet", "my-broker")
            .is_some_and(|sps| sps["metadata"]["annotations"]["strimzi.io/manual-rolling-update"].is_null())
    };
    assert!(sim::wait_until(&store, WAIT, rolled).await);
    let after = uids(&store, "strimzi.io/pool-name=broker");
    assert_eq!(after.len(), 3);
    assert!(after.is_disjoint(&before), "every broker pod is new");
    assert_eq!(uids(&store, "strimzi.io/pool-name=controller"), controllers_before);

    // One pod by its own annotation.
    let pod_before = get(&store, "v1", "Pod", "my-controller-1").unwrap()["metadata"]["uid"].clone();
    store
        .merge_patch(
            "v1",
            "Pod",
            Some(NS),
            "my-controller-1",
            json!({"metadata": {"annotations": {"strimzi.io/manual-rolling-update": "true"}}}),
        )
        .unwrap();
    assert!(
        sim::wait_until(&store, WAIT, |s| get(s, "v1", "Pod", "my-controller-1")
            .is_some_and(|p| p["metadata"]["uid"] != pod_before))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_upgrade_rolls_every_pod_and_reports_the_new_version() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    kraft_cluster(&store, 2).await;
    let before = uids(&store, "strimzi.io/cluster=my,strimzi.io/name=my-kafka");
    store
        .merge_patch(
            api(r),
            "Kafka",
            Some(NS),
            "my",
            json!({"spec": {"kafka": {"version": "4.3.1"}}}),
        )
        .unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| kafka_ready(s, r, "my")).await);
    let k = get(&store, api(r), "Kafka", "my").unwrap();
    assert_eq!(k["status"]["kafkaVersion"], "4.3.1");
    assert_eq!(k["status"]["observedGeneration"], 2);
    let after = uids(&store, "strimzi.io/cluster=my,strimzi.io/name=my-kafka");
    assert_eq!(after.len(), 5);
    assert!(after.is_disjoint(&before));
    let pod = get(&store, "v1", "Pod", "my-broker-100").unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["image"],
        "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_kafka_version_is_reported_with_the_supported_ones() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    store.put(pool(r, "my", "dual", &["controller", "broker"], 1)).unwrap();
    store.put(kafka(r, "my", "4.9.9", vec![])).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| not_ready_message(s, r, "my").is_some()).await);
    let (reason, message) = not_ready_message(&store, r, "my").unwrap();
    assert_eq!(reason, "UnsupportedKafkaVersionException");
    assert_eq!(
        message,
        "Unsupported Kafka.spec.kafka.version: 4.9.9. Supported versions are: [4.2.0, 4.2.1, 4.3.0, 4.3.1]"
    );
    assert!(cluster_pods(&store, "my").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_kafka_is_not_reconciled() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    store.put(pool(r, "my", "dual", &["controller", "broker"], 1)).unwrap();
    let mut k = kafka(r, "my", "4.2.0", vec![]);
    k["metadata"]["annotations"] = json!({"strimzi.io/pause-reconciliation": "true"});
    store.put(k).unwrap();
    let paused =
        |s: &Store| get(s, api(r), "Kafka", "my").is_some_and(|k| condition_of(&k, "ReconciliationPaused").is_some());
    assert!(sim::wait_until(&store, WAIT, paused).await);
    assert!(cluster_pods(&store, "my").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_failure_and_warning_show_in_the_status() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let sim = Sim::new(SimConfig::fast());
    let _task = sim.start(&store);
    sim.fail_kafka(NS, "my", "KafkaUpgradeException", "upgrade blocked");
    store.put(pool(r, "my", "dual", &["controller", "broker"], 1)).unwrap();
    store.put(kafka(r, "my", "4.2.0", vec![])).unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| not_ready_message(s, r, "my").is_some()).await);
    assert_eq!(
        not_ready_message(&store, r, "my").unwrap(),
        ("KafkaUpgradeException".to_string(), "upgrade blocked".to_string())
    );
    sim.warn_kafka(NS, "my", "DeprecatedFields", "old field");
    sim.clear_kafka_failure(NS, "my");
    assert!(sim::wait_until(&store, WAIT, |s| kafka_ready(s, r, "my")).await);
    let k = get(&store, api(r), "Kafka", "my").unwrap();
    assert_eq!(condition_of(&k, "Warning").unwrap()["reason"], "DeprecatedFields");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_kafka_removes_what_it_owns_but_keeps_the_claims() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    kraft_cluster(&store, 1).await;
    store.delete(api(r), "Kafka", Some(NS), "my").unwrap();
    assert!(cluster_pods(&store, "my").is_empty());
    assert!(get(&store, PODSETS, "StrimziPodSet", "my-broker").is_none());
    assert!(get(&store, "v1", "Service", "my-kafka-bootstrap").is_none());
    assert!(get(&store, "v1", "Secret", "my-cluster-ca-cert").is_none());
    assert!(get(&store, "apps/v1", "Deployment", "my-entity-operator").is_none());
    assert!(get(&store, "v1", "PersistentVolumeClaim", "data-my-broker-100").is_some());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(cluster_pods(&store, "my").is_empty(), "nothing comes back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebalance_proposal_runs_once_approved() {
    let r = StrimziRelease::V1_2_0;
    let store = store_with_operator(r, &[]);
    let _sim = Sim::new(SimConfig::fast()).start(&store);
    store
        .put(json!({"apiVersion": api(r), "kind": "KafkaRebalance",
            "metadata": {"name": "add", "namespace": NS, "labels": {"strimzi.io/cluster": "my"}},
            "spec": {"mode": "add-brokers", "brokers": [103, 104]}}))
        .unwrap();
    let state =
        |s: &Store, t: &str| get(s, api(r), "KafkaRebalance", "add").is_some_and(|k| condition_of(&k, t).is_some());
    assert!(sim::wait_until(&store, WAIT, |s| state(s, "ProposalReady")).await);
    let kr = get(&store, api(r), "KafkaRebalance", "add").unwrap();
    assert!(kr["status"]["optimizationResult"]["numReplicaMovements"].as_i64() > Some(0));
    store
        .merge_patch(
            api(r),
            "KafkaRebalance",
            Some(NS),
            "add",
            json!({"metadata": {"annotations": {"strimzi.io/rebalance": "approve"}}}),
        )
        .unwrap();
    assert!(sim::wait_until(&store, WAIT, |s| state(s, "Ready")).await);
}

#[test]
fn fake_cluster_builder_starts_with_the_operator_installed_and_the_simulation_running() {
    use fake_kube::FakeCluster;
    use fake_kube::sim::SimulatedCluster;
    let r = StrimziRelease::V0_45_2;
    let sim = Sim::new(SimConfig::fast());
    let cluster = FakeCluster::builder()
        .nodes(3)
        .storage_class("standard", true, true)
        .operator_installed(r, NS, &[])
        .simulated(&sim)
        .start();
    let store = cluster.store();
    assert!(cluster.wait_until(WAIT, |s| {
        s.get("apps/v1", "Deployment", Some(NS), "strimzi-cluster-operator")
            .is_some_and(|d| d["status"]["readyReplicas"] == 1)
    }));
    store.put(pool(r, "my", "dual", &["controller", "broker"], 1)).unwrap();
    store.put(kafka(r, "my", "3.9.0", vec![])).unwrap();
    assert!(cluster.wait_until(WAIT, |s| kafka_ready(s, r, "my")));
    let k = get(&store, api(r), "Kafka", "my").unwrap();
    assert_eq!(k["status"]["kafkaMetadataState"], "KRaft");
    assert_eq!(k["status"]["registeredNodeIds"], json!([0]));
}
