//! Criterion benchmarks of sweep evaluation, counted in (design, layer)
//! evaluations: each element is one array layer run by the fast engine on
//! one design (figures in docs/PERFORMANCE.md, "Sweeps").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dse::{Evaluator, Spec, Workload};
use sim::simulate::Prices;
use std::hint::black_box;
use std::path::Path;

fn spec(name: &str) -> Spec {
    Spec::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("designs/sweeps")
            .join(name),
    )
    .expect("committed spec")
}

fn sweeps(c: &mut Criterion) {
    let mut g = c.benchmark_group("sweep");
    g.sample_size(20);

    // One design, every resnet50 layer: the per-layer path alone.
    let base = sim::design::preset("server-128x128-is").expect("preset");
    let d128 = base
        .variant(|v| {
            v.dataflow = sim::Dataflow::Ws;
            v.operand = sim::Precision::Int(8);
            v.accumulator_bits = Some(32);
        })
        .expect("valid");
    let resnet50 = sim::workload::zoo::model("resnet50").expect("zoo");
    let w = Workload::new("resnet50", &resnet50, 1);
    let prices = Prices::of(&d128);
    g.throughput(Throughput::Elements(w.engine_layers()));
    g.bench_function("resnet50 on 128x128 ws int8, one thread", |b| {
        b.iter(|| w.total(black_box(&d128), &prices).expect("runs"))
    });

    // Every point of the committed 10,000-point resnet50 sweep (arrays 8x8
    // to 256x256, three dataflows, two precisions, SRAMs, bandwidths,
    // clocks): the engine alone on designs built outside the timed loop,
    // then whole points (Design::variant, area, energy, constraints) on one
    // thread and on two.
    g.sample_size(10);
    let s = spec("resnet50-10k.toml");
    let ev = Evaluator::new(&s);
    let points: Vec<_> = (0..s.points()).map(|i| s.point(i)).collect();
    let designs: Vec<_> = points
        .iter()
        .map(|p| p.design(&s.base).expect("valid"))
        .collect();
    let priced: Vec<_> = designs.iter().map(Prices::of).collect();
    let n = ev.engine_layers_per_point() * points.len() as u64;
    g.throughput(Throughput::Elements(n));
    g.bench_function(
        "resnet50-10k.toml, 10,000 designs, engine only, one thread",
        |b| {
            b.iter(|| {
                for (d, p) in designs.iter().zip(&priced) {
                    black_box(w.total(d, p).expect("runs"));
                }
            })
        },
    );
    g.bench_function(
        "resnet50-10k.toml, 10,000 points, whole rows, one thread",
        |b| {
            b.iter(|| {
                for p in &points {
                    black_box(ev.rows(p).expect("runs"));
                }
            })
        },
    );
    g.bench_function(
        "resnet50-10k.toml, 10,000 points, whole rows, two threads",
        |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for t in 0..2 {
                        let (ev, points) = (&ev, &points);
                        scope.spawn(move || {
                            for p in points.iter().skip(t).step_by(2) {
                                black_box(ev.rows(p).expect("runs"));
                            }
                        });
                    }
                })
            })
        },
    );
    g.finish();
}

criterion_group!(benches, sweeps);
criterion_main!(benches);
