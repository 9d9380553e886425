//! Synthesis against array size: each design a synth-stage sweep
//! synthesized, its Fmax from place and route and the resources it takes
//! (LUTs, flip-flops, DSP blocks, block RAMs) against its PEs, one series per
//! dataflow, operand, sparsity and target; designs the device has no room for
//! drawn hollow. And the page section that shows it, with a table of every
//! design.

use super::hover::Marks;
use super::kit::{self, Entry, Marker};
use super::place::{self, Placer};
use super::site::{Section, Table};
use super::style::{self, grouped, short, sig, text, text_in, INK};
use super::typeset::{self, Rect};
use super::{axes, figure, Chart, DrawResult, RenderError};
use dse::{SynthColumns, SynthRow};
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One synthesized design: the sweep points whose designs differ at most in
/// their clock (which the RTL does not see) and synthesized alike, with
/// their rows of every model.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Index of its series in [`Designs::series`].
    pub series: usize,
    /// Rows of the array.
    pub rows: u32,
    /// Columns of the array.
    pub cols: u32,
    /// The sweep points, in row order, each with its design as
    /// [`dse::SweepRow::describe`] gives it.
    pub points: Vec<(u64, String)>,
    /// The synthesis figures.
    pub synth: SynthColumns,
    /// LUTs per achieved TOPS at Fmax of each model with a figure, in row
    /// order.
    pub luts_per_tops: Vec<(String, f64)>,
}

impl Design {
    /// Processing elements: rows x cols.
    pub fn pes(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.cols)
    }

    /// `rows x cols`, e.g. `2x3`.
    pub fn shape(&self) -> String {
        format!("{}x{}", self.rows, self.cols)
    }

    /// Fmax in MHz: only a design that fits has one.
    pub fn fmax(&self) -> Option<f64> {
        self.synth.fmax_mhz.filter(|_| self.synth.fits)
    }

    /// `yes` (with the RTL's cycles), `no` or `not run`.
    pub fn verified(&self) -> String {
        match (self.synth.verified, self.synth.rtl_cycles) {
            (Some(true), Some(c)) => format!("yes ({c} RTL cycles)"),
            (Some(true), None) => "yes".into(),
            (Some(false), _) => "no".into(),
            (None, _) => "not run".into(),
        }
    }

    /// The hover title: shape and series, each point's design, the
    /// resources, Fmax (or what overflowed) and the co-simulation.
    pub fn hover(&self, series: &str) -> String {
        let s = &self.synth;
        let count = |v: Option<u64>| v.map_or("-".into(), grouped);
        let mut t = format!("{} {series}", self.shape());
        for (p, d) in &self.points {
            t.push_str(&format!("\npoint {p}: {d}"));
        }
        t.push_str(&format!(
            "\nLUTs {}, flip-flops {}, DSPs {}, block RAMs {}",
            count(s.luts),
            grouped(s.flip_flops),
            count(s.dsps),
            count(s.block_rams)
        ));
        if !s.fits {
            t.push_str(&format!("\ndid not fit the device: {}; no Fmax", s.no_room));
        } else {
            match self.fmax() {
                Some(f) => t.push_str(&format!("\nFmax {} MHz", sig(f, 4))),
                None => t.push_str("\nFmax: not placed and routed"),
            }
        }
        t.push_str(&format!("\nverified: {}", self.verified()));
        t
    }
}

/// The designs of a synth-stage sweep's rows, and their series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Designs {
    /// Series names (`ws int8 dense, ice40 up5k`), in order of appearance.
    pub series: Vec<String>,
    /// The designs, in order of series, PEs and rows.
    pub designs: Vec<Design>,
}

/// The series a row belongs to: its dataflow, operand, sparsity, target and
/// device.
pub fn series_of(r: &SynthRow) -> String {
    let (d, s) = (&r.sim, &r.synth);
    let device = if s.synth_device.is_empty() {
        String::new()
    } else {
        format!(" {}", s.synth_device)
    };
    let sparsity = if d.sparsity == "dense" {
        "dense".to_string()
    } else {
        format!("{} sparse", d.sparsity)
    };
    format!(
        "{} {} {sparsity}, {}{device}",
        d.dataflow, d.operand, s.synth_target
    )
}

