//! Checking the generated RTL against the simulator: whether a GEMM fits
//! the buffers, operands as buffer lines, the testbench, its Verilator /
//! Icarus builds cached in a folder of the user's own, and one
//! pe-engine-versus-RTL comparison.

pub mod bench;
pub mod cache;
pub mod fit;
pub mod fpunit;
pub mod ipbench;
pub mod iptb;
pub mod lines;
pub mod models;
pub mod tb;
pub mod verify;

pub use bench::{build, build_variant, build_with, Bench, Gemm, Simulator, Variant};
pub use cache::{cache_dir, private_temp_dir};
pub use verify::{build_ip, check, check_ip, Diff, IpOutcome, Outcome};
