//! `kafkactl status NAME`: conditions, pools, listeners and addresses,
//! components and problems of one cluster, from the spec stored on it.

use crate::cli::{GlobalArgs, StatusArgs};
use crate::cluster::client::connect;
use crate::cluster::discovery::discover;
use crate::cluster::inventory::{get_kafka, stored_spec};
use crate::commands::report::cluster_report;
use crate::error::{Failure, FailureKind};
use crate::spec::DEFAULT_NAMESPACE;
use crate::ui;

pub fn run(global: &GlobalArgs, args: StatusArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let conn = connect(&global.connection).await?;
        let api = super::served_api(&discover(&conn).await?)?;
        let namespace = global.connection.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        let kafka = get_kafka(&conn, api.as_str(), namespace, &args.name)
            .await?
            .ok_or_else(|| super::not_found(&args.name, namespace))?;
        let spec = match stored_spec(&kafka) {
            Some(Ok(spec)) => spec,
            Some(Err(e)) => {
                return Err(Failure::runtime(format!(
                    "the spec stored on Kafka {} cannot be read: {e}",
                    args.name
                )));
            }
            None => {
                return Err(Failure::new(
                    FailureKind::Refused,
                    format!("Kafka {namespace}/{} was not created by kafkactl", args.name),
                )
                .with_hint(format!(
                    "kubectl -n {namespace} get kafka {} -o yaml shows it",
                    args.name
                )));
            }
        };
        cluster_report(&conn, api.as_str(), &spec).await
    })?;
    ui::output::print_outcome(&report, global.output.output)
}
