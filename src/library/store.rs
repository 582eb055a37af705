//! The library file: one SQLite database (WAL, foreign keys) that is the source of truth for
//! photo folders, photos, faces, people and every correction the user made. All SQL lives here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::engine::geometry::{Point, Rect};
use crate::engine::resnet::{DESCRIPTOR_LEN, Descriptor};
use crate::library::path_text;
use crate::library::turn::Turn;

/// The schema this build writes. Older files are migrated forward on open.
pub const SCHEMA_VERSION: i64 = 16;

pub type RootId = i64;
pub type PhotoId = i64;
pub type FaceId = i64;
pub type PersonId = i64;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not a `#[source]`: the message already says all of it, and a chain of causes printed
    /// after it said SQLite's words three times over.
    #[error("library {}: {}", path.display(), sqlite_message(error))]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("library {} was written by a newer Kindred (schema {found}, this build knows up to {SCHEMA_VERSION})", path.display())]
    TooNew { path: PathBuf, found: i64 },
    #[error("library {}: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    /// Reading every page found some that are not what they should be (SQLite's check says
    /// which): damage no read had run into yet.
    #[error("library {}: the file is damaged ({found})", path.display())]
    Damaged { path: PathBuf, found: String },
    #[error("library {}: no {what} with id {id}", path.display())]
    UnknownId {
        path: PathBuf,
        what: &'static str,
        id: i64,
    },
    /// A request the library cannot carry out as asked (the message says why and what to do).
    #[error("{message}")]
    Refused { message: String },
}

/// Errors that may say the library file itself is damaged (or is not a library at all), as
/// opposed to a disk that is full, a file that cannot be opened or a request refused: what a
/// backup copy is for. Told from the error, never from its words, so that callers that pass
/// errors on (the app's notifications, the command line's advice) can still tell.
pub trait MayTellOfDamage {
    fn is_damage(&self) -> bool;
}

impl MayTellOfDamage for StoreError {
    fn is_damage(&self) -> bool {
        match self {
            StoreError::Sqlite { error, .. } => error.is_damage(),
            StoreError::Damaged { .. } => true,
            _ => false,
        }
    }
}

/// SQLite found the file damaged (a page that is not what it should be) or not a database at
/// all.
impl MayTellOfDamage for rusqlite::Error {
    fn is_damage(&self) -> bool {
        use rusqlite::ErrorCode;
        matches!(
            self.sqlite_error_code(),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
        )
    }
}

/// Turns SQLite's errors for a library file into [`StoreError`]s.
pub(crate) fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    move |error| StoreError::Sqlite {
        path: path.to_path_buf(),
        error,
    }
}

/// What went wrong, in words a user can act on where the cause is outside Kindred (a full
/// disk, a read-only file), else SQLite's own.
fn sqlite_message(error: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => "the disk it is on is full: free some space and try again \
            (what was saved before is kept)"
            .into(),
        Some(ErrorCode::CannotOpen) => {
            "cannot open the file (is its folder there, and may Kindred write in it?)".into()
        }
        Some(ErrorCode::ReadOnly) => {
            "the file cannot be written (read-only file or folder, or a read-only disk)".into()
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "it stayed busy with another write for too long (a scan matching faces, or \
            another program using the file): try again in a moment"
                .into()
        }
        _ => error.to_string(),
    }
}

/// Status of a photo in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoStatus {
    /// Analysed; its faces are stored.
    Done,
    /// Could not be read or decoded; `error` says why.
    Error,
    /// Was there at a previous scan, is not now.
    Missing,
}

impl PhotoStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoStatus::Done => "done",
            PhotoStatus::Error => "error",
            PhotoStatus::Missing => "missing",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "done" => Some(PhotoStatus::Done),
            "error" => Some(PhotoStatus::Error),
            "missing" => Some(PhotoStatus::Missing),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Root {
    pub id: RootId,
    pub path: PathBuf,
}

/// The library folder holding `path` most closely (a folder inside another is its own).
pub fn innermost_root<'a>(roots: &'a [Root], path: &Path) -> Option<&'a Root> {
    roots
        .iter()
        .filter(|r| path.starts_with(&r.path))
        .max_by_key(|r| r.path.components().count())
}

/// What the scanner knows about a photo file on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoRecord {
    pub id: PhotoId,
    pub root_id: Option<RootId>,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub content_hash: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub orientation: Option<u16>,
    pub taken_at: Option<String>,
    /// `taken_at` is the date in the file name, the photo's metadata having none.
    pub dated_by_name: bool,
    pub camera: Option<String>,
    pub status: PhotoStatus,
    pub error: Option<String>,
    /// Of a file that could not be analysed: the revision of Kindred's readers that could not
    /// read its contents ([`crate::library::decode::READERS_REVISION`]); `None` where the file
    /// itself could not be read (permissions, a disk error), which may pass.
    pub error_readers: Option<i64>,
    pub analysis_key: Option<String>,
    /// The state of the photo's XMP sidecar and Picasa face file
    /// ([`crate::library::walk::sidecar_stamp`]) when the names other apps gave its faces
    /// were last read; `None` if they never were since it was last analysed.
    pub xmp_stamp: Option<String>,
    /// A closer look ([`crate::library::scan::faces_found_closer_in`]) found no face in the
    /// photo either, since it was last analysed: looking again would find none.
    pub no_face_on_closer_look: bool,
    /// How the user turned the photo, after its EXIF orientation; its faces' boxes and its
    /// `width` and `height` are those of the photo so turned.
    pub turn: Turn,
}

/// A face of a photo the user turned, as it is in the turned photo ([`Store::turn_photo_in_tx`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MovedFace {
    pub id: FaceId,
    pub face: NewFace,
}

/// A face as stored: where it is (in the oriented full-size photo) and what it looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRecord {
    pub id: FaceId,
    pub photo_id: PhotoId,
    pub index: u32,
    pub rect: Rect,
    pub confidence: f64,
    pub landmarks: [Point; 5],
    pub descriptor: Descriptor,
    pub model_version: String,
    /// Asked for by the user where the scan found no face; see [`NewFace::by_hand`].
    pub by_hand: bool,
}

/// Everything stored of a face: to put it back as it was once removed, or turned.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RemovedFace {
    pub id: FaceId,
    pub photo: PhotoId,
    pub rect: Rect,
    pub confidence: f64,
    /// As stored (see `landmarks_to_text`).
    pub landmarks: String,
    /// As stored (see [`descriptor_to_blob`]).
    pub descriptor: Vec<u8>,
    pub thumbnail: Option<Vec<u8>>,
    pub model_version: String,
    pub by_hand: bool,
}

impl RemovedFace {
    /// Its columns as named SQL parameters (`:id`, `:photo`, `:left`, …): the same for putting
    /// it back in place and for inserting it again.
    fn as_params(&self) -> [(&'static str, &dyn rusqlite::ToSql); 12] {
        [
            (":id", &self.id),
            (":photo", &self.photo),
            (":left", &self.rect.left),
            (":top", &self.rect.top),
            (":right", &self.rect.right),
            (":bottom", &self.rect.bottom),
            (":confidence", &self.confidence),
            (":landmarks", &self.landmarks),
            (":descriptor", &self.descriptor),
            (":thumbnail", &self.thumbnail),
            (":model_version", &self.model_version),
            (":by_hand", &self.by_hand),
        ]
    }
}

/// A new face to store for a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFace {
    pub rect: Rect,
    pub confidence: f64,
    pub landmarks: [Point; 5],
    pub descriptor: Descriptor,
    pub thumbnail_jpeg: Vec<u8>,
    /// A face the user asked for where the scan found none: drawn, found by looking closer,
    /// or tagged in another app. Analysing the photo again keeps it (described anew) unless
    /// the detector now finds it.
    pub by_hand: bool,
}

impl NewFace {
    /// A face at `rect` with `descriptor` that did not come from the detector (synthetic
    /// libraries, tests): full confidence, no landmarks, no thumbnail.
    pub fn at(rect: Rect, descriptor: Descriptor) -> NewFace {
        NewFace {
            rect,
            confidence: 1.0,
            landmarks: [Point::new(0, 0); 5],
            descriptor,
            thumbnail_jpeg: Vec::new(),
            by_hand: false,
        }
    }
}

/// The analysis key a photo's record carries when it was analysed as the scan's settings
/// would analyse it now: a small photo (longer side at most `small_up_to` pixels, none when 0)
/// is looked at doubled, under a key of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisKeys {
    pub usual: String,
    pub small: String,
    pub small_up_to: u32,
}

impl AnalysisKeys {
    /// The key of a photo `width` × `height` pixels (0 × 0: not known).
    pub fn for_size(&self, width: u32, height: u32) -> &str {
        if is_small(width, height, self.small_up_to) {
            &self.small
        } else {
            &self.usual
        }
    }
}

/// Whether a photo `width` × `height` pixels large (0 × 0: not known) is at most `up_to`
/// pixels long.
pub fn is_small(width: u32, height: u32, up_to: u32) -> bool {
    let longer = width.max(height);
    longer > 0 && longer <= up_to
}

/// The SQL condition, on `photos`, that a photo's record carries its [`AnalysisKeys`] key
/// (`?1` usual, `?2` small, `?3` small up to), as [`AnalysisKeys::for_size`] says.
const HAS_ITS_ANALYSIS_KEY: &str = "analysis_key = CASE
        WHEN MAX(COALESCE(width, 0), COALESCE(height, 0)) BETWEEN 1 AND ?3 THEN ?2 ELSE ?1 END";

/// The result of analysing one photo, committed atomically with its faces.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoAnalysis {
    pub root_id: Option<RootId>,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub content_hash: String,
    pub width: u32,
    pub height: u32,
    pub orientation: u16,
    pub taken_at: Option<String>,
    /// `taken_at` is the date in the file name, the photo's metadata having none.
    pub dated_by_name: bool,
    pub camera: Option<String>,
    /// Identifies the models and settings that produced the faces.
    pub analysis_key: String,
    /// How the pixels analysed were turned after the EXIF orientation (the turn the user gave
    /// the photo): `width`, `height` and the faces' boxes are those of the turned photo.
    pub turn: Turn,
    pub faces: Vec<NewFace>,
}

impl PhotoAnalysis {
    /// An upright `width`×`height` photo at `path` with `faces`, known by its path alone (the
    /// path stands in for the content hash; no file size, time, date, camera or folder), as
    /// synthetic libraries and tests make them. Set the other fields with struct update syntax.
    pub fn new(path: impl Into<PathBuf>, width: u32, height: u32, faces: Vec<NewFace>) -> Self {
        let path = path.into();
        PhotoAnalysis {
            root_id: None,
            content_hash: path.to_string_lossy().into_owned(),
            path,
            size: 0,
            mtime_ns: 0,
            width,
            height,
            orientation: 1,
            taken_at: None,
            dated_by_name: false,
            camera: None,
            analysis_key: "external".into(),
            turn: Turn::NONE,
            faces,
        }
    }
}

