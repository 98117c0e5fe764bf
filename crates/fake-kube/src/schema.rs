//! Structural-schema checks for custom resources: validate (and prune) a JSON
//! object against a CRD version's `openAPIV3Schema` the way the API server does.
//!
//! Supported keywords are those Strimzi's CRDs use: `type`, `properties`,
//! `additionalProperties`, `items`, `required`, `enum`, `minimum`/`maximum`
//! (with the boolean `exclusive*` forms), `minItems`/`maxItems`,
//! `minLength`/`maxLength`, `pattern`, `oneOf`/`anyOf`/`allOf`/`not`,
//! `nullable`, `x-kubernetes-preserve-unknown-fields` and
//! `x-kubernetes-int-or-string`. CEL rules (`x-kubernetes-validations`) and
//! `format` are not evaluated: they need a CEL interpreter, and a
//! wrong answer there would be worse than none.
//!
//! Paths name fields with dots and list items with `[i]`:
//! `spec.kafka.listeners[0].port`. Map entries (`additionalProperties`) are
//! dotted too, like the API server's OpenAPI errors: `metadata.labels.app`.

use std::collections::HashMap;
use std::fmt;

use regex::Regex;
use serde_json::{Map, Value, json};

/// One way a value does not fit its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaViolation {
    /// Where: `spec.kafka.replicas`, list items as `spec.kafka.listeners[0].port`.
    pub path: String,
    pub reason: ViolationReason,
    /// What is wrong, worded like the API server's field errors.
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The kind of a violation; the API server's `FieldValue*` cause types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationReason {
    /// Out of range, pattern mismatch, failed `oneOf`/`anyOf`.
    Invalid,
    /// The wrong JSON type (`FieldValueTypeInvalid`).
    TypeInvalid,
    /// A `required` field is missing.
    Required,
    /// A value outside the schema's `enum`.
    NotSupported,
    /// A field the schema does not know (strict mode only; otherwise pruned).
    UnknownField,
}

/// Every violation, unknown fields included (strict mode, for kafkactl's render tests).
pub fn validate_strict(schema: &Value, value: &Value) -> Vec<SchemaViolation> {
    let mut checker = Checker::default();
    checker.check(schema, value, &Path::root(), Mode::Strict);
    checker.violations
}

/// What a real API server does: prune unknown fields, then report the remaining
/// violations (never `UnknownField`).
pub fn prune_and_validate(schema: &Value, value: &mut Value) -> Vec<SchemaViolation> {
    prune(schema, value, true);
    let mut checker = Checker::default();
    checker.check(schema, value, &Path::root(), Mode::Pruned);
    checker.violations
}

/// The openAPIV3Schema of `version` in a CRD object (None when the version is absent).
pub fn crd_version_schema(crd: &Value, version: &str) -> Option<Value> {
    let versions = crd.pointer("/spec/versions")?.as_array()?;
    let entry = versions
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(version))?;
    entry
        .pointer("/schema/openAPIV3Schema")
        // apiextensions/v1beta1 CRDs could carry one schema for every version.
        .or_else(|| crd.pointer("/spec/validation/openAPIV3Schema"))
        .cloned()
}

/// Whether unknown fields are violations (strict), or were pruned already and
/// cannot occur; `oneOf`/`anyOf` branches never judge unknown fields, because a
/// structural schema declares its fields outside the branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    Pruned,
    Branch,
}

/// A field path under construction; the root is the empty path.
#[derive(Debug, Clone)]
struct Path(String);

impl Path {
    fn root() -> Self {
        Path(String::new())
    }

    fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn field(&self, name: &str) -> Path {
        if self.0.is_empty() {
            Path(name.to_string())
        } else {
            Path(format!("{}.{name}", self.0))
        }
    }

    fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }

    /// The path as shown in messages; the root reads as `<root>`.
    fn shown(&self) -> &str {
        if self.0.is_empty() { "<root>" } else { &self.0 }
    }
}

