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
    // bald_guys has four people with six faces each, one photo (the hardest face may stand
    // alone: see cli.rs, default_clustering_also_finds_the_four_bald_guys).
    let big: Vec<&Value> = all
        .iter()
        .filter(|p| p["faces"].as_u64().unwrap() >= 5)
        .collect();
    assert_eq!(big.len(), 4, "{all:?}");
    let (a, b) = (id(big[0]), id(big[1]));

    let faces = faces_of(&lib, a);
    let (na, nb) = (faces.len(), faces_of(&lib, b).len());
    assert!(na >= 5 && nb >= 5);
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
    assert_eq!(faces_of(&lib, a).len(), na + nb);
    assert!(people(&lib).iter().all(|p| id(p) != b));
    // The history says what undo would take back before it is done.
    let history = json_on(&lib, &["history", "--json"]);
    let to_undo = history["undo"].as_array().unwrap();
    assert_eq!(to_undo.len(), 2, "{history}");
    assert!(to_undo[0].as_str().unwrap().starts_with("merged person"));
    assert!(to_undo[1].as_str().unwrap().contains("Alan"), "{history}");
    assert_eq!(history["redo"], serde_json::json!([]));
    let undone = ok_on(&lib, &["undo"]);
    assert!(undone.contains("merged person"), "{undone}");
    assert_eq!(faces_of(&lib, a).len(), na);
    assert_eq!(faces_of(&lib, b).len(), nb);
    let history = ok_on(&lib, &["history"]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 4, "{history}");
    assert_eq!(lines[0], "to undo, newest first:");
    assert!(lines[1].trim_start().starts_with("1. ") && lines[1].contains("Alan"));
    assert_eq!(lines[2], "to redo, next first:");
    assert!(
        lines[3].trim_start().starts_with("1. merged person"),
        "{history}"
    );
    // Undone by mistake: redo merges them again, and undo parts them again.
    let redone = ok_on(&lib, &["redo"]);
    assert!(redone.starts_with("redid: merged person"), "{redone}");
    assert_eq!(faces_of(&lib, a).len(), na + nb);
    assert!(people(&lib).iter().all(|p| id(p) != b));
    ok_on(&lib, &["undo"]);
    assert_eq!(faces_of(&lib, b).len(), nb);

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
    assert_eq!(faces_of(&lib, a).len(), na - 1);
    // Again: nothing to change, and nothing more for `undo` to take back.
    let logged = |lib| json_on(lib, &["history", "--json"])["undo"].clone();
    let before = logged(&lib);
    let again = ok_on(&lib, &["move", &two[0], "--to", &a.to_string()]);
    assert!(again.contains("nothing to change"), "{again}");
    assert_eq!(logged(&lib), before);
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
    let nc = faces_of(&lib, c).len();
    let c_face = id(&faces_of(&lib, c)[0]).to_string();
    ok_on(&lib, &["ignore", &c_face]);
    assert_eq!(faces_of(&lib, c).len(), nc - 1);
    // Listed among the ignored; taken back, it is matched again and finds its group.
    let ignored = json_on(&lib, &["faces", "--ignored", "--json"]);
    let listed: Vec<String> = ignored
        .as_array()
        .unwrap()
        .iter()
        .map(|f| id(f).to_string())
        .collect();
    assert_eq!(listed, std::slice::from_ref(&c_face));
    assert_eq!(ignored[0]["state"], "ignored");
    ok_on(&lib, &["unignore", &c_face]);
    assert_eq!(
        json_on(&lib, &["faces", "--ignored", "--json"]),
        serde_json::json!([])
    );
    assert_eq!(faces_of(&lib, c).len(), nc);
    ok_on(&lib, &["ignore", &c_face]);
    assert_eq!(json_on(&lib, &["status", "--json"])["ignored_faces"], 1);
    ok_on(&lib, &["hide", &c.to_string()]);
    assert!(
        people(&lib)
            .iter()
            .any(|p| id(p) == c && p["hidden"] == true)
    );
    ok_on(&lib, &["unhide", &c.to_string()]);
    // Several at once: one correction, one undo.
    let out = ok_on(&lib, &["hide", &a.to_string(), &c.to_string()]);
    assert!(out.contains("hid 2 people"), "{out}");
    assert_eq!(
        people(&lib).iter().filter(|p| p["hidden"] == true).count(),
        2
    );
    ok_on(&lib, &["undo"]);
    assert!(people(&lib).iter().all(|p| p["hidden"] == false));
    ok_on(
        &lib,
        &[
            "key-face",
            &c.to_string(),
            &id(&faces_of(&lib, c)[1]).to_string(),
        ],
    );
    let suggestions = json_on(&lib, &["suggestions", &a.to_string(), "--json"]);
    let a_faces: Vec<i64> = faces_of(&lib, a).iter().map(id).collect();
    assert!(!suggestions.as_array().unwrap().is_empty());
    for s in suggestions.as_array().unwrap() {
        assert!(s["distance"].as_f64().unwrap() < 0.7);
        let nearest = s["nearest"].as_i64().unwrap();
        assert!(
            a_faces.contains(&nearest),
            "{s}: nearest is not one of the person's faces"
        );
    }
    // Everyone's: each face for a named person, near one of that person's faces.
    let everyones = json_on(&lib, &["suggestions", "--everyone", "--json"]);
    let named: Vec<i64> = people(&lib)
        .iter()
        .filter(|p| p["name"].is_string() && p["hidden"] == false)
        .map(id)
        .collect();
    assert!(!everyones.as_array().unwrap().is_empty());
    for s in everyones.as_array().unwrap() {
        let person = s["person"].as_i64().unwrap();
        assert!(named.contains(&person), "{s}: not a named person");
        let theirs: Vec<i64> = faces_of(&lib, person).iter().map(id).collect();
        assert!(theirs.contains(&s["nearest"].as_i64().unwrap()), "{s}");
    }
    let out = run(&lib, &["suggestions"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "neither a person nor --everyone"
    );
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
    let out = run(&lib, &["redo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to redo"));
    assert_eq!(
        ok_on(&lib, &["history"]),
        "nothing to undo\nnothing to redo\n"
    );
}

