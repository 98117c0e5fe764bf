//! The API server's service proxy, `/api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}`,
//! answered with responses a test recorded (e.g. real Prometheus `/api/v1/query` answers), per
//! service, path and `query` parameter, optionally late or failing. As a real API server does, it
//! answers 404 for a missing Service and 503 when no Ready pod backs the Service.

use crate::errors::ApiError;
use crate::store::Store;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One recorded answer: HTTP status, JSON body, and how long to wait before answering.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub status: u16,
    pub body: Value,
    pub delay: Duration,
}

impl Recorded {
    /// A 200 answer.
    pub fn ok(body: Value) -> Self {
        Recorded {
            status: 200,
            body,
            delay: Duration::ZERO,
        }
    }

    /// An answer with another status (a backend error).
    pub fn status(status: u16, body: Value) -> Self {
        Recorded {
            status,
            body,
            delay: Duration::ZERO,
        }
    }

    /// The same answer, `delay` late.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A Prometheus instant-vector answer (`/api/v1/query`): `(labels, value)` per series.
pub fn prometheus_vector(series: &[(&[(&str, &str)], &str)]) -> Value {
    let result: Vec<Value> = series
        .iter()
        .map(|(labels, value)| {
            let metric: serde_json::Map<String, Value> =
                labels.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            json!({ "metric": metric, "value": [1_732_530_000.123, value] })
        })
        .collect();
    json!({ "status": "success", "data": { "resultType": "vector", "result": result } })
}

/// A Prometheus error answer (`{"status":"error",...}`).
pub fn prometheus_error(error_type: &str, error: &str) -> Value {
    json!({ "status": "error", "errorType": error_type, "error": error })
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    namespace: String,
    service: String,
    path: String,
    /// The decoded `query` parameter; `None` answers any.
    query: Option<String>,
}

/// Recorded answers of the service proxy, shared by the server and the test's handle.
#[derive(Debug, Clone, Default)]
pub struct ServiceProxy {
    answers: Arc<Mutex<BTreeMap<Key, Recorded>>>,
}

impl ServiceProxy {
    /// Record the answer to `path` (e.g. `api/v1/query`) of Service `namespace/service`, for
    /// requests whose `query` parameter is exactly `query` (`None`: any request to that path).
    pub fn record(&self, namespace: &str, service: &str, path: &str, query: Option<&str>, answer: Recorded) {
        let key = Key {
            namespace: namespace.to_string(),
            service: service.to_string(),
            path: path.trim_start_matches('/').to_string(),
            query: query.map(str::to_string),
        };
        self.lock().insert(key, answer);
    }

    /// Record the answer of a Prometheus behind `namespace/service` to the instant query `promql`.
    pub fn prometheus_query(&self, namespace: &str, service: &str, promql: &str, answer: Recorded) {
        self.record(namespace, service, "api/v1/query", Some(promql), answer);
    }

    /// Forget every recorded answer.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Recorded>> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn find(&self, namespace: &str, service: &str, path: &str, query: Option<&str>) -> Option<Recorded> {
        let answers = self.lock();
        let key = |query: Option<&str>| Key {
            namespace: namespace.to_string(),
            service: service.to_string(),
            path: path.to_string(),
            query: query.map(str::to_string),
        };
        answers.get(&key(query)).or_else(|| answers.get(&key(None))).cloned()
    }
}

/// A parsed proxy URL.
pub(crate) struct ProxyCall {
    pub namespace: String,
    pub service: String,
    pub path: String,
}

/// `Some` when `path` is a service proxy URL.
pub(crate) fn parse(path: &str) -> Option<ProxyCall> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["api", "v1", "namespaces", ns, "services", service, "proxy", rest @ ..] => Some(ProxyCall {
            namespace: ns.to_string(),
            service: service_name(service).to_string(),
            path: rest.join("/"),
        }),
        _ => None,
    }
}

/// `name`, `name:port`, `scheme:name` or `scheme:name:port` → `name`.
fn service_name(segment: &str) -> &str {
    let parts: Vec<&str> = segment.split(':').collect();
    match parts.as_slice() {
        [scheme, name, ..] if matches!(*scheme, "http" | "https") => name,
        [name, ..] => name,
        [] => segment,
    }
}

/// Answer one proxied request: the Service must exist and have a Ready pod behind it.
pub(crate) async fn answer(
    store: &Store,
    proxy: &ServiceProxy,
    call: &ProxyCall,
    query: Option<&str>,
) -> Result<(u16, Value), ApiError> {
    let Some(service) = store.get("v1", "Service", Some(&call.namespace), &call.service) else {
        return Err(
            ApiError::new(404, "NotFound", format!("services \"{}\" not found", call.service))
                .with_details(json!({ "name": call.service, "kind": "services" })),
        );
    };
    if !has_ready_endpoint(store, &call.namespace, &service) {
        return Err(ApiError::new(
            503,
            "ServiceUnavailable",
            format!("no endpoints available for service \"{}\"", call.service),
        ));
    }
    let Some(recorded) = proxy.find(&call.namespace, &call.service, &call.path, query) else {
        let asked = query.map(|q| format!("?query={q}")).unwrap_or_default();
        return Ok((
            400,
            prometheus_error(
                "bad_data",
                &format!("fake-kube: nothing recorded for {}{asked}", call.path),
            ),
        ));
    };
    if !recorded.delay.is_zero() {
        tokio::time::sleep(recorded.delay).await;
    }
    Ok((recorded.status, recorded.body))
}

/// A Ready pod in the namespace carries every label of the Service's selector.
fn has_ready_endpoint(store: &Store, namespace: &str, service: &Value) -> bool {
    let Some(selector) = service.pointer("/spec/selector").and_then(Value::as_object) else {
        return false;
    };
    store.list("v1", "Pod", Some(namespace), None).iter().any(|pod| {
        let labels = &pod["metadata"]["labels"];
        let selected = selector.iter().all(|(k, v)| labels.get(k) == Some(v));
        let ready = pod["status"]["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
        selected && ready && pod["metadata"]["deletionTimestamp"].is_null()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_name_the_service_without_scheme_or_port() {
        let call = parse("/api/v1/namespaces/kafka/services/c1-prometheus:9090/proxy/api/v1/query").unwrap();
        assert_eq!(
            (call.namespace.as_str(), call.service.as_str(), call.path.as_str()),
            ("kafka", "c1-prometheus", "api/v1/query")
        );
        assert_eq!(service_name("https:p:web"), "p");
        assert_eq!(service_name("p"), "p");
        assert!(parse("/api/v1/namespaces/kafka/services/p").is_none());
    }

    #[test]
    fn exact_query_answers_win_over_catch_alls() {
        let proxy = ServiceProxy::default();
        proxy.record("ns", "p", "api/v1/query", None, Recorded::ok(json!("any")));
        proxy.prometheus_query("ns", "p", "up", Recorded::ok(json!("up")));
        assert_eq!(proxy.find("ns", "p", "api/v1/query", Some("up")).unwrap().body, "up");
        assert_eq!(proxy.find("ns", "p", "api/v1/query", Some("x")).unwrap().body, "any");
        assert!(proxy.find("ns", "q", "api/v1/query", Some("up")).is_none());
    }

    #[test]
    fn vectors_look_like_prometheus_answers() {
        let v = prometheus_vector(&[(&[("pod", "a")], "1")]);
        assert_eq!(v["status"], "success");
        assert_eq!(v["data"]["resultType"], "vector");
        assert_eq!(v["data"]["result"][0]["metric"]["pod"], "a");
        assert_eq!(v["data"]["result"][0]["value"][1], "1");
    }
}
