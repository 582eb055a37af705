//! The export dialog: which people, where, how (copy/link, layout, together), a dry-run
//! preview, then the export itself runs in the background with progress in the bottom bar.

use egui::RichText;

use crate::export::album::{Layout, Mode};
use crate::ui::state::{Action, Data, ExportDialog};

/// Draws the dialog over the current page. Returns false when the user closed it.
pub fn show(
    ctx: &egui::Context,
    data: &Data,
    dialog: &mut ExportDialog,
    actions: &mut Vec<Action>,
) -> bool {
    let mut open = true;
    let names: Vec<String> = dialog
        .persons
        .iter()
        .map(|id| data.display_name(*id))
        .collect();
    let busy = data.export.is_some();
    egui::Window::new("Export album")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.set_width(460.0);
            ui.label(RichText::new(names.join(", ")).strong().size(16.0));
            ui.label(
                RichText::new(
                    "Photos are copied or linked into a folder; the originals are never changed.",
                )
                .weak(),
            );
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                ui.label("Into");
                let field = ui.add(
                    egui::TextEdit::singleline(&mut dialog.target)
                        .hint_text("a folder for the album")
                        .desired_width(300.0),
                );
                field.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Export folder")
                });
                if field.changed() {
                    dialog.preview = None;
                }
                if ui.button("Choose…").clicked() {
                    actions.push(Action::PickExportFolder);
                }
            });
            ui.add_space(6.0);
            let before = (
                dialog.mode,
                dialog.layout,
                dialog.together,
                dialog.include_suggested,
            );
            ui.horizontal(|ui| {
                ui.label("As");
                ui.selectable_value(&mut dialog.mode, Mode::Copy, "Copies")
                    .on_hover_text("Independent copies: safe to give away; uses disk space");
                ui.selectable_value(&mut dialog.mode, Mode::Hardlink, "Hard links")
                    .on_hover_text("No extra space; on another disk the photos are copied instead");
                ui.selectable_value(&mut dialog.mode, Mode::Symlink, "Shortcuts")
                    .on_hover_text(
                        "Symbolic links to the originals; they break if the originals move, \
                         and USB sticks and memory cards cannot hold them",
                    );
            });
            ui.horizontal(|ui| {
                ui.label("Layout");
                ui.selectable_value(&mut dialog.layout, Layout::Flat, "One folder per person");
                ui.selectable_value(&mut dialog.layout, Layout::ByYear, "By year and date");
            });
            if dialog.persons.len() > 1 {
                ui.checkbox(
                    &mut dialog.together,
                    "Only photos where they are all together",
                );
            }
            ui.checkbox(
                &mut dialog.include_suggested,
                "Include faces Kindred only suggested",
            );
            if before
                != (
                    dialog.mode,
                    dialog.layout,
                    dialog.together,
                    dialog.include_suggested,
                )
            {
                dialog.preview = None;
            }
            ui.add_space(8.0);
            if let Some(preview) = &dialog.preview {
                match preview {
                    Ok(text) => ui.label(text),
                    Err(text) => ui.colored_label(ui.visuals().error_fg_color, text),
                };
                ui.add_space(6.0);
            }
            let ready = !dialog.target.trim().is_empty() && !busy;
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(ready, egui::Button::new("Preview"))
                    .on_hover_text("Count what the export would do, without writing anything")
                    .clicked()
                {
                    actions.push(Action::Export {
                        request: dialog.request(),
                        dry_run: true,
                    });
                }
                if ui.add_enabled(ready, egui::Button::new("Export")).clicked() {
                    actions.push(Action::Export {
                        request: dialog.request(),
                        dry_run: false,
                    });
                }
                if busy {
                    ui.label(RichText::new("An export is running…").weak());
                }
            });
        });
    open
}
