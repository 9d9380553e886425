//! Accelerator designs: a design as typed values ([`DesignParams`]), checked
//! once by [`Design::new`]; the TOML file and SCALE-Sim `.cfg` readers that
//! produce those values; and the built-in presets.

mod dataflow;
mod presets;
pub mod scalesim_cfg;
mod schema;

pub use dataflow::{Dataflow, Dim, Edge, Layout, Operand, Roles};
pub use presets::{preset, preset_names, preset_text, PRESETS};
pub use schema::{
    RawArray, RawClock, RawDesign, RawMemory, RawPrecision, RawSparsity, RawTechnology,
};

use crate::energy::{DramInterface, EnergyModel, EnergyTable};
use crate::error::{InputError, Result, SimError};
use crate::precision::Precision;
use crate::sparsity::Sparsity;
use std::path::Path;
use std::sync::Arc;

/// Largest array side (PEs).
pub const MAX_SIDE: u32 = 4096;
/// Largest vector unit (lanes).
pub const MAX_VECTOR_LANES: u32 = 65536;
/// Largest SRAM (KiB): 1 TiB, far beyond any chip, small enough that byte
/// counts never overflow.
pub const MAX_SRAM_KIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Smallest SRAM (KiB): one byte.
pub const MIN_SRAM_KIB: f64 = 1.0 / 1024.0;
/// DRAM bandwidth range (bytes per cycle): 1 MB/s to 1 PB/s at 1 GHz.
pub const DRAM_BANDWIDTH: (f64, f64) = (1e-3, 1e6);
/// DRAM capacity range (GiB): 1 KiB to 1 PiB.
pub const DRAM_CAPACITY_GIB: (f64, f64) = (1.0 / (1024.0 * 1024.0), 1024.0 * 1024.0);
/// Clock range (MHz): 1 kHz to 1 THz.
pub const CLOCK_MHZ: (f64, f64) = (1e-3, 1e6);
/// Largest DRAM latency (cycles).
pub const MAX_DRAM_LATENCY: u32 = 1_000_000;
/// Default DRAM latency (cycles).
pub const DEFAULT_DRAM_LATENCY: u32 = 100;
/// The energy table of a design that names none.
pub const DEFAULT_ENERGY_TABLE: &str = "horowitz-45nm";

/// A design as values: every field of a design file with its names parsed
/// into types (defaults that depend on other fields are left `None`).
/// [`Design::new`] checks it once; a sweep point or a test changes these
/// fields and builds a new design, with no text in between.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignParams {
    /// Short identifier.
    pub name: String,
    /// One line describing it.
    pub description: String,
    /// Source of the numbers, for designs modelled on a real chip.
    pub source: Option<String>,
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// Dataflow.
    pub dataflow: Dataflow,
    /// Lanes of the vector unit (`None`: `cols`).
    pub vector_lanes: Option<u32>,
    /// Clock-gated MACs: a multiply with a zero operand does not switch
    /// the datapath (the pe engine's runs on real operands then report a
    /// data-dependent energy beside the data-independent one).
    pub zero_gating: bool,
    /// Operand precision.
    pub operand: Precision,
    /// Accumulator width of an integer design (`None`: 32 bits).
    pub accumulator_bits: Option<u32>,
    /// Precision of outputs written to DRAM (`None`: the operand's).
    pub output: Option<Precision>,
    /// Saturating accumulation.
    pub saturate: bool,
    /// Floating-point arithmetic: partial-sum format, accumulation rule,
    /// subnormals (`None` each: the defaults; integer designs: all `None`).
    pub float: FloatParams,
    /// ifmap SRAM, KiB (both halves).
    pub ifmap_sram_kib: f64,
    /// filter SRAM, KiB (both halves).
    pub filter_sram_kib: f64,
    /// ofmap / accumulator SRAM, KiB (both halves).
    pub ofmap_sram_kib: f64,
    /// SRAMs split into compute and prefetch halves.
    pub double_buffered: bool,
    /// Activations stay in the ifmap SRAM between layers when they fit.
    pub activations_on_chip: bool,
    /// DRAM bytes per cycle.
    pub dram_bandwidth: f64,
    /// DRAM latency in cycles.
    pub dram_latency: u32,
    /// DRAM interface (energy); `None` uses the energy table's own DRAM row.
    pub dram_interface: Option<DramInterface>,
    /// DRAM capacity in GiB (`None`: not set, not checked).
    pub dram_capacity_gib: Option<f64>,
    /// Clock in MHz.
    pub clock_mhz: f64,
    /// The energy table (parsed once, shared by every variant).
    pub energy_table: Arc<EnergyTable>,
    /// Process node in nm (`None`: the table's node).
    pub node_nm: Option<u32>,
    /// N:M structured sparsity of the weights (`None`: dense).
    pub sparsity: Option<Sparsity>,
}

