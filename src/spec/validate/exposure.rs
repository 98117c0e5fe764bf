//! Exposures of kafkactl's own components outside the Kubernetes cluster:
//! zoo-entrance (`zooEntrance.expose`) and Prometheus (`prometheus.expose`,
//! `prometheus.ingress`). Neither has authentication, so a Service that
//! would be public by accident is an error: it must be internal (a cloud's
//! internal-load-balancer annotation), limited to CIDRs, or public on purpose.

use std::collections::BTreeMap;

use super::syntax::{cidr_problem, subdomain_violations};
use crate::spec::model::{ClusterSpec, ExposureType, IngressSpec, ServiceExposure};
use crate::spec::problem::Report;

/// Kubernetes' default `--service-node-port-range`.
const NODE_PORT_RANGE: (i32, i32) = (30000, 32767);

/// A cloud's internal load balancer: the `--lb` preset name, the provider,
/// and the Service annotations that make its load balancer internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InternalLoadBalancer {
    pub preset: &'static str,
    pub provider: &'static str,
    pub annotations: &'static [(&'static str, &'static str)],
}

/// The clouds whose internal-load-balancer annotations kafkactl knows.
pub const INTERNAL_LOAD_BALANCERS: &[InternalLoadBalancer] = &[
    InternalLoadBalancer {
        preset: "aliyun-intranet",
        provider: "Alibaba Cloud",
        annotations: &[(
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
            "intranet",
        )],
    },
    InternalLoadBalancer {
        preset: "aws-internal",
        provider: "AWS",
        // The in-tree controller reads the first, the AWS Load Balancer Controller the second.
        annotations: &[
            ("service.beta.kubernetes.io/aws-load-balancer-internal", "true"),
            ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
        ],
    },
    InternalLoadBalancer {
        preset: "gcp-internal",
        provider: "Google Cloud",
        annotations: &[("networking.gke.io/load-balancer-type", "Internal")],
    },
    InternalLoadBalancer {
        preset: "azure-internal",
        provider: "Azure",
        annotations: &[("service.beta.kubernetes.io/azure-load-balancer-internal", "true")],
    },
];

/// The provider whose internal-load-balancer annotation `annotations` carry.
pub fn internal_load_balancer(annotations: &BTreeMap<String, String>) -> Option<&'static str> {
    INTERNAL_LOAD_BALANCERS
        .iter()
        .find(|lb| {
            lb.annotations
                .iter()
                .any(|(key, value)| annotations.get(*key).is_some_and(|v| v.eq_ignore_ascii_case(value)))
        })
        .map(|lb| lb.provider)
}

pub(super) fn validate_zoo_entrance(spec: &ClusterSpec, report: &mut Report) {
    let Some(exposure) = &spec.zoo_entrance.expose else {
        return;
    };
    let field = "zooEntrance.expose";
    if !spec.zoo_entrance.enabled {
        report.error(
            field,
            "an exposure needs zoo-entrance itself: set zooEntrance.enabled: true, or remove zooEntrance.expose",
        );
    }
    check_exposure(field, exposure, report);
    match exposure.kind {
        ExposureType::Loadbalancer => not_public_by_accident(field, "ZooKeeper (through zoo-entrance)", exposure, report),
        ExposureType::Nodeport if exposure.allow_from.is_empty() && !exposure.public => report.error(
            field,
            "a NodePort opens unauthenticated ZooKeeper on every node to anyone who can reach one; limit it with allowFrom (--allow-from CIDR), or set public: true (--public) if that is really meant",
        ),
        ExposureType::Nodeport => {}
    }
}

pub(super) fn validate_prometheus_exposure(spec: &ClusterSpec, report: &mut Report) {
    let prometheus = &spec.prometheus;
    if prometheus.expose.is_none() && prometheus.ingress.is_none() {
        return;
    }
    if !prometheus.standalone() {
        report.error(
            "prometheus",
            "expose and ingress need kafkactl's own Prometheus (prometheus.enabled: true, mode: standalone); remove them, or expose the Prometheus that scrapes this cluster where it runs",
        );
    }
    if let Some(exposure) = &prometheus.expose {
        let field = "prometheus.expose";
        check_exposure(field, exposure, report);
        match exposure.kind {
            ExposureType::Loadbalancer => not_public_by_accident(field, "Prometheus", exposure, report),
            ExposureType::Nodeport if !exposure.allow_from.is_empty() => report.error(
                format!("{field}.allowFrom"),
                "allowFrom limits load balancers only: no NetworkPolicy guards Prometheus, so a NodePort cannot be limited to CIDRs here; use type: loadbalancer, or a firewall in front of the nodes",
            ),
            ExposureType::Nodeport => {}
        }
    }
    if let Some(ingress) = &prometheus.ingress {
        check_ingress("prometheus.ingress", ingress, report);
    }
}

