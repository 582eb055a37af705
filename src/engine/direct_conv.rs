//! Direct (im2col-free) convolution for the CNN face detector's layers and the ResNet's stem.
//!
//! The detector convolves multi-megapixel inputs that have few channels; lowering those
//! convolutions to a matrix product copies every input value 25 times (im2col) and streams the
//! copies through memory. Here a block of output columns of one output row is accumulated in
//! vector registers straight from the input: one vector load of 16 (AVX-512) or 8 (AVX2)
//! neighbouring input values feeds FMAs for a whole group of filters, and each output value is
//! written exactly once, with bias, affine and ReLU already applied.
//!
//! Each layer reads "phase planes" ([`PlaneLayout`]): the zero-padded input split by column
//! index modulo the stride, so that the inputs of 16 neighbouring outputs are contiguous. The
//! planes are also wide enough for whole register blocks, which removes all edge cases from the
//! inner loop (only the final store is masked). In a chain of layers (the detector), each layer
//! stores its output straight into the next layer's planes instead of a plain tensor, and the
//! buffers come from a [`BufferPool`].
//!
//! The kernel runs on CPUs with AVX-512F, or with AVX2 and FMA (most desktop CPUs without
//! AVX-512: AMD before Zen 4, Intel's consumer cores since Alder Lake); elsewhere
//! [`DirectConv::forward`] falls back to [`Conv2d::forward`] (im2col + `gemm`). Both kernels
//! add the same products in the same order, so they give the same numbers.

use ndarray::{Array3, ArrayView3};
use rayon::prelude::*;

use super::buffers::BufferPool;
use super::layers::{Activation, ChannelAffine, Conv2d};

/// The vector instruction set a kernel is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512F: 32 registers of 16 floats.
    Avx512,
    /// AVX2 with FMA: 16 registers of 8 floats.
    Avx2,
}

impl Isa {
    /// The fastest kernel this CPU runs, if any.
    pub fn detect() -> Option<Isa> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Some(Isa::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Some(Isa::Avx2);
            }
        }
        None
    }

    /// Whether this CPU can run this kernel.
    pub fn is_available(self) -> bool {
        match self {
            Isa::Avx512 => cpu_has_avx512(),
            Isa::Avx2 => Isa::detect().is_some(),
        }
    }

    /// Output columns per vector register.
    fn lanes(self) -> usize {
        match self {
            Isa::Avx512 => 16,
            Isa::Avx2 => 8,
        }
    }
}

/// Register blocking: `group` filters × `vectors` vectors of output columns are accumulated at
/// once. With AVX-512 at most 24 accumulators, leaving registers for the loaded inputs; with
/// AVX2's 16 registers, the accumulators, one register per vector of inputs and one for the
/// broadcast weight must all fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blocking {
    /// AVX-512, 6 filters × 64 columns: the 45-filter layers (8 groups, the last one half
    /// empty). Measured ~15 % faster than 9 × 32, which needs more loads per FMA.
    Avx512Six,
    /// AVX-512, 8 filters × 48 columns: the 16- and 32-filter layers.
    Avx512Eight,
    /// AVX-512, 1 filter × 64 columns: the final 1-filter score layer.
    Avx512One,
    /// AVX2, 6 filters × 16 columns (15 registers): the 32- and 45-filter layers. On the
    /// 32-filter layers 1.8× faster than 4 × 24, which needs all 16 registers, despite the
    /// 36th filter's wasted work.
    Avx2Six,
    /// AVX2, 4 filters × 16 columns: the 16-filter first layer (12 % faster than 6 × 16).
    Avx2Four,
    /// AVX2, 1 filter × 32 columns: the final 1-filter score layer.
    Avx2One,
}

impl Blocking {
    fn choose(isa: Isa, filters: usize) -> Self {
        let wide = !filters.is_multiple_of(8) && filters >= 24;
        match isa {
            Isa::Avx512 if wide => Blocking::Avx512Six,
            Isa::Avx512 if filters >= 5 => Blocking::Avx512Eight,
            Isa::Avx512 => Blocking::Avx512One,
            Isa::Avx2 if filters >= 24 => Blocking::Avx2Six,
            Isa::Avx2 if filters >= 4 => Blocking::Avx2Four,
            Isa::Avx2 => Blocking::Avx2One,
        }
    }

    fn isa(self) -> Isa {
        match self {
            Blocking::Avx512Six | Blocking::Avx512Eight | Blocking::Avx512One => Isa::Avx512,
            Blocking::Avx2Six | Blocking::Avx2Four | Blocking::Avx2One => Isa::Avx2,
        }
    }

    fn group(self) -> usize {
        match self {
            Blocking::Avx512Six | Blocking::Avx2Six => 6,
            Blocking::Avx512Eight => 8,
            Blocking::Avx2Four => 4,
            Blocking::Avx512One | Blocking::Avx2One => 1,
        }
    }

