//! One person: their faces (a virtualised grid with click, Shift+click, Ctrl+click and
//! Ctrl+A selection) and the corrections that apply to a selection; and the photos they are
//! in, optionally only those together with other chosen people.

use egui::{Key, RichText, Vec2};

use super::photo_grid::dated_photo_grid;
use super::{
    Frame, RowPart, TileLook, choice, count, empty_state, face_tile, face_tile_used, photos_of,
    pick_person, shown_path, split_row, virtual_grid,
};
use crate::library::store::FaceId;
use crate::people::ops::{FaceOrder, FaceState, PersonFace, PersonId};
use crate::ui::backend::{Mutation, ReviewOf};
use crate::ui::launch::Launch;
use crate::ui::state::{Action, PersonTab, PersonViewState, View};
use crate::ui::theme;

pub fn show(ui: &mut egui::Ui, frame: &mut Frame, state: &mut PersonViewState, id: PersonId) {
    let data = frame.data;
    let Some(person) = data.person(id).cloned() else {
        empty_state(
            ui,
            "This person is gone",
            "They were merged into someone else or undone.",
        );
        return;
    };
    let faces: &[PersonFace] = match &data.person_faces {
        Some((pid, faces)) if *pid == id => faces,
        _ => &[],
    };

    header(ui, frame, state, &person, faces);
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let tab = |ui: &mut egui::Ui, state: &mut PersonViewState, t: PersonTab, label: &str| {
            if ui
                .add(egui::Button::selectable(state.tab == t, label))
                .clicked()
            {
                state.tab = t;
            }
        };
        tab(ui, state, PersonTab::Faces, "Faces");
        let before = state.tab;
        tab(ui, state, PersonTab::Photos, "Photos");
        if state.tab == PersonTab::Photos && before != PersonTab::Photos {
            let mut ids = vec![id];
            ids.extend(&state.together);
            frame.actions.push(Action::LoadPhotosOf(ids));
        }
        if state.tab == PersonTab::Faces {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                face_order_choice(ui, frame);
            });
        }
    });
    ui.separator();
    match state.tab {
        PersonTab::Faces => faces_tab(ui, frame, state, id, faces),
        PersonTab::Photos => photos_tab(ui, frame, state, id),
    }
}

/// Confirmed faces first (the usual), or the faces least like the person's others first, where
/// a face of someone else is found at a glance.
fn face_order_choice(ui: &mut egui::Ui, frame: &mut Frame) {
    let current = frame.settings.face_order;
    let (chosen, combo) = choice(
        ui,
        "Order of faces",
        current,
        &[
            (FaceOrder::ConfirmedFirst, "Confirmed first"),
            (FaceOrder::LeastAlikeFirst, "Least alike first"),
        ],
    );
    combo.on_hover_text(
        "Least alike first: the faces least like this person's others come first — where a \
         face of someone else is found",
    );
    ui.label(RichText::new("Order").weak());
    if chosen != current {
        frame.actions.push(Action::OrderFaces(chosen));
    }
}

