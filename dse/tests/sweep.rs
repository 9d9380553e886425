//! Sweeps through the library: the lean evaluation equals `simulate`, the
//! files do not depend on the thread count, interrupted runs resume byte for
//! byte, shards merge into the unsharded run, Pareto rows match a brute-force
//! check on real output, and bad specs say where they are wrong.

mod support;
use support::{files, opts, quiet, TOPOLOGY};

use dse::{
    merge, pareto_rows, read_csv, run, Objective, Outputs, Sense, Shard, Spec, SweepRow, COLUMNS,
};
use sim::{simulate, FastEngine, RunOptions as SimOptions, TimingMode};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    support::scratch("sweep", name)
}

/// A small sweep: 2 x 2 x 3 x 2 = 24 points, two models (one a topology
/// file next to the spec), constraints and a three-objective front.
const SMALL: &str = r#"
description = "test sweep"
base = "mobile-32x32"
models = ["mobilenet_v2", "tiny.csv"]
batch = 2
pareto = ["latency", "energy", "area"]

[grid]
rows = [16, 32]
cols = [16, 64]
dataflow = ["ws", "os", "is"]
ifmap_sram_kib = [64, 256]

[constraints]
max_area_mm2 = 4.2
"#;

fn write_spec(dir: &Path, text: &str) -> Spec {
    std::fs::write(dir.join("tiny.csv"), TOPOLOGY).unwrap();
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    Spec::load(&path).unwrap()
}

