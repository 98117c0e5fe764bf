//! What the nodes of a real cluster do, simulated through the API like any client (no
//! kubelet or container runtime exists here): nodes registered and kept Ready (status
//! heartbeats and leases), pods bound by kube-scheduler moved to Running and Ready (and
//! removed when deleted), claims of a known StorageClass provisioned, and LoadBalancer
//! Services given an address. Controllers of kube-controller-manager do the rest.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use kube::{Client, ResourceExt};
use serde_json::json;

/// The provisioner named by the StorageClasses this simulation provisions for.
pub const PROVISIONER: &str = "kafkactl.test/simulated";

#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub name: String,
    pub cpu: String,
    pub memory: String,
}

pub async fn register_nodes(client: &Client, nodes: &[NodeSpec]) -> anyhow::Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    for (i, node) in nodes.iter().enumerate() {
        let object: Node = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node.name, "labels": {
                "kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": format!("zone-{}", i % 3),
            }},
        }))?;
        match api.create(&PostParams::default(), &object).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 409 => {}
            Err(e) => return Err(e.into()),
        }
        let status = json!({"status": {
            "capacity": {"cpu": node.cpu, "memory": node.memory, "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": node.cpu, "memory": node.memory, "pods": "110", "ephemeral-storage": "100Gi"},
            // TEST-NET-1 (RFC 5737): data only, nothing is ever sent there.
            "addresses": [{"type": "InternalIP", "address": format!("192.0.2.{}", 10 + i)},
                          {"type": "Hostname", "address": node.name}],
            "nodeInfo": {"kubeletVersion": "v1.34.4", "containerRuntimeVersion": "simulated://1",
                         "architecture": "amd64", "operatingSystem": "linux", "osImage": "simulated",
                         "kernelVersion": "6", "kubeProxyVersion": "", "machineID": "", "systemUUID": "", "bootID": ""},
        }});
        api.patch_status(&node.name, &PatchParams::default(), &Patch::Merge(&status))
            .await?;
    }
    heartbeat(client, nodes).await
}

/// Ready conditions and node leases, renewed as a kubelet does (the node lifecycle
/// controller taints nodes that stop, and evicts their pods).
pub async fn heartbeat(client: &Client, nodes: &[NodeSpec]) -> anyhow::Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let now = Timestamp::now();
    for node in nodes {
        let condition = |type_: &str, status: &str, reason: &str| {
            json!({"type": type_, "status": status, "reason": reason, "message": reason,
                   "lastHeartbeatTime": Time(now), "lastTransitionTime": Time(now)})
        };
        let status = json!({"status": {"conditions": [
            condition("Ready", "True", "KubeletReady"),
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID"),
        ]}});
        api.patch_status(&node.name, &PatchParams::default(), &Patch::Strategic(&status))
            .await?;
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": node.name, "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": node.name, "leaseDurationSeconds": 40, "renewTime": MicroTime(now)},
        });
        leases
            .patch(
                &node.name,
                &PatchParams::apply("simulated-kubelet").force(),
                &Patch::Apply(&lease),
            )
            .await?;
    }
    Ok(())
}

pub async fn heartbeats(client: Client, nodes: Vec<NodeSpec>) {
    loop {
        tokio::time::sleep(Duration::from_secs(10)).await;
        if let Err(e) = heartbeat(&client, &nodes).await {
            eprintln!("simulated kubelet: heartbeat failed: {e}");
        }
    }
}

