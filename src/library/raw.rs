//! Camera RAW files, read through the JPEG the camera embedded in them. Every RAW format keeps
//! a JPEG rendering of the shot (for the camera's own screen), usually at full size or near
//! it; faces are found on that rendering, so a RAW-only collection is analysed without
//! developing the sensor data. This module recognises RAW files by their content, finds their
//! largest baseline or progressive JPEG, and reads the orientation, date and camera that the
//! RAW container records (the embedded JPEG is stored as the sensor saw the scene).

use std::collections::HashSet;

/// A RAW preview shorter than this on its longer side is a thumbnail (160×120 to 320×240):
/// too small to find faces in, so the file is reported rather than analysed on it.
pub const MIN_PREVIEW_SIDE: u32 = 400;

/// The JPEG inside a RAW file and what the RAW container says about the photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPreview<'a> {
    /// The RAW format's usual name ("NEF", "CR3", …), for messages.
    pub format: &'static str,
    /// The embedded JPEG, from its start-of-image to its end-of-image marker.
    pub jpeg: &'a [u8],
    /// The embedded JPEG's stored size.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8 from the RAW container, if it records one.
    pub orientation: Option<u16>,
    /// DateTimeOriginal (or DateTime) as the raw EXIF text "YYYY:MM:DD HH:MM:SS".
    pub taken_at: Option<Vec<u8>>,
    pub make: Option<String>,
    pub model: Option<String>,
}

/// Why a RAW file gives no photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawError {
    #[error(
        "camera RAW file ({format}) without an embedded JPEG: Kindred reads the camera's own JPEG rendering in RAW files"
    )]
    NoPreview { format: &'static str },
    #[error(
        "camera RAW file ({format}) whose embedded JPEG is only a {width}×{height} thumbnail, too small to find faces in"
    )]
    OnlyThumbnail {
        format: &'static str,
        width: u32,
        height: u32,
    },
}

impl RawError {
    /// The RAW format of the file the error is about.
    pub fn format(&self) -> &'static str {
        match self {
            RawError::NoPreview { format } | RawError::OnlyThumbnail { format, .. } => format,
        }
    }
}

/// The RAW format of some bytes, or `None` if they are not a camera RAW file. Plain TIFF
/// images are not RAW files: TIFF-structured files count as RAW only when they say so (a DNG
/// version, Canon's CR2 mark) or hold what no plain TIFF holds (sub-images, sensor data in a
/// camera maker's compression).
pub fn raw_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"FUJIFILMCCD-RAW") {
        return Some("RAF");
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && &bytes[8..12] == b"crx " {
        return Some("CR3");
    }
    let tiff = Tiff::new(bytes)?;
    match tiff.magic {
        0x4F52 | 0x5352 => return Some("ORF"),
        0x55 => return Some("RW2"),
        _ => {}
    }
    if bytes.get(8..10) == Some(b"CR") {
        return Some("CR2");
    }
    let ifd0 = tiff.ifd(tiff.first_ifd)?;
    if ifd0.find(tag::DNG_VERSION).is_some() {
        return Some("DNG");
    }
    let plain_compression = |c: u32| matches!(c, 1 | 5 | 7 | 8 | 32773 | 32946);
    let camera_made = ifd0.find(tag::SUB_IFDS).is_some()
        || ifd0
            .uint(&tiff, tag::COMPRESSION)
            .is_some_and(|c| !plain_compression(c));
    if !camera_made {
        return None;
    }
    let make = ifd0.text(&tiff, tag::MAKE).unwrap_or_default();
    let make = make.to_ascii_uppercase();
    Some(
        [
            ("NIKON", "NEF"),
            ("SONY", "ARW"),
            ("PENTAX", "PEF"),
            ("RICOH", "PEF"),
            ("SAMSUNG", "SRW"),
            ("HASSELBLAD", "3FR"),
            ("PHASE ONE", "IIQ"),
            ("LEAF", "MOS"),
            ("KODAK", "DCR"),
            ("EPSON", "ERF"),
            ("MAMIYA", "MEF"),
            ("LEICA", "RWL"),
        ]
        .iter()
        .find(|(maker, _)| make.starts_with(maker))
        .map_or("RAW", |(_, format)| format),
    )
}

/// The largest JPEG a RAW file holds, with the photo's metadata from the RAW container.
/// Returns `None` if the bytes are not a RAW file (see [`raw_format`]).
pub fn embedded_preview(bytes: &[u8]) -> Option<Result<RawPreview<'_>, RawError>> {
    let format = raw_format(bytes)?;
    let mut metadata = Metadata::default();
    let mut candidates = Vec::new();
    match format {
        "RAF" => raf_candidates(bytes, &mut candidates),
        "CR3" => cr3_contents(bytes, &mut candidates, &mut metadata),
        _ => {
            if let Some(tiff) = Tiff::new(bytes) {
                tiff_contents(&tiff, &mut candidates, &mut metadata);
            }
        }
    }
    let mut jpegs: Vec<Jpeg> = candidates
        .iter()
        .filter_map(|&start| jpeg_at(bytes, start))
        .collect();
    if !jpegs.iter().any(Jpeg::large_enough) {
        // Previews kept in maker notes (Olympus, Nikon's second preview, Pentax) are not
        // reached by the standard structure; their JPEG markers are.
        jpegs.extend(scanned_jpegs(bytes));
    }
    let best = jpegs.into_iter().max_by_key(|j| {
        (
            u64::from(j.width) * u64::from(j.height),
            std::cmp::Reverse(j.start),
        )
    });
    Some(match best {
        None => Err(RawError::NoPreview { format }),
        Some(j) if !j.large_enough() => Err(RawError::OnlyThumbnail {
            format,
            width: j.width,
            height: j.height,
        }),
        Some(j) => Ok(RawPreview {
            format,
            jpeg: &bytes[j.start..j.end],
            width: j.width,
            height: j.height,
            orientation: metadata.orientation,
            taken_at: metadata.taken_at,
            make: metadata.make,
            model: metadata.model,
        }),
    })
}

