//! The Yosys run: one script per target (read, elaborate, check for
//! latches after `proc`, synthesize flattened, `stat -json`), and reading
//! what it wrote back.

use super::error::SynthError;
use super::job::Job;
use super::stages::{Flow, StageTime, Stages};
use super::target::{Device, Target};
use crate::progress::{self, Progress};
use crate::tools::{self, Tool, ToolError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Files the synthesis run writes in the work directory.
pub(crate) const SCRIPT: &str = "synth.ys";
pub(crate) const LOG: &str = "synth.log";
const LATCHES: &str = "latches.txt";
const STAT: &str = "stat.json";
const MEMORIES: &str = "memories.il";
/// The synthesized netlist (targets that are placed and routed).
pub(crate) const NETLIST: &str = "netlist.json";

/// Cell counts of the synthesized top, flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stats {
    pub cells: u64,
    pub by_type: BTreeMap<String, u64>,
    /// Bits of the memories kept as `$mem_v2` cells (generic synthesis).
    pub memory_bits: u64,
}

/// A port of the synthesized top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Port {
    pub name: String,
    pub direction: String,
    pub width: usize,
}

/// A name Yosys's script parser and Verilog both take as it is.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$')
}

/// The synthesis command of `target` on `device`.
fn synth_command(target: Target, device: Option<&Device>, top: &str, netlist: bool) -> String {
    let json = if netlist {
        format!(" -json {NETLIST}")
    } else {
        String::new()
    };
    match target {
        // `synth` without `memory_map`: memories stay `$mem_v2` cells rather
        // than becoming a flip-flop per bit (hours for a design's SRAMs).
        Target::Generic => format!(
            "synth -flatten -top {top} -run :fine\n\
             opt -fast -full\nopt -full\ntechmap\nopt -fast\nabc -fast\nopt -fast\n\
             hierarchy -check\ncheck\n\
             tee -q -o {MEMORIES} dump t:$mem_v2"
        ),
        Target::Ice40 => {
            let dsp = if device.is_some_and(|d| d.dsps > 0) {
                " -dsp"
            } else {
                ""
            };
            format!("synth_ice40 -top {top}{dsp}{json}")
        }
        Target::Ecp5 => format!("synth_ecp5 -top {top}{json}"),
        Target::Xilinx => format!(
            "synth_xilinx -flatten -noiopad -family {} -top {top}",
            device.map_or("xc7", |d| d.name)
        ),
    }
}

/// `file` as Yosys script text, quoted: relative to `workdir` (where Yosys
/// runs) when it is inside it, so the user's folder names never reach the
/// script; otherwise absolute, refused when it holds what Yosys's quoting
/// cannot carry (a `"`, which ends the word before a space or `;`, and line
/// breaks or other controls, which end the command).
pub(crate) fn quoted_path(file: &Path, workdir: &Path) -> Result<String, SynthError> {
    let shown = file.strip_prefix(workdir).unwrap_or(file);
    let Some(text) = shown.to_str() else {
        return Err(SynthError::UnquotablePath {
            path: file.to_path_buf(),
            why: "not UTF-8".into(),
        });
    };
    if let Some(c) = text.chars().find(|&c| c == '"' || c.is_control()) {
        return Err(SynthError::UnquotablePath {
            path: file.to_path_buf(),
            why: format!("{c:?}"),
        });
    }
    Ok(format!("\"{text}\""))
}

