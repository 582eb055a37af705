//! The SQL behind people: persons, face assignments, rejections and the operations log.
//! The rules (what an operation means, undo, matching) live in `people::ops`; this file only
//! reads and writes rows.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};

use super::path_text;
use super::store::{
    DUPLICATED_CONTENTS, FaceId, PersonId, PhotoId, Store, StoreError, descriptor_from_blob,
};
use crate::engine::geometry::Rect;
use crate::engine::resnet::{DESCRIPTOR_LEN, Descriptor};

/// Where a face stands with respect to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaceState {
    /// Not in any person yet (new, or just rejected from one).
    Unassigned,
    /// Put in a person automatically: a match to a named person or an unnamed cluster.
    Suggested,
    /// The user said so. Never moved by anything automatic.
    Confirmed,
    /// Not a face, or a stranger: left out of people.
    Ignored,
}

impl FaceState {
    pub fn as_str(self) -> &'static str {
        match self {
            FaceState::Unassigned => "unassigned",
            FaceState::Suggested => "suggested",
            FaceState::Confirmed => "confirmed",
            FaceState::Ignored => "ignored",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unassigned" => Some(FaceState::Unassigned),
            "suggested" => Some(FaceState::Suggested),
            "confirmed" => Some(FaceState::Confirmed),
            "ignored" => Some(FaceState::Ignored),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: Option<String>,
    pub hidden: bool,
    pub key_face: Option<FaceId>,
    /// The person this one was merged into; it is kept, empty, for undo.
    #[serde(default)]
    pub merged_into: Option<PersonId>,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssignmentRow {
    pub face: FaceId,
    pub person: Option<PersonId>,
    pub state: FaceState,
    pub distance: Option<f32>,
}

/// A face shown in a person, with what the UI needs to draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFaceRow {
    pub face: FaceId,
    pub photo: PhotoId,
    pub path: PathBuf,
    pub state: FaceState,
    pub rect: Rect,
    pub distance: Option<f32>,
    pub confidence: f64,
}

/// A face of a photo with its person, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFaceRow {
    pub face: FaceId,
    pub rect: Rect,
    pub person: Option<PersonId>,
    pub person_name: Option<String>,
    pub state: FaceState,
    /// Asked for by the user (see [`crate::library::store::NewFace::by_hand`]).
    pub by_hand: bool,
}

/// A face of a present photo as matching and clustering see it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub face: FaceId,
    pub photo: PhotoId,
    pub confidence: f64,
    pub descriptor: Descriptor,
    pub assignment: AssignmentRow,
}

/// (person, face, state, photo, detector confidence) of a face shown in a person.
pub type Membership = (PersonId, FaceId, FaceState, PhotoId, f64);

/// An entry of the operations log.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn state_of(text: &str) -> rusqlite::Result<FaceState> {
    FaceState::parse(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown face state {text:?}").into(),
        )
    })
}

/// An assignment from the columns `face_id, person_id, state, distance`.
fn assignment_from_row(r: &rusqlite::Row) -> rusqlite::Result<AssignmentRow> {
    Ok(AssignmentRow {
        face: r.get(0)?,
        person: r.get(1)?,
        state: state_of(&r.get::<_, String>(2)?)?,
        distance: r.get(3)?,
    })
}

