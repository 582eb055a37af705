//! `kindred scan` and `kindred status`: the photo library from the terminal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::pipeline::FaceEngine;
use crate::export::xmp_import::take_over_names;
use crate::library::backup::{self, BackupKind};
use crate::library::lock::LibraryLock;
use crate::library::scan::{self, ScanControl, ScanEvent, ScanOptions, ScanPhase};
use crate::library::store::{MayTellOfDamage, Store};
use crate::text::{count, megabytes};

/// The library used when neither `--library` nor `KINDRED_LIBRARY` names one: in the
/// platform's data folder (e.g. `~/.local/share/kindred/library.kindred`).
pub fn default_library_path() -> PathBuf {
    if let Some(path) = std::env::var_os("KINDRED_LIBRARY").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    directories::ProjectDirs::from("", "", "kindred")
        .map(|d| d.data_dir().join("library.kindred"))
        .unwrap_or_else(|| PathBuf::from("library.kindred"))
}

/// Opens a library that must already exist (for commands that only read it or change
/// people, never create one by mistake).
pub(super) fn open_existing(library: &Path) -> anyhow::Result<Store> {
    anyhow::ensure!(
        library.exists(),
        "no library at {} (run `kindred scan FOLDER` first)",
        library.display()
    );
    open(library)
}

/// An existing library, opened for a change (locked against other writers); none is made by
/// mistake, where a path was mistyped or a drive is not connected.
pub(super) fn open_to_change(library: &Path) -> anyhow::Result<(Store, LibraryLock)> {
    anyhow::ensure!(
        library.exists(),
        "no library at {} (run `kindred scan FOLDER` first)",
        library.display()
    );
    open_locked(library)
}

/// Opens a library for writing, refusing if another Kindred process has it.
pub fn open_locked(path: &Path) -> anyhow::Result<(Store, LibraryLock)> {
    let lock = LibraryLock::acquire(path)?;
    let store = open(path)?;
    Ok((store, lock))
}

/// Opens a library; one that cannot be read is said to be so with the way back to a copy.
fn open(library: &Path) -> anyhow::Result<Store> {
    Store::open(library).map_err(|e| {
        let newest = backup::list(library)
            .into_iter()
            .find(|b| b.kind != BackupKind::SetAside);
        match newest {
            Some(copy) if e.is_damage() => anyhow::anyhow!(
                "{e}\nthe newest backup copy is from {}: `kindred restore \"{}\"` puts it back \
                 (`kindred backup --list` lists them all); names and corrections made since \
                 are only in the damaged file: `kindred salvage` saves what can still be read \
                 of it as a copy of its own",
                copy.made,
                copy.path.display()
            ),
            _ => e.into(),
        }
    })
}

/// `kindred backup`: a copy of the library, now.
pub fn backup(library: &Path) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let copy = backup::make(&store, BackupKind::ByHand)?;
    outln!(
        "backed up the library to {} ({})",
        copy.path.display(),
        megabytes(copy.bytes)
    );
    Ok(ExitCode::SUCCESS)
}

