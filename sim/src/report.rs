//! Report data: per-layer and total figures with stable field names
//! (docs/REPORT_FORMAT.md), and their CSV, JSON and table renderings.

use crate::design::Design;
use crate::energy::EnergyBreakdown;
use crate::engine::GemmStats;
use serde::Serialize;
use std::fmt::Write as _;

/// One row of a report: a layer, or the total (`layer = "TOTAL"`).
/// Field order is the CSV column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerReport {
    pub layer: String,
    pub kind: String,
    pub unit: String,
    pub gemms: u64,
    pub m: u64,
    pub k: u64,
    pub n: u64,
    pub macs: u64,
    pub flops: u64,
    pub folds: u64,
    pub compute_cycles: u64,
    pub stall_cycles: u64,
    pub total_cycles: u64,
    pub latency_us: f64,
    pub achieved_tops: f64,
    pub peak_tops: f64,
    pub utilization: f64,
    pub mapping_efficiency: f64,
    pub ifmap_sram_reads: u64,
    pub filter_sram_reads: u64,
    pub ofmap_sram_reads: u64,
    pub ofmap_sram_writes: u64,
    pub dram_ifmap_read_bytes: u64,
    pub dram_filter_read_bytes: u64,
    pub dram_ofmap_write_bytes: u64,
    pub dram_read_bytes: u64,
    pub dram_write_bytes: u64,
    /// FLOP per DRAM byte; `None` (JSON null, an empty CSV cell) for a layer
    /// that moves no DRAM bytes.
    pub arithmetic_intensity: Option<f64>,
    /// `compute` or `memory`: the roof that limits the layer; `none` for a
    /// layer with no DRAM traffic (no intensity, so no roof applies).
    pub roofline_bound: String,
    pub energy_mac_pj: f64,
    pub energy_reg_pj: f64,
    pub energy_ifmap_sram_pj: f64,
    pub energy_filter_sram_pj: f64,
    pub energy_ofmap_sram_pj: f64,
    pub energy_dram_pj: f64,
    pub energy_vector_pj: f64,
    pub energy_total_pj: f64,
    pub pj_per_mac: f64,
    pub tops_per_watt: f64,
    #[serde(skip)]
    pe_slots: u64,
}

/// Raw counts from which a [`LayerReport`] derives every ratio.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// GEMM statistics summed over the layer's GEMMs (zero for vector layers).
    pub gemm: GemmStats,
    /// Operations of the vector unit.
    pub vector_ops: u64,
    /// Energy by component.
    pub energy: EnergyBreakdown,
}

impl Counts {
    /// Adds `o` to these counts, as a model's total sums its layers (the
    /// fields a [`LayerReport`] shows); `None` (and these counts unchanged
    /// in meaning) when a sum would pass 2^64.
    #[must_use]
    pub fn add(&mut self, o: &Counts) -> Option<()> {
        let sum = |a: &mut u64, b: u64| -> Option<()> {
            *a = a.checked_add(b)?;
            Some(())
        };
        let (g, s) = (&mut self.gemm, &o.gemm);
        sum(&mut g.macs, s.macs)?;
        sum(&mut g.folds, s.folds)?;
        sum(&mut g.pe_slots, s.pe_slots)?;
        sum(&mut g.compute_cycles, s.compute_cycles)?;
        sum(&mut g.stall_cycles, s.stall_cycles)?;
        g.total_cycles_checked()?;
        let (t, u) = (&mut g.traffic, &s.traffic);
        sum(&mut t.ifmap_reads, u.ifmap_reads)?;
        sum(&mut t.filter_reads, u.filter_reads)?;
        sum(&mut t.ofmap_reads, u.ofmap_reads)?;
        sum(&mut t.ofmap_writes, u.ofmap_writes)?;
        sum(&mut t.dram_ifmap_bytes, u.dram_ifmap_bytes)?;
        sum(&mut t.dram_filter_bytes, u.dram_filter_bytes)?;
        sum(&mut t.dram_ofmap_bytes, u.dram_ofmap_bytes)?;
        sum(&mut t.filter_index_bits, u.filter_index_bits)?;
        sum(&mut self.vector_ops, o.vector_ops)?;
        // flops = 2 x MACs + vector operations must fit too.
        g.macs.checked_mul(2)?.checked_add(self.vector_ops)?;
        self.energy.add(&o.energy);
        Some(())
    }
}

