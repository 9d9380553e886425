//! Fold plans: how one GEMM is cut into array folds and memory tiles, with the
//! SRAM accesses and DRAM bytes of each fold. Timing is applied elsewhere.
//!
//! Notation (SCALE-Sim's, used only in this module and `timing`): the array
//! has `R` rows and `C` columns. `Sr` is the GEMM dimension mapped to rows,
//! `Sc` the one mapped to columns, `T` the one streamed in time:
//! os `Sr = M, Sc = N, T = K`; ws `Sr = K, Sc = N, T = M`; is `Sr = K, Sc = M, T = N`.

use crate::design::{Dataflow, Design};
use crate::sparsity::Sparsity;
use crate::workload::{GemmOp, Lowered, Model};

/// One fold: a tile of the array holding `rows x cols` useful PEs for `t` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    /// Streamed steps (vectors) in this fold.
    pub t: u64,
    /// Rows of the array holding useful work.
    pub rows: u64,
    /// Columns of the array holding useful work.
    pub cols: u64,
    /// First index of the tile in the dimension mapped to rows (`Sr`).
    pub row0: u64,
    /// First index of the tile in the dimension mapped to columns (`Sc`).
    pub col0: u64,
    /// First index of the tile in the streamed dimension (`T`).
    pub t0: u64,
    /// DRAM bytes of A (ifmap SRAM) that must be on chip before the fold starts (first touch).
    pub dram_a_bytes: u64,
    /// DRAM bytes of B (filter SRAM) that must be on chip before the fold starts.
    pub dram_b_bytes: u64,
    /// DRAM bytes written when the fold completes (finished outputs).
    pub dram_out_bytes: u64,
}

impl Fold {
    /// All DRAM bytes the fold needs before it starts.
    pub fn dram_in_bytes(&self) -> u64 {
        self.dram_a_bytes + self.dram_b_bytes
    }
}

/// Whole-GEMM SRAM and DRAM totals of a plan (words are operand or accumulator words).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// ifmap (A) SRAM reads by the array.
    pub ifmap_reads: u64,
    /// filter (B) SRAM reads by the array.
    pub filter_reads: u64,
    /// ofmap SRAM reads (partial-sum read-modify-write and drain to DRAM).
    pub ofmap_reads: u64,
    /// ofmap SRAM writes.
    pub ofmap_writes: u64,
    /// ifmap SRAM words written from DRAM.
    pub ifmap_fills: u64,
    /// filter SRAM words written from DRAM.
    pub filter_fills: u64,
    /// DRAM bytes read into the ifmap SRAM.
    pub dram_ifmap_bytes: u64,
    /// DRAM bytes read into the filter SRAM.
    pub dram_filter_bytes: u64,
    /// DRAM bytes written from the ofmap SRAM.
    pub dram_ofmap_bytes: u64,
    /// Bits of N:M weight indices read from the filter SRAM beside the
    /// weights (its DRAM bytes and fills count them already).
    pub filter_index_bits: u64,
}

/// Shape of a GEMM seen through a dataflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Dimension mapped to array rows.
    pub sr: u64,
    /// Dimension mapped to array columns.
    pub sc: u64,
    /// Dimension streamed in time.
    pub t: u64,
}

impl Mapping {
    /// SCALE-Sim's mapping of `g` under `dataflow`.
    pub fn of(g: &GemmOp, dataflow: Dataflow) -> Mapping {
        match dataflow {
            Dataflow::Os => Mapping {
                sr: g.m,
                sc: g.n,
                t: g.k,
            },
            Dataflow::Ws => Mapping {
                sr: g.k,
                sc: g.n,
                t: g.m,
            },
            Dataflow::Is => Mapping {
                sr: g.k,
                sc: g.m,
                t: g.n,
            },
        }
    }
}

/// The N:M pattern `g` runs with on `design`: the design's, for a ws
/// design's GEMMs whose B is a layer's weights; `None` (dense) otherwise.
pub fn sparse_weights(design: &Design, g: &GemmOp) -> Option<Sparsity> {
    design
        .sparsity
        .filter(|_| g.b_weights && design.dataflow == Dataflow::Ws)
}

