//! The scheduler and the kubelet: node assignment (unschedulable nodes, taints, node
//! selectors, required pod anti-affinity, unbound volumes), then container start-up,
//! readiness, and the scripted failure modes (image pull failures, crash loops).

use super::Ctx;
use super::kube::{self, array_at, condition, keep_times};
use crate::store::Store;
use crate::util::now_rfc3339;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn reconcile(store: &Store, ctx: &mut Ctx) {
    let scheduler = store.as_manager("kube-scheduler");
    let kubelet = store.as_manager("kubelet");
    let nodes: Vec<Value> = store.list("v1", "Node", None, None);
    for pod in store.list("v1", "Pod", None, None) {
        if kube::is_deleting(&pod) {
            continue;
        }
        let pod = if kube::str_at(&pod, "/spec/nodeName").is_none() {
            match schedule(&scheduler, ctx, &nodes, pod) {
                Some(p) => p,
                None => continue,
            }
        } else {
            pod
        };
        run_kubelet(&kubelet, ctx, &nodes, &pod);
    }
}

/// Why a node does not fit a pod, worded as the scheduler words it.
fn unfit_reason(store: &Store, pod: &Value, node: &Value) -> Option<String> {
    if node.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        return Some("node(s) were unschedulable".into());
    }
    let tolerations = array_at(pod, "/spec/tolerations");
    for taint in array_at(node, "/spec/taints") {
        let effect = taint.get("effect").and_then(Value::as_str).unwrap_or("");
        if effect != "NoSchedule" && effect != "NoExecute" {
            continue;
        }
        if !tolerations.iter().any(|t| tolerates(t, taint)) {
            let key = taint.get("key").and_then(Value::as_str).unwrap_or("");
            let value = taint.get("value").and_then(Value::as_str).unwrap_or("");
            return Some(format!("node(s) had untolerated taint {{{key}: {value}}}"));
        }
    }
    if let Some(sel) = pod.pointer("/spec/nodeSelector").and_then(Value::as_object)
        && !sel.iter().all(|(k, v)| kube::label(node, k) == v.as_str())
    {
        return Some("node(s) didn't match Pod's node affinity/selector".into());
    }
    if violates_anti_affinity(store, pod, node) {
        return Some("node(s) didn't match pod anti-affinity rules".into());
    }
    None
}

fn tolerates(toleration: &Value, taint: &Value) -> bool {
    let get = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (tkey, top, teff) = (
        get(toleration, "key"),
        get(toleration, "operator"),
        get(toleration, "effect"),
    );
    if !teff.is_empty() && teff != get(taint, "effect") {
        return false;
    }
    if top == "Exists" {
        return tkey.is_empty() || tkey == get(taint, "key");
    }
    tkey == get(taint, "key") && get(toleration, "value") == get(taint, "value")
}

fn violates_anti_affinity(store: &Store, pod: &Value, node: &Value) -> bool {
    let terms = array_at(
        pod,
        "/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution",
    );
    if terms.is_empty() {
        return false;
    }
    let nodes = store.list("v1", "Node", None, None);
    let topology_of = |node_name: &str, key: &str| -> Option<String> {
        nodes
            .iter()
            .find(|n| kube::name(n) == node_name)
            .and_then(|n| kube::label(n, key))
            .map(str::to_string)
    };
    let others = store.list("v1", "Pod", None, None);
    terms.iter().any(|term| {
        let key = term
            .get("topologyKey")
            .and_then(Value::as_str)
            .unwrap_or("kubernetes.io/hostname");
        let Some(here) = kube::label(node, key) else {
            return false;
        };
        let selector = term.get("labelSelector").cloned().unwrap_or(json!({}));
        let namespaces: Vec<String> = array_at(term, "/namespaces")
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        others.iter().any(|other| {
            let in_ns = if namespaces.is_empty() {
                kube::namespace(other) == kube::namespace(pod)
            } else {
                namespaces.iter().any(|n| n == kube::namespace(other))
            };
            in_ns
                && kube::uid(other) != kube::uid(pod)
                && !kube::is_deleting(other)
                && kube::selects(&selector, other)
                && kube::str_at(other, "/spec/nodeName")
                    .and_then(|n| topology_of(n, key))
                    .as_deref()
                    == Some(here)
        })
    })
}

