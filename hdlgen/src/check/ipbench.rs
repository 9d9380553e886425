//! One GEMM through the IP (`tb_ip`): a DRAM image with A, B and room for
//! C in the IP's layouts (docs/TIMING.md, "The IP"), the register writes of
//! docs/IP.md, and C and the counters read back.

use super::bench::Bench;
use crate::error::HdlError;
use crate::rtl::ip::{elem_bytes, regs};
use sim::engine::ip::Tiles;
use sim::Dataflow;
use std::path::Path;

/// What the IP reported for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpResult {
    /// C (m x n, row-major).
    pub c: Vec<i64>,
    /// Cycles counted by the testbench from START to the interrupt.
    pub cycles: u64,
    /// CYCLES, STALL, RD_BYTES, WR_BYTES (low words).
    pub counters: [u64; 4],
    /// STATUS and ERR_CODE.
    pub status: u64,
    /// ERR_CODE.
    pub err: u64,
    /// Write beats the IP did not offer in their window (the contract's memory).
    pub violations: u64,
}

fn round_up(x: u64, to: u64) -> u64 {
    x.div_ceil(to) * to
}

/// Whether the IP reads A and B and writes C transposed (docs/TIMING.md,
/// "The IP"): ws none; is all three; os A (its lines run along M).
pub fn transposed(dataflow: Dataflow) -> (bool, bool, bool) {
    match dataflow {
        Dataflow::Ws => (false, false, false),
        Dataflow::Is => (true, true, true),
        Dataflow::Os => (true, false, false),
    }
}

/// Where the testbench puts A, B and C in its DRAM image, and its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLayout {
    /// Address of A (as the IP reads it) and its row stride.
    pub base_a: u64,
    /// Row stride of A.
    pub sa: u64,
    /// Address of B.
    pub base_b: u64,
    /// Row stride of B.
    pub sb: u64,
    /// Address of C.
    pub base_c: u64,
    /// Row stride of C.
    pub sc: u64,
    /// First byte past C.
    pub end: u64,
}

/// The DRAM image of an `m x k x n` GEMM on `cfg`'s IP: each matrix 4 KB
/// aligned, rows padded to `DW`. Refused when it does not fit the
/// testbench's memory (checked before anything is built or run).
pub fn image_layout(
    cfg: &crate::rtl::Config,
    (m, k, n): (u64, u64, u64),
) -> Result<ImageLayout, HdlError> {
    cfg.needs_ip()?;
    let (ob, cb) = elem_bytes(cfg);
    let dw = cfg.dw;
    let (ta, tb, tc) = transposed(cfg.dataflow);
    let (ra, ca) = if ta { (k, m) } else { (m, k) };
    let (rb, cbn) = if tb { (n, k) } else { (k, n) };
    let (rc, cc) = if tc { (n, m) } else { (m, n) };
    let limit = 1u64 << super::iptb::MEM_BITS;
    let too_large = || HdlError::ImageTooLarge {
        gemm: format!("{m}x{k}x{n}"),
        limit,
    };
    let size = |rows: u64, cols: u64, eb: u64| -> Option<(u64, u64)> {
        let stride = round_up(cols.checked_mul(eb)?, dw).max(dw);
        Some((stride, rows.checked_mul(stride)?))
    };
    let (sa, la) = size(ra, ca, ob).ok_or_else(too_large)?;
    let (sb, lb) = size(rb, cbn, ob).ok_or_else(too_large)?;
    let (sc, lc) = size(rc, cc, cb).ok_or_else(too_large)?;
    let base_a = 0x1000u64;
    let base_b = round_up(base_a.checked_add(la).ok_or_else(too_large)?, 0x1000);
    let base_c = round_up(base_b.checked_add(lb).ok_or_else(too_large)?, 0x1000);
    let end = base_c.checked_add(lc).ok_or_else(too_large)?;
    if end > limit {
        return Err(too_large());
    }
    Ok(ImageLayout {
        base_a,
        sa,
        base_b,
        sb,
        base_c,
        sc,
        end,
    })
}

