//! The `kindred` executable: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kindred::cli::Cli::parse();
    match kindred::cli::run(cli) {
        Ok(code) => code,
        // The reader of our output has gone (`kindred people | head -1`): a command-line tool
        // just stops, as `ls` or `rg` do. Handled here rather than by restoring SIGPIPE so it
        // works alike on Windows, which has no such signal.
        Err(err) if kindred::cli::is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kindred: {err:#}");
            ExitCode::from(2)
        }
    }
}
