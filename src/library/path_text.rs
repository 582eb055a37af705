//! How a file's path is kept as text in the library: exactly, also where its name is not
//! valid UTF-8.
//!
//! Linux file names are bytes. Photos copied from old Windows disks, FAT cards, zip archives
//! or Samba shares often carry names in Latin-1 or a DOS code page (`caf\xe9.jpg`), which are
//! not UTF-8. Kept as lossy text (`caf�.jpg`), such a photo named a file that does not exist:
//! it was found missing right after its scan, its sidecar was never read, and two such names
//! differing in one byte collided on the library's one row per path, which stopped every later
//! scan.
//!
//! Valid UTF-8 is kept as it is, so the text of every ordinary path is unchanged. Each byte
//! that is not part of valid UTF-8 is kept as one character of the last 128 code points of
//! Unicode's private use plane 16 (U+10FF80 + the byte's value − 0x80), which no writing
//! system uses; a name that holds one of those characters itself has that character's bytes
//! kept the same way, so every path has exactly one text and back. The mapping works byte by
//! byte, so the text of a folder is the start of the text of every path inside it (range
//! queries over the path index rely on that).
//! Elsewhere than Unix (Windows' names are UTF-16 and practically always valid Unicode) the
//! text is the path's lossy UTF-8.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The first character that stands for a byte: 0x80 maps to it, 0xFF to U+10FFFF.
#[cfg(unix)]
const FIRST_BYTE_CHAR: u32 = 0x10_FF80;

/// The text a path is kept as.
pub fn to_text(path: &Path) -> Cow<'_, str> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        bytes_to_text(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy()
    }
}

/// The path a text from [`to_text`] stands for.
pub fn from_text(text: &str) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        if !text.chars().any(stands_for_byte) {
            return PathBuf::from(text);
        }
        let mut bytes = Vec::with_capacity(text.len());
        let mut utf8 = [0; 4];
        for c in text.chars() {
            if stands_for_byte(c) {
                bytes.push((c as u32 - FIRST_BYTE_CHAR + 0x80) as u8);
            } else {
                bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(text)
    }
}

/// The path in column `index` of a row of the library.
pub(crate) fn column(row: &rusqlite::Row, index: usize) -> rusqlite::Result<PathBuf> {
    Ok(from_text(&row.get::<_, String>(index)?))
}

/// A path kept in JSON (the operations log) as its library text: serde's own form of a path
/// refuses one that is not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPath(pub PathBuf);

impl serde::Serialize for TextPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_text(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for TextPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(TextPath(from_text(&text)))
    }
}

#[cfg(unix)]
fn stands_for_byte(c: char) -> bool {
    c as u32 >= FIRST_BYTE_CHAR
}

#[cfg(unix)]
fn bytes_to_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.chars().any(stands_for_byte)
    {
        return Cow::Borrowed(text);
    }
    let byte_char = |b: u8| char::from_u32(FIRST_BYTE_CHAR + u32::from(b) - 0x80).unwrap();
    let mut text = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if stands_for_byte(c) {
                let mut utf8 = [0; 4];
                text.extend(c.encode_utf8(&mut utf8).bytes().map(byte_char));
            } else {
                text.push(c);
            }
        }
        text.extend(chunk.invalid().iter().copied().map(byte_char));
    }
    Cow::Owned(text)
}

#[cfg(all(test, unix))]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    fn path(bytes: &[u8]) -> &Path {
        Path::new(OsStr::from_bytes(bytes))
    }

    #[test]
    fn ordinary_paths_are_kept_as_they_are() {
        for p in [
            "/home/anna/Pictures/Été 2019/IMG_0001.JPG",
            "/tmp/東京/写真.jpg",
            "",
        ] {
            assert!(matches!(to_text(Path::new(p)), Cow::Borrowed(t) if t == p));
            assert_eq!(from_text(p), Path::new(p));
        }
    }

    #[test]
    fn names_that_are_not_utf8_come_back_byte_for_byte() {
        let cases: [&[u8]; 6] = [
            b"/photos/caf\xe9.jpg",
            b"/photos/caf\xe8.jpg",
            b"/photos/\xe9t\xe9/x.jpg",
            // A truncated multi-byte sequence, at the end and before a separator.
            b"/photos/a\xe2\x82",
            b"/photos/a\xe2\x82/b",
            // Shift-JIS, as Japanese cameras and zip tools wrote names.
            b"/photos/\x83n\x83\x8c\x81[.jpg",
        ];
        let mut texts = std::collections::HashSet::new();
        for bytes in cases {
            let text = to_text(path(bytes));
            assert!(!text.contains('\u{FFFD}'), "{text:?}");
            assert_eq!(from_text(&text).as_os_str().as_bytes(), bytes);
            assert!(texts.insert(text.into_owned()), "two paths, one text");
        }
    }

    #[test]
    fn a_name_holding_a_character_that_stands_for_a_byte_keeps_it() {
        let literal = "/photos/\u{10FFE9}.jpg";
        let as_bytes = b"/photos/\xe9.jpg";
        let text = to_text(Path::new(literal));
        assert_ne!(text, to_text(path(as_bytes)));
        assert_eq!(from_text(&text), Path::new(literal));
        assert_eq!(
            from_text(&to_text(path(as_bytes))).as_os_str().as_bytes(),
            as_bytes
        );
    }

    #[test]
    fn the_operations_log_keeps_a_folder_that_is_not_utf8() {
        let folder = TextPath(path(b"/photos/\xe9t\xe9").to_path_buf());
        let json = serde_json::to_string(&folder).unwrap();
        assert_eq!(serde_json::from_str::<TextPath>(&json).unwrap(), folder);
        // Logs written before hold the plain text, which reads back as it was.
        let old: TextPath = serde_json::from_str(r#""/photos/Scans""#).unwrap();
        assert_eq!(old.0, Path::new("/photos/Scans"));
    }

    #[test]
    fn a_folder_text_starts_every_text_inside_it() {
        let folder = path(b"/photos/\xe9t\xe9");
        let inside = path(b"/photos/\xe9t\xe9/caf\xe9.jpg");
        let (folder, inside) = (to_text(folder), to_text(inside));
        assert!(
            inside.starts_with(&format!("{folder}/")),
            "{folder:?} {inside:?}"
        );
    }
}
