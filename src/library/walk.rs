//! Finding photo files under the user's folders: hidden and system folders skipped, symbolic
//! links followed without loops or double counting, unreadable folders reported.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use walkdir::WalkDir;

use super::decode::sniff_format;

/// A file that may be a photo, with what change detection needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

/// Something under a root that could not be looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    pub path: PathBuf,
    pub reason: String,
}

const PHOTO_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "tif", "tiff", "bmp", "gif",
];

/// Extensions that are certainly not photos Kindred reads: not worth opening to sniff.
const OTHER_EXTENSIONS: &[&str] = &[
    "xmp", "txt", "json", "xml", "csv", "db", "sqlite", "ini", "mp4", "mov", "avi", "mkv", "m4v",
    "3gp", "mts", "wav", "mp3", "aac", "m4a", "pdf", "doc", "docx", "zip", "gz", "tar", "7z",
    "html", "htm", "js", "css", "md", "log", "heic", "heif", "avif", "cr2", "cr3", "nef", "arw",
    "dng", "orf", "rw2", "raf", "psd", "svg", "thm", "aae", "pp3", "dop", "lnk", "exe", "dll",
    "so",
];

/// Folder names that hold caches or system files, never the user's photos.
const SYSTEM_FOLDERS: &[&str] = &[
    "@eaDir",
    "#recycle",
    "$RECYCLE.BIN",
    "System Volume Information",
    "lost+found",
    "__MACOSX",
    "node_modules",
];

fn is_skipped_folder(name: &str) -> bool {
    name.starts_with('.') || SYSTEM_FOLDERS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

fn extension(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_lowercase())
}

/// True if the file looks like a photo: a photo extension, or an unknown extension whose first
/// bytes are a supported image format. (Decoding sniffs the content again regardless.)
fn looks_like_photo(path: &Path) -> bool {
    match extension(path).as_deref() {
        Some(ext) if PHOTO_EXTENSIONS.contains(&ext) => true,
        Some(ext) if OTHER_EXTENSIONS.contains(&ext) => false,
        _ => {
            let mut head = [0u8; 32];
            let n = std::fs::File::open(path)
                .and_then(|mut f| f.read(&mut head))
                .unwrap_or(0);
            sniff_format(&head[..n]).is_some()
        }
    }
}

pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Every photo file under `root`. Symlinks are followed; a file reached twice (through two
/// links) is listed once, and directory loops are reported, not followed.
pub fn walk(
    root: &Path,
    problems: &mut Vec<WalkProblem>,
    mut keep_going: impl FnMut() -> bool,
) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !is_skipped_folder(&e.file_name().to_string_lossy())
        });
    for entry in walker {
        if !keep_going() {
            break;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop: not followed".to_string()
                } else if let Some(io) = err.io_error() {
                    match io.kind() {
                        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                        std::io::ErrorKind::NotFound => "not found (broken link?)".to_string(),
                        _ => io.to_string(),
                    }
                } else {
                    err.to_string()
                };
                problems.push(WalkProblem { path, reason });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') || !looks_like_photo(entry.path()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let identity =
            std::fs::canonicalize(entry.path()).unwrap_or_else(|_| entry.path().to_path_buf());
        if !seen.insert(identity) {
            continue;
        }
        found.push(Candidate {
            path: entry.path().to_path_buf(),
            size: meta.len(),
            mtime_ns: mtime_ns(&meta),
        });
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_photos_skips_hidden_and_survives_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        std::fs::create_dir_all(root.join("@eaDir")).unwrap();
        std::fs::write(root.join("a/one.jpg"), b"x").unwrap();
        std::fs::write(root.join("a/b/two.PNG"), b"x").unwrap();
        std::fs::write(root.join("a/notes.txt"), b"x").unwrap();
        std::fs::write(root.join(".hidden/three.jpg"), b"x").unwrap();
        std::fs::write(root.join("@eaDir/thumb.jpg"), b"x").unwrap();
        // An extension-less file with PNG magic is found by its content.
        std::fs::write(root.join("a/noext"), b"\x89PNG\r\n\x1a\n0000").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("a"), root.join("a/b/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("a/one.jpg"), root.join("link.jpg")).unwrap();
        }
        let mut problems = Vec::new();
        let found = walk(root, &mut problems, || true);
        let names: Vec<String> = found
            .iter()
            .map(|c| c.path.strip_prefix(root).unwrap().display().to_string())
            .collect();
        #[cfg(unix)]
        {
            assert_eq!(names.len(), 3, "{names:?}");
            assert!(
                problems.iter().any(|p| p.reason.contains("loop")),
                "{problems:?}"
            );
        }
        assert!(names.contains(&"a/b/two.PNG".to_string()));
        assert!(names.contains(&"a/noext".to_string()));
    }
}
