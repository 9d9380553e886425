//! Runs a model on a design: lowers each layer, runs its GEMMs on an engine
//! (or its vector work on the vector unit), and prices the actions in energy.

use crate::design::Design;
use crate::energy::{Buffer, EnergyBreakdown};
use crate::engine::TimingMode;
use crate::engine::{Engine, GemmStats};
use crate::error::{InputError, Result};
use crate::report::{Counts, LayerReport, ModelReport};
use crate::workload::{ConvRule, GemmOp, Layer, Lowered, Model, VectorWork};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Batch size (>= 1).
    pub batch: u64,
    /// Layer-name patterns (`*` matches any run of characters); empty = all.
    pub layers: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            batch: 1,
            layers: Vec::new(),
        }
    }
}

/// Simulates `model` on `design` with `engine`.
pub fn simulate(
    design: &Design,
    model: &Model,
    engine: &dyn Engine,
    opts: &RunOptions,
) -> Result<ModelReport> {
    if opts.batch == 0 {
        return Err(InputError::new(
            "systolic::cli::batch",
            "<command line>",
            "the batch size must be at least 1",
        )
        .field("--batch")
        .into());
    }
    for p in &opts.layers {
        if !model.layers().any(|l| glob(p, &l.name)) {
            let names: Vec<&str> = model.layers().map(|l| l.name.as_str()).take(12).collect();
            return Err(InputError::new(
                "systolic::cli::layer",
                "<command line>",
                format!("no layer of `{}` matches `{p}`", model.name),
            )
            .field("--layer")
            .hint(format!(
                "layers are named like: {}{}",
                names.join(", "),
                if model.len() > 12 { ", ..." } else { "" }
            ))
            .into());
        }
    }
    let prices = Prices::of(design);
    let rows = model
        .layers()
        .filter(|l| opts.layers.is_empty() || opts.layers.iter().any(|p| glob(p, &l.name)))
        .map(|l| layer_report(design, &prices, &model.name, l, engine, opts.batch))
        .collect::<Result<Vec<_>>>()?;
    ModelReport::new(
        design,
        &model.name,
        engine.timing().name(),
        opts.batch,
        rows,
    )
    .ok_or_else(|| too_large(&format!("the totals of `{}`", model.name)))
}

/// Simulates one layer.
pub fn run_layer(
    design: &Design,
    layer: &Layer,
    engine: &dyn Engine,
    batch: u64,
) -> Result<LayerReport> {
    layer_report(
        design,
        &Prices::of(design),
        "(one layer)",
        layer,
        engine,
        batch,
    )
}

/// The lowering rule of a timing mode: `scalesim` counts convolution outputs
/// as SCALE-Sim does.
pub fn conv_rule(mode: TimingMode) -> ConvRule {
    match mode {
        TimingMode::Rtl | TimingMode::Ip => ConvRule::Exact,
        TimingMode::Scalesim => ConvRule::Scalesim,
    }
}

fn layer_report(
    design: &Design,
    prices: &Prices,
    model: &str,
    layer: &Layer,
    engine: &dyn Engine,
    batch: u64,
) -> Result<LayerReport> {
    let kind = layer.op.kind();
    let lowered = layer.lower_as(batch, conv_rule(engine.timing()));
    check_layer(&lowered, model, &layer.name, batch)?;
    let counts = lowered_counts(design, prices, &lowered, engine)?;
    let (unit, gemms, shape) = match lowered {
        Lowered::Gemm(g) => ("array", g.count, (g.m, g.k, g.n)),
        Lowered::Vector(_) => ("vector", 0, (0, 0, 0)),
    };
    Ok(LayerReport::new(
        design,
        &layer.name,
        kind,
        unit,
        gemms,
        shape,
        &counts,
    ))
}

