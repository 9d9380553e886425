//! Tiny fully connected examples: the first networks users try.

use super::eltwise;
use crate::workload::{Model, ModelBuilder, Op};

/// Input features of `dense-10-1`: the example leaves the input width open
/// (Keras infers it from the data), so we take 8.
pub(super) const DENSE_INPUTS: u64 = 8;

/// `Dense(10, relu)` then `Dense(1, sigmoid)` on 8 input features, one sample
/// (tokens = 1): 8x10 + 10x1 = 90 MACs.
pub fn dense_10_1() -> Model {
    let mut b = ModelBuilder::new("dense-10-1");
    let h = b.add("dense1", linear(DENSE_INPUTS, 10), &[]);
    let h = b.add("relu", eltwise(10, 1, 10), &[h]);
    let y = b.add("dense2", linear(10, 1), &[h]);
    b.add("sigmoid", eltwise(1, 1, 1), &[y]);
    b.build()
}

/// A single `Linear(10 -> 1)` on one sample: 10 MACs.
pub fn linear_10_1() -> Model {
    let mut b = ModelBuilder::new("linear-10-1");
    b.add("linear", linear(10, 1), &[]);
    b.build()
}

fn linear(in_features: u64, out_features: u64) -> Op {
    Op::Linear {
        tokens: 1,
        in_features,
        out_features,
    }
}
