//! Whether another Strimzi release may replace the running operator (pure):
//! every reason it would orphan a cluster or stop half-way, each with the
//! command that fixes it. Read before anything is written; the caller refuses
//! (exit 4) on any refusal, and asks about the cautions, where Strimzi
//! itself lets the upgrade go on.

use serde::Serialize;
use serde_json::Value;

use super::path::kafka_move_is_safe;
use super::releases::ReleaseFacts;
use super::stored_versions::DroppedStoredVersion;
use crate::spec::scaling::compare_kafka_versions;

/// What the checks read from the cluster.
#[derive(Debug, Clone, Default)]
pub struct Installed {
    /// The running operator's release, when one runs.
    pub operator: Option<ReleaseFacts>,
    /// Every Kafka CR the operator watches.
    pub kafkas: Vec<Value>,
    /// Every KafkaUser it watches.
    pub users: Vec<Value>,
    /// Every KafkaMirrorMaker (MirrorMaker 1) it watches.
    pub mirror_makers: Vec<Value>,
    pub dropped_stored_versions: Vec<DroppedStoredVersion>,
    pub kubernetes_minor: Option<u32>,
}

/// One reason, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// `namespace/name` of the resource, or the CRD's name.
    pub subject: String,
    pub why: String,
    pub fix: String,
}

/// Refusals stop the change; cautions are asked about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Findings {
    pub refusals: Vec<Finding>,
    pub cautions: Vec<Finding>,
}

/// Everything that stands between the running operator and `target`.
pub fn check(target: &ReleaseFacts, installed: &Installed) -> Findings {
    let mut findings = Findings::default();
    for kafka in &installed.kafkas {
        zookeeper(target, kafka, &mut findings);
        kafka_version(target, installed.operator.as_ref(), kafka, &mut findings);
    }
    if target.serves_v1 {
        findings
            .refusals
            .extend(installed.users.iter().filter_map(user_operation));
    }
    if !target.zookeeper {
        findings
            .refusals
            .extend(installed.mirror_makers.iter().map(|m| mirror_maker(target, m)));
    }
    findings.refusals.extend(
        installed
            .dropped_stored_versions
            .iter()
            .map(|d| stored_version(target, d)),
    );
    if let Some(minor) = installed.kubernetes_minor.filter(|m| *m < target.min_kubernetes_minor) {
        findings.refusals.push(Finding {
            subject: "Kubernetes".into(),
            why: format!(
                "Strimzi {} supports Kubernetes 1.{} and newer; this cluster runs 1.{minor}",
                target.version, target.min_kubernetes_minor
            ),
            fix: format!("upgrade Kubernetes to 1.{} or newer first", target.min_kubernetes_minor),
        });
    }
    findings
}

fn zookeeper(target: &ReleaseFacts, kafka: &Value, findings: &mut Findings) {
    if target.zookeeper {
        return;
    }
    let state = kafka["status"]["kafkaMetadataState"].as_str();
    let why = match state {
        Some("KRaft") => None,
        Some("ZooKeeper") => Some("is ZooKeeper-based".to_string()),
        Some(other) => Some(format!("is mid-migration to KRaft ({other})")),
        None if kafka["spec"]["zookeeper"].is_object() => Some("is ZooKeeper-based".to_string()),
        None => None,
    };
    if let Some(why) = why {
        let (namespace, name) = identity(kafka);
        findings.refusals.push(Finding {
            subject: format!("{namespace}/{name}"),
            why: format!(
                "{why}; Strimzi {} runs only KRaft clusters and would leave it unmanaged",
                target.version
            ),
            fix: format!("kafkactl migrate {name} -n {namespace} --to kraft (on the running Strimzi 0.45)"),
        });
    }
}

