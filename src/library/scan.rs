//! Background scans: walk the folders, skip what has not changed, analyse the rest on a pool
//! of workers, commit results from one writer thread in batched transactions, and report
//! throttled progress. Pause, resume and cancel take effect within a fraction of a second.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use image::RgbImage;
use rayon::prelude::*;
use serde::Serialize;

use super::decode::{self, DecodedPhoto};
use super::store::{
    AnalysisKeys, FaceId, FaceRecord, MayTellOfDamage, MovedFace, NewFace, PhotoAnalysis, PhotoId,
    PhotoRecord, PhotoStatus, RootId, Store, StoreError, innermost_root, iou, is_small,
};
use super::turn::{Turn, orientation_parts};
use super::walk::{self, Candidate, WalkProblem};
use crate::engine::detector::Detection;
use crate::engine::geometry::{Point, Rect};
use crate::engine::models::sha256_hex;
use crate::engine::pipeline::FaceEngine;

/// Identifies the face models and how descriptors are made from them; part of every photo's
/// analysis key, so a model update re-analyses photos (keeping face identities where faces
/// stay put). "flip": each descriptor averages the face's chip and its mirror image.
pub const MODEL_VERSION: &str = "dlib-mmod+sp5+resnet-v1+flip";

/// The part of [`MODEL_VERSION`] that finds faces and their landmarks.
const DETECTION_VERSION: &str = "dlib-mmod+sp5";

/// Descriptors of earlier Kindred versions that found faces exactly as this one does: their
/// photos keep their faces and only get new descriptors, without running the detector again.
const EARLIER_DESCRIPTOR_VERSIONS: &[&str] = &["resnet-v1"];

/// The library describes every face with flip averaging: two network passes instead of one
/// (~8 ms per face, little next to detection) for about 15 % fewer clustering errors.
pub const LIBRARY_FLIP: bool = true;

/// How photos are analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScanOptions {
    /// Photos are analysed with their longer side scaled down to this (0: full size).
    pub max_side: u32,
    /// Detector upsampling: 1 finds faces half as small (group photos), at ~4× the cost. A
    /// photo at most half `max_side` long is doubled once more ([`ScanOptions::for_photo`]).
    pub upsample: u32,
    /// Worker threads (0: all cores).
    pub threads: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_side: 2048,
            upsample: 0,
            threads: 0,
        }
    }
}

/// Where a library keeps the options its photos were last analysed with.
const MAX_SIDE_SETTING: &str = "scan.max_side";
const UPSAMPLE_SETTING: &str = "scan.upsample";

impl ScanOptions {
    /// The options the library's photos were last analysed with, by the app or the command
    /// line (on all cores); None for a library never scanned since they were kept. A scan or
    /// a closer look that does not say otherwise uses them: under any other, every photo
    /// would be analysed again.
    pub fn of_library(store: &Store) -> Result<Option<ScanOptions>, StoreError> {
        let number = |key| -> Result<Option<u32>, StoreError> {
            Ok(store.setting(key)?.and_then(|v| v.parse().ok()))
        };
        Ok(
            match (number(MAX_SIDE_SETTING)?, number(UPSAMPLE_SETTING)?) {
                (Some(max_side), Some(upsample)) => Some(ScanOptions {
                    max_side,
                    upsample,
                    threads: 0,
                }),
                _ => None,
            },
        )
    }

    /// Keeps these as the options the library's photos are analysed with.
    fn record_in(&self, store: &mut Store) -> Result<(), StoreError> {
        store.in_transaction(|store| {
            store.set_setting(MAX_SIDE_SETTING, &self.max_side.to_string())?;
            store.set_setting(UPSAMPLE_SETTING, &self.upsample.to_string())
        })
    }

    /// How a photo `full_size` pixels large is analysed. One at most half the analysis size
    /// (a 640×480 photo of an early digital camera, a picture saved from the web) is doubled
    /// once more for the detector, as dlib's own examples do for small photos: its group
    /// faces, a few tens of pixels, are found, at no more cost than a photo of the analysis
    /// size. A larger one is analysed as the options say.
    pub fn for_photo(&self, full_size: (u32, u32)) -> ScanOptions {
        if is_small(full_size.0, full_size.1, self.small_up_to()) {
            self.doubled()
        } else {
            *self
        }
    }

    fn small_up_to(&self) -> u32 {
        self.max_side / 2
    }

    fn doubled(&self) -> ScanOptions {
        ScanOptions {
            upsample: self.upsample + 1,
            ..*self
        }
    }

    /// The keys a photo analysed under these options carries, by its size (see
    /// [`ScanOptions::for_photo`]).
    pub fn analysis_keys(&self) -> AnalysisKeys {
        AnalysisKeys {
            usual: self.analysis_key(),
            small: self.doubled().analysis_key(),
            small_up_to: self.small_up_to(),
        }
    }

    /// Photos analysed under a different key are analysed again by the next scan.
    pub fn analysis_key(&self) -> String {
        format!(
            "{MODEL_VERSION};max_side={};upsample={}",
            self.max_side, self.upsample
        )
    }

    /// Whether a photo analysed under `key` has the faces these options would find, and so
    /// needs only new descriptors (an update that changed only how faces are described).
    pub fn needs_only_new_descriptors(&self, key: &str) -> bool {
        EARLIER_DESCRIPTOR_VERSIONS.iter().any(|descriptor| {
            key == format!(
                "{DETECTION_VERSION}+{descriptor};max_side={};upsample={}",
                self.max_side, self.upsample
            )
        })
    }
}

/// Shared switches a UI or signal handler flips while a scan runs.
#[derive(Debug, Default)]
pub struct ScanControl {
    cancelled: AtomicBool,
    paused: AtomicBool,
    /// When the pause going on began, and how long the pauses before it lasted: time
    /// paused does not count in the rate and the time left.
    pauses: Mutex<(Option<Instant>, Duration)>,
}

impl ScanControl {
    pub fn new() -> Arc<Self> {
        Arc::new(ScanControl::default())
    }
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
    pub fn set_paused(&self, paused: bool) {
        let mut pauses = self.pauses.lock().unwrap_or_else(|e| e.into_inner());
        let (since, before) = &mut *pauses;
        match (paused, *since) {
            (true, None) => *since = Some(Instant::now()),
            (false, Some(began)) => {
                *before += began.elapsed();
                *since = None;
            }
            _ => {}
        }
        self.paused.store(paused, Ordering::SeqCst);
    }

