//! The training step: backward GEMM shapes by hand, step MACs equal to
//! three forwards less the skipped dX on every built-in model, the issue's
//! resnet18 figure, torch exports with embeddings (exactly three forwards),
//! memory and its limits.

use proptest::prelude::*;
use sim::design::preset;
use sim::train::{self, backward, Optimizer, Pass, Recompute, TrainOptions};
use sim::workload::{zoo, GemmOp, Layer, Lowered, ModelBuilder, Op, RnnCell, VectorKind};
use sim::{FastEngine, TimingMode};

const ENGINE: FastEngine = FastEngine {
    mode: TimingMode::Rtl,
};

fn opts(batch: u64) -> TrainOptions {
    TrainOptions {
        batch,
        optimizer: Optimizer::Adam,
        master_fp32: true,
        recompute: Recompute::None,
    }
}

fn layer(op: Op) -> Layer {
    let mut b = ModelBuilder::new("m");
    let id = b.add("l", op, &[]);
    b.layer(id).clone()
}

fn gemms(work: &[(Pass, Lowered)]) -> Vec<(Pass, (u64, u64, u64, u64))> {
    work.iter()
        .filter_map(|(p, l)| match l {
            Lowered::Gemm(g) => Some((*p, (g.m, g.k, g.n, g.count))),
            Lowered::Vector(_) => None,
        })
        .collect()
}

#[test]
fn backward_gemms_have_the_shapes_of_their_operand_roles() {
    // Linear 512 -> 1000 over 7 tokens at batch 4: forward 28 x 512 x 1000.
    let l = layer(Op::Linear {
        tokens: 7,
        in_features: 512,
        out_features: 1000,
    });
    let (w, skipped) = backward(&l, 4, true);
    assert_eq!(skipped, 0);
    assert_eq!(
        gemms(&w),
        [
            (Pass::Dx, (28, 1000, 512, 1)),
            (Pass::Dw, (512, 28, 1000, 1))
        ]
    );
    let (w, skipped) = backward(&l, 4, false);
    assert_eq!(gemms(&w), [(Pass::Dw, (512, 28, 1000, 1))]);
    assert_eq!(skipped, 28 * 512 * 1000);
    // Conv 64 -> 128, 3x3 stride 2 pad 1 on 56x56, 2 groups, batch 2:
    // out 28x28, M = 2*784, K = 32*9, N = 64 per group.
    let c = layer(Op::Conv2d {
        in_c: 64,
        in_h: 56,
        in_w: 56,
        out_c: 128,
        kh: 3,
        kw: 3,
        stride: (2, 2),
        pad: (1, 1),
        pad_end: (1, 1),
        dilation: (1, 1),
        groups: 2,
    });
    let (w, _) = backward(&c, 2, true);
    assert_eq!(
        gemms(&w),
        [
            (Pass::Dx, (1568, 64, 288, 2)),
            (Pass::Dw, (288, 1568, 64, 2))
        ]
    );
    // col2im adds every column element into dX.
    let col2im = w.iter().find_map(|(p, l)| match (p, l) {
        (Pass::Vector, Lowered::Vector(v)) => Some(*v),
        _ => None,
    });
    assert_eq!(
        col2im.map(|v| (v.ops, v.outputs)),
        Some((1568 * 288 * 2, 2 * 64 * 56 * 56))
    );
    // Attention: both operands take gradients.
    let a = layer(Op::MatMul {
        count: 12,
        m: 128,
        k: 64,
        n: 128,
    });
    let (w, _) = backward(&a, 1, true);
    assert_eq!(
        gemms(&w),
        [
            (Pass::Dx, (128, 128, 64, 12)),
            (Pass::Dx, (64, 128, 128, 12))
        ]
    );
    // LSTM 100 -> 256 over 35 steps, batch 8: BPTT per step, dW over all
    // steps at once; without an input gradient only the hidden part.
    let r = layer(Op::Recurrent {
        cell: RnnCell::Lstm,
        input_size: 100,
        hidden_size: 256,
        steps: 35,
    });
    // The first step's gradient goes to the input only (h0 is constant).
    let (w, s) = backward(&r, 8, true);
    assert_eq!(
        gemms(&w),
        [
            (Pass::Dx, (8, 1024, 356, 34)),
            (Pass::Dx, (8, 1024, 100, 1)),
            (Pass::Dw, (356, 280, 1024, 1))
        ]
    );
    assert_eq!(s, 8 * 1024 * 256);
    let (w, s) = backward(&r, 8, false);
    assert_eq!(gemms(&w)[0], (Pass::Dx, (8, 1024, 256, 34)));
    assert_eq!(s, 8 * 1024 * 100 * 35 + 8 * 1024 * 256);
    // A ReLU fed only by the input: nothing to do; a layer norm still
    // computes its own parameters' gradients.
    let relu = layer(Op::Vector {
        kind: VectorKind::Eltwise,
        elements: 10,
        ops_per_element: 1,
        inputs: 10,
    });
    assert!(backward(&relu, 1, false).0.is_empty());
    let ln = layer(Op::Vector {
        kind: VectorKind::Layernorm,
        elements: 10,
        ops_per_element: 8,
        inputs: 10,
    });
    assert_eq!(backward(&ln, 1, false).0.len(), 1);
}

