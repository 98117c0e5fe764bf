//! Scheduling checks: enough nodes the pods may run on (not cordoned, taints
//! tolerated, node selector matched) for required anti-affinity; allocatable
//! CPU and memory for the requests, in total and packed node by node; fixed
//! NodePorts free; load balancers that get addresses.
//!
//! Requests are compared with what nodes can allocate, not with what other
//! workloads already use: this says whether the cluster *can* hold the spec.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{CheckResult, Section, Target, and_list};
use crate::cluster::facts::{ClusterFacts, NodeFact, ServiceFact, TaintFact};
use crate::render::Plan;
use crate::spec::names::{CLUSTER_LABEL, STRIMZI_CLUSTER_LABEL};
use crate::spec::quantity::{format_bytes, format_cpu, parse_cpu_millis, parse_memory_bytes};
use crate::spec::{AntiAffinity, ClusterSpec, CpuMemory, ListenerType, Resources, SchedulingSpec, Toleration};

const SECTION: Section = Section::Scheduling;
/// A LoadBalancer Service without an address after this long suggests no controller provisions them.
const LOAD_BALANCER_GRACE_SECONDS: i64 = 60;
/// Nodes named in one message, at most.
const NAMED_NODES: usize = 5;

/// Identical pods that schedule alike: a node pool, ZooKeeper, or one of
/// kafkactl's own Deployments and StatefulSets.
#[derive(Debug, Clone, PartialEq)]
pub struct PodGroup {
    /// `pool brokers`, `ZooKeeper`, `StatefulSet c-prometheus`.
    pub component: String,
    pub replicas: u32,
    /// Requests of one pod (the limits when no request is set, as Kubernetes does).
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// Required anti-affinity: at most one pod of the group per value of this node label.
    pub spread: Option<String>,
    /// Comes from the spec's pools or ZooKeeper (reported line by line).
    pub from_spec: bool,
}

fn request(resources: &Resources, pick: fn(&CpuMemory) -> Option<&String>, parse: fn(&str) -> Option<u64>) -> u64 {
    pick(&resources.requests)
        .or_else(|| pick(&resources.limits))
        .and_then(|q| parse(q))
        .unwrap_or(0)
}

fn cpu(text: &str) -> Option<u64> {
    parse_cpu_millis(text).ok()
}

fn memory(text: &str) -> Option<u64> {
    parse_memory_bytes(text).ok()
}

fn spec_group(component: String, replicas: i32, resources: &Resources, scheduling: &SchedulingSpec) -> PodGroup {
    PodGroup {
        component,
        replicas: replicas.max(0) as u32,
        cpu_millis: request(resources, |c| c.cpu.as_ref(), cpu),
        memory_bytes: request(resources, |c| c.memory.as_ref(), memory),
        node_selector: scheduling.node_selector.clone(),
        tolerations: scheduling.tolerations.clone(),
        spread: (scheduling.anti_affinity == AntiAffinity::Required).then(|| scheduling.topology_key.clone()),
        from_spec: true,
    }
}

/// Every group of pods the spec runs: pools and ZooKeeper from the spec
/// (Strimzi makes those pods), the rest from the plan's workloads.
pub fn pod_groups(spec: &ClusterSpec, plan: &Plan) -> Vec<PodGroup> {
    let mut out: Vec<PodGroup> = spec
        .pools
        .iter()
        .map(|(name, p)| spec_group(format!("pool {name}"), p.replicas, &p.resources, &p.scheduling))
        .collect();
    if spec.is_zookeeper()
        && let Some(zk) = &spec.zookeeper
    {
        out.push(spec_group(
            "ZooKeeper".into(),
            zk.replicas,
            &zk.resources,
            &zk.scheduling,
        ));
    }
    for object in &plan.objects {
        if matches!(object.kind(), "Deployment" | "StatefulSet") {
            out.push(workload_group(&object.object));
        }
    }
    out
}