#[derive(Default)]
struct Checker {
    violations: Vec<SchemaViolation>,
    /// Compiled `pattern`s; `None` for a pattern the regex crate cannot compile.
    patterns: HashMap<String, Option<Regex>>,
}

impl Checker {
    fn report(&mut self, path: &Path, reason: ViolationReason, message: String) {
        self.violations.push(SchemaViolation {
            path: path.shown().to_string(),
            reason,
            message,
        });
    }

    fn check(&mut self, schema: &Value, value: &Value, path: &Path, mode: Mode) {
        let Some(schema) = schema.as_object() else {
            // `true`/`{}`-like schemas (and malformed ones) accept anything.
            return;
        };
        if value.is_null() {
            self.check_null(schema, path);
            return;
        }
        if !self.check_type(schema, value, path) {
            return;
        }
        self.check_enum(schema, value, path);
        match value {
            Value::String(s) => self.check_string(schema, s, path),
            Value::Number(_) => self.check_number(schema, value, path),
            Value::Array(items) => self.check_array(schema, items, path, mode),
            Value::Object(fields) => self.check_object(schema, fields, path, mode),
            Value::Bool(_) | Value::Null => {}
        }
        self.check_combinators(schema, value, path);
    }

    fn check_null(&mut self, schema: &Map<String, Value>, path: &Path) {
        if flag(schema, "nullable") {
            return;
        }
        let expected = if flag(schema, "x-kubernetes-int-or-string") {
            Some("integer or string")
        } else {
            schema.get("type").and_then(Value::as_str)
        };
        if let Some(expected) = expected {
            let message = format!("{} in body must be of type {expected}: \"null\"", path.shown());
            self.report(path, ViolationReason::TypeInvalid, message);
        }
    }

    /// False when the value has the wrong type (nothing else is then checked).
    fn check_type(&mut self, schema: &Map<String, Value>, value: &Value, path: &Path) -> bool {
        let (ok, expected) = if flag(schema, "x-kubernetes-int-or-string") {
            (is_integer(value) || value.is_string(), "integer or string")
        } else {
            match schema.get("type").and_then(Value::as_str) {
                None => (true, ""),
                Some(t) => (type_matches(t, value), t),
            }
        };
        if !ok {
            let message = format!(
                "{} in body must be of type {expected}: \"{}\"",
                path.shown(),
                json_type(value)
            );
            self.report(path, ViolationReason::TypeInvalid, message);
        }
        ok
    }

    fn check_enum(&mut self, schema: &Map<String, Value>, value: &Value, path: &Path) {
        let Some(allowed) = schema.get("enum").and_then(Value::as_array) else {
            return;
        };
        if allowed.contains(value) {
            return;
        }
        let supported: Vec<String> = allowed.iter().map(quoted).collect();
        let message = format!(
            "Unsupported value: {}: supported values: {}",
            quoted(value),
            supported.join(", ")
        );
        self.report(path, ViolationReason::NotSupported, message);
    }

