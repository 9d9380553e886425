//! Helpers shared by the integration tests: designs built from parameters.

use sim::Design;

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
    pub fn design(&self) -> Design {
        let toml = format!(
            "name = \"t\"\n[array]\nrows = {}\ncols = {}\ndataflow = \"{}\"\n[precision]\noperand = \"{}\"\nsaturate = {}\n{}\
             [memory]\nifmap_sram_kib = {}\nfilter_sram_kib = {}\nofmap_sram_kib = {}\ndouble_buffered = {}\n\
             dram_bandwidth_bytes_per_cycle = {}\ndram_latency_cycles = {}\ndram_interface = \"{}\"\n[clock]\nmhz = 500\n",
            self.rows,
            self.cols,
            self.dataflow,
            self.operand,
            self.saturate,
            self.acc_bits
                .map_or(String::new(), |b| format!("accumulator_bits = {b}\n")),
            self.ifmap_kib,
            self.filter_kib,
            self.ofmap_kib,
            self.double_buffered,
            self.bandwidth,
            self.latency,
            self.interface
        );
        Design::parse(&toml, "test.toml", None).expect("test design is valid")
    }
}
