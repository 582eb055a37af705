//! The `kindred` executable: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kindred::cli::Cli::parse();
    match kindred::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kindred: {err:#}");
            ExitCode::from(2)
        }
    }
}
