//! Tearing a cluster down: finding everything that belongs to it (kafkactl's
//! objects by label, Strimzi's through the Kafka CR and ownerReferences, data
//! volumes by label and by name), deleting it, and waiting for its pods to go.
//! Works without a Kafka CR too, so an interrupted `create` can be cleaned up.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams};
use kube::runtime::reflector::Store;
use kube::runtime::watcher;
use serde::Serialize;
use serde_json::{Value, json};

use super::apply::ObjectRef;
use super::client::Connection;
use super::errors::{ApiError, Operation};
use super::owned_kinds::{OwnedKind, made_by_strimzi, rendered_by_kafkactl};
use super::readiness::{ComponentProgress, Progress};
use super::resources::dynamic_api;
use super::watch::{Check, Stalled, WaitError, Watches};
use crate::spec::names::{self, CLUSTER_LABEL, SPEC_ANNOTATION, STRIMZI_CLUSTER_LABEL};

/// One object found in the cluster, with what classification needs.
#[derive(Debug, Clone)]
pub struct Found {
    pub api_version: String,
    pub kind: String,
    pub object: DynamicObject,
}

impl Found {
    pub fn new(api_version: &str, kind: &str, object: DynamicObject) -> Self {
        Found {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            object,
        }
    }

    fn reference(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind.clone(),
            namespace: self.object.metadata.namespace.clone(),
            name: self.object.name_any(),
        }
    }

    fn uid(&self) -> Option<String> {
        self.object.metadata.uid.clone()
    }

    fn owned_by_any(&self, uids: &BTreeSet<String>) -> bool {
        self.object.owner_references().iter().any(|o| uids.contains(&o.uid))
    }

    fn target(&self) -> Target {
        Target {
            api_version: self.api_version.clone(),
            reference: self.reference(),
            uid: self.uid(),
        }
    }
}

/// An object kafkactl deletes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub api_version: String,
    pub reference: ObjectRef,
    pub uid: Option<String>,
}

/// Everything read from the namespace about one cluster, before classifying.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub kafka: Option<Found>,
    pub node_pools: Vec<Found>,
    /// Objects carrying kafkactl's cluster label (`owned_kinds::rendered_by_kafkactl`).
    pub kafkactl: Vec<Found>,
    /// Objects carrying `strimzi.io/cluster` (StrimziPodSets and `owned_kinds::made_by_strimzi`).
    pub strimzi: Vec<Found>,
    pub pods: Vec<Pod>,
    /// Every claim of the namespace; classification picks the cluster's.
    pub claims: Vec<PersistentVolumeClaim>,
    pub topics: Vec<DynamicObject>,
    pub users: Vec<DynamicObject>,
}

/// What happens to a data volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimFate {
    /// Kept: re-creating the cluster with the same layout re-attaches it.
    /// A kept claim that Strimzi made owned by the cluster (`deleteClaim:
    /// true`) is released from that ownership first, so garbage collection
    /// leaves it alone.
    Kept,
    /// Deleted by kafkactl (`--delete-data`).
    Deleted,
}

/// One PersistentVolumeClaim of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<String>,
    pub fate: ClaimFate,
    /// Owned (ownerReferences) by an object that goes with the cluster, as
    /// Strimzi makes claims of storage with `deleteClaim: true`: garbage
    /// collection would delete it. A kept claim loses those references
    /// before anything is deleted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub owned_by_cluster: bool,
    /// uids of the owners that go (what releasing removes).
    #[serde(skip)]
    pub going_owners: Vec<String>,
}

/// The plan of a `delete`: what goes, what stays.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Teardown {
    pub cluster: String,
    pub namespace: String,
    /// The Kafka CR exists.
    pub kafka_found: bool,
    /// The Kafka CR carries kafkactl's stored spec (or there is no Kafka CR).
    pub created_by_kafkactl: bool,
    /// Objects kafkactl deletes: the Kafka CR, its node pools, kafkactl's own objects.
    pub delete: Vec<ObjectRef>,
    /// Objects Strimzi made that garbage collection removes when their owner goes.
    pub garbage_collected: Vec<ObjectRef>,
    /// Pods that stop (waited for).
    pub pods: Vec<String>,
    pub claims: Vec<Claim>,
    /// KafkaTopics other than Strimzi's internal ones.
    pub user_topics: Vec<String>,
    /// KafkaTopic and KafkaUser objects stay: they describe data in the kept volumes.
    pub kept_topics: usize,
    pub kept_users: usize,
    #[serde(skip)]
    pub targets: Vec<Target>,
}

