//! `systolic report` on a synth-stage sweep's results
//! (tests/inputs/synth-report/, a real sweep): the synthesis section with
//! its figure and table, the Pareto plots kept on inference objectives, and
//! no synthesis section for results without the synthesis columns.

mod report_support;
mod support;

use report_support::{check_png, hover_titles, overlaps, png, rgb, scratch, svg};
use support::{ok, root, run, s, stderr, text, user_error};

/// The committed results.
fn fixture() -> std::path::PathBuf {
    root().join("tests/inputs/synth-report/results.csv")
}

#[test]
fn a_synth_sweep_report_draws_fmax_and_area_against_array_size() {
    let out = scratch("synth-section");
    let o = ok(&["report", s(&fixture()), "--out", s(&out)]);
    // The sidecar's objectives (fmax, luts) are synthesis figures: the
    // Pareto plots fall back to the defaults, and say so.
    let err = stderr(&o);
    assert!(
        err.contains("objectives fmax, luts include synthesis figures")
            && err.contains("the Pareto plots are over latency, energy (the defaults)"),
        "{err}"
    );

    let md = text(&out.join("summary.md"));
    assert!(md.contains("Pareto fronts over latency, energy"), "{md}");
    assert!(
        md.contains("## Synthesis: Fmax and area against array size"),
        "{md}"
    );
    assert!(
        md.contains("3 designs synthesized for ice40 up5k: 3 fit the device, 0 did not; LUTs 919 to 1,186; Fmax 43.62 to 45.16 MHz; 3 of 3 co-simulated designs matched"),
        "{md}"
    );
    assert!(md.contains("(synthesis.png)"), "{md}");
    assert!(md.contains("synthesis reports in"), "{md}");
    // One row per design: the points at 50 and 100 MHz share the RTL and
    // its synthesis.
    for line in [
        "| 0, 1 | 1x2 | 919 | 563 | 1 | 8 | 43.62 | yes | yes (399 RTL cycles) | 3.2603e8 |",
        "| 2, 3 | 2x2 | 1080 | 733 | 4 | 8 | 45.03 | yes | yes (291 RTL cycles) | 1.9854e8 |",
        "| 4, 5 | 3x2 | 1186 | 857 | 6 | 9 | 45.16 | yes | yes (371 RTL cycles) | 1.7421e8 |",
    ] {
        assert!(md.contains(line), "no {line:?} in\n{md}");
    }

    let html = text(&out.join("index.html"));
    assert!(
        html.contains("id=\"fig-synthesis\""),
        "the figure is inlined"
    );
    assert!(html.contains("Synthesis: Fmax and area against array size"));

    // The figure: a titled dot per design in each of the five panels, no
    // text over a dot or another text, and the dots in the PNG.
    let plot = svg(&out.join("synthesis.svg"));
    let titles = hover_titles(&plot, "circle", "cx");
    assert_eq!(titles.len(), 15, "3 designs x 5 panels: {titles:#?}");
    for (shape, luts) in [
        ("1x2", "LUTs 919,"),
        ("2x2", "LUTs 1,080,"),
        ("3x2", "LUTs 1,186,"),
    ] {
        let of: Vec<&String> = titles
            .iter()
            .map(|(_, t)| t)
            .filter(|t| t.starts_with(&format!("{shape} ws int8 dense, ice40 up5k")))
            .collect();
        assert_eq!(of.len(), 5, "{shape}: {titles:#?}");
        assert!(of.iter().all(|t| t.contains(luts)), "{of:#?}");
        assert!(of.iter().all(|t| t.contains("verified: yes")), "{of:#?}");
    }
    assert!(titles[0]
        .1
        .contains("point 0: 1x2 ws int8, SRAM 1/1/1 KiB, 8 B/cycle, 50 MHz\npoint 1:"));
    let bad = overlaps(&plot);
    assert!(bad.is_empty(), "{bad:#?}");
    for needle in [
        "Fmax from place and route (MHz)",
        "LUTs",
        "flip-flops",
        "DSP blocks",
        "block RAMs",
        "ws int8 dense, ice40 up5k",
    ] {
        report_support::has_text(&plot, needle, "synthesis.svg");
    }
    check_png(&out.join("synthesis.png"), (1500, 940));
    assert!(
        png(&out.join("synthesis.png")).of(rgb("#1F77B4")) > 15 * 60,
        "the series' dots are in the PNG"
    );
}

#[test]
fn synthesis_objectives_stay_off_the_pareto_plots() {
    let out = scratch("synth-objectives");
    let o = run(&[
        "report",
        s(&fixture()),
        "--out",
        s(&out),
        "--objectives",
        "latency,luts",
    ]);
    let err = user_error(&o, "--objectives latency,luts");
    assert!(
        err.contains("objective `luts` is a synthesis figure"),
        "{err}"
    );
    assert!(err.contains("synthesis section"), "{err}");
    assert!(!out.join("index.html").exists(), "nothing written");
    // Inference objectives given: no note, no fallback.
    let o = ok(&[
        "report",
        s(&fixture()),
        "--out",
        s(&out),
        "--objectives",
        "latency,area",
    ]);
    assert!(!stderr(&o).contains("synthesis figures"), "{}", stderr(&o));
    assert!(text(&out.join("summary.md")).contains("Pareto fronts over latency, area"));
}

#[test]
fn results_without_synthesis_columns_have_no_synthesis_section() {
    let dir = scratch("synth-none");
    // The same rows with the inference columns alone, and no sidecar.
    let plain: String = text(&fixture())
        .lines()
        .map(|l| {
            l.split(',')
                .take(dse::COLUMNS.len())
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect();
    assert!(plain.starts_with(&dse::COLUMNS.join(",")));
    let csv = dir.join("results.csv");
    std::fs::write(&csv, plain).unwrap();
    let out = dir.join("report");
    let o = ok(&["report", s(&csv), "--out", s(&out)]);
    assert!(!stderr(&o).contains("synthesis"), "{}", stderr(&o));
    let md = text(&out.join("summary.md"));
    assert!(
        md.contains("## Overview") && !md.contains("Synthesis"),
        "{md}"
    );
    assert!(!out.join("synthesis.svg").exists());
}
