//! `systolic train --report`: the step-time bars stack to the step's time
//! at every chip count, the scaling plot has a titled point per chip count
//! on 1-2-5 log axes, the per-layer plot shows the heaviest layers (found
//! here from the JSON rows, independently of the report), and summary.md
//! holds exactly the step's phase totals, memory and scaling table as the
//! command's JSON gives them; a foreign directory is refused before any
//! simulation.

mod report_support;
mod support;

use report::markdown::escape;
use report::style::{grouped, hex, sig};
use report::{scaling, train};
use report_support::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Runs `systolic train ARGS --format json --report DIR` and returns the JSON.
fn train_json(args: &[&str], dir: &Path) -> Value {
    let mut all = vec!["train"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--report", dir.to_str().unwrap()]);
    let o = ok(&all);
    serde_json::from_slice(&o.stdout).expect("train --format json prints JSON")
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The summary.md row of a phase, from the JSON's totals.
fn phase_row(name: &str, p: &Value, total_cycles: u64, clock_mhz: f64) -> String {
    let cycles = u(&p["cycles"]);
    format!(
        "| {name} | {} | {} | {:.4} | {:.1} | {:.4} | {} |",
        grouped(u(&p["macs"])),
        grouped(cycles),
        cycles as f64 / clock_mhz / 1e3,
        100.0 * cycles as f64 / total_cycles as f64,
        f(&p["energy_pj"]) * 1e-9,
        grouped(u(&p["dram_bytes"]))
    )
}

/// Forward + backward cycles per source layer from the JSON rows (the
/// optimizer update left out), heaviest first, model order among equals.
fn heaviest_layers(j: &Value) -> Vec<(String, u64, u64)> {
    let mut order: Vec<String> = Vec::new();
    let mut sums: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in j["layers"].as_array().unwrap() {
        let pass = r["pass"].as_str().unwrap();
        if pass == "update" {
            continue;
        }
        let name = r["source_layer"].as_str().unwrap().to_string();
        if !order.contains(&name) {
            order.push(name.clone());
        }
        let e = sums.entry(name).or_default();
        if pass == "forward" {
            e.0 += u(&r["total_cycles"]);
        } else {
            e.1 += u(&r["total_cycles"]);
        }
    }
    let mut v: Vec<(usize, String, u64, u64)> = order
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let (fw, bw) = sums[&n];
            (i, n, fw, bw)
        })
        .collect();
    v.sort_by(|a, b| (b.2 + b.3).cmp(&(a.2 + a.3)).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(_, n, fw, bw)| (n, fw, bw)).collect()
}

/// Checks summary.md against the JSON: every phase row, the memory rows.
fn check_summary_step(md: &str, j: &Value) {
    let clock = f(&j["design"]["clock_mhz"]);
    let total = u(&j["total"]["cycles"]);
    assert_eq!(
        total,
        ["forward", "backward", "update"]
            .iter()
            .map(|p| u(&j[p]["cycles"]))
            .sum::<u64>()
    );
    for (name, key) in [
        ("forward", "forward"),
        ("backward", "backward"),
        ("update", "update"),
        ("step", "total"),
    ] {
        let want = phase_row(name, &j[key], total, clock);
        assert!(md.contains(&want), "summary.md lacks {want:?}\n{md}");
    }
    let m = &j["memory"];
    for (name, key) in [
        ("weights", "weights"),
        ("gradients", "gradients"),
        ("master weights and optimizer state", "optimizer"),
        ("activations kept for backward", "activations"),
        ("peak (sum of the above)", "peak"),
    ] {
        let b = u(&m[key]);
        let want = format!(
            "| {name} | {} | {:.3} |",
            grouped(b),
            b as f64 / (1u64 << 30) as f64
        );
        assert!(md.contains(&want), "summary.md lacks {want:?}");
    }
    assert!(md.contains(&format!(
        "{} trainable parameters",
        grouped(u(&m["params"]))
    )));
}

