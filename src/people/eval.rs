//! Clustering quality against ground truth: pairwise precision/recall/F1 and BCubed F1.
//!
//! Pairwise: of all pairs of faces put in the same cluster, how many are the same person
//! (precision), and of all same-person pairs, how many share a cluster (recall). BCubed averages
//! the same ratios per face, so one huge wrong cluster cannot dominate.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClusterScores {
    pub faces: usize,
    pub clusters: usize,
    pub people: usize,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores predicted cluster labels against true labels (same length; any label values).
/// Precision and recall with no pairs at all are 1 (nothing claimed, nothing missed).
pub fn score<P: Eq + std::hash::Hash, T: Eq + std::hash::Hash>(
    predicted: &[P],
    truth: &[T],
) -> ClusterScores {
    assert_eq!(predicted.len(), truth.len(), "one true label per face");
    let mut cluster_size: HashMap<&P, u64> = HashMap::new();
    let mut class_size: HashMap<&T, u64> = HashMap::new();
    let mut joint: HashMap<(&P, &T), u64> = HashMap::new();
    for (p, t) in predicted.iter().zip(truth) {
        *cluster_size.entry(p).or_default() += 1;
        *class_size.entry(t).or_default() += 1;
        *joint.entry((p, t)).or_default() += 1;
    }
    let together: u64 = joint.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = cluster_size.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = class_size.values().map(|&n| pairs(n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = ratio(together, predicted_pairs);
    let recall = ratio(together, true_pairs);

    let n = predicted.len();
    let (mut bp, mut br) = (0.0, 0.0);
    for ((p, t), &k) in &joint {
        // Each of the k faces in this (cluster, person) cell scores k/|cluster| and k/|person|.
        bp += k as f64 * k as f64 / cluster_size[p] as f64;
        br += k as f64 * k as f64 / class_size[t] as f64;
    }
    let (bp, br) = if n == 0 {
        (1.0, 1.0)
    } else {
        (bp / n as f64, br / n as f64)
    };
    ClusterScores {
        faces: n,
        clusters: cluster_size.len(),
        people: class_size.len(),
        pairwise_precision: precision,
        pairwise_recall: recall,
        pairwise_f1: f1(precision, recall),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_clustering_scores_one() {
        let s = score(&[5, 5, 7, 9], &["a", "a", "b", "c"]);
        assert_eq!((s.pairwise_precision, s.pairwise_recall), (1.0, 1.0));
        assert_eq!(s.bcubed_f1, 1.0);
        assert_eq!((s.clusters, s.people, s.faces), (3, 3, 4));
    }

    #[test]
    fn hand_computed_mixed_case() {
        // Cluster 0: a a b; cluster 1: b. Pairs in clusters: 3, of which 1 correct.
        // True pairs: a-a, b-b = 2, of which 1 together.
        let s = score(&[0, 0, 0, 1], &["a", "a", "b", "b"]);
        assert!((s.pairwise_precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((s.pairwise_recall - 0.5).abs() < 1e-12);
        assert!((s.pairwise_f1 - 0.4).abs() < 1e-12);
        // BCubed precision: a: 2/3, 2/3; b in c0: 1/3; b in c1: 1 → (2/3+2/3+1/3+1)/4 = 2/3.
        assert!((s.bcubed_precision - 2.0 / 3.0).abs() < 1e-12);
        // BCubed recall: a: 1, 1; b: 1/2, 1/2 → 3/4.
        assert!((s.bcubed_recall - 0.75).abs() < 1e-12);
    }

    #[test]
    fn all_in_one_cluster_has_full_recall_low_precision() {
        let s = score(&[0, 0, 0, 0], &[1, 2, 3, 3]);
        assert_eq!(s.pairwise_recall, 1.0);
        assert!((s.pairwise_precision - 1.0 / 6.0).abs() < 1e-12);
    }
}
