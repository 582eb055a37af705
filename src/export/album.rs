//! Albums: the photos of one or more persons copied, hard-linked or symlinked into a folder,
//! safely. [`plan`] decides every destination (reading the disk, writing nothing), so a dry
//! run shows exactly what [`execute`] will do; `execute` carries the plan out with progress
//! events and a cancel switch, and records it in a manifest in the target folder.
//!
//! A photo the user turned in Kindred goes into the album turned ([`upright`]): as a copy even
//! when links were asked for, since a link shows the file as it is.
//!
//! Safety rules: a file that is already there is never overwritten (a different file makes
//! the new one take a numbered suffix, an identical one is skipped, which makes re-running an
//! export cheap and idempotent), but for Kindred's own copy of a photo the user has turned
//! since, which holds nothing the photo's file does not and is replaced by the copy turned
//! anew. Copies are written to a temporary name and renamed into place, so an export killed
//! at any moment leaves no half-written photo under a real name and simply resumes when run
//! again. Names that differ only in letter case count as the
//! same name on every disk, so an album looks the same made on Linux or on Windows.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::names;
use super::upright::{self, UprightCopy};
use crate::library::export_store::{PersonInfo, PhotoSelection};
use crate::library::store::{MayTellOfDamage, PersonId, PhotoRecord, Store, StoreError};
use crate::library::turn::Turn;

/// The manifest every export leaves in its target folder; scans pass over a folder holding it.
pub const MANIFEST_NAME: &str = crate::library::walk::ALBUMS_MANIFEST;

/// Suffix of the temporary files copies are written to before being renamed into place.
const TEMP_SUFFIX: &str = ".kindred-part";

/// How a photo gets into the album.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// An independent copy (safe to give away; costs disk space).
    #[default]
    Copy,
    /// A second name for the same file (no extra space; same file system only, else the
    /// photo is copied and the fallback reported).
    Hardlink,
    /// A symbolic link to the original (breaks if the original moves).
    Symlink,
}

/// Where in the album a photo goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `<Person>/<file name>`.
    #[default]
    Flat,
    /// `<Person>/<YYYY>/<YYYY-MM-DD file name>`, by the date the photo was taken (its file's
    /// modification date when it has none).
    ByYear,
}

/// What to export, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    pub persons: Vec<PersonId>,
    pub target: PathBuf,
    pub mode: Mode,
    pub layout: Layout,
    /// Any vs all together, suggested faces, hidden persons.
    pub selection: PhotoSelection,
}

/// What will happen to one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The photo will be copied or linked there.
    Create,
    /// The same photo is already there (an earlier export): nothing to do.
    AlreadyThere,
    /// The original photo is not there (on a drive not connected, moved or deleted since the
    /// last scan); it will be reported and left out.
    SourceMissing,
}

/// One photo going to one place in the album.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedItem {
    pub source: PathBuf,
    /// Full path of the destination, inside the plan's target.
    pub destination: PathBuf,
    /// The names of the chosen persons seen in the photo.
    pub people: Vec<String>,
    pub action: Action,
    /// The destination got a numbered suffix because its name was taken.
    pub renamed: bool,
    /// What goes there: the photo's file, or a copy of it turned as in Kindred.
    pub content: Content,
    /// The destination holds what an earlier export made of this photo otherwise, which this
    /// one replaces: its copy turned otherwise (before the user turned it, turned it again or
    /// turned it back), a shortcut to it where a copy or link is wanted, or a shortcut
    /// leading nowhere since its folder moved.
    pub replaces: bool,
}

/// What an album holds of one photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// The photo's file, copied or linked as the export's mode says.
    File,
    /// A copy of the photo turned as the user turned it in Kindred, whatever the mode.
    Turned(Turn),
    /// The photo is turned in Kindred, but its copy cannot be (its format): its file as it is.
    Sideways { reason: String },
}

/// Everything an export will do; see [`plan`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportPlan {
    pub target: PathBuf,
    pub mode: Mode,
    /// (person, album folder name) for each chosen person; with `together` every person maps
    /// to the one shared folder.
    pub folders: Vec<(PersonId, String)>,
    pub items: Vec<PlannedItem>,
    /// Photos left out because they are byte-for-byte copies of one that goes into the album
    /// (a backup folder, an import made twice): (the copy, the photo exported instead).
    pub identical_copies: Vec<(PathBuf, PathBuf)>,
}

impl ExportPlan {
    pub fn count(&self, action: Action) -> usize {
        self.items.iter().filter(|i| i.action == action).count()
    }

    /// The copies to make turned as the user turned their photos in Kindred.
    pub fn turned(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.action == Action::Create && matches!(i.content, Content::Turned(_)))
            .count()
    }

    /// The photos turned in Kindred that go in as their files show them.
    pub fn sideways(&self) -> usize {
        self.items
            .iter()
            .filter(|i| {
                i.action != Action::SourceMissing && matches!(i.content, Content::Sideways { .. })
            })
            .count()
    }

    /// The folder to show the user afterwards: the album's own when every photo goes into one
    /// (one person, or several together), else the target holding each person's.
    pub fn album_folder(&self) -> PathBuf {
        let mut names = self.folders.iter().map(|(_, folder)| folder);
        match names.next() {
            Some(first) if names.all(|other| other == first) => self.target.join(first),
            _ => self.target.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no person with id or name {0:?}")]
    UnknownPerson(String),
    #[error("several people are named {name:?} (ids {ids}); choose one by id")]
    AmbiguousPerson { name: String, ids: String },
    #[error("{0} is hidden; include hidden people to export them")]
    HiddenPerson(String),
    #[error("no people chosen to export")]
    NoPersons,
    #[error(
        "none of the {} to export is there: on a drive not connected, or moved or deleted? \
         Nothing was written",
        crate::text::count(*.0, "photo", "photos")
    )]
    NothingThere(usize),
    #[error("cannot write into the target folder {}: {source}", path.display())]
    TargetNotWritable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot make shortcuts (symbolic links) in {}: {source}{}. Nothing was written; \
         export copies there instead",
        path.display(),
        why_no_symlink(source)
    )]
    NoSymlinksThere {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no free name for {} after {MAX_SUFFIX} tries", path.display())]
    NoFreeName { path: PathBuf },
}

impl MayTellOfDamage for ExportError {
    fn is_damage(&self) -> bool {
        matches!(self, ExportError::Store(e) if e.is_damage())
    }
}

const MAX_SUFFIX: u32 = 10_000;

