//! Loading the model files: identity checks and clear errors for missing, truncated,
//! corrupted and wrong files.

mod common;

use common::*;
use kindred::engine::detector::FaceDetector;
use kindred::engine::models::{self, ModelError, ModelKind};
use kindred::engine::pipeline::FaceEngine;
use kindred::engine::resnet::DescriptorNet;

#[test]
fn the_shipped_models_load_and_verify() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    FaceEngine::load_from_dir(&dir).unwrap();
}

#[test]
fn a_missing_model_names_the_file_and_the_folders_searched() {
    let dir = tempfile::tempdir().unwrap();
    let err = models::locate_in(ModelKind::Descriptor, &[dir.path().to_path_buf()]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("dlib_face_recognition_resnet_model_v1.dat"),
        "{msg}"
    );
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
}

#[test]
fn a_truncated_model_reports_the_offset() {
    let bytes = std::fs::read(model("dlib_face_recognition_resnet_model_v1.dat")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dlib_face_recognition_resnet_model_v1.dat");
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let err = models::load(&path, ModelKind::Descriptor, DescriptorNet::from_bytes)
        .err()
        .unwrap();
    let ModelError::Corrupt(corrupt) = &err else {
        panic!("{err}")
    };
    assert!(corrupt.format.offset > 22_000_000, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("at byte"),
        "{msg}"
    );
    assert!(msg.contains("22466066"), "{msg}");
}

#[test]
fn a_corrupted_header_byte_reports_what_was_expected() {
    let mut bytes = std::fs::read(model("dlib_face_recognition_resnet_model_v1.dat")).unwrap();
    bytes[337] = b'X'; // "con_4" -> "cXn_4", the first conv record's tag
    let err = DescriptorNet::from_bytes("resnet.dat", &bytes)
        .err()
        .unwrap();
    assert_eq!(err.offset, 334);
    let msg = err.to_string();
    assert!(msg.contains("con_4") && msg.contains("resnet.dat"), "{msg}");

    // Every prefix of the detector file fails cleanly (never a panic).
    let detector = std::fs::read(model("mmod_human_face_detector.dat")).unwrap();
    for len in (0..detector.len()).step_by(997) {
        assert!(FaceDetector::from_bytes("d.dat", &detector[..len]).is_err());
    }
}

#[test]
fn a_different_but_valid_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mmod_human_face_detector.dat");
    let mut bytes = std::fs::read(model("mmod_human_face_detector.dat")).unwrap();
    bytes[720_000] ^= 0x01; // a raw float bit in the last conv's weights: still well-formed
    std::fs::write(&path, &bytes).unwrap();
    let err = models::load(&path, ModelKind::Detector, FaceDetector::from_bytes)
        .err()
        .unwrap();
    assert!(matches!(err, ModelError::WrongModel { .. }), "{err}");
    assert!(err.to_string().contains("4cb19393"), "{err}");
}
