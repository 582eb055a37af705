//! Face names from Picasa, which kept them beside the photos in a per-folder `.picasa.ini`
//! (older versions: `Picasa.ini`) rather than in the photos: many family archives were tagged
//! there. Read only; names are taken over like XMP ones ([`super::xmp_import`]).
//!
//! The file is INI-like: a section per photo file name whose `faces` key lists
//! `rect64(HEX),CONTACT` entries separated by `;`, and a `[Contacts2]` section mapping each
//! contact id to `Name;…`. `HEX` packs four 16-bit numbers — left, top, right, bottom — as
//! fractions of 65535 of the image's width and height. The contact `ffffffffffffffff` is a face
//! Picasa found but nobody named; contacts kept only in Picasa's own database are unknown here.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use super::xmp::FaceRegion;
use crate::library::walk::PICASA_FACE_FILES;

/// Face files larger than this are not read.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Picasa's contact id of a face nobody named.
const UNNAMED_CONTACT: &str = "ffffffffffffffff";

/// The Picasa face file of the folder `photo` is in, if it has one.
pub fn face_file_of(photo: &Path) -> Option<PathBuf> {
    let folder = photo.parent()?;
    PICASA_FACE_FILES
        .iter()
        .map(|name| folder.join(name))
        .find(|path| path.is_file())
}

/// The named face regions Picasa recorded for `photo`; none when its folder has no Picasa
/// file or the file says nothing about the photo.
pub fn named_regions(photo: &Path) -> io::Result<Vec<FaceRegion>> {
    let Some(file) = face_file_of(photo) else {
        return Ok(Vec::new());
    };
    // A face line per photo is about a hundred bytes; anything this large is not Picasa's.
    if std::fs::metadata(&file)?.len() > MAX_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MB: not a Picasa face file",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    let bytes = std::fs::read(&file)?;
    let name = photo.file_name().unwrap_or_default().to_string_lossy();
    Ok(parse(&String::from_utf8_lossy(&bytes), &name))
}

/// The named face regions `ini` gives the photo file `photo_name` (compared without regard to
/// case: Picasa ran on Windows).
pub fn parse(ini: &str, photo_name: &str) -> Vec<FaceRegion> {
    let mut contacts: HashMap<String, String> = HashMap::new();
    let mut faces: Option<&str> = None;
    let mut section = "";
    for line in ini.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if section.eq_ignore_ascii_case("Contacts2") {
            let name = value.split(';').next().unwrap_or("").trim();
            if !name.is_empty() {
                contacts.insert(key.trim().to_ascii_lowercase(), name.to_string());
            }
        } else if section.eq_ignore_ascii_case(photo_name) && key.trim() == "faces" {
            faces = Some(value);
        }
    }
    let Some(faces) = faces else {
        return Vec::new();
    };
    faces
        .split(';')
        .filter_map(|entry| {
            let (rect, contact) = entry.trim().split_once(',')?;
            let contact = contact.trim().to_ascii_lowercase();
            if contact == UNNAMED_CONTACT {
                return None;
            }
            let name = contacts.get(&contact)?;
            let hex = rect.trim().strip_prefix("rect64(")?.strip_suffix(')')?;
            region_of_rect64(hex, name)
        })
        .collect()
}

/// The region a `rect64` packs: four 16-bit fractions of 65535, left, top, right, bottom,
/// leading zeros left out.
fn region_of_rect64(hex: &str, name: &str) -> Option<FaceRegion> {
    if hex.is_empty() || hex.len() > 16 {
        return None;
    }
    let packed = u64::from_str_radix(hex, 16).ok()?;
    let part = |shift: u32| ((packed >> shift) & 0xFFFF) as f64 / 65535.0;
    let (left, top, right, bottom) = (part(48), part(32), part(16), part(0));
    if right <= left || bottom <= top {
        return None;
    }
    Some(FaceRegion {
        name: name.to_string(),
        kind: "Face".to_string(),
        x: (left + right) / 2.0,
        y: (top + bottom) / 2.0,
        w: right - left,
        h: bottom - top,
        kindred_face: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INI: &str = "[Picasa]\r\nname=Summer 2009\r\n\
        [Contacts2]\r\n\
        8e62398ebda8c1a5=Rose Miller;;\r\n\
        2a4f6c6ce2d1f7b0=Tom;tom@example.com;\r\n\
        [IMG_0042.JPG]\r\n\
        faces=rect64(3f845bcb59418507),8e62398ebda8c1a5;rect64(8000800090009000),2A4F6C6CE2D1F7B0;\
        rect64(1000100020002000),ffffffffffffffff;rect64(4000400050005000),0123456789abcdef\r\n\
        backuphash=1234\r\n\
        [IMG_0043.JPG]\r\n\
        faces=rect64(10001000200020),8e62398ebda8c1a5\r\n";

    #[test]
    fn named_faces_come_with_their_contacts_names() {
        let regions = parse(INI, "img_0042.jpg");
        let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
        // The unnamed face and the contact this file does not know are left out.
        assert_eq!(names, ["Rose Miller", "Tom"]);
        // 3f84 5bcb 5941 8507: left, top, right, bottom in 65535ths.
        let rose = &regions[0];
        let (l, t, r, b) = (
            0x3f84 as f64 / 65535.0,
            0x5bcb as f64 / 65535.0,
            0x5941 as f64 / 65535.0,
            0x8507 as f64 / 65535.0,
        );
        for (got, want) in [
            (rose.x, (l + r) / 2.0),
            (rose.y, (t + b) / 2.0),
            (rose.w, r - l),
            (rose.h, b - t),
        ] {
            assert!((got - want).abs() < 1e-12, "{rose:?}");
        }
        // Leading zeros left out: 0010 0010 0020 0020.
        let short = parse(INI, "IMG_0043.JPG");
        assert_eq!(short.len(), 1);
        assert!(
            (short[0].x - 0x18 as f64 / 65535.0).abs() < 1e-12,
            "{short:?}"
        );
    }

    #[test]
    fn other_photos_and_broken_entries_give_nothing() {
        assert!(parse(INI, "IMG_0099.JPG").is_empty());
        assert!(parse("", "IMG_0042.JPG").is_empty());
        let broken = "[Contacts2]\nabc=Ann;;\n[a.jpg]\n\
            faces=rect64(zz),abc;rect64(),abc;rect64(0000000000000000),abc;nonsense;\
            rect64(11112222333344445),abc;rect64(8000800070007000),abc\n";
        assert!(parse(broken, "a.jpg").is_empty());
    }

    #[test]
    fn the_face_file_is_found_beside_the_photo() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("IMG_0042.JPG");
        std::fs::write(&photo, b"x").unwrap();
        assert_eq!(named_regions(&photo).unwrap(), Vec::new());
        std::fs::write(dir.path().join("Picasa.ini"), INI).unwrap();
        assert_eq!(named_regions(&photo).unwrap().len(), 2);
        // The newer name wins when both are there.
        std::fs::write(dir.path().join(".picasa.ini"), "[IMG_0042.JPG]\n").unwrap();
        assert!(named_regions(&photo).unwrap().is_empty());
    }
}