/// Bytes of half an SRAM (the compute half) or all of it when not double-buffered.
fn usable(design: &Design, bytes: u64) -> u64 {
    if design.double_buffered {
        bytes / 2
    } else {
        bytes
    }
}

/// DRAM bytes of an A tile of `elems` elements: A's share of its source
/// tensor (`a_unique / (M x K)`), since im2col is expanded on chip.
fn a_bytes(g: &GemmOp, elems: u64, op_bytes: u64) -> u64 {
    let mk = (g.m * g.k).max(1);
    match elems
        .checked_mul(g.a_unique)
        .and_then(|x| x.checked_mul(op_bytes))
    {
        Some(x) => x.div_ceil(mk),
        None => (u128::from(elems) * u128::from(g.a_unique) * u128::from(op_bytes))
            .div_ceil(u128::from(mk)) as u64,
    }
}

/// Sizes of the pieces into which `n` splits by `tile` (the last may be short).
pub fn tiles(n: u64, tile: u64) -> impl Iterator<Item = u64> + Clone {
    let count = n.div_ceil(tile);
    (0..count).map(move |i| tile.min(n - i * tile))
}

/// A complete plan: folds in order and traffic totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Folds in order.
    pub folds: Vec<Fold>,
    /// Totals.
    pub traffic: Traffic,
    /// Whether this dataflow keeps outputs in the PEs (os) rather than operands.
    pub output_stationary: bool,
}

/// Plans `g` on `design`. `tile_outputs` limits the streamed dimension of
/// ws/is folds so partial sums fit the ofmap SRAM (the `rtl` architecture);
/// `false` reproduces SCALE-Sim, which streams the whole dimension per fold.
pub fn plan(design: &Design, g: &GemmOp, tile_outputs: bool) -> Plan {
    let folds_iter = Folds::new(design, g, tile_outputs);
    let output_stationary = folds_iter.output_stationary();
    let mut traffic = folds_iter.sram_traffic();
    let folds: Vec<Fold> = folds_iter.collect();
    traffic.dram_ifmap_bytes = folds.iter().map(|f| f.dram_a_bytes).sum();
    traffic.dram_filter_bytes = folds.iter().map(|f| f.dram_b_bytes).sum();
    traffic.dram_ofmap_bytes = folds.iter().map(|f| f.dram_out_bytes).sum();
    traffic.set_fills(design.operand.bytes());
    Plan {
        folds,
        traffic,
        output_stationary,
    }
}

impl Traffic {
    /// Sets the SRAM fill counts from the DRAM read bytes (operand words).
    pub fn set_fills(&mut self, op_bytes: u64) {
        self.ifmap_fills = self.dram_ifmap_bytes.div_ceil(op_bytes);
        self.filter_fills = self.dram_filter_bytes.div_ceil(op_bytes);
    }
}

/// Whether a layer's input and output activations (`inputs` and `outputs`
/// elements) stay in the ifmap SRAM between layers (`activations_on_chip`
/// designs such as TPU v1's Unified Buffer), so they never touch DRAM.
pub fn activations_resident(design: &Design, inputs: u64, outputs: u64) -> bool {
    design.activations_on_chip
        && (inputs + outputs) * design.operand.bytes().max(design.output.bytes())
            <= design.ifmap_sram_bytes
}

/// Whether a lowered layer's activations stay on chip
/// ([`activations_resident`] of its GEMM's A and outputs, or its vector
/// work's inputs and outputs), as the engines decide it.
pub fn lowered_resident(design: &Design, lowered: &Lowered) -> bool {
    match lowered {
        Lowered::Gemm(g) => activations_resident(design, g.a_unique, g.m * g.n),
        Lowered::Vector(v) => activations_resident(design, v.inputs, v.outputs),
    }
}

