//! Shape-tracking builder for convolutional networks (NCHW, batch 1).
//!
//! Each call adds one layer after a [`Tensor`] and returns the tensor it
//! produces, so channel counts and spatial sizes chain by construction.

use super::eltwise;
use crate::workload::{Model, ModelBuilder, Op, VectorKind};
use petgraph::graph::NodeIndex;

/// A feature map: the layer that produced it (none for the network input)
/// and its shape.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tensor {
    /// Producing layer; `None` for the network input.
    pub node: Option<NodeIndex>,
    /// Channels.
    pub c: u64,
    /// Height.
    pub h: u64,
    /// Width.
    pub w: u64,
}

impl Tensor {
    /// Elements of the feature map.
    pub fn elements(&self) -> u64 {
        self.c * self.h * self.w
    }

    fn inputs(&self) -> Vec<NodeIndex> {
        self.node.into_iter().collect()
    }
}

/// A [`ModelBuilder`] that knows the shape of each feature map.
#[derive(Debug)]
pub(super) struct Cnn {
    b: ModelBuilder,
}

impl Cnn {
    /// A new network named `name`.
    pub fn new(name: &str) -> Self {
        Cnn {
            b: ModelBuilder::new(name),
        }
    }

    /// The network input: `c x h x w`.
    pub fn input(c: u64, h: u64, w: u64) -> Tensor {
        Tensor {
            node: None,
            c,
            h,
            w,
        }
    }

    /// Square `k x k` convolution with stride `s` and padding `p`
    /// (batchnorm, if any, folded into its weights).
    pub fn conv(&mut self, name: &str, x: Tensor, out_c: u64, k: u64, s: u64, p: u64) -> Tensor {
        self.grouped(name, x, out_c, (k, s, p), 1)
    }

    /// Depthwise `k x k` convolution (`groups = channels`), stride `s`, padding `p`.
    pub fn depthwise(&mut self, name: &str, x: Tensor, k: u64, s: u64, p: u64) -> Tensor {
        self.grouped(name, x, x.c, (k, s, p), x.c)
    }

    fn grouped(
        &mut self,
        name: &str,
        x: Tensor,
        out_c: u64,
        (k, s, p): (u64, u64, u64),
        groups: u64,
    ) -> Tensor {
        let op = Op::Conv2d {
            in_c: x.c,
            in_h: x.h,
            in_w: x.w,
            out_c,
            kh: k,
            kw: k,
            stride: (s, s),
            pad: (p, p),
            pad_end: (p, p),
            dilation: (1, 1),
            groups,
        };
        let (h, w) = op
            .conv_out_hw()
            .unwrap_or_else(|| panic!("{name}: kernel larger than padded input"));
        let node = self.b.add(name, op, &x.inputs());
        Tensor {
            node: Some(node),
            c: out_c,
            h,
            w,
        }
    }

    /// Elementwise activation (ReLU, ReLU6, sigmoid): one operation per element.
    pub fn act(&mut self, name: &str, x: Tensor) -> Tensor {
        let n = x.elements();
        let node = self.b.add(name, eltwise(n, 1, n), &x.inputs());
        Tensor {
            node: Some(node),
            ..x
        }
    }

    /// Residual add of two feature maps of the same shape.
    pub fn add(&mut self, name: &str, a: Tensor, b: Tensor) -> Tensor {
        assert_eq!(
            (a.c, a.h, a.w),
            (b.c, b.h, b.w),
            "{name}: residual shapes differ"
        );
        let n = a.elements();
        let inputs: Vec<NodeIndex> = a.node.into_iter().chain(b.node).collect();
        let node = self.b.add(name, eltwise(n, 1, 2 * n), &inputs);
        Tensor {
            node: Some(node),
            ..a
        }
    }

    /// Max (or average) pooling, `k x k` window, stride `s`, padding `p`
    /// (floor mode, as PyTorch's default).
    pub fn pool(&mut self, name: &str, x: Tensor, k: u64, s: u64, p: u64) -> Tensor {
        let h = (x.h + 2 * p - k) / s + 1;
        let w = (x.w + 2 * p - k) / s + 1;
        let out = x.c * h * w;
        let op = Op::Vector {
            kind: VectorKind::Pool,
            elements: out,
            ops_per_element: k * k,
            inputs: x.elements(),
        };
        let node = self.b.add(name, op, &x.inputs());
        Tensor {
            node: Some(node),
            c: x.c,
            h,
            w,
        }
    }

    /// Global average pool to `c x 1 x 1`.
    pub fn global_pool(&mut self, name: &str, x: Tensor) -> Tensor {
        let op = Op::Vector {
            kind: VectorKind::Pool,
            elements: x.c,
            ops_per_element: x.h * x.w,
            inputs: x.elements(),
        };
        let node = self.b.add(name, op, &x.inputs());
        Tensor {
            node: Some(node),
            c: x.c,
            h: 1,
            w: 1,
        }
    }

    /// Fully connected layer on the flattened feature map (one token).
    pub fn linear(&mut self, name: &str, x: Tensor, out_features: u64) -> Tensor {
        let op = Op::Linear {
            tokens: 1,
            in_features: x.elements(),
            out_features,
        };
        let node = self.b.add(name, op, &x.inputs());
        Tensor {
            node: Some(node),
            c: out_features,
            h: 1,
            w: 1,
        }
    }

    /// The finished model.
    pub fn build(self) -> Model {
        self.b.build()
    }
}
