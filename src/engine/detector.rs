//! The CNN face detector (`mmod_human_face_detector.dat`): dlib's max-margin object detector,
//! a 7-conv network sliding an 80×80 window over a tiled image pyramid, followed by dlib's
//! greedy non-maximum suppression.

use image::RgbImage;
use ndarray::{Array2, ArrayView3, Axis};
use serde::Serialize;

use super::buffers::BufferPool;
use super::direct_conv::{Activations, DirectConv, Layer};
use super::dlib_format::{FormatError, Reader};
use super::dnn;
use super::geometry::Rect;
use super::layers::{Activation, ChannelAffine, Conv2d};
use super::pyramid;

/// A detected face: dlib's inclusive integer rectangle and the detector's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Detection {
    pub rect: Rect,
    pub confidence: f64,
}

/// One convolution layer's share of a [`FaceDetector::score_map_observed`] call.
#[derive(Debug, Clone, Copy)]
pub struct LayerTiming {
    pub layer: usize,
    /// (channels, rows, cols) in and out.
    pub input: (usize, usize, usize),
    pub output: (usize, usize, usize),
    /// Multiply-adds × 2 of the convolution proper (padding included).
    pub flops: f64,
    pub elapsed: std::time::Duration,
}

/// (filters, kernel, stride, pad) of the seven convolutions, input to output.
const CONVS: [(usize, usize, usize, usize); 7] = [
    (16, 5, 2, 0),
    (32, 5, 2, 0),
    (32, 5, 2, 0),
    (45, 5, 1, 2),
    (45, 5, 1, 2),
    (45, 5, 1, 2),
    (1, 9, 1, 4),
];

/// The loaded detector. Immutable after loading (apart from its pool of scratch buffers):
/// share it across threads.
pub struct FaceDetector {
    window: (usize, usize),
    nms_iou: f64,
    nms_covered: f64,
    means: [f32; 3],
    convs: Vec<Conv2d>,
    /// The same convolutions repacked for the direct kernel.
    direct: Vec<DirectConv>,
    affines: Vec<ChannelAffine>,
    /// Activation buffers reused from layer to layer and photo to photo.
    buffers: BufferPool,
}

