//! The shortest safe sequence of steps from what runs now (a Strimzi release,
//! its Kafka clusters, their metadata mode and Kafka versions, the API version
//! the CRDs store) to a target Strimzi release (pure).
//!
//! Safe means every stop is a state Strimzi manages: ZooKeeper clusters are
//! migrated to KRaft while the operator still runs ZooKeeper (0.45); the
//! operator moves only to a release that supports every cluster's running
//! Kafka version (a release that does not know it cannot reconcile the
//! cluster); resources are converted to v1 on a release serving both APIs
//! (0.49–0.51), before a v1-only release, and a release serving v1beta2 is
//! never installed after that (its CRDs would store v1beta2 again). Kafka
//! versions only move forward, except a patch step down within one minor
//! (3.9.2 → 3.9.0), which keeps the metadata version.

use std::cmp::Ordering;
use std::collections::{HashSet, VecDeque};

use serde::Serialize;

use super::bundle;
use super::releases::ReleaseFacts;
use crate::spec::scaling::{compare_kafka_versions, kafka_version};

/// Where a Kafka cluster's metadata lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataMode {
    ZooKeeper,
    /// Between ZooKeeper and KRaft (`status.kafkaMetadataState`).
    Migrating(String),
    KRaft,
}

/// One Kafka cluster as it runs now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNow {
    pub namespace: String,
    pub name: String,
    pub kafka_version: String,
    pub metadata: MetadataMode,
    /// `default.replication.factor` and `min.insync.replicas`, when set.
    pub replication: Option<(u32, u32)>,
}

impl ClusterNow {
    fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// Everything the plan starts from.
#[derive(Debug, Clone)]
pub struct Start {
    pub operator: ReleaseFacts,
    pub operator_namespace: String,
    /// The running operator was installed by another tool (kubectl, Helm):
    /// the operator steps take its fields over (`--force-conflicts`).
    pub installed_by_other_tool: bool,
    /// `None` when the API server did not say.
    pub kubernetes_minor: Option<u32>,
    /// Every Strimzi CRD stores v1 only (`status.storedVersions == [v1]`).
    pub stored_as_v1: bool,
    pub clusters: Vec<ClusterNow>,
}

/// The clusters as their Kafka CRs say: the running Kafka version (status,
/// else spec), the metadata mode (`status.kafkaMetadataState`; without one,
/// `spec.zookeeper`), and the replication settings that decide availability.
pub fn clusters_now(kafkas: &[serde_json::Value]) -> Vec<ClusterNow> {
    kafkas
        .iter()
        .map(|kafka| {
            let text = |pointer: &str| kafka.pointer(pointer).and_then(serde_json::Value::as_str);
            let metadata = match text("/status/kafkaMetadataState") {
                Some("KRaft") => MetadataMode::KRaft,
                Some("ZooKeeper") => MetadataMode::ZooKeeper,
                Some(state) => MetadataMode::Migrating(state.to_string()),
                None if kafka["spec"]["zookeeper"].is_object() => MetadataMode::ZooKeeper,
                None => MetadataMode::KRaft,
            };
            let config = |key: &str| {
                let value = &kafka["spec"]["kafka"]["config"][key];
                value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                    .and_then(|n| u32::try_from(n).ok())
            };
            let replication =
                config("default.replication.factor").map(|rf| (rf, config("min.insync.replicas").unwrap_or(1)));
            ClusterNow {
                namespace: text("/metadata/namespace").unwrap_or_default().to_string(),
                name: text("/metadata/name").unwrap_or_default().to_string(),
                kafka_version: text("/status/kafkaVersion")
                    .or_else(|| text("/spec/kafka/version"))
                    .unwrap_or_default()
                    .to_string(),
                metadata,
                replication,
            }
        })
        .collect()
}

/// Where the releases of the plan's operator steps come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseSource {
    /// `--bundles DIR`: `DIR/<version>/install/cluster-operator`.
    Bundles(String),
    /// The GitHub release assets (`operator install --version`).
    Downloads,
}

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Action {
    /// `kafkactl migrate NAME --to kraft`.
    Migrate { cluster: String },
    /// `kafkactl upgrade NAME --kafka-version V`.
    KafkaVersion { cluster: String, from: String, to: String },
    /// `kafkactl operator install` of another release.
    Operator { from: String, to: String },
    /// `kafkactl operator convert-api`.
    ConvertApi { release: String },
    /// Not a kafkactl command: the Kubernetes cluster itself.
    Kubernetes { from: u32, to: u32 },
}