    /// How long the work has been paused so far, the pause going on included.
    pub fn time_paused(&self) -> Duration {
        let pauses = self.pauses.lock().unwrap_or_else(|e| e.into_inner());
        pauses.1 + pauses.0.map_or(Duration::ZERO, |began| began.elapsed())
    }
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Blocks while paused; false once cancelled.
    pub fn wait_while_paused(&self) -> bool {
        while self.is_paused() && !self.is_cancelled() {
            std::thread::sleep(Duration::from_millis(50));
        }
        !self.is_cancelled()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanPhase {
    Walking,
    Analysing,
    Finished,
}

/// A progress report; sent at most about five times a second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanProgress {
    pub phase: ScanPhase,
    /// Photo files found so far.
    pub found: u64,
    /// Files that need analysis (new or changed).
    pub to_analyse: u64,
    /// Of those, analysed or failed so far.
    pub done: u64,
    /// Unchanged files skipped without reading.
    pub unchanged: u64,
    pub faces: u64,
    pub errors: u64,
    /// Photos per second over the analysis so far.
    pub rate: f64,
    pub eta_secs: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum ScanEvent {
    Progress(ScanProgress),
    /// A photo was committed to the library (the UI may refresh).
    PhotoStored {
        path: PathBuf,
        faces: usize,
    },
    /// A file or folder was skipped, with the reason.
    Skipped {
        path: PathBuf,
        reason: String,
    },
}

/// What a finished (or cancelled) scan did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanSummary {
    pub found: u64,
    pub analysed: u64,
    /// Of the analysed photos, those unchanged since an earlier version found their faces:
    /// after a model update that changed only the descriptors, they keep their faces and are
    /// only described anew (no detection).
    pub redescribed: u64,
    /// Of the analysed photos, identical copies of a photo the library had already analysed
    /// (a backup folder, an import made twice): their faces were taken from it, not found anew.
    pub copies: u64,
    /// Photos unchanged since the last scan: passed over by their size and time, or read again
    /// and found unchanged ([`ScanSummary::touched`]).
    pub unchanged: u64,
    /// Of the unchanged photos, those whose files had a new time (copied back from a backup
    /// drive, touched by a sync tool) and were read to find their content the same.
    pub touched: u64,
    pub moved: u64,
    /// Of the analysed photos, files both moved (or renamed) and changed by another app since
    /// the last scan (tags written into them, a crop, a retouch): each was known as a photo
    /// gone missing by the moment it was taken and its faces, and kept that photo's faces and
    /// their names.
    pub moved_and_changed: u64,
    /// Of the analysed photos, the others the library already had: files changed in place by
    /// another app, or analysed anew with other analysis settings. Neither new photos nor
    /// `redescribed` ones.
    pub analysed_again: u64,
    /// Photos no longer where the library had them and not found elsewhere either (a file
    /// moved or renamed within the folders counts as moved, not missing).
    pub missing: u64,
    pub faces: u64,
    pub errors: u64,
    pub cancelled: bool,
    pub skipped: Vec<(PathBuf, String)>,
    /// The photos analysed afresh (new or changed files), for steps that read more of them,
    /// such as names from other apps' face tags.
    #[serde(skip)]
    pub analysed_photos: Vec<PhotoId>,
    /// The photos found under a new path, by the id they keep.
    #[serde(skip)]
    pub moved_photos: Vec<PhotoId>,
    /// Unchanged photos whose XMP sidecar or Picasa face file is new or changed since their
    /// face names were last read (or whose names were never read): another app may have named
    /// faces in them.
    #[serde(skip)]
    pub xmp_changed_photos: Vec<PhotoId>,
}

impl ScanSummary {
    /// The photos whose face names from other apps are worth reading after this scan: those
    /// analysed afresh and those whose sidecar or Picasa file changed.
    pub fn photos_with_fresh_tags(&self) -> Vec<PhotoId> {
        let mut photos = self.analysed_photos.clone();
        photos.extend(&self.xmp_changed_photos);
        photos
    }
}

/// A hook counting image files actually read, so tests can prove an unchanged rescan reads
/// no image data.
pub static FILES_READ: AtomicU64 = AtomicU64::new(0);

/// A photo file to read on the worker pool.
struct WorkItem {
    root: RootId,
    candidate: Candidate,
    /// The faces already found in an unchanged photo that needs only new descriptors.
    known_faces: Option<Vec<Detection>>,
    /// The faces the user asked for on the photo last analysed at this path (see
    /// [`NewFace::by_hand`]): kept, described anew, where the detector still finds no face.
    hand_faces: Vec<Detection>,
    /// How the user turned the photo last analysed at this path: the file is analysed so turned
    /// (unless another app has turned the file itself since: see [`turn_kept`]).
    turn: Turn,
    /// The size of that photo as its file showed it, before the user's turn, and its file's
    /// EXIF orientation then.
    file_size_before: Option<(u32, u32)>,
    orientation_before: Option<u16>,
    /// The photo last analysed at this path as it was, with the settings of this scan: a file
    /// whose time changed and content did not is that photo still.
    analysed_here: Option<AnalysedHere>,
    /// How the user had made the photo last analysed at this path when the scan was planned.
    made_by_user: Option<UserLayout>,
}

/// What the user made of a photo in Kindred: how it is turned and where its faces are. A scan
/// analyses a photo as it was when the scan began; written over a photo the user has turned,
/// given faces or taken faces from since (in the app, during a long re-analysis), the analysis
/// would undo that, so it is left for the next scan.
#[derive(Debug, Clone, PartialEq)]
struct UserLayout {
    photo: PhotoId,
    turn: Turn,
    faces: Vec<(FaceId, Rect)>,
}

impl UserLayout {
    fn of(photo: &PhotoRecord, faces: &[FaceRecord]) -> Self {
        UserLayout {
            photo: photo.id,
            turn: photo.turn,
            faces: faces.iter().map(|f| (f.id, f.rect)).collect(),
        }
    }

    /// The photo's layout now, if it is still in the library.
    fn now(store: &Store, photo: PhotoId) -> Result<Option<Self>, StoreError> {
        let Some(record) = store.photo(photo)? else {
            return Ok(None);
        };
        Ok(Some(Self::of(&record, &store.faces_of_photo(photo)?)))
    }
}

struct AnalysedHere {
    photo: PhotoId,
    content_hash: String,
    xmp_stamp: Option<String>,
}

enum WorkResult {
    Analysed {
        analysis: Box<PhotoAnalysis>,
        /// Its faces were kept and only described anew.
        redescribed: bool,
        /// Its analysis was copied from a photo with the same content.
        copy: bool,
        /// The photo at its path as the scan found it, when it had one.
        made_by_user: Option<UserLayout>,
    },
    Moved {
        from: i64,
        to: Candidate,
        root: RootId,
    },
    /// The file at a photo's path has a new time but the same content (copied back from a
    /// backup drive, touched by a sync tool): the photo as it was.
    Touched {
        photo: PhotoId,
        file: Candidate,
        root: RootId,
        /// Its sidecar or Picasa face file changed since its names were last read.
        xmp_changed: bool,
    },
    /// The file's content is that of a photo already analysed: its analysis is copied.
    Copy {
        root: RootId,
        candidate: Candidate,
        content_hash: String,
    },
    Failed {
        root: RootId,
        candidate: Candidate,
        reason: String,
        /// Known when the file could be read: its copies fail alike.
        content_hash: Option<String>,
    },
    /// Skipped without a record in the library, so the next scan tries it again.
    Deferred {
        candidate: Candidate,
        reason: String,
    },
}

struct Progress<'a> {
    state: Mutex<ScanProgress>,
    last_sent: Mutex<Instant>,
    /// When the analysis began (the walk before it is no measure of the photos' pace), and
    /// the time paused then.
    analysis_started: Mutex<(Instant, Duration)>,
    control: &'a ScanControl,
    events: Sender<ScanEvent>,
}

impl<'a> Progress<'a> {
    /// Progress of a scan starting with its walk.
    fn new(control: &'a ScanControl, events: Sender<ScanEvent>) -> Self {
        Progress {
            state: Mutex::new(ScanProgress {
                phase: ScanPhase::Walking,
                found: 0,
                to_analyse: 0,
                done: 0,
                unchanged: 0,
                faces: 0,
                errors: 0,
                rate: 0.0,
                eta_secs: None,
            }),
            last_sent: Mutex::new(Instant::now() - Duration::from_secs(1)),
            analysis_started: Mutex::new((Instant::now(), Duration::ZERO)),
            control,
            events,
        }
    }

    fn update(&self, force: bool, f: impl FnOnce(&mut ScanProgress)) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let phase = state.phase;
        f(&mut state);
        if phase != ScanPhase::Analysing && state.phase == ScanPhase::Analysing {
            *self
                .analysis_started
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = (Instant::now(), self.control.time_paused());
        }
        let mut last = self.last_sent.lock().unwrap_or_else(|e| e.into_inner());
        if force || last.elapsed() >= Duration::from_millis(200) {
            *last = Instant::now();
            let elapsed = self.analysing_for().as_secs_f64();
            if state.done > 0 && elapsed > 0.0 {
                state.rate = state.done as f64 / elapsed;
                state.eta_secs =
                    Some((state.to_analyse.saturating_sub(state.done)) as f64 / state.rate);
            }
            let _ = self.events.send(ScanEvent::Progress(state.clone()));
        }
    }

    /// How long the photos have been analysed, time paused aside.
    fn analysing_for(&self) -> Duration {
        let (began, paused_then) = *self
            .analysis_started
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let paused_since = self.control.time_paused().saturating_sub(paused_then);
        began.elapsed().saturating_sub(paused_since)
    }
}

