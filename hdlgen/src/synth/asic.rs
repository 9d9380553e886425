//! ASIC synthesis of generated RTL to a standard-cell liberty with Yosys and
//! ABC: area in µm², cells, and a pre-layout critical path (register
//! clock-to-Q, ABC's static timing of the logic with the liberty's wire
//! loads, register setup), for the FPGA-vs-ASIC gap (docs/SYNTHESIS.md).

pub use super::liberty::cell_areas;
use super::liberty::Liberty;
use crate::tools::{self, Tool, ToolError, ToolPaths};
use miette::Diagnostic;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The NanGate 45 nm Open Cell Library's typical liberty committed with the
/// project (`hdlgen/tables/nangate45/`, Apache 2.0, power groups removed).
pub const NANGATE45: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tables/nangate45/NangateOpenCellLibrary_typical.lib"
);

/// Files the run writes in its work directory.
const SCRIPT: &str = "asic.ys";
const ABC_SCRIPT: &str = "asic.abc";
const LOG: &str = "asic.log";
const STAT: &str = "stat.txt";
const NETLIST: &str = "netlist.v";

/// The ABC script: AIG optimization, delay-oriented mapping with area
/// recovery (`&nf`), gate sizing, then static timing with the liberty's
/// wire-load model (`stime -c`) printing the critical path (`-p`).
const ABC_COMMANDS: &str = "strash\n&get -n\n&fraig -x\n&put\ndc2\nstrash\n&get -n\n&dch -f\n&nf\n&put\nbuffer -p\nupsize\ndnsize\ntopo\nstime -c -p\n";

/// How to synthesize for an ASIC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsicOptions {
    /// Integer parameters of the top to override (`chparam`), in order.
    pub params: Vec<(String, i64)>,
    /// Where Yosys is when not found the usual way.
    pub tools: ToolPaths,
}

/// What the ASIC synthesis of one top found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsicReport {
    /// Top module.
    pub top: String,
    /// The liberty's `library (...)` name.
    pub library: String,
    /// Sum of the cells' liberty areas, µm² (Yosys `stat -liberty`).
    pub area_um2: f64,
    /// Cells in the flattened netlist.
    pub cells: u64,
    /// Cells by liberty cell name.
    pub cells_by_type: BTreeMap<String, u64>,
    /// Cells that are flip-flops in the liberty (an `ff` group).
    pub flip_flops: u64,
    /// ABC's longest path through the logic between registers and ports,
    /// ps (inputs with ideal drive, the liberty's default wire-load model).
    pub logic_delay_ps: f64,
    /// The flip-flop's clock-to-Q at the path's start load, ps.
    pub clk_to_q_ps: f64,
    /// The flip-flop's setup at the path's end slew, ps.
    pub setup_ps: f64,
    /// `clk_to_q_ps + logic_delay_ps + setup_ps`.
    pub critical_path_ps: f64,
    /// `1e6 / critical_path_ps`.
    pub fmax_mhz: f64,
    /// ABC's names of the critical path's start and end points.
    pub path_start: String,
    /// See `path_start`.
    pub path_end: String,
    /// Yosys's version.
    pub yosys: String,
}

