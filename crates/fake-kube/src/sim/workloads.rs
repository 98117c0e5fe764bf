//! The Deployment and StatefulSet controllers: pods from templates, rolling updates, scaling,
//! StatefulSet volume claims, and the status fields `kubectl rollout status` reads.

use super::Ctx;
use super::kube::{self, array_at, condition, keep_times};
use crate::store::Store;
use serde_json::{Map, Value, json};

const TEMPLATE_HASH: &str = "pod-template-hash";
const REVISION_HASH: &str = "controller-revision-hash";

/// A pod from a workload's template, owned by the workload.
fn pod_from_template(owner: &Value, name: &str, extra_labels: &[(&str, String)]) -> Value {
    let template = owner.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let mut metadata = template.get("metadata").cloned().unwrap_or(json!({}));
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["name"] = json!(name);
    metadata["namespace"] = json!(kube::namespace(owner));
    metadata["ownerReferences"] = json!([kube::owner_ref(owner, true)]);
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    });
    for (k, v) in extra_labels {
        kube::set_meta_map(&mut pod, "labels", k, v);
    }
    if let Some(spec) = pod["spec"].as_object_mut() {
        spec.entry("restartPolicy").or_insert(json!("Always"));
        spec.entry("schedulerName").or_insert(json!("default-scheduler"));
        spec.entry("terminationGracePeriodSeconds").or_insert(json!(30));
    }
    pod
}

fn owned_pods(store: &Store, owner: &Value) -> Vec<Value> {
    let uid = kube::uid(owner);
    store
        .list("v1", "Pod", Some(kube::namespace(owner)), None)
        .into_iter()
        .filter(|p| kube::is_owned_by(p, uid) && !kube::is_deleting(p))
        .collect()
}

fn delete_pod(store: &Store, pod: &Value) {
    let _ = store.delete("v1", "Pod", Some(kube::namespace(pod)), kube::name(pod));
}

fn desired_replicas(obj: &Value) -> i64 {
    kube::i64_at(obj, "/spec/replicas").unwrap_or(1).max(0)
}

/// Puts only non-zero counts, as the controllers' status (omitempty) does.
fn put_counts(status: &mut Map<String, Value>, counts: &[(&str, i64)]) {
    for (k, v) in counts {
        if *v != 0 {
            status.insert((*k).into(), json!(v));
        }
    }
}

fn write_status(store: &Store, obj: &Value, kind: &str, status: Value) {
    if obj.get("status") != Some(&status) {
        let _ = store.put_status("apps/v1", kind, Some(kube::namespace(obj)), kube::name(obj), status);
    }
}

pub fn reconcile_deployments(store: &Store, ctx: &mut Ctx) {
    for deploy in store.list("apps/v1", "Deployment", None, None) {
        if kube::is_deleting(&deploy) {
            continue;
        }
        reconcile_deployment(store, ctx, &deploy);
    }
}

