//! What replacing a running Strimzi operator with another release does to the
//! Kafka clusters it manages (pure): every cluster rolls to the new release's
//! images, and a cluster the new release cannot manage — ZooKeeper-based on
//! a KRaft-only release (0.46 and later), or on a Kafka version the release
//! does not support — is left running with nothing to manage it.

use serde_json::Value;

use super::bundle::{self, Bundle};

/// The first Strimzi release without ZooKeeper support.
const FIRST_KRAFT_ONLY: &str = "0.46.0";

/// One cluster the new release cannot manage, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranded {
    /// `namespace/name`.
    pub cluster: String,
    pub why: String,
}

/// The clusters an operator upgrade touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeImpact {
    /// Clusters the new release manages: Strimzi rolls their pods.
    pub rolled: Vec<String>,
    pub stranded: Vec<Stranded>,
}

impl UpgradeImpact {
    /// The confirmation question for an upgrade from `from` to `to`, or
    /// `None` when no cluster is touched.
    pub fn question(&self, from: &str, to: &str) -> Option<String> {
        if self.rolled.is_empty() && self.stranded.is_empty() {
            return None;
        }
        let mut question = format!("upgrade the Strimzi operator from {from} to {to}?");
        if !self.rolled.is_empty() {
            question.push_str(&format!(
                " Strimzi {to} rolls every pod of {} to its own images.",
                self.rolled.join(", ")
            ));
        }
        if !self.stranded.is_empty() {
            let list: Vec<String> = self
                .stranded
                .iter()
                .map(|s| format!("{} ({})", s.cluster, s.why))
                .collect();
            question.push_str(&format!(
                " It cannot manage {}: they keep running, but nothing restarts their pods or renews their certificates.",
                list.join("; ")
            ));
        }
        Some(question)
    }
}

/// The impact of running `bundle` instead of the current operator on the
/// Kafka CRs it watches.
pub fn of_upgrade(bundle: &Bundle, kafkas: &[Value]) -> UpgradeImpact {
    let kraft_only = !bundle::older(&bundle.version, FIRST_KRAFT_ONLY);
    let supported = kafka_versions(bundle);
    let mut impact = UpgradeImpact::default();
    for kafka in kafkas {
        let cluster = cluster_name(kafka);
        let version = kafka["spec"]["kafka"]["version"]
            .as_str()
            .or_else(|| kafka["status"]["kafkaVersion"].as_str());
        let why = if kraft_only && runs_zookeeper(kafka) {
            Some(format!(
                "ZooKeeper-based; Strimzi {} runs only KRaft clusters: migrate it to KRaft on Strimzi 0.45 first",
                bundle.version
            ))
        } else {
            version
                .filter(|v| !supported.is_empty() && !supported.iter().any(|s| s == v))
                .map(|v| {
                    format!(
                        "Kafka {v}, which Strimzi {} does not support ({}): change its Kafka version first",
                        bundle.version,
                        supported.join(", ")
                    )
                })
        };
        match why {
            Some(why) => impact.stranded.push(Stranded { cluster, why }),
            None => impact.rolled.push(cluster),
        }
    }
    impact
}

/// The confirmation question for pointing a running operator at another
/// registry mirror: it rewrites the Kafka images, so every cluster it
/// manages rolls. `None` when it manages none.
pub fn registry_question(kafkas: &[Value], registry: &str) -> Option<String> {
    if kafkas.is_empty() {
        return None;
    }
    let clusters: Vec<String> = kafkas.iter().map(cluster_name).collect();
    Some(format!(
        "pull the Strimzi operator's images from {registry}? Its Kafka images change too: Strimzi rolls every pod of {} to the images from {registry}.",
        clusters.join(", ")
    ))
}

