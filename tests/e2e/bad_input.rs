//! Bad input, one table row per case, across every command: each row must
//! exit with its code, name the field or flag (and what would be valid) on
//! stderr, and send no write request to the API server.
//!
//! Rows run against one fake cluster per setup (a KRaft cluster on Strimzi
//! 1.2.0, a ZooKeeper cluster on Strimzi 0.45.2, a cluster with no
//! operator); every failing row is reported at once.

use std::path::{Path, PathBuf};

use fake_kube::StrimziRelease;
use tempfile::TempDir;

use crate::common::{Env, env, output_text};

/// One bad input and what kafkactl must answer.
struct Row {
    /// Arguments; `{file:NAME}` is replaced by the path of preset file NAME
    /// (from `PRESET_FILES`), `{bundle:X.Y.Z}` by that Strimzi release bundle.
    args: &'static [&'static str],
    /// Run before the row (fault injection); faults are cleared after it.
    setup: Option<fn(&Env)>,
    code: i32,
    /// Each must appear on stderr.
    stderr: &'static [&'static str],
    /// Each must appear on stdout (the checklist of `check`).
    stdout: &'static [&'static str],
}

const fn row(args: &'static [&'static str], code: i32, stderr: &'static [&'static str]) -> Row {
    Row {
        args,
        setup: None,
        code,
        stderr,
        stdout: &[],
    }
}

/// Preset files with the mistakes users make, by name.
const PRESET_FILES: &[(&str, &str)] = &[
    (
        "typo-pool-field",
        "metadata: kraft\nkafkaVersion: 4.3.1\npools:\n  dual:\n    roles: [controller, broker]\n    replicas: 1\n    resourcs:\n      limits: { cpu: \"1\", memory: 1Gi }\n    storage: { type: ephemeral }\n",
    ),
    ("typo-top-field", "metadata: kraft\nkafkaVerson: 4.3.1\n"),
    ("replicas-word", "pools:\n  dual:\n    replicas: three\n"),
    ("broken-yaml", "metadata: [kraft\n"),
    (
        "heap-over-limit",
        "metadata: kraft\nkafkaVersion: 4.3.1\npools:\n  dual:\n    roles: [controller, broker]\n    replicas: 1\n    resources:\n      limits: { cpu: \"1\", memory: 2Gi }\n    jvm: { xms: 4g, xmx: 4g }\n    storage: { type: ephemeral }\nlisteners:\n  plain: { port: 9092, type: internal, tls: false }\n",
    ),
    ("unknown-metadata", "metadata: zk\n"),
];

fn bundle_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/strimzi")
        .join(version)
        .join("install/cluster-operator")
}

fn expand(arg: &str, files: &Path) -> String {
    if let Some(name) = arg.strip_prefix("{file:").and_then(|a| a.strip_suffix('}')) {
        return files.join(format!("{name}.yaml")).display().to_string();
    }
    if let Some(version) = arg.strip_prefix("{bundle:").and_then(|a| a.strip_suffix('}')) {
        return bundle_dir(version).display().to_string();
    }
    arg.to_string()
}

fn preset_files() -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, text) in PRESET_FILES {
        std::fs::write(dir.path().join(format!("{name}.yaml")), text).unwrap();
    }
    dir
}

