//! A Strimzi cluster-operator release bundle as parsed objects: reading the
//! YAML text of its files, checking it really is a Strimzi bundle, and what it
//! says about itself (release version, operator Deployment, CRDs). Pure: the
//! caller reads the files (see `source`).

use serde_json::Value;

/// The name Strimzi gives the operator Deployment, its ServiceAccount and ConfigMap.
pub const OPERATOR_NAME: &str = "strimzi-cluster-operator";

/// A parsed release bundle, objects in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// Strimzi release, from the operator image tag (`quay.io/strimzi/operator:1.2.0`).
    pub version: String,
    /// Where it came from (a path or a URL), for messages.
    pub origin: String,
    pub objects: Vec<Value>,
}

/// Why a bundle cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("{origin} is not valid YAML: {reason}")]
    Yaml { origin: String, reason: String },
    #[error("document {index} of {origin} is not a Kubernetes object (it has no apiVersion and kind)")]
    NotAnObject { origin: String, index: usize },
    #[error("{origin} is not a Strimzi cluster-operator bundle: {missing}")]
    NotStrimzi { origin: String, missing: String },
}

/// One file of a bundle: its name (or URL) and its text.
pub struct BundleFile<'a> {
    pub origin: &'a str,
    pub text: &'a str,
}

impl Bundle {
    /// Parse the files of a bundle (one multi-document file, or the files of
    /// `install/cluster-operator/` in name order) and check it is Strimzi's.
    pub fn parse(origin: &str, files: &[BundleFile<'_>]) -> Result<Bundle, BundleError> {
        let mut objects = Vec::new();
        for file in files {
            objects.extend(parse_documents(file.origin, file.text)?);
        }
        let version = check_strimzi(origin, &objects)?;
        Ok(Bundle {
            version,
            origin: origin.to_string(),
            objects,
        })
    }

    /// The operator Deployment.
    pub fn deployment(&self) -> Option<&Value> {
        self.objects.iter().find(|o| is_operator_deployment(o))
    }

    /// Names of the CustomResourceDefinitions, in bundle order.
    pub fn crd_names(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| kind(o) == "CustomResourceDefinition")
            .map(|o| name(o).to_string())
            .collect()
    }

    /// Kafka versions of `STRIMZI_KAFKA_IMAGES`, with their images.
    pub fn kafka_images(&self) -> Vec<(String, String)> {
        self.deployment()
            .and_then(|d| operator_env(d, "STRIMZI_KAFKA_IMAGES"))
            .map(|v| parse_image_list(&v))
            .unwrap_or_default()
    }
}

/// Every non-empty document of one file.
fn parse_documents(origin: &str, text: &str) -> Result<Vec<Value>, BundleError> {
    let documents: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| BundleError::Yaml {
        origin: origin.to_string(),
        reason: first_line(&e.to_string()),
    })?;
    let mut objects = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        if document.is_null() {
            continue;
        }
        let has_identity = document["apiVersion"].is_string() && document["kind"].is_string();
        if !has_identity {
            return Err(BundleError::NotAnObject {
                origin: origin.to_string(),
                index: index + 1,
            });
        }
        objects.push(document);
    }
    Ok(objects)
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// A Strimzi bundle has the operator Deployment and the `kafka.strimzi.io` CRDs;
/// its version is the operator image's tag.
fn check_strimzi(origin: &str, objects: &[Value]) -> Result<String, BundleError> {
    let not_strimzi = |missing: &str| BundleError::NotStrimzi {
        origin: origin.to_string(),
        missing: missing.to_string(),
    };
    let deployment = objects
        .iter()
        .find(|o| is_operator_deployment(o))
        .ok_or_else(|| not_strimzi("it has no strimzi-cluster-operator Deployment"))?;
    let has_kafka_crd = objects
        .iter()
        .any(|o| kind(o) == "CustomResourceDefinition" && o["spec"]["group"] == "kafka.strimzi.io");
    if !has_kafka_crd {
        return Err(not_strimzi("it has no kafka.strimzi.io CustomResourceDefinitions"));
    }
    let image = operator_container(deployment)
        .and_then(|c| c["image"].as_str())
        .ok_or_else(|| not_strimzi("the operator Deployment names no image"))?;
    image_tag(image).ok_or_else(|| not_strimzi("the operator image has no version tag"))
}

