//! The app's worker side: one thread owns the library's database connection and answers the
//! UI's requests; images are decoded on rayon; scans run on their own thread with their own
//! connection, and so do Review's lists, which take seconds in a big library and must not hold
//! up the answers given meanwhile. The UI thread only sends requests and drains responses, so
//! it never waits on the database or the disk.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};

use egui::ColorImage;
use rayon::prelude::*;

use super::views::count;
use crate::engine::geometry::Rect;
use crate::engine::pipeline::FaceEngine;
use crate::export::album::{
    self, ExportControl, ExportEvent, ExportPlan, ExportRequest, ExportSummary,
};
use crate::export::xmp_import::{NamesTakenOver, take_over_names};
use crate::library::folders::{
    self, ExcludedFolder, FolderContents, FolderSummary, NewPlace, SubfolderSummary,
};
use crate::library::scan::{self, PhotoTurned, ScanControl, ScanEvent, ScanOptions, ScanSummary};
use crate::library::store::{
    FaceId, MayTellOfDamage, PhotoId, PhotoRecord, RootId, StatusCounts, Store, StoreError,
};
use crate::library::turn::Turn;
use crate::people::matching::ClusterOptions;
use crate::people::ops::{
    self, FaceOrder, PersonFace, PersonId, PersonSummary, PhotoFace, Suggestion,
};
use crate::text::photos_with_faces;

use super::thumbnail_cache::{self, FileStamp, Thumbnail, ThumbnailCache};

/// Longest side of the photo shown in the photo view (bounded so a 50 MP photo does not
/// become a 200 MB texture).
pub const PHOTO_VIEW_MAX_SIDE: u32 = 2048;
/// Longest side of photo thumbnails in the Photos tab.
pub const PHOTO_THUMB_SIDE: u32 = 256;

/// A change to people, applied by the `people` module in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    Name(PersonId, String),
    Merge {
        from: Vec<PersonId>,
        into: PersonId,
    },
    Split {
        faces: Vec<FaceId>,
        name: Option<String>,
    },
    Move {
        faces: Vec<FaceId>,
        to: PersonId,
    },
    Reject {
        faces: Vec<FaceId>,
        from: Option<PersonId>,
    },
    Ignore(Vec<FaceId>),
    /// Ignored faces back among the faces to match.
    Unignore(Vec<FaceId>),
    /// Take away a face the user added.
    RemoveFace(FaceId),
    SetHidden(Vec<PersonId>, bool),
    SetKeyFace(PersonId, FaceId),
    /// Give faces to the person with this name, creating the person if no one has it.
    AssignToName {
        faces: Vec<FaceId>,
        name: String,
    },
    /// Undo the last this many corrections (1: Ctrl+Z; more: back to one picked in the
    /// history).
    Undo(usize),
    Redo,
}

#[derive(Debug, Clone)]
pub enum Request {
    /// People list, counts, folders and the undo label.
    Refresh,
    /// A person's faces, in the order the user chose.
    PersonFaces(PersonId, FaceOrder),
    /// The photos in which all these people appear.
    PhotosOf(Vec<PersonId>),
    /// A photo folder's photos in which no face was found.
    PhotosWithoutFaces(RootId),
    /// A folder's page: its photos and who is in them.
    FolderContents(PathBuf),
    /// The faces the user ignored.
    IgnoredFaces,
    /// A photo's record and faces, and its picture unless the app holds it already at the turn
    /// given (a reload after a correction leaves the picture, as sharp as it was, alone).
    Photo {
        photo: PhotoId,
        holding: Option<Turn>,
    },
    /// The photo's picture again, up to this many pixels a side: zoomed in, the view wants
    /// more than [`PHOTO_VIEW_MAX_SIDE`].
    SharperPhoto(PhotoId, u32),
    /// Find the face in a box drawn on a photo, store it (undoably) and match it with
    /// `matching`, on a worker: the photo is read again and the face models run.
    AddFace {
        photo: PhotoId,
        drawn: Rect,
        matching: ClusterOptions,
    },
    /// Look at a photo more closely than `options` do for faces too small for the scan, add
    /// them (undoably) and match them with `matching`, on a worker.
    LookCloser {
        photo: PhotoId,
        options: ScanOptions,
        matching: ClusterOptions,
    },
    /// Turn a photo stored sideways by a quarter (or more) as the user asked, move its faces
    /// with it and look for faces on it turned as `options` do, matching those found with
    /// `matching`, on a worker.
    TurnPhoto {
        photo: PhotoId,
        by: Turn,
        options: ScanOptions,
        matching: ClusterOptions,
    },
    /// [`Request::LookCloser`] at many photos, one after another on a thread of its own,
    /// reporting each; pausable and stoppable, undone as one.
    LookCloserAt {
        photos: Vec<PhotoId>,
        options: ScanOptions,
        matching: ClusterOptions,
    },
    /// [`Request::TurnPhoto`] for many photos, one after another on a thread of its own,
    /// reporting each; pausable and stoppable, undone as one.
    TurnPhotos {
        photos: Vec<PhotoId>,
        by: Turn,
        options: ScanOptions,
        matching: ClusterOptions,
    },
    /// Review's list, leaving out the faces the user skipped or answered.
    Suggestions {
        of: ReviewOf,
        skipped: Vec<FaceId>,
    },
    FaceThumbnails(Vec<FaceId>),
    PhotoThumbnails(Vec<(PhotoId, PathBuf)>),
    /// Faces shown larger than the library keeps their pictures, with the side each is shown
    /// at: cut again from their photos as sharp as that (as far as the photo has the pixels),
    /// and kept in the thumbnail cache.
    SharperFaces(Vec<(FaceId, u32)>),
    FolderErrors(RootId),
    /// The folders inside a photo folder, with their counts.
    Subfolders(RootId),
    Mutate(Mutation),
    AddFolder(PathBuf),
    RemoveFolder(RootId),
    /// A photo folder was moved or renamed to this folder: follow it.
    RelocateFolder(RootId, PathBuf),
    ForgetMissing(RootId),
    /// A backup copy of the library: made now (by hand), or the weekly one if it is due.
    BackUp(crate::library::backup::BackupKind),
    /// What a backup copy holds, read from it (and checked), before it is put back.
    InspectBackup(PathBuf),
    /// Save what can still be read of the damaged library as a copy of its own.
    Salvage,
    /// Leave a subfolder out of the library.
    ExcludeFolder(PathBuf),
    /// Take a left-out subfolder back in (the app then rescans).
    IncludeFolder(PathBuf),
    /// Scan every folder of the library, take over names from other apps' face tags of the photos it
    /// analysed (unless `xmp_names` is off), then match the new faces with `matching`.
    Scan {
        options: ScanOptions,
        matching: ClusterOptions,
        xmp_names: bool,
    },
    /// Match faces stored by a running or finished scan to people.
    MatchNewFaces(ClusterOptions),
    /// Plan an album and, unless it is a dry run, make it (on its own thread).
    Export {
        request: ExportRequest,
        dry_run: bool,
    },
}

#[derive(Debug)]
pub enum Response {
    /// What a copy holds ([`Request::InspectBackup`]), or why it cannot be put back.
    BackupInspected(
        PathBuf,
        Result<crate::library::backup::BackupContents, String>,
    ),
    Overview {
        people: Vec<PersonSummary>,
        counts: StatusCounts,
        folders: Vec<FolderSummary>,
        /// The folders not there on disk now (on a drive not connected, say), each with where
        /// it likely is now if it was renamed or moved.
        folders_not_there: HashMap<RootId, Option<NewPlace>>,
        excluded: Vec<ExcludedFolder>,
        /// What redo would bring back, in words ([`ops::in_words`]).
        redo: Option<String>,
        /// The corrections undo would take back, newest first (see [`UNDO_HISTORY_LEN`]), in
        /// words.
        history: Vec<String>,
    },
    /// The library's backup copies, newest first.
    Backups(Vec<crate::library::backup::Backup>),
    /// What [`Request::Salvage`] saved (the copies are listed again first), or why nothing.
    Salvaged(Result<crate::library::salvage::Salvage, String>),
    PersonFaces(PersonId, Vec<PersonFace>),
    Photos(Vec<PersonId>, Vec<PhotoRecord>),
    PhotosWithoutFaces(RootId, Vec<PhotoRecord>),
    FolderContents(FolderContents),
    IgnoredFaces(Vec<PersonFace>),
    Photo(PhotoRecord, Vec<PhotoFace>),
    /// A photo's picture, turned as the user turned it.
    PhotoImage(PhotoId, Turn, Result<ColorImage, NoPicture>),
    /// The face drawn on a photo was added (its id), or why not.
    FaceAdded(PhotoId, Result<FaceId, Failure>),
    /// How many faces a closer look at a photo added, or why none.
    FoundCloser(PhotoId, Result<usize, Failure>),
    /// A photo was turned (with how many faces were found on it turned), or why not.
    PhotoTurned(PhotoId, Result<PhotoTurned, Failure>),
    PhotoJobStarted(Arc<ScanControl>),
    PhotoJob(PhotoJobProgress),
    /// Photos a job turned (one and its copies), and their faces: their pictures are old.
    PhotosTurned(Vec<PhotoId>, Vec<FaceId>),
    PhotoJobFinished(Result<PhotoJobProgress, Failure>),
    Suggestions(ReviewList),
    FaceThumbnail(FaceId, Option<ColorImage>),
    /// Faces whose sharper pictures were let go of unmade, their asks too old (see
    /// [`SHARPER_ASKS_WAITING`]): to be asked for again if they are still shown.
    SharperFacesPassedOver(Vec<FaceId>),
    PhotoThumbnail(PhotoId, Option<ColorImage>),
    FolderErrors(RootId, Vec<(PhotoId, PathBuf, String)>),
    Subfolders(RootId, Vec<SubfolderSummary>),
    /// A mutation was applied; the views refresh what they show.
    Changed(Change),
    Scan(ScanEvent),
    ScanStarted(Arc<ScanControl>),
    ScanFinished(Result<ScanSummary, Failure>),
    /// A dry run's one-line account of what the export would do.
    /// What the export asked for would do, in words.
    ExportPreview(ExportRequest, Result<String, String>),
    ExportStarted(Arc<ExportControl>),
    Export(ExportEvent),
    ExportFinished(Result<ExportSummary, Failure>),
    Error(Failure),
}

