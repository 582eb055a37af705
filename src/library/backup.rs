//! Copies of the library file kept beside it, to go back to when the file is damaged (a disk
//! fault, a sync tool writing over it) or an upgrade went wrong: one before each schema
//! upgrade, one a week while the library is in use, and any the user makes. The photos are
//! never touched by any of this; the library is what holds the names and corrections.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OpenFlags};

use super::store::{MayTellOfDamage, SCHEMA_VERSION, Store, StoreError};

/// How old the newest weekly copy may be before the next one is due.
pub const WEEKLY: Duration = Duration::from_secs(7 * 24 * 3600);

/// How many copies of each kind are kept (the user's own are never deleted).
const KEEP_WEEKLY: usize = 3;
const KEEP_BEFORE_UPGRADE: usize = 2;

/// Why a copy was made: part of its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackupKind {
    Weekly,
    BeforeUpgrade,
    /// Made by the user (`kindred backup`).
    ByHand,
    /// The library as it was when a backup was restored over it, or a new library started in
    /// its place: kept, never deleted, in case something in it is wanted after all.
    SetAside,
    /// What could still be read from a damaged library ([`super::salvage`]): kept, never
    /// deleted, to put back where no copy holds the latest names.
    Salvaged,
}

impl BackupKind {
    const ALL: [BackupKind; 5] = [
        BackupKind::Weekly,
        BackupKind::BeforeUpgrade,
        BackupKind::ByHand,
        BackupKind::SetAside,
        BackupKind::Salvaged,
    ];

    fn word(self) -> &'static str {
        match self {
            BackupKind::Weekly => "weekly",
            BackupKind::BeforeUpgrade => "before-upgrade",
            BackupKind::ByHand => "by-hand",
            BackupKind::SetAside => "set-aside",
            BackupKind::Salvaged => "salvaged",
        }
    }

    /// Whether it is a copy of the library as it was in use (weekly, before an upgrade, by
    /// hand), not of one set aside or salvaged from damage: the copies that make the weekly
    /// one not due, and that hold what was done until they were made.
    pub fn of_the_library_in_use(self) -> bool {
        !matches!(self, BackupKind::SetAside | BackupKind::Salvaged)
    }

    /// In words, for the app.
    pub fn describe(self) -> &'static str {
        match self {
            BackupKind::Weekly => "weekly copy",
            BackupKind::BeforeUpgrade => "copy made before an upgrade",
            BackupKind::ByHand => "copy you made",
            BackupKind::SetAside => "library set aside",
            BackupKind::Salvaged => "salvaged copy",
        }
    }
}

/// A copy of the library.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Backup {
    pub path: PathBuf,
    pub kind: BackupKind,
    /// When it was made, UTC, "YYYY-MM-DDTHH:MM:SSZ".
    pub made: String,
    /// Seconds since 1970 when it was made, for ordering and "3 days ago".
    #[serde(skip)]
    pub made_secs: i64,
    pub bytes: u64,
}

/// What a library copy holds, read from it without changing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct BackupContents {
    pub photos: u64,
    pub people_named: u64,
    pub faces_confirmed: u64,
}

impl BackupContents {
    /// "12 photos, 4 people named, 23 faces confirmed".
    pub fn in_words(&self) -> String {
        use crate::text::count;
        format!(
            "{}, {}, {}",
            count(self.photos as usize, "photo", "photos"),
            count(self.people_named as usize, "person named", "people named"),
            count(
                self.faces_confirmed as usize,
                "face confirmed",
                "faces confirmed"
            )
        )
    }
}

/// The folder the copies of `library` are kept in: `<library>.backups`, beside it.
pub fn folder(library: &Path) -> PathBuf {
    let mut name = library.as_os_str().to_owned();
    name.push(".backups");
    PathBuf::from(name)
}

fn stem(library: &Path) -> String {
    library
        .file_stem()
        .map_or_else(|| "library".into(), |s| s.to_string_lossy().into_owned())
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `secs` since 1970 as (date "YYYY-MM-DD", time "HH:MM:SS"), UTC.
fn utc(secs: i64) -> (String, String) {
    let (y, m, d) = super::dates::civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60),
    )
}

/// A copy's file name: "<stem> <YYYY-MM-DD HH.MM.SS> <kind>.kindred" (dots, as Windows allows
/// no colons), so that the names sort by age and say what they are.
fn file_name(library: &Path, secs: i64, kind: BackupKind) -> String {
    let (date, time) = utc(secs);
    format!(
        "{} {date} {} {}.kindred",
        stem(library),
        time.replace(':', "."),
        kind.word()
    )
}

