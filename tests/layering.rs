//! The layering rules of issue 18, read from the sources: a command module
//! never imports another command module (shared plumbing lives in
//! `commands::shared`, which is not a command), and the layers below the
//! commands never see a clap type or a command.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The module that shares plumbing between commands; not a command itself.
const SHARED: &str = "shared";

/// The layers below the commands: plain values in and out; no clap types, no
/// commands, no printing (`ui` is where users see things).
const LOWER_LAYERS: &[&str] = &["actions", "check", "cluster", "operator", "render", "spec"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The command modules: `src/commands/<name>.rs` and `src/commands/<name>/`.
fn command_modules(commands: &Path) -> BTreeSet<String> {
    fs::read_dir(commands)
        .expect("src/commands is readable")
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let name = path.file_stem()?.to_str()?.to_string();
            (name != "mod").then_some(name)
        })
        .collect()
}

/// Where a file sits under `src/commands`: its command module (None for
/// `commands/mod.rs`) and how many `super::` lead from it to `commands`.
fn position(commands: &Path, file: &Path) -> (Option<String>, usize) {
    let relative: Vec<String> = file
        .strip_prefix(commands)
        .expect("under src/commands")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match relative.as_slice() {
        [only] if only == "mod.rs" => (None, 0),
        [only] => (Some(only.trim_end_matches(".rs").to_string()), 1),
        [dir, rest @ ..] => {
            // `commands/x/mod.rs` is module x (one `super::` up); every directory
            // level below it is one more.
            let below = rest.len() - usize::from(rest.last().is_some_and(|f| f == "mod.rs"));
            (Some(dir.clone()), 1 + below)
        }
        [] => (None, 0),
    }
}

/// The names a path leads to right after `prefix`: `prefix::name` and every
/// first name of `prefix::{a, b::c}`.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let preceded_by_path =
            rest[..at].ends_with("::") || rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        rest = &rest[at + prefix.len()..];
        if preceded_by_path {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let first = item.trim().split("::").next().unwrap_or_default().trim();
                if !first.is_empty() {
                    names.push(first.to_string());
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            names.push(name);
        }
    }
    names
}

/// Every use of another command module by a file of `src/commands`.
fn cross_command_imports(commands: &Path) -> Vec<String> {
    let modules = command_modules(commands);
    let mut found = Vec::new();
    for file in rust_files(commands) {
        let text = fs::read_to_string(&file).expect("readable source");
        let (own, depth) = position(commands, &file);
        let to_commands = "super::".repeat(depth);
        let mut targets = names_after(&text, "crate::commands::");
        if depth > 0 {
            // `super::super::x` from depth 1 is not commands; only the exact depth is.
            targets.extend(names_after(&text, &to_commands).into_iter().filter(|n| n != "super"));
        }
        for target in targets {
            let is_command = modules.contains(&target) && target != SHARED;
            if is_command && own.as_deref() != Some(target.as_str()) {
                found.push(format!(
                    "{} uses command module `{target}`",
                    file.strip_prefix(src()).unwrap_or(&file).display()
                ));
            }
        }
    }
    found
}

#[test]
fn no_command_module_imports_another_command_module() {
    let found = cross_command_imports(&src().join("commands"));
    assert!(
        found.is_empty(),
        "command modules must not import one another; move what they share to commands::shared \
         (plumbing) or below the commands (decisions):\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_layers_below_the_commands_see_no_clap_type_no_command_and_no_ui() {
    let mut found = Vec::new();
    for layer in LOWER_LAYERS {
        for file in rust_files(&src().join(layer)) {
            let text = fs::read_to_string(&file).expect("readable source");
            for forbidden in ["crate::cli", "crate::commands", "clap::", "crate::ui"] {
                if text.contains(forbidden) {
                    found.push(format!(
                        "{} uses {forbidden}",
                        file.strip_prefix(src()).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "layers below the commands take plain values:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn only_cluster_calls_the_api_server() {
    let mut found = Vec::new();
    for file in rust_files(&src().join("commands"))
        .into_iter()
        .chain(rust_files(&src().join("actions")))
    {
        let text = fs::read_to_string(&file).expect("readable source");
        for call in [
            "kube::Api",
            "Api::namespaced",
            "Api::all",
            "Api<",
            "kube::Client",
            ".client.clone()",
        ] {
            if text.contains(call) {
                found.push(format!(
                    "{} uses {call}",
                    file.strip_prefix(src()).unwrap_or(&file).display()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "API calls belong in src/cluster/ (one place for retries, watches and field managers):\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_import_check_sees_each_way_of_naming_a_command_module() {
    let text = "use super::create::x;\nuse super::{scale, shared::y};\nlet a = crate::commands::check::run();\nuse crate::spec::create::z;";
    assert_eq!(names_after(text, "super::"), vec!["create", "scale", "shared"]);
    assert_eq!(names_after(text, "crate::commands::"), vec!["check"]);
    let commands = src().join("commands");
    assert_eq!(position(&commands, &commands.join("mod.rs")), (None, 0));
    assert_eq!(
        position(&commands, &commands.join("scale.rs")),
        (Some("scale".into()), 1)
    );
    assert_eq!(
        position(&commands, &commands.join("create/mod.rs")),
        (Some("create".into()), 1)
    );
    assert_eq!(
        position(&commands, &commands.join("create/wizard.rs")),
        (Some("create".into()), 2)
    );
}
