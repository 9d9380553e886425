//! `Config`: a design checked for generation, with the RTL parameters every
//! module reads (widths, banks, buffer depths). Lanes and operand roles come
//! from `sim::Dataflow::roles`, the one mapping the simulator uses too.

use crate::error::HdlError;
use sim::design::{Edge, Operand, Roles};
use sim::fp::gemm::FpArith;
use sim::fp::rules::AccRule;
use sim::precision::Precision;
use sim::sparsity::Sparsity;
use sim::{Dataflow, Design};

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
    /// Accumulator bits (the ofmap buffer's words).
    pub accw: u32,
    /// Partial-sum bits in the array (`accw` in integer designs).
    pub psw: u32,
    /// The floating-point arithmetic (`None`: an integer design).
    pub fp: Option<FpArith>,
    /// Saturating accumulation.
    pub sat: bool,
    /// The design's dataflow.
    pub dataflow: Dataflow,
    /// Its roles: which dimension each array edge and buffer lane carries.
    pub roles: Roles,
    /// SRAM banks per buffer (2 when double-buffered).
    pub banks: u32,
    /// Lines per bank of the A (ifmap), B (filter) and C (ofmap) buffers,
    /// in [`Operand::ALL`] order.
    pub depth: [u64; 3],
    /// The IP's AXI data bytes (docs/TIMING.md, "The IP": `DW`).
    pub dw: u64,
    /// N:M sparse weights (ws only, integer only): the PEs select among `M`
    /// streamed words by a stationary index (docs/TIMING.md, "Sparse weights").
    pub sparse: Option<Sparsity>,
}

fn clog2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// The SRAM each operand's buffer is made of, as the design calls it.
pub const SRAM_NAMES: [&str; 3] = ["ifmap", "filter", "ofmap"];

fn int(p: Precision, what: &'static str) -> Result<u32, HdlError> {
    match p {
        Precision::Int(b) => Ok(b),
        other => Err(HdlError::NotInteger {
            what,
            precision: other.to_string(),
        }),
    }
}

/// Refuses the floating-point designs the generator does not build: the
/// `fused_adder` rule, and os designs whose partial sums and accumulator
/// differ in format (their drained sums would need a converter).
fn float_supported(design: &Design, f: &FpArith) -> Result<(), HdlError> {
    if let (AccRule::FusedAdder { .. }, Dataflow::Os) = (f.rule, design.dataflow) {
        return Err(HdlError::FloatUnsupported {
            design: design.name.clone(),
            what: "the fused_adder accumulation rule has no os PE (its groups of products run down the ws/is columns)".into(),
            help: "use dataflow ws or is, or accumulation = \"fma_chain\" or \"products_exact\" in os".into(),
        });
    }
    if design.dataflow == Dataflow::Os && f.psum != f.acc {
        return Err(HdlError::FloatUnsupported {
            design: design.name.clone(),
            what: format!(
                "an os array with {} partial sums and a {} accumulator (the RTL drains partial sums into the ofmap buffer unconverted)",
                f.psum, f.acc
            ),
            help: "give os designs partial_sums equal to the accumulator's format, or use ws or is".into(),
        });
    }
    Ok(())
}

