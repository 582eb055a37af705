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

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use super::agglomerative::{CannotLink, Linkage};
use super::graph::nearest_allowed;
pub use super::matching::{ClusterOptions, Method};
use super::matching::{Clusters, Exemplars, Query, cluster_constrained, join_clusters, suggest};
use crate::engine::geometry::Rect;
use crate::engine::resnet::Descriptor;
pub use crate::library::people_store::FaceState;
use crate::library::people_store::{AssignmentRow, MatchRow, PersonRow};
pub use crate::library::store::{FaceId, PhotoId};
use crate::library::store::{NewFace, PhotoStatus, RemovedFace, Store, StoreError, iou};

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

#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub id: PersonId,
    pub name: Option<String>,
    pub hidden: bool,
    /// Confirmed + suggested.
    pub faces: usize,
    pub confirmed: usize,
    pub photos: usize,
    pub key_face: Option<FaceId>,
}

#[derive(Debug, Clone)]
pub struct PersonFace {
    pub face: FaceId,
    pub photo: PhotoId,
    pub path: PathBuf,
    pub state: FaceState,
    pub rect: Rect,
    pub distance: Option<f32>,
}

impl From<crate::library::people_store::PersonFaceRow> for PersonFace {
    fn from(f: crate::library::people_store::PersonFaceRow) -> Self {
        PersonFace {
            face: f.face,
            photo: f.photo,
            path: f.path,
            state: f.state,
            rect: f.rect,
            distance: f.distance,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PhotoFace {
    pub face: FaceId,
    pub rect: Rect,
    pub person: Option<PersonId>,
    pub person_name: Option<String>,
    pub state: FaceState,
    /// Asked for by the user, not found by the scan: it can be removed ([`remove_face`]).
    pub by_hand: bool,
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Who it may be.
    pub person: PersonId,
    pub face: FaceId,
    pub photo: PhotoId,
    pub path: PathBuf,
    pub distance: f32,
    /// The person's face it is nearest to: why it is suggested, and where a wrongly
    /// confirmed face of theirs shows itself.
    pub nearest: FaceId,
    pub nearest_photo: PhotoId,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReclusterReport {
    /// Faces that were free to move (neither confirmed nor ignored).
    pub faces: usize,
    /// Of those, suggested for a named person.
    pub suggested: usize,
    /// Unnamed clusters they form.
    pub clusters: usize,
    /// Faces whose person or state changed.
    pub changed: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MatchReport {
    /// New (unassigned) faces considered.
    pub faces: usize,
    /// Suggested for a named person.
    pub suggested: usize,
    /// Joined an existing unnamed cluster.
    pub joined: usize,
    /// New unnamed clusters made from the rest.
    pub new_clusters: usize,
    /// Faces in identical copies of photos that took what the user had decided about the same
    /// face in the other copy (not counted in `faces`).
    pub from_copies: usize,
}

// ----- reading -----

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

/// Builds summaries from membership rows: (person, face, state, photo, confidence).
fn summarise(
    persons: &[PersonRow],
    membership: &[(PersonId, FaceId, FaceState, PhotoId, f64)],
    copies: &Copies,
) -> Vec<PersonSummary> {
    #[derive(Default)]
    struct Acc {
        faces: HashSet<FaceId>,
        confirmed: HashSet<FaceId>,
        photos: HashSet<PhotoId>,
        members: HashSet<FaceId>,
        best: Option<(bool, f64, FaceId)>,
    }
    let mut acc: HashMap<PersonId, Acc> = HashMap::new();
    for &(person, face, state, photo, confidence) in membership {
        let a = acc.entry(person).or_default();
        a.faces.insert(copies.face(face));
        let confirmed = state == FaceState::Confirmed;
        if confirmed {
            a.confirmed.insert(copies.face(face));
        }
        a.photos.insert(copies.photo(photo));
        a.members.insert(face);
        // Automatic key face: a confirmed face before a suggested one, then the most confident
        // detection, then the oldest face.
        let better = match a.best {
            None => true,
            Some((c, conf, id)) => {
                (confirmed, confidence, -face) > (c, conf, -id) && !(confidence.is_nan())
            }
        };
        if better {
            a.best = Some((confirmed, confidence, face));
        }
    }
    persons
        .iter()
        .map(|p| {
            let a = acc.remove(&p.id).unwrap_or_default();
            let key_face = p
                .key_face
                .filter(|f| a.members.contains(f))
                .or(a.best.map(|b| b.2));
            PersonSummary {
                id: p.id,
                name: p.name.clone(),
                hidden: p.hidden,
                faces: a.faces.len(),
                confirmed: a.confirmed.len(),
                photos: a.photos.len(),
                key_face,
            }
        })
        .collect()
}

/// Every person with at least one confirmed or suggested face, hidden ones included; largest
/// first (ties: lower id first).
pub fn people(store: &Store) -> Result<Vec<PersonSummary>, PeopleError> {
    let mut all = summarise(
        &store.person_rows()?,
        &store.person_membership()?,
        &Copies::read(store)?,
    );
    all.retain(|p| p.faces > 0);
    all.sort_by(|a, b| b.faces.cmp(&a.faces).then(a.id.cmp(&b.id)));
    Ok(all)
}

/// One person, even if no faces are left in it.
pub fn person(store: &Store, id: PersonId) -> Result<PersonSummary, PeopleError> {
    let row = require_person(store, id)?;
    let membership: Vec<_> = store
        .person_faces(id)?
        .into_iter()
        .map(|f| (id, f.face, f.state, f.photo, f.confidence))
        .collect();
    Ok(summarise(&[row], &membership, &Copies::read(store)?).remove(0))
}

/// The order in which a person's faces are listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FaceOrder {
    /// Confirmed faces first, then suggestions, nearest first.
    #[default]
    ConfirmedFirst,
    /// Faces least like the person's others first: where the faces of someone else gather
    /// (see [`super::matching::distances_to_centre`]).
    LeastAlikeFirst,
}

/// A person's confirmed and suggested faces: confirmed first, then nearest suggestions first.
/// A face in several identical files is listed once (what is done to it holds for every copy).
pub fn faces_of_person(store: &Store, id: PersonId) -> Result<Vec<PersonFace>, PeopleError> {
    faces_of_person_in_order(store, id, FaceOrder::ConfirmedFirst)
}

/// [`faces_of_person`], in the given order.
pub fn faces_of_person_in_order(
    store: &Store,
    id: PersonId,
    order: FaceOrder,
) -> Result<Vec<PersonFace>, PeopleError> {
    require_person(store, id)?;
    let copies = Copies::read(store)?;
    let mut faces: Vec<PersonFace> = copies
        .one_face_each(store.person_faces(id)?, |f| f.face)
        .into_iter()
        .map(PersonFace::from)
        .collect();
    if order == FaceOrder::LeastAlikeFirst {
        let descriptors = store.person_descriptors(id)?;
        let listed: Vec<Descriptor> = faces
            .iter()
            .filter_map(|f| descriptors.get(&f.face).copied())
            .collect();
        if listed.len() == faces.len() {
            let from_centre = super::matching::distances_to_centre(&listed);
            let mut ranked: Vec<(f32, PersonFace)> = from_centre.into_iter().zip(faces).collect();
            // Stable: equally far faces keep the confirmed-first order.
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            faces = ranked.into_iter().map(|(_, f)| f).collect();
        }
    }
    Ok(faces)
}

/// The faces the user ignored, by photo, a face in several identical files once: where an
/// ignore made in haste is found again, and a stranger who turns out to matter is named.
pub fn ignored_faces(store: &Store) -> Result<Vec<PersonFace>, PeopleError> {
    let copies = Copies::read(store)?;
    Ok(copies
        .one_face_each(store.ignored_faces()?, |f| f.face)
        .into_iter()
        .map(PersonFace::from)
        .collect())
}

pub fn faces_in_photo(store: &Store, photo: PhotoId) -> Result<Vec<PhotoFace>, PeopleError> {
    if store.photo(photo)?.is_none() {
        return Err(PeopleError::UnknownPhoto(photo));
    }
    Ok(store
        .photo_faces(photo)?
        .into_iter()
        .map(|f| PhotoFace {
            face: f.face,
            rect: f.rect,
            person: f.person,
            person_name: f.person_name,
            state: f.state,
            by_hand: f.by_hand,
        })
        .collect())
}

/// Photos in which all of `ids` appear (confirmed or suggested); a photo held in several
/// identical files once.
pub fn photos_of_people(store: &Store, ids: &[PersonId]) -> Result<Vec<PhotoId>, PeopleError> {
    for &id in ids {
        require_person(store, id)?;
    }
    let copies = Copies::read(store)?;
    Ok(copies.one_photo_each(store.photos_with_all(ids)?, |&p| p))
}

// ----- the operations log -----

/// An image of what one operation changed, as it was on one side of it: the log keeps the
/// before-image of each operation (applying it undoes the operation) and, once undone, the
/// after-image (applying it redoes it). [`apply`] makes either from the other.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct UndoRecord {
    description: String,
    faces: Vec<AssignmentRow>,
    persons: Vec<PersonRow>,
    rejections_added: Vec<(FaceId, PersonId)>,
    rejections_removed: Vec<(FaceId, PersonId)>,
    /// Deleted on undo if no face is assigned to them any more.
    created_persons: Vec<PersonId>,
    /// A subfolder left out of the library, with the photos that took out of People and
    /// their status before; undoing takes the folder back in and brings them back.
    #[serde(default)]
    left_out_folder: Option<(PathBuf, Vec<(PhotoId, String)>)>,
    /// Faces the user added (drawn, or found on a closer look); deleted on undo.
    #[serde(default)]
    added_faces: Vec<FaceId>,
    /// Faces the user took away again, as stored; put back on undo, before the rest.
    #[serde(default)]
    removed_faces: Vec<RemovedFace>,
    /// Person rows an undo deleted (persons an operation had created); put back on redo,
    /// with their ids.
    #[serde(default)]
    restored_persons: Vec<PersonRow>,
    /// A subfolder taken back in by an undo; redoing leaves it out again.
    #[serde(default)]
    folder_to_leave_out: Option<PathBuf>,
}

fn to_json(image: &UndoRecord) -> Result<String, PeopleError> {
    serde_json::to_string(image)
        .map_err(|e| PeopleError::Invalid(format!("cannot record the operation: {e}")))
}

/// Writes changes and remembers, once per row, what it was before.
#[derive(Default)]
struct Recorder {
    undo: UndoRecord,
    seen_faces: HashSet<FaceId>,
    seen_persons: HashSet<PersonId>,
    changed_faces: usize,
}

impl Recorder {
    fn set_face_known(
        &mut self,
        store: &mut Store,
        old: AssignmentRow,
        new: AssignmentRow,
    ) -> Result<(), PeopleError> {
        if old == new {
            return Ok(());
        }
        if self.seen_faces.insert(old.face) {
            self.undo.faces.push(old);
            self.changed_faces += 1;
        }
        store.set_assignment(&new)?;
        Ok(())
    }

    fn set_person(&mut self, store: &mut Store, new: PersonRow) -> Result<(), PeopleError> {
        let old = require_person(store, new.id)?;
        if old == new {
            return Ok(());
        }
        if self.seen_persons.insert(old.id) {
            self.undo.persons.push(old);
        }
        store.update_person(&new)?;
        Ok(())
    }

    fn new_person(
        &mut self,
        store: &mut Store,
        name: Option<&str>,
    ) -> Result<PersonId, PeopleError> {
        let id = store.insert_person(name)?;
        self.undo.created_persons.push(id);
        Ok(id)
    }

    fn add_rejection(
        &mut self,
        store: &mut Store,
        face: FaceId,
        person: PersonId,
    ) -> Result<(), PeopleError> {
        if store.add_rejection(face, person)? {
            self.undo.rejections_added.push((face, person));
        }
        Ok(())
    }

    fn remove_rejection(
        &mut self,
        store: &mut Store,
        face: FaceId,
        person: PersonId,
    ) -> Result<(), PeopleError> {
        if store.remove_rejection(face, person)? {
            self.undo.rejections_removed.push((face, person));
        }
        Ok(())
    }

    /// Takes a face out of the library with all that was said about it (its person, its
    /// rejections, being someone's key face), so that applying the record puts it back as it
    /// was. Returns the person it was in.
    fn take_face(
        &mut self,
        store: &mut Store,
        face: FaceId,
    ) -> Result<Option<PersonId>, PeopleError> {
        let assignment = store.assignment(face)?;
        if let Some(a) = assignment
            && self.seen_faces.insert(face)
        {
            self.undo.faces.push(a);
        }
        for person in store.rejections_of_face(face)? {
            self.remove_rejection(store, face, person)?;
        }
        for person in store.persons_keyed_by(face)? {
            self.set_person(
                store,
                PersonRow {
                    key_face: None,
                    ..person
                },
            )?;
        }
        if let Some(removed) = store.take_face_in_tx(face)? {
            self.undo.removed_faces.push(removed);
        }
        Ok(assignment.and_then(|a| a.person))
    }

    /// Deletes a person no face is in any more, remembering the row and the rejections that
    /// go with it so that applying the record brings them back.
    fn delete_person_if_unused(
        &mut self,
        store: &mut Store,
        id: PersonId,
    ) -> Result<(), PeopleError> {
        let Some(row) = store.person_row(id)? else {
            return Ok(());
        };
        let rejected = store.rejections_of_person(id)?;
        if store.delete_person_if_unused(id)? {
            self.undo.restored_persons.push(row);
            self.undo
                .rejections_removed
                .extend(rejected.into_iter().map(|face| (face, id)));
        }
        Ok(())
    }

    /// Writes the log entry.
    fn commit(
        mut self,
        store: &mut Store,
        kind: &str,
        description: String,
    ) -> Result<(), PeopleError> {
        self.undo.description = description;
        store.push_operation(kind, &to_json(&self.undo)?)?;
        Ok(())
    }
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

fn clean_name(name: &str) -> Result<String, PeopleError> {
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

/// Brings each face of an identical copy in line with the same face in the other copies:
/// faces the user has not decided about take the group's rejections and, where its decided
/// faces agree, their decision (confirmed in a person, or ignored). Returns how many took a
/// decision. Twins decided differently (in a library older than this rule) stay as they are.
fn adopt_twin_decisions(store: &mut Store, rec: &mut Recorder) -> Result<usize, PeopleError> {
    let groups = store.face_twin_groups()?;
    if groups.is_empty() {
        return Ok(0);
    }
    let mut rejections: HashMap<FaceId, Vec<PersonId>> = HashMap::new();
    for (face, person) in store.rejections()? {
        rejections.entry(face).or_default().push(person);
    }
    let assignments: HashMap<FaceId, AssignmentRow> = store
        .all_assignments()?
        .into_iter()
        .map(|a| (a.face, a))
        .collect();
    let mut adopted = 0;
    for group in groups {
        let rows: Vec<AssignmentRow> = group
            .iter()
            .map(|&face| {
                assignments.get(&face).copied().unwrap_or(AssignmentRow {
                    face,
                    person: None,
                    state: FaceState::Unassigned,
                    distance: None,
                })
            })
            .collect();
        let rejected: BTreeSet<PersonId> = group
            .iter()
            .flat_map(|f| rejections.get(f).into_iter().flatten().copied())
            .collect();
        let decisions: HashSet<(Option<PersonId>, FaceState)> = rows
            .iter()
            .filter(|a| is_decided(a))
            .map(|a| (a.person, a.state))
            .collect();
        let decision = match decisions.iter().next() {
            Some(&(person, state))
                if decisions.len() == 1 && !person.is_some_and(|p| rejected.contains(&p)) =>
            {
                Some((person, state))
            }
            _ => None,
        };
        for a in rows.into_iter().filter(|a| !is_decided(a)) {
            let already = rejections.get(&a.face).map_or(&[][..], Vec::as_slice);
            for &p in rejected.iter().filter(|p| !already.contains(p)) {
                rec.add_rejection(store, a.face, p)?;
            }
            match decision {
                Some((person, state)) => {
                    let new = AssignmentRow {
                        face: a.face,
                        person,
                        state,
                        distance: None,
                    };
                    rec.set_face_known(store, a, new)?;
                    adopted += 1;
                }
                // Out of a person another copy of the face was rejected from, to be placed again.
                None if a.person.is_some_and(|p| rejected.contains(&p)) => {
                    make_new(store, rec, a)?;
                }
                None => {}
            }
        }
    }
    Ok(adopted)
}

// ----- corrections -----

/// Names or renames a person. Naming an unnamed cluster confirms the faces it shows. If
/// another person already has this name, the two are the same person: this one is merged into
/// it (its faces confirmed), and its id disappears from [`people`].
pub fn name_person(store: &mut Store, id: PersonId, name: &str) -> Result<(), PeopleError> {
    let name = clean_name(name)?;
    store.transaction(|store| {
        let row = require_person(store, id)?;
        let mut rec = Recorder::default();
        let visible: HashSet<PersonId> = people(store)?.into_iter().map(|p| p.id).collect();
        let same_name = store
            .persons_named(&name)?
            .into_iter()
            .find(|&p| p != id && visible.contains(&p));
        let description = if let Some(target) = same_name {
            merge_in_tx(store, &mut rec, &[id], target, true)?;
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
        merge_in_tx(store, &mut rec, from, into, false)?;
        let into = describe_persons(store, &[into])?;
        rec.commit(store, "merge", format!("merged {merged} into {into}"))
    })
}

fn merge_in_tx(
    store: &mut Store,
    rec: &mut Recorder,
    from: &[PersonId],
    into: PersonId,
    confirm_all: bool,
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
    for &p in &sources {
        let source_named = require_person(store, p)?.name.is_some();
        for a in store.assignments_of_person(p, &[FaceState::Confirmed, FaceState::Suggested])? {
            let new = if rejected_from_into.contains(&a.face) {
                AssignmentRow {
                    person: None,
                    state: FaceState::Unassigned,
                    distance: None,
                    ..a
                }
            } else {
                let confirm = a.state == FaceState::Confirmed
                    || confirm_all
                    || (!source_named && into_row.name.is_some());
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
        // "Not p" now means "not into", except for faces the user confirmed as `into`.
        for face in store.rejections_of_person(p)? {
            let a = require_face(store, face)?;
            if a.person == Some(into) && a.state == FaceState::Confirmed {
                continue;
            }
            rec.add_rejection(store, face, into)?;
            if a.person == Some(into) {
                make_new(store, rec, a)?;
            }
        }
    }
    Ok(())
}

/// Puts the given faces into a new person (confirmed) and returns its id.
pub fn split(
    store: &mut Store,
    faces: &[FaceId],
    name: Option<&str>,
) -> Result<PersonId, PeopleError> {
    let name = name.map(clean_name).transpose()?;
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
fn make_new(store: &mut Store, rec: &mut Recorder, a: AssignmentRow) -> Result<(), PeopleError> {
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
/// clusters the named faces left are made new again; run [`match_new_faces`] afterwards (every scan
/// does) and the people come out as if the names had been known first. One operation in the
/// log, so Ctrl+Z takes the whole import back; nothing is logged when nothing changed.
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
                        Some(&p) => p,
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
        let description = format!(
            "{} marked as not {}",
            describe_faces(faces),
            describe_persons(store, &persons)?
        );
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
    let existing = people(store)?.into_iter().find(|p| {
        p.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))
    });
    match existing {
        Some(person) => {
            move_faces(store, faces, person.id)?;
            Ok(person.id)
        }
        None => split(store, faces, Some(name)),
    }
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
/// face), undone together as one operation. Each photo's faces are stored at once, and the
/// operation's log entry grows with them in the same transaction, so that stopping half way
/// — or the app being killed — keeps what was found, and undo still takes it all back.
#[derive(Debug, Default)]
pub struct FacesBeingAdded {
    /// The log entry, once the first faces are stored.
    operation: Option<i64>,
    /// The faces in that entry (with those in identical copies)...
    added: Vec<FaceId>,
    /// ...how many were asked for, and in how many photos.
    faces: usize,
    photos: usize,
}

impl FacesBeingAdded {
    /// Stores `faces` in `photo` (see [`add_faces`]); returns how many.
    pub fn add(
        &mut self,
        store: &mut Store,
        photo: PhotoId,
        faces: &[NewFace],
    ) -> Result<usize, PeopleError> {
        if faces.is_empty() {
            return Ok(0);
        }
        let grown = store.transaction(|store| {
            let new = insert_asked_faces(store, photo, faces)?.all();
            if let Some(operation) = self.operation {
                let grown = FacesBeingAdded {
                    operation: Some(operation),
                    added: [self.added.as_slice(), &new].concat(),
                    faces: self.faces + faces.len(),
                    photos: self.photos + 1,
                };
                if store.update_operation(operation, &grown.undo_image()?)? {
                    return Ok::<_, PeopleError>(grown);
                }
            }
            // The first faces, or the user undid those found so far while the look went on:
            // the rest is a new entry.
            let mut started = FacesBeingAdded {
                operation: None,
                added: new,
                faces: faces.len(),
                photos: 1,
            };
            started.operation = Some(store.push_operation("add_face", &started.undo_image()?)?);
            Ok(started)
        })?;
        *self = grown;
        Ok(faces.len())
    }

    fn undo_image(&self) -> Result<String, PeopleError> {
        to_json(&UndoRecord {
            description: format!(
                "added {} to {}",
                crate::text::count(self.faces, "face", "faces"),
                crate::text::count(self.photos, "photo", "photos")
            ),
            added_faces: self.added.clone(),
            ..Default::default()
        })
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
            left_out_folder: Some((folder.to_path_buf(), exclusion.photos)),
            ..Default::default()
        };
        store.push_operation("leave_out_folder", &to_json(&record)?)?;
        Ok(exclusion.left_out)
    })
}

fn read_image(op: &crate::library::people_store::OperationRow) -> Result<UndoRecord, PeopleError> {
    serde_json::from_str(&op.payload).map_err(|e| PeopleError::DamagedLog {
        id: op.id,
        message: e.to_string(),
    })
}

/// The library changed after an undo in a way its redo cannot go back over (a scan gave a
/// new face or person the id an undone one had).
fn changed_since(what: String) -> PeopleError {
    PeopleError::Invalid(format!("the library has changed since: {what}"))
}

/// Applies a log image (see [`UndoRecord`]) and returns the image that takes it back, so that
/// every undo can be redone and every redo undone again. Faces gone since (a photo analysed
/// again, a folder removed, a missing photo forgotten) are passed over rather than failing the
/// whole undo.
fn apply(store: &mut Store, image: &UndoRecord) -> Result<UndoRecord, PeopleError> {
    let mut rec = Recorder::default();
    rec.undo.description = image.description.clone();
    // Faces and persons first, so that assignments, rejections and key faces can refer to them.
    for face in &image.removed_faces {
        if store.photo(face.photo)?.is_none() {
            continue;
        }
        if store.face_exists(face.id)? {
            return Err(changed_since(format!("there is a face {} again", face.id)));
        }
        store.restore_face_in_tx(face)?;
        rec.undo.added_faces.push(face.id);
    }
    for person in &image.restored_persons {
        let key_face = match person.key_face {
            Some(face) if store.face_exists(face)? => Some(face),
            _ => None,
        };
        let row = PersonRow {
            key_face,
            ..person.clone()
        };
        if !store.restore_person(&row)? {
            return Err(changed_since(format!("there is a person {} again", row.id)));
        }
        rec.undo.created_persons.push(row.id);
    }
    for person in &image.persons {
        if store.person_row(person.id)?.is_none() {
            continue;
        }
        let key_face = match person.key_face {
            Some(face) if store.face_exists(face)? => Some(face),
            _ => None,
        };
        rec.set_person(
            store,
            PersonRow {
                key_face,
                ..person.clone()
            },
        )?;
    }
    for a in &image.faces {
        if !store.face_exists(a.face)? {
            continue;
        }
        if let Some(person) = a.person
            && store.person_row(person)?.is_none()
        {
            continue;
        }
        let old = store.assignment(a.face)?.unwrap_or(AssignmentRow {
            face: a.face,
            person: None,
            state: FaceState::Unassigned,
            distance: None,
        });
        rec.set_face_known(store, old, *a)?;
    }
    for &(face, person) in &image.rejections_added {
        rec.remove_rejection(store, face, person)?;
    }
    for &(face, person) in &image.rejections_removed {
        if store.face_exists(face)? && store.person_row(person)?.is_some() {
            rec.add_rejection(store, face, person)?;
        }
    }
    for &person in &image.created_persons {
        rec.delete_person_if_unused(store, person)?;
    }
    if let Some((folder, photos)) = &image.left_out_folder {
        store.undo_exclusion_in_tx(folder, photos)?;
        rec.undo.folder_to_leave_out = Some(folder.clone());
    }
    if let Some(folder) = &image.folder_to_leave_out {
        let exclusion = store.exclude_folder_in_tx(folder)?;
        rec.undo.left_out_folder = Some((folder.clone(), exclusion.photos));
    }
    for &face in &image.added_faces {
        // Matching may have started a person with it alone.
        if let Some(person) = rec.take_face(store, face)? {
            rec.delete_person_if_unused(store, person)?;
        }
    }
    Ok(rec.undo)
}

/// Undoes the last `n` operations, newest first; returns what was undone. Each can be redone
/// ([`redo`]) until a new operation is made.
pub fn undo(store: &mut Store, n: usize) -> Result<Vec<String>, PeopleError> {
    replay(store, n, Replay::Undo)
}

/// Redoes the last `n` operations undone since the last new one, the last undone first;
/// returns what was redone.
pub fn redo(store: &mut Store, n: usize) -> Result<Vec<String>, PeopleError> {
    replay(store, n, Replay::Redo)
}

#[derive(Clone, Copy)]
enum Replay {
    Undo,
    Redo,
}

/// Applies the images of the next `n` operations to undo or redo, keeping for each the image
/// that takes it back, in one transaction.
fn replay(store: &mut Store, n: usize, way: Replay) -> Result<Vec<String>, PeopleError> {
    store.transaction(|store| {
        let ops = match way {
            Replay::Undo => store.recent_operations(n)?,
            Replay::Redo => store.redoable_operations(n)?,
        };
        if ops.is_empty() {
            return Err(match way {
                Replay::Undo => PeopleError::NothingToUndo,
                Replay::Redo => PeopleError::NothingToRedo,
            });
        }
        let mut done = Vec::new();
        for op in ops {
            let image = read_image(&op)?;
            let back = to_json(&apply(store, &image)?)?;
            match way {
                Replay::Undo => store.mark_operation_undone(op.id, &back)?,
                Replay::Redo => store.mark_operation_redone(op.id, &back)?,
            }
            done.push(image.description);
        }
        Ok(done)
    })
}

/// What [`undo`] with `n = 1` would undo.
pub fn last_operation(store: &Store) -> Result<Option<String>, PeopleError> {
    Ok(recent_corrections(store, 1)?.into_iter().next())
}

/// What the last `n` undos would take back, newest first: the history to undo back to.
pub fn recent_corrections(store: &Store, n: usize) -> Result<Vec<String>, PeopleError> {
    // Only the description is read: a re-clustering's image holds thousands of faces.
    #[derive(serde::Deserialize)]
    struct Described {
        description: String,
    }
    store
        .recent_operations(n)?
        .iter()
        .map(|op| {
            serde_json::from_str::<Described>(&op.payload)
                .map(|d| d.description)
                .map_err(|e| PeopleError::DamagedLog {
                    id: op.id,
                    message: e.to_string(),
                })
        })
        .collect()
}

/// A log description as the app says it: the log's "person 4 “Anna”" and "face 1234" are
/// for the command line, where ids are typed; a window shows neither, so it names the person
/// (or says "an unnamed person") and speaks of "a face". Quoted text (names, files, folders)
/// is left as it is.
pub fn in_words(description: &str) -> String {
    /// `prefix` then an id at the start of `s`: the id's digits and what follows them.
    fn after_id<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
        let rest = s.strip_prefix(prefix)?;
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let after = &rest[digits..];
        let word_ends = !after.starts_with(|c: char| c.is_alphanumeric());
        (digits > 0 && word_ends).then_some(after)
    }
    /// A name in the log's quotes at the start of `s` (after a space): it and the rest.
    fn quoted_name(s: &str) -> Option<(&str, &str)> {
        let rest = s.strip_prefix(" “")?;
        let end = rest.find('”')?;
        Some((&rest[..end], &rest[end + '”'.len_utf8()..]))
    }
    let mut words = String::with_capacity(description.len());
    let mut rest = description;
    while let Some(next) = rest.chars().next() {
        let at_word_start = words.chars().last().is_none_or(|c| !c.is_alphanumeric());
        if let Some(quote) = rest.strip_prefix('“') {
            let end = quote
                .find('”')
                .map_or(quote.len(), |end| end + '”'.len_utf8());
            words.push('“');
            words.push_str(&quote[..end]);
            rest = &quote[end..];
            continue;
        }
        if at_word_start {
            if let Some(after) = after_id(rest, "new person ") {
                words.push_str("a new person");
                match quoted_name(after) {
                    Some((name, after_name)) => {
                        words.push_str(&format!(" “{name}”"));
                        rest = after_name;
                    }
                    None => rest = after,
                }
                continue;
            }
            if let Some(after) = after_id(rest, "person ") {
                match quoted_name(after) {
                    Some((name, after_name)) => {
                        words.push_str(&format!("“{name}”"));
                        rest = after_name;
                    }
                    None => {
                        words.push_str("an unnamed person");
                        rest = after;
                        // Older logs list merged persons by their ids alone: "person 3, 4".
                        while let Some(after) = after_id(rest, ", ") {
                            words.push_str(", an unnamed person");
                            rest = after;
                        }
                    }
                }
                continue;
            }
            if let Some(after) = after_id(rest, "face ") {
                words.push_str("a face");
                rest = after;
                continue;
            }
        }
        words.push(next);
        rest = &rest[next.len_utf8()..];
    }
    words
}

/// What [`redo`] with `n = 1` would redo.
pub fn next_redo(store: &Store) -> Result<Option<String>, PeopleError> {
    match store.redoable_operations(1)?.first() {
        Some(op) => Ok(Some(read_image(op)?.description)),
        None => Ok(None),
    }
}

// ----- matching -----

/// Faces not confirmed for a person that most likely are them, nearest first: for quick
/// yes/no review. Compared with the person's confirmed faces (or, for a cluster with none,
/// its suggested ones); never faces rejected from the person or in a photo where the person is
/// already confirmed.
pub fn suggestions(
    store: &Store,
    id: PersonId,
    limit: usize,
) -> Result<Vec<Suggestion>, PeopleError> {
    require_person(store, id)?;
    suggestions_among(store, &[id], limit)
}

/// Review of everyone named at once: each face that may be one of them, asked about the one
/// it is most like (as [`suggestions`] would for that person), nearest first.
pub fn suggestions_for_everyone(
    store: &Store,
    limit: usize,
) -> Result<Vec<Suggestion>, PeopleError> {
    let named: Vec<PersonId> = store
        .person_rows()?
        .into_iter()
        .filter(|p| p.name.is_some() && !p.hidden)
        .map(|p| p.id)
        .collect();
    suggestions_among(store, &named, limit)
}

/// What a person's suggestions are measured against, and which faces may not be offered.
struct Asker<'a> {
    id: PersonId,
    exemplars: Vec<&'a MatchRow>,
    /// Their exemplars and the faces rejected from them, each by its preferred copy (which
    /// stands for all its copies).
    barred_faces: HashSet<FaceId>,
    /// Photos (by their preferred copy) where the person is confirmed already.
    confirmed_photos: HashSet<PhotoId>,
}

fn suggestions_among(
    store: &Store,
    persons: &[PersonId],
    limit: usize,
) -> Result<Vec<Suggestion>, PeopleError> {
    let rows = store.match_rows()?;
    // A face and its copies in identical photos are offered once, and not at all when one of
    // them is already the person's.
    let copies = Copies::read(store)?;
    let mut confirmed: HashMap<PersonId, Vec<&MatchRow>> = HashMap::new();
    let mut suggested: HashMap<PersonId, Vec<&MatchRow>> = HashMap::new();
    for r in &rows {
        match (r.assignment.person, r.assignment.state) {
            (Some(p), FaceState::Confirmed) => confirmed.entry(p).or_default().push(r),
            (Some(p), FaceState::Suggested) => suggested.entry(p).or_default().push(r),
            _ => {}
        }
    }
    // One read for everyone asking, rather than one per person.
    let mut rejected: HashMap<PersonId, Vec<FaceId>> = HashMap::new();
    for (face, person) in store.rejections()? {
        rejected.entry(person).or_default().push(face);
    }
    let mut askers = Vec::with_capacity(persons.len());
    for &id in persons {
        let theirs = confirmed.remove(&id).unwrap_or_default();
        let confirmed_photos = theirs.iter().map(|r| copies.photo(r.photo)).collect();
        let exemplars = if theirs.is_empty() {
            suggested.remove(&id).unwrap_or_default()
        } else {
            theirs
        };
        let barred_faces = exemplars
            .iter()
            .map(|r| r.face)
            .chain(rejected.remove(&id).unwrap_or_default())
            .map(|f| copies.face(f))
            .collect();
        askers.push(Asker {
            id,
            // Copies add nothing to compare with.
            exemplars: copies.one_face_each(exemplars, |r| r.face),
            barred_faces,
            confirmed_photos,
        });
    }
    let targets: Vec<(&MatchRow, usize)> = askers
        .iter()
        .enumerate()
        .flat_map(|(k, a)| a.exemplars.iter().map(move |&r| (r, k)))
        .collect();
    let candidates: Vec<&MatchRow> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.assignment.state,
                FaceState::Unassigned | FaceState::Suggested
            )
        })
        .collect();
    let candidates = copies.one_face_each(candidates, |r| r.face);
    // Who each candidate may not be offered to, found from the askers' side: a face asked
    // about one person is barred for few if any, so the test per pair stays cheap.
    let mut in_photo: HashMap<PhotoId, Vec<usize>> = HashMap::new();
    let mut in_group: HashMap<FaceId, Vec<usize>> = HashMap::new();
    for (i, r) in candidates.iter().enumerate() {
        in_photo.entry(copies.photo(r.photo)).or_default().push(i);
        in_group.entry(copies.face(r.face)).or_default().push(i);
    }
    let mut barred: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
    for (k, asker) in askers.iter().enumerate() {
        let groups = asker.barred_faces.iter().filter_map(|g| in_group.get(g));
        let photos = asker
            .confirmed_photos
            .iter()
            .filter_map(|p| in_photo.get(p));
        for &i in groups.chain(photos).flatten() {
            if barred[i].last() != Some(&k) {
                barred[i].push(k);
            }
        }
    }
    // Faces barred for everyone asking are not compared at all.
    let (candidates, barred): (Vec<&MatchRow>, Vec<Vec<usize>>) = candidates
        .into_iter()
        .zip(barred)
        .filter(|(_, b)| b.len() < askers.len())
        .unzip();
    let queries: Vec<Descriptor> = candidates.iter().map(|r| r.descriptor).collect();
    let target_descriptors: Vec<Descriptor> = targets.iter().map(|(r, _)| r.descriptor).collect();
    let nearest = nearest_allowed(&queries, &target_descriptors, |i, j| {
        !barred[i].contains(&targets[j].1)
    });
    let mut found: Vec<(f32, &MatchRow, usize)> = nearest
        .into_iter()
        .zip(&candidates)
        .filter_map(|(n, r)| n.map(|(j, d)| (d, *r, j)))
        .filter(|(d, ..)| *d < SUGGESTION_MAX_DISTANCE)
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.face.cmp(&b.1.face)));
    found.truncate(limit);
    let mut out = Vec::with_capacity(found.len());
    for (distance, r, j) in found {
        let (nearest, k) = targets[j];
        let path = store.photo(r.photo)?.map(|p| p.path).unwrap_or_default();
        out.push(Suggestion {
            person: askers[k].id,
            face: r.face,
            photo: r.photo,
            path,
            distance,
            nearest: nearest.face,
            nearest_photo: nearest.photo,
        });
    }
    Ok(out)
}