/// One step: the command that does it, and what it costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(flatten)]
    pub action: Action,
    /// The command line, `None` when the step is not kafkactl's.
    pub command: Option<String>,
    /// The same as arguments, for runbooks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
    pub what: String,
    pub rolls: String,
    pub availability: String,
}

/// The plan, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub from: String,
    pub to: String,
    pub steps: Vec<Step>,
    /// Why the target cannot be reached from here; the steps are then empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
}

/// One stop on the way: the operator's release, whether resources are
/// stored as v1, and each cluster's Kafka version (in `Start::clusters` order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Stop {
    release: usize,
    stored_as_v1: bool,
    versions: Vec<String>,
}

/// Plan the way from `start` to `target`, through the `available` releases.
pub fn plan(start: &Start, target: &str, available: &[ReleaseFacts], source: &ReleaseSource) -> Plan {
    let mut releases: Vec<ReleaseFacts> = available.to_vec();
    if !releases.iter().any(|r| r.version == start.operator.version) {
        releases.push(start.operator.clone());
    }
    releases.sort_by_key(|r| bundle::version_key(&r.version));
    releases.dedup_by(|a, b| a.version == b.version);
    let mut plan = Plan {
        from: start.operator.version.clone(),
        to: target.to_string(),
        steps: Vec::new(),
        blockers: Vec::new(),
    };
    let Some(goal) = releases.iter().position(|r| r.version == target) else {
        plan.blockers.push(format!(
            "Strimzi {target} is not among the releases to plan with ({})",
            names(&releases)
        ));
        return plan;
    };
    if bundle::older(target, &start.operator.version) {
        plan.blockers.push(format!(
            "Strimzi {target} is older than the running operator ({}); kafkactl plans upgrades only",
            start.operator.version
        ));
        return plan;
    }
    plan.blockers = start_blockers(start);
    if !plan.blockers.is_empty() {
        return plan;
    }
    plan.steps.extend(migrations(start));
    let Some(route) = shortest_route(start, &releases, goal) else {
        plan.blockers.push(format!(
            "no sequence of the releases available ({}) keeps every cluster on a Kafka version its operator supports all the way to Strimzi {target}",
            names(&releases)
        ));
        plan.steps.clear();
        return plan;
    };
    let mut kubernetes_minor = start.kubernetes_minor;
    for (before, after) in route.windows(2).map(|w| (&w[0], &w[1])) {
        plan.steps.extend(step_between(
            start,
            &releases,
            (before, after),
            &mut kubernetes_minor,
            source,
        ));
    }
    plan
}

/// What no step of kafkactl's can fix: clusters the running operator already
/// cannot manage.
fn start_blockers(start: &Start) -> Vec<String> {
    let mut blockers = Vec::new();
    for cluster in &start.clusters {
        if cluster.metadata != MetadataMode::KRaft && !start.operator.zookeeper {
            blockers.push(format!(
                "{} is ZooKeeper-based (or mid-migration), and Strimzi {} does not manage such clusters; install Strimzi 0.45.2 again to migrate it first",
                cluster.id(),
                start.operator.version
            ));
        }
        if !start.operator.supports_kafka(&cluster.kafka_version) && !start.operator.kafka_versions.is_empty() {
            blockers.push(format!(
                "{} runs Kafka {}, which Strimzi {} does not support ({}); set a supported version first",
                cluster.id(),
                cluster.kafka_version,
                start.operator.version,
                start.operator.kafka_versions.join(", ")
            ));
        }
    }
    blockers
}

