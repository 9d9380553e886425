//! Train-mode sweeps through the library: each row equals one chip's
//! `sim::train::step` scaled by `sim::scaleout::step` on the same design and
//! chip count; the step is simulated once per (point, model); training
//! fields and the chips axis are refused in inference sweeps and checked in
//! train sweeps; objectives, constraints and memory fit make the fronts;
//! files do not depend on threads, resume and shards give the same bytes.

mod support;
use support::{files, opts, quiet, TOPOLOGY};

use dse::{
    merge, pareto_rows, read_train_csv, run, Objective, Outputs, Row, Sense, Shard, Spec, TrainRow,
    TRAIN_COLUMNS,
};
use sim::scaleout::{self, Bucketing, DataParallel, GradientReady, StateBytes, StepProfile};
use sim::train::{Optimizer, Recompute, TrainOptions};
use sim::{FastEngine, TimingMode};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    support::scratch("train-sweep", name)
}

/// A ring of 8 chips per node and 100 GB/s, in a file beside the spec.
const RING: &str = "name = \"test-ring\"\nsource = \"made up for a test\"\ninterconnect = \"ring\"\n[link]\nbandwidth_gbytes_per_s = 100\nlatency_us = 5\n";

/// 2 x 2 x 2 = 8 points, two models, three chip counts: 48 rows.
const SMALL: &str = r#"
description = "test train sweep"
mode = "train"
base = "tpu-v3-mxu-like"
models = ["resnet18", "tiny.csv"]
batch = 2
optimizer = "momentum"
cluster = "tpu-v4"
zero = 2
pareto = ["step_time", "samples_per_w", "area"]

[grid]
rows = [32, 128]
cols = [64, 128]
dataflow = ["ws", "os"]
chips = [1, 8, 64]

[constraints]
max_step_time_ms = 60
"#;

fn write_spec(dir: &Path, text: &str) -> Spec {
    std::fs::write(dir.join("tiny.csv"), TOPOLOGY).unwrap();
    std::fs::write(dir.join("ring.toml"), RING).unwrap();
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    Spec::load(&path).unwrap()
}

fn rows_of(o: &Outputs) -> Vec<TrainRow> {
    read_train_csv(&std::fs::read_to_string(&o.csv).unwrap(), "r.csv").unwrap()
}

