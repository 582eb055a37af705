//! Finding photo files under the user's folders: hidden and system folders skipped, symbolic
//! links followed without loops or double counting, unreadable folders reported.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use walkdir::WalkDir;

use super::decode::is_photo_format;

/// A file that may be a photo, with what change detection needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    /// The state of the photo's XMP sidecar and its folder's Picasa face file
    /// ([`sidecar_stamp`]), so a scan sees names added in another app even when the photo
    /// itself is unchanged.
    pub xmp_stamp: String,
}

impl Candidate {
    /// A file met by the walk; its sidecar stamp is filled in once all sidecars are listed.
    fn found(path: &Path, meta: &std::fs::Metadata) -> Self {
        Candidate {
            path: path.to_path_buf(),
            size: meta.len(),
            mtime_ns: mtime_ns(meta),
            xmp_stamp: String::new(),
        }
    }
}

/// The names Picasa gives the per-folder file where it keeps face names, newest first.
pub const PICASA_FACE_FILES: [&str; 2] = [".picasa.ini", "Picasa.ini"];

/// Identifies a state of the files beside a photo that can name its faces: its XMP sidecar
/// (the first of [`sidecar_names`] that exists), its folder's Picasa face file and its Google
/// Takeout JSON file — each by name, size and modification time; "" when there are none.
pub fn sidecar_stamp(photo: &Path) -> String {
    let stamp_of = |path: &Path| {
        let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        Some(stamp(path, meta.len(), mtime_ns(&meta)))
    };
    let sidecar = sidecar_names(photo).iter().find_map(|p| stamp_of(p));
    let picasa = photo.parent().and_then(|folder| {
        PICASA_FACE_FILES
            .iter()
            .find_map(|name| stamp_of(&folder.join(name)))
    });
    let takeout = takeout_json_paths(photo).iter().find_map(|p| stamp_of(p));
    with_takeout_stamp(
        joined_stamp(sidecar.as_deref(), picasa.as_deref()),
        takeout.as_deref(),
    )
}

/// What comes before a Takeout file's stamp in a [`sidecar_stamp`].
const TAKEOUT_STAMP: &str = "|takeout:";

/// A Takeout file's stamp goes after the others, so the stamps of photos without one stay as
/// they were before Kindred read them.
fn with_takeout_stamp(mut stamp: String, takeout: Option<&str>) -> String {
    if let Some(takeout) = takeout {
        stamp.push_str(TAKEOUT_STAMP);
        stamp.push_str(takeout);
    }
    stamp
}

/// Whether a [`sidecar_stamp`] says the photo has a Google Takeout file.
pub fn stamp_has_takeout_file(stamp: &str) -> bool {
    stamp.contains(TAKEOUT_STAMP)
}

fn joined_stamp(sidecar: Option<&str>, picasa: Option<&str>) -> String {
    match (sidecar, picasa) {
        (Some(s), Some(p)) => format!("{s}|{p}"),
        (Some(s), None) => s.to_string(),
        (None, Some(p)) => format!("|{p}"),
        (None, None) => String::new(),
    }
}

/// Where a photo's XMP sidecar may be, in the order they are looked for: `photo.jpg.xmp`
/// (digiKam, darktable), then `photo.xmp` (Lightroom, Capture One).
pub fn sidecar_names(photo: &Path) -> Vec<PathBuf> {
    let mut full = photo.as_os_str().to_os_string();
    full.push(".xmp");
    let short = photo.with_extension("xmp");
    let mut names = vec![PathBuf::from(full)];
    if short != photo {
        names.push(short);
    }
    names
}

/// The longest name Takeout gives a JSON file: longer ones have `supplemental-metadata` cut short.
const TAKEOUT_LONGEST_NAME: usize = 51;
const TAKEOUT_SUPPLEMENTAL: &str = "supplemental-metadata";

/// The Google Takeout JSON file of a photo, if there is one (see [`crate::export::takeout`]): `IMG_1.jpg.supplemental-metadata.json`
/// (cut short to 51 characters, down to `IMG_1.jpg..json`), or the older `IMG_1.jpg.json`; for
/// a copy Google numbered (`IMG_1(1).jpg`) the number goes before `.json`; an edit
/// (`IMG_1-edited.jpg`) has the original's.
pub fn takeout_json_of(photo: &Path) -> Option<PathBuf> {
    takeout_json_paths(photo)
        .into_iter()
        .find(|path| path.is_file())
}

