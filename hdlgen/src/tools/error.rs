//! `ToolError`: an external program that is missing or that does not say
//! what this version of the flows expects.

use miette::Diagnostic;
use std::path::PathBuf;

/// Why a tool could not be used.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ToolError {
    /// The program is not installed (or not where an override says).
    #[error("`{tool}` was not found; it is needed {purpose}")]
    #[diagnostic(code(systolic::tool::missing), help("{install}"))]
    Missing {
        /// Program name or path tried.
        tool: String,
        /// What it is needed for.
        purpose: &'static str,
        /// How to install it.
        install: String,
    },
    /// The program exists but could not be started.
    #[error("cannot start `{}`: {source}", path.display())]
    #[diagnostic(
        code(systolic::tool::start),
        help("check that it is an executable program (permissions, architecture)")
    )]
    Start {
        /// Where it is.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The program printed no version this flow recognizes.
    #[error("`{tool}` at {} printed no version: {text}", path.display())]
    #[diagnostic(
        code(systolic::tool::version),
        help("the flows were written for Verilator 5.006, Icarus Verilog 11, Yosys 0.23, nextpnr-ice40 0.4 and nextpnr-ecp5 0.11; check the versions")
    )]
    NoVersion {
        /// The program.
        tool: String,
        /// Where it is.
        path: PathBuf,
        /// What it printed.
        text: String,
    },
}
