//! The kinds of object a cluster is made of besides its Kafka CR and node
//! pools, in one list: what `apply` prunes when a plan no longer has them, and
//! what `delete` looks for under kafkactl's cluster label and under Strimzi's.

/// Whether kafkactl renders objects of a kind, and whether `apply` may prune them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rendered {
    /// kafkactl never renders it (only Strimzi makes it).
    No,
    /// Rendered, and pruned when a plan drops it.
    Pruned,
    /// Rendered, never pruned: a Secret may hold what cannot be made again.
    Kept,
}

/// One kind a cluster may have objects of.
#[derive(Debug, Clone, Copy)]
pub struct OwnedKind {
    pub api_version: &'static str,
    pub kind: &'static str,
    rendered: Rendered,
    /// The Strimzi operator makes objects of this kind for a cluster (labelled `strimzi.io/cluster`).
    by_strimzi: bool,
}

impl OwnedKind {
    /// `(apiVersion, kind)`.
    pub fn pair(&self) -> (&'static str, &'static str) {
        (self.api_version, self.kind)
    }
}

const fn kind(api_version: &'static str, kind: &'static str, rendered: Rendered, by_strimzi: bool) -> OwnedKind {
    OwnedKind {
        api_version,
        kind,
        rendered,
        by_strimzi,
    }
}

/// Never Namespaces or PersistentVolumeClaims (data), which apply never prunes
/// and delete handles on their own, nor the Strimzi custom resources.
const OWNED_KINDS: &[OwnedKind] = &[
    kind("v1", "ConfigMap", Rendered::Pruned, true),
    kind("v1", "Secret", Rendered::Kept, true),
    kind("v1", "Service", Rendered::Pruned, true),
    kind("v1", "ServiceAccount", Rendered::Pruned, true),
    kind("apps/v1", "Deployment", Rendered::Pruned, true),
    kind("apps/v1", "StatefulSet", Rendered::Pruned, false),
    kind("rbac.authorization.k8s.io/v1", "Role", Rendered::Pruned, true),
    kind("rbac.authorization.k8s.io/v1", "RoleBinding", Rendered::Pruned, true),
    kind("networking.k8s.io/v1", "NetworkPolicy", Rendered::Pruned, true),
    kind("networking.k8s.io/v1", "Ingress", Rendered::Pruned, true),
    kind("policy/v1", "PodDisruptionBudget", Rendered::No, true),
    // prometheus-operator objects (`monitor --mode operator`); a cluster
    // without its CRDs answers 404 for them, which counts as none.
    kind("monitoring.coreos.com/v1", "PodMonitor", Rendered::Pruned, false),
    kind("monitoring.coreos.com/v1", "ServiceMonitor", Rendered::Pruned, false),
    kind("monitoring.coreos.com/v1", "PrometheusRule", Rendered::Pruned, false),
];

/// What `apply` prunes: the kinds kafkactl renders, but Secrets.
pub fn pruned_by_apply() -> impl Iterator<Item = &'static OwnedKind> {
    OWNED_KINDS.iter().filter(|k| k.rendered == Rendered::Pruned)
}

/// What kafkactl renders for a cluster, found by kafkactl's cluster label.
pub fn rendered_by_kafkactl() -> impl Iterator<Item = &'static OwnedKind> {
    OWNED_KINDS.iter().filter(|k| k.rendered != Rendered::No)
}

/// What the Strimzi operator makes for a cluster, found by `strimzi.io/cluster`.
pub fn made_by_strimzi() -> impl Iterator<Item = &'static OwnedKind> {
    OWNED_KINDS.iter().filter(|k| k.by_strimzi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(list: impl Iterator<Item = &'static OwnedKind>) -> Vec<&'static str> {
        list.map(|k| k.kind).collect()
    }

    #[test]
    fn secrets_and_data_are_never_pruned() {
        let pruned = kinds(pruned_by_apply());
        for never in ["Secret", "PersistentVolumeClaim", "Namespace", "Kafka"] {
            assert!(!pruned.contains(&never), "{never} in {pruned:?}");
        }
        assert!(
            pruned.contains(&"ConfigMap") && pruned.contains(&"PodMonitor"),
            "{pruned:?}"
        );
    }

    #[test]
    fn delete_finds_everything_apply_prunes_and_the_secrets() {
        let rendered = kinds(rendered_by_kafkactl());
        for kind in kinds(pruned_by_apply()) {
            assert!(rendered.contains(&kind), "{kind} in {rendered:?}");
        }
        assert!(rendered.contains(&"Secret"));
    }

    #[test]
    fn every_kind_resolves_to_a_known_resource() {
        for owned in OWNED_KINDS {
            assert!(
                super::super::resources::resolve(owned.api_version, owned.kind).is_some(),
                "{}",
                owned.kind
            );
        }
        assert_eq!(
            kinds(made_by_strimzi()),
            [
                "ConfigMap",
                "Secret",
                "Service",
                "ServiceAccount",
                "Deployment",
                "Role",
                "RoleBinding",
                "NetworkPolicy",
                "Ingress",
                "PodDisruptionBudget"
            ]
        );
    }
}
