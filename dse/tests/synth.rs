//! The synth stage through the library, with a synthesizer that runs no
//! tool (its figures a function of the design): rows are the inference rows
//! joined with the synthesizer's figures, each point synthesized once
//! whatever its models, the figures at Fmax follow from the row, limits and
//! fronts use them, shards merge into the unsharded files, and results are
//! never resumed or merged across other tool versions.

mod support;
use support::{files, opts, quiet, TOPOLOGY};

use dse::{
    merge, pareto_rows, read_rows, run, run_with, Objective, Outputs, Point, Shard, Spec, SweepRow,
    SynthColumns, SynthRow, Synthesizer,
};
use sim::Design;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Figures a function of the array, a device of 600 LUTs, and a count of
/// the calls.
struct Fake {
    tools: &'static str,
    calls: AtomicU64,
}

impl Fake {
    fn new(tools: &'static str) -> Fake {
        Fake {
            tools,
            calls: AtomicU64::new(0),
        }
    }
}

impl Synthesizer for Fake {
    fn synthesize(&self, _point: &Point, d: &Design) -> sim::Result<SynthColumns> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let pes = d.pes();
        let luts = 100 + 60 * pes;
        Ok(SynthColumns {
            synth_target: "ice40".into(),
            synth_device: "fake".into(),
            no_room: if luts > 600 {
                format!("needs {luts} LUTs, the fake has 600")
            } else {
                String::new()
            },
            luts: Some(luts),
            flip_flops: 40 * pes,
            dsps: Some(pes.min(8)),
            block_rams: Some(u64::from(d.rows) + 4),
            cells: 3 * luts,
            fmax_mhz: (luts <= 600).then_some(80.0 - 2.0 * pes as f64),
            verified: Some(true),
            rtl_cycles: Some(100 + pes),
            ..SynthColumns::default()
        })
    }

    fn tools(&self) -> String {
        self.tools.to_string()
    }
}

const SPEC: &str = r#"
base = "fpga-2x2"
models = ["dense-10-1", "tiny.csv"]
pareto = ["tops_at_fmax", "luts"]
stage = "synth"

[grid]
rows = [1, 2, 3]
cols = [1, 2, 4]
clock_mhz = [50, 100]

[constraints]
max_luts = 500

[synth]
target = "ice40"
device = "fake"
"#;

fn scratch(name: &str) -> PathBuf {
    support::scratch("synth", name)
}

fn spec(dir: &Path, text: &str) -> Spec {
    std::fs::write(dir.join("tiny.csv"), TOPOLOGY).unwrap();
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    Spec::load(&path).unwrap()
}

fn rows(path: &Path) -> Vec<SynthRow> {
    read_rows(&std::fs::read_to_string(path).unwrap(), "r").unwrap()
}

