//! The people grid: a card per person (key face, name, photo count), named people first,
//! then the unnamed groups, those seen in one photo only behind a heading; filter by name;
//! select several to merge, hide or export them.

use egui::{CornerRadius, Rect, RichText, Sense, Vec2};

use super::grid_keys::GridFocus;
use super::{Frame, choice, count, empty_state, fill_row, grid_width, paint_face};
use crate::people::ops::{PersonId, PersonSummary};
use crate::ui::backend::Mutation;
use crate::ui::state::{Action, NameFilter, PeopleOrder, PeopleViewState, View};
use crate::ui::theme;

/// The smallest card; cards grow to fill the row, their picture square, the text below it
/// as tall as ever.
const CARD: Vec2 = Vec2::new(148.0, 196.0);
const HEADER: f32 = 40.0;
const GAP: f32 = 12.0;

enum Row {
    Header(String),
    /// The heading of the people seen in one photo only, which opens and closes their cards.
    SeenOnce(String),
    /// People (indices into the people listed), and where the first is among all the cards
    /// of the grid (for the keyboard).
    Cards(usize, Vec<usize>),
}

pub fn show(ui: &mut egui::Ui, frame: &mut Frame, state: &mut PeopleViewState) {
    let data = frame.data;
    let entered = ui
        .horizontal(|ui| {
            ui.heading(RichText::new("People").strong());
            ui.add_space(12.0);
            let search_id = ui.make_persistent_id("people-filter");
            if std::mem::take(&mut state.focus_filter) {
                let mut edit =
                    egui::text_edit::TextEditState::load(ui.ctx(), search_id).unwrap_or_default();
                edit.cursor
                    .set_char_range(Some(egui::text::CCursorRange::select_all_str(
                        &state.filter,
                    )));
                edit.store(ui.ctx(), search_id);
                ui.memory_mut(|m| m.request_focus(search_id));
            }
            let search = ui.add(
                egui::TextEdit::singleline(&mut state.filter)
                    .id(search_id)
                    .hint_text("🔍 Filter by name (Ctrl+F)")
                    .desired_width(220.0),
            );
            search.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::SearchInput, true, "Filter by name")
            });
            let entered = search.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.checkbox(&mut frame.settings.show_hidden, "Show hidden");
            people_order_choice(ui, &mut frame.settings.people_order);
            let ignored = data.counts.ignored_faces as usize;
            if ignored > 0 {
                ui.add_space(8.0);
                let link = ui
                    .link(format!("{} ignored", count(ignored, "face", "faces")))
                    .on_hover_text(
                        "Faces you said were not a face, or a stranger: name the ones that matter \
                     after all, or take them back",
                    );
                if link.clicked() {
                    frame.actions.push(Action::Go(View::IgnoredFaces));
                }
            }
            entered
        })
        .inner;
    ui.add_space(4.0);
    selection_bar(ui, frame, state);

    let filter = NameFilter::new(&state.filter);
    let visible: Vec<usize> = data
        .people
        .iter()
        .enumerate()
        .filter(|(_, p)| frame.settings.show_hidden || !p.hidden)
        .filter(|(_, p)| p.faces > 0)
        .filter(|(_, p)| filter.admits(p))
        .map(|(i, _)| i)
        .collect();
    if data.people.is_empty() {
        let text = if data.scan.is_some() {
            "Faces appear here as the scan finds them."
        } else {
            "No faces found yet. Add a folder with photos of people in Folders."
        };
        empty_state(ui, "No people yet", text);
        return;
    }
    if visible.is_empty() {
        empty_state(
            ui,
            "No one matches",
            "Try another name, or clear the filter.",
        );
        return;
    }
    let (mut named, unnamed): (Vec<usize>, Vec<usize>) = visible
        .into_iter()
        .partition(|&i| data.people[i].name.is_some());
    if frame.settings.people_order == PeopleOrder::ByName {
        named.sort_by_cached_key(|&i| data.people[i].name.as_deref().map(str::to_lowercase));
    }
    // Ctrl+F, a few letters, Enter: the first person shown whose name has them.
    if entered
        && !filter.is_empty()
        && let Some(&first) = named.first()
    {
        frame
            .actions
            .push(Action::Go(View::Person(data.people[first].id)));
    }
    // Strangers in the background of one photo make most unnamed groups of a large
    // collection; they wait behind a heading so the people who recur stay in view.
    let (recurring, seen_once): (Vec<usize>, Vec<usize>) = unnamed
        .into_iter()
        .partition(|&i| data.people[i].photos > 1);
    if !ui.ctx().egui_wants_keyboard_input() {
        // Ctrl+A: everyone shown (those seen once while their heading is open), to export an
        // album for each or hide them all at once (Esc lets go of them: see the app).
        let select_all = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::A);
        if ui.input_mut(|i| i.consume_shortcut(&select_all)) {
            let shown_once: &[usize] = if frame.settings.show_seen_once {
                &seen_once
            } else {
                &[]
            };
            state.chosen.selected = named
                .iter()
                .chain(&recurring)
                .chain(shown_once)
                .map(|&i| data.people[i].id)
                .collect();
        }
    }

    let width = grid_width(ui);
    let (columns, card_width) = fill_row(width, CARD.x, GAP);
    let card = Vec2::new(card_width, card_width + CARD.y - CARD.x);
    let mut rows = Vec::new();
    let mut cards = 0;
    let mut card_rows = |rows: &mut Vec<Row>, members: &[usize]| {
        for chunk in members.chunks(columns) {
            rows.push(Row::Cards(cards, chunk.to_vec()));
            cards += chunk.len();
        }
    };
    for (title, members) in [("Named", named), ("Unnamed", recurring)] {
        if members.is_empty() {
            continue;
        }
        rows.push(Row::Header(format!(
            "{title} · {}",
            count(members.len(), "person", "people")
        )));
        card_rows(&mut rows, &members);
    }
    if !seen_once.is_empty() {
        let open = frame.settings.show_seen_once;
        rows.push(Row::SeenOnce(format!(
            "Seen in one photo · {}",
            count(seen_once.len(), "person", "people")
        )));
        if open {
            card_rows(&mut rows, &seen_once);
        }
    }
    let heights: Vec<f32> = rows
        .iter()
        .map(|r| match r {
            Row::Header(_) | Row::SeenOnce(_) => HEADER,
            Row::Cards(..) => card.y + GAP,
        })
        .collect();
    // The people of the cards, in their order: where Shift's ranges run.
    let shown: Vec<PersonId> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Cards(_, members) => Some(members),
            _ => None,
        })
        .flatten()
        .map(|&i| data.people[i].id)
        .collect();
    let card_ranges: Vec<std::ops::Range<usize>> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Cards(first, members) => Some(*first..first + members.len()),
            _ => None,
        })
        .collect();
    let mut focus = GridFocus::load(ui, ui.make_persistent_id("people-grid-keyboard"));
    let mut tops = Vec::with_capacity(heights.len() + 1);
    let mut y = 0.0;
    for h in &heights {
        tops.push(y);
        y += h;
    }
    let total = y;

    egui::ScrollArea::vertical()
        .id_salt("people-grid")
        .auto_shrink([false, false])
        .show_viewport(ui, |ui, viewport| {
            ui.set_height(total);
            let origin = ui.min_rect().min;
            let beyond = super::beyond_view(card.y + GAP, HEADER);
            let (from_y, to_y) = (viewport.min.y - beyond, viewport.max.y + beyond);
            // The row holding card `i` (counted over the grid): its index, first card and people.
            let row_of = |i: usize| {
                rows.iter().enumerate().find_map(|(r, row)| match row {
                    Row::Cards(first, members) if (*first..first + members.len()).contains(&i) => {
                        Some((r, *first, members))
                    }
                    _ => None,
                })
            };
            focus.scroll_to_pending(
                ui,
                |to| row_of(to).map(|(r, _, _)| (tops[r], card.y)),
                egui::Rangef::new(from_y, to_y),
                origin,
                width,
            );
            let card_at = |top: f32, column: usize| {
                Rect::from_min_size(
                    egui::pos2(origin.x + column as f32 * (card.x + GAP), top),
                    card,
                )
            };
            let first = tops.partition_point(|&t| t + card.y + GAP < from_y);
            for (r, row) in rows.iter().enumerate().skip(first) {
                if tops[r] > to_y {
                    break;
                }
                let top = origin.y + tops[r];
                match row {
                    Row::Header(text) => {
                        let rect = Rect::from_min_size(
                            egui::pos2(origin.x, top + 8.0),
                            Vec2::new(width, HEADER - 8.0),
                        );
                        ui.painter().text(
                            rect.left_center(),
                            egui::Align2::LEFT_CENTER,
                            text,
                            egui::FontId::proportional(16.0),
                            ui.visuals().strong_text_color(),
                        );
                    }
                    Row::SeenOnce(text) => {
                        let rect = Rect::from_min_size(
                            egui::pos2(origin.x, top + 8.0),
                            Vec2::new(width.min(420.0), HEADER - 8.0),
                        );
                        let response = ui.interact(
                            rect,
                            ui.make_persistent_id("people-seen-once"),
                            Sense::click(),
                        );
                        response.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, text)
                        });
                        let color = if response.hovered() {
                            ui.visuals().strong_text_color()
                        } else {
                            ui.visuals().text_color()
                        };
                        let arrow = if frame.settings.show_seen_once {
                            "⏷"
                        } else {
                            "⏵"
                        };
                        ui.painter().text(
                            rect.left_center(),
                            egui::Align2::LEFT_CENTER,
                            format!("{arrow} {text}"),
                            egui::FontId::proportional(16.0),
                            color,
                        );
                        let response = response.on_hover_text(
                            "Unnamed people found in a single photo — often strangers in the \
                             background. Click to show or hide them.",
                        );
                        if response.clicked() {
                            frame.settings.show_seen_once = !frame.settings.show_seen_once;
                        }
                    }
                    Row::Cards(first, members) => {
                        for (c, &i) in members.iter().enumerate() {
                            let rect = card_at(top, c);
                            let response =
                                person_card(ui, frame, state, &data.people[i], rect, &shown);
                            focus.tile(first + c, &response);
                        }
                    }
                }
            }
            // The card with the keyboard stays laid out out of sight, as in the virtual grids.
            if let Some(kept) = focus.keep_laid_out()
                && let Some((r, first, members)) = row_of(kept)
                && (tops[r] + card.y + GAP < from_y || tops[r] > to_y)
            {
                let rect = card_at(origin.y + tops[r], kept - first);
                let person = &data.people[members[kept - first]];
                let response = person_card(ui, frame, state, person, rect, &shown);
                focus.tile(kept, &response);
            }
            let page = (viewport.height() / (card.y + GAP)).floor() as usize;
            if let Some(extend) = focus.finish(ui, &card_ranges, page) {
                let add = ui.input(|i| i.modifiers.command);
                state
                    .chosen
                    .select_range(&shown, extend.from, extend.to, add);
            }
        });
}

