//! The one place where a failed API call meets the user: each `ApiError` case becomes a
//! `Failure` with its exit code and the hints that say what to do — the hints may name
//! kafkactl's flags and commands, which the cluster layer never does.

use super::{Failure, FailureKind};
use crate::cluster::apply::ApplyError;
use crate::cluster::errors::{ApiError, InvalidField};
use crate::cluster::exposure::ExposureError;

const NODE_PORT_HINT: &str = "pick another --node-port in 30000-32767, or leave it out to let Kubernetes choose";

/// The owned conversions `?` uses, each the same as the one by reference.
macro_rules! owned_into_failure {
    ($($error:ty),*) => {$(
        impl From<$error> for Failure {
            fn from(error: $error) -> Self {
                Failure::from(&error)
            }
        }
    )*};
}
pub(super) use owned_into_failure;

owned_into_failure!(ApiError, ApplyError, ExposureError);

impl From<&ApiError> for Failure {
    fn from(error: &ApiError) -> Self {
        let message = error.to_string();
        match error {
            ApiError::Conflict { .. } => Failure::new(FailureKind::Refused, message).with_hint(
                "someone changed these fields with another tool; re-run with --force-conflicts to take them over",
            ),
            ApiError::NodePortTaken { causes, .. } => with_causes(
                Failure::new(
                    FailureKind::Refused,
                    format!("a NodePort is already allocated to another Service: {message}"),
                ),
                causes,
            )
            .with_hint(NODE_PORT_HINT),
            ApiError::Forbidden { .. } => Failure::runtime(message).with_hint(
                "your user lacks this permission; ask a cluster admin for RBAC, or check with `kubectl auth can-i`",
            ),
            ApiError::NotFound { .. } => Failure::new(FailureKind::NotFound, message),
            ApiError::Invalid { causes, .. } => with_causes(Failure::runtime(message), causes),
            ApiError::Unavailable { .. } => Failure::runtime(message)
                .with_hint("re-run the same command when the API server is healthy again; kafkactl converges"),
            ApiError::Unreachable { .. } => Failure::runtime(message)
                .with_hint("check the cluster is up and reachable (VPN, context); re-running the same command converges"),
            ApiError::UntrustedServer { .. } => Failure::runtime(message).with_hint(
                "a certificate problem, not an outage: check the cluster's certificate-authority(-data) and server in the \
                 kubeconfig (`kubectl config view --minify` shows them) or pick the right --context",
            ),
            ApiError::Other { .. }
            | ApiError::BadRequest { .. }
            | ApiError::UnknownStrimziVersion { .. }
            | ApiError::Unexpected { .. } => {
                Failure::runtime(message)
            }
        }
    }
}

impl From<&ApplyError> for Failure {
    fn from(error: &ApplyError) -> Self {
        match error {
            ApplyError::Api(api) => api.into(),
            other => Failure::runtime(other.to_string()),
        }
    }
}

impl From<&ExposureError> for Failure {
    fn from(error: &ExposureError) -> Self {
        let message = error.to_string();
        match error {
            ExposureError::Api(api) => api.into(),
            ExposureError::ServiceGone { .. } => Failure::new(FailureKind::NotFound, message),
            ExposureError::NoLoadBalancerAddress { namespace, name, .. } => Failure::new(FailureKind::Timeout, message)
                .with_hint(format!(
                    "the cloud's load-balancer controller has not provisioned it yet (or there is none); kubectl -n {namespace} describe service {name} shows its events, and re-running waits again"
                )),
            ExposureError::UnknownKind { .. } | ExposureError::WatchFailed { .. } => Failure::runtime(message),
        }
    }
}

/// One hint per field the API server named: `spec.ports[0].nodePort: Invalid value: …`.
fn with_causes(failure: Failure, causes: &[InvalidField]) -> Failure {
    causes.iter().fold(failure, |f, cause| {
        f.with_hint(format!("{}: {}", cause.field, cause.message))
    })
}