fn header(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PersonViewState,
    person: &crate::people::ops::PersonSummary,
    faces: &[PersonFace],
) {
    let id = person.id;
    // The actions go below the name in a window too narrow for both.
    split_row(ui, "person-header", |ui, part| match part {
        RowPart::Left => {
            if ui.button("⏴ People").clicked() {
                frame.actions.push(Action::Go(View::People));
            }
            ui.add_space(8.0);
            match &mut state.renaming {
                Some(text) => {
                    let field = ui.add(
                        // The title's size, and no taller than it: the page does not jump
                        // when renaming starts.
                        egui::TextEdit::singleline(text)
                            .font(egui::FontId::proportional(24.0))
                            .margin(egui::Margin::symmetric(6, 0))
                            .hint_text("Name")
                            .desired_width(280.0),
                    );
                    field.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Name")
                    });
                    if !field.has_focus() && !field.lost_focus() {
                        field.request_focus();
                    }
                    let (enter, escape) =
                        ui.input(|i| (i.key_pressed(Key::Enter), i.key_pressed(Key::Escape)));
                    let save = ui.button("Save").clicked() || (field.lost_focus() && enter);
                    let cancel = ui.button("Cancel").clicked();
                    // Someone already named who matches what is typed: the same person, found
                    // again in another group; picking them merges the two.
                    let offers: Vec<String> = frame
                        .data
                        .named_people_matching(text)
                        .into_iter()
                        .filter(|p| p.id != id)
                        .filter_map(|p| p.name.clone())
                        .take(6)
                        .collect();
                    let mut same_as = None;
                    if !offers.is_empty() {
                        egui::Area::new(ui.make_persistent_id("already-named"))
                            .order(egui::Order::Foreground)
                            .fixed_pos(field.rect.left_bottom() + Vec2::new(0.0, 4.0))
                            .show(ui.ctx(), |ui| {
                                egui::Frame::popup(ui.style()).show(ui, |ui| {
                                    ui.label(
                                        RichText::new("Already named — the same person?").weak(),
                                    );
                                    for name in offers {
                                        if ui
                                            .button(&name)
                                            .on_hover_text(format!(
                                                "This is {name}: merge the two (Ctrl+Z undoes it)"
                                            ))
                                            .clicked()
                                        {
                                            same_as = Some(name);
                                        }
                                    }
                                });
                            });
                    }
                    if let Some(name) = same_as {
                        frame.actions.push(Action::Mutate(Mutation::Name(id, name)));
                        state.renaming = None;
                    } else if escape || cancel {
                        state.renaming = None;
                    } else if save {
                        let name = text.trim().to_string();
                        if !name.is_empty() && Some(name.as_str()) != person.name.as_deref() {
                            frame.actions.push(Action::Mutate(Mutation::Name(id, name)));
                        }
                        state.renaming = None;
                    }
                }
                None => {
                    let title = person.name.clone().unwrap_or_else(|| "Unnamed".into());
                    let label = ui
                        .add(
                            egui::Label::new(RichText::new(&title).size(24.0).strong())
                                .sense(egui::Sense::click()),
                        )
                        .on_hover_text("Double-click or F2 to rename");
                    let f2 = ui.input(|i| i.key_pressed(Key::F2))
                        && !ui.ctx().egui_wants_keyboard_input();
                    if label.double_clicked() || f2 {
                        state.renaming = Some(person.name.clone().unwrap_or_default());
                    }
                    let rename = if person.name.is_some() {
                        "Rename"
                    } else {
                        "Name this person"
                    };
                    if ui.button(rename).clicked() {
                        state.renaming = Some(person.name.clone().unwrap_or_default());
                    }
                }
            }
            let suggested = faces
                .iter()
                .filter(|f| f.state == FaceState::Suggested)
                .count();
            ui.label(
                RichText::new(format!(
                    "{} · {}{}",
                    count(person.photos, "photo", "photos"),
                    count(person.faces, "face", "faces"),
                    if suggested > 0 {
                        format!(" · {suggested} to confirm")
                    } else {
                        String::new()
                    }
                ))
                .weak(),
            );
        }
        RowPart::Right => {
            if frame.data.next_unnamed(id, &Default::default()).is_some()
                && ui
                    .button("Next unnamed ⏵")
                    .on_hover_text("The next unnamed person to name, largest first")
                    .clicked()
            {
                frame.actions.push(Action::NextUnnamed(id));
            }
            if ui.button("Export album…").clicked() {
                frame.actions.push(Action::ExportPeople(vec![id]));
            }
            let hide = if person.hidden {
                "Show person"
            } else {
                "Hide person"
            };
            if ui.button(hide).clicked() {
                frame.actions.push(Action::Mutate(Mutation::SetHidden(
                    vec![id],
                    !person.hidden,
                )));
            }
            if person.name.is_some() && ui.button("Review suggestions").clicked() {
                frame
                    .actions
                    .push(Action::LoadSuggestions(ReviewOf::Person(id)));
                frame.actions.push(Action::Go(View::Review));
            }
        }
    });
}

