//! The 5-point shape predictor against dlib's landmarks on every golden face box (CNN and HOG
//! boxes, both upsample settings).

mod common;

use common::*;
use kindred::engine::geometry::Rect;
use kindred::engine::shape_predictor::ShapePredictor;

fn load() -> ShapePredictor {
    let bytes = std::fs::read(model("shape_predictor_5_face_landmarks.dat")).unwrap();
    ShapePredictor::from_bytes("shape_predictor_5_face_landmarks.dat", &bytes).unwrap()
}

fn check(file: &str, detector: &str) -> usize {
    let sp = load();
    let golden = golden_json(file);
    let mut boxes = 0;
    let mut worst = 0.0f64;
    for image in golden["images"].as_array().unwrap() {
        let stem = image["file"].as_str().unwrap().trim_end_matches(".jpg");
        let pixels = golden_image(stem);
        for up in ["0", "1"] {
            let list = if detector == "cnn" {
                &image["cnn"][up]["detections"]
            } else {
                &image["hog"][up]
            };
            for det in list.as_array().unwrap() {
                let r: Vec<i64> = det["rect"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect();
                let rect = Rect::new(r[0], r[1], r[2], r[3]);
                let points = sp.predict(&pixels, rect);
                let ints: Vec<[i64; 2]> = points.iter().map(|p| [p.x, p.y]).collect();
                let expected: Vec<[i64; 2]> = det["landmarks5"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| [p[0].as_i64().unwrap(), p[1].as_i64().unwrap()])
                    .collect();
                assert_eq!(ints, expected, "{stem} up {up} {detector} rect {r:?}");
                for (ours, exp) in sp
                    .predict_float(&pixels, rect)
                    .iter()
                    .zip(det["landmarks5_float"].as_array().unwrap())
                {
                    let err = (ours.0 - exp[0].as_f64().unwrap())
                        .abs()
                        .max((ours.1 - exp[1].as_f64().unwrap()).abs());
                    worst = worst.max(err);
                }
                boxes += 1;
            }
        }
    }
    assert!(worst < 1e-3, "{detector}: float landmarks off by {worst}");
    eprintln!("{detector}: {boxes} boxes, integer landmarks identical, float within {worst:e}");
    boxes
}

#[test]
fn landmarks_on_cnn_boxes_match_dlib() {
    assert_eq!(check("detections.json", "cnn"), 102);
}

#[test]
fn landmarks_on_hog_boxes_match_dlib() {
    assert_eq!(check("hog.json", "hog"), 104);
}

#[test]
fn odd_boxes_and_damaged_files_never_panic() {
    let sp = load();
    let img = golden_image("2008_001009");
    for rect in [
        Rect::new(-50, -50, 30, 30),
        Rect::new(480, 360, 700, 600),
        Rect::new(10, 10, 10, 10),
        Rect::new(5, 5, 0, 0),
    ] {
        sp.predict(&img, rect);
    }
    sp.predict(&image::RgbImage::new(0, 0), Rect::new(0, 0, 10, 10));
    let bytes = std::fs::read(model("shape_predictor_5_face_landmarks.dat")).unwrap();
    for len in [0, 1, 2, 70, 1000, bytes.len() / 2, bytes.len() - 1] {
        let err = ShapePredictor::from_bytes("sp.dat", &bytes[..len])
            .err()
            .expect("truncated file must fail");
        assert!(
            err.to_string().contains("sp.dat") && err.to_string().contains("at byte"),
            "{err}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(ShapePredictor::from_bytes("sp.dat", &longer).is_err());
}
