//! Sweep specifications: the TOML file as written (`RawSpec`), validated once
//! into a [`Spec`] whose every axis value, model and constraint is known good.
//! Fields added after the first release are left out of a spec's canonical
//! form when absent, so that the hash of a spec without them is unchanged.

use super::mode::Mode;
use super::objective::{Constraints, Objective};
use super::points::{Allowed, Axes, Range};
use super::synth::{RawSynth, Stage, SynthSpec};
use super::train::TrainSpec;
use serde::{Deserialize, Serialize};
use sim::design::{preset, Design};
use sim::error::{InputError, Result, SimError};
use sim::workload::Model;
use std::path::{Path, PathBuf};

/// A sweep specification exactly as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// One line saying what the sweep explores.
    #[serde(default)]
    pub description: String,
    /// `inference` (the default) or `train`.
    #[serde(default, skip_serializing_if = "Mode::is_inference")]
    pub mode: Mode,
    /// A preset name, or a design TOML path relative to the spec file.
    pub base: String,
    /// Zoo names, or ONNX model or topology CSV paths relative to the spec file.
    pub models: Vec<String>,
    /// Sizes of the ONNX models' symbolic dimensions, e.g. `{ batch = 8 }`
    /// (as `--dim`; unset ones are 1).
    #[serde(default)]
    pub dims: std::collections::BTreeMap<String, u64>,
    /// Cost the ONNX models' unsupported operators as zero instead of
    /// refusing them (as `--skip-unsupported`).
    #[serde(default)]
    pub skip_unsupported: bool,
    /// Batch size (default 1); per chip in train mode.
    #[serde(default = "one")]
    pub batch: u64,
    /// Train mode: `sgd`, `momentum` or `adam` (default `adam`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// Train mode: keep an fp32 master copy of narrower weights (default
    /// true; `systolic train --precision-master`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_fp32: Option<bool>,
    /// Train mode: `none` (default), `all` or `selective`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recompute: Option<String>,
    /// Train mode: a cluster preset, or a cluster TOML path relative to the
    /// spec file (default `tpu-v4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Train mode: ZeRO stage, 0 (default) to 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zero: Option<i64>,
    /// Train mode: gradient bucket cap, MiB (default PyTorch DDP's; 0: one
    /// bucket after the backward pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_mib: Option<f64>,
    /// Objectives of the Pareto front (2 or 3), e.g. `["latency", "energy"]`.
    #[serde(default)]
    pub pareto: Vec<String>,
    /// Lists of values per axis; an absent axis keeps the base design's value.
    #[serde(default)]
    pub grid: RawGrid,
    /// Draw `count` points at random instead of the whole grid.
    #[serde(default)]
    pub sample: Option<RawSample>,
    /// Limits a feasible row respects.
    #[serde(default)]
    pub constraints: Constraints,
    /// `sim` (the default) or `synth`: also synthesize each point's design.
    #[serde(default, skip_serializing_if = "Stage::is_sim")]
    pub stage: Stage,
    /// The synth stage's target, device and options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synth: Option<RawSynth>,
}

fn one() -> u64 {
    1
}

/// `[grid]`: the values of each axis.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrid {
    /// PE rows.
    pub rows: Option<Vec<u32>>,
    /// PE columns.
    pub cols: Option<Vec<u32>>,
    /// `ws`, `os`, `is`.
    pub dataflow: Option<Vec<String>>,
    /// Operand precisions (`int8`, `int16`, `fp16`, ...).
    pub operand: Option<Vec<String>>,
    /// ifmap SRAM sizes, KiB.
    pub ifmap_sram_kib: Option<Vec<f64>>,
    /// filter SRAM sizes, KiB.
    pub filter_sram_kib: Option<Vec<f64>>,
    /// ofmap SRAM sizes, KiB.
    pub ofmap_sram_kib: Option<Vec<f64>>,
    /// DRAM bandwidths, bytes per cycle.
    pub dram_bandwidth_bytes_per_cycle: Option<Vec<f64>>,
    /// Clocks, MHz.
    pub clock_mhz: Option<Vec<f64>>,
    /// N:M weight sparsity: `dense` or patterns such as `2:4` (inference
    /// sweeps). Left out of the canonical form when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparsity: Option<Vec<String>>,
    /// Train mode: chip counts. Not a design axis: every point has a row
    /// per model and chip count, the counts varying fastest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chips: Option<Vec<u32>>,
}

/// `[sample]`: seeded random draws.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSample {
    /// How many points to draw.
    pub count: u64,
    /// Seed of the generator (the same seed draws the same points).
    #[serde(default)]
    pub seed: u64,
    /// Numeric axes drawn from ranges instead of `[grid]` lists.
    #[serde(default)]
    pub ranges: RawRanges,
}

/// `[sample.ranges]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRanges {
    /// PE rows.
    pub rows: Option<Range>,
    /// PE columns.
    pub cols: Option<Range>,
    /// ifmap SRAM, KiB.
    pub ifmap_sram_kib: Option<Range>,
    /// filter SRAM, KiB.
    pub filter_sram_kib: Option<Range>,
    /// ofmap SRAM, KiB.
    pub ofmap_sram_kib: Option<Range>,
    /// DRAM bandwidth, bytes per cycle.
    pub dram_bandwidth_bytes_per_cycle: Option<Range>,
    /// Clock, MHz.
    pub clock_mhz: Option<Range>,
}