/// The migrations come first, while the operator still runs ZooKeeper: each
/// in two steps, because Strimzi's last state before ZooKeeper goes
/// (KRaftPostMigration) is the last point to roll back, worth a look first.
fn migrations(start: &Start) -> Vec<Step> {
    let mut steps = Vec::new();
    for cluster in start.clusters.iter().filter(|c| c.metadata != MetadataMode::KRaft) {
        let base = ["migrate", &cluster.name, "-n", &cluster.namespace, "--to", "kraft"];
        let resume = match &cluster.metadata {
            MetadataMode::Migrating(state) => format!(" (it is in {state}: the command goes on from there)"),
            _ => String::new(),
        };
        let argv = kafkactl(&base);
        steps.push(Step {
            action: Action::Migrate { cluster: cluster.id() },
            command: Some(argv.join(" ")),
            argv,
            what: format!(
                "move {} from ZooKeeper to KRaft on Strimzi {}{resume}: node pools, a controller pool and Strimzi's migration, stopping at KRaftPostMigration, the last state that can be rolled back (kafkactl migrate {} -n {} --rollback)",
                cluster.id(),
                start.operator.version,
                cluster.name,
                cluster.namespace
            ),
            rolls: "the brokers, one at a time, twice; the new controllers start".to_string(),
            availability: availability(cluster),
        });
        let argv = kafkactl(&[&base[..], &["--finalize"]].concat());
        steps.push(Step {
            action: Action::Migrate { cluster: cluster.id() },
            command: Some(argv.join(" ")),
            argv,
            what: format!(
                "finalize: Strimzi removes ZooKeeper (no way back after this), then kafkactl removes spec.zookeeper and its own ZooKeeper objects from {}",
                cluster.id()
            ),
            rolls: "the brokers once more, then the controllers".to_string(),
            availability: availability(cluster),
        });
    }
    steps
}

/// Breadth-first over the stops: the first route found has the fewest steps.
fn shortest_route(start: &Start, releases: &[ReleaseFacts], goal: usize) -> Option<Vec<Stop>> {
    let first = Stop {
        release: releases.iter().position(|r| r.version == start.operator.version)?,
        stored_as_v1: start.stored_as_v1,
        versions: start.clusters.iter().map(|c| c.kafka_version.clone()).collect(),
    };
    let mut seen: HashSet<Stop> = HashSet::from([first.clone()]);
    let mut queue: VecDeque<Vec<Stop>> = VecDeque::from([vec![first]]);
    while let Some(route) = queue.pop_front() {
        let here = route.last()?;
        if here.release == goal {
            return Some(route);
        }
        for next in next_stops(here, releases) {
            if seen.insert(next.clone()) {
                let mut longer = route.clone();
                longer.push(next);
                queue.push_back(longer);
            }
        }
    }
    None
}

/// Every stop one step away: operator releases (newest first), the API
/// conversion, then each cluster's Kafka versions (newest first).
fn next_stops(here: &Stop, releases: &[ReleaseFacts]) -> Vec<Stop> {
    let current = &releases[here.release];
    let mut next = Vec::new();
    for (index, release) in releases.iter().enumerate().skip(here.release + 1).rev() {
        if operator_move_is_safe(here, release) {
            next.push(Stop {
                release: index,
                ..here.clone()
            });
        }
    }
    if current.converts_api() && !here.stored_as_v1 {
        next.push(Stop {
            stored_as_v1: true,
            ..here.clone()
        });
    }
    for (cluster, version) in here.versions.iter().enumerate() {
        let mut choices: Vec<&String> = current
            .kafka_versions
            .iter()
            .filter(|to| kafka_move_is_safe(version, to))
            .collect();
        choices.reverse();
        for to in choices {
            let mut versions = here.versions.clone();
            versions[cluster] = to.clone();
            next.push(Stop {
                versions,
                ..here.clone()
            });
        }
    }
    next
}

