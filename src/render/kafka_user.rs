//! KafkaUser custom resources for clients of an authenticated listener
//! (`expose … kafka --auth`), and what a client needs to use one: Strimzi's
//! User Operator turns each KafkaUser into a Secret named like the user.

use serde_json::{Value, json};

use crate::spec::names::{self, Component};
use crate::spec::{ClusterSpec, ListenerAuth};

/// Keys of the Secret the User Operator writes for a SCRAM-SHA-512 user.
pub const SCRAM_SECRET_KEYS: [&str; 2] = ["password", "sasl.jaas.config"];
/// Keys of the Secret the User Operator writes for a TLS (mutual TLS) user.
pub const TLS_SECRET_KEYS: [&str; 5] = ["ca.crt", "user.crt", "user.key", "user.p12", "user.password"];

/// The client user kafkactl makes for `listener` of `cluster`.
pub fn client_user_name(cluster: &str, listener: &str) -> String {
    format!("{cluster}-{listener}-client")
}

/// The Secret the User Operator creates for a user: it has the user's name.
pub fn user_secret(user: &str) -> String {
    user.to_string()
}

/// A KafkaUser authenticating with `auth` (scram-sha-512 or tls) against the
/// cluster's listeners. `None` for a listener without authentication.
///
/// No `authorization`: kafkactl's clusters run without an authorizer, so the
/// user may do what any authenticated client may. The `strimzi.io/cluster`
/// label is how the User Operator finds the cluster the user belongs to.
pub fn kafka_user(spec: &ClusterSpec, listener: &str, auth: ListenerAuth) -> Option<Value> {
    let authentication = match auth {
        ListenerAuth::None => return None,
        ListenerAuth::ScramSha512 | ListenerAuth::Tls => auth.as_str(),
    };
    let mut labels = names::common_labels(&spec.name, Component::Kafka);
    labels.insert(names::STRIMZI_CLUSTER_LABEL.to_string(), spec.name.clone());
    Some(json!({
        "apiVersion": spec.strimzi_api.api_version(),
        "kind": "KafkaUser",
        "metadata": {
            "name": client_user_name(&spec.name, listener),
            "namespace": spec.namespace,
            "labels": labels,
        },
        "spec": {
            "authentication": { "type": authentication },
        },
    }))
}

/// Client properties (Kafka's `client.properties` lines) for a listener with
/// `tls` and `auth`, with placeholders for the files and values a user takes
/// from the Secrets: `<…>` marks what to fill in.
pub fn client_properties(tls: bool, auth: ListenerAuth) -> Vec<String> {
    let truststore = [
        "ssl.truststore.type=PEM".to_string(),
        "ssl.truststore.location=<path of ca.crt from the cluster CA Secret>".to_string(),
    ];
    let mut lines = Vec::new();
    match (auth, tls) {
        (ListenerAuth::ScramSha512, _) => {
            let protocol = if tls { "SASL_SSL" } else { "SASL_PLAINTEXT" };
            lines.push(format!("security.protocol={protocol}"));
            lines.push("sasl.mechanism=SCRAM-SHA-512".to_string());
            lines.push("sasl.jaas.config=<value of key sasl.jaas.config in the user's Secret>".to_string());
            if tls {
                lines.extend(truststore);
            }
        }
        (ListenerAuth::Tls, _) => {
            lines.push("security.protocol=SSL".to_string());
            lines.extend(truststore);
            lines.push("ssl.keystore.type=PKCS12".to_string());
            lines.push("ssl.keystore.location=<path of user.p12 from the user's Secret>".to_string());
            lines.push("ssl.keystore.password=<value of key user.password in the user's Secret>".to_string());
        }
        (ListenerAuth::None, true) => {
            lines.push("security.protocol=SSL".to_string());
            lines.extend(truststore);
        }
        (ListenerAuth::None, false) => lines.push("security.protocol=PLAINTEXT".to_string()),
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::StrimziApi;

    fn spec(api: StrimziApi) -> ClusterSpec {
        ClusterSpec {
            name: "c".to_string(),
            namespace: "kafka".to_string(),
            strimzi_api: api,
            ..ClusterSpec::default()
        }
    }

    #[test]
    fn scram_user_belongs_to_its_cluster_by_strimzi_label() {
        let user = kafka_user(&spec(StrimziApi::V1), "external", ListenerAuth::ScramSha512).unwrap();
        assert_eq!(user["apiVersion"], "kafka.strimzi.io/v1");
        assert_eq!(user["metadata"]["name"], "c-external-client");
        assert_eq!(user["metadata"]["labels"]["strimzi.io/cluster"], "c");
        assert_eq!(user["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kafkactl");
        assert_eq!(user["spec"], json!({ "authentication": { "type": "scram-sha-512" } }));
    }

    #[test]
    fn tls_user_on_v1beta2_uses_that_api() {
        let user = kafka_user(&spec(StrimziApi::V1beta2), "lb", ListenerAuth::Tls).unwrap();
        assert_eq!(user["apiVersion"], "kafka.strimzi.io/v1beta2");
        assert_eq!(user["spec"]["authentication"]["type"], "tls");
    }

    #[test]
    fn no_user_without_authentication() {
        assert!(kafka_user(&spec(StrimziApi::V1), "external", ListenerAuth::None).is_none());
    }

    #[test]
    fn client_properties_follow_tls_and_authentication() {
        let scram_tls = client_properties(true, ListenerAuth::ScramSha512);
        assert!(scram_tls.contains(&"security.protocol=SASL_SSL".to_string()));
        assert!(scram_tls.iter().any(|l| l.starts_with("ssl.truststore.location=")));
        let scram_plain = client_properties(false, ListenerAuth::ScramSha512);
        assert!(scram_plain.contains(&"security.protocol=SASL_PLAINTEXT".to_string()));
        assert!(!scram_plain.iter().any(|l| l.starts_with("ssl.")));
        let mtls = client_properties(true, ListenerAuth::Tls);
        assert!(mtls.contains(&"security.protocol=SSL".to_string()));
        assert!(mtls.contains(&"ssl.keystore.type=PKCS12".to_string()));
        assert_eq!(
            client_properties(false, ListenerAuth::None),
            vec!["security.protocol=PLAINTEXT"]
        );
    }
}
