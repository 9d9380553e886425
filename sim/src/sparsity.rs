//! N:M structured sparsity of a design's weights (docs/TIMING.md, "Sparse
//! weights"): in every group of `M` consecutive weights along K (one column
//! of B), at most `N` are nonzero. The array stores the `N` kept values of
//! each group with a `log2(M)`-bit index each, and each PE picks its
//! activation out of the group's `M` with that index.

use std::fmt;

/// An `N:M` pattern (`1 <= N < M`, `M` a power of two from 2 to 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sparsity {
    /// Weights kept in each group.
    pub n: u32,
    /// Weights in a group (consecutive along K).
    pub m: u32,
}

/// Largest group size (16: 4-bit indices).
pub const MAX_GROUP: u32 = 16;

impl Sparsity {
    /// Parses `"N:M"`; `"dense"` is `None`. The error says what was expected.
    pub fn parse(s: &str) -> Result<Option<Sparsity>, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("dense") {
            return Ok(None);
        }
        let bad = || format!("expected `dense` or `N:M` (e.g. `2:4`, `1:4`, `2:8`), found `{s}`");
        let (n, m) = s.split_once(':').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        let m: u32 = m.trim().parse().map_err(|_| bad())?;
        if !m.is_power_of_two() || !(2..=MAX_GROUP).contains(&m) {
            return Err(format!(
                "`{s}`: the group size M must be a power of two from 2 to {MAX_GROUP} (its index is log2(M) bits), found {m}"
            ));
        }
        if n == 0 || n >= m {
            return Err(format!(
                "`{s}`: N must be from 1 to M - 1 = {} (N = M is `dense`), found {n}",
                m - 1
            ));
        }
        Ok(Some(Sparsity { n, m }))
    }

    /// Bits of one kept weight's index within its group.
    pub fn index_bits(self) -> u32 {
        self.m.trailing_zeros()
    }

    /// Rows of the compressed weights for a K of `k`: `N` per group of `M`,
    /// the last group padded.
    pub fn compressed_k(self, k: u64) -> u64 {
        k.div_ceil(u64::from(self.m)) * u64::from(self.n)
    }

    /// The first group of `b` (row-major `k x n`, `is_zero` telling zeros)
    /// with more than `N` nonzero weights, as (group, column), or `None`
    /// when `b` follows the pattern.
    pub fn first_violation<T>(
        self,
        b: &[T],
        (k, n): (usize, usize),
        is_zero: impl Fn(&T) -> bool,
    ) -> Option<(usize, usize)> {
        let m = self.m as usize;
        (0..k.div_ceil(m)).find_map(|g| {
            (0..n)
                .find(|&j| {
                    let nonzero = (g * m..((g + 1) * m).min(k))
                        .filter(|&kk| !is_zero(&b[kk * n + j]))
                        .count();
                    nonzero > self.n as usize
                })
                .map(|j| (g, j))
        })
    }

    /// Prunes `b` (row-major `k x n`) to the pattern by magnitude: in each
    /// group of each column the `N` weights of largest `magnitude` stay (of
    /// equal ones, the first along K), the others become `zero`. Returns how
    /// many weights it zeroed that were not zero already.
    pub fn prune<T: Copy>(
        self,
        b: &mut [T],
        (k, n): (usize, usize),
        zero: T,
        magnitude: impl Fn(&T) -> f64,
    ) -> u64 {
        let m = self.m as usize;
        let mut removed = 0;
        let mut order: Vec<usize> = Vec::with_capacity(m);
        for g in 0..k.div_ceil(m) {
            for j in 0..n {
                order.clear();
                order.extend(g * m..((g + 1) * m).min(k));
                // Stable: equal magnitudes keep their K order.
                order.sort_by(|&x, &y| {
                    magnitude(&b[y * n + j]).total_cmp(&magnitude(&b[x * n + j]))
                });
                for &kk in order.iter().skip(self.n as usize) {
                    if magnitude(&b[kk * n + j]) != 0.0 {
                        removed += 1;
                    }
                    b[kk * n + j] = zero;
                }
            }
        }
        removed
    }

    /// Compresses `b` (row-major `k x n`, following the pattern): the kept
    /// values (`compressed_k(k) x n`, row-major; a group's nonzeros in order
    /// of K, then `zero` up to `N`) and each one's index in its group.
    /// Padding slots hold index 0 and `zero`, so they add `A[k0] x 0`.
    pub fn compress<T: Copy>(
        self,
        b: &[T],
        (k, n): (usize, usize),
        zero: T,
        is_zero: impl Fn(&T) -> bool,
    ) -> (Vec<T>, Vec<u8>) {
        let (gn, m) = (self.n as usize, self.m as usize);
        let kc = self.compressed_k(k as u64) as usize;
        let mut values = vec![zero; kc * n];
        let mut index = vec![0u8; kc * n];
        for g in 0..k.div_ceil(m) {
            for j in 0..n {
                let mut slot = 0;
                for kk in g * m..((g + 1) * m).min(k) {
                    let v = b[kk * n + j];
                    if !is_zero(&v) {
                        assert!(slot < gn, "compress: group {g} of column {j} breaks {self}");
                        values[(g * gn + slot) * n + j] = v;
                        index[(g * gn + slot) * n + j] = (kk - g * m) as u8;
                        slot += 1;
                    }
                }
            }
        }
        (values, index)
    }
}

