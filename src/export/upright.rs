//! Copies of photos turned in Kindred, turned in the copy itself, so that every app shows an
//! album's photos the way Kindred does. A JPEG is turned by its EXIF orientation: the copy is
//! the original's bytes with one number changed (or one small block added), no pixel decoded
//! or re-compressed. A PNG is decoded, turned and written again, which is lossless: its pixels
//! are exactly the original's, with its colour profile, text and EXIF block. A TIFF (a
//! scanner's, most often) is turned by the orientation in its own first IFD, as a JPEG is.
//! Other formats have no orientation every app honours and no lossless way to write them
//! again here; their copies stay as their files show them.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder};

use crate::library::turn::{Turn, orientation_of, orientation_parts};

/// The copy of a photo turned in Kindred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UprightCopy {
    /// The photo's bytes, turned.
    Turned(Vec<u8>),
    /// The photo cannot be turned in a copy; why, for the user.
    AsFile(String),
}

/// `file`'s bytes turned by `turn` after the orientation they already have.
pub fn upright_copy(file: &[u8], turn: Turn) -> UprightCopy {
    let turned = if file.starts_with(&[0xFF, 0xD8]) {
        jpeg_turned(file, turn).map_err(|e| format!("its JPEG structure is unusual ({e})"))
    } else if file.starts_with(PNG_SIGNATURE) {
        png_turned(file, turn).map_err(|e| format!("the PNG could not be written again ({e})"))
    } else if is_plain_tiff(file) {
        // A TIFF is TIFF-structured itself: its first IFD's orientation is the one to turn.
        tiff_oriented(file, |now| orientation_then(now, turn))
            .map_err(|e| format!("its TIFF structure is unusual ({e})"))
    } else {
        Err("only JPEG, PNG and TIFF copies can be turned".to_string())
    };
    match turned {
        Ok(bytes) => UprightCopy::Turned(bytes),
        Err(reason) => UprightCopy::AsFile(reason),
    }
}

/// Whether `file` is a photo whose copies are turned by their EXIF orientation alone (cheap to
/// make again, byte for byte).
pub fn turns_by_orientation(file: &[u8]) -> bool {
    file.starts_with(&[0xFF, 0xD8]) || is_plain_tiff(file)
}

/// A TIFF image (a scanner's, most often), not a camera's RAW file in TIFF form, whose
/// first IFD is not what is shown (Kindred shows the JPEG inside).
fn is_plain_tiff(file: &[u8]) -> bool {
    (file.starts_with(b"II*\0") || file.starts_with(b"MM\0*"))
        && crate::library::raw::raw_format(file).is_none()
}

/// The EXIF orientation of a photo shown as `orientation` says and then turned by `turn`.
/// An orientation outside 1–8 is none (1), as readers take it.
pub fn orientation_then(orientation: u16, turn: Turn) -> u16 {
    let (mirrored, turned) = orientation_parts(orientation);
    orientation_of(mirrored, turned.then(turn))
}

const SOI: u8 = 0xD8;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;
const EXIF_HEADER: &[u8] = b"Exif\0\0";
const ORIENTATION_TAG: u16 = 0x0112;
const SHORT: u16 = 3;
const LONG: u16 = 4;

/// A JPEG's bytes with the orientation of its EXIF block turned, the block added if it has
/// none. Nothing else changes: the image data are copied as they are.
fn jpeg_turned(jpeg: &[u8], turn: Turn) -> Result<Vec<u8>, &'static str> {
    if jpeg.get(1) != Some(&SOI) {
        return Err("no start of image");
    }
    // A new EXIF block goes after SOI and the JFIF header (APP0), which must come first.
    let mut insert_at = 2;
    let mut only_app0_so_far = true;
    let mut at = 2;
    loop {
        let header = jpeg
            .get(at..at + 2)
            .ok_or("it ends before its image data")?;
        if header[0] != 0xFF {
            return Err("a segment does not start with a marker");
        }
        let marker = header[1];
        if marker == 0xFF {
            at += 1; // a fill byte
            continue;
        }
        if marker == SOS || marker == EOI {
            break;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2; // a marker without a length
            continue;
        }
        let length = jpeg
            .get(at + 2..at + 4)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or("it ends inside a segment")?;
        let end = at + 2 + length;
        if length < 2 || end > jpeg.len() {
            return Err("a segment's length runs past the end");
        }
        let payload = &jpeg[at + 4..end];
        if marker == APP1 && payload.starts_with(&EXIF_HEADER[..5]) && payload.len() >= 6 {
            let tiff = tiff_oriented(&payload[6..], |now| orientation_then(now, turn))?;
            let segment = app1_segment(&payload[..6], &tiff)?;
            return Ok([&jpeg[..at], &segment[..], &jpeg[end..]].concat());
        }
        only_app0_so_far &= marker == APP0;
        if only_app0_so_far {
            insert_at = end;
        }
        at = end;
    }
    let tiff = minimal_tiff(orientation_then(1, turn));
    let segment = app1_segment(EXIF_HEADER, &tiff)?;
    Ok([&jpeg[..insert_at], &segment[..], &jpeg[insert_at..]].concat())
}