/// How many corrections the undo history offers to go back over.
pub const UNDO_HISTORY_LEN: usize = 15;

/// How many suggestions Review asks for at a time; answering them brings the next.
pub const REVIEW_LIST_LEN: usize = 200;

/// Whose suggestions Review shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewOf {
    /// Each face asked about the named person it is most like.
    Everyone,
    Person(PersonId),
}

/// Review's list, nearest first.
#[derive(Debug, Clone)]
pub struct ReviewList {
    pub of: ReviewOf,
    pub items: Vec<Suggestion>,
    /// The list was cut at its length: more faces wait behind it.
    pub more_behind: bool,
}

/// What Review asks for: whose suggestions, without the faces the user skipped or answered.
struct ReviewAsk {
    of: ReviewOf,
    skipped: Vec<FaceId>,
}

/// Works out Review's lists on its own connection, the newest ask only: the UI shows one list,
/// and each answer asks anew. The database thread passes each ask on after the writes sent
/// before it, so a list never misses an answer given before it was asked for.
fn review_worker(
    mut reader: Result<Store, Failure>,
    inbox: Receiver<ReviewAsk>,
    shared: Arc<Shared>,
) {
    while let Ok(mut ask) = inbox.recv() {
        for newer in inbox.try_iter() {
            shared.done();
            ask = newer;
        }
        let list = match &mut reader {
            Ok(store) => store
                .read_snapshot(|store| review_list(store, ask.of, &ask.skipped))
                .map_err(Failure::from),
            Err(e) => Err(e.clone()),
        };
        shared.send(match list {
            Ok(list) => Response::Suggestions(list),
            Err(failure) => Response::Error(failure),
        });
        shared.done();
    }
}

/// The first [`REVIEW_LIST_LEN`] suggestions that are not among `skipped`.
fn review_list(
    store: &Store,
    of: ReviewOf,
    skipped: &[FaceId],
) -> Result<ReviewList, ops::PeopleError> {
    let asked = REVIEW_LIST_LEN + skipped.len();
    let mut items = match of {
        ReviewOf::Everyone => ops::suggestions_for_everyone(store, asked)?,
        ReviewOf::Person(id) => ops::suggestions(store, id, asked)?,
    };
    let cut = items.len() >= asked;
    let skipped: HashSet<FaceId> = skipped.iter().copied().collect();
    items.retain(|s| !skipped.contains(&s.face));
    let more_behind = cut || items.len() > REVIEW_LIST_LEN;
    items.truncate(REVIEW_LIST_LEN);
    Ok(ReviewList {
        of,
        items,
        more_behind,
    })
}

/// What a change says to the user, and the person it sent faces to, which they may want to
/// open next (a person split off, the one faces were moved to).
#[derive(Debug, Default)]
pub struct Change {
    pub message: String,
    pub person: Option<PersonId>,
    /// Faces an undo or redo put back as they were.
    pub replayed_faces: Vec<FaceId>,
    /// Photos an undo or redo turned, and their faces: their pictures are to be shown anew.
    pub turned_photos: Vec<PhotoId>,
    pub turned_faces: Vec<FaceId>,
}

impl Change {
    fn said(message: String) -> Change {
        Change {
            message,
            ..Default::default()
        }
    }

    /// An undo's or redo's message, with the photos it turned.
    fn replayed(message: String, replayed: &[ops::Replayed]) -> Change {
        Change {
            message,
            person: None,
            replayed_faces: replayed
                .iter()
                .flat_map(|r| r.faces.iter().copied())
                .collect(),
            turned_photos: replayed
                .iter()
                .flat_map(|r| r.turned_photos.iter().copied())
                .collect(),
            turned_faces: replayed
                .iter()
                .flat_map(|r| r.turned_faces.iter().copied())
                .collect(),
        }
    }
}

/// The UI's handle on the worker thread.
pub struct Backend {
    requests: Sender<Request>,
    responses: Receiver<Response>,
    pending: Arc<AtomicUsize>,
    /// The database thread and Review's, each with a connection to the library.
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// Why something asked of the library could not be done, in words, and whether because the
/// library file is damaged: the app says so with the banner that leads to the backup copies
/// rather than with a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub damage: bool,
}

