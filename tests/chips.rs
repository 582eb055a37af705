//! Face chips against dlib's own chips of the 68 golden faces, byte for byte, and the jittered
//! descriptor against dlib's `num_jitters = 10`.

mod common;

use common::*;
use kindred::engine::chip::{
    CHIP_PADDING, CHIP_SIZE, extract_chip, extract_chips, face_chip_details,
};
use kindred::engine::geometry::Point;
use kindred::engine::jitter::DlibRand;
use kindred::engine::pipeline::FaceEngine;

fn landmarks(face: &serde_json::Value) -> [Point; 5] {
    let pts: Vec<Point> = face["landmarks5"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Point::new(p[0].as_i64().unwrap(), p[1].as_i64().unwrap()))
        .collect();
    pts.try_into().unwrap()
}

fn stem_of(face: &serde_json::Value) -> String {
    let image = face["image"].as_str().unwrap();
    image
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".jpg")
        .trim_end_matches(".png")
        .to_string()
}

fn golden_chip(face: &serde_json::Value) -> image::RgbImage {
    let name = face["chip_png"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    image::open(fixture(&format!("golden/chips/{name}")))
        .unwrap()
        .to_rgb8()
}

#[test]
fn chips_are_byte_identical_to_dlibs() {
    let golden = golden_json("descriptors.json");
    let faces = golden["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 68);
    let mut images = std::collections::HashMap::new();
    for face in faces {
        let stem = stem_of(face);
        let image = images
            .entry(stem.clone())
            .or_insert_with(|| golden_image(&stem));
        let details = face_chip_details(&landmarks(face), CHIP_SIZE, CHIP_PADDING);
        let expected = &face["chip_details"];
        let rect: Vec<f64> = expected["rect_ltrb"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let ours = [
            details.rect.left,
            details.rect.top,
            details.rect.right,
            details.rect.bottom,
        ];
        for (a, b) in ours.iter().zip(&rect) {
            assert!(
                (a - b).abs() < 1e-9,
                "{stem}: chip rect {ours:?} vs {rect:?}"
            );
        }
        assert!((details.angle - expected["angle"].as_f64().unwrap()).abs() < 1e-9);
        let chip = extract_chip(image, &details);
        assert!(
            chip == golden_chip(face),
            "{stem} face {}: chip differs from dlib's",
            face["face_index"]
        );
    }
}

#[test]
fn batch_extraction_matches_single_chips_without_pyramid() {
    let golden = golden_json("descriptors.json");
    let faces: Vec<&serde_json::Value> = golden["faces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| stem_of(f) == "bald_guys")
        .collect();
    let image = golden_image("bald_guys");
    let details: Vec<_> = faces
        .iter()
        .map(|f| face_chip_details(&landmarks(f), CHIP_SIZE, CHIP_PADDING))
        .collect();
    let batch = extract_chips(&image, &details);
    let mut same = 0;
    for (face, chip) in faces.iter().zip(&batch) {
        if face["chip_details"]["pyramid_downsamples"].as_u64() == Some(0) {
            assert!(
                *chip == golden_chip(face),
                "level-0 chip differs in batch mode"
            );
            same += 1;
        }
    }
    assert_eq!(same, faces.len() - 1, "only face 22 needs the pyramid");
}

#[test]
fn jittered_descriptors_match_dlib_across_two_calls() {
    let engine = FaceEngine::load_from_dir(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"),
    )
    .unwrap();
    let golden = golden_json("jitter.json");
    let chip = image::open(fixture("golden/chips/2007_007763_0.png"))
        .unwrap()
        .to_rgb8();
    let mut rng = DlibRand::new();
    for call in [
        "descriptor_jitter10_first_call",
        "descriptor_jitter10_second_call",
    ] {
        let ours = engine.descriptors_of_chips(std::slice::from_ref(&chip), 10, &mut rng);
        let err = max_abs_diff(&ours[0], &f32_vec(&golden[call]));
        assert!(err < 1e-5, "{call}: max |Δ| {err}");
    }
}

#[test]
fn flip_averaged_descriptors_are_the_mean_of_a_chip_and_its_mirror() {
    let engine = FaceEngine::load_from_dir(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"),
    )
    .unwrap();
    let chips: Vec<image::RgbImage> = ["2007_007763_0.png", "bald_guys_0.png"]
        .iter()
        .map(|name| {
            image::open(fixture(&format!("golden/chips/{name}")))
                .unwrap()
                .to_rgb8()
        })
        .collect();
    let mirrors: Vec<image::RgbImage> =
        chips.iter().map(image::imageops::flip_horizontal).collect();
    let mut rng = DlibRand::new();
    let plain = engine.descriptors_of_chips(&chips, 0, &mut rng);
    let mirrored = engine.descriptors_of_chips(&mirrors, 0, &mut rng);
    let flipped = engine.descriptors_of_chips_flipped(&chips, 0, &mut rng);
    assert_eq!(flipped.len(), 2);
    for i in 0..2 {
        let mean: Vec<f32> = (0..128)
            .map(|k| (plain[i][k] + mirrored[i][k]) / 2.0)
            .collect();
        assert!(max_abs_diff(&flipped[i], &mean) < 1e-6, "chip {i}");
        // A face and its mirror image get the same flip-averaged descriptor...
        let of_mirror = engine.descriptors_of_chips_flipped(&mirrors[i..=i], 0, &mut rng);
        assert!(max_abs_diff(&flipped[i], &of_mirror[0]) < 1e-6, "chip {i}");
        // ...which is not dlib's one-pass descriptor, though close to it.
        let moved = kindred::engine::resnet::distance(&flipped[i], &plain[i]);
        assert!(moved > 0.01 && moved < 0.3, "chip {i} moved {moved}");
    }
}

#[test]
fn odd_inputs_give_black_chips_not_panics() {
    let tiny = image::RgbImage::new(1, 1);
    let empty = image::RgbImage::new(0, 0);
    let same = [Point::new(5, 5); 5];
    let far = [
        Point::new(100_000, -100_000),
        Point::new(100_010, -100_000),
        Point::new(100_050, -100_000),
        Point::new(100_040, -100_000),
        Point::new(100_025, -99_960),
    ];
    for image in [&tiny, &empty] {
        for lm in [&same, &far] {
            let chip = extract_chip(image, &face_chip_details(lm, CHIP_SIZE, CHIP_PADDING));
            assert_eq!(chip.dimensions(), (150, 150));
        }
    }
}
