//! The resources kafkactl reads and writes, by kind: plural names and scope,
//! known up front so applying a plan needs no discovery round trip per group.

use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::api::{
    apps::v1 as apps_v1, core::v1 as core_v1, networking::v1 as networking_v1, rbac::v1 as rbac_v1,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};

/// A kind kafkactl knows: its plural and whether it lives in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownKind {
    pub group: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

/// Whether a k8s-openapi scope is a namespace's.
trait Scope {
    const NAMESPACED: bool;
}

impl Scope for k8s_openapi::NamespaceResourceScope {
    const NAMESPACED: bool = true;
}

impl Scope for k8s_openapi::ClusterResourceScope {
    const NAMESPACED: bool = false;
}

/// A built-in kind as k8s-openapi describes it (plural and scope from the API's own schema).
const fn builtin<K>() -> KnownKind
where
    K: k8s_openapi::Resource,
    K::Scope: Scope,
{
    KnownKind {
        group: K::GROUP,
        kind: K::KIND,
        plural: K::URL_PATH_SEGMENT,
        namespaced: <K::Scope as Scope>::NAMESPACED,
    }
}

const KNOWN_KINDS: &[KnownKind] = &[
    builtin::<core_v1::Namespace>(),
    builtin::<core_v1::ConfigMap>(),
    builtin::<core_v1::Secret>(),
    builtin::<core_v1::ServiceAccount>(),
    builtin::<core_v1::Service>(),
    builtin::<core_v1::Pod>(),
    builtin::<core_v1::PersistentVolumeClaim>(),
    builtin::<core_v1::Event>(),
    builtin::<core_v1::Node>(),
    builtin::<apps_v1::Deployment>(),
    builtin::<apps_v1::StatefulSet>(),
    builtin::<rbac_v1::Role>(),
    builtin::<rbac_v1::RoleBinding>(),
    builtin::<rbac_v1::ClusterRole>(),
    builtin::<rbac_v1::ClusterRoleBinding>(),
    builtin::<networking_v1::NetworkPolicy>(),
    builtin::<networking_v1::Ingress>(),
    builtin::<PodDisruptionBudget>(),
    builtin::<CustomResourceDefinition>(),
    builtin::<StorageClass>(),
    // Custom resources: k8s-openapi does not know them; their CRDs say these plurals.
    KnownKind {
        group: "kafka.strimzi.io",
        kind: "Kafka",
        plural: "kafkas",
        namespaced: true,
    },
    KnownKind {
        group: "kafka.strimzi.io",
        kind: "KafkaNodePool",
        plural: "kafkanodepools",
        namespaced: true,
    },
    KnownKind {
        group: "kafka.strimzi.io",
        kind: "KafkaTopic",
        plural: "kafkatopics",
        namespaced: true,
    },
    KnownKind {
        group: "kafka.strimzi.io",
        kind: "KafkaUser",
        plural: "kafkausers",
        namespaced: true,
    },
    KnownKind {
        group: "kafka.strimzi.io",
        kind: "KafkaRebalance",
        plural: "kafkarebalances",
        namespaced: true,
    },
    KnownKind {
        group: "core.strimzi.io",
        kind: "StrimziPodSet",
        plural: "strimzipodsets",
        namespaced: true,
    },
    KnownKind {
        group: "monitoring.coreos.com",
        kind: "PodMonitor",
        plural: "podmonitors",
        namespaced: true,
    },
    KnownKind {
        group: "monitoring.coreos.com",
        kind: "ServiceMonitor",
        plural: "servicemonitors",
        namespaced: true,
    },
    KnownKind {
        group: "monitoring.coreos.com",
        kind: "PrometheusRule",
        plural: "prometheusrules",
        namespaced: true,
    },
];

/// The resource behind `apiVersion` + `kind`, when kafkactl knows the kind.
pub fn resolve(api_version: &str, kind: &str) -> Option<(ApiResource, bool)> {
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    };
    let known = KNOWN_KINDS.iter().find(|k| k.group == group && k.kind == kind)?;
    let gvk = GroupVersionKind::gvk(group, version, kind);
    Some((ApiResource::from_gvk_with_plural(&gvk, known.plural), known.namespaced))
}

/// A dynamic API handle for `apiVersion` + `kind` in `namespace`.
pub fn dynamic_api(
    client: &Client,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Option<Api<DynamicObject>> {
    let (resource, namespaced) = resolve(api_version, kind)?;
    Some(match (namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, &resource),
        (true, None) => Api::all_with(client.clone(), &resource),
        (false, _) => Api::all_with(client.clone(), &resource),
    })
}

/// The Strimzi resource `kind` at the served API version (`v1` or `v1beta2`).
pub fn strimzi(version: &str, kind: &str) -> Option<ApiResource> {
    resolve(&format!("kafka.strimzi.io/{version}"), kind).map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_kinds_resolve_with_plural_and_scope() {
        let (r, namespaced) = resolve("kafka.strimzi.io/v1", "KafkaNodePool").unwrap();
        assert_eq!(
            (r.group.as_str(), r.version.as_str(), r.plural.as_str(), namespaced),
            ("kafka.strimzi.io", "v1", "kafkanodepools", true)
        );
        let (r, namespaced) = resolve("v1", "Namespace").unwrap();
        assert_eq!(
            (r.group.as_str(), r.plural.as_str(), namespaced),
            ("", "namespaces", false)
        );
        assert!(resolve("v1", "Gadget").is_none());
    }

    #[test]
    fn built_in_plurals_and_scopes_come_from_k8s_openapi() {
        let plural = |api_version: &str, kind: &str| {
            let (r, namespaced) = resolve(api_version, kind).unwrap();
            (r.plural, namespaced)
        };
        assert_eq!(
            plural("networking.k8s.io/v1", "NetworkPolicy"),
            ("networkpolicies".into(), true)
        );
        assert_eq!(plural("networking.k8s.io/v1", "Ingress"), ("ingresses".into(), true));
        assert_eq!(
            plural("v1", "PersistentVolumeClaim"),
            ("persistentvolumeclaims".into(), true)
        );
        assert_eq!(
            plural("policy/v1", "PodDisruptionBudget"),
            ("poddisruptionbudgets".into(), true)
        );
        assert_eq!(
            plural("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
            ("customresourcedefinitions".into(), false)
        );
        assert_eq!(
            plural("storage.k8s.io/v1", "StorageClass"),
            ("storageclasses".into(), false)
        );
        assert_eq!(
            plural("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
            ("clusterrolebindings".into(), false)
        );
        assert_eq!(plural("v1", "Node"), ("nodes".into(), false));
    }
}
