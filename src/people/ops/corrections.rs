//! The user's corrections: naming, merging, splitting, moving, rejecting, ignoring, adding
//! and removing faces, hiding, key faces, leaving folders out. Each is one transaction and one
//! entry in the log.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::history::{GrowingEntry, PhotoAsTurned};
use super::{
    Mode, PeopleError, PersonId, Placed, Recorder, UndoRecord, clean_name, describe_faces,
    describe_persons, place, quoted, require_face, require_faces, require_person, to_json,
};
use crate::library::people_store::{AssignmentRow, FaceState, PersonRow};
use crate::library::scan::{PhotoTurned, TurnPlan};
use crate::library::store::{FaceId, NewFace, PhotoId, PhotoStatus, Store, iou};
use crate::library::turn::Turn;
use crate::people::matching::ClusterOptions;

/// Names or renames a person. Naming an unnamed cluster confirms the faces it shows. If
/// another person already has this name, the two are the same person: this one is merged into
/// it, as [`merge`] does (the faces of an unnamed cluster confirmed; a named person's
/// suggestions stay suggestions, still to be reviewed), and its id disappears from [`people`].
pub fn name_person(store: &mut Store, id: PersonId, name: &str) -> Result<(), PeopleError> {
    let name = clean_name(name)?;
    store.transaction(|store| {
        let row = require_person(store, id)?;
        let mut rec = Recorder::default();
        let same_name = person_called(store, &name, Some(id))?;
        let description = if let Some(target) = same_name {
            merge_in_tx(store, &mut rec, &[id], target)?;
            let merged = quoted(&row.name);
            format!("merged person {id}{merged} into person {target} “{name}” (same name)")
        } else {
            if row.name.is_none() {
                for a in store.assignments_of_person(id, &[FaceState::Suggested])? {
                    rec.set_face_known(
                        store,
                        a,
                        AssignmentRow {
                            state: FaceState::Confirmed,
                            ..a
                        },
                    )?;
                }
            }
            let description = match &row.name {
                None => format!("named person {id} “{name}”"),
                Some(old) => format!("renamed person {id} “{old}” to “{name}”"),
            };
            rec.set_person(
                store,
                PersonRow {
                    name: Some(name.clone()),
                    ..row
                },
            )?;
            description
        };
        rec.commit(store, "name", description)
    })
}

/// Merges persons into `into`, which keeps its name and key face. Faces the user saw in an
/// unnamed cluster become confirmed when merged into a named person; rejections of the merged
/// persons now hold for `into`.
pub fn merge(store: &mut Store, from: &[PersonId], into: PersonId) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let mut rec = Recorder::default();
        let merged = describe_persons(store, from)?;
        merge_in_tx(store, &mut rec, from, into)?;
        let into = describe_persons(store, &[into])?;
        rec.commit(store, "merge", format!("merged {merged} into {into}"))
    })
}

