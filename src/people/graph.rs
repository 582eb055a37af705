//! Neighbour search over face descriptors: which faces are close to which.
//!
//! All-pairs distances are computed in square tiles with a matrix product
//! (‖a−b‖² = ‖a‖² + ‖b‖² − 2·a·b), tiles spread over rayon's threads. The product is only a
//! filter: every pair it keeps is re-measured exactly, so results (and thresholds compared with
//! strict `<`, as dlib's example does) are identical to a naive loop, only much faster.

use rayon::prelude::*;

use crate::engine::resnet::{DESCRIPTOR_LEN, Descriptor};

/// Rows and columns per tile: 256×256 dot products (256 KiB) stay in L2 cache.
const TILE: usize = 256;

/// Slack added to a squared threshold before the exact re-check, covering the rounding error
/// of the expanded form (descriptor norms are below ~2, so errors are ~1e-6).
pub(super) const SLACK: f32 = 1e-3;

/// Up to this many queries are measured directly rather than through the matrix product.
pub(super) const DIRECT_QUERIES: usize = 8;

/// Products tested together before any is looked at one by one.
const SPAN: usize = 16;

/// For each face, the other faces within `threshold` (Euclidean, strict `<` as dlib's example),
/// as sorted index lists.
pub fn neighbours_within(descriptors: &[Descriptor], threshold: f32) -> Vec<Vec<usize>> {
    let mut adjacency = vec![Vec::new(); descriptors.len()];
    for (i, j, _) in pairs_within(descriptors, threshold) {
        adjacency[i as usize].push(j as usize);
        adjacency[j as usize].push(i as usize);
    }
    for row in &mut adjacency {
        row.sort_unstable();
    }
    adjacency
}

/// Every pair `(i, j, distance)` with `i < j` and distance `< threshold`, sorted by `(i, j)`.
pub fn pairs_within(descriptors: &[Descriptor], threshold: f32) -> Vec<(u32, u32, f32)> {
    let limit = threshold * threshold;
    let norms = squared_norms(descriptors);
    let blocks = descriptors.len().div_ceil(TILE);
    let mut pairs: Vec<(u32, u32, f32)> = (0..blocks)
        .into_par_iter()
        .flat_map_iter(|bi| {
            let mut out = Vec::new();
            let mut dots = vec![0.0f32; TILE * TILE];
            let rows = bi * TILE..((bi + 1) * TILE).min(descriptors.len());
            for bj in bi..blocks {
                let cols = bj * TILE..((bj + 1) * TILE).min(descriptors.len());
                tile_dots(
                    &descriptors[rows.clone()],
                    &descriptors[cols.clone()],
                    &mut dots,
                );
                for (r, i) in rows.clone().enumerate() {
                    let row = &dots[r * cols.len()..(r + 1) * cols.len()];
                    let start = if bi == bj { r + 1 } else { 0 };
                    for (c, &dot) in row.iter().enumerate().skip(start) {
                        let j = cols.start + c;
                        let approx = norms[i] + norms[j] - 2.0 * dot;
                        if approx < limit + SLACK {
                            let exact = squared_distance(&descriptors[i], &descriptors[j]);
                            if exact < limit {
                                out.push((i as u32, j as u32, exact.sqrt()));
                            }
                        }
                    }
                }
            }
            out
        })
        .collect();
    pairs.sort_unstable_by_key(|&(i, j, _)| (i, j));
    pairs
}

/// One face's nearest neighbours so far: a max-heap on (squared distance bits, index), so the
/// kept set is the same whatever order candidates arrive in.
#[derive(Default)]
struct Nearest {
    heap: std::collections::BinaryHeap<(u32, u32)>,
    /// Neighbours closer than the cap seen, counted up to `k + 1`.
    close: usize,
}

impl Nearest {
    /// The squared distance above which a candidate cannot change this face's entry.
    fn bound(&self, k: usize, limit: f32) -> f32 {
        if self.close > k {
            self.heap
                .peek()
                .map_or(limit, |&(bits, _)| f32::from_bits(bits))
        } else {
            limit
        }
    }

