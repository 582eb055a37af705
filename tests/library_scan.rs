//! Scanning generated photo trees into a library: formats, EXIF orientation, broken files,
//! symlink loops, incremental rescans and moved files.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use common::*;
use image::{DynamicImage, ImageEncoder, ImageFormat, RgbImage};
use kindred::library::scan::{self, FILES_READ};
use kindred::library::store::{PhotoStatus, Store};
use kindred::library::turn::Turn;

/// A path written with '/' between folders, in the platform's separators: the library
/// records paths as the platform writes them.
fn rel(path: &str) -> PathBuf {
    path.split('/').collect()
}

fn write_as(path: &Path, image: &RgbImage, format: ImageFormat) {
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(image.clone())
        .write_to(&mut Cursor::new(&mut out), format)
        .unwrap();
    std::fs::write(path, out).unwrap();
}

/// The faces of a photo, by id.
fn faces_at(store: &Store, path: &Path) -> Vec<(i64, [i64; 4])> {
    let photo = store
        .photo_by_path(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{} not in library", path.display()));
    store
        .faces_of_photo(photo.id)
        .unwrap()
        .iter()
        .map(|f| (f.id, f.rect.to_array()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect()
}

#[test]
fn a_mixed_tree_is_scanned_and_rescanned_incrementally() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(root.join(rel("2019/summer/.thumbnails"))).unwrap();
    std::fs::create_dir_all(root.join("rotated")).unwrap();
    std::fs::create_dir_all(root.join("broken")).unwrap();
    let upright = golden_image("2008_002506"); // three faces
    let pair = golden_image("2008_001009"); // two faces

    write_jpeg(&root.join(rel("2019/upright.jpg")), &upright, None);
    // Stored sideways or upside down; EXIF says how to turn them upright.
    write_jpeg(
        &root.join(rel("rotated/o6.jpg")),
        &image::imageops::rotate270(&upright),
        Some(6),
    );
    write_jpeg(
        &root.join(rel("rotated/o3.jpg")),
        &image::imageops::rotate180(&upright),
        Some(3),
    );
    write_jpeg(
        &root.join(rel("rotated/o8.jpg")),
        &image::imageops::rotate90(&upright),
        Some(8),
    );
    write_as(
        &root.join(rel("2019/summer/pair.png")),
        &pair,
        ImageFormat::Png,
    );
    write_as(
        &root.join(rel("2019/summer/pair.webp")),
        &pair,
        ImageFormat::WebP,
    );
    write_as(
        &root.join(rel("2019/summer/pair.bmp")),
        &pair,
        ImageFormat::Bmp,
    );
    write_as(
        &root.join(rel("2019/summer/pair.tiff")),
        &pair,
        ImageFormat::Tiff,
    );
    write_as(
        &root.join(rel("2019/summer/pair.gif")),
        &pair,
        ImageFormat::Gif,
    );
    write_as(
        &root.join(rel("2019/summer/.thumbnails/hidden.png")),
        &pair,
        ImageFormat::Png,
    );
    // A PNG with a misleading name is read by its content.
    write_as(
        &root.join(rel("2019/summer/really-a-png.jpg")),
        &pair,
        ImageFormat::Png,
    );
    std::fs::write(root.join(rel("broken/empty.jpg")), b"").unwrap();
    std::fs::write(
        root.join(rel("broken/text.jpg")),
        b"just some words, no pixels",
    )
    .unwrap();
    let jpeg = std::fs::read(root.join(rel("2019/upright.jpg"))).unwrap();
    std::fs::write(
        root.join(rel("broken/truncated.jpg")),
        &jpeg[..jpeg.len() / 3],
    )
    .unwrap();
    let mut bomb = Vec::new();
    DynamicImage::new_rgb8(1, 1)
        .write_to(&mut Cursor::new(&mut bomb), ImageFormat::Png)
        .unwrap();
    bomb[16..20].copy_from_slice(&30000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&30000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    std::fs::write(root.join(rel("broken/huge.png")), &bomb).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&root, root.join(rel("2019/loop"))).unwrap();

    let library = dir.path().join("library.kindred");
    let mut store = Store::open(&library).unwrap();
    let first = run_scan(&mut store, &engine, &root);
    assert_eq!(first.found, 14, "{first:?}");
    assert_eq!(first.analysed, 10, "{first:?}");
    assert_eq!(first.errors, 4, "{first:?}");
    #[cfg(unix)]
    assert!(
        first.skipped.iter().any(|(_, r)| r.contains("loop")),
        "{:?}",
        first.skipped
    );
    let reasons: Vec<String> = store
        .errors()
        .unwrap()
        .into_iter()
        .map(|(p, e)| format!("{}: {e}", p.display()))
        .collect();
    for needle in [
        "empty.jpg: empty file",
        "text.jpg: not an image",
        "truncated.jpg: damaged",
        "huge.png: 30000×30000",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(needle)),
            "{needle} not in {reasons:?}"
        );
    }

    // Every orientation finds the same faces at the same places in the upright photo.
    let reference = faces_at(
        &store,
        &scan::normalise_root(&root).join(rel("2019/upright.jpg")),
    );
    assert_eq!(reference.len(), 3);
    for name in ["o6.jpg", "o3.jpg", "o8.jpg"] {
        let path = scan::normalise_root(&root).join("rotated").join(name);
        let photo = store.photo_by_path(&path).unwrap().unwrap();
        assert_eq!(
            (photo.width, photo.height),
            (Some(500), Some(375)),
            "{name} is stored upright"
        );
        let rects: Vec<[i64; 4]> = faces_at(&store, &path).into_iter().map(|f| f.1).collect();
        let expected: Vec<[i64; 4]> = reference.iter().map(|f| f.1).collect();
        assert_eq!(rects, expected, "{name}");
    }
    for ext in ["png", "webp", "bmp", "tiff"] {
        let path = scan::normalise_root(&root).join(rel(&format!("2019/summer/pair.{ext}")));
        assert_eq!(faces_at(&store, &path).len(), 2, "{ext}");
    }
    assert_eq!(integrity(&store), "ok");

    // Unchanged: nothing is read.
    FILES_READ.store(0, Ordering::SeqCst);
    let again = run_scan(&mut store, &engine, &root);
    assert_eq!(
        FILES_READ.load(Ordering::SeqCst),
        0,
        "an unchanged rescan read image data"
    );
    assert_eq!((again.analysed, again.unchanged), (0, 14));

    let base = scan::normalise_root(&root);
    // Touched (same content, new mtime): re-read, faces keep their ids.
    let upright_path = base.join(rel("2019/upright.jpg"));
    let before = faces_at(&store, &upright_path);
    let file = std::fs::File::options()
        .append(true)
        .open(&upright_path)
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(file);
    // Moved: same content at a new path keeps its photo row and faces.
    let pair_before = faces_at(&store, &base.join(rel("2019/summer/pair.png")));
    std::fs::rename(
        base.join(rel("2019/summer/pair.png")),
        base.join(rel("2019/pair-moved.png")),
    )
    .unwrap();
    // Modified: different content is analysed afresh.
    write_jpeg(&base.join(rel("rotated/o3.jpg")), &pair, None);
    // Deleted: marked missing, faces kept.
    let o8 = store
        .photo_by_path(&base.join(rel("rotated/o8.jpg")))
        .unwrap()
        .unwrap();
    std::fs::remove_file(base.join(rel("rotated/o8.jpg"))).unwrap();

    FILES_READ.store(0, Ordering::SeqCst);
    let third = run_scan(&mut store, &engine, &root);
    assert_eq!(third.moved, 1, "{third:?}");
    assert_eq!(third.touched, 1, "{third:?}");
    assert_eq!(
        (third.analysed, third.analysed_again),
        (1, 1),
        "the modified file is no new photo: {third:?}"
    );
    assert_eq!(
        third.missing, 1,
        "the deleted file; the moved one is not missing: {third:?}"
    );
    assert_eq!(
        FILES_READ.load(Ordering::SeqCst),
        3,
        "touched, moved and modified files only"
    );
    assert_eq!(
        faces_at(&store, &upright_path),
        before,
        "touching a file keeps its faces' ids"
    );
    assert_eq!(
        faces_at(&store, &base.join(rel("2019/pair-moved.png"))),
        pair_before,
        "a moved file keeps its faces"
    );
    assert_eq!(
        faces_at(&store, &base.join(rel("rotated/o3.jpg"))).len(),
        2,
        "the modified file was re-analysed"
    );
    let gone = store.photo(o8.id).unwrap().unwrap();
    assert_eq!(gone.status, PhotoStatus::Missing);
    assert_eq!(
        store.faces_of_photo(o8.id).unwrap().len(),
        3,
        "a missing photo keeps its faces"
    );
    assert_eq!(integrity(&store), "ok");
}

