//! Review: "Is this Anna?" — the faces most likely to be a named person, nearest first,
//! answered one at a time with Y / N / S, or many at once in the batch view.

use egui::{Key, RichText, Vec2};

use super::{
    Frame, TileLook, empty_state, face_tile, grouped, noun, paint_face, shown_path, virtual_grid,
};
use crate::library::store::FaceId;
use crate::people::matching::Likelihood;
use crate::people::ops::{PersonId, Suggestion};
use crate::ui::backend::{Mutation, ReviewOf};
use crate::ui::state::{Action, ReviewViewState, View};
use crate::ui::theme;

pub fn show(ui: &mut egui::Ui, frame: &mut Frame, state: &mut ReviewViewState) {
    let data = frame.data;
    let named = data.named_people();
    ui.horizontal(|ui| {
        ui.heading(RichText::new("Review").strong());
        ui.add_space(12.0);
        ui.label("Suggestions for");
        let current = match state.of {
            Some(ReviewOf::Person(id)) => data.display_name(id),
            _ => EVERYONE.into(),
        };
        let combo = egui::ComboBox::from_id_salt("review-person")
            .selected_text(current.clone())
            .width(200.0)
            .show_ui(ui, |ui| {
                let choices = std::iter::once((ReviewOf::Everyone, EVERYONE.to_string())).chain(
                    named
                        .iter()
                        .map(|p| (ReviewOf::Person(p.id), p.name.clone().unwrap_or_default())),
                );
                for (of, label) in choices {
                    if ui.selectable_label(state.of == Some(of), label).clicked() {
                        frame.actions.push(Action::LoadSuggestions(of));
                    }
                }
            });
        combo.response.widget_info(|| egui::WidgetInfo {
            current_text_value: Some(current.clone()),
            ..egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Whose suggestions")
        });
        if matches!(state.of, Some(ReviewOf::Person(_))) {
            ui.add_space(12.0);
            ui.checkbox(&mut state.batch, "Show all at once");
        }
    });
    ui.add_space(8.0);
    if named.is_empty() {
        empty_state(
            ui,
            "Name someone first",
            "Open a person on the People page and give them a name; Kindred then suggests their other faces here.",
        );
        return;
    }
    let Some(of) = state.of else {
        frame
            .actions
            .push(Action::LoadSuggestions(ReviewOf::Everyone));
        return;
    };
    let list = match &data.suggestions {
        Some(list) if list.of == of => list,
        _ => {
            ui.spinner();
            return;
        }
    };
    let mut items: Vec<&Suggestion> = list
        .items
        .iter()
        .filter(|s| !state.skipped.contains(&s.face) && !state.answered.contains(&s.face))
        .collect();
    let whom = match of {
        ReviewOf::Everyone => "anyone you named".to_string(),
        ReviewOf::Person(id) => data.display_name(id),
    };
    if items.is_empty() {
        if list.more_behind {
            // Everything shown was skipped or answered: the next faces, not "all caught up".
            frame.actions.push(Action::LoadSuggestions(of));
            ui.spinner();
        } else {
            empty_state(
                ui,
                "All caught up",
                &format!("There are no more faces that look like {whom}."),
            );
            ask_again_about_skipped(ui, frame, state, of);
        }
        return;
    }
    // Nearest first: past the match distance most faces are someone else, so Review stops
    // there until the user asks to go on. Faces more like one the user said is not the person
    // come after those.
    let likely = items
        .iter()
        .take_while(|s| s.distance < frame.settings.match_threshold && s.like_rejected.is_none())
        .count();
    let hold_back = !state.less_likely && likely < items.len();
    let held_back = left_to_review(items.len() - likely, list.more_behind);
    let remaining = if hold_back {
        items.truncate(likely);
        grouped(likely)
    } else {
        left_to_review(items.len(), list.more_behind)
    };
    if items.is_empty() {
        empty_state(
            ui,
            &format!("No more likely faces of {whom}"),
            &format!(
                "The rest ({held_back}) are less alike, or more like a face you said is not \
                 {}; most of them are other people.",
                match of {
                    ReviewOf::Everyone => "the person they look like",
                    ReviewOf::Person(_) => &whom,
                }
            ),
        );
        ui.add_space(8.0);
        ui.vertical_centered(|ui| {
            if ui.button("Review less likely faces").clicked() {
                state.less_likely = true;
            }
        });
        ask_again_about_skipped(ui, frame, state, of);
        return;
    }
    match of {
        ReviewOf::Person(person) if state.batch => {
            if hold_back {
                // Wrapped: in a narrow window a row of its own ran past the right edge, its
                // button with it (and widened the grid below).
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new(format!(
                            "Not shown: {held_back} less alike or more like a face you said is \
                             not {whom}, most of them other people."
                        ))
                        .weak(),
                    );
                    if ui.small_button("Show them too").clicked() {
                        state.less_likely = true;
                    }
                });
            }
            batch(ui, frame, state, person, &whom, &items, &remaining);
        }
        _ => {
            let asked = items
                .iter()
                .find(|s| state.asking == Some((s.face, s.person)))
                .unwrap_or(&items[0]);
            state.asking = Some((asked.face, asked.person));
            one_at_a_time(ui, frame, state, asked, &remaining)
        }
    }
}

