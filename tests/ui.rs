//! The desktop app driven like a user would: egui_kittest clicks and types through the real
//! views (by their accessible labels) against a library scanned from fixture photos, and the
//! results are checked in the library itself.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{damage_table, library_of_faces, ok_on, photos_from};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kindred::library::scan;
use kindred::library::store::{PhotoStatus, Store};
use kindred::people::ops::{self, FaceState, PersonFace, PersonId, PersonSummary, PhotoId};
use kindred::ui::KindredApp;
use kindred::ui::backend::ReviewOf;
use kindred::ui::launch::Launch;
use kindred::ui::state::{Settings, View};

/// Twelve LFW photos: four each of three people.
fn photo_folder(dir: &Path, held_back: &[&str]) -> PathBuf {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let entry = entry.unwrap();
        if !held_back.iter().any(|h| entry.file_name() == *h) {
            std::fs::copy(entry.path(), photos.join(entry.file_name())).unwrap();
        }
    }
    photos
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/people")
}

fn app_on(library: &Path) -> Harness<'static, KindredApp> {
    app_with(library, Settings::default())
}

/// The app on `library` with settings as a previous run left them.
fn app_with(library: &Path, settings: Settings) -> Harness<'static, KindredApp> {
    app_in_window(library, settings, egui::vec2(1280.0, 860.0))
}

/// The app on `library` in a window of this size.
fn app_in_window(
    library: &Path,
    settings: Settings,
    window: egui::Vec2,
) -> Harness<'static, KindredApp> {
    let library = library.to_path_buf();
    Harness::builder()
        .with_size(window)
        .build_eframe(move |cc| {
            let store = Store::open(&library).unwrap();
            KindredApp::with_store(&cc.egui_ctx, store, settings.clone(), None)
        })
}

/// Steps frames until the app has nothing in flight and has drawn the results.
fn settle(harness: &mut Harness<'_, KindredApp>) {
    settle_watching(harness, |_| {});
}

/// [`settle`], calling `watch` after each frame.
fn settle_watching(
    harness: &mut Harness<'_, KindredApp>,
    mut watch: impl FnMut(&Harness<'_, KindredApp>),
) {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut quiet_frames = 0;
    while quiet_frames < 3 {
        assert!(Instant::now() < deadline, "the app did not settle");
        harness.step();
        watch(harness);
        if harness.state().is_idle() {
            quiet_frames += 1;
        } else {
            quiet_frames = 0;
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Steps frames like [`settle`], and says whether a label containing `text` showed on any of
/// them: a notification that comes while the work goes on is shown for a few seconds of the
/// app's clock, which a loaded machine may step past before the work ends (seen in CI).
fn settle_showing(harness: &mut Harness<'_, KindredApp>, text: &str) -> bool {
    let mut shown = false;
    settle_watching(harness, |harness| {
        shown |= harness.query_by_label_contains(text).is_some();
    });
    shown
}

/// The library as another process would see it.
fn people(library: &Path) -> Vec<PersonSummary> {
    let store = Store::open(library).unwrap();
    ops::people(&store).unwrap()
}

/// A person's faces as another process would see them.
fn faces_of(library: &Path, id: PersonId) -> Vec<PersonFace> {
    let store = Store::open(library).unwrap();
    ops::faces_of_person(&store, id).unwrap()
}

/// The person holding a face from a photo whose path contains `photo_name` (LFW names them
/// after who they show).
fn person_showing(library: &Path, photo_name: &str) -> PersonSummary {
    people(library)
        .into_iter()
        .find(|p| {
            faces_of(library, p.id)
                .iter()
                .any(|f| f.path.to_string_lossy().contains(photo_name))
        })
        .unwrap_or_else(|| panic!("{photo_name}'s faces form a person"))
}

fn named(library: &Path, name: &str) -> PersonSummary {
    people(library)
        .into_iter()
        .find(|p| p.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no person named {name}"))
}

fn type_into(harness: &mut Harness<'_, KindredApp>, label: &str, text: &str) {
    click(harness, label);
    harness.get_by_label(label).type_text(text);
    harness.step();
}

/// Review, asking about `suggestions`: where each is more like a face said not to be the
/// person than like any of theirs, Review holds them back until asked to go on (which of
/// them are is up to the model), and the user asks.
fn go_on_to_less_likely_if_held_back(
    harness: &mut Harness<'_, KindredApp>,
    suggestions: &[kindred::people::ops::Suggestion],
) {
    if suggestions.iter().all(|s| s.like_rejected.is_some()) {
        click(harness, "Review less likely faces");
        settle(harness);
    } else {
        assert!(harness.query_by_label("Review less likely faces").is_none());
    }
}

/// Clicks the widget with this label, and draws the frames where the click lands and where
/// what it opened shows (a new window needs one more, to measure itself).
fn click(harness: &mut Harness<'_, KindredApp>, label: &str) {
    harness.get_by_label(label).click();
    for _ in 0..3 {
        harness.step();
    }
}

/// Clicks the widget with this label holding `modifiers` (Ctrl+click, Shift+click), for one
/// frame.
fn click_holding(harness: &mut Harness<'_, KindredApp>, label: &str, modifiers: egui::Modifiers) {
    harness.get_by_label(label).click_modifiers(modifiers);
    harness.step();
}

/// Clicks the widget with this label and checks that the photo `expected` opens.
fn click_opens_photo(harness: &mut Harness<'_, KindredApp>, label: &str, expected: PhotoId) {
    click(harness, label);
    settle(harness);
    match &harness.state().view {
        View::Photo { photo, .. } => assert_eq!(*photo, expected, "{label} opened another photo"),
        other => panic!("{label} should open photo {expected}, the view is {other:?}"),
    }
}

/// Right-clicks the widget with this label and draws the frames its menu needs to show.
fn open_menu(harness: &mut Harness<'_, KindredApp>, label: &str) {
    harness.get_by_label(label).click_secondary();
    for _ in 0..3 {
        harness.step();
    }
}

fn press(harness: &mut Harness<'_, KindredApp>, key: egui::Key) {
    harness.key_press(key);
    harness.step();
}

/// Presses Tab until the widget with this label has the keyboard (30 presses at most).
fn tab_to(harness: &mut Harness<'_, KindredApp>, label: &str) {
    let mut presses = 0;
    while !harness.get_by_label(label).accesskit_node().is_focused() {
        presses += 1;
        assert!(presses < 30, "Tab never reached {label}");
        press(harness, egui::Key::Tab);
    }
}

/// Opens a person's page and names them through the inline rename field.
fn name_person(harness: &mut Harness<'_, KindredApp>, id: PersonId, name: &str) {
    harness.state_mut().open_person(id);
    settle(harness);
    click(harness, "Name this person");
    harness.get_by_label("Name").type_text(name);
    press(harness, egui::Key::Enter);
    settle(harness);
}

/// The library keeps each face's picture 160 pixels square; a screen scaled up (a laptop's at
/// 2×) showed People's cards, 148 points wide, from it at twice its size, soft. A face shown
/// larger than kept is now cut again from its photo as sharp as the screen shows it, where the
/// photo has the pixels; a face small in its photo is left as kept.
#[test]
fn faces_shown_larger_than_kept_are_cut_again_as_sharp_as_the_screen_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    // The same photo as taken with three times the pixels, and as it is (250 pixels, its
    // face about 110 across: no more pixels than kept).
    let small = image::open(fixtures().join("Serena_Williams_0002.jpg"))
        .unwrap()
        .to_rgb8();
    let large = image::imageops::resize(&small, 750, 750, image::imageops::FilterType::Triangle);
    common::write_jpeg(&photos.join("large.jpg"), &large, None);
    common::write_jpeg(&photos.join("small.jpg"), &small, None);
    let library = dir.path().join("library.kindred");
    common::ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    let store = Store::open(&library).unwrap();
    let face_in = |name: &str| -> i64 {
        store
            .connection()
            .query_row(
                "SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path LIKE ?1",
                [format!("%{name}")],
                |r| r.get(0),
            )
            .unwrap()
    };
    let (large_face, small_face) = (face_in("large.jpg"), face_in("small.jpg"));
    drop(store);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 860.0))
        .with_pixels_per_point(2.0)
        .build_eframe({
            let library = library.clone();
            move |cc| {
                let store = Store::open(&library).unwrap();
                KindredApp::with_store(&cc.egui_ctx, store, Settings::default(), None)
            }
        });
    settle(&mut harness);
    // One person: the same face twice.
    let person = people(&library)[0].id;
    harness.state_mut().open_person(person);
    settle(&mut harness);
    let width = |harness: &Harness<'_, KindredApp>, face| {
        harness.state().face_textures.loaded_width(face).unwrap()
    };
    let large = width(&harness, large_face);
    assert!(large >= 200, "{large}");
    assert_eq!(width(&harness, small_face), 160);
    // Cut once: shown again, it stays as sharp.
    harness.state_mut().open_person(person);
    settle(&mut harness);
    assert_eq!(width(&harness, large_face), large);
}

/// First run → add a folder by typing its path → the scan runs → people appear.
fn scanned_app(dir: &Path, held_back: &[&str]) -> (Harness<'static, KindredApp>, PathBuf) {
    let photos = photo_folder(dir, held_back);
    app_with_folder_added(dir, &photos)
}

/// A library made as in [`scanned_app`], with the app closed again: to change it behind the
/// app's back (as another process would) before opening it anew.
fn library_scanned_in_app(dir: &Path) -> PathBuf {
    let (harness, library) = scanned_app(dir, &[]);
    drop(harness);
    library
}

/// First run on a new library in `dir`: `photos` added by typing its path, and scanned.
fn app_with_folder_added(dir: &Path, photos: &Path) -> (Harness<'static, KindredApp>, PathBuf) {
    let library = dir.join("library.kindred");
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.get_by_label("Add photo folder…");
    type_into(&mut harness, "Folder path", photos.to_str().unwrap());
    click(&mut harness, "Add");
    settle(&mut harness);
    (harness, library)
}

/// A fixture photo held back from [`scanned_app`] is put in its folder, and the user rescans
/// from the Folders page.
fn held_back_photo_arrives(harness: &mut Harness<'_, KindredApp>, dir: &Path, file: &str) {
    std::fs::copy(fixtures().join(file), dir.join("photos").join(file)).unwrap();
    click(harness, "Folders");
    settle(harness);
    click(harness, "Rescan all");
    settle(harness);
}

/// Photos on a drive not connected when the app opens: everyone stays, and the folder says it
/// is not there (and why the photos are kept) until a scan finds it back.
#[test]
fn a_folder_not_there_keeps_its_people_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    let faces_of_each =
        |library: &Path| -> Vec<_> { people(library).iter().map(|p| (p.id, p.faces)).collect() };
    let before = faces_of_each(&library);
    let photos = dir.path().join("photos");
    let away = dir.path().join("unplugged");
    std::fs::rename(&photos, &away).unwrap();
    let mut harness = app_on(&library);
    harness.state_mut().scan_folders_on_open();
    settle(&mut harness);
    assert_eq!(faces_of_each(&library), before);
    assert_eq!(harness.state().view, View::People);
    click(&mut harness, "Folders");
    settle(&mut harness);
    harness.get_by_label_contains("Not there now");
    harness.get_by_label_contains("1 folder · 12 photos");
    // A photo of it says where it was and shows who is in it, from the faces kept; there is
    // no file to open or draw on.
    let photo = Store::open(&library).unwrap().photos().unwrap()[0].id;
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    harness.get_by_label("This photo is not there");
    assert!(harness.get_by_label("Open").accesskit_node().is_disabled());
    assert!(harness.query_by_label("Add a face").is_none());
    assert!(harness.query_all_by_label_contains("Face ").count() >= 1);
    click(&mut harness, "Folders");
    settle(&mut harness);
    std::fs::rename(&away, &photos).unwrap();
    click(&mut harness, "Rescan all");
    settle(&mut harness);
    assert!(harness.query_by_label_contains("Not there now").is_none());
    assert_eq!(faces_of_each(&library), before);
}

/// A photo folder moved while the app was closed (into another folder): Folders says it is not
/// there, the user shows Kindred where it is now, and the library follows it — the same
/// photos, faces and names, nothing analysed again, no second folder of copies.
#[test]
fn a_photo_folder_moved_is_followed_to_where_the_user_says() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, moved) =
        folder_moved_behind_the_apps_back(dir.path(), "Archive/Family photos");
    harness.get_by_label_contains("Not there now");
    assert!(
        harness.query_by_label_contains("Renamed?").is_none(),
        "not beside where it was"
    );
    let old = dir.path().join("photos");
    click(
        &mut harness,
        &format!("Show where {} is now", old.display()),
    );
    type_into(&mut harness, "Path now", moved.to_str().unwrap());
    click(&mut harness, "Follow it there");
    followed(&mut harness, &library, &moved);
}

/// Renamed where it was, the folder is found by its photos: one click follows it.
#[test]
fn a_photo_folder_renamed_is_found_beside_where_it_was_and_followed_in_a_click() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, renamed) =
        folder_moved_behind_the_apps_back(dir.path(), "Family photos");
    harness.get_by_label_contains("Renamed? Its photos are in");
    let was = dir.path().join("photos");
    follow_in_a_click(&mut harness, &library, &was, &renamed);

    // Followed to the wrong place, it goes back with Ctrl+Z like any correction.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    assert!(settle_showing(&mut harness, "Undone: followed the folder"));
    harness.get_by_label_contains("Renamed? Its photos are in");
    let store = Store::open(&library).unwrap();
    assert_eq!(store.roots().unwrap()[0].path, scan::normalise_root(&was));
    assert_eq!(store.photos().unwrap().len(), 12);
    drop(store);
    assert!(named(&library, "Ada").faces > 0);
}

/// Tidied into a folder made beside it, its name kept, the folder is found there: said moved
/// (not a drive not connected), and followed in a click.
#[test]
fn a_photo_folder_put_in_a_folder_beside_it_is_found_and_followed_in_a_click() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, moved) =
        folder_moved_behind_the_apps_back(dir.path(), "Archive/photos");
    harness.get_by_label_contains("Moved? Its photos are in");
    assert!(
        harness
            .query_by_label_contains("on a drive not connected?")
            .is_none()
    );
    follow_in_a_click(&mut harness, &library, &dir.path().join("photos"), &moved);
}

/// A photo folder on a drive come back under another name (`/media/anna/USB` as `USB1`), or
/// copied to a new drive, is found there by its photos too; as the drive may also just not be
/// connected (and what was found a backup), both are said, and following it is one click.
#[test]
fn a_photo_folder_on_a_drive_back_under_another_name_is_found_there() {
    // The drives' mount points of their own, not the shared temporary folder: other tests
    // running beside this one leave folders of the same photos there (seen in CI, where the
    // app rightly offered one of those).
    let media = tempfile::tempdir().unwrap();
    let dir = media.path().join("USB");
    std::fs::create_dir(&dir).unwrap();
    let to = media.path().join("USB1").join("photos");
    let (mut harness, library, moved) =
        folder_moved_behind_the_apps_back(&dir, to.to_str().unwrap());
    harness.get_by_label_contains("on a drive not connected?");
    harness.get_by_label_contains("Or moved? Its photos are in");
    follow_in_a_click(&mut harness, &library, &dir.join("photos"), &moved);
}

/// The user follows the folder at `from` to the place Folders found, `to`, with its button.
fn follow_in_a_click(
    harness: &mut Harness<'_, KindredApp>,
    library: &Path,
    from: &Path,
    to: &Path,
) {
    click(
        harness,
        &format!("Follow {} to {}", from.display(), to.display()),
    );
    followed(harness, library, to);
}

/// A library scanned in the app, its first person named Ada, whose photo folder is then moved
/// to `to` (within `dir`, or a path of its own) with the app closed; the app opened again on
/// Folders.
fn folder_moved_behind_the_apps_back(
    dir: &Path,
    to: &str,
) -> (Harness<'static, KindredApp>, PathBuf, PathBuf) {
    let library = library_scanned_in_app(dir);
    let first = people(&library)[0].id;
    let mut store = Store::open(&library).unwrap();
    ops::name_person(&mut store, first, "Ada").unwrap();
    drop(store);
    let moved = dir.join(to);
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(dir.join("photos"), &moved).unwrap();
    let mut harness = app_on(&library);
    harness.state_mut().scan_folders_on_open();
    settle(&mut harness);
    click(&mut harness, "Folders");
    settle(&mut harness);
    (harness, library, moved)
}

