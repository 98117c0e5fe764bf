//! Node pools (roles, replicas, the KRaft quorum, the ZooKeeper-mode layout)
//! and the ZooKeeper ensemble.

use std::collections::BTreeSet;

use super::resources::{validate_heap, validate_resources, validate_scheduling, validate_storage};
use crate::spec::model::{ClusterSpec, PoolSpec, Role, ZOOKEEPER_MODE_POOL};
use crate::spec::names::POOL_ID_RANGE;
use crate::spec::problem::Report;

/// The largest ZooKeeper ensemble kafkactl renders (larger ones only slow writes down).
const MAX_ZOOKEEPERS: i32 = 15;

pub(super) fn validate_pools(spec: &ClusterSpec, report: &mut Report) {
    if spec.pools.is_empty() {
        report.error(
            "pools",
            "at least one pool is required, e.g. a pool brokers with roles: [broker] (the production preset has brokers and controllers)",
        );
        return;
    }
    for (name, pool) in &spec.pools {
        validate_pool(name, pool, report);
    }
    if spec.broker_pools().next().is_none() {
        report.error(
            "pools",
            "no pool has the broker role; give a pool roles: [broker] (or [controller, broker] for a small dual-role cluster)",
        );
    }
    if spec.is_zookeeper() {
        validate_zookeeper_layout(spec, report);
    } else {
        validate_controller_quorum(spec, report);
    }
}

fn validate_pool(name: &str, pool: &PoolSpec, report: &mut Report) {
    let prefix = format!("pools.{name}");
    validate_roles(&prefix, &pool.roles, report);
    if pool.replicas < 1 {
        report.error(
            format!("{prefix}.replicas"),
            format!(
                "must be at least 1, got {}; a pool needs nodes (remove the pool from the spec instead of scaling it to zero)",
                pool.replicas
            ),
        );
    } else if pool.replicas > POOL_ID_RANGE {
        report.error(
            format!("{prefix}.replicas"),
            format!(
                "must be at most {POOL_ID_RANGE}, got {}; each pool owns {POOL_ID_RANGE} node ids (spread more nodes over several pools in a preset file)",
                pool.replicas
            ),
        );
    }
    validate_resources(&prefix, &pool.resources, report);
    validate_heap(&prefix, &pool.jvm, &pool.resources, report);
    validate_storage(&prefix, &pool.storage, true, report);
    validate_scheduling(&prefix, &pool.scheduling, report);
}

fn validate_roles(prefix: &str, roles: &[Role], report: &mut Report) {
    let field = format!("{prefix}.roles");
    if roles.is_empty() {
        report.error(
            field,
            "a pool needs at least one role: [broker], [controller] or [controller, broker]",
        );
        return;
    }
    let mut seen = BTreeSet::new();
    for role in roles {
        if !seen.insert(role) {
            let name = role.as_str();
            report.error(
                field.clone(),
                format!("role {name} is listed twice; list each role once"),
            );
        }
    }
}

/// Strimzi 0.45 in ZooKeeper mode has one broker group, `<cluster>-kafka-<n>`.
fn validate_zookeeper_layout(spec: &ClusterSpec, report: &mut Report) {
    let names: Vec<&str> = spec.pools.keys().map(String::as_str).collect();
    if names != [ZOOKEEPER_MODE_POOL] {
        report.error(
            "pools",
            format!(
                "ZooKeeper mode has exactly one broker pool, named \"{ZOOKEEPER_MODE_POOL}\" (Strimzi names its pods <cluster>-kafka-<n>); found: {}",
                names.join(", ")
            ),
        );
    }
    if let Some(pool) = spec.pools.get(ZOOKEEPER_MODE_POOL)
        && pool.is_controller()
    {
        report.error(
            format!("pools.{ZOOKEEPER_MODE_POOL}.roles"),
            "KRaft controllers do not exist in ZooKeeper mode (ZooKeeper keeps the metadata); use roles: [broker]",
        );
    }
}

/// KRaft needs a controller quorum; an even one buys nothing.
fn validate_controller_quorum(spec: &ClusterSpec, report: &mut Report) {
    let controller_pools: Vec<&String> = spec.controller_pools().map(|(name, _)| name).collect();
    let field = match controller_pools.as_slice() {
        [] => {
            report.error(
                "pools",
                "KRaft needs controllers, but no pool has the controller role; add a pool with roles: [controller] and 3 replicas, or make a pool dual-role with roles: [controller, broker]",
            );
            return;
        }
        [only] => format!("pools.{only}.replicas"),
        _ => "pools".to_string(),
    };
    let count = spec.controller_count();
    if count == 2 {
        report.warning(
            field,
            "2 KRaft controllers tolerate no more failures than 1 (none: a quorum of 2 needs both); use 3",
        );
    } else if count > 0 && count % 2 == 0 {
        report.warning(field, even_quorum_message("KRaft controllers", count));
    }
}

/// "4 KRaft controllers tolerate 1 failure, no more than 3 would …".
fn even_quorum_message(what: &str, count: i32) -> String {
    let majority = count / 2 + 1;
    let failures = (count - 1) / 2;
    format!(
        "{count} {what} tolerate {failures} failure{}, no more than {} would (a majority of {count} is {majority}); use an odd number such as {} or {}",
        if failures == 1 { "" } else { "s" },
        count - 1,
        count - 1,
        count + 1
    )
}

/// The ensemble of a ZooKeeper-mode cluster (mode mismatches are reported by
/// the version checks).
pub(super) fn validate_zookeeper(spec: &ClusterSpec, report: &mut Report) {
    let (true, Some(zookeeper)) = (spec.is_zookeeper(), spec.zookeeper.as_ref()) else {
        return;
    };
    let replicas = zookeeper.replicas;
    if replicas < 1 {
        report.error(
            "zookeeper.replicas",
            format!("must be at least 1, got {replicas}; 3 is the usual ensemble (--zookeepers 3)"),
        );
    } else if replicas > MAX_ZOOKEEPERS {
        report.error(
            "zookeeper.replicas",
            format!("must be at most {MAX_ZOOKEEPERS}, got {replicas}; every write waits for a majority of the ensemble, so 3 or 5 is usual (--zookeepers 3)"),
        );
    } else if replicas % 2 == 0 {
        report.warning("zookeeper.replicas", even_quorum_message("ZooKeeper nodes", replicas));
    }
    validate_resources("zookeeper", &zookeeper.resources, report);
    validate_heap("zookeeper", &zookeeper.jvm, &zookeeper.resources, report);
    validate_storage("zookeeper", &zookeeper.storage, false, report);
    validate_scheduling("zookeeper", &zookeeper.scheduling, report);
}