/// Where a list has run out, the faces skipped in it can be asked about again.
fn ask_again_about_skipped(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut ReviewViewState,
    of: ReviewOf,
) {
    if state.skipped.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.vertical_centered(|ui| {
        if ui.button("Ask again about the skipped faces").clicked() {
            state.skipped.clear();
            frame.actions.push(Action::LoadSuggestions(of));
        }
    });
}

/// The choice that asks about every named person at once.
const EVERYONE: &str = "Everyone named";

/// How likely a suggestion is, in words: by its distance, unless it is more like a face the
/// user said is not the person than like any of theirs.
fn likelihood(item: &Suggestion, match_threshold: f32, name: &str) -> String {
    match item.like_rejected {
        Some(_) => format!("less likely: more like a face you said is not {name}"),
        None => Likelihood::of(item.distance, match_threshold)
            .label()
            .to_string(),
    }
}

/// "12 to review", or "200+" where the list came full and more wait behind it.
fn left_to_review(shown: usize, more_behind: bool) -> String {
    format!("{}{}", grouped(shown), if more_behind { "+" } else { "" })
}

fn one_at_a_time(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut ReviewViewState,
    item: &Suggestion,
    remaining: &str,
) {
    let person = item.person;
    let name = &frame.data.display_name(person);
    let mut answer = None;
    if !ui.ctx().egui_wants_keyboard_input() {
        ui.input(|i| {
            // Ctrl+N, Ctrl+S and the like are shortcuts of their own, not answers.
            if !i.modifiers.is_none() && !i.modifiers.shift_only() {
                return;
            }
            if i.key_pressed(Key::Y) {
                answer = Some(true);
            } else if i.key_pressed(Key::N) {
                answer = Some(false);
            } else if i.key_pressed(Key::S) {
                state.skipped.insert(item.face);
            }
        });
    }
    ui.vertical_centered(|ui| {
        ui.label(
            RichText::new(format!("Is this {name}?"))
                .size(26.0)
                .strong(),
        );
        ui.label(
            RichText::new(format!(
                "{} to review · {} (distance {:.2}) · {}",
                remaining,
                likelihood(item, frame.settings.match_threshold, name),
                item.distance,
                shown_path(&item.path)
            ))
            .weak(),
        );
        ui.add_space(10.0);
        let layout = QuestionLayout::choose(ui, item.like_rejected.is_some());
        let [theirs_side, unlike_side, side] = layout.sides();
        let top = ui.cursor().top();
        ui.horizontal(|ui| {
            let row = layout.row_width(layout.sides());
            ui.add_space(((ui.available_width() - row) / 2.0).max(0.0));
            // Where the window is short, the face said not to be them stands in a column of
            // its own before theirs rather than under it.
            if layout.unlike_apart {
                unlike_face(ui, frame, item, name, unlike_side);
                ui.add_space(GAP);
            }
            // Beside the question, what it is asked from: the face of theirs this one is most
            // like. A face confirmed for them by mistake shows itself here. Below it, for a
            // face held back, the one said not to be them that it is more like.
            let theirs = ui
                .vertical(|ui| {
                    let theirs = captioned(
                        ui,
                        theirs_side,
                        &format!("Most like this face of {name}'s"),
                        |ui, rect| {
                            paint_face(
                                ui,
                                frame.faces,
                                item.nearest,
                                rect,
                                egui::CornerRadius::same(12),
                            );
                        },
                    );
                    if layout.with_unlike && !layout.unlike_apart {
                        ui.add_space(8.0);
                        unlike_face(ui, frame, item, name, unlike_side);
                    }
                    theirs
                })
                .inner;
            theirs.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Image,
                    true,
                    format!("{name}'s most alike face"),
                )
            });
            let open_photo = Action::Go(View::Photo {
                photo: item.nearest_photo,
                siblings: vec![item.nearest_photo],
            });
            let theirs =
                theirs.on_hover_text(format!("Open its photo; right-click if it is not {name}"));
            if theirs.clicked() {
                frame.actions.push(open_photo.clone());
            }
            theirs.context_menu(|ui| {
                if ui.button("Open photo").clicked() {
                    frame.actions.push(open_photo);
                }
                if ui.button(format!("Not {name}")).clicked() {
                    frame.actions.push(Action::Mutate(Mutation::Reject {
                        faces: vec![item.nearest],
                        from: Some(person),
                    }));
                }
            });
            ui.add_space(GAP);
            let suggested = captioned(ui, side, "Suggested", |ui, rect| {
                paint_face(
                    ui,
                    frame.faces,
                    item.face,
                    rect,
                    egui::CornerRadius::same(12),
                );
            });
            suggested.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Image, true, "Suggested face")
            });
            ui.add_space(GAP);
            let photo = captioned(ui, side, "Its photo", |ui, rect| {
                ui.painter().rect_filled(rect, 12.0, theme::CARD);
                if let Some(texture) = frame.photos.get(item.photo) {
                    let size = texture.size_vec2();
                    let fit = (rect.width() / size.x).min(rect.height() / size.y);
                    egui::Image::from_texture(texture)
                        .corner_radius(12.0)
                        .paint_at(ui, egui::Rect::from_center_size(rect.center(), size * fit));
                }
            });
            if photo.on_hover_text("Open the photo").clicked() {
                frame.actions.push(Action::Go(View::Photo {
                    photo: item.photo,
                    siblings: vec![item.photo],
                }));
            }
        });
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            ui.add_space(((ui.available_width() - 3.0 * 130.0) / 2.0).max(0.0));
            let big = |text: &str| {
                egui::Button::new(RichText::new(text).size(16.0)).min_size(Vec2::new(120.0, 38.0))
            };
            if ui
                .add(big("Yes (Y)").fill(theme::ACCENT.linear_multiply(0.7)))
                .clicked()
            {
                answer = Some(true);
            }
            if ui.add(big("No (N)")).clicked() {
                answer = Some(false);
            }
            if ui.add(big("Skip (S)")).clicked() {
                state.skipped.insert(item.face);
            }
        });
        layout.remember(ui, ui.cursor().top() - top);
    });
    match answer {
        Some(true) => {
            state.answered.insert(item.face);
            frame.actions.push(Action::Mutate(Mutation::Move {
                faces: vec![item.face],
                to: person,
            }));
        }
        Some(false) => {
            state.answered.insert(item.face);
            frame.actions.push(Action::Mutate(Mutation::Reject {
                faces: vec![item.face],
                from: Some(person),
            }));
        }
        None => {}
    }
}

