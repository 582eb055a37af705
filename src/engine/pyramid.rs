//! The detector's input: dlib's tiled image pyramid, built bit-for-bit as dlib builds it, and the
//! map from score-map cells back to image rectangles.
//!
//! Follows `mmod-face-detector.md` §4 (upsampling, level sizes, tiling, filling the tensor),
//! §6 (dlib's bilinear resize, including its 4-lane f32 fast path and scalar tail) and §5 steps
//! 2–4 and 8 (score-map cell → rectangle, undoing the upsampling).
//!
//! Tensor layout: [`build_input_tensor`] returns an `Array3<f32>` shaped `(3, NR, NC)` in
//! standard (row-major, C) order, channels R, G, B — i.e. dlib's NCHW tensor with N = 1.
//! Padding cells are 0 (the mean colour).

use image::RgbImage;
use ndarray::{Array2, Array3, ArrayView2, ArrayViewMut2, s};

use super::geometry::{Rect, lround};

/// Gap, in tensor pixels, between two pyramid levels in the tiled image.
pub const PYRAMID_PADDING: usize = 10;
/// Border, in tensor pixels, around the whole tiled image.
pub const PYRAMID_OUTER_PADDING: usize = 11;

/// Levels shorter than this are not added to the pyramid (`pyramid_down<6>`, min height 5).
const MIN_LEVEL_HEIGHT: usize = 5;

/// Stride of the score map in tensor pixels (three stride-2 convolutions).
const CELL_STRIDE: i64 = 8;
/// Tensor coordinate of score-map cell 0 (each stride-2 5×5 conv maps `p ↦ 2p + 2`).
const CELL_OFFSET: i64 = 14;

// ------------------------------------------------------------------------------------------------
// §6: bilinear resize
// ------------------------------------------------------------------------------------------------

/// One fast-path output column: left source column (right = left + 1), `fx` and `1 - fx` in f32.
#[derive(Debug, Clone, Copy)]
struct FastCol {
    left: usize,
    fx: f32,
    ifx: f32,
}

/// One scalar-tail output column: left/right source columns and `fx` in f64.
#[derive(Debug, Clone, Copy)]
struct TailCol {
    left: usize,
    right: usize,
    fx: f64,
}

/// One output row: top/bottom source rows and `fy` in f64.
#[derive(Debug, Clone, Copy)]
struct RowPlan {
    top: usize,
    bottom: usize,
    fy: f64,
}

/// Everything about a resize that does not depend on pixel values; computed once per
/// (input size, output size) and shared by all rows and channels.
#[derive(Debug, Clone)]
struct ResizePlan {
    fast: Vec<FastCol>,
    tail: Vec<TailCol>,
    rows: Vec<RowPlan>,
    /// Whether the fast path stopped on the output width rather than on dlib's lane test.
    #[cfg_attr(not(test), allow(dead_code))]
    column_bound_hit: bool,
}

impl ResizePlan {
    /// Requires all four sizes to be non-zero.
    fn new(in_rows: usize, in_cols: usize, out_rows: usize, out_cols: usize) -> Self {
        debug_assert!(in_rows > 0 && in_cols > 0 && out_rows > 0 && out_cols > 0);
        let xs = (in_cols - 1) as f64 / (out_cols.max(2) - 1) as f64;
        let ys = (in_rows - 1) as f64 / (out_rows.max(2) - 1) as f64;

        // 4-lane f32 fast path: lanes accumulate in f32 from fl32(-4xs + j*xs).
        let mut lanes = [0f32; 4];
        for (j, lane) in lanes.iter_mut().enumerate() {
            *lane = (-4.0 * xs + j as f64 * xs) as f32;
        }
        let step = (4.0 * xs) as f32;
        let mut fast = Vec::with_capacity(out_cols);
        let mut column_bound_hit = false;
        loop {
            let mut left = [0usize; 4];
            for j in 0..4 {
                lanes[j] += step;
                // Lanes are >= 0, so truncation toward zero is floor.
                left[j] = lanes[j] as usize;
            }
            if left[3] + 1 >= in_cols {
                break;
            }
            // Never reached for dlib's scale factors (the lane test above always ends the loop
            // first); it only keeps arbitrary calls of the public resize in bounds.
            if fast.len() + 4 > out_cols {
                column_bound_hit = true;
                break;
            }
            for j in 0..4 {
                let fx = lanes[j] - left[j] as f32;
                fast.push(FastCol {
                    left: left[j],
                    fx,
                    ifx: 1.0 - fx,
                });
            }
        }

        let c0 = fast.len();
        let mut tail = Vec::with_capacity(out_cols - c0);
        let mut x = -xs + c0 as f64 * xs;
        for _ in c0..out_cols {
            x += xs;
            let left = (x.floor().max(0.0) as usize).min(in_cols - 1);
            let right = (left + 1).min(in_cols - 1);
            tail.push(TailCol {
                left,
                right,
                fx: x - left as f64,
            });
        }

        let mut rows = Vec::with_capacity(out_rows);
        let mut y = -ys;
        for _ in 0..out_rows {
            y += ys;
            let top = (y.floor().max(0.0) as usize).min(in_rows - 1);
            let bottom = (top + 1).min(in_rows - 1);
            rows.push(RowPlan {
                top,
                bottom,
                fy: y - top as f64,
            });
        }

        ResizePlan {
            fast,
            tail,
            rows,
            column_bound_hit,
        }
    }
}

