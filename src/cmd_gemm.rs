//! `systolic gemm`: run one GEMM of real data value-exactly on the pe engine.

use crate::{inputs, output};
use clap::{Args, ValueEnum};
use sim::engine::{pe, Engine, FastEngine, TimingMode};
use sim::npy::{self, NpyArray, NpyData};
use sim::quant::{quantized_gemm, QuantOptions, Scheme};
use sim::simulate::gemm_energy;
use sim::workload::GemmOp;
use sim::{Design, Precision};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `systolic gemm`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  systolic gemm --design gemmini-like --a A.npy --b B.npy --out C.npy
  systolic gemm --design edge-8x8 --seed 7 --m 64 --k 300 --n 40
  systolic gemm --design tpu-v1-like --a x_f32.npy --b w_f32.npy --quantize --per-channel --out y.npy

A is M x K and B is K x N, row-major 2-D .npy files: integers for the array's width
(int8 or int16), or float32 / float64 with --quantize (float64 rounded to float32
first). C is written as int32 (int64 for accumulators wider than 32 bits), or as
float32 (dequantized) with --quantize.")]
pub struct GemmArgs {
    /// Built-in design name or a design TOML file (integer operands).
    #[arg(long, default_value = "gemmini-like")]
    design: String,
    /// A (M x K) as .npy.
    #[arg(long, requires = "b", conflicts_with_all = ["m", "k", "n"])]
    a: Option<PathBuf>,
    /// B (K x N) as .npy.
    #[arg(long, requires = "a")]
    b: Option<PathBuf>,
    /// Seed for random operands (with --m, --k, --n).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Rows of A for random operands.
    #[arg(long, requires_all = ["k", "n"])]
    m: Option<u64>,
    /// Columns of A / rows of B for random operands.
    #[arg(long)]
    k: Option<u64>,
    /// Columns of B for random operands.
    #[arg(long)]
    n: Option<u64>,
    /// A and B are float32 (or float64, rounded to float32): quantize them to the design's integer width
    /// (ONNX Runtime semantics), run, dequantize, and compare with fp32.
    #[arg(long, requires = "a")]
    quantize: bool,
    /// Quantization scheme of A.
    #[arg(long, value_enum, default_value_t = SchemeArg::Asymmetric)]
    scheme_a: SchemeArg,
    /// Quantization scheme of B.
    #[arg(long, value_enum, default_value_t = SchemeArg::Symmetric)]
    scheme_b: SchemeArg,
    /// One scale per output channel (column of B) instead of one per tensor.
    #[arg(long)]
    per_channel: bool,
    /// Write C here (.npy, atomically).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SchemeArg {
    Symmetric,
    Asymmetric,
}

impl From<SchemeArg> for Scheme {
    fn from(s: SchemeArg) -> Scheme {
        match s {
            SchemeArg::Symmetric => Scheme::Symmetric,
            SchemeArg::Asymmetric => Scheme::Asymmetric,
        }
    }
}

/// Latency and energy of one GEMM shape on a design (fast engine, rtl timing).
fn cost(design: &Design, g: &GemmOp) -> miette::Result<(u64, u64, f64)> {
    let s = FastEngine {
        mode: TimingMode::Rtl,
    }
    .run_gemm(design, g)?;
    Ok((
        s.compute_cycles,
        s.stall_cycles,
        gemm_energy(design, &s).total(),
    ))
}

