//! Read-only queries for exporting: which persons a user means, which photos show them, and
//! the named faces of each photo (for XMP face tags). Nothing here writes to the library.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params_from_iter};

use super::store::{FaceId, PersonId, PhotoId, PhotoRecord, Store, StoreError, sqlite_error};
use crate::engine::geometry::Rect;

/// A person as the export needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonInfo {
    pub id: PersonId,
    /// `None` for a person nobody has named yet.
    pub name: Option<String>,
    pub hidden: bool,
}

impl PersonInfo {
    /// The name to show or write: the user's name, else "Person ID".
    pub fn display_name(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => format!("Person {}", self.id),
        }
    }
}

/// Which photos of a set of persons to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PhotoSelection {
    /// Only photos showing all of the persons together (else any of them).
    pub together: bool,
    /// Count faces the app only suggested for a person, not just confirmed ones.
    pub include_suggested: bool,
    /// Count hidden persons (else they are left out as if not asked for).
    pub include_hidden: bool,
}

/// A photo with the requested persons seen in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonPhoto {
    pub photo: PhotoRecord,
    /// The requested persons in this photo, in the order they were asked for.
    pub persons: Vec<PersonId>,
}

/// A face the user has put a name to.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFace {
    pub face_id: FaceId,
    /// In the pixels of the oriented full-size photo.
    pub rect: Rect,
    pub person_id: PersonId,
    pub name: String,
}

/// A photo and its named faces.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFaces {
    pub photo: PhotoRecord,
    pub faces: Vec<NamedFace>,
}

fn states(include_suggested: bool) -> &'static str {
    if include_suggested {
        "('confirmed', 'suggested')"
    } else {
        "('confirmed')"
    }
}

impl Store {
    /// The person with this id, if any.
    pub fn export_person(&self, id: PersonId) -> Result<Option<PersonInfo>, StoreError> {
        self.connection()
            .query_row(
                "SELECT id, name, hidden FROM persons WHERE id = ?1",
                [id],
                |r| {
                    Ok(PersonInfo {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        hidden: r.get::<_, i64>(2)? != 0,
                    })
                },
            )
            .optional()
            .map_err(sqlite_error(self.path()))
    }

    /// The persons a user means by `key`: the person with that id if `key` is a number and
    /// such a person exists, else the persons called `key`, letter case aside, as naming
    /// finds them: those with faces (several if an older library let a name be shared), else
    /// those without (a person merged into another keeps its row, and its name, for undo).
    /// None if unknown.
    pub fn persons_matching(&self, key: &str) -> Result<Vec<PersonInfo>, StoreError> {
        if let Ok(id) = key.trim().parse::<PersonId>()
            && let Some(person) = self.export_person(id)?
        {
            return Ok(vec![person]);
        }
        let named = self.persons_named_with_faces(key)?;
        let with_faces = named.iter().any(|&(_, has_faces)| has_faces);
        let mut persons = Vec::new();
        for (id, has_faces) in named {
            if has_faces == with_faces
                && let Some(person) = self.export_person(id)?
            {
                persons.push(person);
            }
        }
        persons.sort_by_key(|p| p.id);
        Ok(persons)
    }

