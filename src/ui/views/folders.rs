//! The photo folders: add, remove and rescan them, leave subfolders out, with per-folder
//! counts and the files that could not be read (and why).

use std::collections::HashSet;
use std::path::Path;

use egui::RichText;

use super::{Frame, button_known_as, count, own_name, page_heading, shown_path};
use crate::library::folders::{FolderSummary, HowItWent, NewPlace};
use crate::ui::launch::Launch;
use crate::ui::state::{Action, FoldersViewState, View};
use crate::ui::theme;

pub fn show(ui: &mut egui::Ui, frame: &mut Frame, state: &mut FoldersViewState) {
    let data = frame.data;
    // Nothing could be read from a damaged library: its backup copies are what there is.
    if !data.loaded {
        page_heading(ui, "Backup copies", "the library could not be read");
        library_copies(ui, frame, state);
        return;
    }
    page_heading(
        ui,
        "Photo folders",
        &format!(
            "{} · {}",
            count(data.folders.len(), "folder", "folders"),
            count(data.counts.photos_done as usize, "photo", "photos")
        ),
    );
    ui.horizontal(|ui| {
        if ui.button("Add photo folder…").clicked() {
            frame.actions.push(Action::PickFolder);
        }
        let field = ui.add(
            egui::TextEdit::singleline(&mut state.typed_path)
                .hint_text("or type a folder path")
                .desired_width(320.0),
        );
        field.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Folder path"));
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui
            .add_enabled(
                !state.typed_path.trim().is_empty(),
                egui::Button::new("Add"),
            )
            .clicked()
            || enter)
            && !state.typed_path.trim().is_empty()
        {
            frame
                .actions
                .push(Action::AddFolder(super::typed_path(&state.typed_path)));
            state.typed_path.clear();
        }
        ui.separator();
        let scanning = data.scan.is_some();
        if ui
            .add_enabled(
                !scanning && !data.folders.is_empty(),
                egui::Button::new("Rescan all"),
            )
            .on_hover_text("Look for new, changed, moved and deleted photos")
            .clicked()
        {
            frame.actions.push(Action::Rescan);
        }
    });
    ui.add_space(10.0);
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for folder in &data.folders {
            egui::Frame::new()
                .fill(theme::CARD)
                .corner_radius(8.0)
                .inner_margin(egui::Margin::symmetric(14, 10))
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.horizontal(|ui| {
                        ui.label(RichText::new("📁").size(20.0));
                        ui.vertical(|ui| {
                            let open_page = ui
                                .add(
                                    egui::Button::new(
                                        RichText::new(shown_path(&folder.path)).strong(),
                                    )
                                    .frame(false),
                                )
                                .on_hover_text("Its photos, and who is in them");
                            button_known_as(
                                &open_page,
                                format!("Open folder {}", folder.path.display()),
                            );
                            if open_page.clicked() {
                                frame.actions.push(Action::Go(View::Folder(folder.path.clone())));
                            }
                            let mut line = format!(
                                "{} · {}",
                                count(folder.photos as usize, "photo", "photos"),
                                count(folder.faces as usize, "face", "faces")
                            );
                            if folder.missing > 0 {
                                line.push_str(&format!(" · {} missing", folder.missing));
                            }
                            ui.label(RichText::new(line).weak());
                            if folder.missing > 0 {
                                forget_missing(ui, frame, state, folder);
                            }
                            if let Some(likely) = data.folders_not_there.get(&folder.id) {
                                not_there(ui, frame, state, folder, likely.as_ref());
                            }
                            if folder.without_faces > 0 {
                                let faceless = ui
                                    .link(format!(
                                        "{} without a face",
                                        count(folder.without_faces as usize, "photo", "photos")
                                    ))
                                    .on_hover_text(
                                        "The photos in which Kindred found no face: add a face it missed",
                                    );
                                button_known_as(
                                    &faceless,
                                    format!(
                                        "{} without a face in {}",
                                        count(folder.without_faces as usize, "photo", "photos"),
                                        folder.path.display()
                                    ),
                                );
                                if faceless.clicked() {
                                    frame
                                        .actions
                                        .push(Action::Go(View::PhotosWithoutFaces(folder.id)));
                                }
                            }
                        });
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            // A scan writes photos into the folder it walked: removing
                            // waits for it.
                            let remove = ui
                                .add_enabled(data.scan.is_none(), egui::Button::new("Remove"))
                                .on_hover_text(
                                    "Stop keeping this folder: its faces leave People (photos on \
                                     disk are not touched; adding it again brings back its names)",
                                )
                                .on_disabled_hover_text("After the scan");
                            button_known_as(&remove, format!("Remove {}", folder.path.display()));
                            if remove.clicked() {
                                frame.actions.push(Action::RemoveFolder(folder.id));
                            }
                            let open = state.subfolders_of == Some(folder.id);
                            let subfolders = ui
                                .add(egui::Button::new(format!("{} Subfolders", if open { "⏷" } else { "⏵" })).frame(false))
                                .on_hover_text("The folders inside, with their photos and faces; leave one out of the library");
                            button_known_as(&subfolders, format!("Subfolders of {}", folder.path.display()));
                            if subfolders.clicked() {
                                frame.actions.push(Action::ToggleSubfolders(folder.id));
                            }
                            if folder.errors > 0 {
                                let open = state.expanded == Some(folder.id);
                                let label = format!(
                                    "{} {}",
                                    if open { "⏷" } else { "⏵" },
                                    count(folder.errors as usize, "file skipped", "files skipped")
                                );
                                if ui
                                    .add(egui::Button::new(RichText::new(label).color(theme::SUGGESTED)).frame(false))
                                    .clicked()
                                {
                                    state.expanded = if open { None } else { Some(folder.id) };
                                    if !open {
                                        frame.actions.push(Action::ShowFolderErrors(folder.id));
                                    }
                                }
                            }
                        });
                    });
                    let scanning = data.scan.is_some();
                    for excluded in data.excluded_folders.iter().filter(|e| e.root == folder.id) {
                        ui.horizontal(|ui| {
                            ui.label(RichText::new("Left out").color(theme::SUGGESTED));
                            ui.label(RichText::new(shown_path(&excluded.path)).monospace());
                            ui.label(
                                RichText::new(count(excluded.photos as usize, "photo", "photos"))
                                    .weak(),
                            );
                            let include = ui
                                .add_enabled(!scanning, egui::Button::new("Take back in"))
                                .on_hover_text("Scan this folder again; its photos come back with their names")
                                .on_disabled_hover_text("After the scan");
                            button_known_as(&include, format!("Take {} back in", excluded.path.display()));
                            if include.clicked() {
                                frame.actions.push(Action::IncludeFolder(excluded.path.clone()));
                            }
                        });
                    }
                    if state.subfolders_of == Some(folder.id) {
                        ui.add_space(6.0);
                        subfolder_tree(ui, frame, state, folder);
                    }
                    if state.expanded == Some(folder.id)
                        && folder.errors > 0
                        && let Some(errors) = data.folder_errors.get(&folder.id)
                    {
                        ui.add_space(6.0);
                        for (_, path, reason) in errors {
                            ui.horizontal_wrapped(|ui| {
                                ui.label(RichText::new(shown_path(path)).monospace());
                                ui.label(RichText::new(reason).weak());
                            });
                        }
                    }
                });
            ui.add_space(8.0);
        }
        scan_settings(ui, frame.settings);
        if let Some(summary) = &data.last_scan
            && !summary.skipped.is_empty()
        {
            ui.add_space(6.0);
            ui.collapsing(
                format!("Last scan skipped {}", count(summary.skipped.len(), "item", "items")),
                |ui| {
                    for (path, reason) in &summary.skipped {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new(shown_path(path)).monospace());
                            ui.label(RichText::new(reason).weak());
                        });
                    }
                },
            );
        }
        library_copies(ui, frame, state);
    });
}

