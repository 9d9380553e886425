//! `systolic train`: one training step (forward, dX and dW GEMMs of every
//! layer, backward vector work, the optimizer step) simulated cycle-exactly
//! on a design, its memory against the design's DRAM, and data-parallel
//! scale-out over many chips.

use crate::{inputs, output};
use clap::{Args, ValueEnum};
use sim::train::{self, Optimizer, Phase, Recompute, Step, TrainOptions};
use sim::{FastEngine, TimingMode};
use std::fmt::Write as _;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  systolic train --design tpu-v3-mxu-like --model resnet18 --batch 2
  systolic train --design gemmini-like --model bert-base --batch 8 --optimizer adam --recompute selective
  systolic train --design edge-8x8 --model model.onnx --dim batch=4 --optimizer sgd --format json
  systolic train --design edge-8x8 --model resnet18 --batch 1 --check layer1.0.conv1
  systolic train --design server-128x128-is --model resnet50 --batch 256 --chips 1,8,64,512,4096 --cluster tpu-v4
  systolic train --design tpu-v3-mxu-like --model bert-base --batch 8 --chips 8,64 --cluster dgx-h100-ib-ndr --zero 2
  systolic train --design tpu-v3-mxu-like --model resnet18 --batch 2 --chips 1,8,64,512 --cluster tpu-v4 --report reports/train-resnet18

Every layer's forward, input-gradient (dX) and weight-gradient (dW) GEMM runs on the
fast engine with its own shape; layers fed only by the model input get no dX, as
autograd does (docs/TRAINING.md).";

