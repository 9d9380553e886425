//! Co-simulation: the pe engine gives stimulus, expected outputs and the
//! expected cycle count; the generated testbench runs the RTL under Verilator
//! or Icarus; values and cycles must match exactly.

use crate::rtl::{Config, Kind};
use crate::HdlError;
use sim::Design;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which HDL simulator runs the testbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulator {
    /// Verilator 5 (`--binary`), compiled once per design.
    Verilator,
    /// Icarus Verilog (`iverilog` + `vvp`).
    Icarus,
}

impl Simulator {
    fn tool(self) -> &'static str {
        match self {
            Simulator::Verilator => "verilator",
            Simulator::Icarus => "iverilog",
        }
    }
}

/// Checks that a tool is on the PATH, with an install hint if not.
pub fn require(tool: &str) -> Result<(), HdlError> {
    let ok = Command::new(tool)
        .arg(if tool == "iverilog" {
            "-V"
        } else {
            "--version"
        })
        .output()
        .is_ok();
    if ok {
        Ok(())
    } else {
        Err(HdlError::Tool(format!(
            "`{tool}` was not found on the PATH; install it with `sudo apt-get install -y verilator yosys iverilog` (or run scripts/setup.sh)"
        )))
    }
}

/// `x` (rows x cols, row-major) as buffer lines of `lanes` lanes: line
/// `tile * rows + r` holds `x[r, tile * lanes + j]` in lane `j` (zero past the edge).
pub fn pack(x: &[i64], rows: usize, cols: usize, lanes: usize) -> Vec<Vec<i64>> {
    let tiles = cols.div_ceil(lanes);
    let mut lines = Vec::with_capacity(tiles * rows);
    for t in 0..tiles {
        for r in 0..rows {
            lines.push(
                (0..lanes)
                    .map(|j| {
                        let c = t * lanes + j;
                        if c < cols {
                            x[r * cols + c]
                        } else {
                            0
                        }
                    })
                    .collect(),
            );
        }
    }
    lines
}

/// The inverse of [`pack`]: a rows x cols matrix from its lines.
pub fn unpack(lines: &[Vec<i64>], rows: usize, cols: usize, lanes: usize) -> Vec<i64> {
    let mut x = vec![0; rows * cols];
    for (i, line) in lines.iter().enumerate() {
        let (t, r) = (i / rows, i % rows);
        for (j, &v) in line.iter().enumerate() {
            let c = t * lanes + j;
            if c < cols && r < rows {
                x[r * cols + c] = v;
            }
        }
    }
    x
}

fn transpose(x: &[i64], rows: usize, cols: usize) -> Vec<i64> {
    let mut t = vec![0; x.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = x[r * cols + c];
        }
    }
    t
}

/// The A-buffer and B-buffer line images of a GEMM, per the layouts of the controllers.
pub fn images(
    cfg: &Config,
    a: &[i64],
    b: &[i64],
    m: usize,
    k: usize,
    n: usize,
) -> [Vec<Vec<i64>>; 2] {
    let (r, c) = (cfg.rows as usize, cfg.cols as usize);
    match cfg.kind {
        Kind::Ws => [pack(a, m, k, r), pack(b, k, n, c)],
        Kind::Is => [
            pack(&transpose(a, m, k), k, m, c),
            pack(&transpose(b, k, n), n, k, r),
        ],
        Kind::Os => [pack(&transpose(a, m, k), k, m, r), pack(b, k, n, c)],
    }
}

/// Lines of the A, B and C buffers a GEMM occupies (the layouts of [`images`]).
pub fn lines_needed(cfg: &Config, m: u64, k: u64, n: u64) -> [u64; 3] {
    let (r, c) = (u64::from(cfg.rows), u64::from(cfg.cols));
    match cfg.kind {
        Kind::Ws => [k.div_ceil(r) * m, n.div_ceil(c) * k, n.div_ceil(c) * m],
        Kind::Is => [m.div_ceil(c) * k, k.div_ceil(r) * n, m.div_ceil(c) * n],
        Kind::Os => [m.div_ceil(r) * k, n.div_ceil(c) * k, n.div_ceil(c) * m],
    }
}