fn macs(g: &GemmOp) -> u64 {
    g.m * g.k * g.n * g.count
}

/// Step MACs = 3 x forward - the skipped dX, on every built-in model, and
/// every array row of the step is simulated with the shape it lowers to.
#[test]
fn step_macs_are_three_forwards_less_the_skipped_input_gradients() {
    let d = preset("tpu-v3-mxu-like").unwrap();
    for name in zoo::names() {
        let model = zoo::model(name).unwrap();
        for batch in [1, 3] {
            let s = train::step(&d, &model, &ENGINE, &opts(batch)).unwrap();
            let forward: u64 = model
                .layers()
                .map(|l| match l.lower(batch) {
                    Lowered::Gemm(g) => macs(&g),
                    Lowered::Vector(_) => 0,
                })
                .sum();
            let skipped: u64 = s.skipped_dx.iter().map(|(_, m)| m).sum();
            assert_eq!(s.forward.macs, forward, "{name}");
            assert_eq!(s.total.macs, 3 * forward - skipped, "{name} batch {batch}");
            assert_eq!(s.update.macs, 0);
            assert!(s.total.cycles == s.forward.cycles + s.backward.cycles + s.update.cycles);
            // dW rows follow their layers' parameters.
            assert_eq!(
                s.gradients_ready.len(),
                model.layers().filter(|l| l.op.params() > 0).count(),
                "{name}"
            );
            assert!(s.gradients_ready.windows(2).all(|w| w[0].0 <= w[1].0));
        }
    }
}

#[test]
fn resnet18_at_batch_2_is_the_issues_figure() {
    // 3 x 3,628,146,688 - conv1's dX (236,027,904): torch's autograd count.
    let d = preset("tpu-v3-mxu-like").unwrap();
    let s = train::step(&d, &zoo::model("resnet18").unwrap(), &ENGINE, &opts(2)).unwrap();
    assert_eq!(s.total.macs, 10_648_412_160);
    assert_eq!(s.skipped_dx, [("conv1".to_string(), 236_027_904)]);
}

/// Exported models whose first GEMM follows an embedding lookup (a Gather
/// of a trainable table) need every dX: exactly 3 x forward.
#[test]
fn models_that_start_with_an_embedding_take_every_input_gradient() {
    let d = preset("tpu-v3-mxu-like").unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx/torch");
    for name in ["gpt-mini.onnx", "bert-base.onnx"] {
        let (m, _) = sim::models::resolve(name, &dir, &Default::default()).unwrap();
        let s = train::step(&d, &m, &ENGINE, &opts(1)).unwrap();
        assert!(s.skipped_dx.is_empty(), "{name}: {:?}", s.skipped_dx);
        assert_eq!(s.total.macs, 3 * s.forward.macs, "{name}");
    }
    // A CNN export: the stem convolution reads the image, no dX.
    let (m, _) = sim::models::resolve("resnet18.onnx", &dir, &Default::default()).unwrap();
    let s = train::step(&d, &m, &ENGINE, &opts(1)).unwrap();
    assert_eq!(s.skipped_dx.len(), 1);
    assert_eq!(s.total.macs, 3 * 1_814_073_344 - 118_013_952);
}

#[test]
fn adam_in_mixed_precision_holds_sixteen_bytes_per_parameter() {
    // ZeRO (Rajbhandari et al. 2020): 2 + 2 + 12 bytes per parameter.
    let d = preset("tpu-v3-mxu-like").unwrap(); // bf16 operands
    let m = zoo::model("bert-base").unwrap();
    let s = train::step(&d, &m, &ENGINE, &opts(4)).unwrap();
    let p = s.memory.params;
    assert_eq!(
        s.memory.weights + s.memory.gradients + s.memory.optimizer,
        16 * p
    );
    for (opt, bytes) in [(Optimizer::Sgd, 8), (Optimizer::Momentum, 12)] {
        let s = train::step(
            &d,
            &m,
            &ENGINE,
            &TrainOptions {
                optimizer: opt,
                ..opts(4)
            },
        )
        .unwrap();
        assert_eq!(s.memory.fixed, bytes * p, "{opt:?}");
    }
    // Recomputation keeps less and costs more.
    let none = train::step(&d, &m, &ENGINE, &opts(4)).unwrap();
    for r in [Recompute::All, Recompute::Selective] {
        let s = train::step(
            &d,
            &m,
            &ENGINE,
            &TrainOptions {
                recompute: r,
                ..opts(4)
            },
        )
        .unwrap();
        assert!(s.memory.activations < none.memory.activations, "{r:?}");
        assert!(s.backward.cycles > none.backward.cycles, "{r:?}");
    }
}