    fn check_string(&mut self, schema: &Map<String, Value>, s: &str, path: &Path) {
        let length = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && length < min
        {
            let message = format!("{} in body should be at least {min} chars long", path.shown());
            self.report(path, ViolationReason::Invalid, message);
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && length > max
        {
            let message = format!("{} in body may not be longer than {max}", path.shown());
            self.report(path, ViolationReason::Invalid, message);
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
            && !self.matches(pattern, s)
        {
            let message = format!("{} in body should match '{pattern}'", path.shown());
            self.report(path, ViolationReason::Invalid, message);
        }
    }

    /// Patterns the regex crate cannot compile are not enforced rather than
    /// failing every value (Go's RE2 and Rust's regex differ only at the edges).
    fn matches(&mut self, pattern: &str, s: &str) -> bool {
        let compiled = self
            .patterns
            .entry(pattern.to_string())
            .or_insert_with(|| Regex::new(pattern).ok());
        compiled.as_ref().is_none_or(|re| re.is_match(s))
    }

    fn check_number(&mut self, schema: &Map<String, Value>, value: &Value, path: &Path) {
        let Some(n) = value.as_f64() else { return };
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            let exclusive = flag(schema, "exclusiveMinimum");
            if n < min || (exclusive && n == min) {
                let relation = if exclusive {
                    "greater than"
                } else {
                    "greater than or equal to"
                };
                let message = format!("{} in body should be {relation} {}", path.shown(), schema["minimum"]);
                self.report(path, ViolationReason::Invalid, message);
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            let exclusive = flag(schema, "exclusiveMaximum");
            if n > max || (exclusive && n == max) {
                let relation = if exclusive {
                    "less than"
                } else {
                    "less than or equal to"
                };
                let message = format!("{} in body should be {relation} {}", path.shown(), schema["maximum"]);
                self.report(path, ViolationReason::Invalid, message);
            }
        }
    }

    fn check_array(&mut self, schema: &Map<String, Value>, items: &[Value], path: &Path, mode: Mode) {
        let count = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            let message = format!("{} in body should have at least {min} items", path.shown());
            self.report(path, ViolationReason::Invalid, message);
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            let message = format!("{} in body should have at most {max} items", path.shown());
            self.report(path, ViolationReason::Invalid, message);
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &path.index(i), mode);
            }
        }
    }

    fn check_object(&mut self, schema: &Map<String, Value>, fields: &Map<String, Value>, path: &Path, mode: Mode) {
        for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = name.as_str()
                && !fields.contains_key(name)
            {
                self.report(
                    &path.field(name),
                    ViolationReason::Required,
                    "Required value".to_string(),
                );
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, value) in fields {
            let child = path.field(name);
            if path.is_root() && mode != Mode::Branch {
                match name.as_str() {
                    "apiVersion" | "kind" => {
                        self.check_type_only(value, "string", &child);
                        continue;
                    }
                    "metadata" => {
                        self.check(&object_meta_schema(), value, &child, mode);
                        continue;
                    }
                    _ => {}
                }
            }
            match field_schema(schema, properties, name) {
                Some(field_schema) => self.check(field_schema, value, &child, mode),
                None if mode == Mode::Strict && !preserves_unknown(schema) => {
                    let message = format!("unknown field \"{}\"", child.shown());
                    self.report(&child, ViolationReason::UnknownField, message);
                }
                None => {}
            }
        }
    }

    fn check_type_only(&mut self, value: &Value, expected: &str, path: &Path) {
        let schema = json!({ "type": expected });
        self.check(&schema, value, path, Mode::Branch);
    }

    /// `oneOf`/`anyOf`/`allOf`/`not` are value validations beside the
    /// structural part: each branch is checked without unknown-field rules.
    fn check_combinators(&mut self, schema: &Map<String, Value>, value: &Value, path: &Path) {
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            let results = self.branch_results(branches, value, path);
            let passing = results.iter().filter(|v| v.is_empty()).count();
            if passing != 1 {
                let why = if passing == 0 {
                    branch_detail(&results)
                } else {
                    format!("{passing} schemas match")
                };
                let message = format!(
                    "{} in body must validate one and only one schema (oneOf): {why}",
                    path.shown()
                );
                self.report(path, ViolationReason::Invalid, message);
            }
        }
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            let results = self.branch_results(branches, value, path);
            if !results.iter().any(Vec::is_empty) {
                let message = format!(
                    "{} in body must validate at least one schema (anyOf): {}",
                    path.shown(),
                    branch_detail(&results)
                );
                self.report(path, ViolationReason::Invalid, message);
            }
        }
        if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
            for violations in self.branch_results(branches, value, path) {
                self.violations.extend(violations);
            }
        }
        if let Some(negated) = schema.get("not") {
            let results = self.branch_results(std::slice::from_ref(negated), value, path);
            if results.iter().all(Vec::is_empty) {
                let message = format!("{} in body must not validate the schema (not)", path.shown());
                self.report(path, ViolationReason::Invalid, message);
            }
        }
    }

    fn branch_results(&mut self, branches: &[Value], value: &Value, path: &Path) -> Vec<Vec<SchemaViolation>> {
        branches
            .iter()
            .map(|branch| {
                let mut sub = Checker {
                    violations: Vec::new(),
                    patterns: std::mem::take(&mut self.patterns),
                };
                sub.check(branch, value, path, Mode::Branch);
                self.patterns = sub.patterns;
                sub.violations
            })
            .collect()
    }
}