fn faces_tab(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PersonViewState,
    id: PersonId,
    faces: &[PersonFace],
) {
    if faces.is_empty() {
        ui.spinner();
        return;
    }
    state.selection.select_all_on_ctrl_a(ui, faces);
    selection_bar(ui, frame, state, id, faces);
    ui.add_space(4.0);
    let extended = virtual_grid(
        ui,
        "person-faces",
        faces.len(),
        frame.settings.face_size,
        |ui, i, side| {
            let face = &faces[i];
            let look = TileLook {
                selected: state.selection.selected.contains(&face.face),
                suggested: face.state == FaceState::Suggested,
            };
            let label = format!(
                "Face {} {}",
                face.face,
                if look.suggested { "(suggested)" } else { "" }
            );
            let response = face_tile(ui, frame.faces, face.face, side, look, label.trim_end());
            if face_tile_used(ui, &response, &mut state.selection, faces, i) {
                frame.actions.push(Action::Go(View::Photo {
                    photo: face.photo,
                    siblings: photos_of(faces),
                }));
            }
            let response = response.on_hover_text(format!(
                "{}\n{}Double-click (or Enter) to open the photo",
                shown_path(&face.path),
                match (face.state, face.distance) {
                    (FaceState::Suggested, Some(d)) => format!("Suggested (distance {d:.2}). "),
                    (FaceState::Suggested, None) => "Suggested. ".into(),
                    _ => String::new(),
                }
            ));
            response.context_menu(|ui| {
                if ui.button("Open photo").clicked() {
                    frame.actions.push(Action::Go(View::Photo {
                        photo: face.photo,
                        siblings: photos_of(faces),
                    }));
                }
                if ui.button("Show in folder").clicked() {
                    frame
                        .actions
                        .push(Action::Launch(Launch::ShowInFolder(face.path.clone())));
                }
                if ui.button("Set as key face").clicked() {
                    frame
                        .actions
                        .push(Action::Mutate(Mutation::SetKeyFace(id, face.face)));
                }
                if ui.button("Not this person").clicked() {
                    frame.actions.push(Action::Mutate(Mutation::Reject {
                        faces: vec![face.face],
                        from: Some(id),
                    }));
                }
            });
            response
        },
    );
    if let Some(extend) = extended {
        state.selection.extend_by_keyboard(faces, extend);
    }
}