impl Failure {
    /// The same failure, said as what it stopped: "Scan failed: …".
    pub fn in_context(self, doing: &str) -> Self {
        Failure {
            message: format!("{doing}: {}", self.message),
            ..self
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Kindred's own refusals and the failures around the library (a thread that would not start,
/// the models that would not load): never the file's damage.
impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            damage: false,
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

/// The library's errors, which can tell whether they come of the file's damage.
macro_rules! failure_from {
    ($($error:ty),*) => {$(
        impl From<$error> for Failure {
            fn from(error: $error) -> Self {
                Failure {
                    damage: error.is_damage(),
                    message: error.to_string(),
                }
            }
        }
    )*};
}
failure_from!(
    StoreError,
    ops::PeopleError,
    scan::AddFacesError,
    album::ExportError,
    crate::export::xmp_import::ImportError
);

/// What the worker threads share.
struct Shared {
    library: PathBuf,
    responses: Sender<Response>,
    pending: Arc<AtomicUsize>,
    repaint: egui::Context,
    engine: OnceLock<Result<Arc<FaceEngine>, String>>,
    thumbnail_cache: Option<ThumbnailCache>,
}

impl Shared {
    fn send(&self, response: Response) {
        // The UI may be gone while a scan finishes; nothing is lost, the store has it all.
        let _ = self.responses.send(response);
        self.repaint.request_repaint();
    }

    fn engine(&self) -> Result<Arc<FaceEngine>, String> {
        self.engine
            .get_or_init(|| {
                FaceEngine::load()
                    .map(Arc::new)
                    .map_err(|e| format!("cannot load the face models: {e}"))
            })
            .clone()
    }

    fn done(&self) {
        self.pending.fetch_sub(1, Ordering::SeqCst);
        self.repaint.request_repaint();
    }
}

impl Backend {
    /// Starts the worker on an open store. `thumbnail_cache` is where thumbnails (of photos,
    /// and of faces cut sharper than the library keeps them) are kept between runs (none: not
    /// cached).
    pub fn start(store: Store, repaint: egui::Context, thumbnail_cache: Option<PathBuf>) -> Self {
        let (requests, inbox) = mpsc::channel::<Request>();
        let (responses, outbox) = mpsc::channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let thumbnail_cache = thumbnail_cache.map(ThumbnailCache::new);
        if let Some(cache) = thumbnail_cache.clone() {
            // Off the worker: a big cache is tens of thousands of files to look at.
            let _ = std::thread::Builder::new()
                .name("kindred-thumbnail-trim".into())
                .spawn(move || cache.trim(thumbnail_cache::LIMIT_BYTES));
        }
        let shared = Arc::new(Shared {
            library: store.path().to_path_buf(),
            responses,
            pending: pending.clone(),
            repaint,
            engine: OnceLock::new(),
            thumbnail_cache,
        });
        let reader = store
            .open_another()
            .map_err(|e| Failure::from(e).in_context("Review cannot read the library"));
        let (review, review_inbox) = mpsc::channel();
        let review_shared = shared.clone();
        let review_thread = std::thread::Builder::new()
            .name("kindred-review".into())
            .spawn(move || review_worker(reader, review_inbox, review_shared))
            .expect("the OS refused to start the review thread");
        let (sharper, sharper_inbox) = mpsc::channel();
        let sharper_shared = shared.clone();
        let sharper_thread = std::thread::Builder::new()
            .name("kindred-sharper-faces".into())
            .spawn(move || sharper_faces_worker(sharper_inbox, sharper_shared))
            .expect("the OS refused to start the thread for sharper faces");
        let helpers = Helpers { review, sharper };
        let db_thread = std::thread::Builder::new()
            .name("kindred-db".into())
            .spawn(move || worker(store, inbox, helpers, shared))
            .expect("the OS refused to start the database thread");
        Backend {
            requests,
            responses: outbox,
            pending,
            threads: vec![db_thread, review_thread, sharper_thread],
        }
    }

    /// Stops the database thread and its helpers once idle (see [`Backend::is_idle`]) and
    /// waits until they have let go of the library: its file may then be replaced. Requests
    /// sent afterwards are dropped.
    pub fn shut_down(&mut self) {
        // The database thread ends when its inbox closes, and its helpers with it.
        self.requests = mpsc::channel().0;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }

    pub fn send(&self, request: Request) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.requests.send(request).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Responses that arrived since the last call.
    pub fn poll(&self) -> Vec<Response> {
        self.responses.try_iter().collect()
    }

    /// True when no request (scans included) is being worked on.
    pub fn is_idle(&self) -> bool {
        self.pending.load(Ordering::SeqCst) == 0
    }
}

impl Request {
    /// A read whose answer `later` gives anew: answering both is wasted work, since the UI
    /// keeps only the newest answer.
    fn is_superseded_by(&self, later: &Request) -> bool {
        match (self, later) {
            (Request::Refresh, Request::Refresh) => true,
            (Request::PersonFaces(a, _), Request::PersonFaces(b, _)) => a == b,
            (Request::PhotosOf(a), Request::PhotosOf(b)) => a == b,
            (Request::PhotosWithoutFaces(a), Request::PhotosWithoutFaces(b)) => a == b,
            (Request::FolderContents(a), Request::FolderContents(b)) => a == b,
            (Request::IgnoredFaces, Request::IgnoredFaces) => true,
            (Request::Suggestions { of: a, .. }, Request::Suggestions { of: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// The next request worth answering from the queue, and how many were dropped before it.
/// A read asked for again later in the queue is dropped: each answer in Review reloads the
/// suggestions (over a second for a person with 12,000 faces among 100,000), so a user who
/// answers faster than that would otherwise wait for every stale list in turn. Writes and
/// everything else keep their order.
fn next_request(queue: &mut std::collections::VecDeque<Request>) -> (Option<Request>, usize) {
    let mut dropped = 0;
    while let Some(request) = queue.pop_front() {
        if queue.iter().any(|later| request.is_superseded_by(later)) {
            dropped += 1;
        } else {
            return (Some(request), dropped);
        }
    }
    (None, dropped)
}

/// The threads the database thread hands work on to.
struct Helpers {
    review: Sender<ReviewAsk>,
    sharper: Sender<Vec<SharperFace>>,
}

fn worker(mut store: Store, inbox: Receiver<Request>, helpers: Helpers, shared: Arc<Shared>) {
    let mut queue = std::collections::VecDeque::new();
    loop {
        if queue.is_empty() {
            match inbox.recv() {
                Ok(request) => queue.push_back(request),
                Err(_) => return,
            }
        }
        queue.extend(inbox.try_iter());
        let (request, dropped) = next_request(&mut queue);
        for _ in 0..dropped {
            shared.done();
        }
        let Some(request) = request else { continue };
        // Thumbnails, scans and Review's lists finish elsewhere and call `done` themselves.
        let finishes_here = !matches!(
            request,
            Request::Suggestions { .. }
                | Request::FaceThumbnails(_)
                | Request::SharperFaces(_)
                | Request::PhotoThumbnails(_)
                | Request::Photo { .. }
                | Request::SharperPhoto(..)
                | Request::AddFace { .. }
                | Request::LookCloser { .. }
                | Request::TurnPhoto { .. }
                | Request::LookCloserAt { .. }
                | Request::TurnPhotos { .. }
                | Request::Scan { .. }
                | Request::Export { .. }
                | Request::BackUp(_)
                | Request::Salvage
        );
        if let Err(message) = handle(&mut store, request, &helpers, &shared) {
            shared.send(Response::Error(message));
        }
        if finishes_here {
            shared.done();
        }
    }
}

fn handle(
    store: &mut Store,
    request: Request,
    helpers: &Helpers,
    shared: &Arc<Shared>,
) -> Result<(), Failure> {
    match request {
        Request::Refresh => {
            // The copies first, from the disk alone: with the library file damaged, the reads
            // below fail, and the copies are what the user needs then.
            shared.send(Response::Backups(crate::library::backup::list(
                store.path(),
            )));
            let people = ops::people(store)?;
            let counts = store.status_counts()?;
            let folders = store.folder_summaries()?;
            let folders_not_there = folders
                .iter()
                .filter(|f| !f.path.is_dir())
                .map(|f| Ok((f.id, store.likely_new_place(f.id)?)))
                .collect::<Result<_, StoreError>>()?;
            let excluded = store.excluded_folders()?;
            let history = ops::recent_corrections(store, UNDO_HISTORY_LEN)?
                .iter()
                .map(|what| ops::in_words(what))
                .collect();
            let redo = ops::next_redo(store)?.map(|what| ops::in_words(&what));
            shared.send(Response::Overview {
                people,
                counts,
                folders,
                folders_not_there,
                excluded,
                redo,
                history,
            });
        }
        Request::PersonFaces(id, order) => {
            let faces = ops::faces_of_person_in_order(store, id, order)?;
            shared.send(Response::PersonFaces(id, faces));
        }
        Request::IgnoredFaces => {
            let faces = ops::ignored_faces(store)?;
            shared.send(Response::IgnoredFaces(faces));
        }
        Request::PhotosOf(ids) => {
            let photo_ids = ops::photos_of_people(store, &ids)?;
            let mut photos = store.photos_by_id(&photo_ids)?;
            folders::sort_as_shown(&mut photos);
            shared.send(Response::Photos(ids, photos));
        }
        Request::PhotosWithoutFaces(root) => {
            let photos = store.photos_without_faces(root)?;
            shared.send(Response::PhotosWithoutFaces(root, photos));
        }
        Request::FolderContents(folder) => {
            let contents = store.folder_contents(&folder)?;
            shared.send(Response::FolderContents(contents));
        }
        Request::SharperPhoto(id, max_side) => match store.photo(id) {
            Ok(Some(record)) => send_photo_picture(shared, &record, max_side),
            // Gone from the library meanwhile: there is nothing to show sharper.
            Ok(None) => shared.done(),
            Err(e) => {
                shared.done();
                return Err(e.into());
            }
        },
        Request::Photo { photo: id, holding } => {
            let result = (|| {
                let record = store
                    .photo(id)?
                    .ok_or_else(|| format!("photo {id} is no longer in the library"))?;
                let faces = ops::faces_in_photo(store, id)?;
                Ok::<_, Failure>((record, faces))
            })();
            match result {
                Ok((record, faces)) => {
                    shared.send(Response::Photo(record.clone(), faces));
                    if holding == Some(record.turn) {
                        shared.done();
                    } else {
                        send_photo_picture(shared, &record, PHOTO_VIEW_MAX_SIDE);
                    }
                }
                Err(e) => {
                    shared.done();
                    return Err(e);
                }
            }
        }
        Request::AddFace {
            photo,
            drawn,
            matching,
        } => {
            let shared = shared.clone();
            rayon::spawn(move || {
                let added = add_drawn_face(&shared, photo, drawn, &matching);
                shared.send(Response::FaceAdded(photo, added));
                shared.done();
            });
        }
        Request::LookCloser {
            photo,
            options,
            matching,
        } => {
            let shared = shared.clone();
            rayon::spawn(move || {
                let found = add_faces_found_closer(&shared, photo, options, &matching);
                shared.send(Response::FoundCloser(photo, found));
                shared.done();
            });
        }
        Request::TurnPhoto {
            photo,
            by,
            options,
            matching,
        } => {
            let shared = shared.clone();
            rayon::spawn(move || {
                let turned = turn_photo(&shared, photo, by, options, &matching);
                shared.send(Response::PhotoTurned(photo, turned));
                shared.done();
            });
        }
        Request::Suggestions { of, skipped } => {
            if helpers.review.send(ReviewAsk { of, skipped }).is_err() {
                shared.done();
                return Err("Review's thread has stopped".into());
            }
        }
        Request::FaceThumbnails(ids) => {
            let mut blobs = Vec::with_capacity(ids.len());
            let mut to_make: Vec<(FaceId, Rect, PhotoRecord)> = Vec::new();
            for id in ids {
                match store.face_thumbnail(id).ok().flatten() {
                    Some(blob) if !blob.is_empty() => blobs.push((id, blob)),
                    // None kept (a library put back from a backup copy, an identical copy
                    // of a photo analysed from it): made again.
                    _ => match store.face(id).ok().flatten() {
                        Some(face) => match store.photo(face.photo_id).ok().flatten() {
                            Some(photo) => to_make.push((id, face.rect, photo)),
                            None => shared.send(Response::FaceThumbnail(id, None)),
                        },
                        None => shared.send(Response::FaceThumbnail(id, None)),
                    },
                }
            }
            let shared = shared.clone();
            rayon::spawn(move || {
                for (id, blob) in blobs {
                    let image = decode_thumbnail(&blob);
                    shared.send(Response::FaceThumbnail(id, image));
                }
                make_face_pictures(&shared, to_make);
                shared.done();
            });
        }
        Request::SharperFaces(asked) => {
            let mut to_cut = Vec::new();
            for (id, side) in asked {
                let Some(face) = store.face(id).ok().flatten() else {
                    continue;
                };
                // A picture larger than the face's pixels in its photo shows nothing more.
                let side = side.min(scan::face_picture_source_side(face.rect));
                if side as f32 <= scan::THUMBNAIL_SIZE as f32 * super::textures::SOFT_BEYOND {
                    continue;
                }
                if let Some(photo) = store.photo(face.photo_id).ok().flatten() {
                    to_cut.push(SharperFace {
                        id,
                        rect: face.rect,
                        photo,
                        side,
                    });
                }
            }
            if helpers.sharper.send(to_cut).is_err() {
                shared.done();
            }
        }
        Request::PhotoThumbnails(photos) => {
            // As the library last saw each file: for the thumbnail kept of one not there now.
            let photos: Vec<_> = photos
                .into_iter()
                .map(|(id, path)| {
                    let record = store.photo(id).ok().flatten();
                    let recorded = record.as_ref().map(|p| FileStamp {
                        size: p.size,
                        mtime_ns: p.mtime_ns,
                    });
                    let turn = record.map_or(Turn::NONE, |p| p.turn);
                    (id, path, recorded, turn)
                })
                .collect();
            let shared = shared.clone();
            rayon::spawn(move || {
                for (id, path, recorded, turn) in photos {
                    // Kept on disk as the file shows it: the same for every turn.
                    let image =
                        photo_thumbnail(&path, recorded, turn, shared.thumbnail_cache.as_ref());
                    shared.send(Response::PhotoThumbnail(id, image));
                }
                shared.done();
            });
        }
        Request::FolderErrors(root) => {
            let errors = store.folder_errors(root)?;
            shared.send(Response::FolderErrors(root, errors));
        }
        Request::Subfolders(root) => {
            let subfolders = store.subfolder_summaries(root)?;
            shared.send(Response::Subfolders(root, subfolders));
        }
        Request::ExcludeFolder(path) => {
            let left_out = ops::leave_out_folder(store, &path)?;
            shared.send(Response::Changed(Change::said(format!(
                "Left out {}: {} left People",
                path.display(),
                photos_with_faces(left_out.photos, left_out.faces)
            ))));
        }
        Request::IncludeFolder(path) => {
            store.include_folder(&path)?;
            shared.send(Response::Changed(Change::said(format!(
                "Took {} back in",
                path.display()
            ))));
        }
        Request::Mutate(mutation) => {
            let change = apply(store, mutation)?;
            shared.send(Response::Changed(change));
        }
        Request::AddFolder(path) => {
            let shown = super::views::shown_path(&path);
            if let Some(why) = scan::not_a_folder(&path, &shown) {
                return Err(why.into());
            }
            store.add_root(&scan::normalise_root(&path))?;
            shared.send(Response::Changed(Change::said(format!("Added {shown}"))));
        }
        Request::RemoveFolder(id) => {
            let left_out = store.remove_folder(id)?;
            shared.send(Response::Changed(Change::said(format!(
                "Folder removed: {} left People (adding the folder again brings them back, with their names)",
                photos_with_faces(left_out.photos, left_out.faces)
            ))));
        }
        Request::RelocateFolder(id, to) => {
            let shown = super::views::shown_path(&to);
            if let Some(why) = scan::not_a_folder(&to, &shown) {
                return Err(why.into());
            }
            let to = scan::normalise_root(&to);
            let moved = ops::follow_folder(store, id, &to)?;
            shared.send(Response::Changed(Change::said(format!(
                "Following the folder to {}: {} kept their faces and names",
                super::views::shown_path(&to),
                count(moved as usize, "photo", "photos")
            ))));
        }
        Request::ForgetMissing(id) => {
            let forgotten = store.forget_missing(id)?;
            shared.send(Response::Changed(Change::said(format!(
                "Forgot {} no longer in the folder (names stay with their people)",
                photos_with_faces(forgotten.photos, forgotten.faces)
            ))));
        }
        Request::InspectBackup(path) => {
            let contents = crate::library::backup::inspect(&path).map_err(|e| e.to_string());
            shared.send(Response::BackupInspected(path, contents));
        }
        Request::Salvage => {
            // Reading a damaged library row by row takes a while; the corrections asked for
            // meanwhile need not wait.
            let worker = shared.clone();
            std::thread::Builder::new()
                .name("kindred-salvage".into())
                .spawn(move || {
                    let shared = worker;
                    let saved = crate::library::salvage::salvage(&shared.library)
                        .map_err(|e| e.to_string());
                    shared.send(Response::Backups(crate::library::backup::list(
                        &shared.library,
                    )));
                    shared.send(Response::Salvaged(saved));
                    shared.done();
                })
                .map_err(|e| {
                    shared.done();
                    format!("cannot start reading the damaged library: {e}")
                })?;
        }
        Request::BackUp(kind) => {
            // On a connection of its own: a copy of a big library takes seconds, which the
            // corrections asked for meanwhile need not wait.
            let worker = shared.clone();
            std::thread::Builder::new()
                .name("kindred-backup".into())
                .spawn(move || {
                    use crate::library::backup::{self, BackupKind};
                    let shared = worker;
                    let made = Store::open(&shared.library).and_then(|store| match kind {
                        BackupKind::Weekly => backup::make_weekly_if_due(&store),
                        _ => backup::make(&store, kind).map(Some),
                    });
                    match made {
                        // The weekly copy goes without saying; Folders lists it.
                        Ok(Some(_)) if kind == BackupKind::Weekly => {
                            shared.send(Response::Changed(Change::default()));
                        }
                        Ok(Some(copy)) => shared.send(Response::Changed(Change::said(format!(
                            "Backed up the library ({}) to {}",
                            crate::text::megabytes(copy.bytes),
                            copy.path.display()
                        )))),
                        Ok(None) => {}
                        Err(e) => shared.send(Response::Error(e.into())),
                    }
                    shared.done();
                })
                .map_err(|e| {
                    shared.done();
                    format!("cannot start the backup: {e}")
                })?;
        }
        Request::MatchNewFaces(options) => {
            ops::match_new_faces_with(store, &options)?;
            shared.send(Response::Changed(Change::default()));
        }
        Request::Scan {
            options,
            matching,
            xmp_names,
        } => {
            // A scan that cannot start finishes at once, saying why: the app waits for its end
            // (its bar, "Put this copy back") and would wait for good.
            let finish = |result| {
                shared.send(Response::ScanFinished(result));
                shared.done();
            };
            let roots: Vec<_> = match store.roots() {
                Ok(roots) => roots.into_iter().map(|r| (r.id, r.path)).collect(),
                Err(e) => {
                    finish(Err(e.into()));
                    return Ok(());
                }
            };
            let scanning = shared.clone();
            let started = std::thread::Builder::new()
                .name("kindred-scan".into())
                .spawn(move || {
                    let result = run_scan(&scanning, &roots, options, &matching, xmp_names);
                    scanning.send(Response::ScanFinished(result));
                    scanning.done();
                });
            if let Err(e) = started {
                finish(Err(format!("cannot start the scan: {e}").into()));
            }
        }
        Request::LookCloserAt {
            photos,
            options,
            matching,
        } => {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("kindred-look-closer".into())
                .spawn(move || {
                    let result = look_closer_at(&shared, &photos, options, &matching);
                    shared.send(Response::PhotoJobFinished(result));
                    shared.done();
                })
                .map_err(|e| format!("cannot start looking closer: {e}"))?;
        }
        Request::TurnPhotos {
            photos,
            by,
            options,
            matching,
        } => {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("kindred-turn".into())
                .spawn(move || {
                    let result = turn_photos(&shared, &photos, by, options, &matching);
                    shared.send(Response::PhotoJobFinished(result));
                    shared.done();
                })
                .map_err(|e| format!("cannot start turning photos: {e}"))?;
        }
        Request::Export { request, dry_run } => {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("kindred-export".into())
                .spawn(move || {
                    run_export(&shared, &request, dry_run);
                    shared.done();
                })
                .map_err(|e| format!("cannot start the export: {e}"))?;
        }
    }
    Ok(())
}

/// Plans an export on its own connection (planning reads every destination, which can be
/// slow on a network disk), then reports the plan or carries it out.
fn run_export(shared: &Arc<Shared>, request: &ExportRequest, dry_run: bool) {
    let planned = Store::open(&shared.library)
        .map_err(Failure::from)
        .and_then(|store| album::plan(&store, request).map_err(Failure::from));
    if dry_run {
        shared.send(Response::ExportPreview(
            request.clone(),
            planned
                .map(|plan| describe_plan(&plan))
                .map_err(|e| e.message),
        ));
        return;
    }
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            shared.send(Response::ExportFinished(Err(e)));
            return;
        }
    };
    let control = ExportControl::new();
    shared.send(Response::ExportStarted(control.clone()));
    let (tx, rx) = mpsc::channel();
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            for event in rx {
                shared.send(Response::Export(event));
            }
        });
        album::execute(&plan, tx, &control).map_err(Failure::from)
    });
    shared.send(Response::ExportFinished(result));
}

/// "12 photos into /x/Anna: 10 to copy, 2 already there".
pub fn describe_plan(plan: &ExportPlan) -> String {
    let create = plan.count(album::Action::Create);
    let there = plan.count(album::Action::AlreadyThere);
    let missing = plan.count(album::Action::SourceMissing);
    let verb = match plan.mode {
        album::Mode::Copy => "to copy",
        album::Mode::Hardlink => "to link",
        album::Mode::Symlink => "to link",
    };
    let mut folders: Vec<&str> = plan.folders.iter().map(|(_, f)| f.as_str()).collect();
    folders.dedup();
    let mut text = format!(
        "{} into {} ({}): {create} {verb}",
        super::views::count(plan.items.len(), "photo", "photos"),
        plan.target.display(),
        folders.join(", ")
    );
    let turned = plan.turned();
    if turned > 0 {
        text.push_str(&format!(" ({turned} turned as in Kindred)"));
    }
    if there > 0 {
        text.push_str(&format!(", {there} already there"));
    }
    if missing > 0 {
        text.push_str(&format!(", {missing} not there (left out)"));
    }
    let sideways = plan.sideways();
    if sideways > 0 {
        text.push_str(&format!(
            "; {} as {} {} {}, not as turned in Kindred",
            super::views::count(sideways, "photo goes in", "photos go in"),
            if sideways == 1 { "its" } else { "their" },
            if sideways == 1 { "file" } else { "files" },
            if sideways == 1 {
                "shows it"
            } else {
                "show them"
            },
        ));
    }
    let copies = plan.identical_copies.len();
    if copies > 0 {
        text.push_str(&format!(
            "; {} left out",
            super::views::count(copies, "identical copy", "identical copies")
        ));
    }
    text
}

/// Applies a mutation; says what it did (in the undo history's words), and where the faces
/// went.
fn apply(store: &mut Store, mutation: Mutation) -> Result<Change, ops::PeopleError> {
    let head = ops::log_head(store)?;
    let person = match mutation {
        Mutation::Name(id, name) => {
            ops::name_person(store, id, &name)?;
            None
        }
        Mutation::Merge { from, into } => {
            ops::merge(store, &from, into)?;
            None
        }
        Mutation::Split { faces, name } => Some(ops::split(store, &faces, name.as_deref())?),
        Mutation::Move { faces, to } => {
            ops::move_faces(store, &faces, to)?;
            Some(to)
        }
        Mutation::Reject { faces, from } => {
            ops::reject(store, &faces, from)?;
            None
        }
        Mutation::Ignore(faces) => {
            ops::ignore(store, &faces)?;
            None
        }
        Mutation::Unignore(faces) => {
            ops::unignore(store, &faces)?;
            None
        }
        Mutation::RemoveFace(face) => {
            ops::remove_face(store, face)?;
            None
        }
        Mutation::SetHidden(ids, hidden) => {
            ops::set_hidden_all(store, &ids, hidden)?;
            None
        }
        Mutation::SetKeyFace(id, face) => {
            ops::set_key_face(store, id, face)?;
            None
        }
        Mutation::AssignToName { faces, name } => Some(ops::give_to_name(store, &faces, &name)?),
        Mutation::Undo(n) => {
            // Nothing to undo is an error: the list is never empty.
            let replayed = ops::undo_replayed(store, n)?;
            let undone: Vec<String> = replayed
                .iter()
                .map(|u| ops::in_words(&u.description))
                .collect();
            let message = match undone.as_slice() {
                [one] => format!("Undone: {one}"),
                many => format!(
                    "Undone {}, back to: {}",
                    count(many.len(), "correction", "corrections"),
                    many.last().map(String::as_str).unwrap_or_default()
                ),
            };
            return Ok(Change::replayed(message, &replayed));
        }
        Mutation::Redo => {
            let replayed = ops::redo_replayed(store, 1)?;
            let redone: Vec<String> = replayed
                .iter()
                .map(|r| ops::in_words(&r.description))
                .collect();
            let message = format!("Redone: {}", redone.join(", "));
            return Ok(Change::replayed(message, &replayed));
        }
    };
    // Every correction that changed something is logged (it is what Ctrl+Z takes back): the
    // log says what it did.
    let message = ops::logged_since(store, head)?
        .map(|what| crate::text::capitalised(&ops::in_words(&what)))
        .unwrap_or_else(|| "Nothing to change: it was so already".to_string());
    Ok(Change {
        message,
        person,
        ..Default::default()
    })
}

/// What adding faces to a photo takes: a connection of its own, the photo's record, the models.
fn to_add_faces(
    shared: &Shared,
    photo: PhotoId,
) -> Result<(Store, PhotoRecord, Arc<FaceEngine>), Failure> {
    let store = Store::open(&shared.library)?;
    let record = store
        .photo(photo)?
        .ok_or_else(|| format!("photo {photo} is no longer in the library"))?;
    Ok((store, record, shared.engine()?))
}

/// Finds, stores and matches the face in a box drawn on a photo, on its own connection (the
/// photo is read and the models run meanwhile, as a scan does; the database thread goes on).
fn add_drawn_face(
    shared: &Shared,
    photo: PhotoId,
    drawn: Rect,
    matching: &ClusterOptions,
) -> Result<FaceId, Failure> {
    let (mut store, record, engine) = to_add_faces(shared, photo)?;
    let face = scan::face_drawn_on_file(&engine, &record.path, record.turn, drawn)?;
    let id = ops::add_face(&mut store, photo, &face)?;
    ops::match_new_faces_with(&mut store, matching)?;
    Ok(id)
}

/// Looks closer at a photo, adds the faces found and matches them, on its own connection as
/// [`add_drawn_face`] does. Returns how many were added.
fn add_faces_found_closer(
    shared: &Shared,
    photo: PhotoId,
    options: ScanOptions,
    matching: &ClusterOptions,
) -> Result<usize, Failure> {
    let (mut store, record, engine) = to_add_faces(shared, photo)?;
    let found = scan::faces_found_closer_in(&mut store, &engine, &record, options)?;
    let added = ops::add_faces(&mut store, photo, &found)?;
    if !added.is_empty() {
        ops::match_new_faces_with(&mut store, matching)?;
    }
    Ok(added.len())
}

/// Turns a photo, adds and matches the faces found on it turned, on its own connection.
fn turn_photo(
    shared: &Shared,
    photo: PhotoId,
    by: Turn,
    options: ScanOptions,
    matching: &ClusterOptions,
) -> Result<PhotoTurned, Failure> {
    let (mut store, record, engine) = to_add_faces(shared, photo)?;
    let plan = scan::plan_turn(&store, &engine, &record, by, options)?;
    let turned = ops::turn_photo(&mut store, &plan)?;
    if !turned.found.is_empty() || !turned.rematched.is_empty() {
        ops::match_new_faces_with(&mut store, matching)?;
    }
    Ok(turned)
}

/// How far a closer look at many photos has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotoJobProgress {
    pub total: usize,
    pub done: usize,
    /// Faces found and added so far.
    pub found: usize,
    /// Photos that could not be read now.
    pub failed: usize,
}

/// What a job did to one photo.
#[derive(Default)]
struct PhotoDone {
    /// Faces found and added.
    found: usize,
    /// The photo could not be read.
    failed: bool,
    /// Faces it had were made new, to be matched again.
    rematched: bool,
}

/// Runs `each` on `photos` one by one, on a connection of its own, pausable and stoppable,
/// reporting how far it has come; what was stored before a failure or a stop is kept. Then
/// matches the faces the job found or made new.
fn photo_job(
    shared: &Arc<Shared>,
    photos: &[PhotoId],
    matching: &ClusterOptions,
    mut each: impl FnMut(&mut Store, &FaceEngine, &PhotoRecord) -> Result<PhotoDone, ops::PeopleError>,
) -> Result<PhotoJobProgress, Failure> {
    let mut store = Store::open(&shared.library)?;
    let engine = shared.engine()?;
    let control = ScanControl::new();
    shared.send(Response::PhotoJobStarted(control.clone()));
    let mut progress = PhotoJobProgress {
        total: photos.len(),
        ..Default::default()
    };
    let mut to_match = false;
    let mut run = || -> Result<(), ops::PeopleError> {
        for &photo in photos {
            if !control.wait_while_paused() {
                break;
            }
            // Gone from the library meanwhile: nothing to do.
            if let Some(record) = store.photo(photo)? {
                let done = each(&mut store, &engine, &record)?;
                progress.found += done.found;
                progress.failed += usize::from(done.failed);
                to_match |= done.found > 0 || done.rematched;
            }
            progress.done += 1;
            shared.send(Response::PhotoJob(progress));
        }
        Ok(())
    };
    run()?;
    if to_match {
        ops::match_new_faces_with(&mut store, matching)?;
    }
    Ok(progress)
}

/// Looks closer at `photos` one by one, storing each one's faces as found, all undone as one
/// operation.
fn look_closer_at(
    shared: &Arc<Shared>,
    photos: &[PhotoId],
    options: ScanOptions,
    matching: &ClusterOptions,
) -> Result<PhotoJobProgress, Failure> {
    let mut adding = ops::FacesBeingAdded::default();
    photo_job(shared, photos, matching, |store, engine, record| {
        Ok(
            match scan::faces_found_closer_in(store, engine, record, options) {
                Ok(faces) => PhotoDone {
                    found: adding.add(store, record.id, &faces)?.len(),
                    ..Default::default()
                },
                // The library, not the photo: the job cannot go on.
                Err(scan::AddFacesError::Store(e)) => return Err(e.into()),
                Err(_) => PhotoDone {
                    failed: true,
                    ..Default::default()
                },
            },
        )
    })
}

/// Turns `photos` by `by` one by one, storing each as turned, all undone as one operation.
fn turn_photos(
    shared: &Arc<Shared>,
    photos: &[PhotoId],
    by: Turn,
    options: ScanOptions,
    matching: &ClusterOptions,
) -> Result<PhotoJobProgress, Failure> {
    let mut turning = ops::TurnsBeingMade::default();
    photo_job(shared, photos, matching, |store, engine, record| {
        // Turned with a copy of it already.
        if turning.has_turned(record.id) {
            return Ok(PhotoDone::default());
        }
        let plan = match scan::plan_turn(store, engine, record, by, options) {
            Ok(plan) => plan,
            // The library, not the photo: the job cannot go on.
            Err(scan::AddFacesError::Store(e)) => return Err(e.into()),
            Err(_) => {
                return Ok(PhotoDone {
                    failed: true,
                    ..Default::default()
                });
            }
        };
        let turned = turning.turn(store, &plan)?;
        let done = PhotoDone {
            found: turned.found.len(),
            failed: false,
            rematched: !turned.rematched.is_empty(),
        };
        shared.send(Response::PhotosTurned(turned.photos, turned.moved));
        Ok(done)
    })
}

fn run_scan(
    shared: &Arc<Shared>,
    roots: &[(RootId, PathBuf)],
    options: ScanOptions,
    matching: &ClusterOptions,
    xmp_names: bool,
) -> Result<ScanSummary, Failure> {
    let engine = shared.engine()?;
    let mut store = Store::open(&shared.library)?;
    let control = ScanControl::new();
    shared.send(Response::ScanStarted(control.clone()));
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let forward = s.spawn(|| {
            for event in rx {
                shared.send(Response::Scan(event));
            }
        });
        let result = scan::scan(&mut store, &engine, roots, options, &control, tx);
        let _ = forward.join();
        let summary = result?;
        if xmp_names {
            let taken =
                take_over_names(&mut store, &summary.photos_with_fresh_tags(), Some(&engine))?;
            if let Some(message) = names_taken_message(&taken) {
                shared.send(Response::Changed(Change::said(message)));
            }
        }
        ops::match_new_faces_with(&mut store, matching)?;
        Ok(summary)
    })
}