/// Runs every row; returns one description per failing row.
fn run_rows(env: &Env, rows: &[Row]) -> Vec<String> {
    let files = preset_files();
    let cache = TempDir::new().unwrap();
    let mut failures = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let args: Vec<String> = row.args.iter().map(|a| expand(a, files.path())).collect();
        if let Some(setup) = row.setup {
            setup(env);
        }
        env.fake.clear_requests();
        let out = env
            .kafkactl()
            .env("XDG_CACHE_HOME", cache.path())
            .env("KAFKACTL_STRIMZI_RELEASES_URL", "http://127.0.0.1:9/unreachable")
            .args(&args)
            .args(["--timeout", "20s"])
            .output()
            .unwrap();
        let writes = env.fake.write_requests();
        env.fake.faults().clear();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut wrong = Vec::new();
        if out.status.code() != Some(row.code) {
            wrong.push(format!("exit {:?}, want {}", out.status.code(), row.code));
        }
        for want in row.stderr {
            if !stderr.contains(want) {
                wrong.push(format!("stderr lacks {want:?}"));
            }
        }
        for want in row.stdout {
            if !stdout.contains(want) {
                wrong.push(format!("stdout lacks {want:?}"));
            }
        }
        if stderr.contains("panicked") {
            wrong.push("panicked".to_string());
        }
        if !writes.is_empty() {
            let listed: Vec<String> = writes.iter().map(|w| format!("{} {}", w.method, w.path)).collect();
            wrong.push(format!("wrote: {}", listed.join(", ")));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "row {i} `kafkactl {}`: {}\n{}",
                args.join(" "),
                wrong.join("; "),
                output_text(&out)
            ));
        }
    }
    failures
}

fn assert_rows(env: &Env, rows: &[Row]) {
    let failures = run_rows(env, rows);
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}

