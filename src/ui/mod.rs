//! The desktop app (egui/eframe). Views draw state and emit actions; the app applies them
//! through a worker thread that owns the library, so the window never waits on the disk, the
//! database or the face engine.

pub mod app;
pub mod backend;
pub mod frame_bench;
pub mod launch;
pub mod state;
pub mod textures;
pub mod theme;
pub mod thumbnail_cache;
pub mod tour;
pub mod views;

use std::path::Path;

pub use app::KindredApp;

/// Opens the Kindred window on a library and runs until it is closed.
pub fn run(library: &Path) -> anyhow::Result<()> {
    // Taken before the window opens so a second Kindred gets a clear message, not a window
    // that cannot save anything.
    let lock = crate::library::lock::LibraryLock::acquire(library)?;
    drop(lock);
    let library = library.to_path_buf();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Kindred")
            .with_app_id("org.kindred.Kindred")
            .with_icon(
                eframe::icon_data::from_png_bytes(include_bytes!(
                    "../../assets/icons/kindred-256.png"
                ))
                .unwrap_or_default(),
            )
            .with_inner_size([1200.0, 800.0])
            .with_min_inner_size([720.0, 480.0]),
        persist_window: true,
        // Beside the default library (~/.local/share/kindred), not in a folder named after the
        // app id.
        persistence_path: directories::ProjectDirs::from("", "", "kindred")
            .map(|d| d.data_dir().to_path_buf()),
        ..Default::default()
    };
    eframe::run_native(
        "Kindred",
        options,
        Box::new(move |cc| {
            let app = KindredApp::new(&cc.egui_ctx, &library, cc.storage)?;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