fn c_from_lines(cfg: &Config, lines: &[Vec<i64>], m: usize, n: usize) -> Vec<i64> {
    let c = cfg.cols as usize;
    match cfg.kind {
        Kind::Ws | Kind::Os => unpack(lines, m, n, c),
        Kind::Is => transpose(&unpack(lines, n, m, c), n, m),
    }
}

fn hex_line(line: &[i64], lane_bits: u32, total_bits: u64) -> String {
    let mut bits = vec![false; total_bits as usize];
    for (j, &v) in line.iter().enumerate() {
        for b in 0..lane_bits {
            bits[j * lane_bits as usize + b as usize] = (v >> b.min(63)) & 1 == 1;
        }
    }
    let digits = (total_bits as usize).div_ceil(4);
    (0..digits)
        .rev()
        .map(|d| {
            let nib = (0..4).fold(0u32, |acc, b| {
                let i = d * 4 + b;
                acc | (u32::from(i < bits.len() && bits[i]) << b)
            });
            char::from_digit(nib, 16).unwrap_or('0')
        })
        .collect()
}

fn parse_line(text: &str, lanes: usize, lane_bits: u32) -> Result<Vec<i64>, HdlError> {
    let digits: Vec<u32> = text
        .trim()
        .chars()
        .rev()
        .map(|ch| {
            ch.to_digit(16)
                .ok_or_else(|| HdlError::Mismatch(format!("unreadable C line `{text}`")))
        })
        .collect::<Result<_, _>>()?;
    let bit = |i: usize| digits.get(i / 4).is_some_and(|d| (d >> (i % 4)) & 1 == 1);
    Ok((0..lanes)
        .map(|j| {
            let mut v: i64 = 0;
            for b in 0..lane_bits as usize {
                if bit(j * lane_bits as usize + b) {
                    v |= 1 << b;
                }
            }
            if lane_bits < 64 && bit(j * lane_bits as usize + lane_bits as usize - 1) {
                v -= 1i64 << lane_bits;
            }
            v
        })
        .collect())
}

/// Where compiled testbenches are cached (one per design and simulator).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("SYSTOLIC_HDL_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("systolic-hdl"))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HdlError + '_ {
    move |source| HdlError::Io {
        path: path.to_path_buf(),
        source,
    }
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
}

