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
