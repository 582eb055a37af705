//! The `kindred` executable: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kindred::cli::Cli::parse();
    if cli.command.is_none() {
        let_go_of_own_console();
    }
    match kindred::cli::run(cli) {
        Ok(code) => code,
        // The reader of our output has gone (`kindred people | head -1`): a command-line tool
        // just stops, as `ls` or `rg` do. Handled here rather than by restoring SIGPIPE so it
        // works alike on Windows, which has no such signal.
        Err(err) if kindred::cli::is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let text = kindred::cli::error_text(&err);
            eprintln!("kindred: {text}");
            if let Some(advice) = kindred::cli::advice_for(&err) {
                eprintln!("{advice}");
            }
            ExitCode::from(2)
        }
    }
}

/// Windows gives a console program started from Explorer or the Start menu a console window of
/// its own, which would sit beside the app for as long as it runs. The app has no use for it
/// and lets it go (it closes). Started from a terminal, the console is the shell's too and
/// stays. Elsewhere there is nothing to do.
fn let_go_of_own_console() {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::Console::{FreeConsole, GetConsoleProcessList};
        let mut attached = [0u32; 2];
        // SAFETY: the buffer holds as many process ids as the count passed says.
        let count = unsafe { GetConsoleProcessList(attached.as_mut_ptr(), attached.len() as u32) };
        if count == 1 {
            // SAFETY: detaching from the console only invalidates its handles; std's stdout and
            // stderr take an invalid handle as a closed stream and write nothing.
            unsafe { FreeConsole() };
        }
    }
}
