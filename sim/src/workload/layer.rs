//! Layers of a model and their shapes.

use serde::Serialize;

/// Kind of recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RnnCell {
    /// Elman RNN: one gate.
    Rnn,
    /// LSTM: four gates (i, f, g, o).
    Lstm,
    /// GRU: three gates (r, z, n).
    Gru,
}

impl RnnCell {
    /// Gate count: the GEMM width is `gates x hidden`.
    pub fn gates(self) -> u64 {
        match self {
            RnnCell::Rnn => 1,
            RnnCell::Lstm => 4,
            RnnCell::Gru => 3,
        }
    }
}

/// Vector operations per softmax element (scale, max, exp, sum, divide).
pub const SOFTMAX_OPS: u64 = 5;
/// Vector operations per layer-normalization element (mean, variance,
/// normalize, scale, shift).
pub const LAYERNORM_OPS: u64 = 8;
/// Vector operations per GELU element (the erf or tanh form's polynomial).
pub const GELU_OPS: u64 = 8;

/// Operations the vector unit runs (not the array).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorKind {
    /// Max or average pooling.
    Pool,
    /// Elementwise add, multiply, activation.
    Eltwise,
    /// Softmax over rows.
    Softmax,
    /// Layer normalization over rows.
    Layernorm,
}

/// What a layer computes, with its shape (batch 1; batch applies at lowering).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    /// 2-D convolution, NCHW. Depthwise when `groups == in_c == out_c`.
    Conv2d {
        /// Input channels.
        in_c: u64,
        /// Input height.
        in_h: u64,
        /// Input width.
        in_w: u64,
        /// Output channels.
        out_c: u64,
        /// Kernel height.
        kh: u64,
        /// Kernel width.
        kw: u64,
        /// Stride (h, w).
        stride: (u64, u64),
        /// Zero padding before (top, left).
        pad: (u64, u64),
        /// Zero padding after (bottom, right): equal to `pad` for the
        /// built-in models; an imported model may pad unevenly (`SAME_UPPER`).
        pad_end: (u64, u64),
        /// Dilation (h, w).
        dilation: (u64, u64),
        /// Groups.
        groups: u64,
    },
    /// Fully connected layer over `tokens` input vectors.
    Linear {
        /// Input vectors per sample (1 for a CNN head, sequence length for a transformer).
        tokens: u64,
        /// Input features.
        in_features: u64,
        /// Output features.
        out_features: u64,
    },
    /// Batched matrix multiply `count` times C[M x N] = A[M x K] x B[K x N]
    /// (attention: `count` = heads).
    MatMul {
        /// Independent products per sample (heads).
        count: u64,
        /// Rows of A.
        m: u64,
        /// Inner dimension.
        k: u64,
        /// Columns of B.
        n: u64,
    },
    /// A plain GEMM as given by a SCALE-Sim GEMM topology (not scaled by batch).
    Gemm {
        /// Rows of A.
        m: u64,
        /// Inner dimension.
        k: u64,
        /// Columns of B.
        n: u64,
    },
    /// Recurrent layer over a sequence: each step is one GEMM of the input and
    /// hidden state, `[x_t, h_{t-1}] x W`, dependent on the previous step.
    Recurrent {
        /// Cell type.
        cell: RnnCell,
        /// Input features.
        input_size: u64,
        /// Hidden features.
        hidden_size: u64,
        /// Time steps.
        steps: u64,
    },
    /// Work for the vector unit: `elements` outputs costing `ops_per_element` operations each.
    Vector {
        /// What it is.
        kind: VectorKind,
        /// Output elements (batch 1).
        elements: u64,
        /// Operations per output element (e.g. window size for pooling).
        ops_per_element: u64,
        /// Input elements read (batch 1).
        inputs: u64,
    },
}

/// How a convolution's output size is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConvRule {
    /// The real convolution: `floor((H + 2P - D(R-1) - 1) / S) + 1`.
    Exact,
    /// SCALE-Sim 3.0.0's `ceil((H - R + S) / S)` (with padding and dilation
    /// folded into H and R as above): one output row or column more than a real
    /// convolution when `H - R` is not a multiple of `S`. Used only by the
    /// `scalesim` timing mode, to reproduce its cycle counts.
    Scalesim,
}

/// One layer: a name, an operation, and how many samples of the model's
/// batch the operation holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layer {
    /// Unique name within its model.
    pub name: String,
    /// What it computes.
    pub op: Op,
    /// Samples the operation is run for at batch 1: 1 for the built-in
    /// models; an imported ONNX model's tensors carry their own batch
    /// dimension, which a convolution keeps here.
    #[serde(skip_serializing_if = "is_one")]
    pub batch: u64,
    /// Its input carries a gradient from parameters no layer of the model
    /// holds (an embedding table an ONNX `Gather` looks up, a learned
    /// position embedding added to the input): training computes its dX even
    /// when no layer with parameters feeds it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub input_grad: bool,
}

