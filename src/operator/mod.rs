//! The Strimzi cluster operator as kafkactl installs it, and custom Kafka
//! images for it. `bundle` parses a release bundle, `transform` rewrites it
//! for one installation (namespaces, watched namespaces, registry mirror,
//! settings) into a `render::Plan`, `kafka_image` writes Dockerfiles: all
//! pure. `source` is the only I/O here: reading `--from` paths, downloading
//! and caching release assets. API calls live in `cluster::operator`.

pub mod bundle;
pub mod convert;
pub mod impact;
pub mod kafka_image;
pub mod path;
pub mod releases;
pub mod source;
pub mod stored_versions;
pub mod transform;
pub mod upgrade_checks;

pub use bundle::{Bundle, BundleError};
pub use source::BundleSource;
pub use transform::{OperatorSettings, TransformError};