fn operator_move_is_safe(here: &Stop, to: &ReleaseFacts) -> bool {
    let versions_supported = here.versions.iter().all(|v| to.supports_kafka(v));
    let api_ready = if to.serves_v1beta2 {
        // Its CRDs would make v1beta2 the storage version again.
        !here.stored_as_v1
    } else {
        here.stored_as_v1
    };
    versions_supported && api_ready
}

/// Forward, or a patch step down within the same minor release: the Kafka
/// version moves the plan and the operator checks allow.
pub fn kafka_move_is_safe(from: &str, to: &str) -> bool {
    match compare_kafka_versions(to, from) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Less) => match (kafka_version(from), kafka_version(to)) {
            (Some((a, b, _)), Some((c, d, _))) => (a, b) == (c, d),
            _ => false,
        },
        _ => false,
    }
}

/// The step that leads from one stop to the next, and the Kubernetes
/// upgrade a release needs before it.
/// `kubernetes_minor` follows the Kubernetes upgrades planned so far.
fn step_between(
    start: &Start,
    releases: &[ReleaseFacts],
    (before, after): (&Stop, &Stop),
    kubernetes_minor: &mut Option<u32>,
    source: &ReleaseSource,
) -> Vec<Step> {
    let (from, to) = (&releases[before.release], &releases[after.release]);
    if before.release != after.release {
        let mut steps = Vec::new();
        if let Some(minor) = kubernetes_minor.filter(|m| *m < to.min_kubernetes_minor) {
            steps.push(kubernetes_step(minor, to));
            *kubernetes_minor = Some(to.min_kubernetes_minor);
        }
        // Fields the other tool wrote stay co-owned by it where a bundle left
        // them unchanged, so every later bundle meets them again.
        let take_over = start.installed_by_other_tool;
        steps.push(operator_step(start, from, to, source, take_over));
        return steps;
    }
    if before.stored_as_v1 != after.stored_as_v1 {
        let argv = kafkactl(&["operator", "convert-api", "-n", &start.operator_namespace]);
        return vec![Step {
            action: Action::ConvertApi {
                release: from.version.clone(),
            },
            command: Some(argv.join(" ")),
            argv,
            what: format!(
                "on Strimzi {}, convert every Strimzi resource to kafka.strimzi.io/v1, store the CRDs as v1 and trim their storedVersions to [v1], so that a release without v1beta2 can be installed",
                from.version
            ),
            rolls: "nothing".to_string(),
            availability: "no interruption: only how the resources are stored changes".to_string(),
        }];
    }
    let changed = before.versions.iter().zip(&after.versions).position(|(a, b)| a != b);
    changed
        .map(|index| {
            let cluster = &start.clusters[index];
            let (old, new) = (&before.versions[index], &after.versions[index]);
            let down = compare_kafka_versions(new, old) == Some(Ordering::Less);
            let mut args = vec!["upgrade", &cluster.name, "-n", &cluster.namespace, "--kafka-version", new];
            if down {
                args.push("--allow-downgrade");
            }
            let argv = kafkactl(&args);
            let direction = if down {
                format!(
                    "step {} down from Kafka {old} to {new} (a patch release of the same minor), because the next operator does not know {old}",
                    cluster.id()
                )
            } else {
                format!("upgrade {} from Kafka {old} to {new}, then its metadata version", cluster.id())
            };
            Step {
                action: Action::KafkaVersion {
                    cluster: cluster.id(),
                    from: old.clone(),
                    to: new.clone(),
                },
                command: Some(argv.join(" ")),
                argv,
                what: direction,
                rolls: format!("every pod of {}, one at a time", cluster.id()),
                availability: availability(cluster),
            }
        })
        .into_iter()
        .collect()
}

