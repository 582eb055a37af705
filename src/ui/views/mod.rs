//! The views. Each draws from a read-only [`Data`] snapshot plus its own transient state and
//! emits [`Action`]s; none of them touches the library directly.

pub mod export;
pub mod folder;
pub mod folders;
pub mod grid_keys;
pub mod ignored;
pub mod people;
pub mod person;
pub mod photo;
pub mod photo_grid;
pub mod review;
pub mod shortcuts;
pub mod welcome;

use egui::{Color32, CornerRadius, Rect, RichText, Sense, Stroke, StrokeKind, Vec2};

use crate::library::store::{FaceId, PhotoId};
use crate::people::ops::{PersonFace, PersonId, PersonSummary};

use super::state::{Action, Data, FaceSelection, NameFilter, Settings};
use super::textures::TextureCache;
use super::theme;

/// What a view gets each frame.
pub struct Frame<'a> {
    pub data: &'a Data,
    pub settings: &'a mut Settings,
    pub faces: &'a mut TextureCache<FaceId>,
    pub photos: &'a mut TextureCache<PhotoId>,
    pub actions: &'a mut Vec<Action>,
}

/// A drop-down choosing one of `options` (each with its words), known to screen readers and
/// tests as `label` with the current choice as its value. Returns the choice, changed or not.
pub fn choice<T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    label: &str,
    current: T,
    options: &[(T, &str)],
) -> (T, egui::Response) {
    let words = |value: T| {
        options
            .iter()
            .find(|(v, _)| *v == value)
            .map_or("", |(_, w)| *w)
    };
    let mut chosen = current;
    let combo = egui::ComboBox::from_id_salt(label)
        .selected_text(words(current))
        .show_ui(ui, |ui| {
            for &(value, text) in options {
                ui.selectable_value(&mut chosen, value, text);
            }
        });
    combo.response.widget_info(|| egui::WidgetInfo {
        current_text_value: Some(words(current).into()),
        ..egui::WidgetInfo::labeled(egui::Role::ComboBox, true, label)
    });
    (chosen, combo.response)
}

/// How a face tile is marked.
#[derive(Clone, Copy, Default)]
pub struct TileLook {
    pub selected: bool,
    /// Suggested, not yet confirmed by the user.
    pub suggested: bool,
}

/// `text` on one line, cut short with "…" past `max_width` (the galley says `elided` then).
pub fn one_line(
    painter: &egui::Painter,
    text: String,
    size: f32,
    color: Color32,
    max_width: f32,
) -> std::sync::Arc<egui::Galley> {
    let mut job =
        egui::text::LayoutJob::simple_singleline(text, egui::FontId::proportional(size), color);
    job.wrap = egui::text::TextWrapping::truncate_at_width(max_width);
    painter.layout_job(job)
}

/// The selection mark on a tile: an accent border and a tick badge in its top-left corner.
/// `badge_inset` is the badge centre's distance from the corner, in both directions.
pub fn paint_selected(
    painter: &egui::Painter,
    rect: Rect,
    corner: u8,
    badge_radius: f32,
    badge_inset: f32,
) {
    painter.rect_stroke(
        rect,
        CornerRadius::same(corner),
        Stroke::new(3.0, theme::ACCENT),
        StrokeKind::Inside,
    );
    let tick = rect.left_top() + Vec2::splat(badge_inset);
    painter.circle_filled(tick, badge_radius, theme::ACCENT);
    painter.text(
        tick,
        egui::Align2::CENTER_CENTER,
        "✔",
        egui::FontId::proportional(12.0),
        Color32::WHITE,
    );
}

/// A square face thumbnail (placeholder while it loads) that can be clicked.
pub fn face_tile(
    ui: &mut egui::Ui,
    faces: &mut TextureCache<FaceId>,
    face: FaceId,
    side: f32,
    look: TileLook,
    label: &str,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::click());
    let selected = look.selected;
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::Button, true, selected, label.to_string())
    });
    if ui.is_rect_visible(rect) {
        paint_face(ui, faces, face, rect, CornerRadius::same(8));
        let painter = ui.painter();
        if look.suggested {
            painter.rect_stroke(
                rect,
                CornerRadius::same(8),
                Stroke::new(2.0, theme::SUGGESTED),
                StrokeKind::Inside,
            );
            let badge =
                Rect::from_min_size(rect.right_top() + egui::vec2(-22.0, 4.0), Vec2::splat(18.0));
            painter.circle_filled(badge.center(), 9.0, theme::SUGGESTED);
            painter.text(
                badge.center(),
                egui::Align2::CENTER_CENTER,
                "?",
                egui::FontId::proportional(13.0),
                Color32::BLACK,
            );
        }
        if look.selected {
            paint_selected(painter, rect, 8, 9.0, 13.0);
        } else if response.hovered() {
            painter.rect_stroke(
                rect,
                CornerRadius::same(8),
                Stroke::new(1.5, Color32::from_white_alpha(120)),
                StrokeKind::Inside,
            );
        }
    }
    show_focus(ui, &response, rect, 8);
    response
}

