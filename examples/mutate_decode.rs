use kindred::library::decode::{decode_photo, decode_photo_for_display};
fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let mut seed: u64 = 0x9E3779B97F4A7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    std::panic::set_hook(Box::new(|_| {}));
    for f in &files {
        let orig = std::fs::read(f).unwrap();
        let (mut panics, mut ok, mut err) = (0, 0, 0);
        for i in 0..400 {
            let mut b = orig.clone();
            let n = 1 + (next() % 8) as usize;
            for _ in 0..n {
                // Mostly near the start: headers and box structure.
                let limit = if i % 2 == 0 {
                    b.len().min(2048)
                } else {
                    b.len()
                };
                let at = (next() as usize) % limit;
                b[at] = next() as u8;
            }
            if i % 7 == 0 {
                let cut = (next() as usize) % b.len();
                b.truncate(cut.max(1));
            }
            for display in [false, true] {
                let r = std::panic::catch_unwind(|| {
                    if display {
                        decode_photo_for_display(&b, 64).map(|_| ())
                    } else {
                        decode_photo(&b).map(|_| ())
                    }
                });
                match r {
                    Err(_) => {
                        panics += 1;
                        std::fs::write(
                            format!(
                                "/tmp/panic_{}_{i}_{display}",
                                std::path::Path::new(f)
                                    .file_name()
                                    .unwrap()
                                    .to_string_lossy()
                            ),
                            &b,
                        )
                        .unwrap();
                    }
                    Ok(Ok(())) => ok += 1,
                    Ok(Err(_)) => err += 1,
                }
            }
        }
        println!("{f}: {ok} ok, {err} errors, {panics} panics");
    }
}
