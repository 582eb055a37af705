//! Where the faces no one decided about go: new faces after a scan (suggested for a named
//! person, joined to an unnamed group, or grouped among themselves), everything again on a
//! re-clustering, and faces a correction freed.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{
    PeopleError, PersonId, Recorder, is_decided, like_rejected, make_new, rejected_rows,
    rejections_by_face,
};
use crate::engine::resnet::Descriptor;
use crate::library::people_store::{AssignmentRow, FaceState, MatchRow, PersonRow};
use crate::library::store::{FaceId, PhotoId, Store};
use crate::people::agglomerative::{CannotLink, Linkage};
use crate::people::matching::{
    ClusterOptions, Clusters, Exemplars, Query, cluster_constrained, join_clusters, suggest,
};

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

/// Brings each face of an identical copy in line with the same face in the other copies:
/// faces the user has not decided about take the group's rejections and, where its decided
/// faces agree, their decision (confirmed in a person, or ignored). Returns how many took a
/// decision. Twins decided differently (in a library older than this rule) stay as they are.
fn adopt_twin_decisions(store: &mut Store, rec: &mut Recorder) -> Result<usize, PeopleError> {
    let groups = store.face_twin_groups()?;
    if groups.is_empty() {
        return Ok(0);
    }
    let rejections = rejections_by_face(store)?;
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
pub(super) enum Mode {
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
pub(super) struct Placed {
    suggested: usize,
    joined: usize,
    /// Clusters formed from the targets that neither matched nor joined.
    clusters: usize,
}

pub(super) fn place(
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
    let rejections = rejections_by_face(store)?;
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
        let mut suggested = suggest(&queries, &exemplars, options.match_threshold);
        // A face more like one said not to be the person than like any of theirs is not
        // suggested for them: on lfw-cluster-dev that is a quarter of the wrong suggestions
        // (docs/BENCHMARKS.md). It is placed as a face of no one named.
        let rejected_from = rejected_rows(rows, &rejections);
        for (query, s) in queries.iter().zip(&mut suggested) {
            if let Some((person, distance)) = *s
                && let Some(rejected) = rejected_from.get(&person)
                && like_rejected(&query.descriptor, rejected, distance).is_some()
            {
                *s = None;
            }
        }
        suggested
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
