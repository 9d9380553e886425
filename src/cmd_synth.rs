//! `systolic synth`: synthesize a design's generated RTL with Yosys (and
//! place and route it with nextpnr) for area and Fmax; also finds the
//! reports `systolic sim` shows area from.

use crate::{inputs, output};
use clap::Args;
use hdlgen::synth::{self, SynthOptions, SynthReport, Target};
use sim::report::AreaReport;
use sim::Design;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "Examples:
  systolic synth --design edge-8x8 --target generic
  systolic synth --design edge-8x8 --target ice40 --device hx8k
  systolic synth --design my-design.toml --target ecp5 --device 25k --out results/
  systolic synth --design gemmini-like --target xilinx

Targets and devices (the first is the default):
  generic  Yosys's gate library (cell counts); no device
  ice40    up5k up3k u1k u2k u4k hx8k hx4k hx1k lp8k lp4k lp1k lp384  (placed with nextpnr-ice40)
  ecp5     85k 45k 25k 12k um-25k um-45k um-85k um5g-25k um5g-45k um5g-85k  (placed with nextpnr-ecp5)
  xilinx   xc7 xcu xcup  (families; synthesis only, no Fmax)

The JSON report goes to synth-out/<design>/<target>.json (<out>/<target>.json with
--out); Yosys and nextpnr scripts, logs and netlists stay in synth-out/<design>/<target>/.
`systolic sim` then shows the area of every report it finds for the design.
Tools: apt-get install -y yosys nextpnr-ice40; nextpnr-ecp5 from scripts/setup.sh.";

/// Arguments of `systolic synth`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SynthArgs {
    /// Built-in design name (see `systolic list designs`) or a design TOML file.
    #[arg(long)]
    design: String,
    /// Synthesis target: generic, ice40, ecp5 or xilinx.
    #[arg(long, value_name = "TARGET")]
    target: String,
    /// Device (ice40, ecp5) or family (xilinx); see the list below.
    #[arg(long)]
    device: Option<String>,
    /// Results directory (default: synth-out/<design>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Synthesize only: skip place and route (no Fmax) on ice40 and ecp5.
    #[arg(long)]
    no_pnr: bool,
}

/// Runs `systolic synth`.
pub fn run(a: SynthArgs) -> miette::Result<()> {
    let target: Target = a.target.parse()?;
    // Refuse a bad device before generating anything.
    target.device(a.device.as_deref())?;
    let design = inputs::design(&a.design)?;
    let dir = a.out.unwrap_or_else(|| synth::results_dir(&design.name));
    let workdir = dir.join(target.to_string());
    let ip = hdlgen::generate(&design).map_err(|e| {
        miette::miette!(
            code = "systolic::synth::generate",
            help =
                "the generator emits integer datapaths (int2..int32 operands, integer accumulator)",
            "design `{}`: {e}",
            design.name
        )
    })?;
    let rtl = workdir.join("rtl");
    let files = ip.write_rtl(&rtl).map_err(|e| {
        miette::miette!(
            code = "systolic::io",
            help = "check that the directory is writable",
            "cannot write the RTL to {}: {e}",
            rtl.display()
        )
    })?;
    let opts = SynthOptions {
        device: a.device,
        skip_pnr: a.no_pnr,
        ..SynthOptions::default()
    };
    eprintln!(
        "synthesizing {} (top {}) for {target} in {}",
        design.name,
        ip.top,
        workdir.display()
    );
    let mut report = synth::synthesize(&files, &ip.top, target, &opts, &workdir)?;
    report.design = Some(design.name.clone());
    report.design_fingerprint = Some(synth::design_fingerprint(&design));
    let path = synth::report_path(&dir, target);
    output::emit(&(report.to_json() + "\n"), Some(&path))?;
    output::emit(&report.to_table(), None)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The area `systolic sim` reports for `design`: from the `explicit`
/// reports when given (an unreadable one is an error), else from every
/// synth-out/<design>/<target>.json that exists (an unreadable or stale one
/// is skipped with a note).
pub fn area_of(design: &Design, explicit: &[PathBuf]) -> miette::Result<Vec<AreaReport>> {
    let fingerprint = synth::design_fingerprint(design);
    let mut area = Vec::new();
    if !explicit.is_empty() {
        for path in explicit {
            let r = SynthReport::load(path)?;
            if r.design_fingerprint.as_deref() != Some(&fingerprint) {
                eprintln!(
                    "note: {} was made from {}, not from this version of design `{}`; showing it anyway",
                    path.display(),
                    r.design
                        .as_deref()
                        .map_or("another design".into(), |d| format!("design `{d}`")),
                    design.name
                );
            }
            area.push(area_row(&r, path));
        }
        return Ok(area);
    }
    let dir = synth::results_dir(&design.name);
    for target in Target::ALL {
        let path = synth::report_path(&dir, target);
        if !path.is_file() {
            continue;
        }
        match SynthReport::load(&path) {
            Ok(r) if r.design_fingerprint.as_deref() == Some(&fingerprint) => {
                area.push(area_row(&r, &path));
            }
            Ok(_) => eprintln!(
                "note: ignoring {}: design `{}` changed since it was synthesized; run `systolic synth --design {} --target {target}` again",
                path.display(),
                design.name,
                design.name
            ),
            Err(e) => eprintln!("note: ignoring {}: {e}", path.display()),
        }
    }
    Ok(area)
}

fn area_row(r: &SynthReport, path: &Path) -> AreaReport {
    AreaReport {
        target: r.target.to_string(),
        device: r.device.clone(),
        top: r.top.clone(),
        luts: r.luts,
        flip_flops: r.flip_flops,
        dsps: r.dsps,
        block_rams: r.block_rams,
        memory_bits: r.memory_bits,
        cells: r.cells,
        fmax_mhz: r.fmax_mhz,
        source: path.display().to_string(),
    }
}