/// What was done to a face tile this frame, as in a file manager: opened by a double-click or
/// by Enter with the keyboard on it; clicked (also Space with the keyboard on it) to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TileUse {
    Open,
    Click,
    Nothing,
}

fn tile_use(ui: &egui::Ui, response: &egui::Response) -> TileUse {
    let enter = || response.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if response.double_clicked() || (response.clicked() && enter()) {
        TileUse::Open
    } else if response.clicked() {
        TileUse::Click
    } else {
        TileUse::Nothing
    }
}

/// A face tile in a grid whose faces are selected as in a file manager: a click (or Space)
/// selects ([`FaceSelection::click`]); returns whether the face was opened instead.
pub fn face_tile_used(
    ui: &egui::Ui,
    response: &egui::Response,
    selection: &mut FaceSelection,
    faces: &[PersonFace],
    index: usize,
) -> bool {
    match tile_use(ui, response) {
        TileUse::Open => true,
        TileUse::Click => {
            selection.click(faces, index, ui.input(|i| i.modifiers));
            false
        }
        TileUse::Nothing => false,
    }
}

/// Shows which tile has the keyboard (Tab moves it on, Enter or Space clicks it) with a ring
/// around `rect`, and scrolls the tile into view as it gets it — in a grid drawn only where
/// visible, that brings the next row in for the next Tab.
pub fn show_focus(ui: &egui::Ui, response: &egui::Response, rect: Rect, radius: u8) {
    if response.has_focus() {
        // Not `gained_focus`: egui moves the focus for the arrow keys between two frames, so
        // the tile never sees it arrive. A tile that did not have it the frame before did.
        let key = egui::Id::unique("tile-focused-last-frame");
        let pass = ui.ctx().cumulative_pass_nr();
        let before = ui.data(|d| d.get_temp::<(egui::Id, u64)>(key));
        if before != Some((response.id, pass.wrapping_sub(1)))
            && before != Some((response.id, pass))
        {
            // At once, as file managers do; and an animated scroll begun while another one
            // runs goes the distance twice.
            response.scroll_to_me_animation(None, egui::style::ScrollAnimation::none());
        }
        ui.data_mut(|d| d.insert_temp(key, (response.id, pass)));
        ui.painter().rect_stroke(
            rect.expand(2.0),
            CornerRadius::same(radius + 2),
            Stroke::new(2.0, theme::ACCENT),
            StrokeKind::Outside,
        );
    }
}

/// Paints a face thumbnail into `rect`, or a neutral placeholder until it has loaded; one
/// shown larger than the library keeps it (a large card, a screen scaled up) is asked for as
/// sharp as the screen shows it.
pub fn paint_face(
    ui: &egui::Ui,
    faces: &mut TextureCache<FaceId>,
    face: FaceId,
    rect: Rect,
    radius: CornerRadius,
) {
    let side = (rect.width().max(rect.height()) * ui.ctx().pixels_per_point()).round() as u32;
    match faces.get_at(face, side) {
        Some(texture) => {
            egui::Image::from_texture(texture)
                .corner_radius(radius)
                .paint_at(ui, rect);
        }
        None => {
            ui.painter().rect_filled(rect, radius, theme::CARD_HOVER);
        }
    }
}

