//! The report of one design running one model (`systolic sim --report`),
//! also used for the best designs of a sweep. It draws a finished run and
//! its dataflow study ([`sim::study`]); it simulates nothing. Titles name
//! the design shown: the design's name, or a sweep's point (index, rows x
//! cols, dataflow) whose design was rebuilt from a base.

use super::dataflow::layer_winners;
use super::layers::{energy_parts, LayerCycles, LayerEnergy};
use super::roofline::Roofline;
use super::site::{Page, Section, Table};
use super::style::{grouped, sig};
use super::{figure, RenderError};
use sim::report::{DesignSummary, ModelReport};
use sim::study::DataflowStudy;

/// One finished run and its study.
pub struct Run<'a> {
    /// The run's report.
    pub report: &'a ModelReport,
    /// The same design and model in every dataflow.
    pub dataflows: &'a DataflowStudy,
}

/// How many layers the "top layers" table and the roofline name.
const TOP: usize = 10;

/// The single-design page.
pub fn page(run: &Run) -> Result<Page, RenderError> {
    let r = run.report;
    let d = &r.design;
    Ok(Page {
        title: format!("{} on {}", r.model, d.name),
        subtitle: format!(
            "systolic report: {}x{} {} array, {} operands, {} MHz; model {} (batch {}), timing {}",
            d.rows, d.cols, d.dataflow, d.operand, d.clock_mhz, r.model, r.batch, r.timing
        ),
        sections: sections(run, "", "", &d.name)?,
    })
}

/// The sections describing one run; figure names start with `prefix`,
/// headings with `heading` (for several runs in one page), and plot titles
/// call the design `design`.
pub fn sections(
    run: &Run,
    prefix: &str,
    heading: &str,
    design: &str,
) -> Result<Vec<Section>, RenderError> {
    let r = run.report;
    let mut out = Vec::new();

    let mut s = Section::new(format!("{heading}Design and totals"));
    s.table(design_table(r, design));
    s.table(totals_table(r));
    out.push(s);

    let mut s = Section::new(format!("{heading}Cycles and utilization per layer"));
    s.figure(figure(
        &LayerCycles {
            report: r,
            title: format!("Cycles and utilization per layer: {} on {design}", r.model),
        },
        &format!("{prefix}layers"),
        "Cycles and utilization per layer",
        "Each bar is one layer in model order (indices as in the layer table): blue the array's \
         compute cycles, purple the vector unit's, red the cycles lost waiting for DRAM. Below: the \
         share of the array's PE-cycles doing useful multiply-accumulates in that layer; the black \
         line is the whole model's utilization. Layers on the vector unit have no utilization bar.",
    )?);
    out.push(s);

    let mut s = Section::new(format!("{heading}Energy per layer"));
    s.figure(figure(
        &LayerEnergy {
            report: r,
            title: format!("Energy per layer by component: {} on {design}", r.model),
        },
        &format!("{prefix}energy"),
        "Energy per layer by component",
        &format!(
            "Each layer's energy stacked by component: action counts times the per-action energies \
             of the `{}` table. The legend gives each component's share of the model's total.",
            r.design.energy_table
        ),
    )?);
    out.push(s);

    let roof = Roofline {
        report: r,
        title: format!("Roofline: {} on {design}", r.model),
        design: design.to_string(),
        named: 5,
    };
    let placed = roof.placed().len();
    let array_layers = r.layers.iter().filter(|l| l.unit != "vector").count();
    let mut s = Section::new(format!("{heading}Roofline"));
    s.figure(figure(
        &roof,
        &format!("{prefix}roofline"),
        "Roofline",
        &format!(
            "Each dot is one array layer at its arithmetic intensity (FLOP per DRAM byte) and achieved \
             throughput, coloured by kind. Left of the ridge ({:.0} FLOP/byte) DRAM bandwidth caps a \
             layer (memory roof); right of it the array does (compute roof). The gap below the roof is \
             throughput lost to mapping (partly filled folds, fill and drain) and DRAM stalls. The five \
             slowest layers are named where the name covers no dot, line or other name. {} of {} array \
             layers are placed; the others move no DRAM bytes, so they have no arithmetic intensity.",
            roof.ridge(),
            placed,
            array_layers
        ),
    )?);
    s.table(bound_table(r));
    out.push(s);

    out.push(dataflow_section(run, prefix, heading, design)?);

    let mut s = Section::new(format!("{heading}Slowest layers"));
    s.table(top_table(r));
    out.push(s);

    let mut s = Section::new(format!("{heading}All layers"));
    let mut t = layer_table(r);
    t.html_only = true;
    s.table(t);
    out.push(s);
    Ok(out)
}

