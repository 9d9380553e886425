//! Tests of the model zoo: MAC totals against published figures, layer
//! counts, name resolution and shape chaining along every edge.

use super::{find, model, MODELS};
use crate::workload::{Model, Op, VectorKind};
use petgraph::Direction;
use std::collections::HashSet;

fn get(name: &str) -> Model {
    model(name).unwrap_or_else(|| panic!("{name} is in the zoo"))
}

/// Layers of `m` whose report kind is `kind`.
fn count(m: &Model, kind: &str) -> usize {
    m.layers().filter(|l| l.op.kind() == kind).count()
}

/// Convolutions, depthwise included.
fn convs(m: &Model) -> usize {
    count(m, "conv") + count(m, "depthwise")
}

/// Array MACs of the layer called `name` at batch 1.
fn layer_macs(m: &Model, name: &str) -> u64 {
    let l = m.layers().find(|l| l.name == name).expect(name);
    match l.lower(1) {
        crate::workload::Lowered::Gemm(g) => g.macs(),
        crate::workload::Lowered::Vector(_) => 0,
    }
}

/// Asserts `macs` is within `tol` of a published figure `published`
/// (both in MACs; `tol` is half a unit of the figure's last printed digit).
fn assert_near(name: &str, macs: u64, published: f64, tol: f64) {
    let d = (macs as f64 - published).abs();
    assert!(
        d <= tol,
        "{name}: {macs} MACs vs published {published} (tolerance {tol})"
    );
}

#[test]
fn every_listed_model_resolves_under_its_name() {
    for (name, desc) in MODELS {
        let m = get(name);
        assert_eq!(m.name, *name);
        assert!(!m.is_empty(), "{name} has layers");
        assert!(
            !desc.is_empty() && !desc.contains('\n'),
            "{name}: one-line description"
        );
    }
    assert_eq!(super::names().len(), MODELS.len());
}

#[test]
fn names_match_exactly_and_near_misses_suggest_the_name() {
    for (alias, name) in [
        ("mobilenetv2", "mobilenet_v2"),
        ("MobileNet-V2", "mobilenet_v2"),
        ("bert_base", "bert-base"),
        ("BERT-BASE", "bert-base"),
        ("ResNet50", "resnet50"),
        ("resnet-18", "resnet18"),
        ("lstm_lm", "lstm-lm"),
        ("dense_10_1", "dense-10-1"),
        ("VGG16", "vgg16"),
        ("AlexNet", "alexnet"),
    ] {
        assert!(model(alias).is_none(), "{alias} is not a name");
        let e = find(alias, "").unwrap_err().to_string();
        assert!(
            e.contains(&format!("did you mean `{name}`")),
            "{alias}: {e}"
        );
    }
    assert!(model("resnet").is_none());
    assert!(model("").is_none());
    assert!(model("vgg19").is_none());
}

#[test]
fn layer_names_are_unique() {
    for (name, _) in MODELS {
        let m = get(name);
        let mut seen = HashSet::new();
        for l in m.layers() {
            assert!(
                seen.insert(l.name.clone()),
                "{name}: duplicate layer {}",
                l.name
            );
        }
    }
}

#[test]
fn alexnet_macs_and_layers() {
    // conv1 55*55*64*(3*11*11)   =  70,276,800
    // conv2 27*27*192*(64*5*5)   = 223,948,800
    // conv3 13*13*384*(192*3*3)  = 112,140,288
    // conv4 13*13*256*(384*3*3)  = 149,520,384
    // conv5 13*13*256*(256*3*3)  =  99,680,256
    // fc6 9216*4096 = 37,748,736; fc7 4096*4096 = 16,777,216; fc8 4096*1000 = 4,096,000
    // total = 655,566,528 + 58,621,952 = 714,188,480
    let m = get("alexnet");
    assert_eq!(m.macs().unwrap(), 714_188_480);
    assert_eq!(layer_macs(&m, "features.conv2"), 223_948_800);
    // torchvision AlexNet_Weights.IMAGENET1K_V1: 0.71 GFLOPS (MACs).
    assert_near("alexnet", m.macs().unwrap(), 0.71e9, 0.005e9);
    assert_eq!((convs(&m), count(&m, "linear")), (5, 3));
    assert_eq!((count(&m, "eltwise"), count(&m, "pool")), (7, 3));
}

