//! kafkactl's model of a Kafka cluster: the `ClusterSpec`, the presets it is
//! built from, the flags that override them, and `validate()`. Pure: no I/O
//! except reading a preset file the user names.

pub mod changes;
pub mod exposure_change;
pub mod guards;
pub mod migration;
pub mod model;
pub mod names;
pub mod overrides;
pub mod preset;
pub mod problem;
pub mod quantity;
pub mod scaling;
pub mod validate;
pub mod versions;

pub use model::*;
pub use overrides::SpecOverrides;
pub use problem::{Problem, Report};
pub use validate::validate;

/// The spec a command works on: the preset merged over the defaults, the
/// flags over the preset, and the name. The report holds the flag problems
/// and everything `validate()` finds.
pub fn build(
    name: &str,
    preset_name: &str,
    overrides: &SpecOverrides,
) -> Result<(ClusterSpec, Report), preset::PresetError> {
    let source = preset::find(preset_name)?;
    let mut spec = preset::resolve(&source)?;
    spec.name = name.to_string();
    let mut report = overrides.apply(&mut spec);
    report.extend(validate(&spec));
    Ok((spec, report))
}

/// The spec of a change to an existing cluster (`create --update` without
/// `--preset`): the stored spec with the flags over it, so that what earlier
/// changes set stays set. The report holds the flag problems and everything
/// `validate()` finds.
pub fn build_over(stored: &ClusterSpec, overrides: &SpecOverrides) -> (ClusterSpec, Report) {
    let mut spec = stored.clone();
    let mut report = overrides.apply(&mut spec);
    report.extend(validate(&spec));
    (spec, report)
}