impl Teardown {
    /// Nothing of the cluster exists but (maybe) kept volumes.
    pub fn nothing_to_delete(&self) -> bool {
        self.delete.is_empty() && self.garbage_collected.is_empty() && self.pods.is_empty()
    }

    pub fn claims_with(&self, fate: ClaimFate) -> impl Iterator<Item = &Claim> {
        self.claims.iter().filter(move |c| c.fate == fate)
    }

    /// Kept claims that garbage collection would delete with the cluster
    /// unless released first.
    pub fn claims_to_release(&self) -> impl Iterator<Item = &Claim> {
        self.claims_with(ClaimFate::Kept).filter(|c| c.owned_by_cluster)
    }
}

/// Read everything of `cluster` in `namespace`. `strimzi_version` is the
/// served `kafka.strimzi.io` version (`None`: Strimzi is not installed, only
/// kafkactl's objects and volumes are looked for).
pub async fn list_cluster(
    conn: &Connection,
    strimzi_version: Option<&str>,
    namespace: &str,
    cluster: &str,
) -> Result<Listing, ApiError> {
    let ours = names::cluster_selector(cluster);
    let strimzi = format!("{STRIMZI_CLUSTER_LABEL}={cluster}");
    let kafkactl_kinds: Vec<_> = rendered_by_kafkactl().map(OwnedKind::pair).collect();
    let strimzi_kinds: Vec<_> = made_by_strimzi().map(OwnedKind::pair).collect();
    let kafkactl = list_kinds(conn, &kafkactl_kinds, namespace, &ours);
    let strimzi_made = list_kinds(conn, &strimzi_kinds, namespace, &strimzi);
    let pods = async {
        Api::<Pod>::namespaced(conn.client.clone(), namespace)
            .list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| ApiError::new(e, Operation::new("list", "Pods"), &conn.server))
    };
    let claims = async {
        Api::<PersistentVolumeClaim>::namespaced(conn.client.clone(), namespace)
            .list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| ApiError::new(e, Operation::new("list", "PersistentVolumeClaims"), &conn.server))
    };
    let strimzi_resources = async {
        let Some(v) = strimzi_version else {
            return Ok(StrimziResources::default());
        };
        let kafka_api = format!("kafka.strimzi.io/{v}");
        let podset_api = format!("core.strimzi.io/{v}");
        let (kafka, pools, podsets, topics, users) = futures::try_join!(
            get_one(conn, &kafka_api, "Kafka", namespace, cluster),
            list_kind(conn, &kafka_api, "KafkaNodePool", namespace, &strimzi),
            list_kind(conn, &podset_api, "StrimziPodSet", namespace, &strimzi),
            list_kind(conn, &kafka_api, "KafkaTopic", namespace, &strimzi),
            list_kind(conn, &kafka_api, "KafkaUser", namespace, &strimzi),
        )?;
        Ok::<_, ApiError>(StrimziResources {
            kafka,
            pools,
            podsets,
            topics: topics.into_iter().map(|f| f.object).collect(),
            users: users.into_iter().map(|f| f.object).collect(),
        })
    };
    let (kafkactl, mut strimzi_made, pods, claims, resources) =
        futures::try_join!(kafkactl, strimzi_made, pods, claims, strimzi_resources)?;
    strimzi_made.extend(resources.podsets);
    Ok(Listing {
        kafka: resources.kafka,
        node_pools: resources.pools,
        kafkactl,
        strimzi: strimzi_made,
        pods,
        claims,
        topics: resources.topics,
        users: resources.users,
    })
}

#[derive(Default)]
struct StrimziResources {
    kafka: Option<Found>,
    pools: Vec<Found>,
    podsets: Vec<Found>,
    topics: Vec<DynamicObject>,
    users: Vec<DynamicObject>,
}

