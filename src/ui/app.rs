//! The window: owns the state, draws the chrome (navigation, scan progress, notifications),
//! hands each frame to the current view, and applies the actions views emitted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Color32, RichText};

use crate::export::album::ExportEvent;
use crate::library::scan::{ScanEvent, ScanOptions, ScanPhase, ScanSummary};
use crate::library::store::{FaceId, PhotoId, Store};
use crate::people::ops::PersonId;

use super::backend::{Backend, Failure, Mutation, PhotoJobProgress, Request, Response, ReviewOf};
use super::launch::{self, Launch};
use super::state::*;
use super::textures::TextureCache;
use super::views::photo_grid::DatedPhotos;
use super::{theme, views};

const SETTINGS_KEY: &str = "kindred-settings";
/// While a scan runs, people are re-matched at most this often so new faces show up live.
const LIVE_REFRESH: Duration = Duration::from_secs(3);

/// Where albums go until the user has chosen a folder: in their Pictures folder (`~/Pictures`
/// where the desktop names none).
fn default_album_folder() -> Option<PathBuf> {
    pictures_folder().map(|pictures| pictures.join("Kindred albums"))
}

/// The user's Pictures folder as the desktop names it (XDG_PICTURES_DIR, the Windows or macOS
/// one), else `~/Pictures`; it may not exist.
fn pictures_folder() -> Option<PathBuf> {
    directories::UserDirs::new().map(|dirs| {
        dirs.picture_dir()
            .map_or_else(|| dirs.home_dir().join("Pictures"), Path::to_path_buf)
    })
}

