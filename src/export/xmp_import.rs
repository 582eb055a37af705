//! Names other photo apps gave faces, taken over when Kindred analyses a photo: digiKam,
//! Lightroom, darktable and others store them as Metadata Working Group face regions
//! (Windows Photo Gallery as its own `MP:RegionInfo`), in an XMP sidecar ([`super::xmp`] reads
//! those) or in the XMP packet inside a JPEG; Picasa in a face file per folder
//! ([`super::picasa`]). Each named region is matched to the detected
//! face it covers and the face is confirmed under that name
//! ([`crate::people::ops::import_names`], which leaves alone whatever the user already decided
//! in Kindred).
//!
//! For a photo shown turned or mirrored by its EXIF orientation, regions are read as drawn on
//! the photo as displayed or on its pixels as stored, whichever fits its faces (apps do both).
//!
//! A scan reads the names of photos analysed afresh (new or changed files) and of photos whose
//! sidecar or Picasa file appeared or changed since their names were last read (tagged in
//! another app later);
//! other photos cost nothing. Reading again never brings back a name the user corrected here:
//! confirmed, ignored and rejected faces are left alone, and regions Kindred wrote itself are
//! not taken as names.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::xmp::{self, FaceRegion, SAME_FACE_IOU, XmpError};
use super::{picasa, takeout};
use crate::engine::geometry::Rect;
use crate::engine::pipeline::{FaceEngine, HAND_BOX_MIN_SCORE};
use crate::engine::resnet::Descriptor;
use crate::library::people_store::FaceState;
use crate::library::scan;
use crate::library::store::{FaceId, MayTellOfDamage, PhotoId, PhotoRecord, Store, iou};
use crate::library::walk::sidecar_stamp;
use crate::people::ops::{self, ImportReport, ImportedName, PeopleError};

/// What precedes the XMP packet in a JPEG's APP1 segment.
const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    People(#[from] PeopleError),
    #[error(transparent)]
    Xmp(#[from] XmpError),
}

impl MayTellOfDamage for ImportError {
    fn is_damage(&self) -> bool {
        match self {
            ImportError::People(e) => e.is_damage(),
            ImportError::Xmp(e) => e.is_damage(),
        }
    }
}

/// What [`take_over_names`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct NamesTakenOver {
    pub report: ImportReport,
    /// Photos whose XMP had named face regions.
    pub photos_with_names: usize,
    /// Named regions matched to no face (none lies under them, or a better-placed region took
    /// it), and in which the detector, looking again, saw none either.
    pub unmatched_regions: usize,
    /// Faces the scan had missed, found again inside other apps' named regions and added
    /// (as asked for by the user: the other app's user drew them).
    pub faces_added: usize,
    /// (file, reason) for XMP that could not be read; the photos themselves are fine.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Of `photos_with_names`, those named by a Google Takeout JSON file (names, no regions).
    pub photos_with_takeout_names: usize,
    /// Names from Takeout files not given to a face: in group photos, not told apart from
    /// the other faces (or their face not found).
    pub takeout_names_not_placed: usize,
}

