//! Convolutions run value-exactly on the array equal ONNX ConvInteger (the
//! reference in `sim::quant`), and take the cycles the simulator reports for
//! the same layer.

mod common;

use common::Params;
use sim::engine::{FastEngine, TimingMode};
use sim::quant::conv;
use sim::quant::{conv_integer, ConvAttrs, Nchw};
use sim::simulate::run_layer;
use sim::workload::{Layer, Op};

fn tensor(shape: [usize; 4], seed: u64) -> Nchw<i8> {
    let len = shape.iter().product();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let data = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 256) as i64 as i8
        })
        .collect();
    Nchw::new(shape, data).unwrap()
}

/// A convolution case: x shape, w shape, stride, pad, dilation, groups.
type ConvCase = ([usize; 4], [usize; 4], usize, usize, usize, usize);

#[test]
fn conv_on_the_array_equals_conv_integer_and_the_simulated_cycles() {
    let cases: &[ConvCase] = &[
        ([1, 3, 9, 9], [8, 3, 3, 3], 1, 1, 1, 1),
        ([2, 4, 11, 7], [6, 4, 3, 2], 2, 1, 1, 1),
        ([1, 6, 10, 10], [6, 1, 3, 3], 2, 1, 1, 6),
        ([1, 4, 12, 12], [8, 2, 3, 3], 1, 2, 2, 2),
        ([1, 16, 5, 5], [20, 16, 1, 1], 1, 0, 1, 1),
    ];
    for df in ["ws", "os", "is"] {
        let d = Params {
            rows: 4,
            cols: 5,
            dataflow: df,
            ofmap_kib: 0.5,
            ..Params::default()
        }
        .design();
        for &(xs, ws, s, p, dil, g) in cases {
            let x = tensor(xs, 3);
            let w = tensor(ws, 4);
            let attrs = ConvAttrs {
                strides: [s, s],
                pads: [p, p, p, p],
                dilations: [dil, dil],
                group: g,
            };
            let got = conv::conv2d(&d, &x, &w, &attrs).unwrap();
            let want = conv_integer(&x, 0, &w, &[0], &attrs).unwrap();
            assert_eq!(got.y.shape, want.shape, "{df} {xs:?} {ws:?}");
            assert_eq!(
                got.y.data,
                want.data.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
                "{df} {xs:?} {ws:?}"
            );
            let layer = Layer {
                name: "c".into(),
                op: Op::Conv2d {
                    in_c: xs[1] as u64,
                    in_h: xs[2] as u64,
                    in_w: xs[3] as u64,
                    out_c: ws[0] as u64,
                    kh: ws[2] as u64,
                    kw: ws[3] as u64,
                    stride: (s as u64, s as u64),
                    pad: (p as u64, p as u64),
                    pad_end: (p as u64, p as u64),
                    dilation: (dil as u64, dil as u64),
                    groups: g as u64,
                },
                batch: 1,
                input_grad: false,
            };
            let report = run_layer(
                &d,
                &layer,
                &FastEngine {
                    mode: TimingMode::Rtl,
                },
                xs[0] as u64,
            )
            .unwrap();
            assert_eq!(got.cycles, report.compute_cycles, "{df} {xs:?} {ws:?}");
        }
    }
}
