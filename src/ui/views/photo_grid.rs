//! A grid of photos in sections by the year they were taken (those without a date last),
//! virtualised for tens of thousands; a click opens one in the Photo view, stepping through
//! the others.

use std::collections::HashMap;

use egui::{RichText, Vec2};

use super::{
    Frame, button_known_as, count, empty_state, own_name, page_heading, sectioned_virtual_grid,
    shown_path,
};
use crate::library::store::{PhotoId, PhotoRecord, RootId};
use crate::library::turn::Turn;
use crate::ui::launch::Launch;
use crate::ui::state::{Action, ChosenPhotos, View};
use crate::ui::theme;

/// Photos in date order (undated last) with their year headings, worked out once when they
/// arrive: finding a photo's year reads its date from elsewhere in memory, a cache miss per
/// photo that cost a 40,000-photo folder's page 3 ms in every frame (docs/BENCHMARKS.md).
#[derive(Debug, Clone, Default)]
pub struct DatedPhotos {
    photos: Vec<PhotoRecord>,
    sections: Vec<(String, usize)>,
    /// " · 2019–2024": the years the dated photos span, when any is dated.
    span: Option<String>,
    /// Where each photo is in `photos`.
    index: HashMap<PhotoId, usize>,
}

impl DatedPhotos {
    pub fn new(photos: Vec<PhotoRecord>) -> Self {
        // Dated photos come first, oldest first: the span is the first and last of them.
        let first_year = photos.iter().find_map(taken_year);
        let last_year = photos.iter().rev().find_map(taken_year);
        let span = match (first_year, last_year) {
            (Some(first), Some(last)) if first == last => Some(format!(" · {first}")),
            (Some(first), Some(last)) => Some(format!(" · {first}–{last}")),
            // With no date at all, the one heading ("Date unknown · 6 photos") says it all.
            _ => None,
        };
        DatedPhotos {
            sections: year_sections(&photos),
            span,
            index: photos.iter().enumerate().map(|(i, p)| (p.id, i)).collect(),
            photos,
        }
    }

    pub fn get(&self, id: PhotoId) -> Option<&PhotoRecord> {
        self.index.get(&id).map(|&i| &self.photos[i])
    }
}

impl std::ops::Deref for DatedPhotos {
    type Target = [PhotoRecord];

    fn deref(&self) -> &[PhotoRecord] {
        &self.photos
    }
}

/// `photos` under a line giving their count and the years they span, a heading per year;
/// with a `selection`, Ctrl+click and Shift+click choose photos in it.
pub fn dated_photo_grid(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    id_salt: &str,
    dated: &DatedPhotos,
    mut selection: Option<&mut ChosenPhotos>,
) {
    let photos = &dated.photos;
    let ids: Vec<PhotoId> = match selection {
        Some(_) => photos.iter().map(|p| p.id).collect(),
        None => Vec::new(),
    };
    if let Some(selection) = selection.as_deref_mut()
        && !ui.ctx().egui_wants_keyboard_input()
    {
        let all = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::A);
        if ui.input_mut(|i| i.consume_shortcut(&all)) {
            selection.selected = ids.iter().copied().collect();
        }
    }
    if let Some(span) = &dated.span {
        ui.label(RichText::new(format!("{}{span}", count(photos.len(), "photo", "photos"))).weak());
    }
    sectioned_virtual_grid(ui, id_salt, &dated.sections, 200.0, |ui, i, side| {
        let photo = &photos[i];
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), egui::Sense::click());
        let selected = selection
            .as_ref()
            .is_some_and(|s| s.selected.contains(&photo.id));
        let label = format!("Photo {}", own_name(&photo.path));
        match selection {
            Some(_) => response.widget_info(|| {
                egui::WidgetInfo::selected(egui::Role::Button, true, selected, &label)
            }),
            None => button_known_as(&response, label.clone()),
        }
        ui.painter()
            .rect_filled(rect, egui::CornerRadius::same(8), theme::CARD);
        if let Some(texture) = frame.photos.get(photo.id) {
            let size = texture.size_vec2();
            let fit = (rect.width() / size.x).min(rect.height() / size.y);
            let shown = egui::Rect::from_center_size(rect.center(), size * fit);
            egui::Image::from_texture(texture)
                .corner_radius(8.0)
                .paint_at(ui, shown);
        } else if frame.photos.is_missing(photo.id) {
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Not there",
                egui::FontId::proportional(13.0),
                ui.visuals().weak_text_color(),
            );
        }
        if selected {
            super::paint_selected(ui.painter(), rect, 8, 10.0, 16.0);
        }
        super::show_focus(ui, &response, rect, 8);
        if response.clicked() {
            let modifiers = ui.input(|i| i.modifiers);
            let chose = selection
                .as_deref_mut()
                .is_some_and(|s| s.click(&ids, i, modifiers));
            if !chose {
                frame.actions.push(Action::Go(View::Photo {
                    photo: photo.id,
                    siblings: photos.iter().map(|p| p.id).collect(),
                }));
            }
        }
        let not_there = if frame.photos.is_missing(photo.id) {
            "\nnot there now: on a drive not connected, or moved or deleted?"
        } else {
            ""
        };
        let response = response.on_hover_text(format!(
            "{}{}{not_there}",
            shown_path(&photo.path),
            photo
                .taken_at
                .as_deref()
                .map(|t| format!("\ntaken {t}"))
                .unwrap_or_default()
        ));
        response.context_menu(|ui| {
            if ui.button("Open").clicked() {
                frame
                    .actions
                    .push(Action::Launch(Launch::Open(photo.path.clone())));
            }
            if ui.button("Show in folder").clicked() {
                frame
                    .actions
                    .push(Action::Launch(Launch::ShowInFolder(photo.path.clone())));
            }
        });
        response
    });
}