fn create_cluster(env: &Env, args: &[&str]) {
    let out = env
        .kafkactl()
        .args(["create", "--timeout", "60s", "-q"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "create {args:?}: {}", output_text(&out));
}

fn forbid_creating_kafkas(env: &Env) {
    env.fake.faults().forbid("create", "kafkas");
    env.fake.faults().forbid("patch", "kafkas");
}

fn forbid_creating_crds(env: &Env) {
    env.fake.faults().forbid("create", "customresourcedefinitions");
    env.fake.faults().forbid("patch", "customresourcedefinitions");
}

/// KRaft on Strimzi 1.2.0: `d` (dev) and `p` (production) in `kafka`; the
/// operator also watches `team`, which is empty (room for create rows that
/// reach the preflight without colliding with existing pool names).
const KRAFT_ROWS: &[Row] = &[
    // ---- global flags
    row(&["--timeout", "abc", "list"], 2, &["--timeout", "90s, 15m or 1h30m"]),
    row(&["-o", "xml", "list"], 2, &["--output", "'xml'", "json"]),
    row(
        &["--context", "missing", "list"],
        2,
        &[
            "context \"missing\" is not in the kubeconfig; its contexts:",
            "--context",
        ],
    ),
    row(
        &["-n", "Bad_NS", "list"],
        2,
        &["-n/--namespace", "\"Bad_NS\"", "lowercase letters"],
    ),
    row(&["-n", "Bad_NS", "status", "d"], 2, &["-n/--namespace", "\"Bad_NS\""]),
    row(&["--no-such-flag", "list"], 2, &["--no-such-flag"]),
    row(&["frobnicate"], 2, &["frobnicate"]),
    // ---- create: names, numbers, quantities
    row(
        &["create", "Bad_Name", "--preset", "dev"],
        2,
        &["name:", "\"Bad_Name\"", "lowercase letters", "\"bad-name\""],
    ),
    row(&["create", "", "--preset", "dev"], 2, &["NAME", "empty"]),
    row(
        &["create", "x", "-n", "team", "--preset", "dev", "--brokers", "0"],
        2,
        &["pools.dual.replicas", "at least 1, got 0"],
    ),
    row(
        &["create", "x", "-n", "team", "--brokers", "-1"],
        2,
        &["pools.brokers.replicas", "at least 1, got -1"],
    ),
    row(
        &["create", "x", "-n", "team", "--brokers", "99999999999"],
        2,
        &["pools.brokers.replicas", "at most 100"],
    ),
    row(
        &[
            "create",
            "x",
            "-n",
            "team",
            "--brokers",
            "2",
            "--config",
            "default.replication.factor=3",
        ],
        2,
        &[
            "config.default.replication.factor",
            "above the broker count (2)",
            "--brokers 3",
        ],
    ),
    row(
        &["create", "x", "-n", "team", "--heap", "16g", "--memory", "8Gi"],
        2,
        &["pools.brokers.jvm.xmx", "memory limit 8Gi"],
    ),
    row(
        &["create", "x", "-n", "team", "--storage-size", "100G"],
        2,
        &["pools.brokers.storage.size", "did you mean \"100Gi\""],
    ),
    row(
        &["create", "x", "-n", "team", "--memory", "8G"],
        2,
        &["pools.brokers.resources.limits.memory", "\"8Gi\""],
    ),
    row(
        &["create", "x", "-n", "team", "--cpu", "abc"],
        2,
        &["pools.brokers.resources.limits.cpu", "millicores (500m)"],
    ),
    row(
        &["create", "x", "-n", "team", "--cpu", "0"],
        2,
        &["pools.brokers.resources.limits.cpu", "more than zero"],
    ),
    row(
        &["create", "x", "-n", "team", "--heap", "1x"],
        2,
        &["pools.brokers.jvm.xmx", "512m"],
    ),
    row(
        &["create", "x", "-n", "team", "--listener", "bad"],
        2,
        &["--listener", "NAME:PORT:TYPE[:tls]"],
    ),
    row(
        &["create", "x", "-n", "team", "--listener", "ext:80:nodeport"],
        2,
        &["listeners.ext.port", "below 9092"],
    ),
    row(
        &["create", "x", "-n", "team", "--config", "novalue"],
        2,
        &["--config", "KEY=VALUE"],
    ),
    row(
        &["create", "x", "-n", "team", "--registry", "bad registry"],
        2,
        &["images.registry", "harbor.corp/mirror"],
    ),
    row(
        &["create", "x", "-n", "team", "--image-pull-secret", "Bad_Secret"],
        2,
        &["images.pullSecrets[0]", "regcred"],
    ),
    row(
        &["create", "x", "-n", "team", "--dry-run=bogus"],
        2,
        &["--dry-run", "client, server"],
    ),
    row(
        &["create", "x", "-n", "team", "--operator-version", "1.2.0"],
        2,
        &["--install-operator"],
    ),
    // ---- create: presets and preset files
    row(
        &["create", "x", "-n", "team", "--preset", "nope"],
        2,
        &["unknown preset \"nope\"", "dev, production, zookeeper-classic"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "{file:typo-pool-field}"],
        2,
        &["unknown field `resourcs`", "resources"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "{file:typo-top-field}"],
        2,
        &["unknown field `kafkaVerson`", "kafkaVersion"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "{file:replicas-word}"],
        2,
        &["replicas: three", "invalid i32"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "{file:broken-yaml}"],
        2,
        &["broken-yaml.yaml", "line 1"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "{file:heap-over-limit}"],
        2,
        &["pools.dual.jvm.xmx", "memory limit 2Gi"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "{file:unknown-metadata}"],
        2,
        &["unknown-metadata.yaml", "zk", "kraft"],
    ),
    row(
        &["create", "x", "-n", "team", "--preset", "/nonexistent/preset.yaml"],
        2,
        &["cannot read preset file", "/nonexistent/preset.yaml"],
    ),
    // ---- create: versions, operator, cluster
    row(
        &["create", "x", "-n", "team", "--metadata", "zookeeper"],
        2,
        &["metadata", "KRaft-only", "--metadata kraft"],
    ),
    row(
        &["create", "x", "-n", "team", "--kafka-version", "3.9.0"],
        2,
        &["kafkaVersion", "4.3.1", "--kafka-version"],
    ),
    row(
        &["create", "x", "-n", "team", "--strimzi-api", "v1beta2"],
        2,
        &["--strimzi-api v1beta2", "kafka.strimzi.io/v1"],
    ),
    row(
        &["create", "x", "-n", "unwatched"],
        2,
        &[
            "no Strimzi operator watches namespace \"unwatched\"",
            "--watch unwatched",
        ],
    ),
    row(
        &["create", "x", "-n", "team", "--storage-class", "missing"],
        4,
        &["StorageClass missing does not exist", "standard", "--storage-class"],
    ),
    row(
        &["create", "p", "--brokers", "5"],
        4,
        &["already exists with a different spec", "--update", "kafkactl scale p"],
    ),
    Row {
        setup: Some(forbid_creating_kafkas),
        ..row(&["create", "x", "-n", "team"], 4, &["kafkas", "preflight"])
    },
    // ---- scale
    row(
        &["scale", "d", "--brokers", "0"],
        2,
        &["pools.dual.replicas", "at least 1, got 0"],
    ),
    row(
        &["scale", "d", "--brokers", "-2"],
        2,
        &["pools.dual.replicas", "at least 1, got -2"],
    ),
    row(
        &["scale", "d", "--brokers", "101"],
        2,
        &["pools.dual.replicas", "at most 100"],
    ),
    row(
        &["scale", "p", "--brokers", "2"],
        4,
        &["default.replication.factor", "cannot keep 3 replicas on 2 brokers"],
    ),
    row(
        &["scale", "d", "--memory", "8G"],
        2,
        &["pools.dual.resources.limits.memory", "\"8Gi\""],
    ),
    row(
        &["scale", "d", "--heap", "4g"],
        2,
        &["pools.dual.jvm.xmx", "memory limit 1Gi", "512m-768m"],
    ),
    row(
        &["scale", "p", "--storage-size", "100G"],
        2,
        &["pools.brokers.storage.size", "\"100Gi\""],
    ),
    row(
        &["scale", "p", "--storage-size", "1Gi"],
        4,
        &["cannot shrink pools.brokers.storage", "only grow"],
    ),
    row(
        &["scale", "d", "--pool", "nope", "--replicas", "2"],
        2,
        &["--pool", "no pool \"nope\"", "dual"],
    ),
    row(&["scale", "p", "--replicas", "3"], 2, &["--pool"]),
    row(
        &["scale", "d", "--controllers", "2"],
        2,
        &["--controllers", "dual-role"],
    ),
    row(
        &["scale", "d", "--zookeepers", "3"],
        2,
        &["--zookeepers", "--metadata zookeeper"],
    ),
    row(&["scale", "d"], 2, &["--brokers", "required"]),
    row(
        &["scale", "p", "--brokers", "3", "--rebalance", "--skip-scaledown-check"],
        2,
        &["--rebalance", "--skip-scaledown-check"],
    ),
    row(
        &["scale", "missing", "--brokers", "3"],
        3,
        &["\"missing\" not found", "kafkactl list"],
    ),
    row(
        &["scale", "Bad_Name", "--brokers", "3"],
        2,
        &["NAME", "\"Bad_Name\"", "lowercase letters"],
    ),
    // ---- restart
    row(
        &["restart", "d", "--broker", "99"],
        3,
        &["--broker", "99", "node ids are 0"],
    ),
    row(
        &["restart", "d", "--pool", "nope"],
        2,
        &["--pool", "no pool \"nope\"", "dual"],
    ),
    row(&["restart", "d", "--zookeeper"], 2, &["KRaft", "--pool"]),
    row(
        &["restart", "d", "--pool", "dual", "--broker", "0"],
        2,
        &["--pool", "--broker"],
    ),
    row(&["restart", "missing"], 3, &["\"missing\" not found"]),
    // ---- upgrade
    row(
        &["upgrade", "d", "--kafka-version", "9.9.9"],
        2,
        &["9.9.9", "4.3.1", "--kafka-version"],
    ),
    row(
        &["upgrade", "d", "--kafka-version", "abc"],
        2,
        &["--kafka-version", "MAJOR.MINOR.PATCH"],
    ),
    row(
        &["upgrade", "d", "--kafka-version", "4.2.0"],
        4,
        &["downgrade", "--allow-downgrade"],
    ),
    row(&["upgrade", "d"], 2, &["--kafka-version"]),
    // ---- expose
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--node-port", "80"],
        2,
        &["bootstrapNodePort", "NodePort 80", "30000-32767"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--node-port", "40000"],
        2,
        &["NodePort 40000", "30000-32767"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--node-port", "32767"],
        2,
        &["brokerNodePorts", "NodePort 32768", "30000-32767"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "loadbalancer", "--node-port", "31000"],
        2,
        &["--node-port", "--type nodeport"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--port", "70000"],
        2,
        &["listeners.external.port", "65535"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--port", "9092"],
        2,
        &["port 9092 is already used", "e.g. 9094"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "ingress"],
        2,
        &["--type ingress needs --host"],
    ),
    row(
        &[
            "expose",
            "p",
            "kafka",
            "--type",
            "nodeport",
            "--allow-from",
            "10.0.0.0/33",
        ],
        2,
        &["allowFrom[0]", "10.0.0.0/8"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--listener", "Bad_Name"],
        2,
        &["listeners.Bad_Name", "^[a-z0-9]{1,11}$"],
    ),
    row(
        &["expose", "p", "kafka", "--type", "nodeport", "--annotation", "novalue"],
        2,
        &["--annotation", "KEY=VALUE"],
    ),
    row(&["expose", "p", "kafka"], 2, &["--type"]),
    row(
        &["expose", "d", "jmx", "--no-auth"],
        4,
        &["WITHOUT a password", "--yes"],
    ),
    row(&["expose", "d", "zookeeper"], 2, &["KRaft", "expose NAME kafka"]),
    row(
        &["expose", "d", "prometheus", "--type", "loadbalancer"],
        2,
        &["no Prometheus", "kafkactl monitor"],
    ),
    row(
        &["expose", "p", "prometheus", "--type", "loadbalancer"],
        2,
        &["prometheus.expose", "--lb", "--allow-from", "--public"],
    ),
    row(
        &["expose", "p", "prometheus", "--ingress", "bad_host"],
        2,
        &["prometheus.ingress.host", "prometheus.example.com"],
    ),
    row(
        &[
            "expose",
            "p",
            "prometheus",
            "--type",
            "nodeport",
            "--node-port",
            "29999",
            "--public",
        ],
        2,
        &["NodePort 29999", "30000-32767"],
    ),
    row(
        &[
            "expose",
            "p",
            "prometheus",
            "--type",
            "nodeport",
            "--lb",
            "aws-internal",
        ],
        2,
        &["--lb", "--type loadbalancer"],
    ),
    row(
        &[
            "expose",
            "p",
            "prometheus",
            "--type",
            "loadbalancer",
            "--public",
            "--allow-from",
            "10.0.0.0/8",
        ],
        2,
        &["--public", "--allow-from"],
    ),
    row(
        &["expose", "missing", "kafka", "--type", "nodeport"],
        3,
        &["\"missing\" not found"],
    ),
    // ---- monitor
    row(
        &["monitor", "p", "install", "--retention", "abc"],
        2,
        &["prometheus.retention", "15d"],
    ),
    row(
        &["monitor", "p", "install", "--storage-size", "10G"],
        2,
        &["prometheus.storage.size", "\"10Gi\""],
    ),
    row(
        &["monitor", "p", "install", "--memory", "2G"],
        2,
        &["prometheus.resources.limits.memory", "\"2Gi\""],
    ),
    row(
        &["monitor", "p", "install", "--mode", "operator"],
        2,
        &["--mode operator", "--mode standalone"],
    ),
    row(
        &["monitor", "p", "install", "--monitor-label", "novalue"],
        2,
        &["--monitor-label", "KEY=VALUE"],
    ),
    row(
        &["monitor", "p", "--interval", "abc"],
        2,
        &["--interval", "90s, 15m or 1h30m"],
    ),
    row(
        &["monitor", "p", "--prometheus", "nonsense"],
        2,
        &["--prometheus", "NAMESPACE/SERVICE[:PORT]"],
    ),
    row(
        &["monitor", "d"],
        3,
        &["monitoring is not installed", "kafkactl monitor d install"],
    ),
    row(
        &["monitor", "p", "uninstall", "--delete-data"],
        4,
        &["--delete-data", "--yes"],
    ),
    row(&["monitor", "missing"], 3, &["\"missing\" not found"]),
    // ---- delete, export
    row(&["delete", "d"], 4, &["needs a confirmation", "--yes"]),
    row(
        &["delete", "p", "--delete-data"],
        4,
        &["needs a confirmation", "--yes --delete-data"],
    ),
    row(&["delete", "missing", "--yes"], 3, &["\"missing\" not found"]),
    row(
        &["delete", "Bad_Name", "--yes"],
        2,
        &["NAME", "\"Bad_Name\"", "lowercase letters"],
    ),
    row(&["export", "missing"], 3, &["\"missing\" not found"]),
    row(&["export", "d", "--with-topics"], 2, &["--objects-file"]),
    row(&["export", "d", "--include-secrets"], 2, &["--with-users"]),
    row(
        &[
            "export",
            "d",
            "--with-topics",
            "--objects-file",
            "/nonexistent/dir/x.yaml",
        ],
        2,
        &["--objects-file", "/nonexistent/dir/x.yaml"],
    ),
    // ---- check
    row(
        &["check", "--brokers", "0"],
        2,
        &["pools.brokers.replicas", "at least 1"],
    ),
    row(&["check", "Bad_Name"], 2, &["name:", "\"Bad_Name\""]),
    Row {
        stdout: &["StorageClass missing does not exist", "--storage-class"],
        ..row(
            &["check", "x", "-n", "team", "--storage-class", "missing"],
            4,
            &["preflight check"],
        )
    },
    // ---- operator
    row(
        &["operator", "install", "--from", "/nonexistent"],
        2,
        &["/nonexistent", "install/cluster-operator/"],
    ),
    row(
        &["operator", "install", "--from", "/etc/hostname"],
        2,
        &["not a Kubernetes object", "release bundle"],
    ),
    row(
        &["operator", "install", "--from", "{bundle:0.45.2}"],
        4,
        &["downgrade", "1.2.0 to 0.45.2", "--yes"],
    ),
    row(
        &["operator", "install", "--from", "{bundle:1.2.0}", "--watch", "Bad_NS"],
        2,
        &["--watch", "\"Bad_NS\""],
    ),
    row(
        &[
            "operator",
            "install",
            "--from",
            "{bundle:1.2.0}",
            "--registry",
            "bad reg",
        ],
        2,
        &["--registry", "harbor.corp/mirror"],
    ),
    row(
        &[
            "operator",
            "install",
            "--from",
            "{bundle:1.2.0}",
            "--image-pull-secret",
            "Bad_S",
        ],
        2,
        &["--image-pull-secret", "regcred"],
    ),
    row(
        &[
            "operator",
            "install",
            "--from",
            "{bundle:1.2.0}",
            "--env",
            "STRIMZI_NAMESPACE=x",
        ],
        2,
        &["--env STRIMZI_NAMESPACE", "--watch"],
    ),
    row(
        &["operator", "install", "--version", "abc"],
        2,
        &["--version", "\"abc\"", "1.2.0"],
    ),
    row(&["operator", "install", "--env", "novalue"], 2, &["--env", "KEY=VALUE"]),
    row(
        &["operator", "install", "--watch", "a", "--watch-all"],
        2,
        &["--watch", "--watch-all"],
    ),
    row(&["operator", "uninstall"], 4, &["confirmation", "--yes"]),
    row(&["operator", "uninstall", "--force"], 2, &["--delete-crds"]),
    row(
        &["operator", "uninstall", "--delete-crds", "--yes"],
        4,
        &["still exist", "kafka/d", "--force"],
    ),
    // ---- status, list, presets, completions
    row(&["status", "missing"], 3, &["\"missing\" not found", "kafkactl list"]),
    row(&["status", ""], 2, &["NAME", "empty"]),
    row(&["list", "extra"], 2, &["'extra'"]),
    row(
        &["presets", "show", "nope"],
        2,
        &["unknown preset \"nope\"", "dev, production, zookeeper-classic"],
    ),
    row(&["presets", "show"], 2, &["<NAME>"]),
    row(&["completions", "fish2"], 2, &["'fish2'", "bash", "zsh"]),
    row(&["completions"], 2, &["<SHELL>"]),
];

#[test]
fn bad_input_on_a_kraft_cluster_is_refused_naming_the_flag_and_writes_nothing() {
    let env = env(StrimziRelease::V1_2_0)
        .operator_watching(&["kafka", "team"])
        .start();
    create_cluster(&env, &["d", "--preset", "dev"]);
    create_cluster(&env, &["p", "--preset", "production"]);
    assert_rows(&env, KRAFT_ROWS);
}

/// ZooKeeper on Strimzi 0.45.2: `z` (zookeeper-classic) in `kafka`.
const ZOOKEEPER_ROWS: &[Row] = &[
    row(
        &["create", "x", "--preset", "dev", "--kafka-version", "4.3.1"],
        2,
        &["kafkaVersion", "3.9.2", "--kafka-version"],
    ),
    row(
        &["create", "x", "--preset", "dev", "--strimzi-api", "v1"],
        2,
        &["--strimzi-api v1", "kafka.strimzi.io/v1beta2"],
    ),
    row(
        &["create", "x", "--preset", "zookeeper-classic", "--controllers", "3"],
        2,
        &["--controllers", "--zookeepers"],
    ),
    row(
        &["upgrade", "z", "--kafka-version", "4.3.1"],
        2,
        &["4.3.1", "3.9.2", "--kafka-version"],
    ),
    row(
        &["scale", "z", "--zookeepers", "0"],
        2,
        &["zookeeper.replicas", "at least 1"],
    ),
    row(
        &["scale", "z", "--zookeepers", "16"],
        2,
        &["zookeeper.replicas", "at most 15"],
    ),
    row(
        &["scale", "z", "--controllers", "3"],
        2,
        &["--controllers", "--zookeepers"],
    ),
    row(&["scale", "z", "--brokers", "1"], 4, &["default.replication.factor"]),
    row(
        &["expose", "z", "zookeeper", "--type", "nodeport"],
        2,
        &["--allow-from", "--public"],
    ),
    row(
        &["expose", "z", "zookeeper", "--type", "loadbalancer"],
        2,
        &["--lb", "--allow-from", "--public"],
    ),
    row(
        &["expose", "z", "zookeeper", "--type", "nodeport", "--lb", "aws-internal"],
        2,
        &["--lb", "--type loadbalancer"],
    ),
    row(
        &["restart", "z", "--pool", "nope"],
        2,
        &["--pool", "no pool \"nope\"", "kafka"],
    ),
    row(&["restart", "z", "--broker", "7"], 3, &["--broker", "7"]),
];

#[test]
fn bad_input_on_a_zookeeper_cluster_is_refused_naming_the_flag_and_writes_nothing() {
    let env = env(StrimziRelease::V0_45_2).start();
    create_cluster(&env, &["z", "--preset", "zookeeper-classic", "-n", "kafka"]);
    assert_rows(&env, ZOOKEEPER_ROWS);
}

/// Strimzi's CRDs are served but no operator runs.
const NO_OPERATOR_ROWS: &[Row] = &[
    row(
        &["create", "x", "--preset", "dev"],
        2,
        &["no Strimzi cluster operator", "kafkactl operator install"],
    ),
    row(&["scale", "x", "--brokers", "3"], 3, &["\"x\" not found"]),
    row(&["operator", "uninstall", "--yes"], 3, &["operator"]),
    Row {
        setup: Some(forbid_creating_crds),
        ..row(
            &["operator", "install", "--from", "{bundle:1.2.0}"],
            4,
            &[
                "customresourcedefinitions.apiextensions.k8s.io",
                "nothing was changed",
                "cluster admin",
            ],
        )
    },
];

#[test]
fn bad_input_without_an_operator_is_refused_naming_what_to_do_and_writes_nothing() {
    let env = env(StrimziRelease::V1_2_0).no_operator().start();
    assert_rows(&env, NO_OPERATOR_ROWS);
}
