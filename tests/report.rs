//! Reports: `systolic sim --report` and `systolic report RESULTS.csv` write
//! every plot as valid SVG and non-blank PNG with labelled axes and the
//! expected bars and points, a self-contained index.html and a summary.md
//! with the simulator's totals; bad results files give clear errors.

mod report_support;
mod support;

use report::style::{self, grouped, hex};
use report::{heatmap, layers};
use report_support::*;
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::path::Path;

fn simulated(design: &str, model: &str) -> sim::report::ModelReport {
    let d = sim::design::preset(design).unwrap();
    let m = sim::workload::zoo::model(model).unwrap();
    simulate(
        &d,
        &m,
        &FastEngine {
            mode: TimingMode::Rtl,
        },
        &RunOptions::default(),
    )
    .unwrap()
}

#[test]
fn sim_report_writes_every_plot_with_labelled_axes_and_one_bar_per_layer() {
    let dir = scratch("sim-edge");
    let d = dir.join("out");
    ok(&[
        "sim",
        "--design",
        "edge-8x8",
        "--model",
        "resnet18",
        "--report",
        d.to_str().unwrap(),
    ]);
    let r = simulated("edge-8x8", "resnet18");
    let figs = ["layers", "energy", "roofline", "dataflow-layers"];
    for f in figs {
        assert!(
            d.join(format!("{f}.svg")).is_file() && d.join(format!("{f}.png")).is_file(),
            "{f}"
        );
    }
    assert!(d.join(".systolic-report").is_file());

    // Cycles and utilization: one compute bar per layer (+1 legend swatch),
    // one stall bar per stalled layer, one utilization bar per array layer.
    let s = svg(&d.join("layers.svg"));
    has_text(&s, "cycles (clock cycles)", "layers.svg y axis");
    has_text(&s, "layer (index in model order)", "layers.svg x axis");
    has_text(
        &s,
        "utilization (% of PE-cycles)",
        "layers.svg lower y axis",
    );
    let array = r.layers.iter().filter(|l| l.unit == "array").count();
    let vector = r.layers.len() - array;
    let stalled = r.layers.iter().filter(|l| l.stall_cycles > 0).count();
    assert!(array > 10 && vector > 0);
    let fill = |c| hex(c);
    assert_eq!(
        count(&s, "rect", &[("fill", &fill(layers::ARRAY))]),
        array + 1
    );
    assert_eq!(
        count(&s, "rect", &[("fill", &fill(layers::VECTOR))]),
        vector + 1
    );
    assert_eq!(
        count(&s, "rect", &[("fill", &fill(layers::STALL))]),
        stalled + usize::from(stalled > 0)
    );
    assert_eq!(
        count(&s, "rect", &[("fill", &fill(layers::UTIL))]),
        array + 1
    );
    check_png(&d.join("layers.png"), (1200, 760));

    // Energy: one segment per layer and non-zero component, +1 legend swatch.
    let s = svg(&d.join("energy.svg"));
    has_text(&s, "energy (", "energy.svg y axis");
    has_text(&s, "layer (index in model order)", "energy.svg x axis");
    has_text(&s, "DRAM", "energy.svg legend");
    for k in 0..7 {
        let parts: Vec<_> = r
            .layers
            .iter()
            .map(|l| layers::energy_parts(l)[k])
            .collect();
        let n = parts.iter().filter(|p| p.2 > 0.0).count();
        let colour = fill(parts[0].1);
        assert_eq!(
            count(&s, "rect", &[("fill", &colour)]),
            n + usize::from(n > 0),
            "component {k}"
        );
    }
    check_png(&d.join("energy.png"), (1200, 560));

    // Roofline: one dot per array layer with DRAM traffic (conv in series 0).
    let s = svg(&d.join("roofline.svg"));
    has_text(
        &s,
        "arithmetic intensity (FLOP per DRAM byte, log scale)",
        "roofline x axis",
    );
    has_text(
        &s,
        "achieved throughput (TOPS, log scale)",
        "roofline y axis",
    );
    has_text(&s, "compute roof", "roofline annotation");
    let convs = r
        .layers
        .iter()
        .filter(|l| {
            l.kind == "conv"
                && l.arithmetic_intensity.is_some_and(|i| i > 0.0)
                && l.achieved_tops > 0.0
        })
        .count();
    assert!(convs > 10);
    assert_eq!(
        count(&s, "circle", &[("fill", &fill(style::series(0)))]),
        convs + 1
    );
    check_png(&d.join("roofline.png"), (1200, 680));
    let dots = png(&d.join("roofline.png"));
    assert!(
        dots.of(rgb(&fill(style::series(0)))) > 400,
        "conv dots drawn in the PNG"
    );
    // Both log axes carry 1-2-5 ticks; every dot names its layer on hover.
    let (xt, yt) = tick_labels(&s);
    assert_one_two_five(&xt, "roofline x axis");
    assert_one_two_five(&yt, "roofline y axis");
    let hovers = hover_titles(&s, "circle", "fill");
    let placed: Vec<_> = r
        .layers
        .iter()
        .filter(|l| l.unit == "array" && l.arithmetic_intensity.is_some() && l.achieved_tops > 0.0)
        .collect();
    assert_eq!(
        hovers.len(),
        placed.len(),
        "one titled dot per placed layer"
    );
    for l in &placed {
        assert!(
            hovers
                .iter()
                .any(|(_, t)| t.contains(&format!(" {} (", l.layer))
                    && t.contains("on edge-8x8")
                    && t.contains("arithmetic intensity")),
            "no hover title names {}",
            l.layer
        );
    }

    // Dataflow per layer: 3 dataflows x array layers, columns named by
    // layer, vector-unit layers left out, every cell titled.
    let s = svg(&d.join("dataflow-layers.svg"));
    has_text(&s, "dataflow", "dataflow-layers y axis");
    has_text(
        &s,
        "cycles ÷ fastest dataflow's (×)",
        "dataflow-layers colour bar",
    );
    let border = fill(heatmap::CELL_BORDER);
    assert_eq!(
        count(&s, "rect", &[("fill", "none"), ("stroke", &border)]),
        3 * array
    );
    let t = texts(&s);
    for l in &r.layers {
        let named = t.iter().any(|x| x == &l.layer);
        if l.unit == "array" {
            assert!(named, "column of {} is not named; texts {t:?}", l.layer);
        } else {
            assert!(!named, "vector layer {} has a column", l.layer);
        }
    }
    let cells = hover_titles(&s, "rect", "fill");
    assert_eq!(cells.len(), 3 * array, "every cell has a hover title");
    assert!(cells.iter().all(|(_, t)| t.contains(" cycles")));
    for want in ["1.0×", "2.0×", "5.0×"] {
        has_text(&s, want, "1-2-5 ticks of the log colour bar");
    }
    check_png(&d.join("dataflow-layers.png"), (1200, 520));

    // No text covers a point or another text, in any plot.
    for f in figs {
        let s = svg(&d.join(format!("{f}.svg")));
        let bad = overlaps(&s);
        assert!(bad.is_empty(), "{f}.svg: {bad:#?}");
    }

    check_html(&d, &figs);

    // summary.md: the simulator's totals, the slowest layer, the bound layers.
    let md = std::fs::read_to_string(d.join("summary.md")).unwrap();
    let t = &r.total;
    for want in [
        format!("| total cycles | {} | cycles |", grouped(t.total_cycles)),
        format!("| MACs | {} | count |", grouped(t.macs)),
        format!(
            "| DRAM stall cycles | {} | cycles |",
            grouped(t.stall_cycles)
        ),
        format!("| latency | {:.4} | ms |", t.latency_us / 1e3),
        format!("| energy | {:.4} | mJ |", t.energy_total_pj * 1e-9),
        format!(
            "| utilization | {:.2} | % of PE-cycles |",
            100.0 * t.utilization
        ),
    ] {
        assert!(md.contains(&want), "summary.md lacks {want:?}\n{md}");
    }
    let slowest = r.layers.iter().max_by_key(|l| l.total_cycles).unwrap();
    assert!(
        md.contains(&format!("| {} |", slowest.layer)),
        "slowest layer {}",
        slowest.layer
    );
    assert!(md.contains("memory-bound layer"));
    assert!(md.contains("![Cycles and utilization per layer](layers.png)"));
}

