//! Benchmarks that measure what Kindred gets right, as opposed to how fast it runs: the
//! logic lives here so it can be tested and reused; the command line only prints it.

pub mod lfw;
pub mod synthetic;
