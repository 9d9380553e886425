//! `systolic compare`: one model on ASIC designs, FPGAs, GPUs and CPUs, ranked for
//! the user's budgets, with a recommendation whose reasons are the numbers
//! (docs/COMPARE.md).

use crate::{inputs, output};
use clap::{Args, ValueEnum};
use dse::compare::{rank, recommend, sig, Budgets, Entry, Kind, Mode};
use sim::report::LayerReport;
use sim::train::{Optimizer, Recompute, TrainOptions};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The targets compared when `--targets` is not given, for inference.
const DEFAULT_TARGETS: &str =
    "asic:edge-8x8,asic:gemmini-like,asic:tpu-v1-like,gpu:a100,gpu:t4,gpu:orin,cpu:xeon-8480,cpu:rpi4";

/// The targets compared when `--targets` is not given, for a training step:
/// floating-point designs and GPUs (in bf16, or fp16 where a GPU has no bf16).
const DEFAULT_TRAIN_TARGETS: &str =
    "asic:gemmini-bf16-like,asic:tpu-v3-mxu-like,gpu:a100,gpu:h100,gpu:t4";

/// Arguments of `systolic compare`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  systolic compare --model resnet50
  systolic compare --model resnet50 --batch 1,8,64 --latency-budget-ms 10 --power-budget-w 75
  systolic compare --model bert-base --targets asic:tpu-v1-like,asic:designs/edge-8x8.toml --format json --out cmp.json
  systolic compare --model resnet18 --batch 1,16 --report reports/compare-resnet18
  systolic compare --model resnet18 --mode train --batch 32 --optimizer adam
  systolic compare --model dense-10-1 --batch 1,64 --targets asic:gemmini-like,gpu:t4,cpu:xeon-8480,cpu:rpi4
