//! The sparsity axis of a sweep: N:M patterns cut a ws design's cycles
//! against the same point dense, combinations the design check refuses are
//! left out and counted (never an error mid-run), shards of such a grid
//! merge into the unsharded run, bad patterns are refused at their field,
//! and sweeps without the axis keep their hash, points and numbering.

mod support;
use support::{files, opts, quiet, TOPOLOGY};

use dse::{merge, read_csv, run, Outputs, Shard, Spec, SweepRow, LEGACY_COLUMNS};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    support::scratch("sparsity", name)
}

fn write_spec(dir: &Path, text: &str) -> Spec {
    std::fs::write(dir.join("tiny.csv"), TOPOLOGY).unwrap();
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    Spec::load(&path).unwrap()
}

/// A small ws design over three patterns, two array shapes.
const PATTERNS: &str = r#"
base = "edge-8x8"
models = ["tiny.csv", "dense-10-1"]

[grid]
rows = [8, 16]
sparsity = ["dense", "2:4", "1:4"]
"#;

/// Everything but the sparsity: the columns a sparse row and its dense
/// twin share.
fn twin_key(r: &SweepRow) -> String {
    let mut d = r.clone();
    d.sparsity = "dense".into();
    format!("{} {} {} {}", d.model, d.describe(), d.batch, d.base)
}

#[test]
fn sparse_points_take_fewer_cycles_than_the_same_points_dense() {
    let dir = scratch("fewer");
    let spec = write_spec(&dir, PATTERNS);
    assert_eq!((spec.points(), spec.left_out()), (6, 0));
    let o = opts(&dir.join("r.csv"));
    run(&spec, &o, &quiet).unwrap();
    let rows = read_csv(&std::fs::read_to_string(&o.outputs.csv).unwrap(), "r.csv").unwrap();
    assert_eq!(rows.len(), 12);
    // The sparsity axis is the last: it varies fastest.
    let names: Vec<&str> = rows
        .iter()
        .step_by(2)
        .map(|r| r.sparsity.as_str())
        .collect();
    assert_eq!(names, ["dense", "2:4", "1:4", "dense", "2:4", "1:4"]);
    let mut compared = 0;
    for r in rows.iter().filter(|r| r.sparsity != "dense") {
        let dense: Vec<&SweepRow> = rows
            .iter()
            .filter(|d| d.sparsity == "dense" && twin_key(d) == twin_key(r))
            .collect();
        assert_eq!(dense.len(), 1, "one dense twin of point {}", r.point);
        let d = dense[0];
        assert!(
            r.cycles < d.cycles,
            "{} point {} ({}): {} cycles, dense {}",
            r.model,
            r.point,
            r.sparsity,
            r.cycles,
            d.cycles
        );
        assert!(r.macs < d.macs, "the compressed array runs fewer MACs");
        // The design rebuilt from the row is the sparse one the sweep ran.
        let design = r.design(&dir).unwrap();
        assert_eq!(
            design.sparsity.map(|s| s.to_string()),
            Some(r.sparsity.clone())
        );
        compared += 1;
    }
    assert_eq!(compared, 8);
    // Per model and pattern, the spread of the ratios over the two shapes.
    for model in ["tiny.csv", "dense-10-1"] {
        let of: Vec<&SweepRow> = rows.iter().filter(|r| r.model == model).collect();
        let vs = dse::sparse::against_dense(&of);
        assert_eq!(vs.unmatched, 0);
        let names: Vec<&str> = vs.patterns.iter().map(|p| p.pattern.as_str()).collect();
        assert_eq!(names, ["2:4", "1:4"]);
        for p in &vs.patterns {
            assert_eq!(p.pairs, 2);
            let speedups: Vec<f64> = [0, 3]
                .map(|shape| {
                    let k = if p.pattern == "2:4" { 1 } else { 2 };
                    of[shape].cycles as f64 / of[shape + k].cycles as f64
                })
                .to_vec();
            let (lo, hi) = (speedups[0].min(speedups[1]), speedups[0].max(speedups[1]));
            assert_eq!(
                (p.speedup.min, p.speedup.max),
                (lo, hi),
                "{model} {}",
                p.pattern
            );
            assert_eq!(p.speedup.median, (lo + hi) / 2.0);
            assert!(p.speedup.min > 1.0);
        }
    }
    // 1:4 keeps half the weights 2:4 keeps: no slower than 2:4.
    for (a, b) in rows
        .iter()
        .filter(|r| r.sparsity == "2:4")
        .zip(rows.iter().filter(|r| r.sparsity == "1:4"))
    {
        assert_eq!(twin_key(a), twin_key(b));
        assert!(b.cycles <= a.cycles, "{} vs {}", b.cycles, a.cycles);
    }
}

