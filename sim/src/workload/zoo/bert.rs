//! BERT encoders (Devlin et al. 2019): the zoo's BERT-base (12 layers,
//! hidden 768, 12 heads, FFN 3072, over a 128-token sequence), and any
//! other shape, such as BERT-Large (MLPerf's bert-99).
//!
//! The embedding lookup is not array work; the sum of word, position and
//! segment embeddings and its layernorm are vector layers. The attention
//! scale `1/sqrt(64)` and mask are counted in the softmax. No pooler or task head.

use super::eltwise;
use crate::workload::{Model, ModelBuilder, Op, VectorKind, GELU_OPS, LAYERNORM_OPS, SOFTMAX_OPS};
use petgraph::graph::NodeIndex;

/// A BERT encoder's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BertShape {
    /// Encoder layers.
    pub layers: u64,
    /// Hidden size.
    pub hidden: u64,
    /// Attention heads.
    pub heads: u64,
    /// Feed-forward inner size.
    pub ffn: u64,
    /// Sequence length.
    pub tokens: u64,
}

/// BERT-base (Devlin et al. 2019): 12 layers, hidden 768, 12 heads, FFN
/// 3072, over 128 tokens.
pub const BERT_BASE: BertShape = BertShape {
    layers: 12,
    hidden: 768,
    heads: 12,
    ffn: 3072,
    tokens: 128,
};

/// BERT-Large (Devlin et al. 2019): 24 layers, hidden 1024, 16 heads, FFN
/// 4096 (MLPerf Inference's bert-99 network), over 384 tokens (MLPerf's
/// maximum sequence length).
pub const BERT_LARGE: BertShape = BertShape {
    layers: 24,
    hidden: 1024,
    heads: 16,
    ffn: 4096,
    tokens: 384,
};

/// BERT-base encoder, batch 1, 128 tokens: per layer 4 projections + 2
/// attention matmuls + 2 FFN linears, about 11.2 GMAC.
pub fn bert_base() -> Model {
    bert("bert-base", &BERT_BASE, false)
}

/// A BERT encoder of shape `s` called `name`, batch 1; with `span_head`,
/// SQuAD's span head (hidden -> 2, as MLPerf's bert-99 ends).
pub fn bert(name: &str, s: &BertShape, span_head: bool) -> Model {
    let mut b = ModelBuilder::new(name);
    let act = s.tokens * s.hidden;
    let emb = b.add("embeddings.add", eltwise(act, 2, 3 * act), &[]);
    let mut x = b.add("embeddings.layernorm", layernorm(act), &[emb]);
    for l in 0..s.layers {
        x = encoder_layer(&mut b, s, &format!("layer{l}"), x);
    }
    if span_head {
        b.add("qa_outputs", linear(s, s.hidden, 2), &[x]);
    }
    b.build()
}

fn encoder_layer(b: &mut ModelBuilder, s: &BertShape, p: &str, x: NodeIndex) -> NodeIndex {
    let (tokens, hidden, heads) = (s.tokens, s.hidden, s.heads);
    let act = tokens * hidden;
    let scores = heads * tokens * tokens;
    let q = b.add(format!("{p}.attn.q"), linear(s, hidden, hidden), &[x]);
    let k = b.add(format!("{p}.attn.k"), linear(s, hidden, hidden), &[x]);
    let v = b.add(format!("{p}.attn.v"), linear(s, hidden, hidden), &[x]);
    let qk = Op::MatMul {
        count: heads,
        m: tokens,
        k: hidden / heads,
        n: tokens,
    };
    let sc = b.add(format!("{p}.attn.scores"), qk, &[q, k]);
    let softmax = Op::Vector {
        kind: VectorKind::Softmax,
        elements: scores,
        ops_per_element: SOFTMAX_OPS,
        inputs: scores,
    };
    let sc = b.add(format!("{p}.attn.softmax"), softmax, &[sc]);
    let sv = Op::MatMul {
        count: heads,
        m: tokens,
        k: tokens,
        n: hidden / heads,
    };
    let c = b.add(format!("{p}.attn.context"), sv, &[sc, v]);
    let o = b.add(format!("{p}.attn.out"), linear(s, hidden, hidden), &[c]);
    let r = b.add(format!("{p}.attn.add"), eltwise(act, 1, 2 * act), &[o, x]);
    let x = b.add(format!("{p}.attn.layernorm"), layernorm(act), &[r]);
    let h = b.add(format!("{p}.ffn.fc1"), linear(s, hidden, s.ffn), &[x]);
    let ffn = tokens * s.ffn;
    let h = b.add(format!("{p}.ffn.gelu"), eltwise(ffn, GELU_OPS, ffn), &[h]);
    let h = b.add(format!("{p}.ffn.fc2"), linear(s, s.ffn, hidden), &[h]);
    let r = b.add(format!("{p}.ffn.add"), eltwise(act, 1, 2 * act), &[h, x]);
    b.add(format!("{p}.ffn.layernorm"), layernorm(act), &[r])
}

fn linear(s: &BertShape, in_features: u64, out_features: u64) -> Op {
    Op::Linear {
        tokens: s.tokens,
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
