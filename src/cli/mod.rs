//! The command line: clap definitions only. One `Args` struct per subcommand;
//! recurring option groups (connection, output, prompting, waiting, spec) are
//! their own flattened structs with a help heading each.

mod args;
mod duration;

pub use args::*;
pub use duration::parse_duration;
