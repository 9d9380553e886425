//! `SynthError`: everything synthesis and place-and-route can refuse, each
//! with a stable code and a hint saying what to do.

use super::target::{Target, TargetError};
use crate::tools::ToolError;
use miette::Diagnostic;
use std::path::PathBuf;

/// Errors of [`synthesize`](super::synthesize).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SynthError {
    /// `--target` or `--device` named nothing that exists.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Target(#[from] TargetError),
    /// A tool is missing or printed no usable version.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Tool(#[from] ToolError),
    /// A source file given to synthesis does not exist.
    #[error("Verilog source {path} does not exist")]
    #[diagnostic(
        code(systolic::synth::source),
        help("pass the files the RTL generator wrote, leaves first")
    )]
    MissingSource {
        /// The path.
        path: PathBuf,
    },
    /// A source outside the work folder whose path a Yosys script cannot
    /// quote (a `"`, a line break or another control character in it).
    #[error("Verilog source {} has a path a Yosys script cannot quote ({why})", crate::text::one_line(&path.display().to_string()))]
    #[diagnostic(
        code(systolic::synth::path),
        help("move or link the file to a path without `\"` and control characters, or into the work folder (files there are named relative to it)")
    )]
    UnquotablePath {
        /// The path.
        path: PathBuf,
        /// What is in it.
        why: String,
    },
    /// A top-module or parameter name that is not a plain Verilog identifier.
    #[error("`{name}` is not a plain Verilog identifier")]
    #[diagnostic(
        code(systolic::synth::name),
        help("top modules and parameters are named with letters, digits, `_` and `$`, not starting with a digit")
    )]
    BadParameter {
        /// The name.
        name: String,
    },
    /// The design infers latches.
    #[error("synthesis of `{top}` infers {} latch{}: {}", signals.len(), if signals.len() == 1 { "" } else { "es" }, signals.join(", "))]
    #[diagnostic(
        code(systolic::synth::latch),
        help("a combinational always block leaves these signals unassigned on some path; assign them on every path (or give them a default value at the top of the block); log: {}", log.display())
    )]
    Latches {
        /// Top module.
        top: String,
        /// Latched signals as `module.signal`.
        signals: Vec<String>,
        /// Yosys log.
        log: PathBuf,
    },
    /// The design needs more of something than the device has.
    #[error("`{top}` does not fit the {target} {device}: {summary}{}", if utilization.is_empty() { String::new() } else { format!("\n{utilization}") })]
    #[diagnostic(code(systolic::synth::does_not_fit), help("{hint}"))]
    DoesNotFit {
        /// Top module.
        top: String,
        /// The target.
        target: Target,
        /// The device.
        device: String,
        /// What overflowed, e.g. `ICESTORM_LC 3048/1280 (238%)`.
        summary: String,
        /// The utilization table nextpnr printed (empty when found before placing).
        utilization: String,
        /// What to do.
        hint: String,
    },
    /// The top module has no recognizable clock input (needed to measure Fmax).
    #[error("top module `{top}` has no clock input named {tried}; its 1-bit inputs are: {inputs}")]
    #[diagnostic(
        code(systolic::synth::clock),
        help("name the clock with SynthOptions::clock, or skip place and route (SynthOptions::place_and_route = false, `--no-pnr`)")
    )]
    NoClock {
        /// Top module.
        top: String,
        /// Names tried.
        tried: String,
        /// 1-bit inputs of the top.
        inputs: String,
    },
    /// A tool ran and failed.
    #[error("{tool} failed {step} (exit status {status}):\n{excerpt}")]
    #[diagnostic(code(systolic::synth::tool_failed), help("full log: {}", log.display()))]
    ToolFailed {
        /// The tool.
        tool: String,
        /// What it was doing.
        step: &'static str,
        /// Exit status.
        status: String,
        /// The error lines of its output.
        excerpt: String,
        /// Its log.
        log: PathBuf,
    },
    /// A tool's output was not what this version of the flow expects.
    #[error("unexpected output of {tool} in {}: {message}", path.display())]
    #[diagnostic(
        code(systolic::synth::tool_output),
        help("this flow was written for Yosys 0.23, nextpnr-ice40 0.4 and nextpnr-ecp5 0.11; check the versions")
    )]
    ToolOutput {
        /// The tool.
        tool: String,
        /// The file read.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    #[diagnostic(
        code(systolic::synth::io),
        help("check that the directory exists and is writable")
    )]
    Io {
        /// `read`, `write`, `create`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A synthesis report (JSON) could not be read.
    #[error("{} is not a synthesis report: {message}", path.display())]
    #[diagnostic(
        code(systolic::synth::report),
        help("give a file written by `systolic synth` (synth-out/<design>/<target>.json), or re-run it")
    )]
    BadReport {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

impl SynthError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> SynthError {
        let path = path.into();
        move |source| SynthError::Io {
            action,
            path,
            source,
        }
    }
}