/// Scans `roots` (already registered in the store) into the library. Blocks until done or
/// cancelled; call it from a background thread. Results are committed as they come, so a
/// scan killed at any point resumes where it stopped.
pub fn scan(
    store: &mut Store,
    engine: &FaceEngine,
    roots: &[(RootId, PathBuf)],
    options: ScanOptions,
    control: &ScanControl,
    events: Sender<ScanEvent>,
) -> Result<ScanSummary, StoreError> {
    let progress = Progress::new(control, events.clone());
    let mut summary = ScanSummary::default();
    let keys = options.analysis_keys();
    options.record_in(store)?;

    // 1. Walk every root and decide what needs work.
    let known: HashMap<PathBuf, PhotoRecord> = store
        .photos()?
        .into_iter()
        .map(|p| (p.path.clone(), p))
        .collect();
    let mut work: Vec<WorkItem> = Vec::new();
    let mut present: HashSet<PathBuf> = HashSet::new();
    let mut walked_roots = Vec::new();
    // Folders whose photos could not be listed, and photo folders that listed none.
    let mut unlisted: Vec<PathBuf> = Vec::new();
    let mut empty_roots: Vec<PathBuf> = Vec::new();
    // Missing photos found again at their own path, unchanged: (photo, root, file).
    let mut returned: Vec<(PhotoId, RootId, Candidate)> = Vec::new();
    // Unchanged photos without a date of their own that have a Takeout file.
    let mut takeout_to_date: Vec<(PhotoId, PathBuf)> = Vec::new();
    let left_out = store.excluded_folders()?;
    let library_roots = store.roots()?;
    for (root_id, root) in roots {
        // A photo folder inside this one that the scan walks too is walked as itself, once:
        // its photos belong to the innermost folder, as when judging them gone.
        let excluded: Vec<PathBuf> = left_out
            .iter()
            .map(|e| &e.path)
            .chain(roots.iter().map(|(_, r)| r).filter(|r| *r != root))
            .filter(|path| path.starts_with(root))
            .cloned()
            .collect();
        let mut problems: Vec<WalkProblem> = Vec::new();
        if !root.is_dir() {
            problems.push(WalkProblem {
                path: root.clone(),
                reason: "folder not found or not readable".into(),
                unlisted: true,
            });
        } else {
            walked_roots.push(root.clone());
        }
        let found = if root.is_dir() {
            walk::walk(root, &excluded, &mut problems, || !control.is_cancelled())
        } else {
            Vec::new()
        };
        if found.is_empty() && root.is_dir() && !control.is_cancelled() {
            empty_roots.push(root.clone());
        }
        // A folder passed over here (hidden from galleries) that the user added as a photo
        // folder of its own is walked as that; nothing was skipped.
        problems.retain(|p| p.path == *root || !library_roots.iter().any(|r| r.path == p.path));
        for p in problems {
            if p.unlisted {
                unlisted.push(p.path.clone());
            }
            let _ = events.send(ScanEvent::Skipped {
                path: p.path.clone(),
                reason: p.reason.clone(),
            });
            summary.skipped.push((p.path, p.reason));
        }
        for candidate in found {
            summary.found += 1;
            present.insert(candidate.path.clone());
            // The library's record of this very file, as it was when last analysed.
            let same_file = known
                .get(&candidate.path)
                .filter(|p| p.size == candidate.size && p.mtime_ns == candidate.mtime_ns);
            let full_size = |p: &PhotoRecord| (p.width.unwrap_or(0), p.height.unwrap_or(0));
            let analysed = |p: &PhotoRecord| {
                let (width, height) = full_size(p);
                p.error.is_none() && p.analysis_key.as_deref() == Some(keys.for_size(width, height))
            };
            let unchanged = same_file.is_some_and(|p| match p.status {
                PhotoStatus::Done => analysed(p),
                // Not read again while the readers that could not read it are Kindred's now;
                // a file that could not be opened at all is tried at each scan.
                PhotoStatus::Error => p.error_readers == Some(decode::READERS_REVISION),
                // Back where it was, untouched (its folder taken back in, a drive
                // reconnected): it needs no reading.
                PhotoStatus::Missing => analysed(p),
            });
            if unchanged {
                summary.unchanged += 1;
                if let Some(p) = same_file.filter(|p| p.status == PhotoStatus::Missing) {
                    returned.push((p.id, *root_id, candidate.clone()));
                }
                if let Some(p) = same_file.filter(|p| {
                    p.status != PhotoStatus::Error
                        && p.xmp_stamp.as_deref() != Some(candidate.xmp_stamp.as_str())
                }) {
                    summary.xmp_changed_photos.push(p.id);
                }
                // A Takeout file beside a photo that its own metadata does not date may date it
                // (see `dates::date_of_photo`): one put there since it was analysed, or one an
                // earlier Kindred did not read dates from. Once dated, it is not read again.
                if let Some(p) = same_file.filter(|p| {
                    p.status != PhotoStatus::Error
                        && (p.taken_at.is_none() || p.dated_by_name)
                        && walk::stamp_has_takeout_file(&candidate.xmp_stamp)
                }) {
                    takeout_to_date.push((p.id, candidate.path.clone()));
                }
            } else {
                // The library's record of the photo last analysed at this path, if any.
                let before = known.get(&candidate.path);
                let faces_before = match before {
                    Some(p) => store.faces_of_photo(p.id)?,
                    None => Vec::new(),
                };
                let made_by_user = before.map(|p| UserLayout::of(p, &faces_before));
                let (hand_faces, found_faces): (Vec<FaceRecord>, Vec<FaceRecord>) =
                    faces_before.into_iter().partition(|f| f.by_hand);
                let as_detection = |f: FaceRecord| Detection {
                    rect: f.rect,
                    confidence: f.confidence,
                };
                let known_faces = same_file
                    .filter(|p| {
                        p.status == PhotoStatus::Done
                            && p.analysis_key.as_deref().is_some_and(|k| {
                                options
                                    .for_photo(full_size(p))
                                    .needs_only_new_descriptors(k)
                            })
                    })
                    .map(|_| found_faces.into_iter().map(as_detection).collect());
                let analysed_here = before
                    .filter(|p| {
                        p.status != PhotoStatus::Error && known_faces.is_none() && analysed(p)
                    })
                    .and_then(|p| {
                        Some(AnalysedHere {
                            photo: p.id,
                            content_hash: p.content_hash.clone()?,
                            xmp_stamp: p.xmp_stamp.clone(),
                        })
                    });
                work.push(WorkItem {
                    root: *root_id,
                    turn: before.map_or(Turn::NONE, |p| p.turn),
                    file_size_before: before
                        .and_then(|p| Some(p.turn.inverse().size(p.width.zip(p.height)?))),
                    orientation_before: before.and_then(|p| p.orientation),
                    analysed_here,
                    candidate,
                    known_faces,
                    hand_faces: hand_faces.into_iter().map(as_detection).collect(),
                    made_by_user,
                });
            }
        }
        progress.update(false, |p| {
            p.found = summary.found;
            p.unchanged = summary.unchanged;
            p.to_analyse = work.len() as u64;
        });
    }
    if control.is_cancelled() {
        summary.cancelled = true;
        return Ok(summary);
    }

    // 2. Photos under a walked root that are gone are marked missing (keeping their faces);
    //    this happens first so that a moved file finds its old row by content.
    //    A photo is judged by the innermost library folder holding it: one inside a folder
    //    of its own that this scan did not walk (`kindred scan ~/Pictures` while
    //    ~/Pictures/Phone/Sent, hidden from galleries, is a photo folder too) is not gone.
    //    Nor is a photo in a folder that could not be listed, or in a photo folder that
    //    listed nothing at all: a drive or network share not connected (its mount point left
    //    empty) is far likelier than every photo deleted, and would make the whole folder
    //    "missing", its faces out of People.
    let not_found: Vec<(&PathBuf, &PhotoRecord)> = known
        .iter()
        .filter(|(path, p)| {
            p.status != PhotoStatus::Missing
                && !present.contains(*path)
                && innermost_root(&library_roots, path)
                    .is_some_and(|r| walked_roots.contains(&r.path))
        })
        .collect();
    for root in empty_roots {
        let known_there = not_found
            .iter()
            .filter(|(path, _)| {
                innermost_root(&library_roots, path).is_some_and(|r| r.path == root)
            })
            .count();
        if known_there == 0 {
            continue;
        }
        let reason = format!(
            "no photo found, where the library knows {}: is its drive or network share \
             connected? They are kept as they were (remove the folder from the library if its \
             photos are gone for good)",
            crate::text::count(known_there, "photo", "photos")
        );
        let _ = events.send(ScanEvent::Skipped {
            path: root.clone(),
            reason: reason.clone(),
        });
        summary.skipped.push((root.clone(), reason));
        unlisted.push(root);
    }
    let gone: Vec<i64> = not_found
        .into_iter()
        .filter(|(path, _)| !unlisted.iter().any(|folder| path.starts_with(folder)))
        .map(|(_, p)| p.id)
        .collect();
    let gone = store.mark_gone(&gone)?;
    summary.missing = gone.len() as u64;
    store.in_transaction(|store| {
        for (photo, root, file) in &returned {
            store.relocate_photo_in_tx(
                *photo,
                Some(*root),
                &file.path,
                file.size,
                file.mtime_ns,
            )?;
        }
        Ok(())
    })?;
    let takeout_dates: Vec<(PhotoId, String)> = takeout_to_date
        .iter()
        .filter_map(|(photo, path)| Some((*photo, super::dates::date_in_takeout_file(path)?)))
        .collect();
    store.set_metadata_dates(&takeout_dates)?;
    // A missing photo whose path holds a file again is that file's, read there (touched or
    // changed): not offered to another file of its content, which would take it away.
    let missing: Vec<PhotoRecord> = store
        .photos()?
        .into_iter()
        .filter(|p| p.status == PhotoStatus::Missing && !present.contains(&p.path))
        .collect();
    let missing_paths: HashMap<PhotoId, PathBuf> =
        missing.iter().map(|p| (p.id, p.path.clone())).collect();
    let missing_by_content = MissingByContent::new(missing);

    // 3. Analyse on the worker pool; one writer commits.
    progress.update(true, |p| {
        p.phase = ScanPhase::Analysing;
        p.to_analyse = work.len() as u64;
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .thread_name(|i| format!("kindred-scan-{i}"))
        .build()
        .map_err(|e| StoreError::Corrupt {
            path: store.path().to_path_buf(),
            message: format!("cannot start workers: {e}"),
        })?;
    let (results_tx, results_rx) = mpsc::sync_channel::<WorkResult>(64);
    let analysed = ScanContents {
        committed: Mutex::new(store.analysed_contents(&keys)?),
        claimed: Mutex::new(HashSet::new()),
        keys,
    };
    let writer_result = std::thread::scope(|scope| {
        let writer =
            scope.spawn(|| write_results(store, results_rx, &progress, &mut summary, &analysed));
        // Once the writer has stopped (the library could not be written), nothing more that
        // is analysed can be kept: the photos left are not read.
        let writer_stopped = AtomicBool::new(false);
        pool.install(|| {
            work.par_iter()
                .for_each_with(results_tx, |tx: &mut SyncSender<WorkResult>, item| {
                    if writer_stopped.load(Ordering::Relaxed) || !control.wait_while_paused() {
                        return;
                    }
                    let result =
                        analyse_file(engine, item, options, &analysed, &missing_by_content);
                    if tx.send(result).is_err() {
                        writer_stopped.store(true, Ordering::Relaxed);
                    }
                });
        });
        writer.join().unwrap_or_else(|_| {
            Err(StoreError::Corrupt {
                path: PathBuf::new(),
                message: "the library writer thread failed".into(),
            })
        })
    });
    // The detector keeps its activation buffers for the next photo; an idle app should not.
    engine.detector.release_buffers();
    writer_result?;
    // Analysed as a photo that was missing, under another path: moved and changed.
    for &id in &summary.analysed_photos {
        if let Some(was) = missing_paths.get(&id)
            && store.photo(id)?.is_some_and(|p| p.path != *was)
        {
            summary.moved_and_changed += 1;
            summary.moved_photos.push(id);
        }
    }
    let had_before: HashSet<PhotoId> = known.values().map(|p| p.id).collect();
    let analysed_known = summary
        .analysed_photos
        .iter()
        .filter(|id| had_before.contains(id))
        .count() as u64;
    summary.analysed_again =
        analysed_known.saturating_sub(summary.redescribed + summary.moved_and_changed);
    // A photo gone from its path and found again under another was counted missing above.
    let gone: HashSet<i64> = gone.into_iter().collect();
    let found_again = summary
        .moved_photos
        .iter()
        .filter(|id| gone.contains(id))
        .count();
    summary.missing -= found_again as u64;
    summary.cancelled = control.is_cancelled();
    progress.update(true, |p| p.phase = ScanPhase::Finished);
    Ok(summary)
}

/// The photos found missing, by content, for the files that turn up under other paths: each
/// is taken by one file at most — two copies of a photo moved together each take a photo of
/// their own — the one whose old path ends most like the file's new one (`Trip/edited/a.jpg`
/// taking the old `edited/a.jpg` rather than `a.jpg`).
struct MissingByContent(Mutex<HashMap<String, Vec<(PhotoId, PathBuf)>>>);

impl MissingByContent {
    fn new(missing: Vec<PhotoRecord>) -> Self {
        let mut by_content: HashMap<String, Vec<(PhotoId, PathBuf)>> = HashMap::new();
        for photo in missing {
            if let Some(hash) = photo.content_hash {
                by_content
                    .entry(hash)
                    .or_default()
                    .push((photo.id, photo.path));
            }
        }
        MissingByContent(Mutex::new(by_content))
    }

    /// The missing photo the file at `path`, of content `hash`, is, if any; taken from those
    /// offered to the next file.
    fn claim(&self, hash: &str, path: &Path) -> Option<PhotoId> {
        let mut by_content = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let photos = by_content.get_mut(hash)?;
        let ending_alike = |old: &Path| {
            old.components()
                .rev()
                .zip(path.components().rev())
                .take_while(|(a, b)| a == b)
                .count()
        };
        let best = (0..photos.len()).max_by_key(|&i| (ending_alike(&photos[i].1), Reverse(i)))?;
        Some(photos.remove(best).0)
    }
}

/// Which photo contents are analysed, so that each is analysed once however many files hold
/// it: a file whose content is already in the library, or taken on by a worker during this
/// scan, becomes a [`WorkResult::Copy`] of it.
struct ScanContents {
    /// Analysed as `keys` say: in the library before the scan, or committed since.
    committed: Mutex<HashSet<String>>,
    /// Taken on by a worker during this scan.
    claimed: Mutex<HashSet<String>>,
    keys: AnalysisKeys,
}

impl ScanContents {
    /// Whether this content is new to the scan: true for the one caller that is to analyse it.
    fn claim(&self, hash: &str) -> bool {
        let committed = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        if committed.contains(hash) {
            return false;
        }
        let mut claimed = self.claimed.lock().unwrap_or_else(|e| e.into_inner());
        claimed.insert(hash.to_string())
    }

    fn is_committed(&self, hash: &str) -> bool {
        let committed = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        committed.contains(hash)
    }

    fn insert_committed(&self, hash: &str) {
        let mut committed = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        committed.insert(hash.to_string());
    }
}

fn analyse_file(
    engine: &FaceEngine,
    item: &WorkItem,
    options: ScanOptions,
    analysed: &ScanContents,
    missing: &MissingByContent,
) -> WorkResult {
    let (root, candidate) = (item.root, &item.candidate);
    let failed = |reason: String| WorkResult::Failed {
        root,
        candidate: candidate.clone(),
        reason,
        content_hash: None,
    };
    let bytes = match std::fs::read(&candidate.path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return failed("permission denied".into());
        }
        Err(e) => return failed(format!("cannot read: {e}")),
    };
    FILES_READ.fetch_add(1, Ordering::Relaxed);
    let hash = sha256_hex(&bytes);
    if let Some(here) = item
        .analysed_here
        .as_ref()
        .filter(|here| here.content_hash == hash)
    {
        return WorkResult::Touched {
            photo: here.photo,
            file: candidate.clone(),
            root,
            xmp_changed: here.xmp_stamp.as_deref() != Some(candidate.xmp_stamp.as_str()),
        };
    }
    if let Some(from) = item
        .known_faces
        .is_none()
        .then(|| missing.claim(&hash, &candidate.path))
        .flatten()
    {
        return WorkResult::Moved {
            from,
            to: candidate.clone(),
            root,
        };
    }
    if item.known_faces.is_none() && !analysed.claim(&hash) {
        return WorkResult::Copy {
            root,
            candidate: candidate.clone(),
            content_hash: hash,
        };
    }
    let photo = match decode::decode_photo(&bytes) {
        Ok(p) => p,
        Err(e) => {
            return WorkResult::Failed {
                root,
                candidate: candidate.clone(),
                reason: e.to_string(),
                content_hash: Some(hash),
            };
        }
    };
    drop(bytes);
    let turn = turn_kept(
        item.turn,
        (item.orientation_before, photo.orientation),
        item.file_size_before,
        photo.full_size,
    );
    let photo = photo.turned(turn);
    let mut faces = match &item.known_faces {
        Some(known) => redescribe_faces(engine, &photo, known),
        None => analyse_photo(engine, &photo, options),
    };
    keep_hand_faces(engine, &photo, &mut faces, &item.hand_faces);
    let (taken_at, dated_by_name) = super::dates::date_of_photo(photo.taken_at, &candidate.path);
    WorkResult::Analysed {
        redescribed: item.known_faces.is_some(),
        copy: false,
        made_by_user: item.made_by_user.clone(),
        analysis: Box::new(PhotoAnalysis {
            root_id: Some(root),
            path: candidate.path.clone(),
            size: candidate.size,
            mtime_ns: candidate.mtime_ns,
            content_hash: hash,
            width: photo.full_size.0,
            height: photo.full_size.1,
            orientation: photo.orientation,
            taken_at,
            dated_by_name,
            camera: photo.camera,
            analysis_key: analysed
                .keys
                .for_size(photo.full_size.0, photo.full_size.1)
                .to_string(),
            turn,
            faces,
        }),
    }
}

/// The user's `turn` of a photo whose file changed, so that it shows as it did. Another app
/// may have turned the file itself since, most often upright as the user did here: turned
/// again, it would show wrongly. By its EXIF orientation (`orientation` before and now), the
/// turn takes back as much as the file turned (all of it, when that app turned it as the user
/// did; a mirrored one drops it); by its pixels, a quarter is told by width and height changing
/// places (`before`, now `now`), and drops the turn. (Pixels turned by half cannot be told
/// apart from an edit.)
fn turn_kept(
    turn: Turn,
    orientation: (Option<u16>, u16),
    before: Option<(u32, u32)>,
    now: (u32, u32),
) -> Turn {
    if turn == Turn::NONE {
        // The file shows as it is, however another app turned it.
        return turn;
    }
    if let (Some(was), is) = orientation
        && was != is
    {
        let ((mirrored_was, turned_was), (mirrored_is, turned_is)) =
            (orientation_parts(was), orientation_parts(is));
        return if mirrored_was == mirrored_is {
            turn.then(turned_was).then(turned_is.inverse())
        } else {
            Turn::NONE
        };
    }
    let turned_elsewhere = turn.swaps_sides()
        && now.0 != now.1
        && before.is_some_and(|(width, height)| (height, width) == now);
    if turned_elsewhere { Turn::NONE } else { turn }
}

/// Faces of an upright photo, in its full-size coordinates: detection on a bounded copy,
/// landmarks and chips on the full-size pixels (on the reduced ones of a photo too large to
/// decode whole).
pub fn analyse_photo(
    engine: &FaceEngine,
    photo: &DecodedPhoto,
    options: ScanOptions,
) -> Vec<NewFace> {
    let image = &photo.image;
    let options = options.for_photo(photo.full_size);
    let (small, back) = decode::bounded(image, options.max_side);
    let mut detections = engine.detector.detect(&small, options.upsample);
    if back != 1.0 {
        for d in &mut detections {
            d.rect = scale_rect(d.rect, back);
        }
    }
    let mut faces = describe_faces(engine, image, &detections);
    for face in &mut faces {
        to_full_size(face, photo.reduction);
    }
    faces
}

/// The faces of a photo whose boxes are known (in full-size coordinates), described anew.
fn redescribe_faces(
    engine: &FaceEngine,
    photo: &DecodedPhoto,
    known: &[Detection],
) -> Vec<NewFace> {
    let on_pixels: Vec<Detection> = known
        .iter()
        .map(|d| Detection {
            rect: scale_rect(d.rect, 1.0 / f64::from(photo.reduction)),
            ..*d
        })
        .collect();
    let mut faces = describe_faces(engine, &photo.image, &on_pixels);
    for face in &mut faces {
        to_full_size(face, photo.reduction);
    }
    faces
}

/// Adds to a photo's `faces` those the user asked for (`hand`: drawn, found on a closer look,
/// tagged in another app) that the detector still does not find there, described anew; one
/// off the photo (an edit cropped it away) is dropped.
fn keep_hand_faces(
    engine: &FaceEngine,
    photo: &DecodedPhoto,
    faces: &mut Vec<NewFace>,
    hand: &[Detection],
) {
    let (width, height) = photo.full_size;
    let bounds = Rect::new(0, 0, i64::from(width) - 1, i64::from(height) - 1);
    let still_missed: Vec<Detection> = hand
        .iter()
        .filter(|d| !d.rect.intersect(&bounds).is_empty())
        .filter(|d| faces.iter().all(|f| iou(&f.rect, &d.rect) < 0.5))
        .copied()
        .collect();
    if still_missed.is_empty() {
        return;
    }
    let mut kept = redescribe_faces(engine, photo, &still_missed);
    for face in &mut kept {
        face.by_hand = true;
    }
    faces.extend(kept);
}

/// Why faces could not be added to a photo.
#[derive(Debug, thiserror::Error)]
pub enum AddFacesError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot decode {}: {source}", path.display())]
    Decode {
        path: PathBuf,
        source: decode::DecodeError,
    },
    #[error("the box is outside the photo")]
    OffThePhoto,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MayTellOfDamage for AddFacesError {
    fn is_damage(&self) -> bool {
        matches!(self, AddFacesError::Store(e) if e.is_damage())
    }
}

/// The photo in the file at `path`, read and turned as its library record has it: by its EXIF
/// orientation and by `turn`, the user's, as a scan decodes it.
pub fn read_upright(path: &Path, turn: Turn) -> Result<DecodedPhoto, AddFacesError> {
    let bytes = std::fs::read(path).map_err(|source| AddFacesError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    decode::decode_photo(&bytes)
        .map(|photo| photo.turned(turn))
        .map_err(|source| AddFacesError::Decode {
            path: path.to_path_buf(),
            source,
        })
}

/// [`face_drawn_on`] the photo in the file at `path`, turned by `turn` (the user's).
pub fn face_drawn_on_file(
    engine: &FaceEngine,
    path: &Path,
    turn: Turn,
    drawn: Rect,
) -> Result<NewFace, AddFacesError> {
    face_drawn_on(engine, &read_upright(path, turn)?, drawn).ok_or(AddFacesError::OffThePhoto)
}

/// Faces too small for the scan's settings: the photo looked at once more doubled in size than
/// `options` do (a group photo's faces are a few tens of pixels), those not on a face already
/// `known` (full-size coordinates), described and marked as asked for by the user, so
/// re-analysis keeps them. About four times a scan's detection time.
pub fn faces_found_closer(
    engine: &FaceEngine,
    photo: &DecodedPhoto,
    options: ScanOptions,
    known: &[Rect],
) -> Vec<NewFace> {
    let image = &photo.image;
    let options = options.for_photo(photo.full_size);
    let (small, back) = decode::bounded(image, options.max_side);
    let on_pixels: Vec<Rect> = known
        .iter()
        .map(|r| scale_rect(*r, 1.0 / f64::from(photo.reduction)))
        .collect();
    let detections: Vec<Detection> = engine
        .detector
        .detect(&small, options.upsample + 1)
        .into_iter()
        .map(|d| Detection {
            rect: if back != 1.0 {
                scale_rect(d.rect, back)
            } else {
                d.rect
            },
            ..d
        })
        .filter(|d| on_pixels.iter().all(|k| iou(k, &d.rect) < 0.5))
        .collect();
    engine.detector.release_buffers();
    let mut faces = describe_faces(engine, image, &detections);
    for face in &mut faces {
        to_full_size(face, photo.reduction);
        face.by_hand = true;
    }
    faces
}

/// [`faces_found_closer`] in the library's photo `photo`, read again from its file, beside
/// the faces it has. Finding none is recorded ([`PhotoRecord::no_face_on_closer_look`]): the
/// app does not offer the look again.
pub fn faces_found_closer_in(
    store: &mut Store,
    engine: &FaceEngine,
    photo: &PhotoRecord,
    options: ScanOptions,
) -> Result<Vec<NewFace>, AddFacesError> {
    let pixels = read_upright(&photo.path, photo.turn)?;
    let known: Vec<Rect> = store
        .faces_of_photo(photo.id)?
        .iter()
        .map(|f| f.rect)
        .collect();
    let found = faces_found_closer(engine, &pixels, options, &known);
    if found.is_empty() {
        store.mark_no_face_on_closer_look(photo.id)?;
    }
    Ok(found)
}

/// What turning a photo did ([`crate::people::ops::turn_photo`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoTurned {
    /// How the photo is shown now, from its file.
    pub turn: Turn,
    /// The faces found on the turned photo that it did not have, added.
    pub found: Vec<FaceId>,
    /// The photo and its identical copies turned with it.
    pub photos: Vec<PhotoId>,
    /// Their faces that were there before, now with thumbnails of them turned.
    pub moved: Vec<FaceId>,
    /// Of those, the ones found again and described anew that matching had placed (not the
    /// user): to be matched again, as the faces found.
    pub rematched: Vec<FaceId>,
}

/// A photo turned further, worked out and not yet stored: see [`plan_turn`].
#[derive(Debug, Clone, PartialEq)]
pub struct TurnPlan {
    /// The photo the user turned.
    pub photo: PhotoId,
    /// How much further.
    pub by: Turn,
    /// How it is shown then, from its file.
    pub turn: Turn,
    /// Its full size so turned.
    pub size: (u32, u32),
    /// It and its identical copies shown as it was, which turn with it.
    pub photos: Vec<PhotoTurnPlan>,
}

/// One photo of a [`TurnPlan`]: its faces moved, and the faces found that it did not have.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoTurnPlan {
    pub photo: PhotoId,
    pub moved: Vec<MovedFace>,
    /// Those of the moved faces found again on the turned photo, described anew.
    pub found_again: Vec<FaceId>,
    pub found: Vec<NewFace>,
}