#[test]
fn train_report_stacks_each_step_plots_its_scaling_and_tables_the_json() {
    let dir = scratch("train-scaling");
    let d = dir.join("out");
    let j = train_json(
        &[
            "--design",
            "tpu-v3-mxu-like",
            "--model",
            "resnet18",
            "--batch",
            "2",
            "--chips",
            "1,8,64,512",
            "--cluster",
            "tpu-v4",
        ],
        &d,
    );
    let figs = ["step-time", "scaling", "layers"];
    for name in figs {
        assert!(d.join(format!("{name}.svg")).is_file(), "{name}.svg");
    }
    assert!(d.join(".systolic-report").is_file());
    let points = j["scaling"].as_array().unwrap();
    assert_eq!(points.len(), 4);

    // Step time: one bar per chip count (1 is among them: no extra bar),
    // stacked forward, backward, update, exposed communication; the total
    // written above each bar is the step time of the scaling table.
    let s = svg(&d.join("step-time.svg"));
    has_text(&s, "time per step (ms)", "step-time y axis");
    has_text(
        &s,
        "chips (data parallel, batch 2 per chip)",
        "step-time x axis",
    );
    let rects = |c| count(&s, "rect", &[("fill", &hex(c))]);
    assert_eq!(rects(train::FORWARD), points.len() + 1);
    assert_eq!(rects(train::BACKWARD), points.len() + 1);
    let exposed = points
        .iter()
        .filter(|p| f(&p["exposed_comm_s"]) > 0.0)
        .count();
    assert!(exposed >= 2, "communication shows at 8 chips and more");
    assert_eq!(rects(train::EXPOSED), exposed + 1);
    let t = texts(&s);
    for p in points {
        let label = sig(f(&p["step_s"]) * 1e3, 4);
        assert!(
            t.contains(&label),
            "no step total {label} above the {} chip bar: {t:?}",
            p["chips"]
        );
        assert!(
            t.contains(&p["chips"].to_string()),
            "{} chips tick",
            p["chips"]
        );
    }
    let titled = hover_titles(&s, "rect", "fill");
    for p in points.iter().filter(|p| f(&p["exposed_comm_s"]) > 0.0) {
        let (head, part) = (
            format!("{} chips (", p["chips"]),
            format!(
                "exposed communication: {} ms",
                sig(f(&p["exposed_comm_s"]) * 1e3, 4)
            ),
        );
        assert!(
            titled.iter().any(|(fill, t)| fill == &hex(train::EXPOSED)
                && t.starts_with(&head)
                && t.ends_with(&part)),
            "no segment titled {head}... {part}: {titled:?}"
        );
    }
    check_png(&d.join("step-time.png"), (1200, 560));

    // Scaling: a titled dot per chip count in each panel, log-log 1-2-5 chips axis.
    let s = svg(&d.join("scaling.svg"));
    has_text(&s, "samples per second (log scale)", "scaling left y axis");
    has_text(
        &s,
        "scaling efficiency (% of ideal)",
        "scaling right y axis",
    );
    has_text(&s, "chips (log scale)", "scaling x axis");
    for colour in [scaling::SIMULATED, scaling::EFFICIENCY] {
        assert_eq!(
            count(&s, "circle", &[("fill", &hex(colour))]),
            points.len() + 1,
            "one dot per chip count (+1 legend)"
        );
    }
    let dots = hover_titles(&s, "circle", "fill");
    assert_eq!(dots.len(), 2 * points.len());
    for p in points {
        let head = format!("{} chips (", p["chips"]);
        let n = dots.iter().filter(|(_, t)| t.starts_with(&head)).count();
        assert_eq!(n, 2, "{head}");
        let eff = format!("efficiency {:.1} %", 100.0 * f(&p["efficiency"]));
        assert!(dots
            .iter()
            .any(|(_, t)| t.starts_with(&head) && t.contains(&eff)));
    }
    let (xt, _) = tick_labels(&s);
    assert_one_two_five(&xt, "scaling chips axis");
    assert!(xt.contains(&1.0) && xt.contains(&100.0), "{xt:?}");
    check_png(&d.join("scaling.png"), (1200, 560));

    // Layers: the heaviest layers, named upwards, forward beside backward.
    let s = svg(&d.join("layers.svg"));
    has_text(&s, "cycles (clock cycles)", "layers y axis");
    let heavy = heaviest_layers(&j);
    assert!(heavy.len() > train::TOP);
    let top = &heavy[..train::TOP];
    assert_eq!(
        count(&s, "rect", &[("fill", &hex(train::FORWARD))]),
        top.iter().filter(|l| l.1 > 0).count() + 1
    );
    let t = texts(&s);
    for (name, _, _) in top {
        assert!(t.contains(name), "layer {name} is not named: {t:?}");
    }
    assert!(!t.contains(&heavy[train::TOP].0), "only the top layers");
    check_png(&d.join("layers.png"), (1200, 640));

    for name in figs {
        let bad = overlaps(&svg(&d.join(format!("{name}.svg"))));
        assert!(bad.is_empty(), "{name}.svg: {bad:#?}");
    }
    check_html(&d, &figs);

    // summary.md: exactly the command's numbers.
    let md = std::fs::read_to_string(d.join("summary.md")).unwrap();
    check_summary_step(&md, &j);
    for p in points {
        let want = format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1} | {:.1} | {:.3} | {} |",
            p["chips"],
            p["layout"].as_str().unwrap(),
            p["global_batch"],
            f(&p["step_s"]) * 1e3,
            f(&p["compute_s"]) * 1e3,
            f(&p["comm_s"]) * 1e3,
            f(&p["exposed_comm_s"]) * 1e3,
            f(&p["samples_per_s"]),
            100.0 * f(&p["efficiency"]),
            f(&p["state_bytes_per_chip"]) / (1u64 << 30) as f64,
            p["buckets"]
        );
        assert!(md.contains(&want), "summary.md lacks {want:?}\n{md}");
    }
    for (name, fw, bw) in top {
        let cells = [escape(name), grouped(*fw), grouped(*bw)].map(|c| format!("| {c} |"));
        assert!(
            md.lines()
                .any(|l| cells.iter().all(|c| l.contains(c.as_str()))),
            "no layer row with {cells:?}"
        );
    }
    assert!(md.contains("![Scaling](scaling.png)"));
    assert!(md.contains("Cluster tpu-v4:"));
}