/// Arguments of `systolic train`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct TrainArgs {
    /// Built-in design name or a design TOML file.
    #[arg(long, default_value = "tpu-v3-mxu-like")]
    design: String,
    /// Built-in model name, an ONNX model (.onnx) or a topology CSV.
    #[arg(long, default_value = "resnet18")]
    model: String,
    #[command(flatten)]
    onnx: inputs::OnnxArgs,
    /// Samples per step on each chip.
    #[arg(long, default_value_t = 32)]
    batch: u64,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptArg::Adam)]
    optimizer: OptArg,
    /// Master weights: `fp32` keeps an fp32 copy beside operand-precision
    /// weights (mixed precision); `none` trains the operand-precision weights.
    #[arg(long, value_enum, default_value_t = Master::Fp32)]
    precision_master: Master,
    /// Activation recomputation.
    #[arg(long, value_enum, default_value_t = RecomputeArg::None)]
    recompute: RecomputeArg,
    /// Data-parallel scale-out: chip counts, e.g. `--chips 1,8,64,512,4096`
    /// (a scaling table; each chip runs the step at --batch).
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    chips: Vec<u32>,
    /// The cluster the chips sit in: a preset (designs/clusters/) or a
    /// cluster TOML file.
    #[arg(long, default_value = "tpu-v4", value_name = "NAME|FILE")]
    cluster: String,
    /// Override the cluster's interconnect.
    #[arg(long, value_enum)]
    interconnect: Option<InterconnectArg>,
    /// Override the cluster's link bandwidth, GB/s per chip per direction.
    #[arg(long, value_name = "GB/S")]
    link_bandwidth: Option<f64>,
    /// Override the cluster's link latency, microseconds.
    #[arg(long, value_name = "US")]
    link_latency: Option<f64>,
    /// ZeRO stage: 0 (DDP), 1 (optimizer state partitioned), 2 (and
    /// gradients), 3 (and weights).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=3))]
    zero: u8,
    /// Gradient bucket size in MiB (PyTorch DDP: 25, after a 1 MiB first
    /// bucket); 0 sends all gradients in one all-reduce after backward
    /// (TensorFlow MirroredStrategy).
    #[arg(long, value_name = "MIB")]
    bucket_mib: Option<f64>,
    /// Instead of the step: run this layer's dX and dW GEMMs value-exactly on
    /// the pe engine (integer designs) and compare them bit for bit with the
    /// reference from the same operands, and their cycles with the fast engine.
    #[arg(long, value_name = "LAYER")]
    check: Option<String>,
    /// Seed of --check's operands.
    #[arg(long, default_value_t = 1, requires = "check")]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write a report into this directory: index.html (self-contained),
    /// summary.md, and every plot as SVG and PNG (docs/REPORTS.md).
    #[arg(long, value_name = "DIR", conflicts_with = "check")]
    report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InterconnectArg {
    Ring,
    Tree,
    Torus2d,
    Torus3d,
    Hierarchical,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OptArg {
    Sgd,
    Momentum,
    Adam,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Master {
    Fp32,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RecomputeArg {
    None,
    All,
    Selective,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

/// Runs `systolic train`.
pub fn run(a: TrainArgs) -> miette::Result<()> {
    if let Some(out) = &a.out {
        sim::error::check_output_file(out)?;
    }
    if let Some(dir) = &a.report {
        report::site::check_dir(dir)?;
    }
    let design = inputs::design(&a.design)?;
    let (model, _) = inputs::model_with(&a.model, &a.onnx.options(&a.model)?)?;
    let opts = TrainOptions {
        batch: a.batch,
        optimizer: match a.optimizer {
            OptArg::Sgd => Optimizer::Sgd,
            OptArg::Momentum => Optimizer::Momentum,
            OptArg::Adam => Optimizer::Adam,
        },
        master_fp32: matches!(a.precision_master, Master::Fp32),
        recompute: match a.recompute {
            RecomputeArg::None => Recompute::None,
            RecomputeArg::All => Recompute::All,
            RecomputeArg::Selective => Recompute::Selective,
        },
    };
    let engine = FastEngine {
        mode: TimingMode::Rtl,
    };
    if let Some(name) = &a.check {
        return check(&design, &model, name, &a, &engine);
    }
    let step = train::step(&design, &model, &engine, &opts)?;
    let scaling = if a.chips.is_empty() {
        None
    } else {
        Some(scale_out(&a, &design, &step, &opts)?)
    };
    if let Some(dir) = &a.report {
        let page = report::train::page(&report::train::Training {
            design: &design,
            step: &step,
            cluster: scaling.as_ref().map(|s| &s.0),
            scaling: scaling.as_ref().map_or(&[][..], |s| s.1.as_slice()),
        })?;
        output::write_report(&page, dir)?;
    }
    let text = match a.format {
        Format::Table => {
            let mut t = table(&design, &step);
            if let Some((c, points)) = &scaling {
                t += &scaling_table(c, points, a.batch);
            }
            t
        }
        Format::Json => json(&design, &step, scaling.as_ref()) + "\n",
        Format::Csv => csv(&step),
    };
    output::emit(&text, a.out.as_deref())
}

/// The cluster with the command line's overrides.
fn cluster(a: &TrainArgs) -> miette::Result<sim::scaleout::Cluster> {
    use sim::scaleout::Interconnect;
    let mut c = sim::scaleout::resolve(&a.cluster)?;
    if let Some(i) = a.interconnect {
        c.interconnect = match i {
            InterconnectArg::Ring => Interconnect::Ring,
            InterconnectArg::Tree => Interconnect::Tree,
            InterconnectArg::Torus2d => Interconnect::Torus2d,
            InterconnectArg::Torus3d => Interconnect::Torus3d,
            InterconnectArg::Hierarchical => Interconnect::Hierarchical,
        };
    }
    if let Some(b) = a.link_bandwidth {
        c.link = sim::scaleout::Link::new(b, c.link.latency_s * 1e6);
    }
    if let Some(l) = a.link_latency {
        c.link = sim::scaleout::Link::new(c.link.bytes_per_s / 1e9, l);
    }
    c.check().map_err(|e| {
        miette::miette!(
            code = "systolic::train::cluster",
            help = e.help.clone(),
            "cluster `{}` with the given overrides: {}: {}",
            c.name,
            e.field,
            e.message
        )
    })?;
    Ok(c)
}

/// The step's one-chip profile scaled over `--chips`.
fn scale_out(
    a: &TrainArgs,
    design: &sim::Design,
    step: &Step,
    opts: &TrainOptions,
) -> miette::Result<(sim::scaleout::Cluster, Vec<sim::scaleout::ScalingPoint>)> {
    use sim::train::scale;
    let c = cluster(a)?;
    let profile = scale::profile(step, design)?;
    let bucketing = scale::bucketing(a.bucket_mib).map_err(|msg| {
        miette::miette!(
            code = "systolic::train::bucket",
            help = "PyTorch DDP uses 25 MiB; 0 sends everything in one all-reduce",
            "--bucket-mib: {msg}"
        )
    })?;
    let zero = sim::scaleout::ZeroStage::from_number(a.zero).expect("clap checks 0..=3");
    let dp = scale::data_parallel(design, opts, zero, bucketing);
    let points = sim::scaleout::scaling(&c, &a.chips, &profile, &dp)?;
    Ok((c, points))
}

fn scaling_table(
    c: &sim::scaleout::Cluster,
    points: &[sim::scaleout::ScalingPoint],
    batch: u64,
) -> String {
    let mut o = format!(
        "\ndata parallel on {}, batch {batch} per chip\n{:>6} {:<14} {:>9} {:>11} {:>11} {:>11} {:>11} {:>13} {:>10} {:>13}\n",
        c.summary(),
        "chips",
        "layout",
        "batch",
        "step ms",
        "compute ms",
        "comm ms",
        "exposed ms",
        "samples/s",
        "efficiency",
        "state GiB/chip"
    );
    for p in points {
        let _ = writeln!(
            o,
            "{:>6} {:<14} {:>9} {:>11.3} {:>11.3} {:>11.3} {:>11.3} {:>13.1} {:>9.1}% {:>13.3}",
            p.chips,
            p.layout.to_string(),
            p.global_batch,
            p.step_s * 1e3,
            p.compute_s * 1e3,
            p.comm_s * 1e3,
            p.exposed_comm_s * 1e3,
            p.samples_per_s,
            100.0 * p.efficiency,
            p.memory_per_chip_bytes / (1u64 << 30) as f64
        );
    }
    o
}

/// `--check LAYER`.
fn check(
    design: &sim::Design,
    model: &sim::workload::Model,
    name: &str,
    a: &TrainArgs,
    engine: &FastEngine,
) -> miette::Result<()> {
    let layer = model.layers().find(|l| l.name == name).ok_or_else(|| {
        let names: Vec<&str> = model.layers().map(|l| l.name.as_str()).take(8).collect();
        miette::miette!(
            code = "systolic::train::layer",
            help = format!("layers of this model begin: {}", names.join(", ")),
            "no layer named `{name}`"
        )
    })?;
    let rows = train::check::check(design, layer, a.batch, a.seed, engine)?;
    let mut o = format!(
        "train --check {name} of {} at batch {} on design {} (pe engine, seed {})
",
        model.name, a.batch, design.name, a.seed
    );
    let mut ok = true;
    for r in &rows {
        let direct = match r.equal_direct {
            Some(true) => "equal",
            Some(false) => "DIFFERENT",
            None => "n/a (may wrap)",
        };
        ok &= r.equal_reference && r.equal_direct != Some(false) && r.pe_cycles == r.fast_cycles;
        let _ = writeln!(
            o,
            "{:<4} {:<12} {:>18}  {} outputs {} the reference, {} from X, W, dY directly; cycles pe {} fast {}",
            r.pass.name(),
            r.what,
            format!("{}x{}x{}", r.mkn.0, r.mkn.1, r.mkn.2),
            r.outputs,
            if r.equal_reference { "equal" } else { "DIFFER FROM" },
            direct,
            r.pe_cycles,
            r.fast_cycles
        );
    }
    output::emit(&o, a.out.as_deref())?;
    if !ok {
        return Err(miette::miette!(
            code = "systolic::train::check_failed",
            "layer `{name}`: the pe engine's gradients or cycles differ (see above)"
        ));
    }
    Ok(())
}

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

/// Whether the step fits, and the largest batch that does.
fn fit(design: &sim::Design, step: &Step) -> Option<(bool, u64)> {
    design
        .dram_capacity_bytes
        .map(|cap| (step.memory.peak <= cap, step.memory.largest_batch(cap)))
}

fn table(design: &sim::Design, s: &Step) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "train {} (batch {}, {}, recompute {}) on design {} ({}x{} {} {}, {} MHz)",
        s.model,
        s.batch,
        s.optimizer.name(),
        s.recompute.name(),
        design.name,
        design.rows,
        design.cols,
        design.dataflow,
        design.operand,
        design.clock_mhz
    );
    let _ = writeln!(
        o,
        "{:<28} {:<9} {:>9} {:>9} {:>9} {:>16} {:>12} {:>11} {:>10}",
        "layer", "pass", "M", "K", "N", "MACs", "cycles", "energy uJ", "DRAM KiB"
    );
    for r in &s.rows {
        let l = &r.report;
        let dim = |v: u64| {
            if l.unit == "array" {
                v.to_string()
            } else {
                "-".into()
            }
        };
        let _ = writeln!(
            o,
            "{:<28} {:<9} {:>9} {:>9} {:>9} {:>16} {:>12} {:>11.2} {:>10.1}",
            r.layer,
            r.pass.name(),
            dim(l.m),
            dim(l.k),
            dim(l.n),
            l.macs,
            l.total_cycles,
            l.energy_total_pj / 1e6,
            (l.dram_read_bytes + l.dram_write_bytes) as f64 / 1024.0
        );
    }
    let _ = writeln!(
        o,
        "\n{:<10} {:>18} {:>14} {:>11} {:>12} {:>11}",
        "phase", "MACs", "cycles", "ms", "energy mJ", "DRAM MiB"
    );
    for (name, t) in [
        ("forward", s.forward),
        ("backward", s.backward),
        ("update", s.update),
        ("step", s.total),
    ] {
        let _ = writeln!(
            o,
            "{:<10} {:>18} {:>14} {:>11.3} {:>12.3} {:>11.1}",
            name,
            t.macs,
            t.cycles,
            t.cycles as f64 / design.clock_mhz / 1e3,
            t.energy_pj / 1e9,
            t.dram_bytes as f64 / (1u64 << 20) as f64
        );
    }
    let m = &s.memory;
    let _ = writeln!(
        o,
        "\nmemory: {} parameters; weights {:.3} GiB, gradients {:.3} GiB, master weights and optimizer state {:.3} GiB, activations kept {:.3} GiB, workspace {:.3} GiB; peak {:.3} GiB",
        m.params,
        gib(m.weights),
        gib(m.gradients),
        gib(m.optimizer),
        gib(m.activations),
        gib(m.workspace),
        gib(m.peak)
    );
    match (fit(design, s), design.dram_capacity_bytes) {
        (Some((true, largest)), Some(cap)) => {
            let _ = writeln!(
                o,
                "fits the design's {:.1} GiB of DRAM (largest batch that fits: {largest})",
                gib(cap)
            );
        }
        (Some((false, largest)), Some(cap)) => {
            let _ = writeln!(
                o,
                "DOES NOT FIT the design's {:.1} GiB of DRAM: the step needs {:.3} GiB; the largest batch that fits is {largest}{}",
                gib(cap),
                gib(m.peak),
                if largest == 0 {
                    " (not even one sample: weights, gradients and optimizer state alone need more)"
                } else {
                    ""
                }
            );
        }
        _ => {
            let _ = writeln!(
                o,
                "the design sets no DRAM capacity (memory.dram_capacity_gib): not checked"
            );
        }
    }
    if !s.skipped_dx.is_empty() {
        let list: Vec<String> = s
            .skipped_dx
            .iter()
            .map(|(n, m)| format!("{n} ({m} MACs)"))
            .collect();
        let _ = writeln!(o, "no dX (input needs no gradient): {}", list.join(", "));
    }
    o
}

fn phase_json(t: &train::PhaseTotals) -> serde_json::Value {
    serde_json::json!({
        "macs": t.macs,
        "cycles": t.cycles,
        "energy_pj": t.energy_pj,
        "dram_bytes": t.dram_bytes,
    })
}

fn json(
    design: &sim::Design,
    s: &Step,
    scaling: Option<&(sim::scaleout::Cluster, Vec<sim::scaleout::ScalingPoint>)>,
) -> String {
    let rows: Vec<serde_json::Value> = s
        .rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(&r.report).expect("serializes");
            v["pass"] = serde_json::json!(r.pass.name());
            v["phase"] = serde_json::to_value(r.pass.phase()).expect("serializes");
            v["source_layer"] = serde_json::json!(r.layer);
            v
        })
        .collect();
    let fit = fit(design, s);
    let v = serde_json::json!({
        "schema": 1,
        "design": sim::report::DesignSummary::of(design),
        "model": s.model,
        "batch": s.batch,
        "optimizer": s.optimizer,
        "recompute": s.recompute,
        "forward": phase_json(&s.forward),
        "backward": phase_json(&s.backward),
        "update": phase_json(&s.update),
        "total": phase_json(&s.total),
        "memory": s.memory,
        "dram_capacity_bytes": design.dram_capacity_bytes,
        "fits": fit.map(|f| f.0),
        "largest_batch": fit.map(|f| f.1),
        "skipped_dx": s.skipped_dx.iter().map(|(n, m)| serde_json::json!({"layer": n, "macs": m})).collect::<Vec<_>>(),
        "layers": rows,
    });
    let mut v = v;
    if let Some((c, points)) = scaling {
        v["cluster"] = serde_json::json!({"name": c.name, "summary": c.summary()});
        v["scaling"] = points
            .iter()
            .map(|p| {
                serde_json::json!({
                    "chips": p.chips,
                    "layout": p.layout.to_string(),
                    "global_batch": p.global_batch,
                    "step_s": p.step_s,
                    "compute_s": p.compute_s,
                    "comm_s": p.comm_s,
                    "exposed_comm_s": p.exposed_comm_s,
                    "samples_per_s": p.samples_per_s,
                    "efficiency": p.efficiency,
                    "state_bytes_per_chip": p.memory_per_chip_bytes,
                    "buckets": p.buckets,
                })
            })
            .collect();
    }
    serde_json::to_string_pretty(&v).expect("JSON")
}

fn csv(s: &Step) -> String {
    let mut o = String::from(
        "layer,pass,phase,kind,unit,gemms,m,k,n,macs,compute_cycles,stall_cycles,total_cycles,energy_pj,dram_read_bytes,dram_write_bytes\n",
    );
    for r in &s.rows {
        let l = &r.report;
        let phase = match r.pass.phase() {
            Phase::Forward => "forward",
            Phase::Backward => "backward",
            Phase::Update => "update",
        };
        let _ = writeln!(
            o,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.layer,
            r.pass.name(),
            phase,
            l.kind,
            l.unit,
            l.gemms,
            l.m,
            l.k,
            l.n,
            l.macs,
            l.compute_cycles,
            l.stall_cycles,
            l.total_cycles,
            l.energy_total_pj,
            l.dram_read_bytes,
            l.dram_write_bytes
        );
    }
    o
}
