//! The co-simulation testbench, built once per design and simulator
//! (Verilator or Icarus) and cached, and running one GEMM on it: stimulus
//! in, C and the cycle count out.

use super::lines::{c_from_lines, hex_line, images, parse_line};
use crate::error::HdlError;
use crate::progress::{self, Progress};
use crate::rtl::Config;
use crate::tools::{Tool, ToolPaths};
use sim::Design;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

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

/// Where compiled testbenches are cached (one per design and simulator).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("SYSTOLIC_HDL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("systolic-hdl"))
}

/// A testbench compiled for one design and simulator, ready to run many GEMMs.
#[derive(Debug, Clone)]
pub struct Bench {
    /// The design's RTL parameters.
    pub cfg: Config,
    /// The simulator.
    pub sim: Simulator,
    /// Build directory.
    pub dir: PathBuf,
    /// Whether the build can dump VCD.
    pub trace: bool,
    /// Seconds the build took (0 when it was cached).
    pub build_seconds: f64,
    /// `vvp` (Icarus builds), found when the testbench was built.
    vvp: Option<PathBuf>,
}

/// Compiles (or reuses) the testbench of `design` for `sim`; a build
/// reports its progress to `progress`.
pub fn build(
    design: &Design,
    sim: Simulator,
    trace: bool,
    progress: &dyn Progress,
) -> Result<Bench, HdlError> {
    let paths = ToolPaths::default();
    let exe = sim.compiler().locate(&paths)?;
    let vvp = match sim {
        Simulator::Icarus => Some(Tool::Vvp.locate(&paths)?),
        Simulator::Verilator => None,
    };
    let cfg = Config::of(design)?;
    let mut files = crate::ip::rtl_files(&cfg);
    files.push(crate::ip::SourceFile {
        name: "tb.v".into(),
        text: crate::print::module(&super::tb::testbench(&cfg)),
    });
    let mut h = DefaultHasher::new();
    (&files, format!("{sim:?}"), trace).hash(&mut h);
    let dir = cache_dir().join(format!("{}-{:016x}", cfg.prefix, h.finish()));
    let stamp = dir.join("built");
    let mut bench = Bench {
        cfg,
        sim,
        dir: dir.clone(),
        trace,
        build_seconds: 0.0,
        vvp,
    };
    if stamp.exists() {
        return Ok(bench);
    }
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(HdlError::io("create", &src))?;
    let mut paths = Vec::new();
    for f in &files {
        let p = src.join(&f.name);
        std::fs::write(&p, &f.text).map_err(HdlError::io("write", &p))?;
        paths.push(p.into_os_string());
    }
    let mut args: Vec<std::ffi::OsString> = match sim {
        Simulator::Verilator => {
            let mut a: Vec<std::ffi::OsString> = [
                "--binary",
                "-j",
                "2",
                "-Wno-fatal",
                "-Wno-lint",
                "-Wno-style",
                "--top-module",
                "tb",
                "-O2",
                "--Mdir",
            ]
            .map(Into::into)
            .into();
            a.push(dir.join("obj").into_os_string());
            a.extend(["-o", "vtb"].map(Into::into));
            if trace {
                a.push("--trace".into());
            }
            a
        }
        Simulator::Icarus => {
            let mut a: Vec<std::ffi::OsString> =
                ["-g2005", "-s", "tb", "-o"].map(Into::into).into();
            a.push(dir.join("tb.vvp").into_os_string());
            a
        }
    };
    args.extend(paths);
    let what = format!(
        "building the {sim:?} testbench of {}{} (cached for later runs)",
        design.name,
        if trace { " with waveforms" } else { "" }
    );
    let t0 = std::time::Instant::now();
    let tool = sim.compiler();
    let out = progress::step(progress, &what, || tool.run(&exe, &args, None))?;
    if !out.ok {
        return Err(HdlError::ToolFailed {
            tool: tool.name(),
            step: "building the testbench",
            excerpt: crate::tools::excerpt(&out.output(), None),
            status: out.status,
            dir,
        });
    }
    bench.build_seconds = t0.elapsed().as_secs_f64();
    std::fs::write(&stamp, format!("{}\n", bench.build_seconds))
        .map_err(HdlError::io("write", &stamp))?;
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
        let [ia, ib] = images(cfg, a, b, m, k, n);
        let nc = cfg.lines_needed(gemm)[2] as usize;
        std::fs::create_dir_all(work).map_err(HdlError::io("create", work))?;
        let hw = cfg.host_w();
        let write = |name: &str, lines: &[Vec<i64>]| -> Result<PathBuf, HdlError> {
            let p = work.join(name);
            let text: String = lines
                .iter()
                .map(|l| hex_line(l, cfg.opw, hw) + "\n")
                .collect();
            std::fs::write(&p, text).map_err(HdlError::io("write", &p))?;
            Ok(p)
        };
        let fa = write("a.hex", &ia)?;
        let fb = write("b.hex", &ib)?;
        let dims = [
            m as u64,
            k as u64,
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
        let arg = |k: &str, p: &Path| format!("+{k}={}", p.display());
        let mut args = vec![
            arg("dims", &fdims),
            arg("a", &fa),
            arg("b", &fb),
            arg("c", &fc),
            arg("cycles", &fcycles),
        ];
        if let Some(v) = vcd {
            args.push(arg("vcd", v));
        }
        args.push(format!("+reps={reps}"));
        let t0 = std::time::Instant::now();
        let out = match (self.sim, &self.vvp) {
            (Simulator::Icarus, Some(vvp)) => {
                let mut all = vec![
                    "-n".to_string(),
                    self.dir.join("tb.vvp").display().to_string(),
                ];
                all.extend(args);
                Tool::Vvp.run(vvp, &all, None)?
            }
            _ => {
                let exe = self.dir.join("obj").join("vtb");
                crate::tools::run(&exe, &args, None).map_err(HdlError::io("run", &exe))?
            }
        };
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
        Ok((c_from_lines(cfg, &lines, m, n), cycles, secs))
    }
}