impl Store {
    fn sql_err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        super::store::sqlite_error(self.path())
    }

    /// Runs `f` in one transaction, for callers with their own error type.
    pub fn transaction<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut result = None;
        let outcome = self.in_transaction(|store| match f(store) {
            Ok(value) => {
                result = Some(Ok(value));
                Ok(())
            }
            Err(e) => {
                result = Some(Err(e));
                // Any error rolls back; the caller's error is returned below.
                Err(StoreError::Corrupt {
                    path: PathBuf::new(),
                    message: "rolled back".into(),
                })
            }
        });
        match (outcome, result) {
            (_, Some(Err(e))) => Err(e),
            (Err(e), _) => Err(e.into()),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Ok(()), None) => unreachable!("the closure ran"),
        }
    }

    // ----- persons -----

    pub fn person_row(&self, id: PersonId) -> Result<Option<PersonRow>, StoreError> {
        Ok(self.person_rows_where("id = ?1", [id])?.pop())
    }

    /// The persons whose key face (the picture on their card) this face is.
    pub fn persons_keyed_by(&self, face: FaceId) -> Result<Vec<PersonRow>, StoreError> {
        self.person_rows_where("key_face_id = ?1", [face])
    }

    pub fn person_rows(&self) -> Result<Vec<PersonRow>, StoreError> {
        self.person_rows_where("1", [])
    }

    fn person_rows_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<PersonRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "SELECT id, name, hidden, key_face_id, merged_into FROM persons WHERE {condition}
                 ORDER BY id"
            ))
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map(params, |r| {
                Ok(PersonRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    hidden: r.get(2)?,
                    key_face: r.get(3)?,
                    merged_into: r.get(4)?,
                })
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    pub fn insert_person(&mut self, name: Option<&str>) -> Result<PersonId, StoreError> {
        let now = now_secs();
        self.connection()
            .execute(
                "INSERT INTO persons (id, name, hidden, created_at, updated_at)
                 VALUES ((SELECT id + 1 FROM last_ids WHERE tbl = 'persons'), ?1, 0, ?2, ?2)",
                params![name, now],
            )
            .map_err(self.sql_err())?;
        Ok(self.connection().last_insert_rowid())
    }

    /// Puts back a person row an undo or redo deleted, with its id; false (and nothing
    /// written) if the id is taken again.
    pub fn restore_person(&mut self, row: &PersonRow) -> Result<bool, StoreError> {
        let now = now_secs();
        self.connection()
            .execute(
                "INSERT OR IGNORE INTO persons
                     (id, name, hidden, key_face_id, merged_into, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    row.id,
                    row.name,
                    row.hidden,
                    row.key_face,
                    row.merged_into,
                    now
                ],
            )
            .map(|n| n > 0)
            .map_err(self.sql_err())
    }

    pub fn update_person(&mut self, row: &PersonRow) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "UPDATE persons SET name = ?2, hidden = ?3, key_face_id = ?4, merged_into = ?5,
                     updated_at = ?6
                 WHERE id = ?1",
                params![
                    row.id,
                    row.name,
                    row.hidden,
                    row.key_face,
                    row.merged_into,
                    now_secs()
                ],
            )
            .map(|_| ())
            .map_err(self.sql_err())
    }

    /// Deletes a person row that nothing refers to any more; false (and nothing deleted) if a
    /// face is still assigned to it.
    pub fn delete_person_if_unused(&mut self, id: PersonId) -> Result<bool, StoreError> {
        self.connection()
            .execute(
                "DELETE FROM persons WHERE id = ?1
                   AND NOT EXISTS (SELECT 1 FROM face_assignments WHERE person_id = ?1)",
                [id],
            )
            .map(|n| n > 0)
            .map_err(self.sql_err())
    }

    /// The persons called `name`, letter case aside ("anna" is Anna, "élodie" Élodie): those
    /// with faces first (in any photo, also one on a drive not connected; a named person whose
    /// photos were all forgotten keeps an empty row with the name), then lowest id first.
    pub fn persons_named(&self, name: &str) -> Result<Vec<PersonId>, StoreError> {
        Ok(self
            .persons_named_with_faces(name)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// [`Store::persons_named`], each with whether it has faces.
    pub fn persons_named_with_faces(
        &self,
        name: &str,
    ) -> Result<Vec<(PersonId, bool)>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT id, name, EXISTS (SELECT 1 FROM face_assignments a WHERE a.person_id = p.id)
                   FROM persons p WHERE name IS NOT NULL
                  ORDER BY 3 DESC, id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, PersonId>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })
            .map_err(self.sql_err())?;
        let wanted = name.to_lowercase();
        let mut named = Vec::new();
        for row in rows {
            let (id, their_name, has_faces) = row.map_err(self.sql_err())?;
            if their_name.to_lowercase() == wanted {
                named.push((id, has_faces));
            }
        }
        Ok(named)
    }

    // ----- assignments -----

    /// A face's assignment; `None` if there is no such face.
    pub fn assignment(&self, face: FaceId) -> Result<Option<AssignmentRow>, StoreError> {
        let row: Option<(Option<PersonId>, Option<String>, Option<f32>)> = self
            .connection()
            .query_row(
                "SELECT a.person_id, a.state, a.distance FROM faces f
                 LEFT JOIN face_assignments a ON a.face_id = f.id WHERE f.id = ?1",
                [face],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(self.sql_err())?;
        Ok(row.map(|(person, state, distance)| AssignmentRow {
            face,
            person,
            state: state
                .as_deref()
                .and_then(FaceState::parse)
                .unwrap_or(FaceState::Unassigned),
            distance,
        }))
    }

    pub fn set_assignment(&mut self, a: &AssignmentRow) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "INSERT INTO face_assignments (face_id, person_id, state, distance) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id,
                    state = excluded.state, distance = excluded.distance",
                params![a.face, a.person, a.state.as_str(), a.distance],
            )
            .map(|_| ())
            .map_err(self.sql_err())
    }

    /// Assignments of the faces in a person, in the given states.
    pub fn assignments_of_person(
        &self,
        person: PersonId,
        states: &[FaceState],
    ) -> Result<Vec<AssignmentRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT face_id, person_id, state, distance FROM face_assignments
                 WHERE person_id = ?1 ORDER BY face_id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([person], assignment_from_row)
            .map_err(self.sql_err())?;
        let all: Vec<AssignmentRow> = rows.collect::<Result<_, _>>().map_err(self.sql_err())?;
        Ok(all
            .into_iter()
            .filter(|a| states.contains(&a.state))
            .collect())
    }

    /// Confirmed and suggested faces of a person, with their photos; confirmed first, then by
    /// distance and id.
    pub fn person_faces(&self, person: PersonId) -> Result<Vec<PersonFaceRow>, StoreError> {
        self.face_rows(
            "SELECT f.id, f.photo_id, p.path, a.state, f.left, f.top, f.right, f.bottom, a.distance, f.confidence
             FROM face_assignments a JOIN faces f INDEXED BY faces_place ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
             WHERE a.person_id = ?1 AND a.state IN ('confirmed', 'suggested') AND p.status = 'done'
             ORDER BY a.state = 'suggested', COALESCE(a.distance, 0), f.id",
            [person],
        )
    }

    /// The faces the user ignored (not a face, or a stranger), in present photos, by photo
    /// path: a folder's faces together.
    pub fn ignored_faces(&self) -> Result<Vec<PersonFaceRow>, StoreError> {
        self.face_rows(
            "SELECT f.id, f.photo_id, p.path, a.state, f.left, f.top, f.right, f.bottom, a.distance, f.confidence
             FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
             WHERE a.person_id IS NULL AND a.state = 'ignored' AND p.status = 'done'
             ORDER BY p.path, f.idx",
            [],
        )
    }

    fn face_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<PersonFaceRow>, StoreError> {
        let mut stmt = self.connection().prepare(sql).map_err(self.sql_err())?;
        let rows = stmt
            .query_map(params, |r| {
                Ok(PersonFaceRow {
                    face: r.get(0)?,
                    photo: r.get(1)?,
                    path: path_text::column(r, 2)?,
                    state: state_of(&r.get::<_, String>(3)?)?,
                    rect: Rect::new(r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
                    distance: r.get(8)?,
                    confidence: r.get(9)?,
                })
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// Every (person, face, state, photo, confidence) of confirmed and suggested faces of
    /// present photos: the raw material of person summaries.
    pub fn person_membership(&self) -> Result<Vec<Membership>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT a.person_id, a.face_id, a.state, f.photo_id, f.confidence
                 FROM face_assignments a JOIN faces f INDEXED BY faces_place ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
                 WHERE a.person_id IS NOT NULL AND a.state IN ('confirmed', 'suggested') AND p.status = 'done'",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    state_of(&r.get::<_, String>(2)?)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    pub fn photo_faces(&self, photo: PhotoId) -> Result<Vec<PhotoFaceRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT f.id, f.left, f.top, f.right, f.bottom, a.person_id, p.name, COALESCE(a.state, 'unassigned'),
                    f.by_hand
                 FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id
                 LEFT JOIN persons p ON p.id = a.person_id
                 WHERE f.photo_id = ?1 ORDER BY f.idx",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([photo], |r| {
                Ok(PhotoFaceRow {
                    face: r.get(0)?,
                    rect: Rect::new(r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    person: r.get(5)?,
                    person_name: r.get(6)?,
                    state: state_of(&r.get::<_, String>(7)?)?,
                    by_hand: r.get(8)?,
                })
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// Present photos in which every one of `persons` has a confirmed or suggested face.
    pub fn photos_with_all(&self, persons: &[PersonId]) -> Result<Vec<PhotoId>, StoreError> {
        if persons.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique = persons.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let list = unique
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT f.photo_id FROM face_assignments a JOIN faces f INDEXED BY faces_place ON f.id = a.face_id
             JOIN photos p ON p.id = f.photo_id
             WHERE a.person_id IN ({list}) AND a.state IN ('confirmed', 'suggested') AND p.status = 'done'
             GROUP BY f.photo_id HAVING COUNT(DISTINCT a.person_id) = {} ORDER BY f.photo_id",
            unique.len()
        );
        let mut stmt = self.connection().prepare(&sql).map_err(self.sql_err())?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// The descriptors of a person's confirmed and suggested faces.
    pub fn person_descriptors(
        &self,
        person: PersonId,
    ) -> Result<HashMap<FaceId, Descriptor>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT f.id, f.descriptor FROM face_assignments a JOIN faces f ON f.id = a.face_id
                 WHERE a.person_id = ?1 AND a.state IN ('confirmed', 'suggested')",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([person], |r| {
                let blob: Vec<u8> = r.get(1)?;
                Ok((
                    r.get(0)?,
                    descriptor_from_blob(&blob).unwrap_or([0.0; DESCRIPTOR_LEN]),
                ))
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// Every face of every present photo with its descriptor and assignment, in face id order.
    pub fn match_rows(&self) -> Result<Vec<MatchRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT f.id, f.photo_id, f.confidence, f.descriptor, a.person_id, COALESCE(a.state, 'unassigned'), a.distance
                 FROM faces f JOIN photos p ON p.id = f.photo_id
                 LEFT JOIN face_assignments a ON a.face_id = f.id
                 WHERE p.status = 'done' ORDER BY f.id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                let face: FaceId = r.get(0)?;
                let blob: Vec<u8> = r.get(3)?;
                Ok(MatchRow {
                    face,
                    photo: r.get(1)?,
                    confidence: r.get(2)?,
                    descriptor: descriptor_from_blob(&blob).unwrap_or([0.0; DESCRIPTOR_LEN]),
                    assignment: AssignmentRow {
                        face,
                        person: r.get(4)?,
                        state: state_of(&r.get::<_, String>(5)?)?,
                        distance: r.get(6)?,
                    },
                })
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    // ----- the same face in identical photos -----

    /// The other analysed files with the same content as this photo.
    pub fn copies_of(&self, photo: PhotoId) -> Result<Vec<PhotoId>, StoreError> {
        self.ids(
            "SELECT q.id FROM photos p
             JOIN photos q ON q.content_hash = p.content_hash AND q.id <> p.id
             WHERE p.id = ?1 AND q.status = 'done' ORDER BY q.id",
            photo,
        )
    }

    /// Photos whose files are identical (the same content hash): groups of two or more, each
    /// in order of preference for showing: the oldest file first (usually the original, as a
    /// copy made later is newer), then by path.
    pub fn photo_copy_groups(&self) -> Result<Vec<Vec<PhotoId>>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "SELECT id, content_hash FROM photos WHERE content_hash IN ({DUPLICATED_CONTENTS})
                 ORDER BY content_hash, mtime_ns, path"
            ))
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, PhotoId>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(self.sql_err())?;
        let mut groups: Vec<Vec<PhotoId>> = Vec::new();
        let mut previous: Option<String> = None;
        for row in rows {
            let (photo, hash) = row.map_err(self.sql_err())?;
            if previous.as_ref() != Some(&hash) {
                groups.push(Vec::new());
                previous = Some(hash);
            }
            if let Some(group) = groups.last_mut() {
                group.push(photo);
            }
        }
        Ok(groups)
    }

    /// Faces that are one face seen in several identical files (a backup folder, an import
    /// made twice): the same box in photos with the same content. Groups of two or more, each
    /// in the order of preference of their photos ([`Store::photo_copy_groups`]).
    pub fn face_twin_groups(&self) -> Result<Vec<Vec<FaceId>>, StoreError> {
        // Photo → (content, rank among its copies).
        let mut content_of: HashMap<PhotoId, (usize, usize)> = HashMap::new();
        for (content, photos) in self.photo_copy_groups()?.into_iter().enumerate() {
            for (rank, photo) in photos.into_iter().enumerate() {
                content_of.insert(photo, (content, rank));
            }
        }
        if content_of.is_empty() {
            return Ok(Vec::new());
        }
        // Every face's place, read from the narrow index rather than the wide face rows.
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT id, photo_id, left, top, right, bottom FROM faces INDEXED BY faces_place
                 ORDER BY id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, FaceId>(0)?,
                    r.get::<_, PhotoId>(1)?,
                    [r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
                ))
            })
            .map_err(self.sql_err())?;
        let mut groups: Vec<Vec<(usize, FaceId)>> = Vec::new();
        let mut group_of: HashMap<(usize, [i64; 4]), usize> = HashMap::new();
        for row in rows {
            let (face, photo, rect) = row.map_err(self.sql_err())?;
            let Some(&(content, rank)) = content_of.get(&photo) else {
                continue;
            };
            let next = groups.len();
            let group = *group_of.entry((content, rect)).or_insert(next);
            if group == next {
                groups.push(Vec::new());
            }
            groups[group].push((rank, face));
        }
        Ok(groups
            .into_iter()
            .filter(|g| g.len() > 1)
            .map(|mut g| {
                g.sort_unstable();
                g.into_iter().map(|(_, face)| face).collect()
            })
            .collect())
    }

    /// Every face's assignment, in face id order (faces never placed are not listed).
    pub fn all_assignments(&self) -> Result<Vec<AssignmentRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT face_id, person_id, state, distance FROM face_assignments ORDER BY face_id",
            )
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], assignment_from_row)
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// The same face as `face` in the other photos with identical content, in id order.
    pub fn twins_of(&self, face: FaceId) -> Result<Vec<FaceId>, StoreError> {
        self.ids(
            "SELECT t.id FROM faces f
             JOIN photos p ON p.id = f.photo_id
             JOIN photos q ON q.content_hash = p.content_hash AND q.id <> p.id
             JOIN faces t ON t.photo_id = q.id AND t.left = f.left AND t.top = f.top
                AND t.right = f.right AND t.bottom = f.bottom
             WHERE f.id = ?1 ORDER BY t.id",
            face,
        )
    }

    // ----- rejections -----

    /// Records "this face is not this person"; false if it was already recorded.
    pub fn add_rejection(&mut self, face: FaceId, person: PersonId) -> Result<bool, StoreError> {
        self.connection()
            .execute(
                "INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?1, ?2)",
                params![face, person],
            )
            .map(|n| n > 0)
            .map_err(self.sql_err())
    }

    /// False if there was no such rejection.
    pub fn remove_rejection(&mut self, face: FaceId, person: PersonId) -> Result<bool, StoreError> {
        self.connection()
            .execute(
                "DELETE FROM rejections WHERE face_id = ?1 AND person_id = ?2",
                params![face, person],
            )
            .map(|n| n > 0)
            .map_err(self.sql_err())
    }

    pub fn rejections(&self) -> Result<Vec<(FaceId, PersonId)>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT face_id, person_id FROM rejections ORDER BY face_id, person_id")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// The persons a face was said not to be.
    pub fn rejections_of_face(&self, face: FaceId) -> Result<Vec<PersonId>, StoreError> {
        self.ids(
            "SELECT person_id FROM rejections WHERE face_id = ?1 ORDER BY person_id",
            face,
        )
    }

    pub fn rejections_of_person(&self, person: PersonId) -> Result<Vec<FaceId>, StoreError> {
        self.ids(
            "SELECT face_id FROM rejections WHERE person_id = ?1 ORDER BY face_id",
            person,
        )
    }

    /// The ids a query of one id gives (faces, persons or photos).
    fn ids(&self, sql: &str, id: i64) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare_cached(sql)
            .map_err(self.sql_err())?;
        let rows = stmt.query_map([id], |r| r.get(0)).map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    // ----- operations log -----

    /// Logs an operation with its undo image. A new operation ends what could be redone:
    /// the redo images of operations undone before it no longer fit what it changed.
    pub fn push_operation(&mut self, kind: &str, payload: &str) -> Result<i64, StoreError> {
        self.connection()
            .execute(
                "UPDATE operations SET redo = NULL WHERE redo IS NOT NULL",
                [],
            )
            .map_err(self.sql_err())?;
        self.connection()
            .execute(
                "INSERT INTO operations (at, kind, payload, undone) VALUES (?1, ?2, ?3, 0)",
                params![now_secs(), kind, payload],
            )
            .map_err(self.sql_err())?;
        Ok(self.connection().last_insert_rowid())
    }

    /// The most recent operations not yet undone, newest first.
    pub fn recent_operations(&self, limit: usize) -> Result<Vec<OperationRow>, StoreError> {
        self.operation_rows(
            "SELECT id, kind, payload FROM operations WHERE undone = 0 ORDER BY id DESC LIMIT ?1",
            limit,
        )
    }

    fn operation_rows(&self, sql: &str, limit: usize) -> Result<Vec<OperationRow>, StoreError> {
        let mut stmt = self.connection().prepare(sql).map_err(self.sql_err())?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok(OperationRow {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    payload: r.get(2)?,
                })
            })
            .map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// Replaces the undo image of an operation that is still growing (a closer look at many
    /// photos logs each photo's faces as they are stored); false if it was undone meanwhile.
    pub fn update_operation(&mut self, id: i64, payload: &str) -> Result<bool, StoreError> {
        self.connection()
            .execute(
                "UPDATE operations SET payload = ?2 WHERE id = ?1 AND undone = 0",
                params![id, payload],
            )
            .map(|n| n > 0)
            .map_err(self.sql_err())
    }

    /// Adds a part to the undo image of an operation that is still growing, as
    /// [`Self::update_operation`] does for its payload; false if it was undone meanwhile.
    pub fn add_operation_part(&mut self, id: i64, part: &str) -> Result<bool, StoreError> {
        self.connection()
            .execute(
                "INSERT INTO operation_parts (operation_id, part, payload)
                 SELECT id, (SELECT COALESCE(MAX(part), 0) + 1 FROM operation_parts
                             WHERE operation_id = ?1), ?2
                 FROM operations WHERE id = ?1 AND undone = 0",
                params![id, part],
            )
            .map(|n| n > 0)
            .map_err(self.sql_err())
    }

    /// The parts an operation's undo image has beside its payload, in the order added.
    pub fn operation_parts(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT payload FROM operation_parts WHERE operation_id = ?1 ORDER BY part",
            )
            .map_err(self.sql_err())?;
        let rows = stmt.query_map([id], |r| r.get(0)).map_err(self.sql_err())?;
        rows.collect::<Result<_, _>>().map_err(self.sql_err())
    }

    /// Marks an operation undone, keeping `redo`, the image that redoes it. Its undo image
    /// has served: its parts go.
    pub fn mark_operation_undone(&mut self, id: i64, redo: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "UPDATE operations SET undone = 1, redo = ?2 WHERE id = ?1",
                params![id, redo],
            )
            .map_err(self.sql_err())?;
        self.drop_operation_parts(id)
    }

    fn drop_operation_parts(&mut self, id: i64) -> Result<(), StoreError> {
        self.connection()
            .execute("DELETE FROM operation_parts WHERE operation_id = ?1", [id])
            .map(|_| ())
            .map_err(self.sql_err())
    }

    /// The operations undone since the last new one, in the order to redo them (the last
    /// undone first: undo goes newest first, so oldest first here), each with its redo image
    /// as the payload.
    pub fn redoable_operations(&self, limit: usize) -> Result<Vec<OperationRow>, StoreError> {
        self.operation_rows(
            "SELECT id, kind, redo FROM operations WHERE undone = 1 AND redo IS NOT NULL
             ORDER BY id LIMIT ?1",
            limit,
        )
    }

    /// Marks an undone operation done again, with `payload`, the whole image that undoes it
    /// now.
    pub fn mark_operation_redone(&mut self, id: i64, payload: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "UPDATE operations SET undone = 0, redo = NULL, payload = ?2 WHERE id = ?1",
                params![id, payload],
            )
            .map_err(self.sql_err())?;
        self.drop_operation_parts(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_assignments_rejections_and_log_round_trip() {
        let mut store = Store::open_in_memory().unwrap();
        let id = store.insert_person(Some("Ada")).unwrap();
        let mut row = store.person_row(id).unwrap().unwrap();
        assert_eq!(row.name.as_deref(), Some("Ada"));
        row.hidden = true;
        store.update_person(&row).unwrap();
        assert!(store.person_row(id).unwrap().unwrap().hidden);
        assert_eq!(store.persons_named("Ada").unwrap(), vec![id]);
        assert!(store.assignment(12345).unwrap().is_none());

        // A rejection needs a real face: rows reference faces.
        assert!(store.add_rejection(1, id).is_err());

        let op = store.push_operation("name", "{}").unwrap();
        assert_eq!(store.recent_operations(5).unwrap()[0].id, op);
        store.mark_operation_undone(op, "{\"redo\":1}").unwrap();
        assert!(store.recent_operations(5).unwrap().is_empty());
        let redoable = store.redoable_operations(5).unwrap();
        assert_eq!(
            (redoable[0].id, redoable[0].payload.as_str()),
            (op, "{\"redo\":1}")
        );
        store.mark_operation_redone(op, "{\"undo\":2}").unwrap();
        assert_eq!(
            store.recent_operations(5).unwrap()[0].payload,
            "{\"undo\":2}"
        );
        assert!(store.redoable_operations(5).unwrap().is_empty());
        // A new operation ends what could be redone; a growing one's image can be replaced
        // until it is undone.
        store.mark_operation_undone(op, "{}").unwrap();
        let next = store.push_operation("hide", "{}").unwrap();
        assert!(store.redoable_operations(5).unwrap().is_empty());
        assert!(store.update_operation(next, "{\"grown\":1}").unwrap());
        assert!(!store.update_operation(op, "{}").unwrap());
    }

    #[test]
    fn a_growing_operation_keeps_its_parts_in_order_until_undone_or_redone() {
        let mut store = Store::open_in_memory().unwrap();
        let op = store.push_operation("turn", "{}").unwrap();
        let other = store.push_operation("turn", "{}").unwrap();
        for part in ["a", "b", "c"] {
            assert!(store.add_operation_part(op, part).unwrap());
        }
        assert!(store.add_operation_part(other, "x").unwrap());
        assert_eq!(store.operation_parts(op).unwrap(), ["a", "b", "c"]);
        assert_eq!(store.operation_parts(other).unwrap(), ["x"]);
        // Undone, its undo image has served; a part for it is refused, as an update is.
        store.mark_operation_undone(op, "{}").unwrap();
        assert!(store.operation_parts(op).unwrap().is_empty());
        assert!(!store.add_operation_part(op, "d").unwrap());
        assert_eq!(store.operation_parts(other).unwrap(), ["x"]);
        // Redone, its payload is its whole undo image again.
        store.mark_operation_redone(op, "{\"whole\":1}").unwrap();
        assert!(store.operation_parts(op).unwrap().is_empty());
        assert!(store.add_operation_part(op, "e").unwrap());
        assert_eq!(store.operation_parts(op).unwrap(), ["e"]);
    }

    #[test]
    fn transaction_rolls_back_on_the_callers_error() {
        let mut store = Store::open_in_memory().unwrap();
        #[derive(Debug)]
        enum E {
            Store,
            Refused,
        }
        impl From<StoreError> for E {
            fn from(_: StoreError) -> Self {
                E::Store
            }
        }
        let result: Result<(), E> = store.transaction(|s| {
            s.insert_person(Some("Gone"))?;
            Err(E::Refused)
        });
        assert!(matches!(result, Err(E::Refused)), "{result:?}");
        assert!(store.person_rows().unwrap().is_empty());
    }
}