/// Where the library is, and its backup copies: when the last was made, one made now, and one
/// put back.
fn library_copies(ui: &mut egui::Ui, frame: &mut Frame, state: &mut FoldersViewState) {
    use crate::library::backup::BackupKind;
    ui.add_space(16.0);
    ui.label(RichText::new("Library").strong());
    ui.label(
        RichText::new(
            "Names and corrections are kept in one library file (your photos are never \
             changed); copies of it are made before each upgrade and once a week while it is \
             in use.",
        )
        .weak(),
    );
    ui.add_space(4.0);
    let copies: Vec<_> = frame
        .data
        .backups
        .iter()
        .filter(|b| b.kind != BackupKind::SetAside)
        .collect();
    ui.horizontal_wrapped(|ui| {
        match copies.first() {
            Some(newest) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                ui.label(format!(
                    "{} kept; the last {} ({})",
                    count(copies.len(), "backup copy", "backup copies"),
                    crate::text::ago(now - newest.made_secs),
                    newest.kind.describe()
                ))
                .on_hover_text(newest.path.display().to_string());
                if ui
                    .button("Show copies")
                    .on_hover_text("Show the copies in the file manager")
                    .clicked()
                {
                    frame
                        .actions
                        .push(Action::Launch(Launch::ShowInFolder(newest.path.clone())));
                }
            }
            None => {
                ui.label("No backup copy yet.");
            }
        }
        // A copy of a damaged file is no copy to go back to.
        if frame.data.damaged.is_none()
            && ui
                .button("Back up now")
            .on_hover_text("Copy the library as it is now beside the others (yours are kept until you delete them)")
            .clicked()
        {
            frame.actions.push(Action::BackUp);
        }
        if !frame.data.backups.is_empty() {
            let label = if state.copies_listed {
                "Hide the copies"
            } else {
                "Put a copy back…"
            };
            if ui
                .button(label)
                .on_hover_text("Go back to the library as a copy has it")
                .clicked()
            {
                state.copies_listed = !state.copies_listed;
                frame.actions.push(Action::CancelPutBack);
            }
        }
    });
    if frame.data.damaged.is_some() {
        let salvaged = frame.data.salvaged.as_ref();
        let any_copy = frame
            .data
            .backups
            .iter()
            .any(|b| b.kind.of_the_library_in_use());
        if salvage_part(ui, any_copy, frame.data.salvaging, salvaged) {
            frame.actions.push(Action::Salvage);
        }
    }
    if state.copies_listed {
        copies_to_put_back(ui, frame);
    }
}

