//! The model's equations (docs/GPU.md): a model becomes kernels; each kernel
//! costs a launch plus the larger of its compute time at the size-dependent
//! GEMM efficiency and its DRAM time; power is idle plus the dynamic range
//! scaled by how busy the kernels keep the GPU.

use super::calibration::{Calibration, SPLIT_K_MIN_DEPTH, TILE};
use super::device::Device;
use super::{input_error, GpuEstimate, GpuPrecision, Mode};
use crate::error::Result;
use crate::train::{backward, Optimizer, Pass};
use crate::workload::{GemmOp, Lowered, Model, Op, VectorKind, VectorWork};
use serde::Serialize;

/// Which roofline term sets a kernel's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// The math at the GEMM efficiency (or the CUDA cores, for vector work).
    Compute,
    /// DRAM bandwidth.
    Memory,
}

/// One kernel (or, for a recurrent layer, its sequence of per-step kernels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KernelEstimate {
    /// The layer, with `.dx`, `.dw`, `.backward` in a training step's
    /// backward, or `optimizer`.
    pub name: String,
    /// `gemm`, `vector` or `update`.
    pub kind: &'static str,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Vector operations (elementwise work fused into a GEMM included).
    pub vector_ops: u64,
    /// DRAM bytes read and written (the roofline's minimum: each operand
    /// once, fused elementwise operands included).
    pub bytes: u64,
    /// Kernel launches: 1, or a recurrent layer's steps (run one after another).
    pub launches: u64,
    /// The GEMM efficiency applied (fraction of the dense peak), 0 for vector work.
    pub efficiency: f64,
    /// Time, s, launches included.
    pub time_s: f64,
    /// The term that sets the time.
    pub bound: Bound,
    /// How busy the kernel keeps the GPU, 0..=1: the larger of its math at
    /// the best GEMM efficiency and its bytes at the attainable bandwidth,
    /// over its time (the power model's utilization).
    pub activity: f64,
}

/// A kernel before it is timed.
#[derive(Debug, Clone)]
struct Work {
    name: String,
    kind: &'static str,
    /// GEMM shape of one launch: m, k, n and the independent GEMMs batched
    /// into it.
    gemm: Option<(u64, u64, u64, u64)>,
    macs: u64,
    vector_ops: u64,
    bytes: u64,
    launches: u64,
}

impl Work {
    fn gemm(name: String, g: &GemmOp, sequential: bool, bpe: u64) -> Work {
        let (par, launches) = if sequential {
            (1, g.count.max(1))
        } else {
            (g.count, 1)
        };
        let elements = g
            .a_unique
            .saturating_add(g.count.saturating_mul(g.k).saturating_mul(g.n))
            .saturating_add(g.count.saturating_mul(g.m).saturating_mul(g.n));
        Work {
            name,
            kind: "gemm",
            gemm: Some((g.m, g.k, g.n, par)),
            macs: g.macs(),
            vector_ops: 0,
            bytes: elements.saturating_mul(bpe),
            launches,
        }
    }

    fn vector(name: String, v: &VectorWork, bpe: u64) -> Work {
        Work {
            name,
            kind: "vector",
            gemm: None,
            macs: 0,
            vector_ops: v.ops,
            bytes: v.inputs.saturating_add(v.outputs).saturating_mul(bpe),
            launches: 1,
        }
    }
}

/// The size-dependent GEMM efficiency of one launch of `m x k x n`, `par`
/// GEMMs batched, on `sms` multiprocessors:
/// `eta_max * s / (s + tile_half) * d / (d + k_half)`. The output holds
/// `t = par m n / 128^2` tiles; when they are fewer than the
/// multiprocessors, K is split (split-K, as cuBLAS and cuDNN's weight
/// gradients do) into `splits = sms / t` slices, no shallower than
/// [`SPLIT_K_MIN_DEPTH`]; `s = t splits / sms` is the work units per
/// multiprocessor and `d = K / splits` their depth. The compute time is
/// then the work plus a tail of `tile_half` of a wave of `d`-deep tiles,
/// each tile's fill and write-back costing `k_half` of depth
/// (docs/GPU.md); it grows with every dimension, so more work never takes
/// less time.
pub fn gemm_efficiency(m: u64, k: u64, n: u64, par: u64, sms: f64, cal: &Calibration) -> f64 {
    gemm_efficiency_tiled(m, k, n, par, sms, TILE, cal)
}

