//! The co-simulation testbench, built once per design and simulator
//! (Verilator or Icarus) and cached, and running one GEMM on it: stimulus
//! in, C and the cycle count out.

pub use super::cache::cache_dir;
use super::cache::Entry;
use super::lines::{c_from_lines, hex_line, images, parse_line};
use crate::error::HdlError;
use crate::progress::{self, Progress};
use crate::rtl::Config;
use crate::tools::{Tool, ToolPaths};
use sim::design::Operand;
use sim::Design;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Which HDL simulator runs the testbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulator {
    /// Verilator 5 (`--binary`), compiled once per design.
    Verilator,
    /// Icarus Verilog (`iverilog` + `vvp`).
    Icarus,
}

impl Simulator {
    /// The tool that builds the testbench.
    pub fn compiler(self) -> Tool {
        match self {
            Simulator::Verilator => Tool::Verilator,
            Simulator::Icarus => Tool::Iverilog,
        }
    }
}

/// The operands of one GEMM: A (`m x k`) and B (`k x n`), row-major.
#[derive(Debug, Clone, Copy)]
pub struct Gemm<'a> {
    /// A, `m x k`.
    pub a: &'a [i64],
    /// B, `k x n`.
    pub b: &'a [i64],
    /// (M, K, N).
    pub dims: (usize, usize, usize),
}

/// A testbench compiled for one design and simulator, ready to run many GEMMs.
#[derive(Debug, Clone)]
pub struct Bench {
    /// The design's RTL parameters.
    pub cfg: Config,
    /// The simulator.
    pub sim: Simulator,
    /// Build directory (in the cache, [`cache_dir`]).
    pub dir: PathBuf,
    /// Whether the build can dump VCD.
    pub trace: bool,
    /// Seconds the build took (0 when it was cached).
    pub build_seconds: f64,
    /// `vvp` (Icarus builds), found when the testbench was built.
    vvp: Option<PathBuf>,
}

/// A tool's version line, asked once per program per process.
fn version(tool: Tool, exe: &Path) -> Result<String, HdlError> {
    static SEEN: Mutex<BTreeMap<PathBuf, String>> = Mutex::new(BTreeMap::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = seen.get(exe) {
        return Ok(v.clone());
    }
    let v = tool.version(exe)?;
    seen.insert(exe.to_path_buf(), v.clone());
    Ok(v)
}

/// The compiler's arguments, run in the build folder: every path relative
/// to it (`src/<file>`), so no folder name reaches the tool or its makefiles.
fn build_args(
    sim: Simulator,
    trace: bool,
    files: &[crate::ip::SourceFile],
    top: &str,
) -> Vec<String> {
    let mut args: Vec<String> = match sim {
        Simulator::Verilator => [
            "--binary",
            "-j",
            "2",
            "-Wno-fatal",
            "-Wno-lint",
            "-Wno-style",
            "--top-module",
            top,
            "-O2",
            "--Mdir",
            "obj",
            "-o",
            "vtb",
        ]
        .map(String::from)
        .into(),
        Simulator::Icarus => ["-g2005", "-s", top, "-o", "tb.vvp"]
            .map(String::from)
            .into(),
    };
    if trace && sim == Simulator::Verilator {
        args.push("--trace".into());
    }
    args.extend(files.iter().map(|f| format!("src/{}", f.name)));
    args
}

/// The file the testbench runs, relative to its build folder.
fn binary(sim: Simulator) -> &'static str {
    match sim {
        Simulator::Verilator => "obj/vtb",
        Simulator::Icarus => "tb.vvp",
    }
}

/// Compiles (or reuses) the testbench of `design` for `sim`; a build
/// reports its progress to `progress`. Builds live in the user's own cache
/// ([`cache_dir`]), one folder per design, simulator and key: a SHA-256 of
/// the sources, the tools' versions and paths and the flags. A build is
/// reused only while its record names that key, the sources in its folder
/// still hash to it and its binary hashes as recorded; otherwise it is
/// built again (in a private staging folder moved into place when done).
pub fn build(
    design: &Design,
    sim: Simulator,
    trace: bool,
    progress: &dyn Progress,
) -> Result<Bench, HdlError> {
    let cfg = Config::of(design)?;
    build_with(design, sim, trace, progress, super::tb::testbench(&cfg), "")
}

