//! `systolic synth`: synthesize a design's generated RTL with Yosys (and
//! place and route it with nextpnr) for area and Fmax.

use crate::{inputs, output};
use clap::Args;
use hdlgen::synth::{self, StageTime, SynthOptions, Synthesis, Target};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

const EXAMPLES: &str = "Examples:
  systolic synth --design fpga-2x2 --target generic
  systolic synth --design fpga-2x2 --target ice40
  systolic synth --design fpga-2x2 --target ecp5 --device 25k --out results/
  systolic synth --design fpga-2x2 --target xilinx
  systolic synth --design fpga-2x2 --target generic --ip
  systolic synth --design fpga-2x2 --target ice40 --freq 40
(a 2x2 design in the repository: seconds each; the presets take minutes, docs/SYNTHESIS.md)

Targets and devices (the first is the default):
  generic  Yosys's gate library (cell counts); no device
  ice40    up5k up3k u1k u2k u4k hx8k hx4k hx1k lp8k lp4k lp1k lp384  (placed with nextpnr-ice40)
  ecp5     85k 45k 25k 12k um-25k um-45k um-85k um5g-25k um5g-45k um5g-85k  (placed with nextpnr-ecp5)
  xilinx   xc7 xcu xcup  (families; synthesis only, no Fmax)

The JSON report goes to synth-out/<design>/<target>.json (<out>/<target>.json with
--out; <target>-ip.json with --ip); Yosys and nextpnr scripts, logs and netlists stay in synth-out/<design>/<target>/.
`systolic sim` then shows the area of every report it finds for the design.
Each stage (RTL, Yosys read/proc/synth, harness, nextpnr load/pack/place/route/timing)
is shown with its seconds, and the report keeps them. A rerun whose RTL, target,
options and tools are unchanged reuses the report at once (--force runs again).
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
    /// Synthesize even when the report was made from the same RTL, target,
    /// options and tools (by default it is reused).
    #[arg(long, alias = "no-cache")]
    force: bool,
    /// Synthesize the whole IP (`<prefix>_ip`: AXI4-Lite registers,
    /// sequencer, AXI4 DMA and the core) instead of the core alone; the
    /// report goes to <target>-ip.json.
    #[arg(long)]
    ip: bool,
    /// Clock frequency nextpnr aims its timing-driven placement and routing
    /// at, MHz (default 12, nextpnr's own); Fmax is reported either way.
    #[arg(long, value_name = "MHZ")]
    freq: Option<f64>,
}

/// Runs `systolic synth`.
pub fn run(a: SynthArgs) -> miette::Result<()> {
    let target: Target = a.target.parse()?;
    if let Some(f) = a
        .freq
        .filter(|f| !(f.is_finite() && *f > 0.0 && *f <= 2000.0))
    {
        return Err(sim::error::InputError::new(
            "systolic::synth",
            "<command line>",
            format!("--freq {f}: expected a clock of more than 0 and at most 2000 MHz"),
        )
        .field("--freq")
        .hint("give nextpnr's target clock in MHz, e.g. --freq 100")
        .into());
    }
    // Refuse a bad device before generating anything.
    let device = target.device(a.device.as_deref())?;
    let design = inputs::design(&a.design)?;
    if a.ip {
        hdlgen::rtl::Config::of(&design)?.needs_ip()?;
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| synth::results_dir(&design.name));
    let progress = crate::progress::Stderr::new();
    let report = one(&a, target, device.as_ref(), &design, &dir, &progress)?;
    // A sparse design's cost in area: the same design dense, beside it.
    if let Some(sp) = design.sparsity {
        let dense = design.variant(|p| {
            p.sparsity = None;
            p.name = format!("{}-dense", p.name);
        })?;
        eprintln!("synthesizing the same design dense for the area sparsity costs");
        let d = one(
            &a,
            target,
            device.as_ref(),
            &dense,
            &dir.join("dense"),
            &progress,
        )?;
        output::emit(&sparsity_cost(sp, &report, &d), None)?;
    }
    Ok(())
}

