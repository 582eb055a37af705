//! Handing a photo to the rest of the desktop: open it in the user's own photo viewer, or show
//! it in their file manager. Kindred starts the platform's tool and never waits on it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// Open the photo with the application the desktop uses for its type.
    Open(PathBuf),
    /// Open its folder in the file manager, the photo selected where the desktop allows it.
    ShowInFolder(PathBuf),
}

/// One way of doing a [`Launch`]. `judged_by_exit` says whether a failing exit status means
/// the next way should be tried (Windows Explorer exits with 1 even when it worked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub program: &'static str,
    pub args: Vec<OsString>,
    pub judged_by_exit: bool,
}

impl Launch {
    pub fn path(&self) -> &Path {
        match self {
            Launch::Open(p) | Launch::ShowInFolder(p) => p,
        }
    }

    /// The ways to try, in order, on this platform.
    pub fn attempts(&self) -> Vec<Attempt> {
        if cfg!(target_os = "macos") {
            self.attempts_macos()
        } else if cfg!(windows) {
            self.attempts_windows()
        } else {
            self.attempts_freedesktop()
        }
    }

    /// Linux and the BSDs: the file manager's D-Bus interface selects the file (Nautilus,
    /// Dolphin, Nemo, Caja, Thunar all offer it); without one, the folder is opened plainly.
    fn attempts_freedesktop(&self) -> Vec<Attempt> {
        let xdg_open = |path: &Path| Attempt {
            program: "xdg-open",
            args: vec![path.as_os_str().to_owned()],
            judged_by_exit: true,
        };
        match self {
            Launch::Open(photo) => vec![xdg_open(photo)],
            Launch::ShowInFolder(photo) => {
                let show_items = Attempt {
                    program: "dbus-send",
                    args: [
                        "--session".to_string(),
                        "--print-reply".into(),
                        "--dest=org.freedesktop.FileManager1".into(),
                        "--type=method_call".into(),
                        "/org/freedesktop/FileManager1".into(),
                        "org.freedesktop.FileManager1.ShowItems".into(),
                        format!("array:string:{}", file_uri(photo)),
                        "string:".into(),
                    ]
                    .into_iter()
                    .map(OsString::from)
                    .collect(),
                    judged_by_exit: true,
                };
                let folder = photo.parent().unwrap_or(photo);
                vec![show_items, xdg_open(folder)]
            }
        }
    }

    fn attempts_macos(&self) -> Vec<Attempt> {
        let args = match self {
            Launch::Open(photo) => vec![photo.as_os_str().to_owned()],
            Launch::ShowInFolder(photo) => vec!["-R".into(), photo.as_os_str().to_owned()],
        };
        vec![Attempt {
            program: "open",
            args,
            judged_by_exit: true,
        }]
    }

    /// Explorer's arguments are passed as written (see [`run`]): it does not understand
    /// `/select,` inside the quotes the standard library would put around a path with spaces.
    /// A Windows path cannot contain a quote, so quoting it here is safe.
    fn attempts_windows(&self) -> Vec<Attempt> {
        let quoted = |path: &Path| {
            let mut arg = OsString::from("\"");
            arg.push(path.as_os_str());
            arg.push("\"");
            arg
        };
        let arg = match self {
            Launch::Open(photo) => quoted(photo),
            Launch::ShowInFolder(photo) => {
                let mut arg = OsString::from("/select,");
                arg.push(quoted(photo));
                arg
            }
        };
        vec![Attempt {
            program: "explorer",
            args: vec![arg],
            judged_by_exit: false,
        }]
    }
}

/// A `file://` URI for a path, every byte outside the unreserved set percent-encoded (a comma
/// left bare would split dbus-send's array argument).
pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for &byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

/// Does `what` on a thread of its own, trying each way in turn; `failed` hears why none worked.
pub fn launch(what: Launch, failed: std::sync::mpsc::Sender<String>) {
    let spawned = std::thread::Builder::new()
        .name("kindred-launch".into())
        .spawn(move || {
            let mut reasons = Vec::new();
            for attempt in what.attempts() {
                match run(&attempt) {
                    Ok(()) => return,
                    Err(reason) => reasons.push(format!("{}: {reason}", attempt.program)),
                }
            }
            let verb = match what {
                Launch::Open(_) => "open",
                Launch::ShowInFolder(_) => "show the folder of",
            };
            let _ = failed.send(format!(
                "Cannot {verb} {} ({})",
                what.path().display(),
                reasons.join("; ")
            ));
        });
    if let Err(e) = spawned {
        eprintln!("kindred: cannot start a launcher thread: {e}");
    }
}

fn run(attempt: &Attempt) -> Result<(), String> {
    let mut command = Command::new(attempt.program);
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        for arg in &attempt.args {
            command.raw_arg(arg);
        }
    }
    #[cfg(not(windows))]
    command.args(&attempt.args);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "not installed".to_string(),
        _ => e.to_string(),
    })?;
    // Waited for either way, so no finished child is left behind as a zombie.
    let status = child.wait().map_err(|e| e.to_string())?;
    if attempt.judged_by_exit && !status.success() {
        return Err(format!("failed ({status})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_uri_escapes_what_would_break_it() {
        assert_eq!(
            file_uri(Path::new("/home/me/Pictures/Trip, 2024/Anna & Bo #1.jpg")),
            "file:///home/me/Pictures/Trip%2C%202024/Anna%20%26%20Bo%20%231.jpg"
        );
        assert_eq!(
            file_uri(Path::new("/p/Ærø/é.jpg")),
            "file:///p/%C3%86r%C3%B8/%C3%A9.jpg"
        );
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn showing_in_the_folder_asks_the_file_manager_then_opens_the_folder() {
        let photo = PathBuf::from("/home/me/Pictures/Trip, 2024/a.jpg");
        let attempts = Launch::ShowInFolder(photo.clone()).attempts();
        assert_eq!(attempts.len(), 2);
        assert_eq!(attempts[0].program, "dbus-send");
        assert!(
            attempts[0].args.contains(&OsString::from(
                "array:string:file:///home/me/Pictures/Trip%2C%202024/a.jpg"
            )),
            "{:?}",
            attempts[0].args
        );
        assert_eq!(attempts[1].program, "xdg-open");
        assert_eq!(
            attempts[1].args,
            vec![OsString::from("/home/me/Pictures/Trip, 2024")]
        );
        let open = Launch::Open(photo.clone()).attempts();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].args, vec![photo.into_os_string()]);
    }

    #[test]
    fn a_program_that_is_not_there_is_said_so() {
        let missing = Attempt {
            program: "kindred-no-such-program",
            args: Vec::new(),
            judged_by_exit: true,
        };
        assert_eq!(run(&missing), Err("not installed".to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn a_program_that_fails_is_said_so_unless_its_exit_means_nothing() {
        let mut fails = Attempt {
            program: "false",
            args: Vec::new(),
            judged_by_exit: true,
        };
        assert_eq!(run(&fails).unwrap_err(), "failed (exit status: 1)");
        fails.judged_by_exit = false;
        assert_eq!(run(&fails), Ok(()));
    }
}
