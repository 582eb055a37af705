//! Matching faces to people, in memory: suggestions for named persons from their confirmed
//! exemplars, joining existing unnamed clusters, and clustering what is left, always under the
//! user's constraints (rejections, one person per photo, confirmed faces never move).
//!
//! The functions here are pure; `people::ops` loads rows from the store, calls them and writes
//! the resulting assignments back.

use std::collections::{HashMap, HashSet};

use super::agglomerative::{CannotLink, Linkage, agglomerative};
use super::chinese_whispers::chinese_whispers;
use super::graph::{cross_within, distance, nearest_allowed, nearest_within, neighbours_within};
use super::quantized::{QuantizedIndex, nearest_allowed_indexed};
use crate::engine::resnet::Descriptor;
use crate::library::store::{PersonId, PhotoId};

/// Default distance below which a face is suggested for a named person (dlib's 0.6).
pub const DEFAULT_MATCH_THRESHOLD: f32 = 0.6;

/// How faces that match no named person are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Average linkage with a complete-linkage cap (Kindred's default).
    Agglomerative,
    /// dlib's example: Chinese whispers on the graph of pairs closer than the threshold.
    ChineseWhispers,
}

/// Everything that decides how faces are grouped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterOptions {
    pub method: Method,
    /// Agglomerative: largest average distance for a merge. Chinese whispers: edge threshold.
    pub threshold: f32,
    /// Agglomerative only: no merge if any pair across it is this far apart.
    pub cap: f32,
    /// Suggest a face for a named person whose nearest confirmed face is closer than this.
    pub match_threshold: f32,
    /// Agglomerative only: close neighbours kept per face (see [`super::graph::nearest_within`]).
    pub neighbours: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            method: Method::Agglomerative,
            threshold: super::agglomerative::DEFAULT_THRESHOLD,
            cap: super::agglomerative::DEFAULT_CAP,
            match_threshold: DEFAULT_MATCH_THRESHOLD,
            neighbours: super::agglomerative::DEFAULT_NEIGHBOURS,
        }
    }
}

impl ClusterOptions {
    /// dlib's example settings: Chinese whispers at 0.6.
    pub fn chinese_whispers() -> Self {
        ClusterOptions {
            method: Method::ChineseWhispers,
            threshold: 0.6,
            ..Default::default()
        }
    }
}

/// Clusters descriptors with no constraints; labels `0..k`, largest cluster first.
pub fn cluster(descriptors: &[Descriptor], options: &ClusterOptions) -> Vec<usize> {
    cluster_constrained(descriptors, options, &CannotLink::none(descriptors.len()))
}

/// Clusters descriptors; with agglomerative clustering the cannot-links are respected (Chinese
/// whispers ignores them, and callers must check them when naming clusters).
pub fn cluster_constrained(
    descriptors: &[Descriptor],
    options: &ClusterOptions,
    constraints: &CannotLink,
) -> Vec<usize> {
    match options.method {
        Method::ChineseWhispers => {
            chinese_whispers(&neighbours_within(descriptors, options.threshold), 100, 0)
        }
        Method::Agglomerative => {
            let cap = options.cap.max(options.threshold);
            let pairs = nearest_within(descriptors, cap, options.neighbours);
            agglomerative(
                descriptors.len(),
                &pairs,
                &|i, j| distance(&descriptors[i as usize], &descriptors[j as usize]),
                Linkage {
                    threshold: options.threshold,
                    cap,
                },
                constraints,
            )
        }
    }
}

/// How likely a suggested face is the person, in words for the review page: from its distance to
/// the person's nearest confirmed face and the user's match distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likelihood {
    /// Well inside the match distance: almost always the person.
    VeryLikely,
    /// Inside the match distance: suggested automatically.
    Likely,
    /// Beyond the match distance: offered for review only, often someone else.
    LessLikely,
}

impl Likelihood {
    pub fn of(distance: f32, match_threshold: f32) -> Likelihood {
        if distance < match_threshold - 0.1 {
            Likelihood::VeryLikely
        } else if distance < match_threshold {
            Likelihood::Likely
        } else {
            Likelihood::LessLikely
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Likelihood::VeryLikely => "very likely",
            Likelihood::Likely => "likely",
            Likelihood::LessLikely => "less likely",
        }
    }
}

/// Confirmed faces of named persons: what new faces are compared with.
#[derive(Debug, Clone, Default)]
pub struct Exemplars {
    pub descriptors: Vec<Descriptor>,
    pub persons: Vec<PersonId>,
    /// Built by [`Exemplars::prepare`] for exemplars kept to match many single faces.
    index: Option<QuantizedIndex>,
}

