//! One photo, upright, with a box and a name on every face; click a box to name the face,
//! move it to someone, say it is not them, or ignore it; draw a box around a face the
//! detector missed to add it. Left/Right step through the photos it was opened from;
//! Ctrl+scroll, a pinch, + / − or a double-click zoom in on a crowd, and dragging moves about.

use egui::{Color32, Key, Pos2, Rect, RichText, Stroke, StrokeKind, Vec2};

use super::{
    Frame, RowPart, TileLook, button_known_as, empty_state, face_tile, one_line, own_name,
    shown_path, split_row,
};
use crate::library::store::{PhotoId, PhotoRecord};
use crate::library::turn::Turn;
use crate::people::ops::{FaceState, PhotoFace};
use crate::ui::backend::{Mutation, NoPicture};
use crate::ui::launch::Launch;
use crate::ui::state::{Action, PhotoViewState, PhotoZoom, View};
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
    // Nothing to open, show or draw on while the file is not there.
    let not_there =
        matches!(&data.photo_image, Some((id, _, Err(NoPicture::NotThere))) if *id == photo);
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

    // The photo's own actions keep to the right edge whatever the length of its path, and go
    // below the buttons that step through the photos in a window too narrow for both.
    split_row(ui, "photo-header", |ui, part| match part {
        RowPart::Left => {
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
        }
        RowPart::Right => {
            let Some((record, _)) = loaded else {
                return;
            };
            // A photo that should not be in the library at all (a screenshot, a scanned
            // magazine) is usually one of a folder of them.
            if let Some(folder) = record.path.parent().filter(|folder| {
                data.folders
                    .iter()
                    .any(|root| folder.starts_with(&root.path) && *folder != root.path)
            }) {
                let name = own_name(folder);
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
                .add_enabled(!not_there, egui::Button::new("Show in folder").small())
                .on_hover_text("Show the photo in your file manager")
                .clicked()
            {
                frame
                    .actions
                    .push(Action::Launch(Launch::ShowInFolder(record.path.clone())));
            }
            // To edit, print or share it, the photo goes to the user's own apps.
            if ui
                .add_enabled(!not_there, egui::Button::new("Open").small())
                .on_hover_text("Open the photo in your photo viewer")
                .clicked()
            {
                frame
                    .actions
                    .push(Action::Launch(Launch::Open(record.path.clone())));
            }
        }
    });
    if let Some((record, _)) = loaded {
        ui.horizontal(|ui| {
            ui.label(RichText::new(own_name(&record.path)).strong());
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
            if record.turn != Turn::NONE {
                ui.label(RichText::new(format!("{} in Kindred", record.turn.in_words())).weak())
                    .on_hover_text(
                        "Kindred shows this photo turned, as you asked; the file is not changed, \
                         and other apps show it as the file has it",
                    );
            }
            if !not_there {
                add_face_button(ui, frame, state, record);
                turn_buttons(ui, frame, state, photo);
            }
            if state.zoom.is_some_and(|(id, _)| id == photo)
                && ui
                    .small_button("Whole photo")
                    .on_hover_text("See the whole photo again (0, or double-click it)")
                    .clicked()
            {
                state.zoom = None;
            }
            // Last, as the one thing that may be cut short; the whole path on hover.
            // A click opens the folder's page: the photos taken with this one.
            if let Some(folder) = record.path.parent() {
                let in_folder = ui
                    .add(
                        egui::Label::new(
                            RichText::new(format!("in {}", shown_path(folder))).weak(),
                        )
                        .truncate()
                        .sense(egui::Sense::click()),
                    )
                    .on_hover_cursor(egui::CursorIcon::PointingHand)
                    .on_hover_text(format!(
                        "{}\nClick for the folder's photos and who is in them",
                        shown_path(&record.path)
                    ));
                let name = own_name(folder);
                button_known_as(&in_folder, format!("Open folder {name}"));
                if in_folder.clicked() {
                    frame
                        .actions
                        .push(Action::Go(View::Folder(folder.to_path_buf())));
                }
            }
        });
    }
    // Keys step and zoom unless a name is being typed.
    let keys_free = state.editing.is_none() && !ui.ctx().egui_wants_keyboard_input();
    if keys_free {
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
        let (turn_left, turn_right) = ui.input(|i| {
            (
                i.key_pressed(Key::OpenBracket),
                i.key_pressed(Key::CloseBracket),
            )
        });
        let busy = state.adding.is_some_and(|(p, _)| p == photo);
        if loaded.is_some() && !not_there && !busy {
            if turn_left {
                frame.actions.push(Action::TurnPhoto(photo, Turn::LEFT));
            } else if turn_right {
                frame.actions.push(Action::TurnPhoto(photo, Turn::RIGHT));
            }
        }
    }
    ui.add_space(6.0);

    let Some((record, faces)) = loaded else {
        ui.centered_and_justified(|ui| ui.spinner());
        return;
    };
    let texture = match &data.photo_image {
        Some((id, _, Ok(texture))) if *id == photo => texture,
        Some((id, _, Err(NoPicture::NotThere))) if *id == photo => {
            photo_not_there(ui, frame, record, faces);
            return;
        }
        Some((id, _, Err(NoPicture::Unreadable(e)))) if *id == photo => {
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
    // At least a point each way, so a window squeezed to nothing still has a scale to divide by.
    let available = (ui.available_size() - Vec2::new(0.0, 4.0)).max(Vec2::splat(1.0));
    let (area, background) = ui.allocate_exact_size(available, egui::Sense::click_and_drag());
    background.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "The photo"));
    let mut zoom = state
        .zoom
        .filter(|(id, _)| *id == photo)
        .map(|(_, zoom)| zoom);
    let drawing = state.drawing == Some(photo);
    zoom = zoom_input(ui, &background, keys_free, !drawing, area, full, zoom);
    let (image_rect, scale, zoom) = placement(area, full, zoom);
    state.zoom = zoom.map(|zoom| (photo, zoom));
    if drawing && background.hovered() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
    } else if zoom.is_some() && background.hovered() {
        ui.ctx().set_cursor_icon(if background.dragged() {
            egui::CursorIcon::Grabbing
        } else {
            egui::CursorIcon::Grab
        });
    }
    // The picture is at most PHOTO_VIEW_MAX_SIDE pixels a side; zoomed in past that, the
    // photo is read again with all its pixels (as many as a texture may have), once.
    let texels_shown = full.x * scale * ui.ctx().pixels_per_point();
    let [texture_width, texture_height] = texture.size();
    let sharpest = (full.x.max(full.y) as usize).min(ui.ctx().input(|i| i.max_texture_side));
    if texels_shown > texture_width as f32 * 1.25
        && sharpest > texture_width.max(texture_height)
        && state.sharper_asked != Some(photo)
    {
        state.sharper_asked = Some(photo);
        frame
            .actions
            .push(Action::SharperPhoto(photo, sharpest as u32));
    }
    // Zoomed in, the photo and its boxes stay inside the view.
    let outer_clip = ui.clip_rect();
    ui.set_clip_rect(area.intersect(outer_clip));
    egui::Image::from_texture(texture)
        .corner_radius(if zoom.is_some() { 0.0 } else { 4.0 })
        .paint_at(ui, image_rect);

    let to_screen = |x: i64, y: i64| {
        Pos2::new(
            image_rect.left() + x as f32 * scale,
            image_rect.top() + y as f32 * scale,
        )
    };
    let shown: Vec<(&PhotoFace, Rect)> = faces
        .iter()
        .map(|face| {
            let rect = Rect::from_min_max(
                to_screen(face.rect.left, face.rect.top),
                to_screen(face.rect.right + 1, face.rect.bottom + 1),
            );
            (face, rect)
        })
        .filter(|(_, rect)| rect.intersects(area))
        .collect();
    // Names are cut short ("…") to a little more than their box, so that in a crowd they stay
    // by their own face.
    let galleys: Vec<_> = shown
        .iter()
        .map(|(face, rect)| {
            let max_width = (rect.width() + 24.0).max(72.0);
            one_line(
                ui.painter(),
                face_label(face),
                13.0,
                Color32::WHITE,
                max_width,
            )
        })
        .collect();
    let boxes: Vec<Rect> = shown.iter().map(|(_, rect)| *rect).collect();
    let label_sizes: Vec<Vec2> = galleys
        .iter()
        .map(|galley| galley.size() + Vec2::new(10.0, 4.0))
        .collect();
    let labels = place_labels(&boxes, &label_sizes, area);
    for (i, &(face, rect)) in shown.iter().enumerate() {
        let id = ui.make_persistent_id(("photo-face", face.face));
        // While a face is drawn, a drag over another face's box still draws.
        let sense = if drawing {
            egui::Sense::hover()
        } else {
            egui::Sense::click()
        };
        let response = ui.interact(rect, id, sense);
        let name = face_label(face);
        button_known_as(&response, format!("Face of {name}"));
        let color = box_color(face.state);
        let width = if response.hovered() { 3.0 } else { 2.0 };
        ui.painter()
            .rect_stroke(rect, 3.0, Stroke::new(width, color), StrokeKind::Outside);
        // Tab goes from face to face too (Enter opens its menu): the one with the keyboard
        // has a second, white ring.
        if response.has_focus() {
            ui.painter().rect_stroke(
                rect.expand(4.0),
                5.0,
                Stroke::new(2.0, Color32::WHITE),
                StrokeKind::Outside,
            );
        }
        // A name without room by its face, or cut short, shows whole by the pointer.
        let response = if labels[i].is_none() || galleys[i].elided {
            response.on_hover_text(&name)
        } else {
            response
        };
        if response.clicked() {
            state.editing = Some((face.face, face.person_name.clone().unwrap_or_default()));
        }
    }
    // The names after all the boxes, so that no box is drawn over a name.
    for ((label, galley), (face, _)) in labels.into_iter().zip(galleys).zip(&shown) {
        if let Some(label_rect) = label {
            let color = box_color(face.state);
            ui.painter()
                .rect_filled(label_rect, 4.0, color.linear_multiply(0.85));
            ui.painter()
                .galley(label_rect.min + Vec2::new(5.0, 2.0), galley, Color32::WHITE);
        }
    }
    if drawing {
        draw_face_box(
            ui,
            frame,
            state,
            photo,
            &background,
            image_rect,
            scale,
            full,
        );
    }
    ui.set_clip_rect(outer_clip);
    if let Some((face_id, _)) = &state.editing
        && let Some(face) = faces.iter().find(|f| f.face == *face_id)
    {
        let anchor = to_screen(face.rect.right + 1, face.rect.top);
        face_editor(ui, frame, state, face, anchor + Vec2::new(10.0, 0.0));
    }
}

