//! The committed synthesis example (`scripts/synth-example.sh`):
//! `reports/results/synth-ice40.*` from `designs/sweeps/synth-ice40.toml`
//! (16 arrays of fpga-2x2 synthesized, placed and co-simulated) and its
//! report `reports/synth-ice40/`. The report is what the current code draws
//! from the committed results, byte for byte; and the committed figures are
//! today's: the 2x2 point synthesizes to the same counts and Fmax with
//! `systolic synth`, with the tools the sidecar names. Needs Yosys and
//! nextpnr-ice40, and fails without them.

mod support;

use support::{ok, root, s, text};

const RESULTS: &str = "reports/results/synth-ice40.csv";
const HINT: &str = "regenerate the example with scripts/synth-example.sh";

fn committed_rows() -> Vec<dse::SynthRow> {
    dse::read_rows(&text(&root().join(RESULTS)), RESULTS).unwrap()
}

#[test]
fn the_committed_synthesis_report_is_current() {
    let out = support::scratch("report_synth_example", "report");
    ok(&["report", RESULTS, "--out", s(&out)]);
    support::assert_same_files(&root().join("reports/synth-ice40"), &out, HINT);
}

#[test]
fn the_committed_results_are_whole_and_every_design_was_placed_and_matched() {
    let rows = committed_rows();
    assert_eq!(rows.len(), 16, "{HINT}");
    for r in &rows {
        let s = &r.synth;
        assert!(
            s.fits && s.fmax_mhz.is_some(),
            "{}x{}: {s:?}",
            r.sim.rows,
            r.sim.cols
        );
        assert_eq!(
            s.verified,
            Some(true),
            "{}x{} co-simulated",
            r.sim.rows,
            r.sim.cols
        );
        assert_eq!(
            (s.synth_target.as_str(), s.synth_device.as_str()),
            ("ice40", "up5k")
        );
    }
    let meta = text(&root().join("reports/results/synth-ice40.sweep.json"));
    assert!(
        meta.contains("\"complete\": true") && meta.contains("\"stage\": \"synth\""),
        "{meta}"
    );
}

#[test]
fn a_committed_design_synthesizes_today_to_its_committed_figures() {
    let rows = committed_rows();
    let row = rows
        .iter()
        .find(|r| (r.sim.rows, r.sim.cols) == (2, 2))
        .expect("the 2x2 point");
    // The 2x2 point is the fpga-2x2 preset itself.
    let dir = support::scratch("report_synth_example", "synth");
    ok(&[
        "synth",
        "--design",
        "fpga-2x2",
        "--target",
        "ice40",
        "--device",
        "up5k",
        "--out",
        s(&dir),
    ]);
    let report: serde_json::Value = serde_json::from_str(&text(&dir.join("ice40.json"))).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&text(
        &root().join("reports/results/synth-ice40.sweep.json"),
    ))
    .unwrap();
    let tools = meta["tools"].as_str().unwrap_or("");
    let yosys = report["tools"]["yosys"].as_str().unwrap_or("");
    assert!(
        tools.contains(&format!("Yosys {yosys}")),
        "the committed results were made with {tools}, this machine has Yosys {yosys}: {HINT}"
    );
    let s = &row.synth;
    let n = |f: &str| report[f].as_u64();
    assert_eq!(
        (
            s.luts,
            Some(s.flip_flops),
            s.dsps,
            s.block_rams,
            Some(s.cells)
        ),
        (
            n("luts"),
            n("flip_flops"),
            n("dsps"),
            n("block_rams"),
            n("cells")
        ),
        "{HINT}"
    );
    assert_eq!(s.fmax_mhz, report["fmax_mhz"].as_f64(), "{HINT}");
}
