//! Turning a photo file's bytes into upright RGB pixels: format sniffed from the content
//! (JPEG, PNG, WebP, TIFF, BMP, GIF, HEIC, and camera RAW through its embedded JPEG),
//! EXIF orientation applied, date taken and camera read, decompression bombs refused, JPEGs
//! too large to hold in memory decoded at a fraction of their size.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};

use super::raw;
use super::turn::Turn;

/// Most pixels a photo is decoded to (a 100-megapixel photo already needs 300 MB as RGB).
/// Larger JPEGs — 200-megapixel phone photos, stitched panoramas — are decoded at 1/2, 1/4 or
/// 1/8 of their size by the JPEG decoder itself; larger images of other formats are refused.
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
    #[error("{width}×{height} pixels is too large: Kindred analyses photos of more than {} megapixels only as JPEG", MAX_PIXELS / 1_000_000)]
    TooLarge { width: u32, height: u32 },
    #[error("damaged or truncated {format} file: {message}")]
    Damaged { format: String, message: String },
    #[error(transparent)]
    Raw(#[from] raw::RawError),
}

/// An upright photo and what its metadata says.
#[derive(Debug, Clone)]
pub struct DecodedPhoto {
    /// The pixels after applying the EXIF orientation; for a photo of more than
    /// [`MAX_PIXELS`], a reduced copy (see `reduction`).
    pub image: RgbImage,
    /// How many of the photo's pixels, along each side, one pixel of `image` stands for:
    /// 1 for every photo up to [`MAX_PIXELS`]; 2, 4 or 8 for larger JPEGs.
    pub reduction: u32,
    /// The photo's own upright size (`image`'s size unless reduced).
    pub full_size: (u32, u32),
    /// EXIF orientation 1–8 (1 when absent).
    pub orientation: u16,
    /// EXIF DateTimeOriginal as "YYYY-MM-DD HH:MM:SS", if present and sane.
    pub taken_at: Option<String>,
    /// "Make Model" from EXIF, if present.
    pub camera: Option<String>,
}

impl DecodedPhoto {
    /// The photo turned as the user turned it, after its orientation.
    pub fn turned(self, turn: Turn) -> DecodedPhoto {
        if turn == Turn::NONE {
            return self;
        }
        DecodedPhoto {
            image: turn.image(self.image),
            full_size: turn.size(self.full_size),
            ..self
        }
    }
}

/// True if some bytes (the first 32 of a file are enough) begin a photo Kindred can decode.
pub fn is_photo_format(bytes: &[u8]) -> bool {
    sniff_format(bytes).is_some() || is_heic(bytes) || raw::raw_format(bytes).is_some()
}

/// True if some bytes begin a HEIC photo (HEVC in a HEIF container).
pub fn is_heic(bytes: &[u8]) -> bool {
    heif_codec(bytes) == Some(HeifCodec::Hevc)
}

/// What codes the pictures of a HEIF file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeifCodec {
    /// HEVC: HEIC, from phones and cameras.
    Hevc,
    /// AV1 (AVIF), JPEG or anything else in a HEIF container.
    Other,
}

/// The codec of a HEIF file, from the brands of its `ftyp` box; `None` if it is not HEIF.
fn heif_codec(bytes: &[u8]) -> Option<HeifCodec> {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return None;
    }
    let box_size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let major = &bytes[8..12];
    // Compatible brands follow the major brand and its version.
    let compatible = bytes
        .get(16..box_size.min(bytes.len()))
        .unwrap_or_default()
        .chunks_exact(4);
    let hevc = |brand: &[u8]| matches!(brand, b"heic" | b"heix" | b"heim" | b"heis");
    let heif = |brand: &[u8]| hevc(brand) || matches!(brand, b"mif1" | b"mif2" | b"msf1");
    if hevc(major) || (heif(major) && compatible.clone().any(hevc)) {
        Some(HeifCodec::Hevc)
    } else if heif(major) || compatible.clone().any(heif) {
        Some(HeifCodec::Other)
    } else {
        None
    }
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

/// Decodes a photo file's bytes: sniffed format, size limit (JPEGs beyond it decoded
/// reduced), first frame of animations, 16-bit and grey converted to 8-bit RGB, EXIF
/// orientation applied.
pub fn decode_photo(bytes: &[u8]) -> Result<DecodedPhoto, DecodeError> {
    decode_photo_within(bytes, MAX_PIXELS)
}

/// [`decode_photo`] for showing a photo at most `side` pixels long (thumbnails, the photo
/// view): a JPEG larger than that is decoded at the smallest of 1/2, 1/4 and 1/8 of its size
/// that is still at least `side` long, which skips most of the decoding work. (Faces are never
/// found on such pixels: analysis decodes every pixel.)
pub fn decode_photo_for_display(bytes: &[u8], side: u32) -> Result<DecodedPhoto, DecodeError> {
    decode_photo_reduced_to(bytes, MAX_PIXELS, Some(side))
}