pub struct Toast {
    pub text: String,
    pub error: bool,
    pub until: f64,
    /// What the toast offers to open.
    pub open: Option<ToastOpens>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToastOpens {
    /// A person: where faces just went.
    Person(PersonId),
    /// A folder in the file manager: an album just written.
    Folder(PathBuf),
}

pub struct KindredApp {
    pub settings: Settings,
    pub view: View,
    history: Vec<View>,
    backend: Backend,
    pub data: Data,
    pub people_view: PeopleViewState,
    /// Unnamed people the user went on from with "Next unnamed" without naming them.
    passed_over: std::collections::BTreeSet<PersonId>,
    /// Where the user last sent a whole person: naming one as someone already named, or
    /// "Merge into…", merges them into that person, whose page then opens in place of theirs.
    merged_away: Option<(PersonId, MergedInto)>,
    pub person_view: PersonViewState,
    pub ignored_view: IgnoredViewState,
    pub photo_view: PhotoViewState,
    pub review_view: ReviewViewState,
    /// Faces skipped in the Review lists not shown now, by list: a list turned back to still
    /// leaves them out (until Kindred closes, or the user asks about them again).
    review_skips: std::collections::HashMap<ReviewOf, std::collections::BTreeSet<FaceId>>,
    pub folders_view: FoldersViewState,
    pub face_textures: TextureCache<FaceId>,
    pub photo_textures: TextureCache<PhotoId>,
    pub toasts: Vec<Toast>,
    library: PathBuf,
    lock: Option<crate::library::lock::LibraryLock>,
    /// A backup copy to put back as the library as soon as nothing is being worked on: see
    /// [`KindredApp::put_back_copy`].
    putting_back: Option<PathBuf>,
    /// Photos chosen among a folder's photos without a face, to turn or look closer at.
    pub photos_chosen: ChosenPhotos,
    /// The page they were chosen on: another page starts with none chosen.
    photos_chosen_on: Option<View>,
    /// Slowest frame (ms) since the last report, for `KINDRED_FRAME_LOG`.
    frame_log: Option<FrameLog>,
    picked_folders: std::sync::mpsc::Receiver<PathBuf>,
    picked_folders_tx: std::sync::mpsc::Sender<PathBuf>,
    picked_export: std::sync::mpsc::Receiver<PathBuf>,
    picked_export_tx: std::sync::mpsc::Sender<PathBuf>,
    /// Where a photo folder went, chosen in the folder picker.
    picked_relocation: std::sync::mpsc::Receiver<PathBuf>,
    picked_relocation_tx: std::sync::mpsc::Sender<PathBuf>,
    pub export_dialog: Option<ExportDialog>,
    tour: Option<super::tour::Tour>,
    /// Launches are recorded here instead of started (tests: no viewer opens on their desktop).
    recorded_launches: Option<Vec<Launch>>,
    /// The keyboard shortcuts window is open.
    pub show_shortcuts: bool,
    /// Whether a text field had the keyboard when the last frame ended. egui takes it from
    /// the field as soon as Esc is pressed, before the app sees the key; that Esc was the
    /// field's (it cancels a rename, leaves the filter) and is not also the app's.
    text_had_keyboard: bool,
    /// The folder the first-run page offers to add with one click: the user's Pictures
    /// folder, where most people's photos are, if there is one.
    pub first_folder_offer: Option<PathBuf>,
    /// Errors from helper threads (a photo viewer that would not start, a folder chooser that
    /// could not open), shown as error notifications.
    failures: std::sync::mpsc::Receiver<String>,
    failures_tx: std::sync::mpsc::Sender<String>,
    /// When to look again whether the weekly backup copy is due: the app may stay open for
    /// weeks (none: not looked at, as in tests).
    next_weekly_check: Option<Instant>,
    /// Where thumbnails are kept between runs (none: not kept).
    thumbnail_cache: Option<PathBuf>,
}

/// How often an app left open looks whether the weekly backup copy is due (a look at the
/// copies' folder; the copy itself is made once a week).
const WEEKLY_CHECK_EVERY: Duration = Duration::from_secs(60 * 60);

struct FrameLog {
    frames: u32,
    worst_ms: f64,
    total_ms: f64,
    since: Instant,
}

impl KindredApp {
    /// Starts on a library already opened, its lock held; makes the weekly backup copy of it
    /// in the background when one is due (a damaged library is said to be so).
    pub fn opened(
        ctx: &egui::Context,
        lock: crate::library::lock::LibraryLock,
        store: Store,
        storage: Option<&dyn eframe::Storage>,
    ) -> anyhow::Result<Self> {
        let has_folders = !store.roots()?.is_empty();
        let settings = storage
            .and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY))
            .unwrap_or_default();
        // Named when it held photos' thumbnails alone; it holds faces cut sharper too now.
        let thumbnail_cache = directories::ProjectDirs::from("", "", "kindred")
            .map(|d| d.cache_dir().join("photo-thumbnails"));
        let mut app = Self::build(ctx, store, settings, Some(lock), thumbnail_cache);
        app.tour = super::tour::Tour::from_env();
        if has_folders {
            app.scan_folders_on_open();
        }
        app.check_for_weekly_copy();
        Ok(app)
    }

    /// Looks through the library's folders as the app opens (unless the user turned it off),
    /// so photos added, changed or moved while Kindred was closed (and a face-model update)
    /// are taken in without a click. An unchanged folder costs a directory walk; nothing is
    /// said unless something was found.
    pub fn scan_folders_on_open(&mut self) {
        if self.settings.scan_on_open && self.data.scan.is_none() {
            self.start_scan(true);
        }
    }

    /// Builds the app on an open store, keeping no thumbnails on disk (tests use this with
    /// their own library, and leave the user's cache folder alone).
    pub fn with_store(
        ctx: &egui::Context,
        store: Store,
        settings: Settings,
        lock: Option<crate::library::lock::LibraryLock>,
    ) -> Self {
        Self::build(ctx, store, settings, lock, None)
    }

    /// The app on an open store; thumbnails are kept between runs in `thumbnail_cache`.
    fn build(
        ctx: &egui::Context,
        store: Store,
        mut settings: Settings,
        lock: Option<crate::library::lock::LibraryLock>,
        thumbnail_cache: Option<PathBuf>,
    ) -> Self {
        theme::apply(ctx);
        // Analysed as the library's photos were last analysed (`kindred scan --upsample 1`,
        // say): under other options, the next scan would analyse every photo again.
        if let Ok(Some(options)) = ScanOptions::of_library(&store) {
            settings.max_side = options.max_side;
            settings.upsample = options.upsample;
        }
        let library = store.path().to_path_buf();
        let backend = Backend::start(store, ctx.clone(), thumbnail_cache.clone());
        backend.send(Request::Refresh);
        let view = match settings.last_view {
            SavedView::People => View::People,
            SavedView::Review => View::Review,
            SavedView::Folders => View::Folders,
        };
        let (picked_folders_tx, picked_folders) = std::sync::mpsc::channel();
        let (picked_export_tx, picked_export) = std::sync::mpsc::channel();
        let (picked_relocation_tx, picked_relocation) = std::sync::mpsc::channel();
        let (failures_tx, failures) = std::sync::mpsc::channel();
        KindredApp {
            settings,
            view,
            history: Vec::new(),
            backend,
            data: Data::default(),
            people_view: Default::default(),
            passed_over: Default::default(),
            merged_away: None,
            person_view: Default::default(),
            ignored_view: Default::default(),
            photo_view: Default::default(),
            review_view: Default::default(),
            review_skips: Default::default(),
            folders_view: Default::default(),
            face_textures: TextureCache::new("face", 3000, crate::library::scan::THUMBNAIL_SIZE),
            photo_textures: TextureCache::new("photo", 400, super::backend::PHOTO_THUMB_SIDE),
            toasts: Vec::new(),
            library,
            lock,
            putting_back: None,
            photos_chosen: Default::default(),
            photos_chosen_on: None,
            frame_log: std::env::var_os("KINDRED_FRAME_LOG").map(|_| FrameLog {
                frames: 0,
                worst_ms: 0.0,
                total_ms: 0.0,
                since: Instant::now(),
            }),
            picked_folders,
            picked_folders_tx,
            picked_export,
            picked_export_tx,
            picked_relocation,
            picked_relocation_tx,
            export_dialog: None,
            tour: None,
            recorded_launches: None,
            show_shortcuts: false,
            text_had_keyboard: false,
            first_folder_offer: pictures_folder().filter(|folder| folder.is_dir()),
            failures,
            failures_tx,
            next_weekly_check: None,
            thumbnail_cache,
        }
    }

    /// From now on, photos handed to the desktop ("Open", "Show in folder") are recorded
    /// instead, for [`KindredApp::launched`].
    pub fn record_launches(&mut self) {
        self.recorded_launches.get_or_insert_with(Vec::new);
    }

    pub fn launched(&self) -> &[Launch] {
        self.recorded_launches.as_deref().unwrap_or_default()
    }

    /// Makes the weekly backup copy in the background if it is due (reading every page of the
    /// library first: damage found so is said by the banner), and looks again in an hour.
    pub fn check_for_weekly_copy(&mut self) {
        self.backend
            .send(Request::BackUp(crate::library::backup::BackupKind::Weekly));
        self.next_weekly_check = Some(Instant::now() + WEEKLY_CHECK_EVERY);
    }

    /// True when nothing is loading or running in the background (tests wait for this).
    pub fn is_idle(&self) -> bool {
        self.backend.is_idle()
    }

    pub fn library_path(&self) -> &Path {
        &self.library
    }

    /// The whole frame: drain the worker, draw, then apply what the views asked for.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.receive(&ctx);
        if let Some(at) = self.next_weekly_check {
            match at.checked_duration_since(Instant::now()) {
                Some(left) => ctx.request_repaint_after(left),
                None => self.check_for_weekly_copy(),
            }
        }
        self.face_textures.begin_frame();
        self.photo_textures.begin_frame();
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);
        self.dropped_folders(&ctx, &mut actions);

        egui::Panel::top("top-bar")
            .frame(theme::bar_frame(&ctx))
            .show(ui, |ui| self.top_bar(ui, &mut actions));
        if self.data.damaged.is_some() {
            egui::Panel::top("library-damaged")
                .frame(theme::bar_frame(&ctx).fill(theme::DAMAGE))
                .show(ui, |ui| self.damage_banner(ui, &mut actions));
        }
        if self.data.scan.is_some() {
            egui::Panel::bottom("scan-progress")
                .frame(theme::bar_frame(&ctx))
                .show(ui, |ui| self.scan_bar(ui, &mut actions));
        }
        if self.data.photo_job.is_some() {
            egui::Panel::bottom("closer-look-progress")
                .frame(theme::bar_frame(&ctx))
                .show(ui, |ui| self.photo_job_bar(ui, &mut actions));
        }
        if self.data.export.is_some() {
            egui::Panel::bottom("export-progress")
                .frame(theme::bar_frame(&ctx))
                .show(ui, |ui| self.export_bar(ui, &mut actions));
        }
        egui::CentralPanel::default()
            .frame(theme::page_frame(&ctx))
            .show(ui, |ui| self.page(ui, &mut actions));
        if let Some(dialog) = &mut self.export_dialog
            && !views::export::show(&ctx, &self.data, dialog, &mut actions)
        {
            self.export_dialog = None;
        }
        views::shortcuts::show(&ctx, &mut self.show_shortcuts);
        self.draw_toasts(&ctx, &mut actions);
        draw_drop_hint(&ctx);

        for action in actions {
            self.apply(action);
        }
        self.request_textures();
        if let Some(tour) = &mut self.tour {
            match tour.step(&ctx, &self.data, self.backend.is_idle()) {
                super::tour::TourStep::Wait => {}
                super::tour::TourStep::Go(actions) => {
                    for action in actions {
                        self.apply(action);
                    }
                }
                super::tour::TourStep::Close => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            }
        }
        self.text_had_keyboard = ctx.egui_wants_keyboard_input();
        self.log_frame(started);
    }

    fn page(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        // A library too damaged to read at all has no pages to show but its backup copies.
        let unreadable = !self.data.loaded && self.data.damaged.is_some();
        if !self.data.loaded && !unreadable {
            ui.centered_and_justified(|ui| ui.spinner());
            return;
        }
        if self.data.folders.is_empty()
            && self.data.scan.is_none()
            && self.view != View::Folders
            && !unreadable
        {
            views::welcome::show(
                ui,
                &mut self.folders_view,
                self.first_folder_offer.as_deref(),
                actions,
            );
            return;
        }
        let mut frame = views::Frame {
            data: &self.data,
            settings: &mut self.settings,
            faces: &mut self.face_textures,
            photos: &mut self.photo_textures,
            actions,
        };
        let view = if unreadable {
            View::Folders
        } else {
            self.view.clone()
        };
        match view {
            View::People => views::people::show(ui, &mut frame, &mut self.people_view),
            View::Person(id) => views::person::show(ui, &mut frame, &mut self.person_view, id),
            View::Photo { photo, siblings } => {
                views::photo::show(ui, &mut frame, &mut self.photo_view, photo, &siblings)
            }
            View::Review => views::review::show(ui, &mut frame, &mut self.review_view),
            View::Folders => views::folders::show(ui, &mut frame, &mut self.folders_view),
            View::PhotosWithoutFaces(root) => {
                views::photo_grid::without_faces(ui, &mut frame, root, &mut self.photos_chosen)
            }
            View::Folder(folder) => {
                views::folder::show(ui, &mut frame, &folder, &mut self.photos_chosen)
            }
            View::IgnoredFaces => views::ignored::show(ui, &mut frame, &mut self.ignored_view),
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            ui.add_space(4.0);
            ui.label(RichText::new("Kindred").size(20.0).strong());
            ui.add_space(16.0);
            let tab = |ui: &mut egui::Ui, label: &str, active: bool| {
                ui.add(egui::Button::selectable(
                    active,
                    RichText::new(label).size(15.0),
                ))
            };
            // A photo is under the tab of the page it was opened from (a folder's photos
            // without a face, a Review suggestion, a person).
            let page = std::iter::once(&self.view)
                .chain(self.history.iter().rev())
                .find(|view| !matches!(view, View::Photo { .. }));
            let on_review = page == Some(&View::Review);
            let on_folders = matches!(
                page,
                Some(View::Folders | View::PhotosWithoutFaces(_) | View::Folder(_))
            );
            if tab(ui, "People", !on_review && !on_folders).clicked() {
                actions.push(Action::Go(View::People));
            }
            if tab(ui, "Review", on_review).clicked() {
                actions.push(Action::Go(View::Review));
            }
            if tab(ui, "Folders", on_folders).clicked() {
                actions.push(Action::Go(View::Folders));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                // Right to left: Redo sits right of Undo, as in every editor.
                let redo = ui
                    .add_enabled(self.data.redo.is_some(), egui::Button::new("⟳ Redo"))
                    .on_hover_text(match &self.data.redo {
                        Some(what) => format!("Redo {what} (Ctrl+Shift+Z)"),
                        None => "Nothing to redo".into(),
                    });
                if redo.clicked() {
                    actions.push(Action::Mutate(Mutation::Redo));
                }
                // Undo back to any of the last corrections at once.
                ui.add_enabled_ui(!self.data.history.is_empty(), |ui| {
                    let menu = ui.menu_button("⏷", |ui| {
                        ui.label(RichText::new("Undo back to (and including):").weak());
                        for (i, what) in self.data.history.iter().enumerate() {
                            let entry = ui.button(crate::text::capitalised(what));
                            let entry = match i {
                                0 => entry.on_hover_text("The last correction (Ctrl+Z)"),
                                n => entry.on_hover_text(format!(
                                    "This and the {} after it",
                                    views::count(n, "correction", "corrections")
                                )),
                            };
                            if entry.clicked() {
                                actions.push(Action::Mutate(Mutation::Undo(i + 1)));
                            }
                        }
                    });
                    let menu = menu
                        .response
                        .on_hover_text("Undo back to one of the last corrections at once");
                    views::button_known_as(&menu, "Undo history".into());
                });
                let undo = ui
                    .add_enabled(self.data.undo().is_some(), egui::Button::new("⟲ Undo"))
                    .on_hover_text(match self.data.undo() {
                        Some(what) => format!("Undo {what} (Ctrl+Z)"),
                        None => "Nothing to undo".into(),
                    });
                if undo.clicked() {
                    actions.push(Action::Mutate(Mutation::Undo(1)));
                }
                let help = ui
                    .add(egui::Button::new("?").selected(self.show_shortcuts))
                    .on_hover_text("Keyboard shortcuts (F1)");
                views::button_known_as(&help, "Keyboard shortcuts".into());
                if help.clicked() {
                    self.show_shortcuts = !self.show_shortcuts;
                }
                let c = &self.data.counts;
                // Each photo and face once, as People counts them; copies said apart.
                let copies = match c.identical_copies {
                    0 => String::new(),
                    n => format!(
                        " (+{})",
                        views::count(n as usize, "identical copy", "identical copies")
                    ),
                };
                // Cut short (whole on hover) where a narrow window leaves it no room.
                ui.add(
                    egui::Label::new(
                        RichText::new(format!(
                            "{}{copies} · {} · {}",
                            views::count(
                                c.photos_done.saturating_sub(c.identical_copies) as usize,
                                "photo",
                                "photos"
                            ),
                            views::count(
                                c.faces.saturating_sub(c.faces_in_copies) as usize,
                                "face",
                                "faces"
                            ),
                            views::count(
                                self.data.people.iter().filter(|p| !p.hidden).count(),
                                "person",
                                "people"
                            )
                        ))
                        .weak(),
                    )
                    .truncate(),
                );
            });
        });
    }

    fn scan_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let Some(scan) = &self.data.scan else { return };
        ui.horizontal(|ui| {
            let (fraction, text) = match &scan.progress {
                None => (0.0, "Starting the scan…".to_string()),
                // Paused, the listing of files goes on (it takes little); no photo is read.
                Some(p) if p.phase == ScanPhase::Walking && scan.paused => (
                    0.0,
                    format!(
                        "Listing photos… {} found; none is read until you resume",
                        views::grouped(p.found as usize)
                    ),
                ),
                Some(p) if p.phase == ScanPhase::Walking => (
                    0.0,
                    format!(
                        "Looking for photos… {} found",
                        views::grouped(p.found as usize)
                    ),
                ),
                Some(p) => {
                    let total = p.to_analyse.max(1);
                    // Paused, the time left so far no longer says when it will end.
                    let eta = match p.eta_secs {
                        Some(s) if p.done < p.to_analyse && !scan.paused => {
                            format!(" · {} left", human_duration(s))
                        }
                        _ => String::new(),
                    };
                    // What is left first: in a narrow window the end of the line is cut off.
                    (
                        p.done as f32 / total as f32,
                        format!(
                            "{} / {}{eta} · {} · {:.1} photos/s{}",
                            views::grouped(p.done as usize),
                            views::count(p.to_analyse as usize, "photo", "photos"),
                            views::count(p.faces as usize, "face", "faces"),
                            p.rate,
                            if p.errors > 0 {
                                format!(" · {} skipped", p.errors)
                            } else {
                                String::new()
                            }
                        ),
                    )
                }
            };
            let status = if scan.paused { "Paused" } else { "Scanning" };
            job_row(ui, status, fraction, !scan.paused, &text, |ui| {
                if ui.button("Cancel scan").clicked() {
                    actions.push(Action::CancelScan);
                }
                let label = if scan.paused { "Resume" } else { "Pause" };
                if ui.button(label).clicked() {
                    actions.push(Action::PauseScan(!scan.paused));
                }
            });
        });
    }

    fn photo_job_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let Some(job) = &self.data.photo_job else {
            return;
        };
        let p = job.progress;
        let (doing, stop) = match job.kind {
            PhotoJobKind::LookCloser => ("Looking closer", "Stop looking"),
            PhotoJobKind::Turn(_) => ("Turning photos", "Stop turning"),
        };
        ui.horizontal(|ui| {
            let status = if job.paused { "Paused" } else { doing };
            // Paused, the time per photo so far no longer says when it will end.
            let eta = match p.done {
                _ if job.paused => String::new(),
                0 => String::new(),
                done if done < p.total => {
                    let paused = job.control.as_ref().map(|c| c.time_paused());
                    let working = job
                        .started
                        .elapsed()
                        .saturating_sub(paused.unwrap_or_default());
                    let per_photo = working.as_secs_f64() / done as f64;
                    format!(
                        " · {} left",
                        human_duration(per_photo * (p.total - done) as f64)
                    )
                }
                _ => String::new(),
            };
            let text = format!(
                "{} / {}{eta} · {} found{}",
                views::grouped(p.done),
                views::count(p.total, "photo", "photos"),
                views::count(p.found, "face", "faces"),
                if p.failed > 0 {
                    format!(" · {} not read", p.failed)
                } else {
                    String::new()
                }
            );
            let fraction = p.done as f32 / p.total.max(1) as f32;
            job_row(ui, status, fraction, !job.paused, &text, |ui| {
                if ui.button(stop).clicked() {
                    actions.push(Action::CancelPhotoJob);
                }
                let label = if job.paused { "Resume" } else { "Pause" };
                if ui.button(label).clicked() {
                    actions.push(Action::PausePhotoJob(!job.paused));
                }
            });
        });
    }

    fn export_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let Some(job) = &self.data.export else { return };
        ui.horizontal(|ui| {
            let p = &job.progress;
            let text = format!(
                "{} / {} · {} new · {} already there{}",
                views::grouped(p.done as usize),
                views::count(p.total as usize, "photo", "photos"),
                views::grouped(p.created as usize),
                views::grouped(p.skipped as usize),
                if p.failed > 0 {
                    format!(" · {} failed", p.failed)
                } else {
                    String::new()
                }
            );
            let fraction = p.done as f32 / p.total.max(1) as f32;
            job_row(ui, "Exporting", fraction, true, &text, |ui| {
                if ui.button("Cancel export").clicked() {
                    actions.push(Action::CancelExport);
                }
            });
        });
    }

    fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        // A focused text field keeps its own keys (its own undo, typing Y/N).
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        // Ctrl+Z also matches with Shift held, so redo's shortcuts are taken first.
        let redo = [
            egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::Z,
            ),
            egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Y),
        ];
        if ctx.input_mut(|i| redo.iter().any(|r| i.consume_shortcut(r))) {
            actions.push(Action::Mutate(Mutation::Redo));
        }
        let undo = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Z);
        if ctx.input_mut(|i| i.consume_shortcut(&undo)) {
            actions.push(Action::Mutate(Mutation::Undo(1)));
        }
        let find = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::F);
        if ctx.input_mut(|i| i.consume_shortcut(&find)) {
            actions.push(Action::FindPerson);
        }
        if ctx.input(|i| i.key_pressed(egui::Key::F1)) {
            self.show_shortcuts = !self.show_shortcuts;
        }
        // An open menu or list closes itself on Esc, and a text field lets go of the
        // keyboard: that is all the key does then.
        if !ctx.input(|i| i.key_pressed(egui::Key::Escape))
            || egui::Popup::is_any_open(ctx)
            || self.text_had_keyboard
        {
            return;
        }
        // Esc closes what is open over the page, the newest first; only when nothing is does
        // it go back. What it closed keeps the key from the views.
        if self.show_shortcuts {
            self.show_shortcuts = false;
        } else if self.export_dialog.is_some() {
            self.export_dialog = None;
        } else if self.photo_view.editing.is_some() {
            self.photo_view.editing = None;
        } else if self.photo_view.drawing.is_some() {
            self.photo_view.drawing = None;
            self.photo_view.draw_from = None;
        } else if let Some(selection) = self.page_selection() {
            selection.clear();
        } else {
            if !self.history.is_empty() {
                actions.push(Action::Back);
            }
            return;
        }
        ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape));
    }

    /// The ids (of people, faces or photos) selected on the current page, if any: what Esc
    /// clears first.
    fn page_selection(&mut self) -> Option<&mut std::collections::BTreeSet<i64>> {
        let selection = match self.view {
            View::People => &mut self.people_view.chosen.selected,
            // The faces selected stay out of sight on the Photos tab: Esc goes back there.
            View::Person(_) if self.person_view.tab == PersonTab::Faces => {
                &mut self.person_view.selection.selected
            }
            View::IgnoredFaces => &mut self.ignored_view.selection.selected,
            View::Folder(_) | View::PhotosWithoutFaces(_) => &mut self.photos_chosen.selected,
            _ => return None,
        };
        (!selection.is_empty()).then_some(selection)
    }

    /// Folders dragged onto the window from a file manager are added like picked ones. A
    /// dropped file is not: Kindred keeps whole folders, and adding the one around a single
    /// photo would take in all its neighbours unasked.
    fn dropped_folders(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        let (folders, files): (Vec<PathBuf>, Vec<PathBuf>) =
            dropped.into_iter().partition(|p| p.is_dir());
        actions.extend(folders.into_iter().map(Action::AddFolder));
        if let Some(file) = files.first() {
            let name = file
                .file_name()
                .unwrap_or(file.as_os_str())
                .to_string_lossy();
            let text = match file.parent() {
                Some(folder) if !folder.as_os_str().is_empty() => format!(
                    "Kindred keeps whole folders: drop the folder {} rather than {name}",
                    folder.display()
                ),
                _ => format!("Kindred keeps whole folders: {name} is not one"),
            };
            self.notify(ctx, text, true);
        }
    }

    fn receive(&mut self, ctx: &egui::Context) {
        while let Ok(text) = self.failures.try_recv() {
            self.notify(ctx, text, true);
        }
        while let Ok(path) = self.picked_folders.try_recv() {
            self.apply(Action::AddFolder(path));
        }
        while let Ok(path) = self.picked_relocation.try_recv() {
            if let Some((id, _)) = self.folders_view.relocating {
                self.apply(Action::RelocateFolder(id, path));
            }
        }
        while let Ok(path) = self.picked_export.try_recv() {
            if let Some(dialog) = &mut self.export_dialog {
                dialog.pick(path);
            }
        }
        for response in self.backend.poll() {
            match response {
                Response::Overview {
                    people,
                    counts,
                    folders,
                    folders_not_there,
                    excluded,
                    redo,
                    history,
                } => {
                    self.data.loaded = true;
                    self.data.excluded_folders = excluded;
                    self.data.people = people;
                    self.data.counts = counts;
                    self.data.folders = folders;
                    self.data.folders_not_there = folders_not_there;
                    self.data.redo = redo;
                    self.data.history = history;
                    let known: std::collections::BTreeSet<_> =
                        self.data.people.iter().map(|p| p.id).collect();
                    self.people_view
                        .chosen
                        .selected
                        .retain(|id| known.contains(id));
                    // A person merged away or emptied: leave their page, for the person they
                    // were merged into if the user gave them that one's name.
                    if let View::Person(id) = self.view
                        && !known.contains(&id)
                    {
                        let merged_into = self
                            .merged_away
                            .take()
                            .filter(|(from, _)| *from == id)
                            .and_then(|(_, into)| match into {
                                MergedInto::Named(name) => self
                                    .data
                                    .people
                                    .iter()
                                    .find(|p| p.name.as_deref() == Some(name.as_str()))
                                    .map(|p| p.id),
                                MergedInto::Person(other) => Some(other),
                            })
                            .filter(|other| known.contains(other));
                        match merged_into {
                            Some(other) => self.open(View::Person(other)),
                            None => self.view = View::People,
                        }
                    }
                    // Review of a person merged away asks about everyone instead: answered,
                    // its questions gave faces to the empty person left for undo.
                    if let Some(ReviewOf::Person(id)) = self.review_view.of
                        && !known.contains(&id)
                    {
                        self.review_view.of = Some(ReviewOf::Everyone);
                        self.review_view.asking = None;
                        if self.view == View::Review {
                            self.request_suggestions();
                        }
                    }
                }
                Response::PersonFaces(id, faces) => {
                    self.person_view.selection.keep_only(&faces);
                    self.data.person_faces = Some((id, faces));
                }
                Response::IgnoredFaces(faces) => {
                    self.ignored_view.selection.keep_only(&faces);
                    self.data.ignored_faces = Some(faces);
                }
                Response::Photos(ids, photos) => {
                    self.data.photos = Some((ids, DatedPhotos::new(photos)));
                }
                Response::FolderContents(contents) => {
                    self.data.folder_contents = Some(contents.into());
                }
                Response::PhotosWithoutFaces(root, photos) => {
                    self.data.photos_without_faces = Some((root, DatedPhotos::new(photos)));
                }
                Response::Photo(record, faces) => self.data.photo = Some((record, faces)),
                // Pictures are decoded side by side and may come back in any order: one of a
                // photo stepped past must not take the place of the one shown.
                Response::PhotoImage(id, turn, image) => {
                    if matches!(&self.view, View::Photo { photo, .. } if *photo == id) {
                        let texture = image.map(|image| {
                            ctx.load_texture(
                                format!("photo-{id}"),
                                image,
                                egui::TextureOptions::LINEAR,
                            )
                        });
                        self.data.photo_image = Some((id, turn, texture));
                    }
                }
                Response::Suggestions(list) => self.data.suggestions = Some(list),
                Response::FaceThumbnail(id, image) => self.face_textures.insert(ctx, id, image),
                Response::SharperFacesPassedOver(faces) => {
                    for face in faces {
                        self.face_textures.ask_sharper_again(face);
                    }
                }
                Response::PhotoThumbnail(id, image) => self.photo_textures.insert(ctx, id, image),
                Response::FolderErrors(root, errors) => {
                    self.data.folder_errors.insert(root, errors);
                }
                Response::Subfolders(root, subfolders) => {
                    self.data.subfolders.insert(root, subfolders);
                }
                Response::Changed(change) => {
                    self.forget_turned(&change.turned_photos, &change.turned_faces);
                    // An answer taken back (or given again) is for the lists to tell.
                    for face in &change.replayed_faces {
                        self.review_view.answered.remove(face);
                    }
                    if !change.message.is_empty() {
                        let elsewhere = change.person.filter(|&p| !self.shows_person(p));
                        let open = elsewhere.map(ToastOpens::Person);
                        self.push_toast(ctx, change.message, false, open);
                    }
                    self.reload();
                }
                Response::ScanStarted(control) => {
                    if let Some(scan) = &mut self.data.scan {
                        // Pause and Cancel work from the first frame the bar shows.
                        control.set_paused(scan.paused);
                        if scan.cancelled {
                            control.cancel();
                        }
                        scan.control = Some(control);
                    }
                }
                Response::Scan(event) => self.scan_event(event),
                Response::ScanFinished(result) => {
                    // A photo not there before (a drive connected since) may be now.
                    self.photo_textures.forget_missing();
                    let finished = self.data.scan.take();
                    let on_open = finished.as_ref().is_some_and(|s| s.on_open);
                    match result {
                        Ok(summary) => {
                            if let Some(text) = scan_finished_message(&summary, on_open) {
                                self.notify(ctx, text, false);
                            }
                            self.data.last_scan = Some(summary);
                        }
                        Err(e) => self.failed(ctx, e.in_context("Scan failed")),
                    }
                    self.reload();
                    if finished.is_some_and(|s| s.again) {
                        self.start_scan(false);
                    }
                }
                // Planning can take a while (a network disk): a preview for settings changed
                // since, or for another dialog, is not this one's.
                Response::ExportPreview(request, preview) => {
                    if let Some(dialog) = &mut self.export_dialog
                        && dialog.request() == request
                    {
                        dialog.preview = Some(preview);
                    }
                }
                Response::ExportStarted(control) => {
                    if let Some(job) = &mut self.data.export {
                        if job.cancelled {
                            control.cancel();
                        }
                        job.control = Some(control);
                    }
                }
                Response::Export(event) => self.export_event(ctx, event),
                Response::ExportFinished(result) => {
                    // The job's events all came before (one channel, sent in order).
                    let copied_because = self
                        .data
                        .export
                        .take()
                        .map(|job| job.copied_because)
                        .unwrap_or_default();
                    match result {
                        Ok(summary) => {
                            let mut text = if summary.cancelled {
                                format!(
                                    "Export cancelled after {}",
                                    views::count(summary.created as usize, "photo", "photos")
                                )
                            } else {
                                let album = summary.album_folder.display();
                                let new = views::count(
                                    summary.created as usize,
                                    "new photo",
                                    "new photos",
                                );
                                match (summary.created, summary.skipped) {
                                    (0, 0) => "Nothing exported".to_string(),
                                    (0, there) => format!(
                                        "Nothing new to export: {} already in {album}",
                                        views::count(there as usize, "photo is", "photos are")
                                    ),
                                    (_, 0) => format!("Exported {new} to {album}"),
                                    (_, there) => {
                                        format!("Exported {new} ({there} already there) to {album}")
                                    }
                                }
                            };
                            if !summary.failed.is_empty() {
                                text.push_str(&format!(
                                    "; {} could not be read",
                                    summary.failed.len()
                                ));
                            }
                            if summary.copied_instead_of_linked > 0 {
                                text.push_str(&format!(
                                    "; {} copied instead of linked: {}",
                                    summary.copied_instead_of_linked,
                                    copied_because.join("; ")
                                ));
                            }
                            if summary.turned > 0 {
                                text.push_str(&format!(
                                    "; {} turned as in Kindred",
                                    summary.turned
                                ));
                            }
                            if summary.not_turned > 0 {
                                text.push_str(&format!(
                                    "; {} turned in Kindred could not be turned in the album",
                                    summary.not_turned
                                ));
                            }
                            let written = summary.created + summary.skipped > 0;
                            let open = written.then_some(ToastOpens::Folder(summary.album_folder));
                            self.push_toast(ctx, text, !summary.failed.is_empty(), open);
                        }
                        Err(e) => self.failed(ctx, e.in_context("Export failed")),
                    }
                }
                Response::PhotoJobStarted(control) => {
                    if let Some(job) = &mut self.data.photo_job {
                        control.set_paused(job.paused);
                        if job.cancelled {
                            control.cancel();
                        }
                        job.control = Some(control);
                    }
                }
                Response::PhotoJob(progress) => {
                    if let Some(job) = &mut self.data.photo_job {
                        job.progress = progress;
                    }
                }
                Response::PhotoJobFinished(result) => {
                    let kind = self.data.photo_job.take().map(|job| job.kind);
                    let text = match (kind, result) {
                        (Some(PhotoJobKind::Turn(by)), Ok(p)) => {
                            let found = match p.found {
                                0 => "no new face on them".to_string(),
                                n => format!("found {}", views::count(n, "face", "faces")),
                            };
                            // Photos that could not be read were not turned.
                            let turned = p.done.saturating_sub(p.failed);
                            let unread = match p.failed {
                                0 => String::new(),
                                n => format!(
                                    "; {} could not be read",
                                    views::count(n, "photo", "photos")
                                ),
                            };
                            Ok(format!(
                                "{} {} — {found} (Ctrl+Z turns them back){unread}",
                                crate::text::capitalised(&views::count(turned, "photo", "photos")),
                                by.in_words()
                            ))
                        }
                        (_, Ok(p)) => {
                            let found = match p.found {
                                0 => "no more faces found".to_string(),
                                n => format!(
                                    "found {} (Ctrl+Z takes them away)",
                                    views::count(n, "more face", "more faces")
                                ),
                            };
                            Ok(format!(
                                "Looked closer at {}: {found}",
                                views::count(p.done, "photo", "photos")
                            ))
                        }
                        (Some(PhotoJobKind::Turn(_)), Err(e)) => {
                            Err(e.in_context("Turning the photos failed"))
                        }
                        (_, Err(e)) => Err(e.in_context("Looking closer failed")),
                    };
                    match text {
                        Ok(text) => self.notify(ctx, text, false),
                        Err(failure) => self.failed(ctx, failure),
                    }
                    self.reload();
                }
                Response::PhotosTurned(photos, faces) => self.forget_turned(&photos, &faces),
                Response::FoundCloser(photo, found) => {
                    if self.photo_view.adding.is_some_and(|(p, _)| p == photo) {
                        self.photo_view.adding = None;
                    }
                    match found {
                        Ok(0) => {
                            self.notify(ctx, "No more faces found".into(), false);
                            // The photo, read again, no longer offers a look that finds none.
                            self.reload();
                        }
                        Ok(n) => {
                            let faces = crate::ui::views::count(n, "more face", "more faces");
                            self.notify(
                                ctx,
                                format!("Found {faces} (Ctrl+Z takes them away)"),
                                false,
                            );
                            self.reload();
                        }
                        Err(e) => self.failed(ctx, e.in_context("Could not look closer")),
                    }
                }
                Response::PhotoTurned(photo, turned) => {
                    if self.photo_view.adding.is_some_and(|(p, _)| p == photo) {
                        self.photo_view.adding = None;
                    }
                    match turned {
                        Ok(turned) => {
                            self.forget_turned(&turned.photos, &turned.moved);
                            let found = match turned.found.len() {
                                0 => "no new face on it".to_string(),
                                n => {
                                    format!("found {}", crate::ui::views::count(n, "face", "faces"))
                                }
                            };
                            self.notify(
                                ctx,
                                format!(
                                    "Photo {} — {found}. The file is not changed.",
                                    turned.turn.in_words()
                                ),
                                false,
                            );
                            self.reload();
                        }
                        Err(e) => self.failed(ctx, e.in_context("Could not turn the photo")),
                    }
                }
                Response::FaceAdded(photo, added) => {
                    if self.photo_view.adding.is_some_and(|(p, _)| p == photo) {
                        self.photo_view.adding = None;
                    }
                    match added {
                        Ok(face) => {
                            // Straight on to who it is, on the photo the face was drawn on,
                            // unless a name is being typed for another face meanwhile.
                            let typing = self
                                .photo_view
                                .editing
                                .as_ref()
                                .is_some_and(|(_, name)| !name.trim().is_empty());
                            if matches!(self.view, View::Photo { photo: shown, .. } if shown == photo)
                                && !typing
                            {
                                self.photo_view.editing = Some((face, String::new()));
                                self.photo_view.focus_name = true;
                            }
                            self.notify(ctx, "Added a face (Ctrl+Z takes it away)".into(), false);
                            self.reload();
                        }
                        Err(e) => self.failed(ctx, e.in_context("Could not add the face")),
                    }
                }
                Response::Backups(copies) => self.data.backups = copies,
                Response::Error(failure) => self.failed(ctx, failure),
                Response::Salvaged(saved) => {
                    self.data.salvaging = false;
                    // Asked at once whether to put it back, with what it holds (read from it
                    // as it was saved).
                    if let Ok(saved) = &saved {
                        self.folders_view.copies_listed = true;
                        self.data.put_back =
                            Some((saved.copy.path.clone(), Some(Ok(saved.contents))));
                    }
                    self.data.salvaged = Some(saved);
                }
                Response::BackupInspected(copy, contents) => {
                    if let Some((asked, read)) = &mut self.data.put_back
                        && *asked == copy
                    {
                        *read = Some(contents);
                    }
                }
            }
        }
        let now = ctx.input(|i| i.time);
        self.toasts.retain(|t| t.until > now);
    }

    fn scan_event(&mut self, event: ScanEvent) {
        let Some(scan) = &mut self.data.scan else {
            return;
        };
        match event {
            // Whether it is paused is the user's to say (the bar's button), not the scan's.
            ScanEvent::Progress(p) => scan.progress = Some(p),
            ScanEvent::PhotoStored { .. } => scan.stored_since_refresh += 1,
            ScanEvent::Skipped { .. } => {}
        }
        if scan.stored_since_refresh > 0 && scan.last_refresh.elapsed() >= LIVE_REFRESH {
            scan.stored_since_refresh = 0;
            scan.last_refresh = Instant::now();
            self.backend
                .send(Request::MatchNewFaces(self.settings.cluster_options()));
        }
    }

    /// Starts showing a job on `photos` photos, unless one is under way or there are none.
    fn start_photo_job(&mut self, kind: PhotoJobKind, photos: usize) -> bool {
        if self.data.photo_job.is_some() || photos == 0 {
            return false;
        }
        self.data.photo_job = Some(PhotoJob {
            kind,
            control: None,
            progress: PhotoJobProgress {
                total: photos,
                ..Default::default()
            },
            started: std::time::Instant::now(),
            paused: false,
            cancelled: false,
        });
        true
    }

    /// Lets go of the pictures of photos turned (and their copies', turned with them) and of
    /// their faces', which show them as they were.
    fn forget_turned(&mut self, photos: &[PhotoId], faces: &[FaceId]) {
        for &photo in photos {
            self.photo_textures.forget(photo);
            if self.photo_view.zoom.is_some_and(|(p, _)| p == photo) {
                self.photo_view.zoom = None;
            }
        }
        for &face in faces {
            self.face_textures.forget(face);
        }
    }

    fn export_event(&mut self, ctx: &egui::Context, event: ExportEvent) {
        match event {
            ExportEvent::Progress(p) => {
                if let Some(job) = &mut self.data.export {
                    job.progress = p;
                }
            }
            ExportEvent::Failed { source, reason } => self.notify(
                ctx,
                format!("Not exported: {}: {reason}", source.display()),
                true,
            ),
            ExportEvent::CopiedInsteadOfLinked { reason, .. } => {
                if let Some(job) = &mut self.data.export
                    && !job.copied_because.contains(&reason)
                {
                    job.copied_because.push(reason);
                }
            }
            ExportEvent::Renamed { .. } | ExportEvent::NotTurned { .. } => {}
        }
    }

    /// Asks again for everything the current view shows.
    fn reload(&mut self) {
        self.backend.send(Request::Refresh);
        match &self.view {
            View::Person(id) => {
                self.backend
                    .send(Request::PersonFaces(*id, self.settings.face_order));
                if let Some((ids, _)) = &self.data.photos {
                    self.backend.send(Request::PhotosOf(ids.clone()));
                }
            }
            View::Photo { photo, .. } => {
                let holding = match &self.data.photo_image {
                    Some((id, turn, Ok(_))) if id == photo => Some(*turn),
                    _ => None,
                };
                self.backend.send(Request::Photo {
                    photo: *photo,
                    holding,
                });
            }
            View::Review => self.request_suggestions(),
            View::Folders => self.request_folder_details(),
            View::PhotosWithoutFaces(root) => {
                self.backend.send(Request::PhotosWithoutFaces(*root));
            }
            View::Folder(folder) => {
                self.backend.send(Request::FolderContents(folder.clone()));
            }
            View::IgnoredFaces => self.backend.send(Request::IgnoredFaces),
            _ => {}
        }
        // Key faces may have changed.
        self.face_textures.begin_frame();
    }

    /// The lists the Folders page has open: a folder's subfolders, its files skipped.
    fn request_folder_details(&self) {
        if let Some(id) = self.folders_view.subfolders_of {
            self.backend.send(Request::Subfolders(id));
        }
        if let Some(id) = self.folders_view.expanded {
            self.backend.send(Request::FolderErrors(id));
        }
    }

    /// Review's list for its person, without the faces already skipped or answered.
    fn request_suggestions(&mut self) {
        let view = &self.review_view;
        if let Some(of) = view.of {
            self.backend.send(Request::Suggestions {
                of,
                skipped: view.skipped.union(&view.answered).copied().collect(),
            });
        }
    }

    /// How photos are analysed, as the user set it in Folders.
    fn scan_options(&self) -> ScanOptions {
        ScanOptions {
            max_side: self.settings.max_side,
            upsample: self.settings.upsample,
            threads: 0,
        }
    }

    fn start_scan(&mut self, on_open: bool) {
        self.data.scan = Some(ScanState::new(on_open));
        self.backend.send(Request::Scan {
            options: self.scan_options(),
            matching: self.settings.cluster_options(),
            xmp_names: self.settings.xmp_names,
        });
    }

    /// Whether the page is about this person: the one shown, or one Review asks about (so a
    /// notification need not offer to open them).
    fn shows_person(&self, person: PersonId) -> bool {
        match self.view {
            View::Person(id) => id == person,
            View::Review => match self.review_view.of {
                Some(ReviewOf::Everyone) => true,
                Some(ReviewOf::Person(id)) => id == person,
                None => false,
            },
            _ => false,
        }
    }

    pub fn notify(&mut self, ctx: &egui::Context, text: String, error: bool) {
        self.push_toast(ctx, text, error, None);
    }

    /// Says what could not be done: in a red notification, or, where the library file was
    /// found damaged, once, in the banner that leads to its backup copies.
    fn failed(&mut self, ctx: &egui::Context, failure: Failure) {
        if failure.damage {
            self.data.damaged.get_or_insert(failure.message);
        } else {
            self.push_toast(ctx, failure.message, true, None);
        }
    }

    /// The banner over every page once the library file is found damaged.
    fn damage_banner(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let Some(what) = &self.data.damaged else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new("The library file is damaged")
                    .strong()
                    .color(Color32::WHITE),
            );
            ui.label(
                RichText::new(format!(
                    "({what}). What Kindred shows may be incomplete; your photos are not touched."
                ))
                .color(Color32::WHITE),
            );
            if self.data.backups.is_empty() {
                ui.label(
                    RichText::new("There is no backup copy of it to put back.")
                        .color(Color32::WHITE),
                );
                if ui
                    .button("Save what can still be read…")
                    .on_hover_text(views::folders::SALVAGE_HINT)
                    .clicked()
                {
                    actions.push(Action::ListCopiesToPutBack);
                    actions.push(Action::Salvage);
                }
            } else if ui
                .button("Put a copy back…")
                .on_hover_text(
                    "Go back to the library as a backup copy has it (the damaged file is kept \
                     beside the copies)",
                )
                .clicked()
            {
                actions.push(Action::ListCopiesToPutBack);
            }
        });
    }

    /// Errors, and notifications that offer to open a person, stay longer: to be read, and to
    /// be reached.
    fn push_toast(
        &mut self,
        ctx: &egui::Context,
        text: String,
        error: bool,
        open: Option<ToastOpens>,
    ) {
        let now = ctx.input(|i| i.time);
        let shown_for = if error || open.is_some() { 8.0 } else { 4.0 };
        self.toasts.push(Toast {
            text,
            error,
            until: now + shown_for,
            open,
        });
        self.toasts.drain(..self.toasts.len().saturating_sub(4));
        ctx.request_repaint_after(Duration::from_millis(250));
    }

    fn draw_toasts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if self.toasts.is_empty() {
            return;
        }
        // Long messages (an error with two paths in it) wrap rather than run off the window.
        let max_width = (ctx.content_rect().width() - 32.0).clamp(200.0, 720.0);
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-16.0, -56.0])
            .interactable(self.toasts.iter().any(|t| t.open.is_some()))
            .show(ctx, |ui| {
                for toast in &mut self.toasts {
                    let fill = if toast.error {
                        theme::DAMAGE
                    } else {
                        Color32::from_rgb(40, 46, 56)
                    };
                    egui::Frame::new()
                        .fill(fill)
                        .corner_radius(8.0)
                        .inner_margin(egui::Margin::symmetric(14, 10))
                        .show(ui, |ui| {
                            ui.set_max_width(max_width);
                            ui.horizontal_wrapped(|ui| {
                                ui.label(RichText::new(&toast.text).color(Color32::WHITE));
                                let clicked = match &toast.open {
                                    Some(ToastOpens::Person(person)) => ui
                                        .button("Open person")
                                        .clicked()
                                        .then_some(Action::Go(View::Person(*person))),
                                    Some(ToastOpens::Folder(folder)) => ui
                                        .button("Open album")
                                        .on_hover_text(format!(
                                            "Show {} in the file manager",
                                            folder.display()
                                        ))
                                        .clicked()
                                        .then(|| Action::Launch(Launch::Open(folder.clone()))),
                                    None => None,
                                };
                                if let Some(action) = clicked {
                                    actions.push(action);
                                    // Done with: it goes at the next frame.
                                    toast.until = 0.0;
                                }
                            });
                        });
                    ui.add_space(6.0);
                }
            });
        ctx.request_repaint_after(Duration::from_millis(500));
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Go(view) => self.go(view),
            Action::Back => {
                if let Some(view) = self.history.pop() {
                    self.export_dialog = None;
                    self.open(view);
                }
            }
            Action::Mutate(m) => {
                match &m {
                    Mutation::Name(id, name) => {
                        self.merged_away = Some((*id, MergedInto::Named(name.clone())));
                    }
                    Mutation::Merge { from, into } if from.len() == 1 => {
                        self.merged_away = Some((from[0], MergedInto::Person(*into)));
                    }
                    _ => {}
                }
                self.backend.send(Request::Mutate(m))
            }
            Action::NamePerson(id) => {
                self.go(View::Person(id));
                let name = self.data.person(id).and_then(|p| p.name.clone());
                self.person_view.renaming = Some(name.unwrap_or_default());
            }
            Action::NextUnnamed(from) => {
                if self.data.person(from).is_some_and(|p| p.name.is_none()) {
                    self.passed_over.insert(from);
                }
                let next = self.data.next_unnamed(from, &self.passed_over);
                if let Some(next) = next {
                    if self.passed_over.contains(&next) {
                        // The round starts again.
                        self.passed_over.clear();
                    }
                    self.go(View::Person(next));
                }
            }
            Action::OrderFaces(order) => {
                self.settings.face_order = order;
                // Shift+click ranges count from a place in the old order.
                self.person_view.selection.anchor = None;
                if let View::Person(id) = self.view {
                    self.backend.send(Request::PersonFaces(id, order));
                }
            }
            Action::SharperPhoto(photo, max_side) => {
                self.backend.send(Request::SharperPhoto(photo, max_side));
            }
            Action::LookCloser(photo) => {
                self.photo_view.adding = Some((photo, "Looking closer…"));
                self.backend.send(Request::LookCloser {
                    photo,
                    options: self.scan_options(),
                    matching: self.settings.cluster_options(),
                });
            }
            Action::TurnPhoto(photo, by) => {
                self.photo_view.adding = Some((photo, "Turning the photo and looking for faces…"));
                self.backend.send(Request::TurnPhoto {
                    photo,
                    by,
                    options: self.scan_options(),
                    matching: self.settings.cluster_options(),
                });
            }
            Action::LookCloserAt(photos) => {
                if self.start_photo_job(PhotoJobKind::LookCloser, photos.len()) {
                    self.backend.send(Request::LookCloserAt {
                        photos,
                        options: self.scan_options(),
                        matching: self.settings.cluster_options(),
                    });
                }
            }
            Action::TurnPhotos(photos, by) => {
                if self.start_photo_job(PhotoJobKind::Turn(by), photos.len()) {
                    self.backend.send(Request::TurnPhotos {
                        photos,
                        by,
                        options: self.scan_options(),
                        matching: self.settings.cluster_options(),
                    });
                }
            }
            Action::PausePhotoJob(paused) => {
                if let Some(job) = &mut self.data.photo_job {
                    job.paused = paused;
                    if let Some(control) = &job.control {
                        control.set_paused(paused);
                    }
                }
            }
            Action::CancelPhotoJob => {
                if let Some(job) = &mut self.data.photo_job {
                    job.cancelled = true;
                    if let Some(control) = &job.control {
                        control.cancel();
                    }
                }
            }
            Action::AddFace { photo, drawn } => {
                self.photo_view.adding = Some((photo, "Finding the face…"));
                self.backend.send(Request::AddFace {
                    photo,
                    drawn,
                    matching: self.settings.cluster_options(),
                });
            }
            Action::FindPerson => {
                self.go(View::People);
                self.people_view.focus_filter = true;
            }
            Action::PickFolder => pick_folder_beside_ui(
                "Add a photo folder",
                "type the folder's path instead, or drag the folder onto this window.",
                self.picked_folders_tx.clone(),
                self.failures_tx.clone(),
            ),
            Action::AddFolder(path) => {
                // The first folder, added from the welcome page: People is where the faces
                // show up while the scan runs, whatever page the app last had open.
                if self.data.folders.is_empty() && self.view != View::Folders {
                    self.go(View::People);
                }
                self.backend.send(Request::AddFolder(path));
                self.apply(Action::Rescan);
            }
            Action::RemoveFolder(id) => self.backend.send(Request::RemoveFolder(id)),
            Action::RelocateFolder(id, to) => {
                self.folders_view.relocating = None;
                self.backend.send(Request::RelocateFolder(id, to));
                self.apply(Action::Rescan);
            }
            Action::PickRelocation(id) => {
                if self.folders_view.relocating.as_ref().map(|(r, _)| *r) != Some(id) {
                    self.folders_view.relocating = Some((id, String::new()));
                }
                pick_folder_beside_ui(
                    "Where is the photo folder now?",
                    "type the folder's path instead.",
                    self.picked_relocation_tx.clone(),
                    self.failures_tx.clone(),
                )
            }
            Action::ForgetMissing(id) => self.backend.send(Request::ForgetMissing(id)),
            Action::ShowFolderErrors(id) => self.backend.send(Request::FolderErrors(id)),
            Action::ToggleSubfolders(id) => {
                let view = &mut self.folders_view;
                view.subfolders_of = if view.subfolders_of == Some(id) {
                    None
                } else {
                    self.backend.send(Request::Subfolders(id));
                    Some(id)
                };
            }
            Action::ExcludeFolder(path) => self.backend.send(Request::ExcludeFolder(path)),
            Action::IncludeFolder(path) => {
                self.backend.send(Request::IncludeFolder(path));
                self.apply(Action::Rescan);
            }
            Action::BackUp => self
                .backend
                .send(Request::BackUp(crate::library::backup::BackupKind::ByHand)),
            Action::AskPutBack(copy) => {
                self.data.put_back = Some((copy.clone(), None));
                self.backend.send(Request::InspectBackup(copy));
            }
            Action::CancelPutBack => self.data.put_back = None,
            Action::ListCopiesToPutBack => {
                self.go(View::Folders);
                self.folders_view.copies_listed = true;
            }
            Action::Salvage => {
                if !self.data.salvaging {
                    self.data.salvaging = true;
                    self.data.salvaged = None;
                    self.data.put_back = None;
                    self.backend.send(Request::Salvage);
                }
            }
            Action::PutBack => {
                if let Some((copy, Some(Ok(_)))) = self.data.put_back.take() {
                    self.putting_back = Some(copy);
                }
            }
            Action::Rescan => match &mut self.data.scan {
                None => self.start_scan(false),
                Some(scan) => scan.again = true,
            },
            Action::PauseScan(paused) => {
                if let Some(scan) = &mut self.data.scan {
                    scan.paused = paused;
                    if let Some(control) = &scan.control {
                        control.set_paused(paused);
                    }
                }
            }
            Action::CancelScan => {
                if let Some(scan) = &mut self.data.scan {
                    scan.cancelled = true;
                    scan.again = false;
                    if let Some(control) = &scan.control {
                        control.cancel();
                    }
                }
            }
            Action::LoadPhotosOf(ids) => self.backend.send(Request::PhotosOf(ids)),
            Action::OpenPhotosOf(id) => {
                self.go(View::Person(id));
                self.person_view.tab = PersonTab::Photos;
                self.person_view.together.clear();
                self.backend.send(Request::PhotosOf(vec![id]));
            }
            Action::LoadSuggestions(of) => {
                if self.review_view.of != Some(of) {
                    let left = std::mem::take(&mut self.review_view);
                    if let Some(left_of) = left.of {
                        self.review_skips.insert(left_of, left.skipped);
                    }
                    self.review_view = ReviewViewState {
                        of: Some(of),
                        batch: left.batch,
                        skipped: self.review_skips.remove(&of).unwrap_or_default(),
                        ..Default::default()
                    };
                }
                // The spinner until the answer, and no second ask meanwhile.
                self.data.suggestions = None;
                self.request_suggestions();
            }
            Action::ExportPeople(ids) => {
                if !ids.is_empty() {
                    let target = self
                        .settings
                        .last_export_folder
                        .clone()
                        .or_else(default_album_folder);
                    // A group no one has named has only suggested faces: without them its
                    // album would be empty.
                    let nothing_confirmed = ids
                        .iter()
                        .all(|&id| self.data.person(id).is_none_or(|p| p.confirmed == 0));
                    self.export_dialog = Some(ExportDialog {
                        include_suggested: nothing_confirmed,
                        ..ExportDialog::new(ids, target.as_deref())
                    });
                }
            }
            Action::PickExportFolder => pick_folder_beside_ui(
                "Export the album into",
                "type the folder's path in the box instead.",
                self.picked_export_tx.clone(),
                self.failures_tx.clone(),
            ),
            Action::Export { request, dry_run } => {
                if self.data.export.is_some() {
                    return;
                }
                if !dry_run {
                    self.settings.last_export_folder = Some(request.target.clone());
                    self.data.export = Some(ExportJob::default());
                    self.export_dialog = None;
                }
                self.backend.send(Request::Export { request, dry_run });
            }
            Action::CancelExport => {
                if let Some(job) = &mut self.data.export {
                    job.cancelled = true;
                    if let Some(control) = &job.control {
                        control.cancel();
                    }
                }
            }
            Action::Launch(what) => match &mut self.recorded_launches {
                Some(recorded) => recorded.push(what),
                None => launch::launch(what, self.failures_tx.clone()),
            },
            Action::Notify(text) => self.toasts.push(Toast {
                text,
                error: false,
                until: f64::MAX,
                open: None,
            }),
        }
    }

    fn go(&mut self, view: View) {
        if view != self.view {
            // The export dialog is about the page it was opened on: it does not follow the
            // user elsewhere.
            self.export_dialog = None;
            let previous = std::mem::replace(&mut self.view, View::People);
            // Stepping between photos does not pile up history.
            if !matches!((&previous, &view), (View::Photo { .. }, View::Photo { .. })) {
                self.history.push(previous);
                if self.history.len() > 50 {
                    self.history.remove(0);
                }
            }
        }
        self.open(view);
    }

    fn open(&mut self, view: View) {
        match &view {
            View::Person(id) => {
                if self.person_view.person != Some(*id) {
                    self.person_view = PersonViewState {
                        person: Some(*id),
                        ..Default::default()
                    };
                    self.data.person_faces = None;
                    self.data.photos = None;
                }
                self.backend
                    .send(Request::PersonFaces(*id, self.settings.face_order));
                // Back on the Photos tab after a correction made elsewhere.
                if let Some((ids, _)) = &self.data.photos {
                    self.backend.send(Request::PhotosOf(ids.clone()));
                }
            }
            View::Photo { photo, .. } => {
                // Work still under way on a photo (a turn, a closer look) keeps it busy when the
                // user steps away and back: its buttons stay off until the work is done.
                self.photo_view = PhotoViewState {
                    adding: self.photo_view.adding.take(),
                    ..Default::default()
                };
                if self.data.photo.as_ref().map(|(p, _)| p.id) != Some(*photo) {
                    self.data.photo = None;
                    self.data.photo_image = None;
                }
                self.backend.send(Request::Photo {
                    photo: *photo,
                    holding: None,
                });
            }
            View::Review => self.request_suggestions(),
            View::People => self.backend.send(Request::Refresh),
            View::Folders => {
                self.backend.send(Request::Refresh);
                self.request_folder_details();
            }
            View::PhotosWithoutFaces(root) => {
                if self.data.photos_without_faces.as_ref().map(|(r, _)| r) != Some(root) {
                    self.data.photos_without_faces = None;
                }
                self.backend.send(Request::PhotosWithoutFaces(*root));
            }
            View::Folder(folder) => {
                if self.data.folder_contents.as_ref().map(|c| &c.folder) != Some(folder) {
                    self.data.folder_contents = None;
                }
                self.backend.send(Request::FolderContents(folder.clone()));
            }
            View::IgnoredFaces => {
                if self.view != View::IgnoredFaces {
                    self.ignored_view = Default::default();
                }
                self.backend.send(Request::IgnoredFaces);
            }
        }
        // A photo opened from a page and closed again comes back to the photos chosen there.
        if matches!(view, View::Folder(_) | View::PhotosWithoutFaces(_))
            && self.photos_chosen_on.as_ref() != Some(&view)
        {
            self.photos_chosen = Default::default();
            self.photos_chosen_on = Some(view.clone());
        }
        self.settings.last_view = view.saved();
        self.view = view;
    }

    fn request_textures(&mut self) {
        let faces = self.face_textures.take_wanted();
        for chunk in faces.chunks(64) {
            self.backend.send(Request::FaceThumbnails(chunk.to_vec()));
        }
        let sharper = self.face_textures.take_sharper_wanted();
        for chunk in sharper.chunks(16) {
            self.backend.send(Request::SharperFaces(chunk.to_vec()));
        }
        let photos = self.photo_textures.take_wanted();
        if !photos.is_empty() {
            // Looked up by id in each list shown: gathering every path of a 40,000-photo
            // folder into a map cost every frame that scrolled (docs/BENCHMARKS.md).
            let data = &self.data;
            let path_of = |id: PhotoId| -> Option<PathBuf> {
                data.photos
                    .iter()
                    .map(|(_, list)| list)
                    .chain(data.photos_without_faces.iter().map(|(_, list)| list))
                    .chain(data.folder_contents.iter().map(|page| &page.photos))
                    .find_map(|list| list.get(id))
                    .map(|p| p.path.clone())
                    .or_else(|| {
                        data.suggestions
                            .iter()
                            .flat_map(|list| &list.items)
                            .find(|s| s.photo == id)
                            .map(|s| s.path.clone())
                    })
            };
            let mut wanted = Vec::with_capacity(photos.len());
            let mut unknown = Vec::new();
            for id in photos {
                match path_of(id) {
                    Some(path) => wanted.push((id, path)),
                    None => unknown.push(id),
                }
            }
            // Asked for from a list this frame's actions replaced (a click to another page):
            // forgotten, so that it is asked for again when shown, not left loading for good.
            for id in unknown {
                self.photo_textures.forget(id);
            }
            for chunk in wanted.chunks(16) {
                self.backend.send(Request::PhotoThumbnails(chunk.to_vec()));
            }
        }
    }

    fn log_frame(&mut self, started: Instant) {
        let Some(log) = &mut self.frame_log else {
            return;
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        log.frames += 1;
        log.total_ms += ms;
        log.worst_ms = log.worst_ms.max(ms);
        if log.since.elapsed() >= Duration::from_secs(1) {
            eprintln!(
                "frames {:4}  mean {:6.2} ms  worst {:6.2} ms  faces cached {}",
                log.frames,
                log.total_ms / f64::from(log.frames),
                log.worst_ms,
                self.face_textures.len()
            );
            *log = FrameLog {
                frames: 0,
                worst_ms: 0.0,
                total_ms: 0.0,
                since: Instant::now(),
            };
        }
    }

    /// Opens a person's page (used by tests and by the people grid).
    pub fn open_person(&mut self, id: PersonId) {
        self.go(View::Person(id));
    }

    /// Opens a photo on its own, as from a face (used by tests).
    pub fn open_photo(&mut self, photo: PhotoId) {
        self.go(View::Photo {
            photo,
            siblings: vec![photo],
        });
    }

    /// Opens a person's page on its Photos tab.
    pub fn open_photos_of(&mut self, id: PersonId) {
        self.apply(Action::OpenPhotosOf(id));
    }

    /// Opens a folder's page, as from Folders.
    pub fn open_folder(&mut self, folder: PathBuf) {
        self.go(View::Folder(folder));
    }

    /// The library file the app works on.
    pub fn library(&self) -> &std::path::Path {
        &self.library
    }

    /// Whether a copy is waiting to be put back and nothing is being worked on (no scan,
    /// closer look or export, no correction on its way): the window then calls
    /// [`KindredApp::put_back_copy`].
    pub fn put_back_due(&self) -> bool {
        self.putting_back.is_some()
            && self.backend.is_idle()
            && self.data.scan.is_none()
            && self.data.photo_job.is_none()
            && self.data.export.is_none()
    }

    /// Puts the copy asked for back as the library and starts afresh on it, as Kindred does
    /// when it opens (a scan takes in what was done to the photos since the copy was made).
    /// The library as it was is kept among the copies, set aside. Err when the library
    /// cannot be opened afterwards; the window then says why and offers the copies again.
    pub fn put_back_copy(&mut self, ctx: &egui::Context) -> Result<(), String> {
        let Some(copy) = self.putting_back.take() else {
            return Ok(());
        };
        // Every connection to the library closed before its file is replaced.
        self.backend.shut_down();
        let put_back = crate::library::backup::restore(&self.library, &copy);
        let store = Store::open(&self.library).map_err(|e| e.to_string())?;
        let mut app = Self::build(
            ctx,
            store,
            self.settings.clone(),
            self.lock.take(),
            self.thumbnail_cache.clone(),
        );
        app.view = View::Folders;
        app.next_weekly_check = self.next_weekly_check;
        match put_back {
            Ok(aside) => {
                let made = crate::library::backup::list(&self.library)
                    .into_iter()
                    .find(|b| b.path == copy);
                let what = made.map_or_else(
                    || "backup copy".to_string(),
                    |b| {
                        format!(
                            "{} of {}",
                            b.kind.describe(),
                            b.made.replace('T', " ").replace('Z', " UTC")
                        )
                    },
                );
                // Where it went is listed with the copies; a path would not fit the toast.
                let kept = if aside.is_some() {
                    " (the library as it was is kept among the copies)"
                } else {
                    ""
                };
                app.notify(ctx, format!("Put back the {what}{kept}"), false);
                app.scan_folders_on_open();
            }
            Err(e) => app.notify(ctx, format!("Could not put the copy back: {e}"), true),
        }
        *self = app;
        Ok(())
    }
}

