//! `kindred bench engine`: wall-clock timings of the face engine on this machine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use super::analyze::decode_photo;
use crate::engine::chip::{self, CHIP_PADDING, CHIP_SIZE};
use crate::engine::pipeline::FaceEngine;

fn median_ms(repeat: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeat.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn default_photos() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/images");
    ["2008_002506.png", "bald_guys.png"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect()
}

pub fn engine(photos: &[PathBuf], repeat: usize) -> anyhow::Result<ExitCode> {
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
    println!(
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
        println!(
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
        if !detections.is_empty() {
            let per_face = median_ms(repeat, || {
                for d in &detections {
                    std::hint::black_box(engine.landmarks.predict(&image, d.rect));
                }
            }) / detections.len() as f64;
            println!("landmarks {:.3} ms per face", per_face);
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
        println!(
            "descriptor {} chips: 1 thread {one:.2} ms per face; {threads} threads {all:.2} ms per face ({:.0} faces/s)",
            chips.len(),
            1000.0 / all
        );
    }
    Ok(ExitCode::SUCCESS)
}