/// Re-places every face that is neither confirmed nor ignored: suggestions for named persons
/// from their confirmed faces, then clustering of the rest into unnamed clusters (reusing the
/// ids of the unnamed clusters they came from). Deterministic; logged and undoable.
pub fn recluster(
    store: &mut Store,
    options: &ClusterOptions,
) -> Result<ReclusterReport, PeopleError> {
    store.transaction(|store| {
        let rows = store.match_rows()?;
        let targets: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                matches!(
                    rows[i].assignment.state,
                    FaceState::Unassigned | FaceState::Suggested
                )
            })
            .collect();
        let mut rec = Recorder::default();
        let placed = place(store, &mut rec, &rows, &targets, options, Mode::Full)?;
        let report = ReclusterReport {
            faces: targets.len(),
            suggested: placed.suggested,
            clusters: placed.clusters,
            changed: rec.changed_faces,
        };
        rec.commit(
            store,
            "recluster",
            format!(
                "re-clustered {} faces ({} changed)",
                report.faces, report.changed
            ),
        )?;
        Ok(report)
    })
}

/// Places the faces no person has yet (new since the last scan): suggested for a named person,
/// joined to an existing unnamed cluster, or clustered among themselves into new ones. Only
/// new faces are touched.
pub fn match_new_faces(store: &mut Store) -> Result<MatchReport, PeopleError> {
    match_new_faces_with(store, &ClusterOptions::default())
}

