//! `systolic infer`: runs an ONNX model value-exactly, its GEMMs on the pe
//! engine of a design (integer GEMMs of a quantized model, or a float model's
//! GEMMs on a floating-point design), and prints the run's cycles, energy
//! and traffic.

use crate::{inputs, output};
use clap::{Args, ValueEnum};
use sim::onnx::run::{self, InferOptions, Tensor};
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "Examples:
  systolic infer --design edge-8x8 --model cnn-qop.onnx --input x.npy --out y.npy
  systolic infer --design edge-8x8 --model mlp.onnx --input mlp-x.npy --quantize --out y.npy
  systolic infer --design tpu-v3-mxu-like --model mlp.onnx --input mlp-x.npy --out y-bf16.npy
  systolic infer --design mobile-32x32 --model cnn-qop.onnx --input x=x.npy --out y=y.npy --format json

Integer GEMMs (QLinearConv, QLinearMatMul, MatMulInteger, ConvInteger, QGemm, and
QDQ groups, fused as onnxruntime fuses them) run on the pe engine; everything else
runs on the host as ONNX defines it. Outputs of models quantized by onnxruntime
equal onnxruntime's CPU outputs bit for bit where docs/INFER.md says so. On an
integer design a float model is refused unless --quantize is given; on a
floating-point design (bf16, fp16, fp8, fp32) its float MatMul, Gemm and Conv run
on the pe engine in the design's arithmetic (docs/NUMERICS.md), and the outputs'
error against an fp32 run is reported.";

/// Arguments of `systolic infer`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct InferArgs {
    /// Built-in design name or a design TOML file.
    #[arg(long, default_value = "edge-8x8")]
    design: String,
    /// The ONNX model (.onnx).
    #[arg(long)]
    model: PathBuf,
    /// An input as a .npy file: `x.npy` (the model's inputs in order) or
    /// `NAME=x.npy` (repeatable).
    #[arg(long, value_name = "[NAME=]FILE", required = true)]
    input: Vec<String>,
    /// Write an output as .npy (atomically): `y.npy` for a model with one
    /// output, or `NAME=y.npy` (repeatable).
    #[arg(long, value_name = "[NAME=]FILE")]
    out: Vec<String>,
    /// Quantize a float model's GEMMs as onnxruntime's quantize_dynamic would,
    /// and report the outputs' SQNR against an fp32 run.
    #[arg(long)]
    quantize: bool,
    /// The model before pruning (`systolic prune --model`): the outputs'
    /// SQNR is also reported against its fp32 run, what pruning and the
    /// array's arithmetic cost together.
    #[arg(long, value_name = "DENSE.onnx")]
    dense_model: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// `NAME=FILE` or `FILE`.
fn named(s: &str) -> (Option<String>, PathBuf) {
    match s.split_once('=') {
        Some((n, f)) if !n.is_empty() && !n.contains('/') => {
            (Some(n.to_string()), PathBuf::from(f))
        }
        _ => (None, PathBuf::from(s)),
    }
}