/// The space between the question's faces.
const GAP: f32 = 16.0;

/// How big the question's faces are drawn, and where the face said not to be the person goes:
/// in a small window, or one snapped to half a laptop screen, the faces shrink (at most to
/// half) so that the answer buttons do not fall below its bottom edge nor the photo past its
/// right one.
struct QuestionLayout {
    scale: f32,
    /// The face said not to be them in a column of its own, rather than under theirs.
    unlike_apart: bool,
    with_unlike: bool,
    /// Where what goes around the squares was measured last frame, and that measure.
    around_id: egui::Id,
    around: f32,
}

impl QuestionLayout {
    /// Sides at scale 1: the face of theirs, the face said not to be them, the suggested face
    /// and its photo.
    const SIDES: [f32; 3] = [160.0, 96.0, 240.0];

    fn choose(ui: &egui::Ui, with_unlike: bool) -> Self {
        let room = ui.available_size();
        let arrange = |unlike_apart: bool| {
            // What the captions, gaps and the buttons take beside the squares themselves (the
            // captions wrap more as the squares shrink), as laid out last frame.
            let around_id =
                ui.make_persistent_id(("question-around-faces", with_unlike, unlike_apart));
            let around = ui
                .ctx()
                .data(|d| d.get_temp::<f32>(around_id))
                .unwrap_or(if with_unlike { 160.0 } else { 100.0 });
            let layout = Self {
                scale: 1.0,
                unlike_apart,
                with_unlike,
                around_id,
                around,
            };
            let scale = (room.x / layout.row_width(Self::SIDES))
                .min((room.y - around) / layout.squares_height(Self::SIDES))
                .clamp(0.5, 1.0);
            Self { scale, ..layout }
        };
        let stacked = arrange(false);
        if !with_unlike {
            return stacked;
        }
        let apart = arrange(true);
        if apart.scale > stacked.scale {
            apart
        } else {
            stacked
        }
    }

    fn sides(&self) -> [f32; 3] {
        Self::SIDES.map(|side| (side * self.scale).round())
    }

    /// The squares side by side with the gaps between them.
    fn row_width(&self, [theirs, unlike, side]: [f32; 3]) -> f32 {
        let apart = if self.unlike_apart { unlike + GAP } else { 0.0 };
        apart + theirs + 2.0 * side + 2.0 * GAP
    }