impl eframe::App for KindredApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}

/// Opens the system folder picker on its own thread (the portal dialog blocks) and sends the
/// chosen folder, if any, to be picked up by the next frame.
fn pick_folder_beside_ui(
    title: &'static str,
    instead: &'static str,
    chosen: std::sync::mpsc::Sender<PathBuf>,
    failures: std::sync::mpsc::Sender<String>,
) {
    std::thread::spawn(move || {
        let started = Instant::now();
        let picked = rfd::FileDialog::new().set_title(title).pick_folder();
        report_pick(picked, started.elapsed(), instead, &chosen, &failures);
    });
}

/// Less time than anyone takes to see a folder chooser and cancel it.
const NO_CHOOSER_WITHIN: Duration = Duration::from_millis(400);

/// Hands on the chosen folder. A chooser that answers "nothing chosen" at once never opened:
/// rfd does so when the desktop has no file-chooser portal (a bare window manager, a minimal
/// install), and the click would otherwise seem to do nothing at all.
fn report_pick(
    picked: Option<PathBuf>,
    took: Duration,
    instead: &str,
    chosen: &std::sync::mpsc::Sender<PathBuf>,
    failures: &std::sync::mpsc::Sender<String>,
) {
    match picked {
        Some(path) => {
            let _ = chosen.send(path);
        }
        None if took < NO_CHOOSER_WITHIN => {
            let _ = failures.send(format!(
                "No folder chooser could be opened on this desktop (it needs \
                 xdg-desktop-portal): {instead}"
            ));
        }
        None => {}
    }
}