    fn offer(&mut self, j: u32, exact: f32, k: usize, limit: f32) {
        if exact >= limit {
            return;
        }
        self.close = (self.close + 1).min(k + 1);
        let entry = (exact.to_bits(), j);
        if self.heap.len() < k {
            self.heap.push(entry);
        } else if let Some(&top) = self.heap.peek()
            && entry < top
        {
            self.heap.pop();
            self.heap.push(entry);
        }
    }
}

/// Each face's `k` nearest neighbours closer than `cap`, as pairs `(i, j, distance)` with
/// `i < j`, sorted, each pair once (a pair is listed if either face has the other among its
/// `k` nearest). Distances are [`distance`]'s. With `k` at least the largest number of close
/// neighbours any face has, this is every pair closer than `cap`.
///
/// Within one person almost every pair is close, so the complete list grows with the square of
/// the largest person; this list grows with `k` per face.
///
/// Each tile of the all-pairs product feeds both its row and its column faces, so the product
/// is computed once per pair; tiles are scheduled in rounds of disjoint block pairs (a
/// round-robin tournament) so that two threads never update the same faces.
pub fn nearest_within(descriptors: &[Descriptor], cap: f32, k: usize) -> Vec<(u32, u32, f32)> {
    let n = descriptors.len();
    let k = k.max(1);
    let limit = cap * cap;
    let norms = squared_norms(descriptors);
    let blocks = n.div_ceil(TILE);
    let block_rows = |b: usize| b * TILE..((b + 1) * TILE).min(n);
    let nearest: Vec<std::sync::Mutex<Vec<Nearest>>> = (0..blocks)
        .map(|b| {
            let rows = block_rows(b);
            std::sync::Mutex::new((rows).map(|_| Nearest::default()).collect())
        })
        .collect();
    let tile = |bi: usize, bj: usize, dots: &mut Vec<f32>| {
        let (rows, cols) = (block_rows(bi), block_rows(bj));
        tile_dots(&descriptors[rows.clone()], &descriptors[cols.clone()], dots);
        let mut row_guard = nearest[bi].lock().unwrap_or_else(|e| e.into_inner());
        let mut col_guard =
            (bi != bj).then(|| nearest[bj].lock().unwrap_or_else(|e| e.into_inner()));
        // Each face's current bound, kept beside the dots so the common case (a candidate that
        // changes nothing) is two comparisons; on the diagonal, rows and columns share one list.
        let widened = |near: &Nearest| near.bound(k, limit) + SLACK;
        let mut row_bounds: Vec<f32> = row_guard.iter().map(widened).collect();
        let mut col_bounds: Vec<f32> = col_guard
            .as_ref()
            .map_or_else(Vec::new, |cg| cg.iter().map(widened).collect());
        let col_norms = &norms[cols.clone()];
        // Most of the 5·10⁹ products of 100,000 faces change nothing: spans of them are
        // skipped with a branch-free test the compiler vectorises.
        for (r, i) in rows.clone().enumerate() {
            let row = &dots[r * cols.len()..(r + 1) * cols.len()];
            let mut c = if bi == bj { r + 1 } else { 0 };
            while c < cols.len() {
                let end = ((c / SPAN + 1) * SPAN).min(cols.len());
                let hit = {
                    let row_bound = row_bounds[r];
                    let bounds = column_bounds(bi == bj, &mut row_bounds, &mut col_bounds);
                    (c..end).fold(false, |hit, x| {
                        let approx = norms[i] + col_norms[x] - 2.0 * row[x];
                        hit | (approx <= row_bound.max(bounds[x]))
                    })
                };
                if hit {
                    for x in c..end {
                        let approx = norms[i] + col_norms[x] - 2.0 * row[x];
                        let col_bound =
                            column_bounds(bi == bj, &mut row_bounds, &mut col_bounds)[x];
                        let wants_row = approx <= row_bounds[r];
                        let wants_col = approx <= col_bound;
                        if !wants_row && !wants_col {
                            continue;
                        }
                        let j = cols.start + x;
                        let (row_near, col_near) = match col_guard.as_mut() {
                            Some(cg) => (&mut row_guard[r], &mut cg[x]),
                            None => {
                                let (low, high) = row_guard.split_at_mut(x);
                                (&mut low[r], &mut high[0])
                            }
                        };
                        let exact = squared_distance_lanes(&descriptors[i], &descriptors[j]);
                        if wants_row {
                            row_near.offer(j as u32, exact, k, limit);
                            row_bounds[r] = widened(row_near);
                        }
                        if wants_col {
                            col_near.offer(i as u32, exact, k, limit);
                            column_bounds(bi == bj, &mut row_bounds, &mut col_bounds)[x] =
                                widened(col_near);
                        }
                    }
                }
                c = end;
            }
        }
    };
    (0..blocks)
        .into_par_iter()
        .for_each_init(|| vec![0.0f32; TILE * TILE], |dots, b| tile(b, b, dots));
    for round in round_robin(blocks) {
        round.into_par_iter().for_each_init(
            || vec![0.0f32; TILE * TILE],
            |dots, (bi, bj)| tile(bi, bj, dots),
        );
    }
    let mut pairs = Vec::new();
    let mut i = 0u32;
    for block in nearest {
        for near in block.into_inner().unwrap_or_else(|e| e.into_inner()) {
            for (bits, j) in near.heap {
                pairs.push((i.min(j), i.max(j), f32::from_bits(bits).sqrt()));
            }
            i += 1;
        }
    }
    pairs.sort_unstable_by_key(|&(i, j, _)| (i, j));
    pairs.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
    pairs
}

