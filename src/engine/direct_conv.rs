//! Direct (im2col-free) convolution for the CNN face detector's layers.
//!
//! The detector convolves multi-megapixel inputs that have few channels; lowering those
//! convolutions to a matrix product copies every input value 25 times (im2col) and streams the
//! copies through memory. Here a block of output columns of one output row is accumulated in
//! AVX-512 registers straight from the input: one vector load of 16 neighbouring input values
//! feeds FMAs for a whole group of filters, and each output value is written exactly once, with
//! bias, affine and ReLU already applied.
//!
//! Strided convolutions read from "phase planes": the zero-padded input split by column index
//! modulo the stride, so that the inputs of 16 neighbouring outputs are contiguous. The planes
//! are also wide enough for whole register blocks, which removes all edge cases from the inner
//! loop (only the final store is masked).
//!
//! The kernel runs only on CPUs with AVX-512F; elsewhere [`DirectConv::forward`] falls back to
//! [`Conv2d::forward`] (im2col + `gemm`).

use ndarray::{Array3, ArrayView3};
use rayon::prelude::*;

use super::buffers::BufferPool;
use super::layers::{Activation, ChannelAffine, Conv2d};

/// Output columns per vector register.
const LANES: usize = 16;

/// Register blocking: `group` filters × `blocks` vectors of output columns are accumulated at
/// once (at most 24 accumulators, leaving registers for the loaded inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blocking {
    /// 6 filters × 64 columns: the 45-filter layers (8 groups, the last one half empty).
    /// Measured ~15 % faster than 9 × 32, which needs more loads per FMA.
    Six,
    /// 8 filters × 48 columns: the 16- and 32-filter layers.
    Eight,
    /// 1 filter × 64 columns: the final 1-filter score layer.
    One,
}

impl Blocking {
    fn for_filters(filters: usize) -> Self {
        if !filters.is_multiple_of(8) && filters >= 24 {
            Blocking::Six
        } else if filters >= 5 {
            Blocking::Eight
        } else {
            Blocking::One
        }
    }

    fn group(self) -> usize {
        match self {
            Blocking::Six => 6,
            Blocking::Eight => 8,
            Blocking::One => 1,
        }
    }

    fn columns(self) -> usize {
        LANES
            * match self {
                Blocking::Six => 4,
                Blocking::Eight => 3,
                Blocking::One => 4,
            }
    }
}

/// A convolution's weights repacked for the direct kernel.
#[derive(Debug, Clone)]
pub struct DirectConv {
    blocking: Blocking,
    groups: usize,
    taps: usize,
    /// groups × taps × group, the filter index fastest; taps in (channel, row, col) order.
    /// Filters past the real count (padding of the last group) have zero weights.
    weights: Vec<f32>,
    /// Whether this CPU can run the kernel (decided once, at load time).
    fast: bool,
}

impl DirectConv {
    pub fn new(conv: &Conv2d) -> Self {
        let blocking = Blocking::for_filters(conv.filters);
        let group = blocking.group();
        let groups = conv.filters.div_ceil(group);
        let taps = conv.patch_len();
        let mut weights = vec![0.0f32; groups * taps * group];
        for k in 0..conv.filters {
            let (g, f) = (k / group, k % group);
            for t in 0..taps {
                weights[(g * taps + t) * group + f] = conv.weights[k * taps + t];
            }
        }
        DirectConv {
            blocking,
            groups,
            taps,
            weights,
            fast: cpu_has_avx512(),
        }
    }

    /// Whether [`DirectConv::forward`] uses the direct kernel on this CPU.
    pub fn is_fast(&self) -> bool {
        self.fast
    }

    /// Same contract and result (up to float rounding) as [`Conv2d::forward`] for `conv`, the
    /// layer this was built from.
    pub fn forward(
        &self,
        conv: &Conv2d,
        input: ArrayView3<f32>,
        affine: Option<&ChannelAffine>,
        activation: Activation,
        parallel: bool,
    ) -> Array3<f32> {
        let no_reuse = BufferPool::default();
        self.forward_pooled(conv, input, affine, activation, parallel, &no_reuse)
    }

