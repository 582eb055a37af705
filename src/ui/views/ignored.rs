//! The faces the user ignored ("not a face, or a stranger"), where an ignore made in haste is
//! found again: select faces to name them, or to take them back to be matched again.

use egui::{Key, RichText};

use super::{
    Frame, TileLook, button_known_as, count, empty_state, face_tile, face_tile_used, page_heading,
    photos_of, shown_path, virtual_grid,
};
use crate::people::ops::PersonFace;
use crate::ui::backend::Mutation;
use crate::ui::launch::Launch;
use crate::ui::state::{Action, IgnoredViewState, View};
use crate::ui::theme;

pub fn show(ui: &mut egui::Ui, frame: &mut Frame, state: &mut IgnoredViewState) {
    ui.horizontal(|ui| {
        if ui.button("⏴ Back").clicked() {
            frame.actions.push(Action::Back);
        }
    });
    page_heading(ui, "Ignored faces", "");
    let Some(faces) = &frame.data.ignored_faces else {
        ui.spinner();
        return;
    };
    if faces.is_empty() {
        empty_state(
            ui,
            "No ignored faces",
            "Faces you ignore (not a face, or a stranger) wait here, in case one matters after all.",
        );
        return;
    }
    ui.label(
        RichText::new(format!(
            "{} ignored as not a face or a stranger, by photo. Select the ones that matter \
             after all to name them, or to take them back among the faces Kindred matches.",
            count(faces.len(), "face", "faces")
        ))
        .weak(),
    );
    ui.add_space(4.0);
    state.selection.select_all_on_ctrl_a(ui, faces);
    selection_bar(ui, frame, state, faces);
    ui.add_space(4.0);
    let photos = photos_of(faces);
    let extended = virtual_grid(
        ui,
        "ignored-faces",
        faces.len(),
        frame.settings.face_size,
        |ui, i, side| {
            let face = &faces[i];
            let look = TileLook {
                selected: state.selection.selected.contains(&face.face),
                suggested: false,
            };
            let label = format!("Face {}", face.face);
            let response = face_tile(ui, frame.faces, face.face, side, look, &label);
            let open_photo = || {
                Action::Go(View::Photo {
                    photo: face.photo,
                    siblings: photos.clone(),
                })
            };
            if face_tile_used(ui, &response, &mut state.selection, faces, i) {
                frame.actions.push(open_photo());
            }
            let response = response.on_hover_text(format!(
                "{}\nDouble-click (or Enter) to open the photo",
                shown_path(&face.path)
            ));
            response.context_menu(|ui| {
                if ui.button("Open photo").clicked() {
                    frame.actions.push(open_photo());
                }
                if ui.button("Show in folder").clicked() {
                    frame
                        .actions
                        .push(Action::Launch(Launch::ShowInFolder(face.path.clone())));
                }
                if ui.button("Not ignored").clicked() {
                    frame
                        .actions
                        .push(Action::Mutate(Mutation::Unignore(vec![face.face])));
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
    state: &mut IgnoredViewState,
    faces: &[PersonFace],
) {
    let selected = state.selection.in_order(faces);
    theme::selection_bar_frame().show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if selected.is_empty() {
                ui.label(
                    RichText::new("Select faces — click, Shift+click, Ctrl+click, Ctrl+A.").weak(),
                );
                return;
            }
            ui.label(
                RichText::new(count(selected.len(), "face selected", "faces selected")).strong(),
            );
            ui.separator();
            let field = ui.add(
                egui::TextEdit::singleline(&mut state.name)
                    .hint_text("Who is it?")
                    .desired_width(160.0),
            );
            field.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Name for these faces")
            });
            let name = state.name.trim().to_string();
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            let give = ui
                .add_enabled(!name.is_empty(), egui::Button::new("Name"))
                .on_hover_text(
                    "Give these faces to the person of this name (someone new if no one has it)",
                );
            if (give.clicked() || entered) && !name.is_empty() {
                frame.actions.push(Action::Mutate(Mutation::AssignToName {
                    faces: selected.clone(),
                    name,
                }));
                state.name.clear();
                state.selection.selected.clear();
            }
            // The people already named who match what is typed: one click gives the faces
            // to them, rather than spelling the name out.
            let offers: Vec<String> = frame
                .data
                .named_people_matching(&state.name)
                .into_iter()
                .filter_map(|p| p.name.clone())
                .filter(|their| !their.eq_ignore_ascii_case(state.name.trim()))
                .take(6)
                .collect();
            for their in offers {
                let pick = ui.button(&their);
                button_known_as(&pick, format!("Give them to {their}"));
                if pick.clicked() {
                    frame.actions.push(Action::Mutate(Mutation::AssignToName {
                        faces: selected.clone(),
                        name: their,
                    }));
                    state.name.clear();
                    state.selection.selected.clear();
                }
            }
            ui.separator();
            if ui
                .button("Not ignored")
                .on_hover_text(
                    "Back among the faces Kindred matches: each goes to the person it looks like, \
                         or to a group of its own",
                )
                .clicked()
            {
                frame
                    .actions
                    .push(Action::Mutate(Mutation::Unignore(selected.clone())));
                state.selection.selected.clear();
            }
            if ui.button("Select none").clicked() {
                state.selection.selected.clear();
            }
        });
    });
}