#[test]
fn vgg16_macs_and_layers() {
    // Per conv, H*W*Cout*Cin*9, by stage (224, 112, 56, 28, 14):
    //   224: 224^2*64*3*9 + 224^2*64*64*9       =    86,704,128 + 1,849,688,064
    //   112: 112^2*128*64*9 + 112^2*128*128*9   =   924,844,032 + 1,849,688,064
    //    56: 56^2*256*128*9 + 2 * 56^2*256*256*9 =  924,844,032 + 2 * 1,849,688,064
    //    28: 28^2*512*256*9 + 2 * 28^2*512*512*9 =  924,844,032 + 2 * 1,849,688,064
    //    14: 3 * 14^2*512*512*9                  = 3 * 462,422,016
    //   convs = 15,346,630,656
    // fc: 25088*4096 + 4096*4096 + 4096*1000 = 123,633,664
    // total = 15,470,264,320
    let m = get("vgg16");
    assert_eq!(m.macs().unwrap(), 15_470_264_320);
    // torchvision VGG16_Weights.IMAGENET1K_V1: 15.47 GFLOPS (MACs).
    assert_near("vgg16", m.macs().unwrap(), 15.47e9, 0.005e9);
    assert_eq!((convs(&m), count(&m, "linear")), (13, 3));
    assert_eq!((count(&m, "eltwise"), count(&m, "pool")), (15, 5));
}

#[test]
fn resnet18_macs_and_layers() {
    // conv1 112^2*64*3*49                                  =   118,013,952
    // layer1: 4 * 56^2*64*64*9                             =   462,422,016
    // layer2: 28^2*128*64*9 + 3 * 28^2*128*128*9 + 28^2*128*64 (downsample)
    //       = 57,802,752 + 346,816,512 + 6,422,528         =   411,041,792
    // layer3, layer4: the same (channels double, area quarters)
    //                                                      = 2 * 411,041,792
    // fc 512*1000                                          =       512,000
    // total = 1,814,073,344
    let m = get("resnet18");
    assert_eq!(m.macs().unwrap(), 1_814_073_344);
    // torchvision ResNet18_Weights.IMAGENET1K_V1: 1.81 GFLOPS (MACs).
    assert_near("resnet18", m.macs().unwrap(), 1.81e9, 0.005e9);
    assert_eq!((convs(&m), count(&m, "linear")), (20, 1));
    // 8 residual adds; ReLU after conv1 and twice per block; max pool and global pool.
    let adds = m.layers().filter(|l| l.name.ends_with(".add")).count();
    assert_eq!(
        (adds, count(&m, "eltwise") - adds, count(&m, "pool")),
        (8, 17, 2)
    );
}

#[test]
fn resnet50_macs_and_layers() {
    // conv1 112^2*64*3*49                                  =   118,013,952
    // layer1.0: 56^2*(64*64 + 64*64*9 + 256*64 + 256*64 (downsample))
    //         = 12,845,056 + 115,605,504 + 51,380,224 + 51,380,224 = 231,211,008
    // every other block, at any stage (C = width, area A: A*C*4C*2 + A*C*C*9 = 56^2*64*64*17):
    //         = 51,380,224 + 115,605,504 + 51,380,224      =   218,365,952
    //   12 such blocks (2 + 3 + 5 + 2)                     = 2,620,391,424
    // layer{2,3,4}.0 (v1.5: conv1 at the input size, stride on conv2):
    //   e.g. layer2.0 = 56^2*128*256 + 28^2*128*128*9 + 28^2*512*128 + 28^2*512*256
    //         = 102,760,448 + 115,605,504 + 51,380,224 + 102,760,448 = 372,506,624
    //   3 such blocks                                      = 1,117,519,872
    // fc 2048*1000                                         =     2,048,000
    // total = 118,013,952 + 231,211,008 + 2,620,391,424 + 1,117,519,872 + 2,048,000
    //       = 4,089,184,256
    let m = get("resnet50");
    assert_eq!(m.macs().unwrap(), 4_089_184_256);
    // torchvision ResNet50_Weights.IMAGENET1K_V1: 4.09 GFLOPS (MACs).
    assert_near("resnet50", m.macs().unwrap(), 4.09e9, 0.005e9);
    assert_eq!((convs(&m), count(&m, "linear")), (53, 1));
    let adds = m.layers().filter(|l| l.name.ends_with(".add")).count();
    assert_eq!(
        (adds, count(&m, "eltwise") - adds, count(&m, "pool")),
        (16, 49, 2)
    );
}