/// The most a photo is zoomed: 8× the size at which it fits, enough for the smallest face
/// the detector finds in a 12-megapixel group photo to fill a good part of the view.
const MAX_ZOOM: f32 = 8.0;
/// One press of + or −.
const ZOOM_STEP: f32 = 1.5;
/// A double-click on the photo zooms to this (and back to fitted).
const DOUBLE_CLICK_ZOOM: f32 = 3.0;

/// A photo whose file is not where the library has it: why that may be, and who is in it,
/// from the faces the library keeps.
fn photo_not_there(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    record: &PhotoRecord,
    faces: &[PhotoFace],
) {
    empty_state(
        ui,
        "This photo is not there",
        &format!(
            "{} is not where it was: on a drive not connected, or moved or deleted? Its faces \
             and names are kept; a scan finds it again if it moved within your photo folders.",
            shown_path(&record.path)
        ),
    );
    let faces: Vec<&PhotoFace> = faces
        .iter()
        .filter(|f| f.state != FaceState::Ignored)
        .collect();
    if faces.is_empty() {
        return;
    }
    ui.add_space(16.0);
    const SIDE: f32 = 96.0;
    let width = faces.len() as f32 * (SIDE + 12.0) - 12.0;
    ui.horizontal(|ui| {
        ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
        for face in faces {
            let under = egui::Layout::top_down(egui::Align::Center);
            ui.allocate_ui_with_layout(Vec2::new(SIDE, SIDE + 24.0), under, |ui| {
                let look = TileLook {
                    selected: false,
                    suggested: face.state == FaceState::Suggested,
                };
                let name = face.person_name.as_deref().unwrap_or("Unnamed");
                let tile = face_tile(
                    ui,
                    frame.faces,
                    face.face,
                    SIDE,
                    look,
                    &format!("Face {name}"),
                );
                // As the photo's face boxes say it: "Anna?" for a suggestion.
                ui.add(egui::Label::new(RichText::new(face_label(face)).weak()).truncate());
                if let Some(person) = face.person
                    && tile.on_hover_text(format!("Open {name}")).clicked()
                {
                    frame.actions.push(Action::Go(View::Person(person)));
                }
            });
            ui.add_space(12.0 - ui.spacing().item_spacing.x);
        }
    });
}

