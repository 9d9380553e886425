//! The RTL of a design: one function per module kind, assembled into an [`Ip`].

pub mod array;
pub mod cells;
pub mod ctrl;
pub mod pe;
pub mod top;

use crate::ast::Module;
use crate::ip::{Ip, SourceFile};
use crate::HdlError;
use sim::precision::Precision;
use sim::{Dataflow, Design};

/// Which array and controller a design uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Weight-stationary.
    Ws,
    /// Input-stationary (the ws hardware on the transposed problem).
    Is,
    /// Output-stationary.
    Os,
}

impl Kind {
    /// The dataflow's short name.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Ws => "weight-stationary",
            Kind::Is => "input-stationary",
            Kind::Os => "output-stationary",
        }
    }

    /// Lanes of an A-buffer line and of a B-buffer line, as parameter names.
    pub fn line_lanes(self) -> (&'static str, &'static str) {
        match self {
            Kind::Ws | Kind::Os => ("ROWS", "COLS"),
            Kind::Is => ("COLS", "ROWS"),
        }
    }
}

/// Everything the generator needs from a design, checked once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Design name as written.
    pub design: String,
    /// Module name prefix (the design name as a Verilog identifier).
    pub prefix: String,
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// Operand bits.
    pub opw: u32,
    /// Accumulator bits.
    pub accw: u32,
    /// Saturating accumulation.
    pub sat: bool,
    /// Array and controller kind.
    pub kind: Kind,
    /// SRAM banks per buffer (2 when double-buffered).
    pub banks: u32,
    /// Lines per bank of the A (ifmap), B (filter) and C (ofmap) buffers.
    pub depth: [u64; 3],
}

fn clog2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

impl Config {
    /// Checks that `design` can be generated and derives the RTL parameters.
    pub fn of(design: &Design) -> Result<Config, HdlError> {
        let int = |p: Precision, what: &str| {
            match p {
            Precision::Int(b) => Ok(b),
            other => Err(HdlError::Unsupported(format!(
                "{what} precision {other}: the generator emits integer datapaths only (int2..int32); use an int design"
            ))),
        }
        };
        let opw = int(design.operand, "operand")?;
        let accw = int(design.accumulator, "accumulator")?;
        if accw > 64 {
            return Err(HdlError::Unsupported(format!(
                "accumulator of {accw} bits (at most 64)"
            )));
        }
        let kind = match design.dataflow {
            Dataflow::Ws => Kind::Ws,
            Dataflow::Is => Kind::Is,
            Dataflow::Os => Kind::Os,
        };
        let banks = if design.double_buffered { 2 } else { 1 };
        let bank = |bytes: u64| bytes / u64::from(banks);
        let (r, c) = (u64::from(design.rows), u64::from(design.cols));
        let (a_lanes, b_lanes) = match kind {
            Kind::Ws | Kind::Os => (r, c),
            Kind::Is => (c, r),
        };
        let op_bytes = design.operand.bytes();
        let depth = [
            bank(design.ifmap_sram_bytes) / (a_lanes * op_bytes),
            bank(design.filter_sram_bytes) / (b_lanes * op_bytes),
            bank(design.ofmap_sram_bytes) / (c * design.accumulator.bytes()),
        ];
        for (d, what) in depth.iter().zip(["ifmap", "filter", "ofmap"]) {
            if *d == 0 {
                return Err(HdlError::Unsupported(format!(
                    "the {what} SRAM bank holds no whole line of the array edge; make it larger"
                )));
            }
            if *d >= 1 << 30 {
                return Err(HdlError::Unsupported(format!(
                    "the {what} SRAM has {d} lines (at most 2^30)"
                )));
            }
        }
        let mut prefix: String = design
            .name
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() {
                    ch.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        if !prefix.starts_with(|ch: char| ch.is_ascii_alphabetic()) {
            prefix.insert_str(0, "sa_");
        }
        Ok(Config {
            design: design.name.clone(),
            prefix,
            rows: design.rows,
            cols: design.cols,
            opw,
            accw,
            sat: design.saturate,
            kind,
            banks,
            depth,
        })
    }

    /// A module name with the design's prefix.
    pub fn name(&self, module: &str) -> String {
        format!("{}_{module}", self.prefix)
    }

    /// The top module's name.
    pub fn top(&self) -> String {
        self.name("top")
    }

    /// Address bits of buffer `i` (0 = A, 1 = B, 2 = C).
    pub fn aw(&self, i: usize) -> u32 {
        clog2(self.depth[i]).max(1)
    }

    /// Line bits of buffer `i`.
    pub fn line_bits(&self, i: usize) -> u64 {
        let (r, c) = (u64::from(self.rows), u64::from(self.cols));
        let (a, b) = match self.kind {
            Kind::Ws | Kind::Os => (r, c),
            Kind::Is => (c, r),
        };
        match i {
            0 => a * u64::from(self.opw),
            1 => b * u64::from(self.opw),
            _ => c * u64::from(self.accw),
        }
    }

    /// Host port address bits.
    pub fn host_aw(&self) -> u32 {
        (0..3).map(|i| self.aw(i)).max().unwrap_or(1)
    }

    /// Host port data bits.
    pub fn host_w(&self) -> u64 {
        (0..3).map(|i| self.line_bits(i)).max().unwrap_or(1)
    }
}

/// Every module of the design's RTL, leaves first.
pub fn modules(cfg: &Config) -> Vec<Module> {
    let mut v = vec![
        cells::resize(cfg),
        cells::acc_add(cfg),
        cells::delay(cfg),
        cells::sram(cfg),
        cells::buffer(cfg),
    ];
    match cfg.kind {
        Kind::Ws | Kind::Is => v.extend([pe::pe_ws(cfg), array::array_ws(cfg), ctrl::ctrl_ws(cfg)]),
        Kind::Os => v.extend([pe::pe_os(cfg), array::array_os(cfg), ctrl::ctrl_os(cfg)]),
    }
    v.push(top::top(cfg));
    v
}

/// The design's RTL files, one module per file named after it.
pub fn rtl_files(cfg: &Config) -> Vec<SourceFile> {
    modules(cfg)
        .iter()
        .map(|m| SourceFile {
            name: format!("{}.v", m.name),
            text: format!(
                "// Generated by systolic {} from design `{}`. Do not edit: run `systolic gen`.\n{}",
                env!("CARGO_PKG_VERSION"),
                cfg.design,
                crate::print::module(m)
            ),
        })
        .collect()
}

/// Generates the IP of `design`.
pub fn generate(design: &Design) -> Result<Ip, HdlError> {
    let cfg = Config::of(design)?;
    Ok(Ip {
        top: cfg.top(),
        rtl: rtl_files(&cfg),
        extra: crate::ipdoc::extra_files(&cfg),
    })
}
