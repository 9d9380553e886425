//! The report of a training step (`systolic train --report`): the step's
//! time per phase on one chip and, scaled data-parallel, per chip count with
//! the exposed communication; the scaling curve and efficiency; backward
//! against forward cycles of the heaviest layers; the phase totals, the
//! memory and the scaling table. It draws a finished step
//! ([`sim::train::Step`]) and scaling table ([`sim::scaleout::scaling`]); it
//! simulates nothing.

use super::bars::{Series, StackedBars};
use super::scaling::ScalingCurve;
use super::single::{design_rows, quantity_table};
use super::site::{Page, Section, Table};
use super::style::{self, grouped, sig};
use super::{figure, RenderError};
use sim::report::DesignSummary;
use sim::scaleout::{Cluster, ScalingPoint};
use sim::train::{Pass, PhaseTotals, Step};
use sim::Design;

/// A finished training step and its data-parallel scaling.
pub struct Training<'a> {
    /// The design each chip is.
    pub design: &'a Design,
    /// The step on one chip.
    pub step: &'a Step,
    /// The cluster the scaling table is for (none without scale-out).
    pub cluster: Option<&'a Cluster>,
    /// The scaling table's rows (empty without scale-out).
    pub scaling: &'a [ScalingPoint],
}

/// Colour of forward time and cycles.
pub const FORWARD: plotters::style::RGBColor = style::PALETTE[0];
/// Colour of backward time.
pub const BACKWARD: plotters::style::RGBColor = style::PALETTE[1];
/// Colour of the optimizer update.
pub const UPDATE: plotters::style::RGBColor = style::PALETTE[2];
/// Colour of exposed communication.
pub const EXPOSED: plotters::style::RGBColor = style::PALETTE[3];
/// Colour of input-gradient (dX) cycles.
pub const DX: plotters::style::RGBColor = style::PALETTE[1];
/// Colour of weight-gradient (dW) cycles.
pub const DW: plotters::style::RGBColor = style::PALETTE[5];
/// Colour of backward vector-unit cycles.
pub const VECTOR: plotters::style::RGBColor = style::PALETTE[4];
/// Colour of recomputed forward cycles.
pub const RECOMPUTE: plotters::style::RGBColor = style::PALETTE[7];

/// How many layers the per-layer plot and table show.
pub const TOP: usize = 15;

/// The training page.
pub fn page(t: &Training) -> Result<Page, RenderError> {
    let (d, s) = (t.design, t.step);
    let mut subtitle = format!(
        "systolic train: {}x{} {} array, {} operands, {} MHz; model {} (batch {} per chip), {}, recompute {}",
        d.rows,
        d.cols,
        d.dataflow,
        d.operand,
        d.clock_mhz,
        s.model,
        s.batch,
        s.optimizer.name(),
        s.recompute.name()
    );
    if let Some(c) = t.cluster.filter(|_| !t.scaling.is_empty()) {
        subtitle.push_str(&format!("; data parallel on {}", c.name));
    }
    let mut sections = vec![design_section(t), step_section(t)?, memory_section(t)];
    if !t.scaling.is_empty() {
        sections.push(scaling_section(t)?);
    }
    sections.push(layer_section(t)?);
    let mut all = Section::new("Every pass of the step");
    let mut table = rows_table(s);
    table.html_only = true;
    all.table(table);
    sections.push(all);
    Ok(Page {
        title: format!("Training {} on {}", s.model, d.name),
        subtitle,
        sections,
    })
}

/// Milliseconds of `cycles` at the design's clock.
fn ms(d: &Design, cycles: u64) -> f64 {
    cycles as f64 / d.clock_mhz / 1e3
}

fn design_section(t: &Training) -> Section {
    let (d, s) = (t.design, t.step);
    let mut rows = design_rows(&DesignSummary::of(d), &d.name, d.peak_tops());
    let layers = s.rows.iter().filter(|r| r.pass == Pass::Forward).count();
    rows.extend([
        ("model", s.model.clone()),
        ("batch per chip", s.batch.to_string()),
        ("optimizer", s.optimizer.name().to_string()),
        ("recompute", s.recompute.name().to_string()),
        ("layers", layers.to_string()),
        ("passes simulated", s.rows.len().to_string()),
    ]);
    let mut sec = Section::new("Design and step");
    sec.table(quantity_table(rows));
    sec
}