fn is_one(v: &u64) -> bool {
    *v == 1
}

impl Layer {
    /// What this layer becomes at the model's `batch`.
    pub fn lower(&self, batch: u64) -> super::Lowered {
        self.lower_as(batch, ConvRule::Exact)
    }

    /// [`Layer::lower`] with a choice of convolution output-size rule.
    pub fn lower_as(&self, batch: u64, rule: ConvRule) -> super::Lowered {
        super::lower::lower_as(&self.op, batch.saturating_mul(self.batch), rule)
    }
}

impl Op {
    /// Trainable weights of the layer's GEMM (0 for layers without): biases
    /// and normalization scales are not counted (under 1% of the parameters
    /// of the built-in models).
    pub fn params(&self) -> u64 {
        match *self {
            Op::Conv2d {
                in_c,
                out_c,
                kh,
                kw,
                groups,
                ..
            } => out_c
                .saturating_mul(in_c / groups.max(1))
                .saturating_mul(kh)
                .saturating_mul(kw),
            Op::Linear {
                in_features,
                out_features,
                ..
            } => in_features.saturating_mul(out_features),
            Op::Gemm { k, n, .. } => k.saturating_mul(n),
            Op::Recurrent {
                cell,
                input_size,
                hidden_size,
                ..
            } => cell
                .gates()
                .saturating_mul(hidden_size)
                .saturating_mul(input_size.saturating_add(hidden_size)),
            Op::MatMul { .. } | Op::Vector { .. } => 0,
        }
    }

    /// Whether the layer holds trainable parameters: weights ([`Op::params`])
    /// or a layer norm's scale and shift.
    pub fn has_params(&self) -> bool {
        self.params() > 0
            || matches!(
                self,
                Op::Vector {
                    kind: VectorKind::Layernorm,
                    ..
                }
            )
    }

    /// Output height and width of a convolution.
    pub fn conv_out_hw(&self) -> Option<(u64, u64)> {
        self.conv_out_hw_as(ConvRule::Exact)
    }

    /// Output height and width of a convolution under `rule`.
    pub fn conv_out_hw_as(&self, rule: ConvRule) -> Option<(u64, u64)> {
        match *self {
            Op::Conv2d {
                in_h,
                in_w,
                kh,
                kw,
                stride,
                pad,
                pad_end,
                dilation,
                ..
            } => {
                // Saturating: an absurd size stays absurd (and fails the
                // bounds of `Lowered::check`) instead of wrapping to a small one.
                let eff = |d: u64, k: u64| d.saturating_mul(k.checked_sub(1)?).checked_add(1);
                let (eff_h, eff_w) = (eff(dilation.0, kh)?, eff(dilation.1, kw)?);
                let span_h = in_h
                    .saturating_add(pad.0.saturating_add(pad_end.0))
                    .checked_sub(eff_h)?;
                let span_w = in_w
                    .saturating_add(pad.1.saturating_add(pad_end.1))
                    .checked_sub(eff_w)?;
                let (sh, sw) = (stride.0, stride.1);
                if sh == 0 || sw == 0 {
                    return None;
                }
                Some(match rule {
                    ConvRule::Exact => (span_h / sh + 1, span_w / sw + 1),
                    ConvRule::Scalesim => (span_h.div_ceil(sh) + 1, span_w.div_ceil(sw) + 1),
                })
            }
            _ => None,
        }
    }

    /// Report kind: `conv`, `depthwise`, `linear`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Conv2d { groups, in_c, .. } if *groups > 1 && groups == in_c => "depthwise",
            Op::Conv2d { .. } => "conv",
            Op::Linear { .. } => "linear",
            Op::MatMul { .. } => "matmul",
            Op::Gemm { .. } => "gemm",
            Op::Recurrent {
                cell: RnnCell::Rnn, ..
            } => "rnn",
            Op::Recurrent {
                cell: RnnCell::Lstm,
                ..
            } => "lstm",
            Op::Recurrent {
                cell: RnnCell::Gru, ..
            } => "gru",
            Op::Vector {
                kind: VectorKind::Pool,
                ..
            } => "pool",
            Op::Vector {
                kind: VectorKind::Eltwise,
                ..
            } => "eltwise",
            Op::Vector {
                kind: VectorKind::Softmax,
                ..
            } => "softmax",
            Op::Vector {
                kind: VectorKind::Layernorm,
                ..
            } => "layernorm",
        }
    }

    /// Whether the layer runs on the vector unit.
    pub fn is_vector(&self) -> bool {
        matches!(self, Op::Vector { .. })
    }
}
