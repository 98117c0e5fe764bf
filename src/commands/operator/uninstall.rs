//! `kafkactl operator uninstall`: the operator's objects (and, asked for,
//! Strimzi's CRDs), confirmed, deleted; ClusterRoles that Kafka clusters
//! still use are kept.

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::cli::operator::OperatorUninstallArgs;
use crate::cluster::apply::ObjectRef;
use crate::cluster::client::connect;
use crate::cluster::discovery::{OperatorInfo, discover};
use crate::cluster::operator::{self as api, OPERAND_CLUSTER_ROLES};
use crate::commands::shared::change::namespace;
use crate::commands::shared::operator_install::running_operator;
use crate::error::{Failure, FailureKind};
use crate::ui;
use crate::ui::output::TextOutput;

/// What `operator uninstall` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UninstallOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub deleted: Vec<ObjectRef>,
    /// ClusterRoles kept because Kafka clusters still use them.
    pub kept: Vec<String>,
    pub kafka_clusters: Vec<String>,
}

impl TextOutput for UninstallOutcome {
    fn text(&self) -> String {
        let mut out = match &self.operator {
            Some(op) => format!("Strimzi operator {op} uninstalled\n"),
            None => "no Strimzi operator was running\n".to_string(),
        };
        out.push_str(&format!(
            "deleted {} objects: {}\n",
            self.deleted.len(),
            api::kinds_summary(&self.deleted)
        ));
        if !self.kept.is_empty() {
            out.push_str(&format!(
                "kept ClusterRoles {} ({} still {} them)\n",
                self.kept.join(", "),
                kafka_clusters(self.kafka_clusters.len()),
                if self.kafka_clusters.len() == 1 { "uses" } else { "use" }
            ));
        }
        let crds_deleted = self.deleted.iter().any(|o| o.kind == "CustomResourceDefinition");
        if self.operator.is_some() && !crds_deleted && !self.kafka_clusters.is_empty() {
            out.push_str(&format!(
                "Kafka clusters {} keep running unmanaged until an operator watches their namespaces again\n",
                self.kafka_clusters.join(", ")
            ));
        }
        out
    }
}

pub(super) fn uninstall(global: &GlobalArgs, args: OperatorUninstallArgs) -> anyhow::Result<()> {
    let outcome = crate::commands::runtime()?.block_on(uninstall_live(global, &args))?;
    ui::output::print_outcome(&outcome, global.output.output)
}

async fn uninstall_live(global: &GlobalArgs, args: &OperatorUninstallArgs) -> Result<UninstallOutcome, Failure> {
    let conn = connect(&global.connection.options()).await?;
    let info = discover(&conn).await?;
    let namespace = namespace(global);
    let operator = running_operator(&info, namespace, global.connection.namespace.is_some())?;
    if operator.is_none() && !args.delete_crds {
        return Err(Failure::new(
            FailureKind::NotFound,
            "no Strimzi cluster operator runs in this cluster",
        )
        .with_hint("kafkactl operator uninstall --delete-crds removes Strimzi's CRDs that may be left"));
    }
    let kafkas = match info.api() {
        Some(api) => api::all_kafkas(&conn, api.as_str()).await?,
        None => Vec::new(),
    };
    if args.delete_crds && !kafkas.is_empty() && !args.force {
        return Err(Failure::new(
            FailureKind::Refused,
            format!(
                "{} still {} ({}); deleting the CRDs deletes them, and Strimzi then deletes their pods",
                kafka_clusters(kafkas.len()),
                if kafkas.len() == 1 { "exists" } else { "exist" },
                kafkas.join(", ")
            ),
        )
        .with_hint("delete them first (kafkactl delete NAME -n NS), or pass --force to delete the CRDs anyway"));
    }
    let mut objects = match operator {
        Some(op) => api::operator_objects(&conn, op).await?,
        None => Vec::new(),
    };
    let mut kept = Vec::new();
    if !kafkas.is_empty() && !args.delete_crds {
        objects.retain(|o| {
            let used = o.reference.kind == "ClusterRole" && OPERAND_CLUSTER_ROLES.contains(&o.reference.name.as_str());
            if used {
                kept.push(o.reference.name.clone());
            }
            !used
        });
    }
    let crds = match args.delete_crds {
        true => api::crd_objects(&conn).await?,
        false => Vec::new(),
    };
    let question = uninstall_question(operator, objects.len(), crds.len(), &kafkas);
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
    let mut deleted = api::delete_objects(&conn, &objects).await?;
    deleted.extend(api::delete_objects(&conn, &crds).await?);
    kept.sort();
    Ok(UninstallOutcome {
        operator: operator.map(|o| format!("{}/{}", o.namespace, o.name)),
        deleted,
        kept,
        kafka_clusters: kafkas,
    })
}

fn uninstall_question(operator: Option<&OperatorInfo>, objects: usize, crds: usize, kafka_names: &[String]) -> String {
    let kafkas = kafka_names.len();
    let mut question = match operator {
        Some(op) => format!(
            "uninstall the Strimzi operator {}/{} ({objects} objects)",
            op.namespace, op.name
        ),
        None => "remove Strimzi".to_string(),
    };
    if crds > 0 {
        question.push_str(&format!(" and delete {crds} Strimzi CRDs"));
        if kafkas > 0 {
            let verb = if kafkas == 1 { "exists" } else { "exist" };
            question.push_str(&format!(", with the {} that still {verb}", kafka_clusters(kafkas)));
        }
    } else if operator.is_some() && kafkas > 0 {
        // The clusters stay, but an operator is what keeps them running.
        return format!(
            "{question}? The Kafka clusters {} keep running unmanaged until an operator watches their namespaces again: nothing restarts their pods or renews their certificates.",
            kafka_names.join(", ")
        );
    }
    question.push('?');
    question
}

/// "1 Kafka cluster", "2 Kafka clusters".
fn kafka_clusters(n: usize) -> String {
    match n {
        1 => "1 Kafka cluster".to_string(),
        n => format!("{n} Kafka clusters"),
    }
}
