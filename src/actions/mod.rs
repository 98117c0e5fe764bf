//! Use cases below the commands: each takes plain values (never clap types),
//! decides, and calls `cluster/` for what it reads and writes. Nothing here
//! prints or prompts: questions and outcomes are returned to the command,
//! which asks and shows them through `ui`.

pub mod change;
pub mod load;
pub mod lock;
pub mod preflight;
pub mod preset;
pub mod requested_spec;

pub use load::{LoadedCluster, load_cluster, not_found, served_api};