/// The View of a photo folder's photos in which no face was found: where a face the
/// detector missed (small, blurred, turned away) is found, to add it in the Photo view.
pub fn without_faces(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    root: RootId,
    selection: &mut ChosenPhotos,
) {
    let data = frame.data;
    let folder = data
        .folders
        .iter()
        .find(|f| f.id == root)
        .map_or_else(String::new, |f| shown_path(&f.path));
    ui.horizontal(|ui| {
        if ui.button("⏴ Back").clicked() {
            frame.actions.push(Action::Back);
        }
    });
    page_heading(ui, "Photos without a face", &folder);
    let photos = match &data.photos_without_faces {
        Some((id, photos)) if *id == root => photos,
        _ => {
            ui.spinner();
            return;
        }
    };
    if photos.is_empty() {
        empty_state(
            ui,
            "A face in every photo",
            "Kindred found at least one face in each photo of this folder.",
        );
        return;
    }
    // A closer look that found no face would find none again: only the others are offered.
    let not_looked_at: Vec<PhotoId> = photos
        .iter()
        .filter(|p| !p.no_face_on_closer_look)
        .map(|p| p.id)
        .collect();
    ui.label(
        RichText::new(if not_looked_at.is_empty() {
            "Kindred found no face in these photos, also on a closer look. For one it missed \
             (blurred or turned away), open the photo and use Add a face; a photo stored \
             sideways, open and turn with ⟲ or ⟳."
        } else {
            "Kindred found no face in these photos. Faces too small for the scan turn up on a \
             closer look; for one it missed otherwise (blurred or turned away), open the photo \
             and use Add a face; a photo stored sideways, open and turn with ⟲ or ⟳."
        })
        .weak(),
    );
    if !not_looked_at.is_empty() {
        let label = match (not_looked_at.len(), photos.len()) {
            (1, 1) => "Look closer at it".to_string(),
            (n, all) if n == all => format!("Look closer at all {n}"),
            (n, _) => format!(
                "Look closer at the {} not looked at yet",
                count(n, "photo", "photos")
            ),
        };
        let all = ui
            .add_enabled(data.photo_job.is_none(), egui::Button::new(label))
            .on_hover_text(
                "Look for faces too small for the scan in each of these photos (a few seconds \
                 per photo, in the background; Ctrl+Z takes what it finds away)",
            )
            .on_disabled_hover_text("Kindred is already looking closer at photos");
        if all.clicked() {
            frame.actions.push(Action::LookCloserAt(not_looked_at));
        }
    }
    ui.add_space(6.0);
    selection.keep_only(&photos.iter().map(|p| p.id).collect::<Vec<_>>());
    chosen_photos_bar(ui, frame, selection);
    ui.add_space(6.0);
    dated_photo_grid(ui, frame, "photos-without-faces", photos, Some(selection));
}

