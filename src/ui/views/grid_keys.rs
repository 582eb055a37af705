//! Moving the keyboard through a grid of tiles as file managers do: the arrow keys to the
//! tile beside, above or below (Left and Right go on across rows), Home and End to the first
//! and last tile, Page Up and Page Down a window's worth of rows — also to tiles the grid has
//! not laid out, being out of sight. With Shift held, the grid's selection reaches out to the
//! tile gone to.

use std::ops::Range;

use egui::{Key, Modifiers};

/// A move of the keyboard's focus from one tile to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Left,
    Right,
    Up,
    Down,
    First,
    Last,
    PageUp,
    PageDown,
}

const KEYS: [(Key, Step); 8] = [
    (Key::ArrowLeft, Step::Left),
    (Key::ArrowRight, Step::Right),
    (Key::ArrowUp, Step::Up),
    (Key::ArrowDown, Step::Down),
    (Key::Home, Step::First),
    (Key::End, Step::Last),
    (Key::PageUp, Step::PageUp),
    (Key::PageDown, Step::PageDown),
];

/// The tile `step` goes to from tile `from`, in a grid whose rows hold the tiles `rows`
/// (in order; a section's last row may be short); `page` rows make a window's worth.
/// `None` where there is nowhere to go (Up on the first row).
pub fn destination(rows: &[Range<usize>], from: usize, step: Step, page: usize) -> Option<usize> {
    let row = rows.iter().position(|r| r.contains(&from))?;
    let column = from - rows[row].start;
    let last_row = rows.len() - 1;
    let in_row = |r: usize| (rows[r].start + column).min(rows[r].end - 1);
    let to = match step {
        Step::Left => from.checked_sub(1).filter(|&i| i >= rows[0].start)?,
        Step::Right => from + 1,
        Step::Up => in_row(row.checked_sub(1)?),
        Step::Down => in_row((row < last_row).then_some(row + 1)?),
        Step::PageUp => in_row(row.saturating_sub(page.max(1))),
        Step::PageDown => in_row((row + page.max(1)).min(last_row)),
        Step::First => rows[0].start,
        Step::Last => rows[last_row].end - 1,
    };
    (to != from && to < rows[last_row].end).then_some(to)
}

/// A move with Shift held: the caller extends its selection to tile `to` (from `from`, where
/// it has no starting point yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extend {
    pub from: usize,
    pub to: usize,
}

/// The keyboard's focus in one grid over a frame: which tile has it, and the tile it is to
/// go to, which takes it once laid out (kept in egui's memory across frames under `id`).
pub struct GridFocus {
    id: egui::Id,
    /// The tile the focus goes to, and the frame (egui's pass) that sent it there.
    pending: Option<(usize, u64)>,
    focused: Option<usize>,
    /// The tile that had the keyboard the frame before.
    had_focus: Option<usize>,
}

/// Frames within which a tile sent the focus takes it: one to scroll, one to lay it out. A
/// tile that did not in that time (the list changed under it, the page was left) is not
/// handed the focus later by surprise.
const PENDING_FRAMES: u64 = 10;

impl GridFocus {
    pub fn load(ui: &egui::Ui, id: egui::Id) -> GridFocus {
        let pass = ui.ctx().cumulative_pass_nr();
        GridFocus {
            id,
            pending: ui
                .data(|d| d.get_temp::<(usize, u64)>(id))
                .filter(|&(_, sent)| pass.saturating_sub(sent) <= PENDING_FRAMES),
            focused: None,
            had_focus: ui.data(|d| d.get_temp::<usize>(id.with("focused"))),
        }
    }

    /// The tile to lay out even out of sight: the one that had the keyboard, which egui takes
    /// from a widget not laid out (the window resized, the grid scrolled by the wheel).
    pub fn keep_laid_out(&self) -> Option<usize> {
        self.had_focus
    }

    /// The tile the focus is on its way to: the caller scrolls its row into view.
    pub fn pending(&self) -> Option<usize> {
        self.pending.map(|(to, _)| to)
    }

    /// Brings the row of the tile the focus is on its way to into view, unless that row is
    /// among those laid out (`laid_out`, in the grid's own heights from its top), where the
    /// tile scrolls itself into view as it takes the focus ([`super::show_focus`]). `row_of`
    /// gives a tile's row as its top and height in the grid; the grid's top left is at
    /// `origin` on the screen, its rows `width` wide.
    pub fn scroll_to_pending(
        &self,
        ui: &egui::Ui,
        row_of: impl Fn(usize) -> Option<(f32, f32)>,
        laid_out: egui::Rangef,
        origin: egui::Pos2,
        width: f32,
    ) {
        if let Some((top, height)) = self.pending().and_then(row_of)
            && (top + height < laid_out.min || top > laid_out.max)
        {
            let row =
                egui::Rect::from_min_size(origin + egui::vec2(0.0, top), egui::vec2(width, height));
            ui.scroll_to_rect_animation(row, None, egui::style::ScrollAnimation::none());
        }
    }