/// Reads the names other apps gave the faces of `photos` (XMP, Picasa) and confirms each
/// matched face under its name; records each photo's sidecar and Picasa file state, so the
/// next scan reads again only what changed (a broken sidecar is reported once, not at every
/// scan).
///
/// With an `engine`, a named region on no face is looked into again (see
/// [`FaceEngine::face_in_box`]): a face the detector missed there (small, blurred, turned
/// away; the other app's user saw it) is added as asked for by the user (see
/// [`crate::library::store::NewFace::by_hand`]) and takes the name. A region
/// where it sees no face either (the back of a head) is left unmatched, not made a face.
pub fn take_over_names(
    store: &mut Store,
    photos: &[PhotoId],
    engine: Option<&FaceEngine>,
) -> Result<NamesTakenOver, ImportError> {
    let mut result = NamesTakenOver::default();
    let mut records = Vec::with_capacity(photos.len());
    for &id in photos {
        if let Some(photo) = store.photo(id).map_err(XmpError::from)? {
            records.push(photo);
        }
    }
    // Reading is file I/O and parsing, one photo at a time: in parallel. The sidecar's state
    // is taken before it is read, so a change while reading is seen at the next scan.
    let read: Vec<_> = records
        .par_iter()
        .map(|photo| {
            let stamp = sidecar_stamp(&photo.path);
            (
                stamp,
                named_face_regions(&photo.path),
                takeout_names(&photo.path),
            )
        })
        .collect();
    let mut names = Vec::new();
    let mut stamps = Vec::with_capacity(records.len());
    let mut tagged = Vec::new();
    for (photo, (stamp, regions, from_takeout)) in records.iter().zip(read) {
        stamps.push((photo.id, stamp));
        let id = photo.id;
        let (Some(width), Some(height)) = (photo.width, photo.height) else {
            continue;
        };
        let mut named = match regions {
            Ok(named) => named,
            Err(e) => {
                result.unreadable.push((photo.path.clone(), e.to_string()));
                continue;
            }
        };
        let mut faces: Vec<(FaceId, Rect)> = if named.regions.is_empty() {
            Vec::new()
        } else {
            store
                .photo_faces(id)
                .map_err(XmpError::from)?
                .into_iter()
                .map(|f| (f.face, f.rect))
                .collect()
        };
        // Regions Kindred wrote itself for faces of this photo (`kindred xmp write`) say what
        // Kindred already knows, or knew before the user corrected it: not names to take over.
        named.regions.retain(|r| {
            r.kindred_face
                .is_none_or(|face| !faces.iter().any(|&(id, _)| id == face))
        });
        // Regions say which face is whom; a Takeout file only who is in the photo.
        if named.regions.is_empty() {
            match from_takeout {
                Ok(Some(people)) if !people.is_empty() => {
                    result.photos_with_names += 1;
                    result.photos_with_takeout_names += 1;
                    tagged.push(open_in_kindred(store, id, people)?);
                }
                Ok(_) => {}
                Err(e) => result.unreadable.push((photo.path.clone(), e)),
            }
            continue;
        }
        result.photos_with_names += 1;
        let orientation = photo.orientation.unwrap_or(1);
        // Regions are drawn on the photo as its file shows it: not as the user turned it here.
        let back = photo.turn.inverse();
        let (shown_width, shown_height) = back.size((width, height));
        let faces_as_file_shows: Vec<(FaceId, Rect)> = faces
            .iter()
            .map(|&(id, rect)| (id, back.rect(rect, (width, height))))
            .collect();
        let (regions, matched) = read_regions_oriented(
            &named,
            orientation,
            &faces_as_file_shows,
            shown_width,
            shown_height,
        );
        let mut unmatched: Vec<&FaceRegion> = regions
            .iter()
            .enumerate()
            .filter(|(r, _)| matched.iter().all(|(m, _)| m != r))
            .map(|(_, region)| region)
            .collect();
        names.extend(matched.into_iter().map(|(_, name)| name));
        if let Some(engine) = engine
            && !unmatched.is_empty()
        {
            let added = faces_in_regions(store, engine, photo, &unmatched, &mut faces)?;
            unmatched.retain(|r| !added.iter().any(|(region, _)| std::ptr::eq(*region, *r)));
            result.faces_added += added.len();
            names.extend(added.into_iter().map(|(region, face)| ImportedName {
                face,
                name: region.name.trim().to_string(),
            }));
        }
        result.unmatched_regions += unmatched.len();
    }
    if !tagged.is_empty() {
        let mut known: HashMap<String, Vec<Descriptor>> = HashMap::new();
        for photo in &tagged {
            for name in &photo.names {
                if known.contains_key(name) {
                    continue;
                }
                let mut faces = Vec::new();
                for person in store.persons_named(name).map_err(XmpError::from)? {
                    faces.extend(
                        store
                            .person_descriptors(person)
                            .map_err(XmpError::from)?
                            .into_values(),
                    );
                }
                known.insert(name.clone(), faces);
            }
        }
        let placed = takeout::faces_named(&tagged, &known);
        let given: usize = tagged.iter().map(|p| p.names.len()).sum();
        result.takeout_names_not_placed = given.saturating_sub(placed.len());
        names.extend(
            placed
                .into_iter()
                .map(|(face, name)| ImportedName { face, name }),
        );
    }
    result.report = ops::import_names(store, &names, photos)?;
    store.set_xmp_stamps(&stamps).map_err(XmpError::from)?;
    Ok(result)
}

