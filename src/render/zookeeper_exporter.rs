//! The ZooKeeper exporter (dabealu/zookeeper-exporter) Deployment and Service.
//! It sends `mntr` through zoo-entrance, because Strimzi's ZooKeeper speaks
//! TLS only; each scrape therefore reaches whichever ZooKeeper node the
//! zoo-entrance Service picks, so its numbers describe "a" node, not all.

use k8s_openapi::api::core::v1::{Container, PodSpec, SecurityContext};
use serde_json::Value;

use super::image_ref;
use super::workload::{
    cluster_ip_service, container_port, deployment, hardened_security_context, http_probe, service_port, tcp_probe,
};
use super::zoo_entrance::ZOOKEEPER_PORT;
use crate::spec::ClusterSpec;
use crate::spec::names::{self, Component};

pub const EXPORTER_PORT: i32 = 9141;
/// Port name the Prometheus scrape job keeps.
pub const PORT_NAME: &str = "metrics";
/// The image runs as root by default; `nobody` is all the exporter needs.
const RUN_AS_USER: i64 = 65534;

/// Deployment and Service; empty unless the cluster runs ZooKeeper and the exporter is on.
pub fn zookeeper_exporter(spec: &ClusterSpec) -> Vec<Value> {
    if !(spec.is_zookeeper() && spec.zookeeper_exporter.enabled) {
        return Vec::new();
    }
    let name = names::zookeeper_exporter(&spec.name);
    vec![
        deployment(spec, &name, Component::ZookeeperExporter, pod_spec(spec)),
        cluster_ip_service(
            spec,
            &name,
            Component::ZookeeperExporter,
            vec![service_port(PORT_NAME, EXPORTER_PORT)],
        ),
    ]
}

fn pod_spec(spec: &ClusterSpec) -> PodSpec {
    let container = Container {
        name: Component::ZookeeperExporter.as_str().to_string(),
        image: Some(image_ref(spec, &spec.images.zookeeper_exporter)),
        args: Some(vec![
            "-zk-hosts".to_string(),
            format!("{}:{ZOOKEEPER_PORT}", names::zoo_entrance(&spec.name)),
            "-listen".to_string(),
            format!("0.0.0.0:{EXPORTER_PORT}"),
        ]),
        ports: Some(vec![container_port(PORT_NAME, EXPORTER_PORT)]),
        readiness_probe: Some(http_probe("/metrics", PORT_NAME)),
        // Every GET of /metrics dials ZooKeeper (30s timeout): an HTTP liveness
        // probe would restart the exporter exactly while ZooKeeper is unwell,
        // when its `zk_up 0` matters most. A listening socket is enough.
        liveness_probe: Some(tcp_probe(PORT_NAME)),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS_USER),
            run_as_group: Some(RUN_AS_USER),
            read_only_root_filesystem: Some(true),
            ..hardened_security_context()
        }),
        ..Container::default()
    };
    PodSpec {
        containers: vec![container],
        automount_service_account_token: Some(false),
        ..PodSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MetadataMode;

    fn spec() -> ClusterSpec {
        let mut spec = ClusterSpec {
            name: "old".to_string(),
            metadata: MetadataMode::Zookeeper,
            ..ClusterSpec::default()
        };
        spec.zookeeper_exporter.enabled = true;
        spec
    }

    #[test]
    fn exporter_reads_zookeeper_through_zoo_entrance() {
        let objects = zookeeper_exporter(&spec());
        let container = &objects[0]["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            container["args"],
            serde_json::json!(["-zk-hosts", "old-zoo-entrance:2181", "-listen", "0.0.0.0:9141"])
        );
        assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/metrics");
        assert_eq!(objects[1]["kind"], "Service");
        assert_eq!(objects[1]["spec"]["ports"][0]["port"], 9141);
    }

    #[test]
    fn nothing_in_kraft_mode() {
        let mut spec = spec();
        spec.metadata = MetadataMode::Kraft;
        assert!(zookeeper_exporter(&spec).is_empty());
    }
}