/// Whether two rows' designs synthesized alike: the same design but for the
/// clock, and the same synthesis figures (those that do not depend on the
/// model).
fn alike(a: &SynthRow, b: &SynthRow) -> bool {
    let (x, y) = (&a.sim, &b.sim);
    let (s, t) = (&a.synth, &b.synth);
    x.base == y.base
        && (x.rows, x.cols) == (y.rows, y.cols)
        && (&x.dataflow, &x.operand, &x.sparsity) == (&y.dataflow, &y.operand, &y.sparsity)
        && [
            x.ifmap_sram_kib,
            x.filter_sram_kib,
            x.ofmap_sram_kib,
            x.dram_bandwidth_bytes_per_cycle,
        ] == [
            y.ifmap_sram_kib,
            y.filter_sram_kib,
            y.ofmap_sram_kib,
            y.dram_bandwidth_bytes_per_cycle,
        ]
        && (&s.synth_target, &s.synth_device, s.fits, &s.no_room)
            == (&t.synth_target, &t.synth_device, t.fits, &t.no_room)
        && (s.luts, s.flip_flops, s.dsps, s.block_rams, s.cells)
            == (t.luts, t.flip_flops, t.dsps, t.block_rams, t.cells)
        && s.fmax_mhz == t.fmax_mhz
        && (s.verified, s.rtl_cycles) == (t.verified, t.rtl_cycles)
}

/// The designs of `rows`: rows of one sweep point (one per model) make one
/// design, and so do points that differ only in their clock and
/// synthesized alike.
pub fn designs(rows: &[&SynthRow]) -> Designs {
    let mut series: Vec<String> = Vec::new();
    let mut firsts: Vec<&SynthRow> = Vec::new();
    let mut out: Vec<Design> = Vec::new();
    for r in rows {
        let name = series_of(r);
        let k = match series.iter().position(|s| *s == name) {
            Some(k) => k,
            None => {
                series.push(name);
                series.len() - 1
            }
        };
        let i = match firsts.iter().position(|f| alike(f, r)) {
            Some(i) => i,
            None => {
                firsts.push(r);
                out.push(Design {
                    series: k,
                    rows: r.sim.rows,
                    cols: r.sim.cols,
                    points: Vec::new(),
                    synth: r.synth.clone(),
                    luts_per_tops: Vec::new(),
                });
                out.len() - 1
            }
        };
        let d = &mut out[i];
        if !d.points.iter().any(|(p, _)| *p == r.sim.point) {
            d.points.push((r.sim.point, r.sim.describe()));
        }
        if let Some(v) = r.synth.luts_per_tops {
            if !d.luts_per_tops.iter().any(|(m, _)| *m == r.sim.model) {
                d.luts_per_tops.push((r.sim.model.clone(), v));
            }
        }
    }
    out.sort_by_key(|d| (d.series, d.pes(), d.rows));
    Designs {
        series,
        designs: out,
    }
}

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
/// How a panel writes its tick labels.
type Labels<'a> = &'a dyn Fn(&f64) -> String;

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
        c.configure_mesh()
            .x_label_formatter(x_label)
            .y_label_formatter(y_label)
            .x_desc("PEs (rows x cols, log scale)")
            .y_desc(y_desc)
            .axis_desc_style(text(style::AXIS_PX))
            .label_style(text(style::TICK_PX))
            .bold_line_style(axes::MAJOR)
            .light_line_style(axes::MINOR)
            .max_light_lines(4)
            .draw()?;
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

