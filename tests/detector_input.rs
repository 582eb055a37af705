//! The detector's input side against dlib's golden outputs: pyramid layouts, the tiled input
//! tensor, and the map from score-map cells back to image rectangles (`mmod-face-detector.md`
//! §4, §5 steps 2–4 and 8, §6). Everything here uses only `tests/fixtures/golden/` and `models/`.

use std::path::{Path, PathBuf};

use image::RgbImage;
use kindred::engine::dlib_format::Reader;
use kindred::engine::geometry::Rect;
use kindred::engine::pyramid::{
    PyramidLayout, build_input_tensor, cell_to_image_rect, pyramid_level_sizes, pyramid_up,
    pyramid_up_size, rect_down, score_map_size, tile_layout,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The detector window of `mmod_human_face_detector.dat`, (width, height).
const WINDOW: (usize, usize) = (80, 80);

/// The input layer's `avg_red`, `avg_green`, `avg_blue` (spec §2.4: 122.782f, 117.001f,
/// 104.298f); checked against the model file in `means_in_model_file_match_the_spec`.
const MEANS: [f32; 3] = [122.782, 117.001, 104.298];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

fn load_json(name: &str) -> Value {
    let path = golden_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn load_png(rel: &str) -> RgbImage {
    let path = golden_dir().join(rel);
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_rgb8()
}

fn usize_at(v: &Value) -> usize {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an unsigned int: {v}")) as usize
}

fn pair(v: &Value) -> (usize, usize) {
    (usize_at(&v[0]), usize_at(&v[1]))
}

fn rect(v: &Value) -> Rect {
    let c: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    assert_eq!(c.len(), 4);
    Rect::new(c[0], c[1], c[2], c[3])
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn means_in_model_file_match_the_spec() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/mmod_human_face_detector.dat");
    let data = std::fs::read(&path).unwrap();
    // The input layer starts at byte 92 (spec §2.6).
    let mut r = Reader::new("mmod_human_face_detector.dat", &data[92..]);
    r.expect_string("input_rgb_image_pyramid").unwrap();
    let means = [r.f32().unwrap(), r.f32().unwrap(), r.f32().unwrap()];
    assert_eq!(means, MEANS);
    assert_eq!(
        MEANS.map(f64::from),
        [122.78199768066406, 117.0009994506836, 104.2979965209961]
    );
}

/// Every layout in pyramid.json (cross-checked against dlib C++), exactly: level sizes, level
/// rectangles, tensor size, score-map size; plus the pyramid_up size rule.
#[test]
fn pyramid_json_layouts() {
    let golden = load_json("pyramid.json");
    let cases = golden["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let (h, w) = pair(&case["image_hw"]);
        let num_levels = usize_at(&case["num_levels"]);
        let want_sizes: Vec<(usize, usize)> = case["level_sizes_hw"]
            .as_array()
            .unwrap()
            .iter()
            .map(pair)
            .collect();
        let want_rects: Vec<Rect> = case["level_rects_ltrb_in_tiled_image"]
            .as_array()
            .unwrap()
            .iter()
            .map(rect)
            .collect();
        assert_eq!(want_sizes.len(), num_levels, "{name}");
        assert_eq!(want_rects.len(), num_levels, "{name}");

        // The candidate sizes start with exactly the used ones; the tiling may drop a tail.
        let sizes = pyramid_level_sizes(h, w);
        assert!(sizes.len() >= num_levels, "{name}");
        assert_eq!(sizes[..num_levels], want_sizes[..], "{name}: level sizes");

        let layout = tile_layout(h, w).unwrap_or_else(|| panic!("{name}: no layout"));
        assert_eq!(layout.levels, want_rects, "{name}: level rects");
        let rect_sizes: Vec<(usize, usize)> = layout
            .levels
            .iter()
            .map(|r| (r.height() as usize, r.width() as usize))
            .collect();
        assert_eq!(rect_sizes, want_sizes, "{name}: rect sizes");
        assert_eq!(
            (layout.rows, layout.cols),
            pair(&case["tiled_image_hw"]),
            "{name}"
        );
        assert_eq!(
            score_map_size(layout.rows, layout.cols),
            pair(&case["score_map_hw"]),
            "{name}: score map"
        );
        println!(
            "{name}: {} candidate sizes, {} levels used, tensor {}x{}",
            sizes.len(),
            layout.levels.len(),
            layout.rows,
            layout.cols
        );
    }

    let up = &golden["pyramid_up_sizes"]["example"];
    let (h, w) = pair(&up["in_hw"]);
    let want = pair(&up["out_hw"]);
    assert_eq!(pyramid_up_size(h, w), want);
    let img = pyramid_up(&RgbImage::new(w as u32, h as u32));
    assert_eq!((img.height() as usize, img.width() as usize), want);
}

/// The tiled input tensor for 2008_002506 (375×500, upsample 0) against dlib's probe:
/// shape, level rects, first values and centre values exactly, sums in f64 to 1e-6 relative.
#[test]
fn checkpoint_input_tensor() {
    let golden = load_json("detector_layer_checkpoints.json");
    let img = load_png(golden["image"]["decoded_png"].as_str().unwrap());
    assert_eq!(
        (img.height() as usize, img.width() as usize),
        (
            usize_at(&golden["image"]["height"]),
            usize_at(&golden["image"]["width"])
        )
    );
    let (tensor, layout) = build_input_tensor(&img, MEANS).unwrap();

    let want_rects: Vec<Rect> = golden["tiled_rects_ltrb"]
        .as_array()
        .unwrap()
        .iter()
        .map(rect)
        .collect();
    assert_eq!(layout.levels, want_rects);

    let gin = &golden["input_tensor"];
    let shape: Vec<usize> = gin["shape_nkhw"]
        .as_array()
        .unwrap()
        .iter()
        .map(usize_at)
        .collect();
    let (k, nr, nc) = tensor.dim();
    assert_eq!(vec![1, k, nr, nc], shape);
    assert!(tensor.is_standard_layout());

    let flat = tensor.as_slice().unwrap();
    // The fixture prints values with 16 significant digits: not always the exact f64 of the
    // f32, but always enough to identify the f32, so compare exactly after rounding to f32.
    let first8 = f64s(&gin["first8"]);
    for (i, want) in first8.iter().enumerate() {
        assert_eq!(flat[i], *want as f32, "first8[{i}]");
    }
    let at: Vec<usize> = gin["center8_at_khw"]
        .as_array()
        .unwrap()
        .iter()
        .map(usize_at)
        .collect();
    // (0, 702, 261..269) lies in level 1, so these values come from the f32 resize.
    assert!(layout.levels[1].contains(at[2] as i64, at[1] as i64));
    for (j, want) in f64s(&gin["center8"]).iter().enumerate() {
        let got = tensor[[at[0], at[1], at[2] + j]];
        assert_eq!(got, *want as f32, "center8[{j}]");
    }

    let sum: f64 = flat.iter().map(|&v| f64::from(v)).sum();
    let sum_sq: f64 = flat.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let rel = |got: f64, want: f64| ((got - want) / want).abs();
    let want_sum = gin["sum"].as_f64().unwrap();
    let want_sq = gin["sum_sq"].as_f64().unwrap();
    println!(
        "sum {sum} (golden {want_sum}, rel {:e})",
        rel(sum, want_sum)
    );
    println!(
        "sum_sq {sum_sq} (golden {want_sq}, rel {:e})",
        rel(sum_sq, want_sq)
    );
    assert!(rel(sum, want_sum) < 1e-6);
    assert!(rel(sum_sq, want_sq) < 1e-6);
    for (ch, want) in f64s(&gin["channel_sums"]).iter().enumerate() {
        let got: f64 = tensor
            .index_axis(ndarray::Axis(0), ch)
            .iter()
            .map(|&v| f64::from(v))
            .sum();
        println!(
            "channel {ch} sum {got} (golden {want}, rel {:e})",
            rel(got, *want)
        );
        assert!(rel(got, *want) < 1e-6, "channel {ch}");
    }
}

/// Every candidate before NMS (80 cells with score > 0) maps to the golden level and rect.
#[test]
fn checkpoint_candidates_map_to_golden_rects() {
    let golden = load_json("detector_layer_checkpoints.json");
    let (h, w) = (
        usize_at(&golden["image"]["height"]),
        usize_at(&golden["image"]["width"]),
    );
    let layout = tile_layout(h, w).unwrap();
    let (sr, sc) = score_map_size(layout.rows, layout.cols);
    assert_eq!((sr, sc), pair(&golden["score_map"]["shape_hw"]));
    let items = golden["candidates_before_nms"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 80);
    let mut in_padding = 0;
    for (i, item) in items.iter().enumerate() {
        let (r, c) = pair(&item["cell_rc"]);
        assert!(r < sr && c < sc);
        let (got, level) = cell_to_image_rect(&layout, r, c, WINDOW);
        assert_eq!(
            level,
            usize_at(&item["level"]),
            "candidate {i} cell ({r},{c}) level"
        );
        assert_eq!(
            got,
            rect(&item["rect"]),
            "candidate {i} cell ({r},{c}) rect"
        );
        if centre_in_padding(&layout, r, c) {
            in_padding += 1;
        }
    }
    println!("80 candidates mapped; {in_padding} had their centre in the padding");
}

fn centre_in_padding(layout: &PyramidLayout, r: usize, c: usize) -> bool {
    let (x, y) = (8 * c as i64 + 14, 8 * r as i64 + 14);
    !layout.levels.iter().any(|l| l.contains(x, y))
}

/// All 24 image × upsample cases of detections.json: pixels are the documented ones, the
/// upsampled size, tensor shape, score-map shape and level count agree, and every detection's
/// score-map cell maps to its detector-image rect, level and final (down-mapped) rect.
#[test]
fn detections_json_cases() {
    let golden = load_json("detections.json");
    let images = golden["images"].as_array().unwrap();
    assert_eq!(images.len(), 12);
    let (mut cases, mut dets, mut in_padding) = (0, 0, 0);
    for entry in images {
        let file = entry["file"].as_str().unwrap();
        let img = load_png(entry["decoded_png"].as_str().unwrap());
        assert_eq!(
            (img.height() as usize, img.width() as usize),
            (usize_at(&entry["height"]), usize_at(&entry["width"])),
            "{file}"
        );
        assert_eq!(
            sha256_hex(img.as_raw()),
            entry["rgb_sha256"].as_str().unwrap(),
            "{file}: decoded pixels"
        );

        let cnn = entry["cnn"].as_object().unwrap();
        assert_eq!(cnn.len(), 2, "{file}");
        for (key, case) in cnn {
            let upsample: u32 = key.parse().unwrap();
            let mut det_img = img.clone();
            for _ in 0..upsample {
                let (h, w) = (det_img.height() as usize, det_img.width() as usize);
                det_img = pyramid_up(&det_img);
                assert_eq!(
                    (det_img.height() as usize, det_img.width() as usize),
                    (2 * h + 1, 2 * w + 2)
                );
            }
            let (h, w) = (det_img.height() as usize, det_img.width() as usize);
            assert_eq!(
                (h, w),
                pair(&case["detector_image_hw"]),
                "{file} up {upsample}"
            );

            let layout = tile_layout(h, w).unwrap();
            let (tensor, built_layout) = build_input_tensor(&det_img, MEANS).unwrap();
            assert_eq!(built_layout, layout);
            let khw: Vec<usize> = case["tiled_tensor_khw"]
                .as_array()
                .unwrap()
                .iter()
                .map(usize_at)
                .collect();
            let dim = tensor.dim();
            assert_eq!(
                vec![dim.0, dim.1, dim.2],
                khw,
                "{file} up {upsample}: tensor"
            );
            assert!(tensor.iter().all(|v| v.is_finite() && v.abs() < 1.0));
            drop(tensor);
            assert_eq!(
                layout.levels.len(),
                usize_at(&case["num_pyramid_levels"]),
                "{file} up {upsample}: levels"
            );
            let (sr, sc) = score_map_size(layout.rows, layout.cols);
            assert_eq!(
                (sr, sc),
                pair(&case["score_map_hw"]),
                "{file} up {upsample}"
            );

            for (i, det) in case["detections"].as_array().unwrap().iter().enumerate() {
                let (r, c) = pair(&det["score_cell_rc"]);
                assert!(r < sr && c < sc);
                let (got, level) = cell_to_image_rect(&layout, r, c, WINDOW);
                let what = format!("{file} up {upsample} det {i} cell ({r},{c})");
                assert_eq!(level, usize_at(&det["pyramid_level"]), "{what}: level");
                assert_eq!(
                    got,
                    rect(&det["rect_in_detector_image"]),
                    "{what}: detector rect"
                );
                assert_eq!(
                    rect_down(got, upsample),
                    rect(&det["rect"]),
                    "{what}: final rect"
                );
                if centre_in_padding(&layout, r, c) {
                    in_padding += 1;
                }
                dets += 1;
            }
            cases += 1;
        }
    }
    println!("{cases} cases, {dets} detections mapped ({in_padding} with the centre in padding)");
    assert_eq!((cases, dets), (24, 102));
}