/// The bounds of a tile's columns: on the diagonal the columns are the rows, so they share the
/// rows' list.
fn column_bounds<'a>(
    diagonal: bool,
    row_bounds: &'a mut [f32],
    col_bounds: &'a mut [f32],
) -> &'a mut [f32] {
    if diagonal { row_bounds } else { col_bounds }
}

/// The distance [`nearest_within`] lists: exact but summed in SIMD lanes, so its last bits may
/// differ from [`squared_distance`]'s (which follows dlib's order, for its thresholds).
pub fn distance(a: &Descriptor, b: &Descriptor) -> f32 {
    squared_distance_lanes(a, b).sqrt()
}

/// Every pair of distinct blocks `0..blocks` exactly once, grouped into rounds in which no block
/// appears twice (the circle method for round-robin tournaments).
fn round_robin(blocks: usize) -> Vec<Vec<(usize, usize)>> {
    if blocks < 2 {
        return Vec::new();
    }
    // An odd count gets a phantom block; its games are byes.
    let players = blocks + blocks % 2;
    let rotating = players - 1;
    (0..rotating)
        .map(|round| {
            let mut games = vec![(round, players - 1)];
            for step in 1..players / 2 {
                games.push((
                    (round + step) % rotating,
                    (round + rotating - step) % rotating,
                ));
            }
            games
                .into_iter()
                .filter(|&(a, b)| a < blocks && b < blocks)
                .map(|(a, b)| (a.min(b), a.max(b)))
                .collect()
        })
        .collect()
}

/// For each query, every target within `threshold` as `(target index, distance)`, nearest first.
pub fn cross_within(
    queries: &[Descriptor],
    targets: &[Descriptor],
    threshold: f32,
) -> Vec<Vec<(usize, f32)>> {
    let limit = threshold * threshold;
    cross_scan(
        queries,
        targets,
        |_, _| true,
        |_| limit,
        |found, j, exact| {
            if exact < limit {
                found.push((j, exact));
            }
        },
    )
    .into_iter()
    .map(|found| {
        let mut found: Vec<(usize, f32)> = found.into_iter().map(|(j, s)| (j, s.sqrt())).collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        found
    })
    .collect()
}

/// For each query, the nearest target that `allowed(query, target)` accepts, with its distance.
/// Ties go to the lower target index.
pub fn nearest_allowed(
    queries: &[Descriptor],
    targets: &[Descriptor],
    allowed: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<Option<(usize, f32)>> {
    cross_scan(queries, targets, allowed, nearest_bound, keep_nearest)
        .into_iter()
        .map(|best| best.first().map(|&(j, d2)| (j, d2.sqrt())))
        .collect()
}

#[allow(
    clippy::ptr_arg,
    reason = "the signature of cross_scan's `bound` callbacks"
)]
pub(super) fn nearest_bound(best: &Vec<(usize, f32)>) -> f32 {
    best.first().map_or(f32::INFINITY, |b| b.1)
}

/// Keeps the nearest target (ties to the lower index) as the only entry of `best`.
pub(super) fn keep_nearest(best: &mut Vec<(usize, f32)>, j: usize, exact: f32) {
    match best.first_mut() {
        Some(b) if b.1 < exact || (b.1 == exact && b.0 < j) => {}
        Some(b) => *b = (j, exact),
        None => best.push((j, exact)),
    }
}

