//! What `-v` shows: one `tracing` event per API request kafkactl makes (method,
//! path, status, elapsed time) and, at trace level (`-vv`), the request and
//! response bodies with Secret data redacted. A tower layer on the client stack
//! (added in `client::build_client`); `ui::logging` decides where events go.
//! It never changes a request or a response, only looks at them.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use kube::client::{Body, DynBody};
use serde_json::Value;
use tracing::Level;

/// The target of every event here: `KAFKACTL_LOG=kafkactl::http=debug` selects them alone.
pub const TARGET: &str = "kafkactl::http";

/// Bodies longer than this are cut in the log (a CRD is hundreds of KiB).
const MAX_BODY_CHARS: usize = 8 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The layer `build_client` puts outermost on kube's stack, so that one logical
/// request is one line (kube's retries happen inside it) and paths are relative.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> tower_layer::Layer<S> for TraceLayer {
    type Service = Traced<S>;

    fn layer(&self, inner: S) -> Traced<S> {
        Traced { inner }
    }
}

/// kube's service, with its traffic logged.
#[derive(Debug, Clone)]
pub struct Traced<S> {
    inner: S,
}

impl<S> tower_service::Service<Request<Body>> for Traced<S>
where
    S: tower_service::Service<Request<Body>, Response = Response<Box<DynBody>>, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = Response<Box<DynBody>>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if !tracing::enabled!(target: TARGET, Level::DEBUG) {
            return Box::pin(self.inner.call(request));
        }
        let exchange = Exchange::of(&request);
        let request_body = if tracing::enabled!(target: TARGET, Level::TRACE) {
            request.body().try_clone()
        } else {
            None
        };
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            if let Some(body) = request_body
                && let Ok(bytes) = body.collect_bytes().await
                && !bytes.is_empty()
            {
                tracing::trace!(target: TARGET, "{} request body: {}", exchange.line(), shown_body(&exchange.path, &bytes));
            }
            let result = response.await;
            let elapsed = started.elapsed().as_millis();
            match &result {
                Ok(response) => tracing::debug!(
                    target: TARGET,
                    "{} {} {elapsed}ms",
                    exchange.line(),
                    response.status().as_u16()
                ),
                Err(error) => tracing::debug!(target: TARGET, "{} failed after {elapsed}ms: {error}", exchange.line()),
            }
            result.map(|response| exchange.log_body_of(response))
        })
    }
}

/// What one request was: enough to name it in each line about it.
#[derive(Debug, Clone)]
struct Exchange {
    method: http::Method,
    /// Path and query, as kube sends it (relative to the server URL).
    path: String,
}

impl Exchange {
    fn of(request: &Request<Body>) -> Self {
        let path = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_string(), ToString::to_string);
        Exchange {
            method: request.method().clone(),
            path,
        }
    }

    fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// A watch answers with one JSON event per line for as long as it lasts:
    /// each event is logged as it arrives, not when the stream ends.
    fn is_watch(&self) -> bool {
        self.path
            .split_once('?')
            .is_some_and(|(_, query)| query.split('&').any(|p| p == "watch=true" || p == "watch=1"))
    }

    fn log_body_of(self, response: Response<Box<DynBody>>) -> Response<Box<DynBody>> {
        if !tracing::enabled!(target: TARGET, Level::TRACE) {
            return response;
        }
        response.map(|inner| {
            Box::new(LoggedBody {
                inner,
                by_line: self.is_watch(),
                exchange: self,
                buffered: Vec::new(),
            }) as Box<DynBody>
        })
    }
}

/// A response body that logs what passes through it, unchanged.
struct LoggedBody {
    inner: Box<DynBody>,
    exchange: Exchange,
    by_line: bool,
    buffered: Vec<u8>,
}

impl LoggedBody {
    fn log_complete_lines(&mut self) {
        while let Some(end) = self.buffered.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffered.drain(..=end).collect();
            self.log(&line[..end]);
        }
    }

    fn flush(&mut self) {
        let rest = std::mem::take(&mut self.buffered);
        self.log(&rest);
    }

    fn log(&self, bytes: &[u8]) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        tracing::trace!(
            target: TARGET,
            "{} response body: {}",
            self.exchange.line(),
            shown_body(&self.exchange.path, bytes)
        );
    }
}

