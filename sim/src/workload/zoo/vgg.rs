//! VGG-16 (Simonyan & Zisserman 2015, configuration D), 224x224 input.

use super::cnn::Cnn;
use crate::workload::Model;

/// Output channels of each 3x3 conv per stage (configuration D); a 2x2/2 max
/// pool ends each stage.
const STAGES: [&[u64]; 5] = [
    &[64, 64],
    &[128, 128],
    &[256, 256, 256],
    &[512, 512, 512],
    &[512, 512, 512],
];

/// VGG-16 without batchnorm (torchvision `vgg16`), batch 1, 3x224x224:
/// 13 conv + 3 fc, about 15.5 GMAC.
pub fn vgg16() -> Model {
    let mut n = Cnn::new("vgg16");
    let mut x = Cnn::input(3, 224, 224);
    for (s, convs) in STAGES.iter().enumerate() {
        for (i, &c) in convs.iter().enumerate() {
            x = n.conv(&format!("conv{}_{}", s + 1, i + 1), x, c, 3, 1, 1);
            x = n.act(&format!("relu{}_{}", s + 1, i + 1), x);
        }
        x = n.pool(&format!("pool{}", s + 1), x, 2, 2, 0);
    }
    let x = n.linear("fc6", x, 4096);
    let x = n.act("relu6", x);
    let x = n.linear("fc7", x, 4096);
    let x = n.act("relu7", x);
    n.linear("fc8", x, 1000);
    n.build()
}
