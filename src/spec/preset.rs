//! Presets: partial ClusterSpecs embedded in the binary (`presets/*.yaml`) or
//! read from a file, merged over the built-in defaults.

use std::path::Path;

use serde_json::Value;
use thiserror::Error;

use super::model::ClusterSpec;

/// A preset shipped inside the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinPreset {
    pub name: &'static str,
    pub description: &'static str,
    pub yaml: &'static str,
}

pub const BUILTIN_PRESETS: &[BuiltinPreset] = &[
    BuiltinPreset {
        name: "dev",
        description: "one dual-role KRaft node, ephemeral storage, RF 1, no Prometheus",
        yaml: include_str!("../../presets/dev.yaml"),
    },
    BuiltinPreset {
        name: "production",
        description: "KRaft, 3 controllers + 3 brokers on separate hosts, persistent storage, RF 3, TLS, monitoring",
        yaml: include_str!("../../presets/production.yaml"),
    },
    BuiltinPreset {
        name: "zookeeper-classic",
        description: "Strimzi 0.45 ZooKeeper layout: 3 brokers, 3 ZooKeepers, NodePort listener, zoo-entrance, monitoring",
        yaml: include_str!("../../presets/zookeeper-classic.yaml"),
    },
];

/// The preset `create` uses when none is given.
pub const DEFAULT_PRESET: &str = "production";

#[derive(Debug, Error)]
pub enum PresetError {
    #[error("unknown preset \"{name}\"; known presets: {known} (or pass a path to a preset file)")]
    Unknown { name: String, known: String },
    #[error("cannot read preset file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("preset {origin} is not a valid cluster spec: {message}")]
    Invalid { origin: String, message: String },
}

/// Where a preset came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetSource {
    /// The preset's name or the file's path.
    pub origin: String,
    pub yaml: String,
}

pub fn builtin(name: &str) -> Option<&'static BuiltinPreset> {
    BUILTIN_PRESETS.iter().find(|p| p.name == name)
}

fn known_names() -> String {
    BUILTIN_PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// The error for a preset name that is not built in.
pub fn unknown(name: &str) -> PresetError {
    PresetError::Unknown {
        name: name.to_string(),
        known: known_names(),
    }
}

/// Find a preset by built-in name, or read it from a file when the argument
/// looks like a path (contains a `/` or ends in `.yaml`/`.yml`, or exists).
pub fn find(name_or_path: &str) -> Result<PresetSource, PresetError> {
    if let Some(preset) = builtin(name_or_path) {
        return Ok(PresetSource {
            origin: preset.name.to_string(),
            yaml: preset.yaml.to_string(),
        });
    }
    let looks_like_path = name_or_path == "-"
        || name_or_path.contains('/')
        || name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml")
        || Path::new(name_or_path).is_file();
    if !looks_like_path {
        return Err(unknown(name_or_path));
    }
    let yaml = read_once(name_or_path).map_err(|source| PresetError::Read {
        path: name_or_path.to_string(),
        source,
    })?;
    Ok(PresetSource {
        origin: match name_or_path {
            "-" => "(standard input)".to_string(),
            path => path.to_string(),
        },
        yaml,
    })
}

/// A preset is a short YAML file; more than this is not one (`/dev/zero`, a log file).
pub const MAX_PRESET_BYTES: u64 = 1024 * 1024;

/// Reads a preset file (`-`: standard input) once per process: a command that needs it
/// twice (the namespace first, then the spec) must not read a pipe or `/dev/stdin` twice,
/// the second time empty. At most [`MAX_PRESET_BYTES`], whatever the file is.
fn read_once(path: &str) -> Result<String, std::io::Error> {
    use std::collections::HashMap;
    use std::io::Read;
    use std::sync::{Mutex, OnceLock};
    static READ: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let cache = READ.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(text) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return Ok(text.clone());
    }
    let mut bytes = Vec::new();
    let limit = MAX_PRESET_BYTES + 1;
    match path {
        "-" => std::io::stdin().lock().take(limit).read_to_end(&mut bytes)?,
        _ => std::fs::File::open(path)?.take(limit).read_to_end(&mut bytes)?,
    };
    if bytes.len() as u64 > MAX_PRESET_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} KiB; a preset is a short YAML file",
                MAX_PRESET_BYTES / 1024
            ),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_string(), text.clone());
    Ok(text)
}

/// Parse a preset strictly: every field must be one the spec knows (errors
/// carry the line and column), then return it as a JSON tree for merging.
pub fn parse(source: &PresetSource) -> Result<Value, PresetError> {
    let invalid = |message: String| PresetError::Invalid {
        origin: source.origin.clone(),
        message,
    };
    if source.yaml.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    // The typed pass only reports unknown fields and wrong types with their
    // location; the untyped pass keeps "absent" apart from "default" for merging.
    let yaml_error = |e: serde_saphyr::Error| invalid(user_words(&e, &source.origin));
    serde_saphyr::from_str::<ClusterSpec>(&source.yaml).map_err(yaml_error)?;
    let tree: Value = serde_saphyr::from_str(&source.yaml).map_err(yaml_error)?;
    match tree {
        Value::Object(_) => Ok(tree),
        Value::Null => Ok(Value::Object(Default::default())),
        _ => Err(invalid("the document must be a mapping of spec fields".to_string())),
    }
}