/// A model of the sweep.
#[derive(Debug, Clone)]
pub struct SweepModel {
    /// As written in the spec (a zoo name or a path relative to the spec).
    pub name: String,
    /// The model.
    pub model: Model,
    /// Text identifying its content for the spec hash.
    pub(crate) source: String,
}

/// How a sweep draws its points.
#[derive(Debug, Clone, PartialEq)]
pub enum Sampling {
    /// Every point of the grid.
    Grid,
    /// `count` distinct grid points: the first `count` of a keyed
    /// permutation of the grid, drawn lazily.
    GridSample {
        /// Points.
        count: u64,
        /// The grid, permuted.
        order: super::points::Permutation,
    },
    /// `count` points, each axis drawn from its list or range.
    Random {
        /// Points.
        count: u64,
        /// Seed.
        seed: u64,
    },
}

/// A validated sweep.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The spec file as named on the command line.
    pub file: String,
    /// Directory relative paths resolve from.
    pub dir: PathBuf,
    /// The spec as written.
    pub raw: RawSpec,
    /// The base design.
    pub base: Design,
    /// Models, in spec order.
    pub models: Vec<SweepModel>,
    /// The axes.
    pub axes: Axes,
    /// The combinations of the axes the design check accepts.
    pub allowed: Allowed,
    /// How points are drawn.
    pub sampling: Sampling,
    /// Objectives of the Pareto front (may be empty).
    pub pareto: Vec<Objective>,
    /// Train mode's settings; `None` for an inference sweep.
    pub train: Option<TrainSpec>,
    /// The synth stage's settings; `None` without one.
    pub synth: Option<SynthSpec>,
    /// The spec's text (for errors that point into it).
    pub(crate) text: String,
    /// Hash of everything that determines the results (hex, 16 digits).
    pub hash: String,
}

impl Spec {
    /// Loads and validates a spec file.
    pub fn load(path: &Path) -> Result<Spec> {
        let text = sim::error::read_file(path)?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Spec::parse(&text, &path.display().to_string(), &dir)
    }

    /// Parses and validates spec text; `file` names it in errors, `dir`
    /// resolves relative paths.
    pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Spec> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let mut err = InputError::new("systolic::sweep::syntax", file, e.message().to_string())
                .hint("see designs/sweeps/*.toml and docs/SWEEP.md for every field");
            if let Some(span) = e.span() {
                err = err.span(text, span);
            }
            err
        })?;
        super::check::Checker { text, file }.check(raw, dir)
    }

    /// Whether the sweep simulates inference or training steps.
    pub fn mode(&self) -> Mode {
        self.raw.mode
    }

    /// Whether each point's design is also synthesized.
    pub fn stage(&self) -> Stage {
        self.raw.stage
    }

    /// An error about the spec's field `path` (e.g. `synth.device`),
    /// pointing at it in the file: for checks only the caller can make.
    pub fn field_error(&self, path: &str, msg: impl Into<String>, hint: &str) -> SimError {
        super::check::Checker {
            text: &self.text,
            file: &self.file,
        }
        .err(path, None, msg, hint)
    }

    /// Chip counts of a train-mode sweep (empty for inference).
    pub fn chips(&self) -> &[u32] {
        self.train.as_ref().map_or(&[], |t| &t.chips)
    }

    /// Rows each point has: one per model, times one per chip count in
    /// train mode.
    pub fn rows_per_point(&self) -> usize {
        self.models.len() * self.chips().len().max(1)
    }

    /// Number of points (the whole sweep, every shard).
    pub fn points(&self) -> u64 {
        match &self.sampling {
            Sampling::Grid => self.allowed.size().unwrap_or(u64::MAX),
            Sampling::GridSample { count, .. } => *count,
            Sampling::Random { count, .. } => *count,
        }
    }

    /// Combinations of the grid's axes that the design check refuses and
    /// the sweep leaves out (sparse patterns with the os or is dataflow, or
    /// with rows not a multiple of N); 0 for a random sample, which draws
    /// such a combination again.
    pub fn left_out(&self) -> u128 {
        match self.sampling {
            Sampling::Random { .. } => 0,
            _ => self.allowed.left_out().unwrap_or(u128::MAX),
        }
    }

    /// The point with sweep index `index` (< [`Spec::points`]).
    pub fn point(&self, index: u64) -> super::Point {
        match &self.sampling {
            Sampling::Grid => self.allowed.grid_point(&self.axes, index, index),
            Sampling::GridSample { order, .. } => {
                self.allowed.grid_point(&self.axes, index, order.at(index))
            }
            Sampling::Random { seed, .. } => self.allowed.random_point(&self.axes, index, *seed),
        }
    }
}

/// The base design named by `base`: a path (ending in `.toml`, relative to
/// `dir`) or a preset name.
pub fn resolve_base(base: &str, dir: &Path) -> Result<Design> {
    if base.ends_with(".toml") {
        Design::load(&dir.join(base))
    } else {
        preset(base)
    }
}

/// The model named by `name`: an ONNX model or topology CSV path
/// (relative to `dir`) or a zoo name ([`sim::models::resolve`]), ONNX models
/// read with `onnx`.
pub fn resolve_model(
    name: &str,
    dir: &Path,
    onnx: &sim::onnx::import::ImportOptions,
) -> Result<Model> {
    sim::models::resolve(name, dir, onnx).map(|(m, _)| m)
}

/// 64-bit FNV-1a (stable across platforms and releases).
pub(crate) fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
