//! The app's state, split as the views use it: settings that persist between runs, data the
//! worker sent (a read-only snapshot for the views), each view's transient state, and the
//! actions views emit for the app to apply after the frame.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::views::grid_keys::Extend;
use super::views::photo_grid::DatedPhotos;
use super::views::shown_path;
use crate::library::folders::{
    ExcludedFolder, FolderContents, FolderSummary, NewPlace, SubfolderSummary,
};
use crate::library::scan::{ScanProgress, ScanSummary};
use crate::library::store::{FaceId, PhotoId, PhotoRecord, RootId, StatusCounts};
use crate::people::ops::{PersonFace, PersonId, PersonSummary, PhotoFace};

use super::backend::{Mutation, NoPicture, ReviewList, ReviewOf};
use crate::export::album::{ExportControl, ExportProgress, ExportRequest, Layout, Mode};
use crate::library::export_store::PhotoSelection;

/// What survives a restart (eframe's storage; the window size is kept by eframe itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub last_view: SavedView,
    pub show_hidden: bool,
    /// Side of a face in the grids, in points.
    pub face_size: f32,
    /// Analysis size for scans (longest side, pixels).
    pub max_side: u32,
    /// Detector upsampling for scans (1 finds small faces in group photos, ~4× slower).
    pub upsample: u32,
    /// Where the last album was exported to (the dialog starts there).
    pub last_export_folder: Option<PathBuf>,
    /// A face is suggested for a named person whose nearest confirmed face is closer than
    /// this (dlib's same-person threshold is 0.6; lower is stricter).
    pub match_threshold: f32,
    /// Take over the names other apps gave faces in XMP (sidecars or inside JPEGs) when a
    /// scan analyses a photo.
    pub xmp_names: bool,
    /// Look through the library's folders each time the app opens.
    pub scan_on_open: bool,
    /// How a person's faces are listed (least alike first to find the ones of someone else).
    pub face_order: crate::people::ops::FaceOrder,
    /// The People page shows the unnamed people seen in one photo only.
    pub show_seen_once: bool,
    /// How the People page orders the named people.
    pub people_order: PeopleOrder,
}

/// How the People page orders the named people (unnamed groups always come largest first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeopleOrder {
    /// Most faces first: the people the collection is about.
    #[default]
    LargestFirst,
    /// Alphabetically, for finding someone among many.
    ByName,
}