/// Each row against the step and scale-out computed here from their
/// definitions: the profile from the step's cycles, the state bytes from
/// the step's memory, the energy and memory of all chips.
#[test]
fn rows_equal_the_step_scaled_out_on_the_same_design_and_chips() {
    let dir = scratch("equal");
    let engine = FastEngine {
        mode: TimingMode::Rtl,
    };
    // bf16 with HBM capacity on a torus; int8 without capacity on a ring
    // file beside the spec, with selective recomputation and ZeRO 3.
    for (base, extra) in [
        ("tpu-v3-mxu-like", "cluster = \"tpu-v4\"\nzero = 1\noptimizer = \"adam\"\n"),
        (
            "edge-8x8",
            "cluster = \"ring.toml\"\nzero = 3\noptimizer = \"sgd\"\nrecompute = \"selective\"\nmaster_fp32 = false\nbucket_mib = 4\n",
        ),
    ] {
        let text = format!(
            "mode = \"train\"\nbase = \"{base}\"\nmodels = [\"resnet18\", \"lstm-lm\", \"tiny.csv\"]\nbatch = 3\n{extra}[grid]\nrows = [16, 64]\ncols = [32]\ndataflow = [\"ws\", \"os\", \"is\"]\nchips = [1, 2, 8, 16]\n"
        );
        let spec = write_spec(&dir, &text);
        let t = spec.train.as_ref().unwrap();
        let ev = dse::Evaluator::new(&spec);
        for i in 0..spec.points() {
            let point = spec.point(i);
            let design = point.design(&spec.base).unwrap();
            let rows = ev.train_rows(&point).unwrap();
            assert_eq!(rows.len(), 3 * 4);
            let mut gemms = 0;
            for (k, m) in spec.models.iter().enumerate() {
                let opts = TrainOptions {
                    batch: 3,
                    optimizer: t.options.optimizer,
                    master_fp32: t.options.master_fp32,
                    recompute: t.options.recompute,
                };
                let step = sim::train::step(&design, &m.model, &engine, &opts).unwrap();
                gemms += step
                    .rows
                    .iter()
                    .filter(|r| r.report.unit == "array" && r.report.macs > 0)
                    .count() as u64;
                let hz = design.clock_mhz * 1e6;
                let profile = StepProfile {
                    forward_s: step.forward.cycles as f64 / hz,
                    backward_s: step.backward.cycles as f64 / hz,
                    update_s: step.update.cycles as f64 / hz,
                    batch_per_chip: 3,
                    gradients: step
                        .gradients_ready
                        .iter()
                        .map(|&(c, bytes)| GradientReady {
                            time_s: c as f64 / hz,
                            bytes,
                        })
                        .collect(),
                    parameters: step.memory.params,
                };
                let p = step.memory.params.max(1);
                let dp = DataParallel {
                    bucketing: t.bucketing,
                    zero: t.zero,
                    state: StateBytes {
                        weights: step.memory.weights / p,
                        grads: step.memory.gradients / p,
                        optimizer: step.memory.optimizer / p,
                    },
                };
                for (c, &n) in t.chips.iter().enumerate() {
                    let row = &rows[k * 4 + c];
                    let at = scaleout::step(&t.cluster, n, &profile, &dp).unwrap();
                    let what = format!("{base} point {i} {} on {n} chips", m.name);
                    assert_eq!((row.point, row.model.as_str(), row.chips), (i, m.name.as_str(), n), "{what}");
                    assert_eq!(row.macs, step.total.macs, "{what}");
                    assert_eq!(row.cycles, step.total.cycles, "{what}");
                    assert_eq!(row.layers, m.model.len() as u64);
                    assert_eq!(row.global_batch, 3 * u64::from(n));
                    assert_eq!(row.step_time_ms, at.step_s * 1e3, "{what}");
                    assert_eq!(row.compute_ms, at.compute_s * 1e3);
                    assert_eq!(row.comm_ms, at.comm_s * 1e3);
                    assert_eq!(row.exposed_comm_ms, at.exposed_comm_s * 1e3);
                    assert_eq!(row.samples_per_s, at.samples_per_s);
                    assert_eq!(row.scaling_efficiency, at.efficiency);
                    assert_eq!(row.layout, at.layout.to_string());
                    // Energy: passes on every chip; the update on every chip
                    // under DDP, once in all from ZeRO 1 on.
                    let passes = step.forward.energy_pj + step.backward.energy_pj;
                    let update = if t.zero.number() == 0 {
                        step.update.energy_pj * f64::from(n)
                    } else {
                        step.update.energy_pj
                    };
                    let energy_mj = (passes * f64::from(n) + update) / 1e9;
                    assert!((row.energy_per_step_mj - energy_mj).abs() <= 1e-12 * energy_mj, "{what}");
                    let power = energy_mj * 1e-3 / at.step_s;
                    assert!((row.power_w - power).abs() <= 1e-12 * power, "{what}");
                    let per_joule = at.global_batch as f64 / (energy_mj * 1e-3);
                    assert!((row.samples_per_s_per_w - per_joule).abs() <= 1e-9 * per_joule, "{what}");
                    let memory = at.memory_per_chip_bytes
                        + (step.memory.activations + step.memory.workspace) as f64;
                    assert_eq!(row.memory_per_chip_gib, memory / (1u64 << 30) as f64);
                    if n == 1 {
                        assert_eq!(memory, step.memory.peak as f64, "one chip holds the step's peak");
                    }
                    assert_eq!(
                        row.fits_memory,
                        design.dram_capacity_bytes.map(|c| memory <= c as f64)
                    );
                    assert_eq!(row.area_mm2, sim::area::of(&design).total_mm2);
                    assert_eq!(
                        (row.optimizer.as_str(), row.recompute.as_str(), row.zero),
                        (t.options.optimizer.name(), t.options.recompute.name(), t.zero.number())
                    );
                    assert_eq!(row.design(&dir).unwrap(), design);
                }
            }
            assert_eq!(ev.engine_layers_per_point(), gemms, "{base}");
        }
    }
    let spec = write_spec(&dir, SMALL);
    let t = spec.train.as_ref().unwrap();
    assert_eq!(
        (
            t.options.optimizer,
            t.options.recompute,
            t.options.master_fp32
        ),
        (Optimizer::Momentum, Recompute::None, true)
    );
    assert_eq!(t.bucketing, Bucketing::DDP);
}