/// The sparse design's resources beside the dense design's, with ratios.
fn sparsity_cost(
    sp: sim::sparsity::Sparsity,
    s: &synth::SynthReport,
    d: &synth::SynthReport,
) -> String {
    let (dsp, bram) = s.target.primitive_names();
    let mut out = format!(
        "\nsparsity {sp}: area against the same design dense (DSPs: {dsp}, block RAMs: {bram})\n"
    );
    let mut row = |name: &str, x: Option<u64>, y: Option<u64>| {
        if let (Some(x), Some(y)) = (x, y) {
            let ratio = if y > 0 {
                format!("{:.2}x", x as f64 / y as f64)
            } else {
                "-".into()
            };
            out.push_str(&format!("  {name:<13} {x:>9}  dense {y:>9}  {ratio}\n"));
        }
    };
    row("LUTs", s.luts, d.luts);
    row("flip-flops", Some(s.flip_flops), Some(d.flip_flops));
    row("DSPs", s.dsps, d.dsps);
    row("block RAMs", s.block_rams, d.block_rams);
    row("cells", Some(s.cells), Some(d.cells));
    if let (Some(x), Some(y)) = (s.fmax_mhz, d.fmax_mhz) {
        out.push_str(&format!(
            "  {:<13} {x:>9.2}  dense {y:>9.2}  {:.2}x\n",
            "Fmax MHz",
            x / y
        ));
    }
    let _ = writeln!(
        out,
        "  (on {sp} weights it does the work of a dense array {:.2}x its size: K shrinks to N/M, docs/TIMING.md \"Sparse weights\")",
        f64::from(sp.m) / f64::from(sp.n)
    );
    out
}

/// Synthesizes `design` into `dir` (or reuses its report), shows its table
/// and returns the report.
fn one(
    a: &SynthArgs,
    target: Target,
    device: Option<&synth::Device>,
    design: &sim::Design,
    dir: &std::path::Path,
    progress: &crate::progress::Stderr,
) -> miette::Result<synth::SynthReport> {
    let name = if a.ip {
        format!("{target}-ip")
    } else {
        target.to_string()
    };
    let workdir = dir.join(&name);
    let started = Instant::now();
    let (ip, files) = hdlgen::progress::step(
        progress,
        &format!("generating the RTL of {}", design.name),
        || {
            let ip = hdlgen::generate(design)?;
            let files = ip.write_rtl(&workdir.join("rtl"))?;
            Ok::<_, hdlgen::HdlError>((ip, files))
        },
    )?;
    let rtl_seconds = started.elapsed().as_secs_f64();
    // A device with fewer DSP blocks than the array has multipliers gets the
    // rest in logic (the tops' DSPS parameter); the IP's fit check keeps 3.
    let reserved = if a.ip { 3 } else { 0 };
    let budget = device
        .filter(|d| d.dsps > 0)
        .map(|d| d.dsps.saturating_sub(reserved));
    let params = hdlgen::synth::fpga::synth_params(design, target, budget)?;
    if let (Some(d), Some(b)) = (device, params.iter().find(|(p, _)| p == "DSPS")) {
        eprintln!(
            "the {} has {} DSP blocks: {} of the {} PEs multiply in DSPs, the others in logic (DSPS = {})",
            d.name,
            d.dsps,
            b.1,
            design.pes(),
            b.1
        );
    }
    let opts = SynthOptions {
        device: a.device.clone(),
        skip_pnr: a.no_pnr,
        params,
        target_mhz: a.freq,
        ..SynthOptions::default()
    };
    let top = if a.ip { ip.ip_top() } else { ip.top.clone() };
    let synthesis = Synthesis::prepare(&files, &top, target, &opts, &workdir, progress)?;
    let path = if a.ip {
        dir.join(format!("{name}.json"))
    } else {
        synth::report_path(dir, target)
    };
    let fingerprint = synth::design_fingerprint(design);
    if !a.force {
        if let Some(mut report) = synthesis.reuse(&path) {
            // The RTL may be the same for another version of the design (a
            // new clock): the report then names this one.
            let this = (Some(design.name.clone()), Some(fingerprint));
            if (report.design.clone(), report.design_fingerprint.clone()) != this {
                (report.design, report.design_fingerprint) = this;
                output::emit(&(report.to_json() + "\n"), Some(&path))?;
            }
            output::emit(&report.to_table(), None)?;
            eprintln!(
                "cached: {} was made from the same RTL, target, options and tools; reused in {:.1} s, not synthesized again (--force runs it again)",
                path.display(),
                started.elapsed().as_secs_f64()
            );
            return Ok(report);
        }
    }
    eprintln!(
        "synthesizing {} (top {}) for {target} in {}",
        design.name,
        top,
        workdir.display()
    );
    let mut report = synthesis.run(progress)?;
    report.stages.insert(
        0,
        StageTime {
            stage: "rtl".into(),
            seconds: (rtl_seconds * 1000.0).round() / 1000.0,
            passes: Vec::new(),
        },
    );
    report.design = Some(design.name.clone());
    report.design_fingerprint = Some(fingerprint);
    output::emit(&(report.to_json() + "\n"), Some(&path))?;
    output::emit(&report.to_table(), None)?;
    eprintln!("wrote {}", path.display());
    Ok(report)
}
