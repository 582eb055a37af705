//! The user's photo folders: which folders (and which of their subfolders) the library
//! holds, how many photos, faces and errors each has, and removing or leaving one out.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};

use super::path_text;
use super::store::{
    PersonId, PhotoId, PhotoRecord, Root, RootId, Store, StoreError, innermost_root, now_secs,
};

/// Analysed photos and their faces that removing or leaving out a folder took out of People.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    pub photos: u64,
    pub faces: u64,
}

/// What following a photo folder did: where it was, and how many photos moved with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocation {
    pub from: PathBuf,
    pub photos: u64,
}

/// What leaving a folder out did: the counts the user is told, and each photo it took out
/// with its status before (to undo it exactly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub left_out: LeftOut,
    pub photos: Vec<(PhotoId, String)>,
}

/// A subfolder the user left out of one of the library's photo folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedFolder {
    pub root: RootId,
    pub path: PathBuf,
    /// The library's photos in it (kept, with their faces and names, out of People).
    pub photos: u64,
}

/// Where a photo folder not found at its path was found, and how it most likely got there:
/// what the user is asked to confirm differs ("Renamed?", "Moved?", or a copy on another
/// drive while its own drive may just not be connected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlace {
    pub path: PathBuf,
    pub how: HowItWent,
}

/// How a photo folder went from where the library had it to its [`NewPlace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HowItWent {
    /// Renamed within the folder that held it.
    Renamed,
    /// Put in a folder beside it, or taken out of the folder holding it, its name kept.
    MovedNearby,
    /// Found under a folder above it renamed: a drive mounted under another name, or another
    /// drive holding a copy of its photos (a backup), its own drive perhaps not connected.
    FolderAboveRenamed,
}

/// A folder inside a photo folder, with the analysed photos and faces under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubfolderSummary {
    pub path: PathBuf,
    /// 1 for a folder directly inside the photo folder, 2 inside that, …
    pub depth: usize,
    pub photos: u64,
    pub faces: u64,
}

fn sql_error(store: &Store) -> impl Fn(rusqlite::Error) -> StoreError + Copy + '_ {
    super::store::sqlite_error(store.path())
}

/// The range of path texts that can lie inside `dir`: from `dir/` up to the character after
/// the separator (`dir0` for '/'), so a query over them uses the index on paths; callers
/// still check each path.
pub(super) fn path_range(dir: &Path) -> (String, String) {
    let separator = std::path::MAIN_SEPARATOR;
    let text = path_text::to_text(dir);
    let text = text.trim_end_matches(separator);
    let after = char::from_u32(separator as u32 + 1).unwrap_or(char::MAX);
    (format!("{text}{separator}"), format!("{text}{after}"))
}

/// The order a file manager lists folders in, kept as a tree (each folder right before what
/// is inside it): name by name, ignoring case, numbers by their value ("Trip 2" before
/// "Trip 10").
pub(super) fn folder_order(a: &Path, b: &Path) -> Ordering {
    let (mut a, mut b) = (a.components(), b.components());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let by_name = natural_order(
                    &x.as_os_str().to_string_lossy(),
                    &y.as_os_str().to_string_lossy(),
                );
                if by_name != Ordering::Equal {
                    return by_name;
                }
            }
        }
    }
}

/// Puts photos in the order every grid of photos shows them: by the date taken (those
/// without one — scans, messaging apps' copies — last), photos of one date (or none) as a
/// file manager lists them.
pub fn sort_as_shown(photos: &mut [PhotoRecord]) {
    photos.sort_by(|a, b| {
        (a.taken_at.is_none(), &a.taken_at)
            .cmp(&(b.taken_at.is_none(), &b.taken_at))
            .then_with(|| folder_order(&a.path, &b.path))
    });
}

/// Compares names as people read them: letters without regard to case, runs of digits by
/// their value; names equal that way fall back to plain order, so no two differ falsely.
fn natural_order(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let run = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
                let (m, n) = (run(x), run(y));
                let (value_x, value_y) = (
                    x[..m].trim_start_matches('0'),
                    y[..n].trim_start_matches('0'),
                );
                let by_value = value_x
                    .len()
                    .cmp(&value_y.len())
                    .then_with(|| value_x.cmp(value_y));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (x, y) = (&x[m..], &y[n..]);
            }
            (Some(c), Some(d)) => {
                let by_letter = c.to_lowercase().cmp(d.to_lowercase());
                if by_letter != Ordering::Equal {
                    return by_letter;
                }
                (x, y) = (&x[c.len_utf8()..], &y[d.len_utf8()..]);
            }
        }
    }
}

/// How many letters two names start with alike, without regard to case: `USB1` is more like
/// `USB` than `BACKUP` is.
fn common_start(a: &OsStr, b: &OsStr) -> usize {
    let (a, b) = (a.to_string_lossy(), b.to_string_lossy());
    a.chars()
        .zip(b.chars())
        .take_while(|(c, d)| c.to_lowercase().eq(d.to_lowercase()))
        .count()
}

/// A folder (a photo folder or one inside it) as its page shows it.
#[derive(Debug, Clone)]
pub struct FolderContents {
    pub folder: PathBuf,
    /// See [`Store::photos_under`].
    pub photos: Vec<PhotoRecord>,
    /// See [`Store::persons_under`].
    pub persons: Vec<(PersonId, u64)>,
}

/// One photo folder with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderSummary {
    pub id: RootId,
    pub path: PathBuf,
    pub photos: u64,
    pub faces: u64,
    pub errors: u64,
    pub missing: u64,
    /// Analysed photos in which no face was found (or drawn).
    pub without_faces: u64,
}