/// Works out how a photo of the library turned by `by` more, as the user asked (for a photo
/// stored sideways, whose faces the detector, which looks for upright faces, could not find),
/// is to be stored: the file is read and turned, and faces are looked for on it as a scan does.
/// The photo's faces move with it, each keeping its id (and so its name): one found again
/// where it now is takes what the scan of the turned photo says of it (a face the detector
/// found sideways had a descriptor from sideways landmarks), another keeps its descriptor at
/// its new place, thumbnail cut anew. The faces found that it did not have are to be added as
/// a scan finds them. Its identical copies (the same file elsewhere) shown as it was turn with
/// it. Nothing is written: [`crate::people::ops::turn_photo`] stores it, as a correction.
pub fn plan_turn(
    store: &Store,
    engine: &FaceEngine,
    photo: &PhotoRecord,
    by: Turn,
    options: ScanOptions,
) -> Result<TurnPlan, AddFacesError> {
    let turn = photo.turn.then(by);
    let pixels = read_upright(&photo.path, turn)?;
    let detected = analyse_photo(engine, &pixels, options);
    engine.detector.release_buffers();
    let mut alike = vec![photo.id];
    for copy in store.copies_of(photo.id)? {
        if store.photo(copy)?.is_some_and(|c| c.turn == photo.turn) {
            alike.push(copy);
        }
    }
    let mut photos = Vec::with_capacity(alike.len());
    for id in alike {
        photos.push(faces_turned(
            id,
            store.faces_of_photo(id)?,
            by,
            &pixels,
            &detected,
        ));
    }
    Ok(TurnPlan {
        photo: photo.id,
        by,
        turn,
        size: pixels.full_size,
        photos,
    })
}