/// The floating-point choices of a design file (docs/NUMERICS.md).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FloatParams {
    /// Format of the partial sums in the array (`None`: fp32).
    pub partial_sums: Option<Precision>,
    /// Where a multiply-accumulate rounds (`None`: `fma_chain`).
    pub rule: Option<crate::fp::rules::AccRule>,
    /// Keep subnormals (`None`: yes).
    pub subnormals: Option<bool>,
}

impl FloatParams {
    /// Whether any choice is made.
    pub fn is_set(&self) -> bool {
        self.partial_sums.is_some() || self.rule.is_some() || self.subnormals.is_some()
    }
}

/// The `sim::fp` format of a floating-point precision.
pub fn fp_format(p: Precision) -> Option<crate::fp::Format> {
    match p {
        Precision::Fp16 => Some(crate::fp::FP16),
        Precision::Bf16 => Some(crate::fp::BF16),
        Precision::Fp32 => Some(crate::fp::FP32),
        Precision::Fp8E4M3 => Some(crate::fp::E4M3),
        Precision::Fp8E5M2 => Some(crate::fp::E5M2),
        Precision::Int(_) => None,
    }
}

impl DesignParams {
    /// A plain design to start from: `rows x cols` int8 in `dataflow`, 64 KiB
    /// per SRAM, double-buffered, 16 bytes per cycle of DRAM, 1 GHz, the
    /// built-in energy table. Change fields, then [`Design::new`].
    pub fn new(name: &str, rows: u32, cols: u32, dataflow: Dataflow) -> DesignParams {
        DesignParams {
            name: name.to_string(),
            description: String::new(),
            source: None,
            rows,
            cols,
            dataflow,
            vector_lanes: None,
            zero_gating: false,
            operand: Precision::Int(8),
            accumulator_bits: None,
            output: None,
            saturate: false,
            float: FloatParams::default(),
            ifmap_sram_kib: 64.0,
            filter_sram_kib: 64.0,
            ofmap_sram_kib: 64.0,
            double_buffered: true,
            activations_on_chip: false,
            dram_bandwidth: 16.0,
            dram_latency: DEFAULT_DRAM_LATENCY,
            dram_interface: None,
            dram_capacity_gib: None,
            clock_mhz: 1000.0,
            energy_table: EnergyTable::resolve(DEFAULT_ENERGY_TABLE, None)
                .expect("the built-in energy table parses (unit-tested)"),
            node_nm: None,
            sparsity: None,
        }
    }

    /// Changes the operand precision the way a sweep does: an integer
    /// operand keeps the accumulator width when it is at least as wide, else
    /// goes back to the default (32 bits); a floating-point operand
    /// accumulates in fp32.
    pub fn set_operand(&mut self, p: Precision) {
        if self.operand == p {
            return;
        }
        if p.is_int() {
            self.float = FloatParams::default();
        }
        let old = self.operand;
        self.operand = p;
        self.accumulator_bits = match self.accumulator_bits {
            acc if old.is_int() && p.is_int() && acc.unwrap_or(32) >= p.bits() => acc,
            _ => None,
        };
    }
}

/// A field of a design with a value out of range: the field's path in the
/// design file (`array.rows`), what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Dotted path of the field in the design file.
    pub field: &'static str,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>, help: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
            help: help.into(),
        }
    }

    /// As an [`InputError`] about `file`, pointing into `text` when given.
    pub fn into_input(self, file: &str, text: Option<&str>) -> InputError {
        let e = InputError::new("systolic::design::field", file, self.message)
            .field(self.field)
            .hint(self.help);
        match text.and_then(|t| crate::error::span_of(t, self.field, None).map(|s| (t, s))) {
            Some((t, span)) => e.span(t, span),
            None => e,
        }
    }
}