#[test]
fn rows_join_the_inference_rows_and_the_synthesizers_figures() {
    let dir = scratch("rows");
    let spec = spec(&dir, SPEC);
    let fake = Fake::new("fake 1.0");
    let out = dir.join("r.csv");
    let s = run_with(&spec, &opts(&out), Some(&fake), &quiet).unwrap();
    assert!(s.complete);
    assert_eq!(
        fake.calls.load(Ordering::Relaxed),
        18,
        "once per point, not per row"
    );
    let got = rows(&out);
    assert_eq!(got.len(), 36);
    // The inference columns are those of the same spec without the stage.
    let plain_dir = scratch("rows-plain");
    let plain = self::spec(
        &plain_dir,
        &SPEC
            .replace("stage = \"synth\"\n", "")
            .replace("pareto = [\"tops_at_fmax\", \"luts\"]\n", "")
            .replace("max_luts = 500\n", "")
            .replace("[synth]\ntarget = \"ice40\"\ndevice = \"fake\"\n", ""),
    );
    run(&plain, &opts(&plain_dir.join("r.csv")), &quiet).unwrap();
    let sims: Vec<SweepRow> = read_rows(
        &std::fs::read_to_string(plain_dir.join("r.csv")).unwrap(),
        "p",
    )
    .unwrap();
    for (row, sim) in got.iter().zip(&sims) {
        let luts = 100 + 60 * u64::from(sim.rows * sim.cols);
        let fits = luts <= 600;
        let mut want = sim.clone();
        want.feasible = fits && luts <= 500;
        assert_eq!(row.sim, want);
        let s = &row.synth;
        assert_eq!(
            (s.luts, s.fits, s.synth_device.as_str()),
            (Some(luts), fits, "fake")
        );
        assert_eq!(s.no_room.is_empty(), fits);
        assert_eq!((s.verified, s.rtl_cycles.is_some()), (Some(true), true));
        match s.fmax_mhz {
            Some(f) => {
                let k = f / sim.clock_mhz;
                assert_eq!(s.latency_at_fmax_ms, Some(sim.latency_ms / k));
                assert_eq!(s.tops_at_fmax, Some(sim.achieved_tops * k));
                assert_eq!(s.luts_per_tops, Some(luts as f64 / (sim.achieved_tops * k)));
            }
            None => {
                assert!(!fits);
                assert_eq!((s.latency_at_fmax_ms, s.luts_per_tops), (None, None));
            }
        }
    }
    // The front: the feasible rows no other feasible row of its model beats
    // on both objectives (brute force).
    let objectives = [Objective::TopsAtFmax, Objective::Luts];
    let front = pareto_rows(&got, &objectives);
    let pareto = rows(&dir.join("r.pareto.csv"));
    assert_eq!(
        pareto,
        front.iter().map(|&i| got[i].clone()).collect::<Vec<_>>()
    );
    use dse::Row;
    for (i, r) in got.iter().enumerate() {
        let beaten = got.iter().any(|o| {
            o.feasible()
                && o.sim.model == r.sim.model
                && o.value(objectives[0]) >= r.value(objectives[0])
                && o.value(objectives[1]) <= r.value(objectives[1])
                && (o.value(objectives[0]) > r.value(objectives[0])
                    || o.value(objectives[1]) < r.value(objectives[1]))
        });
        assert_eq!(front.contains(&i), r.feasible() && !beaten, "row {i}");
    }
    assert!(!front.is_empty());
    // Without a synthesizer, a synth-stage spec is refused.
    let e = run(&spec, &opts(&dir.join("none.csv")), &quiet).unwrap_err();
    assert!(e.to_string().contains("no synthesizer"), "{e}");
}

#[test]
fn shards_merge_and_other_tools_are_neither_resumed_nor_merged() {
    let dir = scratch("shards");
    let spec = spec(&dir, SPEC);
    let fake = Fake::new("fake 1.0");
    let whole = dir.join("whole.csv");
    run_with(&spec, &opts(&whole), Some(&fake), &quiet).unwrap();
    let mut shards = Vec::new();
    for i in 0..3 {
        let path = dir.join(format!("s{i}.csv"));
        let mut o = opts(&path);
        o.shard = Shard::parse(&format!("{i}/3"));
        run_with(&spec, &o, Some(&fake), &quiet).unwrap();
        shards.push(path);
    }
    let merged = dir.join("merged.csv");
    let m = merge(&shards, &Outputs::beside(&merged, None), None).unwrap();
    assert_eq!(m.rows, 36);
    assert!(!m.synth_front.is_empty());
    assert_eq!(
        files(&Outputs::beside(&merged, None)),
        files(&Outputs::beside(&whole, None))
    );

    // A shard made by other tools is not merged with them.
    let other = Fake::new("fake 2.0");
    let odd = dir.join("odd.csv");
    let mut o = opts(&odd);
    o.shard = Shard::parse("2/3");
    run_with(&spec, &o, Some(&other), &quiet).unwrap();
    let e = merge(
        &[shards[0].clone(), shards[1].clone(), odd.clone()],
        &Outputs::beside(&dir.join("bad.csv"), None),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("fake 2.0") && e.contains("fake 1.0"), "{e}");

    // Nor is a stopped run continued by other tools; the same tools resume it.
    let part = dir.join("part.csv");
    let mut o = opts(&part);
    o.stop_after = Some(4);
    run_with(&spec, &o, Some(&fake), &quiet).unwrap();
    let e = run_with(&spec, &opts(&part), Some(&other), &quiet)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("synthesized with fake 1.0, and this run has fake 2.0"),
        "{e}"
    );
    let s = run_with(&spec, &opts(&part), Some(&fake), &quiet).unwrap();
    assert_eq!((s.resumed, s.evaluated), (4, 14));
    assert_eq!(
        files(&Outputs::beside(&part, None)),
        files(&Outputs::beside(&whole, None))
    );
}
