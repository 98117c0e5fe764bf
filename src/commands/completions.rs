//! `kafkactl completions SHELL`: a completion script from the clap
//! definitions, plus dynamic completion of cluster names (bash, zsh, fish)
//! for the NAME of commands that act on an existing cluster: the script asks
//! `kafkactl __complete-clusters`, with the -n/--context/--kubeconfig typed so far.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs};
use crate::ui;

/// Subcommands whose first argument is an existing cluster's name.
pub const CLUSTER_COMMANDS: &[&str] = &[
    "status", "scale", "restart", "upgrade", "expose", "monitor", "delete", "export", "check",
];

pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "kafkactl", &mut script);
    let script = String::from_utf8(script)?;
    ui::output::print_stdout(&with_cluster_names(args.shell, &script));
    Ok(())
}

/// clap's script with the cluster-name hook added where the shell allows it
/// (PowerShell and elvish get clap's script as it is).
pub fn with_cluster_names(shell: Shell, script: &str) -> String {
    match shell {
        Shell::Bash => format!("{script}\n{}", bash_hook()),
        Shell::Zsh => zsh_with_hook(script),
        Shell::Fish => format!("{script}\n{}", fish_hook()),
        _ => script.to_string(),
    }
}

/// A wrapper around clap's `_kafkactl` that answers NAME itself and leaves
/// everything else to clap's function; registered after clap's, so it wins.
fn bash_hook() -> String {
    format!(
        r#"# Cluster names for the NAME of {commands} (kafkactl __complete-clusters).
_kafkactl_with_clusters() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" word sub="" position=0 i
    local -a connection=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        case "$word" in
            -n|--namespace|--context|--kubeconfig) connection+=("$word" "${{COMP_WORDS[i+1]}}"); ((i++)) ;;
            --namespace=*|--context=*|--kubeconfig=*) connection+=("$word") ;;
            -o|--output|--timeout) ((i++)) ;;
            -*) ;;
            *) if [[ -z "$sub" ]]; then sub="$word"; else ((position++)); fi ;;
        esac
    done
    if [[ "$cur" != -* && $position -eq 0 ]]; then
        case "$sub" in
            {cases})
                COMPREPLY=($(compgen -W "$("${{COMP_WORDS[0]}}" "${{connection[@]}}" __complete-clusters 2>/dev/null)" -- "$cur"))
                return 0 ;;
        esac
    fi
    _kafkactl "$@"
}}
if [[ "${{BASH_VERSINFO[0]}}" -eq 4 && "${{BASH_VERSINFO[1]}}" -ge 4 || "${{BASH_VERSINFO[0]}}" -gt 4 ]]; then
    complete -F _kafkactl_with_clusters -o nosort -o bashdefault -o default kafkactl
else
    complete -F _kafkactl_with_clusters -o bashdefault -o default kafkactl
fi
"#,
        commands = CLUSTER_COMMANDS.join(", "),
        cases = CLUSTER_COMMANDS.join("|"),
    )
}