impl Exemplars {
    pub fn new(descriptors: Vec<Descriptor>, persons: Vec<PersonId>) -> Self {
        Exemplars {
            descriptors,
            persons,
            index: None,
        }
    }

    /// Builds an 8-bit copy that makes matching one to eight faces at a time faster, with the
    /// same answers (a pass over all exemplars: worth it only if they are kept for several
    /// matches). Adding exemplars afterwards makes the copy stale; it is then not used.
    pub fn prepare(&mut self) {
        self.index = QuantizedIndex::new(&self.descriptors);
    }
}

/// A face to place.
#[derive(Debug, Clone)]
pub struct Query {
    pub descriptor: Descriptor,
    pub photo: PhotoId,
    /// Persons this face must never be given to: its rejections, and persons already confirmed
    /// (or otherwise present) in its photo.
    pub forbidden: Vec<PersonId>,
}

/// For each query, the named person to suggest and the distance to their nearest exemplar:
/// the closest allowed exemplar below `threshold`. A person gets at most one face per photo
/// (the closest); the others in that photo stay unmatched.
pub fn suggest(
    queries: &[Query],
    exemplars: &Exemplars,
    threshold: f32,
) -> Vec<Option<(PersonId, f32)>> {
    let descriptors: Vec<Descriptor> = queries.iter().map(|q| q.descriptor).collect();
    let allowed = |i: usize, j: usize| !queries[i].forbidden.contains(&exemplars.persons[j]);
    let nearest = match &exemplars.index {
        Some(index) => {
            nearest_allowed_indexed(&descriptors, &exemplars.descriptors, index, allowed)
        }
        None => nearest_allowed(&descriptors, &exemplars.descriptors, allowed),
    };
    let mut picks: Vec<Option<(PersonId, f32)>> = nearest
        .into_iter()
        .map(|n| {
            n.filter(|&(_, d)| d < threshold)
                .map(|(j, d)| (exemplars.persons[j], d))
        })
        .collect();
    let mut order: Vec<usize> = (0..picks.len()).filter(|&i| picks[i].is_some()).collect();
    order.sort_by(|&a, &b| {
        let (da, db) = (picks[a].map_or(0.0, |p| p.1), picks[b].map_or(0.0, |p| p.1));
        da.total_cmp(&db).then(a.cmp(&b))
    });
    let mut taken: HashSet<(PhotoId, PersonId)> = HashSet::new();
    for i in order {
        if let Some((person, _)) = picks[i]
            && !taken.insert((queries[i].photo, person))
        {
            picks[i] = None;
        }
    }
    picks
}

/// Existing unnamed clusters that new faces may join.
#[derive(Debug, Clone, Default)]
pub struct Clusters {
    pub descriptors: Vec<Descriptor>,
    pub persons: Vec<PersonId>,
}

/// For each query, the existing cluster it joins, if any: as agglomerative clustering would
/// merge a single face into it (average distance below `threshold`, every member within `cap`),
/// the lowest average winning, never a forbidden person.
pub fn join_clusters(
    queries: &[Query],
    clusters: &Clusters,
    linkage: Linkage,
) -> Vec<Option<(PersonId, f32)>> {
    let mut size: HashMap<PersonId, u64> = HashMap::new();
    for &p in &clusters.persons {
        *size.entry(p).or_default() += 1;
    }
    let descriptors: Vec<Descriptor> = queries.iter().map(|q| q.descriptor).collect();
    let close = cross_within(&descriptors, &clusters.descriptors, linkage.cap);
    close
        .into_iter()
        .zip(queries)
        .map(|(found, query)| {
            let mut per: HashMap<PersonId, (f64, u64)> = HashMap::new();
            for (j, d) in found {
                let e = per.entry(clusters.persons[j]).or_default();
                e.0 += f64::from(d);
                e.1 += 1;
            }
            per.into_iter()
                .filter(|(p, (_, n))| *n == size[p] && !query.forbidden.contains(p))
                .map(|(p, (sum, n))| (p, (sum / n as f64) as f32))
                .filter(|&(_, avg)| avg < linkage.threshold)
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        })
        .collect()
}

