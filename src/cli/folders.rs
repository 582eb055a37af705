//! `kindred folders`: the library's photo folders with their counts, and removing a folder or
//! leaving one of its subfolders out.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::library::{open_existing, open_to_change};
use crate::library::scan::normalise_root;
use crate::library::store::{Root, Store};
use crate::text::{count, photos_with_faces};

/// Lists the photo folders, their counts and the subfolders left out of them.
pub fn list(library: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let folders = store.folder_summaries()?;
    let excluded = store.excluded_folders()?;
    if json {
        let value: Vec<_> = folders
            .iter()
            .map(|f| {
                serde_json::json!({
                    "id": f.id,
                    "path": f.path.display().to_string(),
                    "photos": f.photos,
                    "faces": f.faces,
                    "errors": f.errors,
                    "missing": f.missing,
                    "excluded": excluded
                        .iter()
                        .filter(|e| e.root == f.id)
                        .map(|e| e.path.display().to_string())
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        outln!("{}", serde_json::Value::Array(value));
        return Ok(ExitCode::SUCCESS);
    }
    if folders.is_empty() {
        outln!("no photo folders (add one with `kindred scan FOLDER`)");
    }
    for f in &folders {
        let mut line = format!(
            "{}  {}, {}",
            f.path.display(),
            count(f.photos as usize, "photo", "photos"),
            count(f.faces as usize, "face", "faces")
        );
        if f.errors > 0 {
            line += &format!(", {} not readable", f.errors);
        }
        if f.missing > 0 {
            line += &format!(", {} missing", f.missing);
        }
        outln!("{line}");
        for e in excluded.iter().filter(|e| e.root == f.id) {
            outln!(
                "  left out {} ({})",
                e.path.display(),
                count(e.photos as usize, "photo", "photos")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The library's photo folder at `folder`, as given or made absolute.
fn photo_folder(store: &Store, folder: &Path) -> anyhow::Result<Root> {
    let wanted = absolute(folder);
    store
        .roots()?
        .into_iter()
        .find(|r| r.path == wanted || r.path == folder)
        .with_context(|| {
            format!(
                "{} is not a photo folder of the library (`kindred folders` lists them)",
                folder.display()
            )
        })
}

/// Follows a photo folder that was moved or renamed.
pub fn relocate(library: &Path, folder: &Path, to: &Path) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let root = photo_folder(&store, folder)?;
    if let Some(why) = crate::library::scan::not_a_folder(to, &to.display().to_string()) {
        anyhow::bail!(why);
    }
    let to = absolute(to);
    let moved = crate::people::ops::follow_folder(&mut store, root.id, &to)?;
    outln!(
        "{} is now {}: {} followed it, with their faces and names (`kindred scan` looks at it there; `kindred undo` takes it back)",
        root.path.display(),
        to.display(),
        count(moved as usize, "photo", "photos")
    );
    Ok(ExitCode::SUCCESS)
}

/// Removes a photo folder from the library (its files are not touched).
pub fn remove(library: &Path, folder: &Path) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let root = photo_folder(&store, folder)?;
    let left_out = store.remove_folder(root.id)?;
    outln!(
        "removed {}: {} left People (scanning the folder again brings them back, with their names)",
        root.path.display(),
        photos_with_faces(left_out.photos, left_out.faces)
    );
    Ok(ExitCode::SUCCESS)
}

/// Forgets for good the photos of a folder that scans found gone, with their faces.
pub fn forget_missing(library: &Path, folder: &Path) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let root = photo_folder(&store, folder)?;
    let forgotten = store.forget_missing(root.id)?;
    outln!(
        "forgot {} no longer in {} (names stay with their people)",
        photos_with_faces(forgotten.photos, forgotten.faces),
        root.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Leaves a subfolder out: scans pass it over and its photos leave People.
pub fn exclude(library: &Path, folder: &Path) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let path = absolute(folder);
    let left_out = crate::people::ops::leave_out_folder(&mut store, &path)?;
    outln!(
        "left out {}: {} left People (`kindred undo` or `kindred folders include` takes it back)",
        path.display(),
        photos_with_faces(left_out.photos, left_out.faces)
    );
    Ok(ExitCode::SUCCESS)
}

/// Takes a left-out subfolder back; the next scan finds its photos again.
pub fn include(library: &Path, folder: &Path) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_to_change(library)?;
    let wanted = absolute(folder);
    let excluded = store.excluded_folders()?;
    let path = excluded
        .iter()
        .map(|e| &e.path)
        .find(|p| **p == wanted || *p == folder)
        .with_context(|| {
            format!(
                "{} is not left out of the library (`kindred folders` lists the folders left out)",
                folder.display()
            )
        })?
        .clone();
    store.include_folder(&path)?;
    outln!(
        "took {} back in; `kindred scan` finds its photos again, with their faces and names",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The folder as the library records folders: resolved, so `./Screenshots` and a path
/// through a link name the same folder.
fn absolute(folder: &Path) -> PathBuf {
    let resolved = normalise_root(folder);
    if resolved.is_absolute() {
        resolved
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(&resolved))
            .unwrap_or(resolved)
    }
}