fn dataflow_section(
    run: &Run,
    prefix: &str,
    heading: &str,
    design: &str,
) -> Result<Section, RenderError> {
    let r = run.report;
    let mut s = Section::new(format!("{heading}Which dataflow wins each layer"));
    let runs: Vec<(String, ModelReport)> = run
        .dataflows
        .runs
        .iter()
        .map(|(df, rep)| (df.to_string(), rep.clone()))
        .collect();
    let skipped: Vec<String> = run
        .dataflows
        .skipped
        .iter()
        .map(|(df, why)| format!("{df} ({why})"))
        .collect();
    let w = layer_winners(
        &format!(
            "Cycles per array layer relative to the fastest dataflow: {} on {design}",
            r.model
        ),
        &runs,
    );
    s.figure(figure(
        &w.heatmap,
        &format!("{prefix}dataflow-layers"),
        "Dataflow per layer",
        &format!(
            "The same design and model simulated in each dataflow (the design's own is {}). One column \
             per array layer, named under it (vector-unit layers run the same in every dataflow and are \
             left out). Each cell is the layer's cycles divided by the fastest dataflow's cycles for that \
             layer: 1.0× (yellow) is the winner; darker is slower, 5× or more darkest.",
            r.design.dataflow
        ),
    )?);
    let mut t = Table::new(&[
        "dataflow",
        "total cycles",
        "latency (ms)",
        "layers won",
        "energy (mJ)",
    ]);
    for (j, (df, rep)) in runs.iter().enumerate() {
        t.row(vec![
            if df == &r.design.dataflow {
                format!("{df} (this design)")
            } else {
                df.clone()
            },
            grouped(w.totals[j]),
            format!("{:.4}", rep.total.latency_us / 1e3),
            w.wins[j].to_string(),
            format!("{:.4}", rep.total.energy_total_pj * 1e-9),
        ]);
    }
    s.table(t);
    s.para(format!(
        "Array layers where two or more dataflows take the same cycles: {}.",
        w.ties
    ));
    if !skipped.is_empty() {
        s.para(format!("Not simulated: {}.", skipped.join("; ")));
    }
    Ok(s)
}

fn design_table(r: &ModelReport, design: &str) -> Table {
    let mut rows = design_rows(&r.design, design, r.total.peak_tops);
    rows.extend([
        ("model", r.model.clone()),
        ("batch", r.batch.to_string()),
        ("layers", r.layers.len().to_string()),
        ("timing", r.timing.clone()),
    ]);
    quantity_table(rows)
}

/// A two-column table (quantity, value) of `rows`.
pub fn quantity_table(rows: Vec<(&str, String)>) -> Table {
    let mut t = Table::new(&["quantity", "value"]);
    for (k, v) in rows {
        t.row(vec![k.to_string(), v]);
    }
    t
}

/// The rows describing design `d` (array, dataflow, precision, clock, peak,
/// SRAM, DRAM, energy table, node), called `design` (`base design` names
/// `d` when they differ).
pub fn design_rows(d: &DesignSummary, design: &str, peak_tops: f64) -> Vec<(&'static str, String)> {
    let kib = |b: u64| format!("{} KiB", b as f64 / 1024.0);
    let mut rows: Vec<(&str, String)> = vec![("design", design.to_string())];
    if design != d.name {
        rows.push(("base design", d.name.clone()));
    }
    rows.extend([
        (
            "array",
            format!(
                "{} rows x {} cols ({} PEs)",
                d.rows,
                d.cols,
                u64::from(d.rows) * u64::from(d.cols)
            ),
        ),
        ("dataflow", d.dataflow.clone()),
        (
            "operand / accumulator",
            format!("{} / {}", d.operand, d.accumulator),
        ),
        ("clock", format!("{} MHz", d.clock_mhz)),
        ("peak throughput", format!("{} TOPS", sig(peak_tops, 4))),
        (
            "ifmap / filter / ofmap SRAM",
            format!(
                "{} / {} / {}",
                kib(d.ifmap_sram_bytes),
                kib(d.filter_sram_bytes),
                kib(d.ofmap_sram_bytes)
            ),
        ),
        (
            "DRAM bandwidth",
            format!(
                "{} bytes/cycle ({:.2} GB/s)",
                d.dram_bandwidth_bytes_per_cycle,
                d.dram_bandwidth_bytes_per_cycle * d.clock_mhz / 1e3
            ),
        ),
        ("DRAM interface", d.dram_interface.clone()),
        ("energy table", d.energy_table.clone()),
        (
            "technology node",
            d.node_nm
                .map_or_else(|| "table's own".to_string(), |n| format!("{n} nm")),
        ),
    ]);
    rows
}