pub fn match_new_faces_with(
    store: &mut Store,
    options: &ClusterOptions,
) -> Result<MatchReport, PeopleError> {
    store.transaction(|store| {
        let mut rec = Recorder::default();
        let from_copies = adopt_twin_decisions(store, &mut rec)?;
        let rows = store.match_rows()?;
        let targets: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                rows[i].assignment.state == FaceState::Unassigned
                    && rows[i].assignment.person.is_none()
            })
            .collect();
        let placed = place(store, &mut rec, &rows, &targets, options, Mode::Incremental)?;
        Ok(MatchReport {
            faces: targets.len(),
            suggested: placed.suggested,
            joined: placed.joined,
            new_clusters: placed.clusters,
            from_copies,
        })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Only the targets move; they may join the existing unnamed clusters.
    Incremental,
    /// Faces the user just took out of a person: as `Incremental`, but not suggested for
    /// another named person. Otherwise a face of someone not named yet is handed from one named
    /// look-alike to the next, each asking for another "not this person" (the simulated user
    /// of docs/tools/simulate_user.py spent 342 of 999 actions on such hand-offs). It waits in
    /// an unnamed cluster instead, and in the named persons' review suggestions.
    Rejected,
    /// Every non-confirmed face is a target; clusters are rebuilt.
    Full,
}

