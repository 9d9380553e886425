//! `HdlError`: everything generation, writing an IP and co-simulation can
//! refuse, each with a stable code (`systolic::hdl::...`) and a hint; causes
//! stay typed (a tool's, the pe engine's, the file system's).

use crate::tools::ToolError;
use miette::Diagnostic;
use sim::error::PeError;
use std::path::PathBuf;

/// Errors of the Verilog generator and its checks.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum HdlError {
    /// The design's operands or accumulator are not integers.
    #[error("cannot generate RTL: {what} precision {precision}: the generator emits integer datapaths only")]
    #[diagnostic(
        code(systolic::hdl::not_integer),
        help("use a design with int2..int32 operands and an integer accumulator (e.g. operand = \"int8\", accumulator_bits = 32)")
    )]
    NotInteger {
        /// `operand` or `accumulator`.
        what: &'static str,
        /// The precision the design has.
        precision: String,
    },
    /// A floating-point design the generator does not build (yet).
    #[error("cannot generate RTL for {design}: {what}")]
    #[diagnostic(code(systolic::hdl::float), help("{help}"))]
    FloatUnsupported {
        /// The design's name.
        design: String,
        /// What it asks for.
        what: String,
        /// What does generate.
        help: String,
    },
    /// N:M sparse weights where the generator has no sparse PE.
    #[error("cannot generate RTL for {design}: {pattern} sparse weights {what}")]
    #[diagnostic(
        code(systolic::hdl::sparse),
        help("sparse RTL is generated for integer ws designs; remove [sparsity] (or set weights = \"dense\") for this one, whose cost the fast engine gives (`systolic sim`)")
    )]
    SparseUnsupported {
        /// The design's name.
        design: String,
        /// Its pattern.
        pattern: String,
        /// What the generator cannot build.
        what: String,
    },
    /// A sparse design asked to run through the AXI IP, which it has not.
    #[error("design `{design}` has no AXI IP: its {pattern} sparse weights are generated as the core alone (the IP's DMA and tile model move dense lines)")]
    #[diagnostic(
        code(systolic::hdl::sparse_ip),
        help("co-simulate the core with `systolic verify --core`, and synthesize it with `systolic synth` without --ip")
    )]
    SparseNoIp {
        /// The design's name.
        design: String,
        /// Its pattern.
        pattern: String,
    },
    /// The accumulator is wider than the generator supports.
    #[error("cannot generate RTL: an accumulator of {bits} bits (at most 64)")]
    #[diagnostic(
        code(systolic::hdl::accumulator),
        help("set accumulator_bits to 64 or less")
    )]
    AccumulatorTooWide {
        /// Its bits.
        bits: u32,
    },
    /// The design has no IP to run through (os designs; or buffers that
    /// hold no tile).
    #[error("design `{design}` has no IP to run through: its buffers hold no core GEMM tile (docs/IP.md: ws and is need a stationary buffer, os a C buffer, of at least one line per array row)")]
    #[diagnostic(
        code(systolic::hdl::no_ip),
        help("verify the core alone with --core (the GEMM must then fit the buffers), or give the design larger buffers")
    )]
    NoIp {
        /// The design's name.
        design: String,
    },
    /// A GEMM's DRAM image does not fit the IP testbench's memory.
    #[error(
        "a {gemm} GEMM needs a DRAM image larger than the IP testbench's memory ({limit} bytes)"
    )]
    #[diagnostic(
        code(systolic::hdl::image_too_large),
        help("verify a smaller GEMM or layer through the IP, or the core alone with --core (its GEMM must fit the buffers)")
    )]
    ImageTooLarge {
        /// `MxKxN`.
        gemm: String,
        /// Bytes the memory holds.
        limit: u64,
    },
    /// A buffer bank is smaller than one line of the array edge.
    #[error("cannot generate RTL: the {buffer} SRAM bank holds no whole line of the array edge ({line_bytes} bytes)")]
    #[diagnostic(
        code(systolic::hdl::buffer_too_small),
        help("make the SRAM larger (a bank is half of it when double-buffered)")
    )]
    BufferTooSmall {
        /// `ifmap`, `filter` or `ofmap`.
        buffer: &'static str,
        /// Bytes of one line.
        line_bytes: u64,
    },
    /// A buffer has more lines than the controllers address.
    #[error("cannot generate RTL: the {buffer} SRAM has {lines} lines per bank (at most 2^30)")]
    #[diagnostic(code(systolic::hdl::buffer_too_deep), help("make the SRAM smaller"))]
    BufferTooDeep {
        /// `ifmap`, `filter` or `ofmap`.
        buffer: &'static str,
        /// Lines per bank.
        lines: u64,
    },
    /// The design's name is not an identifier (a design whose name was
    /// changed after `Design::new` checked it).
    #[error("cannot generate RTL: {message}")]
    #[diagnostic(code(systolic::hdl::name), help("{help}"))]
    BadName {
        /// What is wrong (the name shown escaped).
        message: String,
        /// The rule.
        help: String,
    },
    /// The testbench cache (or a private work folder) is not safe to use.
    #[error("{what} {} {problem}", path.display())]
    #[diagnostic(code(systolic::hdl::cache), help("{help}"))]
    Cache {
        /// `the testbench cache` or `the work folder`.
        what: &'static str,
        /// The folder.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
        /// How to fix it.
        help: String,
    },
    /// A GEMM (or a model layer's GEMM) does not fit the design's buffers.
    #[error("{what} does not fit the buffers of design `{design}`: {overflows}")]
    #[diagnostic(code(systolic::hdl::does_not_fit), help("{hint}"))]
    DoesNotFit {
        /// The GEMM, e.g. `a 4096x4096x4096 GEMM` or `layer fc of resnet18 (a 1x512x1000 GEMM)`.
        what: String,
        /// The design.
        design: String,
        /// Which buffers overflow and by how much.
        overflows: String,
        /// What fits instead.
        hint: String,
    },
    /// `--out` (or another output) names something that is not a folder.
    #[error("{} is not a folder; an IP is written into a folder of its own", path.display())]
    #[diagnostic(
        code(systolic::hdl::out_not_a_folder),
        help("the IP is several files (RTL, file list, FuseSoC core, README): name a folder that does not exist yet (it is created), an empty one, or one systolic generated for this design")
    )]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The output folder holds files systolic did not write.
    #[error("{} holds {} systolic did not write: {}", dir.display(), if files.len() == 1 { "a file" } else { "files" }, files.join(", "))]
    #[diagnostic(
        code(systolic::hdl::foreign_files),
        help(
            "nothing was written; choose another folder (it is created), or move these files away"
        )
    )]
    ForeignFiles {
        /// The folder.
        dir: PathBuf,
        /// What is in it that is not ours (at most a few names).
        files: Vec<String>,
    },
    /// The output folder holds the IP of another design.
    #[error("{} holds the IP of design `{other}`, not of `{design}`", dir.display())]
    #[diagnostic(
        code(systolic::hdl::other_design),
        help("nothing was written; choose another folder (each design gets its own), or delete that IP first")
    )]
    OtherDesign {
        /// The folder.
        dir: PathBuf,
        /// The design being written.
        design: String,
        /// The design whose IP is there.
        other: String,
    },
    /// A file or folder could not be read, written or moved.
    #[error("cannot {action} {}: {source}", path.display())]
    #[diagnostic(
        code(systolic::hdl::io),
        help("check that the folder exists and is writable")
    )]
    Io {
        /// `read`, `write`, `create`, `move into place`, ...
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A tool is missing or printed no usable version.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Tool(#[from] ToolError),
    /// A tool ran and failed.
    #[error("{tool} failed {step} (exit status {status}):\n{excerpt}")]
    #[diagnostic(
        code(systolic::hdl::tool_failed),
        help("its files are in {}", dir.display())
    )]
    ToolFailed {
        /// The tool.
        tool: &'static str,
        /// What it was doing.
        step: &'static str,
        /// Exit status.
        status: String,
        /// The lines of its output worth reading.
        excerpt: String,
        /// Where its inputs and outputs are.
        dir: PathBuf,
    },
    /// The testbench ended without the results it writes.
    #[error("the testbench {problem}")]
    #[diagnostic(
        code(systolic::hdl::testbench),
        help("its stimulus and results are in {}", dir.display())
    )]
    Testbench {
        /// What went wrong, with the simulator's output.
        problem: String,
        /// The work folder.
        dir: PathBuf,
    },
    /// The pe engine refused the GEMM.
    #[error("the pe engine refused the GEMM: {0}")]
    #[diagnostic(
        code(systolic::hdl::pe),
        help("the pe engine simulates integer designs with operands in range")
    )]
    Pe(#[from] PeError),
    /// The RTL and the simulator disagree.
    #[error("FAIL: {why}")]
    #[diagnostic(code(systolic::hdl::mismatch), help("waveforms: {}", vcd.display()))]
    Mismatch {
        /// Cycle counts and the first differing element.
        why: String,
        /// Waveforms of the failing run.
        vcd: PathBuf,
    },
}

impl HdlError {
    /// Maps an I/O error about `path` to [`HdlError::Io`].
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> HdlError {
        let path = path.into();
        move |source| HdlError::Io {
            action,
            path,
            source,
        }
    }
}