async fn list_kinds(
    conn: &Connection,
    kinds: &[(&str, &str)],
    namespace: &str,
    selector: &str,
) -> Result<Vec<Found>, ApiError> {
    let lists = kinds
        .iter()
        .map(|(api_version, kind)| list_kind(conn, api_version, kind, namespace, selector));
    let mut found = Vec::new();
    for list in futures::future::join_all(lists).await {
        found.extend(list?);
    }
    Ok(found)
}

/// Objects of one kind matching `selector`; a kind the server does not serve has none.
pub async fn list_kind(
    conn: &Connection,
    api_version: &str,
    kind: &str,
    namespace: &str,
    selector: &str,
) -> Result<Vec<Found>, ApiError> {
    let Some(api) = dynamic_api(&conn.client, api_version, kind, Some(namespace)) else {
        return Ok(Vec::new());
    };
    match api.list(&ListParams::default().labels(selector)).await {
        Ok(list) => Ok(list
            .items
            .into_iter()
            .map(|o| Found::new(api_version, kind, o))
            .collect()),
        Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => Ok(Vec::new()),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("list", format!("{kind} objects")),
            &conn.server,
        )),
    }
}

/// One object by name, if it exists.
pub async fn get_one(
    conn: &Connection,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Option<Found>, ApiError> {
    let Some(api) = dynamic_api(&conn.client, api_version, kind, Some(namespace)) else {
        return Ok(None);
    };
    match crate::cluster::errors::get_opt(&api, name).await {
        Ok(found) => Ok(found.map(|o| Found::new(api_version, kind, o))),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("get", format!("{kind} {namespace}/{name}")),
            &conn.server,
        )),
    }
}

/// Sort what was read into the plan: what kafkactl deletes, what garbage
/// collection removes, which pods stop, which volumes stay. Pure.
pub fn classify(listing: &Listing, cluster: &str, namespace: &str, delete_data: bool) -> Teardown {
    let mut targets: Vec<Target> = Vec::new();
    if let Some(kafka) = &listing.kafka {
        targets.push(kafka.target());
    }
    targets.extend(listing.node_pools.iter().map(Found::target));
    let mut seen: BTreeSet<ObjectRef> = targets.iter().map(|t| t.reference.clone()).collect();
    for found in &listing.kafkactl {
        if seen.insert(found.reference()) {
            targets.push(found.target());
        }
    }
    let mut going: BTreeSet<String> = targets.iter().filter_map(|t| t.uid.clone()).collect();
    let garbage = owned_closure(&listing.strimzi, &mut going, &seen);
    let pods = cluster_pods(&listing.pods, cluster, &going);
    let claims = cluster_claims(listing, cluster, &going, delete_data);
    let kafka_found = listing.kafka.is_some();
    let created_by_kafkactl = listing
        .kafka
        .as_ref()
        .is_none_or(|k| k.object.annotations().contains_key(SPEC_ANNOTATION));
    Teardown {
        cluster: cluster.to_string(),
        namespace: namespace.to_string(),
        kafka_found,
        created_by_kafkactl,
        delete: targets.iter().map(|t| t.reference.clone()).collect(),
        garbage_collected: garbage,
        pods,
        claims,
        user_topics: user_topics(&listing.topics),
        kept_topics: listing.topics.len(),
        kept_users: listing.users.len(),
        targets,
    }
}

/// Objects owned (directly or through other owned objects) by something in
/// `going`; their uids join `going`.
fn owned_closure(candidates: &[Found], going: &mut BTreeSet<String>, skip: &BTreeSet<ObjectRef>) -> Vec<ObjectRef> {
    let mut taken: BTreeSet<ObjectRef> = BTreeSet::new();
    loop {
        let before = taken.len();
        for found in candidates {
            let reference = found.reference();
            if skip.contains(&reference) || taken.contains(&reference) || !found.owned_by_any(going) {
                continue;
            }
            going.extend(found.uid());
            taken.insert(reference);
        }
        if taken.len() == before {
            break;
        }
    }
    let mut out: Vec<ObjectRef> = taken.into_iter().collect();
    out.sort_by(|a, b| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)).then(a.name.cmp(&b.name)));
    out
}

