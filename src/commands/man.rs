//! `kafkactl man [--out DIR]`: man pages generated from the clap definitions,
//! so they never disagree with `--help`.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::ui;

pub fn run(args: ManArgs) -> anyhow::Result<()> {
    let command = Cli::command();
    match &args.out {
        None => {
            ui::output::print_stdout(&String::from_utf8_lossy(&page(&command)?));
            Ok(())
        }
        Some(dir) => {
            let written = write_all(&command, dir)?;
            crate::eprintln_safe!("wrote {} man pages to {}", written.len(), dir.display());
            Ok(())
        }
    }
}

/// Every page: `kafkactl.1`, then `kafkactl-<sub>.1` for each visible
/// subcommand and nested subcommand (`kafkactl-operator-install.1`).
/// Returns the file names written.
pub fn write_all(command: &clap::Command, dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut command = command.clone();
    command.build();
    let mut written = Vec::new();
    write_tree(&command, dir, &mut written)?;
    Ok(written)
}

/// After `build()`, clap gives each subcommand the display name
/// `kafkactl-operator-install`, which is also the page's name.
fn write_tree(command: &clap::Command, dir: &Path, written: &mut Vec<String>) -> anyhow::Result<()> {
    let file = format!("{}.1", command.get_display_name().unwrap_or_else(|| command.get_name()));
    let path = dir.join(&file);
    std::fs::write(&path, page(command)?).with_context(|| format!("cannot write {}", path.display()))?;
    written.push(file);
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        write_tree(sub, dir, written)?;
    }
    Ok(())
}

/// One page in roff.
pub fn page(command: &clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut buffer)?;
    Ok(buffer)
}