    /// [`DirectConv::forward`], taking its output and scratch buffers from `pool` (and giving
    /// the scratch back).
    pub fn forward_pooled(
        &self,
        conv: &Conv2d,
        input: ArrayView3<f32>,
        affine: Option<&ChannelAffine>,
        activation: Activation,
        parallel: bool,
        pool: &BufferPool,
    ) -> Array3<f32> {
        #[cfg(target_arch = "x86_64")]
        if self.fast {
            return self.forward_avx512(conv, input, affine, activation, parallel, pool);
        }
        let _ = pool;
        conv.forward(input, affine, activation, parallel)
    }

    #[cfg(target_arch = "x86_64")]
    fn forward_avx512(
        &self,
        conv: &Conv2d,
        input: ArrayView3<f32>,
        affine: Option<&ChannelAffine>,
        activation: Activation,
        parallel: bool,
        pool: &BufferPool,
    ) -> Array3<f32> {
        let (channels, rows, cols) = input.dim();
        assert_eq!(channels, conv.in_channels, "conv input channel count");
        assert_eq!(
            self.taps,
            conv.patch_len(),
            "direct conv built for another layer"
        );
        let Some((out_rows, out_cols)) = conv.output_size(rows, cols) else {
            return Array3::zeros((conv.filters, 0, 0));
        };
        if out_rows == 0 || out_cols == 0 {
            return Array3::zeros((conv.filters, out_rows, out_cols));
        }
        let input = input.as_standard_layout();
        let input = input.as_slice().expect("standard layout");
        let block_cols = self.blocking.columns();
        let width =
            out_cols.div_ceil(block_cols) * block_cols + (conv.kernel_cols - 1) / conv.stride_x;
        let planes = PhasePlanes::new(input, channels, rows, cols, conv, width, parallel, pool);

        let (bias, scale, shift) = self.epilogue_constants(conv, affine);
        let tap_offsets: Vec<usize> = (0..conv.kernel_cols)
            .map(|kx| (kx % conv.stride_x) * planes.phase_stride + kx / conv.stride_x)
            .collect();
        let job = avx512::Job {
            src: planes.data.as_ptr(),
            channels,
            channel_stride: planes.channel_stride,
            width,
            kernel_rows: conv.kernel_rows,
            tap_offsets: &tap_offsets,
            stride_y: conv.stride_y,
            weights: self.weights.as_ptr(),
            groups: self.groups,
            taps: self.taps,
            filters: conv.filters,
            bias: &bias,
            scale: affine.map(|_| scale.as_slice()),
            shift: &shift,
            relu: activation == Activation::Relu,
            out_cols,
            out_plane: out_rows * out_cols,
        };

        let mut output = pool.take(conv.filters * out_rows * out_cols);
        let out = SharedOut(output.as_mut_ptr());
        let run_row = |oy: usize| {
            // SAFETY: the CPU has AVX-512F (`self.fast`); `job` describes `planes`, which is
            // `width` wide and padded so every read of the kernel is in bounds (see
            // `PhasePlanes::new`); row `oy` of every filter plane lies inside `output` and
            // is written by this call only.
            unsafe {
                match self.blocking {
                    Blocking::Six => avx512::row::<6, 4>(&job, oy, out.get()),
                    Blocking::Eight => avx512::row::<8, 3>(&job, oy, out.get()),
                    Blocking::One => avx512::row::<1, 4>(&job, oy, out.get()),
                }
            }
        };
        if parallel {
            (0..out_rows).into_par_iter().for_each(run_row);
        } else {
            (0..out_rows).for_each(run_row);
        }
        pool.give(planes.data);
        Array3::from_shape_vec((conv.filters, out_rows, out_cols), output)
            .expect("output length matches its shape")
    }

