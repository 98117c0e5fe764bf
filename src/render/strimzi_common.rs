//! Pieces of Strimzi's schemas shared by the Kafka CR (brokers and ZooKeeper)
//! and the KafkaNodePools: storage, resources, JVM options and the pod
//! template (affinity, tolerations, node selection, pull secrets).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::spec::{AntiAffinity, ClusterSpec, CpuMemory, JvmSpec, Resources, SchedulingSpec, StorageSpec, StorageType};

/// Weight of the preferred anti-affinity term: the scheduler's strongest
/// preference, since spreading brokers is what the user asked for.
const PREFERRED_WEIGHT: i32 = 100;

/// Strimzi `storage`. `kraft` marks the JBOD volume that holds the KRaft
/// metadata log, so that Strimzi does not pick (and later move) it on its own.
pub(super) fn storage(storage: &StorageSpec, kraft: bool) -> Value {
    match storage.kind {
        StorageType::Ephemeral => ephemeral(storage),
        StorageType::PersistentClaim => {
            persistent_claim(storage.size.as_deref(), storage.class.as_deref(), storage.delete_claim)
        }
        StorageType::Jbod => jbod(storage, kraft),
    }
}

fn ephemeral(storage: &StorageSpec) -> Value {
    let mut out = json!({ "type": StorageType::Ephemeral.as_str() });
    if let Some(size) = &storage.size {
        out["sizeLimit"] = json!(size);
    }
    out
}

fn persistent_claim(size: Option<&str>, class: Option<&str>, delete_claim: bool) -> Value {
    let mut out = json!({ "type": StorageType::PersistentClaim.as_str() });
    if let Some(size) = size {
        out["size"] = json!(size);
    }
    if let Some(class) = class {
        out["class"] = json!(class);
    }
    out["deleteClaim"] = json!(delete_claim);
    out
}

fn jbod(storage: &StorageSpec, kraft: bool) -> Value {
    let metadata_volume = storage.volumes.iter().map(|v| v.id).min();
    let volumes: Vec<Value> = storage
        .volumes
        .iter()
        .map(|volume| {
            let mut out =
                json!({ "id": volume.id, "type": StorageType::PersistentClaim.as_str(), "size": volume.size });
            if let Some(class) = &volume.class {
                out["class"] = json!(class);
            }
            out["deleteClaim"] = json!(volume.delete_claim);
            if kraft && Some(volume.id) == metadata_volume {
                out["kraftMetadata"] = json!("shared");
            }
            out
        })
        .collect();
    json!({ "type": StorageType::Jbod.as_str(), "volumes": volumes })
}

/// Strimzi `resources` (Kubernetes requests/limits), or None when nothing is set.
pub(super) fn resources(resources: &Resources) -> Option<Value> {
    if resources.is_empty() {
        return None;
    }
    let mut out = Map::new();
    if let Some(requests) = cpu_memory(&resources.requests) {
        out.insert("requests".to_string(), requests);
    }
    if let Some(limits) = cpu_memory(&resources.limits) {
        out.insert("limits".to_string(), limits);
    }
    Some(Value::Object(out))
}

fn cpu_memory(values: &CpuMemory) -> Option<Value> {
    if values.is_empty() {
        return None;
    }
    let mut out = Map::new();
    if let Some(cpu) = &values.cpu {
        out.insert("cpu".to_string(), json!(cpu));
    }
    if let Some(memory) = &values.memory {
        out.insert("memory".to_string(), json!(memory));
    }
    Some(Value::Object(out))
}

/// Strimzi `jvmOptions` with the heap sizes, or None when no heap is set.
pub(super) fn jvm_options(jvm: &JvmSpec) -> Option<Value> {
    if jvm.is_empty() {
        return None;
    }
    let mut out = Map::new();
    if let Some(xms) = &jvm.xms {
        out.insert("-Xms".to_string(), json!(xms));
    }
    if let Some(xmx) = &jvm.xmx {
        out.insert("-Xmx".to_string(), json!(xmx));
    }
    Some(Value::Object(out))
}

/// Labels that select the pods one anti-affinity term keeps apart.
pub(super) type PodSelector = BTreeMap<String, String>;

