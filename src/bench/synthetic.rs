//! Synthetic libraries for measuring Kindred at a scale no fixture reaches: descriptors that
//! behave like dlib's (identities about 1.0 apart, faces of one identity about 0.4 apart),
//! family-photo-like group sizes (a few people have thousands of faces, most have a handful),
//! and a drawn face thumbnail for every face so the app has real textures to show.

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};
use rayon::prelude::*;

use crate::engine::geometry::{Point, Rect};
use crate::engine::resnet::Descriptor;
use crate::library::scan::THUMBNAIL_SIZE;
use crate::library::store::{NewFace, PhotoAnalysis, Store, StoreError};
use crate::people::ops::{self, PeopleError};

#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    People(#[from] PeopleError),
    #[error("{0} already exists; a synthetic library is only made in a new file")]
    Exists(PathBuf),
}

/// A small deterministic generator (a 64-bit LCG): benchmarks must see the same library on
/// every run, and this needs no dependency.
struct Lcg(u64);

impl Lcg {
    fn next_unit(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Roughly standard normal (a sum of four uniforms, rescaled).
    fn gauss(&mut self) -> f32 {
        let s: f32 = (0..4).map(|_| self.next_unit() - 0.5).sum();
        s * 3.0f32.sqrt()
    }
}

/// Descriptors for faces of the given identities (`labels[i] < people`), with dlib-like
/// distances: centres about 1.0 apart, faces about 0.4 from each other within an identity.
pub fn descriptors(labels: &[usize], people: usize, seed: u64) -> Vec<Descriptor> {
    let mut rng = Lcg(seed);
    let centres: Vec<Descriptor> = (0..people.max(1))
        .map(|_| std::array::from_fn(|_| rng.gauss() * 0.0625))
        .collect();
    labels
        .iter()
        .map(|&p| std::array::from_fn(|k| centres[p][k] + rng.gauss() * 0.018))
        .collect()
}

/// `faces` descriptors of `people` identities, assigned round-robin; returns the labels too.
pub fn faces(faces: usize, people: usize, seed: u64) -> (Vec<Descriptor>, Vec<usize>) {
    let labels: Vec<usize> = (0..faces).map(|i| i % people.max(1)).collect();
    (descriptors(&labels, people, seed), labels)
}

/// Identity of each of `faces` faces, with Zipf-like group sizes (person k has about 1/(k+1)
/// of the largest group's faces), every person at least one face. Shuffled, so photos mix
/// people the way an archive does.
pub fn family_labels(faces: usize, people: usize, seed: u64) -> Vec<usize> {
    let people = people.clamp(1, faces.max(1));
    let harmonic: f64 = (1..=people).map(|k| 1.0 / k as f64).sum();
    let spare = faces - people;
    let mut labels = Vec::with_capacity(faces);
    for k in 0..people {
        let extra = (spare as f64 / harmonic / (k + 1) as f64).floor() as usize;
        labels.extend(std::iter::repeat_n(k, 1 + extra));
    }
    // Rounding leaves a few faces over: they go to the largest groups.
    let mut k = 0;
    while labels.len() < faces {
        labels.push(k % people);
        k += 1;
    }
    let mut rng = Lcg(seed ^ 0x5eed);
    for i in (1..labels.len()).rev() {
        let j = (rng.next_unit() as f64 * (i + 1) as f64) as usize;
        labels.swap(i, j.min(i));
    }
    labels
}

/// A recognisable drawn face for person `person` (skin, hair and background vary by person;
/// a little by face), JPEG-encoded like the thumbnails a scan stores.
pub fn face_thumbnail(person: usize, face: usize) -> Vec<u8> {
    let side = THUMBNAIL_SIZE;
    let hue = |n: usize, salt: usize| ((n.wrapping_mul(2654435761) >> (salt * 5)) & 0xff) as u8;
    let background = Rgb([
        60 + hue(person, 0) / 3,
        70 + hue(person, 1) / 3,
        80 + hue(person, 2) / 3,
    ]);
    let skin_tone = hue(person, 3) as f32 / 255.0;
    let skin = Rgb([
        (230.0 - 120.0 * skin_tone) as u8,
        (190.0 - 110.0 * skin_tone) as u8,
        (160.0 - 100.0 * skin_tone) as u8,
    ]);
    let hair_shade = hue(person, 4) / 2;
    let hair = Rgb([hair_shade + 20, hair_shade / 2 + 15, 10]);
    let tilt = (face % 7) as f32 - 3.0;
    let c = side as f32 / 2.0 + tilt;
    let mut image = RgbImage::from_pixel(side, side, background);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let (dx, dy) = (
            (x as f32 - c) / 48.0,
            (y as f32 - side as f32 * 0.52) / 62.0,
        );
        let in_head = dx * dx + dy * dy <= 1.0;
        let in_hair = in_head && dy < -0.55 + 0.1 * (hue(person, 5) as f32 / 255.0);
        let eye = |ex: f32| {
            let (ex, ey) = (x as f32 - (c + ex), y as f32 - side as f32 * 0.47);
            ex * ex + ey * ey <= 20.0
        };
        let mouth = (y as f32 - side as f32 * 0.7).abs() < 2.5 && (x as f32 - c).abs() < 16.0;
        if in_hair {
            *pixel = hair;
        } else if in_head && (eye(-18.0) || eye(18.0) || mouth) {
            *pixel = Rgb([40, 30, 30]);
        } else if in_head {
            *pixel = skin;
        }
    }
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85);
    image
        .write_with_encoder(encoder)
        .expect("encoding an in-memory JPEG cannot fail");
    jpeg
}

