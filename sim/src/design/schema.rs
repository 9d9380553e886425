//! The design file as written by a user (TOML), before validation.

use serde::{Deserialize, Serialize};

/// A design exactly as it appears in a TOML file. Validate it with
/// [`crate::design::Design::from_raw`] before use.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawDesign {
    /// Short identifier, e.g. `tpu-v1-like`.
    pub name: String,
    /// One line describing the design.
    #[serde(default)]
    pub description: String,
    /// Where the numbers come from, for designs modelled on a real chip.
    #[serde(default)]
    pub source: Option<String>,
    /// The systolic array.
    pub array: RawArray,
    /// Operand and accumulator precision.
    pub precision: RawPrecision,
    /// On-chip buffers and DRAM.
    pub memory: RawMemory,
    /// Clock.
    pub clock: RawClock,
    /// Energy table and process node.
    #[serde(default)]
    pub technology: RawTechnology,
    /// Structured sparsity of the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sparsity: Option<RawSparsity>,
}

/// `[sparsity]`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSparsity {
    /// `dense` or `N:M` (e.g. `2:4`): at most N nonzero weights in every
    /// group of M along K, stored compressed (docs/TIMING.md, "Sparse weights").
    pub weights: String,
}

/// `[array]`: geometry and dataflow.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawArray {
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// `ws`, `os` or `is`.
    pub dataflow: String,
    /// Lanes of the vector unit that runs pooling, elementwise, softmax and
    /// layernorm (default: `cols`).
    #[serde(default)]
    pub vector_lanes: Option<u32>,
    /// Clock-gated MACs: a multiply with a zero operand does not switch the
    /// datapath (default false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub zero_gating: bool,
}

/// `[precision]`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawPrecision {
    /// `int8`, `int16`, `intN` (2..=32), `fp16`, `bf16` or `fp32`.
    pub operand: String,
    /// Accumulator width in bits (default 32; integer designs only).
    #[serde(default)]
    pub accumulator_bits: Option<u32>,
    /// Precision of outputs written back to DRAM (default: the operand
    /// precision, i.e. requantized on chip).
    #[serde(default)]
    pub output: Option<String>,
    /// Saturate instead of two's-complement wrap in the accumulator
    /// (floating point: overflow to the largest finite number, not infinity).
    #[serde(default)]
    pub saturate: bool,
    /// Floating-point designs: format of the partial sums flowing in the
    /// array (`fp32`, the default, `bf16` or `fp16`); the accumulator is fp32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_sums: Option<String>,
    /// Floating-point designs: where a multiply-accumulate rounds:
    /// `fma_chain` (the default), `products_exact` or `fused_adder`
    /// (docs/NUMERICS.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accumulation: Option<String>,
    /// `fused_adder`: products added at once (1 to 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fused_terms: Option<u32>,
    /// `fused_adder`: alignment bits kept beyond the partial sum's
    /// significand (0 to 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fused_extra_bits: Option<u32>,
    /// Floating-point designs: keep subnormal numbers (the default), or
    /// `false` to flush them to zero in and out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnormals: Option<bool>,
}

/// `[memory]`: on-chip SRAMs and the DRAM interface.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawMemory {
    /// Input-activation (A operand) SRAM, KiB, both halves together.
    pub ifmap_sram_kib: f64,
    /// Weight (B operand) SRAM, KiB, both halves together.
    pub filter_sram_kib: f64,
    /// Output / accumulator SRAM, KiB, both halves together.
    pub ofmap_sram_kib: f64,
    /// Whether each SRAM is split into a compute half and a prefetch half
    /// (default true).
    #[serde(default = "default_true")]
    pub double_buffered: bool,
    /// DRAM bandwidth in bytes per array clock cycle.
    pub dram_bandwidth_bytes_per_cycle: f64,
    /// DRAM access latency in cycles (default 100).
    #[serde(default)]
    pub dram_latency_cycles: Option<u32>,
    /// DRAM capacity in GiB (what a training step must fit in; unset: not
    /// checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dram_capacity_gib: Option<f64>,
    /// Keep layer activations in the ifmap SRAM between layers when a layer's
    /// input and output fit there (TPU v1's Unified Buffer); only weights then
    /// come from DRAM (default false: every layer reads its input from DRAM
    /// and writes its output back).
    #[serde(default)]
    pub activations_on_chip: bool,
    /// DRAM interface for energy: `lpddr4`, `hbm2`, `gddr5` or `ddr3`.
    #[serde(default)]
    pub dram_interface: Option<String>,
}

/// `[clock]`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawClock {
    /// Array clock in MHz.
    pub mhz: f64,
}

/// `[technology]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawTechnology {
    /// Built-in table name (`horowitz-45nm`) or a path to a table TOML file,
    /// relative to the design file (default `horowitz-45nm`).
    #[serde(default)]
    pub energy_table: Option<String>,
    /// Process node in nm; energies are scaled from the table's node
    /// (default: the table's node).
    #[serde(default)]
    pub node_nm: Option<u32>,
}

fn default_true() -> bool {
    true
}
