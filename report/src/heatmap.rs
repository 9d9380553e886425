//! Heatmaps: panels of coloured cells (e.g. utilization over rows x cols,
//! one panel per dataflow) with a colour-scale legend; cells without a value
//! say why (infeasible, or not swept) in their own fill and in the legend.

use super::axes;
use super::hover::Marks;
use super::kit;
use super::style::{self, short, text, text_in, INK};
use super::typeset;
use super::{Chart, DrawResult};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Border colour of every cell (tests count cells by it).
pub const CELL_BORDER: RGBColor = RGBColor(255, 255, 255);
/// Fill of a cell with no data (not swept).
pub const EMPTY: RGBColor = RGBColor(244, 244, 244);
/// Fill of a cell whose points were all infeasible.
pub const INFEASIBLE: RGBColor = RGBColor(160, 160, 160);
/// Size of the text in cells.
const CELL_PX: f64 = 13.0;

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
        } else if x.abs() >= 1.0 || x == 0.0 {
            format!("{x:.1}")
        } else {
            short(x)
        };
        format!("{s}{}", self.unit_suffix)
    }

    /// The values the colour bar labels: 1-2-5 ticks on a log scale, six
    /// even steps on a linear one.
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            axes::log_ticks(self.lo, self.hi, 1.0).major
        } else {
            (0..=5)
                .map(|i| self.lo + f64::from(i) / 5.0 * (self.hi - self.lo))
                .collect()
        }
    }
}

/// One cell of a heatmap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A value, coloured by the scale.
    Value(f64),
    /// Points exist here but none is feasible.
    Infeasible,
    /// Nothing here (not swept, no data).
    Empty,
}

/// One panel: a grid of cells, `cells[y][x]`.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Panel heading (e.g. the dataflow).
    pub title: String,
    /// Column labels (x).
    pub x_labels: Vec<String>,
    /// Row labels (y, bottom to top).
    pub y_labels: Vec<String>,
    /// Values, `cells[y][x]`.
    pub cells: Vec<Vec<Cell>>,
    /// Hover title of each cell, `titles[y][x]` (none when empty).
    pub titles: Vec<Vec<String>>,
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
    /// Column labels written upwards (long names, many columns).
    pub rotate_x: bool,
    /// What an [`Cell::Empty`] cell means (`not swept`, `no data`).
    pub empty_label: String,
}

impl Heatmap {
    /// Number of cells drawn (with or without data).
    pub fn cell_count(&self) -> usize {
        self.panels
            .iter()
            .map(|p| p.x_labels.len() * p.y_labels.len())
            .sum()
    }

    /// Whether any cell is `c` (for the legend).
    fn has(&self, c: Cell) -> bool {
        self.panels
            .iter()
            .any(|p| p.cells.iter().flatten().any(|x| *x == c))
    }

    /// Height of the rotated column labels (px).
    fn x_label_height(&self) -> u32 {
        if !self.rotate_x {
            return 56;
        }
        kit::upward_height(self.panels.iter().flat_map(|p| &p.x_labels))
    }
}

impl Chart for Heatmap {
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
        let area = kit::titled(root, &self.title)?;
        let (w, _) = area.dim_in_pixel();
        let (plots, bar) = area.split_horizontally(w.saturating_sub(150));
        let panels = plots.split_evenly((1, self.panels.len().max(1)));
        for (p, a) in self.panels.iter().zip(&panels) {
            self.panel(p, a, root, marks)?;
        }
        let mut status = Vec::new();
        if self.has(Cell::Infeasible) {
            status.push(("infeasible", INFEASIBLE));
        }
        if self.has(Cell::Empty) {
            status.push((self.empty_label.as_str(), EMPTY));
        }
        colour_bar(&bar, &self.scale, 40, &status)
    }
}