#[cfg(test)]
mod tests {
    use kube::core::Status;
    use kube::core::response::{StatusCause, StatusDetails};

    use super::*;
    use crate::cluster::errors::{FieldConflict, Operation};

    fn details(kind: &str, group: &str, causes: &[(&str, &str, &str)]) -> StatusDetails {
        StatusDetails {
            name: String::new(),
            group: group.to_string(),
            kind: kind.to_string(),
            uid: String::new(),
            causes: causes
                .iter()
                .map(|(reason, field, message)| StatusCause {
                    reason: reason.to_string(),
                    field: field.to_string(),
                    message: message.to_string(),
                })
                .collect(),
            retry_after_seconds: 0,
        }
    }

    fn status(code: u16, reason: &str, message: &str, causes: &[(&str, &str, &str)]) -> kube::Error {
        let details = details("", "", causes);
        kube::Error::Api(
            Status::failure(message, reason)
                .with_code(code)
                .with_details(details)
                .boxed(),
        )
    }

    fn apply_service() -> Operation {
        Operation::new("apply", "Service kafka/zk-zoo-entrance")
    }

    #[test]
    fn a_taken_node_port_is_read_from_the_causes_not_the_message_text() {
        // The wording is not what Kubernetes says today; the cause's reason and field are.
        let error = status(
            422,
            "Invalid",
            "Service \"zk-zoo-entrance\" is invalid: the port is in use elsewhere",
            &[(
                "FieldValueInvalid",
                "spec.ports[0].nodePort",
                "Invalid value: 31181: port in use",
            )],
        );
        let error = ApiError::new(error, apply_service(), "https://127.0.0.1:6443");
        let ApiError::NodePortTaken { port, field, .. } = &error else {
            panic!("not recognised as a taken NodePort: {error:?}");
        };
        assert_eq!(field, "spec.ports[0].nodePort");
        assert_eq!(*port, Some(31181));
        let failure = Failure::from(error);
        assert_eq!(failure.kind, FailureKind::Refused);
        assert!(
            failure
                .message
                .starts_with("a NodePort is already allocated to another Service: ")
        );
        assert!(failure.hints.iter().any(|h| h.contains("31181")), "{:?}", failure.hints);
        assert!(
            failure.hints.iter().any(|h| h.contains("--node-port")),
            "{:?}",
            failure.hints
        );
    }

    #[test]
    fn an_api_refusal_of_a_taken_node_port_becomes_a_refusal_naming_the_flag() {
        let error = status(
            422,
            "Invalid",
            "Service \"zk-zoo-entrance\" is invalid",
            &[(
                "FieldValueInvalid",
                "spec.ports[0].nodePort",
                "Invalid value: 31181: provided port is already allocated",
            )],
        );
        let refused = Failure::from(ApiError::new(error, apply_service(), "https://127.0.0.1:6443"));
        assert_eq!(refused.kind, FailureKind::Refused);
        assert_eq!(
            refused.message,
            "a NodePort is already allocated to another Service: cannot apply Service kafka/zk-zoo-entrance: the API server rejected it as invalid: Service \"zk-zoo-entrance\" is invalid"
        );
        assert!(refused.hints.iter().any(|h| h.contains("31181")), "{:?}", refused.hints);
        assert!(
            refused.hints.iter().any(|h| h.contains("--node-port")),
            "{:?}",
            refused.hints
        );
    }

    #[test]
    fn another_invalid_field_is_not_a_taken_node_port() {
        let error = status(
            422,
            "Invalid",
            "Service \"x\" is invalid: provided port is already allocated",
            &[(
                "FieldValueInvalid",
                "spec.ports[0].port",
                "Invalid value: 0: must be between 1 and 65535",
            )],
        );
        let error = ApiError::new(error, apply_service(), "https://127.0.0.1:6443");
        assert!(matches!(error, ApiError::Invalid { .. }), "{error:?}");
        let failure = Failure::from(error);
        assert_eq!(failure.kind, FailureKind::Runtime);
        assert_eq!(
            failure.hints,
            vec!["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535".to_string()]
        );
    }