/// The running Kafka version must be one the target knows, unless the target
/// upgrades from unknown versions (1.0 and later), which Strimzi lets go on
/// with the version changed afterwards: asked about.
fn kafka_version(target: &ReleaseFacts, running: Option<&ReleaseFacts>, kafka: &Value, findings: &mut Findings) {
    let Some(version) = kafka["status"]["kafkaVersion"]
        .as_str()
        .or_else(|| kafka["spec"]["kafka"]["version"].as_str())
    else {
        return;
    };
    if target.kafka_versions.is_empty() || target.supports_kafka(version) {
        return;
    }
    let (namespace, name) = identity(kafka);
    let subject = format!("{namespace}/{name}");
    let supported = target.kafka_versions.join(", ");
    let shared = running.and_then(|r| newest_shared(r, target, version));
    let fix = match &shared {
        Some(v) => format!("kafkactl upgrade {name} -n {namespace} --kafka-version {v} first"),
        None => format!(
            "kafkactl upgrade-plan --to {} shows a route through other releases",
            target.version
        ),
    };
    let finding = |why: String| Finding {
        subject: subject.clone(),
        why,
        fix: fix.clone(),
    };
    if target.upgrades_from_unknown_kafka && shared.is_some() {
        findings.cautions.push(finding(format!(
            "runs Kafka {version}, which Strimzi {} does not support ({supported}); it reports the cluster NotReady until its version changes",
            target.version
        )));
    } else if shared.is_some() {
        findings.refusals.push(finding(format!(
            "runs Kafka {version}, which Strimzi {} does not know ({supported}): it cannot upgrade the cluster from it",
            target.version
        )));
    } else {
        findings.refusals.push(finding(format!(
            "runs Kafka {version}; Strimzi {} supports none of the versions it could move to from here ({supported})",
            target.version
        )));
    }
}

/// The newest version both releases support that the cluster may move to
/// (forward, or a patch down within its minor).
fn newest_shared(running: &ReleaseFacts, target: &ReleaseFacts, version: &str) -> Option<String> {
    running
        .kafka_versions
        .iter()
        .filter(|v| target.supports_kafka(v))
        .filter(|v| kafka_move_is_safe(version, v))
        .max_by(|a, b| compare_kafka_versions(a, b).unwrap_or(std::cmp::Ordering::Equal))
        .cloned()
}

fn user_operation(user: &Value) -> Option<Finding> {
    let acls = user.pointer("/spec/authorization/acls")?.as_array()?;
    let singular = acls.iter().filter(|acl| acl.get("operation").is_some()).count();
    (singular > 0).then(|| {
        let (namespace, name) = identity(user);
        Finding {
            subject: format!("KafkaUser {namespace}/{name}"),
            why: format!("{singular} of its ACL rules use `operation`, which Strimzi 0.49 and later no longer read"),
            fix: format!(
                "write each rule's `operation: X` as `operations: [X]` (kubectl edit kafkauser {name} -n {namespace})"
            ),
        }
    })
}

fn mirror_maker(target: &ReleaseFacts, mirror_maker: &Value) -> Finding {
    let (namespace, name) = identity(mirror_maker);
    Finding {
        subject: format!("KafkaMirrorMaker {namespace}/{name}"),
        why: format!(
            "MirrorMaker 1 is gone from Strimzi 0.46 on, so Strimzi {} would leave it unmanaged",
            target.version
        ),
        fix: format!("move it to a KafkaMirrorMaker2, then kubectl delete kafkamirrormaker {name} -n {namespace}"),
    }
}

fn stored_version(target: &ReleaseFacts, dropped: &DroppedStoredVersion) -> Finding {
    Finding {
        subject: dropped.crd.clone(),
        why: format!(
            "may hold objects stored as {} (status.storedVersions), which the {} CRD drops (it lists {}); the API server would refuse the CRD half-way through the bundle",
            dropped.dropped.join(", "),
            target.version,
            dropped.target_versions.join(", ")
        ),
        fix: "convert first on a release serving both v1beta2 and v1 (0.49 to 0.51): kafkactl operator convert-api"
            .into(),
    }
}