/// The largest sub-batch, at most `batch`, at which every layer of `model`
/// whose activations stay on chip at batch 1 still keeps them there; `None`
/// when the design keeps no activations on chip, or none stay at batch 1.
/// (A batch larger than this spills activations to DRAM; run as sub-batches
/// of this size they stay on chip, which is how a TPU-style accelerator with
/// a Unified Buffer serves a large batch.)
pub fn largest_resident_batch(design: &Design, model: &Model, batch: u64) -> Option<u64> {
    if !design.activations_on_chip || batch == 0 {
        return None;
    }
    let resident_at_one: Vec<_> = model
        .layers()
        .filter(|l| lowered_resident(design, &l.lower(1)))
        .collect();
    if resident_at_one.is_empty() {
        return None;
    }
    let fits = |b: u64| {
        resident_at_one
            .iter()
            .all(|l| lowered_resident(design, &l.lower(b)))
    };
    // Footprints grow with the batch: the last batch that fits, by bisection.
    let (mut lo, mut hi) = (1, batch);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(lo)
}

/// The folds of one GEMM on a design, made one at a time in execution order
/// (the fast engine never stores them; [`plan`] collects them).
///
/// ws (and is, on the transposed problem): a stationary operand `S` of
/// `Sr x Sc` loaded into the PEs, a streamed operand `X` of `T x Sr`, outputs
/// `T x Sc` accumulated over row folds in the ofmap SRAM. Loop order: column
/// tile, then streamed tile, then row tile (innermost).
///
/// os: outputs `Sr x Sc` = `M x N` accumulate in the PEs over `T = K` steps;
/// A streams from the left, B from the top. Loop order: row tile, then
/// column tile.
#[derive(Debug, Clone)]
pub struct Folds {
    g: GemmOp,
    dataflow: Dataflow,
    r: u64,
    c: u64,
    map: Mapping,
    t_tile: u64,
    op_bytes: u64,
    out_bytes: u64,
    /// N:M sparse weights (ws, `b_weights` GEMMs of a sparse design): the
    /// mapping's rows are the compressed K.
    sparse: Option<Sparsity>,
    /// Bits of one stored stationary word: the operand's bytes, plus the
    /// index when sparse.
    s_word_bits: u64,
    /// ws/is: the stationary column panel stays on chip across streamed
    /// tiles; os: A's row panel stays across column tiles.
    keep_s: bool,
    /// ws/is: the whole streamed operand stays on chip across column tiles;
    /// os: B stays whole across row tiles.
    keep_x: bool,
    /// Activations stay on chip (no A or output DRAM traffic).
    resident: bool,
    /// Loop counts, outermost first (os: row tiles, 1, column tiles).
    n: [u64; 3],
    /// Loop cursor.
    i: [u64; 3],
    /// The last A tile priced: (elements, DRAM bytes). Consecutive folds
    /// mostly have the same tile, and the division is costly.
    a_memo: (u64, u64),
}

