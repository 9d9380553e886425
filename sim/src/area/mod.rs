//! Silicon area of a design from a cited table (`sim/tables/area-45nm.toml`):
//! PEs (multiplier, accumulator adder, registers), skew and deskew registers,
//! the vector unit and the SRAMs, scaled to the design's node.

use crate::design::{Dataflow, Design};
use crate::precision::Precision;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The built-in area table (TOML).
const AREA_45NM: &str = include_str!("../../tables/area-45nm.toml");

/// An area table as written in TOML; every number has a `source`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaTable {
    /// Table name.
    pub name: String,
    /// Node the numbers are for (nm).
    pub node_nm: u32,
    /// Where the table comes from.
    pub source: String,
    /// Adder and multiplier areas by number format.
    pub arith: Vec<ArithArea>,
    /// Flip-flop area.
    pub register: PerBit,
    /// A 2:1 multiplexer bit's area (the sparse PE's activation selection).
    pub mux: PerBit,
    /// SRAM area per bit, periphery included.
    pub sram: PerBit,
    /// Area relative to the table's node, by node.
    pub scaling: Scaling,
}

/// Area of one adder and one multiplier in a number format.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArithArea {
    /// `int8`, `int32`, `fp16`, `fp32`.
    pub format: String,
    /// One adder (um^2).
    pub add_um2: f64,
    /// One multiplier (um^2).
    pub mult_um2: f64,
    /// Citation.
    pub source: String,
}

/// An area per stored bit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerBit {
    /// um^2 per bit.
    pub um2_per_bit: f64,
    /// Citation.
    pub source: String,
}

/// Node scaling of area.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    /// Citation.
    pub source: String,
    /// Factors by node.
    pub node: Vec<NodeArea>,
}

/// Area at one node relative to the table's node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeArea {
    /// Node (nm).
    pub nm: u32,
    /// Area factor.
    pub factor: f64,
}

/// A design's area by part (um^2 at the design's node) and in all (mm^2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AreaBreakdown {
    /// The PEs: multiplier, accumulator adder and registers, times rows x cols.
    pub pe_array_um2: f64,
    /// Input skew and output deskew registers around the array.
    pub skew_um2: f64,
    /// The vector unit: an adder and a multiplier per lane.
    pub vector_um2: f64,
    /// ifmap, filter and ofmap SRAMs.
    pub sram_um2: f64,
    /// Area at the design's node relative to the table's (1 at 45 nm).
    pub node_factor: f64,
    /// Sum of the parts, mm^2.
    pub total_mm2: f64,
}

/// The built-in table (parsed once; its validity is tested).
pub fn table() -> &'static AreaTable {
    static TABLE: OnceLock<AreaTable> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(AREA_45NM).expect("built-in area table is valid (tested)"))
}

/// Area of `design` at its node (the energy model's node, else the table's).
/// The model counts the datapath and memories that `docs/TIMING.md`
/// specifies; controllers, interconnect and I/O are not included.
pub fn of(design: &Design) -> AreaBreakdown {
    let t = table();
    let op = design.operand;
    let acc = design.accumulator;
    let (opb, accb) = (f64::from(op.bits()), f64::from(acc.bits()));
    let (r, c) = (f64::from(design.rows), f64::from(design.cols));
    let reg = t.register.um2_per_bit;
    // Registers per PE (TIMING.md): ws/is hold the streamed operand, the
    // active and shadow stationary values, the partial sum and two flag bits;
    // os holds both operands, the accumulator, its drain shadow and a flag.
    let (mut pe_bits, mut skew_bits) = match design.dataflow {
        Dataflow::Ws | Dataflow::Is => (
            3.0 * opb + accb + 2.0,
            r * (r - 1.0) / 2.0 * opb + c * (c - 1.0) / 2.0 * accb,
        ),
        Dataflow::Os => (
            2.0 * opb + 2.0 * accb + 1.0,
            r * (r - 1.0) / 2.0 * opb + c * (c - 1.0) / 2.0 * (opb + accb),
        ),
    };
    // A sparse (ws) PE (docs/TIMING.md, "Sparse weights"): its streamed
    // register and its row's input skew hold M words, its two stationary
    // words their index, and an M-to-1 multiplexer selects its activation.
    let mut select = 0.0;
    if let Some(sp) = design.sparsity {
        let m = f64::from(sp.m);
        pe_bits += (m - 1.0) * opb + 2.0 * f64::from(sp.index_bits());
        skew_bits += (m - 1.0) * r * (r - 1.0) / 2.0 * opb;
        select = (m - 1.0) * opb * t.mux.um2_per_bit;
    }
    let pe = t.mult(op) + t.add(acc) + pe_bits * reg + select;
    let lanes = f64::from(design.vector_lanes);
    let sram_bits =
        (design.ifmap_sram_bytes + design.filter_sram_bytes + design.ofmap_sram_bytes) as f64 * 8.0;
    let node_factor = t.factor(design.energy.node_nm.unwrap_or(t.node_nm));
    let part = |um2: f64| um2 * node_factor;
    let mut a = AreaBreakdown {
        pe_array_um2: part(r * c * pe),
        skew_um2: part(skew_bits * reg),
        vector_um2: part(lanes * (t.add(op) + t.mult(op))),
        sram_um2: part(sram_bits * t.sram.um2_per_bit),
        node_factor,
        total_mm2: 0.0,
    };
    a.total_mm2 = (a.pe_array_um2 + a.skew_um2 + a.vector_um2 + a.sram_um2) / 1e6;
    a
}

