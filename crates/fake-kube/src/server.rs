//! The HTTP front: parses Kubernetes API URLs, applies faults and RBAC denials, records the
//! request, and turns each verb into store operations.

use crate::apply::{ApplyParams, apply};
use crate::discovery;
use crate::errors::ApiError;
use crate::faults::{Faults, RecordedRequest};
use crate::gc::Propagation;
use crate::patch;
use crate::resources::ResourceInfo;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{Store, Subresource, WriteOptions};
use crate::util::{get_dotted, meta_mut, meta_str, set_dotted};
use crate::watch::{self, WatchConfig, WatchRequest};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Everything a request handler needs.
#[derive(Clone)]
pub(crate) struct AppState {
    pub store: Store,
    pub faults: Faults,
    pub watch: Arc<WatchConfig>,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    pub address: String,
    pub proxy: crate::proxy::ServiceProxy,
}

pub(crate) fn router(state: AppState) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(state)
}

/// One parsed request.
struct Call {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    content_type: String,
    user_agent: String,
    accept: String,
    body: String,
}

impl Call {
    fn q(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.q(key), Some("true" | "1"))
    }

    fn dry_run(&self) -> bool {
        self.q("dryRun") == Some("All")
    }

    /// `fieldManager`, else the user agent up to its first `/`, as the real server defaults it.
    fn manager(&self) -> String {
        self.q("fieldManager").map(str::to_string).unwrap_or_else(|| {
            let ua = self.user_agent.split('/').next().unwrap_or("").trim();
            if ua.is_empty() {
                "unknown".into()
            } else {
                ua.to_string()
            }
        })
    }
}

enum Reply {
    Json(u16, Value),
    /// An aggregated discovery document (`apidiscovery.k8s.io/v2`), with its content type.
    Discovery(Value),
    Text(u16, &'static str),
    Stream(Body),
}

async fn handle(State(app): State<AppState>, req: Request) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query().unwrap_or(""));
    // Read headers before awaiting the body: the request is not Sync, so no borrow of it
    // may live across an await.
    let (content_type, user_agent, accept) = {
        let h = |name: header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        (h(header::CONTENT_TYPE), h(header::USER_AGENT), h(header::ACCEPT))
    };
    let body = match to_bytes(req.into_body(), 64 * 1024 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let call = Call {
        method,
        path,
        query,
        content_type,
        user_agent,
        accept,
        body,
    };
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let reply = match app.faults.take_failure(&call.method, &call.path) {
        Some(err) => Err(err),
        None => match crate::proxy::parse(&call.path) {
            Some(proxied) => proxy(&app, &call, &proxied).await,
            None => route(&app, &call).or_else(|e| page_not_found(&app, &call, e)),
        },
    };
    let (status, response) = match reply {
        Ok(Reply::Json(code, v)) => (code, json_response(code, &v)),
        Ok(Reply::Discovery(v)) => {
            let mut r = json_response(200, &v);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::discovery::AGGREGATED_CONTENT_TYPE),
            );
            (200, r)
        }
        Ok(Reply::Text(code, t)) => (code, (status_code(code), t).into_response()),
        Ok(Reply::Stream(body)) => {
            let mut r = Response::new(body);
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            (200, r)
        }
        Err(e) => (e.code, error_response(&e)),
    };
    app.faults.record(RecordedRequest {
        method: call.method,
        path: call.path,
        query: call.query,
        content_type: (!call.content_type.is_empty()).then_some(call.content_type),
        user_agent: (!call.user_agent.is_empty()).then_some(call.user_agent),
        body: call.body,
        status,
        time: SystemTime::now(),
    });
    response
}

/// A service proxy request (RBAC: `get` on `services/proxy`), answered from recorded responses.
async fn proxy(app: &AppState, call: &Call, proxied: &crate::proxy::ProxyCall) -> Result<Reply, ApiError> {
    if call.method != "GET" {
        return Err(ApiError::method_not_allowed());
    }
    let ns = Some(proxied.namespace.as_str());
    app.faults
        .check("get", "", "services/proxy", Some(&proxied.service), ns)?;
    let (code, body) = crate::proxy::answer(&app.store, &app.proxy, proxied, call.q("query")).await?;
    Ok(Reply::Json(code, body))
}