fn people_order_choice(ui: &mut egui::Ui, order: &mut PeopleOrder) {
    ui.add_space(8.0);
    ui.label(RichText::new("Order").weak());
    (*order, _) = choice(
        ui,
        "Order of named people",
        *order,
        &[
            (PeopleOrder::LargestFirst, "Largest first"),
            (PeopleOrder::ByName, "By name"),
        ],
    );
}

fn person_card(
    ui: &mut egui::Ui,
    frame: &mut Frame,
    state: &mut PeopleViewState,
    person: &PersonSummary,
    rect: Rect,
    shown: &[PersonId],
) -> egui::Response {
    let id = ui.make_persistent_id(("person-card", person.id));
    let response = ui.interact(rect, id, Sense::click());
    let name = person.name.clone().unwrap_or_else(|| "Unnamed".into());
    let selected = state.chosen.selected.contains(&person.id);
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::Button, true, selected, format!("Person {name}"))
    });
    let painter = ui.painter();
    let fill = if response.hovered() {
        theme::CARD_HOVER
    } else {
        theme::CARD
    };
    painter.rect_filled(rect, CornerRadius::same(10), fill);
    let face_rect = Rect::from_min_size(
        rect.min + Vec2::splat(6.0),
        Vec2::splat(rect.width() - 12.0),
    );
    match person.key_face {
        Some(face) => paint_face(ui, frame.faces, face, face_rect, CornerRadius::same(8)),
        None => {
            painter.rect_filled(face_rect, CornerRadius::same(8), theme::CARD_HOVER);
        }
    }
    let painter = ui.painter();
    let text_x = rect.left() + 10.0;
    let name_color = if person.name.is_some() {
        ui.visuals().strong_text_color()
    } else {
        ui.visuals().weak_text_color()
    };
    // One line, cut short with "…": a second line would run into the photo count below, and
    // the card's hover shows the whole name.
    let name_galley = super::one_line(painter, name.clone(), 14.5, name_color, rect.width() - 20.0);
    let name_cut_short = name_galley.elided;
    painter.galley(
        egui::pos2(text_x, face_rect.bottom() + 6.0),
        name_galley,
        name_color,
    );
    let mut detail = count(person.photos, "photo", "photos");
    if person.hidden {
        detail.push_str(" · hidden");
    }
    painter.text(
        egui::pos2(text_x, rect.bottom() - 12.0),
        egui::Align2::LEFT_CENTER,
        detail,
        egui::FontId::proportional(12.0),
        ui.visuals().weak_text_color(),
    );
    if selected {
        super::paint_selected(painter, rect, 10, 10.0, 16.0);
    }
    super::show_focus(ui, &response, rect, 10);
    let response = if name_cut_short {
        response.on_hover_text(&name)
    } else {
        response
    };
    if response.clicked() {
        let modifiers = ui.input(|i| i.modifiers);
        let index = shown.iter().position(|&p| p == person.id);
        if let (true, Some(index)) = (modifiers.shift, index) {
            state
                .chosen
                .select_range(shown, index, index, modifiers.command || modifiers.ctrl);
        } else if modifiers.command || modifiers.ctrl || !state.chosen.selected.is_empty() {
            state.chosen.toggle(person.id);
        } else {
            frame.actions.push(Action::Go(View::Person(person.id)));
        }
    }
    response.context_menu(|ui| {
        if ui.button("Open").clicked() {
            frame.actions.push(Action::Go(View::Person(person.id)));
        }
        let name = if person.name.is_some() {
            "Rename…"
        } else {
            "Name…"
        };
        if ui.button(name).clicked() {
            frame.actions.push(Action::NamePerson(person.id));
        }
        if ui
            .button(if selected { "Deselect" } else { "Select" })
            .clicked()
        {
            state.chosen.toggle(person.id);
        }
        let hide = if person.hidden {
            "Show again"
        } else {
            "Hide person"
        };
        if ui.button(hide).clicked() {
            frame.actions.push(Action::Mutate(Mutation::SetHidden(
                vec![person.id],
                !person.hidden,
            )));
        }
        if ui.button("Export album…").clicked() {
            frame.actions.push(Action::ExportPeople(vec![person.id]));
        }
    });
    response
}

