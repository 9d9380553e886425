//! Shared by the report tests: running the binary, scratch directories, a
//! sweep results CSV built by really simulating a grid of designs, and
//! readers for the SVG and PNG files a report writes.

#![allow(dead_code)]

use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::path::{Path, PathBuf};

#[allow(unused_imports)]
pub use crate::support::{fails, ok, run as systolic, stderr};

/// A fresh scratch directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    crate::support::scratch("report", name)
}

/// The fixed header of a sweep results file.
pub const HEADER: &str = "point,model,base,rows,cols,dataflow,operand,ifmap_sram_kib,filter_sram_kib,ofmap_sram_kib,dram_bandwidth_bytes_per_cycle,clock_mhz,batch,layers,macs,cycles,latency_ms,throughput_inf_per_s,energy_mj,edp_mj_ms,power_w,area_mm2,area_source,peak_tops,achieved_tops,tops_per_w,tops_per_mm2,utilization,feasible";

/// Grid of the test sweep.
pub const ROWS: [u32; 3] = [8, 16, 32];
/// Grid of the test sweep.
pub const COLS: [u32; 3] = [8, 16, 32];
/// Grid of the test sweep.
pub const DATAFLOWS: [&str; 3] = ["ws", "os", "is"];
/// Area cap of the test sweep (mm²): points above it are infeasible.
pub const AREA_CAP: f64 = 1.5;

/// One row of the test sweep, with its numbers from a real simulation.
#[derive(Debug, Clone)]
pub struct Row {
    pub point: usize,
    pub model: String,
    pub rows: u32,
    pub cols: u32,
    pub dataflow: String,
    pub cycles: u64,
    pub latency_ms: f64,
    pub energy_mj: f64,
    pub area_mm2: f64,
    pub utilization: f64,
    pub feasible: bool,
    pub line: String,
}

/// Simulates rows x cols x dataflow on the `edge-8x8` preset (its SRAM,
/// bandwidth and clock) for each model, and returns the rows and the CSV.
/// The area column is a test stand-in, linear in PEs and SRAM (0.0015 mm²
/// per PE plus 0.004 mm² per KiB), so that large arrays break the cap.
pub fn sweep(models: &[&str]) -> (Vec<Row>, String) {
    let base = sim::design::preset("edge-8x8").unwrap();
    let mut rows = Vec::new();
    let mut point = 0;
    for m in models {
        let model = sim::workload::zoo::model(m).unwrap();
        for &r in &ROWS {
            for &c in &COLS {
                for df in DATAFLOWS {
                    let d = base
                        .variant(|v| {
                            v.rows = r;
                            v.cols = c;
                            v.dataflow = sim::Dataflow::parse(df).unwrap();
                        })
                        .unwrap();
                    let rep = simulate(
                        &d,
                        &model,
                        &FastEngine {
                            mode: TimingMode::Rtl,
                        },
                        &RunOptions::default(),
                    )
                    .unwrap();
                    let t = &rep.total;
                    let kib = (d.ifmap_sram_bytes + d.filter_sram_bytes + d.ofmap_sram_bytes)
                        as f64
                        / 1024.0;
                    let area = 0.0015 * f64::from(r * c) + 0.004 * kib;
                    let latency_ms = t.latency_us / 1e3;
                    let energy_mj = t.energy_total_pj * 1e-9;
                    let power = energy_mj * 1e-3 / (latency_ms * 1e-3);
                    let feasible = area <= AREA_CAP;
                    let line = format!(
                        "{point},{m},edge-8x8,{r},{c},{df},int8,{},{},{},{},{},1,{},{},{},{latency_ms},{},{energy_mj},{},{power},{area},test-model,{},{},{},{},{},{feasible}",
                        d.ifmap_sram_bytes as f64 / 1024.0,
                        d.filter_sram_bytes as f64 / 1024.0,
                        d.ofmap_sram_bytes as f64 / 1024.0,
                        d.dram_bandwidth,
                        d.clock_mhz,
                        rep.layers.len(),
                        t.macs,
                        t.total_cycles,
                        1.0 / (latency_ms * 1e-3),
                        energy_mj * latency_ms,
                        t.peak_tops,
                        t.achieved_tops,
                        t.tops_per_watt,
                        t.achieved_tops / area,
                        t.utilization,
                    );
                    rows.push(Row {
                        point,
                        model: m.to_string(),
                        rows: r,
                        cols: c,
                        dataflow: df.to_string(),
                        cycles: t.total_cycles,
                        latency_ms,
                        energy_mj,
                        area_mm2: area,
                        utilization: t.utilization,
                        feasible,
                        line,
                    });
                    point += 1;
                }
            }
        }
    }
    let mut csv = format!("{HEADER}\n");
    for r in &rows {
        csv.push_str(&r.line);
        csv.push('\n');
    }
    (rows, csv)
}