/// Folds the exact squared distance of every (query, target) pair that `allowed` accepts into
/// a per-query list. `bound(list)` is the squared distance beyond which the visitor would ignore
/// a target: candidates the matrix product puts clearly beyond it are not re-measured.
fn cross_scan<A, B, V>(
    queries: &[Descriptor],
    targets: &[Descriptor],
    allowed: A,
    bound: B,
    visit: V,
) -> Vec<Vec<(usize, f32)>>
where
    A: Fn(usize, usize) -> bool + Sync,
    B: Fn(&Vec<(usize, f32)>) -> f32 + Sync,
    V: Fn(&mut Vec<(usize, f32)>, usize, f32) + Sync,
{
    let query_blocks = queries.len().div_ceil(TILE);
    // One or a few new faces (matching a photo just added): exact distances straight away. The
    // matrix product would first spend as long on the targets' norms as this spends on the
    // distances themselves.
    if queries.len() <= DIRECT_QUERIES {
        return direct_scan(
            queries,
            targets,
            |query, range, out| squared_distances(query, &targets[range], out),
            |b| b + SLACK,
            &allowed,
            &bound,
            &visit,
        );
    }
    // Few queries (an incremental match): split the targets across threads instead, then fold.
    if query_blocks == 1 && targets.len() > 4 * TILE {
        let chunk = TILE * 8;
        let parts: Vec<Vec<Vec<(usize, f32)>>> = targets
            .par_chunks(chunk)
            .enumerate()
            .map(|(k, part)| {
                let norms = squared_norms(part);
                scan_tiles(queries, part, &norms, k * chunk, &allowed, &bound, &visit)
            })
            .collect();
        return fold_parts(queries.len(), parts, &bound, &visit);
    }
    let target_norms = squared_norms(targets);
    (0..query_blocks)
        .into_par_iter()
        .flat_map_iter(|bi| {
            let rows = bi * TILE..((bi + 1) * TILE).min(queries.len());
            scan_tiles(
                &queries[rows.clone()],
                targets,
                &target_norms,
                0,
                &|i, j| allowed(i + rows.start, j),
                &bound,
                &visit,
            )
        })
        .collect()
}

/// The scan for one to [`DIRECT_QUERIES`] queries: `fill(query, targets, out)` writes
/// approximate squared distances to a chunk of targets, and a target is re-measured exactly only
/// if its approximation is within `widen(bound)`. Chunks are spread over rayon's threads.
pub(super) fn direct_scan<F, W, A, B, V>(
    queries: &[Descriptor],
    targets: &[Descriptor],
    fill: F,
    widen: W,
    allowed: &A,
    bound: &B,
    visit: &V,
) -> Vec<Vec<(usize, f32)>>
where
    F: Fn(&Descriptor, std::ops::Range<usize>, &mut [f32]) + Sync,
    W: Fn(f32) -> f32 + Sync,
    A: Fn(usize, usize) -> bool + Sync,
    B: Fn(&Vec<(usize, f32)>) -> f32 + Sync,
    V: Fn(&mut Vec<(usize, f32)>, usize, f32) + Sync,
{
    const CHUNK: usize = 4096;
    let parts: Vec<Vec<Vec<(usize, f32)>>> = (0..targets.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|k| {
            let range = k * CHUNK..((k + 1) * CHUNK).min(targets.len());
            let mut found: Vec<Vec<(usize, f32)>> = vec![Vec::new(); queries.len()];
            let mut approx = vec![0.0f32; range.len()];
            for (i, query) in queries.iter().enumerate() {
                fill(query, range.clone(), &mut approx);
                let mut limit = widen(bound(&found[i]));
                for (c, &a) in approx.iter().enumerate() {
                    let j = range.start + c;
                    if a <= limit && allowed(i, j) {
                        let exact = squared_distance(query, &targets[j]);
                        if exact <= bound(&found[i]) {
                            visit(&mut found[i], j, exact);
                            limit = widen(bound(&found[i]));
                        }
                    }
                }
            }
            found
        })
        .collect();
    fold_parts(queries.len(), parts, bound, visit)
}

