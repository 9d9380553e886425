//! The roofline of one design with each array layer placed at its arithmetic
//! intensity and achieved throughput, coloured by kind; the roofs and the
//! slowest layers are named where the text covers no point, line or other
//! label.

use super::axes;
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::place::{self, Placer, Spot};
use super::style::{self, series, short, sig, text, text_in, INK};
use super::typeset::Rect;
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
    /// The design as the hover titles name it.
    pub design: String,
    /// How many of the slowest layers get their name written beside them.
    pub named: usize,
}

/// Radius of a layer's dot (px).
const DOT_R: u32 = 6;
/// Size of the layer names.
const NAME_PX: f64 = 13.0;

impl Roofline<'_> {
    /// The layers placed on the plot: array layers that move DRAM bytes
    /// (others have no intensity) and achieve a non-zero throughput.
    pub fn placed(&self) -> Vec<&LayerReport> {
        self.report
            .layers
            .iter()
            .filter(|l| l.unit != "vector" && intensity(l) > 0.0 && l.achieved_tops > 0.0)
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
            r(intensity(a), intensity(b)) && r(a.achieved_tops, b.achieved_tops)
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

    /// The hover title of a layer's dot.
    pub fn hover(&self, l: &LayerReport) -> String {
        let index = self
            .report
            .layers
            .iter()
            .position(|x| std::ptr::eq(x, l))
            .unwrap_or(0);
        format!(
            "layer {index} {} ({}) on {}\narithmetic intensity {} FLOP/byte\nachieved {} TOPS\n{} cycles, bound: {}",
            l.layer,
            l.kind,
            self.design,
            sig(intensity(l), 4),
            sig(l.achieved_tops, 4),
            style::grouped(l.total_cycles),
            l.roofline_bound
        )
    }
}

/// A layer's intensity, 0 when it has none.
fn intensity(l: &LayerReport) -> f64 {
    l.arithmetic_intensity.unwrap_or(0.0)
}

