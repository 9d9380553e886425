//! `systolic sweep` and `systolic merge` as a user runs them: results and the
//! printed front, `kill -9` mid-run then the same command resumes to the
//! bytes of an uninterrupted run, CLI shards merge into the unsharded run,
//! and bad input is a one-line error with exit code 1.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use support::{command as systolic, fails, run, s, text};

fn scratch(name: &str) -> PathBuf {
    support::scratch("cli-sweep", name)
}

/// 2 x 3 x 3 x 2 x 5 = 180 points of resnet18 on small arrays: about a
/// second on one thread, long enough to be killed part way.
/// 5,400 points of resnet50: about 0.7 s on one thread here, long enough
/// that a kill lands part way.
const LONG: &str = r#"
base = "edge-8x8"
models = ["resnet50"]
pareto = ["latency", "energy"]
[grid]
rows = [8, 16]
cols = [8, 16, 32]
dataflow = ["ws", "os", "is"]
ifmap_sram_kib = [32, 64]
filter_sram_kib = [16, 32, 64]
clock_mhz = [200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100]
dram_bandwidth_bytes_per_cycle = [4, 8, 16, 32, 64]
"#;

/// 153,600 points of resnet50: about 19 s on one thread here, so a second
/// command is sure to find the first still running (it is killed once the
/// refusals are seen).
const LOCKED: &str = r#"
base = "edge-8x8"
models = ["resnet50"]
pareto = ["latency", "energy"]
[grid]
rows = [8, 12, 16, 20, 24, 28, 32, 40]
cols = [8, 12, 16, 20, 24, 28, 32, 40]
dataflow = ["ws", "os", "is"]
ifmap_sram_kib = [32, 64, 128, 256]
filter_sram_kib = [16, 32, 64, 128]
clock_mhz = [200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100]
dram_bandwidth_bytes_per_cycle = [4, 8, 16, 32, 64]
"#;

const SMALL: &str = r#"
base = "mobile-32x32"
models = ["mobilenet_v2", "dense-10-1"]
pareto = ["latency", "tops_per_w"]
[grid]
rows = [16, 32]
cols = [16, 64]
dataflow = ["ws", "os", "is"]
[constraints]
max_power_w = 5
"#;

fn ok(o: &Output) -> String {
    support::succeeded(o, "systolic")
}

#[test]
fn sweep_writes_rows_in_point_order_and_prints_the_front() {
    let dir = scratch("basic");
    let spec = dir.join("small.toml");
    std::fs::write(&spec, SMALL).unwrap();
    let out = dir.join("r.csv");
    let stdout = ok(&run(&[
        "sweep",
        s(&spec),
        "--out",
        s(&out),
        "--threads",
        "2",
    ]));
    assert!(
        stdout.contains("Pareto front of mobilenet_v2 over latency_ms (min), tops_per_w (max)"),
        "{stdout}"
    );
    let csv = text(&out);
    assert_eq!(csv.lines().count(), 1 + 12 * 2);
    assert!(csv.starts_with("point,model,base,rows,cols,dataflow,operand,"));
    assert_eq!(text(&dir.join("r.jsonl")).lines().count(), 12 * 2);
    let pareto = text(&dir.join("r.pareto.csv"));
    assert!(pareto.lines().count() > 2);
    assert!(text(&dir.join("r.sweep.json")).contains("\"complete\": true"));
    // Overriding the objectives changes only the Pareto file.
    ok(&run(&[
        "sweep",
        s(&spec),
        "--out",
        s(&out),
        "--pareto",
        "area,latency,energy",
    ]));
    assert_eq!(text(&out), csv);
    assert_ne!(text(&dir.join("r.pareto.csv")), pareto);
}

