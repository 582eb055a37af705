//! The face descriptor network (`dlib_face_recognition_resnet_model_v1.dat`): a 29-conv
//! ResNet mapping a 150×150 face chip to a 128-D descriptor whose Euclidean distances are
//! below 0.6 for two photos of the same person.
//!
//! dlib's file does not encode its topology, so the architecture is written out here and the
//! file is checked against it record by record.

use image::RgbImage;
use ndarray::{Array3, ArrayView3};
use rayon::prelude::*;

use super::direct_conv::DirectConv;
use super::dlib_format::{FormatError, Reader};
use super::dnn::{self, PoolConfig};
use super::layers::{self, Activation, ChannelAffine, Conv2d, FullyConnected};

pub const DESCRIPTOR_LEN: usize = 128;
pub const CHIP_SIZE: usize = 150;

/// A 128-D face descriptor, exactly as the network computes it (not normalised).
pub type Descriptor = [f32; DESCRIPTOR_LEN];

/// Euclidean distance between two descriptors.
pub fn distance(a: &Descriptor, b: &Descriptor) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// One step of the network in forward order, as the file lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Conv {
        filters: usize,
        kernel: usize,
        stride: usize,
        pad: usize,
    },
    Affine,
    Relu,
    MaxPool {
        size: usize,
        stride: usize,
    },
    AvgPool {
        size: usize,
        stride: usize,
    },
    AddPrev,
    Tag,
    Skip,
    Fc {
        outputs: usize,
    },
}

/// (filters, downsampling) of the 14 residual blocks.
const BLOCKS: [(usize, bool); 14] = [
    (32, false),
    (32, false),
    (32, false),
    (64, true),
    (64, false),
    (64, false),
    (64, false),
    (128, true),
    (128, false),
    (128, false),
    (256, true),
    (256, false),
    (256, false),
    (256, true),
];

fn architecture() -> Vec<Op> {
    let mut ops = vec![
        Op::Conv {
            filters: 32,
            kernel: 7,
            stride: 2,
            pad: 0,
        },
        Op::Affine,
        Op::Relu,
        Op::MaxPool { size: 3, stride: 2 },
    ];
    for &(filters, down) in &BLOCKS {
        let (stride, pad) = if down { (2, 0) } else { (1, 1) };
        ops.extend([
            Op::Tag,
            Op::Conv {
                filters,
                kernel: 3,
                stride,
                pad,
            },
            Op::Affine,
            Op::Relu,
            Op::Conv {
                filters,
                kernel: 3,
                stride: 1,
                pad: 1,
            },
            Op::Affine,
        ]);
        if down {
            ops.extend([Op::Tag, Op::Skip, Op::AvgPool { size: 2, stride: 2 }]);
        }
        ops.extend([Op::AddPrev, Op::Relu]);
    }
    ops.extend([
        Op::AvgPool { size: 0, stride: 1 },
        Op::Fc {
            outputs: DESCRIPTOR_LEN,
        },
    ]);
    ops
}

struct ResidualBlock {
    conv1: Conv2d,
    affine1: ChannelAffine,
    conv2: Conv2d,
    affine2: ChannelAffine,
    downsample: bool,
}

/// The loaded descriptor network. Immutable after loading: share it across threads.
pub struct DescriptorNet {
    means: [f32; 3],
    stem_conv: Conv2d,
    /// The stem's 7×7 stride-2 convolution over 3 channels, run by the direct kernel: as a
    /// matrix product its im2col copy (147 strided rows) cost as much as the product itself.
    stem_direct: DirectConv,
    stem_affine: ChannelAffine,
    blocks: Vec<ResidualBlock>,
    fc: FullyConnected,
}

