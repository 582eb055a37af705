use kindred::library::decode::{bounded, decode_photo, decode_photo_for_display};
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bytes = std::fs::read(&args[0]).unwrap();
    for side in [256u32, 2048] {
        for _ in 0..2 {
            let t = Instant::now();
            let p = decode_photo(&bytes).unwrap();
            let (a, _) = bounded(&p.image, side);
            let full = t.elapsed();
            let t = Instant::now();
            let q = decode_photo_for_display(&bytes, side).unwrap();
            let (b, _) = bounded(&q.image, side);
            let fast = t.elapsed();
            let diff: u64 = a
                .as_raw()
                .iter()
                .zip(b.as_raw())
                .map(|(x, y)| u64::from(x.abs_diff(*y)))
                .sum();
            println!(
                "side {side}: whole {:?} -> {:?}; for display {:?} (reduction {}) -> {:?}; mean abs diff {:.2}",
                full,
                a.dimensions(),
                fast,
                q.reduction,
                b.dimensions(),
                diff as f64 / a.as_raw().len() as f64
            );
        }
    }
}
