//! Shared Kubernetes builders for the workloads kafkactl runs itself (zoo-entrance,
//! ZooKeeper exporter, Prometheus): typed object → JSON, containers, probes,
//! resources, pod templates with the spec's pull secrets, Services.
//! Strimzi's own pods are not built here.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ContainerPort, EnvVar, ExecAction, HTTPGetAction, LocalObjectReference, PodSpec, PodTemplateSpec,
    Probe, ResourceRequirements, SeccompProfile, SecurityContext, Service, ServicePort, ServiceSpec, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::object_meta;
use crate::spec::names::{self, Component};
use crate::spec::quantity::parse_storage_bytes;
use crate::spec::{ClusterSpec, CpuMemory, Resources};

/// The JSON of a typed object with its `apiVersion`, `kind` and kafkactl's
/// metadata (`render::object_meta`), which replaces whatever `metadata` the
/// typed value carried.
pub(super) fn to_object<K>(object: &K, metadata: Value) -> Value
where
    K: k8s_openapi::Resource + Serialize,
{
    // k8s-openapi values hold only strings, numbers and string-keyed maps, which
    // always serialise; `Null` is unreachable but keeps this free of panics.
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("apiVersion".to_string(), Value::from(K::API_VERSION));
        map.insert("kind".to_string(), Value::from(K::KIND));
        map.insert("metadata".to_string(), metadata);
    }
    value
}

/// `LabelSelector` matching exactly `labels`.
pub(super) fn match_labels(labels: BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels),
        ..LabelSelector::default()
    }
}

/// Selector of one of kafkactl's own components (`names::selector_labels`).
pub(super) fn component_selector(spec: &ClusterSpec, component: Component) -> LabelSelector {
    match_labels(names::selector_labels(&spec.name, component))
}

/// A pod template for one of kafkactl's components: the common labels (which
/// include the selector labels), the spec's image pull secrets, and `annotations`.
pub(super) fn pod_template(
    spec: &ClusterSpec,
    component: Component,
    annotations: BTreeMap<String, String>,
    mut pod: PodSpec,
) -> PodTemplateSpec {
    pod.image_pull_secrets = image_pull_secrets(spec);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(names::common_labels(&spec.name, component)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..ObjectMeta::default()
        }),
        spec: Some(pod),
    }
}

fn image_pull_secrets(spec: &ClusterSpec) -> Option<Vec<LocalObjectReference>> {
    let secrets: Vec<LocalObjectReference> = spec
        .images
        .pull_secrets
        .iter()
        .map(|name| LocalObjectReference { name: name.clone() })
        .collect();
    (!secrets.is_empty()).then_some(secrets)
}

/// A one-replica Deployment of one of kafkactl's own components.
pub(super) fn deployment(spec: &ClusterSpec, name: &str, component: Component, pod: PodSpec) -> Value {
    let deployment = Deployment {
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: component_selector(spec, component),
            template: pod_template(spec, component, BTreeMap::new(), pod),
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    };
    to_object(&deployment, object_meta(spec, name, component))
}

/// Requests and limits from the spec; `None` when nothing is set so the
/// cluster's defaults (LimitRange) apply instead of an empty object.
pub(super) fn resources(resources: &Resources) -> Option<ResourceRequirements> {
    if resources.is_empty() {
        return None;
    }
    Some(ResourceRequirements {
        requests: cpu_memory(&resources.requests),
        limits: cpu_memory(&resources.limits),
        ..ResourceRequirements::default()
    })
}

fn cpu_memory(values: &CpuMemory) -> Option<BTreeMap<String, Quantity>> {
    let map: BTreeMap<String, Quantity> = [("cpu", &values.cpu), ("memory", &values.memory)]
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| (key.to_string(), Quantity(v.clone()))))
        .collect();
    (!map.is_empty()).then_some(map)
}

pub(super) fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.to_string()),
        ..EnvVar::default()
    }
}

pub(super) fn container_port(name: &str, port: i32) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_string()),
        container_port: port,
        protocol: Some("TCP".to_string()),
        ..ContainerPort::default()
    }
}