fn status_code(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn json_response(code: u16, v: &Value) -> Response {
    let mut r = (status_code(code), v.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn error_response(e: &ApiError) -> Response {
    let mut r = json_response(e.code, &e.to_status());
    if let Some(secs) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Decodes `a=b&c=d%20e` (empty pairs, as kube-rs sends after `?`, are skipped).
pub(crate) fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn route(app: &AppState, call: &Call) -> Result<Reply, ApiError> {
    let segs: Vec<&str> = call.path.split('/').filter(|s| !s.is_empty()).collect();
    let registry = || app.store.lock().registry.clone();
    let get_only = || {
        if call.method == "GET" {
            Ok(())
        } else {
            Err(ApiError::method_not_allowed())
        }
    };
    match segs.as_slice() {
        ["version"] => get_only().map(|_| Reply::Json(200, discovery::version(app.faults.kubernetes_minor()))),
        ["healthz" | "livez" | "readyz"] => Ok(Reply::Text(200, "ok")),
        // Aggregated discovery when the client asks for it (kubectl does), else the legacy documents.
        ["api"] if discovery::wants_aggregated(&call.accept) => {
            get_only().map(|_| Reply::Discovery(discovery::aggregated(&registry(), true)))
        }
        ["apis"] if discovery::wants_aggregated(&call.accept) => {
            get_only().map(|_| Reply::Discovery(discovery::aggregated(&registry(), false)))
        }
        ["api"] => get_only().map(|_| Reply::Json(200, discovery::core_versions(&app.address))),
        ["apis"] => get_only().map(|_| Reply::Json(200, discovery::group_list(&registry()))),
        ["api", "v1"] => get_only().and_then(|_| {
            discovery::resource_list(&registry(), "", "v1")
                .map(|v| Reply::Json(200, v))
                .ok_or_else(ApiError::no_such_resource)
        }),
        ["apis", g] => get_only().and_then(|_| {
            discovery::group(&registry(), g)
                .map(|v| Reply::Json(200, v))
                .ok_or_else(ApiError::no_such_resource)
        }),
        ["apis", g, v] => get_only().and_then(|_| {
            discovery::resource_list(&registry(), g, v)
                .map(|v| Reply::Json(200, v))
                .ok_or_else(ApiError::no_such_resource)
        }),
        ["openapi", "v3"] => get_only().map(|_| Reply::Json(200, crate::openapi::index(&registry()))),
        ["openapi", "v3", "api", v] => get_only().and_then(|_| {
            crate::openapi::document(&registry(), "", v)
                .map(|d| Reply::Json(200, d))
                .ok_or_else(ApiError::no_such_resource)
        }),
        ["openapi", "v3", "apis", g, v] => get_only().and_then(|_| {
            crate::openapi::document(&registry(), g, v)
                .map(|d| Reply::Json(200, d))
                .ok_or_else(ApiError::no_such_resource)
        }),
        ["api", "v1", rest @ ..] => resource(app, call, "", "v1", rest),
        ["apis", g, v, rest @ ..] => resource(app, call, g, v, rest),
        _ => Err(ApiError::no_such_resource()),
    }
}

/// A real API server answers a path outside its built-in groups (an unknown group, or a version
/// or resource a CRD does not serve) from its last handler: plain text `404 page not found`,
/// not a Status. Clients that read only Status bodies (kube's `Api::get_opt`) miss it.
fn page_not_found(app: &AppState, call: &Call, e: ApiError) -> Result<Reply, ApiError> {
    if !e.is_no_such_resource() {
        return Err(e);
    }
    let segs: Vec<&str> = call.path.split('/').filter(|s| !s.is_empty()).collect();
    let built_in = match segs.as_slice() {
        ["api", ..] | ["openapi", ..] => true,
        ["apis", group, ..] => {
            let registry = app.store.lock().registry.clone();
            registry.all().iter().any(|r| r.group == *group && r.crd.is_none())
        }
        _ => false,
    };
    if built_in {
        return Err(e);
    }
    Ok(Reply::Text(404, "404 page not found\n"))
}

/// A parsed resource URL.
struct Target {
    info: ResourceInfo,
    version: String,
    namespace: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

fn parse_target(app: &AppState, group: &str, version: &str, rest: &[&str]) -> Result<Target, ApiError> {
    let own = |s: &&str| s.to_string();
    let (namespace, plural, name, sub) = match rest {
        ["namespaces", n, s @ ("status" | "finalize")] if group.is_empty() => {
            (None, "namespaces", Some(own(n)), Some(own(s)))
        }
        ["namespaces", ns, p] => (Some(own(ns)), *p, None, None),
        ["namespaces", ns, p, n] => (Some(own(ns)), *p, Some(own(n)), None),
        ["namespaces", ns, p, n, s] => (Some(own(ns)), *p, Some(own(n)), Some(own(s))),
        [p] => (None, *p, None, None),
        [p, n] => (None, *p, Some(own(n)), None),
        [p, n, s] => (None, *p, Some(own(n)), Some(own(s))),
        _ => return Err(ApiError::no_such_resource()),
    };
    let info = app
        .store
        .lock()
        .registry
        .by_plural(group, version, plural)
        .cloned()
        .ok_or_else(ApiError::no_such_resource)?;
    if (!info.namespaced && namespace.is_some()) || (info.namespaced && namespace.is_none() && name.is_some()) {
        return Err(ApiError::no_such_resource());
    }
    match sub.as_deref() {
        None => {}
        Some("status") if info.has_status => {}
        Some("scale") if info.scale.is_some() => {}
        Some("finalize") if info.kind == "Namespace" => {}
        Some(_) => return Err(ApiError::no_such_resource()),
    }
    Ok(Target {
        info,
        version: version.to_string(),
        namespace,
        name,
        sub,
    })
}

fn verb_of(call: &Call, t: &Target) -> &'static str {
    match (call.method.as_str(), t.name.is_some()) {
        ("GET", false) if call.flag("watch") => "watch",
        ("GET", false) => "list",
        ("GET", true) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", false) => "deletecollection",
        ("DELETE", true) => "delete",
        _ => "get",
    }
}

fn resource(app: &AppState, call: &Call, group: &str, version: &str, rest: &[&str]) -> Result<Reply, ApiError> {
    let t = parse_target(app, group, version, rest)?;
    let verb = verb_of(call, &t);
    if !t.info.supports(verb) && t.sub.is_none() {
        return Err(ApiError::method_not_allowed());
    }
    if t.info.kind == "SelfSubjectAccessReview" {
        return access_review(app, call);
    }
    let rbac_resource = match &t.sub {
        Some(s) => format!("{}/{s}", t.info.plural),
        None => t.info.plural.clone(),
    };
    app.faults.check(
        verb,
        &t.info.group,
        &rbac_resource,
        t.name.as_deref(),
        t.namespace.as_deref(),
    )?;
    match (call.method.as_str(), t.name.as_deref()) {
        ("GET", None) if call.flag("watch") => start_watch(app, call, &t),
        ("GET", None) => list(app, call, &t),
        ("GET", Some(name)) => get(app, &t, name),
        ("POST", None) => create(app, call, &t),
        ("PUT", Some(name)) => replace(app, call, &t, name),
        ("PATCH", Some(name)) => patch_object(app, call, &t, name),
        ("DELETE", Some(name)) => delete(app, call, &t, name),
        ("DELETE", None) => delete_collection(app, call, &t),
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn selectors(call: &Call) -> Result<(Option<LabelSelector>, Option<FieldSelector>), ApiError> {
    Ok((
        call.q("labelSelector").map(LabelSelector::parse).transpose()?,
        call.q("fieldSelector").map(FieldSelector::parse).transpose()?,
    ))
}

fn list(app: &AppState, call: &Call, t: &Target) -> Result<Reply, ApiError> {
    let (labels, fields) = selectors(call)?;
    let st = app.store.lock();
    let (items, rv) = st.list(
        &t.info,
        &t.version,
        t.namespace.as_deref(),
        labels.as_ref(),
        fields.as_ref(),
    );
    Ok(Reply::Json(
        200,
        json!({
            "kind": t.info.list_kind,
            "apiVersion": t.info.api_version(&t.version),
            "metadata": {"resourceVersion": rv.to_string()},
            "items": items,
        }),
    ))
}

fn start_watch(app: &AppState, call: &Call, t: &Target) -> Result<Reply, ApiError> {
    let (labels, fields) = selectors(call)?;
    let since = match call.q("resourceVersion") {
        None => None,
        Some(rv) => Some(
            rv.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv:?}")))?,
        ),
    };
    let timeout = call
        .q("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs);
    let req = WatchRequest {
        info: t.info.clone(),
        version: t.version.clone(),
        namespace: t.namespace.clone(),
        labels,
        fields,
        since,
        send_initial_events: call.flag("sendInitialEvents"),
        bookmarks: call.flag("allowWatchBookmarks"),
        timeout,
    };
    let stream = watch::start(&app.store, &app.faults, req, &app.watch, app.shutdown.clone());
    Ok(Reply::Stream(Body::from_stream(stream)))
}

fn answer(mut obj: Value, t: &Target) -> Value {
    obj["apiVersion"] = json!(t.info.api_version(&t.version));
    obj
}

fn get(app: &AppState, t: &Target, name: &str) -> Result<Reply, ApiError> {
    let obj = app.store.lock().get_existing(&t.info, t.namespace.as_deref(), name)?;
    if t.sub.as_deref() == Some("scale") {
        return Ok(Reply::Json(200, scale_of(&t.info, &obj)?));
    }
    Ok(Reply::Json(200, answer(obj, t)))
}

/// Parses a request body: JSON, or YAML (which kubectl and apply requests may send).
fn parse_body(call: &Call) -> Result<Value, ApiError> {
    if call.content_type.contains("protobuf") {
        return Err(ApiError::unsupported_media_type(&call.content_type));
    }
    if call.body.trim().is_empty() {
        return Err(ApiError::bad_request("the request body is empty"));
    }
    if let Ok(v) = serde_json::from_str::<Value>(&call.body) {
        return Ok(v);
    }
    serde_saphyr::from_str::<Value>(&call.body)
        .map_err(|e| ApiError::bad_request(format!("the body could not be decoded: {e}")))
}

fn write_opts(call: &Call, t: &Target) -> WriteOptions {
    WriteOptions {
        manager: Some(call.manager()),
        dry_run: call.dry_run(),
        subresource: if t.sub.as_deref() == Some("status") {
            Subresource::Status
        } else {
            Subresource::Main
        },
        managed_fields_done: false,
        keep_status: false,
        version: Some(t.version.clone()),
    }
}

fn check_body_namespace(t: &Target, obj: &mut Value) -> Result<(), ApiError> {
    if !t.info.namespaced {
        return Ok(());
    }
    match (meta_str(obj, "namespace"), t.namespace.as_deref()) {
        (Some(b), Some(u)) if !b.is_empty() && b != u => Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        (_, Some(u)) => {
            meta_mut(obj).insert("namespace".into(), json!(u));
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_kind(t: &Target, obj: &Value) -> Result<(), ApiError> {
    let kind = obj.get("kind").and_then(Value::as_str);
    if kind.is_some_and(|k| k != t.info.kind) {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): kind {:?}",
            t.info.kind,
            kind.unwrap_or("")
        )));
    }
    Ok(())
}

/// `fieldValidation=Strict`: unknown fields of a custom resource are an error instead of
/// being pruned silently (kubectl asks for this by default).
fn strict_fields(st: &crate::store::State, call: &Call, t: &Target, obj: &Value, apply: bool) -> Result<(), ApiError> {
    if call.q("fieldValidation") != Some("Strict") {
        return Ok(());
    }
    let Some(schema) = st.custom_schema(&t.info, &t.version) else {
        return Ok(());
    };
    let mut body = obj.clone();
    if let Some(m) = body.as_object_mut() {
        m.shift_remove("metadata");
    }
    let unknown: Vec<String> = crate::schema::validate_strict(&schema, &body)
        .into_iter()
        .filter(|v| v.reason == crate::schema::ViolationReason::UnknownField)
        .map(|v| v.path)
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let message = if apply {
        let lines: Vec<String> = unknown
            .iter()
            .map(|p| format!(".{p}: field not declared in schema"))
            .collect();
        lines.join(", ")
    } else {
        let quoted: Vec<String> = unknown.iter().map(|p| format!("unknown field {p:?}")).collect();
        format!(
            "{kind} in version {v:?} cannot be handled as a {kind}: strict decoding error: {}",
            quoted.join(", "),
            kind = t.info.kind,
            v = t.version
        )
    };
    Err(ApiError::bad_request(message))
}

fn create(app: &AppState, call: &Call, t: &Target) -> Result<Reply, ApiError> {
    let mut obj = parse_body(call)?;
    check_kind(t, &obj)?;
    check_body_namespace(t, &mut obj)?;
    let opts = write_opts(call, t);
    let mut st = app.store.lock();
    if let Some(name) = meta_str(&obj, "name")
        && st
            .objects
            .contains_key(&crate::store::Key::new(&t.info, t.namespace.as_deref(), name))
    {
        return Err(ApiError::already_exists(t.info.gr(), name));
    }
    strict_fields(&st, call, t, &obj, false)?;
    // Creating ignores a client's resourceVersion, as the real server does.
    meta_mut(&mut obj).shift_remove("resourceVersion");
    let created = st.commit(&t.info, None, obj, &opts)?;
    Ok(Reply::Json(201, answer(created, t)))
}

fn check_rv(t: &Target, name: &str, body: &Value, current: &Value) -> Result<(), ApiError> {
    match meta_str(body, "resourceVersion").filter(|s| !s.is_empty()) {
        Some(rv) if Some(rv) != meta_str(current, "resourceVersion") => Err(ApiError::conflict(t.info.gr(), name)),
        _ => Ok(()),
    }
}

fn replace(app: &AppState, call: &Call, t: &Target, name: &str) -> Result<Reply, ApiError> {
    let mut obj = parse_body(call)?;
    if t.sub.as_deref() == Some("scale") {
        return write_scale(app, call, t, name, |_| Ok(obj));
    }
    check_kind(t, &obj)?;
    check_body_namespace(t, &mut obj)?;
    if let Some(body_name) = meta_str(&obj, "name")
        && body_name != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let opts = write_opts(call, t);
    let mut st = app.store.lock();
    let current = st.get_existing(&t.info, t.namespace.as_deref(), name)?;
    check_rv(t, name, &obj, &current)?;
    strict_fields(&st, call, t, &obj, false)?;
    meta_mut(&mut obj).insert("name".into(), json!(name));
    // managedFields sent back by the client are the server's to keep.
    meta_mut(&mut obj).shift_remove("managedFields");
    if let Some(mf) = current.pointer("/metadata/managedFields") {
        meta_mut(&mut obj).insert("managedFields".into(), mf.clone());
    }
    let stored = st.commit(&t.info, Some(&current), obj, &opts)?;
    Ok(Reply::Json(200, answer(stored, t)))
}

fn patch_object(app: &AppState, call: &Call, t: &Target, name: &str) -> Result<Reply, ApiError> {
    let ct = call.content_type.split(';').next().unwrap_or("").trim().to_string();
    if ct == "application/apply-patch+yaml" {
        let Some(manager) = call.q("fieldManager") else {
            return Err(ApiError::bad_request(
                "PATCH, application/apply-patch+yaml requests require fieldManager to be set",
            ));
        };
        if t.sub.as_deref() == Some("scale") {
            let body = parse_body(call)?;
            return write_scale(app, call, t, name, |_| Ok(body));
        }
        let applied = parse_body(call)?;
        let params = ApplyParams {
            manager: manager.to_string(),
            force: call.flag("force"),
            subresource: write_opts(call, t).subresource,
            dry_run: call.dry_run(),
            version: t.version.clone(),
        };
        let mut st = app.store.lock();
        let existed = st
            .objects
            .contains_key(&crate::store::Key::new(&t.info, t.namespace.as_deref(), name));
        let mut applied = applied;
        if t.info.namespaced
            && let Some(ns) = &t.namespace
            && meta_str(&applied, "namespace").is_none()
        {
            meta_mut(&mut applied).insert("namespace".into(), json!(ns));
        }
        strict_fields(&st, call, t, &applied, true)?;
        st.prune_custom(&t.info, &t.version, &mut applied);
        let stored = apply(&mut st, &t.info, t.namespace.as_deref(), name, applied, &params)?;
        return Ok(Reply::Json(if existed { 200 } else { 201 }, answer(stored, t)));
    }
    let patch_body = parse_body(call)?;
    let apply_patch = |target: &mut Value| -> Result<(), ApiError> {
        match ct.as_str() {
            "application/merge-patch+json" => {
                patch::merge_patch(target, &patch_body);
                Ok(())
            }
            "application/strategic-merge-patch+json" => {
                patch::strategic_merge_patch(target, &patch_body);
                Ok(())
            }
            "application/json-patch+json" => patch::json_patch(target, &patch_body),
            other => Err(ApiError::unsupported_media_type(other)),
        }
    };
    if t.sub.as_deref() == Some("scale") {
        return write_scale(app, call, t, name, |mut scale| {
            apply_patch(&mut scale)?;
            Ok(scale)
        });
    }
    let opts = write_opts(call, t);
    let mut st = app.store.lock();
    let current = st.get_existing(&t.info, t.namespace.as_deref(), name)?;
    let mut new = answer(current.clone(), t);
    apply_patch(&mut new)?;
    check_rv(t, name, &new, &current)?;
    strict_fields(&st, call, t, &new, false)?;
    meta_mut(&mut new).insert("name".into(), json!(name));
    let stored = st.commit(&t.info, Some(&current), new, &opts)?;
    Ok(Reply::Json(200, answer(stored, t)))
}

/// The `autoscaling/v1` Scale view of an object.
fn scale_of(info: &ResourceInfo, obj: &Value) -> Result<Value, ApiError> {
    let Some(spec) = &info.scale else {
        return Err(ApiError::no_such_resource());
    };
    let replicas = get_dotted(obj, &spec.spec_replicas_path)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let status_replicas = get_dotted(obj, &spec.status_replicas_path)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = match &spec.label_selector_path {
        Some(p) if info.crd.is_some() => get_dotted(obj, p).and_then(Value::as_str).unwrap_or("").to_string(),
        _ => obj
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    };
    let meta = obj.get("metadata").cloned().unwrap_or(json!({}));
    let mut scale_meta = json!({});
    for k in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
        if let Some(v) = meta.get(k) {
            scale_meta[k] = v.clone();
        }
    }
    let mut status = json!({"replicas": status_replicas});
    if !selector.is_empty() {
        status["selector"] = json!(selector);
    }
    Ok(json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": replicas},
        "status": status,
    }))
}

fn write_scale(
    app: &AppState,
    call: &Call,
    t: &Target,
    name: &str,
    change: impl FnOnce(Value) -> Result<Value, ApiError>,
) -> Result<Reply, ApiError> {
    let Some(spec) = t.info.scale.clone() else {
        return Err(ApiError::no_such_resource());
    };
    let mut st = app.store.lock();
    let current = st.get_existing(&t.info, t.namespace.as_deref(), name)?;
    let scale = change(scale_of(&t.info, &current)?)?;
    check_rv(t, name, &scale, &current)?;
    let Some(replicas) = scale.pointer("/spec/replicas").and_then(Value::as_i64) else {
        return Err(ApiError::invalid(
            "Scale",
            "autoscaling",
            name,
            vec![crate::errors::Cause {
                reason: "FieldValueRequired".into(),
                field: "spec.replicas".into(),
                message: "Required value".into(),
            }],
        ));
    };
    let mut new = answer(current.clone(), t);
    set_dotted(&mut new, &spec.spec_replicas_path, json!(replicas));
    let mut opts = write_opts(call, t);
    opts.subresource = Subresource::Main;
    let stored = st.commit(&t.info, Some(&current), new, &opts)?;
    Ok(Reply::Json(200, scale_of(&t.info, &stored)?))
}

fn delete_options(call: &Call) -> Result<(Propagation, bool), ApiError> {
    let body: Value = if call.body.trim().is_empty() {
        json!({})
    } else {
        parse_body(call)?
    };
    let policy = call
        .q("propagationPolicy")
        .map(str::to_string)
        .or_else(|| {
            body.get("propagationPolicy")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| match body.get("orphanDependents").and_then(Value::as_bool) {
            Some(true) => Some("Orphan".into()),
            _ => None,
        });
    let propagation = match policy {
        Some(p) => Propagation::parse(&p)?,
        None => Propagation::Background,
    };
    let dry_run = call.dry_run()
        || body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("All")));
    Ok((propagation, dry_run))
}

/// `DeleteOptions.preconditions`: a delete that names a uid or resourceVersion
/// other than the object's is refused with 409, as the real server refuses it.
fn check_preconditions(call: &Call, t: &Target, name: &str, current: &Value) -> Result<(), ApiError> {
    if call.body.trim().is_empty() {
        return Ok(());
    }
    let body = parse_body(call)?;
    for (field, meta_field) in [("uid", "UID"), ("resourceVersion", "ResourceVersion")] {
        let Some(wanted) = body.pointer(&format!("/preconditions/{field}")).and_then(Value::as_str) else {
            continue;
        };
        let actual = meta_str(current, field).unwrap_or_default();
        if wanted != actual {
            return Err(ApiError::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": Precondition failed: {meta_field} in precondition: {wanted}, {meta_field} in object meta: {actual}",
                    t.info.gr().qualified()
                ),
            ));
        }
    }
    Ok(())
}

