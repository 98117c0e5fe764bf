//! `kafkactl monitor NAME uninstall`: monitoring turned off in the stored
//! spec and applied; the Prometheus volume goes only when confirmed.

use serde::Serialize;

use super::install::refuse_while_exposed;
use crate::actions::LoadedCluster;
use crate::actions::change::{guard_change, validated};
use crate::actions::lock::lock_loaded;
use crate::cli::GlobalArgs;
use crate::cli::monitor::UninstallArgs;
use crate::cluster::apply::{ApplyLog, ObjectRef};
use crate::cluster::prometheus_query::{self};
use crate::commands::shared::change::{ChangeOptions, apply_change, confirm_change, load_cluster};
use crate::error::Failure;
use crate::spec::names::{self};
use crate::ui;
use crate::ui::output::TextOutput;

/// What `monitor uninstall` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UninstallOutcome {
    pub cluster: String,
    pub namespace: String,
    /// Monitoring was on before.
    pub was_installed: bool,
    pub deleted: Vec<ObjectRef>,
    /// What became of the Prometheus volume claim.
    pub volume: VolumeFate,
    pub volume_claim: String,
}

crate::result_word! {
    /// What `monitor uninstall` did with Prometheus' volume.
    pub enum VolumeFate {
        Kept => "kept",
        Deleted => "deleted",
        Absent => "absent",
    }
}

impl TextOutput for UninstallOutcome {
    fn text(&self) -> String {
        let mut out = if self.was_installed {
            format!("Monitoring of {}/{} is uninstalled.\n", self.namespace, self.cluster)
        } else {
            format!(
                "Monitoring of {}/{} was not installed; nothing to remove.\n",
                self.namespace, self.cluster
            )
        };
        for object in &self.deleted {
            out.push_str(&format!("  {object} deleted\n"));
        }
        match self.volume {
            VolumeFate::Kept => out.push_str(&format!(
                "Volume {} is kept (its samples come back with `monitor install`); --delete-data deletes it.\n",
                self.volume_claim
            )),
            VolumeFate::Deleted => out.push_str(&format!("Volume {} is deleted.\n", self.volume_claim)),
            VolumeFate::Absent => {}
        }
        out
    }
}

pub(super) async fn uninstall(
    global: &GlobalArgs,
    name: &str,
    args: &UninstallArgs,
    log: &ApplyLog,
) -> anyhow::Result<UninstallOutcome> {
    let loaded = load_cluster(global, name).await?;
    let claim = names::prometheus_data_claim(&loaded.spec.name);
    refuse_while_exposed(&loaded.spec)?;
    if args.delete_data {
        confirm_delete_data(global, &loaded, &claim)?;
    }
    let was_installed = loaded.spec.prometheus.enabled;
    let mut spec = loaded.spec.clone();
    spec.prometheus.enabled = false;
    validated(&spec)?;
    let verdict = guard_change(&loaded.conn, loaded.api, &loaded.spec, &spec).await?;
    confirm_change(global, &loaded.spec.name, &verdict)?;
    lock_loaded(&loaded, "monitor uninstall").await?;
    let options = ChangeOptions {
        force_conflicts: false,
        no_wait: args.no_wait,
        prune: true,
    };
    let change = apply_change(global, &loaded, &spec, options, log).await?;
    let volume = match args.delete_data {
        false => VolumeFate::Kept,
        true => match prometheus_query::delete_prometheus_volume(&loaded.conn, &spec).await? {
            true => VolumeFate::Deleted,
            false => VolumeFate::Absent,
        },
    };
    Ok(UninstallOutcome {
        cluster: spec.name.clone(),
        namespace: spec.namespace.clone(),
        was_installed,
        deleted: change.pruned,
        volume,
        volume_claim: claim,
    })
}

/// Deleting samples cannot be undone: ask, or require `--yes`.
fn confirm_delete_data(global: &GlobalArgs, loaded: &LoadedCluster, claim: &str) -> Result<(), Failure> {
    let question =
        format!("--delete-data: delete Prometheus' volume {claim} and every sample on it? This cannot be undone");
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes").map_err(|refused| {
        refused
            .with_hint(format!(
                "to delete it: kafkactl monitor {} uninstall -n {} --delete-data --yes",
                loaded.spec.name, loaded.spec.namespace
            ))
            .with_hint("run without --delete-data to remove monitoring and keep the volume")
    })
}
