//! LSTM language model in the style of Zaremba et al. 2014 (two stacked LSTM
//! layers unrolled over 35 steps), with hidden size 1024 and the 10,000-word
//! Penn Treebank vocabulary (Mikolov's preprocessing).
//!
//! The embedding lookup is a gather, not array work, so it has no layer; the
//! gate nonlinearities and cell update are part of each recurrent step.

use crate::workload::{Model, ModelBuilder, Op, RnnCell, VectorKind, SOFTMAX_OPS};

/// Unrolled time steps (Zaremba et al.'s BPTT length).
const STEPS: u64 = 35;
/// Embedding and hidden size.
const HIDDEN: u64 = 1024;
/// Vocabulary: Penn Treebank's 10,000 words.
const VOCAB: u64 = 10_000;

/// LSTM LM, batch 1: 2 x LSTM(1024 -> 1024) over 35 steps, then a
/// 1024 -> 10,000 decoder on each of the 35 outputs and a softmax, about 0.95 GMAC.
pub fn lstm_lm() -> Model {
    let mut b = ModelBuilder::new("lstm-lm");
    let lstm = Op::Recurrent {
        cell: RnnCell::Lstm,
        input_size: HIDDEN,
        hidden_size: HIDDEN,
        steps: STEPS,
    };
    let l0 = b.add("lstm0", lstm.clone(), &[]);
    let l1 = b.add("lstm1", lstm, &[l0]);
    let decoder = Op::Linear {
        tokens: STEPS,
        in_features: HIDDEN,
        out_features: VOCAB,
    };
    let d = b.add("decoder", decoder, &[l1]);
    let softmax = Op::Vector {
        kind: VectorKind::Softmax,
        elements: STEPS * VOCAB,
        ops_per_element: SOFTMAX_OPS,
        inputs: STEPS * VOCAB,
    };
    b.add("softmax", softmax, &[d]);
    b.build()
}