/// Rows 6 and 8, ws and os, three patterns: 12 combinations per cols value,
/// of which the design check refuses 5 (2:4 and 4:8 with os; 4:8 on 6 rows).
const REFUSED: &str = r#"
base = "edge-8x8"
models = ["tiny.csv"]

[grid]
rows = [6, 8]
cols = [4, 8]
dataflow = ["ws", "os"]
sparsity = ["dense", "2:4", "4:8"]
"#;

#[test]
fn combinations_the_design_check_refuses_are_left_out_and_counted() {
    let dir = scratch("refused");
    let spec = write_spec(&dir, REFUSED);
    assert_eq!(spec.axes.try_grid_size(), Some(24));
    assert_eq!((spec.points(), spec.left_out()), (14, 10));
    let o = opts(&dir.join("r.csv"));
    let s = run(&spec, &o, &quiet).unwrap();
    assert!(s.complete);
    let rows = read_csv(&std::fs::read_to_string(&o.outputs.csv).unwrap(), "r.csv").unwrap();
    assert_eq!(rows.len(), 14);
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.point, i as u64, "points numbered densely");
        assert!(
            r.sparsity == "dense" || (r.dataflow == "ws" && !(r.rows == 6 && r.sparsity == "4:8")),
            "point {i}: {} {}",
            r.describe(),
            r.sparsity
        );
        assert!(seen.insert((r.rows, r.cols, r.dataflow.clone(), r.sparsity.clone())));
    }
    assert_eq!(rows.iter().filter(|r| r.sparsity == "4:8").count(), 2);
    // A sample of this grid draws among the 14 points only.
    let sampled = write_spec(&dir, &format!("{REFUSED}[sample]\ncount = 14\nseed = 3\n"));
    let mut all: Vec<String> = (0..14)
        .map(|i| {
            format!("{:?}", {
                let mut p = sampled.point(i);
                p.index = 0;
                p
            })
        })
        .collect();
    all.sort();
    let mut grid: Vec<String> = (0..14)
        .map(|i| {
            format!("{:?}", {
                let mut p = spec.point(i);
                p.index = 0;
                p
            })
        })
        .collect();
    grid.sort();
    assert_eq!(all, grid);
    // A random sample with ranges redraws refused combinations.
    let random = write_spec(
        &dir,
        "base = \"edge-8x8\"\nmodels = [\"tiny.csv\"]\n[grid]\ndataflow = [\"ws\", \"os\", \"is\"]\nsparsity = [\"dense\", \"4:8\"]\n[sample]\ncount = 200\nseed = 5\n[sample.ranges]\nrows = { min = 2, max = 64 }\n",
    );
    let mut sparse = 0;
    for i in 0..200 {
        let p = random.point(i);
        p.design(&random.base).unwrap();
        sparse += usize::from(p.sparsity.is_some());
    }
    assert!((10..100).contains(&sparse), "{sparse} sparse draws of 200");
}

#[test]
fn shards_of_a_grid_with_refused_combinations_merge_into_the_unsharded_run() {
    let dir = scratch("merge");
    let spec = write_spec(&dir, REFUSED);
    let whole = opts(&dir.join("whole.csv"));
    run(&spec, &whole, &quiet).unwrap();
    let mut shards = Vec::new();
    for i in 0..3 {
        let p = dir.join(format!("s{i}.csv"));
        let mut o = opts(&p);
        o.shard = Some(Shard { index: i, count: 3 });
        run(&spec, &o, &quiet).unwrap();
        shards.push(p);
    }
    let out = Outputs::beside(&dir.join("merged.csv"), None);
    merge(
        &shards,
        &out,
        Some(vec![dse::Objective::Latency, dse::Objective::Energy]),
    )
    .unwrap();
    let mut want = opts(&dir.join("whole2.csv"));
    want.pareto = Some(vec![dse::Objective::Latency, dse::Objective::Energy]);
    run(&spec, &want, &quiet).unwrap();
    assert_eq!(files(&out), files(&want.outputs));
}

/// `text` (a results CSV, JSON lines) as an earlier systolic wrote it: no
/// `sparsity` column, no `sparsity` key.
fn legacy(csv: &str, jsonl: &str) -> (String, String) {
    let k = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "sparsity")
        .unwrap();
    let csv: String = csv
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(k);
            cells.join(",") + "\n"
        })
        .collect();
    let jsonl = jsonl.replace(",\"sparsity\":\"dense\"", "");
    (csv, jsonl)
}

