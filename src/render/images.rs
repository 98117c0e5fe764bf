//! Image references: the registry mirror prefix applied to every image kafkactl writes.

use crate::spec::ClusterSpec;

/// `image` as pulled through the spec's registry mirror, if one is set.
/// `quay.io/prometheus/prometheus:v2` with mirror `harbor.corp/mirror` becomes
/// `harbor.corp/mirror/prometheus/prometheus:v2`: the mirror replaces the
/// source registry host and keeps the repository path.
pub fn image_ref(spec: &ClusterSpec, image: &str) -> String {
    let Some(mirror) = spec.images.registry.as_deref().map(|m| m.trim_end_matches('/')) else {
        return image.to_string();
    };
    if mirror.is_empty() || image.starts_with(&format!("{mirror}/")) {
        return image.to_string();
    }
    format!("{mirror}/{}", strip_registry(image))
}

/// The repository path of an image without its registry host. The first path
/// segment is a registry when it has a dot or a port, or is `localhost`
/// (the rule Docker uses); Docker Hub images have no registry segment.
fn strip_registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => rest,
        _ => image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with_mirror(mirror: Option<&str>) -> ClusterSpec {
        let mut spec = ClusterSpec::default();
        spec.images.registry = mirror.map(str::to_string);
        spec
    }

    #[test]
    fn image_without_mirror_is_unchanged() {
        assert_eq!(image_ref(&spec_with_mirror(None), "quay.io/a/b:1"), "quay.io/a/b:1");
    }

    #[test]
    fn mirror_replaces_the_source_registry() {
        let spec = spec_with_mirror(Some("harbor.corp/mirror/"));
        assert_eq!(
            image_ref(&spec, "quay.io/prometheus/prometheus:v2"),
            "harbor.corp/mirror/prometheus/prometheus:v2"
        );
        assert_eq!(
            image_ref(&spec, "ghcr.io/scholzj/zoo-entrance:latest"),
            "harbor.corp/mirror/scholzj/zoo-entrance:latest"
        );
    }

    #[test]
    fn docker_hub_images_keep_their_whole_path() {
        let spec = spec_with_mirror(Some("harbor.corp"));
        assert_eq!(
            image_ref(&spec, "dabealu/zookeeper-exporter:latest"),
            "harbor.corp/dabealu/zookeeper-exporter:latest"
        );
    }

    #[test]
    fn an_image_already_on_the_mirror_is_not_prefixed_twice() {
        let spec = spec_with_mirror(Some("harbor.corp"));
        assert_eq!(
            image_ref(&spec, "harbor.corp/kafka/custom:1"),
            "harbor.corp/kafka/custom:1"
        );
    }
}
