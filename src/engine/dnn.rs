//! dlib DNN layer records (`con_`, `affine_`, `bn_con`, `relu_`, pooling, `fc_`) and the
//! bookkeeping each layer wrapper writes after them, as shared by the detector and the
//! descriptor network files.

use super::dlib_format::{FormatError, Reader};
use super::layers::{ChannelAffine, Conv2d, FullyConnected};

/// A convolution record plus the offset where it started (for later validation errors).
pub fn read_conv(r: &mut Reader) -> Result<Conv2d, FormatError> {
    let start = r.position();
    let version = r.expect_one_of(&["con_4", "con_5", "con_6"])?;
    let params = r.tensor()?;
    let filters = r.size("num_filters", 1 << 16)?;
    let kernel_rows = r.size("filter rows", 1 << 10)?;
    let kernel_cols = r.size("filter columns", 1 << 10)?;
    let stride_y = r.size("stride_y", 1 << 10)?;
    let stride_x = r.size("stride_x", 1 << 10)?;
    let pad_y = r.size("padding_y", 1 << 10)?;
    let pad_x = r.size("padding_x", 1 << 10)?;
    let filter_shape = r.alias_tensor()?;
    let bias_shape = r.alias_tensor()?;
    for _ in 0..4 {
        r.f64()?; // learning-rate and weight-decay multipliers: training only
    }
    let use_bias = if version >= 1 { r.bool()? } else { true };
    if version >= 2 && r.bool()? {
        return Err(r.error_at(
            start,
            "a convolution without a fused ReLU (use_relu = false)",
        ));
    }
    if filter_shape[0] != filters
        || filter_shape[2] != kernel_rows
        || filter_shape[3] != kernel_cols
    {
        return Err(r
            .error_at(
                start,
                format!("filter shape ({filters}, C, {kernel_rows}, {kernel_cols})"),
            )
            .with_found(format!("{filter_shape:?}")));
    }
    if stride_y == 0 || stride_x == 0 || kernel_rows == 0 || kernel_cols == 0 {
        return Err(r.error_at(start, "non-zero strides and filter sizes"));
    }
    let in_channels = filter_shape[1];
    let weight_count = filters * in_channels * kernel_rows * kernel_cols;
    let bias_count = if use_bias { filters } else { 0 };
    if params.len() != weight_count + bias_count {
        return Err(r
            .error_at(
                start,
                format!("{} convolution parameters", weight_count + bias_count),
            )
            .with_found(format!("{}", params.len())));
    }
    if use_bias && bias_shape != [1, filters, 1, 1] {
        return Err(r
            .error_at(start, format!("bias shape [1, {filters}, 1, 1]"))
            .with_found(format!("{bias_shape:?}")));
    }
    let mut weights = params.data;
    let bias = if use_bias {
        weights.split_off(weight_count)
    } else {
        vec![0.0; filters]
    };
    Ok(Conv2d {
        filters,
        in_channels,
        kernel_rows,
        kernel_cols,
        stride_y,
        stride_x,
        pad_y,
        pad_x,
        weights,
        bias,
    })
}

/// An `affine_` record in per-channel mode, or a `bn_con2` record converted to one.
pub fn read_affine_or_batch_norm(r: &mut Reader) -> Result<ChannelAffine, FormatError> {
    let start = r.position();
    match r.expect_one_of(&["affine_", "affine_2", "bn_con2"])? {
        2 => read_batch_norm_body(r, start),
        version => {
            let params = r.tensor()?;
            let gamma_shape = r.alias_tensor()?;
            let beta_shape = r.alias_tensor()?;
            let mode = r.int()?;
            if version == 1 {
                r.bool()?; // `disabled`: an identity layer is never saved in these models
            }
            if mode != 0 {
                return Err(r
                    .error_at(start, "an affine layer in CONV_MODE (mode 0)")
                    .with_found(format!("mode {mode}")));
            }
            let channels = gamma_shape[1];
            if gamma_shape != [1, channels, 1, 1]
                || beta_shape != gamma_shape
                || params.len() != 2 * channels
            {
                return Err(r
                    .error_at(start, "affine parameters of 2 × channels values")
                    .with_found(format!(
                        "gamma {gamma_shape:?}, beta {beta_shape:?}, {} values",
                        params.len()
                    )));
            }
            let mut gamma = params.data;
            let beta = gamma.split_off(channels);
            Ok(ChannelAffine { gamma, beta })
        }
    }
}

