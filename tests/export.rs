//! Exporting albums and XMP face tags from a library of real photo files: every mode and
//! layout, name collisions, re-runs, interrupted exports, hostile names, unwritable targets
//! and sidecars merged into existing ones.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use common::*;
use kindred::engine::geometry::Rect;
use kindred::engine::resnet::DESCRIPTOR_LEN;
use kindred::export::album::{
    self, Action, ExportControl, ExportError, ExportPlan, ExportRequest, ExportSummary, Layout,
    Mode, PlannedItem,
};
use kindred::export::xmp::{self, FaceRegion, SidecarWrite};
use kindred::library::export_store::PhotoSelection;
use kindred::library::store::{FaceId, NewFace, PersonId, PhotoAnalysis, Store};
use kindred::library::turn::Turn;

/// A library over real files in a temporary folder, with persons set up through SQL.
struct Lib {
    dir: tempfile::TempDir,
    store: Store,
}

impl Lib {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("library.kindred")).unwrap();
        fs::create_dir_all(dir.path().join("photos")).unwrap();
        Lib { dir, store }
    }

    fn photos(&self) -> PathBuf {
        self.dir.path().join("photos")
    }

    fn target(&self) -> PathBuf {
        self.dir.path().join("album")
    }

    /// Copies a fixture image to `rel` under the photo folder and records it with faces at
    /// `rects`; returns the file and its face ids.
    fn photo(
        &mut self,
        rel: &str,
        stem: &str,
        taken_at: Option<&str>,
        rects: &[Rect],
    ) -> (PathBuf, Vec<FaceId>) {
        let path = self.photos().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::copy(fixture(&format!("golden/images/{stem}.png")), &path).unwrap();
        // Read by content: a test may write the picture again in another format later.
        let (width, height) = image::ImageReader::open(&path)
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap();
        let meta = fs::metadata(&path).unwrap();
        let faces = rects
            .iter()
            .map(|&rect| NewFace::at(rect, [0.0; DESCRIPTOR_LEN]))
            .collect();
        let id = self
            .store
            .record_analysis(&PhotoAnalysis {
                size: meta.len(),
                // 2021-03-04 12:00 UTC: the date a photo without EXIF date is filed under.
                mtime_ns: 1_614_859_200_000_000_000,
                content_hash: rel.to_string(),
                taken_at: taken_at.map(str::to_string),
                ..PhotoAnalysis::new(&path, width, height, faces)
            })
            .unwrap();
        let faces = self
            .store
            .faces_of_photo(id)
            .unwrap()
            .iter()
            .map(|f| f.id)
            .collect();
        (path, faces)
    }

    fn person(&self, name: &str) -> PersonId {
        self.store
            .connection()
            .execute(
                "INSERT INTO persons (name, hidden, created_at, updated_at) VALUES (?1, 0, 0, 0)",
                [name],
            )
            .unwrap();
        self.store.connection().last_insert_rowid()
    }

    fn hide(&self, person: PersonId) {
        self.store
            .connection()
            .execute("UPDATE persons SET hidden = 1 WHERE id = ?1", [person])
            .unwrap();
    }

    fn assign(&self, face: FaceId, person: PersonId, state: &str) {
        self.store
            .connection()
            .execute(
                "UPDATE face_assignments SET person_id = ?2, state = ?3 WHERE face_id = ?1",
                rusqlite::params![face, person, state],
            )
            .unwrap();
    }

    fn request(&self, persons: &[PersonId], mode: Mode, layout: Layout) -> ExportRequest {
        ExportRequest {
            persons: persons.to_vec(),
            target: self.target(),
            mode,
            layout,
            selection: PhotoSelection::default(),
        }
    }

    fn export(&self, request: &ExportRequest) -> (ExportPlan, ExportSummary) {
        let plan = album::plan(&self.store, request).unwrap();
        let (tx, _rx) = mpsc::channel();
        let summary = album::execute(&plan, tx, &ExportControl::new()).unwrap();
        (plan, summary)
    }
}

const FACE_A: Rect = Rect::new(10, 20, 69, 79);
const FACE_B: Rect = Rect::new(120, 30, 189, 99);

/// Every file under `dir`, relative, with `/`, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    out.sort();
    out
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    fs::read(a).unwrap() == fs::read(b).unwrap()
}

#[test]
fn every_mode_and_layout_makes_the_album() {
    for mode in [Mode::Copy, Mode::Hardlink, Mode::Symlink] {
        for layout in [Layout::Flat, Layout::ByYear] {
            let mut lib = Lib::new();
            let anna = lib.person("Anna");
            let (dated, f1) =
                lib.photo("2019/a.png", "dogs", Some("2019-07-14 10:00:00"), &[FACE_A]);
            let (undated, f2) = lib.photo("b.png", "bald_guys", None, &[FACE_A]);
            lib.assign(f1[0], anna, "confirmed");
            lib.assign(f2[0], anna, "confirmed");
            let (plan, summary) = lib.export(&lib.request(&[anna], mode, layout));
            let context = format!("{mode:?} {layout:?}");
            assert_eq!(summary.created, 2, "{context}");
            assert!(summary.failed.is_empty(), "{context}: {:?}", summary.failed);
            let expected = match layout {
                Layout::Flat => vec!["Anna/a.png", "Anna/b.png"],
                Layout::ByYear => vec!["Anna/2019/2019-07-14 a.png", "Anna/2021/2021-03-04 b.png"],
            };
            let mut listing = tree(&lib.target());
            listing.retain(|p| p != album::MANIFEST_NAME);
            assert_eq!(listing, expected, "{context}");
            for (source, rel) in [(&dated, expected[0]), (&undated, expected[1])] {
                let dest = lib.target().join(rel);
                assert!(same_bytes(source, &dest), "{context}: {rel}");
                let link = fs::symlink_metadata(&dest).unwrap();
                match mode {
                    Mode::Symlink => {
                        assert!(link.file_type().is_symlink(), "{context}");
                        assert_eq!(fs::read_link(&dest).unwrap(), *source, "{context}");
                    }
                    Mode::Hardlink => {
                        assert!(link.is_file(), "{context}");
                        #[cfg(unix)]
                        {
                            use std::os::unix::fs::MetadataExt;
                            let source = fs::metadata(source).unwrap();
                            assert_eq!(link.ino(), source.ino(), "{context}");
                        }
                    }
                    Mode::Copy => {
                        assert!(link.is_file(), "{context}");
                        #[cfg(unix)]
                        {
                            use std::os::unix::fs::MetadataExt;
                            let source = fs::metadata(source).unwrap();
                            assert_ne!(link.ino(), source.ino(), "{context}");
                        }
                    }
                }
            }
            assert_eq!(plan.count(Action::Create), 2);
            let manifest = album::read_manifest(&lib.target()).unwrap();
            assert_eq!(manifest.items.len(), 2);
            assert_eq!(manifest.items[0].destination, expected[0]);
            assert_eq!(manifest.items[0].source, dated.display().to_string());
            assert_eq!(manifest.items[0].people, vec!["Anna".to_string()]);
        }
    }
}