/// Counts for `kindred status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatusCounts {
    pub roots: u64,
    pub photos: u64,
    pub photos_done: u64,
    pub errors: u64,
    /// Photos no longer found (kept with their faces and names in case they come back).
    pub missing: u64,
    /// Photos in subfolders the user left out (kept the same way).
    pub left_out: u64,
    pub faces: u64,
    pub persons: u64,
    pub named_persons: u64,
    /// Analysed photos that are identical copies of another analysed photo (a backup folder,
    /// an import made twice), and the faces in them: people count each photo and face once.
    pub identical_copies: u64,
    pub faces_in_copies: u64,
    /// Faces the user ignored (not a face, or a stranger), each face of copies once.
    pub ignored_faces: u64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE roots (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at INTEGER NOT NULL
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        root_id INTEGER REFERENCES roots(id) ON DELETE SET NULL,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        width INTEGER,
        height INTEGER,
        orientation INTEGER,
        taken_at TEXT,
        camera TEXT,
        status TEXT NOT NULL CHECK (status IN ('done', 'error', 'missing')),
        error TEXT,
        analysis_key TEXT,
        scanned_at INTEGER NOT NULL,
        missing_since INTEGER
    );
    CREATE INDEX photos_hash ON photos(content_hash);
    CREATE INDEX photos_root ON photos(root_id);
    CREATE TABLE faces (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        left INTEGER NOT NULL,
        top INTEGER NOT NULL,
        right INTEGER NOT NULL,
        bottom INTEGER NOT NULL,
        confidence REAL NOT NULL,
        landmarks TEXT NOT NULL,
        descriptor BLOB NOT NULL,
        thumbnail BLOB,
        model_version TEXT NOT NULL,
        UNIQUE (photo_id, idx)
    );
    CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        key_face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE face_assignments (
        face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
        person_id INTEGER REFERENCES persons(id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('unassigned', 'suggested', 'confirmed', 'ignored')),
        distance REAL
    );
    CREATE INDEX face_assignments_person ON face_assignments(person_id, state);
    CREATE TABLE rejections (
        face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        PRIMARY KEY (face_id, person_id)
    );
    CREATE TABLE operations (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0
    );
    "#,
    // 2: settings that belong to the library (thresholds, analysis size), not to one window.
    r#"
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 3: each face's place in a narrow index. A face row carries its descriptor and thumbnail
    // (several KB), so joining persons to their faces through the table reads a page per face;
    // through this index, listing 100,000 faces reads a few MB. Queries name it (`INDEXED BY
    // faces_place`) because SQLite prefers the rowid lookup without statistics.
    r#"
    CREATE INDEX faces_place ON faces(id, photo_id, confidence, left, top, right, bottom);
    "#,
    // 4: the state of each photo's XMP sidecar and Picasa face file when the names other apps
    // gave its faces were last read (NULL: never read), so names added in another app later
    // are taken over at the next scan.
    r#"
    ALTER TABLE photos ADD COLUMN xmp_stamp TEXT;
    "#,
    // 5: subfolders the user left out of a photo folder. Also, a removed folder's photos had
    // stayed in People (analysed, with no folder); they are now missing, as removing a folder
    // makes them, keeping their faces and names for the day the folder is added again.
    r#"
    CREATE TABLE excluded_folders (
        path TEXT PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        added_at INTEGER NOT NULL
    );
    UPDATE photos SET status = 'missing',
        missing_since = COALESCE(missing_since, CAST(strftime('%s', 'now') AS INTEGER))
        WHERE root_id IS NULL AND status != 'missing';
    "#,
    // 6: photos whose metadata gives no date are dated by their file name (messaging apps'
    // copies, screenshots). Done by `date_undated_photos_by_name` after this (empty) step.
    "",
    // 7: whether a photo's date is the one in its file name, so the app can say so. Set by
    // `mark_dates_from_names` after this step for every date equal to its file name's: the
    // ones step 6 gave, and camera files whose name and metadata agree (of which "the file
    // name dates it" is true as well).
    r#"
    ALTER TABLE photos ADD COLUMN dated_by_name INTEGER NOT NULL DEFAULT 0;
    "#,
    // 8: faces the user asked for where the scan found none (drawn, found by looking closer,
    // tagged in another app), kept through re-analysis.
    r#"
    ALTER TABLE faces ADD COLUMN by_hand INTEGER NOT NULL DEFAULT 0;
    "#,
    // 9: redo. An undone operation keeps what it changed (its redo image) until a new
    // operation is logged; entries undone by older builds have none and stay undone.
    r#"
    ALTER TABLE operations ADD COLUMN redo TEXT;
    "#,
    // 10: ids are never given twice. SQLite numbers a new row after the highest id in its
    // table, so once the newest photo, face or person was deleted (a pruned photo, an undone
    // split) the next one took its id: a redo found the id of what it brings back taken, an
    // undo could put a face back on another photo, and a script's person id could name
    // someone else. The highest id each table ever gave is kept here; new rows are numbered
    // past it (`INSERT ... (id, ...) VALUES ((SELECT id + 1 FROM last_ids WHERE tbl = ...)`),
    // and every insert, with an id of its own too, moves it on.
    r#"
    CREATE TABLE last_ids (
        tbl TEXT PRIMARY KEY,
        id INTEGER NOT NULL
    );
    INSERT INTO last_ids (tbl, id)
        SELECT 'photos', COALESCE(MAX(id), 0) FROM photos
        UNION ALL SELECT 'faces', COALESCE(MAX(id), 0) FROM faces
        UNION ALL SELECT 'persons', COALESCE(MAX(id), 0) FROM persons;
    CREATE TRIGGER photos_last_id AFTER INSERT ON photos BEGIN
        UPDATE last_ids SET id = NEW.id WHERE tbl = 'photos' AND id < NEW.id;
    END;
    CREATE TRIGGER faces_last_id AFTER INSERT ON faces BEGIN
        UPDATE last_ids SET id = NEW.id WHERE tbl = 'faces' AND id < NEW.id;
    END;
    CREATE TRIGGER persons_last_id AFTER INSERT ON persons BEGIN
        UPDATE last_ids SET id = NEW.id WHERE tbl = 'persons' AND id < NEW.id;
    END;
    "#,
    // 11: photos in which a closer look found no face either (since they were last
    // analysed), so a folder's photos without a face stop offering a look that finds nothing.
    r#"
    ALTER TABLE photos ADD COLUMN no_face_on_closer_look INTEGER NOT NULL DEFAULT 0;
    "#,
    // 12: the photos gone missing by date, where a new file looks for the photo it was before
    // another app moved and changed it (`Store::missing_photo_changed_into`); few rows.
    r#"
    CREATE INDEX photos_missing_by_date ON photos(taken_at) WHERE status = 'missing';
    "#,
    // 13: the quarter turns the user gave a photo stored sideways (`library::turn`).
    r#"
    ALTER TABLE photos ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
    "#,
    // 14: a log entry that grows as a long job goes (photos turned one after another) keeps
    // what each step adds as a part of its own, so a step writes its own few KB rather than
    // the whole entry again (which made a batch of turns quadratic: ~300 MB of JSON for 200
    // photos). An operation's undo image is its payload with its parts, in order.
    r#"
    CREATE TABLE operation_parts (
        operation_id INTEGER NOT NULL REFERENCES operations(id) ON DELETE CASCADE,
        part INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (operation_id, part)
    );
    "#,
    // 15: which readers could not read a file recorded as an error. A scan passes over an
    // unchanged file that could not be read only while that holds: files that earlier readers
    // refused (NULL here: every error recorded before) are tried again once, and files that
    // could not be opened at all (a permission since given) at each scan.
    r#"
    ALTER TABLE photos ADD COLUMN error_readers INTEGER;
    "#,
    // 16: the person a person was merged into (kept, empty, for undo): names other apps give
    // later find that one, instead of bringing the merged-away person back.
    r#"
    ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons(id) ON DELETE SET NULL;
    "#,
];