/// The stacked step-time bars: one bar for the simulated chip, or one per
/// chip count of the scaling table (the one-chip step first when the table
/// has no single chip).
pub fn step_bars(t: &Training) -> StackedBars {
    let (d, s) = (t.design, t.step);
    let (f, b, u) = (
        ms(d, s.forward.cycles),
        ms(d, s.backward.cycles),
        ms(d, s.update.cycles),
    );
    let one = |label: &str| {
        (
            label.to_string(),
            vec![f, b, u, 0.0],
            format!("1 chip (the simulated step), batch {}", s.batch),
        )
    };
    let mut bars = Vec::new();
    if t.scaling.is_empty() {
        bars.push(one("1 chip"));
    } else {
        if !t.scaling.iter().any(|p| p.chips == 1) {
            bars.push(one("1"));
        }
        for p in t.scaling {
            // Compute is forward + backward + update, the update shrinking
            // with ZeRO's partitioning.
            let update = (p.compute_s * 1e3 - f - b).max(0.0);
            bars.push((
                p.chips.to_string(),
                vec![f, b, update, p.exposed_comm_s * 1e3],
                format!(
                    "{} chips ({}), global batch {}\nstep {} ms",
                    p.chips,
                    p.layout,
                    p.global_batch,
                    sig(p.step_s * 1e3, 4)
                ),
            ));
        }
    }
    let series = |label: &str, colour| Series {
        label: label.to_string(),
        colour,
        column: 0,
    };
    StackedBars {
        title: format!("Time per training step: {} on {}", s.model, d.name),
        categories: bars.iter().map(|b| b.0.clone()).collect(),
        upward: false,
        x_desc: if t.scaling.is_empty() {
            "one chip (the simulated step)".into()
        } else {
            format!("chips (data parallel, batch {} per chip)", s.batch)
        },
        y_desc: "time per step (ms)".into(),
        series: vec![
            series("forward", FORWARD),
            series("backward", BACKWARD),
            series("update (optimizer)", UPDATE),
            series("exposed communication", EXPOSED),
        ],
        values: bars.iter().map(|b| b.1.clone()).collect(),
        hovers: bars.iter().map(|b| b.2.clone()).collect(),
        unit: "ms".into(),
        totals: true,
        gap: 24,
        legend: "part of the step".into(),
        size: (1200, 560),
    }
}

fn step_section(t: &Training) -> Result<Section, RenderError> {
    let mut sec = Section::new("Time per step");
    let caption = if t.scaling.is_empty() {
        "The simulated step on one chip, stacked by phase: forward, backward (dX and dW GEMMs, \
         backward vector work, recomputation) and the optimizer update; the step's time is written \
         above the bar."
    } else {
        "One bar per chip count, stacked: the chip's forward, backward and update time (the update \
         shrinks with ZeRO's partitioning) and the communication the backward pass does not hide \
         (exposed). The step's time is written above each bar; the 1-chip bar is the simulated \
         step with no communication."
    };
    sec.figure(figure(
        &step_bars(t),
        "step-time",
        "Time per step",
        caption,
    )?);
    sec.table(phase_table(t.design, t.step));
    Ok(sec)
}

/// The phase totals: MACs, cycles, time, share, energy and DRAM bytes of
/// forward, backward, update and the whole step, as the step reports them.
pub fn phase_table(d: &Design, s: &Step) -> Table {
    let mut t = Table::new(&[
        "phase",
        "MACs",
        "cycles",
        "time (ms)",
        "share of step (%)",
        "energy (mJ)",
        "DRAM bytes",
    ]);
    let total = s.total.cycles.max(1) as f64;
    let phases: [(&str, &PhaseTotals); 4] = [
        ("forward", &s.forward),
        ("backward", &s.backward),
        ("update", &s.update),
        ("step", &s.total),
    ];
    for (name, p) in phases {
        t.row(vec![
            name.to_string(),
            grouped(p.macs),
            grouped(p.cycles),
            format!("{:.4}", ms(d, p.cycles)),
            format!("{:.1}", 100.0 * p.cycles as f64 / total),
            format!("{:.4}", p.energy_pj * 1e-9),
            grouped(p.dram_bytes),
        ]);
    }
    t
}

fn gib(b: u64) -> String {
    format!("{:.3}", b as f64 / (1u64 << 30) as f64)
}