/// The inside of a menu that picks one of `people` ("Move to…", "Merge into…", "Add
/// person…"): a field for part of a name, then the people whose name holds it in a list that
/// scrolls — a menu of every name runs off the screen once a collection has a hundred people
/// named. Enter picks the first one listed.
pub fn pick_person<'a>(
    ui: &mut egui::Ui,
    id_salt: &str,
    people: impl IntoIterator<Item = &'a PersonSummary>,
) -> Option<PersonId> {
    let field_id = ui.make_persistent_id(("pick-person", id_salt));
    // A menu opened afresh starts with an empty field, and the keys go to it unless another
    // field has them (the first pass of a menu only measures it: a focus asked for then is lost).
    let pass = ui.ctx().cumulative_pass_nr();
    let shown_last: Option<u64> = ui.data_mut(|d| {
        let last = d.get_temp(field_id.with("shown"));
        d.insert_temp(field_id.with("shown"), pass);
        last
    });
    let mut typed: String = ui.data_mut(|d| d.get_temp(field_id)).unwrap_or_default();
    if shown_last.is_none_or(|last| last + 1 < pass) {
        typed.clear();
    }
    if ui.memory(|m| m.focused().is_none()) {
        ui.memory_mut(|m| m.request_focus(field_id));
    }
    let field = ui.add(
        egui::TextEdit::singleline(&mut typed)
            .id(field_id)
            .hint_text("🔍 Type a name")
            .desired_width(200.0),
    );
    field.widget_info(|| egui::WidgetInfo::labeled(egui::Role::SearchInput, true, "Find a person"));
    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let wanted = NameFilter::new(&typed);
    let shown: Vec<&PersonSummary> = people.into_iter().filter(|p| wanted.admits(p)).collect();
    let mut picked = enter.then(|| shown.first().map(|p| p.id)).flatten();
    if shown.is_empty() {
        ui.label(
            RichText::new(if wanted.is_empty() {
                "No one to pick"
            } else {
                "No one by that name"
            })
            .weak(),
        );
    }
    egui::ScrollArea::vertical()
        .id_salt(("pick-person-list", id_salt))
        .max_height(320.0)
        .show(ui, |ui| {
            for p in &shown {
                if ui.button(p.name.as_deref().unwrap_or("Unnamed")).clicked() {
                    picked = Some(p.id);
                }
            }
        });
    if picked.is_some() {
        typed.clear();
        ui.close();
    }
    ui.data_mut(|d| d.insert_temp(field_id, typed));
    picked
}

/// Which part of a [`split_row`] is being drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPart {
    /// From the left edge, left to right.
    Left,
    /// From the right edge, right to left.
    Right,
}

/// A row with some widgets at the left and others at the right edge, as long as the two fit
/// side by side; in a window too narrow for both, the right ones go on a row of their own
/// below instead of over the left ones. `add` draws each part (the two are told apart, so
/// that one closure can use the view's state for both). Whether they fit is judged by the
/// widths they took the frame before.
pub fn split_row(ui: &mut egui::Ui, id_salt: &str, mut add: impl FnMut(&mut egui::Ui, RowPart)) {
    let key = ui.make_persistent_id(("split-row", id_salt));
    let last: Option<(f32, f32)> = ui.data(|d| d.get_temp(key));
    let fits = last.is_none_or(|(left, right)| {
        left + right + ui.spacing().item_spacing.x * 4.0 <= ui.available_width()
    });
    let right_to_left = egui::Layout::right_to_left(egui::Align::Center);
    let mut widths = (0.0, 0.0);
    if fits {
        ui.horizontal(|ui| {
            add(ui, RowPart::Left);
            widths.0 = ui.min_rect().width();
            ui.with_layout(right_to_left, |ui| {
                add(ui, RowPart::Right);
                widths.1 = ui.min_rect().width();
            });
        });
    } else {
        ui.horizontal(|ui| {
            add(ui, RowPart::Left);
            widths.0 = ui.min_rect().width();
        });
        ui.horizontal(|ui| {
            ui.with_layout(right_to_left, |ui| {
                add(ui, RowPart::Right);
                widths.1 = ui.min_rect().width();
            });
        });
    }
    if last != Some(widths) {
        ui.data_mut(|d| d.insert_temp(key, widths));
        ui.ctx().request_repaint();
    }
}

/// Room between the cells of a grid, across and down.
const GRID_SPACING: f32 = 10.0;

/// How many cells at least `min_side` wide fit across `width` with `spacing` between them,
/// and how wide each is once the row fills the width. Tiles grow rather than leave a strip
/// at the right, but by half their size at most: a narrow window's one column stays a column
/// of tiles, not one huge tile.
pub fn fill_row(width: f32, min_side: f32, spacing: f32) -> (usize, f32) {
    let columns = (((width + spacing) / (min_side + spacing)).floor() as usize).max(1);
    let side = ((width + spacing) / columns as f32 - spacing).clamp(min_side, 1.5 * min_side);
    (columns, side)
}

