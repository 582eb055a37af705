//! `kindred bench lfw`: the LFW verification benchmark ([`crate::bench::lfw`]) with a progress
//! bar and a text or JSON report.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::bench::lfw::{self, Align, LfwOptions};
use crate::engine::pipeline::FaceEngine;

/// Face verification on Labeled Faces in the Wild: accuracy at the threshold 0.6 and the
/// standard 10-fold cross-validated accuracy. Accuracies are fractions (0.9938 = 99.38%).
#[derive(Debug, clap::Args)]
pub struct LfwArgs {
    /// LFW's pairs.txt: `folds n`, then per fold n same-person and n different-person pairs.
    #[arg(long, value_name = "PAIRS.txt")]
    pub pairs: PathBuf,
    /// Folder holding the images as DIR/<name>/<name>_<nnnn>.jpg.
    #[arg(long, value_name = "DIR")]
    pub images: PathBuf,
    /// Average each descriptor over this many jittered copies (dlib's num_jitters; 0 or 1 = none).
    #[arg(long, default_value_t = 0)]
    pub jitter: u32,
    /// Average each descriptor with that of the mirrored face (twice the network passes).
    #[arg(long)]
    pub flip: bool,
    /// Detector upsampling steps.
    #[arg(long, default_value_t = 0)]
    pub upsample: u32,
    /// Align faces on their landmarks (dlib's way) or on the detector box alone.
    #[arg(long, value_enum, default_value_t = Align::Landmarks)]
    pub align: Align,
    /// Also name every pair the threshold 0.6 gets wrong, hardest first (always in --json).
    #[arg(long)]
    pub list_wrong: bool,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn lfw(args: &LfwArgs) -> anyhow::Result<ExitCode> {
    let pairs = lfw::read_pairs(&args.pairs)?;
    let engine = FaceEngine::load().context("cannot load the face models")?;
    let options = LfwOptions {
        upsample: args.upsample,
        jitter: args.jitter,
        flip: args.flip,
        align: args.align,
    };
    let bar = ProgressBar::new(pairs.images().len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} images  {elapsed} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = lfw::run(&engine, &pairs, &args.images, options, &|| bar.inc(1));
    bar.finish_and_clear();
    let report = report?;
    if args.json {
        outln!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let pct = |f: f64| 100.0 * f;
    outln!(
        "LFW verification: {} pairs in {} fold(s), {} images",
        report.pairs,
        report.folds,
        report.images
    );
    outln!(
        "variant: align {:?}, upsample {}, jitter {}, flip {} ({} network pass(es) per face)",
        report.align,
        report.upsample,
        report.jitter,
        report.flip,
        report.network_passes_per_face
    );
    outln!(
        "images without a detected face: {} (centred fallback box used)",
        report.images_without_face
    );
    outln!(
        "accuracy at threshold 0.6: {:.2}% ({} pair(s) wrong{})",
        pct(report.accuracy_at_0_6),
        report.wrong_at_0_6.len(),
        if args.list_wrong || report.wrong_at_0_6.is_empty() {
            ""
        } else {
            "; --list-wrong names them"
        }
    );
    if args.list_wrong {
        for w in &report.wrong_at_0_6 {
            outln!(
                "  line {:>5}  fold {:>2}  {} {} {}  distance {:.3}",
                w.line,
                w.fold + 1,
                if w.same { "same     " } else { "different" },
                w.a,
                w.b,
                w.distance
            );
        }
    }
    if report.threshold_on_test_fold {
        outln!(
            "accuracy at the best threshold {:.3} (one fold: chosen on the same pairs, optimistic): {:.2}%",
            report.fold_thresholds[0],
            pct(report.accuracy_10fold_mean)
        );
    } else {
        outln!(
            "{}-fold accuracy: {:.2}% ± {:.2}% (thresholds {:.3}–{:.3})",
            report.folds,
            pct(report.accuracy_10fold_mean),
            pct(report.accuracy_10fold_std),
            report
                .fold_thresholds
                .iter()
                .copied()
                .fold(f64::MAX, f64::min),
            report
                .fold_thresholds
                .iter()
                .copied()
                .fold(f64::MIN, f64::max),
        );
    }
    outln!(
        "time: {:.1} ms per image on {} thread{}",
        1e3 * report.seconds_per_image,
        report.threads,
        if report.threads == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}
