//! Criterion benchmark of `systolic train`'s work: a full training step of
//! resnet50 at batch 256 on a 128x128 design (every forward, dX and dW GEMM
//! on the fast engine, vector backward, optimizer), scaled data-parallel
//! over 1 to 4096 chips of TPU v4's torus (figures in docs/PERFORMANCE.md;
//! the goal: under 50 ms on one core).

use criterion::{criterion_group, criterion_main, Criterion};
use sim::design::preset;
use sim::scaleout::{self, DataParallel};
use sim::train::{self, Optimizer, Recompute, TrainOptions};
use sim::workload::zoo;
use sim::{FastEngine, TimingMode};
use std::hint::black_box;

fn resnet50_step_and_scaling(c: &mut Criterion) {
    let design = preset("server-128x128-is").expect("preset");
    let model = zoo::model("resnet50").expect("zoo model");
    let cluster = scaleout::preset("tpu-v4").expect("cluster preset");
    let engine = FastEngine {
        mode: TimingMode::Rtl,
    };
    let opts = TrainOptions {
        batch: 256,
        optimizer: Optimizer::Adam,
        master_fp32: true,
        recompute: Recompute::None,
    };
    let chips: Vec<u32> = (0..=12).map(|i| 1 << i).collect();
    c.bench_function(
        "train resnet50 batch 256 on 128x128, scaled over 1..4096 chips",
        |b| {
            b.iter(|| {
                let step = train::step(black_box(&design), black_box(&model), &engine, &opts)
                    .expect("simulates");
                let profile = train::scale::profile(&step, &design).expect("profiles");
                scaleout::scaling(&cluster, &chips, &profile, &DataParallel::default())
                    .expect("scales")
            })
        },
    );
}

criterion_group!(benches, resnet50_step_and_scaling);
criterion_main!(benches);