/// Why an ASIC synthesis could not be made.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum AsicError {
    /// Yosys is missing or printed no usable version.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Tool(#[from] ToolError),
    /// The liberty file is not there.
    #[error("liberty file {} was not found; it is needed to synthesize for an ASIC", path.display())]
    #[diagnostic(
        code(systolic::asic::liberty),
        help("the NanGate 45 nm liberty is committed as hdlgen/tables/nangate45/NangateOpenCellLibrary_typical.lib (hdlgen::synth::asic::NANGATE45); restore it from git, or run scripts/setup.sh to install Yosys with ABC")
    )]
    LibertyMissing {
        /// The path.
        path: PathBuf,
    },
    /// The liberty lacks what the timing needs.
    #[error("liberty file {}: {what}", path.display())]
    #[diagnostic(
        code(systolic::asic::liberty_content),
        help("use a liberty with areas, a rising-edge flip-flop with clock-to-Q and setup tables (NangateOpenCellLibrary_typical.lib has them)")
    )]
    Liberty {
        /// The path.
        path: PathBuf,
        /// What is missing.
        what: String,
    },
    /// A source does not exist.
    #[error("Verilog source {} does not exist", path.display())]
    #[diagnostic(
        code(systolic::asic::source),
        help("pass the files the RTL generator wrote, leaves first")
    )]
    MissingSource {
        /// The path.
        path: PathBuf,
    },
    /// A path a Yosys script cannot quote, or a name that is not an identifier.
    #[error("`{text}` cannot go into a Yosys script")]
    #[diagnostic(
        code(systolic::asic::name),
        help("paths must hold no `\"` or control character; top and parameter names must be plain Verilog identifiers")
    )]
    Unquotable {
        /// The text.
        text: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    #[diagnostic(code(systolic::asic::io))]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Yosys (or ABC inside it) failed.
    #[error("Yosys failed on `{top}` (exit {status}): {excerpt}")]
    #[diagnostic(code(systolic::asic::yosys), help("the whole log: {}", log.display()))]
    Yosys {
        /// Top module.
        top: String,
        /// Exit status.
        status: String,
        /// The error lines.
        excerpt: String,
        /// The log file.
        log: PathBuf,
    },
    /// Yosys finished but its log or statistics lack a figure.
    #[error("the ASIC synthesis of `{top}` printed no {what}")]
    #[diagnostic(
        code(systolic::asic::output),
        help("the flow was written for Yosys 0.23 and its ABC; the log: {}", log.display())
    )]
    Output {
        /// Top module.
        top: String,
        /// What is missing.
        what: &'static str,
        /// The log file.
        log: PathBuf,
    },
}