impl Store {
    /// Every photo folder, in the order they were added, with its counts.
    pub fn folder_summaries(&self) -> Result<Vec<FolderSummary>, StoreError> {
        let sql = "SELECT r.id, r.path,
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'done'),
                (SELECT COUNT(*) FROM faces f JOIN photos p ON p.id = f.photo_id
                    WHERE p.root_id = r.id AND p.status = 'done'),
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'error'),
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'missing'),
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'done'
                    AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = p.id))
            FROM roots r ORDER BY r.id";
        let wrap = sql_error(self);
        let mut stmt = self.connection().prepare(sql).map_err(wrap)?;
        let rows = stmt
            .query_map([], |row| {
                Ok(FolderSummary {
                    id: row.get(0)?,
                    path: path_text::column(row, 1)?,
                    photos: row.get::<_, i64>(2)? as u64,
                    faces: row.get::<_, i64>(3)? as u64,
                    errors: row.get::<_, i64>(4)? as u64,
                    missing: row.get::<_, i64>(5)? as u64,
                    without_faces: row.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(wrap)?;
        let mut summaries: Vec<FolderSummary> = rows.collect::<Result<_, _>>().map_err(wrap)?;
        // Photos left out with a subfolder are not missing: the user put them aside.
        for excluded in self.excluded_folders()? {
            if let Some(folder) = summaries.iter_mut().find(|f| f.id == excluded.root) {
                folder.missing = folder.missing.saturating_sub(excluded.photos);
            }
        }
        Ok(summaries)
    }

    /// Removes a photo folder. Its photos leave People, Review and albums at once, but keep
    /// their faces, names and corrections (as missing photos): adding the folder again brings
    /// them back without analysing them again. Photos another of the library's folders also
    /// holds (a folder inside this one) stay, as that folder's.
    pub fn remove_folder(&mut self, id: RootId) -> Result<LeftOut, StoreError> {
        self.in_transaction(|store| {
            let roots = store.roots()?;
            if !roots.iter().any(|r| r.id == id) {
                return Err(StoreError::UnknownId {
                    path: store.path().to_path_buf(),
                    what: "folder",
                    id,
                });
            }
            let excluded = store.excluded_folders()?;
            let others: Vec<Root> = roots.iter().filter(|r| r.id != id).cloned().collect();
            // A photo is the innermost other folder's that holds it, unless left out of it.
            let other_root = |path: &Path| {
                innermost_root(&others, path)
                    .filter(|r| {
                        !excluded
                            .iter()
                            .any(|e| e.root == r.id && path.starts_with(&e.path))
                    })
                    .map(|r| r.id)
            };
            let photos = store.present_photos("root_id = ?1", params![id])?;
            let mut leaving = Vec::new();
            for (photo, path, _) in photos {
                match other_root(&path) {
                    Some(root) => {
                        store
                            .connection()
                            .execute(
                                "UPDATE photos SET root_id = ?2 WHERE id = ?1",
                                params![photo, root],
                            )
                            .map_err(sql_error(store))?;
                    }
                    None => leaving.push(photo),
                }
            }
            let left_out = store.mark_left_out(&leaving)?;
            // A subfolder left out of it that another folder holds stays left out, of that
            // one: its next scan would otherwise take it back in, unasked.
            for e in excluded.iter().filter(|e| e.root == id) {
                if let Some(holder) = innermost_root(&others, &e.path) {
                    store
                        .connection()
                        .execute(
                            "UPDATE excluded_folders SET root_id = ?2 WHERE path = ?1",
                            params![path_text::to_text(&e.path), holder.id],
                        )
                        .map_err(sql_error(store))?;
                }
            }
            store
                .connection()
                .execute("DELETE FROM roots WHERE id = ?1", [id])
                .map_err(sql_error(store))?;
            Ok(left_out)
        })
    }

    /// The photo folder `id` was moved or renamed to `to`: the library follows it. The
    /// folder, every photo under it (with its faces, names and corrections; missing ones
    /// too), the library's folders inside it and its left-out subfolders take their new paths,
    /// in one transaction, and the next scan finds them there as they were — nothing is
    /// analysed again. Returns how many photos moved. Refused where `to` is one of the
    /// library's folders already or holds photos the library knows (adding the new place
    /// before telling Kindred of the move made them copies: removing the old folder is what
    /// is left to do then).
    pub fn relocate_folder(&mut self, id: RootId, to: &Path) -> Result<u64, StoreError> {
        self.in_transaction(|store| store.relocate_folder_in_tx(id, to))
            .map(|relocation| relocation.photos)
    }

    /// [`Store::relocate_folder`] inside a transaction the caller manages (the people log
    /// records it for undo in the same one); says where the folder was.
    pub fn relocate_folder_in_tx(
        &mut self,
        id: RootId,
        to: &Path,
    ) -> Result<Relocation, StoreError> {
        let store = self;
        let roots = store.roots()?;
        let Some(root) = roots.iter().find(|r| r.id == id) else {
            return Err(StoreError::UnknownId {
                path: store.path().to_path_buf(),
                what: "folder",
                id,
            });
        };
        let refused = |message: String| Err(StoreError::Refused { message });
        if to == root.path {
            return Ok(Relocation {
                from: root.path.clone(),
                photos: 0,
            });
        }
        if to.starts_with(&root.path) {
            return refused(format!(
                "{} is inside {}: a folder cannot have moved into itself",
                to.display(),
                root.path.display()
            ));
        }
        if roots.iter().any(|r| r.path == to) {
            return refused(format!(
                "{} is one of the library's photo folders already: if the photos of {} \
                 are there, the library has them (as copies, with their names) — remove \
                 {} instead",
                to.display(),
                root.path.display(),
                root.path.display()
            ));
        }
        let (to_from, to_to) = path_range(to);
        let known_there: i64 = store
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM photos WHERE path >= ?1 AND path < ?2",
                params![to_from, to_to],
                |r| r.get(0),
            )
            .map_err(sql_error(store))?;
        if known_there > 0 {
            return refused(format!(
                "the library has {} in {} already (it lies in another of its photo \
                 folders): if the photos of {} are there, those are they (as copies, with \
                 their names) — remove {} instead",
                crate::text::count(known_there as usize, "photo", "photos"),
                to.display(),
                root.path.display(),
                root.path.display()
            ));
        }
        let old = path_text::to_text(&root.path).into_owned();
        let new = path_text::to_text(to).into_owned();
        let (from, until) = path_range(&root.path);
        // SQLite's length() and substr() count characters, so the part after the
        // folder's text is cut off whole.
        let moved = store
            .connection()
            .execute(
                "UPDATE photos SET path = ?3 || substr(path, length(?4) + 1)
                 WHERE path >= ?1 AND path < ?2",
                params![from, until, new, old],
            )
            .map_err(sql_error(store))?;
        for table in ["excluded_folders", "roots"] {
            store
                .connection()
                .execute(
                    &format!(
                        "UPDATE {table} SET path = ?3 || substr(path, length(?4) + 1)
                         WHERE path >= ?1 AND path < ?2"
                    ),
                    params![from, until, new, old],
                )
                .map_err(sql_error(store))?;
        }
        store
            .connection()
            .execute("UPDATE roots SET path = ?2 WHERE id = ?1", params![id, new])
            .map_err(sql_error(store))?;
        Ok(Relocation {
            from: root.path.clone(),
            photos: moved as u64,
        })
    }

    /// Where a photo folder not found at its path most likely is now: renamed within the
    /// folder that held it (the commonest way a folder goes), put in a folder beside it or
    /// taken out of the folder holding it, its name kept; or, one or two levels up,
    /// with a folder above it renamed or on a drive mounted under another name (a new disk the
    /// photos were copied to, `/media/anna/USB` come back as `USB1`). The place holding most
    /// of a sample of its photos, each under the same path within it and of the same size, at
    /// least half of them; the nearest level with such a place wins. None where no place
    /// does (a drive not connected, with no other holding its photos).
    pub fn likely_new_place(&self, id: RootId) -> Result<Option<NewPlace>, StoreError> {
        const SAMPLE: usize = 16;
        // The folder itself and two folders above it may have gone: a photo folder on a
        // drive (`/media/anna/USB/Photos`) is found again under `/media/anna/*/Photos`.
        const LEVELS: usize = 3;
        let roots = self.roots()?;
        let Some(root) = roots.iter().find(|r| r.id == id) else {
            return Ok(None);
        };
        if root.path.exists() {
            return Ok(None);
        }
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT path, size FROM photos WHERE root_id = ?1 AND status = 'done' LIMIT ?2",
            )
            .map_err(sql_error(self))?;
        let sample: Vec<(PathBuf, u64)> = stmt
            .query_map(params![id, SAMPLE as i64], |row| {
                Ok((path_text::column(row, 0)?, row.get::<_, i64>(1)? as u64))
            })
            .map_err(sql_error(self))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql_error(self))?
            .into_iter()
            .filter_map(|(path, size)| Some((path.strip_prefix(&root.path).ok()?.to_owned(), size)))
            .collect();
        if sample.is_empty() {
            return Ok(None);
        }
        let found_in = |dir: &Path| {
            let there = |(rel, size): &&(PathBuf, u64)| {
                std::fs::metadata(dir.join(rel)).is_ok_and(|m| m.is_file() && m.len() == *size)
            };
            // A place holding neither of the first two is passed over after two lookups: the
            // folder that held it may hold hundreds of others (a home folder), and the app
            // looks each time it refreshes its overview.
            if !sample.iter().take(2).any(|s| there(&s)) {
                return 0;
            }
            sample.iter().filter(there).count()
        };
        // `gone` is the folder, then a folder above it, that may have been renamed; `within`
        // the way from it down to the photo folder.
        let mut gone = root.path.as_path();
        let mut within = PathBuf::new();
        for _ in 0..LEVELS {
            let Some(above) = gone.parent().filter(|p| !p.as_os_str().is_empty()) else {
                break;
            };
            let Some(gone_name) = gone.file_name() else {
                break;
            };
            let at_the_folder = within.as_os_str().is_empty();
            // (likeness of its name to the gone folder's, place, how it went there)
            let mut places: Vec<(usize, PathBuf, HowItWent)> = Vec::new();
            if let Ok(entries) = std::fs::read_dir(above) {
                for entry in entries.filter_map(Result::ok) {
                    if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                        continue;
                    }
                    let likeness = common_start(&entry.file_name(), gone_name);
                    if at_the_folder {
                        // Put in a folder made beside it, its name kept (`Pictures/2019`
                        // tidied into `Pictures/Archive`).
                        let put_in = entry.path().join(gone_name);
                        if put_in.is_dir() {
                            places.push((0, put_in, HowItWent::MovedNearby));
                        }
                        places.push((likeness, entry.path(), HowItWent::Renamed));
                    } else {
                        places.push((
                            likeness,
                            entry.path().join(&within),
                            HowItWent::FolderAboveRenamed,
                        ));
                    }
                }
            }
            if at_the_folder && let Some(up) = above.parent().filter(|p| !p.as_os_str().is_empty())
            {
                // Taken out of the folder holding it (`Pictures/Archive/2019` back to
                // `Pictures/2019`).
                places.push((0, up.join(gone_name), HowItWent::MovedNearby));
            }
            let best = places
                .into_iter()
                .filter(|(_, place, _)| {
                    *place != root.path && !roots.iter().any(|r| r.path == *place)
                })
                .map(|(likeness, path, how)| (found_in(&path), likeness, NewPlace { path, how }))
                // Where two places hold as many (the drive back as `USB1`, and a backup
                // drive), the one named most like the gone folder.
                .max_by_key(|(found, likeness, _)| (*found, *likeness))
                .filter(|(found, _, _)| *found > 0 && 2 * found >= sample.len());
            if let Some((_, _, place)) = best {
                return Ok(Some(place));
            }
            // (Joined with an empty path, a path would end in a separator.)
            within = match at_the_folder {
                true => PathBuf::from(gone_name),
                false => Path::new(gone_name).join(within),
            };
            gone = above;
        }
        Ok(None)
    }

    /// Forgets the photos of a folder that scans found gone (deleted, or moved out of the
    /// library's folders), with their faces, for good: to tidy up after photos deleted on
    /// purpose. A left-out subfolder's photos stay (put aside, not gone), and so do names:
    /// of the people those faces were in, only one nobody named and no face is left in goes.
    /// Says how many photos and faces went.
    pub fn forget_missing(&mut self, root: RootId) -> Result<LeftOut, StoreError> {
        self.in_transaction(|store| {
            let put_aside: Vec<PathBuf> = store
                .excluded_folders()?
                .into_iter()
                .filter(|e| e.root == root)
                .map(|e| e.path)
                .collect();
            let gone: Vec<PhotoId> = {
                let mut stmt = store
                    .connection()
                    .prepare(
                        "SELECT id, path FROM photos WHERE root_id = ?1 AND status = 'missing'",
                    )
                    .map_err(sql_error(store))?;
                let rows = stmt
                    .query_map([root], |row| Ok((row.get(0)?, path_text::column(row, 1)?)))
                    .map_err(sql_error(store))?;
                let rows: Vec<(PhotoId, PathBuf)> =
                    rows.collect::<Result<_, _>>().map_err(sql_error(store))?;
                rows.into_iter()
                    .filter(|(_, path)| !put_aside.iter().any(|folder| path.starts_with(folder)))
                    .map(|(id, _)| id)
                    .collect()
            };
            let mut forgotten = LeftOut::default();
            let mut persons = std::collections::BTreeSet::new();
            for &photo in &gone {
                let mut stmt = store
                    .connection()
                    .prepare_cached(
                        "SELECT f.id, a.person_id FROM faces f
                           LEFT JOIN face_assignments a ON a.face_id = f.id
                          WHERE f.photo_id = ?1",
                    )
                    .map_err(sql_error(store))?;
                let faces = stmt
                    .query_map([photo], |row| row.get::<_, Option<i64>>(1))
                    .map_err(sql_error(store))?;
                for person in faces {
                    forgotten.faces += 1;
                    persons.extend(person.map_err(sql_error(store))?);
                }
                drop(stmt);
                store
                    .connection()
                    .execute("DELETE FROM photos WHERE id = ?1", [photo])
                    .map_err(sql_error(store))?;
                forgotten.photos += 1;
            }
            for person in persons {
                let unnamed = store.person_row(person)?.is_some_and(|p| p.name.is_none());
                if unnamed {
                    store.delete_person_if_unused(person)?;
                }
            }
            Ok(forgotten)
        })
    }

    /// Leaves a subfolder of a photo folder out of the library: scans no longer look into
    /// it, and its photos leave People at once (kept as missing photos with their faces and
    /// names, as a removed folder's are, until the subfolder is taken back in).
    pub fn exclude_folder(&mut self, path: &Path) -> Result<LeftOut, StoreError> {
        self.in_transaction(|store| store.exclude_folder_in_tx(path))
            .map(|exclusion| exclusion.left_out)
    }

    /// [`Store::exclude_folder`] inside a transaction the caller manages (the people log
    /// records it for undo in the same one); says which photos it took out, as they were.
    pub fn exclude_folder_in_tx(&mut self, path: &Path) -> Result<Exclusion, StoreError> {
        let store = self;
        let roots = store.roots()?;
        let Some(root) = innermost_root(&roots, path) else {
            return Err(StoreError::Refused {
                message: format!(
                    "{} is not inside any of the library's photo folders",
                    path.display()
                ),
            });
        };
        if root.path == path {
            return Err(StoreError::Refused {
                message: format!(
                    "{} is a photo folder of the library: remove it instead of leaving it out",
                    path.display()
                ),
            });
        }
        if let Some(outer) = store
            .excluded_folders()?
            .into_iter()
            .find(|e| path.starts_with(&e.path))
        {
            return Err(StoreError::Refused {
                message: format!(
                    "{} is already left out of the library",
                    outer.path.display()
                ),
            });
        }
        store
            .connection()
            .execute(
                "INSERT INTO excluded_folders (path, root_id, added_at) VALUES (?1, ?2, ?3)",
                params![path_text::to_text(path), root.id, now_secs()],
            )
            .map_err(sql_error(store))?;
        let (from, to) = path_range(path);
        let photos: Vec<(PhotoId, String)> = store
            .present_photos("path >= ?1 AND path < ?2", params![from, to])?
            .into_iter()
            .filter(|(_, p, _)| p.starts_with(path))
            .map(|(id, _, status)| (id, status))
            .collect();
        let inside: Vec<PhotoId> = photos.iter().map(|(id, _)| *id).collect();
        let left_out = store.mark_left_out(&inside)?;
        Ok(Exclusion { left_out, photos })
    }

    /// Undoes [`Store::exclude_folder_in_tx`]: the folder is taken back in (unless it already
    /// was) and the photos it took out get their status back — those still missing; no scan
    /// is needed to see them in People again.
    pub fn undo_exclusion_in_tx(
        &mut self,
        path: &Path,
        photos: &[(PhotoId, String)],
    ) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "DELETE FROM excluded_folders WHERE path = ?1",
                [path_text::to_text(path)],
            )
            .map_err(sql_error(self))?;
        let mut restore = self
            .connection()
            .prepare(
                "UPDATE photos SET status = ?2, missing_since = NULL
                 WHERE id = ?1 AND status = 'missing'",
            )
            .map_err(sql_error(self))?;
        for (id, status) in photos {
            restore
                .execute(params![id, status])
                .map_err(sql_error(self))?;
        }
        Ok(())
    }

    /// Takes a left-out subfolder back into the library; the next scan finds its photos
    /// again, with their faces, names and corrections, without analysing them again.
    pub fn include_folder(&mut self, path: &Path) -> Result<(), StoreError> {
        let n = self
            .connection()
            .execute(
                "DELETE FROM excluded_folders WHERE path = ?1",
                [path_text::to_text(path)],
            )
            .map_err(sql_error(self))?;
        if n == 0 {
            return Err(StoreError::Refused {
                message: format!("{} is not a left-out folder", path.display()),
            });
        }
        Ok(())
    }

    /// The subfolders left out of the library, by path.
    pub fn excluded_folders(&self) -> Result<Vec<ExcludedFolder>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT root_id, path FROM excluded_folders ORDER BY path")
            .map_err(sql_error(self))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, path_text::column(row, 1)?)))
            .map_err(sql_error(self))?;
        let folders: Vec<(RootId, PathBuf)> =
            rows.collect::<Result<_, _>>().map_err(sql_error(self))?;
        let mut count = self
            .connection()
            .prepare(
                "SELECT COUNT(*) FROM photos WHERE status = 'missing' AND path >= ?1 AND path < ?2",
            )
            .map_err(sql_error(self))?;
        folders
            .into_iter()
            .map(|(root, path)| {
                let (from, to) = path_range(&path);
                let photos: i64 = count
                    .query_row(params![from, to], |r| r.get(0))
                    .map_err(sql_error(self))?;
                Ok(ExcludedFolder {
                    root,
                    path,
                    photos: photos as u64,
                })
            })
            .collect()
    }

    /// Every folder under a photo folder that holds analysed photos (directly or deeper), by
    /// path, with the photos and faces under it: what the user chooses from to leave out.
    pub fn subfolder_summaries(&self, root: RootId) -> Result<Vec<SubfolderSummary>, StoreError> {
        let root_path: Option<String> = self
            .connection()
            .query_row("SELECT path FROM roots WHERE id = ?1", [root], |r| r.get(0))
            .optional()
            .map_err(sql_error(self))?;
        let Some(root_path) = root_path.map(|text| path_text::from_text(&text)) else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT p.path, (SELECT COUNT(*) FROM faces f WHERE f.photo_id = p.id)
                 FROM photos p WHERE p.root_id = ?1 AND p.status = 'done'",
            )
            .map_err(sql_error(self))?;
        let rows = stmt
            .query_map([root], |row| {
                Ok((path_text::column(row, 0)?, row.get::<_, i64>(1)?))
            })
            .map_err(sql_error(self))?;
        let mut folders: BTreeMap<PathBuf, (u64, u64)> = BTreeMap::new();
        for row in rows {
            let (path, faces) = row.map_err(sql_error(self))?;
            let mut folder = path.parent();
            while let Some(dir) = folder.filter(|d| d.starts_with(&root_path) && *d != root_path) {
                let counts = folders.entry(dir.to_path_buf()).or_default();
                counts.0 += 1;
                counts.1 += faces as u64;
                folder = dir.parent();
            }
        }
        let mut folders: Vec<(PathBuf, (u64, u64))> = folders.into_iter().collect();
        folders.sort_by(|a, b| folder_order(&a.0, &b.0));
        Ok(folders
            .into_iter()
            .map(|(path, (photos, faces))| SubfolderSummary {
                depth: path
                    .strip_prefix(&root_path)
                    .map_or(1, |rel| rel.components().count()),
                path,
                photos,
                faces,
            })
            .collect())
    }

    /// A folder's page: its photos and who is in them.
    pub fn folder_contents(&self, dir: &Path) -> Result<FolderContents, StoreError> {
        Ok(FolderContents {
            folder: dir.to_path_buf(),
            photos: self.photos_under(dir)?,
            persons: self.persons_under(dir)?,
        })
    }

    /// The persons seen in the analysed photos inside folder `dir` (at any depth), confirmed
    /// or suggested, with the number of those photos each is in: most photos first.
    pub fn persons_under(&self, dir: &Path) -> Result<Vec<(PersonId, u64)>, StoreError> {
        let (from, to) = path_range(dir);
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT DISTINCT a.person_id, p.id, p.path
                 FROM photos p JOIN faces f ON f.photo_id = p.id
                 JOIN face_assignments a ON a.face_id = f.id
                 WHERE p.path >= ?1 AND p.path < ?2 AND p.status = 'done'
                   AND a.person_id IS NOT NULL AND a.state IN ('confirmed', 'suggested')",
            )
            .map_err(sql_error(self))?;
        let rows = stmt
            .query_map([from, to], |row| {
                Ok((row.get::<_, PersonId>(0)?, path_text::column(row, 2)?))
            })
            .map_err(sql_error(self))?;
        let mut photos_of: BTreeMap<PersonId, u64> = BTreeMap::new();
        for row in rows {
            let (person, path) = row.map_err(sql_error(self))?;
            if path.starts_with(dir) {
                *photos_of.entry(person).or_default() += 1;
            }
        }
        let mut persons: Vec<(PersonId, u64)> = photos_of.into_iter().collect();
        persons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(persons)
    }

    /// Analysed and failed photos matching a condition on `photos`: (id, path, status).
    fn present_photos(
        &self,
        condition: &str,
        values: impl rusqlite::Params,
    ) -> Result<Vec<(PhotoId, PathBuf, String)>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "SELECT id, path, status FROM photos WHERE status != 'missing' AND {condition}"
            ))
            .map_err(sql_error(self))?;
        let rows = stmt
            .query_map(values, |row| {
                Ok((row.get(0)?, path_text::column(row, 1)?, row.get(2)?))
            })
            .map_err(sql_error(self))?;
        rows.collect::<Result<_, _>>().map_err(sql_error(self))
    }

    /// Marks photos missing (inside the caller's transaction) and says how many analysed
    /// photos and faces that took out of People.
    fn mark_left_out(&mut self, photos: &[PhotoId]) -> Result<LeftOut, StoreError> {
        let mut left_out = LeftOut::default();
        for &photo in photos {
            let (done, faces): (bool, i64) = self
                .connection()
                .query_row(
                    "SELECT status = 'done', (SELECT COUNT(*) FROM faces WHERE photo_id = ?1)
                     FROM photos WHERE id = ?1",
                    [photo],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(sql_error(self))?;
            if done {
                left_out.photos += 1;
                left_out.faces += faces as u64;
            }
        }
        self.mark_missing_in_tx(photos)?;
        Ok(left_out)
    }

    /// The errors recorded for the photos of one folder: (photo id, path, reason).
    pub fn folder_errors(
        &self,
        root: RootId,
    ) -> Result<Vec<(PhotoId, PathBuf, String)>, StoreError> {
        let wrap = sql_error(self);
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT id, path, COALESCE(error, '') FROM photos
                 WHERE root_id = ?1 AND status = 'error' ORDER BY path",
            )
            .map_err(wrap)?;
        let rows = stmt
            .query_map(params![root], |row| {
                Ok((row.get(0)?, path_text::column(row, 1)?, row.get(2)?))
            })
            .map_err(wrap)?;
        rows.collect::<Result<_, _>>().map_err(wrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::geometry::Rect;
    use crate::library::people_store::{AssignmentRow, FaceState};
    use crate::library::store::PhotoAnalysis;
    use crate::library::store::PhotoStatus;
    use crate::library::store::tests::{analysis, native};

    fn add_photo(store: &mut Store, root: RootId, path: &str, faces: usize) -> PhotoId {
        let rects: Vec<Rect> = (0..faces as i64)
            .map(|i| Rect::new(i * 60, 0, i * 60 + 50, 50))
            .collect();
        let photo = crate::library::store::PhotoAnalysis {
            root_id: Some(root),
            ..analysis(path, path, &rects)
        };
        store.record_analysis(&photo).unwrap()
    }

    /// A faceless photo of `bytes` bytes the library knows at `rel` in `folder`, its photo
    /// folder `root`.
    fn known_photo(store: &mut Store, root: RootId, folder: &Path, rel: &str, bytes: u64) {
        let photo = crate::library::store::PhotoAnalysis {
            root_id: Some(root),
            size: bytes,
            ..analysis(&folder.join(rel).to_string_lossy(), rel, &[])
        };
        store.record_analysis(&photo).unwrap();
    }

    /// Puts the `k`-th face of `photo` in `person`, in `state`.
    fn give(store: &mut Store, photo: PhotoId, k: usize, person: PersonId, state: FaceState) {
        let face = store.faces_of_photo(photo).unwrap()[k].id;
        store
            .set_assignment(&AssignmentRow {
                face,
                person: Some(person),
                state,
                distance: None,
            })
            .unwrap();
    }

    fn status(store: &Store, id: PhotoId) -> PhotoStatus {
        store.photo(id).unwrap().unwrap().status
    }

    #[test]
    fn photos_in_which_no_face_was_found_are_listed_by_folder() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new(&native("/p"))).unwrap();
        let other = store.add_root(Path::new(&native("/q"))).unwrap();
        add_photo(&mut store, root, &native("/p/family.jpg"), 2);
        // Listed as a file manager lists them, capitals aside ("Sea" after "hills").
        let sea = add_photo(&mut store, root, &native("/p/Sea.jpg"), 0);
        let hills = add_photo(&mut store, root, &native("/p/hills.jpg"), 0);
        add_photo(&mut store, other, &native("/q/dog.jpg"), 0);
        // Left out with its subfolder, a photo is no longer among them.
        add_photo(&mut store, root, &native("/p/Scans/page.png"), 0);
        store
            .exclude_folder(Path::new(&native("/p/Scans")))
            .unwrap();
        let summaries = store.folder_summaries().unwrap();
        assert_eq!(
            summaries
                .iter()
                .map(|f| f.without_faces)
                .collect::<Vec<_>>(),
            [2, 1]
        );
        let listed: Vec<PhotoId> = store
            .photos_without_faces(root)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(listed, [hills, sea]);
        // A face drawn on one takes it off the list.
        store
            .in_transaction(|s| {
                s.add_face_in_tx(
                    sea,
                    &crate::library::store::NewFace::at(Rect::new(5, 5, 60, 60), [0.1; 128]),
                )
            })
            .unwrap();
        assert_eq!(store.folder_summaries().unwrap()[0].without_faces, 1);
    }

    /// A photo folder renamed or moved (to another drive): the library follows it, with
    /// everything under it, keeping every photo's id and so its faces and names.
    #[test]
    fn a_photo_folder_moved_elsewhere_is_followed_with_all_it_holds() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new(&native("/p/Family"))).unwrap();
        let phone = store
            .add_root(Path::new(&native("/p/Family/Phone")))
            .unwrap();
        let other = store.add_root(Path::new(&native("/p/Family 2"))).unwrap();
        let a = add_photo(&mut store, root, &native("/p/Family/a.jpg"), 2);
        let b = add_photo(&mut store, root, &native("/p/Family/2019/b.jpg"), 1);
        let c = add_photo(&mut store, phone, &native("/p/Family/Phone/c.jpg"), 1);
        let page = add_photo(&mut store, root, &native("/p/Family/Scans/page.png"), 0);
        // The folder beside it, whose name starts the same, is not part of it.
        let d = add_photo(&mut store, other, &native("/p/Family 2/d.jpg"), 1);
        add_photo(&mut store, other, &native("/p/Family 2/sub/e.jpg"), 1);
        store.mark_gone(&[b]).unwrap();
        store
            .exclude_folder(Path::new(&native("/p/Family/Scans")))
            .unwrap();
        let faces_of = |store: &Store, id| -> Vec<i64> {
            store
                .faces_of_photo(id)
                .unwrap()
                .iter()
                .map(|f| f.id)
                .collect()
        };
        let faces_of_a = faces_of(&store, a);

        let to = native("/media/disk/Family photos");
        assert_eq!(store.relocate_folder(root, Path::new(&to)).unwrap(), 4);
        let path_of = |store: &Store, id| store.photo(id).unwrap().unwrap().path;
        assert_eq!(path_of(&store, a), Path::new(&to).join("a.jpg"));
        assert_eq!(
            path_of(&store, b),
            Path::new(&to).join("2019").join("b.jpg")
        );
        assert_eq!(
            path_of(&store, c),
            Path::new(&to).join("Phone").join("c.jpg")
        );
        assert_eq!(
            path_of(&store, page),
            Path::new(&to).join("Scans").join("page.png")
        );
        assert_eq!(path_of(&store, d), Path::new(&native("/p/Family 2/d.jpg")));
        assert_eq!(
            status(&store, b),
            PhotoStatus::Missing,
            "found there by the next scan"
        );
        assert_eq!(faces_of(&store, a), faces_of_a);
        let roots: Vec<PathBuf> = store.roots().unwrap().into_iter().map(|r| r.path).collect();
        assert!(roots.contains(&PathBuf::from(&to)));
        assert!(roots.contains(&Path::new(&to).join("Phone")));
        assert_eq!(
            store.excluded_folders().unwrap()[0].path,
            Path::new(&to).join("Scans")
        );

        // Renamed beside where it was: found by its photos; one it shares a name with is not it.
        let dir = tempfile::tempdir().unwrap();
        let (old, new, decoy) = (
            dir.path().join("Family"),
            dir.path().join("Family 2003"),
            dir.path().join("Other"),
        );
        std::fs::create_dir_all(new.join("2019")).unwrap();
        std::fs::create_dir_all(&decoy).unwrap();
        let there = store.add_root(&old).unwrap();
        for (rel, bytes) in [("a.jpg", 3), ("2019/b.jpg", 5), ("c.jpg", 7)] {
            known_photo(&mut store, there, &old, rel, bytes);
            std::fs::write(new.join(rel), vec![0; bytes as usize]).unwrap();
            std::fs::write(decoy.join("a.jpg"), [0; 4]).unwrap();
        }
        let found = store.likely_new_place(there).unwrap().unwrap();
        assert_eq!(found.path.as_os_str(), new.as_os_str());
        assert_eq!(found.how, HowItWent::Renamed);
        std::fs::remove_file(new.join("a.jpg")).unwrap();
        std::fs::remove_file(new.join("c.jpg")).unwrap();
        assert_eq!(
            store.likely_new_place(there).unwrap(),
            None,
            "1 of 3 is not enough"
        );
        // Put in a folder made beside it, its name kept; and taken out again, one level up.
        let archived = dir.path().join("Archive").join("Family");
        std::fs::create_dir_all(&archived).unwrap();
        std::fs::rename(&new, &archived).unwrap();
        for (rel, bytes) in [("a.jpg", 3), ("c.jpg", 7)] {
            std::fs::write(archived.join(rel), vec![0; bytes as usize]).unwrap();
        }
        let found = store.likely_new_place(there).unwrap().unwrap();
        assert_eq!(found.path.as_os_str(), archived.as_os_str());
        assert_eq!(found.how, HowItWent::MovedNearby);
        let trip = dir.path().join("Albums").join("Trip");
        let taken_out = store.add_root(&trip).unwrap();
        std::fs::create_dir_all(dir.path().join("Albums")).unwrap();
        std::fs::create_dir_all(dir.path().join("Trip")).unwrap();
        for (rel, bytes) in [("a.jpg", 3), ("c.jpg", 7)] {
            known_photo(&mut store, taken_out, &trip, rel, bytes);
            std::fs::write(dir.path().join("Trip").join(rel), vec![0; bytes as usize]).unwrap();
        }
        let found = store.likely_new_place(taken_out).unwrap().unwrap();
        assert_eq!(found.path.as_os_str(), dir.path().join("Trip").as_os_str());
        assert_eq!(found.how, HowItWent::MovedNearby);
        // Its drive not connected: nothing found.
        assert_eq!(store.likely_new_place(root).unwrap(), None);

        // Its drive back under another name (`USB` left behind as an empty mount point, or
        // gone), or the photos copied to a new disk: found two levels up, the path within
        // the drive the same.
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        let (old, new) = (media.join("USB/DCIM"), media.join("USB1/DCIM"));
        std::fs::create_dir_all(media.join("USB")).unwrap();
        std::fs::create_dir_all(media.join("Backup/Music")).unwrap();
        std::fs::create_dir_all(new.join("2019")).unwrap();
        let on_drive = store.add_root(&old).unwrap();
        for (rel, bytes) in [("a.jpg", 3), ("2019/b.jpg", 5)] {
            known_photo(&mut store, on_drive, &old, rel, bytes);
            // Backup drives holding the same photos are not the drive come back.
            for drive in [&new, &media.join("Backup/DCIM"), &media.join("Spare/DCIM")] {
                std::fs::create_dir_all(drive.join("2019")).unwrap();
                std::fs::write(drive.join(rel), vec![0; bytes as usize]).unwrap();
            }
        }
        let found = store.likely_new_place(on_drive).unwrap().unwrap();
        assert_eq!(found.path.as_os_str(), new.as_os_str());
        assert_eq!(found.how, HowItWent::FolderAboveRenamed);
        std::fs::remove_dir(media.join("USB")).unwrap();
        assert_eq!(
            store.likely_new_place(on_drive).unwrap(),
            Some(NewPlace {
                path: new.clone(),
                how: HowItWent::FolderAboveRenamed
            })
        );
        // Beside where it was comes first: a copy on another drive is only a copy.
        let renamed = media.join("USB/Camera");
        std::fs::create_dir_all(renamed.join("2019")).unwrap();
        for (rel, bytes) in [("a.jpg", 3), ("2019/b.jpg", 5)] {
            std::fs::write(renamed.join(rel), vec![0; bytes as usize]).unwrap();
        }
        let found = store.likely_new_place(on_drive).unwrap().unwrap();
        assert_eq!(found.path.as_os_str(), renamed.as_os_str());
        assert_eq!(found.how, HowItWent::Renamed);

        // Where the library has photos already, or into itself: refused, nothing changed.
        for (place, why) in [
            (
                native("/p/Family 2"),
                "one of the library's photo folders already",
            ),
            (native("/p/Family 2/sub"), "the library has 1 photo in"),
            (format!("{to}{}x", std::path::MAIN_SEPARATOR), "inside"),
        ] {
            let refused = store.relocate_folder(root, Path::new(&place)).unwrap_err();
            assert!(refused.to_string().contains(why), "{refused}");
        }
        assert_eq!(path_of(&store, a), Path::new(&to).join("a.jpg"));
    }

    /// Photos deleted on purpose are forgotten with their faces; photos put aside with a
    /// subfolder, photos still there and names stay.
    #[test]
    fn forgetting_a_folders_missing_photos_keeps_what_is_put_aside_and_names() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new(&native("/p"))).unwrap();
        let deleted = add_photo(&mut store, root, &native("/p/deleted.jpg"), 2);
        let named_there = add_photo(&mut store, root, &native("/p/named.jpg"), 1);
        let here = add_photo(&mut store, root, &native("/p/here.jpg"), 1);
        let aside = add_photo(&mut store, root, &native("/p/Scans/page.png"), 1);
        store
            .exclude_folder(Path::new(&native("/p/Scans")))
            .unwrap();
        let anna = store.insert_person(Some("Anna")).unwrap();
        let stranger = store.insert_person(None).unwrap();
        for (photo, person) in [(named_there, anna), (deleted, stranger), (here, anna)] {
            give(&mut store, photo, 0, person, FaceState::Confirmed);
        }
        store.mark_gone(&[deleted, named_there]).unwrap();
        assert_eq!(store.folder_summaries().unwrap()[0].missing, 2);

        let forgotten = store.forget_missing(root).unwrap();
        assert_eq!(
            forgotten,
            LeftOut {
                photos: 2,
                faces: 3
            }
        );
        assert_eq!(store.photo(deleted).unwrap(), None);
        assert_eq!(store.photo(named_there).unwrap(), None);
        assert_eq!(status(&store, here), PhotoStatus::Done);
        assert_eq!(status(&store, aside), PhotoStatus::Missing);
        assert_eq!(store.excluded_folders().unwrap()[0].photos, 1);
        assert_eq!(store.folder_summaries().unwrap()[0].missing, 0);
        assert!(store.person_row(anna).unwrap().is_some());
        assert_eq!(store.person_row(stranger).unwrap(), None);
        // Nothing missing: nothing to forget.
        assert_eq!(store.forget_missing(root).unwrap(), LeftOut::default());
    }

    /// A removed folder's photos had stayed in People, analysed and in no folder.
    #[test]
    fn a_removed_folder_takes_its_photos_out_of_people_but_keeps_their_faces() {
        let mut store = Store::open_in_memory().unwrap();
        let pictures = store.add_root(Path::new("/home/a/Pictures")).unwrap();
        let trip = store.add_root(Path::new("/home/a/Pictures/Trip")).unwrap();
        let other = store.add_root(Path::new("/home/a/Other")).unwrap();
        let beach = add_photo(&mut store, pictures, "/home/a/Pictures/beach.jpg", 2);
        // Scanned last through the outer folder, but also inside `Trip`.
        let in_trip = add_photo(&mut store, pictures, "/home/a/Pictures/Trip/1.jpg", 1);
        let elsewhere = add_photo(&mut store, other, "/home/a/Other/x.jpg", 1);

        let left_out = store.remove_folder(pictures).unwrap();
        assert_eq!(
            left_out,
            LeftOut {
                photos: 1,
                faces: 2
            }
        );
        assert_eq!(status(&store, beach), PhotoStatus::Missing);
        assert_eq!(store.faces_of_photo(beach).unwrap().len(), 2);
        assert_eq!(status(&store, in_trip), PhotoStatus::Done);
        assert_eq!(store.photo(in_trip).unwrap().unwrap().root_id, Some(trip));
        assert_eq!(status(&store, elsewhere), PhotoStatus::Done);
        let roots: Vec<RootId> = store.roots().unwrap().iter().map(|r| r.id).collect();
        assert_eq!(roots, vec![other, trip]);
        assert_eq!(store.status_counts().unwrap().photos_done, 2);

        assert!(matches!(
            store.remove_folder(pictures),
            Err(StoreError::UnknownId { .. })
        ));
    }

    #[test]
    fn a_left_out_subfolder_leaves_people_until_taken_back_in() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new(&native("/p"))).unwrap();
        let shots = add_photo(&mut store, root, &native("/p/Screenshots/a.png"), 3);
        let deeper = add_photo(&mut store, root, &native("/p/Screenshots/2024/b.png"), 1);
        // A name that merely starts the same is another folder.
        let look_alike = add_photo(&mut store, root, &native("/p/Screenshots 2/c.png"), 1);
        let kept = add_photo(&mut store, root, &native("/p/Family/d.jpg"), 2);

        let left_out = store
            .exclude_folder(Path::new(&native("/p/Screenshots")))
            .unwrap();
        assert_eq!(
            left_out,
            LeftOut {
                photos: 2,
                faces: 4
            }
        );
        for id in [shots, deeper] {
            assert_eq!(status(&store, id), PhotoStatus::Missing);
        }
        for id in [look_alike, kept] {
            assert_eq!(status(&store, id), PhotoStatus::Done);
        }
        assert_eq!(
            store.excluded_folders().unwrap(),
            vec![ExcludedFolder {
                root,
                path: PathBuf::from(&native("/p/Screenshots")),
                photos: 2,
            }]
        );
        assert_eq!(store.folder_summaries().unwrap()[0].missing, 0);

        let refused = |store: &mut Store, path: &str| match store.exclude_folder(Path::new(path)) {
            Err(StoreError::Refused { message }) => message,
            other => panic!("{path}: {other:?}"),
        };
        assert!(refused(&mut store, &native("/p/Screenshots/2024")).contains("already left out"));
        assert!(refused(&mut store, &native("/p/Screenshots")).contains("already left out"));
        assert!(refused(&mut store, &native("/p")).contains("remove it instead"));
        assert!(refused(&mut store, &native("/elsewhere/x")).contains("not inside"));

        store
            .include_folder(Path::new(&native("/p/Screenshots")))
            .unwrap();
        assert!(store.excluded_folders().unwrap().is_empty());
        assert!(matches!(
            store.include_folder(Path::new(&native("/p/Screenshots"))),
            Err(StoreError::Refused { .. })
        ));
        // Adding a left-out folder as a photo folder of its own takes it back in.
        store
            .exclude_folder(Path::new(&native("/p/Screenshots")))
            .unwrap();
        let own = store
            .add_root(Path::new(&native("/p/Screenshots")))
            .unwrap();
        assert_ne!(own, root);
        assert!(store.excluded_folders().unwrap().is_empty());
        // Removing the photo folder forgets what was left out of it.
        store
            .exclude_folder(Path::new(&native("/p/Family")))
            .unwrap();
        store.remove_folder(root).unwrap();
        assert!(store.excluded_folders().unwrap().is_empty());
    }

    /// Regression: removing a photo folder inside another (`~/Pictures/Phone` inside
    /// `~/Pictures`) forgot what was left out of it, so the next scan of the outer folder took
    /// `Phone/WhatsApp` back into People, unasked.
    #[test]
    fn what_was_left_out_of_a_removed_inner_folder_stays_left_out_of_the_outer() {
        let mut store = Store::open_in_memory().unwrap();
        let outer = store.add_root(Path::new(&native("/p"))).unwrap();
        let inner = store.add_root(Path::new(&native("/p/Phone"))).unwrap();
        store
            .record_analysis(&PhotoAnalysis {
                root_id: Some(inner),
                ..PhotoAnalysis::new(native("/p/Phone/WhatsApp/a.jpg"), 100, 100, Vec::new())
            })
            .unwrap();
        let whatsapp = PathBuf::from(native("/p/Phone/WhatsApp"));
        store.exclude_folder(&whatsapp).unwrap();
        assert_eq!(store.excluded_folders().unwrap()[0].root, inner);
        store.remove_folder(inner).unwrap();
        let excluded = store.excluded_folders().unwrap();
        assert_eq!(
            (excluded.len(), excluded[0].root, &excluded[0].path),
            (1, outer, &whatsapp)
        );
    }

    #[test]
    fn subfolders_count_the_photos_and_faces_beneath_them() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new("/p")).unwrap();
        add_photo(&mut store, root, "/p/top.jpg", 1);
        add_photo(&mut store, root, "/p/2023/a.jpg", 2);
        add_photo(&mut store, root, "/p/2023/June/b.jpg", 1);
        add_photo(&mut store, root, "/p/2023 scans/c.jpg", 0);
        let summary: Vec<(String, usize, u64, u64)> = store
            .subfolder_summaries(root)
            .unwrap()
            .into_iter()
            .map(|s| (s.path.display().to_string(), s.depth, s.photos, s.faces))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/p/2023".into(), 1, 2, 3),
                ("/p/2023/June".into(), 2, 1, 1),
                ("/p/2023 scans".into(), 1, 1, 0),
            ]
        );
        assert!(store.subfolder_summaries(root + 100).unwrap().is_empty());
    }

    #[test]
    fn folders_are_listed_as_a_file_manager_lists_them() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new("/p")).unwrap();
        for path in [
            "/p/trip 10/a.jpg",
            "/p/Trip 2/a.jpg",
            "/p/AJ_Cook/a.jpg",
            "/p/Abdul/a.jpg",
            "/p/Abdul/zoo/a.jpg",
            "/p/Abdul 2/a.jpg",
            "/p/abdul/a.jpg",
        ] {
            add_photo(&mut store, root, path, 0);
        }
        let listed: Vec<String> = store
            .subfolder_summaries(root)
            .unwrap()
            .into_iter()
            .map(|s| s.path.display().to_string())
            .collect();
        assert_eq!(
            listed,
            [
                "/p/Abdul",
                "/p/Abdul/zoo",
                "/p/abdul",
                "/p/Abdul 2",
                "/p/AJ_Cook",
                "/p/Trip 2",
                "/p/trip 10",
            ]
        );
        assert_eq!(natural_order("IMG_007", "IMG_7"), "IMG_007".cmp("IMG_7"));
        assert_eq!(natural_order("a9", "a10"), Ordering::Less);
        assert_eq!(natural_order("a", "a1"), Ordering::Less);
    }

    #[test]
    fn a_folders_page_lists_its_photos_and_the_people_in_them() {
        let mut store = Store::open_in_memory().unwrap();
        let root = store.add_root(Path::new(&native("/p"))).unwrap();
        let beach = add_photo(&mut store, root, &native("/p/2023/beach.jpg"), 2);
        let hills = add_photo(&mut store, root, &native("/p/2023/June/hills.jpg"), 1);
        let sea = add_photo(&mut store, root, &native("/p/2023/sea.jpg"), 0);
        let elsewhere = add_photo(&mut store, root, &native("/p/2023 scans/c.jpg"), 1);
        let anna = store.insert_person(Some("Anna")).unwrap();
        let bob = store.insert_person(None).unwrap();
        give(&mut store, beach, 0, anna, FaceState::Confirmed);
        give(&mut store, beach, 1, bob, FaceState::Suggested);
        give(&mut store, hills, 0, anna, FaceState::Suggested);
        give(&mut store, elsewhere, 0, bob, FaceState::Confirmed);

        let dir = PathBuf::from(native("/p/2023"));
        let photos: Vec<PhotoId> = store
            .photos_under(&dir)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(photos, [beach, hills, sea], "as a file manager lists them");
        assert_eq!(store.persons_under(&dir).unwrap(), [(anna, 2), (bob, 1)]);
        // A face ignored puts no one there.
        give(&mut store, elsewhere, 0, bob, FaceState::Ignored);
        let scans = PathBuf::from(native("/p/2023 scans"));
        assert_eq!(store.photos_under(&scans).unwrap().len(), 1);
        assert!(store.persons_under(&scans).unwrap().is_empty());
    }

    #[test]
    fn summaries_count_per_folder() {
        let mut store = Store::open_in_memory().unwrap();
        let a = store.add_root(std::path::Path::new("/photos/a")).unwrap();
        let b = store.add_root(std::path::Path::new("/photos/b")).unwrap();
        store
            .record_error(
                Some(a),
                std::path::Path::new("/photos/a/bad.jpg"),
                3,
                1,
                "truncated",
                Some(1),
            )
            .unwrap();
        let summaries = store.folder_summaries().unwrap();
        assert_eq!(summaries.len(), 2);
        assert_eq!(summaries[0].id, a);
        assert_eq!(summaries[0].errors, 1);
        assert_eq!(summaries[1].id, b);
        assert_eq!(summaries[1].errors, 0);
        let errors = store.folder_errors(a).unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].2, "truncated");
    }
}
