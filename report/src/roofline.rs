//! The roofline of one design with each array layer placed at its arithmetic
//! intensity and achieved throughput, coloured by kind.

use super::kit::{self, Entry, Marker};
use super::style::{self, series, short, text, text_in, INK};
use super::{Chart, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use sim::report::{LayerReport, ModelReport};

/// The roofline plot.
pub struct Roofline<'a> {
    /// The run.
    pub report: &'a ModelReport,
    /// Plot title.
    pub title: String,
    /// How many of the slowest layers get their name written beside them.
    pub named: usize,
}

impl Roofline<'_> {
    /// The layers placed on the plot: array layers that move DRAM bytes and
    /// achieve a non-zero throughput (others have no finite intensity).
    pub fn placed(&self) -> Vec<&LayerReport> {
        self.report
            .layers
            .iter()
            .filter(|l| l.unit != "vector" && l.arithmetic_intensity > 0.0 && l.achieved_tops > 0.0)
            .collect()
    }

    /// Layer kinds in order of first appearance among the placed layers.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = Vec::new();
        for l in self.placed() {
            if !kinds.contains(&l.kind) {
                kinds.push(l.kind.clone());
            }
        }
        kinds
    }

    /// The slowest `named` layers, each with how many other slow layers sit
    /// at (nearly) the same spot and share its label.
    pub fn named_layers(&self) -> Vec<(&LayerReport, usize)> {
        let mut slow = self.placed();
        slow.sort_by_key(|l| std::cmp::Reverse(l.total_cycles));
        let near = |a: &LayerReport, b: &LayerReport| {
            let r = |x: f64, y: f64| (x / y).max(y / x) < 1.2;
            r(a.arithmetic_intensity, b.arithmetic_intensity) && r(a.achieved_tops, b.achieved_tops)
        };
        let mut out: Vec<(&LayerReport, usize)> = Vec::new();
        for l in slow.into_iter().take(self.named) {
            match out.iter_mut().find(|(o, _)| near(o, l)) {
                Some((_, more)) => *more += 1,
                None => out.push((l, 0)),
            }
        }
        out
    }

    /// DRAM bandwidth in bytes per second.
    pub fn bandwidth(&self) -> f64 {
        let d = &self.report.design;
        d.dram_bandwidth_bytes_per_cycle * d.clock_mhz * 1e6
    }

    /// Intensity (FLOP/byte) where the memory roof meets the compute roof.
    pub fn ridge(&self) -> f64 {
        self.report.total.peak_tops * 1e12 / self.bandwidth()
    }
}

impl Chart for Roofline<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 680)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let placed = self.placed();
        let kinds = self.kinds();
        let peak = self.report.total.peak_tops;
        let bw = self.bandwidth();
        let ridge = self.ridge();
        let xs = placed.iter().map(|l| l.arithmetic_intensity);
        let ys = placed.iter().map(|l| l.achieved_tops);
        let x_lo = xs.clone().fold(ridge, f64::min) / 3.0;
        let x_hi = xs.fold(ridge, f64::max) * 3.0;
        let y_lo = ys.fold(peak, f64::min).min(x_lo * bw / 1e12) / 2.0;
        let y_hi = peak * 2.5;

        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let mut c = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
        c.configure_mesh()
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| short(*v))
            .x_desc("arithmetic intensity (FLOP per DRAM byte, log scale)")
            .y_desc("achieved throughput (TOPS, log scale)")
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;

        let mut roof = vec![(x_lo, (x_lo * bw / 1e12).min(peak))];
        if ridge > x_lo && ridge < x_hi {
            roof.push((ridge, peak));
        }
        roof.push((x_hi, peak));
        c.draw_series(std::iter::once(PathElement::new(roof, INK.stroke_width(3))))?;
        let anchor_left = |h| Pos::new(h, VPos::Bottom);
        c.draw_series(std::iter::once(Text::new(
            format!("compute roof {} TOPS", short(peak)),
            (x_hi / 1.2, peak * 1.12),
            text_in(style::TICK_PX, INK).pos(anchor_left(HPos::Right)),
        )))?;
        // Below the sloped roof, where the rising line never crosses the text.
        let at = x_lo * 1.4;
        c.draw_series(std::iter::once(Text::new(
            format!(
                "memory roof {} GB/s (ridge at {} FLOP/B)",
                short(bw / 1e9),
                short(ridge)
            ),
            (at, (at * bw / 1e12).min(peak) / 1.7),
            text_in(style::TICK_PX, INK).pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;

        for (k, kind) in kinds.iter().enumerate() {
            let colour = series(k);
            c.draw_series(placed.iter().filter(|l| &l.kind == kind).map(|l| {
                Circle::new(
                    (l.arithmetic_intensity, l.achieved_tops),
                    6,
                    colour.filled(),
                )
            }))?;
        }
        for (l, more) in self.named_layers() {
            let name = if more > 0 {
                format!("{} (+{more} more)", l.layer)
            } else {
                l.layer.clone()
            };
            c.draw_series(std::iter::once(Text::new(
                name,
                (l.arithmetic_intensity * 1.15, l.achieved_tops),
                text_in(13.0, INK).pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }

        let mut entries = vec![Entry::new("roofline", INK, Marker::Line)];
        for (k, kind) in kinds.iter().enumerate() {
            let n = placed.iter().filter(|l| &l.kind == kind).count();
            entries.push(Entry::new(format!("{kind} ({n})"), series(k), Marker::Dot));
        }
        kit::legend(&side, "layer kind (count)", &entries)
    }
}
