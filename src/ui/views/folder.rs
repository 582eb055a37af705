//! A folder's page (a photo folder, or one inside it): who is in its photos, then the photos
//! by year — "who was at the wedding" is a folder of photos more often than a search.

use std::collections::HashMap;
use std::path::Path;

use egui::RichText;

use super::{
    Frame, TileLook, button_known_as, count, empty_state, face_tile, own_name, page_heading,
    shown_path,
};
use crate::people::ops::{PersonId, PersonSummary};
use crate::ui::launch::Launch;
use crate::ui::state::{Action, ChosenPhotos, View};

/// The side of a person's face above the photos.
const CHIP_SIDE: f32 = 72.0;
/// A person above the photos: the face and the two small lines under it (name, count).
const CHIP_HEIGHT: f32 = CHIP_SIDE + 48.0;

pub fn show(ui: &mut egui::Ui, frame: &mut Frame, folder: &Path, chosen: &mut ChosenPhotos) {
    ui.horizontal(|ui| {
        if ui.button("⏴ Back").clicked() {
            frame.actions.push(Action::Back);
        }
        if ui
            .button("Show in file manager")
            .on_hover_text(shown_path(folder))
            .clicked()
        {
            frame
                .actions
                .push(Action::Launch(Launch::Open(folder.to_path_buf())));
        }
    });
    let name = own_name(folder);
    let within = folder.parent().map(shown_path).unwrap_or_default();
    page_heading(ui, &name, &within);
    let data = frame.data;
    let contents = match &data.folder_contents {
        Some(contents) if contents.folder == folder => contents,
        _ => {
            ui.spinner();
            return;
        }
    };
    if contents.photos.is_empty() {
        empty_state(
            ui,
            "No photos here",
            "Kindred has no analysed photo in this folder (left out, or not scanned yet).",
        );
        return;
    }
    // Named people first, as on People; then the groups still to name, most photos first.
    // By id: a photo folder of a big library holds thousands of people, every frame.
    let by_id: HashMap<PersonId, &PersonSummary> = data.people.iter().map(|p| (p.id, p)).collect();
    let mut people: Vec<(&PersonSummary, u64)> = contents
        .persons
        .iter()
        .filter_map(|&(id, photos)| by_id.get(&id).map(|&p| (p, photos)))
        .filter(|(p, _)| !p.hidden)
        .collect();
    people.sort_by_key(|(p, photos)| (p.name.is_none(), std::cmp::Reverse(*photos)));
    if people.is_empty() {
        ui.label(RichText::new("No one found in these photos yet.").weak());
    } else {
        ui.label(RichText::new("In these photos").strong());
        // A row of as many as the window has room for, so the photos stay in sight; all of
        // them (a wedding's guests) when asked, in rows that scroll.
        let spacing = ui.spacing().item_spacing.x;
        let fit = ((ui.available_width() + spacing) / (CHIP_SIDE + spacing)).floor() as usize;
        let fit = fit.max(1);
        let everyone_id = ui.make_persistent_id(("folder-people-all", folder));
        let everyone = ui
            .data(|d| d.get_temp::<bool>(everyone_id))
            .unwrap_or(false);
        let chip_rows = |ui: &mut egui::Ui, frame: &mut Frame, people: &[(&PersonSummary, u64)]| {
            for row in people.chunks(fit) {
                ui.horizontal(|ui| {
                    for (person, photos) in row {
                        person_chip(ui, frame, person, *photos);
                    }
                });
            }
        };
        if everyone && people.len() > fit {
            egui::ScrollArea::vertical()
                .id_salt("folder-people")
                // Two and a half rows: the half shows there is more to scroll to.
                .max_height(2.5 * CHIP_HEIGHT)
                .show(ui, |ui| chip_rows(ui, frame, &people));
        } else {
            chip_rows(ui, frame, &people[..people.len().min(fit)]);
        }
        if people.len() > fit {
            let (text, label) = if everyone {
                ("Show fewer".to_string(), "Show fewer people".to_string())
            } else {
                let more = people.len() - fit;
                (
                    format!("and {more} more — show everyone"),
                    format!("Show everyone in these photos ({} more)", more),
                )
            };
            let toggle = ui.link(RichText::new(text).weak());
            button_known_as(&toggle, label);
            if toggle.clicked() {
                ui.data_mut(|d| d.insert_temp(everyone_id, !everyone));
            }
        }
    }
    ui.add_space(8.0);
    chosen.keep_only(&contents.photos.iter().map(|p| p.id).collect::<Vec<_>>());
    super::photo_grid::chosen_photos_bar(ui, frame, chosen);
    ui.add_space(6.0);
    super::photo_grid::dated_photo_grid(ui, frame, "folder-photos", &contents.photos, Some(chosen));
}

/// A person's face with their name and how many of the folder's photos they are in; a click
/// opens them.
fn person_chip(ui: &mut egui::Ui, frame: &mut Frame, person: &PersonSummary, photos: u64) {
    let name = person.name.as_deref().unwrap_or("Unnamed");
    let label = format!(
        "{name}, in {} here",
        count(photos as usize, "photo", "photos")
    );
    ui.vertical(|ui| {
        ui.set_width(CHIP_SIDE);
        let clicked = match person.key_face {
            Some(face) => face_tile(
                ui,
                frame.faces,
                face,
                CHIP_SIDE,
                TileLook::default(),
                &label,
            ),
            None => {
                let button = ui.add_sized([CHIP_SIDE, CHIP_SIDE], egui::Button::new("?"));
                button_known_as(&button, label.clone());
                button
            }
        }
        .on_hover_text(&label)
        .clicked();
        let text = RichText::new(name).small();
        ui.add(
            egui::Label::new(if person.name.is_some() {
                text
            } else {
                text.weak()
            })
            .truncate(),
        );
        ui.label(
            RichText::new(count(photos as usize, "photo", "photos"))
                .small()
                .weak(),
        );
        if clicked {
            frame.actions.push(Action::Go(View::Person(person.id)));
        }
    });
}
