//! Wording shared by the command line and the app, so that both say things the same way.

/// "1 photo", "2 photos": a count with the noun it needs.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "3 photos with 7 faces": what removing or leaving out a folder took out of People.
pub fn photos_with_faces(photos: u64, faces: u64) -> String {
    format!(
        "{} with {}",
        count(photos as usize, "photo", "photos"),
        count(faces as usize, "face", "faces")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_every_other_count_plural() {
        assert_eq!(super::count(0, "face", "faces"), "0 faces");
        assert_eq!(super::count(1, "person", "people"), "1 person");
        assert_eq!(super::count(12, "person", "people"), "12 people");
        assert_eq!(super::photos_with_faces(1, 0), "1 photo with 0 faces");
    }
}