/// [`gemm_efficiency`] with output tiles of `tile x tile` elements spread
/// over `units` parallel units (a CPU's cores, a GPU's multiprocessors).
pub fn gemm_efficiency_tiled(
    m: u64,
    k: u64,
    n: u64,
    par: u64,
    units: f64,
    tile: f64,
    cal: &Calibration,
) -> f64 {
    let sms = units.max(1.0);
    let k = k as f64;
    let tiles = par as f64 * m as f64 * n as f64 / (tile * tile);
    let most = (k / SPLIT_K_MIN_DEPTH).max(1.0);
    let splits = if tiles > 0.0 {
        (sms / tiles).clamp(1.0, most)
    } else {
        1.0
    };
    let s = tiles * splits / sms;
    let d = k / splits;
    cal.eta_max * s / (s + cal.tile_half) * d / (d + cal.k_half)
}

/// Rates the kernels are timed at.
struct Rates {
    /// Dense multiply-accumulates per second at the precision.
    macs_per_s: f64,
    /// Vector operations per second (the FP32 CUDA-core peak).
    vector_ops_per_s: f64,
    /// Attainable DRAM bytes per second.
    bytes_per_s: f64,
    /// Parallel units (multiprocessors, cores).
    sms: f64,
    /// Output tile edge of the GEMM library.
    tile: f64,
    /// Bytes of a launch's operands the cache holds (0: none).
    cache_bytes: f64,
}

impl Rates {
    fn new<D: Device + ?Sized>(dev: &D, peak_tops: f64, cal: &Calibration) -> Rates {
        Rates {
            macs_per_s: peak_tops * 1e12 / 2.0,
            vector_ops_per_s: dev.vector_ops_per_s(),
            bytes_per_s: dev.mem_bytes_per_s() * cal.mem_eff,
            sms: dev.units(),
            tile: dev.tile(),
            cache_bytes: dev.cache_bytes(),
        }
    }
}

fn time(w: &Work, r: &Rates, cal: &Calibration) -> KernelEstimate {
    let launches = w.launches.max(1) as f64;
    let (efficiency, compute) = match w.gemm {
        Some((m, k, n, par)) if w.macs > 0 => {
            let eta = gemm_efficiency_tiled(m, k, n, par, r.sms, r.tile, cal);
            (eta, w.macs as f64 / (r.macs_per_s * eta))
        }
        Some(_) => (0.0, 0.0),
        None => (0.0, w.vector_ops as f64 / r.vector_ops_per_s),
    };
    // Each launch reads and writes DRAM for the operand bytes beyond the
    // cache (all of them when none is modelled).
    let dram = (w.bytes as f64 - launches * r.cache_bytes).max(0.0);
    let memory = dram / r.bytes_per_s;
    let busy = compute.max(memory);
    let time_s = launches * cal.launch_s + busy;
    let ideal_math = if w.gemm.is_some() {
        w.macs as f64 / (r.macs_per_s * cal.eta_max)
    } else {
        compute
    };
    let activity = if time_s > 0.0 {
        (ideal_math.max(memory) / time_s).clamp(0.0, 1.0)
    } else {
        0.0
    };
    KernelEstimate {
        name: w.name.clone(),
        kind: w.kind,
        macs: w.macs,
        vector_ops: w.vector_ops,
        bytes: w.bytes,
        launches: w.launches,
        efficiency,
        time_s,
        bound: if compute >= memory {
            Bound::Compute
        } else {
            Bound::Memory
        },
        activity,
    }
}

/// Whether a vector layer is pointwise work a compiled runtime (TensorRT,
/// XLA, torch.compile) fuses into the kernel producing its input.
fn fusable(op: &Op) -> bool {
    matches!(
        op,
        Op::Vector {
            kind: VectorKind::Eltwise,
            ..
        }
    )
}

fn checked(class: &str, layer: &str, l: Lowered) -> Result<Lowered> {
    l.check().map_err(|e| {
        input_error(
            format!("layer `{layer}` is too large for the {class} model: {e}"),
            "use a smaller batch or model",
        )
    })?;
    Ok(l)
}