/// The `TOTAL` row of a model from the sum of its layers' counts (`gemms`
/// GEMMs in all): vector work counts as operations too.
pub fn total_row(design: &Design, sum: &Counts, gemms: u64) -> LayerReport {
    let mut total = LayerReport::new(design, "TOTAL", "model", "all", gemms, (0, 0, 0), sum);
    total.flops = 2 * sum.gemm.macs + sum.vector_ops;
    total.achieved_tops = ratio(total.flops as f64, total.latency_us * 1e6);
    total.tops_per_watt = ratio(total.flops as f64, total.energy_total_pj);
    total
}

impl LayerReport {
    /// Builds a row from counts; ratios are computed here, once.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        design: &Design,
        layer: &str,
        kind: &str,
        unit: &str,
        gemms: u64,
        shape: (u64, u64, u64),
        c: &Counts,
    ) -> LayerReport {
        let g = &c.gemm;
        let t = &g.traffic;
        let flops = if unit == "vector" {
            c.vector_ops
        } else {
            2 * g.macs
        };
        let total_cycles = g.compute_cycles + g.stall_cycles;
        let latency_us = total_cycles as f64 / design.clock_mhz;
        let dram_read = t.dram_ifmap_bytes + t.dram_filter_bytes;
        let dram_write = t.dram_ofmap_bytes;
        let energy_total = c.energy.total();
        let dram = dram_read + dram_write;
        let intensity = (dram > 0).then(|| flops as f64 / dram as f64);
        let ridge = 2.0 * design.pes() as f64 / design.dram_bandwidth;
        LayerReport {
            layer: layer.to_string(),
            kind: kind.to_string(),
            unit: unit.to_string(),
            gemms,
            m: shape.0,
            k: shape.1,
            n: shape.2,
            macs: g.macs,
            flops,
            folds: g.folds,
            compute_cycles: g.compute_cycles,
            stall_cycles: g.stall_cycles,
            total_cycles,
            latency_us,
            achieved_tops: ratio(flops as f64, latency_us * 1e6),
            peak_tops: design.peak_tops(),
            utilization: ratio(g.macs as f64, design.pes() as f64 * total_cycles as f64),
            mapping_efficiency: ratio(g.macs as f64, g.pe_slots as f64),
            ifmap_sram_reads: t.ifmap_reads,
            filter_sram_reads: t.filter_reads,
            ofmap_sram_reads: t.ofmap_reads,
            ofmap_sram_writes: t.ofmap_writes,
            dram_ifmap_read_bytes: t.dram_ifmap_bytes,
            dram_filter_read_bytes: t.dram_filter_bytes,
            dram_ofmap_write_bytes: t.dram_ofmap_bytes,
            dram_read_bytes: dram_read,
            dram_write_bytes: dram_write,
            arithmetic_intensity: intensity,
            roofline_bound: match intensity {
                None => "none",
                Some(i) if i < ridge => "memory",
                Some(_) => "compute",
            }
            .into(),
            energy_mac_pj: c.energy.mac,
            energy_reg_pj: c.energy.reg,
            energy_ifmap_sram_pj: c.energy.ifmap_sram,
            energy_filter_sram_pj: c.energy.filter_sram,
            energy_ofmap_sram_pj: c.energy.ofmap_sram,
            energy_dram_pj: c.energy.dram,
            energy_vector_pj: c.energy.vector,
            energy_total_pj: energy_total,
            pj_per_mac: ratio(energy_total, g.macs as f64),
            tops_per_watt: ratio(flops as f64, energy_total),
            pe_slots: g.pe_slots,
        }
    }

    /// The counts this row was made from (for totals).
    fn counts(&self) -> Counts {
        let mut gemm = GemmStats {
            macs: self.macs,
            folds: self.folds,
            pe_slots: self.pe_slots,
            compute_cycles: self.compute_cycles,
            stall_cycles: self.stall_cycles,
            ..GemmStats::default()
        };
        let t = &mut gemm.traffic;
        t.ifmap_reads = self.ifmap_sram_reads;
        t.filter_reads = self.filter_sram_reads;
        t.ofmap_reads = self.ofmap_sram_reads;
        t.ofmap_writes = self.ofmap_sram_writes;
        t.dram_ifmap_bytes = self.dram_ifmap_read_bytes;
        t.dram_filter_bytes = self.dram_filter_read_bytes;
        t.dram_ofmap_bytes = self.dram_ofmap_write_bytes;
        let energy = EnergyBreakdown {
            mac: self.energy_mac_pj,
            reg: self.energy_reg_pj,
            ifmap_sram: self.energy_ifmap_sram_pj,
            filter_sram: self.energy_filter_sram_pj,
            ofmap_sram: self.energy_ofmap_sram_pj,
            dram: self.energy_dram_pj,
            vector: self.energy_vector_pj,
        };
        let vector_ops = if self.unit == "vector" { self.flops } else { 0 };
        Counts {
            gemm,
            vector_ops,
            energy,
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// A whole run: every selected layer and the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReport {
    /// Report schema version.
    pub schema: u32,
    /// Design summary.
    pub design: DesignSummary,
    /// Model name.
    pub model: String,
    /// `rtl` or `scalesim`.
    pub timing: String,
    /// Batch size.
    pub batch: u64,
    /// Per-layer rows.
    pub layers: Vec<LayerReport>,
    /// Total row.
    pub total: LayerReport,
    /// Area of the design's synthesized RTL, one entry per synthesis report
    /// (`systolic synth`); empty when there is none.
    pub area: Vec<AreaReport>,
}

/// The area (and Fmax, when placed and routed) of the design's RTL, from
/// one synthesis report (docs/SYNTHESIS.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaReport {
    /// `generic`, `ice40`, `ecp5` or `xilinx`.
    pub target: String,
    /// Device or family; `None` for generic.
    pub device: Option<String>,
    /// Top module synthesized.
    pub top: String,
    /// LUT-equivalents; `None` for generic.
    pub luts: Option<u64>,
    /// Flip-flops.
    pub flip_flops: u64,
    /// DSPs; `None` for generic.
    pub dsps: Option<u64>,
    /// Block RAMs; `None` for generic.
    pub block_rams: Option<u64>,
    /// Bits of memory left as memory cells (generic only).
    pub memory_bits: Option<u64>,
    /// All cells of the flattened netlist.
    pub cells: u64,
    /// Fmax from place and route, MHz.
    pub fmax_mhz: Option<f64>,
    /// The synthesis report this came from.
    pub source: String,
}

