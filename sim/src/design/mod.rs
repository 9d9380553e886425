//! Accelerator designs: loading TOML, validating once, and the built-in presets.

mod presets;
pub mod scalesim_cfg;
mod schema;

pub use presets::{preset, preset_names, PRESETS};
pub use schema::{RawArray, RawClock, RawDesign, RawMemory, RawPrecision, RawTechnology};

use crate::energy::{DramInterface, EnergyModel, EnergyTable};
use crate::error::{InputError, Result};
use crate::precision::Precision;
use std::fmt;
use std::path::Path;

/// How operands map onto the array (SCALE-Sim's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataflow {
    /// Weight stationary: B tiles held in the PEs, A rows stream, C accumulates outside.
    Ws,
    /// Output stationary: C tiles accumulate in the PEs, A and B stream.
    Os,
    /// Input stationary: A tiles held in the PEs, B columns stream.
    Is,
}

impl Dataflow {
    /// All dataflows.
    pub const ALL: [Dataflow; 3] = [Dataflow::Ws, Dataflow::Os, Dataflow::Is];

    /// Parses `ws`, `os`, `is` (any case).
    pub fn parse(s: &str) -> Option<Dataflow> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ws" => Some(Dataflow::Ws),
            "os" => Some(Dataflow::Os),
            "is" => Some(Dataflow::Is),
            _ => None,
        }
    }
}

impl fmt::Display for Dataflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dataflow::Ws => "ws",
            Dataflow::Os => "os",
            Dataflow::Is => "is",
        })
    }
}

/// A validated design: every field checked, every default filled in.
#[derive(Debug, Clone, PartialEq)]
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
    /// Operand precision.
    pub operand: Precision,
    /// Accumulator precision (an integer width for integer designs, fp32 for floating point).
    pub accumulator: Precision,
    /// Precision of outputs written to DRAM.
    pub output: Precision,
    /// Saturating accumulation.
    pub saturate: bool,
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
    /// Clock in MHz.
    pub clock_mhz: f64,
    /// Per-action energies, already scaled to the design's node.
    pub energy: EnergyModel,
    /// The design as written, and the directory relative paths resolve from.
    raw: (RawDesign, Option<std::path::PathBuf>),
}

impl Design {
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
                    .hint("see designs/*.toml for complete examples of every field");
            if let Some(span) = e.span() {
                err = err.span(text, span);
            }
            err
        })?;
        let v = Validator { text, file };
        v.validate(raw, dir)
    }

    /// A variant of this design: `edit` changes the design as written, which
    /// is then validated again (e.g. the same design in fp32).
    pub fn variant(&self, edit: impl FnOnce(&mut RawDesign)) -> Result<Design> {
        let mut raw = self.raw.0.clone();
        edit(&mut raw);
        let text = toml::to_string(&raw)
            .map_err(|e| InputError::new("systolic::design::variant", &self.name, e.to_string()))?;
        Design::parse(
            &text,
            &format!("{} (variant)", self.name),
            self.raw.1.as_deref(),
        )
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

struct Validator<'a> {
    text: &'a str,
    file: &'a str,
}