    /// Notes tile `index`, just laid out with `response`: gives it the focus if it is on its
    /// way there.
    pub fn tile(&mut self, index: usize, response: &egui::Response) {
        if self.pending() == Some(index) {
            response.request_focus();
            self.pending = None;
        }
        if response.has_focus() {
            self.focused = Some(index);
        }
    }

    /// After the tiles in view are laid out: a key that moves the focus from the tile that
    /// has it to another tile sends it on (taking the key, so egui's own arrow-key moves,
    /// which know nothing of the tiles out of sight, do not act too); a key that leads out
    /// of the grid (Up on its first row) is left to them, to reach what is beside it.
    /// `rows` as for [`destination`]. Returns the move when Shift was held.
    pub fn finish(mut self, ui: &egui::Ui, rows: &[Range<usize>], page: usize) -> Option<Extend> {
        let mut extend = None;
        if let Some(from) = self.focused {
            // Ctrl and Alt with these keys are left to others; Shift extends the selection.
            let moved = ui.input_mut(|input| {
                let modifiers = Modifiers {
                    shift: input.modifiers.shift,
                    ..Modifiers::NONE
                };
                let (key, step) = KEYS.iter().find(|(key, _)| {
                    input.key_pressed(*key) && input.modifiers.matches_logically(modifiers)
                })?;
                let to = destination(rows, from, *step, page)?;
                input.consume_key(modifiers, *key);
                Some((to, modifiers.shift))
            });
            if let Some((to, shift)) = moved {
                ui.memory_mut(|m| m.move_focus(egui::FocusDirection::None));
                self.pending = Some((to, ui.ctx().cumulative_pass_nr()));
                extend = shift.then_some(Extend { from, to });
                ui.ctx().request_repaint();
            }
        }
        ui.data_mut(|d| match self.focused {
            Some(tile) => {
                d.insert_temp(self.id.with("focused"), tile);
            }
            None => d.remove::<usize>(self.id.with("focused")),
        });
        ui.data_mut(|d| match self.pending {
            Some(pending) => {
                d.insert_temp(self.id, pending);
            }
            None => d.remove::<(usize, u64)>(self.id),
        });
        extend
    }
}

#[cfg(test)]
mod tests {
    use super::{Step, destination};

    /// Two sections: tiles 0–6 in rows of three (the last short), then 7–9.
    const ROWS: [std::ops::Range<usize>; 4] = [0..3, 3..6, 6..7, 7..10];

    #[test]
    fn arrows_go_to_the_tile_beside_above_and_below() {
        assert_eq!(destination(&ROWS, 4, Step::Left, 1), Some(3));
        assert_eq!(destination(&ROWS, 4, Step::Right, 1), Some(5));
        assert_eq!(destination(&ROWS, 4, Step::Up, 1), Some(1));
        assert_eq!(
            destination(&ROWS, 4, Step::Down, 1),
            Some(6),
            "the short row's last"
        );
        assert_eq!(
            destination(&ROWS, 6, Step::Down, 1),
            Some(7),
            "into the next section"
        );
        assert_eq!(destination(&ROWS, 9, Step::Up, 1), Some(6));
    }

    #[test]
    fn left_and_right_go_on_across_rows_and_stop_at_the_ends() {
        assert_eq!(destination(&ROWS, 3, Step::Left, 1), Some(2));
        assert_eq!(destination(&ROWS, 5, Step::Right, 1), Some(6));
        assert_eq!(destination(&ROWS, 0, Step::Left, 1), None);
        assert_eq!(destination(&ROWS, 9, Step::Right, 1), None);
        assert_eq!(destination(&ROWS, 1, Step::Up, 1), None);
        assert_eq!(destination(&ROWS, 8, Step::Down, 1), None);
    }

    #[test]
    fn home_end_and_pages() {
        assert_eq!(destination(&ROWS, 5, Step::First, 1), Some(0));
        assert_eq!(destination(&ROWS, 5, Step::Last, 1), Some(9));
        assert_eq!(destination(&ROWS, 0, Step::First, 1), None);
        assert_eq!(destination(&ROWS, 1, Step::PageDown, 2), Some(6));
        assert_eq!(
            destination(&ROWS, 1, Step::PageDown, 9),
            Some(8),
            "the last row"
        );
        assert_eq!(destination(&ROWS, 8, Step::PageUp, 2), Some(4));
        assert_eq!(
            destination(&ROWS, 8, Step::PageUp, 9),
            Some(1),
            "the first row"
        );
        assert_eq!(destination(&ROWS, 1, Step::PageUp, 9), None);
    }

    #[test]
    fn a_tile_in_no_row_goes_nowhere() {
        assert_eq!(destination(&ROWS, 10, Step::Left, 1), None);
        assert_eq!(destination(&[], 0, Step::Right, 1), None);
    }
}