/// Photo `photo`'s `faces` once it is turned `by` more (`turned`: its pixels so turned), with
/// the faces `detected` on it: each old face moved, and replaced by the one detected where it
/// now is, if any (found again); and the detected faces on no old face.
fn faces_turned(
    photo: PhotoId,
    faces: Vec<FaceRecord>,
    by: Turn,
    turned: &DecodedPhoto,
    detected: &[NewFace],
) -> PhotoTurnPlan {
    let before = by.inverse().size(turned.full_size);
    let mut moved: Vec<MovedFace> = faces
        .into_iter()
        .map(|face| {
            let rect = by.rect(face.rect, before);
            MovedFace {
                id: face.id,
                face: NewFace {
                    rect,
                    confidence: face.confidence,
                    landmarks: face.landmarks.map(|p| by.point(p, before)),
                    descriptor: face.descriptor,
                    // Cut below, for the faces not found again.
                    thumbnail_jpeg: Vec::new(),
                    by_hand: face.by_hand,
                },
            }
        })
        .collect();
    // Each old face is found again at most once: of two detections on one (two faces close
    // together), the other is a face of its own.
    let mut found_again = vec![false; moved.len()];
    let mut found = Vec::new();
    for face in detected {
        let overlapping = moved
            .iter()
            .enumerate()
            .filter(|(k, _)| !found_again[*k])
            .map(|(k, m)| (iou(&m.face.rect, &face.rect), k))
            .filter(|(overlap, _)| *overlap >= 0.5)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match overlapping {
            Some((_, k)) => {
                moved[k].face = face.clone();
                found_again[k] = true;
            }
            None => found.push(face.clone()),
        }
    }
    for (m, _) in moved
        .iter_mut()
        .zip(&found_again)
        .filter(|(_, again)| !**again)
    {
        m.face.thumbnail_jpeg = face_picture(turned, m.face.rect);
    }
    PhotoTurnPlan {
        photo,
        found_again: moved
            .iter()
            .zip(&found_again)
            .filter(|(_, again)| **again)
            .map(|(m, _)| m.id)
            .collect(),
        moved,
        found,
    }
}

