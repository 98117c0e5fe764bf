//! `kafkactl operator install | status | uninstall`. The install itself,
//! which `create --install-operator` runs too, is `shared::operator_install`.

mod convert_api;
mod install;
mod status;
mod uninstall;

use crate::cli::GlobalArgs;
use crate::cli::operator::OperatorCommand;

pub fn run(global: &GlobalArgs, command: OperatorCommand) -> anyhow::Result<()> {
    match command {
        OperatorCommand::Install(args) => install::install(global, args),
        OperatorCommand::Status(_) => status::status(global),
        OperatorCommand::ConvertApi(args) => convert_api::convert_api(global, args),
        OperatorCommand::Uninstall(args) => uninstall::uninstall(global, args),
    }
}