/// The Yosys script of `job` (file names quoted by [`quoted_path`]);
/// `netlist` writes the synthesized netlist as JSON for place and route.
pub(crate) fn script(job: &Job, netlist: bool) -> Result<String, SynthError> {
    let (top, target, device, opts) = (job.top, job.target, job.device.as_ref(), job.opts);
    let mut s = format!(
        "# systolic synth: {top} for {target}{}\n",
        device.map_or(String::new(), |d| format!(" {}", d.name))
    );
    s.push_str("read_verilog -sv");
    for f in job.files {
        let _ = write!(s, " {}", quoted_path(f, job.workdir)?);
    }
    s.push('\n');
    if target == Target::Ecp5 {
        // The vendor cells the RTL may instantiate (MULPRIM's MULT18X18D),
        // known before `hierarchy -check`.
        s.push_str("read_verilog -lib +/ecp5/cells_bb.v\n");
    }
    for (name, value) in &opts.params {
        let _ = writeln!(s, "chparam -set {name} {value} {top}");
    }
    let _ = writeln!(s, "hierarchy -check -top {top}");
    if !opts.params.is_empty() {
        // chparam renames the top to `$paramod\top\...`; give it its name back.
        let _ = writeln!(s, "rename -top {top}");
    }
    s.push_str("proc\n");
    s.push_str(
        "select -set latches t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*\n",
    );
    let _ = writeln!(
        s,
        "tee -q -o {LATCHES} select -list @latches %co:+[Q] @latches %d"
    );
    s.push_str("select -assert-none @latches\n");
    s.push_str("select -clear\n");
    let _ = writeln!(s, "{}", synth_command(target, device, top, netlist));
    let _ = writeln!(s, "tee -q -o {STAT} stat -json");
    Ok(s)
}

/// Runs synthesis in the job's work directory; returns the counts and the
/// seconds of its stages.
pub(crate) fn synthesize(
    exe: &Path,
    job: &Job,
    netlist: bool,
) -> Result<(Stats, Vec<StageTime>), SynthError> {
    let (top, workdir) = (job.top, job.workdir);
    for f in [LATCHES, STAT, NETLIST, LOG, MEMORIES] {
        let _ = std::fs::remove_file(workdir.join(f));
    }
    let text = script(job, netlist)?;
    let script_path = workdir.join(SCRIPT);
    std::fs::write(&script_path, text).map_err(SynthError::io("write", &script_path))?;
    let args = ["-q", "-l", LOG, "-s", SCRIPT].map(String::from);
    let what = format!(
        "synthesizing {top} for {target}{} with Yosys",
        job.device
            .as_ref()
            .map_or(String::new(), |d| format!(" {}", d.name)),
        target = job.target
    );
    let log = workdir.join(LOG);
    let (run, stages) = progress::step(job.progress, &what, || {
        watch(Flow::Yosys, exe, &args, workdir, &log, job.progress)
    })?;
    if !run.ok {
        let failed = run.stderr + &std::fs::read_to_string(&log).unwrap_or_default();
        if failed.contains("selection is not empty: @latches") {
            return Err(SynthError::Latches {
                top: top.to_string(),
                signals: latched_signals(&workdir.join(LATCHES)),
                log,
            });
        }
        return Err(SynthError::ToolFailed {
            tool: "yosys".into(),
            step: "synthesizing",
            status: run.status,
            excerpt: tools::excerpt(&failed, None),
            log,
        });
    }
    let mut stats = read_stats(&workdir.join(STAT), top)?;
    stats.memory_bits =
        memory_bits(&std::fs::read_to_string(workdir.join(MEMORIES)).unwrap_or_default());
    Ok((stats, stages))
}

/// How many times a Yosys run whose ABC aborted is run again. ABC's
/// `lutpack` (in `synth_ice40`'s script) asserts on the value of a pointer
/// (`Lpk_CutTruth`: `pFanin->pCopy & 0xffff0000`), so the same run aborts
/// or passes with where memory lands: YosysHQ/yosys#1028,
/// berkeley-abc/abc#43. Seen here once in the FPGA fit test; the rerun
/// gives the result every passing run gives.
const ABC_ABORT_RETRIES: usize = 2;

/// Whether a failed Yosys run's output says ABC aborted (SIGABRT: an
/// assertion).
fn abc_aborted(output: &str) -> bool {
    output.contains("ABC: execution of command") && output.contains("failed: return code 134")
}