impl Settings {
    /// How new faces are matched and grouped, with the user's match threshold.
    pub fn cluster_options(&self) -> crate::people::matching::ClusterOptions {
        crate::people::matching::ClusterOptions {
            match_threshold: self.match_threshold.clamp(0.3, 0.7),
            ..Default::default()
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            last_view: SavedView::People,
            show_hidden: false,
            face_size: 112.0,
            max_side: 2048,
            upsample: 0,
            last_export_folder: None,
            match_threshold: crate::people::matching::DEFAULT_MATCH_THRESHOLD,
            xmp_names: true,
            scan_on_open: true,
            face_order: Default::default(),
            show_seen_once: false,
            people_order: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SavedView {
    People,
    Review,
    Folders,
}

/// Where the user is.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    People,
    Person(PersonId),
    /// A photo, opened from a list of photos the user can step through.
    Photo {
        photo: PhotoId,
        siblings: Vec<PhotoId>,
    },
    Review,
    Folders,
    /// The photos of a photo folder in which no face was found, to add the faces missed.
    PhotosWithoutFaces(RootId),
    /// A folder's page (a photo folder or one inside it): who is in it, and its photos.
    Folder(PathBuf),
    /// The faces the user ignored, to name or take back the ones ignored in haste.
    IgnoredFaces,
}

impl View {
    pub fn saved(&self) -> SavedView {
        match self {
            View::Review => SavedView::Review,
            View::Folders => SavedView::Folders,
            _ => SavedView::People,
        }
    }
}

/// What views ask for; applied by the app after the frame is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Go(View),
    Back,
    Mutate(Mutation),
    /// Ctrl+F: People, with the cursor in its name filter.
    FindPerson,
    /// Zoomed in past its picture's pixels: the photo again, up to this many pixels a side.
    SharperPhoto(PhotoId, u32),
    /// A face the detector missed, in this box drawn on the photo (in its full-size pixels).
    AddFace {
        photo: PhotoId,
        drawn: crate::engine::geometry::Rect,
    },
    /// Look for faces too small for the scan in this photo.
    LookCloser(PhotoId),
    /// Turn a photo stored sideways by a quarter (or more) and look for faces on it so.
    TurnPhoto(PhotoId, crate::library::turn::Turn),
    /// The same for many photos, in the background.
    LookCloserAt(Vec<PhotoId>),
    /// Turn many photos the same way, in the background (see [`Action::TurnPhoto`]).
    TurnPhotos(Vec<PhotoId>, crate::library::turn::Turn),
    PausePhotoJob(bool),
    CancelPhotoJob,
    /// Opens the system folder picker (on a helper thread).
    PickFolder,
    AddFolder(PathBuf),
    RemoveFolder(RootId),
    /// The photo folder was moved or renamed to this folder: the library follows it (and
    /// scans it there).
    RelocateFolder(RootId, PathBuf),
    /// Opens the system folder picker to find where a photo folder went.
    PickRelocation(RootId),
    /// Forget for good a photo folder's photos that scans found gone.
    ForgetMissing(RootId),
    ShowFolderErrors(RootId),
    /// Show or hide the folders inside a photo folder.
    ToggleSubfolders(RootId),
    /// Leave a subfolder out of the library.
    ExcludeFolder(PathBuf),
    /// Take a left-out subfolder back in, and rescan.
    IncludeFolder(PathBuf),
    Rescan,
    PauseScan(bool),
    CancelScan,
    /// Photos in which all these people appear (the Person view's "Photos" tab).
    LoadPhotosOf(Vec<PersonId>),
    /// Opens a person's page on its Photos tab.
    OpenPhotosOf(PersonId),
    /// Lists a person's faces in this order from now on.
    OrderFaces(crate::people::ops::FaceOrder),
    /// Goes on from this person to the next unnamed one (see [`Data::next_unnamed`]).
    NextUnnamed(PersonId),
    /// Opens a person's page with their name ready to type (a People card's "Name…").
    NamePerson(PersonId),
    LoadSuggestions(ReviewOf),
    /// Opens the export dialog for these people.
    ExportPeople(Vec<PersonId>),
    /// Opens the system folder picker for the export's target.
    PickExportFolder,
    Export {
        request: ExportRequest,
        dry_run: bool,
    },
    CancelExport,
    Notify(String),
    /// Make a backup copy of the library now.
    BackUp,
    /// Ask whether to put this copy back as the library (what it holds is read first).
    AskPutBack(PathBuf),
    /// Not after all.
    CancelPutBack,
    /// Folders, with the backup copies listed to put one back (the library file is damaged).
    ListCopiesToPutBack,
    /// Save what can still be read of the damaged library as a copy of its own, and ask
    /// whether to put it back.
    Salvage,
    /// Put the copy asked about back as the library, once nothing is being worked on.
    PutBack,
    /// Hand a photo to the desktop: open it in the user's viewer, or show it in its folder.
    Launch(crate::ui::launch::Launch),
}

/// What the worker has sent, as the views see it.
#[derive(Default)]
pub struct Data {
    /// The first overview has arrived.
    pub loaded: bool,
    /// What said the library file is damaged, once something read from it said so: a banner
    /// stays over every page, offering a backup copy, rather than one red notification after
    /// another as each read fails.
    pub damaged: Option<String>,
    pub people: Vec<PersonSummary>,
    pub counts: StatusCounts,
    pub folders: Vec<FolderSummary>,
    /// Folders not on disk when last looked (on a drive not connected): their photos are kept.
    /// With each, where it likely is now if it was renamed or moved.
    pub folders_not_there: HashMap<RootId, Option<NewPlace>>,
    pub folder_errors: HashMap<RootId, Vec<(PhotoId, PathBuf, String)>>,
    pub excluded_folders: Vec<ExcludedFolder>,
    pub subfolders: HashMap<RootId, Vec<SubfolderSummary>>,
    /// Label of what Ctrl+Shift+Z would redo.
    pub redo: Option<String>,
    /// What undo would take back, newest first.
    pub history: Vec<String>,
    /// The library's backup copies, newest first.
    pub backups: Vec<crate::library::backup::Backup>,
    /// What can still be read of the damaged library is being saved as a copy of its own.
    pub salvaging: bool,
    /// What the last salvage saved and could not, or why it saved nothing.
    pub salvaged: Option<Result<crate::library::salvage::Salvage, String>>,
    /// A copy the user asked to put back, and what it holds once read (None meanwhile).
    pub put_back: Option<(
        PathBuf,
        Option<Result<crate::library::backup::BackupContents, String>>,
    )>,
    pub person_faces: Option<(PersonId, Vec<PersonFace>)>,
    pub photos: Option<(Vec<PersonId>, DatedPhotos)>,
    /// A photo folder's photos in which no face was found.
    pub photos_without_faces: Option<(RootId, DatedPhotos)>,
    /// The folder whose page is shown, or was last.
    pub folder_contents: Option<FolderPage>,
    pub ignored_faces: Option<Vec<PersonFace>>,
    pub photo: Option<(PhotoRecord, Vec<PhotoFace>)>,
    /// The photo view's picture: of which photo, at which of the user's turns.
    pub photo_image: Option<(
        PhotoId,
        crate::library::turn::Turn,
        Result<egui::TextureHandle, NoPicture>,
    )>,
    pub suggestions: Option<ReviewList>,
    pub scan: Option<ScanState>,
    /// The export running in the background.
    pub export: Option<ExportJob>,
    /// The closer look at many photos running in the background.
    pub photo_job: Option<PhotoJob>,
    pub last_scan: Option<ScanSummary>,
}

/// A folder's page as shown: see [`FolderContents`].
#[derive(Debug, Clone)]
pub struct FolderPage {
    pub folder: PathBuf,
    pub persons: Vec<(PersonId, u64)>,
    pub photos: DatedPhotos,
}

impl From<FolderContents> for FolderPage {
    fn from(contents: FolderContents) -> Self {
        FolderPage {
            folder: contents.folder,
            persons: contents.persons,
            photos: DatedPhotos::new(contents.photos),
        }
    }
}

impl Data {
    pub fn person(&self, id: PersonId) -> Option<&PersonSummary> {
        self.people.iter().find(|p| p.id == id)
    }

