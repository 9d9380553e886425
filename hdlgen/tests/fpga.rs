//! FPGA targets (hdlgen::synth::fpga): the device and power tables, the
//! largest array that fits an iCE40 UP5K found by real synthesis and
//! placement (Yosys and nextpnr-ice40: these tests fail, with the install
//! command, when the tools are missing), its cache, and the power model.

use hdlgen::synth::fpga::{self, Activity, FitOptions, FpgaDevice, FpgaFit, Resources, FIT_SCHEMA};
use hdlgen::synth::{SynthReport, Target, ToolVersions};
use hdlgen::tools::{Tool, ToolPaths};
use hdlgen::Progress;
use sim::Design;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn workdir(test: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fpga")
        .join(test)
}

#[test]
fn every_device_has_its_capacities_and_every_figure_a_source() {
    let all = fpga::devices().unwrap_or_else(|e| panic!("{e}"));
    for name in [
        "ice40up5k",
        "lfe5u-25f",
        "lfe5u-45f",
        "lfe5u-85f",
        "xc7z020",
        "xc7a100t",
        "xczu9eg",
    ] {
        let d = fpga::device(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fpga::device(&name.to_uppercase()).unwrap().name, d.name);
        for (what, value, source) in d.figures() {
            assert!(source.len() > 20, "{name} {what}: source `{source}`");
            if matches!(
                what,
                "luts" | "flip_flops" | "dsps" | "block_rams" | "block_ram_kbits"
            ) {
                assert!(value.is_some_and(|v| v > 0.0), "{name} {what}");
            }
            // A missing figure says why in its source.
            if value.is_none() {
                assert!(
                    source.contains("not ") || source.contains("no "),
                    "{name} {what}: {source}"
                );
            }
        }
    }
    assert_eq!(all.len(), 7);
    let e = fpga::device("xc7z045").unwrap_err().to_string();
    assert!(e.contains("xc7z045"), "{e}");
    // Block RAM bits agree with the block count and the family's block size.
    for d in all {
        let kbit = match d.target {
            Target::Ice40 => 4,
            _ => 18,
        };
        assert_eq!(
            d.block_rams.value.unwrap() * kbit,
            d.block_ram_kbits.value.unwrap(),
            "{}",
            d.name
        );
    }
}

#[test]
fn capacities_match_the_synthesis_flow_s_devices_where_they_overlap() {
    let mut checked = 0;
    for d in fpga::devices().unwrap() {
        let Some(name) = &d.synth else {
            assert_eq!(
                d.name, "xczu9eg",
                "only the reference device is not synthesized"
            );
            continue;
        };
        let dev = d.target.device(Some(name)).unwrap().unwrap();
        if d.target == Target::Xilinx {
            // `xc7` is a family with no capacities in target.rs.
            assert_eq!(dev.logic_cells, 0);
            continue;
        }
        let c = d.capacity();
        assert_eq!(
            (c.luts, c.dsps, c.block_rams),
            (dev.logic_cells, dev.dsps, dev.block_rams),
            "{}",
            d.name
        );
        checked += 1;
    }
    assert_eq!(checked, 4, "the UP5K and three ECP5s");
}

fn report(target: Target, luts: u64, ffs: u64, dsps: u64, brams: u64) -> SynthReport {
    let bram = match target {
        Target::Xilinx => "RAMB18E1",
        Target::Ecp5 => "DP16KD",
        _ => "SB_RAM40_4K",
    };
    SynthReport {
        schema: 1,
        target,
        device: None,
        top: "t".into(),
        design: None,
        design_fingerprint: None,
        luts: Some(luts),
        flip_flops: ffs,
        dsps: Some(dsps),
        block_rams: Some(brams),
        memory_bits: None,
        cells: luts + ffs + dsps + brams,
        cells_by_type: BTreeMap::from([(bram.to_string(), brams)]),
        latches: 0,
        fmax_mhz: None,
        placement: None,
        tools: ToolVersions {
            yosys: "0.23".into(),
            nextpnr: None,
        },
        stages: Vec::new(),
        cache_key: None,
        no_room: None,
    }
}