#[test]
fn any_of_them_or_all_of_them_together() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let bob = lib.person("Bob");
    let (_, both) = lib.photo("both.png", "dogs", None, &[FACE_A, FACE_B]);
    let (_, only_anna) = lib.photo("anna.png", "dogs", None, &[FACE_A]);
    let (_, only_bob) = lib.photo("bob.png", "dogs", None, &[FACE_A]);
    let (_, suggested) = lib.photo("maybe.png", "dogs", None, &[FACE_A]);
    lib.assign(both[0], anna, "confirmed");
    lib.assign(both[1], bob, "confirmed");
    lib.assign(only_anna[0], anna, "confirmed");
    lib.assign(only_bob[0], bob, "confirmed");
    lib.assign(suggested[0], anna, "suggested");

    let (_, summary) = lib.export(&lib.request(&[anna, bob], Mode::Copy, Layout::Flat));
    // Two albums: the folder to show holds both.
    assert_eq!(summary.album_folder, lib.target());
    assert_eq!(
        tree(&lib.target()),
        [
            "Anna/anna.png",
            "Anna/both.png",
            "Bob/bob.png",
            "Bob/both.png",
            album::MANIFEST_NAME
        ]
    );
    let manifest = album::read_manifest(&lib.target()).unwrap();
    let both_item = manifest
        .items
        .iter()
        .find(|i| i.destination == "Anna/both.png")
        .unwrap();
    assert_eq!(both_item.people, ["Anna", "Bob"]);

    let mut together = lib.request(&[anna, bob], Mode::Copy, Layout::Flat);
    together.target = lib.dir.path().join("together");
    together.selection.together = true;
    let (_, summary) = lib.export(&together);
    assert_eq!(
        tree(&together.target),
        ["Anna & Bob/both.png", album::MANIFEST_NAME]
    );
    assert_eq!(summary.album_folder, together.target.join("Anna & Bob"));

    let mut with_suggested = lib.request(&[anna], Mode::Copy, Layout::Flat);
    with_suggested.target = lib.dir.path().join("suggested");
    with_suggested.selection.include_suggested = true;
    let (plan, _) = lib.export(&with_suggested);
    assert_eq!(plan.items.len(), 3);

    lib.hide(bob);
    let err = album::plan(&lib.store, &lib.request(&[bob], Mode::Copy, Layout::Flat)).unwrap_err();
    assert!(matches!(err, ExportError::HiddenPerson(_)), "{err}");
    let mut hidden = lib.request(&[bob], Mode::Copy, Layout::Flat);
    hidden.selection.include_hidden = true;
    assert_eq!(album::plan(&lib.store, &hidden).unwrap().items.len(), 2);
}