impl Config {
    /// Checks that `design` can be generated (its name an identifier, its
    /// datapath integer, its buffers whole lines) and derives the RTL
    /// parameters.
    pub fn of(design: &Design) -> Result<Config, HdlError> {
        // `Design::new` checked the name; a design's fields are public, so
        // the name that reaches every generated file is checked again here.
        sim::design::check_name(&design.name).map_err(|e| HdlError::BadName {
            message: e.message,
            help: e.help,
        })?;
        if let (Some(s), Some(f)) = (design.sparsity, &design.fp) {
            return Err(HdlError::SparseUnsupported {
                design: design.name.clone(),
                pattern: s.to_string(),
                what: format!("with {} operands (the sparse PE is integer)", f.operand),
            });
        }
        let (opw, accw, psw) = match &design.fp {
            Some(f) => {
                float_supported(design, f)?;
                (f.operand.bits(), f.acc.bits(), f.psum.bits())
            }
            None => {
                let opw = int(design.operand, "operand")?;
                let accw = int(design.accumulator, "accumulator")?;
                (opw, accw, accw)
            }
        };
        if accw > 64 {
            return Err(HdlError::AccumulatorTooWide { bits: accw });
        }
        let roles = design.dataflow.roles();
        let banks = if design.double_buffered { 2 } else { 1 };
        // The same depths the IP's model sizes tiles by.
        let mut depth = sim::engine::ip::depths(design);
        if let Some(sp) = design.sparsity {
            // Sparse lines are wider than the IP model's (which refuses
            // sparse designs): R M / N words in the streamed buffer, words
            // with their index in the stationary one.
            let bytes = [
                design.ifmap_sram_bytes,
                design.filter_sram_bytes,
                design.ofmap_sram_bytes,
            ];
            let lanes = |op| design.dataflow.roles().lanes(op, design.rows, design.cols);
            let opw = u64::from(design.operand.bits());
            let line = [
                u64::from(lanes(Operand::A)) / u64::from(sp.n) * u64::from(sp.m) * opw,
                u64::from(lanes(Operand::B)) * (opw + u64::from(sp.index_bits())),
                u64::from(lanes(Operand::C)) * u64::from(design.accumulator.bits()),
            ];
            for i in 0..3 {
                depth[i] = bytes[i] * 8 / u64::from(banks) / line[i];
            }
        }
        for op in Operand::ALL {
            let i = op as usize;
            if depth[i] == 0 {
                return Err(HdlError::BufferTooSmall {
                    buffer: SRAM_NAMES[i],
                    line_bytes: sim::engine::ip::line_bytes(design, op),
                });
            }
            if depth[i] >= 1 << 30 {
                return Err(HdlError::BufferTooDeep {
                    buffer: SRAM_NAMES[i],
                    lines: depth[i],
                });
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
            psw,
            fp: design.fp,
            sat: design.saturate,
            dataflow: design.dataflow,
            roles,
            banks,
            depth,
            dw: sim::engine::ip::data_bytes(design),
            sparse: design.sparsity,
        })
    }