/// "Add a face" (drawing on, or off again) and "Look closer" (unless a look found no face
/// already); while faces are found, a spinner.
fn add_face_button(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PhotoViewState,
    record: &PhotoRecord,
) {
    let photo = record.id;
    if let Some((_, doing)) = state.adding.filter(|(p, _)| *p == photo) {
        ui.spinner();
        ui.label(RichText::new(doing).weak());
    } else if state.drawing == Some(photo) {
        if ui
            .small_button("Stop adding")
            .on_hover_text("Stop drawing (Esc)")
            .clicked()
        {
            state.drawing = None;
            state.draw_from = None;
        }
        ui.label(RichText::new("Drag a box around the face").color(theme::ACCENT));
    } else {
        if ui
            .small_button("Add a face")
            .on_hover_text(
                "Kindred missed a face (small, blurred or turned away)? Draw a box around it",
            )
            .clicked()
        {
            state.drawing = Some(photo);
            state.editing = None;
        }
        let look = egui::Button::new("Look closer").small();
        if ui
            .add_enabled(!record.no_face_on_closer_look, look)
            .on_hover_text(
                "Look for faces too small for the scan (a group photo's back rows); takes a \
                 few seconds",
            )
            .on_disabled_hover_text(
                "Kindred has looked closer at this photo and found no face; draw one it missed \
                 with Add a face",
            )
            .clicked()
        {
            frame.actions.push(Action::LookCloser(photo));
        }
    }
}