// `words` only holds the subcommand's part by now; the whole line before the
// cursor (LBUFFER) still has the connection flags given before it.
const ZSH_FUNCTION: &str = r#"# Cluster names (kafkactl __complete-clusters) with the connection flags typed so far.
_kafkactl_clusters() {
    local -a names connection typed
    local i
    typed=(${(z)LBUFFER})
    for ((i = 1; i <= ${#typed}; i++)); do
        case "${typed[i]}" in
            -n|--namespace|--context|--kubeconfig) connection+=("${typed[i]}" "${typed[i+1]}") ;;
            --namespace=*|--context=*|--kubeconfig=*) connection+=("${typed[i]}") ;;
        esac
    done
    names=(${(f)"$(kafkactl "${connection[@]}" __complete-clusters 2>/dev/null)"})
    _describe -t clusters 'Kafka cluster' names
}

"#;

/// In the `(status)`, `(scale)`, … branches of clap's script, the `name`
/// positional completes with `_kafkactl_clusters` instead of `_default`.
fn zsh_with_hook(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + ZSH_FUNCTION.len());
    let mut branch = "";
    let mut defined = false;
    for line in script.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('(').and_then(|l| l.strip_suffix(')')) {
            branch = name;
        }
        if !defined && trimmed.starts_with("if [ \"$funcstack[1]\" = \"_kafkactl\" ]") {
            out.push_str(ZSH_FUNCTION);
            defined = true;
        }
        if CLUSTER_COMMANDS.contains(&branch)
            && (trimmed.starts_with("':name -- ") || trimmed.starts_with("'::name -- "))
        {
            out.push_str(&line.replacen(":_default'", ":_kafkactl_clusters'", 1));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !defined {
        out.push_str(ZSH_FUNCTION);
    }
    out
}

fn fish_hook() -> String {
    format!(
        r#"# Cluster names for the NAME of {commands} (kafkactl __complete-clusters).
function __kafkactl_clusters
    set -l words (commandline -opc)
    set -l connection
    for i in (seq 2 (count $words))
        switch $words[$i]
            case -n --namespace --context --kubeconfig
                set -a connection $words[$i] $words[(math $i + 1)]
            case '--namespace=*' '--context=*' '--kubeconfig=*'
                set -a connection $words[$i]
        end
    end
    kafkactl $connection __complete-clusters 2>/dev/null
end
function __kafkactl_wants_cluster
    set -l words (commandline -opc)
    set -l positional
    set -l skip 0
    for word in $words[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case -n --namespace --context --kubeconfig -o --output --timeout
                set skip 1
            case '-*'
            case '*'
                set -a positional $word
        end
    end
    test (count $positional) -eq 1; and contains -- $positional[1] {commands_list}
end
complete -c kafkactl -n __kafkactl_wants_cluster -f -a "(__kafkactl_clusters)"
"#,
        commands = CLUSTER_COMMANDS.join(", "),
        commands_list = CLUSTER_COMMANDS.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: Shell) -> String {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "kafkactl", &mut out);
        with_cluster_names(shell, &String::from_utf8(out).unwrap())
    }

    #[test]
    fn bash_registers_the_wrapper_that_asks_for_cluster_names() {
        let bash = script(Shell::Bash);
        assert!(bash.contains("__complete-clusters"));
        let last_registration = bash
            .lines()
            .rev()
            .find(|l| l.trim().starts_with("complete -F"))
            .unwrap();
        assert!(
            last_registration.contains("_kafkactl_with_clusters"),
            "{last_registration}"
        );
        assert!(bash.contains("status|scale|restart|upgrade|expose|monitor|delete|export|check)"));
    }

    #[test]
    fn zsh_completes_name_with_clusters_only_where_a_cluster_exists() {
        let zsh = script(Shell::Zsh);
        assert!(zsh.contains("_kafkactl_clusters() {"));
        let hooked = zsh.matches(":_kafkactl_clusters'").count();
        assert_eq!(hooked, CLUSTER_COMMANDS.len(), "one NAME per cluster command");
        // create names a new cluster: no existing names offered there.
        let create_name = zsh
            .lines()
            .find(|l| l.contains("(a DNS label, e.g. my-cluster)"))
            .unwrap();
        assert!(create_name.ends_with(":_default' \\"), "{create_name}");
        let function = zsh.find("_kafkactl_clusters() {").unwrap();
        let dispatch = zsh.find("if [ \"$funcstack[1]\" = \"_kafkactl\" ]").unwrap();
        assert!(function < dispatch, "defined before the first call");
    }

    #[test]
    fn fish_adds_a_cluster_completion_for_name() {
        let fish = script(Shell::Fish);
        assert!(fish.contains("complete -c kafkactl -n __kafkactl_wants_cluster -f -a \"(__kafkactl_clusters)\""));
    }

    #[test]
    fn other_shells_get_clap_script_unchanged() {
        for shell in [Shell::PowerShell, Shell::Elvish] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kafkactl", &mut out);
            let clap = String::from_utf8(out).unwrap();
            assert_eq!(with_cluster_names(shell, &clap), clap);
        }
    }
}