/// CRC-32 (IEEE), to keep a doctored PNG header valid.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn integrity(store: &Store) -> String {
    store.integrity_check().unwrap()
}

/// A photo too large to decode whole (a 200-megapixel phone photo, a stitched panorama) is
/// analysed on a reduced decoding, not skipped; its size and its faces' boxes are the photo's
/// own, turned upright by its EXIF orientation.
#[test]
fn a_jpeg_beyond_100_megapixels_is_analysed_not_skipped() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("panoramas");
    std::fs::create_dir_all(&root).unwrap();
    // Three faces (a 500×375 photo) enlarged 20× into the middle of a 12000×9000 grey
    // canvas: 108 megapixels upright, stored sideways with EXIF orientation 6.
    let small = golden_image("2008_002506");
    let (scale, offset) = (20u32, (1000u32, 750u32));
    let (width, height) = (12_000u32, 9_000u32);
    let mut canvas = RgbImage::from_pixel(width, height, image::Rgb([128, 128, 128]));
    let enlarged = image::imageops::resize(
        &small,
        small.width() * scale,
        small.height() * scale,
        image::imageops::FilterType::Nearest,
    );
    image::imageops::replace(
        &mut canvas,
        &enlarged,
        i64::from(offset.0),
        i64::from(offset.1),
    );
    drop(enlarged);
    let path = root.join("panorama.jpg");
    write_jpeg(&path, &image::imageops::rotate270(&canvas), Some(6));
    drop(canvas);

    let mut store = Store::open_in_memory().unwrap();
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.analysed, 1, "{summary:?}");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    let photo = store.photo_by_path(&path).unwrap().unwrap();
    assert_eq!((photo.width, photo.height), (Some(width), Some(height)));

    // Where the faces of the small photo lie, enlarged and moved as it was.
    let expected: Vec<[f64; 4]> = engine
        .detector
        .detect(&small, 0)
        .iter()
        .map(|d| {
            let r = d.rect;
            let (s, (ox, oy)) = (f64::from(scale), (f64::from(offset.0), f64::from(offset.1)));
            [
                r.left as f64 * s + ox,
                r.top as f64 * s + oy,
                (r.right + 1) as f64 * s + ox,
                (r.bottom + 1) as f64 * s + oy,
            ]
        })
        .collect();
    let found = faces_at(&store, &path);
    assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
    for (_, rect) in &found {
        let near = expected.iter().any(|e| {
            let side = e[2] - e[0];
            rect.iter()
                .zip(e)
                .all(|(&got, &want)| (got as f64 - want).abs() < 0.15 * side)
        });
        assert!(near, "{rect:?} is none of {expected:?}");
    }
}

/// iPhone photos (HEIC) are analysed like JPEGs, whatever their file is called. The fixture was
/// encoded by libheif/x265 (`heif-enc -q 60`) from the golden PNG, so this checks heifer's
/// decoding against another implementation's encoding, through to dlib's faces.
#[cfg(feature = "heic")]
#[test]
fn heic_photos_from_phones_are_analysed() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("iPhone");
    std::fs::create_dir_all(&root).unwrap();
    let heic = fixture("heic/2008_002506.heic");
    std::fs::copy(&heic, root.join("IMG_0001.HEIC")).unwrap();
    std::fs::copy(&heic, root.join("no_extension")).unwrap();

    let mut store = Store::open_in_memory().unwrap();
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.analysed, 2, "{summary:?}");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);

    let png = golden_image("2008_002506");
    // A photo this small (500 × 375) is looked at doubled.
    let upsample = scan::ScanOptions::default()
        .for_photo(png.dimensions())
        .upsample;
    assert_eq!(upsample, 1);
    let detections = engine.detector.detect(&png, upsample);
    let on_png = engine.describe(
        &png,
        &detections,
        0,
        scan::LIBRARY_FLIP,
        &mut kindred::engine::jitter::DlibRand::new(),
    );
    assert_eq!(on_png.len(), 3);
    for name in ["IMG_0001.HEIC", "no_extension"] {
        let photo = store.photo_by_path(&root.join(name)).unwrap().unwrap();
        assert_eq!((photo.width, photo.height), (Some(500), Some(375)));
        let faces = store.faces_of_photo(photo.id).unwrap();
        assert_eq!(faces.len(), 3, "{name}");
        for face in &faces {
            // (Its box may be a step of the detector's pyramid off the PNG's.)
            let twin = on_png
                .iter()
                .find(|f| kindred::library::store::iou(&f.rect, &face.rect) > 0.5)
                .unwrap_or_else(|| panic!("{name}: {:?} not found on the PNG", face.rect));
            // The same face, far inside one person's 0.6 (HEVC at quality 60 moves these
            // descriptors by 0.06–0.11).
            let d = kindred::engine::resnet::distance(&twin.descriptor, &face.descriptor);
            assert!(d < 0.2, "{name} {:?}: {d}", face.rect);
        }
    }
}