/// `kindred backup --list`: the copies kept, newest first.
pub fn backups(library: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let copies = backup::list(library);
    if json {
        outln!("{}", serde_json::to_string(&copies)?);
        return Ok(ExitCode::SUCCESS);
    }
    if copies.is_empty() {
        outln!(
            "no backup copies of {} yet (one is made before each upgrade, one a week while it \
             is in use, and `kindred backup` makes one now)",
            library.display()
        );
    }
    for copy in copies {
        outln!(
            "{}  {:<14}  {:>9}  {}",
            copy.made,
            serde_json::to_value(copy.kind)?
                .as_str()
                .unwrap_or_default(),
            megabytes(copy.bytes),
            copy.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `kindred restore BACKUP`: the copy put back as the library, the library set aside.
pub fn restore(library: &Path, copy: &Path) -> anyhow::Result<ExitCode> {
    let _lock = LibraryLock::acquire(library)?;
    let contents = backup::inspect(copy)?;
    let aside = backup::restore(library, copy)?;
    outln!(
        "restored the library from {}: {}",
        copy.display(),
        contents.in_words()
    );
    if let Some(aside) = aside {
        outln!("the library as it was is kept at {}", aside.display());
    }
    outln!(
        "face pictures, left out of backup copies, are made again from the photos as the app shows them"
    );
    Ok(ExitCode::SUCCESS)
}

/// `kindred salvage`: what can still be read of a damaged library, saved as a copy to put back.
pub fn salvage(library: &Path, json: bool) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(library.exists(), "no library at {}", library.display());
    let saved = crate::library::salvage::salvage(library)?;
    if json {
        outln!("{}", serde_json::to_string(&saved)?);
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "saved what could be read of {} to {}: {}",
        library.display(),
        saved.copy.path.display(),
        saved.contents.in_words()
    );
    if saved.unreadable.is_empty() {
        outln!("all of it could be read");
    }
    for said in saved.losses_in_words() {
        outln!("{said}");
    }
    outln!(
        "`kindred restore \"{}\"` puts it back (the library as it is now is kept among the copies)",
        saved.copy.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The scan options given on the command line; those not given are the library's.
pub struct AskedScanOptions {
    pub max_side: Option<u32>,
    pub upsample: Option<u32>,
    pub threads: usize,
}

pub fn scan(
    library: &Path,
    folders: &[PathBuf],
    asked: AskedScanOptions,
    xmp_names: bool,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let (mut store, _lock) = open_locked(library)?;
    let usual = ScanOptions::of_library(&store)?.unwrap_or_default();
    let options = ScanOptions {
        max_side: asked.max_side.unwrap_or(usual.max_side),
        upsample: asked.upsample.unwrap_or(usual.upsample),
        threads: asked.threads,
    };
    // Every folder checked, and the models loaded, before the library is changed: a scan that
    // cannot start adds no folder.
    for folder in folders {
        if let Some(why) = scan::not_a_folder(folder, &folder.display().to_string()) {
            anyhow::bail!(why);
        }
    }
    let engine = FaceEngine::load().context("cannot load the face models")?;
    let mut roots = Vec::new();
    for folder in folders {
        let path = scan::normalise_root(folder);
        let id = store.add_root(&path)?;
        roots.push((id, path));
    }
    let control = ScanControl::new();
    let (tx, rx) = mpsc::channel();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message("looking for photos…");
    let summary = std::thread::scope(|s| {
        let worker = s.spawn(|| scan::scan(&mut store, &engine, &roots, options, &control, tx));
        for event in rx {
            match event {
                ScanEvent::Progress(p) => {
                    if p.phase == ScanPhase::Analysing && bar.length().is_none() {
                        bar.set_style(
                            ProgressStyle::with_template("{bar:30} {pos}/{len} photos  {msg}")
                                .unwrap_or_else(|_| ProgressStyle::default_bar()),
                        );
                        bar.set_length(p.to_analyse);
                    }
                    bar.set_position(p.done);
                    let eta = p
                        .eta_secs
                        .map(|s| format!(", {}s left", s.round()))
                        .unwrap_or_default();
                    bar.set_message(match p.phase {
                        ScanPhase::Walking => format!("looking for photos… {} found", p.found),
                        _ => format!(
                            "{} faces, {} errors, {:.1} photos/s{eta}",
                            p.faces, p.errors, p.rate
                        ),
                    });
                }
                ScanEvent::Skipped { path, reason } => {
                    bar.suspend(|| eprintln!("skipped {}: {reason}", path.display()))
                }
                ScanEvent::PhotoStored { .. } => {}
            }
        }
        worker.join().expect("scan thread")
    })?;
    bar.finish_and_clear();
    // Names given in other apps come first, so matching can already suggest more faces of
    // those people.
    let taken_over = if xmp_names {
        Some(take_over_names(
            &mut store,
            &summary.photos_with_fresh_tags(),
            Some(&engine),
        )?)
    } else {
        None
    };
    // New faces are matched incrementally (suggestions for named people, unnamed clusters for
    // the rest); everything placed before stays where it is.
    let matched = crate::people::ops::match_new_faces(&mut store)?;
    outln!(
        "{} found: {} analysed, {} unchanged, {} moved, {} missing; {}; {} skipped",
        count(summary.found as usize, "photo", "photos"),
        summary.analysed,
        summary.unchanged,
        summary.moved,
        summary.missing,
        count(summary.faces as usize, "face", "faces"),
        summary.skipped.len()
    );
    match summary.copies {
        0 => {}
        1 => outln!(
            "1 of the analysed photos is an identical copy of another: its faces were taken from \
             it, not looked for again"
        ),
        n => outln!(
            "{n} of the analysed photos are identical copies of others: their faces were taken \
             from those, not looked for again"
        ),
    }
    match summary.touched {
        0 => {}
        1 => outln!(
            "1 of the unchanged photos had a new file time (copied back, or touched by a sync \
             tool) and was read to find it the same"
        ),
        n => outln!(
            "{n} of the unchanged photos had new file times (copied back, or touched by a sync \
             tool) and were read to find them the same"
        ),
    }
    match summary.moved_and_changed {
        0 => {}
        1 => outln!(
            "1 of the analysed photos was moved and changed by another app since the last scan: \
             it was known by its date and faces, and its faces kept their names"
        ),
        n => outln!(
            "{n} of the analysed photos were moved and changed by another app since the last \
             scan: each was known by its date and faces, and their faces kept their names"
        ),
    }
    if summary.redescribed > 0 {
        outln!(
            "{} of the analysed photos kept their faces and were only described anew for \
             updated face models",
            summary.redescribed
        );
    }
    super::people::say_matched(&matched)?;
    if matched.from_copies > 0 {
        outln!(
            "{} in identical copies of photos took what you decided about the same faces there",
            count(matched.from_copies, "face", "faces")
        );
    }
    if let Some(t) = taken_over.filter(|t| t.photos_with_names > 0 || !t.unreadable.is_empty()) {
        let missed = match t.faces_added {
            0 => String::new(),
            n => format!(
                ", {} the scan had missed found in their regions",
                count(n, "face", "faces")
            ),
        };
        let (google, not_placed) = match t.photos_with_takeout_names {
            0 => ("", String::new()),
            _ => (
                ", Google Photos",
                format!(
                    ", {} from Google Photos not told apart in group photos",
                    count(t.takeout_names_not_placed, "name", "names")
                ),
            ),
        };
        outln!(
            "names from other apps' face tags (XMP, Picasa{google}) in {}: {} named ({}), {} already decided here{missed}, {} not matched to a detected face{not_placed}",
            count(t.photos_with_names, "photo", "photos"),
            count(t.report.faces, "face", "faces"),
            count(t.report.new_people, "new person", "new people"),
            t.report.kept,
            count(t.unmatched_regions, "region", "regions"),
        );
        for (path, reason) in &t.unreadable {
            outln!("  XMP not read for {}: {reason}", path.display());
        }
    }
    for (path, reason) in &summary.skipped {
        outln!("  skipped {}: {reason}", path.display());
    }
    // Scans run from a timer keep a library with no app opened on it backed up too.
    match backup::make_weekly_if_due(&store) {
        Ok(Some(copy)) => outln!("weekly backup copy of the library: {}", copy.path.display()),
        Ok(None) => {}
        Err(e) => {
            eprintln!("kindred: {e}");
            if e.is_damage() {
                eprintln!("{}", super::DAMAGE_ADVICE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn status(library: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let counts = store.status_counts()?;
    let errors = store.errors()?;
    let roots = store.roots()?;
    let excluded = store.excluded_folders()?;
    if json {
        let value = serde_json::json!({
            "library": library.display().to_string(),
            "folders": roots.iter().map(|r| r.path.display().to_string()).collect::<Vec<_>>(),
            "excluded_folders": excluded.iter().map(|e| e.path.display().to_string()).collect::<Vec<_>>(),
            "photos": counts.photos,
            "photos_analysed": counts.photos_done,
            "faces": counts.faces,
            "ignored_faces": counts.ignored_faces,
            "errors": counts.errors,
            "missing": counts.missing,
            "left_out": counts.left_out,
            "persons": counts.persons,
            "named_persons": counts.named_persons,
            "identical_copies": counts.identical_copies,
            "error_details": errors.iter().map(|(p, e)| serde_json::json!({"path": p.display().to_string(), "error": e})).collect::<Vec<_>>(),
        });
        outln!("{value}");
    } else {
        outln!("library {}", library.display());
        for r in &roots {
            outln!("  folder {}", r.path.display());
            for e in excluded.iter().filter(|e| e.root == r.id) {
                outln!("    left out {}", e.path.display());
            }
        }
        let copies = match counts.identical_copies {
            0 => String::new(),
            1 => ", 1 of them an identical copy of another".into(),
            n => format!(", {n} of them identical copies of others"),
        };
        let left_out = match counts.left_out {
            0 => String::new(),
            n => format!(", {n} in folders left out"),
        };
        let ignored = match counts.ignored_faces {
            0 => String::new(),
            n => format!(" ({n} ignored)"),
        };
        outln!(
            "{} photos ({} analysed{copies}, {} with errors, {} missing{left_out}), {} faces{ignored}, {} people ({} named)",
            counts.photos,
            counts.photos_done,
            counts.errors,
            counts.missing,
            counts.faces,
            counts.persons,
            counts.named_persons
        );
        for (path, error) in errors {
            outln!("  error {}: {error}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