/// Synthesizes `files` (Verilog, leaves first) with `top` flattened as the
/// top to the cells of `liberty`, working in `workdir` (created; the
/// scripts, log, statistics and netlist stay there): Yosys `synth`,
/// `dfflibmap` and `abc -liberty` with [`ABC_COMMANDS`], then `stat
/// -liberty`. Memories become flip-flops (no SRAM macros): give it tops
/// without them. Fails naming Yosys and how to install it when it is
/// missing, and naming the liberty when that is.
pub fn asic_synth(
    files: &[PathBuf],
    top: &str,
    liberty: &Path,
    opts: &AsicOptions,
    workdir: &Path,
) -> Result<AsicReport, AsicError> {
    if !liberty.is_file() {
        return Err(AsicError::LibertyMissing {
            path: liberty.to_path_buf(),
        });
    }
    let yosys = Tool::Yosys.locate(&opts.tools)?;
    let version = Tool::Yosys.version(&yosys)?;
    for f in files {
        if !f.is_file() {
            return Err(AsicError::MissingSource { path: f.clone() });
        }
    }
    let lib_text = std::fs::read_to_string(liberty).map_err(|source| AsicError::Io {
        path: liberty.to_path_buf(),
        source,
    })?;
    let lib = Liberty::parse(&lib_text).map_err(|what| AsicError::Liberty {
        path: liberty.to_path_buf(),
        what,
    })?;
    std::fs::create_dir_all(workdir).map_err(|source| AsicError::Io {
        path: workdir.to_path_buf(),
        source,
    })?;
    let write = |name: &str, text: &str| {
        let path = workdir.join(name);
        std::fs::write(&path, text).map_err(|source| AsicError::Io { path, source })
    };
    write(ABC_SCRIPT, ABC_COMMANDS)?;
    write(SCRIPT, &script(files, top, liberty, &opts.params)?)?;
    let log = workdir.join(LOG);
    let out = Tool::Yosys.run(&yosys, &["-q", "-l", LOG, "-s", SCRIPT], Some(workdir))?;
    if !out.ok {
        return Err(AsicError::Yosys {
            top: top.into(),
            status: out.status.clone(),
            excerpt: tools::excerpt(&out.output(), Some(&log)),
            log,
        });
    }
    let missing = |what| AsicError::Output {
        top: top.into(),
        what,
        log: log.clone(),
    };
    let log_text = std::fs::read_to_string(&log).map_err(|source| AsicError::Io {
        path: log.clone(),
        source,
    })?;
    let stat_path = workdir.join(STAT);
    let stat = std::fs::read_to_string(&stat_path).map_err(|source| AsicError::Io {
        path: stat_path,
        source,
    })?;
    let (area_um2, cells_by_type) = parse_stat(&stat).ok_or_else(|| missing("chip area"))?;
    let timing = parse_stime(&log_text).ok_or_else(|| missing("critical path (ABC stime -p)"))?;
    let used_ffs: Vec<&String> = cells_by_type
        .keys()
        .filter(|c| lib.flops.contains_key(*c))
        .collect();
    let flip_flops = used_ffs.iter().map(|c| cells_by_type[*c]).sum();
    // The slowest flip-flop used launches and captures the path (a design
    // with none has its ports as the path's ends: no register overhead).
    let (mut clk_to_q_ps, mut setup_ps) = (0.0_f64, 0.0_f64);
    for c in &used_ffs {
        let ff = &lib.flops[*c];
        clk_to_q_ps = clk_to_q_ps.max(ff.clk_to_q_ps(timing.start_load_ff));
        setup_ps = setup_ps.max(ff.setup_ps(timing.end_slew_ps));
    }
    let critical_path_ps = clk_to_q_ps + timing.delay_ps + setup_ps;
    Ok(AsicReport {
        top: top.into(),
        library: lib.name,
        area_um2,
        cells: cells_by_type.values().sum(),
        cells_by_type,
        flip_flops,
        logic_delay_ps: timing.delay_ps,
        clk_to_q_ps,
        setup_ps,
        critical_path_ps,
        fmax_mhz: 1e6 / critical_path_ps,
        path_start: timing.start,
        path_end: timing.end,
        yosys: version,
    })
}

fn quoted(p: &Path) -> Result<String, AsicError> {
    let s = p.display().to_string();
    if s.chars().any(|c| c == '"' || c.is_control()) {
        return Err(AsicError::Unquotable { text: s });
    }
    Ok(format!("\"{s}\""))
}

fn identifier(s: &str) -> Result<&str, AsicError> {
    let mut c = s.chars();
    let ok = matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$');
    ok.then_some(s)
        .ok_or_else(|| AsicError::Unquotable { text: s.into() })
}

fn script(
    files: &[PathBuf],
    top: &str,
    liberty: &Path,
    params: &[(String, i64)],
) -> Result<String, AsicError> {
    let top = identifier(top)?;
    let lib = quoted(&std::path::absolute(liberty).unwrap_or(liberty.to_path_buf()))?;
    let mut s = String::from("read_verilog -sv");
    for f in files {
        let abs = std::path::absolute(f).unwrap_or(f.clone());
        write!(s, " {}", quoted(&abs)?).expect("String");
    }
    s.push('\n');
    if !params.is_empty() {
        s.push_str("chparam");
        for (k, v) in params {
            write!(s, " -set {} {v}", identifier(k)?).expect("String");
        }
        writeln!(s, " {top}").expect("String");
    }
    writeln!(
        s,
        "hierarchy -check -top {top}\n\
         synth -flatten -top {top}\n\
         dfflibmap -liberty {lib}\n\
         abc -liberty {lib} -script {ABC_SCRIPT}\n\
         opt_clean -purge\n\
         tee -q -o {STAT} stat -liberty {lib}\n\
         write_verilog -noattr {NETLIST}"
    )
    .expect("String");
    Ok(s)
}