fn merge_in_tx(
    store: &mut Store,
    rec: &mut Recorder,
    from: &[PersonId],
    into: PersonId,
) -> Result<(), PeopleError> {
    let into_row = require_person(store, into)?;
    if from.is_empty() {
        return Err(PeopleError::Invalid("no persons to merge".into()));
    }
    let sources: BTreeSet<PersonId> = from.iter().copied().collect();
    for &p in &sources {
        if p == into {
            return Err(PeopleError::Invalid(format!(
                "cannot merge person {p} into itself"
            )));
        }
        require_person(store, p)?;
    }
    let rejected_from_into: HashSet<FaceId> =
        store.rejections_of_person(into)?.into_iter().collect();
    // Faces the merge leaves out of `into`, placed as faces taken out of a person are: left
    // new, they would sit in no person until the next scan matched them.
    let mut freed = HashSet::new();
    for &p in &sources {
        let source_named = require_person(store, p)?.name.is_some();
        for a in store.assignments_of_person(p, &[FaceState::Confirmed, FaceState::Suggested])? {
            let new = if rejected_from_into.contains(&a.face) {
                freed.insert(a.face);
                AssignmentRow {
                    person: None,
                    state: FaceState::Unassigned,
                    distance: None,
                    ..a
                }
            } else {
                let confirm =
                    a.state == FaceState::Confirmed || (!source_named && into_row.name.is_some());
                AssignmentRow {
                    person: Some(into),
                    state: if confirm {
                        FaceState::Confirmed
                    } else {
                        FaceState::Suggested
                    },
                    ..a
                }
            };
            rec.set_face_known(store, a, new)?;
        }
    }
    // Kept, empty, for undo: a name another app gives later leads to `into`.
    for &p in &sources {
        let row = require_person(store, p)?;
        rec.set_person(
            store,
            PersonRow {
                merged_into: Some(into),
                ..row
            },
        )?;
    }
    // Once every face is in: a face of one person merged (confirmed there) that was said not
    // to be another merged with it is judged the same whichever comes first.
    for &p in &sources {
        // "Not p" now means "not into", except for faces the user confirmed as `into`.
        for face in store.rejections_of_person(p)? {
            let a = require_face(store, face)?;
            if a.person == Some(into) && a.state == FaceState::Confirmed {
                continue;
            }
            rec.add_rejection(store, face, into)?;
            if a.person == Some(into) {
                make_new(store, rec, a)?;
                freed.insert(face);
            }
        }
    }
    if !freed.is_empty() {
        place_freed(store, rec, &freed, Mode::Rejected)?;
    }
    Ok(())
}

/// The person `person` was merged into, and the one that one was merged into, and so on,
/// while they are there; `person` itself if it was not merged away.
fn merged_into_at_last(store: &Store, person: PersonId) -> Result<PersonId, PeopleError> {
    let mut at = person;
    let mut seen = HashSet::from([person]);
    while let Some(next) = store.person_row(at)?.and_then(|row| row.merged_into) {
        if store.person_row(next)?.is_none() || !seen.insert(next) {
            break;
        }
        at = next;
    }
    Ok(at)
}

/// The other person already called `name`, letter case aside, that has faces (also in photos
/// on a drive not connected or in a folder left out): naming someone so makes them one.
fn person_called(
    store: &Store,
    name: &str,
    except: Option<PersonId>,
) -> Result<Option<PersonId>, PeopleError> {
    Ok(store
        .persons_named_with_faces(name)?
        .into_iter()
        .find(|&(p, has_faces)| has_faces && Some(p) != except)
        .map(|(p, _)| p))
}

/// Puts the given faces into a new person (confirmed) and returns its id. Given the name of
/// someone already there, the faces are that person's: they are moved to them instead.
pub fn split(
    store: &mut Store,
    faces: &[FaceId],
    name: Option<&str>,
) -> Result<PersonId, PeopleError> {
    let name = name.map(clean_name).transpose()?;
    if let Some(name) = &name
        && let Some(named) = person_called(store, name, None)?
    {
        move_faces(store, faces, named)?;
        return Ok(named);
    }
    store.transaction(|store| {
        let rows = require_faces(store, faces)?;
        let mut rec = Recorder::default();
        let id = rec.new_person(store, name.as_deref())?;
        for a in rows {
            rec.set_face_known(
                store,
                a,
                AssignmentRow {
                    face: a.face,
                    person: Some(id),
                    state: FaceState::Confirmed,
                    distance: None,
                },
            )?;
        }
        let description = format!(
            "split {} into new person {id}{}",
            describe_faces(faces),
            quoted(&name)
        );
        rec.commit(store, "split", description)?;
        Ok(id)
    })
}