#[test]
fn columns_are_the_fields_of_a_row_in_order() {
    let dir = scratch("columns");
    let spec = write_spec(&dir, SMALL);
    run(&spec, &opts(&dir.join("r.csv")), &quiet).unwrap();
    let text = std::fs::read_to_string(dir.join("r.csv")).unwrap();
    assert_eq!(text.lines().next().unwrap(), COLUMNS.join(","));
    let json: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.join("r.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want: Vec<&str> = COLUMNS.to_vec();
    want.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    let rows = read_csv(&text, "r.csv").unwrap();
    assert_eq!(rows.len(), 24 * 2);
    // Point-major order, models in spec order, every point once.
    for (k, r) in rows.iter().enumerate() {
        assert_eq!(r.point, (k / 2) as u64);
        assert_eq!(r.model, ["mobilenet_v2", "tiny.csv"][k % 2]);
    }
    // The grid's last axis varies fastest.
    assert_eq!(
        (rows[0].ifmap_sram_kib, rows[2].ifmap_sram_kib),
        (64.0, 256.0)
    );
    assert_eq!(
        (rows[0].dataflow.as_str(), rows[4].dataflow.as_str()),
        ("ws", "os")
    );
}

#[test]
fn rows_equal_simulate_on_the_same_design_and_rebuild_their_design() {
    let dir = scratch("equal");
    // Bases of every kind: ws int8 with LPDDR4, is int16 with a 48-bit
    // accumulator, activations kept on chip (tpu-v1-like), bf16.
    for base in [
        "mobile-32x32",
        "server-128x128-is",
        "tpu-v1-like",
        "tpu-v3-mxu-like",
    ] {
        let text = format!(
            "base = \"{base}\"\nmodels = [\"resnet18\", \"bert-base\", \"tiny.csv\"]\nbatch = 3\n[grid]\nrows = [16, 128]\ncols = [32]\ndataflow = [\"ws\", \"os\", \"is\"]\noperand = [\"int8\", \"fp16\"]\nclock_mhz = [700]\n"
        );
        let spec = write_spec(&dir, &text);
        let ev = dse::Evaluator::new(&spec);
        let engine = FastEngine {
            mode: TimingMode::Rtl,
        };
        for i in 0..spec.points() {
            let point = spec.point(i);
            let design = point.design(&spec.base).unwrap();
            let rows = ev.rows(&point).unwrap();
            for (m, row) in spec.models.iter().zip(&rows) {
                let report = simulate(
                    &design,
                    &m.model,
                    &engine,
                    &SimOptions {
                        batch: 3,
                        layers: Vec::new(),
                    },
                )
                .unwrap();
                let w = dse::Workload::new(&m.name, &m.model, 3);
                let lean = w
                    .total(&design, &sim::simulate::Prices::of(&design))
                    .unwrap();
                assert_eq!(lean, report.total, "{base} point {i} {}", m.name);
                let t = &report.total;
                assert_eq!(row.cycles, t.total_cycles);
                assert_eq!(row.macs, t.macs);
                assert_eq!(row.latency_ms, t.latency_us / 1e3);
                assert_eq!(row.energy_mj, t.energy_total_pj / 1e9);
                assert_eq!(row.achieved_tops, t.achieved_tops);
                assert_eq!(row.tops_per_w, t.tops_per_watt);
                assert_eq!(row.utilization, t.utilization);
                assert_eq!(row.layers, m.model.len() as u64);
                assert_eq!(row.area_mm2, sim::area::of(&design).total_mm2);
                assert_eq!(row.design(&dir).unwrap(), design);
            }
        }
    }
}

#[test]
fn output_is_identical_for_one_and_two_threads() {
    let dir = scratch("threads");
    let spec = write_spec(&dir, SMALL);
    let mut out = Vec::new();
    for threads in [1, 2] {
        let p = dir.join(format!("t{threads}.csv"));
        let mut o = opts(&p);
        o.threads = Some(threads);
        run(&spec, &o, &quiet).unwrap();
        out.push(files(&o.outputs));
    }
    let (a, b) = (&out[0], &out[1]);
    assert_eq!(a[0], b[0], "CSV");
    assert_eq!(a[1], b[1], "JSON lines");
    assert_eq!(a[3], b[3], "Pareto");
}

#[test]
fn an_interrupted_run_resumes_to_the_same_bytes() {
    let dir = scratch("resume");
    let spec = write_spec(&dir, SMALL);
    let whole = opts(&dir.join("whole.csv"));
    run(&spec, &whole, &quiet).unwrap();
    let want = files(&whole.outputs);
    let o = opts(&dir.join("cut.csv"));
    // Cut the files at many places, including mid-line, header-only and
    // with the two files at different lengths (as a kill leaves them).
    let cuts: [(f64, f64); 7] = [
        (0.0, 0.0),
        (0.5, 0.5),
        (0.31, 0.77),
        (0.9, 0.1),
        (0.999, 1.0),
        (1.0, 0.42),
        (0.02, 0.6),
    ];
    for (c, j) in cuts {
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
    // Stopped runs (as when a job's time runs out) continue where they stopped.
    let _ = std::fs::remove_file(&o.outputs.csv);
    let _ = std::fs::remove_file(&o.outputs.jsonl);
    let mut part = o.clone();
    part.stop_after = Some(5);
    let mut done = 0;
    loop {
        let s = run(&spec, &part, &quiet).unwrap();
        assert_eq!(s.resumed, done);
        done += s.evaluated;
        if s.complete {
            break;
        }
        assert_eq!(s.evaluated, 5);
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&o.outputs.meta).unwrap()).unwrap();
        assert_eq!(meta["complete"], false);
    }
    assert_eq!(done, 24);
    assert_eq!(files(&o.outputs), want);
}