impl FaceDetector {
    /// Parses and validates a model file's bytes; `file_name` names it in errors.
    pub fn from_bytes(file_name: &str, bytes: &[u8]) -> Result<Self, FormatError> {
        let mut r = Reader::new(file_name, bytes);
        r.expect_int("loss layer wrapper version", 1)?;
        r.expect_string("loss_mmod_")?;
        let options_start = r.position();
        let options_version = r.int()?;
        let window = match options_version {
            1 => (
                r.size("detector window width", 4096)?,
                r.size("detector window height", 4096)?,
            ),
            2..=4 => {
                let count_at = r.position();
                let count = r.size("number of detector windows", 64)?;
                if count != 1 {
                    return Err(r
                        .error_at(count_at, "exactly one detector window")
                        .with_found(format!("{count}")));
                }
                let window_version = r.int()?;
                let size = (
                    r.size("detector window width", 4096)?,
                    r.size("detector window height", 4096)?,
                );
                if window_version == 2 {
                    r.string()?; // the window's label
                }
                size
            }
            v => {
                return Err(r
                    .error_at(options_start, "mmod options version 1 to 4")
                    .with_found(format!("{v}")));
            }
        };
        if window.0 == 0 || window.1 == 0 {
            return Err(r.error_at(options_start, "a non-empty detector window"));
        }
        for _ in 0..3 {
            r.f64()?; // loss per false alarm / missed target, truth match IoU: training only
        }
        let nms_iou = r.f64()?;
        let nms_covered = r.f64()?;
        r.f64()?; // overlaps_ignore: training only
        r.f64()?;
        if options_version >= 3 {
            r.byte()?; // assume_image_pyramid
        }
        if options_version >= 4 {
            let at = r.position();
            if r.bool()? {
                return Err(r.error_at(at, "a detector without bounding-box regression"));
            }
            r.f64()?;
        }

        let layer_count = 3 * CONVS.len() - 2;
        let mut versions = Vec::with_capacity(layer_count);
        for i in 0..layer_count {
            let at = r.position();
            let v = r.int()?;
            let innermost = i == layer_count - 1;
            if !(if innermost {
                (2..=3).contains(&v)
            } else {
                (1..=2).contains(&v)
            }) {
                return Err(r
                    .error_at(at, "a layer wrapper version")
                    .with_found(format!("{v}")));
            }
            versions.push(v);
        }
        versions.reverse();

        let input_at = r.position();
        let input_version =
            r.expect_one_of(&["input_rgb_image_pyramid", "input_rgb_image_pyramid2"])?;
        let means = [r.f32()?, r.f32()?, r.f32()?];
        if input_version == 1 {
            let padding = (r.uint()?, r.uint()?);
            if padding
                != (
                    pyramid::PYRAMID_PADDING as u64,
                    pyramid::PYRAMID_OUTER_PADDING as u64,
                )
            {
                return Err(r
                    .error_at(input_at, "pyramid paddings 10 and 11")
                    .with_found(format!("{padding:?}")));
            }
        }

        let mut convs = Vec::new();
        let mut affines = Vec::new();
        let mut versions = versions.into_iter();
        let mut in_channels = 3;
        for (i, &(filters, kernel, stride, pad)) in CONVS.iter().enumerate() {
            let at = r.position();
            let conv = dnn::read_conv(&mut r)?;
            if conv.filters != filters
                || conv.in_channels != in_channels
                || (conv.kernel_rows, conv.kernel_cols) != (kernel, kernel)
                || (conv.stride_y, conv.stride_x) != (stride, stride)
                || (conv.pad_y, conv.pad_x) != (pad, pad)
            {
                return Err(r
                    .error_at(at, format!("convolution {} with {filters} filters of {in_channels}×{kernel}×{kernel}, stride {stride}, padding {pad}", i + 1))
                    .with_found(format!(
                        "{} filters of {}×{}×{}, stride {}, padding {}",
                        conv.filters, conv.in_channels, conv.kernel_rows, conv.kernel_cols, conv.stride_y, conv.pad_y
                    )));
            }
            in_channels = filters;
            convs.push(conv);
            dnn::skip_wrapper_bookkeeping(&mut r, versions.next().unwrap_or(2), i == 0)?;
            if i + 1 < CONVS.len() {
                let at = r.position();
                let affine = dnn::read_affine_or_batch_norm(&mut r)?;
                if affine.channels() != filters {
                    return Err(r
                        .error_at(at, format!("a {filters}-channel batch norm"))
                        .with_found(format!("{} channels", affine.channels())));
                }
                affines.push(affine);
                dnn::skip_wrapper_bookkeeping(&mut r, versions.next().unwrap_or(2), false)?;
                dnn::read_relu(&mut r)?;
                dnn::skip_wrapper_bookkeeping(&mut r, versions.next().unwrap_or(2), false)?;
            }
        }
        r.expect_eof()?;
        Ok(FaceDetector {
            window,
            nms_iou,
            nms_covered,
            means,
            direct: convs.iter().map(DirectConv::new).collect(),
            convs,
            affines,
            buffers: BufferPool::default(),
        })
    }

    /// Frees the scratch buffers kept for the next photo (a few hundred MB after a
    /// multi-megapixel photo); call when a batch of photos is done.
    pub fn release_buffers(&self) {
        self.buffers.release();
    }

    /// Bytes of scratch buffers kept for the next photo.
    pub fn idle_buffer_bytes(&self) -> usize {
        self.buffers.idle_bytes()
    }

    /// The (red, green, blue) means subtracted from the input.
    pub fn input_means(&self) -> [f32; 3] {
        self.means
    }

    /// The score map of a tiled input tensor (3 × rows × cols).
    pub fn score_map(&self, input: ArrayView3<f32>) -> Array2<f32> {
        self.score_map_observed(input, |_| {})
    }