/// The width a grid's rows fill: all there is but the strip of the scroll bar, which floats
/// over the content and would otherwise cover the last column.
pub fn grid_width(ui: &egui::Ui) -> f32 {
    ui.available_width() - ui.spacing().scroll.bar_width
}

/// A grid of equal square cells drawn only where visible, so tens of thousands of items
/// scroll at full frame rate. The cells are at least `min_side` wide and grow to fill the
/// row; `cell` draws item `i` in its own `Ui`, given the side it has, and returns the tile's
/// response. The keyboard goes from tile to tile ([`grid_keys`]); where it went with Shift
/// held, the caller's selection is to reach out to it.
pub fn virtual_grid(
    ui: &mut egui::Ui,
    id: &str,
    count: usize,
    min_side: f32,
    cell: impl FnMut(&mut egui::Ui, usize, f32) -> egui::Response,
) -> Option<grid_keys::Extend> {
    grid_in_sections(ui, id, &[(None, count)], min_side, cell)
}

/// A [`virtual_grid`] in sections, each under its own heading (a person's photos by year):
/// `sections` gives each heading and how many items follow it; `cell` draws item `i` counted
/// across all sections, given its side. Only the rows in view are laid out.
pub fn sectioned_virtual_grid(
    ui: &mut egui::Ui,
    id: &str,
    sections: &[(String, usize)],
    min_side: f32,
    cell: impl FnMut(&mut egui::Ui, usize, f32) -> egui::Response,
) -> Option<grid_keys::Extend> {
    let sections: Vec<(Option<&str>, usize)> = sections
        .iter()
        .map(|(heading, count)| (Some(heading.as_str()), *count))
        .collect();
    grid_in_sections(ui, id, &sections, min_side, cell)
}

/// The height of a heading above a section of a grid.
const SECTION_HEADING: f32 = 34.0;

/// How far beyond each edge of a grid's view its rows are still laid out, for rows of cells
/// `row_height` tall and headings `heading_height`: one row of cells and a heading. The arrow keys move the keyboard's focus
/// only to cells that were laid out, and Tab only in their order; with the row past the
/// edge there, they go on past the last cell in sight, which then scrolls into view
/// ([`show_focus`]).
pub fn beyond_view(row_height: f32, heading_height: f32) -> f32 {
    row_height + heading_height
}