#[test]
fn resnet50_is_v1_5() {
    let m = get("resnet50");
    let op = |name: &str| m.layers().find(|l| l.name == name).unwrap().op.clone();
    // The stride sits on the 3x3 conv and the projection, not on conv1.
    let Op::Conv2d { stride, in_h, .. } = op("layer2.0.conv1") else {
        panic!()
    };
    assert_eq!((stride, in_h), ((1, 1), 56));
    let Op::Conv2d { stride, kh, .. } = op("layer2.0.conv2") else {
        panic!()
    };
    assert_eq!((stride, kh), ((2, 2), 3));
    assert_eq!(op("layer2.0.conv2").conv_out_hw(), Some((28, 28)));
    let Op::Conv2d {
        stride,
        kh,
        in_c,
        out_c,
        ..
    } = op("layer2.0.downsample")
    else {
        panic!()
    };
    assert_eq!((stride, kh, in_c, out_c), ((2, 2), 1, 256, 512));
    assert_eq!(layer_macs(&m, "layer2.0.conv1"), 102_760_448);
    // The global average pool reads 2048x7x7 and writes 2048.
    let Op::Vector {
        kind,
        elements,
        ops_per_element,
        inputs,
    } = op("avgpool")
    else {
        panic!()
    };
    assert_eq!(
        (kind, elements, ops_per_element, inputs),
        (VectorKind::Pool, 2048, 49, 2048 * 49)
    );
}

#[test]
fn mobilenet_v2_macs_and_layers() {
    // stem 112^2*32*3*9                                          =  10,838,016
    // t=1, c=16: dw 112^2*32*9 + project 112^2*16*32             =  10,035,200
    // t=6, c=24, n=2, s=2: 112^2*96*16 + 56^2*96*9 + 56^2*24*96
    //                    + 56^2*(144*24 + 144*9 + 24*144)        =  54,942,720
    // t=6, c=32, n=3, s=2                                        =  37,443,840
    // t=6, c=64, n=4, s=2                                        =  38,497,536
    // t=6, c=96, n=3, s=1                                        =  58,103,808
    // t=6, c=160, n=3, s=2                                       =  46,560,192
    // t=6, c=320, n=1, s=1: 7^2*(960*160 + 960*9 + 320*960)      =  23,002,560
    // head 7^2*1280*320 + fc 1280*1000 = 20,070,400 + 1,280,000  =  21,350,400
    // total = 300,774,272
    let m = get("mobilenet_v2");
    assert_eq!(m.macs().unwrap(), 300_774_272);
    assert_eq!(layer_macs(&m, "features.2.expand"), 112 * 112 * 96 * 16);
    // Sandler et al. 2018 Table 4: 300M multiply-adds; torchvision
    // MobileNet_V2_Weights.IMAGENET1K_V1: 0.30 GFLOPS (MACs).
    assert_near("mobilenet_v2", m.macs().unwrap(), 300e6, 1e6);
    assert_eq!(
        (convs(&m), count(&m, "depthwise"), count(&m, "linear")),
        (52, 17, 1)
    );
    for l in m.layers() {
        if let Op::Conv2d {
            groups,
            in_c,
            out_c,
            ..
        } = l.op
        {
            if l.op.kind() == "depthwise" {
                assert_eq!((groups, out_c), (in_c, in_c), "{}", l.name);
            } else {
                assert_eq!(groups, 1, "{}", l.name);
            }
        }
    }
    let adds = m.layers().filter(|l| l.name.ends_with(".add")).count();
    assert_eq!(
        (adds, count(&m, "eltwise") - adds, count(&m, "pool")),
        (10, 35, 1)
    );
}