/// Indices of the feasible rows no other feasible row dominates on the two
/// objectives `f` gives (both minimized): the brute-force definition.
pub fn brute_front(rows: &[&Row], f: impl Fn(&Row) -> (f64, f64)) -> Vec<usize> {
    let dominates = |a: &Row, b: &Row| {
        let ((a0, a1), (b0, b1)) = (f(a), f(b));
        a0 <= b0 && a1 <= b1 && (a0 < b0 || a1 < b1)
    };
    (0..rows.len())
        .filter(|&i| rows[i].feasible)
        .filter(|&i| !rows.iter().any(|o| o.feasible && dominates(o, rows[i])))
        .collect()
}

/// An SVG file's text (it must parse as XML).
pub fn svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", path.display()));
    text
}

/// Elements named `tag` whose attributes include every `(name, value)`.
pub fn count(svg_text: &str, tag: &str, attrs: &[(&str, &str)]) -> usize {
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == tag)
        .filter(|n| attrs.iter().all(|(k, v)| n.attribute(*k) == Some(*v)))
        .count()
}

/// Every text of an SVG, one per `<text>` element.
pub fn texts(svg_text: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// Asserts that some `<text>` of the SVG contains `needle`.
pub fn has_text(svg_text: &str, needle: &str, what: &str) {
    let t = texts(svg_text);
    assert!(
        t.iter().any(|s| s.contains(needle)),
        "{what}: no text contains {needle:?}; texts: {t:?}"
    );
}

/// A decoded PNG: width, height and RGB(A) pixels.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<[u8; 3]>,
}

/// Decodes a PNG file.
pub fn png(path: &Path) -> Image {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    Image {
        width: info.width,
        height: info.height,
        pixels,
    }
}

impl Image {
    /// Share of pixels that are not (near) white.
    pub fn inked(&self) -> f64 {
        let n = self
            .pixels
            .iter()
            .filter(|p| p.iter().any(|&c| c < 235))
            .count();
        n as f64 / self.pixels.len() as f64
    }

    /// Number of distinct colours.
    pub fn colours(&self) -> usize {
        let mut v: Vec<[u8; 3]> = self.pixels.clone();
        v.sort_unstable();
        v.dedup();
        v.len()
    }

    /// Pixels of exactly this colour.
    pub fn of(&self, rgb: [u8; 3]) -> usize {
        self.pixels.iter().filter(|p| **p == rgb).count()
    }
}

/// `#RRGGBB` -> bytes.
pub fn rgb(hex: &str) -> [u8; 3] {
    let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
    [v(1), v(3), v(5)]
}

/// A `<text>` of an SVG with the box it takes up as drawn.
#[derive(Debug, Clone)]
pub struct Label {
    pub text: String,
    pub anchor: String,
    pub rotated: bool,
    pub rect: report::typeset::Rect,
}

