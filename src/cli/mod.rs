//! The command line: clap definitions only. One `Args` struct per subcommand;
//! recurring option groups (connection, output, prompting, waiting, spec) are
//! their own flattened structs with a help heading each.

mod args;
pub mod check;
mod connection;
pub mod delete;
mod duration;
mod env_errors;
pub mod expose;
pub mod image;
pub mod migrate;
pub mod monitor;
pub mod operator;
pub mod scale;
pub mod upgrade_plan;

pub use args::*;
pub use duration::{parse_duration, parse_timeout};
pub use env_errors::{EnvSource, env_behind};