#[test]
fn name_collisions_get_numbered_suffixes_and_other_files_are_never_touched() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (first, f1) = lib.photo("x/IMG.png", "dogs", None, &[FACE_A]);
    let (second, f2) = lib.photo("y/IMG.png", "bald_guys", None, &[FACE_A]);
    let (third, f3) = lib.photo("z/img.png", "2008_001009", None, &[FACE_A]);
    for f in [&f1, &f2, &f3] {
        lib.assign(f[0], anna, "confirmed");
    }
    // Someone else's file is already where the second photo would go.
    let theirs = lib.target().join("Anna/IMG (2).png");
    fs::create_dir_all(theirs.parent().unwrap()).unwrap();
    fs::write(&theirs, b"not a photo of ours").unwrap();

    let (plan, summary) = lib.export(&lib.request(&[anna], Mode::Copy, Layout::Flat));
    assert_eq!(summary.created, 3);
    assert_eq!(fs::read(&theirs).unwrap(), b"not a photo of ours");
    let dest: Vec<String> = plan
        .items
        .iter()
        .map(|i| {
            i.destination
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // Names differing only in letter case collide too, with the album's own names and with
    // files already there (`IMG (2).png` rules out `img (2).png`), on every disk alike: the
    // album may end up on a FAT stick or a Mac.
    assert_eq!(dest, ["IMG.png", "IMG (3).png", "img (4).png"]);
    let renamed: Vec<bool> = plan.items.iter().map(|i| i.renamed).collect();
    assert_eq!(renamed, [false, true, true]);
    for (source, item) in [&first, &second, &third].iter().zip(&plan.items) {
        assert!(same_bytes(source, &item.destination));
    }
}

#[test]
fn running_an_export_again_changes_nothing() {
    for mode in [Mode::Copy, Mode::Hardlink, Mode::Symlink] {
        let mut lib = Lib::new();
        let anna = lib.person("Anna");
        let (_, f1) = lib.photo("x/IMG.png", "dogs", None, &[FACE_A]);
        let (_, f2) = lib.photo("y/IMG.png", "bald_guys", None, &[FACE_A]);
        lib.assign(f1[0], anna, "confirmed");
        lib.assign(f2[0], anna, "confirmed");
        let request = lib.request(&[anna], mode, Layout::ByYear);
        let (_, first) = lib.export(&request);
        assert_eq!(first.created, 2, "{mode:?}");
        let before = tree(&lib.target());
        let manifest_before = album::read_manifest(&lib.target()).unwrap();

        let plan = album::plan(&lib.store, &request).unwrap();
        assert_eq!(plan.count(Action::AlreadyThere), 2, "{mode:?}");
        let (_, second) = lib.export(&request);
        assert_eq!((second.created, second.skipped), (0, 2), "{mode:?}");
        assert_eq!(tree(&lib.target()), before, "{mode:?}");
        assert_eq!(
            album::read_manifest(&lib.target()).unwrap(),
            manifest_before
        );
    }
}

/// Regression: an album of shortcuts exported again as copies (to give it away), or after its
/// photos' folder moved, kept each old shortcut and put the photo beside it as "IMG (2)".
#[cfg(unix)]
#[test]
fn shortcuts_made_before_give_way_to_copies_and_to_the_photos_new_place() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (photo, f1) = lib.photo("x/IMG.png", "dogs", None, &[FACE_A]);
    lib.assign(f1[0], anna, "confirmed");
    let in_album = lib.target().join("Anna/IMG.png");
    lib.export(&lib.request(&[anna], Mode::Symlink, Layout::Flat));
    assert!(
        fs::symlink_metadata(&in_album)
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // The folder moved, and followed: the shortcut now leads nowhere; it is made anew.
    let moved = lib.photos().join("moved");
    fs::rename(lib.photos().join("x"), &moved).unwrap();
    let id = lib.store.photo_by_path(&photo).unwrap().unwrap().id;
    let meta = fs::metadata(moved.join("IMG.png")).unwrap();
    lib.store
        .transaction(|store| {
            store.relocate_photo_in_tx(id, None, &moved.join("IMG.png"), meta.len(), 1)
        })
        .unwrap();
    let (_, summary) = lib.export(&lib.request(&[anna], Mode::Symlink, Layout::Flat));
    assert_eq!(summary.created, 1);
    assert_eq!(tree(&lib.target()), ["Anna/IMG.png", "kindred-export.json"]);
    assert_eq!(fs::read_link(&in_album).unwrap(), moved.join("IMG.png"));

    // Made again as copies: the shortcut gives way to the copy.
    let (_, summary) = lib.export(&lib.request(&[anna], Mode::Copy, Layout::Flat));
    assert_eq!(summary.created, 1);
    assert_eq!(tree(&lib.target()), ["Anna/IMG.png", "kindred-export.json"]);
    assert!(fs::symlink_metadata(&in_album).unwrap().is_file());
    assert!(same_bytes(&in_album, &moved.join("IMG.png")));
    // A shortcut the user made there to another photo stays, the photo beside it.
    fs::remove_file(&in_album).unwrap();
    fs::write(lib.photos().join("elsewhere.png"), b"another").unwrap();
    std::os::unix::fs::symlink(lib.photos().join("elsewhere.png"), &in_album).unwrap();
    let (_, summary) = lib.export(&lib.request(&[anna], Mode::Copy, Layout::Flat));
    assert_eq!(summary.created, 1);
    assert_eq!(
        tree(&lib.target()),
        ["Anna/IMG (2).png", "Anna/IMG.png", "kindred-export.json"]
    );
}

#[test]
fn an_interrupted_export_resumes_where_it_stopped() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let mut sources = Vec::new();
    for (i, stem) in ["dogs", "bald_guys", "2008_001009", "2008_002506"]
        .iter()
        .enumerate()
    {
        let (path, faces) = lib.photo(&format!("p{i}.png"), stem, None, &[FACE_A]);
        lib.assign(faces[0], anna, "confirmed");
        sources.push(path);
    }
    let request = lib.request(&[anna], Mode::Copy, Layout::Flat);

    // A cancelled export stops before the next photo and says so.
    let plan = album::plan(&lib.store, &request).unwrap();
    let control = ExportControl::new();
    control.cancel();
    let (tx, _rx) = mpsc::channel();
    let cancelled = album::execute(&plan, tx, &control).unwrap();
    assert!(cancelled.cancelled);
    assert_eq!(cancelled.created, 0);

    // What a kill leaves behind: one photo done, one half-copied under the temporary name.
    let done = &plan.items[0];
    fs::create_dir_all(done.destination.parent().unwrap()).unwrap();
    fs::copy(&done.source, &done.destination).unwrap();
    let half = &plan.items[1];
    let bytes = fs::read(&half.source).unwrap();
    fs::write(
        album::temp_path(&half.destination),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();

    let (plan, summary) = lib.export(&request);
    assert_eq!(plan.count(Action::AlreadyThere), 1);
    assert_eq!((summary.created, summary.skipped), (3, 1));
    assert_eq!(
        tree(&lib.target()),
        [
            "Anna/p0.png",
            "Anna/p1.png",
            "Anna/p2.png",
            "Anna/p3.png",
            album::MANIFEST_NAME
        ]
    );
    for (source, item) in sources.iter().zip(&plan.items) {
        assert!(same_bytes(source, &item.destination));
    }
}

#[test]
fn hostile_person_names_stay_inside_the_target_as_safe_folders() {
    let mut lib = Lib::new();
    let names = [
        "../../escape",
        "a/b\\c",
        "CON",
        "Zoe\u{301}",
        "Zo\u{e9}",
        "dots... ",
        "tab\there\u{0}",
        "",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let person = lib.person(name);
        let (_, faces) = lib.photo(&format!("{i}.png"), "dogs", None, &[FACE_A]);
        lib.assign(faces[0], person, "confirmed");
        ids.push(person);
    }
    let (plan, summary) = lib.export(&lib.request(&ids, Mode::Copy, Layout::Flat));
    assert_eq!(summary.created, names.len() as u64);
    let folders: Vec<&str> = plan.folders.iter().map(|(_, f)| f.as_str()).collect();
    let zoe_id = ids[4];
    assert_eq!(
        folders,
        [
            "_.._escape",
            "a_b_c",
            "CON_",
            "Zo\u{e9}",
            &format!("Zo\u{e9} ({zoe_id})"),
            "dots",
            "tab here",
            &format!("Person {}", ids[7]),
        ]
    );
    let target = fs::canonicalize(lib.target()).unwrap();
    for item in &plan.items {
        let parent = fs::canonicalize(item.destination.parent().unwrap()).unwrap();
        assert_eq!(
            parent.parent().unwrap(),
            target,
            "{}",
            item.destination.display()
        );
    }
    assert!(!lib.dir.path().join("escape").exists());
}

#[test]
fn an_unwritable_target_is_a_clear_error() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (_, faces) = lib.photo("a.png", "dogs", None, &[FACE_A]);
    lib.assign(faces[0], anna, "confirmed");

    // A target below a file can never be made.
    let file = lib.dir.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    let mut request = lib.request(&[anna], Mode::Copy, Layout::Flat);
    request.target = file.join("album");
    let plan = album::plan(&lib.store, &request).unwrap();
    let (tx, _rx) = mpsc::channel();
    let err = album::execute(&plan, tx, &ExportControl::new()).unwrap_err();
    assert!(
        matches!(err, ExportError::TargetNotWritable { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("cannot write into the target folder"),
        "{err}"
    );
    assert!(err.to_string().contains("a-file"), "{err}");

    #[cfg(unix)]
    a_read_only_target_is_refused(&lib, request);
}

/// A read-only folder. Root ignores permission bits, so fall back to a read-only file system
/// (/sys) when the permission bits do not stop us.
#[cfg(unix)]
fn a_read_only_target_is_refused(lib: &Lib, mut request: ExportRequest) {
    let read_only = lib.dir.path().join("read-only");
    fs::create_dir(&read_only).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&read_only, fs::Permissions::from_mode(0o555)).unwrap();
    let bits_enforced = fs::write(read_only.join("probe"), b"").is_err();
    let _ = fs::remove_file(read_only.join("probe"));
    let target = if bits_enforced {
        read_only.clone()
    } else {
        PathBuf::from("/sys/kindred-export-test")
    };
    if bits_enforced || Path::new("/sys").is_dir() {
        request.target = target.clone();
        let plan = album::plan(&lib.store, &request).unwrap();
        let (tx, _rx) = mpsc::channel();
        let err = album::execute(&plan, tx, &ExportControl::new()).unwrap_err();
        assert!(
            matches!(err, ExportError::TargetNotWritable { .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains(&target.display().to_string()),
            "{err}"
        );
    }
    fs::set_permissions(&read_only, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
#[cfg(target_os = "linux")]
fn hard_links_across_file_systems_become_copies_and_say_so() {
    use std::os::unix::fs::MetadataExt;
    let mut lib = Lib::new();
    // /dev/shm is a separate (memory) file system on Linux; without one there is nothing
    // to cross, and the test says so instead of passing silently.
    let other = Path::new("/dev/shm");
    let here = fs::metadata(lib.dir.path()).unwrap().dev();
    if !other.is_dir() || fs::metadata(other).unwrap().dev() == here {
        eprintln!("no second file system to export to; skipped");
        return;
    }
    let anna = lib.person("Anna");
    let (source, faces) = lib.photo("a.png", "dogs", None, &[FACE_A]);
    lib.assign(faces[0], anna, "confirmed");
    let target = tempfile::tempdir_in(other).unwrap();
    let mut request = lib.request(&[anna], Mode::Hardlink, Layout::Flat);
    request.target = target.path().to_path_buf();
    let plan = album::plan(&lib.store, &request).unwrap();
    let (tx, rx) = mpsc::channel();
    let summary = album::execute(&plan, tx, &ExportControl::new()).unwrap();
    assert_eq!((summary.created, summary.copied_instead_of_linked), (1, 1));
    let events: Vec<album::ExportEvent> = rx.into_iter().collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, album::ExportEvent::CopiedInsteadOfLinked { .. })),
        "{events:?}"
    );
    assert!(same_bytes(&source, &target.path().join("Anna/a.png")));
    // Running it again finds the copy and leaves it.
    let (tx, _rx) = mpsc::channel();
    let plan = album::plan(&lib.store, &request).unwrap();
    let again = album::execute(&plan, tx, &ExportControl::new()).unwrap();
    assert_eq!((again.created, again.skipped), (0, 1));
}

#[test]
#[cfg(target_os = "linux")]
fn the_command_line_says_once_why_the_photos_were_copied_instead_of_linked() {
    use std::os::unix::fs::MetadataExt;
    let other = Path::new("/dev/shm");
    let dir = tempfile::tempdir().unwrap();
    let here = fs::metadata(dir.path()).unwrap().dev();
    if !other.is_dir() || fs::metadata(other).unwrap().dev() == here {
        eprintln!("no second file system to export to; skipped");
        return;
    }
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.01, 0.02]);
    for i in 0..faces.len() {
        fs::write(dir.path().join(format!("{i}.jpg")), format!("photo {i}")).unwrap();
    }
    let faces: Vec<String> = faces.iter().map(i64::to_string).collect();
    let mut split = vec!["split", "--name", "Anna"];
    split.extend(faces.iter().map(String::as_str));
    ok_on(&library, &split);
    let target = tempfile::tempdir_in(other).unwrap();
    let target = target.path().to_str().unwrap();
    let out = kindred_on(&library)
        .args([
            "export", "--person", "Anna", "--mode", "hardlink", "--to", target,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "3 new, 0 already there, 0 failed; 3 copied because they could not be linked"
        ),
        "{stdout}"
    );
    let said: Vec<&str> = stderr.lines().filter(|l| l.contains("instead")).collect();
    assert_eq!(
        said,
        [
            "copying the photos instead of hard-linking them: the album's folder is on another \
          disk than the photos (a hard link stays on one disk)"
        ],
        "{stderr}"
    );
}

