//! `systolic sweep` with a synth stage (`stage = "synth"`) as a user runs
//! it: every point's row carries the figures `systolic synth` reports for
//! that design (the same LUTs, DSPs, block RAMs and Fmax), shards merge to
//! the unsharded files, a stopped run resumes reusing its synthesis
//! reports, a design the device has no room for is an infeasible row, and
//! mistakes in `[synth]` are refused before anything runs, naming the field.
//! Needs Yosys and nextpnr-ice40 (scripts/setup.sh) and fails without them.

mod support;

use std::path::{Path, PathBuf};
use support::{run_in, s, succeeded, text};

/// The fpga-2x2 design at `rows` x 2 on an iCE40 `device` (seconds each):
/// 1x2 and 2x2 on the UP5K, 1x2 on the LP384, which has 384 LUTs (and no
/// block RAM or DSP) where the design needs about 900.
fn spec(device: &str, rows: &str) -> String {
    format!(
        "base = \"{}\"\nmodels = [\"dense-10-1\"]\npareto = [\"tops_at_fmax\", \"luts\"]\nstage = \"synth\"\n\n[grid]\nrows = {rows}\ncols = [2]\nclock_mhz = [50, 100]\n\n[synth]\ntarget = \"ice40\"\ndevice = \"{device}\"\n",
        s(&support::root().join("designs/fpga-2x2.toml"))
    )
}

fn scratch(name: &str, spec_text: &str) -> PathBuf {
    let dir = support::scratch("sweep_synth", name);
    std::fs::write(dir.join("s.toml"), spec_text).unwrap();
    dir
}

fn sweep(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["sweep", "s.toml", "--out", "r.csv"];
    args.extend(extra);
    let o = run_in(dir, &args, &[]);
    succeeded(&o, &format!("{args:?}"));
    support::stderr(&o)
}

/// The rows of a synth-stage results CSV.
fn rows(path: &Path) -> Vec<dse::SynthRow> {
    dse::read_rows(&text(path), s(path)).unwrap()
}

#[test]
fn rows_carry_what_systolic_synth_reports_and_shards_merge_and_runs_resume() {
    let dir = scratch("ice40", &spec("up5k", "[1, 2]"));
    let log = sweep(&dir, &[]);
    assert!(log.contains("4 points x 1 model = 4 rows"), "{log}");
    let csv = text(&dir.join("r.csv"));
    assert_eq!(
        csv.lines().next().unwrap(),
        dse::SYNTH_ROW_COLUMNS.join(","),
        "the header: the inference columns, then the synthesis columns"
    );
    let got = rows(&dir.join("r.csv"));
    assert_eq!(got.len(), 4);
    // Points 0 and 1 differ only in their clock: one RTL, one synthesis.
    let synth_dirs = std::fs::read_dir(dir.join("r.synth")).unwrap().count();
    assert_eq!(synth_dirs, 2, "one work folder per distinct RTL");

    // Each row's figures are those `systolic synth` reports for its design.
    for (i, rows) in [(0usize, 1u32), (2, 2)] {
        let design = text(&support::root().join("designs/fpga-2x2.toml"))
            .replace("rows = 2", &format!("rows = {rows}"));
        std::fs::write(dir.join(format!("d{rows}.toml")), design).unwrap();
        let o = run_in(
            &dir,
            &[
                "synth",
                "--design",
                &format!("d{rows}.toml"),
                "--target",
                "ice40",
                "--device",
                "up5k",
                "--out",
                &format!("synth-{rows}"),
            ],
            &[],
        );
        succeeded(&o, "systolic synth");
        let report: serde_json::Value =
            serde_json::from_str(&text(&dir.join(format!("synth-{rows}/ice40.json")))).unwrap();
        let (row, sim) = (&got[i].synth, &got[i].sim);
        let n = |field: &str| report[field].as_u64();
        assert_eq!(row.luts, n("luts"), "{rows}x2 LUTs");
        assert_eq!(Some(row.flip_flops), n("flip_flops"), "{rows}x2 FFs");
        assert_eq!(row.dsps, n("dsps"), "{rows}x2 DSPs");
        assert_eq!(row.block_rams, n("block_rams"), "{rows}x2 block RAMs");
        assert_eq!(Some(row.cells), n("cells"), "{rows}x2 cells");
        let fmax = row.fmax_mhz.unwrap();
        assert_eq!(fmax, report["fmax_mhz"].as_f64().unwrap(), "{rows}x2 Fmax");
        assert!(row.fits && row.no_room.is_empty());
        // Figures at Fmax: the row's cycles at Fmax.
        let at = row.latency_at_fmax_ms.unwrap();
        assert!(
            (at - sim.cycles as f64 / fmax / 1e3).abs() <= 1e-12 * at,
            "{row:?}"
        );
        let per = row.luts_per_tops.unwrap();
        let want = row.luts.unwrap() as f64 / row.tops_at_fmax.unwrap();
        assert!((per - want).abs() <= 1e-9 * per, "{row:?}");
        assert_eq!(row.verified, None, "no verify_gemm: no co-simulation");
        println!(
            "{rows}x2 on the up5k: {:?} LUTs, {} FFs, {:?} DSPs, {:?} BRAMs, Fmax {fmax} MHz",
            row.luts, row.flip_flops, row.dsps, row.block_rams
        );
    }
    assert_eq!(got[0].synth, got[1].synth, "same RTL, same synthesis");
    assert_ne!(got[0].synth.luts, got[2].synth.luts);

    // Two shards merge into the unsharded files, byte for byte.
    for i in 0..2 {
        let o = run_in(
            &dir,
            &[
                "sweep",
                "s.toml",
                "--out",
                &format!("shard-{i}.csv"),
                "--shard",
                &format!("{i}/2"),
            ],
            &[],
        );
        succeeded(&o, "a shard");
    }
    let o = run_in(
        &dir,
        &["merge", "shard-0.csv", "shard-1.csv", "--out", "merged.csv"],
        &[],
    );
    let printed = succeeded(&o, "merge");
    assert!(
        printed.contains("(synthesized for ice40 up5k)"),
        "{printed}"
    );
    for ext in ["csv", "jsonl", "pareto.csv"] {
        assert_eq!(
            text(&dir.join(format!("merged.{ext}"))),
            text(&dir.join(format!("r.{ext}"))),
            "merged.{ext}"
        );
    }

    // Stopped after one point, the same command resumes to the same bytes,
    // its designs' reports reused.
    let log = sweep(&dir, &[]);
    assert!(log.contains("4 already done, 0 evaluated"), "{log}");
    let fresh = scratch("resumed", &spec("up5k", "[1, 2]"));
    sweep(&fresh, &["--stop-after", "1"]);
    let log = sweep(&fresh, &[]);
    assert!(log.contains("1 already done, 3 evaluated"), "{log}");
    assert_eq!(text(&fresh.join("r.csv")), csv);
}

