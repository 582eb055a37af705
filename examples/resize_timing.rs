use kindred::library::decode::{bounded, decode_photo};
use std::time::Instant;
fn main() {
    let bytes = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    let t = Instant::now();
    let p = decode_photo(&bytes).unwrap();
    println!("decode {:?} {:?}", t.elapsed(), p.image.dimensions());
    for _ in 0..3 {
        let t = Instant::now();
        let (s, _) = bounded(&p.image, 2048);
        println!("bounded 2048 {:?} -> {:?}", t.elapsed(), s.dimensions());
    }
}