/// Compiles (or reuses) the testbench of `design` for `sim`.
pub fn build(design: &Design, sim: Simulator, trace: bool) -> Result<Bench, HdlError> {
    require(sim.tool())?;
    let cfg = Config::of(design)?;
    let mut files = crate::rtl::rtl_files(&cfg);
    files.push(crate::ip::SourceFile {
        name: "tb.v".into(),
        text: crate::print::module(&crate::tb::testbench(&cfg)),
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
    };
    if stamp.exists() {
        return Ok(bench);
    }
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(io(&src))?;
    let mut paths = Vec::new();
    for f in &files {
        let p = src.join(&f.name);
        std::fs::write(&p, &f.text).map_err(io(&p))?;
        paths.push(p);
    }
    let t0 = std::time::Instant::now();
    let mut cmd = match sim {
        Simulator::Verilator => {
            let mut c = Command::new("verilator");
            c.args([
                "--binary",
                "-j",
                "2",
                "-Wno-fatal",
                "-Wno-lint",
                "-Wno-style",
                "--top-module",
                "tb",
                "-O2",
            ])
            .arg("--Mdir")
            .arg(dir.join("obj"))
            .args(["-o", "vtb"]);
            if trace {
                c.arg("--trace");
            }
            c
        }
        Simulator::Icarus => {
            let mut c = Command::new("iverilog");
            c.args(["-g2005", "-s", "tb", "-o"]).arg(dir.join("tb.vvp"));
            c
        }
    };
    cmd.args(&paths);
    let out = cmd
        .output()
        .map_err(|e| HdlError::Tool(format!("{}: {e}", sim.tool())))?;
    if !out.status.success() {
        return Err(HdlError::Tool(format!(
            "{} failed to build the testbench in {}:\n{}{}",
            sim.tool(),
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    bench.build_seconds = t0.elapsed().as_secs_f64();
    std::fs::write(&stamp, format!("{}\n", bench.build_seconds)).map_err(io(&stamp))?;
    Ok(bench)
}

impl Bench {
    /// Runs `C = A x B` on the RTL; `vcd` dumps waveforms (needs a trace build for Verilator).
    pub fn run(
        &self,
        a: &[i64],
        b: &[i64],
        (m, k, n): (usize, usize, usize),
        cycle_limit: u64,
        work: &Path,
        vcd: Option<&Path>,
    ) -> Result<(Vec<i64>, u64, f64), HdlError> {
        self.run_as(a, b, (m, k, n), cycle_limit, work, vcd, 1)
    }

    /// Wall-clock seconds the simulator spends on one run of the GEMM alone:
    /// (best of `repeats` runs doing it `reps` times back to back, minus best
    /// of `repeats` runs that only load and read back the buffers) / `reps`.
    pub fn gemm_seconds(
        &self,
        a: &[i64],
        b: &[i64],
        dims: (usize, usize, usize),
        work: &Path,
        repeats: usize,
        reps: u32,
    ) -> Result<f64, HdlError> {
        let best = |n: u32| -> Result<f64, HdlError> {
            let mut t = f64::INFINITY;
            for _ in 0..repeats.max(1) {
                t = t.min(
                    self.run_as(a, b, dims, u64::from(u32::MAX), work, None, n)?
                        .2,
                );
            }
            Ok(t)
        };
        Ok((best(reps)? - best(0)?).max(0.0) / f64::from(reps.max(1)))
    }

    #[allow(clippy::too_many_arguments)]
    fn run_as(
        &self,
        a: &[i64],
        b: &[i64],
        (m, k, n): (usize, usize, usize),
        cycle_limit: u64,
        work: &Path,
        vcd: Option<&Path>,
        reps: u32,
    ) -> Result<(Vec<i64>, u64, f64), HdlError> {
        let cfg = &self.cfg;
        let need = lines_needed(cfg, m as u64, k as u64, n as u64);
        for ((lines, depth), what) in
            need.iter()
                .zip(cfg.depth)
                .zip(["A (ifmap)", "B (filter)", "C (ofmap)"])
        {
            if *lines > depth {
                return Err(HdlError::Capacity(format!(
                    "a {m}x{k}x{n} GEMM needs {lines} lines of the {what} buffer, which holds {depth} per bank; choose a smaller GEMM or a design with larger SRAMs"
                )));
            }
        }
        let [ia, ib] = images(cfg, a, b, m, k, n);
        let nc = need[2] as usize;
        std::fs::create_dir_all(work).map_err(io(work))?;
        let hw = cfg.host_w();
        let write = |name: &str, lines: &[Vec<i64>]| -> Result<PathBuf, HdlError> {
            let p = work.join(name);
            let text: String = lines
                .iter()
                .map(|l| hex_line(l, cfg.opw, hw) + "\n")
                .collect();
            std::fs::write(&p, text).map_err(io(&p))?;
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
        std::fs::write(&fdims, text).map_err(io(&fdims))?;
        let (fc, fcycles) = (work.join("c.hex"), work.join("cycles.txt"));
        let _ = std::fs::remove_file(&fc);
        let _ = std::fs::remove_file(&fcycles);
        let mut cmd = match self.sim {
            Simulator::Verilator => Command::new(self.dir.join("obj").join("vtb")),
            Simulator::Icarus => {
                let mut c = Command::new("vvp");
                c.arg("-n").arg(self.dir.join("tb.vvp"));
                c
            }
        };
        let arg = |k: &str, p: &Path| format!("+{k}={}", p.display());
        cmd.arg(arg("dims", &fdims))
            .arg(arg("a", &fa))
            .arg(arg("b", &fb))
            .arg(arg("c", &fc))
            .arg(arg("cycles", &fcycles));
        if let Some(v) = vcd {
            cmd.arg(arg("vcd", v));
        }
        cmd.arg(format!("+reps={reps}"));
        let t0 = std::time::Instant::now();
        let out = cmd
            .output()
            .map_err(|e| HdlError::Tool(format!("running the testbench: {e}")))?;
        let secs = t0.elapsed().as_secs_f64();
        let status = std::fs::read_to_string(&fcycles).map_err(|_| {
            HdlError::Tool(format!(
                "the testbench did not finish ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        })?;
        let f: Vec<u64> = status
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let (cycles, still_busy, error) = (f[0], f.get(1) == Some(&1), f.get(2) == Some(&1));
        if error {
            return Err(HdlError::Mismatch(
                "the RTL flagged the GEMM command as invalid".into(),
            ));
        }
        if reps != 1 {
            return Ok((Vec::new(), 0, secs));
        }
        if still_busy {
            return Err(HdlError::Mismatch(format!(
                "the RTL was still busy after {cycles} cycles (the limit); it never finished"
            )));
        }
        let text = if nc > 0 {
            std::fs::read_to_string(&fc).map_err(io(&fc))?
        } else {
            String::new()
        };
        let lines: Vec<Vec<i64>> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
            .map(|l| parse_line(l, cfg.cols as usize, cfg.accw))
            .collect::<Result<_, _>>()?;
        Ok((c_from_lines(cfg, &lines, m, n), cycles, secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn lines_round_trip(rows in 1usize..9, cols in 1usize..11, lanes in 1usize..5, seed in any::<u64>()) {
            let x = sim::engine::pe::random_operands(8, rows * cols, seed);
            let lines = pack(&x, rows, cols, lanes);
            prop_assert_eq!(lines.len(), cols.div_ceil(lanes) * rows);
            prop_assert_eq!(unpack(&lines, rows, cols, lanes), x);
        }

        #[test]
        fn hex_round_trips_signed_lanes(bits in 2u32..33, lanes in 1usize..6, seed in any::<u64>()) {
            let line = sim::engine::pe::random_operands(bits, lanes, seed);
            let text = hex_line(&line, bits, u64::from(bits) * lanes as u64 + 3);
            prop_assert_eq!(parse_line(&text, lanes, bits).unwrap(), line);
        }
    }

    #[test]
    fn ws_images_follow_the_documented_layout() {
        // 2x2 ws: A line kt*M + m holds A[m][kt*2 + i]; B line nt*K + k holds B[k][nt*2 + j].
        let d = sim::design::preset("edge-8x8").unwrap();
        let mut cfg = Config::of(&d).unwrap();
        cfg.rows = 2;
        cfg.cols = 2;
        let a: Vec<i64> = (0..9).collect(); // 3 x 3
        let b: Vec<i64> = (10..19).collect(); // 3 x 3
        let [ia, ib] = images(&cfg, &a, &b, 3, 3, 3);
        assert_eq!(
            ia,
            vec![
                vec![0, 1],
                vec![3, 4],
                vec![6, 7],
                vec![2, 0],
                vec![5, 0],
                vec![8, 0]
            ]
        );
        assert_eq!(
            ib,
            vec![
                vec![10, 11],
                vec![13, 14],
                vec![16, 17],
                vec![12, 0],
                vec![15, 0],
                vec![18, 0]
            ]
        );
    }
}
