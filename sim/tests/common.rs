//! Helpers shared by the integration tests: designs built from parameters.

use sim::design::DesignParams;
use sim::energy::DramInterface;
use sim::{Dataflow, Design, Precision};

/// Parameters of a test design.
#[derive(Debug, Clone)]
pub struct Params {
    pub rows: u32,
    pub cols: u32,
    pub dataflow: &'static str,
    pub operand: &'static str,
    pub ifmap_kib: f64,
    pub filter_kib: f64,
    pub ofmap_kib: f64,
    pub bandwidth: f64,
    pub latency: u32,
    pub double_buffered: bool,
    pub interface: &'static str,
    /// Accumulator bits (default: the design default, 32).
    pub acc_bits: Option<u32>,
    /// Saturating accumulator.
    pub saturate: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            rows: 8,
            cols: 8,
            dataflow: "ws",
            operand: "int8",
            ifmap_kib: 64.0,
            filter_kib: 64.0,
            ofmap_kib: 64.0,
            bandwidth: 16.0,
            latency: 50,
            double_buffered: true,
            interface: "lpddr4",
            acc_bits: None,
            saturate: false,
        }
    }
}

impl Params {
    /// The design, built as values (no TOML text in between).
    pub fn design(&self) -> Design {
        let dataflow = Dataflow::parse(self.dataflow).expect("test dataflow");
        let mut p = DesignParams::new("t", self.rows, self.cols, dataflow);
        p.operand = Precision::parse(self.operand).expect("test precision");
        p.accumulator_bits = self.acc_bits;
        p.saturate = self.saturate;
        p.ifmap_sram_kib = self.ifmap_kib;
        p.filter_sram_kib = self.filter_kib;
        p.ofmap_sram_kib = self.ofmap_kib;
        p.double_buffered = self.double_buffered;
        p.dram_bandwidth = self.bandwidth;
        p.dram_latency = self.latency;
        p.dram_interface = Some(DramInterface::parse(self.interface).expect("test interface"));
        p.clock_mhz = 500.0;
        Design::new(p).expect("test design is valid")
    }
}