/// A YAML error in the user's words (serde-saphyr's user formatter: "duplicate mapping key
/// `kafkaVersion` is not allowed here", not its developer text that suggests library options),
/// with the snippet headed by the preset's own name instead of `<input>`.
fn user_words(error: &serde_saphyr::Error, origin: &str) -> String {
    let mut options = serde_saphyr::RenderOptions::new(&serde_saphyr::UserMessageFormatter);
    options.source_name = Some(origin);
    error.render_with_options(options)
}

/// Recursively merge `overlay` into `base`: mappings merge key by key, except
/// `pools` and `listeners`, which a layer replaces whole (a preset that names
/// its pools means exactly those pools); everything else is replaced.
pub fn merge(base: &mut Value, overlay: Value) {
    merge_at(base, overlay, 0);
}

fn merge_at(base: &mut Value, overlay: Value, depth: usize) {
    match (base, overlay) {
        (Value::Object(base_map), Value::Object(overlay_map)) => {
            for (key, value) in overlay_map {
                let replace_whole = depth == 0 && (key == "pools" || key == "listeners");
                match base_map.get_mut(&key) {
                    Some(slot) if !replace_whole && !value.is_null() => merge_at(slot, value, depth + 1),
                    _ => {
                        base_map.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

/// The built-in defaults with `preset` merged over them, as a typed spec.
pub fn resolve(preset: &PresetSource) -> Result<ClusterSpec, PresetError> {
    let overlay = parse(preset)?;
    let mut tree = serde_json::to_value(ClusterSpec::default()).map_err(|e| PresetError::Invalid {
        origin: preset.origin.clone(),
        message: e.to_string(),
    })?;
    merge(&mut tree, overlay);
    serde_json::from_value(tree).map_err(|e| PresetError::Invalid {
        origin: preset.origin.clone(),
        message: e.to_string(),
    })
}

/// A spec as a preset: the spec without its name (the name comes from the
/// command line). `export` prints it; `create --save-preset` writes it.
pub fn preset_value(spec: &ClusterSpec) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(spec)?;
    if let Some(map) = value.as_object_mut() {
        map.remove("name");
    }
    Ok(value)
}

/// The namespace a cluster goes to: `-n` (`namespace`), else the preset's.
pub fn target_namespace(namespace: Option<&str>, preset: Option<&str>) -> Result<String, PresetError> {
    match namespace {
        Some(ns) => Ok(ns.to_string()),
        None => {
            let preset = preset.unwrap_or(DEFAULT_PRESET);
            Ok(resolve(&find(preset)?)?.namespace)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_builtin_preset_resolves() {
        for preset in BUILTIN_PRESETS {
            let spec = resolve(&find(preset.name).unwrap()).unwrap();
            assert!(!spec.pools.is_empty(), "{} has pools", preset.name);
            assert!(!spec.kafka_version.is_empty(), "{} has a Kafka version", preset.name);
        }
    }

    #[test]
    fn unknown_preset_lists_the_known_ones() {
        let err = find("prod").unwrap_err().to_string();
        assert!(err.contains("unknown preset \"prod\""), "{err}");
        assert!(err.contains("dev, production, zookeeper-classic"), "{err}");
    }

    #[test]
    fn unknown_field_in_a_preset_file_names_field_and_line() {
        let source = PresetSource {
            origin: "my.yaml".into(),
            yaml: "metadata: kraft\npools:\n  b:\n    replicas: 3\n    replcas: 4\n".into(),
        };
        let err = parse(&source).unwrap_err().to_string();
        assert!(err.contains("replcas"), "{err}");
        assert!(err.contains("line 5") || err.contains("5:"), "{err}");
    }

    #[test]
    fn mappings_merge_but_pools_are_replaced_whole() {
        let mut base = json!({"pools": {"a": {"replicas": 1}}, "prometheus": {"enabled": true, "retention": "15d"}});
        merge(
            &mut base,
            json!({"pools": {"b": {"replicas": 2}}, "prometheus": {"retention": "7d"}}),
        );
        assert_eq!(base["pools"], json!({"b": {"replicas": 2}}));
        assert_eq!(base["prometheus"], json!({"enabled": true, "retention": "7d"}));
    }

    #[test]
    fn a_file_preset_merges_over_defaults() {
        let source = PresetSource {
            origin: "f.yaml".into(),
            yaml: "kafkaVersion: 4.2.0\npools:\n  brokers:\n    replicas: 5\n".into(),
        };
        let spec = resolve(&source).unwrap();
        assert_eq!(spec.kafka_version, "4.2.0");
        assert_eq!(spec.pools["brokers"].replicas, 5);
        assert_eq!(spec.namespace, "kafka");
        assert!(spec.prometheus.enabled);
    }
}
