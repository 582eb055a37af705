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
use super::state::Settings;
use crate::library::store::Store;

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
    })
}
