//! The LFW face-verification benchmark: reading the standard `pairs.txt`, turning each LFW
//! image into one descriptor with the whole pipeline, and scoring the pairs both at the fixed
//! threshold 0.6 and with the standard cross-validation over folds.
//!
//! Choices made here, and why:
//! - **Which face.** LFW images are 250×250 crops centred on the labelled person, but other
//!   people often appear at the edges; the detection whose box centre is nearest the image
//!   centre is taken, whatever its score.
//! - **No face found.** The detector occasionally misses (profile views, occlusion). Dropping
//!   those pairs would flatter the result, so the pipeline carries on with a fixed square box
//!   in the middle of the image ([`fallback_rect`]), whose size is the typical size of the
//!   detector's own boxes on LFW's deep-funneled images; landmarks are then predicted inside
//!   it as for a detection. Such images are counted and reported.
//! - **Box alignment** (`Align::Box`): an upright chip placed on the detector box with a fixed
//!   offset and scale ([`BOX_CHIP_OFFSET`], [`BOX_CHIP_SCALE`]), skipping the landmark step; it
//!   measures what landmark alignment is worth.
//! - **Flip averaging.** The descriptor is the mean of the descriptors of the aligned chip and
//!   of its mirror image. The mean is *not* re-normalised: the network's descriptors are not
//!   unit vectors either, and the 0.6 threshold is calibrated on their raw scale.
//! - **Cross-validation.** For each fold, the threshold that maximises accuracy on the other
//!   folds is applied to it (ties go to the threshold nearest 0.6). With a single fold there is
//!   nothing to hold out: the threshold is then chosen on that fold itself, which is optimistic,
//!   and the report says so.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::RgbImage;
use rayon::prelude::*;
use serde::Serialize;

use crate::engine::chip::{self, CHIP_PADDING, CHIP_SIZE, ChipDetails};
use crate::engine::detector::Detection;
use crate::engine::geometry::{DRect, Rect};
use crate::engine::jitter::DlibRand;
use crate::engine::pipeline::FaceEngine;
use crate::engine::resnet::{self, Descriptor};

/// The distance below which dlib calls two faces the same person.
pub const DEFAULT_THRESHOLD: f64 = 0.6;

/// A syntax error in a pairs file, with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PairsError {
    pub line: usize,
    pub message: String,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum LfwError {
    #[error("cannot read the pairs file {path}: {source}")]
    ReadPairs {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, {source}")]
    Pairs { path: PathBuf, source: PairsError },
    #[error("{missing} image(s) named in the pairs file are missing, for example {example}")]
    MissingImages { missing: usize, example: PathBuf },
    #[error("cannot read image {path}: {message}")]
    Image { path: PathBuf, message: String },
}

/// One LFW image: a person's name and the image's 1-based number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    pub name: String,
    pub number: u32,
}

impl ImageRef {
    /// Where LFW keeps it: `DIR/<name>/<name>_<nnnn>.jpg`.
    pub fn path(&self, images: &Path) -> PathBuf {
        images
            .join(&self.name)
            .join(format!("{}_{:04}.jpg", self.name, self.number))
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{:04}", self.name, self.number)
    }
}

/// One line of the pairs file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub a: ImageRef,
    pub b: ImageRef,
    pub same: bool,
    /// 0-based fold.
    pub fold: usize,
    /// 1-based line in the file.
    pub line: usize,
}

/// A parsed pairs file: `folds` folds of `per_fold` same-person then `per_fold`
/// different-person pairs each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairs {
    pub folds: usize,
    pub per_fold: usize,
    pub pairs: Vec<Pair>,
}

impl Pairs {
    /// Every distinct image the pairs name, in a fixed order.
    pub fn images(&self) -> Vec<ImageRef> {
        let mut all: Vec<ImageRef> = self
            .pairs
            .iter()
            .flat_map(|p| [p.a.clone(), p.b.clone()])
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Where pair number `index` (0-based, in file order) belongs: its fold and whether it is a
/// same-person pair. Each fold holds `per_fold` same-person pairs followed by `per_fold`
/// different-person pairs.
pub fn fold_position(index: usize, per_fold: usize) -> (usize, bool) {
    let fold_len = 2 * per_fold;
    (index / fold_len, index % fold_len < per_fold)
}

fn err(line: usize, message: impl Into<String>) -> PairsError {
    PairsError {
        line,
        message: message.into(),
    }
}

fn count(field: &str, what: &str, line: usize) -> Result<usize, PairsError> {
    match field.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(err(
            line,
            format!("the {what} must be a whole number of at least 1, found \"{field}\""),
        )),
    }
}

fn image_ref(name: &str, number: &str, line: usize) -> Result<ImageRef, PairsError> {
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(err(line, format!("\"{name}\" is not a person's name")));
    }
    match number.parse::<u32>() {
        Ok(n) if n > 0 => Ok(ImageRef {
            name: name.to_string(),
            number: n,
        }),
        _ => Err(err(
            line,
            format!(
                "the image number of {name} must be a whole number of at least 1, found \"{number}\""
            ),
        )),
    }
}

