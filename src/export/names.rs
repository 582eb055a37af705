//! Person and file names made safe as folder and file names on every common file system:
//! Linux, macOS (APFS/HFS+) and Windows (NTFS, and FAT/exFAT on memory cards and sticks).

use unicode_normalization::UnicodeNormalization;

/// Longest name we produce, in characters.
const MAX_CHARS: usize = 80;

/// Longest name we produce, in bytes. Most file systems allow 255 bytes per name; this leaves
/// room for a date prefix ("2019-07-14 "), a numbered suffix (" (12)") and the temporary name a
/// copy is written under (".name.kindred-part"). Characters beyond ASCII take 2–4 bytes each:
/// 80 Japanese ones are 240.
const MAX_BYTES: usize = 200;

/// Names Windows reserves for devices, with or without an extension, in any letter case.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "COM¹", "COM²", "COM³", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8",
    "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// A folder name for a person. `fallback` is used when nothing usable is left of `name`
/// (empty, only dots or spaces, only forbidden characters).
pub fn safe_folder_name(name: &str, fallback: &str) -> String {
    let cleaned = clean(name);
    if cleaned.is_empty() {
        clean(fallback)
    } else {
        cleaned
    }
}

/// A file name made safe the same way; the extension is kept when the name must be shortened.
pub fn safe_file_name(name: &str) -> String {
    let nfc: String = name.nfc().collect();
    let (stem, ext) = split_extension(&nfc);
    let ext = clean(ext);
    let room = MAX_CHARS.saturating_sub(ext.chars().count() + 1).max(8);
    let room_bytes = MAX_BYTES.saturating_sub(ext.len() + 1).max(32);
    let stem = truncate_and_trim(&replace_forbidden(stem), room, room_bytes);
    let stem = if stem.is_empty() {
        "photo".to_string()
    } else {
        stem
    };
    let stem = avoid_reserved(stem);
    if ext.is_empty() {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

/// Splits `name.ext` at the last dot, not counting a leading dot.
pub fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => (&name[..i], &name[i + 1..]),
        _ => (name, ""),
    }
}

fn clean(name: &str) -> String {
    let nfc: String = name.nfc().collect();
    let text = truncate_and_trim(&replace_forbidden(&nfc), MAX_CHARS, MAX_BYTES);
    if text.is_empty() {
        return text;
    }
    // A leading dot would hide the folder on Unix (". .Anna" too).
    let text = text.trim_start_matches(['.', ' ']).to_string();
    if text.is_empty() {
        return text;
    }
    avoid_reserved(text)
}

/// Path separators and the characters Windows forbids become `_`; control characters and
/// other invisible formatting characters are dropped; runs of white space become one space.
fn replace_forbidden(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_space = false;
    for c in name.chars() {
        let mapped = match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => Some('_'),
            // Tabs and line breaks are white space before they are control characters.
            c if c.is_whitespace() => Some(' '),
            c if c.is_control() => None,
            // Zero-width and bidirectional controls make names that look alike but differ.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            '\u{FEFF}' => None,
            c => Some(c),
        };
        if let Some(m) = mapped {
            if m == ' ' && last_space {
                continue;
            }
            last_space = m == ' ';
            out.push(m);
        }
    }
    out
}

/// Shortens to at most `max` characters and `max_bytes` bytes (whole characters) and strips
/// what Windows cannot end a name with (dots and spaces) and leading spaces; "." and ".."
/// disappear entirely.
fn truncate_and_trim(name: &str, max: usize, max_bytes: usize) -> String {
    let mut bytes = 0;
    let short: String = name
        .chars()
        .take(max)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= max_bytes
        })
        .collect();
    short
        .trim_start_matches(' ')
        .trim_end_matches(['.', ' '])
        .to_string()
}