/// Faces the detector sees inside `regions` of `photo` (in its displayed coordinates, as its
/// file shows it: before the user's turn), added
/// to the library as asked for by the user and to `faces`; with the region each came from. A photo
/// that cannot be read now adds none (its names wait for the next change of its sidecar).
fn faces_in_regions<'r>(
    store: &mut Store,
    engine: &FaceEngine,
    photo: &PhotoRecord,
    regions: &[&'r FaceRegion],
    faces: &mut Vec<(FaceId, Rect)>,
) -> Result<Vec<(&'r FaceRegion, FaceId)>, ImportError> {
    let (Some(width), Some(height)) = (photo.width, photo.height) else {
        return Ok(Vec::new());
    };
    let Ok(pixels) = scan::read_upright(&photo.path, photo.turn) else {
        return Ok(Vec::new());
    };
    let mut added = Vec::new();
    for &region in regions {
        let (x, y, w, h) = photo
            .turn
            .normalised((region.x, region.y, region.w, region.h));
        let on_turned = FaceRegion {
            x,
            y,
            w,
            h,
            ..region.clone()
        };
        let Some(face) = scan::face_drawn_on(engine, &pixels, on_turned.to_rect(width, height))
            .filter(|f| f.confidence > HAND_BOX_MIN_SCORE)
            // Found again where a face already is: a region a better-placed one beat to it.
            .filter(|f| faces.iter().all(|(_, rect)| iou(rect, &f.rect) < 0.5))
        else {
            continue;
        };
        let id = store
            .in_transaction(|store| store.add_face_in_tx(photo.id, &face))
            .map_err(XmpError::from)?;
        faces.push((id, face.rect));
        added.push((region, id));
    }
    Ok(added)
}

/// The names a Takeout file gives a photo and its faces, less what the user already decided
/// in Kindred: a face confirmed or ignored is no one else's (and tells nothing of a name it
/// was not confirmed as), and a name one of the faces is confirmed as is placed already.
fn open_in_kindred(
    store: &Store,
    photo: PhotoId,
    mut names: Vec<String>,
) -> Result<takeout::TaggedPhoto, XmpError> {
    let mut faces = Vec::new();
    for face in store.faces_of_photo(photo)? {
        match store.assignment(face.id)? {
            Some(a) if a.state == FaceState::Confirmed => {
                let person = a.person.map(|p| store.person_row(p)).transpose()?.flatten();
                if let Some(name) = person.and_then(|p| p.name) {
                    names.retain(|n| *n != name);
                }
            }
            Some(a) if a.state == FaceState::Ignored => {}
            _ => faces.push((face.id, face.descriptor)),
        }
    }
    Ok(takeout::TaggedPhoto { names, faces })
}

/// The people a Google Takeout JSON file beside the photo lists; None where there is none.
fn takeout_names(photo: &Path) -> Result<Option<Vec<String>>, String> {
    let Some(json) = crate::library::walk::takeout_json_of(photo) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&json)
        .map_err(|e| format!("cannot read {}: {e}", json.display()))?;
    takeout::people_in(&text)
        .map(Some)
        .map_err(|e| format!("{}: not a Google Takeout JSON file: {e}", json.display()))
}

/// The named face regions of a photo, from its XMP or Picasa file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamedRegions {
    pub regions: Vec<FaceRegion>,
    /// The MWG regions' `AppliedToDimensions` in pixels: the size of the image as the app that
    /// drew them saw it (which tells stored from displayed orientation apart, see
    /// [`match_regions_oriented`]).
    pub applied_to: Option<(u32, u32)>,
}

