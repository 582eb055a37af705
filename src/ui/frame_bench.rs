//! Frame times of the real app, measured headless: the app's own frames (views, layout,
//! texture uploads queued, tessellation) are run on an `egui::Context` with synthetic input,
//! so `kindred bench ui` needs no window or GPU and times exactly what the UI thread does.
//! The GPU's share of a frame (drawing the triangles) is not included.

use std::path::Path;
use std::time::{Duration, Instant};

use egui::{
    Event, Modifiers, MouseWheelSource, MouseWheelUnit, Pos2, RawInput, Rect, TouchPhase, Vec2,
};

use super::KindredApp;
use super::backend::{Backend, Mutation, Request, Response, ReviewList, ReviewOf};
use super::state::Settings;
use crate::library::store::Store;
use crate::people::ops::{self, FaceState};

/// Frame times of one scripted interaction, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameStats {
    pub frames: usize,
    pub mean_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Frames slower than 50 ms.
    pub over_50ms: usize,
}

impl FrameStats {
    fn of(mut times: Vec<f64>) -> Self {
        times.sort_by(f64::total_cmp);
        let n = times.len().max(1);
        FrameStats {
            frames: times.len(),
            mean_ms: times.iter().sum::<f64>() / n as f64,
            p99_ms: times.get((n * 99 / 100).min(n - 1)).copied().unwrap_or(0.0),
            max_ms: times.last().copied().unwrap_or(0.0),
            over_50ms: times.iter().filter(|&&t| t > 50.0).count(),
        }
    }
}

/// What `kindred bench ui` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct UiBenchReport {
    pub people: usize,
    pub faces_of_largest: usize,
    /// From starting the app to the People grid drawn with its faces.
    pub people_open_ms: f64,
    pub people_scroll: FrameStats,
    /// From clicking the largest person to their face grid drawn with its faces.
    pub person_open_ms: f64,
    pub person_scroll: FrameStats,
    /// The largest person's photos, by year.
    pub photos_of_largest: usize,
    pub photos_open_ms: f64,
    pub photos_scroll: FrameStats,
    /// The page of the library's first photo folder: everyone in it, and all its photos.
    pub folder_photos: usize,
    pub folder_open_ms: f64,
    pub folder_scroll: FrameStats,
    pub review: ReviewTimes,
}

/// Review of everyone named, timed on the app's worker side.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewTimes {
    /// Faces in the list.
    pub suggestions: usize,
    /// From asking for the list to having it.
    pub list_ms: f64,
    /// An answer given while the list reloads after the one before: until it is saved.
    pub answer_saved_ms: f64,
}

/// Drives the app frame by frame at a fixed 60 Hz clock.
struct Headless {
    ctx: egui::Context,
    app: KindredApp,
    time: f64,
    screen: Rect,
}

impl Headless {
    fn frame(&mut self, events: Vec<Event>) -> f64 {
        let input = RawInput {
            screen_rect: Some(self.screen),
            time: Some(self.time),
            events,
            ..Default::default()
        };
        self.time += 1.0 / 60.0;
        let started = Instant::now();
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(input, |ui| app.frame(ui));
        let _ = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        // No GPU to upload to: the texture changes are dropped once made.
        output.textures_delta.clear();
        started.elapsed().as_secs_f64() * 1e3
    }

