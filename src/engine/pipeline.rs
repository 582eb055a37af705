//! The whole engine behind one call: RGB image → faces with rectangles, confidences,
//! landmarks and descriptors. Models are loaded once and shared by all workers.

use std::path::{Path, PathBuf};

use image::RgbImage;
use rayon::prelude::*;
use serde::Serialize;

use super::chip::{self, CHIP_PADDING, CHIP_SIZE};
use super::detector::{Detection, FaceDetector};
use super::geometry::{Landmarks5, Rect};
use super::jitter::{self, DlibRand};
use super::models::{self, ModelError, ModelKind};
use super::resnet::{Descriptor, DescriptorNet};
use super::shape_predictor::ShapePredictor;

/// One face found in a photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Face {
    pub rect: Rect,
    pub confidence: f64,
    pub landmarks: Landmarks5,
    #[serde(serialize_with = "serialize_descriptor")]
    pub descriptor: Descriptor,
}

fn serialize_descriptor<S: serde::Serializer>(d: &Descriptor, s: S) -> Result<S::Ok, S::Error> {
    d.as_slice().serialize(s)
}

/// How thoroughly to look at a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnalyzeOptions {
    /// Times the photo is doubled before detection (finds faces down to ~20 px per step).
    pub upsample: u32,
    /// dlib's `num_jitters`: ≥ 2 averages the descriptors of that many jittered chips.
    pub jitter: u32,
    /// Average each face's descriptor with its mirror image's (two network passes per face).
    /// Not dlib's default; see [`FaceEngine::descriptors_of_chips_flipped`].
    pub flip: bool,
}

/// A hand-drawn box is scaled to about this many pixels a side before the detector looks in
/// it: a face then fills a good part of its 80-pixel window, with room to spare.
const HAND_BOX_DETECTION_SIDE: f64 = 160.0;
/// Past this, enlarging a tiny box only blurs it.
const HAND_BOX_MAX_ENLARGEMENT: f64 = 8.0;
/// The detector's score below which nothing in a hand-drawn box is taken for the face; also
/// the confidence of a face it does not see at all. Faces it doubts score a little below 0.
pub const HAND_BOX_MIN_SCORE: f64 = -0.6;

/// The three models, loaded and verified. `Send + Sync`: share one behind an `Arc`.
pub struct FaceEngine {
    pub detector: FaceDetector,
    pub landmarks: ShapePredictor,
    pub descriptors: DescriptorNet,
}

impl FaceEngine {
    /// Loads all three models from the standard locations ([`models::model_dirs`]).
    pub fn load() -> Result<Self, ModelError> {
        Self::load_from_paths(
            &models::locate(ModelKind::Detector)?,
            &models::locate(ModelKind::Landmarks)?,
            &models::locate(ModelKind::Descriptor)?,
        )
    }

    /// Loads all three models from one folder.
    pub fn load_from_dir(dir: &Path) -> Result<Self, ModelError> {
        let dirs = [dir.to_path_buf()];
        let path = |kind| models::locate_in(kind, &dirs);
        Self::load_from_paths(
            &path(ModelKind::Detector)?,
            &path(ModelKind::Landmarks)?,
            &path(ModelKind::Descriptor)?,
        )
    }

    pub fn load_from_paths(
        detector: &Path,
        landmarks: &Path,
        descriptors: &Path,
    ) -> Result<Self, ModelError> {
        let (detector, (landmarks, descriptors)) = rayon::join(
            || models::load(detector, ModelKind::Detector, FaceDetector::from_bytes),
            || {
                rayon::join(
                    || models::load(landmarks, ModelKind::Landmarks, ShapePredictor::from_bytes),
                    || {
                        models::load(
                            descriptors,
                            ModelKind::Descriptor,
                            DescriptorNet::from_bytes,
                        )
                    },
                )
            },
        );
        Ok(FaceEngine {
            detector: detector?,
            landmarks: landmarks?,
            descriptors: descriptors?,
        })
    }