fn kind_rank(kind: &str) -> usize {
    ["StrimziPodSet", "Deployment", "Service", "ConfigMap", "Secret"]
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

fn labelled_for(labels: &BTreeMap<String, String>, cluster: &str) -> bool {
    labels.get(STRIMZI_CLUSTER_LABEL).map(String::as_str) == Some(cluster)
        || labels.get(CLUSTER_LABEL).map(String::as_str) == Some(cluster)
}

/// Labelled for another cluster (so a name match is a coincidence).
fn labelled_for_other(labels: &BTreeMap<String, String>, cluster: &str) -> bool {
    [STRIMZI_CLUSTER_LABEL, CLUSTER_LABEL]
        .iter()
        .any(|key| labels.get(*key).is_some_and(|v| v != cluster))
}

fn cluster_pods(pods: &[Pod], cluster: &str, going: &BTreeSet<String>) -> Vec<String> {
    let mut names: Vec<String> = pods
        .iter()
        .filter(|p| labelled_for(p.labels(), cluster) || p.owner_references().iter().any(|o| going.contains(&o.uid)))
        .map(|p| p.name_any())
        .collect();
    names.sort();
    names
}

fn cluster_claims(listing: &Listing, cluster: &str, going: &BTreeSet<String>, delete_data: bool) -> Vec<Claim> {
    let pools = known_pools(listing);
    let mut claims: Vec<Claim> = listing
        .claims
        .iter()
        .filter(|c| {
            labelled_for(c.labels(), cluster)
                || (!labelled_for_other(c.labels(), cluster) && is_cluster_claim_name(&c.name_any(), cluster, &pools))
        })
        .map(|c| {
            let fate = if delete_data {
                ClaimFate::Deleted
            } else {
                ClaimFate::Kept
            };
            let going_owners: Vec<String> = c
                .owner_references()
                .iter()
                .filter(|o| going.contains(&o.uid))
                .map(|o| o.uid.clone())
                .collect();
            let spec = c.spec.as_ref();
            Claim {
                name: c.name_any(),
                uid: c.metadata.uid.clone(),
                size: spec
                    .and_then(|s| s.resources.as_ref())
                    .and_then(|r| r.requests.as_ref())
                    .and_then(|r| r.get("storage"))
                    .map(|q| q.0.clone()),
                storage_class: spec.and_then(|s| s.storage_class_name.clone()),
                volume: spec.and_then(|s| s.volume_name.clone()),
                fate,
                owned_by_cluster: !going_owners.is_empty(),
                going_owners,
            }
        })
        .collect();
    claims.sort_by(|a, b| a.name.cmp(&b.name));
    claims
}

/// Pool names the cluster has or had: its KafkaNodePools, the stored spec's
/// pools, and `kafka` (ZooKeeper mode). Empty when nothing says.
fn known_pools(listing: &Listing) -> BTreeSet<String> {
    let mut pools: BTreeSet<String> = listing.node_pools.iter().map(|p| p.object.name_any()).collect();
    if let Some(kafka) = &listing.kafka {
        pools.insert(crate::spec::ZOOKEEPER_MODE_POOL.to_string());
        if let Some(Ok(spec)) = kafka
            .object
            .annotations()
            .get(SPEC_ANNOTATION)
            .map(|s| super::inventory::parse_stored_spec(s))
        {
            pools.extend(spec.pools.keys().map(|pool| names::node_pool(&spec, pool)));
        }
    }
    pools
}

/// Strimzi's claim names (`data-<c>-<pool>-<id>`, `data-<volumeId>-<c>-<pool>-<id>`,
/// `data-<c>-zookeeper-<n>`) and Prometheus's (`data-<c>-prometheus-<n>`).
/// With no known pools, any pool name matches.
pub fn is_cluster_claim_name(claim: &str, cluster: &str, pools: &BTreeSet<String>) -> bool {
    let Some(rest) = claim.strip_prefix("data-") else {
        return false;
    };
    let candidates = [Some(rest), strip_volume_id(rest)];
    candidates.into_iter().flatten().any(|rest| {
        let Some(pod) = rest.strip_prefix(cluster).and_then(|r| r.strip_prefix('-')) else {
            return false;
        };
        let Some((group, ordinal)) = pod.rsplit_once('-') else {
            return false;
        };
        if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        group == "zookeeper"
            || group == "prometheus"
            || pools.contains(group)
            || (pools.is_empty() && !group.is_empty())
    })
}

/// `7-<rest>` → `<rest>` (the JBOD volume id).
fn strip_volume_id(rest: &str) -> Option<&str> {
    let (id, tail) = rest.split_once('-')?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(tail)
}

/// Strimzi's own topics: `__consumer_offsets`-style names and the ones its
/// topic operator keeps (`consumer-offsets---…`, `strimzi-store-topic---…`, …).
pub fn is_internal_topic(name: &str) -> bool {
    name.starts_with("__")
        || name.starts_with("strimzi-")
        || name.starts_with("consumer-offsets---")
        || name.starts_with("transaction-state---")
        || name.starts_with("strimzi-store-topic---")
        || name.starts_with("strimzi-topic-operator-kstreams-topic-store-changelog---")
}

/// A KafkaTopic is internal when its resource name or its `spec.topicName` is.
pub fn is_internal_topic_resource(topic: &DynamicObject) -> bool {
    let topic_name = topic.data["spec"]["topicName"].as_str();
    is_internal_topic(&topic.name_any()) || topic_name.is_some_and(is_internal_topic)
}

fn user_topics(topics: &[DynamicObject]) -> Vec<String> {
    let mut names: Vec<String> = topics
        .iter()
        .filter(|t| !is_internal_topic_resource(t))
        .map(|t| {
            t.data["spec"]["topicName"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| t.name_any())
        })
        .collect();
    names.sort();
    names
}

/// What was deleted so far, shared so an interrupted or failed run can say.
#[derive(Debug, Clone, Default)]
pub struct DeleteLog(Arc<Mutex<Vec<ObjectRef>>>);

impl DeleteLog {
    fn record(&self, reference: ObjectRef) {
        if let Ok(mut log) = self.0.lock() {
            log.push(reference);
        }
    }

    pub fn deleted(&self) -> Vec<ObjectRef> {
        self.0.lock().map(|log| log.clone()).unwrap_or_default()
    }
}

/// Delete the plan's objects: the Kafka CR first (so the operator stops
/// reconciling), then its node pools, then kafkactl's objects. Background
/// propagation: garbage collection removes what they own.
pub async fn delete_objects(conn: &Connection, teardown: &Teardown, log: &DeleteLog) -> Result<(), ApiError> {
    let (strimzi_first, rest): (Vec<&Target>, Vec<&Target>) = teardown
        .targets
        .iter()
        .partition(|t| t.api_version.starts_with("kafka.strimzi.io/"));
    let (kafka, pools): (Vec<&Target>, Vec<&Target>) =
        strimzi_first.into_iter().partition(|t| t.reference.kind == "Kafka");
    for group in [kafka, pools, rest] {
        let results = futures::future::join_all(group.iter().map(|t| delete_one(conn, t, log))).await;
        results.into_iter().collect::<Result<Vec<()>, ApiError>>()?;
    }
    Ok(())
}

async fn delete_one(conn: &Connection, target: &Target, log: &DeleteLog) -> Result<(), ApiError> {
    let reference = &target.reference;
    let Some(api) = dynamic_api(
        &conn.client,
        &target.api_version,
        &reference.kind,
        reference.namespace.as_deref(),
    ) else {
        return Err(ApiError::unexpected(format!(
            "kafkactl does not know how to delete {reference}"
        )));
    };
    // The uid precondition: never delete a same-named object created since the plan was made.
    let mut params = DeleteParams::background();
    if let Some(uid) = &target.uid {
        params.preconditions = Some(kube::api::Preconditions {
            uid: Some(uid.clone()),
            resource_version: None,
        });
    }
    match api.delete(&reference.name, &params).await {
        Ok(_) => {
            log.record(reference.clone());
            Ok(())
        }
        Err(kube::Error::Api(s)) if super::errors::is_not_found(&s) => Ok(()),
        Err(e) => Err(ApiError::new(
            e,
            Operation::new("delete", reference.to_string()),
            &conn.server,
        )),
    }
}

/// Delete the cluster's claims (`--delete-data`).
pub async fn delete_claims(conn: &Connection, teardown: &Teardown, log: &DeleteLog) -> Result<(), ApiError> {
    let targets: Vec<Target> = teardown
        .claims_with(ClaimFate::Deleted)
        .map(|c| Target {
            api_version: "v1".to_string(),
            reference: ObjectRef {
                kind: "PersistentVolumeClaim".to_string(),
                namespace: Some(teardown.namespace.clone()),
                name: c.name.clone(),
            },
            uid: c.uid.clone(),
        })
        .collect();
    let results = futures::future::join_all(targets.iter().map(|t| delete_one(conn, t, log))).await;
    results.into_iter().collect::<Result<Vec<()>, ApiError>>()?;
    Ok(())
}

/// Keep the claims `delete` keeps even when Strimzi made them owned by the
/// cluster (`deleteClaim: true`): pause the Kafka's reconciliation (so the
/// operator does not put the references back), then remove the references
/// to what goes from each claim. Runs before anything is deleted; a claim
/// that changed hands since the plan (another uid) is left alone.
pub async fn release_claims(conn: &Connection, teardown: &Teardown) -> Result<usize, ApiError> {
    let releases: Vec<&Claim> = teardown.claims_to_release().collect();
    if releases.is_empty() {
        return Ok(0);
    }
    if let Some(kafka) = teardown.targets.iter().find(|t| t.reference.kind == "Kafka") {
        super::rollout::annotate(
            conn,
            &kafka.api_version,
            "Kafka",
            &teardown.namespace,
            &kafka.reference.name,
            names::PAUSE_RECONCILIATION_ANNOTATION,
            Some("true"),
        )
        .await?;
    }
    let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), &teardown.namespace);
    let results = futures::future::join_all(releases.iter().map(|c| release_claim(conn, &api, c))).await;
    results.into_iter().collect::<Result<Vec<()>, ApiError>>()?;
    Ok(releases.len())
}