/// Parses LFW's `pairs.txt`. The first line is `folds n` (or just `n`, as in the View 1
/// development files, meaning one fold); then, for each fold, `n` same-person lines
/// `name i j` and `n` different-person lines `name1 i name2 j`. Fields are separated by tabs
/// or spaces; blank lines are ignored.
pub fn parse_pairs(text: &str) -> Result<Pairs, PairsError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(err(1, "the file is empty; expected a header `folds n`"));
    };
    let fields: Vec<&str> = header.split_whitespace().collect();
    let (folds, per_fold) = match fields.as_slice() {
        [n] => (1, count(n, "number of pairs per kind", header_line)?),
        [f, n] => (
            count(f, "number of folds", header_line)?,
            count(n, "number of pairs per kind", header_line)?,
        ),
        _ => {
            return Err(err(
                header_line,
                format!(
                    "expected a header `folds n` (two numbers), found {} fields",
                    fields.len()
                ),
            ));
        }
    };
    let total = folds
        .checked_mul(2 * per_fold)
        .filter(|&t| t <= 100_000_000)
        .ok_or_else(|| err(header_line, "the header promises an absurd number of pairs"))?;
    let mut pairs = Vec::with_capacity(total.min(1 << 16));
    let mut last_line = header_line;
    for (line, text) in lines {
        last_line = line;
        let index = pairs.len();
        if index == total {
            return Err(err(
                line,
                format!(
                    "more pairs than the header (line {header_line}) promises: {folds} fold(s) of {per_fold} same-person and {per_fold} different-person pairs"
                ),
            ));
        }
        let (fold, same) = fold_position(index, per_fold);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let pair = match (same, fields.as_slice()) {
            (true, [name, i, j]) => Pair {
                a: image_ref(name, i, line)?,
                b: image_ref(name, j, line)?,
                same,
                fold,
                line,
            },
            (false, [n1, i, n2, j]) => Pair {
                a: image_ref(n1, i, line)?,
                b: image_ref(n2, j, line)?,
                same,
                fold,
                line,
            },
            (true, _) => {
                return Err(err(
                    line,
                    format!(
                        "expected a same-person pair `name i j` (pair {} of fold {}), found {} fields",
                        index % (2 * per_fold) + 1,
                        fold + 1,
                        fields.len()
                    ),
                ));
            }
            (false, _) => {
                return Err(err(
                    line,
                    format!(
                        "expected a different-person pair `name1 i name2 j` (pair {} of fold {}), found {} fields",
                        index % (2 * per_fold) + 1,
                        fold + 1,
                        fields.len()
                    ),
                ));
            }
        };
        pairs.push(pair);
    }
    if pairs.len() < total {
        return Err(err(
            last_line,
            format!(
                "the file ends after {} pairs, but the header (line {header_line}) promises {total}: {folds} fold(s) of {per_fold} same-person and {per_fold} different-person pairs",
                pairs.len()
            ),
        ));
    }
    Ok(Pairs {
        folds,
        per_fold,
        pairs,
    })
}

/// Reads and parses a pairs file.
pub fn read_pairs(path: &Path) -> Result<Pairs, LfwError> {
    let text = std::fs::read_to_string(path).map_err(|source| LfwError::ReadPairs {
        path: path.to_path_buf(),
        source,
    })?;
    parse_pairs(&text).map_err(|source| LfwError::Pairs {
        path: path.to_path_buf(),
        source,
    })
}

/// A scored pair: the distance between its two descriptors, the truth, and its fold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub distance: f64,
    pub same: bool,
    pub fold: usize,
}

/// Fraction of pairs classified correctly when "same person" means `distance < threshold`.
pub fn accuracy_at(scored: &[Scored], threshold: f64) -> f64 {
    if scored.is_empty() {
        return 0.0;
    }
    let correct = scored
        .iter()
        .filter(|s| (s.distance < threshold) == s.same)
        .count();
    correct as f64 / scored.len() as f64
}