/// Shown while people are selected: merge them, export them, or clear the selection.
fn selection_bar(ui: &mut egui::Ui, frame: &mut Frame, state: &mut PeopleViewState) {
    if state.chosen.selected.is_empty() {
        ui.label(
            RichText::new(
                "Click a person to open them; Ctrl+click to select several, Shift+click a \
                 range.",
            )
            .weak()
            .small(),
        );
        ui.add_space(4.0);
        return;
    }
    let data = frame.data;
    let selected: Vec<&PersonSummary> = state
        .chosen
        .selected
        .iter()
        .filter_map(|id| data.person(*id))
        .collect();
    // The default target keeps a name if any selected person has one, else the largest.
    let default_target = selected
        .iter()
        .max_by_key(|p| (p.name.is_some(), p.faces))
        .map(|p| p.id);
    let target = state
        .merge_into
        .filter(|id| state.chosen.selected.contains(id))
        .or(default_target);
    theme::selection_bar_frame().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{} selected", selected.len())).strong());
            ui.separator();
            if selected.len() >= 2
                && let Some(into) = target
            {
                ui.label("Merge into");
                egui::ComboBox::from_id_salt("merge-target")
                    .selected_text(data.display_name(into))
                    .show_ui(ui, |ui| {
                        for p in &selected {
                            let label = format!(
                                "{} ({})",
                                p.name.as_deref().unwrap_or("Unnamed"),
                                count(p.faces, "face", "faces")
                            );
                            ui.selectable_value(&mut state.merge_into, Some(p.id), label);
                        }
                    });
                if ui.button("Merge").clicked() {
                    let from: Vec<PersonId> = state
                        .chosen
                        .selected
                        .iter()
                        .copied()
                        .filter(|id| *id != into)
                        .collect();
                    frame
                        .actions
                        .push(Action::Mutate(Mutation::Merge { from, into }));
                    state.chosen.selected.clear();
                    state.merge_into = None;
                }
                ui.separator();
            }
            if ui.button("Export album…").clicked() {
                frame.actions.push(Action::ExportPeople(
                    state.chosen.selected.iter().copied().collect(),
                ));
            }
            // All of them hidden already (shown with "Show hidden"): show them again.
            let all_hidden = selected.iter().all(|p| p.hidden);
            if ui
                .button(if all_hidden { "Show again" } else { "Hide" })
                .clicked()
            {
                frame.actions.push(Action::Mutate(Mutation::SetHidden(
                    state.chosen.selected.iter().copied().collect(),
                    !all_hidden,
                )));
                state.chosen.selected.clear();
            }
            if ui.button("Clear selection").clicked() {
                state.chosen.selected.clear();
            }
        });
    });
    ui.add_space(4.0);
}
