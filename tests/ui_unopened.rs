//! The window Kindred opens when its library cannot be opened: clicking through putting back a
//! backup copy, starting a new library, and waiting for another Kindred to let go of it.

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use kindred::engine::geometry::Rect;
use kindred::library::backup::{self, BackupKind};
use kindred::library::lock::LibraryLock;
use kindred::library::store::{NewFace, PhotoAnalysis, Store};
use kindred::people::ops;
use kindred::ui::unopened::{self, UnopenedLibrary};

struct Page {
    page: UnopenedLibrary,
    opened: Option<(LibraryLock, Store)>,
}

fn window(library: &Path) -> Harness<'static, Page> {
    let problem = unopened::try_open(library).err().expect("cannot be opened");
    let page = Page {
        page: UnopenedLibrary::new(library, problem),
        opened: None,
    };
    Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_ui_state(
            |ui, state: &mut Page| {
                if let Some(opened) = state.page.show(ui) {
                    state.opened = Some(opened);
                }
            },
            page,
        )
}

/// A library of one photo whose face is named Ada, and a copy of it made by hand.
fn library_with_a_copy(dir: &Path) -> std::path::PathBuf {
    let library = dir.join("library.kindred");
    let mut store = Store::open(&library).unwrap();
    let face = NewFace::at(Rect::new(10, 10, 60, 60), [0.1; 128]);
    let photo = store
        .record_analysis(&PhotoAnalysis::new(dir.join("a.jpg"), 100, 100, vec![face]))
        .unwrap();
    let face = store.faces_of_photo(photo).unwrap()[0].id;
    ops::split(&mut store, &[face], Some("Ada")).unwrap();
    backup::make(&store, BackupKind::ByHand).unwrap();
    library
}

/// The names of the library's people.
fn names(store: &Store) -> Vec<String> {
    ops::people(store)
        .unwrap()
        .into_iter()
        .filter_map(|p| p.name)
        .collect()
}

fn damage(library: &Path) {
    let bytes = std::fs::read(library).unwrap();
    std::fs::write(library, &bytes[..bytes.len() / 3]).unwrap();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", library.display()));
    }
}

#[test]
fn a_damaged_library_is_put_back_from_its_copy_with_a_click() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_with_a_copy(dir.path());
    damage(&library);
    let mut harness = window(&library);
    harness.run();
    harness.get_by_label("Kindred's library is damaged");
    harness.get_by_label_contains("copy you made: 1 photo, 1 person named");
    harness.get_by_label("Put this copy back").click();
    harness.run();
    let (_lock, store) = harness.state_mut().opened.take().expect("opened");
    let done = harness.state().page.done.clone().unwrap();
    assert!(
        done.starts_with("Put back the copy you made of ")
            && done.contains("; the damaged library is kept at "),
        "{done}"
    );
    assert_eq!(names(&store), ["Ada"]);
    // The damaged file is kept, set aside among the copies.
    let kinds: Vec<BackupKind> = backup::list(&library).iter().map(|b| b.kind).collect();
    assert!(kinds.contains(&BackupKind::SetAside), "{kinds:?}");
}

/// A library of 300 photos of one face each, with its picture, the first face named Ada; all
/// of it in the library file (none left in SQLite's log beside it).
fn library_of_300_faces(dir: &Path) -> std::path::PathBuf {
    let library = dir.join("library.kindred");
    let mut store = Store::open(&library).unwrap();
    for i in 0..300 {
        let face = NewFace {
            thumbnail_jpeg: vec![i as u8; 3000],
            ..NewFace::at(Rect::new(10, 10, 60, 60), [i as f32 / 300.0; 128])
        };
        let photo = store
            .record_analysis(&PhotoAnalysis::new(
                dir.join(format!("{i}.jpg")),
                100,
                100,
                vec![face],
            ))
            .unwrap();
        if i == 0 {
            let face = store.faces_of_photo(photo).unwrap()[0].id;
            ops::split(&mut store, &[face], Some("Ada")).unwrap();
        }
    }
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    library
}

/// A page near the end of the file (face rows) overwritten, as a failing disk might: the
/// library still opens, and only reading that part shows the damage.
fn damage_near_the_end(library: &Path) {
    let mut bytes = std::fs::read(library).unwrap();
    let page = 4096;
    let at = (bytes.len() / page - 2) * page;
    bytes[at..at + page].fill(0xA5);
    std::fs::write(library, &bytes).unwrap();
}

#[test]
fn damage_deep_in_the_file_is_found_when_the_weekly_copy_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_of_300_faces(dir.path());
    damage_near_the_end(&library);
    assert!(Store::open(&library).is_ok(), "opens");
    match unopened::try_open(&library) {
        Err(unopened::Problem::Damaged(why)) => assert!(why.contains("damaged"), "{why}"),
        other => panic!("not found damaged: {:?}", other.err()),
    }
}

#[test]
fn a_new_library_is_started_only_when_asked_twice() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library.kindred");
    std::fs::write(&library, b"this is not a library").unwrap();
    let mut harness = window(&library);
    harness.run();
    harness.get_by_label_contains("There is no backup copy");
    harness.get_by_label("Start a new library…").click();
    harness.run();
    assert!(harness.state().opened.is_none());
    harness.get_by_label("Start a new library").click();
    harness.run();
    let (_lock, store) = harness.state_mut().opened.take().expect("opened");
    assert!(store.photos().unwrap().is_empty());
    let aside = &backup::list(&library)[0];
    assert_eq!(aside.kind, BackupKind::SetAside);
    assert_eq!(
        std::fs::read(&aside.path).unwrap(),
        b"this is not a library"
    );
}

#[test]
fn a_library_open_in_another_kindred_opens_once_that_one_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_with_a_copy(dir.path());
    let other = LibraryLock::acquire(&library).unwrap();
    let mut harness = window(&library);
    harness.run();
    harness.get_by_label("Kindred is already open");
    harness.get_by_label("Try again").click();
    harness.run();
    harness.get_by_label("It is still open in another Kindred.");
    assert!(harness.state().opened.is_none());
    drop(other);
    harness.get_by_label("Try again").click();
    harness.run();
    assert!(harness.state().opened.is_some());
}

/// With no backup copy, what can still be read of a damaged library is saved as a copy with a
/// click, and put back with another: the names in it come back.
#[test]
fn what_can_still_be_read_is_saved_and_put_back_where_there_is_no_copy() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_of_300_faces(dir.path());
    // Found on opening: the weekly copy is due.
    damage_near_the_end(&library);

    let mut harness = window(&library);
    harness.run();
    harness.get_by_label_contains("There is no backup copy");
    harness.get_by_label("Save what can still be read").click();
    let saved = std::time::Instant::now();
    while harness
        .query_by_label_contains("Saved as the newest copy")
        .is_none()
    {
        assert!(saved.elapsed().as_secs() < 120, "nothing saved");
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.step();
    }
    harness.run();
    harness.get_by_label_contains("Saved as the newest copy: 300 photos, 1 person named");
    harness.get_by_label_contains("salvaged copy: 300 photos");
    harness.get_by_label("Put this copy back").click();
    harness.run();
    let (_lock, store) = harness.state_mut().opened.take().expect("opened");
    assert_eq!(names(&store), ["Ada"]);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
