//! Names from Google Photos: a Google Takeout export puts a JSON file beside each photo, whose
//! `people` lists the people the user named in Google Photos who are in it — by name only, with
//! no face boxes. Which face is whom is worked out here from the faces themselves: a photo with
//! one face and one name says it outright; in a group photo each name goes to the face most
//! like the faces that name already has (from those photos, or from the person of that name
//! in the library), when close enough to be sure, and the last name left to the last face left.
//! A name seen only in group photos it cannot be told apart in is left for the user. Where the
//! file is: [`crate::library::walk::takeout_json_of`].

use std::collections::HashMap;

use crate::engine::resnet::{Descriptor, distance};
use crate::library::store::FaceId;
use crate::people::matching::DEFAULT_MATCH_THRESHOLD;

/// How near a face must be to a name's known faces to be given that name in a group photo:
/// stricter than the match distance (0.6), as the user is not asked.
pub const SURE_DISTANCE: f32 = 0.5;

/// The names in a Takeout JSON file's `people`, trimmed, each once.
pub fn people_in(json: &str) -> Result<Vec<String>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Metadata {
        #[serde(default)]
        people: Vec<Person>,
    }
    #[derive(serde::Deserialize)]
    struct Person {
        #[serde(default)]
        name: String,
    }
    let metadata: Metadata = serde_json::from_str(json)?;
    let mut names: Vec<String> = Vec::new();
    for person in metadata.people {
        let name = person.name.trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// A photo Google Photos said holds these people, with the faces Kindred found in it.
#[derive(Debug, Clone)]
pub struct TaggedPhoto {
    pub names: Vec<String>,
    pub faces: Vec<(FaceId, Descriptor)>,
}

/// Which face of each photo is which of its names, as far as can be told (see the module's
/// comment). `known` holds faces each name already has in the library.
pub fn faces_named(
    photos: &[TaggedPhoto],
    known: &HashMap<String, Vec<Descriptor>>,
) -> Vec<(FaceId, String)> {
    let mut known = known.clone();
    let mut named = Vec::new();
    // What is still open in each photo: its names and faces not given yet.
    let mut open: Vec<TaggedPhoto> = photos.to_vec();
    // One face and one name: said outright.
    for photo in &mut open {
        if let ([name], [(face, descriptor)]) = (&photo.names[..], &photo.faces[..]) {
            known.entry(name.clone()).or_default().push(*descriptor);
            named.push((*face, name.clone()));
            photo.names.clear();
            photo.faces.clear();
        }
    }
    // Group photos, until a round gives no more: each name to the face nearest its known
    // faces, nearest pairs first; the last name left to the last face left where it is not
    // unlike that name's known faces.
    loop {
        let mut progress = false;
        for photo in &mut open {
            if photo.names.is_empty() || photo.faces.is_empty() {
                continue;
            }
            let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
            for (n, name) in photo.names.iter().enumerate() {
                let Some(faces) = known.get(name).filter(|f| !f.is_empty()) else {
                    continue;
                };
                for (f, (_, descriptor)) in photo.faces.iter().enumerate() {
                    let nearest = faces
                        .iter()
                        .map(|k| distance(k, descriptor))
                        .fold(f32::INFINITY, f32::min);
                    pairs.push((nearest, n, f));
                }
            }
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (mut names_given, mut faces_given) = (Vec::new(), Vec::new());
            for (d, n, f) in pairs {
                if d >= SURE_DISTANCE || names_given.contains(&n) || faces_given.contains(&f) {
                    continue;
                }
                names_given.push(n);
                faces_given.push(f);
            }
            if photo.names.len() - names_given.len() == 1
                && photo.faces.len() - faces_given.len() == 1
            {
                let n = (0..photo.names.len()).find(|n| !names_given.contains(n));
                let f = (0..photo.faces.len()).find(|f| !faces_given.contains(f));
                if let (Some(n), Some(f)) = (n, f) {
                    let unlike = known.get(&photo.names[n]).is_some_and(|faces| {
                        faces
                            .iter()
                            .all(|k| distance(k, &photo.faces[f].1) >= DEFAULT_MATCH_THRESHOLD)
                    });
                    if !unlike {
                        names_given.push(n);
                        faces_given.push(f);
                    }
                }
            }
            if names_given.is_empty() {
                continue;
            }
            progress = true;
            for (&n, &f) in names_given.iter().zip(&faces_given) {
                let (face, descriptor) = photo.faces[f];
                known
                    .entry(photo.names[n].clone())
                    .or_default()
                    .push(descriptor);
                named.push((face, photo.names[n].clone()));
            }
            let mut n = 0;
            photo.names.retain(|_| {
                n += 1;
                !names_given.contains(&(n - 1))
            });
            let mut f = 0;
            photo.faces.retain(|_| {
                f += 1;
                !faces_given.contains(&(f - 1))
            });
        }
        if !progress {
            break;
        }
    }
    named
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_people_of_a_json_file_are_read_and_nonsense_refused() {
        let json = r#"{"title": "IMG_1.jpg", "photoTakenTime": {"timestamp": "1600596727"},
            "people": [{"name": " Anna "}, {"name": "Дочь"}, {"name": ""}, {"name": "Anna"}]}"#;
        assert_eq!(people_in(json).unwrap(), ["Anna", "Дочь"]);
        assert!(people_in(r#"{"title": "x"}"#).unwrap().is_empty());
        assert!(people_in("not json").is_err());
    }

    fn at(x: f32) -> Descriptor {
        let mut d = [0.0; 128];
        d[0] = x;
        d
    }

    fn photo(names: &[&str], faces: &[(FaceId, f32)]) -> TaggedPhoto {
        TaggedPhoto {
            names: names.iter().map(|n| n.to_string()).collect(),
            faces: faces.iter().map(|&(id, x)| (id, at(x))).collect(),
        }
    }

    #[test]
    fn group_photos_are_told_apart_by_the_faces_each_name_has() {
        // Anna alone at 0.0, Bob alone at 1.0; together (Bob on the left) with a stranger at
        // 3.0; Cy only ever in a group photo with Anna: the face left over.
        let photos = [
            photo(&["Anna"], &[(1, 0.0)]),
            photo(&["Bob"], &[(2, 1.0)]),
            photo(&["Anna", "Bob"], &[(3, 1.1), (4, 3.0), (5, 0.1)]),
            photo(&["Cy", "Anna"], &[(6, 0.05), (7, 2.0)]),
            // Dee with a face unlike her known one: not given.
            photo(&["Dee", "Bob"], &[(8, 0.95), (9, 5.0)]),
            // Two people no other photo knows: cannot be told apart.
            photo(&["Eve", "Fay"], &[(10, 7.0), (11, 8.0)]),
        ];
        let known = HashMap::from([("Dee".to_string(), vec![at(9.0)])]);
        let mut named = faces_named(&photos, &known);
        named.sort();
        let expected: Vec<(FaceId, String)> = [
            (1, "Anna"),
            (2, "Bob"),
            (3, "Bob"),
            (5, "Anna"),
            (6, "Anna"),
            (7, "Cy"),
            (8, "Bob"),
        ]
        .into_iter()
        .map(|(f, n)| (f, n.to_string()))
        .collect();
        assert_eq!(named, expected);
    }

    #[test]
    fn a_name_is_learnt_from_one_group_photo_for_the_next() {
        // Cy is known only once a photo with Anna has shown which face is Cy's.
        let photos = [
            photo(&["Cy", "Bob"], &[(1, 2.0), (2, 1.0)]),
            photo(&["Anna", "Cy"], &[(3, 0.0), (4, 2.05)]),
            photo(&["Anna"], &[(5, 0.02)]),
        ];
        let known = HashMap::from([("Bob".to_string(), vec![at(1.02)])]);
        let mut named = faces_named(&photos, &known);
        named.sort();
        let names: Vec<&str> = named.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["Cy", "Bob", "Anna", "Cy", "Anna"]);
    }
}