/// What following the folder of [`folder_moved_behind_the_apps_back`] to `moved` leaves, once
/// the app settles: said so (while the rescan that follows runs), one photo folder there, the
/// same photos (ids) all found, Ada with her faces.
fn followed(harness: &mut Harness<'_, KindredApp>, library: &Path, moved: &Path) {
    assert!(settle_showing(harness, "Following the folder to"));
    assert!(harness.query_by_label_contains("Not there now").is_none());
    harness.get_by_label_contains("1 folder · 12 photos");
    let store = Store::open(library).unwrap();
    let roots = store.roots().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].path, scan::normalise_root(moved));
    let photos = store.photos().unwrap();
    assert_eq!(photos.len(), 12, "the same photos, not copies");
    assert!(
        photos
            .iter()
            .all(|p| p.path.starts_with(&roots[0].path) && p.status == PhotoStatus::Done)
    );
    assert_eq!(photos.iter().map(|p| p.id).max(), Some(12));
    drop(store);
    assert!(named(library, "Ada").faces > 0);
}

/// The page of a photo not there captions its faces as the photo's face boxes do: a face only
/// suggested for Ada is "Ada?".
#[test]
fn a_photo_not_there_says_a_suggested_face_is_a_question() {
    let dir = tempfile::tempdir().unwrap();
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.1]);
    let mut store = Store::open(&library).unwrap();
    let ada = ops::split(&mut store, &[faces[0]], Some("Ada")).unwrap();
    ops::match_new_faces(&mut store).unwrap();
    let suggested = store.face(faces[1]).unwrap().unwrap().photo_id;
    drop(store);
    assert!(
        faces_of(&library, ada)
            .iter()
            .any(|f| f.face == faces[1] && f.state == FaceState::Suggested)
    );
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_photo(suggested);
    settle(&mut harness);
    harness.get_by_label("This photo is not there");
    harness.get_by_label("Ada?");
}

/// A photo deleted on purpose is kept as missing (it could come back); Folders forgets it, after
/// a question, with its faces.
#[test]
fn a_folders_missing_photos_are_forgotten_after_a_question() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    let photos = dir.path().join("photos");
    let deleted = std::fs::read_dir(&photos)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&deleted).unwrap();
    let mut harness = app_on(&library);
    harness.state_mut().scan_folders_on_open();
    settle(&mut harness);
    click(&mut harness, "Folders");
    settle(&mut harness);
    let folder = dunce::canonicalize(&photos).unwrap();
    let ask = format!("Forget the missing photos of {}", folder.display());
    click(&mut harness, &ask);
    // Asked first; "Keep them" keeps them.
    click(&mut harness, "Keep them");
    let store = || Store::open(&library).unwrap();
    assert_eq!(store().folder_summaries().unwrap()[0].missing, 1);
    click(&mut harness, &ask);
    click(&mut harness, "Forget them");
    settle(&mut harness);
    assert_eq!(store().folder_summaries().unwrap()[0].missing, 0);
    assert!(
        store()
            .photos()
            .unwrap()
            .iter()
            .all(|p| p.path.file_name() != deleted.file_name())
    );
    assert!(harness.query_by_label(&ask).is_none());
}

#[test]
fn a_backup_copy_is_made_from_folders_and_said_there() {
    use kindred::library::backup;
    let dir = tempfile::tempdir().unwrap();
    let (library, _) = library_of_faces(dir.path(), &[0.0, 1.0]);
    let mut harness = app_on(&library);
    settle(&mut harness);
    click(&mut harness, "Folders");
    settle(&mut harness);
    harness.get_by_label("No backup copy yet.");
    click(&mut harness, "Back up now");
    settle(&mut harness);
    harness.get_by_label("1 backup copy kept; the last just now (copy you made)");
    harness.get_by_label_contains("Backed up the library (");
    let copies = backup::list(&library);
    assert_eq!(copies.len(), 1);
    assert_eq!(backup::inspect(&copies[0].path).unwrap().photos, 2);
    harness.state_mut().record_launches();
    click(&mut harness, "Show copies");
    assert_eq!(
        harness.state().launched(),
        [Launch::ShowInFolder(copies[0].path.clone())]
    );
}

/// A library file damaged deep inside is found so only when that part is read, after the app
/// has opened (every page is read as it opens only when the weekly copy is due). Each failed
/// read then put up a red notification with SQLite's words; now a banner over every page says
/// the file is damaged, once, and leads to the backup copies to put one back.
#[test]
fn a_library_found_damaged_while_open_says_so_and_offers_its_copies() {
    use kindred::library::backup::{self, BackupKind};
    let dir = tempfile::tempdir().unwrap();
    let (library, _) = library_of_faces(dir.path(), &[0.0, 1.0]);
    backup::make(&Store::open(&library).unwrap(), BackupKind::ByHand).unwrap();
    // Damaged where the faces' people are kept.
    damage_table(&library, "face_assignments");
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.get_by_label("The library file is damaged");
    assert!(
        harness.state().toasts.iter().all(|t| !t.error),
        "no red notification besides"
    );
    // Nothing at all could be read here, so the page shows the copies' part of Folders (its
    // own button beside the banner's).
    harness.get_by_label("the library could not be read");
    assert!(harness.query_by_label("Back up now").is_none());
    harness
        .get_all_by_label("Put a copy back…")
        .next()
        .unwrap()
        .click();
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Folders);
    click(&mut harness, "Put back…");
    settle(&mut harness);
    harness.get_by_label_contains("This copy holds 2 photos");
    click(&mut harness, "Put this copy back");
    assert!(harness.state().put_back_due());
    let ctx = harness.ctx.clone();
    harness.state_mut().put_back_copy(&ctx).unwrap();
    settle(&mut harness);
    // The copy reads as it should: no banner, and its two photos are there again (kept as
    // missing: this test's photos were never on the disk for the scan on opening to find).
    assert!(
        harness
            .query_by_label("The library file is damaged")
            .is_none()
    );
    let counts = &harness.state().data.counts;
    assert_eq!(counts.photos + counts.missing, 2, "{counts:?}");
}

/// Damage no read runs into is found by the weekly copy, which reads every page first and
/// copies no damaged file over the good copies. An app left open looks each hour whether the
/// copy is due (it looked only as it opened); what it found said so in a red notification that
/// went in seconds, in words that were Kindred's, not SQLite's. Now it is the banner that leads
/// to the copies.
#[test]
fn damage_the_weekly_copy_finds_in_an_app_left_open_is_the_banner() {
    let dir = tempfile::tempdir().unwrap();
    let (library, _) = library_of_faces(dir.path(), &[0.0, 1.0]);
    let mut harness = app_on(&library);
    settle(&mut harness);
    // Damaged while the app is open, in an index no page of it reads; no copy yet, so the
    // weekly one is due.
    damage_table(&library, "sqlite_autoindex_rejections_1");
    harness.get_by_label("Review").click();
    settle(&mut harness);
    assert!(
        harness
            .query_by_label("The library file is damaged")
            .is_none()
    );
    harness.state_mut().check_for_weekly_copy();
    settle(&mut harness);
    harness.get_by_label("The library file is damaged");
    harness.get_by_label_contains("the file is damaged (");
    assert!(
        harness.state().toasts.iter().all(|t| !t.error),
        "no red notification besides"
    );
    assert!(
        kindred::library::backup::list(&library).is_empty(),
        "no copy made of the damaged file"
    );
}

/// Regression: the window shown for a library that would not open put a copy back without
/// holding the library's lock, so a Kindred started meanwhile (a scan on a timer) went on
/// writing into the file being set aside. It takes the lock first, and says when it cannot.
#[test]
fn a_copy_is_put_back_for_a_damaged_library_only_while_no_other_kindred_has_it() {
    use kindred::library::backup::{self, BackupKind};
    use kindred::library::lock::LibraryLock;
    use kindred::ui::unopened::{Problem, UnopenedLibrary};
    let dir = tempfile::tempdir().unwrap();
    let (library, _) = library_of_faces(dir.path(), &[0.0, 1.0]);
    backup::make(&Store::open(&library).unwrap(), BackupKind::ByHand).unwrap();
    damage_table(&library, "photos");
    let problem = Problem::Damaged("the file is damaged".into());
    let mut harness = Harness::new_ui_state(
        |ui, page: &mut (UnopenedLibrary, bool)| {
            if page.0.show(ui).is_some() {
                page.1 = true;
            }
        },
        (UnopenedLibrary::new(&library, problem), false),
    );
    harness.run();
    // Another Kindred opens it meanwhile.
    let other = LibraryLock::acquire(&library).unwrap();
    harness.get_by_label("Put this copy back").click();
    harness.run();
    harness.get_by_label_contains("It is open in another Kindred");
    assert!(
        backup::list(&library)
            .iter()
            .all(|b| b.kind != BackupKind::SetAside)
    );
    drop(other);
    harness.get_by_label("Put this copy back").click();
    harness.run();
    assert!(harness.state().1, "opened on the copy put back");
}

/// Names given since the newest copy are only in the damaged file: Folders saves what can
/// still be read of it as a copy of its own, asks about putting it back, and puts it back.
#[test]
fn what_can_still_be_read_of_a_library_found_damaged_is_saved_and_put_back() {
    use kindred::library::backup::{self, BackupKind};
    let dir = tempfile::tempdir().unwrap();
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 1.0]);
    {
        let mut store = Store::open(&library).unwrap();
        backup::make(&store, BackupKind::ByHand).unwrap();
        ops::split(&mut store, &[faces[0]], Some("Ada")).unwrap();
    }
    // Damaged in the index People reads faces through.
    damage_table(&library, "faces_place");
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.get_by_label("The library file is damaged");
    harness
        .get_all_by_label("Put a copy back…")
        .next()
        .unwrap()
        .click();
    settle(&mut harness);
    harness.get_by_label_contains("Names and corrections made since the newest copy");
    click(&mut harness, "Save what can still be read");
    settle(&mut harness);
    harness.get_by_label("Saved as the newest copy: 2 photos, 1 person named, 1 face confirmed.");
    harness.get_by_label("All of it could be read.");
    // Asked at once whether to put it back, with what it holds.
    harness.get_by_label_contains("This copy holds 2 photos, 1 person named");
    click(&mut harness, "Put this copy back");
    let ctx = harness.ctx.clone();
    harness.state_mut().put_back_copy(&ctx).unwrap();
    settle(&mut harness);
    assert!(
        harness
            .query_by_label("The library file is damaged")
            .is_none()
    );
    // Her face is hers again (its photo kept as missing: this test's photos were never on
    // the disk for the scan on opening to find).
    let named: Vec<String> = Store::open(&library)
        .unwrap()
        .connection()
        .prepare(
            "SELECT name FROM persons JOIN face_assignments ON person_id = persons.id
             WHERE state = 'confirmed'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(named, ["Ada"]);
}

/// Backup copies leave the face pictures out (they are most of a library); put back, the app
/// makes each again from its photo as it is shown, and keeps it.
#[test]
fn face_pictures_left_out_of_a_backup_copy_are_made_again_when_shown() {
    use kindred::library::backup::{self, BackupKind};
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    let pictures = |library: &Path| -> i64 {
        Store::open(library)
            .unwrap()
            .connection()
            .query_row(
                "SELECT count(*) FROM faces WHERE length(thumbnail) > 0",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    let all = pictures(&library);
    assert!(all > 0);
    let copy = backup::make(&Store::open(&library).unwrap(), BackupKind::ByHand).unwrap();
    assert_eq!(pictures(&copy.path), 0);
    backup::restore(&library, &copy.path).unwrap();
    assert_eq!(pictures(&library), 0);

    let mut harness = app_on(&library);
    settle(&mut harness);
    let store = Store::open(&library).unwrap();
    // Those shown on People (those seen in one photo wait behind a heading, not shown).
    let shown: Vec<PersonSummary> = people(&library)
        .into_iter()
        .filter(|p| p.photos > 1)
        .collect();
    assert!(!shown.is_empty());
    for person in shown {
        let key = person.key_face.unwrap();
        assert!(
            store
                .face_thumbnail(key)
                .unwrap()
                .is_some_and(|j| !j.is_empty()),
            "the key face of person {} has its picture again",
            person.id
        );
    }
    let shown = pictures(&library);
    assert!(shown > 0 && shown <= all, "{shown} of {all}");
}

#[test]
fn the_weekly_backup_copy_is_made_as_the_app_opens_and_listed_in_folders() {
    use kindred::library::backup::{self, BackupKind};
    use kindred::library::store::PhotoAnalysis;
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library.kindred");
    {
        let mut store = Store::open(&library).unwrap();
        store
            .record_analysis(&PhotoAnalysis::new(
                dir.path().join("a.jpg"),
                100,
                100,
                Vec::new(),
            ))
            .unwrap();
    }
    let opened = library.clone();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |cc| {
            let lock = kindred::library::lock::LibraryLock::acquire(&opened).unwrap();
            let store = Store::open(&opened).unwrap();
            KindredApp::opened(&cc.egui_ctx, lock, store, None).unwrap()
        });
    settle(&mut harness);
    let copies = backup::list(&library);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].kind, BackupKind::Weekly);
    click(&mut harness, "Folders");
    settle(&mut harness);
    harness.get_by_label("1 backup copy kept; the last just now (weekly copy)");
}

