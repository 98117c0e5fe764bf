//! What the API server said, as typed errors: the cases kafkactl acts on (a field manager
//! conflict, a taken NodePort, a refused permission, an unreachable or untrusted server, …)
//! each keep the `kube::Error` they came from. They are read from the Status' code, reason
//! and causes, never from its message text. The words users see (message, hints, exit
//! code) are written at the command edge: `crate::error::api`.

use std::fmt;

use kube::core::Status;

/// What kafkactl was doing when the API said no, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// e.g. "apply", "get", "watch", "delete"
    pub verb: &'static str,
    /// e.g. `Kafka kafka/my-cluster`
    pub target: String,
}

impl Operation {
    pub fn new(verb: &'static str, target: impl Into<String>) -> Self {
        Operation {
            verb,
            target: target.into(),
        }
    }
}

/// `cannot apply Kafka kafka/my-cluster`: how every API error message starts.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} {}", self.verb, self.target)
    }
}

/// One field another field manager owns, from a server-side apply conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    /// e.g. `.spec.replicas`
    pub field: String,
    /// e.g. `kubectl-edit`
    pub manager: String,
}

/// One cause of an invalid object: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    pub field: String,
    pub message: String,
}

/// Why the API server's certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    UnknownIssuer,
    Expired,
    NotValidYet,
    /// Not valid for the address in the kubeconfig (the server's).
    WrongName,
    Other(String),
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateProblem::UnknownIssuer => {
                f.write_str("its certificate is not signed by a CA your kubeconfig trusts for this cluster")
            }
            CertificateProblem::Expired => f.write_str("its certificate has expired"),
            CertificateProblem::NotValidYet => {
                f.write_str("its certificate is not valid yet (is this machine's clock right?)")
            }
            CertificateProblem::WrongName => f.write_str("its certificate is not valid for the address"),
            CertificateProblem::Other(tls) => write!(f, "TLS failed: {tls}"),
        }
    }
}

/// An API call that failed, by what kafkactl does about it. The `Display` text says what
/// failed and why; hints and the exit code are added at the command edge.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Server-side apply refused: fields another field manager owns (409 with causes).
    #[error("cannot apply {}: conflict with another field manager: {}", .op.target, conflict_detail(.fields, status_message(.source)))]
    Conflict {
        op: Operation,
        fields: Vec<FieldConflict>,
        #[source]
        source: Box<kube::Error>,
    },
    /// A NodePort another Service holds (422, `FieldValueInvalid` on a `….nodePort` field).
    #[error("{op}: the API server rejected it as invalid: {}", status_message(.source))]
    NodePortTaken {
        op: Operation,
        /// The port asked for, when the cause names it.
        port: Option<i32>,
        /// e.g. `spec.ports[0].nodePort`
        field: String,
        causes: Vec<InvalidField>,
        #[source]
        source: Box<kube::Error>,
    },
    /// 403: the user may not do this.
    #[error("{op}: {}", status_message(.source))]
    Forbidden {
        op: Operation,
        /// The resource the server names (`services`, `kafkas.kafka.strimzi.io`), if it does.
        resource: Option<String>,
        #[source]
        source: Box<kube::Error>,
    },
    /// 404, whatever the body.
    #[error("{op}: {}", status_message(.source))]
    NotFound {
        op: Operation,
        #[source]
        source: Box<kube::Error>,
    },
    /// 422 (or reason `Invalid`): the object was refused, with the fields at fault.
    #[error("{op}: the API server rejected it as invalid: {}", status_message(.source))]
    Invalid {
        op: Operation,
        causes: Vec<InvalidField>,
        #[source]
        source: Box<kube::Error>,
    },
    /// 429 or 5xx: the request was fine, the server could not serve it now.
    #[error("{op}: the API server is unavailable or overloaded ({code} {reason}): {}", status_message(.source))]
    Unavailable {
        op: Operation,
        code: u16,
        reason: String,
        #[source]
        source: Box<kube::Error>,
    },
    /// The request could not even be built (a bug, not the cluster's fault).
    #[error("{op}: cannot build the request: {source}")]
    BadRequest {
        op: Operation,
        #[source]
        source: Box<kube::Error>,
    },
    /// No answer at all: connection refused, reset, timed out, DNS.
    #[error("{op}: the API server at {server} did not answer: {}", error_chain(.source))]
    Unreachable {
        op: Operation,
        server: String,
        #[source]
        source: Box<kube::Error>,
    },
    /// The server answered, but its certificate was refused: not an outage.
    #[error("{op}: the API server at {server} was reached, but {}", certificate_words(.problem, .server))]
    UntrustedServer {
        op: Operation,
        server: String,
        problem: CertificateProblem,
        #[source]
        source: Box<kube::Error>,
    },
    /// A Strimzi API version this build has no resources for (a bug, not the cluster's fault).
    #[error("unknown Strimzi API version {version}")]
    UnknownStrimziVersion { version: String },
    /// Not an answer of the API server: something kafkactl did not expect (a kind it
    /// has no resource for, an object without the parts it reads).
    #[error("{message}")]
    Unexpected { message: String },
    /// Any other answer of the API server.
    #[error("{op}: {} ({code} {reason})", status_message(.source))]
    Other {
        op: Operation,
        code: u16,
        reason: String,
        #[source]
        source: Box<kube::Error>,
    },
}

