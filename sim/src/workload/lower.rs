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
    /// Whether B is a layer's weights (a convolution's, linear or recurrent
    /// layer's, a SCALE-Sim GEMM's), which an N:M sparse design stores
    /// compressed; not for products of two activations (attention) or the
    /// gradient GEMMs of training.
    pub b_weights: bool,
}

/// Largest GEMM dimension (M, K or N) and largest `count` of a lowered
/// layer: 2^32.
pub const MAX_DIM: u64 = 1 << 32;
/// Largest multiply-accumulates of one GEMM (M x K x N): 2^48, about
/// 2.8e14 (GPT-3's largest GEMM at batch 64 and 2,048 tokens is 7.9e13).
/// Cycle counts then stay far below 2^64 on any array and DRAM.
pub const MAX_GEMM_MACS: u64 = 1 << 48;
/// Largest multiply-accumulates (or vector operations) of one layer at its
/// batch, every GEMM of it: 2^56, about 7.2e16.
pub const MAX_LAYER_OPS: u64 = 1 << 56;

/// `a x b`, saturating at `u64::MAX` (which every bound refuses).
fn mul(a: u64, b: u64) -> u64 {
    a.saturating_mul(b)
}

impl GemmOp {
    /// Multiply-accumulates of all `count` GEMMs (saturating; exact within
    /// the bounds [`Lowered::check`] enforces).
    pub fn macs(&self) -> u64 {
        mul(mul(mul(self.m, self.k), self.n), self.count)
    }

    /// Multiply-accumulates of all `count` GEMMs, `None` past 2^64.
    pub fn checked_macs(&self) -> Option<u64> {
        self.m
            .checked_mul(self.k)?
            .checked_mul(self.n)?
            .checked_mul(self.count)
    }

    /// A plain GEMM (`a_unique = M x K`) run once.
    pub fn new(m: u64, k: u64, n: u64) -> GemmOp {
        GemmOp {
            m,
            k,
            n,
            count: 1,
            a_unique: mul(m, k),
            b_weights: false,
        }
    }

    /// This GEMM with B marked as a layer's weights.
    pub fn of_weights(self) -> GemmOp {
        GemmOp {
            b_weights: true,
            ..self
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
            let groups = groups.max(1);
            let cg = in_c / groups;
            let (m, k) = (mul(mul(batch, ho), wo), mul(mul(cg, kh), kw));
            let a_unique = mul(mul(mul(batch, cg), in_h), in_w).min(mul(m, k));
            Lowered::Gemm(GemmOp {
                m,
                k,
                n: out_c / groups,
                count: groups,
                a_unique,
                b_weights: true,
            })
        }
        Op::Linear {
            tokens,
            in_features,
            out_features,
        } => Lowered::Gemm(GemmOp::new(mul(batch, tokens), in_features, out_features).of_weights()),
        Op::MatMul { count, m, k, n } => {
            Lowered::Gemm(GemmOp::new(m, k, n).times(mul(batch, count)))
        }
        Op::Gemm { m, k, n } => Lowered::Gemm(GemmOp::new(mul(batch, m), k, n).of_weights()),
        Op::Recurrent {
            cell,
            input_size,
            hidden_size,
            steps,
        } => Lowered::Gemm(
            GemmOp::new(
                batch,
                input_size.saturating_add(hidden_size),
                mul(cell.gates(), hidden_size),
            )
            .of_weights()
            .times(steps),
        ),
        Op::Vector {
            elements,
            ops_per_element,
            inputs,
            ..
        } => Lowered::Vector(VectorWork {
            ops: mul(mul(batch, elements), ops_per_element),
            inputs: mul(batch, inputs),
            outputs: mul(batch, elements),
        }),
    }
}

impl Lowered {
    /// Checks the documented bounds ([`MAX_DIM`], [`MAX_GEMM_MACS`],
    /// [`MAX_LAYER_OPS`]) within which every count the engines derive is
    /// exact; the message names the number out of range.
    pub fn check(&self) -> Result<(), String> {
        let over = |what: &str, v: u64, max: u64| {
            if v > max {
                Err(format!(
                    "{what} is {} (the limit is {max}, 2^{})",
                    if v == u64::MAX {
                        "beyond 2^64".to_string()
                    } else {
                        v.to_string()
                    },
                    max.trailing_zeros()
                ))
            } else {
                Ok(())
            }
        };
        match self {
            Lowered::Gemm(g) => {
                over("M", g.m, MAX_DIM)?;
                over("K", g.k, MAX_DIM)?;
                over("N", g.n, MAX_DIM)?;
                over("the GEMM count", g.count, MAX_DIM)?;
                over("M x K x N", mul(mul(g.m, g.k), g.n), MAX_GEMM_MACS)?;
                over("the layer's multiply-accumulates", g.macs(), MAX_LAYER_OPS)
            }
            Lowered::Vector(v) => {
                over("the vector operations", v.ops, MAX_LAYER_OPS)?;
                over("the elements read", v.inputs, MAX_LAYER_OPS)?;
                over("the elements written", v.outputs, MAX_LAYER_OPS)
            }
        }
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
            pad_end: (p, p),
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
                a_unique: 3 * 224 * 224,
                b_weights: true,
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
                a_unique: 112 * 112,
                b_weights: true,
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
            pad_end: (0, 0),
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
    fn absurd_sizes_saturate_and_fail_the_bounds_instead_of_wrapping() {
        // 2^32 per side: M x K x N wraps to 0 in 64 bits.
        let g = Op::Gemm {
            m: 1 << 32,
            k: 1 << 32,
            n: 1 << 32,
        };
        let l = lower(&g, 1);
        assert!(l.check().unwrap_err().contains("M x K x N"), "{l:?}");
        // A batch of 2^63 on a small linear layer.
        let lin = Op::Linear {
            tokens: 4,
            in_features: 8,
            out_features: 8,
        };
        assert!(lower(&lin, 1 << 63)
            .check()
            .unwrap_err()
            .contains("M is beyond 2^64"));
        // Conv sides of 2^60.
        let big = conv(3, 1 << 60, 8, 3, 1, 1, 1);
        assert!(lower(&big, 1).check().is_err());
        // A stride of 0 has no output rather than dividing by zero.
        let mut z = conv(3, 8, 8, 3, 1, 1, 1);
        if let Op::Conv2d { stride, .. } = &mut z {
            *stride = (0, 1);
        }
        assert_eq!(z.conv_out_hw(), None);
        // Real models pass.
        for (name, _) in crate::workload::zoo::MODELS {
            let m = crate::workload::zoo::model(name).unwrap();
            for l in m.layers() {
                lower(&l.op, 64).check().unwrap();
            }
        }
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
            Lowered::Gemm(GemmOp::new(1, 2048, 4096).of_weights().times(35))
        );
    }
}