#[test]
fn results_without_the_sparsity_column_still_read_and_merge_but_do_not_resume() {
    let dir = scratch("legacy");
    let spec = write_spec(&dir, "base = \"edge-8x8\"\nmodels = [\"tiny.csv\"]\npareto = [\"latency\", \"energy\"]\n[grid]\nrows = [4, 8, 16]\n");
    let whole = opts(&dir.join("whole.csv"));
    run(&spec, &whole, &quiet).unwrap();
    let text = |p: &Path| std::fs::read_to_string(p).unwrap();
    // Shards as an earlier version wrote them.
    let mut shards = Vec::new();
    for i in 0..2 {
        let p = dir.join(format!("s{i}.csv"));
        let mut o = opts(&p);
        o.shard = Some(Shard { index: i, count: 2 });
        run(&spec, &o, &quiet).unwrap();
        let (csv, jsonl) = legacy(&text(&o.outputs.csv), &text(&o.outputs.jsonl));
        assert!(csv.starts_with(&(LEGACY_COLUMNS.join(",") + "\n")));
        std::fs::write(&o.outputs.csv, csv).unwrap();
        std::fs::write(&o.outputs.jsonl, jsonl).unwrap();
        shards.push(p);
    }
    let out = Outputs::beside(&dir.join("merged.csv"), None);
    merge(&shards, &out, None).unwrap();
    // The merge is what an unsharded run of that version wrote.
    let want = legacy(&text(&whole.outputs.csv), &text(&whole.outputs.jsonl));
    assert_eq!((text(&out.csv), text(&out.jsonl)), want);
    let pareto = legacy(&text(&whole.outputs.pareto), "").0;
    assert_eq!(text(&out.pareto), pareto);
    // Its rows read as dense.
    let rows = read_csv(&text(&out.csv), "merged.csv").unwrap();
    assert_eq!(
        rows,
        read_csv(&text(&whole.outputs.csv), "whole.csv").unwrap()
    );
    // Shards of both versions do not mix.
    let new = dir.join("n1.csv");
    let mut o = opts(&new);
    o.shard = Some(Shard { index: 1, count: 2 });
    run(&spec, &o, &quiet).unwrap();
    let e = merge(
        &[shards[0].clone(), new],
        &Outputs::beside(&dir.join("m2.csv"), None),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no `sparsity` column"), "{e}");
    // A run does not append this version's rows to such a file.
    let mut again = opts(&shards[0]);
    again.shard = Some(Shard { index: 0, count: 2 });
    let e = run(&spec, &again, &quiet).unwrap_err().to_string();
    assert!(e.contains("earlier systolic"), "{e}");
}

/// Parses `text` as a spec that must fail; returns the error's one-line form
/// with the file named `bad.toml`.
fn bad(text: &str) -> String {
    let dir = scratch("bad");
    let path = dir.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let s = Spec::load(&path).unwrap_err().to_string();
    assert!(s.starts_with(&path.display().to_string()), "{s}");
    s.replacen(&path.display().to_string(), "bad.toml", 1)
}

/// The help line of the error of spec `text`.
fn hint(text: &str) -> String {
    let dir = scratch("hint");
    std::fs::write(dir.join("bad.toml"), text).unwrap();
    match Spec::load(&dir.join("bad.toml")).unwrap_err() {
        sim::SimError::Input(e) => e.help.unwrap_or_default(),
        e => panic!("not an input error: {e}"),
    }
}

#[test]
fn bad_patterns_and_unusable_values_are_refused_at_their_field() {
    let head = "base = \"edge-8x8\"\nmodels = [\"dense-10-1\"]\n[grid]\n";
    let cases: &[(&str, &str)] = &[
        ("sparsity = [\"dense\", \"2-4\"]\n", "bad.toml:4: field `grid.sparsity[1]`: unknown sparsity pattern: expected `dense` or `N:M`"),
        ("sparsity = [\"dense\", \"3:6\"]\n", "bad.toml:4: field `grid.sparsity[1]`: unknown sparsity pattern: `3:6`: the group size M must be a power of two"),
        ("sparsity = [\"4:4\"]\n", "bad.toml:4: field `grid.sparsity[0]`: unknown sparsity pattern: `4:4`: N must be from 1 to M - 1"),
        ("sparsity = [\"dense\", \"2:4\", \"DENSE\"]\n", "bad.toml:4: field `grid.sparsity[2]`: `DENSE` is listed twice (as dense)"),
        ("sparsity = []\n", "bad.toml:4: field `grid.sparsity`: the list is empty"),
        ("dataflow = [\"os\", \"is\"]\nsparsity = [\"dense\", \"2:4\"]\n", "bad.toml:5: field `grid.sparsity[1]`: no point of the sweep can have 2:4 weights: 2:4 sparse weights need the ws dataflow"),
        ("rows = [6, 10]\nsparsity = [\"dense\", \"4:8\"]\n", "bad.toml:5: field `grid.sparsity[1]`: no point of the sweep can have 4:8 weights: 4:8 sparse weights need array rows in multiples of N = 4"),
        ("rows = [8, 6]\nsparsity = [\"4:8\"]\n", "bad.toml:4: field `grid.rows[1]`: no point of the sweep can have 6 rows"),
        ("dataflow = [\"ws\", \"os\"]\nsparsity = [\"2:4\"]\n", "bad.toml:4: field `grid.dataflow[1]`: no point of the sweep can have the os dataflow: 2:4 sparse weights need the ws dataflow"),
        ("sparsity = 2\n", "bad.toml:4:"),
    ];
    for (grid, want) in cases {
        let text = format!("{head}{grid}");
        let got = bad(&text);
        assert!(
            got.starts_with(want),
            "\nspec:\n{text}\nwant: {want}\ngot:  {got}"
        );
    }
    // The hint says what a pattern is, and how to keep a refused value.
    let e = hint(&format!("{head}sparsity = [\"half\"]\n"));
    assert!(
        e.contains("e.g. sparsity = [\"dense\", \"2:4\", \"1:4\"]"),
        "{e}"
    );
    let e = hint(&format!(
        "{head}dataflow = [\"os\"]\nsparsity = [\"2:4\"]\n"
    ));
    assert!(e.contains("add \"dense\" to grid.sparsity"), "{e}");
    // Train-mode rows have no sparsity column: the axis is refused there.
    let e = bad(&format!(
        "mode = \"train\"\n{head}sparsity = [\"dense\", \"2:4\"]\n"
    ));
    assert!(
        e.contains("field `grid.sparsity`: `grid.sparsity` applies to inference sweeps"),
        "{e}"
    );
}

#[test]
fn a_sparse_base_design_is_the_default_and_its_refused_dataflows_name_the_reason() {
    let dir = scratch("base");
    std::fs::write(
        dir.join("sparse.toml"),
        include_str!("../../designs/sparse/gemmini-like-2of4.toml"),
    )
    .unwrap();
    let spec = write_spec(&dir, "base = \"sparse.toml\"\nmodels = [\"tiny.csv\"]\n[grid]\nsparsity = [\"dense\", \"2:4\"]\ndataflow = [\"ws\", \"os\"]\n");
    assert_eq!((spec.points(), spec.left_out()), (3, 1));
    // Without the axis every point keeps the base's pattern, so os is
    // refused when the spec is read, not when a point runs.
    std::fs::write(
        dir.join("s.toml"),
        "base = \"sparse.toml\"\nmodels = [\"tiny.csv\"]\n[grid]\ndataflow = [\"ws\", \"os\"]\n",
    )
    .unwrap();
    let e = Spec::load(&dir.join("s.toml")).unwrap_err().to_string();
    assert!(
        e.contains("field `grid.dataflow[1]`: no point of the sweep can have the os dataflow"),
        "{e}"
    );
    let spec = write_spec(
        &dir,
        "base = \"sparse.toml\"\nmodels = [\"tiny.csv\"]\n[grid]\nrows = [8, 16]\n",
    );
    assert_eq!(spec.points(), 2);
    assert!(spec.point(1).sparsity.is_some());
}

/// The committed example sweep (`reports/results/default.*`): the spec
/// still hashes as its sidecar says, and its points are numbered as its
/// rows say, so results and shards of sweeps without the axis stay valid.
#[test]
fn sweeps_without_the_axis_keep_their_hash_and_point_numbers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = Spec::load(&root.join("designs/sweeps/default.toml")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("reports/results/default.sweep.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(meta["spec_hash"], spec.hash.as_str());
    assert_eq!((spec.points(), spec.left_out()), (300, 0));
    let rows = read_csv(
        &std::fs::read_to_string(root.join("reports/results/default.csv")).unwrap(),
        "default.csv",
    )
    .unwrap();
    assert_eq!(rows.len(), 900);
    for r in rows.iter().step_by(3) {
        assert_eq!(
            spec.point(r.point),
            r.to_point().unwrap(),
            "point {}",
            r.point
        );
        assert_eq!(r.sparsity, "dense");
    }
}