/// Reads a copy's file name back: when it was made and why.
fn parse_name(library: &Path, name: &str) -> Option<(i64, BackupKind)> {
    let rest = name
        .strip_prefix(&stem(library))?
        .strip_prefix(' ')?
        .strip_suffix(".kindred")?;
    let (stamp, word) = rest.rsplit_once(' ')?;
    let kind = BackupKind::ALL.into_iter().find(|k| k.word() == word)?;
    let number = |s: &str| s.parse::<i64>().ok();
    let (date, time) = stamp.split_once(' ')?;
    let mut d = date.splitn(3, '-').map(number);
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, '.').map(number);
    let (h, min, s) = (t.next()??, t.next()??, t.next()??);
    let days = super::dates::days_from_civil(y, m, day);
    Some((days * 86_400 + h * 3600 + min * 60 + s, kind))
}

/// The copies of `library`, newest first.
pub fn list(library: &Path) -> Vec<Backup> {
    let Ok(entries) = std::fs::read_dir(folder(library)) else {
        return Vec::new();
    };
    // Copies made within one second are told apart by their files' times.
    let mut backups: Vec<(Backup, Option<SystemTime>)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let (made_secs, kind) = parse_name(library, &name)?;
            let (date, time) = utc(made_secs);
            let meta = entry.metadata().ok()?;
            let backup = Backup {
                path: entry.path(),
                kind,
                made: format!("{date}T{time}Z"),
                made_secs,
                bytes: meta.len(),
            };
            Some((backup, meta.modified().ok()))
        })
        .collect();
    backups.sort_by(|(a, a_time), (b, b_time)| (b.made_secs, b_time).cmp(&(a.made_secs, a_time)));
    backups.into_iter().map(|(b, _)| b).collect()
}

/// Copies the library as it is now (a consistent copy, also while another connection
/// writes), compacted, into its backup folder.
pub fn make(store: &Store, kind: BackupKind) -> Result<Backup, StoreError> {
    let copy = NewCopy::start(store.path(), kind)?;
    store
        .connection()
        .execute("VACUUM INTO ?1", [copy.part.to_string_lossy()])
        .map_err(|e| {
            // A page of the library that cannot be read (as the copy before an upgrade
            // finds one): told as the damage it is, so that the copies and the salvage
            // are offered, not as a copy that could not be written.
            if e.is_damage() {
                let _ = std::fs::remove_file(&copy.part);
                StoreError::Sqlite {
                    path: store.path().to_path_buf(),
                    error: e,
                }
            } else {
                copy.failed("write", &e)
            }
        })?;
    if let Err(e) = without_face_pictures(&copy.part) {
        return Err(copy.abandon("write", &e));
    }
    copy.finish()
}

/// A copy being written: under a name no listing reads, then renamed, so that a copy cut
/// short is never taken for a good one.
pub(super) struct NewCopy {
    library: PathBuf,
    kind: BackupKind,
    secs: i64,
    /// Where it is written.
    pub part: PathBuf,
}

impl NewCopy {
    pub(super) fn start(library: &Path, kind: BackupKind) -> Result<Self, StoreError> {
        let mut copy = NewCopy {
            library: library.to_path_buf(),
            kind,
            secs: now_secs(),
            part: PathBuf::new(),
        };
        let dir = folder(library);
        std::fs::create_dir_all(&dir).map_err(|e| copy.failed("make the folder for", &e))?;
        // Two copies within a second (a test, an upgrade right after a copy by hand) get
        // names of their own.
        while dir.join(file_name(library, copy.secs, kind)).exists() {
            copy.secs += 1;
        }
        copy.part = dir.join(format!(".{}.part", file_name(library, copy.secs, kind)));
        let _ = std::fs::remove_file(&copy.part);
        Ok(copy)
    }

    pub(super) fn failed(&self, what: &str, e: &dyn std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            path: self.library.clone(),
            message: format!("cannot {what} a backup copy: {e}"),
        }
    }

    /// The copy could not be written: what was written of it goes.
    pub(super) fn abandon(self, what: &str, e: &dyn std::fmt::Display) -> StoreError {
        let _ = std::fs::remove_file(&self.part);
        self.failed(what, e)
    }

    /// Gives the copy its name, where listings find it.
    pub(super) fn finish(self) -> Result<Backup, StoreError> {
        let path = folder(&self.library).join(file_name(&self.library, self.secs, self.kind));
        std::fs::rename(&self.part, &path).map_err(|e| self.failed("finish", &e))?;
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        let (date, time) = utc(self.secs);
        Ok(Backup {
            path,
            kind: self.kind,
            made: format!("{date}T{time}Z"),
            made_secs: self.secs,
            bytes,
        })
    }
}

