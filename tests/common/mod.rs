//! Shared helpers for the integration tests: fixture paths, golden JSON, and the `kindred`
//! command on a library.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use image::ImageEncoder;

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A `photos` folder in `dir` holding these fixture photos of tests/fixtures/people.
pub fn photos_from(dir: &Path, names: &[&str]) -> PathBuf {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for name in names {
        std::fs::copy(fixture(&format!("people/{name}")), photos.join(name)).unwrap();
    }
    photos
}

pub fn model(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(name)
}

pub fn golden_json(name: &str) -> serde_json::Value {
    let path = fixture(&format!("golden/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn golden_image(stem: &str) -> image::RgbImage {
    let path = fixture(&format!("golden/images/{stem}.png"));
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

pub fn f32_vec(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The `kindred` binary working on `library`, finding its models as an installed one would.
pub fn kindred_on(library: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kindred"));
    cmd.env_remove("KINDRED_MODELS")
        .arg("--library")
        .arg(library);
    cmd
}

/// Runs `kindred` on `library`, insisting that it succeeds; returns its standard output.
pub fn ok_on(library: &Path, args: &[&str]) -> String {
    let out = kindred_on(library).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "kindred {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// As [`ok_on`], for commands that print JSON.
pub fn json_on(library: &Path, args: &[&str]) -> serde_json::Value {
    let text = ok_on(library, args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: bad JSON {text:?}: {e}"))
}

/// A minimal little-endian TIFF/EXIF block holding only the Orientation tag.
pub fn exif_orientation_block(orientation: u16) -> Vec<u8> {
    let mut b = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    b.extend_from_slice(&1u16.to_le_bytes()); // one entry
    b.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    b.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    b.extend_from_slice(&1u32.to_le_bytes()); // count
    b.extend_from_slice(&orientation.to_le_bytes());
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    b
}

/// A minimal little-endian TIFF/EXIF block holding only the moment the photo was taken
/// (DateTimeOriginal in the EXIF sub-IFD, as cameras write it), `date` as "YYYY:MM:DD HH:MM:SS".
pub fn exif_date_block(date: &str) -> Vec<u8> {
    let text = [date.as_bytes(), b"\0"].concat();
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(kind.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value.to_le_bytes());
        e
    };
    // Header (8), IFD0 (2 + 12 + 4 = 18), the EXIF sub-IFD (18), the date.
    let (sub_ifd, date_at) = (8 + 18, 8 + 18 + 18);
    let mut b = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    b.extend(1u16.to_le_bytes());
    b.extend(entry(0x8769, 4, 1, sub_ifd)); // ExifIFDPointer, LONG
    b.extend(0u32.to_le_bytes());
    b.extend(1u16.to_le_bytes());
    b.extend(entry(0x9003, 2, text.len() as u32, date_at)); // DateTimeOriginal, ASCII
    b.extend(0u32.to_le_bytes());
    assert_eq!(b.len() as u32, date_at);
    b.extend(text);
    b
}

/// Writes `image` as a JPEG whose EXIF says it was taken at `date` ("YYYY:MM:DD HH:MM:SS").
pub fn write_jpeg_taken_at(path: &Path, image: &image::RgbImage, date: &str) {
    write_jpeg_with_exif(path, image, Some(exif_date_block(date)));
}

pub fn write_jpeg(path: &Path, image: &image::RgbImage, orientation: Option<u16>) {
    write_jpeg_with_exif(path, image, orientation.map(exif_orientation_block));
}

/// Writes `image` as a JPEG at quality 95 with an EXIF block, if any.
fn write_jpeg_with_exif(path: &Path, image: &image::RgbImage, exif: Option<Vec<u8>>) {
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    std::fs::write(path, out).unwrap();
}

/// Two LFW photos side by side (Laura Bush left, Tony Blair right, each with faces of others
/// in the background): one photo of two people for the tests that edit or turn it.
pub fn laura_and_tony() -> image::RgbImage {
    let person = |name: &str| image::open(fixture(name)).unwrap().to_rgb8();
    let left = person("people/Laura_Bush_0002.jpg");
    let right = person("people/Tony_Blair_0001.jpg");
    let mut pair = image::RgbImage::new(
        left.width() + right.width(),
        left.height().max(right.height()),
    );
    image::imageops::replace(&mut pair, &left, 0, 0);
    image::imageops::replace(&mut pair, &right, i64::from(left.width()), 0);
    pair
}

/// Width of [`too_small_for_the_scan`]'s photos: over half the default analysis size, so that
/// the scan does not look at them doubled, as it does a small photo.
pub const WIDER_THAN_SMALL: u32 = 1100;

/// A golden photo whose faces dlib finds only in the photo doubled (a crowd, 500 pixels
/// wide), in a photo too large to be looked at doubled by the scan: its left part, on grey
/// widened to [`WIDER_THAN_SMALL`], each pixel where it was. Its faces are too small for the
/// scan, as in a larger photo's back rows, for tests of the ways to add them.
pub fn too_small_for_the_scan(stem: &str) -> image::RgbImage {
    let photo = golden_image(stem);
    let mut wide =
        image::RgbImage::from_pixel(WIDER_THAN_SMALL, photo.height(), image::Rgb([128; 3]));
    image::imageops::replace(&mut wide, &photo, 0, 0);
    wide
}

/// The three models from the source tree.
pub fn engine() -> kindred::engine::pipeline::FaceEngine {
    kindred::engine::pipeline::FaceEngine::load_from_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"),
    )
    .unwrap()
}

/// Adds `root` to the library and scans it with the default options, as `kindred scan` does
/// before it reads names and matches faces.
pub fn run_scan(
    store: &mut kindred::library::store::Store,
    engine: &kindred::engine::pipeline::FaceEngine,
    root: &Path,
) -> kindred::library::scan::ScanSummary {
    use kindred::library::scan::{self, ScanControl, ScanOptions};
    let root = scan::normalise_root(root);
    let id = store.add_root(&root).unwrap();
    let (tx, _rx) = std::sync::mpsc::channel();
    scan::scan(
        store,
        engine,
        &[(id, root)],
        ScanOptions::default(),
        &ScanControl::new(),
        tx,
    )
    .unwrap()
}

/// A Nikon-style RAW file as a camera lays it out (little-endian here): IFD0 with the camera's
/// make, model, orientation and date, a sub-IFD pointing at the embedded JPEG, the JPEG after.
pub fn nef_holding(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    const MAKE: &[u8] = b"NIKON CORPORATION\0";
    const MODEL: &[u8] = b"NIKON D850\0";
    const DATE: &[u8] = b"2019:05:18 14:03:11\0";
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(kind.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value.to_le_bytes());
        e
    };
    // Header (8), IFD0 (2 + 5 × 12 + 4 = 66), sub-IFD (2 + 2 × 12 + 4 = 30), texts, JPEG.
    let sub_ifd = 8 + 66;
    let make_at = sub_ifd + 30;
    let model_at = make_at + MAKE.len();
    let date_at = model_at + MODEL.len();
    let jpeg_at = date_at + DATE.len();
    let mut file = b"II*\0".to_vec();
    file.extend(8u32.to_le_bytes());
    file.extend(5u16.to_le_bytes());
    file.extend(entry(0x010F, 2, MAKE.len() as u32, make_at as u32));
    file.extend(entry(0x0110, 2, MODEL.len() as u32, model_at as u32));
    file.extend(entry(0x0112, 3, 1, u32::from(orientation)));
    file.extend(entry(0x0132, 2, DATE.len() as u32, date_at as u32));
    file.extend(entry(0x014A, 4, 1, sub_ifd as u32));
    file.extend(0u32.to_le_bytes());
    file.extend(2u16.to_le_bytes());
    file.extend(entry(0x0201, 4, 1, jpeg_at as u32));
    file.extend(entry(0x0202, 4, 1, jpeg.len() as u32));
    file.extend(0u32.to_le_bytes());
    assert_eq!(file.len(), make_at);
    file.extend([MAKE, MODEL, DATE].concat());
    file.extend(jpeg);
    file
}

/// Damages `library` deep inside, as a disk fault would: the first page of `table` written
/// over. The file still opens; reading that table fails.
pub fn damage_table(library: &Path, table: &str) {
    use std::io::{Seek, SeekFrom, Write};
    let (page_size, root) = {
        let db = rusqlite::Connection::open(library).unwrap();
        let page_size: i64 = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let root: i64 = db
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        (page_size as u64, root as u64)
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(library)
        .unwrap();
    file.seek(SeekFrom::Start((root - 1) * page_size)).unwrap();
    file.write_all(&vec![0xAB; page_size as usize]).unwrap();
}

/// A library of photos that are not there, one face each, the faces placed along one line at
/// `xs` (distances as dlib's descriptors'); returns it and the face ids.
pub fn library_of_faces(dir: &Path, xs: &[f32]) -> (PathBuf, Vec<i64>) {
    let library = dir.join("library.kindred");
    let mut store = kindred::library::store::Store::open(&library).unwrap();
    store.add_root(dir).unwrap();
    let faces = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let mut descriptor = [0.0; 128];
            descriptor[0] = x;
            let face = kindred::library::store::NewFace::at(
                kindred::engine::geometry::Rect::new(10, 10, 60, 60),
                descriptor,
            );
            let analysis = kindred::library::store::PhotoAnalysis::new(
                dir.join(format!("{i}.jpg")),
                100,
                100,
                vec![face],
            );
            let photo = store.record_analysis(&analysis).unwrap();
            store.faces_of_photo(photo).unwrap()[0].id
        })
        .collect();
    (library, faces)
}
