//! Drawing helpers shared by the plots: a legend beside the plot (never over
//! the data), the title strip, the layer axis, and names written upwards
//! under columns.

use super::style::{self, text, text_in, INK};
use super::typeset;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::FontTransform;

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

/// Size of the names written upwards under columns (px).
pub const NAME_PX: f64 = 13.0;
/// The longest an upward name may be (px); longer ones are cut with `…`.
pub const NAME_MAX: f64 = 150.0;

/// `name` cut to [`NAME_MAX`] pixels with an ellipsis.
pub fn cut(name: &str) -> String {
    if typeset::width(NAME_PX, name) <= NAME_MAX {
        return name.to_string();
    }
    let mut s: String = name.to_string();
    while !s.is_empty() && typeset::width(NAME_PX, &format!("{s}…")) > NAME_MAX {
        s.pop();
    }
    format!("{s}…")
}

/// Height of an x label area holding `names` written upwards, with the
/// axis description under them (px).
pub fn upward_height<'a>(names: impl Iterator<Item = &'a String>) -> u32 {
    let longest = names
        .map(|l| typeset::width(NAME_PX, &cut(l)))
        .fold(0.0, f64::max);
    longest.ceil() as u32 + 44
}

/// Writes `names` upwards, each ending 8 px under `at(i)` (the pixel of the
/// bottom of column `i`, on `root`), in columns `column_px` wide: as many as
/// fit side by side (every k-th when the columns are narrower than a line).
pub fn upward_names<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    names: &[String],
    column_px: f64,
    at: impl Fn(usize) -> (i32, i32),
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let step = ((typeset::em(NAME_PX) * 1.3) / column_px).ceil().max(1.0) as usize;
    for (i, l) in names.iter().enumerate().step_by(step) {
        let (x, y) = at(i);
        root.draw(&Text::new(
            cut(l),
            (x, y + 8),
            text_in(NAME_PX, INK)
                .pos(Pos::new(HPos::Right, VPos::Center))
                .transform(FontTransform::Rotate270),
        ))?;
    }
    Ok(())
}
