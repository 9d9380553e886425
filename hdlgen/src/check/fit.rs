//! Whether a GEMM fits a design's buffers (the lines `sim::Dataflow::roles`
//! counts against the depth of one bank), and what fits instead: checked
//! before any testbench is built or any engine runs.

use crate::error::HdlError;
use crate::rtl::{Config, SRAM_NAMES};
use sim::design::Operand;
use sim::workload::{Lowered, Model};
use std::fmt::Write as _;

/// Layers listed when saying which fit (the rest are counted).
const SHOWN: usize = 6;

/// A buffer a GEMM overflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow {
    /// The operand whose buffer overflows.
    pub buffer: Operand,
    /// Lines the GEMM needs there.
    pub lines: u64,
    /// Lines one bank holds.
    pub depth: u64,
}

/// The buffers a GEMM of `gemm` = (M, K, N) overflows (none: it fits).
pub fn overflows(cfg: &Config, gemm: (u64, u64, u64)) -> Vec<Overflow> {
    let need = cfg.lines_needed(gemm);
    Operand::ALL
        .into_iter()
        .filter(|op| need[*op as usize] > cfg.depth[*op as usize])
        .map(|op| Overflow {
            buffer: op,
            lines: need[op as usize],
            depth: cfg.depth[op as usize],
        })
        .collect()
}

/// Whether every operand and the result of `gemm` fit one bank of their buffers.
pub fn fits(cfg: &Config, gemm: (u64, u64, u64)) -> bool {
    overflows(cfg, gemm).is_empty()
}

