//! The command surface around the commands: shell completion of cluster
//! names against the fake, man pages for every visible subcommand, and no
//! colour off a terminal or with `NO_COLOR`.

use std::process::Command as Process;

use clap::CommandFactory;
use fake_kube::StrimziRelease;
use serde_json::json;

use crate::common::{Env, env, output_text};
use crate::wizard::Terminal;

fn put_kafka(env: &Env, namespace: &str, name: &str) {
    let store = env.fake.store();
    if store.get("v1", "Namespace", None, namespace).is_none() {
        store
            .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}))
            .unwrap();
    }
    store
        .put(json!({
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "Kafka",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"kafka": {"listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": false}]}},
        }))
        .unwrap();
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn complete_clusters_prints_the_names_of_the_namespace() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["*"]).start();
    for (ns, name) in [("kafka", "beta"), ("kafka", "alpha"), ("other", "gamma")] {
        put_kafka(&env, ns, name);
    }
    let out = env.kafkactl().arg("__complete-clusters").output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(stdout(&out), "alpha\nbeta\n");
    let out = env
        .kafkactl()
        .args(["-n", "other", "__complete-clusters"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "gamma\n");
}

/// Run bash's completion for `words` (the last one being completed) with the
/// script `kafkactl completions bash` prints, as bash would on Tab.
fn bash_complete(env: &Env, script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{script}'\nCOMP_WORDS=('{bin}' {words})\nCOMP_CWORD={cword}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n_kafkactl_with_clusters '{bin}' '{cur}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = script.display(),
        bin = bin.display(),
        words = quoted.join(" "),
        cword = words.len(),
        cur = words.last().unwrap(),
        prev = words.get(words.len().wrapping_sub(2)).copied().unwrap_or("kafkactl"),
    );
    let out = Process::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .env("KAFKACTL_KUBECONFIG", env.fake.kubeconfig_path())
        .env_remove("KAFKACTL_NAMESPACE")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_cluster_names_from_the_cluster_for_commands_that_take_one() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["*"]).start();
    for (ns, name) in [
        ("kafka", "alpha"),
        ("kafka", "alps"),
        ("kafka", "beta"),
        ("other", "gamma"),
    ] {
        put_kafka(&env, ns, name);
    }
    let out = env.kafkactl().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let script_text = stdout(&out);
    assert!(script_text.contains("__complete-clusters"), "the hook is in the script");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kafkactl.bash");
    std::fs::write(&script, script_text).unwrap();

    assert_eq!(
        bash_complete(&env, &script, &["status", ""]),
        vec!["alpha", "alps", "beta"]
    );
    assert_eq!(bash_complete(&env, &script, &["delete", "al"]), vec!["alpha", "alps"]);
    assert_eq!(
        bash_complete(&env, &script, &["-n", "other", "scale", ""]),
        vec!["gamma"]
    );
    // create names a new cluster, and options stay clap's.
    assert!(!bash_complete(&env, &script, &["create", "a"]).contains(&"alpha".to_string()));
    assert!(bash_complete(&env, &script, &["status", "--nam"]).contains(&"--namespace".to_string()));
}

