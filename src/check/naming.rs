//! Name checks: no other Kafka cluster by this name (the same spec is a
//! re-run), and no KafkaNodePool of this spec already belongs to another
//! cluster of the namespace — KafkaNodePool names are unique in a namespace:
//! bare pool names (`brokers`) of two clusters collide, and even prefixed
//! ones can (`a` + `b-brokers` and `a-b` + `brokers`).

use super::{CheckResult, Intent, Section, Target, and_list};
use crate::cluster::facts::ClusterFacts;
use crate::cluster::inventory::stored_spec;
use crate::spec::{ClusterSpec, NodePoolNames, names};

const SECTION: Section = Section::Naming;

pub fn checks(facts: &ClusterFacts, target: &Target) -> Vec<CheckResult> {
    let mut out = Vec::new();
    if target.named {
        out.push(name_check(facts, target));
    }
    if !target.spec.is_zookeeper() {
        out.push(pool_check(facts, target));
    }
    out
}

fn name_check(facts: &ClusterFacts, target: &Target) -> CheckResult {
    let spec = target.spec;
    let (name, ns) = (&spec.name, &spec.namespace);
    let title = "cluster name";
    let kafkas = match &facts.kafkas {
        Ok(k) => k,
        Err(why) => {
            return CheckResult::warn(
                SECTION,
                title,
                format!("could not check for a cluster named {name}: {why}"),
                format!("kubectl -n {ns} get kafka {name} shows whether it exists"),
            );
        }
    };
    let existing = kafkas
        .iter()
        .find(|k| k["metadata"]["name"].as_str() == Some(name.as_str()));
    let Some(kafka) = existing else {
        return match target.intent {
            Intent::Scale => CheckResult::fail(
                SECTION,
                title,
                format!("no Kafka cluster named {name} in namespace {ns}"),
                format!("kafkactl list -n {ns} shows the clusters there"),
            ),
            _ => CheckResult::pass(SECTION, title, format!("{name} is free in namespace {ns}")),
        };
    };
    match stored_spec(kafka) {
        None => CheckResult::fail(
            SECTION,
            title,
            format!("a Kafka cluster named {name} already exists in namespace {ns} and was not created by kafkactl"),
            "pick another name; kafkactl does not take over clusters it did not create",
        ),
        Some(Err(e)) => CheckResult::fail(
            SECTION,
            title,
            format!("the spec stored on Kafka {ns}/{name} cannot be read: {e}"),
            format!("kubectl -n {ns} get kafka {name} -o yaml shows the kafkactl.io/spec annotation"),
        ),
        Some(Ok(stored)) if stored == *spec => CheckResult::pass(
            SECTION,
            title,
            format!("{name} exists with the same spec: applying it again changes nothing"),
        ),
        Some(Ok(_)) => match target.intent {
            Intent::Scale | Intent::Create { update: true } => CheckResult::pass(
                SECTION,
                title,
                format!("{name} exists and will be changed to this spec"),
            ),
            Intent::Create { update: false } => CheckResult::fail(
                SECTION,
                title,
                format!("cluster {name} already exists in namespace {ns} with a different spec"),
                format!(
                    "change it with kafkactl scale {name}, or apply these flags to its stored spec with kafkactl create {name} --update"
                ),
            ),
            Intent::Check => CheckResult::warn(
                SECTION,
                title,
                format!("cluster {name} already exists in namespace {ns} with a different spec"),
                format!("create refuses it unless --update; kafkactl scale {name} changes sizes"),
            ),
        },
    }
}

fn pool_check(facts: &ClusterFacts, target: &Target) -> CheckResult {
    let spec = target.spec;
    let title = "node pool names";
    let pools = match &facts.node_pools {
        Ok(p) => p,
        Err(why) => {
            return CheckResult::warn(
                SECTION,
                title,
                format!(
                    "could not check the KafkaNodePools of namespace {}: {why}",
                    spec.namespace
                ),
                format!("kubectl -n {} get kafkanodepools shows them", spec.namespace),
            );
        }
    };
    // Without a name, the placeholder owns nothing: every existing pool of that name collides.
    let owner = target.named.then_some(spec.name.as_str());
    let wanted: Vec<String> = spec.pools.keys().map(|pool| names::node_pool(spec, pool)).collect();
    let taken: Vec<String> = wanted
        .iter()
        .filter_map(|pool| {
            let existing = pools.iter().find(|p| &p.name == pool)?;
            let other = existing.cluster.as_deref();
            (other != owner || other.is_none()).then(|| {
                format!(
                    "KafkaNodePool {pool} belongs to {}",
                    other
                        .map(|c| format!("cluster {c}"))
                        .unwrap_or_else(|| "no cluster".into())
                )
            })
        })
        .collect();
    if taken.is_empty() {
        let (own, free): (Vec<String>, Vec<String>) = wanted
            .iter()
            .cloned()
            .partition(|pool| owner.is_some() && pools.iter().any(|p| &p.name == pool));
        let mut parts = Vec::new();
        if !free.is_empty() {
            parts.push(format!("{} free", and_list(&free)));
        }
        if !own.is_empty() {
            parts.push(format!("{} already {}'s", and_list(&own), spec.name));
        }
        CheckResult::pass(
            SECTION,
            title,
            format!("{} in namespace {}", parts.join("; "), spec.namespace),
        )
    } else {
        CheckResult::fail(
            SECTION,
            title,
            format!(
                "{} in namespace {}: KafkaNodePool names are unique in a namespace",
                taken.join("; "),
                spec.namespace
            ),
            collision_hint(spec),
        )
    }
}

/// How to get out of a KafkaNodePool name collision, by naming scheme.
fn collision_hint(spec: &ClusterSpec) -> &'static str {
    match spec.node_pool_names {
        NodePoolNames::Bare => {
            "with nodePoolNames: bare, pool names must be unique in the namespace: drop that line from the preset \
             (pools are then named <cluster>-<pool>), rename the pools, or use another namespace (-n)"
        }
        NodePoolNames::Prefixed => "choose another cluster name or pool names, or another namespace (-n)",
    }
}
