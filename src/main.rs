//! The `kafkactl` binary: parse the command line, run the command, map errors to exit codes.

fn main() -> std::process::ExitCode {
    kafkactl::commands::main()
}