    /// Per (padded) filter: bias, affine scale and affine shift.
    fn epilogue_constants(
        &self,
        conv: &Conv2d,
        affine: Option<&ChannelAffine>,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let padded = self.groups * self.blocking.group();
        let mut bias = vec![0.0f32; padded];
        let mut scale = vec![1.0f32; padded];
        let mut shift = vec![0.0f32; padded];
        bias[..conv.filters].copy_from_slice(&conv.bias);
        if let Some(a) = affine {
            scale[..conv.filters].copy_from_slice(&a.gamma);
            shift[..conv.filters].copy_from_slice(&a.beta);
        }
        (bias, scale, shift)
    }
}

/// The zero-padded input, split into `stride_x` column phases per channel:
/// `data[((c · stride_x + phase) · padded_rows + row) · width + j]` holds padded column
/// `j · stride_x + phase` of padded row `row`.
struct PhasePlanes {
    data: Vec<f32>,
    channel_stride: usize,
    phase_stride: usize,
}

impl PhasePlanes {
    #[allow(clippy::too_many_arguments)] // the layer's geometry, spelled out
    fn new(
        input: &[f32],
        channels: usize,
        rows: usize,
        cols: usize,
        conv: &Conv2d,
        width: usize,
        parallel: bool,
        pool: &BufferPool,
    ) -> Self {
        let sx = conv.stride_x;
        let padded_rows = rows + 2 * conv.pad_y;
        let phase_stride = padded_rows * width;
        let channel_stride = sx * phase_stride;
        // A reused buffer holds old values: every row is cleared before its inputs are
        // written, so the borders and the tail columns are zero.
        let mut data = pool.take(channels * channel_stride);
        // The columns of each phase row that receive inputs: padded columns pad_x ..
        // pad_x + cols are columns j · sx + phase, a contiguous run of j.
        let written: Vec<(usize, usize)> = (0..sx)
            .map(|phase| {
                let first = conv.pad_x.saturating_sub(phase).div_ceil(sx).min(width);
                let end = (conv.pad_x + cols)
                    .saturating_sub(phase)
                    .div_ceil(sx)
                    .clamp(first, width);
                (first, end)
            })
            .collect();
        let fill = |(c, dst): (usize, &mut [f32])| {
            for phase in dst.chunks_exact_mut(phase_stride) {
                phase[..conv.pad_y * width].fill(0.0);
                phase[(conv.pad_y + rows) * width..].fill(0.0);
            }
            let plane = &input[c * rows * cols..(c + 1) * rows * cols];
            for (r, src) in plane.chunks_exact(cols).enumerate() {
                let row_at = (r + conv.pad_y) * width;
                for (phase, &(first, end)) in written.iter().enumerate() {
                    let row = &mut dst[phase * phase_stride + row_at..][..width];
                    row[..first].fill(0.0);
                    row[end..].fill(0.0);
                }
                if sx == 1 {
                    let n = cols.min(width - conv.pad_x);
                    dst[row_at + conv.pad_x..row_at + conv.pad_x + n].copy_from_slice(&src[..n]);
                } else {
                    split_phases(src, &mut dst[row_at..], phase_stride, sx, conv.pad_x, width);
                }
            }
        };
        if parallel {
            data.par_chunks_mut(channel_stride)
                .enumerate()
                .for_each(fill);
        } else {
            data.chunks_mut(channel_stride).enumerate().for_each(fill);
        }
        PhasePlanes {
            data,
            channel_stride,
            phase_stride,
        }
    }
}

