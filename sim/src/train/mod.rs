//! A training step on one chip: every layer's forward GEMM, its input
//! gradient (dX) and weight gradient (dW) GEMMs with their own shapes and
//! operand roles, each simulated cycle-exactly on the design by the same
//! engine as inference; backward vector work; the optimizer step as the
//! memory-bound traffic it is; and the memory the step holds (docs/TRAINING.md).
//!
//! Backward GEMMs of a layer whose forward is `C = A x B` (`M x K x N`):
//! - linear (`A` activations, `B` weights): dX = dY Wᵀ is `M x N x K`,
//!   dW = Xᵀ dY is `K x M x N`;
//! - convolution (im2col `M = N·P·Q`, `K = C/g·R·S`, `N = K_out/g`, per
//!   group): dX as the transposed convolution in col2im form, the GEMM
//!   `dY W_gᵀ` (`M x N x K`) and the overlap-add of its columns into dX on
//!   the vector unit; dW = im2col(X)ᵀ dY (`K x M x N`: the N·P·Q reduction);
//! - attention product (both operands activations): dA = dC Bᵀ (`M x N x K`)
//!   and dB = Aᵀ dC (`K x M x N`), both gradients of activations;
//! - recurrent layers, backpropagation through time: per step the gate
//!   gradients times the weights (`B x 4H x (I + H)` for an LSTM; only the
//!   hidden part `B x 4H x H` when the input needs no gradient; the first
//!   step's only to the input, the initial hidden state being the constant
//!   zero), and dW for all steps in one GEMM (`(I + H) x B·T x 4H`).
//!
//! A layer gets no dX when its input requires no gradient, as autograd
//! decides ([`crate::workload::Model::needs_dx`]), so step MACs are
//! `3 x forward - skipped dX`.

use crate::design::Design;
use crate::energy::EnergyBreakdown;
use crate::engine::{Engine, GemmStats};
use crate::error::{InputError, Result};
use crate::report::{Counts, LayerReport, ModelReport};
use crate::simulate::{check_layer, lowered_counts, Prices};
use crate::workload::{GemmOp, Layer, Lowered, Model, Op, VectorKind, VectorWork};
use serde::Serialize;

pub mod check;
pub mod scale;

/// The optimizer whose step is costed (and whose state is held).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// `w -= lr g`: no state.
    Sgd,
    /// `v = mu v + g; w -= lr v`: one fp32 state per parameter.
    Momentum,
    /// Adam: two fp32 moments per parameter.
    Adam,
}

impl Optimizer {
    /// fp32 state values per parameter.
    pub fn states(self) -> u64 {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum => 1,
            Optimizer::Adam => 2,
        }
    }

    /// Vector operations per parameter of one step: SGD a multiply and a
    /// subtract; momentum two more (scale and add); Adam the two moment
    /// updates (4), their bias corrections (2), a square root, an add of
    /// epsilon, a divide and the scaled subtract (4): 12.
    pub fn ops(self) -> u64 {
        match self {
            Optimizer::Sgd => 2,
            Optimizer::Momentum => 4,
            Optimizer::Adam => 12,
        }
    }

    /// Its name: `sgd`, `momentum`, `adam`.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum => "momentum",
            Optimizer::Adam => "adam",
        }
    }

    /// Parses `sgd`, `momentum` or `adam`.
    pub fn parse(s: &str) -> Option<Optimizer> {
        match s {
            "sgd" => Some(Optimizer::Sgd),
            "momentum" => Some(Optimizer::Momentum),
            "adam" => Some(Optimizer::Adam),
            _ => None,
        }
    }
}

/// Which activations are recomputed in backward instead of kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recompute {
    /// Every layer's input is kept from forward to backward.
    None,
    /// Checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear
    /// Memory Cost"): the inputs of every ceil(sqrt L)-th layer are kept,
    /// each segment is recomputed once in backward (one more forward pass).
    All,
    /// Selective (Korthikanti et al. 2022, "Reducing Activation
    /// Recomputation in Large Transformer Models"): the vector-unit layers'
    /// inputs (softmax, activations, norms, pools: large and cheap to
    /// recompute) are dropped and recomputed; GEMM inputs are kept.
    Selective,
}

