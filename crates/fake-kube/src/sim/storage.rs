//! Volume provisioning: PersistentVolumeClaims bind to a freshly provisioned
//! PersistentVolume when their StorageClass exists (or a default one does), stay Pending
//! with the provisioner's events otherwise, grow when the class allows expansion, and
//! release their volume when deleted.

use super::Ctx;
use super::kube::{self, array_at};
use crate::store::Store;
use serde_json::{Value, json};

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

pub fn reconcile(store: &Store, ctx: &mut Ctx) {
    let classes = store.list("storage.k8s.io/v1", "StorageClass", None, None);
    let claims = store.list("v1", "PersistentVolumeClaim", None, None);
    for pvc in &claims {
        if kube::is_deleting(pvc) {
            continue;
        }
        if kube::str_at(pvc, "/status/phase") == Some("Bound") {
            resize(store, &classes, pvc);
        } else {
            provision(store, ctx, &classes, pvc);
        }
    }
    release_orphaned_volumes(store, &claims);
}

fn class_name(pvc: &Value) -> Option<&str> {
    kube::str_at(pvc, "/spec/storageClassName").filter(|c| !c.is_empty())
}

fn default_class(classes: &[Value]) -> Option<&Value> {
    classes
        .iter()
        .find(|c| kube::annotation(c, DEFAULT_CLASS) == Some("true"))
}

fn class_of<'a>(classes: &'a [Value], pvc: &Value) -> Option<&'a Value> {
    match class_name(pvc) {
        Some(name) => classes.iter().find(|c| kube::name(c) == name),
        None => default_class(classes),
    }
}

/// A claim whose class binds on first use: the scheduler must not wait for it.
pub fn binds_on_first_use(store: &Store, pvc: &Value) -> bool {
    let classes = store.list("storage.k8s.io/v1", "StorageClass", None, None);
    class_of(&classes, pvc).is_some_and(|c| kube::str_at(c, "/volumeBindingMode") == Some("WaitForFirstConsumer"))
}

fn used_by_a_pod(store: &Store, pvc: &Value) -> bool {
    store
        .list("v1", "Pod", Some(kube::namespace(pvc)), None)
        .iter()
        .any(|p| {
            array_at(p, "/spec/volumes")
                .iter()
                .any(|v| kube::str_at(v, "/persistentVolumeClaim/claimName") == Some(kube::name(pvc)))
        })
}

fn set_pending(store: &Store, pvc: &Value) {
    let status = json!({"phase": "Pending"});
    if pvc.get("status") != Some(&status) {
        let _ = store.put_status(
            "v1",
            "PersistentVolumeClaim",
            Some(kube::namespace(pvc)),
            kube::name(pvc),
            status,
        );
    }
}

