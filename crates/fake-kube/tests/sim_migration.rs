//! The upgrade path of issue 17 as the simulated operator follows it: a 0.45.2 ZooKeeper
//! cluster moves to node pools and migrates to KRaft (every metadata state, the rolls, the
//! warnings, the rollback and the version precondition); 0.46–0.51 refuse clusters that did
//! not migrate and Kafka versions they do not know; 0.51's CRDs serve v1 and v1beta2, and
//! `status.storedVersions` is trimmed through the CRD's status subresource.

use fake_kube::client::TestClient;
use fake_kube::sim::{self, MetadataState, Sim, SimConfig, StrimziRelease};
use fake_kube::{FakeCluster, Store};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const NS: &str = "kafka";
const WAIT: Duration = Duration::from_secs(15);
const V1BETA2: &str = "kafka.strimzi.io/v1beta2";
const BROKERS: &str = "strimzi.io/pool-name=kafka";
const CONTROLLERS: &str = "strimzi.io/pool-name=controller";
const ZOOKEEPER: &str = "strimzi.io/name=my-zookeeper";

// ---- fixtures ---------------------------------------------------------------------------

fn store_with_operator(release: StrimziRelease) -> Store {
    let store = Store::new();
    store
        .put(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "fake.csi", "allowVolumeExpansion": true}))
        .unwrap();
    sim::install_operator(&store, release, NS, &[]).unwrap();
    store
}

/// Steps long enough that a test sees every state before the next one starts, even on a
/// loaded machine.
fn sim_config() -> SimConfig {
    SimConfig::fast().migration_step_delay(Duration::from_secs(1))
}

fn persistent(size: &str, delete_claim: bool) -> Value {
    json!({"type": "persistent-claim", "size": size, "deleteClaim": delete_claim})
}

/// A ZooKeeper-based Kafka `my` as kafkactl's zookeeper presets make it: no node pools.
fn zookeeper_kafka(version: &str) -> Value {
    json!({
        "apiVersion": V1BETA2,
        "kind": "Kafka",
        "metadata": {"name": "my", "namespace": NS},
        "spec": {
            "kafka": {
                "version": version,
                "replicas": 3,
                "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}],
                "storage": persistent("10Gi", false),
                "config": {},
            },
            "zookeeper": {"replicas": 3, "storage": persistent("1Gi", false)},
        },
    })
}

fn pool(api: &str, name: &str, roles: &[&str], replicas: i64) -> Value {
    json!({
        "apiVersion": api,
        "kind": "KafkaNodePool",
        "metadata": {"name": name, "namespace": NS, "labels": {"strimzi.io/cluster": "my"}},
        "spec": {"replicas": replicas, "roles": roles, "storage": persistent("10Gi", false)},
    })
}

fn kafka(store: &Store) -> Value {
    store.get(V1BETA2, "Kafka", Some(NS), "my").unwrap()
}

fn annotate(store: &Store, key: &str, value: &str) {
    store
        .merge_patch(
            V1BETA2,
            "Kafka",
            Some(NS),
            "my",
            json!({"metadata": {"annotations": {key: value}}}),
        )
        .unwrap();
}