    /// The analysed photos showing any (or all, with `together`) of `persons`, in photo id
    /// order. Hidden persons count only with `include_hidden`; with `together`, a hidden
    /// person left out makes the selection empty rather than silently wider.
    pub fn photos_of_persons(
        &self,
        persons: &[PersonId],
        selection: PhotoSelection,
    ) -> Result<Vec<PersonPhoto>, StoreError> {
        if persons.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; persons.len()].join(", ");
        let sql = format!(
            "SELECT DISTINCT f.photo_id, fa.person_id
             FROM face_assignments fa
             JOIN faces f INDEXED BY faces_place ON f.id = fa.face_id
             JOIN persons p ON p.id = fa.person_id
             JOIN photos ph ON ph.id = f.photo_id
             WHERE fa.person_id IN ({placeholders})
               AND fa.state IN {}
               AND (p.hidden = 0 OR {})
               AND ph.status = 'done'
             ORDER BY f.photo_id",
            states(selection.include_suggested),
            i64::from(selection.include_hidden),
        );
        let err = sqlite_error(self.path());
        let mut stmt = self.connection().prepare(&sql).map_err(&err)?;
        let pairs = stmt
            .query_map(params_from_iter(persons.iter()), |r| {
                Ok((r.get::<_, PhotoId>(0)?, r.get::<_, PersonId>(1)?))
            })
            .map_err(&err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&err)?;
        let mut by_photo: BTreeMap<PhotoId, Vec<PersonId>> = BTreeMap::new();
        for (photo, person) in pairs {
            by_photo.entry(photo).or_default().push(person);
        }
        let mut wanted: Vec<PersonId> = Vec::new();
        for &p in persons {
            if !wanted.contains(&p) {
                wanted.push(p);
            }
        }
        let mut out = Vec::new();
        for (photo_id, seen) in by_photo {
            let present: Vec<PersonId> = wanted
                .iter()
                .copied()
                .filter(|p| seen.contains(p))
                .collect();
            if selection.together && present.len() != wanted.len() {
                continue;
            }
            if let Some(photo) = self.photo(photo_id)? {
                out.push(PersonPhoto {
                    photo,
                    persons: present,
                });
            }
        }
        Ok(out)
    }

    /// Every analysed photo with at least one confirmed face of a named, visible person, with
    /// all such faces (in face order). With `only_with`, only photos showing one of those
    /// persons — but still with all their named faces, so a sidecar always tells the whole
    /// story of its photo.
    pub fn named_faces(
        &self,
        only_with: Option<&[PersonId]>,
        include_suggested: bool,
    ) -> Result<Vec<PhotoFaces>, StoreError> {
        let sql = format!(
            "SELECT f.photo_id, f.id, f.left, f.top, f.right, f.bottom, p.id, p.name
             FROM face_assignments fa
             JOIN faces f INDEXED BY faces_place ON f.id = fa.face_id
             JOIN persons p ON p.id = fa.person_id
             JOIN photos ph ON ph.id = f.photo_id
             WHERE fa.state IN {}
               AND p.hidden = 0
               AND p.name IS NOT NULL AND TRIM(p.name) != ''
               AND ph.status = 'done'
             ORDER BY f.photo_id, f.idx",
            states(include_suggested)
        );
        let err = sqlite_error(self.path());
        let mut stmt = self.connection().prepare(&sql).map_err(&err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, PhotoId>(0)?,
                    NamedFace {
                        face_id: r.get(1)?,
                        rect: Rect::new(r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                        person_id: r.get(6)?,
                        name: r.get::<_, String>(7)?.trim().to_string(),
                    },
                ))
            })
            .map_err(&err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&err)?;
        let mut by_photo: BTreeMap<PhotoId, Vec<NamedFace>> = BTreeMap::new();
        for (photo, face) in rows {
            by_photo.entry(photo).or_default().push(face);
        }
        let mut out = Vec::new();
        for (photo_id, faces) in by_photo {
            if let Some(filter) = only_with
                && !faces.iter().any(|f| filter.contains(&f.person_id))
            {
                continue;
            }
            if let Some(photo) = self.photo(photo_id)? {
                out.push(PhotoFaces { photo, faces });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::resnet::DESCRIPTOR_LEN;
    use crate::library::store::{NewFace, PhotoAnalysis};

    /// Stores a photo at `path` with faces at `rects`; returns its face ids.
    pub(crate) fn add_photo(store: &mut Store, path: &str, rects: &[Rect]) -> Vec<FaceId> {
        let faces = rects
            .iter()
            .map(|&rect| NewFace::at(rect, [0.0; DESCRIPTOR_LEN]))
            .collect();
        let id = store
            .record_analysis(&PhotoAnalysis::new(path, 640, 480, faces))
            .unwrap();
        store
            .faces_of_photo(id)
            .unwrap()
            .iter()
            .map(|f| f.id)
            .collect()
    }

    pub(crate) fn add_person(store: &Store, name: Option<&str>, hidden: bool) -> PersonId {
        store
            .connection()
            .execute(
                "INSERT INTO persons (name, hidden, created_at, updated_at) VALUES (?1, ?2, 0, 0)",
                rusqlite::params![name, hidden as i64],
            )
            .unwrap();
        store.connection().last_insert_rowid()
    }

    pub(crate) fn assign(store: &Store, face: FaceId, person: PersonId, state: &str) {
        store
            .connection()
            .execute(
                "UPDATE face_assignments SET person_id = ?2, state = ?3 WHERE face_id = ?1",
                rusqlite::params![face, person, state],
            )
            .unwrap();
    }

    fn r(i: i64) -> Rect {
        Rect::new(i * 100, 10, i * 100 + 50, 60)
    }

    struct Fixture {
        store: Store,
        anna: PersonId,
        bob: PersonId,
        ghost: PersonId,
    }

    /// p1: Anna (confirmed) + Bob (confirmed); p2: Anna (suggested); p3: Bob + a hidden
    /// person; p4: an unassigned face only.
    fn fixture() -> Fixture {
        let mut store = Store::open_in_memory().unwrap();
        let anna = add_person(&store, Some("Anna"), false);
        let bob = add_person(&store, Some("Bob"), false);
        let ghost = add_person(&store, Some("Ghost"), true);
        let f1 = add_photo(&mut store, "/p/1.jpg", &[r(0), r(1)]);
        let f2 = add_photo(&mut store, "/p/2.jpg", &[r(0)]);
        let f3 = add_photo(&mut store, "/p/3.jpg", &[r(0), r(1)]);
        add_photo(&mut store, "/p/4.jpg", &[r(0)]);
        assign(&store, f1[0], anna, "confirmed");
        assign(&store, f1[1], bob, "confirmed");
        assign(&store, f2[0], anna, "suggested");
        assign(&store, f3[0], bob, "confirmed");
        assign(&store, f3[1], ghost, "confirmed");
        Fixture {
            store,
            anna,
            bob,
            ghost,
        }
    }

    fn paths(photos: &[PersonPhoto]) -> Vec<String> {
        photos
            .iter()
            .map(|p| p.photo.path.display().to_string())
            .collect()
    }

    #[test]
    fn persons_are_found_by_id_or_name() {
        let mut f = fixture();
        let s = &f.store;
        assert_eq!(s.persons_matching(&f.bob.to_string()).unwrap()[0].id, f.bob);
        assert_eq!(s.persons_matching("Anna").unwrap()[0].id, f.anna);
        assert_eq!(s.persons_matching("anna").unwrap()[0].id, f.anna);
        assert!(s.persons_matching("9999").unwrap().is_empty());
        assert!(s.persons_matching("Carol").unwrap().is_empty());
        let ids = |s: &Store, key: &str| -> Vec<PersonId> {
            s.persons_matching(key)
                .unwrap()
                .iter()
                .map(|p| p.id)
                .collect()
        };
        // Regression: another Anna without faces (merged into someone else, her row kept for
        // undo) was taken for her, or made her name ambiguous.
        let merged_away = add_person(s, Some("Anna"), false);
        assert_eq!(ids(s, "Anna"), vec![f.anna]);
        // Alone, a person without faces is still found (an album of nobody, not an error).
        let empty = add_person(s, Some("Dora"), false);
        assert_eq!(ids(s, "Dora"), vec![empty]);
        // Two with faces (from an older library): both, to be told apart by id.
        let f5 = add_photo(&mut f.store, "/p/5.jpg", &[r(0)]);
        assign(&f.store, f5[0], merged_away, "confirmed");
        assert_eq!(ids(&f.store, "Anna"), vec![f.anna, merged_away]);
        assert!(f.store.export_person(f.ghost).unwrap().unwrap().hidden);
    }

    #[test]
    fn photos_of_any_or_all_persons() {
        let f = fixture();
        let s = &f.store;
        let any = s
            .photos_of_persons(&[f.anna, f.bob], PhotoSelection::default())
            .unwrap();
        assert_eq!(paths(&any), ["/p/1.jpg", "/p/3.jpg"]);
        assert_eq!(any[0].persons, vec![f.anna, f.bob]);
        assert_eq!(any[1].persons, vec![f.bob]);
        let together = PhotoSelection {
            together: true,
            ..Default::default()
        };
        let all = s.photos_of_persons(&[f.bob, f.anna], together).unwrap();
        assert_eq!(paths(&all), ["/p/1.jpg"]);
        assert_eq!(all[0].persons, vec![f.bob, f.anna]);
    }

    #[test]
    fn suggested_faces_and_hidden_persons_only_when_asked() {
        let f = fixture();
        let s = &f.store;
        let suggested = PhotoSelection {
            include_suggested: true,
            ..Default::default()
        };
        assert_eq!(
            paths(&s.photos_of_persons(&[f.anna], suggested).unwrap()),
            ["/p/1.jpg", "/p/2.jpg"]
        );
        assert!(
            s.photos_of_persons(&[f.ghost], PhotoSelection::default())
                .unwrap()
                .is_empty()
        );
        let hidden = PhotoSelection {
            include_hidden: true,
            together: true,
            ..Default::default()
        };
        assert_eq!(
            paths(&s.photos_of_persons(&[f.ghost, f.bob], hidden).unwrap()),
            ["/p/3.jpg"]
        );
    }

    #[test]
    fn named_faces_per_photo_skip_hidden_unnamed_and_unconfirmed() {
        let f = fixture();
        let mut s = f.store;
        let nameless = add_person(&s, None, false);
        let f5 = add_photo(&mut s, "/p/5.jpg", &[r(0), r(2)]);
        assign(&s, f5[0], nameless, "confirmed");
        assign(&s, f5[1], f.anna, "confirmed");
        let all = s.named_faces(None, false).unwrap();
        let summary: Vec<(String, Vec<String>)> = all
            .iter()
            .map(|p| {
                (
                    p.photo.path.display().to_string(),
                    p.faces.iter().map(|f| f.name.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/p/1.jpg".into(), vec!["Anna".into(), "Bob".into()]),
                ("/p/3.jpg".into(), vec!["Bob".into()]),
                ("/p/5.jpg".into(), vec!["Anna".into()]),
            ]
        );
        assert_eq!(all[2].faces[0].rect, r(2));
        let only_anna = s.named_faces(Some(&[f.anna]), false).unwrap();
        assert_eq!(only_anna.len(), 2);
        assert_eq!(only_anna[0].faces.len(), 2, "all named faces of the photo");
        let with_suggested = s.named_faces(Some(&[f.anna]), true).unwrap();
        assert_eq!(with_suggested.len(), 3);
    }
}