/// The chip area and the cell counts from `stat -liberty`'s text.
fn parse_stat(text: &str) -> Option<(f64, BTreeMap<String, u64>)> {
    let area = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Chip area for module "))
        .and_then(|r| r.rsplit(':').next())
        .and_then(|v| v.trim().parse().ok())?;
    let mut by_type = BTreeMap::new();
    let mut in_cells = false;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with("Number of cells:") {
            in_cells = true;
            continue;
        }
        if in_cells {
            let mut w = t.split_whitespace();
            match (w.next(), w.next(), w.next()) {
                (Some(name), Some(n), None) => match n.parse() {
                    Ok(n) => {
                        by_type.insert(name.to_string(), n);
                    }
                    Err(_) => in_cells = false,
                },
                _ => in_cells = false,
            }
        }
    }
    Some((area, by_type))
}

/// ABC's `stime -p` report: the path's delay, its start point's load and
/// its end point's slew.
#[derive(Debug, Clone, PartialEq)]
struct Stime {
    delay_ps: f64,
    start_load_ff: f64,
    end_slew_ps: f64,
    start: String,
    end: String,
}

fn field(line: &str, key: &str) -> Option<f64> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn parse_stime(log: &str) -> Option<Stime> {
    // The last `stime` in the log is the final ABC run's.
    let at = log.rfind("WireLoad = ")?;
    let text = &log[at..];
    let head = text.lines().next()?;
    let delay_ps = field(head, "Delay =")?;
    let paths: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|l| l.contains("Path "))
        .collect();
    let start_load_ff = field(paths.first()?, "Cout =")?;
    let end_slew_ps = field(paths.last()?, "S =")?;
    let ends = text.lines().find(|l| l.contains("Start-point = "))?;
    let start = ends
        .split("Start-point = ")
        .nth(1)?
        .split(".  End-point")
        .next()?
        .to_string();
    let end = ends
        .split("End-point = ")
        .nth(1)?
        .trim_end_matches('.')
        .to_string();
    Some(Stime {
        delay_ps,
        start_load_ff,
        end_slew_ps,
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "ABC: WireLoad = \"5K_hvratio_1_1\"  Gates =   2443 (  4.4 %)   Cap =  4.8 ff (  5.4 %)   Area =     3147.05 ( 87.9 %)   Delay =   868.35 ps  ( 20.5 %)\n\
ABC: Path  0 --      19 : 0   15 pi       A =   0.00  Df =   0.0   -0.0 ps  S =   0.0 ps  Cin =  0.0 ff  Cout =  22.0 ff  Cmax =   0.0 ff  G =    0\n\
ABC: Path  1 --    1379 : 2    1 XOR2_X1  A =   1.60  Df = 868.3  -46.8 ps  S =  15.8 ps  Cin =  2.3 ff  Cout =   0.0 ff  Cmax =  25.3 ff  G =    0\n\
ABC: Start-point = pi18 (\\a [7]).  End-point = po16 (\\p [14]).\n";

    #[test]
    fn reads_abc_stime() {
        let t = parse_stime(LOG).expect("parses");
        assert_eq!(t.delay_ps, 868.35);
        assert_eq!(t.start_load_ff, 22.0);
        assert_eq!(t.end_slew_ps, 15.8);
        assert_eq!(t.start, "pi18 (\\a [7])");
        assert_eq!(t.end, "po16 (\\p [14])");
    }

    #[test]
    fn reads_stat() {
        let stat = "   Number of cells:                 3\n     DFF_X1     2\n     INV_X1     1\n\n   Chip area for module '\\top': 9.576000\n";
        let (area, cells) = parse_stat(stat).expect("parses");
        assert_eq!(area, 9.576);
        assert_eq!(cells["DFF_X1"], 2);
        assert_eq!(cells["INV_X1"], 1);
    }
}
