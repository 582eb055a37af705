//! Saving what can still be read from a damaged library file into a new backup copy, to put
//! back where no copy holds the latest names and corrections. It goes row by row, so that a
//! damaged page costs the rows on it, not its table; what the rows left point at nothing is
//! let go of, and the photos whose faces are in doubt are analysed again at the next scan
//! (keeping the names of the faces found again, as after a model update).

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, Transaction, params_from_iter};

use super::backup::{self, Backup, BackupContents, BackupKind, NewCopy};
use super::store::{MayTellOfDamage, SCHEMA_VERSION, StoreError, migrate_to, sqlite_error};
use crate::text::count;

/// The analysis key of a photo whose faces are in doubt, and the model version of a face
/// whose own could not be read: matching no scan's, so the next scan analyses the photo again.
const IN_DOUBT: &str = "salvaged";

/// The one column left behind: face pictures are made again from the photos, and theirs are
/// the pages a damaged library most likely lost (nine tenths of the file).
const FACE_PICTURE: &str = "thumbnail";

/// How far past the last row read in order a damaged table is looked through, id by id.
const MOST_IDS_TRIED: i64 = 5_000_000;

/// A table of the damaged library some of whose rows could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unreadable {
    pub table: String,
    /// How many rows were lost: counted from an index of the table where one could be read,
    /// else the places tried that could not be read.
    pub rows: u64,
}

impl Unreadable {
    /// What was lost, in words ("3 faces"); None for what the salvage makes anew (the ids
    /// given) and what it says otherwise (the undo history).
    pub fn in_words(&self) -> Option<String> {
        let n = self.rows as usize;
        Some(match self.table.as_str() {
            "photos" => count(n, "photo", "photos"),
            "faces" => count(n, "face", "faces"),
            "persons" => count(n, "person", "people"),
            "face_assignments" => count(n, "face's person", "faces' people"),
            "rejections" => count(
                n,
                "\"not this person\" answer",
                "\"not this person\" answers",
            ),
            "settings" => count(n, "setting", "settings"),
            "roots" => count(n, "photo folder", "photo folders"),
            "excluded_folders" => count(n, "folder left out", "folders left out"),
            _ => return None,
        })
    }
}

/// What a salvage saved, and what it could not.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Salvage {
    /// The copy it made, among the library's backup copies.
    pub copy: Backup,
    #[serde(flatten)]
    pub contents: BackupContents,
    /// Tables some of whose rows could not be read; empty when all of it was read.
    pub unreadable: Vec<Unreadable>,
    /// Photos the next scan analyses again (their faces, or some of them, could not be read).
    pub photos_to_analyse_again: u64,
    /// Whether the undo history came along: only when nothing was lost, as undoing a step
    /// whose rows are gone would undo half of it.
    pub undo_history_kept: bool,
}

impl Salvage {
    /// What could not be saved, and what follows from it, a sentence each; none when the
    /// whole library was read.
    pub fn losses_in_words(&self) -> Vec<String> {
        let mut said = Vec::new();
        let lost: Vec<String> = self
            .unreadable
            .iter()
            .filter_map(Unreadable::in_words)
            .collect();
        if !lost.is_empty() {
            said.push(format!("Could not be read: {}.", lost.join(", ")));
        }
        if self.photos_to_analyse_again > 0 {
            said.push(format!(
                "{} analysed again at the next scan once it is put back.",
                count_is(self.photos_to_analyse_again as usize, "photo", "photos")
            ));
        }
        if !self.undo_history_kept {
            said.push("The undo history is not kept.".into());
        }
        said
    }
}

/// "1 photo is", "3 photos are".
fn count_is(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        count(n, one, many),
        if n == 1 { "is" } else { "are" }
    )
}

