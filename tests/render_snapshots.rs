//! Snapshots of everything `render()` produces for each built-in preset, as
//! the multi-document YAML `create --dry-run -o yaml` would show. A change
//! to any rendered object shows up here for review.

use kafkactl::render::{RenderContext, render};
use kafkactl::spec::ClusterSpec;
use kafkactl::spec::preset::{self, BUILTIN_PRESETS};

fn preset_spec(name: &str) -> ClusterSpec {
    let mut spec = preset::resolve(&preset::find(name).unwrap()).unwrap();
    spec.name = "my-cluster".to_string();
    spec
}

/// The plan as YAML documents in apply order, each headed by its wave.
fn rendered_yaml(spec: &ClusterSpec) -> String {
    let plan = render(spec, &RenderContext::offline());
    plan.objects
        .iter()
        .map(|o| {
            let wave = serde_json::to_value(o.wave).unwrap();
            let document = serde_saphyr::to_string(&o.object).unwrap();
            format!("# wave: {}\n{document}", wave.as_str().unwrap())
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

#[test]
fn every_builtin_preset_renders_as_snapshotted() {
    for preset in BUILTIN_PRESETS {
        insta::assert_snapshot!(preset.name, rendered_yaml(&preset_spec(preset.name)));
    }
}

#[test]
fn rendering_is_deterministic() {
    for preset in BUILTIN_PRESETS {
        let spec = preset_spec(preset.name);
        assert_eq!(rendered_yaml(&spec), rendered_yaml(&spec), "{}", preset.name);
    }
}

#[test]
fn rendered_yaml_reads_back_as_the_same_objects() {
    for preset in BUILTIN_PRESETS {
        let spec = preset_spec(preset.name);
        let plan = render(&spec, &RenderContext::offline());
        for object in &plan.objects {
            let text = serde_saphyr::to_string(&object.object).unwrap();
            let read_back: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
            assert_eq!(
                read_back,
                object.object,
                "{} {} of {}",
                object.kind(),
                object.name(),
                preset.name
            );
        }
    }
}