/// Pods bound to a node start (Running, every container ready); deleted ones go at once.
pub async fn run_pods(client: Client) {
    let api: Api<Pod> = Api::all(client.clone());
    let addresses = Arc::new(AtomicU32::new(2));
    let mut events = watcher::watcher(api.clone(), watcher::Config::default()).boxed();
    while let Some(event) = events.next().await {
        let pods = match event {
            Ok(Event::Apply(pod) | Event::InitApply(pod)) => vec![pod],
            Ok(_) => continue,
            Err(e) => {
                eprintln!("simulated kubelet: pod watch: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        for pod in pods {
            if let Err(e) = step_pod(&client, &pod, &addresses).await {
                eprintln!("simulated kubelet: pod {}: {e}", pod.name_any());
            }
        }
    }
}

async fn step_pod(client: &Client, pod: &Pod, addresses: &AtomicU32) -> anyhow::Result<()> {
    let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) else {
        return Ok(());
    };
    let namespace = pod.namespace().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    if pod.metadata.deletion_timestamp.is_some() {
        // The kubelet confirms the graceful deletion once the containers stopped.
        let _ = api
            .delete(&pod.name_any(), &DeleteParams::default().grace_period(0))
            .await;
        return Ok(());
    }
    let running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
    if running {
        return Ok(());
    }
    let now = Time(Timestamp::now());
    let n = addresses.fetch_add(1, Ordering::Relaxed);
    let containers: Vec<_> = pod
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let statuses: Vec<_> = containers
        .iter()
        .map(|(name, image)| {
            json!({"name": name, "image": image, "imageID": format!("{image}@sha256:0"), "ready": true, "started": true,
                   "restartCount": 0, "containerID": format!("simulated://{name}"),
                   "state": {"running": {"startedAt": now}}})
        })
        .collect();
    let condition = |type_: &str| json!({"type": type_, "status": "True", "lastTransitionTime": now});
    let host_ip = node_ip(client, &node).await.unwrap_or_else(|| "192.0.2.1".into());
    let status = json!({"status": {
        "phase": "Running",
        "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"),
                       condition("ContainersReady"), condition("PodScheduled")],
        "containerStatuses": statuses,
        "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
        // Pod addresses are data only: nothing is ever sent to them.
        "podIP": format!("10.244.{}.{}", n / 250, n % 250 + 2),
        "podIPs": [{"ip": format!("10.244.{}.{}", n / 250, n % 250 + 2)}],
        "startTime": now,
    }});
    api.patch_status(&pod.name_any(), &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    Ok(())
}

async fn node_ip(client: &Client, node: &str) -> Option<String> {
    let api: Api<Node> = Api::all(client.clone());
    let node = api.get(node).await.ok()?;
    node.status?
        .addresses?
        .into_iter()
        .find(|a| a.type_ == "InternalIP")
        .map(|a| a.address)
}