    fn columns(self) -> usize {
        self.isa().lanes()
            * match self {
                Blocking::Avx512Six | Blocking::Avx512One | Blocking::Avx2One => 4,
                Blocking::Avx512Eight => 3,
                Blocking::Avx2Six | Blocking::Avx2Four => 2,
            }
    }
}

/// A convolution's weights repacked for the direct kernel.
#[derive(Debug, Clone)]
pub struct DirectConv {
    /// The kernel this CPU runs (decided once, at load time); None: the GEMM path.
    blocking: Option<Blocking>,
    groups: usize,
    taps: usize,
    /// groups × taps × group, the filter index fastest; taps in (channel, row, col) order.
    /// Filters past the real count (padding of the last group) have zero weights.
    weights: Vec<f32>,
}

impl DirectConv {
    /// Repacks `conv` for the fastest kernel this CPU runs.
    pub fn new(conv: &Conv2d) -> Self {
        Self::for_isa(conv, Isa::detect())
    }

    /// Repacks `conv` for the kernel of `isa` (None: always the GEMM path); the CPU must be
    /// able to run it (see [`Isa::is_available`]).
    pub fn for_isa(conv: &Conv2d, isa: Option<Isa>) -> Self {
        assert!(
            isa.is_none_or(Isa::is_available),
            "this CPU cannot run the {isa:?} kernel"
        );
        let blocking = isa.map(|isa| Blocking::choose(isa, conv.filters));
        let group = blocking.map_or(1, Blocking::group);
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
        }
    }

    /// The kernel [`DirectConv::forward`] uses (None: the GEMM path).
    pub fn isa(&self) -> Option<Isa> {
        self.blocking.map(Blocking::isa)
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
        let layer = Layer {
            conv,
            affine,
            activation,
        };
        match self.forward_view(layer, input, parallel, pool, None) {
            Activations::Array(output) => output,
            Activations::Planes(_) => unreachable!("no next layer was named"),
        }
    }

    /// The layer on a standard tensor. With `next` (the input layout of the layer that
    /// follows, from its [`DirectConv::input_layout`]), the output is written straight into
    /// that layout, which saves the next layer a pass over memory to build it.
    pub fn forward_view(
        &self,
        layer: Layer,
        input: ArrayView3<f32>,
        parallel: bool,
        pool: &BufferPool,
        next: Option<PlaneLayout>,
    ) -> Activations {
        let (channels, rows, cols) = input.dim();
        assert_eq!(channels, layer.conv.in_channels, "conv input channel count");
        let layout = self.input_layout(layer.conv, rows, cols);
        let Some(layout) = layout else {
            // No kernel on this CPU, or an empty output: the GEMM path handles both.
            let output = layer
                .conv
                .forward(input, layer.affine, layer.activation, parallel);
            return Activations::Array(output);
        };
        let input = input.as_standard_layout();
        let input = input.as_slice().expect("standard layout");
        let planes = Planes::from_tensor(layout, input, parallel, pool);
        let output = self.forward_planes(layer, &planes, parallel, pool, next);
        pool.give(planes.data);
        output
    }

    /// How this layer reads its input of `rows × cols` (per channel), or None if its output
    /// would be empty or this CPU cannot run the kernel.
    pub fn input_layout(&self, conv: &Conv2d, rows: usize, cols: usize) -> Option<PlaneLayout> {
        assert_eq!(
            self.taps,
            conv.patch_len(),
            "direct conv built for another layer"
        );
        let (out_rows, out_cols) = conv.output_size(rows, cols)?;
        let blocking = self.blocking?;
        if out_rows == 0 || out_cols == 0 {
            return None;
        }
        let block_cols = blocking.columns();
        let width =
            out_cols.div_ceil(block_cols) * block_cols + (conv.kernel_cols - 1) / conv.stride_x;
        Some(PlaneLayout::new(conv, rows, cols, width))
    }

    /// The layer on an input already laid out as it reads it (see [`DirectConv::forward_view`]
    /// for `next`).
    pub fn forward_planes(
        &self,
        layer: Layer,
        input: &Planes,
        parallel: bool,
        pool: &BufferPool,
        next: Option<PlaneLayout>,
    ) -> Activations {
        let conv = layer.conv;
        let layout = input.layout;
        assert_eq!(
            Some(layout),
            self.input_layout(conv, layout.rows, layout.cols),
            "planes laid out for another layer"
        );
        let (out_rows, out_cols) = conv
            .output_size(layout.rows, layout.cols)
            .expect("a layout exists only for a non-empty output");
        if let Some(next) = next {
            assert_eq!(
                (next.channels, next.rows, next.cols),
                (conv.filters, out_rows, out_cols),
                "the next layer's layout must match this layer's output"
            );
        }
        let (bias, scale, shift) = self.epilogue_constants(conv, layer.affine);
        let tap_offsets: Vec<usize> = (0..conv.kernel_cols)
            .map(|kx| (kx % conv.stride_x) * layout.phase_stride + kx / conv.stride_x)
            .collect();
        let mut job = Job {
            src: input.data.as_ptr(),
            channels: layout.channels,
            channel_stride: layout.channel_stride,
            width: layout.width,
            kernel_rows: conv.kernel_rows,
            tap_offsets: &tap_offsets,
            stride_y: conv.stride_y,
            weights: self.weights.as_ptr(),
            groups: self.groups,
            taps: self.taps,
            filters: conv.filters,
            bias: &bias,
            scale: layer.affine.map(|_| scale.as_slice()),
            shift: &shift,
            relu: layer.activation == Activation::Relu,
            out_cols,
            out_plane: out_rows * out_cols,
            out_row: out_cols,
            out_phases: None,
            out_col0: 0,
        };
        let Some(next) = next else {
            let mut output = pool.take(conv.filters * out_rows * out_cols);
            let out = SharedOut(output.as_mut_ptr());
            // SAFETY: `job` describes `input` (checked against this layer's layout above),
            // and row `oy` of every filter plane of `output` is written by this call only.
            let run_row = |oy: usize| unsafe { self.run_row(&job, oy, out.get()) };
            if parallel {
                (0..out_rows).into_par_iter().for_each(run_row);
            } else {
                (0..out_rows).for_each(run_row);
            }
            let output = Array3::from_shape_vec((conv.filters, out_rows, out_cols), output)
                .expect("output length matches its shape");
            return Activations::Array(output);
        };
        let mut data = pool.take(next.len());
        for channel in data.chunks_exact_mut(next.channel_stride) {
            next.clear_pad_rows(channel);
        }
        let dst = SharedOut(data.as_mut_ptr());
        if next.stride_x <= 2 {
            // The kernel stores straight into the planes: a stride-1 layer's are a padded
            // tensor, a stride-2 layer's take even and odd columns apart as they are stored.
            job.out_plane = next.channel_stride;
            job.out_row = next.width;
            let first_row = next.pad_y * next.width;
            let out = if next.stride_x == 1 {
                SharedOut(dst.get().wrapping_add(first_row + next.pad_x))
            } else {
                job.out_phases = Some(next.phase_stride);
                job.out_col0 = next.pad_x;
                SharedOut(dst.get().wrapping_add(first_row))
            };
            // SAFETY: `job` describes `input`; row `oy` of every channel of the planes is
            // written by this call only, inside the planes (`next` fits this output).
            let run_row = |oy: usize| unsafe {
                for k in 0..conv.filters {
                    next.clear_row_gaps(dst.get().add(k * next.channel_stride), oy);
                }
                self.run_row(&job, oy, out.get());
            };
            if parallel {
                (0..out_rows).into_par_iter().for_each(run_row);
            } else {
                (0..out_rows).for_each(run_row);
            }
            return Activations::Planes(Planes { data, layout: next });
        }
        // Other strides: each block of an output row is computed into a small scratch (all
        // filters, one row) and then scattered into the next layer's planes.
        job.out_plane = out_cols;
        job.out_row = 0;
        let block_cols = self
            .blocking
            .expect("a layout exists only for a kernel")
            .columns();
        let run_row = |scratch: &mut Vec<f32>, oy: usize| {
            scratch.resize(conv.filters * out_cols, 0.0);
            // SAFETY: as above, with the output row in `scratch` (`out_row` 0); then row `oy`
            // of every channel of the next planes is written by this call only.
            unsafe {
                for k in 0..conv.filters {
                    next.clear_row_gaps(dst.get().add(k * next.channel_stride), oy);
                }
                for ox0 in (0..out_cols).step_by(block_cols) {
                    self.run_block(&job, oy, ox0, scratch.as_mut_ptr());
                    let cols = ox0..(ox0 + block_cols).min(out_cols);
                    for (k, src) in scratch.chunks_exact(out_cols).enumerate() {
                        let channel = dst.get().add(k * next.channel_stride);
                        next.write_cols(channel, oy, ox0, &src[cols.clone()]);
                    }
                }
            }
        };
        if parallel {
            (0..out_rows)
                .into_par_iter()
                .for_each_init(Vec::new, run_row);
        } else {
            let mut scratch = Vec::new();
            (0..out_rows).for_each(|oy| run_row(&mut scratch, oy));
        }
        Activations::Planes(Planes { data, layout: next })
    }

    /// # Safety
    /// As for [`avx512::block`] (or [`avx2::block`]); `self.blocking` is a kernel this CPU
    /// runs (checked when it was chosen).
    unsafe fn run_block(&self, job: &Job, oy: usize, ox0: usize, out: *mut f32) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: passed on from the caller.
        unsafe {
            match self.blocking.expect("run only with a kernel") {
                Blocking::Avx512Six => avx512::block::<6, 4>(job, oy, ox0, out),
                Blocking::Avx512Eight => avx512::block::<8, 3>(job, oy, ox0, out),
                Blocking::Avx512One => avx512::block::<1, 4>(job, oy, ox0, out),
                Blocking::Avx2Six => avx2::block::<6, 2>(job, oy, ox0, out),
                Blocking::Avx2Four => avx2::block::<4, 2>(job, oy, ox0, out),
                Blocking::Avx2One => avx2::block::<1, 4>(job, oy, ox0, out),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("the kernel runs only on x86-64 ({job:p}, {oy}, {ox0}, {out:p})");
    }

    /// # Safety
    /// As for [`DirectConv::run_block`], for every block of row `oy`.
    unsafe fn run_row(&self, job: &Job, oy: usize, out: *mut f32) {
        let block_cols = self.blocking.expect("run only with a kernel").columns();
        for ox0 in (0..job.out_cols).step_by(block_cols) {
            // SAFETY: passed on from the caller.
            unsafe { self.run_block(job, oy, ox0, out) };
        }
    }

    /// Per (padded) filter: bias, affine scale and affine shift.
    fn epilogue_constants(
        &self,
        conv: &Conv2d,
        affine: Option<&ChannelAffine>,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let padded = self.groups * self.blocking.map_or(1, Blocking::group);
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

/// One layer's parameters: the convolution, then an optional affine, then the activation.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    pub conv: &'a Conv2d,
    pub affine: Option<&'a ChannelAffine>,
    pub activation: Activation,
}

/// A layer's output: a standard tensor, or already the next layer's input planes.
#[derive(Debug)]
pub enum Activations {
    Array(Array3<f32>),
    Planes(Planes),
}

impl Activations {
    /// (channels, rows, cols) of the tensor.
    pub fn dim(&self) -> (usize, usize, usize) {
        match self {
            Activations::Array(a) => a.dim(),
            Activations::Planes(p) => (p.layout.channels, p.layout.rows, p.layout.cols),
        }
    }

    /// The buffer, for a [`BufferPool`].
    pub fn into_buffer(self) -> Vec<f32> {
        match self {
            Activations::Array(a) => a.into_raw_vec_and_offset().0,
            Activations::Planes(p) => p.data,
        }
    }
}

/// How a layer reads its input: the zero-padded input split into `stride_x` column phases per
/// channel. `data[((c · stride_x + phase) · padded_rows + row) · width + j]` holds padded
/// column `j · stride_x + phase` of padded row `row`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneLayout {
    /// The tensor held: channels × rows × cols before padding.
    pub channels: usize,
    pub rows: usize,
    pub cols: usize,
    stride_x: usize,
    pad_y: usize,
    pad_x: usize,
    width: usize,
    phase_stride: usize,
    channel_stride: usize,
}

