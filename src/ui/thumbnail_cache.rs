//! The thumbnails the app keeps on disk between runs — of photos (the grids of a person's
//! photos), and of faces cut sharper than the library keeps them, for screens that show them
//! larger — each found again while its photo is unchanged, and the whole kept under a size
//! limit by letting go of the ones shown longest ago.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::engine::geometry::Rect;
use crate::library::path_text;
use crate::library::turn::Turn;

/// How much disk the cache may take: about 50,000 thumbnails of 256 pixels. Past it, the ones
/// shown longest ago go, down to nine tenths of it, so that a trim is not due at every start.
pub const LIMIT_BYTES: u64 = 1 << 30;

/// A thumbnail's file is marked as used (its modification time set to now) when it is read
/// and was last marked longer ago than this: often enough to tell what is shown, without a
/// write for every look.
const MARK_USED_AFTER: Duration = Duration::from_secs(3600);

/// A half-written thumbnail older than this was left by a run that stopped while writing it.
const STALE_PART_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A photo file's size and modification time: with its path, what its thumbnail is kept
/// under. The library records them too, so a photo on a drive not connected still finds the
/// thumbnail kept of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i64,
}

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> Self {
        FileStamp {
            size: meta.len(),
            mtime_ns: crate::library::walk::mtime_ns(meta),
        }
    }
}

/// What a thumbnail is of.
#[derive(Debug, Clone, Copy)]
pub enum Thumbnail<'a> {
    /// A photo as its file shows it (turned as the user turned it when shown).
    Photo { path: &'a Path, stamp: FileStamp },
    /// A face at `rect` of the photo turned by `turn`, cut `side` pixels square.
    Face {
        path: &'a Path,
        stamp: FileStamp,
        rect: Rect,
        turn: Turn,
        side: u32,
    },
}

#[derive(Debug, Clone)]
pub struct ThumbnailCache {
    dir: PathBuf,
}

/// What a trim let go of.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Trimmed {
    pub files: usize,
    pub bytes: u64,
}

impl ThumbnailCache {
    pub fn new(dir: PathBuf) -> Self {
        ThumbnailCache { dir }
    }

    /// The file a thumbnail is kept in: named by its photo's path, size and modification
    /// time, so a changed photo gets a new one (the old one ages out).
    fn file_for(&self, of: Thumbnail) -> PathBuf {
        use sha2::Digest;
        let key = match of {
            Thumbnail::Photo { path, stamp } => {
                format!(
                    "{}\0{}\0{}",
                    path_text::to_text(path),
                    stamp.size,
                    stamp.mtime_ns
                )
            }
            Thumbnail::Face {
                path,
                stamp,
                rect,
                turn,
                side,
            } => format!(
                "{}\0{}\0{}\0face {} {} {} {} turned {} at {side}",
                path_text::to_text(path),
                stamp.size,
                stamp.mtime_ns,
                rect.left,
                rect.top,
                rect.right,
                rect.bottom,
                turn.quarters()
            ),
        };
        let digest = sha2::Sha256::digest(key.as_bytes());
        let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.jpg"))
    }

    /// The thumbnail kept, marked as used. One cut short (the renamed file's data lost with
    /// the power before it reached the disk) is let go of, to be made again, instead of being
    /// shown grey for good.
    pub fn read(&self, of: Thumbnail) -> Option<Vec<u8>> {
        let file = self.file_for(of);
        let bytes = std::fs::read(&file).ok()?;
        if !is_whole_jpeg(&bytes) {
            let _ = std::fs::remove_file(&file);
            return None;
        }
        let marked = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
        let now = SystemTime::now();
        if marked.is_none_or(|t| now.duration_since(t).unwrap_or_default() > MARK_USED_AFTER)
            && let Ok(handle) = std::fs::File::options().write(true).open(&file)
        {
            let _ = handle.set_modified(now);
        }
        Some(bytes)
    }

    /// Keeps a thumbnail; a failure only means it is made again next time.
    pub fn write(&self, of: Thumbnail, jpeg: &[u8]) {
        let file = self.file_for(of);
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        // Written under another name first, so a crash never leaves half a thumbnail.
        let part = file.with_extension("tmp");
        if std::fs::write(&part, jpeg).is_ok() {
            let _ = std::fs::rename(&part, &file);
        }
    }

    /// Lets go of the thumbnails shown longest ago while the cache takes more than `limit`
    /// (down to nine tenths of it), and of half-written ones from runs that stopped.
    pub fn trim(&self, limit: u64) -> std::io::Result<Trimmed> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Trimmed::default()),
            Err(e) => return Err(e),
        };
        let now = SystemTime::now();
        let mut trimmed = Trimmed::default();
        let mut kept: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            match path.extension().and_then(|e| e.to_str()) {
                Some("jpg") if meta.is_file() => kept.push((used, meta.len(), path)),
                Some("tmp")
                    if now.duration_since(used).unwrap_or_default() > STALE_PART_AFTER
                        && std::fs::remove_file(&path).is_ok() =>
                {
                    trimmed.files += 1;
                    trimmed.bytes += meta.len();
                }
                _ => {}
            }
        }
        let mut total: u64 = kept.iter().map(|(_, len, _)| len).sum();
        if total <= limit {
            return Ok(trimmed);
        }
        let target = limit / 10 * 9;
        kept.sort();
        for (_, len, path) in kept {
            if total <= target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
                trimmed.files += 1;
                trimmed.bytes += len;
            }
        }
        Ok(trimmed)
    }
}

