//! Review's questions: the faces that are most likely a person (or, for everyone named, the
//! person each is most like), nearest first, never ones the user already answered.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::{
    Copies, PeopleError, PersonId, SUGGESTION_MAX_DISTANCE, like_rejected, rejected_rows,
    rejections_by_face, require_person,
};
use crate::engine::resnet::Descriptor;
use crate::library::people_store::{FaceState, MatchRow};
use crate::library::store::{FaceId, PhotoId, Store};
use crate::people::graph::nearest_allowed;

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
    /// A face the user said is not this person that this one is nearer to than to any of the
    /// person's: most likely that same someone else. Such faces are offered after all the
    /// others, past where Review stops.
    pub like_rejected: Option<FaceId>,
    /// The photo of that face.
    pub like_rejected_photo: Option<PhotoId>,
}

/// Faces not confirmed for a person that most likely are them, nearest first: for quick
/// yes/no review. Compared with the person's confirmed faces (or, for a cluster with none,
/// its suggested ones); never faces rejected from the person or in a photo where the person is
/// already confirmed. Every "not this person" teaches it: a face nearer to one rejected from
/// the person than to any of theirs comes last ([`Suggestion::like_rejected`]); on
/// lfw-cluster-dev that takes 72–80 % of the "No" answers out of Review for under 0.5 % of
/// the right faces (docs/BENCHMARKS.md).
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
    /// The faces the user said are not the person, one of each group of copies.
    rejected: Vec<&'a MatchRow>,
}

impl<'a> Asker<'a> {
    /// See [`like_rejected`].
    fn like_rejected(&self, descriptor: &Descriptor, distance: f32) -> Option<&'a MatchRow> {
        like_rejected(descriptor, &self.rejected, distance)
    }
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
    let rejections = rejections_by_face(store)?;
    let mut rejected_faces: HashMap<PersonId, Vec<FaceId>> = HashMap::new();
    for (&face, persons) in &rejections {
        for &p in persons {
            rejected_faces.entry(p).or_default().push(face);
        }
    }
    let mut rejected_of = rejected_rows(&rows, &rejections);
    let mut askers = Vec::with_capacity(persons.len());
    for &id in persons {
        let theirs = confirmed.remove(&id).unwrap_or_default();
        let confirmed_photos = theirs.iter().map(|r| copies.photo(r.photo)).collect();
        let exemplars = if theirs.is_empty() {
            suggested.remove(&id).unwrap_or_default()
        } else {
            theirs
        };
        // Barred by id, rows or not: a copy of a rejected face is barred with it.
        let barred_faces = exemplars
            .iter()
            .map(|r| r.face)
            .chain(rejected_faces.remove(&id).into_iter().flatten())
            .map(|f| copies.face(f))
            .collect();
        let rejected = rejected_of.remove(&id).unwrap_or_default();
        let rejected = copies.one_face_each(rejected, |r| r.face);
        askers.push(Asker {
            id,
            // Copies add nothing to compare with.
            exemplars: copies.one_face_each(exemplars, |r| r.face),
            barred_faces,
            confirmed_photos,
            rejected,
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
    let mut found: Vec<(Option<&MatchRow>, f32, &MatchRow, usize)> = nearest
        .into_iter()
        .zip(&candidates)
        .filter_map(|(n, r)| n.map(|(j, d)| (d, *r, j)))
        .filter(|(d, ..)| *d < SUGGESTION_MAX_DISTANCE)
        .map(|(d, r, j)| {
            (
                askers[targets[j].1].like_rejected(&r.descriptor, d),
                d,
                r,
                j,
            )
        })
        .collect();
    found.sort_by(|a, b| {
        (a.0.is_some().cmp(&b.0.is_some()))
            .then(a.1.total_cmp(&b.1))
            .then(a.2.face.cmp(&b.2.face))
    });
    found.truncate(limit);
    let mut out = Vec::with_capacity(found.len());
    for (like_rejected, distance, r, j) in found {
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
            like_rejected: like_rejected.map(|r| r.face),
            like_rejected_photo: like_rejected.map(|r| r.photo),
        });
    }
    Ok(out)
}