/// A backup folder holds the same photos again: their faces are taken from the originals
/// rather than looked for again, and each face is one face to the people in it.
#[test]
fn identical_copies_take_the_analysis_and_the_people_of_their_original() {
    use kindred::people::ops;
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(root.join("2019")).unwrap();
    write_jpeg(
        &root.join(rel("2019/group.jpg")),
        &image::imageops::rotate270(&golden_image("2008_002506")),
        Some(6),
    );
    let mut store = Store::open_in_memory().unwrap();
    let first = run_scan(&mut store, &engine, &root);
    assert_eq!((first.analysed, first.copies, first.faces), (1, 0, 3));
    ops::match_new_faces(&mut store).unwrap();
    let base = scan::normalise_root(&root);
    let original = faces_at(&store, &base.join(rel("2019/group.jpg")));
    let named = ops::faces_in_photo(
        &store,
        store
            .photo_by_path(&base.join(rel("2019/group.jpg")))
            .unwrap()
            .unwrap()
            .id,
    )
    .unwrap()[0]
        .clone();
    let ann = named.person.expect("a person for every face");
    ops::name_person(&mut store, ann, "Ann").unwrap();

    // The backup, and the same photo imported again under another name.
    std::fs::create_dir_all(root.join("backup")).unwrap();
    std::fs::copy(
        root.join(rel("2019/group.jpg")),
        root.join(rel("backup/group.jpg")),
    )
    .unwrap();
    std::fs::copy(
        root.join(rel("2019/group.jpg")),
        root.join(rel("2019/IMG_0001.jpg")),
    )
    .unwrap();
    let second = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (
            second.analysed,
            second.copies,
            second.unchanged,
            second.faces
        ),
        (2, 2, 1, 6),
        "{second:?}"
    );
    let matched = ops::match_new_faces(&mut store).unwrap();
    assert_eq!(
        matched.from_copies, 2,
        "Ann's face in each copy: {matched:?}"
    );
    for copy in ["backup/group.jpg", "2019/IMG_0001.jpg"] {
        let path = base.join(rel(copy));
        let photo = store.photo_by_path(&path).unwrap().unwrap();
        assert_eq!(
            (photo.width, photo.height, photo.orientation),
            (Some(500), Some(375), Some(6))
        );
        let faces = store.faces_of_photo(photo.id).unwrap();
        let originals = store
            .faces_of_photo(
                store
                    .photo_by_path(&base.join(rel("2019/group.jpg")))
                    .unwrap()
                    .unwrap()
                    .id,
            )
            .unwrap();
        assert_eq!(faces.len(), 3, "{copy}");
        for (face, original_face) in faces.iter().zip(&originals) {
            assert_eq!(
                (face.rect, face.landmarks, face.descriptor),
                (
                    original_face.rect,
                    original_face.landmarks,
                    original_face.descriptor
                ),
                "{copy}"
            );
            assert!(
                store
                    .face_thumbnail(face.id)
                    .unwrap()
                    .is_some_and(|t| !t.is_empty())
            );
            let (a, b) = (
                store.assignment(face.id).unwrap().unwrap(),
                store.assignment(original_face.id).unwrap().unwrap(),
            );
            assert_eq!((a.person, a.state), (b.person, b.state), "{copy}");
        }
    }
    // Ann is one face to Review: no suggestion asks about her copies.
    assert!(ops::suggestions(&store, ann, 10).unwrap().is_empty());
    assert_eq!(
        faces_at(&store, &base.join(rel("2019/group.jpg"))),
        original
    );

    // A file touched without a change of content keeps its own analysis; not a copy.
    let file = std::fs::File::options()
        .append(true)
        .open(base.join(rel("2019/group.jpg")))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(file);
    let third = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (third.analysed, third.copies, third.touched),
        (0, 0, 1),
        "{third:?}"
    );
    assert_eq!(
        faces_at(&store, &base.join(rel("2019/group.jpg"))),
        original
    );
    assert_eq!(integrity(&store), "ok");

    // A first scan of a tree that already holds copies analyses each content once, whichever
    // worker reads which file first; a damaged file's copy is reported alike.
    std::fs::write(root.join(rel("2019/damaged.jpg")), b"not a photo at all").unwrap();
    std::fs::write(root.join(rel("backup/damaged.jpg")), b"not a photo at all").unwrap();
    let mut fresh = Store::open_in_memory().unwrap();
    let first_of_all = run_scan(&mut fresh, &engine, &root);
    assert_eq!(
        (
            first_of_all.analysed,
            first_of_all.copies,
            first_of_all.faces,
            first_of_all.errors
        ),
        (3, 2, 9, 2),
        "{first_of_all:?}"
    );
    let reasons: Vec<String> = fresh.errors().unwrap().into_iter().map(|e| e.1).collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0], reasons[1]);
    for copy in ["backup/group.jpg", "2019/IMG_0001.jpg"] {
        let rects: Vec<[i64; 4]> = faces_at(&fresh, &base.join(rel(copy)))
            .into_iter()
            .map(|f| f.1)
            .collect();
        let expected: Vec<[i64; 4]> = original.iter().map(|f| f.1).collect();
        assert_eq!(rects, expected, "{copy}");
    }
    assert_eq!(integrity(&fresh), "ok");
}

/// A photographer who shoots RAW only gets their photos analysed, from the JPEG the camera
/// embedded in each RAW file, turned the way the camera recorded; a RAW file shot beside a
/// JPEG stays that photo's other copy, and a format Kindred does not read is said per folder.
#[test]
fn raw_photos_are_analysed_from_the_jpeg_inside_them() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Shoot");
    std::fs::create_dir_all(root.join("Sigma")).unwrap();
    let mut preview = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut preview, 95)
        .encode_image(&golden_image("2008_002506"))
        .unwrap();
    // Turned a quarter clockwise to be upright (the camera was held on its side).
    std::fs::write(root.join("DSC_0001.NEF"), nef_holding(&preview, 6)).unwrap();
    std::fs::write(root.join("DSC_0002.NEF"), nef_holding(&preview, 1)).unwrap();
    std::fs::write(root.join("DSC_0002.JPG"), &preview).unwrap();
    std::fs::write(root.join(rel("Sigma/SDIM0001.X3F")), b"FOVb").unwrap();
    // The same picture as a JPEG whose EXIF says to turn it the same way.
    let mut oriented = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut oriented, 95);
    encoder
        .set_exif_metadata(exif_orientation_block(6))
        .unwrap();
    encoder.encode_image(&golden_image("2008_002506")).unwrap();
    std::fs::create_dir_all(root.join("Phone")).unwrap();
    std::fs::write(root.join(rel("Phone/IMG_0003.JPG")), &oriented).unwrap();

    let mut store = Store::open_in_memory().unwrap();
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.found, 3, "{summary:?}");
    assert_eq!((summary.analysed, summary.errors), (3, 0), "{summary:?}");
    assert!(
        store
            .photo_by_path(&root.join("DSC_0002.NEF"))
            .unwrap()
            .is_none()
    );
    assert!(
        summary
            .skipped
            .iter()
            .any(|(path, why)| path.ends_with("Sigma")
                && why.starts_with("1 camera RAW file (.X3F) without a JPEG")),
        "{:?}",
        summary.skipped
    );

    let raw = root.join("DSC_0001.NEF");
    let faces = |path: &Path| {
        let photo = store.photo_by_path(path).unwrap().unwrap();
        let mut faces: Vec<_> = store
            .faces_of_photo(photo.id)
            .unwrap()
            .into_iter()
            .map(|f| (f.rect.to_array(), f.descriptor))
            .collect();
        faces.sort_by_key(|f| f.0);
        faces
    };
    let on_raw = faces(&raw);
    // (Turned, the detector finds two of the three faces it finds upright.)
    assert_eq!(on_raw.len(), 2);
    assert_eq!(on_raw, faces(&root.join(rel("Phone/IMG_0003.JPG"))));
    let photo = store.photo_by_path(&raw).unwrap().unwrap();
    assert_eq!((photo.width, photo.height), (Some(375), Some(500)));
    assert_eq!(photo.orientation, Some(6));
    assert_eq!(
        photo.camera.as_deref(),
        Some("NIKON CORPORATION NIKON D850")
    );
    assert_eq!(photo.taken_at.as_deref(), Some("2019-05-18 14:03:11"));
    assert_eq!(faces_at(&store, &root.join("DSC_0002.JPG")).len(), 3);

    // Nothing changed: nothing is read again.
    let again = run_scan(&mut store, &engine, &root);
    assert_eq!((again.analysed, again.unchanged), (0, 3), "{again:?}");
}

#[test]
fn photos_without_a_date_in_their_metadata_are_dated_by_their_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A messaging app's copy (EXIF stripped), a camera file named by a counter, and a RAW
    // file whose own date disagrees with its name: the metadata wins.
    std::fs::copy(
        fixture("people/Laura_Bush_0002.jpg"),
        root.join("IMG-20190714-WA0003.jpg"),
    )
    .unwrap();
    std::fs::copy(
        fixture("people/Laura_Bush_0003.jpg"),
        root.join("DSC_0042.jpg"),
    )
    .unwrap();
    let mut preview = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut preview, 95)
        .encode_image(&golden_image("2008_002506"))
        .unwrap();
    std::fs::write(root.join("20010101_000000.NEF"), nef_holding(&preview, 1)).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = run_scan(&mut store, &engine(), root);
    assert_eq!(summary.analysed, 3, "{summary:?}");
    // The date and whether the file name gave it (the app says so).
    let taken = |name: &str| {
        let path = scan::normalise_root(root).join(name);
        let photo = store.photo_by_path(&path).unwrap().unwrap();
        (photo.taken_at, photo.dated_by_name)
    };
    assert_eq!(
        taken("IMG-20190714-WA0003.jpg"),
        (Some("2019-07-14".into()), true)
    );
    assert_eq!(taken("DSC_0042.jpg"), (None, false));
    assert_eq!(
        taken("20010101_000000.NEF"),
        (Some("2019-05-18 14:03:11".into()), false)
    );
}