/// "⟲" and "⟳": the photo turned a quarter (for one stored sideways), unless faces are being
/// found on it.
fn turn_buttons(ui: &mut egui::Ui, frame: &mut Frame, state: &PhotoViewState, photo: PhotoId) {
    if state.adding.is_some_and(|(p, _)| p == photo) {
        return;
    }
    for (label, by, side, key) in [
        ("⟲", Turn::LEFT, "left", "["),
        ("⟳", Turn::RIGHT, "right", "]"),
    ] {
        let turn = ui.small_button(label).on_hover_text(format!(
            "Turn the photo a quarter to the {side} ({key}): for a photo stored sideways, \
                 whose faces Kindred could not find. Kindred looks for faces again; names stay, \
                 and the file is not changed"
        ));
        button_known_as(&turn, format!("Turn {side}"));
        if turn.clicked() {
            frame.actions.push(Action::TurnPhoto(photo, by));
        }
    }
}

/// Smallest box taken for a face, in the photo's pixels: the detector's own smallest faces
/// are about 40 pixels, and one of a few pixels is a slip of the mouse.
const MIN_DRAWN_SIDE: f32 = 12.0;

/// A drag on the photo draws a box; let go, and the face in it is added.
#[allow(clippy::too_many_arguments)]
fn draw_face_box(
    ui: &egui::Ui,
    frame: &mut Frame,
    state: &mut PhotoViewState,
    photo: PhotoId,
    background: &egui::Response,
    image_rect: Rect,
    scale: f32,
    full: Vec2,
) {
    let to_photo = |p: Pos2| {
        ((p - image_rect.min) / scale)
            .to_pos2()
            .clamp(Pos2::ZERO, full.to_pos2())
    };
    if background.drag_started()
        && let Some(origin) = ui.input(|i| i.pointer.press_origin())
    {
        state.draw_from = Some(to_photo(origin));
    }
    let (Some(from), Some(pointer)) = (state.draw_from, ui.input(|i| i.pointer.interact_pos()))
    else {
        return;
    };
    let drawn = Rect::from_two_pos(from, to_photo(pointer));
    let on_screen = Rect::from_min_max(
        image_rect.min + drawn.min.to_vec2() * scale,
        image_rect.min + drawn.max.to_vec2() * scale,
    );
    let big_enough = drawn.width().min(drawn.height()) >= MIN_DRAWN_SIDE;
    let color = if big_enough {
        theme::ACCENT
    } else {
        Color32::from_gray(200)
    };
    ui.painter()
        .rect_stroke(on_screen, 3.0, Stroke::new(2.0, color), StrokeKind::Outside);
    if background.drag_stopped() {
        state.draw_from = None;
        if big_enough {
            state.drawing = None;
            frame.actions.push(Action::AddFace {
                photo,
                drawn: crate::engine::geometry::Rect::new(
                    drawn.min.x.floor() as i64,
                    drawn.min.y.floor() as i64,
                    drawn.max.x.ceil() as i64 - 1,
                    drawn.max.y.ceil() as i64 - 1,
                ),
            });
        }
    }
}

