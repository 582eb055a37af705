//! Per-folder summaries for the folders view: how many photos, faces and errors each
//! photo folder holds.

use std::path::PathBuf;

use rusqlite::params;

use super::store::{PhotoId, RootId, Store, StoreError};

/// One photo folder with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderSummary {
    pub id: RootId,
    pub path: PathBuf,
    pub photos: u64,
    pub faces: u64,
    pub errors: u64,
    pub missing: u64,
}

impl Store {
    /// Every photo folder, in the order they were added, with its counts.
    pub fn folder_summaries(&self) -> Result<Vec<FolderSummary>, StoreError> {
        let sql = "SELECT r.id, r.path,
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'done'),
                (SELECT COUNT(*) FROM faces f JOIN photos p ON p.id = f.photo_id
                    WHERE p.root_id = r.id AND p.status = 'done'),
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'error'),
                (SELECT COUNT(*) FROM photos p WHERE p.root_id = r.id AND p.status = 'missing')
            FROM roots r ORDER BY r.id";
        let wrap = |source| StoreError::Sqlite {
            path: self.path().to_path_buf(),
            source,
        };
        let mut stmt = self.connection().prepare(sql).map_err(wrap)?;
        let rows = stmt
            .query_map([], |row| {
                Ok(FolderSummary {
                    id: row.get(0)?,
                    path: PathBuf::from(row.get::<_, String>(1)?),
                    photos: row.get::<_, i64>(2)? as u64,
                    faces: row.get::<_, i64>(3)? as u64,
                    errors: row.get::<_, i64>(4)? as u64,
                    missing: row.get::<_, i64>(5)? as u64,
                })
            })
            .map_err(wrap)?;
        rows.collect::<Result<_, _>>().map_err(wrap)
    }

    /// The errors recorded for the photos of one folder: (photo id, path, reason).
    pub fn folder_errors(
        &self,
        root: RootId,
    ) -> Result<Vec<(PhotoId, PathBuf, String)>, StoreError> {
        let wrap = |source| StoreError::Sqlite {
            path: self.path().to_path_buf(),
            source,
        };
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT id, path, COALESCE(error, '') FROM photos
                 WHERE root_id = ?1 AND status = 'error' ORDER BY path",
            )
            .map_err(wrap)?;
        let rows = stmt
            .query_map(params![root], |row| {
                Ok((
                    row.get(0)?,
                    PathBuf::from(row.get::<_, String>(1)?),
                    row.get(2)?,
                ))
            })
            .map_err(wrap)?;
        rows.collect::<Result<_, _>>().map_err(wrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_per_folder() {
        let mut store = Store::open_in_memory().unwrap();
        let a = store.add_root(std::path::Path::new("/photos/a")).unwrap();
        let b = store.add_root(std::path::Path::new("/photos/b")).unwrap();
        store
            .record_error(
                Some(a),
                std::path::Path::new("/photos/a/bad.jpg"),
                3,
                1,
                "truncated",
            )
            .unwrap();
        let summaries = store.folder_summaries().unwrap();
        assert_eq!(summaries.len(), 2);
        assert_eq!(summaries[0].id, a);
        assert_eq!(summaries[0].errors, 1);
        assert_eq!(summaries[1].id, b);
        assert_eq!(summaries[1].errors, 0);
        let errors = store.folder_errors(a).unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].2, "truncated");
    }
}
