//! `systolic synth` as a user runs it: clear errors (exit 1, never a panic)
//! for bad targets, devices and missing tools; a small design synthesized,
//! placed and routed for iCE40; and `systolic sim` showing that area.
//! The end-to-end test needs Yosys and nextpnr-ice40 and fails, with the
//! install command, without them.

mod support;

use std::path::{Path, PathBuf};
use support::{run_in, stderr, stdout};

/// A 2x2 int8 design small enough to synthesize, place and route in seconds.
const TINY: &str = "name = \"tiny-2x2\"\n[array]\nrows = 2\ncols = 2\ndataflow = \"ws\"\n[precision]\noperand = \"int8\"\naccumulator_bits = 24\n[memory]\nifmap_sram_kib = 1\nfilter_sram_kib = 1\nofmap_sram_kib = 1\ndram_bandwidth_bytes_per_cycle = 8\n[clock]\nmhz = 100\n";

/// A fresh directory to run in, holding the tiny design.
fn scratch(name: &str) -> PathBuf {
    let dir = support::scratch("cli_synth", name);
    std::fs::write(dir.join("tiny.toml"), TINY).unwrap();
    dir
}

fn fails(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    support::fails_in(dir, args, env)
}

#[test]
fn bad_targets_and_devices_are_user_errors_listing_what_exists() {
    let dir = scratch("bad");
    let e = fails(
        &dir,
        &["synth", "--design", "tiny.toml", "--target", "ice41"],
        &[],
    );
    assert!(
        e.contains("unknown synthesis target `ice41`")
            && e.contains("generic, ice40, ecp5, xilinx"),
        "{e}"
    );
    let e = fails(
        &dir,
        &[
            "synth",
            "--design",
            "tiny.toml",
            "--target",
            "ice40",
            "--device",
            "up9k",
        ],
        &[],
    );
    assert!(
        e.contains("unknown ice40 device `up9k`")
            && e.contains("hx8k")
            && e.contains("default up5k"),
        "{e}"
    );
    let e = fails(
        &dir,
        &[
            "synth",
            "--design",
            "tiny.toml",
            "--target",
            "ecp5",
            "--device",
            "up5k",
        ],
        &[],
    );
    assert!(
        e.contains("unknown ecp5 device `up5k`") && e.contains("85k"),
        "{e}"
    );
    let e = fails(
        &dir,
        &[
            "synth",
            "--design",
            "tiny.toml",
            "--target",
            "generic",
            "--device",
            "up5k",
        ],
        &[],
    );
    assert!(e.contains("leave out --device"), "{e}");
    let e = fails(
        &dir,
        &["synth", "--design", "nope-9x9", "--target", "generic"],
        &[],
    );
    assert!(e.contains("unknown design `nope-9x9`"), "{e}");
    for f in ["--freq=0", "--freq=-5", "--freq=nan", "--freq=2001"] {
        let e = fails(
            &dir,
            &["synth", "--design", "tiny.toml", "--target", "ice40", f],
            &[],
        );
        assert!(
            e.contains("--freq") && e.contains("at most 2000 MHz"),
            "{f}: {e}"
        );
    }
    assert!(
        !dir.join("synth-out").exists(),
        "nothing is written on a refused command"
    );
}

#[test]
fn a_missing_tool_is_named_with_its_install_command() {
    let dir = scratch("missing");
    let e = fails(
        &dir,
        &["synth", "--design", "tiny.toml", "--target", "generic"],
        &[("SYSTOLIC_YOSYS", "/nonexistent/yosys")],
    );
    assert!(
        e.contains("`/nonexistent/yosys` was not found") && e.contains("apt-get install -y yosys"),
        "{e}"
    );
    let e = fails(
        &dir,
        &["synth", "--design", "tiny.toml", "--target", "ice40"],
        &[("SYSTOLIC_NEXTPNR_ICE40", "/nonexistent/nextpnr-ice40")],
    );
    assert!(
        e.contains("apt-get install -y nextpnr-ice40") && e.contains("--no-pnr"),
        "{e}"
    );
}