/// The zoom after this frame's input: Ctrl+scroll or a pinch about the pointer, + / − about
/// the middle, 0 to fit, a double-click on the photo in and out, dragging to move (unless
/// `drag_moves` is off: a face is being drawn).
fn zoom_input(
    ui: &egui::Ui,
    background: &egui::Response,
    keys_free: bool,
    drag_moves: bool,
    area: Rect,
    full: Vec2,
    zoom: Option<PhotoZoom>,
) -> Option<PhotoZoom> {
    let mut zoom = zoom;
    let (_, scale, _) = placement(area, full, zoom);
    // Over a face box too, which sits on top of the photo.
    if background.contains_pointer() {
        let delta = ui.input(|i| i.zoom_delta());
        if delta != 1.0
            && let Some(pointer) = ui.input(|i| i.pointer.hover_pos())
        {
            zoom = zoomed_about(area, full, zoom, pointer, delta);
        }
    }
    if background.double_clicked()
        && let Some(pointer) = background.interact_pointer_pos()
    {
        zoom = match zoom {
            Some(_) => None,
            None => zoomed_about(area, full, None, pointer, DOUBLE_CLICK_ZOOM),
        };
    }
    if keys_free {
        let key = |key| ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key));
        if key(Key::Plus) || key(Key::Equals) {
            zoom = zoomed_about(area, full, zoom, area.center(), ZOOM_STEP);
        }
        if key(Key::Minus) {
            zoom = zoomed_about(area, full, zoom, area.center(), 1.0 / ZOOM_STEP);
        }
        if key(Key::Num0) {
            zoom = None;
        }
    }
    if drag_moves
        && background.dragged()
        && let Some(z) = &mut zoom
    {
        z.center -= background.drag_delta() / scale;
    }
    zoom
}

/// `zoom` changed by `delta` keeping the photo's point under `pointer` where it is; at or
/// below the fitted size, fitted (None).
fn zoomed_about(
    area: Rect,
    full: Vec2,
    zoom: Option<PhotoZoom>,
    pointer: Pos2,
    delta: f32,
) -> Option<PhotoZoom> {
    let (image_rect, scale, _) = placement(area, full, zoom);
    let factor = (zoom.map_or(1.0, |z| z.factor) * delta).min(MAX_ZOOM);
    if factor <= 1.0 {
        return None;
    }
    let under_pointer = ((pointer - image_rect.min) / scale).to_pos2();
    let new_scale = scale * factor / zoom.map_or(1.0, |z| z.factor);
    let center = under_pointer - (pointer - area.center()) / new_scale;
    placement(area, full, Some(PhotoZoom { factor, center })).2
}

/// Where a photo of `full` pixels is drawn in `area` and at what scale (points per pixel): the
/// whole of it centred, or zoomed in, never leaving an edge of the view empty that the photo
/// could fill. Returns the zoom as it applies (its centre moved back in where it strayed).
fn placement(area: Rect, full: Vec2, zoom: Option<PhotoZoom>) -> (Rect, f32, Option<PhotoZoom>) {
    let fit = (area.width() / full.x).min(area.height() / full.y).min(4.0);
    let Some(zoom) = zoom.filter(|z| z.factor > 1.0) else {
        return (Rect::from_center_size(area.center(), full * fit), fit, None);
    };
    let factor = zoom.factor.min(MAX_ZOOM);
    let scale = fit * factor;
    let keep_in = |center: f32, photo: f32, view: f32| {
        let half = view / (2.0 * scale);
        if photo * scale <= view {
            photo / 2.0
        } else {
            // Not f32::clamp, which panics on NaN bounds rather than passing them on.
            center.max(half).min(photo - half)
        }
    };
    let center = Pos2::new(
        keep_in(zoom.center.x, full.x, area.width()),
        keep_in(zoom.center.y, full.y, area.height()),
    );
    let min = area.center() - center.to_vec2() * scale;
    (
        Rect::from_min_size(min, full * scale),
        scale,
        Some(PhotoZoom { factor, center }),
    )
}