fn memory_section(t: &Training) -> Section {
    let m = &t.step.memory;
    let mut sec = Section::new("Memory per chip");
    let mut table = Table::new(&["held", "bytes", "GiB"]);
    for (name, b) in [
        ("weights", m.weights),
        ("gradients", m.gradients),
        ("master weights and optimizer state", m.optimizer),
        ("activations kept for backward", m.activations),
        ("backward workspace (largest layer)", m.workspace),
        ("peak (sum of the above)", m.peak),
        ("of which fixed (independent of the batch)", m.fixed),
        ("per sample (activations and workspace)", m.per_sample),
    ] {
        table.row(vec![name.to_string(), grouped(b), gib(b)]);
    }
    sec.table(table);
    let mut fit = format!("{} trainable parameters. ", grouped(m.params));
    match t.design.dram_capacity_bytes {
        Some(cap) => {
            let largest = m.largest_batch(cap);
            fit.push_str(&format!(
                "The design's DRAM holds {} GiB: the step {} (the largest batch that fits is {}).",
                gib(cap),
                if m.peak <= cap {
                    "fits"
                } else {
                    "DOES NOT FIT"
                },
                largest
            ));
        }
        None => fit.push_str("The design sets no DRAM capacity: not checked."),
    }
    sec.para(fit);
    sec
}

fn scaling_section(t: &Training) -> Result<Section, RenderError> {
    let s = t.step;
    let mut sec = Section::new("Data-parallel scaling");
    if let Some(c) = t.cluster {
        sec.para(format!(
            "Cluster {}. Each chip runs the simulated step at batch {}; the gradient \
             collectives and their overlap with the backward pass are those of \
             docs/SCALEOUT.md (the buckets column counts the gradient buckets).",
            c.summary(),
            s.batch
        ));
    }
    sec.figure(figure(
        &ScalingCurve {
            title: format!("Data-parallel scaling: {} on {}", s.model, t.design.name),
            points: t.scaling,
        },
        "scaling",
        "Scaling",
        "Left: samples per second over all chips against the number of chips (log-log), with the \
         ideal line (the one-chip step's throughput times the chips). Right: scaling efficiency, \
         the one-chip step time over the step time at that count (weak scaling: the batch per chip \
         is fixed); 100 % is ideal.",
    )?);
    sec.table(scaling_table(t.scaling));
    Ok(sec)
}

/// The scaling table: one row per chip count, as `systolic train` prints it.
pub fn scaling_table(points: &[ScalingPoint]) -> Table {
    let mut t = Table::new(&[
        "chips",
        "layout",
        "global batch",
        "step (ms)",
        "compute (ms)",
        "communication (ms)",
        "exposed (ms)",
        "samples/s",
        "efficiency (%)",
        "state per chip (GiB)",
        "buckets",
    ]);
    for p in points {
        t.row(vec![
            p.chips.to_string(),
            p.layout.to_string(),
            p.global_batch.to_string(),
            format!("{:.3}", p.step_s * 1e3),
            format!("{:.3}", p.compute_s * 1e3),
            format!("{:.3}", p.comm_s * 1e3),
            format!("{:.3}", p.exposed_comm_s * 1e3),
            format!("{:.1}", p.samples_per_s),
            format!("{:.1}", 100.0 * p.efficiency),
            format!("{:.3}", p.memory_per_chip_bytes / (1u64 << 30) as f64),
            p.buckets.to_string(),
        ]);
    }
    t
}

/// One layer's cycles in the step, by pass.
#[derive(Debug, Clone, Default)]
pub struct LayerPasses {
    /// Index of the layer in model order.
    pub index: usize,
    /// Its name.
    pub layer: String,
    /// Its kind (`conv`, `linear`, ...).
    pub kind: String,
    /// Forward cycles.
    pub forward: u64,
    /// Recomputed forward cycles (in backward).
    pub recompute: u64,
    /// Input-gradient cycles.
    pub dx: u64,
    /// Weight-gradient cycles.
    pub dw: u64,
    /// Backward vector cycles.
    pub vector: u64,
}

impl LayerPasses {
    /// Backward cycles: dX, dW, vector and recomputation.
    pub fn backward(&self) -> u64 {
        self.recompute + self.dx + self.dw + self.vector
    }
}

/// The step's rows gathered per layer, in model order (the optimizer update
/// left out).
pub fn layer_passes(s: &Step) -> Vec<LayerPasses> {
    let mut out: Vec<LayerPasses> = Vec::new();
    for r in s.rows.iter().filter(|r| r.pass != Pass::Update) {
        let i = match out.iter().position(|l| l.layer == r.layer) {
            Some(i) => i,
            None => {
                out.push(LayerPasses {
                    index: out.len(),
                    layer: r.layer.clone(),
                    kind: r.report.kind.clone(),
                    ..LayerPasses::default()
                });
                out.len() - 1
            }
        };
        let l = &mut out[i];
        let c = r.report.total_cycles;
        match r.pass {
            Pass::Forward => l.forward += c,
            Pass::Recompute => l.recompute += c,
            Pass::Dx => l.dx += c,
            Pass::Dw => l.dw += c,
            Pass::Vector => l.vector += c,
            Pass::Update => {}
        }
    }
    out
}

