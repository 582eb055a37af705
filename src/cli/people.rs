//! People from the terminal: list, name, merge, split, move, reject, ignore, hide, undo, redo,
//! suggestions, re-cluster; `eval cluster` (quality against labels) and `bench cluster`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use super::ClusterMethod;
use super::library::{open_existing, open_to_change};
use crate::engine::geometry::Rect;
use crate::engine::resnet::Descriptor;
use crate::library::store::{PhotoRecord, Store};
use crate::people::eval;
use crate::people::matching::{self, ClusterOptions, Method};
use crate::people::ops::{self, FaceId, PersonId};

/// Clustering options from the command line; the threshold's default depends on the method.
pub fn cluster_options(method: ClusterMethod, threshold: Option<f32>) -> ClusterOptions {
    let base = match method {
        ClusterMethod::Agglomerative => ClusterOptions::default(),
        ClusterMethod::ChineseWhispers => ClusterOptions::chinese_whispers(),
    };
    ClusterOptions {
        threshold: threshold.unwrap_or(base.threshold),
        ..base
    }
}

/// Opens the library for a change, runs it, prints what happened and what undo would do.
fn change(
    library: &Path,
    f: impl FnOnce(&mut Store) -> Result<String, ops::PeopleError>,
) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let message = f(&mut store)?;
    outln!("{message}");
    Ok(ExitCode::SUCCESS)
}

/// Makes a correction with `f`, and says what it did as the log says it.
fn correct<T>(
    library: &Path,
    f: impl FnOnce(&mut Store) -> Result<T, ops::PeopleError>,
) -> anyhow::Result<ExitCode> {
    change(library, |s| {
        let head = ops::log_head(s)?;
        f(s)?;
        said(s, head)
    })
}

/// What the correction made since the log ended at `head` did.
fn said(store: &Store, head: Option<i64>) -> Result<String, ops::PeopleError> {
    Ok(ops::logged_since(store, head)?
        .unwrap_or_else(|| "nothing to change: it was so already".into()))
}

fn state_str(s: ops::FaceState) -> &'static str {
    s.as_str()
}

pub fn list_people(library: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let people = ops::people(&store)?;
    if json {
        let value: Vec<_> = people
            .iter()
            .map(|p| {
                json!({
                    "id": p.id,
                    "name": p.name,
                    "faces": p.faces,
                    "confirmed": p.confirmed,
                    "photos": p.photos,
                    "hidden": p.hidden,
                    "key_face": p.key_face,
                })
            })
            .collect();
        outln!("{}", serde_json::Value::Array(value));
    } else {
        outln!(
            "{:>6}  {:<24} {:>6} {:>6} {:>9}",
            "id",
            "name",
            "faces",
            "photos",
            "confirmed"
        );
        for p in &people {
            outln!(
                "{:>6}  {:<24} {:>6} {:>6} {:>9}{}",
                p.id,
                p.name.as_deref().unwrap_or("(unnamed)"),
                p.faces,
                p.photos,
                p.confirmed,
                if p.hidden { "  hidden" } else { "" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn rect_json(r: &Rect) -> serde_json::Value {
    json!(r.to_array())
}

/// Which faces `kindred faces` lists.
pub enum WhichFaces {
    OfPerson(PersonId, ops::FaceOrder),
    Ignored,
}

pub fn faces(library: &Path, which: WhichFaces, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let faces = match which {
        WhichFaces::OfPerson(person, order) => {
            ops::faces_of_person_in_order(&store, person, order)?
        }
        WhichFaces::Ignored => ops::ignored_faces(&store)?,
    };
    if json {
        // "rect" is on the photo as Kindred shows it: turned from its file as the user asked.
        let mut turns: HashMap<ops::PhotoId, u8> = HashMap::new();
        let mut value = Vec::with_capacity(faces.len());
        for f in &faces {
            let turn = match turns.get(&f.photo) {
                Some(&turn) => turn,
                None => {
                    let turn = store.photo(f.photo)?.map_or(0, |p| p.turn.quarters());
                    turns.insert(f.photo, turn);
                    turn
                }
            };
            value.push(json!({
                "id": f.face,
                "photo": f.photo,
                "path": f.path.display().to_string(),
                "state": state_str(f.state),
                "rect": rect_json(&f.rect),
                "distance": f.distance,
                "turn": turn,
            }));
        }
        outln!("{}", serde_json::Value::Array(value));
    } else {
        for f in &faces {
            outln!(
                "{:>8}  {:<10} {:?}  {}",
                f.face,
                state_str(f.state),
                f.rect.to_array(),
                f.path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn name(library: &Path, id: PersonId, name: &str) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::name_person(s, id, name))
}

pub fn merge(library: &Path, from: &[PersonId], into: PersonId) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::merge(s, from, into))
}

pub fn split(library: &Path, faces: &[FaceId], name: Option<&str>) -> anyhow::Result<ExitCode> {
    change(library, |s| {
        let head = ops::log_head(s)?;
        let id = ops::split(s, faces, name)?;
        Ok(format!("{} (person {id})", said(s, head)?))
    })
}

pub fn move_faces(library: &Path, faces: &[FaceId], to: PersonId) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::move_faces(s, faces, to))
}

pub fn reject(
    library: &Path,
    faces: &[FaceId],
    from: Option<PersonId>,
) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::reject(s, faces, from))
}

pub fn ignore(library: &Path, faces: &[FaceId]) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::ignore(s, faces))
}