/// Checks that `lowered` (layer `name` of `model` at `batch`) is within the
/// bounds where every count is exact ([`Lowered::check`]).
pub fn check_layer(lowered: &Lowered, model: &str, name: &str, batch: u64) -> Result<()> {
    lowered.check().map_err(|why| {
        InputError::new(
            "systolic::model::too_large",
            format!("model {model}"),
            format!("layer `{name}` at batch {batch}: {why}"),
        )
        .hint("systolic simulates layers of up to 2^48 multiply-accumulates per GEMM and 2^56 per layer exactly (docs/SECURITY.md, \"Limits\"); use a smaller batch or split the layer")
        .into()
    })
}

/// The counts of one lowered layer: its GEMMs on `engine` (a layer's `count`
/// identical GEMMs are run once and scaled) or its vector work, priced in
/// energy. Sweeps call this directly on layers lowered once per model.
pub fn lowered_counts(
    design: &Design,
    prices: &Prices,
    lowered: &Lowered,
    engine: &dyn Engine,
) -> Result<Counts> {
    Ok(match lowered {
        Lowered::Gemm(g) => {
            let one = if g.m * g.k * g.n == 0 {
                GemmStats::default()
            } else {
                engine.run_gemm(design, g)?
            };
            let stats = scale(&one, g.count).ok_or_else(|| too_large("a layer's GEMMs"))?;
            Counts {
                gemm: stats,
                vector_ops: 0,
                energy: prices.gemm_energy(&stats),
            }
        }
        Lowered::Vector(v) => {
            let (stats, energy) = vector(design, v);
            Counts {
                gemm: stats,
                vector_ops: v.ops,
                energy,
            }
        }
    })
}

/// `count` back-to-back runs of the same GEMM shape; `None` when a count
/// would pass 2^64.
fn scale(s: &GemmStats, count: u64) -> Option<GemmStats> {
    let t = &s.traffic;
    let x = |v: u64| v.checked_mul(count);
    let mut o = *s;
    o.macs = x(s.macs)?;
    o.folds = x(s.folds)?;
    o.pe_slots = x(s.pe_slots)?;
    o.compute_cycles = x(s.compute_cycles)?;
    o.stall_cycles = x(s.stall_cycles)?;
    o.reg_bits = x(s.reg_bits)?;
    let u = &mut o.traffic;
    u.ifmap_reads = x(t.ifmap_reads)?;
    u.filter_reads = x(t.filter_reads)?;
    u.ofmap_reads = x(t.ofmap_reads)?;
    u.ofmap_writes = x(t.ofmap_writes)?;
    u.ifmap_fills = x(t.ifmap_fills)?;
    u.filter_fills = x(t.filter_fills)?;
    u.dram_ifmap_bytes = x(t.dram_ifmap_bytes)?;
    u.dram_filter_bytes = x(t.dram_filter_bytes)?;
    u.filter_index_bits = x(t.filter_index_bits)?;
    u.dram_ofmap_bytes = x(t.dram_ofmap_bytes)?;
    o.total_cycles_checked()?;
    Some(o)
}

/// The error for counts that pass 2^64.
pub fn too_large(what: &str) -> crate::error::SimError {
    InputError::new(
        "systolic::model::too_large",
        "<model>",
        format!("{what}: a count (cycles, bytes or operations) passes 2^64"),
    )
    .hint(
        "use a smaller batch or model, or a larger or faster design (docs/SECURITY.md, \"Limits\")",
    )
    .into()
}

/// Energy of a layer's GEMMs: action counts x per-action energies. SRAM
/// reads and writes are priced separately (fills from DRAM are writes), as
/// are DRAM reads (operands) and writes (outputs).
pub fn gemm_energy(design: &Design, s: &GemmStats) -> EnergyBreakdown {
    Prices::of(design).gemm_energy(s)
}