/// Each face's distance from the centre (mean descriptor) of the faces given. Ordered by it,
/// farthest first, a person's faces put the ones of someone else at the top: on
/// lfw-cluster-dev, 46 of the 66 wrong faces in 28 clusters of 4 or more are among their
/// cluster's first *m* (*m* the number of wrong faces), 62 among the first 2*m*; a random
/// order finds 24.
pub fn distances_to_centre(descriptors: &[Descriptor]) -> Vec<f32> {
    if descriptors.is_empty() {
        return Vec::new();
    }
    let mut centre = [0.0f64; crate::engine::resnet::DESCRIPTOR_LEN];
    for d in descriptors {
        for (c, &v) in centre.iter_mut().zip(d) {
            *c += f64::from(v);
        }
    }
    let n = descriptors.len() as f64;
    let centre: Descriptor = std::array::from_fn(|k| (centre[k] / n) as f32);
    descriptors.iter().map(|d| distance(d, &centre)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32) -> Descriptor {
        let mut d = [0.0; 128];
        d[0] = x;
        d
    }

    fn query(x: f32, photo: PhotoId, forbidden: &[PersonId]) -> Query {
        Query {
            descriptor: at(x),
            photo,
            forbidden: forbidden.to_vec(),
        }
    }

    #[test]
    fn suggests_the_nearest_allowed_person_below_the_threshold() {
        let ex = Exemplars::new(vec![at(0.0), at(1.0), at(1.3)], vec![10, 20, 30]);
        let got = suggest(
            &[query(0.1, 1, &[]), query(1.1, 2, &[20]), query(5.0, 3, &[])],
            &ex,
            0.6,
        );
        assert_eq!(got[0].map(|p| p.0), Some(10));
        assert_eq!(got[1].map(|p| p.0), Some(30), "20 was rejected");
        assert_eq!(got[2], None, "too far from everyone");
    }

    #[test]
    fn the_face_of_someone_else_lies_farthest_from_the_centre() {
        let mut faces = vec![[0.0f32; crate::engine::resnet::DESCRIPTOR_LEN]; 5];
        for (k, f) in faces.iter_mut().enumerate() {
            f[0] = 0.1 * k as f32;
        }
        faces[3][1] = 0.9;
        let d = distances_to_centre(&faces);
        assert_eq!(d.len(), 5);
        let farthest = (0..5).max_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
        assert_eq!(farthest, 3);
        assert!(distances_to_centre(&[]).is_empty());
        // One face is its own centre.
        assert_eq!(distances_to_centre(&faces[..1]), [0.0]);
    }

    #[test]
    fn likelihood_words_follow_the_match_distance() {
        assert_eq!(Likelihood::of(0.42, 0.6), Likelihood::VeryLikely);
        assert_eq!(Likelihood::of(0.55, 0.6), Likelihood::Likely);
        assert_eq!(Likelihood::of(0.62, 0.6), Likelihood::LessLikely);
        assert_eq!(Likelihood::of(0.62, 0.65), Likelihood::Likely);
        assert_eq!(Likelihood::of(0.6, 0.6).label(), "less likely");
    }

    #[test]
    fn one_person_per_photo() {
        let ex = Exemplars::new(vec![at(0.0)], vec![10]);
        let got = suggest(&[query(0.3, 1, &[]), query(0.1, 1, &[])], &ex, 0.6);
        assert_eq!(got[0], None);
        assert_eq!(got[1].map(|p| p.0), Some(10));
    }

    #[test]
    fn a_few_listed_neighbours_cluster_big_people_as_all_pairs_would() {
        // Skewed sizes like a family archive: the largest people have hundreds of faces, every
        // pair of them close, far more than the 4 neighbours listed per face.
        let labels = crate::bench::synthetic::family_labels(3_000, 40, 5);
        let descriptors = crate::bench::synthetic::descriptors(&labels, 40, 5);
        let few = ClusterOptions {
            neighbours: 4,
            ..Default::default()
        };
        let all = ClusterOptions {
            neighbours: descriptors.len(),
            ..Default::default()
        };
        let got = cluster(&descriptors, &few);
        assert_eq!(got, cluster(&descriptors, &all));
        assert_eq!(crate::people::eval::score(&got, &labels).pairwise_f1, 1.0);
    }

    #[test]
    fn joins_a_cluster_only_if_every_member_is_within_the_cap() {
        let clusters = Clusters {
            descriptors: vec![at(0.0), at(0.2), at(3.0), at(3.7)],
            persons: vec![1, 1, 2, 2],
        };
        let linkage = Linkage::default();
        let got = join_clusters(
            &[query(0.1, 1, &[]), query(2.9, 1, &[]), query(0.1, 1, &[1])],
            &clusters,
            linkage,
        );
        assert_eq!(got[0].map(|p| p.0), Some(1));
        assert_eq!(got[1], None, "0.1 from one member but 0.8 from the other");
        assert_eq!(got[2], None, "rejected from 1");
    }
}