impl Bench {
    /// Runs `C = A x B` (A m x k, B k x n, row-major) through the IP with a
    /// memory of `latency` cycles.
    #[allow(clippy::too_many_arguments)]
    pub fn run_ip(
        &self,
        a: &[i64],
        b: &[i64],
        (m, k, n): (usize, usize, usize),
        tiles: Tiles,
        latency: u64,
        cycle_limit: u64,
        work: &Path,
        vcd: Option<&Path>,
    ) -> Result<IpResult, HdlError> {
        let cfg = &self.cfg;
        let (ob, cb) = elem_bytes(cfg);
        let ImageLayout {
            base_a,
            sa,
            base_b,
            sb,
            base_c,
            sc,
            end: end_c,
        } = image_layout(cfg, (m as u64, k as u64, n as u64))?;
        let (ta, tb, tc) = transposed(cfg.dataflow);
        // Matrices as the IP reads them (docs/TIMING.md, "The IP").
        let tr = |x: &[i64], r: usize, c: usize| {
            let mut t = vec![0; x.len()];
            for i in 0..r {
                for j in 0..c {
                    t[j * r + i] = x[i * c + j];
                }
            }
            t
        };
        let (ma, ra, ca) = if ta {
            (tr(a, m, k), k, m)
        } else {
            (a.to_vec(), m, k)
        };
        let (mb, rb, cbn) = if tb {
            (tr(b, k, n), n, k)
        } else {
            (b.to_vec(), k, n)
        };
        let mut image = vec![0u8; end_c as usize];
        let mut put = |base: u64, stride: u64, x: &[i64], rows: usize, cols: usize, eb: u64| {
            for i in 0..rows {
                for j in 0..cols {
                    let v = x[i * cols + j];
                    let at = (base + i as u64 * stride + j as u64 * eb) as usize;
                    for byte in 0..eb as usize {
                        image[at + byte] = (v >> (8 * byte)) as u8;
                    }
                }
            }
        };
        put(base_a, sa, &ma, ra, ca, ob);
        put(base_b, sb, &mb, rb, cbn, ob);
        std::fs::create_dir_all(work).map_err(HdlError::io("create", work))?;
        let fmem = work.join("mem.hex");
        let text: String = image.iter().map(|b| format!("{b:02x}\n")).collect();
        std::fs::write(&fmem, text).map_err(HdlError::io("write", &fmem))?;
        let writes: Vec<(u64, u64)> = vec![
            (regs::MKN[0], m as u64),
            (regs::MKN[1], k as u64),
            (regs::MKN[2], n as u64),
            (regs::TILES[0], tiles.t),
            (regs::TILES[1], tiles.rf),
            (regs::TILES[2], tiles.cf),
            (regs::ADDR[0].0, base_a),
            (regs::ADDR[0].1, sa),
            (regs::ADDR[1].0, base_b),
            (regs::ADDR[1].1, sb),
            (regs::ADDR[2].0, base_c),
            (regs::ADDR[2].1, sc),
            (regs::CTRL, 3),
        ];
        let mut words = vec![writes.len() as u64];
        for (o, v) in &writes {
            words.extend([*o, *v]);
        }
        words.extend([
            base_c,
            end_c.max(base_c + 1) - 1,
            cycle_limit.min(u64::from(u32::MAX >> 1)),
        ]);
        let fregs = work.join("regs.hex");
        let text: String = words.iter().map(|w| format!("{w:x}\n")).collect();
        std::fs::write(&fregs, text).map_err(HdlError::io("write", &fregs))?;
        let (fout, fres) = (work.join("out.hex"), work.join("res.txt"));
        let _ = std::fs::remove_file(&fout);
        let _ = std::fs::remove_file(&fres);
        let mut args: Vec<std::ffi::OsString> = vec![
            "+regs=regs.hex".into(),
            "+mem=mem.hex".into(),
            "+out=out.hex".into(),
            "+res=res.txt".into(),
            format!("+lat={latency}").into(),
        ];
        if let Some(v) = vcd {
            let mut a = std::ffi::OsString::from("+vcd=");
            a.push(v.as_os_str());
            args.push(a);
        }
        let out = self.exec(&args, work)?;
        let problem = |problem: String| HdlError::Testbench {
            problem,
            dir: work.to_path_buf(),
        };
        let res = std::fs::read_to_string(&fres).map_err(|_| {
            problem(format!(
                "did not finish (exit status {}):\n{}",
                out.status,
                out.output()
            ))
        })?;
        let f: Vec<u64> = res
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if f.len() < 9 {
            return Err(problem(format!("wrote `{}`", res.trim())));
        }
        if f[1] != 1 {
            return Err(problem(format!("saw no interrupt within {} cycles", f[0])));
        }
        // C back from the dump: one byte per line from base_c.
        let text = std::fs::read_to_string(&fout).map_err(HdlError::io("read", &fout))?;
        let bytes: Vec<u8> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
            .map(|l| u8::from_str_radix(l.trim(), 16).unwrap_or(0))
            .collect();
        let get = |i: usize, j: usize| -> i64 {
            let at = i * sc as usize + j * cb as usize;
            let mut v: i64 = 0;
            for byte in 0..cb as usize {
                v |= i64::from(*bytes.get(at + byte).unwrap_or(&0)) << (8 * byte);
            }
            let bitsw = 8 * cb as u32;
            if self.cfg.fp.is_some() {
                // Floating-point C: encodings of the accumulator's format.
                v &= (1i64 << self.cfg.accw) - 1;
            } else if bitsw < 64 {
                v = (v << (64 - bitsw)) >> (64 - bitsw);
            }
            v
        };
        let mut c = vec![0i64; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = if tc { get(j, i) } else { get(i, j) };
            }
        }
        Ok(IpResult {
            c,
            cycles: f[0],
            status: f[2],
            err: f[3],
            counters: [f[4], f[5], f[6], f[7]],
            violations: f[8],
        })
    }
}