impl AreaReport {
    /// One line: `ice40 up5k: 95 LUTs, 139 FFs, 4 DSPs, 1 BRAMs, Fmax 87.52 MHz`.
    pub fn summary(&self) -> String {
        let mut s = self.target.clone();
        if let Some(d) = &self.device {
            let _ = write!(s, " {d}");
        }
        s.push(':');
        if let Some(l) = self.luts {
            let _ = write!(s, " {l} LUTs,");
        }
        let _ = write!(s, " {} FFs", self.flip_flops);
        if let Some(d) = self.dsps {
            let _ = write!(s, ", {d} DSPs");
        }
        if let Some(b) = self.block_rams {
            let _ = write!(s, ", {b} BRAMs");
        }
        if let Some(m) = self.memory_bits {
            let _ = write!(s, ", {m} memory bits");
        }
        if self.luts.is_none() {
            let _ = write!(s, ", {} cells", self.cells);
        }
        if let Some(f) = self.fmax_mhz {
            let _ = write!(s, ", Fmax {f:.2} MHz");
        }
        s
    }
}

/// The design fields a reader of a report needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignSummary {
    pub name: String,
    pub rows: u32,
    pub cols: u32,
    pub dataflow: String,
    pub operand: String,
    pub accumulator: String,
    pub clock_mhz: f64,
    pub ifmap_sram_bytes: u64,
    pub filter_sram_bytes: u64,
    pub ofmap_sram_bytes: u64,
    pub dram_bandwidth_bytes_per_cycle: f64,
    pub dram_interface: String,
    pub energy_table: String,
    pub node_nm: Option<u32>,
}

