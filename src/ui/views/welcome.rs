//! First run: what Kindred does, and the one thing to do next — add a photo folder.

use std::path::Path;

use egui::RichText;

use crate::ui::state::{Action, FoldersViewState};

/// `offer`: a folder to add with one click (the user's Pictures folder).
pub fn show(
    ui: &mut egui::Ui,
    state: &mut FoldersViewState,
    offer: Option<&Path>,
    actions: &mut Vec<Action>,
) {
    ui.add_space((ui.available_height() * 0.22).max(20.0));
    ui.vertical_centered(|ui| {
        ui.label(RichText::new("Find the people in your photos").size(30.0).strong());
        ui.add_space(10.0);
        ui.label(
            RichText::new(
                "Kindred finds every face in your photo folders and groups them into people you can name.",
            )
            .size(15.0),
        );
        ui.label(
            RichText::new("Everything runs on this computer: no photo or face ever leaves it.")
                .size(15.0)
                .weak(),
        );
        ui.add_space(24.0);
        let add = egui::Button::new(RichText::new("Add photo folder…").size(17.0))
            .fill(crate::ui::theme::ACCENT.linear_multiply(0.8))
            .min_size(egui::vec2(220.0, 42.0));
        if ui.add(add).clicked() {
            actions.push(Action::PickFolder);
        }
        if let Some(folder) = offer {
            ui.add_space(10.0);
            let shown = super::shown_path(folder);
            let button = egui::Button::new(RichText::new(format!("Add {shown}")).size(15.0))
                .min_size(egui::vec2(220.0, 32.0));
            if ui
                .add(button)
                .on_hover_text(format!("Add {} and find the faces in it", folder.display()))
                .clicked()
            {
                actions.push(Action::AddFolder(folder.to_path_buf()));
            }
        }
        ui.add_space(18.0);
        ui.label(RichText::new("or type a folder path, or drop a folder onto this window").weak());
        ui.horizontal(|ui| {
            let width = 420.0;
            ui.add_space(((ui.available_width() - width - 80.0) / 2.0).max(0.0));
            let field = ui.add(
                egui::TextEdit::singleline(&mut state.typed_path)
                    .hint_text("/home/me/Pictures")
                    .desired_width(width),
            );
            field.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Folder path")
            });
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let add = ui.add_enabled(!state.typed_path.trim().is_empty(), egui::Button::new("Add"));
            if (add.clicked() || enter) && !state.typed_path.trim().is_empty() {
                actions.push(Action::AddFolder(super::typed_path(&state.typed_path)));
                state.typed_path.clear();
            }
        });
    });
}
