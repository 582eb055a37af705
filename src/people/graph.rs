//! The face-similarity graph: an edge joins two faces whose descriptors are closer than a
//! threshold.

use rayon::prelude::*;

use crate::engine::resnet::Descriptor;

/// For each face, the other faces within `threshold` (Euclidean, strict `<` as dlib's example),
/// as sorted index lists. Rows are computed in parallel.
pub fn neighbours_within(descriptors: &[Descriptor], threshold: f32) -> Vec<Vec<usize>> {
    let limit = threshold * threshold;
    descriptors
        .par_iter()
        .enumerate()
        .map(|(i, a)| {
            descriptors
                .iter()
                .enumerate()
                .filter(|&(j, b)| j != i && squared_distance(a, b) < limit)
                .map(|(j, _)| j)
                .collect()
        })
        .collect()
}

pub fn squared_distance(a: &Descriptor, b: &Descriptor) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}