fn workload_group(object: &Value) -> PodGroup {
    let pod = &object["spec"]["template"]["spec"];
    let containers = pod["containers"].as_array().cloned().unwrap_or_default();
    let sum = |key: &str, parse: fn(&str) -> Option<u64>| -> u64 {
        containers
            .iter()
            .map(|c| {
                let resources = &c["resources"];
                resources["requests"][key]
                    .as_str()
                    .or_else(|| resources["limits"][key].as_str())
                    .and_then(parse)
                    .unwrap_or(0)
            })
            .sum()
    };
    let node_selector = pod["nodeSelector"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let tolerations = pod["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| serde_json::from_value(t.clone()).ok())
        .collect();
    PodGroup {
        component: format!(
            "{} {}",
            object["kind"].as_str().unwrap_or_default(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        ),
        replicas: object["spec"]["replicas"].as_u64().unwrap_or(1) as u32,
        cpu_millis: sum("cpu", cpu),
        memory_bytes: sum("memory", memory),
        node_selector,
        tolerations,
        spread: None,
        from_spec: false,
    }
}

/// Whether a toleration tolerates a taint, by Kubernetes' matching rules.
pub fn tolerates(toleration: &Toleration, taint: &TaintFact) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    match toleration.operator.as_deref().unwrap_or("Equal") {
        "Exists" => key.is_empty() || key == taint.key,
        _ => key == taint.key && toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
    }
}

/// Why the pods of `group` cannot run on `node`, or `None` when they can.
pub fn rejection(node: &NodeFact, group: &PodGroup) -> Option<String> {
    if !node.ready {
        return Some("not Ready".into());
    }
    if node.unschedulable {
        return Some("cordoned".into());
    }
    if let Some((k, v)) = group
        .node_selector
        .iter()
        .find(|(k, v)| node.labels.get(*k) != Some(*v))
    {
        return Some(format!("lacks the label {k}={v}"));
    }
    let blocking = node
        .taints
        .iter()
        .filter(|t| matches!(t.effect.as_str(), "NoSchedule" | "NoExecute"))
        .find(|t| !group.tolerations.iter().any(|tol| tolerates(tol, t)))?;
    let value = blocking.value.as_deref().map(|v| format!("={v}")).unwrap_or_default();
    Some(format!(
        "taint {}{value}:{} is not tolerated",
        blocking.key, blocking.effect
    ))
}

pub fn checks(facts: &ClusterFacts, target: &Target) -> Vec<CheckResult> {
    let spec = target.spec;
    let mut out = Vec::new();
    match &facts.nodes {
        Err(why) => out.push(CheckResult::warn(
            SECTION,
            "nodes",
            format!("could not check the nodes: {why}"),
            "an admin can grant list on nodes (cluster-wide); kubectl get nodes shows them",
        )),
        Ok(nodes) if nodes.is_empty() => out.push(CheckResult::fail(
            SECTION,
            "nodes",
            "the cluster has no nodes",
            "add nodes to the cluster",
        )),
        Ok(nodes) => {
            let groups = pod_groups(spec, target.plan);
            out.extend(groups.iter().filter_map(|g| placement_check(nodes, g)));
            out.push(total_check(nodes, &groups));
            out.push(packing_check(nodes, &groups));
        }
    }
    out.extend(node_port_check(facts, spec));
    out.extend(load_balancer_check(facts, spec));
    out
}

/// Nodes for one group: with required anti-affinity, one node (topology
/// domain) per replica; otherwise at least one. Lines for kafkactl's own
/// workloads only when they cannot run anywhere.
fn placement_check(nodes: &[NodeFact], group: &PodGroup) -> Option<CheckResult> {
    if group.replicas == 0 {
        return None;
    }
    let name = format!("nodes for {}", group.component);
    let eligible: Vec<&NodeFact> = nodes.iter().filter(|n| rejection(n, group).is_none()).collect();
    let rejected: Vec<String> = nodes
        .iter()
        .filter_map(|n| rejection(n, group).map(|why| format!("{} {why}", n.name)))
        .take(NAMED_NODES)
        .collect();
    let excluded = if rejected.is_empty() {
        String::new()
    } else {
        format!("; not eligible: {}", rejected.join(", "))
    };
    let hint = "uncordon or add nodes, add tolerations or fix the node selector (the pool's scheduling), or relax antiAffinity to preferred";
    match &group.spread {
        Some(key) => {
            let domains: BTreeSet<&String> = eligible.iter().filter_map(|n| n.labels.get(key)).collect();
            let detail = format!(
                "{} replicas need {} nodes with distinct {key} (required anti-affinity), {} eligible{excluded}",
                group.replicas,
                group.replicas,
                domains.len()
            );
            Some(if domains.len() >= group.replicas as usize {
                CheckResult::pass(SECTION, name, detail)
            } else {
                CheckResult::fail(SECTION, name, detail, hint)
            })
        }
        None if eligible.is_empty() => Some(CheckResult::fail(
            SECTION,
            name,
            format!("no node may run these pods{excluded}"),
            hint,
        )),
        None if group.from_spec => Some(CheckResult::pass(
            SECTION,
            name,
            format!("{} eligible nodes{excluded}", eligible.len()),
        )),
        None => None,
    }
}

fn schedulable(node: &NodeFact) -> bool {
    node.ready && !node.unschedulable
}

fn demand(groups: &[PodGroup]) -> (u64, u64) {
    groups.iter().fold((0, 0), |(c, m), g| {
        (
            c + g.cpu_millis * g.replicas as u64,
            m + g.memory_bytes * g.replicas as u64,
        )
    })
}

fn total_check(nodes: &[NodeFact], groups: &[PodGroup]) -> CheckResult {
    let (cpu, mem) = demand(groups);
    let (have_cpu, have_mem) = nodes
        .iter()
        .filter(|n| schedulable(n))
        .fold((0, 0), |(c, m), n| (c + n.cpu_millis, m + n.memory_bytes));
    let detail = format!(
        "requests {} CPU and {} memory; schedulable nodes can allocate {} CPU and {}",
        format_cpu(cpu),
        format_bytes(mem),
        format_cpu(have_cpu),
        format_bytes(have_mem)
    );
    if cpu <= have_cpu && mem <= have_mem {
        CheckResult::pass(SECTION, "CPU and memory (total)", detail)
    } else {
        CheckResult::fail(
            SECTION,
            "CPU and memory (total)",
            detail,
            "add nodes, or lower the requests (--cpu, --memory, or the preset's resources)",
        )
    }
}

/// The first pod that found no node, when packing fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    pub component: String,
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// Place every pod greedily, largest first, on the eligible node with the
/// least room left that still fits it (best fit), one pod per topology
/// domain for groups with required anti-affinity.
pub fn pack(nodes: &[NodeFact], groups: &[PodGroup]) -> Result<(), Unplaced> {
    let mut free: Vec<(u64, u64)> = nodes.iter().map(|n| (n.cpu_millis, n.memory_bytes)).collect();
    let mut taken: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut pods: Vec<usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(i, g)| std::iter::repeat_n(i, g.replicas as usize))
        .collect();
    pods.sort_by_key(|i| {
        let g = &groups[*i];
        (std::cmp::Reverse(g.cpu_millis), std::cmp::Reverse(g.memory_bytes), *i)
    });
    for gi in pods {
        let group = &groups[gi];
        let domain = |n: &NodeFact| {
            group
                .spread
                .as_ref()
                .map(|key| n.labels.get(key).cloned().unwrap_or_else(|| n.name.clone()))
        };
        let best = nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                rejection(n, group).is_none()
                    && free[*i].0 >= group.cpu_millis
                    && free[*i].1 >= group.memory_bytes
                    && domain(n).is_none_or(|d| !taken.contains(&(gi, d)))
            })
            .min_by_key(|(i, _)| (free[*i].0 - group.cpu_millis, free[*i].1 - group.memory_bytes));
        let Some((i, node)) = best else {
            return Err(Unplaced {
                component: group.component.clone(),
                cpu_millis: group.cpu_millis,
                memory_bytes: group.memory_bytes,
            });
        };
        free[i].0 -= group.cpu_millis;
        free[i].1 -= group.memory_bytes;
        if let Some(d) = domain(node) {
            taken.insert((gi, d));
        }
    }
    Ok(())
}

