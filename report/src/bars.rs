//! Stacked bars over categories (chip counts, layers): each series has a
//! colour and a column of the category's slot (one column, or several side
//! by side), series of a column stack in order, every segment has a hover
//! title, and a column's total can be written above it.

use super::axes;
use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::style::{self, short, sig, text, text_in, INK};
use super::{Chart, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One stacked quantity.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Fill.
    pub colour: RGBColor,
    /// The column of the slot it stacks in (0 = leftmost).
    pub column: usize,
}

/// Stacked bars, one slot per category.
#[derive(Debug, Clone)]
pub struct StackedBars {
    /// Plot title.
    pub title: String,
    /// Category names, in slot order.
    pub categories: Vec<String>,
    /// Write the category names upwards under the slots (long names) instead
    /// of as tick labels.
    pub upward: bool,
    /// X axis description.
    pub x_desc: String,
    /// Y axis description (quantity and unit).
    pub y_desc: String,
    /// The series, bottom of each stack first.
    pub series: Vec<Series>,
    /// `values[category][series]`, in the y axis's unit.
    pub values: Vec<Vec<f64>>,
    /// Each category's hover text; a segment's title adds its series and value.
    pub hovers: Vec<String>,
    /// Unit named after a value in hover titles.
    pub unit: String,
    /// Write each column's total above it.
    pub totals: bool,
    /// Pixels left free at the outer sides of a slot.
    pub gap: u32,
    /// Legend heading.
    pub legend: String,
    /// Picture size.
    pub size: (u32, u32),
}

impl StackedBars {
    /// Columns per slot.
    fn columns(&self) -> usize {
        self.series.iter().map(|s| s.column + 1).max().unwrap_or(1)
    }

    /// The series drawn: those non-zero in at least one category.
    pub fn shown(&self) -> Vec<usize> {
        (0..self.series.len())
            .filter(|&k| {
                self.values
                    .iter()
                    .any(|v| v.get(k).is_some_and(|&x| x > 0.0))
            })
            .collect()
    }

    /// Each category's column totals.
    pub fn column_totals(&self) -> Vec<Vec<f64>> {
        self.values
            .iter()
            .map(|v| {
                let mut t = vec![0.0; self.columns()];
                for (s, x) in self.series.iter().zip(v) {
                    t[s.column] += x.max(0.0);
                }
                t
            })
            .collect()
    }

    /// Left and right pixel margins of column `col`: the slot's gap outside,
    /// a third of it (at least 1 px) between columns.
    fn margins(&self, col: usize) -> (u32, u32) {
        let inner = (self.gap / 3).max(1);
        let cols = self.columns();
        (
            if col == 0 { self.gap } else { inner },
            if col + 1 == cols { self.gap } else { inner },
        )
    }
}

impl Chart for StackedBars {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let n = self.categories.len();
        let cols = self.columns();
        let totals = self.column_totals();
        let max = totals
            .iter()
            .flatten()
            .copied()
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE);
        let head = if self.totals { 1.15 } else { 1.05 };
        let area = kit::titled(root, &self.title)?;
        let (plot, side) = kit::with_legend(&area);
        let x_area = if self.upward {
            kit::upward_height(self.categories.iter())
        } else {
            50
        };
        let mut c = ChartBuilder::on(&plot)
            .margin(10)
            .x_label_area_size(x_area)
            .y_label_area_size(80)
            .build_cartesian_2d(kit::slots(n), 0f64..max * head)?;
        let label =
            |v: &f64| kit::slot_of(*v, n).map_or_else(String::new, |i| self.categories[i].clone());
        let mut mesh = c.configure_mesh();
        mesh.disable_x_mesh()
            .y_label_formatter(&|v| short(*v))
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .max_light_lines(4);
        if self.upward {
            mesh.x_labels(0);
        } else {
            mesh.x_labels(n.max(1)).x_label_formatter(&label);
        }
        mesh.draw()?;

        let width = 1.0 / cols as f64;
        let shown = self.shown();
        let mut below = vec![vec![0.0; cols]; n];
        for &k in &shown {
            let s = &self.series[k];
            let (left, right) = self.margins(s.column);
            let mut bars = Vec::new();
            for (i, v) in self.values.iter().enumerate() {
                let x = v.get(k).copied().unwrap_or(0.0);
                if x <= 0.0 {
                    continue;
                }
                let lo = below[i][s.column];
                let hi = lo + x;
                below[i][s.column] = hi;
                let x0 = i as f64 - 0.5 + s.column as f64 * width;
                let (a, b) = (
                    c.backend_coord(&(x0, lo)),
                    c.backend_coord(&(x0 + width, hi)),
                );
                marks.rect(
                    (a.0.min(b.0) + left as i32, a.1),
                    (a.0.max(b.0) - right as i32, b.1),
                    s.colour,
                    format!(
                        "{}\n{}: {} {}",
                        self.hovers.get(i).map_or("", String::as_str),
                        s.label,
                        sig(x, 4),
                        self.unit
                    ),
                );
                let mut r = Rectangle::new([(x0, lo), (x0 + width, hi)], s.colour.filled());
                r.set_margin(0, 0, left, right);
                bars.push(r);
            }
            c.draw_series(bars)?;
        }
        if self.totals {
            c.draw_series(totals.iter().enumerate().flat_map(|(i, t)| {
                t.iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(move |(j, v)| {
                        Text::new(
                            sig(*v, 4),
                            (i as f64 - 0.5 + (j as f64 + 0.5) * width, v + max * 0.02),
                            text_in(style::TICK_PX, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
                        )
                    })
            }))?;
        }
        if self.upward {
            let (pw, _) = c.plotting_area().dim_in_pixel();
            let column_px = f64::from(pw) / n.max(1) as f64;
            kit::upward_names(root, &self.categories, column_px, |i| {
                c.backend_coord(&(i as f64, 0.0))
            })?;
        }
        let mut entries: Vec<Entry> = shown
            .iter()
            .map(|&k| Entry::new(&self.series[k].label, self.series[k].colour, Marker::Box))
            .collect();
        // Top of the stack first, as the bars read.
        entries.reverse();
        kit::legend(&side, &self.legend, &entries)?;
        Ok(())
    }
}