fn selection_bar(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PersonViewState,
    id: PersonId,
    faces: &[PersonFace],
) {
    let data = frame.data;
    let selected = state.selection.in_order(faces);
    let suggested_selected = faces
        .iter()
        .filter(|f| state.selection.selected.contains(&f.face) && f.state == FaceState::Suggested)
        .count();
    theme::selection_bar_frame().show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if selected.is_empty() {
                ui.label(
                    RichText::new(
                        "Select faces to correct them — click, Shift+click, Ctrl+click, Ctrl+A. \
                             Faces marked ? are suggestions.",
                    )
                    .weak(),
                );
                if faces.iter().any(|f| f.state == FaceState::Suggested)
                    && data.person(id).is_some_and(|p| p.name.is_some())
                    && ui.button("Confirm all suggestions").clicked()
                {
                    let suggested: Vec<FaceId> = faces
                        .iter()
                        .filter(|f| f.state == FaceState::Suggested)
                        .map(|f| f.face)
                        .collect();
                    frame.actions.push(Action::Mutate(Mutation::Move {
                        faces: suggested,
                        to: id,
                    }));
                }
                return;
            }
            ui.label(
                RichText::new(count(selected.len(), "face selected", "faces selected")).strong(),
            );
            ui.separator();
            if suggested_selected > 0 && ui.button("Confirm").clicked() {
                frame.actions.push(Action::Mutate(Mutation::Move {
                    faces: selected.clone(),
                    to: id,
                }));
            }
            // Delete says it too (Ctrl+Z takes it back), unless a name is being typed.
            let delete =
                !ui.ctx().egui_wants_keyboard_input() && ui.input(|i| i.key_pressed(Key::Delete));
            if ui
                .button("Not this person")
                .on_hover_text("These faces will never be suggested for this person again (Delete)")
                .clicked()
                || delete
            {
                frame.actions.push(Action::Mutate(Mutation::Reject {
                    faces: selected.clone(),
                    from: Some(id),
                }));
                state.selection.selected.clear();
            }
            ui.menu_button("Move to…", |ui| {
                let others = data.named_people().into_iter().filter(|p| p.id != id);
                if let Some(to) = pick_person(ui, "move-to", others) {
                    frame.actions.push(Action::Mutate(Mutation::Move {
                        faces: selected.clone(),
                        to,
                    }));
                    state.selection.selected.clear();
                }
                ui.separator();
                ui.label("New person:");
                let field = ui.add(
                    egui::TextEdit::singleline(&mut state.new_person_name)
                        .hint_text("Name")
                        .desired_width(160.0),
                );
                field.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "New person name")
                });
                if ui.button("Move to new person").clicked() {
                    let name = state.new_person_name.trim().to_string();
                    frame.actions.push(Action::Mutate(Mutation::Split {
                        faces: selected.clone(),
                        name: (!name.is_empty()).then_some(name),
                    }));
                    state.new_person_name.clear();
                    state.selection.selected.clear();
                }
            });
            if ui
                .button("Split into new person")
                .on_hover_text("These faces become a person of their own")
                .clicked()
            {
                frame.actions.push(Action::Mutate(Mutation::Split {
                    faces: selected.clone(),
                    name: None,
                }));
                state.selection.selected.clear();
            }
            ui.menu_button("Merge into…", |ui| {
                ui.label(RichText::new("Move this whole person into:").weak());
                let others = data.named_people().into_iter().filter(|p| p.id != id);
                if let Some(into) = pick_person(ui, "merge-into", others) {
                    frame.actions.push(Action::Mutate(Mutation::Merge {
                        from: vec![id],
                        into,
                    }));
                    state.selection.selected.clear();
                }
            });
            if ui
                .button("Ignore")
                .on_hover_text(
                    "Not a face, or a stranger: out of People, never matched again (listed under \
                         \"faces ignored\" on the People page, should one matter after all)",
                )
                .clicked()
            {
                frame
                    .actions
                    .push(Action::Mutate(Mutation::Ignore(selected.clone())));
                state.selection.selected.clear();
            }
            if selected.len() == 1 && ui.button("Set as key face").clicked() {
                frame
                    .actions
                    .push(Action::Mutate(Mutation::SetKeyFace(id, selected[0])));
            }
            if ui.button("Select none").clicked() {
                state.selection.selected.clear();
            }
        });
    });
}

fn photos_tab(ui: &mut egui::Ui, frame: &mut Frame, state: &mut PersonViewState, id: PersonId) {
    let data = frame.data;
    ui.horizontal(|ui| {
        ui.label("Together with:");
        let mut changed = false;
        let mut remove = None;
        for other in &state.together {
            if ui
                .button(format!("{} ×", data.display_name(*other)))
                .on_hover_text("Remove from the filter")
                .clicked()
            {
                remove = Some(*other);
            }
        }
        if let Some(r) = remove {
            state.together.retain(|p| *p != r);
            changed = true;
        }
        ui.menu_button("Add person…", |ui| {
            let others = data
                .named_people()
                .into_iter()
                .filter(|p| p.id != id && !state.together.contains(&p.id));
            if let Some(other) = pick_person(ui, "together-with", others) {
                state.together.push(other);
                changed = true;
            }
        });
        if changed {
            let mut ids = vec![id];
            ids.extend(&state.together);
            frame.actions.push(Action::LoadPhotosOf(ids));
        }
    });
    ui.add_space(6.0);
    let mut wanted = vec![id];
    wanted.extend(&state.together);
    let photos = match &data.photos {
        Some((ids, photos)) if *ids == wanted => photos,
        _ => {
            ui.spinner();
            return;
        }
    };
    if photos.is_empty() {
        empty_state(
            ui,
            "No photos",
            "No photo shows all of these people together.",
        );
        return;
    }
    dated_photo_grid(ui, frame, "person-photos", photos, None);
}