Targets: asic:<design preset or TOML> (simulated at its node, energy scaled to it, area from the
area model); fpga:<device>[@<design>] (the largest square array of the design, default edge-8x8,
that fits the device, found by synthesis and cached; simulated at its Fmax; devices: ice40up5k,
lfe5u-25f, lfe5u-45f, lfe5u-85f); gpu:<a100|h100|t4|orin>[@<int8|fp16|bf16|tf32|fp32>] (a
calibrated model, not a simulation; int8 by default, in training bf16 or else fp16; docs/GPU.md);
cpu:<xeon-8480|rpi4>[@<precision>] (a calibrated model, not a simulation: one socket, int8 where
the CPU has it, else fp32; docs/CPU.md).
Default: asic:edge-8x8,asic:gemmini-like,asic:tpu-v1-like,gpu:a100,gpu:t4,gpu:orin,cpu:xeon-8480,
cpu:rpi4; with --mode
train: asic:gemmini-bf16-like,asic:tpu-v3-mxu-like,gpu:a100,gpu:h100,gpu:t4.
--mode train runs one training step per batch (forward, backward, the optimizer's update, with fp32
master weights; as `systolic train`): latency is the step's, energy and throughput per sample.
See docs/COMPARE.md.")]
pub struct CompareArgs {
    /// Built-in model name (see `systolic list models`), an ONNX model (.onnx) or a topology CSV.
    #[arg(long, default_value = "resnet50")]
    model: String,
    #[command(flatten)]
    onnx: inputs::OnnxArgs,
    /// Batch sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    batch: Vec<u64>,
    /// What runs: a forward pass over the batch, or a training step.
    #[arg(long, value_enum, default_value_t = CompareMode::Inference)]
    mode: CompareMode,
    /// The optimizer of a training step (--mode train only): sgd, momentum
    /// or adam [default: adam].
    #[arg(long, value_parser = parse_optimizer)]
    optimizer: Option<Optimizer>,
    /// Targets, comma-separated: `kind:name` (see below).
    #[arg(long, value_delimiter = ',')]
    targets: Vec<String>,
    /// At most this latency per run of a batch, ms.
    #[arg(long, value_name = "MS")]
    latency_budget_ms: Option<f64>,
    /// At most this average power, W.
    #[arg(long, value_name = "W")]
    power_budget_w: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write a report into this directory: index.html (self-contained),
    /// summary.md, and the throughput-vs-energy plot as SVG and PNG.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
enum CompareMode {
    Inference,
    Train,
}

fn parse_optimizer(s: &str) -> Result<Optimizer, String> {
    Optimizer::parse(s).ok_or_else(|| format!("`{s}`: expected sgd, momentum or adam"))
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

/// A target as written: its kind and name.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    kind: Kind,
    name: String,
}

fn bad_arg(field: &str, message: String, hint: &str) -> miette::Report {
    miette::Report::new(
        sim::error::InputError::new("systolic::compare", "<command line>", message)
            .field(field)
            .hint(hint),
    )
}

/// Parses `kind:name`.
fn parse_target(s: &str) -> miette::Result<Target> {
    let hint =
        "write kind:name, e.g. asic:edge-8x8, asic:designs/my.toml, fpga:lfe5u-85f, gpu:a100 or cpu:xeon-8480";
    let Some((kind, name)) = s.split_once(':') else {
        return Err(bad_arg(
            "--targets",
            format!("target `{s}` has no kind"),
            hint,
        ));
    };
    let kind = match kind.trim() {
        "asic" => Kind::Asic,
        "fpga" => Kind::Fpga,
        "gpu" => Kind::Gpu,
        "cpu" => Kind::Cpu,
        other => {
            return Err(bad_arg(
                "--targets",
                format!("target `{s}`: unknown kind `{other}` (known: asic, fpga, gpu, cpu)"),
                hint,
            ))
        }
    };
    if name.trim().is_empty() {
        return Err(bad_arg(
            "--targets",
            format!("target `{s}` names nothing"),
            hint,
        ));
    }
    Ok(Target {
        kind,
        name: name.trim().to_string(),
    })
}

fn check_budget(field: &str, v: Option<f64>) -> miette::Result<()> {
    match v {
        Some(x) if !(x.is_finite() && x > 0.0) => Err(bad_arg(
            field,
            format!("{field} {x}: expected a positive number"),
            "e.g. --latency-budget-ms 10 --power-budget-w 75",
        )),
        _ => Ok(()),
    }
}

/// The largest batch `compare` runs (each batch lowers the whole model).
const MAX_BATCH: u64 = 1 << 16;

/// Runs `systolic compare`.
pub fn run(a: CompareArgs) -> miette::Result<()> {
    if let Some(out) = &a.out {
        sim::error::check_output_file(out)?;
    }
    if let Some(dir) = &a.report {
        report::site::check_dir(dir)?;
    }
    check_budget("--latency-budget-ms", a.latency_budget_ms)?;
    check_budget("--power-budget-w", a.power_budget_w)?;
    if let Some(&b) = a.batch.iter().find(|&&b| b == 0 || b > MAX_BATCH) {
        return Err(bad_arg(
            "--batch",
            format!("batch {b}: expected 1 to {MAX_BATCH}"),
            "e.g. --batch 1,8,64",
        ));
    }
    if a.mode == CompareMode::Inference && a.optimizer.is_some() {
        return Err(bad_arg(
            "--optimizer",
            "--optimizer applies to a training step; this compares inference".into(),
            "add --mode train, e.g. --mode train --optimizer sgd",
        ));
    }
    let mut batches = a.batch.clone();
    batches.sort_unstable();
    batches.dedup();
    let defaults = match a.mode {
        CompareMode::Inference => DEFAULT_TARGETS,
        CompareMode::Train => DEFAULT_TRAIN_TARGETS,
    };
    let written: Vec<String> = if a.targets.is_empty() {
        defaults.split(',').map(str::to_string).collect()
    } else {
        a.targets.clone()
    };
    let targets: Vec<Target> = written
        .iter()
        .map(|t| parse_target(t))
        .collect::<miette::Result<_>>()?;
    let onnx = a.onnx.options(&a.model)?;
    let (model, _) = inputs::model_with(&a.model, &onnx)?;
    let run = Run {
        name: &a.model,
        model: &model,
        batches: &batches,
        train: (a.mode == CompareMode::Train).then_some(a.optimizer.unwrap_or(Optimizer::Adam)),
    };
    let mut entries = Vec::new();
    for t in &targets {
        match t.kind {
            Kind::Asic => {
                let design = inputs::design(&t.name)?;
                let area = sim::area::of(&design);
                for &b in &batches {
                    let s = run.simulate(&design, b)?;
                    let mut e = Entry::asic(&design, &a.model, b, &s.total, &area);
                    run.mark(&mut e, s.fits);
                    if run.train.is_some() {
                        e.how = format!("{}, {} operands", e.how, design.operand);
                    }
                    e.how.push_str(&s.note);
                    entries.push(e);
                }
            }
            Kind::Fpga => entries.extend(fpga(&t.name, &run)?),
            Kind::Gpu | Kind::Cpu => entries.extend(calibrated(t.kind, &t.name, &run)?),
        }
    }
    let budgets = Budgets {
        latency_ms: a.latency_budget_ms,
        power_w: a.power_budget_w,
    };
    if let Some(dir) = &a.report {
        output::write_report(&report::compare::page(&entries, &budgets)?, dir)?;
    }
    let text = match a.format {
        Format::Table => table(&entries, &budgets),
        Format::Json => json(&entries, &budgets),
        Format::Csv => dse::compare::to_csv(&entries),
    };
    output::emit(&text, a.out.as_deref())
}

/// One simulated run of a batch: its totals, whether it fits the target's
/// memory, and how it ran when not as one batch (appended to the row's how).
struct Simulated {
    total: LayerReport,
    fits: Option<bool>,
    note: String,
}

/// What runs on every target: the model at each batch, as inference or as
/// a training step with `train`'s optimizer.
struct Run<'a> {
    name: &'a str,
    model: &'a sim::workload::Model,
    batches: &'a [u64],
    train: Option<Optimizer>,
}