impl PlaneLayout {
    fn new(conv: &Conv2d, rows: usize, cols: usize, width: usize) -> Self {
        let phase_stride = (rows + 2 * conv.pad_y) * width;
        PlaneLayout {
            channels: conv.in_channels,
            rows,
            cols,
            stride_x: conv.stride_x,
            pad_y: conv.pad_y,
            pad_x: conv.pad_x,
            width,
            phase_stride,
            channel_stride: conv.stride_x * phase_stride,
        }
    }

    fn len(&self) -> usize {
        self.channels * self.channel_stride
    }

    /// The columns of a row of `phase` that receive inputs: padded columns pad_x ..
    /// pad_x + cols are columns j · stride_x + phase, a contiguous run of j.
    fn written(&self, phase: usize) -> (usize, usize) {
        let sx = self.stride_x;
        let first = self
            .pad_x
            .saturating_sub(phase)
            .div_ceil(sx)
            .min(self.width);
        let end = (self.pad_x + self.cols)
            .saturating_sub(phase)
            .div_ceil(sx)
            .clamp(first, self.width);
        (first, end)
    }

    /// Zeroes the padding rows above and below the input in every phase of one channel.
    fn clear_pad_rows(&self, channel: &mut [f32]) {
        for phase in channel.chunks_exact_mut(self.phase_stride) {
            phase[..self.pad_y * self.width].fill(0.0);
            phase[(self.pad_y + self.rows) * self.width..].fill(0.0);
        }
    }

