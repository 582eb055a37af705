//! Wording shared by the command line and the app, so that both say things the same way.

/// "1 photo", "2 photos", "12,480 photos": a count with the noun it needs.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), noun(n, one, many))
}

/// The noun a count of `n` takes: `one` for 1, `many` for every other count.
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` with its thousands set apart, as English writes them: "12,480" (photo libraries run to
/// tens of thousands, which are hard to read as one run of digits).
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A file's size in megabytes, as the command line and the app say it: "12.3 MB".
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// How long ago, as a person says it.
pub fn ago(secs: i64) -> String {
    let (minutes, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
    if minutes < 1 {
        "just now".into()
    } else if hours < 1 {
        format!("{} ago", count(minutes as usize, "minute", "minutes"))
    } else if days < 1 {
        format!("{} ago", count(hours as usize, "hour", "hours"))
    } else {
        format!("{} ago", count(days as usize, "day", "days"))
    }
}

/// `s` with its first letter a capital: a sentence that starts a line or a menu entry.
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
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
    fn ages_read_as_a_person_says_them() {
        assert_eq!(super::ago(20), "just now");
        assert_eq!(super::ago(60), "1 minute ago");
        assert_eq!(super::ago(3 * 3600 + 5), "3 hours ago");
        assert_eq!(super::ago(9 * 86_400), "9 days ago");
    }

    #[test]
    fn one_is_singular_every_other_count_plural() {
        assert_eq!(super::count(0, "face", "faces"), "0 faces");
        assert_eq!(super::count(1, "person", "people"), "1 person");
        assert_eq!(super::count(12, "person", "people"), "12 people");
        assert_eq!(super::photos_with_faces(1, 0), "1 photo with 0 faces");
        assert_eq!(super::count(2323, "photo", "photos"), "2,323 photos");
    }

    #[test]
    fn a_sentence_starts_with_a_capital() {
        assert_eq!(super::capitalised("named “Ada”"), "Named “Ada”");
        assert_eq!(super::capitalised("ölçü"), "Ölçü");
        assert_eq!(super::capitalised("“Bo” hid"), "“Bo” hid");
        assert_eq!(super::capitalised(""), "");
    }

    #[test]
    fn thousands_are_set_apart() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (12_480, "12,480"),
            (100_000, "100,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, want) in cases {
            assert_eq!(super::grouped(n), want);
        }
    }
}