#[test]
fn help_lists_every_target_and_device() {
    let o = run_in(&scratch("help"), &["synth", "--help"], &[]);
    assert!(o.status.success());
    let help = stdout(&o);
    assert!(help.contains("Examples:") && help.contains("synth-out/<design>/<target>.json"));
    for t in hdlgen::synth::Target::ALL {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{t} ")))
            .unwrap_or_else(|| panic!("no line for {t} in\n{help}"));
        for d in t.device_names() {
            assert!(
                line.split_whitespace().any(|w| w == d),
                "{t} device {d} missing from: {line}"
            );
        }
    }
}

#[test]
fn synth_for_ice40_then_sim_shows_the_area_and_ignores_stale_reports() {
    let dir = scratch("e2e");
    let o = run_in(
        &dir,
        &["synth", "--design", "tiny.toml", "--target", "ice40"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Each long stage says what it is doing and how long it took.
    let err = stderr(&o);
    for stage in [
        "generating the RTL of tiny-2x2: done in",
        "synthesizing tiny_2x2_top for ice40 up5k with Yosys: done in",
        "synthesizing the place-and-route harness with Yosys: done in",
        "placing and routing for ice40 up5k with nextpnr-ice40: done in",
    ] {
        assert!(err.contains(stage), "{stage}\nnot in:\n{err}");
    }
    // The stages inside each tool run, in order, each with its seconds.
    let nested: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_once(": ").map(|(name, _)| name))
        .collect();
    assert_eq!(
        nested,
        [
            "yosys read",
            "yosys proc",
            "yosys synth",
            "nextpnr load",
            "nextpnr pack",
            "nextpnr place",
            "nextpnr route",
            "nextpnr timing"
        ],
        "{err}"
    );
    let table = stdout(&o);
    assert!(table.contains("DSPs") && table.contains("Fmax"), "{table}");
    let report = dir.join("synth-out/tiny-2x2/ice40.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["target"], "ice40");
    assert_eq!(json["device"], "up5k");
    assert_eq!(json["design"], "tiny-2x2");
    assert_eq!(json["latches"], 0);
    assert_eq!(
        json["dsps"], 4,
        "one SB_MAC16 per PE of the 2x2 array: {json:#}"
    );
    // nextpnr placed it (fpga-2x2 reaches about 38 MHz on the up5k: docs/SYNTHESIS.md).
    assert!(json["fmax_mhz"].as_f64().unwrap() > 1.0, "{json:#}");
    assert!(dir.join("synth-out/tiny-2x2/ice40/synth.log").is_file());
    // The report says where the time went, and the table shows it.
    let stages: Vec<&str> = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages[..3], ["rtl", "tools", "yosys read"], "{json:#}");
    assert_eq!(stages.last(), Some(&"nextpnr timing"));
    assert!(
        table.contains("time: ") && table.contains("nextpnr place"),
        "{table}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("synth-out/tiny-2x2"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let sim = |design: &str, extra: &[&str]| {
        let mut args = vec!["sim", "--design", design, "--model", "linear-10-1"];
        args.extend_from_slice(extra);
        let o = run_in(&dir, &args, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    let (out, _) = sim("tiny.toml", &[]);
    let line = out
        .lines()
        .find(|l| l.starts_with("area (synthesized RTL) ice40 up5k:"))
        .unwrap_or_else(|| panic!("no area line in\n{out}"));
    assert!(line.contains("4 DSPs") && line.contains("Fmax"), "{line}");
    let (out, _) = sim("tiny.toml", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let area = v["area"].as_array().unwrap();
    assert_eq!(area.len(), 1);
    assert_eq!(area[0]["target"], "ice40");
    assert_eq!(area[0]["dsps"], 4);
    assert_eq!(area[0]["luts"], json["luts"]);
    assert_eq!(area[0]["fmax_mhz"], json["fmax_mhz"]);
    let (csv, _) = sim("tiny.toml", &["--format", "csv"]);
    assert!(!csv.contains("ice40"), "CSV columns are unchanged");

    // The same design name with another clock: the report is stale.
    std::fs::write(
        dir.join("faster.toml"),
        TINY.replace("mhz = 100", "mhz = 150"),
    )
    .unwrap();
    let (out, err) = sim("faster.toml", &[]);
    assert!(!out.contains("area (synthesized RTL)"), "{out}");
    assert!(err.contains("changed since it was synthesized"), "{err}");
    // Named explicitly, it is shown, with a note.
    let (out, err) = sim("faster.toml", &["--synth", "synth-out/tiny-2x2/ice40.json"]);
    assert!(out.contains("area (synthesized RTL) ice40 up5k:"), "{out}");
    assert!(
        err.contains("not from this version of design `tiny-2x2`"),
        "{err}"
    );
    // A file that is not a report is an error when named.
    let e = fails(
        &dir,
        &[
            "sim",
            "--design",
            "tiny.toml",
            "--model",
            "linear-10-1",
            "--synth",
            "tiny.toml",
        ],
        &[],
    );
    assert!(e.contains("tiny.toml is not a synthesis report"), "{e}");
}

#[test]
fn synth_works_in_an_out_folder_whose_path_has_spaces_quotes_and_semicolons() {
    // The Yosys script names the RTL relative to the folder Yosys runs in,
    // so no path the user chose is parsed as script text.
    let dir = scratch("weird-out");
    let out = dir.join("out dir").join("a\" b; #c");
    let o = run_in(
        &dir,
        &[
            "synth",
            "--design",
            "tiny.toml",
            "--target",
            "generic",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("generic.json").is_file());
    let script = std::fs::read_to_string(out.join("generic/synth.ys")).unwrap();
    assert!(
        !script.contains("out dir") && script.contains("\"rtl/tiny_2x2_top.v\""),
        "{script}"
    );
}

/// A Yosys that writes down how it was called, then runs the real one.
fn logging_yosys(dir: &Path) -> (PathBuf, PathBuf) {
    let real = hdlgen::tools::Tool::Yosys
        .locate(&hdlgen::tools::ToolPaths::default())
        .unwrap_or_else(|e| {
            panic!(
                "{e}: {:?}",
                miette::Diagnostic::help(&e).map(|h| h.to_string())
            )
        });
    let calls = dir.join("yosys-calls.txt");
    let wrapper = dir.join("yosys-logged");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            calls.display(),
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    (wrapper, calls)
}

#[test]
fn a_rerun_with_the_same_rtl_reuses_the_report_without_running_yosys() {
    let dir = scratch("cached");
    let (yosys, calls) = logging_yosys(&dir);
    let env = [("SYSTOLIC_YOSYS", yosys.to_str().unwrap())];
    let synth = |design: &str, extra: &[&str]| {
        let _ = std::fs::remove_file(&calls);
        let mut args = vec!["synth", "--design", design, "--target", "generic"];
        args.extend_from_slice(extra);
        let o = run_in(&dir, &args, &env);
        assert!(o.status.success(), "{}", stderr(&o));
        let calls = std::fs::read_to_string(&calls).unwrap_or_default();
        let synthesized = calls.lines().any(|l| l.contains("synth.ys"));
        (stderr(&o), stdout(&o), synthesized)
    };
    let report = dir.join("synth-out/tiny-2x2/generic.json");
    let (err, table, ran) = synth("tiny.toml", &[]);
    assert!(ran && !err.contains("cached"), "{err}");
    let first = std::fs::read_to_string(&report).unwrap();

    // Unchanged: the report is reused at once, Yosys is only asked its version.
    let (err, again, ran) = synth("tiny.toml", &[]);
    assert!(!ran, "Yosys synthesized again:\n{err}");
    assert!(err.contains("cached: ") && err.contains("--force"), "{err}");
    assert_eq!(again, table, "the same table");
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        first,
        "untouched"
    );

    // --force (or --no-cache) synthesizes anyway.
    let (err, _, ran) = synth("tiny.toml", &["--no-cache"]);
    assert!(ran && !err.contains("cached"), "{err}");

    // Another clock makes no other RTL: reused, but the report now names
    // this version of the design, so `sim` shows it.
    std::fs::write(
        dir.join("tiny.toml"),
        TINY.replace("mhz = 100", "mhz = 150"),
    )
    .unwrap();
    let (err, _, ran) = synth("tiny.toml", &[]);
    assert!(!ran && err.contains("cached: "), "{err}");
    let o = run_in(
        &dir,
        &["sim", "--design", "tiny.toml", "--model", "linear-10-1"],
        &[],
    );
    assert!(
        stdout(&o).contains("area (synthesized RTL) generic"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );

    // Narrower accumulators are other RTL: synthesized again.
    std::fs::write(
        dir.join("tiny.toml"),
        TINY.replace("accumulator_bits = 24", "accumulator_bits = 20"),
    )
    .unwrap();
    let (err, _, ran) = synth("tiny.toml", &[]);
    assert!(ran && !err.contains("cached"), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_ne!(json["cache_key"], first["cache_key"]);
    assert_eq!(json["cache_key"].as_str().map(str::len), Some(64));
}

#[test]
fn pes_beyond_the_devices_dsps_multiply_in_logic_so_a_4x4_fits_the_up5k() {
    // 16 int8 multipliers on an iCE40 UP5K (8 SB_MAC16): Yosys maps every
    // product to a DSP, so the design fitted only with 8 of them in logic.
    let dir = scratch("dsps");
    let fixture = support::root().join("hdlgen/tests/fixtures/fpga-4x4.toml");
    let o = run_in(
        &dir,
        &[
            "synth",
            "--design",
            support::s(&fixture),
            "--target",
            "ice40",
            "--no-pnr",
        ],
        &[],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("8 of the 16 PEs multiply in DSPs, the others in logic (DSPS = 8)"),
        "{err}"
    );
    let report = dir.join("synth-out/fpga-4x4/ice40.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["dsps"], 8, "{json:#}");
    assert!(json["luts"].as_u64().unwrap() <= 5280, "{json:#}");
}

/// A sparse design's synthesis shows its area beside the same design
/// dense, synthesized too (its report under `dense/`): the 2:4 array holds
/// four-word activation registers, indices and multiplexers, so it has
/// more flip-flops and cells, and as many DSP blocks (one per PE).
#[test]
fn a_sparse_design_s_area_is_shown_beside_the_dense_design_s() {
    let dir = scratch("sparse");
    std::fs::write(
        dir.join("sparse.toml"),
        TINY.replace("tiny-2x2", "tiny-2x2-2of4") + "[sparsity]\nweights = \"2:4\"\n",
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[
            "synth",
            "--design",
            "sparse.toml",
            "--target",
            "ice40",
            "--no-pnr",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let at = out
        .find("sparsity 2:4: area against the same design dense")
        .unwrap_or_else(|| panic!("{out}"));
    let rows: Vec<(String, u64, u64)> = out[at..]
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.trim().split_once("  ")?;
            let v: Vec<&str> = rest.split_whitespace().collect();
            match v[..] {
                [x, "dense", y, _] => Some((name.to_string(), x.parse().ok()?, y.parse().ok()?)),
                _ => None,
            }
        })
        .collect();
    let get = |n: &str| {
        rows.iter()
            .find(|r| r.0 == n)
            .unwrap_or_else(|| panic!("{n}: {out}"))
    };
    let json = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(p)).unwrap()).unwrap()
    };
    let (s, d) = (
        json("synth-out/tiny-2x2-2of4/ice40.json"),
        json("synth-out/tiny-2x2-2of4/dense/ice40.json"),
    );
    assert_eq!(d["design"], "tiny-2x2-2of4-dense");
    for (row, key) in [
        ("flip-flops", "flip_flops"),
        ("LUTs", "luts"),
        ("DSPs", "dsps"),
    ] {
        let (_, x, y) = get(row);
        assert_eq!(
            (s[key].as_u64(), d[key].as_u64()),
            (Some(*x), Some(*y)),
            "{row}"
        );
    }
    let (ff, luts, dsps) = (get("flip-flops"), get("LUTs"), get("DSPs"));
    assert!(ff.1 > ff.2 && luts.1 > luts.2, "{out}");
    assert_eq!((dsps.1, dsps.2), (4, 4), "{out}");
}
