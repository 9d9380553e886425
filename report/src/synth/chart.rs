//! The chart of a synth-stage sweep: Fmax, LUTs, flip-flops, DSP blocks
//! and block RAMs of each design against its PEs, five panels and a legend;
//! designs the device has no room for drawn as rings.

use super::{Design, Designs};
use crate::axes::Labels;
use crate::hover::Marks;
use crate::kit::{self, Entry, Marker};
use crate::place::{self, Placer};
use crate::style::{self, short, text_in, INK};
use crate::typeset::{self, Rect};
use crate::{axes, Chart, DrawResult};
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One panel of the chart: a figure of each design against its PEs.
struct Quantity {
    /// Y axis description.
    desc: &'static str,
    /// What a panel without any value says.
    missing: &'static str,
    /// Whether its values are whole numbers.
    count: bool,
    /// Its value of a design.
    get: fn(&Design) -> Option<f64>,
}

const QUANTITIES: [Quantity; 5] = [
    Quantity {
        desc: "Fmax from place and route (MHz)",
        missing: "no Fmax: no design that fits was placed and routed",
        count: false,
        get: Design::fmax,
    },
    Quantity {
        desc: "LUTs",
        missing: "no LUT counts for this target",
        count: true,
        get: |d| d.synth.luts.map(|v| v as f64),
    },
    Quantity {
        desc: "flip-flops",
        missing: "no flip-flop counts",
        count: true,
        get: |d| Some(d.synth.flip_flops as f64),
    },
    Quantity {
        desc: "DSP blocks",
        missing: "no DSP counts for this target",
        count: true,
        get: |d| d.synth.dsps.map(|v| v as f64),
    },
    Quantity {
        desc: "block RAMs",
        missing: "no block RAM counts for this target",
        count: true,
        get: |d| d.synth.block_rams.map(|v| v as f64),
    },
];

/// Radius of a design's dot or ring (px).
const DOT_R: u32 = 6;

/// The most shapes with equal PEs stand apart (px).
const DODGE_PX: f64 = 14.0;
/// Size of the shapes written beside the dots.
const SHAPE_PX: f64 = 13.0;

/// Fmax, LUTs, flip-flops, DSPs and block RAMs against PEs: five panels and
/// the legend in a grid of two rows of three.
pub struct SynthChart<'a> {
    /// Plot title.
    pub title: String,
    /// The designs drawn.
    pub designs: &'a Designs,
}

/// The colour of series `k`.
pub fn series_colour(k: usize) -> RGBColor {
    style::series(k)
}

/// The x range of PEs and its ticks: one at each power of two inside,
/// every `step`-th labelled so that the labels fit in `pixels`.
fn pe_axis(designs: &[Design], pixels: f64) -> (f64, f64, Vec<f64>, u32) {
    let pes = designs.iter().map(|d| d.pes().max(1) as f64);
    let margin = 2f64.powf(0.4);
    let lo = pes.clone().fold(f64::INFINITY, f64::min) / margin;
    let hi = pes.fold(1.0, f64::max) * margin;
    let ticks: Vec<f64> = (lo.log2().ceil().max(0.0) as u32..=hi.log2().floor() as u32)
        .map(|k| 2f64.powi(k as i32))
        .collect();
    let widest = typeset::width(style::TICK_PX, &(hi.floor() as u64).to_string());
    let per_tick = pixels / (hi / lo).log2();
    let step = ((widest + 10.0) / per_tick).ceil().max(1.0) as u32;
    (lo, hi, ticks, step)
}

/// Where each of `designs` sits on the PE axis: at its PEs, shapes with
/// equal PEs side by side in order of rows (so that a 1x2 and a 2x1 of
/// equal figures do not hide each other), centred on their PEs, at most
/// `DODGE_PX` apart and within 0.3 of a doubling either side.
pub fn x_positions(designs: &[Design], per_doubling: f64) -> Vec<f64> {
    designs
        .iter()
        .map(|d| {
            let mut shapes: Vec<(u32, u32)> = designs
                .iter()
                .filter(|o| o.pes() == d.pes())
                .map(|o| (o.rows, o.cols))
                .collect();
            shapes.sort_unstable();
            shapes.dedup();
            let n = shapes.len() as f64;
            let i = shapes
                .iter()
                .position(|s| *s == (d.rows, d.cols))
                .unwrap_or(0) as f64;
            let step = (DODGE_PX / per_doubling.max(1e-9)).min(0.6 / n);
            d.pes().max(1) as f64 * 2f64.powf((i - (n - 1.0) / 2.0) * step)
        })
        .collect()
}