/// Moves faces to a person: the user says they are this person (confirmed). A rejection of
/// these faces from `to` is withdrawn, as the user just said the opposite.
pub fn move_faces(store: &mut Store, faces: &[FaceId], to: PersonId) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let target = require_person(store, to)?;
        let rows = require_faces(store, faces)?;
        let mut rec = Recorder::default();
        for a in rows {
            rec.remove_rejection(store, a.face, to)?;
            rec.set_face_known(
                store,
                a,
                AssignmentRow {
                    face: a.face,
                    person: Some(to),
                    state: FaceState::Confirmed,
                    distance: None,
                },
            )?;
        }
        let description = format!(
            "moved {} to person {to}{}",
            describe_faces(faces),
            quoted(&target.name)
        );
        rec.commit(store, "move", description)
    })
}

/// A name another photo app gave a face (an XMP face region over it), to be taken over.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedName {
    pub face: FaceId,
    pub name: String,
}

/// What [`import_names`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Faces now confirmed under the imported name.
    pub faces: usize,
    /// People created for names the library did not have.
    pub new_people: usize,
    /// Faces left as they were because the user had already decided about them in Kindred
    /// (confirmed, ignored, or rejected from the person of that name).
    pub kept: usize,
    /// Faces placed automatically before the names were known, made new again so that the
    /// next matching places them with the names known (see [`import_names`]).
    pub released: usize,
}

/// Whether matching may place this face again: it was put where it is automatically (a
/// suggestion), in a person the user has not hidden or given a key face.
fn placed_automatically(store: &Store, a: &AssignmentRow) -> Result<bool, PeopleError> {
    if a.state != FaceState::Suggested {
        return Ok(false);
    }
    let Some(person) = a.person else {
        return Ok(false);
    };
    Ok(store
        .person_row(person)?
        .is_some_and(|row| !row.hidden && row.key_face.is_none()))
}

/// The face back to "new": in no person, waiting for matching.
pub(super) fn make_new(
    store: &mut Store,
    rec: &mut Recorder,
    a: AssignmentRow,
) -> Result<(), PeopleError> {
    rec.set_face_known(
        store,
        a,
        AssignmentRow {
            person: None,
            state: FaceState::Unassigned,
            distance: None,
            ..a
        },
    )
}

/// Takes over names that other photo apps gave faces, as if the user had named each face
/// here: the face is confirmed in the person of that name (created if the library has none).
/// What the user decided in Kindred wins: a confirmed or ignored face, or one rejected from the
/// person of that name, is left as it is.
///
/// Matching should see the names before it places the other faces, but the app matches while
/// it scans, before the names are read. So when names were taken over, the faces placed
/// automatically so far in `read_from` (the photos whose names were read) and in the unnamed
/// clusters the named faces left are made new again; run
/// [`match_new_faces`](super::match_new_faces) afterwards (every scan does) and the people come
/// out as if the names had been known first. One operation in the log, so Ctrl+Z takes the
/// whole import back; nothing is logged when nothing changed.
pub fn import_names(
    store: &mut Store,
    names: &[ImportedName],
    read_from: &[PhotoId],
) -> Result<ImportReport, PeopleError> {
    if names.is_empty() {
        return Ok(ImportReport::default());
    }
    store.transaction(|store| {
        let mut rec = Recorder::default();
        let mut report = ImportReport::default();
        let mut person_of: HashMap<String, PersonId> = HashMap::new();
        let mut rejected: HashMap<PersonId, HashSet<FaceId>> = HashMap::new();
        let mut left_clusters = BTreeSet::new();
        for ImportedName { face, name } in names {
            let Ok(name) = clean_name(name) else { continue };
            let Some(a) = store.assignment(*face)? else {
                continue;
            };
            if matches!(a.state, FaceState::Confirmed | FaceState::Ignored) {
                report.kept += 1;
                continue;
            }
            let person = match person_of.get(&name) {
                Some(&p) => p,
                None => {
                    let p = match store.persons_named(&name)?.first() {
                        Some(&p) => merged_into_at_last(store, p)?,
                        None => {
                            report.new_people += 1;
                            rec.new_person(store, Some(&name))?
                        }
                    };
                    person_of.insert(name.clone(), p);
                    p
                }
            };
            let rejected_faces = match rejected.entry(person) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(store.rejections_of_person(person)?.into_iter().collect())
                }
            };
            if rejected_faces.contains(face) {
                report.kept += 1;
                continue;
            }
            if let (Some(from), FaceState::Suggested) = (a.person, a.state) {
                left_clusters.insert(from);
            }
            rec.set_face_known(
                store,
                a,
                AssignmentRow {
                    face: *face,
                    person: Some(person),
                    state: FaceState::Confirmed,
                    distance: None,
                },
            )?;
            report.faces += 1;
        }
        if report.faces > 0 {
            let mut provisional = Vec::new();
            for &photo in read_from {
                for face in store.photo_faces(photo)? {
                    provisional.extend(store.assignment(face.face)?);
                }
            }
            for cluster in left_clusters {
                let Some(row) = store.person_row(cluster)? else {
                    continue;
                };
                let faces = store.assignments_of_person(
                    cluster,
                    &[FaceState::Suggested, FaceState::Confirmed],
                )?;
                // Only a cluster that is still all guesswork: no name, nothing confirmed.
                if row.name.is_none() && faces.iter().all(|a| a.state == FaceState::Suggested) {
                    provisional.extend(faces);
                }
            }
            let mut released = HashSet::new();
            for a in provisional {
                if placed_automatically(store, &a)? && released.insert(a.face) {
                    make_new(store, &mut rec, a)?;
                }
            }
            report.released = released.len();
        }
        if report.faces > 0 || report.new_people > 0 {
            let description = format!(
                "took over {} from other apps' face tags",
                match report.faces {
                    1 => "1 face name".to_string(),
                    n => format!("{n} face names"),
                }
            );
            rec.commit(store, "import", description)?;
        }
        Ok(report)
    })
}