#[test]
fn results_that_are_not_ours_or_of_another_spec_are_refused() {
    let dir = scratch("refuse");
    let spec = write_spec(&dir, SMALL);
    let foreign = dir.join("foreign.csv");
    std::fs::write(&foreign, "my,data\n1,2\n").unwrap();
    let e = run(&spec, &opts(&foreign), &quiet).unwrap_err().to_string();
    assert!(e.contains("not written by `systolic sweep`"), "{e}");
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "my,data\n1,2\n");
    let ours = opts(&dir.join("ours.csv"));
    run(&spec, &ours, &quiet).unwrap();
    let changed = write_spec(&dir, &SMALL.replace("batch = 2", "batch = 4"));
    let e = run(&changed, &ours, &quiet).unwrap_err().to_string();
    assert!(e.contains("another sweep specification"), "{e}");
    let mut sharded = ours.clone();
    sharded.shard = Some(Shard { index: 1, count: 3 });
    let e = run(&spec, &sharded, &quiet).unwrap_err().to_string();
    assert!(e.contains("holds the whole sweep, not shard 1/3"), "{e}");
    // A row that does not belong where it is.
    let text = std::fs::read_to_string(&ours.outputs.csv).unwrap();
    std::fs::write(
        &ours.outputs.csv,
        text.replacen("\n3,mobilenet_v2", "\n4,mobilenet_v2", 1),
    )
    .unwrap();
    let e = run(&spec, &ours, &quiet).unwrap_err().to_string();
    assert!(e.contains("row 7 is point 4"), "{e}");
}

#[test]
fn shards_merge_into_the_unsharded_run() {
    let dir = scratch("merge");
    let spec = write_spec(&dir, SMALL);
    let whole = opts(&dir.join("whole.csv"));
    run(&spec, &whole, &quiet).unwrap();
    let n = 5; // 24 points do not split evenly.
    let mut shards = Vec::new();
    for i in 0..n {
        let p = dir.join(format!("s{i}.csv"));
        let mut o = opts(&p);
        o.shard = Some(Shard { index: i, count: n });
        o.threads = Some(1 + i as usize % 2);
        // Interrupt shard 2 half way, then resume it.
        if i == 2 {
            o.stop_after = Some(2);
            assert!(!run(&spec, &o, &quiet).unwrap().complete);
            let bytes = std::fs::read(&o.outputs.csv).unwrap();
            std::fs::write(&o.outputs.csv, &bytes[..bytes.len() - 7]).unwrap();
            o.stop_after = None;
        }
        let s = run(&spec, &o, &quiet).unwrap();
        assert!(s.complete && s.points == Shard { index: i, count: n }.len(24));
        for r in read_csv(&std::fs::read_to_string(&p).unwrap(), "shard").unwrap() {
            assert_eq!(r.point % n, i);
        }
        shards.push(p);
    }
    let merged = Outputs::beside(&dir.join("merged.csv"), None);
    let mut reversed = shards.clone();
    reversed.reverse();
    let m = merge(&reversed, &merged, None).unwrap();
    assert_eq!((m.shards, m.points, m.rows), (5, 24, 48));
    let (want, got) = (files(&whole.outputs), files(&merged));
    assert_eq!(got[0], want[0], "CSV");
    assert_eq!(got[1], want[1], "JSON lines");
    assert_eq!(got[2], want[2], "sidecar");
    assert_eq!(got[3], want[3], "Pareto");
    // Re-running the sweep on the merged file finds it complete.
    let s = run(&spec, &opts(&merged.csv), &quiet).unwrap();
    assert_eq!((s.resumed, s.evaluated), (24, 0));

    let err = |inputs: &[PathBuf]| {
        merge(inputs, &Outputs::beside(&dir.join("bad.csv"), None), None)
            .unwrap_err()
            .to_string()
    };
    assert!(err(&shards[..4]).contains("shard 4/5 is missing"));
    let twice = [&shards[..], &shards[1..2]].concat();
    assert!(err(&twice).contains("shard 1/5 is given twice"));
    let mut cut = shards.clone();
    let short = dir.join("short.csv");
    let mut o = opts(&short);
    o.shard = Some(Shard { index: 3, count: 5 });
    o.stop_after = Some(1);
    run(&spec, &o, &quiet).unwrap();
    cut[3] = short.clone();
    assert!(err(&cut).contains("shard 3/5 is incomplete"));
    let bytes = std::fs::read(&shards[3]).unwrap();
    std::fs::write(&short, &bytes[..bytes.len() - 1]).unwrap();
    std::fs::copy(dir.join("s3.sweep.json"), dir.join("short.sweep.json")).unwrap();
    std::fs::copy(dir.join("s3.jsonl"), dir.join("short.jsonl")).unwrap();
    assert!(err(&cut).contains("should hold 10 complete rows; it holds 9"));
    let other = write_spec(
        &scratch("merge-other"),
        &SMALL.replace("batch = 2", "batch = 1"),
    );
    let mut o = opts(&dir.join("o0.csv"));
    o.shard = Some(Shard { index: 0, count: 5 });
    run(&other, &o, &quiet).unwrap();
    let mut mixed = shards.clone();
    mixed[0] = dir.join("o0.csv");
    assert!(err(&mixed).contains("of spec"));
    assert!(err(&[dir.join("whole.csv")]).contains("holds a whole sweep, not a shard"));
}