/// Runs Yosys (`flow` says which run) in `dir`, following its `log` for
/// the stages, which are reported to `progress` and returned. A run whose
/// ABC aborted is run again, up to [`ABC_ABORT_RETRIES`] times.
pub(crate) fn watch(
    flow: Flow,
    exe: &Path,
    args: &[String],
    dir: &Path,
    log: &Path,
    progress: &dyn Progress,
) -> Result<(tools::Run, Vec<StageTime>), ToolError> {
    let mut retries = 0;
    loop {
        let mut stages = Stages::begin(flow, progress);
        let run = Tool::Yosys.run_watching(exe, args, Some(dir), log, &mut |l| stages.line(l));
        let ok = run.as_ref().is_ok_and(|r| r.ok);
        let stages = stages.finish(ok);
        let aborted = run.as_ref().is_ok_and(|r| {
            !r.ok
                && abc_aborted(
                    &(r.stderr.clone() + &std::fs::read_to_string(log).unwrap_or_default()),
                )
        });
        if aborted && retries < ABC_ABORT_RETRIES {
            retries += 1;
            continue;
        }
        return Ok((run?, stages));
    }
}

/// Total `SIZE x WIDTH` of the `$mem_v2` cells in an RTLIL dump.
fn memory_bits(rtlil: &str) -> u64 {
    let value = |v: &str| -> u64 {
        match v.split_once('\'') {
            Some((_, bin)) => u64::from_str_radix(bin, 2).unwrap_or(0),
            None => v.parse().unwrap_or(0),
        }
    };
    let (mut total, mut size, mut width) = (0, 0, 0);
    for line in rtlil.lines().map(str::trim) {
        if line.starts_with("cell ") {
            (size, width) = (0, 0);
        } else if let Some(v) = line.strip_prefix("parameter \\SIZE ") {
            size = value(v);
        } else if let Some(v) = line.strip_prefix("parameter \\WIDTH ") {
            width = value(v);
        } else if line == "end" {
            total += size * width;
            (size, width) = (0, 0);
        }
    }
    total
}

/// `module.signal` for each wire `select -list` wrote (`module/signal`).
fn latched_signals(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.replacen('/', ".", 1))
        .collect();
    // Prefer the signals the designer named over Yosys's internal wires.
    if names.iter().any(|n| !n.contains(".$")) {
        names.retain(|n| !n.contains(".$"));
    }
    if names.is_empty() {
        names.push("(unnamed; see the log)".into());
    }
    names
}

#[derive(Deserialize)]
struct StatJson {
    #[serde(default)]
    modules: BTreeMap<String, StatModule>,
    design: Option<StatModule>,
}

#[derive(Deserialize)]
struct StatModule {
    num_cells: u64,
    #[serde(default)]
    num_cells_by_type: BTreeMap<String, u64>,
}

