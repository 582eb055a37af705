//! Kindred's look: a calm dark theme with one accent colour, roomier spacing than egui's
//! defaults, and the frames the chrome uses.

use egui::{Color32, CornerRadius, Margin, Stroke};

pub const ACCENT: Color32 = Color32::from_rgb(92, 156, 255);
pub const SUGGESTED: Color32 = Color32::from_rgb(230, 170, 60);
pub const CARD: Color32 = Color32::from_rgb(38, 41, 48);
pub const CARD_HOVER: Color32 = Color32::from_rgb(48, 52, 61);
pub const PAGE: Color32 = Color32::from_rgb(26, 28, 33);
pub const BAR: Color32 = Color32::from_rgb(33, 36, 42);
/// Behind what says the library file is damaged (and error notifications).
pub const DAMAGE: Color32 = Color32::from_rgb(120, 36, 36);

pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::ThemePreference::Dark);
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        style.spacing.interact_size.y = 26.0;
        style.visuals.selection.bg_fill = ACCENT.linear_multiply(0.6);
        style.visuals.selection.stroke = Stroke::new(1.0, ACCENT);
        style.visuals.hyperlink_color = ACCENT;
        style.visuals.panel_fill = PAGE;
        style.visuals.window_corner_radius = CornerRadius::same(10);
        style.visuals.widgets.inactive.corner_radius = CornerRadius::same(6);
        style.visuals.widgets.hovered.corner_radius = CornerRadius::same(6);
        style.visuals.widgets.active.corner_radius = CornerRadius::same(6);
        style.visuals.widgets.noninteractive.corner_radius = CornerRadius::same(6);
        for (text_style, size) in [
            (egui::TextStyle::Body, 14.0),
            (egui::TextStyle::Button, 14.0),
            (egui::TextStyle::Heading, 22.0),
            (egui::TextStyle::Small, 11.5),
        ] {
            if let Some(font) = style.text_styles.get_mut(&text_style) {
                font.size = size;
            }
        }
    });
}

pub fn bar_frame(_ctx: &egui::Context) -> egui::Frame {
    egui::Frame::new()
        .fill(BAR)
        .inner_margin(Margin::symmetric(12, 8))
        .stroke(Stroke::new(1.0, Color32::from_gray(50)))
}

/// The card above a grid that says what is selected and what can be done with it.
pub fn selection_bar_frame() -> egui::Frame {
    egui::Frame::new()
        .fill(CARD)
        .corner_radius(8.0)
        .inner_margin(Margin::symmetric(12, 6))
}

pub fn page_frame(_ctx: &egui::Context) -> egui::Frame {
    egui::Frame::new()
        .fill(PAGE)
        .inner_margin(Margin::symmetric(20, 14))
}
