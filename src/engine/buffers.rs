//! Reusable float buffers for the detector's activations.
//!
//! One 3-megapixel photo passes ~800 MB of activations through the detector's seven layers.
//! Fresh allocations of that size come straight from the operating system as untouched pages,
//! and the first write to each 4 KiB page is a page fault: measured at ~0.6 s of system time per
//! photo on one thread, about half as much as the arithmetic. A pool hands each layer the
//! buffers the previous layers (or the previous photo) gave back.

use std::sync::Mutex;

/// Buffers larger than this are not kept (a 30-megapixel panorama should not pin gigabytes).
const KEEP_LIMIT_BYTES: usize = 1 << 30;

/// At most this many idle buffers are kept: one photo in flight per core needs about four
/// (input, phase planes, output, and the previous layer's output being freed).
const KEEP_COUNT: usize = 12;

/// A pool of `Vec<f32>` buffers shared by the threads that run one model.
#[derive(Debug, Default)]
pub struct BufferPool {
    idle: Mutex<Vec<Vec<f32>>>,
}

impl BufferPool {
    /// A buffer of exactly `len` floats with unspecified (but initialised) contents: a reused
    /// buffer keeps whatever it held before. The smallest idle buffer that is large enough is
    /// reused; otherwise a new zeroed one is allocated.
    pub fn take(&self, len: usize) -> Vec<f32> {
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            let best = idle
                .iter()
                .enumerate()
                .filter(|(_, b)| b.capacity() >= len)
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i);
            best.map(|i| idle.swap_remove(i))
        };
        match reused {
            Some(mut buffer) => {
                // Only the part past the old length is written here; the rest is left as is.
                buffer.resize(len, 0.0);
                buffer
            }
            None => vec![0.0; len],
        }
    }

    /// Returns a buffer for later reuse (or drops it, past the pool's limits).
    pub fn give(&self, buffer: Vec<f32>) {
        let bytes = buffer.capacity() * size_of::<f32>();
        if bytes == 0 || bytes > KEEP_LIMIT_BYTES {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.push(buffer);
        if idle.len() > KEEP_COUNT {
            // Keep the largest: they can serve any smaller request.
            let smallest = idle
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i)
                .expect("not empty");
            idle.swap_remove(smallest);
        }
    }

    /// Frees every idle buffer (after a scan, so an idle app does not hold the memory).
    pub fn release(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        *idle = Vec::new();
    }

    /// Bytes held by idle buffers.
    pub fn idle_bytes(&self) -> usize {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.iter().map(|b| b.capacity() * size_of::<f32>()).sum()
    }
}

impl Clone for BufferPool {
    /// A clone starts with an empty pool: buffers are a cache, not state.
    fn clone(&self) -> Self {
        BufferPool::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_the_smallest_buffer_that_fits() {
        let pool = BufferPool::default();
        let big = pool.take(1000);
        let small = pool.take(100);
        let (big_ptr, small_ptr) = (big.as_ptr(), small.as_ptr());
        pool.give(big);
        pool.give(small);
        let again = pool.take(50);
        assert_eq!(again.len(), 50);
        assert_eq!(again.as_ptr(), small_ptr);
        let again_big = pool.take(500);
        assert_eq!(again_big.len(), 500);
        assert_eq!(again_big.as_ptr(), big_ptr);
        assert_eq!(pool.idle_bytes(), 0);
        pool.give(again);
        pool.give(again_big);
        assert!(pool.idle_bytes() >= 1100 * 4);
        pool.release();
        assert_eq!(pool.idle_bytes(), 0);
    }

    #[test]
    fn growing_a_reused_buffer_gives_the_requested_length() {
        let pool = BufferPool::default();
        let mut b = pool.take(10);
        b.truncate(4);
        pool.give(b);
        let b = pool.take(8);
        assert_eq!(b.len(), 8);
    }

    #[test]
    fn keeps_a_bounded_number_of_buffers() {
        let pool = BufferPool::default();
        for n in 1..=(KEEP_COUNT + 5) {
            pool.give(vec![0.0; n * 10]);
        }
        assert_eq!(pool.idle.lock().unwrap().len(), KEEP_COUNT);
        // The smallest were dropped.
        assert!(pool.take(55).capacity() >= 60);
    }
}