/// "Not this person": the faces are never again put in `from` (default: the person each face
/// is in now). They leave it and are placed again at once: suggested for another named person,
/// joined to another cluster, or in a cluster of their own.
pub fn reject(
    store: &mut Store,
    faces: &[FaceId],
    from: Option<PersonId>,
) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let rows = require_faces(store, faces)?;
        if let Some(p) = from {
            require_person(store, p)?;
        }
        let mut rec = Recorder::default();
        let mut freed = Vec::new();
        let mut persons = BTreeSet::new();
        for a in rows {
            let Some(p) = from.or(a.person) else {
                return Err(PeopleError::Invalid(format!(
                    "face {} is in no person; say which person it is not",
                    a.face
                )));
            };
            persons.insert(p);
            rec.add_rejection(store, a.face, p)?;
            if a.person == Some(p) {
                make_new(store, &mut rec, a)?;
                freed.push(a.face);
            }
        }
        if !freed.is_empty() {
            place_freed(
                store,
                &mut rec,
                &freed.into_iter().collect(),
                Mode::Rejected,
            )?;
        }
        let persons: Vec<PersonId> = persons.into_iter().collect();
        let mut any_named = false;
        for &p in &persons {
            any_named |= require_person(store, p)?.name.is_some();
        }
        // "Not Anna" says who the face is not; of a group with no name, what was done to it.
        let (faces, persons) = (describe_faces(faces), describe_persons(store, &persons)?);
        let description = if any_named {
            format!("marked {faces} as not {persons}")
        } else {
            format!("took {faces} out of {persons}")
        };
        rec.commit(store, "reject", description)
    })
}

/// Places faces the user just freed (taken out of a person, or no longer ignored), as
/// matching would new ones in `mode`.
fn place_freed(
    store: &mut Store,
    rec: &mut Recorder,
    freed: &HashSet<FaceId>,
    mode: Mode,
) -> Result<Placed, PeopleError> {
    let rows = store.match_rows()?;
    let targets: Vec<usize> = (0..rows.len())
        .filter(|&i| freed.contains(&rows[i].face))
        .collect();
    place(
        store,
        rec,
        &rows,
        &targets,
        &ClusterOptions::default(),
        mode,
    )
}