/// The threshold with the highest accuracy on `scored`. Candidates are the lowest distance
/// (nothing is "same"), the midpoints between consecutive distinct distances, and a value
/// above every distance; ties go to the candidate nearest [`DEFAULT_THRESHOLD`].
pub fn best_threshold(scored: &[Scored]) -> f64 {
    let mut sorted: Vec<(f64, bool)> = scored
        .iter()
        .filter(|s| s.distance.is_finite())
        .map(|s| (s.distance, s.same))
        .collect();
    if sorted.is_empty() {
        return DEFAULT_THRESHOLD;
    }
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let different_total = sorted.iter().filter(|s| !s.1).count();
    // Sweep: with the first `i` pairs called "same", correct = same among them + different
    // among the rest.
    let (mut same_below, mut different_below) = (0usize, 0usize);
    // Calling nothing "same" is the first candidate.
    let mut best = (different_total, sorted[0].0);
    let consider = |correct: usize, threshold: f64, best: &mut (usize, f64)| {
        let nearer = (threshold - DEFAULT_THRESHOLD).abs() < (best.1 - DEFAULT_THRESHOLD).abs();
        if correct > best.0 || (correct == best.0 && nearer) {
            *best = (correct, threshold);
        }
    };
    for (i, &(distance, same)) in sorted.iter().enumerate() {
        if same {
            same_below += 1;
        } else {
            different_below += 1;
        }
        let correct = same_below + (different_total - different_below);
        match sorted.get(i + 1) {
            Some(&(next, _)) if next > distance => {
                consider(correct, (distance + next) / 2.0, &mut best)
            }
            Some(_) => {} // equal distances cannot be split
            None => consider(correct, distance + 1.0, &mut best),
        }
    }
    best.1
}

/// Accuracy per held-out fold and their summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossValidation {
    /// Threshold chosen for each fold (on the other folds).
    pub thresholds: Vec<f64>,
    pub fold_accuracies: Vec<f64>,
    pub mean: f64,
    /// Sample standard deviation over folds (divisor folds − 1, as LFW's protocol); 0 for one fold.
    pub std: f64,
    /// True when there was only one fold, so the threshold was chosen on the data it scores.
    pub threshold_on_test_fold: bool,
}

/// The standard LFW protocol: for each fold, choose the threshold on the other folds and
/// measure accuracy on it.
pub fn cross_validate(scored: &[Scored], folds: usize) -> CrossValidation {
    let folds = folds.max(1);
    let mut thresholds = Vec::with_capacity(folds);
    let mut fold_accuracies = Vec::with_capacity(folds);
    for k in 0..folds {
        let test: Vec<Scored> = scored.iter().copied().filter(|s| s.fold == k).collect();
        let threshold = if folds == 1 {
            best_threshold(&test)
        } else {
            let train: Vec<Scored> = scored.iter().copied().filter(|s| s.fold != k).collect();
            best_threshold(&train)
        };
        thresholds.push(threshold);
        fold_accuracies.push(accuracy_at(&test, threshold));
    }
    let mean = fold_accuracies.iter().sum::<f64>() / folds as f64;
    let std = if folds > 1 {
        (fold_accuracies
            .iter()
            .map(|a| (a - mean) * (a - mean))
            .sum::<f64>()
            / (folds - 1) as f64)
            .sqrt()
    } else {
        0.0
    };
    CrossValidation {
        thresholds,
        fold_accuracies,
        mean,
        std,
        threshold_on_test_fold: folds == 1,
    }
}

/// How a face is aligned before the descriptor network sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// The 5-point landmarks, fitted to dlib's template (dlib's way).
    #[default]
    Landmarks,
    /// The detector's box alone, upright, with no landmark step.
    Box,
}

/// The pipeline variant to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LfwOptions {
    /// Detector upsampling steps.
    pub upsample: u32,
    /// dlib's num_jitters (0 or 1: none).
    pub jitter: u32,
    /// Average with the mirrored chip.
    pub flip: bool,
    pub align: Align,
}

impl LfwOptions {
    /// Descriptor-network passes per face.
    pub fn network_passes(&self) -> u32 {
        self.jitter.max(1) * if self.flip { 2 } else { 1 }
    }
}