/// The f32 fast-path value: weights and sum in f32, in dlib's order, no fused multiply-add.
#[inline(always)]
fn fast_value(wy0: f32, wy1: f32, col: FastCol, tl: f32, tr: f32, bl: f32, br: f32) -> f32 {
    let w_tl = wy0 * col.ifx;
    let w_tr = wy0 * col.fx;
    let w_bl = wy1 * col.ifx;
    let w_br = wy1 * col.fx;
    ((w_tl * tl + w_tr * tr) + w_bl * bl) + w_br * br
}

/// Resizes one f32 plane into `dst` (whose shape is the output size) following `plan`.
fn resize_f32_into(src: ArrayView2<f32>, mut dst: ArrayViewMut2<f32>, plan: &ResizePlan) {
    let in_cols = src.ncols();
    // Scratch rows, used only when the source rows are not contiguous in memory.
    let mut scratch_top = Vec::new();
    let mut scratch_bottom = Vec::new();
    let mut scratch_out = Vec::new();
    for (r, row) in plan.rows.iter().enumerate() {
        let top_view = src.row(row.top);
        let bottom_view = src.row(row.bottom);
        let top: &[f32] = match top_view.to_slice() {
            Some(s) => s,
            None => {
                scratch_top.clear();
                scratch_top.extend(top_view.iter().copied());
                &scratch_top
            }
        };
        let bottom: &[f32] = match bottom_view.to_slice() {
            Some(s) => s,
            None => {
                scratch_bottom.clear();
                scratch_bottom.extend(bottom_view.iter().copied());
                &scratch_bottom
            }
        };
        debug_assert_eq!(top.len(), in_cols);

        let mut out_row = dst.row_mut(r);
        match out_row.as_slice_mut() {
            Some(out) => resize_f32_row(top, bottom, out, row.fy, plan),
            None => {
                scratch_out.clear();
                scratch_out.resize(out_row.len(), 0.0);
                resize_f32_row(top, bottom, &mut scratch_out, row.fy, plan);
                for (d, v) in out_row.iter_mut().zip(&scratch_out) {
                    *d = *v;
                }
            }
        }
    }
}

fn resize_f32_row(top: &[f32], bottom: &[f32], out: &mut [f32], fy: f64, plan: &ResizePlan) {
    let wy0 = (1.0 - fy) as f32;
    let wy1 = fy as f32;
    let (out_fast, out_tail) = out.split_at_mut(plan.fast.len());
    for (o, &col) in out_fast.iter_mut().zip(&plan.fast) {
        let l = col.left;
        *o = fast_value(wy0, wy1, col, top[l], top[l + 1], bottom[l], bottom[l + 1]);
    }
    for (o, col) in out_tail.iter_mut().zip(&plan.tail) {
        let fx = col.fx as f32;
        let ifx = 1.0 - fx;
        let a = ifx * top[col.left] + fx * top[col.right];
        let b = ifx * bottom[col.left] + fx * bottom[col.right];
        *o = ((1.0 - fy) * a as f64 + fy * b as f64) as f32;
    }
}

/// dlib's bilinear resize of a grey f32 image (`resize_image` on `float` pixels), bit-exact:
/// 4-lane f32 fast path, scalar tail. Returns an empty array if the source or the output is
/// empty.
pub fn resize_bilinear_f32(src: ArrayView2<f32>, out_rows: usize, out_cols: usize) -> Array2<f32> {
    let mut out = Array2::zeros((out_rows, out_cols));
    if src.is_empty() || out.is_empty() {
        return out;
    }
    let plan = ResizePlan::new(src.nrows(), src.ncols(), out_rows, out_cols);
    resize_f32_into(src, out.view_mut(), &plan);
    out
}