#[test]
fn a_dry_run_writes_nothing() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (_, faces) = lib.photo("a.png", "dogs", None, &[FACE_A]);
    lib.assign(faces[0], anna, "confirmed");
    let plan = album::plan(&lib.store, &lib.request(&[anna], Mode::Copy, Layout::Flat)).unwrap();
    assert_eq!(plan.count(Action::Create), 1);
    assert!(!lib.target().exists());
}

#[test]
fn a_missing_original_is_reported_and_the_rest_exported() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (gone, f1) = lib.photo("gone.png", "dogs", None, &[FACE_A]);
    let (_, f2) = lib.photo("here.png", "dogs", None, &[FACE_A]);
    lib.assign(f1[0], anna, "confirmed");
    lib.assign(f2[0], anna, "confirmed");
    fs::remove_file(&gone).unwrap();
    let (plan, summary) = lib.export(&lib.request(&[anna], Mode::Copy, Layout::Flat));
    assert_eq!(plan.count(Action::SourceMissing), 1);
    assert_eq!(summary.created, 1);
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(summary.failed[0].0, gone);
    assert!(
        summary.failed[0].1.contains("not there"),
        "{:?}",
        summary.failed[0]
    );
}

/// Regression: a photo that opened but could not be read through (a bad sector, a file a sync
/// tool took offline) stopped the whole export, blamed on the album's file.
#[test]
fn a_photo_that_cannot_be_read_is_skipped_and_the_rest_exported() {
    for mode in [Mode::Copy, Mode::Hardlink] {
        let mut lib = Lib::new();
        let anna = lib.person("Anna");
        let (bad, f1) = lib.photo("a-bad.png", "dogs", None, &[FACE_A]);
        let (_, f2) = lib.photo("b-good.png", "dogs", None, &[FACE_A]);
        lib.assign(f1[0], anna, "confirmed");
        lib.assign(f2[0], anna, "confirmed");
        let plan = album::plan(&lib.store, &lib.request(&[anna], mode, Layout::Flat)).unwrap();
        // Between the preview and the export, the file turns into one that opens but cannot
        // be read (on Linux a folder opens, and fails as it is read).
        fs::remove_file(&bad).unwrap();
        fs::create_dir(&bad).unwrap();
        let (tx, _rx) = mpsc::channel();
        let summary = album::execute(&plan, tx, &ExportControl::new()).unwrap();
        assert_eq!(summary.created, 1, "{mode:?}");
        assert_eq!(summary.failed.len(), 1, "{mode:?}");
        assert_eq!(summary.failed[0].0, bad);
        assert!(
            summary.failed[0].1.contains("could not be read"),
            "{:?}",
            summary.failed[0]
        );
        assert_eq!(
            tree(&lib.target()),
            ["Anna/b-good.png", "kindred-export.json"],
            "{mode:?}"
        );
    }
}

/// Every photo of the album on a drive not connected: an error that says so, and nothing
/// written (not even an empty album and its manifest).
#[test]
fn an_export_with_no_photo_there_writes_nothing_and_says_why() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    for name in ["a.png", "b.png"] {
        let (path, faces) = lib.photo(name, "dogs", None, &[FACE_A]);
        lib.assign(faces[0], anna, "confirmed");
        fs::remove_file(&path).unwrap();
    }
    let plan = album::plan(&lib.store, &lib.request(&[anna], Mode::Copy, Layout::Flat)).unwrap();
    let (tx, _rx) = mpsc::channel();
    let error = album::execute(&plan, tx, &ExportControl::new()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("none of the 2 photos to export is there"),
        "{error}"
    );
    assert!(!lib.target().exists());
}

