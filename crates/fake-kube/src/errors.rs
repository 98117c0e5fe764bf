//! `ApiError`: every failure the fake answers with, rendered as a Kubernetes `Status` body
//! worded the way a real API server words it.

use serde_json::{Value, json};
use std::fmt;

const NO_SUCH_RESOURCE: &str = "the server could not find the requested resource";

/// A failed API call: HTTP code plus the `Status` fields a real server would send.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code (404, 409, 422, ...).
    pub code: u16,
    /// `Status.reason` (`NotFound`, `Conflict`, `Invalid`, ...).
    pub reason: String,
    /// `Status.message`, worded like the real server.
    pub message: String,
    /// `Status.details`, when the real server sends them.
    pub details: Option<Box<Value>>,
    /// Seconds for a `Retry-After` header (429/503).
    pub retry_after: Option<u64>,
}

/// The `group`/`resource` pair used in error wording (`kafkas.kafka.strimzi.io`).
#[derive(Debug, Clone, Copy)]
pub struct GroupResource<'a> {
    pub group: &'a str,
    pub resource: &'a str,
}

impl GroupResource<'_> {
    /// `pods` or `kafkas.kafka.strimzi.io`, as real messages print it.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    fn details(&self, name: &str) -> Value {
        let mut d = json!({ "name": name });
        if !self.group.is_empty() {
            d["group"] = json!(self.group);
        }
        d["kind"] = json!(self.resource);
        d
    }
}

impl ApiError {
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason: reason.to_string(),
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// 404 `kafkas.kafka.strimzi.io "my-cluster" not found`.
    pub fn not_found(gr: GroupResource, name: &str) -> Self {
        ApiError::new(404, "NotFound", format!("{} \"{}\" not found", gr.qualified(), name))
            .with_details(gr.details(name))
    }

    /// 404 for a URL that names no served resource (`the server could not find the requested resource`).
    pub fn no_such_resource() -> Self {
        ApiError::new(404, "NotFound", NO_SUCH_RESOURCE).with_details(json!({}))
    }

    pub fn is_no_such_resource(&self) -> bool {
        self.code == 404 && self.message == NO_SUCH_RESOURCE
    }

    /// 409 `pods "x" already exists`.
    pub fn already_exists(gr: GroupResource, name: &str) -> Self {
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{} \"{}\" already exists", gr.qualified(), name),
        )
        .with_details(gr.details(name))
    }

    /// 409 optimistic-concurrency failure on a stale `resourceVersion`.
    pub fn conflict(gr: GroupResource, name: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                gr.qualified(),
                name
            ),
        )
        .with_details(gr.details(name))
    }

    /// 422 with one cause per violated field.
    pub fn invalid(kind: &str, group: &str, name: &str, causes: Vec<Cause>) -> Self {
        let qualified_kind = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let texts: Vec<String> = causes.iter().map(Cause::text).collect();
        let summary = if texts.len() == 1 {
            texts[0].clone()
        } else {
            format!("[{}]", texts.join(", "))
        };
        let mut details = json!({ "name": name });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        details["kind"] = json!(kind);
        details["causes"] = Value::Array(
            causes
                .iter()
                .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                .collect(),
        );
        ApiError::new(
            422,
            "Invalid",
            format!("{qualified_kind} \"{name}\" is invalid: {summary}"),
        )
        .with_details(details)
    }

    /// 403 in RBAC wording.
    pub fn forbidden_rbac(
        user: &str,
        verb: &str,
        gr: GroupResource,
        name: Option<&str>,
        namespace: Option<&str>,
    ) -> Self {
        let subject = match name {
            Some(n) => format!("{} \"{}\"", gr.qualified(), n),
            None => gr.qualified(),
        };
        let scope = match namespace {
            Some(ns) => format!(" in the namespace \"{ns}\""),
            None => " at the cluster scope".to_string(),
        };
        let message = format!(
            "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{}\" in API group \"{}\"{scope}",
            gr.resource, gr.group
        );
        ApiError::new(403, "Forbidden", message).with_details(gr.details(name.unwrap_or("")))
    }

    /// 403 when creating into a namespace that is being deleted.
    pub fn namespace_terminating(gr: GroupResource, name: &str, namespace: &str) -> Self {
        let mut details = gr.details(name);
        details["causes"] = json!([{
            "reason": "NamespaceTerminating",
            "message": format!("namespace {namespace} is being terminated"),
            "field": "metadata.namespace"
        }]);
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is being terminated",
                gr.qualified(),
                name,
                namespace
            ),
        )
        .with_details(details)
    }

    /// 410 for a watch or list from a compacted `resourceVersion`.
    pub fn gone(requested: u64, oldest: u64) -> Self {
        ApiError::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn method_not_allowed() -> Self {
        ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json (got {content_type:?})"
            ),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(500, "InternalError", message)
    }

    /// The `Status` object a real server sends for this error.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        });
        if let Some(d) = &self.details {
            s["details"] = (**d).clone();
        }
        s["code"] = json!(self.code);
        s
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

/// One entry of `Status.details.causes` for 422 answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`.
    pub reason: String,
    /// `spec.kafka.replicas`.
    pub field: String,
    /// `Invalid value: "x": spec.kafka.replicas in body must be of type integer: "string"`.
    pub message: String,
}

impl Cause {
    fn text(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }
}