/// dlib's bilinear resize of an RGB8 image, bit-exact: the fast path computes in f32 and
/// truncates toward zero; the tail computes in f64 and truncates. Returns an empty image if the
/// source or the output is empty.
pub fn resize_bilinear_rgb8(src: &RgbImage, out_w: u32, out_h: u32) -> RgbImage {
    let (in_w, in_h) = src.dimensions();
    if in_w == 0 || in_h == 0 || out_w == 0 || out_h == 0 {
        return RgbImage::new(out_w, out_h);
    }
    let plan = ResizePlan::new(in_h as usize, in_w as usize, out_h as usize, out_w as usize);
    let in_stride = in_w as usize * 3;
    let out_stride = out_w as usize * 3;
    let src_buf: &[u8] = src.as_raw();
    let mut out_buf = vec![0u8; out_stride * out_h as usize];
    let n_fast = plan.fast.len();

    for (row, out_row) in plan.rows.iter().zip(out_buf.chunks_exact_mut(out_stride)) {
        let top = &src_buf[row.top * in_stride..(row.top + 1) * in_stride];
        let bottom = &src_buf[row.bottom * in_stride..(row.bottom + 1) * in_stride];
        let fy = row.fy;
        let wy0 = (1.0 - fy) as f32;
        let wy1 = fy as f32;
        let (out_fast, out_tail) = out_row.split_at_mut(n_fast * 3);
        for (o, &col) in out_fast.chunks_exact_mut(3).zip(&plan.fast) {
            let l = col.left * 3;
            let r = l + 3;
            for ch in 0..3 {
                let v = fast_value(
                    wy0,
                    wy1,
                    col,
                    f32::from(top[l + ch]),
                    f32::from(top[r + ch]),
                    f32::from(bottom[l + ch]),
                    f32::from(bottom[r + ch]),
                );
                // `as u8` truncates toward zero (and saturates), as dlib's conversion does here.
                o[ch] = v as u8;
            }
        }
        for (o, col) in out_tail.chunks_exact_mut(3).zip(&plan.tail) {
            let l = col.left * 3;
            let r = col.right * 3;
            let fx = col.fx;
            for ch in 0..3 {
                let tl = f64::from(top[l + ch]);
                let tr = f64::from(top[r + ch]);
                let bl = f64::from(bottom[l + ch]);
                let br = f64::from(bottom[r + ch]);
                let v = (1.0 - fy) * ((1.0 - fx) * tl + fx * tr) + fy * ((1.0 - fx) * bl + fx * br);
                o[ch] = v as u8;
            }
        }
    }
    RgbImage::from_raw(out_w, out_h, out_buf).expect("buffer sized for the output image")
}

// ------------------------------------------------------------------------------------------------
// §4.2: upsampling
// ------------------------------------------------------------------------------------------------

/// The size `(rows, cols)` of `pyramid_up` applied to an `rows × cols` image:
/// `(2H + 1) × (2W + 2)`, or `(0, 0)` for an empty image.
pub fn pyramid_up_size(rows: usize, cols: usize) -> (usize, usize) {
    if rows == 0 || cols == 0 {
        (0, 0)
    } else {
        (2 * rows + 1, 2 * cols + 2)
    }
}

/// dlib pyramid_up (used for upsample_num_times): (2H+1) x (2W+2), RGB8 variant of the resize.
/// An empty image gives an empty image.
pub fn pyramid_up(image: &RgbImage) -> RgbImage {
    let (rows, cols) = pyramid_up_size(image.height() as usize, image.width() as usize);
    let (out_w, out_h) = (
        u32::try_from(cols).expect("upsampled width fits u32"),
        u32::try_from(rows).expect("upsampled height fits u32"),
    );
    resize_bilinear_rgb8(image, out_w, out_h)
}

// ------------------------------------------------------------------------------------------------
// §4.3 / §4.4: level sizes and tiling
// ------------------------------------------------------------------------------------------------

/// The pyramid level sizes `(h, w)` for an `rows × cols` image (`pyramid_down<6>`, rate 5/6,
/// levels stop below height 5). Level 0 is the image itself; empty for an empty image.
///
/// These are the candidate levels; [`tile_layout`] may drop trailing ones that do not fit
/// (e.g. 375×500 gives 23 sizes here, of which the tiled input uses 22).
pub fn pyramid_level_sizes(rows: usize, cols: usize) -> Vec<(usize, usize)> {
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let rate = (6.0 - 1.0) / 6.0;
    let mut sizes = vec![(rows, cols)];
    let (mut h, mut w) = (rows, cols);
    loop {
        h = (rate * h as f64).floor() as usize;
        w = (rate * w as f64).floor() as usize;
        if h * w == 0 || h < MIN_LEVEL_HEIGHT {
            break;
        }
        sizes.push((h, w));
    }
    sizes
}

/// Where the pyramid levels sit in the tiled network input.
#[derive(Debug, Clone, PartialEq)]
pub struct PyramidLayout {
    /// Rectangle of each used level in tensor coordinates (inclusive corners), level 0 first.
    /// Levels that did not fit are dropped, so this may be shorter than
    /// [`pyramid_level_sizes`].
    pub levels: Vec<Rect>,
    /// Tensor rows (NR).
    pub rows: usize,
    /// Tensor columns (NC).
    pub cols: usize,
}