/// The named face regions of a photo: its XMP sidecar's, else those in the XMP inside the file,
/// else those in its folder's Picasa face file. A sidecar holding only regions Kindred wrote
/// (`kindred xmp write`) does not hide names given later in another app that keeps them in
/// the file or a Picasa file: those are read, and Kindred's regions only where there are none.
pub fn named_face_regions(photo: &Path) -> Result<NamedRegions, XmpError> {
    let named = |regions: Vec<FaceRegion>| -> Vec<FaceRegion> {
        regions
            .into_iter()
            .filter(|r| r.kind.is_empty() || r.kind.eq_ignore_ascii_case("face"))
            .filter(|r| !r.name.trim().is_empty() && r.w > 0.0 && r.h > 0.0)
            .collect()
    };
    // MWG regions first (what digiKam, Lightroom and darktable write); Windows Photo Gallery's
    // where a file has no MWG ones.
    let named_in = |faces: xmp::XmpFaces| -> NamedRegions {
        let mwg = named(faces.regions);
        if mwg.is_empty() {
            NamedRegions {
                regions: named(faces.microsoft_regions),
                applied_to: None,
            }
        } else {
            NamedRegions {
                regions: mwg,
                applied_to: faces.dimensions,
            }
        }
    };
    let mut kindreds_own = None;
    if let Some(faces) = xmp::read_sidecar_of(photo)? {
        let named = named_in(faces);
        if named.regions.iter().any(|r| r.kindred_face.is_none()) {
            return Ok(named);
        }
        kindreds_own = Some(named).filter(|n| !n.regions.is_empty());
    }
    if let Some(packet) = embedded_xmp(photo).map_err(|source| XmpError::Read {
        path: photo.to_path_buf(),
        source,
    })? {
        let named = named_in(xmp::read(&packet, photo)?);
        if !named.regions.is_empty() {
            return Ok(named);
        }
    }
    // Picasa's face file for the folder, where no XMP names the faces.
    let regions = picasa::named_regions(photo).map_err(|source| XmpError::Read {
        path: picasa::face_file_of(photo).unwrap_or_else(|| photo.to_path_buf()),
        source,
    })?;
    let in_picasa = NamedRegions {
        regions: named(regions),
        applied_to: None,
    };
    Ok(match kindreds_own {
        Some(own) if in_picasa.regions.is_empty() => own,
        _ => in_picasa,
    })
}