    /// Writes input row `r` of one channel (`src`: `cols` values) into its phase rows, and
    /// zeroes the columns of those rows that no input reaches.
    ///
    /// # Safety
    /// `channel` must point to `channel_stride` writable floats (one channel of planes of
    /// this layout) that nobody else reads or writes in row `r` meanwhile; `r < rows`.
    unsafe fn write_row(&self, channel: *mut f32, r: usize, src: &[f32]) {
        debug_assert_eq!(src.len(), self.cols);
        // SAFETY: passed on from the caller.
        unsafe {
            self.clear_row_gaps(channel, r);
            self.write_cols(channel, r, 0, src);
        }
    }

    /// Row `r` of `phase` in one channel.
    ///
    /// # Safety
    /// As for [`PlaneLayout::write_row`]; the slice must be the only reference to that row.
    unsafe fn phase_row<'a>(&self, channel: *mut f32, r: usize, phase: usize) -> &'a mut [f32] {
        let at = phase * self.phase_stride + (r + self.pad_y) * self.width;
        // SAFETY: the row lies inside the channel (r < rows, phase < stride_x).
        unsafe { std::slice::from_raw_parts_mut(channel.add(at), self.width) }
    }

    /// Zeroes the columns of row `r` (every phase) that no input reaches.
    ///
    /// # Safety
    /// As for [`PlaneLayout::write_row`].
    unsafe fn clear_row_gaps(&self, channel: *mut f32, r: usize) {
        debug_assert!(r < self.rows);
        for phase in 0..self.stride_x {
            let (first, end) = self.written(phase);
            // SAFETY: passed on from the caller; one phase row at a time.
            let row = unsafe { self.phase_row(channel, r, phase) };
            row[..first].fill(0.0);
            row[end..].fill(0.0);
        }
    }