/// Byte-for-byte copies of a photo (a backup folder, an import made twice) go into the album
/// once, with everyone any copy was named in; a copy still on disk stands in for one that is
/// gone.
#[test]
fn identical_copies_of_a_photo_are_exported_once() {
    let mut lib = Lib::new();
    let (anna, bob) = (lib.person("Anna"), lib.person("Bob"));
    let (first, f1) = lib.photo("2019/beach.png", "dogs", None, &[FACE_A, FACE_B]);
    let (backup, f2) = lib.photo("backup/beach.png", "dogs", None, &[FACE_A, FACE_B]);
    let (_, f3) = lib.photo("2019/park.png", "2008_001009", None, &[FACE_A]);
    lib.store
        .connection()
        .execute(
            "UPDATE photos SET content_hash = 'beach' WHERE path IN (?1, ?2)",
            [first.to_str().unwrap(), backup.to_str().unwrap()],
        )
        .unwrap();
    // Anna was named in the first copy, Bob only in the backup.
    lib.assign(f1[0], anna, "confirmed");
    lib.assign(f2[1], bob, "confirmed");
    lib.assign(f3[0], anna, "confirmed");

    let request = lib.request(&[anna, bob], Mode::Copy, Layout::Flat);
    let (plan, summary) = lib.export(&request);
    assert_eq!(plan.identical_copies, vec![(backup.clone(), first.clone())]);
    assert_eq!(summary.created, 3);
    assert_eq!(
        tree(&lib.target()),
        [
            "Anna/beach.png",
            "Anna/park.png",
            "Bob/beach.png",
            "kindred-export.json"
        ]
    );
    let beach: Vec<&PlannedItem> = plan
        .items
        .iter()
        .filter(|i| i.source.ends_with("beach.png"))
        .collect();
    assert!(beach.iter().all(|i| i.source == first), "{beach:?}");
    assert!(
        beach.iter().all(|i| i.people == ["Anna", "Bob"]),
        "{beach:?}"
    );

    // The first copy deleted: the backup is exported instead.
    fs::remove_file(&first).unwrap();
    let elsewhere = ExportRequest {
        target: lib.dir.path().join("album2"),
        ..request
    };
    let (plan, summary) = lib.export(&elsewhere);
    assert_eq!(plan.identical_copies, vec![(first.clone(), backup.clone())]);
    assert_eq!(plan.count(Action::SourceMissing), 0);
    assert_eq!(summary.created, 3);
    assert!(same_bytes(&elsewhere.target.join("Bob/beach.png"), &backup));
}

const FOREIGN_SIDECAR: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <!-- written by another app -->
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmp:Rating="4"
    darktable:xmp_version="5">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday &amp; beach</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:operation="exposure" darktable:enabled="1"/>
    </rdf:Seq>
   </darktable:history>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Rex" mwg-rs:Type="Pet">
        <mwg-rs:Area stArea:x="0.8" stArea:y="0.8" stArea:w="0.1" stArea:h="0.1" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
      <rdf:li>
       <rdf:Description mwg-rs:Name="Anna" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="0.1" stArea:y="0.1" stArea:w="0.05" stArea:h="0.05" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
   <Iptc4xmpExt:PersonInImage>
    <rdf:Bag>
     <rdf:li>Anna</rdf:li>
     <rdf:li>Grandma</rdf:li>
    </rdf:Bag>
   </Iptc4xmpExt:PersonInImage>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"#;

#[test]
fn sidecars_round_trip_and_keep_what_other_apps_wrote() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let bob = lib.person("Bob & \"Bobby\" <B>");
    let nobody = lib.person("Stranger");
    lib.hide(nobody);
    // A face reaching past the right edge of the 500-pixel-wide photo is clipped to it.
    let (width, height) = image::image_dimensions(fixture("golden/images/dogs.png")).unwrap();
    let edge = Rect::new(i64::from(width) - 40, 50, i64::from(width) + 19, 109);
    let (photo, faces) = lib.photo("a.png", "dogs", None, &[FACE_A, edge, FACE_B]);
    lib.assign(faces[0], anna, "confirmed");
    lib.assign(faces[1], bob, "confirmed");
    lib.assign(faces[2], nobody, "confirmed");
    let sidecar = xmp::sidecar_path(&photo);
    assert_eq!(sidecar.file_name().unwrap(), "a.png.xmp");
    fs::write(&sidecar, FOREIGN_SIDECAR).unwrap();
    let photo_before = fs::read(&photo).unwrap();

    let summary = xmp::write_library_sidecars(&lib.store, None).unwrap();
    assert_eq!((summary.created, summary.updated), (0, 1));
    assert_eq!(
        fs::read(&photo).unwrap(),
        photo_before,
        "the photo is never modified"
    );

    let text = fs::read_to_string(&sidecar).unwrap();
    let faces = xmp::read(&text, &sidecar).unwrap();
    assert_eq!(faces.dimensions, Some((width, height)));
    let names: Vec<(&str, &str)> = faces
        .regions
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    // The pet stays; the other app's "Anna" is replaced by Kindred's; the hidden person is
    // not written.
    assert_eq!(
        names,
        [
            ("Pet", "Rex"),
            ("Face", "Anna"),
            ("Face", "Bob & \"Bobby\" <B>")
        ]
    );
    assert_eq!(faces.regions[1].to_rect(width, height), FACE_A);
    let clipped = Rect::new(edge.left, edge.top, i64::from(width) - 1, edge.bottom);
    assert_eq!(faces.regions[2].to_rect(width, height), clipped);
    let expected = FaceRegion::from_rect("Anna", FACE_A, width, height, None);
    assert!((faces.regions[1].x - expected.x).abs() < 1e-6);
    assert!((faces.regions[1].w - (60.0 / f64::from(width))).abs() < 1e-6);
    assert_eq!(faces.persons, ["Anna", "Grandma", "Bob & \"Bobby\" <B>"]);
    // Unrelated fields survive, exactly as written.
    for kept in [
        "xmp:Rating=\"4\"",
        "<rdf:li>holiday &amp; beach</rdf:li>",
        "<rdf:li darktable:operation=\"exposure\" darktable:enabled=\"1\"/>",
        "<!-- written by another app -->",
        "<?xpacket end=\"w\"?>",
    ] {
        assert!(text.contains(kept), "lost {kept:?}:\n{text}");
    }
    assert!(!text.contains("Stranger"));

    // Writing again changes nothing; renaming a person replaces the name, not adds one.
    let again = xmp::write_library_sidecars(&lib.store, None).unwrap();
    assert_eq!(again.unchanged, 1);
    lib.store
        .connection()
        .execute("UPDATE persons SET name = 'Robert' WHERE id = ?1", [bob])
        .unwrap();
    xmp::write_library_sidecars(&lib.store, Some(&[bob])).unwrap();
    let renamed = xmp::read_sidecar_of(&photo).unwrap().unwrap();
    assert_eq!(renamed.persons, ["Anna", "Grandma", "Robert"]);
    assert_eq!(renamed.regions.len(), 3);
}

