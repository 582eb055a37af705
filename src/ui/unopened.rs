//! The window Kindred opens when it cannot open its library — already open in another
//! Kindred, damaged, or unreadable for another reason — saying what happened and offering the
//! way on (a backup copy to put back, a new library, trying again), where before the window
//! did not open at all and the reason went to a terminal the user never saw.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, SystemTime};

use egui::RichText;

use crate::library::backup::{self, Backup, BackupContents, BackupKind};
use crate::library::lock::{LibraryLock, LockError};
use crate::library::salvage::{Salvage, salvage};
use crate::library::store::{MayTellOfDamage, Store};
use crate::text::count;

/// Why the library could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Another Kindred has it open.
    InUse,
    /// The file is damaged, or not a library: a backup copy can be put back.
    Damaged(String),
    /// Anything else (a disk that cannot be read, a library from a newer Kindred).
    Other(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::InUse => f.write_str("it is already open in another Kindred process"),
            Problem::Damaged(e) | Problem::Other(e) => f.write_str(e),
        }
    }
}

/// Takes the library's lock and opens it, or says why it cannot be.
pub fn try_open(library: &Path) -> Result<(LibraryLock, Store), Problem> {
    let lock = LibraryLock::acquire(library).map_err(|e| match e {
        LockError::InUse { .. } => Problem::InUse,
        other => Problem::Other(other.to_string()),
    })?;
    let store = Store::open(library).map_err(|e| {
        if e.is_damage() {
            Problem::Damaged(e.to_string())
        } else {
            Problem::Other(e.to_string())
        }
    })?;
    // Damage deep in the file shows only when that part is read: once a week, when the
    // weekly copy is due, every page is read first (a fraction of a second for 100,000
    // faces), so that it is found here, where a copy can be put back.
    if backup::weekly_due(library) {
        store
            .check_for_damage()
            .map_err(|e| Problem::Damaged(e.to_string()))?;
    }
    Ok((lock, store))
}

/// A backup copy as offered: what it holds, or why it cannot be put back.
struct Offered {
    backup: Backup,
    contents: Result<BackupContents, String>,
}

/// The page's state.
pub struct UnopenedLibrary {
    library: PathBuf,
    pub problem: Problem,
    copies: Vec<Offered>,
    /// What the last thing tried did, when it did not open the library.
    outcome: Option<String>,
    /// Asking "start a new library?" once more before doing it.
    confirm_new: bool,
    /// What was done here to open the library, for the app to say once it is open.
    pub done: Option<String>,
    /// What can still be read of the damaged file being saved as a copy, on a thread.
    salvaging: Option<Receiver<Result<Salvage, String>>>,
    /// What the last salvage saved and could not, or why it saved nothing.
    salvaged: Option<Result<Salvage, String>>,
}

impl UnopenedLibrary {
    pub fn new(library: &Path, problem: Problem) -> Self {
        let mut page = UnopenedLibrary {
            library: library.to_path_buf(),
            problem,
            copies: Vec::new(),
            outcome: None,
            confirm_new: false,
            done: None,
            salvaging: None,
            salvaged: None,
        };
        page.look_for_copies();
        page
    }

    fn look_for_copies(&mut self) {
        self.copies = backup::list(&self.library)
            .into_iter()
            .filter(|b| b.kind != BackupKind::SetAside)
            .map(|backup| Offered {
                contents: backup::inspect(&backup.path).map_err(|e| e.to_string()),
                backup,
            })
            .collect();
    }

