//! Getting the user's work out of Kindred: albums of a person's photos in a folder
//! ([`album`]), face tags other photo apps can read in XMP sidecars ([`xmp`]), and the
//! file-name rules both need ([`names`]). Export never modifies an original photo and never
//! overwrites a file it did not make.

pub mod album;
pub mod names;
pub mod xmp;