/// An APP1 segment holding `header` and then `tiff`.
fn app1_segment(header: &[u8], tiff: &[u8]) -> Result<Vec<u8>, &'static str> {
    let length = u16::try_from(2 + header.len() + tiff.len())
        .map_err(|_| "its EXIF block has no room left for an orientation")?;
    let mut segment = vec![0xFF, APP1];
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(header);
    segment.extend_from_slice(tiff);
    Ok(segment)
}

/// An EXIF block with one tag, the orientation.
fn minimal_tiff(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&orientation_entry(orientation, true));
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no further IFD
    tiff
}

/// The 12 bytes of an IFD entry holding `orientation`.
fn orientation_entry(orientation: u16, big_endian: bool) -> [u8; 12] {
    let mut entry = [0u8; 12];
    let put = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    entry[0..2].copy_from_slice(&put(ORIENTATION_TAG));
    entry[2..4].copy_from_slice(&put(SHORT));
    entry[4..8].copy_from_slice(&if big_endian {
        1u32.to_be_bytes()
    } else {
        1u32.to_le_bytes()
    });
    // A SHORT value sits in the first two of the four value bytes.
    entry[8..10].copy_from_slice(&put(orientation));
    entry
}

/// An EXIF (TIFF-structured) block with its first IFD's orientation made `oriented` of what
/// it is (1 where there is none). A block without the tag gets a copy of its first IFD, with
/// the tag, at its end: nothing else moves, so every offset in it (maker notes included)
/// stays true; the old IFD is left unreferenced.
fn tiff_oriented(tiff: &[u8], oriented: impl Fn(u16) -> u16) -> Result<Vec<u8>, &'static str> {
    let big_endian = match tiff.get(0..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return Err("its EXIF block has no byte order"),
    };
    let u16_at = |at: usize| {
        tiff.get(at..at + 2).map(|b| {
            let b = [b[0], b[1]];
            if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            }
        })
    };
    let u32_at = |at: usize| {
        tiff.get(at..at + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        })
    };
    const UNREADABLE: &str = "its EXIF block is cut short";
    if u16_at(2) != Some(42) {
        return Err("its EXIF block is not TIFF-structured");
    }
    let ifd = u32_at(4).ok_or(UNREADABLE)? as usize;
    let count = usize::from(u16_at(ifd).ok_or(UNREADABLE)?);
    let entries = ifd + 2;
    let next_ifd = entries + 12 * count;
    u32_at(next_ifd).ok_or(UNREADABLE)?;
    let mut out = tiff.to_vec();
    for i in 0..count {
        let entry = entries + 12 * i;
        if u16_at(entry) != Some(ORIENTATION_TAG) {
            continue;
        }
        let current = match u16_at(entry + 2) {
            Some(SHORT) => u16_at(entry + 8),
            Some(LONG) => u32_at(entry + 8).and_then(|v| u16::try_from(v).ok()),
            _ => None,
        }
        .unwrap_or(1);
        out[entry..entry + 12].copy_from_slice(&orientation_entry(oriented(current), big_endian));
        return Ok(out);
    }

    if out.len() % 2 == 1 {
        out.push(0); // IFDs start on a word boundary
    }
    let new_ifd = u32::try_from(out.len()).map_err(|_| UNREADABLE)?;
    let count_with_tag = u16::try_from(count + 1).map_err(|_| UNREADABLE)?;
    out.extend_from_slice(&if big_endian {
        count_with_tag.to_be_bytes()
    } else {
        count_with_tag.to_le_bytes()
    });
    let tag_entry = orientation_entry(oriented(1), big_endian);
    let mut tag_placed = false;
    for i in 0..count {
        let entry = entries + 12 * i;
        // Entries are kept in ascending tag order, as readers may expect.
        if !tag_placed && u16_at(entry).is_some_and(|tag| tag > ORIENTATION_TAG) {
            out.extend_from_slice(&tag_entry);
            tag_placed = true;
        }
        out.extend_from_slice(&tiff[entry..entry + 12]);
    }
    if !tag_placed {
        out.extend_from_slice(&tag_entry);
    }
    out.extend_from_slice(&tiff[next_ifd..next_ifd + 4]);
    let pointer = if big_endian {
        new_ifd.to_be_bytes()
    } else {
        new_ifd.to_le_bytes()
    };
    out[4..8].copy_from_slice(&pointer);
    Ok(out)
}

