//! The HTML reports opened in headless Chromium (Debian's `chromium`) by
//! scripts/report_screenshot.sh: the screenshot shows the plots, and every
//! plot is laid out with a real size.

mod report_support;
mod support;

use report::style::{self, hex};
use report_support::*;
use std::path::Path;
use std::process::Command;

/// Runs the screenshot script on `report`; returns (screenshot, DOM text).
fn open_in_chromium(report: &Path, name: &str) -> (Image, String) {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).is_file(),
        "{chromium} not found: this test needs Debian's Chromium. Install it with \
         `apt-get install -y chromium` or `bash scripts/setup.sh`"
    );
    let shot = report.with_file_name(format!("{name}-screenshot.png"));
    let dom = report.with_file_name(format!("{name}-dom.html"));
    let _ = std::fs::remove_file(&shot);
    let o = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/report_screenshot.sh"))
        .args([report, &shot, &dom])
        .output()
        .expect("bash runs");
    assert!(
        o.status.success(),
        "report_screenshot.sh failed ({:?}):\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    (png(&shot), std::fs::read_to_string(&dom).unwrap())
}

/// The figures the page laid out: (id, width, height) in CSS pixels.
fn measured(dom: &str) -> Vec<(String, u32, u32)> {
    let start = dom
        .find("<pre id=\"systolic-measure\">")
        .expect("the measuring script ran")
        + 27;
    let end = start + dom[start..].find("</pre>").unwrap();
    dom[start..end]
        .lines()
        .map(|l| {
            let (id, size) = l.split_once(' ').unwrap();
            let (w, h) = size.split_once('x').unwrap();
            (id.to_string(), w.parse().unwrap(), h.parse().unwrap())
        })
        .collect()
}

#[test]
fn sim_report_shows_its_plots_in_chromium() {
    let dir = scratch("browser-sim");
    let report = dir.join("report");
    ok(&[
        "sim",
        "--design",
        "edge-8x8",
        "--model",
        "resnet18",
        "--report",
        report.to_str().unwrap(),
    ]);
    let (img, dom) = open_in_chromium(&report, "sim");
    assert_eq!((img.width, img.height), (1400, 3000));
    assert!(
        img.inked() > 0.10,
        "the page is mostly blank ({:.3} inked)",
        img.inked()
    );
    assert!(
        img.colours() > 200,
        "only {} colours on the page",
        img.colours()
    );
    // The cycles plot's bars and the utilization bars are on screen.
    let array = img.of(rgb(&hex(report::layers::ARRAY)));
    let util = img.of(rgb(&hex(report::layers::UTIL)));
    assert!(
        array > 1500 && util > 1500,
        "plot colours on screen: array {array}, utilization {util}"
    );

    let figs = measured(&dom);
    let ids: Vec<&str> = figs.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fig-layers",
            "fig-energy",
            "fig-roofline",
            "fig-dataflow-layers"
        ]
    );
    for (id, w, h) in &figs {
        assert!(*w >= 800 && *h >= 200, "{id} laid out at {w}x{h}");
    }
}

#[test]
fn sweep_report_shows_its_plots_in_chromium() {
    let dir = scratch("browser-sweep");
    let (_, csv) = sweep(&["resnet18"]);
    let results = dir.join("results.csv");
    std::fs::write(&results, csv).unwrap();
    let report = dir.join("report");
    ok(&[
        "report",
        results.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--objectives",
        "latency,area",
    ]);
    let (img, dom) = open_in_chromium(&report, "sweep");
    assert!(
        img.inked() > 0.10,
        "the page is mostly blank ({:.3} inked)",
        img.inked()
    );
    // The Pareto front (red) and the dataflow bars are on screen.
    let front = img.of(rgb(&hex(style::FRONT)));
    assert!(front > 300, "Pareto front pixels on screen: {front}");
    let figs = measured(&dom);
    assert_eq!(figs.len(), 7, "{figs:?}");
    assert_eq!(figs[0].0, "fig-resnet18-pareto");
    for (id, w, h) in &figs {
        assert!(*w >= 800 && *h >= 200, "{id} laid out at {w}x{h}");
    }
}

/// Columns of `img` holding ink (any channel below 128) in rows `rows`.
fn ink_columns(img: &Image, rows: std::ops::Range<u32>) -> Vec<u32> {
    (0..img.width)
        .filter(|&x| {
            rows.clone().any(|y| {
                let p = img.pixels[(y * img.width + x) as usize];
                p.iter().any(|&c| c < 128)
            })
        })
        .collect()
}

/// The word gaps of a line of text: runs of at least `min` blank columns
/// between inked ones, as their centres.
fn word_gaps(cols: &[u32], min: u32) -> Vec<f64> {
    cols.windows(2)
        .filter(|w| w[1] - w[0] > min)
        .map(|w| f64::from(w[0] + w[1]) / 2.0)
        .collect()
}

#[test]
fn png_text_is_spaced_as_chromium_draws_the_svg() {
    let dir = scratch("browser-text");
    let report = dir.join("report");
    ok(&[
        "sim",
        "--design",
        "edge-8x8",
        "--model",
        "alexnet",
        "--report",
        report.to_str().unwrap(),
    ]);
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).is_file(),
        "{chromium} not found: install it with `apt-get install -y chromium`"
    );
    let shot = dir.join("layers-chromium.png");
    let o = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/report_screenshot.sh"))
        .arg(report.join("layers.svg"))
        .arg(&shot)
        .args(["", "1200x760"])
        .output()
        .expect("bash runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let browser = png(&shot);
    let ours = png(&report.join("layers.png"));
    assert_eq!((browser.width, browser.height), (ours.width, ours.height));
    // The title (24 px) and the lower x axis description (18 px).
    for (what, rows, gap) in [("title", 0..44, 5), ("x axis description", 730..760, 4)] {
        let a = ink_columns(&browser, rows.clone());
        let b = ink_columns(&ours, rows);
        assert!(!a.is_empty() && !b.is_empty(), "{what}: no ink");
        let (a0, a1) = (a[0], *a.last().unwrap());
        let (b0, b1) = (b[0], *b.last().unwrap());
        assert!(
            a0.abs_diff(b0) <= 2 && a1.abs_diff(b1) <= 3,
            "{what}: Chromium draws columns {a0}..{a1}, the PNG {b0}..{b1}"
        );
        let (ga, gb) = (word_gaps(&a, gap), word_gaps(&b, gap));
        assert_eq!(ga.len(), gb.len(), "{what}: word gaps {ga:?} vs {gb:?}");
        for (x, y) in ga.iter().zip(&gb) {
            assert!((x - y).abs() <= 2.5, "{what}: word gaps {ga:?} vs {gb:?}");
        }
    }
}
