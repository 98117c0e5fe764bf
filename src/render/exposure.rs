//! Services of kafkactl's own components (zoo-entrance, Prometheus) opened
//! outside the Kubernetes cluster: Service type, annotations, source ranges,
//! a fixed NodePort. Without an exposure they stay ClusterIP.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use serde_json::{Value, json};

use super::object_meta;
use super::workload::{cluster_ip_service, to_object};
use crate::spec::names::{self, Component};
use crate::spec::{ClusterSpec, ExposureType, ServiceExposure};

/// How a component wants its exposed Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAddress {
    /// Any node may forward (`externalTrafficPolicy: Cluster`, the default).
    AnyNode,
    /// Keep the client's address (`externalTrafficPolicy: Local`) when the
    /// exposure limits sources, because a NetworkPolicy behind the Service
    /// judges them by `ipBlock` and would only see a node's address otherwise.
    KeptForSourceRanges,
}

/// The component's Service: ClusterIP without an exposure, else NodePort or
/// LoadBalancer with the exposure's annotations, NodePort and source ranges.
pub fn service(
    spec: &ClusterSpec,
    name: &str,
    component: Component,
    port: ServicePort,
    exposure: Option<&ServiceExposure>,
    client_address: ClientAddress,
) -> Value {
    let Some(exposure) = exposure else {
        return cluster_ip_service(spec, name, component, vec![port]);
    };
    let load_balancer = exposure.kind == ExposureType::Loadbalancer;
    let limited = !exposure.allow_from.is_empty();
    let service = Service {
        spec: Some(ServiceSpec {
            type_: Some(exposure.kind.service_type().to_string()),
            selector: Some(names::selector_labels(&spec.name, component)),
            ports: Some(vec![ServicePort {
                node_port: exposure.node_port,
                ..port
            }]),
            load_balancer_source_ranges: (load_balancer && limited).then(|| exposure.allow_from.clone()),
            external_traffic_policy: (limited && client_address == ClientAddress::KeptForSourceRanges)
                .then(|| "Local".to_string()),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    let mut meta = object_meta(spec, name, component);
    if !exposure.annotations.is_empty() {
        meta["annotations"] = json!(exposure.annotations);
    }
    to_object(&service, meta)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::render::workload::service_port;

    fn spec() -> ClusterSpec {
        ClusterSpec {
            name: "c".to_string(),
            ..ClusterSpec::default()
        }
    }

    fn render(exposure: Option<&ServiceExposure>, client: ClientAddress) -> Value {
        service(
            &spec(),
            "c-x",
            Component::ZooEntrance,
            service_port("zoo", 2181),
            exposure,
            client,
        )
    }

    #[test]
    fn no_exposure_is_a_cluster_ip_service() {
        let svc = render(None, ClientAddress::AnyNode);
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert!(svc["metadata"].get("annotations").is_none());
    }

    #[test]
    fn load_balancer_carries_annotations_source_ranges_and_keeps_client_addresses() {
        let exposure = ServiceExposure {
            kind: ExposureType::Loadbalancer,
            annotations: BTreeMap::from([("a/b".to_string(), "c".to_string())]),
            allow_from: vec!["10.0.0.0/8".to_string()],
            ..ServiceExposure::default()
        };
        let svc = render(Some(&exposure), ClientAddress::KeptForSourceRanges);
        assert_eq!(svc["spec"]["type"], "LoadBalancer");
        assert_eq!(svc["metadata"]["annotations"], json!({ "a/b": "c" }));
        assert_eq!(svc["spec"]["loadBalancerSourceRanges"], json!(["10.0.0.0/8"]));
        assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
        let svc = render(Some(&exposure), ClientAddress::AnyNode);
        assert!(svc["spec"].get("externalTrafficPolicy").is_none());
    }

    #[test]
    fn node_port_pins_the_port_and_takes_no_source_ranges() {
        let exposure = ServiceExposure {
            kind: ExposureType::Nodeport,
            node_port: Some(31181),
            allow_from: vec!["10.0.0.0/8".to_string()],
            ..ServiceExposure::default()
        };
        let svc = render(Some(&exposure), ClientAddress::KeptForSourceRanges);
        assert_eq!(svc["spec"]["type"], "NodePort");
        assert_eq!(svc["spec"]["ports"][0]["nodePort"], 31181);
        assert!(svc["spec"].get("loadBalancerSourceRanges").is_none());
        assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
    }
}