/// A design's per-action energies as [`gemm_energy`] multiplies them (pJ per
/// MAC, register bit, SRAM read and write of each buffer's word, DRAM bit),
/// resolved once per design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    mac: f64,
    reg_bit: f64,
    /// (read, write) of one word of each buffer, in [`Buffer::ALL`] order.
    sram: [(f64, f64); 3],
    dram_read_bit: f64,
    dram_write_bit: f64,
    /// Bits of one filter SRAM word (the operand's).
    filter_word_bits: f64,
    /// A sparse PE's M-to-1 selection per MAC (0 in a dense design).
    select: f64,
}

/// The energy of a sparse PE's M-to-1 activation selection per MAC:
/// `(M - 1) x operand bits` 2:1 multiplexer bits (the energy table's
/// `[mux]`); `None` for a dense design or a table without `[mux]`.
pub fn select_pj(design: &Design) -> Option<f64> {
    let sp = design.sparsity?;
    let bits = f64::from(sp.m - 1) * f64::from(design.operand.bits());
    design.energy.mux_pj_per_bit.map(|e| e * bits)
}

/// A zero-gating design's energy on real operands (`systolic gemm`,
/// `infer`): the data-independent estimate less what its gated
/// multiply-adds (those with a zero operand) save.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ZeroGated {
    /// Multiply-adds the array did with a zero operand (gated).
    pub gated_macs: u64,
    /// Multiply-adds the array did.
    pub macs: u64,
    /// A gated MAC's energy over a MAC's (the table's `[gating]`).
    pub mac_fraction: f64,
    /// The estimate that does not look at the data (pJ).
    pub data_independent_pj: f64,
    /// With these operands (pJ).
    pub data_dependent_pj: f64,
}

impl ZeroGated {
    /// `design`'s gating of `zero` of `macs` multiply-adds in a run whose
    /// data-independent energy is `energy_pj`: `None` unless the design
    /// sets `zero_gating`, `Err` (saying why) when its energy table has no
    /// `[gating]`.
    pub fn of(
        design: &Design,
        (macs, zero): (u64, u64),
        energy_pj: f64,
    ) -> Option<Result<ZeroGated, String>> {
        if !design.zero_gating {
            return None;
        }
        let Some(f) = design.energy.gated_mac_fraction else {
            return Some(Err(format!(
                "zero gating is not counted: energy table `{}` has no [gating] row",
                design.energy.table
            )));
        };
        let saved = zero as f64 * design.energy.mac_pj * (1.0 - f);
        Some(Ok(ZeroGated {
            gated_macs: zero,
            macs,
            mac_fraction: f,
            data_independent_pj: energy_pj,
            data_dependent_pj: energy_pj - saved,
        }))
    }

    /// One line for a report.
    pub fn line(&self) -> String {
        format!(
            "zero gating: {} of {} multiply-adds gated (each {:.1}% of a MAC's energy): {:.3} uJ with these operands, {:.3} uJ data-independent ({:.1}% less)\n",
            self.gated_macs,
            self.macs,
            100.0 * self.mac_fraction,
            self.data_dependent_pj / 1e6,
            self.data_independent_pj / 1e6,
            100.0 * (1.0 - self.data_dependent_pj / self.data_independent_pj.max(f64::MIN_POSITIVE))
        )
    }
}

impl Prices {
    /// The prices of `design`.
    pub fn of(design: &Design) -> Prices {
        let e = &design.energy;
        let op_bits = design.operand.bits();
        let acc_bits = design.accumulator.bits();
        let word = |buf, bytes, bits| {
            (
                e.sram_pj(buf, bytes, bits, false),
                e.sram_pj(buf, bytes, bits, true),
            )
        };
        Prices {
            mac: e.mac_pj,
            reg_bit: e.reg_pj_per_bit,
            sram: [
                word(Buffer::Ifmap, design.ifmap_sram_bytes, op_bits),
                word(Buffer::Filter, design.filter_sram_bytes, op_bits),
                word(Buffer::Ofmap, design.ofmap_sram_bytes, acc_bits),
            ],
            dram_read_bit: e.dram_read_pj_per_bit,
            dram_write_bit: e.dram_write_pj_per_bit,
            filter_word_bits: f64::from(op_bits),
            select: select_pj(design).unwrap_or(0.0),
        }
    }

