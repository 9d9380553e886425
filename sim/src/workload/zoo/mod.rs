//! Built-in models with their published shapes (batch 1, NCHW).
//!
//! Convolutional networks have batchnorm folded into their convolutions
//! (inference), so it has no layer of its own; dropout is left out. The
//! vector unit runs activations (one operation per element; GELU eight),
//! residual adds, pooling (window size per output element), softmax (five
//! per element) and layernorm (eight per element).

mod alexnet;
mod bert;
mod cnn;
mod mlp;
mod mobilenet;
mod resnet;
mod rnn;
mod vgg;

#[cfg(test)]
mod tests;

pub use bert::{bert, BertShape, BERT_BASE, BERT_LARGE};

use super::{Model, Op, VectorKind};

/// Every built-in model: (name, one-line description with input size and
/// where the shapes come from).
pub const MODELS: &[(&str, &str)] = &[
    (
        "alexnet",
        "AlexNet, 3x224x224, torchvision variant (64/192/384/256/256 filters), ~0.71 GMAC",
    ),
    (
        "vgg16",
        "VGG-16, 3x224x224, Simonyan & Zisserman 2015 config D (torchvision vgg16), ~15.5 GMAC",
    ),
    (
        "resnet18",
        "ResNet-18, 3x224x224, He et al. 2016 as in torchvision, ~1.8 GMAC",
    ),
    (
        "resnet50",
        "ResNet-50, 3x224x224, torchvision v1.5 (stride on the 3x3 conv), ~4.1 GMAC",
    ),
    (
        "mobilenet_v2",
        "MobileNetV2 1.0, 3x224x224, Sandler et al. 2018 Table 2 (torchvision), ~300 MMAC",
    ),
    (
        "bert-base",
        "BERT-base encoder, 128 tokens, 12 layers x hidden 768, 12 heads, FFN 3072 (Devlin et al. 2019), ~11.2 GMAC",
    ),
    (
        "lstm-lm",
        "LSTM language model, 35 steps, 2 x LSTM 1024 (Zaremba et al. 2014 style), decoder to Penn Treebank's 10k vocabulary, ~0.95 GMAC",
    ),
    (
        "dense-10-1",
        "Dense(10, relu) -> Dense(1, sigmoid) on 8 input features (the first Keras example; input width taken as 8), 90 MAC",
    ),
    (
        "linear-10-1",
        "Linear(10 -> 1) on one 10-feature sample, 10 MAC",
    ),
];

/// The built-in model called exactly `name` (see [`crate::names`]), or `None`.
pub fn model(name: &str) -> Option<Model> {
    let m = match name {
        "alexnet" => alexnet::alexnet(),
        "vgg16" => vgg::vgg16(),
        "resnet18" => resnet::resnet18(),
        "resnet50" => resnet::resnet50(),
        "mobilenet_v2" => mobilenet::mobilenet_v2(),
        "bert-base" => bert::bert_base(),
        "lstm-lm" => rnn::lstm_lm(),
        "dense-10-1" => mlp::dense_10_1(),
        "linear-10-1" => mlp::linear_10_1(),
        _ => return None,
    };
    Some(m)
}

/// The built-in model called `name`, or an error naming the closest ones;
/// `or` says what else the caller accepts (e.g. a topology CSV path).
pub fn find(name: &str, or: &str) -> crate::error::Result<Model> {
    model(name).ok_or_else(|| crate::error::SimError::unknown("model", name, &names(), or))
}

/// The names of the built-in models, in [`MODELS`] order.
pub fn names() -> Vec<&'static str> {
    MODELS.iter().map(|(n, _)| *n).collect()
}

/// An elementwise vector layer: `elements` outputs at `ops_per_element`
/// operations each, reading `inputs` elements.
fn eltwise(elements: u64, ops_per_element: u64, inputs: u64) -> Op {
    Op::Vector {
        kind: VectorKind::Eltwise,
        elements,
        ops_per_element,
        inputs,
    }
}