/// Rolls like a surge-only rollout: new pods first, old ones go once enough new ones are
/// Ready (so a new template that never gets ready leaves the old pods serving).
fn reconcile_deployment(store: &Store, ctx: &mut Ctx, deploy: &Value) {
    let name = kube::name(deploy);
    let hash = kube::short_hash(deploy.pointer("/spec/template").unwrap_or(&Value::Null));
    let replicas = desired_replicas(deploy);
    let paused = deploy.pointer("/spec/paused") == Some(&json!(true));
    let pods = owned_pods(store, deploy);
    let (current, old): (Vec<&Value>, Vec<&Value>) = pods
        .iter()
        .partition(|p| kube::label(p, TEMPLATE_HASH) == Some(hash.as_str()));
    if !paused {
        let mut current_count = current.len() as i64;
        while current_count < replicas {
            let pod_name = format!("{name}-{hash}-{}", kube::rand5());
            let pod = pod_from_template(deploy, &pod_name, &[(TEMPLATE_HASH, hash.clone())]);
            if store.put(pod).is_err() {
                break;
            }
            current_count += 1;
        }
        if current_count > replicas {
            let mut extra: Vec<&&Value> = current.iter().collect();
            // Not-ready pods go first, as the ReplicaSet controller prefers.
            extra.sort_by_key(|p| kube::pod_ready(p));
            for p in extra.iter().take((current_count - replicas) as usize) {
                delete_pod(store, p);
            }
        }
        let ready_current = current.iter().filter(|p| kube::pod_ready(p)).count() as i64;
        if ready_current >= replicas {
            for p in &old {
                delete_pod(store, p);
            }
        }
    }
    let pods = owned_pods(store, deploy);
    let total = pods.len() as i64;
    let updated = pods
        .iter()
        .filter(|p| kube::label(p, TEMPLATE_HASH) == Some(hash.as_str()))
        .count() as i64;
    let ready = pods.iter().filter(|p| kube::pod_ready(p)).count() as i64;
    let rs_name = format!("{name}-{hash}");
    let complete = updated == replicas && total == replicas && ready >= replicas;
    let old_conditions = array_at(deploy, "/status/conditions").to_vec();
    let available = if ready >= replicas {
        condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let progressing = if complete {
        condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
        )
    } else {
        condition(
            "Progressing",
            "True",
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{rs_name}\" is progressing."),
        )
    };
    let mut status = Map::new();
    status.insert("observedGeneration".into(), json!(kube::generation(deploy)));
    put_counts(
        &mut status,
        &[
            ("replicas", total),
            ("updatedReplicas", updated),
            ("readyReplicas", ready),
            ("availableReplicas", ready),
            ("unavailableReplicas", (replicas - ready).max(0)),
        ],
    );
    let mut conditions = keep_times(&old_conditions, vec![available, progressing]);
    for c in &mut conditions {
        if c.get("lastUpdateTime").is_none() {
            c["lastUpdateTime"] = c["lastTransitionTime"].clone();
        }
    }
    status.insert("conditions".into(), json!(conditions));
    let _ = ctx;
    write_status(store, deploy, "Deployment", Value::Object(status));
}

pub fn reconcile_statefulsets(store: &Store, ctx: &mut Ctx) {
    for sts in store.list("apps/v1", "StatefulSet", None, None) {
        if kube::is_deleting(&sts) {
            continue;
        }
        reconcile_statefulset(store, ctx, &sts);
    }
}

fn ordinal_of(sts_name: &str, pod: &Value) -> Option<i64> {
    kube::name(pod).strip_prefix(sts_name)?.strip_prefix('-')?.parse().ok()
}

/// The claims a StatefulSet pod gets, created when missing (and kept when the set goes,
/// unless its retention policy says Delete).
fn ensure_claims(store: &Store, sts: &Value, ordinal: i64) -> Vec<(String, String)> {
    let name = kube::name(sts);
    let ns = kube::namespace(sts);
    let delete_with_set = kube::str_at(sts, "/spec/persistentVolumeClaimRetentionPolicy/whenDeleted") == Some("Delete");
    let selector_labels = sts.pointer("/spec/selector/matchLabels").cloned().unwrap_or(json!({}));
    let mut mounts = Vec::new();
    for template in array_at(sts, "/spec/volumeClaimTemplates") {
        let tname = kube::name(template).to_string();
        let claim = format!("{tname}-{name}-{ordinal}");
        mounts.push((tname, claim.clone()));
        if store.get("v1", "PersistentVolumeClaim", Some(ns), &claim).is_some() {
            continue;
        }
        let mut labels = template.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
        if let (Some(l), Some(s)) = (labels.as_object_mut(), selector_labels.as_object()) {
            for (k, v) in s {
                l.insert(k.clone(), v.clone());
            }
        }
        let mut pvc = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim, "namespace": ns, "labels": labels},
            "spec": template.get("spec").cloned().unwrap_or(json!({})),
        });
        if let Some(a) = template.pointer("/metadata/annotations") {
            pvc["metadata"]["annotations"] = a.clone();
        }
        if delete_with_set {
            pvc["metadata"]["ownerReferences"] = json!([kube::owner_ref(sts, true)]);
        }
        let _ = store.put(pvc);
    }
    mounts
}

fn statefulset_pod(store: &Store, sts: &Value, ordinal: i64, revision: &str) -> Value {
    let name = kube::name(sts);
    let pod_name = format!("{name}-{ordinal}");
    let mounts = ensure_claims(store, sts, ordinal);
    let mut pod = pod_from_template(
        sts,
        &pod_name,
        &[
            (REVISION_HASH, revision.to_string()),
            ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
            ("apps.kubernetes.io/pod-index", ordinal.to_string()),
        ],
    );
    pod["spec"]["hostname"] = json!(pod_name);
    if let Some(svc) = kube::str_at(sts, "/spec/serviceName") {
        pod["spec"]["subdomain"] = json!(svc);
    }
    if !mounts.is_empty() {
        let volumes = pod["spec"]
            .as_object_mut()
            .map(|s| s.entry("volumes").or_insert(json!([])));
        if let Some(Value::Array(v)) = volumes {
            for (tname, claim) in mounts {
                v.retain(|vol| vol.get("name").and_then(Value::as_str) != Some(tname.as_str()));
                v.push(json!({"name": tname, "persistentVolumeClaim": {"claimName": claim}}));
            }
        }
    }
    pod
}

