//! The calibrated GPU model (`sim::gpu`, docs/GPU.md) against published
//! measurements: the fit of its free parameters on a training subset, the
//! held-out points within the errors docs/VALIDATION.md states, the table's
//! sources, and sanity that must hold whatever the calibration.
//!
//! `cargo test --release -p sim --test gpu -- --nocapture validation_table`
//! prints the tables of docs/VALIDATION.md ("GPU model (issue 17)").

use sim::gpu::{
    calibration::nelder_mead, estimate, estimate_with, gemm_efficiency, gemm_time, gpu, gpus,
    Calibration, GpuPrecision, Mode, CALIBRATION,
};
use sim::train::Optimizer;
use sim::workload::{zoo, Model, ModelBuilder};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gpu");

/// Batch of the Offline predictions (NVIDIA's harness picks its own; the
/// model's throughput has saturated well before it, see `offline_batch_is_saturated`).
const OFFLINE_BATCH: u64 = 1024;

fn read(name: &str) -> Vec<csv::StringRecord> {
    let path = Path::new(FIXTURES).join(name);
    let mut r = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(|r| r.unwrap()).collect()
}

/// One LLMCompass GEMM: (m, n, k, measured seconds, trains the fit).
fn llmcompass() -> Vec<(u64, u64, u64, f64, bool)> {
    read("llmcompass_matmul_a100.csv")
        .iter()
        .map(|r| {
            (
                r[0].parse().unwrap(),
                r[1].parse().unwrap(),
                r[2].parse().unwrap(),
                r[3].parse::<f64>().unwrap() * 1e-3,
                &r[4] == "train",
            )
        })
        .collect()
}

/// One MLPerf point.
#[derive(Debug, Clone)]
struct Point {
    device: String,
    round: String,
    system: String,
    benchmark: String,
    scenario: String,
    /// Offline samples/s per GPU, or SingleStream mean latency, ms.
    value: f64,
    /// SingleStream's official p90 latency, ms.
    p90_ms: Option<f64>,
    split: String,
    note: String,
}