/// Longest design name, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// The design-name rule: 1 to [`MAX_NAME_LEN`] ASCII letters, digits, `_`,
/// `.` and `-`, starting with a letter, digit or `_`. A name becomes file
/// and folder names (`verilog-out/<name>/`), Verilog module names and text
/// in generated files, so it is an identifier: no path separators, no `..`
/// alone, no spaces, quotes or line breaks. [`Design::new`] applies it to
/// every design; code that writes files from a name may call it again.
pub fn check_name(name: &str) -> std::result::Result<(), FieldError> {
    const HELP: &str = "a design name names files and Verilog modules: 1 to 64 letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_` (e.g. `edge-8x8`)";
    let bad = |message: String| Err(FieldError::new("name", message, HELP));
    let len = name.chars().count();
    if len == 0 {
        return bad("the design name is empty".into());
    }
    // Shown escaped (a line break as `\n`), and cut short when long.
    let shown = if len > MAX_NAME_LEN {
        format!(
            "{:?}...",
            name.chars().take(MAX_NAME_LEN).collect::<String>()
        )
    } else {
        format!("{name:?}")
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if let Some(c) = name.chars().find(|&c| !allowed(c)) {
        return bad(format!(
            "the design name {shown} has {c:?}, which is not a letter, digit, `_`, `.` or `-`"
        ));
    }
    if len > MAX_NAME_LEN {
        return bad(format!(
            "the design name is {len} characters long; at most {MAX_NAME_LEN}"
        ));
    }
    if name.starts_with(['.', '-']) {
        return bad(format!(
            "the design name {shown} starts with `{}`; it must start with a letter, digit or `_`",
            &name[..1]
        ));
    }
    Ok(())
}

/// A validated design: every field checked, every default filled in. Two
/// designs are equal when their checked values are (whether a default was
/// left implicit or written out does not count).
#[derive(Debug, Clone)]
pub struct Design {
    /// Short identifier.
    pub name: String,
    /// One line describing it.
    pub description: String,
    /// Source of the numbers, for designs modelled on a real chip.
    pub source: Option<String>,
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// Dataflow.
    pub dataflow: Dataflow,
    /// Lanes of the vector unit.
    pub vector_lanes: u32,
    /// Clock-gated MACs (see [`DesignParams::zero_gating`]).
    pub zero_gating: bool,
    /// Operand precision.
    pub operand: Precision,
    /// Accumulator precision (an integer width for integer designs, fp32 for floating point).
    pub accumulator: Precision,
    /// Precision of outputs written to DRAM.
    pub output: Precision,
    /// Saturating accumulation.
    pub saturate: bool,
    /// The arithmetic of a floating-point design (`None`: integer).
    pub fp: Option<crate::fp::gemm::FpArith>,
    /// ifmap SRAM bytes (both halves).
    pub ifmap_sram_bytes: u64,
    /// filter SRAM bytes (both halves).
    pub filter_sram_bytes: u64,
    /// ofmap / accumulator SRAM bytes (both halves).
    pub ofmap_sram_bytes: u64,
    /// Whether SRAMs are split into compute and prefetch halves.
    pub double_buffered: bool,
    /// Whether activations stay in the ifmap SRAM between layers when they fit.
    pub activations_on_chip: bool,
    /// DRAM bytes per cycle.
    pub dram_bandwidth: f64,
    /// DRAM latency in cycles.
    pub dram_latency: u32,
    /// DRAM interface (energy); `None` uses the energy table's own DRAM row.
    pub dram_interface: Option<DramInterface>,
    /// DRAM capacity in bytes (`None`: not set).
    pub dram_capacity_bytes: Option<u64>,
    /// Clock in MHz.
    pub clock_mhz: f64,
    /// Per-action energies, already scaled to the design's node.
    pub energy: EnergyModel,
    /// N:M structured sparsity of the weights (`None`: dense).
    pub sparsity: Option<Sparsity>,
    /// The values this design was built from.
    params: DesignParams,
}

impl PartialEq for Design {
    fn eq(&self, o: &Design) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let Design {
            name,
            description,
            source,
            rows,
            cols,
            dataflow,
            vector_lanes,
            zero_gating,
            operand,
            accumulator,
            output,
            saturate,
            fp,
            ifmap_sram_bytes,
            filter_sram_bytes,
            ofmap_sram_bytes,
            double_buffered,
            activations_on_chip,
            dram_bandwidth,
            dram_latency,
            dram_interface,
            dram_capacity_bytes,
            clock_mhz,
            energy,
            sparsity,
            params: _,
        } = self;
        *name == o.name
            && *description == o.description
            && *source == o.source
            && (*rows, *cols, *dataflow, *vector_lanes, *zero_gating)
                == (o.rows, o.cols, o.dataflow, o.vector_lanes, o.zero_gating)
            && (*operand, *accumulator, *output, *saturate)
                == (o.operand, o.accumulator, o.output, o.saturate)
            && *fp == o.fp
            && (*ifmap_sram_bytes, *filter_sram_bytes, *ofmap_sram_bytes)
                == (o.ifmap_sram_bytes, o.filter_sram_bytes, o.ofmap_sram_bytes)
            && (*double_buffered, *activations_on_chip)
                == (o.double_buffered, o.activations_on_chip)
            && (*dram_bandwidth, *dram_latency, *dram_interface)
                == (o.dram_bandwidth, o.dram_latency, o.dram_interface)
            && *dram_capacity_bytes == o.dram_capacity_bytes
            && *clock_mhz == o.clock_mhz
            && *energy == o.energy
            && *sparsity == o.sparsity
    }
}