    /// The unnamed person to name next after `current`: the largest one not passed over yet
    /// (a group the user went on from without naming it); once every one was, the round
    /// starts again. By size rather than by place after `current`, since naming or splitting
    /// `current` moves it in the list.
    pub fn next_unnamed(
        &self,
        current: PersonId,
        passed_over: &BTreeSet<PersonId>,
    ) -> Option<PersonId> {
        let candidates = || {
            self.people
                .iter()
                .filter(move |p| p.id != current && p.name.is_none() && !p.hidden && p.faces > 0)
        };
        candidates()
            .find(|p| !passed_over.contains(&p.id))
            .or_else(|| candidates().next())
            .map(|p| p.id)
    }

    pub fn display_name(&self, id: PersonId) -> String {
        self.person(id)
            .and_then(|p| p.name.clone())
            .unwrap_or_else(|| "Unnamed".to_string())
    }

    /// Named people, for "move to" and "merge into" menus, alphabetically.
    /// What Ctrl+Z would undo: the newest of the history.
    pub fn undo(&self) -> Option<&str> {
        self.history.first().map(String::as_str)
    }

    pub fn named_people(&self) -> Vec<&PersonSummary> {
        let mut named: Vec<_> = self.people.iter().filter(|p| p.name.is_some()).collect();
        named.sort_by_key(|p| p.name.as_deref().map(str::to_lowercase));
        named
    }