/// Completions fish offers for `line`, with the script `kafkactl completions fish` prints.
fn fish_complete(env: &Env, script: &std::path::Path, line: &str) -> Vec<String> {
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Process::new("fish")
        .args(["--no-config", "-c"])
        .arg(format!("source '{}'; complete -C '{line}'", script.display()))
        .env("PATH", path)
        .env("KAFKACTL_KUBECONFIG", env.fake.kubeconfig_path())
        .env_remove("KAFKACTL_NAMESPACE")
        .env_remove("KUBECONFIG")
        .current_dir(script.parent().unwrap())
        .output()
        .expect("fish runs (Debian package fish; .ci/run installs it)");
    assert!(out.status.success(), "{}", output_text(&out));
    stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn fish_and_zsh_complete_cluster_names_from_the_cluster() {
    let env = env(StrimziRelease::V1_2_0).operator_watching(&["*"]).start();
    for (ns, name) in [("kafka", "alpha"), ("kafka", "beta"), ("other", "gamma")] {
        put_kafka(&env, ns, name);
    }
    let dir = tempfile::tempdir().unwrap();
    let script = |shell: &str| {
        let out = env.kafkactl().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{}", output_text(&out));
        let path = dir.path().join(format!("kafkactl.{shell}"));
        std::fs::write(&path, &out.stdout).unwrap();
        path
    };
    let fish = script("fish");
    assert_eq!(fish_complete(&env, &fish, "kafkactl status "), vec!["alpha", "beta"]);
    assert_eq!(fish_complete(&env, &fish, "kafkactl -n other delete "), vec!["gamma"]);
    assert!(!fish_complete(&env, &fish, "kafkactl create ").contains(&"alpha".to_string()));
    assert!(!fish_complete(&env, &fish, "kafkactl status alpha ").contains(&"beta".to_string()));

    // zsh completes on Tab in a real terminal, after compinit.
    let zsh = script("zsh");
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let run = dir.path().join("zsh.sh");
    std::fs::write(
        &run,
        format!(
            "unset KAFKACTL_NAMESPACE KUBECONFIG CI\nexport PATH='{}':\"$PATH\" KAFKACTL_KUBECONFIG='{}' TERM=xterm\nexec zsh -f\n",
            bin.parent().unwrap().display(),
            env.fake.kubeconfig_path().display()
        ),
    )
    .unwrap();
    let term = Terminal::start(dir.path(), &run);
    term.answer(&format!(
        "autoload -U compinit && compinit -u && source '{}' && echo comp''init-done",
        zsh.display()
    ));
    term.wait_for("compinit-done");
    term.send(&["-l", "kafkactl -n other scale "]);
    term.send(&["Tab"]);
    let screen = term.wait_for("kafkactl -n other scale gamma");
    assert!(!screen.contains("alpha"), "{screen}");
}

#[test]
fn man_writes_a_page_per_visible_subcommand_mentioning_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::common::kafkactl()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let root = std::fs::read_to_string(dir.path().join("kafkactl.1")).unwrap();
    assert!(root.contains(".TH kafkactl"), "{root}");
    let mut checked = 0;
    let command = kafkactl::cli::Cli::command();
    let mut pending: Vec<(String, &clap::Command)> = command
        .get_subcommands()
        .map(|s| (format!("kafkactl-{}", s.get_name()), s))
        .collect();
    while let Some((page_name, sub)) = pending.pop() {
        if sub.is_hide_set() {
            assert!(
                !dir.path().join(format!("{page_name}.1")).exists(),
                "no page for hidden {page_name}"
            );
            continue;
        }
        let page = std::fs::read_to_string(dir.path().join(format!("{page_name}.1")))
            .unwrap_or_else(|e| panic!("{page_name}.1: {e}"));
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(page.contains(&roff), "{page_name}.1 mentions --{long}");
            }
        }
        checked += 1;
        pending.extend(
            sub.get_subcommands()
                .map(|s| (format!("{page_name}-{}", s.get_name()), s)),
        );
    }
    assert!(checked >= 20, "every subcommand and nested one has a page ({checked})");
}

/// Escape sequences (colour, cursor movement) in the output.
fn has_ansi(out: &std::process::Output) -> bool {
    out.stdout.contains(&0x1b) || out.stderr.contains(&0x1b)
}

#[test]
fn no_colour_off_a_terminal_or_with_no_color() {
    let env = env(StrimziRelease::V1_2_0).start();
    for no_color in [true, false] {
        let run = |args: &[&str]| {
            let mut cmd = env.kafkactl();
            if !no_color {
                cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
            }
            cmd.args(args).output().unwrap()
        };
        let failing = run(&["status", "missing"]);
        assert_eq!(failing.status.code(), Some(3), "{}", output_text(&failing));
        assert!(!has_ansi(&failing), "NO_COLOR={no_color}: {:?}", failing.stderr);
        let check = run(&["check", "--preset", "production", "--brokers", "9"]);
        assert!(!check.stdout.is_empty(), "{}", output_text(&check));
        assert!(!has_ansi(&check), "NO_COLOR={no_color}: {}", output_text(&check));
        // Symbols only on terminals: words in pipes and logs.
        let text = output_text(&check);
        assert!(!text.contains(['✓', '✗', '…']), "{text}");
        assert!(text.contains("FAIL nodes for pool brokers"), "{text}");
    }
}