#[test]
fn bert_base_macs_and_layers() {
    // Per layer, T = 128 tokens, H = 768, F = 3072, 12 heads of 64:
    //   Q, K, V, output projections 4 * T*H*H  = 301,989,888
    //   scores  12 * 128*64*128               =  12,582,912
    //   context 12 * 128*128*64               =  12,582,912
    //   FFN 2 * T*H*F                         = 603,979,776
    //   per layer                             = 931,135,488
    // 12 layers = 11,173,625,856
    let m = get("bert-base");
    assert_eq!(m.macs().unwrap(), 11_173_625_856);
    // Analytic estimate 12 * (4TH^2 + 2T^2H + 2THF) at T = 128: ~11.2 GMAC
    // (Devlin et al. 2019 give the shapes, not a MAC count).
    assert_near("bert-base", m.macs().unwrap(), 11.2e9, 0.05e9);
    assert_eq!((count(&m, "linear"), count(&m, "matmul")), (72, 24));
    assert_eq!((count(&m, "softmax"), count(&m, "layernorm")), (12, 25));
    // Embedding sum, then per layer two residual adds and a GELU.
    assert_eq!(count(&m, "eltwise"), 1 + 12 * 3);
    let op = |name: &str| m.layers().find(|l| l.name == name).unwrap().op.clone();
    assert_eq!(
        op("layer0.attn.scores"),
        Op::MatMul {
            count: 12,
            m: 128,
            k: 64,
            n: 128
        }
    );
    assert_eq!(
        op("layer0.attn.context"),
        Op::MatMul {
            count: 12,
            m: 128,
            k: 128,
            n: 64
        }
    );
    assert_eq!(
        op("layer11.attn.q"),
        Op::Linear {
            tokens: 128,
            in_features: 768,
            out_features: 768
        }
    );
    let Op::Vector {
        elements,
        ops_per_element,
        ..
    } = op("layer3.attn.softmax")
    else {
        panic!()
    };
    assert_eq!((elements, ops_per_element), (12 * 128 * 128, 5));
    let Op::Vector {
        ops_per_element, ..
    } = op("layer3.ffn.gelu")
    else {
        panic!()
    };
    assert_eq!(ops_per_element, 8);
    // Q and K join at the scores, softmax and V at the context, the
    // residual and the sublayer output at each add.
    let preds = |name: &str| {
        let g = m.graph();
        let i = g.node_indices().find(|&i| g[i].name == name).unwrap();
        let mut p: Vec<String> = g
            .neighbors_directed(i, Direction::Incoming)
            .map(|j| g[j].name.clone())
            .collect();
        p.sort();
        p
    };
    assert_eq!(
        preds("layer1.attn.scores"),
        ["layer1.attn.k", "layer1.attn.q"]
    );
    assert_eq!(
        preds("layer1.attn.context"),
        ["layer1.attn.softmax", "layer1.attn.v"]
    );
    assert_eq!(
        preds("layer1.attn.add"),
        ["layer0.ffn.layernorm", "layer1.attn.out"]
    );
    assert_eq!(
        preds("layer1.ffn.add"),
        ["layer1.attn.layernorm", "layer1.ffn.fc2"]
    );
}

#[test]
fn lstm_lm_macs_and_layers() {
    // Per LSTM layer and step: [x, h] (1024 + 1024) x 4 gates * 1024 = 8,388,608;
    //   35 steps * 2 layers                                          = 587,202,560
    // decoder 35 tokens * 1024 * 10,000 (Penn Treebank vocabulary)   = 358,400,000
    // total = 945,602,560
    let m = get("lstm-lm");
    assert_eq!(m.macs().unwrap(), 945_602_560);
    assert_eq!(layer_macs(&m, "decoder"), 358_400_000);
    assert_eq!(
        (count(&m, "lstm"), count(&m, "linear"), count(&m, "softmax")),
        (2, 1, 1)
    );
}

#[test]
fn tiny_mlps() {
    // dense-10-1: 8*10 + 10*1 = 90; linear-10-1: 10*1 = 10.
    let m = get("dense-10-1");
    assert_eq!(m.macs().unwrap(), 90);
    assert_eq!((count(&m, "linear"), count(&m, "eltwise")), (2, 2));
    let first = m.layers().next().unwrap();
    assert_eq!(
        first.op,
        Op::Linear {
            tokens: 1,
            in_features: 8,
            out_features: 10
        }
    );
    let m = get("linear-10-1");
    assert_eq!(m.macs().unwrap(), 10);
    assert_eq!(m.len(), 1);
}

/// Output elements of a layer at batch 1.
fn out_elements(op: &Op) -> u64 {
    match *op {
        Op::Conv2d { out_c, .. } => {
            let (h, w) = op.conv_out_hw().unwrap();
            out_c * h * w
        }
        Op::Linear {
            tokens,
            out_features,
            ..
        } => tokens * out_features,
        Op::MatMul { count, m, n, .. } => count * m * n,
        Op::Gemm { m, n, .. } => m * n,
        Op::Recurrent {
            hidden_size, steps, ..
        } => hidden_size * steps,
        Op::Vector { elements, .. } => elements,
    }
}

/// Input elements a layer reads from its producers at batch 1.
fn in_elements(op: &Op) -> u64 {
    match *op {
        Op::Conv2d {
            in_c, in_h, in_w, ..
        } => in_c * in_h * in_w,
        Op::Linear {
            tokens,
            in_features,
            ..
        } => tokens * in_features,
        Op::MatMul { count, m, k, n } => count * (m * k + k * n),
        Op::Gemm { m, k, .. } => m * k,
        Op::Recurrent {
            input_size, steps, ..
        } => input_size * steps,
        Op::Vector { inputs, .. } => inputs,
    }
}

