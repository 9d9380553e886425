//! The FPGA-vs-ASIC gap on our own RTL (issue 17, docs/SYNTHESIS.md "FPGA vs
//! ASIC gap"): the generated systolic array synthesized to the NanGate 45 nm
//! cells with Yosys and ABC (`hdlgen::synth::asic`), checked against facts a
//! person can check by hand, and beside the same RTL on an iCE40 UP5K; the
//! FPGA's area from the cited VTR 40 nm tile areas (`hdlgen::synth::
//! area_model`), its arithmetic checked by hand. The ignored `table` test
//! prints the whole table (bench/fpga-asic-gap/run.sh).
//! These tests need Yosys (and nextpnr-ice40 for the gap) and fail, with
//! the install command, without them.

use hdlgen::synth::area_model::{self, AreaModelError, FpgaArea, FpgaUse};
use hdlgen::synth::asic::{asic_synth, cell_areas, AsicError, AsicOptions, AsicReport, NANGATE45};
use hdlgen::synth::fpga::{self, Activity};
use hdlgen::synth::{synthesize, SynthOptions, SynthReport};
use hdlgen::tools::ToolPaths;
use hdlgen::Silent;
use sim::energy::EnergyTable;
use sim::{Design, Precision};
use std::path::{Path, PathBuf};

fn workdir(test: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gap")
        .join(test)
}

/// `designs/fpga-2x2.toml` (int8 ws, 32-bit accumulators) at `rows` x `rows`.
fn design(rows: u32) -> Design {
    let base =
        Design::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../designs/fpga-2x2.toml"))
            .expect("designs/fpga-2x2.toml loads");
    base.variant(|p| {
        p.rows = rows;
        p.cols = rows;
        p.name = format!("gap-{rows}x{rows}");
    })
    .expect("a valid variant")
}

/// The array's RTL (every generated file; Yosys keeps the array's
/// hierarchy) and its module name: the PEs, skew and deskew, without the
/// buffers, whose SRAMs an ASIC would build from memory macros, not cells.
fn array_rtl(rows: u32, test: &str) -> (Vec<PathBuf>, String) {
    let ip = hdlgen::generate(&design(rows)).expect("generates");
    let files = ip.write_rtl(&workdir(test).join("rtl")).expect("writes");
    let prefix = ip.top.strip_suffix("_top").expect("core top").to_string();
    (files, format!("{prefix}_array_ws"))
}

fn size_params(rows: u32) -> Vec<(String, i64)> {
    vec![("ROWS".into(), rows.into()), ("COLS".into(), rows.into())]
}

/// The ASIC report of the `rows` x `rows` array, every multiplier `*`.
fn asic(rows: u32, test: &str) -> AsicReport {
    let (files, top) = array_rtl(rows, test);
    let mut params = size_params(rows);
    params.push(("DSPS".into(), (rows * rows).into()));
    let opts = AsicOptions {
        params,
        ..AsicOptions::default()
    };
    asic_synth(
        &files,
        &top,
        Path::new(NANGATE45),
        &opts,
        &workdir(test).join("asic"),
    )
    .unwrap_or_else(|e| panic!("{e}\nhelp: {}", help(&e)))
}

fn help(e: &dyn miette::Diagnostic) -> String {
    e.help().map_or(String::new(), |h| h.to_string())
}

/// The FPGA report of the same array on `device` (placed: Fmax), with
/// `systolic synth`'s parameters for the device's DSP count.
fn fpga_report(rows: u32, device: &fpga::FpgaDevice, test: &str) -> SynthReport {
    let (files, top) = array_rtl(rows, test);
    let mut params = size_params(rows);
    let d = design(rows);
    params.extend(
        fpga::synth_params(&d, device.target, device.dsps.value.filter(|&n| n > 0))
            .expect("params"),
    );
    if !params.iter().any(|(k, _)| k == "DSPS") {
        params.push(("DSPS".into(), (rows * rows).into()));
    }
    let opts = SynthOptions {
        device: device.synth.clone(),
        params,
        ..SynthOptions::default()
    };
    synthesize(
        &files,
        &top,
        device.target,
        &opts,
        &workdir(test).join("fpga"),
        &Silent,
    )
    .unwrap_or_else(|e| panic!("{e}\nhelp: {}", help(&e)))
}

