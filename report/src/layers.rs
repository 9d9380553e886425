//! Per-layer plots of one simulated model: cycles (compute and DRAM stall)
//! with utilization below, and the stacked energy breakdown.

use super::axes;
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::style::{self, series, short, text};
use super::{Chart, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use sim::report::{LayerReport, ModelReport};

/// Colour of array compute cycles.
pub const ARRAY: RGBColor = style::PALETTE[0];
/// Colour of vector-unit cycles.
pub const VECTOR: RGBColor = style::PALETTE[4];
/// Colour of DRAM stall cycles.
pub const STALL: RGBColor = style::PALETTE[3];
/// Colour of utilization bars.
pub const UTIL: RGBColor = style::PALETTE[2];

/// The energy components of a layer, in stacking order: (label, colour, value in pJ).
pub fn energy_parts(l: &LayerReport) -> [(&'static str, RGBColor, f64); 7] {
    [
        ("MAC (multiply-add)", series(0), l.energy_mac_pj),
        ("PE registers", series(1), l.energy_reg_pj),
        ("ifmap SRAM", series(2), l.energy_ifmap_sram_pj),
        ("filter SRAM", series(4), l.energy_filter_sram_pj),
        ("ofmap SRAM", series(5), l.energy_ofmap_sram_pj),
        ("DRAM", series(3), l.energy_dram_pj),
        ("vector unit", series(6), l.energy_vector_pj),
    ]
}

/// Per-layer cycles (compute + DRAM stall, stacked) above per-layer utilization.
pub struct LayerCycles<'a> {
    /// The run.
    pub report: &'a ModelReport,
    /// Plot title.
    pub title: String,
}

impl Chart for LayerCycles<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 760)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let layers = &self.report.layers;
        let n = layers.len();
        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let (top, bottom) = plot.split_vertically(400);
        let max = layers
            .iter()
            .map(|l| l.total_cycles)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut c = ChartBuilder::on(&top)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(kit::slots(n), 0f64..max * 1.05)?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(kit::layer_labels(layers.len()))
            .x_label_formatter(&|v| layer_tick(*v, n))
            .y_label_formatter(&|v| short(*v))
            .x_desc("layer (index in model order)")
            .y_desc("cycles (clock cycles)")
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .max_light_lines(4)
            .draw()?;
        let bar = |i: usize, lo: u64, hi: u64, colour: RGBColor| {
            kit::bar(i, lo as f64, hi as f64, colour, 1)
        };
        let on = |unit: &'static str| {
            layers
                .iter()
                .enumerate()
                .filter(move |(_, l)| (l.unit == "vector") == (unit == "vector"))
        };
        c.draw_series(on("array").map(|(i, l)| bar(i, 0, l.compute_cycles, ARRAY)))?;
        c.draw_series(on("vector").map(|(i, l)| bar(i, 0, l.compute_cycles, VECTOR)))?;
        c.draw_series(
            layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.stall_cycles > 0)
                .map(|(i, l)| bar(i, l.compute_cycles, l.total_cycles, STALL)),
        )?;

        let mut u = ChartBuilder::on(&bottom)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(kit::slots(n), 0f64..105f64)?;
        u.configure_mesh()
            .disable_x_mesh()
            .x_labels(kit::layer_labels(layers.len()))
            .x_label_formatter(&|v| layer_tick(*v, n))
            .y_labels(6)
            .y_label_formatter(&|v| short(*v))
            .x_desc("layer (index in model order)")
            .y_desc("utilization (% of PE-cycles)")
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .max_light_lines(4)
            .draw()?;
        u.draw_series(
            layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.unit != "vector")
                .map(|(i, l)| kit::bar(i, 0.0, 100.0 * l.utilization, UTIL, 1)),
        )?;
        let whole = 100.0 * self.report.total.utilization;
        u.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, whole), (n as f64 - 0.5, whole)],
            style::INK.stroke_width(2),
        )))?;

        let mut entries = vec![Entry::new("array compute", ARRAY, Marker::Box)];
        if layers.iter().any(|l| l.unit == "vector") {
            entries.push(Entry::new("vector unit", VECTOR, Marker::Box));
        }
        if layers.iter().any(|l| l.stall_cycles > 0) {
            entries.push(Entry::new("DRAM stall", STALL, Marker::Box));
        }
        entries.push(Entry::new("utilization", UTIL, Marker::Box));
        entries.push(Entry::new(
            format!("whole model {whole:.1} %"),
            style::INK,
            Marker::Line,
        ));
        kit::legend(&side, "cycles, utilization", &entries)?;
        Ok(())
    }
}

/// Stacked energy per layer, one colour per component.
pub struct LayerEnergy<'a> {
    /// The run.
    pub report: &'a ModelReport,
    /// Plot title.
    pub title: String,
}

impl LayerEnergy<'_> {
    /// The components drawn: those non-zero in at least one layer.
    pub fn shown(&self) -> Vec<usize> {
        (0..7)
            .filter(|&k| {
                self.report
                    .layers
                    .iter()
                    .any(|l| energy_parts(l)[k].2 > 0.0)
            })
            .collect()
    }
}

impl Chart for LayerEnergy<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 560)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let layers = &self.report.layers;
        let n = layers.len();
        let max_pj = layers.iter().map(|l| l.energy_total_pj).fold(0.0, f64::max);
        let (div, unit) = style::energy_unit(max_pj);
        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let mut c = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(kit::slots(n), 0f64..(max_pj / div).max(1e-9) * 1.05)?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(kit::layer_labels(layers.len()))
            .x_label_formatter(&|v| layer_tick(*v, n))
            .y_label_formatter(&|v| short(*v))
            .x_desc("layer (index in model order)")
            .y_desc(format!("energy ({unit})"))
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .max_light_lines(4)
            .draw()?;
        let shown = self.shown();
        let mut entries = Vec::new();
        for &k in &shown {
            let bars = layers.iter().enumerate().filter_map(|(i, l)| {
                let parts = energy_parts(l);
                let below: f64 = parts[..k].iter().map(|p| p.2).sum();
                let v = parts[k].2;
                (v > 0.0).then(|| kit::bar(i, below / div, (below + v) / div, parts[k].1, 1))
            });
            c.draw_series(bars)?;
            let (label, colour, _) = energy_parts(&self.report.total)[k];
            let share = energy_parts(&self.report.total)[k].2
                / self.report.total.energy_total_pj.max(f64::MIN_POSITIVE);
            entries.push(Entry::new(
                format!("{label} {}", style::percent(share)),
                colour,
                Marker::Box,
            ));
        }
        // Top of the stack first, as the bars read.
        entries.reverse();
        kit::legend(&side, "component (share of total)", &entries)?;
        Ok(())
    }
}

/// Tick text of a layer axis of `n` layers: the index at integer positions.
pub fn layer_tick(v: f64, n: usize) -> String {
    kit::slot_of(v, n).map_or_else(String::new, |i| i.to_string())
}