impl Folds {
    /// The folds of `g` on `design`; `tile_outputs` as for [`plan`].
    pub fn new(design: &Design, g: &GemmOp, tile_outputs: bool) -> Folds {
        let r = u64::from(design.rows);
        let c = u64::from(design.cols);
        let sparse = sparse_weights(design, g);
        let mut map = Mapping::of(g, design.dataflow);
        if let Some(s) = sparse {
            map.sr = s.compressed_k(g.k);
        }
        let Mapping { sr, sc, t } = map;
        let op_bytes = design.operand.bytes();
        let s_word_bits = 8 * op_bytes + sparse.map_or(0, |s| u64::from(s.index_bits()));
        let out_bytes = design.output.bytes();
        let resident = activations_resident(design, g.a_unique, g.m * g.n);
        let (t_tile, keep_s, keep_x, n) = match design.dataflow {
            Dataflow::Os => {
                let keep_a =
                    a_bytes(g, r.min(sr) * t, op_bytes) <= usable(design, design.ifmap_sram_bytes);
                let keep_b = t * sc * op_bytes <= usable(design, design.filter_sram_bytes);
                (t, keep_a, keep_b, [sr.div_ceil(r), 1, sc.div_ceil(c)])
            }
            Dataflow::Ws | Dataflow::Is => {
                let transposed = design.dataflow == Dataflow::Is;
                // ws: S = B (filter SRAM), X = A (ifmap SRAM); is: S = A, X = B.
                let (s_sram, x_sram) = if transposed {
                    (design.ifmap_sram_bytes, design.filter_sram_bytes)
                } else {
                    (design.filter_sram_bytes, design.ifmap_sram_bytes)
                };
                let acc_bytes = design.accumulator.bytes();
                let t_tile = if tile_outputs {
                    (usable(design, design.ofmap_sram_bytes) / (c * acc_bytes)).clamp(1, t.max(1))
                } else {
                    t.max(1)
                };
                let panel_fits =
                    (sr * c.min(sc) * s_word_bits).div_ceil(8) <= usable(design, s_sram);
                // For ws the streamed operand is A, stored as its source
                // tensor (all of K, whatever the weights' compression).
                let x_size = if transposed {
                    t * sr * op_bytes
                } else {
                    a_bytes(g, t * g.k, op_bytes)
                };
                let x_fits = x_size <= usable(design, x_sram);
                (
                    t_tile,
                    panel_fits,
                    x_fits,
                    [sc.div_ceil(c), t.div_ceil(t_tile), sr.div_ceil(r)],
                )
            }
        };
        let n = if n.contains(&0) { [0, 0, 0] } else { n };
        Folds {
            g: *g,
            dataflow: design.dataflow,
            r,
            c,
            map,
            t_tile,
            op_bytes,
            out_bytes,
            sparse,
            s_word_bits,
            keep_s,
            keep_x,
            resident,
            n,
            i: [0, 0, 0],
            a_memo: (u64::MAX, 0),
        }
    }

    /// The GEMM these folds are of.
    pub fn gemm(&self) -> &GemmOp {
        &self.g
    }

    /// Whether this dataflow keeps outputs in the PEs (os) rather than operands.
    pub fn output_stationary(&self) -> bool {
        self.dataflow == Dataflow::Os
    }

    /// SRAM accesses of the whole plan (DRAM fields and fills are zero: they
    /// are sums over the folds).
    pub fn sram_traffic(&self) -> Traffic {
        let Mapping { sr, sc, t } = self.map;
        let (r, c) = (self.r, self.c);
        let mut tr = Traffic::default();
        match self.dataflow {
            Dataflow::Os => {
                tr.ifmap_reads = sr * t * sc.div_ceil(c);
                tr.filter_reads = sc * t * sr.div_ceil(r);
                tr.ofmap_writes = sr * sc;
                tr.ofmap_reads = sr * sc;
            }
            Dataflow::Ws | Dataflow::Is => {
                // Every fold writes its T x cols partial sums; every row fold
                // but the first reads them back, and the last reads the sums
                // once more to drain them.
                let n_row_tiles = sr.div_ceil(r);
                tr.ofmap_writes = n_row_tiles * t * sc;
                tr.ofmap_reads = n_row_tiles * t * sc;
                let s_reads = sr * sc * t.div_ceil(self.t_tile);
                // Sparse: each compressed row takes the M activations of
                // its group, N rows sharing them (sr is a multiple of N).
                let x_reads = t * self.x_span(sr) * sc.div_ceil(c);
                if let Some(s) = self.sparse {
                    tr.filter_index_bits = s_reads * u64::from(s.index_bits());
                }
                if self.dataflow == Dataflow::Is {
                    tr.ifmap_reads = s_reads;
                    tr.filter_reads = x_reads;
                } else {
                    tr.ifmap_reads = x_reads;
                    tr.filter_reads = s_reads;
                }
            }
        }
        tr
    }

    /// Activations (K positions) that `rows` compressed rows of sparse
    /// weights take from the streamed operand: `rows x M / N` (`rows`
    /// itself when dense).
    fn x_span(&self, rows: u64) -> u64 {
        match self.sparse {
            Some(s) => rows / u64::from(s.n) * u64::from(s.m),
            None => rows,
        }
    }