/// Reads what can be read of the library at `library` (damaged, or not) into a new copy of
/// kind [`BackupKind::Salvaged`] beside the others. The library file is only read. Err when
/// nothing can be read from it (its first page or its list of tables is damaged), or the
/// copy cannot be written.
pub fn salvage(library: &Path) -> Result<Salvage, StoreError> {
    let err = sqlite_error(library);
    let damaged = Connection::open_with_flags(
        library,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    let version: i64 = damaged
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: library.to_path_buf(),
            found: version,
        });
    }
    if version == 0 {
        return Err(StoreError::Corrupt {
            path: library.to_path_buf(),
            message: "nothing in it can be read as a Kindred library".into(),
        });
    }
    // One read transaction over every table: the app may write to the library meanwhile (a
    // scan going on), and the copy is of the library at one moment. The list of tables is read
    // first: damaged, nothing else can be read, and no empty copy is left to say otherwise.
    damaged.execute_batch("BEGIN").map_err(err)?;
    damaged
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(err)?;
    let copy = NewCopy::start(library, BackupKind::Salvaged)?;
    let saved = match write_copy(&damaged, &copy.part, version) {
        Ok(saved) => saved,
        Err(e) => return Err(copy.abandon("write", &e)),
    };
    let copy = copy.finish()?;
    let contents = backup::inspect(&copy.path)?;
    Ok(Salvage {
        copy,
        contents,
        unreadable: saved.unreadable,
        photos_to_analyse_again: saved.photos_to_analyse_again,
        undo_history_kept: saved.undo_history_kept,
    })
}

struct Saved {
    unreadable: Vec<Unreadable>,
    photos_to_analyse_again: u64,
    undo_history_kept: bool,
}

/// Makes a library of the damaged one's schema version at `part` and copies into it every
/// row that can be read.
fn write_copy(damaged: &Connection, part: &Path, version: i64) -> Result<Saved, String> {
    let text = |e: rusqlite::Error| e.to_string();
    let mut copy = Connection::open(part).map_err(text)?;
    migrate_to(&mut copy, 0, version).map_err(text)?;
    // Rows come in table by table, each pointing at rows of tables not read yet; what points
    // at nothing once all are in is mended after.
    copy.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF;")
        .map_err(text)?;
    let tx = copy.transaction().map_err(text)?;
    let saved = fill(damaged, &tx).map_err(text)?;
    let dangling: i64 = tx
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .map_err(text)?;
    if dangling > 0 {
        return Err(format!(
            "{dangling} rows still point at rows that could not be read"
        ));
    }
    tx.commit().map_err(text)?;
    copy.execute_batch("VACUUM;").map_err(text)?;
    Ok(saved)
}