fn mlperf() -> Vec<Point> {
    read("mlperf_inference.csv")
        .iter()
        .map(|r| {
            let gpus: f64 = r[3].parse().unwrap();
            let offline = &r[5] == "Offline";
            Point {
                device: r[0].into(),
                round: r[1].into(),
                system: r[2].into(),
                benchmark: r[4].into(),
                scenario: r[5].into(),
                value: if offline {
                    r[6].parse::<f64>().unwrap() / gpus
                } else {
                    r[7].parse().unwrap()
                },
                p90_ms: (!offline).then(|| r[8].parse().unwrap()),
                split: r[9].into(),
                note: r[10].into(),
            }
        })
        .collect()
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

/// The fit's harness-side constants, which are not the GPU model's: the
/// per-call cost of LLMCompass's timing loop, and the tokens per SQuAD
/// sample NVIDIA's BERT harness computes (it skips the padding to 384).
#[derive(Debug, Clone, Copy)]
struct Harness {
    llmcompass_overhead_s: f64,
    bert_tokens: u64,
}

/// The committed harness constants (recomputed by `the_fit_reproduces_the_committed_parameters`).
const HARNESS: Harness = Harness {
    llmcompass_overhead_s: 29.04e-6,
    bert_tokens: 209,
};

fn ln_err(pred: f64, meas: f64) -> f64 {
    (pred / meas).ln()
}

/// Predicted LLMCompass GEMM time: the model's kernel with the harness's
/// overhead in place of the launch.
fn gemm_pred(cal: &Calibration, h: &Harness, (m, n, k): (u64, u64, u64)) -> f64 {
    let a100 = gpu("a100").unwrap();
    let c = Calibration {
        launch_s: h.llmcompass_overhead_s,
        run_s: 0.0,
        ..*cal
    };
    gemm_time(a100, GpuPrecision::Fp16, (m, k, n), &c).unwrap()
}

/// The workload of an MLPerf benchmark.
fn workload(benchmark: &str, h: &Harness) -> Model {
    match benchmark {
        "resnet50" => zoo::model("resnet50").unwrap(),
        "bert-99" => bert_large(h.bert_tokens),
        b => panic!("unknown benchmark {b}"),
    }
}

/// The model's prediction of an MLPerf point, in the point's unit.
fn mlperf_pred(p: &Point, cal: &Calibration, h: &Harness) -> f64 {
    let g = gpu(&p.device).unwrap();
    let model = workload(&p.benchmark, h);
    let batch = if p.scenario == "Offline" {
        OFFLINE_BATCH
    } else {
        1
    };
    let e = estimate_with(g, &model, batch, GpuPrecision::Int8, Mode::Inference, cal).unwrap();
    if p.scenario == "Offline" {
        e.throughput_per_s
    } else {
        e.latency_s * 1e3
    }
}

/// The fit: GEMM parameters (and LLMCompass's overhead) by Nelder-Mead on
/// the squared log errors of the training GEMMs; then the launch cost from
/// the training SingleStream point and BERT's tokens from the training
/// BERT Offline point.
fn fit() -> (Calibration, Harness) {
    let train: Vec<_> = llmcompass().into_iter().filter(|r| r.4).collect();
    let unpack = |x: &[f64]| {
        let cal = Calibration {
            eta_max: x[0].clamp(0.05, 1.0),
            tile_half: x[1].exp(),
            k_half: x[2].exp(),
            mem_eff: x[3].clamp(0.05, 1.0),
            launch_s: 0.0,
            run_s: 0.0,
        };
        let h = Harness {
            llmcompass_overhead_s: x[4].exp(),
            bert_tokens: HARNESS.bert_tokens,
        };
        (cal, h)
    };
    let loss = |x: &[f64]| {
        let (cal, h) = unpack(x);
        train
            .iter()
            .map(|&(m, n, k, t, _)| ln_err(gemm_pred(&cal, &h, (m, n, k)), t).powi(2))
            .sum::<f64>()
    };
    let x0 = [0.9, 0.3f64.ln(), 64f64.ln(), 0.9, 20e-6f64.ln()];
    let x = nelder_mead(loss, &x0, &[0.05, 0.5, 0.5, 0.05, 0.3], 2000);
    let (mut cal, mut h) = unpack(&x);
    let points = mlperf();
    let train = |bench: &str, scenario: &str| {
        points
            .iter()
            .find(|p| p.split == "train" && p.benchmark == bench && p.scenario == scenario)
            .unwrap()
            .clone()
    };
    let ss = [
        train("resnet50", "SingleStream"),
        train("bert-99", "SingleStream"),
    ];
    let bert = train("bert-99", "Offline");
    for _ in 0..8 {
        // Each SingleStream latency is run_s + launches x launch_s + the
        // kernels' busy time: two linear equations in the two costs.
        let rows: Vec<(f64, f64, f64)> = ss
            .iter()
            .map(|p| {
                let free = Calibration {
                    launch_s: 0.0,
                    run_s: 0.0,
                    ..cal
                };
                let g = gpu(&p.device).unwrap();
                let e = estimate_with(
                    g,
                    &workload(&p.benchmark, &h),
                    1,
                    GpuPrecision::Int8,
                    Mode::Inference,
                    &free,
                )
                .unwrap();
                let launches: u64 = e.kernels.iter().map(|k| k.launches).sum();
                (launches as f64, e.latency_s, p.value * 1e-3)
            })
            .collect();
        let (n0, b0, t0) = rows[0];
        let (n1, b1, t1) = rows[1];
        cal.launch_s = ((t1 - b1) - (t0 - b0)) / (n1 - n0);
        cal.run_s = (t0 - b0) - n0 * cal.launch_s;
        h.bert_tokens = (32..=384)
            .min_by(|&a, &b| {
                let err = |t| {
                    let h = Harness {
                        bert_tokens: t,
                        ..h
                    };
                    ln_err(mlperf_pred(&bert, &cal, &h), bert.value).abs()
                };
                err(a).total_cmp(&err(b))
            })
            .unwrap();
    }
    (cal, h)
}

/// Relative error, `pred / meas - 1`.
fn rel(pred: f64, meas: f64) -> f64 {
    pred / meas - 1.0
}

#[test]
fn the_fit_reproduces_the_committed_parameters() {
    let (cal, h) = fit();
    let close = |name: &str, fitted: f64, committed: f64| {
        assert!(
            rel(committed, fitted).abs() < 0.005,
            "{name}: the fit gives {fitted}, the code has {committed}: update CALIBRATION / HARNESS and docs/VALIDATION.md"
        );
    };
    close("eta_max", cal.eta_max, CALIBRATION.eta_max);
    close("tile_half", cal.tile_half, CALIBRATION.tile_half);
    close("k_half", cal.k_half, CALIBRATION.k_half);
    close("mem_eff", cal.mem_eff, CALIBRATION.mem_eff);
    close("launch_s", cal.launch_s, CALIBRATION.launch_s);
    close("run_s", cal.run_s, CALIBRATION.run_s);
    close(
        "llmcompass_overhead_s",
        h.llmcompass_overhead_s,
        HARNESS.llmcompass_overhead_s,
    );
    assert_eq!(h.bert_tokens, HARNESS.bert_tokens);
}

/// docs/VALIDATION.md: every held-out LLMCompass GEMM within 10 %.
#[test]
fn held_out_gemms_within_ten_percent() {
    let rows = llmcompass();
    assert_eq!(rows.iter().filter(|r| !r.4).count(), 10);
    for (m, n, k, t, _) in rows.into_iter().filter(|r| !r.4) {
        let e = rel(gemm_pred(&CALIBRATION, &HARNESS, (m, n, k)), t);
        assert!(e.abs() <= 0.10, "{m}x{n}x{k}: {:+.1} %", 100.0 * e);
    }
}

/// docs/VALIDATION.md: the training points within 5 % (they are fitted);
/// every held-out point but T4's within 25 %, T4's within 65 %, and at
/// least six within 25 % (issue 17's target).
#[test]
fn held_out_mlperf_points_within_the_stated_errors() {
    let points = mlperf();
    let mut within = 0;
    for p in &points {
        let e = rel(mlperf_pred(p, &CALIBRATION, &HARNESS), p.value);
        let what = format!(
            "{} {} {} ({}): {:+.1} %",
            p.device,
            p.benchmark,
            p.scenario,
            p.split,
            100.0 * e
        );
        match p.split.as_str() {
            "train" => assert!(e.abs() <= 0.05, "{what}"),
            "holdout" if p.device == "t4" => assert!(e.abs() <= 0.65, "{what}"),
            "holdout" => assert!(e.abs() <= 0.25, "{what}"),
            "excluded" => {}
            s => panic!("unknown split {s}"),
        }
        if p.split == "holdout" && e.abs() <= 0.25 {
            within += 1;
        }
    }
    assert!(within >= 6, "{within} held-out points within 25 %");
    assert_eq!(points.iter().filter(|p| p.split == "holdout").count(), 10);
}

/// Calculon's H100/A100 matrix-efficiency table is a modelling input, not a
/// measurement; the model's kernel efficiency stays within 0.15 of it
/// from 1 GFLOP up (docs/GPU.md).
#[test]
fn gemm_efficiency_near_calculons_table() {
    let calc: Vec<(f64, f64)> = read("calculon_matrix_efficiency.csv")
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()))
        .collect();
    for name in ["a100", "h100"] {
        let g = gpu(name).unwrap();
        for gflop in [1.0f64, 4.0, 16.0, 64.0, 128.0, 1024.0] {
            let n = (gflop * 1e9 / 2.0).cbrt().round() as u64;
            let ours = gemm_efficiency(n, n, n, 1, g.sm_count(), &CALIBRATION);
            let theirs = calc.iter().find(|(min, _)| gflop >= *min).unwrap().1;
            assert!(
                (ours - theirs).abs() <= 0.15,
                "{name} {gflop} GFLOP: {ours:.3} against {theirs}"
            );
        }
    }
}