/// The largest `x` in `1..` with `ok(x)` (`ok` holds up to some size, then
/// never again), or 0 when even 1 fails.
fn largest(cfg: &Config, ok: impl Fn(u64) -> bool) -> u64 {
    let lanes = u64::from(cfg.rows.max(cfg.cols));
    // No size beyond this fits: every layout needs at least size / lanes lines.
    let (mut lo, mut hi) = (0, cfg.depth.iter().max().copied().unwrap_or(0) * lanes + 1);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The largest M that fits with `k` and `n` (0 when none does).
pub fn largest_m(cfg: &Config, k: u64, n: u64) -> u64 {
    largest(cfg, |m| fits(cfg, (m, k, n)))
}

/// The largest `s` such that an `s x s x s` GEMM fits.
pub fn largest_square(cfg: &Config) -> u64 {
    largest(cfg, |s| fits(cfg, (s, s, s)))
}

fn buffer_name(op: Operand) -> String {
    format!("{op:?} ({})", SRAM_NAMES[op as usize])
}

fn describe(over: &[Overflow]) -> String {
    over.iter()
        .map(|o| {
            format!(
                "it needs {} lines of buffer {}, which holds {} per bank",
                o.lines,
                buffer_name(o.buffer),
                o.depth
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn square_hint(cfg: &Config) -> String {
    let s = largest_square(cfg);
    format!("the largest square GEMM that fits is {s}x{s}x{s} (--gemm {s},{s},{s})")
}

/// Refuses a GEMM of `gemm` that does not fit, saying which buffers
/// overflow, the largest M that fits with its K and N, and the largest
/// square GEMM that fits.
pub fn check_gemm(cfg: &Config, (m, k, n): (u64, u64, u64)) -> Result<(), HdlError> {
    let over = overflows(cfg, (m, k, n));
    if over.is_empty() {
        return Ok(());
    }
    let best_m = largest_m(cfg, k, n);
    let mut hint = if best_m > 0 {
        format!("with K = {k} and N = {n}, M up to {best_m} fits (--gemm {best_m},{k},{n}); ")
    } else {
        format!("no M fits with K = {k} and N = {n}; ")
    };
    hint += &square_hint(cfg);
    hint += "; or choose a design with larger SRAMs";
    Err(HdlError::DoesNotFit {
        what: format!("a {m}x{k}x{n} GEMM"),
        design: cfg.design.clone(),
        overflows: describe(&over),
        hint,
    })
}

/// The layers of `model` whose (first) GEMM fits, with that GEMM, in run order.
pub fn fitting_layers(cfg: &Config, model: &Model) -> Vec<(String, (u64, u64, u64))> {
    model
        .layers()
        .filter_map(|l| match l.lower(1) {
            Lowered::Gemm(g) if fits(cfg, (g.m, g.k, g.n)) => {
                Some((l.name.clone(), (g.m, g.k, g.n)))
            }
            _ => None,
        })
        .collect()
}

/// Refuses layer `layer` of `model` (named `model_name`), whose GEMM is
/// `gemm`, when it does not fit, naming the layers of the model that do.
pub fn check_layer(
    cfg: &Config,
    model: &Model,
    model_name: &str,
    layer: &str,
    (m, k, n): (u64, u64, u64),
) -> Result<(), HdlError> {
    let over = overflows(cfg, (m, k, n));
    if over.is_empty() {
        return Ok(());
    }
    let fit = fitting_layers(cfg, model);
    let mut hint = String::new();
    if fit.is_empty() {
        let _ = write!(
            hint,
            "no layer of {model_name} fits design `{}`; ",
            cfg.design
        );
    } else {
        let shown: Vec<String> = fit
            .iter()
            .take(SHOWN)
            .map(|(name, (m, k, n))| format!("{name} ({m}x{k}x{n})"))
            .collect();
        let _ = write!(
            hint,
            "layers of {model_name} that fit: {}{}; ",
            shown.join(", "),
            if fit.len() > SHOWN {
                format!(" and {} more", fit.len() - SHOWN)
            } else {
                String::new()
            }
        );
    }
    hint += &square_hint(cfg);
    Err(HdlError::DoesNotFit {
        what: format!("layer `{layer}` of {model_name} (a {m}x{k}x{n} GEMM)"),
        design: cfg.design.clone(),
        overflows: describe(&over),
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str) -> Config {
        Config::of(&sim::design::preset(name).unwrap()).unwrap()
    }

    #[test]
    fn the_largest_sizes_fit_and_one_more_does_not() {
        for name in ["edge-8x8", "edge-16x16-os", "gemmini-like"] {
            let c = cfg(name);
            let s = largest_square(&c);
            assert!(
                s > 0 && fits(&c, (s, s, s)) && !fits(&c, (s + 1, s + 1, s + 1)),
                "{name}"
            );
            let m = largest_m(&c, 20, 30);
            assert!(
                m > 0 && fits(&c, (m, 20, 30)) && !fits(&c, (m + 1, 20, 30)),
                "{name}"
            );
        }
    }

    #[test]
    fn a_gemm_too_large_names_the_buffers_and_what_fits() {
        // edge-8x8 (ws, double-buffered): A 2048 lines, B 2048, C 256 per bank.
        let c = cfg("edge-8x8");
        assert_eq!(c.depth, [2048, 2048, 256]);
        let e = check_gemm(&c, (4096, 4096, 4096)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("a 4096x4096x4096 GEMM does not fit"), "{msg}");
        assert!(
            msg.contains("2097152 lines of buffer A (ifmap), which holds 2048"),
            "{msg}"
        );
        let help = miette::Diagnostic::help(&e).unwrap().to_string();
        assert!(
            help.contains("no M fits with K = 4096 and N = 4096"),
            "{help}"
        );
        assert!(help.contains("largest square GEMM that fits is"), "{help}");
        // C needs ceil(N/8) * M lines: with K = 100, N = 20, M up to 256 / 3.
        let help = miette::Diagnostic::help(&check_gemm(&c, (1000, 100, 20)).unwrap_err())
            .unwrap()
            .to_string();
        assert!(
            help.contains("M up to 85 fits (--gemm 85,100,20)"),
            "{help}"
        );
        assert!(check_gemm(&c, (40, 100, 20)).is_ok());
    }
}