/// What "Save what can still be read" does, in a sentence.
pub const SALVAGE_HINT: &str = "Read what is still readable of the damaged library, row by \
    row, into a copy of its own, to put back like the others (the damaged file is not changed)";

/// Saving what can still be read of the damaged library file: the offer, the work under way,
/// then what was saved and what could not be. True when the user asks for it.
pub fn salvage_part(
    ui: &mut egui::Ui,
    any_copy: bool,
    salvaging: bool,
    salvaged: Option<&Result<crate::library::salvage::Salvage, String>>,
) -> bool {
    ui.add_space(10.0);
    ui.label(RichText::new("What can still be read of the damaged file").strong());
    ui.label(
        RichText::new(if any_copy {
            "Names and corrections made since the newest copy are only in the damaged file. \
             What is still readable of it can be saved as a copy of its own and put back like \
             the others."
        } else {
            "With no copy, the names and corrections are only in the damaged file. What is \
             still readable of it can be saved as a copy and put back."
        })
        .weak(),
    );
    // Widgets one under the other, not in a row: the window shown when the library cannot be
    // opened centres them.
    let mut asked = false;
    if salvaging {
        ui.spinner();
        ui.label("Reading the damaged library…");
    } else if !matches!(salvaged, Some(Ok(_))) {
        asked = ui
            .button("Save what can still be read")
            .on_hover_text(SALVAGE_HINT)
            .clicked();
    }
    match salvaged {
        None => {}
        Some(Err(e)) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Nothing could be saved: {e}"),
            );
        }
        Some(Ok(saved)) => {
            ui.label(format!(
                "Saved as the newest copy: {}.",
                saved.contents.in_words()
            ));
            let losses = saved.losses_in_words();
            if losses.is_empty() {
                ui.label("All of it could be read.");
            }
            for said in losses {
                ui.label(said);
            }
        }
    }
    asked
}