/// Gives faces to the person called `name` (in any letter case), confirmed; to a new person
/// of that name if no one has it. Returns the person.
pub fn give_to_name(
    store: &mut Store,
    faces: &[FaceId],
    name: &str,
) -> Result<PersonId, PeopleError> {
    split(store, faces, Some(name))
}

/// A face the user drew where the detector saw none (from
/// [`crate::library::scan::face_drawn_on`]), added to an analysed photo; it belongs to no one
/// until named or matched. Undoing deletes it. A face drawn over one already there is refused.
pub fn add_face(store: &mut Store, photo: PhotoId, face: &NewFace) -> Result<FaceId, PeopleError> {
    let added = add_faces(store, photo, std::slice::from_ref(face))?;
    Ok(added[0])
}

/// Faces the user asked for that the scan had not found (drawn, or found on a closer look:
/// [`crate::library::scan::faces_found_closer`]), added to an analysed photo as one
/// operation; they belong to no one until named or matched. Undoing deletes them. A face over
/// one already there is refused, and then none is added.
pub fn add_faces(
    store: &mut Store,
    photo: PhotoId,
    faces: &[NewFace],
) -> Result<Vec<FaceId>, PeopleError> {
    if faces.is_empty() {
        return Ok(Vec::new());
    }
    store.transaction(|store| {
        let inserted = insert_asked_faces(store, photo, faces)?;
        let description = match inserted.added.len() {
            1 => format!("added a face to “{}”", inserted.file),
            n => format!("added {n} faces to “{}”", inserted.file),
        };
        record_added_faces(store, &inserted.all(), description)?;
        Ok(inserted.added)
    })
}

/// Faces the user asked for in many photos (a closer look at a folder's photos without a
/// face), undone together as one operation: each photo's faces are stored at once, with
/// their part of the log entry (see [`GrowingEntry`]).
#[derive(Debug, Default)]
pub struct FacesBeingAdded {
    entry: GrowingEntry,
    /// How many faces were asked for in the entry so far, in how many photos, and the first
    /// photo's file name.
    faces: usize,
    photos: usize,
    first_name: String,
}

impl FacesBeingAdded {
    /// Stores `faces` in `photo` (see [`add_faces`]); returns the faces added to it.
    pub fn add(
        &mut self,
        store: &mut Store,
        photo: PhotoId,
        faces: &[NewFace],
    ) -> Result<Vec<FaceId>, PeopleError> {
        if faces.is_empty() {
            return Ok(Vec::new());
        }
        let (grown, added) = store.transaction(|store| {
            let inserted = insert_asked_faces(store, photo, faces)?;
            let part = UndoRecord {
                added_faces: inserted.all(),
                ..Default::default()
            };
            let mut grown = FacesBeingAdded {
                entry: self.entry,
                faces: self.faces + faces.len(),
                photos: self.photos + 1,
                first_name: self.first_name.clone(),
            };
            if !grown.entry.grow(store, "add_face", &part)? {
                grown.faces = faces.len();
                grown.photos = 1;
                grown.first_name = inserted.file;
            }
            let to = match grown.photos {
                1 => format!("“{}”", grown.first_name),
                n => crate::text::count(n, "photo", "photos"),
            };
            let what = crate::text::count(grown.faces, "face", "faces");
            grown
                .entry
                .describe(store, format!("added {what} to {to}"))?;
            Ok::<_, PeopleError>((grown, inserted.added))
        })?;
        *self = grown;
        Ok(added)
    }
}

/// Faces just stored for a photo at the user's asking.
struct AskedFaces {
    /// The photo's file name.
    file: String,
    added: Vec<FaceId>,
    /// The same faces in the photo's identical copies.
    twins: Vec<FaceId>,
}

impl AskedFaces {
    fn all(&self) -> Vec<FaceId> {
        [self.added.as_slice(), &self.twins].concat()
    }
}

