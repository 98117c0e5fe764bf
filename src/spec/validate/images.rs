//! Images: the custom Kafka image, the registry mirror, pull secrets and the
//! images of kafkactl's own components.

use super::syntax::{image_problem, registry_problem, subdomain_violations};
use crate::spec::model::ClusterSpec;
use crate::spec::problem::Report;

pub(super) fn validate_images(spec: &ClusterSpec, report: &mut Report) {
    let images = &spec.images;
    if let Some(image) = &images.kafka {
        check_image(report, "images.kafka", image, "registry.example.com/team/kafka:4.3.1");
    }
    if let Some(registry) = &images.registry
        && let Some(problem) = registry_problem(registry)
    {
        report.error(
            "images.registry",
            format!(
                "\"{registry}\" is not a registry mirror: it {problem}; write a registry host with an optional path, e.g. harbor.corp/mirror or registry.local:5000"
            ),
        );
    }
    for (i, secret) in images.pull_secrets.iter().enumerate() {
        let violations = subdomain_violations(secret);
        if !violations.is_empty() {
            report.error(
                format!("images.pullSecrets[{i}]"),
                format!(
                    "\"{secret}\" is not a Secret name: it {}; e.g. regcred",
                    violations.join(", ")
                ),
            );
        }
    }
    let zookeeper_mode = spec.is_zookeeper();
    let components = [
        (
            "images.zooEntrance",
            &images.zoo_entrance,
            zookeeper_mode && spec.zoo_entrance.enabled,
        ),
        (
            "images.zookeeperExporter",
            &images.zookeeper_exporter,
            zookeeper_mode && spec.zookeeper_exporter.enabled,
        ),
    ];
    for (field, image, needed) in components {
        // An unused image may be empty; a set one must still be sane.
        if needed || !image.is_empty() {
            check_image(report, field, image, image_example(field));
        }
    }
}

fn image_example(field: &str) -> &'static str {
    match field {
        "images.zooEntrance" => crate::spec::model::DEFAULT_ZOO_ENTRANCE_IMAGE,
        _ => crate::spec::model::DEFAULT_ZOOKEEPER_EXPORTER_IMAGE,
    }
}

/// Report `image` at `field` unless it is a sane image reference.
pub(super) fn check_image(report: &mut Report, field: &str, image: &str, example: &str) {
    if let Some(problem) = image_problem(image) {
        report.error(
            field.to_string(),
            format!("\"{image}\" is not a valid image reference: it {problem}; e.g. {example}"),
        );
    }
}