/// Every copy kept (the libraries set aside by earlier put-backs too), newest first, each to
/// put back after a question that says what it holds and what is lost.
fn copies_to_put_back(ui: &mut egui::Ui, frame: &mut Frame) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    ui.add_space(6.0);
    egui::Grid::new("copies to put back")
        .num_columns(3)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            for copy in &frame.data.backups {
                ui.label(format!(
                    "{} ({})",
                    crate::text::ago(now - copy.made_secs),
                    copy.made.replace('T', " ").replace('Z', " UTC")
                ))
                .on_hover_text(copy.path.display().to_string());
                ui.label(format!(
                    "{}, {:.1} MB",
                    copy.kind.describe(),
                    copy.bytes as f64 / 1e6
                ));
                let asked = frame
                    .data
                    .put_back
                    .as_ref()
                    .is_some_and(|(path, _)| *path == copy.path);
                let button = egui::Button::new("Put back…").selected(asked);
                if ui
                    .add(button)
                    .on_hover_text("See what this copy holds, then put it back")
                    .clicked()
                {
                    frame.actions.push(Action::AskPutBack(copy.path.clone()));
                }
                ui.end_row();
            }
        });
    let Some((_, read)) = &frame.data.put_back else {
        return;
    };
    ui.add_space(8.0);
    match read {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the copy…");
            });
        }
        Some(Err(e)) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("This copy cannot be put back: {e}"),
            );
        }
        Some(Ok(holds)) => {
            ui.label(format!(
                "This copy holds {}. What was done since it was made is lost (a scan takes in \
                 the photos again); the library as it is now is kept among the copies, set \
                 aside, and can be put back the same way.",
                holds.in_words()
            ));
            ui.horizontal(|ui| {
                let working = frame.data.scan.is_some()
                    || frame.data.photo_job.is_some()
                    || frame.data.export.is_some();
                if ui
                    .add_enabled(!working, egui::Button::new("Put this copy back"))
                    .on_disabled_hover_text("After the scan, closer look or export under way")
                    .clicked()
                {
                    frame.actions.push(Action::PutBack);
                }
                if ui.button("Cancel").clicked() {
                    frame.actions.push(Action::CancelPutBack);
                }
            });
        }
    }
}

/// Room for a subfolder's open/close arrow, kept by folders without one so names line up.
const TOGGLE_WIDTH: f32 = 16.0;

/// A photo folder not found where it was: on a drive not connected (kept as it is until
/// the drive is back), or moved or renamed, where the user tells Kindred its new place.
fn not_there(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut FoldersViewState,
    folder: &FolderSummary,
    likely: Option<&NewPlace>,
) {
    // Found further off (another drive, or a drive come back under another name), the drive
    // it was on may just not be connected, and what was found a copy of its photos.
    let said = match likely.map(|place| place.how) {
        Some(HowItWent::Renamed | HowItWent::MovedNearby) => {
            "Not there now. Its photos and people are kept."
        }
        Some(HowItWent::FolderAboveRenamed) | None => {
            "Not there now — on a drive not connected? Its photos and people are kept; the \
             next scan after it is back looks at it again."
        }
    };
    ui.label(RichText::new(said).color(theme::SUGGESTED));
    let asked_where = matches!(&state.relocating, Some((id, _)) if *id == folder.id);
    if !asked_where {
        let scanning = frame.data.scan.is_some();
        ui.horizontal_wrapped(|ui| {
            if let Some(NewPlace { path: likely, how }) = likely {
                let likely = likely.as_path();
                ui.label(match how {
                    HowItWent::Renamed => {
                        format!("Renamed? Its photos are in {} now.", shown_path(likely))
                    }
                    HowItWent::MovedNearby => {
                        format!("Moved? Its photos are in {} now.", shown_path(likely))
                    }
                    HowItWent::FolderAboveRenamed => {
                        format!("Or moved? Its photos are in {}.", shown_path(likely))
                    }
                });
                let follow = ui
                    .add_enabled(!scanning, egui::Button::new("Follow it there").small())
                    .on_disabled_hover_text("After the scan");
                button_known_as(
                    &follow,
                    format!("Follow {} to {}", folder.path.display(), likely.display()),
                );
                if follow.clicked() {
                    frame
                        .actions
                        .push(Action::RelocateFolder(folder.id, likely.to_path_buf()));
                }
            }
            let label = if likely.is_some() {
                "Somewhere else…"
            } else {
                "Moved or renamed? Show Kindred where it is now…"
            };
            let moved = ui
                .add_enabled(!scanning, egui::Button::new(label).small())
                .on_hover_text(
                    "Kindred follows the folder to its new place, its photos keeping their \
                     faces and names, nothing analysed again",
                )
                .on_disabled_hover_text("After the scan");
            button_known_as(
                &moved,
                format!("Show where {} is now", folder.path.display()),
            );
            if moved.clicked() {
                state.relocating = Some((folder.id, String::new()));
                state.focus_relocation = true;
            }
        });
        return;
    }
    let Some((_, typed)) = &mut state.relocating else {
        return;
    };
    let mut cancelled = false;
    ui.horizontal(|ui| {
        let field = ui.add(
            egui::TextEdit::singleline(typed)
                .hint_text("its path now")
                .desired_width(280.0),
        );
        field.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Path now"));
        if std::mem::take(&mut state.focus_relocation) {
            field.request_focus();
        }
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let given = !typed.trim().is_empty();
        if (ui
            .add_enabled(given, egui::Button::new("Follow it there"))
            .clicked()
            || enter)
            && given
        {
            frame
                .actions
                .push(Action::RelocateFolder(folder.id, super::typed_path(typed)));
        }
        if ui.button("Choose…").clicked() {
            frame.actions.push(Action::PickRelocation(folder.id));
        }
        cancelled = ui.button("Cancel").clicked();
    });
    if cancelled {
        state.relocating = None;
    }
}

