//! The 8-bit exemplar index: one new face against every confirmed face of a large library
//! with a quarter of the memory traffic. Only a first pass: its rounding error is measured, and
//! every target that could be the nearest is re-measured in full precision by
//! `people::graph`'s scan, so the answers are those of the full-precision search.

use crate::engine::resnet::{DESCRIPTOR_LEN, Descriptor};

use super::graph::{
    DIRECT_QUERIES, SLACK, direct_scan, keep_nearest, nearest_allowed, nearest_bound, squared_norm,
};

/// Targets rounded to 8-bit integers, for comparing one new face with every exemplar: a quarter
/// of the bytes to read, and with AVX-512 VNNI one instruction does 64 multiply-adds. The
/// rounding error is measured when the index is built, so the scan re-measures every target
/// that could be the nearest and the answers are exactly those of the full-precision scan.
#[derive(Debug, Clone)]
pub struct QuantizedIndex {
    codes: Vec<[i8; DESCRIPTOR_LEN]>,
    /// Per target: the sum of its codes (to undo the query's +128 offset) and ‖t‖².
    code_sums: Vec<i32>,
    norms: Vec<f32>,
    /// Codes are values × `scale`, rounded.
    scale: f32,
    /// The largest ‖t − t̂‖ and ‖t̂‖ over the targets (t̂: the codes divided by `scale`).
    error: f32,
    largest: f32,
}