fn grid_in_sections(
    ui: &mut egui::Ui,
    id: &str,
    sections: &[(Option<&str>, usize)],
    min_side: f32,
    mut cell: impl FnMut(&mut egui::Ui, usize, f32) -> egui::Response,
) -> Option<grid_keys::Extend> {
    let spacing = GRID_SPACING;
    let width = grid_width(ui);
    let (columns, side) = fill_row(width, min_side, spacing);
    // Every row's top, height and content: a heading, or items first..end.
    enum Row<'a> {
        Heading(&'a str),
        Cells(usize, usize),
    }
    let mut rows = Vec::new();
    let (mut y, mut first) = (0.0f32, 0usize);
    for (heading, count) in sections {
        if let Some(heading) = heading {
            rows.push((y, SECTION_HEADING, Row::Heading(heading)));
            y += SECTION_HEADING;
        }
        for start in (first..first + count).step_by(columns) {
            let end = (start + columns).min(first + count);
            rows.push((y, side, Row::Cells(start, end)));
            y += side + spacing;
        }
        first += count;
    }
    let total = y;
    let tile_rows: Vec<std::ops::Range<usize>> = rows
        .iter()
        .filter_map(|(_, _, row)| match row {
            Row::Cells(start, end) => Some(*start..*end),
            Row::Heading(_) => None,
        })
        .collect();
    let mut focus = grid_keys::GridFocus::load(ui, ui.make_persistent_id((id, "keyboard")));
    let beyond = beyond_view(side + spacing, SECTION_HEADING);
    egui::ScrollArea::vertical()
        .id_salt(id)
        .auto_shrink([false, false])
        .show_viewport(ui, |ui, viewport| {
            ui.set_height(total);
            let origin = ui.max_rect().min;
            let (from_y, to_y) = (viewport.min.y - beyond, viewport.max.y + beyond);
            // The row holding tile `i`: its top, height and first tile.
            let row_of = |i: usize| {
                rows.iter().find_map(|(top, height, row)| match row {
                    Row::Cells(start, end) if (*start..*end).contains(&i) => {
                        Some((*top, *height, *start))
                    }
                    _ => None,
                })
            };
            focus.scroll_to_pending(
                ui,
                |to| row_of(to).map(|(top, height, _)| (top, height)),
                egui::Rangef::new(from_y, to_y),
                origin,
                width,
            );
            // A tile in its own place, with an id of its own rather than of its place among
            // the tiles laid out: it keeps the keyboard (and egui its state) while the grid
            // scrolls or the window is resized.
            let mut lay_out_tile = |ui: &mut egui::Ui,
                                    focus: &mut grid_keys::GridFocus,
                                    i: usize,
                                    row: Rect,
                                    column: usize| {
                let tile = Rect::from_min_size(
                    row.min + Vec2::new(column as f32 * (side + spacing), 0.0),
                    Vec2::splat(side),
                );
                let builder = egui::UiBuilder::new()
                    .scope_id(egui::Id::unique((id, "tile", i)))
                    .max_rect(tile);
                let response = ui.scope_builder(builder, |ui| cell(ui, i, side));
                focus.tile(i, &response.inner);
            };
            let row_rect = |top: f32, height: f32| {
                Rect::from_min_size(origin + Vec2::new(0.0, top), Vec2::new(width, height))
            };
            let from = rows.partition_point(|(top, height, _)| top + height < from_y);
            for (top, height, row) in rows[from..].iter().take_while(|(top, _, _)| *top <= to_y) {
                let rect = row_rect(*top, *height);
                match row {
                    Row::Heading(text) => {
                        ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                            ui.add_space(8.0);
                            ui.label(RichText::new(*text).size(16.0).strong());
                        });
                    }
                    Row::Cells(start, end) => {
                        for (column, i) in (*start..*end).enumerate() {
                            lay_out_tile(ui, &mut focus, i, rect, column);
                        }
                    }
                }
            }
            // The tile with the keyboard, its row out of those laid out above.
            if let Some(kept) = focus.keep_laid_out()
                && let Some((top, height, start)) = row_of(kept)
                && (top + height < from_y || top > to_y)
            {
                lay_out_tile(ui, &mut focus, kept, row_rect(top, height), kept - start);
            }
            let page = (viewport.height() / (side + spacing)).floor() as usize;
            focus.finish(ui, &tile_rows, page)
        })
        .inner
}

/// Gives a button the label screen readers (and tests) know it by, when its text alone
/// would not say which one it is ("Remove" — which folder?).
pub fn button_known_as(response: &egui::Response, label: String) {
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
}

/// A heading line with a subtitle in weaker text.
pub fn page_heading(ui: &mut egui::Ui, title: &str, subtitle: &str) {
    ui.horizontal(|ui| {
        ui.heading(RichText::new(title).strong());
        if !subtitle.is_empty() {
            ui.label(RichText::new(subtitle).weak());
        }
    });
    ui.add_space(6.0);
}

pub use crate::text::{count, grouped, noun};

/// A file's or folder's own name (the last part of its path); for a path with none, such as a
/// drive's root, the whole path as [`shown_path`] gives it.
pub fn own_name(path: &std::path::Path) -> String {
    path.file_name()
        .map_or_else(|| shown_path(path), |n| n.to_string_lossy().into_owned())
}

/// A path as file managers show it: under the home folder as `~/…`, elsewhere in full. On
/// Windows always in full: Explorer knows no `~`.
pub fn shown_path(path: &std::path::Path) -> String {
    path_under_home(path, home_folder())
}

/// The home folder that `~` stands for in paths shown and typed; none on Windows.
fn home_folder() -> Option<&'static std::path::Path> {
    static HOME: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        directories::BaseDirs::new()
            .map(|d| d.home_dir().to_path_buf())
            .filter(|_| !cfg!(windows))
    })
    .as_deref()
}

/// A path typed by the user, `~/…` read as [`shown_path`] writes it: the home folder, not a
/// folder called "~".
pub fn typed_path(text: &str) -> std::path::PathBuf {
    path_typed_under(text, home_folder())
}

fn path_typed_under(text: &str, home: Option<&std::path::Path>) -> std::path::PathBuf {
    let text = text.trim();
    match (home, text.strip_prefix('~')) {
        (Some(home), Some("")) => home.to_path_buf(),
        (Some(home), Some(rest)) if rest.starts_with(std::path::is_separator) => {
            home.join(rest.trim_start_matches(std::path::is_separator))
        }
        _ => std::path::PathBuf::from(text),
    }
}