/// Where each face's name goes (`sizes[i]` the label of `boxes[i]`): under its box, else over
/// it, in `area` and covering neither another face nor a name placed before; larger faces are
/// placed first. None where there is no such place: in a crowd a name over the next face hid
/// it, and names over each other could not be read (the name then shows by the pointer).
fn place_labels(boxes: &[Rect], sizes: &[Vec2], area: Rect) -> Vec<Option<Rect>> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].area().total_cmp(&boxes[a].area()).then(a.cmp(&b)));
    let mut placed = vec![None; boxes.len()];
    let mut names: Vec<Rect> = Vec::new();
    for i in order {
        let (face, size) = (boxes[i], sizes[i]);
        let left = face.left().min(area.right() - size.x).max(area.left());
        let below = Rect::from_min_size(Pos2::new(left, face.bottom() + 3.0), size);
        let above = Rect::from_min_size(Pos2::new(left, face.top() - 3.0 - size.y), size);
        let free = |label: &Rect| {
            area.contains_rect(*label)
                && !names.iter().any(|name| name.intersects(*label))
                && !boxes
                    .iter()
                    .enumerate()
                    .any(|(j, other)| j != i && other.shrink(1.0).intersects(*label))
        };
        if let Some(label) = [below, above].into_iter().find(free) {
            names.push(label);
            placed[i] = Some(label);
        }
    }
    placed
}