    /// Refuses what needs the AXI IP (`verify` without `--core`, `synth
    /// --ip`) for a design generated without one: a sparse design is the
    /// core alone (the IP's DMA and tile model move dense lines).
    pub fn needs_ip(&self) -> Result<(), HdlError> {
        match self.sparse {
            Some(s) => Err(HdlError::SparseNoIp {
                design: self.design.clone(),
                pattern: s.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// An integer datapath: the PEs' multipliers may be DSP blocks or logic
    /// (`DSPS`, `LOGIC`, `MULPRIM`) and the accumulator may saturate
    /// (`SAT`); floating-point designs have none of these parameters.
    pub fn int_datapath(&self) -> bool {
        self.fp.is_none()
    }

    /// The fused adder's products per addition and extra alignment bits
    /// (`None` unless the design's rule is `fused_adder`).
    pub fn fused(&self) -> Option<(u32, u32)> {
        match self.fp?.rule {
            AccRule::FusedAdder { terms, extra_bits } => Some((terms, extra_bits)),
            _ => None,
        }
    }

    /// Bits of the array's vertical links: the partial sum, and in a
    /// `fused_adder` design the exact products a group of PEs passes down
    /// to its last PE (`terms - 1` of them).
    pub fn bus_bits(&self) -> u32 {
        match (self.fused(), &self.fp) {
            (Some((terms, _)), Some(f)) => {
                self.psw + (terms - 1) * super::fp::packed_bits(2 * (f.operand.man_bits + 1))
            }
            _ => self.psw,
        }
    }

    /// The top's parameter of the array's partial-sum bits: `PSW` in
    /// floating-point designs (their partial sums and accumulator may
    /// differ in format), else `ACCW`.
    pub fn psum_param(&self) -> &'static str {
        if self.fp.is_some() {
            "PSW"
        } else {
            "ACCW"
        }
    }

    /// A module name with the design's prefix.
    pub fn name(&self, module: &str) -> String {
        format!("{}_{module}", self.prefix)
    }

    /// The top module's name.
    pub fn top(&self) -> String {
        self.name("top")
    }

    /// True when the outputs stay in the PEs (the os array and controller);
    /// otherwise an operand is stationary (the ws array and controller, which
    /// serve is on the transposed problem).
    pub fn output_stationary(&self) -> bool {
        self.roles.stationary == Operand::C
    }

    /// The `MULPRIM` parameter of the ws/is tops, arrays and IPs, with its
    /// documentation (os PEs multiply with `*` only).
    pub fn mulprim_param(&self) -> Option<(&'static str, i64, &'static str)> {
        (!self.output_stationary() && self.int_datapath()).then_some((
            "MULPRIM",
            0,
            "1: the PEs multiply in Lattice ECP5 MULT18X18D blocks holding their registers (systolic synth --target ecp5 sets it; OPW up to 17), 0: with `*`",
        ))
    }

    /// Lanes of a line of `op`'s buffer (a sparse design's streamed lines
    /// carry `M` candidates per group of `N` rows).
    pub fn lanes(&self, op: Operand) -> u32 {
        let lanes = self.roles.lanes(op, self.rows, self.cols);
        match self.sparse {
            Some(s) if op == Operand::A => lanes / s.n * s.m,
            _ => lanes,
        }
    }

    /// Bits of one word of `op`'s buffer: accumulator words in C, operand
    /// words in A and B (a sparse design's B words with their index above).
    pub fn word_bits(&self, op: Operand) -> u32 {
        match (op, self.sparse) {
            (Operand::C, _) => self.accw,
            (Operand::B, Some(s)) => self.opw + s.index_bits(),
            _ => self.opw,
        }
    }

    /// The GEMM the core runs for `(m, k, n)`: in a sparse design, K
    /// becomes the compressed weights' rows, `K'`.
    pub fn core_gemm(&self, (m, k, n): (u64, u64, u64)) -> (u64, u64, u64) {
        match self.sparse {
            Some(s) => (m, s.compressed_k(k), n),
            None => (m, k, n),
        }
    }

    /// The sparse array's verilog names: the streamed lane (`XW`, `M`
    /// operand words) and the stationary word (`WW`, value and index), both
    /// `OPW` in a dense design.
    pub fn lane_names(&self) -> (&'static str, &'static str) {
        if self.sparse.is_some() {
            ("XW", "WW")
        } else {
            ("OPW", "OPW")
        }
    }

    /// The array-size parameter (`ROWS` or `COLS`) of the edge `op`'s buffer
    /// lines run along.
    pub fn lanes_param(&self, op: Operand) -> &'static str {
        match self.roles.layout(op).edge {
            Edge::Rows => "ROWS",
            Edge::Cols => "COLS",
        }
    }

    /// Bits of the controllers' counts, sizes and addresses (ws and os). A GEMM the
    /// hardware runs fits the buffers at once (`check::fit`), so no size
    /// exceeds `max(rows, cols) * lines` and no count or sum the controller
    /// forms (a size plus two tiles) exceeds `max(rows, cols) * (lines + 2)`;
    /// one more bit keeps every address wider than the buffers' and every
    /// `x - 1` of zero above every size.
    pub fn ctrl_width(&self) -> u32 {
        let lines = self.depth.iter().copied().max().unwrap_or(1);
        let bound = u64::from(self.rows.max(self.cols)) * (lines + 2);
        clog2(bound + 1) + 1
    }

    /// Address bits of `op`'s buffer.
    pub fn aw(&self, op: Operand) -> u32 {
        clog2(self.depth[op as usize]).max(1)
    }

    /// Line bits of `op`'s buffer.
    pub fn line_bits(&self, op: Operand) -> u64 {
        u64::from(self.lanes(op)) * u64::from(self.word_bits(op))
    }

    /// Host port address bits.
    pub fn host_aw(&self) -> u32 {
        Operand::ALL
            .map(|op| self.aw(op))
            .into_iter()
            .max()
            .unwrap_or(1)
    }

    /// Host port data bits.
    pub fn host_w(&self) -> u64 {
        Operand::ALL
            .map(|op| self.line_bits(op))
            .into_iter()
            .max()
            .unwrap_or(1)
    }

    /// Lines of the A, B and C buffers a GEMM of `(m, k, n)` occupies.
    pub fn lines_needed(&self, gemm: (u64, u64, u64)) -> [u64; 3] {
        let gemm = self.core_gemm(gemm);
        Operand::ALL.map(|op| self.roles.lines_needed(op, gemm, self.rows, self.cols))
    }
}