    /// Paths of the model files [`FaceEngine::load`] would use.
    pub fn model_paths() -> Vec<Result<PathBuf, ModelError>> {
        ModelKind::ALL.iter().map(|&k| models::locate(k)).collect()
    }

    /// Every face in `image`, strongest detection first. Jitter draws start from a fresh
    /// generator, so the result depends only on the image and the options.
    pub fn analyze(&self, image: &RgbImage, options: AnalyzeOptions) -> Vec<Face> {
        self.analyze_with_rng(image, options, &mut DlibRand::new())
    }

    /// As [`FaceEngine::analyze`], drawing jitter from `rng` the way one dlib model object
    /// does across successive calls.
    pub fn analyze_with_rng(
        &self,
        image: &RgbImage,
        options: AnalyzeOptions,
        rng: &mut DlibRand,
    ) -> Vec<Face> {
        let detections = self.detector.detect(image, options.upsample);
        self.describe(image, &detections, options.jitter, options.flip, rng)
    }

    /// The face inside a box a person drew around it, in `image`'s pixels: the detector's own
    /// box where it sees a face there once the box is enlarged to a size it finds well (a face
    /// too small, blurred or turned for the whole photo), else the drawn box squared about its
    /// middle, scored [`HAND_BOX_MIN_SCORE`]. None for a box with no pixels of the image.
    ///
    /// Landmarks and descriptors are trained on the detector's boxes, which hug the face from
    /// brow to chin; a hand-drawn box takes in hair and background, so the detector's box,
    /// when found, gives the truer descriptor.
    pub fn face_in_box(&self, image: &RgbImage, drawn: Rect) -> Option<Detection> {
        let bounds = Rect::new(0, 0, image.width() as i64 - 1, image.height() as i64 - 1);
        let drawn = drawn.intersect(&bounds);
        if drawn.is_empty() {
            return None;
        }
        let side = drawn.width().max(drawn.height());
        let margin = side / 2;
        let region = Rect::new(
            drawn.left - margin,
            drawn.top - margin,
            drawn.right + margin,
            drawn.bottom + margin,
        )
        .intersect(&bounds);
        let scale = (HAND_BOX_DETECTION_SIDE / side as f64).min(HAND_BOX_MAX_ENLARGEMENT);
        let crop = image::imageops::crop_imm(
            image,
            region.left as u32,
            region.top as u32,
            region.width() as u32,
            region.height() as u32,
        )
        .to_image();
        let sized = |v: i64| ((v as f64 * scale).round() as u32).max(1);
        let resized = image::imageops::resize(
            &crop,
            sized(region.width()),
            sized(region.height()),
            image::imageops::FilterType::Triangle,
        );
        let back = |v: i64, origin: i64| origin + (v as f64 / scale).round() as i64;
        let found = self
            .detector
            .detect_scoring_above(&resized, 0, HAND_BOX_MIN_SCORE as f32)
            .into_iter()
            .map(|d| Detection {
                rect: Rect::new(
                    back(d.rect.left, region.left),
                    back(d.rect.top, region.top),
                    back(d.rect.right + 1, region.left) - 1,
                    back(d.rect.bottom + 1, region.top) - 1,
                ),
                confidence: d.confidence,
            })
            // The face the person meant: in the middle of their box, not a speck in it.
            .filter(|d| {
                let (cx, cy) = (
                    (d.rect.left + d.rect.right) / 2,
                    (d.rect.top + d.rect.bottom) / 2,
                );
                drawn.contains(cx, cy) && d.rect.width().max(d.rect.height()) * 4 >= side
            })
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence));
        Some(found.unwrap_or_else(|| {
            let side = drawn.width().min(drawn.height());
            let (cx, cy) = (
                (drawn.left + drawn.right + 1) / 2,
                (drawn.top + drawn.bottom + 1) / 2,
            );
            Detection {
                rect: Rect::new(
                    cx - side / 2,
                    cy - side / 2,
                    cx - side / 2 + side - 1,
                    cy - side / 2 + side - 1,
                ),
                confidence: HAND_BOX_MIN_SCORE,
            }
        }))
    }

    /// Landmarks and descriptors for given detections (one chip per face, as dlib's
    /// single-face `compute_face_descriptor`); with `flip`, averaged with the mirrored chip.
    pub fn describe(
        &self,
        image: &RgbImage,
        detections: &[Detection],
        jitter: u32,
        flip: bool,
        rng: &mut DlibRand,
    ) -> Vec<Face> {
        let landmarks: Vec<Landmarks5> = detections
            .iter()
            .map(|d| self.landmarks.predict(image, d.rect))
            .collect();
        let chips: Vec<RgbImage> = landmarks
            .par_iter()
            .map(|l| {
                chip::extract_chip(image, &chip::face_chip_details(l, CHIP_SIZE, CHIP_PADDING))
            })
            .collect();
        let descriptors = self.descriptors_of_chips_as(&chips, jitter, flip, rng);
        detections
            .iter()
            .zip(landmarks)
            .zip(descriptors)
            .map(|((d, landmarks), descriptor)| Face {
                rect: d.rect,
                confidence: d.confidence,
                landmarks,
                descriptor,
            })
            .collect()
    }

    /// Descriptors of aligned 150×150 chips, computed in parallel; with `jitter ≥ 2`, the mean
    /// over that many jittered copies of each chip (a float32 running sum times 1/N, as dlib).
    pub fn descriptors_of_chips(
        &self,
        chips: &[RgbImage],
        jitter: u32,
        rng: &mut DlibRand,
    ) -> Vec<Descriptor> {
        if jitter <= 1 {
            return self.descriptors.descriptors(chips);
        }
        // Draw every jitter in dlib's order first, so the generator state is what dlib's would
        // be; then run the networks in parallel.
        let jittered: Vec<RgbImage> = chips
            .iter()
            .flat_map(|c| {
                (0..jitter)
                    .map(|_| jitter::jitter_chip(c, rng))
                    .collect::<Vec<_>>()
            })
            .collect();
        let all = self.descriptors.descriptors(&jittered);
        let scale = 1.0f32 / jitter as f32;
        all.chunks(jitter as usize)
            .map(|copies| {
                let mut sum = [0.0f32; 128];
                for d in copies {
                    for (s, v) in sum.iter_mut().zip(d) {
                        *s += v;
                    }
                }
                sum.map(|v| v * scale)
            })
            .collect()
    }

    /// [`FaceEngine::descriptors_of_chips_flipped`] with `flip`, else dlib's
    /// [`FaceEngine::descriptors_of_chips`].
    pub fn descriptors_of_chips_as(
        &self,
        chips: &[RgbImage],
        jitter: u32,
        flip: bool,
        rng: &mut DlibRand,
    ) -> Vec<Descriptor> {
        if flip {
            self.descriptors_of_chips_flipped(chips, jitter, rng)
        } else {
            self.descriptors_of_chips(chips, jitter, rng)
        }
    }

    /// Descriptors of chips, each the mean of the chip's and its mirror image's descriptor.
    ///
    /// A face and its mirror image are the same person, so the mean keeps what identifies the
    /// face and halves what only reflects this one crop. Two passes per face (2 × `jitter`
    /// with jitter); on 2.7 million LFW pairs it cuts verification errors by 15 % and
    /// clustering errors by about 15 % (docs/BENCHMARKS.md). The mean is not re-normalised,
    /// so distances stay on the scale of dlib's descriptors, only slightly smaller.
    pub fn descriptors_of_chips_flipped(
        &self,
        chips: &[RgbImage],
        jitter: u32,
        rng: &mut DlibRand,
    ) -> Vec<Descriptor> {
        // Each chip followed by its mirror, so jitter draws come in that order per face.
        let both: Vec<RgbImage> = chips
            .iter()
            .flat_map(|c| [c.clone(), image::imageops::flip_horizontal(c)])
            .collect();
        self.descriptors_of_chips(&both, jitter, rng)
            .chunks_exact(2)
            .map(|pair| std::array::from_fn(|i| (pair[0][i] + pair[1][i]) / 2.0))
            .collect()
    }
}
