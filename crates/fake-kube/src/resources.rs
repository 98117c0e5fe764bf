//! The table of served resources: built-in kinds plus those registered from CRDs.

use serde_json::Value;

/// Where `/scale` reads and writes replicas, as a CRD's `subresources.scale` declares.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleSpec {
    /// `.spec.replicas`
    pub spec_replicas_path: String,
    /// `.status.replicas`
    pub status_replicas_path: String,
    /// `.status.labelSelector`, when declared.
    pub label_selector_path: Option<String>,
}

/// A printer column from a CRD's `additionalPrinterColumns`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterColumn {
    pub name: String,
    pub type_: String,
    pub json_path: String,
    pub description: String,
    pub priority: i64,
}

/// One served resource (`kafkas.kafka.strimzi.io`, `pods`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInfo {
    /// `""` for the core group.
    pub group: String,
    /// Served versions, preferred (storage) first.
    pub versions: Vec<String>,
    pub kind: String,
    pub list_kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub has_status: bool,
    pub scale: Option<ScaleSpec>,
    /// Name of the CRD this came from; `None` for built-ins.
    pub crd: Option<String>,
    pub printer_columns: Vec<PrinterColumn>,
}

impl ResourceInfo {
    /// `apps/v1` or `v1`, for the preferred version.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }

    pub fn preferred_version(&self) -> &str {
        self.versions.first().map(String::as_str).unwrap_or("v1")
    }

    pub fn serves(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }

    pub fn gr(&self) -> crate::errors::GroupResource<'_> {
        crate::errors::GroupResource {
            group: &self.group,
            resource: &self.plural,
        }
    }

    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

struct Builtin {
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    has_status: bool,
    scale: bool,
    verbs: &'static [&'static str],
    categories: &'static [&'static str],
}

const fn b(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    has_status: bool,
) -> Builtin {
    Builtin {
        group,
        kind,
        plural,
        namespaced,
        short_names,
        has_status,
        scale: false,
        verbs: ALL_VERBS,
        categories: &[],
    }
}

const ALL: &[&str] = &["all"];

fn builtins() -> Vec<Builtin> {
    vec![
        Builtin {
            categories: ALL,
            ..b("", "Pod", "pods", true, &["po"], true)
        },
        Builtin {
            categories: ALL,
            ..b("", "Service", "services", true, &["svc"], true)
        },
        b("", "Namespace", "namespaces", false, &["ns"], true),
        b("", "ConfigMap", "configmaps", true, &["cm"], false),
        b("", "Secret", "secrets", true, &[], false),
        b("", "ServiceAccount", "serviceaccounts", true, &["sa"], false),
        b(
            "",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            true,
            &["pvc"],
            true,
        ),
        b("", "PersistentVolume", "persistentvolumes", false, &["pv"], true),
        b("", "Event", "events", true, &["ev"], false),
        b("", "Node", "nodes", false, &["no"], true),
        b("", "Endpoints", "endpoints", true, &["ep"], false),
        Builtin {
            scale: true,
            categories: ALL,
            ..b("apps", "Deployment", "deployments", true, &["deploy"], true)
        },
        Builtin {
            scale: true,
            categories: ALL,
            ..b("apps", "StatefulSet", "statefulsets", true, &["sts"], true)
        },
        Builtin {
            scale: true,
            categories: ALL,
            ..b("apps", "ReplicaSet", "replicasets", true, &["rs"], true)
        },
        b("networking.k8s.io", "Ingress", "ingresses", true, &["ing"], true),
        b(
            "networking.k8s.io",
            "NetworkPolicy",
            "networkpolicies",
            true,
            &["netpol"],
            false,
        ),
        b("networking.k8s.io", "IngressClass", "ingressclasses", false, &[], false),
        b("rbac.authorization.k8s.io", "Role", "roles", true, &[], false),
        b(
            "rbac.authorization.k8s.io",
            "RoleBinding",
            "rolebindings",
            true,
            &[],
            false,
        ),
        b(
            "rbac.authorization.k8s.io",
            "ClusterRole",
            "clusterroles",
            false,
            &[],
            false,
        ),
        b(
            "rbac.authorization.k8s.io",
            "ClusterRoleBinding",
            "clusterrolebindings",
            false,
            &[],
            false,
        ),
        b(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
            &["crd", "crds"],
            true,
        ),
        b(
            "policy",
            "PodDisruptionBudget",
            "poddisruptionbudgets",
            true,
            &["pdb"],
            true,
        ),
        b(
            "storage.k8s.io",
            "StorageClass",
            "storageclasses",
            false,
            &["sc"],
            false,
        ),
        Builtin {
            verbs: &["create"],
            ..b(
                "authorization.k8s.io",
                "SelfSubjectAccessReview",
                "selfsubjectaccessreviews",
                false,
                &[],
                false,
            )
        },
        b("events.k8s.io", "Event", "events", true, &["ev"], false),
        b("coordination.k8s.io", "Lease", "leases", true, &[], false),
    ]
}

/// All served resources, looked up by URL segment or by kind.
#[derive(Debug, Clone)]
pub struct Registry {
    resources: Vec<ResourceInfo>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::with_builtins()
    }
}

