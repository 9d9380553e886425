//! Drawing helpers shared by the plots: a legend beside the plot (never over
//! the data), the title strip, and the layer axis.

use super::style::{self, text, text_in, INK};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the legend strip at the right of a plot (px).
pub const LEGEND_W: u32 = 250;

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A filled square (bars).
    Box,
    /// A filled circle (points).
    Dot,
    /// A small filled circle (minor points).
    SmallDot,
    /// A hollow circle.
    Ring,
    /// A line segment (roofs, fronts, averages).
    Line,
    /// A filled circle with a dark outline.
    OutlinedDot,
    /// A line through a hollow circle (a connected front).
    LineRing,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Text.
    pub label: String,
    /// Colour of the marker.
    pub colour: RGBColor,
    /// Marker shape.
    pub marker: Marker,
}

impl Entry {
    /// An entry.
    pub fn new(label: impl Into<String>, colour: RGBColor, marker: Marker) -> Entry {
        Entry {
            label: label.into(),
            colour,
            marker,
        }
    }
}

/// Splits off a title strip at the top of `root`, draws `title` in it, and
/// returns the rest.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (top, rest) = root.split_vertically(44);
    let (w, _) = top.dim_in_pixel();
    top.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 10),
        text(style::TITLE_PX).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    Ok(rest)
}

/// Splits `area` into the plot (left) and the legend strip (right).
pub fn with_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = area.dim_in_pixel();
    area.split_horizontally(w.saturating_sub(LEGEND_W))
}

/// Height of one legend row (px); a label of several lines (`\n`) takes
/// [`LINE`] more per extra line.
pub const ROW: i32 = 24;
/// Height of an extra line of a legend label (px).
pub const LINE: i32 = 18;

/// Draws a legend (optional heading, then one entry per row) at the top of
/// `area`; returns the height it took (px). Labels may hold `\n`.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[Entry],
) -> Result<i32, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut y = 40;
    if !heading.is_empty() {
        area.draw(&Text::new(
            heading.to_string(),
            (12, y),
            text_in(style::TICK_PX, INK),
        ))?;
        y += ROW;
    }
    for e in entries {
        let c = e.colour;
        let mid = y + 8;
        match e.marker {
            Marker::Box => {
                area.draw(&Rectangle::new([(12, mid - 7), (26, mid + 7)], c.filled()))?
            }
            Marker::Dot => area.draw(&Circle::new((19, mid), 6, c.filled()))?,
            Marker::SmallDot => area.draw(&Circle::new((19, mid), 3, c.filled()))?,
            Marker::Ring => area.draw(&Circle::new((19, mid), 6, c.stroke_width(2)))?,
            Marker::Line => area.draw(&PathElement::new(
                vec![(8, mid), (30, mid)],
                c.stroke_width(3),
            ))?,
            Marker::OutlinedDot => {
                area.draw(&Circle::new((19, mid), 6, c.filled()))?;
                area.draw(&Circle::new((19, mid), 6, INK.stroke_width(1)))?;
            }
            Marker::LineRing => {
                area.draw(&PathElement::new(
                    vec![(6, mid), (32, mid)],
                    c.stroke_width(2),
                ))?;
                area.draw(&Circle::new((19, mid), 8, c.stroke_width(2)))?;
            }
        }
        for (i, line) in e.label.split('\n').enumerate() {
            area.draw(&Text::new(
                line.to_string(),
                (36, y + i as i32 * LINE),
                text_in(style::TICK_PX, INK),
            ))?;
        }
        y += ROW + LINE * e.label.matches('\n').count() as i32;
    }
    Ok(y)
}

/// How many x labels a layer axis of `n` layers shows.
pub fn layer_labels(n: usize) -> usize {
    n.clamp(1, 24)
}

/// The axis range of `n` categories (layers, dataflows, array sizes) at
/// integer positions `0..n`, each given a unit-wide slot.
pub fn slots(n: usize) -> std::ops::Range<f64> {
    -0.5..(n.max(1) as f64 - 0.5)
}

/// The category at tick `v` (an integer position), or nothing between slots.
pub fn slot_of(v: f64, n: usize) -> Option<usize> {
    let r = v.round();
    ((v - r).abs() < 1e-6 && r >= 0.0 && (r as usize) < n).then_some(r as usize)
}

/// A bar filling slot `x` (a layer or category) from `lo` to `hi`, with
/// `gap` pixels left free on each side.
pub fn bar(x: usize, lo: f64, hi: f64, colour: RGBColor, gap: u32) -> Rectangle<(f64, f64)> {
    let x = x as f64;
    let mut r = Rectangle::new([(x - 0.5, lo), (x + 0.5, hi)], colour.filled());
    r.set_margin(0, 0, gap, gap);
    r
}
