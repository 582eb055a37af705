//! People: grouping face descriptors into persons.

pub mod chinese_whispers;
pub mod graph;