/// Runs `systolic infer`.
pub fn run(a: InferArgs) -> miette::Result<()> {
    let outs: Vec<(Option<String>, PathBuf)> = a.out.iter().map(|s| named(s)).collect();
    for (_, p) in &outs {
        sim::error::check_output_file(p)?;
    }
    let design = inputs::design(&a.design)?;
    let mut feeds = Vec::new();
    for s in &a.input {
        let (name, path) = named(s);
        let arr = sim::npy::read(&path)?;
        let t = Tensor::from_npy(&arr).ok_or_else(|| {
            miette::miette!(
                code = "systolic::infer::input",
                help = "convert it, e.g. numpy's x.astype(numpy.float32)",
                "{}: float64 arrays are not model inputs here (float32 and integer arrays are)",
                path.display()
            )
        })?;
        feeds.push((name, t));
    }
    let file = sim::onnx::OnnxFile::read(&a.model)?;
    let opts = InferOptions {
        quantize: a.quantize,
    };
    let result = run::infer(&file, &design, feeds.clone(), opts)?;
    for n in &result.notes {
        eprintln!("note: {n}");
    }
    // Which file each output goes to, all checked before any is written.
    let mut plan: Vec<(usize, &Path)> = Vec::new();
    for (name, path) in &outs {
        let i = match name {
            Some(n) => result.outputs.iter().position(|(o, _)| o == n),
            None if result.outputs.len() == 1 => Some(0),
            None => {
                return Err(miette::miette!(
                    code = "systolic::infer::out",
                    help = format!("name it: --out NAME={}", path.display()),
                    "the model has {} outputs ({}): say which goes to {}",
                    result.outputs.len(),
                    names(&result.outputs),
                    path.display()
                ))
            }
        };
        let i = i.ok_or_else(|| {
            miette::miette!(
                code = "systolic::infer::out",
                help = format!("its outputs are {}", names(&result.outputs)),
                "the model has no output named `{}`",
                name.as_deref().unwrap_or_default()
            )
        })?;
        plan.push((i, path));
    }
    // The same inference as sim sees it: cycles, energy and traffic.
    let dims = sim::onnx::import::ImportOptions {
        dims: result.dims.clone(),
        skip_unsupported: false,
    };
    let (model, _) = sim::models::resolve(&a.model.display().to_string(), Path::new(""), &dims)?;
    let engine = FastEngine {
        mode: TimingMode::Rtl,
    };
    let report = simulate(
        &design,
        &model,
        &engine,
        &RunOptions {
            batch: 1,
            layers: Vec::new(),
        },
    )?;
    let dense = match &a.dense_model {
        Some(p) => {
            let f = sim::onnx::OnnxFile::read(p)?;
            Some(run::infer_fp32(&f, &design, feeds.clone())?)
        }
        None => None,
    };
    let reference = if a.quantize || design.fp.is_some() {
        Some(run::infer_fp32(&file, &design, feeds)?)
    } else {
        None
    };
    // Every output converted before any is written: a refused one leaves
    // no partial output.
    let arrays = plan
        .iter()
        .map(|&(i, path)| {
            let (name, t) = &result.outputs[i];
            let arr = t.to_npy().ok_or_else(|| {
                miette::miette!(
                    code = "systolic::infer::out",
                    "output `{name}` is {}, which .npy output does not take here",
                    t.type_name()
                )
            })?;
            Ok((path, arr))
        })
        .collect::<miette::Result<Vec<_>>>()?;
    for (path, arr) in &arrays {
        sim::npy::write(path, arr)?;
    }
    let text = match a.format {
        Format::Table => {
            let mut t = table(&a, &design, &result, &report, reference.as_deref(), &plan);
            if let Some(d) = &dense {
                for (name, sqnr, err) in accuracy(&result, d) {
                    t.push_str(&format!(
                        "output `{name}` against the dense model's fp32 run: SQNR {sqnr:.2} dB, max abs error {err:.6}\n"
                    ));
                }
            }
            t
        }
        Format::Json => {
            json(
                &design,
                &result,
                &report,
                reference.as_deref(),
                dense.as_deref(),
            ) + "\n"
        }
    };
    output::emit(&text, None)
}