#[test]
fn every_table_number_has_a_source() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tables/gpus.toml"))
            .unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    // A number may appear only as the `value` of a table whose `source` is
    // a non-empty string.
    fn walk(v: &toml::Value, path: &str, sourced: bool, count: &mut usize) {
        match v {
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                assert!(sourced && path.ends_with(".value"), "{path} has no source");
                *count += 1;
            }
            toml::Value::Table(t) => {
                let has = t
                    .get("source")
                    .and_then(|s| s.as_str())
                    .is_some_and(|s| !s.trim().is_empty());
                for (k, v) in t {
                    walk(v, &format!("{path}.{k}"), has, count);
                }
            }
            toml::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), false, count);
                }
            }
            _ => {}
        }
    }
    let mut count = 0;
    walk(&doc, "", false, &mut count);
    let fields: usize = gpus().iter().map(|g| g.fields().len()).sum();
    assert_eq!(count, fields);
    assert_eq!(
        gpus().iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["a100", "h100", "t4", "orin"]
    );
    for g in gpus() {
        for f in g.fields() {
            assert!(f.value.source.len() > 20, "{}.{}", g.name, f.name);
            if f.value.derived {
                assert!(f.value.source.contains("derived") || f.value.source.contains("half"));
            }
        }
    }
}

const MODELS: [&str; 5] = ["resnet50", "bert-base", "mobilenet_v2", "lstm-lm", "vgg16"];