#[test]
fn a_layer_without_dram_traffic_shows_no_intensity_and_no_bound() {
    // On tpu-v1-like, resnet50's vector layers move no DRAM bytes.
    let dir = scratch("idle");
    let d = dir.join("out");
    ok(&[
        "sim",
        "--design",
        "tpu-v1-like",
        "--model",
        "resnet50",
        "--report",
        d.to_str().unwrap(),
    ]);
    let r = simulated("tpu-v1-like", "resnet50");
    let idle = r
        .layers
        .iter()
        .find(|l| l.dram_read_bytes + l.dram_write_bytes == 0)
        .expect("a layer with no DRAM traffic");
    assert_eq!(idle.arithmetic_intensity, None);
    let html = std::fs::read_to_string(d.join("index.html")).unwrap();
    let at = html.find(&format!("<td>{}</td>", idle.layer)).unwrap();
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    assert!(row.contains("<td>-</td><td>none</td>"), "{row}");
    assert!(!row.contains("compute"), "{row}");
}

#[test]
fn sweep_report_draws_the_front_heatmap_and_dataflows_from_a_results_csv() {
    let dir = scratch("sweep");
    let (rows, csv) = sweep(&["resnet18"]);
    let results = dir.join("results.csv");
    std::fs::write(&results, csv).unwrap();
    let out = dir.join("rep");
    let r = results.to_str().unwrap();
    ok(&[
        "report",
        r,
        "--out",
        out.to_str().unwrap(),
        "--objectives",
        "latency,area",
    ]);

    let refs: Vec<&Row> = rows.iter().collect();
    let front = brute_front(&refs, |r| (r.latency_ms, r.area_mm2));
    let infeasible = rows.iter().filter(|r| !r.feasible).count();
    assert!(front.len() >= 2 && infeasible > 0 && infeasible < rows.len());

    let s = svg(&out.join("resnet18-pareto.svg"));
    has_text(&s, "latency per run (ms", "pareto x axis");
    has_text(&s, "area (mm²", "pareto y axis");
    let lat: Vec<f64> = rows.iter().map(|r| r.latency_ms).collect();
    let (lo, hi) = lat
        .iter()
        .fold((f64::MAX, 0f64), |(a, b), &v| (a.min(v), b.max(v)));
    if hi / lo > 10.0 {
        has_text(
            &s,
            "latency per run (ms), log scale",
            "latency spans decades",
        );
    }
    let front_colour = hex(style::FRONT);
    assert_eq!(
        count(&s, "circle", &[("fill", &front_colour)]),
        front.len() + 1,
        "front dots + legend"
    );
    assert_eq!(
        count(&s, "polyline", &[("stroke", &front_colour)]),
        1,
        "the front is connected"
    );
    let grey = hex(style::GREY);
    assert_eq!(
        count(&s, "circle", &[("stroke", &grey)]),
        infeasible + 1,
        "infeasible rings + legend"
    );
    let feasible_off = rows.len() - infeasible - front.len();
    assert_eq!(
        count(&s, "circle", &[("fill", &hex(style::FEASIBLE))]),
        feasible_off + 1
    );
    check_png(&out.join("resnet18-pareto.png"), (1200, 700));
    // Every point names its design point and values on hover.
    let hovers = hover_titles(&s, "circle", "cx");
    assert_eq!(hovers.len(), rows.len(), "one titled dot per point");
    for row in &rows {
        let head = format!(
            "point {}: {}x{} {} ",
            row.point, row.rows, row.cols, row.dataflow
        );
        let t = hovers
            .iter()
            .find(|(_, t)| t.starts_with(&head))
            .unwrap_or_else(|| panic!("no hover title starts with {head:?}"));
        assert!(
            t.1.contains(&format!(
                "latency per run (ms): {}",
                style::sig(row.latency_ms, 4)
            )) && t.1.contains("area (mm²): "),
            "{t:?}"
        );
    }

    let s = svg(&out.join("resnet18-heatmap.svg"));
    has_text(&s, "cols (PEs per row)", "heatmap x axis");
    has_text(&s, "rows (PEs per column)", "heatmap y axis");
    has_text(&s, "utilization (% of PE-cycles)", "heatmap colour bar");
    let border = hex(heatmap::CELL_BORDER);
    assert_eq!(
        count(&s, "rect", &[("fill", "none"), ("stroke", &border)]),
        ROWS.len() * COLS.len() * DATAFLOWS.len()
    );
    // The best feasible utilization of the 8x8 ws cell is written in it.
    let best88 = rows
        .iter()
        .filter(|r| r.rows == 8 && r.cols == 8 && r.dataflow == "ws" && r.feasible)
        .map(|r| r.utilization)
        .fold(0.0, f64::max);
    has_text(&s, &format!("{:.1}%", 100.0 * best88), "8x8 ws cell value");
    check_png(&out.join("resnet18-heatmap.png"), (1200, 560));
    let cells = hover_titles(&s, "rect", "fill");
    assert_eq!(cells.len(), ROWS.len() * COLS.len() * DATAFLOWS.len());
    assert!(cells
        .iter()
        .any(|(_, t)| t.starts_with("ws, 8x8: best utilization")));

    let s = svg(&out.join("resnet18-dataflows.svg"));
    has_text(&s, "latency per run (ms)", "dataflow bars");
    has_text(&s, "energy per run (mJ)", "dataflow bars");
    has_text(&s, "dataflow (best design of each)", "dataflow bars x axis");
    for df in DATAFLOWS {
        let c = hex(style::dataflow_colour(df));
        assert_eq!(
            count(&s, "rect", &[("fill", &c)]),
            2 + 1,
            "{df}: latency, energy, legend"
        );
    }
    check_png(&out.join("resnet18-dataflows.png"), (1200, 500));
    let bars = hover_titles(&s, "rect", "fill");
    assert_eq!(bars.len(), 2 * DATAFLOWS.len(), "latency and energy bars");
    assert!(bars.iter().all(|(_, t)| t.starts_with("point ")));

    // The best design's plots name the point they show, not the base design.
    let best = rows
        .iter()
        .filter(|r| r.feasible)
        .min_by(|a, b| (a.latency_ms * a.energy_mj).total_cmp(&(b.latency_ms * b.energy_mj)))
        .unwrap();
    let named = format!(
        "point {} ({}x{} {})",
        best.point, best.rows, best.cols, best.dataflow
    );
    for f in ["layers", "energy", "roofline", "dataflow-layers"] {
        let s = svg(&out.join(format!("resnet18-best-{f}.svg")));
        let title = texts(&s).into_iter().find(|t| t.contains(" on ")).unwrap();
        assert!(
            title.ends_with(&format!("on {named}")),
            "{f}: title {title:?} does not name {named}"
        );
        png(&out.join(format!("resnet18-best-{f}.png")));
    }
    for f in [
        "pareto",
        "heatmap",
        "dataflows",
        "best-layers",
        "best-energy",
        "best-roofline",
        "best-dataflow-layers",
    ] {
        let s = svg(&out.join(format!("resnet18-{f}.svg")));
        let bad = overlaps(&s);
        assert!(bad.is_empty(), "resnet18-{f}.svg: {bad:#?}");
    }
    check_html(
        &out,
        &[
            "resnet18-pareto",
            "resnet18-heatmap",
            "resnet18-dataflows",
            "resnet18-best-layers",
            "resnet18-best-energy",
            "resnet18-best-roofline",
            "resnet18-best-dataflow-layers",
        ],
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        md.contains("as in the results file"),
        "the best design re-simulates to the file's cycles\n{md}"
    );
    assert!(md.contains(&format!("The {} points on the front:", front.len())));
    assert!(
        md.contains(&format!("## resnet18, best design {named}: Roofline")),
        "{md}"
    );
    assert!(md.contains(&format!("| design | {named} |")), "{md}");
}

