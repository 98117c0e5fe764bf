//! The resources kafkactl reads and writes, by kind: plural names and scope,
//! known up front so applying a plan needs no discovery round trip per group.

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

const KNOWN_KINDS: &[KnownKind] = &[
    KnownKind {
        group: "",
        kind: "Namespace",
        plural: "namespaces",
        namespaced: false,
    },
    KnownKind {
        group: "",
        kind: "ConfigMap",
        plural: "configmaps",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "Secret",
        plural: "secrets",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "Service",
        plural: "services",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "Pod",
        plural: "pods",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "PersistentVolumeClaim",
        plural: "persistentvolumeclaims",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "Event",
        plural: "events",
        namespaced: true,
    },
    KnownKind {
        group: "",
        kind: "Node",
        plural: "nodes",
        namespaced: false,
    },
    KnownKind {
        group: "apps",
        kind: "Deployment",
        plural: "deployments",
        namespaced: true,
    },
    KnownKind {
        group: "apps",
        kind: "StatefulSet",
        plural: "statefulsets",
        namespaced: true,
    },
    KnownKind {
        group: "rbac.authorization.k8s.io",
        kind: "Role",
        plural: "roles",
        namespaced: true,
    },
    KnownKind {
        group: "rbac.authorization.k8s.io",
        kind: "RoleBinding",
        plural: "rolebindings",
        namespaced: true,
    },
    KnownKind {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        plural: "clusterroles",
        namespaced: false,
    },
    KnownKind {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRoleBinding",
        plural: "clusterrolebindings",
        namespaced: false,
    },
    KnownKind {
        group: "networking.k8s.io",
        kind: "NetworkPolicy",
        plural: "networkpolicies",
        namespaced: true,
    },
    KnownKind {
        group: "networking.k8s.io",
        kind: "Ingress",
        plural: "ingresses",
        namespaced: true,
    },
    KnownKind {
        group: "policy",
        kind: "PodDisruptionBudget",
        plural: "poddisruptionbudgets",
        namespaced: true,
    },
    KnownKind {
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions",
        namespaced: false,
    },
    KnownKind {
        group: "storage.k8s.io",
        kind: "StorageClass",
        plural: "storageclasses",
        namespaced: false,
    },
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
}