/// Scatters one padded input row into its `sx` phase rows: input column `ic` lands at padded
/// column `ic + pad_x`, which is column `(ic + pad_x) / sx` of phase `(ic + pad_x) % sx`.
/// `dst` starts at the row in phase 0; phase `p`'s row is `p · phase_stride` further on.
/// Columns past `width` are dropped (no output reads them).
fn split_phases(
    src: &[f32],
    dst: &mut [f32],
    phase_stride: usize,
    sx: usize,
    pad_x: usize,
    width: usize,
) {
    if sx == 2 {
        // The common case, as a plain pair loop that LLVM vectorises into shuffles (the
        // element-by-element version cost the detector ~0.5 s per 3-megapixel photo).
        let (first, second) = dst.split_at_mut(phase_stride);
        let (even_row, odd_row) = if pad_x.is_multiple_of(2) {
            (&mut first[..width], &mut second[..width])
        } else {
            (&mut second[..width], &mut first[..width])
        };
        let (even_at, odd_at) = (pad_x / 2, pad_x.div_ceil(2));
        let pairs = (src.len() / 2)
            .min(width.saturating_sub(even_at))
            .min(width.saturating_sub(odd_at));
        let evens = &mut even_row[even_at..even_at + pairs];
        let odds = &mut odd_row[odd_at..odd_at + pairs];
        for ((e, o), pair) in evens
            .iter_mut()
            .zip(odds.iter_mut())
            .zip(src.chunks_exact(2))
        {
            *e = pair[0];
            *o = pair[1];
        }
        for (ic, &v) in src.iter().enumerate().skip(2 * pairs) {
            let (phase, j) = ((ic + pad_x) % 2, (ic + pad_x) / 2);
            if j < width {
                let row = if phase == 0 {
                    &mut *first
                } else {
                    &mut *second
                };
                row[j] = v;
            }
        }
        return;
    }
    for (ic, &v) in src.iter().enumerate() {
        let (phase, j) = ((ic + pad_x) % sx, (ic + pad_x) / sx);
        if j < width {
            dst[phase * phase_stride + j] = v;
        }
    }
}

/// Whether this CPU runs the AVX-512 kernel.
pub fn cpu_has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The output pointer, shared by the rayon workers that each write their own rows.
#[derive(Clone, Copy)]
struct SharedOut(*mut f32);
// SAFETY: workers write disjoint rows (see `DirectConv::forward_avx512`), and the output
// outlives the parallel loop.
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

impl SharedOut {
    fn get(&self) -> *mut f32 {
        self.0
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::LANES;

    /// Everything the kernel needs about one layer call.
    pub(super) struct Job<'a> {
        pub src: *const f32,
        pub channels: usize,
        pub channel_stride: usize,
        pub width: usize,
        pub kernel_rows: usize,
        /// Offset of kernel column kx from the block's first input: phase plane and column.
        pub tap_offsets: &'a [usize],
        pub stride_y: usize,
        pub weights: *const f32,
        pub groups: usize,
        pub taps: usize,
        pub filters: usize,
        /// Per (padded) filter.
        pub bias: &'a [f32],
        pub scale: Option<&'a [f32]>,
        pub shift: &'a [f32],
        pub relu: bool,
        pub out_cols: usize,
        pub out_plane: usize,
    }

    // SAFETY: the raw pointers are only read through, and the buffers they point to outlive
    // every parallel loop that shares a `Job`.
    unsafe impl Sync for Job<'_> {}

    /// Writes to `sums` the sums of `G` filters over the `16·B` output columns starting at
    /// `ox0` of row `oy`.
    ///
    /// Kept out of line, with the accumulators in a private local and written out once at the
    /// end: LLVM then keeps all `G·B` of them in registers. Written inline in [`row`], or
    /// returning the array by value, it could not prove that the input pointers do not alias
    /// the accumulators' memory and stored every accumulator after every FMA, which cut the
    /// kernel's speed by more than half.
    ///
    /// # Safety
    /// As for [`row`], for the block at `ox0`; `sums` must be valid for `G·B` vector writes.
    #[target_feature(enable = "avx512f")]
    #[inline(never)]
    #[allow(clippy::needless_range_loop)] // indices into three arrays at once read clearest
    unsafe fn accumulate<const G: usize, const B: usize>(
        job: &Job,
        oy: usize,
        ox0: usize,
        group: usize,
        sums: *mut __m512,
    ) {
        let mut acc = [[_mm512_setzero_ps(); B]; G];
        // SAFETY: the caller vouches for every read (see `row`) and for `sums`.
        unsafe {
            let mut w = job.weights.add(group * job.taps * G);
            for c in 0..job.channels {
                for ky in 0..job.kernel_rows {
                    let row = job
                        .src
                        .add(c * job.channel_stride + (oy * job.stride_y + ky) * job.width + ox0);
                    for &offset in job.tap_offsets {
                        let p = row.add(offset);
                        let mut x = [_mm512_setzero_ps(); B];
                        for j in 0..B {
                            x[j] = _mm512_loadu_ps(p.add(LANES * j));
                        }
                        for f in 0..G {
                            let wv = _mm512_set1_ps(*w.add(f));
                            for j in 0..B {
                                acc[f][j] = _mm512_fmadd_ps(x[j], wv, acc[f][j]);
                            }
                        }
                        w = w.add(G);
                    }
                }
            }
            for f in 0..G {
                for j in 0..B {
                    sums.add(f * B + j).write(acc[f][j]);
                }
            }
        }
    }