/// Claims the pod mounts that are not bound yet (and would not bind on first use).
fn unbound_claims(store: &Store, pod: &Value) -> bool {
    array_at(pod, "/spec/volumes").iter().any(|v| {
        let Some(claim) = kube::str_at(v, "/persistentVolumeClaim/claimName") else {
            return false;
        };
        match store.get("v1", "PersistentVolumeClaim", Some(kube::namespace(pod)), claim) {
            None => true,
            Some(pvc) => {
                kube::str_at(&pvc, "/status/phase") != Some("Bound") && !super::storage::binds_on_first_use(store, &pvc)
            }
        }
    })
}

/// Assigns a node round-robin among those that fit; otherwise leaves the pod Pending with
/// the scheduler's condition and a FailedScheduling event. Returns the pod when bound.
fn schedule(store: &Store, ctx: &mut Ctx, nodes: &[Value], pod: Value) -> Option<Value> {
    let message = if nodes.is_empty() {
        Some("no nodes available to schedule pods".to_string())
    } else if unbound_claims(store, &pod) {
        Some(format!(
            "0/{} nodes are available: pod has unbound immediate PersistentVolumeClaims.",
            nodes.len()
        ))
    } else {
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut fitting = Vec::new();
        for n in nodes {
            match unfit_reason(store, &pod, n) {
                Some(r) => *reasons.entry(r).or_default() += 1,
                None => fitting.push(n),
            }
        }
        if !fitting.is_empty() {
            let chosen = fitting[ctx.memory.next_node % fitting.len()];
            ctx.memory.next_node += 1;
            return bind(store, &pod, chosen);
        }
        let parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        Some(format!("0/{} nodes are available: {}.", nodes.len(), parts.join(", ")))
    };
    let message = message.unwrap_or_default();
    let old = array_at(&pod, "/status/conditions").to_vec();
    let status = json!({
        "phase": "Pending",
        "qosClass": qos_class(&pod),
        "conditions": keep_times(&old, vec![condition("PodScheduled", "False", "Unschedulable", &message)]),
    });
    let _ = store.put_status("v1", "Pod", Some(kube::namespace(&pod)), kube::name(&pod), status);
    ctx.event(store, &pod, "Warning", "FailedScheduling", &message);
    None
}

fn bind(store: &Store, pod: &Value, node: &Value) -> Option<Value> {
    let mut bound = pod.clone();
    bound["spec"]["nodeName"] = json!(kube::name(node));
    bound["status"] = json!({
        "phase": "Pending",
        "qosClass": qos_class(pod),
        "conditions": [condition("PodScheduled", "True", "", "")],
    });
    let stored = store.put(bound).ok()?;
    store.record_event(
        kube::namespace(pod),
        &stored,
        "Normal",
        "Scheduled",
        &format!(
            "Successfully assigned {}/{} to {}",
            kube::namespace(pod),
            kube::name(pod),
            kube::name(node)
        ),
    );
    Some(stored)
}

