//! Reading people, their faces and photos as the views and the command line list them: each
//! face and photo held in several identical files counted and shown once.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::{Copies, PeopleError, PersonId, require_person};
use crate::engine::geometry::Rect;
use crate::engine::resnet::Descriptor;
use crate::library::people_store::{FaceState, PersonRow};
use crate::library::store::{FaceId, PhotoId, Store};

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
    /// Asked for by the user, not found by the scan: it can be removed
    /// ([`remove_face`](super::remove_face)).
    pub by_hand: bool,
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
    /// (see [`crate::people::matching::distances_to_centre`]).
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
            let from_centre = crate::people::matching::distances_to_centre(&listed);
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
