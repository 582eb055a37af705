//! People operations: the library API the CLI and the desktop UI call to list, name, merge,
//! split and correct people, and to undo those corrections.
//!
//! Every mutating operation runs in one transaction and writes one entry to the operations
//! log holding the before-image of everything it changed (assignments, person rows,
//! rejections), so undo restores exactly the previous state. Matching after a scan
//! ([`match_new_faces`]) is automatic and not logged: Ctrl+Z undoes the user's corrections.
//!
//! Rules that hold across all of them: confirmed and ignored faces are only changed by the
//! user; a face is never put (in any state) in a person it was rejected from, nor suggested
//! for a person confirmed elsewhere in its photo. Identical files (a backup folder, an import
//! made twice) show the same faces: what the user says about a face holds for it in every copy
//! (see [`Store::face_twin_groups`]).
//!
//! The parts: `read` lists people, faces and photos; `corrections` holds what the user
//! does; `history` records it for undo and redo; `placement` puts the faces no one decided
//! about (new ones after a scan, ones a correction freed); `review` asks about the faces that
//! may be someone. This module keeps what they share: errors, ids, and the reading of
//! identical copies.

use std::collections::{HashMap, HashSet};

pub use super::matching::{ClusterOptions, Method};
use crate::engine::resnet::Descriptor;
pub use crate::library::people_store::FaceState;
use crate::library::people_store::{AssignmentRow, MatchRow, PersonRow};
pub use crate::library::store::{FaceId, PhotoId};
use crate::library::store::{MayTellOfDamage, Store, StoreError};
use crate::people::graph;

mod corrections;
mod history;
mod placement;
mod read;
mod review;

pub use corrections::{
    FacesBeingAdded, ImportReport, ImportedName, TurnsBeingMade, add_face, add_faces,
    follow_folder, give_to_name, ignore, import_names, leave_out_folder, merge, move_faces,
    name_person, reject, remove_face, set_hidden, set_hidden_all, set_key_face, split, turn_photo,
    unignore,
};
pub use history::{
    Replayed, in_words, last_operation, log_head, logged_since, next_redo, recent_corrections,
    redo, redo_replayed, redoable_corrections, undo, undo_replayed,
};
pub use placement::{
    MatchReport, ReclusterReport, match_new_faces, match_new_faces_with, recluster,
};
pub use read::{
    FaceOrder, PersonFace, PersonSummary, PhotoFace, faces_in_photo, faces_of_person,
    faces_of_person_in_order, ignored_faces, people, person, photos_of_people,
};
pub use review::{Suggestion, suggestions, suggestions_for_everyone};

use corrections::make_new;
use history::{Recorder, UndoRecord, to_json};
use placement::{Mode, Placed, place};

pub type PersonId = i64;

/// Suggestions for review stop at this distance: beyond it, a face is almost surely someone else.
pub const SUGGESTION_MAX_DISTANCE: f32 = 0.7;

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error("no person with id {0}")]
    UnknownPerson(PersonId),
    #[error("no face with id {0}")]
    UnknownFace(FaceId),
    #[error("no photo with id {0}")]
    UnknownPhoto(PhotoId),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("nothing to redo")]
    NothingToRedo,
    #[error("{0}")]
    Invalid(String),
    #[error("operation {id} in the log cannot be read: {message}")]
    DamagedLog { id: i64, message: String },
}

impl MayTellOfDamage for PeopleError {
    fn is_damage(&self) -> bool {
        matches!(self, PeopleError::Store(e) if e.is_damage())
    }
}

fn require_person(store: &Store, id: PersonId) -> Result<PersonRow, PeopleError> {
    store.person_row(id)?.ok_or(PeopleError::UnknownPerson(id))
}

fn require_face(store: &Store, id: FaceId) -> Result<AssignmentRow, PeopleError> {
    store.assignment(id)?.ok_or(PeopleError::UnknownFace(id))
}

/// Which faces and photos are copies in identical files (a backup folder, an import made
/// twice), so that views show and count each photo and face once, showing the preferred copy
/// (see [`Store::photo_copy_groups`]).
#[derive(Debug, Default)]
struct Copies {
    /// A face in a photo with identical copies → (the same face in the preferred copy, this
    /// copy's rank in preference).
    face: HashMap<FaceId, (FaceId, usize)>,
    /// The same for photos.
    photo: HashMap<PhotoId, (PhotoId, usize)>,
}

impl Copies {
    fn read(store: &Store) -> Result<Self, PeopleError> {
        fn ranked(groups: Vec<Vec<i64>>) -> HashMap<i64, (i64, usize)> {
            groups
                .into_iter()
                .flat_map(|group| {
                    let first = group[0];
                    group
                        .into_iter()
                        .enumerate()
                        .map(move |(rank, id)| (id, (first, rank)))
                })
                .collect()
        }
        Ok(Copies {
            face: ranked(store.face_twin_groups()?),
            photo: ranked(store.photo_copy_groups()?),
        })
    }

