//! The descriptor network against dlib's own descriptors of the 68 golden chips.

mod common;

use common::*;
use kindred::engine::resnet::DescriptorNet;

fn load_net() -> DescriptorNet {
    let path = model("dlib_face_recognition_resnet_model_v1.dat");
    let bytes = std::fs::read(&path).unwrap();
    DescriptorNet::from_bytes("dlib_face_recognition_resnet_model_v1.dat", &bytes).unwrap()
}

fn chip_name(face: &serde_json::Value) -> String {
    let rel = face["chip_png"].as_str().unwrap();
    rel.rsplit('/').next().unwrap().to_string()
}

#[test]
fn descriptors_of_the_golden_chips_match_dlib() {
    let net = load_net();
    let golden = golden_json("descriptors.json");
    let faces = golden["faces"].as_array().unwrap();
    assert_eq!(faces.len(), 68);
    let chips: Vec<image::RgbImage> = faces
        .iter()
        .map(|f| {
            image::open(fixture(&format!("golden/chips/{}", chip_name(f))))
                .unwrap()
                .to_rgb8()
        })
        .collect();
    let ours = net.descriptors(&chips);
    let mut worst = 0.0f32;
    for (face, descriptor) in faces.iter().zip(&ours) {
        let expected = f32_vec(&face["descriptor_from_chip"]);
        let err = max_abs_diff(descriptor, &expected);
        worst = worst.max(err);
        assert!(err <= 1e-5, "{}: max |Δ| {err}", chip_name(face));
    }
    eprintln!("68 chips, worst per-element difference {worst:e}");
}

#[test]
fn block_outputs_match_dlibs_layer_checkpoints() {
    let net = load_net();
    let golden = golden_json("resnet_layer_checkpoints.json");
    for chip in golden["chips"].as_array().unwrap() {
        let name = chip["chip_png"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let img = image::open(fixture(&format!("golden/chips/{name}")))
            .unwrap()
            .to_rgb8();
        let layers = chip["layers"].as_array().unwrap();
        let input = net.input_tensor(&img);
        let input_sum: f64 = input.iter().map(|&v| f64::from(v)).sum();
        let expected_input_sum = layers[0]["sum"].as_f64().unwrap();
        assert!((input_sum - expected_input_sum).abs() < 1e-6 * expected_input_sum.abs().max(1.0));
        // The stem ends after step 4 (max pool); each block ends with its ReLU.
        let block_ends: Vec<&serde_json::Value> = layers
            .iter()
            .filter(|l| {
                let role = l["role"].as_str().unwrap_or("");
                l["step"].as_u64() == Some(4) || role.contains("block output")
            })
            .collect();
        let mut seen = Vec::new();
        net.forward(input.view(), |_, t| {
            seen.push((t.dim(), t.iter().map(|&v| f64::from(v)).sum::<f64>()))
        });
        assert_eq!(seen.len(), block_ends.len(), "stem + 14 blocks");
        for ((dim, sum), layer) in seen.iter().zip(block_ends) {
            let shape: Vec<usize> = layer["shape_nkrc"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(
                [dim.0, dim.1, dim.2],
                [shape[1], shape[2], shape[3]],
                "step {}",
                layer["step"]
            );
            let expected = layer["sum"].as_f64().unwrap();
            assert!(
                (sum - expected).abs() <= 1e-5 * expected.abs().max(1.0),
                "{name} step {}: sum {sum} vs {expected}",
                layer["step"]
            );
        }
    }
}
