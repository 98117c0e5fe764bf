//! kube 5 (the client kafkactl uses) against fake-kube: discovery, typed and dynamic CRUD,
//! server-side apply with conflicts, errors as `kube::Error::Api`, and the runtime watcher.

use fake_kube::{FakeCluster, StrimziRelease};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{ApiResource, Discovery};
use kube::runtime::watcher;
use serde_json::json;
use std::time::Duration;

async fn client(fc: &FakeCluster) -> kube::Client {
    let kc = Kubeconfig::read_from(fc.kubeconfig_path()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

fn cluster() -> FakeCluster {
    FakeCluster::builder()
        .strimzi(StrimziRelease::V1_2_0)
        .namespace("kafka")
        .start()
}

#[tokio::test]
async fn kube_discovery_finds_the_strimzi_v1_group() {
    let fc = cluster();
    let discovery = Discovery::new(client(&fc).await).run().await.unwrap();
    let group = discovery
        .groups()
        .find(|g| g.name() == "kafka.strimzi.io")
        .expect("kafka.strimzi.io served");
    assert_eq!(group.preferred_version_or_latest(), "v1");
    let (ar, caps) = group.recommended_kind("Kafka").unwrap();
    assert_eq!(ar.plural, "kafkas");
    assert!(caps.supports_operation(kube::discovery::verbs::PATCH));
    let version = client(&fc).await.apiserver_version().await.unwrap();
    assert_eq!(version.minor, "33");
}

#[tokio::test]
async fn kube_server_side_apply_creates_and_reports_conflicts_as_api_errors() {
    let fc = cluster();
    let client = client(&fc).await;
    let ar = ApiResource::from_gvk_with_plural(
        &kube::core::GroupVersionKind::gvk("kafka.strimzi.io", "v1", "KafkaNodePool"),
        "kafkanodepools",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "kafka", &ar);
    let pool = |replicas: i64| {
        json!({"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaNodePool",
            "metadata": {"name": "brokers", "labels": {"strimzi.io/cluster": "c"}},
            "spec": {"replicas": replicas, "roles": ["broker"], "storage": {"type": "ephemeral"}}})
    };
    let applied = api
        .patch("brokers", &PatchParams::apply("kafkactl"), &Patch::Apply(pool(3)))
        .await
        .unwrap();
    assert_eq!(applied.metadata.generation, Some(1));
    assert_eq!(applied.data["spec"]["replicas"], 3);

    let err = api
        .patch("brokers", &PatchParams::apply("someone-else"), &Patch::Apply(pool(5)))
        .await
        .unwrap_err();
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 409);
            assert_eq!(status.reason, "Conflict");
            assert!(status.message.contains("conflict with \"kafkactl\": .spec.replicas"));
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    let forced = api
        .patch(
            "brokers",
            &PatchParams::apply("someone-else").force(),
            &Patch::Apply(pool(5)),
        )
        .await
        .unwrap();
    assert_eq!(forced.data["spec"]["replicas"], 5);
    assert_eq!(forced.metadata.generation, Some(2));
}

#[tokio::test]
async fn kube_typed_api_gets_not_found_and_creates() {
    let fc = cluster();
    let api: Api<ConfigMap> = Api::namespaced(client(&fc).await, "kafka");
    let err = api.get("nope").await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404 && s.message == "configmaps \"nope\" not found"),
        "{err:?}"
    );
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "cfg"}, "data": {"a": "1"}})).unwrap();
    let created = api.create(&PostParams::default(), &cm).await.unwrap();
    assert!(created.metadata.uid.is_some());
    assert_eq!(api.get("cfg").await.unwrap().data.unwrap()["a"], "1");
}

/// What kafkactl's cluster lock relies on: Leases are served and discovered,
/// a second create is refused, a replace from a stale resourceVersion is a 409,
/// and a delete whose preconditions no longer hold is a 409 that deletes nothing.
#[tokio::test]
async fn kube_leases_are_served_with_optimistic_concurrency_like_a_real_server() {
    use k8s_openapi::api::coordination::v1::Lease;
    use kube::api::{DeleteParams, Preconditions};
    let fc = cluster();
    let client = client(&fc).await;
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let group = discovery
        .groups()
        .find(|g| g.name() == "coordination.k8s.io")
        .expect("coordination.k8s.io served");
    let (ar, caps) = group.recommended_kind("Lease").unwrap();
    assert_eq!((ar.plural.as_str(), ar.version.as_str()), ("leases", "v1"));
    assert!(caps.supports_operation(kube::discovery::verbs::UPDATE));

    let api: Api<Lease> = Api::namespaced(client, "kafka");
    let lease = |holder: &str| -> Lease {
        serde_json::from_value(json!({"metadata": {"name": "kafkactl-c"},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30}}))
        .unwrap()
    };
    let first = api.create(&PostParams::default(), &lease("a")).await.unwrap();
    let err = api.create(&PostParams::default(), &lease("b")).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{err:?}"
    );

    let mut renewed = first.clone();
    renewed.spec.as_mut().unwrap().lease_transitions = Some(1);
    let renewed = api
        .replace("kafkactl-c", &PostParams::default(), &renewed)
        .await
        .unwrap();
    assert_ne!(renewed.metadata.resource_version, first.metadata.resource_version);
    // A writer that read the lease before the renewal cannot overwrite it.
    let mut stale = first.clone();
    stale.spec.as_mut().unwrap().holder_identity = Some("b".into());
    let err = api
        .replace("kafkactl-c", &PostParams::default(), &stale)
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.reason == "Conflict"),
        "{err:?}"
    );

    let stale_delete = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: first.metadata.resource_version.clone(),
            uid: None,
        }),
        ..DeleteParams::default()
    };
    let err = api.delete("kafkactl-c", &stale_delete).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 409 && s.message.contains("Precondition failed")),
        "{err:?}"
    );
    assert_eq!(
        api.get("kafkactl-c")
            .await
            .unwrap()
            .spec
            .unwrap()
            .holder_identity
            .as_deref(),
        Some("a")
    );
    let current_delete = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: renewed.metadata.resource_version.clone(),
            uid: renewed.metadata.uid.clone(),
        }),
        ..DeleteParams::default()
    };
    api.delete("kafkactl-c", &current_delete).await.unwrap();
    assert!(api.get_opt("kafkactl-c").await.unwrap().is_none());
}