#[test]
fn a_design_the_device_has_no_room_for_is_an_infeasible_row() {
    let dir = scratch("no-room", &spec("lp384", "[1]"));
    sweep(&dir, &[]);
    let got = rows(&dir.join("r.csv"));
    assert_eq!(got.len(), 2);
    for row in &got {
        let r = &row.synth;
        assert!(!r.fits, "{row:?}");
        assert!(
            r.no_room.contains("LUTs") && r.no_room.contains("lp384"),
            "{row:?}"
        );
        assert!(!row.sim.feasible);
        assert_eq!(r.fmax_mhz, None, "not placed: no Fmax");
        assert!(r.luts.unwrap() > 0, "Yosys's counts kept");
        println!("1x2 on the lp384: {}", r.no_room);
    }
    // No feasible row: an empty front.
    let front = text(&dir.join("r.pareto.csv"));
    assert_eq!(front.lines().count(), 1, "{front}");
}

#[test]
fn synth_stage_mistakes_are_refused_naming_the_field_before_anything_runs() {
    let cases = [
        (
            spec("up5k", "[1]").replace("target = \"ice40\"", "target = \"ice41\""),
            "synth.target",
            "unknown synthesis target `ice41`",
        ),
        (
            spec("up9k", "[1]"),
            "synth.device",
            "unknown ice40 device `up9k`",
        ),
        (
            spec("up5k", "[1]").replace(
                "target = \"ice40\"\ndevice = \"up5k\"",
                "target = \"generic\"",
            ),
            "pareto[0]",
            "needs Fmax",
        ),
        (
            spec("up5k", "[1]").replace("stage = \"synth\"\n", ""),
            "synth",
            "applies to sweeps with stage = \"synth\"",
        ),
        (
            spec("up5k", "[1]")
                .replace("pareto = [\"tops_at_fmax\", \"luts\"]\n", "")
                .replace("[synth]", "[constraints]\nmin_fmax_mhz = 40\n\n[synth]")
                + "place_and_route = false\n",
            "constraints.min_fmax_mhz",
            "needs Fmax",
        ),
        (
            spec("up5k", "[1]") + "place_and_route = false\nfreq_mhz = 40\n",
            "synth.freq_mhz",
            "applies to placed designs",
        ),
        (
            spec("up5k", "[2]").replace(
                "cols = [2]\n",
                "cols = [2]\nsparsity = [\"dense\", \"2:4\"]\n",
            ) + "verify_gemm = [4, 8, 4]\n",
            "synth.verify_gemm",
            "2:4",
        ),
    ];
    for (i, (text_of_spec, field, says)) in cases.iter().enumerate() {
        let dir = scratch(&format!("bad-{i}"), text_of_spec);
        let e = support::fails_in(&dir, &["sweep", "s.toml", "--out", "r.csv"], &[]);
        assert!(e.contains(field) && e.contains(says), "case {i}: {e}");
        assert!(
            !dir.join("r.csv").exists() && !dir.join("r.synth").exists(),
            "case {i}: a refused sweep writes nothing"
        );
    }
}