fn read_batch_norm_body(r: &mut Reader, start: usize) -> Result<ChannelAffine, FormatError> {
    let params = r.tensor()?;
    let gamma_shape = r.alias_tensor()?;
    let beta_shape = r.alias_tensor()?;
    let channels = gamma_shape[1];
    if gamma_shape != [1, channels, 1, 1]
        || beta_shape != gamma_shape
        || params.len() != 2 * channels
    {
        return Err(r.error_at(start, "batch-norm parameters of 2 × channels values"));
    }
    let dims = [1, channels, 1, 1];
    r.skip_tensor()?; // means of the last mini-batch: training only
    r.skip_tensor()?; // inverse std-devs of the last mini-batch: training only
    let running_means = r.tensor_with_dims("running_means", dims)?;
    let running_variances = r.tensor_with_dims("running_variances", dims)?;
    r.uint()?; // num_updates
    r.uint()?; // running_stats_window_size
    for _ in 0..4 {
        r.f64()?; // learning-rate and weight-decay multipliers
    }
    let eps = r.f64()? as f32;
    let (gamma, beta) = params.data.split_at(channels);
    Ok(ChannelAffine::from_batch_norm(
        gamma,
        beta,
        &running_means.data,
        &running_variances.data,
        eps,
    ))
}

pub fn read_relu(r: &mut Reader) -> Result<(), FormatError> {
    let start = r.position();
    if r.expect_one_of(&["relu_", "relu_2"])? == 1 && r.bool()? {
        return Err(r.error_at(start, "an enabled relu layer"));
    }
    Ok(())
}

/// Window and stride of a pooling record; `(0, 0)` window means "the whole input".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    pub rows: usize,
    pub cols: usize,
    pub stride_y: usize,
    pub stride_x: usize,
    pub pad_y: usize,
    pub pad_x: usize,
}

pub fn read_pool(r: &mut Reader, tag: &str) -> Result<PoolConfig, FormatError> {
    r.expect_string(tag)?;
    Ok(PoolConfig {
        rows: r.size("pool rows", 1 << 10)?,
        cols: r.size("pool columns", 1 << 10)?,
        stride_y: r.size("pool stride_y", 1 << 10)?,
        stride_x: r.size("pool stride_x", 1 << 10)?,
        pad_y: r.size("pool padding_y", 1 << 10)?,
        pad_x: r.size("pool padding_x", 1 << 10)?,
    })
}

pub fn read_fc(r: &mut Reader) -> Result<(FullyConnected, bool), FormatError> {
    let start = r.position();
    let version = r.expect_one_of(&["fc_2", "fc_3"])?;
    let outputs = r.size("fc num_outputs", 1 << 20)?;
    let inputs = r.size("fc num_inputs", 1 << 24)?;
    let params = r.tensor()?;
    let weight_shape = r.alias_tensor()?;
    let _bias_shape = r.alias_tensor()?;
    let bias_mode = r.int()?;
    for _ in 0..4 {
        r.f64()?;
    }
    let has_bias = if version == 1 {
        r.bool()?
    } else {
        bias_mode == 0
    };
    let weight_count = inputs * outputs;
    if weight_shape[0] * weight_shape[1] * weight_shape[2] * weight_shape[3] != weight_count
        || params.len() < weight_count
    {
        return Err(r
            .error_at(start, format!("{inputs}×{outputs} fc weights"))
            .with_found(format!("shape {weight_shape:?}, {} values", params.len())));
    }
    let mut weights = params.data;
    weights.truncate(weight_count);
    Ok((
        FullyConnected {
            inputs,
            outputs,
            weights,
        },
        has_bias,
    ))
}

/// The bookkeeping a computational layer wrapper writes after its layer record.
/// `innermost` is the wrapper sitting directly on the input layer.
pub fn skip_wrapper_bookkeeping(
    r: &mut Reader,
    version: i64,
    innermost: bool,
) -> Result<(), FormatError> {
    for _ in 0..3 {
        r.bool()?;
    }
    let tensors = if version >= 2 { 3 } else { 2 };
    for _ in 0..tensors {
        r.skip_tensor()?;
    }
    if innermost && version >= 3 {
        r.int()?; // sample_expansion_factor
    }
    Ok(())
}