/// Where [`takeout_json_of`] looks, most likely first.
fn takeout_json_paths(photo: &Path) -> Vec<PathBuf> {
    let (Some(folder), Some(name)) = (photo.parent(), photo.file_name().and_then(|n| n.to_str()))
    else {
        return Vec::new();
    };
    takeout_json_names(name)
        .into_iter()
        .map(|candidate| folder.join(candidate))
        .collect()
}

/// The file names [`takeout_json_of`] looks for, most likely first.
fn takeout_json_names(name: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |base: &str, number: &str| {
        names.push(takeout_supplemental(base, number));
        names.push(format!("{base}{number}.json"));
    };
    add(name, "");
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    if let Some(open) = stem.rfind('(')
        && stem.ends_with(')')
        && stem.len() > open + 2
        && stem[open + 1..stem.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        let original = format!("{}{extension}", &stem[..open]);
        add(&original, &stem[open..]);
    }
    if let Some(original) = stem.strip_suffix("-edited") {
        add(&format!("{original}{extension}"), "");
    }
    names
}

/// `base.supplemental-metadata{number}.json`, the middle cut short as Takeout does.
fn takeout_supplemental(base: &str, number: &str) -> String {
    let fixed = base.chars().count() + ".".len() + number.len() + ".json".len();
    let room = TAKEOUT_LONGEST_NAME
        .saturating_sub(fixed)
        .min(TAKEOUT_SUPPLEMENTAL.len());
    format!("{base}.{}{number}.json", &TAKEOUT_SUPPLEMENTAL[..room])
}

fn stamp(sidecar: &Path, size: u64, mtime_ns: i64) -> String {
    let name = sidecar.file_name().unwrap_or_default().to_string_lossy();
    format!("{name}:{size}:{mtime_ns}")
}

/// Something under a root that could not be looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    pub path: PathBuf,
    pub reason: String,
    /// What is under `path` could not be listed (permission denied, a network share that
    /// failed): photos the library knew there are not judged gone.
    pub unlisted: bool,
}

const PHOTO_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "tif", "tiff", "bmp", "gif", "heic", "heif", "hif",
];

/// Extensions that are certainly not photos Kindred reads: not worth opening to sniff.
const OTHER_EXTENSIONS: &[&str] = &[
    "xmp", "txt", "json", "xml", "csv", "db", "sqlite", "ini", "mp4", "mov", "avi", "mkv", "m4v",
    "3gp", "mts", "wav", "mp3", "aac", "m4a", "pdf", "doc", "docx", "zip", "gz", "tar", "7z",
    "html", "htm", "js", "css", "md", "log", "avif", "psd", "svg", "thm", "aae", "pp3", "dop",
    "lnk", "exe", "dll", "so",
];

/// Camera RAW files. One beside a JPEG or HEIC of the same name (RAW+JPEG shooting) is that
/// photo's other copy and is passed over; one without is the photo, read through the JPEG the
/// camera embedded in it (see [`super::raw`]) if its format is one of
/// [`READABLE_RAW_EXTENSIONS`], and otherwise counted per folder, so that a folder of them
/// does not look empty for no reason.
const RAW_EXTENSIONS: &[&str] = &[
    "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "dng", "orf", "rw2", "raf", "pef",
    "srw", "x3f", "3fr", "iiq", "erf", "kdc", "dcr", "mos", "mrw", "rwl",
];

