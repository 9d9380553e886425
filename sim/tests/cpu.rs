//! The calibrated CPU model (`sim::cpu`, docs/CPU.md) against published
//! measurements: the fit of its one free parameter per CPU on a training
//! point, the held-out points within the errors docs/VALIDATION.md states,
//! the table's sources and derivation rule, and the property `compare`
//! relies on: a tiny model answers sooner on a CPU than on a GPU.
//!
//! `cargo test --release -p sim --test cpu -- --nocapture validation_table`
//! prints the tables of docs/VALIDATION.md ("CPU model (issue 17)").

use sim::cpu::{calibration, cpu, cpus, estimate};
use sim::gpu::{estimate_with, gpu, GpuEstimate, GpuPrecision, Mode};
use sim::train::Optimizer;
use sim::workload::{zoo, Model, ModelBuilder, Op, VectorKind};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cpu");

/// Batches an Offline harness may pick from; the prediction is the best
/// throughput among them (a CPU's throughput peaks where a layer's operands
/// still fit its cache, and the harness tunes its batch to that).
const OFFLINE_BATCHES: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// Tokens per SQuAD sample of the BERT workload: the GPU fit's (sim/tests/gpu.rs,
/// `HARNESS.bert_tokens`), not refitted on any CPU point.
const BERT_TOKENS: u64 = 209;

/// One MLPerf point.
#[derive(Debug, Clone)]
struct Point {
    device: String,
    round: String,
    system: String,
    benchmark: String,
    scenario: String,
    precision: GpuPrecision,
    /// Offline or Server samples/s per socket, or SingleStream mean latency, ms.
    value: f64,
    split: String,
    note: String,
}

impl Point {
    fn latency(&self) -> bool {
        self.scenario == "SingleStream"
    }
}

fn mlperf() -> Vec<Point> {
    let path = Path::new(FIXTURES).join("mlperf_inference.csv");
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records()
        .map(|r| {
            let r = r.unwrap();
            let sockets: f64 = r[3].parse().unwrap();
            let latency = &r[5] == "SingleStream";
            Point {
                device: r[0].into(),
                round: r[1].into(),
                system: r[2].into(),
                benchmark: r[4].into(),
                scenario: r[5].into(),
                precision: GpuPrecision::parse(&r[6]).unwrap(),
                value: if latency {
                    r[8].parse().unwrap()
                } else {
                    r[7].parse::<f64>().unwrap() / sockets
                },
                split: r[10].into(),
                note: r[11].into(),
            }
        })
        .collect()
}

fn linear(tokens: u64, i: u64, o: u64) -> Op {
    Op::Linear {
        tokens,
        in_features: i,
        out_features: o,
    }
}

fn vector(kind: VectorKind, elements: u64, ops: u64, inputs: u64) -> Op {
    Op::Vector {
        kind,
        elements,
        ops_per_element: ops,
        inputs,
    }
}

/// BERT-Large, MLPerf's bert-99 network, over `tokens` tokens with SQuAD's
/// span head: the zoo's BERT builder at that shape.
fn bert_large(tokens: u64) -> Model {
    let shape = zoo::BertShape {
        tokens,
        ..zoo::BERT_LARGE
    };
    zoo::bert(&format!("bert-large-{tokens}"), &shape, true)
}

/// The seed model of issue 17: Dense(10, relu) -> Dense(1, sigmoid) on one
/// input feature, as `systolic compare`'s tiny example has it.
fn seed() -> Model {
    let mut b = ModelBuilder::new("seed");
    let h = b.add("dense1", linear(1, 1, 10), &[]);
    let h = b.add("relu", vector(VectorKind::Eltwise, 10, 1, 10), &[h]);
    let o = b.add("dense2", linear(1, 10, 1), &[h]);
    b.add("sigmoid", vector(VectorKind::Eltwise, 1, 4, 1), &[o]);
    b.build()
}

