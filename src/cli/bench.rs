//! `kindred bench engine`: wall-clock timings of the face engine on this machine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use super::analyze::decode_photo;
use crate::engine::chip::{self, CHIP_PADDING, CHIP_SIZE};
use crate::engine::detector::LayerTiming;
use crate::engine::pipeline::FaceEngine;

fn median_ms(repeat: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..repeat.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

/// The middle value (the upper one of an even count); `values` must not be empty.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn default_photos() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/images");
    ["2008_002506.png", "bald_guys.png"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect()
}

pub fn engine(photos: &[PathBuf], repeat: usize, layers: bool) -> anyhow::Result<ExitCode> {
    let photos = if photos.is_empty() {
        default_photos()
    } else {
        photos.to_vec()
    };
    anyhow::ensure!(
        !photos.is_empty(),
        "no photos given and the built-in test photos were not found"
    );
    let engine = FaceEngine::load().context("cannot load the face models")?;
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let threads = rayon::current_num_threads();
    outln!(
        "kindred {} engine benchmark, {threads} threads available, median of {repeat}",
        env!("CARGO_PKG_VERSION")
    );
    let mut chips = Vec::new();
    for path in &photos {
        let image = decode_photo(path)?;
        let mp = f64::from(image.width()) * f64::from(image.height()) / 1e6;
        let mut detections = Vec::new();
        let one =
            single.install(|| median_ms(repeat, || detections = engine.detector.detect(&image, 0)));
        let all = median_ms(repeat, || {
            engine.detector.detect(&image, 0);
        });
        outln!(
            "detector  {} ({}×{}, {:.2} MP, {} faces): 1 thread {:.0} ms ({:.0} ms/MP); {threads} threads {:.0} ms ({:.0} ms/MP)",
            path.file_name().unwrap_or_default().to_string_lossy(),
            image.width(),
            image.height(),
            mp,
            detections.len(),
            one,
            one / mp,
            all,
            all / mp
        );
        if layers {
            single.install(|| print_detector_layers(&engine, &image, repeat))?;
        }
        if !detections.is_empty() {
            let per_face = median_ms(repeat, || {
                for d in &detections {
                    std::hint::black_box(engine.landmarks.predict(&image, d.rect));
                }
            }) / detections.len() as f64;
            outln!("landmarks {:.3} ms per face", per_face);
        }
        for d in &detections {
            let landmarks = engine.landmarks.predict(&image, d.rect);
            chips.push(chip::extract_chip(
                &image,
                &chip::face_chip_details(&landmarks, CHIP_SIZE, CHIP_PADDING),
            ));
        }
    }
    if !chips.is_empty() {
        let one = single.install(|| {
            median_ms(repeat, || {
                for c in &chips {
                    std::hint::black_box(engine.descriptors.descriptor(c));
                }
            })
        }) / chips.len() as f64;
        let all = median_ms(repeat, || {
            std::hint::black_box(engine.descriptors.descriptors(&chips));
        }) / chips.len() as f64;
        outln!(
            "descriptor {} chips: 1 thread {one:.2} ms per face; {threads} threads {all:.2} ms per face ({:.0} faces/s)",
            chips.len(),
            1000.0 / all
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The detector's time per layer on the calling thread's pool (median of `repeat` runs).
fn print_detector_layers(
    engine: &FaceEngine,
    image: &image::RgbImage,
    repeat: usize,
) -> anyhow::Result<()> {
    let detector = &engine.detector;
    let Some((tensor, _)) =
        crate::engine::pyramid::build_input_tensor(image, detector.input_means())
    else {
        return Ok(());
    };
    let mut runs: Vec<Vec<LayerTiming>> = Vec::new();
    for _ in 0..repeat.max(1) {
        let mut timings = Vec::new();
        detector.score_map_observed(tensor.view(), |t| timings.push(t));
        runs.push(timings);
    }
    let mut total = (0.0, 0.0);
    for layer in 0..runs[0].len() {
        let ms = median(
            runs.iter()
                .map(|r| r[layer].elapsed.as_secs_f64() * 1e3)
                .collect(),
        );
        let t = runs[0][layer];
        total.0 += ms;
        total.1 += t.flops;
        outln!(
            "  layer {} {:?} -> {:?}: {ms:.0} ms, {:.1} GFLOP, {:.1} GFLOP/s",
            t.layer + 1,
            t.input,
            t.output,
            t.flops / 1e9,
            t.flops / 1e6 / ms
        );
    }
    outln!(
        "  all layers: {:.0} ms, {:.1} GFLOP, {:.1} GFLOP/s",
        total.0,
        total.1 / 1e9,
        total.1 / 1e6 / total.0
    );
    Ok(())
}

/// Times a rescan in which nothing changed: the cost of walking, stat-ing and comparing.
pub fn rescan(files: usize) -> anyhow::Result<ExitCode> {
    use crate::library::scan::{self, FILES_READ, ScanControl, ScanOptions};
    use crate::library::store::{PhotoAnalysis, Store};
    use std::sync::atomic::Ordering;

    let dir = std::env::temp_dir().join(format!("kindred-bench-rescan-{}", std::process::id()));
    let root = dir.join("photos");
    let result = (|| -> anyhow::Result<()> {
        let options = ScanOptions::default();
        let mut store = Store::open(&dir.join("bench.kindred"))?;
        let root_id = store.add_root(&root)?;
        let t = Instant::now();
        let mut analyses = Vec::with_capacity(files);
        for i in 0..files {
            let folder = root.join(format!("{:04}", i / 100));
            std::fs::create_dir_all(&folder)?;
            let path = folder.join(format!("IMG_{i:05}.jpg"));
            std::fs::write(&path, format!("photo {i}"))?;
            let meta = std::fs::metadata(&path)?;
            analyses.push(PhotoAnalysis {
                root_id: Some(root_id),
                path,
                size: meta.len(),
                mtime_ns: crate::library::walk::mtime_ns(&meta),
                content_hash: format!("{i:064x}"),
                width: 4000,
                height: 3000,
                orientation: 1,
                taken_at: None,
                dated_by_name: false,
                camera: None,
                analysis_key: options.analysis_key(),
                turn: crate::library::turn::Turn::NONE,
                faces: Vec::new(),
            });
        }
        store.in_transaction(|s| {
            for a in &analyses {
                s.record_analysis_in_tx(a)?;
            }
            Ok(())
        })?;
        outln!(
            "prepared {files} files and their library rows in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let engine = FaceEngine::load().context("cannot load the face models")?;
        let (tx, rx) = std::sync::mpsc::channel();
        let drain = std::thread::spawn(move || rx.into_iter().count());
        FILES_READ.store(0, Ordering::SeqCst);
        let t = Instant::now();
        let summary = scan::scan(
            &mut store,
            &engine,
            &[(root_id, root.clone())],
            options,
            &ScanControl::new(),
            tx,
        )?;
        let elapsed = t.elapsed().as_secs_f64();
        drain.join().ok();
        outln!(
            "no-change rescan of {} files: {:.2} s ({} unchanged, {} analysed, {} image files read)",
            summary.found,
            elapsed,
            summary.unchanged,
            summary.analysed,
            FILES_READ.load(Ordering::SeqCst)
        );
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|()| ExitCode::SUCCESS)
}

/// `kindred bench ui`: builds (or reuses) a synthetic library and times the app's views on it.
pub fn ui(faces: usize, people: usize, keep: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    use crate::bench::synthetic;
    use crate::ui::frame_bench::{self, FrameStats};

    let temp = std::env::temp_dir().join(format!("kindred-bench-ui-{}", std::process::id()));
    let library = match keep {
        Some(path) => path.to_path_buf(),
        None => temp.join("bench.kindred"),
    };
    let result = (|| -> anyhow::Result<()> {
        if library.exists() {
            outln!("using the existing library {}", library.display());
        } else {
            if let Some(dir) = library.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let t = Instant::now();
            let made = synthetic::build_library(&library, faces, people, 40, &mut |step| {
                eprintln!(
                    "[{:6.1} s] synthetic library: {step}…",
                    t.elapsed().as_secs_f64()
                )
            })?;
            outln!(
                "synthetic library: {} faces in {} photos, {} people ({} named), made in {:.1} s",
                made.faces,
                made.photos,
                made.people,
                made.named,
                t.elapsed().as_secs_f64()
            );
        }
        let report = frame_bench::measure(&library)?;
        let line = |what: &str, s: &FrameStats| -> std::io::Result<()> {
            outln!(
                "{what}: {} frames, mean {:.2} ms, p99 {:.2} ms, max {:.2} ms, {} over 50 ms",
                s.frames,
                s.mean_ms,
                s.p99_ms,
                s.max_ms,
                s.over_50ms
            );
            Ok(())
        };
        outln!(
            "People view ({} people): open {:.0} ms",
            report.people,
            report.people_open_ms
        );
        line("  scrolling the people grid", &report.people_scroll)?;
        outln!(
            "Person view (largest person, {} faces): open {:.0} ms",
            report.faces_of_largest,
            report.person_open_ms
        );
        line("  scrolling the face grid", &report.person_scroll)?;
        outln!(
            "Person view, Photos tab ({} photos by year): open {:.0} ms",
            report.photos_of_largest,
            report.photos_open_ms
        );
        line("  scrolling the photo grid", &report.photos_scroll)?;
        outln!(
            "Folder page (the photo folder, {} photos): open {:.0} ms",
            report.folder_photos,
            report.folder_open_ms
        );
        line("  scrolling its photo grid", &report.folder_scroll)?;
        let review = &report.review;
        outln!(
            "Review of everyone named ({} faces asked about): list in {:.0} ms; \
             an answer given while it reloads saved in {:.0} ms",
            review.suggestions,
            review.list_ms,
            review.answer_saved_ms
        );
        Ok(())
    })();
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result?;
    Ok(ExitCode::SUCCESS)
}