/// A PNG decoded, shown as its orientation says, turned, and written again with its colour
/// profile and the chunks that say what it is (see [`chunks_to_carry`]).
fn png_turned(png: &[u8], turn: Turn) -> image::ImageResult<Vec<u8>> {
    let mut decoder = image::codecs::png::PngDecoder::new(Cursor::new(png))?;
    let profile = decoder.icc_profile()?;
    let orientation = decoder.orientation()?;
    let carried = chunks_to_carry(png, orientation != Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder)?;
    picture.apply_orientation(orientation);
    let picture = match turn.quarters() {
        1 => picture.rotate90(),
        2 => picture.rotate180(),
        3 => picture.rotate270(),
        _ => picture,
    };
    let mut out = Vec::new();
    let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
    if let Some(profile) = profile {
        // The encoder takes every profile; a refusal would only lose the colour profile.
        let _ = encoder.set_icc_profile(profile);
    }
    picture.write_with_encoder(encoder)?;
    Ok(with_chunks(out, &carried))
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The chunks of a PNG that say what it is rather than how its pixels are stored — its text
/// (title, author, creation time, the software's notes), the time it was last changed and its
/// EXIF block (the date taken, the camera) — to go into a copy whose pixels are written anew;
/// the rest (palette, transparency, gamma, …) belong to the pixels as they were stored.
/// Where the EXIF block's orientation was applied (`applied`), the copy's says upright; one
/// that cannot be read is left out rather than turn the copy again.
fn chunks_to_carry(png: &[u8], applied: bool) -> Vec<([u8; 4], Vec<u8>)> {
    let mut carried = Vec::new();
    let mut at = PNG_SIGNATURE.len();
    while let Some(header) = png.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = [header[4], header[5], header[6], header[7]];
        let Some(data) = png.get(at + 8..(at + 8).saturating_add(length)) else {
            break;
        };
        match &kind {
            b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" => carried.push((kind, data.to_vec())),
            b"eXIf" if !applied => carried.push((kind, data.to_vec())),
            b"eXIf" => {
                if let Ok(upright) = tiff_oriented(data, |_| 1) {
                    carried.push((kind, upright));
                }
            }
            b"IEND" => break,
            _ => {}
        }
        at += 12 + length;
    }
    carried
}