fn workload(benchmark: &str) -> Model {
    match benchmark {
        "resnet50" => zoo::model("resnet50").unwrap(),
        "bert-99" => bert_large(BERT_TOKENS),
        b => panic!("unknown benchmark {b}"),
    }
}

/// The model's prediction of a point, in the point's unit, with `eta_max`.
fn predict(p: &Point, eta_max: f64) -> f64 {
    predict_at(p, eta_max).0
}

/// The prediction and the batch it was taken at.
fn predict_at(p: &Point, eta_max: f64) -> (f64, u64) {
    let c = cpu(&p.device).unwrap();
    let model = workload(&p.benchmark);
    let run = |batch| {
        estimate_with(
            c,
            &model,
            batch,
            p.precision,
            Mode::Inference,
            &calibration::with_eta(eta_max),
        )
        .unwrap()
    };
    if p.latency() {
        (run(1).latency_s * 1e3, 1)
    } else {
        OFFLINE_BATCHES
            .into_iter()
            .map(|b| (run(b).throughput_per_s, b))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap()
    }
}

fn committed_eta(device: &str) -> f64 {
    calibration::ETA_MAX
        .iter()
        .find(|(n, _)| *n == device)
        .unwrap()
        .1
}

/// Relative error, `pred / meas - 1`.
fn rel(pred: f64, meas: f64) -> f64 {
    pred / meas - 1.0
}