#[test]
fn a_face_drawn_where_the_detector_saw_none_keeps_its_name_through_rescans() {
    use kindred::engine::geometry::Rect;
    use kindred::people::ops;

    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    // Seven small faces, none of which the detector finds at the photo's own size.
    let mut crowd = too_small_for_the_scan("2007_007763");
    let path = root.join("crowd.png");
    write_as(&path, &crowd, ImageFormat::Png);
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    run_scan(&mut store, &engine, &root);
    assert_eq!(faces_at(&store, &path), []);

    // dlib's box of one face, doubled photo: [385, 83, 432, 130]; drawn loosely around it.
    let drawn = Rect::new(370, 60, 450, 145);
    let face = scan::face_drawn_on_file(&engine, &path, Turn::NONE, drawn).unwrap();
    assert!(face.by_hand);
    assert!(
        face.confidence > 0.0,
        "the detector sees the face in the box"
    );
    let photo = store.photo_by_path(&path).unwrap().unwrap().id;
    let id = ops::add_face(&mut store, photo, &face).unwrap();
    ops::match_new_faces(&mut store).unwrap();
    let person = store.assignment(id).unwrap().unwrap().person.unwrap();
    ops::name_person(&mut store, person, "Kid").unwrap();

    // The photo is edited: analysed again, the detector still misses the face, and the
    // drawn one stays, with its id and so its name, described anew.
    crowd.put_pixel(0, 0, image::Rgb([1, 2, 3]));
    write_as(&path, &crowd, ImageFormat::Png);
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.analysed, 1);
    let after = store.faces_of_photo(photo).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].id, after[0].by_hand), (id, true));
    let a = store.assignment(id).unwrap().unwrap();
    assert_eq!(
        a.state,
        kindred::library::people_store::FaceState::Confirmed
    );
    assert_eq!(
        ops::person(&store, a.person.unwrap())
            .unwrap()
            .name
            .as_deref(),
        Some("Kid")
    );

    // Scanned for smaller faces, the detector finds it and all six others: the drawn face
    // is now the detector's, still Kid.
    let (tx, _rx) = std::sync::mpsc::channel();
    let roots = [(store.roots().unwrap()[0].id, scan::normalise_root(&root))];
    let options = scan::ScanOptions {
        upsample: 1,
        ..Default::default()
    };
    scan::scan(
        &mut store,
        &engine,
        &roots,
        options,
        &scan::ScanControl::new(),
        tx,
    )
    .unwrap();
    let after = store.faces_of_photo(photo).unwrap();
    assert_eq!(after.len(), 7);
    let kid = after
        .iter()
        .find(|f| f.id == id)
        .expect("the drawn face kept its id");
    assert!(!kid.by_hand);
    assert_eq!(store.assignment(id).unwrap().unwrap().person, a.person);
}

/// A photo cropped and made smaller in another app moves its faces' boxes: each face is still
/// known by its descriptor, and keeps its id, and so its name and the user's corrections.
#[test]
fn faces_of_a_photo_cropped_and_resized_elsewhere_keep_their_names() {
    use kindred::library::people_store::FaceState;
    use kindred::people::ops;

    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    let pair = laura_and_tony();
    let path = root.join("pair.png");
    write_as(&path, &pair, ImageFormat::Png);
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    run_scan(&mut store, &engine, &root);
    // Each face a person of its own (LFW photos have faces in the background too).
    let before = faces_at(&store, &path);
    let mut named = Vec::new();
    for (k, (face, _)) in before.iter().enumerate() {
        let name = format!("Person {k}");
        ops::split(&mut store, &[*face], Some(&name)).unwrap();
        named.push((*face, name));
    }
    let area = |r: &[i64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    let mut largest: Vec<_> = before.clone();
    largest.sort_by_key(|(_, r)| -area(r));
    let (laura, tony) = (largest[0].0, largest[1].0);

    // Cropped (40 points off the left and top) and saved at 80 %.
    let cropped =
        image::imageops::crop_imm(&pair, 40, 40, pair.width() - 40, pair.height() - 40).to_image();
    let edited = image::imageops::resize(
        &cropped,
        cropped.width() * 4 / 5,
        cropped.height() * 4 / 5,
        image::imageops::FilterType::Triangle,
    );
    write_as(&path, &edited, ImageFormat::Png);
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.analysed, 1);
    let after = faces_at(&store, &path);
    for main in [laura, tony] {
        let (_, moved) = after
            .iter()
            .find(|(id, _)| *id == main)
            .expect("kept its id");
        let (_, was) = before.iter().find(|(id, _)| *id == main).unwrap();
        assert!(
            kindred::library::store::iou(&rect(moved), &rect(was)) < 0.5,
            "the box moved: {was:?} → {moved:?}"
        );
    }
    // Each face still there is still its person's, confirmed. (One found only in the edited
    // photo, a background face now a little larger, is new.)
    for (id, _) in after
        .iter()
        .filter(|(id, _)| before.iter().any(|(was, _)| was == id))
    {
        let a = store.assignment(*id).unwrap().unwrap();
        let name = a.person.and_then(|p| ops::person(&store, p).unwrap().name);
        let expected = named
            .iter()
            .find(|(face, _)| face == id)
            .map(|(_, n)| n.as_str());
        assert_eq!((name.as_deref(), a.state), (expected, FaceState::Confirmed));
    }
}

#[test]
fn a_photo_renamed_and_changed_by_another_app_keeps_its_faces_names() {
    use kindred::library::people_store::FaceState;
    use kindred::people::ops;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(root.join("Camera")).unwrap();
    let library = dir.path().join("library.kindred");
    let group = golden_image("2008_002506"); // three faces
    let taken = "2019:05:18 14:03:11";
    let first = root.join(rel("Camera/IMG_0412.jpg"));
    write_jpeg_taken_at(&first, &group, taken);
    ok_on(&library, &["scan", root.to_str().unwrap()]);
    let (photo, named) = {
        let mut store = Store::open(&library).unwrap();
        let photo = store.photo_by_path(&first).unwrap().unwrap().id;
        let mut named = Vec::new();
        for (k, (face, _)) in faces_at(&store, &first).into_iter().enumerate() {
            let name = format!("Person {k}");
            ops::split(&mut store, &[face], Some(&name)).unwrap();
            named.push((face, name));
        }
        (photo, named)
    };
    assert_eq!(named.len(), 3);

    // Another app filed it by date under a new name and wrote it anew, cropped and smaller
    // (as tags written into the file, or a retouch, also change its bytes).
    std::fs::remove_file(&first).unwrap();
    std::fs::create_dir_all(root.join("2019")).unwrap();
    let cropped =
        image::imageops::crop_imm(&group, 20, 10, group.width() - 40, group.height() - 20)
            .to_image();
    let edited = image::imageops::resize(
        &cropped,
        cropped.width() * 9 / 10,
        cropped.height() * 9 / 10,
        image::imageops::FilterType::Triangle,
    );
    let filed = root.join(rel("2019/2019-05-18 at the lake.jpg"));
    write_jpeg_taken_at(&filed, &edited, taken);
    let said = ok_on(&library, &["scan", root.to_str().unwrap()]);
    assert!(
        said.contains("1 analysed, 0 unchanged, 0 moved, 0 missing"),
        "{said}"
    );
    assert!(
        said.contains("1 of the analysed photos was moved and changed by another app"),
        "{said}"
    );
    let store = Store::open(&library).unwrap();
    let record = store.photo_by_path(&filed).unwrap().unwrap();
    assert_eq!((record.id, record.status), (photo, PhotoStatus::Done));
    assert!(store.photo_by_path(&first).unwrap().is_none());
    let after = faces_at(&store, &filed);
    assert_eq!(after.len(), 3);
    for (face, name) in &named {
        assert!(after.iter().any(|(id, _)| id == face), "{name} kept");
        let a = store.assignment(*face).unwrap().unwrap();
        let person = a.person.and_then(|p| ops::person(&store, p).unwrap().name);
        assert_eq!(
            (person.as_deref(), a.state),
            (Some(name.as_str()), FaceState::Confirmed)
        );
    }

    // Gone again, and a photo of the same people appears, taken at another moment: another
    // photo, the one gone waits among the missing with its names.
    drop(store);
    std::fs::remove_file(&filed).unwrap();
    let other = root.join(rel("2019/later.jpg"));
    write_jpeg_taken_at(&other, &edited, "2019:05:18 14:05:40");
    let said = ok_on(&library, &["scan", root.to_str().unwrap()]);
    assert!(
        said.contains("1 analysed, 0 unchanged, 0 moved, 1 missing"),
        "{said}"
    );
    assert!(!said.contains("moved and changed"), "{said}");
    let store = Store::open(&library).unwrap();
    assert_ne!(store.photo_by_path(&other).unwrap().unwrap().id, photo);
    let gone = store.photo(photo).unwrap().unwrap();
    assert_eq!((gone.path, gone.status), (filed, PhotoStatus::Missing));
}

