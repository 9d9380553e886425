//! Workloads: layers, models (a DAG of layers), lowering to GEMMs, the
//! built-in model zoo and SCALE-Sim topology files.

mod layer;
mod lower;
mod model;
pub mod topology;
pub mod zoo;

pub use layer::{ConvRule, Layer, Op, RnnCell, VectorKind, GELU_OPS, LAYERNORM_OPS, SOFTMAX_OPS};
pub use lower::{
    lower, lower_as, GemmOp, Lowered, VectorWork, MAX_DIM, MAX_GEMM_MACS, MAX_LAYER_OPS,
};
pub use model::{Model, ModelBuilder};
