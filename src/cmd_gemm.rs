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
  systolic gemm --design tpu-v3-mxu-like --a x_f32.npy --b w_f32.npy --out y_bf16.npy

A is M x K and B is K x N, row-major 2-D .npy files: integers for the array's width
(int8 or int16), or float32 / float64 with --quantize (float64 rounded to float32
first). C is written as int32 (int64 for accumulators wider than 32 bits), or as
float32 (dequantized) with --quantize.

On a floating-point design (fp16, bf16 or fp32 operands) A and B are float32 (or
float64, rounded to float32), rounded to the operand format (to nearest, ties to
even), multiplied with fp32 accumulation in the array's order (docs/NUMERICS.md),
and C is written as float32, with its error against an fp64 GEMM of the inputs.")]
pub struct GemmArgs {
    /// Built-in design name or a design TOML file.
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
    /// Refuse GEMMs whose operands, result and engine state need more memory
    /// than this, in GiB (estimated before anything is allocated).
    #[arg(long, value_name = "GIB", default_value_t = 4.0)]
    max_memory_gib: f64,
}

/// Bytes a value-exact GEMM holds at once: A, B and C as 64-bit words, and
/// the pe engine's copies of the operands and its result (16 bytes per
/// element of each matrix); `None` past 2^64.
fn working_set(m: u64, k: u64, n: u64) -> Option<u64> {
    let elements = m
        .checked_mul(k)?
        .checked_add(k.checked_mul(n)?)?
        .checked_add(m.checked_mul(n)?)?;
    elements.checked_mul(16)
}

/// Refuses a GEMM beyond `--max-memory-gib` before allocating it.
fn check_memory((m, k, n): (u64, u64, u64), cap_gib: f64) -> miette::Result<()> {
    let cap = cap_gib * (1u64 << 30) as f64;
    let need = working_set(m, k, n);
    if need.is_none_or(|b| b as f64 > cap) {
        return Err(miette::Report::new(
            sim::error::InputError::new(
                "systolic::gemm::too_large",
                "<command line>",
                format!(
                    "a {m} x {k} x {n} GEMM needs {} of memory, more than --max-memory-gib {cap_gib}",
                    need.map_or("more than 2^64 bytes".to_string(), |b| format!(
                        "{:.1} GiB",
                        b as f64 / (1u64 << 30) as f64
                    ))
                ),
            )
            .hint("value-exact runs hold A, B and C in memory (16 bytes per element); use smaller matrices, or raise --max-memory-gib if the machine has the memory"),
        ));
    }
    Ok(())
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
        return float_gemm(&a, &design);
    };
    let mut out = String::new();
    let mut zero_line = String::new();
    // (multiplies, of them with a zero operand) on real operands.
    let mut zero_macs = None;
    let (m, k, n, result) = if a.quantize {
        let (pa, pb) = (
            a.a.as_ref().expect("clap requires --a"),
            a.b.as_ref().expect("clap requires --b"),
        );
        let (ma, mb) = (npy::read_f32_matrix(pa)?, npy::read_f32_matrix(pb)?);
        check_inner(ma.cols, mb.rows)?;
        let (m, k, n) = (ma.rows, ma.cols, mb.cols);
        check_memory((m as u64, k as u64, n as u64), a.max_memory_gib)?;
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
                check_memory(
                    (ma.rows as u64, ma.cols as u64, mb.cols as u64),
                    a.max_memory_gib,
                )?;
                (
                    ma.data,
                    mb.data,
                    ma.rows as u64,
                    ma.cols as u64,
                    mb.cols as u64,
                )
            }
            _ => {
                let (m, k, n) = random_dims(&a)?;
                // A sparse design's random weights follow its pattern.
                let b = pe::design_weights(&design, (k as usize, n as usize), a.seed ^ 0x5EED);
                (
                    pe::random_operands(bits, (m * k) as usize, a.seed),
                    b,
                    m,
                    k,
                    n,
                )
            }
        };
        let run = pe::run(&design, &ia, &ib, m, k, n).map_err(sim::SimError::from)?;
        let (products, zero) = pe::zero_products(&design, &ia, &ib, (m, k, n));
        zero_macs = Some((products, zero));
        let zeros = |v: &[i64]| {
            100.0 * v.iter().filter(|&&x| x == 0).count() as f64 / v.len().max(1) as f64
        };
        zero_line = format!(
            "zero operands: {zero} of the array's {products} multiplies ({:.1}%) have one (A {:.1}% zeros, B {:.1}%)\n",
            100.0 * zero as f64 / products.max(1) as f64,
            zeros(&ia),
            zeros(&ib),
        );
        let data = if design.accumulator.bits() <= 32 {
            NpyData::I32(run.c.iter().map(|&v| v as i32).collect())
        } else {
            NpyData::I64(run.c.clone())
        };
        let arr = NpyArray::new(vec![m as usize, n as usize], data)?;
        (m, k, n, (run, arr))
    };
    let (run, arr) = result;
    // B is the stationary operand: a sparse design compresses it (the pe
    // engine ran it so).
    let (_, stall, energy) = cost(&design, &GemmOp::new(m, k, n).of_weights())?;
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
    match zero_macs.and_then(|z| sim::simulate::ZeroGated::of(&design, z, energy)) {
        Some(Ok(z)) => zero_line.push_str(&z.line()),
        Some(Err(why)) => zero_line.push_str(&(why + "\n")),
        None => {}
    }
    if let Some(path) = &a.out {
        npy::write(path, &arr)?;
        out.push_str(&format!(
            "wrote {} ({:?} {})\n",
            path.display(),
            arr.shape,
            arr.data.descr()
        ));
    }
    output::emit(&format!("{head}{zero_line}{out}"), None)
}