impl HttpBody for LoggedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.buffered.extend_from_slice(data);
                    if this.by_line {
                        this.log_complete_lines();
                    }
                }
            }
            Poll::Ready(None | Some(Err(_))) => this.flush(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LoggedBody {
    /// A body dropped before its end (a watch that was stopped) still shows what it had.
    fn drop(&mut self) {
        self.flush();
    }
}

/// A body as the log shows it: JSON compacted with Secret data redacted, cut
/// at [`MAX_BODY_CHARS`]; anything else that may hold a Secret is not shown.
pub fn shown_body(path: &str, bytes: &[u8]) -> String {
    let about_secrets = path_names_secrets(path);
    let text = match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            redact_secrets(&mut value, about_secrets);
            value.to_string()
        }
        Err(_) if about_secrets => return format!("<{} bytes, not shown: may hold Secret data>", bytes.len()),
        Err(_) => String::from_utf8_lossy(bytes).trim_end().to_string(),
    };
    cut(text)
}

fn cut(text: String) -> String {
    match text.char_indices().nth(MAX_BODY_CHARS) {
        Some((end, _)) => format!("{}… ({} more bytes)", &text[..end], text.len() - end),
        None => text,
    }
}

/// `/api/v1/namespaces/kafka/secrets/x`, `/api/v1/secrets?watch=true`, …
fn path_names_secrets(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/').any(|segment| segment == "secrets")
}