fn batches() -> impl Iterator<Item = u64> {
    [1, 2, 3, 4, 7, 8, 16, 31, 32, 64, 100, 128, 256, 512].into_iter()
}

/// Bigger batches never lower throughput, and never take less time, on
/// every GPU, model and precision.
#[test]
fn bigger_batch_never_lowers_throughput() {
    for g in gpus() {
        for name in MODELS {
            let model = zoo::model(name).unwrap();
            for precision in g.precisions() {
                let mut last: Option<(f64, f64)> = None;
                for b in batches() {
                    let e = estimate(g, &model, b, precision, Mode::Inference).unwrap();
                    if let Some((lat, tput)) = last {
                        let what = format!("{} {name} {} batch {b}", g.name, precision.name());
                        assert!(e.throughput_per_s >= tput * (1.0 - 1e-12), "{what}");
                        assert!(e.latency_s >= lat, "{what}");
                    }
                    last = Some((e.latency_s, e.throughput_per_s));
                }
            }
        }
    }
}

/// More work never takes less time: a GEMM grown in any dimension, a
/// deeper model, a training step against its forward pass.
#[test]
fn more_work_never_takes_less_time() {
    let dims = [1u64, 7, 64, 100, 128, 129, 512, 1000, 4096];
    for g in gpus() {
        for p in g.precisions() {
            for &m in &dims {
                for &k in &dims {
                    for &n in &dims {
                        let t = gemm_time(g, p, (m, k, n), &CALIBRATION).unwrap();
                        for grown in [(m + 1, k, n), (m, k + 1, n), (m, k, n + 1)] {
                            let t2 = gemm_time(g, p, grown, &CALIBRATION).unwrap();
                            assert!(t2 >= t, "{} {m}x{k}x{n} -> {grown:?}", g.name);
                        }
                    }
                }
            }
        }
        let r18 = zoo::model("resnet18").unwrap();
        let r50 = zoo::model("resnet50").unwrap();
        let time = |m: &Model, mode| {
            estimate(g, m, 8, GpuPrecision::Fp16, mode)
                .unwrap()
                .latency_s
        };
        assert!(time(&r50, Mode::Inference) > time(&r18, Mode::Inference));
        assert!(time(&r50, Mode::Training(Optimizer::Adam)) > time(&r50, Mode::Inference));
        // At a large batch the step is compute-bound: about three forwards.
        let big = |mode| {
            let e = estimate(g, &r50, 256, GpuPrecision::Fp16, mode).unwrap();
            e.latency_s - e.host_s
        };
        let ratio = big(Mode::Training(Optimizer::Adam)) / big(Mode::Inference);
        assert!((2.5..=4.5).contains(&ratio), "{}: {ratio}", g.name);
    }
}

