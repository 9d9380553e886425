//! ResNet-18 and ResNet-50 (He et al. 2016) as in torchvision, 224x224 input.
//!
//! torchvision's ResNet-50 is "v1.5": a bottleneck that downsamples puts
//! stride 2 on its 3x3 conv (and on the 1x1 projection shortcut), not on the
//! first 1x1. Batchnorm is folded into the convolutions. Layer names follow
//! torchvision's (`layer2.0.conv1`, `layer2.0.downsample`, ...).

use super::cnn::{Cnn, Tensor};
use crate::workload::Model;

/// Stage widths (the 3x3 conv's channels) of every ResNet.
const WIDTHS: [u64; 4] = [64, 128, 256, 512];

/// ResNet-18 (torchvision), batch 1, 3x224x224: 20 conv (17 + 3 projection
/// shortcuts) + 1 fc, about 1.8 GMAC.
pub fn resnet18() -> Model {
    resnet("resnet18", [2, 2, 2, 2], false)
}

/// ResNet-50 v1.5 (torchvision), batch 1, 3x224x224: 53 conv (49 + 4
/// projection shortcuts) + 1 fc, about 4.1 GMAC.
pub fn resnet50() -> Model {
    resnet("resnet50", [3, 4, 6, 3], true)
}

fn resnet(name: &str, blocks: [u64; 4], bottleneck: bool) -> Model {
    let mut n = Cnn::new(name);
    let x = Cnn::input(3, 224, 224);
    let x = n.conv("conv1", x, 64, 7, 2, 3);
    let x = n.act("relu", x);
    let mut x = n.pool("maxpool", x, 3, 2, 1);
    for (stage, (&width, &count)) in WIDTHS.iter().zip(&blocks).enumerate() {
        for b in 0..count {
            let stride = if stage > 0 && b == 0 { 2 } else { 1 };
            let prefix = format!("layer{}.{b}", stage + 1);
            x = if bottleneck {
                bottleneck_block(&mut n, &prefix, x, width, stride)
            } else {
                basic_block(&mut n, &prefix, x, width, stride)
            };
        }
    }
    let x = n.global_pool("avgpool", x);
    n.linear("fc", x, 1000);
    n.build()
}

/// The shortcut: identity, or a 1x1 projection when the shape changes.
fn shortcut(n: &mut Cnn, prefix: &str, x: Tensor, out_c: u64, stride: u64) -> Tensor {
    if stride != 1 || x.c != out_c {
        n.conv(&format!("{prefix}.downsample"), x, out_c, 1, stride, 0)
    } else {
        x
    }
}

/// Two 3x3 convs (stride on the first) and a residual add.
fn basic_block(n: &mut Cnn, prefix: &str, x: Tensor, width: u64, stride: u64) -> Tensor {
    let y = n.conv(&format!("{prefix}.conv1"), x, width, 3, stride, 1);
    let y = n.act(&format!("{prefix}.relu1"), y);
    let y = n.conv(&format!("{prefix}.conv2"), y, width, 3, 1, 1);
    let s = shortcut(n, prefix, x, width, stride);
    let y = n.add(&format!("{prefix}.add"), y, s);
    n.act(&format!("{prefix}.relu2"), y)
}

/// 1x1 reduce, 3x3 (with the stride: v1.5), 1x1 expand to `4 x width`, residual add.
fn bottleneck_block(n: &mut Cnn, prefix: &str, x: Tensor, width: u64, stride: u64) -> Tensor {
    let y = n.conv(&format!("{prefix}.conv1"), x, width, 1, 1, 0);
    let y = n.act(&format!("{prefix}.relu1"), y);
    let y = n.conv(&format!("{prefix}.conv2"), y, width, 3, stride, 1);
    let y = n.act(&format!("{prefix}.relu2"), y);
    let y = n.conv(&format!("{prefix}.conv3"), y, 4 * width, 1, 1, 0);
    let s = shortcut(n, prefix, x, 4 * width, stride);
    let y = n.add(&format!("{prefix}.add"), y, s);
    n.act(&format!("{prefix}.relu3"), y)
}
