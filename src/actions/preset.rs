//! `create --save-preset FILE`: the final spec written as a preset file.

use std::path::Path;

use crate::error::Failure;
use crate::spec::ClusterSpec;
use crate::spec::preset::preset_value;

/// `--save-preset FILE`: the spec without its name, which
/// `kafkactl create NAME --preset FILE` turns back into the same spec.
pub fn save_preset(path: &Path, spec: &ClusterSpec) -> anyhow::Result<()> {
    let body = serde_saphyr::to_string(&preset_value(spec)?)?;
    let text = format!(
        "# kafkactl preset saved by `kafkactl create {name}` (kafkactl {version}).\n\
         # Create the same cluster again, or a copy under another name:\n\
         #   kafkactl create {name} --preset {path}\n{body}",
        name = spec.name,
        version = env!("CARGO_PKG_VERSION"),
        path = path.display(),
    );
    std::fs::write(path, text)
        .map_err(|e| Failure::runtime(format!("cannot write the preset file {}: {e}", path.display())))?;
    Ok(())
}