/// A training step's multiply-accumulates are the forward's three times
/// less the dX autograd skips (sim::train's rule), and its energy and
/// power obey the power model's bounds.
#[test]
fn training_step_work_and_power() {
    let g = gpu("a100").unwrap();
    for name in ["resnet50", "bert-base", "lstm-lm"] {
        let model = zoo::model(name).unwrap();
        let batch = 16;
        let t = estimate(
            g,
            &model,
            batch,
            GpuPrecision::Bf16,
            Mode::Training(Optimizer::Adam),
        )
        .unwrap();
        let f = estimate(g, &model, batch, GpuPrecision::Bf16, Mode::Inference).unwrap();
        let needs = model.needs_dx();
        let skipped: u64 = model
            .layers()
            .zip(&needs)
            .map(|(l, &n)| sim::train::backward(l, batch, n).1)
            .sum();
        assert_eq!(t.macs, 3 * f.macs - skipped, "{name}");
        assert!(t.kernels.last().unwrap().kind == "update");
        for e in [&t, &f] {
            let idle = g.idle_power_w();
            assert!(e.power_w >= idle && e.power_w <= g.tdp_w.value, "{name}");
            let gpu_s = e.latency_s - e.host_s;
            assert!((e.energy_j - e.power_w * gpu_s).abs() <= 1e-9 * e.energy_j);
            assert!((e.throughput_per_s * gpu_s - batch as f64).abs() < 1e-6);
            assert!(e.utilization > 0.0 && e.utilization <= 1.0);
            assert!(e.fits_memory);
        }
        assert!(t.memory_bytes > f.memory_bytes);
    }
}

/// The Offline predictions are taken where throughput has saturated: 4x
/// the batch gains under 5 %.
#[test]
fn offline_batch_is_saturated() {
    for g in gpus() {
        for model in [
            zoo::model("resnet50").unwrap(),
            bert_large(HARNESS.bert_tokens),
        ] {
            let tput = |b| {
                estimate(g, &model, b, GpuPrecision::Int8, Mode::Inference)
                    .unwrap()
                    .throughput_per_s
            };
            let gain = tput(4 * OFFLINE_BATCH) / tput(OFFLINE_BATCH) - 1.0;
            assert!(gain < 0.05, "{} {}: {gain}", g.name, model.name);
        }
    }
}

/// Bad input is refused with a message, never a panic.
#[test]
fn bad_input_is_refused() {
    let t4 = gpu("t4").unwrap();
    let model = zoo::model("resnet50").unwrap();
    let err = |r: sim::Result<sim::gpu::GpuEstimate>| r.unwrap_err().to_string();
    assert!(err(estimate(t4, &model, 0, GpuPrecision::Int8, Mode::Inference)).contains("batch 0"));
    let e = err(estimate(t4, &model, 1, GpuPrecision::Tf32, Mode::Inference));
    assert!(e.contains("no tf32"), "{e}");
    let e = err(estimate(
        t4,
        &model,
        1,
        GpuPrecision::Int8,
        Mode::Training(Optimizer::Sgd),
    ));
    assert!(e.contains("int8 training"), "{e}");
    let e = err(estimate(
        t4,
        &model,
        1 << 40,
        GpuPrecision::Int8,
        Mode::Inference,
    ));
    assert!(e.contains("too large"), "{e}");
    let empty = ModelBuilder::new("empty").build();
    assert!(
        err(estimate(t4, &empty, 1, GpuPrecision::Int8, Mode::Inference)).contains("no layers")
    );
    let e = gpu("a10").unwrap_err().to_string();
    assert!(e.contains("unknown GPU `a10`"), "{e}");
    // A batch that does not fit is reported, not refused.
    let big = estimate(
        gpu("orin").unwrap(),
        &zoo::model("vgg16").unwrap(),
        4096,
        GpuPrecision::Fp16,
        Mode::Training(Optimizer::Adam),
    )
    .unwrap();
    assert!(!big.fits_memory);
}

