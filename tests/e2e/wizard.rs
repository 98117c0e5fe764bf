//! The `create` wizard driven through a real pseudo-terminal (tmux, from
//! Debian: `.ci/run` installs it), the refusal when there is no terminal, and
//! `--save-preset` round trips.

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::{Duration, Instant};

use fake_kube::StrimziRelease;
use serde_json::Value;

use crate::common::{env, output_text};

/// A detached tmux server of its own (socket in a temp dir) running one command.
pub struct Terminal {
    socket: PathBuf,
}

impl Terminal {
    /// Start `script` (a shell script) in a 160x60 pane.
    pub fn start(dir: &Path, script: &Path) -> Terminal {
        let socket = dir.join("tmux.sock");
        let status = Process::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "60", "sh"])
            .arg(script)
            .status()
            .expect("tmux runs (Debian package tmux; .ci/run installs it)");
        assert!(status.success(), "tmux started a session");
        Terminal { socket }
    }

    fn tmux(&self) -> Process {
        let mut cmd = Process::new("tmux");
        cmd.arg("-S").arg(&self.socket);
        cmd
    }

    /// The pane's text, with its scrollback.
    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-J", "-S", "-500"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen shows `text`.
    pub fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the terminal showed {text:?} within 30s; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The pane's text with its colour and attribute escapes.
    pub fn screen_with_escapes(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-e", "-J", "-S", "-500"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Type `text` literally, then press Enter.
    pub fn answer(&self, text: &str) {
        if !text.is_empty() {
            self.send(&["-l", text]);
        }
        self.send(&["Enter"]);
    }

    pub fn send(&self, keys: &[&str]) {
        let status = self.tmux().args(["send-keys", "-t", "0"]).args(keys).status().unwrap();
        assert!(status.success(), "tmux send-keys {keys:?}");
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// A script running kafkactl on the terminal (stdin and stderr), stdout and
/// the exit code into files; no CI, no inherited kafkactl settings.
pub fn script(dir: &Path, kubeconfig: &Path, args: &str) -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("kafkactl");
    let path = dir.join("run.sh");
    let text = format!(
        "unset CI KUBECONFIG KAFKACTL_KUBECONFIG KAFKACTL_CONTEXT KAFKACTL_NAMESPACE KAFKACTL_TIMEOUT KAFKACTL_OUTPUT KAFKACTL_PRESET KAFKACTL_NO_INPUT\n\
         export NO_COLOR=1 TERM=xterm\n\
         cd '{dir}'\n\
         '{bin}' --kubeconfig '{kubeconfig}' {args} > stdout.txt\n\
         echo $? > rc.tmp && mv rc.tmp rc\n\
         exec sleep 600\n",
        dir = dir.display(),
        bin = bin.display(),
        kubeconfig = kubeconfig.display(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

pub fn wait_for_exit(dir: &Path, terminal: &Terminal) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(rc) = std::fs::read_to_string(dir.join("rc")) {
            return rc.trim().parse().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "kafkactl finished within 120s; the terminal shows:\n{}",
            terminal.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stored_spec(kafka: &Value) -> Value {
    let text = kafka["metadata"]["annotations"]["kafkactl.io/spec"]
        .as_str()
        .expect("the spec annotation");
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_wizard_creates_a_cluster_re_asking_invalid_answers_with_the_reason() {
    let env = env(StrimziRelease::V1_2_0)
        .storage_classes(&[("standard", true, true), ("fast-ssd", true, false)])
        .start();
    let dir = tempfile::tempdir().unwrap();
    let run = script(
        dir.path(),
        env.fake.kubeconfig_path(),
        "create --timeout 90s -o json --save-preset wiz.yaml",
    );
    let term = Terminal::start(dir.path(), &run);

    term.wait_for("Cluster name");
    term.answer("Bad_Name");
    let screen = term.wait_for("✘ name: \"Bad_Name\" is not a valid cluster name");
    assert!(screen.contains("? Cluster name"), "asked again:\n{screen}");
    term.answer("wiz");

    term.wait_for("production: KRaft");
    term.answer(""); // the default preset, production
    term.wait_for("Namespace");
    term.answer(""); // the preset's namespace, kafka
    assert!(
        !term.screen().contains("Metadata mode"),
        "a KRaft-only Strimzi leaves no metadata mode to choose"
    );

    term.wait_for("Brokers");
    term.answer("0");
    term.wait_for("✘ pools.brokers.replicas");
    term.answer("3");

    for question in [
        "KRaft controllers",
        "CPU per broker",
        "Memory per broker",
        "JVM heap per broker",
    ] {
        term.wait_for(question);
        term.answer(""); // the preset's
    }
    term.wait_for("persistent: a volume per broker");
    term.answer("");

    term.wait_for("Volume size per broker");
    term.answer("100G");
    let screen = term.wait_for("✘ pools.brokers.storage.size");
    assert!(
        screen.contains("100Gi"),
        "the reason suggests the binary unit:\n{screen}"
    );
    term.answer("20Gi");

    // The cluster's classes are offered: its default first, then by name.
    let screen = term.wait_for("the cluster's default (standard)");
    assert!(screen.contains("fast-ssd"), "{screen}");
    term.send(&["Down"]);
    term.answer("");

    term.wait_for("no: reachable inside Kubernetes only");
    term.answer("");
    term.wait_for("yes: Prometheus");
    term.send(&["Down"]);
    term.answer("");

    let screen = term.wait_for("Create cluster wiz in namespace kafka?");
    assert!(screen.contains("Pool brokers"), "the plan's summary:\n{screen}");
    assert!(screen.contains("KafkaNodePool/"), "the plan's objects:\n{screen}");
    assert!(
        screen.contains(
            "kafkactl create wiz --preset production --storage-size 20Gi --storage-class fast-ssd --no-monitoring"
        ),
        "the equivalent command line:\n{screen}"
    );
    term.send(&["y"]);

    let rc = wait_for_exit(dir.path(), &term);
    assert_eq!(rc, 0, "the terminal shows:\n{}", term.screen());
    let outcome: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("stdout.txt")).unwrap()).unwrap();
    assert_eq!(outcome["result"], "created");
    assert_eq!(outcome["cluster"]["name"], "wiz");

    let spec = stored_spec(&env.kafka("wiz").expect("the Kafka CR is stored"));
    assert_eq!(spec["pools"]["brokers"]["replicas"], 3);
    assert_eq!(spec["pools"]["brokers"]["storage"]["size"], "20Gi");
    assert_eq!(spec["pools"]["brokers"]["storage"]["class"], "fast-ssd");
    assert_eq!(spec["prometheus"]["enabled"], false);

    // The saved preset re-creates exactly this spec: a re-run changes nothing.
    let out = env
        .kafkactl()
        .args(["create", "wiz", "--timeout", "60s", "-o", "json", "--preset"])
        .arg(dir.path().join("wiz.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let rerun: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rerun["result"], "unchanged", "{}", output_text(&out));
}

#[test]
fn save_preset_without_the_wizard_round_trips_to_the_same_stored_spec() {
    let env = env(StrimziRelease::V1_2_0).start();
    let dir = tempfile::tempdir().unwrap();
    let preset = dir.path().join("saved.yaml");
    let out = env
        .kafkactl()
        .args([
            "create",
            "first",
            "--preset",
            "dev",
            "--brokers",
            "3",
            "--memory",
            "2Gi",
        ])
        .args(["--config", "log.retention.hours=72", "--no-wait", "--save-preset"])
        .arg(&preset)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let text = std::fs::read_to_string(&preset).unwrap();
    assert!(
        !text.contains("name: first"),
        "the name comes from the command line:\n{text}"
    );
    assert!(text.contains("log.retention.hours: 72"), "{text}");

    // create refuses a different spec for an existing cluster and calls an
    // equal one "unchanged": the preset alone gives exactly the stored spec.
    let rerun = |extra: &[&str]| {
        env.kafkactl()
            .args(["create", "first", "--no-wait", "-o", "json"])
            .args(extra)
            .arg("--preset")
            .arg(&preset)
            .output()
            .unwrap()
    };
    let out = rerun(&[]);
    assert!(out.status.success(), "{}", output_text(&out));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["result"], "unchanged", "{}", output_text(&out));
    let out = rerun(&["--brokers", "1"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "a changed spec is refused: {}",
        output_text(&out)
    );
}

#[test]
fn create_without_a_name_and_no_terminal_is_a_usage_error_naming_name() {
    let env = env(StrimziRelease::V1_2_0).start();
    // CI=true (the test default), then --no-input, then no terminal at all.
    let runs: [(&[&str], bool, &str); 3] = [
        (&["create", "--preset", "dev"], true, "CI is set"),
        (
            &["create", "--preset", "dev", "--no-input"],
            false,
            "--no-input was given",
        ),
        (&["create", "--preset", "dev"], false, "stdin is not a terminal"),
    ];
    for (args, ci, reason) in runs {
        let mut cmd = env.kafkactl();
        if !ci {
            cmd.env_remove("CI");
        }
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("the cluster name is missing"), "{stderr}");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(stderr.contains("pass NAME as the first argument"), "{stderr}");
    }
    assert!(env.fake.write_requests().is_empty(), "nothing was written");
}

#[test]
fn interactive_without_a_terminal_is_refused_naming_the_flags_instead() {
    let env = env(StrimziRelease::V1_2_0).start();
    let out = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--interactive"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--interactive needs a terminal"), "{stderr}");
    assert!(stderr.contains("leave --interactive out"), "{stderr}");
    assert!(env.kafka("c1").is_none());
}
