//! MobileNetV2 (Sandler et al. 2018, Table 2), width 1.0, 224x224 input, with
//! the layer structure of torchvision's `mobilenet_v2`.
//!
//! Batchnorm is folded into the convolutions; ReLU6 is one elementwise
//! operation per element; dropout is a no-op at inference.

use super::cnn::{Cnn, Tensor};
use crate::workload::Model;

/// Inverted-residual stages `(t, c, n, s)`: expansion factor, output
/// channels, repeats, stride of the first block (the paper's Table 2).
const STAGES: [(u64, u64, u64, u64); 7] = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
];

/// MobileNetV2 1.0 (torchvision), batch 1, 3x224x224: 52 conv (17 of them
/// depthwise) + 1 fc, about 300 MMAC.
pub fn mobilenet_v2() -> Model {
    let mut n = Cnn::new("mobilenet_v2");
    let x = Cnn::input(3, 224, 224);
    let x = n.conv("features.0.conv", x, 32, 3, 2, 1);
    let mut x = n.act("features.0.relu6", x);
    let mut index = 1;
    for &(t, c, repeats, s) in &STAGES {
        for i in 0..repeats {
            let stride = if i == 0 { s } else { 1 };
            x = inverted_residual(&mut n, &format!("features.{index}"), x, t, c, stride);
            index += 1;
        }
    }
    let x = n.conv(&format!("features.{index}.conv"), x, 1280, 1, 1, 0);
    let x = n.act(&format!("features.{index}.relu6"), x);
    let x = n.global_pool("avgpool", x);
    n.linear("classifier", x, 1000);
    n.build()
}

/// 1x1 expand (skipped when `t == 1`), 3x3 depthwise with the stride, 1x1
/// linear projection; residual add when the shape is kept.
fn inverted_residual(
    n: &mut Cnn,
    prefix: &str,
    x: Tensor,
    t: u64,
    out_c: u64,
    stride: u64,
) -> Tensor {
    let mut y = x;
    if t != 1 {
        y = n.conv(&format!("{prefix}.expand"), y, x.c * t, 1, 1, 0);
        y = n.act(&format!("{prefix}.expand_relu6"), y);
    }
    let y = n.depthwise(&format!("{prefix}.dw"), y, 3, stride, 1);
    let y = n.act(&format!("{prefix}.dw_relu6"), y);
    let y = n.conv(&format!("{prefix}.project"), y, out_c, 1, 1, 0);
    if stride == 1 && x.c == out_c {
        n.add(&format!("{prefix}.add"), y, x)
    } else {
        y
    }
}