impl QuantizedIndex {
    /// `None` where the CPU lacks AVX-512 VNNI; the full-precision scan serves then.
    pub fn new(targets: &[Descriptor]) -> Option<QuantizedIndex> {
        if !cpu_has_vnni() {
            return None;
        }
        let top = targets
            .iter()
            .flat_map(|t| t.iter())
            .fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if top > 0.0 { 127.0 / top } else { 1.0 };
        let mut index = QuantizedIndex {
            codes: Vec::with_capacity(targets.len()),
            code_sums: Vec::with_capacity(targets.len()),
            norms: Vec::with_capacity(targets.len()),
            scale,
            error: 0.0,
            largest: 0.0,
        };
        for t in targets {
            let (codes, error, norm) = quantize(t, scale);
            index.codes.push(codes);
            index
                .code_sums
                .push(codes.iter().map(|&c| i32::from(c)).sum());
            index.norms.push(squared_norm(t));
            index.error = index.error.max(error);
            index.largest = index.largest.max(norm);
        }
        Some(index)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

fn cpu_has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `d` × `scale` rounded to 8 bits (clamped), with ‖d − d̂‖ and ‖d̂‖ for d̂ = codes / `scale`.
fn quantize(d: &Descriptor, scale: f32) -> ([i8; DESCRIPTOR_LEN], f32, f32) {
    let mut codes = [0i8; DESCRIPTOR_LEN];
    let (mut error, mut norm) = (0.0f64, 0.0f64);
    for (c, &v) in codes.iter_mut().zip(d) {
        *c = (v * scale).round().clamp(-127.0, 127.0) as i8;
        let back = f64::from(*c) / f64::from(scale);
        error += (f64::from(v) - back).powi(2);
        norm += back * back;
    }
    // Rounded up a little: these bound errors, so they must not be under-estimated.
    let up = |x: f64| (x.sqrt() * (1.0 + 1e-4) + 1e-7) as f32;
    (codes, up(error), up(norm))
}

/// [`nearest_allowed`] for one to eight queries (`DIRECT_QUERIES`) against targets with a
/// [`QuantizedIndex`]: the same answers (the 8-bit pass only chooses what to re-measure, within
/// its measured error), with a quarter of the memory traffic. More queries, or an index that
/// does not match the targets, use [`nearest_allowed`].
pub fn nearest_allowed_indexed(
    queries: &[Descriptor],
    targets: &[Descriptor],
    index: &QuantizedIndex,
    allowed: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<Option<(usize, f32)>> {
    if queries.len() > DIRECT_QUERIES || index.len() != targets.len() || !cpu_has_vnni() {
        return nearest_allowed(queries, targets, allowed);
    }
    let by_query: Vec<Vec<Option<(usize, f32)>>> = queries
        .iter()
        .enumerate()
        .map(|(i, query)| {
            let coded = CodedQuery::new(query, index);
            direct_scan(
                std::slice::from_ref(query),
                targets,
                |_, range, out| coded.squared_distances(index, range, out),
                |bound| bound + coded.slack,
                &|_, j| allowed(i, j),
                &nearest_bound,
                &keep_nearest,
            )
            .into_iter()
            .map(|best| best.first().map(|&(j, d2)| (j, d2.sqrt())))
            .collect()
        })
        .collect();
    by_query.into_iter().flatten().collect()
}

/// A query coded once for a [`QuantizedIndex`] scan, not once per chunk of targets.
struct CodedQuery {
    /// Unsigned for VNNI: the codes + 128, undone per target with its code sum.
    shifted: [u8; DESCRIPTOR_LEN],
    /// ‖q‖².
    norm: f32,
    /// How far an approximate squared distance may be from the true one, plus rounding slack.
    slack: f32,
}

impl CodedQuery {
    fn new(query: &Descriptor, index: &QuantizedIndex) -> CodedQuery {
        let (codes, error, _) = quantize(query, index.scale);
        let norm = squared_norm(query);
        // q·t − q̂·t̂ = q·(t − t̂) + (q − q̂)·t̂, so the approximate squared distance
        // ‖q‖² + ‖t‖² − 2 q̂·t̂ is within 2(‖q‖·error + ‖q − q̂‖·largest) of the true one.
        let slack = 2.0 * (norm.sqrt() * index.error + error * index.largest) + SLACK;
        CodedQuery {
            shifted: std::array::from_fn(|k| (codes[k] as u8) ^ 0x80),
            norm,
            slack,
        }
    }

    /// Approximate squared distances to the index's targets in `range`.
    fn squared_distances(
        &self,
        index: &QuantizedIndex,
        range: std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: callers reach this only after `cpu_has_vnni()`; `range` lies within the
            // index.
            unsafe {
                quantized_dots_vnni(&self.shifted, &index.codes[range.clone()], out);
            }
        }
        // Never reached today (the index is built only where VNNI runs), but kept total: the
        // same exact integer dot products, one at a time.
        #[cfg(not(target_arch = "x86_64"))]
        for (o, codes) in out.iter_mut().zip(&index.codes[range.clone()]) {
            let dot: i32 = (self.shifted.iter().zip(codes))
                .map(|(&q, &c)| i32::from(q) * i32::from(c))
                .sum();
            *o = dot as f32;
        }
        let to_dot = 1.0 / (index.scale * index.scale);
        for (k, o) in out.iter_mut().enumerate() {
            let t = range.start + k;
            let dot = (*o as i32 - 128 * index.code_sums[t]) as f32 * to_dot;
            *o = self.norm + index.norms[t] - 2.0 * dot;
        }
    }
}

/// `out[t]` = Σ shifted[k]·codes[t][k], an integer below 128·255·127 < 2²⁴, so exact in f32.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW and AVX-512 VNNI.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn quantized_dots_vnni(
    shifted: &[u8; DESCRIPTOR_LEN],
    codes: &[[i8; DESCRIPTOR_LEN]],
    out: &mut [f32],
) {
    use std::arch::x86_64::*;
    // SAFETY (all loads): each array holds 128 bytes; loads read 64 at offsets 0 and 64.
    let (q0, q1) = unsafe {
        (
            _mm512_loadu_si512(shifted.as_ptr().cast()),
            _mm512_loadu_si512(shifted.as_ptr().add(64).cast()),
        )
    };
    for (o, t) in out.iter_mut().zip(codes) {
        let (t0, t1) = unsafe {
            (
                _mm512_loadu_si512(t.as_ptr().cast()),
                _mm512_loadu_si512(t.as_ptr().add(64).cast()),
            )
        };
        let acc = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q0, t0);
        let acc = _mm512_dpbusd_epi32(acc, q1, t1);
        *o = _mm512_reduce_add_epi32(acc) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::graph::tests::synthetic;

    #[test]
    fn the_quantized_index_finds_the_same_nearest() {
        let d = synthetic(60, 160, 21); // 9,600 faces
        let (queries, targets) = d.split_at(8);
        let Some(index) = QuantizedIndex::new(targets) else {
            return; // no AVX-512 VNNI here: the index is never used
        };
        assert!(index.error > 0.0 && index.error < 0.05, "{}", index.error);
        let rule = |i: usize, j: usize| !(i * 7 + j).is_multiple_of(5);
        for n in [1, 3, 8] {
            let want = nearest_allowed(&queries[..n], targets, rule);
            assert_eq!(
                nearest_allowed_indexed(&queries[..n], targets, &index, rule),
                want
            );
        }
        // Exact ties (a duplicated target) still go to the lower index.
        let mut twins = targets.to_vec();
        twins.insert(0, queries[0]);
        twins.push(queries[0]);
        let index = QuantizedIndex::new(&twins).unwrap();
        let got = nearest_allowed_indexed(&queries[..1], &twins, &index, |_, _| true);
        assert_eq!(got[0], Some((0, 0.0)));
        // A query far outside the targets' range (codes clamp) still gets the right answer.
        let far: Descriptor = std::array::from_fn(|k| if k % 2 == 0 { 3.0 } else { -3.0 });
        assert_eq!(
            nearest_allowed_indexed(&[far], targets, &index, |_, _| true),
            nearest_allowed(&[far], targets, |_, _| true)
        );
    }
}