/// What [`build_library`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSummary {
    pub faces: usize,
    pub photos: usize,
    pub people: usize,
    pub named: usize,
}

/// Makes a new library file with `faces` synthetic faces of `people` people in photos of one to
/// four faces (paths under `/synthetic/`, which do not exist), clusters them like a scan would,
/// and names the `named` largest people as a user would have.
pub fn build_library(
    path: &Path,
    faces: usize,
    people: usize,
    named: usize,
    progress: &mut dyn FnMut(&str),
) -> Result<SyntheticSummary, SyntheticError> {
    if path.exists() {
        return Err(SyntheticError::Exists(path.to_path_buf()));
    }
    let labels = family_labels(faces, people, 7);
    let descriptors = descriptors(&labels, people, 7);
    progress("drawing face thumbnails");
    let thumbnails: Vec<Vec<u8>> = labels
        .par_iter()
        .enumerate()
        .map(|(i, &p)| face_thumbnail(p, i))
        .collect();
    progress("storing faces");
    let mut store = Store::open(path)?;
    // A folder, as if the user had added one (the app greets a library without folders with
    // its welcome page).
    let root = store.add_root(Path::new("/synthetic"))?;
    let mut rng = Lcg(11);
    let mut photos = 0;
    store.in_transaction(|s| {
        let mut next = 0;
        while next < faces {
            let in_photo = (1 + (rng.next_unit() * 4.0) as usize).min(faces - next);
            let year = 2004 + photos % 20;
            let day = 1 + photos % 28;
            s.record_analysis_in_tx(&PhotoAnalysis {
                root_id: Some(root),
                path: PathBuf::from(format!("/synthetic/{year}/IMG_{photos:06}.jpg")),
                size: 3_000_000 + photos as u64,
                mtime_ns: 1,
                content_hash: format!("synthetic-{photos}"),
                width: 4000,
                height: 3000,
                orientation: 1,
                taken_at: Some(format!("{year}-{:02}-{day:02}T12:00:00", 1 + photos % 12)),
                dated_by_name: false,
                camera: None,
                analysis_key: "synthetic".into(),
                turn: crate::library::turn::Turn::NONE,
                faces: (next..next + in_photo)
                    .enumerate()
                    .map(|(k, i)| {
                        let left = 200 + k as i64 * 900;
                        NewFace {
                            rect: Rect::new(left, 800, left + 600, 1400),
                            confidence: 1.0,
                            landmarks: [Point::new(left + 300, 1100); 5],
                            descriptor: descriptors[i],
                            thumbnail_jpeg: thumbnails[i].clone(),
                            by_hand: false,
                        }
                    })
                    .collect(),
            })?;
            next += in_photo;
            photos += 1;
        }
        Ok::<_, StoreError>(())
    })?;
    progress("clustering");
    ops::match_new_faces(&mut store)?;
    progress("naming the largest people");
    let largest: Vec<_> = ops::people(&store)?.into_iter().take(named).collect();
    for (n, person) in largest.iter().enumerate() {
        ops::name_person(&mut store, person.id, &format!("Person {:03}", n + 1))?;
    }
    Ok(SyntheticSummary {
        faces,
        photos,
        people: ops::people(&store)?.len(),
        named: largest.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_sizes_are_skewed_and_cover_everyone() {
        let labels = family_labels(10_000, 100, 1);
        assert_eq!(labels.len(), 10_000);
        let mut sizes = vec![0; 100];
        for &l in &labels {
            sizes[l] += 1;
        }
        assert!(sizes.iter().all(|&s| s >= 1));
        assert!(sizes[0] > 10 * sizes[50], "{sizes:?}");
    }

    #[test]
    fn synthetic_faces_are_near_their_own_and_far_from_others() {
        let (d, labels) = faces(40, 2, 3);
        let dist = |a: &Descriptor, b: &Descriptor| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f32>()
                .sqrt()
        };
        for i in 0..d.len() {
            for j in 0..i {
                let same = labels[i] == labels[j];
                assert_eq!(dist(&d[i], &d[j]) < 0.6, same, "{i} {j}");
            }
        }
    }

    #[test]
    fn a_small_synthetic_library_clusters_into_its_people() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synthetic.kindred");
        let summary = build_library(&path, 300, 12, 3, &mut |_| {}).unwrap();
        assert_eq!(summary.faces, 300);
        assert_eq!(summary.people, 12);
        assert_eq!(summary.named, 3);
        let store = Store::open(&path).unwrap();
        let thumb = store.face_thumbnail(1).unwrap().unwrap();
        assert!(image::load_from_memory(&thumb).is_ok());
        assert!(matches!(
            build_library(&path, 10, 2, 0, &mut |_| {}),
            Err(SyntheticError::Exists(_))
        ));
    }
}
