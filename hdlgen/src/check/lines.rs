//! Operands as buffer lines and back: the layouts of `sim::Dataflow::roles`
//! (each line spreads one dimension of an operand over the lanes of an array
//! edge), and the hex text the testbench reads and writes.

use crate::error::HdlError;
use crate::rtl::Config;
use sim::design::{Layout, Operand};
use sim::error::PeError;
use std::path::Path;

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

/// Whether `layout` spreads the second (column) dimension of `op` over the
/// lanes (else the first, and the matrix is packed transposed).
fn along_columns(op: Operand, layout: Layout) -> bool {
    layout.lane == op.dims().1
}

/// `x`, the `op` operand of a GEMM of `gemm`, as lines of its buffer.
fn lines_of(cfg: &Config, op: Operand, x: &[i64], gemm: (u64, u64, u64)) -> Vec<Vec<i64>> {
    let (d0, d1) = op.dims();
    let (rows, cols) = (d0.of(gemm) as usize, d1.of(gemm) as usize);
    let lanes = cfg.lanes(op) as usize;
    if along_columns(op, cfg.roles.layout(op)) {
        pack(x, rows, cols, lanes)
    } else {
        pack(&transpose(x, rows, cols), cols, rows, lanes)
    }
}

/// The A-buffer and B-buffer line images of `A x B` (A is m x k, B k x n).
/// A sparse design's A lines hold `M` words per group of `N` rows (the
/// dense packing with `R M / N` lanes), its B lines the compressed weights
/// (`K' x n`), each word its value's `OPW` bits with the index above;
/// weights that break the pattern are refused (`PeError::Pattern`).
pub fn images(
    cfg: &Config,
    a: &[i64],
    b: &[i64],
    m: usize,
    k: usize,
    n: usize,
) -> Result<[Vec<Vec<i64>>; 2], PeError> {
    let gemm = (m as u64, k as u64, n as u64);
    let b_lines = match cfg.sparse {
        Some(sp) => {
            let (values, index) = sim::engine::pe::compress(sp, b, (k, n))?;
            let mask = (1i64 << cfg.opw) - 1;
            let words: Vec<i64> = values
                .iter()
                .zip(&index)
                .map(|(&v, &i)| (v & mask) | (i64::from(i) << cfg.opw))
                .collect();
            lines_of(cfg, Operand::B, &words, cfg.core_gemm(gemm))
        }
        None => lines_of(cfg, Operand::B, b, gemm),
    };
    Ok([lines_of(cfg, Operand::A, a, gemm), b_lines])
}

/// C (m x n, row-major) from the lines of the C buffer.
pub fn c_from_lines(cfg: &Config, lines: &[Vec<i64>], m: usize, n: usize) -> Vec<i64> {
    let lanes = cfg.lanes(Operand::C) as usize;
    if along_columns(Operand::C, cfg.roles.layout(Operand::C)) {
        unpack(lines, m, n, lanes)
    } else {
        transpose(&unpack(lines, n, m, lanes), n, m)
    }
}

/// A line as hex digits: lane `j` at bits `[j*lane_bits +: lane_bits]` of
/// `total_bits`, two's complement.
pub fn hex_line(line: &[i64], lane_bits: u32, total_bits: u64) -> String {
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

/// The inverse of [`hex_line`]: `lanes` signed lanes of `lane_bits`.
pub fn parse_line(
    text: &str,
    lanes: usize,
    lane_bits: u32,
    work: &Path,
) -> Result<Vec<i64>, HdlError> {
    let digits: Vec<u32> = text
        .trim()
        .chars()
        .rev()
        .map(|ch| {
            ch.to_digit(16).ok_or_else(|| HdlError::Testbench {
                problem: format!("wrote an unreadable C line `{text}`"),
                dir: work.to_path_buf(),
            })
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
            prop_assert_eq!(parse_line(&text, lanes, bits, Path::new(".")).unwrap(), line);
        }

        #[test]
        fn images_occupy_the_lines_roles_count(df in 0usize..3, m in 1usize..12, k in 1usize..12, n in 1usize..12) {
            let mut d = sim::design::preset("edge-8x8").unwrap();
            d.dataflow = sim::Dataflow::ALL[df];
            let mut cfg = Config::of(&d).unwrap();
            cfg.rows = 3;
            cfg.cols = 5;
            let a = vec![1; m * k];
            let b = vec![1; k * n];
            let [ia, ib] = images(&cfg, &a, &b, m, k, n).unwrap();
            let need = cfg.lines_needed((m as u64, k as u64, n as u64));
            prop_assert_eq!([ia.len() as u64, ib.len() as u64], [need[0], need[1]]);
            let c: Vec<i64> = (0..(m * n) as i64).collect();
            let lanes = cfg.lanes(Operand::C) as usize;
            let cl = if along_columns(Operand::C, cfg.roles.layout(Operand::C)) {
                pack(&c, m, n, lanes)
            } else {
                pack(&transpose(&c, m, n), n, m, lanes)
            };
            prop_assert_eq!(cl.len() as u64, need[2]);
            prop_assert_eq!(c_from_lines(&cfg, &cl, m, n), c);
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
        let [ia, ib] = images(&cfg, &a, &b, 3, 3, 3).unwrap();
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