/// A variant of the generated RTL to co-simulate: parameters of the top
/// that `systolic synth` sets for a device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Variant {
    /// The top's `DSPS`: PEs past the first `dsps` multiply in logic, as
    /// synthesis for a device with fewer DSP blocks than PEs maps them.
    pub dsps: Option<u32>,
    /// The top's `MULPRIM` = 1: the ws/is PEs multiply in ECP5 `MULT18X18D`
    /// blocks, simulated with [`super::models::mult18x18d`].
    pub ecp5_mult: bool,
}

impl Variant {
    fn tag(&self) -> String {
        let mut t = String::new();
        if let Some(d) = self.dsps {
            t += &format!("-dsps{d}");
        }
        if self.ecp5_mult {
            t += "-mult18x18d";
        }
        t
    }
}

/// [`build`] of a [`Variant`] (its testbench sets the top's parameters).
pub fn build_variant(
    design: &Design,
    sim: Simulator,
    trace: bool,
    progress: &dyn Progress,
    variant: Variant,
) -> Result<Bench, HdlError> {
    let cfg = Config::of(design)?;
    let tb = super::tb::testbench_variant(&cfg, variant);
    let models = if variant.ecp5_mult {
        vec![super::models::mult18x18d()]
    } else {
        Vec::new()
    };
    build_files(design, sim, trace, progress, tb, models, &variant.tag())
}

/// [`build`] with another testbench module `tb` (its module name is the
/// simulation top); `tag` sets its cache folders apart.
pub fn build_with(
    design: &Design,
    sim: Simulator,
    trace: bool,
    progress: &dyn Progress,
    tb: crate::ast::Module,
    tag: &str,
) -> Result<Bench, HdlError> {
    build_files(design, sim, trace, progress, tb, Vec::new(), tag)
}

/// [`build_with`] with simulation models (`models`, one file each) beside the RTL.
fn build_files(
    design: &Design,
    sim: Simulator,
    trace: bool,
    progress: &dyn Progress,
    tb: crate::ast::Module,
    models: Vec<crate::ast::Module>,
    tag: &str,
) -> Result<Bench, HdlError> {
    let paths = ToolPaths::default();
    let exe = sim.compiler().locate(&paths)?;
    let vvp = match sim {
        Simulator::Icarus => Some(Tool::Vvp.locate(&paths)?),
        Simulator::Verilator => None,
    };
    let cfg = Config::of(design)?;
    let root = cache_dir()?;
    let mut files = crate::ip::rtl_files(&cfg);
    files.extend(models.iter().chain([&tb]).map(|m| crate::ip::SourceFile {
        name: if m.name == tb.name {
            "tb.v".into()
        } else {
            format!("{}.v", m.name)
        },
        text: crate::print::module(m),
    }));
    let args = build_args(sim, trace, &files, &tb.name);
    let mut parts = vec![
        format!("{sim:?}"),
        version(sim.compiler(), &exe)?,
        exe.display().to_string(),
    ];
    if let Some(vvp) = &vvp {
        parts.extend([version(Tool::Vvp, vvp)?, vvp.display().to_string()]);
    }
    parts.push(args.join("\0"));
    let mut entry = Entry {
        root: &root,
        name: String::new(),
        parts,
        files: &files,
        binary: binary(sim),
    };
    let key = entry.key();
    entry.name = format!(
        "{}{tag}-{}{}-{}",
        cfg.prefix,
        sim.compiler().name(),
        if trace { "-trace" } else { "" },
        &key[..16]
    );
    let mut bench = Bench {
        cfg,
        sim,
        dir: entry.dir(),
        trace,
        build_seconds: 0.0,
        vvp,
    };
    if let Some(dir) = entry.reusable() {
        bench.dir = dir;
        return Ok(bench);
    }
    let staging = entry.stage()?;
    let what = format!(
        "building the {sim:?} testbench of {}{} (cached for later runs)",
        design.name,
        if trace { " with waveforms" } else { "" }
    );
    let t0 = std::time::Instant::now();
    let tool = sim.compiler();
    let out = progress::step(progress, &what, || tool.run(&exe, &args, Some(&staging)))?;
    if !out.ok {
        return Err(HdlError::ToolFailed {
            tool: tool.name(),
            step: "building the testbench",
            excerpt: crate::tools::excerpt(&out.output(), None),
            status: out.status,
            dir: staging,
        });
    }
    bench.build_seconds = t0.elapsed().as_secs_f64();
    bench.dir = entry.install(&staging)?;
    Ok(bench)
}