pub fn unignore(library: &Path, faces: &[FaceId]) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::unignore(s, faces))
}

/// The library's record of the photo at `path` (as given, or with links and `..` resolved).
fn photo_in_library(store: &Store, path: &Path) -> anyhow::Result<PhotoRecord> {
    let canonical = dunce::canonicalize(path).unwrap_or(path.to_path_buf());
    store
        .photo_by_path(&canonical)?
        .or(store.photo_by_path(path)?)
        .with_context(|| format!("{} is not in the library", path.display()))
}

/// The library's records of `photos` (all of them, or an error naming the one it lacks), and
/// the face models to look at them with.
fn photos_to_look_at(
    store: &Store,
    photos: &[PathBuf],
) -> anyhow::Result<(Vec<PhotoRecord>, crate::engine::pipeline::FaceEngine)> {
    let records = photos
        .iter()
        .map(|p| photo_in_library(store, p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let engine =
        crate::engine::pipeline::FaceEngine::load().context("cannot load the face models")?;
    Ok((records, engine))
}

/// `kindred look-closer`: faces too small for the scan, looked for again and added; one
/// correction for all the photos named, as in the app.
pub fn look_closer(library: &Path, photos: &[PathBuf], json: bool) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let (records, engine) = photos_to_look_at(&store, photos)?;
    // Closer than the library's scans look, whatever they were set to.
    let options = crate::library::scan::ScanOptions::of_library(&store)?.unwrap_or_default();
    let mut report = Vec::new();
    let mut adding = ops::FacesBeingAdded::default();
    let looked = records.iter().try_for_each(|record| -> anyhow::Result<()> {
        let found =
            crate::library::scan::faces_found_closer_in(&mut store, &engine, record, options)?;
        let added = adding.add(&mut store, record.id, &found)?;
        if !json {
            outln!(
                "{}: {}",
                record.path.display(),
                match added.len() {
                    0 => "no more faces".to_string(),
                    n => format!("{} added", crate::text::count(n, "more face", "more faces")),
                }
            );
        }
        report.push(
            json!({"photo": record.id, "path": record.path.display().to_string(), "added": added}),
        );
        Ok(())
    });
    match_even_after(&mut store, looked, &report, json)?;
    match_and_report(&mut store, report, json)
}

/// The faces added to the photos done before one that failed are matched all the same, not
/// left in no person until the next scan; with --json the photos done are printed (a script
/// learns what changed, which `kindred undo` takes back); then the failure is told.
fn match_even_after(
    store: &mut Store,
    done: anyhow::Result<()>,
    report: &[serde_json::Value],
    json: bool,
) -> anyhow::Result<()> {
    if done.is_err() {
        ops::match_new_faces(store)?;
        if json {
            outln!("{}", serde_json::Value::Array(report.to_vec()));
        }
    }
    done
}

/// Matches the faces just added like new ones; prints the per-photo `report` with --json, else
/// what matching did.
fn match_and_report(
    store: &mut Store,
    report: Vec<serde_json::Value>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let matched = ops::match_new_faces(store)?;
    if json {
        outln!("{}", serde_json::Value::Array(report));
    } else {
        say_matched(&matched)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What matching the faces just added did, in a line (nothing when none were added).
pub(super) fn say_matched(matched: &ops::MatchReport) -> anyhow::Result<()> {
    if matched.faces > 0 {
        outln!(
            "{}: {} suggested for named people, {} joined unnamed clusters, {}",
            crate::text::count(matched.faces, "new face", "new faces"),
            matched.suggested,
            matched.joined,
            crate::text::count(matched.new_clusters, "new cluster", "new clusters")
        );
    }
    Ok(())
}

/// `kindred turn`: photos stored sideways turned, their faces moved with them and looked for;
/// one correction for all the photos named, as in the app.
pub fn turn(
    library: &Path,
    by: crate::library::turn::Turn,
    photos: &[PathBuf],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let (records, engine) = photos_to_look_at(&store, photos)?;
    // A turned photo's faces are found as the library's scans find them.
    let options = crate::library::scan::ScanOptions::of_library(&store)?.unwrap_or_default();
    let mut report = Vec::new();
    let mut turning = ops::TurnsBeingMade::default();
    let turned_all = records.iter().try_for_each(|record| -> anyhow::Result<()> {
        // Identical copies turn together: one named after its copy has turned already.
        if turning.has_turned(record.id) {
            return Ok(());
        }
        let plan = crate::library::scan::plan_turn(&store, &engine, record, by, options)
            .with_context(|| format!("cannot turn {}", record.path.display()))?;
        let turned = turning
            .turn(&mut store, &plan)
            .with_context(|| format!("cannot turn {}", record.path.display()))?;
        if !json {
            outln!(
                "{}: {}, {}",
                record.path.display(),
                turned.turn.in_words(),
                match turned.found.len() {
                    0 => "no new face on it".to_string(),
                    n => format!("{} found", crate::text::count(n, "face", "faces")),
                }
            );
        }
        report.push(json!({
            "photo": record.id,
            "path": record.path.display().to_string(),
            "turn": turned.turn.quarters(),
            "added": turned.found,
        }));
        Ok(())
    });
    match_even_after(&mut store, turned_all, &report, json)?;
    match_and_report(&mut store, report, json)
}

/// `kindred add-face`: a face drawn on a photo of the library, matched or named.
pub fn add_face(
    library: &Path,
    photo: &Path,
    drawn: Rect,
    name: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    // A name that cannot be given is refused before the face is added.
    let name = name.map(ops::clean_name).transpose()?;
    let (mut store, _lock) = open_to_change(library)?;
    let record = photo_in_library(&store, photo)?;
    let engine =
        crate::engine::pipeline::FaceEngine::load().context("cannot load the face models")?;
    let face = crate::library::scan::face_drawn_on_file(&engine, &record.path, record.turn, drawn)
        .with_context(|| format!("cannot add a face to {}", record.path.display()))?;
    let found_by_detector = face.confidence > crate::engine::pipeline::HAND_BOX_MIN_SCORE;
    let id = ops::add_face(&mut store, record.id, &face)?;
    match name {
        Some(name) => {
            ops::give_to_name(&mut store, &[id], &name)?;
        }
        None => {
            ops::match_new_faces(&mut store)?;
        }
    }
    let assignment = store
        .assignment(id)?
        .context("the new face is gone from the library")?;
    let person_name = match assignment.person {
        Some(p) => ops::person(&store, p)?.name,
        None => None,
    };
    let r = face.rect;
    if json {
        outln!(
            "{}",
            json!({
                "id": id,
                "photo": record.id,
                "path": record.path.display().to_string(),
                "rect": [r.left, r.top, r.right, r.bottom],
                "found_by_detector": found_by_detector,
                "person": assignment.person,
                "name": person_name,
                "state": state_str(assignment.state),
            })
        );
    } else {
        let whose = match (&person_name, assignment.state, assignment.person) {
            (Some(n), ops::FaceState::Confirmed, _) => format!("it is {n}"),
            (Some(n), _, _) => format!("it may be {n}"),
            (None, _, Some(p)) => format!("with the unnamed person {p}"),
            (None, _, None) => "nobody yet".into(),
        };
        let how = if found_by_detector {
            "the detector found the face in the box"
        } else {
            "the detector sees no face there, so the box is taken as drawn"
        };
        outln!(
            "added face {id} at [{}, {}, {}, {}] in {} ({how}); {whose}",
            r.left,
            r.top,
            r.right,
            r.bottom,
            record.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn remove_face(library: &Path, face: FaceId) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::remove_face(s, face))
}

pub fn hide(library: &Path, ids: &[PersonId], hidden: bool) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::set_hidden_all(s, ids, hidden))
}

pub fn key_face(library: &Path, id: PersonId, face: FaceId) -> anyhow::Result<ExitCode> {
    correct(library, |s| ops::set_key_face(s, id, face))
}

pub fn undo(library: &Path, n: usize) -> anyhow::Result<ExitCode> {
    change(library, |s| {
        let done = ops::undo(s, n)?;
        Ok(done
            .iter()
            .map(|d| format!("undid: {d}"))
            .collect::<Vec<_>>()
            .join("\n"))
    })
}

/// `kindred history`: what `kindred undo` would take back, newest first, and what `kindred
/// redo` would bring back, next first.
pub fn history(library: &Path, n: usize, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let to_undo = ops::recent_corrections(&store, n)?;
    let to_redo = ops::redoable_corrections(&store, n)?;
    if json {
        outln!("{}", json!({"undo": to_undo, "redo": to_redo}));
        return Ok(ExitCode::SUCCESS);
    }
    for (heading, list, none) in [
        ("to undo, newest first", &to_undo, "nothing to undo"),
        ("to redo, next first", &to_redo, "nothing to redo"),
    ] {
        if list.is_empty() {
            outln!("{none}");
            continue;
        }
        outln!("{heading}:");
        for (i, description) in list.iter().enumerate() {
            outln!("{:>4}. {description}", i + 1);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn redo(library: &Path, n: usize) -> anyhow::Result<ExitCode> {
    change(library, |s| {
        let done = ops::redo(s, n)?;
        Ok(done
            .iter()
            .map(|d| format!("redid: {d}"))
            .collect::<Vec<_>>()
            .join("\n"))
    })
}

/// A person's suggestions, or with no person everyone's.
pub fn suggestions(
    library: &Path,
    id: Option<PersonId>,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let found = match id {
        Some(id) => ops::suggestions(&store, id, limit)?,
        None => ops::suggestions_for_everyone(&store, limit)?,
    };
    if json {
        let value: Vec<_> = found
            .iter()
            .map(|s| {
                json!({
                    "id": s.face,
                    "photo": s.photo,
                    "path": s.path.display().to_string(),
                    "distance": s.distance,
                    "nearest": s.nearest,
                    "person": s.person,
                    "like_rejected": s.like_rejected,
                })
            })
            .collect();
        outln!("{}", serde_json::Value::Array(value));
    } else {
        for s in &found {
            let person = if id.is_none() {
                format!("person {:>6}  ", s.person)
            } else {
                String::new()
            };
            let like_rejected = s
                .like_rejected
                .map(|f| format!("  (more like face {f}, rejected)"))
                .unwrap_or_default();
            outln!(
                "{:>8}  {person}{:.3}  {}{like_rejected}",
                s.face,
                s.distance,
                s.path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn recluster(
    library: &Path,
    method: ClusterMethod,
    threshold: Option<f32>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let options = cluster_options(method, threshold);
    change(library, |s| {
        let report = ops::recluster(s, &options)?;
        Ok(if json {
            serde_json::to_string(&report).unwrap_or_default()
        } else {
            format!(
                "re-clustered {} faces: {} suggested for named people, {} unnamed clusters, {} changed",
                report.faces, report.suggested, report.clusters, report.changed
            )
        })
    })
}

/// Reads `path<TAB>person` lines (a header line `path<TAB>...` is skipped); relative paths are
/// relative to the labels file.
fn read_labels(file: &Path) -> anyhow::Result<HashMap<PathBuf, String>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut labels = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((path, person)) = line.split_once('\t') else {
            anyhow::bail!("{}:{}: expected path<TAB>person", file.display(), n + 1);
        };
        if n == 0 && path == "path" {
            continue;
        }
        let path = base.join(path);
        let key = dunce::canonicalize(&path).unwrap_or(path);
        labels.insert(key, person.trim().to_string());
    }
    Ok(labels)
}

/// One photo's faces for evaluation: rectangles and descriptors, and the photo's size.
struct EvalPhoto {
    size: (u32, u32),
    faces: Vec<(Rect, Descriptor)>,
}

fn faces_from_library(store: &Store, path: &Path) -> anyhow::Result<Option<EvalPhoto>> {
    let canonical = dunce::canonicalize(path).unwrap_or(path.to_path_buf());
    let Some(photo) = store
        .photo_by_path(&canonical)?
        .or(store.photo_by_path(path)?)
    else {
        return Ok(None);
    };
    let faces = store
        .faces_of_photo(photo.id)?
        .into_iter()
        .map(|f| (f.rect, f.descriptor))
        .collect();
    Ok(Some(EvalPhoto {
        size: (photo.width.unwrap_or(0), photo.height.unwrap_or(0)),
        faces,
    }))
}

/// The photos `eval cluster` was given, in order: a folder stands for every photo a scan of it
/// would find, sorted by path; what the walk could not look at is reported, not fatal.
fn photos_given(args: &[PathBuf]) -> Vec<PathBuf> {
    let mut photos = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            photos.push(arg.clone());
            continue;
        }
        let mut problems = Vec::new();
        let mut found: Vec<PathBuf> = crate::library::walk::walk(arg, &[], &mut problems, || true)
            .into_iter()
            .map(|c| c.path)
            .collect();
        for problem in problems {
            eprintln!("kindred: {}: {}", problem.path.display(), problem.reason);
        }
        found.sort();
        photos.extend(found);
    }
    photos
}

#[allow(clippy::too_many_arguments)]
pub fn eval_cluster(
    library: &Path,
    labels_file: &Path,
    photos: &[PathBuf],
    method: ClusterMethod,
    threshold: Option<f32>,
    cap: Option<f32>,
    neighbours: Option<usize>,
    upsample: u32,
    from_library: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let labels = read_labels(labels_file)?;
    let photos = &photos_given(photos);
    anyhow::ensure!(
        !photos.is_empty(),
        "no photos to evaluate: the folders given hold none"
    );
    let mut options = cluster_options(method, threshold);
    if let Some(cap) = cap {
        options.cap = cap;
    }
    if let Some(neighbours) = neighbours {
        options.neighbours = neighbours;
    }
    let mut evaluated: Vec<(usize, EvalPhoto)> = Vec::new();
    let mut failed = 0usize;
    if from_library {
        let store = open_existing(library)?;
        for (i, path) in photos.iter().enumerate() {
            match faces_from_library(&store, path)? {
                Some(p) => evaluated.push((i, p)),
                None => {
                    failed += 1;
                    eprintln!("kindred: {} is not in the library", path.display());
                }
            }
        }
    } else {
        let engine =
            crate::engine::pipeline::FaceEngine::load().context("cannot load the face models")?;
        let analyse = method.analyze_options(upsample);
        use rayon::prelude::*;
        let results: Vec<(usize, anyhow::Result<EvalPhoto>)> = photos
            .par_iter()
            .enumerate()
            .map(|(i, path)| {
                let r = super::analyze::decode_photo(path).map(|image| EvalPhoto {
                    size: (image.width(), image.height()),
                    faces: engine
                        .analyze(&image, analyse)
                        .into_iter()
                        .map(|f| (f.rect, f.descriptor))
                        .collect(),
                });
                (i, r)
            })
            .collect();
        for (i, r) in results {
            match r {
                Ok(p) => evaluated.push((i, p)),
                Err(e) => {
                    failed += 1;
                    eprintln!("kindred: skipping {}: {e:#}", photos[i].display());
                }
            }
        }
    }
    // Every face is clustered; a labelled photo's label goes to its face nearest the centre
    // (the subject), other faces in it are bystanders and are not scored.
    let mut descriptors = Vec::new();
    let mut truth: Vec<Option<&String>> = Vec::new();
    let mut without_faces = 0usize;
    let mut unlabelled_photos = 0usize;
    for (i, photo) in &evaluated {
        let path = &photos[*i];
        let key = dunce::canonicalize(path).unwrap_or(path.clone());
        let label = labels.get(&key);
        if label.is_none() {
            unlabelled_photos += 1;
        }
        if photo.faces.is_empty() {
            without_faces += 1;
        }
        let (cx, cy) = (f64::from(photo.size.0) / 2.0, f64::from(photo.size.1) / 2.0);
        let subject = photo
            .faces
            .iter()
            .enumerate()
            .min_by(|a, b| {
                let d = |r: &Rect| {
                    let x = (r.left + r.right) as f64 / 2.0 - cx;
                    let y = (r.top + r.bottom) as f64 / 2.0 - cy;
                    x * x + y * y
                };
                d(&a.1.0).total_cmp(&d(&b.1.0))
            })
            .map(|(k, _)| k);
        for (k, (_, d)) in photo.faces.iter().enumerate() {
            descriptors.push(*d);
            truth.push(if Some(k) == subject { label } else { None });
        }
    }
    let t = Instant::now();
    let predicted = matching::cluster(&descriptors, &options);
    let seconds = t.elapsed().as_secs_f64();
    let (p, tr): (Vec<usize>, Vec<&String>) = predicted
        .iter()
        .zip(&truth)
        .filter_map(|(&p, t)| t.map(|t| (p, t)))
        .unzip();
    anyhow::ensure!(
        !p.is_empty(),
        "nothing to score: none of the {} photos is both labelled in {} and has a face \
         ({} unlabelled, {} without faces, {} failed)",
        photos.len(),
        labels_file.display(),
        unlabelled_photos,
        without_faces,
        failed
    );
    let scores = eval::score(&p, &tr);
    let method_name = match options.method {
        Method::Agglomerative => "agglomerative",
        Method::ChineseWhispers => "chinese-whispers",
    };
    if json {
        let mut value = serde_json::to_value(scores)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("method".into(), json!(method_name));
            obj.insert("threshold".into(), json!(options.threshold));
            obj.insert("cap".into(), json!(options.cap));
            obj.insert("all_faces".into(), json!(descriptors.len()));
            obj.insert(
                "all_clusters".into(),
                json!(predicted.iter().max().map_or(0, |m| m + 1)),
            );
            obj.insert("photos".into(), json!(photos.len()));
            obj.insert("photos_without_faces".into(), json!(without_faces));
            obj.insert("photos_unlabelled".into(), json!(unlabelled_photos));
            obj.insert("photos_failed".into(), json!(failed));
            obj.insert("cluster_seconds".into(), json!(seconds));
        }
        outln!("{value}");
    } else {
        outln!(
            "{method_name} threshold {} cap {}: {} photos ({} without faces, {} unlabelled, {} failed), {} faces, {} labelled",
            options.threshold,
            options.cap,
            photos.len(),
            without_faces,
            unlabelled_photos,
            failed,
            descriptors.len(),
            scores.faces
        );
        outln!(
            "clusters {} for {} true people",
            scores.clusters,
            scores.people
        );
        outln!(
            "pairwise precision {:.4} recall {:.4} F1 {:.4}",
            scores.pairwise_precision,
            scores.pairwise_recall,
            scores.pairwise_f1
        );
        outln!(
            "BCubed   precision {:.4} recall {:.4} F1 {:.4}",
            scores.bcubed_precision,
            scores.bcubed_recall,
            scores.bcubed_f1
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `kindred bench cluster`: clustering time for `faces` synthetic faces, and the per-face cost
/// of matching new faces incrementally, in memory and through a library file.
/// New faces matched one at a time in `kindred bench cluster` (the mean is reported).
const SINGLES: usize = 200;

pub fn bench_cluster(
    faces: usize,
    people: usize,
    batch: usize,
    family: bool,
) -> anyhow::Result<ExitCode> {
    let threads = rayon::current_num_threads();
    let shape = if family {
        "family-archive group sizes"
    } else {
        "equal group sizes"
    };
    outln!(
        "kindred {} cluster benchmark: {faces} synthetic faces of {people} people ({shape}), {threads} threads",
        env!("CARGO_PKG_VERSION")
    );
    let (descriptors, truth) = if family {
        let labels = crate::bench::synthetic::family_labels(faces + batch, people, 42);
        (
            crate::bench::synthetic::descriptors(&labels, people, 42),
            labels,
        )
    } else {
        crate::bench::synthetic::faces(faces + batch, people, 42)
    };
    let (known, new) = descriptors.split_at(faces);
    let options = ClusterOptions::default();

    let t = Instant::now();
    let pairs = crate::people::graph::nearest_within(known, options.cap, options.neighbours);
    let search = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let labels = crate::people::agglomerative::agglomerative(
        known.len(),
        &pairs,
        &|i, j| crate::people::graph::distance(&known[i as usize], &known[j as usize]),
        crate::people::agglomerative::Linkage {
            threshold: options.threshold,
            cap: options.cap,
        },
        &crate::people::agglomerative::CannotLink::none(known.len()),
    );
    let merge = t.elapsed().as_secs_f64();
    let scores = eval::score(&labels, &truth[..faces]);
    outln!(
        "cluster {faces} faces: {:.2} s (neighbour search {:.2} s, {} pairs within {} ({} nearest per face); merging {:.2} s); {} clusters, pairwise F1 {:.4}",
        search + merge,
        search,
        pairs.len(),
        options.cap,
        options.neighbours,
        merge,
        scores.clusters,
        scores.pairwise_f1
    );

    // In memory: every known face is a confirmed exemplar of its (named) person.
    let mut exemplars = matching::Exemplars::new(
        known.to_vec(),
        truth[..faces].iter().map(|&p| p as i64).collect(),
    );
    let queries: Vec<matching::Query> = new
        .iter()
        .enumerate()
        .map(|(i, d)| matching::Query {
            descriptor: *d,
            photo: i as i64,
            forbidden: Vec::new(),
        })
        .collect();
    let t = Instant::now();
    let found = matching::suggest(&queries, &exemplars, options.match_threshold);
    let batch_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    for q in queries.iter().take(SINGLES) {
        std::hint::black_box(matching::suggest(
            std::slice::from_ref(q),
            &exemplars,
            options.match_threshold,
        ));
    }
    let single_ms = t.elapsed().as_secs_f64() * 1e3 / queries.len().clamp(1, SINGLES) as f64;
    let right = found
        .iter()
        .zip(&truth[faces..])
        .filter(|&(f, &p)| f.is_some_and(|(q, _)| q == p as i64))
        .count();
    outln!(
        "incremental match against {faces} exemplars (in memory): batch of {batch}: {:.3} ms/face; one face at a time: {:.3} ms/face; {right}/{batch} matched to the right person",
        batch_ms / batch.max(1) as f64,
        single_ms
    );
    let t = Instant::now();
    exemplars.prepare();
    let prepare_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut same = 0;
    for (q, want) in queries.iter().take(SINGLES).zip(&found) {
        let got = matching::suggest(std::slice::from_ref(q), &exemplars, options.match_threshold);
        same += usize::from(got[0] == *want);
    }
    outln!(
        "with the 8-bit index (built once in {prepare_ms:.1} ms): one face at a time: {:.3} ms/face; {same}/{} answers identical to the full-precision scan",
        t.elapsed().as_secs_f64() * 1e3 / queries.len().clamp(1, SINGLES) as f64,
        queries.len().min(SINGLES)
    );

    // Through a library file: the cost a rescan pays, including loading the library.
    let dir = std::env::temp_dir().join(format!("kindred-bench-cluster-{}", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut store = Store::open(&dir.join("bench.kindred"))?;
        let t = Instant::now();
        store_faces(&mut store, known, "known")?;
        outln!("stored {faces} faces in {:.1} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let report = ops::match_new_faces(&mut store)?;
        outln!(
            "first match of the library (cluster everything into unnamed clusters): {:.2} s, {} clusters",
            t.elapsed().as_secs_f64(),
            report.new_clusters
        );
        // Name every cluster so new faces have exemplars to be matched with.
        let t = Instant::now();
        let ids: Vec<PersonId> = ops::people(&store)?.iter().map(|p| p.id).collect();
        store.transaction(|s| -> Result<(), ops::PeopleError> {
            for id in &ids {
                let mut row = s
                    .person_row(*id)?
                    .ok_or(ops::PeopleError::UnknownPerson(*id))?;
                row.name = Some(format!("person {id}"));
                s.update_person(&row)?;
                for a in s.assignments_of_person(*id, &[ops::FaceState::Suggested])? {
                    s.set_assignment(&crate::library::people_store::AssignmentRow {
                        state: ops::FaceState::Confirmed,
                        ..a
                    })?;
                }
            }
            Ok(())
        })?;
        outln!(
            "named and confirmed all {} clusters in {:.1} s",
            ids.len(),
            t.elapsed().as_secs_f64()
        );
        store_faces(&mut store, new, "new")?;
        let t = Instant::now();
        let report = ops::match_new_faces(&mut store)?;
        let elapsed = t.elapsed().as_secs_f64() * 1e3;
        outln!(
            "incremental match of {} new faces in a {faces}-face library (load + match + write): {:.0} ms, {:.3} ms/face; {} suggested, {} joined, {} new clusters",
            report.faces,
            elapsed,
            elapsed / report.faces.max(1) as f64,
            report.suggested,
            report.joined,
            report.new_clusters
        );
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|()| ExitCode::SUCCESS)
}

/// Stores faces as photos of ten faces each.
fn store_faces(store: &mut Store, faces: &[Descriptor], prefix: &str) -> anyhow::Result<()> {
    use crate::library::store::{NewFace, PhotoAnalysis};
    store.in_transaction(|s| {
        for (n, chunk) in faces.chunks(10).enumerate() {
            let faces = chunk
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    NewFace::at(Rect::new(k as i64 * 300, 0, k as i64 * 300 + 200, 200), *d)
                })
                .collect();
            let path = format!("/bench/{prefix}/{n:06}.jpg");
            s.record_analysis_in_tx(&PhotoAnalysis::new(path, 4000, 3000, faces))?;
        }
        Ok(())
    })?;
    Ok(())
}