impl AreaTable {
    /// Adder area in format `p` (um^2).
    pub fn add(&self, p: Precision) -> f64 {
        self.arith(p, |r| r.add_um2)
    }

    /// Multiplier area in format `p` (um^2).
    pub fn mult(&self, p: Precision) -> f64 {
        self.arith(p, |r| r.mult_um2)
    }

    /// The row for `p` (the energy tables' lookup rule).
    fn arith(&self, p: Precision, f: impl Fn(&ArithArea) -> f64) -> f64 {
        crate::energy::table::arith_lookup(&self.arith, |r| &r.format, p, f)
    }

    /// Area factor at `nm` relative to the table's node (log-log between rows).
    pub fn factor(&self, nm: u32) -> f64 {
        let mut pts: Vec<(f64, f64)> = self
            .scaling
            .node
            .iter()
            .map(|n| (f64::from(n.nm), n.factor))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        crate::energy::table::loglog(&pts, f64::from(nm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::preset;

    #[test]
    fn table_parses_and_reproduces_its_points() {
        let t = table();
        assert_eq!(t.node_nm, 45);
        assert_eq!(t.mult(Precision::Int(8)), 282.0);
        assert_eq!(t.add(Precision::Int(32)), 137.0);
        assert_eq!(t.mult(Precision::Bf16), 867.0);
        assert_eq!(t.mult(Precision::Fp8E4M3), 217.0);
        assert!((t.factor(45) - 1.0).abs() < 1e-12);
        assert!((t.factor(7) - 0.059).abs() < 1e-12);
        let (a16, m16) = (t.add(Precision::Int(16)), t.mult(Precision::Int(16)));
        assert!((a16 - (36.0f64 * 137.0).sqrt()).abs() < 1e-9, "{a16}");
        assert!((m16 - (282.0f64 * 3495.0).sqrt()).abs() < 1e-9, "{m16}");
        let f28 = t.factor(28);
        assert!(f28 < 0.46 && f28 > 0.21, "{f28}");
    }

    #[test]
    fn an_int8_ws_pe_at_45nm_is_multiplier_adder_and_registers() {
        let d = preset("edge-8x8").unwrap();
        let a = of(&d);
        // 8b multiply + 32b add + (3 x 8 + 32 + 2) flip-flops.
        let pe = 282.0 + 137.0 + 58.0 * 4.522;
        assert!((a.pe_array_um2 - 64.0 * pe).abs() < 1e-6);
        let sram = (32.0 + 32.0 + 16.0) * 1024.0 * 8.0 * 0.778;
        assert!((a.sram_um2 - sram).abs() < 1e-6);
        assert_eq!(a.node_factor, 1.0);
        let sum = a.pe_array_um2 + a.skew_um2 + a.vector_um2 + a.sram_um2;
        assert!((a.total_mm2 - sum / 1e6).abs() < 1e-12);
    }

    #[test]
    fn a_sparse_pe_adds_m_word_registers_indices_and_its_multiplexer() {
        let d = preset("edge-8x8").unwrap();
        let dense = of(&d);
        for (pattern, m, ib) in [("2:4", 4.0, 2.0), ("1:8", 8.0, 3.0)] {
            let sp = d
                .variant(|p| p.sparsity = crate::sparsity::Sparsity::parse(pattern).unwrap())
                .unwrap();
            let a = of(&sp);
            // (M - 1) more streamed words and two indices of flip-flops, and
            // (M - 1) x 8 MUX2_X1 bits, per PE.
            let extra = ((m - 1.0) * 8.0 + 2.0 * ib) * 4.522 + (m - 1.0) * 8.0 * 1.862;
            assert!((a.pe_array_um2 - dense.pe_array_um2 - 64.0 * extra).abs() < 1e-6);
            // Row r's input skew holds M words in each of its r registers.
            let skew = (m - 1.0) * 28.0 * 8.0 * 4.522;
            assert!((a.skew_um2 - dense.skew_um2 - skew).abs() < 1e-6);
            assert_eq!(a.sram_um2, dense.sram_um2);
        }
    }

    #[test]
    fn area_grows_with_the_array_precision_and_memory_and_shrinks_with_the_node() {
        let d = preset("mobile-32x32").unwrap();
        let base = of(&d).total_mm2;
        let bigger = d.variant(|v| v.rows = 64).unwrap();
        assert!(of(&bigger).total_mm2 > base);
        let wider = d
            .variant(|v| v.operand = crate::Precision::Int(16))
            .unwrap();
        assert!(of(&wider).pe_array_um2 > of(&d).pe_array_um2);
        let more = d.variant(|v| v.ifmap_sram_kib *= 2.0).unwrap();
        assert!(of(&more).sram_um2 > of(&d).sram_um2);
        let smaller = d.variant(|v| v.node_nm = Some(7)).unwrap();
        assert!(of(&smaller).total_mm2 < base * 0.1);
    }
}