/// Inserts faces the user asked for into an analysed photo, refusing one over a face already
/// there, and into each identical copy of it, as the scan would have (a copy with a face
/// there already keeps its own). The caller holds a transaction.
fn insert_asked_faces(
    store: &mut Store,
    photo: PhotoId,
    faces: &[NewFace],
) -> Result<AskedFaces, PeopleError> {
    let record = store
        .photo(photo)?
        .ok_or(PeopleError::UnknownPhoto(photo))?;
    if record.status != PhotoStatus::Done {
        return Err(PeopleError::Invalid(format!(
            "{} is not analysed: faces can be added once it is",
            record.path.display()
        )));
    }
    let mut added = Vec::with_capacity(faces.len());
    for face in faces {
        if let Some(there) = store
            .faces_of_photo(photo)?
            .into_iter()
            .find(|f| iou(&f.rect, &face.rect) >= 0.5)
        {
            return Err(PeopleError::Invalid(format!(
                "that face is already in the photo (face {})",
                there.id
            )));
        }
        added.push(store.add_face_in_tx(photo, face)?);
    }
    let mut twins = Vec::new();
    for copy in store.copies_of(photo)? {
        for face in faces {
            let there = store.faces_of_photo(copy)?;
            if !there.iter().any(|f| iou(&f.rect, &face.rect) >= 0.5) {
                twins.push(store.add_face_in_tx(copy, face)?);
            }
        }
    }
    let file = record
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok(AskedFaces { file, added, twins })
}

/// Logs faces just added as one operation, which undo deletes.
fn record_added_faces(
    store: &mut Store,
    added: &[FaceId],
    description: String,
) -> Result<(), PeopleError> {
    let mut rec = Recorder::default();
    rec.undo.added_faces = added.to_vec();
    rec.commit(store, "add_face", description)
}

/// Turns a photo (and its identical copies) as [`crate::library::scan::plan_turn`] worked
/// out, as one correction: its faces move, those found again take the new detection, the faces
/// it lacked are added (to be matched: run [`super::match_new_faces`]). Ctrl+Z puts the photo
/// back exactly as it was — its faces where they were, as they were, the added ones taken
/// away — rather than turning it back, which would look for faces anew.
pub fn turn_photo(store: &mut Store, plan: &TurnPlan) -> Result<PhotoTurned, PeopleError> {
    TurnsBeingMade::default().turn(store, plan)
}

/// Photos turned one after another (a folder of prints scanned sideways), undone together as
/// one operation, as [`FacesBeingAdded`] does for faces: each photo is stored turned at once,
/// with its part of the log entry (see [`GrowingEntry`]).
#[derive(Debug, Default)]
pub struct TurnsBeingMade {
    entry: GrowingEntry,
    /// The photos asked for in the entry so far, the first one's file name, and which way.
    photos: usize,
    first_name: String,
    by: Turn,
    /// Every photo turned so far, identical copies included.
    turned: HashSet<PhotoId>,
}

impl TurnsBeingMade {
    /// Whether `photo` was turned already, with a copy of it or named twice: it is not to be
    /// turned again.
    pub fn has_turned(&self, photo: PhotoId) -> bool {
        self.turned.contains(&photo)
    }