#[test]
fn power_table_parses_with_a_source_for_every_figure_and_the_default_toggle_rate() {
    let t = fpga::power_table().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.toggle.value, Some(Activity::default().toggle));
    assert!(t.toggle.source.contains("UG440"), "{}", t.toggle.source);
    for f in &t.family {
        for s in [&f.lut_pj, &f.ff_pj, &f.dsp_pj, &f.bram_pj, &f.clock_pj] {
            assert!(s.value.is_some() && s.source.len() > 20, "{:?}", f.target);
        }
    }
    // Only iCE40's logic, DSP and clock figures are measured on their family.
    let ice40 = t.family.iter().find(|f| f.target == Target::Ice40).unwrap();
    assert!(!ice40.lut_pj.unverified && !ice40.dsp_pj.unverified && ice40.bram_pj.unverified);
    let xc7 = t
        .family
        .iter()
        .find(|f| f.target == Target::Xilinx)
        .unwrap();
    assert!(xc7.lut_pj.unverified && xc7.dsp_pj.unverified);
}

#[test]
fn power_grows_with_every_resource_and_the_clock_and_adds_up() {
    for d in fpga::devices().unwrap() {
        let a = Activity::default();
        let base = report(d.target, 1000, 1000, 4, 4);
        let p = fpga::power(d, &base, 50.0, &a);
        assert!(p.dynamic_w > 0.0, "{}", d.name);
        let sum: f64 = p.breakdown.values().sum();
        assert!((sum - p.dynamic_w - p.static_w.unwrap_or(0.0)).abs() < 1e-12);
        assert_eq!(p.total_w.is_some(), p.static_w.is_some(), "{}", d.name);
        if let (Some(t), Some(s)) = (p.total_w, p.static_w) {
            assert!((t - s - p.dynamic_w).abs() < 1e-15);
        } else {
            assert!(
                p.notes.iter().any(|n| n.contains("static power")),
                "{:?}",
                p.notes
            );
        }
        let more = |r: SynthReport, mhz: f64| fpga::power(d, &r, mhz, &a).dynamic_w;
        assert!(more(report(d.target, 2000, 1000, 4, 4), 50.0) > p.dynamic_w);
        assert!(more(report(d.target, 1000, 1000, 8, 4), 50.0) > p.dynamic_w);
        assert!(more(report(d.target, 1000, 1000, 4, 8), 50.0) > p.dynamic_w);
        assert!(more(report(d.target, 1000, 2000, 4, 4), 50.0) >= p.dynamic_w);
        assert!(more(base.clone(), 100.0) > p.dynamic_w);
        // Dynamic power is energy per cycle times the clock: linear in it.
        assert!((more(base.clone(), 100.0) - 2.0 * p.dynamic_w).abs() < 1e-12);
        let busy = Activity { toggle: 0.25, ..a };
        assert!(fpga::power(d, &base, 50.0, &busy).dynamic_w > p.dynamic_w);
    }
    // The UP5K's figures are measured: 1000 LUTs at 12.5% and 50 MHz is
    // 1000 x 0.125 x 0.20 pJ x 50e6 = 1.25 mW.
    let up5k = fpga::device("ice40up5k").unwrap();
    let p = fpga::power(
        up5k,
        &report(Target::Ice40, 1000, 0, 0, 0),
        50.0,
        &Activity::default(),
    );
    assert!(
        (p.breakdown["luts"] - 1.25e-3).abs() < 1e-9,
        "{:?}",
        p.breakdown
    );
    assert!((p.static_w.unwrap() - 104e-6).abs() < 1e-9);
}

#[test]
fn xilinx_block_rams_count_a_ramb36_as_two_halves() {
    let mut r = report(Target::Xilinx, 10, 10, 0, 3);
    r.cells_by_type = BTreeMap::from([("RAMB18E1".into(), 1), ("RAMB36E1".into(), 2)]);
    assert_eq!(Resources::used(&r).block_rams, 5);
    let cap = Resources {
        luts: 10,
        flip_flops: 10,
        dsps: 0,
        block_rams: 4,
    };
    assert_eq!(Resources::used(&r).over(&cap), ["block RAMs 5 > 4"]);
}

#[test]
fn a_reference_device_is_refused() {
    let d = fpga::device("xczu9eg").unwrap();
    let e = fpga::largest_fitting_with(&tiny(), d, &FitOptions::default(), &hdlgen::Silent)
        .unwrap_err()
        .to_string();
    assert!(e.contains("reference"), "{e}");
}