/// While files are dragged over the window, says what dropping them does.
fn draw_drop_hint(ctx: &egui::Context) {
    let hovered = ctx.input(|i| i.raw.hovered_files.len());
    if hovered == 0 {
        return;
    }
    let text = if hovered == 1 {
        "Drop the folder to add it to your photo folders"
    } else {
        "Drop the folders to add them to your photo folders"
    };
    let screen = ctx.content_rect();
    egui::Area::new(egui::Id::unique("drop-hint"))
        .order(egui::Order::Foreground)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .interactable(false)
        .show(ctx, |ui| {
            ui.set_clip_rect(screen);
            let painter = ui.painter();
            painter.rect_filled(screen, 0.0, Color32::from_black_alpha(170));
            painter.rect_stroke(
                screen.shrink(12.0),
                12.0,
                egui::Stroke::new(3.0, theme::ACCENT),
                egui::StrokeKind::Inside,
            );
            ui.label(RichText::new(text).size(24.0).color(Color32::WHITE));
        });
}

/// A background job's row at the bottom of the window: what it is doing, how far it is, a line
/// of counts and its buttons (given right to left). The buttons are laid out first, so that in
/// a narrow window the counts are cut short ("…", whole on hover) rather than run under them.
fn job_row(
    ui: &mut egui::Ui,
    status: &str,
    fraction: f32,
    animate: bool,
    text: &str,
    buttons: impl FnOnce(&mut egui::Ui),
) {
    ui.label(RichText::new(status).strong());
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        buttons(ui);
        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
            let bar_width = (ui.available_width() * 0.4).clamp(80.0, 260.0);
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(bar_width)
                    .animate(animate),
            );
            ui.add(egui::Label::new(text).truncate());
        });
    });
}

