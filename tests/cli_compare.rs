//! `systolic compare` as a user runs it: every entry is the run it says it
//! is (an ASIC entry is `sim`'s or `train`'s simulation of the same design,
//! model and batch; a GPU or CPU entry is `sim::gpu`'s or `sim::cpu`'s
//! estimate), ranks run 1..n per batch, and bad targets, batches and
//! budgets are refused at their flag.

mod support;

use std::path::{Path, PathBuf};
use support::{fails, run as systolic, stderr, stdout};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_compare");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `compare` on ASIC targets: each entry is the design's `sim` run (latency
/// and energy equal), ranks run 1..n per batch, the JSON carries the
/// recommendation, and bad targets, batches and budgets are refused at
/// their flag with a hint, writing nothing.
#[test]
fn compare_ranks_asic_targets_from_their_simulations_and_refuses_bad_input() {
    let out = scratch("compare.json");
    let _ = std::fs::remove_file(&out);
    let o = systolic(&[
        "compare",
        "--model",
        "resnet18",
        "--batch",
        "1,4",
        "--targets",
        "asic:edge-8x8,asic:gemmini-like",
        "--latency-budget-ms",
        "100",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for b in [1, 4] {
        let mut ranks: Vec<u64> = entries
            .iter()
            .filter(|e| e["batch"] == b)
            .map(|e| e["rank"].as_u64().unwrap())
            .collect();
        ranks.sort_unstable();
        assert_eq!(ranks, vec![1, 2]);
    }
    // The entry is sim's run of the same design, model and batch.
    let e = entries
        .iter()
        .find(|e| e["target"] == "gemmini-like" && e["batch"] == 4)
        .unwrap();
    let s = systolic(&[
        "sim",
        "--design",
        "gemmini-like",
        "--model",
        "resnet18",
        "--batch",
        "4",
        "--format",
        "json",
    ]);
    let s: serde_json::Value = serde_json::from_str(&stdout(&s)).unwrap();
    let t = &s["total"];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(
        e["latency_ms"].as_f64().unwrap(),
        t["latency_us"].as_f64().unwrap() / 1e3
    ));
    assert!(close(
        e["energy_per_inference_mj"].as_f64().unwrap(),
        t["energy_total_pj"].as_f64().unwrap() / 4.0 / 1e9
    ));
    // edge-8x8 takes over 100 ms on resnet18: outside the budget, said so.
    let edge = entries.iter().find(|e| e["target"] == "edge-8x8").unwrap();
    assert!(edge["outside_budgets"]
        .as_str()
        .unwrap()
        .starts_with("latency "));
    assert!(v["recommendation"][0]
        .as_str()
        .unwrap()
        .starts_with("batch 1: ASIC gemmini-like: "));
    for (args, field) in [
        (vec!["--targets", "tpu:x"], "--targets"),
        (vec!["--targets", "edge-8x8"], "--targets"),
        (vec!["--batch", "0"], "--batch"),
        (vec!["--power-budget-w=-3"], "--power-budget-w"),
    ] {
        let bad = scratch("compare-bad.json");
        let mut all = vec![
            "compare",
            "--model",
            "resnet18",
            "--out",
            bad.to_str().unwrap(),
        ];
        all.extend(args.iter().copied());
        let e = fails(&all);
        assert!(e.contains(field) && e.contains("e.g."), "{args:?}: {e}");
        assert!(!bad.exists());
    }
    let e = fails(&[
        "compare",
        "--model",
        "resnet18",
        "--targets",
        "asic:no-such-design",
    ]);
    assert!(e.contains("no-such-design"), "{e}");
    // GPU targets: sim::gpu's calibrated model, said so; bad names and
    // precisions refused.
    let o = systolic(&[
        "compare",
        "--model",
        "resnet18",
        "--targets",
        "gpu:a100@fp16",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let e = &v["entries"][0];
    assert!(e["how"]
        .as_str()
        .unwrap()
        .contains("calibrated model, not a simulation"));
    let model = sim::workload::zoo::model("resnet18").unwrap();
    let g = sim::gpu::gpu("a100").unwrap();
    let want = sim::gpu::estimate(
        g,
        &model,
        1,
        sim::gpu::GpuPrecision::Fp16,
        sim::gpu::Mode::Inference,
    )
    .unwrap();
    assert!((e["latency_ms"].as_f64().unwrap() - want.latency_s * 1e3).abs() < 1e-9);
    for bad in ["gpu:v100", "gpu:a100@int4"] {
        let e = fails(&["compare", "--model", "resnet18", "--targets", bad]);
        assert!(
            e.contains(bad.split([':', '@']).nth(1).unwrap()),
            "{bad}: {e}"
        );
    }
    // FPGA targets: an unknown device names the known ones; a Xilinx device
    // (no place and route here) is refused before any synthesis runs.
    let e = fails(&[
        "compare",
        "--model",
        "resnet18",
        "--targets",
        "fpga:virtex9",
    ]);
    assert!(e.contains("virtex9") && e.contains("lfe5u-85f"), "{e}");
    let e = fails(&[
        "compare",
        "--model",
        "resnet18",
        "--targets",
        "fpga:xc7z020",
    ]);
    assert!(
        e.contains("no Fmax from this flow") && !e.contains("synthesizing"),
        "{e}"
    );
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = systolic(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// `--mode train`: an ASIC entry is `systolic train`'s step of the same
/// design, model and batch (latency the step's, energy and throughput per
/// sample); GPUs train in bf16, or fp16 without bf16; a step that does not
/// fit the target's memory is ranked outside, saying so.
#[test]
fn compare_in_train_mode_is_the_training_step_per_sample() {
    let v = json(&[
        "compare",
        "--model",
        "resnet18",
        "--mode",
        "train",
        "--optimizer",
        "sgd",
        "--batch",
        "4",
        "--targets",
        "asic:gemmini-bf16-like,gpu:a100,gpu:t4",
        "--format",
        "json",
    ]);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let find = |t: &str| entries.iter().find(|e| e["target"] == t).unwrap();
    let asic = find("gemmini-bf16-like");
    assert_eq!(asic["mode"], "train");
    let t = json(&[
        "train",
        "--design",
        "gemmini-bf16-like",
        "--model",
        "resnet18",
        "--batch",
        "4",
        "--optimizer",
        "sgd",
        "--format",
        "json",
    ]);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let cycles = f(&t["total"]["cycles"]);
    let clock_mhz = f(&t["design"]["clock_mhz"]);
    assert!(close(f(&asic["latency_ms"]), cycles / clock_mhz / 1e3));
    assert!(close(
        f(&asic["energy_per_inference_mj"]),
        f(&t["total"]["energy_pj"]) / 4.0 / 1e9
    ));
    assert!(close(
        f(&asic["throughput_per_s"]),
        4.0 / (f(&asic["latency_ms"]) / 1e3)
    ));
    // GPUs: the training estimate in bf16 (A100), fp16 (T4: no bf16).
    let model = sim::workload::zoo::model("resnet18").unwrap();
    for (name, p) in [
        ("a100", sim::gpu::GpuPrecision::Bf16),
        ("t4", sim::gpu::GpuPrecision::Fp16),
    ] {
        let e = find(name);
        assert!(e["how"].as_str().unwrap().contains(p.name()), "{e}");
        let want = sim::gpu::estimate(
            sim::gpu::gpu(name).unwrap(),
            &model,
            4,
            p,
            sim::gpu::Mode::Training(sim::train::Optimizer::Sgd),
        )
        .unwrap();
        assert!(close(f(&e["latency_ms"]), want.latency_s * 1e3), "{name}");
        assert_eq!(e["fits_memory"], true);
    }
    // The table speaks of samples, not inferences.
    let o = systolic(&[
        "compare",
        "--model",
        "resnet18",
        "--mode",
        "train",
        "--batch",
        "4",
        "--targets",
        "asic:gemmini-bf16-like",
    ]);
    let s = stdout(&o);
    assert!(
        s.contains("samples/s") && s.contains("mJ/sample") && !s.contains("inferences"),
        "{s}"
    );
    // resnet18 at batch 1024 needs over 16 GB to train: tpu-v3-mxu-like's
    // 8 GiB and the T4's 16 GB are too small; the A100's 80 GB are not.
    let v = json(&[
        "compare",
        "--model",
        "resnet18",
        "--mode",
        "train",
        "--batch",
        "1024",
        "--targets",
        "asic:tpu-v3-mxu-like,gpu:t4,gpu:a100",
        "--format",
        "json",
    ]);
    let entries = v["entries"].as_array().unwrap();
    let last_two: Vec<&str> = entries[1..]
        .iter()
        .map(|e| e["outside_budgets"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(entries[0]["target"], "a100");
    assert_eq!(last_two, ["does not fit its memory"; 2]);
    // An optimizer without --mode train is refused, saying so.
    let e = fails(&["compare", "--optimizer", "sgd"]);
    assert!(
        e.contains("--optimizer") && e.contains("--mode train"),
        "{e}"
    );
    // An unknown optimizer is refused at its flag (a usage error, as clap
    // reports one: exit 2).
    let o = systolic(&["compare", "--mode", "train", "--optimizer", "lion"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("--optimizer") && e.contains("adam"), "{e}");
}

/// CPU targets: `sim::cpu`'s calibrated model (int8 where the CPU has it,
/// else fp32), said so; on the seed's Dense(10) -> Dense(1) model a CPU
/// answers before every GPU (whose host round trip dominates), and the
/// recommendation says so with both latencies; a precision the CPU lacks is
/// refused naming the ones it has.
#[test]
fn cpu_targets_answer_the_seed_model_before_every_gpu() {
    let v = json(&[
        "compare",
        "--model",
        "dense-10-1",
        "--targets",
        "gpu:t4,gpu:a100,cpu:xeon-8480,cpu:rpi4",
        "--format",
        "json",
    ]);
    let entries = v["entries"].as_array().unwrap();
    let model = sim::workload::zoo::model("dense-10-1").unwrap();
    for (name, p) in [
        ("xeon-8480", sim::gpu::GpuPrecision::Int8),
        ("rpi4", sim::gpu::GpuPrecision::Fp32),
    ] {
        let e = entries.iter().find(|e| e["target"] == name).unwrap();
        assert_eq!(e["kind"], "cpu");
        let how = e["how"].as_str().unwrap();
        assert!(
            how.contains(p.name()) && how.contains("calibrated model, not a simulation"),
            "{how}"
        );
        let want = sim::cpu::estimate(
            sim::cpu::cpu(name).unwrap(),
            &model,
            1,
            p,
            sim::gpu::Mode::Inference,
        )
        .unwrap();
        assert!(
            (f(&e["latency_ms"]) - want.latency_s * 1e3).abs() < 1e-12,
            "{name}"
        );
    }
    let gpu_fastest = entries
        .iter()
        .filter(|e| e["kind"] == "gpu")
        .map(|e| f(&e["latency_ms"]))
        .fold(f64::INFINITY, f64::min);
    let xeon = entries.iter().find(|e| e["target"] == "xeon-8480").unwrap();
    assert!(f(&xeon["latency_ms"]) < gpu_fastest);
    let lines: Vec<&str> = v["recommendation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        lines.iter().any(
            |l| l.starts_with("batch 1: the CPU xeon-8480 answers first (")
                && l.ends_with("the model is too small to keep a GPU busy")
        ),
        "{lines:?}"
    );
    let e = fails(&[
        "compare",
        "--model",
        "dense-10-1",
        "--targets",
        "cpu:rpi4@int8",
    ]);
    assert!(e.contains("int8") && e.contains("fp32"), "{e}");
    let e = fails(&["compare", "--model", "dense-10-1", "--targets", "cpu:epyc"]);
    assert!(e.contains("xeon-8480"), "{e}");
}

/// The targets of the committed worked example: every kind.
const EXAMPLE_TARGETS: &str = "asic:edge-8x8,asic:gemmini-like,asic:tpu-v1-like,fpga:ice40up5k,gpu:a100,gpu:t4,gpu:orin,cpu:xeon-8480,cpu:rpi4";

/// The committed worked example (`reports/compare/`, docs/COMPARE.md) is
/// what the current code writes, byte for byte: tables and reports for the
/// seed's dense model and resnet50 on ASICs, an FPGA (synthesized, placed
/// and routed here: needs Yosys and nextpnr-ice40, installed by
/// scripts/setup.sh), GPUs and CPUs. Regenerate with
/// `scripts/compare-example.sh`.
#[test]
fn the_committed_compare_example_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hint = "regenerate it with scripts/compare-example.sh";
    let dir = support::scratch("cli_compare", "example");
    let out = dir.join("out");
    for model in ["dense-10-1", "resnet50"] {
        let report = out.join(model);
        let table = out.join(format!("{model}.txt"));
        let o = support::run_in(
            &dir,
            &[
                "compare",
                "--model",
                model,
                "--batch",
                "1,8,64",
                "--targets",
                EXAMPLE_TARGETS,
                "--report",
                support::s(&report),
                "--out",
                support::s(&table),
            ],
            &[],
        );
        assert!(o.status.success(), "{model}: {}", stderr(&o));
        let committed = root.join("reports/compare");
        support::assert_same_files(&committed.join(model), &report, hint);
        assert!(
            std::fs::read(committed.join(format!("{model}.txt"))).unwrap()
                == std::fs::read(&table).unwrap(),
            "reports/compare/{model}.txt is stale; {hint}"
        );
    }
}

/// A design that keeps activations on chip (tpu-v1-like's 24 MiB Unified
/// Buffer) serves resnet50 at batch 64, whose activations would spill, as 7
/// runs of 9 or 10 images that keep them on chip: the entry is the sum of
/// `sim`'s runs at those batches, and its row says so; at batch 8 (fits) it
/// is `sim`'s batch of 8.
#[test]
fn a_batch_too_large_for_on_chip_activations_runs_as_sub_batches() {
    let v = json(&[
        "compare",
        "--model",
        "resnet50",
        "--batch",
        "8,64",
        "--targets",
        "asic:tpu-v1-like",
        "--format",
        "json",
    ]);
    let sim_ms = |b: &str| {
        let s = json(&[
            "sim",
            "--design",
            "tpu-v1-like",
            "--model",
            "resnet50",
            "--batch",
            b,
            "--format",
            "json",
        ]);
        f(&s["total"]["latency_us"]) / 1e3
    };
    let entries = v["entries"].as_array().unwrap();
    let at = |b: u64| entries.iter().find(|e| e["batch"] == b).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(f(&at(8)["latency_ms"]), sim_ms("8")));
    assert!(!at(8)["how"].as_str().unwrap().contains("runs of"));
    let e = at(64);
    let how = e["how"].as_str().unwrap();
    assert!(
        how.contains("as 7 runs of 9 or 10 keeping activations on chip"),
        "{how}"
    );
    let whole = sim_ms("64");
    let split = 6.0 * sim_ms("9") + sim_ms("10");
    assert!(
        close(f(&e["latency_ms"]), split),
        "{} {split}",
        e["latency_ms"]
    );
    assert!(split < whole / 4.0, "split {split} ms, whole {whole} ms");
}
