//! Per-broker JMX NodePort Services (port 9999), one per broker pod, selected
//! by Strimzi's `strimzi.io/pod-name` label.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::workload::to_object;
use super::{RenderContext, object_meta};
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

/// Strimzi's JMX port when `jmxOptions` is set.
pub const JMX_PORT: i32 = 9999;

/// One NodePort Service per broker pod, for the node ids `ctx` knows (or predicts).
pub fn jmx_services(spec: &ClusterSpec, ctx: &RenderContext) -> Vec<Value> {
    if !(spec.jmx.enabled && spec.jmx.node_port_services) {
        return Vec::new();
    }
    spec.broker_pools()
        .flat_map(|(pool, _)| {
            ctx.node_ids(spec, pool)
                .into_iter()
                .map(move |id| (id, names::pool_pod(spec, pool, id)))
        })
        .map(|(id, pod)| jmx_service(spec, &pod, spec.jmx.node_ports.get(&id).copied()))
        .collect()
}

fn jmx_service(spec: &ClusterSpec, pod: &str, node_port: Option<i32>) -> Value {
    let selector = BTreeMap::from([
        (names::STRIMZI_CLUSTER_LABEL.to_string(), spec.name.clone()),
        (names::STRIMZI_POD_NAME_LABEL.to_string(), pod.to_string()),
    ]);
    let service = Service {
        spec: Some(ServiceSpec {
            type_: Some("NodePort".to_string()),
            // externalTrafficPolicy stays `Cluster`: with `Local` the port would answer
            // only on the node that hosts this broker, and users would have to find it.
            selector: Some(selector),
            ports: Some(vec![ServicePort {
                name: Some("jmx".to_string()),
                port: JMX_PORT,
                protocol: Some("TCP".to_string()),
                target_port: Some(IntOrString::Int(JMX_PORT)),
                node_port,
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    to_object(&service, object_meta(spec, &names::jmx_service(pod), Component::Jmx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{PoolSpec, Role};

    fn spec(jmx: bool, node_ports: bool) -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "c".to_string(),
            ..ClusterSpec::default()
        };
        spec.jmx.enabled = jmx;
        spec.jmx.node_port_services = node_ports;
        spec.pools.insert(
            "brokers".to_string(),
            PoolSpec {
                replicas: 2,
                ..PoolSpec::default()
            },
        );
        spec.pools.insert(
            "controllers".to_string(),
            PoolSpec {
                roles: vec![Role::Controller],
                ..PoolSpec::default()
            },
        );
        spec
    }

    fn names_of(services: &[Value]) -> Vec<&str> {
        services
            .iter()
            .map(|s| s["metadata"]["name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn one_service_per_broker_and_none_for_controllers() {
        let services = jmx_services(&spec(true, true), &RenderContext::offline());
        assert_eq!(names_of(&services), ["c-c-brokers-0-jmx", "c-c-brokers-1-jmx"]);
        assert_eq!(services[1]["spec"]["selector"]["strimzi.io/pod-name"], "c-c-brokers-1");
        assert_eq!(services[1]["spec"]["type"], "NodePort");
        assert_eq!(services[1]["spec"]["ports"][0]["port"], 9999);
    }

    #[test]
    fn known_node_ids_win_over_predicted_ones() {
        let mut ctx = RenderContext::offline();
        ctx.node_ids.insert("brokers".to_string(), vec![3, 7]);
        let services = jmx_services(&spec(true, true), &ctx);
        assert_eq!(names_of(&services), ["c-c-brokers-3-jmx", "c-c-brokers-7-jmx"]);
    }

    #[test]
    fn pinned_node_ports_are_asked_for_by_node_id() {
        let mut spec = spec(true, true);
        spec.jmx.node_ports.insert(1, 31999);
        let services = jmx_services(&spec, &RenderContext::offline());
        assert!(services[0]["spec"]["ports"][0].get("nodePort").is_none());
        assert_eq!(services[1]["spec"]["ports"][0]["nodePort"], 31999);
    }

    #[test]
    fn no_services_unless_jmx_and_node_ports_are_both_on() {
        assert!(jmx_services(&spec(true, false), &RenderContext::offline()).is_empty());
        assert!(jmx_services(&spec(false, true), &RenderContext::offline()).is_empty());
    }
}