fn qos_class(pod: &Value) -> &'static str {
    let containers = array_at(pod, "/spec/containers");
    let has = |c: &Value, k: &str| {
        c.pointer(&format!("/resources/{k}"))
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    };
    if containers.iter().all(|c| !has(c, "requests") && !has(c, "limits")) {
        "BestEffort"
    } else if containers.iter().all(|c| {
        has(c, "limits")
            && ["cpu", "memory"]
                .iter()
                .all(|r| c.pointer(&format!("/resources/limits/{r}")).is_some())
    }) {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn node_ip(nodes: &[Value], node_name: &str) -> String {
    nodes
        .iter()
        .find(|n| kube::name(n) == node_name)
        .and_then(|n| {
            array_at(n, "/status/addresses")
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
                .and_then(|a| a.get("address").and_then(Value::as_str))
        })
        .unwrap_or("10.0.0.1")
        .to_string()
}

/// On a PersistentVolumeClaim: the cluster ID a KRaft node formatted the volume with. Stands
/// in for `meta.properties` in the volume; written when a node first runs on it.
pub const META_PROPERTIES_CLUSTER_ID: &str = "sim.kafka.apache.org/meta-properties-cluster-id";

/// Kafka's start-up check of its log directories: a KRaft node (a pod the operator gave a
/// cluster ID) refuses to start on a volume formatted for another cluster, as Kafka does
/// (`Invalid cluster.id in: …/meta.properties. Expected X, but read Y`). `Ok` lists the claims
/// not formatted yet.
fn kafka_storage_check(store: &Store, pod: &Value) -> Result<Vec<String>, String> {
    let Some(expected) = kube::annotation(pod, super::kafka::POD_CLUSTER_ID) else {
        return Ok(Vec::new());
    };
    let mut fresh = Vec::new();
    for v in array_at(pod, "/spec/volumes") {
        let Some(claim) = kube::str_at(v, "/persistentVolumeClaim/claimName") else {
            continue;
        };
        let Some(pvc) = store.get("v1", "PersistentVolumeClaim", Some(kube::namespace(pod)), claim) else {
            continue;
        };
        match kube::annotation(&pvc, META_PROPERTIES_CLUSTER_ID) {
            None => fresh.push(claim.to_string()),
            Some(found) if found == expected => {}
            Some(found) => {
                let volume = kube::str_at(v, "/name").unwrap_or("data");
                return Err(format!(
                    "java.lang.RuntimeException: Invalid cluster.id in: /var/lib/kafka/{volume}/kafka-log/meta.properties. Expected {expected}, but read {found}"
                ));
            }
        }
    }
    Ok(fresh)
}

/// What one container is doing.
enum ContainerState {
    Creating,
    PullFailing,
    Crashing(i64),
    Running,
}

/// Starts the containers of a scheduled pod and reports them as the kubelet does.
fn run_kubelet(store: &Store, ctx: &mut Ctx, nodes: &[Value], pod: &Value) {
    let pod_uid = kube::uid(pod).to_string();
    let node_name = kube::str_at(pod, "/spec/nodeName").unwrap_or_default().to_string();
    let started = ctx.memory.since(&format!("pod-start/{pod_uid}"), ctx.now);
    let delay = ctx.cfg.readiness_delay_of(pod);
    let created = ctx.now >= started + delay;
    if !created {
        ctx.wake_at(started + delay);
    }
    let old = pod.get("status").cloned().unwrap_or(json!({}));
    let old_statuses = array_at(&old, "/containerStatuses").to_vec();
    let mut statuses = Vec::new();
    let mut all_ready = true;
    let mut any_running = false;
    let mut pull_failed = false;
    let storage = kafka_storage_check(store, pod);
    for c in array_at(pod, "/spec/containers") {
        let cname = c.get("name").and_then(Value::as_str).unwrap_or("main");
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        let state = if ctx.cfg.image_pull_failures.iter().any(|s| image.contains(s.as_str())) {
            ContainerState::PullFailing
        } else if !created {
            ContainerState::Creating
        } else if ctx.cfg.crash_loops.iter().any(|s| image.contains(s.as_str())) || storage.is_err() {
            let since = started + delay;
            let every = ctx.cfg.crash_interval;
            let n = (ctx.now.duration_since(since).as_millis() / every.as_millis().max(1)) as i64;
            ctx.wake_at(since + every * (n as u32 + 1));
            ContainerState::Crashing(n + 1)
        } else {
            ContainerState::Running
        };
        let previous = old_statuses
            .iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(cname));
        let (ready, restarts, st) = match state {
            ContainerState::Creating => (false, 0, json!({"waiting": {"reason": "ContainerCreating"}})),
            ContainerState::PullFailing => {
                pull_failed = true;
                let msg = format!("Back-off pulling image \"{image}\"");
                ctx.event(store, pod, "Warning", "Failed", &format!(
                    "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"
                ));
                ctx.event(store, pod, "Warning", "Failed", "Error: ErrImagePull");
                ctx.event(store, pod, "Normal", "BackOff", &msg);
                ctx.event(store, pod, "Warning", "Failed", "Error: ImagePullBackOff");
                (
                    false,
                    0,
                    json!({"waiting": {"reason": "ImagePullBackOff", "message": msg}}),
                )
            }
            ContainerState::Crashing(restarts) => {
                any_running = true;
                let msg = format!(
                    "back-off 10s restarting failed container={cname} pod={}_{}({pod_uid})",
                    kube::name(pod),
                    kube::namespace(pod)
                );
                ctx.event(store, pod, "Warning", "BackOff", "Back-off restarting failed container");
                (
                    false,
                    restarts,
                    json!({"waiting": {"reason": "CrashLoopBackOff", "message": msg}}),
                )
            }
            ContainerState::Running => {
                any_running = true;
                let started_at = previous
                    .and_then(|p| p.pointer("/state/running/startedAt").cloned())
                    .unwrap_or_else(|| json!(now_rfc3339()));
                (true, 0, json!({"running": {"startedAt": started_at}}))
            }
        };
        all_ready &= ready;
        let mut s = json!({
            "name": cname,
            "image": image,
            "imageID": "",
            "ready": ready,
            "started": ready,
            "restartCount": restarts,
            "state": st,
        });
        if ready {
            s["imageID"] = json!(format!("{image}@sha256:{}", kube::short_hash(&json!(image))));
            s["containerID"] = json!(format!("containerd://{}", kube::short_hash(&json!(&pod_uid))));
        }
        if restarts > 0 {
            s["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error"}});
            if let Err(message) = &storage {
                s["lastState"]["terminated"]["message"] = json!(message);
            }
        }
        statuses.push(s);
    }
    if !created && !pull_failed {
        all_ready = false;
    }
    // The node formats the volumes it found empty with its cluster ID.
    if created && all_ready {
        for claim in storage.as_ref().map(Vec::as_slice).unwrap_or_default() {
            let _ = store.merge_patch(
                "v1",
                "PersistentVolumeClaim",
                Some(kube::namespace(pod)),
                claim,
                json!({"metadata": {"annotations": {META_PROPERTIES_CLUSTER_ID: kube::annotation(pod, super::kafka::POD_CLUSTER_ID)}}}),
            );
        }
    }
    let phase = if any_running { "Running" } else { "Pending" };
    let ready_str = if all_ready && created { "True" } else { "False" };
    let not_ready_reason = if ready_str == "True" { "" } else { "ContainersNotReady" };
    let waiting: Vec<&str> = statuses
        .iter()
        .filter(|s| s["ready"] != json!(true))
        .filter_map(|s| s["name"].as_str())
        .collect();
    let not_ready_msg = if waiting.is_empty() {
        String::new()
    } else {
        format!("containers with unready status: [{}]", waiting.join(" "))
    };
    let old_conditions = array_at(&old, "/conditions").to_vec();
    let conditions = keep_times(
        &old_conditions,
        vec![
            condition(
                "PodReadyToStartContainers",
                if created { "True" } else { "False" },
                "",
                "",
            ),
            condition("Initialized", "True", "", ""),
            condition("Ready", ready_str, not_ready_reason, &not_ready_msg),
            condition("ContainersReady", ready_str, not_ready_reason, &not_ready_msg),
            condition("PodScheduled", "True", "", ""),
        ],
    );
    let pod_ip = match old.get("podIP").and_then(Value::as_str) {
        Some(ip) => ip.to_string(),
        None => {
            ctx.memory.next_pod_ip += 1;
            let n = ctx.memory.next_pod_ip;
            format!("10.244.{}.{}", (n / 250) % 250, n % 250 + 2)
        }
    };
    let host_ip = node_ip(nodes, &node_name);
    let status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": old.get("startTime").cloned().unwrap_or_else(|| json!(now_rfc3339())),
        "containerStatuses": statuses,
        "qosClass": qos_class(pod),
    });
    if status != old {
        let _ = store.put_status("v1", "Pod", Some(kube::namespace(pod)), kube::name(pod), status);
    }
}
