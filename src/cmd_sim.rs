//! `systolic sim`: simulate a model on a design and report.

use crate::{inputs, output};
use clap::{Args, ValueEnum};
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::path::PathBuf;

/// Arguments of `systolic sim`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  systolic sim --design tpu-v1-like --model resnet50
  systolic sim --design designs/edge-8x8.toml --model mobilenet_v2 --batch 4 --format csv --out edge.csv
  systolic sim --design gemmini-like --model bert-base --layer 'layer0.*'
  systolic sim --scalesim-config google.cfg --topology alexnet.csv --timing scalesim --format csv
  systolic sim --design fpga-2x2 --model resnet18 --synth synth-out/fpga-2x2/ice40.json
  systolic sim --design edge-8x8 --model resnet18 --report reports/edge-8x8-resnet18
  systolic sim --design edge-8x8 --model model.onnx --dim batch=8")]
pub struct SimArgs {
    /// Built-in design name (see `systolic list designs`) or a design TOML file.
    #[arg(
        long,
        default_value = "tpu-v1-like",
        conflicts_with = "scalesim_config"
    )]
    design: String,
    /// Take the design from a SCALE-Sim .cfg file instead.
    #[arg(long, value_name = "CFG")]
    scalesim_config: Option<String>,
    /// Built-in model name (see `systolic list models`), an ONNX model
    /// (.onnx) or a topology CSV.
    #[arg(long, default_value = "resnet50", conflicts_with = "topology")]
    model: String,
    #[command(flatten)]
    onnx: inputs::OnnxArgs,
    /// A SCALE-Sim topology CSV (convolution or GEMM format).
    #[arg(long, value_name = "CSV")]
    topology: Option<String>,
    /// Timing model: `rtl` (the generated hardware, docs/TIMING.md), `scalesim` (SCALE-Sim 3.0.0) or `ip` (the generated IP with its DMA, ws and is designs).
    #[arg(long, value_enum, default_value_t = Timing::Rtl)]
    timing: Timing,
    /// Only layers whose names match (`*` is a wildcard); repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    layer: Vec<String>,
    /// Batch size (an ONNX model's batch is in its shapes: set a symbolic
    /// one with --dim; --batch then runs the graph that many times).
    #[arg(long, default_value_t = 1)]
    batch: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Show area from this `systolic synth` report (repeatable); by default from
    /// every synth-out/<design>/<target>.json made from this design.
    #[arg(long, value_name = "JSON")]
    synth: Vec<PathBuf>,
    /// Also write a report into this directory: index.html (self-contained),
    /// summary.md, and every plot as SVG and PNG (docs/REPORTS.md).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Timing {
    Rtl,
    Scalesim,
    Ip,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

/// Runs `systolic sim`.
pub fn run(a: SimArgs) -> miette::Result<()> {
    if let Some(out) = &a.out {
        sim::error::check_output_file(out)?;
    }
    let design = match &a.scalesim_config {
        Some(cfg) => inputs::scalesim_design(cfg)?,
        None => inputs::design(&a.design)?,
    };
    let onnx = a.onnx.options(&a.model)?;
    let (model, imported) = match &a.topology {
        Some(t) => (
            sim::workload::topology::load(std::path::Path::new(t))?,
            None,
        ),
        None => inputs::model_with(&a.model, &onnx)?,
    };
    if let Some(r) = &imported {
        eprint!("{}", coverage_table(r));
    }
    let mode = match a.timing {
        Timing::Rtl => TimingMode::Rtl,
        Timing::Scalesim => TimingMode::Scalesim,
        Timing::Ip => TimingMode::Ip,
    };
    if let Some(dir) = &a.report {
        report::site::check_dir(dir)?;
    }
    let opts = RunOptions {
        batch: a.batch,
        layers: a.layer.clone(),
    };
    let mut report = simulate(&design, &model, &FastEngine { mode }, &opts)?;
    report.area =
        hdlgen::synth::area_for_design(&design, &a.synth)?.take(|n| eprintln!("note: {n}"));
    if let Some(dir) = &a.report {
        let dataflows = sim::study::dataflows(&design, &model, &opts, mode, &report);
        let run = report::single::Run {
            report: &report,
            dataflows: &dataflows,
        };
        output::write_report(&report::single::page(&run)?, dir)?;
    }
    let text = match a.format {
        Format::Table => match design.sparsity {
            Some(s) => {
                let dense = design.variant(|p| p.sparsity = None)?;
                let d = simulate(&dense, &model, &FastEngine { mode }, &opts)?;
                report.to_table() + &sparse_line(s, &report.total, &d.total) + &select_line(&design)
            }
            None => report.to_table(),
        },
        Format::Json => match &imported {
            None => report.to_json() + "\n",
            Some(r) => {
                let mut v: serde_json::Value =
                    serde_json::from_str(&report.to_json()).expect("the report is JSON");
                v["coverage"] = serde_json::to_value(&r.coverage).expect("coverage serializes");
                serde_json::to_string_pretty(&v).expect("JSON") + "\n"
            }
        },
        Format::Csv => report.to_csv(),
    };
    output::emit(&text, a.out.as_deref())
}

/// The sparse design against the same design dense: speedup and energy.
fn sparse_line(
    s: sim::sparsity::Sparsity,
    sparse: &sim::report::LayerReport,
    dense: &sim::report::LayerReport,
) -> String {
    format!(
        "sparsity {s} weights: {:.2}x the speed of the same design dense ({} cycles, dense {}; compute alone {:.2}x), {:.3}x its energy ({:.2} uJ, dense {:.2} uJ)\n",
        dense.total_cycles as f64 / sparse.total_cycles.max(1) as f64,
        sparse.total_cycles,
        dense.total_cycles,
        dense.compute_cycles as f64 / sparse.compute_cycles.max(1) as f64,
        sparse.energy_total_pj / dense.energy_total_pj.max(f64::MIN_POSITIVE),
        sparse.energy_total_pj / 1e6,
        dense.energy_total_pj / 1e6,
    )
}

/// What a sparse design's M-to-1 selection costs per MAC, or why it is
/// not counted.
fn select_line(design: &sim::Design) -> String {
    let Some(s) = design.sparsity else {
        return String::new();
    };
    match sim::simulate::select_pj(design) {
        Some(pj) => format!(
            "  its {}-to-1 activation selection: {pj:.4} pJ per MAC ({:.1}% of a MAC's {:.4} pJ; energy table [mux])\n",
            s.m,
            100.0 * pj / design.energy.mac_pj.max(f64::MIN_POSITIVE),
            design.energy.mac_pj
        ),
        None => format!(
            "  its {}-to-1 activation selection is not counted: energy table `{}` has no [mux] row\n",
            s.m, design.energy.table
        ),
    }
}

/// How an ONNX model's operator types were treated, MACs first.
fn coverage_table(r: &sim::onnx::import::ImportReport) -> String {
    use std::fmt::Write as _;
    let mut s = format!(
        "{:<28} {:<12} {:>6} {:>16} {:>7}\n",
        "onnx operator", "treated as", "nodes", "MACs", "share"
    );
    for c in &r.coverage {
        let _ = writeln!(
            s,
            "{:<28} {:<12} {:>6} {:>16} {:>6.2}%",
            c.op_type,
            c.treatment.name(),
            c.nodes,
            c.macs,
            100.0 * c.mac_share
        );
    }
    s
}