/// Starts the long sweep, waits until at least `rows` rows are on disk, and
/// kills the process with SIGKILL (`kill -9`).
fn kill_after(spec: &Path, out: &Path, rows: usize) {
    let mut child = systolic()
        .args(["sweep", s(spec), "--out", s(out), "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let lines = std::fs::read_to_string(out).map_or(0, |t| t.lines().count());
        if lines > rows {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep finished before it could be killed"
        );
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished before the kill"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn kill_nine_then_the_same_command_resumes_to_the_uninterrupted_bytes() {
    let dir = scratch("kill");
    let spec = dir.join("long.toml");
    std::fs::write(&spec, LONG).unwrap();
    let whole = dir.join("whole.csv");
    ok(&run(&[
        "sweep",
        s(&spec),
        "--out",
        s(&whole),
        "--threads",
        "2",
    ]));
    let out = dir.join("killed.csv");
    kill_after(&spec, &out, 4);
    let first = text(&out).lines().count();
    assert!(first < 5401, "killed part way: {first} lines");
    kill_after(&spec, &out, first + 8);
    let stderr = run(&["sweep", s(&spec), "--out", s(&out), "--threads", "2"]);
    ok(&stderr);
    assert!(String::from_utf8_lossy(&stderr.stderr).contains("already done"));
    assert_eq!(text(&out), text(&whole));
    assert_eq!(
        text(&dir.join("killed.jsonl")),
        text(&dir.join("whole.jsonl"))
    );
    assert_eq!(
        text(&dir.join("killed.pareto.csv")),
        text(&dir.join("whole.pareto.csv"))
    );
}

#[test]
fn shards_run_separately_merge_into_the_unsharded_file() {
    let dir = scratch("shards");
    let spec = dir.join("small.toml");
    std::fs::write(&spec, SMALL).unwrap();
    let whole = dir.join("whole.csv");
    ok(&run(&["sweep", s(&spec), "--out", s(&whole)]));
    let mut shards = Vec::new();
    for i in 0..3 {
        let p = dir.join(format!("part{i}.csv"));
        let shard = format!("{i}/3");
        if i == 1 {
            ok(&run(&[
                "sweep",
                s(&spec),
                "--out",
                s(&p),
                "--shard",
                &shard,
                "--stop-after",
                "1",
            ]));
        }
        ok(&run(&[
            "sweep",
            s(&spec),
            "--out",
            s(&p),
            "--shard",
            &shard,
            "--threads",
            "1",
        ]));
        shards.push(p);
    }
    let merged = dir.join("merged.csv");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(&merged)]);
    let stdout = ok(&run(&args));
    assert!(stdout.contains("Pareto front of dense-10-1"));
    assert_eq!(text(&merged), text(&whole));
    assert_eq!(
        text(&dir.join("merged.jsonl")),
        text(&dir.join("whole.jsonl"))
    );
    assert_eq!(
        text(&dir.join("merged.pareto.csv")),
        text(&dir.join("whole.pareto.csv"))
    );
    let err = fails(&[
        "merge",
        s(&shards[0]),
        s(&shards[2]),
        "--out",
        s(&dir.join("m2.csv")),
    ]);
    assert!(err.contains("shard 1/3 is missing"), "{err}");
}

#[test]
fn bad_input_is_a_one_line_error_with_exit_code_1() {
    let dir = scratch("errors");
    let spec = dir.join("small.toml");
    std::fs::write(&spec, SMALL).unwrap();
    let out = dir.join("r.csv");
    let e = fails(&["sweep", s(&spec), "--out", s(&out), "--shard", "3/3"]);
    assert!(
        e.contains("--shard") && e.contains("expected I/N with 0 <= I < N"),
        "{e}"
    );
    let e = fails(&["sweep", s(&spec), "--out", s(&out), "--pareto", "latency"]);
    assert!(
        e.contains("--pareto") && e.contains("2 or 3 objectives"),
        "{e}"
    );
    let e = fails(&["sweep", s(&spec), "--out", s(&out), "--threads", "0"]);
    assert!(e.contains("--threads"), "{e}");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, SMALL.replace("\"os\"", "\"xs\"")).unwrap();
    let e = fails(&["sweep", s(&bad), "--out", s(&out)]);
    assert!(
        e.contains("bad.toml:8: field `grid.dataflow[1]`: unknown dataflow `xs`"),
        "{e}"
    );
    let foreign = dir.join("mine.csv");
    std::fs::write(&foreign, "a,b\n").unwrap();
    let e = fails(&["sweep", s(&spec), "--out", s(&foreign)]);
    assert!(e.contains("not written by `systolic sweep`"), "{e}");
    assert_eq!(text(&foreign), "a,b\n");
    let e = fails(&["sweep", s(&dir.join("missing.toml")), "--out", s(&out)]);
    assert!(e.contains("missing.toml"), "{e}");
    let e = fails(&["merge", s(&foreign), "--out", s(&dir.join("m.csv"))]);
    assert!(e.contains("is not a sweep shard"), "{e}");
}