#[test]
fn asic_area_is_the_sum_of_liberty_cell_areas_and_grows_with_the_array() {
    let areas = cell_areas(&std::fs::read_to_string(NANGATE45).expect("liberty"));
    assert_eq!(areas["DFF_X1"], 4.522, "the liberty's own DFF_X1 area");
    let small = asic(2, "asic_2x2");
    let large = asic(3, "asic_3x3");
    for r in [&small, &large] {
        let sum: f64 = r
            .cells_by_type
            .iter()
            .map(|(c, n)| areas[c] * *n as f64)
            .sum();
        assert!(
            (r.area_um2 - sum).abs() < 1e-3,
            "{} vs {sum}: {r:#?}",
            r.area_um2
        );
        assert_eq!(r.cells, r.cells_by_type.values().sum::<u64>());
        assert_eq!(r.library, "NangateOpenCellLibrary");
        assert!(r.yosys.starts_with("0.23"), "{}", r.yosys);
        // Every cell is the liberty's; the flip-flops are its DFFs.
        assert!(r.cells_by_type.keys().all(|c| areas.contains_key(c)));
        assert_eq!(
            r.flip_flops,
            r.cells_by_type
                .iter()
                .filter(|(c, _)| c.starts_with("DFF"))
                .map(|(_, n)| n)
                .sum::<u64>()
        );
        // NanGate's DFF_X1: clock-to-Q 76 to 224 ps over its table, setup
        // 16 to 100 ps; an 8x8 multiply and a 32-bit add between registers
        // cannot take less than 300 ps in 45 nm, nor 5 ns.
        assert!((70.0..230.0).contains(&r.clk_to_q_ps), "{r:#?}");
        assert!((15.0..101.0).contains(&r.setup_ps), "{r:#?}");
        assert!((300.0..5000.0).contains(&r.critical_path_ps), "{r:#?}");
        assert!((r.critical_path_ps - r.clk_to_q_ps - r.logic_delay_ps - r.setup_ps).abs() < 1e-9);
        assert!((r.fmax_mhz * r.critical_path_ps - 1e6).abs() < 1e-3);
    }
    // 9 PEs against 4: the area grows about with the PEs (skew and deskew
    // registers grow a little faster); flip-flops grow too.
    let ratio = large.area_um2 / small.area_um2;
    assert!((1.8..3.2).contains(&ratio), "3x3 / 2x2 area {ratio}");
    assert!(large.flip_flops > small.flip_flops);
}