/// Claims of a StorageClass whose provisioner is this simulation get a volume of the
/// size asked; kube-controller-manager's volume controller binds them. Growing a claim
/// of an expandable class grows its volume.
pub async fn run_provisioner(client: Client) {
    let claims: Api<PersistentVolumeClaim> = Api::all(client.clone());
    let mut events = watcher::watcher(claims, watcher::Config::default()).boxed();
    while let Some(event) = events.next().await {
        let claim = match event {
            Ok(Event::Apply(c) | Event::InitApply(c)) => c,
            Ok(_) => continue,
            Err(e) => {
                eprintln!("simulated provisioner: claim watch: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if let Err(e) = provision(&client, &claim).await {
            eprintln!("simulated provisioner: claim {}: {e}", claim.name_any());
        }
    }
}

async fn provision(client: &Client, claim: &PersistentVolumeClaim) -> anyhow::Result<()> {
    let Some(spec) = claim.spec.as_ref() else { return Ok(()) };
    let Some(class_name) = spec.storage_class_name.clone() else {
        return Ok(());
    };
    if claim.metadata.deletion_timestamp.is_some() {
        return Ok(());
    }
    let classes: Api<StorageClass> = Api::all(client.clone());
    let Some(class) = classes.get_opt(&class_name).await? else {
        return Ok(());
    };
    if class.provisioner != PROVISIONER {
        return Ok(());
    }
    let namespace = claim.namespace().unwrap_or_default();
    let asked = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .map(|q| q.0.clone())
        .unwrap_or_else(|| "1Gi".into());
    let volumes: Api<PersistentVolume> = Api::all(client.clone());
    match spec.volume_name.as_deref() {
        None => {
            let uid = claim.uid().unwrap_or_default();
            let name = format!("pvc-{uid}");
            let pv = json!({
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER}},
                "spec": {
                    "capacity": {"storage": asked},
                    "accessModes": spec.access_modes.clone().unwrap_or_else(|| vec!["ReadWriteOnce".into()]),
                    "persistentVolumeReclaimPolicy": class.reclaim_policy.clone().unwrap_or_else(|| "Delete".into()),
                    "storageClassName": class_name,
                    "hostPath": {"path": format!("/var/simulated/{name}")},
                    "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": namespace,
                                 "name": claim.name_any(), "uid": uid},
                },
            });
            let pv: PersistentVolume = serde_json::from_value(pv)?;
            match volumes.create(&PostParams::default(), &pv).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 409 => {}
                Err(e) => return Err(e.into()),
            }
        }
        Some(volume) => {
            // Expansion: the volume and then the claim's capacity follow the request.
            let capacity = claim
                .status
                .as_ref()
                .and_then(|s| s.capacity.as_ref())
                .and_then(|c| c.get("storage"))
                .map(|q| q.0.clone());
            if capacity.as_deref() != Some(asked.as_str()) && capacity.is_some() {
                volumes
                    .patch(
                        volume,
                        &PatchParams::default(),
                        &Patch::Merge(json!({"spec": {"capacity": {"storage": asked}}})),
                    )
                    .await?;
                let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &namespace);
                claims
                    .patch_status(
                        &claim.name_any(),
                        &PatchParams::default(),
                        &Patch::Merge(json!({"status": {"capacity": {"storage": asked}}})),
                    )
                    .await?;
            }
        }
    }
    Ok(())
}

/// LoadBalancer Services get an ingress address (TEST-NET-2, data only).
pub async fn run_load_balancers(client: Client) {
    let api: Api<Service> = Api::all(client.clone());
    let next = AtomicU32::new(10);
    let mut events = watcher::watcher(api, watcher::Config::default()).boxed();
    while let Some(event) = events.next().await {
        let service = match event {
            Ok(Event::Apply(s) | Event::InitApply(s)) => s,
            Ok(_) => continue,
            Err(e) => {
                eprintln!("simulated load balancer: service watch: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let is_lb = service.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer");
        let has_address = service
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|l| l.ingress.as_ref())
            .is_some_and(|i| !i.is_empty());
        if !is_lb || has_address {
            continue;
        }
        let namespace = service.namespace().unwrap_or_default();
        let n = next.fetch_add(1, Ordering::Relaxed);
        let api: Api<Service> = Api::namespaced(client.clone(), &namespace);
        let status = json!({"status": {"loadBalancer": {"ingress": [{"ip": format!("198.51.100.{}", n % 250)}]}}});
        if let Err(e) = api
            .patch_status(&service.name_any(), &PatchParams::default(), &Patch::Merge(&status))
            .await
        {
            eprintln!("simulated load balancer: {}: {e}", service.name_any());
        }
    }
}

/// StorageClasses provisioned by this simulation: (name, allows expansion, default).
pub async fn create_storage_classes(client: &Client, classes: &[(String, bool, bool)]) -> anyhow::Result<()> {
    let api: Api<StorageClass> = Api::all(client.clone());
    for (name, expansion, default) in classes {
        let mut annotations = BTreeMap::new();
        if *default {
            annotations.insert("storageclass.kubernetes.io/is-default-class", "true");
        }
        let class: StorageClass = serde_json::from_value(json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name, "annotations": annotations},
            "provisioner": PROVISIONER,
            "allowVolumeExpansion": expansion,
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        }))?;
        match api.create(&PostParams::default(), &class).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 409 => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
