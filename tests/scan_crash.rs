//! Crash safety: `kindred scan` killed at several points, then rescanned, leaves a complete
//! library with no duplicate photo or face.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use kindred::library::store::Store;

fn make_tree(root: &Path) -> usize {
    let sources = ["2008_001009", "2008_001322", "2008_002506", "2009_004587"];
    let mut count = 0;
    for (i, stem) in sources.iter().enumerate() {
        let image = golden_image(stem);
        let variants = [
            image.clone(),
            image::imageops::flip_horizontal(&image),
            image::imageops::crop_imm(&image, 10, 5, image.width() - 20, image.height() - 10)
                .to_image(),
            image::imageops::brighten(&image, 12),
            image::imageops::flip_horizontal(&image::imageops::brighten(&image, -10)),
            image::imageops::crop_imm(&image, 0, 0, image.width() - 30, image.height()).to_image(),
            image::imageops::brighten(&image, 25),
            image::imageops::crop_imm(&image, 20, 0, image.width() - 20, image.height()).to_image(),
        ];
        for (j, v) in variants.iter().enumerate() {
            let dir = root.join(format!("set{i}/{}", j % 3));
            std::fs::create_dir_all(&dir).unwrap();
            v.save(dir.join(format!("{stem}_{j}.png"))).unwrap();
            count += 1;
        }
    }
    count
}

fn scan_command(library: &Path, root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kindred"));
    cmd.arg("--library")
        .arg(library)
        .arg("scan")
        .arg("--quiet")
        .arg(root);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

fn face_count_by_photo(store: &Store) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = store
        .photos()
        .unwrap()
        .into_iter()
        .map(|p| {
            (
                p.path.display().to_string(),
                store.faces_of_photo(p.id).unwrap().len(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_scan_killed_at_any_moment_resumes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    let photos = make_tree(&root);
    assert!(photos >= 30);

    // Reference: one uninterrupted scan.
    let clean = dir.path().join("clean.kindred");
    assert!(scan_command(&clean, &root).status().unwrap().success());
    let expected = face_count_by_photo(&Store::open(&clean).unwrap());
    assert_eq!(expected.len(), photos);

    // Kill a scan at growing delays, then let a final scan finish.
    let library = dir.path().join("killed.kindred");
    let mut kills = 0;
    for delay_ms in [150u64, 700, 1500, 2500, 4000] {
        let mut child = scan_command(&library, &root).spawn().unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(delay_ms) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no chance to clean up
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills >= 2, "the scans finished too fast to be interrupted");
    assert!(scan_command(&library, &root).status().unwrap().success());

    let store = Store::open(&library).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(
        face_count_by_photo(&store),
        expected,
        "same photos and faces as an uninterrupted scan"
    );
    let duplicates: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM (SELECT photo_id, idx FROM faces GROUP BY photo_id, idx HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(duplicates, 0);
    let unassigned: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM faces WHERE id NOT IN (SELECT face_id FROM face_assignments)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unassigned, 0, "every face has its assignment row");
}
