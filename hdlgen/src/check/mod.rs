//! Checking the generated RTL against the simulator: whether a GEMM fits
//! the buffers, operands as buffer lines, the testbench, its cached
//! Verilator / Icarus builds, and one pe-engine-versus-RTL comparison.

pub mod bench;
pub mod fit;
pub mod lines;
pub mod tb;
pub mod verify;

pub use bench::{build, cache_dir, Bench, Gemm, Simulator};
pub use verify::{check, Diff, Outcome};