#[test]
fn train_report_without_scale_out_draws_one_bar_and_no_scaling() {
    let dir = scratch("train-one");
    let d = dir.join("out");
    let j = train_json(
        &[
            "--design", "edge-8x8", "--model", "resnet18", "--batch", "1",
        ],
        &d,
    );
    assert!(!d.join("scaling.svg").exists());
    check_html(&d, &["step-time", "layers"]);
    let s = svg(&d.join("step-time.svg"));
    has_text(&s, "one chip (the simulated step)", "step-time x axis");
    let rects = |c| count(&s, "rect", &[("fill", &hex(c))]);
    assert_eq!(rects(train::FORWARD), 2);
    assert_eq!(rects(train::EXPOSED), 0, "no communication on one chip");
    let ms = u(&j["total"]["cycles"]) as f64 / f(&j["design"]["clock_mhz"]) / 1e3;
    has_text(&s, &sig(ms, 4), "the step's time above its bar");
    let md = std::fs::read_to_string(d.join("summary.md")).unwrap();
    check_summary_step(&md, &j);
    assert!(!md.contains("Data-parallel scaling"));

    // Chip counts without 1: the simulated one-chip step comes first.
    let d = dir.join("no-one");
    let j = train_json(
        &[
            "--design", "edge-8x8", "--model", "resnet18", "--batch", "1", "--chips", "8,64",
        ],
        &d,
    );
    let s = svg(&d.join("step-time.svg"));
    assert_eq!(count(&s, "rect", &[("fill", &hex(train::FORWARD))]), 3 + 1);
    let t = texts(&s);
    assert!(t.contains(&"1".to_string()) && t.contains(&"64".to_string()));
    has_text(&s, &sig(ms, 4), "the one-chip step first");
    assert_eq!(j["scaling"].as_array().unwrap().len(), 2);
}

#[test]
fn train_report_refuses_a_foreign_directory_before_simulating() {
    let dir = scratch("train-foreign");
    let d = dir.join("mine");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("notes.txt"), "my notes").unwrap();
    let started = std::time::Instant::now();
    let err = fails(&[
        "train",
        "--design",
        "edge-8x8",
        "--model",
        "resnet50",
        "--batch",
        "64",
        "--report",
        d.to_str().unwrap(),
    ]);
    assert!(err.contains("systolic::report::exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
    assert!(
        started.elapsed().as_secs_f64() < 5.0,
        "refused before simulating"
    );
}