/// The photos scans found gone from a folder (deleted, or moved out of the library's folders)
/// are kept, so that one coming back keeps its faces and names; photos deleted on purpose
/// can be forgotten, after a question, as it cannot be undone.
fn forget_missing(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut FoldersViewState,
    folder: &FolderSummary,
) {
    let missing = count(folder.missing as usize, "photo", "photos");
    if state.forget_asked != Some(folder.id) {
        let ask = ui
            .add_enabled(
                frame.data.scan.is_none(),
                egui::Button::new(format!("Forget the {missing} no longer here…")).small(),
            )
            .on_hover_text(
                "Photos no longer in this folder since a scan (deleted, or moved out of your photo \
                 folders). Kindred keeps their faces in case they come back",
            )
            .on_disabled_hover_text("After the scan");
        button_known_as(
            &ask,
            format!("Forget the missing photos of {}", folder.path.display()),
        );
        if ask.clicked() {
            state.forget_asked = Some(folder.id);
        }
        return;
    }
    // Two short lines: the folder's buttons share the row at the right.
    ui.label(format!(
        "Forget the {missing} no longer here, with their faces, for good?"
    ));
    ui.label(
        RichText::new(
            "Names stay with their people; a photo that comes back is analysed afresh. This \
             cannot be undone.",
        )
        .weak(),
    );
    ui.horizontal(|ui| {
        if ui.button("Forget them").clicked() {
            frame.actions.push(Action::ForgetMissing(folder.id));
            state.forget_asked = None;
        }
        if ui.button("Keep them").clicked() {
            state.forget_asked = None;
        }
    });
}

/// The folders inside a photo folder that hold photos, each with its photos and faces and a
/// button to leave it out; a folder with folders inside opens to show them.
fn subfolder_tree(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut FoldersViewState,
    folder: &FolderSummary,
) {
    let Some(subfolders) = frame.data.subfolders.get(&folder.id) else {
        ui.label(RichText::new("Reading…").weak());
        return;
    };
    if subfolders.is_empty() {
        ui.label(RichText::new("No folders with photos inside this one.").weak());
        return;
    }
    let scanning = frame.data.scan.is_some();
    // Listed parents first, so a folder is shown when its parent is shown and open.
    let mut shown_open: HashSet<&Path> = HashSet::new();
    for (i, sub) in subfolders.iter().enumerate() {
        let parent = sub.path.parent().unwrap_or(&folder.path);
        if parent != folder.path && !shown_open.contains(parent) {
            continue;
        }
        let has_children = subfolders
            .get(i + 1)
            .is_some_and(|next| next.path.starts_with(&sub.path));
        let open = state.open_subfolders.contains(&sub.path);
        if open {
            shown_open.insert(&sub.path);
        }
        let name = own_name(&sub.path);
        ui.horizontal(|ui| {
            ui.add_space(18.0 * (sub.depth - 1) as f32);
            if has_children {
                let toggle = ui.add_sized(
                    [TOGGLE_WIDTH, ui.spacing().interact_size.y],
                    egui::Button::new(if open { "⏷" } else { "⏵" }).frame(false),
                );
                button_known_as(
                    &toggle,
                    format!(
                        "{} the folders in {name}",
                        if open { "Hide" } else { "Show" }
                    ),
                );
                if toggle.clicked() {
                    if open {
                        state.open_subfolders.remove(&sub.path);
                    } else {
                        state.open_subfolders.insert(sub.path.clone());
                    }
                }
            } else {
                ui.add_space(TOGGLE_WIDTH);
            }
            let open_page = ui
                .add(egui::Button::new(format!("📁 {name}")).frame(false))
                .on_hover_text("Its photos, and who is in them");
            button_known_as(&open_page, format!("Open folder {name}"));
            if open_page.clicked() {
                frame
                    .actions
                    .push(Action::Go(View::Folder(sub.path.clone())));
            }
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    count(sub.photos as usize, "photo", "photos"),
                    count(sub.faces as usize, "face", "faces")
                ))
                .weak(),
            );
            let leave_out = ui
                .add_enabled(!scanning, egui::Button::new("Leave out").small())
                .on_hover_text(
                    "Leave this folder out of the library (screenshots, stickers, other people's \
                     photos): its faces leave People, and scans pass it over. Nothing on disk \
                     is touched, and taking it back in brings its names back.",
                )
                .on_disabled_hover_text("After the scan");
            button_known_as(&leave_out, format!("Leave out {name}"));
            if leave_out.clicked() {
                frame.actions.push(Action::ExcludeFolder(sub.path.clone()));
            }
        });
    }
}

