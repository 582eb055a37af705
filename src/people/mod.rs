//! People: grouping face descriptors into persons (clustering, neighbour search), the user's
//! corrections with undo, incremental matching of new faces, and clustering quality metrics.

pub mod agglomerative;
pub mod chinese_whispers;
pub mod eval;
pub mod graph;
pub mod matching;
pub mod ops;
pub mod quantized;