#[derive(Debug, Default)]
struct Placed {
    suggested: usize,
    joined: usize,
    /// Clusters formed from the targets that neither matched nor joined.
    clusters: usize,
}

fn place(
    store: &mut Store,
    rec: &mut Recorder,
    rows: &[MatchRow],
    targets: &[usize],
    options: &ClusterOptions,
    mode: Mode,
) -> Result<Placed, PeopleError> {
    let mut placed = Placed::default();
    if targets.is_empty() {
        return Ok(placed);
    }
    let persons: HashMap<PersonId, PersonRow> = store
        .person_rows()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let named = |p: PersonId| persons.get(&p).is_some_and(|r| r.name.is_some());
    let is_target: HashSet<usize> = targets.iter().copied().collect();
    let mut rejections: HashMap<FaceId, Vec<PersonId>> = HashMap::new();
    for (face, person) in store.rejections()? {
        rejections.entry(face).or_default().push(person);
    }
    // Persons confirmed in each photo: nobody else in that photo can be them.
    let mut present: HashMap<PhotoId, Vec<PersonId>> = HashMap::new();
    let mut exemplars = Exemplars::default();
    let mut clusters = Clusters::default();
    let mut holds_confirmed: HashSet<PersonId> = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        if is_target.contains(&i) {
            continue;
        }
        let Some(p) = r.assignment.person else {
            continue;
        };
        match r.assignment.state {
            FaceState::Confirmed => {
                present.entry(r.photo).or_default().push(p);
                holds_confirmed.insert(p);
                // Faces just taken out of a person are never suggested (see `Mode::Rejected`).
                if named(p) && mode != Mode::Rejected {
                    exemplars.descriptors.push(r.descriptor);
                    exemplars.persons.push(p);
                }
            }
            FaceState::Suggested => {
                if mode != Mode::Full && !named(p) {
                    clusters.descriptors.push(r.descriptor);
                    clusters.persons.push(p);
                }
            }
            FaceState::Unassigned | FaceState::Ignored => {}
        }
    }
    let forbidden_for = |r: &MatchRow| -> Vec<PersonId> {
        let mut f = rejections.get(&r.face).cloned().unwrap_or_default();
        f.extend(present.get(&r.photo).into_iter().flatten().copied());
        f
    };
    let queries: Vec<Query> = targets
        .iter()
        .map(|&i| Query {
            descriptor: rows[i].descriptor,
            photo: rows[i].photo,
            forbidden: forbidden_for(&rows[i]),
        })
        .collect();
    let mut result: Vec<Option<AssignmentRow>> = vec![None; targets.len()];
    let suggested = if mode == Mode::Rejected {
        vec![None; queries.len()]
    } else {
        suggest(&queries, &exemplars, options.match_threshold)
    };
    for (k, s) in suggested.iter().enumerate() {
        if let Some((person, distance)) = *s {
            result[k] = Some(AssignmentRow {
                face: rows[targets[k]].face,
                person: Some(person),
                state: FaceState::Suggested,
                distance: Some(distance),
            });
            placed.suggested += 1;
        }
    }
    let linkage = Linkage {
        threshold: options.threshold,
        cap: options.cap.max(options.threshold),
    };
    if mode != Mode::Full && !clusters.persons.is_empty() {
        let open: Vec<usize> = (0..targets.len())
            .filter(|&k| result[k].is_none())
            .collect();
        let open_queries: Vec<Query> = open.iter().map(|&k| queries[k].clone()).collect();
        let joined = join_clusters(&open_queries, &clusters, linkage);
        for (o, j) in joined.into_iter().enumerate() {
            if let Some((p, d)) = j {
                let k = open[o];
                result[k] = Some(AssignmentRow {
                    face: rows[targets[k]].face,
                    person: Some(p),
                    state: FaceState::Suggested,
                    distance: Some(d),
                });
                placed.joined += 1;
            }
        }
    }
    // The rest are clustered among themselves.
    let rest: Vec<usize> = (0..targets.len())
        .filter(|&k| result[k].is_none())
        .collect();
    if !rest.is_empty() {
        let descriptors: Vec<Descriptor> = rest.iter().map(|&k| queries[k].descriptor).collect();
        let mut constraints = CannotLink::none(rest.len());
        for (n, &k) in rest.iter().enumerate() {
            let row = &rows[targets[k]];
            // A face in a person it may not stay in (someone confirmed that person elsewhere in
            // its photo) does not carry that person: the tag would keep it apart from every
            // face with the same prohibition, its copies in identical photos included.
            if let Some(p) = row.assignment.person
                && !queries[k].forbidden.contains(&p)
            {
                constraints.tags[n].push(p as u64);
            }
            constraints.forbids[n].extend(queries[k].forbidden.iter().map(|&p| p as u64));
        }
        let labels = cluster_constrained(&descriptors, options, &constraints);
        let count = labels.iter().max().map_or(0, |m| m + 1);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (n, &l) in labels.iter().enumerate() {
            members[l].push(n);
        }
        placed.clusters = count;
        let mut used: HashSet<PersonId> = HashSet::new();
        // Labels are numbered largest first, so big clusters pick their old ids first.
        for group in members {
            let forbidden: HashSet<PersonId> = group
                .iter()
                .flat_map(|&n| queries[rest[n]].forbidden.iter().copied())
                .collect();
            let mut reuse = None;
            if mode == Mode::Full {
                let mut votes: HashMap<PersonId, usize> = HashMap::new();
                for &n in &group {
                    if let Some(p) = rows[targets[rest[n]]].assignment.person
                        && !named(p)
                        && !holds_confirmed.contains(&p)
                    {
                        *votes.entry(p).or_default() += 1;
                    }
                }
                reuse = votes
                    .into_iter()
                    .filter(|(p, _)| !used.contains(p) && !forbidden.contains(p))
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|(p, _)| p);
            }
            let person = match reuse {
                Some(p) => p,
                None => rec.new_person(store, None)?,
            };
            used.insert(person);
            for n in group {
                let k = rest[n];
                result[k] = Some(AssignmentRow {
                    face: rows[targets[k]].face,
                    person: Some(person),
                    state: FaceState::Suggested,
                    distance: None,
                });
            }
        }
    }
    for (k, new) in result.into_iter().enumerate() {
        if let Some(new) = new {
            rec.set_face_known(store, rows[targets[k]].assignment, new)?;
        }
    }
    Ok(placed)
}

#[cfg(test)]
mod tests;