/// The [`TOP`] layers with the most forward and backward cycles, heaviest
/// first (model order among equals).
pub fn top_layers(s: &Step) -> Vec<LayerPasses> {
    let mut all = layer_passes(s);
    all.sort_by(|a, b| {
        (b.forward + b.backward())
            .cmp(&(a.forward + a.backward()))
            .then(a.index.cmp(&b.index))
    });
    all.truncate(TOP);
    all
}

/// Backward cycles over forward cycles, as the tables show it.
fn ratio(l: &LayerPasses) -> String {
    if l.forward == 0 {
        "-".into()
    } else {
        format!("{:.2}", l.backward() as f64 / l.forward as f64)
    }
}

/// The per-layer bars: forward in the left column, backward stacked by pass
/// in the right, for the [`top_layers`].
pub fn layer_bars(t: &Training) -> StackedBars {
    let top = top_layers(t.step);
    let series = |label: &str, colour, column| Series {
        label: label.to_string(),
        colour,
        column,
    };
    StackedBars {
        title: format!(
            "Backward against forward cycles per layer: {} on {}",
            t.step.model, t.design.name
        ),
        categories: top.iter().map(|l| l.layer.clone()).collect(),
        upward: true,
        x_desc: format!(
            "layer (the {} with the most cycles, heaviest first)",
            top.len()
        ),
        y_desc: "cycles (clock cycles)".into(),
        series: vec![
            series("forward", FORWARD, 0),
            series("dX (input gradient)", DX, 1),
            series("dW (weight gradient)", DW, 1),
            series("backward vector", VECTOR, 1),
            series("recompute", RECOMPUTE, 1),
        ],
        values: top
            .iter()
            .map(|l| {
                [l.forward, l.dx, l.dw, l.vector, l.recompute]
                    .map(|c| c as f64)
                    .to_vec()
            })
            .collect(),
        hovers: top
            .iter()
            .map(|l| {
                format!(
                    "layer {} {} ({})\nbackward ÷ forward {}",
                    l.index,
                    l.layer,
                    l.kind,
                    ratio(l)
                )
            })
            .collect(),
        unit: "cycles".into(),
        totals: false,
        gap: 3,
        legend: "pass (left: forward, right: backward)".into(),
        size: (1200, 640),
    }
}

fn layer_section(t: &Training) -> Result<Section, RenderError> {
    let mut sec = Section::new("Backward against forward per layer");
    sec.figure(figure(
        &layer_bars(t),
        "layers",
        "Backward against forward per layer",
        "The layers with the most cycles in the step, heaviest first. Left bar: the forward pass; \
         right bar: the backward pass stacked by work (dX and dW GEMMs, backward vector work, \
         recomputed forward). A GEMM layer's backward is about twice its forward; a layer fed \
         only by the model input has no dX.",
    )?);
    let mut table = Table::new(&[
        "#",
        "layer",
        "kind",
        "forward cycles",
        "dX cycles",
        "dW cycles",
        "vector cycles",
        "recompute cycles",
        "backward cycles",
        "backward ÷ forward",
    ]);
    for l in top_layers(t.step) {
        table.row(vec![
            l.index.to_string(),
            l.layer.clone(),
            l.kind.clone(),
            grouped(l.forward),
            grouped(l.dx),
            grouped(l.dw),
            grouped(l.vector),
            grouped(l.recompute),
            grouped(l.backward()),
            ratio(&l),
        ]);
    }
    sec.table(table);
    Ok(sec)
}

/// Every row of the step in the order it runs.
fn rows_table(s: &Step) -> Table {
    let mut t = Table::new(&[
        "layer",
        "pass",
        "unit",
        "M x K x N",
        "MACs",
        "cycles",
        "energy (µJ)",
        "DRAM bytes",
    ]);
    for r in &s.rows {
        let l = &r.report;
        t.row(vec![
            r.layer.clone(),
            r.pass.name().to_string(),
            l.unit.clone(),
            if l.unit == "array" {
                format!("{} x {} x {}", l.m, l.k, l.n)
            } else {
                "-".into()
            },
            grouped(l.macs),
            grouped(l.total_cycles),
            sig(l.energy_total_pj * 1e-6, 4),
            grouped(l.dram_read_bytes + l.dram_write_bytes),
        ]);
    }
    t
}
