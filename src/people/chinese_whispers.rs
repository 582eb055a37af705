//! Chinese whispers graph clustering (Biemann 2006), the method of dlib's face clustering
//! example: every node repeatedly takes the label most common among its neighbours.
//! Deterministic for a given seed.

/// Cluster labels `0..k` for the nodes of an unweighted graph given as adjacency lists.
/// Each node also counts itself, as dlib's example graph has self-edges. Labels are numbered
/// by decreasing cluster size (ties: by smallest member), so label 0 is the largest group.
pub fn chinese_whispers(neighbours: &[Vec<usize>], iterations: usize, seed: u64) -> Vec<usize> {
    let n = neighbours.len();
    let mut labels: Vec<usize> = (0..n).collect();
    if n == 0 {
        return labels;
    }
    let mut rng = SplitMix64(seed);
    let mut votes: Vec<(usize, u32)> = Vec::new();
    for _ in 0..iterations.saturating_mul(n) {
        let node = (rng.next() % n as u64) as usize;
        votes.clear();
        for &other in std::iter::once(&node).chain(&neighbours[node]) {
            let label = labels[other];
            match votes.iter_mut().find(|(l, _)| *l == label) {
                Some((_, count)) => *count += 1,
                None => votes.push((label, 1)),
            }
        }
        // Most votes wins; ties go to the smaller label so the result is order-independent.
        if let Some(&(best, _)) = votes
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        {
            labels[node] = best;
        }
    }
    renumber_by_size(&labels)
}

/// Renames labels to `0..k` by decreasing group size, ties broken by the smallest member.
pub fn renumber_by_size(labels: &[usize]) -> Vec<usize> {
    let mut groups: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    for (i, &l) in labels.iter().enumerate() {
        let entry = groups.entry(l).or_insert((0, i));
        entry.0 += 1;
    }
    let mut order: Vec<(usize, usize, usize)> = groups
        .into_iter()
        .map(|(l, (size, first))| (l, size, first))
        .collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut rename = std::collections::HashMap::new();
    for (new, (old, _, _)) in order.into_iter().enumerate() {
        rename.insert(old, new);
    }
    labels.iter().map(|l| rename[l]).collect()
}

/// A small, fast, well-mixed generator: enough for picking nodes, and seedable.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clique_edges(groups: &[std::ops::Range<usize>], n: usize) -> Vec<Vec<usize>> {
        let mut adj = vec![Vec::new(); n];
        for g in groups {
            for i in g.clone() {
                for j in g.clone() {
                    if i != j {
                        adj[i].push(j);
                    }
                }
            }
        }
        adj
    }

    #[test]
    fn separate_cliques_become_separate_clusters_largest_first() {
        let adj = clique_edges(&[0..3, 3..8, 8..9], 9);
        let labels = chinese_whispers(&adj, 100, 1);
        assert_eq!(labels, vec![1, 1, 1, 0, 0, 0, 0, 0, 2]);
    }

    #[test]
    fn deterministic_for_a_seed() {
        // A chain is ambiguous; the same seed must still give the same answer.
        let adj: Vec<Vec<usize>> = (0..20usize)
            .map(|i| {
                [i.checked_sub(1), (i + 1 < 20).then_some(i + 1)]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .collect();
        assert_eq!(chinese_whispers(&adj, 50, 7), chinese_whispers(&adj, 50, 7));
    }

    #[test]
    fn empty_and_isolated_nodes() {
        assert!(chinese_whispers(&[], 100, 0).is_empty());
        assert_eq!(chinese_whispers(&[vec![], vec![]], 100, 0), vec![0, 1]);
    }
}
