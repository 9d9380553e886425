//! BERT-base encoder (Devlin et al. 2019): 12 layers, hidden 768, 12 heads,
//! FFN 3072, over a 128-token sequence.
//!
//! The embedding lookup is not array work; the sum of word, position and
//! segment embeddings and its layernorm are vector layers. The attention
//! scale `1/sqrt(64)` and mask are counted in the softmax. No pooler or task head.

use super::eltwise;
use crate::workload::{Model, ModelBuilder, Op, VectorKind, GELU_OPS, LAYERNORM_OPS, SOFTMAX_OPS};
use petgraph::graph::NodeIndex;

/// Sequence length.
const TOKENS: u64 = 128;
/// Hidden size.
const HIDDEN: u64 = 768;
/// Attention heads.
const HEADS: u64 = 12;
/// Per-head size.
const HEAD_DIM: u64 = HIDDEN / HEADS;
/// Feed-forward inner size.
const FFN: u64 = 3072;
/// Encoder layers.
const LAYERS: u64 = 12;

/// BERT-base encoder, batch 1, 128 tokens: per layer 4 projections + 2
/// attention matmuls + 2 FFN linears, about 11.2 GMAC.
pub fn bert_base() -> Model {
    let mut b = ModelBuilder::new("bert-base");
    let act = TOKENS * HIDDEN;
    let emb = b.add("embeddings.add", eltwise(act, 2, 3 * act), &[]);
    let mut x = b.add("embeddings.layernorm", layernorm(act), &[emb]);
    for l in 0..LAYERS {
        x = encoder_layer(&mut b, &format!("layer{l}"), x);
    }
    b.build()
}

fn encoder_layer(b: &mut ModelBuilder, p: &str, x: NodeIndex) -> NodeIndex {
    let act = TOKENS * HIDDEN;
    let scores = HEADS * TOKENS * TOKENS;
    let q = b.add(format!("{p}.attn.q"), linear(HIDDEN, HIDDEN), &[x]);
    let k = b.add(format!("{p}.attn.k"), linear(HIDDEN, HIDDEN), &[x]);
    let v = b.add(format!("{p}.attn.v"), linear(HIDDEN, HIDDEN), &[x]);
    let qk = Op::MatMul {
        count: HEADS,
        m: TOKENS,
        k: HEAD_DIM,
        n: TOKENS,
    };
    let s = b.add(format!("{p}.attn.scores"), qk, &[q, k]);
    let softmax = Op::Vector {
        kind: VectorKind::Softmax,
        elements: scores,
        ops_per_element: SOFTMAX_OPS,
        inputs: scores,
    };
    let s = b.add(format!("{p}.attn.softmax"), softmax, &[s]);
    let sv = Op::MatMul {
        count: HEADS,
        m: TOKENS,
        k: TOKENS,
        n: HEAD_DIM,
    };
    let c = b.add(format!("{p}.attn.context"), sv, &[s, v]);
    let o = b.add(format!("{p}.attn.out"), linear(HIDDEN, HIDDEN), &[c]);
    let r = b.add(format!("{p}.attn.add"), eltwise(act, 1, 2 * act), &[o, x]);
    let x = b.add(format!("{p}.attn.layernorm"), layernorm(act), &[r]);
    let h = b.add(format!("{p}.ffn.fc1"), linear(HIDDEN, FFN), &[x]);
    let ffn = TOKENS * FFN;
    let h = b.add(format!("{p}.ffn.gelu"), eltwise(ffn, GELU_OPS, ffn), &[h]);
    let h = b.add(format!("{p}.ffn.fc2"), linear(FFN, HIDDEN), &[h]);
    let r = b.add(format!("{p}.ffn.add"), eltwise(act, 1, 2 * act), &[h, x]);
    b.add(format!("{p}.ffn.layernorm"), layernorm(act), &[r])
}

fn linear(in_features: u64, out_features: u64) -> Op {
    Op::Linear {
        tokens: TOKENS,
        in_features,
        out_features,
    }
}

fn layernorm(elements: u64) -> Op {
    Op::Vector {
        kind: VectorKind::Layernorm,
        elements,
        ops_per_element: LAYERNORM_OPS,
        inputs: elements,
    }
}
