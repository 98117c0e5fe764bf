//! kafkactl: provision and run Apache Kafka on Kubernetes through the Strimzi operator.
//!
//! The data path is `spec` (model, presets, validation) → `render` (pure builders)
//! → `cluster` (apply, wait) → `ui` (progress, output). `actions` hold the use cases
//! (plain requests, no printing); `commands` glue flags, actions and output.

pub mod actions;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod error;
pub mod operator;
pub mod render;
pub mod spec;
pub mod ui;