/// Why every branch failed, for the message: each branch's first violation.
fn branch_detail(results: &[Vec<SchemaViolation>]) -> String {
    results
        .iter()
        .filter_map(|v| v.first())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The schema of field `name` of an object: a declared property, else
/// `additionalProperties` when that is a schema (or `true`, meaning anything).
fn field_schema<'a>(
    schema: &'a Map<String, Value>,
    properties: Option<&'a Map<String, Value>>,
    name: &str,
) -> Option<&'a Value> {
    if let Some(declared) = properties.and_then(|p| p.get(name)) {
        return Some(declared);
    }
    match schema.get("additionalProperties") {
        Some(Value::Bool(true)) => Some(&Value::Bool(true)),
        Some(additional @ Value::Object(_)) => Some(additional),
        _ => None,
    }
}

fn preserves_unknown(schema: &Map<String, Value>) -> bool {
    flag(schema, "x-kubernetes-preserve-unknown-fields")
}

fn flag(schema: &Map<String, Value>, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Integers as the API server's OpenAPI validator sees them: integral JSON
/// numbers, including `3.0`.
fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.is_finite() && f.fract() == 0.0),
        _ => false,
    }
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => is_integer(value),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        // An unknown type name is a broken CRD, not a broken object.
        _ => true,
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) if is_integer(value) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn quoted(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// Remove every field the schema does not declare (nor keep with
/// `x-kubernetes-preserve-unknown-fields`), as the API server does on write.
/// Only the structural part counts: `oneOf`/`anyOf` branches declare nothing.
fn prune(schema: &Value, value: &mut Value, is_root: bool) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    match value {
        Value::Object(fields) => prune_object(schema, fields, is_root),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                items.iter_mut().for_each(|item| prune(item_schema, item, false));
            }
        }
        _ => {}
    }
}

fn prune_object(schema: &Map<String, Value>, fields: &mut Map<String, Value>, is_root: bool) {
    let properties = schema.get("properties").and_then(Value::as_object);
    let keep_unknown = preserves_unknown(schema);
    fields.retain(|name, value| {
        if is_root {
            match name.as_str() {
                "apiVersion" | "kind" => return true,
                "metadata" => {
                    prune(&object_meta_schema(), value, false);
                    return true;
                }
                _ => {}
            }
        }
        match field_schema(schema, properties, name) {
            Some(field_schema) => {
                prune(field_schema, value, false);
                true
            }
            None => keep_unknown,
        }
    });
}