/// How photos are analysed and faces matched; used by the next scan.
fn scan_settings(ui: &mut egui::Ui, settings: &mut crate::ui::state::Settings) {
    ui.add_space(10.0);
    ui.label(RichText::new("Scan settings").strong());
    // A changed analysis key has every photo analysed again (see `ScanOptions::analysis_key`):
    // on a large library that is hours, which the user should know before choosing.
    ui.label(
        RichText::new(
            "Used by the next scan. A new analysis size, or Small faces turned on or off, has \
             every photo analysed again; names and corrections are kept.",
        )
        .weak(),
    );
    ui.add_space(4.0);
    egui::Grid::new("scan-settings")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            let label = ui.label("Analysis size");
            egui::ComboBox::from_id_salt("analysis-size")
                .selected_text(format!("{} px", settings.max_side))
                .show_ui(ui, |ui| {
                    for (side, hint) in [
                        (1024, "fastest"),
                        (2048, "default"),
                        (4096, "small faces; slower"),
                    ] {
                        ui.selectable_value(
                            &mut settings.max_side,
                            side,
                            format!("{side} px ({hint})"),
                        );
                    }
                })
                .response
                .on_hover_text(
                    "Photos are analysed with their longer side scaled down to this; a photo at \
                     most half as long (an early digital camera's, one saved from the web) is \
                     looked at doubled, for its small faces",
                )
                .labelled_by(label.id);
            ui.end_row();

            ui.label("Small faces");
            let mut small_faces = settings.upsample > 0;
            if ui
                .checkbox(
                    &mut small_faces,
                    "Find faces as small as in a group photo's back rows (about 4× slower)",
                )
                .changed()
            {
                settings.upsample = u32::from(small_faces);
            }
            ui.end_row();

            ui.label("Suggest a person at");
            ui.add(
                egui::Slider::new(&mut settings.match_threshold, 0.45..=0.65)
                    .step_by(0.01)
                    .text("distance (lower is stricter)"),
            );
            ui.end_row();

            ui.label("Names from other apps");
            ui.checkbox(
                &mut settings.xmp_names,
                "Take over face names from digiKam, Lightroom, Picasa and others",
            )
            .on_hover_text(
                "When a photo is analysed, or its XMP sidecar or Picasa file appears or \
                 changes, faces that another app named there or inside the photo (XMP face \
                 regions) are named the same here. Your own corrections always win.",
            );
            ui.end_row();

            ui.label("When Kindred opens");
            ui.checkbox(
                &mut settings.scan_on_open,
                "Look for new and changed photos in these folders",
            )
            .on_hover_text(
                "Photos added, changed or moved while Kindred was closed are taken in without \
                 a click. Turn it off for folders on slow network drives; Rescan all still \
                 works.",
            );
            ui.end_row();
        });
}