/// The tiled layout for an `rows × cols` image (§4.4, including dlib's unsigned 64-bit
/// wrap-around in the column walk). `None` for an empty image or one narrower than 10 px (dlib's
/// arithmetic is undefined there).
pub fn tile_layout(rows: usize, cols: usize) -> Option<PyramidLayout> {
    if rows == 0 || cols < PYRAMID_PADDING {
        return None;
    }
    let sizes = pyramid_level_sizes(rows, cols);
    let pad = PYRAMID_PADDING as u64;
    let outer = PYRAMID_OUTER_PADDING as u64;
    let (h0, w0) = (sizes[0].0 as u64, sizes[0].1 as u64);

    // Step 1–2, in wrapping u64 as dlib does.
    let total = sizes
        .iter()
        .fold(0u64, |acc, &(h, _)| acc.wrapping_add(h as u64 + pad))
        .wrapping_sub(2 * pad);
    let mut height = 0u64;
    let mut prev_w = 0u64;
    for &(h, w) in &sizes {
        let fits_beside = w as u64 <= w0.wrapping_sub(prev_w).wrapping_sub(pad);
        let tall_enough = 2u64.wrapping_mul(height.wrapping_sub(h0)) >= total.wrapping_sub(h0);
        if fits_beside && tall_enough {
            break;
        }
        height = height.wrapping_add(h as u64 + pad);
        prev_w = w as u64;
    }
    let height = height.wrapping_sub(pad);
    if height < h0 {
        // Cannot happen for widths >= 10 (level 0 is always placed); guard against wrap anyway.
        return None;
    }

    // Step 3.
    let nr = usize::try_from(height + 2 * outer).ok()?;
    let nc = usize::try_from(w0 + 2 * outer).ok()?;

    // Step 4: the first column, top-down.
    let outer = outer as i64;
    let pad = pad as i64;
    let height = height as i64;
    let mut levels = Vec::with_capacity(sizes.len());
    let mut y = outer;
    let mut i = 0;
    while y < height + outer && i < sizes.len() {
        let (h, w) = (sizes[i].0 as i64, sizes[i].1 as i64);
        levels.push(Rect::new(outer, y, outer + w - 1, y + h - 1));
        y += h + pad;
        i += 1;
    }
    y -= pad;

    // Step 5: the rest, bottom-up against the right edge, until one would hit level 0.
    let level0 = levels[0];
    let x1 = outer + w0 as i64 - 1;
    while i < sizes.len() {
        let (h, w) = (sizes[i].0 as i64, sizes[i].1 as i64);
        let y1 = y - 1;
        let candidate = Rect::new(x1 - (w - 1), y1 - (h - 1), x1, y1);
        if !candidate.intersect(&level0).is_empty() {
            break;
        }
        levels.push(candidate);
        y -= h + pad;
        i += 1;
    }

    Some(PyramidLayout {
        levels,
        rows: nr,
        cols: nc,
    })
}

/// The score-map size `(rows, cols)` for a tensor of `tensor_rows × tensor_cols`: each of the
/// three stride-2 5×5 convolutions maps `n ↦ (n − 5)/2 + 1` (0 once `n < 5`); the stride-1
/// layers keep the size.
pub fn score_map_size(tensor_rows: usize, tensor_cols: usize) -> (usize, usize) {
    let down = |n: usize| if n < 5 { 0 } else { (n - 5) / 2 + 1 };
    (down(down(down(tensor_rows))), down(down(down(tensor_cols))))
}

// ------------------------------------------------------------------------------------------------
// §4.5: filling the tensor
// ------------------------------------------------------------------------------------------------

fn rect_slice(r: &Rect) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    (
        r.top as usize..(r.bottom + 1) as usize,
        r.left as usize..(r.right + 1) as usize,
    )
}

/// The network input for one (already upsampled) image; `means` = (avg_red, avg_green, avg_blue)
/// f32 from the model file.
///
/// Returns the `(3, NR, NC)` tensor (channels R, G, B; padding 0) and its layout, or `None` when
/// [`tile_layout`] rejects the image size.
pub fn build_input_tensor(
    image: &RgbImage,
    means: [f32; 3],
) -> Option<(Array3<f32>, PyramidLayout)> {
    build_input_tensor_in(image, means, |len| vec![0.0; len])
}

