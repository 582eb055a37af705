//! `kindred analyze` and `kindred cluster`: the face engine on photos named on the command line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use image::RgbImage;
use serde_json::json;

use super::ClusterMethod;
use crate::engine::jitter::DlibRand;
use crate::engine::pipeline::{AnalyzeOptions, Face, FaceEngine};

/// Largest photo the command line decodes, in pixels: beyond this a photo is refused rather
/// than risking memory exhaustion on a decompression bomb.
const MAX_PIXELS: u64 = 120_000_000;

/// Decodes a photo to 8-bit RGB exactly as stored (no EXIF rotation). HEIC photos, which dlib
/// cannot read, are decoded as the library does: turned by the file's own rotation, which every
/// HEIC reader applies. A camera RAW file is the JPEG embedded in it, as stored.
pub fn decode_photo(path: &Path) -> anyhow::Result<RgbImage> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let unreadable = || format!("{} is not a readable image", path.display());
    if crate::library::decode::is_heic(&bytes) {
        let photo = crate::library::decode::decode_photo(&bytes).with_context(unreadable)?;
        return Ok(photo.image);
    }
    let bytes = match crate::library::raw::embedded_preview(&bytes) {
        Some(preview) => preview.with_context(unreadable)?.jpeg,
        None => &bytes[..],
    };
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .with_context(|| format!("cannot read {}", path.display()))
    };
    let (w, h) = reader()?.into_dimensions().with_context(unreadable)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        anyhow::bail!(
            "{} is {w}×{h} pixels, more than the {} megapixels Kindred decodes",
            path.display(),
            MAX_PIXELS / 1_000_000
        );
    }
    let image = reader()?.decode().with_context(unreadable)?;
    Ok(image.to_rgb8())
}

fn face_json(face: &Face) -> serde_json::Value {
    json!({
        "rect": face.rect.to_array(),
        "confidence": face.confidence,
        "landmarks": face.landmarks.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>(),
        "descriptor": face.descriptor.as_slice(),
    })
}

fn load_engine() -> anyhow::Result<FaceEngine> {
    FaceEngine::load().context("cannot load the face models")
}

pub fn analyze(photos: &[PathBuf], options: AnalyzeOptions) -> anyhow::Result<ExitCode> {
    let engine = load_engine()?;
    // One generator across all photos, in argument order, as one dlib model object would use.
    let mut rng = DlibRand::new();
    let mut failed = false;
    let stdout = std::io::stdout();
    for path in photos {
        let line = match decode_photo(path) {
            Ok(image) => {
                let faces = engine.analyze_with_rng(&image, options, &mut rng);
                json!({
                    "path": path.display().to_string(),
                    "width": image.width(),
                    "height": image.height(),
                    "faces": faces.iter().map(face_json).collect::<Vec<_>>(),
                })
            }
            Err(err) => {
                failed = true;
                json!({ "path": path.display().to_string(), "error": format!("{err:#}") })
            }
        };
        let mut out = stdout.lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn cluster(
    photos: &[PathBuf],
    threshold: Option<f32>,
    upsample: u32,
    method: ClusterMethod,
) -> anyhow::Result<ExitCode> {
    let cluster_options = super::people::cluster_options(method, threshold);
    let engine = load_engine()?;
    let options = method.analyze_options(upsample);
    let mut failed = false;
    let mut faces = Vec::new(); // (photo index, face index, descriptor)
    for (photo, path) in photos.iter().enumerate() {
        match decode_photo(path) {
            Ok(image) => {
                for (i, face) in engine.analyze(&image, options).into_iter().enumerate() {
                    faces.push((photo, i, face.descriptor));
                }
            }
            Err(err) => {
                failed = true;
                eprintln!("kindred: skipping {}: {err:#}", path.display());
            }
        }
    }
    let descriptors: Vec<_> = faces.iter().map(|f| f.2).collect();
    let labels = crate::people::matching::cluster(&descriptors, &cluster_options);
    let people_count = labels.iter().max().map_or(0, |m| m + 1);
    let mut people = vec![Vec::new(); people_count];
    for (&(photo, face, _), &label) in faces.iter().zip(&labels) {
        people[label].push(json!({ "path": photos[photo].display().to_string(), "face": face }));
    }
    outln!("{}", json!({ "people": people }));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