    /// Stores the photo of `plan` turned (see [`turn_photo`]).
    pub fn turn(&mut self, store: &mut Store, plan: &TurnPlan) -> Result<PhotoTurned, PeopleError> {
        let Some(record) = store.photo(plan.photo)? else {
            return Err(PeopleError::UnknownPhoto(plan.photo));
        };
        let name = record
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ((entry, photos, first_name), turned) = store.transaction(|store| {
            let mut turned = PhotoTurned {
                turn: plan.turn,
                found: Vec::new(),
                photos: Vec::new(),
                moved: Vec::new(),
                rematched: Vec::new(),
            };
            let mut rec = Recorder::default();
            for photo in &plan.photos {
                let moved = photo.moved.iter().map(|m| m.id);
                let Some(before) = PhotoAsTurned::read(store, photo.photo, moved)? else {
                    return Err(PeopleError::UnknownPhoto(photo.photo));
                };
                rec.undo.turned_photos.push(before);
                let added = store.turn_photo_in_tx(
                    photo.photo,
                    plan.turn,
                    plan.size,
                    &photo.moved,
                    &photo.found,
                )?;
                rec.undo.added_faces.extend(&added);
                // A face found again is described anew: where matching put it by its old
                // description (found sideways, most often with the other sideways faces), it
                // is matched again. What the user said of a face stays.
                for &face in &photo.found_again {
                    if let Some(a) = store.assignment(face)?
                        && a.state == FaceState::Suggested
                    {
                        make_new(store, &mut rec, a)?;
                        turned.rematched.push(face);
                    }
                }
                turned.photos.push(photo.photo);
                turned.moved.extend(photo.moved.iter().map(|m| m.id));
                if photo.photo == plan.photo {
                    turned.found = added;
                }
            }
            let mut entry = self.entry;
            let (photos, first_name) = if entry.grow(store, "turn", &rec.undo)? {
                (self.photos + 1, self.first_name.clone())
            } else {
                (1, name)
            };
            entry.describe(store, turns_described(photos, &first_name, plan.by))?;
            Ok(((entry, photos, first_name), turned))
        })?;
        self.entry = entry;
        self.photos = photos;
        self.first_name = first_name;
        self.by = plan.by;
        self.turned.extend(&turned.photos);
        Ok(turned)
    }
}

/// A batch of turns in the log's words.
fn turns_described(photos: usize, first_name: &str, by: Turn) -> String {
    let how = match by.quarters() {
        1 => "right",
        2 => "upside down",
        _ => "left",
    };
    let what = match photos {
        1 => format!("“{first_name}”"),
        n => crate::text::count(n, "photo", "photos"),
    };
    format!("turned {what} {how}")
}

/// Takes away a face the user added (drawn, found on a closer look, tagged in another app)
/// that is no face after all; undoing puts it back as it was, with its person. A face the
/// scan found is refused: the next scan would find it again, so it is ignored instead.
pub fn remove_face(store: &mut Store, face: FaceId) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let record = store.face(face)?.ok_or(PeopleError::UnknownFace(face))?;
        if !record.by_hand {
            return Err(PeopleError::Invalid(format!(
                "face {face} was found by the scan, which would find it again: ignore it instead"
            )));
        }
        // The same face added to an identical copy goes with it.
        let twins = store.twins_of(face)?;
        let mut rec = Recorder::default();
        rec.take_face(store, face)?;
        for twin in twins {
            if store.face(twin)?.is_some_and(|t| t.by_hand) {
                rec.take_face(store, twin)?;
            }
        }
        rec.commit(store, "remove_face", format!("removed face {face}"))
    })
}

/// Ignored faces back among the faces to place: each is matched like a new face (suggested
/// for the named person it is like, or joining or starting an unnamed group). Faces not
/// ignored are left as they are.
pub fn unignore(store: &mut Store, faces: &[FaceId]) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let rows = require_faces(store, faces)?;
        let mut rec = Recorder::default();
        let mut freed = HashSet::new();
        for a in rows {
            if a.state == FaceState::Ignored {
                make_new(store, &mut rec, a)?;
                freed.insert(a.face);
            }
        }
        if freed.is_empty() {
            return Err(PeopleError::Invalid(format!(
                "{} not ignored",
                match faces {
                    [one] => format!("face {one} is"),
                    _ => "these faces are".into(),
                }
            )));
        }
        place_freed(store, &mut rec, &freed, Mode::Incremental)?;
        rec.commit(
            store,
            "unignore",
            format!("took back {} from the ignored", describe_faces(faces)),
        )
    })
}

/// Not a face, or nobody the user cares about: out of every person, never placed again.
pub fn ignore(store: &mut Store, faces: &[FaceId]) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let rows = require_faces(store, faces)?;
        let mut rec = Recorder::default();
        for a in rows {
            rec.set_face_known(
                store,
                a,
                AssignmentRow {
                    face: a.face,
                    person: None,
                    state: FaceState::Ignored,
                    distance: None,
                },
            )?;
        }
        rec.commit(
            store,
            "ignore",
            format!("ignored {}", describe_faces(faces)),
        )
    })
}

