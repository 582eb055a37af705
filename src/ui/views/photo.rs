//! One photo, upright, with a box and a name on every face; click a box to name the face,
//! move it to someone, say it is not them, or ignore it. Left/Right step through the photos
//! it was opened from.

use egui::{Color32, Key, Pos2, Rect, RichText, Stroke, StrokeKind, Vec2};

use super::{Frame, button_known_as, empty_state, shown_path};
use crate::library::store::PhotoId;
use crate::people::ops::{FaceState, PhotoFace};
use crate::ui::backend::Mutation;
use crate::ui::launch::Launch;
use crate::ui::state::{Action, PhotoViewState, View};
use crate::ui::theme;

pub fn show(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PhotoViewState,
    photo: PhotoId,
    siblings: &[PhotoId],
) {
    let data = frame.data;
    // The photo's record and faces, once the library thread has sent them.
    let loaded = data.photo.as_ref().filter(|(r, _)| r.id == photo);
    let position = siblings.iter().position(|p| *p == photo);
    let step = |delta: isize| {
        position.and_then(|i| {
            let j = i as isize + delta;
            (0..siblings.len() as isize)
                .contains(&j)
                .then(|| siblings[j as usize])
        })
    };
    let (prev, next) = (step(-1), step(1));
    let go = |target: PhotoId| {
        Action::Go(View::Photo {
            photo: target,
            siblings: siblings.to_vec(),
        })
    };

    ui.horizontal(|ui| {
        if ui.button("⏴ Back").clicked() {
            frame.actions.push(Action::Back);
        }
        if ui
            .add_enabled(prev.is_some(), egui::Button::new("◀ Previous"))
            .clicked()
            && let Some(p) = prev
        {
            frame.actions.push(go(p));
        }
        if ui
            .add_enabled(next.is_some(), egui::Button::new("Next ▶"))
            .clicked()
            && let Some(p) = next
        {
            frame.actions.push(go(p));
        }
        if let Some(i) = position {
            ui.label(RichText::new(format!("{} of {}", i + 1, siblings.len())).weak());
        }
        let Some((record, _)) = loaded else {
            return;
        };
        // The photo's own actions keep to the right edge whatever the length of its path.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            // A photo that should not be in the library at all (a screenshot, a scanned
            // magazine) is usually one of a folder of them.
            if let Some(folder) = record.path.parent().filter(|folder| {
                data.folders
                    .iter()
                    .any(|root| folder.starts_with(&root.path) && *folder != root.path)
            }) {
                let name = folder
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                let leave_out = ui
                    .add_enabled(
                        data.scan.is_none(),
                        egui::Button::new(format!("Leave out “{name}”")).small(),
                    )
                    .on_hover_text(format!(
                        "Leave the folder {} out of the library: its faces leave People and \
                         scans pass it over (Ctrl+Z or Folders takes it back in)",
                        folder.display()
                    ))
                    .on_disabled_hover_text("After the scan");
                button_known_as(&leave_out, format!("Leave out the folder {name}"));
                if leave_out.clicked() {
                    frame
                        .actions
                        .push(Action::ExcludeFolder(folder.to_path_buf()));
                    frame.actions.push(Action::Back);
                }
            }
            if ui
                .small_button("Show in folder")
                .on_hover_text("Show the photo in your file manager")
                .clicked()
            {
                frame
                    .actions
                    .push(Action::Launch(Launch::ShowInFolder(record.path.clone())));
            }
            // To edit, print or share it, the photo goes to the user's own apps.
            if ui
                .small_button("Open")
                .on_hover_text("Open the photo in your photo viewer")
                .clicked()
            {
                frame
                    .actions
                    .push(Action::Launch(Launch::Open(record.path.clone())));
            }
        });
    });
    if let Some((record, _)) = loaded {
        ui.horizontal(|ui| {
            let file_name = record
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            ui.label(RichText::new(file_name).strong());
            if let Some(taken) = &record.taken_at {
                if record.dated_by_name {
                    ui.label(RichText::new(format!("dated {taken} by its file name")).weak())
                        .on_hover_text(
                            "The photo's metadata has no date; its file name gives this one \
                             (a messaging app's copy or a screenshot is named when it was \
                             sent or saved)",
                        );
                } else {
                    ui.label(RichText::new(format!("taken {taken}")).weak());
                }
            }
            if let Some(camera) = &record.camera {
                ui.label(RichText::new(camera).weak());
            }
            // Last, as the one thing that may be cut short; the whole path on hover.
            if let Some(folder) = record.path.parent() {
                ui.add(
                    egui::Label::new(RichText::new(format!("in {}", shown_path(folder))).weak())
                        .truncate(),
                )
                .on_hover_text(shown_path(&record.path));
            }
        });
    }
    if state.editing.is_none() && !ui.ctx().egui_wants_keyboard_input() {
        let (left, right) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowLeft),
                i.key_pressed(Key::ArrowRight),
            )
        });
        if left && let Some(p) = prev {
            frame.actions.push(go(p));
        }
        if right && let Some(p) = next {
            frame.actions.push(go(p));
        }
    }
    ui.add_space(6.0);

    let Some((record, faces)) = loaded else {
        ui.centered_and_justified(|ui| ui.spinner());
        return;
    };
    let texture = match &data.photo_image {
        Some((id, Ok(texture))) if *id == photo => texture,
        Some((id, Err(e))) if *id == photo => {
            empty_state(ui, "This photo cannot be shown", e);
            return;
        }
        _ => {
            ui.centered_and_justified(|ui| ui.spinner());
            return;
        }
    };
    // Face rects are in the full-size upright photo; the texture may be smaller.
    let full = Vec2::new(
        record.width.unwrap_or(texture.size()[0] as u32) as f32,
        record.height.unwrap_or(texture.size()[1] as u32) as f32,
    );
    let available = ui.available_size() - Vec2::new(0.0, 4.0);
    let scale = (available.x / full.x).min(available.y / full.y).min(4.0);
    let shown = full * scale;
    let (area, _) = ui.allocate_exact_size(available, egui::Sense::hover());
    let image_rect = Rect::from_center_size(area.center(), shown);
    egui::Image::from_texture(texture)
        .corner_radius(4.0)
        .paint_at(ui, image_rect);

    let to_screen = |x: i64, y: i64| {
        Pos2::new(
            image_rect.left() + x as f32 * scale,
            image_rect.top() + y as f32 * scale,
        )
    };
    for face in faces {
        let rect = Rect::from_min_max(
            to_screen(face.rect.left, face.rect.top),
            to_screen(face.rect.right + 1, face.rect.bottom + 1),
        );
        let id = ui.make_persistent_id(("photo-face", face.face));
        let response = ui.interact(rect, id, egui::Sense::click());
        let name = face_label(face);
        button_known_as(&response, format!("Face of {name}"));
        let color = match face.state {
            FaceState::Confirmed => theme::ACCENT,
            FaceState::Suggested => theme::SUGGESTED,
            FaceState::Ignored => Color32::from_gray(120),
            FaceState::Unassigned => Color32::from_gray(220),
        };
        let width = if response.hovered() { 3.0 } else { 2.0 };
        ui.painter()
            .rect_stroke(rect, 3.0, Stroke::new(width, color), StrokeKind::Outside);
        let galley = ui.painter().layout_no_wrap(
            name.clone(),
            egui::FontId::proportional(13.0),
            Color32::WHITE,
        );
        let label_rect = Rect::from_min_size(
            Pos2::new(rect.left(), rect.bottom() + 3.0),
            galley.size() + Vec2::new(10.0, 4.0),
        );
        ui.painter()
            .rect_filled(label_rect, 4.0, color.linear_multiply(0.85));
        ui.painter()
            .galley(label_rect.min + Vec2::new(5.0, 2.0), galley, Color32::WHITE);
        if response.clicked() {
            state.editing = Some((face.face, face.person_name.clone().unwrap_or_default()));
        }
    }
    if let Some((face_id, _)) = &state.editing
        && let Some(face) = faces.iter().find(|f| f.face == *face_id)
    {
        let anchor = to_screen(face.rect.right + 1, face.rect.top);
        face_editor(ui, frame, state, face, anchor + Vec2::new(10.0, 0.0));
    }
}