#[test]
fn no_color_is_honoured_on_a_terminal_too() {
    let env = env(StrimziRelease::V1_2_0).start();
    let screen_of = |no_color: &str| {
        let dir = tempfile::tempdir().unwrap();
        let bin = assert_cmd::cargo::cargo_bin("kafkactl");
        let script = dir.path().join("run.sh");
        std::fs::write(
            &script,
            format!(
                "unset CI NO_COLOR CLICOLOR CLICOLOR_FORCE\n{no_color}export TERM=xterm-256color\n'{}' --kubeconfig '{}' status missing\necho done-$?\nexec sleep 600\n",
                bin.display(),
                env.fake.kubeconfig_path().display()
            ),
        )
        .unwrap();
        let term = Terminal::start(dir.path(), &script);
        term.wait_for("done-3");
        term.screen_with_escapes()
    };
    let coloured = screen_of("");
    assert!(coloured.contains('\x1b'), "a terminal gets colour: {coloured:?}");
    let plain = screen_of("export NO_COLOR=1\n");
    assert!(plain.contains("not found"), "{plain}");
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
}

#[test]
fn a_terminal_gets_symbols_and_a_pipe_gets_words() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let script = dir.path().join("run.sh");
    std::fs::write(
        &script,
        format!(
            "unset CI\nexport NO_COLOR=1 TERM=xterm-256color\n'{bin}' --kubeconfig '{cfg}' check --brokers 9\necho done-$?\n\
             '{bin}' --kubeconfig '{cfg}' check --brokers 9 | cat\necho piped-$?\nexec sleep 600\n",
            bin = bin.display(),
            cfg = env.fake.kubeconfig_path().display()
        ),
    )
    .unwrap();
    let term = Terminal::start(dir.path(), &script);
    let screen = term.wait_for("piped-");
    let (on_terminal, piped) = screen.split_once("done-4").unwrap_or_else(|| panic!("{screen}"));
    assert!(on_terminal.contains("✗ nodes for pool brokers"), "{on_terminal}");
    assert!(on_terminal.contains("✓ API server"), "{on_terminal}");
    assert!(piped.contains("FAIL nodes for pool brokers"), "{piped}");
    // (stderr is still the terminal there: its hint may show the symbol)
    assert!(!piped.contains("✗ nodes for pool brokers"), "{piped}");
}

/// Runs kafkactl with stdout and stderr connected to pipes whose reading ends are already
/// closed (`kafkactl … 2>&1 | head -0`), and returns its exit code.
fn exit_code_with_closed_pipes(env: &Env, args: &[&str]) -> Option<i32> {
    use std::os::fd::AsRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills both descriptors; the read end is closed at once.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is an open descriptor this process owns from here on.
    let write_end = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) };
    let stderr = write_end.try_clone().unwrap();
    assert!(write_end.as_raw_fd() >= 0);
    let status = Process::new(assert_cmd::cargo::cargo_bin("kafkactl"))
        .arg("--kubeconfig")
        .arg(env.fake.kubeconfig_path())
        .args(args)
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(write_end)
        .stderr(stderr)
        .status()
        .unwrap();
    status.code()
}

/// A closed stdout or stderr ends nothing in a panic (exit 101): the command runs to its end
/// and exits with the code it would have had.
#[test]
fn a_closed_stdout_and_stderr_never_panic() {
    let env = env(StrimziRelease::V1_2_0).start();
    let created = exit_code_with_closed_pipes(&env, &["create", "piped", "--preset", "dev", "--skip-checks"]);
    assert_eq!(created, Some(0), "create with closed pipes");
    assert!(env.kafka("piped").is_some(), "the cluster was created all the same");
    let refused = exit_code_with_closed_pipes(&env, &["scale", "piped", "--brokers", "0"]);
    assert_eq!(refused, Some(2), "a usage error keeps its exit code");
    let missing = exit_code_with_closed_pipes(&env, &["status", "nope"]);
    assert_eq!(missing, Some(3), "not found keeps its exit code");
}