impl Bench {
    /// Runs `C = A x B` on the RTL; `vcd` dumps waveforms (needs a trace
    /// build for Verilator). Returns C, the cycle count and the seconds the
    /// simulator took. The GEMM must fit the buffers (`check::fit`).
    pub fn run(
        &self,
        gemm: Gemm,
        cycle_limit: u64,
        work: &Path,
        vcd: Option<&Path>,
        progress: &dyn Progress,
    ) -> Result<(Vec<i64>, u64, f64), HdlError> {
        let (m, k, n) = gemm.dims;
        let what = format!(
            "running the {m}x{k}x{n} GEMM under {:?}{}",
            self.sim,
            if vcd.is_some() { " with waveforms" } else { "" }
        );
        progress::step(progress, &what, || {
            self.run_as(gemm, cycle_limit, work, vcd, 1)
        })
    }

    /// Wall-clock seconds the simulator spends on one run of the GEMM alone:
    /// (best of `repeats` runs doing it `reps` times back to back, minus best
    /// of `repeats` runs that only load and read back the buffers) / `reps`.
    pub fn gemm_seconds(
        &self,
        gemm: Gemm,
        work: &Path,
        repeats: usize,
        reps: u32,
    ) -> Result<f64, HdlError> {
        let best = |n: u32| -> Result<f64, HdlError> {
            let mut t = f64::INFINITY;
            for _ in 0..repeats.max(1) {
                t = t.min(self.run_as(gemm, u64::from(u32::MAX), work, None, n)?.2);
            }
            Ok(t)
        };
        Ok((best(reps)? - best(0)?).max(0.0) / f64::from(reps.max(1)))
    }

    /// Runs the built testbench in `work` with `args`.
    pub(crate) fn exec(
        &self,
        args: &[OsString],
        work: &Path,
    ) -> Result<crate::tools::run::Run, HdlError> {
        Ok(match (self.sim, &self.vvp) {
            (Simulator::Icarus, Some(vvp)) => {
                let mut all: Vec<OsString> = vec!["-n".into(), self.dir.join("tb.vvp").into()];
                all.extend(args.iter().cloned());
                Tool::Vvp.run(vvp, &all, Some(work))?
            }
            _ => {
                let exe = self.dir.join(binary(Simulator::Verilator));
                crate::tools::run(&exe, args, Some(work)).map_err(HdlError::io("run", &exe))?
            }
        })
    }

