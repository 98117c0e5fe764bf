//! `kafkactl status NAME`: conditions, pools, listeners and addresses,
//! components and problems of one cluster, from the spec stored on it.

use super::shared::change::load_cluster;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::cluster::report::cluster_report;
use crate::ui;

pub fn run(global: &GlobalArgs, args: StatusArgs) -> anyhow::Result<()> {
    let runtime = super::runtime()?;
    let report = runtime.block_on(async {
        let loaded = load_cluster(global, &args.name).await?;
        let mut report = cluster_report(&loaded.conn, loaded.api.as_str(), &loaded.spec).await?;
        if loaded.info.operator_for(&loaded.spec.namespace).is_none() {
            report.unmanaged = Some(format!(
                "no Strimzi operator watches namespace {}, so nothing reconciles this cluster \
                 (kafkactl operator install --watch {} fixes it)",
                loaded.spec.namespace, loaded.spec.namespace
            ));
        }
        Ok::<_, crate::error::Failure>(report)
    })?;
    ui::output::print_outcome(&report, global.output.output)
}