/// First run with a Pictures folder: the welcome page offers it, and one click adds it and
/// finds the faces in it (no folder chooser needed, which some desktops cannot open).
#[test]
fn the_first_run_offers_the_pictures_folder_with_one_click() {
    let dir = tempfile::tempdir().unwrap();
    let pictures = dir.path().join("Pictures");
    std::fs::create_dir(&pictures).unwrap();
    for file in ["Laura_Bush_0002.jpg", "Tony_Blair_0001.jpg"] {
        std::fs::copy(fixtures().join(file), pictures.join(file)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    // Last closed on Review (a library since removed, say): the welcome page shows all the same.
    let settings = Settings {
        last_view: kindred::ui::state::SavedView::Review,
        ..Settings::default()
    };
    let mut harness = app_with(&library, settings);
    harness.state_mut().first_folder_offer = Some(pictures.clone());
    settle(&mut harness);
    let offer = format!("Add {}", kindred::ui::views::shown_path(&pictures));
    click(&mut harness, &offer);
    settle(&mut harness);
    assert_eq!(harness.state().data.folders.len(), 1);
    let found = people(&library);
    assert!(
        found.iter().map(|p| p.faces).sum::<usize>() >= 2,
        "{found:?}"
    );
    // The welcome page has made way for the people found, on People.
    assert!(harness.query_by_label(&offer).is_none());
    assert_eq!(harness.state().view, View::People);
}

#[test]
fn add_a_folder_scan_it_and_name_merge_split_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &[]);

    let found = people(&library);
    let faces: usize = found.iter().map(|p| p.faces).sum();
    assert!(faces >= 12, "every photo has a face: {found:?}");
    assert!(found.len() >= 3, "three people at least: {found:?}");
    // One card per person; those seen in one photo wait behind their heading.
    let cards = harness.query_all_by_label_contains("Person ").count();
    let seen_once = found.iter().filter(|p| p.photos == 1).count();
    assert_eq!(cards, found.len() - seen_once, "one card per person");
    if seen_once > 0 {
        click(
            &mut harness,
            &format!(
                "Seen in one photo · {seen_once} {}",
                if seen_once == 1 { "person" } else { "people" }
            ),
        );
        let cards = harness.query_all_by_label_contains("Person ").count();
        assert_eq!(cards, found.len(), "one card per person");
    }

    // Name the largest group.
    let largest = found[0].clone();
    name_person(&mut harness, largest.id, "Anna");
    let anna = named(&library, "Anna");
    assert_eq!(anna.id, largest.id);
    assert_eq!(
        anna.confirmed, largest.faces,
        "naming confirms the faces shown"
    );
    // The notification says what was done in the undo history's words.
    harness.get_by_label("Named “Anna”");

    // Split two faces off into a new person.
    let before = people(&library).len();
    let face_labels: Vec<String> = harness
        .query_all_by_label_contains("Face ")
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert!(face_labels.len() >= 2, "{face_labels:?}");
    click(&mut harness, &face_labels[0]);
    click_holding(&mut harness, &face_labels[1], egui::Modifiers::COMMAND);
    click(&mut harness, "Split into new person");
    settle(&mut harness);
    let after_split = people(&library);
    assert_eq!(after_split.len(), before + 1, "split made one new person");
    assert_eq!(named(&library, "Anna").faces, anna.faces - 2);
    harness.get_by_label("Split 2 faces into a new person");
    // The notification offers to open the new person, to name them.
    let split_off = after_split
        .iter()
        .find(|p| p.name.is_none() && p.faces == 2 && p.confirmed == 2)
        .expect("the new person");
    click(&mut harness, "Open person");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(split_off.id));
    assert!(
        harness.query_by_label("Open person").is_none(),
        "the notification goes once used"
    );

    // Undo with Ctrl+Z puts the faces back.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    assert_eq!(people(&library).len(), before, "undo removed the split");
    assert_eq!(named(&library, "Anna").faces, anna.faces);
    assert_eq!(
        harness.state().view,
        View::People,
        "the page of a person undone away gives way to People"
    );

    // Undone by mistake: Ctrl+Shift+Z splits them off again, as does the Redo button after
    // another undo; Ctrl+Y too. Nothing is left to redo after each.
    let split_again = |harness: &mut Harness<'_, KindredApp>| {
        settle(harness);
        assert_eq!(people(&library).len(), before + 1, "redo split them again");
        assert_eq!(named(&library, "Anna").faces, anna.faces - 2);
        assert_eq!(harness.state().data.redo, None);
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        settle(harness);
        assert_eq!(people(&library).len(), before, "undone again");
    };
    assert!(
        harness
            .state()
            .data
            .redo
            .as_deref()
            .is_some_and(|what| what.starts_with("split")),
        "{:?}",
        harness.state().data.redo
    );
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    split_again(&mut harness);
    click(&mut harness, "⟳ Redo");
    split_again(&mut harness);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    split_again(&mut harness);

    // Merge two other people from the People grid with Ctrl+click.
    let others: Vec<PersonSummary> = people(&library)
        .into_iter()
        .filter(|p| p.id != anna.id)
        .collect();
    assert!(others.len() >= 2);
    let (a, b) = (others[0].clone(), others[1].clone());
    let a_label = format!(
        "Person {}",
        a.name.clone().unwrap_or_else(|| "Unnamed".into())
    );
    let unnamed_cards: Vec<_> = harness.query_all_by_label(&a_label).collect();
    assert!(unnamed_cards.len() >= 2);
    unnamed_cards[0].click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    let unnamed_cards: Vec<_> = harness.query_all_by_label(&a_label).collect();
    unnamed_cards[1].click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    click(&mut harness, "Merge");
    settle(&mut harness);
    let after_merge = people(&library);
    assert_eq!(after_merge.len(), others.len(), "two people became one");
    let merged_faces: usize = after_merge
        .iter()
        .filter(|p| p.id == a.id || p.id == b.id)
        .map(|p| p.faces)
        .sum();
    assert_eq!(merged_faces, a.faces + b.faces, "no face lost in the merge");
}

#[test]
fn a_rejected_face_stays_rejected_after_a_rescan_and_review_answers_with_keys() {
    let held_back = "Tony_Blair_0004.jpg";
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &[held_back]);
    let blair = person_showing(&library, "Tony_Blair");

    name_person(&mut harness, blair.id, "Blair");
    assert_eq!(named(&library, "Blair").id, blair.id);

    // "Not this person" on one face.
    let face_label = harness
        .query_all_by_label_contains("Face ")
        .filter_map(|n| n.accesskit_node().label())
        .next()
        .unwrap();
    let rejected: i64 = face_label
        .trim_start_matches("Face ")
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    click(&mut harness, &face_label);
    click(&mut harness, "Not this person");
    settle(&mut harness);
    assert!(
        faces_of(&library, blair.id)
            .iter()
            .all(|f| f.face != rejected)
    );
    // Said with the person's name (Review's "No" says the same, where "this person" would
    // be no one in particular).
    harness.get_by_label("Marked a face as not “Blair”");

    // A new photo of him arrives.
    held_back_photo_arrives(&mut harness, dir.path(), held_back);
    assert!(
        faces_of(&library, blair.id)
            .iter()
            .all(|f| f.face != rejected),
        "the rejected face came back after a rescan"
    );
    let suggestions = {
        let store = Store::open(&library).unwrap();
        ops::suggestions(&store, blair.id, 10).unwrap()
    };
    assert!(
        suggestions.iter().all(|s| s.face != rejected),
        "a rejection holds forever"
    );
    let new_face = suggestions
        .iter()
        .find(|s| s.path.ends_with(held_back))
        .expect("the new photo's face is suggested for Blair");

    // Review shows which of Blair's faces the suggestion is most like; a click opens its photo.
    // (Suggestions more like the face said not to be him above than like his others, Review
    // holds back until asked to go on; here, whether his faces are is up to the model.)
    click(&mut harness, "Review");
    settle(&mut harness);
    go_on_to_less_likely_if_held_back(&mut harness, &suggestions);
    harness.get_by_label("Suggested face");
    click_opens_photo(
        &mut harness,
        "Blair's most alike face",
        suggestions[0].nearest_photo,
    );
    assert!(
        faces_of(&library, blair.id)
            .iter()
            .any(|f| f.face == suggestions[0].nearest && f.photo == suggestions[0].nearest_photo),
        "the face shown is Blair's"
    );

    // That face of his is said not to be him, from its menu, without leaving Review.
    click(&mut harness, "Review");
    settle(&mut harness);
    open_menu(&mut harness, "Blair's most alike face");
    click(&mut harness, "Not Blair");
    settle(&mut harness);
    let not_him = suggestions[0].nearest;
    assert!(
        faces_of(&library, blair.id)
            .iter()
            .all(|f| f.face != not_him)
    );
    assert!(
        Store::open(&library)
            .unwrap()
            .rejections()
            .unwrap()
            .contains(&(not_him, blair.id))
    );
    let suggestions = {
        let store = Store::open(&library).unwrap();
        ops::suggestions(&store, blair.id, 10).unwrap()
    };
    assert!(suggestions.iter().all(|s| s.nearest != not_him));

    // Review answers the next suggestion with the keyboard.
    go_on_to_less_likely_if_held_back(&mut harness, &suggestions);
    harness.get_by_label("Suggested face");
    // Ctrl+N is no answer (regression: it said "not him").
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
    settle(&mut harness);
    assert!(
        !Store::open(&library)
            .unwrap()
            .rejections()
            .unwrap()
            .contains(&(suggestions[0].face, blair.id))
    );
    press(&mut harness, egui::Key::Y);
    settle(&mut harness);
    let answered = faces_of(&library, blair.id)
        .into_iter()
        .find(|f| f.face == suggestions[0].face)
        .unwrap();
    assert_eq!(
        answered.state,
        FaceState::Confirmed,
        "Y confirmed the suggestion"
    );
    assert!(
        harness.query_by_label("Open person").is_none(),
        "no offer to open the person Review is already about"
    );
    // Said in haste: Ctrl+Z takes the answer back, and Review asks about the face again
    // (regression: it stayed among the faces answered, never asked about on this visit).
    let asked = |harness: &Harness<'_, KindredApp>| {
        let state = harness.state();
        let listed = state
            .data
            .suggestions
            .as_ref()
            .is_some_and(|l| l.items.iter().any(|s| s.face == answered.face));
        listed && !state.review_view.answered.contains(&answered.face)
    };
    assert!(!asked(&harness));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    assert!(asked(&harness), "the face taken back is asked about again");
    let _ = new_face;
}

/// Review of everyone: each face is asked about the named person it is most like, and a yes
/// gives it to that person.
#[test]
fn review_of_everyone_asks_each_face_about_the_person_it_is_most_like() {
    let new_photos = ["Tony_Blair_0004.jpg", "Laura_Bush_0005.jpg"];
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &new_photos);
    let blair = person_showing(&library, "Tony_Blair");
    name_person(&mut harness, blair.id, "Blair");
    let laura = person_showing(&library, "Laura_Bush");
    name_person(&mut harness, laura.id, "Laura");
    for photo in new_photos {
        held_back_photo_arrives(&mut harness, dir.path(), photo);
    }
    let asked = {
        let store = Store::open(&library).unwrap();
        ops::suggestions_for_everyone(&store, 10).unwrap()
    };
    let likely: Vec<_> = asked.iter().filter(|s| s.distance < 0.6).collect();
    for photo in new_photos {
        assert!(
            likely.iter().any(|s| s.path.ends_with(photo)),
            "{photo} asked about"
        );
    }

    click(&mut harness, "Review");
    settle(&mut harness);
    // The list made again in another order (as matching during a scan brings nearer faces)
    // leaves the face asked about on screen (regression: the first of the new list took its
    // place, and a key pressed just then answered about a face not looked at).
    let asked_first = harness.state().review_view.asking;
    assert_eq!(asked_first, Some((likely[0].face, likely[0].person)));
    let reorder = |harness: &mut Harness<'_, KindredApp>| {
        let list = harness.state_mut().data.suggestions.as_mut().unwrap();
        list.items.reverse();
        harness.step();
    };
    reorder(&mut harness);
    assert_eq!(harness.state().review_view.asking, asked_first);
    reorder(&mut harness);
    for s in &likely {
        let name = if s.person == blair.id {
            "Blair"
        } else {
            "Laura"
        };
        harness.get_by_label(&format!("Is this {name}?"));
        let new = new_photos.iter().any(|p| s.path.ends_with(p));
        press(&mut harness, if new { egui::Key::Y } else { egui::Key::N });
        settle(&mut harness);
    }
    for (photo, person) in new_photos.iter().zip([blair.id, laura.id]) {
        let face = faces_of(&library, person)
            .into_iter()
            .find(|f| f.path.ends_with(photo))
            .unwrap_or_else(|| panic!("{photo} given to its person"));
        assert_eq!(face.state, FaceState::Confirmed);
    }

    // From a person's page, Review is about that person alone.
    harness.state_mut().open_person(laura.id);
    settle(&mut harness);
    click(&mut harness, "Review suggestions");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Review);
    assert_eq!(
        harness.state().review_view.of,
        Some(ReviewOf::Person(laura.id))
    );
    assert_eq!(
        harness
            .get_by_label("Whose suggestions")
            .accesskit_node()
            .value()
            .as_deref(),
        Some("Laura")
    );

    // Laura merged away (here from the command line): Review, opened again, asks about
    // everyone, not about the empty person kept for undo.
    ops::merge(&mut Store::open(&library).unwrap(), &[laura.id], blair.id).unwrap();
    click(&mut harness, "People");
    settle(&mut harness);
    click(&mut harness, "Review");
    settle(&mut harness);
    assert_eq!(harness.state().review_view.of, Some(ReviewOf::Everyone));
}

/// Held back from the first scan by [`blair_and_a_new_photo_of_him`].
const NEW_PHOTO_OF_BLAIR: &str = "Tony_Blair_0004.jpg";

/// The app on a scanned library where Tony Blair's group is named "Blair" and then a new photo
/// of him arrives; returns it with Blair's suggestions (his new face, and others less alike).
fn blair_and_a_new_photo_of_him(
    dir: &Path,
) -> (
    Harness<'static, KindredApp>,
    PathBuf,
    PersonSummary,
    Vec<ops::Suggestion>,
) {
    let (mut harness, library) = scanned_app(dir, &[NEW_PHOTO_OF_BLAIR]);
    let blair = person_showing(&library, "Tony_Blair");
    name_person(&mut harness, blair.id, "Blair");
    held_back_photo_arrives(&mut harness, dir, NEW_PHOTO_OF_BLAIR);
    let suggestions = {
        let store = Store::open(&library).unwrap();
        ops::suggestions(&store, blair.id, 10).unwrap()
    };
    (harness, library, blair, suggestions)
}

/// Past the match distance most suggestions are other people: Review stops there and says so,
/// and goes on only when asked.
#[test]
fn review_stops_at_the_less_likely_faces_until_asked_to_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _, _, suggestions) = blair_and_a_new_photo_of_him(dir.path());
    let [his, other] = suggestions.as_slice() else {
        panic!("his new face and one less alike expected: {suggestions:?}")
    };
    assert!(his.path.ends_with(NEW_PHOTO_OF_BLAIR));
    // A match distance between the two makes only his new face likely.
    harness.state_mut().settings.match_threshold = (his.distance + other.distance) / 2.0;

    // All at once (for one person): his face, and a button for the rest.
    review_suggestions_of(&mut harness, "Blair");
    click(&mut harness, "Show all at once");
    settle(&mut harness);
    let tile = |s: &ops::Suggestion| format!("Suggested face {}", s.face);
    harness.get_by_label(&tile(his));
    assert!(harness.query_by_label(&tile(other)).is_none());
    // In the app's smallest window the lines above the faces wrap, their buttons in it (they
    // ran past the right edge, and widened the grid with them).
    harness.set_size(egui::vec2(720.0, 480.0));
    settle(&mut harness);
    for part in ["Show them too", "Select all", "Not Blair", &tile(his)] {
        let rect = harness.get_by_label(part).rect();
        assert!(rect.right() <= 720.0, "{part} at {rect:?}");
    }
    harness.set_size(egui::vec2(1280.0, 860.0));
    settle(&mut harness);
    click(&mut harness, "Show them too");
    settle(&mut harness);
    harness.get_by_label(&tile(other));

    // One at a time (starting over, as choosing another person does): his face, then a stop.
    harness.state_mut().review_view.less_likely = false;
    click(&mut harness, "Show all at once");
    settle(&mut harness);
    harness.get_by_label_contains("1 to review");
    press(&mut harness, egui::Key::Y);
    settle(&mut harness);
    harness.get_by_label("No more likely faces of Blair");
    assert!(harness.query_by_label("Suggested face").is_none());
    click(&mut harness, "Review less likely faces");
    settle(&mut harness);
    harness.get_by_label("Suggested face");
    harness.get_by_label_contains("less likely (distance");
}

/// Opens Review on one person's suggestions.
fn review_suggestions_of(harness: &mut Harness<'_, KindredApp>, name: &str) {
    click(harness, "Review");
    settle(harness);
    click(harness, "Whose suggestions");
    click(harness, name);
    settle(harness);
}

/// Review's "Show all at once": faces picked by click and Shift+click (a range, in the order
/// shown), then confirmed together.
#[test]
fn review_all_at_once_confirms_the_faces_picked_with_click_and_shift_click() {
    let dir = tempfile::tempdir().unwrap();
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.1, 0.2, 0.3, 0.4]);
    let mut store = Store::open(&library).unwrap();
    let ada = ops::split(&mut store, &[faces[0]], Some("Ada")).unwrap();
    drop(store);
    let mut harness = app_on(&library);
    settle(&mut harness);
    review_suggestions_of(&mut harness, "Ada");
    click(&mut harness, "Show all at once");
    settle(&mut harness);
    let tile = |face: i64| format!("Suggested face {face}");
    click(&mut harness, &tile(faces[1]));
    click_holding(&mut harness, &tile(faces[3]), egui::Modifiers::SHIFT);
    click(&mut harness, "Confirm 3 as Ada");
    settle(&mut harness);
    let ada_faces: Vec<i64> = faces_of(&library, ada)
        .iter()
        .filter(|f| f.state == ops::FaceState::Confirmed)
        .map(|f| f.face)
        .collect();
    for face in &faces[..4] {
        assert!(ada_faces.contains(face), "{face} confirmed: {ada_faces:?}");
    }
    assert!(!ada_faces.contains(&faces[4]));
}