impl DescriptorNet {
    /// Parses and validates a model file's bytes; `file_name` names it in errors.
    pub fn from_bytes(file_name: &str, bytes: &[u8]) -> Result<Self, FormatError> {
        let mut r = Reader::new(file_name, bytes);
        r.expect_int("loss layer wrapper version", 1)?;
        if r.expect_one_of(&["loss_metric_2", "loss_metric_"])? == 0 {
            r.f32()?; // margin: training only
            r.f32()?; // distance threshold: 0.6, documented rather than used
        }
        let ops = architecture();
        let header_start = r.position();
        let mut versions = Vec::with_capacity(ops.len());
        for _ in 0..ops.len() {
            versions.push(r.int()?);
        }
        // Headers run from the output layer inwards; ops run forwards.
        versions.reverse();
        for (i, (&op, &version)) in ops.iter().zip(&versions).enumerate() {
            let ok = match op {
                Op::Tag | Op::Skip => version == 1,
                _ if i == 0 => version == 2 || version == 3,
                _ => version == 1 || version == 2,
            };
            if !ok {
                let offset = header_start + 2 * (ops.len() - 1 - i);
                return Err(r
                    .error_at(
                        offset,
                        format!("the layer header of {op:?} (forward step {})", i + 1),
                    )
                    .with_found(format!("version {version}")));
            }
        }

        r.expect_string("input_rgb_image_sized")?;
        let means = [r.f32()?, r.f32()?, r.f32()?];
        let input_start = r.position();
        let (nr, nc) = (r.int()?, r.int()?);
        if (nr, nc) != (CHIP_SIZE as i64, CHIP_SIZE as i64) {
            return Err(r
                .error_at(input_start, "a 150×150 input layer")
                .with_found(format!("{nr}×{nc}")));
        }

        let mut convs = Vec::new();
        let mut affines = Vec::new();
        let mut fc = None;
        for (i, (&op, &version)) in ops.iter().zip(&versions).enumerate() {
            let start = r.position();
            let mismatch = |r: &Reader, found: String| {
                r.error_at(start, format!("{op:?} at forward step {}", i + 1))
                    .with_found(found)
            };
            match op {
                Op::Tag | Op::Skip => continue,
                Op::Conv {
                    filters,
                    kernel,
                    stride,
                    pad,
                } => {
                    let conv = dnn::read_conv(&mut r)?;
                    let expected_channels = convs.last().map_or(3, |c: &Conv2d| c.filters);
                    if conv.filters != filters
                        || conv.kernel_rows != kernel
                        || conv.kernel_cols != kernel
                        || (conv.stride_y, conv.stride_x) != (stride, stride)
                        || (conv.pad_y, conv.pad_x) != (pad, pad)
                        || conv.in_channels != expected_channels
                    {
                        return Err(mismatch(
                            &r,
                            format!(
                                "{} filters of {}×{}×{}, stride {}, padding {}",
                                conv.filters,
                                conv.in_channels,
                                conv.kernel_rows,
                                conv.kernel_cols,
                                conv.stride_y,
                                conv.pad_y
                            ),
                        ));
                    }
                    convs.push(conv);
                }
                Op::Affine => {
                    let affine = dnn::read_affine_or_batch_norm(&mut r)?;
                    let channels = convs.last().map_or(0, |c| c.filters);
                    if affine.channels() != channels {
                        return Err(mismatch(&r, format!("{} channels", affine.channels())));
                    }
                    affines.push(affine);
                }
                Op::Relu => dnn::read_relu(&mut r)?,
                Op::MaxPool { size, stride } | Op::AvgPool { size, stride } => {
                    let tag = if matches!(op, Op::MaxPool { .. }) {
                        "max_pool_2"
                    } else {
                        "avg_pool_2"
                    };
                    let pool = dnn::read_pool(&mut r, tag)?;
                    let expected = PoolConfig {
                        rows: size,
                        cols: size,
                        stride_y: stride,
                        stride_x: stride,
                        pad_y: 0,
                        pad_x: 0,
                    };
                    if pool != expected {
                        return Err(mismatch(&r, format!("{pool:?}")));
                    }
                }
                Op::AddPrev => r.expect_string("add_prev_")?,
                Op::Fc { outputs } => {
                    let (layer, has_bias) = dnn::read_fc(&mut r)?;
                    if layer.outputs != outputs || layer.inputs != 256 || has_bias {
                        return Err(mismatch(
                            &r,
                            format!("{}→{} fc, bias {has_bias}", layer.inputs, layer.outputs),
                        ));
                    }
                    fc = Some(layer);
                }
            }
            dnn::skip_wrapper_bookkeeping(&mut r, version, i == 0)?;
        }
        r.expect_eof()?;

        let fc = fc.ok_or_else(|| r.error("an fc layer"))?;
        let mut convs = convs.into_iter();
        let mut affines = affines.into_iter();
        let mut next =
            || -> Option<(Conv2d, ChannelAffine)> { Some((convs.next()?, affines.next()?)) };
        let (stem_conv, stem_affine) = next().ok_or_else(|| r.error("the stem convolution"))?;
        let mut blocks = Vec::with_capacity(BLOCKS.len());
        for &(_, downsample) in &BLOCKS {
            let (conv1, affine1) = next().ok_or_else(|| r.error("a residual block"))?;
            let (conv2, affine2) = next().ok_or_else(|| r.error("a residual block"))?;
            blocks.push(ResidualBlock {
                conv1,
                affine1,
                conv2,
                affine2,
                downsample,
            });
        }
        Ok(DescriptorNet {
            means,
            stem_direct: DirectConv::new(&stem_conv),
            stem_conv,
            stem_affine,
            blocks,
            fc,
        })
    }