pub fn set_hidden(store: &mut Store, id: PersonId, hidden: bool) -> Result<(), PeopleError> {
    set_hidden_all(store, &[id], hidden)
}

/// Hides (or shows again) several people at once, as one correction: the strangers of a
/// whole trip, undone with one undo.
pub fn set_hidden_all(
    store: &mut Store,
    ids: &[PersonId],
    hidden: bool,
) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let mut rec = Recorder::default();
        let mut first_name = String::new();
        for &id in ids {
            let row = require_person(store, id)?;
            first_name = quoted(&row.name);
            rec.set_person(store, PersonRow { hidden, ..row })?;
        }
        let verb = if hidden { "hid" } else { "unhid" };
        let whom = match ids {
            [] => return Err(PeopleError::Invalid("no people given".into())),
            [id] => format!("person {id}{first_name}"),
            many => crate::text::count(many.len(), "person", "people"),
        };
        rec.commit(
            store,
            if hidden { "hide" } else { "unhide" },
            format!("{verb} {whom}"),
        )
    })
}

/// The face that represents a person; must be one of its confirmed or suggested faces.
pub fn set_key_face(store: &mut Store, id: PersonId, face: FaceId) -> Result<(), PeopleError> {
    store.transaction(|store| {
        let row = require_person(store, id)?;
        let a = require_face(store, face)?;
        if a.person != Some(id) || !matches!(a.state, FaceState::Confirmed | FaceState::Suggested) {
            return Err(PeopleError::Invalid(format!(
                "face {face} is not one of person {id}'s faces"
            )));
        }
        let name = quoted(&row.name);
        let mut rec = Recorder::default();
        rec.set_person(
            store,
            PersonRow {
                key_face: Some(face),
                ..row
            },
        )?;
        rec.commit(
            store,
            "key_face",
            format!("set face {face} as the key face of person {id}{name}"),
        )
    })
}

/// Follows a photo folder moved or renamed to `to` ([`Store::relocate_folder`]) as a
/// correction Ctrl+Z and `kindred undo` take back, like any other: followed to the wrong
/// place, it goes back to where it was. Returns how many photos moved with it.
pub fn follow_folder(
    store: &mut Store,
    folder: crate::library::store::RootId,
    to: &std::path::Path,
) -> Result<u64, PeopleError> {
    use crate::library::path_text::TextPath;
    store.transaction(|store| {
        let relocation = store.relocate_folder_in_tx(folder, to)?;
        if relocation.from == to {
            return Ok(relocation.photos);
        }
        let record = UndoRecord {
            description: format!(
                "followed the folder “{}” to “{}”",
                relocation.from.display(),
                to.display()
            ),
            followed_folder: Some((TextPath(to.to_path_buf()), TextPath(relocation.from))),
            ..Default::default()
        };
        store.push_operation("follow_folder", &to_json(&record)?)?;
        Ok(relocation.photos)
    })
}

/// Leaves a subfolder out of the library ([`Store::exclude_folder`]) as a correction Ctrl+Z
/// and `kindred undo` take back, like any other.
pub fn leave_out_folder(
    store: &mut Store,
    folder: &std::path::Path,
) -> Result<crate::library::folders::LeftOut, PeopleError> {
    store.transaction(|store| {
        let exclusion = store.exclude_folder_in_tx(folder)?;
        let record = UndoRecord {
            description: format!("left out the folder “{}”", folder.display()),
            left_out_folder: Some((
                crate::library::path_text::TextPath(folder.to_path_buf()),
                exclusion.photos,
            )),
            ..Default::default()
        };
        store.push_operation("leave_out_folder", &to_json(&record)?)?;
        Ok(exclusion.left_out)
    })
}