    fn face(&self, face: FaceId) -> FaceId {
        self.face.get(&face).map_or(face, |c| c.0)
    }

    /// The preferred copy of `photo`, which stands for all its copies.
    fn photo(&self, photo: PhotoId) -> PhotoId {
        self.photo.get(&photo).map_or(photo, |c| c.0)
    }

    /// `items` with one face of each group of copies: the most preferred one among them.
    fn one_face_each<T>(&self, items: Vec<T>, face: impl Fn(&T) -> FaceId) -> Vec<T> {
        one_each(items, |item| self.face.get(&face(item)).copied())
    }

    /// `items` with one photo of each group of copies: the most preferred one among them.
    fn one_photo_each<T>(&self, items: Vec<T>, photo: impl Fn(&T) -> PhotoId) -> Vec<T> {
        one_each(items, |item| self.photo.get(&photo(item)).copied())
    }
}

/// Keeps, of the items in each group, the one of lowest rank; items in no group stay.
fn one_each<T>(items: Vec<T>, group: impl Fn(&T) -> Option<(i64, usize)>) -> Vec<T> {
    let mut best: HashMap<i64, usize> = HashMap::new();
    for (g, rank) in items.iter().filter_map(&group) {
        let b = best.entry(g).or_insert(rank);
        *b = (*b).min(rank);
    }
    items
        .into_iter()
        .filter(|item| group(item).is_none_or(|(g, rank)| best.get(&g) == Some(&rank)))
        .collect()
}

fn describe_faces(faces: &[FaceId]) -> String {
    match faces {
        [one] => format!("face {one}"),
        many => format!("{} faces", many.len()),
    }
}

/// "person 4 “Anna”, person 7": persons as the log names them, ids first (see [`in_words`]).
fn describe_persons(store: &Store, ids: &[PersonId]) -> Result<String, PeopleError> {
    let mut described = Vec::with_capacity(ids.len());
    for &id in ids {
        let name = store.person_row(id)?.and_then(|row| row.name);
        described.push(format!("person {id}{}", quoted(&name)));
    }
    Ok(described.join(", "))
}

fn quoted(name: &Option<String>) -> String {
    name.as_deref()
        .map(|n| format!(" “{n}”"))
        .unwrap_or_default()
}

/// A name as a person is given it: trimmed, and refused when nothing is left.
pub fn clean_name(name: &str) -> Result<String, PeopleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(PeopleError::Invalid("a name cannot be empty".into()));
    }
    Ok(name.to_string())
}

/// The faces' assignments, followed by those of the same faces in identical copies of their
/// photos, which every correction changes alike.
fn require_faces(store: &Store, faces: &[FaceId]) -> Result<Vec<AssignmentRow>, PeopleError> {
    if faces.is_empty() {
        return Err(PeopleError::Invalid("no faces given".into()));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for &f in faces {
        let row = require_face(store, f)?;
        if seen.insert(f) {
            out.push(row);
        }
    }
    for &f in faces {
        for twin in store.twins_of(f)? {
            if seen.insert(twin) {
                out.push(require_face(store, twin)?);
            }
        }
    }
    Ok(out)
}

fn is_decided(a: &AssignmentRow) -> bool {
    matches!(a.state, FaceState::Confirmed | FaceState::Ignored)
}

/// Each person's rejected faces ([`Store::rejections`], grouped by face) among `rows`: what
/// [`like_rejected`] measures a face against.
fn rejected_rows<'a>(
    rows: &'a [MatchRow],
    rejections: &HashMap<FaceId, Vec<PersonId>>,
) -> HashMap<PersonId, Vec<&'a MatchRow>> {
    let mut out: HashMap<PersonId, Vec<&'a MatchRow>> = HashMap::new();
    for r in rows {
        for &p in rejections.get(&r.face).into_iter().flatten() {
            out.entry(p).or_default().push(r);
        }
    }
    out
}

/// The user's rejections by face: the persons each face was said not to be.
fn rejections_by_face(store: &Store) -> Result<HashMap<FaceId, Vec<PersonId>>, PeopleError> {
    let mut by_face: HashMap<FaceId, Vec<PersonId>> = HashMap::new();
    for (face, person) in store.rejections()? {
        by_face.entry(face).or_default().push(person);
    }
    Ok(by_face)
}

/// Of the faces the user said are not a person, the nearest that `descriptor` is nearer to
/// than `distance`, its distance from the nearest of the person's own faces. Such a face is
/// most likely that someone else: it is not suggested for the person, and Review asks about it
/// after the rest (docs/BENCHMARKS.md, "What a No in Review teaches").
fn like_rejected<'a>(
    descriptor: &Descriptor,
    rejected: &[&'a MatchRow],
    distance: f32,
) -> Option<&'a MatchRow> {
    rejected
        .iter()
        .map(|&r| (graph::distance(descriptor, &r.descriptor), r))
        .filter(|&(d, _)| d < distance)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, r)| r)
}

#[cfg(test)]
mod tests;