impl Design {
    /// Checks `p` and fills in its defaults: the one validation every design
    /// goes through, whether it came from a TOML file, a SCALE-Sim config,
    /// a sweep point or code.
    pub fn new(p: DesignParams) -> std::result::Result<Design, FieldError> {
        check_name(&p.name)?;
        let count = |field, v: u32, max: u32| {
            if v == 0 || v > max {
                Err(FieldError::new(
                    field,
                    format!("expected an integer from 1 to {max}, found {v}"),
                    "array dimensions and lanes are counts of PEs",
                ))
            } else {
                Ok(v)
            }
        };
        let within = |field, v: f64, what: &str, (min, max): (f64, f64)| {
            if v.is_finite() && v >= min && v <= max {
                Ok(v)
            } else {
                Err(FieldError::new(
                    field,
                    format!("expected {what} from {min} to {max}, found {v}"),
                    format!("give {what} as a number in that range (docs/DESIGN_FORMAT.md)"),
                ))
            }
        };
        let rows = count("array.rows", p.rows, MAX_SIDE)?;
        let cols = count("array.cols", p.cols, MAX_SIDE)?;
        let vector_lanes = match p.vector_lanes {
            Some(v) => count("array.vector_lanes", v, MAX_VECTOR_LANES)?,
            None => cols,
        };
        let operand = p.operand;
        let accumulator = match (operand, p.accumulator_bits) {
            (Precision::Int(op), bits) => {
                let bits = bits.unwrap_or(32);
                if !(2..=64).contains(&bits) || bits < op {
                    return Err(FieldError::new(
                        "precision.accumulator_bits",
                        format!("expected an accumulator of {op} to 64 bits for {operand} operands, found {bits}"),
                        "the accumulator must be at least as wide as the operands; 32 is usual for int8",
                    ));
                }
                Precision::Int(bits)
            }
            (_, None | Some(32)) => Precision::Fp32,
            (_, Some(bits)) => {
                return Err(FieldError::new(
                    "precision.accumulator_bits",
                    format!(
                    "floating-point designs accumulate in fp32; found accumulator_bits = {bits}"
                ),
                    "remove accumulator_bits or set it to 32",
                ))
            }
        };
        let output = p.output.unwrap_or(operand);
        let kib = |field, v: f64| -> std::result::Result<u64, FieldError> {
            Ok((within(field, v, "KiB", (MIN_SRAM_KIB, MAX_SRAM_KIB))? * 1024.0).round() as u64)
        };
        let ifmap_sram_bytes = kib("memory.ifmap_sram_kib", p.ifmap_sram_kib)?;
        let filter_sram_bytes = kib("memory.filter_sram_kib", p.filter_sram_kib)?;
        let ofmap_sram_bytes = kib("memory.ofmap_sram_kib", p.ofmap_sram_kib)?;
        let dram_bandwidth = within(
            "memory.dram_bandwidth_bytes_per_cycle",
            p.dram_bandwidth,
            "bytes per cycle",
            DRAM_BANDWIDTH,
        )?;
        if p.dram_latency > MAX_DRAM_LATENCY {
            return Err(FieldError::new(
                "memory.dram_latency_cycles",
                format!(
                    "expected at most {MAX_DRAM_LATENCY} cycles, found {}",
                    p.dram_latency
                ),
                "DRAM latency is about 100 cycles on most systems",
            ));
        }
        let clock_mhz = within("clock.mhz", p.clock_mhz, "MHz", CLOCK_MHZ)?;
        let dram_capacity_bytes = match p.dram_capacity_gib {
            None => None,
            Some(g) => Some(
                (within("memory.dram_capacity_gib", g, "GiB", DRAM_CAPACITY_GIB)?
                    * (1u64 << 30) as f64)
                    .round() as u64,
            ),
        };
        let energy = p
            .energy_table
            .model(p.node_nm, p.dram_interface, operand, accumulator)
            .map_err(|msg| {
                let field = if msg.contains("DRAM") {
                    "memory.dram_interface"
                } else if msg.contains("nm") {
                    "technology.node_nm"
                } else {
                    "technology.energy_table"
                };
                FieldError::new(
                    field,
                    msg,
                    format!(
                        "energy tables are in sim/tables/; nodes with scaling data: {}",
                        crate::energy::scaling_nodes()
                    ),
                )
            })?;
        let fp = float_arith(operand, &p)?;
        if let Some(s) = p.sparsity {
            check_sparsity(s, p.dataflow, rows)?;
        }
        Ok(Design {
            name: p.name.clone(),
            description: p.description.clone(),
            source: p.source.clone(),
            rows,
            cols,
            dataflow: p.dataflow,
            vector_lanes,
            zero_gating: p.zero_gating,
            operand,
            accumulator,
            output,
            saturate: p.saturate,
            fp,
            ifmap_sram_bytes,
            filter_sram_bytes,
            ofmap_sram_bytes,
            double_buffered: p.double_buffered,
            activations_on_chip: p.activations_on_chip,
            dram_bandwidth,
            dram_latency: p.dram_latency,
            dram_interface: p.dram_interface,
            dram_capacity_bytes,
            clock_mhz,
            energy,
            sparsity: p.sparsity,
            params: p,
        })
    }