/// Float operands for `--m --k --n`: the pe engine's 24-bit random
/// integers (`pe::random_operands`, every third an end of the range) over
/// 2^23, so in [-1, 1) and exact in fp32.
fn random_floats(len: usize, seed: u64) -> Vec<f32> {
    pe::random_operands(24, len, seed)
        .into_iter()
        .map(|v| v as f32 / (1u32 << 23) as f32)
        .collect()
}

/// `systolic gemm` on a floating-point design: the operands rounded to its
/// format, the GEMM in the array's order with fp32 accumulation
/// (`sim::fp::gemm`), and the error against fp64.
fn float_gemm(a: &GemmArgs, design: &Design) -> miette::Result<()> {
    use sim::fp::gemm::{gemm, Order};
    use sim::fp::rules::AccRule;
    use sim::fp::FP32;
    let arith = design
        .fp
        .expect("a design with float operands has its arithmetic");
    let fmt = arith.operand;
    if a.quantize {
        return Err(miette::miette!(
            code = "systolic::gemm::precision",
            help = "--quantize rounds float data to an integer design's width; run it on an int8 or int16 design (e.g. --design tpu-v1-like), or drop --quantize to compute in the design's own format",
            "design `{}` computes in {}, not integers",
            design.name,
            design.operand
        ));
    }
    let (fa, fb, m, k, n) = match (&a.a, &a.b) {
        (Some(pa), Some(pb)) => {
            let (ma, mb) = (npy::read_f32_matrix(pa)?, npy::read_f32_matrix(pb)?);
            check_inner(ma.cols, mb.rows)?;
            check_memory(
                (ma.rows as u64, ma.cols as u64, mb.cols as u64),
                a.max_memory_gib,
            )?;
            (ma.data, mb.data, ma.rows, ma.cols, mb.cols)
        }
        _ => {
            let (m, k, n) = random_dims(a)?;
            let (m, k, n) = (m as usize, k as usize, n as usize);
            (
                random_floats(m * k, a.seed),
                random_floats(k * n, a.seed ^ 0x5EED),
                m,
                k,
                n,
            )
        }
    };
    let to_fmt = |x: &f32| fmt.convert(FP32, x.to_bits(), arith.mode);
    let (ca, cb): (Vec<u32>, Vec<u32>) = (
        fa.iter().map(to_fmt).collect(),
        fb.iter().map(to_fmt).collect(),
    );
    let order = if design.dataflow == sim::Dataflow::Os {
        Order::Output
    } else {
        Order::Stationary {
            rows: design.rows as usize,
        }
    };
    let c: Vec<f32> = gemm(&arith, order, &ca, &cb, (m, k, n))
        .into_iter()
        .map(f32::from_bits)
        .collect();
    // The fp64 GEMM of the float32 inputs.
    let (mut sig, mut noise, mut max_abs, mut max_ref) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..m {
        for j in 0..n {
            let r: f64 = (0..k)
                .map(|kk| f64::from(fa[i * k + kk]) * f64::from(fb[kk * n + j]))
                .sum();
            let e = f64::from(c[i * n + j]) - r;
            sig += r * r;
            noise += e * e;
            max_abs = max_abs.max(e.abs());
            max_ref = max_ref.max(r.abs());
        }
    }
    let (mu, ku, nu) = (m as u64, k as u64, n as u64);
    let g = GemmOp::new(mu, ku, nu);
    let (cycles, stall, energy) = cost(design, &g)?;
    let sqnr = if noise == 0.0 {
        "inf (exact)".to_string()
    } else {
        format!("{:.2} dB", 10.0 * (sig / noise).log10())
    };
    let rel = if max_ref > 0.0 {
        max_abs / max_ref
    } else {
        0.0
    };
    let rule = match arith.rule {
        AccRule::FusedAdder { terms, extra_bits } => {
            format!("fused_adder of {terms} products, {extra_bits} extra bits")
        }
        r => sim::design::rule_name(r).to_string(),
    };
    let mut out = format!(
        "design {} ({}x{} {} {}; {} partial sums, fp32 accumulator, {rule}{}{})   C[{m} x {n}] = A[{m} x {k}] x B[{k} x {n}]\n\
         cycles {cycles} on the array (the schedule; values do not change it) + {stall} DRAM stall   latency {:.2} us   energy {:.3} uJ   {:.2} pJ/MAC\n\
         error against an fp64 GEMM of the float32 inputs: max abs {max_abs:.6e}, max abs / max |C| {rel:.3e}, SQNR {sqnr}\n",
        design.name,
        design.rows,
        design.cols,
        design.dataflow,
        design.operand,
        arith.psum,
        if arith.mode.subnormals { "" } else { ", subnormals flushed" },
        if arith.mode.saturate { ", saturating" } else { "" },
        (cycles + stall) as f64 / design.clock_mhz,
        energy / 1e6,
        energy / (mu * ku * nu) as f64
    );
    if let Some(path) = &a.out {
        let arr = NpyArray::new(vec![m, n], NpyData::F32(c))?;
        npy::write(path, &arr)?;
        let _ = writeln!(
            out,
            "wrote {} ({:?} {})",
            path.display(),
            arr.shape,
            arr.data.descr()
        );
    }
    output::emit(&out, None)
}

/// M, K and N of random operands (`--m --k --n`), checked: given, not
/// empty, and within `--max-memory-gib`.
fn random_dims(a: &GemmArgs) -> miette::Result<(u64, u64, u64)> {
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
    check_memory((m, k, n), a.max_memory_gib)?;
    Ok((m, k, n))
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
