//! Strimzi resources from `v1beta2` to `v1` (pure): the mechanical changes
//! Strimzi's v1 API conversion tool makes — deprecated fields dropped, a few
//! renamed — and the changes it leaves to a person, reported by name with
//! nothing written. kafkactl's own stored spec follows (`strimziApi: v1`).

use serde_json::{Map, Value};

use crate::spec::names::SPEC_ANNOTATION;

/// The v1 API of the Strimzi groups.
pub fn v1_api_version(api_version: &str) -> Option<String> {
    let (group, _) = api_version.split_once('/')?;
    group.ends_with("strimzi.io").then(|| format!("{group}/v1"))
}

/// What converting one resource comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Converted {
    /// The v1 form, and what changed (empty: only the API version).
    Ready { object: Value, changes: Vec<String> },
    /// Already v1 with nothing to change.
    Unchanged,
    /// Needs a person first: the reasons, in Strimzi's words.
    Manual(Vec<String>),
}

/// Convert one Strimzi resource (as read at `v1beta2`, or at `v1` before
/// the CRDs store v1) to its `v1` form.
pub fn to_v1(object: &Value) -> Converted {
    let kind = object["kind"].as_str().unwrap_or_default();
    let mut manual = Vec::new();
    if object.get("spec").is_none_or(Value::is_null) {
        manual.push(format!(
            "the .spec section is required in v1 and has to be added to this {kind}"
        ));
    }
    let mut converted = object.clone();
    let mut changes = Vec::new();
    match kind {
        "Kafka" => kafka(&mut converted, &mut changes, &mut manual),
        "KafkaNodePool" => node_pool(&mut converted, &mut changes),
        "KafkaUser" => user(&mut converted, &mut changes),
        "KafkaTopic" | "KafkaRebalance" | "StrimziPodSet" => {}
        other => manual.push(format!(
            "kafkactl does not convert {other} resources; convert it with Strimzi's v1-api-conversion tool (convert-resource --kind {other})"
        )),
    }
    if !manual.is_empty() {
        return Converted::Manual(manual);
    }
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    match v1_api_version(api_version) {
        Some(v1) if v1 != api_version || !changes.is_empty() => {
            converted["apiVersion"] = Value::String(v1);
            Converted::Ready {
                object: converted,
                changes,
            }
        }
        Some(_) => Converted::Unchanged,
        None => Converted::Manual(vec![format!("{api_version} is not a Strimzi API version")]),
    }
}

/// Fields the v1 Kafka schema no longer has.
const KAFKA_DROPPED: &[&str] = &[
    "/spec/zookeeper",
    "/spec/jmxTrans",
    "/spec/cruiseControl/tlsSidecar",
    "/spec/cruiseControl/template/tlsSidecarContainer",
    "/spec/cruiseControl/brokerCapacity/cpuUtilization",
    "/spec/cruiseControl/brokerCapacity/disk",
    "/spec/kafkaExporter/template/service",
    "/spec/entityOperator/tlsSidecar",
    "/spec/entityOperator/template/tlsSidecarContainer",
    "/spec/entityOperator/topicOperator/zookeeperSessionTimeoutSeconds",
    "/spec/entityOperator/topicOperator/topicMetadataMaxAttempts",
    "/spec/entityOperator/userOperator/zookeeperSessionTimeoutSeconds",
    "/spec/kafka/template/statefulset",
    "/spec/kafka/replicas",
    "/spec/kafka/storage",
    "/status/registeredNodeIds",
    "/status/kafkaMetadataState",
];