async fn release_claim(conn: &Connection, api: &Api<PersistentVolumeClaim>, claim: &Claim) -> Result<(), ApiError> {
    let operation = || {
        Operation::new(
            "release",
            format!("PersistentVolumeClaim {} from its owners", claim.name),
        )
    };
    let Some(current) = api
        .get_opt(&claim.name)
        .await
        .map_err(|e| ApiError::new(e, operation(), &conn.server))?
    else {
        return Ok(());
    };
    if claim.uid.is_some() && current.metadata.uid != claim.uid {
        return Ok(());
    }
    let owners = current.owner_references();
    let remaining: Vec<_> = owners
        .iter()
        .filter(|o| !claim.going_owners.contains(&o.uid))
        .cloned()
        .collect();
    if remaining.len() == owners.len() {
        return Ok(());
    }
    // A merge patch replaces the whole list; the resourceVersion makes it
    // fail (409) rather than overwrite a change made since it was read.
    let references = if remaining.is_empty() {
        Value::Null
    } else {
        json!(remaining)
    };
    let patch = json!({"metadata": {
        "ownerReferences": references,
        "resourceVersion": current.metadata.resource_version,
    }});
    let params = kube::api::PatchParams {
        field_manager: Some(names::FIELD_MANAGER.to_string()),
        ..kube::api::PatchParams::default()
    };
    api.patch(&claim.name, &params, &kube::api::Patch::Merge(&patch))
        .await
        .map(|_| ())
        .map_err(|e| ApiError::new(e, operation(), &conn.server))
}

