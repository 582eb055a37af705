//! A scripted walk through the main views that saves a screenshot of each from the real
//! window (`KINDRED_SCREENSHOTS=DIR kindred`), for the README and for looking at what users
//! see after a change. It only navigates; nothing in the library is changed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::state::{Action, Data, View};

/// The views photographed, in order.
const STOPS: [&str; 6] = [
    "people",
    "person",
    "person-photos",
    "photo",
    "review",
    "folders",
];
/// Frames to wait with nothing loading before taking a picture (textures arrive a frame
/// after they are asked for).
const SETTLE_FRAMES: u32 = 20;

pub struct Tour {
    dir: PathBuf,
    stop: usize,
    quiet_frames: u32,
    /// Screenshots written so far (callbacks run on the render thread).
    saved: Arc<AtomicUsize>,
    requested: usize,
}

pub enum TourStep {
    Wait,
    /// Go to the next view (and open what shows it best).
    Go(Vec<Action>),
    Close,
}

impl Tour {
    pub fn from_env() -> Option<Self> {
        let dir = PathBuf::from(std::env::var_os("KINDRED_SCREENSHOTS")?);
        Some(Tour {
            dir,
            stop: 0,
            quiet_frames: 0,
            saved: Arc::new(AtomicUsize::new(0)),
            requested: 0,
        })
    }

    /// Called once per frame after drawing; says where to go next.
    pub fn step(&mut self, ctx: &egui::Context, data: &Data, idle: bool) -> TourStep {
        ctx.request_repaint();
        if !data.loaded || !idle || self.saved.load(Ordering::SeqCst) < self.requested {
            self.quiet_frames = 0;
            return TourStep::Wait;
        }
        self.quiet_frames += 1;
        if self.quiet_frames < SETTLE_FRAMES {
            return TourStep::Wait;
        }
        self.quiet_frames = 0;
        if self.stop > 0 && self.requested < self.stop {
            // Arrived at the stop's view and it has settled: take its picture.
            let path = self.dir.join(format!("{}.png", STOPS[self.stop - 1]));
            let saved = self.saved.clone();
            ctx.request_screenshot(move |image| {
                if let Err(e) = save_png(&path, &image) {
                    eprintln!("kindred: cannot save {}: {e}", path.display());
                } else {
                    eprintln!("kindred: saved {}", path.display());
                }
                saved.fetch_add(1, Ordering::SeqCst);
            });
            self.requested += 1;
            return TourStep::Wait;
        }
        let Some(name) = STOPS.get(self.stop) else {
            return TourStep::Close;
        };
        self.stop += 1;
        if *name == "person-photos" {
            return TourStep::Go(
                best_person(data)
                    .map(Action::OpenPhotosOf)
                    .into_iter()
                    .collect(),
            );
        }
        if *name == "folders" {
            // The first folder with its subfolders listed.
            let mut actions = vec![Action::Go(View::Folders)];
            actions.extend(data.folders.first().map(|f| Action::ToggleSubfolders(f.id)));
            return TourStep::Go(actions);
        }
        TourStep::Go(vec![Action::Go(match *name {
            "people" => View::People,
            "person" => match best_person(data) {
                Some(id) => View::Person(id),
                None => View::People,
            },
            "photo" => match data.person_faces.as_ref().and_then(|(_, f)| f.first()) {
                Some(face) => View::Photo {
                    photo: face.photo,
                    siblings: data
                        .person_faces
                        .iter()
                        .flat_map(|(_, f)| f.iter().map(|x| x.photo))
                        .collect(),
                },
                None => View::People,
            },
            _ => View::Review,
        })])
    }
}

/// The named person with the most faces, else the largest group.
fn best_person(data: &Data) -> Option<i64> {
    data.people
        .iter()
        .filter(|p| !p.hidden)
        .max_by_key(|p| (p.name.is_some(), p.faces))
        .map(|p| p.id)
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let [w, h] = image.size;
    let mut rgba = Vec::with_capacity(w * h * 4);
    for pixel in &image.pixels {
        rgba.extend_from_slice(&pixel.to_srgba_unmultiplied());
    }
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or_else(|| "the screenshot has the wrong size".to_string())?;
    buffer.save(path).map_err(|e| e.to_string())
}
