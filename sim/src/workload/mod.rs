//! Workloads: layers, models (a DAG of layers), lowering to GEMMs, the
//! built-in model zoo and SCALE-Sim topology files.

mod layer;
mod lower;
mod model;
pub mod topology;
pub mod zoo;

pub use layer::{Layer, Op, RnnCell, VectorKind};
pub use lower::{lower, GemmOp, Lowered, VectorWork};
pub use model::{Model, ModelBuilder};