impl DesignSummary {
    /// Summary of `d`.
    pub fn of(d: &Design) -> DesignSummary {
        DesignSummary {
            name: d.name.clone(),
            rows: d.rows,
            cols: d.cols,
            dataflow: d.dataflow.to_string(),
            operand: d.operand.to_string(),
            accumulator: d.accumulator.to_string(),
            clock_mhz: d.clock_mhz,
            ifmap_sram_bytes: d.ifmap_sram_bytes,
            filter_sram_bytes: d.filter_sram_bytes,
            ofmap_sram_bytes: d.ofmap_sram_bytes,
            dram_bandwidth_bytes_per_cycle: d.dram_bandwidth,
            dram_interface: d
                .dram_interface
                .map_or_else(|| "table".to_string(), |i| i.to_string()),
            energy_table: d.energy.table.clone(),
            node_nm: d.energy.node_nm,
        }
    }
}

impl ModelReport {
    /// Assembles a report; the total sums counts and recomputes ratios.
    /// `None` when a total would pass 2^64.
    pub fn new(
        design: &Design,
        model: &str,
        timing: &str,
        batch: u64,
        layers: Vec<LayerReport>,
    ) -> Option<ModelReport> {
        let mut sum = Counts::default();
        let mut gemms: u64 = 0;
        for l in &layers {
            sum.add(&l.counts())?;
            gemms = gemms.checked_add(l.gemms)?;
        }
        let total = total_row(design, &sum, gemms);
        Some(ModelReport {
            schema: 1,
            design: DesignSummary::of(design),
            model: model.to_string(),
            timing: timing.to_string(),
            batch,
            layers,
            total,
            area: Vec::new(),
        })
    }