/// `CON` or `con.txt` is a device on Windows: an underscore after the stem makes it a name.
fn avoid_reserved(name: String) -> String {
    let stem = name.split('.').next().unwrap_or("");
    let stem_trimmed = stem.trim_end_matches(' ');
    if RESERVED
        .iter()
        .any(|r| r.to_uppercase() == stem_trimmed.to_uppercase())
    {
        let rest = &name[stem.len()..];
        format!("{stem_trimmed}_{rest}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_windows_forbidden_characters_are_replaced() {
        assert_eq!(safe_folder_name("AC/DC", "x"), "AC_DC");
        assert_eq!(
            safe_folder_name(r#"a\b:c*d?e"f<g>h|i"#, "x"),
            "a_b_c_d_e_f_g_h_i"
        );
        assert_eq!(safe_folder_name("../../etc", "x"), "_.._etc");
        assert_eq!(safe_folder_name(".Anna", "x"), "Anna");
        // Regression: dots, then spaces, were trimmed once each, leaving a hidden ".Anna".
        assert_eq!(safe_folder_name(". .Anna", "x"), "Anna");
        assert_eq!(safe_folder_name(" . . Anna", "x"), "Anna");
    }

    #[test]
    fn dots_and_spaces_at_the_ends_are_removed() {
        assert_eq!(safe_folder_name("Anna. ", "x"), "Anna");
        assert_eq!(safe_folder_name("  Bob...", "x"), "Bob");
        assert_eq!(safe_folder_name("..", "Person 7"), "Person 7");
        assert_eq!(safe_folder_name(".", "Person 7"), "Person 7");
        assert_eq!(safe_folder_name("   ", "Person 7"), "Person 7");
        assert_eq!(safe_folder_name("", "Person 7"), "Person 7");
    }

    #[test]
    fn control_characters_are_dropped_and_white_space_collapsed() {
        assert_eq!(safe_folder_name("An\u{0}na\n\tLee\u{7f}", "x"), "Anna Lee");
        assert_eq!(safe_folder_name("Eve\u{202E}gpj.exe", "x"), "Evegpj.exe");
    }

    #[test]
    fn reserved_windows_names_get_an_underscore() {
        assert_eq!(safe_folder_name("CON", "x"), "CON_");
        assert_eq!(safe_folder_name("nul", "x"), "nul_");
        assert_eq!(safe_folder_name("Com1.txt", "x"), "Com1_.txt");
        assert_eq!(safe_folder_name("Connie", "x"), "Connie");
        assert_eq!(safe_file_name("aux.jpg"), "aux_.jpg");
        assert_eq!(safe_file_name("LPT9"), "LPT9_");
        assert_eq!(safe_file_name("con.tar.gz"), "con_.tar.gz");
    }

    #[test]
    fn names_are_unicode_nfc_normalised() {
        // "é" as e + combining acute (NFD, as macOS may store it) and precomposed.
        let decomposed = "Zoe\u{0301}";
        let composed = "Zo\u{e9}";
        assert_eq!(safe_folder_name(decomposed, "x"), composed);
        assert_eq!(safe_file_name("Jose\u{0301}.jpg"), "Jos\u{e9}.jpg");
    }

    #[test]
    fn long_names_are_shortened_keeping_the_extension() {
        let long = "a".repeat(300);
        assert_eq!(safe_folder_name(&long, "x").chars().count(), MAX_CHARS);
        let file = safe_file_name(&format!("{long}.jpeg"));
        assert!(file.ends_with(".jpeg"), "{file}");
        assert_eq!(file.chars().count(), MAX_CHARS);
        // Regression: 80 characters of three bytes each, with a date prefix and the temporary
        // name's dot and suffix, were past the 255 bytes a name may have, and the export
        // stopped at the first such photo.
        let multibyte = "日本".repeat(200);
        assert_eq!(safe_folder_name(&multibyte, "x").len(), 198);
        let file = safe_file_name(&format!("{multibyte}.jpg"));
        assert!(file.ends_with(".jpg"), "{file}");
        assert!(file.len() <= MAX_BYTES, "{}", file.len());
        let worst = format!(
            ".2019-07-14 {} (12).kindred-part",
            file.replace(".jpg", ".jpeg")
        );
        assert!(worst.len() <= 255, "{}", worst.len());
    }

    #[test]
    fn ordinary_file_names_are_unchanged() {
        assert_eq!(safe_file_name("IMG_0001.JPG"), "IMG_0001.JPG");
        assert_eq!(safe_file_name(".hidden"), ".hidden");
        assert_eq!(safe_file_name("a:b.png"), "a_b.png");
        assert_eq!(split_extension("x.tar.gz"), ("x.tar", "gz"));
        assert_eq!(split_extension("noext"), ("noext", ""));
    }
}
