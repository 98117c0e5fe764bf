//! API errors turned into messages that say what failed, why, and what to do.

use kube::core::Status;

use crate::error::{Failure, FailureKind};

/// What kafkactl was doing when the API said no, for the message.
#[derive(Debug, Clone)]
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

/// Turn a kube error into a `Failure` with a kind and a hint.
pub fn describe(error: kube::Error, op: &Operation, server: &str) -> Failure {
    match error {
        kube::Error::Api(status) => describe_status(&status, op),
        other => unreachable_server(&other, op, server),
    }
}

fn describe_status(status: &Status, op: &Operation) -> Failure {
    let what = format!("cannot {} {}", op.verb, op.target);
    if status.is_forbidden() {
        return Failure::runtime(format!("{what}: {}", status.message)).with_hint(
            "your user lacks this permission; ask a cluster admin for RBAC, or check with `kubectl auth can-i`",
        );
    }
    if status.code == 409 && op.verb == "apply" {
        return field_manager_conflict(status, op);
    }
    if is_not_found(status) {
        return Failure::new(FailureKind::NotFound, format!("{what}: {}", status.message));
    }
    if status.code == 422 || status.reason == "Invalid" {
        let mut failure = Failure::runtime(format!(
            "{what}: the API server rejected it as invalid: {}",
            status.message
        ));
        for cause in status.details.iter().flat_map(|d| d.causes.iter()) {
            failure = failure.with_hint(format!("{}: {}", cause.field, cause.message));
        }
        return failure;
    }
    if status.code == 429 || status.code >= 500 {
        return Failure::runtime(format!(
            "{what}: the API server is unavailable or overloaded ({} {}): {}",
            status.code, status.reason, status.message
        ))
        .with_hint("re-run the same command when the API server is healthy again; kafkactl converges");
    }
    Failure::runtime(format!(
        "{what}: {} ({} {})",
        status.message, status.code, status.reason
    ))
}

/// A server-side apply conflict: name each field and the manager that owns it.
fn field_manager_conflict(status: &Status, op: &Operation) -> Failure {
    let causes: Vec<String> = status
        .details
        .iter()
        .flat_map(|d| d.causes.iter())
        .map(|c| {
            let manager = c.message.strip_prefix("conflict with ").unwrap_or(&c.message);
            format!("{} is owned by field manager {}", c.field, manager)
        })
        .collect();
    let detail = if causes.is_empty() {
        status.message.clone()
    } else {
        causes.join("; ")
    };
    Failure::new(
        FailureKind::Refused,
        format!(
            "cannot apply {}: conflict with another field manager: {detail}",
            op.target
        ),
    )
    .with_hint("someone changed these fields with another tool; re-run with --force-conflicts to take them over")
}

fn unreachable_server(error: &kube::Error, op: &Operation, server: &str) -> Failure {
    if let Some(tls) = tls_error(error) {
        return certificate_failure(tls, op, server);
    }
    Failure::runtime(format!(
        "cannot {} {}: the API server at {server} did not answer: {}",
        op.verb,
        op.target,
        error_chain(error)
    ))
    .with_hint("check the cluster is up and reachable (VPN, context); re-running the same command converges")
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

/// A certificate problem, said as one: the server answered, its certificate was refused.
fn certificate_failure(tls: &rustls::Error, op: &Operation, server: &str) -> Failure {
    use rustls::CertificateError as Cert;
    let why = match tls {
        // BadSignature: a CA of the same name but another key.
        rustls::Error::InvalidCertificate(Cert::UnknownIssuer | Cert::BadSignature) => {
            "its certificate is not signed by a CA your kubeconfig trusts for this cluster".to_string()
        }
        rustls::Error::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
            "its certificate has expired".to_string()
        }
        rustls::Error::InvalidCertificate(Cert::NotValidYet | Cert::NotValidYetContext { .. }) => {
            "its certificate is not valid yet (is this machine's clock right?)".to_string()
        }
        rustls::Error::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => {
            format!("its certificate is not valid for the address {server}")
        }
        other => format!("TLS failed: {other}"),
    };
    Failure::runtime(format!(
        "cannot {} {}: the API server at {server} was reached, but {why}",
        op.verb, op.target
    ))
    .with_hint(
        "a certificate problem, not an outage: check the cluster's certificate-authority(-data) and server in the \
         kubeconfig (`kubectl config view --minify` shows them) or pick the right --context",
    )
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