/// [`build_input_tensor`] into a buffer from `buffer(len)`: `len` floats of any contents.
pub fn build_input_tensor_in(
    image: &RgbImage,
    means: [f32; 3],
    buffer: impl FnOnce(usize) -> Vec<f32>,
) -> Option<(Array3<f32>, PyramidLayout)> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let layout = tile_layout(h, w)?;
    let shape = (3, layout.rows, layout.cols);
    let mut data = buffer(shape.0 * shape.1 * shape.2);
    clear_outside_levels(&mut data, &layout);
    let mut tensor = Array3::from_shape_vec(shape, data).expect("buffer of the tensor's length");

    // Level 0: (pixel - mean) / 256, all in f32.
    let l0 = layout.levels[0];
    let (t0, x0) = (l0.top as usize, l0.left as usize);
    for ch in 0..3 {
        let mean = means[ch];
        let mut plane = tensor.slice_mut(s![ch, t0..t0 + h, x0..x0 + w]);
        for (mut out_row, in_row) in plane
            .rows_mut()
            .into_iter()
            .zip(image.as_raw().chunks_exact(w * 3))
        {
            for (o, px) in out_row.iter_mut().zip(in_row.chunks_exact(3)) {
                *o = (f32::from(px[ch]) - mean) / 256.0;
            }
        }
    }

    // Each further level is resized from the previous one, in place in the tensor.
    for i in 1..layout.levels.len() {
        let prev = layout.levels[i - 1];
        let cur = layout.levels[i];
        let plan = ResizePlan::new(
            prev.height() as usize,
            prev.width() as usize,
            cur.height() as usize,
            cur.width() as usize,
        );
        let (pr, pc) = rect_slice(&prev);
        let (cr, cc) = rect_slice(&cur);
        for ch in 0..3 {
            let (src, dst) = tensor.multi_slice_mut((
                s![ch, pr.clone(), pc.clone()],
                s![ch, cr.clone(), cc.clone()],
            ));
            resize_f32_into(src.view(), dst, &plan);
        }
    }

    Some((tensor, layout))
}

/// Zeroes every tensor cell outside the levels' rectangles (the padding between them); the
/// rectangles themselves are all written by [`build_input_tensor_in`]. Clearing only the gaps
/// saves a pass over the whole tensor when the buffer is reused.
fn clear_outside_levels(data: &mut [f32], layout: &PyramidLayout) {
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(layout.levels.len());
    for (y, row) in data.chunks_exact_mut(layout.cols.max(1)).enumerate() {
        let y = (y % layout.rows) as i64;
        spans.clear();
        spans.extend(
            layout
                .levels
                .iter()
                .filter(|r| r.top <= y && y <= r.bottom)
                .map(|r| (r.left as usize, r.right as usize + 1)),
        );
        spans.sort_unstable();
        let mut at = 0;
        for &(left, end) in &spans {
            if left > at {
                row[at..left].fill(0.0);
            }
            at = at.max(end);
        }
        let end = row.len();
        row[at.min(end)..].fill(0.0);
    }
}

// ------------------------------------------------------------------------------------------------
// §5 steps 2–4 and 8: score-map cell → image rectangle
// ------------------------------------------------------------------------------------------------

/// Squared Euclidean distance from `(x, y)` to the closest point of `r`.
fn dist2_to_rect(r: &Rect, x: i64, y: i64) -> i64 {
    let dx = (r.left - x).max(x - r.right).max(0);
    let dy = (r.top - y).max(y - r.bottom).max(0);
    dx * dx + dy * dy
}

/// Score-map cell (row, col) -> rectangle in the detector image (before undoing upsampling),
/// plus the level index.
///
/// `window` is the detector window `(width, height)` from the model file (80 × 80). The window
/// is centred on tensor point `(8·col + 14, 8·row + 14)`; the level is the first one containing
/// that point, else the nearest one (first wins ties); the box is then mapped through that
/// level's `·6/5 + 0.3` steps and rounded with `lround`. With an empty `layout.levels` the box is
/// returned in tensor coordinates with level 0.
pub fn cell_to_image_rect(
    layout: &PyramidLayout,
    row: usize,
    col: usize,
    window: (usize, usize),
) -> (Rect, usize) {
    let cx = CELL_STRIDE * col as i64 + CELL_OFFSET;
    let cy = CELL_STRIDE * row as i64 + CELL_OFFSET;
    let half_w = (window.0 as f64 - 1.0) / 2.0;
    let half_h = (window.1 as f64 - 1.0) / 2.0;
    let (x, y) = (cx as f64, cy as f64);
    let mut corners = [x - half_w, y - half_h, x + half_w, y + half_h];

    let level = layout
        .levels
        .iter()
        .position(|r| r.contains(cx, cy))
        .or_else(|| {
            let mut best: Option<(usize, i64)> = None;
            for (i, r) in layout.levels.iter().enumerate() {
                let d = dist2_to_rect(r, cx, cy);
                if best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((i, d));
                }
            }
            best.map(|(i, _)| i)
        });

    let level = match level {
        Some(level) => {
            let origin = layout.levels[level];
            let (ox, oy) = (origin.left as f64, origin.top as f64);
            corners[0] -= ox;
            corners[2] -= ox;
            corners[1] -= oy;
            corners[3] -= oy;
            let factor = 6.0 / (6.0 - 1.0);
            for _ in 0..level {
                for v in corners.iter_mut() {
                    *v = *v * factor + 0.3;
                }
            }
            level
        }
        None => 0,
    };

    let rect = Rect::new(
        lround(corners[0]),
        lround(corners[1]),
        lround(corners[2]),
        lround(corners[3]),
    );
    (rect, level)
}

