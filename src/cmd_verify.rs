//! `systolic verify`: runs a GEMM (or a model layer's GEMM) on the pe engine and
//! on the generated RTL under Verilator or Icarus; values and cycles must match.

use crate::inputs;
use clap::{Args, ValueEnum};
use hdlgen::check::{self, fit, Simulator};
use hdlgen::rtl::Config;
use sim::workload::Lowered;
use std::fmt::Write as _;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  systolic verify --design edge-8x8 --gemm 40,100,20
  systolic verify --design edge-8x8 --gemm 300,200,50
  systolic verify --design edge-8x8 --model mobilenet_v2 --layer features.7.dw
  systolic verify --design edge-8x8 --model dense-10-1 --all-layers
  systolic verify --design edge-8x8 --gemm 8,16,8 --core --sim icarus
  systolic verify --design edge-8x8 --model model.onnx --dim batch=2 --layer scores

The GEMM runs through the IP (docs/IP.md): registers written over
AXI4-Lite, A and B read from a DRAM image and C written back by the AXI4 DMA, with a
memory of the design's latency; any size runs (the image holds up to 16 MiB), and
values, cycles, stall cycles and bytes moved must equal the simulator's
(docs/TIMING.md, \"The IP\"). A convolution runs from the im2col matrix laid out in
DRAM. --core verifies the core alone: its GEMM must fit one bank
of each buffer, and one that does not is refused at once, naming the buffer that
overflows and what fits. The Verilator testbench is built once per design (seconds
for 8x8, about a minute for 16x16) and cached; Icarus needs no build but runs slowly
(about 40 ms per cycle at 8x8).";

/// HDL simulator choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SimArg {
    /// Verilator 5 (compiled once per design, cached).
    Verilator,
    /// Icarus Verilog.
    Icarus,
}

/// Arguments of `systolic verify`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct VerifyArgs {
    /// Built-in design name or a design TOML file (integer operands).
    #[arg(long)]
    design: String,
    /// GEMM sizes `M,K,N` (C = A[MxK] x B[KxN]).
    #[arg(long, conflicts_with_all = ["model", "layer"])]
    gemm: Option<String>,
    /// Model whose layer to verify: a built-in name, an ONNX model (.onnx) or
    /// a topology CSV.
    #[arg(long, requires = "layer")]
    model: Option<String>,
    #[command(flatten)]
    onnx: inputs::OnnxArgs,
    /// Layer name (its first lowered GEMM runs; random operands).
    #[arg(long, requires = "model", conflicts_with = "all_layers")]
    layer: Option<String>,
    /// Every layer of the model that runs on the array, one after another.
    #[arg(long, requires = "model")]
    all_layers: bool,
    /// Verify the core alone (array, controller, buffers, filled through its
    /// host port) instead of the IP: the GEMM must fit the buffers.
    #[arg(long)]
    core: bool,
    /// HDL simulator.
    #[arg(long, value_enum, default_value = "verilator")]
    sim: SimArg,
    /// Seed of the random operands.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also time the GEMM alone on both engines and print the ratio (pe engine:
    /// best of 3 runs; RTL: best of 3 runs doing it 20 times back to back,
    /// minus best of 3 that only load and read back the buffers, over 20).
    #[arg(long)]
    speed: bool,
    /// Working directory for stimulus, results and waveforms (kept); default:
    /// a new private folder in the temporary folder, removed after a pass.
    #[arg(long)]
    work: Option<PathBuf>,
}

/// A GEMM to verify, with its layer's name (`None` for `--gemm`).
type Named = (Option<String>, (u64, u64, u64));

/// The GEMMs to verify, with the layer names (`None` for `--gemm`); on the
/// core alone, refused (before anything is built or run) when one does not
/// fit the design's buffers.
fn gemms(a: &VerifyArgs, cfg: &Config, core: bool) -> miette::Result<Vec<Named>> {
    if a.all_layers {
        let Some(model_name) = &a.model else {
            unreachable!("clap requires --model with --all-layers")
        };
        let (model, _) = inputs::model_with(model_name, &a.onnx.options(model_name)?)?;
        let mut v = Vec::new();
        for l in model.layers() {
            if let Lowered::Gemm(g) = l.lower(1) {
                let gemm = (g.m, g.k, g.n);
                if core {
                    fit::check_layer(cfg, &model, model_name, &l.name, gemm)?;
                } else {
                    check::ipbench::image_layout(cfg, gemm)?;
                }
                v.push((Some(l.name.clone()), gemm));
            }
        }
        if v.is_empty() {
            return Err(miette::miette!(
                code = "systolic::verify::no_layers",
                help = "pick a model with conv, linear, matmul or recurrent layers",
                "model `{model_name}` has no layer that runs on the array"
            ));
        }
        return Ok(v);
    }
    let gemm = gemm_dims(a, cfg, core)?;
    if !core {
        // Refused at once when its DRAM image does not fit the testbench.
        check::ipbench::image_layout(cfg, gemm)?;
    }
    Ok(vec![(a.layer.clone(), gemm)])
}

