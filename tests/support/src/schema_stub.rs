//! TEMPORARY stand-in for `schema.rs` (written by another engineer) with the agreed API, so
//! the server compiles until the real walker lands. Validates nothing and prunes nothing.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaViolation {
    pub path: String,
    pub reason: ViolationReason,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationReason {
    Invalid,
    Required,
    NotSupported,
    UnknownField,
}

pub fn validate_strict(_schema: &Value, _value: &Value) -> Vec<SchemaViolation> {
    Vec::new()
}

pub fn prune_and_validate(_schema: &Value, _value: &mut Value) -> Vec<SchemaViolation> {
    Vec::new()
}

pub fn crd_version_schema(crd: &Value, version: &str) -> Option<Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(version))?
        .pointer("/schema/openAPIV3Schema")
        .cloned()
}
