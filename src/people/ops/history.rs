//! The operations log: what each correction changed, kept so that undo restores exactly the
//! state before it and redo the state after, and the log's descriptions in the app's words.

use std::collections::HashSet;

use super::{PeopleError, PersonId, require_person};
use crate::library::path_text::TextPath;
use crate::library::people_store::{AssignmentRow, FaceState, PersonRow};
use crate::library::store::{FaceId, PhotoId, RemovedFace, Store};
use crate::library::turn::Turn;

/// An image of what one operation changed, as it was on one side of it: the log keeps the
/// before-image of each operation (applying it undoes the operation) and, once undone, the
/// after-image (applying it redoes it). [`apply`] makes either from the other. An entry that
/// grew as a job went is kept in parts (see [`GrowingEntry`]).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct UndoRecord {
    pub(super) description: String,
    pub(super) faces: Vec<AssignmentRow>,
    pub(super) persons: Vec<PersonRow>,
    pub(super) rejections_added: Vec<(FaceId, PersonId)>,
    pub(super) rejections_removed: Vec<(FaceId, PersonId)>,
    /// Deleted on undo if no face is assigned to them any more.
    pub(super) created_persons: Vec<PersonId>,
    /// A subfolder left out of the library, with the photos that took out of People and
    /// their status before; undoing takes the folder back in and brings them back.
    #[serde(default)]
    pub(super) left_out_folder: Option<(TextPath, Vec<(PhotoId, String)>)>,
    /// Faces the user added (drawn, or found on a closer look); deleted on undo.
    #[serde(default)]
    pub(super) added_faces: Vec<FaceId>,
    /// Faces the user took away again, as stored; put back on undo, before the rest.
    #[serde(default)]
    pub(super) removed_faces: Vec<RemovedFace>,
    /// Person rows an undo deleted (persons an operation had created); put back on redo,
    /// with their ids.
    #[serde(default)]
    pub(super) restored_persons: Vec<PersonRow>,
    /// A subfolder taken back in by an undo; redoing leaves it out again.
    #[serde(default)]
    pub(super) folder_to_leave_out: Option<TextPath>,
    /// Photos the user turned, as they were turned before, with their faces as they were.
    #[serde(default)]
    pub(super) turned_photos: Vec<PhotoAsTurned>,
    /// A photo folder the library followed to where it was moved: (where it is now, where it
    /// goes back to). Applying it follows the folder back, photos, names and all.
    #[serde(default)]
    pub(super) followed_folder: Option<(TextPath, TextPath)>,
}

/// A photo as it was on one side of a turn: its turn and full size, and the faces it had on
/// both sides (the faces the turn added are in [`UndoRecord::added_faces`]), as stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct PhotoAsTurned {
    pub(super) photo: PhotoId,
    /// Quarter turns clockwise.
    pub(super) turn: u8,
    pub(super) size: (u32, u32),
    pub(super) faces: Vec<RemovedFace>,
}

impl PhotoAsTurned {
    /// The photo as it is now, with the faces among `faces` it still has; None for a photo no
    /// longer in the library.
    pub(super) fn read(
        store: &Store,
        photo: PhotoId,
        faces: impl IntoIterator<Item = FaceId>,
    ) -> Result<Option<PhotoAsTurned>, PeopleError> {
        // A photo never analysed has no size, and was never turned.
        let Some((record, size)) = store
            .photo(photo)?
            .and_then(|r| Some((r.width?, r.height?)).map(|size| (r, size)))
        else {
            return Ok(None);
        };
        let mut stored = Vec::new();
        for face in faces {
            stored.extend(store.stored_face(face)?);
        }
        Ok(Some(PhotoAsTurned {
            photo,
            turn: record.turn.quarters(),
            size,
            faces: stored,
        }))
    }
}

/// What one undo or redo did: its description, the faces whose person or rejections it put
/// back (a question Review had about one is open again), and the photos it turned (whose
/// pictures, and their faces', a window shows anew).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub description: String,
    pub faces: Vec<FaceId>,
    pub turned_photos: Vec<PhotoId>,
    pub turned_faces: Vec<FaceId>,
}

pub(super) fn to_json(image: &UndoRecord) -> Result<String, PeopleError> {
    serde_json::to_string(image)
        .map_err(|e| PeopleError::Invalid(format!("cannot record the operation: {e}")))
}