/// A 2x2 int8 ws design with 16-bit accumulators (the search changes its
/// size and buffers).
fn tiny() -> Design {
    Design::parse(
        r#"
name = "fpga-tiny"
description = "int8 ws, 16-bit accumulators: the FPGA fit test's base design"
[array]
rows = 2
cols = 2
dataflow = "ws"
[precision]
operand = "int8"
accumulator_bits = 16
[memory]
ifmap_sram_kib = 1
filter_sram_kib = 1
ofmap_sram_kib = 1
double_buffered = false
dram_bandwidth_bytes_per_cycle = 8
dram_latency_cycles = 50
[clock]
mhz = 40
[technology]
energy_table = "horowitz-45nm"
node_nm = 45
"#,
        "fpga-tiny.toml",
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Steps begun, to tell a search from a reuse.
#[derive(Default)]
struct Steps(Mutex<Vec<String>>);

impl Progress for Steps {
    fn begin(&self, what: &str) {
        self.0.lock().unwrap().push(what.to_string());
    }
}

/// A Yosys that writes each command line it is run with to `log`, then runs
/// the real one (found the usual way: the test fails when it is missing).
fn logging_yosys(dir: &Path, log: &Path) -> PathBuf {
    let real = Tool::Yosys
        .locate(&ToolPaths::default())
        .unwrap_or_else(|e| panic!("{e}\nhelp: {}", Tool::Yosys.install_hint()));
    let script = dir.join("yosys-logged");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn fit_or_panic(r: Result<FpgaFit, fpga::FpgaError>) -> FpgaFit {
    r.unwrap_or_else(|e| {
        let help = miette::Diagnostic::help(&e).map_or(String::new(), |h| h.to_string());
        panic!("{e}\nhelp: {help}")
    })
}

#[test]
fn the_largest_array_on_an_ice40_up5k_fits_and_one_row_more_does_not_and_is_cached() {
    let dir = workdir("up5k");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("yosys-runs.log");
    let opts = FitOptions {
        out: Some(dir.join("out")),
        tools: ToolPaths {
            yosys: Some(logging_yosys(&dir, &log)),
            ..ToolPaths::default()
        },
        max_rows: 8,
        ..FitOptions::default()
    };
    let base = tiny();
    let up5k: &FpgaDevice = fpga::device("ice40up5k").unwrap();
    let cap = up5k.capacity();
    let steps = Steps::default();
    let fit = fit_or_panic(fpga::largest_fitting_with(&base, up5k, &opts, &steps));
    eprintln!("{}", serde_json::to_string_pretty(&fit.probes).unwrap());

    // The winner's synthesized resources fit the device ...
    assert!(fit.rows >= 2, "{:?}", fit.probes);
    assert!(fit.used.over(&cap).is_empty(), "{:?}", fit.used);
    assert_eq!(fit.used, Resources::used(&fit.report));
    assert_eq!(fit.report.target, Target::Ice40);
    // ... and it was placed and routed for Fmax.
    let fmax = fit.fmax_mhz.expect("placed and routed");
    assert!(fmax > 5.0 && fmax < 300.0, "{fmax}");
    assert!(fit.fmax_note.contains("nextpnr-ice40"), "{}", fit.fmax_note);
    // One row (and column) more was synthesized and does not fit (or place).
    let next = fit.next().expect("the next size was tried");
    assert_eq!(next.rows, fit.rows + 1, "{:?}", fit.probes);
    assert!(
        !next.used.over(&cap).is_empty() || next.placed == Some(false),
        "{next:?}"
    );
    // Every probe that fits is within the device, every other is not.
    for p in &fit.probes {
        assert_eq!(
            p.fits,
            p.used.over(&cap).is_empty() && p.placed != Some(false),
            "{p:?}"
        );
    }
    // More PEs than the UP5K's 8 DSPs: the rest multiply in logic.
    let pes = u64::from(fit.rows) * u64::from(fit.rows);
    assert_eq!(fit.dsp_pes, pes.min(8));
    assert!(fit.used.dsps <= 8);
    // The fitted design is the base at that size, its buffers in block RAM.
    let d = fit.design(&base).unwrap();
    assert_eq!(
        (d.rows, d.cols, d.operand),
        (fit.rows, fit.rows, base.operand)
    );
    assert!(fit.used.block_rams > 0);
    let ran = std::fs::read_to_string(&log).unwrap();
    assert!(ran.lines().any(|l| l.contains("synth.ys")), "{ran}");

    // Again: the same result from fit.json, Yosys asked only its version.
    std::fs::write(&log, "").unwrap();
    let steps = Steps::default();
    let t0 = std::time::Instant::now();
    let again = fit_or_panic(fpga::largest_fitting_with(&base, up5k, &opts, &steps));
    assert_eq!(again, fit);
    assert!(t0.elapsed().as_secs_f64() < 5.0, "{:?}", t0.elapsed());
    let ran = std::fs::read_to_string(&log).unwrap();
    assert!(ran.lines().all(|l| l.trim() == "-V"), "Yosys ran: {ran}");
    let begun = steps.0.lock().unwrap().clone();
    assert!(
        begun.iter().all(|s| !s.contains("synthesizing")),
        "{begun:?}"
    );
    assert!(begun.iter().any(|s| s.starts_with("reusing")), "{begun:?}");
    let saved: FpgaFit =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/fit.json")).unwrap()).unwrap();
    assert_eq!((saved.schema, saved.rows), (FIT_SCHEMA, fit.rows));

    // Another option is another key: searched again, each size's synthesis
    // reused from its folder (Yosys asked versions only).
    let no_pnr = FitOptions {
        place_and_route: false,
        ..opts.clone()
    };
    std::fs::write(&log, "").unwrap();
    let other = fit_or_panic(fpga::largest_fitting_with(
        &base,
        up5k,
        &no_pnr,
        &hdlgen::Silent,
    ));
    assert_ne!(other.cache_key, fit.cache_key);
    assert_eq!(other.fmax_mhz, None);
    assert!(other.rows >= fit.rows);
    let ran = std::fs::read_to_string(&log).unwrap();
    assert!(ran.lines().all(|l| l.trim() == "-V"), "Yosys ran: {ran}");
}

/// The measurements of docs/SYNTHESIS.md ("FPGA targets (issue 17)"): the
/// largest array of `hdlgen/tests/fixtures/fpga-4x4.toml` (int8 ws, 32-bit
/// accumulators) on each device named in `FPGA_MEASURE` (comma-separated;
/// default every synthesized device), one table row each. Minutes to hours:
/// `FPGA_MEASURE=lfe5u-85f cargo test --release -p hdlgen --test fpga
/// measure -- --ignored --nocapture`.
#[test]
#[ignore = "long: measures the docs' table"]
fn measure() {
    let base =
        Design::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fpga-4x4.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = match std::env::var("FPGA_MEASURE") {
        Ok(v) => v.split(',').map(|s| s.trim().to_string()).collect(),
        Err(_) => fpga::devices()
            .unwrap()
            .iter()
            .filter(|d| d.synth.is_some())
            .map(|d| d.name.clone())
            .collect(),
    };
    for name in names {
        let d = fpga::device(&name).unwrap_or_else(|e| panic!("{e}"));
        let opts = FitOptions {
            out: Some(workdir("measure").join(&d.name)),
            ..FitOptions::default()
        };
        let fit = fit_or_panic(fpga::largest_fitting_with(&base, d, &opts, &hdlgen::Silent));
        let next = fit.next().map_or("-".into(), |p| {
            format!("{}x{}: {}", p.rows, p.rows, p.over.join(", "))
        });
        let per_mhz = fpga::power(d, &fit.report, 1.0, &Activity::default()).dynamic_w * 1e3;
        let at_fmax = fit.fmax_mhz.map_or("-".into(), |f| {
            let p = fpga::power(d, &fit.report, f, &Activity::default());
            format!(
                "{:.1} mW dynamic{}",
                p.dynamic_w * 1e3,
                p.static_w
                    .map_or(String::new(), |s| format!(" + {:.2} mW static", s * 1e3))
            )
        });
        let tried: Vec<String> = fit
            .probes
            .iter()
            .map(|p| format!("{}{}", p.rows, if p.fits { "+" } else { "-" }))
            .collect();
        println!(
            "| {} | {}x{} ({} in DSPs) | {} | {} | {} | {} | {} | {:.3} mW/MHz; {} | {} | {} | {:.0} s |",
            d.name,
            fit.rows,
            fit.rows,
            fit.dsp_pes,
            fit.used.luts,
            fit.used.flip_flops,
            fit.used.dsps,
            fit.used.block_rams,
            fit.fmax_mhz.map_or("-".into(), |f| format!("{f:.2} MHz")),
            per_mhz,
            at_fmax,
            next,
            tried.join(" "),
            fit.seconds
        );
    }
}