/// A "No" teaches Review: a face more like one the user said is not Ada than like any of hers
/// waits past the stop, however near it is, and says why.
#[test]
fn review_asks_last_about_a_face_like_one_said_not_to_be_the_person() {
    let dir = tempfile::tempdir().unwrap();
    // Ada's; one said not to be her; one beside that (0.55 from hers); one as near hers (0.58)
    // on the other side.
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.5, 0.55, -0.58]);
    let mut store = Store::open(&library).unwrap();
    let ada = ops::split(&mut store, &[faces[0]], Some("Ada")).unwrap();
    ops::reject(&mut store, &[faces[1]], Some(ada)).unwrap();
    let rejected_photo = store.face(faces[1]).unwrap().unwrap().photo_id;
    drop(store);
    let mut harness = app_on(&library);
    settle(&mut harness);

    review_suggestions_of(&mut harness, "Ada");
    harness.get_by_label_contains("1 to review");
    press(&mut harness, egui::Key::Y);
    settle(&mut harness);
    assert!(faces_of(&library, ada).iter().any(|f| f.face == faces[3]));
    harness.get_by_label("No more likely faces of Ada");
    harness.get_by_label_contains("or more like a face you said is not Ada;");
    click(&mut harness, "Review less likely faces");
    settle(&mut harness);
    harness.get_by_label_contains("less likely: more like a face you said is not Ada");
    // In the app's smallest window the question's faces shrink: the photo and the answers
    // stay in it (the buttons fell below its bottom edge).
    harness.set_size(egui::vec2(720.0, 480.0));
    settle(&mut harness);
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(720.0, 480.0));
    for part in ["Yes (Y)", "Skip (S)", "Its photo", "Suggested face"] {
        let rect = harness.get_by_label(part).rect();
        assert!(window.contains_rect(rect), "{part} at {rect:?}");
    }
    harness.set_size(egui::vec2(1280.0, 860.0));
    settle(&mut harness);
    // That face is shown beside the question; a click opens its photo.
    click_opens_photo(
        &mut harness,
        "The face said not to be Ada it is more like",
        rejected_photo,
    );
    click(&mut harness, "Review");
    settle(&mut harness);
    harness.get_by_label_contains("less likely: more like a face you said is not Ada");
    press(&mut harness, egui::Key::N);
    settle(&mut harness);
    assert!(faces_of(&library, ada).iter().all(|f| f.face != faces[2]));
}

/// A face skipped in Review stays skipped when the user turns to another list and back; when
/// the list runs out, the skipped faces can be asked about again.
#[test]
fn a_skipped_face_stays_skipped_on_coming_back_until_asked_about_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, blair, suggestions) = blair_and_a_new_photo_of_him(dir.path());
    assert_eq!(suggestions.len(), 2, "{suggestions:?}");
    // Both within the match distance: Review asks about both without stopping.
    harness.state_mut().settings.match_threshold = 2.0;
    click(&mut harness, "Review");
    settle(&mut harness);
    let show = |harness: &mut Harness<'_, KindredApp>, list: &str| {
        click(harness, "Whose suggestions");
        click(harness, list);
        settle(harness);
    };

    show(&mut harness, "Blair");
    harness.get_by_label_contains("2 to review");
    press(&mut harness, egui::Key::S);
    settle(&mut harness);
    harness.get_by_label_contains("1 to review");
    show(&mut harness, "Everyone named");
    show(&mut harness, "Blair");
    harness.get_by_label_contains("1 to review");

    press(&mut harness, egui::Key::S);
    settle(&mut harness);
    harness.get_by_label("All caught up");
    click(&mut harness, "Ask again about the skipped faces");
    settle(&mut harness);
    harness.get_by_label_contains("2 to review");
    // Nothing was answered: skipping says nothing about who the faces are.
    let after = {
        let store = Store::open(&library).unwrap();
        ops::suggestions(&store, blair.id, 10).unwrap()
    };
    assert_eq!(after.len(), 2);
}

#[test]
fn export_a_named_person_from_the_app_previews_then_writes_the_album() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &[]);
    let largest = people(&library)[0].clone();
    name_person(&mut harness, largest.id, "Anna");
    let anna = named(&library, "Anna");

    click(&mut harness, "Export album…");
    // Until the user has chosen a folder, albums go among their pictures.
    let offered = harness
        .get_by_label("Export folder")
        .accesskit_node()
        .value()
        .unwrap_or_default();
    assert!(offered.ends_with("Kindred albums"), "{offered:?}");
    // Regression: the dialog stayed open over whatever page the user went to next.
    click(&mut harness, "Folders");
    assert!(harness.query_by_label("Export folder").is_none());
    click(&mut harness, "People");
    settle(&mut harness);
    harness.state_mut().open_person(anna.id);
    settle(&mut harness);
    click(&mut harness, "Export album…");
    let target = dir.path().join("albums");
    type_export_folder(&mut harness, &target);
    click(&mut harness, "Preview");
    settle(&mut harness);
    let preview = format!("{} photos into", anna.photos);
    harness.get_by_label_contains(&preview);
    assert!(!target.exists(), "a preview writes nothing");

    click(&mut harness, "Export");
    settle(&mut harness);
    let album = target.join("Anna");
    let exported: Vec<_> = std::fs::read_dir(&album)
        .unwrap_or_else(|e| panic!("{}: {e}", album.display()))
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(exported.len(), anna.photos, "{exported:?}");
    assert!(
        target.join("kindred-export.json").is_file(),
        "the manifest is written"
    );
    harness.get_by_label(&format!(
        "Exported {} new photos to {}",
        anna.photos,
        album.display()
    ));
    // The notification opens the album in the file manager.
    harness.state_mut().record_launches();
    click(&mut harness, "Open album");
    assert_eq!(harness.state().launched(), [Launch::Open(album.clone())]);

    // Exporting again finds everything already there, and says so.
    click(&mut harness, "Export album…");
    click(&mut harness, "Preview");
    settle(&mut harness);
    harness.get_by_label_contains(&format!("{} already there", anna.photos));
    click(&mut harness, "Export");
    settle(&mut harness);
    harness.get_by_label(&format!(
        "Nothing new to export: {} photos are already in {}",
        anna.photos,
        album.display()
    ));
}

/// Types `target` into the open export dialog's folder field, in place of what it offered.
fn type_export_folder(harness: &mut Harness<'_, KindredApp>, target: &Path) {
    click(harness, "Export folder");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness
        .get_by_label("Export folder")
        .type_text(target.to_str().unwrap());
    harness.step();
}

/// Regression: a long notification (an error naming a long path) ran off the window's left
/// edge, its beginning unreadable; it wraps within the window now.
#[test]
fn a_long_notification_wraps_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.1]);
    let mut store = Store::open(&library).unwrap();
    let ada = ops::split(&mut store, &faces, Some("Ada")).unwrap();
    drop(store);
    for i in 0..faces.len() {
        std::fs::write(dir.path().join(format!("{i}.jpg")), b"photo").unwrap();
    }
    // A file where the album folder was to go: the export cannot write there.
    let target = dir
        .path()
        .join("an album folder with a rather long name, as people give them")
        .join("and another one inside it, to make the message long");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, b"not a folder").unwrap();
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(ada);
    settle(&mut harness);
    click(&mut harness, "Export album…");
    type_export_folder(&mut harness, &target);
    click(&mut harness, "Export");
    settle(&mut harness);
    let said = harness.get_by_label_contains("Export failed").rect();
    assert!(said.width() > 100.0, "{said:?}");
    assert!(said.left() >= 0.0 && said.right() <= 1280.0, "{said:?}");
}

/// Hard links asked for on another disk than the photos are copies; the notification says why
/// (it said only how many), once for all the photos.
#[test]
#[cfg(target_os = "linux")]
fn an_album_of_hard_links_on_another_disk_says_why_its_photos_were_copied() {
    use std::os::unix::fs::MetadataExt;
    let other_disk = Path::new("/dev/shm");
    let dir = tempfile::tempdir().unwrap();
    let here = std::fs::metadata(dir.path()).unwrap().dev();
    if !other_disk.is_dir() || std::fs::metadata(other_disk).unwrap().dev() == here {
        eprintln!("no second file system to export to; skipped");
        return;
    }
    let (library, faces) = library_of_faces(dir.path(), &[0.0, 0.05, 0.1]);
    let mut store = Store::open(&library).unwrap();
    let ada = ops::split(&mut store, &faces, Some("Ada")).unwrap();
    drop(store);
    for i in 0..faces.len() {
        std::fs::write(dir.path().join(format!("{i}.jpg")), format!("photo {i}")).unwrap();
    }
    let target = tempfile::tempdir_in(other_disk).unwrap();
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(ada);
    settle(&mut harness);
    click(&mut harness, "Export album…");
    type_export_folder(&mut harness, target.path());
    click(&mut harness, "Hard links");
    click(&mut harness, "Export");
    let mut said = None;
    settle_watching(&mut harness, |harness| {
        if let Some(toast) = harness.query_by_label_contains("Exported 3 new photos to") {
            said = toast.accesskit_node().value();
        }
    });
    let said = said.expect("the export is said done");
    assert!(
        said.ends_with(
            "; 3 copied instead of linked: the album's folder is on another disk than the \
             photos (a hard link stays on one disk)"
        ),
        "{said}"
    );
}

/// A digiKam-style sidecar naming the one face of a 250×250 LFW photo.
fn write_sidecar(photo: &Path, name: &str) {
    let mut sidecar = photo.as_os_str().to_owned();
    sidecar.push(".xmp");
    std::fs::write(
        sidecar,
        format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li><rdf:Description mwg-rs:Name="{name}" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.46" stArea:w="0.42" stArea:h="0.52" stArea:unit="normalized"/></rdf:Description></rdf:li></rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>"#
        ),
    )
    .unwrap();
}

#[test]
fn names_other_apps_wrote_in_xmp_are_taken_over_unless_the_user_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photo_folder(dir.path(), &["Serena_Williams_0006.jpg"]);
    write_sidecar(&photos.join("Tony_Blair_0001.jpg"), "Tony Blair");
    let library = dir.path().join("library.kindred");
    let mut harness = app_on(&library);
    settle(&mut harness);
    type_into(&mut harness, "Folder path", photos.to_str().unwrap());
    click(&mut harness, "Add");
    assert!(settle_showing(
        &mut harness,
        "Named 1 face from other apps' face tags (XMP, Picasa), 1 new person",
    ));
    let blair = named(&library, "Tony Blair");
    assert!(blair.confirmed >= 1, "{blair:?}");

    // Off in the Folders page's scan settings: a new tagged photo keeps its face unnamed.
    click(&mut harness, "Folders");
    settle(&mut harness);
    click(
        &mut harness,
        "Take over face names from digiKam, Lightroom, Picasa and others",
    );
    assert!(!harness.state().settings.xmp_names);
    let serena = photos.join("Serena_Williams_0006.jpg");
    std::fs::copy(fixtures().join("Serena_Williams_0006.jpg"), &serena).unwrap();
    write_sidecar(&serena, "Serena W.");
    click(&mut harness, "Rescan all");
    settle(&mut harness);
    assert!(
        people(&library)
            .iter()
            .all(|p| p.name.as_deref() != Some("Serena W.")),
        "the name was taken over although the setting is off"
    );

    // On again: the next rescan reads the names it skipped, though the photo is unchanged.
    click(
        &mut harness,
        "Take over face names from digiKam, Lightroom, Picasa and others",
    );
    assert!(harness.state().settings.xmp_names);
    click(&mut harness, "Rescan all");
    settle(&mut harness);
    let serena = named(&library, "Serena W.");
    assert_eq!(serena.confirmed, 1, "{serena:?}");
}

#[test]
fn photos_added_while_the_app_was_closed_are_taken_in_when_it_opens() {
    let (held_back, later) = ("Serena_Williams_0006.jpg", "Serena_Williams_0005.jpg");
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &[held_back, later]);
    let serena = person_showing(&library, "Serena_Williams");
    name_person(&mut harness, serena.id, "Serena");
    let before = faces_of(&library, serena.id).len();
    drop(harness);

    // Opened again with nothing new: it looks, and says nothing.
    let mut harness = app_on(&library);
    harness.state_mut().scan_folders_on_open();
    settle(&mut harness);
    assert!(
        harness.query_by_label_contains("Scan finished").is_none(),
        "a scan on opening that finds nothing is quiet"
    );
    drop(harness);

    // A photo of her arrives while Kindred is closed; opening it is enough.
    std::fs::copy(
        fixtures().join(held_back),
        dir.path().join("photos").join(held_back),
    )
    .unwrap();
    let mut harness = app_on(&library);
    harness.state_mut().scan_folders_on_open();
    settle(&mut harness);
    harness.get_by_label_contains("Scan finished: 1 new photo");
    let faces = faces_of(&library, serena.id);
    assert_eq!(faces.len(), before + 1);
    assert!(
        faces
            .iter()
            .any(|f| f.path.to_string_lossy().ends_with(held_back)),
        "the new photo's face is suggested for her"
    );
    harness.get_by_label_contains("Serena");

    // Turned off in Folders (say, for a slow network drive), opening no longer looks.
    click(&mut harness, "Folders");
    click(
        &mut harness,
        "Look for new and changed photos in these folders",
    );
    let settings = harness.state().settings.clone();
    assert!(!settings.scan_on_open);
    drop(harness);
    std::fs::copy(
        fixtures().join(later),
        dir.path().join("photos").join(later),
    )
    .unwrap();
    let mut harness = app_with(&library, settings);
    harness.state_mut().scan_folders_on_open();
    settle(&mut harness);
    assert!(harness.query_by_label_contains("Scan finished").is_none());
    assert_eq!(faces_of(&library, serena.id).len(), before + 1);
}

/// Regression: a library scanned for small faces from the command line (`kindred scan
/// --upsample 1`) was analysed all over again by the app's next scan, under the app's own
/// analysis settings. The app takes the library's.
#[test]
fn the_app_analyses_as_the_library_was_last_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Tony_Blair_0001.jpg"]);
    let library = dir.path().join("library.kindred");
    ok_on(
        &library,
        &[
            "scan",
            "--quiet",
            "--upsample",
            "1",
            photos.to_str().unwrap(),
        ],
    );
    let mut harness = app_on(&library);
    assert_eq!(harness.state().settings.upsample, 1);
    click(&mut harness, "Folders");
    settle(&mut harness);
    click(&mut harness, "Rescan all");
    settle(&mut harness);
    harness.get_by_label_contains("Scan finished: 0 new photos");
    drop(harness);
    // (A photo this small is looked at doubled once more: upsampled twice.)
    let store = Store::open(&library).unwrap();
    let key = store.photos().unwrap()[0].analysis_key.clone().unwrap();
    assert!(key.ends_with("upsample=2"), "{key}");
}

/// The people photos in folders: Laura's in "Laura", Serena's two folders down in
/// "Trip/Serena", Tony's on top. Returns the photo folder.
fn photos_in_subfolders(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    let photos = dunce::canonicalize(dir.join("photos")).unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let folder = match &name {
            n if n.starts_with("Laura") => photos.join("Laura"),
            n if n.starts_with("Serena") => photos.join("Trip").join("Serena"),
            _ => photos.clone(),
        };
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(fixtures().join(&name), folder.join(&name)).unwrap();
    }
    photos
}