#[test]
fn output_files_that_collide_are_refused_before_anything_is_written() {
    let dir = scratch("collide");
    let spec = dir.join("small.toml");
    std::fs::write(&spec, SMALL).unwrap();
    let out = dir.join("r.csv");
    for (jsonl, which) in [
        (out.clone(), "--out"),
        (dir.join("r.sweep.json"), "sidecar"),
        (dir.join("r.pareto.csv"), "Pareto"),
        (dir.join("sub/../r.csv"), "--out"),
    ] {
        let e = fails(&["sweep", s(&spec), "--out", s(&out), "--jsonl", s(&jsonl)]);
        assert!(e.contains("would be both") && e.contains(which), "{e}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "nothing written: {left:?}");
    }
    // --jsonl inside a path that cannot be a folder (a file is in the way):
    // refused before the CSV or the sidecar is bound to it; the same command
    // with a good --jsonl then runs.
    std::fs::write(dir.join("plain.txt"), "mine").unwrap();
    let bad = dir.join("plain.txt/r.jsonl");
    let e = fails(&["sweep", s(&spec), "--out", s(&out), "--jsonl", s(&bad)]);
    assert!(e.contains("plain.txt"), "{e}");
    assert!(!out.exists() && !dir.join("r.sweep.json").exists(), "{e}");
    ok(&run(&["sweep", s(&spec), "--out", s(&out)]));
    assert_eq!(text(&dir.join("plain.txt")), "mine");
}

#[test]
fn a_second_sweep_on_the_same_results_is_refused_while_the_first_runs() {
    let dir = scratch("lock");
    let spec = dir.join("locked.toml");
    std::fs::write(&spec, LOCKED).unwrap();
    let out = dir.join("r.csv");
    let mut first = systolic()
        .args(["sweep", s(&spec), "--out", s(&out), "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) < 2 {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
    }
    let e = fails(&["sweep", s(&spec), "--out", s(&out), "--threads", "1"]);
    assert!(e.contains("being written by another"), "{e}");
    let e = fails(&["merge", s(&out), "--out", s(&out)]);
    assert!(e.contains("being written by another"), "{e}");
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first sweep ended before both refusals were seen"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    // Its end (even by a kill) frees the results: the same command resumes.
    // (kill_nine_then_the_same_command_resumes_to_the_uninterrupted_bytes
    // runs such a resume to the end.)
}

/// 3 x 3 x 3 x 2 x 2 x 2 x 2 = 432 points of resnet18 on small arrays, with
/// DRAM bandwidths that are not powers of two: a few seconds on one thread.
const STRESS: &str = r#"
base = "edge-8x8"
models = ["resnet18"]
pareto = ["latency", "energy"]
[grid]
rows = [8, 12, 16]
cols = [8, 12, 16]
dataflow = ["ws", "os", "is"]
ifmap_sram_kib = [32, 64]
filter_sram_kib = [16, 32]
dram_bandwidth_bytes_per_cycle = [3, 5]
clock_mhz = [200, 300]
"#;

#[test]
fn five_trials_of_up_to_25_kills_each_resume_to_the_uninterrupted_bytes() {
    let dir = scratch("stress");
    let spec = dir.join("stress.toml");
    std::fs::write(&spec, STRESS).unwrap();
    let whole = dir.join("whole.csv");
    ok(&run(&[
        "sweep",
        s(&spec),
        "--out",
        s(&whole),
        "--threads",
        "2",
    ]));
    let rows = text(&whole).lines().count() - 1;
    assert_eq!(rows, 432);
    let mut seed = 0x5eed_u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut kills = 0;
    let mut mid = 0;
    for trial in 0..5 {
        let out = dir.join(format!("t{trial}.csv"));
        for _ in 0..25 {
            let done = std::fs::read_to_string(&out).map_or(0, |t| t.lines().count());
            // Kill somewhere in the next stretch of rows, if any is left.
            let target = done + 1 + next(rows / 10);
            if target >= rows {
                break;
            }
            let mut child = systolic()
                .args(["sweep", s(&spec), "--out", s(&out), "--threads", "1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let start = Instant::now();
            while std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) <= target {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(60));
                std::thread::sleep(Duration::from_millis(1));
            }
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                kills += 1;
                child.wait().unwrap();
                // A kill that counts lands mid-run: rows are still missing.
                if std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) <= rows {
                    mid += 1;
                }
            }
            child.wait().unwrap();
        }
        ok(&run(&[
            "sweep",
            s(&spec),
            "--out",
            s(&out),
            "--threads",
            "2",
        ]));
        assert_eq!(text(&out), text(&whole), "trial {trial}");
        let stem = format!("t{trial}");
        for ext in ["jsonl", "pareto.csv"] {
            assert_eq!(
                text(&dir.join(format!("{stem}.{ext}"))),
                text(&dir.join(format!("whole.{ext}"))),
                "trial {trial}: {ext}"
            );
        }
    }
    eprintln!("{kills} kills ({mid} mid-run) in 5 trials, each resumed to the uninterrupted bytes");
    assert!(
        mid >= 25,
        "only {mid} of {kills} kills landed mid-run in 5 trials"
    );
}