impl Validator<'_> {
    fn err(&self, path: &str, message: impl Into<String>, help: impl Into<String>) -> InputError {
        let e = InputError::new("systolic::design::field", self.file, message)
            .field(path)
            .hint(help);
        match span_of(self.text, path) {
            Some(span) => e.span(self.text, span),
            None => e,
        }
    }

    fn positive_u32(&self, path: &str, v: u32, max: u32) -> Result<u32> {
        if v == 0 || v > max {
            return Err(self
                .err(
                    path,
                    format!("expected an integer from 1 to {max}, found {v}"),
                    "array dimensions and lanes are counts of PEs",
                )
                .into());
        }
        Ok(v)
    }

    fn positive_f64(&self, path: &str, v: f64, what: &str) -> Result<f64> {
        if !(v.is_finite() && v > 0.0) {
            return Err(self
                .err(
                    path,
                    format!("expected a positive number of {what}, found {v}"),
                    format!("give {what} as a number greater than 0"),
                )
                .into());
        }
        Ok(v)
    }

    fn precision(&self, path: &str, s: &str) -> Result<Precision> {
        Precision::parse(s).ok_or_else(|| {
            self.err(
                path,
                format!("unknown precision `{s}`"),
                "use int8, int16, intN (N from 2 to 32), fp16, bf16 or fp32",
            )
            .into()
        })
    }

    fn validate(&self, raw: RawDesign, dir: Option<&Path>) -> Result<Design> {
        if raw.name.trim().is_empty() {
            return Err(self
                .err(
                    "name",
                    "the design name is empty",
                    "give a short identifier such as `edge-8x8`",
                )
                .into());
        }
        let rows = self.positive_u32("array.rows", raw.array.rows, 4096)?;
        let cols = self.positive_u32("array.cols", raw.array.cols, 4096)?;
        let dataflow = Dataflow::parse(&raw.array.dataflow).ok_or_else(|| {
            self.err(
                "array.dataflow",
                format!("unknown dataflow `{}`", raw.array.dataflow),
                "use ws (weight stationary), os (output stationary) or is (input stationary)",
            )
        })?;
        let vector_lanes = match raw.array.vector_lanes {
            Some(v) => self.positive_u32("array.vector_lanes", v, 65536)?,
            None => cols,
        };
        let operand = self.precision("precision.operand", &raw.precision.operand)?;
        let accumulator = match (operand, raw.precision.accumulator_bits) {
            (Precision::Int(op), bits) => {
                let bits = bits.unwrap_or(32);
                if !(2..=64).contains(&bits) || bits < op {
                    return Err(self
                        .err(
                            "precision.accumulator_bits",
                            format!("expected an accumulator of {op} to 64 bits for {operand} operands, found {bits}"),
                            "the accumulator must be at least as wide as the operands; 32 is usual for int8",
                        )
                        .into());
                }
                Precision::Int(bits)
            }
            (_, None | Some(32)) => Precision::Fp32,
            (_, Some(bits)) => {
                return Err(self
                    .err(
                        "precision.accumulator_bits",
                        format!("floating-point designs accumulate in fp32; found accumulator_bits = {bits}"),
                        "remove accumulator_bits or set it to 32",
                    )
                    .into())
            }
        };
        let output = match &raw.precision.output {
            Some(s) => self.precision("precision.output", s)?,
            None => operand,
        };
        let kib = |path: &str, v: f64| -> Result<u64> {
            let v = self.positive_f64(path, v, "KiB")?;
            Ok((v * 1024.0).round() as u64)
        };
        let m = &raw.memory;
        let ifmap_sram_bytes = kib("memory.ifmap_sram_kib", m.ifmap_sram_kib)?;
        let filter_sram_bytes = kib("memory.filter_sram_kib", m.filter_sram_kib)?;
        let ofmap_sram_bytes = kib("memory.ofmap_sram_kib", m.ofmap_sram_kib)?;
        let dram_bandwidth = self.positive_f64(
            "memory.dram_bandwidth_bytes_per_cycle",
            m.dram_bandwidth_bytes_per_cycle,
            "bytes per cycle",
        )?;
        let dram_interface = match &m.dram_interface {
            Some(s) => Some(DramInterface::parse(s).ok_or_else(|| {
                self.err(
                    "memory.dram_interface",
                    format!("unknown DRAM interface `{s}`"),
                    format!("use one of: {}", DramInterface::names().join(", ")),
                )
            })?),
            None => None,
        };
        let clock_mhz = self.positive_f64("clock.mhz", raw.clock.mhz, "MHz")?;
        let table_name = raw
            .technology
            .energy_table
            .as_deref()
            .unwrap_or("horowitz-45nm");
        let table = EnergyTable::resolve(table_name, dir).map_err(|e| match e {
            crate::error::SimError::Unknown { name, known, .. } => {
                crate::error::SimError::from(self.err(
                    "technology.energy_table",
                    format!(
                        "unknown energy table `{name}` (not a built-in name, and no such file)"
                    ),
                    known,
                ))
            }
            other => other,
        })?;
        let energy = table
            .model(raw.technology.node_nm, dram_interface, operand, accumulator)
            .map_err(|msg| {
                let field = if msg.contains("DRAM") {
                    "memory.dram_interface"
                } else if msg.contains("nm") {
                    "technology.node_nm"
                } else {
                    "technology.energy_table"
                };
                self.err(
                    field,
                    msg,
                    format!(
                        "energy tables are in sim/tables/; nodes with scaling data: {}",
                        crate::energy::scaling_nodes()
                    ),
                )
            })?;
        let kept = (raw.clone(), dir.map(Path::to_path_buf));
        Ok(Design {
            raw: kept,
            name: raw.name,
            description: raw.description,
            source: raw.source,
            rows,
            cols,
            dataflow,
            vector_lanes,
            operand,
            accumulator,
            output,
            saturate: raw.precision.saturate,
            ifmap_sram_bytes,
            filter_sram_bytes,
            ofmap_sram_bytes,
            double_buffered: m.double_buffered,
            activations_on_chip: m.activations_on_chip,
            dram_bandwidth,
            dram_latency: m.dram_latency_cycles.unwrap_or(100),
            dram_interface,
            clock_mhz,
            energy,
        })
    }
}

/// Byte range of the value at a dotted TOML path (`array.rows`), if present.
pub fn span_of(text: &str, path: &str) -> Option<std::ops::Range<usize>> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    for key in path.split('.') {
        item = item.get(key)?;
    }
    item.span()
}