/// [`decode_photo`] with another size limit, so that tests need no 100-megapixel files.
fn decode_photo_within(bytes: &[u8], max_pixels: u64) -> Result<DecodedPhoto, DecodeError> {
    decode_photo_reduced_to(bytes, max_pixels, None)
}

fn decode_photo_reduced_to(
    bytes: &[u8],
    max_pixels: u64,
    display_side: Option<u32>,
) -> Result<DecodedPhoto, DecodeError> {
    guarded(|| decode_unguarded(bytes, max_pixels, display_side))
}

/// Runs a decoder, turning a panic inside it into an error: five third-party decoders read
/// whatever files users have, and one bad file must not end a scan of thousands.
fn guarded(
    decode: impl FnOnce() -> Result<DecodedPhoto, DecodeError> + std::panic::UnwindSafe,
) -> Result<DecodedPhoto, DecodeError> {
    std::panic::catch_unwind(decode).unwrap_or_else(|_| {
        Err(DecodeError::Damaged {
            format: "image".into(),
            message: "the decoder failed on this file".into(),
        })
    })
}

fn decode_unguarded(
    bytes: &[u8],
    max_pixels: u64,
    display_side: Option<u32>,
) -> Result<DecodedPhoto, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    match raw::embedded_preview(bytes) {
        Some(Ok(preview)) => return decode_raw(&preview, max_pixels, display_side),
        // A TIFF that merely looked camera-made (an unknown maker's sub-images) and holds
        // no JPEG may still be a plain image.
        Some(Err(e)) if e.format() != "RAW" => return Err(e.into()),
        Some(Err(e)) => {
            return decode_plain(bytes, max_pixels, display_side).map_err(|_| e.into());
        }
        None => {}
    }
    match heif_codec(bytes) {
        Some(HeifCodec::Hevc) => return decode_heic(bytes, max_pixels),
        Some(HeifCodec::Other) if image::guess_format(bytes).is_err() => {
            return Err(DecodeError::Unsupported("HEIF (not HEVC-coded)".into()));
        }
        _ => {}
    }
    decode_plain(bytes, max_pixels, display_side)
}

/// Decodes a photo in one of the image crate's formats and turns it upright.
fn decode_plain(
    bytes: &[u8],
    max_pixels: u64,
    display_side: Option<u32>,
) -> Result<DecodedPhoto, DecodeError> {
    let pixels = decode_pixels(bytes, max_pixels, display_side)?;
    let exif = read_exif(bytes);
    Ok(upright(pixels, PhotoMetadata::from_exif(exif.as_ref())))
}

/// Decodes the JPEG a camera embedded in a RAW file; the RAW container's orientation, date
/// and camera stand for the photo's (the JPEG's own EXIF where the container has none).
fn decode_raw(
    preview: &raw::RawPreview,
    max_pixels: u64,
    display_side: Option<u32>,
) -> Result<DecodedPhoto, DecodeError> {
    let pixels = decode_pixels(preview.jpeg, max_pixels, display_side).map_err(|e| match e {
        DecodeError::Damaged { message, .. } => DecodeError::Damaged {
            format: format!("{} (its embedded JPEG)", preview.format),
            message,
        },
        other => other,
    })?;
    let own = PhotoMetadata::from_exif(read_exif(preview.jpeg).as_ref());
    let metadata = PhotoMetadata {
        orientation: preview.orientation.unwrap_or(own.orientation),
        taken_at: preview
            .taken_at
            .as_deref()
            .and_then(taken_at_text)
            .or(own.taken_at),
        camera: camera_name(preview.make.clone(), preview.model.clone()).or(own.camera),
    };
    Ok(upright(pixels, metadata))
}

/// What a photo's metadata says about showing and sorting it.
struct PhotoMetadata {
    /// EXIF orientation 1–8 (1 when absent).
    orientation: u16,
    taken_at: Option<String>,
    camera: Option<String>,
}

impl PhotoMetadata {
    fn from_exif(exif: Option<&exif::Exif>) -> Self {
        PhotoMetadata {
            orientation: exif.and_then(exif_orientation).unwrap_or(1),
            taken_at: exif.and_then(exif_taken_at),
            camera: exif.and_then(exif_camera),
        }
    }
}

/// The photo turned by its orientation.
fn upright(pixels: StoredPixels, metadata: PhotoMetadata) -> DecodedPhoto {
    let StoredPixels {
        image,
        reduction,
        size: (width, height),
    } = pixels;
    // Made 8-bit RGB before it is turned, so that turning a 16-bit or RGBA photo copies the
    // 8-bit pixels, not up to 8 bytes for each.
    let mut image = DynamicImage::ImageRgb8(image.into_rgb8());
    let orientation = metadata.orientation;
    if let Some(o) = image::metadata::Orientation::from_exif(orientation as u8) {
        image.apply_orientation(o);
    }
    let full_size = if (5..=8).contains(&orientation) {
        (height, width)
    } else {
        (width, height)
    };
    DecodedPhoto {
        image: image.into_rgb8(),
        reduction,
        full_size,
        orientation,
        taken_at: metadata.taken_at,
        camera: metadata.camera,
    }
}

