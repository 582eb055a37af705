//! Turning a photo file's bytes into upright RGB pixels: format sniffed from the content,
//! EXIF orientation applied, date taken and camera read, decompression bombs refused.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};

/// Photos larger than this are refused before decoding (a 100-megapixel photo already needs
/// 300 MB as RGB).
pub const MAX_PIXELS: u64 = 100_000_000;

/// Why a file could not be turned into a photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("not an image (unrecognised content)")]
    NotAnImage,
    #[error("{0} images are not supported")]
    Unsupported(String),
    #[error("{width}×{height} pixels is more than the {} megapixels Kindred analyses", MAX_PIXELS / 1_000_000)]
    TooLarge { width: u32, height: u32 },
    #[error("damaged or truncated {format} file: {message}")]
    Damaged { format: String, message: String },
}

/// An upright photo and what its metadata says.
#[derive(Debug, Clone)]
pub struct DecodedPhoto {
    /// The pixels after applying the EXIF orientation.
    pub image: RgbImage,
    /// EXIF orientation 1–8 (1 when absent).
    pub orientation: u16,
    /// EXIF DateTimeOriginal as "YYYY-MM-DD HH:MM:SS", if present and sane.
    pub taken_at: Option<String>,
    /// "Make Model" from EXIF, if present.
    pub camera: Option<String>,
}

/// The image format of some bytes, from their magic numbers alone.
pub fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    let format = image::guess_format(bytes).ok()?;
    matches!(
        format,
        ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::WebP
            | ImageFormat::Tiff
            | ImageFormat::Bmp
            | ImageFormat::Gif
    )
    .then_some(format)
}

fn format_name(format: ImageFormat) -> String {
    format!("{format:?}").to_uppercase()
}

/// Decodes a photo file's bytes: sniffed format, size limit, first frame of animations,
/// 16-bit and grey converted to 8-bit RGB, EXIF orientation applied.
pub fn decode_photo(bytes: &[u8]) -> Result<DecodedPhoto, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let format = match image::guess_format(bytes) {
        Ok(f) => f,
        Err(_) => return Err(DecodeError::NotAnImage),
    };
    if sniff_format(bytes).is_none() {
        return Err(DecodeError::Unsupported(format_name(format)));
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(DecodeError::Damaged {
            format: format_name(format),
            message: "the file ends before the image data does (truncated)".into(),
        });
    }
    let damaged = |e: image::ImageError| DecodeError::Damaged {
        format: format_name(format),
        message: e.to_string(),
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(damaged)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(DecodeError::TooLarge { width, height });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PIXELS * 8 + (64 << 20));
    reader.limits(limits);
    let image: DynamicImage = reader.decode().map_err(damaged)?;
    let exif = read_exif(bytes);
    let orientation = exif.as_ref().and_then(exif_orientation).unwrap_or(1);
    let mut image = image;
    if let Some(o) = image::metadata::Orientation::from_exif(orientation as u8) {
        image.apply_orientation(o);
    }
    Ok(DecodedPhoto {
        image: image.to_rgb8(),
        orientation,
        taken_at: exif.as_ref().and_then(exif_taken_at),
        camera: exif.as_ref().and_then(exif_camera),
    })
}

/// A JPEG whose main image has an end-of-image marker after its last start-of-scan marker.
/// (Decoders fill a truncated JPEG with grey; such a photo must not be analysed as complete.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_scan {
        Some(at) => bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
}

fn read_exif(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

fn exif_orientation(exif: &exif::Exif) -> Option<u16> {
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = field.value.get_uint(0)?;
    (1..=8).contains(&value).then_some(value as u16)
}

fn exif_taken_at(exif: &exif::Exif) -> Option<String> {
    let field = exif
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .or_else(|| exif.get_field(exif::Tag::DateTime, exif::In::PRIMARY))?;
    let exif::Value::Ascii(ref parts) = field.value else {
        return None;
    };
    let dt = exif::DateTime::from_ascii(parts.first()?).ok()?;
    (dt.year >= 1826 && dt.month >= 1 && dt.day >= 1).then(|| {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
        )
    })
}

fn exif_camera(exif: &exif::Exif) -> Option<String> {
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY)
            .and_then(|f| match &f.value {
                exif::Value::Ascii(parts) => parts
                    .first()
                    .map(|p| {
                        String::from_utf8_lossy(p)
                            .trim_matches(char::from(0))
                            .trim()
                            .to_string()
                    })
                    .filter(|s| !s.is_empty()),
                _ => None,
            })
    };
    match (text(exif::Tag::Make), text(exif::Tag::Model)) {
        (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (make, model) => make.or(model),
    }
}

/// Scales an image down so its longer side is at most `max_side`; returns it and the factor
/// from the result's coordinates back to the original's (1.0 when unchanged).
pub fn bounded(image: &RgbImage, max_side: u32) -> (std::borrow::Cow<'_, RgbImage>, f64) {
    let longest = image.width().max(image.height());
    if max_side == 0 || longest <= max_side {
        return (std::borrow::Cow::Borrowed(image), 1.0);
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let w = ((f64::from(image.width()) * scale).round() as u32).max(1);
    let h = ((f64::from(image.height()) * scale).round() as u32).max(1);
    let small = image::imageops::resize(image, w, h, image::imageops::FilterType::Triangle);
    let back = f64::from(image.width()) / f64::from(w);
    (std::borrow::Cow::Owned(small), back)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn bad_inputs_give_reasons() {
        assert_eq!(decode_photo(b"").unwrap_err(), DecodeError::Empty);
        assert_eq!(
            decode_photo(b"hello, this is text").unwrap_err(),
            DecodeError::NotAnImage
        );
        let png = png_bytes(&DynamicImage::new_rgb8(8, 8));
        assert!(matches!(
            decode_photo(&png[..png.len() / 2]).unwrap_err(),
            DecodeError::Damaged { .. }
        ));
        let mut jpeg = Vec::new();
        DynamicImage::new_rgb8(64, 64)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        assert!(matches!(
            decode_photo(&jpeg[..40]).unwrap_err(),
            DecodeError::Damaged { .. }
        ));
    }

    #[test]
    fn absurd_dimensions_are_refused_before_decoding() {
        // A PNG header claiming 30000×30000 pixels, with no data behind it.
        let mut png = png_bytes(&DynamicImage::new_rgb8(1, 1));
        png[16..20].copy_from_slice(&30000u32.to_be_bytes());
        png[20..24].copy_from_slice(&30000u32.to_be_bytes());
        let err = decode_photo(&png).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::TooLarge {
                    width: 30000,
                    height: 30000
                } | DecodeError::Damaged { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn grey_and_16_bit_images_become_rgb8() {
        let grey = DynamicImage::ImageLuma16(image::ImageBuffer::from_pixel(
            4,
            3,
            image::Luma([65535u16]),
        ));
        let photo = decode_photo(&png_bytes(&grey)).unwrap();
        assert_eq!(photo.image.dimensions(), (4, 3));
        assert_eq!(photo.image.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(photo.orientation, 1);
    }

    #[test]
    fn bounded_scales_the_long_side() {
        let img = RgbImage::new(4000, 3000);
        let (small, back) = bounded(&img, 2000);
        assert_eq!(small.dimensions(), (2000, 1500));
        assert_eq!(back, 2.0);
        let (same, one) = bounded(&img, 5000);
        assert_eq!(same.dimensions(), (4000, 3000));
        assert_eq!(one, 1.0);
    }
}
