//! Large activation buffers backed by transparent huge pages where the system allows them.
//!
//! The detector's activations for a 3-megapixel photo total ~800 MB of fresh memory per photo.
//! With 4 KiB pages every first touch is a page fault (~200,000 per photo), which cost as much
//! as a third of a layer's time; asking for 2 MiB pages (`madvise(MADV_HUGEPAGE)`, honoured
//! when `/sys/kernel/mm/transparent_hugepage/enabled` is `always` or `madvise`) removes nearly
//! all of them. Elsewhere the buffers are ordinary allocations.

use std::mem::MaybeUninit;

use ndarray::Array3;

/// Buffers smaller than this are left alone: they span too few huge pages to matter.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// A zero-filled buffer of `len` floats.
pub fn zeroed(len: usize) -> Vec<f32> {
    // Fresh zeroed memory from the allocator is not touched until first use, so the advice
    // given here still decides the page size of every page.
    let buffer = vec![0.0f32; len];
    advise_huge_pages(buffer.as_ptr().cast(), len * size_of::<f32>());
    buffer
}

/// An uninitialised (channels, rows, cols) array, for outputs that are written in full.
pub fn uninit_array3(shape: (usize, usize, usize)) -> Array3<MaybeUninit<f32>> {
    let array = Array3::<f32>::uninit(shape);
    advise_huge_pages(array.as_ptr().cast(), array.len() * size_of::<f32>());
    array
}

/// Asks the kernel for huge pages over the whole pages inside `[start, start + bytes)`.
/// Advice only: failure (an old kernel, huge pages disabled) changes nothing but speed.
fn advise_huge_pages(start: *const u8, bytes: usize) {
    if bytes < HUGE_PAGE_MIN_BYTES {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let first = (start as usize).next_multiple_of(PAGE);
        let end = (start as usize + bytes) & !(PAGE - 1);
        if end > first {
            // SAFETY: the range lies inside one live allocation owned by the caller; this
            // advice does not change its contents or validity.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = start;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_have_the_asked_size_and_zeroed_ones_are_zero() {
        for len in [0, 7, 1 << 21, (3 << 20) + 5] {
            let z = zeroed(len);
            assert_eq!(z.len(), len);
            assert!(z.iter().all(|&v| v == 0.0));
            let u = uninit_array3((2, 3, len / 6 + 1));
            assert_eq!(u.dim(), (2, 3, len / 6 + 1));
        }
    }
}
