//! Everything users see: results on stdout (text, JSON, YAML), and on stderr
//! progress, warnings and errors. Layers below return values; only this
//! module prints.

pub mod checklist;
pub mod cluster_report;
pub mod diff;
pub mod errors;
pub mod logging;
pub mod output;
pub mod progress;
pub mod prompts;
pub mod terminal;
pub mod wizard;