fn rect(r: &[i64; 4]) -> kindred::engine::geometry::Rect {
    kindred::engine::geometry::Rect::new(r[0], r[1], r[2], r[3])
}

/// A photo stored sideways (an old camera recorded no orientation): the detector, which looks
/// for upright faces, finds neither face in it. Turned by the user, it shows its faces; they
/// keep their ids and names through turns back and forth and through a rescan of the changed
/// file; names other apps drew on the file (as it shows it) land on them, and the regions
/// Kindred writes for other apps are on the file as it shows it too.
#[test]
fn a_photo_stored_sideways_turned_by_the_user_shows_its_faces_and_keeps_their_names() {
    use kindred::export::xmp::{self, FaceRegion};
    use kindred::export::xmp_import;
    use kindred::library::people_store::FaceState;
    use kindred::library::scan::ScanOptions;
    use kindred::people::ops;

    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    let pair = laura_and_tony();
    let upright = scan::analyse_photo(
        &engine,
        &kindred::library::decode::decode_photo(&{
            let mut png = Vec::new();
            DynamicImage::ImageRgb8(pair.clone())
                .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
                .unwrap();
            png
        })
        .unwrap(),
        ScanOptions::default(),
    );
    assert!(upright.len() >= 2, "both faces found upright");

    // Stored a quarter turn clockwise, with no orientation to say so.
    let path = root.join("sideways.png");
    let sideways = image::imageops::rotate90(&pair);
    write_as(&path, &sideways, ImageFormat::Png);
    // And an identical copy of it elsewhere: the same picture.
    let copy = root.join("copies").join("sideways.png");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(&path, &copy).unwrap();
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    run_scan(&mut store, &engine, &root);
    // (The detector, tolerant of a face a little turned, may find one of the two.)
    let found_sideways = faces_at(&store, &path);
    assert!(found_sideways.len() < upright.len(), "{found_sideways:?}");

    // Turned left, it is the pair again: the scan's faces, where a scan of the pair finds them.
    let stored = |store: &Store, faces: &[(i64, [i64; 4])]| -> Vec<_> {
        faces
            .iter()
            .map(|(id, _)| store.stored_face(*id).unwrap().unwrap())
            .collect()
    };
    let stored_sideways = stored(&store, &found_sideways);
    let record = store.photo_by_path(&path).unwrap().unwrap();
    let turned = turn_photo(&mut store, &engine, &record, Turn::LEFT);
    assert_eq!(turned.turn, Turn::LEFT);
    assert_eq!(turned.found.len() + found_sideways.len(), upright.len());
    let record = store.photo_by_path(&path).unwrap().unwrap();
    assert_eq!(record.turn, Turn::LEFT);
    assert_eq!(
        (record.width, record.height),
        (Some(pair.width()), Some(pair.height()))
    );
    let faces = faces_at(&store, &path);
    let mut rects: Vec<[i64; 4]> = faces.iter().map(|(_, r)| *r).collect();
    let mut expected: Vec<[i64; 4]> = upright.iter().map(|f| f.rect.to_array()).collect();
    rects.sort();
    expected.sort();
    assert_eq!(rects, expected);
    // A face the detector had found sideways is still that face, now where it is upright.
    for (id, _) in &found_sideways {
        assert!(faces.iter().any(|(face, _)| face == id));
    }
    // The copy turned with it.
    assert_eq!(
        store.photo_by_path(&copy).unwrap().unwrap().turn,
        Turn::LEFT
    );
    let mut copy_rects: Vec<[i64; 4]> = faces_at(&store, &copy).iter().map(|(_, r)| *r).collect();
    copy_rects.sort();
    assert_eq!(copy_rects, expected);

    // Ctrl+Z puts it back as it was, its copy too, the faces found on it turned taken away;
    // redo turns it again, with the same faces.
    let copy_faces = faces_at(&store, &copy);
    let undone = ops::undo(&mut store, 1).unwrap();
    assert_eq!(undone, ["turned “sideways.png” left"]);
    for photo in [&path, &copy] {
        let record = store.photo_by_path(photo).unwrap().unwrap();
        assert_eq!(record.turn, Turn::NONE);
        assert_eq!(
            (record.width, record.height),
            (Some(sideways.width()), Some(sideways.height()))
        );
    }
    assert_eq!(faces_at(&store, &path), found_sideways);
    // Descriptors, landmarks, pictures: all as they were.
    assert_eq!(stored(&store, &found_sideways), stored_sideways);
    ops::redo(&mut store, 1).unwrap();
    assert_eq!(faces_at(&store, &path), faces);
    assert_eq!(faces_at(&store, &copy), copy_faces);
    assert_eq!(
        store.photo_by_path(&path).unwrap().unwrap().turn,
        Turn::LEFT
    );
    let area = |r: &[i64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    let mut largest = faces.clone();
    largest.sort_by_key(|(_, r)| -area(r));
    let by_x = |a: &(i64, [i64; 4])| a.1[0];
    let (mut laura, mut tony) = (largest[0], largest[1]);
    if by_x(&laura) > by_x(&tony) {
        std::mem::swap(&mut laura, &mut tony);
    }
    ops::split(&mut store, &[laura.0], Some("Laura")).unwrap();

    // Turned back and forth: the same faces, none twice, names kept.
    for by in [Turn::RIGHT, Turn::LEFT] {
        let record = store.photo_by_path(&path).unwrap().unwrap();
        let again = turn_photo(&mut store, &engine, &record, by);
        assert!(again.found.is_empty(), "{by:?}: no face found twice");
        // Every face of the photo and of its copy moved with them.
        assert_eq!(again.photos.len(), 2);
        assert_eq!(again.moved.len(), 2 * faces.len());
    }
    assert_eq!(faces_at(&store, &path), faces);

    // Changed in another app (one pixel): analysed again, turned as the user turned it.
    let mut touched = sideways.clone();
    touched.put_pixel(0, 0, image::Rgb([1, 2, 3]));
    write_as(&path, &touched, ImageFormat::Png);
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.analysed, 1);
    let after = faces_at(&store, &path);
    assert_eq!(after.len(), faces.len());
    assert!(after.iter().any(|(id, r)| *id == laura.0 && *r == laura.1));
    let a = store.assignment(laura.0).unwrap().unwrap();
    let name = a.person.and_then(|p| ops::person(&store, p).unwrap().name);
    assert_eq!(
        (name.as_deref(), a.state),
        (Some("Laura"), FaceState::Confirmed)
    );

    // A box drawn on the photo as shown (turned) finds the face there.
    let drawn = rect(&tony.1);
    let loose = kindred::engine::geometry::Rect::new(
        drawn.left - 15,
        drawn.top - 15,
        drawn.right + 15,
        drawn.bottom + 15,
    );
    let face = scan::face_drawn_on_file(&engine, &path, Turn::LEFT, loose).unwrap();
    assert!(
        kindred::library::store::iou(&face.rect, &drawn) > 0.5,
        "{:?} vs {drawn:?}",
        face.rect
    );

    // Another app names Tony on the file as it shows it: sideways.
    let file_size = (sideways.width(), sideways.height());
    let tony_on_file = Turn::RIGHT.rect(rect(&tony.1), (pair.width(), pair.height()));
    let region = FaceRegion::from_rect("Tony", tony_on_file, file_size.0, file_size.1, None);
    assert!(
        region.y > 0.5,
        "Tony is in the lower half of the sideways file"
    );
    xmp::write_sidecar(&path, file_size.0, file_size.1, &[region]).unwrap();
    let record = store.photo_by_path(&path).unwrap().unwrap();
    let taken = xmp_import::take_over_names(&mut store, &[record.id], Some(&engine)).unwrap();
    assert_eq!(taken.faces_added, 0);
    let a = store.assignment(tony.0).unwrap().unwrap();
    let name = a.person.and_then(|p| ops::person(&store, p).unwrap().name);
    assert_eq!(name.as_deref(), Some("Tony"));

    // What Kindred writes for other apps is on the sideways file too.
    xmp::write_library_sidecars(&store, None).unwrap();
    let written = xmp_import::named_face_regions(&path).unwrap().regions;
    for (face, name) in [(laura, "Laura"), (tony, "Tony")] {
        let on_file = Turn::RIGHT.rect(rect(&face.1), (pair.width(), pair.height()));
        let region = written.iter().find(|r| r.name == name).expect(name);
        let back = region.to_rect(file_size.0, file_size.1);
        assert!(
            kindred::library::store::iou(&back, &on_file) > 0.9,
            "{name}: {back:?} vs {on_file:?}"
        );
    }

    // Another app turns the file itself upright: the photo is not turned twice.
    let mut upright_file = pair.clone();
    upright_file.put_pixel(0, 0, image::Rgb([1, 2, 3]));
    write_as(&path, &upright_file, ImageFormat::Png);
    let summary = run_scan(&mut store, &engine, &root);
    assert_eq!(summary.analysed, 1);
    assert_eq!(
        store.photo_by_path(&path).unwrap().unwrap().turn,
        Turn::NONE
    );
    let now = faces_at(&store, &path);
    assert!(
        now.iter().any(|(id, r)| *id == laura.0 && *r == laura.1),
        "{now:?}"
    );
    assert!(now.iter().any(|(id, _)| *id == tony.0), "{now:?}");
}