/// The XMP packet a RAW or TIFF file keeps inside it (IFD0's XMP tag; CR3's XMP box), where
/// apps that tag faces write them. `None` if the bytes are neither or hold no packet.
pub fn xmp_packet(bytes: &[u8]) -> Option<&[u8]> {
    if raw_format(bytes) == Some("CR3") {
        // The UUID within the box's own payload: a box too short to hold one is not it.
        let packet = boxes_in(bytes, 0..bytes.len()).into_iter().find(|b| {
            &b.kind == b"uuid"
                && b.payload.len() >= 16
                && bytes.get(b.payload.start..b.payload.start + 16) == Some(&XMP_UUID[..])
        })?;
        return bytes.get(packet.payload.start + 16..packet.payload.end);
    }
    let tiff = Tiff::new(bytes)?;
    let (start, len) = tiff
        .ifd(tiff.first_ifd)?
        .find(tag::XMP)
        .filter(|e| matches!(e.kind, 1 | 7))?
        .data(&tiff)?;
    Some(&bytes[start..start + len])
}

/// The ISO-BMFF box type of XMP metadata.
const XMP_UUID: [u8; 16] = [
    0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8, 0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac,
];

/// TIFF tags this module reads.
mod tag {
    pub const COMPRESSION: u16 = 0x0103;
    pub const MAKE: u16 = 0x010F;
    pub const MODEL: u16 = 0x0110;
    pub const STRIP_OFFSETS: u16 = 0x0111;
    pub const ORIENTATION: u16 = 0x0112;
    pub const STRIP_BYTE_COUNTS: u16 = 0x0117;
    pub const DATE_TIME: u16 = 0x0132;
    pub const SUB_IFDS: u16 = 0x014A;
    pub const JPEG_OFFSET: u16 = 0x0201;
    pub const XMP: u16 = 0x02BC;
    pub const EXIF_IFD: u16 = 0x8769;
    pub const DATE_TIME_ORIGINAL: u16 = 0x9003;
    pub const DNG_VERSION: u16 = 0xC612;
    /// Panasonic RW2: the embedded JPEG itself, as the tag's value.
    pub const PANASONIC_JPEG: u16 = 0x002E;
}

#[derive(Debug, Default)]
struct Metadata {
    orientation: Option<u16>,
    taken_at: Option<Vec<u8>>,
    make: Option<String>,
    model: Option<String>,
}

impl Metadata {
    /// Takes what an IFD0 says (values already found win: IFD0 comes first).
    fn read_ifd0(&mut self, tiff: &Tiff, ifd: &Ifd) {
        self.orientation = self.orientation.or_else(|| {
            ifd.uint(tiff, tag::ORIENTATION)
                .filter(|o| (1..=8).contains(o))
                .map(|o| o as u16)
        });
        self.make = self.make.take().or_else(|| ifd.text(tiff, tag::MAKE));
        self.model = self.model.take().or_else(|| ifd.text(tiff, tag::MODEL));
        let exif = ifd
            .uint(tiff, tag::EXIF_IFD)
            .and_then(|offset| tiff.ifd(offset as usize));
        let original = exif.and_then(|exif| exif.raw_text(tiff, tag::DATE_TIME_ORIGINAL));
        self.taken_at = self
            .taken_at
            .take()
            .or(original)
            .or_else(|| ifd.raw_text(tiff, tag::DATE_TIME));
    }
}

/// A TIFF structure (RAW files of most makers are one, some with their own magic number).
struct Tiff<'a> {
    bytes: &'a [u8],
    little_endian: bool,
    magic: u16,
    first_ifd: usize,
}

/// Most IFDs and entries read from one file: a damaged or hostile file cannot make the
/// reader loop or allocate without bound.
const MAX_IFDS: usize = 64;
const MAX_ENTRIES: usize = 1000;