/// A photo's pixels as stored (not turned by its orientation).
struct StoredPixels {
    /// All pixels, or a reduced copy.
    image: DynamicImage,
    /// How many stored pixels along each side one pixel of `image` stands for.
    reduction: u32,
    /// The stored size.
    size: (u32, u32),
}

/// The pixels of a photo in one of the image crate's formats.
fn decode_pixels(
    bytes: &[u8],
    max_pixels: u64,
    display_side: Option<u32>,
) -> Result<StoredPixels, DecodeError> {
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
    let pixels = u64::from(width) * u64::from(height);
    let longest = width.max(height);
    let enough = match display_side {
        Some(side) if format == ImageFormat::Jpeg => [8u32, 4, 2]
            .into_iter()
            .find(|r| longest.div_ceil(*r) >= side)
            .unwrap_or(1),
        _ => 1,
    };
    let (image, reduction) = if pixels <= max_pixels && enough == 1 {
        (
            decode_whole(bytes, format, width, height).map_err(damaged)?,
            1,
        )
    } else if format == ImageFormat::Jpeg {
        match decode_jpeg_reduced(bytes, width, height, max_pixels, enough) {
            // A JPEG the reducing decoder does not convert (CMYK from print and stock work):
            // decoded whole, as for analysis, where it is small enough to be.
            Err(DecodeError::TooLarge { .. }) if pixels <= max_pixels => (
                decode_whole(bytes, format, width, height).map_err(damaged)?,
                1,
            ),
            reduced => reduced?,
        }
    } else {
        return Err(DecodeError::TooLarge { width, height });
    };
    Ok(StoredPixels {
        image,
        reduction,
        size: (width, height),
    })
}

fn decode_whole(
    bytes: &[u8],
    format: ImageFormat,
    width: u32,
    height: u32,
) -> image::ImageResult<DynamicImage> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PIXELS * 8 + (64 << 20));
    reader.limits(limits);
    reader.decode()
}

/// Decodes a JPEG of `width`×`height` (as stored) at the largest of 1/2, 1/4 and 1/8 of its
/// size that has at most `max_pixels` and is reduced at least `at_least` times, by scaling the
/// inverse DCT: the full-size pixels never exist in memory. Returns the pixels and the
/// reduction.
fn decode_jpeg_reduced(
    bytes: &[u8],
    width: u32,
    height: u32,
    max_pixels: u64,
    at_least: u32,
) -> Result<(DynamicImage, u32), DecodeError> {
    let too_large = || DecodeError::TooLarge { width, height };
    let damaged = |e: jpeg_decoder::Error| DecodeError::Damaged {
        format: "JPEG".into(),
        message: e.to_string(),
    };
    let reduced = |r: u32| (width.div_ceil(r), height.div_ceil(r));
    let Some(reduction) = [2u32, 4, 8].into_iter().find(|&r| {
        let (w, h) = reduced(r);
        r >= at_least && u64::from(w) * u64::from(h) <= max_pixels
    }) else {
        return Err(too_large());
    };
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(damaged)?;
    let Some(info) = decoder.info() else {
        return Err(too_large());
    };
    // A progressive decoder keeps every DCT coefficient of the whole photo (up to 6 bytes per
    // pixel) until the last scan, and a small file can claim any size: up to twice the limit.
    let progressive = info.coding_process == jpeg_decoder::CodingProcess::DctProgressive;
    if progressive && u64::from(width) * u64::from(height) > 2 * max_pixels {
        return Err(too_large());
    }
    let (want_w, want_h) = reduced(reduction);
    let (w, h) = decoder
        .scale(
            u16::try_from(want_w).unwrap_or(u16::MAX),
            u16::try_from(want_h).unwrap_or(u16::MAX),
        )
        .map_err(damaged)?;
    let (w, h) = (u32::from(w), u32::from(h));
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(too_large());
    }
    decoder.set_max_decoding_buffer_size((max_pixels * 3) as usize);
    let pixels = decoder.decode().map_err(damaged)?;
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
        }
        // CMYK and 16-bit lossless JPEGs: not worth a colour conversion of their own.
        jpeg_decoder::PixelFormat::CMYK32 | jpeg_decoder::PixelFormat::L16 => None,
    };
    let image = image.ok_or_else(too_large)?;
    // The decoder may pick a different fraction than asked for; its output size says which.
    let applied = [1u32, 2, 4, 8]
        .into_iter()
        .find(|&r| reduced(r) == (w, h))
        .ok_or_else(too_large)?;
    Ok((image, applied))
}