/// The XMP packet inside a JPEG, TIFF or camera RAW file, if it has one. Only a JPEG's
/// segments before the image data are read; a TIFF or RAW file is read whole (its packet may
/// be anywhere); other files have none.
pub fn embedded_xmp(path: &Path) -> io::Result<Option<String>> {
    let mut file = BufReader::new(File::open(path)?);
    let mut start = [0u8; 2];
    if file.read_exact(&mut start).is_err() {
        return Ok(None);
    }
    if start != [0xFF, 0xD8] {
        let mut head = [0u8; 14];
        let n = file.read(&mut head)?;
        let tiff_or_raw = matches!(&start, b"II" | b"MM")
            || crate::library::raw::raw_format(&[&start[..], &head[..n]].concat()).is_some();
        if !tiff_or_raw {
            return Ok(None);
        }
        let bytes = std::fs::read(path)?;
        return Ok(crate::library::raw::xmp_packet(&bytes)
            .map(|packet| String::from_utf8_lossy(packet).into_owned()));
    }
    loop {
        let mut byte = [0u8; 1];
        // A marker is 0xFF (possibly repeated as fill) and a code.
        let code = loop {
            if file.read_exact(&mut byte).is_err() {
                return Ok(None);
            }
            if byte[0] != 0xFF {
                break byte[0];
            }
        };
        match code {
            // Start of scan or end of image: no more metadata segments.
            0xDA | 0xD9 => return Ok(None),
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let mut length = [0u8; 2];
        if file.read_exact(&mut length).is_err() {
            return Ok(None);
        }
        let length = usize::from(u16::from_be_bytes(length));
        if length < 2 {
            return Ok(None);
        }
        let payload_len = length - 2;
        if code == 0xE1 && payload_len > XMP_SIGNATURE.len() {
            let mut payload = vec![0u8; payload_len];
            if file.read_exact(&mut payload).is_err() {
                return Ok(None);
            }
            if let Some(packet) = payload.strip_prefix(XMP_SIGNATURE) {
                return Ok(Some(String::from_utf8_lossy(packet).into_owned()));
            }
        } else {
            file.seek(SeekFrom::Current(payload_len as i64))?;
        }
    }
}

/// Pairs named regions with the detected faces they cover (each region and each face at most
/// once, best overlap first). A region covers a face when they overlap by [`SAME_FACE_IOU`],
/// as when sidecars are merged, or when each one's centre lies inside the other (other apps
/// draw larger or smaller boxes than the detector). `faces` are inclusive pixel boxes in the photo as displayed, of
/// `width`×`height`, the space MWG regions are given in.
pub fn match_regions(
    regions: &[FaceRegion],
    faces: &[(FaceId, Rect)],
    width: u32,
    height: u32,
) -> Vec<ImportedName> {
    match_regions_indexed(regions, faces, width, height)
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

/// [`match_regions`], each name with the index of the region it came from.
fn match_regions_indexed(
    regions: &[FaceRegion],
    faces: &[(FaceId, Rect)],
    width: u32,
    height: u32,
) -> Vec<(usize, ImportedName)> {
    let boxes: Vec<FaceRegion> = faces
        .iter()
        .map(|&(id, rect)| FaceRegion::from_rect("", rect, width, height, Some(id)))
        .collect();
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (r, region) in regions.iter().enumerate() {
        for (f, face) in boxes.iter().enumerate() {
            let overlap = region.overlap(face);
            if overlap >= SAME_FACE_IOU
                || (centre_inside(region, face) && centre_inside(face, region))
            {
                candidates.push((overlap, r, f));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut region_used, mut face_used) = (vec![false; regions.len()], vec![false; faces.len()]);
    let mut out = Vec::new();
    for (_, r, f) in candidates {
        if region_used[r] || face_used[f] {
            continue;
        }
        region_used[r] = true;
        face_used[f] = true;
        out.push((
            r,
            ImportedName {
                face: faces[f].0,
                name: regions[r].name.trim().to_string(),
            },
        ));
    }
    out
}

/// [`match_regions`] for a photo shown turned or mirrored by its EXIF `orientation` (2–8).
/// Apps disagree about which way such a photo's regions are drawn: as displayed (what Kindred
/// writes) or on the pixels as stored, before the turn. Both readings are tried and the one
/// that puts more regions on faces wins; on a tie, `AppliedToDimensions` decides when it is
/// shaped like the stored pixels of a photo turned by a quarter (wider where the displayed
/// photo is taller), and otherwise the displayed reading is kept.
pub fn match_regions_oriented(
    named: &NamedRegions,
    orientation: u16,
    faces: &[(FaceId, Rect)],
    width: u32,
    height: u32,
) -> Vec<ImportedName> {
    read_regions_oriented(named, orientation, faces, width, height)
        .1
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

/// [`match_regions_oriented`]: the regions in the photo's displayed coordinates as the
/// reading that wins places them, and the names matched, each with its region's index.
fn read_regions_oriented(
    named: &NamedRegions,
    orientation: u16,
    faces: &[(FaceId, Rect)],
    width: u32,
    height: u32,
) -> (Vec<FaceRegion>, Vec<(usize, ImportedName)>) {
    let displayed = match_regions_indexed(&named.regions, faces, width, height);
    if !(2..=8).contains(&orientation) {
        return (named.regions.clone(), displayed);
    }
    let turned: Vec<FaceRegion> = named
        .regions
        .iter()
        .map(|r| stored_to_displayed(r, orientation))
        .collect();
    let stored = match_regions_indexed(&turned, faces, width, height);
    let quarter_turn = (5..=8).contains(&orientation);
    // The size may be another than Kindred's (a RAW file's sensor against its embedded JPEG,
    // a photo resized since): its shape says which way it was measured.
    let drawn_on_stored = quarter_turn
        && width != height
        && named
            .applied_to
            .is_some_and(|(w, h)| w != h && (w > h) == (height > width));
    if stored.len() > displayed.len() || (stored.len() == displayed.len() && drawn_on_stored) {
        (turned, stored)
    } else {
        (named.regions.clone(), displayed)
    }
}

/// A region drawn on a photo's pixels as stored, moved to where it is on the photo as
/// displayed after its EXIF `orientation` (normalised centre and size).
pub fn stored_to_displayed(region: &FaceRegion, orientation: u16) -> FaceRegion {
    let (x, y, w, h) = (region.x, region.y, region.w, region.h);
    let (x, y, w, h) = match orientation {
        2 => (1.0 - x, y, w, h),       // mirrored left to right
        3 => (1.0 - x, 1.0 - y, w, h), // turned half way
        4 => (x, 1.0 - y, w, h),       // mirrored top to bottom
        5 => (y, x, h, w),             // mirrored along the main diagonal
        6 => (1.0 - y, x, h, w),       // turned a quarter clockwise
        7 => (1.0 - y, 1.0 - x, h, w), // mirrored along the other diagonal
        8 => (y, 1.0 - x, h, w),       // turned a quarter anticlockwise
        _ => (x, y, w, h),
    };
    FaceRegion {
        x,
        y,
        w,
        h,
        ..region.clone()
    }
}

/// Whether the centre of `a` lies inside `b`.
fn centre_inside(a: &FaceRegion, b: &FaceRegion) -> bool {
    (a.x - b.x).abs() <= b.w / 2.0 && (a.y - b.y).abs() <= b.h / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str, x: f64, y: f64, w: f64, h: f64) -> FaceRegion {
        FaceRegion {
            name: name.into(),
            kind: "Face".into(),
            x,
            y,
            w,
            h,
            kindred_face: None,
        }
    }

    #[test]
    fn regions_go_to_the_faces_they_cover() {
        // A 1000×500 photo with two detected faces; the other app drew larger boxes (hair and
        // chin included) and one region over a face the detector did not find.
        let faces = [
            (11, Rect::new(100, 100, 199, 199)),
            (12, Rect::new(600, 150, 679, 229)),
        ];
        let regions = [
            region("Bob", 0.64, 0.38, 0.12, 0.24),
            region("Anna", 0.15, 0.28, 0.16, 0.36),
            region("Nobody here", 0.9, 0.8, 0.05, 0.1),
        ];
        let matched = match_regions(&regions, &faces, 1000, 500);
        let mut pairs: Vec<(FaceId, &str)> =
            matched.iter().map(|m| (m.face, m.name.as_str())).collect();
        pairs.sort();
        assert_eq!(pairs, [(11, "Anna"), (12, "Bob")]);
    }

    #[test]
    fn each_face_takes_one_name_the_best_overlapping() {
        let faces = [(1, Rect::new(100, 100, 199, 199))];
        let regions = [
            region("Loose", 0.17, 0.17, 0.2, 0.2),
            region("Tight", 0.15, 0.15, 0.1, 0.1),
        ];
        let matched = match_regions(&regions, &faces, 1000, 1000);
        assert_eq!(
            matched,
            [ImportedName {
                face: 1,
                name: "Tight".into()
            }]
        );
        // Far from every face: nothing.
        assert!(match_regions(&[region("Far", 0.8, 0.8, 0.1, 0.1)], &faces, 1000, 1000).is_empty());
    }

    #[test]
    fn windows_photo_gallery_regions_are_read_when_there_are_no_mwg_ones() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("old.jpg");
        std::fs::write(&photo, b"not read").unwrap();
        let packet = |mwg: &str| {
            format!(
                r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:MP="http://ns.microsoft.com/photo/1.2/"
  xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
  xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"
  xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
  xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
 <MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>
  <rdf:li rdf:parseType="Resource">
   <MPReg:Rectangle>0.25, 0.1, 0.5, 0.4</MPReg:Rectangle>
   <MPReg:PersonDisplayName>Grandma Rose</MPReg:PersonDisplayName>
  </rdf:li>
  <rdf:li rdf:parseType="Resource"><MPReg:Rectangle>0.8, 0.8, 0.1</MPReg:Rectangle>
   <MPReg:PersonDisplayName>Broken</MPReg:PersonDisplayName></rdf:li>
 </rdf:Bag></MPRI:Regions></MP:RegionInfo>{mwg}
</rdf:Description></rdf:RDF></x:xmpmeta>"#
            )
        };
        std::fs::write(dir.path().join("old.jpg.xmp"), packet("")).unwrap();
        let named = named_face_regions(&photo).unwrap();
        // Windows Photo Gallery gives no image size.
        assert_eq!(named.applied_to, None);
        let regions = named.regions;
        assert_eq!(regions.len(), 1, "{regions:?}");
        assert_eq!(regions[0].name, "Grandma Rose");
        let centre_and_size = [regions[0].x, regions[0].y, regions[0].w, regions[0].h];
        for (got, want) in centre_and_size.iter().zip([0.5, 0.3, 0.5, 0.4]) {
            assert!((got - want).abs() < 1e-12, "{centre_and_size:?}");
        }
        // With MWG regions beside them (an app that wrote both), the MWG ones are used.
        std::fs::write(
            dir.path().join("old.jpg.xmp"),
            packet(
                r#"<mwg-rs:Regions rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li>
<rdf:Description mwg-rs:Name="Rose" mwg-rs:Type="Face"><mwg-rs:Area stArea:x="0.5" stArea:y="0.3"
stArea:w="0.5" stArea:h="0.4" stArea:unit="normalized"/></rdf:Description></rdf:li></rdf:Bag>
</mwg-rs:RegionList></mwg-rs:Regions>"#,
            ),
        )
        .unwrap();
        let regions = named_face_regions(&photo).unwrap().regions;
        let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Rose"]);
    }

    fn jpeg_with_segments(segments: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        for (code, payload) in segments {
            out.extend([0xFF, *code]);
            out.extend(((payload.len() + 2) as u16).to_be_bytes());
            out.extend(*payload);
        }
        out.extend([0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
        out
    }

    #[test]
    fn the_xmp_packet_is_found_among_the_header_segments() {
        let dir = tempfile::tempdir().unwrap();
        let exif: &[u8] = b"Exif\0\0not really";
        let mut xmp_segment = XMP_SIGNATURE.to_vec();
        xmp_segment.extend(b"<x:xmpmeta>packet</x:xmpmeta>");
        let with = dir.path().join("with.jpg");
        std::fs::write(
            &with,
            jpeg_with_segments(&[(0xE0, b"JFIF\0"), (0xE1, exif), (0xE1, &xmp_segment)]),
        )
        .unwrap();
        assert_eq!(
            embedded_xmp(&with).unwrap().as_deref(),
            Some("<x:xmpmeta>packet</x:xmpmeta>")
        );
        let without = dir.path().join("without.jpg");
        std::fs::write(&without, jpeg_with_segments(&[(0xE1, exif)])).unwrap();
        assert_eq!(embedded_xmp(&without).unwrap(), None);
        // Not a JPEG, and a JPEG cut off inside a segment: no packet, no error.
        let png = dir.path().join("a.png");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n").unwrap();
        assert_eq!(embedded_xmp(&png).unwrap(), None);
        let cut = dir.path().join("cut.jpg");
        let mut bytes = jpeg_with_segments(&[(0xE1, &xmp_segment)]);
        bytes.truncate(20);
        std::fs::write(&cut, bytes).unwrap();
        assert_eq!(embedded_xmp(&cut).unwrap(), None);
        // DNG (and TIFF) files keep it in a tag of their first IFD.
        use crate::library::raw::tests::{TiffWriter, Value};
        let mut dng = TiffWriter::new(true, 42, &[]);
        let ifd0 = dng.ifd(
            &[
                (
                    0x02BC,
                    Value::Undefined(b"<x:xmpmeta>dng</x:xmpmeta>".to_vec()),
                ),
                (0xC612, Value::Undefined(vec![1, 4, 0, 0])),
            ],
            0,
        );
        let path = dir.path().join("IMG_0001.dng");
        std::fs::write(&path, dng.finish(ifd0)).unwrap();
        assert_eq!(
            embedded_xmp(&path).unwrap().as_deref(),
            Some("<x:xmpmeta>dng</x:xmpmeta>")
        );
    }

    /// The box a region covers, painted on stored pixels, lands where `stored_to_displayed`
    /// says once the image crate applies the EXIF orientation (as scans do).
    #[test]
    fn regions_drawn_on_stored_pixels_follow_every_exif_orientation() {
        let (width, height) = (40u32, 30u32);
        let stored_region = region("A", 0.25, 0.6, 0.3, 0.2); // x 6..18, y 15..21
        for orientation in 1..=8u16 {
            let mut image = image::RgbImage::new(width, height);
            let r = stored_region.to_rect(width, height);
            for y in r.top..=r.bottom {
                for x in r.left..=r.right {
                    image.put_pixel(x as u32, y as u32, image::Rgb([255, 255, 255]));
                }
            }
            let mut shown = image::DynamicImage::ImageRgb8(image);
            shown.apply_orientation(
                image::metadata::Orientation::from_exif(orientation as u8).unwrap(),
            );
            let shown = shown.to_rgb8();
            let lit: Vec<(u32, u32)> = shown
                .enumerate_pixels()
                .filter(|(_, _, p)| p.0[0] > 0)
                .map(|(x, y, _)| (x, y))
                .collect();
            let painted = Rect::new(
                lit.iter().map(|p| p.0).min().unwrap().into(),
                lit.iter().map(|p| p.1).min().unwrap().into(),
                lit.iter().map(|p| p.0).max().unwrap().into(),
                lit.iter().map(|p| p.1).max().unwrap().into(),
            );
            let moved = stored_to_displayed(&stored_region, orientation)
                .to_rect(shown.width(), shown.height());
            assert_eq!(moved, painted, "orientation {orientation}");
        }
    }

    #[test]
    fn a_turned_photos_regions_are_read_the_way_that_fits_its_faces() {
        // A photo stored 300 wide, 200 high, shown turned a quarter clockwise (orientation
        // 6) as 200×300, with a face at the top left and one at the bottom right.
        let faces = [
            (1, Rect::new(20, 30, 79, 99)),
            (2, Rect::new(120, 200, 179, 269)),
        ];
        let shown = |r: &FaceRegion| r.clone();
        let on_stored = |r: &FaceRegion| {
            // The inverse of orientation 6's move: displayed (x, y) came from stored (y, 1 - x).
            FaceRegion {
                x: r.y,
                y: 1.0 - r.x,
                w: r.h,
                h: r.w,
                ..r.clone()
            }
        };
        let regions = |draw: &dyn Fn(&FaceRegion) -> FaceRegion| -> Vec<FaceRegion> {
            [("Top", faces[0].1), ("Bottom", faces[1].1)]
                .iter()
                .map(|&(name, rect)| draw(&FaceRegion::from_rect(name, rect, 200, 300, None)))
                .collect()
        };
        let names = |named: &NamedRegions| -> Vec<(FaceId, String)> {
            let mut out: Vec<_> = match_regions_oriented(named, 6, &faces, 200, 300)
                .into_iter()
                .map(|n| (n.face, n.name))
                .collect();
            out.sort();
            out
        };
        let want = vec![(1, "Top".to_string()), (2, "Bottom".to_string())];
        for applied_to in [None, Some((200, 300)), Some((300, 200))] {
            for draw in [&shown as &dyn Fn(&FaceRegion) -> FaceRegion, &on_stored] {
                let named = NamedRegions {
                    regions: regions(draw),
                    applied_to,
                };
                assert_eq!(names(&named), want, "{applied_to:?}");
            }
        }
        // One region that lies on a face read either way, a different face each way: read as
        // displayed unless AppliedToDimensions is shaped like the stored pixels (as a RAW
        // file's sensor size is, larger than the JPEG inside it).
        let faces = [
            (1, Rect::new(30, 40, 69, 79)),    // under the region as displayed
            (2, Rect::new(145, 45, 174, 104)), // under it read on the stored pixels
        ];
        let region = FaceRegion::from_rect("Either", faces[0].1, 200, 300, None);
        for (applied_to, face) in [
            (None, 1),
            (Some((200, 300)), 1),
            (Some((300, 200)), 2),
            (Some((4000, 6000)), 1),
            (Some((6000, 4000)), 2),
            (Some((5000, 5000)), 1),
        ] {
            let named = NamedRegions {
                regions: vec![region.clone()],
                applied_to,
            };
            let got = match_regions_oriented(&named, 6, &faces, 200, 300);
            assert_eq!(got.len(), 1, "{applied_to:?}");
            assert_eq!(got[0].face, face, "{applied_to:?}");
        }
    }
}