/// Resolves what the user typed (ids or names) to persons. A name shared by several
/// persons is refused rather than guessed.
pub fn resolve_persons(store: &Store, keys: &[String]) -> Result<Vec<PersonInfo>, ExportError> {
    let mut out: Vec<PersonInfo> = Vec::new();
    for key in keys {
        let matches = store.persons_matching(key)?;
        let person = match matches.len() {
            0 => return Err(ExportError::UnknownPerson(key.clone())),
            1 => matches.into_iter().next().ok_or(ExportError::NoPersons)?,
            _ => {
                return Err(ExportError::AmbiguousPerson {
                    name: key.clone(),
                    ids: matches
                        .iter()
                        .map(|p| p.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        };
        if !out.iter().any(|p| p.id == person.id) {
            out.push(person);
        }
    }
    Ok(out)
}

/// Decides every destination of an export, reading the library and the target folder but
/// writing nothing: this is the dry run.
pub fn plan(store: &Store, request: &ExportRequest) -> Result<ExportPlan, ExportError> {
    let mut persons: Vec<PersonInfo> = Vec::new();
    for &id in &request.persons {
        let person = store
            .export_person(id)?
            .ok_or_else(|| ExportError::UnknownPerson(id.to_string()))?;
        if person.hidden && !request.selection.include_hidden {
            return Err(ExportError::HiddenPerson(person.display_name()));
        }
        if !persons.iter().any(|p| p.id == id) {
            persons.push(person);
        }
    }
    if persons.is_empty() {
        return Err(ExportError::NoPersons);
    }
    let ids: Vec<PersonId> = persons.iter().map(|p| p.id).collect();
    let folders = folder_names(&persons, request.selection.together);
    let (photos, identical_copies) =
        without_identical_copies(store.photos_of_persons(&ids, request.selection)?, &ids);

    let mut reserved = HashSet::new();
    let mut on_disk = FolderListing::default();
    let made_before = MadeBefore::read(&request.target);
    let mut items = Vec::new();
    for entry in photos {
        let people: Vec<String> = entry
            .persons
            .iter()
            .filter_map(|id| persons.iter().find(|p| p.id == *id))
            .map(PersonInfo::display_name)
            .collect();
        let mut dirs: Vec<&str> = Vec::new();
        for person in &entry.persons {
            if let Some((_, folder)) = folders.iter().find(|(id, _)| id == person)
                && !dirs.contains(&folder.as_str())
            {
                dirs.push(folder);
            }
        }
        let source = entry.photo.path.clone();
        let source_ok = is_readable_file(&source);
        let (content, upright) = if source_ok {
            album_content(&source, entry.photo.turn)
        } else {
            (Content::File, None)
        };
        let wanted = Wanted {
            source: &source,
            mode: request.mode,
            upright: upright.as_deref(),
            made_before: &made_before,
        };
        for dir in dirs {
            let (sub, file_name) = album_place(&entry.photo, request.layout);
            let folder = request.target.join(dir).join(sub);
            let picked = if source_ok {
                match pick_destination(&folder, &file_name, &wanted, &reserved, &mut on_disk) {
                    // The photo cannot be read to compare with a file there: left for the
                    // export to try, which skips it with the reason.
                    Err(ExportError::Read { path, .. }) if path == source => {
                        Some((folder.join(&file_name), Placement::New, false))
                    }
                    picked => Some(picked?),
                }
            } else {
                None
            };
            let item = if let Some((destination, placement, renamed)) = picked {
                PlannedItem {
                    source: source.clone(),
                    destination,
                    people: people.clone(),
                    action: match placement {
                        Placement::AlreadyThere => Action::AlreadyThere,
                        Placement::New | Placement::Replace => Action::Create,
                    },
                    renamed,
                    content: content.clone(),
                    replaces: placement == Placement::Replace,
                }
            } else {
                PlannedItem {
                    source: source.clone(),
                    destination: folder.join(&file_name),
                    people: people.clone(),
                    action: Action::SourceMissing,
                    renamed: false,
                    content: content.clone(),
                    replaces: false,
                }
            };
            reserved.insert(fold_case(&item.destination));
            items.push(item);
        }
    }
    Ok(ExportPlan {
        target: request.target.clone(),
        mode: request.mode,
        folders,
        items,
        identical_copies,
    })
}

/// A photo that is still there to copy or link.
fn is_readable_file(path: &Path) -> bool {
    fs::metadata(path).map(|m| m.is_file()).unwrap_or(false)
}

/// What the album holds of the photo at `path` turned `turn` in Kindred, with the bytes of its
/// turned copy.
fn album_content(path: &Path, turn: Turn) -> (Content, Option<Vec<u8>>) {
    if turn == Turn::NONE {
        return (Content::File, None);
    }
    match fs::read(path) {
        Ok(file) => match upright::upright_copy(&file, turn) {
            UprightCopy::Turned(bytes) => (Content::Turned(turn), Some(bytes)),
            UprightCopy::AsFile(reason) => (Content::Sideways { reason }, None),
        },
        Err(e) => (
            Content::Sideways {
                reason: format!("it could not be read ({e})"),
            },
            None,
        ),
    }
}

/// What one destination of the album should hold.
struct Wanted<'a> {
    source: &'a Path,
    mode: Mode,
    /// The bytes of the photo's turned copy; None for its file, copied or linked by `mode`.
    upright: Option<&'a [u8]>,
    made_before: &'a MadeBefore,
}

/// What earlier exports made in an album folder, as its manifest lists them: every
/// destination (as the manifest writes it), and the turned copies: destination → (photo,
/// quarter turns).
#[derive(Debug, Default)]
struct MadeBefore {
    target: PathBuf,
    destinations: HashSet<String>,
    copies: HashMap<String, (String, u8)>,
}

impl MadeBefore {
    fn read(target: &Path) -> MadeBefore {
        let items = read_manifest(target)
            .map(|manifest| manifest.items)
            .unwrap_or_default();
        let destinations = items.iter().map(|item| item.destination.clone()).collect();
        let copies = items
            .into_iter()
            .filter_map(|item| Some((item.destination, (item.source, item.turned?))))
            .collect();
        MadeBefore {
            target: target.to_path_buf(),
            destinations,
            copies,
        }
    }

    /// Whether an earlier export put something at `dest`.
    fn lists(&self, dest: &Path) -> bool {
        self.destinations
            .contains(&relative_display(&self.target, dest))
    }

    /// The quarter turns of the copy of the photo at `source` an earlier export made at
    /// `dest`, if it made one there.
    fn made_at(&self, dest: &Path, source: &Path) -> Option<u8> {
        let (from, quarters) = self.copies.get(&relative_display(&self.target, dest))?;
        (*from == source.display().to_string()).then_some(*quarters)
    }
}

/// Whether `dest` holds the copy of the photo at `source` turned by `quarters`, exactly as
/// Kindred makes it: one changed since (turned in another app, say) is the user's.
fn holds_turned_copy(
    dest: &Path,
    dest_meta: &fs::Metadata,
    source: &Path,
    quarters: u8,
) -> Result<bool, ExportError> {
    if !dest_meta.is_file() {
        return Ok(false);
    }
    let file = fs::read(source).map_err(|e| ExportError::Read {
        path: source.to_path_buf(),
        source: e,
    })?;
    match upright::upright_copy(&file, Turn::clockwise(i64::from(quarters))) {
        UprightCopy::Turned(copy) => holds_bytes(dest, dest_meta, &copy),
        UprightCopy::AsFile(_) => Ok(false),
    }
}

/// One photo per content: of several copies with the same bytes, the first readable one
/// stays, showing everyone any of the copies shows; the others are returned as
/// (copy, photo kept).
fn without_identical_copies(
    photos: Vec<crate::library::export_store::PersonPhoto>,
    asked: &[PersonId],
) -> (
    Vec<crate::library::export_store::PersonPhoto>,
    Vec<(PathBuf, PathBuf)>,
) {
    let mut kept: Vec<crate::library::export_store::PersonPhoto> = Vec::new();
    let mut by_content: std::collections::HashMap<String, usize> = Default::default();
    let mut left_out: Vec<(PathBuf, usize)> = Vec::new();
    for entry in photos {
        let Some(hash) = entry.photo.content_hash.clone() else {
            kept.push(entry);
            continue;
        };
        let Some(&at) = by_content.get(&hash) else {
            by_content.insert(hash, kept.len());
            kept.push(entry);
            continue;
        };
        let first = &mut kept[at];
        for person in &entry.persons {
            if !first.persons.contains(person) {
                first.persons.push(*person);
            }
        }
        first
            .persons
            .sort_by_key(|p| asked.iter().position(|a| a == p));
        if !is_readable_file(&first.photo.path) && is_readable_file(&entry.photo.path) {
            let persons = std::mem::take(&mut first.persons);
            let earlier = std::mem::replace(first, entry);
            first.persons = persons;
            left_out.push((earlier.photo.path, at));
        } else {
            left_out.push((entry.photo.path, at));
        }
    }
    let copies = left_out
        .into_iter()
        .map(|(copy, at)| (copy, kept[at].photo.path.clone()))
        .collect();
    (kept, copies)
}

/// One folder per person, or one shared folder ("Anna & Bob") for photos of them together.
/// Two persons whose names make the same folder (on a case-insensitive disk) are told apart
/// by their ids.
fn folder_names(persons: &[PersonInfo], together: bool) -> Vec<(PersonId, String)> {
    if together && persons.len() > 1 {
        let joined = persons
            .iter()
            .map(PersonInfo::display_name)
            .collect::<Vec<_>>()
            .join(" & ");
        let folder = names::safe_folder_name(&joined, "Together");
        return persons.iter().map(|p| (p.id, folder.clone())).collect();
    }
    let mut used = HashSet::new();
    let mut out = Vec::new();
    for p in persons {
        let name = names::safe_folder_name(&p.display_name(), &format!("Person {}", p.id));
        // Told apart by the person's id; a name that is itself "Anna (7)" may need more.
        let mut folder = name.clone();
        let mut tries = 0;
        while !used.insert(fold_case(Path::new(&folder))) {
            tries += 1;
            folder = match tries {
                1 => format!("{name} ({})", p.id),
                n => format!("{name} ({}-{n})", p.id),
            };
        }
        out.push((p.id, folder));
    }
    out
}

/// The sub-folder (empty or the year) and the file name of a photo in an album.
fn album_place(photo: &PhotoRecord, layout: Layout) -> (PathBuf, String) {
    let original = photo
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "photo".to_string());
    let file_name = names::safe_file_name(&original);
    match layout {
        Layout::Flat => (PathBuf::new(), file_name),
        Layout::ByYear => {
            let (y, m, d) = photo_date(photo);
            (
                PathBuf::from(format!("{y:04}")),
                format!("{y:04}-{m:02}-{d:02} {file_name}"),
            )
        }
    }
}

/// The date a photo was taken (EXIF, "YYYY-MM-DD …"), else its file's modification date (UTC).
fn photo_date(photo: &PhotoRecord) -> (i64, u32, u32) {
    if let Some(date) = photo.taken_at.as_deref().and_then(parse_date) {
        return date;
    }
    crate::library::dates::civil_from_days(photo.mtime_ns.div_euclid(86_400 * 1_000_000_000))
}

fn parse_date(text: &str) -> Option<(i64, u32, u32)> {
    let y = text.get(0..4)?.parse::<i64>().ok()?;
    let m = text.get(5..7)?.parse::<u32>().ok()?;
    let d = text.get(8..10)?.parse::<u32>().ok()?;
    let separators = text.get(4..5)? == "-" || text.get(4..5)? == ":";
    (separators && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Paths compared as a case-insensitive, normalising disk (macOS, Windows) would.
fn fold_case(path: &Path) -> String {
    path.to_string_lossy().to_lowercase()
}

fn numbered(file_name: &str, k: u32) -> String {
    if k <= 1 {
        return file_name.to_string();
    }
    let (stem, ext) = names::split_extension(file_name);
    if ext.is_empty() {
        format!("{stem} ({k})")
    } else {
        format!("{stem} ({k}).{ext}")
    }
}

/// How a photo gets to its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    New,
    /// Over Kindred's copy of it turned otherwise.
    Replace,
    AlreadyThere,
}

/// The first of `name`, `name (2)`, `name (3)`, … in `folder` that is free, already holds
/// this photo or holds a copy of it to replace, skipping names other items of the export took
/// and names that differ only in case from a file already there.
fn pick_destination(
    folder: &Path,
    file_name: &str,
    wanted: &Wanted,
    reserved: &HashSet<String>,
    on_disk: &mut FolderListing,
) -> Result<(PathBuf, Placement, bool), ExportError> {
    for k in 1..=MAX_SUFFIX {
        let candidate = folder.join(numbered(file_name, k));
        if reserved.contains(&fold_case(&candidate)) || on_disk.holds_case_variant(&candidate) {
            continue;
        }
        let placement = match disk_state(&candidate, wanted)? {
            DiskState::Free => Placement::New,
            DiskState::Same => Placement::AlreadyThere,
            DiskState::Replaceable => Placement::Replace,
            DiskState::Different => continue,
        };
        return Ok((candidate, placement, k > 1));
    }
    Err(ExportError::NoFreeName {
        path: folder.join(file_name),
    })
}

/// The names in the album's folders, read once per folder, by their case-folded form. The
/// album follows one rule on every disk: names differing only in letter case collide, as they
/// do on Windows and macOS (and on the FAT stick the album may be copied to). A
/// case-sensitive disk would otherwise let `img (2).png` in beside someone's `IMG (2).png`.
#[derive(Default)]
struct FolderListing {
    folders: HashMap<PathBuf, HashMap<String, std::ffi::OsString>>,
}

impl FolderListing {
    /// Whether the folder holds a file whose name equals `path`'s but for letter case.
    fn holds_case_variant(&mut self, path: &Path) -> bool {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            return false;
        };
        let names = self.folders.entry(folder.to_path_buf()).or_insert_with(|| {
            // A folder that cannot be listed (not there yet, most often) holds nothing to
            // collide with; disk_state still looks at the exact name.
            fs::read_dir(folder)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| (fold_case(Path::new(&entry.file_name())), entry.file_name()))
                .collect()
        });
        names
            .get(&fold_case(Path::new(name)))
            .is_some_and(|actual| actual != name)
    }
}

enum DiskState {
    Free,
    /// Holds this very photo, as this mode would have put it there.
    Same,
    /// Holds Kindred's copy (or link) of this photo turned otherwise than it is now.
    Replaceable,
    Different,
}

fn disk_state(dest: &Path, wanted: &Wanted) -> Result<DiskState, ExportError> {
    let meta = match fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(DiskState::Free),
        // A parent is a file: nothing is there to collide with; writing will fail with a
        // clear error naming the folder.
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(DiskState::Free),
        Err(source) => {
            return Err(ExportError::Read {
                path: dest.to_path_buf(),
                source,
            });
        }
    };
    let source = wanted.source;
    let same = match (wanted.upright, wanted.mode) {
        (Some(upright), _) => meta.is_file() && holds_bytes(dest, &meta, upright)?,
        (None, Mode::Symlink) => links_to(dest, &meta, source),
        (None, Mode::Copy | Mode::Hardlink) => meta.is_file() && same_content(dest, &meta, source)?,
    };
    if same {
        return Ok(DiskState::Same);
    }
    // An album made in the photo's own folder (Anna's photos in ~/Pictures/Anna, exported to
    // ~/Pictures) meets the photo itself there: it is never replaced by a turned copy.
    if is_the_photo_itself(dest, &meta, source) {
        return Ok(DiskState::Different);
    }
    // A shortcut of the album's: to this photo, which is now to be copied or linked (an album
    // of shortcuts made again as copies, to give away); or one an earlier export made that
    // leads nowhere now, its photo's folder having moved (and been followed). Either would
    // otherwise stay, the photo beside it under a numbered name.
    if meta.file_type().is_symlink()
        && (links_to(dest, &meta, source)
            || (wanted.made_before.lists(dest) && fs::metadata(dest).is_err()))
    {
        return Ok(DiskState::Replaceable);
    }
    // Kindred's copy of the photo as it was turned before: the turned copy the manifest says
    // an earlier export made there, as it made it; else, for a turned photo, its file or (in
    // albums made before the manifest recorded turns) its copy at another turn.
    let replaceable = match (wanted.upright, wanted.made_before.made_at(dest, source)) {
        (_, Some(quarters)) => holds_turned_copy(dest, &meta, source, quarters)?,
        (Some(_), None) => holds_earlier_turn(dest, &meta, source)?,
        (None, None) => false,
    };
    Ok(if replaceable {
        DiskState::Replaceable
    } else {
        DiskState::Different
    })
}