/// What the user is told after names were taken over from other apps' face tags.
fn names_taken_message(taken: &NamesTakenOver) -> Option<String> {
    let named = taken.report.faces;
    let unreadable = taken.unreadable.len();
    let mut parts = Vec::new();
    if named > 0 {
        let new_people = match taken.report.new_people {
            0 => String::new(),
            n => format!(", {}", count(n, "new person", "new people")),
        };
        let missed = match taken.faces_added {
            0 => String::new(),
            n => format!(
                " ({} the scan had missed, found in their tags)",
                count(n, "face", "faces")
            ),
        };
        let google = match taken.photos_with_takeout_names {
            0 => "",
            _ => ", Google Photos",
        };
        parts.push(format!(
            "Named {}{missed} from other apps' face tags (XMP, Picasa{google}){new_people}",
            count(named, "face", "faces")
        ));
    }
    if unreadable > 0 {
        parts.push(format!(
            "{} could not be read (first: {})",
            count(unreadable, "XMP file", "XMP files"),
            taken.unreadable[0].0.display()
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Decodes a stored face thumbnail (a small JPEG).
pub fn decode_thumbnail(jpeg: &[u8]) -> Option<ColorImage> {
    decode_turned_thumbnail(jpeg, Turn::NONE)
}

/// Decodes a small JPEG kept of a picture, turned.
fn decode_turned_thumbnail(jpeg: &[u8], turn: Turn) -> Option<ColorImage> {
    let image = turn.image(image::load_from_memory(jpeg).ok()?.to_rgba8());
    Some(ColorImage::from_rgba_unmultiplied(
        [image.width() as usize, image.height() as usize],
        image.as_raw(),
    ))
}

/// Makes the thumbnails of faces that have none kept (a library put back from a backup copy)
/// from their photos, each photo read once, keeps them in the library and sends them. A face
/// whose photo cannot be read now (on a drive not connected) gets none, until asked again.
fn make_face_pictures(shared: &Shared, faces: Vec<(FaceId, Rect, PhotoRecord)>) {
    if faces.is_empty() {
        return;
    }
    // A photo to read for each: on all the workers.
    let made: Vec<(FaceId, Vec<u8>)> = grouped_by_photo(faces, |(_, _, photo)| photo.id)
        .into_par_iter()
        .flat_map_iter(|faces| {
            let photo = &faces[0].2;
            let pixels = scan::read_upright(&photo.path, photo.turn).ok();
            let mut made = Vec::new();
            for &(id, rect, _) in &faces {
                let jpeg = pixels
                    .as_ref()
                    .map(|pixels| scan::face_picture(pixels, rect))
                    .filter(|jpeg| !jpeg.is_empty());
                shared.send(Response::FaceThumbnail(
                    id,
                    jpeg.as_deref().and_then(decode_thumbnail),
                ));
                made.extend(jpeg.map(|jpeg| (id, jpeg)));
            }
            made
        })
        .collect();
    // Kept on a connection of this worker's, so the next look needs no photo; failing that,
    // they are only made again next time.
    if let Ok(mut store) = Store::open(&shared.library) {
        let _ = store.set_face_thumbnails(&made);
    }
}

/// A face to cut again from its photo, `side` pixels square.
struct SharperFace {
    id: FaceId,
    rect: Rect,
    photo: PhotoRecord,
    side: u32,
}

/// Cuts sharper face pictures on a thread of its own, the faces shown last first: they are
/// not what the user waits for, and the photo opened meanwhile is read on the workers without
/// waiting behind them (each photo here is read whole, a tenth of a second or more).
fn sharper_faces_worker(inbox: Receiver<Vec<SharperFace>>, shared: Arc<Shared>) {
    let mut waiting = Vec::new();
    loop {
        if waiting.is_empty() {
            match inbox.recv() {
                Ok(faces) => waiting.push(faces),
                Err(_) => return,
            }
        }
        waiting.extend(inbox.try_iter());
        for passed in passed_over(&mut waiting) {
            shared.send(Response::SharperFacesPassedOver(
                passed.iter().map(|face| face.id).collect(),
            ));
            shared.done();
        }
        if let Some(faces) = waiting.pop() {
            cut_sharper_faces(&shared, faces);
            shared.done();
        }
    }
}

/// How many asks for sharper faces wait at most: more than a screen shows at once. Older ones
/// are of faces scrolled past (a long grid at 2× asks for every face it passes).
const SHARPER_ASKS_WAITING: usize = 8;

/// The asks, oldest first, beyond the newest [`SHARPER_ASKS_WAITING`]: taken out of `waiting`
/// to be let go of.
fn passed_over<T>(waiting: &mut Vec<T>) -> Vec<T> {
    let beyond = waiting.len().saturating_sub(SHARPER_ASKS_WAITING);
    waiting.drain(..beyond).collect()
}

/// Sends each face's sharper picture: from the thumbnail cache, else cut from its photo (each
/// photo read once) and kept there. A photo that cannot be read leaves its faces as the
/// library keeps them.
fn cut_sharper_faces(shared: &Shared, faces: Vec<SharperFace>) {
    for faces in grouped_by_photo(faces, |face| face.photo.id) {
        let mut pixels = None;
        for face in faces {
            let kept = Thumbnail::Face {
                path: &face.photo.path,
                stamp: FileStamp {
                    size: face.photo.size,
                    mtime_ns: face.photo.mtime_ns,
                },
                rect: face.rect,
                turn: face.photo.turn,
                side: face.side,
            };
            let cache = shared.thumbnail_cache.as_ref();
            let jpeg = match cache.and_then(|cache| cache.read(kept)) {
                Some(jpeg) => jpeg,
                None => {
                    let pixels = pixels.get_or_insert_with(|| {
                        scan::read_upright(&face.photo.path, face.photo.turn).ok()
                    });
                    let Some(pixels) = pixels.as_ref() else {
                        continue;
                    };
                    let jpeg = scan::face_picture_at(pixels, face.rect, face.side, 90);
                    if jpeg.is_empty() {
                        continue;
                    }
                    if let Some(cache) = cache {
                        cache.write(kept, &jpeg);
                    }
                    jpeg
                }
            };
            if let Some(image) = decode_thumbnail(&jpeg) {
                shared.send(Response::FaceThumbnail(face.id, Some(image)));
            }
        }
    }
}

/// Faces grouped by their photo, in the order the photos first come: each photo is read once
/// for all its faces.
fn grouped_by_photo<T>(faces: Vec<T>, photo: impl Fn(&T) -> PhotoId) -> Vec<Vec<T>> {
    let mut groups: Vec<(PhotoId, Vec<T>)> = Vec::new();
    for face in faces {
        let id = photo(&face);
        match groups.iter_mut().find(|(p, _)| *p == id) {
            Some((_, group)) => group.push(face),
            None => groups.push((id, vec![face])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// Decodes the photo view's picture on a rayon worker and sends it; the request is done then.
fn send_photo_picture(shared: &Arc<Shared>, photo: &PhotoRecord, max_side: u32) {
    let shared = shared.clone();
    let (id, path, turn) = (photo.id, photo.path.clone(), photo.turn);
    rayon::spawn(move || {
        let image = load_photo(&path, turn, max_side);
        shared.send(Response::PhotoImage(id, turn, image));
        shared.done();
    });
}

/// Why the photo view has no picture of a photo.
#[derive(Debug, Clone, PartialEq)]
pub enum NoPicture {
    /// The file is not where the library has it: on a drive not connected, moved or deleted.
    NotThere,
    /// The file is there but cannot be read or decoded; the reason, in words.
    Unreadable(String),
}

/// Reads and decodes a photo upright (EXIF orientation applied) and turned as the user turned
/// it, at most `max_side` pixels.
pub fn load_photo(path: &Path, turn: Turn, max_side: u32) -> Result<ColorImage, NoPicture> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => NoPicture::NotThere,
        _ => NoPicture::Unreadable(format!("cannot read {}: {e}", path.display())),
    })?;
    let decoded = crate::library::decode::decode_photo_for_display(&bytes, max_side)
        .map_err(|e| NoPicture::Unreadable(format!("cannot decode {}: {e}", path.display())))?
        .turned(turn);
    let (image, _) = crate::library::decode::bounded(&decoded.image, max_side);
    Ok(rgb_to_color_image(&image))
}

fn rgb_to_color_image(image: &image::RgbImage) -> ColorImage {
    ColorImage::from_rgb(
        [image.width() as usize, image.height() as usize],
        image.as_raw(),
    )
}

/// A photo thumbnail, from the disk cache while the photo is unchanged, turned as the user
/// turned the photo (the cache keeps it as the file shows it: the same for every turn). A
/// photo not there (on a drive not connected) gets the thumbnail kept of it as the library
/// last saw it (`recorded`), if one was.
fn photo_thumbnail(
    path: &Path,
    recorded: Option<FileStamp>,
    turn: Turn,
    cache: Option<&ThumbnailCache>,
) -> Option<ColorImage> {
    let Ok(meta) = std::fs::metadata(path) else {
        return cache
            .zip(recorded)
            .and_then(|(cache, stamp)| cache.read(Thumbnail::Photo { path, stamp }))
            .and_then(|bytes| decode_turned_thumbnail(&bytes, turn));
    };
    let stamp = FileStamp::of(&meta);
    if let Some(image) = cache
        .and_then(|cache| cache.read(Thumbnail::Photo { path, stamp }))
        .and_then(|bytes| decode_turned_thumbnail(&bytes, turn))
    {
        return Some(image);
    }
    let bytes = std::fs::read(path).ok()?;
    let decoded =
        crate::library::decode::decode_photo_for_display(&bytes, PHOTO_THUMB_SIDE).ok()?;
    let (small, _) = crate::library::decode::bounded(&decoded.image, PHOTO_THUMB_SIDE);
    if let Some(cache) = cache {
        let mut jpeg = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85);
        if small.write_with_encoder(encoder).is_ok() {
            cache.write(Thumbnail::Photo { path, stamp }, &jpeg);
        }
    }
    Some(rgb_to_color_image(&turn.image(small.into_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_for_sharper_faces_beyond_a_screenful_are_let_go_of_oldest_first() {
        let mut waiting: Vec<u32> = (0..3).collect();
        assert!(passed_over(&mut waiting).is_empty());
        assert_eq!(waiting, [0, 1, 2]);
        let mut waiting: Vec<u32> = (0..SHARPER_ASKS_WAITING as u32 + 3).collect();
        assert_eq!(passed_over(&mut waiting), [0, 1, 2]);
        assert_eq!(waiting.len(), SHARPER_ASKS_WAITING);
        assert_eq!(waiting[0], 3, "the newest stay");
    }

    #[test]
    fn an_export_preview_says_what_it_will_write_and_leave_out() {
        let item = |name: &str, action| album::PlannedItem {
            source: PathBuf::from("/photos").join(name),
            destination: PathBuf::from("/albums/Anna").join(name),
            people: vec!["Anna".into()],
            action,
            renamed: false,
            content: album::Content::File,
            replaces: false,
        };
        let mut plan = ExportPlan {
            target: PathBuf::from("/albums"),
            mode: album::Mode::Copy,
            folders: vec![(1, "Anna".into())],
            items: vec![
                item("a.jpg", album::Action::Create),
                item("b.jpg", album::Action::AlreadyThere),
            ],
            identical_copies: Vec::new(),
        };
        assert_eq!(
            describe_plan(&plan),
            "2 photos into /albums (Anna): 1 to copy, 1 already there"
        );
        plan.identical_copies
            .push(("/backup/a.jpg".into(), "/photos/a.jpg".into()));
        assert_eq!(
            describe_plan(&plan),
            "2 photos into /albums (Anna): 1 to copy, 1 already there; 1 identical copy left out"
        );
        plan.identical_copies.clear();
        plan.items[0].content = album::Content::Turned(crate::library::turn::Turn::LEFT);
        plan.items[1].content = album::Content::Sideways {
            reason: "only JPEG, PNG and TIFF copies can be turned".into(),
        };
        assert_eq!(
            describe_plan(&plan),
            "2 photos into /albums (Anna): 1 to copy (1 turned as in Kindred), 1 already there; \
             1 photo goes in as its file shows it, not as turned in Kindred"
        );
    }

    /// Review's list leaves out what the user skipped, so skipping a whole list brings the
    /// faces behind it, and says when more wait behind.
    #[test]
    fn skipped_faces_make_room_for_the_ones_behind() {
        let mut store = Store::open_in_memory().unwrap();
        let (ada, faces) = library_of_ada(&mut store, REVIEW_LIST_LEN + 5);

        let first = review_list(&store, ReviewOf::Person(ada), &[]).unwrap();
        assert_eq!(first.items.len(), REVIEW_LIST_LEN);
        assert!(first.more_behind);
        assert_eq!(first.items[0].face, faces[1], "nearest first");

        let skipped: Vec<FaceId> = first.items.iter().map(|s| s.face).collect();
        let next = review_list(&store, ReviewOf::Person(ada), &skipped).unwrap();
        let next_faces: Vec<FaceId> = next.items.iter().map(|s| s.face).collect();
        assert_eq!(next_faces, faces[REVIEW_LIST_LEN + 1..]);
        assert!(!next.more_behind);

        // Ten skipped: the 194 others all fit in one list.
        let some = review_list(&store, ReviewOf::Person(ada), &skipped[..10]).unwrap();
        assert_eq!(some.items.len(), REVIEW_LIST_LEN - 6);
        assert_eq!(some.items[0].face, faces[11]);
        assert!(!some.more_behind);
    }

    /// A library of one named person, Ada, and faces ever further from hers.
    fn library_of_ada(store: &mut Store, faces: usize) -> (PersonId, Vec<FaceId>) {
        use crate::engine::geometry::Rect;
        use crate::library::store::{NewFace, PhotoAnalysis};
        let mut ids = Vec::new();
        for i in 0..faces {
            let mut descriptor = [0.0; 128];
            descriptor[0] = 0.001 * i as f32;
            let face = NewFace::at(Rect::new(0, 0, 50, 50), descriptor);
            let analysis = PhotoAnalysis::new(format!("/photos/{i}.jpg"), 100, 100, vec![face]);
            let photo = store.record_analysis(&analysis).unwrap();
            ids.push(store.faces_of_photo(photo).unwrap()[0].id);
        }
        let ada = ops::split(store, &ids[..1], Some("Ada")).unwrap();
        (ada, ids)
    }

    /// Everything the backend answers until it has nothing left to do.
    fn responses_until_idle(backend: &Backend) -> Vec<Response> {
        let mut responses = Vec::new();
        let started = std::time::Instant::now();
        while !backend.is_idle() {
            assert!(
                started.elapsed().as_secs() < 60,
                "the backend never finished"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
            responses.extend(backend.poll());
        }
        responses.extend(backend.poll());
        responses
    }

    fn lists(responses: Vec<Response>) -> Vec<ReviewList> {
        responses
            .into_iter()
            .filter_map(|r| match r {
                Response::Suggestions(list) => Some(list),
                Response::Error(e) => panic!("{e}"),
                _ => None,
            })
            .collect()
    }

    /// Review's lists are worked out on a connection of their own; one asked for after an
    /// answer must still know of it.
    #[test]
    fn a_review_list_asked_after_an_answer_knows_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("lib.kindred")).unwrap();
        let (ada, faces) = library_of_ada(&mut store, 6);
        let backend = Backend::start(store, egui::Context::default(), None);
        let ask = |skipped: &[FaceId]| Request::Suggestions {
            of: ReviewOf::Person(ada),
            skipped: skipped.to_vec(),
        };
        backend.send(Request::Mutate(Mutation::Move {
            faces: vec![faces[1]],
            to: ada,
        }));
        backend.send(ask(&[]));
        let got = lists(responses_until_idle(&backend));
        let shown: Vec<FaceId> = got[0].items.iter().map(|s| s.face).collect();
        assert_eq!(
            shown,
            faces[2..],
            "the face said yes to is Ada's, not asked about"
        );

        // Asks sent faster than they are answered: the newest is the one answered last.
        for skipped in 0..4 {
            backend.send(ask(&faces[2..2 + skipped]));
        }
        let got = lists(responses_until_idle(&backend));
        assert!(!got.is_empty());
        let last: Vec<FaceId> = got.last().unwrap().items.iter().map(|s| s.face).collect();
        assert_eq!(last, faces[5..]);
    }

    fn drain(queue: Vec<Request>) -> (Vec<String>, usize) {
        let mut queue: std::collections::VecDeque<Request> = queue.into();
        let mut answered = Vec::new();
        let mut dropped = 0;
        loop {
            let (request, d) = next_request(&mut queue);
            dropped += d;
            match request {
                Some(r) => answered.push(format!("{r:?}")),
                None => return (answered, dropped),
            }
        }
    }

    #[test]
    fn stale_reads_are_dropped_and_writes_keep_their_order() {
        let yes = |face| {
            Request::Mutate(Mutation::Move {
                faces: vec![face],
                to: 1,
            })
        };
        let suggestions = |person| Request::Suggestions {
            of: ReviewOf::Person(person),
            skipped: vec![],
        };
        // Three quick answers in Review, each followed by the reload it asks for.
        let (answered, dropped) = drain(vec![
            yes(10),
            Request::Refresh,
            suggestions(1),
            yes(11),
            Request::Refresh,
            suggestions(1),
            suggestions(2),
            yes(12),
            Request::Refresh,
            suggestions(1),
        ]);
        let want: Vec<String> = [
            yes(10),
            yes(11),
            suggestions(2),
            yes(12),
            Request::Refresh,
            suggestions(1),
        ]
        .iter()
        .map(|r| format!("{r:?}"))
        .collect();
        assert_eq!(answered, want);
        assert_eq!(dropped, 4);
    }

    #[test]
    fn different_reads_are_all_answered() {
        let (answered, dropped) = drain(vec![
            Request::PersonFaces(1, FaceOrder::ConfirmedFirst),
            Request::PersonFaces(2, FaceOrder::ConfirmedFirst),
            Request::PhotosOf(vec![1]),
            Request::PhotosOf(vec![1, 2]),
            Request::FaceThumbnails(vec![5]),
            Request::FaceThumbnails(vec![5]),
        ]);
        assert_eq!(answered.len(), 6);
        assert_eq!(dropped, 0);
    }

    /// A photo on a drive not connected shows the thumbnail kept of it as the library last
    /// saw it; the photo view says the file is not there rather than quoting an OS error.
    #[test]
    fn a_photo_not_there_keeps_its_thumbnail_and_says_why_it_has_no_picture() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(dir.path().join("cache"));
        let photo = dir.path().join("Laura_Bush_0002.jpg");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/people/Laura_Bush_0002.jpg"),
            &photo,
        )
        .unwrap();
        let recorded = FileStamp::of(&std::fs::metadata(&photo).unwrap());
        let shown = photo_thumbnail(&photo, Some(recorded), Turn::NONE, Some(&cache)).unwrap();
        assert!(load_photo(&photo, Turn::NONE, 512).is_ok());

        std::fs::remove_file(&photo).unwrap();
        let kept = photo_thumbnail(&photo, Some(recorded), Turn::NONE, Some(&cache)).unwrap();
        assert_eq!(kept.size, shown.size);
        assert!(photo_thumbnail(&photo, None, Turn::NONE, Some(&cache)).is_none());
        let other = FileStamp {
            size: recorded.size + 1,
            ..recorded
        };
        assert!(photo_thumbnail(&photo, Some(other), Turn::NONE, Some(&cache)).is_none());
        assert_eq!(
            load_photo(&photo, Turn::NONE, 512).err(),
            Some(NoPicture::NotThere)
        );

        std::fs::write(&photo, b"not a photo").unwrap();
        assert!(matches!(
            load_photo(&photo, Turn::NONE, 512),
            Err(NoPicture::Unreadable(why)) if why.contains("cannot decode")
        ));
    }

    /// A photo the user turned shows turned, in the photo view and in grids, whether its
    /// thumbnail is made or read from the cache (kept as the file shows it).
    #[test]
    fn a_turned_photo_is_shown_turned() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(dir.path().join("cache"));
        let photo = dir.path().join("wide.png");
        let mut wide = image::RgbImage::new(300, 100);
        wide.put_pixel(0, 0, image::Rgb([255, 0, 0]));
        wide.save(&photo).unwrap();
        let stamp = Some(FileStamp::of(&std::fs::metadata(&photo).unwrap()));
        let shown = load_photo(&photo, Turn::RIGHT, 512).unwrap();
        assert_eq!(shown.size, [100, 300]);
        // The top left pixel turned right is at the top right.
        assert_eq!(shown.pixels[99], egui::Color32::from_rgb(255, 0, 0));
        let made = photo_thumbnail(&photo, stamp, Turn::RIGHT, Some(&cache)).unwrap();
        let read = photo_thumbnail(&photo, stamp, Turn::RIGHT, Some(&cache)).unwrap();
        let upright = photo_thumbnail(&photo, stamp, Turn::NONE, Some(&cache)).unwrap();
        assert_eq!(made.size, [upright.size[1], upright.size[0]]);
        assert_eq!(read.size, made.size);
        assert!(upright.size[0] > upright.size[1]);
    }
}