/// The page section of a synth-stage sweep's `rows` (those of the models
/// shown; `file` is the results file as named on the command line): a
/// summary line, the figure (`synthesis.svg`, `synthesis.png`) and a table
/// of every design.
pub fn section(rows: &[&SynthRow], file: &str) -> Result<Section, RenderError> {
    let ds = designs(rows);
    let reports = Path::new(file).with_extension("synth");
    let mut s = Section::new("Synthesis: Fmax and area against array size");
    s.para(summary(&ds));
    s.figure(figure(
        &SynthChart {
            title: "Synthesized designs: Fmax and resources against PEs".into(),
            designs: &ds,
        },
        "synthesis",
        "Synthesis: Fmax and area against array size",
        &format!(
            "Each dot is one synthesized design at its PEs (rows x cols, log scale; shapes with equal \
             PEs side by side, fewer rows first; the shape is written beside a dot where there is \
             room), coloured by series (dataflow, operand, \
             sparsity, synthesis target and device). Top: Fmax from nextpnr's place and route, and \
             the LUTs and flip-flops Yosys counted; bottom: DSP blocks and block RAMs. Rings: designs \
             the device has no room for (Yosys's counts; no Fmax, so not in the Fmax panel). Sweep \
             points that differ only in their clock synthesize alike and share a dot. Fmax starts at \
             0; the counts' axes are logarithmic where the values span more than a decade. The figures come from the \
             synthesis reports in {}/ (the tools' versions are there, not in the results). Hover \
             over a dot for its design and figures.",
            reports.display()
        ),
    )?);
    let several = ds.series.len() > 1;
    let mut header = vec!["points", "array"];
    if several {
        header.push("series");
    }
    header.extend([
        "LUTs",
        "flip-flops",
        "DSPs",
        "block RAMs",
        "Fmax (MHz)",
        "fits",
        "verified",
        "LUTs per TOPS at Fmax",
    ]);
    let mut t = Table::new(&header);
    let count = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
    for d in &ds.designs {
        let points: Vec<String> = d.points.iter().map(|(p, _)| p.to_string()).collect();
        let mut cells = vec![points.join(", "), d.shape()];
        if several {
            cells.push(ds.series[d.series].clone());
        }
        let per_tops = match d.luts_per_tops.as_slice() {
            [] => "-".to_string(),
            [(_, v)] => format!("{v:.4e}"),
            many => many
                .iter()
                .map(|(m, v)| format!("{m}: {v:.4e}"))
                .collect::<Vec<_>>()
                .join("; "),
        };
        cells.extend([
            count(d.synth.luts),
            d.synth.flip_flops.to_string(),
            count(d.synth.dsps),
            count(d.synth.block_rams),
            d.fmax().map_or("-".into(), |f| format!("{f:.2}")),
            if d.synth.fits {
                "yes".into()
            } else {
                format!("no: {}", d.synth.no_room)
            },
            d.verified(),
            per_tops,
        ]);
        t.row(cells);
    }
    if t.rows.len() > 25 {
        t.html_only = true;
    }
    s.table(t);
    Ok(s)
}

/// [`section`] of the `rows` of `models` (none when they have no rows).
pub fn of_models(
    rows: &[SynthRow],
    models: &[String],
    file: &str,
) -> Result<Option<Section>, RenderError> {
    let shown: Vec<&SynthRow> = rows
        .iter()
        .filter(|r| models.contains(&r.sim.model))
        .collect();
    if shown.is_empty() {
        return Ok(None);
    }
    section(&shown, file).map(Some)
}