#[test]
fn three_objectives_give_three_projections_and_model_selects() {
    let dir = scratch("three");
    let (all, csv) = sweep(&["alexnet", "resnet18"]);
    let results = dir.join("results.csv");
    std::fs::write(&results, csv).unwrap();
    let out = dir.join("rep");
    let o = out.to_str().unwrap();
    let r = results.to_str().unwrap();
    ok(&[
        "report",
        r,
        "--out",
        o,
        "--objectives",
        "latency,energy,area",
        "--model",
        "alexnet",
    ]);
    // Each projection: the third objective colours the points (its scale
    // is drawn), and the projection's own 2-D front is ringed and connected.
    let rows: Vec<&Row> = all.iter().filter(|r| r.model == "alexnet").collect();
    let value = |r: &Row, k: usize| [r.latency_ms, r.energy_mj, r.area_mm2][k];
    let names = ["latency-energy", "latency-area", "energy-area"];
    let pairs = [(0, 1), (0, 2), (1, 2)];
    let thirds = ["area (mm²)", "energy per run (mJ)", "latency per run (ms)"];
    for ((pair, (a, b)), third) in names.iter().zip(pairs).zip(thirds) {
        let s = svg(&out.join(format!("alexnet-pareto-{pair}.svg")));
        let red = hex(style::FRONT);
        assert_eq!(
            count(&s, "polyline", &[("stroke", &red)]),
            1 + 1,
            "{pair}: the projection's front is connected (+ legend)"
        );
        let front2 = brute_front(&rows, |r| (value(r, a), value(r, b)));
        assert_eq!(
            count(&s, "circle", &[("fill", "none"), ("stroke", &red)]),
            front2.len() + 1,
            "{pair}: one red ring per point of the 2-D front (+ legend)"
        );
        has_text(&s, &format!("{third}, lower is better"), "colour scale");
        // The fill follows the third objective: one colour per value.
        let mut colour_of: std::collections::BTreeMap<String, String> = Default::default();
        for (fill, title) in hover_titles(&s, "circle", "fill") {
            if fill == "none" {
                continue;
            }
            let z = title
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{third}: ")))
                .unwrap_or_else(|| panic!("{pair}: no {third} in {title:?}"))
                .to_string();
            let old = colour_of.insert(z.clone(), fill.clone());
            assert!(
                old.is_none_or(|o| o == fill),
                "{pair}: {third} {z} drawn in two colours"
            );
        }
        let fills: std::collections::BTreeSet<&String> = colour_of.values().collect();
        assert!(
            colour_of.len() >= 3 && fills.len() * 10 >= colour_of.len() * 8,
            "{pair}: the colour tells {third} values apart: {colour_of:?}"
        );
    }
    assert!(
        !out.join("resnet18-heatmap.svg").exists(),
        "--model alexnet leaves resnet18 out"
    );
    // A new report into the same directory replaces the old one's files.
    ok(&["report", r, "--out", o, "--model", "resnet18"]);
    assert!(out.join("resnet18-pareto.svg").is_file());
    assert!(
        !out.join("alexnet-pareto-latency-energy.svg").exists(),
        "stale plots removed"
    );
}

