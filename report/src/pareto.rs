//! The Pareto scatter: every design point of a sweep on two objectives, the
//! front highlighted and connected, infeasible points greyed. With three
//! objectives the third is the points' colour, the three-objective front is
//! outlined, and this projection's own two-objective front is connected.

use super::axes;
use super::heatmap::{colour_bar, Scale};
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::style::{self, short, text, text_in, FEASIBLE, FRONT, GREY, INK};
use super::{Chart, DrawResult};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Where a point stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// On the Pareto front over all the objectives.
    Front,
    /// Feasible, dominated.
    Feasible,
    /// Violates a constraint.
    Infeasible,
}

/// One design point.
#[derive(Debug, Clone)]
pub struct Point {
    /// X value.
    pub x: f64,
    /// Y value.
    pub y: f64,
    /// Its class.
    pub class: Class,
    /// On the front of these two objectives alone (with two objectives, the
    /// same as `class == Front`).
    pub front2: bool,
    /// The third objective's value (three objectives only).
    pub z: Option<f64>,
    /// Hover title: the design point and its values.
    pub title: String,
    /// A name written beside the point (`None`: none; sweeps have too many
    /// points to name).
    pub label: Option<String>,
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

/// The smallest and largest finite value (infinities when there is none).
pub fn finite_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
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
    /// The third objective's colour scale (three objectives only).
    pub z: Option<Scale>,
    /// The objectives of the front, as the legend names them (`latency,
    /// energy, area`).
    pub front_over: String,
    /// What the points are, as the legend's title says (`design points`,
    /// `targets`).
    pub what: String,
    /// Whether `z` is an objective of the front (a sweep's third), so the
    /// front of the two plotted ones alone is drawn apart; otherwise `z` is
    /// a series (compare's batch) and the front is of the two alone.
    pub z_objective: bool,
    /// The points.
    pub points: Vec<Point>,
}

/// Radius of a front point (px).
const FRONT_R: u32 = 6;
/// Radius of a dominated or infeasible point (px).
const POINT_R: u32 = 3;
/// Size of a point's label (px).
const LABEL_PX: f64 = 12.0;
/// Radius of the ring around a point of a projection's own front (px).
const RING_R: u32 = 9;

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

    /// The fill of a feasible point: the third objective's colour, or the
    /// class colour with two objectives.
    pub fn fill(&self, p: &Point) -> RGBColor {
        match (&self.z, p.z) {
            (Some(s), Some(z)) => s.colour(z),
            _ if p.class == Class::Front => FRONT,
            _ => FEASIBLE,
        }
    }
}

impl Chart for Scatter {
    fn size(&self) -> (u32, u32) {
        (1200, 700)
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
        let (pw, ph) = plot.dim_in_pixel();
        // The plotting area: less the margins and label areas below.
        let (px, py) = (f64::from(pw) - 130.0, f64::from(ph) - 70.0);
        let labels = (
            axes::label_all(xr.0, xr.1, px, axes::widest_label(xr.0, xr.1)),
            axes::label_all(yr.0, yr.1, py, axes::label_height()),
        );
        let mut b = ChartBuilder::on(&plot);
        b.margin(10)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(90);
        match (self.x.log, self.y.log) {
            (false, false) => {
                let c = b.build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)?;
                self.series(c, labels, marks)?;
            }
            (true, false) => {
                let c = b.build_cartesian_2d(axes::log_axis(xr.0, xr.1, px), yr.0..yr.1)?;
                self.series(c, labels, marks)?;
            }
            (false, true) => {
                let c = b.build_cartesian_2d(xr.0..xr.1, axes::log_axis(yr.0, yr.1, py))?;
                self.series(c, labels, marks)?;
            }
            (true, true) => {
                let c = b.build_cartesian_2d(
                    axes::log_axis(xr.0, xr.1, px),
                    axes::log_axis(yr.0, yr.1, py),
                )?;
                self.series(c, labels, marks)?;
            }
        }
        self.legend(&side)
    }
}