fn names(outputs: &[(String, Tensor)]) -> String {
    outputs
        .iter()
        .map(|(n, t)| format!("`{n}` ({} {:?})", t.type_name(), t.shape))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compute cycles the fast engine gives the layer of `node`, if it has one.
fn sim_cycles(report: &sim::report::ModelReport, node: &str) -> Option<u64> {
    report
        .layers
        .iter()
        .find(|l| l.layer == node)
        .map(|l| l.compute_cycles)
}

/// SQNR (dB) and max abs error of each float output against the fp32 run.
fn accuracy(result: &run::Inference, reference: &[(String, Tensor)]) -> Vec<(String, f64, f64)> {
    result
        .outputs
        .iter()
        .zip(reference)
        .filter(|((_, t), _)| t.dtype == run::dtype::F32)
        .map(|((n, t), (_, r))| {
            let (q, f) = (t.floats(), r.floats());
            (
                n.clone(),
                sim::quant::sqnr_db(&f, &q),
                sim::quant::max_abs_error(&f, &q),
            )
        })
        .collect()
}

fn table(
    a: &InferArgs,
    design: &sim::Design,
    result: &run::Inference,
    report: &sim::report::ModelReport,
    reference: Option<&[(String, Tensor)]>,
    plan: &[(usize, &Path)],
) -> String {
    let mut s = String::new();
    let t = &report.total;
    let _ = writeln!(
        s,
        "model {} on design {} ({}x{} {} {}, {} MHz)",
        report.model,
        design.name,
        design.rows,
        design.cols,
        design.dataflow,
        design.operand,
        design.clock_mhz
    );
    let _ = writeln!(
        s,
        "{:<24} {:<22} {:>18} {:>6} {:>12} {:>12} {:>8} {:>9}",
        "node",
        "operator",
        "M x K x N",
        "count",
        "pe cycles",
        "sim compute",
        "A zeros",
        "zero MACs"
    );
    let pct = |(all, z): (u64, u64)| format!("{:.1}%", 100.0 * z as f64 / all.max(1) as f64);
    for g in &result.gemms {
        let _ = writeln!(
            s,
            "{:<24} {:<22} {:>18} {:>6} {:>12} {:>12} {:>8} {:>9}",
            g.node,
            g.op_type,
            format!("{}x{}x{}", g.mkn.0, g.mkn.1, g.mkn.2),
            g.count,
            g.cycles,
            sim_cycles(report, &g.node).map_or("-".into(), |c| c.to_string()),
            pct(g.a_zeros),
            pct(g.products),
        );
    }
    let all = zero_macs(result);
    let _ = writeln!(
        s,
        "zero operands: {} of the array's {} multiplies ({}) have one",
        all.1,
        all.0,
        pct(all)
    );
    match gating(design, result, report) {
        Some(Ok(z)) => s.push_str(&z.line()),
        Some(Err(why)) => {
            let _ = writeln!(s, "{why}");
        }
        None => {}
    }
    let pe: u64 = result.gemms.iter().map(|g| g.cycles).sum();
    let _ = writeln!(
        s,
        "pe engine: {} GEMMs value-exact, {pe} compute cycles",
        result.gemms.iter().map(|g| g.count).sum::<u64>()
    );
    let _ = writeln!(
        s,
        "whole model (sim, timing rtl): {} cycles ({:.3} ms at {} MHz), {:.2} uJ, DRAM {:.1} KiB read + {:.1} KiB written, {:.1}% utilization",
        t.total_cycles,
        t.latency_us / 1e3,
        design.clock_mhz,
        t.energy_total_pj / 1e6,
        t.dram_read_bytes as f64 / 1024.0,
        t.dram_write_bytes as f64 / 1024.0,
        100.0 * t.utilization
    );
    for (i, (name, o)) in result.outputs.iter().enumerate() {
        let to = plan
            .iter()
            .find(|(j, _)| *j == i)
            .map_or(String::new(), |(_, p)| format!(" -> {}", p.display()));
        let _ = writeln!(s, "output `{name}`: {} {:?}{to}", o.type_name(), o.shape);
    }
    if let Some(r) = reference {
        for (name, sqnr, err) in accuracy(result, r) {
            let _ = writeln!(
                s,
                "output `{name}` against fp32: SQNR {sqnr:.2} dB, max abs error {err:.6}"
            );
        }
    }
    if let Some(f) = &design.fp {
        let _ = writeln!(
            s,
            "float GEMMs on the array: {} operands, {} partial sums, {} accumulator, {}",
            f.operand,
            f.psum,
            f.acc,
            sim::design::rule_name(f.rule)
        );
    }
    if a.out.is_empty() {
        let _ = writeln!(s, "(no --out given: outputs not written)");
    }
    s
}

/// The array's multiplies over the model's GEMMs, and those with a zero operand.
fn zero_macs(result: &run::Inference) -> (u64, u64) {
    result
        .gemms
        .iter()
        .fold((0, 0), |t, g| (t.0 + g.products.0, t.1 + g.products.1))
}

/// A zero-gating design's whole-model energy with these operands.
fn gating(
    design: &sim::Design,
    result: &run::Inference,
    report: &sim::report::ModelReport,
) -> Option<Result<sim::simulate::ZeroGated, String>> {
    sim::simulate::ZeroGated::of(design, zero_macs(result), report.total.energy_total_pj)
}

fn json(
    design: &sim::Design,
    result: &run::Inference,
    report: &sim::report::ModelReport,
    reference: Option<&[(String, Tensor)]>,
    dense: Option<&[(String, Tensor)]>,
) -> String {
    let gemms: Vec<serde_json::Value> = result
        .gemms
        .iter()
        .map(|g| {
            serde_json::json!({
                "node": g.node,
                "op_type": g.op_type,
                "m": g.mkn.0, "k": g.mkn.1, "n": g.mkn.2,
                "count": g.count,
                "pe_cycles": g.cycles,
                "pe_engine_pe_cycles": g.pe_cycles,
                "multiplies": g.products.0,
                "zero_operand_multiplies": g.products.1,
                "a_elements": g.a_zeros.0,
                "a_zeros": g.a_zeros.1,
                "sim_compute_cycles": sim_cycles(report, &g.node),
            })
        })
        .collect();
    let outputs: Vec<serde_json::Value> = result
        .outputs
        .iter()
        .map(|(n, t)| serde_json::json!({"name": n, "dtype": t.type_name(), "shape": t.shape}))
        .collect();
    let against = |reference: Option<&[(String, Tensor)]>| -> Vec<serde_json::Value> {
        reference
            .map(|r| {
                accuracy(result, r)
                    .into_iter()
                    .map(|(n, q, e)| serde_json::json!({"name": n, "sqnr_db": q, "max_abs_error": e}))
                    .collect()
            })
            .unwrap_or_default()
    };
    let acc = against(reference);
    let mut v: serde_json::Value =
        serde_json::from_str(&report.to_json()).expect("the report is JSON");
    v["infer"] = serde_json::json!({
        "gemms": gemms,
        "outputs": outputs,
        "notes": result.notes,
        "against_fp32": acc,
        "against_dense_fp32": against(dense),
        "zero_gating": gating(design, result, report).and_then(Result::ok),
    });
    serde_json::to_string_pretty(&v).expect("JSON")
}