#[test]
fn heatmap_cells_tell_infeasible_from_not_swept() {
    let dir = scratch("heatmap");
    let (rows, _) = sweep(&["alexnet"]);
    // Drop every point of the 8x32 array in ws: a shape the sweep skipped.
    let skipped = |r: &Row| r.rows == 8 && r.cols == 32 && r.dataflow == "ws";
    let mut text = format!("{HEADER}\n");
    for r in rows.iter().filter(|r| !skipped(r)) {
        text.push_str(&r.line);
        text.push('\n');
    }
    let results = dir.join("results.csv");
    std::fs::write(&results, text).unwrap();
    let out = dir.join("rep");
    ok(&[
        "report",
        results.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--objectives",
        "latency,area",
    ]);
    // Shapes (in a dataflow) whose points all break the area cap.
    let mut infeasible = 0;
    for df in DATAFLOWS {
        for r in ROWS {
            for c in COLS {
                let here: Vec<&Row> = rows
                    .iter()
                    .filter(|x| x.dataflow == df && x.rows == r && x.cols == c && !skipped(x))
                    .collect();
                if !here.is_empty() && here.iter().all(|x| !x.feasible) {
                    infeasible += 1;
                }
            }
        }
    }
    assert!(infeasible > 0);
    let s = svg(&out.join("alexnet-heatmap.svg"));
    let grey = hex(heatmap::INFEASIBLE);
    let light = hex(heatmap::EMPTY);
    assert_ne!(grey, light);
    assert_eq!(
        count(&s, "rect", &[("fill", &grey)]),
        infeasible + 1,
        "infeasible cells + legend swatch"
    );
    assert_eq!(
        count(&s, "rect", &[("fill", &light)]),
        1 + 1,
        "the skipped shape + legend swatch"
    );
    has_text(&s, "infeasible", "legend");
    has_text(&s, "not swept", "legend");
    let cells = hover_titles(&s, "rect", "fill");
    assert!(cells
        .iter()
        .any(|(f, t)| f == &light && t == "ws, 8x32: not swept"));
    assert!(cells
        .iter()
        .any(|(f, t)| f == &grey && t.ends_with("none feasible")));
    let img = png(&out.join("alexnet-heatmap.png"));
    assert!(img.of(rgb(&grey)) > 500 && img.of(rgb(&light)) > 500);
}