    /// DRAM bytes of an A tile of `elems` elements (memoized [`a_bytes`]).
    fn a_tile(&mut self, elems: u64) -> u64 {
        if self.a_memo.0 != elems {
            self.a_memo = (elems, a_bytes(&self.g, elems, self.op_bytes));
        }
        self.a_memo.1
    }

    /// Loop counts, outermost first (ws/is: column, streamed, row tiles;
    /// os: row tiles, 1, column tiles); all zero when the GEMM is empty.
    pub fn loops(&self) -> [u64; 3] {
        self.n
    }

    /// Whether the first tile of loop `level` brings in DRAM data that its
    /// later tiles reuse (so its folds differ from a middle tile's). When
    /// false, the first tile's folds equal a middle tile's.
    pub fn first_tile_loads(&self, level: usize) -> bool {
        match (self.dataflow, level) {
            // ws/is: the streamed operand is kept across column tiles, the
            // stationary panel across streamed tiles; row tiles reuse nothing.
            (Dataflow::Ws | Dataflow::Is, 0) | (Dataflow::Os, 0) => self.keep_x,
            (Dataflow::Ws | Dataflow::Is, 1) | (Dataflow::Os, 2) => self.keep_s,
            _ => false,
        }
    }

    /// The fold whose tile sits at `edges` of the three loops (outermost
    /// first); its position fields (`row0`, `col0`, `t0`) are zero. Every
    /// fold of the plan equals, but for its position, the fold at its
    /// tiles' edges: sizes and DRAM bytes depend only on whether a tile is
    /// the first or the last of its loop.
    pub fn fold_at(&mut self, edges: [TileEdge; 3]) -> Fold {
        let (r, c, ob) = (self.r, self.c, self.op_bytes);
        let Mapping { sr, sc, t } = self.map;
        let size = |total: u64, tile: u64, n: u64, e: TileEdge| {
            if e.last {
                total - (n - 1) * tile
            } else {
                tile
            }
        };
        let mut f = match self.dataflow {
            Dataflow::Os => {
                let (re, ce) = (edges[0], edges[2]);
                let rows = size(sr, r, self.n[0], re);
                let cols = size(sc, c, self.n[2], ce);
                Fold {
                    t,
                    rows,
                    cols,
                    row0: 0,
                    col0: 0,
                    t0: 0,
                    dram_a_bytes: if ce.first || !self.keep_s {
                        self.a_tile(rows * t)
                    } else {
                        0
                    },
                    dram_b_bytes: if re.first || !self.keep_x {
                        t * cols * ob
                    } else {
                        0
                    },
                    dram_out_bytes: rows * cols * self.out_bytes,
                }
            }
            Dataflow::Ws | Dataflow::Is => {
                let transposed = self.dataflow == Dataflow::Is;
                let (ce, te, re) = (edges[0], edges[1], edges[2]);
                let cols = size(sc, c, self.n[0], ce);
                let tt = size(t, self.t_tile, self.n[1], te);
                let rows = size(sr, r, self.n[2], re);
                let s_new = if te.first || !self.keep_s {
                    if transposed {
                        self.a_tile(rows * cols)
                    } else {
                        (rows * cols * self.s_word_bits).div_ceil(8)
                    }
                } else {
                    0
                };
                // The K positions of A this row tile covers: a sparse last
                // tile's padded group stops at K.
                let span = if self.sparse.is_some() && re.last {
                    self.g.k - (self.n[2] - 1) * self.x_span(r)
                } else {
                    self.x_span(rows)
                };
                let x_new = if ce.first || !self.keep_x {
                    if transposed {
                        tt * rows * ob
                    } else {
                        self.a_tile(tt * span)
                    }
                } else {
                    0
                };
                let (a_new, b_new) = if transposed {
                    (s_new, x_new)
                } else {
                    (x_new, s_new)
                };
                Fold {
                    t: tt,
                    rows,
                    cols,
                    row0: 0,
                    col0: 0,
                    t0: 0,
                    dram_a_bytes: a_new,
                    dram_b_bytes: b_new,
                    dram_out_bytes: if re.last {
                        tt * cols * self.out_bytes
                    } else {
                        0
                    },
                }
            }
        };
        if self.resident {
            f.dram_a_bytes = 0;
            f.dram_out_bytes = 0;
        }
        f
    }

