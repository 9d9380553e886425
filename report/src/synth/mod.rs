//! Synthesis against array size: each design a synth-stage sweep
//! synthesized, its Fmax from place and route and the resources it takes
//! (LUTs, flip-flops, DSP blocks, block RAMs) against its PEs, one series per
//! dataflow, operand, sparsity and target; designs the device has no room for
//! drawn hollow. And the page section that shows it, with a table of every
//! design. The chart itself is `chart.rs`.

use super::site::{Section, Table};
use super::style::{grouped, sig};
use super::{figure, RenderError};
use dse::{SynthColumns, SynthRow};
use std::path::Path;

mod chart;
pub use chart::{series_colour, x_positions, SynthChart};

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