impl Registry {
    pub fn with_builtins() -> Self {
        let resources = builtins()
            .into_iter()
            .map(|b| ResourceInfo {
                group: b.group.to_string(),
                versions: vec!["v1".to_string()],
                kind: b.kind.to_string(),
                list_kind: format!("{}List", b.kind),
                plural: b.plural.to_string(),
                singular: b.kind.to_lowercase(),
                namespaced: b.namespaced,
                verbs: b.verbs.iter().map(|s| s.to_string()).collect(),
                short_names: b.short_names.iter().map(|s| s.to_string()).collect(),
                categories: b.categories.iter().map(|s| s.to_string()).collect(),
                has_status: b.has_status,
                scale: b.scale.then(|| ScaleSpec {
                    spec_replicas_path: ".spec.replicas".into(),
                    status_replicas_path: ".status.replicas".into(),
                    label_selector_path: Some(".status.selector".into()),
                }),
                crd: None,
                printer_columns: Vec::new(),
            })
            .collect();
        Registry { resources }
    }

    pub fn all(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// The resource served at `/apis/{group}/{version}/{plural}`.
    pub fn by_plural(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.plural == plural && r.serves(version))
    }

    /// The resource of `kind` in `group`, whatever version asked.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        self.resources.iter().find(|r| r.group == group && r.kind == kind)
    }

    /// Groups in discovery order (core excluded), each with its served versions.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for r in self.resources.iter().filter(|r| !r.group.is_empty()) {
            match out.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, vs)) => {
                    for v in &r.versions {
                        if !vs.contains(v) {
                            vs.push(v.clone());
                        }
                    }
                }
                None => out.push((r.group.clone(), r.versions.clone())),
            }
        }
        out
    }

    /// Serves (or re-serves, after an update) the resource a CRD defines.
    pub fn register_crd(&mut self, crd: &Value) {
        let Some(info) = info_from_crd(crd) else {
            return;
        };
        self.resources.retain(|r| r.crd.as_deref() != info.crd.as_deref());
        if !info.versions.is_empty() {
            self.resources.push(info);
        }
    }

    /// Stops serving what the CRD `name` defined.
    pub fn unregister_crd(&mut self, name: &str) -> Option<ResourceInfo> {
        let pos = self.resources.iter().position(|r| r.crd.as_deref() == Some(name))?;
        Some(self.resources.remove(pos))
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Reads a CRD object into the resource it serves; storage version first.
pub fn info_from_crd(crd: &Value) -> Option<ResourceInfo> {
    let spec = crd.get("spec")?;
    let names = spec.get("names")?;
    let kind = names.get("kind")?.as_str()?.to_string();
    let plural = names.get("plural")?.as_str()?.to_string();
    let group = spec.get("group")?.as_str()?.to_string();
    let mut versions: Vec<(bool, String)> = Vec::new();
    let mut has_status = false;
    let mut scale = None;
    let mut printer_columns = Vec::new();
    for v in spec.get("versions")?.as_array()? {
        if v.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let Some(name) = v.get("name").and_then(Value::as_str) else {
            continue;
        };
        let storage = v.get("storage").and_then(Value::as_bool) == Some(true);
        versions.push((storage, name.to_string()));
        // Every served version of Strimzi's CRDs declares the same subresources; take the
        // storage version's, else the first.
        if storage || printer_columns.is_empty() {
            if let Some(sub) = v.get("subresources") {
                has_status = sub.get("status").is_some();
                scale = sub.get("scale").map(|s| ScaleSpec {
                    spec_replicas_path: s
                        .get("specReplicasPath")
                        .and_then(Value::as_str)
                        .unwrap_or(".spec.replicas")
                        .to_string(),
                    status_replicas_path: s
                        .get("statusReplicasPath")
                        .and_then(Value::as_str)
                        .unwrap_or(".status.replicas")
                        .to_string(),
                    label_selector_path: s.get("labelSelectorPath").and_then(Value::as_str).map(str::to_string),
                });
            }
            printer_columns = v
                .get("additionalPrinterColumns")
                .and_then(Value::as_array)
                .map(|cols| {
                    cols.iter()
                        .filter_map(|c| {
                            Some(PrinterColumn {
                                name: c.get("name")?.as_str()?.to_string(),
                                type_: c.get("type").and_then(Value::as_str).unwrap_or("string").to_string(),
                                json_path: c.get("jsonPath")?.as_str()?.to_string(),
                                description: c.get("description").and_then(Value::as_str).unwrap_or("").to_string(),
                                priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
    }
    versions.sort_by_key(|(storage, _)| !*storage);
    let mut verbs: Vec<String> = ALL_VERBS.iter().map(|s| s.to_string()).collect();
    verbs.sort();
    Some(ResourceInfo {
        list_kind: names
            .get("listKind")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{kind}List")),
        singular: names
            .get("singular")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| kind.to_lowercase()),
        short_names: strings(names.get("shortNames").unwrap_or(&Value::Null)),
        categories: strings(names.get("categories").unwrap_or(&Value::Null)),
        namespaced: spec.get("scope").and_then(Value::as_str) != Some("Cluster"),
        crd: crd
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_string),
        group,
        versions: versions.into_iter().map(|(_, v)| v).collect(),
        kind,
        plural,
        verbs,
        has_status,
        scale,
        printer_columns,
    })
}