    fn at_cursor(&mut self) -> Fold {
        let edges = [0, 1, 2].map(|l| TileEdge {
            first: self.i[l] == 0,
            last: self.i[l] + 1 == self.n[l],
        });
        let mut f = self.fold_at(edges);
        let [i0, i1, i2] = self.i;
        match self.dataflow {
            Dataflow::Os => {
                f.row0 = i0 * self.r;
                f.col0 = i2 * self.c;
            }
            Dataflow::Ws | Dataflow::Is => {
                f.col0 = i0 * self.c;
                f.t0 = i1 * self.t_tile;
                f.row0 = i2 * self.r;
            }
        }
        f
    }
}

/// Where a tile sits in its loop: the first, the last, both (a loop of one
/// tile) or neither (a middle tile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileEdge {
    /// The loop's first tile.
    pub first: bool,
    /// The loop's last tile (the only one that may be short).
    pub last: bool,
}

impl Iterator for Folds {
    type Item = Fold;

    fn next(&mut self) -> Option<Fold> {
        if self.i[0] >= self.n[0] {
            return None;
        }
        let f = self.at_cursor();
        self.i[2] += 1;
        if self.i[2] == self.n[2] {
            self.i[2] = 0;
            self.i[1] += 1;
            if self.i[1] == self.n[1] {
                self.i[1] = 0;
                self.i[0] += 1;
            }
        }
        Some(f)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let [n0, n1, n2] = self.n;
        let [i0, i1, i2] = self.i;
        let left = (n0 * n1 * n2).saturating_sub((i0 * n1 + i1) * n2 + i2) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Folds {}

/// SRAM counts exactly as SCALE-Sim 3.0.0 reports them (see docs/VALIDATION.md):
/// every fold occupies the whole array for the full `T`.
pub fn scalesim_sram_counts(design: &Design, g: &GemmOp) -> Traffic {
    let r = u64::from(design.rows);
    let c = u64::from(design.cols);
    let Mapping { sr, sc, t } = Mapping::of(g, design.dataflow);
    let (row_folds, col_folds) = (sr.div_ceil(r), sc.div_ceil(c));
    let mut tr = Traffic::default();
    match design.dataflow {
        Dataflow::Os => {
            tr.ifmap_reads = col_folds * sr * t;
            tr.filter_reads = row_folds * t * sc;
            tr.ofmap_writes = sr * sc;
        }
        Dataflow::Ws => {
            tr.ifmap_reads = col_folds * t * sr;
            tr.filter_reads = sr * sc;
            tr.ofmap_writes = row_folds * t * sc;
        }
        Dataflow::Is => {
            tr.ifmap_reads = sr * sc;
            tr.filter_reads = col_folds * t * sr;
            tr.ofmap_writes = row_folds * t * sc;
        }
    }
    tr
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::preset;
    use crate::workload::zoo;

    /// resnet50 on tpu-v1-like: the 24 MiB Unified Buffer holds the largest
    /// layer's activations (layer1's residual adds, 2,408,448 bytes per
    /// image) for 10 images, not 11; a design without on-chip activations
    /// has no such batch.
    #[test]
    fn the_largest_resident_batch_is_the_last_that_keeps_every_layer_on_chip() {
        let tpu = preset("tpu-v1-like").unwrap();
        let model = zoo::model("resnet50").unwrap();
        assert_eq!(largest_resident_batch(&tpu, &model, 64), Some(10));
        assert_eq!(largest_resident_batch(&tpu, &model, 8), Some(8));
        assert_eq!(largest_resident_batch(&tpu, &model, 1), Some(1));
        let spills = |b: u64| {
            model.layers().any(|l| {
                lowered_resident(&tpu, &l.lower(1)) && !lowered_resident(&tpu, &l.lower(b))
            })
        };
        assert!(!spills(10) && spills(11));
        let edge = preset("edge-8x8").unwrap();
        assert_eq!(largest_resident_batch(&edge, &model, 64), None);
    }
}