    fn run_as(
        &self,
        Gemm { a, b, dims }: Gemm,
        cycle_limit: u64,
        work: &Path,
        vcd: Option<&Path>,
        reps: u32,
    ) -> Result<(Vec<i64>, u64, f64), HdlError> {
        let cfg = &self.cfg;
        let (m, k, n) = dims;
        let gemm = (m as u64, k as u64, n as u64);
        super::fit::check_gemm(cfg, gemm)?;
        let [ia, ib] = images(cfg, a, b, m, k, n)?;
        let nc = cfg.lines_needed(gemm)[2] as usize;
        std::fs::create_dir_all(work).map_err(HdlError::io("create", work))?;
        let hw = cfg.host_w();
        let write = |name: &str, lines: &[Vec<i64>], bits: u32| -> Result<PathBuf, HdlError> {
            let p = work.join(name);
            let text: String = lines.iter().map(|l| hex_line(l, bits, hw) + "\n").collect();
            std::fs::write(&p, text).map_err(HdlError::io("write", &p))?;
            Ok(p)
        };
        let fa = write("a.hex", &ia, cfg.word_bits(Operand::A))?;
        let fb = write("b.hex", &ib, cfg.word_bits(Operand::B))?;
        // The command's K: a sparse design runs the compressed K'.
        let (_, kc, _) = cfg.core_gemm(gemm);
        let dims = [
            m as u64,
            kc,
            n as u64,
            ia.len() as u64,
            ib.len() as u64,
            nc as u64,
            u64::from(cfg.banks == 2),
            cycle_limit,
        ];
        let fdims = work.join("dims.hex");
        let text: String = dims.iter().map(|d| format!("{d:x}\n")).collect();
        std::fs::write(&fdims, text).map_err(HdlError::io("write", &fdims))?;
        let (fc, fcycles) = (work.join("c.hex"), work.join("cycles.txt"));
        let _ = std::fs::remove_file(&fc);
        let _ = std::fs::remove_file(&fcycles);
        // The testbench runs in `work` and reads each path into a register
        // of 1024 characters: files in `work` are named relative to it.
        let arg = |k: &str, p: &Path| -> Result<OsString, HdlError> {
            let p = match p.strip_prefix(work) {
                Ok(rel) => rel.to_path_buf(),
                Err(_) => std::path::absolute(p).map_err(HdlError::io("resolve", p))?,
            };
            if p.as_os_str().len() > 1023 {
                return Err(HdlError::Testbench {
                    problem: format!(
                        "cannot take the path {} (longer than 1023 bytes); name one in the work folder",
                        p.display()
                    ),
                    dir: work.to_path_buf(),
                });
            }
            let mut a = OsString::from(format!("+{k}="));
            a.push(p.as_os_str());
            Ok(a)
        };
        let mut args = vec![
            arg("dims", &fdims)?,
            arg("a", &fa)?,
            arg("b", &fb)?,
            arg("c", &fc)?,
            arg("cycles", &fcycles)?,
        ];
        if let Some(v) = vcd {
            args.push(arg("vcd", v)?);
        }
        args.push(format!("+reps={reps}").into());
        let t0 = std::time::Instant::now();
        let out = self.exec(&args, work)?;
        let secs = t0.elapsed().as_secs_f64();
        let problem = |problem: String| HdlError::Testbench {
            problem,
            dir: work.to_path_buf(),
        };
        let status = std::fs::read_to_string(&fcycles).map_err(|_| {
            problem(format!(
                "did not finish (exit status {}):\n{}",
                out.status,
                out.output()
            ))
        })?;
        let f: Vec<u64> = status
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let Some(&cycles) = f.first() else {
            return Err(problem(format!(
                "wrote no cycle count: `{}`",
                status.trim()
            )));
        };
        let (still_busy, error) = (f.get(1) == Some(&1), f.get(2) == Some(&1));
        if error {
            return Err(problem(
                "saw the RTL flag the GEMM command as invalid".into(),
            ));
        }
        if reps != 1 {
            return Ok((Vec::new(), 0, secs));
        }
        if still_busy {
            return Err(problem(format!(
                "saw the RTL still busy after {cycles} cycles (the limit); it never finished"
            )));
        }
        let text = if nc > 0 {
            std::fs::read_to_string(&fc).map_err(HdlError::io("read", &fc))?
        } else {
            String::new()
        };
        let lines: Vec<Vec<i64>> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
            .map(|l| {
                parse_line(
                    l,
                    cfg.lanes(sim::design::Operand::C) as usize,
                    cfg.accw,
                    work,
                )
            })
            .collect::<Result<_, _>>()?;
        let mut c = c_from_lines(cfg, &lines, m, n);
        if cfg.fp.is_some() {
            // Floating-point C: encodings, not signed lanes.
            let mask = (1i64 << cfg.accw) - 1;
            c.iter_mut().for_each(|x| *x &= mask);
        }
        Ok((c, cycles, secs))
    }
}