/// Whether `bytes` run from a JPEG's start marker to its end marker, as every thumbnail
/// written does.
fn is_whole_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes a thumbnail could be: `inside` between a JPEG's start and end markers.
    fn jpeg(inside: &[u8]) -> Vec<u8> {
        [&[0xFF, 0xD8], inside, &[0xFF, 0xD9]].concat()
    }

    fn photo(dir: &Path, name: &str, bytes: &[u8]) -> (PathBuf, FileStamp) {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let stamp = FileStamp::of(&std::fs::metadata(&path).unwrap());
        (path, stamp)
    }

    fn set_used(file: &Path, ago_secs: u64) {
        let when = SystemTime::now() - Duration::from_secs(ago_secs);
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    #[test]
    fn a_thumbnail_is_found_again_until_its_photo_changes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(dir.path().join("cache"));
        let (path, stamp) = photo(dir.path(), "a.jpg", b"photo");
        let of = |path, stamp| Thumbnail::Photo { path, stamp };
        assert_eq!(cache.read(of(&path, stamp)), None);
        cache.write(of(&path, stamp), &jpeg(b"thumb"));
        assert_eq!(cache.read(of(&path, stamp)), Some(jpeg(b"thumb")));
        // A face of it is kept apart, by its place, turn and size.
        let face = |side| Thumbnail::Face {
            path: &path,
            stamp,
            rect: Rect::new(10, 20, 110, 120),
            turn: Turn::NONE,
            side,
        };
        assert_eq!(cache.read(face(320)), None);
        cache.write(face(320), &jpeg(b"face"));
        assert_eq!(cache.read(face(320)), Some(jpeg(b"face")));
        assert_eq!(cache.read(face(256)), None);
        assert_eq!(cache.read(of(&path, stamp)), Some(jpeg(b"thumb")));

        let (path, stamp) = photo(dir.path(), "a.jpg", b"another photo");
        assert_eq!(cache.read(of(&path, stamp)), None);
    }

    /// The check above holds for the thumbnails the app writes.
    #[test]
    fn thumbnails_as_written_are_whole() {
        let picture = image::RgbImage::from_pixel(40, 30, image::Rgb([90, 120, 200]));
        let mut jpeg = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85);
        picture.write_with_encoder(encoder).unwrap();
        assert!(is_whole_jpeg(&jpeg));
        assert!(!is_whole_jpeg(&jpeg[..jpeg.len() - 1]));
    }

    #[test]
    fn a_thumbnail_cut_short_is_made_again_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(dir.path().join("cache"));
        let (path, stamp) = photo(dir.path(), "a.jpg", b"photo");
        let of = Thumbnail::Photo { path: &path, stamp };
        let whole = jpeg(&[7; 64]);
        for cut_short in [&whole[..40], &[][..]] {
            std::fs::create_dir_all(dir.path().join("cache")).unwrap();
            std::fs::write(cache.file_for(of), cut_short).unwrap();
            assert_eq!(cache.read(of), None);
            assert!(!cache.file_for(of).exists(), "let go of");
        }
        cache.write(of, &whole);
        assert_eq!(cache.read(of), Some(whole));
    }

    #[test]
    fn trimming_lets_go_of_the_thumbnails_shown_longest_ago() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbnailCache::new(dir.path().join("cache"));
        let mut photos = Vec::new();
        for i in 0..5 {
            let (path, stamp) = photo(dir.path(), &format!("{i}.jpg"), &[i as u8]);
            let of = Thumbnail::Photo { path: &path, stamp };
            cache.write(of, &jpeg(&[0; 96]));
            set_used(&cache.file_for(of), 10_000 * (5 - i as u64));
            photos.push((path, stamp));
        }
        // The oldest is shown again: it is the newest now.
        fn of((path, stamp): &(PathBuf, FileStamp)) -> Thumbnail<'_> {
            Thumbnail::Photo {
                path,
                stamp: *stamp,
            }
        }
        assert!(cache.read(of(&photos[0])).is_some());
        let part = dir.path().join("cache").join("0123.tmp");
        std::fs::write(&part, [0; 7]).unwrap();
        set_used(&part, 2 * 24 * 3600);

        // Under the limit, only the stale half-written file goes.
        assert_eq!(cache.trim(500).unwrap(), Trimmed { files: 1, bytes: 7 });
        // Over it, down to nine tenths (270 bytes): the two newest stay.
        assert_eq!(
            cache.trim(300).unwrap(),
            Trimmed {
                files: 3,
                bytes: 300
            }
        );
        let kept: Vec<bool> = photos
            .iter()
            .map(|photo| cache.read(of(photo)).is_some())
            .collect();
        assert_eq!(kept, [true, false, false, false, true]);
        // No cache folder yet is nothing to trim.
        let none = ThumbnailCache::new(dir.path().join("none"));
        assert_eq!(none.trim(0).unwrap(), Trimmed::default());
    }
}
