//! `kindred bench lfw` end to end on four LFW images (tests/fixtures/lfw): the library run,
//! the command line's JSON, the no-face fallback and the error paths.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use kindred::bench::lfw::{self, Align, ImageRef, LfwOptions};
use kindred::engine::pipeline::FaceEngine;
use kindred::engine::resnet::distance;

fn engine() -> &'static FaceEngine {
    static ENGINE: OnceLock<FaceEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        FaceEngine::load_from_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"))
            .unwrap()
    })
}

fn images_dir() -> PathBuf {
    fixture("lfw")
}

/// Where LFW keeps image `number` of `name` under `dir`.
fn lfw_path(dir: &Path, name: &str, number: u32) -> PathBuf {
    ImageRef {
        name: name.into(),
        number,
    }
    .path(dir)
}

fn image(name: &str, number: u32) -> image::RgbImage {
    image::open(lfw_path(&images_dir(), name, number))
        .unwrap()
        .to_rgb8()
}

/// Runs the command, insists that it succeeds, and returns its standard output.
fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn kindred() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kindred"));
    cmd.env_remove("KINDRED_MODELS");
    cmd
}

#[test]
fn descriptors_tell_the_two_people_apart_in_every_variant() {
    let variants = [
        LfwOptions::default(),
        LfwOptions {
            flip: true,
            ..Default::default()
        },
        LfwOptions {
            align: Align::Box,
            ..Default::default()
        },
    ];
    let [t1, t2, b1, b2] = [
        image("Tyron_Garner", 1),
        image("Tyron_Garner", 2),
        image("Barrett_Jackman", 1),
        image("Barrett_Jackman", 2),
    ];
    let plain: Vec<_> = [&t1, &t2, &b1, &b2]
        .iter()
        .map(|i| lfw::describe_image(engine(), i, LfwOptions::default()).descriptor)
        .collect();
    for options in variants {
        let d: Vec<_> = [&t1, &t2, &b1, &b2]
            .iter()
            .map(|i| {
                let r = lfw::describe_image(engine(), i, options);
                assert!(r.detected, "{options:?}");
                r.descriptor
            })
            .collect();
        let same = [distance(&d[0], &d[1]), distance(&d[2], &d[3])];
        let different = [distance(&d[0], &d[3]), distance(&d[2], &d[1])];
        let worst_same = same.iter().copied().fold(0.0, f32::max);
        let best_different = different.iter().copied().fold(f32::MAX, f32::min);
        assert!(
            worst_same < best_different,
            "{options:?}: same {same:?}, different {different:?}"
        );
        if options.flip {
            // The mirror changes the descriptor, but far less than a change of person.
            let moved = distance(&d[0], &plain[0]);
            assert!(moved > 0.0 && moved < worst_same, "{moved}");
        }
    }
}

#[test]
fn the_run_scores_the_fixture_pairs() {
    let pairs = lfw::read_pairs(&images_dir().join("pairs.txt")).unwrap();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let report = lfw::run(
        engine(),
        &pairs,
        &images_dir(),
        LfwOptions::default(),
        &|| {
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        },
    )
    .unwrap();
    assert_eq!(done.into_inner(), 4);
    assert_eq!((report.pairs, report.folds, report.images), (4, 1, 4));
    assert_eq!(report.images_without_face, 0);
    assert_eq!(report.accuracy_at_0_6, 1.0);
    assert_eq!(report.accuracy_10fold_mean, 1.0);
    assert!(report.threshold_on_test_fold);
    assert_eq!(report.network_passes_per_face, 1);
}

/// Copies a fixture image into `to`, filed as image `number` of `name` (which may be another
/// person's name: LFW has such labelling mistakes).
fn copy_fixture_as(from: (&str, u32), name: &str, number: u32, to: &Path) {
    let dest = lfw_path(to, name, number);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(lfw_path(&images_dir(), from.0, from.1), dest).unwrap();
}

fn copy_fixture(name: &str, number: u32, to: &Path) {
    copy_fixture_as((name, number), name, number, to);
}