    /// [`FaceDetector::score_map`], reporting each layer's shape and wall time to `observe`
    /// (for `kindred bench engine --layers`).
    pub fn score_map_observed(
        &self,
        input: ArrayView3<f32>,
        mut observe: impl FnMut(LayerTiming),
    ) -> Array2<f32> {
        let layer = |i: usize| {
            let (affine, activation) = match self.affines.get(i) {
                Some(a) => (Some(a), Activation::Relu),
                None => (None, Activation::Identity),
            };
            Layer {
                conv: &self.convs[i],
                affine,
                activation,
            }
        };
        let pool = &self.buffers;
        // Each layer writes its output in the layout the next one reads (on CPUs with the
        // direct kernel): no separate pass over memory to pad and split it.
        let mut x: Option<Activations> = None;
        for (i, direct) in self.direct.iter().enumerate() {
            let started = std::time::Instant::now();
            let conv = &self.convs[i];
            let input_dim = x.as_ref().map_or(input.dim(), Activations::dim);
            let next = conv
                .output_size(input_dim.1, input_dim.2)
                .zip(self.direct.get(i + 1))
                .and_then(|((rows, cols), d)| d.input_layout(&self.convs[i + 1], rows, cols));
            let out = match &x {
                None => direct.forward_view(layer(i), input, true, pool, next),
                Some(Activations::Array(a)) => {
                    direct.forward_view(layer(i), a.view(), true, pool, next)
                }
                Some(Activations::Planes(p)) => {
                    direct.forward_planes(layer(i), p, true, pool, next)
                }
            };
            if let Some(done) = x.take() {
                pool.give(done.into_buffer());
            }
            let (_, out_rows, out_cols) = out.dim();
            observe(LayerTiming {
                layer: i,
                input: input_dim,
                output: out.dim(),
                flops: 2.0
                    * (conv.filters * conv.patch_len()) as f64
                    * (out_rows * out_cols) as f64,
                elapsed: started.elapsed(),
            });
            x = Some(out);
        }
        let scores = match x.expect("the detector has layers") {
            Activations::Array(a) => a,
            Activations::Planes(_) => unreachable!("the last layer has no next layer"),
        };
        scores.index_axis_move(Axis(0), 0)
    }

    /// Faces in an RGB image, strongest first, as dlib's `cnn_face_detection_model_v1`
    /// returns them for `upsample_num_times = upsample`.
    pub fn detect(&self, image: &RgbImage, upsample: u32) -> Vec<Detection> {
        self.detect_scoring_above(image, upsample, 0.0)
    }

    /// [`FaceDetector::detect`] keeping every window that scores above `min_score` (dlib's
    /// `adjust_threshold`): below 0, faces the detector doubts, for where a person says
    /// there is a face.
    pub fn detect_scoring_above(
        &self,
        image: &RgbImage,
        upsample: u32,
        min_score: f32,
    ) -> Vec<Detection> {
        let mut upsampled;
        let mut source = image;
        for _ in 0..upsample {
            upsampled = pyramid::pyramid_up(source);
            source = &upsampled;
        }
        let Some((tensor, layout)) =
            pyramid::build_input_tensor_in(source, self.means, |len| self.buffers.take(len))
        else {
            return Vec::new();
        };
        let scores = self.score_map(tensor.view());
        self.buffers.give(tensor.into_raw_vec_and_offset().0);
        let mut candidates: Vec<Detection> = scores
            .indexed_iter()
            .filter(|&(_, &s)| s > min_score)
            .map(|((row, col), &s)| {
                let (rect, _level) = pyramid::cell_to_image_rect(&layout, row, col, self.window);
                Detection {
                    rect,
                    confidence: f64::from(s),
                }
            })
            .collect();
        candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        let mut kept: Vec<Detection> = Vec::new();
        for candidate in candidates {
            if !kept.iter().any(|k| self.overlaps(&k.rect, &candidate.rect)) {
                kept.push(candidate);
            }
        }
        for d in &mut kept {
            d.rect = pyramid::rect_down(d.rect, upsample);
        }
        kept
    }

    /// dlib's `test_box_overlap`: the "IoU" divides by the bounding box of both rectangles.
    fn overlaps(&self, a: &Rect, b: &Rect) -> bool {
        let inner = a.intersect(b).area() as f64;
        if inner == 0.0 {
            return false;
        }
        let outer = a.bounding_union(b).area() as f64;
        inner / outer > self.nms_iou
            || inner / a.area() as f64 > self.nms_covered
            || inner / b.area() as f64 > self.nms_covered
    }
}