fn path_under_home(path: &std::path::Path, home: Option<&std::path::Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        // The home folder itself, or a path that only shares a prefix with it, stays as it is.
        Some(rest) if !rest.as_os_str().is_empty() && home != Some(std::path::Path::new("/")) => {
            format!("~/{}", rest.display())
        }
        _ => path.display().to_string(),
    }
}

/// An empty-state message in the middle of the page.
/// The photos of a list of faces, in order, each once: to step through from one of them.
pub fn photos_of(faces: &[crate::people::ops::PersonFace]) -> Vec<PhotoId> {
    let mut seen = std::collections::HashSet::new();
    faces
        .iter()
        .filter(|f| seen.insert(f.photo))
        .map(|f| f.photo)
        .collect()
}

pub fn empty_state(ui: &mut egui::Ui, title: &str, text: &str) {
    ui.add_space(ui.available_height() * 0.25);
    ui.vertical_centered(|ui| {
        ui.label(RichText::new(title).size(18.0).strong());
        ui.add_space(4.0);
        ui.label(RichText::new(text).weak());
    });
}

#[cfg(test)]
mod tests {
    use super::{fill_row, path_typed_under, path_under_home};
    use std::path::Path;

    #[test]
    fn grid_tiles_grow_to_fill_the_row() {
        // 4 tiles of 100 and 3 gaps of 10 take 430 of 500: the 70 left is shared out.
        let (columns, side) = fill_row(500.0, 100.0, 10.0);
        assert_eq!(columns, 4);
        assert!((side - 117.5).abs() < 1e-4, "{side}");
        assert!((4.0 * side + 3.0 * 10.0 - 500.0).abs() < 1e-3);
        // An exact fit stays as it is.
        assert_eq!(fill_row(430.0, 100.0, 10.0), (4, 100.0));
        // A narrow window: one tile, grown by half its size at most, never shrunk.
        assert_eq!(fill_row(190.0, 100.0, 10.0), (1, 150.0));
        assert_eq!(fill_row(40.0, 100.0, 10.0), (1, 100.0));
        assert_eq!(fill_row(-5.0, 100.0, 10.0), (1, 100.0));
    }

    #[test]
    fn paths_under_home_are_shortened_with_a_tilde() {
        let home = Some(Path::new("/home/ann"));
        assert_eq!(
            path_under_home(Path::new("/home/ann/Pictures/a.jpg"), home),
            "~/Pictures/a.jpg"
        );
        // Not under home: a sibling whose name merely starts the same, the home folder itself.
        assert_eq!(
            path_under_home(Path::new("/home/anna/a.jpg"), home),
            "/home/anna/a.jpg"
        );
        assert_eq!(path_under_home(Path::new("/home/ann"), home), "/home/ann");
        assert_eq!(
            path_under_home(Path::new("/mnt/photos/a.jpg"), home),
            "/mnt/photos/a.jpg"
        );
        assert_eq!(path_under_home(Path::new("/srv/a.jpg"), None), "/srv/a.jpg");
        // A home of "/" (some service accounts) would turn every path into ~/…
        assert_eq!(
            path_under_home(Path::new("/srv/a.jpg"), Some(Path::new("/"))),
            "/srv/a.jpg"
        );
    }

    /// Regression: `~/Pictures/Albums`, typed as the app shows paths, made a folder called
    /// "~" wherever the app was started.
    #[test]
    fn a_typed_tilde_is_the_home_folder() {
        let home = Some(Path::new("/home/ann"));
        let typed = |text: &str| path_typed_under(text, home);
        assert_eq!(
            typed(" ~/Pictures/Albums "),
            Path::new("/home/ann/Pictures/Albums")
        );
        assert_eq!(typed("~"), Path::new("/home/ann"));
        assert_eq!(typed("~/"), Path::new("/home/ann"));
        assert_eq!(typed("/mnt/photos"), Path::new("/mnt/photos"));
        // Another user's home, and a name that starts with a tilde, stay as typed.
        assert_eq!(typed("~bob/x"), Path::new("~bob/x"));
        assert_eq!(path_typed_under("~/x", None), Path::new("~/x"));
        for path in ["/home/ann/Pictures/a b", "/srv/x"] {
            let shown = path_under_home(Path::new(path), home);
            assert_eq!(typed(&shown), Path::new(path));
        }
    }
}
