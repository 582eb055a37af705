//! `kindred export` (albums of people's photos) and `kindred xmp` (face tags in sidecars).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::library::open_existing;
use crate::export::album::{
    self, Action, Content, ExportControl, ExportEvent, ExportRequest, Layout, Mode,
};
use crate::export::xmp;
use crate::library::export_store::PhotoSelection;
use crate::text::count;

/// The options of `kindred export`.
#[derive(Debug, Clone)]
pub struct ExportArgs {
    pub persons: Vec<String>,
    pub to: PathBuf,
    pub mode: Mode,
    pub layout: Layout,
    pub together: bool,
    pub include_suggested: bool,
    pub include_hidden: bool,
    pub dry_run: bool,
}

pub fn export(library: &Path, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let persons = album::resolve_persons(&store, &args.persons)?;
    let request = ExportRequest {
        persons: persons.iter().map(|p| p.id).collect(),
        target: args.to.clone(),
        mode: args.mode,
        layout: args.layout,
        selection: PhotoSelection {
            together: args.together,
            include_suggested: args.include_suggested,
            include_hidden: args.include_hidden,
        },
    };
    let plan = album::plan(&store, &request)?;
    if !args.include_suggested {
        // A group no one has named has only suggested faces: its album is empty without them.
        for person in &persons {
            let summary = crate::people::ops::person(&store, person.id)?;
            if summary.confirmed == 0 && summary.faces > 0 {
                eprintln!(
                    "note: {} has no confirmed face yet, and the album leaves out {} only \
                     suggested (--include-suggested takes them)",
                    person.display_name(),
                    count(summary.faces, "face", "faces"),
                );
            }
        }
    }
    drop(store);
    let (create, there, missing) = (
        plan.count(Action::Create),
        plan.count(Action::AlreadyThere),
        plan.count(Action::SourceMissing),
    );
    if args.dry_run {
        for item in &plan.items {
            let what = match item.action {
                Action::Create if item.replaces => {
                    "replace (Kindred's copy or shortcut, made otherwise)"
                }
                Action::Create => "create",
                Action::AlreadyThere => "skip (already there)",
                Action::SourceMissing => "skip (photo not there)",
            };
            let how = match (&item.content, item.action) {
                (Content::Turned(turn), Action::Create) => format!(", {}", turn.in_words()),
                (Content::Sideways { reason }, Action::Create | Action::AlreadyThere) => {
                    format!(", as its file shows it, not as turned in Kindred: {reason}")
                }
                _ => String::new(),
            };
            outln!(
                "{what}: {} -> {}{how}",
                item.source.display(),
                item.destination.display()
            );
        }
        for (copy, kept) in &plan.identical_copies {
            outln!(
                "skip (identical copy of {}): {}",
                kept.display(),
                copy.display()
            );
        }
        outln!(
            "dry run: {} would be {} into {}, {there} already there, {missing} not there{}; nothing was written",
            photos(create),
            match plan.mode {
                Mode::Copy => "copied",
                Mode::Hardlink => "hard-linked",
                Mode::Symlink => "symlinked",
            },
            plan.target.display(),
            identical_copies_note(&plan)
        );
        return Ok(ExitCode::SUCCESS);
    }

    let control = ExportControl::new();
    let (tx, rx) = mpsc::channel();
    let bar = ProgressBar::new(plan.items.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} photos  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut copied_because: Vec<String> = Vec::new();
    let summary = std::thread::scope(|s| {
        let worker = s.spawn(|| album::execute(&plan, tx, &control));
        for event in rx {
            match event {
                ExportEvent::Progress(p) => {
                    bar.set_position(p.done);
                    bar.set_message(format!("{} new, {} already there", p.created, p.skipped));
                }
                // Said once for each reason: an album on a USB stick would otherwise list
                // every photo with the same words (the manifest lists what went where).
                ExportEvent::CopiedInsteadOfLinked { reason, .. } => {
                    if !copied_because.contains(&reason) {
                        bar.suspend(|| {
                            eprintln!("copying the photos instead of hard-linking them: {reason}")
                        });
                        copied_because.push(reason);
                    }
                }
                ExportEvent::NotTurned {
                    destination,
                    reason,
                } => bar.suspend(|| {
                    eprintln!(
                        "as its file shows it, not as turned in Kindred ({reason}): {}",
                        destination.display()
                    )
                }),
                ExportEvent::Renamed {
                    planned,
                    destination,
                } => bar.suspend(|| {
                    eprintln!(
                        "{} appeared meanwhile; wrote {}",
                        planned.display(),
                        destination.display()
                    )
                }),
                ExportEvent::Failed { source, reason } => {
                    bar.suspend(|| eprintln!("skipped {}: {reason}", source.display()))
                }
            }
        }
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("the export thread panicked"))
    })??;
    bar.finish_and_clear();
    outln!(
        "{} exported to {}: {} new, {} already there, {} failed{}{}{}{}",
        photos(plan.items.len()),
        plan.target.display(),
        summary.created,
        summary.skipped,
        summary.failed.len(),
        match (summary.turned, plan.mode) {
            (0, _) => String::new(),
            (n, Mode::Copy) => format!("; {n} turned as in Kindred"),
            (n, _) => format!(
                "; {n} turned as in Kindred, as copies (a link shows a photo as its file does)"
            ),
        },
        if summary.not_turned > 0 {
            format!(
                "; {} turned in Kindred but as {} in the album",
                summary.not_turned,
                if summary.not_turned == 1 {
                    "its file shows it"
                } else {
                    "their files show them"
                }
            )
        } else {
            String::new()
        },
        if summary.copied_instead_of_linked > 0 {
            format!(
                "; {} copied because they could not be linked",
                summary.copied_instead_of_linked
            )
        } else {
            String::new()
        },
        identical_copies_note(&plan)
    );
    if let Some(manifest) = &summary.manifest {
        outln!("manifest: {}", manifest.display());
    }
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn photos(n: usize) -> String {
    count(n, "photo", "photos")
}