    /// Named people whose name holds what is being typed (ignoring case), alphabetically: to
    /// pick one instead of typing the whole name. None while nothing is typed.
    pub fn named_people_matching(&self, typed: &str) -> Vec<&PersonSummary> {
        let filter = NameFilter::new(typed);
        if filter.is_empty() {
            return Vec::new();
        }
        self.named_people()
            .into_iter()
            .filter(|p| filter.admits(p))
            .collect()
    }
}

/// What is typed to find people by name: it finds those whose name holds it, ignoring case
/// and the spaces around it — everyone while nothing is typed.
pub struct NameFilter(String);

impl NameFilter {
    pub fn new(typed: &str) -> Self {
        NameFilter(typed.trim().to_lowercase())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn admits(&self, person: &PersonSummary) -> bool {
        self.is_empty()
            || person
                .name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().contains(&self.0))
    }
}

pub struct ScanState {
    pub control: Option<std::sync::Arc<crate::library::scan::ScanControl>>,
    pub progress: Option<ScanProgress>,
    pub paused: bool,
    pub stored_since_refresh: usize,
    pub last_refresh: std::time::Instant,
    /// Started by opening the library rather than by the user: it reports only what it found.
    pub on_open: bool,
    /// The user cancelled before the scan had started: it is stopped as soon as it does.
    pub cancelled: bool,
    /// A folder was added (or taken back in) while this scan ran, which walked the folders
    /// as they were when it began: another scan follows it.
    pub again: bool,
}

impl ScanState {
    pub fn new(on_open: bool) -> Self {
        ScanState {
            control: None,
            progress: None,
            paused: false,
            stored_since_refresh: 0,
            last_refresh: std::time::Instant::now(),
            on_open,
            cancelled: false,
            again: false,
        }
    }
}

/// The export dialog's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportDialog {
    pub persons: Vec<PersonId>,
    /// The folder, as typed or as shown once picked.
    pub target: String,
    /// The folder last picked in the folder chooser (or offered), as it is.
    pub picked: Option<PathBuf>,
    pub mode: Mode,
    pub layout: Layout,
    pub together: bool,
    pub include_suggested: bool,
    /// What a dry run said would happen (or why it cannot).
    pub preview: Option<Result<String, String>>,
}

impl ExportDialog {
    /// The dialog for `persons`, into `target` (the last album's folder, else a folder for
    /// albums among the user's pictures).
    pub fn new(persons: Vec<PersonId>, target: Option<&std::path::Path>) -> Self {
        ExportDialog {
            persons,
            target: target.map(shown_path).unwrap_or_default(),
            picked: target.map(std::path::Path::to_path_buf),
            mode: Mode::Copy,
            layout: Layout::Flat,
            together: false,
            include_suggested: false,
            preview: None,
        }
    }

    /// The folder picked (kept as it is: a name that is not UTF-8 is not shown as it is)
    /// while the field still says it; else the folder typed.
    pub fn target_folder(&self) -> PathBuf {
        match &self.picked {
            Some(picked) if shown_path(picked) == self.target.trim() => picked.clone(),
            _ => crate::ui::views::typed_path(&self.target),
        }
    }

    /// Shows a folder picked in the folder chooser.
    pub fn pick(&mut self, folder: PathBuf) {
        self.target = shown_path(&folder);
        self.picked = Some(folder);
        self.preview = None;
    }

    pub fn request(&self) -> ExportRequest {
        ExportRequest {
            persons: self.persons.clone(),
            target: self.target_folder(),
            mode: self.mode,
            layout: self.layout,
            selection: PhotoSelection {
                together: self.together && self.persons.len() > 1,
                include_suggested: self.include_suggested,
                include_hidden: true,
            },
        }
    }
}

/// People, photos or faces (ids) chosen as in a file manager: Ctrl+click one in or out, Shift
/// for the span from the one last Ctrl+clicked.
#[derive(Debug)]
pub struct Chosen<T> {
    pub selected: BTreeSet<T>,
    /// The one last Ctrl+clicked: where a Shift range starts.
    pub anchor: Option<T>,
}

impl<T> Default for Chosen<T> {
    fn default() -> Self {
        Chosen {
            selected: BTreeSet::new(),
            anchor: None,
        }
    }
}

impl<T: Ord + Copy> Chosen<T> {
    /// Ctrl+click: `id` in or out of the selection, and where a Shift range starts.
    pub fn toggle(&mut self, id: T) {
        if !self.selected.remove(&id) {
            self.selected.insert(id);
        }
        self.anchor = Some(id);
    }

