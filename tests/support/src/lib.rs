//! fake-kube: a fake Kubernetes API server for kafkactl's tests.
//!
//! [`store::Store`] holds the objects and is shared by the HTTP server and by simulated
//! controllers; the server answers kube-rs and kubectl like a real API server would.

pub mod crd;
pub mod errors;
pub mod fields;
pub mod gc;
pub mod managed;
pub mod patch;
pub mod resources;
pub mod schema;
pub mod selectors;
pub mod store;
pub mod util;
// pub mod sim;

pub use errors::ApiError;
pub use store::{ObjectKey, Store, StoreEvent};