/// Strimzi `template.pod` for pods scheduled by `scheduling`: affinity,
/// tolerations and the spec's pull secrets; None when there is nothing to say.
pub(super) fn pod_template(spec: &ClusterSpec, scheduling: &SchedulingSpec, selector: &PodSelector) -> Option<Value> {
    let mut pod = Map::new();
    if let Some(secrets) = image_pull_secrets(spec) {
        pod.insert("imagePullSecrets".to_string(), secrets);
    }
    if let Some(affinity) = affinity(scheduling, selector) {
        pod.insert("affinity".to_string(), affinity);
    }
    if !scheduling.tolerations.is_empty() {
        pod.insert("tolerations".to_string(), json!(scheduling.tolerations));
    }
    (!pod.is_empty()).then_some(Value::Object(pod))
}

/// `template.pod` with only the pull secrets, for Strimzi's other pods
/// (entity operator, kafka-exporter); None when the spec has none.
pub(super) fn pull_secrets_pod_template(spec: &ClusterSpec) -> Option<Value> {
    image_pull_secrets(spec).map(|secrets| json!({ "imagePullSecrets": secrets }))
}

fn image_pull_secrets(spec: &ClusterSpec) -> Option<Value> {
    let secrets = &spec.images.pull_secrets;
    if secrets.is_empty() {
        return None;
    }
    Some(secrets.iter().map(|name| json!({ "name": name })).collect())
}