impl fmt::Display for Sparsity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.n, self.m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_patterns_and_refuses_others_saying_why() {
        assert_eq!(Sparsity::parse("dense"), Ok(None));
        assert_eq!(Sparsity::parse(" 2:4 "), Ok(Some(Sparsity { n: 2, m: 4 })));
        assert_eq!(Sparsity::parse("1:16").unwrap().unwrap().index_bits(), 4);
        for (s, why) in [
            ("2:3", "power of two"),
            ("4:4", "N must be from 1 to M - 1"),
            ("0:4", "N must be"),
            ("2:32", "power of two from 2 to 16"),
            ("half", "expected `dense` or `N:M`"),
            ("2-4", "expected"),
        ] {
            let e = Sparsity::parse(s).unwrap_err();
            assert!(e.contains(why), "{s}: {e}");
        }
    }

    #[test]
    fn compression_keeps_every_nonzero_with_its_index_and_names_the_first_bad_group() {
        let p = Sparsity { n: 2, m: 4 };
        // k = 6 (the last group short), n = 2.
        let b = [
            1, 0, //
            0, 0, //
            2, 5, //
            0, 6, //
            0, 7, //
            3, 0,
        ];
        assert_eq!(p.first_violation(&b, (6, 2), |&x| x == 0), None);
        assert_eq!(p.compressed_k(6), 4);
        let (v, i) = p.compress(&b, (6, 2), 0, |&x| x == 0);
        assert_eq!(v, [1, 5, 2, 6, 3, 7, 0, 0]);
        assert_eq!(i, [0, 2, 2, 3, 1, 0, 0, 0]);
        // Decompressing gives b back.
        let mut d = [0; 12];
        for r in 0..4 {
            for j in 0..2 {
                let kk = (r / 2) * 4 + usize::from(i[r * 2 + j]);
                if v[r * 2 + j] != 0 {
                    d[kk * 2 + j] = v[r * 2 + j];
                }
            }
        }
        assert_eq!(d, b);
        // Pruning keeps the two largest magnitudes, the first of equals.
        let mut w = [3, -1, -7, 2, 1, 2, 0, 5, 4];
        let p24 = Sparsity { n: 2, m: 4 };
        assert_eq!(p24.prune(&mut w, (9, 1), 0, |&x| f64::from(x).abs()), 3);
        assert_eq!(w, [3, 0, -7, 0, 0, 2, 0, 5, 4]);
        assert_eq!(p24.first_violation(&w, (9, 1), |&x| x == 0), None);
        let mut bad = b;
        bad[2] = 9; // column 0 of group 0 now has 1, 9, 2: three nonzeros.
        assert_eq!(p.first_violation(&bad, (6, 2), |&x| x == 0), Some((0, 0)));
    }
}