#[tokio::test]
async fn kube_runtime_watcher_sees_initial_objects_and_later_changes() {
    let fc = cluster();
    let api: Api<ConfigMap> = Api::namespaced(client(&fc).await, "kafka");
    let store = fc.store();
    store
        .put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "before", "namespace": "kafka"}}))
        .unwrap();
    let mut stream = watcher(api, watcher::Config::default()).boxed();
    let mut seen = Vec::new();
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            store
                .put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "after", "namespace": "kafka"}}))
                .unwrap();
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < 2 && tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await {
            Ok(Ok(Some(watcher::Event::InitApply(cm) | watcher::Event::Apply(cm)))) => {
                seen.push(cm.metadata.name.unwrap());
            }
            Ok(Ok(Some(_))) => {}
            other => panic!("watcher ended or failed: {other:?}"),
        }
    }
    writer.await.unwrap();
    assert_eq!(seen, ["before", "after"]);
}

#[tokio::test]
async fn kube_streaming_list_watcher_gets_the_initial_events_end_bookmark() {
    let fc = cluster();
    let api: Api<ConfigMap> = Api::namespaced(client(&fc).await, "kafka");
    fc.store()
        .put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one", "namespace": "kafka"}}))
        .unwrap();
    let mut stream = watcher(api, watcher::Config::default().streaming_lists()).boxed();
    let mut init_done = false;
    let mut names = Vec::new();
    while !init_done {
        match tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await {
            Ok(Ok(Some(watcher::Event::InitApply(cm)))) => names.push(cm.metadata.name.unwrap()),
            Ok(Ok(Some(watcher::Event::InitDone))) => init_done = true,
            Ok(Ok(Some(_))) => {}
            other => panic!("watcher ended or failed: {other:?}"),
        }
    }
    assert_eq!(names, ["one"]);
    let sent = fc
        .requests()
        .into_iter()
        .any(|r| r.query.get("sendInitialEvents").map(String::as_str) == Some("true"));
    assert!(sent, "kube used a watch-list request");
}

/// As a real API server: a StatefulSet's volume claim templates cannot change,
/// and a claim's storage request cannot shrink, nor grow on a class without
/// `allowVolumeExpansion`.
#[tokio::test]
async fn kube_update_of_immutable_volume_fields_is_refused_like_a_real_api_server() {
    use k8s_openapi::api::apps::v1::StatefulSet;
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let fc = FakeCluster::builder()
        .strimzi(StrimziRelease::V1_2_0)
        .namespace("kafka")
        .storage_class("grows", true, true)
        .storage_class("fixed", false, false)
        .start();
    let client = client(&fc).await;
    let sts = |size: &str, replicas: i64| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "p"},
            "spec": {"replicas": replicas, "serviceName": "p",
                "selector": {"matchLabels": {"app": "p"}},
                "template": {"metadata": {"labels": {"app": "p"}},
                    "spec": {"containers": [{"name": "p", "image": "prom/prometheus"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": size}}}}]}})
    };
    let api: Api<StatefulSet> = Api::namespaced(client.clone(), "kafka");
    let ssa = PatchParams::apply("kafkactl");
    api.patch("p", &ssa, &Patch::Apply(sts("1Gi", 1))).await.unwrap();
    api.patch("p", &ssa, &Patch::Apply(sts("1Gi", 2)))
        .await
        .expect("replicas may change");
    let err = api.patch("p", &ssa, &Patch::Apply(sts("2Gi", 2))).await.unwrap_err();
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 422, "{status:?}");
            assert!(
                status.message.contains("spec: Forbidden: updates to statefulset spec"),
                "{status:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client, "kafka");
    for (name, class) in [("on-grows", "grows"), ("on-fixed", "fixed")] {
        let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                "resources": {"requests": {"storage": "2Gi"}}}});
        claims
            .create(&PostParams::default(), &serde_json::from_value(claim).unwrap())
            .await
            .unwrap();
    }
    let request = |size: &str| Patch::Merge(json!({"spec": {"resources": {"requests": {"storage": size}}}}));
    let code = |e: kube::Error| match e {
        kube::Error::Api(status) => status.code,
        other => panic!("{other:?}"),
    };
    claims
        .patch("on-grows", &PatchParams::default(), &request("3Gi"))
        .await
        .expect("grows on an expandable class");
    let shrink = claims.patch("on-grows", &PatchParams::default(), &request("1Gi")).await;
    assert_eq!(code(shrink.unwrap_err()), 422);
    let grow = claims.patch("on-fixed", &PatchParams::default(), &request("3Gi")).await;
    assert_eq!(code(grow.unwrap_err()), 403);
}