impl Heatmap {
    fn panel<DB: DrawingBackend>(
        &self,
        p: &Panel,
        a: &DrawingArea<DB, Shift>,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
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
            .x_label_area_size(self.x_label_height())
            .y_label_area_size(80)
            .build_cartesian_2d(kit::slots(nx), kit::slots(ny))?;
        let label = |labels: &[String], v: f64| {
            kit::slot_of(v, labels.len()).map_or_else(String::new, |i| labels[i].clone())
        };
        let rotate = self.rotate_x;
        let x_label = |v: &f64| label(&p.x_labels, *v);
        let y_label = |v: &f64| label(&p.y_labels, *v);
        let mut mesh = c.configure_mesh();
        mesh.disable_mesh()
            .y_labels(ny.min(30))
            .y_label_formatter(&y_label)
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX));
        if rotate {
            mesh.x_labels(0);
        } else {
            mesh.x_labels(nx.min(30)).x_label_formatter(&x_label);
        }
        mesh.draw()?;
        let corners = |x: usize, y: usize| {
            let (x, y) = (x as f64, y as f64);
            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)]
        };
        let fill = |v: &Cell| match v {
            Cell::Value(v) => self.scale.colour(*v),
            Cell::Infeasible => INFEASIBLE,
            Cell::Empty => EMPTY,
        };
        let mut fills = Vec::new();
        let mut borders = Vec::new();
        for (y, row) in p.cells.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                let [lo, hi] = corners(x, y);
                fills.push(Rectangle::new([lo, hi], fill(v).filled()));
                borders.push(Rectangle::new([lo, hi], CELL_BORDER.stroke_width(1)));
                if let Some(t) = p.titles.get(y).and_then(|r| r.get(x)) {
                    marks.rect(
                        c.backend_coord(&lo),
                        c.backend_coord(&hi),
                        fill(v),
                        t.clone(),
                    );
                }
            }
        }
        c.draw_series(fills)?;
        c.draw_series(borders)?;
        let (pw, ph) = c.plotting_area().dim_in_pixel();
        let (cw, ch) = (
            f64::from(pw) / nx.max(1) as f64,
            f64::from(ph) / ny.max(1) as f64,
        );
        if self.values && ch >= 18.0 {
            let mut labels = Vec::new();
            for (y, row) in p.cells.iter().enumerate() {
                for (x, v) in row.iter().enumerate() {
                    let (s, ink) = match v {
                        Cell::Value(v) => {
                            let dark = self.scale.t(*v) < 0.6;
                            (self.scale.show(*v), if dark { WHITE } else { BLACK })
                        }
                        Cell::Infeasible => ("infeasible".to_string(), INK),
                        Cell::Empty => (self.empty_label.clone(), INK),
                    };
                    if typeset::width(CELL_PX, &s) + 4.0 <= cw {
                        labels.push(Text::new(
                            s,
                            (x as f64, y as f64),
                            text_in(CELL_PX, ink).pos(Pos::new(HPos::Center, VPos::Center)),
                        ));
                    }
                }
            }
            c.draw_series(labels)?;
        }
        if rotate {
            kit::upward_names(root, &p.x_labels, cw, |i| {
                c.backend_coord(&(i as f64, -0.5))
            })?;
        }
        Ok(())
    }
}

/// The colour bar's axis and colours, in value space (low values at the bottom).
fn bar_body<DB, Y>(
    mut c: ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    scale: &Scale,
) -> DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let steps = 64;
    let ticks = scale.ticks();
    c.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(ticks.len())
        .y_label_formatter(&|v| scale.show(*v))
        .set_all_tick_mark_size(4)
        .y_desc(scale.label.as_str())
        .axis_desc_style(text(style::TICK_PX))
        .label_style(text(style::TICK_PX))
        .draw()?;
    c.draw_series((0..steps).map(|i| {
        let a = f64::from(i) / f64::from(steps);
        let b = f64::from(i + 1) / f64::from(steps);
        // Each step overlaps the next a little: no seams between them when scaled.
        let far = (b + 0.5 / f64::from(steps)).min(1.0);
        let colour = scale.colour(scale.value_at((a + b) / 2.0));
        Rectangle::new(
            [(0.0, scale.value_at(a)), (1.0, scale.value_at(far))],
            colour.filled(),
        )
    }))?;
    Ok(())
}

/// A vertical colour bar `bar_w` pixels wide at the right of `area`, with
/// its axis (`scale.label`) and tick labels on the left, drawn in map
/// position (0..1) and labelled with the values there; under it a swatch per
/// `status` (label, fill) for cells with no value.
pub fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: &Scale,
    bar_w: u32,
    status: &[(&str, RGBColor)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let swatches = 26 * status.len() as u32;
    let (top, bottom) = area.split_vertically(h.saturating_sub(swatches));
    // Room for the widest tick label, the gap to the bar and the rotated
    // description.
    let widest = scale
        .ticks()
        .iter()
        .map(|v| typeset::width(style::TICK_PX, &scale.show(*v)))
        .fold(0.0, f64::max);
    let label_w = (widest + 12.0 + 30.0).ceil() as u32;
    let mut b = ChartBuilder::on(&top);
    b.margin_top(40)
        .margin_bottom(if status.is_empty() { 64 } else { 24 })
        .margin_right(w.saturating_sub(label_w + bar_w).max(4))
        .y_label_area_size(label_w);
    let (_, bar_h) = top.dim_in_pixel();
    if scale.log {
        let c = b.build_cartesian_2d(
            0f64..1f64,
            axes::log_axis(scale.lo, scale.hi, f64::from(bar_h)),
        )?;
        bar_body(c, scale)?;
    } else {
        let c = b.build_cartesian_2d(0f64..1f64, scale.lo..scale.hi)?;
        bar_body(c, scale)?;
    }
    for (i, (label, fill)) in status.iter().enumerate() {
        let y = 4 + 26 * i as i32;
        bottom.draw(&Rectangle::new([(12, y), (30, y + 18)], fill.filled()))?;
        bottom.draw(&Rectangle::new(
            [(12, y), (30, y + 18)],
            style::GREY.stroke_width(1),
        ))?;
        bottom.draw(&Text::new(
            label.to_string(),
            (36, y + 9),
            text_in(style::TICK_PX, INK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
