//! End-to-end tests: the built `kafkactl` binary against the fake API server
//! with the simulated controllers and Strimzi operator. Each test asserts on
//! what the fake holds afterwards, not only on what kafkactl prints.

#[path = "../backends/mod.rs"]
mod backends;
mod bad_input;
mod check;
mod cli_surface;
mod common;
mod create;
mod delete;
mod export;
mod expose;
mod faults;
mod interrupt;
mod lock;
mod machine_output;
mod migrate;
mod monitor;
mod operator;
mod prompts;
mod scale;
mod status;
mod upgrade;
mod verbose;
mod waits;
mod wizard;