    /// CSV: header, one row per layer, then the total.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in self.layers.iter().chain(std::iter::once(&self.total)) {
            w.serialize(row).expect("writing CSV to memory cannot fail");
        }
        String::from_utf8(w.into_inner().expect("in-memory writer")).expect("CSV is UTF-8")
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    /// A readable table with the figures people look at first.
    pub fn to_table(&self) -> String {
        let d = &self.design;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "design {} ({}x{} {} {}, {} MHz, {:.2} TOPS peak)   model {} (batch {})   timing {}",
            d.name,
            d.rows,
            d.cols,
            d.dataflow,
            d.operand,
            d.clock_mhz,
            self.total.peak_tops,
            self.model,
            self.batch,
            self.timing
        );
        let header = [
            "layer",
            "kind",
            "M",
            "K",
            "N",
            "MMACs",
            "cycles",
            "stall",
            "util%",
            "TOPS",
            "DRAM KiB",
            "bound",
            "energy uJ",
            "pJ/MAC",
        ];
        let mut rows: Vec<[String; 14]> = Vec::new();
        for l in self.layers.iter().chain(std::iter::once(&self.total)) {
            let shape = |v: u64| {
                if l.unit == "array" && l.m > 0 {
                    v.to_string()
                } else {
                    "-".into()
                }
            };
            rows.push([
                l.layer.clone(),
                l.kind.clone(),
                shape(l.m),
                shape(l.k),
                shape(l.n),
                format!("{:.2}", l.macs as f64 / 1e6),
                l.total_cycles.to_string(),
                l.stall_cycles.to_string(),
                format!("{:.1}", 100.0 * l.utilization),
                format!("{:.2}", l.achieved_tops),
                format!(
                    "{:.1}",
                    (l.dram_read_bytes + l.dram_write_bytes) as f64 / 1024.0
                ),
                l.roofline_bound.clone(),
                format!("{:.2}", l.energy_total_pj / 1e6),
                format!("{:.2}", l.pj_per_mac),
            ]);
        }
        let mut width = header.map(str::len);
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String], s: &mut String| {
            for (i, (c, w)) in cells.iter().zip(width).enumerate() {
                if i < 2 || i == 11 {
                    let _ = write!(s, "{c:<w$}  ");
                } else {
                    let _ = write!(s, "{c:>w$}  ");
                }
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
        };
        line(&header.map(String::from), &mut s);
        let n = rows.len();
        for (i, r) in rows.iter().enumerate() {
            if i + 1 == n {
                let _ = writeln!(
                    s,
                    "{}",
                    "-".repeat(width.iter().sum::<usize>() + 2 * (width.len() - 1))
                );
            }
            line(r, &mut s);
        }
        let t = &self.total;
        let e = |v: f64| 100.0 * ratio(v, t.energy_total_pj);
        let _ = writeln!(
            s,
            "\nlatency {:.1} us   {:.3} TOPS achieved of {:.2} peak   utilization {:.1}%   {:.2} TOPS/W   {:.3} pJ/MAC",
            t.latency_us,
            t.achieved_tops,
            t.peak_tops,
            100.0 * t.utilization,
            t.tops_per_watt,
            t.pj_per_mac
        );
        let _ = writeln!(
            s,
            "energy {:.2} uJ: MAC {:.1}%  registers {:.1}%  ifmap SRAM {:.1}%  filter SRAM {:.1}%  ofmap SRAM {:.1}%  DRAM {:.1}%  vector {:.1}%",
            t.energy_total_pj / 1e6,
            e(t.energy_mac_pj),
            e(t.energy_reg_pj),
            e(t.energy_ifmap_sram_pj),
            e(t.energy_filter_sram_pj),
            e(t.energy_ofmap_sram_pj),
            e(t.energy_dram_pj),
            e(t.energy_vector_pj)
        );
        let _ = writeln!(
            s,
            "DRAM {:.2} MiB read, {:.2} MiB written   cycles {} compute + {} stall",
            t.dram_read_bytes as f64 / 1048576.0,
            t.dram_write_bytes as f64 / 1048576.0,
            t.compute_cycles,
            t.stall_cycles
        );
        for a in &self.area {
            let _ = writeln!(s, "area (synthesized RTL) {}   ({})", a.summary(), a.source);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use crate::design::preset;
    use crate::workload::zoo;
    use crate::{simulate, FastEngine, RunOptions, TimingMode};

    #[test]
    fn a_layer_without_dram_traffic_has_no_intensity_and_no_bound() {
        let d = preset("tpu-v1-like").unwrap();
        let m = zoo::model("resnet50").unwrap();
        let engine = FastEngine {
            mode: TimingMode::Rtl,
        };
        let r = simulate(&d, &m, &engine, &RunOptions::default()).unwrap();
        let idle = r
            .layers
            .iter()
            .position(|l| l.dram_read_bytes + l.dram_write_bytes == 0)
            .expect("on tpu-v1-like, resnet50's vector layers move no DRAM bytes");
        let l = &r.layers[idle];
        assert_eq!(l.arithmetic_intensity, None);
        assert_eq!(l.roofline_bound, "none");
        for l in r.layers.iter().filter(|l| l.dram_read_bytes > 0) {
            let i = l.arithmetic_intensity.expect("traffic gives an intensity");
            let bytes = (l.dram_read_bytes + l.dram_write_bytes) as f64;
            assert_eq!(i, l.flops as f64 / bytes);
            assert!(l.roofline_bound == "compute" || l.roofline_bound == "memory");
        }

        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        let row = &json["layers"][idle];
        assert!(row["arithmetic_intensity"].is_null(), "{row}");
        assert_eq!(row["roofline_bound"], "none");

        let csv = r.to_csv();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let cells: Vec<&str> = csv.lines().nth(idle + 1).unwrap().split(',').collect();
        assert_eq!(cells[col("arithmetic_intensity")], "");
        assert_eq!(cells[col("roofline_bound")], "none");

        let table = r.to_table();
        let line = table
            .lines()
            .find(|t| t.starts_with(&format!("{} ", l.layer)))
            .unwrap();
        assert!(line.contains(" none "), "{line}");
        assert!(!line.contains("compute"), "{line}");
    }
}