/// Regression: a merge rebuilt other apps' regions from the few fields Kindred reads, losing
/// the rest (a description, a rotation, Apple's face angles) and every region whose area it
/// does not read (a point, a circle).
#[test]
fn a_merge_keeps_other_apps_regions_as_they_wrote_them() {
    const RICH: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
   <mwg-rs:Regions rdf:parseType="Resource" xmlns:apple-fi="http://ns.apple.com/faceinfo/1.0/">
    <mwg-rs:RegionList>
     <rdf:Bag>
      <rdf:li rdf:parseType="Resource">
       <mwg-rs:Type>Face</mwg-rs:Type>
       <mwg-rs:Name>Carl</mwg-rs:Name>
       <mwg-rs:Description>at the lake</mwg-rs:Description>
       <mwg-rs:Rotation>0.25</mwg-rs:Rotation>
       <mwg-rs:Area stArea:x="0.7" stArea:y="0.3" stArea:w="0.1" stArea:h="0.1" stArea:unit="normalized"/>
       <mwg-rs:Extensions rdf:parseType="Resource">
        <apple-fi:AngleInfoYaw>35</apple-fi:AngleInfoYaw>
       </mwg-rs:Extensions>
      </rdf:li>
      <rdf:li rdf:parseType="Resource">
       <mwg-rs:Type>Focus</mwg-rs:Type>
       <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:unit="normalized"/>
      </rdf:li>
      <rdf:li rdf:parseType="Resource">
       <mwg-rs:Type>Face</mwg-rs:Type>
       <mwg-rs:Name>Anna</mwg-rs:Name>
       <mwg-rs:Area stArea:x="0.1" stArea:y="0.1" stArea:d="0.05" stArea:unit="normalized"/>
      </rdf:li>
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"#;
    let path = Path::new("/photos/a.jpg.xmp");
    let anna = [FaceRegion::from_rect("Anna", FACE_A, 500, 375, Some(7))];
    let merged = xmp::merge(Some(RICH), path, 500, 375, &anna).unwrap();
    for kept in [
        "<mwg-rs:Description>at the lake</mwg-rs:Description>",
        "<mwg-rs:Rotation>0.25</mwg-rs:Rotation>",
        "<apple-fi:AngleInfoYaw>35</apple-fi:AngleInfoYaw>",
        "xmlns:apple-fi=\"http://ns.apple.com/faceinfo/1.0/\"",
        "<mwg-rs:Type>Focus</mwg-rs:Type>",
        "stArea:x=\"0.5\" stArea:y=\"0.5\" stArea:unit=\"normalized\"",
    ] {
        assert!(merged.contains(kept), "lost {kept:?}:\n{merged}");
    }
    // The other app's circle around Anna gives way to Kindred's Anna.
    assert!(!merged.contains("stArea:d="), "{merged}");
    let read = xmp::read(&merged, path).unwrap();
    let names: Vec<(&str, &str)> = read
        .regions
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(names, [("Face", "Carl"), ("Face", "Anna")]);
    assert_eq!(read.persons, ["Carl", "Anna"]);
    // Written again, nothing changes.
    assert_eq!(
        xmp::merge(Some(&merged), path, 500, 375, &anna).unwrap(),
        merged
    );
}

/// Regression: a photo whose faces are no longer named (said not to be the person, the person
/// hidden, a face given to someone else) was passed over by the next `xmp write`, its sidecar
/// naming them still for every other app.
#[test]
fn names_taken_back_in_kindred_leave_the_sidecars_it_wrote() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let bob = lib.person("Bob");
    let (solo, f1) = lib.photo("solo.png", "dogs", None, &[FACE_A]);
    let (pair, f2) = lib.photo("pair.png", "dogs", None, &[FACE_A, FACE_B]);
    lib.assign(f1[0], anna, "confirmed");
    lib.assign(f2[0], anna, "confirmed");
    lib.assign(f2[1], bob, "confirmed");
    // Another app's region on the solo photo, which stays.
    fs::write(xmp::sidecar_path(&solo), FOREIGN_SIDECAR).unwrap();
    let written = xmp::write_library_sidecars(&lib.store, None).unwrap();
    assert_eq!((written.created, written.updated), (1, 1));
    let names = |photo: &Path| {
        let faces = xmp::read_sidecar_of(photo).unwrap().unwrap();
        let regions: Vec<String> = faces.regions.iter().map(|r| r.name.clone()).collect();
        (regions, faces.persons)
    };
    assert_eq!(names(&solo).0, ["Rex", "Anna"]);

    // Anna is hidden, and the pair's Bob was someone else after all.
    lib.hide(anna);
    lib.assign(f2[1], anna, "confirmed");
    let again = xmp::write_library_sidecars(&lib.store, None).unwrap();
    assert_eq!((again.updated, again.failed.len()), (2, 0), "{again:?}");
    assert_eq!(names(&solo).0, ["Rex"]);
    assert!(!names(&solo).1.contains(&"Anna".to_string()));
    assert_eq!(names(&pair), (vec![], vec![]));
    // And once up to date, nothing changes.
    let third = xmp::write_library_sidecars(&lib.store, None).unwrap();
    assert_eq!((third.created, third.updated), (0, 0), "{third:?}");
}

#[test]
fn a_new_sidecar_is_a_complete_xmp_packet() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    fs::write(&photo, b"jpeg bytes").unwrap();
    let regions = [FaceRegion::from_rect(
        "Ann",
        Rect::new(0, 0, 99, 49),
        400,
        200,
        Some(7),
    )];
    assert_eq!(
        xmp::write_sidecar(&photo, 400, 200, &regions).unwrap(),
        SidecarWrite::Created
    );
    let back = xmp::read_sidecar_of(&photo).unwrap().unwrap();
    assert_eq!(back.regions, regions);
    assert_eq!(back.regions[0].x, 0.125);
    assert_eq!(back.regions[0].h, 0.25);
    assert_eq!(back.persons, ["Ann"]);
    let text = fs::read_to_string(xmp::sidecar_path(&photo)).unwrap();
    assert!(text.starts_with("<?xpacket begin="), "{text}");
    assert_eq!(
        xmp::write_sidecar(&photo, 400, 200, &regions).unwrap(),
        SidecarWrite::Unchanged
    );
    // A sidecar that is not XML is left alone, with an error naming it.
    fs::write(xmp::sidecar_path(&photo), "<x:xmpmeta><broken").unwrap();
    let err = xmp::write_sidecar(&photo, 400, 200, &regions).unwrap_err();
    assert!(err.to_string().contains("p.jpg.xmp"), "{err}");
    assert_eq!(
        fs::read_to_string(xmp::sidecar_path(&photo)).unwrap(),
        "<x:xmpmeta><broken"
    );
}