/// The face in a box the user drew on an upright photo (in its full-size coordinates), ready
/// to store; None for a box off the photo. See [`FaceEngine::face_in_box`].
pub fn face_drawn_on(engine: &FaceEngine, photo: &DecodedPhoto, drawn: Rect) -> Option<NewFace> {
    let on_pixels = scale_rect(drawn, 1.0 / f64::from(photo.reduction));
    let found = engine.face_in_box(&photo.image, on_pixels)?;
    let mut face = describe_faces(engine, &photo.image, &[found]).pop()?;
    to_full_size(&mut face, photo.reduction);
    face.by_hand = true;
    Some(face)
}

/// A face found on pixels that each stand for `reduction`² of the photo's, in the photo's
/// own coordinates. Boxes scale back exactly (`redescribe_faces` finds the same pixels).
fn to_full_size(face: &mut NewFace, reduction: u32) {
    if reduction == 1 {
        return;
    }
    let r = i64::from(reduction);
    face.rect = scale_rect(face.rect, reduction as f64);
    for p in &mut face.landmarks {
        *p = Point::new(p.x * r + r / 2, p.y * r + r / 2);
    }
}

/// Landmarks, descriptors and thumbnails of faces found in an upright photo's pixels.
fn describe_faces(engine: &FaceEngine, image: &RgbImage, detections: &[Detection]) -> Vec<NewFace> {
    let faces = engine.describe(
        image,
        detections,
        0,
        LIBRARY_FLIP,
        &mut crate::engine::jitter::DlibRand::new(),
    );
    faces
        .into_iter()
        .map(|f| NewFace {
            thumbnail_jpeg: face_thumbnail(image, f.rect),
            rect: f.rect,
            confidence: f.confidence,
            landmarks: f.landmarks,
            descriptor: f.descriptor,
            by_hand: false,
        })
        .collect()
}

fn scale_rect(r: Rect, s: f64) -> Rect {
    let f = |v: i64| (v as f64 * s).round() as i64;
    // Inclusive corners: scale the exclusive right/bottom edge, then step back one pixel.
    Rect::new(f(r.left), f(r.top), f(r.right + 1) - 1, f(r.bottom + 1) - 1)
}

/// The thumbnail of a face at `rect` (full-size coordinates) of a photo, as a scan cuts it.
pub fn face_picture(photo: &DecodedPhoto, rect: Rect) -> Vec<u8> {
    face_picture_at(photo, rect, THUMBNAIL_SIZE, THUMBNAIL_QUALITY)
}

/// A face's picture as [`face_picture`] cuts it, `side` pixels square, as a JPEG of `quality`.
pub fn face_picture_at(photo: &DecodedPhoto, rect: Rect, side: u32, quality: u8) -> Vec<u8> {
    face_thumbnail_at(
        &photo.image,
        scale_rect(rect, 1.0 / f64::from(photo.reduction)),
        side,
        quality,
    )
}

/// Side of the square face thumbnails kept in the library.
pub const THUMBNAIL_SIZE: u32 = 160;

/// JPEG quality of the thumbnails kept in the library.
const THUMBNAIL_QUALITY: u8 = 85;

/// The face with its margin as a face picture shows it: a square this many pixels of the photo
/// across (of its box in full-size coordinates), so a picture larger than that shows nothing
/// more.
pub fn face_picture_source_side(rect: Rect) -> u32 {
    (rect.width().max(rect.height()) as f64 * FACE_PICTURE_MARGIN).round() as u32
}

/// A face picture's side, as a multiple of the face box's larger side.
const FACE_PICTURE_MARGIN: f64 = 1.5;

/// A square JPEG of the face with some margin, clamped to the photo.
pub fn face_thumbnail(image: &RgbImage, rect: Rect) -> Vec<u8> {
    face_thumbnail_at(image, rect, THUMBNAIL_SIZE, THUMBNAIL_QUALITY)
}

fn face_thumbnail_at(image: &RgbImage, rect: Rect, size: u32, quality: u8) -> Vec<u8> {
    let side = rect.width().max(rect.height()) as f64 * FACE_PICTURE_MARGIN;
    let cx = (rect.left + rect.right) as f64 / 2.0;
    let cy = (rect.top + rect.bottom) as f64 / 2.0;
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    let l = ((cx - side / 2.0).round() as i64).clamp(0, (w - 1).max(0));
    let t = ((cy - side / 2.0).round() as i64).clamp(0, (h - 1).max(0));
    let r = ((cx + side / 2.0).round() as i64).clamp(l + 1, w);
    let b = ((cy + side / 2.0).round() as i64).clamp(t + 1, h);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let crop = image::imageops::crop_imm(image, l as u32, t as u32, (r - l) as u32, (b - t) as u32)
        .to_image();
    let thumb = decode::resized(&crop, size, size);
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    if thumb.write_with_encoder(encoder).is_err() {
        return Vec::new();
    }
    out
}

/// Commits results in batches: a transaction per ~0.5 s or 32 photos, whichever comes first.
/// A copy whose original is still being analysed waits for it.
fn write_results(
    store: &mut Store,
    results: Receiver<WorkResult>,
    progress: &Progress,
    summary: &mut ScanSummary,
    contents: &ScanContents,
) -> Result<(), StoreError> {
    let mut batch: Vec<WorkResult> = Vec::new();
    let mut waiting: Vec<WorkResult> = Vec::new();
    let mut failed_contents: HashMap<String, String> = HashMap::new();
    let mut last_commit = Instant::now();
    loop {
        let next = results.recv_timeout(Duration::from_millis(100));
        let finished = matches!(next, Err(mpsc::RecvTimeoutError::Disconnected));
        if let Ok(result) = next {
            batch.push(result);
        }
        let due =
            finished || batch.len() >= 32 || last_commit.elapsed() >= Duration::from_millis(500);
        // Copies waiting for their original are only worth a commit with new results, or at
        // the end, when they are settled one way or the other.
        let work = !batch.is_empty() || (finished && !waiting.is_empty());
        if due && work {
            batch.append(&mut waiting);
            waiting = commit_batch(
                store,
                std::mem::take(&mut batch),
                progress,
                summary,
                contents,
                &mut failed_contents,
                finished,
            )?;
            last_commit = Instant::now();
        }
        if finished {
            return Ok(());
        }
    }
}

/// Writes what a worker found about one file, inside the batch's transaction; remembers the
/// contents analysed or failed in it, for the copies of them.
fn write_result(
    store: &mut Store,
    result: &WorkResult,
    analysed: &mut Vec<PhotoId>,
    analysed_now: &mut HashSet<String>,
    failed_contents: &mut HashMap<String, String>,
) -> Result<(), StoreError> {
    match result {
        WorkResult::Analysed { analysis, .. } => {
            analysed.push(store.record_analysis_in_tx(analysis)?);
            analysed_now.insert(analysis.content_hash.clone());
        }
        WorkResult::Moved { from, to, root } => {
            store.relocate_photo_in_tx(*from, Some(*root), &to.path, to.size, to.mtime_ns)?;
        }
        WorkResult::Touched {
            photo, file, root, ..
        } => {
            store.relocate_photo_in_tx(
                *photo,
                Some(*root),
                &file.path,
                file.size,
                file.mtime_ns,
            )?;
        }
        WorkResult::Failed {
            root,
            candidate,
            reason,
            content_hash,
        } => {
            // Contents read (and so hashed) are what the readers could not understand.
            let readers = content_hash.as_ref().map(|_| decode::READERS_REVISION);
            store.record_error_in_tx(
                Some(*root),
                &candidate.path,
                candidate.size,
                candidate.mtime_ns,
                reason,
                readers,
            )?;
            if let Some(hash) = content_hash {
                failed_contents.insert(hash.clone(), reason.clone());
            }
        }
        WorkResult::Copy { .. } | WorkResult::Deferred { .. } => {}
    }
    Ok(())
}

/// The analysis of a photo that the user turned, or gave or took faces from, while the scan
/// read it, is put off to the next scan, which reads the photo as the user left it.
fn unless_made_anew(store: &Store, result: WorkResult) -> Result<WorkResult, StoreError> {
    let WorkResult::Analysed {
        analysis,
        made_by_user: Some(planned),
        ..
    } = &result
    else {
        return Ok(result);
    };
    if UserLayout::now(store, planned.photo)?.as_ref() == Some(planned) {
        return Ok(result);
    }
    Ok(WorkResult::Deferred {
        candidate: Candidate {
            path: analysis.path.clone(),
            size: analysis.size,
            mtime_ns: analysis.mtime_ns,
            xmp_stamp: String::new(),
        },
        reason: "turned, or its faces changed, in Kindred while this scan read it; the next \
                 scan analyses it as it is now"
            .into(),
    })
}