    /// The tallest column's squares: the suggested face, or theirs with the face said not to
    /// be them under it.
    fn squares_height(&self, [theirs, unlike, side]: [f32; 3]) -> f32 {
        if self.with_unlike && !self.unlike_apart {
            theirs + unlike
        } else {
            side
        }
    }

    /// Keeps what went around the squares, `used` being the height the faces and the buttons
    /// took; a change is drawn again at once.
    fn remember(&self, ui: &egui::Ui, used: f32) {
        let around = used - self.squares_height(self.sides());
        if (around - self.around).abs() > 0.5 {
            ui.ctx().data_mut(|d| d.insert_temp(self.around_id, around));
            ui.ctx().request_repaint();
        }
    }
}

/// The face said not to be the person that the one asked about is more like (a click opens its
/// photo); nothing for a face without one.
fn unlike_face(ui: &mut egui::Ui, frame: &mut Frame, item: &Suggestion, name: &str, side: f32) {
    let Some(rejected) = item.like_rejected else {
        return;
    };
    let caption = format!("More like this face, said not to be {name}");
    let unlike = captioned(ui, side, &caption, |ui, rect| {
        paint_face(ui, frame.faces, rejected, rect, egui::CornerRadius::same(8));
    });
    unlike.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Image,
            true,
            format!("The face said not to be {name} it is more like"),
        )
    });
    if let Some(photo) = item.like_rejected_photo
        && unlike.on_hover_text("Open its photo").clicked()
    {
        frame.actions.push(Action::Go(View::Photo {
            photo,
            siblings: vec![photo],
        }));
    }
}

/// A square of `side` points painted by `paint`, with a caption under it; clickable.
fn captioned(
    ui: &mut egui::Ui,
    side: f32,
    caption: &str,
    paint: impl FnOnce(&mut egui::Ui, egui::Rect),
) -> egui::Response {
    ui.vertical(|ui| {
        ui.set_width(side);
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), egui::Sense::click());
        paint(ui, rect);
        ui.label(RichText::new(caption).weak().small());
        response
    })
    .inner
}

fn batch(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut ReviewViewState,
    person: PersonId,
    name: &str,
    items: &[&Suggestion],
    remaining: &str,
) {
    let chosen: Vec<FaceId> = items
        .iter()
        .map(|s| s.face)
        .filter(|f| state.batch_chosen.selected.contains(f))
        .collect();
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{remaining} {} that may be {name}. Select the ones that are (Shift+click for a \
             range), then confirm.",
            noun(items.len(), "face", "faces")
        ));
        if ui.button("Select all").clicked() {
            state.batch_chosen.selected = items.iter().map(|s| s.face).collect();
        }
        if ui
            .add_enabled(
                !chosen.is_empty(),
                egui::Button::new(format!("Confirm {} as {name}", chosen.len())),
            )
            .clicked()
        {
            frame.actions.push(Action::Mutate(Mutation::Move {
                faces: chosen.clone(),
                to: person,
            }));
            state.batch_chosen.selected.clear();
        }
        if ui
            .add_enabled(!chosen.is_empty(), egui::Button::new(format!("Not {name}")))
            .clicked()
        {
            frame.actions.push(Action::Mutate(Mutation::Reject {
                faces: chosen.clone(),
                from: Some(person),
            }));
            state.batch_chosen.selected.clear();
        }
    });
    ui.add_space(6.0);
    let faces: Vec<FaceId> = items.iter().map(|s| s.face).collect();
    let extended = virtual_grid(
        ui,
        "review-batch",
        items.len(),
        frame.settings.face_size,
        |ui, i, side| {
            let item = items[i];
            let look = TileLook {
                selected: state.batch_chosen.selected.contains(&item.face),
                suggested: false,
            };
            let label = format!("Suggested face {}", item.face);
            let response = face_tile(ui, frame.faces, item.face, side, look, &label);
            if response.clicked() {
                if ui.input(|input| input.modifiers.shift) {
                    state.batch_chosen.select_range(&faces, i, i, true);
                } else {
                    state.batch_chosen.toggle(item.face);
                }
            }
            response.on_hover_text(format!(
                "{} (distance {:.2})\n{}",
                likelihood(item, frame.settings.match_threshold, name),
                item.distance,
                shown_path(&item.path)
            ))
        },
    );
    if let Some(extend) = extended
        && extend.to < faces.len()
    {
        state
            .batch_chosen
            .select_range(&faces, extend.from, extend.to, true);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_full_list_says_more_wait_behind_it() {
        assert_eq!(super::left_to_review(12, false), "12");
        assert_eq!(super::left_to_review(200, true), "200+");
        assert_eq!(super::left_to_review(1999, true), "1,999+");
    }
}