fn packing_check(nodes: &[NodeFact], groups: &[PodGroup]) -> CheckResult {
    let name = "CPU and memory (per node)";
    let pods: u32 = groups.iter().map(|g| g.replicas).sum();
    match pack(nodes, groups) {
        Ok(()) => CheckResult::pass(
            SECTION,
            name,
            format!("all {pods} pods fit on the nodes' allocatable CPU and memory"),
        ),
        Err(unplaced) => {
            let largest = nodes
                .iter()
                .filter(|n| schedulable(n))
                .max_by_key(|n| (n.cpu_millis, n.memory_bytes))
                .map(|n| format!("{} CPU, {}", format_cpu(n.cpu_millis), format_bytes(n.memory_bytes)));
            CheckResult::fail(
                SECTION,
                name,
                format!(
                    "a pod of {} ({} CPU, {}) fits on no node once the larger pods are placed{}",
                    unplaced.component,
                    format_cpu(unplaced.cpu_millis),
                    format_bytes(unplaced.memory_bytes),
                    largest
                        .map(|l| format!(" (the largest node allocates {l})"))
                        .unwrap_or_default()
                ),
                "add or enlarge nodes, or lower the requests (--cpu, --memory, or the preset's resources)",
            )
        }
    }
}

/// The fixed NodePorts the spec asks for (listeners, JMX, exposures).
pub fn requested_node_ports(spec: &ClusterSpec) -> Vec<(String, i32)> {
    spec.pinned_node_ports()
}

fn belongs_to(service: &ServiceFact, spec: &ClusterSpec) -> bool {
    service.namespace == spec.namespace
        && [STRIMZI_CLUSTER_LABEL, CLUSTER_LABEL]
            .iter()
            .any(|l| service.labels.get(*l) == Some(&spec.name))
}