/// Writes changes and remembers, once per row, what it was before.
#[derive(Default)]
pub(super) struct Recorder {
    pub(super) undo: UndoRecord,
    pub(super) seen_faces: HashSet<FaceId>,
    pub(super) seen_persons: HashSet<PersonId>,
    pub(super) changed_faces: usize,
}

impl Recorder {
    pub(super) fn set_face_known(
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

    pub(super) fn set_person(
        &mut self,
        store: &mut Store,
        new: PersonRow,
    ) -> Result<(), PeopleError> {
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

    pub(super) fn new_person(
        &mut self,
        store: &mut Store,
        name: Option<&str>,
    ) -> Result<PersonId, PeopleError> {
        let id = store.insert_person(name)?;
        self.undo.created_persons.push(id);
        Ok(id)
    }

    pub(super) fn add_rejection(
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

    pub(super) fn remove_rejection(
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
    pub(super) fn take_face(
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
    pub(super) fn delete_person_if_unused(
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

    /// Writes the log entry — unless the operation changed nothing (faces moved to the person
    /// they were confirmed in, a name given again): an entry then would clear Redo and leave
    /// Ctrl+Z with nothing to take back.
    pub(super) fn commit(
        mut self,
        store: &mut Store,
        kind: &str,
        description: String,
    ) -> Result<(), PeopleError> {
        if self.undo.changes_nothing() {
            return Ok(());
        }
        self.undo.description = description;
        store.push_operation(kind, &to_json(&self.undo)?)?;
        Ok(())
    }
}

/// A log entry that grows as a long job goes (a closer look at many photos, a batch of
/// turns), undone as one operation. Each step is stored in the same transaction as its part
/// of the undo image, so that stopping half way — or the app being killed — keeps what was
/// done and undo still takes it all back; a step writes only its own part and the entry's
/// description, not the whole entry again.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct GrowingEntry {
    /// The log entry, once the first step is logged.
    operation: Option<i64>,
}

impl GrowingEntry {
    /// Logs `part`, what one step changed, in the caller's transaction. True if it joined the
    /// entry so far; false if it started one: the first step, or the user undid the steps so
    /// far while the job went on, and the rest is a new entry. Then [`Self::describe`] it.
    pub(super) fn grow(
        &mut self,
        store: &mut Store,
        kind: &str,
        part: &UndoRecord,
    ) -> Result<bool, PeopleError> {
        let part = to_json(part)?;
        if let Some(operation) = self.operation
            && store.add_operation_part(operation, &part)?
        {
            return Ok(true);
        }
        let operation = store.push_operation(kind, &to_json(&UndoRecord::default())?)?;
        store.add_operation_part(operation, &part)?;
        self.operation = Some(operation);
        Ok(false)
    }

    /// Says what the whole entry did, as the history lists it.
    pub(super) fn describe(
        &self,
        store: &mut Store,
        description: String,
    ) -> Result<(), PeopleError> {
        if let Some(operation) = self.operation {
            let head = UndoRecord {
                description,
                ..Default::default()
            };
            store.update_operation(operation, &to_json(&head)?)?;
        }
        Ok(())
    }
}

impl UndoRecord {
    /// Whether applying the record would change nothing: the operation it is the image of
    /// changed nothing.
    fn changes_nothing(&self) -> bool {
        // Spelled out field by field so that a field added later must be thought of here.
        let UndoRecord {
            description: _,
            faces,
            persons,
            rejections_added,
            rejections_removed,
            created_persons,
            left_out_folder,
            added_faces,
            removed_faces,
            restored_persons,
            folder_to_leave_out,
            turned_photos,
            followed_folder,
        } = self;
        faces.is_empty()
            && persons.is_empty()
            && rejections_added.is_empty()
            && rejections_removed.is_empty()
            && created_persons.is_empty()
            && left_out_folder.is_none()
            && added_faces.is_empty()
            && removed_faces.is_empty()
            && restored_persons.is_empty()
            && folder_to_leave_out.is_none()
            && turned_photos.is_empty()
            && followed_folder.is_none()
    }

    /// Takes in a later part of the same entry (see [`GrowingEntry`]); the description stays.
    fn absorb(&mut self, part: UndoRecord) {
        self.faces.extend(part.faces);
        self.persons.extend(part.persons);
        self.rejections_added.extend(part.rejections_added);
        self.rejections_removed.extend(part.rejections_removed);
        self.created_persons.extend(part.created_persons);
        self.left_out_folder = self.left_out_folder.take().or(part.left_out_folder);
        self.added_faces.extend(part.added_faces);
        self.removed_faces.extend(part.removed_faces);
        self.restored_persons.extend(part.restored_persons);
        self.folder_to_leave_out = self.folder_to_leave_out.take().or(part.folder_to_leave_out);
        self.turned_photos.extend(part.turned_photos);
    }
}

/// An operation's image: its payload, with the parts it grew by.
fn read_image(
    store: &Store,
    op: &crate::library::people_store::OperationRow,
) -> Result<UndoRecord, PeopleError> {
    let parse = |json: &str| {
        serde_json::from_str::<UndoRecord>(json).map_err(|e| PeopleError::DamagedLog {
            id: op.id,
            message: e.to_string(),
        })
    };
    let mut image = parse(&op.payload)?;
    for part in store.operation_parts(op.id)? {
        image.absorb(parse(&part)?);
    }
    Ok(image)
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
    for before in &image.turned_photos {
        let faces = before.faces.iter().map(|f| f.id);
        // A photo forgotten since has nothing left to turn back.
        let Some(now) = PhotoAsTurned::read(store, before.photo, faces)? else {
            continue;
        };
        for face in &before.faces {
            store.put_back_face_in_tx(face)?;
        }
        store.set_turn_in_tx(
            before.photo,
            Turn::clockwise(i64::from(before.turn)),
            before.size,
        )?;
        rec.undo.turned_photos.push(now);
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
    let in_image: HashSet<FaceId> = image.faces.iter().map(|a| a.face).collect();
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
        // A copy of the photo found after the operation took the face's decision from it,
        // outside the log: it goes back with the face, or the next matching would hand the
        // decision back from the copy. A copy decided otherwise is left as it is.
        for twin in store.twins_of(a.face)? {
            if in_image.contains(&twin) {
                continue;
            }
            if let Some(t) = store.assignment(twin)?
                && (t.person, t.state) == (old.person, old.state)
            {
                rec.set_face_known(store, t, AssignmentRow { face: twin, ..*a })?;
            }
        }
    }
    let rejections_in_image: HashSet<(FaceId, PersonId)> = image
        .rejections_added
        .iter()
        .chain(&image.rejections_removed)
        .copied()
        .collect();
    // As above: the copies found since share the face's rejections.
    let with_twins = |store: &Store, face: FaceId, person: PersonId| {
        let twins = store.twins_of(face)?;
        let twins = twins
            .into_iter()
            .filter(|&twin| !rejections_in_image.contains(&(twin, person)));
        Ok::<_, PeopleError>(std::iter::once(face).chain(twins).collect::<Vec<_>>())
    };
    for &(face, person) in &image.rejections_added {
        for face in with_twins(store, face, person)? {
            rec.remove_rejection(store, face, person)?;
        }
    }
    for &(face, person) in &image.rejections_removed {
        if store.face_exists(face)? && store.person_row(person)?.is_some() {
            for face in with_twins(store, face, person)? {
                rec.add_rejection(store, face, person)?;
            }
        }
    }
    for &person in &image.created_persons {
        rec.delete_person_if_unused(store, person)?;
    }
    if let Some((folder, photos)) = &image.left_out_folder {
        store.undo_exclusion_in_tx(&folder.0, photos)?;
        rec.undo.folder_to_leave_out = Some(folder.clone());
    }
    if let Some(folder) = &image.folder_to_leave_out {
        let exclusion = store.exclude_folder_in_tx(&folder.0)?;
        rec.undo.left_out_folder = Some((folder.clone(), exclusion.photos));
    }
    if let Some((now, back)) = &image.followed_folder {
        let Some(folder) = store.roots()?.into_iter().find(|r| r.path == now.0) else {
            return Err(changed_since(format!(
                "{} is no longer one of the library's photo folders",
                now.0.display()
            )));
        };
        store.relocate_folder_in_tx(folder.id, &back.0)?;
        rec.undo.followed_folder = Some((back.clone(), now.clone()));
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
    Ok(descriptions(replay(store, n, Replay::Undo)?))
}

/// Redoes the last `n` operations undone since the last new one, the last undone first;
/// returns what was redone.
pub fn redo(store: &mut Store, n: usize) -> Result<Vec<String>, PeopleError> {
    Ok(descriptions(replay(store, n, Replay::Redo)?))
}

/// [`undo`], saying also which photos it turned.
pub fn undo_replayed(store: &mut Store, n: usize) -> Result<Vec<Replayed>, PeopleError> {
    replay(store, n, Replay::Undo)
}

/// [`redo`], saying also which photos it turned.
pub fn redo_replayed(store: &mut Store, n: usize) -> Result<Vec<Replayed>, PeopleError> {
    replay(store, n, Replay::Redo)
}

fn descriptions(replayed: Vec<Replayed>) -> Vec<String> {
    replayed.into_iter().map(|r| r.description).collect()
}

#[derive(Clone, Copy)]
enum Replay {
    Undo,
    Redo,
}

/// Applies the images of the next `n` operations to undo or redo, keeping for each the image
/// that takes it back, in one transaction.
fn replay(store: &mut Store, n: usize, way: Replay) -> Result<Vec<Replayed>, PeopleError> {
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
            let image = read_image(store, &op)?;
            let back = apply(store, &image)?;
            let faces = image
                .faces
                .iter()
                .map(|a| a.face)
                .chain(image.rejections_added.iter().map(|&(face, _)| face))
                .chain(image.rejections_removed.iter().map(|&(face, _)| face))
                .collect();
            let turned_photos = back.turned_photos.iter().map(|p| p.photo).collect();
            let turned_faces = back
                .turned_photos
                .iter()
                .flat_map(|p| p.faces.iter().map(|f| f.id))
                .collect();
            let head = UndoRecord {
                description: back.description.clone(),
                ..Default::default()
            };
            let back = to_json(&back)?;
            match way {
                Replay::Undo => store.mark_operation_undone(op.id, &back)?,
                Replay::Redo => {
                    // Kept as a growing entry is, its description apart from its image: a job
                    // still adding to it (a look closer undone and redone as it goes) adds its
                    // next parts and describes the whole anew without writing over the image.
                    store.mark_operation_redone(op.id, &to_json(&head)?)?;
                    store.add_operation_part(op.id, &back)?;
                }
            }
            done.push(Replayed {
                description: image.description,
                faces,
                turned_photos,
                turned_faces,
            });
        }
        Ok(done)
    })
}

/// What [`undo`] with `n = 1` would undo.
pub fn last_operation(store: &Store) -> Result<Option<String>, PeopleError> {
    Ok(recent_corrections(store, 1)?.into_iter().next())
}

/// Where the log ends now: pass it to [`logged_since`] after a correction.
pub fn log_head(store: &Store) -> Result<Option<i64>, PeopleError> {
    Ok(store.recent_operations(1)?.first().map(|op| op.id))
}

/// What the correction made since the log ended at `head` did, in the log's words; None when
/// it changed nothing, and so was not logged.
pub fn logged_since(store: &Store, head: Option<i64>) -> Result<Option<String>, PeopleError> {
    let newest = store.recent_operations(1)?;
    match newest.first() {
        Some(op) if Some(op.id) != head => Ok(described(&newest)?.into_iter().next()),
        _ => Ok(None),
    }
}

/// What the last `n` undos would take back, newest first: the history to undo back to.
pub fn recent_corrections(store: &Store, n: usize) -> Result<Vec<String>, PeopleError> {
    described(&store.recent_operations(n)?)
}

/// What the next `n` redos would bring back, in the order they would.
pub fn redoable_corrections(store: &Store, n: usize) -> Result<Vec<String>, PeopleError> {
    described(&store.redoable_operations(n)?)
}

/// The descriptions of log entries.
fn described(
    ops: &[crate::library::people_store::OperationRow],
) -> Result<Vec<String>, PeopleError> {
    // Only the description is read: a re-clustering's image holds thousands of faces.
    #[derive(serde::Deserialize)]
    struct Described {
        description: String,
    }
    ops.iter()
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
    Ok(redoable_corrections(store, 1)?.into_iter().next())
}