    /// The (red, green, blue) means subtracted from the input.
    pub fn input_means(&self) -> [f32; 3] {
        self.means
    }

    /// The normalised input tensor of a 150×150 chip: `(pixel − mean) / 256` per channel.
    pub fn input_tensor(&self, chip: &RgbImage) -> Array3<f32> {
        assert_eq!(
            (chip.width() as usize, chip.height() as usize),
            (CHIP_SIZE, CHIP_SIZE),
            "face chips are 150×150"
        );
        let mut x = Array3::<f32>::zeros((3, CHIP_SIZE, CHIP_SIZE));
        for (col, row, pixel) in chip.enumerate_pixels() {
            for ch in 0..3 {
                x[[ch, row as usize, col as usize]] =
                    (f32::from(pixel.0[ch]) - self.means[ch]) / 256.0;
            }
        }
        x
    }

    /// The descriptor of one 150×150 chip, on the calling thread.
    pub fn descriptor(&self, chip: &RgbImage) -> Descriptor {
        self.forward(self.input_tensor(chip).view(), |_, _| {})
    }

    /// Descriptors of many chips, spread over the rayon pool.
    pub fn descriptors(&self, chips: &[RgbImage]) -> Vec<Descriptor> {
        chips.par_iter().map(|chip| self.descriptor(chip)).collect()
    }

    /// The forward pass; `observe(name, tensor)` sees the stem and each block's output
    /// (used to compare with dlib's per-layer checkpoints).
    pub fn forward(
        &self,
        input: ArrayView3<f32>,
        mut observe: impl FnMut(&str, &Array3<f32>),
    ) -> Descriptor {
        let stem = self.stem_direct.forward(
            &self.stem_conv,
            input,
            Some(&self.stem_affine),
            Activation::Relu,
            false,
        );
        let mut x = layers::max_pool(stem.view(), 3, 2, 0);
        observe("stem", &x);
        for block in &self.blocks {
            let main = block
                .conv1
                .forward(x.view(), Some(&block.affine1), Activation::Relu, false);
            let main = block.conv2.forward(
                main.view(),
                Some(&block.affine2),
                Activation::Identity,
                false,
            );
            let mut sum = if block.downsample {
                let skip = layers::avg_pool(x.view(), 2, 2, 0);
                layers::add_zero_padded(&skip, &main)
            } else {
                let mut sum = main;
                sum += &x;
                sum
            };
            layers::relu_in_place(&mut sum);
            x = sum;
            observe("block", &x);
        }
        let pooled = layers::global_avg_pool(x.view());
        let out = self.fc.forward(pooled.as_slice().expect("contiguous"));
        let mut descriptor = [0.0f32; DESCRIPTOR_LEN];
        descriptor.copy_from_slice(&out);
        descriptor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_has_dlibs_counts() {
        let ops = architecture();
        assert_eq!(ops.len(), 130);
        let count = |f: fn(&Op) -> bool| ops.iter().filter(|o| f(o)).count();
        assert_eq!(count(|o| matches!(o, Op::Conv { .. })), 29);
        assert_eq!(count(|o| matches!(o, Op::Affine)), 29);
        assert_eq!(count(|o| matches!(o, Op::Relu)), 29);
        assert_eq!(count(|o| matches!(o, Op::AddPrev)), 14);
        assert_eq!(count(|o| matches!(o, Op::AvgPool { .. })), 5);
        assert_eq!(count(|o| matches!(o, Op::Tag | Op::Skip)), 22);
    }
}
