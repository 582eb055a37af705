//! The `kindred` executable: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kindred::cli::Cli::parse();
    if cli.command.is_some() {
        restore_default_sigpipe();
    }
    match kindred::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kindred: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`kindred people | head -1`) fails and
/// `println!` panics. Command-line tools should just stop, as `ls` or `rg` do. Not for the app:
/// there a closed socket must stay an error the code can handle, not a silent exit.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default at start-up, before any thread is
    // spawned, has no memory-safety requirements.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