/// HEIC photos in a build without HEVC decoding: said, not passed over.
#[cfg(not(feature = "heic"))]
fn decode_heic(_bytes: &[u8], _max_pixels: u64) -> Result<DecodedPhoto, DecodeError> {
    Err(DecodeError::Unsupported(
        "HEIC (this build of Kindred has no HEVC decoder)".into(),
    ))
}

/// Decodes a HEIC photo: its primary image, turned upright by the file's own rotation and
/// mirror (which the EXIF orientation, if any, repeats: it is recorded, not applied again),
/// converted to sRGB from its colour profile (iPhones shoot in Display P3).
#[cfg(feature = "heic")]
fn decode_heic(bytes: &[u8], max_pixels: u64) -> Result<DecodedPhoto, DecodeError> {
    let damaged = |message: String| DecodeError::Damaged {
        format: "HEIC".into(),
        message,
    };
    let file =
        heifer::heifer_isobmff::HeifFile::parse(bytes).map_err(|e| damaged(e.to_string()))?;
    if let Ok(Some((width, height))) = file.image_size(file.primary_id)
        && u64::from(width) * u64::from(height) > max_pixels
    {
        return Err(DecodeError::TooLarge { width, height });
    }
    let options = heifer::Options {
        max_pixels,
        max_threads: 0,
    };
    let decoded = match heifer::decode_srgb_rgba8(bytes, &options) {
        // A colour space heifer cannot convert (HDR transfer curves, unusual profiles): the
        // samples as coded are still good enough to find faces in.
        Err(heifer::Error::Unsupported(_)) => heifer::decode_rgba8(bytes, &options),
        other => other,
    }
    .map_err(|e| damaged(e.to_string()))?;
    let rgb: Vec<u8> = decoded
        .data
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let image = RgbImage::from_raw(decoded.width, decoded.height, rgb)
        .ok_or_else(|| damaged("decoded pixels do not fill the image".into()))?;
    let exif = read_exif(bytes);
    Ok(DecodedPhoto {
        full_size: image.dimensions(),
        image,
        reduction: 1,
        orientation: exif.as_ref().and_then(exif_orientation).unwrap_or(1),
        taken_at: exif.as_ref().and_then(exif_taken_at),
        camera: exif.as_ref().and_then(exif_camera),
    })
}

/// The revision of the readers of photo files, to raise whenever they learn to read files they
/// refused before (a format, a variant, a refusal that was wrong): a file an earlier revision
/// could not read is tried again at the next scan. 1: a JPEG followed by other data (a motion
/// photo's video) is no longer taken for a truncated one.
pub const READERS_REVISION: i64 = 1;

/// Whether the JPEG's main image reaches its end-of-image marker: its segments and scans are
/// walked from the start (decoders fill a truncated JPEG with grey, and such a photo must not be
/// analysed as complete). What follows the main image is not looked at: a Pixel or Samsung
/// motion photo carries its video there, whose bytes hold stray markers of every kind.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    // Where the next 0xFF byte is, from `from` on.
    let next_ff = |from: usize| Some(from + bytes.get(from..)?.iter().position(|&b| b == 0xFF)?);
    let mut at = 2;
    loop {
        // As decoders do, stray bytes before a marker are passed over.
        let Some(found) = next_ff(at) else {
            return false;
        };
        at = found;
        // Any number of 0xFF fill bytes may come before the marker's code.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at + 1) else {
            return false;
        };
        at += 2;
        match marker {
            0xD9 => return true,
            // Markers without a segment (a stray 0x00 is a fill byte's stuffing).
            0x00 | 0x01 | 0xD0..=0xD8 => {}
            _ => {
                let Some(len) = bytes.get(at..at + 2) else {
                    return false;
                };
                at += usize::from(u16::from_be_bytes([len[0], len[1]]));
                if marker == 0xDA {
                    // The scan's entropy-coded data runs to the next marker that is neither a
                    // stuffed 0xFF00 nor a restart marker.
                    loop {
                        let Some(found) = next_ff(at) else {
                            return false;
                        };
                        at = found;
                        match bytes.get(at + 1) {
                            None => return false,
                            Some(0x00 | 0xD0..=0xD7) => at += 2,
                            Some(_) => break,
                        }
                    }
                }
            }
        }
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

/// When the photo was taken, else when it was last saved (by the camera, mostly).
fn exif_taken_at(exif: &exif::Exif) -> Option<String> {
    [exif::Tag::DateTimeOriginal, exif::Tag::DateTime]
        .into_iter()
        .find_map(|tag| {
            let field = exif.get_field(tag, exif::In::PRIMARY)?;
            let exif::Value::Ascii(ref parts) = field.value else {
                return None;
            };
            taken_at_text(parts.first()?)
        })
}