impl Recompute {
    /// Its name: `none`, `all`, `selective`.
    pub fn name(self) -> &'static str {
        match self {
            Recompute::None => "none",
            Recompute::All => "all",
            Recompute::Selective => "selective",
        }
    }

    /// Parses `none`, `all` or `selective`.
    pub fn parse(s: &str) -> Option<Recompute> {
        match s {
            "none" => Some(Recompute::None),
            "all" => Some(Recompute::All),
            "selective" => Some(Recompute::Selective),
            _ => None,
        }
    }
}

/// How to train.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Samples per step on this chip.
    pub batch: u64,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// Keep an fp32 master copy of the weights (mixed precision) when the
    /// design's operands are narrower.
    pub master_fp32: bool,
    /// Activation recomputation.
    pub recompute: Recompute,
}

/// What a row of the step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pass {
    /// The forward GEMM or vector work.
    Forward,
    /// Forward work done again in backward (recomputation).
    Recompute,
    /// Input gradient.
    Dx,
    /// Weight gradient.
    Dw,
    /// Backward vector work (activation, norm, softmax, pool derivatives;
    /// col2im overlap-add).
    Vector,
    /// The optimizer step.
    Update,
}

impl Pass {
    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Pass::Forward => "forward",
            Pass::Recompute => "recompute",
            Pass::Dx => "dx",
            Pass::Dw => "dw",
            Pass::Vector => "vector",
            Pass::Update => "update",
        }
    }

    /// The phase it belongs to.
    pub fn phase(self) -> Phase {
        match self {
            Pass::Forward => Phase::Forward,
            Pass::Update => Phase::Update,
            _ => Phase::Backward,
        }
    }
}

/// Forward, backward (with recomputation), update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Forward pass.
    Forward,
    /// Backward pass.
    Backward,
    /// Optimizer step.
    Update,
}

/// One row of a step: a layer's pass, simulated.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    /// The pass.
    pub pass: Pass,
    /// The layer (or `optimizer`).
    pub layer: String,
    /// Its figures (name `layer.pass`).
    pub report: LayerReport,
}

/// A phase's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PhaseTotals {
    /// Multiply-accumulates on the array.
    pub macs: u64,
    /// Cycles (compute and stalls).
    pub cycles: u64,
    /// Energy, pJ.
    pub energy_pj: f64,
    /// DRAM bytes read and written.
    pub dram_bytes: u64,
}

/// Bytes a step holds on one chip.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Memory {
    /// Trainable parameters.
    pub params: u64,
    /// Weights at operand precision.
    pub weights: u64,
    /// Gradients at operand precision.
    pub gradients: u64,
    /// fp32 master weights (mixed precision) and optimizer states.
    pub optimizer: u64,
    /// Activations kept for backward (at the step's batch).
    pub activations: u64,
    /// The largest transient of one layer's backward (its output gradient
    /// and input gradient at once).
    pub workspace: u64,
    /// Peak over the step: the sum of the above.
    pub peak: u64,
    /// Bytes that do not grow with the batch (weights, gradients, optimizer).
    pub fixed: u64,
    /// Bytes per sample (activations and workspace at batch 1).
    pub per_sample: u64,
}

/// A simulated training step.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Model name.
    pub model: String,
    /// Samples in the step.
    pub batch: u64,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// Recomputation.
    pub recompute: Recompute,
    /// Every row in the order it runs: forward in layer order, then
    /// backward in reverse layer order, then the update.
    pub rows: Vec<StepRow>,
    /// Totals per phase and over the step.
    pub forward: PhaseTotals,
    /// Backward, recomputation included.
    pub backward: PhaseTotals,
    /// Optimizer step.
    pub update: PhaseTotals,
    /// The whole step.
    pub total: PhaseTotals,
    /// Layers without dX and the MACs they would have cost.
    pub skipped_dx: Vec<(String, u64)>,
    /// Memory.
    pub memory: Memory,
    /// For each layer with weights, in backward order: the backward cycle
    /// its dW finishes at (from the start of backward) and its gradient
    /// bytes (what data-parallel training all-reduces).
    pub gradients_ready: Vec<(u64, u64)>,
}