    /// Shift+click on the `to`th of `shown` (in their order on the page), or Shift with the
    /// keys from `from` to `to`: all from the anchor — where it is shown, else from `from` —
    /// to there are selected; `add`ed to those selected already, or in their place.
    pub fn select_range(&mut self, shown: &[T], from: usize, to: usize, add: bool) {
        if to >= shown.len() {
            return;
        }
        let anchor = self
            .anchor
            .and_then(|a| shown.iter().position(|&s| s == a))
            .unwrap_or(from.min(shown.len() - 1));
        if !add {
            self.selected.clear();
        }
        self.selected
            .extend(&shown[anchor.min(to)..=anchor.max(to)]);
        self.anchor = Some(shown[anchor]);
    }
}

/// Photos chosen in a grid to work on together (a plain click still opens a photo, until
/// some are chosen).
pub type ChosenPhotos = Chosen<PhotoId>;

impl ChosenPhotos {
    /// A click on the `index`th of `shown` with `modifiers`: true if it chose (Ctrl or Shift
    /// held, or photos chosen already), false if it is a plain click to open the photo.
    pub fn click(&mut self, shown: &[PhotoId], index: usize, modifiers: egui::Modifiers) -> bool {
        if index >= shown.len() {
            return false;
        }
        if modifiers.shift {
            self.select_range(shown, index, index, true);
        } else if modifiers.command || modifiers.ctrl || !self.selected.is_empty() {
            self.toggle(shown[index]);
        } else {
            return false;
        }
        true
    }

    /// Forgets photos no longer shown (turned, and so no longer without a face).
    pub fn keep_only(&mut self, shown: &[PhotoId]) {
        let shown: BTreeSet<PhotoId> = shown.iter().copied().collect();
        self.selected.retain(|p| shown.contains(p));
    }
}

/// Work on many photos, one after another in the background.
pub struct PhotoJob {
    pub kind: PhotoJobKind,
    pub control: Option<std::sync::Arc<crate::library::scan::ScanControl>>,
    pub progress: crate::ui::backend::PhotoJobProgress,
    pub started: std::time::Instant,
    pub paused: bool,
    /// The user stopped it, perhaps before its control came (a job starts by opening the
    /// library and loading the face models): it stops as soon as it can.
    pub cancelled: bool,
}

/// What a [`PhotoJob`] does to each photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoJobKind {
    /// Looks for faces too small for the scan.
    LookCloser,
    /// Turns it (stored sideways) and looks for its faces.
    Turn(crate::library::turn::Turn),
}

#[derive(Default)]
pub struct ExportJob {
    pub control: Option<std::sync::Arc<ExportControl>>,
    /// The user cancelled it, perhaps before its control came (planning reads every
    /// destination, slow on a network disk): it stops as soon as it can.
    pub cancelled: bool,
    pub progress: ExportProgress,
    /// Why photos were copied where links were asked for, each reason once (an album on a
    /// USB stick has one reason for every photo).
    pub copied_because: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum PersonTab {
    #[default]
    Faces,
    Photos,
}

#[derive(Default)]
pub struct PeopleViewState {
    pub filter: String,
    /// Ctrl+F asked for the filter field: the People page focuses it (its text selected, to
    /// type over) the next time it draws.
    pub focus_filter: bool,
    /// Ctrl+click (or "Select" in a card's menu), Shift+click or Shift with the arrow keys.
    pub chosen: Chosen<PersonId>,
    pub merge_into: Option<PersonId>,
}

/// The faces selected in a grid of faces, chosen as in a file manager.
#[derive(Default)]
pub struct FaceSelection {
    pub selected: BTreeSet<FaceId>,
    /// The last face plainly clicked, for shift-click ranges: a face, not a place in the grid,
    /// since the grid is ordered anew after each correction (and during a scan).
    pub anchor: Option<FaceId>,
}

impl FaceSelection {
    /// Click: select just this one; Ctrl+click: toggle it; Shift+click: the range from the
    /// last plain click.
    pub fn click(&mut self, faces: &[PersonFace], index: usize, modifiers: egui::Modifiers) {
        let face = faces[index].face;
        if modifiers.shift {
            // The anchor no longer shown (moved to another person): the range starts here.
            let anchor = self
                .anchor
                .and_then(|a| faces.iter().position(|f| f.face == a))
                .unwrap_or(index);
            let (a, b) = if anchor <= index {
                (anchor, index)
            } else {
                (index, anchor)
            };
            if !modifiers.command {
                self.selected.clear();
            }
            self.selected.extend(faces[a..=b].iter().map(|f| f.face));
        } else if modifiers.command || modifiers.ctrl {
            if !self.selected.remove(&face) {
                self.selected.insert(face);
            }
            self.anchor = Some(face);
        } else {
            let only_this = self.selected.len() == 1 && self.selected.contains(&face);
            self.selected.clear();
            if !only_this {
                self.selected.insert(face);
            }
            self.anchor = Some(face);
        }
    }

