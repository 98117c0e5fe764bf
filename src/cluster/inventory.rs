//! Reading clusters back: the Kafka CR and the spec stored on it, the
//! resourceVersions of a plan's objects before applying, the clusters of a
//! namespace or of the whole cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use super::apply::ObjectRef;
use super::client::Connection;
use super::errors::{ApiError, Operation, api_error};
use super::readiness::Observed;
use super::resources::{dynamic_api, strimzi};
use crate::render::Plan;
use crate::spec::names::{CLUSTER_LABEL, SPEC_ANNOTATION, STRIMZI_CLUSTER_LABEL};
use crate::spec::{ClusterSpec, NodePoolNames, names};

fn kafka_api(conn: &Connection, version: &str, namespace: Option<&str>) -> Result<Api<DynamicObject>, ApiError> {
    let resource = strimzi(version, "Kafka").ok_or_else(|| ApiError::UnknownStrimziVersion {
        version: version.to_string(),
    })?;
    Ok(match namespace {
        Some(ns) => Api::namespaced_with(conn.client.clone(), ns, &resource),
        None => Api::all_with(conn.client.clone(), &resource),
    })
}

/// The Kafka CR `namespace/name`, if it exists.
pub async fn get_kafka(
    conn: &Connection,
    version: &str,
    namespace: &str,
    name: &str,
) -> Result<Option<Value>, ApiError> {
    let api = kafka_api(conn, version, Some(namespace))?;
    match crate::cluster::errors::get_opt(&api, name).await {
        Ok(found) => Ok(found.map(|k| serde_json::to_value(k).unwrap_or_default())),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("get", format!("Kafka {namespace}/{name}")),
            &conn.server,
        )),
    }
}

/// Every Kafka CR in `namespace`, or in all namespaces.
pub async fn list_kafkas(conn: &Connection, version: &str, namespace: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let api = kafka_api(conn, version, namespace)?;
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(api_error(Operation::new("list", "Kafka clusters"), &conn.server))?;
    Ok(list
        .items
        .into_iter()
        .map(|k| serde_json::to_value(k).unwrap_or_default())
        .collect())
}

/// The Kafka pods Strimzi runs (`strimzi.io/kind=Kafka`: brokers, controllers,
/// ZooKeeper and the operands), in `namespace` or in all.
pub async fn list_kafka_pods(conn: &Connection, namespace: Option<&str>) -> Result<Vec<Pod>, ApiError> {
    let pods_api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(conn.client.clone(), ns),
        None => Api::all(conn.client.clone()),
    };
    pods_api
        .list(&ListParams::default().labels("strimzi.io/kind=Kafka"))
        .await
        .map(|list| list.items)
        .map_err(|e| ApiError::new(e, Operation::new("list", "Kafka pods"), &conn.server))
}

/// Whether namespace `name` exists. A user who may not read namespaces gets
/// `false`: the apply then creates it (or finds it).
pub async fn namespace_exists(conn: &Connection, name: &str) -> Result<bool, ApiError> {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    match super::errors::get_opt(&api, name).await {
        Ok(found) => Ok(found.is_some()),
        // Users who may not read namespaces: let the apply create (or find) it.
        Err(kube::Error::Api(s)) if s.is_forbidden() => Ok(false),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("get", format!("namespace {name}")),
            &conn.server,
        )),
    }
}

/// The ClusterSpec kafkactl stored on a Kafka CR, when it has one.
pub fn stored_spec(kafka: &Value) -> Option<Result<ClusterSpec, serde_json::Error>> {
    let text = kafka["metadata"]["annotations"][SPEC_ANNOTATION].as_str()?;
    Some(parse_stored_spec(text))
}

/// The pool naming of the cluster a Kafka CR stores (kept by `create` and
/// judged by `check`); `None` when it has no readable stored spec.
pub fn stored_pool_naming(kafka: &Value) -> Option<NodePoolNames> {
    Some(stored_spec(kafka)?.ok()?.node_pool_names)
}

/// A stored spec from its JSON. Specs stored before kafkactl recorded
/// `nodePoolNames` belong to clusters whose KafkaNodePools have bare names:
/// they keep them (renaming a pool would replace its pods and claims).
pub fn parse_stored_spec(text: &str) -> Result<ClusterSpec, serde_json::Error> {
    let mut value: Value = serde_json::from_str(text)?;
    if let Some(fields) = value.as_object_mut() {
        fields
            .entry(NODE_POOL_NAMES_FIELD)
            .or_insert_with(|| Value::from(NodePoolNames::Bare.as_str()));
    }
    serde_json::from_value(value)
}