/// Runs `systolic gemm`.
pub fn run(a: GemmArgs) -> miette::Result<()> {
    if let Some(out) = &a.out {
        sim::error::check_output_file(out)?;
    }
    let design = inputs::design(&a.design)?;
    let Precision::Int(bits) = design.operand else {
        return Err(miette::miette!(
            code = "systolic::gemm::precision",
            help = "value-exact runs need an integer design (int8, int16, ...); floating point is simulated for cycles and energy only",
            "design `{}` computes in {}",
            design.name,
            design.operand
        ));
    };
    let mut out = String::new();
    let (m, k, n, result) = if a.quantize {
        let (pa, pb) = (
            a.a.as_ref().expect("clap requires --a"),
            a.b.as_ref().expect("clap requires --b"),
        );
        let (ma, mb) = (npy::read_f32_matrix(pa)?, npy::read_f32_matrix(pb)?);
        check_inner(ma.cols, mb.rows)?;
        let (m, k, n) = (ma.rows, ma.cols, mb.cols);
        let opts = QuantOptions {
            a: a.scheme_a.into(),
            b: a.scheme_b.into(),
            per_channel: a.per_channel,
        };
        let q = match bits {
            8 => quantized_gemm::<i8>(&design, &ma.data, &mb.data, (m, k, n), opts)?,
            16 => quantized_gemm::<i16>(&design, &ma.data, &mb.data, (m, k, n), opts)?,
            _ => {
                return Err(miette::miette!(
                    code = "systolic::gemm::precision",
                    help = "use a design with int8 or int16 operands",
                    "--quantize targets int8 or int16; design `{}` has int{bits}",
                    design.name
                ))
            }
        };
        let g = GemmOp::new(m as u64, k as u64, n as u64);
        let (cc, st, e) = cost(&design, &g)?;
        let fp32 = design.variant(|v| {
            v.operand = Precision::Fp32;
            v.accumulator_bits = None;
            v.output = None;
        })?;
        let (fc, fst, fe) = cost(&fp32, &g)?;
        let _ = writeln!(out, "quantized {} x {} x {} to int{bits}: A scale {:.6} zero point {}, B {} scale(s) from {:.6}", m, k, n, q.a_params.0, q.a_params.1, q.b_params.len().min(if a.per_channel { n } else { 1 }), q.b_params[0].0);
        let _ = writeln!(
            out,
            "error against fp32: max abs {:.6}, SQNR {:.2} dB",
            q.max_abs_error, q.sqnr_db
        );
        let lat = |c: u64, s: u64, d: &Design| (c + s) as f64 / d.clock_mhz;
        let _ = writeln!(
            out,
            "int{bits}: {:.2} us, {:.3} uJ   fp32 on the same design: {:.2} us, {:.3} uJ   saved: {:.1}% latency, {:.1}% energy",
            lat(cc, st, &design),
            e / 1e6,
            lat(fc, fst, &fp32),
            fe / 1e6,
            100.0 * (1.0 - lat(cc, st, &design) / lat(fc, fst, &fp32)),
            100.0 * (1.0 - e / fe)
        );
        let arr = NpyArray::new(vec![m, n], NpyData::F32(q.c))?;
        (m as u64, k as u64, n as u64, (q.run, arr))
    } else {
        let (ia, ib, m, k, n) = match (&a.a, &a.b) {
            (Some(pa), Some(pb)) => {
                let (ma, mb) = (npy::read_i64_matrix(pa)?, npy::read_i64_matrix(pb)?);
                check_inner(ma.cols, mb.rows)?;
                (
                    ma.data,
                    mb.data,
                    ma.rows as u64,
                    ma.cols as u64,
                    mb.cols as u64,
                )
            }
            _ => {
                let (Some(m), Some(k), Some(n)) = (a.m, a.k, a.n) else {
                    return Err(miette::miette!(
                        code = "systolic::gemm::operands",
                        help = "give --a A.npy --b B.npy, or --m M --k K --n N (with --seed S)",
                        "no operands given"
                    ));
                };
                if m == 0 || k == 0 || n == 0 {
                    return Err(miette::miette!(
                        code = "systolic::gemm::operands",
                        help = "M, K and N are at least 1",
                        "empty GEMM {m} x {k} x {n}"
                    ));
                }
                (
                    pe::random_operands(bits, (m * k) as usize, a.seed),
                    pe::random_operands(bits, (k * n) as usize, a.seed ^ 0x5EED),
                    m,
                    k,
                    n,
                )
            }
        };
        let run = pe::run(&design, &ia, &ib, m, k, n).map_err(sim::SimError::from)?;
        let data = if design.accumulator.bits() <= 32 {
            NpyData::I32(run.c.iter().map(|&v| v as i32).collect())
        } else {
            NpyData::I64(run.c.clone())
        };
        let arr = NpyArray::new(vec![m as usize, n as usize], data)?;
        (m, k, n, (run, arr))
    };
    let (run, arr) = result;
    let (_, stall, energy) = cost(&design, &GemmOp::new(m, k, n))?;
    let head = format!(
        "design {} ({}x{} {} {})   C[{m} x {n}] = A[{m} x {k}] x B[{k} x {n}]\ncycles {} on the array (pe engine, value-exact) + {} DRAM stall   latency {:.2} us   energy {:.3} uJ   {:.2} pJ/MAC\n",
        design.name,
        design.rows,
        design.cols,
        design.dataflow,
        design.operand,
        run.cycles,
        stall,
        (run.cycles + stall) as f64 / design.clock_mhz,
        energy / 1e6,
        energy / (m * k * n) as f64
    );
    if let Some(path) = &a.out {
        npy::write(path, &arr)?;
        out.push_str(&format!(
            "wrote {} ({:?} {})\n",
            path.display(),
            arr.shape,
            arr.data.descr()
        ));
    }
    output::emit(&format!("{head}{out}"), None)
}

fn check_inner(k_a: usize, k_b: usize) -> miette::Result<()> {
    if k_a != k_b {
        return Err(miette::miette!(
            code = "systolic::gemm::shape",
            help = "A is M x K and B is K x N: the columns of A must equal the rows of B",
            "A has {k_a} columns but B has {k_b} rows"
        ));
    }
    Ok(())
}