impl ApiError {
    /// Something kafkactl did not expect that is not an answer of the API server.
    pub fn unexpected(message: impl Into<String>) -> Self {
        ApiError::Unexpected {
            message: message.into(),
        }
    }

    /// Read a kube error as one of the cases kafkactl acts on: by the Status code, reason and
    /// causes for an answer, by the error types in the chain for a failed connection.
    pub fn new(error: kube::Error, op: Operation, server: &str) -> Self {
        // Boxed: a kube::Error is large, and these travel in every `Result` of the layer.
        let error = Box::new(error);
        if matches!(*error, kube::Error::HttpError(_) | kube::Error::BuildRequest(_)) {
            return ApiError::BadRequest { op, source: error };
        }
        let kube::Error::Api(status) = &*error else {
            return match tls_error(&*error).map(certificate_problem) {
                Some(problem) => ApiError::UntrustedServer {
                    op,
                    server: server.to_string(),
                    problem,
                    source: error,
                },
                None => ApiError::Unreachable {
                    op,
                    server: server.to_string(),
                    source: error,
                },
            };
        };
        let status: &Status = status;
        if status.is_forbidden() {
            let resource = status
                .details
                .as_ref()
                .map(qualified_resource)
                .filter(|r| !r.is_empty());
            return ApiError::Forbidden {
                op,
                resource,
                source: error,
            };
        }
        // Only server-side apply reports field managers; another 409 (AlreadyExists on a
        // create, a stale resourceVersion on an update) is an ordinary answer.
        if status.code == 409 && op.verb == "apply" {
            let fields = field_conflicts(status);
            return ApiError::Conflict {
                op,
                fields,
                source: error,
            };
        }
        if is_not_found(status) {
            return ApiError::NotFound { op, source: error };
        }
        if status.code == 422 || status.reason == "Invalid" {
            let causes = invalid_fields(status);
            return match taken_node_port(status) {
                Some((field, port)) => ApiError::NodePortTaken {
                    op,
                    port,
                    field,
                    causes,
                    source: error,
                },
                None => ApiError::Invalid {
                    op,
                    causes,
                    source: error,
                },
            };
        }
        let (code, reason) = (status.code, status.reason.clone());
        if code == 429 || code >= 500 {
            return ApiError::Unavailable {
                op,
                code,
                reason,
                source: error,
            };
        }
        ApiError::Other {
            op,
            code,
            reason,
            source: error,
        }
    }
}

/// The Status message of an API answer (empty for errors without one).
fn status_message(error: &kube::Error) -> &str {
    match error {
        kube::Error::Api(status) => &status.message,
        _ => "",
    }
}

/// A mapper for `map_err`: `.map_err(api_error(Operation::new("list", "Pods"), &conn.server))`.
pub fn api_error(op: Operation, server: &str) -> impl FnOnce(kube::Error) -> ApiError + '_ {
    move |error| ApiError::new(error, op, server)
}

/// `kafkas.kafka.strimzi.io`, or `services` for the core group.
fn qualified_resource(details: &kube::core::response::StatusDetails) -> String {
    match (details.kind.as_str(), details.group.as_str()) {
        (kind, "") => kind.to_string(),
        (kind, group) => format!("{kind}.{group}"),
    }
}

