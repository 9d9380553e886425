//! The Pareto scatter: every design point of a sweep on two objectives, the
//! front highlighted (and connected when it is the front of these two),
//! infeasible points greyed.

use super::kit::{self, Entry, Marker};
use super::style::{self, short, text, FEASIBLE, FRONT, GREY};
use super::{Chart, DrawResult};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Where a point stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// On the Pareto front.
    Front,
    /// Feasible, dominated.
    Feasible,
    /// Violates a constraint.
    Infeasible,
}

/// One design point.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    /// X value.
    pub x: f64,
    /// Y value.
    pub y: f64,
    /// Its class.
    pub class: Class,
}

/// An axis: description (quantity and unit) and scale.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Quantity and unit, e.g. `latency (ms)`.
    pub desc: String,
    /// Logarithmic (values span more than a decade and are positive).
    pub log: bool,
    /// Better is larger (shown in the description).
    pub maximize: bool,
}

impl Axis {
    /// An axis for `values`, logarithmic when they span more than a decade.
    pub fn fit(desc: &str, maximize: bool, values: impl Iterator<Item = f64>) -> Axis {
        let (lo, hi) = finite_range(values);
        Axis {
            desc: desc.to_string(),
            log: style::wants_log(lo, hi),
            maximize,
        }
    }

    fn full_desc(&self) -> String {
        format!(
            "{}{}, {} is better",
            self.desc,
            if self.log { ", log scale" } else { "" },
            if self.maximize { "higher" } else { "lower" }
        )
    }
}

fn finite_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The scatter plot.
pub struct Scatter {
    /// Plot title.
    pub title: String,
    /// X axis.
    pub x: Axis,
    /// Y axis.
    pub y: Axis,
    /// The points.
    pub points: Vec<Point>,
    /// Connect the front (true when the front was computed on these two objectives).
    pub connect: bool,
}

impl Scatter {
    /// Points drawn (finite coordinates, positive on log axes).
    pub fn drawn(&self) -> impl Iterator<Item = &Point> {
        self.points.iter().filter(|p| {
            p.x.is_finite()
                && p.y.is_finite()
                && (!self.x.log || p.x > 0.0)
                && (!self.y.log || p.y > 0.0)
        })
    }

    /// Points drawn of class `c`.
    pub fn count(&self, c: Class) -> usize {
        self.drawn().filter(|p| p.class == c).count()
    }
}

impl Chart for Scatter {
    fn size(&self) -> (u32, u32) {
        (1200, 700)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let (xlo, xhi) = finite_range(self.drawn().map(|p| p.x));
        let (ylo, yhi) = finite_range(self.drawn().map(|p| p.y));
        let (xlo, xhi) = if xlo.is_finite() {
            (xlo, xhi)
        } else {
            (1.0, 1.0)
        };
        let (ylo, yhi) = if ylo.is_finite() {
            (ylo, yhi)
        } else {
            (1.0, 1.0)
        };
        let xr = style::padded(xlo, xhi, self.x.log);
        let yr = style::padded(ylo, yhi, self.y.log);
        let mut b = ChartBuilder::on(&plot);
        b.margin(10)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(90);
        match (self.x.log, self.y.log) {
            (false, false) => {
                let c = b.build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)?;
                self.series(c)?;
            }
            (true, false) => {
                let c = b.build_cartesian_2d((xr.0..xr.1).log_scale(), yr.0..yr.1)?;
                self.series(c)?;
            }
            (false, true) => {
                let c = b.build_cartesian_2d(xr.0..xr.1, (yr.0..yr.1).log_scale())?;
                self.series(c)?;
            }
            (true, true) => {
                let c = b.build_cartesian_2d((xr.0..xr.1).log_scale(), (yr.0..yr.1).log_scale())?;
                self.series(c)?;
            }
        }
        let mut entries = vec![
            Entry::new(
                format!("Pareto front ({})", self.count(Class::Front)),
                FRONT,
                Marker::Dot,
            ),
            Entry::new(
                format!("feasible, dominated ({})", self.count(Class::Feasible)),
                FEASIBLE,
                Marker::Dot,
            ),
        ];
        if self.count(Class::Infeasible) > 0 {
            entries.push(Entry::new(
                format!("infeasible ({})", self.count(Class::Infeasible)),
                GREY,
                Marker::Ring,
            ));
        }
        kit::legend(&side, "design points", &entries)
    }
}

impl Scatter {
    fn series<DB, X, Y>(&self, mut c: ChartContext<'_, DB, Cartesian2d<X, Y>>) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let (xlog, ylog) = (self.x.log, self.y.log);
        c.configure_mesh()
            .x_label_formatter(&|v| tick(*v, xlog))
            .y_label_formatter(&|v| tick(*v, ylog))
            .x_desc(self.x.full_desc())
            .y_desc(self.y.full_desc())
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        let of = |class: Class| self.drawn().filter(move |p| p.class == class);
        c.draw_series(
            of(Class::Infeasible).map(|p| Circle::new((p.x, p.y), 3, GREY.stroke_width(1))),
        )?;
        c.draw_series(
            of(Class::Feasible).map(|p| Circle::new((p.x, p.y), 3, FEASIBLE.mix(0.55).filled())),
        )?;
        if self.connect {
            let mut front: Vec<(f64, f64)> = of(Class::Front).map(|p| (p.x, p.y)).collect();
            front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            c.draw_series(std::iter::once(PathElement::new(
                front,
                FRONT.stroke_width(2),
            )))?;
        }
        c.draw_series(of(Class::Front).map(|p| Circle::new((p.x, p.y), 6, FRONT.filled())))?;
        Ok(())
    }
}

/// A tick label; on a log axis only at 1, 2 and 5 times a power of ten, so
/// the crowded ticks at the top of each decade stay unlabelled.
fn tick(v: f64, log: bool) -> String {
    if log && v > 0.0 {
        let m = v / 10f64.powf(v.log10().floor());
        if ![1.0, 2.0, 5.0, 10.0]
            .iter()
            .any(|k| (m - k).abs() < 1e-6 * k)
        {
            return String::new();
        }
    }
    short(v)
}
