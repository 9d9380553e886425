//! FPGA targets for `systolic compare`: the devices (`tables/fpga-devices.toml`),
//! the largest square array of a design that fits one, found by synthesizing
//! (`largest_fitting`, cached), and its power (`power`, `tables/fpga-power.toml`).
//! docs/SYNTHESIS.md, "FPGA targets (issue 17)".
//!
//! This file keeps what every part shares (the error, a sourced figure) and
//! the public paths; the parts, each one job: `device` (the device table),
//! `power` (the power model), `fit` (what a fit is and is kept as) and
//! `search` (finding it).

mod device;
mod fit;
mod power;
mod search;

pub use device::{device, devices, FpgaDevice, Resources};
pub use fit::{synth_params, FitOptions, FpgaFit, Probe, FIT_SCHEMA};
pub use power::{power, power_table, Activity, FamilyPower, FpgaPower, PowerTable};
pub use search::{largest_fitting, largest_fitting_with};

use super::error::SynthError;
use crate::tools::ToolError;
use crate::HdlError;
use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What finding or pricing an FPGA fit can refuse.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum FpgaError {
    /// Generating the RTL of a size failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Hdl(Box<HdlError>),
    /// Synthesis failed (not for lack of room: that is a result).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Synth(Box<SynthError>),
    /// A tool is missing.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Tool(#[from] ToolError),
    /// A size of the design is not a valid design.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Design(Box<sim::error::SimError>),
    /// A table of this crate does not parse or lacks a figure.
    #[error("hdlgen/tables/{table}: {message}")]
    #[diagnostic(
        code(systolic::fpga::table),
        help("every device needs luts, flip_flops, dsps, block_rams and block_ram_kbits values, and every figure a source")
    )]
    Table {
        /// The file.
        table: &'static str,
        /// What is wrong.
        message: String,
    },
    /// No device of that name.
    #[error("unknown FPGA device `{name}`")]
    #[diagnostic(code(systolic::fpga::device), help("devices: {known}"))]
    UnknownDevice {
        /// What was given.
        name: String,
        /// The devices in the table.
        known: String,
    },
    /// A device listed for reference only.
    #[error("the {device} is listed for reference only: this flow does not synthesize for it")]
    #[diagnostic(
        code(systolic::fpga::reference_only),
        help("use its capacities from the device table, or pick a synthesized device: {known}")
    )]
    ReferenceOnly {
        /// The device.
        device: String,
        /// The devices that are synthesized.
        known: String,
    },
    /// Not even a 1x1 array fits.
    #[error("no array of design `{design}` fits the {device}: a 1x1 array {over}")]
    #[diagnostic(
        code(systolic::fpga::nothing_fits),
        help("pick a larger device, or a design with smaller buffers or operands")
    )]
    NothingFits {
        /// The base design.
        design: String,
        /// The device.
        device: String,
        /// What overflowed.
        over: String,
    },
    /// A result file could not be written.
    #[error("cannot {action} {}: {source}", path.display())]
    #[diagnostic(
        code(systolic::fpga::io),
        help("check that the folder exists and is writable")
    )]
    Io {
        /// `write`, `create`, `move into place`.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl From<HdlError> for FpgaError {
    fn from(e: HdlError) -> FpgaError {
        FpgaError::Hdl(Box::new(e))
    }
}

impl From<SynthError> for FpgaError {
    fn from(e: SynthError) -> FpgaError {
        FpgaError::Synth(Box::new(e))
    }
}

impl From<sim::error::SimError> for FpgaError {
    fn from(e: sim::error::SimError) -> FpgaError {
        FpgaError::Design(Box::new(e))
    }
}

/// A figure of a table with where it comes from; `value` is `None` when
/// no figure could be found (the source says so).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    /// The figure.
    #[serde(default = "Option::default")]
    pub value: Option<T>,
    /// The document and table (or measurement) it comes from, and what it
    /// was checked against.
    pub source: String,
    /// True when the figure is an assumption or a stand-in, not a
    /// characterization of the device it describes.
    #[serde(default)]
    pub unverified: bool,
}
