//! Fault injection and the request log: latency, failing requests, dropped watches, RBAC
//! denials, and a record of every request for assertions.

use crate::errors::{ApiError, GroupResource};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// The user a forbidden answer names; the fake has no authentication, so this is the
/// identity it pretends the client has.
pub const DEFAULT_USER: &str = "system:serviceaccount:test:kafkactl";

/// A status code the fake can fail requests with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailWith {
    /// 500 InternalError.
    InternalError,
    /// 503 ServiceUnavailable with `Retry-After: 1`.
    Unavailable,
    /// 429 TooManyRequests with `Retry-After: 1`.
    TooManyRequests,
}

impl FailWith {
    pub fn error(self) -> ApiError {
        match self {
            FailWith::InternalError => ApiError::internal("Internal error occurred: injected fault (fake-kube)"),
            FailWith::Unavailable => {
                let mut e = ApiError::new(
                    503,
                    "ServiceUnavailable",
                    "the server is currently unable to handle the request (injected fault)",
                );
                e.retry_after = Some(1);
                e.details = Some(Box::new(serde_json::json!({"retryAfterSeconds": 1})));
                e
            }
            FailWith::TooManyRequests => {
                let mut e = ApiError::new(429, "TooManyRequests", "Too many requests, please try again later.");
                e.retry_after = Some(1);
                e.details = Some(Box::new(serde_json::json!({"retryAfterSeconds": 1})));
                e
            }
        }
    }
}

#[derive(Debug, Clone)]
struct FailRule {
    remaining: usize,
    with: FailWith,
    method: Option<String>,
    path_contains: Option<String>,
}

/// Denies `verb` on `resource` (plural, e.g. `kafkas`; `*` for any), optionally only in one
/// namespace and one API group.
#[derive(Debug, Clone, PartialEq)]
pub struct ForbidRule {
    pub verb: String,
    pub resource: String,
    pub group: Option<String>,
    pub namespace: Option<String>,
}

impl ForbidRule {
    fn matches(&self, verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> bool {
        (self.verb == "*" || self.verb == verb)
            && (self.resource == "*" || self.resource == resource)
            && self.group.as_deref().is_none_or(|g| g == group)
            && self.namespace.as_deref().is_none_or(|ns| Some(ns) == namespace)
    }
}

/// One request the server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    pub body: String,
    pub status: u16,
    pub time: SystemTime,
}

impl RecordedRequest {
    /// POST/PUT/PATCH/DELETE, except access reviews (which only ask questions).
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
            && !self.path.contains("selfsubjectaccessreviews")
            && !self.path.contains("selfsubjectrulesreviews")
    }
}

#[derive(Debug, Default)]
struct FaultState {
    latency: Duration,
    fails: Vec<FailRule>,
    close_watch_after: Option<usize>,
    /// A network partition: requests hang and open watches go quiet.
    partitioned: bool,
    forbids: Vec<ForbidRule>,
    user: Option<String>,
    log: Vec<RecordedRequest>,
    /// The minor version `/version` claims (`None`: the default, 1.33).
    kubernetes_minor: Option<u32>,
}

/// Fault injection settings, changeable at any time while the server runs.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Delays every request by `ms` milliseconds (0 turns it off).
    pub fn set_latency_ms(&self, ms: u64) {
        self.lock().latency = Duration::from_millis(ms);
    }

    /// Makes `/version` claim Kubernetes 1.`minor` (an older cluster than the
    /// default 1.33, for version checks).
    pub fn set_kubernetes_minor(&self, minor: u32) {
        self.lock().kubernetes_minor = Some(minor);
    }

    pub fn kubernetes_minor(&self) -> Option<u32> {
        self.lock().kubernetes_minor
    }

    /// Fails the next `n` requests.
    pub fn fail_next(&self, n: usize, with: FailWith) {
        self.fail_next_matching(n, with, None, None);
    }

    /// Fails the next `n` requests whose method is `method` (when given) and whose path
    /// contains `path_contains` (when given).
    pub fn fail_next_matching(&self, n: usize, with: FailWith, method: Option<&str>, path_contains: Option<&str>) {
        self.lock().fails.push(FailRule {
            remaining: n,
            with,
            method: method.map(str::to_uppercase),
            path_contains: path_contains.map(str::to_string),
        });
    }

    /// Ends every watch stream (current and future) after it has sent `n` events
    /// (`None`: never).
    pub fn close_watches_after(&self, n: Option<usize>) {
        self.lock().close_watch_after = n;
    }

    /// Cuts clients off as a network partition would: every new request hangs (an hour's
    /// latency) and open watch streams stay connected but deliver nothing more, so a
    /// client sees neither events nor errors. `clear` ends it.
    pub fn partition(&self) {
        let mut s = self.lock();
        s.partitioned = true;
        s.latency = Duration::from_secs(3600);
    }

    pub(crate) fn partitioned(&self) -> bool {
        self.lock().partitioned
    }

    /// Denies `verb` (`create`, `get`, `list`, `watch`, `patch`, `update`, `delete`,
    /// `deletecollection`, or `*`) on `resource` (plural or `*`) everywhere.
    pub fn forbid(&self, verb: &str, resource: &str) {
        self.forbid_rule(ForbidRule {
            verb: verb.into(),
            resource: resource.into(),
            group: None,
            namespace: None,
        });
    }

    /// Denies `verb` on `resource` in `namespace` only.
    pub fn forbid_in(&self, verb: &str, resource: &str, namespace: &str) {
        self.forbid_rule(ForbidRule {
            verb: verb.into(),
            resource: resource.into(),
            group: None,
            namespace: Some(namespace.into()),
        });
    }

    pub fn forbid_rule(&self, rule: ForbidRule) {
        self.lock().forbids.push(rule);
    }

    /// The user forbidden answers name (default [`DEFAULT_USER`]).
    pub fn set_user(&self, user: &str) {
        self.lock().user = Some(user.into());
    }

    /// Removes every fault (latency, failures, watch drops, denials); keeps the log.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.latency = Duration::ZERO;
        s.fails.clear();
        s.close_watch_after = None;
        s.partitioned = false;
        s.forbids.clear();
    }

    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// Consumes one matching failure, if any.
    pub(crate) fn take_failure(&self, method: &str, path: &str) -> Option<ApiError> {
        let mut s = self.lock();
        let rule = s.fails.iter_mut().find(|r| {
            r.remaining > 0
                && r.method.as_deref().is_none_or(|m| m == method)
                && r.path_contains.as_deref().is_none_or(|p| path.contains(p))
        })?;
        rule.remaining -= 1;
        let err = rule.with.error();
        s.fails.retain(|r| r.remaining > 0);
        Some(err)
    }

    pub(crate) fn watch_event_limit(&self) -> Option<usize> {
        self.lock().close_watch_after
    }

    /// Whether `verb` on the resource is allowed.
    pub fn allowed(&self, verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> bool {
        !self
            .lock()
            .forbids
            .iter()
            .any(|r| r.matches(verb, group, resource, namespace))
    }

    /// The 403 a denied request gets.
    pub(crate) fn check(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        name: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.allowed(verb, group, resource, namespace) {
            return Ok(());
        }
        let user = self.user();
        Err(ApiError::forbidden_rbac(
            &user,
            verb,
            GroupResource { group, resource },
            name,
            namespace,
        ))
    }

    pub fn user(&self) -> String {
        self.lock().user.clone().unwrap_or_else(|| DEFAULT_USER.to_string())
    }

    pub(crate) fn record(&self, req: RecordedRequest) {
        self.lock().log.push(req);
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }
}