/// Folds per-chunk results (chunks in target order) into one list per query.
fn fold_parts<B, V>(
    queries: usize,
    parts: Vec<Vec<Vec<(usize, f32)>>>,
    bound: &B,
    visit: &V,
) -> Vec<Vec<(usize, f32)>>
where
    B: Fn(&Vec<(usize, f32)>) -> f32,
    V: Fn(&mut Vec<(usize, f32)>, usize, f32),
{
    let mut results: Vec<Vec<(usize, f32)>> = vec![Vec::new(); queries];
    for part in parts {
        for (r, found) in part.into_iter().enumerate() {
            for (j, exact) in found {
                if exact <= bound(&results[r]) {
                    visit(&mut results[r], j, exact);
                }
            }
        }
    }
    results
}

/// The serial core of [`cross_scan`]: queries against `targets` (with their squared norms),
/// whose first element has index `offset` in the caller's numbering.
fn scan_tiles<A, B, V>(
    queries: &[Descriptor],
    targets: &[Descriptor],
    target_norms: &[f32],
    offset: usize,
    allowed: &A,
    bound: &B,
    visit: &V,
) -> Vec<Vec<(usize, f32)>>
where
    A: Fn(usize, usize) -> bool,
    B: Fn(&Vec<(usize, f32)>) -> f32,
    V: Fn(&mut Vec<(usize, f32)>, usize, f32),
{
    let query_norms = squared_norms(queries);
    let mut results: Vec<Vec<(usize, f32)>> = vec![Vec::new(); queries.len()];
    // Sized for the queries at hand: one new face needs a 1×256 row, not a 256×256 tile (zeroing
    // that on every call cost more than the distances themselves).
    let mut dots = vec![0.0f32; TILE.min(queries.len()) * TILE];
    for row_start in (0..queries.len()).step_by(TILE) {
        let rows = row_start..(row_start + TILE).min(queries.len());
        for col_start in (0..targets.len()).step_by(TILE) {
            let cols = col_start..(col_start + TILE).min(targets.len());
            tile_dots(&queries[rows.clone()], &targets[cols.clone()], &mut dots);
            let col_norms = &target_norms[cols.clone()];
            for (r, i) in rows.clone().enumerate() {
                let qn = query_norms[i];
                let row = &dots[r * cols.len()..(r + 1) * cols.len()];
                let mut limit = bound(&results[i]) + SLACK;
                // Once a query has a near target, almost no product can beat it: spans are
                // skipped by a branch-free test the compiler vectorises (the per-product loop
                // below cost as much as the matrix product itself).
                for (span, (dots, norms)) in
                    row.chunks(SPAN).zip(col_norms.chunks(SPAN)).enumerate()
                {
                    let hit = dots.iter().zip(norms).fold(false, |hit, (&dot, &tn)| {
                        hit | (qn + tn - 2.0 * dot <= limit)
                    });
                    if !hit {
                        continue;
                    }
                    for (x, (&dot, &tn)) in dots.iter().zip(norms).enumerate() {
                        let j = cols.start + span * SPAN + x;
                        if qn + tn - 2.0 * dot > limit || !allowed(i, j + offset) {
                            continue;
                        }
                        let exact = squared_distance(&queries[i], &targets[j]);
                        visit(&mut results[i], j + offset, exact);
                        limit = bound(&results[i]) + SLACK;
                    }
                }
            }
        }
    }
    results
}