/// Every non-empty `<text>` of an SVG written by plotters, with its box
/// (font metrics of the embedded font at the SVG's font-size; anchors and
/// rotations as the SVG gives them).
pub fn labels(svg_text: &str) -> Vec<Label> {
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| {
            let text = n.text().unwrap_or("").trim().to_string();
            if text.is_empty() {
                return None;
            }
            let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
            let anchor = n.attribute("text-anchor").unwrap_or("start").to_string();
            let rect = report::typeset::svg_text_box(
                (num("x"), num("y")),
                num("font-size"),
                &anchor,
                n.attribute("dy").unwrap_or(""),
                n.attribute("transform").unwrap_or(""),
                &text,
            )
            .unwrap_or_else(|| panic!("a <text> plotters does not write: {n:?}"));
            let rotated = n.attribute("transform").is_some();
            Some(Label {
                text,
                anchor,
                rotated,
                rect,
            })
        })
        .collect()
}

/// Every pair of texts whose boxes overlap, every text that covers a circle
/// (a plotted point), and every text that runs off the picture, described
/// for an assertion message.
pub fn overlaps(svg_text: &str) -> Vec<String> {
    let ls = labels(svg_text);
    let shrink = |r: &report::typeset::Rect| r.grow(-0.5);
    let mut out = Vec::new();
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    let size = |a: &str| {
        doc.root_element()
            .attribute(a)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap()
    };
    let canvas = report::typeset::Rect::new((0.0, 0.0), (size("width"), size("height")));
    for l in &ls {
        if !canvas.contains(&shrink(&l.rect)) {
            out.push(format!("{:?} runs off the picture ({:?})", l.text, l.rect));
        }
    }
    for (i, a) in ls.iter().enumerate() {
        for b in &ls[i + 1..] {
            if shrink(&a.rect).overlaps(&shrink(&b.rect)) {
                out.push(format!("{:?} overlaps {:?}", a.text, b.text));
            }
        }
    }
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    for c in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "circle")
    {
        let num = |a: &str| c.attribute(a).unwrap().parse::<f64>().unwrap();
        let (cx, cy, r) = (num("cx"), num("cy"), num("r"));
        for l in &ls {
            if shrink(&l.rect).hits_circle((cx, cy), r) {
                out.push(format!("{:?} covers the point at ({cx}, {cy})", l.text));
            }
        }
    }
    out
}

/// The hover titles of the `tag` elements (`circle`, `rect`) of an SVG,
/// with each element's attribute `attr`.
pub fn hover_titles(svg_text: &str, tag: &str, attr: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == tag)
        .filter_map(|n| {
            let t = n
                .children()
                .find(|c| c.tag_name().name() == "title")?
                .text()?
                .to_string();
            Some((n.attribute(attr).unwrap_or("").to_string(), t))
        })
        .collect()
}

/// A tick label's number (`0.02`, `50`, `2k`, `1.5M`), if it is one.
pub fn tick_value(s: &str) -> Option<f64> {
    let (num, scale) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1e3),
        'M' => (&s[..s.len() - 1], 1e6),
        'G' => (&s[..s.len() - 1], 1e9),
        'T' => (&s[..s.len() - 1], 1e12),
        _ => (s, 1.0),
    };
    num.parse::<f64>().ok().map(|v| v * scale)
}