    /// Energy of GEMM statistics `s` (see [`gemm_energy`]).
    pub fn gemm_energy(&self, s: &GemmStats) -> EnergyBreakdown {
        let t = &s.traffic;
        let sram = |buf: Buffer, reads: u64, writes: u64| {
            let (r, w) = self.sram[buf as usize];
            reads as f64 * r + writes as f64 * w
        };
        EnergyBreakdown {
            // A GEMM run sparse (its weights' index bits read) selects each
            // MAC's activation among M.
            mac: s.macs as f64
                * (self.mac
                    + if t.filter_index_bits > 0 {
                        self.select
                    } else {
                        0.0
                    }),
            reg: s.reg_bits as f64 * self.reg_bit,
            ifmap_sram: sram(Buffer::Ifmap, t.ifmap_reads, t.ifmap_fills),
            // Index bits are priced as the filter words' bits.
            filter_sram: sram(Buffer::Filter, t.filter_reads, t.filter_fills)
                + t.filter_index_bits as f64 * self.sram[Buffer::Filter as usize].0
                    / self.filter_word_bits,
            ofmap_sram: sram(Buffer::Ofmap, t.ofmap_reads, t.ofmap_writes),
            dram: (t.dram_ifmap_bytes + t.dram_filter_bytes) as f64 * 8.0 * self.dram_read_bit
                + t.dram_ofmap_bytes as f64 * 8.0 * self.dram_write_bit,
            vector: 0.0,
        }
    }
}

/// The vector unit: `lanes` operations per cycle, inputs read from and outputs
/// written to DRAM at operand precision, overlapped with compute.
fn vector(design: &Design, v: &VectorWork) -> (GemmStats, EnergyBreakdown) {
    let bytes = design.operand.bytes();
    let compute = v.ops.div_ceil(u64::from(design.vector_lanes));
    let resident = crate::engine::plan::activations_resident(design, v.inputs, v.outputs);
    let (inputs, outputs) = if resident {
        (0, 0)
    } else {
        (v.inputs, v.outputs)
    };
    let moved = (inputs + outputs) * bytes;
    let memory = if moved == 0 {
        0
    } else {
        (moved as f64 / design.dram_bandwidth).ceil() as u64 + u64::from(design.dram_latency)
    };
    let mut s = GemmStats {
        compute_cycles: compute,
        stall_cycles: memory.saturating_sub(compute),
        ..GemmStats::default()
    };
    s.traffic.dram_ifmap_bytes = inputs * bytes;
    s.traffic.dram_ofmap_bytes = outputs * bytes;
    let energy = EnergyBreakdown {
        vector: v.ops as f64 * design.energy.vector_op_pj,
        dram: ((inputs * bytes) as f64 * design.energy.dram_read_pj_per_bit
            + (outputs * bytes) as f64 * design.energy.dram_write_pj_per_bit)
            * 8.0,
        ..EnergyBreakdown::default()
    };
    (s, energy)
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
pub fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first)
        || !name[first.len()..].ends_with(last)
        || name.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// The one GEMM a layer lowers to, for tools that need the shape.
pub fn gemm_of(layer: &Layer, batch: u64) -> Option<GemmOp> {
    match layer.lower(batch) {
        Lowered::Gemm(g) => Some(g),
        Lowered::Vector(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_matches() {
        assert!(glob("conv1", "conv1"));
        assert!(!glob("conv1", "conv10"));
        assert!(glob("layer1.*", "layer1.0.conv1"));
        assert!(glob("*conv*", "layer1.0.conv1"));
        assert!(glob("*.conv2", "layer4.1.conv2"));
        assert!(!glob("a*b*c", "acb"));
        assert!(!glob("ab*ba", "aba"));
    }
}
