//! The photo library: folders of photos, walked and analysed in the background into one
//! SQLite file that never loses the user's work.

pub mod backup;
pub mod dates;
pub mod decode;
pub mod export_store;
pub mod folders;
pub mod lock;
pub mod path_text;
pub mod people_store;
pub mod raw;
pub mod salvage;
pub mod scan;
pub mod store;
pub mod turn;
pub mod walk;
