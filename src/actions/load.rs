//! Reading a cluster kafkactl created back from the API server: the Kafka
//! CR and the spec stored on it, which every later command starts from.

use serde_json::Value;

use crate::cluster::client::{Connection, ConnectionOptions, connect};
use crate::cluster::discovery::{StrimziInfo, discover};
use crate::cluster::inventory::{get_kafka, stored_spec};
use crate::error::{Failure, FailureKind};
use crate::spec::{ClusterSpec, StrimziApi};

/// A cluster kafkactl created, read back from the API server.
pub struct LoadedCluster {
    pub conn: Connection,
    pub info: StrimziInfo,
    pub api: StrimziApi,
    /// The Kafka CR as stored.
    pub kafka: Value,
    /// The spec stored on it (the truth later commands start from).
    pub spec: ClusterSpec,
}

/// Connect, discover, and read cluster `name` of namespace `ns` with its
/// stored spec. A missing cluster is a not-found failure (exit code 3).
pub async fn load_cluster(connection: &ConnectionOptions, ns: &str, name: &str) -> Result<LoadedCluster, Failure> {
    let conn = connect(connection).await?;
    let info = discover(&conn).await?;
    let api = served_api(&info)?;
    let kafka = get_kafka(&conn, api.as_str(), ns, name)
        .await?
        .ok_or_else(|| not_found(name, ns))?;
    let spec = match stored_spec(&kafka) {
        Some(Ok(spec)) => spec,
        Some(Err(e)) => {
            return Err(Failure::runtime(format!(
                "the spec stored on Kafka {ns}/{name} cannot be read: {e}"
            )));
        }
        None => {
            return Err(Failure::new(
                FailureKind::Refused,
                format!("Kafka {ns}/{name} was not created by kafkactl"),
            )
            .with_hint(format!("kubectl -n {ns} get kafka {name} -o yaml shows it")));
        }
    };
    Ok(LoadedCluster {
        conn,
        info,
        api,
        kafka,
        spec,
    })
}

/// The Strimzi API this cluster serves, or why there is none.
pub fn served_api(info: &StrimziInfo) -> Result<StrimziApi, Failure> {
    info.api().ok_or_else(|| {
        Failure::usage("Strimzi is not installed in this cluster: the API server does not serve kafka.strimzi.io")
            .with_hint("install the Strimzi cluster operator first (its release bundle, install/cluster-operator/)")
    })
}

/// The error for a cluster that does not exist (exit code 3).
pub fn not_found(name: &str, namespace: &str) -> Failure {
    Failure::new(
        FailureKind::NotFound,
        format!("Kafka cluster \"{name}\" not found in namespace \"{namespace}\""),
    )
    .with_hint(format!(
        "kafkactl list -n {namespace} shows the clusters there; kafkactl list -A shows all"
    ))
}