fn delete(app: &AppState, call: &Call, t: &Target, name: &str) -> Result<Reply, ApiError> {
    if t.sub.is_some() {
        return Err(ApiError::method_not_allowed());
    }
    let (propagation, dry_run) = delete_options(call)?;
    let mut st = app.store.lock();
    let current = st.get_existing(&t.info, t.namespace.as_deref(), name)?;
    check_preconditions(call, t, name, &current)?;
    let obj = st.delete(&t.info, t.namespace.as_deref(), name, propagation, dry_run)?;
    let waits = obj.pointer("/metadata/deletionTimestamp").is_some();
    // Gone at once: a real server answers with a Success Status, except for the kinds whose
    // storage returns the deleted object (Services, ServiceAccounts, Pods).
    let returns_object =
        t.info.group.is_empty() && matches!(t.info.kind.as_str(), "Service" | "ServiceAccount" | "Pod");
    if waits || returns_object {
        return Ok(Reply::Json(200, answer(obj, t)));
    }
    let mut details = json!({"name": name});
    if !t.info.group.is_empty() {
        details["group"] = json!(t.info.group);
    }
    details["kind"] = json!(t.info.plural);
    details["uid"] = obj.pointer("/metadata/uid").cloned().unwrap_or(Value::Null);
    Ok(Reply::Json(
        200,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
    ))
}