/// A bad value from an environment variable names the variable, not only the flag it
/// stands for; a malformed KAFKACTL_TIMEOUT leaves the commands that never wait alone.
#[test]
fn bad_environment_variables_are_named_and_spare_commands_that_do_not_use_them() {
    let out = crate::common::kafkactl()
        .env("KAFKACTL_OUTPUT", "xml")
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("environment variable KAFKACTL_OUTPUT=\"xml\" is not a valid --output")
            && stderr.contains("text, json, yaml"),
        "{stderr}"
    );

    let out = crate::common::kafkactl()
        .env("KAFKACTL_TIMEOUT", "soon")
        .args(["presets", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("production"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KAFKACTL_TIMEOUT=\"soon\""));

    let out = crate::common::kafkactl()
        .env("KAFKACTL_TIMEOUT", "soon")
        .args(["status", "c1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("environment variable KAFKACTL_TIMEOUT"));

    // Typed on the command line, the flag is named as before.
    let out = crate::common::kafkactl()
        .env("KAFKACTL_OUTPUT", "json")
        .args(["-o", "xml", "presets", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("environment variable"));
}

/// A timeout that cannot work is refused before anything is read or written.
#[test]
fn a_timeout_under_a_second_is_a_usage_error() {
    for short in ["0s", "100ms"] {
        let out = crate::common::kafkactl()
            .args(["--timeout", short, "status", "c1"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{short}: {}", output_text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("at least 1s"),
            "{}",
            output_text(&out)
        );
    }
}

/// `create --version` no longer means the operator's release (it reads as kafkactl's own
/// version); `--operator-version` says it.
#[test]
fn create_has_no_version_alias() {
    let out = crate::common::kafkactl()
        .args(["create", "c1", "--install-operator", "--version", "1.2.0", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--version"),
        "{}",
        output_text(&out)
    );
}

/// YAML mistakes in a preset file are told in the user's words, pointing at the file itself
/// (not serde-saphyr's `<input>` and its advice to set library options).
#[test]
fn preset_yaml_errors_name_the_file_and_speak_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dup.yaml");
    std::fs::write(&file, "metadata: kraft\nkafkaVersion: 4.3.1\nkafkaVersion: 4.3.0\n").unwrap();
    let out = crate::common::kafkactl()
        .args(["create", "c1", "--dry-run", "--preset"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("duplicate mapping key `kafkaVersion`"), "{stderr}");
    assert!(stderr.contains(&format!("{}:3:1", file.display())), "{stderr}");
    assert!(
        !stderr.contains("<input>") && !stderr.contains("DuplicateKeyPolicy"),
        "{stderr}"
    );
}

/// A kubeconfig that cannot be read is named plainly (kube's own text quotes the path twice).
#[test]
fn an_unreadable_kubeconfig_is_named_plainly() {
    let out = crate::common::kafkactl()
        .args(["--kubeconfig", "/nonexistent/kubeconfig", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read kubeconfig /nonexistent/kubeconfig: No such file or directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("'\""), "{stderr}");
}

/// A preset from a pipe is read once (the namespace and the spec come from the same read),
/// `-` means standard input, and no preset input is unbounded (`/dev/zero`).
#[test]
fn a_preset_from_a_pipe_is_read_once_and_no_preset_input_is_unbounded() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dev = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/presets/dev.yaml")).unwrap();
    for preset in ["/dev/stdin", "-"] {
        let out = env
            .kafkactl()
            .args([
                "create",
                "piped",
                "--dry-run=server",
                "--skip-checks",
                "--preset",
                preset,
            ])
            .write_stdin(dev.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "--preset {preset}: {}", output_text(&out));
    }
    let started = std::time::Instant::now();
    let out = crate::common::kafkactl()
        .args(["create", "x", "--dry-run", "--preset", "/dev/zero"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("larger than 1024 KiB"),
        "{}",
        output_text(&out)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// The seed's own layout in flags: the preset's TLS listener removed, the plain one moved to
/// 9093, an external NodePort listener on 9092 (they used to collide on 9093).
#[test]
fn flags_remove_and_replace_preset_listeners() {
    let out = crate::common::kafkactl()
        .args([
            "create",
            "seed",
            "--dry-run",
            "-o",
            "json",
            "--no-listener",
            "tls",
            "--listener",
            "external:9092:nodeport",
            "--listener",
            "plain:9093:internal",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kafka = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Kafka")
        .unwrap();
    let listeners: Vec<(String, i64)> = kafka["spec"]["kafka"]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap().to_string(), l["port"].as_i64().unwrap()))
        .collect();
    assert_eq!(listeners, [("external".to_string(), 9092), ("plain".to_string(), 9093)]);

    let typo = crate::common::kafkactl()
        .args(["create", "seed", "--dry-run", "--no-listener", "tlz"])
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2), "{}", output_text(&typo));
    assert!(
        String::from_utf8_lossy(&typo.stderr).contains("no listener \"tlz\" to remove; the listeners are: plain, tls"),
        "{}",
        output_text(&typo)
    );
}