    /// Shift with an arrow key (or Home, End, Page Up / Down) from face `from` to face `to`:
    /// the range from the last plain click to `to`, as Shift+click; with no click yet, from
    /// the face the keyboard left.
    pub fn extend_by_keyboard(&mut self, faces: &[PersonFace], extend: Extend) {
        if extend.to >= faces.len() {
            return;
        }
        if let Some(from) = faces.get(extend.from) {
            self.anchor.get_or_insert(from.face);
        }
        self.click(faces, extend.to, egui::Modifiers::SHIFT);
    }

    /// Ctrl+A (unless a text field has the keyboard): every face of the grid.
    pub fn select_all_on_ctrl_a(&mut self, ui: &egui::Ui, faces: &[PersonFace]) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let select_all = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::A);
        if ui.input_mut(|i| i.consume_shortcut(&select_all)) {
            self.selected = faces.iter().map(|f| f.face).collect();
        }
    }

    /// The selected faces of `faces`, in their order there.
    pub fn in_order(&self, faces: &[PersonFace]) -> Vec<FaceId> {
        faces
            .iter()
            .map(|f| f.face)
            .filter(|f| self.selected.contains(f))
            .collect()
    }

    /// Forgets faces no longer listed (taken elsewhere by a correction).
    pub fn keep_only(&mut self, faces: &[PersonFace]) {
        let present: BTreeSet<FaceId> = faces.iter().map(|f| f.face).collect();
        self.selected.retain(|f| present.contains(f));
    }
}

#[derive(Default)]
pub struct IgnoredViewState {
    pub selection: FaceSelection,
    /// The name being typed for the selected faces.
    pub name: String,
}

#[derive(Default)]
pub struct PersonViewState {
    pub person: Option<PersonId>,
    pub tab: PersonTab,
    pub selection: FaceSelection,
    /// The rename text while renaming.
    pub renaming: Option<String>,
    pub new_person_name: String,
    pub together: Vec<PersonId>,
}

#[derive(Default)]
pub struct PhotoViewState {
    /// The face whose box was clicked, and the name being typed for it.
    pub editing: Option<(FaceId, String)>,
    /// Zoomed in on this photo (another photo opens fitted whole).
    pub zoom: Option<(PhotoId, PhotoZoom)>,
    /// A sharper picture of this photo was asked for (once per photo).
    pub sharper_asked: Option<PhotoId>,
    /// Drawing a box around a face the detector missed, on this photo.
    pub drawing: Option<PhotoId>,
    /// Where the box being drawn started, in the photo's full-size pixels.
    pub draw_from: Option<egui::Pos2>,
    /// Faces are being found and added to this photo; what the view says meanwhile.
    pub adding: Option<(PhotoId, &'static str)>,
    /// The name field of the face being edited takes the keyboard (a face just drawn).
    pub focus_name: bool,
}

/// A photo zoomed in: how much, and on which part.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhotoZoom {
    /// Times the size at which the whole photo fits (above 1).
    pub factor: f32,
    /// The point of the photo, in its full-size pixels, shown at the middle of the view.
    pub center: egui::Pos2,
}

#[derive(Default)]
pub struct ReviewViewState {
    pub of: Option<ReviewOf>,
    /// Faces skipped in this list: left out of the lists asked for, so skipping a whole list
    /// brings the next faces rather than the same ones, until the user asks about them again.
    /// Kept per list while Kindred runs (the app holds them while another list is shown).
    pub skipped: BTreeSet<FaceId>,
    /// Faces answered on this visit: left out until the lists know of the answers (and in
    /// Review of everyone, a face just said not to be Anna is not asked about Bob at once).
    pub answered: BTreeSet<FaceId>,
    /// The face asked about, and whom: it stays on screen when the list is made again (as
    /// it is every few seconds while a scan matches new faces), so that an answer given just
    /// then is about the face the user was looking at.
    pub asking: Option<(FaceId, PersonId)>,
    /// The user asked to go on past the faces within the match distance.
    pub less_likely: bool,
    pub batch: bool,
    /// The faces chosen in that list.
    pub batch_chosen: Chosen<FaceId>,
}