/// Reads `stat -json` output: the whole design's counts.
pub(crate) fn read_stats(path: &Path, top: &str) -> Result<Stats, SynthError> {
    let bad = |message: String| SynthError::ToolOutput {
        tool: "yosys".into(),
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(SynthError::io("read", path))?;
    let mut stat: StatJson =
        serde_json::from_str(&text).map_err(|e| bad(format!("not `stat -json` output: {e}")))?;
    let m = match stat.design.take() {
        Some(d) => d,
        None => stat
            .modules
            .remove(&format!("\\{top}"))
            .ok_or_else(|| bad(format!("no statistics for module `{top}`")))?,
    };
    Ok(Stats {
        cells: m.num_cells,
        by_type: m.num_cells_by_type,
        memory_bits: 0,
    })
}

#[derive(Deserialize)]
struct NetlistJson {
    modules: BTreeMap<String, NetModule>,
}

#[derive(Deserialize)]
struct NetModule {
    #[serde(default)]
    ports: BTreeMap<String, NetPort>,
}

#[derive(Deserialize)]
struct NetPort {
    direction: String,
    bits: Vec<serde::de::IgnoredAny>,
}

/// The ports of `top` in a Yosys JSON netlist, sorted by name.
pub(crate) fn read_ports(path: &Path, top: &str) -> Result<Vec<Port>, SynthError> {
    let bad = |message: String| SynthError::ToolOutput {
        tool: "yosys".into(),
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(SynthError::io("read", path))?;
    let mut net: NetlistJson = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("not a Yosys JSON netlist: {e}")))?;
    let m = net
        .modules
        .remove(top)
        .ok_or_else(|| bad(format!("no module `{top}`")))?;
    Ok(m.ports
        .into_iter()
        .map(|(name, p)| Port {
            name,
            direction: p.direction,
            width: p.bits.len(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abc_abort_is_told_from_other_failures() {
        let abort = "ERROR: ABC: execution of command \"\"berkeley-abc\" -s -f /tmp/yosys-abc-ujo3rE/abc.script 2>&1\" failed: return code 134.";
        assert!(abc_aborted(&format!(
            "ABC: berkeley-abc: src/opt/lpk/lpkCut.c:200: Lpk_CutTruth: Assertion failed.\n{abort}"
        )));
        assert!(!abc_aborted("ERROR: syntax error, unexpected TOK_ID"));
        assert!(!abc_aborted(
            "ERROR: ABC: execution of command \"x\" failed: return code 1."
        ));
    }
    use crate::synth::job::SynthOptions;
    use std::path::PathBuf;

    fn job_script(
        files: &[PathBuf],
        device: Option<&str>,
        opts: &SynthOptions,
        netlist: bool,
    ) -> String {
        let job = Job {
            files,
            top: "top",
            target: Target::Ice40,
            device: Target::Ice40.device(device).unwrap(),
            opts,
            workdir: Path::new("/work dir"),
            progress: &crate::progress::Silent,
        };
        script(&job, netlist).unwrap()
    }

    #[test]
    fn paths_reach_the_script_relative_to_the_work_folder_or_quotable() {
        let work = Path::new("/w/out dir/a\" b; #c");
        let q = |p: &str| quoted_path(Path::new(p), work);
        assert_eq!(
            q("/w/out dir/a\" b; #c/rtl/x_top.v").unwrap(),
            "\"rtl/x_top.v\""
        );
        assert_eq!(q("/src/my rtl/x.v").unwrap(), "\"/src/my rtl/x.v\"");
        for bad in ["/src/a\" b.v", "/src/x\n!touch PWNED\n.v", "/src/x\r.v"] {
            let e = q(bad).unwrap_err();
            assert!(
                matches!(e, SynthError::UnquotablePath { .. }) && !e.to_string().contains('\n'),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn script_checks_latches_after_proc_and_before_synthesis() {
        let opts = SynthOptions {
            params: vec![("N".into(), 2)],
            ..SynthOptions::default()
        };
        let s = job_script(&[PathBuf::from("/a b/x.v")], Some("hx8k"), &opts, true);
        let at = |needle: &str| s.find(needle).unwrap_or_else(|| panic!("{needle} in\n{s}"));
        assert!(s.contains("read_verilog -sv \"/a b/x.v\""));
        assert!(at("chparam -set N 2 top") < at("hierarchy -check -top top"));
        assert!(at("rename -top top") < at("proc\n"));
        assert!(at("proc\n") < at("select -assert-none @latches"));
        assert!(at("select -assert-none @latches") < at("synth_ice40 -top top -json"));
        assert!(!s.contains("-dsp"), "hx8k has no DSPs");
        let s = job_script(&[], None, &SynthOptions::default(), false);
        assert!(
            s.contains("synth_ice40 -top top -dsp\n") && !s.contains("rename"),
            "{s}"
        );
    }

    #[test]
    fn latch_names_prefer_named_signals() {
        let dir = std::env::temp_dir().join(format!("systolic-latch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("l.txt");
        std::fs::write(&p, "m/held\nm/$0\\x[3:0]\nsub/q\n").unwrap();
        assert_eq!(latched_signals(&p), ["m.held", "sub.q"]);
        std::fs::write(&p, "m/$auto$1\n").unwrap();
        assert_eq!(latched_signals(&p), ["m.$auto$1"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn memory_bits_multiply_size_by_width_per_cell() {
        let dump = "  cell $mem_v2 \\a\n    parameter \\ABITS 9\n    parameter \\SIZE 512\n    parameter \\WIDTH 8\n  end\n  cell $mem_v2 \\b\n    parameter \\SIZE 4\n    parameter \\WIDTH 32'00000000000000000000000000010000\n  end\n";
        assert_eq!(memory_bits(dump), 512 * 8 + 4 * 16);
        assert_eq!(memory_bits(""), 0);
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("N") && is_identifier("_a$1"));
        assert!(!is_identifier("1a") && !is_identifier("a b") && !is_identifier(""));
    }
}