impl SynthChart<'_> {
    /// One panel: quantity `q` against PEs on `area`; texts and marks in
    /// `root`'s pixels.
    fn panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        q: &Quantity,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let ds = &self.designs.designs;
        let values: Vec<(&Design, f64)> = ds
            .iter()
            .filter_map(|d| (q.get)(d).map(|v| (d, v)))
            .collect();
        if values.is_empty() {
            let (w, h) = area.dim_in_pixel();
            for (i, line) in [q.desc, q.missing].iter().enumerate() {
                area.draw(&Text::new(
                    line.to_string(),
                    (w as i32 / 2, h as i32 / 2 + 24 * i as i32),
                    text_in(style::TICK_PX, INK).pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
            return Ok(());
        }
        let (pw, ph) = area.dim_in_pixel();
        let (px, py) = (f64::from(pw) - 100.0, f64::from(ph) - 80.0);
        let (x_lo, x_hi, ticks, step) = pe_axis(ds, px);
        let first = ticks.first().map_or(0, |t| t.log2().round() as u32);
        let x_label = move |v: &f64| {
            let k = v.log2().round();
            if (v.log2() - k).abs() < 1e-6
                && k >= 0.0
                && (k as u32).saturating_sub(first) % step == 0
            {
                (v.round() as u64).to_string()
            } else {
                String::new()
            }
        };
        let lo = values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
        let hi = values.iter().map(|v| v.1).fold(0.0, f64::max);
        let mut b = ChartBuilder::on(area);
        b.margin(10)
            .margin_right(20)
            .x_label_area_size(50)
            .y_label_area_size(70);
        let xs = x_positions(ds, px / (x_hi / x_lo).log2());
        let x = (x_lo..x_hi).log_scale().base(2.0).with_key_points(ticks);
        if q.count && style::wants_log(lo, hi) {
            let (y_lo, y_hi) = style::padded(lo, hi, true);
            let all = axes::label_all(y_lo, y_hi, py, axes::label_height());
            let c = b.build_cartesian_2d(x, axes::log_axis(y_lo, y_hi, py))?;
            let desc = format!("{} (log scale)", q.desc);
            let y_label = |v: &f64| axes::log_label(*v, all);
            self.body(root, c, (&x_label, &y_label), &desc, (q, &xs), marks)
        } else {
            let top = if hi > 0.0 { hi * 1.15 } else { 1.0 };
            let c = b.build_cartesian_2d(x, 0.0..top)?;
            let count = q.count;
            let y_label = move |v: &f64| {
                if count && (v - v.round()).abs() > 1e-9 {
                    String::new()
                } else {
                    short(*v)
                }
            };
            self.body(root, c, (&x_label, &y_label), q.desc, (q, &xs), marks)
        }
    }

    /// The axes (`labels`: the x and y tick labels), dots and shape labels
    /// of a panel of quantity `q` on its coordinates, the designs at `xs`.
    fn body<DB, X, Y>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mut c: ChartContext<'_, DB, Cartesian2d<X, Y>>,
        (x_label, y_label): (Labels, Labels),
        y_desc: &str,
        (q, xs): (&Quantity, &[f64]),
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        axes::mesh(
            &mut c,
            (x_label, y_label),
            ("PEs (rows x cols, log scale)", y_desc),
        )?;
        let names = &self.designs.series;
        let placed: Vec<(&Design, (f64, f64))> = self
            .designs
            .designs
            .iter()
            .zip(xs)
            .filter_map(|(d, x)| (q.get)(d).map(|v| (d, (*x, v))))
            .collect();
        for (d, at) in &placed {
            let colour = series_colour(d.series);
            marks.circle(
                c.backend_coord(at),
                DOT_R,
                colour,
                d.synth.fits,
                d.hover(&names[d.series]),
            );
        }
        c.draw_series(placed.iter().map(|(d, at)| {
            let colour = series_colour(d.series);
            if d.synth.fits {
                Circle::new(*at, DOT_R, colour.filled())
            } else {
                Circle::new(*at, DOT_R, colour.stroke_width(2))
            }
        }))?;
        // Each shape written once, beside its first dot, where it covers
        // nothing.
        let (xr, yr) = c.plotting_area().get_pixel_range();
        let mut free = Placer::new(Rect::new(
            (f64::from(xr.start), f64::from(yr.start)),
            (f64::from(xr.end), f64::from(yr.end)),
        ));
        for (_, at) in &placed {
            free.dot(c.backend_coord(at), f64::from(DOT_R));
        }
        let mut named: Vec<String> = Vec::new();
        for (d, at) in &placed {
            let shape = d.shape();
            if named.contains(&shape) {
                continue;
            }
            let px = c.backend_coord(at);
            if let Some(s) = free.place(&shape, SHAPE_PX, &place::around(px, f64::from(DOT_R))) {
                root.draw(&Text::new(
                    shape.clone(),
                    s.at,
                    text_in(SHAPE_PX, INK).pos(s.pos),
                ))?;
                named.push(shape);
            }
        }
        Ok(())
    }
}

impl Chart for SynthChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1500, 940)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = kit::titled(root, &self.title)?;
        if self.designs.designs.is_empty() {
            return Ok(());
        }
        let cells = area.split_evenly((2, 3));
        for (q, cell) in QUANTITIES.iter().zip(&cells) {
            self.panel(root, cell, q, marks)?;
        }
        let mut entries: Vec<Entry> = self
            .designs
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| Entry::new(s.clone(), series_colour(k), Marker::Dot))
            .collect();
        if self.designs.designs.iter().any(|d| !d.synth.fits) {
            entries.push(Entry::new(
                "ring: did not fit the device\n(Yosys's counts, no Fmax)",
                INK,
                Marker::Ring,
            ));
        }
        kit::legend(
            &cells[5],
            "series: dataflow operand sparsity, target",
            &entries,
        )?;
        Ok(())
    }
}