/// The totals table (quantity, value, unit); its figures are those of `r.total`.
pub fn totals_table(r: &ModelReport) -> Table {
    let x = &r.total;
    let mut t = Table::new(&["quantity", "value", "unit"]);
    let mut row = |k: &str, v: String, u: &str| t.row(vec![k.to_string(), v, u.to_string()]);
    row("MACs", grouped(x.macs), "count");
    row("total cycles", grouped(x.total_cycles), "cycles");
    row("compute cycles", grouped(x.compute_cycles), "cycles");
    row("DRAM stall cycles", grouped(x.stall_cycles), "cycles");
    row("latency", format!("{:.4}", x.latency_us / 1e3), "ms");
    let thr = if x.latency_us > 0.0 {
        r.batch as f64 / (x.latency_us * 1e-6)
    } else {
        0.0
    };
    row("throughput", sig(thr, 5), "inferences/s");
    row("achieved throughput", sig(x.achieved_tops, 4), "TOPS");
    row("peak throughput", sig(x.peak_tops, 4), "TOPS");
    row(
        "utilization",
        format!("{:.2}", 100.0 * x.utilization),
        "% of PE-cycles",
    );
    row("DRAM reads", grouped(x.dram_read_bytes), "bytes");
    row("DRAM writes", grouped(x.dram_write_bytes), "bytes");
    row("energy", format!("{:.4}", x.energy_total_pj * 1e-9), "mJ");
    for (label, _, v) in energy_parts(x) {
        row(
            &format!("energy: {label}"),
            format!("{:.4}", v * 1e-9),
            "mJ",
        );
    }
    row("energy per MAC", format!("{:.3}", x.pj_per_mac), "pJ");
    row("efficiency", sig(x.tops_per_watt, 4), "TOPS/W");
    t
}

fn bound_table(r: &ModelReport) -> Table {
    let total = r.total.total_cycles.max(1) as f64;
    let mut t = Table::new(&[
        "memory-bound layer",
        "kind",
        "intensity (FLOP/B)",
        "achieved TOPS",
        "stall cycles",
        "share of model cycles (%)",
    ]);
    for l in r
        .layers
        .iter()
        .filter(|l| l.roofline_bound == "memory" && l.unit != "vector")
    {
        t.row(vec![
            l.layer.clone(),
            l.kind.clone(),
            shown_intensity(l),
            sig(l.achieved_tops, 4),
            grouped(l.stall_cycles),
            format!("{:.2}", 100.0 * l.total_cycles as f64 / total),
        ]);
    }
    if t.rows.is_empty() {
        t.row(vec![
            "(none: every array layer is compute-bound)".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    t
}

fn top_table(r: &ModelReport) -> Table {
    let total = r.total.total_cycles.max(1) as f64;
    let mut idx: Vec<usize> = (0..r.layers.len()).collect();
    idx.sort_by(|&a, &b| {
        r.layers[b]
            .total_cycles
            .cmp(&r.layers[a].total_cycles)
            .then(a.cmp(&b))
    });
    let mut t = Table::new(&[
        "#",
        "layer",
        "kind",
        "M x K x N",
        "cycles",
        "share (%)",
        "utilization (%)",
        "bound",
        "energy (µJ)",
    ]);
    for &i in idx.iter().take(TOP) {
        let l = &r.layers[i];
        t.row(vec![
            i.to_string(),
            l.layer.clone(),
            l.kind.clone(),
            format!("{} x {} x {}", l.m, l.k, l.n),
            grouped(l.total_cycles),
            format!("{:.2}", 100.0 * l.total_cycles as f64 / total),
            format!("{:.1}", 100.0 * l.utilization),
            if l.unit == "vector" {
                "vector unit".into()
            } else {
                l.roofline_bound.clone()
            },
            sig(l.energy_total_pj * 1e-6, 4),
        ]);
    }
    t
}

/// A layer's arithmetic intensity as the tables show it (`-` for none).
fn shown_intensity(l: &sim::report::LayerReport) -> String {
    l.arithmetic_intensity
        .map_or_else(|| "-".to_string(), |i| format!("{i:.1}"))
}

fn layer_table(r: &ModelReport) -> Table {
    let mut t = Table::new(&[
        "#",
        "layer",
        "kind",
        "unit",
        "M",
        "K",
        "N",
        "MACs",
        "cycles",
        "stall",
        "util (%)",
        "intensity (FLOP/B)",
        "bound",
        "energy (µJ)",
    ]);
    for (i, l) in r.layers.iter().enumerate() {
        t.row(vec![
            i.to_string(),
            l.layer.clone(),
            l.kind.clone(),
            l.unit.clone(),
            l.m.to_string(),
            l.k.to_string(),
            l.n.to_string(),
            grouped(l.macs),
            grouped(l.total_cycles),
            grouped(l.stall_cycles),
            format!("{:.1}", 100.0 * l.utilization),
            shown_intensity(l),
            l.roofline_bound.clone(),
            sig(l.energy_total_pj * 1e-6, 4),
        ]);
    }
    t
}