fn node_port_check(facts: &ClusterFacts, spec: &ClusterSpec) -> Option<CheckResult> {
    let requested = requested_node_ports(spec);
    if requested.is_empty() && !spec.listeners.values().any(|l| l.kind == ListenerType::Nodeport) {
        return None;
    }
    let name = "NodePorts";
    if requested.is_empty() {
        return Some(CheckResult::pass(
            SECTION,
            name,
            "no fixed NodePorts asked for: Kubernetes assigns free ones",
        ));
    }
    let services = match &facts.services {
        Ok(s) => s,
        Err(why) => {
            return Some(CheckResult::warn(
                SECTION,
                name,
                format!("could not check whether the NodePorts are free: {why}"),
                "kubectl get services -A shows the NodePorts in use",
            ));
        }
    };
    let taken: Vec<String> = requested
        .iter()
        .filter_map(|(what, port)| {
            services
                .iter()
                .filter(|s| !belongs_to(s, spec))
                .find(|s| s.node_ports.contains(port))
                .map(|s| format!("{port} ({what}) is used by Service {}/{}", s.namespace, s.name))
        })
        .collect();
    let ports: Vec<String> = requested.iter().map(|(_, p)| p.to_string()).collect();
    Some(if taken.is_empty() {
        CheckResult::pass(SECTION, name, format!("{} free", and_list(&ports)))
    } else {
        CheckResult::fail(
            SECTION,
            name,
            taken.join("; "),
            "pick other NodePorts (or free these: clients configured with them break if they move), or leave them out of the spec to let Kubernetes assign free ones",
        )
    })
}

fn load_balancer_check(facts: &ClusterFacts, spec: &ClusterSpec) -> Option<CheckResult> {
    if !spec.listeners.values().any(|l| l.kind == ListenerType::Loadbalancer) {
        return None;
    }
    let name = "load balancers";
    let services = match &facts.services {
        Ok(s) => s,
        Err(why) => {
            return Some(CheckResult::warn(
                SECTION,
                name,
                format!("could not check whether load balancers get addresses: {why}"),
                "kubectl get services -A shows LoadBalancer Services and their EXTERNAL-IP",
            ));
        }
    };
    let balancers: Vec<&ServiceFact> = services.iter().filter(|s| s.kind == "LoadBalancer").collect();
    let stuck: Vec<String> = balancers
        .iter()
        .filter(|s| !s.has_load_balancer_address && s.age_seconds.unwrap_or(0) > LOAD_BALANCER_GRACE_SECONDS)
        .map(|s| format!("{}/{}", s.namespace, s.name))
        .collect();
    Some(if !stuck.is_empty() {
        CheckResult::warn(
            SECTION,
            name,
            format!(
                "{} LoadBalancer Service(s) have had no address for over a minute ({}): load balancers may not be provisioned here",
                stuck.len(),
                stuck.iter().take(NAMED_NODES).cloned().collect::<Vec<_>>().join(", ")
            ),
            "check the cloud controller (or MetalLB); a nodeport listener works without one",
        )
    } else if balancers.is_empty() {
        CheckResult::pass(
            SECTION,
            name,
            "no LoadBalancer Services yet, none stuck without an address",
        )
    } else {
        CheckResult::pass(
            SECTION,
            name,
            format!(
                "{} LoadBalancer Service(s), none stuck without an address",
                balancers.len()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: Option<&str>, effect: &str) -> TaintFact {
        TaintFact {
            key: key.into(),
            value: value.map(str::to_string),
            effect: effect.into(),
        }
    }

    fn toleration(key: Option<&str>, operator: &str, value: Option<&str>, effect: Option<&str>) -> Toleration {
        Toleration {
            key: key.map(str::to_string),
            operator: Some(operator.into()),
            value: value.map(str::to_string),
            effect: effect.map(str::to_string),
            toleration_seconds: None,
        }
    }

    #[test]
    fn tolerations_match_taints_by_key_value_and_effect() {
        let t = taint("dedicated", Some("kafka"), "NoSchedule");
        assert!(tolerates(
            &toleration(Some("dedicated"), "Equal", Some("kafka"), None),
            &t
        ));
        assert!(tolerates(
            &toleration(Some("dedicated"), "Exists", None, Some("NoSchedule")),
            &t
        ));
        assert!(tolerates(&toleration(None, "Exists", None, None), &t));
        assert!(!tolerates(
            &toleration(Some("dedicated"), "Equal", Some("web"), None),
            &t
        ));
        assert!(!tolerates(
            &toleration(Some("dedicated"), "Exists", None, Some("NoExecute")),
            &t
        ));
    }
}
