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
                "Arrow keys, Home, End, Page Up / Down",
                "In a grid of people, faces or photos: go to the next card, the first, the last, a page on",
            ),
        ],
    ),
    (
        "A person's faces, the ignored faces",
        &[
            ("Click, Shift+click, Ctrl+click", "Select faces"),
            (
                "Shift+arrow keys (Home, End, Page Up / Down)",
                "Select from the face last clicked to the one gone to",
            ),
            (
                "Space, Ctrl+Space",
                "Select the face with the keyboard; add it or take it out",
            ),
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
        "People",
        &[
            (
                "Ctrl+click",
                "Select several people to merge, hide or export",
            ),
            ("Ctrl+A", "Select everyone shown"),
            ("Esc", "Clear the selection"),
        ],
    ),
];

/// Draws the list over the current page while `open`; its close button clears `open`.
pub fn show(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            // Side by side, so that the list fits a window of 800 pixels' height; within a
            // side one grid, so the keys and what they do line up.
            let (left, right) = SHORTCUTS.split_at(2);
            ui.horizontal_top(|ui| {
                for (side, places) in [("left", left), ("right", right)] {
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
                    ui.add_space(28.0);
                }
            });
        });
}