    /// Runs frames until the app is idle with `ready` true for a few frames in a row;
    /// returns the wall time that took.
    fn settle(
        &mut self,
        ready: impl Fn(&KindredApp) -> bool,
        limit: Duration,
    ) -> anyhow::Result<f64> {
        let started = Instant::now();
        let mut quiet = 0;
        while quiet < 3 {
            if started.elapsed() > limit {
                anyhow::bail!("the app did not settle within {limit:?}");
            }
            self.frame(Vec::new());
            if ready(&self.app) && self.app.is_idle() {
                quiet += 1;
            } else {
                quiet = 0;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        Ok(started.elapsed().as_secs_f64() * 1e3)
    }

    /// Scrolls with the pointer over the middle of the page: steady wheel notches, and every
    /// `fling_every` frames a long fling, like dragging through a big grid.
    fn scroll(&mut self, frames: usize, fling_every: usize) -> FrameStats {
        let centre = self.screen.center();
        let mut times = Vec::with_capacity(frames);
        self.frame(vec![Event::PointerMoved(centre)]);
        for n in 0..frames {
            let down = (n / 400) % 2 == 0;
            let step = if fling_every > 0 && n % fling_every == fling_every - 1 {
                2500.0
            } else {
                90.0
            };
            let wheel = Event::MouseWheel {
                unit: MouseWheelUnit::Point,
                delta: Vec2::new(0.0, if down { -step } else { step }),
                phase: TouchPhase::Move,
                source: MouseWheelSource::Unknown,
                modifiers: Modifiers::NONE,
            };
            times.push(self.frame(vec![wheel]));
        }
        FrameStats::of(times)
    }
}

/// Opens the app on `library` in a 1440×900 window and times the People and Person views.
pub fn measure(library: &Path) -> anyhow::Result<UiBenchReport> {
    let ctx = egui::Context::default();
    let started = Instant::now();
    let store = Store::open(library)?;
    let app = KindredApp::with_store(&ctx, store, Settings::default(), None);
    let mut headless = Headless {
        ctx,
        app,
        time: 0.0,
        screen: Rect::from_min_size(Pos2::ZERO, Vec2::new(1440.0, 900.0)),
    };
    let limit = Duration::from_secs(120);
    headless.settle(|app| app.data.loaded, limit)?;
    let people_open_ms = started.elapsed().as_secs_f64() * 1e3;
    let people_scroll = headless.scroll(600, 50);

    let largest = headless
        .app
        .data
        .people
        .first()
        .map(|p| (p.id, p.faces))
        .ok_or_else(|| anyhow::anyhow!("the library has no people"))?;
    let people = headless.app.data.people.len();
    headless.app.open_person(largest.0);
    let person_open_ms = headless.settle(
        |app| matches!(&app.data.person_faces, Some((id, _)) if *id == largest.0),
        limit,
    )?;
    let person_scroll = headless.scroll(1200, 40);

    headless.app.open_photos_of(largest.0);
    let photos_open_ms = headless.settle(
        |app| matches!(&app.data.photos, Some((ids, _)) if *ids == [largest.0]),
        limit,
    )?;
    let photos_of_largest = headless
        .app
        .data
        .photos
        .as_ref()
        .map_or(0, |(_, p)| p.len());
    let photos_scroll = headless.scroll(1200, 40);

    let folder = headless
        .app
        .data
        .folders
        .first()
        .map(|f| f.path.clone())
        .ok_or_else(|| anyhow::anyhow!("the library has no photo folder"))?;
    headless.app.open_folder(folder.clone());
    let folder_open_ms = headless.settle(
        |app| matches!(&app.data.folder_contents, Some(c) if c.folder == folder),
        limit,
    )?;
    let folder_photos = headless
        .app
        .data
        .folder_contents
        .as_ref()
        .map_or(0, |c| c.photos.len());
    let folder_scroll = headless.scroll(1200, 40);
    drop(headless);
    let review = measure_review(library, limit)?;
    Ok(UiBenchReport {
        people,
        faces_of_largest: largest.1,
        people_open_ms,
        people_scroll,
        person_open_ms,
        person_scroll,
        photos_of_largest,
        photos_open_ms,
        photos_scroll,
        folder_photos,
        folder_open_ms,
        folder_scroll,
        review,
    })
}

/// Times Review of everyone on the backend the app uses, with no frames in between: how long
/// the list takes, and how long an answer waits to be saved when it comes while the list
/// reloads, as it does when the user answers quickly. The answer is undone afterwards, so the
/// library is left as it was.
fn measure_review(library: &Path, limit: Duration) -> anyhow::Result<ReviewTimes> {
    let backend = Backend::start(Store::open(library)?, egui::Context::default(), None);
    let ask = || Request::Suggestions {
        of: ReviewOf::Everyone,
        skipped: Vec::new(),
    };
    let started = Instant::now();
    backend.send(ask());
    let list = wait_for(&backend, limit, |r| match r {
        Response::Suggestions(list) => Some(list),
        _ => None,
    })?;
    let list_ms = started.elapsed().as_secs_f64() * 1e3;
    let ReviewList { items, .. } = list;
    // The synthetic library's strangers are far from everyone named; any face not yet
    // confirmed, given to the largest person, then stands in for a suggestion said yes to.
    let (face, person) = match items.first() {
        Some(first) => (first.face, first.person),
        None => {
            let store = Store::open(library)?;
            let largest = ops::people(&store)?
                .first()
                .map(|p| p.id)
                .ok_or_else(|| anyhow::anyhow!("the library has no people"))?;
            let face = store
                .match_rows()?
                .into_iter()
                .find(|r| r.assignment.state != FaceState::Confirmed)
                .ok_or_else(|| anyhow::anyhow!("every face is confirmed"))?
                .face;
            (face, largest)
        }
    };

    backend.send(ask());
    // Long enough for the reload to be under way, far shorter than it takes.
    std::thread::sleep(Duration::from_millis(20));
    let answered = Instant::now();
    backend.send(Request::Mutate(Mutation::Move {
        faces: vec![face],
        to: person,
    }));
    let saved = |r| match r {
        Response::Changed(_) => Some(()),
        _ => None,
    };
    wait_for(&backend, limit, saved)?;
    let answer_saved_ms = answered.elapsed().as_secs_f64() * 1e3;

    backend.send(Request::Mutate(Mutation::Undo(1)));
    wait_for(&backend, limit, saved)?;
    while !backend.is_idle() {
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(ReviewTimes {
        suggestions: items.len(),
        list_ms,
        answer_saved_ms,
    })
}

/// Drains the backend's responses until `wanted` picks one out.
fn wait_for<T>(
    backend: &Backend,
    limit: Duration,
    mut wanted: impl FnMut(Response) -> Option<T>,
) -> anyhow::Result<T> {
    let started = Instant::now();
    loop {
        for response in backend.poll() {
            if let Response::Error(message) = response {
                anyhow::bail!("{message}");
            }
            if let Some(found) = wanted(response) {
                return Ok(found);
            }
        }
        if started.elapsed() > limit {
            anyhow::bail!("no answer within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