impl Run<'_> {
    /// The simulated totals of one run of `batch` on `design` (a forward
    /// pass, or a training step as `systolic train` simulates it), whether a
    /// step's memory fits the design's DRAM (`None`: inference, or no
    /// capacity set), and how the batch ran when not as one: a design that
    /// keeps activations on chip runs an inference batch too large for them
    /// as sub-batches that fit, when that is faster (TPU v1 serving a large
    /// batch; the whole batch would spill its activations to DRAM).
    fn simulate(&self, design: &sim::Design, batch: u64) -> miette::Result<Simulated> {
        let Some(optimizer) = self.train else {
            let prices = sim::simulate::Prices::of(design);
            let whole = dse::Workload::new(self.name, self.model, batch).total(design, &prices)?;
            let sub = sim::engine::plan::largest_resident_batch(design, self.model, batch)
                .filter(|&s| s < batch);
            if let Some(sub) = sub {
                let runs = batch.div_ceil(sub);
                let split =
                    dse::total_in_runs(self.name, self.model, batch, runs, design, &prices)?;
                if split.latency_us < whole.latency_us {
                    let (size, larger) = (batch / runs, batch % runs);
                    let sizes = if larger == 0 {
                        format!("{size}")
                    } else {
                        format!("{size} or {}", size + 1)
                    };
                    let note = format!(
                        "; as {runs} runs of {sizes} keeping activations on chip (the whole batch spills them: {} ms)",
                        sig(whole.latency_us / 1e3)
                    );
                    return Ok(Simulated {
                        total: split,
                        fits: None,
                        note,
                    });
                }
            }
            return Ok(Simulated {
                total: whole,
                fits: None,
                note: String::new(),
            });
        };
        let opts = TrainOptions {
            batch,
            optimizer,
            master_fp32: true,
            recompute: Recompute::None,
        };
        let engine = sim::FastEngine {
            mode: sim::TimingMode::Rtl,
        };
        let step = sim::train::step(design, self.model, &engine, &opts)?;
        let report = step.report(design, "rtl", None).ok_or_else(|| {
            miette::Report::new(sim::simulate::too_large(&format!(
                "the training step of `{}`",
                self.name
            )))
        })?;
        let fits = design.dram_capacity_bytes.map(|c| step.memory.peak <= c);
        Ok(Simulated {
            total: report.total,
            fits,
            note: String::new(),
        })
    }

    /// Sets an entry's mode and memory fit.
    fn mark(&self, e: &mut Entry, fits: Option<bool>) {
        e.mode = if self.train.is_some() {
            Mode::Train
        } else {
            Mode::Inference
        };
        e.fits_memory = fits;
    }
}

/// The base design an FPGA target's array is grown from when its name
/// gives none (`fpga:<device>@<design>`).
const FPGA_BASE: &str = "edge-8x8";