impl Scatter {
    fn legend<DB: DrawingBackend>(&self, side: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let front2 = self.drawn().filter(|p| p.front2).count();
        let mut entries = Vec::new();
        match &self.z {
            None => {
                entries.push(Entry::new(
                    format!("Pareto front ({})", self.count(Class::Front)),
                    FRONT,
                    Marker::Dot,
                ));
                entries.push(Entry::new(
                    format!("feasible, dominated ({})", self.count(Class::Feasible)),
                    FEASIBLE,
                    Marker::Dot,
                ));
            }
            Some(s) => {
                entries.push(Entry::new(
                    format!(
                        "front over {}\n({} points)",
                        self.front_over,
                        self.count(Class::Front)
                    ),
                    s.colour((s.lo + s.hi) / 2.0),
                    Marker::OutlinedDot,
                ));
                if self.z_objective {
                    entries.push(Entry::new(
                        format!("front of these two\n({front2} points)"),
                        FRONT,
                        Marker::LineRing,
                    ));
                }
                entries.push(Entry::new(
                    format!("feasible, dominated ({})", self.count(Class::Feasible)),
                    s.colour((s.lo + s.hi) / 2.0),
                    Marker::SmallDot,
                ));
            }
        }
        if self.count(Class::Infeasible) > 0 {
            entries.push(Entry::new(
                format!("infeasible ({})", self.count(Class::Infeasible)),
                GREY,
                Marker::Ring,
            ));
        }
        let used = kit::legend(side, &self.what, &entries)?;
        if let Some(s) = &self.z {
            let (_, h) = side.dim_in_pixel();
            let (_, rest) = side.split_vertically((used + 8).min(h as i32 - 200).max(0));
            colour_bar(&rest, s, 24, &[])?;
        }
        Ok(())
    }

    fn series<DB, X, Y>(
        &self,
        mut c: ChartContext<'_, DB, Cartesian2d<X, Y>>,
        (all_x, all_y): (bool, bool),
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let (xlog, ylog) = (self.x.log, self.y.log);
        let x_label = |v: &f64| tick(*v, xlog, all_x);
        let y_label = |v: &f64| tick(*v, ylog, all_y);
        c.configure_mesh()
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .max_light_lines(4)
            .x_desc(self.x.full_desc())
            .y_desc(self.y.full_desc())
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .draw()?;
        let of = |class: Class| self.drawn().filter(move |p| p.class == class);
        for (class, r, filled) in [
            (Class::Infeasible, POINT_R, false),
            (Class::Feasible, POINT_R, true),
            (Class::Front, FRONT_R, true),
        ] {
            for p in of(class) {
                let colour = if filled { self.fill(p) } else { GREY };
                marks.circle(c.backend_coord(&(p.x, p.y)), r, colour, filled, &p.title);
            }
        }
        c.draw_series(
            of(Class::Infeasible).map(|p| Circle::new((p.x, p.y), POINT_R, GREY.stroke_width(1))),
        )?;
        let dominated = |p: &Point| {
            let colour = self.fill(p);
            if self.z.is_some() {
                colour.filled()
            } else {
                colour.mix(0.55).filled()
            }
        };
        c.draw_series(of(Class::Feasible).map(|p| Circle::new((p.x, p.y), POINT_R, dominated(p))))?;
        let mut front: Vec<(f64, f64)> = self
            .drawn()
            .filter(|p| p.front2)
            .map(|p| (p.x, p.y))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        c.draw_series(std::iter::once(PathElement::new(
            front.clone(),
            FRONT.stroke_width(2),
        )))?;
        c.draw_series(
            of(Class::Front).map(|p| Circle::new((p.x, p.y), FRONT_R, self.fill(p).filled())),
        )?;
        if self.z.is_some() {
            c.draw_series(
                of(Class::Front).map(|p| Circle::new((p.x, p.y), FRONT_R, INK.stroke_width(1))),
            )?;
            c.draw_series(
                front
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), RING_R, FRONT.stroke_width(2))),
            )?;
        }
        c.draw_series(self.drawn().filter_map(|p| {
            let label = p.label.as_ref()?;
            Some(
                EmptyElement::at((p.x, p.y))
                    + Text::new(
                        label.clone(),
                        (RING_R as i32, -(RING_R as i32)),
                        text_in(LABEL_PX, INK),
                    ),
            )
        }))?;
        Ok(())
    }
}

/// A tick label: on a log axis at 1, 2 and 5 times a power of ten (only the
/// powers of ten unless `all`); on a linear one, every tick.
fn tick(v: f64, log: bool, all: bool) -> String {
    if log {
        axes::log_label(v, all)
    } else {
        short(v)
    }
}