fn reconcile_statefulset(store: &Store, ctx: &mut Ctx, sts: &Value) {
    let name = kube::name(sts);
    let revision = format!(
        "{name}-{}",
        kube::short_hash(sts.pointer("/spec/template").unwrap_or(&Value::Null))
    );
    let replicas = desired_replicas(sts);
    let parallel = kube::str_at(sts, "/spec/podManagementPolicy") == Some("Parallel");
    let on_delete = kube::str_at(sts, "/spec/updateStrategy/type") == Some("OnDelete");
    let mut pods: Vec<(i64, Value)> = owned_pods(store, sts)
        .into_iter()
        .filter_map(|p| ordinal_of(name, &p).map(|o| (o, p)))
        .collect();
    pods.sort_by_key(|(o, _)| *o);

    // Scale down: highest ordinal first.
    let surplus: Vec<&(i64, Value)> = pods.iter().filter(|(o, _)| *o >= replicas).collect();
    if let Some((_, p)) = surplus.last() {
        if parallel {
            for (_, p) in &surplus {
                delete_pod(store, p);
            }
        } else {
            delete_pod(store, p);
        }
    }
    // Scale up: every missing ordinal (Parallel) or the next one once the lower ones are Ready.
    for ordinal in 0..replicas {
        if pods.iter().any(|(o, _)| *o == ordinal) {
            continue;
        }
        let lower_ready = pods
            .iter()
            .filter(|(o, _)| *o < ordinal)
            .all(|(_, p)| kube::pod_ready(p))
            && pods.iter().filter(|(o, _)| *o < ordinal).count() as i64 == ordinal;
        if !parallel && !lower_ready {
            break;
        }
        let _ = store.put(statefulset_pod(store, sts, ordinal, &revision));
        if !parallel {
            break;
        }
    }
    // Rolling update: replace the highest stale pod once every pod is Ready.
    let pods: Vec<(i64, Value)> = {
        let mut v: Vec<(i64, Value)> = owned_pods(store, sts)
            .into_iter()
            .filter_map(|p| ordinal_of(name, &p).map(|o| (o, p)))
            .collect();
        v.sort_by_key(|(o, _)| *o);
        v
    };
    let all_ready = pods.len() as i64 == replicas && pods.iter().all(|(_, p)| kube::pod_ready(p));
    if !on_delete
        && all_ready
        && let Some((_, stale)) = pods
            .iter()
            .rev()
            .find(|(_, p)| kube::label(p, REVISION_HASH) != Some(revision.as_str()))
    {
        delete_pod(store, stale);
    }

    let pods = owned_pods(store, sts);
    let total = pods.len() as i64;
    let ready = pods.iter().filter(|p| kube::pod_ready(p)).count() as i64;
    let updated = pods
        .iter()
        .filter(|p| kube::label(p, REVISION_HASH) == Some(revision.as_str()))
        .count() as i64;
    let old_current = kube::str_at(sts, "/status/currentRevision")
        .unwrap_or(revision.as_str())
        .to_string();
    let current_revision = if updated == replicas && ready == replicas {
        revision.clone()
    } else {
        old_current
    };
    let current = pods
        .iter()
        .filter(|p| kube::label(p, REVISION_HASH) == Some(current_revision.as_str()))
        .count() as i64;
    let mut status = Map::new();
    status.insert("observedGeneration".into(), json!(kube::generation(sts)));
    status.insert("replicas".into(), json!(total));
    put_counts(
        &mut status,
        &[
            ("readyReplicas", ready),
            ("currentReplicas", current),
            ("updatedReplicas", updated),
            ("availableReplicas", ready),
        ],
    );
    status.insert("currentRevision".into(), json!(current_revision));
    status.insert("updateRevision".into(), json!(revision));
    status.insert("collisionCount".into(), json!(0));
    let _ = ctx;
    write_status(store, sts, "StatefulSet", Value::Object(status));
}
