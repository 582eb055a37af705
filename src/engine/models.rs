//! Finding, identifying and loading the three model files: each is located in a short list of
//! folders and must have the exact SHA-256 of dlib's published file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::dlib_format::FormatError;

/// One of the three model files Kindred runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    Detector,
    Landmarks,
    Descriptor,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [
        ModelKind::Detector,
        ModelKind::Landmarks,
        ModelKind::Descriptor,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            ModelKind::Detector => "mmod_human_face_detector.dat",
            ModelKind::Landmarks => "shape_predictor_5_face_landmarks.dat",
            ModelKind::Descriptor => "dlib_face_recognition_resnet_model_v1.dat",
        }
    }

    pub fn sha256(self) -> &'static str {
        match self {
            ModelKind::Detector => {
                "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6"
            }
            ModelKind::Landmarks => {
                "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
            }
            ModelKind::Descriptor => {
                "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
            }
        }
    }

    pub fn size(self) -> u64 {
        match self {
            ModelKind::Detector => 729_940,
            ModelKind::Landmarks => 9_150_489,
            ModelKind::Descriptor => 22_466_066,
        }
    }
}

/// Why a model could not be loaded. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "model file {name} not found; looked in {searched}. Set KINDRED_MODELS to the folder that holds it"
    )]
    NotFound {
        name: &'static str,
        searched: String,
    },
    #[error("cannot read model file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Corrupt(Box<CorruptModel>),
    #[error("model file {}: SHA-256 {found}, expected {expected} ({name}, {expected_size} bytes); it is not the model Kindred was built for", path.display())]
    WrongModel {
        path: Box<Path>,
        name: &'static str,
        found: String,
        expected: &'static str,
        expected_size: u64,
    },
}

/// A model file that does not parse, with where it goes wrong.
#[derive(Debug, thiserror::Error)]
#[error(
    "{format} (the file is {size} bytes, expected {expected_size}; its SHA-256 {found} is not dlib's {expected})"
)]
pub struct CorruptModel {
    pub format: FormatError,
    pub size: u64,
    pub expected_size: u64,
    pub found: String,
    pub expected: String,
}

/// The folders searched for models, in order: `$KINDRED_MODELS`; `models/` next to the
/// executable; `../share/kindred/models` from the executable (installed layout); the source
/// tree's `models/`.
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("KINDRED_MODELS").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("models"));
        dirs.push(exe_dir.join("../share/kindred/models"));
    }
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"));
    dirs
}

/// The path of a model file in the first folder of [`model_dirs`] that has it.
pub fn locate(kind: ModelKind) -> Result<PathBuf, ModelError> {
    locate_in(kind, &model_dirs())
}

pub fn locate_in(kind: ModelKind, dirs: &[PathBuf]) -> Result<PathBuf, ModelError> {
    dirs.iter()
        .map(|d| d.join(kind.file_name()))
        .find(|p| p.is_file())
        .ok_or_else(|| ModelError::NotFound {
            name: kind.file_name(),
            searched: dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Reads a model file, checks its identity and parses it with `parse`.
///
/// A file whose hash differs is parsed anyway, to point at the first malformed byte: a
/// truncated or damaged file then reports the offset where it goes wrong, while a well-formed
/// but different model is refused as the wrong model.
pub fn load<T>(
    path: &Path,
    kind: ModelKind,
    parse: impl Fn(&str, &[u8]) -> Result<T, FormatError>,
) -> Result<T, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path.display().to_string();
    let found = sha256_hex(&bytes);
    if found == kind.sha256() {
        return parse(&name, &bytes).map_err(|format| {
            ModelError::Corrupt(Box::new(CorruptModel {
                format,
                size: bytes.len() as u64,
                expected_size: kind.size(),
                found: found.clone(),
                expected: kind.sha256().to_string(),
            }))
        });
    }
    match parse(&name, &bytes) {
        Err(format) => Err(ModelError::Corrupt(Box::new(CorruptModel {
            format,
            size: bytes.len() as u64,
            expected_size: kind.size(),
            found,
            expected: kind.sha256().to_string(),
        }))),
        Ok(_) => Err(ModelError::WrongModel {
            path: path.into(),
            name: kind.file_name(),
            found,
            expected: kind.sha256(),
            expected_size: kind.size(),
        }),
    }
}
