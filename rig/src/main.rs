//! The `rig` command line: parses the arguments and hands them to the
//! library (`rig::cli`); every exit code comes from `rig::failure::exit`.

use clap::Parser;
use rig::cli::{self, Cli, CliError};
use std::process::ExitCode;

fn main() -> ExitCode {
    match try_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn try_main() -> Result<ExitCode, CliError> {
    cli::run(Cli::parse()).map(ExitCode::from)
}