/// A folder's page, from Folders: who is in its photos (named people first) and its photos;
/// a face there opens the person, a photo the photo.
#[test]
fn a_folders_page_shows_who_is_in_it_and_its_photos() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_in_subfolders(dir.path());
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    let serena = person_showing(&library, "Serena");
    name_person(&mut harness, serena.id, "Serena");
    let serena = named(&library, "Serena");

    click(&mut harness, "Folders");
    click(&mut harness, &format!("Subfolders of {}", photos.display()));
    settle(&mut harness);
    click(&mut harness, "Show the folders in Trip");
    click(&mut harness, "Open folder Serena");
    settle(&mut harness);
    let folder = photos.join("Trip").join("Serena");
    assert_eq!(harness.state().view, View::Folder(folder.clone()));
    let shown = harness.state().data.folder_contents.clone().unwrap();
    assert_eq!(shown.photos.len(), 4);
    let serena_photo = shown.photos[0].id;
    assert!(shown.photos.iter().all(|p| p.path.starts_with(&folder)));
    harness.get_by_label("Serena, in 4 photos here");
    assert!(
        harness.query_by_label_contains("Laura").is_none(),
        "only the people in this folder"
    );
    click(&mut harness, "Serena, in 4 photos here");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(serena.id));

    // The photo folder's own page holds everyone, the named first; a photo opens from it.
    click(&mut harness, "Folders");
    settle(&mut harness);
    click(&mut harness, &format!("Open folder {}", photos.display()));
    settle(&mut harness);
    let shown = harness.state().data.folder_contents.clone().unwrap();
    assert_eq!(shown.photos.len(), 12);
    let first_named = harness
        .get_all_by_role(egui::accesskit::Role::Button)
        .find_map(|b| b.accesskit_node().label().filter(|l| l.contains(" here")));
    assert_eq!(first_named.as_deref(), Some("Serena, in 4 photos here"));
    let people_here = shown.persons.len();
    assert!(people_here >= 3, "{:?}", shown.persons);
    // In a window with room for two of them, the others wait behind a link.
    harness.set_size(egui::vec2(220.0, 860.0));
    settle(&mut harness);
    let chips = |harness: &Harness<'_, KindredApp>| {
        harness
            .get_all_by_role(egui::accesskit::Role::Button)
            .filter(|b| {
                b.accesskit_node()
                    .label()
                    .is_some_and(|l| l.ends_with(" here"))
            })
            .count()
    };
    assert_eq!(chips(&harness), 2);
    click(
        &mut harness,
        &format!("Show everyone in these photos ({} more)", people_here - 2),
    );
    settle(&mut harness);
    assert_eq!(chips(&harness), people_here);
    click(&mut harness, "Show fewer people");
    settle(&mut harness);
    assert_eq!(chips(&harness), 2);
    harness.set_size(egui::vec2(1280.0, 860.0));
    settle(&mut harness);
    let tony = shown
        .photos
        .iter()
        .find(|p| p.path.ends_with("Tony_Blair_0001.jpg"))
        .unwrap();
    click_opens_photo(&mut harness, "Photo Tony_Blair_0001.jpg", tony.id);
    // From a photo, its folder's page.
    harness.state_mut().open_photo(serena_photo);
    settle(&mut harness);
    click(&mut harness, "Open folder Serena");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Folder(folder));
}

#[test]
fn a_subfolder_left_out_in_folders_leaves_people_and_comes_back_when_taken_in() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_in_subfolders(dir.path());
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    let serena_faces = |library: &Path| {
        people(library)
            .iter()
            .flat_map(|p| faces_of(library, p.id))
            .filter(|f| f.path.to_string_lossy().contains("Serena"))
            .count()
    };
    assert!(serena_faces(&library) >= 4);
    let serena = person_showing(&library, "Serena");
    name_person(&mut harness, serena.id, "Serena");

    click(&mut harness, "Folders");
    click(&mut harness, &format!("Subfolders of {}", photos.display()));
    settle(&mut harness);
    // "Trip" holds only a folder: opening it shows "Serena".
    assert!(harness.query_by_label("Leave out Serena").is_none());
    click(&mut harness, "Show the folders in Trip");
    click(&mut harness, "Leave out Serena");
    settle(&mut harness);
    assert_eq!(serena_faces(&library), 0, "Serena's folder left People");
    assert!(people(&library).iter().all(|p| p.name.is_none()));
    let store = Store::open(&library).unwrap();
    assert_eq!(store.status_counts().unwrap().photos_done, 8);
    assert_eq!(store.excluded_folders().unwrap().len(), 1);
    drop(store);

    click(
        &mut harness,
        &format!(
            "Take {} back in",
            photos.join("Trip").join("Serena").display()
        ),
    );
    settle(&mut harness);
    assert!(serena_faces(&library) >= 4, "her photos came back");
    assert_eq!(named(&library, "Serena").faces, serena.faces);
    let store = Store::open(&library).unwrap();
    assert_eq!(store.status_counts().unwrap().photos_done, 12);
    assert!(store.excluded_folders().unwrap().is_empty());
    drop(store);

    // From one of her photos: its folder can be left out there too. On the way, the photo
    // is handed to the desktop's own apps (recorded here, not started).
    harness.state_mut().record_launches();
    harness.state_mut().open_person(serena.id);
    settle(&mut harness);
    let first = faces_of(&library, serena.id)[0].clone();
    let face_menu = |harness: &mut Harness<'_, KindredApp>| {
        open_menu(harness, &format!("Face {}", first.face));
    };
    face_menu(&mut harness);
    click(&mut harness, "Show in folder");
    face_menu(&mut harness);
    click(&mut harness, "Open photo");
    settle(&mut harness);
    click(&mut harness, "Open");
    click(&mut harness, "Show in folder");
    assert_eq!(
        harness.state().launched(),
        [
            Launch::ShowInFolder(first.path.clone()),
            Launch::Open(first.path.clone()),
            Launch::ShowInFolder(first.path.clone()),
        ]
    );
    click(&mut harness, "Leave out the folder Serena");
    settle(&mut harness);
    assert_eq!(serena_faces(&library), 0);
    let store = Store::open(&library).unwrap();
    let excluded = store.excluded_folders().unwrap();
    assert_eq!(excluded.len(), 1);
    assert_eq!(excluded[0].path, photos.join("Trip").join("Serena"));
    drop(store);

    // Ctrl+Z takes the leaving out back like any correction: her photos are back at once,
    // named, with no scan.
    assert_eq!(
        harness.state().data.undo(),
        Some(&*format!(
            "left out the folder “{}”",
            photos.join("Trip").join("Serena").display()
        ))
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    assert!(harness.state().data.scan.is_none());
    assert_eq!(named(&library, "Serena").faces, serena.faces);
    let store = Store::open(&library).unwrap();
    assert!(store.excluded_folders().unwrap().is_empty());
    assert_eq!(store.status_counts().unwrap().photos_done, 12);
}

/// A file or folder dragged onto the window from a file manager, as the windowing layer
/// hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_onto_window(harness: &mut Harness<'_, KindredApp>, path: &Path) {
    let input = harness.input_mut();
    input.hovered_files.clear();
    input
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path.to_path_buf())));
    for _ in 0..3 {
        harness.step();
    }
}

#[test]
fn folders_dropped_on_the_window_are_added_and_scanned_even_mid_scan() {
    let dir = tempfile::tempdir().unwrap();
    let tony = [
        "Tony_Blair_0001.jpg",
        "Tony_Blair_0002.jpg",
        "Tony_Blair_0003.jpg",
        "Tony_Blair_0004.jpg",
    ];
    let first = photo_folder(dir.path(), &tony);
    let second = dir.path().join("more photos");
    std::fs::create_dir_all(&second).unwrap();
    for name in tony {
        std::fs::copy(fixtures().join(name), second.join(name)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    let mut harness = app_on(&library);
    settle(&mut harness);

    // Dragged over the window, it says what a drop does.
    harness.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(first.clone()),
        ..Default::default()
    });
    for _ in 0..3 {
        harness.step();
    }
    harness.get_by_label("Drop the folder to add it to your photo folders");

    drop_onto_window(&mut harness, &first);
    assert!(
        harness
            .query_by_label("Drop the folder to add it to your photo folders")
            .is_none()
    );
    // The scan of the first folder is held while the second one arrives: the scan walked
    // the folders as they were when it began, so the second needs a scan of its own.
    click(&mut harness, "Pause");
    // It stays paused while the photos already being read finish and report (regression:
    // each report of the scan's set the bar back to "Scanning", the scan still held).
    for _ in 0..40 {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    harness.get_by_label("Resume");
    drop_onto_window(&mut harness, &second);
    // A single photo is not taken for its whole folder.
    drop_onto_window(&mut harness, &second.join(tony[0]));
    harness.get_by_label_contains("Kindred keeps whole folders: drop the folder");
    click(&mut harness, "Resume");
    settle(&mut harness);

    let store = Store::open(&library).unwrap();
    let roots: Vec<PathBuf> = store.roots().unwrap().into_iter().map(|r| r.path).collect();
    assert_eq!(roots.len(), 2, "{roots:?}");
    assert_eq!(store.status_counts().unwrap().photos_done, 12);
    drop(store);
    let tony_blair = person_showing(&library, "Tony_Blair");
    assert!(tony_blair.faces >= 4, "{tony_blair:?}");
}

#[test]
fn a_persons_photos_tab_shows_their_photos_year_by_year() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    let laura = person_showing(&library, "Laura_Bush");
    // Dates as the scan reads them from EXIF (LFW's photos carry none).
    let store = Store::open(&library).unwrap();
    for (photo, taken) in [
        ("Laura_Bush_0003.jpg", "2019-07-14 15:03:22"),
        ("Laura_Bush_0002.jpg", "2004-05-01 09:00:00"),
        ("Laura_Bush_0005.jpg", "2019-01-02 10:00:00"),
    ] {
        let changed = store
            .connection()
            .execute(
                "UPDATE photos SET taken_at = ?1 WHERE path LIKE ?2",
                [taken, &format!("%{photo}")],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    // One dated by its file name, as a messaging app's copy would be.
    store
        .connection()
        .execute(
            "UPDATE photos SET dated_by_name = 1 WHERE path LIKE '%Laura_Bush_0005.jpg'",
            [],
        )
        .unwrap();
    drop(store);

    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(laura.id);
    settle(&mut harness);
    click(&mut harness, "Photos");
    settle(&mut harness);
    harness.get_by_label_contains("4 photos · 2004–2019");
    let headings: Vec<String> = harness
        .query_all_by_label_contains(" · ")
        .filter_map(|n| {
            let node = n.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .filter(|l| l.ends_with("photo") || l.ends_with("photos"))
        .collect();
    assert_eq!(
        headings,
        [
            "2004 · 1 photo",
            "2019 · 2 photos",
            "Date unknown · 1 photo"
        ]
    );
    // A photo's menu hands it to the desktop's apps (recorded here, not started).
    harness.state_mut().record_launches();
    open_menu(&mut harness, "Photo Laura_Bush_0005.jpg");
    click(&mut harness, "Show in folder");
    let launched = harness.state().launched().to_vec();
    assert!(
        matches!(&launched[..], [Launch::ShowInFolder(p)] if p.ends_with("Laura_Bush_0005.jpg")),
        "{launched:?}"
    );
    // The photo view steps through them in the same order.
    click(&mut harness, "Photo Laura_Bush_0002.jpg");
    settle(&mut harness);
    harness.get_by_label("1 of 4");
    harness.get_by_label("taken 2004-05-01 09:00:00");
    press(&mut harness, egui::Key::ArrowRight);
    settle(&mut harness);
    harness.get_by_label("2 of 4");
    harness.get_by_label_contains("Laura_Bush_0005.jpg");
    // Where the date comes from the file name, the photo says so.
    harness.get_by_label("dated 2019-01-02 10:00:00 by its file name");
    assert!(harness.query_by_label_contains("taken ").is_none());
}

#[test]
fn the_keyboard_shortcuts_are_listed_on_f1_and_esc_closes_them_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("library.kindred");
    let mut harness = app_on(&library);
    settle(&mut harness);
    click(&mut harness, "Folders");
    assert!(harness.query_by_label("Keyboard shortcuts").is_some());
    press(&mut harness, egui::Key::F1);
    harness.run_steps(3);
    harness.get_by_label("Undo the last correction");
    harness.get_by_label("Previous / next photo");
    let within = |harness: &Harness<'_, KindredApp>, labels: &[&str], width: f32| {
        for label in labels {
            let shown = harness.get_by_label(label).rect();
            assert!(
                shown.left() >= 0.0 && shown.right() <= width,
                "{label} at {shown:?}"
            );
        }
    };
    // The whole list within the window (1280 wide).
    within(
        &harness,
        &[
            "Ctrl+Shift+Z or Ctrl+Y",
            "Go from card to card in a grid",
            "Skip",
        ],
        1280.0,
    );
    // In the app's smallest window the list is one column that scrolls down within it (side
    // by side, half of it was past the right edge, and its title above the top one).
    harness.set_size(egui::vec2(720.0, 480.0));
    harness.run_steps(3);
    within(
        &harness,
        &[
            "Ctrl+Z",
            "Undo the last correction",
            "Previous / next photo",
            "Yes, it is them",
        ],
        720.0,
    );
    // The list's title, and the top bar's "?" button of the same name.
    for title in harness.query_all_by_label("Keyboard shortcuts") {
        assert!(title.rect().top() >= 0.0, "{title:?}");
    }
    assert!(
        harness.get_by_label("Previous / next photo").rect().top()
            > harness
                .get_by_label("Undo the last correction")
                .rect()
                .top()
    );
    harness.set_size(egui::vec2(1280.0, 860.0));
    harness.run_steps(3);
    within(
        &harness,
        &["Go from card to card in a grid", "Skip"],
        1280.0,
    );
    press(&mut harness, egui::Key::Escape);
    harness.step();
    assert!(harness.query_by_label("Undo the last correction").is_none());
    // Esc closed the list only: the page stays where it was.
    harness.get_by_label("Photo folders");
    // The "?" in the top bar opens it too.
    click(&mut harness, "Keyboard shortcuts");
    harness.get_by_label("Yes, it is them");
}

#[test]
fn least_alike_first_brings_a_face_of_someone_else_to_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    let laura = person_showing(&library, "Laura_Bush");
    let tony = person_showing(&library, "Tony_Blair");
    // Laura, named, has one of Tony's faces among hers: a slip in an earlier correction.
    let intruder = faces_of(&library, tony.id)[0].face;
    {
        let mut store = Store::open(&library).unwrap();
        ops::name_person(&mut store, laura.id, "Laura").unwrap();
        ops::move_faces(&mut store, &[intruder], laura.id).unwrap();
    }
    let shown = |harness: &Harness<'_, KindredApp>| -> Vec<String> {
        harness
            .query_all_by_label_contains("Face ")
            .filter_map(|n| n.accesskit_node().label())
            .collect()
    };
    let labels = |faces: Vec<PersonFace>| -> Vec<String> {
        faces.iter().map(|f| format!("Face {}", f.face)).collect()
    };

    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(laura.id);
    settle(&mut harness);
    assert_eq!(shown(&harness), labels(faces_of(&library, laura.id)));
    click(&mut harness, "Order of faces");
    click(&mut harness, "Least alike first");
    settle(&mut harness);
    let least_alike = {
        let store = Store::open(&library).unwrap();
        ops::faces_of_person_in_order(&store, laura.id, ops::FaceOrder::LeastAlikeFirst).unwrap()
    };
    assert_eq!(shown(&harness), labels(least_alike));
    assert_eq!(shown(&harness)[0], format!("Face {intruder}"));
    // The order stays for the next person and the next run.
    assert_eq!(
        harness.state().settings.face_order,
        ops::FaceOrder::LeastAlikeFirst
    );
    harness.state_mut().open_person(tony.id);
    settle(&mut harness);
    assert_eq!(
        harness
            .get_by_label("Order of faces")
            .accesskit_node()
            .value()
            .as_deref(),
        Some("Least alike first")
    );
    // Taken out with "Not this person", the intruder leaves the top.
    harness.state_mut().open_person(laura.id);
    settle(&mut harness);
    click(&mut harness, &format!("Face {intruder}"));
    click(&mut harness, "Not this person");
    settle(&mut harness);
    assert!(!shown(&harness).contains(&format!("Face {intruder}")));
}

#[test]
fn people_seen_in_one_photo_wait_behind_a_heading_that_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    // One of Tony's faces split off: an unnamed person seen in one photo, as a stranger in
    // the background would be.
    let tony = person_showing(&library, "Tony_Blair");
    let face = faces_of(&library, tony.id)[0].face;
    let stranger = {
        let mut store = Store::open(&library).unwrap();
        ops::split(&mut store, &[face], None).unwrap()
    };
    let seen_once: Vec<PersonId> = people(&library)
        .iter()
        .filter(|p| p.name.is_none() && p.photos == 1)
        .map(|p| p.id)
        .collect();
    assert!(seen_once.contains(&stranger), "{seen_once:?}");
    let cards = |harness: &Harness<'_, KindredApp>| {
        harness
            .query_all_by_label_contains("Person ")
            .filter(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
            .count()
    };
    let all = people(&library).len();

    let mut harness = app_on(&library);
    settle(&mut harness);
    let heading = format!(
        "Seen in one photo · {} {}",
        seen_once.len(),
        if seen_once.len() == 1 {
            "person"
        } else {
            "people"
        }
    );
    assert_eq!(cards(&harness), all - seen_once.len());
    click(&mut harness, &heading);
    assert_eq!(cards(&harness), all);
    assert!(harness.state().settings.show_seen_once);
    // Named, they join the others.
    drop(harness);
    {
        let mut store = Store::open(&library).unwrap();
        ops::name_person(&mut store, stranger, "Stranger").unwrap();
    }
    let mut harness = app_on(&library);
    settle(&mut harness);
    assert_eq!(cards(&harness), all - seen_once.len() + 1);
    harness.get_by_label("Person Stranger");
}