#[derive(Default)]
pub struct FoldersViewState {
    pub typed_path: String,
    pub expanded: Option<RootId>,
    /// The photo folder whose subfolders are listed.
    pub subfolders_of: Option<RootId>,
    /// Subfolders opened to show the folders inside them.
    pub open_subfolders: std::collections::HashSet<PathBuf>,
    /// The photo folder whose missing photos the user asked to forget: the question shows.
    pub forget_asked: Option<RootId>,
    /// The photo folder not there whose new place is being given, and the path typed.
    pub relocating: Option<(RootId, String)>,
    /// The field for that path is to take the keyboard (it has just opened).
    pub focus_relocation: bool,
    /// The backup copies are listed, to put one back.
    pub copies_listed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::geometry::Rect;
    use egui::Modifiers;

    fn faces(n: usize) -> Vec<PersonFace> {
        (0..n)
            .map(|i| PersonFace {
                face: i as FaceId + 100,
                photo: i as i64,
                path: format!("/p/{i}.jpg").into(),
                state: crate::people::ops::FaceState::Confirmed,
                rect: Rect::new(0, 0, 10, 10),
                distance: None,
            })
            .collect()
    }

    #[test]
    fn click_shift_and_ctrl_select_like_a_file_manager() {
        let faces = faces(6);
        let mut state = FaceSelection::default();
        state.click(&faces, 1, Modifiers::NONE);
        assert_eq!(
            state.selected.iter().copied().collect::<Vec<_>>(),
            vec![101]
        );
        state.click(&faces, 4, Modifiers::SHIFT);
        assert_eq!(
            state.selected.iter().copied().collect::<Vec<_>>(),
            vec![101, 102, 103, 104]
        );
        state.click(&faces, 2, Modifiers::COMMAND);
        assert_eq!(
            state.selected.iter().copied().collect::<Vec<_>>(),
            vec![101, 103, 104]
        );
        state.click(&faces, 5, Modifiers::NONE);
        assert_eq!(
            state.selected.iter().copied().collect::<Vec<_>>(),
            vec![105]
        );
        state.click(&faces, 5, Modifiers::NONE);
        assert!(state.selected.is_empty(), "a second click deselects");
    }

    #[test]
    fn shift_with_the_keys_selects_from_the_last_click_or_where_the_keyboard_was() {
        let faces = faces(6);
        let selected = |state: &FaceSelection| state.selected.iter().copied().collect::<Vec<_>>();
        let mut state = FaceSelection::default();
        state.extend_by_keyboard(&faces, Extend { from: 1, to: 2 });
        assert_eq!(
            selected(&state),
            [101, 102],
            "from the face the keyboard left"
        );
        state.extend_by_keyboard(&faces, Extend { from: 2, to: 4 });
        assert_eq!(selected(&state), [101, 102, 103, 104]);
        state.extend_by_keyboard(&faces, Extend { from: 4, to: 0 });
        assert_eq!(selected(&state), [100, 101], "back past where it began");
        state.click(&faces, 5, Modifiers::NONE);
        state.extend_by_keyboard(&faces, Extend { from: 1, to: 3 });
        assert_eq!(selected(&state), [103, 104, 105], "from the last click");
        state.extend_by_keyboard(&faces, Extend { from: 3, to: 6 });
        assert_eq!(selected(&state), [103, 104, 105], "a face no longer there");
    }

    /// Regression: the anchor was a place in the grid, so once the grid was ordered anew (a
    /// face confirmed moves up; new suggestions arrive during a scan) Shift+click ranged from
    /// whichever face had taken that place.
    #[test]
    fn a_shift_click_ranges_from_the_face_clicked_wherever_it_went() {
        let before = faces(6);
        let mut state = FaceSelection::default();
        state.click(&before, 4, Modifiers::NONE);
        // Face 104 moves to the top.
        let mut after = before.clone();
        let moved = after.remove(4);
        after.insert(0, moved);
        state.click(&after, 2, Modifiers::SHIFT);
        assert_eq!(
            state.selected.iter().copied().collect::<Vec<_>>(),
            [100, 101, 104]
        );
        // Gone from the grid, it leaves the range to start at the face clicked.
        state.click(&before[..3], 1, Modifiers::SHIFT);
        assert_eq!(state.selected.iter().copied().collect::<Vec<_>>(), [101]);
    }