/// Takes a library file from schema version `from` to `to`, one transaction a step.
pub(super) fn migrate_to(conn: &mut Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(from as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        match i + 1 {
            6 => date_undated_photos_by_name(&tx)?,
            7 => mark_dates_from_names(&tx)?,
            _ => {}
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

/// Gives each photo without a date the one its file name holds, if any.
fn date_undated_photos_by_name(conn: &Connection) -> rusqlite::Result<()> {
    let undated: Vec<(PhotoId, String)> = conn
        .prepare("SELECT id, path FROM photos WHERE taken_at IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = conn.prepare("UPDATE photos SET taken_at = ?1 WHERE id = ?2")?;
    for (id, path) in undated {
        if let Some(date) = super::dates::date_in_file_name(&path_text::from_text(&path)) {
            update.execute(params![date, id])?;
        }
    }
    Ok(())
}

/// Marks each photo whose date is the one its file name holds as dated by its name.
fn mark_dates_from_names(conn: &Connection) -> rusqlite::Result<()> {
    let dated: Vec<(PhotoId, String, String)> = conn
        .prepare("SELECT id, path, taken_at FROM photos WHERE taken_at IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut mark = conn.prepare("UPDATE photos SET dated_by_name = 1 WHERE id = ?1")?;
    for (id, path, taken_at) in dated {
        if super::dates::date_in_file_name(&path_text::from_text(&path)).as_ref() == Some(&taken_at)
        {
            mark.execute([id])?;
        }
    }
    Ok(())
}

/// The content hashes more than one photo row has (identical files); a subquery.
pub(super) const DUPLICATED_CONTENTS: &str = "SELECT content_hash FROM photos \
    WHERE content_hash IS NOT NULL GROUP BY content_hash HAVING COUNT(*) > 1";

pub(super) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub fn descriptor_to_blob(d: &Descriptor) -> Vec<u8> {
    d.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn descriptor_from_blob(blob: &[u8]) -> Option<Descriptor> {
    if blob.len() != DESCRIPTOR_LEN * 4 {
        return None;
    }
    let mut d = [0.0f32; DESCRIPTOR_LEN];
    for (v, c) in d.iter_mut().zip(blob.chunks_exact(4)) {
        *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    Some(d)
}

fn landmarks_to_text(l: &[Point; 5]) -> String {
    l.iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(";")
}

fn landmarks_from_text(s: &str) -> Option<[Point; 5]> {
    let points: Vec<Point> = s
        .split(';')
        .map(|p| {
            let (x, y) = p.split_once(',')?;
            Some(Point::new(x.parse().ok()?, y.parse().ok()?))
        })
        .collect::<Option<_>>()?;
    points.try_into().ok()
}

impl Store {
    /// Opens (creating if needed) a library file and migrates it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                message: format!("cannot create its folder: {e}"),
            })?;
        }
        let conn = Connection::open(path).map_err(sqlite_error(path))?;
        Self::init(conn, path.to_path_buf())
    }

    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(sqlite_error(Path::new(":memory:")))?;
        Self::init(conn, PathBuf::from(":memory:"))
    }

    /// A second connection to the same library file, for reading on another thread while
    /// this one writes (WAL lets readers and a writer work at once).
    pub fn open_another(&self) -> Result<Self, StoreError> {
        if self.path == Path::new(":memory:") {
            return Err(StoreError::Refused {
                message: "a library kept in memory cannot be opened a second time".into(),
            });
        }
        Self::open(&self.path)
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Self, StoreError> {
        let mut store = Store { conn, path };
        store.pragmas()?;
        store.migrate()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        sqlite_error(&self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Direct access for the modules that own other tables' logic (people).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// A write waits up to 30 s for another connection's to finish rather than fail: the
    /// matching after a scan holds the library for seconds in a big one (9 s once thousands of
    /// copies arrive), and the app's own corrections wait off the UI thread.
    fn pragmas(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 30000;",
            )
            .map_err(self.err())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: current,
            });
        }
        // An upgrade rewrites tables: the library as it was is copied first, to go back to.
        if current > 0 && current < SCHEMA_VERSION && self.path != Path::new(":memory:") {
            super::backup::make_and_prune(self, super::backup::BackupKind::BeforeUpgrade)?;
        }
        migrate_to(&mut self.conn, current, SCHEMA_VERSION).map_err(self.err())
    }

    /// `PRAGMA quick_check`: "ok" for a healthy file (it reads every page, as the full check
    /// does, but leaves out the costly comparison of indexes with their tables).
    pub fn quick_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Reads every page ([`Store::quick_check`]); a page that is not what it should be is
    /// [`StoreError::Damaged`].
    pub fn check_for_damage(&self) -> Result<(), StoreError> {
        match self.quick_check()? {
            found if found == "ok" => Ok(()),
            found => Err(StoreError::Damaged {
                path: self.path.clone(),
                found,
            }),
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy file.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.err())
    }

    // ----- settings -----

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err())
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    // ----- roots -----

    /// Adds a photo folder. A folder the user had left out of another one is thereby taken
    /// back in: adding it says they want its photos after all.
    pub fn add_root(&mut self, path: &Path) -> Result<RootId, StoreError> {
        let text = path_text::to_text(path);
        self.in_transaction(|store| {
            let conn = store.connection();
            conn.execute(
                "INSERT INTO roots (path, added_at) VALUES (?1, ?2) ON CONFLICT(path) DO NOTHING",
                params![text, now_secs()],
            )
            .and_then(|_| conn.execute("DELETE FROM excluded_folders WHERE path = ?1", [&text]))
            .and_then(|_| {
                conn.query_row("SELECT id FROM roots WHERE path = ?1", [&text], |r| {
                    r.get(0)
                })
            })
            .map_err(store.err())
        })
    }

    pub fn roots(&self) -> Result<Vec<Root>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, path FROM roots ORDER BY path")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Root {
                    id: r.get(0)?,
                    path: path_text::column(r, 1)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    // ----- photos -----

    fn photo_from_row(r: &rusqlite::Row) -> rusqlite::Result<PhotoRecord> {
        let status: String = r.get(11)?;
        Ok(PhotoRecord {
            id: r.get(0)?,
            root_id: r.get(1)?,
            path: path_text::column(r, 2)?,
            size: r.get::<_, i64>(3)? as u64,
            mtime_ns: r.get(4)?,
            content_hash: r.get(5)?,
            width: r.get(6)?,
            height: r.get(7)?,
            orientation: r.get(8)?,
            taken_at: r.get(9)?,
            dated_by_name: r.get(15)?,
            camera: r.get(10)?,
            status: PhotoStatus::parse(&status).unwrap_or(PhotoStatus::Error),
            error: r.get(12)?,
            error_readers: r.get(18)?,
            analysis_key: r.get(13)?,
            xmp_stamp: r.get(14)?,
            no_face_on_closer_look: r.get(16)?,
            turn: Turn::clockwise(r.get(17)?),
        })
    }

    const PHOTO_COLUMNS: &'static str = "id, root_id, path, size, mtime_ns, content_hash, width, height, orientation, \
         taken_at, camera, status, error, analysis_key, xmp_stamp, dated_by_name, no_face_on_closer_look, turn, error_readers";

    pub fn photo_by_path(&self, path: &Path) -> Result<Option<PhotoRecord>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM photos WHERE path = ?1", Self::PHOTO_COLUMNS),
                [path_text::to_text(path)],
                Self::photo_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    pub fn photo(&self, id: PhotoId) -> Result<Option<PhotoRecord>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM photos WHERE id = ?1", Self::PHOTO_COLUMNS),
                [id],
                Self::photo_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Records that a closer look found no face in a photo (see
    /// [`PhotoRecord::no_face_on_closer_look`]).
    pub fn mark_no_face_on_closer_look(&mut self, photo: PhotoId) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE photos SET no_face_on_closer_look = 1 WHERE id = ?1",
                [photo],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    /// The analysed photos of a photo folder in which no face was found (nor drawn), in the
    /// order grids show photos ([`super::folders::sort_as_shown`]).
    pub fn photos_without_faces(&self, root: RootId) -> Result<Vec<PhotoRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM photos p WHERE root_id = ?1 AND status = 'done'
                    AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id)",
                Self::PHOTO_COLUMNS
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([root], Self::photo_from_row)
            .map_err(self.err())?;
        let mut photos: Vec<PhotoRecord> = rows.collect::<Result<_, _>>().map_err(self.err())?;
        super::folders::sort_as_shown(&mut photos);
        Ok(photos)
    }

    /// The analysed photos inside folder `dir` (at any depth), in the order grids show photos
    /// ([`super::folders::sort_as_shown`]): a folder's page.
    pub fn photos_under(&self, dir: &Path) -> Result<Vec<PhotoRecord>, StoreError> {
        let (from, to) = super::folders::path_range(dir);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM photos WHERE path >= ?1 AND path < ?2 AND status = 'done'",
                Self::PHOTO_COLUMNS
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([from, to], Self::photo_from_row)
            .map_err(self.err())?;
        let mut photos: Vec<PhotoRecord> = rows
            .filter(|p| p.as_ref().is_ok_and(|p| p.path.starts_with(dir)))
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        super::folders::sort_as_shown(&mut photos);
        Ok(photos)
    }

    /// The photos with these ids that are in the library, in the order asked (one statement
    /// for all: a person's Photos tab asks for ten thousand).
    pub fn photos_by_id(&self, ids: &[PhotoId]) -> Result<Vec<PhotoRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM photos WHERE id = ?1",
                Self::PHOTO_COLUMNS
            ))
            .map_err(self.err())?;
        let mut photos = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(photo) = stmt
                .query_row([id], Self::photo_from_row)
                .optional()
                .map_err(self.err())?
            {
                photos.push(photo);
            }
        }
        Ok(photos)
    }

    /// Every photo row (for the scanner's change detection: path → size, mtime).
    pub fn photos(&self) -> Result<Vec<PhotoRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM photos ORDER BY path",
                Self::PHOTO_COLUMNS
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], Self::photo_from_row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The content hashes of the present photos analysed as `keys` say: a file with one of
    /// these contents is a copy whose analysis can be taken from the library.
    pub fn analysed_contents(&self, keys: &AnalysisKeys) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT DISTINCT content_hash FROM photos
                 WHERE status = 'done' AND {HAS_ITS_ANALYSIS_KEY} AND content_hash IS NOT NULL"
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![keys.usual, keys.small, keys.small_up_to], |r| {
                r.get(0)
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The analysis of a present photo with this content made as `keys` say, as it would be
    /// recorded for a copy of it at `path` (faces, thumbnails and what the photo says about
    /// itself; not the copy's file size, time or folder, which the caller sets).
    pub fn analysis_of_content(
        &self,
        content_hash: &str,
        keys: &AnalysisKeys,
        path: &Path,
    ) -> Result<Option<PhotoAnalysis>, StoreError> {
        let Some(source) = self
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM photos WHERE content_hash = ?4 AND {HAS_ITS_ANALYSIS_KEY}
                     AND status = 'done' ORDER BY id LIMIT 1",
                    Self::PHOTO_COLUMNS
                ),
                params![keys.usual, keys.small, keys.small_up_to, content_hash],
                Self::photo_from_row,
            )
            .optional()
            .map_err(self.err())?
        else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT left, top, right, bottom, confidence, landmarks, descriptor, thumbnail, by_hand
                 FROM faces WHERE photo_id = ?1 ORDER BY idx",
            )
            .map_err(self.err())?;
        let faces = stmt
            .query_map([source.id], |r| {
                let blob: Vec<u8> = r.get(6)?;
                let landmarks: String = r.get(5)?;
                Ok(NewFace {
                    rect: Rect::new(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                    confidence: r.get(4)?,
                    landmarks: landmarks_from_text(&landmarks).unwrap_or([Point::new(0, 0); 5]),
                    descriptor: descriptor_from_blob(&blob).unwrap_or([0.0; DESCRIPTOR_LEN]),
                    thumbnail_jpeg: r.get::<_, Option<Vec<u8>>>(7)?.unwrap_or_default(),
                    by_hand: r.get(8)?,
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        // Undated content may still be dated by this copy's name (a messaging app's copy of a
        // camera file without EXIF). A date the first copy's name gave is only that file's
        // guess: this copy's own name comes first, the other's only where this one has none.
        let metadata_date = source.taken_at.clone().filter(|_| !source.dated_by_name);
        let (taken_at, by_this_name) = match super::dates::date_of_photo(metadata_date, path) {
            (None, _) => (source.taken_at, source.dated_by_name),
            found => found,
        };
        Ok(Some(PhotoAnalysis {
            root_id: source.root_id,
            path: path.to_path_buf(),
            size: source.size,
            mtime_ns: source.mtime_ns,
            content_hash: content_hash.to_string(),
            width: source.width.unwrap_or(0),
            height: source.height.unwrap_or(0),
            orientation: source.orientation.unwrap_or(1),
            taken_at,
            dated_by_name: by_this_name,
            camera: source.camera,
            analysis_key: source.analysis_key.unwrap_or_default(),
            turn: source.turn,
            faces,
        }))
    }

    /// Stores an analysed photo and its faces in one transaction.
    ///
    /// Identity is preserved: if the path is known, the row is updated; else if a photo with
    /// the same content is missing (moved or renamed), that row moves to the new path. Faces
    /// that reappear at (nearly) the same place keep their ids, so everything the user said
    /// about them survives re-analysis with new settings or models.
    pub fn record_analysis(&mut self, a: &PhotoAnalysis) -> Result<PhotoId, StoreError> {
        self.in_transaction(|store| store.record_analysis_in_tx(a))
    }

    /// Records that the user turned a photo (now shown `turn` from its file, `width`×`height`)
    /// in one transaction: its faces `moved` with it, each the same face (its id, and so its
    /// name, kept) as it is on the turned photo, and the faces `found` on the turned photo
    /// that it did not have added as a scan would find them. Returns the ids of those added.
    /// Inside a transaction the caller manages.
    pub fn turn_photo_in_tx(
        &mut self,
        photo: PhotoId,
        turn: Turn,
        (width, height): (u32, u32),
        moved: &[MovedFace],
        found: &[NewFace],
    ) -> Result<Vec<FaceId>, StoreError> {
        self.set_turn_in_tx(photo, turn, (width, height))?;
        for MovedFace { id, face } in moved {
            let r = face.rect;
            let values = params![
                r.left,
                r.top,
                r.right,
                r.bottom,
                face.confidence,
                landmarks_to_text(&face.landmarks),
                descriptor_to_blob(&face.descriptor),
                face.thumbnail_jpeg,
                face.by_hand,
                id,
                photo
            ];
            self.conn
                .execute(
                    "UPDATE faces SET left = ?1, top = ?2, right = ?3, bottom = ?4, confidence = ?5,
                        landmarks = ?6, descriptor = ?7, thumbnail = ?8, by_hand = ?9
                     WHERE id = ?10 AND photo_id = ?11",
                    values,
                )
                .map_err(self.err())?;
        }
        found
            .iter()
            .map(|face| self.add_face_in_tx(photo, face))
            .collect()
    }

    /// Records how a photo is turned in Kindred, and its full size so turned.
    pub fn set_turn_in_tx(
        &mut self,
        photo: PhotoId,
        turn: Turn,
        (width, height): (u32, u32),
    ) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE photos SET turn = ?1, width = ?2, height = ?3 WHERE id = ?4",
                params![turn.quarters(), width, height, photo],
            )
            .map_err(self.err())?;
        if changed == 0 {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                message: format!("photo {photo} is not in the library"),
            });
        }
        Ok(())
    }

    /// [`Store::record_analysis`] inside a transaction the caller manages.
    pub fn record_analysis_in_tx(&mut self, a: &PhotoAnalysis) -> Result<PhotoId, StoreError> {
        let id = Self::upsert_photo_row(&self.conn, a).map_err(self.err())?;
        Self::replace_faces(&self.conn, id, &a.faces, &a.analysis_key).map_err(self.err())?;
        Ok(id)
    }

    /// Runs `f` on one consistent state of the library: a write committed on another
    /// connection meanwhile is seen in full or not at all. Takes no write lock, so writers
    /// are not held up.
    pub fn read_snapshot<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn.execute_batch("BEGIN").map_err(self.err())?;
        let result = f(self);
        // Nothing was written, so ending the read this way loses nothing.
        self.conn.execute_batch("ROLLBACK").map_err(self.err())?;
        result
    }

    /// Runs `f` in one transaction: all of its writes are committed, or none.
    pub fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.err())?;
        match f(self) {
            Ok(value) => {
                if let Err(e) = self.conn.execute_batch("COMMIT") {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(sqlite_error(&self.path)(e));
                }
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Gives photos the dates their metadata gives (not their file names), in one transaction.
    pub fn set_metadata_dates(&mut self, dates: &[(PhotoId, String)]) -> Result<(), StoreError> {
        if dates.is_empty() {
            return Ok(());
        }
        self.in_transaction(|store| {
            let mut update = store
                .conn
                .prepare("UPDATE photos SET taken_at = ?2, dated_by_name = 0 WHERE id = ?1")
                .map_err(store.err())?;
            for (photo, date) in dates {
                update.execute(params![photo, date]).map_err(store.err())?;
            }
            Ok(())
        })
    }

    /// Records that the names other apps gave the faces of these photos were read, with their
    /// sidecars and Picasa files in the given states.
    pub fn set_xmp_stamps(&mut self, stamps: &[(PhotoId, String)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = sqlite_error(&path);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare("UPDATE photos SET xmp_stamp = ?2 WHERE id = ?1")
                .map_err(err)?;
            for (id, stamp) in stamps {
                stmt.execute(params![id, stamp]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// A file that moved (found by content): its row, faces and people follow it.
    ///
    /// Where the library has another photo at the new path, the file now there replaced it
    /// (`mv a.jpg b.jpg` over an older b.jpg; files renumbered after one was deleted; a move
    /// whose half-copied file an earlier scan found damaged). That photo's file is gone: an
    /// unreadable one without faces is let go of, as a scan lets go of one deleted; any other
    /// is kept as a missing photo, its faces and names with it, under the path the moved file
    /// left (a photo has a path of its own), to be found again by its content if it turns up.
    pub fn relocate_photo_in_tx(
        &mut self,
        id: PhotoId,
        root_id: Option<RootId>,
        path: &Path,
        size: u64,
        mtime_ns: i64,
    ) -> Result<(), StoreError> {
        let to = path_text::to_text(path);
        let replaced: Option<PhotoId> = self
            .conn
            .query_row(
                "SELECT id FROM photos WHERE path = ?1 AND id != ?2",
                params![to, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        // The photo replaced, gone as a scan finds a deleted one: kept as missing (with the
        // path it takes), or let go of.
        let mut kept: Option<(PhotoId, String)> = None;
        if let Some(replaced) = replaced
            && !self.mark_gone_in_tx(&[replaced])?.is_empty()
        {
            let from: String = self
                .conn
                .query_row("SELECT path FROM photos WHERE id = ?1", [id], |r| r.get(0))
                .map_err(self.err())?;
            // Out of the way first: no other photo's path lies under a file's path.
            self.conn
                .execute(
                    "UPDATE photos SET path = path || '/.kindred-replaced' WHERE id = ?1",
                    [replaced],
                )
                .map_err(self.err())?;
            kept = Some((replaced, from));
        }
        self.conn
            .execute(
                "UPDATE photos SET root_id = ?2, path = ?3, size = ?4, mtime_ns = ?5, status = 'done',
                    missing_since = NULL, scanned_at = ?6 WHERE id = ?1",
                params![id, root_id, to, size as i64, mtime_ns, now_secs()],
            )
            .map_err(self.err())?;
        if let Some((replaced, from)) = kept {
            self.conn
                .execute(
                    "UPDATE photos SET path = ?2 WHERE id = ?1",
                    params![replaced, from],
                )
                .map_err(self.err())?;
        }
        Ok(())
    }

    fn upsert_photo_row(tx: &Connection, a: &PhotoAnalysis) -> rusqlite::Result<PhotoId> {
        let path = path_text::to_text(&a.path);
        let existing: Option<PhotoId> = tx
            .query_row("SELECT id FROM photos WHERE path = ?1", [&path], |r| {
                r.get(0)
            })
            .optional()?;
        let moved_from: Option<PhotoId> = if existing.is_none() {
            tx.query_row(
                "SELECT id FROM photos WHERE content_hash = ?1 AND status = 'missing' ORDER BY id LIMIT 1",
                [&a.content_hash],
                |r| r.get(0),
            )
            .optional()?
        } else {
            None
        };
        let changed_from = if existing.is_none() && moved_from.is_none() {
            Self::missing_photo_changed_into(tx, a)?
        } else {
            None
        };
        let id = existing.or(moved_from).or(changed_from);
        let values = params![
            a.root_id,
            path,
            a.size as i64,
            a.mtime_ns,
            a.content_hash,
            a.width,
            a.height,
            a.orientation,
            a.taken_at,
            a.camera,
            a.analysis_key,
            now_secs(),
            a.dated_by_name,
            a.turn.quarters(),
        ];
        match id {
            Some(id) => {
                tx.execute(
                    "UPDATE photos SET root_id = ?1, path = ?2, size = ?3, mtime_ns = ?4, content_hash = ?5,
                        width = ?6, height = ?7, orientation = ?8, taken_at = ?9, camera = ?10,
                        analysis_key = ?11, scanned_at = ?12, status = 'done', error = NULL, missing_since = NULL,
                        xmp_stamp = NULL, dated_by_name = ?13, no_face_on_closer_look = 0, turn = ?14
                     WHERE id = ?15",
                    rusqlite::params_from_iter(values.iter().copied().chain(std::iter::once(&id as &dyn rusqlite::ToSql))),
                )?;
                Ok(id)
            }
            None => {
                tx.execute(
                    "INSERT INTO photos (id, root_id, path, size, mtime_ns, content_hash, width, height,
                        orientation, taken_at, camera, analysis_key, scanned_at, dated_by_name, turn, status)
                     VALUES ((SELECT id + 1 FROM last_ids WHERE tbl = 'photos'),
                        ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'done')",
                    values,
                )?;
                Ok(tx.last_insert_rowid())
            }
        }
    }

    /// Replaces a photo's faces, keeping the id (and so the user's names, corrections and
    /// rejections) of each old face that a new one is: see [`same_faces`].
    fn replace_faces(
        tx: &Connection,
        photo: PhotoId,
        faces: &[NewFace],
        model: &str,
    ) -> rusqlite::Result<()> {
        let old = Self::old_faces(tx, photo, model)?;
        let kept = same_faces(&old, faces);
        // Park the old faces' indexes out of the way of the UNIQUE(photo_id, idx) constraint.
        tx.execute(
            "UPDATE faces SET idx = -1 - idx WHERE photo_id = ?1",
            [photo],
        )?;
        for (i, (face, was)) in faces.iter().zip(&kept).enumerate() {
            let landmarks = landmarks_to_text(&face.landmarks);
            let blob = descriptor_to_blob(&face.descriptor);
            let r = face.rect;
            match was {
                Some(k) => {
                    tx.execute(
                        "UPDATE faces SET idx = ?1, left = ?2, top = ?3, right = ?4, bottom = ?5, confidence = ?6,
                            landmarks = ?7, descriptor = ?8, thumbnail = ?9, model_version = ?10, by_hand = ?11 WHERE id = ?12",
                        params![i as i64, r.left, r.top, r.right, r.bottom, face.confidence, landmarks, blob, face.thumbnail_jpeg, model, face.by_hand, old[*k].id],
                    )?;
                }
                None => {
                    Self::insert_face(tx, photo, i, face, model)?;
                }
            }
        }
        for (k, face) in old.iter().enumerate() {
            if !kept.contains(&Some(k)) {
                tx.execute("DELETE FROM faces WHERE id = ?1", [face.id])?;
            }
        }
        Ok(())
    }

    /// A photo's faces as stored, before it is analysed again by `model`.
    fn old_faces(tx: &Connection, photo: PhotoId, model: &str) -> rusqlite::Result<Vec<OldFace>> {
        let mut stmt = tx.prepare(
            "SELECT id, left, top, right, bottom, descriptor, model_version
             FROM faces WHERE photo_id = ?1",
        )?;
        let rows = stmt.query_map([photo], |r| {
            let blob: Option<Vec<u8>> = r.get(5)?;
            let face_model: Option<String> = r.get(6)?;
            Ok(OldFace {
                id: r.get(0)?,
                rect: Rect::new(r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                // Descriptors of another model lie elsewhere: only the place can tell.
                descriptor: blob
                    .as_deref()
                    .and_then(descriptor_from_blob)
                    .filter(|_| face_model.as_deref() == Some(model)),
            })
        })?;
        rows.collect()
    }

    /// The photo gone missing that a new file `a` is, moved (or renamed) and changed by another
    /// app since the last scan — tags written into it, a crop, a retouch — so that it keeps
    /// that photo's id and its faces their names. Neither its path nor its content tells;
    /// the moment it was taken and the faces in it do: a missing photo taken at the same
    /// second by the same camera (as its metadata says: a date from a file name is too
    /// coarse), at least half of whose faces are faces of the new file by their descriptors
    /// ([`faces_kept_by_edit`]). Of several, the one with the most such faces.
    fn missing_photo_changed_into(
        tx: &Connection,
        a: &PhotoAnalysis,
    ) -> rusqlite::Result<Option<PhotoId>> {
        let Some(taken_at) = a.taken_at.as_deref().filter(|_| !a.dated_by_name) else {
            return Ok(None);
        };
        if a.faces.is_empty() {
            return Ok(None);
        }
        let candidates: Vec<(PhotoId, Option<String>)> = tx
            .prepare(
                "SELECT id, camera FROM photos
                 WHERE status = 'missing' AND taken_at = ?1 AND dated_by_name = 0 ORDER BY id",
            )?
            .query_map([taken_at], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut best: Option<(usize, PhotoId)> = None;
        for (id, camera) in candidates {
            if camera.is_some() && a.camera.is_some() && camera != a.camera {
                continue;
            }
            let old = Self::old_faces(tx, id, &a.analysis_key)?;
            let kept = faces_kept_by_edit(&old, &a.faces);
            if kept > 0 && 2 * kept >= old.len() && best.is_none_or(|(most, _)| kept > most) {
                best = Some((kept, id));
            }
        }
        Ok(best.map(|(_, id)| id))
    }

    /// A new face of `photo` at place `index` in its list, belonging to no one yet.
    fn insert_face(
        tx: &Connection,
        photo: PhotoId,
        index: usize,
        face: &NewFace,
        model: &str,
    ) -> rusqlite::Result<FaceId> {
        let r = face.rect;
        tx.execute(
            "INSERT INTO faces (id, photo_id, idx, left, top, right, bottom, confidence, landmarks,
                descriptor, thumbnail, model_version, by_hand)
             VALUES ((SELECT id + 1 FROM last_ids WHERE tbl = 'faces'),
                ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                photo,
                index as i64,
                r.left,
                r.top,
                r.right,
                r.bottom,
                face.confidence,
                landmarks_to_text(&face.landmarks),
                descriptor_to_blob(&face.descriptor),
                face.thumbnail_jpeg,
                model,
                face.by_hand
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO face_assignments (face_id, person_id, state) VALUES (?1, NULL, 'unassigned')",
            [id],
        )?;
        Ok(id)
    }

    /// Adds a face the user asked for to an analysed photo, after its other faces; it belongs
    /// to no one yet. The caller manages the transaction.
    pub fn add_face_in_tx(&mut self, photo: PhotoId, face: &NewFace) -> Result<FaceId, StoreError> {
        let (next, model): (i64, Option<String>) = self
            .conn
            .query_row(
                "SELECT COALESCE(MAX(idx) + 1, 0), (SELECT analysis_key FROM photos WHERE id = ?1)
                 FROM faces WHERE photo_id = ?1",
                [photo],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.err())?;
        let model = model.ok_or_else(|| StoreError::Corrupt {
            path: self.path.clone(),
            message: format!("photo {photo} has not been analysed"),
        })?;
        Self::insert_face(&self.conn, photo, next.max(0) as usize, face, &model).map_err(self.err())
    }

    /// Deletes a face, keeping everything stored of it to put it back
    /// ([`Store::restore_face_in_tx`]); None if there is no such face. What was said about
    /// it (its person, rejections) goes with it: the caller keeps that.
    pub fn take_face_in_tx(&mut self, face: FaceId) -> Result<Option<RemovedFace>, StoreError> {
        let removed = self.stored_face(face)?;
        if removed.is_some() {
            self.delete_face_in_tx(face)?;
        }
        Ok(removed)
    }

    /// A face as stored, all of it: to put back as it was later.
    pub fn stored_face(&self, face: FaceId) -> Result<Option<RemovedFace>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, photo_id, left, top, right, bottom, confidence, landmarks, descriptor,
                    thumbnail, model_version, by_hand FROM faces WHERE id = ?1",
                [face],
                |r| {
                    Ok(RemovedFace {
                        id: r.get(0)?,
                        photo: r.get(1)?,
                        rect: Rect::new(r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                        confidence: r.get(6)?,
                        landmarks: r.get(7)?,
                        descriptor: r.get(8)?,
                        thumbnail: r.get(9)?,
                        model_version: r.get(10)?,
                        by_hand: r.get(11)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Puts a face still in the library back as [`Store::stored_face`] read it (where it was,
    /// what it looked like); false if it is no longer there.
    pub fn put_back_face_in_tx(&mut self, face: &RemovedFace) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE faces SET left = :left, top = :top, right = :right, bottom = :bottom,
                    confidence = :confidence, landmarks = :landmarks, descriptor = :descriptor,
                    thumbnail = :thumbnail, model_version = :model_version, by_hand = :by_hand
                 WHERE id = :id AND photo_id = :photo",
                &face.as_params()[..],
            )
            .map_err(self.err())?;
        Ok(changed > 0)
    }

    /// Puts back a face [`Store::take_face_in_tx`] took, with its id, after its photo's
    /// other faces; it belongs to no one until the caller says otherwise.
    pub fn restore_face_in_tx(&mut self, face: &RemovedFace) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO faces (id, photo_id, idx, left, top, right, bottom, confidence, landmarks,
                    descriptor, thumbnail, model_version, by_hand)
                 VALUES (:id, :photo,
                    (SELECT COALESCE(MAX(idx) + 1, 0) FROM faces WHERE photo_id = :photo),
                    :left, :top, :right, :bottom, :confidence, :landmarks, :descriptor,
                    :thumbnail, :model_version, :by_hand)",
                &face.as_params()[..],
            )
            .map_err(self.err())?;
        self.conn
            .execute(
                "INSERT INTO face_assignments (face_id, person_id, state) VALUES (?1, NULL, 'unassigned')",
                [face.id],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Deletes a face and what was said about it (taking back [`Store::add_face_in_tx`]).
    pub fn delete_face_in_tx(&mut self, face: FaceId) -> Result<bool, StoreError> {
        let deleted = self
            .conn
            .execute("DELETE FROM faces WHERE id = ?1", [face])
            .map_err(self.err())?;
        Ok(deleted > 0)
    }

    /// Records a file that could not be analysed, with the reason and, where its contents were
    /// read but not understood, the revision of the readers that tried
    /// ([`PhotoRecord::error_readers`]). Its previous faces, if any, are kept: a temporarily
    /// unreadable file must not lose the user's work.
    pub fn record_error(
        &mut self,
        root_id: Option<RootId>,
        path: &Path,
        size: u64,
        mtime_ns: i64,
        error: &str,
        readers: Option<i64>,
    ) -> Result<PhotoId, StoreError> {
        self.in_transaction(|s| s.record_error_in_tx(root_id, path, size, mtime_ns, error, readers))
    }

    pub fn record_error_in_tx(
        &mut self,
        root_id: Option<RootId>,
        path: &Path,
        size: u64,
        mtime_ns: i64,
        error: &str,
        readers: Option<i64>,
    ) -> Result<PhotoId, StoreError> {
        let text = path_text::to_text(path);
        self.conn
            .execute(
                "INSERT INTO photos (id, root_id, path, size, mtime_ns, status, error, scanned_at,
                    error_readers)
                 VALUES ((SELECT id + 1 FROM last_ids WHERE tbl = 'photos'),
                    ?1, ?2, ?3, ?4, 'error', ?5, ?6, ?7)
                 ON CONFLICT(path) DO UPDATE SET root_id = excluded.root_id, size = excluded.size,
                    mtime_ns = excluded.mtime_ns, status = 'error', error = excluded.error,
                    scanned_at = excluded.scanned_at, missing_since = NULL,
                    error_readers = excluded.error_readers",
                params![
                    root_id,
                    text,
                    size as i64,
                    mtime_ns,
                    error,
                    now_secs(),
                    readers
                ],
            )
            .map_err(self.err())?;
        self.conn
            .query_row("SELECT id FROM photos WHERE path = ?1", [text], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    /// Marks photos as missing (not found by a scan), inside the caller's transaction. They
    /// keep their faces and people.
    pub(super) fn mark_missing_in_tx(&self, ids: &[PhotoId]) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare("UPDATE photos SET status = 'missing', missing_since = COALESCE(missing_since, ?2) WHERE id = ?1")
            .map_err(self.err())?;
        let now = now_secs();
        for id in ids {
            stmt.execute(params![id, now]).map_err(self.err())?;
        }
        Ok(())
    }

    /// Photos a scan no longer found under their paths: those analysed (or holding faces) are
    /// marked missing, kept with their faces and people in case they come back; a file that
    /// could not be read and holds no face is let go of — there is nothing of it to keep, and
    /// counted missing it would stand among the photos to look for. Returns the photos marked
    /// missing.
    pub fn mark_gone(&mut self, ids: &[PhotoId]) -> Result<Vec<PhotoId>, StoreError> {
        self.in_transaction(|store| store.mark_gone_in_tx(ids))
    }

    /// [`Store::mark_gone`] inside the caller's transaction.
    fn mark_gone_in_tx(&self, ids: &[PhotoId]) -> Result<Vec<PhotoId>, StoreError> {
        let mut forget = self
            .conn
            .prepare_cached(
                "DELETE FROM photos WHERE id = ?1 AND status = 'error'
                 AND NOT EXISTS (SELECT 1 FROM faces WHERE faces.photo_id = photos.id)",
            )
            .map_err(self.err())?;
        let mut missing = Vec::with_capacity(ids.len());
        for &id in ids {
            if forget.execute([id]).map_err(self.err())? == 0 {
                missing.push(id);
            }
        }
        drop(forget);
        self.mark_missing_in_tx(&missing)?;
        Ok(missing)
    }

    /// Deletes photos missing for at least `older_than_secs`, with their faces. People stay
    /// (possibly with fewer faces); names are never deleted by pruning.
    pub fn prune_missing(&mut self, older_than_secs: i64) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "DELETE FROM photos WHERE status = 'missing' AND missing_since <= ?1",
                [now_secs() - older_than_secs],
            )
            .map_err(self.err())
    }

    // ----- faces -----

    fn face_from_row(r: &rusqlite::Row) -> rusqlite::Result<FaceRecord> {
        let landmarks: String = r.get(7)?;
        let blob: Vec<u8> = r.get(8)?;
        Ok(FaceRecord {
            id: r.get(0)?,
            photo_id: r.get(1)?,
            index: r.get(2)?,
            rect: Rect::new(r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?),
            confidence: r.get(9)?,
            landmarks: landmarks_from_text(&landmarks).unwrap_or([Point::new(0, 0); 5]),
            descriptor: descriptor_from_blob(&blob).unwrap_or([0.0; DESCRIPTOR_LEN]),
            model_version: r.get(10)?,
            by_hand: r.get(11)?,
        })
    }

    const PERSONS_WITH_FACES: &'static str = "SELECT COUNT(DISTINCT a.person_id) FROM face_assignments a \
         JOIN faces f INDEXED BY faces_place ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id \
         WHERE a.state IN ('confirmed', 'suggested') AND p.status = 'done'";

    const FACE_COLUMNS: &'static str = "id, photo_id, idx, left, top, right, bottom, landmarks, descriptor, confidence, model_version, by_hand";

    pub fn faces_of_photo(&self, photo: PhotoId) -> Result<Vec<FaceRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM faces WHERE photo_id = ?1 ORDER BY idx",
                Self::FACE_COLUMNS
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([photo], Self::face_from_row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every face of every present photo, in id order.
    pub fn all_faces(&self) -> Result<Vec<FaceRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM faces WHERE photo_id IN (SELECT id FROM photos WHERE status = 'done') ORDER BY id",
                Self::FACE_COLUMNS
                    .split(", ")
                    .map(|c| format!("faces.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], Self::face_from_row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Whether the library has this face, without reading its row.
    pub fn face_exists(&self, id: FaceId) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM faces WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    pub fn face(&self, id: FaceId) -> Result<Option<FaceRecord>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM faces WHERE id = ?1", Self::FACE_COLUMNS),
                [id],
                Self::face_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Keeps the thumbnails made again for faces that had none (a library put back from a
    /// backup copy, which leaves them out, and identical copies of its photos analysed since).
    pub fn set_face_thumbnails(&mut self, made: &[(FaceId, Vec<u8>)]) -> Result<(), StoreError> {
        self.in_transaction(|store| {
            for (id, jpeg) in made {
                store
                    .conn
                    .execute(
                        "UPDATE faces SET thumbnail = ?1
                         WHERE id = ?2 AND (thumbnail IS NULL OR length(thumbnail) = 0)",
                        params![jpeg, id],
                    )
                    .map_err(store.err())?;
            }
            Ok(())
        })
    }

    /// A face's thumbnail: `None` or empty when it has none kept (see
    /// [`Store::set_face_thumbnails`]), `None` too when there is no such face.
    pub fn face_thumbnail(&self, id: FaceId) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row("SELECT thumbnail FROM faces WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(self.err())
    }

    pub fn status_counts(&self) -> Result<StatusCounts, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(self.err())
        };
        // Photos left out with a subfolder are kept apart from the ones that went missing.
        let left_out: u64 = self.excluded_folders()?.iter().map(|e| e.photos).sum();
        // The analysed photos that are copies of one analysed before them.
        let later_copies = format!(
            "SELECT id FROM photos WHERE status = 'done'
                AND content_hash IN ({DUPLICATED_CONTENTS}) AND id NOT IN (
                SELECT MIN(id) FROM photos WHERE status = 'done'
                    AND content_hash IN ({DUPLICATED_CONTENTS}) GROUP BY content_hash)"
        );
        Ok(StatusCounts {
            left_out,
            roots: count("SELECT COUNT(*) FROM roots")?,
            photos: count("SELECT COUNT(*) FROM photos WHERE status != 'missing'")?,
            photos_done: count("SELECT COUNT(*) FROM photos WHERE status = 'done'")?,
            errors: count("SELECT COUNT(*) FROM photos WHERE status = 'error'")?,
            missing: count("SELECT COUNT(*) FROM photos WHERE status = 'missing'")?
                .saturating_sub(left_out),
            faces: count(
                "SELECT COUNT(*) FROM faces WHERE photo_id IN (SELECT id FROM photos WHERE status = 'done')",
            )?,
            // People are the persons with faces: rows of merged-away persons stay for undo.
            persons: count(Self::PERSONS_WITH_FACES)?,
            named_persons: count(&format!(
                "SELECT COUNT(*) FROM persons WHERE name IS NOT NULL AND id IN ({})",
                Self::PERSONS_WITH_FACES.replace("COUNT(DISTINCT a.person_id)", "a.person_id")
            ))?,
            // Narrowed to the duplicated contents first, which the content index finds at once:
            // these counts cost little in a library without copies.
            identical_copies: count(&format!(
                "SELECT COUNT(*) - COUNT(DISTINCT content_hash) FROM photos
                 WHERE status = 'done' AND content_hash IN ({DUPLICATED_CONTENTS})"
            ))?,
            faces_in_copies: count(&format!(
                "SELECT COUNT(*) FROM faces WHERE photo_id IN ({later_copies})"
            ))?,
            // A face and its copies are decided alike, so which copy stands for them does not
            // change the count.
            ignored_faces: count(&format!(
                "SELECT COUNT(*) FROM face_assignments a JOIN faces f ON f.id = a.face_id
                 WHERE a.person_id IS NULL AND a.state = 'ignored'
                    AND f.photo_id IN (SELECT id FROM photos WHERE status = 'done')
                    AND f.photo_id NOT IN ({later_copies})"
            ))?,
        })
    }

    /// (path, error) of every photo that could not be analysed.
    pub fn errors(&self) -> Result<Vec<(PathBuf, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT path, COALESCE(error, '') FROM photos WHERE status = 'error' ORDER BY path",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((path_text::column(r, 0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}

/// A face of a photo as stored, before the photo is analysed again.
struct OldFace {
    id: FaceId,
    rect: Rect,
    /// `None` when described by another model (or not at all).
    descriptor: Option<Descriptor>,
}

/// How far at most a face's descriptor lies from its own before the photo was edited.
/// Measured on two photos cropped, resized to 70 % and 300 %, turned 5°, brightened, turned
/// grey or saved at JPEG quality 50: 0.05–0.23; two faces of one photo lie 0.50 apart at the
/// least (139 pairs in lfw-cluster-dev).
const SAME_FACE_AFTER_EDIT: f32 = 0.35;

/// dlib's distance within which two faces are one person: for an old face still in its place,
/// a retouch heavier than [`SAME_FACE_AFTER_EDIT`] allows for.
const SAME_PERSON: f32 = 0.6;

/// Which old face (an index into `old`) each new face of a photo analysed again is, if any;
/// each old face is given at most once, the likeliest pairs first.
///
/// Where the old face was described by the same model, its descriptor decides: the new face
/// is it when within [`SAME_FACE_AFTER_EDIT`] of it, wherever its box now is (a photo cropped
/// or resized in another app moves the boxes, and may move another face onto the old place),
/// or within the match distance when the boxes overlap by IoU ≥ 0.5 (a heavier retouch). An
/// old face of another model is the new face that overlaps it by IoU ≥ 0.5.
fn same_faces(old: &[OldFace], new: &[NewFace]) -> Vec<Option<usize>> {
    // (same model first, then by distance or by overlap; new face; old face)
    let mut pairs: Vec<((bool, f32), usize, usize)> = Vec::new();
    for (i, face) in new.iter().enumerate() {
        for (k, o) in old.iter().enumerate() {
            let overlaps = iou(&o.rect, &face.rect) >= 0.5;
            let likeliness = match &o.descriptor {
                Some(d) => {
                    let distance = crate::engine::resnet::distance(d, &face.descriptor);
                    let same =
                        distance < SAME_FACE_AFTER_EDIT || (overlaps && distance < SAME_PERSON);
                    same.then_some((false, distance))
                }
                None => overlaps.then(|| (true, 1.0 - iou(&o.rect, &face.rect) as f32)),
            };
            if let Some(likeliness) = likeliness {
                pairs.push((likeliness, i, k));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.0.cmp(&b.0.0).then(a.0.1.total_cmp(&b.0.1)));
    let mut kept: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; old.len()];
    for (_, i, k) in pairs {
        if kept[i].is_none() && !taken[k] {
            kept[i] = Some(k);
            taken[k] = true;
        }
    }
    kept
}

/// How many of a photo's `old` faces are among the `new` faces of a file by their descriptors
/// alone, as they are after an edit ([`SAME_FACE_AFTER_EDIT`]): the evidence that the file,
/// found under another path, is that photo. Places do not count: the file is another one.
fn faces_kept_by_edit(old: &[OldFace], new: &[NewFace]) -> usize {
    same_faces(old, new)
        .iter()
        .zip(new)
        .filter_map(|(k, face)| Some((old[(*k)?].descriptor.as_ref()?, face)))
        .filter(|(d, face)| {
            crate::engine::resnet::distance(d, &face.descriptor) < SAME_FACE_AFTER_EDIT
        })
        .count()
}

/// Intersection over union of two inclusive rectangles.
pub fn iou(a: &Rect, b: &Rect) -> f64 {
    let inter = a.intersect(b).area() as f64;
    let union = (a.area() + b.area()) as f64 - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A test path written with '/', in the platform's own separators (the library compares
    /// folders by them).
    pub(crate) fn native(path: &str) -> String {
        path.replace('/', std::path::MAIN_SEPARATOR_STR)
    }

    /// Damage is told from SQLite's codes for it alone (a full disk, a read-only file or one
    /// that cannot be opened are not damage), and from the check of every page.
    #[test]
    fn damage_is_told_from_sqlites_codes_for_it_alone() {
        use rusqlite::ffi;
        let error = |code| StoreError::Sqlite {
            path: PathBuf::from("/l.kindred"),
            error: rusqlite::Error::SqliteFailure(ffi::Error::new(code), None),
        };
        for code in [ffi::SQLITE_CORRUPT, ffi::SQLITE_NOTADB] {
            assert!(error(code).is_damage(), "{}", error(code));
        }
        for code in [ffi::SQLITE_FULL, ffi::SQLITE_READONLY, ffi::SQLITE_CANTOPEN] {
            assert!(!error(code).is_damage(), "{}", error(code));
        }
        let found = StoreError::Damaged {
            path: PathBuf::from("/l.kindred"),
            found: "Tree 8 page 8: btreeInitPage() returns error code 11".into(),
        };
        assert!(found.is_damage());
        // Words alone are not damage: a refusal that quotes SQLite's is Kindred's own.
        let refused = StoreError::Refused {
            message: "photo /p/database disk image is malformed.jpg: not a JPEG".into(),
        };
        assert!(!refused.is_damage());
    }

    /// A descriptor `along` away from the origin on axis `axis`.
    fn along(axis: usize, along: f32) -> Descriptor {
        let mut d = [0.0; DESCRIPTOR_LEN];
        d[axis] = along;
        d
    }

    fn old_face(rect: Rect, descriptor: Option<Descriptor>) -> OldFace {
        OldFace {
            id: 0,
            rect,
            descriptor,
        }
    }

    #[test]
    fn a_face_analysed_again_is_the_old_one_it_is_like_wherever_its_box_went() {
        let (a, b) = (Rect::new(0, 0, 100, 100), Rect::new(300, 0, 400, 100));
        let old = [
            old_face(a, Some(along(0, 1.0))),
            old_face(b, Some(along(1, 1.0))),
        ];
        // Analysed again as it was: each in its place.
        let new = [NewFace::at(a, along(0, 1.0)), NewFace::at(b, along(1, 1.0))];
        assert_eq!(same_faces(&old, &new), [Some(0), Some(1)]);
        // Cropped: the second face moved onto the first one's place, the first one out of it.
        let new = [
            NewFace::at(Rect::new(-60, 0, 40, 100), along(0, 1.1)),
            NewFace::at(Rect::new(10, 0, 110, 100), along(1, 1.05)),
        ];
        assert_eq!(same_faces(&old, &new), [Some(0), Some(1)]);
        // Retouched in place beyond the edit distance, yet within the match distance.
        let new = [NewFace::at(a, along(0, 1.5))];
        assert_eq!(same_faces(&old, &new), [Some(0)]);
        // Someone else where a face was, and a face seen for the first time: new faces.
        let new = [
            NewFace::at(a, along(2, 1.0)),
            NewFace::at(Rect::new(600, 0, 700, 100), along(3, 1.0)),
        ];
        assert_eq!(same_faces(&old, &new), [None, None]);
    }

    #[test]
    fn a_face_of_another_model_is_the_new_one_in_its_place() {
        let a = Rect::new(0, 0, 100, 100);
        let old = [old_face(a, None)];
        let new = [
            NewFace::at(Rect::new(200, 0, 300, 100), along(0, 1.0)),
            NewFace::at(Rect::new(10, 5, 105, 100), along(1, 1.0)),
        ];
        assert_eq!(same_faces(&old, &new), [None, Some(0)]);
    }

    /// Analysis keys that call no photo small, the usual one `usual`.
    pub(crate) fn keys(usual: &str) -> AnalysisKeys {
        AnalysisKeys {
            usual: usual.into(),
            small: format!("{usual} doubled"),
            small_up_to: 0,
        }
    }

    /// Regression: a face put back by undo came back with its detector confidence a hair off
    /// (the undo log's JSON was read by serde_json's fast float parser, which is not exact).
    #[test]
    fn a_removed_face_comes_back_from_the_undo_log_exactly() {
        for step in 0..10_000u16 {
            let face = RemovedFace {
                id: 1,
                photo: 1,
                rect: Rect::new(0, 0, 9, 9),
                confidence: f64::from(f32::from(step) * 0.000_123_4),
                landmarks: String::new(),
                descriptor: Vec::new(),
                thumbnail: None,
                model_version: String::new(),
                by_hand: false,
            };
            let logged = serde_json::to_string(&face).unwrap();
            let back: RemovedFace = serde_json::from_str(&logged).unwrap();
            assert_eq!(back, face);
        }
    }

    /// An analysed photo with faces at `rects` (not in any folder).
    pub(crate) fn analysis(path: &str, hash: &str, rects: &[Rect]) -> PhotoAnalysis {
        let faces = rects
            .iter()
            .map(|&rect| NewFace {
                landmarks: [Point::new(1, 2); 5],
                thumbnail_jpeg: vec![1, 2, 3],
                ..NewFace::at(rect, [0.5; DESCRIPTOR_LEN])
            })
            .collect();
        PhotoAnalysis {
            size: 100,
            mtime_ns: 1,
            content_hash: hash.to_string(),
            analysis_key: "test".into(),
            ..PhotoAnalysis::new(path, 640, 480, faces)
        }
    }

    #[test]
    fn new_library_has_the_current_schema_and_is_healthy() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn a_version_1_library_migrates_forward_keeping_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.kindred");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch("PRAGMA user_version = 1").unwrap();
            conn.execute(
                "INSERT INTO photos (path, size, mtime_ns, status, scanned_at) VALUES ('/a.jpg', 1, 2, 'done', 3)",
                [],
            )
            .unwrap();
            for (path, taken_at) in [
                ("/p/IMG-20190714-WA0003.jpg", None),
                ("/p/IMG_20190101_120000.jpg", Some("2018-12-31 23:00:00")),
                ("/p/PXL_20200202_101010.jpg", Some("2020-02-02 10:10:10")),
            ] {
                conn.execute(
                    "INSERT INTO photos (path, size, mtime_ns, status, scanned_at, taken_at) VALUES (?1, 1, 2, 'done', 3, ?2)",
                    params![path, taken_at],
                )
                .unwrap();
            }
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        // In no folder: its folder was removed, which now leaves its photos missing.
        let photo = store.photo_by_path(Path::new("/a.jpg")).unwrap().unwrap();
        assert_eq!(photo.status, PhotoStatus::Missing);
        assert_eq!(photo.taken_at, None);
        // Undated photos are dated by their names (and say so); a date from the photo's
        // metadata stays, as does one the name agrees with.
        let taken = |p: &str| {
            let photo = store.photo_by_path(Path::new(p)).unwrap().unwrap();
            (photo.taken_at, photo.dated_by_name)
        };
        assert_eq!(
            taken("/p/IMG-20190714-WA0003.jpg"),
            (Some("2019-07-14".into()), true)
        );
        assert_eq!(
            taken("/p/IMG_20190101_120000.jpg"),
            (Some("2018-12-31 23:00:00".into()), false)
        );
        assert_eq!(
            taken("/p/PXL_20200202_101010.jpg"),
            (Some("2020-02-02 10:10:10".into()), true)
        );
        store.set_setting("max_side", "2048").unwrap();
        assert_eq!(store.setting("max_side").unwrap().as_deref(), Some("2048"));
    }

    #[test]
    fn a_library_from_a_newer_kindred_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.kindred");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(err.to_string().contains("newer Kindred"), "{err}");
    }

    /// Regression: SQLite numbers a new row after the highest id left, so the newest photo,
    /// face or person deleted gave its id to the next one (a redo then found it taken).
    #[test]
    fn ids_are_never_given_twice() {
        let mut store = Store::open_in_memory().unwrap();
        let face = Rect::new(10, 10, 50, 50);
        store
            .record_analysis(&analysis("/p/1.jpg", "h1", &[face]))
            .unwrap();
        let last = store
            .record_analysis(&analysis("/p/2.jpg", "h2", &[face]))
            .unwrap();
        let last_face = store.faces_of_photo(last).unwrap()[0].id;
        let person = store.insert_person(None).unwrap();

        assert!(store.delete_person_if_unused(person).unwrap());
        store.mark_gone(&[last]).unwrap();
        assert_eq!(store.prune_missing(0).unwrap(), 1);
        assert_eq!(store.face(last_face).unwrap(), None);

        let photo = store
            .record_analysis(&analysis("/p/3.jpg", "h3", &[face]))
            .unwrap();
        assert!(photo > last, "photo {photo} after {last}");
        let new_face = store.faces_of_photo(photo).unwrap()[0].id;
        assert!(new_face > last_face, "face {new_face} after {last_face}");
        let new_person = store.insert_person(None).unwrap();
        assert!(new_person > person, "person {new_person} after {person}");
        let unreadable = store
            .record_error_in_tx(None, Path::new("/p/bad.jpg"), 0, 0, "unreadable", None)
            .unwrap();
        assert!(unreadable > photo);
        // Rows put back with their own ids (undo, redo) move the numbering on too.
        let restored = crate::library::people_store::PersonRow {
            id: new_person + 10,
            name: None,
            hidden: false,
            merged_into: None,
            key_face: None,
        };
        assert!(store.restore_person(&restored).unwrap());
        assert_eq!(store.insert_person(None).unwrap(), new_person + 11);
    }

    /// Regression: a full disk was reported as "database or disk is full: database or disk is
    /// full: Error code 13: database or disk is full"; it is said once, with what to do.
    #[test]
    fn a_full_disk_is_said_once_with_what_to_do() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        );
        let error = anyhow::Error::from(sqlite_error(Path::new("/p/lib.kindred"))(full));
        assert_eq!(
            format!("{error:#}"),
            format!(
                "library {}: the disk it is on is full: free some space and try again (what \
                 was saved before is kept)",
                Path::new("/p/lib.kindred").display()
            )
        );
        let other = rusqlite::Error::QueryReturnedNoRows;
        let error = anyhow::Error::from(sqlite_error(Path::new("/p/lib.kindred"))(other));
        assert!(
            format!("{error:#}").ends_with(": Query returned no rows"),
            "{error:#}"
        );
    }

    /// A closer look that found no face is remembered until the photo is analysed again.
    #[test]
    fn no_face_on_a_closer_look_holds_until_the_photo_is_analysed_again() {
        let mut store = Store::open_in_memory().unwrap();
        let photo = store
            .record_analysis(&analysis("/p/1.jpg", "h1", &[]))
            .unwrap();
        assert!(!store.photo(photo).unwrap().unwrap().no_face_on_closer_look);
        store.mark_no_face_on_closer_look(photo).unwrap();
        assert!(store.photo(photo).unwrap().unwrap().no_face_on_closer_look);
        // The photo changed (or a new model analyses it): a closer look may find faces now.
        let changed = store
            .record_analysis(&analysis("/p/1.jpg", "h2", &[]))
            .unwrap();
        assert_eq!(changed, photo);
        assert!(!store.photo(photo).unwrap().unwrap().no_face_on_closer_look);
    }

    /// A library from before the numbering was kept goes on after its highest ids.
    #[test]
    fn a_version_9_library_numbers_new_rows_after_its_highest_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.kindred");
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..9] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "PRAGMA user_version = 9;
                 INSERT INTO persons (id, created_at, updated_at) VALUES (41, 0, 0);
                 INSERT INTO photos (id, path, size, mtime_ns, status, scanned_at)
                    VALUES (17, '/a.jpg', 1, 2, 'done', 3);",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        // The library as it was before the upgrade is kept.
        let copies = super::super::backup::list(&path);
        assert_eq!(copies.len(), 1);
        assert_eq!(
            copies[0].kind,
            super::super::backup::BackupKind::BeforeUpgrade
        );
        let copy = Connection::open(&copies[0].path).unwrap();
        let version: i64 = copy
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 9);
        assert_eq!(store.insert_person(None).unwrap(), 42);
        let photo = store
            .record_analysis(&analysis("/b.jpg", "h", &[Rect::new(0, 0, 9, 9)]))
            .unwrap();
        assert_eq!(photo, 18);
        assert_eq!(store.faces_of_photo(photo).unwrap()[0].id, 1);
    }

    #[test]
    fn reanalysis_keeps_face_ids_that_overlap() {
        let mut store = Store::open_in_memory().unwrap();
        let a = Rect::new(10, 10, 50, 50);
        let b = Rect::new(100, 100, 150, 150);
        // Faces of three people, each described as themselves.
        let described = |rects: &[Rect], people: &[usize]| {
            let mut photo = analysis("/p/1.jpg", "h1", rects);
            for (face, &person) in photo.faces.iter_mut().zip(people) {
                face.descriptor = along(person, 1.0);
            }
            photo
        };
        let id = store.record_analysis(&described(&[a, b], &[0, 1])).unwrap();
        let before = store.faces_of_photo(id).unwrap();
        let moved = Rect::new(12, 11, 51, 52);
        let c = Rect::new(300, 300, 340, 340);
        store
            .record_analysis(&described(&[c, moved], &[2, 0]))
            .unwrap();
        let after = store.faces_of_photo(id).unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(
            after[1].id, before[0].id,
            "the face that stayed keeps its id"
        );
        assert_ne!(
            after[0].id, before[1].id,
            "a vanished face is not reused for a new one"
        );
        assert!(store.face(before[1].id).unwrap().is_none());
    }

    #[test]
    fn a_moved_file_keeps_its_photo_row() {
        let mut store = Store::open_in_memory().unwrap();
        let id = store
            .record_analysis(&analysis("/p/old.jpg", "same", &[Rect::new(0, 0, 9, 9)]))
            .unwrap();
        let face = store.faces_of_photo(id).unwrap()[0].id;
        store.mark_gone(&[id]).unwrap();
        let new_id = store
            .record_analysis(&analysis("/q/new.jpg", "same", &[Rect::new(0, 0, 9, 9)]))
            .unwrap();
        assert_eq!(new_id, id);
        assert_eq!(store.faces_of_photo(id).unwrap()[0].id, face);
        assert!(
            store
                .photo_by_path(Path::new("/p/old.jpg"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_file_gone_that_could_not_be_read_is_let_go_of_and_a_photo_gone_is_kept_missing() {
        let mut store = Store::open_in_memory().unwrap();
        let photo = store
            .record_analysis(&analysis("/p/a.jpg", "a", &[Rect::new(0, 0, 80, 80)]))
            .unwrap();
        let broken = store
            .record_error(
                None,
                Path::new("/p/half-copied.jpg"),
                3000,
                1,
                "truncated",
                Some(1),
            )
            .unwrap();
        // A photo analysed before, unreadable since: its faces (and their names) are kept.
        let spoilt = store
            .record_analysis(&analysis("/p/b.jpg", "b", &[Rect::new(0, 0, 80, 80)]))
            .unwrap();
        store
            .record_error(None, Path::new("/p/b.jpg"), 10, 2, "truncated", Some(1))
            .unwrap();

        let missing = store.mark_gone(&[photo, broken, spoilt]).unwrap();
        assert_eq!(missing, [photo, spoilt]);
        assert!(store.photo(broken).unwrap().is_none());
        for id in [photo, spoilt] {
            assert_eq!(
                store.photo(id).unwrap().unwrap().status,
                PhotoStatus::Missing
            );
            assert_eq!(store.faces_of_photo(id).unwrap().len(), 1);
        }
        assert!(store.errors().unwrap().is_empty());
    }

    #[test]
    fn a_file_moved_and_changed_elsewhere_is_the_missing_photo_taken_then_with_its_faces() {
        // A photo of three people, taken at a moment by a camera, whose file is gone.
        let taken = |path: &str, hash: &str, people: &[usize], at: &str| {
            let rects: Vec<Rect> = (0..people.len() as i64)
                .map(|i| Rect::new(100 * i, 0, 100 * i + 80, 80))
                .collect();
            let mut photo = analysis(path, hash, &rects);
            for (face, &person) in photo.faces.iter_mut().zip(people) {
                face.descriptor = along(person, 1.0);
            }
            photo.taken_at = Some(at.into());
            photo.camera = Some("Pixel 7".into());
            photo
        };
        let setup = || {
            let mut store = Store::open_in_memory().unwrap();
            let id = store
                .record_analysis(&taken("/p/a.jpg", "a", &[0, 1, 2], "2024-07-14 12:30:05"))
                .unwrap();
            store.mark_gone(&[id]).unwrap();
            (store, id)
        };
        // Tagged, cropped to two of them and renamed by another app: the same photo, each face
        // kept wherever it went.
        let (mut store, id) = setup();
        let faces = store.faces_of_photo(id).unwrap();
        let mut edited = taken("/q/2024/x.jpg", "b", &[2, 1], "2024-07-14 12:30:05");
        edited.faces[0].descriptor[2] = 1.1;
        assert_eq!(store.record_analysis(&edited).unwrap(), id);
        let now = store.faces_of_photo(id).unwrap();
        assert_eq!(
            now.iter().map(|f| f.id).collect::<Vec<_>>(),
            [faces[2].id, faces[1].id]
        );
        assert_eq!(store.photo(id).unwrap().unwrap().status, PhotoStatus::Done);
        assert!(
            store
                .photo_by_path(Path::new("/p/a.jpg"))
                .unwrap()
                .is_none()
        );

        // What does not tell: another second, another camera, a date from the file name, or
        // faces of which fewer than half are the missing photo's.
        for (what, mut other) in [
            (
                "another second",
                taken("/q/b.jpg", "b", &[0, 1, 2], "2024-07-14 12:30:06"),
            ),
            ("another camera", {
                let mut p = taken("/q/b.jpg", "b", &[0, 1, 2], "2024-07-14 12:30:05");
                p.camera = Some("Canon EOS R6".into());
                p
            }),
            ("a date by name", {
                let mut p = taken("/q/b.jpg", "b", &[0, 1, 2], "2024-07-14 12:30:05");
                p.dated_by_name = true;
                p
            }),
            (
                "one face of three",
                taken("/q/b.jpg", "b", &[0, 5, 6], "2024-07-14 12:30:05"),
            ),
        ] {
            let (mut store, id) = setup();
            other.content_hash = "b".into();
            assert_ne!(store.record_analysis(&other).unwrap(), id, "{what}");
            assert_eq!(
                store.photo(id).unwrap().unwrap().status,
                PhotoStatus::Missing,
                "{what}"
            );
        }
    }

    #[test]
    fn descriptor_blob_round_trip() {
        let mut d = [0.0f32; DESCRIPTOR_LEN];
        d[5] = -1.25;
        d[127] = 3.5e-8;
        assert_eq!(descriptor_from_blob(&descriptor_to_blob(&d)), Some(d));
        assert_eq!(descriptor_from_blob(&[0; 10]), None);
    }

    #[test]
    fn errors_are_recorded_and_counted() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .record_error(None, Path::new("/p/bad.jpg"), 0, 0, "empty file", Some(1))
            .unwrap();
        store
            .record_analysis(&analysis("/p/good.jpg", "h", &[Rect::new(0, 0, 9, 9)]))
            .unwrap();
        let counts = store.status_counts().unwrap();
        assert_eq!((counts.photos, counts.errors, counts.faces), (2, 1, 1));
        assert_eq!(
            store.errors().unwrap(),
            vec![(PathBuf::from("/p/bad.jpg"), "empty file".to_string())]
        );
    }

    /// Regression: a copy of undated content took the date another copy's file name gave,
    /// even where its own file name gives another.
    #[test]
    fn a_copy_is_dated_by_its_own_file_name_before_another_copys() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .record_analysis(&PhotoAnalysis {
                taken_at: Some("2019-07-14".into()),
                dated_by_name: true,
                ..analysis("/chat/IMG-20190714-WA0003.jpg", "h", &[])
            })
            .unwrap();
        let date_of_copy = |path: &str| {
            let copy = store
                .analysis_of_content("h", &keys("test"), Path::new(path))
                .unwrap()
                .unwrap();
            (copy.taken_at.unwrap(), copy.dated_by_name)
        };
        assert_eq!(
            date_of_copy("/shots/Screenshot_20200102-101010.png"),
            ("2020-01-02 10:10:10".to_string(), true)
        );
        assert_eq!(
            date_of_copy("/backup/copy.jpg"),
            ("2019-07-14".to_string(), true)
        );
    }

    /// A backup copy is a photo file like any other, and also known as a copy, so that views
    /// can count each photo and face once. Its analysis comes back from the library whole.
    #[test]
    fn identical_copies_are_counted_and_their_analysis_read_back() {
        let mut store = Store::open_in_memory().unwrap();
        let rects = [Rect::new(0, 0, 9, 9), Rect::new(20, 0, 29, 9)];
        let original = analysis("/p/a.jpg", "h", &rects);
        store.record_analysis(&original).unwrap();
        store
            .record_analysis(&analysis("/p/b.jpg", "other", &rects[..1]))
            .unwrap();
        assert_eq!(
            store
                .analysis_of_content("h", &keys("another key"), Path::new("/x"))
                .unwrap(),
            None
        );
        let copy = store
            .analysis_of_content("h", &keys("test"), Path::new("/backup/a.jpg"))
            .unwrap()
            .unwrap();
        assert_eq!(copy.path, Path::new("/backup/a.jpg"));
        assert_eq!(copy.faces, original.faces);
        assert_eq!(copy.taken_at, None);
        // Content without a date is dated by a copy's name.
        let named_copy = store
            .analysis_of_content(
                "h",
                &keys("test"),
                Path::new("/chat/IMG-20190714-WA0003.jpg"),
            )
            .unwrap()
            .unwrap();
        assert_eq!(named_copy.taken_at.as_deref(), Some("2019-07-14"));
        assert!(named_copy.dated_by_name && !copy.dated_by_name);
        store.record_analysis(&copy).unwrap();
        let counts = store.status_counts().unwrap();
        assert_eq!(
            (
                counts.photos_done,
                counts.identical_copies,
                counts.faces,
                counts.faces_in_copies
            ),
            (3, 1, 5, 2)
        );
        assert_eq!(
            store.analysed_contents(&keys("test")).unwrap(),
            HashSet::from(["h".to_string(), "other".to_string()])
        );
        // Settings under which these 640 × 480 photos are small want them analysed doubled:
        // their analysis is not that, and is not taken for a copy.
        let small = AnalysisKeys {
            small_up_to: 1024,
            ..keys("test")
        };
        assert_eq!(small.for_size(640, 480), "test doubled");
        assert_eq!(small.for_size(1025, 480), "test");
        assert_eq!(small.for_size(0, 0), "test", "not known: not small");
        assert_eq!(store.analysed_contents(&small).unwrap(), HashSet::new());
        assert_eq!(
            store
                .analysis_of_content("h", &small, Path::new("/x"))
                .unwrap(),
            None
        );
        store
            .record_analysis(&PhotoAnalysis {
                analysis_key: "test doubled".into(),
                ..analysis("/p/c.jpg", "h", &rects)
            })
            .unwrap();
        assert_eq!(
            store.analysed_contents(&small).unwrap(),
            HashSet::from(["h".to_string()])
        );
        let copy = store
            .analysis_of_content("h", &small, Path::new("/x"))
            .unwrap()
            .unwrap();
        assert_eq!(copy.analysis_key, "test doubled");
    }
}
