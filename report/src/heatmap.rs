//! Heatmaps: panels of coloured cells (e.g. utilization over rows x cols,
//! one panel per dataflow) with a colour-scale legend.

use super::kit;
use super::style::{self, text, text_in, INK};
use super::{Chart, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Border colour of every cell (tests count cells by it).
pub const CELL_BORDER: RGBColor = RGBColor(255, 255, 255);
/// Fill of a cell with no data.
pub const EMPTY: RGBColor = RGBColor(235, 235, 235);

/// How values map to colours.
#[derive(Debug, Clone)]
pub struct Scale {
    /// Lowest value (darkest colour unless `reversed`).
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Logarithmic mapping.
    pub log: bool,
    /// High values get the dark end of the map.
    pub reversed: bool,
    /// Colour-bar axis description (quantity and unit).
    pub label: String,
    /// How a value is written in a cell and on the bar.
    pub unit_suffix: String,
    /// Multiplier applied before writing values (e.g. 100 for percent).
    pub display_scale: f64,
}

impl Scale {
    /// Position of `v` on the map, 0..=1.
    pub fn t(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.max(self.lo).ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if self.reversed {
            1.0 - t
        } else {
            t
        }
    }

    /// The value at map position `t` (the inverse of [`Scale::t`]).
    pub fn value_at(&self, t: f64) -> f64 {
        let t = if self.reversed { 1.0 - t } else { t };
        if self.log {
            (self.lo.ln() + t * (self.hi.ln() - self.lo.ln())).exp()
        } else {
            self.lo + t * (self.hi - self.lo)
        }
    }

    /// Colour of `v`.
    pub fn colour(&self, v: f64) -> RGBColor {
        style::viridis(self.t(v))
    }

    /// `v` as written.
    pub fn show(&self, v: f64) -> String {
        let x = v * self.display_scale;
        let s = if x.abs() >= 100.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        };
        format!("{s}{}", self.unit_suffix)
    }
}

/// One panel: a grid of cells, `cells[y][x]`, `None` where there is no data.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Panel heading (e.g. the dataflow).
    pub title: String,
    /// Column labels (x).
    pub x_labels: Vec<String>,
    /// Row labels (y, bottom to top).
    pub y_labels: Vec<String>,
    /// Values, `cells[y][x]`.
    pub cells: Vec<Vec<Option<f64>>>,
}

/// A heatmap chart: panels side by side and a colour bar at the right.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Plot title.
    pub title: String,
    /// The panels.
    pub panels: Vec<Panel>,
    /// X axis description (quantity and unit).
    pub x_desc: String,
    /// Y axis description (quantity and unit).
    pub y_desc: String,
    /// The colour mapping.
    pub scale: Scale,
    /// Picture size.
    pub size: (u32, u32),
    /// Write each cell's value in it (when cells are large enough).
    pub values: bool,
}

impl Heatmap {
    /// Number of cells drawn (with or without data).
    pub fn cell_count(&self) -> usize {
        self.panels
            .iter()
            .map(|p| p.x_labels.len() * p.y_labels.len())
            .sum()
    }
}

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = kit::titled(root, &self.title)?;
        let (w, _) = area.dim_in_pixel();
        let (plots, bar) = area.split_horizontally(w.saturating_sub(150));
        let panels = plots.split_evenly((1, self.panels.len().max(1)));
        for (p, a) in self.panels.iter().zip(&panels) {
            self.panel(p, a)?;
        }
        colour_bar(&bar, &self.scale)
    }
}

impl Heatmap {
    fn panel<DB: DrawingBackend>(&self, p: &Panel, a: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (nx, ny) = (p.x_labels.len(), p.y_labels.len());
        let mut b = ChartBuilder::on(a);
        if !p.title.is_empty() {
            b.caption(&p.title, text(style::AXIS_PX));
        }
        let mut c = b
            .margin(8)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(kit::slots(nx), kit::slots(ny))?;
        let label = |labels: &[String], v: f64| {
            kit::slot_of(v, labels.len()).map_or_else(String::new, |i| labels[i].clone())
        };
        c.configure_mesh()
            .disable_mesh()
            .x_labels(nx.min(30))
            .y_labels(ny.min(30))
            .x_label_formatter(&|v| label(&p.x_labels, *v))
            .y_label_formatter(&|v| label(&p.y_labels, *v))
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .draw()?;
        let cell = |x: usize, y: usize| {
            let (x, y) = (x as f64, y as f64);
            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)]
        };
        let mut fills = Vec::new();
        let mut borders = Vec::new();
        for (y, row) in p.cells.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                let colour = v.map_or(EMPTY, |v| self.scale.colour(v));
                fills.push(Rectangle::new(cell(x, y), colour.filled()));
                borders.push(Rectangle::new(cell(x, y), CELL_BORDER.stroke_width(1)));
            }
        }
        c.draw_series(fills)?;
        c.draw_series(borders)?;
        let (pw, ph) = c.plotting_area().dim_in_pixel();
        let big = pw as usize / nx.max(1) >= 38 && ph as usize / ny.max(1) >= 18;
        if self.values && big {
            let mut labels = Vec::new();
            for (y, row) in p.cells.iter().enumerate() {
                for (x, v) in row.iter().enumerate() {
                    let (s, ink) = match v {
                        Some(v) => {
                            let dark = self.scale.t(*v) < 0.6;
                            (self.scale.show(*v), if dark { WHITE } else { BLACK })
                        }
                        None => ("n/a".to_string(), INK),
                    };
                    labels.push(Text::new(
                        s,
                        (x as f64, y as f64),
                        text_in(13.0, ink).pos(Pos::new(HPos::Center, VPos::Center)),
                    ));
                }
            }
            c.draw_series(labels)?;
        }
        Ok(())
    }
}

/// A vertical colour bar with its axis (`scale.label`), drawn in map
/// position (0..1) and labelled with the values there.
pub fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, scale: &Scale) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let steps = 64;
    let mut c = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(64)
        .margin_right(8)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    c.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|t| scale.show(scale.value_at(*t)))
        .y_desc(scale.label.as_str())
        .axis_desc_style(text(style::TICK_PX))
        .label_style(text(style::TICK_PX))
        .draw()?;
    c.draw_series((0..steps).map(|i| {
        let a = f64::from(i) / f64::from(steps);
        let b = f64::from(i + 1) / f64::from(steps);
        // Each step overlaps the next a little: no seams between them when scaled.
        let top = (b + 0.5 / f64::from(steps)).min(1.0);
        Rectangle::new(
            [(0.0, a), (1.0, top)],
            style::viridis((a + b) / 2.0).filled(),
        )
    }))?;
    Ok(())
}
