//! People from the command line, on a library scanned from fixture photos: list, faces, name,
//! merge, split, move, reject, ignore, hide, undo, suggestions, recluster, and errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

fn run(library: &Path, args: &[&str]) -> Output {
    kindred_on(library).args(args).output().unwrap()
}

/// Scans three fixture photos (bald_guys: 24 faces of 4 people, and two others) once; each test
/// works on its own copy of the library.
fn scanned_library() -> &'static Path {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("people_cli-{}", std::process::id()));
        let photos = dir.join("photos");
        std::fs::create_dir_all(&photos).unwrap();
        for name in ["bald_guys.png", "2008_002506.png", "2008_001322.png"] {
            std::fs::copy(fixture(&format!("golden/images/{name}")), photos.join(name)).unwrap();
        }
        let library = dir.join("library.kindred");
        let out = run(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        library
    })
}

fn fresh_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join(name);
    std::fs::copy(scanned_library(), &library).unwrap();
    (dir, library)
}

fn people(library: &Path) -> Vec<Value> {
    json_on(library, &["people", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn faces_of(library: &Path, id: i64) -> Vec<Value> {
    json_on(library, &["faces", "--person", &id.to_string(), "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[test]
fn a_scan_makes_people_that_can_be_named_merged_split_and_undone() {
    let (_dir, lib) = fresh_copy("a.kindred");
    let all = people(&lib);
    let total: u64 = all.iter().map(|p| p["faces"].as_u64().unwrap()).sum();
    assert_eq!(total, 24 + 3 + 3, "every face is in a person: {all:?}");
    for p in &all {
        for key in ["id", "name", "faces", "photos", "hidden"] {
            assert!(p.get(key).is_some(), "missing {key} in {p}");
        }
        assert!(p["name"].is_null());
    }
    // bald_guys has four people with six faces each, one photo.
    let big: Vec<&Value> = all.iter().filter(|p| p["faces"] == 6).collect();
    assert_eq!(big.len(), 4, "{all:?}");
    let (a, b) = (id(big[0]), id(big[1]));

    let faces = faces_of(&lib, a);
    assert_eq!(faces.len(), 6);
    for f in &faces {
        assert_eq!(f["state"], "suggested");
        assert!(f["path"].as_str().unwrap().ends_with("bald_guys.png"));
        assert_eq!(f["rect"].as_array().unwrap().len(), 4);
    }

    // Name: confirms the cluster.
    ok_on(&lib, &["name", &a.to_string(), "Alan"]);
    let named = people(&lib).into_iter().find(|p| id(p) == a).unwrap();
    assert_eq!(named["name"], "Alan");
    assert!(faces_of(&lib, a).iter().all(|f| f["state"] == "confirmed"));

    // Merge b into a, then undo.
    ok_on(&lib, &["merge", &b.to_string(), "--into", &a.to_string()]);
    assert_eq!(faces_of(&lib, a).len(), 12);
    assert!(people(&lib).iter().all(|p| id(p) != b));
    let undone = ok_on(&lib, &["undo"]);
    assert!(undone.contains("merged person"), "{undone}");
    assert_eq!(faces_of(&lib, a).len(), 6);
    assert_eq!(faces_of(&lib, b).len(), 6);

    // Split two faces off into a new named person.
    let two: Vec<String> = faces_of(&lib, a)[..2]
        .iter()
        .map(|f| id(f).to_string())
        .collect();
    let out = ok_on(&lib, &["split", &two[0], &two[1], "--name", "Twin"]);
    assert!(out.contains("Twin"), "{out}");
    let twin = people(&lib)
        .into_iter()
        .find(|p| p["name"] == "Twin")
        .unwrap();
    assert_eq!(twin["faces"], 2);

    // Move one back, reject the other from Twin.
    ok_on(&lib, &["move", &two[0], "--to", &a.to_string()]);
    assert_eq!(faces_of(&lib, a).len(), 5);
    ok_on(&lib, &["reject", &two[1]]);
    assert!(faces_of(&lib, id(&twin)).is_empty());
    assert!(
        people(&lib).iter().all(|p| id(p) != id(&twin)),
        "an empty person disappears"
    );
    let placed = people(&lib)
        .iter()
        .flat_map(|p| faces_of(&lib, id(p)))
        .any(|f| f["id"].as_i64().unwrap().to_string() == two[1]);
    assert!(placed, "a rejected face is placed again at once");

    // Ignore, hide, key face, suggestions, recluster.
    let c = id(big[2]);
    let c_face = id(&faces_of(&lib, c)[0]).to_string();
    ok_on(&lib, &["ignore", &c_face]);
    assert_eq!(faces_of(&lib, c).len(), 5);
    ok_on(&lib, &["hide", &c.to_string()]);
    assert!(
        people(&lib)
            .iter()
            .any(|p| id(p) == c && p["hidden"] == true)
    );
    ok_on(&lib, &["unhide", &c.to_string()]);
    ok_on(
        &lib,
        &[
            "key-face",
            &c.to_string(),
            &id(&faces_of(&lib, c)[1]).to_string(),
        ],
    );
    let suggestions = json_on(&lib, &["suggestions", &a.to_string(), "--json"]);
    for s in suggestions.as_array().unwrap() {
        assert!(s["distance"].as_f64().unwrap() < 0.7);
    }
    let confirmed_before: Vec<Value> = faces_of(&lib, a);
    let report = json_on(&lib, &["recluster", "--json"]);
    assert!(report["faces"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(
        faces_of(&lib, a),
        confirmed_before,
        "re-clustering keeps confirmed faces"
    );

    // Undo several at once.
    let out = ok_on(&lib, &["undo", "3"]);
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn unknown_ids_are_clear_errors_with_exit_status_2() {
    let (_dir, lib) = fresh_copy("b.kindred");
    let some = id(&people(&lib)[0]).to_string();
    for args in [
        vec!["name", "999999", "X"],
        vec!["merge", "999999", "--into", some.as_str()],
        vec!["merge", some.as_str(), "--into", "999999"],
        vec!["move", "999999", "--to", some.as_str()],
        vec!["split", "999999"],
        vec!["reject", "999999"],
        vec!["ignore", "999999"],
        vec!["hide", "999999"],
        vec!["faces", "--person", "999999"],
        vec!["suggestions", "999999"],
    ] {
        let out = run(&lib, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("999999"), "{args:?}: {stderr}");
    }
    let out = run(&lib, &["undo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to undo"));
}