fn cluster_name(kafka: &Value) -> String {
    format!(
        "{}/{}",
        kafka["metadata"]["namespace"].as_str().unwrap_or_default(),
        kafka["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// ZooKeeper-based: the metadata state says so, or (without a status) the
/// CR has a `spec.zookeeper`.
fn runs_zookeeper(kafka: &Value) -> bool {
    match kafka["status"]["kafkaMetadataState"].as_str() {
        Some(state) => state != "KRaft",
        None => kafka["spec"]["zookeeper"].is_object(),
    }
}

/// The Kafka versions the bundle's operator supports (`STRIMZI_KAFKA_IMAGES`).
fn kafka_versions(bundle: &Bundle) -> Vec<String> {
    bundle
        .objects
        .iter()
        .find(|o| bundle::is_operator_deployment(o))
        .and_then(bundle::operator_container)
        .and_then(|c| c["env"].as_array())
        .and_then(|env| env.iter().find(|e| e["name"] == "STRIMZI_KAFKA_IMAGES"))
        .and_then(|e| e["value"].as_str())
        .map(crate::cluster::discovery::parse_kafka_images)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(version: &str, kafka_versions: &[&str]) -> Bundle {
        let images: Vec<String> = kafka_versions
            .iter()
            .map(|v| format!("{v}=quay.io/strimzi/kafka:{version}-kafka-{v}"))
            .collect();
        Bundle {
            version: version.into(),
            origin: "test".into(),
            objects: vec![json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "strimzi-cluster-operator"},
                "spec": {"template": {"metadata": {"labels": {"strimzi.io/kind": "cluster-operator"}},
                    "spec": {"containers": [{"name": "strimzi-cluster-operator",
                        "image": format!("quay.io/strimzi/operator:{version}"),
                        "env": [{"name": "STRIMZI_KAFKA_IMAGES", "value": images.join("\n")}]}]}}}})],
        }
    }

    fn kafka(name: &str, version: &str, zookeeper: bool) -> Value {
        let mut k = json!({"metadata": {"namespace": "kafka", "name": name},
            "spec": {"kafka": {"version": version}}});
        if zookeeper {
            k["spec"]["zookeeper"] = json!({"replicas": 3});
        }
        k
    }

    #[test]
    fn a_kraft_only_release_strands_zookeeper_clusters_and_unsupported_versions() {
        let new = bundle("1.2.0", &["4.2.0", "4.3.1"]);
        let impact = of_upgrade(
            &new,
            &[
                kafka("zk", "3.9.0", true),
                kafka("old", "4.1.0", false),
                kafka("ok", "4.2.0", false),
            ],
        );
        assert_eq!(impact.rolled, ["kafka/ok"]);
        let stranded: Vec<&str> = impact.stranded.iter().map(|s| s.cluster.as_str()).collect();
        assert_eq!(stranded, ["kafka/zk", "kafka/old"]);
        assert!(impact.stranded[0].why.contains("ZooKeeper-based"));
        assert!(impact.stranded[1].why.contains("Kafka 4.1.0") && impact.stranded[1].why.contains("4.2.0, 4.3.1"));
        let question = impact.question("0.45.2", "1.2.0").unwrap();
        assert!(question.contains("rolls every pod of kafka/ok"), "{question}");
        assert!(question.contains("cannot manage kafka/zk"), "{question}");
    }

    #[test]
    fn a_release_with_zookeeper_keeps_zookeeper_clusters_and_no_cluster_asks_nothing() {
        let new = bundle("0.45.2", &["3.9.0", "3.9.2"]);
        let impact = of_upgrade(&new, &[kafka("zk", "3.9.0", true)]);
        assert_eq!(impact.rolled, ["kafka/zk"]);
        assert!(impact.stranded.is_empty());
        assert_eq!(of_upgrade(&new, &[]).question("0.45.1", "0.45.2"), None);
    }

    #[test]
    fn a_migrated_cluster_counts_by_its_metadata_state() {
        let new = bundle("0.46.1", &["3.9.0", "4.0.0"]);
        let mut migrating = kafka("m", "3.9.0", false);
        migrating["status"]["kafkaMetadataState"] = json!("KRaftDualWriting");
        let mut done = kafka("d", "3.9.0", true);
        done["status"]["kafkaMetadataState"] = json!("KRaft");
        let impact = of_upgrade(&new, &[migrating, done]);
        assert_eq!(impact.rolled, ["kafka/d"]);
        assert_eq!(impact.stranded[0].cluster, "kafka/m");
    }
}