/// Undo `upsample` pyramid_up steps (x/2-1.25, y/2-0.75 per step on f64 corners, then lround).
pub fn rect_down(rect: Rect, upsample: u32) -> Rect {
    if upsample == 0 {
        return rect;
    }
    let mut c = [
        rect.left as f64,
        rect.top as f64,
        rect.right as f64,
        rect.bottom as f64,
    ];
    for _ in 0..upsample {
        c[0] = c[0] / 2.0 - 1.25;
        c[2] = c[2] / 2.0 - 1.25;
        c[1] = c[1] / 2.0 - 0.75;
        c[3] = c[3] / 2.0 - 0.75;
    }
    Rect::new(lround(c[0]), lround(c[1]), lround(c[2]), lround(c[3]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;
    use ndarray::array;

    #[test]
    fn level_sizes_of_375x500_match_the_spec() {
        let expected = [
            (375, 500),
            (312, 416),
            (260, 346),
            (216, 288),
            (180, 240),
            (150, 200),
            (125, 166),
            (104, 138),
            (86, 115),
            (71, 95),
            (59, 79),
            (49, 65),
            (40, 54),
            (33, 45),
            (27, 37),
            (22, 30),
            (18, 25),
            (15, 20),
            (12, 16),
            (10, 13),
            (8, 10),
            (6, 8),
        ];
        // §4.3's rule also yields a 23rd level (5, 6); the tiling (§4.4 step 5) drops it because
        // it would overlap level 0, so the spec's list (the levels in use) has 22.
        let sizes = pyramid_level_sizes(375, 500);
        assert_eq!(sizes[..22], expected);
        assert_eq!(sizes[22..], [(5, 6)]);
        let layout = tile_layout(375, 500).unwrap();
        assert_eq!(layout.levels.len(), 22);
        assert_eq!(
            *layout.levels.last().unwrap(),
            Rect::new(503, 399, 510, 404)
        );
    }

    #[test]
    fn tiny_images_give_nothing_and_do_not_panic() {
        assert!(pyramid_level_sizes(0, 0).is_empty());
        assert!(pyramid_level_sizes(0, 7).is_empty());
        assert_eq!(pyramid_level_sizes(1, 1), [(1, 1)]);
        assert_eq!(pyramid_level_sizes(5, 10), [(5, 10)]);
        for (h, w) in [(0, 0), (1, 1), (100, 9), (0, 100), (5, 0)] {
            assert_eq!(tile_layout(h, w), None, "{h}x{w}");
            let img = RgbImage::new(w as u32, h as u32);
            assert!(build_input_tensor(&img, [0.0; 3]).is_none());
        }
        // Smallest accepted sizes still give a consistent layout and tensor.
        for (h, w) in [(1, 10), (5, 10), (5, 11), (1, 200)] {
            let layout = tile_layout(h, w).unwrap();
            assert_eq!(
                layout.levels[0],
                Rect::new(11, 11, 11 + w as i64 - 1, 11 + h as i64 - 1)
            );
            let img = RgbImage::from_pixel(w as u32, h as u32, Rgb([1, 2, 3]));
            let (t, l2) = build_input_tensor(&img, [0.0; 3]).unwrap();
            assert_eq!(t.dim(), (3, layout.rows, layout.cols));
            assert_eq!(l2, layout);
        }
        assert_eq!(pyramid_up(&RgbImage::new(0, 0)).dimensions(), (0, 0));
        assert_eq!(pyramid_up(&RgbImage::new(0, 4)).dimensions(), (0, 0));
        let one = pyramid_up(&RgbImage::from_pixel(1, 1, Rgb([7, 8, 9])));
        assert_eq!(one.dimensions(), (4, 3));
        assert!(one.pixels().all(|p| *p == Rgb([7, 8, 9])));
        assert_eq!(
            resize_bilinear_f32(Array2::zeros((0, 3)).view(), 4, 4).dim(),
            (4, 4)
        );
        assert_eq!(
            resize_bilinear_f32(Array2::ones((2, 3)).view(), 0, 4).dim(),
            (0, 4)
        );
        assert_eq!(score_map_size(3, 4), (0, 0));
    }

    #[test]
    fn a_reused_buffer_gives_the_same_tensor() {
        let img = RgbImage::from_fn(173, 61, |x, y| {
            Rgb([(x * 7 + y) as u8, (x * 3 + y * 5) as u8, (x ^ y) as u8])
        });
        let (fresh, layout) = build_input_tensor(&img, [120.0, 110.0, 100.0]).unwrap();
        let (reused, again) =
            build_input_tensor_in(&img, [120.0, 110.0, 100.0], |len| vec![f32::NAN; len]).unwrap();
        assert_eq!(layout, again);
        assert!(layout.levels.len() > 2);
        assert!(fresh.iter().zip(reused.iter()).all(|(a, b)| a == b));
    }

    #[test]
    fn pyramid_up_size_rule() {
        assert_eq!(pyramid_up_size(375, 500), (751, 1002));
        let img = RgbImage::new(5, 3);
        assert_eq!(pyramid_up(&img).dimensions(), (12, 7));
    }

    /// 3 wide × 2 tall, every value 100, upsampled to 8 × 5. Worked through §6 by hand:
    /// xs = 2/7, ys = 1/4. Output (row 2, col 1) has fy = 0.5, lane 1 = 0.285714328… (f32), so
    /// all four weights are products with 0.5 and the f32 sum
    /// ((0.5·ifx·100 + 0.5·fx·100) + 0.5·ifx·100) + 0.5·fx·100 = 99.99999237 → truncates to 99.
    /// Every other pixel sums to exactly 100.
    #[test]
    fn rgb8_resize_truncates_like_dlib_on_a_flat_image() {
        let img = RgbImage::from_pixel(3, 2, Rgb([100, 100, 100]));
        let up = pyramid_up(&img);
        assert_eq!(up.dimensions(), (8, 5));
        for (x, y, p) in up.enumerate_pixels() {
            let want = if (x, y) == (1, 2) { 99 } else { 100 };
            assert_eq!(*p, Rgb([want; 3]), "pixel x={x} y={y}");
        }
        // 2 × 2 flat gives exactly 100 everywhere (no truncation happens to occur).
        let up = pyramid_up(&RgbImage::from_pixel(2, 2, Rgb([100; 3])));
        assert!(up.pixels().all(|p| *p == Rgb([100; 3])));
    }

    /// 2 × 1 image, pixels (10, 0, 255) and (200, 3, 0), upsampled to 6 × 3 (fy = 0 on every
    /// row). xs = 0.2: columns 0–3 take the f32 fast path (fx = 0, 0.19999999, 0.40000001,
    /// 0.60000002), columns 4–5 the f64 tail (x = 0.8, 1.0). Hand-computed values; where the
    /// exact bilinear value is an integer the f32/f64 order lands just below it and truncates:
    /// col 1 R = 47.999996 → 47, col 3 B = 101.99999 → 101, col 4 B = 50.999999999999986 → 50.
    #[test]
    fn rgb8_resize_fast_path_and_tail_by_hand() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, Rgb([10, 0, 255]));
        img.put_pixel(1, 0, Rgb([200, 3, 0]));
        let up = pyramid_up(&img);
        assert_eq!(up.dimensions(), (6, 3));
        let want = [
            [10, 0, 255],
            [47, 0, 204],
            [86, 1, 153],
            [124, 1, 101],
            [162, 2, 50],
            [200, 3, 0],
        ];
        for y in 0..3 {
            for (x, w) in want.iter().enumerate() {
                assert_eq!(up.get_pixel(x as u32, y).0, *w, "pixel x={x} y={y}");
            }
        }
    }

    #[test]
    fn f32_resize_same_size_is_identity_and_tail_formula() {
        let src = Array2::from_shape_fn((7, 13), |(r, c)| (r * 13 + c) as f32 * 0.37 - 3.0);
        assert_eq!(resize_bilinear_f32(src.view(), 7, 13), src);
        // A non-contiguous source view gives the same result as a contiguous copy.
        let t = src.t();
        assert_eq!(
            resize_bilinear_f32(t, 10, 5),
            resize_bilinear_f32(t.to_owned().view(), 10, 5)
        );
        // 1 × 2 → 1 × 6 (xs = 0.2): tail column 4 has x = 0.8: a = fl32(0.2f·1 + 0.8f·3),
        // v = fl32(a) (fy = 0).
        let src = array![[1.0f32, 3.0]];
        let out = resize_bilinear_f32(src.view(), 1, 6);
        let fx = 0.8f32;
        assert_eq!(out[[0, 4]], (1.0 - fx) + fx * 3.0);
        assert_eq!(out[[0, 5]], 3.0);
        assert_eq!(out[[0, 0]], 1.0);
    }

    /// Nearest-level fallback on a synthetic layout: cell (0, 0) has its centre at (14, 14),
    /// between two levels.
    #[test]
    fn cell_outside_every_level_takes_the_nearest_first_on_ties() {
        let tie = PyramidLayout {
            levels: vec![Rect::new(0, 0, 99, 9), Rect::new(0, 19, 99, 29)],
            rows: 40,
            cols: 100,
        };
        // Distance 5 to both: the first level wins; box ±39.5 around (14, 14), origin (0, 0).
        assert_eq!(
            cell_to_image_rect(&tie, 0, 0, (80, 80)),
            (Rect::new(-26, -26, 54, 54), 0)
        );
        let nearer = PyramidLayout {
            levels: vec![Rect::new(0, 0, 99, 9), Rect::new(0, 18, 99, 29)],
            rows: 40,
            cols: 100,
        };
        // Level 1 is at distance 4: corners minus (0, 18) = (-25.5, -43.5, 53.5, 35.5), then
        // ·1.2 + 0.3 = (-30.3, -51.9, 64.5, 42.9) → lround (half away from zero).
        assert_eq!(
            cell_to_image_rect(&nearer, 0, 0, (80, 80)),
            (Rect::new(-30, -52, 65, 43), 1)
        );
        // No levels at all: tensor-space box, level 0, no panic.
        let empty = PyramidLayout {
            levels: vec![],
            rows: 0,
            cols: 0,
        };
        assert_eq!(
            cell_to_image_rect(&empty, 0, 0, (80, 80)),
            (Rect::new(-26, -26, 54, 54), 0)
        );
    }

    /// For dlib's own scale factors (upsampling ≈0.5, pyramid levels ≈1.2) the 4-lane loop
    /// ends on its lane test, never on the column bound this port adds for arbitrary sizes.
    #[test]
    fn fast_path_ends_on_the_lane_test_for_dlib_scales() {
        for n in 1..=1200usize {
            let (_, up_cols) = pyramid_up_size(1, n);
            let plan = ResizePlan::new(1, n, 1, up_cols);
            assert!(!plan.column_bound_hit, "upsampling width {n}");
            let down = (5.0 / 6.0 * n as f64).floor() as usize;
            if down > 0 {
                let plan = ResizePlan::new(1, n, 1, down);
                assert!(!plan.column_bound_hit, "level width {n} -> {down}");
            }
        }
        // Most columns take the fast path: 500 -> 1002 leaves a short tail.
        let plan = ResizePlan::new(1, 500, 1, 1002);
        assert!(plan.tail.len() <= 8, "tail {}", plan.tail.len());
    }

    /// Arbitrary sizes (not only dlib's scale factors) stay in bounds and inside the source's
    /// value range.
    #[test]
    fn arbitrary_resize_sizes_do_not_panic() {
        let sizes = [1usize, 2, 3, 4, 5, 7, 8, 9, 16, 33, 100];
        for &ir in &[1usize, 2, 5] {
            for &ic in &sizes {
                let src = Array2::from_shape_fn((ir, ic), |(r, c)| ((r * 7 + c * 3) % 11) as f32);
                let mut rgb = RgbImage::new(ic as u32, ir as u32);
                for (x, y, p) in rgb.enumerate_pixels_mut() {
                    *p = Rgb([(x * 25) as u8, (y * 40) as u8, 255]);
                }
                for &oc in &sizes {
                    for &or in &[1usize, 3, 6] {
                        let out = resize_bilinear_f32(src.view(), or, oc);
                        assert_eq!(out.dim(), (or, oc));
                        assert!(out.iter().all(|&v| (-1e-4..=10.0 + 1e-4).contains(&v)));
                        let out = resize_bilinear_rgb8(&rgb, oc as u32, or as u32);
                        assert_eq!(out.dimensions(), (oc as u32, or as u32));
                        assert!(out.pixels().all(|p| p.0[2] >= 254));
                    }
                }
            }
        }
    }

    #[test]
    fn cell_mapping_worked_examples() {
        let layout = tile_layout(375, 500).unwrap();
        assert_eq!(layout.rows, 1405);
        assert_eq!(layout.cols, 522);
        assert_eq!(
            cell_to_image_rect(&layout, 17, 33, (80, 80)),
            (Rect::new(228, 100, 307, 179), 0)
        );
        assert_eq!(
            cell_to_image_rect(&layout, 98, 33, (80, 80)),
            (Rect::new(328, 59, 442, 173), 2)
        );
        // Centre in the padding left of level 1 ((14, 390) lies between level 0 and 1): nearest
        // is level 0 (distance 5) rather than level 1 (distance 6).
        let (_, level) = cell_to_image_rect(&layout, 47, 0, (80, 80));
        assert_eq!(level, 0);
        assert_eq!(
            rect_down(Rect::new(457, 206, 621, 370), 1),
            Rect::new(227, 102, 309, 184)
        );
        assert_eq!(rect_down(Rect::new(1, 2, 3, 4), 0), Rect::new(1, 2, 3, 4));
    }
}