/// A train-mode sweep as a user runs it: the example spec writes train
/// columns and prints the training front; its shards merge into it; `merge`
/// and `sweep` refuse objectives of the other mode, and `report` refuses
/// train-mode results with a hint.
#[test]
fn a_train_mode_sweep_runs_merges_and_report_says_it_draws_inference_only() {
    let dir = scratch("train");
    let spec = support::root().join("designs/sweeps/train.toml");
    let whole = dir.join("train.csv");
    let stdout = ok(&run(&["sweep", s(&spec), "--out", s(&whole)]));
    assert!(
        stdout.contains("Pareto front of resnet18 (training) over samples_per_s (max)"),
        "{stdout}"
    );
    let header = text(&whole).lines().next().unwrap().to_string();
    assert_eq!(header, dse::TRAIN_COLUMNS.join(","));
    assert_eq!(text(&whole).lines().count(), 1 + 8 * 2 * 4);
    let mut args = vec!["merge"];
    let parts: Vec<PathBuf> = (0..2).map(|i| dir.join(format!("t{i}.csv"))).collect();
    for (i, p) in parts.iter().enumerate() {
        let shard = format!("{i}/2");
        ok(&run(&["sweep", s(&spec), "--out", s(p), "--shard", &shard]));
    }
    args.extend(parts.iter().map(|p| s(p)));
    let merged = dir.join("merged.csv");
    args.extend(["--out", s(&merged)]);
    let out = ok(&run(&args));
    assert!(out.contains("(training)"), "{out}");
    for ext in ["csv", "jsonl", "pareto.csv", "sweep.json"] {
        let (a, b) = (
            text(&dir.join(format!("merged.{ext}"))),
            text(&dir.join(format!("train.{ext}"))),
        );
        assert_eq!(a.replace("merged.jsonl", "train.jsonl"), b, "{ext}");
    }
    let e = fails(&[
        "sweep",
        s(&spec),
        "--out",
        s(&whole),
        "--pareto",
        "latency,energy",
    ]);
    assert!(
        e.contains("objective `latency` belongs to inference-mode sweeps"),
        "{e}"
    );
    let e = fails(&["report", s(&whole), "--out", s(&dir.join("report"))]);
    assert!(
        e.contains("train-mode sweep") && e.contains("draws inference sweeps only"),
        "{e}"
    );
}