fn operator_step(
    start: &Start,
    from: &ReleaseFacts,
    to: &ReleaseFacts,
    source: &ReleaseSource,
    take_over: bool,
) -> Step {
    let mut args = vec!["operator", "install", "-n", &start.operator_namespace];
    let path;
    match source {
        ReleaseSource::Bundles(dir) => {
            path = format!("{}/{}/install/cluster-operator", dir.trim_end_matches('/'), to.version);
            args.extend(["--from", &path]);
        }
        ReleaseSource::Downloads => args.extend(["--version", &to.version]),
    }
    if take_over {
        args.push("--force-conflicts");
    }
    let argv = kafkactl(&args);
    let clusters: Vec<String> = start.clusters.iter().map(ClusterNow::id).collect();
    Step {
        action: Action::Operator {
            from: from.version.clone(),
            to: to.version.clone(),
        },
        command: Some(argv.join(" ")),
        argv,
        what: if take_over {
            format!(
                "replace the Strimzi operator {} with {}, taking over the fields of the tool that installed it (--force-conflicts)",
                from.version, to.version
            )
        } else {
            format!("replace the Strimzi operator {} with {}", from.version, to.version)
        },
        rolls: if clusters.is_empty() {
            "the operator's own pod".to_string()
        } else {
            format!(
                "the operator, then every pod of {} to the new release's images",
                clusters.join(", ")
            )
        },
        availability: if clusters.is_empty() {
            "no Kafka cluster to keep available".to_string()
        } else {
            start
                .clusters
                .iter()
                .map(|c| format!("{}: {}", c.id(), availability(c)))
                .collect::<Vec<_>>()
                .join("; ")
        },
    }
}

fn kubernetes_step(minor: u32, to: &ReleaseFacts) -> Step {
    Step {
        action: Action::Kubernetes {
            from: minor,
            to: to.min_kubernetes_minor,
        },
        command: None,
        argv: Vec::new(),
        what: format!(
            "upgrade Kubernetes from 1.{minor} to 1.{} or newer: Strimzi {} supports nothing older (not a kafkactl step)",
            to.min_kubernetes_minor, to.version
        ),
        rolls: "what your Kubernetes upgrade rolls".to_string(),
        availability: "as your Kubernetes upgrade allows".to_string(),
    }
}

/// How available the cluster stays while its pods roll one at a time.
fn availability(cluster: &ClusterNow) -> String {
    match cluster.replication {
        Some((rf, min_isr)) if rf >= 2 && min_isr < rf => format!(
            "available throughout: one pod restarts at a time, and with replication factor {rf} and min.insync.replicas {min_isr} every partition keeps a leader and accepts writes"
        ),
        Some((rf, min_isr)) if rf >= 2 => format!(
            "reads stay available; writes with acks=all to partitions on the restarting broker fail for its restart (min.insync.replicas {min_isr} = replication factor {rf})"
        ),
        Some((rf, _)) => {
            format!("partitions on the restarting broker are unavailable while it restarts (replication factor {rf})")
        }
        None => {
            "one pod restarts at a time; partitions with a replication factor of 2 or more stay available".to_string()
        }
    }
}

fn kafkactl(args: &[&str]) -> Vec<String> {
    std::iter::once("kafkactl")
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect()
}

