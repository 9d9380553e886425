//! The sweep report's sparsity chart: drawn per model when the results have
//! more than one sparsity value, one bar per N:M pattern with the speedup,
//! energy and area of the results' own rows against the same points dense;
//! absent when the results have a single sparsity value.

use dse::study::ModelStudy;
use dse::{read_csv, run, Objective, Outputs, RunOptions, Spec, SweepRow};
use report::site::{Block, Page, Section};
use report::sweep::{page, Options};
use std::path::{Path, PathBuf};

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report-sparsity")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The rows of a sweep of `grid` on edge-8x8 over two small models (the
/// report under test only draws them).
fn sweep(name: &str, grid: &str) -> Vec<SweepRow> {
    let dir = scratch(name);
    let path = dir.join("spec.toml");
    std::fs::write(
        &path,
        format!("base = \"edge-8x8\"\nmodels = [\"dense-10-1\", \"alexnet\"]\n[grid]\n{grid}"),
    )
    .unwrap();
    let spec = Spec::load(&path).unwrap();
    let out = dir.join("r.csv");
    let opts = RunOptions {
        outputs: Outputs::beside(&out, None),
        threads: Some(2),
        shard: None,
        pareto: None,
        stop_after: None,
    };
    run(&spec, &opts, &|_| {}).unwrap();
    read_csv(&std::fs::read_to_string(&out).unwrap(), "r.csv").unwrap()
}

/// The report page of `rows` (no best design re-simulated: the sections
/// under test need none).
fn report(rows: &[SweepRow]) -> Page {
    let studies: Vec<ModelStudy> = dse::study::models(rows)
        .into_iter()
        .map(|model| ModelStudy { model, best: None })
        .collect();
    let o = Options {
        file: "r.csv".into(),
        objectives: vec![Objective::Latency, Objective::Energy],
    };
    page(rows, &studies, &o).unwrap()
}

fn section<'p>(page: &'p Page, heading: &str) -> Option<&'p Section> {
    page.sections.iter().find(|s| s.heading == heading)
}

fn figures(page: &Page) -> Vec<String> {
    page.figures().map(|f| f.name.clone()).collect()
}

#[test]
fn the_chart_shows_each_pattern_against_the_same_points_dense() {
    let rows = sweep(
        "three",
        "rows = [8, 16]\ndataflow = [\"ws\", \"os\"]\nsparsity = [\"dense\", \"2:4\", \"1:4\"]\n",
    );
    let page = report(&rows);
    for model in ["dense-10-1", "alexnet"] {
        let s = section(&page, &format!("{model}: sparsity against dense")).unwrap();
        let fig = s
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Figure(f) => Some(f),
                _ => None,
            })
            .unwrap();
        assert_eq!(fig.name, format!("{model}-sparsity"));
        // The patterns of the sweep, in its order; dense is the reference.
        let of: Vec<&SweepRow> = rows.iter().filter(|r| r.model == model).collect();
        let vs = dse::sparse::against_dense(&of);
        let names: Vec<&str> = vs.patterns.iter().map(|p| p.pattern.as_str()).collect();
        assert_eq!(names, ["2:4", "1:4"]);
        let table = s
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .unwrap();
        let cells: Vec<(&str, &str)> = table
            .rows
            .iter()
            .map(|r| (r[0].as_str(), r[1].as_str()))
            .collect();
        // os points are dense only: each pattern has the two ws shapes.
        assert_eq!(cells, [("2:4", "2"), ("1:4", "2")]);
        for p in &vs.patterns {
            // The bar's hover title carries the rows' own ratio.
            let dense = of
                .iter()
                .find(|r| r.sparsity == "dense" && r.rows == 8 && r.dataflow == "ws")
                .unwrap();
            let sparse = of
                .iter()
                .find(|r| r.sparsity == p.pattern && r.rows == 8)
                .unwrap();
            let speedup = dense.cycles as f64 / sparse.cycles as f64;
            assert!(
                (p.speedup.min..=p.speedup.max).contains(&speedup),
                "{model} {}: {speedup} outside {:?}",
                p.pattern,
                p.speedup
            );
            assert!(
                p.speedup.median > 1.0,
                "{model} {}: {:?}",
                p.pattern,
                p.speedup
            );
            let title = format!(
                "{}: speedup {}× (median of 2 points",
                p.pattern,
                report::style::sig(p.speedup.median, 3)
            );
            assert!(fig.svg.contains(&title), "{model}: no `{title}` in the SVG");
            assert!(fig.svg.contains(&format!("{}: energy ratio", p.pattern)));
            assert!(fig.svg.contains(&format!("{}: area ratio", p.pattern)));
        }
        assert!(!fig.svg.contains("dense: speedup"));
        assert!(!fig.png.is_empty());
    }
    // The overview lists the values the sweep took.
    let overview = section(&page, "Overview").unwrap();
    let listed = overview.blocks.iter().any(|b| match b {
        Block::Table(t) => t
            .rows
            .iter()
            .any(|r| r[0] == "weight sparsity" && r[1] == "dense, 2:4, 1:4"),
        _ => false,
    });
    assert!(listed, "{:?}", overview.blocks);
}

#[test]
fn one_sparsity_value_draws_no_chart() {
    for (name, grid) in [
        ("dense", "rows = [8, 16]\n"),
        ("sparse", "rows = [8, 16]\nsparsity = [\"2:4\"]\n"),
    ] {
        let page = report(&sweep(name, grid));
        assert!(
            !figures(&page).iter().any(|f| f.ends_with("-sparsity")),
            "{name}: {:?}",
            figures(&page)
        );
        assert!(!page
            .sections
            .iter()
            .any(|s| s.heading.ends_with("sparsity against dense")));
    }
}

#[test]
fn patterns_without_dense_points_are_said_not_drawn() {
    let page = report(&sweep("no-dense", "sparsity = [\"2:4\", \"1:4\"]\n"));
    let s = section(&page, "alexnet: sparsity against dense").unwrap();
    assert!(matches!(&s.blocks[..], [Block::Para(p)] if p.contains("no dense point")));
    assert!(!figures(&page).iter().any(|f| f.ends_with("-sparsity")));
}