fn delete_collection(app: &AppState, call: &Call, t: &Target) -> Result<Reply, ApiError> {
    let (labels, fields) = selectors(call)?;
    let (propagation, dry_run) = delete_options(call)?;
    let mut st = app.store.lock();
    let (items, _) = st.list(
        &t.info,
        &t.version,
        t.namespace.as_deref(),
        labels.as_ref(),
        fields.as_ref(),
    );
    let mut deleted = Vec::new();
    for item in items {
        let Some(name) = meta_str(&item, "name").map(str::to_string) else {
            continue;
        };
        let ns = meta_str(&item, "namespace").map(str::to_string);
        if let Ok(obj) = st.delete(&t.info, ns.as_deref(), &name, propagation, dry_run) {
            deleted.push(answer(obj, t));
        }
    }
    Ok(Reply::Json(
        200,
        json!({
            "kind": t.info.list_kind,
            "apiVersion": t.info.api_version(&t.version),
            "metadata": {"resourceVersion": st.rv.to_string()},
            "items": deleted,
        }),
    ))
}

/// SelfSubjectAccessReview: allowed unless a forbid rule matches.
fn access_review(app: &AppState, call: &Call) -> Result<Reply, ApiError> {
    if call.method != "POST" {
        return Err(ApiError::method_not_allowed());
    }
    let mut review = parse_body(call)?;
    let allowed = match review.pointer("/spec/resourceAttributes") {
        Some(attrs) => {
            let s = |k: &str| attrs.get(k).and_then(Value::as_str).unwrap_or("");
            let resource = if s("subresource").is_empty() {
                s("resource").to_string()
            } else {
                format!("{}/{}", s("resource"), s("subresource"))
            };
            let ns = Some(s("namespace")).filter(|n| !n.is_empty());
            app.faults.allowed(s("verb"), s("group"), &resource, ns)
        }
        None => true,
    };
    review["status"] = if allowed {
        json!({"allowed": true, "reason": "allowed by fake-kube"})
    } else {
        json!({"allowed": false, "denied": true, "reason": "forbidden by a fake-kube rule"})
    };
    if review.get("metadata").is_none() {
        review["metadata"] = json!({});
    }
    review["metadata"]["creationTimestamp"] = Value::Null;
    Ok(Reply::Json(201, review))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_handles_escapes_and_empty_pairs() {
        let q = parse_query("&watch=true&labelSelector=app%3Dkafka%2Ctier+in+(a)&x=");
        assert_eq!(q["watch"], "true");
        assert_eq!(q["labelSelector"], "app=kafka,tier in (a)");
        assert_eq!(q["x"], "");
    }
}
