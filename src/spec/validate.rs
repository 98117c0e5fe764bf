//! `validate()`: every problem of a spec, collected before anything is
//! rendered or applied. Each area has its own small validator that pushes
//! into one `Report`; none stops at the first problem, so a user fixes a
//! preset in one round. Field paths are the spec's YAML paths
//! (`pools.brokers.jvm.xmx`); messages say what is wrong and what is valid.
//!
//! Pure: no I/O. What only the live cluster can tell (storage classes,
//! nodes for required anti-affinity, free NodePorts) is `check`'s job.

mod config;
mod exposure;
mod images;
mod listeners;
mod monitoring;
mod names;
mod pools;
mod resources;
mod syntax;
mod versions;

use super::model::ClusterSpec;
use super::problem::Report;

pub use exposure::{INTERNAL_LOAD_BALANCERS, InternalLoadBalancer, internal_load_balancer};
pub use names::{existing_cluster_name_problem, namespace_problem};
pub use syntax::{
    cidr_problem, image_problem, prometheus_bytes, prometheus_duration_ms, registry_problem, subdomain_violations,
};

/// Everything wrong with `spec`: errors make it unusable, warnings are shown
/// and let the command go on.
pub fn validate(spec: &ClusterSpec) -> Report {
    let mut report = Report::default();
    names::validate_names(spec, &mut report);
    pools::validate_pools(spec, &mut report);
    pools::validate_zookeeper(spec, &mut report);
    config::validate_config(spec, &mut report);
    listeners::validate_listeners(spec, &mut report);
    versions::validate_versions(spec, &mut report);
    images::validate_images(spec, &mut report);
    monitoring::validate_prometheus(spec, &mut report);
    monitoring::validate_exporters(spec, &mut report);
    exposure::validate_zoo_entrance(spec, &mut report);
    exposure::validate_prometheus_exposure(spec, &mut report);
    report
}
