//! Kindred: a private photo organizer that finds the people in a photo collection.
//!
//! The modules follow the data's path: [`engine`] turns pixels into faces and descriptors,
//! [`people`] groups descriptors into people, and [`cli`] is the command line over them.

pub mod bench;
pub mod cli;
pub mod engine;
pub mod export;
pub mod library;
pub mod people;
pub mod text;
pub mod ui;