    /// Writes input columns `c0 .. c0 + src.len()` of row `r` of one channel.
    ///
    /// # Safety
    /// As for [`PlaneLayout::write_row`]; `c0 + src.len() <= cols`.
    unsafe fn write_cols(&self, channel: *mut f32, r: usize, c0: usize, src: &[f32]) {
        debug_assert!(r < self.rows && c0 + src.len() <= self.cols);
        let at = c0 + self.pad_x;
        // SAFETY (each `phase_row`): passed on from the caller; the phase rows are disjoint.
        match self.stride_x {
            1 => {
                let row = unsafe { self.phase_row(channel, r, 0) };
                let n = src.len().min(self.width.saturating_sub(at));
                row[at..at + n].copy_from_slice(&src[..n]);
            }
            2 => unsafe {
                split_pair(
                    src,
                    self.phase_row(channel, r, 0),
                    self.phase_row(channel, r, 1),
                    at,
                )
            },
            sx => {
                for (i, &v) in src.iter().enumerate() {
                    let (phase, j) = ((at + i) % sx, (at + i) / sx);
                    if j < self.width {
                        unsafe { self.phase_row(channel, r, phase)[j] = v };
                    }
                }
            }
        }
    }
}

/// A layer's input in the layout it reads (see [`PlaneLayout`]).
#[derive(Debug)]
pub struct Planes {
    data: Vec<f32>,
    layout: PlaneLayout,
}

impl Planes {
    /// Lays out a standard `channels × rows × cols` tensor.
    fn from_tensor(layout: PlaneLayout, input: &[f32], parallel: bool, pool: &BufferPool) -> Self {
        let (rows, cols) = (layout.rows, layout.cols);
        assert_eq!(
            input.len(),
            layout.channels * rows * cols,
            "input tensor size"
        );
        // A reused buffer holds old values: every row is cleared or written below.
        let mut data = pool.take(layout.len());
        let fill = |(c, dst): (usize, &mut [f32])| {
            layout.clear_pad_rows(dst);
            let plane = &input[c * rows * cols..(c + 1) * rows * cols];
            for (r, src) in plane.chunks_exact(cols.max(1)).take(rows).enumerate() {
                // SAFETY: `dst` is this channel's part of the planes, borrowed exclusively.
                unsafe { layout.write_row(dst.as_mut_ptr(), r, src) };
            }
        };
        if parallel {
            data.par_chunks_mut(layout.channel_stride)
                .enumerate()
                .for_each(fill);
        } else {
            data.chunks_mut(layout.channel_stride)
                .enumerate()
                .for_each(fill);
        }
        Planes { data, layout }
    }
}

/// Scatters one input row into the two phase rows of a stride-2 layer: input column `ic`
/// lands at padded column `ic + pad_x`, which is column `(ic + pad_x) / 2` of phase
/// `(ic + pad_x) % 2`. Columns past the rows' end are dropped (no output reads them).
fn split_pair(src: &[f32], phase0: &mut [f32], phase1: &mut [f32], pad_x: usize) {
    let width = phase0.len();
    // A plain pair loop that LLVM vectorises into shuffles (the element-by-element version
    // cost the detector ~0.5 s per 3-megapixel photo).
    let (even_row, odd_row) = if pad_x.is_multiple_of(2) {
        (&mut *phase0, &mut *phase1)
    } else {
        (&mut *phase1, &mut *phase0)
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
        let j = (ic + pad_x) / 2;
        if j < width {
            if (ic + pad_x).is_multiple_of(2) {
                phase0[j] = v;
            } else {
                phase1[j] = v;
            }
        }
    }
}

/// Everything the kernel needs about one layer call.
// The kernels that read it are x86-64 only; elsewhere the layers run as im2col + GEMM.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Job<'a> {
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
    /// Output offsets: of a filter's plane, and of row `oy` in it.
    pub out_plane: usize,
    pub out_row: usize,
    /// Output into a stride-2 layer's phase planes: their phase stride; the output's column
    /// `c` is the planes' padded column `out_col0 + c`.
    pub out_phases: Option<usize>,
    pub out_col0: usize,
}

