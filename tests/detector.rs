//! The CNN face detector against dlib's detections on the golden photos (dlib's own decoded
//! pixels), at upsample 0 and 1.

mod common;

use common::*;
use kindred::engine::detector::FaceDetector;

fn load_detector() -> FaceDetector {
    let bytes = std::fs::read(model("mmod_human_face_detector.dat")).unwrap();
    FaceDetector::from_bytes("mmod_human_face_detector.dat", &bytes).unwrap()
}

fn check_case(detector: &FaceDetector, image: &serde_json::Value, upsample: u32) -> (usize, f64) {
    let stem = image["file"].as_str().unwrap().trim_end_matches(".jpg");
    let pixels = golden_image(stem);
    let case = &image["cnn"][upsample.to_string()];
    let expected = case["detections"].as_array().unwrap();
    let found = detector.detect(&pixels, upsample);
    let expected_rects: Vec<Vec<i64>> = expected
        .iter()
        .map(|d| {
            d["rect"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect()
        })
        .collect();
    let found_rects: Vec<Vec<i64>> = found.iter().map(|d| d.rect.to_array().to_vec()).collect();
    assert_eq!(found_rects, expected_rects, "{stem} upsample {upsample}");
    let mut worst = 0.0f64;
    for (d, e) in found.iter().zip(expected) {
        let err = (d.confidence - e["confidence"].as_f64().unwrap()).abs();
        assert!(
            err <= 1e-3,
            "{stem} upsample {upsample}: confidence off by {err}"
        );
        worst = worst.max(err);
    }
    (found.len(), worst)
}

#[test]
fn detections_match_dlib_at_upsample_0() {
    let detector = load_detector();
    let golden = golden_json("detections.json");
    let mut total = 0;
    let mut worst = 0.0f64;
    for image in golden["images"].as_array().unwrap() {
        let (n, w) = check_case(&detector, image, 0);
        total += n;
        worst = worst.max(w);
    }
    assert_eq!(total, 35);
    eprintln!("upsample 0: {total} detections identical, worst confidence difference {worst:e}");
}

#[test]
fn detections_match_dlib_at_upsample_1() {
    let detector = load_detector();
    let golden = golden_json("detections.json");
    let mut total = 0;
    let mut worst = 0.0f64;
    for image in golden["images"].as_array().unwrap() {
        let (n, w) = check_case(&detector, image, 1);
        total += n;
        worst = worst.max(w);
    }
    assert_eq!(total, 67);
    eprintln!("upsample 1: {total} detections identical, worst confidence difference {worst:e}");
    // The photos above ran on buffers reused from one another; a scan frees them at its end.
    assert!(detector.idle_buffer_bytes() > 0);
    detector.release_buffers();
    assert_eq!(detector.idle_buffer_bytes(), 0);
    let first = &golden["images"].as_array().unwrap()[0];
    check_case(&detector, first, 1);
}

#[test]
fn score_map_matches_dlibs_checkpoint() {
    let detector = load_detector();
    let golden = golden_json("detector_layer_checkpoints.json");
    let pixels = golden_image("2008_002506");
    let (tensor, _) =
        kindred::engine::pyramid::build_input_tensor(&pixels, detector.input_means()).unwrap();
    let scores = detector.score_map(tensor.view());
    let values = f32_vec(&golden["score_map"]["values_row_major"]);
    assert_eq!(scores.dim(), (173, 62));
    assert_eq!(values.len(), scores.len());
    let err = max_abs_diff(scores.as_slice().unwrap(), &values);
    assert!(err < 1e-4, "score map max |Δ| {err}");
}