    #[test]
    fn an_apply_conflict_keeps_each_field_and_its_manager() {
        let error = status(
            409,
            "Conflict",
            "Apply failed with 2 conflicts",
            &[
                (
                    "FieldManagerConflict",
                    ".spec.replicas",
                    "conflict with \"kubectl-edit\"",
                ),
                ("FieldManagerConflict", ".spec.kafka.version", "conflict with \"helm\""),
            ],
        );
        let error = ApiError::new(error, Operation::new("apply", "Kafka kafka/my-cluster"), "https://k");
        let ApiError::Conflict { fields, .. } = &error else {
            panic!("not a conflict: {error:?}");
        };
        assert_eq!(
            fields,
            &vec![
                FieldConflict {
                    field: ".spec.replicas".into(),
                    manager: "\"kubectl-edit\"".into()
                },
                FieldConflict {
                    field: ".spec.kafka.version".into(),
                    manager: "\"helm\"".into()
                },
            ]
        );
        let failure = Failure::from(error);
        assert_eq!(failure.kind, FailureKind::Refused);
        assert_eq!(
            failure.message,
            "cannot apply Kafka kafka/my-cluster: conflict with another field manager: .spec.replicas is owned by field manager \"kubectl-edit\"; .spec.kafka.version is owned by field manager \"helm\""
        );
        assert!(
            failure.hints.iter().any(|h| h.contains("--force-conflicts")),
            "{:?}",
            failure.hints
        );
    }

    #[test]
    fn a_409_of_anything_but_an_apply_is_no_field_manager_conflict() {
        let error = status(409, "AlreadyExists", "leases \"x\" already exists", &[]);
        let error = ApiError::new(error, Operation::new("create", "Lease kafka/x"), "https://k");
        assert!(matches!(error, ApiError::Other { code: 409, .. }), "{error:?}");
    }

    #[test]
    fn forbidden_names_the_resource_and_hints_at_rbac() {
        let details = details("kafkas", "kafka.strimzi.io", &[]);
        let error = kube::Error::Api(
            Status::failure("kafkas.kafka.strimzi.io \"my-cluster\" is forbidden", "Forbidden")
                .with_code(403)
                .with_details(details)
                .boxed(),
        );
        let error = ApiError::new(error, Operation::new("get", "Kafka kafka/my-cluster"), "https://k");
        let ApiError::Forbidden { resource, op, .. } = &error else {
            panic!("not forbidden: {error:?}");
        };
        assert_eq!(resource.as_deref(), Some("kafkas.kafka.strimzi.io"));
        assert_eq!(op.verb, "get");
        let failure = Failure::from(error);
        assert_eq!(failure.kind, FailureKind::Runtime);
        assert!(
            failure.hints.iter().any(|h| h.contains("kubectl auth can-i")),
            "{:?}",
            failure.hints
        );
    }

    #[test]
    fn a_plain_text_404_is_not_found() {
        let error = status(404, "", "404 page not found", &[]);
        let failure = Failure::from(ApiError::new(
            error,
            Operation::new("get", "Kafka kafka/x"),
            "https://k",
        ));
        assert_eq!(failure.kind, FailureKind::NotFound);
        assert_eq!(failure.message, "cannot get Kafka kafka/x: 404 page not found");
    }

    #[test]
    fn an_overloaded_server_says_to_re_run() {
        let error = status(503, "ServiceUnavailable", "etcd is down", &[]);
        let failure = Failure::from(ApiError::new(error, Operation::new("list", "Pods"), "https://k"));
        assert_eq!(
            failure.message,
            "cannot list Pods: the API server is unavailable or overloaded (503 ServiceUnavailable): etcd is down"
        );
        assert!(
            failure.hints[0].contains("re-run the same command"),
            "{:?}",
            failure.hints
        );
    }
}