/// Replace every value of a Secret's `data` and `stringData` (keys stay, so the
/// shape is still visible) in a Secret, a SecretList or a watch event of one;
/// `is_secret` also covers bodies that do not say their kind (a patch).
fn redact_secrets(value: &mut Value, is_secret: bool) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if is_secret || kind == "Secret" {
        for field in ["data", "stringData"] {
            if let Some(Value::Object(entries)) = object.get_mut(field) {
                entries.values_mut().for_each(|v| *v = Value::from("<redacted>"));
            }
        }
        // `kubectl apply` (client-side) keeps the whole object, data included, here.
        if let Some(Value::Object(annotations)) = object.get_mut("metadata").and_then(|m| m.get_mut("annotations"))
            && let Some(last) = annotations.get_mut("kubectl.kubernetes.io/last-applied-configuration")
        {
            *last = Value::from("<redacted>");
        }
    }
    let items_are_secrets = is_secret || kind == "SecretList";
    if let Some(Value::Array(items)) = object.get_mut("items") {
        items
            .iter_mut()
            .for_each(|item| redact_secrets(item, items_are_secrets));
    }
    // A watch event: {"type": "ADDED", "object": {...}}.
    if let Some(inner) = object.get_mut("object") {
        redact_secrets(inner, is_secret);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(path: &str, body: Value) -> String {
        shown_body(path, body.to_string().as_bytes())
    }

    #[test]
    fn a_secrets_data_is_redacted_and_its_keys_stay() {
        let body = json!({"kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "c2VjcmV0"}, "stringData": {"user": "admin"}});
        let text = shown("/api/v1/namespaces/kafka/secrets/s", body);
        assert!(!text.contains("c2VjcmV0") && !text.contains("admin"), "{text}");
        assert!(text.contains(r#""password":"<redacted>""#), "{text}");
        assert!(text.contains(r#""user":"<redacted>""#), "{text}");
    }

    #[test]
    fn a_secret_list_and_a_watch_event_of_a_secret_are_redacted() {
        let list = json!({"kind": "SecretList", "items": [{"metadata": {"name": "a"}, "data": {"k": "dmFsdWU="}}]});
        assert!(!shown("/api/v1/secrets", list).contains("dmFsdWU="));
        let event = json!({"type": "ADDED", "object": {"kind": "Secret", "data": {"k": "dmFsdWU="}}});
        assert!(!shown("/api/v1/namespaces/kafka/configmaps", event).contains("dmFsdWU="));
    }

    #[test]
    fn a_patch_to_a_secret_is_redacted_though_it_names_no_kind() {
        let patch = json!({"data": {"k": "dmFsdWU="}});
        assert!(!shown("/api/v1/namespaces/kafka/secrets/s", patch).contains("dmFsdWU="));
        assert_eq!(
            shown_body("/api/v1/namespaces/kafka/secrets/s", b"not json"),
            "<8 bytes, not shown: may hold Secret data>"
        );
    }

    #[test]
    fn other_objects_data_is_shown() {
        let config_map = json!({"kind": "ConfigMap", "data": {"k": "visible"}});
        assert!(shown("/api/v1/namespaces/kafka/configmaps/c", config_map).contains("visible"));
    }

    #[test]
    fn long_bodies_are_cut() {
        let text = cut("x".repeat(MAX_BODY_CHARS + 10));
        assert!(text.ends_with("… (10 more bytes)"), "{}", &text[text.len() - 30..]);
    }

    /// What the log says while `run` runs, at trace level.
    fn logged(run: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(Level::TRACE)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    /// A response body that arrives in these chunks.
    fn chunked(chunks: &[&str]) -> Box<DynBody> {
        let frames: Vec<Result<Frame<Bytes>, BoxError>> = chunks
            .iter()
            .map(|c| Ok(Frame::data(Bytes::from(c.to_string()))))
            .collect();
        Box::new(http_body_util::StreamBody::new(futures::stream::iter(frames)))
    }

    fn read_through_the_log(path: &str, chunks: &[&str]) -> (String, String) {
        let mut passed = String::new();
        let log = logged(|| {
            let exchange = Exchange {
                method: http::Method::GET,
                path: path.to_string(),
            };
            let response = exchange.log_body_of(Response::new(chunked(chunks)));
            let bytes = futures::executor::block_on(http_body_util::BodyExt::collect(response.into_body()))
                .unwrap()
                .to_bytes();
            passed = String::from_utf8(bytes.to_vec()).unwrap();
        });
        (passed, log)
    }

    #[test]
    fn a_watch_is_logged_event_by_event_redacted_and_passes_unchanged() {
        let secret_event = r#"{"type":"ADDED","object":{"kind":"Secret","data":{"k":"dmFsdWU="}}}"#;
        let pod_event = r#"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"p"}}}"#;
        let stream = format!("{secret_event}\n{pod_event}\n");
        // Split inside the Secret's data, as a network may.
        let (first, rest) = stream.split_at(57);
        let (passed, log) = read_through_the_log("/api/v1/namespaces/kafka/secrets?watch=true", &[first, rest]);
        assert_eq!(passed, stream, "the body reaches kube unchanged");
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("response body")).collect();
        assert_eq!(lines.len(), 2, "one line per event: {log}");
        assert!(lines[0].contains(r#""k":"<redacted>""#), "{log}");
        assert!(lines[1].contains(r#""name":"p""#), "{log}");
        assert!(!log.contains("dmFsdWU="), "{log}");
    }

    #[test]
    fn a_plain_response_is_logged_once_whole() {
        let (passed, log) = read_through_the_log(
            "/apis/kafka.strimzi.io/v1/namespaces/kafka/kafkas/c1",
            &[r#"{"kind":"Kafka","#, r#""metadata":{"name":"c1"}}"#],
        );
        assert_eq!(passed, r#"{"kind":"Kafka","metadata":{"name":"c1"}}"#);
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("response body")).collect();
        assert_eq!(lines.len(), 1, "{log}");
        assert!(
            lines[0].ends_with(r#"response body: {"kind":"Kafka","metadata":{"name":"c1"}}"#),
            "{log}"
        );
    }

    #[test]
    fn watches_are_recognised_by_their_query() {
        let exchange = |path: &str| Exchange {
            method: http::Method::GET,
            path: path.to_string(),
        };
        assert!(exchange("/api/v1/pods?labelSelector=a&watch=true").is_watch());
        assert!(!exchange("/api/v1/pods?watch=false").is_watch());
        assert!(!exchange("/api/v1/pods").is_watch());
    }
}
