//! Backup copies of the library from the command line: the weekly copy a scan makes, one made
//! by hand, and a damaged library put back from a copy.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A library of one group photo, scanned (the weekly copy made then), its largest person then
/// named Ada: only a copy made since knows the name.
fn library_named_after_its_weekly_copy(dir: &Path) -> PathBuf {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    write_jpeg(
        &photos.join("group.jpg"),
        &golden_image("2008_002506"),
        None,
    );
    let library = dir.join("library.kindred");
    let said = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(said.contains("weekly backup copy of the library"), "{said}");
    let people = json_on(&library, &["people", "--json"]);
    let id = people[0]["id"].as_i64().unwrap().to_string();
    ok_on(&library, &["name", &id, "Ada"]);
    library
}

fn assert_someone_named(library: &Path, name: &str) {
    let people = json_on(library, &["people", "--json"]);
    assert!(
        people.as_array().unwrap().iter().any(|p| p["name"] == name),
        "{people}"
    );
}

#[test]
fn a_damaged_library_is_put_back_from_a_backup_copy() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_named_after_its_weekly_copy(dir.path());
    let said = ok_on(&library, &["backup"]);
    assert!(said.starts_with("backed up the library to "), "{said}");
    // A second scan within the week makes no weekly copy.
    let said = ok_on(&library, &["scan", "--quiet"]);
    assert!(!said.contains("weekly backup"), "{said}");

    let copies = json_on(&library, &["backup", "--list", "--json"]);
    let kinds: Vec<&str> = copies
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&"weekly") && kinds.contains(&"by-hand"),
        "{kinds:?}"
    );
    for copy in copies.as_array().unwrap() {
        assert!(copy["made"].as_str().unwrap().ends_with('Z'));
        assert!(copy["bytes"].as_u64().unwrap() > 0);
    }
    let by_hand = copies
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "by-hand")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();

    // The file damaged: every command says so, and how to go back.
    let bytes = std::fs::read(&library).unwrap();
    std::fs::write(&library, &bytes[..bytes.len() / 3]).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", library.display()));
    }
    let out = kindred_on(&library).args(["people"]).output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("malformed"), "{said}");
    assert!(said.contains("kindred restore"), "{said}");

    let said = ok_on(&library, &["restore", &by_hand]);
    assert!(said.contains(": 1 photo, 1 person named, "), "{said}");
    assert!(said.contains("the library as it was is kept at "), "{said}");
    assert_someone_named(&library, "Ada");
    let copies = json_on(&library, &["backup", "--list", "--json"]);
    assert_eq!(copies[0]["kind"], "set-aside", "{copies}");

    // A copy that is damaged too is refused, and the library left as it is.
    let out = kindred_on(&library)
        .args(["restore", copies[0]["path"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("malformed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok_on(&library, &["status"]);
}

/// Damage deep in the file (the faces' people's first page here) passes the check on opening
/// and shows when a command reads that part: the command then says what to do, as one that
/// finds the file damaged on opening does.
#[test]
fn damage_found_by_a_command_says_how_to_go_back_to_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (library, _) = library_of_faces(dir.path(), &[0.0, 1.0]);
    ok_on(&library, &["backup"]);
    // Damaged where the faces' people are kept.
    damage_table(&library, "face_assignments");
    let out = kindred_on(&library).args(["people"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("database disk image is malformed"), "{said}");
    assert!(
        said.contains("`kindred restore COPY` puts one back"),
        "{said}"
    );
}

/// A scan makes the weekly copy when it is due, reading every page first; damage found so is
/// said with the way back to a copy (it said only that no copy was made), and the good copies
/// are not pushed out by a copy of the damaged file.
#[test]
fn damage_the_weekly_copy_finds_after_a_scan_says_how_to_go_back_to_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (library, _) = library_of_faces(dir.path(), &[0.0, 1.0]);
    // The faces placed, and their photos' files gone: the scan has no face to match.
    ok_on(&library, &["recluster"]);
    // In an index a scan does not read.
    damage_table(&library, "sqlite_autoindex_rejections_1");
    let photos = dir.path().to_str().unwrap();
    let out = kindred_on(&library)
        .args(["scan", "--quiet", photos])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("the file is damaged ("), "{said}");
    assert!(
        said.contains("`kindred restore COPY` puts one back"),
        "{said}"
    );
    assert!(kindred::library::backup::list(&library).is_empty());
}

/// Names given since the last copy are only in the damaged file: `kindred salvage` saves what
/// can still be read of it as a copy of its own, put back like any other. Damage to an index
/// (here the one People reads faces through) costs nothing: indexes are made anew.
#[test]
fn what_can_still_be_read_of_a_damaged_library_is_saved_and_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_named_after_its_weekly_copy(dir.path());
    damage_table(&library, "faces_place");
    let out = kindred_on(&library).args(["people"]).output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("`kindred salvage` saves what can still be read"),
        "{said}"
    );

    let said = ok_on(&library, &["salvage"]);
    assert!(
        said.starts_with(&format!(
            "saved what could be read of {} to ",
            library.display()
        )),
        "{said}"
    );
    assert!(said.contains(": 1 photo, 1 person named, "), "{said}");
    assert!(said.contains("all of it could be read"), "{said}");
    assert!(said.contains("`kindred restore \""), "{said}");
    let saved = json_on(&library, &["salvage", "--json"]);
    assert_eq!(saved["copy"]["kind"], "salvaged", "{saved}");
    assert_eq!(saved["photos"], 1, "{saved}");
    assert_eq!(saved["people_named"], 1, "{saved}");
    assert_eq!(saved["unreadable"], serde_json::json!([]), "{saved}");
    assert_eq!(saved["photos_to_analyse_again"], 0, "{saved}");
    assert_eq!(saved["undo_history_kept"], true, "{saved}");
    let copies = json_on(&library, &["backup", "--list", "--json"]);
    assert_eq!(copies[0]["path"], saved["copy"]["path"], "{copies}");

    ok_on(
        &library,
        &["restore", saved["copy"]["path"].as_str().unwrap()],
    );
    assert_someone_named(&library, "Ada");
    // The naming came along with its undo history.
    let said = ok_on(&library, &["undo"]);
    assert!(said.contains("Ada"), "{said}");
}