#[test]
fn the_largest_batch_that_fits_fits_and_one_more_does_not() {
    let d = preset("tpu-v1-like").unwrap(); // 8 GiB
    let cap = d.dram_capacity_bytes.unwrap();
    let m = zoo::model("resnet50").unwrap();
    let one = train::step(&d, &m, &ENGINE, &opts(1)).unwrap();
    let b = one.memory.largest_batch(cap);
    assert!(b > 1 && b < 10_000, "{b}");
    let at = |batch| {
        train::step(&d, &m, &ENGINE, &opts(batch))
            .unwrap()
            .memory
            .peak
    };
    assert!(at(b) <= cap);
    assert!(at(b + 1) > cap);
}

#[test]
fn a_zero_batch_is_refused() {
    let d = preset("edge-8x8").unwrap();
    let e = train::step(&d, &zoo::model("dense-10-1").unwrap(), &ENGINE, &opts(0)).unwrap_err();
    assert!(
        e.to_string().contains("batch size must be at least 1"),
        "{e}"
    );
}

proptest! {
    /// For any linear layer, dX and dW have the forward's MACs each.
    #[test]
    fn each_gradient_of_a_linear_layer_costs_one_forward(t in 1u64..50, i in 1u64..300, o in 1u64..300, b in 1u64..9) {
        let l = layer(Op::Linear { tokens: t, in_features: i, out_features: o });
        let (w, _) = backward(&l, b, true);
        for (_, g) in w {
            if let Lowered::Gemm(g) = g {
                prop_assert_eq!(macs(&g), b * t * i * o);
            }
        }
    }
}

/// `train --check`: the backward GEMMs of a convolution, a linear layer, an
/// attention product and a recurrent layer, value-exact on the pe engine of
/// int8 designs of every dataflow, equal to the reference and to the
/// gradients computed from X, W and dY directly, in the fast engine's cycles.
#[test]
fn backward_gemms_run_value_exactly_on_the_pe_engine() {
    let cases = [
        ("mobilenet_v2", "features.1.dw"),
        ("mobilenet_v2", "features.1.project"),
        ("bert-base", "layer0.attn.q"),
        ("bert-base", "layer0.attn.scores"),
        ("dense-10-1", "dense1"),
    ];
    for design in ["edge-8x8", "edge-16x16-os", "fpga-2x2"] {
        let d = preset(design).unwrap();
        for (model, name) in cases {
            let m = zoo::model(model).unwrap();
            let Some(l) = m.layers().find(|l| l.name == name) else {
                panic!(
                    "{model} has no layer {name}: {:?}",
                    m.layers().map(|l| &l.name).collect::<Vec<_>>()
                );
            };
            let rows = train::check::check(&d, l, 1, 7, &ENGINE).unwrap();
            assert_eq!(rows.len(), 2);
            for r in rows {
                assert!(r.equal_reference, "{design} {model} {name} {}", r.what);
                assert_eq!(
                    r.equal_direct,
                    Some(true),
                    "{design} {model} {name} {}",
                    r.what
                );
                assert_eq!(
                    r.pe_cycles, r.fast_cycles,
                    "{design} {model} {name} {}",
                    r.what
                );
            }
        }
    }
    // A float design is refused with a hint.
    let d = preset("tpu-v3-mxu-like").unwrap();
    let m = zoo::model("dense-10-1").unwrap();
    let l = m.layers().next().unwrap();
    let e = train::check::check(&d, l, 1, 1, &ENGINE).unwrap_err();
    assert!(e.to_string().contains("pe engine, which is integer"), "{e}");
}

/// Against torch's autograd (`scripts/make_train_fixtures.py`: every
/// backward GEMM torch ran, recorded by a dispatch mode; FlopCounterMode's
/// grouped-conv dW overcount corrected, attention's recomputed Q·Kᵀ counted
/// apart): forward, dX and dW MACs equal torch's for every model, built-in
/// or exported.
#[test]
fn dx_and_dw_macs_equal_torch_autograd() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/train");
    let d = preset("tpu-v3-mxu-like").unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let rec = &v["recorded_backward_macs"];
        let want = (
            v["forward_macs"].as_u64().unwrap(),
            rec["dX"].as_u64().unwrap(),
            rec["dW"].as_u64().unwrap(),
        );
        let mut models = Vec::new();
        if let Some(z) = v["zoo"].as_str() {
            models.push((zoo::model(z).unwrap(), v["batch"].as_u64().unwrap()));
        }
        if let Some(o) = v["onnx"].as_str() {
            // The export's batch is in its shapes.
            models.push((
                sim::models::resolve(o, &dir, &Default::default())
                    .unwrap()
                    .0,
                1,
            ));
        }
        assert!(!models.is_empty(), "{}", path.display());
        for (m, batch) in models {
            let s = train::step(&d, &m, &ENGINE, &opts(batch)).unwrap();
            let sum = |p: Pass| -> u64 {
                s.rows
                    .iter()
                    .filter(|r| r.pass == p)
                    .map(|r| r.report.macs)
                    .sum()
            };
            assert_eq!(
                (s.forward.macs, sum(Pass::Dx), sum(Pass::Dw)),
                want,
                "{} ({})",
                path.display(),
                m.name
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked, 12,
        "ten fixtures, two of them both built in and exported"
    );
}
