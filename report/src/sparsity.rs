//! Sparse weights against dense: for each N:M pattern of a sweep, its
//! speedup, energy and area against the same design points dense
//! ([`dse::sparse::against_dense`]), one panel each: a bar at the median
//! over the matched points, a whisker from the smallest to the largest, and
//! a line at 1 (dense).

use super::axes;
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::style::{self, sig, text, text_in, INK};
use super::{Chart, DrawResult};
use dse::sparse::{PatternRatios, Spread};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Room on each side of a bar (px).
const BAR_GAP: u32 = 18;

/// One panel: what it shows and where its figures are.
struct Metric {
    /// Y axis description.
    desc: &'static str,
    /// In hover titles: `speedup`.
    name: &'static str,
    /// The figure of a pattern.
    get: fn(&PatternRatios) -> Spread,
}

const METRICS: [Metric; 3] = [
    Metric {
        desc: "speedup (dense cycles ÷ sparse)",
        name: "speedup",
        get: |p| p.speedup,
    },
    Metric {
        desc: "energy ÷ dense energy",
        name: "energy ratio",
        get: |p| p.energy,
    },
    Metric {
        desc: "area ÷ dense area",
        name: "area ratio",
        get: |p| p.area,
    },
];

/// Colour of the dense reference line.
pub const DENSE: RGBColor = style::PALETTE[0];

/// Colour of the `i`-th pattern (after the dense reference's).
pub fn pattern_colour(i: usize) -> RGBColor {
    style::series(i + 1)
}

/// Speedup, energy ratio and area ratio of each pattern against dense.
#[derive(Debug, Clone)]
pub struct AgainstDense {
    /// Plot title.
    pub title: String,
    /// The patterns, in sweep order (each with at least one matched point).
    pub patterns: Vec<PatternRatios>,
}

impl Chart for AgainstDense {
    fn size(&self) -> (u32, u32) {
        (1200, 500)
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
        let (plot, side) = kit::with_legend(&area);
        let panels = plot.split_evenly((1, METRICS.len()));
        let n = self.patterns.len();
        let names: Vec<String> = self.patterns.iter().map(|p| p.pattern.clone()).collect();
        for (m, panel) in METRICS.iter().zip(&panels) {
            let top = self
                .patterns
                .iter()
                .map(|p| (m.get)(p).max)
                .fold(1.0, f64::max);
            let mut c = ChartBuilder::on(panel)
                .margin(12)
                .x_label_area_size(50)
                .y_label_area_size(70)
                .build_cartesian_2d(kit::slots(n), 0f64..top * 1.18)?;
            c.configure_mesh()
                .disable_x_mesh()
                .x_labels(n.max(1))
                .x_label_formatter(&|v| {
                    kit::slot_of(*v, n).map_or_else(String::new, |i| names[i].clone())
                })
                .y_label_formatter(&|v| format!("{}×", style::short(*v)))
                .x_desc("N:M pattern")
                .y_desc(m.desc)
                .axis_desc_style(text(style::AXIS_PX))
                .label_style(text(style::TICK_PX))
                .bold_line_style(axes::MAJOR)
                .light_line_style(axes::MINOR)
                .max_light_lines(4)
                .draw()?;
            for (i, p) in self.patterns.iter().enumerate() {
                let s = (m.get)(p);
                let (x0, y0) = c.backend_coord(&(i as f64 - 0.5, 0.0));
                let (x1, y1) = c.backend_coord(&(i as f64 + 0.5, s.median));
                marks.rect(
                    (x0.min(x1) + BAR_GAP as i32, y0),
                    (x0.max(x1) - BAR_GAP as i32, y1),
                    pattern_colour(i),
                    format!(
                        "{}: {} {}× (median of {} points; {}× to {}×)",
                        p.pattern,
                        m.name,
                        sig(s.median, 3),
                        p.pairs,
                        sig(s.min, 3),
                        sig(s.max, 3)
                    ),
                );
            }
            c.draw_series(
                self.patterns
                    .iter()
                    .enumerate()
                    .map(|(i, p)| kit::bar(i, 0.0, (m.get)(p).median, pattern_colour(i), BAR_GAP)),
            )?;
            // Whiskers: the smallest to the largest, with caps.
            for (i, p) in self.patterns.iter().enumerate() {
                let s = (m.get)(p);
                let x = i as f64;
                let cap = 0.12;
                c.draw_series(
                    [
                        vec![(x, s.min), (x, s.max)],
                        vec![(x - cap, s.min), (x + cap, s.min)],
                        vec![(x - cap, s.max), (x + cap, s.max)],
                    ]
                    .into_iter()
                    .map(|line| PathElement::new(line, INK.stroke_width(2))),
                )?;
            }
            // Dense is 1.
            c.draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, 1.0), (n.max(1) as f64 - 0.5, 1.0)],
                DENSE.stroke_width(2),
            )))?;
            c.draw_series(self.patterns.iter().enumerate().map(|(i, p)| {
                let s = (m.get)(p);
                Text::new(
                    format!("{}×", sig(s.median, 3)),
                    (i as f64 + 0.14, s.max.max(s.median) + top * 0.02),
                    text_in(style::TICK_PX, INK).pos(Pos::new(HPos::Left, VPos::Bottom)),
                )
            }))?;
        }
        let mut entries: Vec<Entry> = self
            .patterns
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Entry::new(
                    format!(
                        "{}: {} point{}",
                        p.pattern,
                        p.pairs,
                        if p.pairs == 1 { "" } else { "s" }
                    ),
                    pattern_colour(i),
                    Marker::Box,
                )
            })
            .collect();
        entries.push(Entry::new("smallest to largest", INK, Marker::Line));
        entries.push(Entry::new("dense = 1×", DENSE, Marker::Line));
        kit::legend(&side, "bar: median over points", &entries)?;
        Ok(())
    }
}