/// The stored spec's field for [`ClusterSpec::node_pool_names`].
const NODE_POOL_NAMES_FIELD: &str = "nodePoolNames";

/// resourceVersion of every object of `plan` that exists now: one list per
/// kind (by the cluster label), plus the namespace, all concurrently.
pub async fn before_state(
    conn: &Connection,
    plan: &Plan,
    cluster: &str,
) -> Result<BTreeMap<ObjectRef, String>, ApiError> {
    let mut kinds: Vec<(String, String, Option<String>)> = plan
        .objects
        .iter()
        .map(|o| {
            (
                o.api_version().to_string(),
                o.kind().to_string(),
                o.namespace().map(str::to_string),
            )
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    let selector = format!("{CLUSTER_LABEL}={cluster}");
    let lists = kinds.iter().map(|(api_version, kind, ns)| {
        let selector = selector.clone();
        async move {
            let Some(api) = dynamic_api(&conn.client, api_version, kind, ns.as_deref()) else {
                return Ok(Vec::new());
            };
            let params = if kind == "Namespace" {
                ListParams::default()
            } else {
                ListParams::default().labels(&selector)
            };
            match api.list(&params).await {
                Ok(list) => Ok(list
                    .items
                    .into_iter()
                    .filter_map(|o| {
                        let reference = ObjectRef {
                            kind: kind.clone(),
                            namespace: o.metadata.namespace.clone(),
                            name: o.metadata.name.clone()?,
                        };
                        Some((reference, crate::cluster::apply::fingerprint_of(&o.metadata)))
                    })
                    .collect::<Vec<_>>()),
                Err(e) => Err(ApiError::new(
                    e,
                    Operation::new("list", format!("{kind} objects")),
                    &conn.server,
                )),
            }
        }
    });
    let mut out = BTreeMap::new();
    for list in futures::future::join_all(lists).await {
        out.extend(list?);
    }
    Ok(out)
}

/// A one-off picture of a cluster (what `status` shows): the Kafka CR, its
/// node pools, and the namespace's pods, workloads, claims and warnings,
/// read concurrently and filtered to the cluster.
pub async fn observe(conn: &Connection, version: &str, spec: &ClusterSpec) -> Result<Observed, ApiError> {
    use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};

    let ns = spec.namespace.as_str();
    let c = spec.name.as_str();
    let fail = |what: &'static str| api_error(Operation::new("list", what), &conn.server);
    let pools_api: Option<Api<DynamicObject>> =
        strimzi(version, "KafkaNodePool").map(|r| Api::namespaced_with(conn.client.clone(), ns, &r));
    let by_cluster = ListParams::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={c}"));
    let pools = async {
        match (&pools_api, spec.is_zookeeper()) {
            (Some(api), false) => api
                .list(&by_cluster)
                .await
                .map(|l| l.items)
                .map_err(fail("KafkaNodePools")),
            _ => Ok(Vec::new()),
        }
    };
    let all = ListParams::default();
    let (kafka, pools, pods, deployments, statefulsets, pvcs, events) = futures::try_join!(
        get_kafka(conn, version, ns, c),
        pools,
        async {
            Api::<Pod>::namespaced(conn.client.clone(), ns)
                .list(&all)
                .await
                .map_err(fail("Pods"))
        },
        async {
            Api::<Deployment>::namespaced(conn.client.clone(), ns)
                .list(&all)
                .await
                .map_err(fail("Deployments"))
        },
        async {
            Api::<StatefulSet>::namespaced(conn.client.clone(), ns)
                .list(&all)
                .await
                .map_err(fail("StatefulSets"))
        },
        async {
            Api::<PersistentVolumeClaim>::namespaced(conn.client.clone(), ns)
                .list(&all)
                .await
                .map_err(fail("PersistentVolumeClaims"))
        },
        async {
            Api::<Event>::namespaced(conn.client.clone(), ns)
                .list(&all)
                .await
                .map_err(fail("Events"))
        },
    )?;
    let named = |m: &kube::api::ObjectMeta| m.name.clone().unwrap_or_default();
    let mine = |l: Option<&BTreeMap<String, String>>| {
        l.is_some_and(|l| {
            l.get(STRIMZI_CLUSTER_LABEL).map(String::as_str) == Some(c)
                || l.get(CLUSTER_LABEL).map(String::as_str) == Some(c)
        })
    };
    Ok(Observed {
        kafka,
        node_pools: pools
            .into_iter()
            .map(|p| (named(&p.metadata), serde_json::to_value(p).unwrap_or_default()))
            .collect(),
        pods: pods
            .items
            .into_iter()
            .filter(|p| mine(p.metadata.labels.as_ref()))
            .map(|p| (named(&p.metadata), p))
            .collect(),
        deployments: deployments
            .items
            .into_iter()
            .filter(|d| mine(d.metadata.labels.as_ref()) || prefixed(&d.metadata, c))
            .map(|d| (named(&d.metadata), d))
            .collect(),
        statefulsets: statefulsets
            .items
            .into_iter()
            .filter(|s| mine(s.metadata.labels.as_ref()))
            .map(|s| (named(&s.metadata), s))
            .collect(),
        pvcs: pvcs.items.into_iter().map(|p| (named(&p.metadata), p)).collect(),
        warnings: events
            .items
            .into_iter()
            .filter(|e| e.type_.as_deref() == Some("Warning"))
            .map(|e| (named(&e.metadata), e))
            .collect(),
    })
}

/// Strimzi names its workloads `<cluster>-…`; readiness looks them up by exact name.
pub fn prefixed(meta: &kube::api::ObjectMeta, cluster: &str) -> bool {
    meta.name
        .as_deref()
        .is_some_and(|n| n.starts_with(&format!("{cluster}-")))
}

/// Node ids per pool (keyed like `spec.pools`) as Strimzi assigned them
/// (KafkaNodePool `status.nodeIds`); pools without a status yet are left out
/// (render predicts them), and so are KafkaNodePools the spec does not have.
pub async fn node_ids(
    conn: &Connection,
    version: &str,
    spec: &ClusterSpec,
) -> Result<BTreeMap<String, Vec<i32>>, ApiError> {
    if spec.is_zookeeper() {
        return Ok(BTreeMap::new());
    }
    let Some(resource) = strimzi(version, "KafkaNodePool") else {
        return Ok(BTreeMap::new());
    };
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), &spec.namespace, &resource);
    let params = ListParams::default().labels(&format!("{STRIMZI_CLUSTER_LABEL}={}", spec.name));
    let list = api
        .list(&params)
        .await
        .map_err(api_error(Operation::new("list", "KafkaNodePools"), &conn.server))?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|pool| {
            let key = names::pool_key(spec, pool.metadata.name.as_deref()?)?.to_string();
            let ids: Vec<i32> = pool.data["status"]["nodeIds"]
                .as_array()?
                .iter()
                .filter_map(|v| v.as_i64())
                .map(|v| v as i32)
                .collect();
            Some((key, ids))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::preset;

    fn dev() -> ClusterSpec {
        let mut spec = preset::resolve(&preset::find("dev").unwrap()).unwrap();
        spec.name = "c".to_string();
        spec
    }

    #[test]
    fn a_spec_stored_without_pool_naming_is_read_as_bare() {
        let mut stored = serde_json::to_value(dev()).unwrap();
        stored.as_object_mut().unwrap().remove(NODE_POOL_NAMES_FIELD);
        let spec = parse_stored_spec(&stored.to_string()).unwrap();
        assert_eq!(spec.node_pool_names, NodePoolNames::Bare);
        assert_eq!(names::node_pool(&spec, "dual"), "dual");
    }

    #[test]
    fn a_stored_pool_naming_is_kept_and_new_specs_are_prefixed() {
        let spec = dev();
        assert_eq!(spec.node_pool_names, NodePoolNames::Prefixed);
        let text = serde_json::to_string(&spec).unwrap();
        assert!(text.contains("\"nodePoolNames\":\"prefixed\""), "{text}");
        assert_eq!(parse_stored_spec(&text).unwrap(), spec);
        let kafka = serde_json::json!({"metadata": {"annotations": {SPEC_ANNOTATION: text}}});
        assert_eq!(stored_spec(&kafka).unwrap().unwrap(), spec);
    }
}
