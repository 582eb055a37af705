//! The 5-point landmark predictor (`shape_predictor_5_face_landmarks.dat`): dlib's cascade of
//! regression-tree forests, evaluated with dlib's exact f32 arithmetic so every tree takes
//! the branch dlib takes.

use image::RgbImage;

use super::dlib_format::{FormatError, Reader};
use super::geometry::{Landmarks5, Point, Rect};

const PARTS: usize = 5;

/// One split node: go left when `feature[a] - feature[b] > threshold`.
#[derive(Debug, Clone, Copy)]
struct Split {
    a: u32,
    b: u32,
    threshold: f32,
}

struct Stage {
    /// trees × splits_per_tree, heap order within a tree.
    splits: Vec<Split>,
    /// trees × leaves_per_tree × 2·PARTS.
    leaves: Vec<f32>,
    /// For each feature pixel: the landmark it is anchored to and its offset.
    anchors: Vec<usize>,
    deltas: Vec<(f32, f32)>,
}

/// The loaded predictor. Immutable after loading: share it across threads.
pub struct ShapePredictor {
    initial: [f32; 2 * PARTS],
    splits_per_tree: usize,
    stages: Vec<Stage>,
}

impl ShapePredictor {
    /// Parses and validates a model file's bytes; `file_name` names it in errors.
    pub fn from_bytes(file_name: &str, bytes: &[u8]) -> Result<Self, FormatError> {
        let mut r = Reader::new(file_name, bytes);
        r.expect_int("shape predictor version", 1)?;
        let at = r.position();
        let initial_vec = read_column(&mut r)?;
        if initial_vec.len() != 2 * PARTS {
            return Err(r
                .error_at(
                    at,
                    format!("a mean shape of {PARTS} landmarks ({} values)", 2 * PARTS),
                )
                .with_found(format!("{} values", initial_vec.len())));
        }
        let mut initial = [0f32; 2 * PARTS];
        initial.copy_from_slice(&initial_vec);

        let stage_count = r.size("number of cascade stages", 1000)?;
        let mut stages = Vec::with_capacity(stage_count);
        let mut splits_per_tree = None;
        for _ in 0..stage_count {
            let tree_count = r.size("number of trees", 100_000)?;
            let mut splits = Vec::new();
            let mut leaves = Vec::new();
            for _ in 0..tree_count {
                let at = r.position();
                let n_splits = r.size("number of splits", 1 << 16)?;
                if *splits_per_tree.get_or_insert(n_splits) != n_splits {
                    return Err(r
                        .error_at(at, "trees of equal depth")
                        .with_found(format!("{n_splits} splits")));
                }
                for _ in 0..n_splits {
                    let a = r.uint()?;
                    let b = r.uint()?;
                    let threshold = r.f32()?;
                    splits.push(Split {
                        a: a.min(u32::MAX as u64) as u32,
                        b: b.min(u32::MAX as u64) as u32,
                        threshold,
                    });
                }
                let at = r.position();
                let n_leaves = r.size("number of leaves", 1 << 17)?;
                if n_leaves != n_splits + 1 {
                    return Err(r
                        .error_at(at, format!("{} leaves for {n_splits} splits", n_splits + 1))
                        .with_found(format!("{n_leaves}")));
                }
                for _ in 0..n_leaves {
                    let at = r.position();
                    let leaf = read_column(&mut r)?;
                    if leaf.len() != 2 * PARTS {
                        return Err(r
                            .error_at(at, format!("a leaf of {} values", 2 * PARTS))
                            .with_found(format!("{}", leaf.len())));
                    }
                    leaves.extend_from_slice(&leaf);
                }
            }
            stages.push(Stage {
                splits,
                leaves,
                anchors: Vec::new(),
                deltas: Vec::new(),
            });
        }

        let at = r.position();
        if r.size("number of anchor stages", 1000)? != stage_count {
            return Err(r.error_at(at, format!("{stage_count} anchor lists")));
        }
        for stage in &mut stages {
            let count = r.size("number of feature pixels", 1 << 20)?;
            for _ in 0..count {
                let at = r.position();
                let anchor = r.uint()? as usize;
                if anchor >= PARTS {
                    return Err(r
                        .error_at(at, format!("a landmark index below {PARTS}"))
                        .with_found(format!("{anchor}")));
                }
                stage.anchors.push(anchor);
            }
        }
        let at = r.position();
        if r.size("number of delta stages", 1000)? != stage_count {
            return Err(r.error_at(at, format!("{stage_count} delta lists")));
        }
        for stage in &mut stages {
            let at = r.position();
            let count = r.size("number of feature offsets", 1 << 20)?;
            if count != stage.anchors.len() {
                return Err(r
                    .error_at(at, format!("{} feature offsets", stage.anchors.len()))
                    .with_found(format!("{count}")));
            }
            for _ in 0..count {
                stage.deltas.push((r.f32()?, r.f32()?));
            }
            let features = stage.anchors.len() as u32;
            if let Some(bad) = stage
                .splits
                .iter()
                .find(|s| s.a >= features || s.b >= features)
            {
                return Err(r
                    .error_at(at, format!("split features below {features}"))
                    .with_found(format!("{}/{}", bad.a, bad.b)));
            }
        }
        r.expect_eof()?;
        Ok(ShapePredictor {
            initial,
            splits_per_tree: splits_per_tree.unwrap_or(0),
            stages,
        })
    }