fn names(releases: &[ReleaseFacts]) -> String {
    releases
        .iter()
        .map(|r| r.version.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::releases::{RELEASES, find};

    fn bundled() -> Vec<ReleaseFacts> {
        ["0.45.2", "0.46.1", "0.48.0", "0.51.0", "1.0.0", "1.2.0"]
            .iter()
            .filter_map(|v| find(v).map(|r| r.facts()))
            .collect()
    }

    fn zookeeper_classic(version: &str) -> Start {
        Start {
            operator: find("0.45.2").map(|r| r.facts()).unwrap_or_else(|| unreachable!()),
            operator_namespace: "strimzi".into(),
            installed_by_other_tool: false,
            kubernetes_minor: Some(33),
            stored_as_v1: false,
            clusters: vec![ClusterNow {
                namespace: "kafka".into(),
                name: "orders".into(),
                kafka_version: version.into(),
                metadata: MetadataMode::ZooKeeper,
                replication: Some((2, 1)),
            }],
        }
    }

    fn commands(plan: &Plan) -> Vec<String> {
        plan.steps.iter().filter_map(|s| s.command.clone()).collect()
    }

    #[test]
    fn zookeeper_on_0_45_reaches_1_2_through_the_bundled_releases_with_every_stop_supported() {
        let plan = plan(
            &zookeeper_classic("3.9.2"),
            "1.2.0",
            &bundled(),
            &ReleaseSource::Bundles("../shared/strimzi".into()),
        );
        assert!(plan.blockers.is_empty(), "{:?}", plan.blockers);
        let b = |v: &str| {
            format!("kafkactl operator install -n strimzi --from ../shared/strimzi/{v}/install/cluster-operator")
        };
        assert_eq!(
            commands(&plan),
            [
                "kafkactl migrate orders -n kafka --to kraft".to_string(),
                "kafkactl migrate orders -n kafka --to kraft --finalize".to_string(),
                "kafkactl upgrade orders -n kafka --kafka-version 3.9.0 --allow-downgrade".to_string(),
                b("0.46.1"),
                "kafkactl upgrade orders -n kafka --kafka-version 4.0.0".to_string(),
                b("0.48.0"),
                "kafkactl upgrade orders -n kafka --kafka-version 4.1.0".to_string(),
                b("0.51.0"),
                "kafkactl operator convert-api -n strimzi".to_string(),
                "kafkactl upgrade orders -n kafka --kafka-version 4.2.0".to_string(),
                b("1.2.0"),
            ]
        );
        assert!(
            plan.steps[2]
                .what
                .contains("step kafka/orders down from Kafka 3.9.2 to 3.9.0")
        );
        assert!(plan.steps[0].availability.contains("available throughout"));
    }

    #[test]
    fn every_operator_step_lands_on_a_release_that_supports_the_running_version() {
        let plan = plan(
            &zookeeper_classic("3.9.2"),
            "1.2.0",
            &bundled(),
            &ReleaseSource::Downloads,
        );
        let mut version = "3.9.2".to_string();
        let mut stored_as_v1 = false;
        for step in &plan.steps {
            match &step.action {
                Action::KafkaVersion { to, .. } => version = to.clone(),
                Action::ConvertApi { .. } => stored_as_v1 = true,
                Action::Operator { to, .. } => {
                    let release = find(to).unwrap_or_else(|| unreachable!());
                    assert!(release.supports_kafka(&version), "{to} runs {version}");
                    assert_eq!(release.serves_v1beta2, !stored_as_v1, "{to}");
                    assert!(step.argv.contains(&"--version".to_string()));
                }
                _ => {}
            }
        }
    }

    #[test]
    fn with_every_release_known_the_route_is_no_longer() {
        let all: Vec<ReleaseFacts> = RELEASES.iter().map(|r| r.facts()).collect();
        let plan = plan(&zookeeper_classic("3.9.2"), "1.2.0", &all, &ReleaseSource::Downloads);
        assert!(plan.blockers.is_empty());
        assert!(plan.steps.len() <= 11, "{:#?}", commands(&plan));
        assert!(commands(&plan).iter().any(|c| c.contains("convert-api")));
    }

    #[test]
    fn an_old_kubernetes_is_a_step_before_the_release_that_needs_a_newer_one() {
        let mut start = zookeeper_classic("3.9.0");
        start.kubernetes_minor = Some(28);
        let plan = plan(&start, "1.2.0", &bundled(), &ReleaseSource::Downloads);
        let k8s = plan
            .steps
            .iter()
            .position(|s| matches!(s.action, Action::Kubernetes { from: 28, to: 30 }))
            .unwrap_or_else(|| panic!("{:#?}", plan.steps));
        assert_eq!(plan.steps[k8s].command, None);
        assert!(matches!(&plan.steps[k8s + 1].action, Action::Operator { to, .. } if to == "0.51.0"));
        let upgrades = plan
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::Kubernetes { .. }));
        assert_eq!(upgrades.count(), 1, "once upgraded, later releases need no second step");
    }

    #[test]
    fn a_zookeeper_cluster_under_a_kraft_only_operator_blocks_the_plan() {
        let mut start = zookeeper_classic("3.9.0");
        start.operator = find("0.46.1").map(|r| r.facts()).unwrap_or_else(|| unreachable!());
        let plan = plan(&start, "1.2.0", &bundled(), &ReleaseSource::Downloads);
        assert!(plan.steps.is_empty());
        assert!(
            plan.blockers[0].contains("kafka/orders is ZooKeeper-based"),
            "{:?}",
            plan.blockers
        );
    }

    #[test]
    fn a_mid_migration_cluster_resumes_and_a_kraft_cluster_at_the_target_needs_nothing() {
        let mut start = zookeeper_classic("3.9.2");
        start.clusters[0].metadata = MetadataMode::Migrating("KRaftDualWriting".into());
        let plan = plan(&start, "1.2.0", &bundled(), &ReleaseSource::Downloads);
        assert!(
            plan.steps[0].what.contains("it is in KRaftDualWriting"),
            "{}",
            plan.steps[0].what
        );

        let done = Start {
            operator: find("1.2.0").map(|r| r.facts()).unwrap_or_else(|| unreachable!()),
            stored_as_v1: true,
            clusters: vec![ClusterNow {
                kafka_version: "4.3.1".into(),
                metadata: MetadataMode::KRaft,
                ..start.clusters[0].clone()
            }],
            ..start
        };
        let nothing = super::plan(&done, "1.2.0", &bundled(), &ReleaseSource::Downloads);
        assert!(nothing.steps.is_empty() && nothing.blockers.is_empty(), "{nothing:?}");
    }

    #[test]
    fn a_target_that_is_older_or_unknown_is_refused() {
        let start = zookeeper_classic("3.9.2");
        assert!(plan(&start, "0.44.0", &bundled(), &ReleaseSource::Downloads).blockers[0].contains("not among"));
        let mut newer = start.clone();
        newer.operator = find("1.2.0").map(|r| r.facts()).unwrap_or_else(|| unreachable!());
        newer.clusters.clear();
        assert!(plan(&newer, "0.51.0", &bundled(), &ReleaseSource::Downloads).blockers[0].contains("older"));
    }

    #[test]
    fn clusters_are_read_from_their_kafka_resources() {
        let kafkas = [
            serde_json::json!({"metadata": {"namespace": "kafka", "name": "zk"},
                "spec": {"kafka": {"version": "3.9.2", "config": {"default.replication.factor": 2, "min.insync.replicas": 1}},
                    "zookeeper": {"replicas": 3}}}),
            serde_json::json!({"metadata": {"namespace": "kafka", "name": "mid"}, "spec": {"kafka": {"version": "3.9.0"}},
                "status": {"kafkaVersion": "3.9.0", "kafkaMetadataState": "KRaftDualWriting"}}),
            serde_json::json!({"metadata": {"namespace": "kafka", "name": "kraft"}, "spec": {"kafka": {}},
                "status": {"kafkaVersion": "4.3.1"}}),
        ];
        let clusters = clusters_now(&kafkas);
        assert_eq!(clusters[0].metadata, MetadataMode::ZooKeeper);
        assert_eq!(clusters[0].replication, Some((2, 1)));
        assert_eq!(clusters[0].kafka_version, "3.9.2");
        assert_eq!(clusters[1].metadata, MetadataMode::Migrating("KRaftDualWriting".into()));
        assert_eq!(
            (clusters[2].metadata.clone(), clusters[2].kafka_version.as_str()),
            (MetadataMode::KRaft, "4.3.1")
        );
    }

    #[test]
    fn kafka_moves_forward_or_one_patch_down_within_a_minor() {
        assert!(kafka_move_is_safe("3.9.2", "3.9.0"));
        assert!(kafka_move_is_safe("3.9.0", "4.0.0"));
        assert!(!kafka_move_is_safe("4.0.0", "3.9.0"));
        assert!(!kafka_move_is_safe("3.9.0", "3.9.0"));
    }
}