/// Side of the fallback box as a fraction of the image's shorter side: 96 px on LFW's 250×250
/// deep-funneled images, the median (and most common) side of the detector's box around the
/// central face on the 286 lfw-dev images.
pub const FALLBACK_FRACTION: f64 = 0.384;

/// The centred square box used when the detector finds no face.
pub fn fallback_rect(width: u32, height: u32) -> Rect {
    let side = (FALLBACK_FRACTION * f64::from(width.min(height))).round() as i64;
    let left = (i64::from(width) - side) / 2;
    let top = (i64::from(height) - side) / 2;
    Rect::new(left, top, left + side - 1, top + side - 1)
}

/// The detection whose box centre is nearest the image centre (the stronger one on a tie).
pub fn pick_central(detections: &[Detection], width: u32, height: u32) -> Option<Detection> {
    let (cx, cy) = (
        (f64::from(width) - 1.0) / 2.0,
        (f64::from(height) - 1.0) / 2.0,
    );
    let dist = |d: &Detection| {
        let x = (d.rect.left + d.rect.right) as f64 / 2.0 - cx;
        let y = (d.rect.top + d.rect.bottom) as f64 / 2.0 - cy;
        x * x + y * y
    };
    detections
        .iter()
        .fold(None::<(f64, Detection)>, |best, d| match best {
            Some((bd, _)) if bd <= dist(d) => best,
            _ => Some((dist(d), *d)),
        })
        .map(|(_, d)| d)
}

/// Where the landmark-aligned chip lies relative to the detector box, typically: its centre's
/// offset from the box centre and its side, in box widths. These are the medians over the
/// central faces of the 286 lfw-dev images (offsets 0.056 and 0.102, side 1.164; the spread
/// is about 0.06 and 0.13), so box alignment crops on average the region landmark alignment
/// crops, only without correcting each face's own position, size and roll.
pub const BOX_CHIP_OFFSET: (f64, f64) = (0.056, 0.102);
pub const BOX_CHIP_SCALE: f64 = 1.164;

/// An upright chip placed on the detector box alone.
pub fn box_chip_details(rect: Rect) -> ChipDetails {
    let side = rect.width().max(rect.height()) as f64;
    let cx = (rect.left + rect.right) as f64 / 2.0 + BOX_CHIP_OFFSET.0 * side;
    let cy = (rect.top + rect.bottom) as f64 / 2.0 + BOX_CHIP_OFFSET.1 * side;
    let half = (BOX_CHIP_SCALE * side - 1.0) / 2.0;
    ChipDetails {
        rect: DRect::new(cx - half, cy - half, cx + half, cy + half),
        angle: 0.0,
        rows: CHIP_SIZE,
        cols: CHIP_SIZE,
    }
}

/// What the pipeline made of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageResult {
    pub descriptor: Descriptor,
    /// False when no face was detected and the fallback box was used.
    pub detected: bool,
}

/// The descriptor of the central face of one image, as the variant `options` computes it.
/// Jitter draws come from a fresh generator per image, so results do not depend on the order
/// in which threads reach the images.
pub fn describe_image(engine: &FaceEngine, image: &RgbImage, options: LfwOptions) -> ImageResult {
    let detections = engine.detector.detect(image, options.upsample);
    let picked = pick_central(&detections, image.width(), image.height());
    let rect = picked.map_or_else(|| fallback_rect(image.width(), image.height()), |d| d.rect);
    let details = match options.align {
        Align::Landmarks => chip::face_chip_details(
            &engine.landmarks.predict(image, rect),
            CHIP_SIZE,
            CHIP_PADDING,
        ),
        Align::Box => box_chip_details(rect),
    };
    let face = chip::extract_chip(image, &details);
    let descriptor =
        engine.descriptors_of_chips_as(&[face], options.jitter, options.flip, &mut DlibRand::new())
            [0];
    ImageResult {
        descriptor,
        detected: picked.is_some(),
    }
}

/// A pair the fixed threshold gets wrong, for looking at: on LFW many of these turn out to be
/// labelling mistakes in the data set rather than mistakes of the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WrongPair {
    /// `Name_nnnn` of each image.
    pub a: String,
    pub b: String,
    /// What the pairs file says.
    pub same: bool,
    pub distance: f64,
    /// 0-based fold.
    pub fold: usize,
    /// 1-based line in the pairs file.
    pub line: usize,
}