/// A library scanned in the app whose three largest people are named Zoe, anna and Mark
/// (behind the app's back); returns it and its people as found before naming.
fn library_with_zoe_anna_and_mark(dir: &Path) -> (PathBuf, Vec<PersonSummary>) {
    let library = library_scanned_in_app(dir);
    let found = people(&library);
    let mut store = Store::open(&library).unwrap();
    for (person, name) in found.iter().zip(["Zoe", "anna", "Mark"]) {
        ops::name_person(&mut store, person.id, name).unwrap();
    }
    (library, found)
}

/// The app opened on [`library_with_zoe_anna_and_mark`], settled.
fn app_with_zoe_anna_and_mark(
    dir: &Path,
) -> (Harness<'static, KindredApp>, PathBuf, Vec<PersonSummary>) {
    let (library, found) = library_with_zoe_anna_and_mark(dir);
    let mut harness = app_on(&library);
    settle(&mut harness);
    (harness, library, found)
}

/// The named people's cards on the People page, in the order shown.
fn named_cards(harness: &Harness<'_, KindredApp>) -> Vec<String> {
    harness
        .query_all_by_label_contains("Person ")
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| l != "Person Unnamed")
        .collect()
}

#[test]
fn named_people_can_be_listed_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _, _) = app_with_zoe_anna_and_mark(dir.path());
    assert_eq!(
        named_cards(&harness),
        ["Person Zoe", "Person anna", "Person Mark"]
    );
    click(&mut harness, "Order of named people");
    click(&mut harness, "By name");
    assert_eq!(
        named_cards(&harness),
        ["Person anna", "Person Mark", "Person Zoe"]
    );
    assert_eq!(
        harness.state().settings.people_order,
        kindred::ui::state::PeopleOrder::ByName
    );
}

/// A second of frames with the pointer still: long enough for a tooltip to show.
fn rest_pointer(harness: &mut Harness<'_, KindredApp>) {
    for _ in 0..60 {
        harness.step();
    }
}

/// A name too long for its card is cut short on one line (two lines ran into the photo count
/// below them) and shown whole when the pointer rests on the card; a name that fits is not
/// repeated in a tooltip.
#[test]
fn a_long_name_is_cut_short_on_its_card_and_shown_whole_on_hover() {
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    let long = "Maria Fernanda de la Concepción Villanueva-Echeverría";
    ops::name_person(&mut Store::open(&library).unwrap(), found[1].id, long).unwrap();
    let mut harness = app_on(&library);
    settle(&mut harness);
    assert!(harness.query_by_label(long).is_none());
    harness.get_by_label(&format!("Person {long}")).hover();
    rest_pointer(&mut harness);
    assert!(
        harness.query_by_label(long).is_some(),
        "the whole name shows on hover"
    );
    harness.get_by_label("Person Zoe").hover();
    rest_pointer(&mut harness);
    assert!(harness.query_by_label(long).is_none());
    assert!(
        harness.query_by_label("Zoe").is_none(),
        "a name that fits needs no tooltip"
    );
}

/// A backup copy put back from inside the app (Folders → Put a copy back…): what it holds is
/// said first; then the app starts afresh on it, the library as it was kept, set aside, among
/// the copies — from where it can be put back the same way.
#[test]
fn a_backup_copy_is_put_back_from_inside_the_app() {
    use kindred::library::backup::{self, BackupKind};
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    let copy = backup::make(&Store::open(&library).unwrap(), BackupKind::ByHand).unwrap();
    ops::name_person(&mut Store::open(&library).unwrap(), found[0].id, "Zoey").unwrap();
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.get_by_label("Person Zoey");

    click(&mut harness, "Folders");
    settle(&mut harness);
    click(&mut harness, "Put a copy back…");
    click(&mut harness, "Put back…");
    settle(&mut harness);
    harness.get_by_label_contains("This copy holds");
    harness.get_by_label_contains("3 people named");
    click(&mut harness, "Put this copy back");
    assert!(harness.state().put_back_due());
    // What the window does next frame (the kittest harness holds the app, not the window).
    let ctx = harness.ctx.clone();
    harness.state_mut().put_back_copy(&ctx).unwrap();
    // Read at once (a notification shows from its second frame): the scan the app starts on
    // the copy may outlast a notification's four seconds on a busy machine.
    harness.run_steps(2);
    harness.get_by_label_contains("Put back the copy you made of");
    harness.get_by_label_contains("(the library as it was is kept among the copies)");
    settle(&mut harness);
    click(&mut harness, "People");
    settle(&mut harness);
    harness.get_by_label("Person Zoe");
    assert!(harness.query_by_label("Person Zoey").is_none());
    let set_aside: Vec<_> = backup::list(&library)
        .into_iter()
        .filter(|b| b.kind == BackupKind::SetAside)
        .collect();
    assert_eq!(set_aside.len(), 1);
    // The copy put back is still there, and the library set aside holds Zoey.
    assert!(copy.path.exists());
    let aside = Store::open(&set_aside[0].path).unwrap();
    assert_eq!(
        ops::person(&aside, found[0].id).unwrap().name.as_deref(),
        Some("Zoey")
    );
}

/// On People, Shift+click selects everyone from the person last Ctrl+clicked, in the order
/// shown; Shift with the arrow keys does the same from the card the keyboard left.
#[test]
fn shift_click_and_shift_arrows_select_a_range_of_people() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _, found) = app_with_zoe_anna_and_mark(dir.path());
    let [zoe, anna, mark] = [0, 1, 2].map(|i| found[i].id);
    let ids = |harness: &Harness<'_, KindredApp>| -> Vec<PersonId> {
        harness
            .state()
            .people_view
            .chosen
            .selected
            .iter()
            .copied()
            .collect()
    };
    let sorted = |mut v: Vec<PersonId>| {
        v.sort();
        v
    };
    click_holding(&mut harness, "Person Zoe", egui::Modifiers::COMMAND);
    click_holding(&mut harness, "Person Mark", egui::Modifiers::SHIFT);
    assert_eq!(ids(&harness), sorted(vec![zoe, anna, mark]));
    // From the same start, a shorter range replaces it.
    click_holding(&mut harness, "Person anna", egui::Modifiers::SHIFT);
    assert_eq!(ids(&harness), sorted(vec![zoe, anna]));
    harness.get_by_label("2 selected");

    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert!(ids(&harness).is_empty());
    // The keyboard on Zoe's card, then Shift+→ twice.
    tab_to(&mut harness, "Person Zoe");
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowRight);
    settle(&mut harness);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowRight);
    settle(&mut harness);
    assert_eq!(
        focused_label(&harness, "Person ").as_deref(),
        Some("Person Mark")
    );
    assert_eq!(ids(&harness), sorted(vec![zoe, anna, mark]));
}

/// Ctrl+F from any page: People, the cursor in the name filter, its old text selected so the
/// next name typed replaces it.
#[test]
fn ctrl_f_finds_a_person_by_name_from_any_page() {
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    let find = |harness: &mut Harness<'_, KindredApp>, typed: &str| {
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
        for _ in 0..2 {
            harness.step();
        }
        // Typed as keystrokes go: to whichever field has the keyboard focus.
        harness.event(egui::Event::Text(typed.to_string()));
        settle(harness);
    };
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(found[1].id);
    settle(&mut harness);
    find(&mut harness, "zo");
    assert_eq!(harness.state().view, View::People);
    assert_eq!(named_cards(&harness), ["Person Zoe"]);
    click(&mut harness, "Person Zoe");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(found[0].id));
    find(&mut harness, "mar");
    assert_eq!(named_cards(&harness), ["Person Mark"]);
}

/// Without a mouse: Tab goes from widget to widget into the grid of people, and Enter opens
/// the one with the keyboard, as a click would.
#[test]
fn tab_reaches_a_persons_card_and_enter_opens_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _library, found) = app_with_zoe_anna_and_mark(dir.path());
    tab_to(&mut harness, "Person Zoe");
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(found[0].id));
}

/// The label of the widget with the keyboard among those whose label contains `part`, once it
/// is in the window (`window` its size): a grid lays out a row past its edge for the arrow
/// keys to go to and scrolls the tile reached into view.
fn focused_in_view(harness: &Harness<'_, KindredApp>, part: &str, window: egui::Vec2) -> String {
    let label =
        focused_label(harness, part).unwrap_or_else(|| panic!("no {part}… has the keyboard"));
    let shown = harness.get_by_label(&label).rect();
    assert!(
        shown.top() >= 0.0 && shown.bottom() <= window.y,
        "{label} scrolled into view: {shown:?}"
    );
    label
}

/// The label of the widget with the keyboard among those whose label contains `part`.
fn focused_label(harness: &Harness<'_, KindredApp>, part: &str) -> Option<String> {
    harness
        .query_all_by_label_contains(part)
        .find(|n| n.accesskit_node().is_focused())
        .and_then(|n| n.accesskit_node().label())
}

/// The arrow keys go from card to card on People, also to the rows out of sight.
#[test]
fn the_arrow_keys_go_from_card_to_card_past_the_edge_of_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    // Each face a person of its own: rows of four cards, three of them out of sight.
    let mut store = Store::open(&library).unwrap();
    let faces: Vec<kindred::library::store::FaceId> = found
        .iter()
        .flat_map(|p| faces_of(&library, p.id))
        .map(|f| f.face)
        .collect();
    for (n, face) in faces.iter().enumerate() {
        ops::split(&mut store, &[*face], Some(&format!("P{:02}", n + 1))).unwrap();
    }
    drop(store);
    let window = egui::vec2(740.0, 480.0);
    let mut harness = app_in_window(&library, Settings::default(), window);
    settle(&mut harness);
    click(&mut harness, "Order of named people");
    click(&mut harness, "By name");
    tab_to(&mut harness, "Person P01");
    for (key, card) in [
        (egui::Key::ArrowDown, "Person P05"),
        (egui::Key::ArrowDown, "Person P09"),
        (egui::Key::ArrowRight, "Person P10"),
        (egui::Key::ArrowUp, "Person P06"),
        (egui::Key::ArrowUp, "Person P02"),
        (egui::Key::ArrowLeft, "Person P01"),
        (egui::Key::ArrowLeft, "Person P01"),
        (egui::Key::End, &format!("Person P{:02}", faces.len())),
        (egui::Key::Home, "Person P01"),
        (egui::Key::PageDown, "Person P05"),
        (egui::Key::ArrowUp, "Person P01"),
    ] {
        press(&mut harness, key);
        settle(&mut harness);
        assert_eq!(
            focused_in_view(&harness, "Person P", window),
            card,
            "{key:?}"
        );
    }
    // Scrolled away by the wheel, the card keeps the keyboard, and the next key goes on from
    // it, back into view.
    harness.hover_at(egui::pos2(370.0, 300.0));
    for _ in 0..3 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -400.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        harness.run_steps(2);
    }
    settle(&mut harness);
    let p01 = harness.get_by_label("Person P01");
    assert!(
        p01.rect().bottom() < 100.0,
        "scrolled away: {:?}",
        p01.rect()
    );
    assert!(p01.accesskit_node().is_focused());
    press(&mut harness, egui::Key::ArrowRight);
    settle(&mut harness);
    assert_eq!(focused_in_view(&harness, "Person P", window), "Person P02");
    // Up from the first row leaves the grid for what is above it.
    press(&mut harness, egui::Key::ArrowUp);
    settle(&mut harness);
    let focused: Vec<String> = harness
        .query_all_by_label_contains("")
        .filter(|n| n.accesskit_node().is_focused())
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert!(
        focused.len() == 1 && !focused[0].starts_with("Person "),
        "{focused:?}"
    );
}

/// The same in a person's faces, at a face size that puts one face in a row.
#[test]
fn the_arrow_keys_go_from_face_to_face_past_the_edge_of_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    let settings = Settings {
        face_size: 360.0,
        ..Settings::default()
    };
    let window = egui::vec2(740.0, 860.0);
    let mut harness = app_in_window(&library, settings, window);
    settle(&mut harness);
    harness.state_mut().open_person(found[0].id);
    settle(&mut harness);
    let first = harness
        .query_all_by_label_contains("Face ")
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .and_then(|n| n.accesskit_node().label())
        .unwrap();
    tab_to(&mut harness, &first);
    let mut visited = vec![first];
    for _ in 1..faces_of(&library, found[0].id).len() {
        press(&mut harness, egui::Key::ArrowDown);
        settle(&mut harness);
        let face = focused_in_view(&harness, "Face ", window);
        assert!(!visited.contains(&face), "{face} comes once going down");
        visited.push(face);
    }
    // A wider window puts two faces in a row: the face keeps the keyboard.
    harness.set_size(egui::vec2(1100.0, 860.0));
    harness.run_steps(3);
    assert_eq!(focused_label(&harness, "Face ").as_ref(), visited.last());
    harness.set_size(window);
    harness.run_steps(3);
    press(&mut harness, egui::Key::ArrowUp);
    settle(&mut harness);
    assert_eq!(
        focused_in_view(&harness, "Face ", window),
        visited[visited.len() - 2]
    );
    // Shift with the keys selects as Shift+click does: from the face the keyboard left.
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowUp);
    settle(&mut harness);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowUp);
    settle(&mut harness);
    assert_eq!(
        focused_in_view(&harness, "Face ", window),
        visited[visited.len() - 4]
    );
    harness.get_by_label("3 faces selected");
    let selected = &harness.state().person_view.selection.selected;
    let ids: Vec<String> = selected.iter().map(|f| format!("Face {f}")).collect();
    let mut expected = visited[visited.len() - 4..visited.len() - 1].to_vec();
    expected.sort_by_key(|l| l[5..].parse::<u64>().unwrap());
    assert_eq!(ids, expected);
    // Enter opens the photo of the face with the keyboard, as a double-click does.
    let face = &faces_of(&library, found[0].id)
        .into_iter()
        .find(|f| format!("Face {}", f.face) == visited[0])
        .unwrap();
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert!(
        matches!(harness.state().view, View::Photo { photo, .. } if photo == face.photo),
        "{:?}",
        harness.state().view
    );
}

/// Delete on a person's selected faces says "not this person", as the button does; Ctrl+Z
/// takes it back.
#[test]
fn delete_takes_the_selected_faces_from_the_person() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());
    harness.state_mut().open_person(found[2].id);
    settle(&mut harness);
    let face = faces_of(&library, found[2].id)[0].face;
    click(&mut harness, &format!("Face {face}"));
    press(&mut harness, egui::Key::Delete);
    settle(&mut harness);
    assert!(
        faces_of(&library, found[2].id)
            .iter()
            .all(|f| f.face != face)
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    assert!(
        faces_of(&library, found[2].id)
            .iter()
            .any(|f| f.face == face)
    );
}

/// In a narrow window a person's actions go below their name instead of over it.
#[test]
fn a_narrow_window_puts_a_persons_actions_below_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    let overlaps = |width: f32| {
        let mut harness = app_in_window(&library, Settings::default(), egui::vec2(width, 600.0));
        settle(&mut harness);
        harness.state_mut().open_person(found[0].id);
        settle(&mut harness);
        let rename = harness.get_by_label("Rename").rect();
        let export = harness.get_by_label("Export album…").rect();
        (rename.intersects(export), export.top() > rename.bottom())
    };
    assert_eq!(overlaps(1280.0), (false, false), "one row when wide");
    assert_eq!(overlaps(740.0), (false, true), "two rows when narrow");
}

/// Without a mouse on a photo: Tab reaches a face's box, Enter opens its menu.
#[test]
fn tab_reaches_a_face_on_a_photo_and_enter_opens_its_menu() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());
    let photo = faces_of(&library, found[0].id)[0].photo;
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    tab_to(&mut harness, "Face of Zoe");
    press(&mut harness, egui::Key::Enter);
    harness.step();
    assert!(harness.state().photo_view.editing.is_some());
    harness.get_by_label("Who is this?");
}

