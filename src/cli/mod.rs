//! The command line: argument parsing and the commands that print to the terminal.
//! Each command is a thin layer over the library modules.

/// Prints a line to standard output and returns the error (with `?`) instead of panicking as
/// `println!` does when the reader has gone (`kindred people | head -1`); the binary then
/// stops quietly ([`is_closed_pipe`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?
    }};
}

mod analyze;
mod bench;
mod export;
mod folders;
mod lfw;
pub mod library;
mod people;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::engine::pipeline::AnalyzeOptions;
use clap::{Parser, Subcommand};

/// Kindred finds the people in your photos, privately: every face is detected and recognised
/// on this machine with dlib's face models, re-implemented in pure Rust.
#[derive(Debug, Parser)]
#[command(
    name = "kindred",
    version = VERSION_TEXT.as_str(),
    about,
    long_about = None,
    after_help = "Without a command, Kindred opens its window on the library.\n\n\
Examples:\n  \
kindred                                   open the app\n  \
kindred scan ~/Pictures                   add a folder and find the faces in it\n  \
kindred people                            who was found\n  \
kindred name 3 \"Anna\"                     name person 3\n  \
kindred export --person Anna --to ~/Albums\n\n\
Nothing leaves this machine: Kindred has no network code."
)]
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
        /// Average each descriptor with its mirror image's (two passes per face; the
        /// descriptors the library stores). Without it, dlib's own numbers.
        #[arg(long)]
        flip: bool,
        /// Photos to analyse.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
    /// Group the faces in photos into people and print {"people": [[{"path", "face"}, ...], ...]},
    /// largest group first; `face` indexes the photo's faces in `kindred analyze` order.
    Cluster {
        /// Agglomerative: largest average descriptor distance within a group (default 0.53).
        /// Chinese whispers: two faces closer than this are linked (default 0.6).
        #[arg(long)]
        threshold: Option<f32>,
        /// Times each photo is doubled in size before detection.
        #[arg(long, default_value_t = 0)]
        upsample: u32,
        /// Clustering method.
        #[arg(long, value_enum, default_value_t = ClusterMethod::Agglomerative)]
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
        /// Analyse photos with their longer side scaled to at most this many pixels (0: full
        /// size); a photo at most half as long is looked at doubled, for its small faces.
        /// Default: as the library was last scanned (in the app too), else 2048.
        #[arg(long)]
        max_side: Option<u32>,
        /// Detector upsampling: 1 also finds small faces in group photos (about 4× slower).
        /// Default: as the library was last scanned (in the app too), else 0.
        #[arg(long)]
        upsample: Option<u32>,
        /// Worker threads (default: all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Do not take over the names other apps (digiKam, Lightroom, Picasa, …) gave faces.
        #[arg(long)]
        no_xmp_names: bool,
        /// Folders to scan (they are remembered); none: rescan the library's folders.
        folders: Vec<PathBuf>,
    },
    /// Counts of photos, faces, people and errors in the library.
    Status {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Copy the library now (works while the app has it open), or list the copies kept.
    ///
    /// Copies are kept in <library>.backups beside the library: one before each upgrade of
    /// its format (the last two), one a week while it is in use (the last three), and the
    /// ones made with this command (all).
    Backup {
        /// List the copies kept, newest first, instead of making one.
        #[arg(long)]
        list: bool,
        /// With --list: a JSON array of {"path", "kind", "made", "bytes"}.
        #[arg(long, requires = "list")]
        json: bool,
    },
    /// Put a backup copy back as the library (after checking it). The library as it is now
    /// is kept among the copies, set aside; the photos are not touched.
    Restore {
        /// A copy from `kindred backup --list`.
        backup: PathBuf,
    },
    /// Save what can still be read from a damaged library into a new backup copy, to put back
    /// with `kindred restore` (where no copy holds the latest names and corrections). The
    /// library is only read; face pictures are made again once the copy is put back.
    Salvage {
        /// One JSON object: {"copy": {"path", "kind", "made", "bytes"}, "photos",
        /// "people_named", "faces_confirmed", "unreadable": [{"table", "rows"}],
        /// "photos_to_analyse_again", "undo_history_kept"}.
        #[arg(long)]
        json: bool,
    },
    /// The library's photo folders with their photos and faces, and the subfolders left out
    /// of them; remove a folder, or leave a subfolder out (screenshots, stickers, scans).
    Folders {
        /// A JSON array of {"id", "path", "photos", "faces", "errors", "missing", "excluded"}.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        what: Option<FoldersCommand>,
    },
    /// The people in the library, largest first: id, name, faces, photos, hidden.
    People {
        /// A JSON array of {"id", "name", "faces", "confirmed", "photos", "hidden", "key_face"}.
        #[arg(long)]
        json: bool,
    },
    /// A person's confirmed and suggested faces, or the faces ignored.
    Faces {
        #[arg(long, value_name = "ID", required_unless_present = "ignored")]
        person: Option<i64>,
        /// The faces ignored (not a face, or a stranger) instead, by photo.
        #[arg(long, conflicts_with_all = ["person", "least_alike_first"])]
        ignored: bool,
        /// A JSON array of {"id", "photo", "path", "state", "rect", "distance", "turn"}: "rect"
        /// on the photo as Kindred shows it, turned "turn" quarter turns clockwise from its file
        /// (0 unless turned with `kindred turn` or in the app).
        #[arg(long)]
        json: bool,
        /// The faces least like the person's others first (where faces of someone else
        /// gather), instead of confirmed first.
        #[arg(long)]
        least_alike_first: bool,
    },
    /// Name or rename a person (naming a cluster confirms its faces; a name another person
    /// already has merges the two).
    Name { id: i64, name: String },
    /// Merge persons into one, which keeps its name and key face.
    Merge {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, value_name = "ID")]
        into: i64,
    },
    /// Put faces into a new person.
    Split {
        #[arg(required = true)]
        faces: Vec<i64>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Move faces to a person (confirms them as that person).
    Move {
        #[arg(required = true)]
        faces: Vec<i64>,
        #[arg(long, value_name = "ID")]
        to: i64,
    },
    /// "Not this person": the faces leave the person (default: the one they are in) for good.
    Reject {
        #[arg(required = true)]
        faces: Vec<i64>,
        #[arg(long, value_name = "ID")]
        from: Option<i64>,
    },
    /// Not a face, or nobody to keep track of: leave the faces out of people.
    Ignore {
        #[arg(required = true)]
        faces: Vec<i64>,
    },
    /// Take ignored faces back: each is matched again like a new face (`kindred faces
    /// --ignored` lists them).
    Unignore {
        #[arg(required = true)]
        faces: Vec<i64>,
    },
    /// Add a face the detector missed (too small, blurred or turned away): give a box around
    /// it in the pixels of the photo as Kindred shows it (upright, and turned if you turned it). The detector looks again inside the box and takes the
    /// face it finds there, else the box as drawn. The face is matched like a new one, or
    /// given to --name; `kindred undo` takes it away (given a name, `kindred undo` takes the
    /// name back, and a second the face).
    AddFace {
        /// The photo, as the library knows it (a path under one of its folders).
        photo: PathBuf,
        /// The box: left, top, right and bottom pixel, as `kindred faces --json` gives "rect".
        #[arg(long = "box", value_name = "LEFT,TOP,RIGHT,BOTTOM", value_parser = parse_box)]
        rect: crate::engine::geometry::Rect,
        /// Give the face to the person with this name (a new person if no one has it).
        #[arg(long)]
        name: Option<String>,
        /// One JSON object {"id", "photo", "path", "rect", "found_by_detector", "person",
        /// "name", "state"}.
        #[arg(long)]
        json: bool,
    },
    /// Look at photos of the library more closely than a scan does (doubled in size once
    /// more), for faces too small for it, as in the back rows of a group photo; add those
    /// found and match them like new faces. One `kindred undo` takes back all it added.
    LookCloser {
        /// The photos, as the library knows them.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        /// A JSON array of {"photo", "path", "added"} ("added": the new faces' ids).
        #[arg(long)]
        json: bool,
    },
    /// Turn photos stored sideways (an old camera or scanner recorded no orientation), whose
    /// faces the detector could not find: Kindred shows and analyses them so turned from then
    /// on; the files are not changed. Their faces move with them and keep their names; faces
    /// are looked for on them turned, added and matched like new ones. One `kindred undo`
    /// puts the photos back exactly as they were before.
    Turn {
        /// Which way, from how each photo is shown now.
        way: TurnWay,
        /// The photos, as the library knows them.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        /// A JSON array of {"photo", "path", "turn", "added"} ("turn": quarter turns clockwise
        /// from the file, 0–3; "added": the new faces' ids).
        #[arg(long)]
        json: bool,
    },
    /// Take away a face added by add-face or look-closer that is no face after all
    /// (`kindred undo` puts it back). A face the scan found is ignored instead.
    RemoveFace { face: i64 },
    /// Hide people from the people list (their faces stay theirs); several at once are one
    /// correction to undo.
    Hide {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Show hidden people again.
    Unhide {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Choose the face that represents a person.
    KeyFace { id: i64, face: i64 },
    /// Undo the last N corrections (default 1).
    Undo {
        #[arg(default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        n: usize,
    },
    /// Redo the last N corrections undone (default 1), until a new correction is made.
    Redo {
        #[arg(default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        n: usize,
    },
    /// The last N corrections (default 10): what `kindred undo` would take back, newest first,
    /// and what `kindred redo` would bring back, next first.
    History {
        #[arg(default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        n: usize,
        /// One object: {"undo": [...], "redo": [...]}, each a list of descriptions.
        #[arg(long)]
        json: bool,
    },
    /// Faces most likely to be this person that are not confirmed yet, nearest first.
    Suggestions {
        /// The person; or --everyone.
        #[arg(required_unless_present = "everyone")]
        id: Option<i64>,
        /// Faces that may be any named person, each for the one it is most like.
        #[arg(long, conflicts_with = "id")]
        everyone: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// A JSON array of {"id", "photo", "path", "distance", "nearest", "person"}; "nearest"
        /// is the face of that person's it is most like.
        #[arg(long)]
        json: bool,
    },
    /// Re-cluster every face that is neither confirmed nor ignored (undoable).
    Recluster {
        #[arg(long, value_enum, default_value_t = ClusterMethod::Agglomerative)]
        method: ClusterMethod,
        #[arg(long)]
        threshold: Option<f32>,
        #[arg(long)]
        json: bool,
    },
    /// Measure quality.
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },
    /// Export the photos of one or more people into a folder, as an album per person.
    ///
    /// Nothing is ever overwritten: a different file with the same name makes the new one
    /// take a numbered suffix, and a photo already exported there is skipped, so running the
    /// same export again only adds what is new (and finishes an interrupted one). The folder
    /// gets a manifest, kindred-export.json: source, destination and people of each photo.
    Export {
        /// A person, by id or name, letter case aside (repeat for several people).
        #[arg(long = "person", value_name = "ID|NAME", required = true, num_args = 1..)]
        persons: Vec<String>,
        /// The folder to export into (created if needed).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// copy, hardlink (copies when the folder is on another disk, and says so) or symlink.
        #[arg(long, value_enum, default_value_t = crate::export::album::Mode::Copy)]
        mode: crate::export::album::Mode,
        /// flat: PERSON/FILE; by-year: PERSON/YYYY/YYYY-MM-DD FILE, by the date taken.
        #[arg(long, value_enum, default_value_t = crate::export::album::Layout::Flat)]
        layout: crate::export::album::Layout,
        /// Only photos showing all the given people together, in one folder.
        #[arg(long)]
        together: bool,
        /// Also photos where a face was only suggested for the person, not confirmed.
        #[arg(long)]
        include_suggested: bool,
        /// Allow hidden people.
        #[arg(long)]
        include_hidden: bool,
        /// List what would be done, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Face tags in XMP sidecar files (photo.jpg.xmp), for digiKam, darktable and others.
    Xmp {
        #[command(subcommand)]
        what: XmpCommand,
    },
    /// Measure speed.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum FoldersCommand {
    /// Stop keeping a photo folder (its files are not touched). Its photos leave People but
    /// keep their faces and names: scanning the folder again brings them back.
    Remove { folder: PathBuf },
    /// Leave a subfolder of a photo folder out: scans pass over it and its photos leave
    /// People (kept, with their names, in case it is taken back in).
    Exclude { folder: PathBuf },
    /// Take a left-out subfolder back in; the next scan finds its photos again.
    Include { folder: PathBuf },
    /// Forget for good the photos of a photo folder that scans found gone (deleted, or moved
    /// out of the library's folders), with their faces; names stay with their people, and a
    /// left-out subfolder's photos are kept. Not undoable.
    ForgetMissing { folder: PathBuf },
    /// The photo folder OLD was moved or renamed to NEW (another drive, a new name): the
    /// library follows it, its photos keeping their faces, names and corrections, and nothing
    /// is analysed again. Tell Kindred before scanning NEW as a folder of its own.
    Relocate {
        #[arg(value_name = "OLD")]
        folder: PathBuf,
        #[arg(value_name = "NEW")]
        to: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum XmpCommand {
    /// Write the named faces of photos into sidecars next to them (merging into existing
    /// sidecars; the photos themselves are never modified).
    Write {
        /// Only photos showing this person, by id or name, letter case aside (repeatable); default: all.
        #[arg(long = "person", value_name = "ID|NAME", num_args = 1..)]
        persons: Vec<String>,
    },
    /// Print the face regions in photos' sidecars, one JSON object per photo per line.
    Read {
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TurnWay {
    /// A quarter anticlockwise.
    Left,
    /// A quarter clockwise.
    Right,
    /// Half way round.
    UpsideDown,
}

impl TurnWay {
    pub fn turn(self) -> crate::library::turn::Turn {
        use crate::library::turn::Turn;
        match self {
            TurnWay::Left => Turn::LEFT,
            TurnWay::Right => Turn::RIGHT,
            TurnWay::UpsideDown => Turn::clockwise(2),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClusterMethod {
    /// Average linkage with a complete-linkage cap on flip-averaged descriptors, as the
    /// library groups faces: Kindred's default.
    Agglomerative,
    /// dlib's example: Chinese whispers on dlib's one-pass descriptors, linking pairs closer
    /// than the threshold.
    ChineseWhispers,
}

impl ClusterMethod {
    /// How faces are described for this method: the library's way, or dlib's for dlib's method.
    pub fn analyze_options(self, upsample: u32) -> AnalyzeOptions {
        AnalyzeOptions {
            upsample,
            jitter: 0,
            flip: match self {
                ClusterMethod::Agglomerative => crate::library::scan::LIBRARY_FLIP,
                ClusterMethod::ChineseWhispers => false,
            },
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Cluster the faces of photos and score the result against labels: pairwise precision,
    /// recall and F1, BCubed F1, clusters vs true people. In each photo the face nearest the
    /// centre carries the photo's label; other faces are clustered but not scored.
    Cluster {
        /// Tab-separated `path<TAB>person` lines (optional `path` header); relative paths are
        /// relative to this file.
        #[arg(long, value_name = "FILE")]
        labels: PathBuf,
        #[arg(long, value_enum, default_value_t = ClusterMethod::Agglomerative)]
        method: ClusterMethod,
        #[arg(long)]
        threshold: Option<f32>,
        /// Agglomerative only: no merge across a pair at least this far apart (default 0.63).
        #[arg(long)]
        cap: Option<f32>,
        /// Agglomerative only: close neighbours kept per face (default 32).
        #[arg(long)]
        neighbours: Option<usize>,
        #[arg(long, default_value_t = 0)]
        upsample: u32,
        /// Take the faces from the library (scanned before) instead of analysing the photos.
        #[arg(long)]
        from_library: bool,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Photos, or folders: a folder stands for every photo a scan of it would find.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time clustering of synthetic faces and incremental matching of new ones.
    Cluster {
        #[arg(long, default_value_t = 100_000)]
        faces: usize,
        #[arg(long, default_value_t = 10_000)]
        people: usize,
        /// New faces matched incrementally.
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        /// Skewed group sizes like a family archive (a few people with thousands of faces,
        /// most with a handful) instead of equal groups.
        #[arg(long)]
        family: bool,
    },
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
        /// Also break the detector down by layer (one thread): shape, time, GFLOP/s.
        #[arg(long)]
        layers: bool,
    },
    /// Face-verification accuracy on LFW's pairs (see `kindred bench lfw --help`).
    Lfw(lfw::LfwArgs),
    /// Time the app's People and Person views on a big library: how long they take to open
    /// and how long each frame takes while scrolling (headless; no window needed).
    Ui {
        /// Faces in the synthetic library made for the benchmark.
        #[arg(long, default_value_t = 100_000)]
        faces: usize,
        /// People among them (group sizes are skewed like a family archive).
        #[arg(long, default_value_t = 2_000)]
        people: usize,
        /// Use this library instead (made first, with the synthetic faces, if it does not
        /// exist, and kept afterwards so the real window can be tried on it).
        #[arg(long, value_name = "FILE")]
        keep: Option<PathBuf>,
    },
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
    // Where the models are found is what a packager needs to know first.
    match crate::engine::models::locate(ModelKind::ALL[0]) {
        Ok(path) => text.push_str(&format!(
            "\n  models in {}",
            path.parent().unwrap_or(&path).display()
        )),
        Err(e) => text.push_str(&format!("\n  models: {e}")),
    }
    let kernels = match crate::engine::direct_conv::Isa::detect() {
        Some(crate::engine::direct_conv::Isa::Avx512) => {
            "AVX-512 detector kernels (this CPU has AVX-512)"
        }
        Some(crate::engine::direct_conv::Isa::Avx2) => {
            "AVX2 detector kernels (this CPU has AVX2 and FMA, no AVX-512)"
        }
        None => "portable kernels (this CPU has neither AVX-512 nor AVX2)",
    };
    let heic = if cfg!(feature = "heic") {
        "HEIC photos"
    } else {
        "no HEIC (built without the `heic` feature)"
    };
    let windows = if cfg!(windows) {
        "Windows"
    } else if cfg!(target_os = "macos") {
        "macOS"
    } else {
        "X11 and Wayland"
    };
    text.push_str(&format!(
        "\n  features: {kernels}; {heic}; desktop app (eframe/glow, {windows}); no network code"
    ));
    text
}

/// `err` and its causes, each said once: most of Kindred's errors give their cause's words
/// in their own message ("cannot read x.jpg: Permission denied"), so the cause printed after
/// it again would repeat them.
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let said = cause.to_string();
        if text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}

/// What to do about an error that comes of the library file's damage, where the error does
/// not say it already (damage found on opening does, naming the newest copy, in words of its
/// own): damage deep in the file shows only when a command reads that part.
pub fn advice_for(err: &anyhow::Error) -> Option<&'static str> {
    use crate::library::store::MayTellOfDamage;
    fn is<E: MayTellOfDamage + std::error::Error + 'static>(
        cause: &(dyn std::error::Error + 'static),
    ) -> bool {
        cause.downcast_ref::<E>().is_some_and(E::is_damage)
    }
    err.chain()
        .any(|cause| {
            is::<crate::library::store::StoreError>(cause)
                || is::<crate::people::ops::PeopleError>(cause)
                || is::<crate::library::scan::AddFacesError>(cause)
                || is::<crate::export::album::ExportError>(cause)
                || is::<crate::export::xmp::XmpError>(cause)
                || is::<crate::export::xmp_import::ImportError>(cause)
                || is::<rusqlite::Error>(cause)
        })
        .then_some(DAMAGE_ADVICE)
}

/// The way back from a damaged library file, from the command line.
pub const DAMAGE_ADVICE: &str = "the library file is damaged: `kindred backup --list` lists its \
    backup copies, and `kindred restore COPY` puts one back (the damaged file is kept beside \
    them); `kindred salvage` saves what can still be read of it as a copy of its own";

/// Whether `err` comes from writing to a pipe whose reader has gone.
pub fn is_closed_pipe(err: &anyhow::Error) -> bool {
    /// Windows' ERROR_PIPE_NOT_CONNECTED, which std does not count as a broken pipe: Wine
    /// reports a closed reader so (Windows itself says ERROR_NO_DATA, a broken pipe to std).
    const PIPE_NOT_CONNECTED: i32 = 233;
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            e.kind() == std::io::ErrorKind::BrokenPipe
                || (cfg!(windows) && e.raw_os_error() == Some(PIPE_NOT_CONNECTED))
        })
    })
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
            no_xmp_names,
            folders,
        }) => {
            let options = library::AskedScanOptions {
                max_side,
                upsample,
                threads,
            };
            let folders = if folders.is_empty() {
                let store = library::open_existing(&library_path)?;
                let roots: Vec<PathBuf> = store.roots()?.into_iter().map(|r| r.path).collect();
                anyhow::ensure!(
                    !roots.is_empty(),
                    "the library has no folders yet: `kindred scan FOLDER`"
                );
                // A folder on a drive not plugged in is passed over, its photos kept as they
                // are (not marked missing); the others are scanned.
                let (there, absent): (Vec<PathBuf>, Vec<PathBuf>) =
                    roots.into_iter().partition(|r| r.is_dir());
                for folder in &absent {
                    eprintln!(
                        "kindred: the folder {} is not there (on a drive not connected?): passed \
                         over, its photos and people kept as they are",
                        folder.display()
                    );
                }
                anyhow::ensure!(
                    !there.is_empty(),
                    "none of the library's folders is there: nothing to scan"
                );
                there
            } else {
                folders
            };
            library::scan(&library_path, &folders, options, !no_xmp_names, quiet)
        }
        Some(Command::Status { json }) => library::status(&library_path, json),
        Some(Command::Backup { list: false, .. }) => library::backup(&library_path),
        Some(Command::Backup { list: true, json }) => library::backups(&library_path, json),
        Some(Command::Restore { backup }) => library::restore(&library_path, &backup),
        Some(Command::Salvage { json }) => library::salvage(&library_path, json),
        Some(Command::Folders { json, what }) => match what {
            None => folders::list(&library_path, json),
            Some(FoldersCommand::Remove { folder }) => folders::remove(&library_path, &folder),
            Some(FoldersCommand::Relocate { folder, to }) => {
                folders::relocate(&library_path, &folder, &to)
            }
            Some(FoldersCommand::Exclude { folder }) => folders::exclude(&library_path, &folder),
            Some(FoldersCommand::Include { folder }) => folders::include(&library_path, &folder),
            Some(FoldersCommand::ForgetMissing { folder }) => {
                folders::forget_missing(&library_path, &folder)
            }
        },
        Some(Command::Analyze {
            upsample,
            jitter,
            flip,
            photos,
        }) => analyze::analyze(
            &photos,
            AnalyzeOptions {
                upsample,
                jitter,
                flip,
            },
        ),
        Some(Command::Cluster {
            threshold,
            upsample,
            method,
            photos,
        }) => analyze::cluster(&photos, threshold, upsample, method),
        Some(Command::Export {
            persons,
            to,
            mode,
            layout,
            together,
            include_suggested,
            include_hidden,
            dry_run,
        }) => export::export(
            &library_path,
            export::ExportArgs {
                persons,
                to,
                mode,
                layout,
                together,
                include_suggested,
                include_hidden,
                dry_run,
            },
        ),
        Some(Command::Xmp {
            what: XmpCommand::Write { persons },
        }) => export::xmp_write(&library_path, &persons),
        Some(Command::Xmp {
            what: XmpCommand::Read { photos },
        }) => export::xmp_read(&photos),
        Some(Command::Bench {
            what:
                BenchCommand::Engine {
                    photos,
                    repeat,
                    layers,
                },
        }) => bench::engine(&photos, repeat, layers),
        Some(Command::Bench {
            what: BenchCommand::Rescan { files },
        }) => bench::rescan(files),
        Some(Command::Bench {
            what:
                BenchCommand::Cluster {
                    faces,
                    people: n,
                    batch,
                    family,
                },
        }) => people::bench_cluster(faces, n, batch, family),
        Some(Command::People { json }) => people::list_people(&library_path, json),
        Some(Command::Faces {
            person,
            ignored: _,
            json,
            least_alike_first,
        }) => {
            let order = if least_alike_first {
                crate::people::ops::FaceOrder::LeastAlikeFirst
            } else {
                crate::people::ops::FaceOrder::ConfirmedFirst
            };
            // clap lets through exactly one of --person and --ignored.
            let which = match person {
                Some(id) => people::WhichFaces::OfPerson(id, order),
                None => people::WhichFaces::Ignored,
            };
            people::faces(&library_path, which, json)
        }
        Some(Command::Name { id, name }) => people::name(&library_path, id, &name),
        Some(Command::Merge { ids, into }) => people::merge(&library_path, &ids, into),
        Some(Command::Split { faces, name }) => {
            people::split(&library_path, &faces, name.as_deref())
        }
        Some(Command::Move { faces, to }) => people::move_faces(&library_path, &faces, to),
        Some(Command::Reject { faces, from }) => people::reject(&library_path, &faces, from),
        Some(Command::Ignore { faces }) => people::ignore(&library_path, &faces),
        Some(Command::Unignore { faces }) => people::unignore(&library_path, &faces),
        Some(Command::AddFace {
            photo,
            rect,
            name,
            json,
        }) => people::add_face(&library_path, &photo, rect, name.as_deref(), json),
        Some(Command::Turn { way, photos, json }) => {
            people::turn(&library_path, way.turn(), &photos, json)
        }
        Some(Command::RemoveFace { face }) => people::remove_face(&library_path, face),
        Some(Command::LookCloser { photos, json }) => {
            people::look_closer(&library_path, &photos, json)
        }
        Some(Command::Hide { ids }) => people::hide(&library_path, &ids, true),
        Some(Command::Unhide { ids }) => people::hide(&library_path, &ids, false),
        Some(Command::KeyFace { id, face }) => people::key_face(&library_path, id, face),
        Some(Command::Undo { n }) => people::undo(&library_path, n),
        Some(Command::Redo { n }) => people::redo(&library_path, n),
        Some(Command::History { n, json }) => people::history(&library_path, n, json),
        Some(Command::Suggestions {
            id,
            everyone: _,
            limit,
            json,
        }) => people::suggestions(&library_path, id, limit, json),
        Some(Command::Recluster {
            method,
            threshold,
            json,
        }) => people::recluster(&library_path, method, threshold, json),
        Some(Command::Eval {
            what:
                EvalCommand::Cluster {
                    labels,
                    method,
                    threshold,
                    cap,
                    neighbours,
                    upsample,
                    from_library,
                    json,
                    photos,
                },
        }) => people::eval_cluster(
            &library_path,
            &labels,
            &photos,
            method,
            threshold,
            cap,
            neighbours,
            upsample,
            from_library,
            json,
        ),
        Some(Command::Bench {
            what: BenchCommand::Lfw(args),
        }) => lfw::lfw(&args),
        Some(Command::Bench {
            what:
                BenchCommand::Ui {
                    faces,
                    people,
                    keep,
                },
        }) => bench::ui(faces, people, keep.as_deref()),
        None => {
            crate::ui::run(&library_path)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A box on the command line: "LEFT,TOP,RIGHT,BOTTOM", inclusive pixels.
fn parse_box(text: &str) -> Result<crate::engine::geometry::Rect, String> {
    let numbers: Vec<i64> = text
        .split(',')
        .map(|v| v.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("expected four whole numbers LEFT,TOP,RIGHT,BOTTOM, not “{text}”"))?;
    let [left, top, right, bottom] = numbers[..] else {
        return Err(format!(
            "expected four numbers LEFT,TOP,RIGHT,BOTTOM, got {}",
            numbers.len()
        ));
    };
    if right < left || bottom < top {
        return Err(format!(
            "the box ends before it starts: right must be at least left and bottom at least top, in “{text}”"
        ));
    }
    Ok(crate::engine::geometry::Rect::new(left, top, right, bottom))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: "cannot lock library x: Read-only file system (os error 30): Read-only
    /// file system (os error 30)".
    #[test]
    fn an_error_says_each_cause_once() {
        let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let error = anyhow::Error::from(crate::library::scan::AddFacesError::Read {
            path: "x.jpg".into(),
            source: denied,
        })
        .context("scanning /p");
        assert_eq!(error_text(&error), "scanning /p: cannot read x.jpg: denied");
        let plain = anyhow::anyhow!("outer").context("more");
        assert_eq!(error_text(&plain), "more: outer");
    }
}
