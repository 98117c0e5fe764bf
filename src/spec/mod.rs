//! kafkactl's model of a Kafka cluster: the `ClusterSpec`, the presets it is
//! built from, the flags that override them, and `validate()`. Pure: no I/O
//! except reading a preset file the user names.

pub mod model;
pub mod names;
pub mod overrides;
pub mod preset;
pub mod problem;
pub mod quantity;
pub mod validate;
pub mod versions;

pub use model::*;
pub use overrides::SpecOverrides;
pub use problem::{Problem, Report};
pub use validate::validate;
