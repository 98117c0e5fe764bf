//! `kafkactl presets list|show`: discover the built-in presets.

use serde::Serialize;

use crate::cli::{GlobalArgs, OutputFormat, PresetsCommand};
use crate::spec::preset::{self, BUILTIN_PRESETS, DEFAULT_PRESET};
use crate::ui::output::{TextOutput, print_outcome, print_stdout, table};

#[derive(Debug, Serialize)]
pub struct PresetSummary {
    pub name: String,
    pub description: String,
    pub default: bool,
    pub metadata: String,
    #[serde(rename = "strimziApi")]
    pub strimzi_api: String,
    pub brokers: i32,
}

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct PresetList(pub Vec<PresetSummary>);

impl TextOutput for PresetList {
    fn text(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .0
            .iter()
            .map(|p| {
                let name = if p.default {
                    format!("{} (default)", p.name)
                } else {
                    p.name.clone()
                };
                vec![
                    name,
                    p.metadata.clone(),
                    p.strimzi_api.clone(),
                    p.brokers.to_string(),
                    p.description.clone(),
                ]
            })
            .collect();
        table(&["NAME", "METADATA", "API", "BROKERS", "DESCRIPTION"], &rows)
    }
}

pub fn run(global: &GlobalArgs, command: PresetsCommand) -> anyhow::Result<()> {
    match command {
        PresetsCommand::List => print_outcome(&list()?, global.output.output),
        PresetsCommand::Show { name } => show(&name, global.output.output),
    }
}

fn list() -> anyhow::Result<PresetList> {
    let mut out = Vec::new();
    for p in BUILTIN_PRESETS {
        let spec = preset::resolve(&preset::find(p.name)?)?;
        out.push(PresetSummary {
            name: p.name.to_string(),
            description: p.description.to_string(),
            default: p.name == DEFAULT_PRESET,
            metadata: spec.metadata.as_str().to_string(),
            strimzi_api: spec.strimzi_api.as_str().to_string(),
            brokers: spec.broker_count(),
        });
    }
    Ok(PresetList(out))
}

/// The preset file as shipped (text, with its comments), or parsed as JSON/YAML.
fn show(name: &str, format: OutputFormat) -> anyhow::Result<()> {
    let builtin = preset::builtin(name).ok_or_else(|| preset::unknown(name))?;
    match format {
        OutputFormat::Text | OutputFormat::Yaml => print_stdout(builtin.yaml),
        OutputFormat::Json => {
            let tree = preset::parse(&preset::find(builtin.name)?)?;
            print_stdout(&format!("{}\n", serde_json::to_string_pretty(&tree)?));
        }
    }
    Ok(())
}