/// `out[r * b.len() + c] = a[r] · b[c]` via a cache-blocked SIMD matrix product.
fn tile_dots(a: &[Descriptor], b: &[Descriptor], out: &mut [f32]) {
    let (m, n) = (a.len(), b.len());
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: `a` is m×128 row-major (row stride 128), `b` read as its transpose (128×n: column
    // stride 128, row stride 1), `out` holds at least m×n values written row-major; all three
    // are valid, non-overlapping allocations for the duration of the call.
    unsafe {
        gemm::gemm(
            m,
            n,
            DESCRIPTOR_LEN,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr().cast::<f32>(),
            1,
            DESCRIPTOR_LEN as isize,
            b.as_ptr().cast::<f32>(),
            DESCRIPTOR_LEN as isize,
            1,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn squared_norms(d: &[Descriptor]) -> Vec<f32> {
    d.iter().map(squared_norm).collect()
}

pub(super) fn squared_norm(d: &Descriptor) -> f32 {
    d.iter().map(|v| v * v).sum()
}

/// The squared distance summed in eight independent lanes, which the compiler turns into SIMD
/// (a single running sum cannot be reordered, so it stays scalar). The rounding differs from
/// [`squared_distance`] in the last bits, so this only filters; kept pairs are re-measured.
fn squared_distance_lanes(a: &Descriptor, b: &Descriptor) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for k in 0..8 {
            let d = x[k] - y[k];
            lanes[k] += d * d;
        }
    }
    lanes.iter().sum()
}

/// `out[t]` ≈ the squared distance from `query` to `targets[t]` (a filter: summed in SIMD
/// lanes, so the last bits differ from [`squared_distance`]).
fn squared_distances(query: &Descriptor, targets: &[Descriptor], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::engine::direct_conv::cpu_has_avx512() {
        // SAFETY: the CPU supports AVX-512F (checked just above).
        unsafe { squared_distances_avx512(query, targets, out) };
        return;
    }
    for (o, t) in out.iter_mut().zip(targets) {
        *o = squared_distance_lanes(query, t);
    }
}

/// [`squared_distances`] with the query held in eight 16-lane registers, so each target costs
/// eight loads and eight fused multiply-adds.
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn squared_distances_avx512(query: &Descriptor, targets: &[Descriptor], out: &mut [f32]) {
    use std::arch::x86_64::*;
    const LANES: usize = 16;
    const PARTS: usize = DESCRIPTOR_LEN / LANES;
    // SAFETY (all loads): `query` and each target are DESCRIPTOR_LEN = PARTS·LANES floats, and
    // every load reads LANES floats at offset p·LANES < DESCRIPTOR_LEN; unaligned loads.
    let q: [__m512; PARTS] =
        std::array::from_fn(|p| unsafe { _mm512_loadu_ps(query.as_ptr().add(p * LANES)) });
    for (o, t) in out.iter_mut().zip(targets) {
        let mut acc = _mm512_setzero_ps();
        for (p, &qp) in q.iter().enumerate() {
            let v = unsafe { _mm512_loadu_ps(t.as_ptr().add(p * LANES)) };
            let d = _mm512_sub_ps(qp, v);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
        *o = _mm512_reduce_add_ps(acc);
    }
}

pub fn squared_distance(a: &Descriptor, b: &Descriptor) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic pseudo-random descriptors: `people` centres, `per` faces around each.
    pub(crate) fn synthetic(people: usize, per: usize, seed: u64) -> Vec<Descriptor> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let mut out = Vec::new();
        for _ in 0..people {
            let centre: Descriptor = std::array::from_fn(|_| next() * 0.2);
            for _ in 0..per {
                out.push(std::array::from_fn(|k| centre[k] + next() * 0.08));
            }
        }
        out
    }

    fn naive_pairs(d: &[Descriptor], t: f32) -> Vec<(u32, u32, f32)> {
        let mut out = Vec::new();
        for i in 0..d.len() {
            for j in i + 1..d.len() {
                let s = squared_distance(&d[i], &d[j]);
                if s < t * t {
                    out.push((i as u32, j as u32, s.sqrt()));
                }
            }
        }
        out
    }

    #[test]
    fn blocked_pairs_equal_the_naive_loop_across_tile_edges() {
        let d = synthetic(70, 9, 3); // 630 faces: three tiles, ragged last one
        let blocked = pairs_within(&d, 0.55);
        assert!(!blocked.is_empty());
        assert_eq!(blocked, naive_pairs(&d, 0.55));
    }

    #[test]
    fn round_robin_plays_every_pair_once_without_clashes() {
        for blocks in [0, 1, 2, 3, 6, 7, 20] {
            let rounds = round_robin(blocks);
            let mut seen = std::collections::HashSet::new();
            for round in &rounds {
                let mut busy = std::collections::HashSet::new();
                for &(a, b) in round {
                    assert!(a < b && b < blocks);
                    assert!(busy.insert(a) && busy.insert(b), "block twice in a round");
                    assert!(seen.insert((a, b)), "pair twice");
                }
            }
            assert_eq!(seen.len(), blocks * blocks.saturating_sub(1) / 2);
        }
    }

    fn naive_lane_pairs(d: &[Descriptor], cap: f32) -> Vec<(u32, u32, f32)> {
        let mut out = Vec::new();
        for i in 0..d.len() {
            for j in i + 1..d.len() {
                let dist = distance(&d[i], &d[j]);
                if dist < cap {
                    out.push((i as u32, j as u32, dist));
                }
            }
        }
        out
    }

    #[test]
    fn with_enough_neighbours_the_list_is_every_close_pair() {
        let d = synthetic(70, 9, 3); // 630 faces over three tiles
        let pairs = nearest_within(&d, 0.55, 64);
        assert!(!pairs.is_empty());
        assert_eq!(pairs, naive_lane_pairs(&d, 0.55));
    }

    #[test]
    fn few_neighbours_keep_each_faces_nearest() {
        let d = synthetic(3, 300, 17); // three dense groups of 300 over four tiles
        let (cap, k) = (0.6, 5);
        let pairs = nearest_within(&d, cap, k);
        let all = naive_lane_pairs(&d, cap);
        let listed: std::collections::HashSet<(u32, u32)> =
            pairs.iter().map(|p| (p.0, p.1)).collect();
        for i in 0..d.len() as u32 {
            let mut near: Vec<(f32, u32)> = all
                .iter()
                .filter_map(|&(a, b, dist)| match (a == i, b == i) {
                    (true, _) => Some((dist, b)),
                    (_, true) => Some((dist, a)),
                    _ => None,
                })
                .collect();
            near.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            for &(_, j) in near.iter().take(k) {
                assert!(
                    listed.contains(&(i.min(j), i.max(j))),
                    "{i} lost neighbour {j}"
                );
            }
        }
        assert!(pairs.iter().all(|p| all.contains(p)));
        assert!(pairs.len() <= d.len() * k);
        assert!(pairs.len() < all.len() / 10);
    }

    #[test]
    fn neighbour_lists_are_symmetric_and_sorted() {
        let d = synthetic(30, 5, 9);
        let adj = neighbours_within(&d, 0.5);
        for (i, row) in adj.iter().enumerate() {
            assert!(row.windows(2).all(|w| w[0] < w[1]));
            for &j in row {
                assert!(adj[j].contains(&i));
                assert_ne!(i, j);
            }
        }
    }

    #[test]
    fn nearest_allowed_skips_forbidden_targets() {
        let d = synthetic(40, 8, 5);
        let (queries, targets) = d.split_at(300);
        let got = nearest_allowed(queries, targets, |i, j| (i + j) % 3 != 0);
        for (i, q) in queries.iter().enumerate() {
            let want = targets
                .iter()
                .enumerate()
                .filter(|&(j, _)| (i + j) % 3 != 0)
                .map(|(j, t)| (j, squared_distance(q, t)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|(j, s)| (j, s.sqrt()));
            assert_eq!(got[i], want);
        }
    }

    #[test]
    fn a_few_queries_get_the_same_answers_as_many() {
        // The direct path (≤ DIRECT_QUERIES queries) against the matrix-product path, over
        // several target chunks, with ties and forbidden targets.
        let d = synthetic(60, 160, 13); // 9,600 faces
        let (queries, targets) = d.split_at(300);
        let rule = |i: usize, j: usize| !(i * 7 + j).is_multiple_of(5);
        let many = nearest_allowed(queries, targets, rule);
        let many_within = cross_within(queries, targets, 0.6);
        for i in 0..5 {
            let one = nearest_allowed(&queries[i..=i], targets, |_, j| rule(i, j));
            assert_eq!(one[0], many[i], "query {i}");
            let within = cross_within(&queries[i..=i], targets, 0.6);
            assert_eq!(within[0], many_within[i], "query {i}");
        }
    }

    #[test]
    fn cross_within_lists_targets_nearest_first() {
        let d = synthetic(20, 6, 11);
        let (queries, targets) = d.split_at(50);
        let got = cross_within(queries, targets, 0.6);
        for (i, found) in got.iter().enumerate() {
            let want = targets
                .iter()
                .filter(|t| squared_distance(&queries[i], t) < 0.36)
                .count();
            assert_eq!(found.len(), want);
            assert!(found.windows(2).all(|w| w[0].1 <= w[1].1));
        }
    }
}
