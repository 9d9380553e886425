//! Energy: per-action energies from a cited table (Accelergy style), scaled to
//! a process node, and the per-layer breakdown (action counts x energies).

pub(crate) mod table;

pub use table::{scaling_nodes, EnergyTable, BUILTIN_TABLES};

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

/// The three on-chip buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Buffer {
    /// Input activations (A).
    Ifmap,
    /// Weights (B).
    Filter,
    /// Outputs and partial sums.
    Ofmap,
}

impl Buffer {
    /// All buffers, in index order.
    pub const ALL: [Buffer; 3] = [Buffer::Ifmap, Buffer::Filter, Buffer::Ofmap];

    /// Parses `ifmap`, `filter`, `ofmap`.
    pub fn parse(s: &str) -> Option<Buffer> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ifmap" => Some(Buffer::Ifmap),
            "filter" => Some(Buffer::Filter),
            "ofmap" => Some(Buffer::Ofmap),
            _ => None,
        }
    }
}

/// Per-action energies for one design (pJ), already scaled to its node.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyModel {
    /// Table the numbers come from.
    pub table: String,
    /// Process node (nm), if the table has one.
    pub node_nm: Option<u32>,
    /// Node scaling factor applied to on-chip energies (1 at the table's node).
    pub node_factor: f64,
    /// One MAC: a multiply at operand precision plus an add at accumulator
    /// precision (or the table's whole-MAC figure).
    pub mac_pj: f64,
    /// One vector-unit operation.
    pub vector_op_pj: f64,
    /// Writing one bit of a PE pipeline register.
    pub reg_pj_per_bit: f64,
    /// One 2:1 multiplexer bit's selection (`None`: the table has no `[mux]`).
    pub mux_pj_per_bit: Option<f64>,
    /// A clock-gated MAC's energy over a MAC's (`None`: no `[gating]`).
    pub gated_mac_fraction: Option<f64>,
    /// DRAM energy per bit read.
    pub dram_read_pj_per_bit: f64,
    /// DRAM energy per bit written.
    pub dram_write_pj_per_bit: f64,
    sram: Vec<table::SramRow>,
    buffers: [Option<(f64, f64)>; 3],
}

impl EnergyModel {
    /// Energy of one read (or write) of `bits` in buffer `buf` of `bytes`
    /// capacity (pJ): the table's figure for that buffer if it has one, else
    /// its SRAM energy interpolated by capacity.
    pub fn sram_pj(&self, buf: Buffer, bytes: u64, bits: u32, write: bool) -> f64 {
        let per_64b = match self.buffers[buf as usize] {
            Some((read, _)) if !write => read,
            Some((_, wr)) => wr,
            None => {
                table::sram_pj_per_64b(&self.sram, (bytes as f64 / 1024.0).max(1.0 / 1024.0), write)
            }
        };
        per_64b * f64::from(bits) / 64.0 * self.node_factor
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