fn condition<'a>(kafka: &'a Value, type_: &str) -> Option<&'a Value> {
    kafka["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// The reasons of the Warning conditions.
fn warnings(kafka: &Value) -> BTreeSet<String> {
    kafka["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["type"] == "Warning")
        .filter_map(|c| c["reason"].as_str().map(str::to_string))
        .collect()
}

fn current(kafka: &Value) -> bool {
    kafka["status"]["observedGeneration"].as_i64() >= kafka["metadata"]["generation"].as_i64()
}

fn ready(kafka: &Value) -> bool {
    condition(kafka, "Ready").is_some_and(|c| c["status"] == "True") && current(kafka)
}

fn metadata_state(kafka: &Value) -> &str {
    kafka["status"]["kafkaMetadataState"].as_str().unwrap_or("")
}

/// Waits until the status reports `state` and Ready for the current generation.
async fn reach(store: &Store, state: &str) {
    let wanted = MetadataState::parse(state).unwrap();
    let reached = sim::wait_until(store, WAIT, |s| sim::kafka_settled_in(s, NS, "my", wanted)).await;
    assert!(reached, "never Ready in {state}: {}", kafka(store)["status"]);
}

/// Waits for a NotReady condition of the current generation; its (reason, message).
async fn refused(store: &Store) -> (String, String) {
    let found = sim::wait_until(store, WAIT, |s| {
        let k = kafka(s);
        condition(&k, "NotReady").is_some() && current(&k)
    })
    .await;
    let k = kafka(store);
    assert!(found, "never NotReady: {}", k["status"]);
    let c = condition(&k, "NotReady").unwrap();
    (
        c["reason"].as_str().unwrap_or("").to_string(),
        c["message"].as_str().unwrap_or("").to_string(),
    )
}

fn pods(store: &Store, selector: &str) -> Vec<Value> {
    store.list(
        "v1",
        "Pod",
        Some(NS),
        Some(&format!("strimzi.io/cluster=my,{selector}")),
    )
}

fn names(store: &Store, selector: &str) -> BTreeSet<String> {
    pods(store, selector)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn uids(store: &Store, selector: &str) -> BTreeSet<String> {
    pods(store, selector)
        .iter()
        .map(|p| p["metadata"]["uid"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Every pod was replaced (a roll), and as many came back.
fn rolled(before: &BTreeSet<String>, after: &BTreeSet<String>) -> bool {
    before.len() == after.len() && before.is_disjoint(after)
}

fn claim_uid(store: &Store, name: &str) -> Option<String> {
    store
        .get("v1", "PersistentVolumeClaim", Some(NS), name)
        .and_then(|c| c["metadata"]["uid"].as_str().map(str::to_string))
}

/// A ZooKeeper cluster on 0.45.2, Ready.
async fn zookeeper_cluster(store: &Store, kafka_version: &str) {
    store.put(zookeeper_kafka(kafka_version)).unwrap();
    reach(store, "ZooKeeper").await;
}

/// A ZooKeeper cluster moved to node pools (pool `kafka`), Ready.
async fn zookeeper_cluster_on_node_pools(store: &Store) {
    zookeeper_cluster(store, "3.9.0").await;
    store.put(pool(V1BETA2, "kafka", &["broker"], 3)).unwrap();
    annotate(store, "strimzi.io/node-pools", "enabled");
    let moved = sim::wait_until(store, WAIT, |s| {
        let k = kafka(s);
        k["status"]["kafkaNodePools"] == json!([{"name": "kafka"}]) && ready(&k)
    })
    .await;
    assert!(moved, "never on node pools: {}", kafka(store)["status"]);
}

/// Migrates a cluster on node pools to `KRaftPostMigration` (controller pool + annotation).
async fn migrate_to_post_migration(store: &Store) {
    store.put(pool(V1BETA2, "controller", &["controller"], 3)).unwrap();
    annotate(store, "strimzi.io/kraft", "migration");
    reach(store, "KRaftPostMigration").await;
}

/// Replaces the operator as `operator install --from <bundle>` does and waits until the
/// new one runs.
async fn switch_operator(store: &Store, release: StrimziRelease) {
    sim::install_operator(store, release, NS, &[]).unwrap();
    let running = sim::wait_until(store, WAIT, |s| sim::running_release(s) == Some(release)).await;
    assert!(running, "the {} operator never ran", release.version());
}

// ---- releases ---------------------------------------------------------------------------

#[test]
fn each_release_carries_the_facts_of_its_bundle() {
    let versions = |r: StrimziRelease| r.kafka_versions().unwrap();
    assert_eq!(
        versions(StrimziRelease::V0_45_2),
        ["3.8.0", "3.8.1", "3.9.0", "3.9.1", "3.9.2"]
    );
    assert_eq!(versions(StrimziRelease::V0_46_1), ["3.9.0", "4.0.0"]);
    assert_eq!(versions(StrimziRelease::V0_48_0), ["4.0.0", "4.1.0"]);
    assert_eq!(versions(StrimziRelease::V0_51_0), ["4.1.0", "4.1.1", "4.2.0"]);
    assert_eq!(versions(StrimziRelease::V1_0_0), ["4.1.0", "4.1.1", "4.1.2", "4.2.0"]);
    assert_eq!(versions(StrimziRelease::V1_2_0), ["4.2.0", "4.2.1", "4.3.0", "4.3.1"]);
    for r in StrimziRelease::ALL {
        assert_eq!(StrimziRelease::parse(r.version()), Some(r));
        assert_eq!(r.supports_zookeeper(), r == StrimziRelease::V0_45_2, "{r:?}");
        // What the release claims to serve is what its Kafka CRD serves.
        let crd = r
            .crds()
            .unwrap()
            .into_iter()
            .find(|c| c["metadata"]["name"] == "kafkas.kafka.strimzi.io")
            .unwrap();
        let entries = crd["spec"]["versions"].as_array().unwrap();
        let served: BTreeSet<&str> = entries
            .iter()
            .filter(|v| v["served"] == true)
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        let storage = entries.iter().find(|v| v["storage"] == true).unwrap()["name"].clone();
        assert_eq!(served, r.served_versions().iter().copied().collect(), "{r:?}");
        assert_eq!(storage, r.storage_version(), "{r:?}");
    }
    assert_eq!(StrimziRelease::V0_48_0.min_kubernetes(), (1, 27));
    assert_eq!(StrimziRelease::V0_51_0.api_version(), V1BETA2);
}

#[test]
fn the_builder_starts_any_release_with_its_operator() {
    use fake_kube::sim::SimulatedCluster;
    let sim = Sim::new(SimConfig::fast());
    let cluster = FakeCluster::builder()
        .operator_installed(StrimziRelease::V0_51_0, NS, &[])
        .simulated(&sim)
        .start();
    assert!(cluster.wait_until(WAIT, |s| {
        s.get("apps/v1", "Deployment", Some(NS), "strimzi-cluster-operator")
            .is_some_and(|d| d["status"]["readyReplicas"] == 1)
    }));
    let crd = cluster
        .store()
        .get(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "kafkas.kafka.strimzi.io",
        )
        .unwrap();
    assert_eq!(crd["status"]["storedVersions"], json!(["v1beta2"]));
}

// ---- node pools on 0.45 -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_pool_named_kafka_keeps_pod_and_claim_names_and_rolls_nothing() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster(&store, "3.9.0").await;
    let brokers = uids(&store, BROKERS);
    let claim = claim_uid(&store, "data-my-kafka-0");
    assert_eq!(brokers.len(), 3);

    zookeeper_cluster_on_node_pools(&store).await;

    assert_eq!(names(&store, BROKERS), set(&["my-kafka-0", "my-kafka-1", "my-kafka-2"]));
    assert_eq!(uids(&store, BROKERS), brokers, "moving to node pools rolls no broker");
    assert_eq!(
        claim_uid(&store, "data-my-kafka-0"),
        claim,
        "the broker keeps its volume"
    );
    let pool = store.get(V1BETA2, "KafkaNodePool", Some(NS), "kafka").unwrap();
    assert_eq!(pool["status"]["nodeIds"], json!([0, 1, 2]));
    assert_eq!(
        warnings(&kafka(&store)),
        set(&["UnusedReplicasConfiguration", "UnusedStorageConfiguration"])
    );

    // The guide's optional step 3: the pool now holds replicas and storage.
    store
        .merge_patch(
            V1BETA2,
            "Kafka",
            Some(NS),
            "my",
            json!({"spec": {"kafka": {"replicas": null, "storage": null}}}),
        )
        .unwrap();
    let clean = sim::wait_until(&store, WAIT, |s| {
        let k = kafka(s);
        ready(&k) && warnings(&k).is_empty()
    })
    .await;
    assert!(clean, "{}", kafka(&store)["status"]);
    assert_eq!(
        uids(&store, BROKERS),
        brokers,
        "dropping the unused fields rolls nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_pool_of_another_name_gets_new_pods_and_claims() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster(&store, "3.9.0").await;

    store.put(pool(V1BETA2, "brokers", &["broker"], 3)).unwrap();
    annotate(&store, "strimzi.io/node-pools", "enabled");
    let moved = sim::wait_until(&store, WAIT, |s| {
        names(s, "strimzi.io/pool-name=brokers").len() == 3 && ready(&kafka(s))
    })
    .await;
    assert!(moved, "{}", kafka(&store)["status"]);
    assert_eq!(
        names(&store, "strimzi.io/pool-name=brokers"),
        set(&["my-brokers-0", "my-brokers-1", "my-brokers-2"])
    );
    assert!(
        claim_uid(&store, "data-my-brokers-0").is_some(),
        "new names mean new claims"
    );
}

// ---- the 0.45 migration -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_walks_every_state_rolling_brokers_then_controllers_and_removes_zookeeper() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster_on_node_pools(&store).await;
    let zookeeper = uids(&store, ZOOKEEPER);
    let mut brokers = uids(&store, BROKERS);

    store.put(pool(V1BETA2, "controller", &["controller"], 3)).unwrap();
    annotate(&store, "strimzi.io/kraft", "migration");
    let mut controllers_at_migration = BTreeSet::new();
    for state in ["KRaftMigration", "KRaftDualWriting", "KRaftPostMigration"] {
        reach(&store, state).await;
        let now = uids(&store, BROKERS);
        assert!(rolled(&brokers, &now), "brokers rolled into {state}");
        brokers = now;
        if state == "KRaftMigration" {
            controllers_at_migration = uids(&store, CONTROLLERS);
        }
    }
    assert_eq!(
        names(&store, CONTROLLERS),
        set(&["my-controller-3", "my-controller-4", "my-controller-5"])
    );
    let controllers = uids(&store, CONTROLLERS);
    assert_eq!(
        controllers, controllers_at_migration,
        "controllers wait for the last step"
    );
    assert_eq!(
        uids(&store, ZOOKEEPER),
        zookeeper,
        "ZooKeeper runs through the migration"
    );

    annotate(&store, "strimzi.io/kraft", "enabled");
    reach(&store, "PreKRaft").await;
    assert!(
        uids(&store, ZOOKEEPER).is_empty(),
        "PreKRaft deletes the ZooKeeper pods"
    );
    for (kind, api, name) in [
        ("StrimziPodSet", "core.strimzi.io/v1beta2", "my-zookeeper"),
        ("Service", "v1", "my-zookeeper-client"),
        ("Service", "v1", "my-zookeeper-nodes"),
    ] {
        assert!(store.get(api, kind, Some(NS), name).is_none(), "{kind} {name} is gone");
    }
    assert!(
        claim_uid(&store, "data-my-zookeeper-0").is_some(),
        "ZooKeeper claims are kept"
    );

    reach(&store, "KRaft").await;
    assert!(
        rolled(&controllers, &uids(&store, CONTROLLERS)),
        "controllers rolled into KRaft"
    );
    assert_eq!(uids(&store, BROKERS), brokers, "brokers are done after post-migration");
    assert!(warnings(&kafka(&store)).contains("UnusedZooKeeperConfiguration"));

    let unused = json!({"spec": {"zookeeper": null, "kafka": {"replicas": null, "storage": null}}});
    store.merge_patch(V1BETA2, "Kafka", Some(NS), "my", unused).unwrap();
    let clean = sim::wait_until(&store, WAIT, |s| {
        let k = kafka(s);
        ready(&k) && warnings(&k).is_empty()
    })
    .await;
    assert!(
        clean,
        "without spec.zookeeper the warning goes: {}",
        kafka(&store)["status"]
    );
    assert_eq!(metadata_state(&kafka(&store)), "KRaft");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeeper_claims_with_delete_claim_go_with_zookeeper() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    let mut k = zookeeper_kafka("3.9.0");
    k["spec"]["zookeeper"]["storage"]["deleteClaim"] = json!(true);
    store.put(k).unwrap();
    reach(&store, "ZooKeeper").await;
    store.put(pool(V1BETA2, "kafka", &["broker"], 3)).unwrap();
    annotate(&store, "strimzi.io/node-pools", "enabled");
    migrate_to_post_migration(&store).await;
    assert!(claim_uid(&store, "data-my-zookeeper-0").is_some());

    annotate(&store, "strimzi.io/kraft", "enabled");
    reach(&store, "PreKRaft").await;
    assert!(claim_uid(&store, "data-my-zookeeper-0").is_none());
    assert!(claim_uid(&store, "data-my-kafka-0").is_some(), "broker claims stay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_annotation_value_the_state_does_not_take_warns_and_changes_nothing() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster(&store, "3.9.0").await;
    let before = (uids(&store, BROKERS), uids(&store, ZOOKEEPER));

    annotate(&store, "strimzi.io/kraft", "enabled");
    let warned = sim::wait_until(&store, WAIT, |s| {
        warnings(&kafka(s)).contains("KafkaMetadataStateWarning")
    })
    .await;
    let k = kafka(&store);
    assert!(warned, "{}", k["status"]);
    assert!(ready(&k), "a warning keeps the cluster Ready");
    assert_eq!(metadata_state(&k), "ZooKeeper");
    let message = k["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reason"] == "KafkaMetadataStateWarning")
        .unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("'enabled'") && message.contains("'migration'"),
        "{message}"
    );
    assert_eq!((uids(&store, BROKERS), uids(&store, ZOOKEEPER)), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_returns_from_post_migration_to_dual_writing_and_then_to_zookeeper() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster_on_node_pools(&store).await;
    let zookeeper = uids(&store, ZOOKEEPER);
    migrate_to_post_migration(&store).await;
    let brokers = uids(&store, BROKERS);

    annotate(&store, "strimzi.io/kraft", "rollback");
    reach(&store, "KRaftDualWriting").await;
    let dual_writing = uids(&store, BROKERS);
    assert!(rolled(&brokers, &dual_writing), "brokers rolled back to dual writing");
    assert!(
        !warnings(&kafka(&store)).contains("KafkaMetadataStateWarning"),
        "rollback is expected here"
    );

    // The documented rollback: delete the controllers, then disable KRaft.
    store.delete(V1BETA2, "KafkaNodePool", Some(NS), "controller").unwrap();
    annotate(&store, "strimzi.io/kraft", "disabled");
    reach(&store, "ZooKeeper").await;
    assert!(pods(&store, CONTROLLERS).is_empty());
    assert!(
        rolled(&dual_writing, &uids(&store, BROKERS)),
        "brokers rolled back to ZooKeeper"
    );
    assert_eq!(uids(&store, ZOOKEEPER), zookeeper, "ZooKeeper never went away");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_needs_equal_metadata_and_protocol_versions() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster_on_node_pools(&store).await;
    store
        .merge_patch(
            V1BETA2,
            "Kafka",
            Some(NS),
            "my",
            json!({"spec": {"kafka": {"config": {"inter.broker.protocol.version": "3.8"}}}}),
        )
        .unwrap();
    reach(&store, "ZooKeeper").await;
    let brokers = uids(&store, BROKERS);

    store.put(pool(V1BETA2, "controller", &["controller"], 3)).unwrap();
    annotate(&store, "strimzi.io/kraft", "migration");
    let (reason, message) = refused(&store).await;
    assert_eq!(reason, "InvalidResourceException");
    assert!(message.contains("Migration cannot be performed"), "{message}");
    assert!(message.contains("inter.broker.protocol.version 3.8"), "{message}");
    assert_eq!(metadata_state(&kafka(&store)), "ZooKeeper");
    assert!(pods(&store, CONTROLLERS).is_empty());
    assert_eq!(uids(&store, BROKERS), brokers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_needs_a_dedicated_controller_pool() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster_on_node_pools(&store).await;
    store.put(pool(V1BETA2, "mixed", &["controller", "broker"], 3)).unwrap();
    annotate(&store, "strimzi.io/kraft", "migration");
    let (_, message) = refused(&store).await;
    assert!(message.contains("dedicated controller"), "{message}");
    assert!(pods(&store, "strimzi.io/pool-name=mixed").is_empty());
}

// ---- operators after 0.45 ---------------------------------------------------------------

fn only_kraft(version: &str) -> String {
    format!(
        "Strimzi {version} supports only KRaft-based Apache Kafka clusters. Please make sure your cluster is \
         migrated to KRaft before using Strimzi {version}."
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_0_46_to_0_51_refuse_a_zookeeper_cluster_and_leave_it_running() {
    for release in [
        StrimziRelease::V0_46_1,
        StrimziRelease::V0_48_0,
        StrimziRelease::V0_51_0,
    ] {
        let store = store_with_operator(StrimziRelease::V0_45_2);
        let sim = Sim::new(sim_config()).start(&store);
        zookeeper_cluster(&store, "3.9.0").await;
        let all = "strimzi.io/kind=Kafka";
        let before = uids(&store, all);

        switch_operator(&store, release).await;
        let (reason, message) = refused(&store).await;
        assert_eq!(reason, "InvalidConfigurationException", "{release:?}");
        assert_eq!(message, only_kraft(release.version()));
        assert_eq!(uids(&store, all), before, "{release:?} touches no pod");
        assert_eq!(metadata_state(&kafka(&store)), "ZooKeeper");
        sim.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_in_mid_migration_is_refused_too() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster_on_node_pools(&store).await;
    migrate_to_post_migration(&store).await;
    let all = uids(&store, "strimzi.io/kind=Kafka");

    switch_operator(&store, StrimziRelease::V0_48_0).await;
    let (_, message) = refused(&store).await;
    assert_eq!(message, only_kraft("0.48.0"));
    assert_eq!(uids(&store, "strimzi.io/kind=Kafka"), all);
    assert_eq!(metadata_state(&kafka(&store)), "KRaftPostMigration");
}

/// A KRaft Kafka on node pools at `version`, with or without 0.45's opt-in annotations.
fn kraft_kafka(version: &str, annotated: bool) -> Value {
    let mut k = zookeeper_kafka(version);
    if let Some(spec) = k["spec"].as_object_mut() {
        spec.remove("zookeeper");
    }
    if let Some(kafka) = k["spec"]["kafka"].as_object_mut() {
        kafka.remove("replicas");
        kafka.remove("storage");
    }
    if annotated {
        k["metadata"]["annotations"] = json!({"strimzi.io/kraft": "enabled", "strimzi.io/node-pools": "enabled"});
    }
    k
}

async fn kraft_pools(store: &Store, api: &str) {
    store.put(pool(api, "controller", &["controller"], 3)).unwrap();
    store.put(pool(api, "kafka", &["broker"], 3)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_0_46_and_0_47_still_need_the_kraft_annotations() {
    let store = store_with_operator(StrimziRelease::V0_46_1);
    let _sim = Sim::new(sim_config()).start(&store);
    kraft_pools(&store, V1BETA2).await;
    store.put(kraft_kafka("4.0.0", false)).unwrap();
    let (_, message) = refused(&store).await;
    assert_eq!(message, only_kraft("0.46.1"));
    assert!(pods(&store, "strimzi.io/kind=Kafka").is_empty());

    switch_operator(&store, StrimziRelease::V0_48_0).await;
    reach(&store, "KRaft").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_3_9_2_cannot_be_upgraded_from_on_0_51() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    kraft_pools(&store, V1BETA2).await;
    store.put(kraft_kafka("3.9.2", true)).unwrap();
    reach(&store, "KRaft").await;
    let all = uids(&store, "strimzi.io/kind=Kafka");

    switch_operator(&store, StrimziRelease::V0_51_0).await;
    store
        .merge_patch(
            V1BETA2,
            "Kafka",
            Some(NS),
            "my",
            json!({"spec": {"kafka": {"version": "4.2.0"}}}),
        )
        .unwrap();
    let (reason, message) = refused(&store).await;
    assert_eq!(reason, "UnsupportedKafkaVersionException");
    assert!(message.contains("3.9.2"), "{message}");
    assert_eq!(uids(&store, "strimzi.io/kind=Kafka"), all, "nothing rolled");
}

/// Whether the operator takes a cluster whose status says `running` to `target`: upgrading
/// from a version its `kafka-versions.yaml` does not list fails up to 0.51 (3.9.1 is unknown
/// to 0.46, 3.9.2 to 0.46–0.51); 1.0 allows it, and so does every downgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_running_version_can_be_upgraded_from_only_from_1_0() {
    for (release, running, target, upgrades) in [
        (StrimziRelease::V0_46_1, "3.9.1", "4.0.0", false),
        (StrimziRelease::V0_48_0, "3.9.1", "4.0.0", true),
        (StrimziRelease::V0_51_0, "3.9.2", "4.2.0", false),
        (StrimziRelease::V1_0_0, "3.9.2", "4.2.0", true),
        (StrimziRelease::V0_46_1, "3.9.2", "3.9.0", true),
    ] {
        let case = format!("{} from {running} to {target}", release.version());
        let store = store_with_operator(release);
        let sim = Sim::new(sim_config()).start(&store);
        let api = release.api_version();
        kraft_pools(&store, api).await;
        // As a migrated cluster arrives: its status says what runs.
        let mut k = kraft_kafka(target, true);
        k["apiVersion"] = json!(api);
        k["status"] = json!({"kafkaVersion": running, "kafkaMetadataState": "KRaft"});
        store.put(k).unwrap();
        let settled = sim::wait_until(&store, WAIT, |s| {
            let k = s.get(api, "Kafka", Some(NS), "my").unwrap();
            current(&k) && (ready(&k) || condition(&k, "NotReady").is_some())
        })
        .await;
        let k = store.get(api, "Kafka", Some(NS), "my").unwrap();
        assert!(settled, "{case}: {}", k["status"]);
        assert_eq!(ready(&k), upgrades, "{case}: {}", k["status"]);
        if upgrades {
            assert_eq!(k["status"]["kafkaVersion"], target, "{case}");
        } else {
            let message = condition(&k, "NotReady").unwrap()["message"].as_str().unwrap();
            assert!(message.contains(running), "{case}: {message}");
        }
        sim.abort();
    }
}

// ---- API versions -----------------------------------------------------------------------

const POOLS_V1: &str = "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkanodepools";
const POOLS_V1BETA2: &str = "/apis/kafka.strimzi.io/v1beta2/namespaces/kafka/kafkanodepools";
const POOL_CRD: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/kafkanodepools.kafka.strimzi.io";

fn crd_cluster(release: StrimziRelease) -> (FakeCluster, TestClient) {
    let cluster = FakeCluster::builder().namespace(NS).strimzi(release).start();
    let client = cluster.client();
    (cluster, client)
}

#[test]
fn crds_of_0_51_serve_v1_and_v1beta2_and_an_object_reads_at_either() {
    let (_cluster, c) = crd_cluster(StrimziRelease::V0_51_0);
    let r = c.post(POOLS_V1, &pool("kafka.strimzi.io/v1", "written-at-v1", &["broker"], 3));
    assert_eq!(r.status, 201, "{}", r.body);
    let r = c.post(POOLS_V1BETA2, &pool(V1BETA2, "written-at-v1beta2", &["broker"], 2));
    assert_eq!(r.status, 201, "{}", r.body);

    for (name, replicas) in [("written-at-v1", 3), ("written-at-v1beta2", 2)] {
        for (path, api) in [(POOLS_V1, "kafka.strimzi.io/v1"), (POOLS_V1BETA2, V1BETA2)] {
            let r = c.get(&format!("{path}/{name}"));
            assert_eq!(r.status, 200, "{name} at {api}: {}", r.body);
            let obj = r.json();
            assert_eq!(obj["apiVersion"], api);
            assert_eq!(obj["spec"]["replicas"], replicas);
        }
    }
    let list = c.get(POOLS_V1).json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["apiVersion"] == "kafka.strimzi.io/v1")
    );
    assert_eq!(c.get(POOL_CRD).json()["status"]["storedVersions"], json!(["v1beta2"]));
}

#[test]
fn crds_of_1_0_serve_only_v1() {
    let (_cluster, c) = crd_cluster(StrimziRelease::V1_0_0);
    assert_eq!(c.get(POOLS_V1).status, 200);
    assert_eq!(c.get(POOLS_V1BETA2).status, 404);
}

/// `crd-upgrade`'s steps on one CRD: make v1 the storage version, then trim storedVersions
/// through the status subresource, after which the 1.0.0 CRD is accepted.
#[test]
fn stored_versions_are_trimmed_through_the_crd_status_subresource() {
    let (_cluster, c) = crd_cluster(StrimziRelease::V0_51_0);
    let new_crd = StrimziRelease::V1_0_0
        .crds()
        .unwrap()
        .into_iter()
        .find(|crd| crd["metadata"]["name"] == "kafkanodepools.kafka.strimzi.io")
        .unwrap();
    let replace_with = |mut crd: Value| {
        crd["metadata"]["resourceVersion"] = c.get(POOL_CRD).json()["metadata"]["resourceVersion"].clone();
        c.put(POOL_CRD, &crd)
    };
    let r = replace_with(new_crd.clone());
    assert_eq!(r.status, 422, "v1beta2 is still stored: {}", r.body);

    let mut crd = c.get(POOL_CRD).json();
    for v in crd["spec"]["versions"].as_array_mut().unwrap() {
        v["storage"] = json!(v["name"] == "v1");
    }
    // The main resource ignores status: storedVersions only grows there.
    crd["status"]["storedVersions"] = json!(["v1"]);
    let r = c.put(POOL_CRD, &crd);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"]["storedVersions"], json!(["v1beta2", "v1"]));

    let mut status = c.get(POOL_CRD).json();
    status["status"]["storedVersions"] = json!(["v1"]);
    let r = c.put(&format!("{POOL_CRD}/status"), &status);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(c.get(POOL_CRD).json()["status"]["storedVersions"], json!(["v1"]));

    let r = replace_with(new_crd);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"]["storedVersions"], json!(["v1"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_needs_node_pools_first() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster(&store, "3.9.0").await;
    store.put(pool(V1BETA2, "controller", &["controller"], 3)).unwrap();
    annotate(&store, "strimzi.io/kraft", "migration");
    let (_, message) = refused(&store).await;
    assert!(message.contains("strimzi.io/node-pools: enabled"), "{message}");
    assert_eq!(metadata_state(&kafka(&store)), "ZooKeeper");
}

// ---- the whole path ---------------------------------------------------------------------

/// What the v1 conversion tool's `crd-upgrade` leaves: every Strimzi CRD stores v1 and
/// lists only v1 in `status.storedVersions` (objects are stored as one JSON here, so
/// re-writing them is a no-op).
fn crd_upgrade(store: &Store) {
    let crd_api = "apiextensions.k8s.io/v1";
    for mut crd in store.list(crd_api, "CustomResourceDefinition", None, None) {
        let group = crd["spec"]["group"].as_str().unwrap_or("").to_string();
        let has_v1 = crd["spec"]["versions"]
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| v["name"] == "v1"));
        // 0.45's KafkaMirrorMaker CRD stays behind at v1beta2 (no later bundle has it).
        if !group.ends_with("strimzi.io") || !has_v1 {
            continue;
        }
        for v in crd["spec"]["versions"].as_array_mut().unwrap() {
            v["storage"] = json!(v["name"] == "v1");
        }
        let crd = store.put(crd).unwrap();
        let name = crd["metadata"]["name"].as_str().unwrap();
        let mut status = crd["status"].clone();
        status["storedVersions"] = json!(["v1"]);
        store
            .put_status(crd_api, "CustomResourceDefinition", None, name, status)
            .unwrap();
    }
}

async fn set_kafka(store: &Store, api: &str, kafka: Value) {
    store
        .merge_patch(api, "Kafka", Some(NS), "my", json!({"spec": {"kafka": kafka}}))
        .unwrap();
    let done = sim::wait_until(store, WAIT, |s| {
        s.get(api, "Kafka", Some(NS), "my").is_some_and(|k| ready(&k))
    })
    .await;
    assert!(done, "{}", kafka_at(store, api)["status"]);
}

fn kafka_at(store: &Store, api: &str) -> Value {
    store.get(api, "Kafka", Some(NS), "my").unwrap()
}

/// `UPGRADE-PATH.md`'s shortest safe path, on the simulation: 0.45.2 with ZooKeeper and
/// Kafka 3.9.2 ends as KRaft on 1.2.0 with Kafka 4.3.1, its brokers' volumes kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_path_ends_ready_on_1_2_0_with_the_same_volumes() {
    let store = store_with_operator(StrimziRelease::V0_45_2);
    let _sim = Sim::new(sim_config()).start(&store);
    zookeeper_cluster(&store, "3.9.2").await;
    let cluster_id = kafka(&store)["status"]["clusterId"].clone();
    let claim = claim_uid(&store, "data-my-kafka-0");
    store.put(pool(V1BETA2, "kafka", &["broker"], 3)).unwrap();
    annotate(&store, "strimzi.io/node-pools", "enabled");
    migrate_to_post_migration(&store).await;
    annotate(&store, "strimzi.io/kraft", "enabled");
    reach(&store, "KRaft").await;
    store
        .merge_patch(V1BETA2, "Kafka", Some(NS), "my", json!({"spec": {"zookeeper": null}}))
        .unwrap();
    set_kafka(&store, V1BETA2, json!({"version": "3.9.1"})).await;

    switch_operator(&store, StrimziRelease::V0_51_0).await;
    set_kafka(
        &store,
        V1BETA2,
        json!({"version": "4.2.0", "metadataVersion": "3.9-IV0"}),
    )
    .await;
    set_kafka(&store, V1BETA2, json!({"metadataVersion": "4.2-IV1"})).await;

    crd_upgrade(&store);
    let v1 = StrimziRelease::V1_2_0.api_version();
    switch_operator(&store, StrimziRelease::V1_2_0).await;
    set_kafka(&store, v1, json!({"version": "4.3.1", "metadataVersion": "4.3-IV0"})).await;

    let k = kafka_at(&store, v1);
    assert_eq!(k["status"]["kafkaVersion"], "4.3.1");
    assert_eq!(k["status"]["clusterId"], cluster_id, "the cluster keeps its id");
    assert_eq!(k["status"]["operatorLastSuccessfulVersion"], "1.2.0");
    assert_eq!(
        claim_uid(&store, "data-my-kafka-0"),
        claim,
        "the brokers keep their volumes"
    );
    assert_eq!(names(&store, BROKERS), set(&["my-kafka-0", "my-kafka-1", "my-kafka-2"]));
}