pub fn human_duration(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// What the app says when a scan ends; `None` for a scan on opening that found nothing.
fn scan_finished_message(summary: &ScanSummary, on_open: bool) -> Option<String> {
    if summary.cancelled {
        return Some(format!(
            "Scan cancelled: {} analysed",
            views::count(summary.analysed as usize, "photo", "photos")
        ));
    }
    if on_open && summary.analysed + summary.moved + summary.missing == 0 {
        return None;
    }
    let mut text = format!(
        "Scan finished: {}",
        views::count(
            summary.analysed.saturating_sub(
                summary.redescribed + summary.moved_and_changed + summary.analysed_again,
            ) as usize,
            "new photo",
            "new photos"
        )
    );
    if summary.copies > 0 {
        text += &format!(
            " ({})",
            views::count(
                summary.copies as usize,
                "identical copy",
                "identical copies"
            )
        );
    }
    if summary.redescribed > 0 {
        text += &format!(", {} updated for new face models", summary.redescribed);
    }
    if summary.analysed_again > 0 {
        text += &format!(
            ", {} analysed again",
            views::grouped(summary.analysed_again as usize)
        );
    }
    text += &format!(
        ", {}",
        views::count(summary.faces as usize, "face", "faces")
    );
    if summary.moved > 0 {
        text += &format!(", {} moved", summary.moved);
    }
    if summary.moved_and_changed > 0 {
        text += &format!(", {} moved and changed", summary.moved_and_changed);
    }
    if summary.missing > 0 {
        text += &format!(", {} missing", summary.missing);
    }
    if !summary.skipped.is_empty() {
        text += &format!(", {} skipped (see Folders)", summary.skipped.len());
    }
    Some(text)
}

/// Who a person the user sent away went to.
enum MergedInto {
    /// The person with this name (naming one as someone already named merges the two).
    Named(String),
    Person(PersonId),
}

#[cfg(test)]
mod tests {
    use super::{NO_CHOOSER_WITHIN, job_row, report_pick, scan_finished_message};
    use crate::library::scan::ScanSummary;
    use egui_kittest::kittest::Queryable;
    use std::path::PathBuf;
    use std::time::Duration;

    /// In a narrow window a job's counts are cut short before its buttons (they ran under
    /// them, the time left with them); in a wide one they are shown whole.
    #[test]
    fn a_jobs_counts_stop_short_of_its_buttons() {
        let counts = "207 / 2,323 photos · 2 min left · 218 faces · 23.2 photos/s";
        let shown_width = |width: f32| {
            let mut harness = egui_kittest::Harness::builder()
                .with_size(egui::vec2(width, 40.0))
                .build_ui(|ui| {
                    ui.horizontal(|ui| {
                        job_row(ui, "Scanning", 0.1, false, counts, |ui| {
                            let _ = ui.button("Cancel scan");
                            let _ = ui.button("Pause");
                        });
                    });
                });
            harness.run();
            let pause = harness.get_by_label("Pause").rect();
            let line = harness.get_by_label_contains("207 / 2,323 photos").rect();
            assert!(line.right() <= pause.left(), "{width}: {line:?}, {pause:?}");
            line.width()
        };
        let narrow = shown_width(500.0);
        assert!(narrow < shown_width(1280.0), "cut short: {narrow}");
    }

    #[test]
    fn a_folder_chooser_that_never_opened_is_reported_and_a_cancelled_one_is_not() {
        let (chosen_tx, chosen) = std::sync::mpsc::channel();
        let (failures_tx, failures) = std::sync::mpsc::channel();
        let pick = |picked: Option<&str>, took| {
            report_pick(
                picked.map(PathBuf::from),
                took,
                "type the path.",
                &chosen_tx,
                &failures_tx,
            )
        };
        pick(Some("/photos"), Duration::from_millis(5));
        assert_eq!(chosen.try_recv(), Ok(PathBuf::from("/photos")));
        // The user looked and cancelled: nothing to say.
        pick(None, NO_CHOOSER_WITHIN * 3);
        assert!(chosen.try_recv().is_err() && failures.try_recv().is_err());
        pick(None, Duration::from_millis(20));
        let message = failures.try_recv().unwrap();
        assert!(
            message.starts_with("No folder chooser could be opened"),
            "{message}"
        );
        assert!(message.ends_with("type the path."), "{message}");
        assert!(chosen.try_recv().is_err());
    }

    #[test]
    fn a_scan_on_opening_speaks_only_when_it_found_something() {
        let nothing = ScanSummary {
            found: 500,
            unchanged: 500,
            // An unreadable folder is reported at every scan; Folders shows it.
            skipped: vec![("/photos/locked".into(), "permission denied".into())],
            ..Default::default()
        };
        assert_eq!(scan_finished_message(&nothing, true), None);
        assert_eq!(
            scan_finished_message(&nothing, false).as_deref(),
            Some("Scan finished: 0 new photos, 0 faces, 1 skipped (see Folders)")
        );
        let added = ScanSummary {
            analysed: 3,
            faces: 4,
            missing: 1,
            ..Default::default()
        };
        assert_eq!(
            scan_finished_message(&added, true).as_deref(),
            Some("Scan finished: 3 new photos, 4 faces, 1 missing")
        );
        let upgraded = ScanSummary {
            analysed: 12,
            redescribed: 10,
            faces: 30,
            ..Default::default()
        };
        assert_eq!(
            scan_finished_message(&upgraded, true).as_deref(),
            Some("Scan finished: 2 new photos, 10 updated for new face models, 30 faces")
        );
        let cancelled = ScanSummary {
            analysed: 7,
            cancelled: true,
            ..Default::default()
        };
        let backup = ScanSummary {
            analysed: 5,
            copies: 2,
            faces: 9,
            ..Default::default()
        };
        assert_eq!(
            scan_finished_message(&backup, false).as_deref(),
            Some("Scan finished: 5 new photos (2 identical copies), 9 faces")
        );
        assert_eq!(
            scan_finished_message(&cancelled, true).as_deref(),
            Some("Scan cancelled: 7 photos analysed")
        );
        // Tagged and renamed by another app: the same photos, not new ones.
        let reorganised = ScanSummary {
            analysed: 3,
            moved_and_changed: 2,
            faces: 5,
            ..Default::default()
        };
        assert_eq!(
            scan_finished_message(&reorganised, true).as_deref(),
            Some("Scan finished: 1 new photo, 5 faces, 2 moved and changed")
        );
        // Regression: photos edited in place, or analysed with other settings, were "new".
        let edited = ScanSummary {
            analysed: 4,
            analysed_again: 3,
            faces: 6,
            ..Default::default()
        };
        assert_eq!(
            scan_finished_message(&edited, true).as_deref(),
            Some("Scan finished: 1 new photo, 3 analysed again, 6 faces")
        );
        let one_of_each = ScanSummary {
            analysed: 1,
            faces: 1,
            ..Default::default()
        };
        assert_eq!(
            scan_finished_message(&one_of_each, false).as_deref(),
            Some("Scan finished: 1 new photo, 1 face")
        );
    }

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(super::human_duration(12.4), "12 s");
        assert_eq!(super::human_duration(61.0), "2 min");
        assert_eq!(super::human_duration(3700.0), "1 h 1 min");
    }
}