impl<'a> Tiff<'a> {
    fn new(bytes: &'a [u8]) -> Option<Self> {
        let little_endian = match bytes.get(0..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let mut tiff = Tiff {
            bytes,
            little_endian,
            magic: 0,
            first_ifd: 0,
        };
        tiff.magic = tiff.u16_at(2)?;
        if !matches!(tiff.magic, 42 | 0x55 | 0x4F52 | 0x5352) {
            return None;
        }
        tiff.first_ifd = tiff.u32_at(4)? as usize;
        Some(tiff)
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn ifd(&self, offset: usize) -> Option<Ifd> {
        let count = usize::from(self.u16_at(offset)?);
        if count == 0 || count > MAX_ENTRIES {
            return None;
        }
        let entries = (0..count)
            .map(|i| {
                let at = offset + 2 + i * 12;
                Some(Entry {
                    tag: self.u16_at(at)?,
                    kind: self.u16_at(at + 2)?,
                    count: self.u32_at(at + 4)?,
                    value_at: at + 8,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let next = self.u32_at(offset + 2 + count * 12).unwrap_or(0) as usize;
        Some(Ifd { entries, next })
    }
}

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// Where the value is, or (when longer than 4 bytes) the offset to it.
    value_at: usize,
}

impl Entry {
    fn unit_size(&self) -> usize {
        match self.kind {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 => 8,
            _ => 0,
        }
    }

    /// Where the value's bytes are and how many there are.
    fn data(&self, tiff: &Tiff) -> Option<(usize, usize)> {
        let len = self.unit_size().checked_mul(self.count as usize)?;
        let start = if len <= 4 {
            self.value_at
        } else {
            tiff.u32_at(self.value_at)? as usize
        };
        (start.checked_add(len)? <= tiff.bytes.len()).then_some((start, len))
    }

    /// The entry's unsigned integer values (SHORT, LONG or IFD).
    fn uints(&self, tiff: &Tiff) -> Option<Vec<u32>> {
        let (start, len) = self.data(tiff)?;
        let size = self.unit_size();
        (0..len / size.max(1))
            .map(|i| match self.kind {
                3 => tiff.u16_at(start + i * 2).map(u32::from),
                4 | 13 => tiff.u32_at(start + i * 4),
                _ => None,
            })
            .collect()
    }
}

struct Ifd {
    entries: Vec<Entry>,
    next: usize,
}

impl Ifd {
    fn find(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    fn uints(&self, tiff: &Tiff, tag: u16) -> Option<Vec<u32>> {
        self.find(tag)?.uints(tiff)
    }

    fn uint(&self, tiff: &Tiff, tag: u16) -> Option<u32> {
        self.uints(tiff, tag)?.first().copied()
    }

    /// An ASCII value's bytes, up to its first NUL.
    fn raw_text(&self, tiff: &Tiff, tag: u16) -> Option<Vec<u8>> {
        let entry = self.find(tag).filter(|e| e.kind == 2)?;
        let (start, len) = entry.data(tiff)?;
        let text = &tiff.bytes[start..start + len];
        let text = text.split(|&b| b == 0).next().unwrap_or_default();
        (!text.is_empty()).then(|| text.to_vec())
    }

    fn text(&self, tiff: &Tiff, tag: u16) -> Option<String> {
        let text = String::from_utf8_lossy(&self.raw_text(tiff, tag)?)
            .trim()
            .to_string();
        (!text.is_empty()).then_some(text)
    }
}

/// Offsets where the IFDs of a TIFF-structured RAW file say a JPEG starts, and the photo's
/// metadata from IFD0. Follows the IFD chain and sub-IFDs.
fn tiff_contents(tiff: &Tiff, candidates: &mut Vec<usize>, metadata: &mut Metadata) {
    let mut pending = vec![tiff.first_ifd];
    let mut seen = HashSet::new();
    let mut first = true;
    while let Some(offset) = pending.pop() {
        if offset == 0 || seen.len() >= MAX_IFDS || !seen.insert(offset) {
            continue;
        }
        let Some(ifd) = tiff.ifd(offset) else {
            continue;
        };
        if first {
            metadata.read_ifd0(tiff, &ifd);
            first = false;
        }
        if let Some(start) = ifd.uint(tiff, tag::JPEG_OFFSET) {
            candidates.push(start as usize);
        }
        // A JPEG stored as the IFD's only strip (Canon's CR2 preview, DNG previews); raw sensor
        // data in lossless JPEG looks the same and is told apart by its frame type later.
        let strips = ifd.uints(tiff, tag::STRIP_OFFSETS).unwrap_or_default();
        let counts = ifd.uints(tiff, tag::STRIP_BYTE_COUNTS).unwrap_or_default();
        let jpeg_compressed = ifd
            .uint(tiff, tag::COMPRESSION)
            .is_some_and(|c| matches!(c, 6 | 7 | 99 | 34892));
        if jpeg_compressed && strips.len() == 1 && counts.len() == 1 {
            candidates.push(strips[0] as usize);
        }
        if let Some((start, _)) = ifd
            .find(tag::PANASONIC_JPEG)
            .filter(|e| e.kind == 7)
            .and_then(|e| e.data(tiff))
        {
            candidates.push(start);
        }
        pending.push(ifd.next);
        if let Some(subs) = ifd.uints(tiff, tag::SUB_IFDS) {
            pending.extend(subs.iter().take(MAX_IFDS).map(|&o| o as usize));
        }
    }
}

/// Fujifilm RAF: a fixed header points at the embedded JPEG (which carries the EXIF).
fn raf_candidates(bytes: &[u8], candidates: &mut Vec<usize>) {
    let Some(offset) = bytes.get(84..88) else {
        return;
    };
    candidates.push(u32::from_be_bytes(offset.try_into().unwrap_or_default()) as usize);
}

/// A box of an ISO base media file (Canon CR3): its type and the range of its payload.
struct MediaBox {
    kind: [u8; 4],
    payload: std::ops::Range<usize>,
}

/// The boxes in `bytes[range]`, in order; stops at the first malformed one.
fn boxes_in(bytes: &[u8], range: std::ops::Range<usize>) -> Vec<MediaBox> {
    let mut found = Vec::new();
    let mut at = range.start;
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    while at + 8 <= range.end && found.len() < 4096 {
        let Some(size) = be32(at) else { break };
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap_or_default();
        let (header, size) = match size {
            0 => (8, range.end - at),
            1 => match bytes.get(at + 8..at + 16) {
                Some(large) => (
                    16,
                    u64::from_be_bytes(large.try_into().unwrap_or_default()) as usize,
                ),
                None => break,
            },
            n => (8, n as usize),
        };
        let Some(end) = at
            .checked_add(size)
            .filter(|&e| e <= range.end && size >= header)
        else {
            break;
        };
        found.push(MediaBox {
            kind,
            payload: at + header..end,
        });
        at = end;
    }
    found
}

/// Canon's metadata box inside `moov`, holding the TIFF-structured CMT1 (IFD0) and CMT2 (EXIF).
const CANON_METADATA_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];

/// Canon CR3: the first sample of each track (track 1 is a full-size JPEG), and the metadata
/// in Canon's TIFF-structured CMT boxes. Smaller previews (Canon's PRVW box) are found by
/// the marker scan if need be.
fn cr3_contents(bytes: &[u8], candidates: &mut Vec<usize>, metadata: &mut Metadata) {
    let Some(moov) = boxes_in(bytes, 0..bytes.len())
        .into_iter()
        .find(|b| &b.kind == b"moov")
    else {
        return;
    };
    for child in boxes_in(bytes, moov.payload) {
        match &child.kind {
            b"uuid"
                if bytes.get(child.payload.start..child.payload.start + 16)
                    == Some(&CANON_METADATA_UUID[..]) =>
            {
                let inner = child.payload.start + 16..child.payload.end;
                for cmt in boxes_in(bytes, inner) {
                    let Some(tiff) = Tiff::new(&bytes[cmt.payload.clone()]) else {
                        continue;
                    };
                    let Some(ifd) = tiff.ifd(tiff.first_ifd) else {
                        continue;
                    };
                    match &cmt.kind {
                        b"CMT1" => metadata.read_ifd0(&tiff, &ifd),
                        b"CMT2" => {
                            // The date taken, when given, over CMT1's date of the file.
                            metadata.taken_at = ifd
                                .raw_text(&tiff, tag::DATE_TIME_ORIGINAL)
                                .or(metadata.taken_at.take());
                        }
                        _ => {}
                    }
                }
            }
            b"trak" => candidates.extend(first_sample_of_track(bytes, child.payload)),
            _ => {}
        }
    }
}

/// Where the first sample of an ISO-BMFF track starts (its chunk offset table's first entry).
fn first_sample_of_track(bytes: &[u8], trak: std::ops::Range<usize>) -> Option<usize> {
    let mut range = trak;
    for container in [b"mdia", b"minf", b"stbl"] {
        range = boxes_in(bytes, range)
            .into_iter()
            .find(|b| &b.kind == container)?
            .payload;
    }
    let table = boxes_in(bytes, range)
        .into_iter()
        .find(|b| &b.kind == b"co64" || &b.kind == b"stco")?;
    // Version and flags (4 bytes), entry count (4), then the offsets.
    let first = table.payload.start + 8;
    if &table.kind == b"co64" {
        let b = bytes.get(first..first + 8)?;
        Some(u64::from_be_bytes(b.try_into().ok()?) as usize)
    } else {
        let b = bytes.get(first..first + 4)?;
        Some(u32::from_be_bytes(b.try_into().ok()?) as usize)
    }
}

/// A complete baseline or progressive JPEG found inside a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Jpeg {
    start: usize,
    end: usize,
    width: u32,
    height: u32,
}

impl Jpeg {
    fn large_enough(&self) -> bool {
        self.width.max(self.height) >= MIN_PREVIEW_SIDE
    }
}

/// The JPEG starting at `start`, if a complete baseline or progressive one does: its markers
/// are walked to the end-of-image, so the range is exact whatever length a tag claimed. Raw
/// sensor data in lossless JPEG (DNG, CR2) and arithmetic-coded frames are refused.
fn jpeg_at(bytes: &[u8], start: usize) -> Option<Jpeg> {
    let data = bytes.get(start..)?;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let segment_len = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes(
            data.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let mut size = None;
    let mut at = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while data.get(at) == Some(&0xFF) && data.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if data.get(at) != Some(&0xFF) {
            return None;
        }
        let marker = *data.get(at + 1)?;
        match marker {
            0xD9 => {
                let (width, height) = size?;
                return Some(Jpeg {
                    start,
                    end: start + at + 2,
                    width,
                    height,
                });
            }
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD8 | 0x00 => return None,
            0xDA => {
                size?;
                at += 2 + segment_len(at + 2)?;
                // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or
                // a restart marker.
                loop {
                    let next = data.get(at..)?.iter().position(|&b| b == 0xFF)?;
                    at += next;
                    match *data.get(at + 1)? {
                        0x00 | 0xD0..=0xD7 | 0xFF => at += 1,
                        _ => break,
                    }
                }
            }
            _ => {
                let len = segment_len(at + 2)?;
                if len < 2 {
                    return None;
                }
                match marker {
                    0xC0..=0xC2 => {
                        let height = u32::from(u16::from_be_bytes(
                            data.get(at + 5..at + 7)?.try_into().ok()?,
                        ));
                        let width = u32::from(u16::from_be_bytes(
                            data.get(at + 7..at + 9)?.try_into().ok()?,
                        ));
                        if width == 0 || height == 0 || size.is_some() {
                            return None;
                        }
                        size = Some((width, height));
                    }
                    // Lossless, hierarchical and arithmetic-coded frames.
                    0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
                    _ => {}
                }
                at += 2 + len;
            }
        }
    }
}

/// JPEGs found by their start-of-image markers (at most a few dozen tried), for previews that
/// the file's structure does not point at in a way this module reads.
fn scanned_jpegs(bytes: &[u8]) -> Vec<Jpeg> {
    let mut found = Vec::new();
    let mut at = 0;
    let mut tried = 0;
    while tried < 32 {
        let Some(next) = bytes
            .get(at..)
            .and_then(|rest| rest.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF]))
        else {
            break;
        };
        tried += 1;
        let start = at + next;
        match jpeg_at(bytes, start) {
            Some(jpeg) => {
                at = jpeg.end;
                found.push(jpeg);
            }
            None => at = start + 2,
        }
    }
    found
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A baseline JPEG of `width`×`height` (a gradient, so it is not all one colour).
    pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&image)
            .unwrap();
        out
    }