/// Writes one batch in a transaction and reports it; returns the copies still waiting for
/// their original (none when `last`).
fn commit_batch(
    store: &mut Store,
    batch: Vec<WorkResult>,
    progress: &Progress,
    summary: &mut ScanSummary,
    contents: &ScanContents,
    failed_contents: &mut HashMap<String, String>,
    last: bool,
) -> Result<Vec<WorkResult>, StoreError> {
    let mut analysed = Vec::new();
    let mut waiting = Vec::new();
    let (copies, others): (Vec<WorkResult>, Vec<WorkResult>) = batch
        .into_iter()
        .partition(|r| matches!(r, WorkResult::Copy { .. }));
    let written = store.in_transaction(|store| {
        let mut written = Vec::with_capacity(others.len() + copies.len());
        let mut analysed_now = HashSet::new();
        for result in others {
            let result = unless_made_anew(store, result)?;
            write_result(
                store,
                &result,
                &mut analysed,
                &mut analysed_now,
                failed_contents,
            )?;
            written.push(result);
        }
        // Copies after the photos of this batch, whose originals may be among them.
        for copy in copies {
            let WorkResult::Copy {
                root,
                candidate,
                content_hash,
            } = copy
            else {
                continue;
            };
            let result = if analysed_now.contains(&content_hash)
                || contents.is_committed(&content_hash)
            {
                copied_analysis(store, contents, root, candidate, &content_hash)?
            } else if let Some(reason) = failed_contents.get(&content_hash) {
                WorkResult::Failed {
                    root,
                    candidate,
                    reason: reason.clone(),
                    content_hash: Some(content_hash),
                }
            } else if last {
                WorkResult::Deferred {
                    candidate,
                    reason: "identical to a photo whose analysis did not finish; the next scan \
                             analyses it"
                        .into(),
                }
            } else {
                waiting.push(WorkResult::Copy {
                    root,
                    candidate,
                    content_hash,
                });
                continue;
            };
            write_result(
                store,
                &result,
                &mut analysed,
                &mut analysed_now,
                failed_contents,
            )?;
            written.push(result);
        }
        Ok(written)
    })?;
    summary.analysed_photos.extend(analysed);
    let mut stored = Vec::new();
    for result in written {
        match result {
            WorkResult::Analysed {
                analysis: a,
                redescribed,
                copy,
                ..
            } => {
                contents.insert_committed(&a.content_hash);
                summary.analysed += 1;
                summary.redescribed += u64::from(redescribed);
                summary.copies += u64::from(copy);
                summary.faces += a.faces.len() as u64;
                stored.push((a.path.clone(), a.faces.len()));
            }
            WorkResult::Moved { from, to, .. } => {
                summary.moved += 1;
                summary.moved_photos.push(from);
                stored.push((to.path, 0));
            }
            WorkResult::Touched {
                photo, xmp_changed, ..
            } => {
                summary.unchanged += 1;
                summary.touched += 1;
                if xmp_changed {
                    summary.xmp_changed_photos.push(photo);
                }
            }
            WorkResult::Failed {
                candidate, reason, ..
            }
            | WorkResult::Deferred { candidate, reason } => {
                summary.errors += 1;
                let _ = progress.events.send(ScanEvent::Skipped {
                    path: candidate.path.clone(),
                    reason: reason.clone(),
                });
                summary.skipped.push((candidate.path, reason));
            }
            WorkResult::Copy { .. } => {}
        }
    }
    for (path, faces) in stored {
        let _ = progress.events.send(ScanEvent::PhotoStored { path, faces });
    }
    let (done, faces, errors) = (
        summary.analysed + summary.moved + summary.touched + summary.errors,
        summary.faces,
        summary.errors,
    );
    progress.update(false, |p| {
        p.done = done;
        p.faces = faces;
        p.errors = errors;
    });
    Ok(waiting)
}

/// The analysis of a file identical to a photo in the library, taken from that photo (or from
/// the file's own earlier record, when only its time changed).
fn copied_analysis(
    store: &Store,
    contents: &ScanContents,
    root: RootId,
    candidate: Candidate,
    content_hash: &str,
) -> Result<WorkResult, StoreError> {
    // A file touched without changing its content takes its own analysis: not a copy.
    let same_file = store
        .photo_by_path(&candidate.path)?
        .is_some_and(|p| p.content_hash.as_deref() == Some(content_hash));
    Ok(
        match store.analysis_of_content(content_hash, &contents.keys, &candidate.path)? {
            Some(analysis) => WorkResult::Analysed {
                analysis: Box::new(PhotoAnalysis {
                    root_id: Some(root),
                    size: candidate.size,
                    mtime_ns: candidate.mtime_ns,
                    ..analysis
                }),
                redescribed: false,
                copy: !same_file,
                made_by_user: None,
            },
            None => WorkResult::Deferred {
                candidate,
                reason: "identical to a photo that left the library during the scan; the next \
                         scan analyses it"
                    .into(),
            },
        },
    )
}

/// Why `path` (shown to the user as `shown`) cannot be added as a photo folder, if it cannot:
/// a mistyped path is told apart from a file and from a folder that may not be read.
pub fn not_a_folder(path: &Path, shown: &str) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => None,
        Ok(_) => Some(format!("{shown} is a file, not a folder")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some(format!("there is no folder {shown}"))
        }
        Err(e) => Some(format!("cannot open {shown}: {e}")),
    }
}