/// The chips axis scales one simulated step: the rows of a (point, model)
/// share every figure of the one-chip step, whatever the chip counts.
#[test]
fn the_chips_axis_reuses_one_step() {
    let dir = scratch("reuse");
    let one = write_spec(&dir, &SMALL.replace("chips = [1, 8, 64]", "chips = [8]"));
    let many = write_spec(&dir, SMALL);
    let point = many.point(5);
    let a = dse::Evaluator::new(&one).train_rows(&point).unwrap();
    let b = dse::Evaluator::new(&many).train_rows(&point).unwrap();
    assert_eq!((a.len(), b.len()), (2, 6));
    assert_eq!(a[0], b[1], "8 chips alone = 8 chips among 1, 8, 64");
    assert_eq!(a[1], b[4]);
    for r in &b[..3] {
        assert_eq!((r.cycles, r.macs), (b[0].cycles, b[0].macs));
    }
    assert_eq!(
        dse::Evaluator::new(&one).engine_layers_per_point(),
        dse::Evaluator::new(&many).engine_layers_per_point(),
        "engine work per point does not grow with the chip counts"
    );
}

#[test]
fn the_files_hold_train_columns_and_the_sidecar_the_mode() {
    let dir = scratch("columns");
    let spec = write_spec(&dir, SMALL);
    let o = opts(&dir.join("r.csv"));
    let s = run(&spec, &o, &quiet).unwrap();
    let text = std::fs::read_to_string(&o.outputs.csv).unwrap();
    assert_eq!(text.lines().next().unwrap(), TRAIN_COLUMNS.join(","));
    let rows = rows_of(&o.outputs);
    assert_eq!(rows.len(), 8 * 2 * 3);
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r.point, (k / 6) as u64);
        assert_eq!(r.model, ["resnet18", "tiny.csv"][k % 6 / 3]);
        assert_eq!(r.chips, [1, 8, 64][k % 3]);
    }
    // The JSON lines are the same rows (written from the same values).
    let mut json = Vec::new();
    dse::write_jsonl(&rows, &mut json);
    assert_eq!(std::fs::read(&o.outputs.jsonl).unwrap(), json);
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&o.outputs.meta).unwrap()).unwrap();
    assert_eq!(meta["mode"], "train");
    assert_eq!(meta["chips"], serde_json::json!([1, 8, 64]));
    assert_eq!(meta["rows"], 48);
    assert_eq!(meta["complete"], true);
    assert_eq!(s.front.len(), 0);
    assert!(!s.train_front.is_empty());
    // Reports draw inference sweeps only, and say so.
    let e = dse::results::read(&o.outputs.csv).unwrap_err().to_string();
    assert!(e.contains("train-mode sweep"), "{e}");
    // An inference spec's sidecar has neither field (its files are as before).
    let inference = write_spec(
        &scratch("columns-inference"),
        "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n",
    );
    let m = dse::Meta::of(&inference, None, &Outputs::beside(Path::new("i.csv"), None));
    let text = m.to_text();
    assert!(
        !text.contains("\"mode\"") && !text.contains("\"chips\""),
        "{text}"
    );
}