/// A face's box and name colour, by what is known of it.
fn box_color(state: FaceState) -> Color32 {
    match state {
        FaceState::Confirmed => theme::ACCENT,
        FaceState::Suggested => theme::SUGGESTED,
        FaceState::Ignored => Color32::from_gray(120),
        FaceState::Unassigned => Color32::from_gray(220),
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
                if std::mem::take(&mut state.focus_name) {
                    field.request_focus();
                }
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
                if face.state == FaceState::Ignored
                    && ui
                        .button("Not ignored")
                        .on_hover_text(
                            "Back among the faces Kindred matches: to the person it looks like, \
                             or a group of its own",
                        )
                        .clicked()
                {
                    frame
                        .actions
                        .push(Action::Mutate(Mutation::Unignore(vec![face.face])));
                    close = true;
                }
                if face.by_hand {
                    // Added by the user, so nothing brings it back: it can simply go.
                    if ui
                        .button("Remove this face")
                        .on_hover_text("Take away this face you added (Ctrl+Z puts it back)")
                        .clicked()
                    {
                        frame
                            .actions
                            .push(Action::Mutate(Mutation::RemoveFace(face.face)));
                        close = true;
                    }
                } else if face.state != FaceState::Ignored
                    && ui.button("Ignore this face").clicked()
                {
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

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: Rect = Rect::from_min_max(Pos2::new(0.0, 0.0), Pos2::new(1000.0, 500.0));
    const PHOTO: Vec2 = Vec2::new(4000.0, 3000.0);

    fn square(left: f32, top: f32, side: f32) -> Rect {
        Rect::from_min_size(Pos2::new(left, top), Vec2::splat(side))
    }

    /// Names go under their face, else over it, else nowhere: never over another face or
    /// name, never out of the view; the larger face is placed first.
    #[test]
    fn names_go_where_they_cover_no_other_face_or_name() {
        let label = Vec2::new(90.0, 20.0);
        // Apart: each name under its face.
        let apart = [square(100.0, 100.0, 60.0), square(400.0, 100.0, 60.0)];
        let placed = place_labels(&apart, &[label; 2], AREA);
        assert_eq!(
            placed[0],
            Some(Rect::from_min_size(Pos2::new(100.0, 163.0), label))
        );
        assert_eq!(
            placed[1],
            Some(Rect::from_min_size(Pos2::new(400.0, 163.0), label))
        );
        // A face just under another: the upper one's name goes over it.
        let stacked = [square(100.0, 100.0, 60.0), square(100.0, 170.0, 80.0)];
        let placed = place_labels(&stacked, &[label; 2], AREA);
        assert_eq!(
            placed[1],
            Some(Rect::from_min_size(Pos2::new(100.0, 253.0), label))
        );
        assert_eq!(
            placed[0],
            Some(Rect::from_min_size(Pos2::new(100.0, 77.0), label))
        );
        // Hemmed in above and below: no name; the larger face keeps its own.
        let crowd = [
            square(100.0, 60.0, 30.0),
            square(100.0, 100.0, 30.0),
            square(100.0, 140.0, 40.0),
        ];
        let placed = place_labels(&crowd, &[label; 3], AREA);
        assert_eq!(placed[1], None);
        assert!(placed[2].is_some());
        // At the view's bottom and right edges: over the face, moved left into the view.
        let edge = [square(950.0, 440.0, 50.0)];
        let placed = place_labels(&edge, &[label], AREA);
        assert_eq!(
            placed[0],
            Some(Rect::from_min_size(Pos2::new(910.0, 417.0), label))
        );
        // Whatever is placed covers no other face and no other name.
        for boxes in [&apart[..], &stacked[..], &crowd[..], &edge[..]] {
            let placed = place_labels(boxes, &vec![label; boxes.len()], AREA);
            for (i, a) in placed.iter().enumerate() {
                let Some(a) = a else { continue };
                assert!(AREA.contains_rect(*a));
                for (j, b) in boxes.iter().enumerate() {
                    assert!(i == j || !b.shrink(1.0).intersects(*a), "{i} over face {j}");
                }
                for b in placed.iter().skip(i + 1).flatten() {
                    assert!(!a.intersects(*b));
                }
            }
        }
    }

    fn close(a: Pos2, b: Pos2) -> bool {
        (a - b).length() < 1e-2
    }

    #[test]
    fn a_photo_fits_whole_and_centred_until_zoomed() {
        let (rect, scale, zoom) = placement(AREA, PHOTO, None);
        assert_eq!(zoom, None);
        assert!((scale - 500.0 / 3000.0).abs() < 1e-6);
        assert!(close(rect.center(), AREA.center()));
        assert!((rect.height() - 500.0).abs() < 1e-3);
        // Zooming out past the fitted size is the fitted size.
        assert_eq!(zoomed_about(AREA, PHOTO, None, AREA.center(), 0.5), None);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer_in_place() {
        // Off the middle, but not so far that the zoomed photo's edge would have to come in.
        let pointer = Pos2::new(550.0, 260.0);
        let (before, scale, _) = placement(AREA, PHOTO, None);
        let point = ((pointer - before.min) / scale).to_pos2();
        let zoom = zoomed_about(AREA, PHOTO, None, pointer, 2.0).unwrap();
        assert_eq!(zoom.factor, 2.0);
        let (after, new_scale, _) = placement(AREA, PHOTO, Some(zoom));
        assert!((new_scale - 2.0 * scale).abs() < 1e-6);
        assert!(close(after.min + point.to_vec2() * new_scale, pointer));
        // Again, from the zoomed state.
        let again = zoomed_about(AREA, PHOTO, Some(zoom), pointer, 1.5).unwrap();
        let (rect, s, _) = placement(AREA, PHOTO, Some(again));
        assert!(close(rect.min + point.to_vec2() * s, pointer));
        assert_eq!(
            zoomed_about(AREA, PHOTO, Some(again), pointer, 100.0)
                .unwrap()
                .factor,
            MAX_ZOOM
        );
    }

    #[test]
    fn a_window_squeezed_to_a_point_zooms_without_trouble() {
        let tiny = Rect::from_min_size(Pos2::new(5.0, 5.0), Vec2::splat(1.0));
        let zoom = zoomed_about(tiny, PHOTO, None, tiny.center(), 100.0).unwrap();
        let (rect, scale, _) = placement(tiny, PHOTO, Some(zoom));
        assert!(scale > 0.0 && rect.is_finite());
        assert!(rect.contains_rect(tiny));
    }

    #[test]
    fn a_zoomed_photo_never_leaves_an_edge_of_the_view_empty() {
        // Asked to centre on the photo's corner: the corner goes to the view's corner instead.
        let corner = PhotoZoom {
            factor: 4.0,
            center: Pos2::new(0.0, 0.0),
        };
        let (rect, _, zoom) = placement(AREA, PHOTO, Some(corner));
        assert!(close(rect.min, AREA.min));
        assert_ne!(zoom.unwrap().center, corner.center);
        // Wide enough to fill the height but not the width: centred across.
        let wide_view = Rect::from_min_max(Pos2::ZERO, Pos2::new(3000.0, 500.0));
        let (rect, _, _) = placement(
            wide_view,
            PHOTO,
            Some(PhotoZoom {
                factor: 2.0,
                ..corner
            }),
        );
        assert!((rect.center().x - wide_view.center().x).abs() < 1e-3);
        assert!((rect.min.y - 0.0).abs() < 1e-3);
    }
}