/// The fit: per CPU, the `eta_max` that puts its training point's
/// prediction on the measurement (bisection on the log error, which falls
/// as `eta_max` grows).
fn fit(device: &str) -> f64 {
    let points = mlperf();
    let train = points
        .iter()
        .find(|p| p.device == device && p.split == "train")
        .unwrap();
    let slow = |eta: f64| {
        let pred = predict(train, eta);
        if train.latency() {
            pred > train.value
        } else {
            pred < train.value
        }
    };
    let (mut lo, mut hi) = (1e-3f64, 1.0f64);
    for _ in 0..60 {
        let mid = (lo * hi).sqrt();
        if slow(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

#[test]
fn the_fit_reproduces_the_committed_parameters() {
    for c in cpus() {
        let fitted = fit(&c.name);
        let committed = committed_eta(&c.name);
        assert!(
            rel(committed, fitted).abs() < 0.005,
            "{}: the fit gives eta_max {fitted:.4}, the code has {committed}: update ETA_MAX and docs/VALIDATION.md",
            c.name
        );
    }
}

/// docs/VALIDATION.md: the training points within 1 % (they are fitted),
/// every held-out point within 25 %.
#[test]
fn held_out_points_within_the_stated_error() {
    let points = mlperf();
    assert_eq!(points.iter().filter(|p| p.split == "holdout").count(), 4);
    for p in &points {
        let e = rel(predict(p, committed_eta(&p.device)), p.value);
        let what = format!(
            "{} {} {} {} ({}): {:+.1} %",
            p.device,
            p.round,
            p.benchmark,
            p.scenario,
            p.split,
            100.0 * e
        );
        match p.split.as_str() {
            "train" => assert!(e.abs() <= 0.01, "{what}"),
            "holdout" => assert!(e.abs() <= 0.25, "{what}"),
            "excluded" => {}
            s => panic!("unknown split {s}"),
        }
    }
}

#[test]
fn every_table_number_has_a_source_and_peaks_follow_the_rule() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tables/cpus.toml"))
            .unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    let rows = doc["cpu"].as_array().unwrap();
    let mut count = 0;
    for row in rows {
        for (k, v) in row.as_table().unwrap() {
            if let Some(t) = v.as_table() {
                let source = t["source"].as_str().unwrap();
                assert!(source.trim().len() > 20, "{k}: {source}");
                assert!(t["value"].is_integer() || t["value"].is_float(), "{k}");
                if t.get("derived").and_then(|d| d.as_bool()) == Some(true) {
                    assert!(source.starts_with("derived"), "{k}: {source}");
                }
                count += 1;
            } else {
                assert!(v.is_str(), "{k} is a bare number: it needs a source");
            }
        }
    }
    let fields: usize = cpus().iter().map(|c| c.fields().len()).sum();
    assert_eq!(count, fields);
    for c in cpus() {
        let peaks = c.peaks();
        assert!(!peaks.is_empty() && peaks.iter().any(|(p, _, _)| *p == GpuPrecision::Fp32));
        for (p, peak, rate) in peaks {
            let rule = c.cores.value * c.clock_ghz.value * rate.unwrap().value / 1000.0;
            assert!(
                (peak.value - rule).abs() <= 1e-9 * rule,
                "{} {}: {} against {rule}",
                c.name,
                p.name(),
                peak.value
            );
            assert!(peak.derived, "{} {} peak is derived", c.name, p.name());
        }
    }
}

/// The property `compare` relies on for issue 17 ("tiny models favour a
/// CPU-class target"): the seed model at batch 1 answers sooner on every
/// CPU than on every GPU, whose launches and host round trip it pays.
#[test]
fn the_seed_model_answers_sooner_on_a_cpu() {
    let model = seed();
    for c in cpus() {
        let on_cpu = estimate(c, &model, 1, GpuPrecision::Fp32, Mode::Inference).unwrap();
        for g in sim::gpu::gpus() {
            let on_gpu =
                sim::gpu::estimate(g, &model, 1, GpuPrecision::Int8, Mode::Inference).unwrap();
            assert!(
                on_cpu.latency_s < on_gpu.latency_s,
                "{} {:.1} us against {} {:.1} us",
                c.name,
                on_cpu.latency_s * 1e6,
                g.name,
                on_gpu.latency_s * 1e6
            );
        }
    }
}

/// Bigger batches never take less time (throughput may fall once the
/// operands spill out of the cache: that is what a cache does).
#[test]
fn bigger_batch_never_takes_less_time() {
    for c in cpus() {
        for name in ["resnet50", "bert-base", "mobilenet_v2", "lstm-lm"] {
            let model = zoo::model(name).unwrap();
            for p in sim::gpu::Device::precisions(c) {
                let mut last: Option<f64> = None;
                for b in [1, 2, 3, 8, 31, 64, 256] {
                    let e = estimate(c, &model, b, p, Mode::Inference).unwrap();
                    if let Some(lat) = last {
                        let what = format!("{} {name} {} batch {b}", c.name, p.name());
                        assert!(e.latency_s >= lat, "{what}");
                    }
                    last = Some(e.latency_s);
                }
            }
        }
    }
}

/// The best Offline batch is inside the searched range, not at its end:
/// beyond it the operands spill out of the cache and throughput falls.
#[test]
fn offline_batch_is_inside_the_search() {
    for p in mlperf().iter().filter(|p| !p.latency()) {
        let (_, b) = predict_at(p, committed_eta(&p.device));
        assert!(
            b < *OFFLINE_BATCHES.last().unwrap(),
            "{} {}: {b}",
            p.device,
            p.benchmark
        );
    }
}

/// Power stays between idle and TDP, energy is power times time, there is
/// no host part, training works where the GPU path gives it, and bad input
/// is refused with a message.
#[test]
fn power_training_and_refusals() {
    let xeon = cpu("xeon-8480").unwrap();
    let rpi = cpu("rpi4").unwrap();
    let model = zoo::model("resnet50").unwrap();
    for (c, p) in [(xeon, GpuPrecision::Int8), (rpi, GpuPrecision::Fp32)] {
        let e = estimate(c, &model, 4, p, Mode::Inference).unwrap();
        use sim::gpu::Device;
        assert!(e.power_w >= c.idle_power_w() && e.power_w <= c.tdp_w.value);
        assert_eq!(e.host_s, 0.0);
        assert!((e.energy_j - e.power_w * e.latency_s).abs() <= 1e-9 * e.energy_j);
        assert!(e.utilization > 0.0 && e.utilization <= 1.0);
        assert_eq!(e.gpu, c.name);
    }
    let t = estimate(
        xeon,
        &model,
        8,
        GpuPrecision::Bf16,
        Mode::Training(Optimizer::Adam),
    )
    .unwrap();
    assert!(t.kernels.last().unwrap().kind == "update");
    let err = |r: sim::Result<GpuEstimate>| r.unwrap_err().to_string();
    let e = err(estimate(
        rpi,
        &model,
        1,
        GpuPrecision::Int8,
        Mode::Inference,
    ));
    assert!(e.contains("no int8"), "{e}");
    assert!(err(estimate(
        xeon,
        &model,
        0,
        GpuPrecision::Int8,
        Mode::Inference
    ))
    .contains("batch 0"));
    let e = err(estimate(
        xeon,
        &model,
        1 << 40,
        GpuPrecision::Int8,
        Mode::Inference,
    ));
    assert!(e.contains("too large for the CPU model"), "{e}");
}

fn row(e: &GpuEstimate) -> String {
    format!(
        "{:.1} us | {:.3} W | {:.3} uJ",
        e.latency_s * 1e6,
        e.power_w,
        e.energy_per_sample_j * 1e6
    )
}

/// Prints docs/VALIDATION.md's tables (run with `--nocapture`).
#[test]
fn validation_table() {
    for c in cpus() {
        println!("fit {}: eta_max {:.4}", c.name, fit(&c.name));
    }
    println!(
        "\n| CPU | model | batch | scenario | round, system | published | predicted | error | split |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for p in mlperf() {
        let (pred, batch) = predict_at(&p, committed_eta(&p.device));
        let (batch, published, predicted) = if p.latency() {
            (
                batch,
                format!("{} ms mean", p.value),
                format!("{pred:.1} ms"),
            )
        } else {
            (
                batch,
                format!("{:.1} samples/s", p.value),
                format!("{pred:.1} samples/s"),
            )
        };
        let split = match p.split.as_str() {
            "holdout" if p.note.is_empty() => "held out".to_string(),
            "holdout" => format!("held out ({})", p.note),
            "excluded" => format!("excluded: {}", p.note),
            s => s.to_string(),
        };
        println!(
            "| {} | {} {} | {batch} | {} | {}, {} | {published} | {predicted} | {:+.1} % | {split} |",
            p.device,
            p.benchmark,
            p.precision.name(),
            p.scenario,
            p.round,
            p.system,
            100.0 * rel(pred, p.value),
        );
    }
    println!("\n| target | precision | seed latency | power | energy per inference |");
    println!("|---|---|---|---|---|");
    let model = seed();
    for c in cpus() {
        let e = estimate(c, &model, 1, GpuPrecision::Fp32, Mode::Inference).unwrap();
        println!("| cpu:{} | fp32 | {} |", c.name, row(&e));
    }
    for name in ["a100", "t4", "orin"] {
        let e = sim::gpu::estimate(
            gpu(name).unwrap(),
            &model,
            1,
            GpuPrecision::Int8,
            Mode::Inference,
        )
        .unwrap();
        println!("| gpu:{name} | int8 | {} |", row(&e));
    }
    println!("\n| CPU | model | precision | batch | latency ms | samples/s | W | mJ/sample | utilization |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for c in cpus() {
        let p = if c.name == "rpi4" {
            GpuPrecision::Fp32
        } else {
            GpuPrecision::Int8
        };
        for name in ["resnet50", "bert-base", "mobilenet_v2"] {
            let model = zoo::model(name).unwrap();
            for b in [1, 64] {
                let e = estimate(c, &model, b, p, Mode::Inference).unwrap();
                println!(
                    "| {} | {name} | {} | {b} | {:.3} | {:.1} | {:.1} | {:.3} | {:.3} |",
                    c.name,
                    p.name(),
                    e.latency_s * 1e3,
                    e.throughput_per_s,
                    e.power_w,
                    e.energy_per_sample_j * 1e3,
                    e.utilization
                );
            }
        }
    }
}