pub(crate) fn kind(object: &Value) -> &str {
    object["kind"].as_str().unwrap_or_default()
}

pub(crate) fn name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

/// The Deployment of the cluster operator: Strimzi labels its pod template
/// `strimzi.io/kind: cluster-operator`.
pub fn is_operator_deployment(object: &Value) -> bool {
    kind(object) == "Deployment"
        && (object["spec"]["template"]["metadata"]["labels"]["strimzi.io/kind"] == "cluster-operator"
            || name(object) == OPERATOR_NAME)
}

/// The operator container (named like the Deployment, else the first).
pub fn operator_container(deployment: &Value) -> Option<&Value> {
    let containers = deployment["spec"]["template"]["spec"]["containers"].as_array()?;
    containers
        .iter()
        .find(|c| c["name"] == OPERATOR_NAME)
        .or_else(|| containers.first())
}

/// A literal env value of the operator container.
pub fn operator_env(deployment: &Value, key: &str) -> Option<String> {
    operator_container(deployment)?["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == key)
        .and_then(|e| e["value"].as_str())
        .map(str::to_string)
}

/// `4.2.0=quay.io/strimzi/kafka:1.2.0-kafka-4.2.0` lines → (version, image).
pub fn parse_image_list(value: &str) -> Vec<(String, String)> {
    value
        .lines()
        .filter_map(|line| line.trim().split_once('='))
        .map(|(v, i)| (v.trim().to_string(), i.trim().to_string()))
        .filter(|(v, i)| !v.is_empty() && !i.is_empty())
        .collect()
}

/// The tag of an image reference (not a registry port).
pub fn image_tag(image: &str) -> Option<String> {
    let last = image.rsplit('/').next()?;
    let without_digest = last.split('@').next()?;
    let (_, tag) = without_digest.split_once(':')?;
    (!tag.is_empty()).then(|| tag.to_string())
}

/// `1.2.0` → [1, 2, 0]; pre-release suffixes sort before the release.
pub fn version_key(version: &str) -> (Vec<u64>, bool) {
    let (core, pre) = match version.split_once('-') {
        Some((core, _)) => (core, true),
        None => (version, false),
    };
    let numbers = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    (numbers, !pre)
}

/// Whether `a` is an older release than `b`.
pub fn older(a: &str, b: &str) -> bool {
    version_key(a) < version_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(image: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: strimzi-cluster-operator\nspec:\n  template:\n    \
             metadata:\n      labels:\n        strimzi.io/kind: cluster-operator\n    spec:\n      containers:\n        \
             - name: strimzi-cluster-operator\n          image: {image}\n"
        )
    }

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: kafkas.kafka.strimzi.io\nspec:\n  group: kafka.strimzi.io\n";

    fn parse(text: &str) -> Result<Bundle, BundleError> {
        Bundle::parse(
            "bundle.yaml",
            &[BundleFile {
                origin: "bundle.yaml",
                text,
            }],
        )
    }

    #[test]
    fn version_comes_from_the_operator_image_tag() {
        let text = format!("{CRD}---\n{}---\n", deployment("registry:5000/strimzi/operator:0.45.2"));
        let bundle = parse(&text).unwrap();
        assert_eq!(bundle.version, "0.45.2");
        assert_eq!(bundle.objects.len(), 2);
        assert_eq!(bundle.crd_names(), vec!["kafkas.kafka.strimzi.io"]);
    }

    #[test]
    fn a_bundle_without_the_operator_is_not_strimzi() {
        let err = parse(CRD).unwrap_err();
        assert!(
            err.to_string().contains("no strimzi-cluster-operator Deployment"),
            "{err}"
        );
    }

    #[test]
    fn a_scalar_document_is_not_an_object() {
        let err = parse(&format!("{CRD}---\njust text\n")).unwrap_err();
        assert_eq!(
            err,
            BundleError::NotAnObject {
                origin: "bundle.yaml".into(),
                index: 2
            }
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(older("0.45.2", "1.2.0"));
        assert!(older("0.9.0", "0.45.0"));
        assert!(older("1.2.0-rc1", "1.2.0"));
        assert!(!older("1.2.0", "1.2.0"));
    }
}