/// Canonical form of a folder the user adds, so the same folder is not added twice; on
/// Windows in the form users know (`C:\Photos`, not `\\?\C:\Photos`).
pub fn normalise_root(path: &Path) -> PathBuf {
    dunce::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the rate and the time left counted the walk before the analysis and every
    /// pause, so after a pause the time left was far too long.
    #[test]
    fn time_paused_and_the_walk_do_not_count_in_the_pace() {
        let control = ScanControl::new();
        let (events, received) = mpsc::channel();
        let progress = Progress::new(&control, events);
        let pause = Duration::from_millis(300);
        // A long walk, then the analysis, paused a while; resuming twice counts once.
        std::thread::sleep(pause);
        progress.update(true, |p| {
            p.phase = ScanPhase::Analysing;
            p.to_analyse = 10;
        });
        control.set_paused(true);
        std::thread::sleep(pause);
        control.set_paused(false);
        control.set_paused(false);
        assert!(control.time_paused() >= pause);
        let paused = control.time_paused();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(control.time_paused(), paused, "not paused now");
        assert!(
            progress.analysing_for() < pause,
            "{:?}",
            progress.analysing_for()
        );
        progress.update(true, |p| p.done = 5);
        let last = received.try_iter().last().unwrap();
        let ScanEvent::Progress(p) = last else {
            panic!("{last:?}")
        };
        // Five photos in well under the pause: ten a second at the very least.
        assert!(p.rate > 5.0 / pause.as_secs_f64(), "{}", p.rate);
    }

    #[test]
    fn a_turn_is_dropped_only_when_another_app_turned_the_file_a_quarter() {
        let turn_kept = |turn, before, now| turn_kept(turn, (Some(1), 1), before, now);
        let before = Some((400, 300));
        assert_eq!(turn_kept(Turn::LEFT, before, (300, 400)), Turn::NONE);
        assert_eq!(turn_kept(Turn::RIGHT, before, (300, 400)), Turn::NONE);
        // An edit that kept the shape, a crop, a square photo, a half turn: kept.
        assert_eq!(turn_kept(Turn::LEFT, before, (400, 300)), Turn::LEFT);
        assert_eq!(turn_kept(Turn::LEFT, before, (280, 400)), Turn::LEFT);
        assert_eq!(
            turn_kept(Turn::LEFT, Some((300, 300)), (300, 300)),
            Turn::LEFT
        );
        assert_eq!(
            turn_kept(Turn::clockwise(2), before, (300, 400)),
            Turn::clockwise(2)
        );
        assert_eq!(turn_kept(Turn::NONE, before, (300, 400)), Turn::NONE);
        assert_eq!(turn_kept(Turn::LEFT, None, (300, 400)), Turn::LEFT);
    }

    /// Regression: a photo the user turned upside down in Kindred, turned by its orientation
    /// in another app too, was shown turned twice. The turn takes back what the file turned,
    /// so the photo shows as it did; a quarter by the orientation is no longer a size test.
    #[test]
    fn a_turn_takes_back_what_another_app_turned_the_file_by_its_orientation() {
        let half = Turn::clockwise(2);
        let size = Some((400, 300));
        // Upside down in Kindred, then in another app (1 → 3): nothing left to turn.
        assert_eq!(turn_kept(half, (Some(1), 3), size, (400, 300)), Turn::NONE);
        // Left in Kindred, then left elsewhere (1 → 8): none; right elsewhere (1 → 6): half.
        assert_eq!(
            turn_kept(Turn::LEFT, (Some(1), 8), size, (300, 400)),
            Turn::NONE
        );
        assert_eq!(turn_kept(Turn::LEFT, (Some(1), 6), size, (300, 400)), half);
        // A camera's own orientation (6) set right elsewhere (→ 1) after a left turn here.
        assert_eq!(
            turn_kept(Turn::LEFT, (Some(6), 1), size, (300, 400)),
            Turn::NONE.then(Turn::RIGHT).then(Turn::LEFT)
        );
        // Mirrored by the other app: the turn is dropped; an unknown orientation before (a
        // record from an older library) leaves the size test.
        assert_eq!(
            turn_kept(Turn::LEFT, (Some(1), 2), size, (400, 300)),
            Turn::NONE
        );
        assert_eq!(
            turn_kept(Turn::LEFT, (None, 3), size, (400, 300)),
            Turn::LEFT
        );
        // Unchanged orientation: as before.
        assert_eq!(turn_kept(half, (Some(3), 3), size, (400, 300)), half);
        // Not turned here: the file shows as it is now, whatever its orientation was.
        assert_eq!(
            turn_kept(Turn::NONE, (Some(3), 1), size, (400, 300)),
            Turn::NONE
        );
    }

    /// Turned a quarter right, a photo's faces move where its pixels go; one detected again
    /// there takes the detection's description, once; the others keep theirs; detections on
    /// no old face are new faces.
    #[test]
    fn faces_move_with_a_turned_photo_and_each_is_found_again_once() {
        let old = |id: FaceId, rect: Rect, d: f32| FaceRecord {
            id,
            photo_id: 1,
            index: id as u32,
            rect,
            confidence: 0.5,
            landmarks: [Point::new(rect.left, rect.top); 5],
            descriptor: [d; 128],
            model_version: "m".into(),
            by_hand: id == 2,
        };
        // A 400×200 photo, turned right: 200×400; (x, y) goes to (199 - y, x).
        let faces = vec![
            old(1, Rect::new(0, 0, 99, 99), 0.1),
            old(2, Rect::new(300, 100, 349, 149), 0.2),
        ];
        let turned = DecodedPhoto {
            image: RgbImage::new(200, 400),
            reduction: 1,
            full_size: (200, 400),
            orientation: 1,
            taken_at: None,
            camera: None,
        };
        let detected = |rect: Rect, d: f32| NewFace::at(rect, [d; 128]);
        let PhotoTurnPlan {
            moved,
            found_again,
            found,
            ..
        } = faces_turned(
            9,
            faces,
            Turn::RIGHT,
            &turned,
            &[
                // Face 1 where it went, twice (two faces close together), and a new one.
                detected(Rect::new(101, 1, 199, 98), 0.7),
                detected(Rect::new(104, 0, 199, 96), 0.8),
                detected(Rect::new(0, 0, 49, 49), 0.9),
            ],
        );
        assert_eq!(moved.len(), 2);
        assert_eq!(found_again, [1]);
        assert_eq!(moved[0].id, 1);
        assert_eq!(moved[0].face.rect, Rect::new(101, 1, 199, 98));
        assert_eq!(moved[0].face.descriptor, [0.7; 128]);
        assert!(!moved[0].face.by_hand);
        assert_eq!(moved[1].id, 2);
        assert_eq!(moved[1].face.rect, Rect::new(50, 300, 99, 349));
        assert_eq!(moved[1].face.descriptor, [0.2; 128]);
        assert_eq!(moved[1].face.landmarks[0], Point::new(99, 300));
        assert!(moved[1].face.by_hand);
        assert!(!moved[1].face.thumbnail_jpeg.is_empty());
        let found: Vec<f32> = found.iter().map(|f| f.descriptor[0]).collect();
        assert_eq!(found, [0.8, 0.9]);
    }

    /// A folder path typed wrong says there is no such folder, rather than "not a folder".
    #[test]
    fn a_path_that_is_no_folder_says_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(not_a_folder(dir.path(), "here"), None);
        let file = dir.path().join("a.jpg");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(
            not_a_folder(&file, "a.jpg").as_deref(),
            Some("a.jpg is a file, not a folder")
        );
        assert_eq!(
            not_a_folder(&dir.path().join("Pictrues"), "~/Pictrues").as_deref(),
            Some("there is no folder ~/Pictrues")
        );
    }

    /// Windows' own canonical form (`\\?\C:\Photos`) is not what users know, and
    /// Explorer and photo viewers do not open it.
    #[test]
    fn a_folder_is_recorded_as_users_know_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = normalise_root(dir.path());
        assert!(root.is_absolute(), "{}", root.display());
        assert!(
            !root.to_string_lossy().starts_with(r"\\?\"),
            "{}",
            root.display()
        );
        assert_eq!(normalise_root(&root.join(".")), root);
    }

    /// A photo decoded at half its size: faces come back in the photo's own coordinates, and
    /// describing those boxes again finds the same pixels (the same descriptors, bit for bit).
    #[test]
    fn faces_of_a_reduced_photo_are_stored_in_full_size_coordinates() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let engine = FaceEngine::load_from_dir(&root.join("models")).unwrap();
        let image = image::open(root.join("tests/fixtures/golden/images/2008_002506.png"))
            .unwrap()
            .to_rgb8();
        let as_is = |reduction: u32| DecodedPhoto {
            full_size: (image.width() * reduction, image.height() * reduction),
            image: image.clone(),
            reduction,
            orientation: 1,
            taken_at: None,
            camera: None,
        };
        let options = ScanOptions::default();
        let whole = analyse_photo(&engine, &as_is(1), options);
        let reduced = analyse_photo(&engine, &as_is(2), options);
        assert_eq!(whole.len(), 3);
        assert_eq!(reduced.len(), whole.len());
        for (w, r) in whole.iter().zip(&reduced) {
            let doubled = |v: i64| 2 * v;
            assert_eq!(
                r.rect,
                Rect::new(
                    doubled(w.rect.left),
                    doubled(w.rect.top),
                    doubled(w.rect.right) + 1,
                    doubled(w.rect.bottom) + 1
                )
            );
            for (pw, pr) in w.landmarks.iter().zip(&r.landmarks) {
                assert_eq!((pr.x, pr.y), (2 * pw.x + 1, 2 * pw.y + 1));
            }
            assert_eq!(r.descriptor, w.descriptor);
            assert_eq!(r.thumbnail_jpeg, w.thumbnail_jpeg);
        }
        let known: Vec<Detection> = reduced
            .iter()
            .map(|f| Detection {
                rect: f.rect,
                confidence: f.confidence,
            })
            .collect();
        let again = redescribe_faces(&engine, &as_is(2), &known);
        for (a, r) in again.iter().zip(&reduced) {
            assert_eq!(a.rect, r.rect);
            assert_eq!(a.landmarks, r.landmarks);
            assert_eq!(a.descriptor, r.descriptor);
        }
    }

    #[test]
    fn the_model_version_is_the_detection_and_descriptor_parts() {
        assert!(MODEL_VERSION.starts_with(&format!("{DETECTION_VERSION}+")));
        let descriptor = &MODEL_VERSION[DETECTION_VERSION.len() + 1..];
        assert!(!EARLIER_DESCRIPTOR_VERSIONS.contains(&descriptor));
    }

    #[test]
    fn a_photo_at_most_half_the_analysis_size_is_looked_at_doubled() {
        let options = ScanOptions::default();
        for (size, upsample) in [
            ((500, 375), 1),
            ((1024, 768), 1),
            ((768, 1024), 1),
            ((1025, 768), 0),
            ((4000, 3000), 0),
            ((0, 0), 0),
        ] {
            assert_eq!(options.for_photo(size).upsample, upsample, "{size:?}");
        }
        let keys = options.analysis_keys();
        assert_eq!(
            keys.for_size(500, 375),
            options.for_photo((500, 375)).analysis_key()
        );
        assert_eq!(keys.for_size(4000, 3000), options.analysis_key());
        // Looking for small faces doubles every photo: a small one once more.
        let small_faces = ScanOptions {
            upsample: 1,
            ..options
        };
        assert_eq!(small_faces.for_photo((500, 375)).upsample, 2);
        // At full size, no photo is smaller than the analysis size.
        let full_size = ScanOptions {
            max_side: 0,
            ..options
        };
        assert_eq!(full_size.for_photo((500, 375)), full_size);
    }

    #[test]
    fn only_a_descriptor_change_at_the_same_settings_skips_detection() {
        let options = ScanOptions::default();
        let earlier = "dlib-mmod+sp5+resnet-v1;max_side=2048;upsample=0";
        assert!(options.needs_only_new_descriptors(earlier));
        // The current key is not "earlier": unchanged photos are not read at all.
        assert!(!options.needs_only_new_descriptors(&options.analysis_key()));
        // Other analysis sizes or upsampling find other faces: analysed in full.
        let bigger = ScanOptions {
            max_side: 0,
            ..options
        };
        assert!(!bigger.needs_only_new_descriptors(earlier));
        let upsampled = ScanOptions {
            upsample: 1,
            ..options
        };
        assert!(!upsampled.needs_only_new_descriptors(earlier));
        assert!(!options.needs_only_new_descriptors("external"));
        assert!(
            !options.needs_only_new_descriptors("dlib-mmod+sp5+resnet-v0;max_side=2048;upsample=0")
        );
    }
}