/// An EXIF date ("YYYY:MM:DD HH:MM:SS") as "YYYY-MM-DD HH:MM:SS", if it is a moment that can
/// be: a camera whose clock was never set writes zeros, a broken one a 13th month or a 25th
/// hour, and such a date would hide the one the file's name or a Takeout file gives.
fn taken_at_text(ascii: &[u8]) -> Option<String> {
    let dt = exif::DateTime::from_ascii(ascii).ok()?;
    let (year, month, day) = (u32::from(dt.year), u32::from(dt.month), u32::from(dt.day));
    let (hour, minute, second) = (
        u32::from(dt.hour),
        u32::from(dt.minute),
        u32::from(dt.second),
    );
    let real = year >= 1826
        && super::dates::is_real_day(year, month, day)
        && super::dates::is_real_time(hour, minute, second);
    real.then(|| format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"))
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
    camera_name(text(exif::Tag::Make), text(exif::Tag::Model))
}

/// "Make Model", without the make twice when the model already names it.
fn camera_name(make: Option<String>, model: Option<String>) -> Option<String> {
    match (make, model) {
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
    let small = resized(image, w, h);
    let back = f64::from(image.width()) / f64::from(w);
    (std::borrow::Cow::Owned(small), back)
}

/// `image` resampled to `width`×`height` with a triangle (bilinear) filter as wide as the
/// reduction, so every source pixel counts. fast_image_resize's SIMD kernels take 0.1 s where
/// the image crate's generic filter took 0.4 s for a 12-MP photo, more than decoding it.
pub fn resized(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images};
    let source = images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    );
    let mut target = images::Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    match source.map(|source| Resizer::new().resize(&source, &mut target, &options)) {
        Ok(Ok(())) => RgbImage::from_raw(width, height, target.into_vec())
            .unwrap_or_else(|| slow_resized(image, width, height)),
        // Cannot happen for a well-formed RgbImage; the slower filter gives the same picture.
        _ => slow_resized(image, width, height),
    }
}

