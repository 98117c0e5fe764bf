//! Not a command: the plumbing the command modules share, in one place.
//! Command modules import from here and from the layers below (`actions`,
//! `cluster`, `spec`, `ui`, …), never from one another; what decides lives
//! below (`actions`), what is here turns flags into requests and answers
//! into progress, questions and messages.

pub mod change;
pub mod operator_install;
pub mod preflight;
pub mod runner;
pub mod spec;