/// An FPGA target: the largest square array of the base design that fits
/// the device, found by synthesis (cached), simulated at its Fmax; power
/// from the device's static power and the synthesized resources' dynamic
/// energy (`hdlgen::synth::fpga::power`).
fn fpga(name: &str, run: &Run) -> miette::Result<Vec<Entry>> {
    use hdlgen::synth::fpga;
    let (dev, base) = name.split_once('@').unwrap_or((name, FPGA_BASE));
    let device = fpga::device(dev.trim())?;
    if device.target == hdlgen::synth::Target::Xilinx {
        // Refused before any synthesis: nothing places Xilinx devices here.
        return Err(bad_arg(
            "--targets",
            format!(
                "fpga:{name}: the {} has no Fmax from this flow (Yosys maps Xilinx devices, nothing places and routes them), so no clock to simulate at",
                device.name
            ),
            "compare an iCE40 or ECP5 device (placed and routed by nextpnr), e.g. fpga:lfe5u-85f",
        ));
    }
    let base = inputs::design(base.trim())?;
    let progress = crate::progress::Stderr::new();
    let fit = fpga::largest_fitting(&base, device, &progress)?;
    let Some(fmax) = fit.fmax_mhz else {
        return Err(bad_arg(
            "--targets",
            format!(
                "fpga:{name}: no Fmax for the {} ({}), so no clock to simulate at",
                device.name, fit.fmax_note
            ),
            "compare an iCE40 or ECP5 device (placed and routed by nextpnr), e.g. fpga:ecp5-85k",
        ));
    };
    let design = fit.design(&base)?.variant(|p| p.clock_mhz = fmax)?;
    let power = fpga::power(device, &fit.report, fmax, &fpga::Activity::default());
    let Some(watts) = power.total_w else {
        return Err(bad_arg(
            "--targets",
            format!(
                "fpga:{name}: the {} has no static power on record",
                device.name
            ),
            "see hdlgen/tables/fpga-devices.toml",
        ));
    };
    let mut out = Vec::new();
    for &b in run.batches {
        let s = run.simulate(&design, b)?;
        let how = format!(
            "{r}x{r} array synthesized for the {}, simulated at its Fmax {} MHz from its DRAM (no host time); power from the device's static and the resources' dynamic energy",
            device.name,
            sig(fmax),
            r = fit.rows
        );
        let mut e = Entry::from_totals(
            (name, Kind::Fpga, how + &s.note),
            run.name,
            b,
            &s.total,
            None,
        );
        run.mark(&mut e, s.fits);
        // The FPGA's power, not the ASIC energy table's.
        let seconds = e.latency_ms / 1e3;
        e.power_w = watts;
        let per = watts * seconds / b as f64;
        e.energy_per_inference_mj = per * 1e3;
        e.inferences_per_j = if per > 0.0 { 1.0 / per } else { 0.0 };
        e.cost_usd = device.price_usd.value;
        out.push(e);
    }
    Ok(out)
}

/// A GPU (`gpu:<name>[@<precision>]`) or CPU (`cpu:<name>[@<precision>]`)
/// target: the calibrated model of `sim::gpu` / `sim::cpu` (docs/GPU.md,
/// docs/CPU.md), not a simulation. Precision by default: int8 for inference
/// where the device has it, bf16 (or else fp16) for a training step, or
/// else the device's first precision.
fn calibrated(kind: Kind, name: &str, run: &Run) -> miette::Result<Vec<Entry>> {
    use sim::gpu::{self, Device, GpuPrecision};
    let (g, p) = match name.split_once('@') {
        Some((g, p)) => (g.trim(), Some(p.trim())),
        None => (name, None),
    };
    // The device, looked up once: a CPU or a GPU of the tables.
    let (cpu, dev): (Option<&sim::cpu::Cpu>, &dyn Device) = match kind {
        Kind::Cpu => {
            let c = sim::cpu::cpu(g)?;
            (Some(c), c)
        }
        _ => (None, gpu::gpu(g)?),
    };
    let has = dev.precisions();
    let wanted: &[GpuPrecision] = match run.train {
        None => &[GpuPrecision::Int8],
        Some(_) => &[GpuPrecision::Bf16, GpuPrecision::Fp16],
    };
    let fallback = wanted
        .iter()
        .chain(&has)
        .find(|p| has.contains(p))
        .map_or("int8", |p| p.name());
    let p = p.unwrap_or(fallback);
    let mode = match run.train {
        None => gpu::Mode::Inference,
        Some(o) => gpu::Mode::Training(o),
    };
    let precision = GpuPrecision::parse(p).ok_or_else(|| {
        bad_arg(
            "--targets",
            format!("{}:{name}: unknown precision `{p}`", kind.name()),
            &format!(
                "one of {}, e.g. {}:{g}@{}",
                has.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "),
                kind.name(),
                fallback
            ),
        )
    })?;
    // A published list price where the table has one (CPUs; no GPU
    // datasheet used publishes one).
    let cost_usd = cpu.and_then(|c| c.list_price_usd.as_ref()).map(|p| p.value);
    let mut out = Vec::new();
    for &b in run.batches {
        let e = match cpu {
            Some(c) => sim::cpu::estimate(c, run.model, b, precision, mode)?,
            None => gpu::estimate(gpu::gpu(g)?, run.model, b, precision, mode)?,
        };
        let mut entry = Entry {
            target: name.to_string(),
            kind,
            how: format!(
                "{g} {}, calibrated model, not a simulation",
                precision.name()
            ),
            model: run.name.to_string(),
            batch: b,
            latency_ms: e.latency_s * 1e3,
            throughput_per_s: e.throughput_per_s,
            energy_per_inference_mj: e.energy_per_sample_j * 1e3,
            inferences_per_j: if e.energy_per_sample_j > 0.0 {
                1.0 / e.energy_per_sample_j
            } else {
                0.0
            },
            achieved_tops: e.achieved_tops,
            peak_tops: e.peak_tops,
            utilization: e.utilization,
            power_w: e.power_w,
            area_mm2: None,
            cost_usd,
            mode: Mode::Inference,
            fits_memory: None,
        };
        run.mark(&mut entry, Some(e.fits_memory));
        out.push(entry);
    }
    Ok(out)
}