/// Backward vector operations per output element: an activation's
/// derivative costs what the activation does; softmax
/// `dx = y (dy - sum(dy y))` 4; layer norm (dx from dy, the normalized
/// input and two row sums; dγ, dβ) 9; a pool routes each output gradient
/// to its window (one operation per input element).
fn backward_vector(op: &Op, batch: u64) -> Option<VectorWork> {
    let Op::Vector {
        kind,
        elements,
        ops_per_element,
        inputs,
    } = *op
    else {
        return None;
    };
    let (e, i) = (elements.saturating_mul(batch), inputs.saturating_mul(batch));
    let ops = match kind {
        VectorKind::Eltwise => e.saturating_mul(ops_per_element),
        VectorKind::Softmax => e.saturating_mul(4),
        VectorKind::Layernorm => e.saturating_mul(9),
        VectorKind::Pool => i,
    };
    Some(VectorWork {
        ops,
        // The output gradient and the saved input.
        inputs: e.saturating_add(i),
        outputs: i,
    })
}

/// The backward work of `layer` at `batch`: (pass, lowered) in the order it
/// runs, and the dX MACs skipped when `needs_dx` is false.
pub fn backward(layer: &Layer, batch: u64, needs_dx: bool) -> (Vec<(Pass, Lowered)>, u64) {
    let b = batch.saturating_mul(layer.batch);
    let mut out = Vec::new();
    let mut skipped = 0u64;
    let gemm = |m: u64, k: u64, n: u64, count: u64, a_unique: u64| {
        Lowered::Gemm(GemmOp {
            m,
            k,
            n,
            count,
            a_unique: a_unique.min(m.saturating_mul(k)),
            b_weights: false,
        })
    };
    let forward = layer.lower(batch);
    match (&layer.op, forward) {
        (Op::Vector { .. }, _) => {
            if needs_dx || layer.op.has_params() {
                if let Some(v) = backward_vector(&layer.op, b) {
                    out.push((Pass::Vector, Lowered::Vector(v)));
                }
            }
        }
        (
            Op::Recurrent {
                cell,
                input_size,
                hidden_size,
                steps,
            },
            Lowered::Gemm(_),
        ) => {
            let (g, i, h, t) = (cell.gates(), *input_size, *hidden_size, *steps);
            let gh = g.saturating_mul(h);
            // Steps after the first pass the gradient to the previous hidden
            // state (and to the input when it needs one); the first step's
            // hidden state is the constant zero state, which needs none.
            let n = if needs_dx { i.saturating_add(h) } else { h };
            let skip_h0 = b.saturating_mul(gh).saturating_mul(h);
            skipped = if needs_dx {
                skip_h0
            } else {
                b.saturating_mul(gh)
                    .saturating_mul(i)
                    .saturating_mul(t)
                    .saturating_add(skip_h0)
            };
            if t > 1 {
                out.push((Pass::Dx, gemm(b, gh, n, t - 1, b.saturating_mul(gh))));
            }
            if needs_dx && t > 0 {
                out.push((Pass::Dx, gemm(b, gh, i, 1, b.saturating_mul(gh))));
            }
            let bt = b.saturating_mul(t);
            out.push((
                Pass::Dw,
                gemm(
                    i.saturating_add(h),
                    bt,
                    gh,
                    1,
                    bt.saturating_mul(i.saturating_add(h)),
                ),
            ));
        }
        (
            Op::Conv2d {
                in_c, in_h, in_w, ..
            },
            Lowered::Gemm(f),
        ) => {
            let input = b
                .saturating_mul(*in_c)
                .saturating_mul(*in_h)
                .saturating_mul(*in_w);
            if needs_dx {
                out.push((
                    Pass::Dx,
                    gemm(f.m, f.n, f.k, f.count, f.m.saturating_mul(f.n)),
                ));
                // col2im: every column element added into dX.
                let cols = f.m.saturating_mul(f.k).saturating_mul(f.count);
                out.push((
                    Pass::Vector,
                    Lowered::Vector(VectorWork {
                        ops: cols,
                        inputs: cols,
                        outputs: input,
                    }),
                ));
            } else {
                skipped = f.macs_total();
            }
            let per_group = input / f.count.max(1);
            out.push((Pass::Dw, gemm(f.k, f.m, f.n, f.count, per_group)));
        }
        (Op::MatMul { .. }, Lowered::Gemm(f)) => {
            // Both operands are activations: both gradients are dX.
            if needs_dx {
                out.push((
                    Pass::Dx,
                    gemm(f.m, f.n, f.k, f.count, f.m.saturating_mul(f.n)),
                ));
                out.push((
                    Pass::Dx,
                    gemm(f.k, f.m, f.n, f.count, f.k.saturating_mul(f.m)),
                ));
            } else {
                skipped = f.macs_total().saturating_mul(2);
            }
        }
        (_, Lowered::Gemm(f)) => {
            // Linear and plain GEMMs: A activations, B weights.
            if needs_dx {
                out.push((
                    Pass::Dx,
                    gemm(f.m, f.n, f.k, f.count, f.m.saturating_mul(f.n)),
                ));
            } else {
                skipped = f.macs_total();
            }
            out.push((
                Pass::Dw,
                gemm(f.k, f.m, f.n, f.count, f.k.saturating_mul(f.m)),
            ));
        }
        (_, Lowered::Vector(_)) => {}
    }
    (out, skipped)
}

