//! `sim`: the systolic-array simulator: designs, workloads and their lowering
//! to GEMMs, the engines, memory traffic, energy and report data.

pub mod area;
pub mod cpu;
pub mod design;
pub mod energy;
pub mod engine;
pub mod error;
pub mod fp;
pub mod gpu;
pub mod models;
pub mod names;
pub mod npy;
pub mod onnx;
pub mod output;
pub mod precision;
pub mod quant;
pub mod report;
pub mod scaleout;
pub mod simulate;
pub mod sparsity;
pub mod study;
pub mod train;
pub mod workload;

pub use design::{Dataflow, Design};
pub use engine::{Engine, FastEngine, PeEngine, TimingMode};
pub use error::{InputError, Result, SimError};
pub use precision::Precision;
pub use simulate::{simulate, RunOptions};