fn face_label(face: &PhotoFace) -> String {
    match (&face.person_name, face.state) {
        (_, FaceState::Ignored) => "Ignored".into(),
        (Some(name), FaceState::Suggested) => format!("{name}?"),
        (Some(name), _) => name.clone(),
        (None, _) => "Unnamed".into(),
    }
}

/// The little window that opens on a clicked face.
fn face_editor(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PhotoViewState,
    face: &PhotoFace,
    at: Pos2,
) {
    let mut close = false;
    let data = frame.data;
    egui::Area::new(egui::Id::unique("face-editor"))
        .fixed_pos(at)
        .order(egui::Order::Foreground)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_width(240.0);
                ui.label(RichText::new("Who is this?").strong());
                let Some((_, name)) = &mut state.editing else {
                    return;
                };
                let field = ui.add(
                    egui::TextEdit::singleline(name)
                        .hint_text("Type a name")
                        .desired_width(220.0),
                );
                field.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Face name")
                });
                // Names that match what is typed, to pick instead of retyping.
                for p in data.named_people_matching(name).into_iter().take(5) {
                    if ui.button(p.name.as_deref().unwrap_or_default()).clicked() {
                        frame.actions.push(Action::Mutate(Mutation::Move {
                            faces: vec![face.face],
                            to: p.id,
                        }));
                        close = true;
                    }
                }
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                ui.horizontal(|ui| {
                    if (ui.button("Save").clicked() || enter) && !name.trim().is_empty() {
                        frame.actions.push(Action::Mutate(Mutation::AssignToName {
                            faces: vec![face.face],
                            name: name.trim().to_string(),
                        }));
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
                ui.separator();
                if let Some(person) = face.person
                    && face.state != FaceState::Ignored
                {
                    let who = face
                        .person_name
                        .clone()
                        .unwrap_or_else(|| "this person".into());
                    if ui.button(format!("Not {who}")).clicked() {
                        frame.actions.push(Action::Mutate(Mutation::Reject {
                            faces: vec![face.face],
                            from: Some(person),
                        }));
                        close = true;
                    }
                    if face.state == FaceState::Suggested
                        && ui.button(format!("Yes, {who}")).clicked()
                    {
                        frame.actions.push(Action::Mutate(Mutation::Move {
                            faces: vec![face.face],
                            to: person,
                        }));
                        close = true;
                    }
                    if ui.button(format!("Open {who}")).clicked() {
                        frame.actions.push(Action::Go(View::Person(person)));
                        close = true;
                    }
                }
                if face.state != FaceState::Ignored && ui.button("Ignore this face").clicked() {
                    frame
                        .actions
                        .push(Action::Mutate(Mutation::Ignore(vec![face.face])));
                    close = true;
                }
            });
        });
    if close || ui.input(|i| i.key_pressed(Key::Escape)) {
        state.editing = None;
    }
}