/// Watch the namespace's pods until none of the cluster's is left (those of
/// the plan, and any carrying the cluster's labels). Never polls.
pub async fn wait_for_pods_gone(
    conn: &Connection,
    teardown: &Teardown,
    timeout: Duration,
    mut on_progress: impl FnMut(&Progress),
) -> Result<Progress, WaitError> {
    let total = teardown.pods.len() as u32;
    let planned: BTreeSet<String> = teardown.pods.iter().cloned().collect();
    let cluster = teardown.cluster.as_str();
    let mine = |pod: &Pod| planned.contains(&pod.name_any()) || labelled_for(pod.labels(), cluster);
    let ns = teardown.namespace.as_str();
    let mut watches = Watches::new(conn);
    let pods: Store<Pod> = watches.store(
        Api::namespaced(conn.client.clone(), ns),
        (),
        Some(ns),
        watcher::Config::default(),
    );
    let mut last = pods_progress(total, &planned);
    on_progress(&last);
    let initial = Stalled::PodsGone {
        progress: last.clone(),
        left: planned.iter().cloned().collect(),
    };
    watches
        .until(timeout, initial, || {
            let left: BTreeSet<String> = pods.state().iter().filter(|p| mine(p)).map(|p| p.name_any()).collect();
            let progress = pods_progress(total.max(left.len() as u32), &left);
            if progress != last {
                on_progress(&progress);
                last = progress.clone();
            }
            match left.is_empty() {
                true => Check::Done(progress),
                false => Check::Waiting(Stalled::PodsGone {
                    progress,
                    left: left.into_iter().collect(),
                }),
            }
        })
        .await
}