fn slow_resized(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a CMYK JPEG (print and stock work) had no thumbnail and would not open in
    /// the photo view ("too large"): the reducing decoder does not convert CMYK.
    #[test]
    fn a_cmyk_jpeg_is_shown_in_its_colours() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cmyk/Tony_Blair_0001_cmyk.jpg");
        let bytes = std::fs::read(path).unwrap();
        let shown = decode_photo_for_display(&bytes, 128).unwrap();
        let analysed = decode_photo(&bytes).unwrap();
        assert_eq!(shown.full_size, (300, 300));
        assert_eq!(shown.image.dimensions(), analysed.image.dimensions());
        // In its colours, not inverted: as the image crate reads it for analysis.
        assert_eq!(shown.image, analysed.image);
        let mean = |channel: usize| {
            let sum: u64 = shown.image.pixels().map(|p| u64::from(p[channel])).sum();
            sum / u64::from(300 * 300u32)
        };
        let (r, g, b) = (mean(0), mean(1), mean(2));
        assert!(r > b && (60..200).contains(&g), "{r} {g} {b}");
    }

    #[test]
    fn exif_dates_that_cannot_be_are_not_taken() {
        assert_eq!(
            taken_at_text(b"2019:07:14 18:30:05").as_deref(),
            Some("2019-07-14 18:30:05")
        );
        assert_eq!(
            taken_at_text(b"2020:02:29 23:59:60").as_deref(),
            Some("2020-02-29 23:59:60")
        );
        for impossible in [
            &b"0000:00:00 00:00:00"[..],
            b"2019:13:14 18:30:05",
            b"2019:02:29 18:30:05",
            b"2019:04:31 18:30:05",
            b"2019:07:14 25:30:05",
            b"2019:07:14 18:75:05",
            b"1801:07:14 18:30:05",
        ] {
            assert_eq!(taken_at_text(impossible), None, "{impossible:?}");
        }
    }

    fn png_bytes(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_raw_file_is_decoded_from_its_embedded_jpeg_turned_by_the_raw_orientation() {
        use crate::library::raw::tests::{jpeg, nef};
        let preview = jpeg(600, 400);
        let photo = decode_photo(&nef(&preview, 6)).unwrap();
        assert_eq!(photo.image.dimensions(), (400, 600));
        assert_eq!((photo.full_size, photo.orientation), ((400, 600), 6));
        assert_eq!(photo.taken_at.as_deref(), Some("2021-07-04 18:30:05"));
        assert_eq!(photo.camera.as_deref(), Some("NIKON CORPORATION NIKON Z 6"));
        let upright = decode_photo(&preview).unwrap().image;
        assert_eq!(
            photo.image,
            DynamicImage::ImageRgb8(upright).rotate90().into_rgb8()
        );
        // Thumbnails are shown at a reduced size from the same JPEG.
        let small = decode_photo_for_display(&nef(&preview, 6), 150).unwrap();
        assert_eq!((small.reduction, small.full_size), (4, (400, 600)));

        // A Huffman table whose code counts overflow: the markers are intact, the JPEG is not.
        let mut damaged = preview.clone();
        let table = damaged.windows(2).position(|w| w == [0xFF, 0xC4]).unwrap();
        damaged[table + 5..table + 21].fill(0xFF);
        let error = decode_photo(&nef(&damaged, 1)).unwrap_err().to_string();
        assert!(
            error.starts_with("damaged or truncated NEF (its embedded JPEG) file: "),
            "{error}"
        );
        assert_eq!(
            decode_photo(&nef(&jpeg(200, 150), 1))
                .unwrap_err()
                .to_string(),
            "camera RAW file (NEF) whose embedded JPEG is only a 200×150 thumbnail, too small \
             to find faces in"
        );
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
    fn a_decoder_that_panics_gives_an_error_not_a_crash() {
        let err = guarded(|| panic!("index out of bounds in some decoder")).unwrap_err();
        assert!(matches!(err, DecodeError::Damaged { .. }), "{err}");
        assert_eq!(
            guarded(|| decode_photo(b"")).unwrap_err(),
            DecodeError::Empty
        );
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

    /// A smooth colour gradient (DCT scaling is exact enough on it to compare pixels).
    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                (x * 255 / width) as u8,
                (y * 255 / height) as u8,
                ((x + y) * 127 / (width + height)) as u8,
            ])
        })
    }

    fn jpeg_bytes(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 95,
        ))
        .unwrap();
        out
    }

    /// A photo with fine detail, so its scan data holds stuffed 0xFF bytes.
    fn noisy_jpeg() -> Vec<u8> {
        let noise = RgbImage::from_fn(64, 48, |x, y| {
            let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) as u8;
            image::Rgb([v, v.rotate_left(3), v ^ 0x5A])
        });
        jpeg_bytes(&DynamicImage::ImageRgb8(noise))
    }

    #[test]
    fn a_jpeg_is_complete_when_its_main_image_ends_whatever_follows_it() {
        let jpeg = noisy_jpeg();
        assert!(
            jpeg.windows(2).any(|w| w == [0xFF, 0x00]),
            "no stuffed bytes"
        );
        assert!(jpeg_is_complete(&jpeg));
        // A motion photo: the video after the photo holds a start-of-scan marker with no
        // end-of-image after it (the old check took that scan for the photo's and refused it).
        let mut motion = jpeg.clone();
        motion.extend_from_slice(b"\0\0\0\x18ftypmp42");
        motion.extend_from_slice(&[0x12, 0xFF, 0xD9, 0x40, 0xFF, 0xDA, 0x00, 0x0C, 0x33]);
        motion.extend((0..4096u32).map(|i| (i * 7 + 3) as u8));
        assert!(jpeg_is_complete(&motion));
        assert!(decode_photo(&motion).is_ok());
        // Cut anywhere before its end-of-image marker, it is incomplete.
        for len in (0..jpeg.len() - 1).step_by(53).chain([jpeg.len() - 1]) {
            assert!(
                !jpeg_is_complete(&jpeg[..len]),
                "cut at {len} of {}",
                jpeg.len()
            );
        }
        assert!(!jpeg_is_complete(b"not a jpeg"));
    }

    #[test]
    fn jpegs_beyond_the_limit_are_decoded_reduced() {
        let (w, h) = (203, 150); // 30,450 pixels; odd width: sizes round up
        let whole = gradient(w, h);
        let jpeg = jpeg_bytes(&DynamicImage::ImageRgb8(whole.clone()));
        // Within the limit: decoded whole, as before.
        let photo = decode_photo_within(&jpeg, 40_000).unwrap();
        assert_eq!((photo.reduction, photo.full_size), (1, (w, h)));
        assert_eq!(photo.image.dimensions(), (w, h));
        // The largest fraction within the limit is chosen.
        for (limit, reduction) in [(30_000, 2), (7_700, 2), (7_600, 4), (1_000, 8)] {
            let photo = decode_photo_within(&jpeg, limit).unwrap();
            assert_eq!(photo.reduction, reduction, "limit {limit}");
            assert_eq!(photo.full_size, (w, h));
            assert_eq!(
                photo.image.dimensions(),
                (w.div_ceil(reduction), h.div_ceil(reduction))
            );
            // Each pixel is the mean of the block it stands for, give or take the JPEG's loss.
            let (x, y) = (17 / reduction, 61 / reduction);
            let got = photo.image.get_pixel(x, y).0;
            let r = reduction;
            for (c, &value) in got.iter().enumerate() {
                let block: Vec<u32> = (y * r..(y + 1) * r)
                    .flat_map(|yy| (x * r..(x + 1) * r).map(move |xx| (xx, yy)))
                    .map(|(xx, yy)| u32::from(whole.get_pixel(xx, yy).0[c]))
                    .collect();
                let mean = block.iter().sum::<u32>() as f64 / block.len() as f64;
                assert!(
                    (f64::from(value) - mean).abs() < 6.0,
                    "limit {limit} channel {c}: {value} vs {mean}"
                );
            }
        }
        // Not even 1/8 fits: refused.
        assert_eq!(
            decode_photo_within(&jpeg, 400).unwrap_err(),
            DecodeError::TooLarge {
                width: w,
                height: h
            }
        );
        // Grey JPEGs too.
        let grey = jpeg_bytes(&DynamicImage::ImageLuma8(
            DynamicImage::ImageRgb8(whole).into_luma8(),
        ));
        let photo = decode_photo_within(&grey, 10_000).unwrap();
        assert_eq!((photo.reduction, photo.image.dimensions()), (2, (102, 75)));
        let p = photo.image.get_pixel(50, 30).0;
        assert!(p[0] == p[1] && p[1] == p[2]);
    }

    #[test]
    fn photos_for_display_are_decoded_no_larger_than_needed() {
        let whole = gradient(203, 150);
        let jpeg = jpeg_bytes(&DynamicImage::ImageRgb8(whole.clone()));
        // 203 / 4 = 51 is still at least 40 pixels long; 203 / 8 = 26 is not.
        let photo = decode_photo_for_display(&jpeg, 40).unwrap();
        assert_eq!(photo.reduction, 4);
        assert_eq!(photo.image.dimensions(), (51, 38));
        assert_eq!(photo.full_size, (203, 150));
        let photo = decode_photo_for_display(&jpeg, 26).unwrap();
        assert_eq!(photo.reduction, 8);
        // Asked for more than half its size: decoded whole, as for analysis.
        let photo = decode_photo_for_display(&jpeg, 120).unwrap();
        assert_eq!(photo.reduction, 1);
        assert_eq!(photo.image, decode_photo(&jpeg).unwrap().image);
        // Other formats cannot be decoded reduced.
        let png = png_bytes(&DynamicImage::ImageRgb8(whole));
        assert_eq!(decode_photo_for_display(&png, 40).unwrap().reduction, 1);
    }

    #[test]
    fn a_reduced_photo_is_turned_upright_and_keeps_its_full_size() {
        use image::ImageEncoder;
        // Stored 150 wide and 203 high; EXIF 6 says turn it a quarter clockwise.
        let stored = image::imageops::rotate270(&gradient(203, 150));
        let mut jpeg = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95);
        encoder.set_exif_metadata(exif_with_orientation(6)).unwrap();
        encoder
            .write_image(
                stored.as_raw(),
                stored.width(),
                stored.height(),
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        let photo = decode_photo_within(&jpeg, 10_000).unwrap();
        assert_eq!(photo.orientation, 6);
        assert_eq!(photo.reduction, 2);
        assert_eq!(photo.full_size, (203, 150));
        assert_eq!(photo.image.dimensions(), (102, 75));
        // Upright again: red grows to the right, green downwards.
        let (left, right) = (photo.image.get_pixel(5, 37), photo.image.get_pixel(96, 37));
        let (top, bottom) = (photo.image.get_pixel(51, 3), photo.image.get_pixel(51, 71));
        assert!(right.0[0] > left.0[0] + 150, "{left:?} {right:?}");
        assert!(bottom.0[1] > top.0[1] + 150, "{top:?} {bottom:?}");
    }

    #[test]
    fn other_formats_beyond_the_limit_are_refused() {
        let png = png_bytes(&DynamicImage::ImageRgb8(gradient(203, 150)));
        assert!(matches!(
            decode_photo_within(&png, 10_000).unwrap_err(),
            DecodeError::TooLarge { .. }
        ));
    }

    #[test]
    fn heif_files_are_told_apart_by_their_brands() {
        let ftyp = |major: &[u8; 4], compatible: &[&[u8; 4]]| {
            let size = 16 + 4 * compatible.len() as u32;
            let mut b = size.to_be_bytes().to_vec();
            b.extend_from_slice(b"ftyp");
            b.extend_from_slice(major);
            b.extend_from_slice(&[0, 0, 0, 0]);
            compatible.iter().for_each(|c| b.extend_from_slice(*c));
            b.extend_from_slice(b"\0\0\0\x08meta"); // what follows the ftyp box
            b
        };
        let hevc = Some(HeifCodec::Hevc);
        assert_eq!(heif_codec(&ftyp(b"heic", &[b"mif1", b"heic"])), hevc); // iPhone
        assert_eq!(heif_codec(&ftyp(b"heix", &[b"mif1"])), hevc); // 10-bit (Canon .HIF)
        assert_eq!(heif_codec(&ftyp(b"mif1", &[b"heic", b"miaf"])), hevc);
        let other = Some(HeifCodec::Other);
        assert_eq!(heif_codec(&ftyp(b"mif1", &[b"avif", b"miaf"])), other);
        assert_eq!(heif_codec(&ftyp(b"avif", &[b"mif1", b"miaf"])), other);
        // Video files share the box structure, not the brands.
        assert_eq!(heif_codec(&ftyp(b"isom", &[b"iso2", b"mp41"])), None);
        assert_eq!(heif_codec(&ftyp(b"qt  ", &[])), None);
        assert_eq!(heif_codec(b"\xff\xd8\xff\xe0"), None);
        // The walker sniffs a file's first 32 bytes; the major brand alone is enough.
        assert!(is_photo_format(&ftyp(b"heic", &[b"mif1"])[..12]));
        assert!(!is_photo_format(&ftyp(b"isom", &[b"mp41"])));
        // A HEIF container holding anything but HEVC is named, not called "not an image".
        assert!(matches!(
            decode_photo(&ftyp(b"mif1", &[b"avif"])).unwrap_err(),
            DecodeError::Unsupported(_)
        ));
    }

    #[cfg(feature = "heic")]
    #[test]
    fn heic_photos_are_decoded_with_their_exif() {
        let (w, h) = (64, 48);
        let rgb = gradient(w, h);
        let image = heifer::Image {
            width: w,
            height: h,
            bit_depth: 8,
            has_alpha: false,
            data: rgb
                .pixels()
                .flat_map(|p| [p.0[0], p.0[1], p.0[2], 255].map(u16::from))
                .collect(),
        };
        let metadata = heifer::Metadata {
            exif: Some(exif_with_date("2019:07:14 12:30:05")),
            ..Default::default()
        };
        let options = heifer::EncodeOptions {
            quality: 95,
            ..Default::default()
        };
        let heic = heifer::encode_with_metadata(&image, &metadata, &options).unwrap();
        let photo = decode_photo(&heic).unwrap();
        assert_eq!(photo.image.dimensions(), (w, h));
        assert_eq!((photo.reduction, photo.full_size), (1, (w, h)));
        assert_eq!(photo.taken_at.as_deref(), Some("2019-07-14 12:30:05"));
        let worst = photo
            .image
            .as_raw()
            .iter()
            .zip(rgb.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst < 24, "{worst}");
        // Cut short, it is damaged, not a panic.
        assert!(matches!(
            decode_photo(&heic[..heic.len() / 2]).unwrap_err(),
            DecodeError::Damaged { .. }
        ));
        // Beyond the limit: refused before decoding.
        assert!(matches!(
            decode_photo_within(&heic, 1000).unwrap_err(),
            DecodeError::TooLarge {
                width: 64,
                height: 48
            }
        ));
    }

    /// A little-endian EXIF block with one tag, DateTime.
    #[cfg(feature = "heic")]
    fn exif_with_date(date: &str) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&8u32.to_le_bytes()); // first IFD
        b.extend_from_slice(&1u16.to_le_bytes()); // one entry
        b.extend_from_slice(&0x0132u16.to_le_bytes()); // DateTime
        b.extend_from_slice(&2u16.to_le_bytes()); // ASCII
        b.extend_from_slice(&(date.len() as u32 + 1).to_le_bytes());
        b.extend_from_slice(&26u32.to_le_bytes()); // value after this IFD
        b.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        b.extend_from_slice(date.as_bytes());
        b.push(0);
        b
    }

    /// A little-endian EXIF block with one tag, Orientation.
    fn exif_with_orientation(orientation: u16) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&8u32.to_le_bytes()); // first IFD
        b.extend_from_slice(&1u16.to_le_bytes()); // one entry
        b.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        b.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        b.extend_from_slice(&1u32.to_le_bytes()); // one value
        b.extend_from_slice(&orientation.to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        b
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
    fn the_fast_resize_gives_the_triangle_filters_picture() {
        let photo = RgbImage::from_fn(1203, 901, |x, y| {
            // Smooth shading with a sharp-edged square: both must survive the same way.
            let edge = if (300..600).contains(&x) && (200..500).contains(&y) {
                90
            } else {
                0
            };
            image::Rgb([
                (x * 160 / 1203 + edge) as u8,
                (y * 255 / 901) as u8,
                ((x ^ y) & 0x3f) as u8,
            ])
        });
        let fast = resized(&photo, 300, 225);
        let slow = slow_resized(&photo, 300, 225);
        let diffs: Vec<u8> = fast
            .as_raw()
            .iter()
            .zip(slow.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
        assert!(mean < 0.2, "mean difference {mean}");
        assert!(*diffs.iter().max().unwrap() <= 2);
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
