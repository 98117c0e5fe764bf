//! Watch streams: newline-delimited `{"type","object"}` events from a resourceVersion (or
//! from the current state), bookmarks, watch-list initial events, timeouts, 410 for
//! compacted history, and the injected "close after N events" fault.

use crate::errors::ApiError;
use crate::faults::Faults;
use crate::resources::ResourceInfo;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{Store, WatchEvent};
use bytes::Bytes;
use futures::Stream;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// What a watch request asked for.
#[derive(Debug, Clone)]
pub struct WatchRequest {
    pub info: ResourceInfo,
    pub version: String,
    pub namespace: Option<String>,
    pub labels: Option<LabelSelector>,
    pub fields: Option<FieldSelector>,
    /// `resourceVersion`; `None` or `0` means "current state first".
    pub since: Option<u64>,
    pub send_initial_events: bool,
    pub bookmarks: bool,
    pub timeout: Option<Duration>,
}

impl WatchRequest {
    fn matches(&self, group: &str, kind: &str, obj: &Value) -> bool {
        group == self.info.group
            && kind == self.info.kind
            && (!self.info.namespaced
                || self
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| obj.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)))
            && self.labels.as_ref().is_none_or(|s| s.matches(obj))
            && self.fields.as_ref().is_none_or(|s| s.matches(obj))
    }

    fn api_version(&self) -> String {
        self.info.api_version(&self.version)
    }

    fn line(&self, type_: &str, mut obj: Value) -> Bytes {
        obj["apiVersion"] = json!(self.api_version());
        let mut s = json!({"type": type_, "object": obj}).to_string();
        s.push('\n');
        Bytes::from(s)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let obj = json!({"kind": self.info.kind, "apiVersion": self.api_version(), "metadata": meta});
        self.line("BOOKMARK", obj)
    }
}

/// Options of the server that shape every watch.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub bookmark_interval: Duration,
}

/// Starts a watch. The returned stream ends on timeout, on the injected event limit, when
/// the client goes away, or when `shutdown` fires.
pub fn start(
    store: &Store,
    faults: &Faults,
    req: WatchRequest,
    config: &WatchConfig,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let mut initial: Vec<Bytes> = Vec::new();
    let start_rv;
    let mut live: broadcast::Receiver<WatchEvent>;
    {
        let st = store.lock();
        live = store.subscribe_watch();
        start_rv = st.rv;
        match req.since.filter(|rv| *rv > 0 && !req.send_initial_events) {
            None => {
                let (items, _) = st.list(
                    &req.info,
                    &req.version,
                    req.namespace.as_deref(),
                    req.labels.as_ref(),
                    req.fields.as_ref(),
                );
                initial.extend(items.into_iter().map(|o| req.line("ADDED", o)));
            }
            Some(since) if since < st.compacted_rv => {
                let gone = ApiError::gone(since, st.compacted_rv + 1);
                initial.push(req.line("ERROR", gone.to_status()));
            }
            Some(since) => {
                for ev in st.history.iter().filter(|e| e.rv > since) {
                    if req.matches(&ev.group, &ev.kind, &ev.object) {
                        initial.push(req.line(ev.type_.as_str(), ev.object.clone()));
                    }
                }
            }
        }
    }
    let limit = faults.watch_event_limit();
    let interval = config.bookmark_interval;
    let faults = faults.clone();
    tokio::spawn(async move {
        let deadline = req.timeout.map(|t| tokio::time::Instant::now() + t);
        let mut sent = 0usize;
        let over_limit =
            |sent: usize| limit.is_some_and(|l| sent >= l) || faults.watch_event_limit().is_some_and(|l| sent >= l);
        let had_error = initial.len() == 1 && req.since.is_some_and(|s| s > 0) && {
            // A 410 answer ends the stream right after the ERROR event.
            std::str::from_utf8(&initial[0]).is_ok_and(|s| s.starts_with("{\"type\":\"ERROR\""))
        };
        for line in initial {
            if tx.send(line).await.is_err() {
                return;
            }
            sent += 1;
            if over_limit(sent) {
                return;
            }
        }
        if had_error {
            return;
        }
        if req.send_initial_events && tx.send(req.bookmark(start_rv, true)).await.is_err() {
            return;
        }
        let mut progress = start_rv;
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        loop {
            let sleep_until = deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        if ev.rv <= start_rv {
                            continue;
                        }
                        progress = progress.max(ev.rv);
                        // A partitioned client hears nothing (`Faults::partition`).
                        if req.matches(&ev.group, &ev.kind, &ev.object) && !faults.partitioned() {
                            if tx.send(req.line(ev.type_.as_str(), ev.object)).await.is_err() {
                                return;
                            }
                            sent += 1;
                            if over_limit(sent) {
                                return;
                            }
                        }
                    }
                    // A watcher that fell behind is closed; the client re-watches.
                    Err(_) => return,
                },
                _ = ticker.tick(), if req.bookmarks && !faults.partitioned() => {
                    if tx.send(req.bookmark(progress, false)).await.is_err() {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(sleep_until) => {
                    if deadline.is_some() {
                        return;
                    }
                }
                _ = shutdown.changed() => return,
                _ = tx.closed() => return,
            }
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok(b), rx)) })
}