#[test]
fn a_missing_liberty_or_yosys_is_named_with_what_to_do() {
    let (files, top) = array_rtl(2, "missing");
    let e = asic_synth(
        &files,
        &top,
        Path::new("/nonexistent/cells.lib"),
        &AsicOptions::default(),
        &workdir("missing").join("asic"),
    )
    .expect_err("no liberty");
    assert!(matches!(e, AsicError::LibertyMissing { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/cells.lib"), "{e}");
    assert!(help(&e).contains("scripts/setup.sh"), "{}", help(&e));

    let opts = AsicOptions {
        tools: ToolPaths {
            yosys: Some("/nonexistent/yosys".into()),
            ..ToolPaths::default()
        },
        ..AsicOptions::default()
    };
    let e = asic_synth(
        &files,
        &top,
        Path::new(NANGATE45),
        &opts,
        &workdir("missing").join("asic"),
    )
    .expect_err("no yosys");
    assert!(e.to_string().contains("/nonexistent/yosys"), "{e}");
    assert!(
        help(&e).contains("apt-get install -y yosys"),
        "{}",
        help(&e)
    );
}

/// One row of the gap table.
struct Gap {
    asic: AsicReport,
    fpga: SynthReport,
    fmax_mhz: f64,
    /// FPGA over ASIC critical path, the ASIC scaled from 45 to 40 nm.
    delay: f64,
    /// FPGA dynamic energy per cycle over the ASIC's, both at 40 nm: with
    /// the FPGA's clock network, and without it.
    power: (f64, f64),
    /// The FPGA's resources on the VTR 40 nm tiles.
    fpga_area: FpgaArea,
    /// `fpga_area.total_um2` over the ASIC's cell area scaled to 40 nm.
    area: f64,
}

/// Stillmaker and Baas (the project's `sim/tables/node-scaling.toml`): the
/// energy factor from 45 to 40 nm, as `sim`'s energy model applies it.
fn energy_model_40nm() -> sim::energy::EnergyModel {
    EnergyTable::resolve("horowitz-45nm", None)
        .expect("built-in table")
        .model(Some(40), None, Precision::Int(8), Precision::Int(32))
        .expect("40 nm is in the scaling table")
}

/// Delay from 45 to 40 nm: Stillmaker and Baas's delay scaling is not in
/// the project's tables; classic (Dennard) scaling, delay in proportion to
/// the feature size, 40/45.
const DELAY_45_TO_40: f64 = 40.0 / 45.0;

/// What `report` used, for the area model: its LUT4s, flip-flops and DSPs
/// (one product of `operand_bits` each), block RAMs.
fn fpga_use(report: &SynthReport, operand_bits: u32) -> FpgaUse {
    FpgaUse {
        luts: report.luts.unwrap_or(0),
        flip_flops: report.flip_flops,
        multipliers: report.dsps.unwrap_or(0),
        multiplier_bits: operand_bits,
        block_rams: report.block_rams.unwrap_or(0),
    }
}

fn gap(rows: u32, device: &str, test: &str) -> Gap {
    let dev = fpga::device(device).expect("device");
    let asic = asic(rows, &format!("{test}_asic"));
    let fpga = fpga_report(rows, dev, &format!("{test}_fpga"));
    let fmax_mhz = fpga.fmax_mhz.expect("placed and routed");
    let delay = (1e6 / fmax_mhz) / (asic.critical_path_ps * DELAY_45_TO_40);
    let em = energy_model_40nm();
    let pes = f64::from(rows * rows);
    let asic_pj = pes * em.mac_pj + asic.flip_flops as f64 * em.reg_pj_per_bit;
    let p = fpga::power(dev, &fpga, fmax_mhz, &Activity::default());
    let per_cycle = |w: f64| w / (fmax_mhz * 1e6) * 1e12;
    let all = per_cycle(p.dynamic_w);
    let no_clock = per_cycle(p.dynamic_w - p.breakdown["clock"]);
    let opw = hdlgen::rtl::Config::of(&design(rows)).expect("config").opw;
    let model = area_model::vtr_40nm().expect("committed table");
    let fpga_area = model.area(&fpga_use(&fpga, opw)).expect("no block RAMs");
    let asic_40 = area_model::scale_area_um2(asic.area_um2, 45.0, f64::from(model.node_nm));
    Gap {
        area: fpga_area.total_um2 / asic_40,
        asic,
        fpga,
        fmax_mhz,
        delay,
        power: (all / asic_pj, no_clock / asic_pj),
        fpga_area,
    }
}

#[test]
fn the_up5k_is_slower_than_nangate_45_by_a_factor_in_the_stated_band() {
    let g = gap(2, "ice40up5k", "gap_2x2_up5k");
    // Kuon and Rose: 3.0 to 3.5 for a 90 nm Stratix II against 90 nm cells;
    // a low-power 40 nm iCE40 with 4-input LUTs against pre-layout ASIC
    // timing is slower: docs/SYNTHESIS.md gives the measured 2x2 ratio and
    // why; the band is wide enough for tool noise, narrow enough to catch
    // a unit error (x1000) or a lost register overhead.
    assert!((4.0..40.0).contains(&g.delay), "delay ratio {}", g.delay);
    assert!(
        g.power.0 > g.power.1 && g.power.1 > 1.0,
        "power ratios {:?}",
        g.power
    );
    assert_eq!(g.fpga.dsps, Some(4), "each PE's multiplier in a SB_MAC16");
    // Kuon and Rose: 18 with hard blocks, 35 without, at 90 nm; a modeled
    // fabric and a cell-area-only ASIC: docs/SYNTHESIS.md gives the 2x2
    // figure and why; the band catches a unit error (x1000, µm² vs mm²).
    assert!((10.0..100.0).contains(&g.area), "area ratio {}", g.area);
    assert!(g.fpga_area.multiplier_um2 > 0.0 && g.fpga_area.logic_um2 > 0.0);
}

#[test]
fn the_fpga_area_is_the_vtr_tiles_by_hand() {
    let m = area_model::vtr_40nm().expect("committed table");
    assert_eq!(m.node_nm, 40);
    // 60 L² at L = 40 nm; the Stratix IV LAB tile of the VTR file, 84,375
    // MWTA with its routing, is its "about 8100 um^2".
    assert!((m.mwta_um2.value.unwrap() - 60.0 * 0.04 * 0.04).abs() < 1e-12);
    assert!((m.logic_tile_um2() - 8_100.0).abs() < 1e-6);
    // mult_36: 396,000 MWTA + 4 rows x 30,481 = 517,924 MWTA = 49,720.704
    // µm², the file's "0.0497 mm^2".
    assert!((m.multiplier_tile_um2() - 49_720.704).abs() < 1e-6);
    assert_eq!(m.multipliers_per_tile(8).unwrap(), 4, "int8: a 9x9 slot");
    assert_eq!(m.multipliers_per_tile(9).unwrap(), 4);
    assert_eq!(m.multipliers_per_tile(16).unwrap(), 2);
    assert_eq!(m.multipliers_per_tile(36).unwrap(), 1);
    assert_eq!(
        m.multipliers_per_tile(37),
        Err(AreaModelError::OperandTooWide {
            bits: 37,
            widest: 36
        })
    );
    // The 2x2 on the UP5K (docs/SYNTHESIS.md): 114 LUT4s, 138 flip-flops,
    // 4 SB_MAC16s for int8 products. Flip-flop bound: 138 / 2 = 69 ALMs,
    // 6.9 LABs x 8,100 = 55,890 µm²; 4 products = 1 mult_36 = 49,720.704.
    let a = m
        .area(&FpgaUse {
            luts: 114,
            flip_flops: 138,
            multipliers: 4,
            multiplier_bits: 8,
            block_rams: 0,
        })
        .unwrap();
    assert_eq!(a.alms, 69.0);
    assert!((a.logic_um2 - 55_890.0).abs() < 1e-6, "{a:?}");
    assert!((a.multiplier_um2 - 49_720.704).abs() < 1e-6, "{a:?}");
    assert!((a.total_um2 - 105_610.704).abs() < 1e-6, "{a:?}");
    // LUT bound: 2,172 LUT4s, 1,160 flip-flops -> 1,086 ALMs.
    let lut_bound = FpgaUse {
        luts: 2_172,
        flip_flops: 1_160,
        ..FpgaUse::default()
    };
    let b = m.area(&lut_bound).unwrap();
    assert_eq!((b.alms, b.multiplier_um2), (1_086.0, 0.0));
    assert!((b.total_um2 - 879_660.0).abs() < 1e-6, "{b:?}");
    // The ASIC's 4,171 µm² at 45 nm is 4,171 x (40/45)² = 3,295.60 at 40
    // nm, so that 2x2 row's area ratio is 105,610.704 / 3,295.60 = 32.05.
    let asic_40 = area_model::scale_area_um2(4_171.0, 45.0, 40.0);
    assert!((asic_40 - 4_171.0 * 1_600.0 / 2_025.0).abs() < 1e-9);
    assert!((a.total_um2 / asic_40 - 32.046).abs() < 1e-3);
    let with_ram = FpgaUse {
        block_rams: 2,
        ..lut_bound
    };
    assert_eq!(
        m.area(&with_ram),
        Err(AreaModelError::BlockRams { count: 2 })
    );
}

/// The table of docs/SYNTHESIS.md: `GAP_SET=2:ice40up5k,4:lfe5u-25f ...`
/// chooses rows (the default is the documented set).
#[test]
#[ignore = "minutes: bench/fpga-asic-gap/run.sh"]
fn table() {
    let set = std::env::var("GAP_SET")
        .unwrap_or_else(|_| "2:ice40up5k,4:ice40up5k,2:lfe5u-25f,4:lfe5u-25f,8:lfe5u-45f".into());
    println!(
        "| array | FPGA | LUTs | FFs | DSPs | Fmax MHz | ASIC um2 (45 nm) | ASIC cells | ASIC FFs | ASIC path ps (45 nm) | ASIC MHz (40 nm) | delay ratio | power ratio (with clock / without) | FPGA um2 (VTR 40 nm): ALMs, logic + mult | area ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for item in set.split(',') {
        let (rows, device) = item.split_once(':').expect("rows:device");
        let rows: u32 = rows.parse().expect("rows");
        let g = gap(rows, device, &format!("table_{rows}_{device}"));
        let f = &g.fpga;
        println!(
            "| {rows}x{rows} | {device} | {} | {} | {} | {:.2} | {:.0} | {} | {} | {:.0} ({:.0} + {:.0} + {:.0}) | {:.0} | {:.1} | {:.0} / {:.0} | {:.0}: {:.0}, {:.0} + {:.0} | {:.1} |",
            f.luts.unwrap_or(0),
            f.flip_flops,
            f.dsps.unwrap_or(0),
            g.fmax_mhz,
            g.asic.area_um2,
            g.asic.cells,
            g.asic.flip_flops,
            g.asic.critical_path_ps,
            g.asic.clk_to_q_ps,
            g.asic.logic_delay_ps,
            g.asic.setup_ps,
            g.asic.fmax_mhz / DELAY_45_TO_40,
            g.delay,
            g.power.0,
            g.power.1,
            g.fpga_area.total_um2,
            g.fpga_area.alms,
            g.fpga_area.logic_um2,
            g.fpga_area.multiplier_um2,
            g.area,
        );
    }
}
