//! fake-kube: a fake Kubernetes API server for kafkactl's tests.
//!
//! Start one with [`FakeCluster::builder`]; point clients at
//! [`FakeCluster::kubeconfig_path`]. [`Store`] holds the objects and is shared by the HTTP
//! server and by simulated controllers ([`FakeClusterBuilder::with_controller`]).
//! [`Faults`] injects latency, failures, dropped watches and RBAC denials.

pub mod apply;
pub mod client;
pub mod cluster;
pub mod crd;
pub mod discovery;
pub mod errors;
pub mod faults;
pub mod fields;
pub mod gc;
pub mod kubeconfig;
pub mod managed;
pub mod openapi;
pub mod patch;
pub mod proxy;
pub mod resources;
pub mod schema;
pub mod selectors;
mod server;
pub mod sim;
pub mod store;
pub mod strimzi;
pub mod util;
mod validation;
pub mod watch;

pub use cluster::{Controller, FakeCluster, FakeClusterBuilder, NodeConfig, Taint};
pub use errors::ApiError;
pub use faults::{FailWith, Faults, ForbidRule, RecordedRequest};
pub use proxy::{Recorded, ServiceProxy};
pub use store::{ObjectKey, Store, StoreEvent};
pub use strimzi::StrimziRelease;