/// Takes the face pictures out of a copy: nine tenths of a library (about 6 KB a face), and
/// made again from the photos as they are shown once the copy is put back
/// ([`crate::library::scan::face_picture`]); a copy keeps what cannot be made again.
fn without_face_pictures(copy: &Path) -> rusqlite::Result<()> {
    let conn = rusqlite::Connection::open(copy)?;
    conn.execute_batch(
        "UPDATE faces SET thumbnail = NULL;
         VACUUM;",
    )
}

/// Deletes the oldest copies of `kind` beyond the number kept.
fn prune(library: &Path, kind: BackupKind) {
    let keep = match kind {
        BackupKind::Weekly => KEEP_WEEKLY,
        BackupKind::BeforeUpgrade => KEEP_BEFORE_UPGRADE,
        BackupKind::ByHand | BackupKind::SetAside | BackupKind::Salvaged => return,
    };
    for old in list(library)
        .into_iter()
        .filter(|b| b.kind == kind)
        .skip(keep)
    {
        let _ = std::fs::remove_file(&old.path);
    }
}

/// Makes a copy of `kind` and deletes the oldest of that kind beyond those kept.
pub fn make_and_prune(store: &Store, kind: BackupKind) -> Result<Backup, StoreError> {
    let backup = make(store, kind)?;
    prune(store.path(), kind);
    Ok(backup)
}

/// Whether the weekly copy is due: the newest copy of the library is a week old or more, or
/// there is none.
pub fn weekly_due(library: &Path) -> bool {
    let newest = list(library)
        .into_iter()
        .find(|b| b.kind.of_the_library_in_use());
    newest.is_none_or(|b| now_secs() - b.made_secs >= WEEKLY.as_secs() as i64)
}

/// The weekly copy, when it is due ([`weekly_due`]) and the library holds photos. The
/// library is checked first: a damaged one is said to be so (the error), and is not copied,
/// so the good copies before it are kept.
pub fn make_weekly_if_due(store: &Store) -> Result<Option<Backup>, StoreError> {
    let library = store.path();
    if !weekly_due(library) {
        return Ok(None);
    }
    let has_photos: bool = store
        .connection()
        .query_row("SELECT EXISTS (SELECT 1 FROM photos)", [], |r| r.get(0))
        .map_err(|e| StoreError::Sqlite {
            path: library.to_path_buf(),
            error: e,
        })?;
    if !has_photos {
        return Ok(None);
    }
    // A damaged file is not copied over the good copies: its damage is said instead, which
    // leads to them.
    store.check_for_damage()?;
    make_and_prune(store, BackupKind::Weekly).map(Some)
}

/// What a copy holds, and whether it is sound: opened read-only, checked, counted.
pub fn inspect(backup: &Path) -> Result<BackupContents, StoreError> {
    let err = |error| StoreError::Sqlite {
        path: backup.to_path_buf(),
        error,
    };
    let conn = Connection::open_with_flags(
        backup,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: backup.to_path_buf(),
            found: version,
        });
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(err)?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            path: backup.to_path_buf(),
            message: format!("this copy is damaged too ({check})"),
        });
    }
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(err);
    Ok(BackupContents {
        photos: count("SELECT COUNT(*) FROM photos")? as u64,
        // As `kindred status` counts them: rows of people merged away stay, named, for undo.
        people_named: count(
            "SELECT COUNT(*) FROM persons WHERE name IS NOT NULL AND id IN
             (SELECT person_id FROM face_assignments WHERE state IN ('confirmed', 'suggested'))",
        )? as u64,
        faces_confirmed: count("SELECT COUNT(*) FROM face_assignments WHERE state = 'confirmed'")?
            as u64,
    })
}