fn kafka(kafka: &mut Value, changes: &mut Vec<String>, manual: &mut Vec<String>) {
    match kafka.pointer("/status/kafkaMetadataState").and_then(Value::as_str) {
        Some("KRaft") => {}
        Some(state) => manual.push(format!(
            "its metadata is in {state}, not KRaft: migrate it to KRaft first (kafkactl migrate --to kraft)"
        )),
        None if kafka["spec"]["zookeeper"].is_object() => {
            manual.push("it is ZooKeeper-based: migrate it to KRaft first (kafkactl migrate --to kraft)".into())
        }
        None => {}
    }
    for listener in kafka
        .pointer("/spec/kafka/listeners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = listener["name"].as_str().unwrap_or("?");
        match listener.pointer("/authentication/type").and_then(Value::as_str) {
            Some("oauth") => manual.push(format!(
                "listener {name}: the OAuth authentication is removed in v1; use the custom authentication instead"
            )),
            Some("custom") if listener.pointer("/authentication/secrets").is_some() => manual.push(format!(
                "listener {name}: secrets in custom authentication are removed in v1; mount them as additional volumes in the template section"
            )),
            _ => {}
        }
    }
    if let Some(kind @ ("keycloak" | "opa")) = kafka.pointer("/spec/kafka/authorization/type").and_then(Value::as_str) {
        manual.push(format!(
            "the {kind} authorization is removed in v1; use the custom authorization instead"
        ));
    }
    if kafka.pointer("/spec/kafka/resources").is_some() {
        manual.push("spec.kafka.resources is removed in v1; set the resources in the KafkaNodePools instead".into());
    }
    if !manual.is_empty() {
        return;
    }
    for operator in ["topicOperator", "userOperator"] {
        seconds_to_ms(kafka, operator, changes);
    }
    for pointer in KAFKA_DROPPED {
        if remove(kafka, pointer) {
            changes.push(format!("removed {}", dotted(pointer)));
        }
    }
    let mut types_dropped = false;
    for listener in kafka
        .pointer_mut("/status/listeners")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        types_dropped |= listener.as_object_mut().and_then(|l| l.remove("type")).is_some();
    }
    if types_dropped {
        changes.push("removed status.listeners[].type".into());
    }
    if stored_spec_to_v1(kafka) {
        changes.push("kafkactl's stored spec now says strimziApi: v1".into());
    }
}

/// `reconciliationIntervalSeconds` becomes `reconciliationIntervalMs` (an
/// explicit `…Ms` wins).
fn seconds_to_ms(kafka: &mut Value, operator: &str, changes: &mut Vec<String>) {
    let Some(spec) = kafka
        .pointer_mut(&format!("/spec/entityOperator/{operator}"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(seconds) = spec.remove("reconciliationIntervalSeconds") else {
        return;
    };
    if !spec.contains_key("reconciliationIntervalMs")
        && let Some(seconds) = seconds.as_u64()
    {
        spec.insert("reconciliationIntervalMs".into(), Value::from(seconds * 1000));
    }
    changes.push(format!(
        "spec.entityOperator.{operator}.reconciliationIntervalSeconds became reconciliationIntervalMs"
    ));
}

fn node_pool(pool: &mut Value, changes: &mut Vec<String>) {
    let mut dropped = remove(pool, "/spec/storage/overrides");
    for volume in pool
        .pointer_mut("/spec/storage/volumes")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        dropped |= volume.as_object_mut().and_then(|v| v.remove("overrides")).is_some();
    }
    if dropped {
        changes.push("removed the storage overrides".into());
    }
}

fn user(user: &mut Value, changes: &mut Vec<String>) {
    let mut renamed = 0;
    for acl in user
        .pointer_mut("/spec/authorization/acls")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        let Some(operation) = acl.remove("operation") else {
            continue;
        };
        let has_operations = acl
            .get("operations")
            .and_then(Value::as_array)
            .is_some_and(|o| !o.is_empty());
        if !has_operations {
            acl.insert("operations".into(), Value::Array(vec![operation]));
        }
        renamed += 1;
    }
    if renamed > 0 {
        changes.push(format!("{renamed} ACL rule(s): operation became operations"));
    }
}

/// kafkactl's stored spec (an annotation) says which API it renders for.
fn stored_spec_to_v1(kafka: &mut Value) -> bool {
    let Some(annotation) = kafka
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
        .and_then(|a| a.get_mut(SPEC_ANNOTATION))
    else {
        return false;
    };
    let Some(mut spec) = annotation
        .as_str()
        .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok())
    else {
        return false;
    };
    if spec.get("strimziApi").and_then(Value::as_str) == Some("v1") {
        return false;
    }
    spec.insert("strimziApi".into(), Value::String("v1".into()));
    match serde_json::to_string(&spec) {
        Ok(text) => {
            *annotation = Value::String(text);
            true
        }
        Err(_) => false,
    }
}

fn remove(object: &mut Value, pointer: &str) -> bool {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return false;
    };
    object
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|p| p.remove(key))
        .is_some()
}

fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn migrated_kafka() -> Value {
        json!({
            "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka",
            "metadata": {"name": "c", "namespace": "kafka",
                "annotations": {SPEC_ANNOTATION: "{\"strimziApi\":\"v1beta2\",\"kafkaVersion\":\"4.2.0\"}"}},
            "spec": {
                "kafka": {"version": "4.2.0", "replicas": 3, "storage": {"type": "ephemeral"},
                    "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}]},
                "zookeeper": {"replicas": 3, "storage": {"type": "ephemeral"}},
                "entityOperator": {"topicOperator": {"reconciliationIntervalSeconds": 90}, "userOperator": {}}
            },
            "status": {"kafkaMetadataState": "KRaft", "registeredNodeIds": [0, 1, 2],
                "listeners": [{"name": "plain", "type": "plain", "bootstrapServers": "c:9092"}]}
        })
    }

    #[test]
    fn a_migrated_kafka_loses_the_fields_v1_dropped_and_its_stored_spec_follows() {
        let Converted::Ready { object, changes } = to_v1(&migrated_kafka()) else {
            panic!("converted")
        };
        assert_eq!(object["apiVersion"], "kafka.strimzi.io/v1");
        for gone in [
            "/spec/zookeeper",
            "/spec/kafka/replicas",
            "/spec/kafka/storage",
            "/status/kafkaMetadataState",
        ] {
            assert!(object.pointer(gone).is_none(), "{gone}");
        }
        assert_eq!(
            object["spec"]["entityOperator"]["topicOperator"],
            json!({"reconciliationIntervalMs": 90000})
        );
        assert!(object["status"]["listeners"][0].get("type").is_none());
        assert_eq!(object["status"]["listeners"][0]["bootstrapServers"], "c:9092");
        let spec: Value = serde_json::from_str(
            object["metadata"]["annotations"][SPEC_ANNOTATION]
                .as_str()
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        assert_eq!(spec["strimziApi"], "v1");
        assert_eq!(spec["kafkaVersion"], "4.2.0");
        assert!(changes.contains(&"removed spec.zookeeper".to_string()), "{changes:?}");
    }

    #[test]
    fn converting_twice_changes_nothing_the_second_time() {
        let Converted::Ready { object, .. } = to_v1(&migrated_kafka()) else {
            panic!("converted")
        };
        assert_eq!(to_v1(&object), Converted::Unchanged);
    }

    #[test]
    fn manual_only_items_are_named_and_nothing_is_converted() {
        let mut kafka = migrated_kafka();
        kafka["spec"]["kafka"]["listeners"][0]["authentication"] = json!({"type": "oauth"});
        kafka["spec"]["kafka"]["authorization"] = json!({"type": "opa"});
        kafka["spec"]["kafka"]["resources"] = json!({"requests": {"cpu": "1"}});
        let Converted::Manual(reasons) = to_v1(&kafka) else {
            panic!("manual")
        };
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("listener plain: the OAuth authentication"));

        let mut zookeeper = migrated_kafka();
        zookeeper["status"]["kafkaMetadataState"] = json!("ZooKeeper");
        assert!(matches!(to_v1(&zookeeper), Converted::Manual(r) if r[0].contains("migrate it to KRaft first")));
        let no_spec =
            json!({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic", "metadata": {"name": "t"}});
        assert!(matches!(to_v1(&no_spec), Converted::Manual(r) if r[0].contains(".spec section is required")));
        let connect = json!({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaConnect", "spec": {}});
        assert!(matches!(to_v1(&connect), Converted::Manual(r) if r[0].contains("v1-api-conversion")));
    }

    #[test]
    fn users_get_operations_and_pools_lose_storage_overrides() {
        let user = json!({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
            "spec": {"authorization": {"type": "simple", "acls": [
                {"resource": {"type": "topic", "name": "t"}, "operation": "Read"},
                {"resource": {"type": "group", "name": "g"}, "operation": "Read", "operations": ["Describe"]}]}}});
        let Converted::Ready { object, changes } = to_v1(&user) else {
            panic!("converted")
        };
        assert_eq!(
            object["spec"]["authorization"]["acls"][0]["operations"],
            json!(["Read"])
        );
        assert_eq!(
            object["spec"]["authorization"]["acls"][1]["operations"],
            json!(["Describe"])
        );
        assert!(object["spec"]["authorization"]["acls"][1].get("operation").is_none());
        assert_eq!(changes, ["2 ACL rule(s): operation became operations"]);

        let pool = json!({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaNodePool",
            "spec": {"storage": {"type": "jbod", "volumes": [{"id": 0, "type": "persistent-claim", "size": "1Gi",
                "overrides": [{"broker": 0, "class": "fast"}]}]}}});
        let Converted::Ready { object, .. } = to_v1(&pool) else {
            panic!("converted")
        };
        assert!(object["spec"]["storage"]["volumes"][0].get("overrides").is_none());
        let podset = json!({"apiVersion": "core.strimzi.io/v1beta2", "kind": "StrimziPodSet", "spec": {"pods": []}});
        assert!(
            matches!(to_v1(&podset), Converted::Ready { object, .. } if object["apiVersion"] == "core.strimzi.io/v1")
        );
    }
}
