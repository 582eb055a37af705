//! The face engine: dlib's three public-domain models (MMOD CNN face detector, 5-point shape
//! predictor, ResNet face descriptor) re-implemented in pure Rust. Pure computation: no I/O
//! beyond reading model files.

pub mod dlib_format;
pub mod geometry;
pub mod pyramid;