/// The non-dominated feasible rows of each model, by definition.
fn brute_force(rows: &[SweepRow], objectives: &[Objective]) -> Vec<usize> {
    let better = |o: &Objective, a: &SweepRow, b: &SweepRow| match o.sense() {
        Sense::Min => o.value(a) < o.value(b),
        Sense::Max => o.value(a) > o.value(b),
    };
    let no_worse = |o: &Objective, a: &SweepRow, b: &SweepRow| !better(o, b, a);
    let dominates = |a: &SweepRow, b: &SweepRow| {
        objectives.iter().all(|o| no_worse(o, a, b)) && objectives.iter().any(|o| better(o, a, b))
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
fn pareto_rows_equal_brute_force_on_real_sweep_output() {
    let dir = scratch("pareto");
    let spec = write_spec(&dir, SMALL);
    let o = opts(&dir.join("r.csv"));
    let s = run(&spec, &o, &quiet).unwrap();
    let rows = read_csv(&std::fs::read_to_string(&o.outputs.csv).unwrap(), "r.csv").unwrap();
    assert!(rows.iter().any(|r| !r.feasible) && rows.iter().any(|r| r.feasible));
    let all = Objective::ALL;
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
    assert_eq!(checked, 120);
    // The run's Pareto file holds exactly the front of the spec's objectives.
    let front = brute_force(&rows, &spec.pareto);
    let file = read_csv(&std::fs::read_to_string(&o.outputs.pareto).unwrap(), "p").unwrap();
    assert_eq!(
        file,
        front.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>()
    );
    assert_eq!(s.front, file);
}

#[test]
fn sampling_is_seeded_distinct_and_within_ranges() {
    let dir = scratch("sample");
    let grid = "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nrows = [4, 8, 16, 32]\ncols = [4, 8, 16, 32]\ndataflow = [\"ws\", \"os\"]\n[sample]\ncount = 20\nseed = 11\n";
    let a = write_spec(&dir, grid);
    assert_eq!(a.points(), 20);
    let pts: Vec<_> = (0..20).map(|i| a.point(i)).collect();
    let key = |p: &dse::Point| (p.rows, p.cols, p.dataflow.to_string());
    let mut keys: Vec<_> = pts.iter().map(key).collect();
    keys.dedup();
    assert_eq!(keys.len(), 20, "distinct grid points, in grid order");
    let again = write_spec(&dir, grid);
    assert_eq!((0..20).map(|i| again.point(i)).collect::<Vec<_>>(), pts);
    let other = write_spec(&dir, &grid.replace("seed = 11", "seed = 12"));
    assert_ne!((0..20).map(|i| other.point(i)).collect::<Vec<_>>(), pts);
    let ranged = "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\ndataflow = [\"ws\", \"os\", \"is\"]\n[sample]\ncount = 500\nseed = 3\n[sample.ranges]\nrows = { min = 4, max = 64, step = 4 }\ncols = { min = 2, max = 256, log2 = true }\nclock_mhz = { min = 100, max = 1000, step = 50 }\n";
    let r = write_spec(&dir, ranged);
    let mut seen = std::collections::HashSet::new();
    for i in 0..500 {
        let p = r.point(i);
        assert!(p.rows.is_multiple_of(4) && (4..=64).contains(&p.rows));
        assert!(p.cols.is_power_of_two() && (2..=256).contains(&p.cols));
        assert!((100.0..=1000.0).contains(&p.clock_mhz) && p.clock_mhz % 50.0 == 0.0);
        seen.insert((p.rows, p.cols));
        assert_eq!(r.point(i), p, "points are made independently of each other");
    }
    assert!(seen.len() > 80, "{} distinct shapes", seen.len());
}

/// Parses `text` as a spec that must fail; returns the error's one-line form.
fn bad(text: &str) -> String {
    let dir = scratch("bad");
    std::fs::write(dir.join("tiny.csv"), TOPOLOGY).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let e = Spec::load(&path).unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with(&path.display().to_string()), "{s}");
    s.replacen(&path.display().to_string(), "bad.toml", 1)
}

/// An ONNX model in a sweep takes the spec's `dims`; its rows equal `sim`'s
/// figures for the same import, and the file's bytes (not its name) enter
/// the spec hash.
#[test]
fn onnx_models_in_a_sweep_take_the_specs_dims() {
    let dir = scratch("onnx");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/tests/fixtures/onnx/transformer.onnx");
    std::fs::copy(&fixture, dir.join("t.onnx")).unwrap();
    let spec_text = |dims: &str| {
        format!("base = \"edge-8x8\"\nmodels = [\"t.onnx\"]\n{dims}[grid]\nrows = [8, 16]\n")
    };
    let one = write_spec(&dir, &spec_text(""));
    let four = write_spec(&dir, &spec_text("dims = { batch = 4 }\n"));
    assert_ne!(one.hash, four.hash);
    let opts = sim::onnx::import::ImportOptions {
        dims: [("batch".to_string(), 4)].into_iter().collect(),
        skip_unsupported: false,
    };
    let (model4, _) = sim::models::resolve("t.onnx", &dir, &opts).unwrap();
    let macs = |spec: &Spec| dse::Evaluator::new(spec).rows(&spec.point(0)).unwrap()[0].macs;
    assert_eq!(macs(&four), model4.macs().unwrap());
    assert!(
        macs(&four) > 3 * macs(&one),
        "{} vs {}",
        macs(&four),
        macs(&one)
    );
    // Same name, other bytes: another spec hash.
    let mut bytes = std::fs::read(&fixture).unwrap();
    bytes.extend_from_slice(&[0xa0, 0x06, 0x00]); // field 100 = 0, which readers skip
    std::fs::write(dir.join("t.onnx"), bytes).unwrap();
    assert_ne!(write_spec(&dir, &spec_text("")).hash, one.hash);
}

#[test]
fn bad_specs_name_the_file_line_and_field() {
    let head = "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n";
    let cases: &[(&str, &str)] = &[
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nrows = [8, 0]\n", "bad.toml:4: field `grid.rows[1]`: expected 1 to 4096, found 0"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\ndataflow = [\"ws\",\n  \"xs\"]\n", "bad.toml:5: field `grid.dataflow[1]`: unknown dataflow `xs`"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\noperand = [\"int8\", \"fp8\"]\n", "bad.toml:4: field `grid.operand[1]`: unknown operand `fp8`"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\ncols = []\n", "bad.toml:4: field `grid.cols`: the list is empty"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nclock_mhz = [500, 800, 500]\n", "bad.toml:4: field `grid.clock_mhz[2]`: this value is listed twice"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nifmap_sram_kib = [64, -1]\n", "bad.toml:4: field `grid.ifmap_sram_kib[1]`: expected a positive number, found -1"),
        ("base = \"edge-9x9\"\nmodels = [\"dense-10-1\"]\n", "bad.toml:1: field `base`: unknown base design `edge-9x9`"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\", \"resnet51\"]\n", "bad.toml:2: field `models[1]`: unknown model `resnet51`"),
        ("base = \"edge-8x8\"\nmodels = []\n", "bad.toml:2: field `models`: the sweep names no model"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\nbatch = 0\n", "bad.toml:3: field `batch`: the batch size must be at least 1"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\npareto = [\"latency\"]\n", "bad.toml:3: field `pareto`: a Pareto front needs 2 or 3 objectives, found 1"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\npareto = [\"latency\", \"speed\"]\n", "bad.toml:3: field `pareto[1]`: unknown objective `speed`"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nrows = [8, 16]\n[sample]\ncount = 3\n", "bad.toml:6: field `sample.count`: the sample draws 3 distinct points but the grid has only 2"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nrows = [8]\n[sample]\ncount = 3\n[sample.ranges]\nrows = { min = 8, max = 32 }\n", "bad.toml:8: field `sample.ranges.rows`: `rows` is given both in [grid] and in [sample.ranges]"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[sample]\ncount = 3\n[sample.ranges]\ncols = { min = 32, max = 8 }\n", "bad.toml:6: field `sample.ranges.cols`: expected 0 < min <= max"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[constraints]\nmax_area_mm2 = -3\n", "bad.toml:4: field `constraints.max_area_mm2`: expected a positive number, found -3"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nrow = [8]\n", "bad.toml:4: unknown field `row`"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\nrows = [\"eight\"]\n", "bad.toml:4:"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[constraints]\nmax_watts = 3\n", "bad.toml:4: unknown field `max_watts`"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\ndims = { batch = 8 }\n", "bad.toml:3: field `dims`: `dims` applies to ONNX models, and no model here is one"),
        ("base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\nskip_unsupported = true\n", "bad.toml:3: field `skip_unsupported`: `skip_unsupported` applies to ONNX models"),
        ("base = \"edge-8x8\"\nmodels = [\"m.onnx\"]\ndims = { batch = 0 }\n", "bad.toml:3: field `dims`: dimension `batch` = 0: expected a name and a size from 1 to 2^32"),
    ];
    for (text, want) in cases {
        let got = bad(text);
        assert!(
            got.starts_with(want),
            "\nspec:\n{text}\nwant: {want}\ngot:  {got}"
        );
    }
    // Errors inside a model or base file name that file.
    let dir = scratch("bad-model");
    std::fs::write(
        dir.join("broken.csv"),
        "Layer name, M, N, K,\nfc, 4, x, 2,\n",
    )
    .unwrap();
    std::fs::write(dir.join("s.toml"), head.replace("dense-10-1", "broken.csv")).unwrap();
    let e = Spec::load(&dir.join("s.toml")).unwrap_err().to_string();
    assert!(e.contains("broken.csv:2: field `N`"), "{e}");
}

#[test]
fn a_grid_enumerates_every_combination_once_in_a_fixed_order() {
    let dir = scratch("grid");
    let spec = write_spec(&dir, SMALL);
    assert_eq!(spec.points(), 24);
    let mut seen = std::collections::HashSet::new();
    for i in 0..24 {
        let p = spec.point(i);
        assert_eq!(p.index, i);
        assert!(seen.insert((
            p.rows,
            p.cols,
            p.dataflow.to_string(),
            p.ifmap_sram_kib.to_bits()
        )));
        // Axes the grid leaves out keep the base design's values.
        assert_eq!(
            (p.filter_sram_kib, p.dram_bandwidth, p.clock_mhz),
            (256.0, 16.0, 800.0)
        );
    }
    assert_eq!(spec.point(23).rows, 32);
    assert_eq!(spec.point(0).rows, 16);
    let same = write_spec(&dir, SMALL);
    assert_eq!(same.hash, spec.hash);
    let other = write_spec(
        &dir,
        &SMALL.replace("max_area_mm2 = 4.2", "max_area_mm2 = 4.3"),
    );
    assert_ne!(
        other.hash, spec.hash,
        "constraints change the results, so the hash"
    );
    std::fs::write(dir.join("tiny.csv"), TOPOLOGY.replace("64, 2", "65, 2")).unwrap();
    let edited = Spec::load(&dir.join("spec.toml")).unwrap();
    assert_ne!(
        edited.hash, spec.hash,
        "a model file's content is part of the hash"
    );
}
