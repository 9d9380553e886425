//! Data-parallel scaling curves: samples per second against chips (log-log)
//! beside the ideal linear line, and scaling efficiency against chips.

use super::axes;
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::style::{self, padded, sig};
use super::{Chart, DrawResult};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use sim::scaleout::ScalingPoint;

/// Colour of the simulated points and their line.
pub const SIMULATED: RGBColor = style::PALETTE[0];
/// Colour of the efficiency points and their line.
pub const EFFICIENCY: RGBColor = style::PALETTE[2];
/// Colour of the ideal line.
pub const IDEAL: RGBColor = style::PALETTE[7];
/// Radius of a point (px).
const DOT_R: u32 = 6;

/// Throughput and efficiency over chip counts.
pub struct ScalingCurve<'a> {
    /// Plot title.
    pub title: String,
    /// The scaling table's rows, in the order given.
    pub points: &'a [ScalingPoint],
}

impl ScalingCurve<'_> {
    /// Samples per second of ideal linear scaling at a point: the one-chip
    /// step's throughput times the chips (`samples_per_s / efficiency`, as
    /// efficiency is the one-chip step time over the step time).
    pub fn ideal(p: &ScalingPoint) -> f64 {
        if p.efficiency > 0.0 {
            p.samples_per_s / p.efficiency
        } else {
            0.0
        }
    }

    /// The hover title of a point.
    pub fn hover(p: &ScalingPoint) -> String {
        format!(
            "{} chips ({}), global batch {}\n{} samples/s (ideal {})\nefficiency {:.1} %\nstep {} ms, exposed communication {} ms",
            p.chips,
            p.layout,
            p.global_batch,
            sig(p.samples_per_s, 4),
            sig(Self::ideal(p), 4),
            100.0 * p.efficiency,
            sig(p.step_s * 1e3, 4),
            sig(p.exposed_comm_s * 1e3, 4)
        )
    }

    /// The points in order of chips.
    fn sorted(&self) -> Vec<&ScalingPoint> {
        let mut v: Vec<&ScalingPoint> = self.points.iter().collect();
        v.sort_by_key(|p| p.chips);
        v
    }
}

/// A line through the points of a panel, in one colour; `dots` puts a
/// titled dot on each point.
struct Line {
    at: Vec<(f64, f64)>,
    colour: RGBColor,
    dots: bool,
}

/// One panel on `area`: a log x axis of chips, a y axis (`y` = low, high,
/// log), and `lines` (their dots titled by `points`, in the same order).
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[&ScalingPoint],
    y_desc: &str,
    y: (f64, f64, bool),
    lines: &[Line],
    marks: &mut Marks,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let chips = points.iter().map(|p| f64::from(p.chips));
    let (x_lo, x_hi) = padded(
        chips.clone().fold(f64::INFINITY, f64::min),
        chips.fold(0.0, f64::max),
        true,
    );
    let (y_lo, y_hi, log) = y;
    let (pw, ph) = area.dim_in_pixel();
    let (px, py) = (f64::from(pw) - 110.0, f64::from(ph) - 70.0);
    let all_x = axes::label_all(x_lo, x_hi, px, axes::widest_label(x_lo, x_hi));
    let x_label = |v: &f64| axes::log_label(*v, all_x);
    let mut b = ChartBuilder::on(area);
    b.margin(10)
        .margin_right(24)
        .x_label_area_size(50)
        .y_label_area_size(80);
    let x = axes::log_axis(x_lo, x_hi, px);
    if log {
        let all_y = axes::label_all(y_lo, y_hi, py, axes::label_height());
        let c = b.build_cartesian_2d(x, axes::log_axis(y_lo, y_hi, py))?;
        body(
            c,
            &x_label,
            &|v| axes::log_label(*v, all_y),
            y_desc,
            points,
            lines,
            marks,
        )
    } else {
        let c = b.build_cartesian_2d(x, y_lo..y_hi)?;
        body(c, &x_label, &|v| sig(*v, 2), y_desc, points, lines, marks)
    }
}

/// The axes and lines of a [`panel`] on its coordinates.
fn body<DB, X, Y>(
    mut c: ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_label: &dyn Fn(&f64) -> String,
    y_label: &dyn Fn(&f64) -> String,
    y_desc: &str,
    points: &[&ScalingPoint],
    lines: &[Line],
    marks: &mut Marks,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    axes::mesh(&mut c, (x_label, y_label), ("chips (log scale)", y_desc))?;
    // Lines first, then the dots on top: a line that coincides with another
    // (ideal scaling) stays visible through the dots.
    for l in lines {
        c.draw_series(std::iter::once(PathElement::new(
            l.at.clone(),
            l.colour.stroke_width(if l.dots { 3 } else { 2 }),
        )))?;
    }
    for l in lines.iter().filter(|l| l.dots) {
        for (p, at) in points.iter().zip(&l.at) {
            marks.circle(
                c.backend_coord(at),
                DOT_R,
                l.colour,
                true,
                ScalingCurve::hover(p),
            );
        }
        c.draw_series(
            l.at.iter()
                .map(|at| Circle::new(*at, DOT_R, l.colour.filled())),
        )?;
    }
    Ok(())
}

impl Chart for ScalingCurve<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 560)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let points = self.sorted();
        let area = kit::titled(root, &self.title)?;
        if points.is_empty() {
            return Ok(());
        }
        let (plot, side) = kit::with_legend(&area);
        let halves = plot.split_evenly((1, 2));

        let measured: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (f64::from(p.chips), p.samples_per_s))
            .collect();
        let ideal: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (f64::from(p.chips), ScalingCurve::ideal(p)))
            .collect();
        let ys = measured
            .iter()
            .chain(&ideal)
            .map(|p| p.1)
            .filter(|v| *v > 0.0);
        let (lo, hi) = padded(
            ys.clone().fold(f64::INFINITY, f64::min),
            ys.fold(0.0, f64::max),
            true,
        );
        panel(
            &halves[0],
            &points,
            "samples per second (log scale)",
            (lo, hi, true),
            &[
                Line {
                    at: measured,
                    colour: SIMULATED,
                    dots: true,
                },
                Line {
                    at: ideal,
                    colour: IDEAL,
                    dots: false,
                },
            ],
            marks,
        )?;

        let eff: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (f64::from(p.chips), 100.0 * p.efficiency))
            .collect();
        let top = eff.iter().map(|p| p.1).fold(100.0, f64::max) * 1.08;
        let full = vec![(eff[0].0, 100.0), (eff[eff.len() - 1].0, 100.0)];
        panel(
            &halves[1],
            &points,
            "scaling efficiency (% of ideal)",
            (0.0, top, false),
            &[
                Line {
                    at: eff,
                    colour: EFFICIENCY,
                    dots: true,
                },
                Line {
                    at: full,
                    colour: IDEAL,
                    dots: false,
                },
            ],
            marks,
        )?;

        let entries = [
            Entry::new("simulated samples/s", SIMULATED, Marker::Dot),
            Entry::new("ideal: one chip x chips", IDEAL, Marker::Line),
            Entry::new("efficiency", EFFICIENCY, Marker::Dot),
        ];
        kit::legend(&side, "data parallel", &entries)?;
        Ok(())
    }
}