/// The non-dominated feasible rows of each model, by definition.
fn brute_force(rows: &[TrainRow], objectives: &[Objective]) -> Vec<usize> {
    let better = |o: &Objective, a: &TrainRow, b: &TrainRow| match o.sense() {
        Sense::Min => a.value(*o) < b.value(*o),
        Sense::Max => a.value(*o) > b.value(*o),
    };
    let dominates = |a: &TrainRow, b: &TrainRow| {
        objectives.iter().all(|o| !better(o, b, a)) && objectives.iter().any(|o| better(o, a, b))
    };
    (0..rows.len())
        .filter(|&i| rows[i].feasible)
        .filter(|&i| {
            !rows
                .iter()
                .any(|r| r.feasible && r.model == rows[i].model && dominates(r, &rows[i]))
        })
        .collect()
}

#[test]
fn objectives_constraints_and_memory_fit_make_the_fronts() {
    let dir = scratch("objectives");
    // A capacity that one chip's resnet18 state overflows and ZeRO 2 on 64
    // chips does not.
    let design = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../designs/tpu-v3-mxu-like.toml"),
    )
    .unwrap()
    .replace("dram_capacity_gib = 8", "dram_capacity_gib = 0.1");
    std::fs::write(dir.join("small-hbm.toml"), design).unwrap();
    let spec = write_spec(
        &dir,
        &SMALL.replace("\"tpu-v3-mxu-like\"", "\"small-hbm.toml\""),
    );
    let o = opts(&dir.join("r.csv"));
    let s = run(&spec, &o, &quiet).unwrap();
    let rows = rows_of(&o.outputs);
    let r18 = |chips: u32| {
        rows.iter()
            .find(|r| r.model == "resnet18" && r.chips == chips)
            .unwrap()
    };
    assert_eq!(r18(1).fits_memory, Some(false));
    assert!(!r18(1).feasible, "a step that does not fit is infeasible");
    assert_eq!(r18(64).fits_memory, Some(true));
    assert!(r18(64).memory_per_chip_gib < r18(1).memory_per_chip_gib);
    for r in &rows {
        let limit = r.step_time_ms <= 60.0;
        assert_eq!(r.feasible, limit && r.fits_memory != Some(false), "{r:?}");
    }
    assert!(rows.iter().any(|r| r.feasible) && rows.iter().any(|r| !r.feasible));
    let all = Objective::TRAIN;
    let mut checked = 0;
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate().skip(i + 1) {
            let two = [*a, *b];
            assert_eq!(
                pareto_rows(&rows, &two),
                brute_force(&rows, &two),
                "{two:?}"
            );
            for c in &all[j + 1..] {
                let three = [*a, *b, *c];
                assert_eq!(
                    pareto_rows(&rows, &three),
                    brute_force(&rows, &three),
                    "{three:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 20);
    let front = brute_force(&rows, &spec.pareto);
    let file = read_train_csv(&std::fs::read_to_string(&o.outputs.pareto).unwrap(), "p").unwrap();
    assert_eq!(
        file,
        front.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>()
    );
    assert_eq!(s.train_front, file);
    assert_eq!(
        Objective::SamplesPerW.sense(),
        Sense::Max,
        "samples per watt is maximized"
    );
    // --pareto of the other mode is refused.
    let mut other = opts(&dir.join("r.csv"));
    other.pareto = Some(vec![Objective::Latency, Objective::Energy]);
    let e = run(&spec, &other, &quiet).unwrap_err().to_string();
    assert!(
        e.contains("objective `latency` belongs to inference-mode sweeps"),
        "{e}"
    );
    // Other train objectives over the same files: the Pareto file follows.
    other.pareto = Some(vec![Objective::EnergyPerStep, Objective::SamplesPerS]);
    let s = run(&spec, &other, &quiet).unwrap();
    assert_eq!(
        s.train_front,
        brute_force(&rows, &[Objective::EnergyPerStep, Objective::SamplesPerS])
            .iter()
            .map(|&i| rows[i].clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn output_is_identical_for_one_and_two_threads() {
    let dir = scratch("threads");
    let spec = write_spec(&dir, SMALL);
    let mut out = Vec::new();
    for threads in [1, 2] {
        let mut o = opts(&dir.join(format!("t{threads}.csv")));
        o.threads = Some(threads);
        run(&spec, &o, &quiet).unwrap();
        out.push(files(&o.outputs));
    }
    assert_eq!(out[0], out[1]);
}

#[test]
fn an_interrupted_run_resumes_to_the_same_bytes() {
    let dir = scratch("resume");
    let spec = write_spec(&dir, SMALL);
    let whole = opts(&dir.join("whole.csv"));
    run(&spec, &whole, &quiet).unwrap();
    let want = files(&whole.outputs);
    let o = opts(&dir.join("cut.csv"));
    // Cuts mid-line, mid-point (a point has 6 rows) and header only, with
    // the two files at different lengths.
    for (c, j) in [
        (0.0, 0.0),
        (0.5, 0.5),
        (0.31, 0.77),
        (0.9, 0.1),
        (0.999, 1.0),
        (1.0, 0.42),
        (0.02, 0.6),
    ] {
        run(&spec, &o, &quiet).unwrap();
        for (path, frac) in [(&o.outputs.csv, c), (&o.outputs.jsonl, j)] {
            let bytes = std::fs::read(path).unwrap();
            let keep = ((bytes.len() as f64) * frac) as usize;
            std::fs::write(path, &bytes[..keep]).unwrap();
        }
        let s = run(&spec, &o, &quiet).unwrap();
        assert!(s.complete);
        assert_eq!(files(&o.outputs), want, "cut at {c}, {j}");
    }
    let _ = std::fs::remove_file(&o.outputs.csv);
    let _ = std::fs::remove_file(&o.outputs.jsonl);
    let mut part = o.clone();
    part.stop_after = Some(3);
    let mut done = 0;
    loop {
        let s = run(&spec, &part, &quiet).unwrap();
        assert_eq!(s.resumed, done);
        done += s.evaluated;
        if s.complete {
            break;
        }
    }
    assert_eq!(done, 8);
    assert_eq!(files(&o.outputs), want);
    // A row of another chip count where the sweep expects this one.
    let text = std::fs::read_to_string(&o.outputs.csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let edited = [&[lines[0], lines[2], lines[1]][..], &lines[3..]]
        .concat()
        .join("\n")
        + "\n";
    std::fs::write(&o.outputs.csv, edited).unwrap();
    let e = run(&spec, &o, &quiet).unwrap_err().to_string();
    assert!(
        e.contains("row 1 is point 0 of `resnet18` on 8 chips where the sweep expects point 0 of `resnet18` on 1 chips"),
        "{e}"
    );
}

#[test]
fn shards_merge_into_the_unsharded_run() {
    let dir = scratch("merge");
    let spec = write_spec(&dir, SMALL);
    let whole = opts(&dir.join("whole.csv"));
    run(&spec, &whole, &quiet).unwrap();
    let n = 3; // 8 points do not split evenly.
    let mut shards = Vec::new();
    for i in 0..n {
        let p = dir.join(format!("s{i}.csv"));
        let mut o = opts(&p);
        o.shard = Some(Shard { index: i, count: n });
        o.threads = Some(1 + i as usize % 2);
        if i == 1 {
            o.stop_after = Some(1);
            assert!(!run(&spec, &o, &quiet).unwrap().complete);
            let bytes = std::fs::read(&o.outputs.csv).unwrap();
            std::fs::write(&o.outputs.csv, &bytes[..bytes.len() - 9]).unwrap();
            o.stop_after = None;
        }
        assert!(run(&spec, &o, &quiet).unwrap().complete);
        shards.push(p);
    }
    let merged = Outputs::beside(&dir.join("merged.csv"), None);
    let m = merge(&shards, &merged, None).unwrap();
    assert_eq!((m.shards, m.points, m.rows), (3, 8, 48));
    assert_eq!(files(&merged), files(&whole.outputs));
    assert!(!m.train_front.is_empty() && m.front.is_empty());
    let s = run(&spec, &opts(&merged.csv), &quiet).unwrap();
    assert_eq!((s.resumed, s.evaluated), (8, 0));
    let e = merge(
        &shards,
        &Outputs::beside(&dir.join("m2.csv"), None),
        Some(vec![Objective::Latency, Objective::Area]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("belongs to inference-mode sweeps"), "{e}");
    assert!(merge(
        &shards[..2],
        &Outputs::beside(&dir.join("m3.csv"), None),
        None
    )
    .unwrap_err()
    .to_string()
    .contains("shard 2/3 is missing"));
}

/// Parses `text` as a spec that must fail; returns the error's one-line form.
fn bad(text: &str) -> String {
    let dir = scratch("bad");
    std::fs::write(dir.join("ring.toml"), RING).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let e = Spec::load(&path).unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with(&path.display().to_string()), "{s}");
    s.replacen(&path.display().to_string(), "bad.toml", 1)
}

#[test]
fn training_fields_are_refused_in_inference_and_checked_in_train_mode() {
    let inf = "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n";
    let tr = "mode = \"train\"\nbase = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n";
    let cases: Vec<(String, &str)> = vec![
        (format!("{inf}[grid]\nrows = [8]\nchips = [1, 8]\n"), "bad.toml:5: field `grid.chips`: `grid.chips` applies to train-mode sweeps, and this sweep is in inference mode"),
        (format!("{inf}optimizer = \"adam\"\n"), "bad.toml:3: field `optimizer`: `optimizer` applies to train-mode sweeps"),
        (format!("{inf}cluster = \"tpu-v4\"\n"), "bad.toml:3: field `cluster`: `cluster` applies to train-mode sweeps"),
        (format!("{inf}zero = 1\n"), "bad.toml:3: field `zero`: `zero` applies to train-mode sweeps"),
        (format!("mode = \"inference\"\n{inf}recompute = \"all\"\n"), "bad.toml:4: field `recompute`: `recompute` applies to train-mode sweeps"),
        (format!("{inf}pareto = [\"step_time\", \"area\"]\n"), "bad.toml:3: field `pareto[0]`: objective `step_time` belongs to train-mode sweeps, and this sweep is in inference mode"),
        (format!("{inf}[constraints]\nmax_step_time_ms = 5\n"), "bad.toml:4: field `constraints.max_step_time_ms`: `max_step_time_ms` limits train-mode rows, and this sweep is in inference mode"),
        ("mode = \"trian\"\nbase = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n".to_string(), "bad.toml:1: unknown variant `trian`, expected `inference` or `train`"),
        (format!("{tr}optimizer = \"lamb\"\n"), "bad.toml:4: field `optimizer`: unknown optimizer `lamb`"),
        (format!("{tr}recompute = \"some\"\n"), "bad.toml:4: field `recompute`: unknown recomputation `some`"),
        (format!("{tr}zero = 4\n"), "bad.toml:4: field `zero`: ZeRO stage 4 does not exist"),
        (format!("{tr}zero = -1\n"), "bad.toml:4: field `zero`: ZeRO stage -1 does not exist"),
        (format!("{tr}bucket_mib = -1\n"), "bad.toml:4: field `bucket_mib`: a bucket of -1 MiB"),
        (format!("{tr}cluster = \"tpu-v9\"\n"), "bad.toml:4: field `cluster`: unknown cluster `tpu-v9`"),
        (format!("{tr}[grid]\nchips = [8, 0]\n"), "bad.toml:5: field `grid.chips[1]`: 0 chips is out of range for cluster `tpu-v4`"),
        (format!("{tr}[grid]\nchips = [8, 8]\n"), "bad.toml:5: field `grid.chips[1]`: this value is listed twice"),
        (format!("{tr}[grid]\nchips = []\n"), "bad.toml:5: field `grid.chips`: the list is empty"),
        (format!("{tr}cluster = \"dgx-h100-ib-ndr\"\n[grid]\nchips = [8, 12]\n"), "bad.toml:6: field `grid.chips[1]`: 12 chips do not fill whole nodes of 8 chips"),
        (format!("{tr}cluster = \"ring.toml\"\n[grid]\nchips = [1, 16777217]\n"), "bad.toml:6: field `grid.chips[1]`: 16777217 chips is out of range for cluster `test-ring`"),
        (format!("{tr}pareto = [\"latency\", \"energy\"]\n"), "bad.toml:4: field `pareto[0]`: objective `latency` belongs to inference-mode sweeps, and this sweep is in train mode"),
        (format!("{tr}pareto = [\"step_time\", \"speed\"]\n"), "bad.toml:4: field `pareto[1]`: unknown objective `speed`"),
        (format!("{tr}[constraints]\nmin_tops = 1\n"), "bad.toml:5: field `constraints.min_tops`: `min_tops` limits inference rows, and this sweep is in train mode"),
        (format!("{tr}[constraints]\nmin_samples_per_s = -2\n"), "bad.toml:5: field `constraints.min_samples_per_s`: expected a positive number, found -2"),
        (format!("{tr}batch = 4294967296\n"), "bad.toml:4: field `batch`: a batch of 4294967296 per chip is too large for scale-out"),
    ];
    for (text, want) in &cases {
        let got = bad(text);
        assert!(
            got.starts_with(want),
            "\nspec:\n{text}\nwant: {want}\ngot:  {got}"
        );
    }
    // A bad cluster file names itself.
    let dir = scratch("bad-cluster");
    std::fs::write(dir.join("c.toml"), RING.replace("= 100", "= -1")).unwrap();
    std::fs::write(dir.join("s.toml"), format!("{tr}cluster = \"c.toml\"\n")).unwrap();
    let e = Spec::load(&dir.join("s.toml")).unwrap_err().to_string();
    assert!(
        e.contains("c.toml:5: field `link.bandwidth_gbytes_per_s`"),
        "{e}"
    );
}

#[test]
fn train_settings_and_the_cluster_file_enter_the_hash() {
    let dir = scratch("hash");
    let spec = write_spec(&dir, SMALL);
    for changed in [
        SMALL.replace("zero = 2", "zero = 1"),
        SMALL.replace("chips = [1, 8, 64]", "chips = [1, 8]"),
        SMALL.replace("\"momentum\"", "\"adam\""),
        SMALL.replace("\"tpu-v4\"", "\"ring.toml\""),
    ] {
        assert_ne!(write_spec(&dir, &changed).hash, spec.hash, "{changed}");
    }
    let ring = write_spec(&dir, &SMALL.replace("\"tpu-v4\"", "\"ring.toml\""));
    std::fs::write(dir.join("ring.toml"), RING.replace("= 100", "= 200")).unwrap();
    let edited = Spec::load(&dir.join("spec.toml")).unwrap();
    assert_ne!(
        edited.hash, ring.hash,
        "the cluster file's content is part of the hash"
    );
}

/// An inference spec's canonical form (what its hash is taken over) has
/// none of the fields train mode added, so its hash, sidecar and resume
/// are as before.
#[test]
fn inference_specs_hash_as_before() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../designs/sweeps");
    for name in ["default.toml", "resnet50-10k.toml", "datacenter.toml"] {
        let spec = Spec::load(&root.join(name)).unwrap();
        let canonical = serde_json::to_string(&spec.raw).unwrap();
        for key in [
            "mode",
            "optimizer",
            "master_fp32",
            "recompute",
            "cluster",
            "zero",
            "bucket_mib",
            "chips",
            "max_step_time_ms",
            "max_energy_per_step_mj",
            "min_samples_per_s",
            "min_samples_per_s_per_w",
        ] {
            assert!(
                !canonical.contains(&format!("\"{key}\"")),
                "{name}: {canonical}"
            );
        }
    }
}