/// Activation elements `layer` keeps for its backward at `batch`: its
/// inputs (a GEMM's A; both operands of an attention product; a recurrent
/// layer's inputs, hidden states and gate values of every step).
fn saved_elements(layer: &Layer, batch: u64) -> u64 {
    let b = batch.saturating_mul(layer.batch);
    match layer.op {
        Op::Conv2d {
            in_c, in_h, in_w, ..
        } => b
            .saturating_mul(in_c)
            .saturating_mul(in_h)
            .saturating_mul(in_w),
        Op::Linear {
            tokens,
            in_features,
            ..
        } => b.saturating_mul(tokens).saturating_mul(in_features),
        Op::Gemm { m, k, .. } => b.saturating_mul(m).saturating_mul(k),
        Op::MatMul { count, m, k, n } => b
            .saturating_mul(count)
            .saturating_mul(m.saturating_mul(k).saturating_add(k.saturating_mul(n))),
        Op::Recurrent {
            cell,
            input_size,
            hidden_size,
            steps,
        } => b
            .saturating_mul(steps)
            .saturating_mul(input_size + hidden_size + cell.gates().saturating_mul(hidden_size)),
        Op::Vector { inputs, .. } => b.saturating_mul(inputs),
    }
}

/// Output elements of `layer` at `batch` (what its output gradient holds).
fn output_elements(layer: &Layer, batch: u64) -> u64 {
    match layer.lower(batch) {
        Lowered::Gemm(g) => g.m.saturating_mul(g.n).saturating_mul(g.count),
        Lowered::Vector(v) => v.outputs,
    }
}

impl GemmOp {
    /// MACs of all `count` GEMMs (saturating).
    pub fn macs_total(&self) -> u64 {
        self.m
            .saturating_mul(self.k)
            .saturating_mul(self.n)
            .saturating_mul(self.count)
    }
}

/// The optimizer step over `params` parameters: each parameter's
/// gradient, master weight and states read and written back (plus the
/// operand-precision weight copy under mixed precision), on the vector unit
/// and DRAM, whichever takes longer.
fn update_counts(design: &Design, params: u64, opts: &TrainOptions) -> Counts {
    let wb = design.operand.bytes();
    let mixed = opts.master_fp32 && wb < 4;
    let master = if mixed { 4 } else { wb };
    let states = opts.optimizer.states() * 4;
    let read = params.saturating_mul(wb + master + states);
    let write = params.saturating_mul(master + states + if mixed { wb } else { 0 });
    let ops = params.saturating_mul(opts.optimizer.ops());
    let compute = ops.div_ceil(u64::from(design.vector_lanes));
    let moved = read.saturating_add(write);
    let memory = if moved == 0 {
        0
    } else {
        (moved as f64 / design.dram_bandwidth).ceil() as u64 + u64::from(design.dram_latency)
    };
    let mut g = GemmStats {
        compute_cycles: compute,
        stall_cycles: memory.saturating_sub(compute),
        ..GemmStats::default()
    };
    g.traffic.dram_ifmap_bytes = read;
    g.traffic.dram_ofmap_bytes = write;
    Counts {
        gemm: g,
        vector_ops: ops,
        energy: EnergyBreakdown {
            vector: ops as f64 * design.energy.vector_op_pj,
            dram: (read as f64 * design.energy.dram_read_pj_per_bit
                + write as f64 * design.energy.dram_write_pj_per_bit)
                * 8.0,
            ..EnergyBreakdown::default()
        },
    }
}

