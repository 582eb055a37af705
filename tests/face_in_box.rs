//! Faces the detector misses at the photo's own size, found again from a box drawn around
//! each: the faces dlib's detector finds only in the doubled golden photos.

mod common;

use common::*;
use kindred::engine::detector::Detection;
use kindred::engine::geometry::Rect;
use kindred::engine::jitter::DlibRand;
use kindred::engine::pipeline::HAND_BOX_MIN_SCORE;
use kindred::library::store::iou;

/// dlib's boxes of the faces found at upsample 1 but not at upsample 0, per golden photo.
fn missed_faces() -> Vec<(String, Vec<Rect>)> {
    let golden = golden_json("detections.json");
    let rects = |case: &serde_json::Value| -> Vec<Rect> {
        case["detections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let r: Vec<i64> = d["rect"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect();
                Rect::new(r[0], r[1], r[2], r[3])
            })
            .collect()
    };
    golden["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|image| {
            let found = rects(&image["cnn"]["0"]);
            let missed: Vec<Rect> = rects(&image["cnn"]["1"])
                .into_iter()
                .filter(|r| found.iter().all(|f| iou(f, r) < 0.5))
                .collect();
            let stem = image["file"].as_str().unwrap().trim_end_matches(".jpg");
            (!missed.is_empty()).then(|| (stem.to_string(), missed))
        })
        .collect()
}

/// A box as a person draws one: larger than the face, taking in hair and chin, and off centre.
fn drawn_around(face: Rect) -> Rect {
    let (w, h) = (face.width(), face.height());
    Rect::new(
        face.left - w / 4 + w / 10,
        face.top - h / 3,
        face.right + w / 4 + w / 10,
        face.bottom + h / 5,
    )
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

#[test]
fn a_box_drawn_around_a_face_the_detector_missed_finds_it() {
    let engine = engine();
    let mut faces = 0;
    let mut worst_overlap = 1.0f64;
    let mut worst_distance = 0.0f32;
    for (stem, missed) in missed_faces() {
        let image = golden_image(&stem);
        for face in missed {
            faces += 1;
            let drawn = drawn_around(face);
            let found = engine.face_in_box(&image, drawn).unwrap();
            assert!(
                found.confidence > HAND_BOX_MIN_SCORE,
                "{stem}: no face seen in {drawn:?} around {face:?}"
            );
            let overlap = iou(&found.rect, &face);
            worst_overlap = worst_overlap.min(overlap);
            let described = engine.describe(
                &image,
                &[
                    found,
                    Detection {
                        rect: face,
                        confidence: 1.0,
                    },
                ],
                0,
                true,
                &mut DlibRand::new(),
            );
            let d = distance(&described[0].descriptor, &described[1].descriptor);
            worst_distance = worst_distance.max(d);
        }
    }
    eprintln!("{faces} faces: worst IoU {worst_overlap:.2}, worst distance {worst_distance:.3}");
    assert_eq!(faces, 32);
    // The detector's boxes come in steps of its image pyramid, so the box found in an
    // enlarged crop may be a step smaller than the one in the doubled photo; both are the
    // face, and their descriptors lie far closer than the 0.6 that tells people apart.
    assert!(worst_overlap >= 0.5, "worst IoU {worst_overlap}");
    assert!(worst_distance < 0.3, "worst distance {worst_distance}");
}

#[test]
fn a_box_where_the_detector_sees_no_face_is_taken_as_drawn_squared() {
    let engine = engine();
    let image = golden_image("dogs");
    let drawn = Rect::new(100, 80, 219, 159);
    let found = engine.face_in_box(&image, drawn).unwrap();
    assert_eq!(found.confidence, HAND_BOX_MIN_SCORE);
    assert_eq!(found.rect, Rect::new(120, 80, 199, 159));
}

#[test]
fn a_box_off_the_photo_is_no_face_and_one_over_its_edge_is_cut_to_it() {
    let engine = engine();
    let image = golden_image("dogs");
    let (w, h) = (image.width() as i64, image.height() as i64);
    assert_eq!(
        engine.face_in_box(&image, Rect::new(w, 0, w + 50, 50)),
        None
    );
    assert_eq!(
        engine.face_in_box(&image, Rect::new(-80, -80, -1, -1)),
        None
    );
    let over_the_corner = engine
        .face_in_box(&image, Rect::new(w - 30, h - 30, w + 30, h + 30))
        .unwrap();
    assert_eq!(
        over_the_corner.rect,
        Rect::new(w - 30, h - 30, w - 1, h - 1)
    );
}

#[test]
fn looking_closer_finds_the_faces_of_the_doubled_photo_that_are_not_there_yet() {
    use kindred::library::{decode, scan};
    let engine = engine();
    let (stem, missed) = missed_faces().remove(0);
    assert_eq!((stem.as_str(), missed.len()), ("2007_007763", 7));
    let bytes = std::fs::read(fixture(&format!("golden/images/{stem}.png"))).unwrap();
    let photo = decode::decode_photo(&bytes).unwrap();
    let sorted = |faces: &[kindred::library::store::NewFace]| {
        let mut rects: Vec<Rect> = faces.iter().map(|f| f.rect).collect();
        rects.sort_by_key(|r| r.to_array());
        rects
    };
    let mut expected = missed.clone();
    expected.sort_by_key(|r| r.to_array());
    // At most half the default analysis size, the photo is looked at doubled by the scan
    // itself: its faces are dlib's at upsample 1 exactly.
    let scanned = scan::analyse_photo(&engine, &photo, scan::ScanOptions::default());
    assert_eq!(sorted(&scanned), expected);
    // At an analysis size it is not small for, the scan misses them, and looking closer is
    // dlib's upsample 1 exactly.
    let options = scan::ScanOptions {
        max_side: 800,
        ..Default::default()
    };
    assert_eq!(scan::analyse_photo(&engine, &photo, options), []);
    let found = scan::faces_found_closer(&engine, &photo, options, &[]);
    assert_eq!(sorted(&found), expected);
    assert!(found.iter().all(|f| f.by_hand));
    // A face already there (drawn, say) is not found twice.
    let drawn = Rect::new(
        missed[0].left + 2,
        missed[0].top - 3,
        missed[0].right,
        missed[0].bottom + 2,
    );
    let again = scan::faces_found_closer(&engine, &photo, options, &[drawn]);
    assert_eq!(again.len(), 6);
    assert!(again.iter().all(|f| iou(&f.rect, &missed[0]) < 0.5));
}