/// Copies every row of the damaged library that can be read into `tx`'s, and mends what
/// they point at.
fn fill(damaged: &Connection, tx: &Transaction) -> rusqlite::Result<Saved> {
    let tables: Vec<String> = tx
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY rowid",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    // The highest id each table was ever given, where the library keeps it: how far a damaged
    // table's ids may reach (the highest of them all for the others).
    let last_ids: Vec<(String, i64)> = damaged
        .prepare("SELECT tbl, id FROM last_ids")
        .and_then(|mut select| {
            select
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .unwrap_or_default();
    let highest_id = last_ids.iter().map(|(_, id)| *id).max().unwrap_or(0);
    let mut unreadable = Vec::new();
    let mut faces_in_doubt = false;
    for table in &tables {
        let reach = last_ids
            .iter()
            .find(|(t, _)| t == table)
            .map_or(highest_id, |(_, id)| *id);
        let copied = copy_table(damaged, tx, table, reach)?;
        faces_in_doubt |= copied.partly_read > 0;
        if let Some(rows) = copied.lost {
            unreadable.push(Unreadable {
                table: table.clone(),
                rows,
            });
        }
    }
    let has = |table: &str| tables.iter().any(|t| t == table);
    let lost = |table: &str| unreadable.iter().any(|u: &Unreadable| u.table == table);
    mend_references(tx, has("excluded_folders"))?;
    faces_in_doubt |= lost("faces") || lost("photos");
    let photos_to_analyse_again = if faces_in_doubt {
        tx.execute(
            "UPDATE photos SET analysis_key = ?1 WHERE status != 'error' AND (
                 id NOT IN (SELECT photo_id FROM faces)
                 OR id IN (SELECT photo_id FROM faces WHERE model_version = ?1)
                 OR id IN (SELECT photo_id FROM faces GROUP BY photo_id
                           HAVING MAX(idx) + 1 != COUNT(*)))",
            [IN_DOUBT],
        )? as u64
    } else {
        0
    };
    let undo_history_kept = unreadable.is_empty();
    if !undo_history_kept {
        tx.execute_batch("DELETE FROM operations;")?;
        if has("operation_parts") {
            tx.execute_batch("DELETE FROM operation_parts;")?;
        }
    }
    if has("last_ids") {
        // Ids are never given twice: past every id the damaged file gave (copied with the
        // table, where it could be read) and every id copied.
        for table in ["photos", "faces", "persons"] {
            tx.execute(
                &format!(
                    "INSERT INTO last_ids (tbl, id)
                     VALUES (?1, (SELECT COALESCE(MAX(id), 0) FROM {table}))
                     ON CONFLICT (tbl) DO UPDATE SET id = MAX(id, excluded.id)"
                ),
                [table],
            )?;
        }
    }
    Ok(Saved {
        unreadable,
        photos_to_analyse_again,
        undo_history_kept,
    })
}

/// What came of copying one table.
struct Copied {
    /// Rows lost (see [`Unreadable::rows`]); None when none is known lost.
    lost: Option<u64>,
    /// Faces whose columns after the face picture could not be read: copied with their
    /// model version in doubt.
    partly_read: u64,
}

/// Copies the rows of `table` that can be read: in order while the pages read, then, past
/// the first damaged one, id by id up to the highest id it may hold.
fn copy_table(
    damaged: &Connection,
    copy: &Transaction,
    table: &str,
    last_id: i64,
) -> rusqlite::Result<Copied> {
    let mut columns: Vec<String> = copy
        .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    columns.retain(|c| c != FACE_PICTURE);
    let listed = quoted(&columns);
    let marks = vec!["?"; columns.len()].join(", ");
    // last_ids keeps the higher of what it holds and what it is given: ids are never reused.
    let on_conflict = if table == "last_ids" {
        " ON CONFLICT (tbl) DO UPDATE SET id = MAX(id, excluded.id)"
    } else {
        ""
    };
    let or_ignore = if on_conflict.is_empty() {
        "OR IGNORE "
    } else {
        ""
    };
    let mut insert = copy.prepare(&format!(
        "INSERT {or_ignore}INTO \"{table}\" ({listed}) VALUES ({marks}){on_conflict}"
    ))?;
    let mut copied = 0u64;
    let mut last_read = 0i64;
    let in_order = (|| -> Result<(), Stopped> {
        let mut select = damaged
            .prepare(&format!(
                "SELECT rowid, {listed} FROM \"{table}\" ORDER BY rowid"
            ))
            .map_err(Stopped::Reading)?;
        let mut rows = select.query([]).map_err(Stopped::Reading)?;
        while let Some(row) = rows.next().map_err(Stopped::Reading)? {
            last_read = row.get(0).map_err(Stopped::Reading)?;
            let values = values(row, 1..=columns.len()).map_err(Stopped::Reading)?;
            insert
                .execute(params_from_iter(values))
                .map_err(Stopped::Writing)?;
            copied += 1;
        }
        Ok(())
    })();
    match in_order {
        Ok(()) => {
            return Ok(Copied {
                lost: None,
                partly_read: 0,
            });
        }
        Err(Stopped::Writing(e)) => return Err(e),
        Err(Stopped::Reading(e)) if !is_read_damage(&e) => return Err(e),
        Err(Stopped::Reading(_)) => {}
    }
    let counted_elsewhere = rows_by_an_index(damaged, table);
    let reach = [
        Some(last_id),
        damaged
            .query_row(&format!("SELECT MAX(rowid) FROM \"{table}\""), [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .ok()
            .flatten(),
        counted_elsewhere.map(|(_, highest)| highest),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0)
    .min(last_read.saturating_add(MOST_IDS_TRIED));
    let mut select = damaged.prepare(&format!(
        "SELECT {listed} FROM \"{table}\" WHERE rowid = ?1"
    ))?;
    // A face whose picture's pages are damaged still has its place and descriptor, which come
    // before the picture in its row.
    let before_picture = columns
        .iter()
        .position(|c| c == "model_version")
        .filter(|_| table == "faces");
    let mut select_before_picture = match before_picture {
        Some(n) => Some((
            n,
            damaged.prepare(&format!(
                "SELECT {} FROM faces WHERE rowid = ?1",
                quoted(&columns[..n])
            ))?,
        )),
        None => None,
    };
    let mut failed = 0u64;
    let mut partly_read = 0u64;
    for id in last_read.saturating_add(1)..=reach {
        let row = select.query_row([id], |row| values(row, 0..columns.len()));
        let values = match row {
            Ok(values) => values,
            Err(rusqlite::Error::QueryReturnedNoRows) => continue,
            Err(e) if is_read_damage(&e) => {
                let partial = select_before_picture
                    .as_mut()
                    .and_then(|(n, select)| select.query_row([id], |row| values(row, 0..*n)).ok());
                match partial {
                    Some(mut values) => {
                        partly_read += 1;
                        for column in &columns[values.len()..] {
                            values.push(match column.as_str() {
                                "model_version" => Value::Text(IN_DOUBT.into()),
                                // Whether the user drew it is lost with the page: taken
                                // as drawn, it is kept when the analysis again does not
                                // find it (a face the detector missed keeps its name), and
                                // is the detector's again where it does.
                                "by_hand" => Value::Integer(1),
                                _ => Value::Integer(0),
                            });
                        }
                        values
                    }
                    None => {
                        failed += 1;
                        continue;
                    }
                }
            }
            Err(e) => return Err(e),
        };
        insert.execute(params_from_iter(values))?;
        copied += 1;
    }
    let lost = match counted_elsewhere {
        Some((count, _)) => count.saturating_sub(copied),
        None => failed,
    };
    Ok(Copied {
        lost: (lost > 0).then_some(lost),
        partly_read,
    })
}

/// Why copying a table in order stopped: its rows could not be read on (damage, which the
/// copy goes past), or the copy could not be written (which ends the salvage).
enum Stopped {
    Reading(rusqlite::Error),
    Writing(rusqlite::Error),
}

/// Column names as SQL lists them, quoted.
fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row's values in the columns `at`, whatever their types.
fn values(row: &rusqlite::Row, at: impl Iterator<Item = usize>) -> rusqlite::Result<Vec<Value>> {
    at.map(|i| row.get::<_, Value>(i)).collect()
}

/// How many rows `table` has and its highest rowid, as one of its indexes says (an index's
/// pages are apart from its table's, and may have come through whole).
fn rows_by_an_index(damaged: &Connection, table: &str) -> Option<(u64, i64)> {
    let indexes: Vec<String> = damaged
        .prepare("SELECT name FROM pragma_index_list(?1)")
        .ok()?
        .query_map([table], |r| r.get(0))
        .ok()?
        .collect::<Result<_, _>>()
        .ok()?;
    indexes.iter().find_map(|index| {
        damaged
            .query_row(
                &format!(
                    "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM \"{table}\" INDEXED BY \"{index}\""
                ),
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .ok()
    })
}

/// Whether an error reading the damaged library is its damage (SQLite found a page that is
/// not what it should be), rather than something that ends the salvage.
fn is_read_damage(error: &rusqlite::Error) -> bool {
    error.is_damage() || error.sqlite_error_code() == Some(rusqlite::ErrorCode::SystemIoFailure)
}

/// Lets go of what points at rows that could not be read, as deleting those rows would have:
/// a face of a photo lost goes, a face whose person was lost is unassigned (matched again), a
/// photo whose folder was lost is missing until its folder is added again.
fn mend_references(tx: &Transaction, has_excluded_folders: bool) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM faces WHERE photo_id NOT IN (SELECT id FROM photos);
         DELETE FROM face_assignments WHERE face_id NOT IN (SELECT id FROM faces);
         UPDATE face_assignments SET person_id = NULL, state = 'unassigned', distance = NULL
             WHERE person_id IS NOT NULL AND person_id NOT IN (SELECT id FROM persons);
         INSERT INTO face_assignments (face_id, person_id, state)
             SELECT id, NULL, 'unassigned' FROM faces
             WHERE id NOT IN (SELECT face_id FROM face_assignments);
         DELETE FROM rejections WHERE face_id NOT IN (SELECT id FROM faces)
             OR person_id NOT IN (SELECT id FROM persons);
         UPDATE persons SET key_face_id = NULL WHERE key_face_id NOT IN (SELECT id FROM faces);
         UPDATE photos SET root_id = NULL, status = 'missing',
             missing_since = COALESCE(missing_since, CAST(strftime('%s', 'now') AS INTEGER))
             WHERE root_id IS NOT NULL AND root_id NOT IN (SELECT id FROM roots);",
    )?;
    if has_excluded_folders {
        tx.execute_batch(
            "DELETE FROM excluded_folders WHERE root_id NOT IN (SELECT id FROM roots);",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::geometry::Rect;
    use crate::library::store::{NewFace, PhotoAnalysis, Store};
    use std::io::{Read, Seek, SeekFrom, Write};

    const PHOTOS: i64 = 60;

    /// A library of 60 photos of two faces each (each face a page of its own with its
    /// picture), the first 30 photos' faces Anna's, the others Ben's, and one correction in the
    /// undo history. `big_picture`: the face whose picture runs over several pages of 0x5A.
    fn library(dir: &Path, big_picture: Option<(i64, usize)>) -> std::path::PathBuf {
        let path = dir.join("library.kindred");
        let mut store = Store::open(&path).unwrap();
        for photo in 0..PHOTOS {
            let faces = (0..2)
                .map(|i| NewFace {
                    thumbnail_jpeg: match big_picture {
                        Some((p, i_big)) if p == photo && i_big == i => vec![0x5A; 20_000],
                        _ => vec![photo as u8; 3000],
                    },
                    ..NewFace::at(
                        Rect::new(i as i64 * 100, 0, i as i64 * 100 + 80, 80),
                        [photo as f32; 128],
                    )
                })
                .collect();
            store
                .record_analysis(&PhotoAnalysis::new(
                    format!("/p/{photo}.jpg"),
                    400,
                    300,
                    faces,
                ))
                .unwrap();
        }
        store
            .connection()
            .execute_batch(
                "INSERT INTO persons (id, name, created_at, updated_at) VALUES
                     (1, 'Anna', 0, 0), (2, 'Ben', 0, 0);
                 UPDATE face_assignments SET state = 'confirmed', person_id = CASE
                     WHEN (SELECT photo_id FROM faces WHERE id = face_id) <= 30 THEN 1 ELSE 2 END;
                 INSERT INTO operations (at, kind, payload) VALUES (0, 'name', '{}');",
            )
            .unwrap();
        path
    }

    /// Reads page `n` (from 1) of a library file.
    fn page(library: &Path, n: u64, page_size: u64) -> Vec<u8> {
        let mut file = std::fs::File::open(library).unwrap();
        file.seek(SeekFrom::Start((n - 1) * page_size)).unwrap();
        let mut page = vec![0; page_size as usize];
        file.read_exact(&mut page).unwrap();
        page
    }

    fn write_over(library: &Path, n: u64, page_size: u64) {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(library)
            .unwrap();
        file.seek(SeekFrom::Start((n - 1) * page_size)).unwrap();
        file.write_all(&vec![0xAB; page_size as usize]).unwrap();
    }

    fn page_size_and_root(library: &Path, table: &str) -> (u64, u64) {
        let db = Connection::open(library).unwrap();
        let page_size: i64 = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let root: i64 = db
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        (page_size as u64, root as u64)
    }

    /// The page holding a table's first rows: down its B-tree by the first child each time
    /// (an interior page, type 5, holds its children's page numbers at the start of each cell).
    fn first_leaf(library: &Path, table: &str) -> (u64, u64) {
        let (page_size, mut n) = page_size_and_root(library, table);
        loop {
            let bytes = page(library, n, page_size);
            if bytes[0] != 5 {
                return (page_size, n);
            }
            let cell = u16::from_be_bytes([bytes[12], bytes[13]]) as usize;
            n = u32::from_be_bytes(bytes[cell..cell + 4].try_into().unwrap()) as u64;
        }
    }

    fn count(library: &Path, sql: &str) -> i64 {
        Connection::open(library)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_whole_library_is_saved_whole() {
        let dir = tempfile::tempdir().unwrap();
        let library = library(dir.path(), None);
        let saved = salvage(&library).unwrap();
        assert_eq!(saved.unreadable, Vec::new());
        assert_eq!(saved.losses_in_words(), Vec::<String>::new());
        assert!(saved.undo_history_kept);
        assert_eq!(saved.photos_to_analyse_again, 0);
        assert_eq!(saved.copy.kind, BackupKind::Salvaged);
        assert_eq!(
            saved.contents,
            BackupContents {
                photos: PHOTOS as u64,
                people_named: 2,
                faces_confirmed: 2 * PHOTOS as u64
            }
        );
        let copy = &saved.copy.path;
        assert_eq!(count(copy, "SELECT COUNT(*) FROM operations"), 1);
        assert_eq!(
            count(
                copy,
                "SELECT COUNT(*) FROM faces WHERE thumbnail IS NOT NULL"
            ),
            0
        );
        assert_eq!(count(copy, "PRAGMA user_version"), SCHEMA_VERSION);
        assert_eq!(backup::list(&library)[0].path, *copy);
    }

    #[test]
    fn a_damaged_page_of_faces_costs_its_faces_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let library = library(dir.path(), None);
        let (page_size, leaf) = first_leaf(&library, "faces");
        let on_leaf = {
            let bytes = page(&library, leaf, page_size);
            u16::from_be_bytes([bytes[3], bytes[4]]) as u64
        };
        assert!((1..10).contains(&on_leaf), "{on_leaf} faces on the page");
        write_over(&library, leaf, page_size);
        assert!(Store::open(&library).unwrap().quick_check().unwrap() != "ok");

        let saved = salvage(&library).unwrap();
        assert_eq!(
            saved.unreadable,
            vec![Unreadable {
                table: "faces".into(),
                rows: on_leaf
            }]
        );
        assert_eq!(
            saved.losses_in_words(),
            [
                format!(
                    "Could not be read: {on_leaf} face{}.",
                    if on_leaf == 1 { "" } else { "s" }
                ),
                "1 photo is analysed again at the next scan once it is put back.".into(),
                "The undo history is not kept.".into()
            ]
        );
        assert!(!saved.undo_history_kept);
        // The photos whose faces were on the page are analysed again (their faces' names come
        // back with the faces found again).
        assert_eq!(saved.photos_to_analyse_again, on_leaf.div_ceil(2));
        assert_eq!(saved.contents.photos, PHOTOS as u64);
        assert_eq!(saved.contents.people_named, 2);
        assert_eq!(saved.contents.faces_confirmed, 2 * PHOTOS as u64 - on_leaf);
        let copy = &saved.copy.path;
        assert_eq!(count(copy, "SELECT COUNT(*) FROM operations"), 0);
        assert_eq!(
            count(copy, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
            0
        );
        assert_eq!(
            count(
                copy,
                "SELECT COUNT(*) FROM faces WHERE id NOT IN (SELECT face_id FROM face_assignments)"
            ),
            0
        );
        // Ids are never given twice: the lost faces' ones too.
        assert_eq!(
            count(copy, "SELECT id FROM last_ids WHERE tbl = 'faces'"),
            2 * PHOTOS
        );
        // Put back, the copy is a library like any other.
        backup::restore(&library, copy).unwrap();
        let store = Store::open(&library).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    #[test]
    fn a_face_whose_picture_is_damaged_keeps_its_name_and_its_photo_is_analysed_again() {
        let dir = tempfile::tempdir().unwrap();
        let library = library(dir.path(), Some((7, 1)));
        let (page_size, _) = page_size_and_root(&library, "faces");
        let pages = std::fs::metadata(&library).unwrap().len() / page_size;
        let of_the_picture = (1..=pages)
            .find(|&n| page(&library, n, page_size)[4..].iter().all(|&b| b == 0x5A))
            .unwrap();
        write_over(&library, of_the_picture, page_size);

        let saved = salvage(&library).unwrap();
        assert_eq!(saved.unreadable, Vec::new());
        assert_eq!(saved.photos_to_analyse_again, 1);
        assert_eq!(saved.contents.faces_confirmed, 2 * PHOTOS as u64);
        let copy = &saved.copy.path;
        assert_eq!(
            count(
                copy,
                "SELECT COUNT(*) FROM faces f JOIN photos p ON p.id = f.photo_id
                 WHERE f.model_version = 'salvaged' AND p.analysis_key = 'salvaged'
                   AND p.path = '/p/7.jpg' AND f.by_hand = 1"
            ),
            1
        );
    }

    #[test]
    fn what_points_at_lost_people_and_folders_is_let_go_of() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.kindred");
        {
            let mut store = Store::open(&path).unwrap();
            let root = store.add_root(dir.path()).unwrap();
            for i in 0..4 {
                let face = NewFace::at(Rect::new(0, 0, 80, 80), [i as f32; 128]);
                store
                    .record_analysis(&PhotoAnalysis {
                        root_id: Some(root),
                        ..PhotoAnalysis::new(
                            dir.path().join(format!("{i}.jpg")),
                            400,
                            300,
                            vec![face],
                        )
                    })
                    .unwrap();
            }
            store.exclude_folder(&dir.path().join("sub")).unwrap();
            store
                .connection()
                .execute_batch(
                    "INSERT INTO persons (id, name, key_face_id, created_at, updated_at) VALUES
                         (1, 'Anna', 1, 0, 0), (2, 'Ben', NULL, 0, 0);
                     UPDATE face_assignments SET state = 'confirmed', person_id = 1
                         WHERE face_id IN (1, 2);
                     UPDATE face_assignments SET state = 'confirmed', person_id = 2
                         WHERE face_id = 3;
                     INSERT INTO rejections (face_id, person_id) VALUES (4, 1);",
                )
                .unwrap();
        }
        for table in ["persons", "roots"] {
            let (page_size, root) = page_size_and_root(&path, table);
            write_over(&path, root, page_size);
        }

        let saved = salvage(&path).unwrap();
        assert_eq!(
            saved.losses_in_words(),
            [
                "Could not be read: 1 photo folder, 2 people.",
                "The undo history is not kept."
            ]
        );
        let copy = &saved.copy.path;
        // The faces stay, with no one, to be matched again; the photos wait, missing, for
        // their folder to be added again.
        assert_eq!(count(copy, "SELECT COUNT(*) FROM faces"), 4);
        assert_eq!(
            count(
                copy,
                "SELECT COUNT(*) FROM face_assignments WHERE state = 'unassigned' AND person_id IS NULL"
            ),
            4
        );
        assert_eq!(count(copy, "SELECT COUNT(*) FROM rejections"), 0);
        assert_eq!(count(copy, "SELECT COUNT(*) FROM excluded_folders"), 0);
        assert_eq!(
            count(
                copy,
                "SELECT COUNT(*) FROM photos WHERE status = 'missing' AND root_id IS NULL"
            ),
            4
        );
    }

    #[test]
    fn a_file_whose_first_page_is_damaged_gives_nothing_and_leaves_no_copy() {
        let dir = tempfile::tempdir().unwrap();
        let library = library(dir.path(), None);
        let (page_size, _) = page_size_and_root(&library, "faces");
        write_over(&library, 1, page_size);
        assert!(salvage(&library).is_err());
        let left: Vec<_> = std::fs::read_dir(backup::folder(&library))
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(left, Vec::<std::ffi::OsString>::new());
    }
}
