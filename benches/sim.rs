//! Criterion benchmarks of the fast engine: whole models on preset designs
//! (figures recorded in docs/PERFORMANCE.md).

use criterion::{criterion_group, criterion_main, Criterion};
use sim::design::preset;
use sim::workload::zoo;
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::hint::black_box;

fn design_128x128_ws() -> sim::Design {
    // A 128x128 int8 weight-stationary design (the server preset, as ws/int8).
    preset("server-128x128-is")
        .expect("preset exists")
        .variant(|v| {
            v.dataflow = sim::Dataflow::Ws;
            v.operand = sim::Precision::Int(8);
            v.accumulator_bits = Some(32);
        })
        .expect("valid design")
}

fn whole_models(c: &mut Criterion) {
    let opts = RunOptions::default();
    let rtl = FastEngine {
        mode: TimingMode::Rtl,
    };
    let resnet50 = zoo::model("resnet50").expect("zoo model");
    let d128 = design_128x128_ws();
    c.bench_function("resnet50 128x128 ws rtl (all layers)", |b| {
        b.iter(|| simulate(black_box(&d128), black_box(&resnet50), &rtl, &opts).expect("runs"))
    });
    let tpu = preset("tpu-v1-like").expect("preset");
    c.bench_function("resnet50 tpu-v1-like rtl (README main command)", |b| {
        b.iter(|| simulate(black_box(&tpu), black_box(&resnet50), &rtl, &opts).expect("runs"))
    });
    let resnet18 = zoo::model("resnet18").expect("zoo model");
    let mut d32 = d128.clone();
    d32.rows = 32;
    d32.cols = 32;
    let ss = FastEngine {
        mode: TimingMode::Scalesim,
    };
    c.bench_function("resnet18 32x32 ws scalesim", |b| {
        b.iter(|| simulate(black_box(&d32), black_box(&resnet18), &ss, &opts).expect("runs"))
    });
    let bert = zoo::model("bert-base").expect("zoo model");
    c.bench_function("bert-base 128x128 ws rtl", |b| {
        b.iter(|| simulate(black_box(&d128), black_box(&bert), &rtl, &opts).expect("runs"))
    });
}

criterion_group!(benches, whole_models);

fn pe_engine(c: &mut Criterion) {
    // resnet18 layer1 3x3 conv (56x56x64 -> 64) lowered by im2col: M = 3136, K = 576, N = 64,
    // on a 16x16 int8 weight-stationary design, value-exactly.
    let d = preset("gemmini-like").expect("preset");
    let (m, k, n) = (3136u64, 576u64, 64u64);
    let a: Vec<i64> = (0..m * k)
        .map(|i| ((i * 7919) % 255) as i64 - 128)
        .collect();
    let b: Vec<i64> = (0..k * n)
        .map(|i| ((i * 104_729) % 255) as i64 - 128)
        .collect();
    let mut g = c.benchmark_group("pe");
    g.sample_size(10);
    let os = preset("edge-16x16-os").expect("preset");
    for (design, what) in [(&d, "16x16 ws int8"), (&os, "16x16 os int8")] {
        let pe_cycles = sim::engine::pe::run(design, &a, &b, m, k, n)
            .expect("runs")
            .pe_cycles;
        // Throughput in PE-cycles (rows x cols x cycles) per second.
        g.throughput(criterion::Throughput::Elements(pe_cycles));
        g.bench_function(
            format!("resnet18 3x3 conv 56x56x64->64 on {what}"),
            |bench| {
                bench.iter(|| {
                    sim::engine::pe::run(black_box(design), &a, &b, m, k, n).expect("runs")
                })
            },
        );
        g.bench_function(
            format!("resnet18 3x3 conv 56x56x64->64 on {what}, cycle-stepped"),
            |bench| {
                bench.iter(|| {
                    sim::engine::pe::run_stepped(black_box(design), &a, &b, m, k, n).expect("runs")
                })
            },
        );
    }
    g.finish();
    // The GEMMs `systolic verify --speed` times against Verilator (docs/PERFORMANCE.md).
    let mut g = c.benchmark_group("pe-verify");
    for (name, (m, k, n)) in [
        ("gemmini-like", (256u64, 256u64, 32u64)),
        ("edge-16x16-os", (32, 1024, 32)),
        ("mobile-32x32", (512, 256, 64)),
    ] {
        let d = preset(name).expect("preset");
        let a = sim::engine::pe::random_operands(8, (m * k) as usize, 1);
        let b = sim::engine::pe::random_operands(8, (k * n) as usize, 2);
        let pe_cycles = sim::engine::pe::run(&d, &a, &b, m, k, n)
            .expect("runs")
            .pe_cycles;
        g.throughput(criterion::Throughput::Elements(pe_cycles));
        g.bench_function(format!("{name} {m}x{k}x{n}"), |bench| {
            bench.iter(|| sim::engine::pe::run(black_box(&d), &a, &b, m, k, n).expect("runs"))
        });
    }
    g.finish();
}

fn fp_gemm(c: &mut Criterion) {
    use sim::fp::{Mode, FP32};
    // The same resnet18 layer in bf16 on the pe engine (its controller's
    // cycles, sim::fp::gemm's values), on two 16x16 ws arrays: gemmini-like
    // with bf16 operands and fp32 partial sums (the machine's fp64 fused
    // path), and gemmini-bf16-like, whose bf16 partial sums take the
    // fixed-width path (sim::fp::bits, the RTL's algorithm).
    let (m, k, n) = (3136u64, 576u64, 64u64);
    let code = |x: f32| i64::from(FP32.round(&FP32.decode(x.to_bits()), Mode::IEEE) >> 16);
    let a: Vec<i64> = (0..(m * k) as usize)
        .map(|i| code(((i * 7919) % 1000) as f32 / 500.0 - 1.0))
        .collect();
    let b: Vec<i64> = (0..(k * n) as usize)
        .map(|i| code(((i * 104_729) % 1000) as f32 / 500.0 - 1.0))
        .collect();
    let designs = [
        (
            "resnet18 3x3 conv 56x56x64->64 on 16x16 ws bf16",
            preset("gemmini-like")
                .expect("preset")
                .variant(|v| v.set_operand(sim::Precision::Bf16))
                .expect("valid design"),
        ),
        (
            "resnet18 3x3 conv 56x56x64->64 on gemmini-bf16-like (bf16 partial sums)",
            preset("gemmini-bf16-like").expect("preset"),
        ),
    ];
    let mut g = c.benchmark_group("fp");
    g.sample_size(10);
    for (name, d) in designs {
        let pe_cycles = sim::engine::pe::run(&d, &a, &b, m, k, n)
            .expect("runs")
            .pe_cycles;
        g.throughput(criterion::Throughput::Elements(pe_cycles));
        g.bench_function(name, |bench| {
            bench.iter(|| sim::engine::pe::run(black_box(&d), &a, &b, m, k, n))
        });
    }
    g.finish();
}

criterion_group!(pe_benches, pe_engine, fp_gemm);
criterion_main!(benches, pe_benches);