/// One line on the designs: how many, for which targets, how many fit,
/// the ranges of LUTs and Fmax, and the co-simulations.
pub fn summary(ds: &Designs) -> String {
    let d = &ds.designs;
    let mut targets: Vec<String> = Vec::new();
    for s in &ds.series {
        let t = s.rsplit(", ").next().unwrap_or(s).to_string();
        if !targets.contains(&t) {
            targets.push(t);
        }
    }
    let fit = d.iter().filter(|d| d.synth.fits).count();
    let range = |v: Vec<f64>, f: &dyn Fn(f64) -> String| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        match v.len() {
            0 => None,
            _ if lo == hi => Some(f(lo)),
            _ => Some(format!("{} to {}", f(lo), f(hi))),
        }
    };
    let mut t = format!(
        "{} design{} synthesized for {}: {fit} fit{} the device, {} did not",
        d.len(),
        if d.len() == 1 { "" } else { "s" },
        targets.join(", "),
        if fit == 1 { "s" } else { "" },
        d.len() - fit
    );
    let luts: Vec<f64> = d
        .iter()
        .filter_map(|d| d.synth.luts)
        .map(|v| v as f64)
        .collect();
    if let Some(r) = range(luts, &|v| grouped(v as u64)) {
        t.push_str(&format!("; LUTs {r}"));
    }
    let fmax: Vec<f64> = d.iter().filter_map(Design::fmax).collect();
    if let Some(r) = range(fmax, &|v| sig(v, 4)) {
        t.push_str(&format!("; Fmax {r} MHz"));
    }
    let run: Vec<bool> = d.iter().filter_map(|d| d.synth.verified).collect();
    if run.is_empty() {
        t.push_str("; none co-simulated.");
    } else {
        t.push_str(&format!(
            "; {} of {} co-simulated designs matched the simulator bit for bit and cycle for cycle.",
            run.iter().filter(|v| **v).count(),
            run.len()
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synth-stage row parsed from CSV as a results file holds it:
    /// `synth` is its 15 synthesis columns.
    fn row(
        point: u64,
        model: &str,
        shape: (u32, u32),
        dataflow: &str,
        clock: f64,
        synth: &str,
    ) -> SynthRow {
        let line = format!(
            "{point},{model},fpga-2x2,{},{},{dataflow},int8,1.0,1.0,1.0,8.0,{clock},dense,1,4,90,2956,\
             0.05912,16914.7,9.5e-6,5.6e-7,0.00016,0.0213,model,0.0002,3.2e-6,0.02,0.00015,0.015,true,{synth}",
            shape.0, shape.1
        );
        let text = format!("{}\n{line}\n", dse::SYNTH_ROW_COLUMNS.join(","));
        dse::read_rows::<SynthRow>(&text, "r.csv")
            .unwrap()
            .remove(0)
    }

    const FITS: &str = "ice40,up5k,true,,919,563,1,8,1809,43.624,0.0677,2.8e-6,3.26e8,true,399";
    const TOO_BIG: &str = "ice40,up5k,false,7210 LUTs of 5280,7210,3011,8,12,10577,,,,,,";
    const NOT_RUN: &str = "ice40,up5k,true,,1080,733,4,8,2242,45.03,0.035,5.4e-6,1.98e8,,";

    /// Each titled `<circle>` of an SVG: (filled, title).
    fn titled(svg: &str) -> Vec<(bool, String)> {
        svg.split("<circle ")
            .skip(1)
            .filter_map(|c| {
                let open = &c[..c.find("/>").unwrap_or(c.len())];
                let t = open.find("<title>")?;
                let end = open.find("</title>")?;
                Some((
                    !open[..t].contains("fill=\"none\""),
                    open[t + 7..end].to_string(),
                ))
            })
            .collect()
    }

    #[test]
    fn rows_of_one_design_make_one_point_and_series_split_by_dataflow() {
        let rows = [
            row(0, "dense-10-1", (1, 2), "ws", 50.0, FITS),
            row(0, "alexnet", (1, 2), "ws", 50.0, FITS),
            // Another clock, the same RTL and figures: the same design.
            row(1, "dense-10-1", (1, 2), "ws", 100.0, FITS),
            row(2, "dense-10-1", (1, 2), "os", 50.0, FITS),
            row(3, "dense-10-1", (4, 4), "ws", 50.0, TOO_BIG),
            row(4, "dense-10-1", (2, 2), "ws", 50.0, NOT_RUN),
        ];
        let refs: Vec<&SynthRow> = rows.iter().collect();
        let ds = designs(&refs);
        assert_eq!(
            ds.series,
            ["ws int8 dense, ice40 up5k", "os int8 dense, ice40 up5k"]
        );
        let got: Vec<(usize, String, Vec<u64>)> = ds
            .designs
            .iter()
            .map(|d| (d.series, d.shape(), d.points.iter().map(|p| p.0).collect()))
            .collect();
        assert_eq!(
            got,
            [
                (0, "1x2".to_string(), vec![0, 1]),
                (0, "2x2".to_string(), vec![4]),
                (0, "4x4".to_string(), vec![3]),
                (1, "1x2".to_string(), vec![2]),
            ]
        );
        let first = &ds.designs[0];
        assert_eq!(first.luts_per_tops.len(), 2, "one figure per model");
        assert!(first.points[1].1.ends_with("100 MHz"), "{:?}", first.points);
        // A different SRAM is another design, in the same series.
        let mut other = rows[0].clone();
        other.sim.ifmap_sram_kib = 2.0;
        let ds = designs(&[&rows[0], &other]);
        assert_eq!((ds.series.len(), ds.designs.len()), (1, 2));
    }

    #[test]
    fn hover_titles_name_the_design_the_figures_and_the_co_simulation() {
        let rows = [
            row(0, "m", (1, 2), "ws", 50.0, FITS),
            row(1, "m", (4, 4), "ws", 50.0, TOO_BIG),
            row(2, "m", (2, 2), "ws", 50.0, NOT_RUN),
        ];
        let ds = designs(&rows.iter().collect::<Vec<_>>());
        let s = &ds.series[0];
        let [fits, not_run, too_big] = [0, 1, 2].map(|i| ds.designs[i].hover(s));
        assert_eq!(
            fits,
            "1x2 ws int8 dense, ice40 up5k\npoint 0: 1x2 ws int8, SRAM 1/1/1 KiB, 8 B/cycle, 50 MHz\n\
             LUTs 919, flip-flops 563, DSPs 1, block RAMs 8\nFmax 43.62 MHz\nverified: yes (399 RTL cycles)"
        );
        assert!(
            not_run.ends_with("Fmax 45.03 MHz\nverified: not run"),
            "{not_run}"
        );
        assert!(
            too_big.contains("LUTs 7,210, flip-flops 3,011, DSPs 8, block RAMs 12\ndid not fit the device: 7210 LUTs of 5280; no Fmax\n"),
            "{too_big}"
        );
        let mut failed = rows[0].clone();
        failed.synth.verified = Some(false);
        let d = designs(&[&failed]);
        assert!(d.designs[0].hover(s).ends_with("verified: no"));
    }

    #[test]
    fn a_design_that_does_not_fit_is_a_ring_with_no_fmax() {
        let rows = [
            row(0, "m", (1, 2), "ws", 50.0, FITS),
            row(1, "m", (4, 4), "ws", 50.0, TOO_BIG),
        ];
        let ds = designs(&rows.iter().collect::<Vec<_>>());
        let f = figure(
            &SynthChart {
                title: "t".into(),
                designs: &ds,
            },
            "synthesis",
            "t",
            "c",
        )
        .unwrap();
        let marks = titled(&f.svg);
        let fitting: Vec<&(bool, String)> =
            marks.iter().filter(|m| m.1.starts_with("1x2")).collect();
        let ring: Vec<&(bool, String)> = marks.iter().filter(|m| m.1.starts_with("4x4")).collect();
        // Five panels for the design that fits; four (no Fmax) for the other.
        assert_eq!((fitting.len(), ring.len()), (5, 4));
        assert!(fitting.iter().all(|m| m.0), "filled dots");
        assert!(ring.iter().all(|m| !m.0), "hollow rings");
        assert!(ring[0]
            .1
            .contains("did not fit the device: 7210 LUTs of 5280"));
        assert!(
            f.svg.contains("did not fit the device"),
            "the legend names the ring"
        );
        // The table says so too.
        let section = section(&rows.iter().collect::<Vec<_>>(), "out/r.csv").unwrap();
        let t = section
            .blocks
            .iter()
            .find_map(|b| match b {
                crate::site::Block::Table(t) => Some(t),
                _ => None,
            })
            .unwrap();
        let too_big = t.rows.iter().find(|r| r[1] == "4x4").unwrap();
        assert_eq!(too_big[0], "1");
        assert_eq!(too_big[2], "7210");
        assert_eq!(too_big[6], "-", "no Fmax");
        assert_eq!(too_big[7], "no: 7210 LUTs of 5280");
        assert_eq!(too_big[8], "not run");
        let caption = match &section.blocks[1] {
            crate::site::Block::Figure(f) => f.caption.clone(),
            _ => panic!("the figure follows the summary"),
        };
        assert!(
            caption.contains("synthesis reports in out/r.synth/"),
            "{caption}"
        );
        let summary = match &section.blocks[0] {
            crate::site::Block::Para(p) => p.clone(),
            _ => panic!("a summary first"),
        };
        assert!(
            summary.starts_with("2 designs synthesized for ice40 up5k: 1 fits the device, 1 did not; LUTs 919 to 7,210; Fmax 43.62 MHz; 1 of 1 co-simulated"),
            "{summary}"
        );
    }

    #[test]
    fn shapes_with_equal_pes_stand_side_by_side_in_order_of_rows() {
        let rows = [
            row(0, "m", (2, 1), "ws", 50.0, FITS),
            row(1, "m", (1, 2), "ws", 50.0, FITS),
            row(2, "m", (1, 1), "ws", 50.0, FITS),
            row(3, "m", (1, 2), "os", 50.0, FITS),
        ];
        let ds = designs(&rows.iter().collect::<Vec<_>>());
        let xs = x_positions(&ds.designs, 100.0);
        let at = |series: usize, shape: &str| {
            let i = ds
                .designs
                .iter()
                .position(|d| d.series == series && d.shape() == shape)
                .unwrap();
            xs[i]
        };
        assert_eq!(at(0, "1x1"), 1.0);
        assert!(at(0, "1x2") < 2.0 && at(0, "2x1") > 2.0);
        assert!(
            (at(0, "1x2") * at(0, "2x1") - 4.0).abs() < 1e-9,
            "centred on 2 PEs"
        );
        // 14 px apart at 100 px per doubling.
        assert!(((at(0, "2x1") / at(0, "1x2")).log2() - 0.14).abs() < 1e-9);
        // Another series's 1x2 sits where this one's does.
        assert_eq!(at(1, "1x2"), at(0, "1x2"));
    }
}