/// The one GEMM of `--gemm` or `--layer`.
fn gemm_dims(a: &VerifyArgs, cfg: &Config, core: bool) -> miette::Result<(u64, u64, u64)> {
    if let Some(g) = &a.gemm {
        let v: Vec<u64> = g.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        let (m, k, n) = match v[..] {
            [m, k, n] if m > 0 && k > 0 && n > 0 => (m, k, n),
            _ => {
                return Err(miette::miette!(
                    code = "systolic::verify::gemm",
                    help = "write three positive integers, e.g. --gemm 64,128,32",
                    "--gemm `{g}`: expected M,K,N"
                ))
            }
        };
        if core {
            fit::check_gemm(cfg, (m, k, n))?;
        }
        return Ok((m, k, n));
    }
    let (Some(model_name), Some(layer)) = (&a.model, &a.layer) else {
        return Err(miette::miette!(
            code = "systolic::verify::what",
            help = "e.g. --gemm 64,128,32, or --model resnet18 --layer conv1",
            "say what to verify: --gemm M,K,N or --model NAME --layer LAYER"
        ));
    };
    let (model, _) = inputs::model_with(model_name, &a.onnx.options(model_name)?)?;
    let found = model.layers().find(|l| &l.name == layer).ok_or_else(|| {
        let names: Vec<&str> = model.layers().map(|l| l.name.as_str()).take(8).collect();
        miette::miette!(
            code = "systolic::verify::layer",
            help = format!("layers of this model begin: {}", names.join(", ")),
            "no layer named `{layer}`"
        )
    })?;
    match found.lower(1) {
        Lowered::Gemm(g) => {
            let gemm = (g.m, g.k, g.n);
            if core {
                fit::check_layer(cfg, &model, model_name, layer, gemm)?;
            }
            Ok(gemm)
        }
        Lowered::Vector(_) => Err(miette::miette!(
            code = "systolic::verify::vector",
            help = "pick a conv, linear, matmul or recurrent layer",
            "layer `{layer}` runs on the vector unit, not the array"
        )),
    }
}

/// Runs `systolic verify`.
pub fn run(a: VerifyArgs) -> miette::Result<()> {
    let design = inputs::design(&a.design)?;
    let cfg = Config::of(&design)?;
    let core = a.core;
    let list = gemms(&a, &cfg, core)?;
    let sim = match a.sim {
        SimArg::Verilator => Simulator::Verilator,
        SimArg::Icarus => Simulator::Icarus,
    };
    let progress = crate::progress::Stderr::new();
    let bench = if core {
        check::build(&design, sim, false, &progress)?
    } else {
        check::build_ip(&design, sim, false, &progress)?
    };
    let mut passed = 0usize;
    for (layer, (m, k, n)) in &list {
        let av = sim::engine::pe::design_operands(&design, (m * k) as usize, a.seed);
        let bv =
            sim::engine::pe::design_weights(&design, (*k as usize, *n as usize), a.seed ^ 0x5EED);
        let one = |work: &std::path::Path| {
            compare(
                &a,
                &design,
                &bench,
                core,
                (&av, &bv),
                (*m, *k, *n),
                layer.as_deref(),
                work,
                &progress,
            )
        };
        match a.work.clone() {
            Some(w) => {
                let w = match (layer, list.len()) {
                    (Some(l), n) if n > 1 => w.join(sanitize(l)),
                    _ => w,
                };
                one(&w)?
            }
            None => {
                // A private folder no one else can predict or write; removed after
                // a pass, kept (and named in the error) when there is something to see.
                let work = check::private_temp_dir("verify")?;
                let result = one(&work);
                let empty = std::fs::read_dir(&work).map_or(true, |mut d| d.next().is_none());
                if result.is_ok() || empty {
                    let _ = std::fs::remove_dir_all(&work);
                }
                result?
            }
        }
        passed += 1;
    }
    if list.len() > 1 {
        emit(&format!(
            "PASS: all {passed} array layers of the model bit-exact, cycle counts equal\n"
        ))?;
    }
    Ok(())
}

/// A layer name as one plain folder name.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

/// Writes to standard output; a failed write is an error (exit 1).
fn emit(text: &str) -> miette::Result<()> {
    crate::common::output::emit(text, None)
}