fn provision(store: &Store, ctx: &mut Ctx, classes: &[Value], pvc: &Value) {
    let Some(class) = class_of(classes, pvc) else {
        set_pending(store, pvc);
        match class_name(pvc) {
            Some(name) => ctx.event(
                store,
                pvc,
                "Warning",
                "ProvisioningFailed",
                &format!("storageclass.storage.k8s.io \"{name}\" not found"),
            ),
            None => ctx.event(
                store,
                pvc,
                "Normal",
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            ),
        }
        return;
    };
    if kube::str_at(class, "/volumeBindingMode") == Some("WaitForFirstConsumer") && !used_by_a_pod(store, pvc) {
        set_pending(store, pvc);
        ctx.event(
            store,
            pvc,
            "Normal",
            "WaitForFirstConsumer",
            "waiting for first consumer to be created before binding",
        );
        return;
    }
    let class_name = kube::name(class).to_string();
    let provisioner = kube::str_at(class, "/provisioner")
        .unwrap_or("kubernetes.io/no-provisioner")
        .to_string();
    let size = kube::str_at(pvc, "/spec/resources/requests/storage")
        .unwrap_or("1Gi")
        .to_string();
    let access_modes = pvc
        .pointer("/spec/accessModes")
        .cloned()
        .unwrap_or(json!(["ReadWriteOnce"]));
    let pv_name = format!("pvc-{}", kube::uid(pvc));
    let pv = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": pv_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
            "finalizers": ["kubernetes.io/pv-protection"],
        },
        "spec": {
            "accessModes": access_modes,
            "capacity": {"storage": size},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": kube::name(pvc),
                "namespace": kube::namespace(pvc),
                "uid": kube::uid(pvc),
            },
            "persistentVolumeReclaimPolicy":
                kube::str_at(class, "/reclaimPolicy").unwrap_or("Delete"),
            "storageClassName": class_name,
            "volumeMode": "Filesystem",
            "csi": {"driver": provisioner, "volumeHandle": kube::uid(pvc)},
        },
        "status": {"phase": "Bound"},
    });
    if store.put(pv).is_err() {
        return;
    }
    let mut bound = pvc.clone();
    bound["spec"]["volumeName"] = json!(pv_name);
    bound["spec"]["storageClassName"] = json!(class_name);
    for (k, v) in [
        ("pv.kubernetes.io/bind-completed", "yes"),
        ("pv.kubernetes.io/bound-by-controller", "yes"),
        ("volume.kubernetes.io/storage-provisioner", provisioner.as_str()),
    ] {
        kube::set_meta_map(&mut bound, "annotations", k, v);
    }
    bound["status"] = json!({
        "phase": "Bound",
        "accessModes": access_modes,
        "capacity": {"storage": size},
    });
    if store.put(bound).is_ok() {
        ctx.event(
            store,
            pvc,
            "Normal",
            "ProvisioningSucceeded",
            &format!("Successfully provisioned volume {pv_name} using {provisioner}"),
        );
    }
}

/// Grows a bound claim's capacity (and its volume's) when its class allows expansion.
fn resize(store: &Store, classes: &[Value], pvc: &Value) {
    let requested = kube::str_at(pvc, "/spec/resources/requests/storage");
    let capacity = kube::str_at(pvc, "/status/capacity/storage");
    let (Some(req), Some(cap)) = (requested, capacity) else {
        return;
    };
    let grows = match (kube::quantity_bytes(req), kube::quantity_bytes(cap)) {
        (Some(r), Some(c)) => r > c,
        _ => false,
    };
    let expandable = class_of(classes, pvc)
        .and_then(|c| c.get("allowVolumeExpansion"))
        .and_then(Value::as_bool)
        == Some(true);
    if !grows || !expandable {
        return;
    }
    let mut status = pvc.get("status").cloned().unwrap_or(json!({}));
    status["capacity"]["storage"] = json!(req);
    let _ = store.put_status(
        "v1",
        "PersistentVolumeClaim",
        Some(kube::namespace(pvc)),
        kube::name(pvc),
        status,
    );
    if let Some(pv_name) = kube::str_at(pvc, "/spec/volumeName") {
        let _ = store.merge_patch(
            "v1",
            "PersistentVolume",
            None,
            pv_name,
            json!({"spec": {"capacity": {"storage": req}}}),
        );
    }
}

/// Volumes whose claim is gone: deleted under the Delete policy, Released under Retain.
fn release_orphaned_volumes(store: &Store, claims: &[Value]) {
    for pv in store.list("v1", "PersistentVolume", None, None) {
        let Some(claim_uid) = kube::str_at(&pv, "/spec/claimRef/uid") else {
            continue;
        };
        if claims.iter().any(|c| kube::uid(c) == claim_uid) {
            continue;
        }
        if kube::str_at(&pv, "/spec/persistentVolumeReclaimPolicy") == Some("Retain") {
            if kube::str_at(&pv, "/status/phase") != Some("Released") {
                let _ = store.put_status(
                    "v1",
                    "PersistentVolume",
                    None,
                    kube::name(&pv),
                    json!({"phase": "Released"}),
                );
            }
        } else {
            let _ = store.merge_patch(
                "v1",
                "PersistentVolume",
                None,
                kube::name(&pv),
                json!({"metadata": {"finalizers": null}}),
            );
            let _ = store.delete("v1", "PersistentVolume", None, kube::name(&pv));
        }
    }
}