#[test]
fn every_conv_has_a_valid_output_shape() {
    for (name, _) in MODELS {
        for l in get(name).layers() {
            if matches!(l.op, Op::Conv2d { .. }) {
                let hw = l.op.conv_out_hw();
                assert!(
                    matches!(hw, Some((h, w)) if h > 0 && w > 0),
                    "{name}/{}",
                    l.name
                );
            }
        }
    }
}

#[test]
fn every_edge_carries_what_the_consumer_reads() {
    for (name, _) in MODELS {
        let m = get(name);
        let g = m.graph();
        for i in g.node_indices() {
            let preds: Vec<_> = g.neighbors_directed(i, Direction::Incoming).collect();
            if preds.is_empty() {
                continue;
            }
            let produced: u64 = preds.iter().map(|&j| out_elements(&g[j].op)).sum();
            assert_eq!(produced, in_elements(&g[i].op), "{name}/{}", g[i].name);
        }
        // Only the first layer reads the network input.
        let sources = g
            .node_indices()
            .filter(|&i| {
                g.neighbors_directed(i, Direction::Incoming)
                    .next()
                    .is_none()
            })
            .count();
        assert_eq!(sources, 1, "{name}: one input layer");
    }
}

/// `(channels, height, width)` of a CNN layer's output, following elementwise
/// layers and pooling (square maps) back to the last convolution.
fn cnn_shapes(m: &Model) -> Vec<Option<(u64, u64, u64)>> {
    let g = m.graph();
    let mut shape: Vec<Option<(u64, u64, u64)>> = vec![None; g.node_count()];
    for i in g.node_indices() {
        let first = g
            .neighbors_directed(i, Direction::Incoming)
            .map(|j| shape[j.index()])
            .last();
        shape[i.index()] = match g[i].op {
            Op::Conv2d { out_c, .. } => {
                let (h, w) = g[i].op.conv_out_hw().unwrap();
                Some((out_c, h, w))
            }
            Op::Vector {
                kind: VectorKind::Eltwise,
                ..
            } => first.flatten(),
            Op::Vector {
                kind: VectorKind::Pool,
                elements,
                ..
            } => first.flatten().map(|(c, _, _)| {
                let hw = (1..=elements / c).find(|s| s * s * c >= elements).unwrap();
                assert_eq!(hw * hw * c, elements, "{}: square pooled map", g[i].name);
                (c, hw, hw)
            }),
            _ => None,
        };
    }
    shape
}

#[test]
fn conv_shapes_chain() {
    for name in ["alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2"] {
        let m = get(name);
        let g = m.graph();
        let shape = cnn_shapes(&m);
        let mut checked = 0;
        for i in g.node_indices() {
            let Op::Conv2d {
                in_c, in_h, in_w, ..
            } = g[i].op
            else {
                continue;
            };
            let preds: Vec<_> = g.neighbors_directed(i, Direction::Incoming).collect();
            if preds.is_empty() {
                assert_eq!((in_c, in_h, in_w), (3, 224, 224), "{name}/{}", g[i].name);
            }
            for j in preds {
                let s = shape[j.index()].expect("a conv's producer has a CNN shape");
                assert_eq!(
                    s,
                    (in_c, in_h, in_w),
                    "{name}: {} -> {}",
                    g[j].name,
                    g[i].name
                );
                checked += 1;
            }
        }
        assert_eq!(
            checked + 1,
            convs(&m),
            "{name}: every conv but the first checked"
        );
        // Residual adds join two maps of one shape.
        for i in g.node_indices() {
            if g[i].name.ends_with(".add") {
                let s: Vec<_> = g
                    .neighbors_directed(i, Direction::Incoming)
                    .map(|j| shape[j.index()])
                    .collect();
                assert_eq!(s.len(), 2, "{name}/{}", g[i].name);
                assert!(s[0].is_some() && s[0] == s[1], "{name}/{}", g[i].name);
            }
        }
        // The classifier reads the flattened last feature map.
        let last_fc = m
            .layers()
            .filter(|l| l.op.kind() == "linear")
            .last()
            .unwrap();
        assert!(
            matches!(
                last_fc.op,
                Op::Linear {
                    out_features: 1000,
                    tokens: 1,
                    ..
                }
            ),
            "{name}"
        );
    }
}