/// A person's id and name, and each of its faces' id and state.
type PersonSnapshot = (i64, Value, Vec<(i64, Value)>);

/// Every person with its faces' ids and states, for comparing a library before and after.
fn snapshot(library: &Path) -> Vec<PersonSnapshot> {
    let mut all: Vec<_> = people(library)
        .iter()
        .map(|p| {
            let mut faces: Vec<(i64, Value)> = faces_of(library, id(p))
                .iter()
                .map(|f| (id(f), f["state"].clone()))
                .collect();
            faces.sort_by_key(|f| f.0);
            (id(p), p["name"].clone(), faces)
        })
        .collect();
    all.sort_by_key(|p| p.0);
    all
}

/// The descriptors stored for the photo at `path`, with their faces' rectangles.
fn stored_descriptors(db: &rusqlite::Connection, path: &str) -> Vec<([i64; 4], Vec<f32>)> {
    let mut stmt = db
        .prepare(
            "SELECT f.left, f.top, f.right, f.bottom, f.descriptor FROM faces f
             JOIN photos p ON p.id = f.photo_id WHERE p.path = ?1 ORDER BY f.idx",
        )
        .unwrap();
    stmt.query_map([path], |r| {
        let blob: Vec<u8> = r.get(4)?;
        Ok((
            [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?],
            blob.chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect(),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// `kindred analyze [--flip]` of one photo: each face's rectangle and descriptor.
fn analyzed_descriptors(path: &str, flip: bool) -> Vec<([i64; 4], Vec<f32>)> {
    let mut cmd = kindred_on(Path::new("unused.kindred"));
    // As the scan looks at it: a small photo doubled.
    let (width, height) = image::image_dimensions(path).unwrap();
    let upsample = kindred::library::scan::ScanOptions::default()
        .for_photo((width, height))
        .upsample;
    cmd.args(["analyze", "--upsample", &upsample.to_string()]);
    if flip {
        cmd.arg("--flip");
    }
    let out = cmd.arg(path).output().unwrap();
    assert!(out.status.success());
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    line["faces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let r: Vec<i64> = f["rect"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            ([r[0], r[1], r[2], r[3]], f32_vec(&f["descriptor"]))
        })
        .collect()
}

#[test]
fn a_library_from_the_one_pass_version_is_redescribed_keeping_every_correction() {
    let (_dir, lib) = fresh_copy("upgrade.kindred");
    let all = people(&lib);
    let big: Vec<&Value> = all
        .iter()
        .filter(|p| p["faces"].as_u64().unwrap() >= 5)
        .collect();
    ok_on(&lib, &["name", &id(big[0]).to_string(), "Alan"]);
    let rejected = id(&faces_of(&lib, id(big[1]))[0]).to_string();
    ok_on(
        &lib,
        &["reject", &rejected, "--from", &id(big[1]).to_string()],
    );
    ok_on(&lib, &["name", &id(big[1]).to_string(), "Bob"]);
    let ignored = id(&faces_of(&lib, id(big[2]))[0]);
    ok_on(&lib, &["ignore", &ignored.to_string()]);
    let before = snapshot(&lib);

    // Make it a library the previous version (dlib's one-pass descriptors) wrote.
    let db = rusqlite::Connection::open(&lib).unwrap();
    let paths: Vec<String> = db
        .prepare("SELECT path FROM photos")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(paths.len(), 3);
    for path in &paths {
        for (rect, descriptor) in analyzed_descriptors(path, false) {
            let blob: Vec<u8> = descriptor.iter().flat_map(|v| v.to_le_bytes()).collect();
            let changed = db
                .execute(
                    "UPDATE faces SET descriptor = ?1, model_version = 'dlib-mmod+sp5+resnet-v1'
                     WHERE left = ?2 AND top = ?3 AND right = ?4 AND bottom = ?5
                       AND photo_id = (SELECT id FROM photos WHERE path = ?6)",
                    rusqlite::params![blob, rect[0], rect[1], rect[2], rect[3], path],
                )
                .unwrap();
            assert_eq!(changed, 1, "{path} {rect:?}");
        }
    }
    db.execute(
        "UPDATE photos SET analysis_key = replace(analysis_key, '+flip', '')",
        [],
    )
    .unwrap();
    drop(db);

    let out = ok_on(&lib, &["scan", "--quiet"]);
    assert!(out.contains("3 analysed"), "{out}");
    // Same detector and landmarks: the faces are kept and only described anew.
    assert!(
        out.contains("3 of the analysed photos kept their faces and were only described anew"),
        "{out}"
    );
    assert_eq!(
        snapshot(&lib),
        before,
        "names, confirmations, rejections and ignored faces survive re-description"
    );
    let faces_of_bob = faces_of(&lib, id(big[1]));
    assert!(faces_of_bob.iter().all(|f| id(f).to_string() != rejected));

    // Every face now carries the flip-averaged descriptor.
    let db = rusqlite::Connection::open(&lib).unwrap();
    for path in &paths {
        let stored = stored_descriptors(&db, path);
        let expected = analyzed_descriptors(path, true);
        assert_eq!(stored.len(), expected.len(), "{path}");
        for ((rect, ours), (want_rect, want)) in stored.iter().zip(&expected) {
            assert_eq!(rect, want_rect, "{path}");
            assert!(max_abs_diff(ours, want) < 1e-6, "{path} {rect:?}");
        }
    }
}

#[test]
fn faces_least_alike_first_lists_a_misplaced_face_first() {
    let (_dir, library) = fresh_copy("least-alike.kindred");
    let all = people(&library);
    let (a, b) = (id(&all[0]), id(&all[1]));
    assert!(
        run(&library, &["name", &a.to_string(), "Anna"])
            .status
            .success()
    );
    let stranger = id(&faces_of(&library, b)[0]);
    let moved = run(
        &library,
        &["move", &stranger.to_string(), "--to", &a.to_string()],
    );
    assert!(moved.status.success());
    let ids = |faces: Vec<Value>| faces.iter().map(id).collect::<Vec<_>>();
    let usual = ids(faces_of(&library, a));
    let least_alike = ids(json_on(
        &library,
        &[
            "faces",
            "--person",
            &a.to_string(),
            "--least-alike-first",
            "--json",
        ],
    )
    .as_array()
    .unwrap()
    .clone());
    assert_eq!(least_alike[0], stranger, "{least_alike:?}");
    let mut sorted = least_alike.clone();
    sorted.sort();
    let mut usual_sorted = usual.clone();
    usual_sorted.sort();
    assert_eq!(sorted, usual_sorted);
}

/// A library in `dir` of one crowd photo with seven small faces, none of which the detector
/// finds at the photo's own size; returns the library and the photo.
/// `kindred suggestions --json` says which face a suggestion is more like than any of the
/// person's, among those said not to be them; such suggestions come last.
#[test]
fn suggestions_say_which_rejected_face_they_are_like() {
    let dir = tempfile::tempdir().unwrap();
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.5, 0.55, -0.58]);
    let arg = |v: &i64| v.to_string();
    ok_on(&library, &["split", &arg(&faces[0]), "--name", "Ada"]);
    let ada = people(&library)
        .iter()
        .find(|p| p["name"] == "Ada")
        .map(|p| p["id"].as_i64().unwrap())
        .unwrap();
    ok_on(
        &library,
        &["reject", &arg(&faces[1]), "--from", &ada.to_string()],
    );
    let found = json_on(&library, &["suggestions", &ada.to_string(), "--json"]);
    let asked: Vec<(i64, Value)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_i64().unwrap(), s["like_rejected"].clone()))
        .collect();
    assert_eq!(
        asked,
        [(faces[3], Value::Null), (faces[2], Value::from(faces[1]))]
    );
    let text = ok_on(&library, &["suggestions", &ada.to_string()]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(!lines[0].contains("rejected"), "{text}");
    assert!(
        lines[1].ends_with(&format!("(more like face {}, rejected)", faces[1])),
        "{text}"
    );
}

fn scanned_crowd(dir: &Path) -> (PathBuf, PathBuf) {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let crowd = photos.join("crowd.png");
    too_small_for_the_scan("2007_007763").save(&crowd).unwrap();
    let library = dir.join("library.kindred");
    ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    (library, crowd)
}

#[test]
fn a_face_the_detector_missed_is_added_by_its_box_named_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (library, crowd) = scanned_crowd(dir.path());
    assert!(people(&library).is_empty());
    let crowd = crowd.to_str().unwrap();

    let added = json_on(
        &library,
        &[
            "add-face",
            crowd,
            "--box",
            "370,60,450,145",
            "--name",
            "Kid",
            "--json",
        ],
    );
    assert_eq!(added["found_by_detector"], true);
    assert_eq!(added["name"], "Kid");
    assert_eq!(added["state"], "confirmed");
    let rect: Vec<i64> = serde_json::from_value(added["rect"].clone()).unwrap();
    assert!(rect[0] >= 370 && rect[2] <= 450, "{rect:?} inside the box");
    let all = people(&library);
    assert_eq!((all.len(), all[0]["name"].as_str()), (1, Some("Kid")));
    assert_eq!(faces_of(&library, id(&all[0]))[0]["id"], added["id"]);

    // Without a name, a second face is matched: a stranger is a person of their own.
    let text = ok_on(&library, &["add-face", crowd, "--box", "300,225,365,290"]);
    assert!(text.starts_with("added face "), "{text}");
    assert!(
        text.contains("the detector found the face in the box"),
        "{text}"
    );
    assert_eq!(people(&library).len(), 2);
    // Not a face after all: removed, and put back by undo.
    let stranger = text.split_whitespace().nth(2).unwrap();
    assert_eq!(
        ok_on(&library, &["remove-face", stranger]).trim(),
        format!("removed face {stranger}")
    );
    assert_eq!(people(&library).len(), 1);
    ok_on(&library, &["undo"]);
    assert_eq!(people(&library).len(), 2);

    // Over a face already there, off the photo, or a box that is not one: clear errors.
    for (args, says) in [
        (vec!["--box", "380,80,440,140"], "already in the photo"),
        (vec!["--box", "600,400,700,500"], "outside the photo"),
        (vec!["--box", "10,10,5,50"], "ends before it starts"),
        (vec!["--box", "1,2,3"], "four numbers"),
        // Regression: the face was added before the name was found to be none.
        (
            vec!["--box", "200,100,260,160", "--name", "  "],
            "a name cannot be empty",
        ),
    ] {
        let out = run(&library, &[&["add-face", crowd][..], &args].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }
    let out = run(&library, &["add-face", "/no/such.jpg", "--box", "1,1,9,9"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in the library"));

    // Undo takes the faces away again, and Kid with the first.
    ok_on(&library, &["undo"]);
    assert_eq!(people(&library).len(), 1);
    ok_on(&library, &["undo", "2"]);
    assert!(people(&library).is_empty());
}

#[test]
fn looking_closer_at_a_crowd_adds_the_faces_too_small_for_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let (library, crowd) = scanned_crowd(dir.path());
    let crowd = crowd.to_str().unwrap();
    // One drawn first: the closer look finds the six others.
    ok_on(
        &library,
        &[
            "add-face",
            crowd,
            "--box",
            "370,60,450,145",
            "--name",
            "Kid",
        ],
    );
    let found = json_on(&library, &["look-closer", crowd, "--json"]);
    assert_eq!(found[0]["added"].as_array().unwrap().len(), 6);
    let text = ok_on(&library, &["look-closer", crowd]);
    assert!(text.contains("crowd.png: no more faces"), "{text}");
    let faces: i64 = people(&library)
        .iter()
        .map(|p| p["faces"].as_i64().unwrap())
        .sum();
    assert_eq!(faces, 7);
    // Undo takes the six back at once; Kid stays.
    ok_on(&library, &["undo"]);
    let all = people(&library);
    assert_eq!((all.len(), all[0]["name"].as_str()), (1, Some("Kid")));
    let out = run(&library, &["look-closer", "/no/such.jpg"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in the library"));
}

/// Regression: `turn`, `look-closer` and `add-face` panicked on a photo whose name is not
/// UTF-8 (a Latin-1 name from an old camera or Windows), after saving their work: the JSON
/// report took the path as it is, which JSON cannot hold.
#[cfg(unix)]
#[test]
fn photos_with_names_that_are_not_utf8_are_turned_looked_at_and_given_faces() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let photo = photos.join(std::ffi::OsStr::from_bytes(b"caf\xe9.jpg"));
    std::fs::copy(fixture("people/Tony_Blair_0001.jpg"), &photo).unwrap();
    let lib = dir.path().join("library.kindred");
    ok_on(&lib, &["scan", "--quiet", photos.to_str().unwrap()]);
    let run = |args: &[&std::ffi::OsStr]| -> serde_json::Value {
        let out = kindred_on(&lib).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let os = std::ffi::OsStr::new;
    let turned = run(&[os("turn"), os("right"), photo.as_os_str(), os("--json")]);
    assert_eq!(turned[0]["turn"], 1);
    assert!(turned[0]["path"].as_str().unwrap().ends_with(".jpg"));
    let looked = run(&[os("look-closer"), photo.as_os_str(), os("--json")]);
    assert!(looked[0]["added"].is_array(), "{looked}");
    let added = run(&[
        os("add-face"),
        photo.as_os_str(),
        os("--box"),
        os("10,10,60,60"),
        os("--json"),
    ]);
    assert!(added["id"].is_i64(), "{added}");
}

/// `kindred turn`: a photo turned upside down and back keeps its faces and their names, none
/// found twice; the JSON says how the photo is turned from its file and which faces it gained.
#[test]
fn a_photo_turned_and_turned_back_keeps_its_faces_and_names() {
    let (dir, lib) = fresh_copy("turn.kindred");
    let bald = people(&lib)
        .into_iter()
        .find(|p| p["faces"] == 6)
        .expect("a bald guy");
    ok_on(&lib, &["name", &id(&bald).to_string(), "Alan"]);
    let photo = faces_of(&lib, id(&bald))[0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let faces_before: Vec<i64> = faces_of(&lib, id(&bald)).iter().map(id).collect();

    let turned = json_on(&lib, &["turn", "upside-down", &photo, "--json"]);
    let turned = &turned.as_array().unwrap()[0];
    for key in ["photo", "path", "turn", "added"] {
        assert!(turned.get(key).is_some(), "missing {key} in {turned}");
    }
    assert_eq!(turned["turn"], 2);
    assert_eq!(turned["path"], photo.as_str());
    // Faces' boxes say on which turn of the photo they are.
    assert!(faces_of(&lib, id(&bald)).iter().all(|f| f["turn"] == 2));
    // Its album copy is turned too.
    let album = dir.path().join("album");
    let album = album.to_str().unwrap();
    let plan = ok_on(
        &lib,
        &["export", "--person", "Alan", "--to", album, "--dry-run"],
    );
    assert!(
        plan.lines()
            .any(|l| l.starts_with(&format!("create: {photo} -> "))
                && l.ends_with(", turned upside down")),
        "{plan}"
    );
    let exported = ok_on(&lib, &["export", "--person", "Alan", "--to", album]);
    assert!(exported.contains("; 1 turned as in Kindred"), "{exported}");
    let text = ok_on(&lib, &["turn", "upside-down", &photo]);
    assert!(
        text.starts_with(&format!("{photo}: back as its file shows it, ")),
        "{text}"
    );
    // Faces found upside down are faces it had: none is there twice.
    let total: u64 = people(&lib)
        .iter()
        .map(|p| p["faces"].as_u64().unwrap())
        .sum();
    let added = turned["added"].as_array().unwrap().len() as u64;
    assert_eq!(total, 24 + 3 + 3 + added);
    let alan = people(&lib)
        .into_iter()
        .find(|p| p["name"] == "Alan")
        .unwrap();
    let faces_after: Vec<i64> = faces_of(&lib, id(&alan)).iter().map(id).collect();
    assert!(faces_of(&lib, id(&alan)).iter().all(|f| f["turn"] == 0));
    assert_eq!(faces_after, faces_before);

    // Undone, the turn back is taken back: upside down again, with the faces it had then.
    let name = Path::new(&photo).file_name().unwrap().to_str().unwrap();
    let undone = ok_on(&lib, &["undo"]);
    assert_eq!(undone.trim(), format!("undid: turned “{name}” upside down"));
    assert!(faces_of(&lib, id(&alan)).iter().all(|f| f["turn"] == 2));

    let out = run(&lib, &["turn", "left", "/no/such.jpg"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such.jpg is not in the library"));
}

/// Regression: `kindred turn` given a photo and its identical copy turned both twice (the
/// first turn turns its copies with it); each is turned once.
#[test]
fn a_photo_and_its_copy_named_together_are_turned_once() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(photos.join("copy")).unwrap();
    let sideways = image::imageops::rotate90(&laura_and_tony());
    let (photo, copy) = (photos.join("print.png"), photos.join("copy/print.png"));
    sideways.save(&photo).unwrap();
    std::fs::copy(&photo, &copy).unwrap();
    let library = dir.path().join("library.kindred");
    ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);

    let turns = |library: &Path| -> Vec<u8> {
        let store = kindred::library::store::Store::open(library).unwrap();
        [&photo, &copy]
            .iter()
            .map(|p| store.photo_by_path(p).unwrap().unwrap().turn.quarters())
            .collect()
    };
    let (photo_arg, copy_arg) = (photo.to_str().unwrap(), copy.to_str().unwrap());
    let turned = json_on(&library, &["turn", "left", photo_arg, copy_arg, "--json"]);
    let turned = turned.as_array().unwrap();
    assert_eq!(turned.len(), 1, "{turned:?}");
    assert_eq!(turns(&library), [3, 3]);
    // One correction: one undo puts both back.
    ok_on(&library, &["undo"]);
    assert_eq!(turns(&library), [0, 0]);
}

/// Photos named together to `kindred turn` and `kindred look-closer` are one correction, as a
/// batch is in the app: one `kindred undo` takes back the whole command.
#[test]
fn photos_turned_or_looked_at_in_one_command_are_undone_together() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let prints = [photos.join("print 1.png"), photos.join("print 2.png")];
    let upright = laura_and_tony();
    image::imageops::rotate90(&upright)
        .save(&prints[0])
        .unwrap();
    let mirrored = image::imageops::flip_horizontal(&upright);
    image::imageops::rotate90(&mirrored)
        .save(&prints[1])
        .unwrap();
    let library = dir.path().join("library.kindred");
    ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    let turns = || -> Vec<u8> {
        let store = kindred::library::store::Store::open(&library).unwrap();
        prints
            .iter()
            .map(|p| store.photo_by_path(p).unwrap().unwrap().turn.quarters())
            .collect()
    };
    let args: Vec<&str> = prints.iter().map(|p| p.to_str().unwrap()).collect();
    ok_on(&library, &["turn", "left", args[0], args[1]]);
    assert_eq!(turns(), [3, 3]);
    let undone = ok_on(&library, &["undo"]);
    assert_eq!(undone.trim(), "undid: turned 2 photos left");
    assert_eq!(turns(), [0, 0]);
    // Regression: a photo that cannot be read stops the command, and --json printed nothing
    // of the photos turned before it.
    let second = std::fs::read(&prints[1]).unwrap();
    std::fs::write(&prints[1], b"").unwrap();
    let out = kindred_on(&library)
        .args(["turn", "left", args[0], args[1], "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done.as_array().unwrap().len(), 1, "{done}");
    assert_eq!(turns(), [3, 0]);
    ok_on(&library, &["undo"]);
    std::fs::write(&prints[1], second).unwrap();

    // A crowd of small faces the scan does not find, and its mirror image.
    let dir = tempfile::tempdir().unwrap();
    let (library, crowd) = scanned_crowd(dir.path());
    let mirror = crowd.with_file_name("mirrored crowd.png");
    let picture = image::open(&crowd).unwrap();
    picture.fliph().save(&mirror).unwrap();
    ok_on(
        &library,
        &[
            "scan",
            "--quiet",
            dir.path().join("photos").to_str().unwrap(),
        ],
    );
    assert!(people(&library).is_empty());
    let (crowd, mirror) = (crowd.to_str().unwrap(), mirror.to_str().unwrap());
    let found = json_on(&library, &["look-closer", crowd, mirror, "--json"]);
    let added: Vec<usize> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|photo| photo["added"].as_array().unwrap().len())
        .collect();
    assert!(added.iter().all(|&n| n > 0), "{found}");
    let undone = ok_on(&library, &["undo"]);
    let all = added.iter().sum::<usize>();
    assert_eq!(
        undone.trim(),
        format!("undid: added {all} faces to 2 photos")
    );
    assert!(people(&library).is_empty());
}