fn pods_progress(total: u32, left: &BTreeSet<String>) -> Progress {
    let left_count = left.len() as u32;
    let done = left.is_empty();
    let phase = if done {
        "all stopped".to_string()
    } else {
        format!("{left_count} still running")
    };
    Progress {
        components: vec![ComponentProgress {
            name: "pods stopped".to_string(),
            ready: total.saturating_sub(left_count),
            total,
            done,
            phase,
        }],
        ready: done,
        diagnostics: Vec::new(),
    }
}

/// The object as JSON (for callers that print or export it).
pub fn to_value(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
    use kube::api::ObjectMeta;

    fn meta(name: &str, uid: &str, labels: &[(&str, &str)], owners: &[&str]) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some("kafka".to_string()),
            uid: Some(uid.to_string()),
            labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            owner_references: Some(
                owners
                    .iter()
                    .map(|u| OwnerReference {
                        uid: u.to_string(),
                        ..OwnerReference::default()
                    })
                    .collect(),
            ),
            ..ObjectMeta::default()
        }
    }

    fn found(api: &str, kind: &str, meta: ObjectMeta) -> Found {
        let mut object = DynamicObject::new("x", &kube::core::ApiResource::erase::<Pod>(&()));
        object.metadata = meta;
        Found::new(api, kind, object)
    }

    fn claim(name: &str, labels: &[(&str, &str)], owners: &[&str]) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: meta(name, &format!("uid-{name}"), labels, owners),
            ..PersistentVolumeClaim::default()
        }
    }

    fn pod(name: &str, labels: &[(&str, &str)], owners: &[&str]) -> Pod {
        Pod {
            metadata: meta(name, &format!("uid-{name}"), labels, owners),
            ..Pod::default()
        }
    }

    fn topic(name: &str, topic_name: Option<&str>) -> DynamicObject {
        let mut object = DynamicObject::new(name, &kube::core::ApiResource::erase::<Pod>(&()));
        if let Some(t) = topic_name {
            object.data = serde_json::json!({"spec": {"topicName": t}});
        }
        object
    }

    const C: (&str, &str) = (STRIMZI_CLUSTER_LABEL, "c1");

    fn listing() -> Listing {
        Listing {
            kafka: Some(found("kafka.strimzi.io/v1", "Kafka", meta("c1", "k", &[], &[]))),
            node_pools: vec![found(
                "kafka.strimzi.io/v1",
                "KafkaNodePool",
                meta("brokers", "p", &[C], &[]),
            )],
            kafkactl: vec![found(
                "v1",
                "Service",
                meta("c1-kafka-exporter", "s", &[(CLUSTER_LABEL, "c1")], &[]),
            )],
            strimzi: vec![
                found(
                    "core.strimzi.io/v1",
                    "StrimziPodSet",
                    meta("c1-brokers", "sps", &[C], &["k"]),
                ),
                found("v1", "Secret", meta("c1-cluster-ca-cert", "sec", &[C], &["k"])),
                // A KafkaUser's Secret: labelled for the cluster, owned by the user.
                found("v1", "Secret", meta("alice", "alice", &[C], &["user-uid"])),
            ],
            pods: vec![
                pod("c1-brokers-0", &[C], &["sps"]),
                pod("other-brokers-0", &[(STRIMZI_CLUSTER_LABEL, "other")], &["x"]),
            ],
            claims: vec![
                claim("data-c1-brokers-0", &[C], &[]),
                claim("data-c1-prometheus-0", &[(CLUSTER_LABEL, "c1")], &[]),
                claim("data-c1-brokers-1", &[C], &["k"]),
                claim("data-c1-x-brokers-0", &[(STRIMZI_CLUSTER_LABEL, "c1-x")], &[]),
                claim("data-0-c1-brokers-2", &[], &[]),
            ],
            topics: vec![
                topic("orders", None),
                topic(
                    "consumer-offsets---84e7a678d08f4bd226872e5cdd4eb527fadc1c6a",
                    Some("__consumer_offsets"),
                ),
                topic("strimzi-store-topic---effb8e3e057afce1ecf67c3f5d8e4e3ff177fc55", None),
                topic("payments-v2", Some("payments.v2")),
            ],
            users: Vec::new(),
        }
    }

    #[test]
    fn the_kafka_cr_goes_first_then_pools_then_kafkactl_objects() {
        let t = classify(&listing(), "c1", "kafka", false);
        let kinds: Vec<&str> = t.delete.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["Kafka", "KafkaNodePool", "Service"]);
    }

    #[test]
    fn owned_strimzi_objects_are_garbage_collected_but_user_secrets_are_not() {
        let t = classify(&listing(), "c1", "kafka", false);
        let names: Vec<&str> = t.garbage_collected.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["c1-brokers", "c1-cluster-ca-cert"]);
        assert_eq!(t.pods, ["c1-brokers-0"]);
    }

    #[test]
    fn claims_are_kept_unless_delete_data_and_owned_ones_are_released() {
        let t = classify(&listing(), "c1", "kafka", false);
        let fates: Vec<(&str, ClaimFate, bool)> = t
            .claims
            .iter()
            .map(|c| (c.name.as_str(), c.fate, c.owned_by_cluster))
            .collect();
        assert_eq!(
            fates,
            [
                ("data-0-c1-brokers-2", ClaimFate::Kept, false),
                ("data-c1-brokers-0", ClaimFate::Kept, false),
                // deleteClaim: true (owned by the Kafka): kept all the same, released first.
                ("data-c1-brokers-1", ClaimFate::Kept, true),
                ("data-c1-prometheus-0", ClaimFate::Kept, false),
            ]
        );
        let released: Vec<&str> = t.claims_to_release().map(|c| c.name.as_str()).collect();
        assert_eq!(released, ["data-c1-brokers-1"]);
        assert_eq!(t.claims[2].going_owners, ["k"]);
        let t = classify(&listing(), "c1", "kafka", true);
        assert!(t.claims.iter().all(|c| c.fate == ClaimFate::Deleted));
        assert!(t.claims.iter().all(|c| c.name != "data-c1-x-brokers-0"));
    }

    #[test]
    fn claim_names_follow_strimzi_and_prometheus() {
        let pools = BTreeSet::from(["brokers".to_string()]);
        for yes in [
            "data-c1-brokers-100",
            "data-3-c1-brokers-0",
            "data-c1-zookeeper-2",
            "data-c1-prometheus-0",
        ] {
            assert!(is_cluster_claim_name(yes, "c1", &pools), "{yes}");
        }
        for no in [
            "data-c1-other-0",
            "data-c1-brokers-x",
            "logs-c1-brokers-0",
            "data-c2-brokers-0",
        ] {
            assert!(!is_cluster_claim_name(no, "c1", &pools), "{no}");
        }
        assert!(is_cluster_claim_name("data-c1-anything-4", "c1", &BTreeSet::new()));
    }

    #[test]
    fn internal_topics_are_not_user_topics() {
        let t = classify(&listing(), "c1", "kafka", false);
        assert_eq!(t.user_topics, ["orders", "payments.v2"]);
        assert_eq!(t.kept_topics, 4);
    }

    #[test]
    fn half_created_cluster_without_kafka_cr_is_found_by_labels() {
        let mut l = listing();
        l.kafka = None;
        l.node_pools.clear();
        let t = classify(&l, "c1", "kafka", false);
        assert!(!t.kafka_found && t.created_by_kafkactl);
        assert_eq!(t.delete.len(), 1);
        assert!(t.garbage_collected.is_empty());
        assert!(!t.nothing_to_delete());
    }
}