/// Whether `dest` is not a link of the album's but the photo's own file: the same file,
/// reached through any folder links on the way.
fn is_the_photo_itself(dest: &Path, dest_meta: &fs::Metadata, source: &Path) -> bool {
    !dest_meta.file_type().is_symlink()
        && matches!(
            (fs::canonicalize(dest), fs::canonicalize(source)),
            (Ok(a), Ok(b)) if a == b
        )
}

fn links_to(dest: &Path, dest_meta: &fs::Metadata, source: &Path) -> bool {
    dest_meta.file_type().is_symlink()
        && fs::read_link(dest).is_ok_and(|target| target == absolute(source))
}

fn holds_bytes(dest: &Path, dest_meta: &fs::Metadata, bytes: &[u8]) -> Result<bool, ExportError> {
    if dest_meta.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let held = fs::read(dest).map_err(|source| ExportError::Read {
        path: dest.to_path_buf(),
        source,
    })?;
    Ok(held == bytes)
}

/// Whether `dest` holds the photo at `source` as an export before its latest turn left it: its
/// file (copied or linked, exported before the user turned it) or, for a JPEG or a TIFF
/// (turned by their orientation alone), its copy at any turn. Either holds nothing the photo's
/// file does not. (Where the manifest says which turned copy Kindred made, only that one is
/// replaced: see [`MadeBefore`].)
fn holds_earlier_turn(
    dest: &Path,
    dest_meta: &fs::Metadata,
    source: &Path,
) -> Result<bool, ExportError> {
    if links_to(dest, dest_meta, source) {
        return Ok(true);
    }
    if !dest_meta.is_file() {
        return Ok(false);
    }
    if same_content(dest, dest_meta, source)? {
        return Ok(true);
    }
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Read { path, source }
    };
    let source_len = fs::metadata(source).map_err(read_err(source))?.len();
    // A turned copy differs from its file by an EXIF block or an IFD, well under this.
    if dest_meta.len().abs_diff(source_len) > 16 * 1024 {
        return Ok(false);
    }
    let file = fs::read(source).map_err(read_err(source))?;
    if !upright::turns_by_orientation(&file) {
        return Ok(false);
    }
    let mut held: Option<Vec<u8>> = None;
    for quarters in 1..4 {
        let UprightCopy::Turned(copy) = upright::upright_copy(&file, Turn::clockwise(quarters))
        else {
            return Ok(false);
        };
        if copy.len() as u64 != dest_meta.len() {
            continue;
        }
        if held.is_none() {
            held = Some(fs::read(dest).map_err(read_err(dest))?);
        }
        if held.as_deref() == Some(&copy[..]) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Same file (a hard link), or same size and modification time (copies get the original's
/// time, as rsync judges), or else byte for byte equal.
fn same_content(dest: &Path, dest_meta: &fs::Metadata, source: &Path) -> Result<bool, ExportError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Read { path, source }
    };
    let src_meta = fs::metadata(source).map_err(read_err(source))?;
    if src_meta.len() != dest_meta.len() {
        return Ok(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if src_meta.dev() == dest_meta.dev() && src_meta.ino() == dest_meta.ino() {
            return Ok(true);
        }
    }
    if let (Ok(a), Ok(b)) = (src_meta.modified(), dest_meta.modified())
        && a == b
    {
        return Ok(true);
    }
    let mut a = io::BufReader::new(fs::File::open(source).map_err(read_err(source))?);
    let mut b = io::BufReader::new(fs::File::open(dest).map_err(read_err(dest))?);
    let mut buf_a = vec![0u8; 64 * 1024];
    let mut buf_b = vec![0u8; 64 * 1024];
    loop {
        let n = read_full(&mut a, &mut buf_a).map_err(read_err(source))?;
        let m = read_full(&mut b, &mut buf_b).map_err(read_err(dest))?;
        if n != m || buf_a[..n] != buf_b[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The temporary name a copy is written under before it is renamed to `dest`.
pub fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}{TEMP_SUFFIX}"))
}

/// The cancel switch a UI flips while an export runs; checked before every photo.
#[derive(Debug, Default)]
pub struct ExportControl {
    cancelled: AtomicBool,
}

impl ExportControl {
    pub fn new() -> Arc<Self> {
        Arc::new(ExportControl::default())
    }
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// Counts so far; sent at most about ten times a second, and once at the end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportProgress {
    pub total: u64,
    pub done: u64,
    pub created: u64,
    pub skipped: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExportEvent {
    Progress(ExportProgress),
    /// A link was impossible (another file system, or links unsupported): copied instead.
    CopiedInsteadOfLinked {
        destination: PathBuf,
        reason: String,
    },
    /// A destination name was taken after planning; the photo went to `destination` instead.
    Renamed {
        planned: PathBuf,
        destination: PathBuf,
    },
    /// This photo could not be exported; the others go on.
    Failed {
        source: PathBuf,
        reason: String,
    },
    /// This photo, turned in Kindred, is in the album as its file shows it.
    NotTurned {
        destination: PathBuf,
        reason: String,
    },
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportSummary {
    pub created: u64,
    /// Already there and identical.
    pub skipped: u64,
    /// (source, reason) of photos left out.
    pub failed: Vec<(PathBuf, String)>,
    /// Links that had to be copies.
    pub copied_instead_of_linked: u64,
    /// Copies made turned as the user turned the photo in Kindred (copies in every mode: a
    /// link shows the file as it is).
    pub turned: u64,
    /// Photos turned in Kindred that are in the album as their files show them.
    pub not_turned: u64,
    pub cancelled: bool,
    pub manifest: Option<PathBuf>,
    /// See [`ExportPlan::album_folder`].
    pub album_folder: PathBuf,
}

/// Carries out a plan: creates the album, reporting progress on `events` (a closed receiver
/// is fine) and stopping before the next photo once `control` is cancelled. Photos that
/// are not there are reported and skipped — unless none is, which writes nothing and is an
/// error; a target that cannot be written stops the export with an error. The manifest is
/// written even when cancelled, listing what is there.
pub fn execute(
    plan: &ExportPlan,
    events: Sender<ExportEvent>,
    control: &ExportControl,
) -> Result<ExportSummary, ExportError> {
    let not_there = plan.count(Action::SourceMissing);
    if not_there > 0 && not_there == plan.items.len() {
        return Err(ExportError::NothingThere(not_there));
    }
    check_writable(&plan.target, plan.mode)?;
    let mut summary = ExportSummary {
        album_folder: plan.album_folder(),
        ..Default::default()
    };
    let mut progress = ExportProgress {
        total: plan.items.len() as u64,
        ..Default::default()
    };
    let mut last_sent: Option<Instant> = None;
    let mut placed = ManifestJournal::new(&plan.target);
    let made_before = MadeBefore::read(&plan.target);
    let reserved: HashSet<String> = plan
        .items
        .iter()
        .map(|i| fold_case(&i.destination))
        .collect();
    for item in &plan.items {
        if control.is_cancelled() {
            summary.cancelled = true;
            break;
        }
        let outcome = match item.action {
            Action::SourceMissing => Err(
                "the photo is not there (on a drive not connected, or moved or deleted?)"
                    .to_string(),
            ),
            Action::AlreadyThere => {
                let _ = fs::remove_file(temp_path(&item.destination));
                Ok(Placed {
                    destination: item.destination.clone(),
                    created: false,
                    content: item.content.clone(),
                })
            }
            Action::Create => match place(
                plan.mode,
                item,
                &reserved,
                &made_before,
                &events,
                &mut summary,
            ) {
                Ok(outcome) => outcome,
                // Opened, but failed as it was read (a bad sector, a file a sync tool took
                // offline or away): one photo skipped, not the export stopped.
                Err(ExportError::Read { path, source }) if path == item.source => {
                    Err(format!("it could not be read ({source})"))
                }
                Err(e) => {
                    // Record what is already in place before giving up.
                    let _ = placed.write();
                    return Err(e);
                }
            },
        };
        match outcome {
            Ok(Placed {
                destination,
                created,
                content,
            }) => {
                if created {
                    summary.created += 1;
                    progress.created += 1;
                } else {
                    summary.skipped += 1;
                    progress.skipped += 1;
                }
                let turned = match content {
                    Content::Turned(turn) => Some(turn.quarters()),
                    _ => None,
                };
                match content {
                    Content::Turned(_) if created => summary.turned += 1,
                    Content::Sideways { reason } => {
                        summary.not_turned += 1;
                        let _ = events.send(ExportEvent::NotTurned {
                            destination: destination.clone(),
                            reason,
                        });
                    }
                    _ => {}
                }
                placed.record(
                    ManifestItem {
                        source: item.source.display().to_string(),
                        destination: relative_display(&plan.target, &destination),
                        people: item.people.clone(),
                        turned,
                    },
                    created,
                );
            }
            Err(reason) => {
                progress.failed += 1;
                let _ = events.send(ExportEvent::Failed {
                    source: item.source.clone(),
                    reason: reason.clone(),
                });
                summary.failed.push((item.source.clone(), reason));
            }
        }
        progress.done += 1;
        if last_sent.is_none_or(|t| t.elapsed() >= Duration::from_millis(100)) {
            last_sent = Some(Instant::now());
            let _ = events.send(ExportEvent::Progress(progress.clone()));
        }
    }
    let _ = events.send(ExportEvent::Progress(progress));
    summary.manifest = Some(placed.write()?);
    Ok(summary)
}

/// The manifest of an export under way, written as it goes: an export killed midway (the
/// app closed, the power cut) still lists what it made. That matters most for turned copies,
/// which differ from their photos — unlisted, the next export would take them for the user's
/// files and put the photo beside them again — so each new one is recorded at once.
struct ManifestJournal {
    target: PathBuf,
    items: Vec<ManifestItem>,
    last_written: Instant,
}

impl ManifestJournal {
    /// How long what else was placed may go unrecorded.
    const EVERY: Duration = Duration::from_secs(2);

    fn new(target: &Path) -> ManifestJournal {
        ManifestJournal {
            target: target.to_path_buf(),
            items: Vec::new(),
            last_written: Instant::now(),
        }
    }

    /// Adds a photo placed; `created` when written now rather than found already there.
    fn record(&mut self, item: ManifestItem, created: bool) {
        let new_turned_copy = created && item.turned.is_some();
        self.items.push(item);
        if new_turned_copy || self.last_written.elapsed() >= Self::EVERY {
            // A failure here shows again, and is reported, when the export ends.
            let _ = self.write();
        }
    }

    fn write(&mut self) -> Result<PathBuf, ExportError> {
        self.last_written = Instant::now();
        write_manifest(&self.target, &self.items)
    }
}

/// Creates the target folder if needed and proves it can be written — and, for shortcuts,
/// that it can hold symbolic links — so a read-only disk or a USB stick fails at once with the
/// folder's name rather than on the first photo, leaving no empty album behind.
fn check_writable(target: &Path, mode: Mode) -> Result<(), ExportError> {
    let fail = |source| ExportError::TargetNotWritable {
        path: target.to_path_buf(),
        source,
    };
    let created = folders_to_create(target);
    fs::create_dir_all(target).map_err(fail)?;
    let probe = target.join(format!(".kindred-write-test-{}", std::process::id()));
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .map_err(fail)?;
    fs::remove_file(&probe).map_err(fail)?;
    if mode == Mode::Symlink {
        prove_symlinks_possible(target, &created, make_symlink)?;
    }
    Ok(())
}

/// Makes a symbolic link in `target` and takes it away again; where that is refused, the
/// folders the export made (`created`) are taken away too.
fn prove_symlinks_possible(
    target: &Path,
    created: &[PathBuf],
    make_link: impl Fn(&Path, &Path) -> io::Result<()>,
) -> Result<(), ExportError> {
    let probe = target.join(format!(".kindred-link-test-{}", std::process::id()));
    // A dangling link is enough to learn whether the file system takes links at all.
    match make_link(&probe, &probe) {
        Ok(()) => fs::remove_file(&probe).map_err(|source| ExportError::TargetNotWritable {
            path: target.to_path_buf(),
            source,
        }),
        Err(source) => {
            for folder in created.iter().rev() {
                let _ = fs::remove_dir(folder);
            }
            Err(ExportError::NoSymlinksThere {
                path: target.to_path_buf(),
                source,
            })
        }
    }
}

/// The folders `create_dir_all(target)` would create, outermost first.
fn folders_to_create(target: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = target
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    missing
}

/// Why a symbolic link could not be made, in the user's terms where the file system is why.
fn why_no_symlink(e: &io::Error) -> &'static str {
    // On Windows the refusal is about privileges, which make_symlink's error already explains.
    if cfg!(unix) && refused_by_file_system(e) {
        " — its disk does not take them, as USB sticks and memory cards (FAT, exFAT) and some \
         network shares do not"
    } else {
        ""
    }
}

/// Why a hard link could not be made, in the user's terms.
fn why_not_hard_linked(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::CrossesDevices {
        "the album's folder is on another disk than the photos (a hard link stays on one disk)"
            .to_string()
    } else if e.kind() == io::ErrorKind::TooManyLinks {
        "the photo has as many hard links as its disk allows".to_string()
    } else if refused_by_file_system(e) {
        "the album's disk does not take hard links (USB sticks and memory cards formatted FAT or \
         exFAT, some network shares), or the system forbids linking these files"
            .to_string()
    } else {
        e.to_string()
    }
}

/// A link refused for the folder it was to go in, which was just proved writable: its file
/// system does not take links (FAT and exFAT answer EPERM or ENOSYS, some network shares
/// EOPNOTSUPP), or, for a hard link, the kernel's protected_hardlinks.
fn refused_by_file_system(e: &io::Error) -> bool {
    const LINUX_EOPNOTSUPP: i32 = 95;
    matches!(
        e.kind(),
        io::ErrorKind::Unsupported | io::ErrorKind::PermissionDenied
    ) || (cfg!(target_os = "linux") && e.raw_os_error() == Some(LINUX_EOPNOTSUPP))
}

/// Where a photo went, and as what.
struct Placed {
    destination: PathBuf,
    /// Written now, not found already there.
    created: bool,
    content: Content,
}

/// Puts one photo in place: Ok(Ok(placed)) when created or found already there,
/// Ok(Err(reason)) for a photo that cannot be opened (the export goes on); Err for a target
/// that cannot be written (the export stops) or a photo that fails as it is read.
fn place(
    mode: Mode,
    item: &PlannedItem,
    reserved: &HashSet<String>,
    made_before: &MadeBefore,
    events: &Sender<ExportEvent>,
    summary: &mut ExportSummary,
) -> Result<Result<Placed, String>, ExportError> {
    if let Err(e) = fs::File::open(&item.source) {
        return Ok(Err(e.to_string()));
    }
    // The photo is turned anew: it may have changed since the plan was made.
    let (content, upright) = match &item.content {
        Content::Turned(turn) => album_content(&item.source, *turn),
        other => (other.clone(), None),
    };
    let wanted = Wanted {
        source: &item.source,
        mode,
        upright: upright.as_deref(),
        made_before,
    };
    let folder = item.destination.parent().unwrap_or(Path::new(""));
    fs::create_dir_all(folder).map_err(|source| ExportError::Write {
        path: folder.to_path_buf(),
        source,
    })?;
    let placed = |destination, created| {
        Ok(Ok(Placed {
            destination,
            created,
            content: content.clone(),
        }))
    };
    let mut destination = item.destination.clone();
    // The disk may have changed since the plan was made (another export, the user).
    for _ in 0..3 {
        let placement = match disk_state(&destination, &wanted)? {
            DiskState::Free => Placement::New,
            DiskState::Replaceable => Placement::Replace,
            DiskState::Same => Placement::AlreadyThere,
            DiskState::Different => {
                let mut others = reserved.clone();
                others.remove(&fold_case(&item.destination));
                let name = item
                    .destination
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let (next, placement, _) = pick_destination(
                    folder,
                    &name,
                    &wanted,
                    &others,
                    &mut FolderListing::default(),
                )?;
                let _ = events.send(ExportEvent::Renamed {
                    planned: item.destination.clone(),
                    destination: next.clone(),
                });
                destination = next;
                placement
            }
        };
        if placement == Placement::AlreadyThere {
            return placed(destination, false);
        }
        let replace = placement == Placement::Replace;
        match write_one(&wanted, &destination, replace, events, summary) {
            Ok(()) => return placed(destination, true),
            // Lost a race for the name: look again.
            Err(ExportError::Write { source, .. })
                if source.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(ExportError::NoFreeName {
        path: item.destination.clone(),
    })
}

/// Writes what `wanted` says to `dest`, over what is there if `replace`.
fn write_one(
    wanted: &Wanted,
    dest: &Path,
    replace: bool,
    events: &Sender<ExportEvent>,
    summary: &mut ExportSummary,
) -> Result<(), ExportError> {
    let write_err = |source| ExportError::Write {
        path: dest.to_path_buf(),
        source,
    };
    let source = wanted.source;
    if let Some(upright) = wanted.upright {
        // The copy keeps the time it was made: it is not the photo's file, and an album
        // re-exported after the photo is turned back must not take it for one (see
        // same_content). In every mode a copy: a link shows the file as it is (the summary's
        // `turned` says how many).
        return via_temp(dest, replace, |temp| fs::write(temp, upright)).map_err(write_err);
    }
    match wanted.mode {
        Mode::Copy => copy_via_temp(source, dest, replace),
        Mode::Hardlink => {
            let linked = if replace {
                via_temp(dest, true, |temp| fs::hard_link(source, temp))
            } else {
                fs::hard_link(source, dest)
            };
            match linked {
                Ok(()) => Ok(()),
                Err(e)
                    if e.kind() == io::ErrorKind::CrossesDevices
                        || e.kind() == io::ErrorKind::TooManyLinks
                        || refused_by_file_system(&e) =>
                {
                    copy_via_temp(source, dest, replace)?;
                    summary.copied_instead_of_linked += 1;
                    let _ = events.send(ExportEvent::CopiedInsteadOfLinked {
                        destination: dest.to_path_buf(),
                        reason: why_not_hard_linked(&e),
                    });
                    Ok(())
                }
                Err(e) => Err(unreadable_source(source).unwrap_or_else(|| write_err(e))),
            }
        }
        Mode::Symlink => {
            let target = absolute(source);
            if replace {
                via_temp(dest, true, |temp| make_symlink(&target, temp))
            } else {
                make_symlink(&target, dest)
            }
            .map_err(write_err)
        }
    }
}

#[cfg(unix)]
fn make_symlink(source: &Path, dest: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(source, dest)
}

#[cfg(windows)]
fn make_symlink(source: &Path, dest: &Path) -> io::Result<()> {
    const ERROR_PRIVILEGE_NOT_HELD: i32 = 1314;
    std::os::windows::fs::symlink_file(source, dest).map_err(|e| {
        if e.raw_os_error() == Some(ERROR_PRIVILEGE_NOT_HELD) {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "Windows makes symbolic links only in Developer Mode or for an administrator; \
                 export copies or hard links instead",
            )
        } else {
            e
        }
    })
}

#[cfg(not(any(unix, windows)))]
fn make_symlink(_source: &Path, _dest: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symbolic links are not supported on this platform",
    ))
}

/// Copies to a temporary name beside `dest`, gives it the original's modification time, and
/// renames it into place (see [`via_temp`]).
fn copy_via_temp(source: &Path, dest: &Path, replace: bool) -> Result<(), ExportError> {
    via_temp(dest, replace, |temp| {
        fs::copy(source, temp)?;
        if let Ok(time) = fs::metadata(source).and_then(|m| m.modified()) {
            fs::OpenOptions::new()
                .write(true)
                .open(temp)?
                .set_modified(time)?;
        }
        Ok(())
    })
    .map_err(|e| {
        unreadable_source(source).unwrap_or_else(|| ExportError::Write {
            path: dest.to_path_buf(),
            source: e,
        })
    })
}

/// After a failed copy or link, whether the photo was to blame: it cannot be read through
/// (then the photo is skipped; a failure of the album's disk stops the export).
fn unreadable_source(source: &Path) -> Option<ExportError> {
    let read_through =
        fs::File::open(source).and_then(|mut file| io::copy(&mut file, &mut io::sink()));
    read_through.err().map(|e| ExportError::Read {
        path: source.to_path_buf(),
        source: e,
    })
}

/// Makes the file by `make` under a temporary name beside `dest`, then renames it to `dest`:
/// over what is there if `replace`, else only if `dest` is still free (AlreadyExists if not).
/// An export killed meanwhile leaves no half-written photo under a real name.
fn via_temp(
    dest: &Path,
    replace: bool,
    make: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let temp = temp_path(dest);
    // A leftover of an export killed before, which a link could not be made over.
    let _ = fs::remove_file(&temp);
    let made = make(&temp).and_then(|()| {
        if !replace && fs::symlink_metadata(dest).is_ok() {
            Err(io::Error::from(io::ErrorKind::AlreadyExists))
        } else {
            fs::rename(&temp, dest)
        }
    });
    if made.is_err() {
        let _ = fs::remove_file(&temp);
    }
    made
}

fn relative_display(target: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(target).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// One line of the manifest: where a photo came from, where it is in the album (relative
/// to the album folder, with `/`), who is in it, and the quarter turns clockwise its copy was
/// given where it is the photo turned as in Kindred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestItem {
    pub source: String,
    pub destination: String,
    pub people: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turned: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub kindred_export: u32,
    pub items: Vec<ManifestItem>,
}

/// Reads the manifest of an album folder, if it has one.
pub fn read_manifest(target: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(target.join(MANIFEST_NAME)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes the manifest: this export's items, plus the items of earlier exports into the same
/// folder that are still there (so exporting Anna, then Bob, lists both).
fn write_manifest(target: &Path, items: &[ManifestItem]) -> Result<PathBuf, ExportError> {
    let mut all = Vec::new();
    if let Some(old) = read_manifest(target) {
        let now: HashSet<&str> = items.iter().map(|i| i.destination.as_str()).collect();
        for item in old.items {
            let still_there = fs::symlink_metadata(target.join(&item.destination)).is_ok();
            if still_there && !now.contains(item.destination.as_str()) {
                all.push(item);
            }
        }
    }
    all.extend(items.iter().cloned());
    all.sort_by(|a, b| a.destination.cmp(&b.destination));
    let manifest = Manifest {
        kindred_export: 1,
        items: all,
    };
    let path = target.join(MANIFEST_NAME);
    let temp = temp_path(&path);
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| ExportError::Write {
        path: path.clone(),
        source: io::Error::other(e),
    })?;
    let write_err = |source| ExportError::Write {
        path: path.clone(),
        source,
    };
    fs::write(&temp, text + "\n").map_err(write_err)?;
    fs::rename(&temp, &path).map_err(write_err)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_dates_are_parsed_and_nonsense_refused() {
        assert_eq!(parse_date("2019-07-14 10:11:12"), Some((2019, 7, 14)));
        assert_eq!(parse_date("2019:07:14"), Some((2019, 7, 14)));
        assert_eq!(parse_date("2019-13-14"), None);
        assert_eq!(parse_date("garbage"), None);
        assert_eq!(parse_date(""), None);
    }

    /// Regression: the manifest was written only when the export ended, so one killed midway
    /// left its turned copies unlisted, and the next export put the photos beside them again.
    #[test]
    fn a_new_turned_copy_is_in_the_manifest_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path();
        let item = |name: &str, turned| ManifestItem {
            source: format!("/photos/{name}"),
            destination: format!("Anna/{name}"),
            people: vec!["Anna".to_string()],
            turned,
        };
        fs::create_dir_all(target.join("Anna")).unwrap();
        for name in ["earlier.jpg", "turned.jpg"] {
            fs::write(target.join("Anna").join(name), b"photo").unwrap();
        }
        write_manifest(target, &[item("earlier.jpg", None)]).unwrap();

        let mut journal = ManifestJournal::new(target);
        journal.record(item("turned.jpg", Some(1)), true);
        let listed: Vec<String> = read_manifest(target)
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.destination)
            .collect();
        assert_eq!(listed, ["Anna/earlier.jpg", "Anna/turned.jpg"]);

        // Written again, nothing is listed twice.
        journal.record(item("earlier.jpg", None), false);
        journal.write().unwrap();
        let manifest = read_manifest(target).unwrap();
        assert_eq!(manifest.items.len(), 2);
        assert_eq!(manifest.items[1].turned, Some(1));
    }

    #[test]
    #[cfg(unix)]
    fn a_folder_that_takes_no_symbolic_links_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("USB/albums");
        let created = folders_to_create(&target);
        assert_eq!(created, [dir.path().join("USB"), target.clone()]);
        fs::create_dir_all(&target).unwrap();
        // What exFAT answers through FUSE (ENOSYS); FAT in the kernel answers EPERM.
        for refusal in [38, 1] {
            fs::create_dir_all(&target).unwrap();
            let err = prove_symlinks_possible(&target, &created, |_, _| {
                Err(io::Error::from_raw_os_error(refusal))
            })
            .unwrap_err();
            let said = err.to_string();
            assert!(matches!(err, ExportError::NoSymlinksThere { .. }), "{said}");
            assert!(said.contains(&target.display().to_string()), "{said}");
            assert!(said.contains("USB sticks"), "{said}");
            assert!(said.ends_with("export copies there instead"), "{said}");
            assert!(
                !dir.path().join("USB").exists(),
                "the folders made are taken away"
            );
        }
        // A folder that was there stays.
        fs::create_dir_all(&target).unwrap();
        let err =
            prove_symlinks_possible(&target, &[], |_, _| Err(io::Error::from_raw_os_error(38)))
                .unwrap_err();
        assert!(matches!(err, ExportError::NoSymlinksThere { .. }));
        assert!(target.is_dir());
        // Where links can be made, the test link is not left behind.
        prove_symlinks_possible(&target, &[], make_symlink).unwrap();
        assert_eq!(fs::read_dir(&target).unwrap().count(), 0);
    }

    #[test]
    fn why_a_link_was_impossible_is_said_in_the_users_terms() {
        let other_disk = io::Error::from(io::ErrorKind::CrossesDevices);
        assert!(why_not_hard_linked(&other_disk).contains("on another disk than the photos"));
        #[cfg(target_os = "linux")]
        for refusal in [1, 38, 95] {
            let e = io::Error::from_raw_os_error(refusal);
            assert!(why_not_hard_linked(&e).contains("FAT"), "{e}");
            assert!(why_no_symlink(&e).contains("USB sticks"), "{e}");
        }
        // Anything else is said as the system says it.
        let full = io::Error::from(io::ErrorKind::StorageFull);
        assert_eq!(why_not_hard_linked(&full), full.to_string());
        assert_eq!(why_no_symlink(&full), "");
    }

    #[test]
    fn numbered_names_keep_the_extension() {
        assert_eq!(numbered("IMG.jpg", 1), "IMG.jpg");
        assert_eq!(numbered("IMG.jpg", 2), "IMG (2).jpg");
        assert_eq!(numbered("README", 3), "README (3)");
    }

    #[test]
    fn a_file_named_alike_but_for_case_rules_the_name_out() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("IMG (2).png"), b"theirs").unwrap();
        let mut listing = FolderListing::default();
        assert!(listing.holds_case_variant(&dir.path().join("img (2).png")));
        // The exact name is disk_state's to judge (it may hold this very photo).
        assert!(!listing.holds_case_variant(&dir.path().join("IMG (2).png")));
        assert!(!listing.holds_case_variant(&dir.path().join("img.png")));
        assert!(!listing.holds_case_variant(&dir.path().join("missing/img.png")));
    }

    #[test]
    fn persons_with_clashing_folder_names_are_told_apart() {
        let p = |id, name: &str| PersonInfo {
            id,
            name: Some(name.into()),
            hidden: false,
        };
        let folders = folder_names(
            &[p(1, "Anna"), p(2, "anna"), p(3, "A/B"), p(4, "A_B")],
            false,
        );
        let names: Vec<&str> = folders.iter().map(|(_, f)| f.as_str()).collect();
        assert_eq!(names, ["Anna", "anna (2)", "A_B", "A_B (4)"]);
        // Regression: the numbered name was not checked again, and "anna (7)" shared the
        // folder of the person called "Anna (7)".
        let folders = folder_names(&[p(5, "Anna (7)"), p(3, "Anna"), p(7, "anna")], false);
        let names: Vec<&str> = folders.iter().map(|(_, f)| f.as_str()).collect();
        assert_eq!(names, ["Anna (7)", "Anna", "anna (7-2)"]);
        let together = folder_names(&[p(1, "Anna"), p(2, "Bob")], true);
        assert_eq!(together[0].1, "Anna & Bob");
        assert_eq!(together[1].1, "Anna & Bob");
    }
}