    /// Draws the page; returns the opened library when a step taken here opened it.
    pub fn show(&mut self, ui: &mut egui::Ui) -> Option<(LibraryLock, Store)> {
        let mut opened = None;
        let frame = crate::ui::theme::page_frame(ui.ctx());
        egui::CentralPanel::default().frame(frame).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add_space(40.0);
                ui.vertical_centered(|ui| {
                    ui.set_max_width(640.0);
                    opened = match self.problem.clone() {
                        Problem::InUse => self.in_use(ui),
                        Problem::Damaged(error) => self.damaged(ui, &error),
                        Problem::Other(error) => self.other(ui, &error),
                    };
                    if let Some(outcome) = &self.outcome {
                        ui.add_space(12.0);
                        ui.colored_label(ui.visuals().warn_fg_color, outcome);
                    }
                    ui.add_space(16.0);
                    if ui.button("Quit").clicked() {
                        ui.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                });
            });
        });
        opened
    }

    fn in_use(&mut self, ui: &mut egui::Ui) -> Option<(LibraryLock, Store)> {
        let said = format!(
            "Another Kindred window (or a `kindred` command) is using the library {}. Its \
             window may be behind others or minimised; close it, then try again.",
            self.library.display()
        );
        self.say_and_offer_to_try_again(ui, "Kindred is already open", &said)
    }

    fn other(&mut self, ui: &mut egui::Ui, error: &str) -> Option<(LibraryLock, Store)> {
        self.say_and_offer_to_try_again(ui, "Kindred cannot open its library", error)
    }

    fn say_and_offer_to_try_again(
        &mut self,
        ui: &mut egui::Ui,
        heading: &str,
        said: &str,
    ) -> Option<(LibraryLock, Store)> {
        page_heading(ui, heading);
        ui.label(said);
        ui.add_space(16.0);
        if ui.button("Try again").clicked() {
            return self.retry();
        }
        None
    }

    fn damaged(&mut self, ui: &mut egui::Ui, error: &str) -> Option<(LibraryLock, Store)> {
        page_heading(ui, "Kindred's library is damaged");
        ui.label(error);
        ui.add_space(6.0);
        ui.label(
            "Your photos are not touched by this. The library holds what Kindred found in them \
             and what you told it: names, merges, corrections.",
        );
        ui.add_space(16.0);
        let mut restore = None;
        if self.copies.is_empty() {
            ui.label(RichText::new("There is no backup copy of it.").strong());
        } else {
            ui.label(RichText::new("Put back a backup copy").strong());
            ui.label(
                RichText::new("What was done after the copy was made is done again by a scan; names and corrections made since are lost.")
                    .weak(),
            );
            ui.add_space(6.0);
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            egui::Grid::new("backup copies")
                .num_columns(3)
                .spacing([16.0, 8.0])
                .show(ui, |ui| {
                    for (i, offered) in self.copies.iter().enumerate() {
                        let b = &offered.backup;
                        ui.label(format!(
                            "{} ({})",
                            crate::text::ago(now - b.made_secs),
                            b.made.replace('T', " ").replace('Z', " UTC")
                        ))
                        .on_hover_text(b.path.display().to_string());
                        match &offered.contents {
                            Ok(c) => {
                                ui.label(format!(
                                    "{}: {}, {}",
                                    b.kind.describe(),
                                    count(c.photos as usize, "photo", "photos"),
                                    count(c.people_named as usize, "person named", "people named")
                                ));
                                if ui.button("Put this copy back").clicked() {
                                    restore = Some(i);
                                }
                            }
                            Err(e) => {
                                ui.label(b.kind.describe());
                                ui.weak("damaged too").on_hover_text(e);
                            }
                        }
                        ui.end_row();
                    }
                });
        }
        self.salvage_part(ui);
        if let Some(i) = restore {
            let copy = self.copies[i].backup.clone();
            let lock = self.lock_for_change()?;
            let put_back = backup::restore(&self.library, &copy.path);
            drop(lock);
            return match put_back {
                Ok(aside) => {
                    self.done = Some(format!(
                        "Put back the {} of {}{}. Face pictures are made again from the \
                         photos as they are shown.",
                        copy.kind.describe(),
                        copy.made.replace('T', " ").replace('Z', " UTC"),
                        kept_at(aside.as_deref())
                    ));
                    self.retry()
                }
                Err(e) => {
                    self.outcome = Some(e.to_string());
                    None
                }
            };
        }
        ui.add_space(16.0);
        if self.confirm_new {
            ui.label(
                "A new library starts empty: your folders are added again and every photo is \
                 analysed anew. The damaged file is kept beside the backup copies.",
            );
            let mut start_new = false;
            ui.horizontal(|ui| {
                start_new = ui.button("Start a new library").clicked();
                if ui.button("Cancel").clicked() {
                    self.confirm_new = false;
                }
            });
            if start_new {
                self.confirm_new = false;
                let lock = self.lock_for_change()?;
                let set_aside = backup::set_aside(&self.library);
                drop(lock);
                return match set_aside {
                    Ok(aside) => {
                        self.done = Some(format!(
                            "Started a new library: add your photo folders{}",
                            kept_at(aside.as_deref())
                        ));
                        self.retry()
                    }
                    Err(e) => {
                        self.outcome = Some(e.to_string());
                        None
                    }
                };
            }
        } else if ui.button("Start a new library…").clicked() {
            self.confirm_new = true;
        }
        None
    }

    /// Saving what can still be read of the damaged file as a copy, which then shows among
    /// the copies above, to put back.
    fn salvage_part(&mut self, ui: &mut egui::Ui) {
        if let Some(saving) = &self.salvaging {
            match saving.try_recv() {
                Ok(saved) => {
                    self.salvaging = None;
                    self.salvaged = Some(saved);
                    self.look_for_copies();
                }
                Err(TryRecvError::Empty) => {
                    ui.ctx().request_repaint_after(Duration::from_millis(100))
                }
                Err(TryRecvError::Disconnected) => {
                    self.salvaging = None;
                    self.salvaged = Some(Err("the reading stopped unexpectedly".into()));
                }
            }
        }
        let asked = crate::ui::views::folders::salvage_part(
            ui,
            self.copies
                .iter()
                .any(|c| c.backup.kind.of_the_library_in_use()),
            self.salvaging.is_some(),
            self.salvaged.as_ref(),
        );
        if asked {
            let (tx, rx) = std::sync::mpsc::channel();
            let library = self.library.clone();
            let ctx = ui.ctx().clone();
            let started = std::thread::Builder::new()
                .name("kindred-salvage".into())
                .spawn(move || {
                    let _ = tx.send(salvage(&library).map_err(|e| e.to_string()));
                    ctx.request_repaint();
                });
            match started {
                Ok(_) => {
                    self.salvaging = Some(rx);
                    self.salvaged = None;
                }
                Err(e) => {
                    self.salvaged = Some(Err(format!("cannot start reading it: {e}")));
                }
            }
        }
    }

    /// The library's lock, held while its file is replaced or set aside: a Kindred started
    /// meanwhile (a scan on a timer) must not write into the file as it moves. None, and the
    /// page says why, when another Kindred has it open.
    fn lock_for_change(&mut self) -> Option<LibraryLock> {
        match LibraryLock::acquire(&self.library) {
            Ok(lock) => Some(lock),
            Err(e) => {
                self.outcome = Some(match e {
                    LockError::InUse { .. } => {
                        "It is open in another Kindred: close it first, then try again.".into()
                    }
                    other => other.to_string(),
                });
                None
            }
        }
    }

    /// Tries to open the library again; on failure the page says why, afresh.
    fn retry(&mut self) -> Option<(LibraryLock, Store)> {
        match try_open(&self.library) {
            Ok(opened) => Some(opened),
            Err(problem) => {
                self.outcome = Some(match &problem {
                    Problem::InUse => "It is still open in another Kindred.".into(),
                    Problem::Damaged(e) | Problem::Other(e) => e.clone(),
                });
                self.problem = problem;
                self.look_for_copies();
                None
            }
        }
    }
}

fn page_heading(ui: &mut egui::Ui, text: &str) {
    ui.label(RichText::new(text).size(24.0).strong());
    ui.add_space(10.0);
}

/// Where the damaged library went, as the end of a sentence.
fn kept_at(aside: Option<&Path>) -> String {
    aside.map_or_else(String::new, |path| {
        format!("; the damaged library is kept at {}", path.display())
    })
}