/// Ranked rows per batch, then the recommendation.
fn table(entries: &[Entry], budgets: &Budgets) -> String {
    let mut s = String::new();
    let Some(first) = entries.first() else {
        return s;
    };
    let (unit, per) = (first.mode.unit(), first.mode.per());
    let what = match first.mode {
        Mode::Inference => "inference",
        Mode::Train => "one training step per batch; energy and throughput per sample",
    };
    let _ = writeln!(s, "model {} ({what})", first.model);
    let head = format!(
        "{:>4}  {:<22} {:<5} {:>10} {:>12} {:>11} {:>12} {:>9} {:>9} {:>6} {:>9} {:>9} {:>7}  {}",
        "rank",
        "target",
        "kind",
        "latency ms",
        format!("{unit}/s"),
        format!("mJ/{per}"),
        format!("{unit}/J"),
        "TOPS",
        "peak",
        "util",
        "power W",
        "area mm2",
        "cost $",
        "how"
    );
    let mut batch = None;
    for r in rank(entries, budgets) {
        let e = &entries[r.index];
        if batch != Some(e.batch) {
            batch = Some(e.batch);
            let _ = writeln!(s, "\nbatch {}\n{head}", e.batch);
        }
        let _ = writeln!(
            s,
            "{:>4}  {:<22} {:<5} {:>10} {:>12} {:>11} {:>12} {:>9} {:>9} {:>5.1}% {:>9} {:>9} {:>7}  {}{}",
            r.rank,
            e.target,
            e.kind.name(),
            sig(e.latency_ms),
            sig(e.throughput_per_s),
            sig(e.energy_per_inference_mj),
            sig(e.inferences_per_j),
            sig(e.achieved_tops),
            sig(e.peak_tops),
            100.0 * e.utilization,
            sig(e.power_w),
            e.area_mm2.map_or("-".into(), sig),
            e.cost_usd.map_or("-".into(), |c| format!("{c:.0}")),
            e.how,
            r.breach.map_or(String::new(), |b| format!("; outside the budgets: {b}"))
        );
    }
    s.push_str("\nrecommendation:\n");
    for line in recommend(entries, budgets) {
        let _ = writeln!(s, "  {line}");
    }
    s
}

fn json(entries: &[Entry], budgets: &Budgets) -> String {
    let ranks = rank(entries, budgets);
    let rows: Vec<serde_json::Value> = ranks
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(&entries[r.index]).expect("entries serialize");
            v["rank"] = r.rank.into();
            v["pareto_layer"] = r.layer.into();
            v["outside_budgets"] = r.breach.clone().into();
            v
        })
        .collect();
    let v = serde_json::json!({
        "budgets": {"latency_ms": budgets.latency_ms, "power_w": budgets.power_w},
        "entries": rows,
        "recommendation": recommend(entries, budgets),
    });
    serde_json::to_string_pretty(&v).expect("JSON") + "\n"
}
