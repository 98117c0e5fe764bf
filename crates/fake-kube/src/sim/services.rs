//! Services: ClusterIP and NodePort allocation at write time (as the API server's registry
//! does, refusing a NodePort another Service holds) and LoadBalancer ingress addresses
//! from a simulated cloud controller.

use super::Ctx;
use super::kube::{self, array_at};
use crate::errors::{ApiError, Cause};
use crate::resources::ResourceInfo;
use crate::store::{State, Store};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const NODE_PORT_MIN: i64 = 30000;
const NODE_PORT_MAX: i64 = 32767;

/// Registers the Service allocation hook on the store.
pub fn install_admission(store: &Store) {
    store.set_admission("services", Arc::new(admit_service));
}

fn admit_service(state: &State, info: &ResourceInfo, old: Option<&Value>, new: &mut Value) -> Result<(), ApiError> {
    if !(info.group.is_empty() && info.kind == "Service") {
        return Ok(());
    }
    let namespace = kube::namespace(new).to_string();
    let name = kube::name(new).to_string();
    let others: Vec<&Value> = state
        .objects
        .iter()
        .filter(|(k, _)| k.group.is_empty() && k.kind == "Service")
        .filter(|(k, _)| !(k.namespace == namespace && k.name == name))
        .map(|(_, v)| v)
        .collect();
    allocate_cluster_ip(&others, old, new);
    allocate_node_ports(&others, old, new, &name)
}

fn service_type(svc: &Value) -> &str {
    kube::str_at(svc, "/spec/type").unwrap_or("ClusterIP")
}

fn allocate_cluster_ip(others: &[&Value], old: Option<&Value>, new: &mut Value) {
    if service_type(new) == "ExternalName" {
        return;
    }
    let current = kube::str_at(new, "/spec/clusterIP").filter(|ip| !ip.is_empty());
    let ip = match current {
        Some(ip) => ip.to_string(),
        None => match old.and_then(|o| kube::str_at(o, "/spec/clusterIP")) {
            Some(ip) => ip.to_string(),
            None => {
                let taken: BTreeSet<&str> = others
                    .iter()
                    .filter_map(|s| kube::str_at(s, "/spec/clusterIP"))
                    .collect();
                (1..65_000u32)
                    .map(|n| format!("10.96.{}.{}", n / 250, n % 250 + 1))
                    .find(|ip| !taken.contains(ip.as_str()))
                    .unwrap_or_else(|| "10.96.255.254".into())
            }
        },
    };
    new["spec"]["clusterIP"] = json!(ip);
    if new.pointer("/spec/clusterIPs").is_none() {
        new["spec"]["clusterIPs"] = json!([ip]);
    }
}

fn port_key(p: &Value) -> (Option<String>, Option<i64>) {
    (
        p.get("name").and_then(Value::as_str).map(str::to_string),
        p.get("port").and_then(Value::as_i64),
    )
}

fn allocate_node_ports(others: &[&Value], old: Option<&Value>, new: &mut Value, name: &str) -> Result<(), ApiError> {
    let wants_node_ports = match service_type(new) {
        "NodePort" => true,
        "LoadBalancer" => new.pointer("/spec/allocateLoadBalancerNodePorts") != Some(&json!(false)),
        _ => false,
    };
    let mut taken: BTreeSet<i64> = others
        .iter()
        .flat_map(|s| array_at(s, "/spec/ports"))
        .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
        .collect();
    let old_ports = old.map(|o| array_at(o, "/spec/ports").to_vec()).unwrap_or_default();
    let Some(ports) = new.pointer_mut("/spec/ports").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    let mut causes = Vec::new();
    for (i, port) in ports.iter_mut().enumerate() {
        let requested = port.get("nodePort").and_then(Value::as_i64);
        if !wants_node_ports {
            if let Some(m) = port.as_object_mut() {
                m.shift_remove("nodePort");
            }
            continue;
        }
        let node_port = match requested {
            Some(np) => {
                let field = format!("spec.ports[{i}].nodePort");
                if !(NODE_PORT_MIN..=NODE_PORT_MAX).contains(&np) {
                    causes.push(Cause {
                        reason: "FieldValueInvalid".into(),
                        field: field.clone(),
                        message: format!(
                            "Invalid value: {np}: provided port is not in the valid range. The range of valid ports is {NODE_PORT_MIN}-{NODE_PORT_MAX}"
                        ),
                    });
                } else if taken.contains(&np) {
                    causes.push(Cause {
                        reason: "FieldValueInvalid".into(),
                        field,
                        message: format!("Invalid value: {np}: provided port is already allocated"),
                    });
                }
                np
            }
            None => {
                let key = port_key(port);
                let kept = old_ports
                    .iter()
                    .find(|p| port_key(p) == key)
                    .and_then(|p| p.get("nodePort").and_then(Value::as_i64))
                    .filter(|np| !taken.contains(np));
                kept.unwrap_or_else(|| {
                    (NODE_PORT_MIN..=NODE_PORT_MAX)
                        .find(|p| !taken.contains(p))
                        .unwrap_or(NODE_PORT_MAX)
                })
            }
        };
        taken.insert(node_port);
        port["nodePort"] = json!(node_port);
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid("Service", "", name, causes))
    }
}

/// Gives LoadBalancer Services an ingress IP after the configured delay; clears it when the
/// Service stops being a LoadBalancer.
pub fn reconcile(store: &Store, ctx: &mut Ctx) {
    for svc in store.list("v1", "Service", None, None) {
        let has_ingress = svc.pointer("/status/loadBalancer/ingress").is_some();
        if service_type(&svc) != "LoadBalancer" {
            if has_ingress {
                let _ = store.put_status(
                    "v1",
                    "Service",
                    Some(kube::namespace(&svc)),
                    kube::name(&svc),
                    json!({"loadBalancer": {}}),
                );
            }
            continue;
        }
        if has_ingress {
            continue;
        }
        let Some(delay) = ctx.cfg.load_balancer_delay else {
            continue;
        };
        if !ctx.elapsed(&format!("lb/{}", kube::uid(&svc)), delay) {
            continue;
        }
        ctx.memory.next_lb_ip += 1;
        let n = ctx.memory.next_lb_ip;
        let ip = format!("10.{}.{}.{}", 100 + n / 62_500, (n / 250) % 250, n % 250 + 1);
        let ports: Vec<Value> = array_at(&svc, "/spec/ports")
            .iter()
            .map(|p| json!({"port": p.get("port"), "protocol": p.get("protocol").and_then(Value::as_str).unwrap_or("TCP")}))
            .collect();
        let _ = store.put_status(
            "v1",
            "Service",
            Some(kube::namespace(&svc)),
            kube::name(&svc),
            json!({"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP", "ports": ports}]}}),
        );
        store.record_event(
            kube::namespace(&svc),
            &svc,
            "Normal",
            "EnsuredLoadBalancer",
            "Ensured load balancer",
        );
    }
}