/// Moves the library file (with SQLite's write-ahead log beside it) into its backup folder
/// as a copy set aside; returns where it went, or None if there was no library file. A log
/// left beside a library file that is gone goes too: it would be read into the next file put
/// there. All or nothing: a file that cannot be moved leaves the library where it was.
/// No Kindred may have the library open (hold its lock).
pub fn set_aside(library: &Path) -> Result<Option<PathBuf>, StoreError> {
    let moves: Vec<(PathBuf, &str)> = ["", "-wal", "-shm"]
        .into_iter()
        .map(|suffix| (beside(library, suffix), suffix))
        .filter(|(from, _)| from.exists())
        .collect();
    if moves.is_empty() {
        return Ok(None);
    }
    let failed = |e: std::io::Error| StoreError::Corrupt {
        path: library.to_path_buf(),
        message: format!("cannot set the library aside: {e}"),
    };
    let dir = folder(library);
    std::fs::create_dir_all(&dir).map_err(failed)?;
    let mut secs = now_secs();
    while dir
        .join(file_name(library, secs, BackupKind::SetAside))
        .exists()
    {
        secs += 1;
    }
    let to = dir.join(file_name(library, secs, BackupKind::SetAside));
    for (from, suffix) in &moves {
        if let Err(e) = std::fs::rename(from, beside(&to, suffix)) {
            put_back_aside(&to, library);
            return Err(failed(e));
        }
    }
    Ok(moves
        .iter()
        .any(|(_, suffix)| suffix.is_empty())
        .then_some(to))
}

/// The library file (with the log beside it) back where it was before [`set_aside`] moved
/// it, when setting aside or putting a copy in its place failed.
fn put_back_aside(aside: &Path, library: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let from = beside(aside, suffix);
        if from.exists() {
            let _ = std::fs::rename(&from, beside(library, suffix));
        }
    }
}

/// `path` with `suffix` added to its name: SQLite's files beside a library.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Puts a copy back as the library: checks the copy, sets the library as it is aside (it is
/// kept, see [`set_aside`]), and puts a copy of the backup in its place (the backup stays
/// too). Returns where the library that was replaced went. The copy is made beside the library
/// first and then takes its place, so a copy cut short (a full disk) leaves the library as it
/// was. No Kindred may have the library open.
pub fn restore(library: &Path, backup: &Path) -> Result<Option<PathBuf>, StoreError> {
    let failed = |message: String| StoreError::Corrupt {
        path: library.to_path_buf(),
        message,
    };
    if same_file(library, backup) {
        return Err(failed(format!(
            "{} is the library itself, not a copy of it",
            backup.display()
        )));
    }
    inspect(backup)?;
    let incoming = beside(library, ".restoring");
    let copied =
        copy_whole(backup, &incoming).and_then(|_| std::fs::File::open(&incoming)?.sync_all());
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&incoming);
        return Err(failed(format!(
            "cannot copy {} beside the library: {e}",
            backup.display()
        )));
    }
    let set_aside = match set_aside(library) {
        Ok(aside) => aside,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(&incoming, library) {
        // The library as it was goes back where it was.
        if let Some(aside) = &set_aside {
            put_back_aside(aside, library);
        }
        let _ = std::fs::remove_file(&incoming);
        return Err(failed(format!(
            "cannot put {} in the library's place: {e}",
            backup.display()
        )));
    }
    Ok(set_aside)
}