    fn person(id: PersonId, faces: usize, name: Option<&str>) -> PersonSummary {
        PersonSummary {
            id,
            name: name.map(str::to_string),
            hidden: false,
            faces,
            confirmed: 0,
            photos: faces,
            key_face: None,
        }
    }

    #[test]
    fn next_unnamed_is_the_largest_not_passed_over_then_the_round_starts_again() {
        let mut data = Data {
            people: vec![
                person(1, 30, Some("Anna")),
                person(2, 20, None),
                person(3, 10, None),
                person(4, 5, None),
            ],
            ..Default::default()
        };
        let mut passed = BTreeSet::new();
        // From a named person: the largest unnamed one.
        assert_eq!(data.next_unnamed(1, &passed), Some(2));
        passed.insert(2);
        assert_eq!(data.next_unnamed(2, &passed), Some(3));
        // Person 3 split in two while named: it moves down the list; the next is still the
        // largest unnamed one not passed over, not the one after its new place.
        data.people = vec![
            person(1, 30, Some("Anna")),
            person(2, 20, None),
            person(4, 5, None),
            person(3, 4, Some("Ben")),
            person(5, 6, None),
        ];
        data.people.sort_by_key(|p| std::cmp::Reverse(p.faces));
        assert_eq!(data.next_unnamed(3, &passed), Some(5));
        passed.extend([5, 4]);
        // Every one passed over: round again, largest first.
        assert_eq!(data.next_unnamed(4, &passed), Some(2));
        // No one left to name.
        data.people = vec![person(1, 30, Some("Anna")), person(2, 20, None)];
        assert_eq!(data.next_unnamed(2, &passed), None);
    }

    #[test]
    fn a_range_runs_from_the_one_last_ctrl_clicked_where_it_is_shown() {
        let shown = [10, 20, 30, 40, 50];
        let mut chosen = Chosen::default();
        chosen.toggle(20);
        chosen.select_range(&shown, 0, 3, true);
        assert_eq!(chosen.selected, BTreeSet::from([20, 30, 40]));
        // Backwards, in place of the selection: the anchor stays where the range started.
        chosen.select_range(&shown, 3, 0, false);
        assert_eq!(chosen.selected, BTreeSet::from([10, 20]));
        assert_eq!(chosen.anchor, Some(20));
        // Ctrl+click out again, then a range past the end of the list changes nothing.
        chosen.toggle(10);
        assert_eq!(chosen.selected, BTreeSet::from([20]));
        chosen.select_range(&shown, 0, 5, true);
        assert_eq!(chosen.selected, BTreeSet::from([20]));
        // The anchor no longer shown (a face answered, a person merged away): the range
        // starts where the keys started, which becomes the anchor.
        let shown = [20, 30, 40, 50];
        chosen.anchor = Some(10);
        chosen.select_range(&shown, 2, 3, false);
        assert_eq!(chosen.selected, BTreeSet::from([40, 50]));
        assert_eq!(chosen.anchor, Some(40));
    }

    #[test]
    fn a_plain_click_opens_a_photo_until_photos_are_chosen() {
        let shown = [1, 2, 3, 4];
        let mut chosen = ChosenPhotos::default();
        assert!(!chosen.click(&shown, 1, Modifiers::NONE));
        assert!(chosen.click(&shown, 1, Modifiers::CTRL));
        assert!(chosen.click(&shown, 3, Modifiers::SHIFT));
        assert_eq!(chosen.selected, BTreeSet::from([2, 3, 4]));
        // Once some are chosen, a plain click chooses too.
        assert!(chosen.click(&shown, 2, Modifiers::NONE));
        assert_eq!(chosen.selected, BTreeSet::from([2, 4]));
        assert!(!chosen.click(&shown, 9, Modifiers::CTRL));
    }
}