fn totals(rows: &[&StepRow]) -> PhaseTotals {
    let mut t = PhaseTotals::default();
    for r in rows {
        let l = &r.report;
        t.macs = t.macs.saturating_add(l.macs);
        t.cycles = t.cycles.saturating_add(l.total_cycles);
        t.energy_pj += l.energy_total_pj;
        t.dram_bytes = t
            .dram_bytes
            .saturating_add(l.dram_read_bytes)
            .saturating_add(l.dram_write_bytes);
    }
    t
}

/// Simulates one training step of `model` on `design`.
pub fn step(
    design: &Design,
    model: &Model,
    engine: &dyn Engine,
    opts: &TrainOptions,
) -> Result<Step> {
    if opts.batch == 0 {
        return Err(InputError::new(
            "systolic::train::batch",
            "<command line>",
            "the batch size must be at least 1",
        )
        .field("--batch")
        .into());
    }
    let prices = Prices::of(design);
    let needs = model.needs_dx();
    let layers: Vec<&Layer> = model.layers().collect();
    let mut rows = Vec::new();
    let row = |layer: &str, pass: Pass, lowered: &Lowered, kind: &str| -> Result<StepRow> {
        let name = format!("{layer}.{}", pass.name());
        check_layer(lowered, &model.name, &name, opts.batch)?;
        let counts = lowered_counts(design, &prices, lowered, engine)?;
        let (unit, gemms, shape) = match lowered {
            Lowered::Gemm(g) => ("array", g.count, (g.m, g.k, g.n)),
            Lowered::Vector(_) => ("vector", 0, (0, 0, 0)),
        };
        Ok(StepRow {
            pass,
            layer: layer.to_string(),
            report: LayerReport::new(design, &name, kind, unit, gemms, shape, &counts),
        })
    };
    for l in &layers {
        let lowered = l.lower(opts.batch);
        rows.push(row(&l.name, Pass::Forward, &lowered, l.op.kind())?);
    }
    // The loss over the last layer's outputs (cross-entropy: a log, a
    // multiply by the label, a sum and a mean, 4 operations per output;
    // its gradient fused with the last activation's, `p - y`, 2), read with
    // the labels.
    let outputs = layers.last().map_or(0, |l| output_elements(l, opts.batch));
    let loss = |ops: u64, inputs: u64| {
        Lowered::Vector(VectorWork {
            ops: outputs.saturating_mul(ops),
            inputs: outputs.saturating_mul(inputs),
            outputs,
        })
    };
    if outputs > 0 {
        rows.push(row("loss", Pass::Forward, &loss(4, 1), "loss")?);
    }
    // Recomputation runs in backward.
    let recomputed: Vec<usize> = match opts.recompute {
        Recompute::None => Vec::new(),
        Recompute::All => (0..layers.len()).collect(),
        Recompute::Selective => (0..layers.len())
            .filter(|&i| matches!(layers[i].op, Op::Vector { .. }))
            .collect(),
    };
    for &i in &recomputed {
        let l = layers[i];
        rows.push(row(
            &l.name,
            Pass::Recompute,
            &l.lower(opts.batch),
            l.op.kind(),
        )?);
    }
    let mut skipped_dx = Vec::new();
    let mut gradients_ready = Vec::new();
    let mut backward_cycles: u64 = rows
        .iter()
        .filter(|r| r.pass == Pass::Recompute)
        .map(|r| r.report.total_cycles)
        .sum();
    let grad_bytes = design.operand.bytes();
    if outputs > 0 {
        let r = row("loss", Pass::Vector, &loss(2, 2), "loss")?;
        backward_cycles = backward_cycles.saturating_add(r.report.total_cycles);
        rows.push(r);
    }
    for (i, l) in layers.iter().enumerate().rev() {
        let (work, skipped) = backward(l, opts.batch, needs[i]);
        if skipped > 0 {
            skipped_dx.push((l.name.clone(), skipped));
        }
        for (pass, lowered) in work {
            let r = row(&l.name, pass, &lowered, l.op.kind())?;
            backward_cycles = backward_cycles.saturating_add(r.report.total_cycles);
            if pass == Pass::Dw {
                gradients_ready.push((backward_cycles, l.op.params().saturating_mul(grad_bytes)));
            }
            rows.push(r);
        }
    }
    let params: u64 = layers
        .iter()
        .map(|l| l.op.params())
        .fold(0, u64::saturating_add);
    let update = update_counts(design, params, opts);
    rows.push(StepRow {
        pass: Pass::Update,
        layer: "optimizer".into(),
        report: LayerReport::new(
            design,
            "optimizer.update",
            "optimizer",
            "vector",
            0,
            (0, 0, 0),
            &update,
        ),
    });
    let of = |p: Phase| {
        totals(
            &rows
                .iter()
                .filter(|r| r.pass.phase() == p)
                .collect::<Vec<_>>(),
        )
    };
    let (forward, backward_t, update_t) =
        (of(Phase::Forward), of(Phase::Backward), of(Phase::Update));
    let total = totals(&rows.iter().collect::<Vec<_>>());
    let memory = memory(design, &layers, opts, params);
    Ok(Step {
        model: model.name.clone(),
        batch: opts.batch,
        optimizer: opts.optimizer,
        recompute: opts.recompute,
        rows,
        forward,
        backward: backward_t,
        update: update_t,
        total,
        skipped_dx,
        memory,
        gradients_ready,
    })
}

