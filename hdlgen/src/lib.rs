//! `hdlgen`: synthesizable Verilog of the `rtl` micro-architecture
//! (docs/TIMING.md) from a `sim::Design`, through a typed AST and one
//! printer; the testbench and the Verilator / Icarus / Yosys / nextpnr
//! drivers that check it against the simulator and measure it.
//!
//! Modules by floor (each imports only from its own floor or below):
//! 1. `ast`, `print`, `progress`, `text`: the Verilog AST and its printer;
//!    progress reports; escaping text for each format written.
//! 2. `tools`: finding and running the external programs.
//! 3. `error`: [`HdlError`].
//! 4. `rtl`: a design's modules.
//! 5. `ip`: the modules as an IP folder (files, docs, manifest, safe writing).
//! 6. `check` (co-simulation) and `synth` (synthesis, place and route).

pub mod ast;
pub mod print;
pub mod progress;
pub mod text;

pub mod tools;

mod error;

pub mod rtl;

pub mod ip;

pub mod check;
pub mod synth;

pub use error::HdlError;
pub use ip::{generate, Ip, SourceFile};
pub use progress::{Progress, Silent};
