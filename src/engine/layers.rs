//! Tensor layers of dlib's DNN module on `ndarray` activations laid out (channel, row, col):
//! convolution (im2col in row bands + a SIMD GEMM), per-channel affine, ReLU, pooling,
//! dlib's zero-padded residual addition and the fully connected layer.

use ndarray::{Array1, Array3, ArrayView3, s};
use rayon::prelude::*;

/// Output columns per im2col band: large enough to keep the GEMM efficient, small enough that
/// the band's im2col buffer stays in cache-friendly territory for the detector's huge inputs.
const BAND_COLUMNS: usize = 4096;

/// im2col buffers above this many floats (16 MiB) are freed after use instead of being kept
/// for the thread's next convolution, so that idle workers do not hold on to much memory.
const KEEP_BUFFER_FLOATS: usize = 1 << 22;

thread_local! {
    /// Each worker's im2col buffer, reused across convolutions: a fresh multi-megabyte
    /// allocation per layer costs page faults that rival the descriptor's arithmetic.
    static IM2COL: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's im2col buffer (or a fresh one if it is already in use).
fn with_im2col_buffer<R>(f: impl FnOnce(&mut Vec<f32>) -> R) -> R {
    IM2COL.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            let result = f(&mut buf);
            if buf.capacity() > KEEP_BUFFER_FLOATS {
                *buf = Vec::new();
            }
            result
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// What to apply to each convolution output element while it is still hot in cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Identity,
    Relu,
}

/// A 2-D convolution with bias (dlib `con_`), cross-correlation with zero padding.
#[derive(Debug, Clone)]
pub struct Conv2d {
    pub filters: usize,
    pub in_channels: usize,
    pub kernel_rows: usize,
    pub kernel_cols: usize,
    pub stride_y: usize,
    pub stride_x: usize,
    pub pad_y: usize,
    pub pad_x: usize,
    /// filters × (in_channels · kernel_rows · kernel_cols), row-major.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// Per-channel `gamma · x + beta` (dlib `affine_` in CONV_MODE, or a converted batch norm).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAffine {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

impl ChannelAffine {
    /// dlib's conversion of a batch-norm layer to an affine one, all in f32:
    /// `g = gamma / sqrt(var + eps)`, `b = beta - g · mean`.
    pub fn from_batch_norm(
        gamma: &[f32],
        beta: &[f32],
        mean: &[f32],
        var: &[f32],
        eps: f32,
    ) -> Self {
        let g: Vec<f32> = gamma
            .iter()
            .zip(var)
            .map(|(&gm, &v)| gm / (v + eps).sqrt())
            .collect();
        let b = beta
            .iter()
            .zip(mean)
            .zip(&g)
            .map(|((&bt, &m), &gi)| bt - gi * m)
            .collect();
        ChannelAffine { gamma: g, beta: b }
    }

    pub fn channels(&self) -> usize {
        self.gamma.len()
    }
}

/// A raw pointer that may be shared across rayon workers writing disjoint regions.
#[derive(Clone, Copy)]
struct SharedMut(*mut f32);
// SAFETY: every worker writes a disjoint set of elements (see `Conv2d::forward`).
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}

impl SharedMut {
    fn get(&self) -> *mut f32 {
        self.0
    }
}

impl Conv2d {
    pub fn patch_len(&self) -> usize {
        self.in_channels * self.kernel_rows * self.kernel_cols
    }

    /// Output (rows, cols) for an input of (rows, cols); None if the input is too small.
    pub fn output_size(&self, rows: usize, cols: usize) -> Option<(usize, usize)> {
        let r = (rows + 2 * self.pad_y).checked_sub(self.kernel_rows)? / self.stride_y + 1;
        let c = (cols + 2 * self.pad_x).checked_sub(self.kernel_cols)? / self.stride_x + 1;
        Some((r, c))
    }

    /// Convolution, then bias, then an optional per-channel affine, then the activation.
    /// `parallel` splits the output rows across the rayon pool (for a single large input);
    /// callers that already run one input per worker pass `false`.
    pub fn forward(
        &self,
        input: ArrayView3<f32>,
        affine: Option<&ChannelAffine>,
        activation: Activation,
        parallel: bool,
    ) -> Array3<f32> {
        let (channels, rows, cols) = input.dim();
        assert_eq!(channels, self.in_channels, "conv input channel count");
        let Some((out_rows, out_cols)) = self.output_size(rows, cols) else {
            return Array3::zeros((self.filters, 0, 0));
        };
        if out_rows == 0 || out_cols == 0 {
            return Array3::zeros((self.filters, out_rows, out_cols));
        }
        let input = input.as_standard_layout();
        let input = input.as_slice().expect("standard layout");
        // Not zeroed: the product overwrites every element (its destination is not read).
        let mut output = Array3::<f32>::uninit((self.filters, out_rows, out_cols));
        let rows_per_band = (BAND_COLUMNS / out_cols).clamp(1, out_rows);
        let bands: Vec<(usize, usize)> = (0..out_rows)
            .step_by(rows_per_band)
            .map(|r0| (r0, (r0 + rows_per_band).min(out_rows)))
            .collect();
        let out_ptr = SharedMut(output.as_mut_ptr().cast::<f32>());
        let plane = out_rows * out_cols;
        let run_band = |&(r0, r1): &(usize, usize), col_buf: &mut Vec<f32>| {
            let n = (r1 - r0) * out_cols;
            self.im2col_band(input, rows, cols, r0, r1, out_cols, col_buf);
            // SAFETY: this band writes only columns r0*out_cols .. r1*out_cols of every
            // filter's plane; bands are disjoint, and `output` outlives the loop.
            unsafe {
                let dst = out_ptr.get().add(r0 * out_cols);
                gemm::gemm(
                    self.filters,
                    n,
                    self.patch_len(),
                    dst,
                    1,
                    plane as isize,
                    false,
                    self.weights.as_ptr(),
                    1,
                    self.patch_len() as isize,
                    col_buf.as_ptr(),
                    1,
                    n as isize,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                );
                for k in 0..self.filters {
                    let row = std::slice::from_raw_parts_mut(dst.add(k * plane), n);
                    self.epilogue(row, k, affine, activation);
                }
            }
        };
        if parallel && bands.len() > 1 {
            bands
                .par_iter()
                .for_each(|band| with_im2col_buffer(|buf| run_band(band, buf)));
        } else {
            with_im2col_buffer(|buf| {
                for band in &bands {
                    run_band(band, buf);
                }
            });
        }
        // SAFETY: the bands cover every output row, and each band's product wrote all of its
        // columns of every filter plane.
        unsafe { output.assume_init() }
    }

    fn epilogue(
        &self,
        row: &mut [f32],
        k: usize,
        affine: Option<&ChannelAffine>,
        activation: Activation,
    ) {
        let b = self.bias[k];
        match (affine, activation) {
            (Some(a), Activation::Relu) => {
                let (g, bt) = (a.gamma[k], a.beta[k]);
                row.iter_mut()
                    .for_each(|v| *v = (g * (*v + b) + bt).max(0.0));
            }
            (Some(a), Activation::Identity) => {
                let (g, bt) = (a.gamma[k], a.beta[k]);
                row.iter_mut().for_each(|v| *v = g * (*v + b) + bt);
            }
            (None, Activation::Relu) => row.iter_mut().for_each(|v| *v = (*v + b).max(0.0)),
            (None, Activation::Identity) => row.iter_mut().for_each(|v| *v += b),
        }
    }

    /// Fills `buf` with the (patch_len × band columns) im2col matrix of output rows r0..r1.
    #[allow(clippy::too_many_arguments)]
    fn im2col_band(
        &self,
        input: &[f32],
        rows: usize,
        cols: usize,
        r0: usize,
        r1: usize,
        out_cols: usize,
        buf: &mut Vec<f32>,
    ) {
        let n = (r1 - r0) * out_cols;
        // Every element is written below (copied, or zeroed where the patch leaves the
        // input), so a reused buffer needs no clearing first.
        buf.resize(self.patch_len() * n, 0.0);
        let (sy, sx) = (self.stride_y as isize, self.stride_x as isize);
        let (py, px) = (self.pad_y as isize, self.pad_x as isize);
        // Valid output columns for kernel column kx: 0 <= ox*sx - px + kx < cols.
        let valid_cols = |kx: isize| -> (usize, usize) {
            let lo = if kx >= px {
                0
            } else {
                ((px - kx) + sx - 1) / sx
            } as usize;
            let hi_excl = ((cols as isize - 1 + px - kx).div_euclid(sx) + 1)
                .clamp(0, out_cols as isize) as usize;
            (lo.min(out_cols), hi_excl.max(lo.min(out_cols)))
        };
        let mut patch_row = 0;
        for c in 0..self.in_channels {
            let plane = &input[c * rows * cols..(c + 1) * rows * cols];
            for ky in 0..self.kernel_rows as isize {
                for kx in 0..self.kernel_cols as isize {
                    let dst_row = &mut buf[patch_row * n..(patch_row + 1) * n];
                    let (lo, hi) = valid_cols(kx);
                    patch_row += 1;
                    if sx == 1 && sy == 1 && out_cols == cols {
                        same_size_patch_row(plane, cols, r0, ky - py, kx - px, (lo, hi), dst_row);
                        continue;
                    }
                    for (band_r, oy) in (r0..r1).enumerate() {
                        let iy = oy as isize * sy - py + ky;
                        if iy < 0 || iy >= rows as isize || lo >= hi {
                            dst_row[band_r * out_cols..(band_r + 1) * out_cols].fill(0.0);
                            continue;
                        }
                        let src_row = &plane[iy as usize * cols..(iy as usize + 1) * cols];
                        let dst = &mut dst_row[band_r * out_cols..(band_r + 1) * out_cols];
                        dst[..lo].fill(0.0);
                        dst[hi..].fill(0.0);
                        let ix0 = lo as isize * sx - px + kx;
                        if sx == 1 {
                            let len = hi - lo;
                            dst[lo..hi].copy_from_slice(&src_row[ix0 as usize..ix0 as usize + len]);
                        } else {
                            for (i, d) in dst[lo..hi].iter_mut().enumerate() {
                                *d = src_row[(ix0 + i as isize * sx) as usize];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One im2col row of a stride-1 convolution whose output is as wide as its input (the
/// ResNet's padded 3×3 convolutions): output (row, col) reads input (row + dy, col + dx), so
/// across the band's rows the reads are one contiguous run of the plane, shifted. It is copied
/// at once instead of row by row (rows of a few dozen values made the copies' overhead rival
/// the matrix product), and the columns that fall outside the input (`valid` are the others)
/// are zeroed after.
fn same_size_patch_row(
    plane: &[f32],
    cols: usize,
    r0: usize,
    dy: isize,
    dx: isize,
    valid: (usize, usize),
    dst: &mut [f32],
) {
    let rows = (plane.len() / cols) as isize;
    let band_rows = dst.len() / cols;
    // Band rows whose input row exists.
    let first = (-dy - r0 as isize).clamp(0, band_rows as isize) as usize;
    let end = (rows - dy - r0 as isize).clamp(first as isize, band_rows as isize) as usize;
    dst[..first * cols].fill(0.0);
    dst[end * cols..].fill(0.0);
    if first == end {
        return;
    }
    // dst[k] = plane[k + shift] for k in the valid rows, clipped to the plane.
    let shift = (r0 as isize + dy) * cols as isize + dx;
    let lo = ((first * cols) as isize).max(-shift) as usize;
    let hi = ((end * cols) as isize).min(plane.len() as isize - shift) as usize;
    if lo < hi {
        let from = (lo as isize + shift) as usize;
        dst[lo..hi].copy_from_slice(&plane[from..from + (hi - lo)]);
    }
    let (valid_lo, valid_hi) = valid;
    for row in dst[first * cols..end * cols].chunks_exact_mut(cols) {
        row[..valid_lo].fill(0.0);
        row[valid_hi..].fill(0.0);
    }
}

/// Per-channel affine in place, optionally followed by ReLU.
pub fn affine_in_place(x: &mut Array3<f32>, affine: &ChannelAffine, relu: bool) {
    for (k, mut plane) in x.outer_iter_mut().enumerate() {
        let (g, b) = (affine.gamma[k], affine.beta[k]);
        if relu {
            plane.mapv_inplace(|v| (g * v + b).max(0.0));
        } else {
            plane.mapv_inplace(|v| g * v + b);
        }
    }
}

pub fn relu_in_place(x: &mut Array3<f32>) {
    x.mapv_inplace(|v| v.max(0.0));
}

/// Max pooling; window cells outside the input are ignored (dlib's rule).
pub fn max_pool(x: ArrayView3<f32>, size: usize, stride: usize, pad: usize) -> Array3<f32> {
    pool(x, size, stride, pad, f32::NEG_INFINITY, f32::max, |m, _| m)
}

/// Average pooling over the in-image cells of each window (dlib's rule), summed in f32
/// in row-major order, then divided by the number of cells.
pub fn avg_pool(x: ArrayView3<f32>, size: usize, stride: usize, pad: usize) -> Array3<f32> {
    pool(
        x,
        size,
        stride,
        pad,
        0.0,
        |acc, v| acc + v,
        |sum, cells| sum / cells as f32,
    )
}

/// Folds each window's in-image cells in row-major order with `combine`, starting from
/// `init`, and maps the result and the cell count through `finish` (a window with no cell in
/// the image gives 0).
fn pool(
    x: ArrayView3<f32>,
    size: usize,
    stride: usize,
    pad: usize,
    init: f32,
    combine: impl Fn(f32, f32) -> f32,
    finish: impl Fn(f32, usize) -> f32,
) -> Array3<f32> {
    let (channels, rows, cols) = x.dim();
    let out_dim = |n: usize| {
        (n + 2 * pad)
            .checked_sub(size)
            .map_or(0, |d| d / stride + 1)
    };
    let (out_rows, out_cols) = (out_dim(rows), out_dim(cols));
    if rows == 0 || cols == 0 {
        return Array3::zeros((channels, out_rows, out_cols));
    }
    // In-image span of window `i` along an axis of length `n`.
    let span = |i: usize, n: usize| {
        let start = (i * stride).saturating_sub(pad).min(n);
        let end = (i * stride + size).saturating_sub(pad).min(n);
        (start, end.max(start))
    };
    let x_spans: Vec<(usize, usize)> = (0..out_cols).map(|j| span(j, cols)).collect();
    let input = x.as_standard_layout();
    let input = input.as_slice().expect("standard layout");
    let mut out = Vec::with_capacity(channels * out_rows * out_cols);
    for plane in input.chunks_exact(rows * cols) {
        for i in 0..out_rows {
            let (y0, y1) = span(i, rows);
            for &(x0, x1) in &x_spans {
                let mut acc = init;
                for y in y0..y1 {
                    for &v in &plane[y * cols + x0..y * cols + x1] {
                        acc = combine(acc, v);
                    }
                }
                let cells = (y1 - y0) * (x1 - x0);
                out.push(if cells == 0 { 0.0 } else { finish(acc, cells) });
            }
        }
    }
    Array3::from_shape_vec((channels, out_rows, out_cols), out).expect("pool output shape")
}

/// Mean of each channel over all rows and columns (dlib's `avg_pool_everything`),
/// summed in f32 in row-major order.
pub fn global_avg_pool(x: ArrayView3<f32>) -> Array1<f32> {
    let (_, rows, cols) = x.dim();
    let count = (rows * cols) as f32;
    x.outer_iter()
        .map(|plane| plane.iter().fold(0.0f32, |acc, &v| acc + v) / count)
        .collect()
}

/// dlib's `add_prev` for operands of different shapes: the result has the larger extent in
/// every dimension, and each operand contributes only where its own shape reaches (both
/// aligned at index 0).
pub fn add_zero_padded(a: &Array3<f32>, b: &Array3<f32>) -> Array3<f32> {
    let (ak, ar, ac) = a.dim();
    let (bk, br, bc) = b.dim();
    let mut out = Array3::<f32>::zeros((ak.max(bk), ar.max(br), ac.max(bc)));
    out.slice_mut(s![..ak, ..ar, ..ac]).assign(a);
    let mut region = out.slice_mut(s![..bk, ..br, ..bc]);
    region += b;
    out
}

/// A fully connected layer without bias: `out[j] = Σ_i v[i] · W[i][j]`, W stored
/// (inputs × outputs) row-major as in dlib's file.
#[derive(Debug, Clone)]
pub struct FullyConnected {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<f32>,
}

impl FullyConnected {
    pub fn forward(&self, v: &[f32]) -> Vec<f32> {
        assert_eq!(v.len(), self.inputs, "fc input length");
        let mut out = vec![0.0f32; self.outputs];
        for (i, &vi) in v.iter().enumerate() {
            let row = &self.weights[i * self.outputs..(i + 1) * self.outputs];
            for (o, &w) in out.iter_mut().zip(row) {
                *o += vi * w;
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::Array3;

    fn naive_conv(conv: &Conv2d, x: &Array3<f32>) -> Array3<f32> {
        let (c_in, rows, cols) = x.dim();
        let (orows, ocols) = conv.output_size(rows, cols).unwrap();
        let mut out = Array3::zeros((conv.filters, orows, ocols));
        for k in 0..conv.filters {
            for i in 0..orows {
                for j in 0..ocols {
                    let mut acc = 0.0f64;
                    for c in 0..c_in {
                        for ky in 0..conv.kernel_rows {
                            for kx in 0..conv.kernel_cols {
                                let iy = (i * conv.stride_y + ky) as isize - conv.pad_y as isize;
                                let ix = (j * conv.stride_x + kx) as isize - conv.pad_x as isize;
                                if iy < 0 || ix < 0 || iy >= rows as isize || ix >= cols as isize {
                                    continue;
                                }
                                let w = conv.weights[((k * c_in + c) * conv.kernel_rows + ky)
                                    * conv.kernel_cols
                                    + kx];
                                acc += f64::from(w) * f64::from(x[[c, iy as usize, ix as usize]]);
                            }
                        }
                    }
                    out[[k, i, j]] = acc as f32 + conv.bias[k];
                }
            }
        }
        out
    }

    /// Deterministic values in [-1, 1) for test tensors and weights.
    pub(crate) fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2000) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    /// A square convolution (`k`×`k`, stride `s`, padding `p`) with pseudo-random weights and
    /// biases drawn from the given seeds.
    pub(crate) fn square_conv(
        (f, c, k, s, p): (usize, usize, usize, usize, usize),
        weight_seed: u32,
        bias_seed: u32,
    ) -> Conv2d {
        Conv2d {
            filters: f,
            in_channels: c,
            kernel_rows: k,
            kernel_cols: k,
            stride_y: s,
            stride_x: s,
            pad_y: p,
            pad_x: p,
            weights: pseudo_random(f * c * k * k, weight_seed),
            bias: pseudo_random(f, bias_seed),
        }
    }

    #[test]
    fn conv_matches_a_naive_convolution_for_dlib_shapes() {
        // (filters, channels, kernel, stride, pad, rows, cols)
        let shapes = [
            (4, 3, 5, 2, 0, 23, 31),
            (5, 4, 3, 1, 1, 9, 8),
            (3, 2, 3, 2, 0, 8, 8),
            (2, 3, 9, 1, 4, 12, 70),
            (6, 2, 5, 1, 2, 100, 90),
        ];
        for (seed, &(f, c, k, s, p, rows, cols)) in shapes.iter().enumerate() {
            let conv = square_conv((f, c, k, s, p), seed as u32, 99 + seed as u32);
            let x = Array3::from_shape_vec(
                (c, rows, cols),
                pseudo_random(c * rows * cols, 7 + seed as u32),
            )
            .unwrap();
            let expected = naive_conv(&conv, &x);
            for parallel in [false, true] {
                let got = conv.forward(x.view(), None, Activation::Identity, parallel);
                assert_eq!(got.dim(), expected.dim());
                let max_err = got
                    .iter()
                    .zip(expected.iter())
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0f32, f32::max);
                assert!(
                    max_err < 1e-4,
                    "shape {:?}: max error {max_err}",
                    (f, c, k, s, p, rows, cols)
                );
            }
        }
    }

    #[test]
    fn residual_add_pads_with_zeros() {
        let a = Array3::from_elem((2, 3, 3), 1.0f32);
        let b = Array3::from_elem((1, 4, 4), 10.0f32);
        let sum = add_zero_padded(&a, &b);
        assert_eq!(sum.dim(), (2, 4, 4));
        assert_eq!(sum[[0, 0, 0]], 11.0);
        assert_eq!(sum[[0, 3, 3]], 10.0);
        assert_eq!(sum[[1, 0, 0]], 1.0);
        assert_eq!(sum[[1, 3, 3]], 0.0);
    }

    #[test]
    fn pooling_drops_odd_edges_and_ignores_padding() {
        let x = Array3::from_shape_fn((1, 5, 5), |(_, r, c)| (r * 5 + c) as f32);
        let avg = avg_pool(x.view(), 2, 2, 0);
        assert_eq!(avg.dim(), (1, 2, 2));
        assert_eq!(avg[[0, 0, 0]], (0.0 + 1.0 + 5.0 + 6.0) / 4.0);
        let max = max_pool(x.view(), 3, 2, 0);
        assert_eq!(max.dim(), (1, 2, 2));
        assert_eq!(max[[0, 1, 1]], 24.0);
        let padded = avg_pool(x.view(), 3, 1, 1);
        assert_eq!(padded[[0, 0, 0]], (0.0 + 1.0 + 5.0 + 6.0) / 4.0);
    }

    #[test]
    fn pooling_matches_a_naive_window_loop() {
        let x = Array3::from_shape_vec((3, 11, 8), pseudo_random(3 * 11 * 8, 5)).unwrap();
        for (size, stride, pad) in [(3, 2, 0), (2, 2, 0), (3, 1, 1), (2, 1, 1), (5, 3, 2)] {
            let max = max_pool(x.view(), size, stride, pad);
            let avg = avg_pool(x.view(), size, stride, pad);
            for ((k, i, j), &m) in max.indexed_iter() {
                let mut cells = Vec::new();
                for y in 0..size {
                    for xx in 0..size {
                        let (y, xx) = (
                            (i * stride + y) as isize - pad as isize,
                            (j * stride + xx) as isize - pad as isize,
                        );
                        if y >= 0 && xx >= 0 && y < 11 && xx < 8 {
                            cells.push(x[[k, y as usize, xx as usize]]);
                        }
                    }
                }
                let expected_max = cells.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let expected_avg = cells.iter().fold(0.0f32, |a, &v| a + v) / cells.len() as f32;
                assert_eq!(m, expected_max, "max {:?}", (size, stride, pad, k, i, j));
                assert_eq!(
                    avg[[k, i, j]],
                    expected_avg,
                    "avg {:?}",
                    (size, stride, pad, k, i, j)
                );
            }
        }
    }

    #[test]
    fn batch_norm_conversion() {
        let a = ChannelAffine::from_batch_norm(&[2.0], &[1.0], &[3.0], &[3.0], 1.0);
        assert_eq!(a.gamma, vec![1.0]);
        assert_eq!(a.beta, vec![-2.0]);
    }
}