/// What can be done to the photos chosen among those without a face: photos stored sideways
/// (a batch of prints scanned on their side), turned together; or a closer look at them.
pub fn chosen_photos_bar(ui: &mut egui::Ui, frame: &mut Frame, selection: &mut ChosenPhotos) {
    if selection.selected.is_empty() {
        ui.label(
            RichText::new(
                "Ctrl+click photos (Shift+click for a range, Ctrl+A for all) to turn them \
                 together — prints scanned on their side — or look closer at them.",
            )
            .weak()
            .small(),
        );
        return;
    }
    let chosen: Vec<PhotoId> = selection.selected.iter().copied().collect();
    let busy = frame.data.photo_job.is_some();
    let mut chosen_bar = |ui: &mut egui::Ui| {
        ui.label(RichText::new(format!("{} selected", chosen.len())).strong());
        for (label, by) in [("⟲ Turn left", Turn::LEFT), ("⟳ Turn right", Turn::RIGHT)] {
            let turn = ui
                .add_enabled(!busy, egui::Button::new(label))
                .on_hover_text(
                    "Turn these photos, stored sideways, and look for faces on them (in the \
                     background; Ctrl+Z turns them back). The files are not changed.",
                )
                .on_disabled_hover_text("After the work under way");
            if turn.clicked() {
                frame.actions.push(Action::TurnPhotos(chosen.clone(), by));
                selection.selected.clear();
            }
        }
        let look = ui
            .add_enabled(!busy, egui::Button::new("Look closer"))
            .on_disabled_hover_text("After the work under way");
        if look.clicked() {
            frame.actions.push(Action::LookCloserAt(chosen.clone()));
            selection.selected.clear();
        }
        if ui.button("Clear selection").clicked() {
            selection.selected.clear();
        }
    };
    ui.horizontal(|ui| chosen_bar(ui));
}

fn taken_year(photo: &PhotoRecord) -> Option<&str> {
    photo.taken_at.as_deref().and_then(|t| t.get(..4))
}

/// The Photos tab's sections, in the order the photos come (by the date they were taken,
/// those without one last): a heading per year with its photo count, then "Date unknown".
fn year_sections(photos: &[PhotoRecord]) -> Vec<(String, usize)> {
    let mut sections: Vec<(&str, usize)> = Vec::new();
    for photo in photos {
        let heading = taken_year(photo).unwrap_or("Date unknown");
        match sections.last_mut() {
            Some((last, n)) if *last == heading => *n += 1,
            _ => sections.push((heading, 1)),
        }
    }
    sections
        .into_iter()
        .map(|(heading, n)| (format!("{heading} · {}", count(n, "photo", "photos")), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_fall_into_a_section_per_year_then_undated() {
        let photo = |id: i64, taken: Option<&str>| PhotoRecord {
            id,
            root_id: None,
            path: format!("/p/{id}.jpg").into(),
            size: 1,
            mtime_ns: 0,
            content_hash: None,
            width: None,
            height: None,
            orientation: None,
            taken_at: taken.map(str::to_string),
            dated_by_name: false,
            camera: None,
            status: crate::library::store::PhotoStatus::Done,
            error: None,
            error_readers: None,
            analysis_key: None,
            xmp_stamp: None,
            no_face_on_closer_look: false,
            turn: crate::library::turn::Turn::NONE,
        };
        let photos = [
            photo(1, Some("2019-07-14 15:03:22")),
            photo(2, Some("2019-12-31 23:59:59")),
            photo(3, Some("2021-01-01 00:00:00")),
            photo(4, None),
        ];
        assert_eq!(
            year_sections(&photos),
            [
                ("2019 · 2 photos".to_string(), 2),
                ("2021 · 1 photo".to_string(), 1),
                ("Date unknown · 1 photo".to_string(), 1),
            ]
        );
        assert!(year_sections(&[]).is_empty());
    }
}
