//! The wizard's side of `create`: whether it runs, what the cluster offers
//! (read best effort before asking), the plan and the confirmation at the end;
//! and `--save-preset`, which writes the final spec as a preset file.

use std::time::Duration;

use crate::cli::{CreateArgs, DryRun, GlobalArgs};
use crate::cluster::client::connect;
use crate::cluster::discovery::discover;
use crate::cluster::facts::storage_class_fact;
use crate::cluster::volumes::storage_classes;
use crate::error::Failure;
use crate::spec::preset::DEFAULT_PRESET;
use crate::ui;
use crate::ui::wizard::{Answers, ClusterOffer, Step};

/// Reading what the cluster offers must not hold the first question up long.
const OFFER_TIMEOUT: Duration = Duration::from_secs(5);

/// The create arguments to run with: unchanged when nothing is missing,
/// else completed by the wizard (on a terminal) or refused naming what to pass.
pub fn complete(global: &GlobalArgs, args: CreateArgs) -> anyhow::Result<(GlobalArgs, CreateArgs)> {
    if args.name.is_some() && !args.interactive {
        return Ok((global.clone(), args));
    }
    if let Some(reason) = ui::terminal::prompts_off_reason(global.prompt.no_input) {
        return Err(refusal(&args, reason).into());
    }
    let offer = match args.dry_run {
        Some(DryRun::Client) => ClusterOffer::default(),
        _ => read_offer(global),
    };
    let start = Answers {
        name: args.name.clone().unwrap_or_default(),
        preset: args.preset.clone().unwrap_or_else(|| DEFAULT_PRESET.to_string()),
        namespace: global.connection.namespace.clone(),
        spec: args.spec.clone(),
        served_api: offer.served_api,
    };
    let answers = ui::wizard::ask(start, &given(global, &args), args.interactive, &offer)?;
    let (spec, _) = answers.build().map_err(Failure::usage)?;
    crate::eprint_safe!("\n{}", ui::wizard::plan_text(&spec, &answers.preset));
    crate::eprintln_safe!("\nThe same without the wizard:\n  {}\n", answers.command_line());
    if args.dry_run.is_none() && !global.prompt.yes {
        let question = format!("Create cluster {} in namespace {}?", spec.name, spec.namespace);
        if !ui::prompts::confirm(&question, "--yes", true)? {
            return Err(ui::prompts::not_confirmed().into());
        }
    }
    let mut global = global.clone();
    global.connection.namespace = answers.namespace;
    let mut args = args;
    args.name = Some(answers.name);
    args.preset = Some(answers.preset);
    args.spec = answers.spec;
    Ok((global, args))
}

/// Prompts are off: a usage error naming what to pass instead.
fn refusal(args: &CreateArgs, reason: &str) -> Failure {
    if args.interactive {
        return Failure::usage(format!(
            "--interactive needs a terminal, and prompts are off ({reason})"
        ))
        .with_hint("leave --interactive out and answer with flags: kafkactl create NAME --preset P [--brokers N ...]");
    }
    Failure::usage(format!(
        "the cluster name is missing, and the wizard cannot ask for it: prompts are off ({reason})"
    ))
    .with_hint("pass NAME as the first argument: kafkactl create my-cluster (kafkactl create --help lists the flags for the other answers)")
}

/// The questions whose flags were given (skipped unless `--interactive`).
fn given(global: &GlobalArgs, args: &CreateArgs) -> Vec<Step> {
    let s = &args.spec;
    [
        (Step::Name, args.name.is_some()),
        (Step::Preset, args.preset.is_some()),
        (Step::Namespace, global.connection.namespace.is_some()),
        (Step::Metadata, s.metadata.is_some()),
        (Step::Brokers, s.brokers.is_some()),
        (Step::Controllers, s.controllers.is_some()),
        (Step::Zookeepers, s.zookeepers.is_some()),
        (Step::Cpu, s.cpu.is_some()),
        (Step::Memory, s.memory.is_some()),
        (Step::Heap, s.heap.is_some()),
        (Step::Storage, s.ephemeral),
        (Step::StorageSize, s.storage_size.is_some()),
        (Step::StorageClass, s.storage_class.is_some()),
        (Step::Exposure, !s.listeners.is_empty()),
        (Step::Monitoring, s.no_monitoring),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(step, _)| step)
    .collect()
}

/// The Strimzi API and StorageClasses of the cluster; nothing (with a note)
/// when it cannot be reached, and the wizard asks for a class by name.
fn read_offer(global: &GlobalArgs) -> ClusterOffer {
    let read = async {
        let conn = connect(&global.connection.options()).await?;
        let (info, classes) = futures::try_join!(discover(&conn), storage_classes(&conn))?;
        let mut classes: Vec<(String, bool)> = classes
            .iter()
            .map(storage_class_fact)
            .map(|c| (c.name, c.default))
            .collect();
        classes.sort();
        Ok::<_, Failure>(ClusterOffer {
            served_api: info.api(),
            storage_classes: classes,
        })
    };
    let result = crate::commands::runtime()
        .map_err(|e| e.to_string())
        .and_then(|runtime| {
            runtime
                .block_on(async { tokio::time::timeout(OFFER_TIMEOUT, read).await })
                .map_err(|_| "no answer in time".to_string())
                .and_then(|r| r.map_err(|f| f.message))
        });
    result.unwrap_or_else(|why| {
        crate::eprintln_safe!("note: the cluster cannot be read ({why}); StorageClasses are typed, not offered");
        ClusterOffer::default()
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::error::FailureKind;

    fn parse(args: &[&str]) -> (GlobalArgs, CreateArgs) {
        let cli = Cli::try_parse_from(args).unwrap();
        match cli.command {
            Command::Create(create) => (cli.global, *create),
            other => panic!("not create: {other:?}"),
        }
    }

    #[test]
    fn flags_given_are_questions_answered() {
        let (global, args) = parse(&["kafkactl", "-n", "team", "create", "--brokers", "5", "--ephemeral"]);
        let steps = given(&global, &args);
        assert_eq!(steps, vec![Step::Namespace, Step::Brokers, Step::Storage]);
    }

    #[test]
    fn nothing_missing_and_not_interactive_leaves_the_arguments_alone() {
        let (global, args) = parse(&["kafkactl", "create", "c1", "--preset", "dev"]);
        let (_, args) = complete(&global, args).unwrap();
        assert_eq!(args.name.as_deref(), Some("c1"));
    }

    #[test]
    fn no_input_without_a_name_is_a_usage_error_naming_name() {
        let (global, args) = parse(&["kafkactl", "--no-input", "create"]);
        let error = complete(&global, args).unwrap_err();
        let failure = error.downcast_ref::<Failure>().unwrap();
        assert_eq!(failure.kind, FailureKind::Usage);
        assert!(failure.message.contains("--no-input was given"), "{}", failure.message);
        assert!(failure.hints[0].contains("pass NAME"), "{:?}", failure.hints);
    }
}
