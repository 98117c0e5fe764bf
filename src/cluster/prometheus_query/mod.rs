//! Asking a cluster's Prometheus through the API server's service proxy
//! (`/api/v1/namespaces/{ns}/services/{svc}:{port}/proxy/...`), so no
//! port-forward is needed: finding which Prometheus to ask (kafkactl's own,
//! or a prometheus-operator's) and whether it is ready, the queries of the
//! health view, the I/O that sends them, and the pure parsing of
//! Prometheus' answers into a view.

mod health;
mod query;
mod target;

pub use health::*;
pub use query::*;
pub use target::*;

#[cfg(test)]
mod test_support;