/// "; 3 identical copies left out" when the library holds some photos more than once.
fn identical_copies_note(plan: &album::ExportPlan) -> String {
    match plan.identical_copies.len() {
        0 => String::new(),
        n => format!(
            "; {} left out",
            count(n, "identical copy", "identical copies")
        ),
    }
}

pub fn xmp_write(library: &Path, persons: &[String]) -> anyhow::Result<ExitCode> {
    let store = open_existing(library)?;
    let ids: Vec<i64> = album::resolve_persons(&store, persons)?
        .iter()
        .map(|p| p.id)
        .collect();
    let only_with = (!ids.is_empty()).then_some(ids.as_slice());
    let summary = xmp::write_library_sidecars(&store, only_with)?;
    for (path, reason) in &summary.failed {
        eprintln!("not written {}: {reason}", path.display());
    }
    outln!(
        "XMP sidecars: {} created, {} updated, {} unchanged, {} failed",
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.failed.len()
    );
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints the face regions in photos' sidecars, one JSON object per photo per line.
pub fn xmp_read(photos: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut status = ExitCode::SUCCESS;
    for photo in photos {
        let value = match xmp::read_sidecar_of(photo)
            .with_context(|| format!("reading the sidecar of {}", photo.display()))
        {
            Ok(Some(faces)) => serde_json::json!({
                "path": photo.display().to_string(),
                "sidecar": xmp::existing_sidecar(photo).map(|p| p.display().to_string()),
                "dimensions": faces.dimensions.map(|(w, h)| [w, h]),
                "regions": faces.regions.iter().map(|r| serde_json::json!({
                    "name": r.name, "type": r.kind, "x": r.x, "y": r.y, "w": r.w, "h": r.h,
                })).collect::<Vec<_>>(),
                "persons": faces.persons,
            }),
            Ok(None) => serde_json::json!({"path": photo.display().to_string(), "sidecar": null}),
            Err(e) => {
                status = ExitCode::FAILURE;
                serde_json::json!({"path": photo.display().to_string(), "error": format!("{e:#}")})
            }
        };
        outln!("{value}");
    }
    Ok(status)
}
