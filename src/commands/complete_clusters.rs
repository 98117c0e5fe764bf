//! `kafkactl __complete-clusters` (hidden): the names of the Kafka clusters in
//! the current namespace, one per line, for shell completion. A shell waits
//! on it while the user presses Tab, so it is fast and silent: a short
//! timeout, and any failure prints nothing and still exits 0.

use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::cluster::client::connect;
use crate::cluster::discovery::discover;
use crate::cluster::inventory::list_kafkas;
use crate::spec::DEFAULT_NAMESPACE;
use crate::ui;

/// Longer than this and the shell would feel stuck; no names is better.
const COMPLETION_TIMEOUT: Duration = Duration::from_secs(2);

pub fn run(global: &GlobalArgs) -> anyhow::Result<()> {
    let Ok(runtime) = super::runtime() else {
        return Ok(());
    };
    let names = runtime
        .block_on(async {
            tokio::time::timeout(COMPLETION_TIMEOUT.min(global.connection.timeout), names(global)).await
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut out = String::new();
    for name in names {
        out.push_str(&name);
        out.push('\n');
    }
    ui::output::print_stdout(&out);
    Ok(())
}

async fn names(global: &GlobalArgs) -> Option<Vec<String>> {
    let conn = connect(&global.connection.options()).await.ok()?;
    let api = crate::actions::served_api(&discover(&conn).await.ok()?).ok()?;
    let namespace = global.connection.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
    let kafkas = list_kafkas(&conn, api.as_str(), Some(namespace)).await.ok()?;
    let mut names: Vec<String> = kafkas
        .iter()
        .filter_map(|k| k["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    Some(names)
}