/// A PNG with `chunks` put in after its header (where each kind may stand).
fn with_chunks(png: Vec<u8>, chunks: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    const AFTER_HEADER: usize = 8 + 12 + 13; // signature, then IHDR's 13 bytes framed
    if chunks.is_empty() || png.get(12..16) != Some(b"IHDR".as_slice()) {
        return png;
    }
    let mut out = png[..AFTER_HEADER].to_vec();
    for (kind, data) in chunks {
        let Ok(length) = u32::try_from(data.len()) else {
            continue;
        };
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    out.extend_from_slice(&png[AFTER_HEADER..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::metadata::Orientation;
    use image::{Rgb, RgbImage};

    /// A picture no mirror or turn leaves alike: every pixel tells where it was.
    fn telltale(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| Rgb([x as u8 * 40, y as u8 * 40, 7]))
    }

    fn oriented(picture: &RgbImage, orientation: u16) -> RgbImage {
        let mut shown = DynamicImage::ImageRgb8(picture.clone());
        shown.apply_orientation(Orientation::from_exif(orientation as u8).unwrap());
        shown.to_rgb8()
    }

    /// Showing a photo by the combined orientation is showing it by its own and then turning.
    #[test]
    fn an_orientation_and_a_turn_make_one_orientation() {
        let picture = telltale(5, 3);
        for orientation in 1..=8 {
            for q in 0..4 {
                let turn = Turn::clockwise(q);
                let expected = turn.image(oriented(&picture, orientation));
                let combined = orientation_then(orientation, turn);
                assert_eq!(
                    oriented(&picture, combined),
                    expected,
                    "orientation {orientation}, {turn:?} -> {combined}"
                );
            }
        }
        assert_eq!(orientation_then(0, Turn::RIGHT), 6);
        assert_eq!(orientation_then(9, Turn::NONE), 1);
    }

    /// An IFD entry: tag, type, value.
    type Entry = (u16, u16, u32);

    /// A JPEG, optionally with a JFIF header and an EXIF block (big-endian or not) with the
    /// given entries in its first IFD.
    fn jpeg_with(jfif: bool, exif: Option<(bool, &[Entry])>) -> Vec<u8> {
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&telltale(6, 4))
            .unwrap();
        // The encoder writes SOI and then a JFIF APP0; keep or drop the APP0.
        let app0_len = usize::from(u16::from_be_bytes([plain[4], plain[5]]));
        let rest = &plain[4 + app0_len..];
        let mut jpeg = vec![0xFF, SOI];
        if jfif {
            jpeg.extend_from_slice(&plain[2..4 + app0_len]);
        }
        if let Some((big, entries)) = exif {
            jpeg.extend_from_slice(&app1_segment(EXIF_HEADER, &tiff_with(big, entries)).unwrap());
        }
        jpeg.extend_from_slice(rest);
        jpeg
    }

    /// An EXIF block (big-endian or not) with the given entries in its first IFD.
    fn tiff_with(big: bool, entries: &[Entry]) -> Vec<u8> {
        let w16 = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let w32 = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut tiff = if big { b"MM".to_vec() } else { b"II".to_vec() };
        tiff.extend_from_slice(&w16(42));
        tiff.extend_from_slice(&w32(8));
        tiff.extend_from_slice(&w16(entries.len() as u16));
        for &(tag, kind, value) in entries {
            tiff.extend_from_slice(&w16(tag));
            tiff.extend_from_slice(&w16(kind));
            tiff.extend_from_slice(&w32(1));
            if kind == SHORT {
                tiff.extend_from_slice(&w16(value as u16));
                tiff.extend_from_slice(&[0, 0]);
            } else {
                tiff.extend_from_slice(&w32(value));
            }
        }
        tiff.extend_from_slice(&w32(0));
        tiff
    }

    /// The orientation and the other first-IFD fields as the exif crate reads them.
    fn read_exif(jpeg: &[u8]) -> Vec<(exif::Tag, String)> {
        let exif = exif::Reader::new()
            .read_from_container(&mut Cursor::new(jpeg))
            .unwrap();
        let mut fields: Vec<(exif::Tag, String)> = exif
            .fields()
            .filter(|f| f.ifd_num == exif::In::PRIMARY)
            .map(|f| (f.tag, f.display_value().to_string()))
            .collect();
        fields.sort_by_key(|(tag, _)| tag.number());
        fields
    }

    fn orientation_of(jpeg: &[u8]) -> u32 {
        let exif = exif::Reader::new()
            .read_from_container(&mut Cursor::new(jpeg))
            .unwrap();
        exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|field| field.value.get_uint(0))
            .unwrap_or(1)
    }

    /// The entropy-coded image data: from the start of scan to the end.
    fn image_data(jpeg: &[u8]) -> &[u8] {
        let sos = jpeg.windows(2).position(|w| w == [0xFF, SOS]).unwrap();
        &jpeg[sos..]
    }

    fn turned_jpeg(jpeg: &[u8], turn: Turn) -> Vec<u8> {
        match upright_copy(jpeg, turn) {
            UprightCopy::Turned(bytes) => bytes,
            UprightCopy::AsFile(reason) => panic!("not turned: {reason}"),
        }
    }

    #[test]
    fn a_jpeg_with_an_orientation_has_that_number_changed_and_nothing_else() {
        const DATE: u16 = 0x0132;
        for big in [false, true] {
            let jpeg = jpeg_with(
                true,
                Some((big, &[(ORIENTATION_TAG, SHORT, 6), (DATE, 4, 0)])),
            );
            let turned = turned_jpeg(&jpeg, Turn::RIGHT);
            assert_eq!(turned.len(), jpeg.len());
            assert_eq!(orientation_of(&turned), 3, "big-endian: {big}");
            let differing = jpeg.iter().zip(&turned).filter(|(a, b)| a != b).count();
            assert_eq!(differing, 1);
        }
    }

    #[test]
    fn a_jpeg_without_an_orientation_gets_one_and_keeps_every_other_field() {
        const WIDTH: u16 = 0x0100;
        const SOFTWARE: u16 = 0x0131;
        for big in [false, true] {
            let jpeg = jpeg_with(false, Some((big, &[(WIDTH, LONG, 6), (SOFTWARE, LONG, 9)])));
            let before = read_exif(&jpeg);
            let turned = turned_jpeg(&jpeg, Turn::LEFT);
            assert_eq!(orientation_of(&turned), 8);
            let after: Vec<_> = read_exif(&turned)
                .into_iter()
                .filter(|(tag, _)| *tag != exif::Tag::Orientation)
                .collect();
            assert_eq!(after, before);
            assert_eq!(image_data(&turned), image_data(&jpeg));
        }
    }

    #[test]
    fn a_jpeg_without_exif_gets_a_block_after_its_jfif_header() {
        for jfif in [true, false] {
            let jpeg = jpeg_with(jfif, None);
            let turned = turned_jpeg(&jpeg, Turn::clockwise(2));
            assert_eq!(orientation_of(&turned), 3);
            assert_eq!(image_data(&turned), image_data(&jpeg));
            if jfif {
                assert_eq!(&turned[2..4], &[0xFF, APP0], "JFIF stays first");
            }
            // Decoders still read it, and the pixels are the original's.
            let a = image::load_from_memory(&jpeg).unwrap().to_rgb8();
            let b = image::load_from_memory(&turned).unwrap().to_rgb8();
            assert_eq!(a, b);
            // Turning the copy back gives orientation 1 again.
            assert_eq!(orientation_of(&turned_jpeg(&turned, Turn::clockwise(2))), 1);
        }
    }

    #[test]
    fn a_png_is_written_again_turned_with_its_exact_pixels() {
        let picture = telltale(5, 3);
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(picture.as_raw(), 5, 3, image::ExtendedColorType::Rgb8)
            .unwrap();
        let UprightCopy::Turned(turned) = upright_copy(&png, Turn::RIGHT) else {
            panic!("a PNG turns");
        };
        let shown = image::load_from_memory(&turned).unwrap().to_rgb8();
        assert_eq!(shown, Turn::RIGHT.image(picture));
    }

    /// A PNG's chunks in order, each checked against its CRC.
    fn png_chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
        assert!(png.starts_with(PNG_SIGNATURE));
        let mut chunks = Vec::new();
        let mut at = PNG_SIGNATURE.len();
        while at < png.len() {
            let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind: [u8; 4] = png[at + 4..at + 8].try_into().unwrap();
            let data = png[at + 8..at + 8 + length].to_vec();
            let crc =
                u32::from_be_bytes(png[at + 8 + length..at + 12 + length].try_into().unwrap());
            assert_eq!(
                crc,
                crc32fast::hash(&png[at + 4..at + 8 + length]),
                "{kind:?}"
            );
            chunks.push((kind, data));
            at += 12 + length;
        }
        chunks
    }

    #[test]
    fn a_turned_png_keeps_its_text_time_and_exif_with_the_orientation_it_now_has() {
        let picture = telltale(5, 3);
        let mut plain = Vec::new();
        image::codecs::png::PngEncoder::new(&mut plain)
            .write_image(picture.as_raw(), 5, 3, image::ExtendedColorType::Rgb8)
            .unwrap();
        let text: Vec<([u8; 4], Vec<u8>)> = vec![
            (*b"tEXt", b"Title\0At the beach".to_vec()),
            (*b"iTXt", b"Description\0\0\0en\0\0Grandma, 1968".to_vec()),
            (*b"tIME", vec![0x07, 0xB0, 8, 14, 12, 30, 0]),
        ];
        // Shown a quarter right by its EXIF block, which says more than that.
        let resolution_unit = (0x0128, SHORT, 2);
        let exif = tiff_with(false, &[(ORIENTATION_TAG, SHORT, 6), resolution_unit]);
        let mut carried = text.clone();
        carried.push((*b"eXIf", exif));
        let png = with_chunks(plain.clone(), &carried);

        let UprightCopy::Turned(turned) = upright_copy(&png, Turn::RIGHT) else {
            panic!("a PNG turns");
        };
        let chunks = png_chunks(&turned);
        for chunk in &text {
            assert!(chunks.contains(chunk), "{:?} kept", chunk.0);
        }
        // Its EXIF block stays, saying upright now that its pixels are: other apps show the
        // copy as Kindred does, with the rest of what the block said.
        let fields = read_exif(&turned);
        assert!(
            fields.contains(&(
                exif::Tag::Orientation,
                "row 0 at top and column 0 at left".into()
            )),
            "{fields:?}"
        );
        assert!(
            fields
                .iter()
                .any(|(tag, _)| *tag == exif::Tag::ResolutionUnit)
        );
        let shown = image::load_from_memory(&turned).unwrap().to_rgb8();
        assert_eq!(shown, Turn::RIGHT.image(oriented(&picture, 6)));

        // An EXIF block without an orientation goes over as it was.
        let exif = tiff_with(true, &[resolution_unit]);
        let png = with_chunks(plain, &[(*b"eXIf", exif.clone())]);
        let UprightCopy::Turned(turned) = upright_copy(&png, Turn::LEFT) else {
            panic!("a PNG turns");
        };
        assert!(png_chunks(&turned).contains(&(*b"eXIf", exif)));
    }

    #[test]
    fn a_tiff_is_turned_by_its_own_orientation_with_its_pixels_untouched() {
        let picture = telltale(5, 3);
        let mut tiff = Vec::new();
        DynamicImage::ImageRgb8(picture.clone())
            .write_to(&mut Cursor::new(&mut tiff), image::ImageFormat::Tiff)
            .unwrap();
        let shown = |bytes: &[u8]| {
            let photo = crate::library::decode::decode_photo(bytes).unwrap();
            photo.image
        };
        let UprightCopy::Turned(turned) = upright_copy(&tiff, Turn::RIGHT) else {
            panic!("a TIFF turns");
        };
        assert_eq!(shown(&turned), Turn::RIGHT.image(picture.clone()));
        // Nothing moved: the file's bytes are all there, past the header's pointer to the
        // first IFD, which is now a copy of it with the orientation, at the end.
        assert_eq!(turned[..4], tiff[..4]);
        assert_eq!(turned[8..tiff.len()], tiff[8..]);
        // Turned again, the copy's orientation is changed where it is.
        let UprightCopy::Turned(again) = upright_copy(&turned, Turn::clockwise(2)) else {
            panic!("a TIFF turns");
        };
        assert_eq!(again.len(), turned.len());
        assert_eq!(shown(&again), Turn::LEFT.image(picture));
        assert!(turns_by_orientation(&tiff));
    }

    #[test]
    fn other_formats_and_broken_jpegs_are_left_as_they_are_with_a_reason() {
        let mut gif = Vec::new();
        DynamicImage::ImageRgb8(telltale(4, 4))
            .write_to(&mut Cursor::new(&mut gif), image::ImageFormat::Gif)
            .unwrap();
        assert_eq!(
            upright_copy(&gif, Turn::RIGHT),
            UprightCopy::AsFile("only JPEG, PNG and TIFF copies can be turned".into())
        );
        let jpeg = jpeg_with(true, None);
        let UprightCopy::AsFile(reason) = upright_copy(&jpeg[..10], Turn::RIGHT) else {
            panic!("a JPEG cut short is not turned");
        };
        assert!(reason.contains("JPEG"), "{reason}");
        // An EXIF block whose IFD points past its end.
        let mut broken = jpeg_with(true, Some((false, &[(ORIENTATION_TAG, SHORT, 1)])));
        let tiff_start = broken.windows(6).position(|w| w == EXIF_HEADER).unwrap() + 6;
        broken[tiff_start + 4] = 0xF0;
        assert!(matches!(
            upright_copy(&broken, Turn::RIGHT),
            UprightCopy::AsFile(_)
        ));
    }
}