#[test]
fn an_image_without_a_face_falls_back_to_the_centre_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("Tyron_Garner", 1, dir.path());
    copy_fixture("Tyron_Garner", 2, dir.path());
    let blank = lfw_path(dir.path(), "Nobody", 1);
    std::fs::create_dir_all(blank.parent().unwrap()).unwrap();
    image::RgbImage::from_pixel(250, 250, image::Rgb([128, 128, 128]))
        .save(&blank)
        .unwrap();
    let pairs = lfw::parse_pairs("1 1\nTyron_Garner 1 2\nNobody 1 Tyron_Garner 2\n").unwrap();
    let report = lfw::run(engine(), &pairs, dir.path(), LfwOptions::default(), &|| {}).unwrap();
    assert_eq!(report.images, 3);
    assert_eq!(report.images_without_face, 1);
    assert_eq!(report.without_face, ["Nobody_0001"]);
}

#[test]
fn a_mislabelled_image_shows_up_among_the_wrong_pairs() {
    // As in LFW's own errata: a photo of one man filed under another's name.
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("Tyron_Garner", 1, dir.path());
    copy_fixture("Tyron_Garner", 2, dir.path());
    copy_fixture("Barrett_Jackman", 1, dir.path());
    copy_fixture_as(("Barrett_Jackman", 2), "Tyron_Garner", 3, dir.path());
    let pairs_file = dir.path().join("pairs.txt");
    std::fs::write(
        &pairs_file,
        "1\t2\nTyron_Garner\t1\t2\nTyron_Garner\t1\t3\n\
         Tyron_Garner\t2\tBarrett_Jackman\t1\nTyron_Garner\t1\tBarrett_Jackman\t1\n",
    )
    .unwrap();
    let stdout = stdout_of(
        kindred()
            .args(["bench", "lfw", "--list-wrong", "--pairs"])
            .arg(&pairs_file)
            .arg("--images")
            .arg(dir.path()),
    );
    let text = String::from_utf8_lossy(&stdout);
    assert!(
        text.contains("accuracy at threshold 0.6: 75.00% (1 pair(s) wrong)"),
        "{text}"
    );
    let listed: Vec<&str> = text.lines().filter(|l| l.starts_with("  line")).collect();
    assert_eq!(listed.len(), 1, "{text}");
    assert!(
        listed[0].contains("line     3")
            && listed[0].contains("Tyron_Garner_0001 Tyron_Garner_0003"),
        "{text}"
    );
}

#[test]
fn json_report_has_the_contract_keys() {
    let stdout = stdout_of(
        kindred()
            .args(["bench", "lfw", "--flip", "--json", "--pairs"])
            .arg(images_dir().join("pairs.txt"))
            .arg("--images")
            .arg(images_dir()),
    );
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    for key in [
        "pairs",
        "images_without_face",
        "accuracy_at_0_6",
        "accuracy_10fold_mean",
        "accuracy_10fold_std",
        "seconds_per_image",
        "jitter",
        "flip",
        "upsample",
        "align",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["pairs"], 4);
    assert_eq!(v["flip"], true);
    assert_eq!(v["align"], "landmarks");
    assert_eq!(v["network_passes_per_face"], 2);
    assert_eq!(v["wrong_at_0_6"], serde_json::json!([]));
}

#[test]
fn a_malformed_pairs_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.txt");
    std::fs::write(&pairs, "1\t1\nTyron_Garner\t1\t2\nTyron_Garner\t1\n").unwrap();
    let out = kindred()
        .args(["bench", "lfw", "--pairs"])
        .arg(&pairs)
        .arg("--images")
        .arg(images_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("pairs.txt"), "{stderr}");
}

#[test]
fn missing_images_are_named() {
    let pairs =
        lfw::parse_pairs("1 1\nTyron_Garner 1 7\nTyron_Garner 1 Barrett_Jackman 2\n").unwrap();
    let e = lfw::run(
        engine(),
        &pairs,
        &images_dir(),
        LfwOptions::default(),
        &|| {},
    )
    .expect_err("a missing image was not noticed");
    let text = e.to_string();
    assert!(text.contains("Tyron_Garner_0007.jpg"), "{text}");
}