impl Chart for Roofline<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 680)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let placed = self.placed();
        let kinds = self.kinds();
        let peak = self.report.total.peak_tops;
        let bw = self.bandwidth();
        let ridge = self.ridge();
        let xs = placed.iter().map(|l| intensity(l));
        let ys = placed.iter().map(|l| l.achieved_tops);
        let x_lo = xs.clone().fold(ridge, f64::min) / 3.0;
        let x_hi = xs.fold(ridge, f64::max) * 3.0;
        let y_lo = ys.fold(peak, f64::min).min(x_lo * bw / 1e12) / 2.0;
        let y_hi = peak * 2.5;

        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let (pw, ph) = plot.dim_in_pixel();
        let (px, py) = (f64::from(pw) - 120.0, f64::from(ph) - 70.0);
        let all_x = axes::label_all(x_lo, x_hi, px, axes::widest_label(x_lo, x_hi));
        let all_y = axes::label_all(y_lo, y_hi, py, axes::label_height());
        let mut c = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                axes::log_axis(x_lo, x_hi, px),
                axes::log_axis(y_lo, y_hi, py),
            )?;
        c.configure_mesh()
            .x_label_formatter(&|v| axes::log_label(*v, all_x))
            .y_label_formatter(&|v| axes::log_label(*v, all_y))
            .x_desc("arithmetic intensity (FLOP per DRAM byte, log scale)")
            .y_desc("achieved throughput (TOPS, log scale)")
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .draw()?;

        let mut roof = vec![(x_lo, (x_lo * bw / 1e12).min(peak))];
        if ridge > x_lo && ridge < x_hi {
            roof.push((ridge, peak));
        }
        roof.push((x_hi, peak));
        c.draw_series(std::iter::once(PathElement::new(
            roof.clone(),
            INK.stroke_width(3),
        )))?;

        for (k, kind) in kinds.iter().enumerate() {
            let colour = series(k);
            for l in placed.iter().filter(|l| &l.kind == kind) {
                let at = c.backend_coord(&(intensity(l), l.achieved_tops));
                marks.circle(at, DOT_R, colour, true, self.hover(l));
            }
            c.draw_series(
                placed
                    .iter()
                    .filter(|l| &l.kind == kind)
                    .map(|l| Circle::new((intensity(l), l.achieved_tops), DOT_R, colour.filled())),
            )?;
        }

        // Labels, in order of importance, where they cover nothing.
        let (xr, yr) = c.plotting_area().get_pixel_range();
        let mut free = Placer::new(Rect::new(
            (f64::from(xr.start), f64::from(yr.start)),
            (f64::from(xr.end), f64::from(yr.end)),
        ));
        let px_roof: Vec<(i32, i32)> = roof.iter().map(|p| c.backend_coord(p)).collect();
        free.line(&px_roof, 3.0);
        for l in &placed {
            free.dot(
                c.backend_coord(&(intensity(l), l.achieved_tops)),
                f64::from(DOT_R),
            );
        }
        let mut labels: Vec<(String, f64, Spot)> = Vec::new();
        let compute = format!("compute roof {} TOPS", short(peak));
        let (rx, ry) = *px_roof.last().unwrap_or(&(0, 0));
        let left_end = px_roof
            .get(px_roof.len().saturating_sub(2))
            .copied()
            .unwrap_or((rx, ry));
        let spots = [
            (rx - 8, ry - 8, HPos::Right, VPos::Bottom),
            (rx - 8, ry + 8, HPos::Right, VPos::Top),
            (left_end.0 + 8, ry - 8, HPos::Left, VPos::Bottom),
            (left_end.0 + 8, ry + 8, HPos::Left, VPos::Top),
        ]
        .map(|(x, y, h, v)| Spot {
            at: (x, y),
            pos: Pos::new(h, v),
        });
        if let Some(s) = free.place(&compute, style::TICK_PX, &spots) {
            labels.push((compute, style::TICK_PX, s));
        }
        let memory = format!(
            "memory roof {} GB/s (ridge at {} FLOP/B)",
            short(bw / 1e9),
            short(ridge)
        );
        // Beside the sloped roof: below and right of a point on it (the
        // rising line stays above the text), or above and left.
        let (a, b) = (px_roof[0], px_roof.get(1).copied().unwrap_or(px_roof[0]));
        let mut spots = Vec::new();
        for side in [1, -1] {
            for k in 1..12 {
                let t = f64::from(k) / 12.0;
                let x = a.0 + (f64::from(b.0 - a.0) * t) as i32;
                let y = a.1 + (f64::from(b.1 - a.1) * t) as i32;
                spots.push(if side > 0 {
                    Spot {
                        at: (x + 6, y + 10),
                        pos: Pos::new(HPos::Left, VPos::Top),
                    }
                } else {
                    Spot {
                        at: (x - 6, y - 10),
                        pos: Pos::new(HPos::Right, VPos::Bottom),
                    }
                });
            }
        }
        if let Some(s) = free.place(&memory, style::TICK_PX, &spots) {
            labels.push((memory, style::TICK_PX, s));
        }
        for (l, more) in self.named_layers() {
            let name = if more > 0 {
                format!("{} (+{more} more)", l.layer)
            } else {
                l.layer.clone()
            };
            let at = c.backend_coord(&(intensity(l), l.achieved_tops));
            if let Some(s) = free.place(&name, NAME_PX, &place::around(at, f64::from(DOT_R))) {
                labels.push((name, NAME_PX, s));
            }
        }
        for (t, size, s) in labels {
            root.draw(&Text::new(t, s.at, text_in(size, INK).pos(s.pos)))?;
        }

        let mut entries = vec![Entry::new("roofline", INK, Marker::Line)];
        for (k, kind) in kinds.iter().enumerate() {
            let n = placed.iter().filter(|l| &l.kind == kind).count();
            entries.push(Entry::new(format!("{kind} ({n})"), series(k), Marker::Dot));
        }
        kit::legend(&side, "layer kind (count)", &entries)?;
        Ok(())
    }
}