/// The committed example report's plots, as a reader sees them: no text
/// covers a point or another text; every log axis has 1-2-5 ticks and light
/// gridlines that never crowd into a band; every point has a hover title.
#[test]
fn the_committed_example_plots_read_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/default");
    let mut checked = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "svg") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let s = svg(&p);
        let bad = overlaps(&s);
        assert!(bad.is_empty(), "{name}: {bad:#?}");

        let (xt, yt) = tick_labels(&s);
        let log_x = labels(&s)
            .iter()
            .any(|l| !l.rotated && l.text.contains("log scale"));
        if name.contains("roofline") {
            assert_one_two_five(&xt, &format!("{name} x"));
            assert_one_two_five(&yt, &format!("{name} y"));
        }
        if name.contains("pareto") && log_x {
            assert_one_two_five(&xt, &format!("{name} x"));
        }
        let gap = gridline_gap(&s);
        assert!(gap >= 5.0, "{name}: gridlines {gap} px apart form a band");
        // Gridlines are the major colour (the darkest) or light (minor): 240
        // or more on every channel.
        let colours: std::collections::BTreeSet<String> =
            gridlines(&s).into_iter().map(|g| g.0).collect();
        let sum = |c: &String| rgb(c).iter().map(|&v| u32::from(v)).sum::<u32>();
        if let Some(darkest) = colours.iter().min_by_key(|c| sum(c)) {
            for c in &colours {
                assert!(
                    c == darkest || rgb(c).iter().all(|&v| v >= 240),
                    "{name}: minor gridlines {c} too dark"
                );
            }
        }

        if name.contains("pareto") {
            let model = name.split("-pareto").next().unwrap();
            let csv = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/results/default.csv"),
            )
            .unwrap();
            let points = csv
                .lines()
                .filter(|l| l.split(',').nth(1) == Some(model))
                .count();
            let hovers = hover_titles(&s, "circle", "cx");
            assert_eq!(hovers.len(), points, "{name}: a hover title per point");
            assert!(hovers.iter().all(|(_, t)| t.starts_with("point ")));
        }
        if name.contains("roofline") {
            assert!(!hover_titles(&s, "circle", "cx").is_empty());
        }
        checked += 1;
    }
    assert!(checked >= 27, "checked {checked} plots");
}

