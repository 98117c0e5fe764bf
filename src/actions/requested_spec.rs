//! The spec a `create` asks for, and `check` checks: the preset (or, for
//! `create --update` without one, the spec stored on the cluster), the flags
//! over it, the existing cluster's pool naming, and the Strimzi API the
//! cluster serves. One way to build it, so that `check` judges exactly what
//! `create` would apply.

use anyhow::Context;
use serde_json::Value;

use crate::cluster::inventory::{stored_pool_naming, stored_spec};
use crate::error::Failure;
use crate::spec::preset::DEFAULT_PRESET;
use crate::spec::versions::api_supports;
use crate::spec::{self, ClusterSpec, Report, SpecOverrides, StrimziApi};

/// What the spec is built from.
#[derive(Debug, Clone)]
pub struct SpecRequest<'a> {
    pub name: &'a str,
    /// A built-in preset or a preset file; the default preset when absent.
    pub preset: Option<&'a str>,
    /// The flags, as overrides of the preset.
    pub overrides: SpecOverrides,
    /// The Strimzi API the cluster serves, when connected and known.
    pub served_api: Option<StrimziApi>,
    /// The Kafka CR of the same name, when it exists: its pool naming is kept.
    pub existing: Option<&'a Value>,
    /// Start from the spec stored on `existing` (`create --update` without a preset).
    pub update: bool,
}

/// The spec and what building it found (problems and warnings; not yet
/// judged: the caller refuses an invalid one in its own words).
///
/// The spec is rendered for the API the cluster serves — unless that API
/// cannot run the metadata mode asked for: then the spec stays as asked and
/// the operator rules (`check::strimzi::operator_fit`) say why it cannot run.
pub fn requested_spec(request: SpecRequest) -> anyhow::Result<(ClusterSpec, Report)> {
    let preset = request.preset.unwrap_or(DEFAULT_PRESET);
    let mut overrides = request.overrides;
    overrides.node_pool_names = request.existing.and_then(stored_pool_naming);
    if let Some(served) = request.served_api
        && let Some(asked) = overrides.strimzi_api.filter(|a| *a != served)
    {
        return Err(Failure::usage(format!(
            "--strimzi-api {} was given, but this cluster serves kafka.strimzi.io/{}",
            asked.as_str(),
            served.as_str()
        ))
        .with_hint("leave --strimzi-api out when a cluster is connected: kafkactl renders for what it serves")
        .into());
    }
    let stored = request
        .existing
        .filter(|_| request.update && request.preset.is_none())
        .and_then(stored_spec)
        .and_then(Result::ok);
    let build = |overrides: &SpecOverrides| match &stored {
        Some(stored) => Ok(spec::build_over(stored, overrides)),
        None => spec::build(request.name, preset, overrides).with_context(|| format!("cannot use preset \"{preset}\"")),
    };
    let (mut spec, mut report) = build(&overrides)?;
    if let Some(served) = request.served_api
        && spec.strimzi_api != served
        && api_supports(served, spec.metadata)
    {
        overrides.strimzi_api = Some(served);
        (spec, report) = build(&overrides)?;
    }
    Ok((spec, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MetadataMode;

    fn request(preset: &'static str, served: Option<StrimziApi>) -> SpecRequest<'static> {
        SpecRequest {
            name: "orders",
            preset: Some(preset),
            overrides: SpecOverrides::default(),
            served_api: served,
            existing: None,
            update: false,
        }
    }

    #[test]
    fn the_spec_is_rendered_for_the_api_the_cluster_serves() {
        let (spec, report) = requested_spec(request("production", Some(StrimziApi::V1beta2))).unwrap();
        assert_eq!(spec.strimzi_api, StrimziApi::V1beta2);
        assert!(report.is_ok(), "{report:?}");
        let (spec, _) = requested_spec(request("production", Some(StrimziApi::V1))).unwrap();
        assert_eq!(spec.strimzi_api, StrimziApi::V1);
    }

    #[test]
    fn zookeeper_on_an_api_without_it_stays_as_asked_for_the_operator_rules_to_refuse() {
        let (spec, report) = requested_spec(request("zookeeper-classic", Some(StrimziApi::V1))).unwrap();
        assert_eq!(spec.metadata, MetadataMode::Zookeeper);
        assert_eq!(spec.strimzi_api, StrimziApi::V1beta2);
        assert!(report.is_ok(), "{report:?}");
    }

    #[test]
    fn an_asked_api_the_cluster_does_not_serve_is_a_usage_error() {
        let mut asked = request("production", Some(StrimziApi::V1));
        asked.overrides.strimzi_api = Some(StrimziApi::V1beta2);
        let error = requested_spec(asked).unwrap_err();
        let failure = error.downcast_ref::<Failure>().unwrap();
        assert!(failure.message.contains("--strimzi-api v1beta2"), "{}", failure.message);
    }
}