/// The step's memory on one chip.
fn memory(design: &Design, layers: &[&Layer], opts: &TrainOptions, params: u64) -> Memory {
    let wb = design.operand.bytes();
    let at = |batch: u64| -> (u64, u64) {
        let saved: Vec<u64> = layers.iter().map(|l| saved_elements(l, batch)).collect();
        let kept: u64 = match opts.recompute {
            Recompute::None => saved.iter().sum(),
            Recompute::Selective => layers
                .iter()
                .zip(&saved)
                .filter(|(l, _)| !matches!(l.op, Op::Vector { .. }))
                .map(|(_, s)| s)
                .sum(),
            Recompute::All => {
                // Checkpoints every k layers, plus one segment live again.
                let k = (layers.len() as f64).sqrt().ceil().max(1.0) as usize;
                let checkpoints: u64 = saved.iter().step_by(k).sum();
                let segment = saved
                    .chunks(k)
                    .map(|c| c.iter().sum::<u64>())
                    .max()
                    .unwrap_or(0);
                checkpoints.saturating_add(segment)
            }
        };
        let work = layers
            .iter()
            .zip(&saved)
            .map(|(l, s)| output_elements(l, batch).saturating_add(*s))
            .max()
            .unwrap_or(0);
        (kept.saturating_mul(wb), work.saturating_mul(wb))
    };
    let (activations, workspace) = at(opts.batch);
    let (a1, w1) = at(1);
    let per_param = scale::state_bytes(design, opts);
    let weights = params.saturating_mul(per_param.weights);
    let gradients = params.saturating_mul(per_param.grads);
    let optimizer = params.saturating_mul(per_param.optimizer);
    let fixed = weights.saturating_add(gradients).saturating_add(optimizer);
    Memory {
        params,
        weights,
        gradients,
        optimizer,
        activations,
        workspace,
        peak: fixed.saturating_add(activations).saturating_add(workspace),
        fixed,
        per_sample: a1.saturating_add(w1),
    }
}

impl Memory {
    /// The largest batch whose peak fits `capacity` bytes (memory grows
    /// linearly with the batch); 0 when not even one sample fits.
    pub fn largest_batch(&self, capacity: u64) -> u64 {
        if self.per_sample == 0 {
            return if self.fixed <= capacity { u64::MAX } else { 0 };
        }
        capacity.saturating_sub(self.fixed) / self.per_sample
    }
}

impl Step {
    /// The rows of one phase as a model report (per-row figures and totals,
    /// as `sim` reports a model).
    pub fn report(
        &self,
        design: &Design,
        timing: &str,
        phase: Option<Phase>,
    ) -> Option<ModelReport> {
        let rows = self
            .rows
            .iter()
            .filter(|r| phase.is_none_or(|p| r.pass.phase() == p))
            .map(|r| r.report.clone())
            .collect();
        ModelReport::new(design, &self.model, timing, self.batch, rows)
    }
}