#[test]
fn a_directory_with_foreign_files_is_never_written() {
    let dir = scratch("foreign");
    let mine = dir.join("notes.txt");
    std::fs::write(&mine, "mine").unwrap();
    let err = fails(&[
        "sim",
        "--design",
        "edge-8x8",
        "--model",
        "alexnet",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert!(
        err.contains("did not write") && err.contains(".systolic-report"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine");
    assert!(!dir.join("index.html").exists());
}

#[test]
fn bad_results_files_name_the_file_line_and_column() {
    let dir = scratch("bad");
    let (_, csv) = sweep(&["alexnet"]);
    let w = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let out = dir.join("out");
    let o = out.to_str().unwrap();

    let missing = csv.replacen(",utilization,", ",util,", 1);
    let p = w("missing.csv", &missing);
    let e = fails(&["report", &p, "--out", o]);
    assert!(
        e.contains("missing.csv:1")
            && e.contains("`utilization`")
            && e.contains("point,model,base"),
        "{e}"
    );

    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[16] = "fast";
    lines[3] = cells.join(",");
    let p = w("number.csv", &(lines.join("\n") + "\n"));
    let e = fails(&["report", &p, "--out", o]);
    assert!(
        e.contains("number.csv:4")
            && e.contains("latency_ms")
            && e.contains("`fast` is not a number"),
        "{e}"
    );
    assert!(e.contains("decimal number"), "hint: {e}");

    let mut cells: Vec<String> = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    *cells.last_mut().unwrap() = "yes".into();
    let p = w("flag.csv", &format!("{HEADER}\n{}\n", cells.join(",")));
    let e = fails(&["report", &p, "--out", o]);
    assert!(
        e.contains("flag.csv:2") && e.contains("feasible") && e.contains("`yes`"),
        "{e}"
    );

    let p = w("empty.csv", "");
    assert!(fails(&["report", &p, "--out", o]).contains("empty"));
    let p = w("header.csv", &format!("{HEADER}\n"));
    assert!(fails(&["report", &p, "--out", o]).contains("no rows"));

    let p = w("good.csv", &csv);
    let e = fails(&["report", &p, "--out", o, "--objectives", "latency,speed"]);
    assert!(
        e.contains("unknown objective `speed`") && e.contains("tops_per_w"),
        "{e}"
    );
    let e = fails(&["report", &p, "--out", o, "--objectives", "latency"]);
    assert!(e.contains("2 or 3 objectives, found 1"), "{e}");
    let e = fails(&["report", &p, "--out", o, "--model", "vgg16"]);
    assert!(e.contains("vgg16") && e.contains("alexnet"), "{e}");
    assert!(!out.exists(), "no report written on errors");
}

#[test]
fn a_real_sweep_reports_over_its_own_objectives_and_rebuilds_its_designs() {
    // The spec, its base design (a relative TOML path) and the results sit
    // in one directory. The base accumulates int8 in 24 bits; the sweep's
    // fp16 operand must accumulate in fp32 (the sweep's accumulator rule),
    // which the report's rebuilt best design has to follow to simulate.
    let dir = scratch("sidecar");
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("designs/edge-8x8.toml"),
    )
    .unwrap()
    .replace("accumulator_bits = 32", "accumulator_bits = 24");
    std::fs::write(dir.join("acc24.toml"), base).unwrap();
    let spec = dir.join("spec.toml");
    std::fs::write(
        &spec,
        "base = \"acc24.toml\"\nmodels = [\"alexnet\"]\npareto = [\"latency\", \"energy\", \"area\"]\n\
         [grid]\nrows = [8, 16]\ncols = [8, 16]\ndataflow = [\"ws\", \"os\"]\noperand = [\"fp16\"]\n",
    )
    .unwrap();
    let results = dir.join("r.csv");
    let r = results.to_str().unwrap();
    ok(&["sweep", spec.to_str().unwrap(), "--out", r]);
    assert!(dir.join("r.sweep.json").is_file());

    // No --objectives: the sidecar's three objectives.
    let out = dir.join("rep");
    let o = out.to_str().unwrap();
    ok(&["report", r, "--out", o]);
    for pair in ["latency-energy", "latency-area", "energy-area"] {
        svg(&out.join(format!("alexnet-pareto-{pair}.svg")));
    }
    assert!(!out.join("alexnet-pareto.svg").exists());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        md.contains("Pareto fronts over latency, energy, area"),
        "{md}"
    );
    assert!(
        md.contains("as in the results file"),
        "the rebuilt best design re-simulates to the file's cycles\n{md}"
    );

    // --objectives overrides the sidecar.
    ok(&["report", r, "--out", o, "--objectives", "latency,area"]);
    assert!(out.join("alexnet-pareto.svg").is_file());
    assert!(!out.join("alexnet-pareto-latency-energy.svg").exists());

    // Without a sidecar: the default latency, energy.
    std::fs::remove_file(dir.join("r.sweep.json")).unwrap();
    ok(&["report", r, "--out", o]);
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("Pareto fronts over latency, energy\n"), "{md}");

    // A relative base design resolves against the results file's directory:
    // results moved elsewhere name the missing file and say where it was looked for.
    let moved = dir.join("elsewhere");
    std::fs::create_dir_all(&moved).unwrap();
    let m = moved.join("r.csv");
    std::fs::copy(&results, &m).unwrap();
    let e = fails(&[
        "report",
        m.to_str().unwrap(),
        "--out",
        dir.join("rep2").to_str().unwrap(),
    ]);
    assert!(
        e.contains("acc24.toml") && e.contains("results file's directory"),
        "{e}"
    );
}

/// The committed example (`reports/results/default.*` from
/// `designs/sweeps/default.toml`, `reports/default/` from those results) is
/// what the current code writes, byte for byte. Regenerate with:
/// `rm -rf reports/results/default.* reports/default &&
///  systolic sweep designs/sweeps/default.toml --out reports/results/default.csv &&
///  systolic report reports/results/default.csv --out reports/default`.
#[test]
fn the_committed_example_report_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hint = "regenerate the example: see this test's doc comment";
    let dir = scratch("example");
    let csv = dir.join("default.csv");
    ok(&[
        "sweep",
        "designs/sweeps/default.toml",
        "--out",
        csv.to_str().unwrap(),
    ]);
    for ext in ["csv", "jsonl", "pareto.csv"] {
        let want = std::fs::read(root.join(format!("reports/results/default.{ext}"))).unwrap();
        let got = std::fs::read(dir.join(format!("default.{ext}"))).unwrap();
        assert!(
            want == got,
            "reports/results/default.{ext} is stale; {hint}"
        );
    }
    let out = dir.join("report");
    ok(&[
        "report",
        "reports/results/default.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    support::assert_same_files(&root.join("reports/default"), &out, hint);
}
