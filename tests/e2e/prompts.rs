//! Every confirmation goes through one prompt helper: without a terminal the
//! refusal has one wording, one exit code (4) and names the flag that answers it.

use fake_kube::StrimziRelease;

use crate::common::{env, output_text};

const REFUSAL: &str = "prompts are off (--no-input, CI or no terminal); nothing was changed";
const HINT: &str = "hint: pass --yes to answer without a prompt";

#[test]
fn every_command_refuses_a_missing_confirmation_in_the_same_words() {
    let env = env(StrimziRelease::V1_2_0).start();
    let created = env
        .kafkactl()
        .args(["create", "c1", "--preset", "dev", "--timeout", "90s", "-q"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", output_text(&created));
    env.fake.clear_requests();
    let commands: [&[&str]; 3] = [
        &["delete", "c1", "--no-input"],
        &["expose", "c1", "jmx", "--no-auth", "--no-input"],
        &["operator", "uninstall", "--no-input"],
    ];
    for args in commands {
        let out = env.kafkactl().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", output_text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{args:?}: an error line in {stderr}"));
        assert!(
            error.starts_with("error: this needs a confirmation (") && error.ends_with(REFUSAL),
            "{args:?}: {error}"
        );
        assert!(stderr.lines().any(|l| l == HINT), "{args:?}: {stderr}");
    }
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert!(env.kafka("c1").is_some());
}
