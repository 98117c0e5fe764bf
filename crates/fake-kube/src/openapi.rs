//! A minimal OpenAPI v3 surface: enough for kubectl to learn that every resource's PATCH
//! takes `fieldValidation` (so it validates server-side instead of downloading schemas).

use crate::resources::{Registry, ResourceInfo};
use serde_json::{Map, Value, json};

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// A short fingerprint of what is served, so clients re-fetch after CRD changes.
fn hash(registry: &Registry, group: &str, version: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in registry.all().iter().filter(|r| r.group == group && r.serves(version)) {
        for b in r.plural.bytes().chain(r.kind.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    format!("{h:016X}")
}

/// `/openapi/v3`: the group versions, each with its document's URL.
pub fn index(registry: &Registry) -> Value {
    let mut paths = Map::new();
    let mut gvs: Vec<(String, String)> = vec![(String::new(), "v1".into())];
    for (g, vs) in registry.groups() {
        for v in vs {
            gvs.push((g.clone(), v));
        }
    }
    for (g, v) in gvs {
        let p = gv_path(&g, &v);
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", hash(registry, &g, &v))}),
        );
    }
    json!({"paths": paths})
}

fn patch_op(r: &ResourceInfo, version: &str) -> Value {
    let q = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
    json!({
        "patch": {
            "operationId": format!("patch{}", r.kind),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": r.group, "version": version, "kind": r.kind},
            "parameters": [q("dryRun"), q("fieldManager"), q("fieldValidation"), q("force")],
            "responses": {"200": {"description": "OK"}},
        }
    })
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`.
pub fn document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut paths = Map::new();
    for r in registry.all().iter().filter(|r| r.group == group && r.serves(version)) {
        let base = format!("/{}", gv_path(group, version));
        let item = if r.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{base}/{}/{{name}}", r.plural)
        };
        paths.insert(item, patch_op(r, version));
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": crate::discovery::SERVER_GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}