/// The RAW formats whose embedded JPEG Kindred finds: Canon, Nikon, Sony, Adobe DNG (and the
/// phones that shoot it), Olympus/OM, Panasonic and Leica, Fujifilm, Pentax, Samsung.
const READABLE_RAW_EXTENSIONS: &[&str] = &[
    "cr2", "cr3", "nef", "nrw", "arw", "srf", "sr2", "dng", "orf", "rw2", "rwl", "raf", "pef",
    "srw",
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

/// Android's marker for "keep this folder out of galleries" — messaging apps' sent copies and
/// caches, apps' stickers and thumbnails — which phone backups bring along. A folder holding
/// it is passed over, unless the user added that very folder.
const NO_MEDIA: &str = ".nomedia";

/// The manifest Kindred's export leaves in the folder it writes albums to. A folder holding
/// it holds copies of the library's own photos (the app's default album folder is in
/// ~/Pictures), so scans pass it over, unless the user added that very folder.
pub const ALBUMS_MANIFEST: &str = "kindred-export.json";

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
            is_photo_format(&head[..n])
        }
    }
}

pub fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Every photo file under `root`, except in the `excluded` folders (the ones the user left
/// out). Symlinks are followed; a file reached twice (through two links) is listed once, and
/// directory loops are reported, not followed.
pub fn walk(
    root: &Path,
    excluded: &[PathBuf],
    problems: &mut Vec<WalkProblem>,
    mut keep_going: impl FnMut() -> bool,
) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    let mut sidecars: HashMap<PathBuf, String> = HashMap::new();
    // Folder → its camera RAW files.
    let mut raw_files: HashMap<PathBuf, Vec<RawFile>> = HashMap::new();
    // Folder → (rank in PICASA_FACE_FILES, stamp) of its Picasa face file.
    let mut picasa_files: HashMap<PathBuf, (usize, String)> = HashMap::new();
    let mut walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !(is_skipped_folder(&e.file_name().to_string_lossy())
                    || excluded.iter().any(|x| x == e.path()))
        });
    while let Some(entry) = walker.next() {
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
                // A link that leads nowhere, or back up the tree, hides nothing; any other
                // failure may.
                let unlisted = err.loop_ancestor().is_none()
                    && err
                        .io_error()
                        .is_none_or(|io| io.kind() != std::io::ErrorKind::NotFound);
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
                problems.push(WalkProblem {
                    path,
                    reason,
                    unlisted,
                });
                continue;
            }
        };
        if entry.file_type().is_dir() {
            if entry.depth() > 0 && entry.path().join(NO_MEDIA).exists() {
                problems.push(WalkProblem {
                    path: entry.path().to_path_buf(),
                    reason: format!(
                        "hidden from galleries by its {NO_MEDIA} file: passed over (add it as a \
                         photo folder of its own to include it)"
                    ),
                    unlisted: false,
                });
                walker.skip_current_dir();
            } else if entry.depth() > 0 && entry.path().join(ALBUMS_MANIFEST).exists() {
                problems.push(WalkProblem {
                    path: entry.path().to_path_buf(),
                    reason: "albums exported by Kindred, copies of the library's photos: passed \
                             over (add it as a photo folder of its own to include it)"
                        .into(),
                    unlisted: false,
                });
                walker.skip_current_dir();
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if let Some(rank) = PICASA_FACE_FILES.iter().position(|n| *n == name) {
            if let (Ok(meta), Some(folder)) = (entry.metadata(), entry.path().parent()) {
                let stamp = stamp(entry.path(), meta.len(), mtime_ns(&meta));
                let best = picasa_files
                    .entry(folder.to_path_buf())
                    .or_insert((rank, stamp.clone()));
                if rank < best.0 {
                    *best = (rank, stamp);
                }
            }
            continue;
        }
        if name.starts_with('.') {
            continue;
        }
        if matches!(extension(entry.path()).as_deref(), Some("xmp" | "json")) {
            if let Ok(meta) = entry.metadata() {
                let path = entry.path().to_path_buf();
                let stamp = stamp(&path, meta.len(), mtime_ns(&meta));
                sidecars.insert(path, stamp);
            }
            continue;
        }
        if let Some(ext) = extension(entry.path()).filter(|e| RAW_EXTENSIONS.contains(&e.as_str()))
        {
            if let (Some(folder), Some(stem), Ok(meta)) = (
                entry.path().parent(),
                entry.path().file_stem(),
                entry.metadata(),
            ) {
                raw_files
                    .entry(folder.to_path_buf())
                    .or_default()
                    .push(RawFile {
                        stem: stem.to_string_lossy().to_lowercase(),
                        extension: ext,
                        candidate: Candidate::found(entry.path(), &meta),
                    });
            }
            continue;
        }
        if !looks_like_photo(entry.path()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if first_sighting(&mut seen, entry.path()) {
            found.push(Candidate::found(entry.path(), &meta));
        }
    }
    let (raw_photos, unread_raw) = raw_without_photo(raw_files, &found);
    problems.extend(unread_raw);
    for raw in raw_photos {
        if first_sighting(&mut seen, &raw.path) {
            found.push(raw);
        }
    }
    // Sidecars were listed with the photos (no extra file-system calls); pair them up.
    for candidate in &mut found {
        let sidecar = sidecar_names(&candidate.path)
            .iter()
            .find_map(|name| sidecars.get(name));
        let picasa = candidate
            .path
            .parent()
            .and_then(|folder| picasa_files.get(folder));
        let takeout = takeout_json_paths(&candidate.path)
            .iter()
            .find_map(|name| sidecars.get(name));
        candidate.xmp_stamp = with_takeout_stamp(
            joined_stamp(sidecar.map(String::as_str), picasa.map(|(_, s)| s.as_str())),
            takeout.map(String::as_str),
        );
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// True the first time a file is reached (a file linked into several folders is one photo).
fn first_sighting(seen: &mut HashSet<PathBuf>, path: &Path) -> bool {
    seen.insert(dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// A camera RAW file met during the walk.
struct RawFile {
    /// Lower-case file stem, to pair it with a JPEG or HEIC of the same name.
    stem: String,
    /// Lower-case extension.
    extension: String,
    candidate: Candidate,
}

/// The RAW files that have no JPEG or HEIC of the same name beside them: those Kindred reads
/// become photos; the others give one problem per folder.
fn raw_without_photo(
    raw_files: HashMap<PathBuf, Vec<RawFile>>,
    photos: &[Candidate],
) -> (Vec<Candidate>, Vec<WalkProblem>) {
    let photo_stems: HashSet<(&Path, String)> = photos
        .iter()
        .filter_map(|c| {
            let stem = c.path.file_stem()?.to_string_lossy().to_lowercase();
            Some((c.path.parent()?, stem))
        })
        .collect();
    let mut readable = Vec::new();
    let mut problems = Vec::new();
    for (folder, files) in raw_files {
        let mut unread: Vec<RawFile> = Vec::new();
        for file in files {
            if photo_stems.contains(&(folder.as_path(), file.stem.clone())) {
                continue;
            }
            if READABLE_RAW_EXTENSIONS.contains(&file.extension.as_str()) {
                readable.push(file.candidate);
            } else {
                unread.push(file);
            }
        }
        if unread.is_empty() {
            continue;
        }
        let mut kinds: Vec<String> = unread.iter().map(|f| f.extension.to_uppercase()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let what = if unread.len() == 1 {
            format!("1 camera RAW file (.{})", kinds[0])
        } else {
            format!("{} camera RAW files (.{})", unread.len(), kinds.join(", ."))
        };
        problems.push(WalkProblem {
            path: folder,
            reason: format!(
                "{what} without a JPEG or HEIC of the same name: Kindred does not read {}",
                if kinds.len() == 1 {
                    "this RAW format"
                } else {
                    "these RAW formats"
                }
            ),
            unlisted: false,
        });
    }
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    (readable, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_file_of_a_photo_is_found_by_takeouts_naming() {
        let has = |name: &str, file: &str| takeout_json_names(name).iter().any(|c| c == file);
        assert_eq!(
            takeout_json_names("IMG_1.jpg")[0],
            "IMG_1.jpg.supplemental-metadata.json"
        );
        assert!(has("IMG_1.jpg", "IMG_1.jpg.json"));
        // 51 characters at most: the middle cut short, down to nothing.
        let long = "PXL_20230704_181514523.PORTRAIT.jpg";
        let expected = format!("{long}.supplement.json");
        assert_eq!(expected.len(), 51);
        assert!(has(long, &expected), "{:?}", takeout_json_names(long));
        let longer = "a".repeat(46);
        assert!(has(&longer, &format!("{longer}..json")));
        // Copies Google numbered, and edits.
        assert!(has(
            "IMG_1(2).jpg",
            "IMG_1.jpg.supplemental-metadata(2).json"
        ));
        assert!(has("IMG_1(2).jpg", "IMG_1.jpg(2).json"));
        assert!(has(
            "IMG_1-edited.jpg",
            "IMG_1.jpg.supplemental-metadata.json"
        ));
        assert!(!has("IMG_(x).jpg", "IMG_.jpg(x).json"));

        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("IMG_1(2).jpg");
        assert_eq!(takeout_json_of(&photo), None);
        let json = dir.path().join("IMG_1.jpg.supplemental-metadata(2).json");
        std::fs::write(&json, "{}").unwrap();
        assert_eq!(takeout_json_of(&photo), Some(json));
    }

    /// `path` below `root`, with '/' between folders on every platform.
    fn relative_name(root: &Path, path: &Path) -> String {
        let parts: Vec<_> = path
            .strip_prefix(root)
            .unwrap()
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }

    #[test]
    fn raw_files_are_photos_unless_a_jpeg_of_the_same_name_is_beside_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (folder, names) in [
            // RAW+JPEG shooting: the RAW files are the photos' other copies.
            (
                "pairs",
                &["IMG_1.JPG", "IMG_1.CR2", "img_2.jpg", "IMG_2.cr2"][..],
            ),
            // One RAW without its JPEG.
            ("mixed", &["DSC_1.jpg", "DSC_1.NEF", "DSC_2.NEF"][..]),
            // RAW only, two kinds.
            ("raw", &["a.NEF", "b.nef", "c.dng"][..]),
            // Formats whose embedded JPEG Kindred does not find; one is paired.
            (
                "sigma",
                &["s1.X3F", "s2.x3f", "m.MRW", "p.x3f", "p.jpg"][..],
            ),
            ("old", &["o.CRW"][..]),
        ] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
            for name in names {
                std::fs::write(root.join(folder).join(name), b"x").unwrap();
            }
        }
        let mut problems = Vec::new();
        let found = walk(root, &[], &mut problems, || true);
        let names: Vec<String> = found.iter().map(|c| relative_name(root, &c.path)).collect();
        assert_eq!(
            names,
            [
                "mixed/DSC_1.jpg",
                "mixed/DSC_2.NEF",
                "pairs/IMG_1.JPG",
                "pairs/img_2.jpg",
                "raw/a.NEF",
                "raw/b.nef",
                "raw/c.dng",
                "sigma/p.jpg",
            ]
        );
        let said: Vec<(String, &str)> = problems
            .iter()
            .map(|p| {
                let folder = p.path.strip_prefix(root).unwrap().display().to_string();
                (folder, p.reason.as_str())
            })
            .collect();
        let suffix = " without a JPEG or HEIC of the same name: Kindred does not read";
        assert_eq!(
            said,
            [
                (
                    "old".into(),
                    &*format!("1 camera RAW file (.CRW){suffix} this RAW format")
                ),
                (
                    "sigma".into(),
                    &*format!("3 camera RAW files (.MRW, .X3F){suffix} these RAW formats")
                ),
            ]
        );
    }

    #[test]
    fn a_folder_hidden_from_galleries_is_passed_over_and_said_so_unless_added_itself() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let sent = root.join("WhatsApp/Media/WhatsApp Images/Sent");
        std::fs::create_dir_all(sent.join("2024")).unwrap();
        std::fs::write(root.join("WhatsApp/Media/WhatsApp Images/IMG-1.jpg"), b"x").unwrap();
        std::fs::write(sent.join(".nomedia"), b"").unwrap();
        std::fs::write(sent.join("IMG-2.jpg"), b"x").unwrap();
        std::fs::write(sent.join("2024/IMG-3.jpg"), b"x").unwrap();
        let names = |found: &[Candidate]| -> Vec<String> {
            found
                .iter()
                .map(|c| c.path.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };

        let mut problems = Vec::new();
        let found = walk(root, &[], &mut problems, || true);
        assert_eq!(names(&found), ["IMG-1.jpg"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, sent);
        assert!(problems[0].reason.contains(".nomedia"), "{problems:?}");

        // Added as a photo folder itself, the user has asked for it.
        let mut problems = Vec::new();
        let found = walk(&sent, &[], &mut problems, || true);
        assert_eq!(names(&found), ["IMG-3.jpg", "IMG-2.jpg"]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    /// Regression: albums exported into a photo folder (the app's default album folder is in
    /// ~/Pictures) were scanned back in, every exported photo a copy of one in the library.
    #[test]
    fn albums_exported_by_kindred_are_passed_over_and_said_so_unless_added_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let albums = root.join("Kindred albums");
        std::fs::create_dir_all(albums.join("Anna")).unwrap();
        std::fs::write(root.join("IMG-1.jpg"), b"x").unwrap();
        std::fs::write(albums.join("Anna/IMG-1.jpg"), b"x").unwrap();
        std::fs::write(albums.join(ALBUMS_MANIFEST), b"{}").unwrap();

        let mut problems = Vec::new();
        let found = walk(root, &[], &mut problems, || true);
        let paths: Vec<&Path> = found.iter().map(|c| c.path.as_path()).collect();
        assert_eq!(paths, [root.join("IMG-1.jpg")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, albums);
        assert!(problems[0].reason.contains("exported"), "{problems:?}");

        let mut problems = Vec::new();
        let found = walk(&albums, &[], &mut problems, || true);
        assert_eq!(found.len(), 1);
        assert!(problems.is_empty(), "{problems:?}");
    }

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
        let found = walk(root, &[], &mut problems, || true);
        let names: Vec<String> = found.iter().map(|c| relative_name(root, &c.path)).collect();
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

    #[test]
    fn each_photo_carries_the_state_of_its_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["full.jpg", "short.jpg", "both.jpg", "none.jpg"] {
            std::fs::write(root.join(name), b"x").unwrap();
        }
        std::fs::write(root.join("full.jpg.xmp"), b"<x/>").unwrap();
        std::fs::write(root.join("short.xmp"), b"<xx/>").unwrap();
        std::fs::write(root.join("both.jpg.xmp"), b"<x/>").unwrap();
        std::fs::write(root.join("both.xmp"), b"<xx/>").unwrap();
        let found = walk(root, &[], &mut Vec::new(), || true);
        // Sidecars are not photos.
        assert_eq!(found.len(), 4);
        for c in &found {
            // The walk's stamps are those a single photo's lookup gives.
            assert_eq!(c.xmp_stamp, sidecar_stamp(&c.path), "{}", c.path.display());
            let name = c.path.file_name().unwrap().to_str().unwrap();
            let want = match name {
                "full.jpg" => "full.jpg.xmp:4:",
                "short.jpg" => "short.xmp:5:",
                "both.jpg" => "both.jpg.xmp:4:",
                _ => "",
            };
            assert!(c.xmp_stamp.starts_with(want), "{name}: {}", c.xmp_stamp);
            assert_eq!(c.xmp_stamp.is_empty(), want.is_empty(), "{name}");
        }
        // Editing a sidecar changes its photo's stamp.
        let before = sidecar_stamp(&root.join("short.jpg"));
        std::fs::write(root.join("short.xmp"), b"<x>longer</x>").unwrap();
        assert_ne!(sidecar_stamp(&root.join("short.jpg")), before);
        // So does a Picasa face file for the folder (a hidden file, still noticed), and the
        // walk agrees again.
        std::fs::create_dir(root.join("picasa")).unwrap();
        std::fs::write(root.join("picasa/a.jpg"), b"x").unwrap();
        std::fs::write(root.join("picasa/Picasa.ini"), b"[a.jpg]").unwrap();
        std::fs::write(root.join("picasa/.picasa.ini"), b"[a.jpg]\n").unwrap();
        let found = walk(root, &[], &mut Vec::new(), || true);
        assert_eq!(found.len(), 5);
        for c in &found {
            assert_eq!(c.xmp_stamp, sidecar_stamp(&c.path), "{}", c.path.display());
        }
        let a = found
            .iter()
            .find(|c| c.path.ends_with("picasa/a.jpg"))
            .unwrap();
        assert!(a.xmp_stamp.starts_with("|.picasa.ini:"), "{}", a.xmp_stamp);
    }
}