    /// Loads and validates a design file.
    pub fn load(path: &Path) -> Result<Design> {
        let text = crate::error::read_file(path)?;
        Design::parse(&text, &path.display().to_string(), path.parent())
    }

    /// Parses and validates design text; `file` names it in errors and
    /// `dir` resolves a relative energy-table path.
    pub fn parse(text: &str, file: &str, dir: Option<&Path>) -> Result<Design> {
        let raw: RawDesign = toml::from_str(text).map_err(|e| {
            let mut err =
                InputError::new("systolic::design::syntax", file, e.message().to_string())
                    .hint("see docs/DESIGN_FORMAT.md and designs/*.toml for every field");
            if let Some(span) = e.span() {
                err = err.span(text, span);
            }
            err
        })?;
        let params = raw.to_params(text, file, dir)?;
        Design::new(params).map_err(|e| e.into_input(file, Some(text)).into())
    }

    /// A variant of this design: `edit` changes the values it was built
    /// from, which are then checked again (e.g. the same design in fp32).
    pub fn variant(&self, edit: impl FnOnce(&mut DesignParams)) -> Result<Design> {
        let mut p = self.params.clone();
        edit(&mut p);
        Design::new(p).map_err(|e| {
            e.into_input(&format!("{} (variant)", self.name), None)
                .into()
        })
    }

    /// The values this design was built from.
    pub fn params(&self) -> &DesignParams {
        &self.params
    }

    /// The design as a complete TOML file: every field written out, defaults
    /// included (a starting point for a new design).
    pub fn to_toml(&self) -> String {
        RawDesign::from_params(&self.params).to_toml()
    }

    /// Peak multiply-accumulates per cycle.
    pub fn pes(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.cols)
    }

    /// Peak throughput in TOPS (2 ops per MAC).
    pub fn peak_tops(&self) -> f64 {
        2.0 * self.pes() as f64 * self.clock_mhz * 1e6 / 1e12
    }
}

/// The name a design file gives an accumulation rule.
pub fn rule_name(r: crate::fp::rules::AccRule) -> &'static str {
    use crate::fp::rules::AccRule;
    match r {
        AccRule::FmaChain => "fma_chain",
        AccRule::ProductsExact => "products_exact",
        AccRule::FusedAdder { .. } => "fused_adder",
    }
}

/// The floating-point arithmetic of a design (`None` for an integer
/// design, which may not make floating-point choices).
fn float_arith(
    operand: Precision,
    p: &DesignParams,
) -> std::result::Result<Option<crate::fp::gemm::FpArith>, FieldError> {
    use crate::fp::rules::AccRule;
    let f = &p.float;
    let Some(op) = fp_format(operand) else {
        if f.is_set() {
            let field = if f.partial_sums.is_some() {
                "precision.partial_sums"
            } else if f.rule.is_some() {
                "precision.accumulation"
            } else {
                "precision.subnormals"
            };
            return Err(FieldError::new(
                field,
                format!(
                    "{field} applies to floating-point designs; this one has {operand} operands"
                ),
                "remove it, or make the operand fp16, bf16 or fp32",
            ));
        }
        return Ok(None);
    };
    let psum = f.partial_sums.unwrap_or(Precision::Fp32);
    let psum_ok = matches!(psum, Precision::Fp32 | Precision::Bf16 | Precision::Fp16);
    let Some(psum_fmt) = fp_format(psum).filter(|_| psum_ok) else {
        return Err(FieldError::new(
            "precision.partial_sums",
            format!("expected fp32, bf16 or fp16 partial sums, found {psum}"),
            "partial sums are fp32 (the default), bf16 or fp16; fp8 is an operand format",
        ));
    };
    let rule = f.rule.unwrap_or(AccRule::FmaChain);
    if let AccRule::FusedAdder { terms, extra_bits } = rule {
        if !(1..=64).contains(&terms) {
            return Err(FieldError::new(
                "precision.fused_terms",
                format!("expected 1 to 64 products per fused addition, found {terms}"),
                "tensor cores add 4 (V100) to 16 products at once",
            ));
        }
        if extra_bits > 64 {
            return Err(FieldError::new(
                "precision.fused_extra_bits",
                format!("expected 0 to 64 extra alignment bits, found {extra_bits}"),
                "V100 keeps 0, A100 1, H100 at least 2",
            ));
        }
    }
    Ok(Some(crate::fp::gemm::FpArith {
        operand: op,
        psum: psum_fmt,
        acc: crate::fp::FP32,
        rule,
        mode: crate::fp::Mode {
            subnormals: f.subnormals.unwrap_or(true),
            saturate: p.saturate,
        },
    }))
}