#[test]
fn the_command_line_exports_by_name_and_writes_sidecars() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (photo, faces) = lib.photo("a.png", "dogs", Some("2020-01-02 03:04:05"), &[FACE_A]);
    lib.assign(faces[0], anna, "confirmed");
    let library = lib.store.path().to_path_buf();
    let target = lib.target();

    let dry = kindred_on(&library)
        .args([
            "export",
            "--person",
            "Anna",
            "--layout",
            "by-year",
            "--dry-run",
            "--to",
        ])
        .arg(&target)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(stdout.contains("2020-01-02 a.png"), "{stdout}");
    assert!(!target.exists());

    let run = kindred_on(&library)
        .args([
            "export",
            "--person",
            &anna.to_string(),
            "--mode",
            "hardlink",
            "--to",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(target.join("Anna/a.png").is_file());
    assert!(target.join(album::MANIFEST_NAME).is_file());

    // A person whose faces are all suggestions gets an empty album, and is told why.
    let bo = lib.person("Bo");
    let (_, faces) = lib.photo("b.png", "dogs", None, &[FACE_B]);
    lib.assign(faces[0], bo, "suggested");
    let only_suggested = kindred_on(&library)
        .args(["export", "--person", "Bo", "--dry-run", "--to"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(only_suggested.status.success());
    assert!(
        String::from_utf8_lossy(&only_suggested.stdout).contains("dry run: 0 photos"),
        "{}",
        String::from_utf8_lossy(&only_suggested.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&only_suggested.stderr),
        "note: Bo has no confirmed face yet, and the album leaves out 1 face only suggested \
         (--include-suggested takes them)\n"
    );

    let unknown = kindred_on(&library)
        .args(["export", "--person", "Nobody", "--to"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Nobody"));

    let xmp = kindred_on(&library)
        .args(["xmp", "write", "--person", "Anna"])
        .output()
        .unwrap();
    assert!(
        xmp.status.success(),
        "{}",
        String::from_utf8_lossy(&xmp.stderr)
    );
    let back = xmp::read_sidecar_of(&photo).unwrap().unwrap();
    assert_eq!(back.persons, ["Anna"]);
}

/// Writes the picture at `path` again in `format` (the fixtures are PNGs).
fn reencode(path: &Path, format: image::ImageFormat) {
    let picture = image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .decode()
        .unwrap()
        .to_rgb8();
    picture.save_with_format(path, format).unwrap();
}

fn turn(lib: &Lib, photo: &Path, quarters: u8) {
    lib.store
        .connection()
        .execute(
            "UPDATE photos SET turn = ?1 WHERE path = ?2",
            rusqlite::params![quarters, photo.to_str().unwrap()],
        )
        .unwrap();
}

/// What Kindred shows of the file at `path`, turned `quarters` clockwise.
fn shown(path: &Path, quarters: i64) -> image::RgbImage {
    let decoded = kindred::library::decode::decode_photo(&fs::read(path).unwrap()).unwrap();
    Turn::clockwise(quarters).image(decoded.image)
}

/// A photo stored sideways and turned in Kindred goes into the album turned, in every app:
/// a JPEG by its EXIF orientation (same image data), a PNG written again (same pixels); a GIF
/// cannot be, and says so. Re-exports find the turned copies, and replace Kindred's own copies
/// turned otherwise (before the turn, or turned since) instead of adding numbered ones.
#[test]
fn photos_turned_in_kindred_go_into_the_album_turned() {
    use kindred::export::album::{Content, ExportEvent};
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (jpeg, f1) = lib.photo("a.jpg", "dogs", None, &[FACE_A]);
    let (png, f2) = lib.photo("b.png", "2008_001009", None, &[FACE_A]);
    let (gif, f3) = lib.photo("c.gif", "dogs", None, &[FACE_B]);
    reencode(&jpeg, image::ImageFormat::Jpeg);
    reencode(&gif, image::ImageFormat::Gif);
    for face in [f1[0], f2[0], f3[0]] {
        lib.assign(face, anna, "confirmed");
    }
    let request = lib.request(&[anna], Mode::Copy, Layout::Flat);
    let album = lib.target().join("Anna");

    // Exported before the photos were turned: their files, as they are.
    let (_, summary) = lib.export(&request);
    assert_eq!((summary.created, summary.turned), (3, 0));
    assert!(same_bytes(&album.join("a.jpg"), &jpeg));

    turn(&lib, &jpeg, 1);
    turn(&lib, &png, 3);
    turn(&lib, &gif, 1);
    let plan = album::plan(&lib.store, &request).unwrap();
    let contents: Vec<(&str, &Content, bool)> = plan
        .items
        .iter()
        .map(|i| {
            let name = i.destination.file_name().unwrap().to_str().unwrap();
            (name, &i.content, i.replaces)
        })
        .collect();
    assert_eq!(contents.len(), 3);
    assert!(contents.contains(&("a.jpg", &Content::Turned(Turn::RIGHT), true)));
    assert!(contents.contains(&("b.png", &Content::Turned(Turn::LEFT), true)));
    assert!(
        contents
            .iter()
            .any(|(name, content, replaces)| *name == "c.gif"
                && matches!(content, Content::Sideways { .. })
                && !replaces)
    );
    assert_eq!((plan.turned(), plan.sideways()), (2, 1));
    let (tx, rx) = mpsc::channel();
    let summary = album::execute(&plan, tx, &ExportControl::new()).unwrap();
    assert_eq!(
        (
            summary.created,
            summary.skipped,
            summary.turned,
            summary.not_turned
        ),
        (2, 1, 2, 1)
    );
    let not_turned: Vec<ExportEvent> = rx
        .into_iter()
        .filter(|e| matches!(e, ExportEvent::NotTurned { .. }))
        .collect();
    assert!(
        matches!(&not_turned[..], [ExportEvent::NotTurned { destination, reason }]
            if destination.ends_with("c.gif") && reason.contains("JPEG, PNG and TIFF")),
        "{not_turned:?}"
    );
    // Replaced where they were, not added beside.
    assert_eq!(
        tree(&lib.target()),
        [
            "Anna/a.jpg",
            "Anna/b.png",
            "Anna/c.gif",
            "kindred-export.json"
        ]
    );
    assert_eq!(shown(&album.join("a.jpg"), 0), shown(&jpeg, 1));
    assert_eq!(shown(&album.join("b.png"), 0), shown(&png, 3));
    assert!(same_bytes(&album.join("c.gif"), &gif));
    // The JPEG's image data are the file's, untouched.
    let jpeg_bytes = fs::read(&jpeg).unwrap();
    let copy_bytes = fs::read(album.join("a.jpg")).unwrap();
    let scan = |b: &[u8]| b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(
        jpeg_bytes[scan(&jpeg_bytes)..],
        copy_bytes[scan(&copy_bytes)..]
    );

    // Again: nothing to do.
    let (_, again) = lib.export(&request);
    assert_eq!((again.created, again.skipped), (0, 3));

    // Turned once more: Kindred's turned copy is replaced by the new one.
    turn(&lib, &jpeg, 2);
    let (_, again) = lib.export(&request);
    assert_eq!((again.created, again.turned), (1, 1));
    assert_eq!(shown(&album.join("a.jpg"), 0), shown(&jpeg, 2));
    assert_eq!(tree(&lib.target()).len(), 4);

    // The manifest says which copies Kindred turned, and how.
    let manifest = album::read_manifest(&lib.target()).unwrap();
    let turned: Vec<(&str, Option<u8>)> = manifest
        .items
        .iter()
        .map(|i| (i.destination.as_str(), i.turned))
        .collect();
    assert_eq!(
        turned,
        [
            ("Anna/a.jpg", Some(2)),
            ("Anna/b.png", Some(3)),
            ("Anna/c.gif", None)
        ]
    );

    // Turned back: Kindred's turned copies, as it made them, are replaced by the files.
    turn(&lib, &jpeg, 0);
    turn(&lib, &png, 0);
    let plan = album::plan(&lib.store, &request).unwrap();
    assert!(
        plan.items
            .iter()
            .filter(|i| !i.destination.ends_with("c.gif"))
            .all(|i| i.replaces && i.content == Content::File)
    );
    let (_, again) = lib.export(&request);
    assert_eq!((again.created, again.turned), (2, 0));
    assert!(same_bytes(&album.join("a.jpg"), &jpeg));
    assert!(same_bytes(&album.join("b.png"), &png));
    assert_eq!(tree(&lib.target()).len(), 4);
    let manifest = album::read_manifest(&lib.target()).unwrap();
    assert!(manifest.items.iter().all(|i| i.turned.is_none()));

    // A turned copy the user changed since (turned again in another app) is theirs: it stays,
    // and the file goes in beside it.
    turn(&lib, &jpeg, 1);
    lib.export(&request);
    let theirs = upright_copy_of(&jpeg, 3);
    fs::write(album.join("a.jpg"), &theirs).unwrap();
    turn(&lib, &jpeg, 0);
    let (_, again) = lib.export(&request);
    assert_eq!(again.created, 1);
    assert!(same_bytes(&album.join("a (2).jpg"), &jpeg));
    assert_eq!(fs::read(album.join("a.jpg")).unwrap(), theirs);

    // Turned again in Kindred: the copy the user turned stays theirs, though it holds nothing
    // the file does not; Kindred's own copy beside it (the file) gives way to the new turn.
    turn(&lib, &jpeg, 2);
    let (_, again) = lib.export(&request);
    assert_eq!((again.created, again.turned), (1, 1));
    assert_eq!(fs::read(album.join("a.jpg")).unwrap(), theirs);
    assert_eq!(shown(&album.join("a (2).jpg"), 0), shown(&jpeg, 2));
    assert_eq!(tree(&lib.target()).len(), 5);
}

/// The copy of the photo at `path` Kindred makes when it is turned `quarters` right.
fn upright_copy_of(path: &std::path::Path, quarters: i64) -> Vec<u8> {
    match kindred::export::upright::upright_copy(
        &fs::read(path).unwrap(),
        Turn::clockwise(quarters),
    ) {
        kindred::export::upright::UprightCopy::Turned(bytes) => bytes,
        other => panic!("not turned: {other:?}"),
    }
}

/// Regression: an album made in the photo's own folder (Anna's photos in photos/Anna, exported
/// to photos) found the turned photo's own file where its copy goes and took it for a copy of
/// an earlier export, replacing the user's photo with the turned copy.
#[test]
fn an_album_in_the_photos_own_folder_never_replaces_the_photo() {
    let mut lib = Lib::new();
    let anna = lib.person("Anna");
    let (jpeg, faces) = lib.photo("Anna/a.jpg", "dogs", None, &[FACE_A]);
    reencode(&jpeg, image::ImageFormat::Jpeg);
    lib.assign(faces[0], anna, "confirmed");
    let original = fs::read(&jpeg).unwrap();
    let mut request = lib.request(&[anna], Mode::Copy, Layout::Flat);
    request.target = lib.photos();
    // Not turned: the photo is its own copy there; nothing is written.
    let (_, summary) = lib.export(&request);
    assert_eq!((summary.created, summary.skipped), (0, 1), "{summary:?}");

    turn(&lib, &jpeg, 1);
    let (plan, summary) = lib.export(&request);
    assert!(!plan.items[0].replaces && plan.items[0].renamed);
    assert_eq!((summary.created, summary.turned), (1, 1), "{summary:?}");
    assert_eq!(fs::read(&jpeg).unwrap(), original, "the photo is untouched");
    let written = plan.items[0].destination.clone();
    assert_ne!(written, jpeg);
    assert_eq!(shown(&written, 0), shown(&jpeg, 1));
    assert_eq!(tree(&lib.photos().join("Anna")).len(), 2);
}

/// Links show the file as it is: a photo turned in Kindred is copied, turned (counted as
/// turned, not as a link that failed); its earlier link is replaced.
#[test]
fn a_turned_photo_is_copied_not_linked() {
    use std::os::unix::fs::MetadataExt;
    for mode in [Mode::Hardlink, Mode::Symlink] {
        let mut lib = Lib::new();
        let anna = lib.person("Anna");
        let (jpeg, faces) = lib.photo("a.jpg", "dogs", None, &[FACE_A]);
        reencode(&jpeg, image::ImageFormat::Jpeg);
        lib.assign(faces[0], anna, "confirmed");
        let request = lib.request(&[anna], mode, Layout::Flat);
        let (_, summary) = lib.export(&request);
        assert_eq!((summary.created, summary.copied_instead_of_linked), (1, 0));
        let dest = lib.target().join("Anna/a.jpg");

        turn(&lib, &jpeg, 3);
        let (plan, summary) = lib.export(&request);
        assert!(plan.items[0].replaces, "{mode:?}");
        assert_eq!(
            (
                summary.created,
                summary.turned,
                summary.copied_instead_of_linked
            ),
            (1, 1, 0),
            "{mode:?}"
        );
        let meta = fs::symlink_metadata(&dest).unwrap();
        assert!(meta.is_file(), "{mode:?}: a file, not a link");
        assert_ne!(meta.ino(), fs::metadata(&jpeg).unwrap().ino());
        assert_eq!(shown(&dest, 0), shown(&jpeg, 3));
        assert_eq!(tree(&lib.target()).len(), 2, "{mode:?}");
    }
}
