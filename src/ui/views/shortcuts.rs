//! The keyboard shortcuts, listed where a user can find them (F1, or "?" in the top bar).

use egui::RichText;

/// Every shortcut the views answer to, by where it works.
const SHORTCUTS: &[(&str, &[(&str, &str)])] = &[
    (
        "Everywhere",
        &[
            ("Ctrl+Z", "Undo the last correction"),
            ("Ctrl+Shift+Z or Ctrl+Y", "Redo what was undone"),
            ("Ctrl+F", "Find a person by name (Enter opens the first)"),
            (
                "Esc",
                "Close a menu or dialog, else back to the previous page",
            ),
            ("F1", "Show or hide this list"),
            (
                "Tab, Shift+Tab, Enter",
                "Go from button to button, card to card; Enter clicks",
            ),
            (
                "Arrows, Home, End, Page Up/Down",
                "Go from card to card in a grid",
            ),
        ],
    ),
    (
        "A person's faces, the ignored faces",
        &[
            ("Click, Shift+click, Ctrl+click", "Select faces"),
            (
                "Shift+arrows, Shift+Home/End",
                "Select from the face last clicked",
            ),
            ("Space, Ctrl+Space", "Select a face; add or take out one"),
            ("Ctrl+A", "Select all faces"),
            ("Esc", "Clear the selection"),
            (
                "Delete",
                "The faces selected are not this person (their page)",
            ),
            ("F2 or double-click the name", "Name or rename the person"),
            ("Double-click a face, or Enter", "Open its photo"),
        ],
    ),
    (
        "A photo",
        &[
            ("← / →", "Previous / next photo"),
            ("+ / − / 0", "Zoom in / out / fit the whole photo"),
            ("[ / ]", "Turn a sideways photo left / right"),
            ("Ctrl+scroll, double-click", "Zoom in where the pointer is"),
            ("Drag", "Move about a zoomed photo"),
            (
                "Click a face",
                "Name it, move it, say it is not them, ignore it",
            ),
            (
                "Add a face, then drag",
                "Add a face Kindred missed (Esc stops drawing)",
            ),
        ],
    ),
    (
        "Review",
        &[
            ("Y", "Yes, it is them"),
            ("N", "No, it is not"),
            ("S", "Skip"),
        ],
    ),
    (
        "A folder's photos, its photos without a face",
        &[
            (
                "Ctrl+click, Shift+click",
                "Choose photos to turn together or look closer at",
            ),
            ("Ctrl+A", "Choose all the photos"),
            ("Esc", "Clear the choice"),
        ],
    ),
    (
        "People",
        &[
            (
                "Ctrl+click",
                "Select several people to merge, hide or export",
            ),
            (
                "Shift+click, Shift+arrows",
                "Select everyone from the person last Ctrl+clicked",
            ),
            ("Ctrl+A", "Select everyone shown"),
            ("Esc", "Clear the selection"),
        ],
    ),
];

/// Draws the list over the current page while `open`; its close button clears `open`.
pub fn show(ctx: &egui::Context, open: &mut bool) {
    // In a window narrower (or lower) than the list, the list scrolls rather than overflows;
    // the room left is what the window's title bar and margins do not take.
    let room = ctx.content_rect().size() - egui::vec2(40.0, 72.0);
    let side_by_side_id = egui::Id::unique("shortcuts-side-by-side-width");
    let side_by_side_width = ctx.data(|d| d.get_temp::<f32>(side_by_side_id));
    // Side by side where it fits, else one column that scrolls down only: a list scrolled
    // sideways hides half of what it says.
    let side_by_side = side_by_side_width.is_none_or(|width| width <= room.x);
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            // As large as the list (its size the frame before), up to the room there is.
            let size_id = egui::Id::unique("shortcuts-list-size");
            let size = ui
                .data(|d| d.get_temp::<egui::Vec2>(size_id))
                .unwrap_or(room);
            let shown = egui::ScrollArea::both()
                .max_width(room.x)
                .max_height(room.y)
                .min_scrolled_width(size.x.min(room.x))
                .min_scrolled_height(size.y.min(room.y))
                .show(ui, |ui| list(ui, side_by_side));
            ui.data_mut(|d| d.insert_temp(size_id, shown.content_size));
            if side_by_side && side_by_side_width != Some(shown.content_size.x) {
                ui.data_mut(|d| d.insert_temp(side_by_side_id, shown.content_size.x));
                ui.ctx().request_repaint();
            }
        });
}

fn list(ui: &mut egui::Ui, side_by_side: bool) {
    // Side by side, so that the list fits a window of 800 pixels' height; within a side one
    // grid, so the keys and what they do line up.
    let (left, right) = SHORTCUTS.split_at(2);
    let one_side = |ui: &mut egui::Ui, side: &str, places: &[(&str, &[(&str, &str)])]| {
        egui::Grid::new(("shortcuts", side))
            .num_columns(2)
            .spacing([18.0, 4.0])
            .show(ui, |ui| {
                for (place, keys) in places {
                    ui.label(RichText::new(*place).strong());
                    ui.end_row();
                    for (key, what) in *keys {
                        ui.label(RichText::new(*key).monospace());
                        ui.label(*what);
                        ui.end_row();
                    }
                }
            });
    };
    // The right margin keeps the scroll bar off the text.
    egui::Frame::new()
        .inner_margin(egui::Margin {
            right: 16,
            ..Default::default()
        })
        .show(ui, |ui| {
            if side_by_side {
                ui.horizontal_top(|ui| {
                    one_side(ui, "left", left);
                    ui.add_space(28.0);
                    one_side(ui, "right", right);
                });
            } else {
                one_side(ui, "all", SHORTCUTS);
            }
        });
}