fn identity(object: &Value) -> (&str, &str) {
    (
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::releases::find;
    use serde_json::json;

    fn release(version: &str) -> ReleaseFacts {
        find(version)
            .map(|r| r.facts())
            .unwrap_or_else(|| unreachable!("{version} is listed"))
    }

    fn kafka(name: &str, version: &str, state: Option<&str>) -> Value {
        let mut kafka = json!({"metadata": {"namespace": "kafka", "name": name},
            "spec": {"kafka": {"version": version}}, "status": {"kafkaVersion": version}});
        if let Some(state) = state {
            kafka["status"]["kafkaMetadataState"] = json!(state);
        }
        kafka
    }

    fn on_0_45(kafkas: Vec<Value>) -> Installed {
        Installed {
            operator: Some(release("0.45.2")),
            kafkas,
            ..Installed::default()
        }
    }

    #[test]
    fn zookeeper_and_mid_migration_clusters_refuse_every_kraft_only_release() {
        let installed = on_0_45(vec![
            kafka("zk", "3.9.0", Some("ZooKeeper")),
            kafka("half", "3.9.0", Some("KRaftDualWriting")),
            kafka("done", "3.9.0", Some("KRaft")),
        ]);
        for target in ["0.46.1", "0.48.0", "0.51.0", "1.2.0"] {
            let findings = check(&release(target), &installed);
            let subjects: Vec<&str> = findings
                .refusals
                .iter()
                .filter(|f| f.why.contains("KRaft"))
                .map(|f| f.subject.as_str())
                .collect();
            assert_eq!(subjects, ["kafka/zk", "kafka/half"], "{target}");
            assert!(
                findings.refusals[0]
                    .fix
                    .contains("kafkactl migrate zk -n kafka --to kraft")
            );
        }
        assert!(check(&release("0.45.2"), &installed).refusals.is_empty());
    }

    #[test]
    fn an_unknown_kafka_version_is_refused_with_the_version_to_move_to_first() {
        let findings = check(&release("0.51.0"), &on_0_45(vec![kafka("k", "3.9.2", Some("KRaft"))]));
        assert_eq!(findings.refusals.len(), 1, "{findings:?}");
        assert!(
            findings.refusals[0].why.contains("supports none of the versions"),
            "{findings:?}"
        );
        assert!(findings.refusals[0].fix.contains("upgrade-plan --to 0.51.0"));

        let findings = check(&release("0.46.1"), &on_0_45(vec![kafka("k", "3.9.2", Some("KRaft"))]));
        assert!(findings.refusals[0].why.contains("does not know"), "{findings:?}");
        assert!(
            findings.refusals[0].fix.contains("--kafka-version 3.9.0 first"),
            "{findings:?}"
        );
    }

    #[test]
    fn a_release_that_upgrades_from_unknown_versions_asks_instead() {
        let installed = Installed {
            operator: Some(release("0.51.0")),
            kafkas: vec![kafka("k", "4.1.1", None)],
            ..Installed::default()
        };
        let findings = check(&release("1.2.0"), &installed);
        assert!(findings.refusals.is_empty(), "{findings:?}");
        assert!(
            findings.cautions[0].fix.contains("--kafka-version 4.2.0"),
            "{findings:?}"
        );
    }

    #[test]
    fn users_with_operation_mirror_makers_and_old_kubernetes_are_named() {
        let installed = Installed {
            users: vec![
                json!({"metadata": {"namespace": "kafka", "name": "app"},
                    "spec": {"authorization": {"acls": [{"operation": "Read"}, {"operations": ["Write"]}]}}}),
                json!({"metadata": {"namespace": "kafka", "name": "ok"},
                    "spec": {"authorization": {"acls": [{"operations": ["Write"]}]}}}),
            ],
            mirror_makers: vec![json!({"metadata": {"namespace": "kafka", "name": "mm"}})],
            kubernetes_minor: Some(28),
            ..on_0_45(Vec::new())
        };
        let findings = check(&release("0.51.0"), &installed);
        let subjects: Vec<&str> = findings.refusals.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(
            subjects,
            ["KafkaUser kafka/app", "KafkaMirrorMaker kafka/mm", "Kubernetes"]
        );
        assert!(findings.refusals[0].why.starts_with("1 of its ACL rules"));
        assert!(
            findings.refusals[2]
                .why
                .contains("1.30 and newer; this cluster runs 1.28")
        );
        let on_0_48 = check(&release("0.48.0"), &installed);
        assert!(!on_0_48.refusals.iter().any(|f| f.subject.starts_with("KafkaUser")));
    }

    #[test]
    fn a_dropped_stored_version_points_at_convert_api() {
        let installed = Installed {
            dropped_stored_versions: vec![DroppedStoredVersion {
                crd: "kafkas.kafka.strimzi.io".into(),
                dropped: vec!["v1beta2".into()],
                target_versions: vec!["v1".into()],
            }],
            ..Installed::default()
        };
        let findings = check(&release("1.2.0"), &installed);
        assert!(findings.refusals[0].why.contains("may hold objects stored as v1beta2"));
        assert!(findings.refusals[0].fix.contains("kafkactl operator convert-api"));
    }
}