/// Regression: a photo turned in the app while a long re-analysis (new settings) was reading
/// it got back the turn the scan had read at its start, and its faces the places they had
/// then, under new ids: the user's turn and the faces' names were lost. The scan now leaves
/// such a photo to the next one, which analyses it as the user left it.
#[test]
fn a_photo_turned_in_the_app_while_a_scan_reads_it_keeps_its_turn_and_names() {
    use kindred::library::scan::{ScanEvent, ScanOptions, ScanPhase};
    use kindred::people::ops;

    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    let path = root.join("pair.png");
    write_as(&path, &laura_and_tony(), ImageFormat::Png);
    let library = dir.path().join("library.kindred");
    let mut store = Store::open(&library).unwrap();
    run_scan(&mut store, &engine, &root);

    // A re-analysis for smaller faces, held before it reads any photo.
    let control = scan::ScanControl::new();
    control.set_paused(true);
    let (tx, rx) = std::sync::mpsc::channel();
    let roots = [(store.roots().unwrap()[0].id, scan::normalise_root(&root))];
    let options = ScanOptions {
        upsample: 1,
        ..Default::default()
    };
    let mut turned_faces = Vec::new();
    let summary = std::thread::scope(|s| {
        let scanning = s.spawn(|| scan::scan(&mut store, &engine, &roots, options, &control, tx));
        while !matches!(
            rx.recv().unwrap(),
            ScanEvent::Progress(p) if p.phase == ScanPhase::Analysing
        ) {}
        // Meanwhile, in the app: the photo is turned and a face named.
        let mut app = Store::open(&library).unwrap();
        let record = app.photo_by_path(&path).unwrap().unwrap();
        turn_photo(&mut app, &engine, &record, Turn::LEFT);
        turned_faces = faces_at(&app, &path);
        ops::split(&mut app, &[turned_faces[0].0], Some("Laura")).unwrap();
        control.set_paused(false);
        scanning.join().unwrap().unwrap()
    });
    assert_eq!((summary.analysed, summary.errors), (0, 1), "{summary:?}");
    assert!(summary.skipped[0].1.contains("turned"), "{summary:?}");
    let record = store.photo_by_path(&path).unwrap().unwrap();
    assert_eq!(record.turn, Turn::LEFT);
    assert_eq!(faces_at(&store, &path), turned_faces);

    // The next scan analyses it as it is now: turned, the named face still named.
    let (tx, _rx) = std::sync::mpsc::channel();
    let summary = scan::scan(
        &mut store,
        &engine,
        &roots,
        options,
        &scan::ScanControl::new(),
        tx,
    )
    .unwrap();
    assert_eq!((summary.analysed, summary.errors), (1, 0), "{summary:?}");
    assert_eq!(
        store.photo_by_path(&path).unwrap().unwrap().turn,
        Turn::LEFT
    );
    let laura = store.assignment(turned_faces[0].0).unwrap().unwrap();
    assert_eq!(
        ops::person(&store, laura.person.unwrap())
            .unwrap()
            .name
            .as_deref(),
        Some("Laura")
    );
}

/// Regression: a photo folder inside another (`~/Pictures` and `~/Pictures/Phone`, both
/// added) was walked twice by one scan: each of its photos analysed twice, once as a copy of
/// itself, and the counts doubled. It is walked once, as the folder of its own.
#[test]
fn a_photo_folder_inside_another_is_walked_once() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = scan::normalise_root(&dir.path().join("Pictures"));
    let phone = root.join("Phone");
    std::fs::create_dir_all(&phone).unwrap();
    write_as(
        &root.join("a.png"),
        &golden_image("2008_001322"),
        ImageFormat::Png,
    );
    write_as(&phone.join("b.png"), &laura_and_tony(), ImageFormat::Png);
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    let roots = [
        (store.add_root(&root).unwrap(), root.clone()),
        (store.add_root(&phone).unwrap(), phone.clone()),
    ];
    let (tx, _rx) = std::sync::mpsc::channel();
    let summary = scan::scan(
        &mut store,
        &engine,
        &roots,
        scan::ScanOptions::default(),
        &scan::ScanControl::new(),
        tx,
    )
    .unwrap();
    assert_eq!(
        (summary.found, summary.analysed, summary.copies),
        (2, 2, 0),
        "{summary:?}"
    );
    let photo = |path: &Path| store.photo_by_path(path).unwrap().unwrap();
    assert_eq!(photo(&root.join("a.png")).root_id, Some(roots[0].0));
    assert_eq!(photo(&phone.join("b.png")).root_id, Some(roots[1].0));
}

/// Turns a photo as the app and `kindred turn` do.
fn turn_photo(
    store: &mut Store,
    engine: &kindred::engine::pipeline::FaceEngine,
    record: &kindred::library::store::PhotoRecord,
    by: Turn,
) -> scan::PhotoTurned {
    let plan = scan::plan_turn(store, engine, record, by, scan::ScanOptions::default()).unwrap();
    kindred::people::ops::turn_photo(store, &plan).unwrap()
}

/// Regression: a photo the user turned upside down in Kindred and then turned upright in
/// another app by its EXIF orientation (as lossless rotations do) was shown turned twice. It
/// shows as it did: Kindred's turn gives way to the file's, the faces keep their ids and boxes.
#[test]
fn a_photo_turned_here_and_then_by_another_app_is_not_turned_twice() {
    use kindred::export::upright::{UprightCopy, upright_copy};
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    let path = root.join("upside down.jpg");
    write_as(
        &path,
        &image::imageops::rotate180(&laura_and_tony()),
        ImageFormat::Jpeg,
    );
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    run_scan(&mut store, &engine, &root);
    let record = store.photo_by_path(&path).unwrap().unwrap();
    turn_photo(&mut store, &engine, &record, Turn::clockwise(2));
    let faces = faces_at(&store, &path);
    assert!(faces.len() >= 2, "{faces:?}");

    // Another app turns the file upright by its orientation: same image data, orientation 3.
    let UprightCopy::Turned(turned) =
        upright_copy(&std::fs::read(&path).unwrap(), Turn::clockwise(2))
    else {
        panic!("a JPEG turns by its orientation");
    };
    std::fs::write(&path, turned).unwrap();
    run_scan(&mut store, &engine, &root);
    let record = store.photo_by_path(&path).unwrap().unwrap();
    assert_eq!((record.turn, record.orientation), (Turn::NONE, Some(3)));
    assert_eq!(faces_at(&store, &path), faces);
}

