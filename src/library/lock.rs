//! One Kindred process per library: an exclusive OS file lock beside the library file, held
//! for the life of the process and released by the OS even if the process is killed.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("library {} is already open in another Kindred process; close it first", library.display())]
    InUse { library: PathBuf },
    #[error("cannot lock library {}: {source}", library.display())]
    Io {
        library: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct LibraryLock {
    _file: File,
    path: PathBuf,
}

impl LibraryLock {
    /// The lock file of a library: `<library>.lock`.
    pub fn lock_path(library: &Path) -> PathBuf {
        let mut name = library.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    pub fn acquire(library: &Path) -> Result<Self, LockError> {
        let path = Self::lock_path(library);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| LockError::Io {
                library: library.to_path_buf(),
                source,
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| LockError::Io {
                library: library.to_path_buf(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(LibraryLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse {
                library: library.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(LockError::Io {
                library: library.to_path_buf(),
                source,
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_library_is_refused_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("lib.kindred");
        let first = LibraryLock::acquire(&library).unwrap();
        let err = LibraryLock::acquire(&library).unwrap_err();
        assert!(err.to_string().contains("already open"), "{err}");
        drop(first);
        LibraryLock::acquire(&library).unwrap();
    }
}