    pub fn num_parts(&self) -> usize {
        PARTS
    }

    /// The five landmarks of the face in `rect`, as dlib's integer points.
    pub fn predict(&self, image: &RgbImage, rect: Rect) -> Landmarks5 {
        self.predict_float(image, rect)
            .map(|(x, y)| Point::new((x + 0.5).floor() as i64, (y + 0.5).floor() as i64))
    }

    /// The landmarks before dlib rounds them to integers.
    pub fn predict_float(&self, image: &RgbImage, rect: Rect) -> [(f64, f64); 5] {
        let shape = self.shape(image, rect);
        let (l, t) = (rect.left as f64, rect.top as f64);
        let (w, h) = (
            (rect.right - rect.left) as f64,
            (rect.bottom - rect.top) as f64,
        );
        std::array::from_fn(|k| {
            (
                l + w * f64::from(shape[2 * k]),
                t + h * f64::from(shape[2 * k + 1]),
            )
        })
    }

    /// The box-normalised f32 shape after all stages.
    fn shape(&self, image: &RgbImage, rect: Rect) -> [f32; 2 * PARTS] {
        let mut shape = self.initial;
        let leaves_per_tree = self.splits_per_tree + 1;
        let (l, t) = (rect.left as f64, rect.top as f64);
        let (w, h) = (
            (rect.right - rect.left) as f64,
            (rect.bottom - rect.top) as f64,
        );
        let (img_w, img_h) = (i64::from(image.width()), i64::from(image.height()));
        let raw = image.as_raw();
        let mut features: Vec<f32> = Vec::new();
        for stage in &self.stages {
            let m = similarity_to_initial(&self.initial, &shape);
            features.clear();
            features.extend(
                stage
                    .anchors
                    .iter()
                    .zip(&stage.deltas)
                    .map(|(&k, &(dx, dy))| {
                        let u = ((m[0] * dx) + (m[1] * dy)) + shape[2 * k];
                        let v = ((m[2] * dx) + (m[3] * dy)) + shape[2 * k + 1];
                        let x = (l + w * f64::from(u) + 0.5).floor();
                        let y = (t + h * f64::from(v) + 0.5).floor();
                        if x >= 0.0 && y >= 0.0 && (x as i64) < img_w && (y as i64) < img_h {
                            let i = 3 * (y as usize * img_w as usize + x as usize);
                            let sum =
                                u32::from(raw[i]) + u32::from(raw[i + 1]) + u32::from(raw[i + 2]);
                            (sum / 3) as f32
                        } else {
                            0.0
                        }
                    }),
            );
            let trees = stage.splits.chunks_exact(self.splits_per_tree.max(1));
            for (tree, splits) in trees.enumerate() {
                let mut node = 0;
                while node < self.splits_per_tree {
                    let s = splits[node];
                    node = if features[s.a as usize] - features[s.b as usize] > s.threshold {
                        2 * node + 1
                    } else {
                        2 * node + 2
                    };
                }
                let leaf = tree * leaves_per_tree + (node - self.splits_per_tree);
                let values = &stage.leaves[leaf * 2 * PARTS..(leaf + 1) * 2 * PARTS];
                for (s, v) in shape.iter_mut().zip(values) {
                    *s += v;
                }
            }
        }
        shape
    }
}

fn read_column(r: &mut Reader) -> Result<Vec<f32>, FormatError> {
    let at = r.position();
    let rows = r.int()?.unsigned_abs() as usize;
    let cols = r.int()?.unsigned_abs() as usize;
    if cols != 1 || rows > 1 << 16 {
        return Err(r
            .error_at(at, "a column vector")
            .with_found(format!("{rows}×{cols} matrix")));
    }
    (0..rows).map(|_| r.f32()).collect()
}

/// The rotation-and-scale part of the least-squares similarity mapping the mean shape onto
/// `current` (closed form of dlib's Umeyama fit in 2-D), computed in f64, rounded to f32:
/// `[m00, m01, m10, m11]`.
fn similarity_to_initial(initial: &[f32; 2 * PARTS], current: &[f32; 2 * PARTS]) -> [f32; 4] {
    let mean = |s: &[f32; 2 * PARTS]| {
        let (mut x, mut y) = (0.0f64, 0.0f64);
        for k in 0..PARTS {
            x += f64::from(s[2 * k]);
            y += f64::from(s[2 * k + 1]);
        }
        (x / PARTS as f64, y / PARTS as f64)
    };
    let (px, py) = mean(initial);
    let (qx, qy) = mean(current);
    let (mut n, mut a, mut b) = (0.0f64, 0.0f64, 0.0f64);
    for k in 0..PARTS {
        let (pdx, pdy) = (
            f64::from(initial[2 * k]) - px,
            f64::from(initial[2 * k + 1]) - py,
        );
        let (qdx, qdy) = (
            f64::from(current[2 * k]) - qx,
            f64::from(current[2 * k + 1]) - qy,
        );
        n += pdx * pdx + pdy * pdy;
        a += pdx * qdx + pdy * qdy;
        b += pdx * qdy - pdy * qdx;
    }
    if n == 0.0 {
        return [1.0, 0.0, 0.0, 1.0];
    }
    let (a, b) = ((a / n) as f32, (b / n) as f32);
    [a, -b, b, a]
}