/// Probe timings shared by every probe kafkactl writes: a first check after
/// 10s, then every 10s, 3 failures in a row before acting.
fn probe() -> Probe {
    Probe {
        initial_delay_seconds: Some(10),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Probe::default()
    }
}

pub(super) fn exec_probe(command: &[&str]) -> Probe {
    Probe {
        exec: Some(ExecAction {
            command: Some(command.iter().map(|part| part.to_string()).collect()),
        }),
        ..probe()
    }
}

pub(super) fn http_probe(path: &str, port_name: &str) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_string()),
            port: IntOrString::String(port_name.to_string()),
            ..HTTPGetAction::default()
        }),
        ..probe()
    }
}

pub(super) fn tcp_probe(port_name: &str) -> Probe {
    Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String(port_name.to_string()),
            ..TCPSocketAction::default()
        }),
        ..probe()
    }
}

/// Container hardening that every kafkactl container accepts: no privilege
/// escalation, no Linux capabilities, the runtime's default seccomp profile.
/// Run-as-user choices depend on the image and are left to the caller.
pub(super) fn hardened_security_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

/// A Service port whose target is the container port of the same name.
pub(super) fn service_port(name: &str, port: i32) -> ServicePort {
    ServicePort {
        name: Some(name.to_string()),
        port,
        protocol: Some("TCP".to_string()),
        target_port: Some(IntOrString::String(name.to_string())),
        ..ServicePort::default()
    }
}

/// A ClusterIP Service in front of one of kafkactl's own components.
pub(super) fn cluster_ip_service(
    spec: &ClusterSpec,
    name: &str,
    component: Component,
    ports: Vec<ServicePort>,
) -> Value {
    let service = Service {
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(names::selector_labels(&spec.name, component)),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    to_object(&service, object_meta(spec, name, component))
}

/// Bytes of a storage quantity (`20Gi`, `100G`); `None` when it cannot be
/// read or is zero, so callers never divide by it or size from it blindly.
pub(super) fn storage_bytes(quantity: &str) -> Option<u64> {
    parse_storage_bytes(quantity).ok().filter(|bytes| *bytes > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_or_unreadable_storage_has_no_size() {
        assert_eq!(storage_bytes("20Gi"), Some(20 << 30));
        assert_eq!(storage_bytes("0"), None);
        assert_eq!(storage_bytes("lots"), None);
    }

    #[test]
    fn resources_are_omitted_when_the_spec_sets_none() {
        assert_eq!(resources(&Resources::default()), None);
    }

    #[test]
    fn resources_carry_only_the_values_the_spec_sets() {
        let mut spec = Resources::default();
        spec.limits.memory = Some("2Gi".to_string());
        let rendered = resources(&spec).unwrap();
        assert_eq!(rendered.requests, None);
        assert_eq!(
            rendered.limits,
            Some(BTreeMap::from([("memory".to_string(), Quantity("2Gi".to_string()))]))
        );
    }

    #[test]
    fn pod_template_carries_pull_secrets_and_common_labels() {
        let mut spec = ClusterSpec {
            name: "c1".to_string(),
            ..ClusterSpec::default()
        };
        spec.images.pull_secrets = vec!["regcred".to_string()];
        let template = pod_template(&spec, Component::Prometheus, BTreeMap::new(), PodSpec::default());
        let pod = template.spec.unwrap();
        assert_eq!(pod.image_pull_secrets.unwrap()[0].name, "regcred");
        let labels = template.metadata.unwrap().labels.unwrap();
        for (key, value) in names::selector_labels("c1", Component::Prometheus) {
            assert_eq!(labels.get(&key), Some(&value), "{key}");
        }
    }

    #[test]
    fn to_object_sets_type_and_replaces_metadata() {
        let spec = ClusterSpec {
            name: "c1".to_string(),
            ..ClusterSpec::default()
        };
        let value = cluster_ip_service(&spec, "c1-x", Component::Prometheus, vec![service_port("web", 9090)]);
        assert_eq!(value["apiVersion"], "v1");
        assert_eq!(value["kind"], "Service");
        assert_eq!(value["metadata"]["name"], "c1-x");
        assert_eq!(value["metadata"]["labels"][names::MANAGED_BY_LABEL], names::MANAGED_BY);
    }
}