/// Photos from an old Windows disk, a FAT card or a zip archive whose names are not UTF-8
/// (Latin-1 here): the library kept them as lossy text (`caf�.jpg`), a path no file has. They
/// were found missing right after their scan, and two names one byte apart collided, which
/// stopped every later scan ("UNIQUE constraint failed: photos.path").
#[cfg(unix)]
#[test]
fn photos_whose_names_are_not_utf8_are_kept_by_their_exact_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let name = |bytes: &[u8]| OsStr::from_bytes(bytes).to_owned();
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    let summer = root.join(name(b"\xe9t\xe9 2003"));
    std::fs::create_dir_all(&summer).unwrap();
    let paths = [
        root.join(name(b"caf\xe9.jpg")),
        root.join(name(b"caf\xe8.jpg")),
        summer.join(name(b"plage.jpg")),
    ];
    write_jpeg(&paths[0], &golden_image("2008_002506"), None);
    write_jpeg(&paths[1], &golden_image("2008_001009"), None);
    write_jpeg(&paths[2], &laura_and_tony(), None);
    let mut store = Store::open(&dir.path().join("l.kindred")).unwrap();

    let first = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (first.analysed, first.missing, first.errors),
        (3, 0, 0),
        "{first:?}"
    );
    let second = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (second.analysed, second.unchanged, second.missing),
        (0, 3, 0),
        "{second:?}"
    );
    for path in &paths {
        let photo = store.photo_by_path(path).unwrap().unwrap();
        assert_eq!(&photo.path, path, "the exact name, byte for byte");
        assert_eq!(photo.status, PhotoStatus::Done);
        assert!(!store.faces_of_photo(photo.id).unwrap().is_empty());
    }

    // Leaving the folder out is logged for undo by its exact name too.
    let summer = scan::normalise_root(&summer);
    kindred::people::ops::leave_out_folder(&mut store, &summer).unwrap();
    assert_eq!(
        store.excluded_folders().unwrap()[0].path,
        summer,
        "left out by its exact name"
    );
    kindred::people::ops::undo(&mut store, 1).unwrap();
    assert!(store.excluded_folders().unwrap().is_empty());
    kindred::people::ops::redo(&mut store, 1).unwrap();
    assert_eq!(store.excluded_folders().unwrap()[0].path, summer);
}

/// A folder holding a photo and an identical copy of it (an edit folder, a backup), renamed:
/// each copy is its own missing photo found again. Before, both files were taken for the same
/// missing photo, one of them lost from the library until a later scan and the other photo
/// left missing.
#[test]
fn two_copies_of_a_photo_moved_together_each_find_their_own_photo_again() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(root.join(rel("Trip/edited"))).unwrap();
    let photo = golden_image("2008_001009");
    write_jpeg(&root.join(rel("Trip/a.jpg")), &photo, None);
    std::fs::copy(
        root.join(rel("Trip/a.jpg")),
        root.join(rel("Trip/edited/a.jpg")),
    )
    .unwrap();
    write_jpeg(&root.join(rel("Trip/b.jpg")), &laura_and_tony(), None);
    let mut store = Store::open(&dir.path().join("l.kindred")).unwrap();
    run_scan(&mut store, &engine, &root);
    let id_of = |store: &Store, path: &str| store.photo_by_path(&root.join(rel(path))).unwrap();
    let (a, edited) = (
        id_of(&store, "Trip/a.jpg").unwrap().id,
        id_of(&store, "Trip/edited/a.jpg").unwrap().id,
    );

    std::fs::rename(root.join("Trip"), root.join("Trip 2019")).unwrap();
    let after = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (after.analysed, after.moved, after.missing),
        (0, 3, 0),
        "{after:?}"
    );
    assert_eq!(id_of(&store, "Trip 2019/a.jpg").unwrap().id, a);
    assert_eq!(id_of(&store, "Trip 2019/edited/a.jpg").unwrap().id, edited);
    let missing = store
        .photos()
        .unwrap()
        .into_iter()
        .filter(|p| p.status == PhotoStatus::Missing)
        .count();
    assert_eq!(missing, 0);
}

/// Regression: a photo moved onto a path the library already had (`mv a.jpg b.jpg` over an
/// older b.jpg, or the end of a move whose half-copied file a scan had found damaged) failed
/// every scan from then on, its move breaking the rule that two photos never share a path.
#[test]
fn a_photo_moved_over_another_takes_its_path_and_the_other_is_kept_as_missing() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    let (a, b, c) = (root.join("a.jpg"), root.join("b.jpg"), root.join("c.jpg"));
    write_jpeg(&a, &laura_and_tony(), None);
    write_jpeg(&b, &golden_image("2008_001009"), None);
    write_jpeg(&c, &golden_image("2008_001322"), None);
    // A half-copied file of c, found damaged.
    let half_copied = root.join("copying.jpg");
    let c_bytes = std::fs::read(&c).unwrap();
    std::fs::write(&half_copied, &c_bytes[..c_bytes.len() / 2]).unwrap();
    let mut store = Store::open(&dir.path().join("l.kindred")).unwrap();
    let first = run_scan(&mut store, &engine, &root);
    assert_eq!((first.analysed, first.errors), (3, 1), "{first:?}");
    let id = |path: &Path| store.photo_by_path(path).unwrap().unwrap().id;
    let (a_id, b_id, c_id) = (id(&a), id(&b), id(&c));
    let a_faces = faces_at(&store, &a);
    let b_faces = faces_at(&store, &b);

    std::fs::rename(&a, &b).unwrap();
    std::fs::rename(&c, &half_copied).unwrap();
    let after = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (after.analysed, after.moved, after.errors),
        (0, 2, 0),
        "{after:?}"
    );
    // a is at b's path with its faces; b's photo, gone, is kept with its faces.
    let at_b = store.photo_by_path(&b).unwrap().unwrap();
    assert_eq!((at_b.id, at_b.status), (a_id, PhotoStatus::Done));
    assert_eq!(faces_at(&store, &b), a_faces);
    let replaced = store.photos().unwrap().into_iter().find(|p| p.id == b_id);
    let replaced = replaced.expect("the photo replaced is kept");
    assert_eq!(replaced.status, PhotoStatus::Missing);
    assert_eq!(replaced.path, a, "under the path the moved photo left");
    assert_eq!(faces_at(&store, &a), b_faces);
    // The damaged half copy held nothing and is let go of; c is where the copy was.
    let at_copy = store.photo_by_path(&half_copied).unwrap().unwrap();
    assert_eq!((at_copy.id, at_copy.status), (c_id, PhotoStatus::Done));
    assert_eq!(store.photos().unwrap().len(), 3);

    // And the scans after go on as usual.
    let again = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (again.analysed, again.unchanged, again.errors),
        (0, 2, 0),
        "{again:?}"
    );
}

/// A file that could not be read is passed over while the readers that could not read it are
/// Kindred's: one an earlier Kindred refused (a motion photo, taken for a truncated JPEG) is
/// read again at the next scan, once.
#[test]
fn files_earlier_readers_could_not_read_are_tried_again() {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    std::fs::create_dir_all(&root).unwrap();
    // A motion photo: the photo, then its video.
    let motion = root.join("PXL_20240601_101500000.MP.jpg");
    write_jpeg(&motion, &golden_image("2008_001009"), None);
    let mut bytes = std::fs::read(&motion).unwrap();
    bytes.extend_from_slice(b"\0\0\0\x18ftypmp42\xFF\xDA\0\x0C");
    bytes.extend((0..2048u32).map(|i| (i * 7 + 3) as u8));
    std::fs::write(&motion, bytes).unwrap();
    let broken = root.join("broken.jpg");
    let whole = std::fs::read(&motion).unwrap();
    std::fs::write(&broken, &whole[..whole.len() / 3]).unwrap();
    let mut store = Store::open(&dir.path().join("l.kindred")).unwrap();
    let first = run_scan(&mut store, &engine, &root);
    assert_eq!((first.analysed, first.errors), (1, 1), "{first:?}");
    let faces = faces_at(&store, &motion);
    assert!(!faces.is_empty());

    // As an earlier Kindred left them: the motion photo refused, by readers before these.
    store
        .connection()
        .execute(
            "UPDATE photos SET status = 'error', error = 'truncated', error_readers = NULL
             WHERE path = ?1",
            [motion.to_str().unwrap()],
        )
        .unwrap();
    let again = run_scan(&mut store, &engine, &root);
    assert_eq!(
        (again.errors, again.unchanged, again.skipped.len()),
        (0, 1, 0),
        "the broken file is not read again: {again:?}"
    );
    let record = store.photo_by_path(&motion).unwrap().unwrap();
    assert_eq!((record.status, record.error), (PhotoStatus::Done, None));
    assert_eq!(faces_at(&store, &motion), faces, "its faces as they were");

    // An error from before these readers is tried again, and kept as theirs.
    store
        .connection()
        .execute(
            "UPDATE photos SET error_readers = NULL WHERE status = 'error'",
            [],
        )
        .unwrap();
    let third = run_scan(&mut store, &engine, &root);
    assert_eq!((third.errors, third.unchanged), (1, 1), "{third:?}");
    let record = store.photo_by_path(&broken).unwrap().unwrap();
    assert_eq!(
        record.error_readers,
        Some(kindred::library::decode::READERS_REVISION)
    );
    assert_eq!(run_scan(&mut store, &engine, &root).errors, 0);
}

