//! AlexNet as in torchvision (`torchvision.models.alexnet`, 224x224 input).
//!
//! torchvision's variant of the one-tower AlexNet (Krizhevsky 2014, "One weird
//! trick"): 64/192/384/256/256 filters, no local response norm. Its
//! `AdaptiveAvgPool2d((6, 6))` is the identity on the 6x6 map a 224x224 input
//! gives, so it is left out; dropout is a no-op at inference.

use super::cnn::Cnn;
use crate::workload::Model;

/// AlexNet (torchvision), batch 1, 3x224x224: 5 conv + 3 fc, about 0.71 GMAC.
pub fn alexnet() -> Model {
    let mut n = Cnn::new("alexnet");
    let x = Cnn::input(3, 224, 224);
    let x = n.conv("features.conv1", x, 64, 11, 4, 2);
    let x = n.act("features.relu1", x);
    let x = n.pool("features.pool1", x, 3, 2, 0);
    let x = n.conv("features.conv2", x, 192, 5, 1, 2);
    let x = n.act("features.relu2", x);
    let x = n.pool("features.pool2", x, 3, 2, 0);
    let x = n.conv("features.conv3", x, 384, 3, 1, 1);
    let x = n.act("features.relu3", x);
    let x = n.conv("features.conv4", x, 256, 3, 1, 1);
    let x = n.act("features.relu4", x);
    let x = n.conv("features.conv5", x, 256, 3, 1, 1);
    let x = n.act("features.relu5", x);
    let x = n.pool("features.pool5", x, 3, 2, 0);
    let x = n.linear("classifier.fc6", x, 4096);
    let x = n.act("classifier.relu6", x);
    let x = n.linear("classifier.fc7", x, 4096);
    let x = n.act("classifier.relu7", x);
    n.linear("classifier.fc8", x, 1000);
    n.build()
}