/// A card's right-click menu names (or renames) a person without opening them first: their page
/// opens with the name field ready.
#[test]
fn a_persons_card_menu_renames_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());
    open_menu(&mut harness, "Person anna");
    click(&mut harness, "Rename…");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(found[1].id));
    harness.event(egui::Event::Text(" Lee".into()));
    harness.step();
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(named(&library, "anna Lee").id, found[1].id);
}

/// "Move to…" and "Add person…" on a person's page list everyone named in a menu that would
/// run off the screen with a hundred names: typing part of a name narrows it, Enter picks.
#[test]
fn the_person_menus_narrow_to_the_name_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (library, found) = library_with_zoe_anna_and_mark(dir.path());
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(found[2].id);
    settle(&mut harness);
    let face = faces_of(&library, found[2].id)[0].face;
    click(&mut harness, &format!("Face {face}"));
    click(&mut harness, "Move to…");
    // Everyone named but Mark himself (his name shows once: his page's heading), until a few
    // letters are typed.
    harness.get_by_label("Zoe");
    harness.get_by_label("anna");
    assert_eq!(harness.query_all_by_label("Mark").count(), 1);
    harness.event(egui::Event::Text("AN".into()));
    harness.step();
    harness.step();
    assert!(harness.query_by_label("Zoe").is_none());
    harness.get_by_label("anna");
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert!(
        faces_of(&library, found[1].id)
            .iter()
            .any(|f| f.face == face)
    );
    assert!(!egui::Popup::is_any_open(&harness.ctx));
    // The menu opens afresh, its field empty: everyone is offered again.
    click(&mut harness, "Photos");
    settle(&mut harness);
    click(&mut harness, "Add person…");
    harness.get_by_label("anna");
    harness.event(egui::Event::Text("zo".into()));
    harness.step();
    assert!(harness.query_by_label("anna").is_none());
    click(&mut harness, "Zoe");
    settle(&mut harness);
    harness.get_by_label("Zoe ×");
}

#[test]
fn next_unnamed_goes_from_group_to_group_for_naming_them_one_after_another() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &[]);
    let found = people(&library);
    assert!(found.len() >= 3 && found.iter().all(|p| p.name.is_none()));
    name_person(&mut harness, found[0].id, "Anna");
    // Largest first: on from the group just named, past it, round at the end.
    let mut expected = found[1..].iter().map(|p| p.id).collect::<Vec<_>>();
    expected.push(found[1].id);
    for want in expected {
        click(&mut harness, "Next unnamed ⏵");
        settle(&mut harness);
        assert_eq!(harness.state().view, View::Person(want));
        harness.get_by_label("Name this person");
    }
    // When everyone has a name, there is no next.
    {
        let mut store = Store::open(&library).unwrap();
        for (k, p) in found[1..].iter().enumerate() {
            ops::name_person(&mut store, p.id, &format!("Person {k}")).unwrap();
        }
    }
    drop(harness);
    let mut harness = app_on(&library);
    settle(&mut harness);
    harness.state_mut().open_person(found[0].id);
    settle(&mut harness);
    assert!(harness.query_by_label("Next unnamed ⏵").is_none());
}

#[test]
fn naming_a_group_offers_the_people_already_named_and_picking_one_merges_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library) = scanned_app(dir.path(), &[]);
    let found = people(&library);
    name_person(&mut harness, found[0].id, "Anna Smith");
    // Another group of hers (say): typing part of the name offers her.
    harness.state_mut().open_person(found[1].id);
    settle(&mut harness);
    click(&mut harness, "Name this person");
    harness.get_by_label("Name").type_text("smi");
    harness.step();
    harness.step();
    click(&mut harness, "Anna Smith");
    settle(&mut harness);
    let anna = named(&library, "Anna Smith");
    assert_eq!(anna.faces, found[0].faces + found[1].faces);
    // Her page, with all her faces, is where the user lands.
    assert_eq!(harness.state().view, View::Person(anna.id));
    harness.get_by_label_contains(&format!("{} faces", anna.faces));
    assert!(people(&library).iter().all(|p| p.id != found[1].id));
    // Ctrl+Z parts them again.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    assert_eq!(named(&library, "Anna Smith").faces, found[0].faces);
    // "Merge into…" (with a face selected) lands on her page too.
    harness.state_mut().open_person(found[1].id);
    settle(&mut harness);
    let face = harness
        .query_all_by_label_contains("Face ")
        .find_map(|n| n.accesskit_node().label())
        .unwrap();
    click(&mut harness, &face);
    click(&mut harness, "Merge into…");
    click(&mut harness, "Anna Smith");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(anna.id));
    assert_eq!(
        named(&library, "Anna Smith").faces,
        found[0].faces + found[1].faces
    );
}

/// A crowd's faces are small: the photo zooms in with its face boxes (+, Ctrl+scroll about
/// the pointer), moves under a drag, and 0 fits it whole again.
#[test]
fn a_photo_zooms_in_with_its_face_boxes_and_fits_again() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let photo = "Tony_Blair_0004.jpg";
    std::fs::copy(fixtures().join(photo), photos.join(photo)).unwrap();
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    let person = person_showing(&library, "Tony_Blair");
    harness.state_mut().open_photos_of(person.id);
    settle(&mut harness);
    click(&mut harness, &format!("Photo {photo}"));
    settle(&mut harness);
    let face = |harness: &Harness<'_, KindredApp>| harness.get_by_label("Face of Unnamed").rect();
    let fitted = face(&harness);

    press(&mut harness, egui::Key::Plus);
    harness.step();
    let zoomed = face(&harness);
    assert!(
        (zoomed.width() / fitted.width() - 1.5).abs() < 0.01,
        "{fitted:?} → {zoomed:?}"
    );
    press(&mut harness, egui::Key::Num0);
    harness.step();
    assert_eq!(face(&harness), fitted);

    // Ctrl+scroll with the pointer on the face: it grows where it is.
    harness.event(egui::Event::PointerMoved(fitted.center()));
    harness.step();
    harness.event(egui::Event::Zoom(2.0));
    harness.step();
    harness.step();
    let zoomed = face(&harness);
    assert!((zoomed.width() / fitted.width() - 2.0).abs() < 0.01);
    assert!((zoomed.center() - fitted.center()).length() < 1.0);

    // A drag moves the zoomed photo, the face with it.
    let from = zoomed.center() - egui::vec2(zoomed.width() * 0.75, 0.0);
    let to = from + egui::vec2(-40.0, -30.0);
    drag(&mut harness, from, to);
    let moved = face(&harness);
    assert!(
        (moved.center() - (zoomed.center() + (to - from))).length() < 1.5,
        "{zoomed:?} dragged by {:?} → {moved:?}",
        to - from
    );
    // Zoomed in, a button shows the whole photo again.
    click(&mut harness, "Whole photo");
    assert_eq!(face(&harness), fitted);
    assert!(harness.query_by_label("Whole photo").is_none());
}

/// The photo view's picture is at most 2048 pixels a side; zoomed in past that, a larger photo
/// is read again with all its pixels.
#[test]
fn a_large_photo_zoomed_in_is_read_again_with_all_its_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let wide = image::RgbImage::from_fn(4000, 3000, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    wide.save(photos.join("wide.png")).unwrap();
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    let photo = Store::open(&library).unwrap().photos().unwrap()[0].id;
    // A GPU's limit, as eframe reports it (kittest's default is egui's 2048).
    harness.input_mut().max_texture_side = Some(8192);
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    let picture_size = |harness: &Harness<'_, KindredApp>| match &harness.state().data.photo_image {
        Some((id, _, Ok(texture))) if *id == photo => texture.size(),
        _ => panic!("the photo's picture is not shown"),
    };
    assert_eq!(picture_size(&harness), [2048, 1536]);
    press(&mut harness, egui::Key::Plus);
    settle(&mut harness);
    assert_eq!(
        picture_size(&harness),
        [2048, 1536],
        "not yet past its pixels"
    );
    for _ in 0..4 {
        press(&mut harness, egui::Key::Plus);
    }
    settle(&mut harness);
    assert_eq!(picture_size(&harness), [4000, 3000]);
}

/// Regression: a long path pushed the photo view's buttons ("Leave out …" first) past the
/// window's right edge.
#[test]
fn a_photo_deep_in_long_folder_names_keeps_its_buttons_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut deep = dir.path().join("photos");
    for part in [
        "Family archive scanned by Grandpa in the winter of 2011",
        "Summer holidays at the lake house with the cousins",
        "Tony Blair visiting the constituency office",
    ] {
        deep.push(part);
    }
    std::fs::create_dir_all(&deep).unwrap();
    let photo = "Tony_Blair_0004.jpg";
    std::fs::copy(fixtures().join(photo), deep.join(photo)).unwrap();
    let (mut harness, library) = app_with_folder_added(dir.path(), &dir.path().join("photos"));
    let person = person_showing(&library, "Tony_Blair");
    harness.state_mut().open_photos_of(person.id);
    settle(&mut harness);
    // Undated photos: their heading alone counts them, no line above says it again.
    harness.get_by_label("Date unknown · 1 photo");
    assert!(harness.query_by_label("1 photo").is_none());
    click(&mut harness, &format!("Photo {photo}"));
    settle(&mut harness);
    harness.get_by_label_contains(photo);
    let window = harness.ctx.content_rect();
    for button in [
        "Open",
        "Show in folder",
        "Leave out the folder Tony Blair visiting the constituency office",
    ] {
        let rect = harness.get_by_label(button).rect();
        assert!(
            window.contains_rect(rect),
            "{button} at {rect:?} is outside the window {window:?}"
        );
    }
}

/// Drags the primary button from `from` to `to` in a few steps, as a hand does.
fn drag(harness: &mut Harness<'_, KindredApp>, from: egui::Pos2, to: egui::Pos2) {
    harness.event(egui::Event::PointerMoved(from));
    harness.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    for k in 1..=4 {
        harness.event(egui::Event::PointerMoved(
            from + (to - from) * k as f32 / 4.0,
        ));
        harness.step();
    }
    harness.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.step();
    harness.step();
}

/// The app on a library in `dir` of one photo, the golden image `stem` as `name` (too small
/// for the scan: see [`common::too_small_for_the_scan`]); with the library and the photo.
fn app_with_one_photo(
    dir: &Path,
    stem: &str,
    name: &str,
) -> (Harness<'static, KindredApp>, PathBuf, i64) {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    common::too_small_for_the_scan(stem)
        .save(photos.join(name))
        .unwrap();
    let (harness, library) = app_with_folder_added(dir, &photos);
    let photo = Store::open(&library).unwrap().photos().unwrap()[0].id;
    (harness, library, photo)
}

/// [`app_with_one_photo`] of a crowd (crowd.png) with seven small faces, none of which the
/// detector finds at the photo's own size.
fn app_with_a_crowd(dir: &Path) -> (Harness<'static, KindredApp>, PathBuf, i64) {
    app_with_one_photo(dir, "2007_007763", "crowd.png")
}

/// The detector misses the small faces of a crowd: the photo is among the folder's photos
/// without a face; there, "Add a face", a box dragged around one, and the face is found,
/// added, and named straight away; Ctrl+Z takes it away again.
#[test]
fn a_face_the_detector_missed_is_drawn_named_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, photo) = app_with_a_crowd(dir.path());
    click(&mut harness, "Folders");
    settle(&mut harness);
    harness
        .get_by_label_contains("1 photo without a face in")
        .click();
    settle(&mut harness);
    click_opens_photo(&mut harness, "Photo crowd.png", photo);
    assert!(harness.query_by_label_contains("Face of").is_none());
    // The photo is under the tab it was opened from.
    let selected = |harness: &Harness<'_, KindredApp>, tab: &str| {
        harness.get_by_label(tab).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
    };
    assert!(selected(&harness, "Folders") && !selected(&harness, "People"));

    // Esc stops drawing and stays on the photo.
    click(&mut harness, "Add a face");
    harness.get_by_label_contains("Drag a box around the face");
    press(&mut harness, egui::Key::Escape);
    harness.step();
    assert!(matches!(harness.state().view, View::Photo { .. }));
    assert!(harness.query_by_label_contains("Drag a box").is_none());

    // The 1100×375 photo fits its area, centred; the face dlib finds in the doubled photo
    // at [385, 83, 432, 130] gets a loose box.
    click(&mut harness, "Add a face");
    let area = harness.get_by_label("The photo").rect();
    let width = common::WIDER_THAN_SMALL as f32;
    let scale = (area.width() / width).min(area.height() / 375.0).min(4.0);
    let origin = area.center() - egui::vec2(width / 2.0, 187.5) * scale;
    let at = |x: f32, y: f32| origin + egui::vec2(x, y) * scale;
    drag(&mut harness, at(370.0, 60.0), at(450.0, 145.0));
    settle(&mut harness);
    let face = Store::open(&library)
        .unwrap()
        .faces_of_photo(photo)
        .unwrap();
    assert_eq!(face.len(), 1);
    assert!(face[0].by_hand);
    assert!(
        face[0].rect.left >= 370 && face[0].rect.right <= 450,
        "{:?}",
        face[0].rect
    );
    // Who is it? The name field has the keyboard: typing goes straight into it.
    harness.event(egui::Event::Text("Kid".into()));
    harness.step();
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(named(&library, "Kid").faces, 1);
    harness.get_by_label("Face of Kid");
    // Back on the list, the photo has a face now.
    click(&mut harness, "⏴ Back");
    settle(&mut harness);
    harness.get_by_label("A face in every photo");
    harness.state_mut().open_photo(photo);
    settle(&mut harness);

    // Removed as a mistake, then put back by Ctrl+Z with its name.
    click(&mut harness, "Face of Kid");
    click(&mut harness, "Remove this face");
    settle(&mut harness);
    assert!(harness.query_by_label_contains("Face of").is_none());
    assert!(people(&library).iter().all(|p| p.faces == 0));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    harness.get_by_label("Face of Kid");
    assert_eq!(named(&library, "Kid").faces, 1);

    // Ctrl+Z twice: the name, then the face.
    for _ in 0..2 {
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        harness.step();
        settle(&mut harness);
    }
    assert!(people(&library).is_empty());
    assert!(harness.query_by_label_contains("Face of").is_none());
}

/// "Look closer" finds the faces of a crowd too small for the scan, all at once; Ctrl+Z
/// takes them back together.
#[test]
fn looking_closer_at_a_crowd_finds_its_small_faces() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, photo) = app_with_a_crowd(dir.path());
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    click(&mut harness, "Look closer");
    settle(&mut harness);
    assert_eq!(harness.query_all_by_label_contains("Face of").count(), 7);
    harness.get_by_label_contains("Found 7 more faces");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    assert_eq!(harness.query_all_by_label_contains("Face of").count(), 0);
    assert!(people(&library).is_empty());
}

/// A photo where a closer look found no face does not offer the look again.
#[test]
fn a_closer_look_that_found_no_face_is_not_offered_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _library, photo) = app_with_one_photo(dir.path(), "dogs", "dogs.png");
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    assert!(
        !harness
            .get_by_label("Look closer")
            .accesskit_node()
            .is_disabled()
    );
    click(&mut harness, "Look closer");
    settle(&mut harness);
    harness.get_by_label("No more faces found");
    assert!(
        harness
            .get_by_label("Look closer")
            .accesskit_node()
            .is_disabled()
    );
}