    /// The frame of a lossless JPEG, as DNG and CR2 files keep their sensor data in.
    fn lossless_jpeg() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        // SOF3: length 11, precision 14, 3000×2000, one component.
        out.extend([0xFF, 0xC3, 0, 11, 14, 0x07, 0xD0, 0x0B, 0xB8, 1, 1, 0x11, 0]);
        out.extend([0xFF, 0xDA, 0, 8, 1, 1, 0, 1, 0, 0]);
        out.extend([0x12, 0x34, 0xFF, 0x00, 0x56]);
        out.extend([0xFF, 0xD9]);
        out
    }

    pub(crate) enum Value {
        Short(Vec<u16>),
        Long(Vec<u32>),
        Ascii(&'static str),
        Undefined(Vec<u8>),
    }

    /// Writes TIFF structures the way cameras lay them out: data first, IFDs after it.
    pub(crate) struct TiffWriter {
        little_endian: bool,
        out: Vec<u8>,
    }

    impl TiffWriter {
        pub(crate) fn new(little_endian: bool, magic: u16, extra_header: &[u8]) -> Self {
            let mut writer = TiffWriter {
                little_endian,
                out: if little_endian {
                    b"II".to_vec()
                } else {
                    b"MM".to_vec()
                },
            };
            writer.u16(magic);
            writer.u32(0); // IFD0's offset, set by `finish`
            writer.out.extend(extra_header);
            writer
        }

        fn u16(&mut self, v: u16) {
            let b = if self.little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            self.out.extend(b);
        }

        fn u32(&mut self, v: u32) {
            let b = if self.little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            self.out.extend(b);
        }

        /// Appends bytes; returns their offset.
        fn blob(&mut self, bytes: &[u8]) -> u32 {
            let at = self.out.len() as u32;
            self.out.extend(bytes);
            at
        }

        /// Appends an IFD; returns its offset.
        pub(crate) fn ifd(&mut self, entries: &[(u16, Value)], next: u32) -> u32 {
            let mut encoded = Vec::new();
            for (tag, value) in entries {
                let mut data = TiffWriter {
                    little_endian: self.little_endian,
                    out: Vec::new(),
                };
                let (kind, count) = match value {
                    Value::Short(v) => {
                        v.iter().for_each(|&x| data.u16(x));
                        (3, v.len())
                    }
                    Value::Long(v) => {
                        v.iter().for_each(|&x| data.u32(x));
                        (4, v.len())
                    }
                    Value::Ascii(text) => {
                        data.out.extend(text.as_bytes());
                        data.out.push(0);
                        (2, text.len() + 1)
                    }
                    Value::Undefined(bytes) => {
                        data.out.extend(bytes);
                        (7, bytes.len())
                    }
                };
                let mut field = data.out;
                if field.len() > 4 {
                    let at = self.blob(&field);
                    let mut pointer = TiffWriter {
                        little_endian: self.little_endian,
                        out: Vec::new(),
                    };
                    pointer.u32(at);
                    field = pointer.out;
                }
                field.resize(4, 0);
                encoded.push((*tag, kind, count as u32, field));
            }
            let at = self.out.len() as u32;
            self.u16(encoded.len() as u16);
            for (tag, kind, count, field) in encoded {
                self.u16(tag);
                self.u16(kind);
                self.u32(count);
                self.out.extend(field);
            }
            self.u32(next);
            at
        }

        pub(crate) fn finish(mut self, first_ifd: u32) -> Vec<u8> {
            let mut pointer = TiffWriter {
                little_endian: self.little_endian,
                out: Vec::new(),
            };
            pointer.u32(first_ifd);
            self.out[4..8].copy_from_slice(&pointer.out);
            self.out
        }
    }

    /// A Nikon-style NEF (big-endian): IFD0 a small uncompressed thumbnail with the camera's
    /// metadata, the JPEG in a sub-IFD, sensor data in another.
    pub(crate) fn nef(preview: &[u8], orientation: u16) -> Vec<u8> {
        let mut w = TiffWriter::new(false, 42, &[]);
        let jpeg_at = w.blob(preview);
        let raw_at = w.blob(&[0x5A; 64]);
        let sub_jpeg = w.ifd(
            &[
                (tag::COMPRESSION, Value::Short(vec![6])),
                (tag::JPEG_OFFSET, Value::Long(vec![jpeg_at])),
                (0x0202, Value::Long(vec![preview.len() as u32])),
            ],
            0,
        );
        let sub_raw = w.ifd(
            &[
                (tag::COMPRESSION, Value::Short(vec![34713])),
                (tag::STRIP_OFFSETS, Value::Long(vec![raw_at])),
                (tag::STRIP_BYTE_COUNTS, Value::Long(vec![64])),
            ],
            0,
        );
        let exif = w.ifd(
            &[(tag::DATE_TIME_ORIGINAL, Value::Ascii("2021:07:04 18:30:05"))],
            0,
        );
        let ifd0 = w.ifd(
            &[
                (0x00FE, Value::Long(vec![1])),
                (tag::COMPRESSION, Value::Short(vec![1])),
                (tag::MAKE, Value::Ascii("NIKON CORPORATION")),
                (tag::MODEL, Value::Ascii("NIKON Z 6")),
                (tag::ORIENTATION, Value::Short(vec![orientation])),
                (tag::DATE_TIME, Value::Ascii("2021:07:05 09:00:00")),
                (tag::SUB_IFDS, Value::Long(vec![sub_jpeg, sub_raw])),
                (tag::EXIF_IFD, Value::Long(vec![exif])),
            ],
            0,
        );
        w.finish(ifd0)
    }

    fn found(bytes: &[u8]) -> RawPreview<'_> {
        embedded_preview(bytes)
            .expect("a RAW file")
            .expect("a preview")
    }

    #[test]
    fn a_nef_gives_its_embedded_jpeg_and_the_containers_metadata() {
        let preview = jpeg(600, 400);
        let file = nef(&preview, 8);
        assert_eq!(raw_format(&file), Some("NEF"));
        let p = found(&file);
        assert_eq!(p.jpeg, &preview[..]);
        assert_eq!((p.width, p.height, p.orientation), (600, 400, Some(8)));
        assert_eq!(p.taken_at.as_deref(), Some(&b"2021:07:04 18:30:05"[..]));
        assert_eq!(p.make.as_deref(), Some("NIKON CORPORATION"));
        assert_eq!(p.model.as_deref(), Some("NIKON Z 6"));
    }

    #[test]
    fn a_cr2_gives_its_largest_jpeg_not_the_thumbnail() {
        let (thumb, large) = (jpeg(160, 120), jpeg(720, 480));
        let mut w = TiffWriter::new(true, 42, b"CR\x02\x00\x00\x00\x00\x00");
        let thumb_at = w.blob(&thumb);
        let large_at = w.blob(&large);
        let lossless_at = w.blob(&lossless_jpeg());
        let ifd3 = w.ifd(
            &[
                (tag::COMPRESSION, Value::Short(vec![6])),
                (tag::STRIP_OFFSETS, Value::Long(vec![lossless_at])),
                (tag::STRIP_BYTE_COUNTS, Value::Long(vec![30])),
            ],
            0,
        );
        let ifd1 = w.ifd(
            &[
                (tag::JPEG_OFFSET, Value::Long(vec![thumb_at])),
                (0x0202, Value::Long(vec![thumb.len() as u32])),
            ],
            ifd3,
        );
        let ifd0 = w.ifd(
            &[
                (tag::COMPRESSION, Value::Short(vec![6])),
                (tag::MAKE, Value::Ascii("Canon")),
                (tag::MODEL, Value::Ascii("Canon EOS 5D Mark IV")),
                (tag::STRIP_OFFSETS, Value::Long(vec![large_at])),
                // Cameras are not always right about lengths: the markers decide.
                (tag::STRIP_BYTE_COUNTS, Value::Long(vec![12])),
            ],
            ifd1,
        );
        let file = w.finish(ifd0);
        assert_eq!(raw_format(&file), Some("CR2"));
        let p = found(&file);
        assert_eq!(p.jpeg, &large[..]);
        assert_eq!((p.orientation, p.taken_at), (None, None));
    }

    #[test]
    fn a_dng_preview_is_told_apart_from_its_lossless_sensor_data() {
        let preview = jpeg(1024, 683);
        let mut w = TiffWriter::new(true, 42, &[]);
        let raw_at = w.blob(&lossless_jpeg());
        let preview_at = w.blob(&preview);
        let raw = w.ifd(
            &[
                (tag::COMPRESSION, Value::Short(vec![7])),
                (tag::STRIP_OFFSETS, Value::Long(vec![raw_at])),
                (tag::STRIP_BYTE_COUNTS, Value::Long(vec![30])),
            ],
            0,
        );
        let shown = w.ifd(
            &[
                (tag::COMPRESSION, Value::Short(vec![7])),
                (tag::STRIP_OFFSETS, Value::Long(vec![preview_at])),
                (
                    tag::STRIP_BYTE_COUNTS,
                    Value::Long(vec![preview.len() as u32]),
                ),
            ],
            0,
        );
        let ifd0 = w.ifd(
            &[
                (tag::ORIENTATION, Value::Short(vec![3])),
                (tag::SUB_IFDS, Value::Long(vec![raw, shown])),
                (tag::DNG_VERSION, Value::Undefined(vec![1, 4, 0, 0])),
            ],
            0,
        );
        let file = w.finish(ifd0);
        assert_eq!(raw_format(&file), Some("DNG"));
        let p = found(&file);
        assert_eq!((p.jpeg, p.orientation), (&preview[..], Some(3)));
    }

    #[test]
    fn panasonic_and_olympus_files_are_read_despite_their_own_magic_numbers() {
        let preview = jpeg(640, 480);
        // RW2: the JPEG is the value of a tag of IFD0.
        let mut w = TiffWriter::new(true, 0x55, &[]);
        let ifd0 = w.ifd(
            &[
                (tag::PANASONIC_JPEG, Value::Undefined(preview.clone())),
                (tag::ORIENTATION, Value::Short(vec![6])),
            ],
            0,
        );
        let rw2 = w.finish(ifd0);
        assert_eq!(raw_format(&rw2), Some("RW2"));
        assert_eq!(found(&rw2).jpeg, &preview[..]);
        assert_eq!(found(&rw2).orientation, Some(6));

        // ORF: the preview sits in the maker note, which the marker scan finds; an EXIF
        // thumbnail inside the preview is not a second candidate.
        let mut w = TiffWriter::new(true, 0x4F52, &[]);
        w.blob(&[0xFF, 0xD8, 0xFF, 0x00, 0x17]); // a false start
        w.blob(&jpeg(160, 120));
        w.blob(&preview);
        let ifd0 = w.ifd(&[(tag::MAKE, Value::Ascii("OM Digital Solutions"))], 0);
        let orf = w.finish(ifd0);
        assert_eq!(raw_format(&orf), Some("ORF"));
        assert_eq!(found(&orf).jpeg, &preview[..]);
        assert_eq!(found(&orf).make.as_deref(), Some("OM Digital Solutions"));
    }

    /// Regression: a CR3 whose `uuid` box was shorter than a UUID, followed by bytes that
    /// spell XMP's, panicked the scan while it read names (a slice ending before it began).
    #[test]
    fn a_cr3_box_too_short_for_its_uuid_holds_no_xmp() {
        let media_box = |kind: &[u8; 4], payload: &[u8]| {
            let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
            b.extend(kind);
            b.extend(payload);
            b
        };
        let ftyp = media_box(b"ftyp", b"crx \x00\x00\x00\x01crx isom");
        let short = media_box(b"uuid", &XMP_UUID[..8]);
        let cr3 = [ftyp, short, XMP_UUID[8..].to_vec()].concat();
        assert_eq!(raw_format(&cr3), Some("CR3"));
        assert_eq!(xmp_packet(&cr3), None);
        // A real one is read.
        let packet = b"<x:xmpmeta/>";
        let whole = [
            media_box(b"ftyp", b"crx \x00\x00\x00\x01crx isom"),
            media_box(b"uuid", &[&XMP_UUID[..], packet].concat()),
        ]
        .concat();
        assert_eq!(xmp_packet(&whole), Some(&packet[..]));
    }

    #[test]
    fn fujifilm_and_canon_cr3_files_are_read() {
        let preview = jpeg(800, 533);
        let mut raf = b"FUJIFILMCCD-RAW 0201FF383501".to_vec();
        raf.resize(84, 0);
        raf.extend(100u32.to_be_bytes());
        raf.extend((preview.len() as u32).to_be_bytes());
        raf.resize(100, 0);
        raf.extend(&preview);
        raf.extend([0u8; 50]);
        assert_eq!(raw_format(&raf), Some("RAF"));
        assert_eq!(found(&raf).jpeg, &preview[..]);

        let media_box = |kind: &[u8; 4], payload: &[u8]| {
            let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
            b.extend(kind);
            b.extend(payload);
            b
        };
        let mut cmt1 = TiffWriter::new(true, 42, &[]);
        let ifd0 = cmt1.ifd(
            &[
                (tag::MAKE, Value::Ascii("Canon")),
                (tag::MODEL, Value::Ascii("Canon EOS R5")),
                (tag::ORIENTATION, Value::Short(vec![6])),
                (tag::DATE_TIME, Value::Ascii("2023:01:09 10:00:00")),
            ],
            0,
        );
        let cmt1 = cmt1.finish(ifd0);
        let cr3_with_exif = |exif: &[(u16, Value)]| {
            let mut cmt2 = TiffWriter::new(true, 42, &[]);
            let ifd0 = cmt2.ifd(exif, 0);
            let cmt2 = cmt2.finish(ifd0);
            let mut canon = CANON_METADATA_UUID.to_vec();
            canon.extend(media_box(b"CMT1", &cmt1));
            canon.extend(media_box(b"CMT2", &cmt2));
            let ftyp = media_box(b"ftyp", b"crx \x00\x00\x00\x01crx isom");
            // The track's chunk offset table points into mdat, which follows moov; moov's size
            // does not depend on the offset's value.
            let track = |offset: u64| {
                let mut co64 = vec![0, 0, 0, 0, 0, 0, 0, 1];
                co64.extend(offset.to_be_bytes());
                let stbl = media_box(b"stbl", &media_box(b"co64", &co64));
                media_box(b"trak", &media_box(b"mdia", &media_box(b"minf", &stbl)))
            };
            let moov_len =
                media_box(b"moov", &[media_box(b"uuid", &canon), track(0)].concat()).len();
            let jpeg_at = (ftyp.len() + moov_len + 8) as u64;
            let moov = media_box(
                b"moov",
                &[media_box(b"uuid", &canon), track(jpeg_at)].concat(),
            );
            [ftyp, moov, media_box(b"mdat", &preview)].concat()
        };
        let cr3 = cr3_with_exif(&[(tag::DATE_TIME_ORIGINAL, Value::Ascii("2023:01:02 03:04:05"))]);
        assert_eq!(raw_format(&cr3), Some("CR3"));
        let p = found(&cr3);
        assert_eq!((p.jpeg, p.orientation), (&preview[..], Some(6)));
        assert_eq!(p.taken_at.as_deref(), Some(&b"2023:01:02 03:04:05"[..]));
        assert_eq!(p.model.as_deref(), Some("Canon EOS R5"));
        // Without a date taken in its EXIF box, the date of CMT1 stands.
        let cr3 = cr3_with_exif(&[(0x829A, Value::Long(vec![1, 250]))]);
        assert_eq!(
            found(&cr3).taken_at.as_deref(),
            Some(&b"2023:01:09 10:00:00"[..])
        );
    }

    #[test]
    fn thumbnails_and_missing_previews_are_said_as_such() {
        let file = nef(&jpeg(320, 213), 1);
        assert_eq!(
            embedded_preview(&file),
            Some(Err(RawError::OnlyThumbnail {
                format: "NEF",
                width: 320,
                height: 213
            }))
        );
        let file = nef(&[0xFF, 0xD8, 0xFF, 0xD9], 1);
        assert_eq!(
            embedded_preview(&file),
            Some(Err(RawError::NoPreview { format: "NEF" }))
        );
    }

    #[test]
    fn plain_tiffs_and_other_images_are_not_raw() {
        let image = image::RgbImage::new(40, 30);
        let mut tiff = Vec::new();
        image::DynamicImage::ImageRgb8(image)
            .write_to(
                &mut std::io::Cursor::new(&mut tiff),
                image::ImageFormat::Tiff,
            )
            .unwrap();
        assert_eq!(raw_format(&tiff), None);
        assert_eq!(embedded_preview(&tiff), None);
        assert_eq!(raw_format(&jpeg(50, 50)), None);
        assert_eq!(raw_format(b""), None);
        assert_eq!(raw_format(b"MM\x00*"), None);
    }

    #[test]
    fn damaged_raw_files_never_panic() {
        let preview = jpeg(500, 400);
        let file = nef(&preview, 6);
        // Every truncation, and every byte of the structure overwritten.
        for len in 0..file.len() {
            let _ = embedded_preview(&file[..len]);
        }
        let structure = file.len() - 400;
        for at in (structure..file.len()).chain(0..16) {
            for value in [0x00, 0xFF, 0x7F] {
                let mut bad = file.clone();
                bad[at] = value;
                let _ = embedded_preview(&bad);
            }
        }
        // An IFD chain that loops back on itself.
        let mut w = TiffWriter::new(true, 42, &[]);
        let at = w.out.len() as u32;
        w.ifd(&[(tag::SUB_IFDS, Value::Long(vec![at]))], at);
        let looped = w.finish(at);
        assert_eq!(raw_format(&looped), Some("RAW"));
        assert_eq!(
            embedded_preview(&looped),
            Some(Err(RawError::NoPreview { format: "RAW" }))
        );
    }

    #[test]
    fn the_xmp_packet_inside_a_raw_or_tiff_file_is_found() {
        let packet = b"<x:xmpmeta>faces</x:xmpmeta>";
        for dng_version in [true, false] {
            let mut w = TiffWriter::new(true, 42, &[]);
            let mut entries = vec![(tag::XMP, Value::Undefined(packet.to_vec()))];
            if dng_version {
                entries.push((tag::DNG_VERSION, Value::Undefined(vec![1, 4, 0, 0])));
            }
            let ifd0 = w.ifd(&entries, 0);
            assert_eq!(xmp_packet(&w.finish(ifd0)), Some(&packet[..]));
        }
        assert_eq!(xmp_packet(&nef(&jpeg(500, 400), 1)), None);
        assert_eq!(xmp_packet(&jpeg(50, 40)), None);

        let media_box = |kind: &[u8; 4], payload: &[u8]| {
            let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
            b.extend(kind);
            b.extend(payload);
            b
        };
        let cr3 = [
            media_box(b"ftyp", b"crx \x00\x00\x00\x01crx isom"),
            media_box(b"moov", &[]),
            media_box(b"uuid", &[&XMP_UUID[..], &packet[..]].concat()),
        ]
        .concat();
        assert_eq!(xmp_packet(&cr3), Some(&packet[..]));
    }

    #[test]
    fn a_jpeg_is_bounded_by_its_own_markers() {
        let preview = jpeg(64, 48);
        let mut bytes = vec![1, 2, 3];
        bytes.extend(&preview);
        bytes.extend([0xFF, 0xD9, 0xFF, 0xD8]);
        let j = jpeg_at(&bytes, 3).unwrap();
        assert_eq!(
            (j.start, j.end, j.width, j.height),
            (3, 3 + preview.len(), 64, 48)
        );
        assert_eq!(jpeg_at(&bytes, 0), None);
        assert_eq!(jpeg_at(&preview[..preview.len() - 2], 0), None, "truncated");
        assert_eq!(jpeg_at(&lossless_jpeg(), 0), None, "lossless");
    }
}