/// The pairs classified wrongly at `threshold`, hardest first (furthest on the wrong side).
/// `scored[i]` must be the score of `pairs[i]`.
pub fn wrong_pairs(pairs: &[Pair], scored: &[Scored], threshold: f64) -> Vec<WrongPair> {
    let mut wrong: Vec<WrongPair> = pairs
        .iter()
        .zip(scored)
        .filter(|(_, s)| (s.distance < threshold) != s.same)
        .map(|(p, s)| WrongPair {
            a: p.a.to_string(),
            b: p.b.to_string(),
            same: p.same,
            distance: s.distance,
            fold: p.fold,
            line: p.line,
        })
        .collect();
    wrong.sort_by(|x, y| {
        let margin = |w: &WrongPair| (w.distance - threshold).abs();
        margin(y).total_cmp(&margin(x)).then(x.line.cmp(&y.line))
    });
    wrong
}

/// The benchmark's outcome; serialises to the `--json` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub pairs: usize,
    pub folds: usize,
    pub images: usize,
    pub images_without_face: usize,
    pub accuracy_at_0_6: f64,
    pub accuracy_10fold_mean: f64,
    pub accuracy_10fold_std: f64,
    pub fold_accuracies: Vec<f64>,
    pub fold_thresholds: Vec<f64>,
    /// The threshold was chosen on the fold it scores (single-fold files only).
    pub threshold_on_test_fold: bool,
    pub seconds_per_image: f64,
    pub threads: usize,
    pub network_passes_per_face: u32,
    pub jitter: u32,
    pub flip: bool,
    pub upsample: u32,
    pub align: Align,
    /// Images with no detected face, as `Name_nnnn`.
    pub without_face: Vec<String>,
    /// The pairs the threshold 0.6 gets wrong, hardest first.
    pub wrong_at_0_6: Vec<WrongPair>,
}

