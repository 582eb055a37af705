//! dlib's `num_jitters` augmentation: random small shifts, zooms, rotations and mirrorings of
//! a face chip, drawn from dlib's own generator (MT19937) so the sequence matches dlib's.

use image::RgbImage;

use super::chip::{ChipDetails, extract_chip};
use super::geometry::DRect;

const MT_N: usize = 624;
const MT_M: usize = 397;

/// dlib's `dlib::rand`: MT19937 seeded with 5489, with the first 10,000 outputs discarded.
#[derive(Clone)]
pub struct DlibRand {
    state: [u32; MT_N],
    index: usize,
}

impl Default for DlibRand {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for DlibRand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DlibRand")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl DlibRand {
    /// The generator in the state a fresh dlib model object starts with.
    pub fn new() -> Self {
        let mut rng = Self::mt19937(5489);
        for _ in 0..10_000 {
            rng.next_u32();
        }
        rng
    }

    /// Plain MT19937 with the standard `init_genrand` seeding.
    pub fn mt19937(seed: u32) -> Self {
        let mut state = [0u32; MT_N];
        state[0] = seed;
        for i in 1..MT_N {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        DlibRand { state, index: MT_N }
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.index >= MT_N {
            for i in 0..MT_N {
                let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % MT_N] & 0x7fff_ffff);
                let mut v = self.state[(i + MT_M) % MT_N] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[i] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// A double in [0, 1) built from two 24-bit draws, as dlib's `get_random_double`.
    pub fn uniform01(&mut self) -> f64 {
        let a = f64::from(self.next_u32() & 0xFF_FFFF);
        let b = f64::from(self.next_u32() & 0xFF_FFFF);
        let max = 16_777_215.0 * 16_777_216.0 + 16_777_215.0 + 0.05;
        let v = (a * 16_777_216.0 + b) / max;
        if v >= 1.0 {
            1.0 - f64::EPSILON / 2.0
        } else {
            v
        }
    }

    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + self.uniform01() * (hi - lo)
    }
}

/// One jittered copy of a 150×150 chip, consuming the same ten draws dlib consumes.
pub fn jitter_chip(chip: &RgbImage, rng: &mut DlibRand) -> RgbImage {
    const INNER: f64 = 144.0; // the chip shrunk by 3 pixels on each side
    let ty = (rng.uniform(-0.02, 0.02) * INNER + 0.5).floor() as i64;
    let tx = (rng.uniform(-0.02, 0.02) * INNER + 0.5).floor() as i64;
    let scale = rng.uniform(0.97, 0.99999);
    let size = (INNER / scale) as i64;
    let (cx, cy) = (75 + tx, 75 + ty);
    let (left, top) = (cx - size / 2, cy - size / 2);
    let angle = rng.uniform(-3.0, 3.0) * std::f64::consts::PI / 180.0;
    let details = ChipDetails {
        rect: DRect::new(
            left as f64,
            top as f64,
            (left + size - 1) as f64,
            (top + size - 1) as f64,
        ),
        angle,
        rows: chip.height() as usize,
        cols: chip.width() as usize,
    };
    let out = extract_chip(chip, &details);
    if rng.uniform01() > 0.5 {
        image::imageops::flip_horizontal(&out)
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_reference_values() {
        let mut rng = DlibRand::mt19937(5489);
        assert_eq!(rng.next_u32(), 3_499_211_612);
        assert_eq!(rng.next_u32(), 581_869_302);
        // The 10,000th output of the reference generator.
        let mut rng = DlibRand::mt19937(5489);
        let v = (0..10_000).map(|_| rng.next_u32()).last().unwrap();
        assert_eq!(v, 4_123_659_995);
    }

    #[test]
    fn a_jitter_uses_ten_draws_and_is_deterministic() {
        let chip = RgbImage::from_fn(150, 150, |x, y| {
            image::Rgb([x as u8, y as u8, (x ^ y) as u8])
        });
        let mut a = DlibRand::new();
        let mut b = DlibRand::new();
        let ja = jitter_chip(&chip, &mut a);
        assert_eq!(ja, jitter_chip(&chip, &mut b));
        assert_eq!(ja.dimensions(), (150, 150));
        let mut c = DlibRand::new();
        for _ in 0..10 {
            c.next_u32();
        }
        assert_eq!(a.next_u32(), c.next_u32());
    }
}
