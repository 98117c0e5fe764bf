//! `kafkactl operator status`: the operators that run, what they watch, and
//! Strimzi's CRDs.

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::cluster::client::connect;
use crate::cluster::discovery::{OperatorInfo, discover};
use crate::cluster::operator::{self as api, CrdInfo};
use crate::error::{Failure, FailureKind};
use crate::ui;
use crate::ui::output::TextOutput;

/// What `operator status` shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusOutcome {
    pub operators: Vec<OperatorInfo>,
    /// Versions of kafka.strimzi.io the API server serves.
    pub served_versions: Vec<String>,
    pub crds: Vec<CrdInfo>,
}

impl TextOutput for StatusOutcome {
    fn text(&self) -> String {
        let mut out = String::new();
        for op in &self.operators {
            out.push_str(&format!(
                "Strimzi operator {}/{}\n  version:        {}\n  image:          {}\n  ready:          {}\n  \
                 watches:        {}\n  Kafka versions: {}\n",
                op.namespace,
                op.name,
                op.version.as_deref().unwrap_or("unknown"),
                op.image,
                if op.ready { "yes" } else { "no" },
                op.watches,
                op.kafka_versions.join(", ")
            ));
        }
        out.push_str(&format!(
            "\nkafka.strimzi.io serves: {}\n",
            if self.served_versions.is_empty() {
                "nothing (no CRDs)".to_string()
            } else {
                self.served_versions.join(", ")
            }
        ));
        let rows: Vec<Vec<String>> = self
            .crds
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.served.join(","),
                    c.storage.clone().unwrap_or_default(),
                    if c.established { "yes" } else { "no" }.to_string(),
                ]
            })
            .collect();
        out.push_str(&ui::output::table(&["CRD", "SERVED", "STORAGE", "ESTABLISHED"], &rows));
        out
    }
}

pub(super) fn status(global: &GlobalArgs) -> anyhow::Result<()> {
    let outcome = crate::commands::runtime()?.block_on(status_live(global))?;
    ui::output::print_outcome(&outcome, global.output.output)
}

async fn status_live(global: &GlobalArgs) -> Result<StatusOutcome, Failure> {
    let conn = connect(&global.connection.options()).await?;
    let (info, crds) = futures::try_join!(
        futures::TryFutureExt::map_err(discover(&conn), Failure::from),
        futures::TryFutureExt::map_err(api::strimzi_crds(&conn), Failure::from)
    )?;
    if info.operators.is_empty() {
        let crds_note = if crds.is_empty() {
            "and no Strimzi CRDs".to_string()
        } else {
            format!("(its {} CRDs are installed)", crds.len())
        };
        return Err(Failure::new(
            FailureKind::NotFound,
            format!("no Strimzi cluster operator runs in this cluster {crds_note}"),
        )
        .with_hint("install one: kafkactl operator install --version X.Y.Z (or --from the release's install/cluster-operator/)"));
    }
    Ok(StatusOutcome {
        operators: info.operators,
        served_versions: info.served_versions,
        crds,
    })
}