/// Why `array` cannot hold `s`-sparse weights, if it cannot.
fn check_sparsity(
    s: Sparsity,
    dataflow: Dataflow,
    rows: u32,
) -> std::result::Result<(), FieldError> {
    if dataflow != Dataflow::Ws {
        return Err(FieldError::new(
            "sparsity.weights",
            format!("{s} sparse weights need the ws dataflow; this design is {dataflow}"),
            "in ws the weights stand still and each PE picks its activation out of the M of its group; in is the weights stream past stationary activations, so a PE would have to hold M activations, and in os both stream (docs/TIMING.md, \"Sparse weights\"); use dataflow = \"ws\" or weights = \"dense\"",
        ));
    }
    if !rows.is_multiple_of(s.n) {
        return Err(FieldError::new(
            "sparsity.weights",
            format!("{s} sparse weights need array rows in multiples of N = {}; this array has {rows}", s.n),
            "a row fold holds whole groups of N compressed weights, which share their M activations; choose rows or N so that N divides rows",
        ));
    }
    Ok(())
}

impl RawDesign {
    /// The typed values of this file: names of dataflows, precisions, DRAM
    /// interfaces and energy tables resolved (errors point into `text`).
    pub fn to_params(&self, text: &str, file: &str, dir: Option<&Path>) -> Result<DesignParams> {
        let err = |field: &'static str, message: String, help: String| -> SimError {
            FieldError::new(field, message, help)
                .into_input(file, Some(text))
                .into()
        };
        let precision = |field: &'static str, s: &str| {
            Precision::parse(s).ok_or_else(|| {
                err(
                    field,
                    format!("unknown precision `{s}`"),
                    "use int8, int16, intN (N from 2 to 32), fp16, bf16 or fp32".into(),
                )
            })
        };
        let dataflow = Dataflow::parse(&self.array.dataflow).ok_or_else(|| {
            err(
                "array.dataflow",
                format!("unknown dataflow `{}`", self.array.dataflow),
                "use ws (weight stationary), os (output stationary) or is (input stationary)"
                    .into(),
            )
        })?;
        let operand = precision("precision.operand", &self.precision.operand)?;
        let sparsity = match &self.sparsity {
            None => None,
            Some(s) => Sparsity::parse(&s.weights).map_err(|why| {
                err(
                    "sparsity.weights",
                    why,
                    "e.g. weights = \"2:4\" (NVIDIA's sparse tensor cores) or \"1:4\"; docs/DESIGN_FORMAT.md".into(),
                )
            })?,
        };
        let output = match &self.precision.output {
            Some(s) => Some(precision("precision.output", s)?),
            None => None,
        };
        let pr = &self.precision;
        let partial_sums = match &pr.partial_sums {
            Some(s) => Some(precision("precision.partial_sums", s)?),
            None => None,
        };
        use crate::fp::rules::AccRule;
        let rule = match pr.accumulation.as_deref() {
            None => None,
            Some("fma_chain") => Some(AccRule::FmaChain),
            Some("products_exact") => Some(AccRule::ProductsExact),
            Some("fused_adder") => Some(AccRule::FusedAdder {
                terms: pr.fused_terms.ok_or_else(|| {
                    err(
                        "precision.fused_terms",
                        "accumulation = \"fused_adder\" needs fused_terms, the products added at once".into(),
                        "add e.g. fused_terms = 4 and fused_extra_bits = 0 (a V100-style unit; docs/NUMERICS.md)".into(),
                    )
                })?,
                extra_bits: pr.fused_extra_bits.ok_or_else(|| {
                    err(
                        "precision.fused_extra_bits",
                        "accumulation = \"fused_adder\" needs fused_extra_bits, the alignment bits kept beyond the partial sum's significand".into(),
                        "add e.g. fused_extra_bits = 0 (V100), 1 (A100) or 2 (H100)".into(),
                    )
                })?,
            }),
            Some(other) => {
                return Err(err(
                    "precision.accumulation",
                    format!("unknown accumulation rule `{other}`"),
                    "use fma_chain, products_exact or fused_adder (docs/NUMERICS.md)".into(),
                ))
            }
        };
        if !matches!(rule, Some(AccRule::FusedAdder { .. })) {
            for (field, set) in [
                ("precision.fused_terms", pr.fused_terms.is_some()),
                ("precision.fused_extra_bits", pr.fused_extra_bits.is_some()),
            ] {
                if set {
                    return Err(err(
                        field,
                        format!("{field} is set but accumulation is not \"fused_adder\""),
                        "remove it, or set accumulation = \"fused_adder\"".into(),
                    ));
                }
            }
        }
        let float = FloatParams {
            partial_sums,
            rule,
            subnormals: pr.subnormals,
        };
        let m = &self.memory;
        let dram_interface = match &m.dram_interface {
            Some(s) => Some(DramInterface::parse(s).ok_or_else(|| {
                err(
                    "memory.dram_interface",
                    format!("unknown DRAM interface `{s}`"),
                    format!("use one of: {}", DramInterface::names().join(", ")),
                )
            })?),
            None => None,
        };
        let table_name = self
            .technology
            .energy_table
            .as_deref()
            .unwrap_or(DEFAULT_ENERGY_TABLE);
        let energy_table = EnergyTable::resolve(table_name, dir).map_err(|e| match e {
            SimError::Unknown {
                name,
                known,
                suggestions,
                ..
            } => err(
                "technology.energy_table",
                format!(
                    "unknown energy table `{name}` (not a built-in name, and no such file){}",
                    crate::names::did_you_mean(&suggestions)
                ),
                known,
            ),
            SimError::Input(i) if i.code == "systolic::energy::path" => err(
                "technology.energy_table",
                format!("`{table_name}`: {}", i.message),
                i.help.unwrap_or_default(),
            ),
            SimError::Io { path, source, .. } => err(
                "technology.energy_table",
                format!("`{table_name}`: cannot read {path}: {source}"),
                format!(
                    "name a built-in table ({}) or a table TOML file beside the design file",
                    crate::energy::BUILTIN_TABLES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            other => other,
        })?;
        Ok(DesignParams {
            name: self.name.clone(),
            description: self.description.clone(),
            source: self.source.clone(),
            rows: self.array.rows,
            cols: self.array.cols,
            dataflow,
            vector_lanes: self.array.vector_lanes,
            zero_gating: self.array.zero_gating,
            operand,
            accumulator_bits: self.precision.accumulator_bits,
            output,
            saturate: self.precision.saturate,
            float,
            ifmap_sram_kib: m.ifmap_sram_kib,
            filter_sram_kib: m.filter_sram_kib,
            ofmap_sram_kib: m.ofmap_sram_kib,
            double_buffered: m.double_buffered,
            activations_on_chip: m.activations_on_chip,
            dram_bandwidth: m.dram_bandwidth_bytes_per_cycle,
            dram_latency: m.dram_latency_cycles.unwrap_or(DEFAULT_DRAM_LATENCY),
            dram_interface,
            dram_capacity_gib: m.dram_capacity_gib,
            clock_mhz: self.clock.mhz,
            energy_table,
            node_nm: self.technology.node_nm,
            sparsity,
        })
    }

    /// The file that says `p`, every field written out (defaults that
    /// depend on other fields made explicit).
    pub fn from_params(p: &DesignParams) -> RawDesign {
        RawDesign {
            name: p.name.clone(),
            description: p.description.clone(),
            source: p.source.clone(),
            array: RawArray {
                rows: p.rows,
                cols: p.cols,
                dataflow: p.dataflow.to_string(),
                vector_lanes: Some(p.vector_lanes.unwrap_or(p.cols)),
                zero_gating: p.zero_gating,
            },
            precision: RawPrecision {
                operand: p.operand.to_string(),
                accumulator_bits: if p.operand.is_int() {
                    Some(p.accumulator_bits.unwrap_or(32))
                } else {
                    p.accumulator_bits
                },
                output: Some(p.output.unwrap_or(p.operand).to_string()),
                saturate: p.saturate,
                partial_sums: (!p.operand.is_int())
                    .then(|| p.float.partial_sums.unwrap_or(Precision::Fp32).to_string()),
                accumulation: (!p.operand.is_int()).then(|| {
                    rule_name(p.float.rule.unwrap_or(crate::fp::rules::AccRule::FmaChain))
                        .to_string()
                }),
                fused_terms: match p.float.rule {
                    Some(crate::fp::rules::AccRule::FusedAdder { terms, .. }) => Some(terms),
                    _ => None,
                },
                fused_extra_bits: match p.float.rule {
                    Some(crate::fp::rules::AccRule::FusedAdder { extra_bits, .. }) => {
                        Some(extra_bits)
                    }
                    _ => None,
                },
                subnormals: (!p.operand.is_int()).then(|| p.float.subnormals.unwrap_or(true)),
            },
            memory: RawMemory {
                ifmap_sram_kib: p.ifmap_sram_kib,
                filter_sram_kib: p.filter_sram_kib,
                ofmap_sram_kib: p.ofmap_sram_kib,
                double_buffered: p.double_buffered,
                dram_bandwidth_bytes_per_cycle: p.dram_bandwidth,
                dram_latency_cycles: Some(p.dram_latency),
                dram_capacity_gib: p.dram_capacity_gib,
                activations_on_chip: p.activations_on_chip,
                dram_interface: p.dram_interface.map(|d| d.to_string()),
            },
            clock: RawClock { mhz: p.clock_mhz },
            technology: RawTechnology {
                energy_table: Some(p.energy_table.reference.clone()),
                node_nm: p.node_nm.or(p.energy_table.node_nm),
            },
            sparsity: p.sparsity.map(|s| RawSparsity {
                weights: s.to_string(),
            }),
        }
    }

    /// This file as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a design serializes to TOML")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_round_trips_through_its_complete_toml() {
        for name in preset_names() {
            let d = preset(name).unwrap();
            let text = d.to_toml();
            let back = Design::parse(&text, "round-trip.toml", None).unwrap();
            assert_eq!(back, d, "{name}:\n{text}");
            assert_eq!(back.to_toml(), text, "{name}");
        }
    }

    #[test]
    fn variants_are_checked_like_files() {
        let d = preset("edge-8x8").unwrap();
        let wide = d.variant(|v| v.rows = 64).unwrap();
        assert_eq!(
            (wide.rows, wide.cols, wide.name.as_str()),
            (64, 8, "edge-8x8")
        );
        let e = d.variant(|v| v.rows = 0).unwrap_err().to_string();
        assert!(e.contains("array.rows") && e.contains("variant"), "{e}");
        let e = d
            .variant(|v| v.clock_mhz = f64::NAN)
            .unwrap_err()
            .to_string();
        assert!(e.contains("clock.mhz"), "{e}");
        let fp = d.variant(|v| v.set_operand(Precision::Fp16)).unwrap();
        assert_eq!(fp.accumulator, Precision::Fp32);
        let i16 = d.variant(|v| v.set_operand(Precision::Int(16))).unwrap();
        assert_eq!(i16.accumulator, Precision::Int(32));
    }

    #[test]
    fn names_are_identifiers_of_1_to_64_characters() {
        for good in [
            "t",
            "edge-8x8",
            "128x128_is",
            "_x",
            "a.b-c_d",
            &"n".repeat(64),
        ] {
            let d = Design::new(DesignParams::new(good, 2, 2, Dataflow::Ws));
            assert_eq!(d.map(|d| d.name).as_deref(), Ok(good));
        }
        for (bad, says) in [
            ("", "is empty"),
            (&"n".repeat(65), "65 characters long; at most 64"),
            ("x\nmodule tb;", r#"has '\n'"#),
            ("../../x", "has '/'"),
            ("/tmp/x", "has '/'"),
            ("a\\b", r#"has '\\'"#),
            ("my design", "has ' '"),
            ("x\"y", r#"has '"'"#),
            ("x`y", "has '`'"),
            ("x<y>", "has '<'"),
            ("x\u{0}", r#"has '\0'"#),
            (&format!("{}\n", "n".repeat(70)), r#"nnnn"... has '\n'"#),
            ("é", "has 'é'"),
            ("..", "starts with `.`"),
            (".hidden", "starts with `.`"),
            ("-rf", "starts with `-`"),
        ] {
            let e = Design::new(DesignParams::new(bad, 2, 2, Dataflow::Ws)).unwrap_err();
            assert_eq!(e.field, "name", "{bad:?}");
            assert!(e.message.contains(says), "{bad:?}: {}", e.message);
            assert!(e.help.contains("1 to 64 letters"), "{}", e.help);
            assert!(!e.message.contains('\n'), "{:?}", e.message);
        }
        // In a file, the error points at the name.
        let text = "name = \"a/b\"\n[array]\nrows = 2\ncols = 2\ndataflow = \"ws\"\n[precision]\noperand = \"int8\"\n[memory]\nifmap_sram_kib = 1\nfilter_sram_kib = 1\nofmap_sram_kib = 1\ndram_bandwidth_bytes_per_cycle = 8\n[clock]\nmhz = 100\n";
        let e = Design::parse(text, "d.toml", None).unwrap_err().to_string();
        assert!(e.contains("design name \"a/b\" has '/'"), "{e}");
    }

    #[test]
    fn params_new_builds_a_valid_design() {
        let d = Design::new(DesignParams::new("t", 4, 6, Dataflow::Os)).unwrap();
        assert_eq!((d.rows, d.cols, d.dataflow), (4, 6, Dataflow::Os));
        assert_eq!(d.accumulator, Precision::Int(32));
        assert_eq!(d.vector_lanes, 6);
    }
}