/// Copies a library file with what its write-ahead log holds: a library set aside after a
/// crash has its latest changes only there, and the file alone would lose them.
fn copy_whole(backup: &Path, to: &Path) -> std::io::Result<()> {
    if !beside(backup, "-wal").exists() {
        return std::fs::copy(backup, to).map(|_| ());
    }
    let to_text = to.to_str().ok_or_else(|| {
        std::io::Error::other(format!(
            "its log would be lost: {} is not a name SQLite takes",
            to.display()
        ))
    })?;
    let _ = std::fs::remove_file(to);
    let conn = Connection::open_with_flags(
        backup,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(std::io::Error::other)?;
    conn.execute("VACUUM INTO ?1", [to_text])
        .map(|_| ())
        .map_err(std::io::Error::other)
}

/// Whether two paths name one file (a link, or `..` in one of them, aside).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::store::PhotoAnalysis;

    fn library_with_a_photo(dir: &Path) -> Store {
        let mut store = Store::open(&dir.join("library.kindred")).unwrap();
        store
            .record_analysis(&PhotoAnalysis::new("/p/a.jpg", 100, 100, Vec::new()))
            .unwrap();
        store
    }

    #[test]
    fn a_copy_keeps_everything_but_the_face_pictures() {
        use crate::engine::geometry::Rect;
        use crate::library::store::NewFace;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
        let faces: Vec<NewFace> = (0..200)
            .map(|i| NewFace {
                thumbnail_jpeg: vec![i as u8; 6000],
                ..NewFace::at(Rect::new(i * 10, 0, i * 10 + 9, 9), [0.5; 128])
            })
            .collect();
        store
            .record_analysis(&PhotoAnalysis::new("/p/a.jpg", 4000, 3000, faces))
            .unwrap();
        let copy = make(&store, BackupKind::ByHand).unwrap();
        let kept = Store::open(&copy.path).unwrap();
        let count =
            |sql: &str| -> i64 { kept.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM faces"), 200);
        assert_eq!(
            count("SELECT count(*) FROM faces WHERE thumbnail IS NOT NULL"),
            0
        );
        // Their 1.2 MB gone from the file, not only from the rows.
        assert!(copy.bytes < 400_000, "{} bytes", copy.bytes);
    }

    #[test]
    fn names_say_when_and_why_and_read_back() {
        let library = Path::new("/home/a/.local/share/kindred/library.kindred");
        let secs = 1_764_975_300; // 2025-12-05 22:55:00 UTC
        let name = file_name(library, secs, BackupKind::BeforeUpgrade);
        assert_eq!(name, "library 2025-12-05 22.55.00 before-upgrade.kindred");
        assert_eq!(
            parse_name(library, &name),
            Some((secs, BackupKind::BeforeUpgrade))
        );
        for secs in [0, 951_782_400 /* 2000-02-29 */, 4_102_444_799] {
            let name = file_name(library, secs, BackupKind::Weekly);
            assert_eq!(parse_name(library, &name), Some((secs, BackupKind::Weekly)));
        }
        assert_eq!(
            parse_name(library, "other 2025-12-05 22.55.00 weekly.kindred"),
            None
        );
        assert_eq!(parse_name(library, "library notes.txt"), None);
    }

    #[test]
    fn a_weekly_copy_is_made_once_a_week_and_three_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = library_with_a_photo(dir.path());
        let first = make_weekly_if_due(&store).unwrap().expect("none yet: due");
        assert_eq!(first.kind, BackupKind::Weekly);
        assert_eq!(make_weekly_if_due(&store).unwrap(), None, "made just now");
        assert_eq!(inspect(&first.path).unwrap().photos, 1);
        for _ in 0..4 {
            make_and_prune(&store, BackupKind::Weekly).unwrap();
        }
        let by_hand = make(&store, BackupKind::ByHand).unwrap();
        let kept = list(store.path());
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(
            kept.windows(2).all(|w| w[0].made_secs >= w[1].made_secs),
            "newest first"
        );
        assert!(kept.contains(&by_hand));
        assert!(!kept.contains(&first), "the oldest weekly copy went");
        // An empty library is not worth a copy.
        let empty = tempfile::tempdir().unwrap();
        let store = Store::open(&empty.path().join("library.kindred")).unwrap();
        assert_eq!(make_weekly_if_due(&store).unwrap(), None);
    }

    #[test]
    fn a_damaged_library_is_set_aside_and_a_copy_put_in_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library.kindred");
        let backup = {
            let store = library_with_a_photo(dir.path());
            make(&store, BackupKind::ByHand).unwrap()
        };
        std::fs::write(&library, b"not a library any more").unwrap();
        assert!(Store::open(&library).is_err());
        let aside = restore(&library, &backup.path).unwrap().unwrap();
        assert_eq!(std::fs::read(&aside).unwrap(), b"not a library any more");
        let store = Store::open(&library).unwrap();
        assert_eq!(store.photos().unwrap().len(), 1);
        let kinds: Vec<BackupKind> = list(&library).iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BackupKind::SetAside, BackupKind::ByHand]);
        // A damaged copy is refused, and nothing is moved.
        std::fs::write(&backup.path, b"damaged too").unwrap();
        drop(store);
        assert!(restore(&library, &backup.path).is_err());
        assert_eq!(Store::open(&library).unwrap().photos().unwrap().len(), 1);
    }

    /// Regression: the copy made before an upgrade that ran into a damaged page said it
    /// "cannot write a backup copy", so the app said only that the library could not be
    /// opened, and offered neither the copies nor the salvage.
    #[test]
    fn a_copy_of_a_damaged_library_says_it_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let store = library_with_a_photo(dir.path());
        let page_size: i64 = store
            .connection()
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        let root: i64 = store
            .connection()
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'photos'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let library = store.path().to_path_buf();
        drop(store);
        {
            use std::io::{Seek, SeekFrom, Write};
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(&library)
                .unwrap();
            file.seek(SeekFrom::Start(((root - 1) * page_size) as u64))
                .unwrap();
            file.write_all(&vec![0xA5; page_size as usize]).unwrap();
        }
        let store = Store::open(&library).unwrap();
        let err = make(&store, BackupKind::BeforeUpgrade).unwrap_err();
        assert!(err.is_damage(), "{err}");
        assert!(list(&library).is_empty(), "no copy");
        let folder = std::fs::read_dir(folder(&library)).unwrap().count();
        assert_eq!(folder, 0, "not even part of one");
    }

    /// Regression: `kindred restore` given the library's own path set it aside, then failed
    /// to copy it into its place (it had just moved), leaving no library.
    #[test]
    fn the_library_itself_is_not_put_back_over_itself() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library.kindred");
        drop(library_with_a_photo(dir.path()));
        let err = restore(&library, &dir.path().join(".").join("library.kindred")).unwrap_err();
        assert!(err.to_string().contains("the library itself"), "{err}");
        assert_eq!(Store::open(&library).unwrap().photos().unwrap().len(), 1);
        assert!(list(&library).is_empty(), "nothing set aside");
    }

    /// Regression: a library set aside after a crash keeps its latest changes in the log beside
    /// it; putting it back copied the file alone, and lost them.
    #[test]
    fn a_copy_set_aside_with_its_log_is_put_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library.kindred");
        let aside = dir.path().join("aside.kindred");
        let store = library_with_a_photo(dir.path());
        // While the library is open its changes are in the log, as after a crash.
        assert!(beside(&library, "-wal").metadata().unwrap().len() > 0);
        for suffix in ["", "-wal"] {
            std::fs::copy(beside(&library, suffix), beside(&aside, suffix)).unwrap();
        }
        drop(store);
        std::fs::remove_file(&library).unwrap();
        assert_eq!(inspect(&aside).unwrap().photos, 1);

        restore(&library, &aside).unwrap();
        assert_eq!(Store::open(&library).unwrap().photos().unwrap().len(), 1);
        assert!(!beside(&library, ".restoring").exists());
    }

    /// Regression: a person merged into another keeps a named row for undo, and a copy's
    /// contents counted it as one more person named than `kindred status` says.
    #[test]
    fn a_copy_counts_as_people_named_only_those_with_faces() {
        use crate::engine::geometry::Rect;
        use crate::library::store::NewFace;
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
        let faces = vec![
            NewFace::at(Rect::new(0, 0, 50, 50), [0.5; 128]),
            NewFace::at(Rect::new(100, 0, 150, 50), [-0.5; 128]),
        ];
        store
            .record_analysis(&PhotoAnalysis::new("/p/a.jpg", 200, 100, faces))
            .unwrap();
        crate::people::ops::match_new_faces(&mut store).unwrap();
        let people = crate::people::ops::people(&store).unwrap();
        assert_eq!(people.len(), 2, "{people:?}");
        crate::people::ops::name_person(&mut store, people[0].id, "Anna").unwrap();
        crate::people::ops::name_person(&mut store, people[1].id, "Anne").unwrap();
        crate::people::ops::merge(&mut store, &[people[1].id], people[0].id).unwrap();
        let copy = make(&store, BackupKind::ByHand).unwrap();
        assert_eq!(inspect(&copy.path).unwrap().people_named, 1);
    }

    /// Regression: a write-ahead log left beside a library file that was gone (lost after a
    /// crash) stayed where it was, and SQLite would read it into the copy put back there.
    #[test]
    fn a_log_left_without_its_library_is_set_aside_before_a_copy_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library.kindred");
        let backup = {
            let store = library_with_a_photo(dir.path());
            make(&store, BackupKind::ByHand).unwrap()
        };
        std::fs::remove_file(&library).unwrap();
        std::fs::write(beside(&library, "-wal"), b"an old log").unwrap();
        assert_eq!(restore(&library, &backup.path).unwrap(), None);
        assert!(!beside(&library, "-wal").exists());
        assert!(!beside(&library, ".restoring").exists());
        // (A log alone is no copy to offer.)
        let kinds: Vec<BackupKind> = list(&library).iter().map(|b| b.kind).collect();
        assert_eq!(kinds, [BackupKind::ByHand]);
        assert_eq!(Store::open(&library).unwrap().photos().unwrap().len(), 1);
    }
}
