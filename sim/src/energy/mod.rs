//! Energy: per-action energies from a cited table (Accelergy style), scaled to
//! a process node, and the per-layer breakdown (action counts x energies).

mod table;

pub use table::{scaling_nodes, EnergyTable, BUILTIN_TABLES};

use crate::precision::Precision;
use serde::Serialize;
use std::fmt;

/// DRAM interface, for energy per bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DramInterface {
    /// LPDDR4.
    Lpddr4,
    /// HBM2.
    Hbm2,
    /// GDDR5.
    Gddr5,
    /// DDR3.
    Ddr3,
}

impl DramInterface {
    const ALL: [(DramInterface, &'static str); 4] = [
        (DramInterface::Lpddr4, "lpddr4"),
        (DramInterface::Hbm2, "hbm2"),
        (DramInterface::Gddr5, "gddr5"),
        (DramInterface::Ddr3, "ddr3"),
    ];

    /// Parses an interface name.
    pub fn parse(s: &str) -> Option<DramInterface> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(d, _)| *d)
    }

    /// Known names.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(_, n)| *n).collect()
    }

    /// The name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(d, _)| *d == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }
}

impl fmt::Display for DramInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Per-action energies for one design (pJ), already scaled to its node.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyModel {
    /// Table the numbers come from.
    pub table: String,
    /// Process node (nm).
    pub node_nm: u32,
    /// Node scaling factor applied to on-chip energies (1 at the table's node).
    pub node_factor: f64,
    /// One multiply at operand precision plus one add at accumulator precision.
    pub mac_pj: f64,
    /// One vector-unit operation (an add at operand precision).
    pub vector_op_pj: f64,
    /// Writing one bit of a PE pipeline register.
    pub reg_pj_per_bit: f64,
    /// DRAM energy per bit transferred.
    pub dram_pj_per_bit: f64,
    arith: Vec<table::ArithRow>,
    sram: Vec<table::SramRow>,
}

impl EnergyModel {
    /// Fills in MAC and vector energies for the given precisions.
    pub fn with_precisions(mut self, operand: Precision, accumulator: Precision) -> EnergyModel {
        let mult = table::arith_energy(&self.arith, operand, |r| r.mult_pj);
        let add = table::arith_energy(&self.arith, accumulator, |r| r.add_pj);
        self.mac_pj = (mult + add) * self.node_factor;
        self.vector_op_pj =
            table::arith_energy(&self.arith, operand, |r| r.add_pj) * self.node_factor;
        self
    }

    /// Energy of one access of `bits` to an SRAM of `bytes` capacity (pJ).
    pub fn sram_access_pj(&self, bytes: u64, bits: u32) -> f64 {
        let kib = (bytes as f64 / 1024.0).max(1.0 / 1024.0);
        table::sram_pj_per_64b(&self.sram, kib) * f64::from(bits) / 64.0 * self.node_factor
    }
}

/// Energy of one layer by component (pJ).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EnergyBreakdown {
    /// PE multipliers and adders.
    pub mac: f64,
    /// PE pipeline and stationary registers.
    pub reg: f64,
    /// ifmap SRAM.
    pub ifmap_sram: f64,
    /// filter SRAM.
    pub filter_sram: f64,
    /// ofmap SRAM.
    pub ofmap_sram: f64,
    /// DRAM.
    pub dram: f64,
    /// Vector unit.
    pub vector: f64,
}

impl EnergyBreakdown {
    /// Sum of all components.
    pub fn total(&self) -> f64 {
        self.mac
            + self.reg
            + self.ifmap_sram
            + self.filter_sram
            + self.ofmap_sram
            + self.dram
            + self.vector
    }

    /// Component-wise sum.
    pub fn add(&mut self, o: &EnergyBreakdown) {
        self.mac += o.mac;
        self.reg += o.reg;
        self.ifmap_sram += o.ifmap_sram;
        self.filter_sram += o.filter_sram;
        self.ofmap_sram += o.ofmap_sram;
        self.dram += o.dram;
        self.vector += o.vector;
    }
}
