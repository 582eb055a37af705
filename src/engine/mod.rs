//! The face engine: dlib's three public-domain models (MMOD CNN face detector, 5-point shape
//! predictor, ResNet face descriptor) re-implemented in pure Rust. Pure computation: no I/O
//! beyond reading model files.

pub mod buffers;
pub mod chip;
pub mod detector;
pub mod direct_conv;
pub mod dlib_format;
pub mod dnn;
pub mod geometry;
pub mod jitter;
pub mod layers;
pub mod models;
pub mod pipeline;
pub mod pyramid;
pub mod resnet;
pub mod shape_predictor;