fn causes(status: &Status) -> impl Iterator<Item = &kube::core::response::StatusCause> {
    status.details.iter().flat_map(|d| d.causes.iter())
}

/// The fields of a server-side apply conflict and their managers: a cause's message is
/// `conflict with "<manager>"` (the apimachinery wording for a `FieldManagerConflict`).
fn field_conflicts(status: &Status) -> Vec<FieldConflict> {
    causes(status)
        .map(|c| FieldConflict {
            field: c.field.clone(),
            manager: c
                .message
                .strip_prefix("conflict with ")
                .unwrap_or(&c.message)
                .to_string(),
        })
        .collect()
}

fn conflict_detail(fields: &[FieldConflict], message: &str) -> String {
    if fields.is_empty() {
        return message.to_string();
    }
    fields
        .iter()
        .map(|c| format!("{} is owned by field manager {}", c.field, c.manager))
        .collect::<Vec<_>>()
        .join("; ")
}

fn invalid_fields(status: &Status) -> Vec<InvalidField> {
    causes(status)
        .map(|c| InvalidField {
            field: c.field.clone(),
            message: c.message.clone(),
        })
        .collect()
}

/// The NodePort field a 422 refuses, and the port: Kubernetes refuses an allocated (or
/// out-of-range, which kafkactl's validation catches first) NodePort with a
/// `FieldValueInvalid` cause on `spec.ports[i].nodePort`, whose message starts with the
/// standard `Invalid value: <port>:` of a field error.
fn taken_node_port(status: &Status) -> Option<(String, Option<i32>)> {
    causes(status)
        .find(|c| c.reason == "FieldValueInvalid" && c.field.ends_with(".nodePort"))
        .map(|c| (c.field.clone(), invalid_value(&c.message)))
}

/// The value of a field error's `Invalid value: <value>: <why>` message, as a port.
fn invalid_value(message: &str) -> Option<i32> {
    message
        .strip_prefix("Invalid value: ")?
        .split(':')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// 404, whatever the body: a real API server answers a path it does not serve (a group or
/// resource whose CRD is not installed) with the plain text `404 page not found`, which kube
/// turns into a Status without the `NotFound` reason — `Status::is_not_found` misses it.
pub fn is_not_found(status: &Status) -> bool {
    status.code == 404
}

/// `Api::get_opt` that also reads a plain-text 404 as "not there": a real API server answers
/// so for a version of a group it does not serve (`kafka.strimzi.io/v1beta2` on Strimzi 1.x).
pub async fn get_opt<K>(api: &kube::Api<K>, name: &str) -> Result<Option<K>, kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match api.get(name).await {
        Ok(object) => Ok(Some(object)),
        Err(kube::Error::Api(status)) if is_not_found(&status) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The TLS error behind a connection failure, if that is what it was: found by type in the
/// chain (an `io::Error` hides the error it wraps from `source()`, so it is opened too).
fn tls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && let Some(tls) = tls_error(inner)
        {
            return Some(tls);
        }
        current = e.source();
    }
    None
}

fn certificate_problem(tls: &rustls::Error) -> CertificateProblem {
    use rustls::CertificateError as Cert;
    match tls {
        // BadSignature: a CA of the same name but another key.
        rustls::Error::InvalidCertificate(Cert::UnknownIssuer | Cert::BadSignature) => {
            CertificateProblem::UnknownIssuer
        }
        rustls::Error::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => CertificateProblem::Expired,
        rustls::Error::InvalidCertificate(Cert::NotValidYet | Cert::NotValidYetContext { .. }) => {
            CertificateProblem::NotValidYet
        }
        rustls::Error::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => {
            CertificateProblem::WrongName
        }
        other => CertificateProblem::Other(other.to_string()),
    }
}

fn certificate_words(problem: &CertificateProblem, server: &str) -> String {
    match problem {
        CertificateProblem::WrongName => format!("{problem} {server}"),
        other => other.to_string(),
    }
}

/// The error and its sources on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// True for answers worth retrying: the server hiccuped, the request was fine.
pub fn is_transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => matches!(status.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}
