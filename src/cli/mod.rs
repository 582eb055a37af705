//! The command line: argument parsing and the commands that print to the terminal.
//! Each command is a thin layer over the library modules.

mod analyze;
mod bench;
mod lfw;
pub mod library;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Kindred finds the people in your photos, privately: every face is detected and recognised
/// on this machine with dlib's face models, re-implemented in pure Rust.
#[derive(Debug, Parser)]
#[command(name = "kindred", version = VERSION_TEXT.as_str(), about, long_about = None)]
pub struct Cli {
    /// The library file (default: $KINDRED_LIBRARY, else the platform data folder).
    #[arg(long, global = true, value_name = "FILE")]
    pub library: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect faces, landmarks and descriptors in photos; one JSON object per photo per line.
    ///
    /// Photos are analysed on their pixels exactly as decoded: this command does not rotate
    /// them by their EXIF orientation, so the output matches what dlib reports for the same
    /// pixels. Rectangles are dlib's inclusive [left, top, right, bottom]; landmarks are dlib's
    /// five points in dlib's order (eye corners on the image's right, then left, then nose).
    /// A photo that cannot be read prints {"path", "error"} and the others go on; the exit
    /// status is 1 if any photo failed.
    Analyze {
        /// Times each photo is doubled in size before detection (finds smaller faces; each
        /// step costs about 4× the time).
        #[arg(long, default_value_t = 0)]
        upsample: u32,
        /// Average the descriptor over this many jittered copies of each face (dlib's
        /// num_jitters; 0 or 1 = none).
        #[arg(long, default_value_t = 0)]
        jitter: u32,
        /// Photos to analyse.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Group the faces in photos into people and print {"people": [[{"path", "face"}, ...], ...]},
    /// largest group first; `face` indexes the photo's faces in `kindred analyze` order.
    Cluster {
        /// Two faces closer than this (Euclidean distance of descriptors) are linked.
        #[arg(long, default_value_t = 0.6)]
        threshold: f32,
        /// Times each photo is doubled in size before detection.
        #[arg(long, default_value_t = 0)]
        upsample: u32,
        /// Clustering method.
        #[arg(long, value_enum, default_value_t = ClusterMethod::ChineseWhispers)]
        method: ClusterMethod,
        /// Photos to cluster.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Add photo folders to the library and analyse what is new or changed.
    ///
    /// Unchanged files (same size and modification time) are skipped without being read;
    /// moved files keep their faces and names; unreadable files are reported and skipped.
    /// A scan that is interrupted resumes where it stopped.
    Scan {
        /// Analyse photos with their longer side scaled to at most this many pixels (0: full size).
        #[arg(long, default_value_t = 2048)]
        max_side: u32,
        /// Detector upsampling: 1 also finds small faces in group photos (about 4× slower).
        #[arg(long, default_value_t = 0)]
        upsample: u32,
        /// Worker threads (default: all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Folders to scan (they are remembered); none: rescan the library's folders.
        folders: Vec<PathBuf>,
    },
    /// Counts of photos, faces, people and errors in the library.
    Status {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Measure speed.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterMethod {
    /// dlib's method: Chinese whispers on the graph of pairs closer than the threshold.
    ChineseWhispers,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time a no-change rescan: creates FILES photo files and a library that already knows
    /// them (in a temporary folder), then times `scan` over them.
    Rescan {
        #[arg(long, default_value_t = 10_000)]
        files: usize,
    },
    /// Time the face engine: detector per megapixel, landmarks and descriptor per face, on one
    /// thread and on all threads.
    Engine {
        /// Photos to time the detector on (default: a built-in set of test photos if found).
        photos: Vec<PathBuf>,
        /// Repetitions per measurement (the median is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Face-verification accuracy on LFW's pairs (see `kindred bench lfw --help`).
    Lfw(lfw::LfwArgs),
}

static VERSION_TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(version_text);

fn version_text() -> String {
    use crate::engine::models::ModelKind;
    let mut text = env!("CARGO_PKG_VERSION").to_string();
    for kind in ModelKind::ALL {
        text.push_str(&format!(
            "\n  model {} sha256 {}",
            kind.file_name(),
            kind.sha256()
        ));
    }
    text
}

/// Runs the command line; returns the process exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let library_path = cli
        .library
        .clone()
        .unwrap_or_else(library::default_library_path);
    match cli.command {
        Some(Command::Scan {
            max_side,
            upsample,
            threads,
            quiet,
            folders,
        }) => {
            let options = crate::library::scan::ScanOptions {
                max_side,
                upsample,
                threads,
            };
            let folders = if folders.is_empty() {
                let store = crate::library::store::Store::open(&library_path)?;
                let roots: Vec<PathBuf> = store.roots()?.into_iter().map(|r| r.path).collect();
                anyhow::ensure!(
                    !roots.is_empty(),
                    "the library has no folders yet: `kindred scan FOLDER`"
                );
                roots
            } else {
                folders
            };
            library::scan(&library_path, &folders, options, quiet)
        }
        Some(Command::Status { json }) => library::status(&library_path, json),
        Some(Command::Analyze {
            upsample,
            jitter,
            photos,
        }) => analyze::analyze(&photos, upsample, jitter),
        Some(Command::Cluster {
            threshold,
            upsample,
            method,
            photos,
        }) => analyze::cluster(&photos, threshold, upsample, method),
        Some(Command::Bench {
            what: BenchCommand::Engine { photos, repeat },
        }) => bench::engine(&photos, repeat),
        Some(Command::Bench { what: BenchCommand::Rescan { files } }) => bench::rescan(files),
        Some(Command::Bench {
            what: BenchCommand::Lfw(args),
        }) => lfw::lfw(&args),
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            println!();
            Ok(ExitCode::SUCCESS)
        }
    }
}
