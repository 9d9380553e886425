//! What one synthesis needs: the caller's options, and the job every
//! stage (Yosys, the harness, nextpnr) reads.

use super::target::{Device, Target};
use crate::progress::Progress;
use crate::tools::ToolPaths;
use std::path::{Path, PathBuf};

/// How to synthesize; `SynthOptions::default()` is the usual flow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynthOptions {
    /// Device (`--device`); `None` takes [`Target::default_device`].
    pub device: Option<String>,
    /// Integer parameters of the top to override (`chparam`), in order.
    pub params: Vec<(String, i64)>,
    /// Skip place and route (no Fmax) on iCE40 and ECP5.
    pub skip_pnr: bool,
    /// Clock input of the top for place and route; `None` tries [`CLOCK_NAMES`](super::CLOCK_NAMES).
    pub clock: Option<String>,
    /// Frequency nextpnr aims at, MHz (default 12, nextpnr's own).
    pub target_mhz: Option<f64>,
    /// Where the tools are when not found the usual way.
    pub tools: ToolPaths,
}

/// One synthesis: what every step needs.
pub(super) struct Job<'a> {
    pub files: &'a [PathBuf],
    pub top: &'a str,
    pub target: Target,
    pub device: Option<Device>,
    pub opts: &'a SynthOptions,
    pub workdir: &'a Path,
    pub progress: &'a dyn Progress,
}