fn load_image(path: &Path) -> Result<RgbImage, LfwError> {
    let bytes = std::fs::read(path).map_err(|e| LfwError::Image {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    crate::library::decode::decode_photo(&bytes)
        .map(|p| p.image)
        .map_err(|e| LfwError::Image {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Runs the benchmark: every image once (in parallel), then every pair. `progress` is called
/// once per finished image.
pub fn run(
    engine: &FaceEngine,
    pairs: &Pairs,
    images_dir: &Path,
    options: LfwOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Report, LfwError> {
    let images = pairs.images();
    let missing: Vec<PathBuf> = images
        .iter()
        .map(|r| r.path(images_dir))
        .filter(|p| !p.is_file())
        .collect();
    if let Some(example) = missing.first() {
        return Err(LfwError::MissingImages {
            missing: missing.len(),
            example: example.clone(),
        });
    }
    let start = Instant::now();
    let results: Vec<ImageResult> = images
        .par_iter()
        .map(|r| {
            let image = load_image(&r.path(images_dir))?;
            let result = describe_image(engine, &image, options);
            progress();
            Ok(result)
        })
        .collect::<Result<_, LfwError>>()?;
    let seconds_per_image = start.elapsed().as_secs_f64() / images.len().max(1) as f64;
    let by_ref: BTreeMap<&ImageRef, &ImageResult> = images.iter().zip(&results).collect();
    let scored: Vec<Scored> = pairs
        .pairs
        .iter()
        .map(|p| Scored {
            distance: f64::from(resnet::distance(
                &by_ref[&p.a].descriptor,
                &by_ref[&p.b].descriptor,
            )),
            same: p.same,
            fold: p.fold,
        })
        .collect();
    let cv = cross_validate(&scored, pairs.folds);
    let without_face: Vec<String> = images
        .iter()
        .zip(&results)
        .filter(|(_, r)| !r.detected)
        .map(|(i, _)| i.to_string())
        .collect();
    Ok(Report {
        pairs: scored.len(),
        folds: pairs.folds,
        images: images.len(),
        images_without_face: without_face.len(),
        accuracy_at_0_6: accuracy_at(&scored, DEFAULT_THRESHOLD),
        accuracy_10fold_mean: cv.mean,
        accuracy_10fold_std: cv.std,
        fold_accuracies: cv.fold_accuracies,
        fold_thresholds: cv.thresholds,
        threshold_on_test_fold: cv.threshold_on_test_fold,
        seconds_per_image,
        threads: rayon::current_num_threads(),
        network_passes_per_face: options.network_passes(),
        jitter: options.jitter,
        flip: options.flip,
        upsample: options.upsample,
        align: options.align,
        without_face,
        wrong_at_0_6: wrong_pairs(&pairs.pairs, &scored, DEFAULT_THRESHOLD),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_FOLD: &str = "1\t2\nAlice\t1\t2\nBob\t3\t1\nAlice\t1\tBob\t2\nCarol\t4\tDan\t10\n";

    #[test]
    fn parses_one_fold() {
        let p = parse_pairs(ONE_FOLD).unwrap();
        assert_eq!((p.folds, p.per_fold, p.pairs.len()), (1, 2, 4));
        assert_eq!(
            p.pairs.iter().map(|x| x.same).collect::<Vec<_>>(),
            [true, true, false, false]
        );
        let bob = &p.pairs[1];
        assert_eq!(
            (bob.a.name.as_str(), bob.a.number, bob.b.number),
            ("Bob", 3, 1)
        );
        assert_eq!(bob.line, 3);
        let last = &p.pairs[3];
        assert_eq!(last.a.to_string(), "Carol_0004");
        assert_eq!(last.b.to_string(), "Dan_0010");
        assert_eq!(
            last.b.path(Path::new("lfw")),
            Path::new("lfw").join("Dan").join("Dan_0010.jpg")
        );
        // Alice_0001 appears twice but is one image.
        assert_eq!(p.images().len(), 7);
    }

    #[test]
    fn parses_several_folds_with_spaces_crlf_and_blank_lines() {
        let text = "2 1\r\nA 1 2\r\nB 1 C 1\r\n\r\nD 2 3\r\nE 1 F 5\r\n\r\n";
        let p = parse_pairs(text).unwrap();
        assert_eq!((p.folds, p.per_fold), (2, 1));
        let summary: Vec<(usize, bool, usize)> =
            p.pairs.iter().map(|x| (x.fold, x.same, x.line)).collect();
        assert_eq!(
            summary,
            [(0, true, 2), (0, false, 3), (1, true, 5), (1, false, 6)]
        );
    }

    #[test]
    fn a_single_number_header_means_one_fold() {
        let p = parse_pairs("1\nA 1 2\nB 1 C 1\n").unwrap();
        assert_eq!((p.folds, p.per_fold, p.pairs.len()), (1, 1, 2));
    }

    fn error_of(text: &str) -> PairsError {
        parse_pairs(text).expect_err("malformed file accepted")
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = error_of("");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("empty"), "{e}");

        let e = error_of("ten 300\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("\"ten\""), "{e}");

        let e = error_of("1 2 3\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("3 fields"), "{e}");

        let e = error_of("0 5\n");
        assert_eq!(e.line, 1);

        // A different-person line where a same-person line belongs.
        let e = error_of("1 2\nA 1 2\nA 1 B 2\nA 1 B 2\nC 1 D 1\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("same-person"), "{e}");

        // And the reverse.
        let e = error_of("1 1\nA 1 2\nB 1 2\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("different-person"), "{e}");

        let e = error_of("1 1\nA 1 x\nB 1 C 2\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("\"x\""), "{e}");

        let e = error_of("1 1\nA 0 1\nB 1 C 2\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("at least 1"), "{e}");

        let e = error_of("1 1\n../etc 1 2\nB 1 C 2\n");
        assert_eq!(e.line, 2);

        // Too short: the error points at the last line read.
        let e = error_of("2 1\nA 1 2\nB 1 C 2\nD 1 2\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("ends after 3 pairs"), "{e}");
        assert!(e.message.contains("promises 4"), "{e}");

        // Too long: the first extra line.
        let e = error_of("1 1\nA 1 2\nB 1 C 2\n\nD 1 2\n");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("more pairs"), "{e}");
        assert!(e.to_string().starts_with("line 5: "), "{e}");
    }

    #[test]
    fn fold_positions() {
        // 3 same then 3 different per fold.
        let got: Vec<(usize, bool)> = (0..13).map(|i| fold_position(i, 3)).collect();
        let t = true;
        let f = false;
        assert_eq!(
            got,
            [
                (0, t),
                (0, t),
                (0, t),
                (0, f),
                (0, f),
                (0, f),
                (1, t),
                (1, t),
                (1, t),
                (1, f),
                (1, f),
                (1, f),
                (2, t)
            ]
        );
        // LFW View 2: pair 2999 is the last different pair of fold 4, 3000 starts fold 5.
        assert_eq!(fold_position(2999, 300), (4, false));
        assert_eq!(fold_position(3000, 300), (5, true));
        assert_eq!(fold_position(3299, 300), (5, true));
        assert_eq!(fold_position(3300, 300), (5, false));
    }

    fn s(distance: f64, same: bool, fold: usize) -> Scored {
        Scored {
            distance,
            same,
            fold,
        }
    }

    #[test]
    fn accuracy_uses_strictly_below() {
        let pairs = [s(0.5, true, 0), s(0.6, false, 0), s(0.7, true, 0)];
        assert!((accuracy_at(&pairs, 0.6) - 2.0 / 3.0).abs() < 1e-12);
        assert!((accuracy_at(&pairs, 0.65) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(accuracy_at(&[], 0.6), 0.0);
    }

    #[test]
    fn best_threshold_separates_separable_data_at_the_midpoint() {
        let pairs = [
            s(0.2, true, 0),
            s(0.3, true, 0),
            s(0.4, true, 0),
            s(0.8, false, 0),
            s(0.9, false, 0),
        ];
        let t = best_threshold(&pairs);
        assert!((t - 0.6).abs() < 1e-12, "{t}");
        assert_eq!(accuracy_at(&pairs, t), 1.0);
    }

    #[test]
    fn best_threshold_prefers_the_best_split_then_the_one_nearest_0_6() {
        // A "same" pair at 0.75 lies above 0.6: the best split moves up to it.
        let pairs = [
            s(0.2, true, 0),
            s(0.3, true, 0),
            s(0.75, true, 0),
            s(0.8, false, 0),
            s(0.85, false, 0),
        ];
        let t = best_threshold(&pairs);
        assert!((t - 0.775).abs() < 1e-12, "{t}");
        assert_eq!(accuracy_at(&pairs, t), 1.0);
        let pairs = [
            s(0.2, true, 0),
            s(0.3, false, 0),
            s(0.75, true, 0),
            s(0.8, false, 0),
        ];
        // Splits: 0.2→2/4, 0.25→3/4, 0.525→2/4, 0.775→3/4, 1.8→2/4: tie between 0.25 and 0.775.
        let t = best_threshold(&pairs);
        assert!((t - 0.775).abs() < 1e-12, "{t}");
        // Equal distances cannot be split.
        let pairs = [s(0.5, true, 0), s(0.5, false, 0), s(0.9, false, 0)];
        let t = best_threshold(&pairs);
        assert!(t == 0.5 || t == 0.7, "{t}");
        // All "same": the threshold goes above every distance.
        let pairs = [s(0.5, true, 0), s(0.9, true, 0)];
        assert_eq!(accuracy_at(&pairs, best_threshold(&pairs)), 1.0);
        // All "different": below every distance.
        let pairs = [s(0.5, false, 0), s(0.9, false, 0)];
        assert_eq!(accuracy_at(&pairs, best_threshold(&pairs)), 1.0);
    }

    #[test]
    fn cross_validation_chooses_each_threshold_on_the_other_folds() {
        // Folds 0 and 1 are separated at 0.5 (between 0.4 and 0.6); fold 2's own best split
        // would be 0.75 (between 0.7 and 0.8), but its threshold comes from folds 0 and 1.
        let mut pairs = Vec::new();
        for fold in 0..2 {
            pairs.extend([s(0.3, true, fold), s(0.4, true, fold)]);
            pairs.extend([s(0.6, false, fold), s(0.9, false, fold)]);
        }
        pairs.extend([s(0.45, true, 2), s(0.7, true, 2)]);
        pairs.extend([s(0.8, false, 2), s(0.9, false, 2)]);
        let cv = cross_validate(&pairs, 3);
        assert!(!cv.threshold_on_test_fold);
        assert_eq!(cv.thresholds.len(), 3);
        // Fold 2 is tested at the threshold learnt on folds 0 and 1: 0.7 is then misjudged.
        assert!(cv.thresholds[2] < 0.6, "{:?}", cv.thresholds);
        assert_eq!(cv.fold_accuracies[2], 0.75);
        assert_eq!(cv.fold_accuracies[0], 1.0);
        assert_eq!(cv.fold_accuracies[1], 1.0);
        let mean = 2.75 / 3.0;
        assert!((cv.mean - mean).abs() < 1e-12);
        // Sample standard deviation (divisor 2).
        let var = (2.0 * (1.0 - mean).powi(2) + (0.75 - mean).powi(2)) / 2.0;
        assert!((cv.std - var.sqrt()).abs() < 1e-12, "{}", cv.std);
    }

    #[test]
    fn one_fold_chooses_the_threshold_on_itself() {
        let pairs = [
            s(0.3, true, 0),
            s(0.7, true, 0),
            s(0.8, false, 0),
            s(0.9, false, 0),
        ];
        let cv = cross_validate(&pairs, 1);
        assert!(cv.threshold_on_test_fold);
        assert_eq!(cv.fold_accuracies, [1.0]);
        assert_eq!(cv.std, 0.0);
        // At the fixed threshold the 0.7 pair is misjudged.
        assert_eq!(accuracy_at(&pairs, DEFAULT_THRESHOLD), 0.75);
    }

    #[test]
    fn wrong_pairs_are_listed_hardest_first_with_their_lines() {
        let pairs = parse_pairs(ONE_FOLD).unwrap();
        // Alice 1–2 same but far (wrong), Bob 3–1 same and near (right), Alice–Bob different
        // but near (wrong, nearer the threshold), Carol–Dan different and far (right).
        let scored = [
            s(0.75, true, 0),
            s(0.40, true, 0),
            s(0.55, false, 0),
            s(0.9, false, 0),
        ];
        let wrong = wrong_pairs(&pairs.pairs, &scored, 0.6);
        let summary: Vec<(&str, &str, bool, usize)> = wrong
            .iter()
            .map(|w| (w.a.as_str(), w.b.as_str(), w.same, w.line))
            .collect();
        assert_eq!(
            summary,
            [
                ("Alice_0001", "Alice_0002", true, 2),
                ("Alice_0001", "Bob_0002", false, 4)
            ]
        );
        assert_eq!(wrong[0].distance, 0.75);
        // At exactly the threshold a pair counts as "different", as in accuracy_at.
        let at = [
            s(0.6, true, 0),
            s(0.40, true, 0),
            s(0.7, false, 0),
            s(0.9, false, 0),
        ];
        assert_eq!(wrong_pairs(&pairs.pairs, &at, 0.6).len(), 1);
        assert_eq!(accuracy_at(&at, 0.6), 0.75);
    }

    fn det(l: i64, t: i64, r: i64, b: i64, confidence: f64) -> Detection {
        Detection {
            rect: Rect::new(l, t, r, b),
            confidence,
        }
    }

    #[test]
    fn picks_the_face_nearest_the_centre() {
        let faces = [
            det(0, 0, 79, 79, 2.0),       // strongest, in a corner
            det(80, 90, 169, 179, 0.5),   // centre (124.5, 134.5)
            det(170, 100, 249, 179, 1.0), // at the right edge
        ];
        let picked = pick_central(&faces, 250, 250).unwrap();
        assert_eq!(picked.rect, faces[1].rect);
        assert_eq!(pick_central(&[], 250, 250), None);
        // On a tie the earlier (stronger) detection wins.
        let tie = [det(0, 100, 99, 149, 2.0), det(150, 100, 249, 149, 1.0)];
        assert_eq!(pick_central(&tie, 250, 250).unwrap().confidence, 2.0);
    }

    #[test]
    fn fallback_box_is_centred_and_square() {
        let r = fallback_rect(250, 250);
        assert_eq!(r.width(), r.height());
        assert_eq!(r.left + r.right, 249 - (250 - r.width()) % 2);
        assert!(r.left >= 0 && r.right < 250);
        let r = fallback_rect(400, 200);
        assert_eq!(r.width(), (FALLBACK_FRACTION * 200.0).round() as i64);
        assert_eq!(r.top + r.bottom, 199 - (200 - r.height()) % 2);
    }

    #[test]
    fn box_chip_is_upright_and_centred_on_the_box() {
        let d = box_chip_details(Rect::new(100, 100, 179, 179));
        assert_eq!(d.angle, 0.0);
        assert_eq!((d.rows, d.cols), (CHIP_SIZE, CHIP_SIZE));
        let side = 80.0 * BOX_CHIP_SCALE;
        assert!((d.rect.width() - side).abs() < 1e-9);
        assert!((d.rect.height() - side).abs() < 1e-9);
        let cx = (d.rect.left + d.rect.right) / 2.0;
        assert!((cx - (139.5 + BOX_CHIP_OFFSET.0 * 80.0)).abs() < 1e-9);
    }

    #[test]
    fn network_passes() {
        let mut o = LfwOptions::default();
        assert_eq!(o.network_passes(), 1);
        o.flip = true;
        assert_eq!(o.network_passes(), 2);
        o.jitter = 10;
        assert_eq!(o.network_passes(), 20);
    }
}
