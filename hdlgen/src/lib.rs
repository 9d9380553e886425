//! `hdlgen`: synthesizable Verilog of the `rtl` micro-architecture
//! (docs/TIMING.md) from a `sim::Design`, through a typed AST and one
//! printer; the testbench and the Verilator / Icarus / Yosys drivers that
//! check it against the simulator.

pub mod ip;
pub mod synth;

pub use ip::{Ip, SourceFile};
pub mod ast;
pub mod cosim;
pub mod ipdoc;
pub mod print;
pub mod rtl;
pub mod tb;
pub mod verify;

pub use rtl::generate;

/// Why generation or a tool run failed.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    /// The design uses something the generator does not emit.
    #[error("cannot generate RTL: {0}")]
    Unsupported(String),
    /// A GEMM does not fit the design's buffers.
    #[error("{0}")]
    Capacity(String),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A tool is missing or failed.
    #[error("{0}")]
    Tool(String),
    /// Co-simulation found a difference.
    #[error("{0}")]
    Mismatch(String),
}
