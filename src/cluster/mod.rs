//! Everything that talks to the Kubernetes API: connection, discovery,
//! server-side apply in waves, watch-driven waiting, reading clusters back.
//! The only layer that knows about retries, watches and field managers.
//! `readiness` is the exception: pure evaluators of observed state.

pub mod apply;
pub mod client;
pub mod conversion;
pub mod discovery;
pub mod errors;
pub mod exposure;
pub mod facts;
pub mod inventory;
pub mod lease;
pub mod live;
pub mod migration;
pub mod operator;
pub mod owned_kinds;
pub mod prometheus_query;
pub mod readiness;
pub mod rebalance;
pub mod recovery;
pub mod report;
pub mod resources;
pub mod rollout;
pub mod teardown;
pub mod trace;
pub mod upgrade_state;
pub mod volumes;
pub mod wait;
pub mod watch;