/// A Google Takeout file as Google writes it, for a photo taken `seconds` after 1970 (UTC).
fn takeout_file(seconds: i64) -> String {
    format!(
        r#"{{"title": "photo.jpg", "creationTime": {{"timestamp": "1700000000"}},
            "photoTakenTime": {{"timestamp": "{seconds}", "formatted": "(UTC)"}}}}"#
    )
}

/// Google Photos keeps the date of photos whose EXIF has none in the Takeout file beside each
/// (a messaging app's copy, a scan, a photo re-dated there): a scan dates them by it, before
/// their names, and dates photos already in the library when the file comes later, without
/// analysing them again. A camera's EXIF date stays.
#[test]
fn photos_are_dated_by_their_google_takeout_files() {
    use jiff::tz::TimeZone;
    use kindred::library::dates::takeout_date;

    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let root = dir
        .path()
        .join("Takeout")
        .join("Google Photos")
        .join("Trip");
    std::fs::create_dir_all(&root).unwrap();
    // Sent on through a messaging app, which named it by the day it was sent.
    let sent = "IMG-20190720-WA0001.jpg";
    std::fs::copy(fixture("people/Laura_Bush_0002.jpg"), root.join(sent)).unwrap();
    let july = takeout_file(1_563_116_602);
    std::fs::write(
        root.join(format!("{sent}.supplemental-metadata.json")),
        &july,
    )
    .unwrap();
    let camera = "DSC_0001.jpg";
    write_jpeg_taken_at(&root.join(camera), &laura_and_tony(), "2018:05:01 10:00:00");
    std::fs::write(
        root.join(format!("{camera}.supplemental-metadata.json")),
        &july,
    )
    .unwrap();
    let later = "IMG-20100101-WA0002.jpg";
    std::fs::copy(fixture("people/Tony_Blair_0001.jpg"), root.join(later)).unwrap();

    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    let first = run_scan(&mut store, &engine, &root);
    assert_eq!(first.analysed, 3, "{first:?}");
    let date = |store: &Store, name: &str| {
        let photo = store.photo_by_path(&root.join(name)).unwrap().unwrap();
        (photo.taken_at, photo.dated_by_name)
    };
    let in_july = takeout_date(&july, &TimeZone::system());
    assert!(
        in_july
            .as_deref()
            .is_some_and(|d| d.starts_with("2019-07-1"))
    );
    assert_eq!(date(&store, sent), (in_july, false));
    assert_eq!(
        date(&store, camera),
        (Some("2018-05-01 10:00:00".into()), false)
    );
    assert_eq!(date(&store, later), (Some("2010-01-01".into()), true));

    // Its Takeout file comes later (a second export unpacked over the first).
    let march = takeout_file(1_267_790_400);
    std::fs::write(
        root.join(format!("{later}.supplemental-metadata.json")),
        &march,
    )
    .unwrap();
    let second = run_scan(&mut store, &engine, &root);
    assert_eq!((second.analysed, second.unchanged), (0, 3), "{second:?}");
    assert_eq!(
        date(&store, later),
        (takeout_date(&march, &TimeZone::system()), false)
    );
    assert_eq!(
        date(&store, camera),
        (Some("2018-05-01 10:00:00".into()), false)
    );
}

/// Regression: a photo folder that listed nothing (a network share or drive not connected,
/// its mount point left empty) had every photo of it marked missing, their faces out of
/// People, one click from being forgotten. A folder that still lists photos has the ones
/// deleted from it marked missing as before.
#[test]
fn a_photo_folder_found_empty_keeps_its_photos_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["Laura_Bush_0002.jpg", "Laura_Bush_0003.jpg"];
    let photos = photos_from(dir.path(), &names);
    let engine = engine();
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    let first = run_scan(&mut store, &engine, &photos);
    assert_eq!(first.analysed, 2, "{first:?}");

    // The share is gone: its mount point is an empty folder.
    let elsewhere = dir.path().join("unmounted");
    std::fs::rename(&photos, &elsewhere).unwrap();
    std::fs::create_dir(&photos).unwrap();
    let empty = run_scan(&mut store, &engine, &photos);
    assert_eq!(empty.missing, 0, "{empty:?}");
    let said = empty
        .skipped
        .iter()
        .find(|(path, _)| *path == scan::normalise_root(&photos))
        .map(|(_, reason)| reason.clone())
        .unwrap_or_default();
    assert!(said.contains("the library knows 2 photos"), "{empty:?}");
    assert!(
        store
            .photos()
            .unwrap()
            .iter()
            .all(|p| p.status == PhotoStatus::Done)
    );

    // Back, less one photo deleted meanwhile: that one is missing.
    std::fs::remove_dir(&photos).unwrap();
    std::fs::rename(&elsewhere, &photos).unwrap();
    std::fs::remove_file(photos.join(names[0])).unwrap();
    let back = run_scan(&mut store, &engine, &photos);
    assert_eq!((back.unchanged, back.missing), (1, 1), "{back:?}");
    assert!(back.skipped.is_empty(), "{back:?}");
}

/// Regression: a missing photo whose file came back to its own path (touched, so read again)
/// was still offered to other files of its content: a copy found in the same scan took it
/// away to its own path, and one of the two files had no photo until the next scan.
#[test]
fn a_missing_photo_back_at_its_path_stays_there_when_a_copy_turns_up() {
    let dir = tempfile::tempdir().unwrap();
    let name = "Laura_Bush_0002.jpg";
    let photos = scan::normalise_root(&photos_from(dir.path(), &[name, "Laura_Bush_0003.jpg"]));
    let engine = engine();
    let mut store = Store::open(&dir.path().join("library.kindred")).unwrap();
    run_scan(&mut store, &engine, &photos);
    let photo = photos.join(name);
    let id = store.photo_by_path(&photo).unwrap().unwrap().id;
    let bytes = std::fs::read(&photo).unwrap();
    std::fs::remove_file(&photo).unwrap();
    assert_eq!(run_scan(&mut store, &engine, &photos).missing, 1);

    // Back with a new time, and a copy of it in a new folder.
    std::fs::write(&photo, &bytes).unwrap();
    let copy = photos.join("Recovered").join(name);
    std::fs::create_dir(copy.parent().unwrap()).unwrap();
    std::fs::write(&copy, &bytes).unwrap();
    let back = run_scan(&mut store, &engine, &photos);
    assert_eq!(back.moved, 0, "{back:?}");
    let at_its_path = store.photo_by_path(&photo).unwrap().unwrap();
    assert_eq!(
        (at_its_path.id, at_its_path.status),
        (id, PhotoStatus::Done)
    );
    let the_copy = store.photo_by_path(&copy).unwrap().unwrap();
    assert_ne!(the_copy.id, id);
    assert_eq!(the_copy.status, PhotoStatus::Done);
    assert_eq!(integrity(&store), "ok");
}