/// The fields of `ObjectMeta` a client may send, which every custom resource
/// has whatever its CRD says about `metadata`.
fn object_meta_schema() -> Value {
    let string = json!({ "type": "string" });
    let string_map = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    json!({
        "type": "object",
        "properties": {
            "name": string,
            "generateName": string,
            "namespace": string,
            "selfLink": string,
            "uid": string,
            "resourceVersion": string,
            "generation": { "type": "integer" },
            "creationTimestamp": { "type": "string", "nullable": true },
            "deletionTimestamp": { "type": "string", "nullable": true },
            "deletionGracePeriodSeconds": { "type": "integer" },
            "labels": string_map,
            "annotations": string_map,
            "finalizers": { "type": "array", "items": string },
            "ownerReferences": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["apiVersion", "kind", "name", "uid"],
                    "properties": {
                        "apiVersion": string,
                        "kind": string,
                        "name": string,
                        "uid": string,
                        "controller": { "type": "boolean" },
                        "blockOwnerDeletion": { "type": "boolean" },
                    },
                },
            },
            "managedFields": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "manager": string,
                        "operation": string,
                        "apiVersion": string,
                        "time": string,
                        "fieldsType": string,
                        "fieldsV1": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                        "subresource": string,
                    },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small CRD-like schema with the shapes Strimzi uses.
    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "apiVersion": { "type": "string" },
                "kind": { "type": "string" },
                "metadata": { "type": "object" },
                "spec": {
                    "type": "object",
                    "required": ["kafka"],
                    "properties": {
                        "kafka": {
                            "type": "object",
                            "required": ["listeners"],
                            "properties": {
                                "replicas": { "type": "integer", "minimum": 1 },
                                "version": { "type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+$" },
                                "listeners": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["name", "port", "type"],
                                        "properties": {
                                            "name": { "type": "string" },
                                            "port": { "type": "integer", "minimum": 9092 },
                                            "type": { "type": "string", "enum": ["internal", "nodeport"] },
                                        },
                                    },
                                },
                                "config": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                                "resources": {
                                    "type": "object",
                                    "properties": {
                                        "limits": {
                                            "type": "object",
                                            "additionalProperties": {
                                                "anyOf": [{ "type": "integer" }, { "type": "string" }],
                                                "x-kubernetes-int-or-string": true,
                                            },
                                        },
                                    },
                                },
                                "valueFrom": {
                                    "type": "object",
                                    "properties": {
                                        "secretKeyRef": { "type": "object", "properties": { "name": { "type": "string" } } },
                                        "configMapKeyRef": { "type": "object", "properties": { "name": { "type": "string" } } },
                                    },
                                    "oneOf": [
                                        { "properties": { "secretKeyRef": {} }, "required": ["secretKeyRef"] },
                                        { "properties": { "configMapKeyRef": {} }, "required": ["configMapKeyRef"] },
                                    ],
                                },
                                "image": { "type": "string", "nullable": true },
                            },
                        },
                    },
                },
            },
        })
    }

    fn valid() -> Value {
        json!({
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "Kafka",
            "metadata": { "name": "a", "namespace": "kafka", "labels": { "x": "y" }, "annotations": { "k": "v" } },
            "spec": { "kafka": { "replicas": 3, "version": "4.3.1", "listeners": [{ "name": "plain", "port": 9092, "type": "internal" }] } },
        })
    }

    /// `value` with the field at `pointer` set (created when missing, in an existing parent).
    fn with(mut value: Value, pointer: &str, field: Value) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match value.pointer_mut(parent).unwrap() {
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = field,
            parent => {
                parent[key] = field;
            }
        }
        value
    }

    fn reasons(violations: &[SchemaViolation]) -> Vec<(String, ViolationReason)> {
        violations.iter().map(|v| (v.path.clone(), v.reason)).collect()
    }

    #[test]
    fn a_valid_object_has_no_violations() {
        assert_eq!(validate_strict(&schema(), &valid()), vec![]);
    }

    #[test]
    fn unknown_field_at_depth_is_reported_with_its_path() {
        let value = with(valid(), "/spec/kafka/listeners/0/tsl", json!(true));
        let violations = validate_strict(&schema(), &value);
        assert_eq!(
            reasons(&violations),
            vec![("spec.kafka.listeners[0].tsl".to_string(), ViolationReason::UnknownField)]
        );
        assert!(violations[0].message.contains("unknown field"), "{}", violations[0]);
    }

    #[test]
    fn preserve_unknown_fields_subtree_accepts_anything() {
        let value = with(
            valid(),
            "/spec/kafka/config",
            json!({ "a.b": 1, "nested": { "x": [true] } }),
        );
        assert_eq!(validate_strict(&schema(), &value), vec![]);
    }

    #[test]
    fn value_outside_enum_is_not_supported() {
        let value = with(valid(), "/spec/kafka/listeners/0/type", json!("route"));
        let violations = validate_strict(&schema(), &value);
        assert_eq!(
            reasons(&violations),
            vec![(
                "spec.kafka.listeners[0].type".to_string(),
                ViolationReason::NotSupported
            )]
        );
        assert!(
            violations[0].message.contains("\"internal\", \"nodeport\""),
            "{}",
            violations[0]
        );
    }

    #[test]
    fn missing_required_field_is_reported_at_the_field() {
        let value = with(
            valid(),
            "/spec/kafka/listeners/0",
            json!({ "name": "plain", "type": "internal" }),
        );
        let violations = validate_strict(&schema(), &value);
        assert_eq!(
            reasons(&violations),
            vec![("spec.kafka.listeners[0].port".to_string(), ViolationReason::Required)]
        );
    }

    #[test]
    fn a_string_where_an_integer_belongs_is_invalid() {
        let value = with(valid(), "/spec/kafka/replicas", json!("3"));
        let violations = validate_strict(&schema(), &value);
        assert_eq!(
            reasons(&violations),
            vec![("spec.kafka.replicas".to_string(), ViolationReason::TypeInvalid)]
        );
        assert!(
            violations[0].message.contains("must be of type integer"),
            "{}",
            violations[0]
        );
    }

    #[test]
    fn a_float_where_an_integer_belongs_is_invalid_but_integral_floats_pass() {
        let fractional = with(valid(), "/spec/kafka/replicas", json!(2.5));
        assert_eq!(validate_strict(&schema(), &fractional).len(), 1);
        let integral = with(valid(), "/spec/kafka/replicas", json!(3.0));
        assert_eq!(validate_strict(&schema(), &integral), vec![]);
    }

    #[test]
    fn minimum_pattern_and_min_items_are_enforced() {
        let value = with(valid(), "/spec/kafka/replicas", json!(0));
        let value = with(value, "/spec/kafka/version", json!("latest"));
        let value = with(value, "/spec/kafka/listeners", json!([]));
        let paths: Vec<String> = validate_strict(&schema(), &value).into_iter().map(|v| v.path).collect();
        assert_eq!(
            paths,
            vec!["spec.kafka.replicas", "spec.kafka.version", "spec.kafka.listeners"]
        );
    }

    #[test]
    fn int_or_string_accepts_both_and_nothing_else() {
        let ok = with(
            valid(),
            "/spec/kafka/resources",
            json!({ "limits": { "cpu": 2, "memory": "4Gi" } }),
        );
        assert_eq!(validate_strict(&schema(), &ok), vec![]);
        let bad = with(valid(), "/spec/kafka/resources", json!({ "limits": { "cpu": true } }));
        let violations = validate_strict(&schema(), &bad);
        assert_eq!(
            reasons(&violations),
            vec![(
                "spec.kafka.resources.limits.cpu".to_string(),
                ViolationReason::TypeInvalid
            )]
        );
    }

    #[test]
    fn one_of_requires_exactly_one_branch_without_judging_unknown_fields() {
        let one = with(
            valid(),
            "/spec/kafka/valueFrom",
            json!({ "configMapKeyRef": { "name": "m" } }),
        );
        assert_eq!(validate_strict(&schema(), &one), vec![]);
        let both = with(
            valid(),
            "/spec/kafka/valueFrom",
            json!({ "configMapKeyRef": {}, "secretKeyRef": {} }),
        );
        assert_eq!(
            reasons(&validate_strict(&schema(), &both)),
            vec![("spec.kafka.valueFrom".to_string(), ViolationReason::Invalid)]
        );
        let neither = with(valid(), "/spec/kafka/valueFrom", json!({}));
        assert_eq!(validate_strict(&schema(), &neither).len(), 1);
    }

    #[test]
    fn null_is_invalid_unless_nullable() {
        let nullable = with(valid(), "/spec/kafka/image", Value::Null);
        assert_eq!(validate_strict(&schema(), &nullable), vec![]);
        let not_nullable = with(valid(), "/spec/kafka/version", Value::Null);
        assert_eq!(
            reasons(&validate_strict(&schema(), &not_nullable)),
            vec![("spec.kafka.version".to_string(), ViolationReason::TypeInvalid)]
        );
    }

    #[test]
    fn metadata_allows_object_meta_fields_only() {
        let value = with(valid(), "/metadata/finalizers", json!(["x"]));
        assert_eq!(validate_strict(&schema(), &value), vec![]);
        let value = with(valid(), "/metadata/lables", json!({}));
        assert_eq!(
            reasons(&validate_strict(&schema(), &value)),
            vec![("metadata.lables".to_string(), ViolationReason::UnknownField)]
        );
        let value = with(valid(), "/metadata/labels", json!({ "replicas": 3 }));
        assert_eq!(
            reasons(&validate_strict(&schema(), &value)),
            vec![("metadata.labels.replicas".to_string(), ViolationReason::TypeInvalid)]
        );
    }

    #[test]
    fn api_version_and_kind_are_always_allowed() {
        let schema = json!({ "type": "object", "properties": { "spec": { "type": "object" } } });
        let value = json!({ "apiVersion": "v1", "kind": "X", "spec": {} });
        assert_eq!(validate_strict(&schema, &value), vec![]);
    }

    #[test]
    fn pruning_drops_unknown_fields_and_keeps_known_and_preserved_ones() {
        let mut value = with(valid(), "/spec/kafka/listeners/0/tsl", json!(true));
        value = with(value, "/spec/kafka/config", json!({ "any.thing": "kept" }));
        value = with(value, "/spec/extra", json!({ "dropped": 1 }));
        value = with(value, "/metadata/bogus", json!("dropped"));
        let violations = prune_and_validate(&schema(), &mut value);
        assert_eq!(violations, vec![]);
        assert_eq!(
            value["spec"]["kafka"]["listeners"][0],
            json!({ "name": "plain", "port": 9092, "type": "internal" })
        );
        assert_eq!(value["spec"]["kafka"]["config"], json!({ "any.thing": "kept" }));
        assert_eq!(value["spec"]["kafka"]["replicas"], json!(3));
        assert!(value["spec"].get("extra").is_none());
        assert!(value["metadata"].get("bogus").is_none());
        assert_eq!(value["metadata"]["labels"], json!({ "x": "y" }));
        assert_eq!(value["apiVersion"], json!("kafka.strimzi.io/v1"));
    }

    #[test]
    fn pruning_still_reports_invalid_values_but_never_unknown_fields() {
        let mut value = with(valid(), "/spec/kafka/replicas", json!("three"));
        value = with(value, "/spec/kafka/unknown", json!(1));
        let violations = prune_and_validate(&schema(), &mut value);
        assert_eq!(
            reasons(&violations),
            vec![("spec.kafka.replicas".to_string(), ViolationReason::TypeInvalid)]
        );
    }

    #[test]
    fn crd_version_schema_picks_the_named_version() {
        let crd = json!({ "spec": { "versions": [
            { "name": "v1beta2", "schema": { "openAPIV3Schema": { "type": "object", "description": "old" } } },
            { "name": "v1", "schema": { "openAPIV3Schema": { "type": "object", "description": "new" } } },
        ] } });
        assert_eq!(crd_version_schema(&crd, "v1").unwrap()["description"], "new");
        assert_eq!(crd_version_schema(&crd, "v1beta2").unwrap()["description"], "old");
        assert!(crd_version_schema(&crd, "v2").is_none());
    }
}