// SAFETY: the raw pointers are only read through, and the buffers they point to outlive
// every parallel loop that shares a `Job`.
unsafe impl Sync for Job<'_> {}

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

    use super::Job;

    /// Output columns per vector register.
    const LANES: usize = 16;

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
    /// As for [`block`]; `sums` must be valid for `G·B` vector writes.
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

    /// Stores the first `lanes` values of `v`, padded columns `column ..` of a row, into the
    /// two phase rows of a stride-2 layer's input (phase 1 is `phase_stride` after phase 0):
    /// even columns to phase 0, odd ones to phase 1, each at column / 2.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; both phase rows must be writable from `column / 2` for
    /// `lanes.div_ceil(2)` values.
    #[target_feature(enable = "avx512f")]
    unsafe fn store_split(
        row: *mut f32,
        phase_stride: usize,
        column: usize,
        lanes: usize,
        v: __m512,
    ) {
        let even_lanes = _mm512_maskz_compress_ps(0x5555, v);
        let odd_lanes = _mm512_maskz_compress_ps(0xaaaa, v);
        let first = |n: usize| -> __mmask16 { ((1u32 << n) - 1) as u16 };
        let (even_mask, odd_mask) = (first(lanes.div_ceil(2)), first(lanes / 2));
        // Lane 0 is column `column`; lane 1 is the next column, in the other phase.
        let (phase_of_even_lanes, at_even, at_odd) = if column.is_multiple_of(2) {
            (0, column / 2, column / 2)
        } else {
            (1, column / 2, column.div_ceil(2))
        };
        let even_row = row.wrapping_add(phase_of_even_lanes * phase_stride);
        let odd_row = row.wrapping_add((1 - phase_of_even_lanes) * phase_stride);
        // SAFETY: the caller vouches for both rows; an empty mask touches no memory.
        unsafe {
            _mm512_mask_storeu_ps(even_row.wrapping_add(at_even), even_mask, even_lanes);
            _mm512_mask_storeu_ps(odd_row.wrapping_add(at_odd), odd_mask, odd_lanes);
        }
    }

    /// Computes output columns `ox0 .. ox0 + 16·B` (those before `out_cols`) of row `oy` of
    /// every filter.
    ///
    /// # Safety
    /// The CPU must support AVX-512F. `job.src` must hold `channels × channel_stride` floats
    /// laid out as `PhasePlanes` describes, with `width ≥ ⌈out_cols / (16·B)⌉·16·B +
    /// max(tap_offsets within a phase)` and at least `oy·stride_y + kernel_rows` padded rows;
    /// `job.weights` must hold `groups × taps × G` floats; `out` must point to
    /// `filters × out_plane` writable floats, and nobody else may write row `oy` meanwhile.
    /// `ox0` must be a multiple of `16·B` below `out_cols`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn block<const G: usize, const B: usize>(
        job: &Job,
        oy: usize,
        ox0: usize,
        out: *mut f32,
    ) {
        let block_cols = LANES * B;
        {
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
                            let row = out.wrapping_add(k * job.out_plane + oy * job.out_row);
                            match job.out_phases {
                                None => _mm512_mask_storeu_ps(
                                    row.wrapping_add(ox0 + LANES * j),
                                    mask,
                                    v,
                                ),
                                Some(phase_stride) => {
                                    let column = job.out_col0 + ox0 + LANES * j;
                                    store_split(row, phase_stride, column, lanes, v);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! The kernel of [`super::avx512`] for CPUs with AVX2 and FMA: vectors of 8 floats and
    //! 16 registers, so smaller blocks; the same products added in the same order.
    use std::arch::x86_64::*;

    use super::Job;

    /// Output columns per vector register.
    const LANES: usize = 8;

    /// Writes to `sums` the sums of `G` filters over the `8·B` output columns starting at
    /// `ox0` of row `oy`. Out of line with private accumulators for the reason given at
    /// [`super::avx512`]'s `accumulate`.
    ///
    /// # Safety
    /// As for [`block`]; `sums` must be valid for `G·B` vector writes.
    #[target_feature(enable = "avx2,fma")]
    #[inline(never)]
    #[allow(clippy::needless_range_loop)] // indices into three arrays at once read clearest
    unsafe fn accumulate<const G: usize, const B: usize>(
        job: &Job,
        oy: usize,
        ox0: usize,
        group: usize,
        sums: *mut __m256,
    ) {
        let mut acc = [[_mm256_setzero_ps(); B]; G];
        // SAFETY: the caller vouches for every read (see `block`) and for `sums`.
        unsafe {
            let mut w = job.weights.add(group * job.taps * G);
            for c in 0..job.channels {
                for ky in 0..job.kernel_rows {
                    let row = job
                        .src
                        .add(c * job.channel_stride + (oy * job.stride_y + ky) * job.width + ox0);
                    for &offset in job.tap_offsets {
                        let p = row.add(offset);
                        let mut x = [_mm256_setzero_ps(); B];
                        for j in 0..B {
                            x[j] = _mm256_loadu_ps(p.add(LANES * j));
                        }
                        for f in 0..G {
                            let wv = _mm256_broadcast_ss(&*w.add(f));
                            for j in 0..B {
                                acc[f][j] = _mm256_fmadd_ps(x[j], wv, acc[f][j]);
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

    /// A mask selecting the first `n` of 8 lanes (n ≤ 8).
    #[target_feature(enable = "avx2")]
    fn first_lanes(n: usize) -> __m256i {
        let index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), index)
    }

    /// Stores the first `lanes` values of `v`, padded columns `column ..` of a row, into the
    /// two phase rows of a stride-2 layer's input, as [`super::avx512`]'s `store_split` does.
    ///
    /// # Safety
    /// The CPU must support AVX2; both phase rows must be writable from `column / 2` for
    /// `lanes.div_ceil(2)` values.
    #[target_feature(enable = "avx2")]
    unsafe fn store_split(
        row: *mut f32,
        phase_stride: usize,
        column: usize,
        lanes: usize,
        v: __m256,
    ) {
        // Even lanes to the low half, odd lanes to the high half.
        let split = _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
        let (even_lanes, odd_lanes) = (
            _mm256_castps256_ps128(split),
            _mm256_extractf128_ps::<1>(split),
        );
        let (evens, odds) = (lanes.div_ceil(2), lanes / 2);
        let (phase_of_even_lanes, at_even, at_odd) = if column.is_multiple_of(2) {
            (0, column / 2, column / 2)
        } else {
            (1, column / 2, column.div_ceil(2))
        };
        let even_row = row.wrapping_add(phase_of_even_lanes * phase_stride);
        let odd_row = row.wrapping_add((1 - phase_of_even_lanes) * phase_stride);
        // SAFETY: the caller vouches for both rows; nothing is stored for an empty half.
        unsafe {
            if evens > 0 {
                let mask = _mm256_castsi256_si128(first_lanes(evens));
                _mm_maskstore_ps(even_row.wrapping_add(at_even), mask, even_lanes);
            }
            if odds > 0 {
                let mask = _mm256_castsi256_si128(first_lanes(odds));
                _mm_maskstore_ps(odd_row.wrapping_add(at_odd), mask, odd_lanes);
            }
        }
    }

    /// Computes output columns `ox0 .. ox0 + 8·B` (those before `out_cols`) of row `oy` of
    /// every filter.
    ///
    /// # Safety
    /// As for [`super::avx512`]'s `block`, with 8·B columns per block and a CPU with AVX2
    /// and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn block<const G: usize, const B: usize>(
        job: &Job,
        oy: usize,
        ox0: usize,
        out: *mut f32,
    ) {
        let block_cols = LANES * B;
        let valid = (job.out_cols - ox0).min(block_cols);
        let zero = _mm256_setzero_ps();
        for group in 0..job.groups {
            let mut acc = [[_mm256_setzero_ps(); B]; G];
            // SAFETY: all reads stay inside the buffers the caller vouches for: rows
            // oy·stride_y + ky < padded rows, columns ox0 + offset + 8·B ≤ width.
            unsafe { accumulate::<G, B>(job, oy, ox0, group, acc.as_mut_ptr().cast()) };
            for (f, accf) in acc.iter().enumerate() {
                let k = group * G + f;
                if k >= job.filters {
                    continue;
                }
                let bias = _mm256_set1_ps(job.bias[k]);
                let shift = _mm256_set1_ps(job.shift[k]);
                let scale = job.scale.map(|s| _mm256_set1_ps(s[k]));
                for (j, &a) in accf.iter().enumerate() {
                    let lanes = valid.saturating_sub(LANES * j).min(LANES);
                    if lanes == 0 {
                        continue;
                    }
                    // The same operation order as `Conv2d::forward`'s epilogue.
                    let mut v = _mm256_add_ps(a, bias);
                    if let Some(g) = scale {
                        v = _mm256_add_ps(_mm256_mul_ps(g, v), shift);
                    }
                    if job.relu {
                        v = _mm256_max_ps(v, zero);
                    }
                    // SAFETY: filter k < filters, row oy, columns ox0 + 8·j + lanes ≤
                    // out_cols: inside the output, in the row this call owns.
                    unsafe {
                        let row = out.wrapping_add(k * job.out_plane + oy * job.out_row);
                        match job.out_phases {
                            None => {
                                let at = row.wrapping_add(ox0 + LANES * j);
                                if lanes == LANES {
                                    _mm256_storeu_ps(at, v);
                                } else {
                                    _mm256_maskstore_ps(at, first_lanes(lanes), v);
                                }
                            }
                            Some(phase_stride) => {
                                let column = job.out_col0 + ox0 + LANES * j;
                                store_split(row, phase_stride, column, lanes, v);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::layers::tests::{pseudo_random, square_conv};
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

    /// The kernels this CPU runs, and the GEMM path (None).
    fn kernels_here() -> Vec<Option<Isa>> {
        [None, Some(Isa::Avx2), Some(Isa::Avx512)]
            .into_iter()
            .filter(|isa| isa.is_none_or(Isa::is_available))
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
            let conv = square_conv((f, c, k, s, p), seed, 99 + seed);
            let affine = ChannelAffine {
                gamma: pseudo_random(f, 7 + seed),
                beta: pseudo_random(f, 8 + seed),
            };
            let x =
                Array3::from_shape_vec((c, rows, cols), pseudo_random(c * rows * cols, 3 + seed))
                    .unwrap();
            for (affine, activation) in [
                (None, Activation::Identity),
                (Some(&affine), Activation::Relu),
            ] {
                let expected = naive(&conv, &x, affine, activation == Activation::Relu);
                let mut by_kernel: Vec<Array3<f32>> = Vec::new();
                for (isa, parallel) in kernels_here()
                    .into_iter()
                    .flat_map(|isa| [(isa, false), (isa, true)])
                {
                    let direct = DirectConv::for_isa(&conv, isa);
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
                        "shape {:?}, {isa:?}: max error {max_err}",
                        (f, c, k, s, p, rows, cols)
                    );
                    if isa.is_some() {
                        by_kernel.push(got);
                    }
                }
                // The kernels add the same products in the same order.
                assert!(
                    by_kernel.windows(2).all(|w| w[0] == w[1]),
                    "shape {:?}: the kernels disagree",
                    (f, c, k, s, p, rows, cols)
                );
            }
        }
    }

    #[test]
    fn a_layer_writes_its_output_in_the_next_layers_layout() {
        // The chained layout exists only for the kernels.
        for isa in kernels_here().into_iter().flatten() {
            layers_chain_through_planes(isa);
        }
    }

    fn layers_chain_through_planes(isa: Isa) {
        // (filters, channels, kernel, stride, pad): chains like the detector's, with odd sizes
        // and strides 1, 2 and 3 on both sides.
        let chain = [
            [
                (16, 3, 5, 2, 0),
                (32, 16, 5, 2, 0),
                (45, 32, 5, 1, 2),
                (1, 45, 9, 1, 4),
            ],
            [
                (8, 2, 3, 1, 1),
                (9, 8, 3, 2, 1),
                (5, 9, 4, 3, 3),
                (3, 5, 5, 2, 2),
            ],
        ];
        for (n, layers) in chain.iter().enumerate() {
            let convs: Vec<Conv2d> = layers
                .iter()
                .enumerate()
                .map(|(i, &shape)| {
                    square_conv(shape, (10 * n + i) as u32, (50 + 10 * n + i) as u32)
                })
                .collect();
            let directs: Vec<DirectConv> = convs
                .iter()
                .map(|conv| DirectConv::for_isa(conv, Some(isa)))
                .collect();
            let (rows, cols) = (97, 211);
            let x = Array3::from_shape_vec(
                (layers[0].1, rows, cols),
                pseudo_random(layers[0].1 * rows * cols, 77 + n as u32),
            )
            .unwrap();
            for parallel in [false, true] {
                let pool = BufferPool::default();
                for _ in 0..6 {
                    pool.give(vec![f32::NAN; 1 << 20]);
                }
                // Layer by layer through standard tensors, and chained through planes.
                let mut expected = x.clone();
                let mut chained: Option<Activations> = None;
                for (i, (conv, direct)) in convs.iter().zip(&directs).enumerate() {
                    let layer = Layer {
                        conv,
                        affine: None,
                        activation: Activation::Relu,
                    };
                    let (_, r, c) = expected.dim();
                    let (out_r, out_c) = conv.output_size(r, c).unwrap();
                    let next = directs
                        .get(i + 1)
                        .and_then(|d| d.input_layout(&convs[i + 1], out_r, out_c));
                    assert_eq!(next.is_some(), i + 1 < convs.len());
                    chained = Some(match chained.take() {
                        None => direct.forward_view(layer, x.view(), parallel, &pool, next),
                        Some(Activations::Planes(p)) => {
                            direct.forward_planes(layer, &p, parallel, &pool, next)
                        }
                        Some(Activations::Array(_)) => panic!("a middle layer gave a tensor"),
                    });
                    expected = direct.forward_pooled(
                        conv,
                        expected.view(),
                        None,
                        Activation::Relu,
                        parallel,
                        &pool,
                    );
                }
                let Some(Activations::Array(got)) = chained else {
                    panic!("the last layer gives a tensor");
                };
                assert_eq!(got.dim(), expected.dim());
                assert!(
                    got.iter().zip(expected.iter()).all(|(a, b)| a == b),
                    "chain {n}, {isa:?}: chained output differs from layer-by-layer output"
                );
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
