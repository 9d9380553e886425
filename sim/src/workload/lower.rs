//! Lowering of layers to the GEMMs the array runs: im2col for convolution,
//! one GEMM per group (depthwise), per step (recurrent), per head (attention).

use super::layer::{ConvRule, Op};

/// `count` independent (or sequentially dependent) GEMMs
/// C[M x N] = A[M x K] x B[K x N], run one after another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GemmOp {
    /// Rows of A and C.
    pub m: u64,
    /// Columns of A, rows of B.
    pub k: u64,
    /// Columns of B and C.
    pub n: u64,
    /// How many times it runs.
    pub count: u64,
    /// Distinct elements of A's source tensor: `M x K` for a plain matrix,
    /// the input feature map for a convolution, whose im2col expansion is
    /// generated on chip from it (so DRAM moves each input element once).
    pub a_unique: u64,
}

impl GemmOp {
    /// Multiply-accumulates of all `count` GEMMs.
    pub fn macs(&self) -> u64 {
        self.m * self.k * self.n * self.count
    }

    /// A plain GEMM (`a_unique = M x K`) run once.
    pub fn new(m: u64, k: u64, n: u64) -> GemmOp {
        GemmOp {
            m,
            k,
            n,
            count: 1,
            a_unique: m * k,
        }
    }

    /// `count` runs of this shape.
    pub fn times(self, count: u64) -> GemmOp {
        GemmOp { count, ..self }
    }
}

/// Work for the vector unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorWork {
    /// Elementary operations.
    pub ops: u64,
    /// Elements read.
    pub inputs: u64,
    /// Elements written.
    pub outputs: u64,
}

/// What a layer becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lowered {
    /// GEMMs on the array.
    Gemm(GemmOp),
    /// Vector-unit work.
    Vector(VectorWork),
}

/// Lowers `op` at batch size `batch`. Convolution uses im2col: one output
/// pixel per row of A (`M = batch x Ho x Wo`), one filter tap per column
/// (`K = Cin/groups x Kh x Kw`), one filter per column of B (`N = Cout/groups`),
/// and `groups` GEMMs. Recurrent layers run one GEMM per step on
/// `[x_t, h_{t-1}]` (`K = input + hidden`, `N = gates x hidden`, `M = batch`).
pub fn lower(op: &Op, batch: u64) -> Lowered {
    lower_as(op, batch, ConvRule::Exact)
}

/// [`lower`] with a choice of convolution output-size rule.
pub fn lower_as(op: &Op, batch: u64, rule: ConvRule) -> Lowered {
    match *op {
        Op::Conv2d {
            in_c,
            in_h,
            in_w,
            out_c,
            kh,
            kw,
            groups,
            ..
        } => {
            let (ho, wo) = op.conv_out_hw_as(rule).unwrap_or((0, 0));
            let (m, k) = (batch * ho * wo, in_c / groups * kh * kw);
            let a_unique = (batch * in_c / groups * in_h * in_w).min(m * k);
            Lowered::Gemm(GemmOp {
                m,
                k,
                n: out_c / groups,
                count: groups,
                a_unique,
            })
        }
        Op::Linear {
            tokens,
            in_features,
            out_features,
        } => Lowered::Gemm(GemmOp::new(batch * tokens, in_features, out_features)),
        Op::MatMul { count, m, k, n } => Lowered::Gemm(GemmOp::new(m, k, n).times(batch * count)),
        Op::Gemm { m, k, n } => Lowered::Gemm(GemmOp::new(batch * m, k, n)),
        Op::Recurrent {
            cell,
            input_size,
            hidden_size,
            steps,
        } => Lowered::Gemm(
            GemmOp::new(batch, input_size + hidden_size, cell.gates() * hidden_size).times(steps),
        ),
        Op::Vector {
            elements,
            ops_per_element,
            inputs,
            ..
        } => Lowered::Vector(VectorWork {
            ops: batch * elements * ops_per_element,
            inputs: batch * inputs,
            outputs: batch * elements,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::RnnCell;

    fn conv(in_c: u64, hw: u64, out_c: u64, k: u64, s: u64, p: u64, groups: u64) -> Op {
        Op::Conv2d {
            in_c,
            in_h: hw,
            in_w: hw,
            out_c,
            kh: k,
            kw: k,
            stride: (s, s),
            pad: (p, p),
            dilation: (1, 1),
            groups,
        }
    }

    #[test]
    fn conv_im2col_shapes() {
        // resnet conv1: 3x224x224 -> 64, 7x7 stride 2 pad 3 -> 112x112.
        let g = lower(&conv(3, 224, 64, 7, 2, 3, 1), 1);
        assert_eq!(
            g,
            Lowered::Gemm(GemmOp {
                m: 112 * 112,
                k: 147,
                n: 64,
                count: 1,
                a_unique: 3 * 224 * 224
            })
        );
        // batch multiplies M.
        let Lowered::Gemm(g4) = lower(&conv(3, 224, 64, 7, 2, 3, 1), 4) else {
            panic!()
        };
        assert_eq!(g4.m, 4 * 112 * 112);
    }

    #[test]
    fn depthwise_is_one_gemm_per_group() {
        let g = lower(&conv(32, 112, 32, 3, 1, 1, 32), 1);
        assert_eq!(
            g,
            Lowered::Gemm(GemmOp {
                m: 112 * 112,
                k: 9,
                n: 1,
                count: 32,
                a_unique: 112 * 112
            })
        );
    }

    #[test]
    fn dilation_and_no_padding() {
        let op = Op::Conv2d {
            in_c: 1,
            in_h: 10,
            in_w: 10,
            out_c: 1,
            kh: 3,
            kw: 3,
            stride: (1, 1),
            pad: (0, 0),
            dilation: (2, 2),
            groups: 1,
        };
        assert_eq!(op.conv_out_hw(), Some((6, 6)));
        let too_small = conv(1, 2, 1, 3, 1, 0, 1);
        assert_eq!(too_small.conv_out_hw(), None);
    }

    #[test]
    fn scalesim_rule_counts_the_partial_window() {
        // 10x10 input, 3x3 filter, stride 2: a real conv has 4x4 outputs,
        // SCALE-Sim counts ceil((10 - 3 + 2) / 2) = 5 per side.
        let op = conv(4, 10, 12, 3, 2, 0, 1);
        assert_eq!(op.conv_out_hw(), Some((4, 4)));
        assert_eq!(op.conv_out_hw_as(ConvRule::Scalesim), Some((5, 5)));
        let Lowered::Gemm(g) = lower_as(&op, 1, ConvRule::Scalesim) else {
            panic!()
        };
        assert_eq!(g.m, 25);
        // Divisible spans agree.
        let even = conv(4, 11, 12, 3, 2, 0, 1);
        assert_eq!(even.conv_out_hw(), even.conv_out_hw_as(ConvRule::Scalesim));
    }

    #[test]
    fn lstm_step_gemm() {
        let op = Op::Recurrent {
            cell: RnnCell::Lstm,
            input_size: 1024,
            hidden_size: 1024,
            steps: 35,
        };
        assert_eq!(
            lower(&op, 1),
            Lowered::Gemm(GemmOp::new(1, 2048, 4096).times(35))
        );
    }
}