/// Runs the GEMM on both engines in `work`, prints what they did, and
/// passes or fails.
#[allow(clippy::too_many_arguments)]
fn compare(
    a: &VerifyArgs,
    design: &sim::Design,
    bench: &check::Bench,
    core: bool,
    (av, bv): (&[i64], &[i64]),
    (m, k, n): (u64, u64, u64),
    layer: Option<&str>,
    work: &std::path::Path,
    progress: &dyn hdlgen::Progress,
) -> miette::Result<()> {
    let sim = bench.sim;
    let out = if core {
        check::check(design, bench, av, bv, (m, k, n), work, progress)?
    } else {
        check::check_ip(design, bench, av, bv, (m, k, n), work, progress)?
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "design     {} ({}x{} {})",
        design.name, design.rows, design.cols, design.dataflow
    );
    if let Some(l) = layer {
        let _ = writeln!(s, "layer      {l}");
    }
    let _ = writeln!(s, "gemm       {m} x {k} x {n}, seed {}", a.seed);
    if let Some(ip) = &out.ip {
        let _ = writeln!(
            s,
            "through    the IP: {} core GEMMs (TILE_T {}, TILE_RF {}, TILE_CF {}), AXI data {} bytes, memory latency {} cycles",
            ip.pe.core_gemms,
            ip.tiles.t,
            ip.tiles.rf,
            ip.tiles.cf,
            sim::engine::ip::data_bytes(design),
            sim::engine::ip::latency(design)
        );
        let _ = writeln!(
            s,
            "counters   stall {} (simulator {}), read {} B ({}), written {} B ({})",
            ip.counters[1],
            ip.pe.stall_cycles,
            ip.counters[2],
            ip.pe.read_bytes,
            ip.counters[3],
            ip.pe.write_bytes
        );
        let _ = writeln!(
            s,
            "fast       {} cycles (the fast engine's model)",
            ip.fast.cycles
        );
    }
    let _ = writeln!(
        s,
        "simulator  {:?} (build {:.1} s, 0 = cached)",
        sim, bench.build_seconds
    );
    let _ = writeln!(
        s,
        "cycles     simulator {}  rtl {}",
        out.expected_cycles, out.rtl_cycles
    );
    let _ = writeln!(
        s,
        "time       pe engine {:.4} s, rtl {:.3} s ({:.0}x)",
        out.pe_seconds,
        out.rtl_seconds,
        out.rtl_seconds / out.pe_seconds.max(1e-9)
    );
    // A sparse array does the multiplies of the compressed K' alone.
    let kc = design.sparsity.map_or(k, |sp| sp.compressed_k(k));
    let macs = (m * kc * n) as f64;
    let pes = design.pes() as f64;
    let _ = writeln!(
        s,
        "utilization rtl {:.2}% (MACs / PEs / measured cycles), simulator {:.2}%",
        100.0 * macs / (pes * out.rtl_cycles as f64),
        100.0 * macs / (pes * out.expected_cycles as f64)
    );
    emit(&std::mem::take(&mut s))?;
    if a.speed && out.passed() && core {
        let gemm = check::Gemm {
            a: av,
            b: bv,
            dims: (m as usize, k as usize, n as usize),
        };
        let rtl = hdlgen::progress::step(progress, "timing the GEMM alone on the RTL", || {
            bench.gemm_seconds(gemm, work, 3, 20)
        })?;
        let mut pe_best = f64::INFINITY;
        for _ in 0..3 {
            let t0 = std::time::Instant::now();
            let run =
                sim::engine::pe::run(design, av, bv, m, k, n).map_err(hdlgen::HdlError::from)?;
            pe_best = pe_best.min(t0.elapsed().as_secs_f64());
            std::hint::black_box(run);
        }
        let _ = writeln!(
        s,
            "speed      GEMM alone: pe engine {:.4} s ({:.0} M PE-cycles/s), {:?} {:.4} s ({:.0} M PE-cycles/s): pe engine {:.1}x faster",
            pe_best,
            out.pe_cycles as f64 / pe_best / 1e6,
            sim,
            rtl,
            out.pe_cycles as f64 / rtl / 1e6,
            rtl / pe_best
        );
    }
    emit(&std::mem::take(&mut s))?;
    out.verdict()?;
    if out.ip.is_some() {
        let _ = writeln!(
            s,
            "PASS: {} outputs bit-exact; cycles, stall cycles and bytes equal (fast = pe = rtl)",
            m * n
        );
    } else {
        let _ = writeln!(s, "PASS: {} outputs bit-exact, cycle counts equal", m * n);
    }
    emit(&s)?;
    Ok(())
}