/// A folder's photos without a face, looked at more closely all at once in the background:
/// the faces too small for the scan turn up, the list empties, Ctrl+Z takes them all back.
#[test]
fn looking_closer_at_all_the_photos_without_a_face_finds_their_small_faces() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for crowd in ["2007_007763", "2008_004176", "2008_007676", "dogs"] {
        common::too_small_for_the_scan(crowd)
            .save(photos.join(format!("{crowd}.png")))
            .unwrap();
    }
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    click(&mut harness, "Folders");
    settle(&mut harness);
    harness
        .get_by_label_contains("4 photos without a face in")
        .click();
    settle(&mut harness);
    click(&mut harness, "Look closer at all 4");
    settle(&mut harness);
    harness.get_by_label_contains("Looked closer at 4 photos: found 21 more faces");
    let faces: usize = people(&library).iter().map(|p| p.faces).sum();
    assert_eq!(faces, 21);
    // The dogs are left, and a look that found no face there is not offered again.
    harness.get_by_label_contains("also on a closer look");
    assert!(harness.query_by_label_contains("Look closer").is_none());
    // One step back takes all 21; the crowds are offered a closer look again, the dogs not.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    settle(&mut harness);
    assert!(people(&library).is_empty());
    harness.get_by_label("Look closer at the 3 photos not looked at yet");
}

/// Prints scanned on their side, chosen together on their folder's page (Ctrl+click,
/// Shift+click) and turned at once in the background: their faces are found, and one Ctrl+Z
/// turns them all back.
#[test]
fn photos_chosen_on_a_folder_page_are_turned_together() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let pair = common::laura_and_tony();
    let mirrored = image::imageops::flip_horizontal(&pair);
    for (name, print) in [("print 1.png", &pair), ("print 2.png", &mirrored)] {
        image::imageops::rotate90(print)
            .save(photos.join(name))
            .unwrap();
    }
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/images/dogs.png"),
        photos.join("dogs.png"),
    )
    .unwrap();
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    let faces = |library: &Path| -> usize { people(library).iter().map(|p| p.faces).sum() };
    let faces_before = faces(&library);
    harness.state_mut().open_folder(photos.clone());
    settle(&mut harness);
    // Ctrl+click on one print, Shift+click on the other: both chosen.
    let choose_the_prints = |harness: &mut Harness<'_, KindredApp>| {
        click_holding(harness, "Photo print 1.png", egui::Modifiers::COMMAND);
        click_holding(harness, "Photo print 2.png", egui::Modifiers::SHIFT);
    };
    choose_the_prints(&mut harness);
    harness.get_by_label("2 selected");
    assert_eq!(harness.state().view, View::Folder(photos.clone()));
    // Another page of the same photos starts with none chosen (regression: the choice
    // followed, and a plain click there chose instead of opening).
    click(&mut harness, "Folders");
    settle(&mut harness);
    harness.get_by_label_contains("without a face in").click();
    settle(&mut harness);
    assert!(harness.state().photos_chosen.selected.is_empty());
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    assert!(!harness.state().photos_chosen.selected.is_empty());
    harness.state_mut().open_folder(photos.clone());
    settle(&mut harness);
    assert!(harness.state().photos_chosen.selected.is_empty());
    choose_the_prints(&mut harness);
    harness.get_by_label("2 selected");
    // Esc lets go of the choice, on the page; Ctrl+A chooses every photo.
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert!(harness.state().photos_chosen.selected.is_empty());
    assert_eq!(harness.state().view, View::Folder(photos.clone()));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_label("3 selected");
    click(&mut harness, "Clear selection");
    choose_the_prints(&mut harness);
    click(&mut harness, "⟲ Turn left");
    settle(&mut harness);
    harness.get_by_label_contains("2 photos turned left — found");
    let faces_after = faces(&library);
    assert!(
        faces_after >= 4 && faces_after > faces_before,
        "{faces_before} → {faces_after}"
    );
    let turns = |library: &Path| -> Vec<(String, u8)> {
        let mut turns: Vec<(String, u8)> = Store::open(library)
            .unwrap()
            .photos()
            .unwrap()
            .iter()
            .map(|p| (own_file_name(&p.path), p.turn.quarters()))
            .collect();
        turns.sort();
        turns
    };
    assert_eq!(
        turns(&library),
        [
            ("dogs.png".to_string(), 0),
            ("print 1.png".to_string(), 3),
            ("print 2.png".to_string(), 3)
        ]
    );

    // One step back turns both back, their faces as they were.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    harness.get_by_label_contains("Undone: turned 2 photos left");
    assert!(turns(&library).iter().all(|(_, turn)| *turn == 0));
    assert_eq!(faces(&library), faces_before);
}

fn own_file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn faces_ignored_in_haste_are_found_again_named_and_taken_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());
    assert!(
        harness.query_by_label_contains("ignored").is_none(),
        "no link while nothing is ignored"
    );

    // Two of the largest group's faces ignored from their person's page.
    let group = found[0].id;
    harness.state_mut().open_person(group);
    settle(&mut harness);
    let two: Vec<i64> = faces_of(&library, group)[..2]
        .iter()
        .map(|f| f.face)
        .collect();
    click(&mut harness, &format!("Face {}", two[0]));
    click_holding(
        &mut harness,
        &format!("Face {}", two[1]),
        egui::Modifiers::COMMAND,
    );
    click(&mut harness, "Ignore");
    settle(&mut harness);
    assert_eq!(faces_of(&library, group).len(), found[0].faces - 2);

    // People links to them; their page lists both.
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    click(&mut harness, "2 faces ignored");
    settle(&mut harness);
    assert_eq!(harness.state().view, View::IgnoredFaces);
    for face in &two {
        harness.get_by_label(&format!("Face {face}"));
    }

    // One is given back to Zoe from there, picked among the names offered for what is
    // typed: it is hers, confirmed.
    click(&mut harness, &format!("Face {}", two[0]));
    type_into(&mut harness, "Name for these faces", "zo");
    click(&mut harness, "Give them to Zoe");
    settle(&mut harness);
    assert!(
        faces_of(&library, group)
            .iter()
            .any(|f| (f.face, f.state) == (two[0], FaceState::Confirmed))
    );
    assert!(
        harness
            .query_by_label(&format!("Face {}", two[0]))
            .is_none()
    );

    // The other is taken back: matched again, it rejoins its group.
    click(&mut harness, &format!("Face {}", two[1]));
    click(&mut harness, "Not ignored");
    settle(&mut harness);
    assert!(
        faces_of(&library, group).iter().any(|f| f.face == two[1]),
        "back with its group"
    );
    harness.get_by_label("No ignored faces");
    // Ctrl+Z ignores it again, and it is listed again.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    harness.get_by_label(&format!("Face {}", two[1]));

    // On its photo, its box says so, and takes it back too.
    open_menu(&mut harness, &format!("Face {}", two[1]));
    click(&mut harness, "Open photo");
    settle(&mut harness);
    click(&mut harness, "Face of Ignored");
    click(&mut harness, "Not ignored");
    settle(&mut harness);
    assert!(faces_of(&library, group).iter().any(|f| f.face == two[1]));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::IgnoredFaces);

    // A name no one has, typed and entered, makes someone new of it.
    click(&mut harness, &format!("Face {}", two[1]));
    type_into(&mut harness, "Name for these faces", "Zed");
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    let zed = named(&library, "Zed");
    assert_eq!(
        faces_of(&library, zed.id)
            .iter()
            .map(|f| (f.face, f.state))
            .collect::<Vec<_>>(),
        [(two[1], FaceState::Confirmed)]
    );
    assert_eq!(harness.state().data.counts.ignored_faces, 0);
}

#[test]
fn ctrl_a_selects_everyone_shown_to_hide_them_at_once_and_esc_lets_go_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());

    // Regression: Esc with faces selected on a person's page let go of them and also left
    // the page; it lets go of them only, and a second Esc goes back.
    harness.state_mut().open_person(found[0].id);
    settle(&mut harness);
    let face = faces_of(&library, found[0].id)[0].face;
    click(&mut harness, &format!("Face {face}"));
    assert_eq!(harness.state().person_view.selection.selected.len(), 1);
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert!(harness.state().person_view.selection.selected.is_empty());
    assert_eq!(harness.state().view, View::Person(found[0].id));
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::People);
    // On the Photos tab the faces selected are out of sight: Esc goes back at once.
    harness.state_mut().open_person(found[0].id);
    settle(&mut harness);
    click(&mut harness, &format!("Face {face}"));
    click(&mut harness, "Photos");
    settle(&mut harness);
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::People);

    // Ctrl+A on People: everyone shown (not those seen once, behind their closed heading).
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    let shown: std::collections::BTreeSet<PersonId> = people(&library)
        .iter()
        .filter(|p| p.name.is_some() || p.photos > 1)
        .map(|p| p.id)
        .collect();
    assert!(shown.len() >= 3);
    assert_eq!(harness.state().people_view.chosen.selected, shown);
    // Hidden all at once, as one correction.
    click(&mut harness, "Hide");
    settle(&mut harness);
    assert!(
        people(&library)
            .iter()
            .filter(|p| shown.contains(&p.id))
            .all(|p| p.hidden)
    );
    assert_eq!(
        harness.state().data.undo(),
        Some(&*format!("hid {} people", shown.len()))
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    assert!(people(&library).iter().all(|p| !p.hidden));

    // Esc lets go of a selection on People too.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    assert!(!harness.state().people_view.chosen.selected.is_empty());
    press(&mut harness, egui::Key::Escape);
    assert!(harness.state().people_view.chosen.selected.is_empty());
    assert_eq!(harness.state().view, View::People);
}

#[test]
fn the_undo_history_takes_back_several_corrections_at_once_and_redo_brings_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());
    let history = harness.state().data.history.clone();
    assert_eq!(history.len(), 3, "{history:?}");
    assert!(history[2].contains("Zoe"), "newest first: {history:?}");

    assert!(
        history.iter().all(|what| !what.contains("person ")),
        "no ids in the app: {history:?}"
    );
    click(&mut harness, "Undo history");
    click(&mut harness, &kindred::text::capitalised(&history[2]));
    settle(&mut harness);
    assert!(people(&library).iter().all(|p| p.name.is_none()));
    assert!(harness.state().data.history.is_empty());
    assert!(
        harness
            .state()
            .data
            .redo
            .as_deref()
            .unwrap()
            .contains("Zoe")
    );

    for _ in 0..3 {
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
        settle(&mut harness);
    }
    assert_eq!(named(&library, "Zoe").id, found[0].id);
    assert_eq!(named(&library, "Mark").id, found[2].id);
    assert_eq!(harness.state().data.history, history);
    assert_eq!(harness.state().data.redo, None);
}

/// Regression: Esc in a rename field, or with a menu, the export dialog or a face's menu on a
/// photo open, closed it and also left the page; it closes what is open only, and the next
/// Esc goes back.
#[test]
fn esc_closes_what_is_open_over_the_page_before_going_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, library, found) = app_with_zoe_anna_and_mark(dir.path());
    let zoe = found[0].id;
    harness.state_mut().open_person(zoe);
    settle(&mut harness);

    // Esc in a text field leaves the field: a rename is called off, the page stays.
    click(&mut harness, "Rename");
    harness.get_by_label("Name").type_text("Zed");
    harness.step();
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(zoe));
    assert!(
        harness.query_by_label("Name").is_none(),
        "the rename is called off"
    );
    assert_eq!(named(&library, "Zoe").id, zoe);

    click(&mut harness, "Undo history");
    assert!(egui::Popup::is_any_open(&harness.ctx));
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert!(!egui::Popup::is_any_open(&harness.ctx));
    assert_eq!(harness.state().view, View::Person(zoe));

    click(&mut harness, "Export album…");
    assert!(harness.state().export_dialog.is_some());
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert!(harness.state().export_dialog.is_none());
    assert_eq!(harness.state().view, View::Person(zoe));

    let photo = faces_of(&library, zoe)[0].photo;
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    click(&mut harness, "Face of Zoe");
    assert!(harness.state().photo_view.editing.is_some());
    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert!(harness.state().photo_view.editing.is_none());
    assert!(matches!(harness.state().view, View::Photo { photo: p, .. } if p == photo));

    press(&mut harness, egui::Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(zoe));
}

/// An unnamed group's faces are all suggestions: its album takes them from the start (it was
/// empty: "0 photos"); a named person's takes only the faces confirmed, unless asked.
#[test]
fn an_unnamed_groups_album_takes_its_suggested_faces() {
    let dir = tempfile::tempdir().unwrap();
    let library = library_scanned_in_app(dir.path());
    let mut harness = app_on(&library);
    settle(&mut harness);
    let first = people(&library)[0].clone();
    assert_eq!(first.confirmed, 0);
    harness.state_mut().open_person(first.id);
    settle(&mut harness);
    click(&mut harness, "Export album…");
    assert!(
        harness
            .state()
            .export_dialog
            .as_ref()
            .unwrap()
            .include_suggested
    );
    click(&mut harness, "Preview");
    settle(&mut harness);
    let preview = harness
        .state()
        .export_dialog
        .as_ref()
        .unwrap()
        .preview
        .clone();
    let preview = preview.expect("a preview").expect("a plan");
    assert!(
        preview.starts_with(&format!("{} photos", first.photos)),
        "{preview}"
    );

    press(&mut harness, egui::Key::Escape);
    name_person(&mut harness, first.id, "Zoe");
    click(&mut harness, "Export album…");
    assert!(
        !harness
            .state()
            .export_dialog
            .as_ref()
            .unwrap()
            .include_suggested
    );
}

/// Ctrl+F from any page, a few letters, Enter: the first person whose name has them opens.
#[test]
fn ctrl_f_a_few_letters_and_enter_open_that_person() {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _library, found) = app_with_zoe_anna_and_mark(dir.path());
    harness.state_mut().open_person(found[0].id);
    settle(&mut harness);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::People);
    harness.get_by_label("Filter by name").type_text("MAR");
    harness.step();
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Person(found[2].id));

    // With no one matching, Enter stays on People.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    settle(&mut harness);
    harness.get_by_label("Filter by name").type_text("Nobody");
    harness.step();
    press(&mut harness, egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::People);
}

/// A photo stored sideways (no orientation recorded): turned left on its page, its faces are
/// found and shown upright; "]" turns it back, its faces staying as they are, none twice.
#[test]
fn a_photo_stored_sideways_is_turned_on_its_page_and_its_faces_found() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let pair = common::laura_and_tony();
    image::imageops::rotate90(&pair)
        .save(photos.join("scanned print.png"))
        .unwrap();
    let (mut harness, library) = app_with_folder_added(dir.path(), &photos);
    let photo = Store::open(&library).unwrap().photos().unwrap()[0].id;
    harness.state_mut().open_photo(photo);
    settle(&mut harness);
    let sideways = harness.query_all_by_label_contains("Face of").count();
    assert!(sideways < 2, "{sideways} faces found on the sideways photo");

    click(&mut harness, "Turn left");
    settle(&mut harness);
    harness.get_by_label_contains("Photo turned left — found");
    harness.get_by_label("turned left in Kindred");
    let upright = harness.query_all_by_label_contains("Face of").count();
    assert!(upright >= 2, "{upright} faces on the photo turned upright");
    let store = Store::open(&library).unwrap();
    let record = store.photo(photo).unwrap().unwrap();
    assert_eq!(record.turn, kindred::library::turn::Turn::LEFT);
    assert_eq!(
        (record.width, record.height),
        (Some(pair.width()), Some(pair.height()))
    );
    assert_eq!(store.faces_of_photo(photo).unwrap().len(), upright);

    // Turned back with the key: the same faces, moved with it.
    press(&mut harness, egui::Key::CloseBracket);
    settle(&mut harness);
    harness.get_by_label_contains("Photo back as its file shows it — no new face on it");
    assert!(harness.query_by_label_contains("in Kindred").is_none());
    let faces = |library: &Path| Store::open(library).unwrap().faces_of_photo(photo).unwrap();
    assert_eq!(faces(&library).len(), upright);

    // Ctrl+Z undoes the turns, the last first: the photo as it was before each, exactly.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    harness.get_by_label_contains("Undone: turned “scanned print.png” right");
    harness.get_by_label("turned left in Kindred");
    assert_eq!(
        harness.query_all_by_label_contains("Face of").count(),
        upright
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness);
    harness.get_by_label_contains("Undone: turned “scanned print.png” left");
    assert!(harness.query_by_label_contains("in Kindred").is_none());
    assert_eq!(
        harness.query_all_by_label_contains("Face of").count(),
        sideways
    );
    assert_eq!(faces(&library).len(), sideways);
    let record = Store::open(&library)
        .unwrap()
        .photo(photo)
        .unwrap()
        .unwrap();
    assert_eq!(record.turn, kindred::library::turn::Turn::NONE);
}
