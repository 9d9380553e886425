//! Criterion benchmarks of the IP's model (docs/TIMING.md, "The IP";
//! figures in docs/PERFORMANCE.md): a whole model in `--timing ip` (every
//! GEMM cut into core GEMMs and scheduled job by job), and one layer's
//! schedule with the pe engine's core GEMM cycles, as `systolic verify` runs it.

use criterion::{criterion_group, criterion_main, Criterion};
use sim::design::preset;
use sim::engine::ip;
use sim::workload::zoo;
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::hint::black_box;

fn ip_model(c: &mut Criterion) {
    let opts = RunOptions::default();
    let engine = FastEngine {
        mode: TimingMode::Ip,
    };
    let resnet18 = zoo::model("resnet18").expect("zoo model");
    let edge = preset("edge-8x8").expect("preset");
    c.bench_function("resnet18 edge-8x8 ip (all layers)", |b| {
        b.iter(|| simulate(black_box(&edge), black_box(&resnet18), &engine, &opts).expect("runs"))
    });
    let gemmini = preset("gemmini-like").expect("preset");
    let dims = (3136, 576, 64);
    let tiles = ip::default_tiles(&gemmini, dims.0, dims.1, dims.2).expect("tiles");
    c.bench_function(
        "resnet18 layer1 3x3 conv gemmini-like ip, fast model",
        |b| b.iter(|| ip::run(black_box(&gemmini), dims.0, dims.1, dims.2).expect("runs")),
    );
    c.bench_function("resnet18 layer1 3x3 conv gemmini-like ip, pe cycles", |b| {
        b.iter(|| ip::pe_schedule(black_box(&gemmini), dims, tiles).expect("runs"))
    });
}

criterion_group!(benches, ip_model);
criterion_main!(benches);