    /// Computes output row `oy` of every filter, `G` filters × `B` vectors at a time.
    ///
    /// # Safety
    /// The CPU must support AVX-512F. `job.src` must hold `channels × channel_stride` floats
    /// laid out as `PhasePlanes` describes, with `width ≥ ⌈out_cols / (16·B)⌉·16·B +
    /// max(tap_offsets within a phase)` and at least `oy·stride_y + kernel_rows` padded rows;
    /// `job.weights` must hold `groups × taps × G` floats; `out` must point to
    /// `filters × out_plane` writable floats, and nobody else may write row `oy` meanwhile.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn row<const G: usize, const B: usize>(job: &Job, oy: usize, out: *mut f32) {
        let block_cols = LANES * B;
        let mut ox0 = 0;
        while ox0 < job.out_cols {
            let valid = (job.out_cols - ox0).min(block_cols);
            for group in 0..job.groups {
                // SAFETY: all reads stay inside the buffers the caller vouches for: rows
                // oy·stride_y + ky < padded rows, columns ox0 + offset + 16·B ≤ width.
                let mut acc = [[_mm512_setzero_ps(); B]; G];
                unsafe { accumulate::<G, B>(job, oy, ox0, group, acc.as_mut_ptr().cast()) };
                let zero = _mm512_setzero_ps();
                for (f, accf) in acc.iter().enumerate() {
                    let k = group * G + f;
                    if k >= job.filters {
                        continue;
                    }
                    let bias = _mm512_set1_ps(job.bias[k]);
                    let shift = _mm512_set1_ps(job.shift[k]);
                    let scale = job.scale.map(|s| _mm512_set1_ps(s[k]));
                    for (j, &a) in accf.iter().enumerate() {
                        let lanes = valid.saturating_sub(LANES * j).min(LANES);
                        let mask: __mmask16 = if lanes == LANES {
                            0xffff
                        } else {
                            (1u16 << lanes) - 1
                        };
                        // The same operation order as `Conv2d::forward`'s epilogue.
                        let mut v = _mm512_add_ps(a, bias);
                        if let Some(g) = scale {
                            v = _mm512_add_ps(_mm512_mul_ps(g, v), shift);
                        }
                        if job.relu {
                            v = _mm512_max_ps(v, zero);
                        }
                        // SAFETY: filter k < filters, row oy, columns ox0 + 16·j + lanes ≤
                        // out_cols: inside the output, in the row this call owns. A zero mask
                        // (a vector past the row's end) touches no memory.
                        // `wrapping_add`: that vector's address may lie past the buffer.
                        unsafe {
                            let dst = out.wrapping_add(
                                k * job.out_plane + oy * job.out_cols + ox0 + LANES * j,
                            );
                            _mm512_mask_storeu_ps(dst, mask, v);
                        }
                    }
                }
            }
            ox0 += block_cols;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn naive(
        conv: &Conv2d,
        x: &Array3<f32>,
        affine: Option<&ChannelAffine>,
        relu: bool,
    ) -> Array3<f64> {
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
                    let mut v = acc + f64::from(conv.bias[k]);
                    if let Some(a) = affine {
                        v = f64::from(a.gamma[k]) * v + f64::from(a.beta[k]);
                    }
                    if relu {
                        v = v.max(0.0);
                    }
                    out[[k, i, j]] = v;
                }
            }
        }
        out
    }

    fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2654435761).wrapping_add(12345);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2000) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn direct_conv_matches_a_naive_convolution() {
        // (filters, channels, kernel, stride, pad, rows, cols): the detector's layer shapes on
        // odd sizes, output widths around the register blocks (16·B ± 1), paddings at both
        // edges with strides 1 and 2, and inputs barely larger than the kernel.
        let shapes = [
            (16, 3, 5, 2, 0, 37, 53),
            (32, 16, 5, 2, 0, 23, 101),
            (32, 32, 5, 2, 0, 9, 9),
            (45, 32, 5, 1, 2, 11, 33),
            (45, 45, 5, 1, 2, 7, 65),
            (1, 45, 9, 1, 4, 13, 63),
            (1, 3, 9, 1, 4, 5, 130),
            (10, 4, 5, 2, 2, 31, 17),
            (9, 2, 3, 2, 1, 6, 97),
            (3, 5, 3, 1, 1, 1, 1),
            (8, 3, 4, 3, 3, 14, 50),
            (17, 2, 5, 1, 0, 5, 5),
            (45, 8, 5, 1, 2, 6, 300),
            (32, 32, 3, 1, 1, 35, 35),
        ];
        for (seed, &(f, c, k, s, p, rows, cols)) in shapes.iter().enumerate() {
            let seed = seed as u32;
            let conv = Conv2d {
                filters: f,
                in_channels: c,
                kernel_rows: k,
                kernel_cols: k,
                stride_y: s,
                stride_x: s,
                pad_y: p,
                pad_x: p,
                weights: pseudo_random(f * c * k * k, seed),
                bias: pseudo_random(f, 99 + seed),
            };
            let affine = ChannelAffine {
                gamma: pseudo_random(f, 7 + seed),
                beta: pseudo_random(f, 8 + seed),
            };
            let x =
                Array3::from_shape_vec((c, rows, cols), pseudo_random(c * rows * cols, 3 + seed))
                    .unwrap();
            let direct = DirectConv::new(&conv);
            for (affine, activation) in [
                (None, Activation::Identity),
                (Some(&affine), Activation::Relu),
            ] {
                let expected = naive(&conv, &x, affine, activation == Activation::Relu);
                for parallel in [false, true] {
                    // Reused buffers hold old values: the padding must not see them.
                    let pool = BufferPool::default();
                    for _ in 0..3 {
                        pool.give(vec![f32::NAN; 1 << 18]);
                    }
                    let got =
                        direct.forward_pooled(&conv, x.view(), affine, activation, parallel, &pool);
                    assert_eq!(got.dim(), expected.dim());
                    let max_err = got
                        .iter()
                        .zip(expected.iter())
                        .map(|(&a, &b)| (f64::from(a) - b).abs())
                        .fold(0.0f64, f64::max);
                    assert!(
                        max_err < 1e-6 * (c * k * k) as f64 + 1e-6,
                        "shape {:?}: max error {max_err}",
                        (f, c, k, s, p, rows, cols)
                    );
                }
            }
        }
    }

    #[test]
    fn too_small_inputs_give_empty_outputs() {
        let conv = Conv2d {
            filters: 16,
            in_channels: 3,
            kernel_rows: 5,
            kernel_cols: 5,
            stride_y: 2,
            stride_x: 2,
            pad_y: 0,
            pad_x: 0,
            weights: vec![0.5; 16 * 75],
            bias: vec![0.0; 16],
        };
        let x = Array3::from_elem((3, 4, 40), 1.0f32);
        let out = DirectConv::new(&conv).forward(&conv, x.view(), None, Activation::Relu, false);
        assert_eq!(out.dim().0, 16);
        assert_eq!(out.len(), 0);
    }
}
