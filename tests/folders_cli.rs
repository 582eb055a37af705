//! Photo folders from the command line: listing them, leaving a subfolder out and taking it
//! back in (its names come back, nothing is analysed again), removing a folder, and the
//! requests refused with a reason.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn people(library: &Path) -> Vec<Value> {
    json_on(library, &["people", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// The people with a face in a photo under `folder`.
fn people_in(library: &Path, folder: &Path) -> Vec<Value> {
    people(library)
        .into_iter()
        .filter(|p| {
            let faces = json_on(
                library,
                &["faces", "--person", &p["id"].to_string(), "--json"],
            );
            faces
                .as_array()
                .unwrap()
                .iter()
                .any(|f| Path::new(f["path"].as_str().unwrap()).starts_with(folder))
        })
        .collect()
}

fn faces_in_people(library: &Path) -> u64 {
    people(library)
        .iter()
        .map(|p| p["faces"].as_u64().unwrap())
        .sum()
}

#[test]
fn a_left_out_subfolder_leaves_people_and_comes_back_with_its_names() {
    let dir = tempfile::tempdir().unwrap();
    // As the library records folders: resolved (a temporary folder may sit behind a link).
    std::fs::create_dir_all(dir.path().join("photos")).unwrap();
    let photos = dunce::canonicalize(dir.path().join("photos")).unwrap();
    let family = photos.join("Family");
    let screenshots = photos.join("Screenshots");
    for (folder, name) in [
        (&family, "2008_002506.png"),
        (&screenshots, "bald_guys.png"),
    ] {
        std::fs::create_dir_all(folder).unwrap();
        std::fs::copy(fixture(&format!("golden/images/{name}")), folder.join(name)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    let root = photos.to_str().unwrap();
    ok_on(&library, &["scan", "--quiet", root]);

    let folders = json_on(&library, &["folders", "--json"]);
    assert_eq!(folders.as_array().unwrap().len(), 1, "{folders}");
    assert_eq!(folders[0]["path"], root);
    assert_eq!(folders[0]["photos"], 2);
    let all_faces = folders[0]["faces"].as_u64().unwrap();
    assert_eq!(faces_in_people(&library), all_faces);
    assert_eq!(folders[0]["excluded"], serde_json::json!([]));

    // Name someone in the folder about to be left out.
    let stranger = people_in(&library, &screenshots)[0]["id"].to_string();
    ok_on(&library, &["name", &stranger, "Stranger"]);
    let named_faces = |library: &Path| {
        people(library)
            .iter()
            .find(|p| p["name"] == "Stranger")
            .map(|p| p["faces"].as_u64().unwrap())
    };
    let stranger_faces = named_faces(&library).unwrap();

    let said = ok_on(
        &library,
        &["folders", "exclude", screenshots.to_str().unwrap()],
    );
    assert!(said.contains("1 photo with 24 faces left People"), "{said}");
    assert!(people_in(&library, &screenshots).is_empty());
    assert_eq!(faces_in_people(&library), all_faces - 24);
    let status = json_on(&library, &["status", "--json"]);
    assert_eq!(status["photos_analysed"], 1);
    assert_eq!(status["left_out"], 1);
    assert_eq!(status["missing"], 0);
    assert_eq!(
        status["excluded_folders"],
        serde_json::json!([screenshots.to_str().unwrap()])
    );
    let listed = ok_on(&library, &["folders"]);
    assert!(
        listed.contains(&format!("left out {}", screenshots.display())),
        "{listed}"
    );

    // A rescan passes the folder over; a photo added there stays out too.
    std::fs::copy(
        fixture("golden/images/2008_001322.png"),
        screenshots.join("new.png"),
    )
    .unwrap();
    let said = ok_on(&library, &["scan", "--quiet"]);
    assert!(
        said.contains("1 photo found: 0 analysed, 1 unchanged"),
        "{said}"
    );
    assert_eq!(faces_in_people(&library), all_faces - 24);

    // Taken back in: the next scan finds the old photo as it was (not read again), with the
    // person named in it, and analyses the new one.
    let said = ok_on(
        &library,
        &["folders", "include", screenshots.to_str().unwrap()],
    );
    assert!(said.contains("took"), "{said}");
    let said = ok_on(&library, &["scan", "--quiet"]);
    assert!(
        said.contains("3 photos found: 1 analysed, 2 unchanged"),
        "{said}"
    );
    assert_eq!(named_faces(&library), Some(stranger_faces));
    let folders = json_on(&library, &["folders", "--json"]);
    assert_eq!(folders[0]["photos"], 3);
    assert_eq!(folders[0]["excluded"], serde_json::json!([]));

    // Asked for what cannot be done: told why, nothing changed.
    for (args, reason) in [
        (vec!["folders", "exclude", root], "remove it instead"),
        (
            vec!["folders", "exclude", dir.path().to_str().unwrap()],
            "not inside any of the library's photo folders",
        ),
        (
            vec!["folders", "include", family.to_str().unwrap()],
            "is not left out",
        ),
        (
            vec!["folders", "remove", family.to_str().unwrap()],
            "is not a photo folder of the library",
        ),
    ] {
        let out = kindred_on(&library).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{args:?}: {err}");
    }

    // Removing the folder takes everything out of People but forgets no name: scanning the
    // folder again brings the named person back.
    let said = ok_on(&library, &["folders", "remove", root]);
    assert!(said.contains("3 photos with"), "{said}");
    assert_eq!(faces_in_people(&library), 0);
    assert_eq!(
        json_on(&library, &["folders", "--json"]),
        serde_json::json!([])
    );
    let said = ok_on(&library, &["scan", "--quiet", root]);
    assert!(
        said.contains("3 photos found: 0 analysed, 3 unchanged"),
        "{said}"
    );
    assert_eq!(named_faces(&library), Some(stranger_faces));
}

#[test]
fn a_folder_hidden_from_galleries_is_skipped_and_said_so_until_added_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("photos")).unwrap();
    let photos = dunce::canonicalize(dir.path().join("photos")).unwrap();
    let family = photos.join("Family");
    // A phone backup: the messaging app's sent copies carry Android's .nomedia marker.
    let sent = photos.join("Phone").join("WhatsApp Images").join("Sent");
    for (folder, name) in [(&family, "2008_002506.png"), (&sent, "2008_001322.png")] {
        std::fs::create_dir_all(folder).unwrap();
        std::fs::copy(fixture(&format!("golden/images/{name}")), folder.join(name)).unwrap();
    }
    std::fs::write(sent.join(".nomedia"), b"").unwrap();
    let library = dir.path().join("library.kindred");

    let said = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(said.contains("1 photo found: 1 analysed"), "{said}");
    assert!(
        said.contains(&format!(
            "skipped {}: hidden from galleries by its .nomedia file",
            sent.display()
        )),
        "{said}"
    );

    // Added itself, it is taken in; scanning the outer folder alone then neither reports it
    // skipped nor takes its photo for missing.
    let said = ok_on(&library, &["scan", "--quiet", sent.to_str().unwrap()]);
    assert!(said.contains("1 photo found: 1 analysed"), "{said}");
    let said = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(
        said.contains("1 photo found: 0 analysed, 1 unchanged, 0 moved, 0 missing"),
        "{said}"
    );
    assert!(!said.contains("skipped /"), "{said}");
    let status = json_on(&library, &["status", "--json"]);
    assert_eq!(status["photos_analysed"], 2);
    assert_eq!(status["missing"], 0);
}

/// A photo folder on a drive not connected: `kindred scan` of the whole library passes over
/// it (saying so) and scans the others; its photos are not marked missing, its people stay.
#[test]
fn a_rescan_passes_over_a_folder_that_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    std::fs::create_dir_all(dir.path().join("drive")).unwrap();
    let home = dunce::canonicalize(dir.path().join("home")).unwrap();
    let drive = dunce::canonicalize(dir.path().join("drive")).unwrap();
    std::fs::copy(
        fixture("golden/images/2008_002506.png"),
        home.join("2008_002506.png"),
    )
    .unwrap();
    std::fs::copy(
        fixture("golden/images/2008_001009.png"),
        drive.join("2008_001009.png"),
    )
    .unwrap();
    let library = dir.path().join("library.kindred");
    ok_on(
        &library,
        &[
            "scan",
            "--quiet",
            home.to_str().unwrap(),
            drive.to_str().unwrap(),
        ],
    );
    let people_before = people(&library).len();
    let unplugged = dir.path().join("drive-unplugged");
    std::fs::rename(&drive, &unplugged).unwrap();
    std::fs::copy(
        fixture("golden/images/2008_004176.png"),
        home.join("2008_004176.png"),
    )
    .unwrap();

    let out = kindred_on(&library)
        .args(["scan", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("the folder {} is not there", drive.display())),
        "{stderr}"
    );
    let status = json_on(&library, &["status", "--json"]);
    assert_eq!(status["missing"], 0, "{status}");
    assert_eq!(
        status["photos_analysed"], 3,
        "the new photo at home: {status}"
    );
    assert!(people(&library).len() >= people_before);

    // With no folder there at all, there is nothing to scan: an error that says so.
    let home_away = dir.path().join("home-away");
    std::fs::rename(&home, &home_away).unwrap();
    let out = kindred_on(&library)
        .args(["scan", "--quiet"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("none of the library's folders is there"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A photo deleted on purpose: `kindred folders forget-missing` forgets it and its faces,
/// keeps names, and says what it did; a folder that is not the library's is refused.
/// Regression: `kindred scan A B` with B mistyped failed, but had added A as a photo folder
/// already (the folders were added as they were checked).
#[test]
fn a_scan_refused_for_a_mistyped_folder_adds_none_of_its_folders() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let library = dir.path().join("library.kindred");
    let typo = dir.path().join("phtos");
    let out = kindred_on(&library)
        .args(["scan", "--quiet"])
        .arg(&photos)
        .arg(&typo)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("phtos"), "{stderr}");
    let status = json_on(&library, &["status", "--json"]);
    assert_eq!(status["folders"], serde_json::json!([]), "{status}");
}

/// Regression: `kindred scan` without options analysed every photo again when the library
/// had been scanned for small faces (in the app, or with `--upsample 1`): it took its own
/// defaults. It scans as the library was last scanned, and `look-closer` looks closer than that.
#[test]
fn a_scan_without_options_keeps_the_librarys_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Tony_Blair_0001.jpg"]);
    let library = dir.path().join("library.kindred");
    let first = ok_on(
        &library,
        &[
            "scan",
            "--quiet",
            "--upsample",
            "1",
            photos.to_str().unwrap(),
        ],
    );
    assert!(first.contains("1 analysed"), "{first}");
    let again = ok_on(&library, &["scan", "--quiet"]);
    assert!(again.contains("0 analysed"), "{again}");
    // Asked for, other options analyse it again, and are kept for the next scan.
    let other = ok_on(&library, &["scan", "--quiet", "--max-side", "1024"]);
    assert!(other.contains("1 analysed"), "{other}");
    let kept = ok_on(&library, &["scan", "--quiet"]);
    assert!(kept.contains("0 analysed"), "{kept}");
}

#[test]
fn forget_missing_forgets_the_photos_deleted_and_keeps_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("photos")).unwrap();
    let photos = dunce::canonicalize(dir.path().join("photos")).unwrap();
    for name in ["2008_002506.png", "2008_001009.png"] {
        std::fs::copy(fixture(&format!("golden/images/{name}")), photos.join(name)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    let root = photos.to_str().unwrap();
    ok_on(&library, &["scan", "--quiet", root]);
    let first = people(&library)[0]["id"].to_string();
    ok_on(&library, &["name", &first, "Kept"]);
    std::fs::remove_file(photos.join("2008_001009.png")).unwrap();
    ok_on(&library, &["scan", "--quiet"]);
    assert_eq!(json_on(&library, &["status", "--json"])["missing"], 1);

    let said = ok_on(&library, &["folders", "forget-missing", root]);
    assert!(said.starts_with("forgot 1 photo with "), "{said}");
    let status = json_on(&library, &["status", "--json"]);
    assert_eq!(status["missing"], 0, "{status}");
    assert_eq!(status["photos_analysed"], 1, "{status}");
    // The name stays with its person (here or emptied, it is not deleted).
    ok_on(&library, &["faces", "--person", &first]);

    let elsewhere = dir.path().join("elsewhere");
    let out = kindred_on(&library)
        .args(["folders", "forget-missing", elsewhere.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a photo folder of the library"));
}

/// `kindred folders relocate OLD NEW`: a photo folder renamed is followed, its names kept and
/// nothing analysed again; where NEW was scanned as a folder of its own first, it is refused
/// with what to do instead.
#[test]
fn a_photo_folder_renamed_is_followed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("Family");
    std::fs::create_dir_all(&old).unwrap();
    let old = dunce::canonicalize(old).unwrap();
    for name in ["2008_002506.png", "2008_001009.png"] {
        std::fs::copy(fixture(&format!("golden/images/{name}")), old.join(name)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    ok_on(&library, &["scan", "--quiet", old.to_str().unwrap()]);
    let first = people(&library)[0]["id"].as_i64().unwrap().to_string();
    ok_on(&library, &["name", &first, "Ada"]);
    let new = dir.path().join("Family photos");
    std::fs::rename(&old, &new).unwrap();

    let said = ok_on(
        &library,
        &[
            "folders",
            "relocate",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
        ],
    );
    assert!(said.contains("2 photos followed it"), "{said}");
    let said = ok_on(&library, &["scan"]);
    assert!(
        said.contains("2 photos found: 0 analysed, 2 unchanged, 0 moved, 0 missing"),
        "{said}"
    );
    let ada: Vec<Value> = people(&library)
        .into_iter()
        .filter(|p| p["name"] == "Ada")
        .collect();
    assert_eq!(ada.len(), 1);
    assert_eq!(ada[0]["id"].as_i64().unwrap().to_string(), first);

    // Undone, the library has the folder where it was (not there now); redone, followed again.
    let root = || {
        let store = kindred::library::store::Store::open(&library).unwrap();
        store.roots().unwrap()[0].path.clone()
    };
    let said = ok_on(&library, &["undo"]);
    assert!(said.contains("followed the folder"), "{said}");
    assert_eq!(root(), old);
    ok_on(&library, &["redo"]);
    assert_eq!(root(), new);

    // Scanned as a folder of its own before Kindred was told: refused, with the way out.
    let elsewhere = dir.path().join("Elsewhere");
    std::fs::rename(&new, &elsewhere).unwrap();
    ok_on(&library, &["scan", "--quiet", elsewhere.to_str().unwrap()]);
    let out = kindred_on(&library)
        .args([
            "folders",
            "relocate",
            new.to_str().unwrap(),
            elsewhere.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("photo folders already"), "{stderr}");
    assert!(
        stderr.contains(&format!("remove {}", new.display())),
        "{stderr}"
    );
}

/// Regression: a folder command or `kindred scan` given a library that is not there (a path
/// mistyped, a drive not connected) made an empty one there, its folders and lock file
/// included, before saying the folder was not one of the library's.
#[test]
fn commands_on_a_library_that_is_not_there_make_none() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("not connected/library.kindred");
    let folder = dir.path().to_str().unwrap();
    for args in [
        vec!["folders", "remove", folder],
        vec!["folders", "forget-missing", folder],
        vec!["folders", "exclude", folder],
        vec!["folders", "include", folder],
        vec!["folders", "relocate", folder, folder],
        vec!["scan"],
    ] {
        let out = kindred_on(&library).args(&args).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains("no library at"), "{args:?}: {said}");
        assert!(!dir.path().join("not connected").exists(), "{args:?}");
    }
}