/// Pod affinity: anti-affinity between the selected pods, plus node affinity
/// for the node selector (Strimzi's pod template has no `nodeSelector`).
pub(super) fn affinity(scheduling: &SchedulingSpec, selector: &PodSelector) -> Option<Value> {
    let mut out = Map::new();
    if let Some(anti) = pod_anti_affinity(scheduling, selector) {
        out.insert("podAntiAffinity".to_string(), anti);
    }
    if let Some(node) = node_affinity(&scheduling.node_selector) {
        out.insert("nodeAffinity".to_string(), node);
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn pod_anti_affinity(scheduling: &SchedulingSpec, selector: &PodSelector) -> Option<Value> {
    let term = json!({
        "labelSelector": { "matchLabels": selector },
        "topologyKey": scheduling.topology_key,
    });
    match scheduling.anti_affinity {
        AntiAffinity::Required => Some(json!({ "requiredDuringSchedulingIgnoredDuringExecution": [term] })),
        AntiAffinity::Preferred => Some(json!({
            "preferredDuringSchedulingIgnoredDuringExecution": [{ "weight": PREFERRED_WEIGHT, "podAffinityTerm": term }],
        })),
        AntiAffinity::None => None,
    }
}

/// A node selector as one required node-selector term: every label must match.
fn node_affinity(node_selector: &BTreeMap<String, String>) -> Option<Value> {
    if node_selector.is_empty() {
        return None;
    }
    let expressions: Vec<Value> = node_selector
        .iter()
        .map(|(key, value)| json!({ "key": key, "operator": "In", "values": [value] }))
        .collect();
    Some(json!({
        "requiredDuringSchedulingIgnoredDuringExecution": { "nodeSelectorTerms": [{ "matchExpressions": expressions }] },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{JbodVolume, Toleration};

    fn selector() -> PodSelector {
        BTreeMap::from([("strimzi.io/cluster".to_string(), "c".to_string())])
    }

    fn scheduling(anti_affinity: AntiAffinity) -> SchedulingSpec {
        SchedulingSpec {
            anti_affinity,
            topology_key: "topology.kubernetes.io/zone".to_string(),
            ..SchedulingSpec::default()
        }
    }

    #[test]
    fn required_anti_affinity_is_a_hard_term_on_the_topology_key() {
        let affinity = affinity(&scheduling(AntiAffinity::Required), &selector()).unwrap();
        assert_eq!(
            affinity,
            json!({ "podAntiAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": [{
                "labelSelector": { "matchLabels": { "strimzi.io/cluster": "c" } },
                "topologyKey": "topology.kubernetes.io/zone",
            }] } })
        );
    }

    #[test]
    fn preferred_anti_affinity_is_a_weighted_term() {
        let affinity = affinity(&scheduling(AntiAffinity::Preferred), &selector()).unwrap();
        let terms = &affinity["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
        assert_eq!(terms[0]["weight"], json!(100));
        assert_eq!(
            terms[0]["podAffinityTerm"]["topologyKey"],
            json!("topology.kubernetes.io/zone")
        );
        assert!(
            affinity["podAntiAffinity"]
                .get("requiredDuringSchedulingIgnoredDuringExecution")
                .is_none()
        );
    }

    #[test]
    fn no_anti_affinity_and_no_node_selector_means_no_affinity() {
        assert_eq!(affinity(&scheduling(AntiAffinity::None), &selector()), None);
    }

    #[test]
    fn node_selector_becomes_required_node_affinity() {
        let mut scheduling = scheduling(AntiAffinity::None);
        scheduling.node_selector.insert("disk".to_string(), "ssd".to_string());
        let affinity = affinity(&scheduling, &selector()).unwrap();
        assert_eq!(
            affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]["matchExpressions"],
            json!([{ "key": "disk", "operator": "In", "values": ["ssd"] }])
        );
        assert!(affinity.get("podAntiAffinity").is_none());
    }

    #[test]
    fn tolerations_keep_kubernetes_field_names() {
        let mut scheduling = scheduling(AntiAffinity::None);
        scheduling.tolerations.push(Toleration {
            key: Some("dedicated".into()),
            operator: Some("Equal".into()),
            value: Some("kafka".into()),
            effect: Some("NoExecute".into()),
            toleration_seconds: Some(30),
        });
        let pod = pod_template(&ClusterSpec::default(), &scheduling, &selector()).unwrap();
        assert_eq!(
            pod["tolerations"],
            json!([{ "key": "dedicated", "operator": "Equal", "value": "kafka", "effect": "NoExecute", "tolerationSeconds": 30 }])
        );
    }

    #[test]
    fn empty_pod_template_is_omitted() {
        assert_eq!(
            pod_template(&ClusterSpec::default(), &scheduling(AntiAffinity::None), &selector()),
            None
        );
    }

    #[test]
    fn jbod_marks_the_lowest_volume_for_kraft_metadata_only_in_kraft() {
        let storage = StorageSpec {
            kind: StorageType::Jbod,
            volumes: vec![
                JbodVolume {
                    id: 2,
                    size: "10Gi".into(),
                    class: Some("ssd".into()),
                    delete_claim: true,
                },
                JbodVolume {
                    id: 1,
                    size: "20Gi".into(),
                    class: None,
                    delete_claim: false,
                },
            ],
            ..StorageSpec::default()
        };
        let kraft = super::storage(&storage, true);
        assert_eq!(
            kraft["volumes"],
            json!([
                { "id": 2, "type": "persistent-claim", "size": "10Gi", "class": "ssd", "deleteClaim": true },
                { "id": 1, "type": "persistent-claim", "size": "20Gi", "deleteClaim": false, "kraftMetadata": "shared" },
            ])
        );
        let zookeeper = super::storage(&storage, false);
        assert!(
            zookeeper["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v.get("kraftMetadata").is_none())
        );
    }

    #[test]
    fn ephemeral_storage_uses_the_size_as_size_limit() {
        let storage = StorageSpec {
            kind: StorageType::Ephemeral,
            size: Some("5Gi".into()),
            ..StorageSpec::default()
        };
        assert_eq!(
            super::storage(&storage, true),
            json!({ "type": "ephemeral", "sizeLimit": "5Gi" })
        );
        let unbounded = StorageSpec {
            kind: StorageType::Ephemeral,
            size: None,
            ..StorageSpec::default()
        };
        assert_eq!(super::storage(&unbounded, true), json!({ "type": "ephemeral" }));
    }

    #[test]
    fn jvm_options_use_strimzi_heap_keys() {
        let jvm = JvmSpec {
            xms: Some("1g".into()),
            xmx: Some("2g".into()),
        };
        assert_eq!(jvm_options(&jvm), Some(json!({ "-Xms": "1g", "-Xmx": "2g" })));
        assert_eq!(jvm_options(&JvmSpec::default()), None);
    }
}
