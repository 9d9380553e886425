//! Criterion benchmarks of `systolic compare`'s work besides the simulations
//! (figures in docs/PERFORMANCE.md): the calibrated GPU and CPU models on
//! resnet50 at batch 8 in int8 (`sim::gpu::estimate`, `sim::cpu::estimate`),
//! and ranking and recommending over 100 synthetic entries
//! (`dse::compare::rank`, `recommend`: 25 targets of every kind at 4
//! batches; `recommend` ranks them again itself).

use criterion::{criterion_group, criterion_main, Criterion};
use dse::compare::{rank, recommend, Budgets, Entry, Kind, Mode};
use sim::gpu::{GpuPrecision, Mode as RunMode};
use sim::workload::zoo;
use std::hint::black_box;

fn calibrated_models(c: &mut Criterion) {
    let model = zoo::model("resnet50").expect("zoo model");
    let a100 = sim::gpu::gpu("a100").expect("built-in GPU");
    c.bench_function("gpu estimate a100 resnet50 batch 8 int8", |b| {
        b.iter(|| {
            sim::gpu::estimate(
                black_box(a100),
                black_box(&model),
                8,
                GpuPrecision::Int8,
                RunMode::Inference,
            )
            .expect("estimates")
        })
    });
    let xeon = sim::cpu::cpu("xeon-8480").expect("built-in CPU");
    c.bench_function("cpu estimate xeon-8480 resnet50 batch 8 int8", |b| {
        b.iter(|| {
            sim::cpu::estimate(
                black_box(xeon),
                black_box(&model),
                8,
                GpuPrecision::Int8,
                RunMode::Inference,
            )
            .expect("estimates")
        })
    });
}

/// `targets` targets (kinds in turn) at each of `batches`, with metrics
/// spread over several decades by a fixed linear congruential sequence.
fn synthetic_entries(targets: usize, batches: &[u64]) -> Vec<Entry> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::with_capacity(targets * batches.len());
    for &batch in batches {
        for t in 0..targets {
            let kind = Kind::ALL[t % Kind::ALL.len()];
            let latency_ms = 10f64.powf(-2.0 + 4.0 * next());
            let inferences_per_j = 10f64.powf(1.0 + 5.0 * next());
            let utilization = next();
            out.push(Entry {
                target: format!("{}-{t}", kind.name()),
                kind,
                how: "synthetic".into(),
                model: "resnet50".into(),
                batch,
                latency_ms,
                throughput_per_s: batch as f64 / (latency_ms * 1e-3),
                energy_per_inference_mj: 1e3 / inferences_per_j,
                inferences_per_j,
                achieved_tops: 100.0 * utilization,
                peak_tops: 100.0,
                utilization,
                power_w: 10f64.powf(-1.0 + 3.5 * next()),
                area_mm2: None,
                cost_usd: None,
                mode: Mode::Inference,
                fits_memory: None,
            });
        }
    }
    out
}

fn rank_and_recommend(c: &mut Criterion) {
    let entries = synthetic_entries(25, &[1, 8, 64, 256]);
    let budgets = Budgets {
        latency_ms: Some(10.0),
        power_w: Some(100.0),
    };
    c.bench_function("compare rank, 100 entries", |b| {
        b.iter(|| rank(black_box(&entries), &budgets))
    });
    c.bench_function("compare rank + recommend, 100 entries", |b| {
        b.iter(|| {
            let ranked = rank(black_box(&entries), &budgets);
            let lines = recommend(black_box(&entries), &budgets);
            (ranked, lines)
        })
    });
}

criterion_group!(benches, calibrated_models, rank_and_recommend);
criterion_main!(benches);
