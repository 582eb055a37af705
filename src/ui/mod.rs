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
pub mod unopened;
pub mod views;

use std::path::Path;

pub use app::KindredApp;

/// Opens the Kindred window on a library and runs until it is closed. A library that cannot
/// be opened (already open in another Kindred, damaged) opens a window that says so and
/// offers the way on.
pub fn run(library: &Path) -> anyhow::Result<()> {
    let opened = unopened::try_open(library);
    if let Err(problem) = &opened {
        // Also for whoever started Kindred from a terminal.
        eprintln!("kindred: {problem}");
    }
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
            let window = match opened {
                Ok((lock, store)) => Window::Library(Box::new(KindredApp::opened(
                    &cc.egui_ctx,
                    lock,
                    store,
                    cc.storage,
                )?)),
                Err(problem) => {
                    theme::apply(&cc.egui_ctx);
                    Window::Unopened(Box::new(unopened::UnopenedLibrary::new(&library, problem)))
                }
            };
            Ok(Box::new(window))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// What the window shows: the library, or why it could not be opened.
enum Window {
    Library(Box<KindredApp>),
    Unopened(Box<unopened::UnopenedLibrary>),
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        match self {
            Window::Library(app) => {
                app.ui(ui, frame);
                if app.put_back_due()
                    && let Err(e) = app.put_back_copy(ui.ctx())
                {
                    let library = app.library().to_path_buf();
                    // The app, and the lock it holds, let go before the page tries again.
                    *self = Window::Unopened(Box::new(unopened::UnopenedLibrary::new(
                        &library,
                        unopened::Problem::Other(e),
                    )));
                }
            }
            Window::Unopened(page) => {
                let Some((lock, store)) = page.show(ui) else {
                    return;
                };
                match KindredApp::opened(ui.ctx(), lock, store, frame.storage()) {
                    Ok(mut app) => {
                        if let Some(done) = page.done.take() {
                            app.notify(ui.ctx(), done, false);
                        }
                        *self = Window::Library(Box::new(app));
                    }
                    Err(e) => page.problem = unopened::Problem::Other(e.to_string()),
                }
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if let Window::Library(app) = self {
            app.save(storage);
        }
    }
}