/// Prints docs/VALIDATION.md's tables (run with `--nocapture`).
#[test]
fn validation_table() {
    let (cal, h) = fit();
    println!("fit: {cal:?} {h:?}");
    println!("\n| M | N | K | split | measured ms | predicted ms | error |");
    println!("|---|---|---|---|---|---|---|");
    for (m, n, k, t, train) in llmcompass() {
        let p = gemm_pred(&CALIBRATION, &HARNESS, (m, n, k));
        println!(
            "| {m} | {n} | {k} | {} | {:.4} | {:.4} | {:+.1} % |",
            if train { "train" } else { "held out" },
            t * 1e3,
            p * 1e3,
            100.0 * rel(p, t)
        );
    }
    println!(
        "\n| device | model | batch | scenario | round, system | published | predicted | error | split |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for p in mlperf() {
        let pred = mlperf_pred(&p, &CALIBRATION, &HARNESS);
        let offline = p.scenario == "Offline";
        let (batch, published, predicted) = if offline {
            (
                OFFLINE_BATCH,
                format!("{} samples/s", p.value),
                format!("{pred:.0} samples/s"),
            )
        } else {
            (
                1,
                format!("{} ms mean (p90 {} ms)", p.value, p.p90_ms.unwrap()),
                format!("{pred:.3} ms"),
            )
        };
        let split = match p.split.as_str() {
            "holdout" => "held out".to_string(),
            "excluded" => format!("excluded: {}", p.note),
            s => s.to_string(),
        };
        println!(
            "| {} | {} | {batch} | {} | {}, {} | {published} | {predicted} | {:+.1} % | {split} |",
            p.device,
            p.benchmark,
            p.scenario,
            p.round,
            p.system,
            100.0 * rel(pred, p.value),
        );
    }
    println!(
        "\n| GPU | square GEMM | GFLOP | model, launch included | model, kernel alone | Calculon |"
    );
    println!("|---|---|---|---|---|---|");
    let calc: Vec<(f64, f64)> = read("calculon_matrix_efficiency.csv")
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()))
        .collect();
    for name in ["a100", "h100"] {
        let g = gpu(name).unwrap();
        for gflop in [0.1f64, 1.0, 4.0, 16.0, 64.0, 128.0, 1024.0] {
            let n = (gflop * 1e9 / 2.0).cbrt().round() as u64;
            let t = gemm_time(g, GpuPrecision::Fp16, (n, n, n), &CALIBRATION).unwrap();
            let peak = g.peak_tops(GpuPrecision::Fp16).unwrap() * 1e12;
            let eff = 2.0 * (n * n * n) as f64 / t / peak;
            let c = calc.iter().find(|(min, _)| gflop >= *min).unwrap().1;
            let alone = gemm_efficiency(n, n, n, 1, g.sm_count(), &CALIBRATION);
            println!("| {name} | {n}^3 | {gflop} | {eff:.3} | {alone:.3} | {c:.2} |");
        }
    }
    println!("\n| GPU | model | precision | batch | latency ms | samples/s | W | mJ/sample | utilization |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for g in gpus() {
        for (name, p) in [
            ("resnet50", GpuPrecision::Int8),
            ("bert-base", GpuPrecision::Fp16),
        ] {
            let model = zoo::model(name).unwrap();
            for b in [1, 64] {
                let e = estimate(g, &model, b, p, Mode::Inference).unwrap();
                println!(
                    "| {} | {name} | {} | {b} | {:.3} | {:.0} | {:.0} | {:.2} | {:.2} |",
                    g.name,
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