/// Rules every exposure follows: CIDRs, NodePort range, annotation keys.
fn check_exposure(field: &str, exposure: &ServiceExposure, report: &mut Report) {
    for (i, cidr) in exposure.allow_from.iter().enumerate() {
        if let Some(problem) = cidr_problem(cidr) {
            report.error(
                format!("{field}.allowFrom[{i}]"),
                format!("\"{cidr}\" is not a CIDR: {problem}; write address/prefix, e.g. 10.0.0.0/8"),
            );
        }
    }
    if exposure.public && !exposure.allow_from.is_empty() {
        report.error(
            format!("{field}.public"),
            "public and allowFrom contradict each other: allowFrom limits who may connect; drop one of them",
        );
    }
    if let Some(port) = exposure.node_port {
        let (low, high) = NODE_PORT_RANGE;
        if !(low..=high).contains(&port) {
            report.error(
                format!("{field}.nodePort"),
                format!(
                    "NodePort {port} is outside the range {low}-{high} that Kubernetes allocates NodePorts from; pick one in that range, or leave it unset"
                ),
            );
        }
    }
    check_annotations(&format!("{field}.annotations"), &exposure.annotations, report);
}

/// A load balancer is public on most clouds unless an annotation says
/// otherwise; with neither such an annotation, nor source ranges, nor an
/// explicit `public`, the user has not decided who may connect.
fn not_public_by_accident(field: &str, what: &str, exposure: &ServiceExposure, report: &mut Report) {
    if exposure.public || !exposure.allow_from.is_empty() {
        return;
    }
    let presets: Vec<&str> = INTERNAL_LOAD_BALANCERS.iter().map(|lb| lb.preset).collect();
    if exposure.annotations.is_empty() {
        report.error(
            field,
            format!(
                "a LoadBalancer without an internal-load-balancer annotation is public on most clouds, and {what} has no authentication; make it internal (--lb {}, or --annotation for another cloud), limit it with allowFrom (--allow-from CIDR), or set public: true (--public) if that is really meant",
                presets.join("|")
            ),
        );
    } else if internal_load_balancer(&exposure.annotations).is_none() {
        report.warning(
            format!("{field}.annotations"),
            format!(
                "none of these annotations is a known internal-load-balancer annotation ({}); make sure one makes the load balancer internal, or the unauthenticated {what} is public",
                presets.join(", ")
            ),
        );
    }
}

fn check_ingress(field: &str, ingress: &IngressSpec, report: &mut Report) {
    let violations = subdomain_violations(&ingress.host);
    if !violations.is_empty() {
        report.error(
            format!("{field}.host"),
            format!(
                "\"{}\" is not a host name: it {}; e.g. prometheus.example.com",
                ingress.host,
                violations.join(", ")
            ),
        );
    }
    for (name, value) in [("class", &ingress.class), ("tlsSecret", &ingress.tls_secret)] {
        if let Some(value) = value {
            let violations = subdomain_violations(value);
            if !violations.is_empty() {
                report.error(
                    format!("{field}.{name}"),
                    format!(
                        "\"{value}\" is not a Kubernetes object name: it {}",
                        violations.join(", ")
                    ),
                );
            }
        }
    }
    check_annotations(&format!("{field}.annotations"), &ingress.annotations, report);
}

/// Annotation keys: an optional DNS-subdomain prefix and '/', then a name of
/// at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends.
pub(super) fn check_annotations(field: &str, annotations: &BTreeMap<String, String>, report: &mut Report) {
    for key in annotations.keys() {
        if let Some(problem) = annotation_key_problem(key) {
            report.error(
                format!("{field}.{key}"),
                format!("\"{key}\" is not an annotation key: {problem}; e.g. example.com/team"),
            );
        }
    }
}

fn annotation_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let violations = subdomain_violations(prefix);
        if !violations.is_empty() {
            return Some(format!("its prefix \"{prefix}\" {}", violations.join(", ")));
        }
    }
    let alnum_ends =
        name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name.is_empty() || name.len() > 63 || !alnum_ends || !allowed {
        return Some(format!(
            "its name \"{name}\" must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_keys_follow_kubernetes_rules() {
        assert_eq!(annotation_key_problem("team"), None);
        assert_eq!(
            annotation_key_problem("service.beta.kubernetes.io/aws-load-balancer-internal"),
            None
        );
        assert!(annotation_key_problem("Bad Prefix/x").is_some());
        assert!(annotation_key_problem("example.com/").is_some());
        assert!(annotation_key_problem("example.com/-x").is_some());
    }

    #[test]
    fn every_preset_is_recognised_as_internal() {
        for lb in INTERNAL_LOAD_BALANCERS {
            let map = lb
                .annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(internal_load_balancer(&map), Some(lb.provider));
        }
        let other = BTreeMap::from([("example.com/x".to_string(), "y".to_string())]);
        assert_eq!(internal_load_balancer(&other), None);
    }
}