/// The forward kernels: one per GEMM layer (a recurrent layer's steps in
/// sequence), elementwise layers fused into the latest kernel among their
/// inputs' producers (their extra operands read there), other vector work
/// in kernels of its own.
fn forward(class: &str, model: &Model, batch: u64, bpe: u64) -> Result<Vec<Work>> {
    let graph = model.graph();
    let mut kernel_of: Vec<Option<usize>> = vec![None; graph.node_count()];
    let mut out: Vec<Work> = Vec::new();
    for &id in model.order() {
        let layer = &graph[id];
        match checked(class, &layer.name, layer.lower(batch))? {
            Lowered::Gemm(g) => {
                let seq = matches!(layer.op, Op::Recurrent { .. });
                out.push(Work::gemm(layer.name.clone(), &g, seq, bpe));
                kernel_of[id.index()] = Some(out.len() - 1);
            }
            Lowered::Vector(v) => {
                let producer = graph
                    .neighbors_directed(id, petgraph::Direction::Incoming)
                    .filter_map(|p| kernel_of[p.index()])
                    .max();
                match producer {
                    Some(k) if fusable(&layer.op) => {
                        let extra = v.inputs.saturating_sub(v.outputs);
                        out[k].bytes = out[k].bytes.saturating_add(extra.saturating_mul(bpe));
                        out[k].vector_ops = out[k].vector_ops.saturating_add(v.ops);
                        kernel_of[id.index()] = Some(k);
                    }
                    _ => {
                        out.push(Work::vector(layer.name.clone(), &v, bpe));
                        kernel_of[id.index()] = Some(out.len() - 1);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The backward kernels, layers in reverse order ([`crate::train::backward`]),
/// less the col2im pass of a convolution's dX; an elementwise layer's
/// backward (its derivative times the output gradient) fused, as in the
/// forward pass, into the kernel before it (the one producing that
/// gradient), which reads the saved input there.
fn backward_work(class: &str, model: &Model, batch: u64, bpe: u64) -> Result<Vec<Work>> {
    let needs = model.needs_dx();
    let layers: Vec<_> = model.layers().collect();
    let mut out: Vec<Work> = Vec::new();
    for (layer, &needs_dx) in layers.iter().zip(&needs).rev() {
        let seq = matches!(layer.op, Op::Recurrent { .. });
        let conv = matches!(layer.op, Op::Conv2d { .. });
        for (pass, lowered) in backward(layer, batch, needs_dx).0 {
            // cuDNN computes a convolution's dX as an implicit-GEMM
            // transposed convolution: there is no col2im pass to pay.
            if conv && pass == Pass::Vector {
                continue;
            }
            let suffix = match pass {
                Pass::Dx => "dx",
                Pass::Dw => "dw",
                _ => "backward",
            };
            let name = format!("{}.{suffix}", layer.name);
            match checked(class, &name, lowered)? {
                Lowered::Gemm(g) => out.push(Work::gemm(name, &g, seq, bpe)),
                Lowered::Vector(v) => match out.last_mut() {
                    Some(last) if fusable(&layer.op) => {
                        let extra = v.inputs.saturating_sub(v.outputs);
                        last.bytes = last.bytes.saturating_add(extra.saturating_mul(bpe));
                        last.vector_ops = last.vector_ops.saturating_add(v.ops);
                    }
                    _ => out.push(Work::vector(name, &v, bpe)),
                },
            }
        }
    }
    Ok(out)
}

/// The optimizer's update over `params` parameters as one fused kernel:
/// the gradient read, fp32 master weights and states read and written, and
/// the low-precision weights written when the precision is narrower than fp32.
fn update(params: u64, optimizer: Optimizer, bpe: u64) -> Work {
    let states = optimizer.states();
    let per_param = if bpe < 4 {
        2 * bpe + 8 + 8 * states
    } else {
        4 + 8 + 8 * states
    };
    Work {
        name: "optimizer".into(),
        kind: "update",
        gemm: None,
        macs: 0,
        vector_ops: params.saturating_mul(optimizer.ops()),
        bytes: params.saturating_mul(per_param),
        launches: 1,
    }
}

/// Elements a layer reads and writes at `batch` (its largest transient).
fn layer_elements(l: &Lowered) -> u64 {
    match l {
        Lowered::Gemm(g) => g
            .a_unique
            .saturating_add(g.count.saturating_mul(g.m).saturating_mul(g.n)),
        Lowered::Vector(v) => v.inputs.saturating_add(v.outputs),
    }
}

/// Time of one `m x k x n` GEMM kernel on `dev` at `precision`: the
/// launch plus the larger of its math at [`gemm_efficiency`] and its
/// operands' DRAM time; `None` when the GPU lacks the precision.
pub fn gemm_time<D: Device + ?Sized>(
    dev: &D,
    precision: GpuPrecision,
    (m, k, n): (u64, u64, u64),
    cal: &Calibration,
) -> Option<f64> {
    let peak = dev.peak_tops(precision)?;
    let rates = Rates::new(dev, peak, cal);
    let w = Work::gemm(
        "gemm".into(),
        &GemmOp::new(m, k, n),
        false,
        precision.bytes(),
    );
    Some(time(&w, &rates, cal).time_s)
}

/// Resident bytes: weights, the largest layer transient, and for training
/// the gradients, optimizer state (with fp32 master weights when narrower)
/// and every layer's input kept for backward.
fn memory_bytes(model: &Model, batch: u64, bpe: u64, mode: Mode) -> u64 {
    let params: u64 = model
        .layers()
        .fold(0u64, |s, l| s.saturating_add(l.op.params()));
    let lowered: Vec<Lowered> = model.layers().map(|l| l.lower(batch)).collect();
    let transient = lowered.iter().map(layer_elements).max().unwrap_or(0);
    let mut elements = params.saturating_add(transient);
    let mut bytes = 0u64;
    if let Mode::Training(o) = mode {
        let kept = lowered.iter().fold(0u64, |s, l| {
            s.saturating_add(match l {
                Lowered::Gemm(g) => g.a_unique,
                Lowered::Vector(v) => v.inputs,
            })
        });
        elements = elements.saturating_add(params).saturating_add(kept);
        let master = if bpe < 4 { 1 } else { 0 };
        bytes = params.saturating_mul(4 * (o.states() + master));
    }
    elements.saturating_mul(bpe).saturating_add(bytes)
}

/// [`super::estimate`] with a given calibration (the fit and its tests
/// evaluate candidates through it).
pub fn estimate_with<D: Device + ?Sized>(
    dev: &D,
    model: &Model,
    batch: u64,
    precision: GpuPrecision,
    mode: Mode,
    cal: &Calibration,
) -> Result<GpuEstimate> {
    if batch == 0 {
        return Err(input_error(
            "batch 0: a run needs at least one sample".into(),
            "give a batch of 1 or more",
        ));
    }
    if model.is_empty() {
        return Err(input_error(
            format!("model `{}` has no layers", model.name),
            "give a model with at least one layer",
        ));
    }
    let Some(peak_tops) = dev.peak_tops(precision) else {
        let have: Vec<&str> = dev.precisions().iter().map(|p| p.name()).collect();
        return Err(input_error(
            format!("{} has no {} peak", dev.full_name(), precision.name()),
            &format!("{} computes in {}", dev.name(), have.join(", ")),
        ));
    };
    if precision == GpuPrecision::Int8 && mode != Mode::Inference && !dev.trains_int8() {
        return Err(input_error(
            "int8 training is not modelled".into(),
            "train in fp16, bf16, tf32 or fp32",
        ));
    }
    let bpe = precision.bytes();
    let class = dev.class();
    let mut work = forward(class, model, batch, bpe)?;
    if let Mode::Training(o) = mode {
        work.extend(backward_work(class, model, batch, bpe)?);
        let params = model
            .layers()
            .fold(0u64, |s, l| s.saturating_add(l.op.params()));
        work.push(update(params, o, bpe));
    }
    let rates = Rates::new(dev, peak_tops, cal);
    let kernels: Vec<KernelEstimate> = work.iter().map(|w| time(w, &rates, cal)).collect();
    // The device's time; a serving loop overlaps the host's part of one
    // run with the device's work on another, so throughput and energy per
    // sample count the device's time alone (floored: a model of empty layers costs
    // nothing but must not divide by zero).
    let gpu_s = kernels.iter().map(|k| k.time_s).sum::<f64>().max(1e-15);
    let busy: f64 = kernels.iter().map(|k| k.activity * k.time_s).sum();
    let idle = dev.idle_power_w();
    let power_w = idle + (dev.tdp_w() - idle) * (busy / gpu_s).clamp(0.0, 1.0);
    let energy_j = power_w * gpu_s;
    let macs = kernels.iter().fold(0u64, |s, k| s.saturating_add(k.macs));
    let achieved_tops = 2.0 * macs as f64 / gpu_s / 1e12;
    let memory = memory_bytes(model, batch, bpe, mode);
    Ok(GpuEstimate {
        gpu: dev.name().to_string(),
        model: model.name.clone(),
        batch,
        precision,
        mode,
        latency_s: cal.run_s + gpu_s,
        host_s: cal.run_s,
        throughput_per_s: batch as f64 / gpu_s,
        energy_j,
        energy_per_sample_j: energy_j / batch as f64,
        power_w,
        macs,
        achieved_tops,
        peak_tops,
        utilization: achieved_tops / peak_tops,
        memory_bytes: memory,
        fits_memory: (memory as f64) <= dev.mem_bytes(),
        kernels,
        how: "calibrated model, not a simulation",
    })
}
