//! Kindred's work shared with the world outside it: albums of a person's photos in a folder
//! ([`album`]), face tags other photo apps can read in XMP sidecars ([`xmp`]) and, the other
//! way, the names those apps gave faces, taken over when a photo is analysed
//! ([`xmp_import`], with Picasa's own face files read by [`picasa`] and Google Takeout's
//! lists of names by [`takeout`]); and the file-name rules
//! they need ([`names`]). Kindred never modifies an
//! original photo and never overwrites a file it did not make.

pub mod album;
pub mod names;
pub mod picasa;
pub mod takeout;
pub mod upright;
pub mod xmp;
pub mod xmp_import;