/// The numeric tick labels of the x axis (centred under it) and of the y
/// axis (right-aligned left of it) of a plot.
pub fn tick_labels(svg_text: &str) -> (Vec<f64>, Vec<f64>) {
    let ls = labels(svg_text);
    let pick = |anchor: &str| {
        let mut v: Vec<f64> = ls
            .iter()
            .filter(|l| l.anchor == anchor)
            .filter_map(|l| tick_value(&l.text))
            .collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    (pick("middle"), pick("end"))
}

/// Asserts that `ticks` (the labels of a log axis) are 1, 2 or 5 times a
/// power of ten and include a 2 or a 5 (not only powers of ten).
pub fn assert_one_two_five(ticks: &[f64], what: &str) {
    assert!(ticks.len() >= 2, "{what}: ticks {ticks:?}");
    let mantissa = |v: f64| v / 10f64.powf(v.log10().floor());
    for &t in ticks {
        let m = mantissa(t);
        assert!(
            [1.0, 2.0, 5.0, 10.0].iter().any(|k| (m - k).abs() < 1e-6),
            "{what}: tick {t} is not 1, 2 or 5 x 10^k ({ticks:?})"
        );
    }
    assert!(
        ticks
            .iter()
            .any(|&t| [2.0, 5.0].iter().any(|k| (mantissa(t) - k).abs() < 1e-6)),
        "{what}: only powers of ten are labelled ({ticks:?})"
    );
}

/// The gridlines of an SVG: the long (at least 50 px) straight `<line>`s not
/// drawn in black (axes and tick marks are black), as (stroke, vertical,
/// span start, span end, position).
pub fn gridlines(svg_text: &str) -> Vec<(String, bool, i64, i64, f64)> {
    let doc = roxmltree::Document::parse(svg_text).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "line" && n.attribute("stroke") != Some("#000000"))
        .filter_map(|n| {
            let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
            let (x1, y1, x2, y2) = (num("x1"), num("y1"), num("x2"), num("y2"));
            let stroke = n.attribute("stroke").unwrap_or("").to_string();
            if x1 == x2 && (y1 - y2).abs() >= 50.0 {
                Some((stroke, true, y1.min(y2) as i64, y1.max(y2) as i64, x1))
            } else if y1 == y2 && (x1 - x2).abs() >= 50.0 {
                Some((stroke, false, x1.min(x2) as i64, x1.max(x2) as i64, y1))
            } else {
                None
            }
        })
        .collect()
}

/// The smallest gap (px) between neighbouring gridlines of one plot (lines
/// of one plot cross the same span); infinite when no two lines share one.
pub fn gridline_gap(svg_text: &str) -> f64 {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<(bool, i64, i64), Vec<f64>> = BTreeMap::new();
    for (_, vertical, a, b, at) in gridlines(svg_text) {
        groups.entry((vertical, a, b)).or_default().push(at);
    }
    groups
        .into_values()
        .map(|mut v| {
            v.sort_by(f64::total_cmp);
            v.dedup();
            v.windows(2)
                .map(|w| w[1] - w[0])
                .fold(f64::INFINITY, f64::min)
        })
        .fold(f64::INFINITY, f64::min)
}

/// PNG of the given size with real content: at least 1.5 % inked pixels and
/// many colours (bars, text antialiasing, legend).
pub fn check_png(path: &Path, size: (u32, u32)) {
    let img = png(path);
    assert_eq!((img.width, img.height), size, "{}", path.display());
    assert!(
        img.inked() > 0.015,
        "{} is nearly blank ({:.3} inked)",
        path.display(),
        img.inked()
    );
    assert!(
        img.colours() >= 8,
        "{} has only {} colours",
        path.display(),
        img.colours()
    );
}

/// `index.html` of `dir` links and inlines each of `figures` (one inline
/// SVG each) and references nothing external; returns its text.
pub fn check_html(dir: &Path, figures: &[&str]) -> String {
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for f in figures {
        assert!(
            html.contains(&format!("id=\"fig-{f}\"")),
            "index.html lacks figure {f}"
        );
        assert!(
            html.contains(&format!("href=\"{f}.svg\"")),
            "index.html lacks a link to {f}.svg"
        );
        assert!(
            html.contains(&format!("href=\"{f}.png\"")),
            "index.html lacks a link to {f}.png"
        );
    }
    assert_eq!(
        html.matches("<svg ").count(),
        figures.len(),
        "one inline SVG per figure"
    );
    for bad in [
        "http://", "https://", "<script", "<link", " src=", "url(", "@import",
    ] {
        assert!(
            !html.contains(bad),
            "index.html must be self-contained, found {bad:?}"
        );
    }
    html
}
