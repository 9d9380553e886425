//! Fold plans: how one GEMM is cut into array folds and memory tiles, with the
//! SRAM accesses and DRAM bytes of each fold. Timing is applied elsewhere.
//!
//! Notation (SCALE-Sim's, used only in this module and `timing`): the array
//! has `R` rows and `C` columns. `Sr` is the GEMM dimension mapped to rows,
//! `Sc` the one mapped to columns, `T` the one streamed in time:
//! os `Sr = M, Sc = N, T = K`; ws `Sr = K, Sc = N, T = M`; is `Sr = K, Sc = M, T = N`.

use crate::design::{Dataflow, Design};
use crate::workload::GemmOp;

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
    ((u128::from(elems) * u128::from(g.a_unique) * u128::from(op_bytes)).div_ceil(u128::from(mk)))
        as u64
}

/// Sizes of the pieces into which `n` splits by `tile` (the last may be short).
pub fn tiles(n: u64, tile: u64) -> impl Iterator<Item = u64> + Clone {
    let count = n.div_ceil(tile);
    (0..count).map(move |i| tile.min(n - i * tile))
}

/// A complete plan: folds in execution order and traffic totals.
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
    let mut p = match design.dataflow {
        Dataflow::Os => plan_os(design, g),
        Dataflow::Ws => plan_stationary(design, g, false, tile_outputs),
        Dataflow::Is => plan_stationary(design, g, true, tile_outputs),
    };
    if activations_resident(design, g.a_unique, g.m * g.n) {
        for f in &mut p.folds {
            f.dram_a_bytes = 0;
            f.dram_out_bytes = 0;
        }
    }
    let op_bytes = design.operand.bytes();
    let tr = &mut p.traffic;
    tr.dram_ifmap_bytes = p.folds.iter().map(|f| f.dram_a_bytes).sum();
    tr.dram_filter_bytes = p.folds.iter().map(|f| f.dram_b_bytes).sum();
    tr.dram_ofmap_bytes = p.folds.iter().map(|f| f.dram_out_bytes).sum();
    tr.ifmap_fills = tr.dram_ifmap_bytes.div_ceil(op_bytes);
    tr.filter_fills = tr.dram_filter_bytes.div_ceil(op_bytes);
    p
}

/// Whether a layer's input and output activations (`inputs` and `outputs`
/// elements) stay in the ifmap SRAM between layers (`activations_on_chip`
/// designs such as TPU v1's Unified Buffer), so they never touch DRAM.
pub fn activations_resident(design: &Design, inputs: u64, outputs: u64) -> bool {
    design.activations_on_chip
        && (inputs + outputs) * design.operand.bytes().max(design.output.bytes())
            <= design.ifmap_sram_bytes
}

/// ws (and is, on the transposed problem): a stationary operand `S` of
/// `Sr x Sc` loaded into the PEs, a streamed operand `X` of `T x Sr`, outputs
/// `T x Sc` accumulated over row folds in the ofmap SRAM.
/// Loop order: column tile, then streamed tile, then row tile (innermost).
fn plan_stationary(design: &Design, g: &GemmOp, transposed: bool, tile_outputs: bool) -> Plan {
    let r = u64::from(design.rows);
    let c = u64::from(design.cols);
    let dataflow = if transposed {
        Dataflow::Is
    } else {
        Dataflow::Ws
    };
    let Mapping { sr, sc, t } = Mapping::of(g, dataflow);
    let op_bytes = design.operand.bytes();
    let acc_bytes = design.accumulator.bytes();
    let out_bytes = design.output.bytes();
    // ws: S = B (filter SRAM), X = A (ifmap SRAM); is: S = A, X = B.
    let (s_sram, x_sram) = if transposed {
        (design.ifmap_sram_bytes, design.filter_sram_bytes)
    } else {
        (design.filter_sram_bytes, design.ifmap_sram_bytes)
    };
    let t_tile = if tile_outputs {
        (usable(design, design.ofmap_sram_bytes) / (c * acc_bytes)).clamp(1, t.max(1))
    } else {
        t.max(1)
    };
    let n_col_tiles = sc.div_ceil(c);
    let n_t_tiles = t.div_ceil(t_tile);
    // The stationary column panel (Sr x C) stays on chip across streamed tiles if it fits.
    let panel_fits = sr * c.min(sc) * op_bytes <= usable(design, s_sram);
    // The whole streamed operand stays on chip across column tiles if it fits
    // (for ws it is A, stored as its source tensor).
    let x_size = if transposed {
        t * sr * op_bytes
    } else {
        a_bytes(g, t * sr, op_bytes)
    };
    let x_fits = x_size <= usable(design, x_sram);

    let mut folds = Vec::with_capacity((n_col_tiles * n_t_tiles * sr.div_ceil(r)) as usize);
    let mut tr = Traffic::default();
    for (ci, cols) in tiles(sc, c).enumerate() {
        for (ti, tt) in tiles(t, t_tile).enumerate() {
            let n_row_tiles = sr.div_ceil(r);
            for (ri, rows) in tiles(sr, r).enumerate() {
                let s_new = if ti == 0 || !panel_fits {
                    if transposed {
                        a_bytes(g, rows * cols, op_bytes)
                    } else {
                        rows * cols * op_bytes
                    }
                } else {
                    0
                };
                let x_new = if ci == 0 || !x_fits {
                    if transposed {
                        tt * rows * op_bytes
                    } else {
                        a_bytes(g, tt * rows, op_bytes)
                    }
                } else {
                    0
                };
                let (a_new, b_new) = if transposed {
                    (s_new, x_new)
                } else {
                    (x_new, s_new)
                };
                let last_row_tile = ri as u64 + 1 == n_row_tiles;
                let out = if last_row_tile {
                    tt * cols * out_bytes
                } else {
                    0
                };
                tr.ofmap_writes += tt * cols;
                if ri > 0 {
                    tr.ofmap_reads += tt * cols;
                }
                if last_row_tile {
                    tr.ofmap_reads += tt * cols;
                }
                folds.push(Fold {
                    t: tt,
                    rows,
                    cols,
                    row0: ri as u64 * r,
                    col0: ci as u64 * c,
                    t0: ti as u64 * t_tile,
                    dram_a_bytes: a_new,
                    dram_b_bytes: b_new,
                    dram_out_bytes: out,
                });
            }
        }
    }
    let s_reads = sr * sc * n_t_tiles;
    let x_reads = t * sr * n_col_tiles;
    if transposed {
        tr.ifmap_reads = s_reads;
        tr.filter_reads = x_reads;
    } else {
        tr.ifmap_reads = x_reads;
        tr.filter_reads = s_reads;
    }
    Plan {
        folds,
        traffic: tr,
        output_stationary: false,
    }
}

/// os: outputs `Sr x Sc` = `M x N` accumulate in the PEs over `T = K` steps;
/// A streams from the left, B from the top. Loop order: row tile, then column tile.
fn plan_os(design: &Design, g: &GemmOp) -> Plan {
    let r = u64::from(design.rows);
    let c = u64::from(design.cols);
    let Mapping { sr, sc, t } = Mapping::of(g, Dataflow::Os);
    let op_bytes = design.operand.bytes();
    let out_bytes = design.output.bytes();
    // A's row panel (R x K) is reused across column tiles if it fits; B whole across row tiles.
    let a_panel_fits =
        a_bytes(g, r.min(sr) * t, op_bytes) <= usable(design, design.ifmap_sram_bytes);
    let b_fits = t * sc * op_bytes <= usable(design, design.filter_sram_bytes);
    let mut folds = Vec::with_capacity((sr.div_ceil(r) * sc.div_ceil(c)) as usize);
    let mut tr = Traffic::default();
    for (ri, rows) in tiles(sr, r).enumerate() {
        for (ci, cols) in tiles(sc, c).enumerate() {
            let a_new = if ci == 0 || !a_panel_fits {
                a_bytes(g, rows * t, op_bytes)
            } else {
                0
            };
            let b_new = if ri == 0 || !b_fits {
                t * cols * op_bytes
            } else {
                0
            };
            let out = rows * cols * out_bytes;
            folds.push(Fold {
                t,
                rows,
                cols,
                row0: ri as u64 * r,
                col0: ci as u64 * c,
                t0: 0,
                dram_a_bytes: a_new,
                dram_b_bytes: b_new,
                dram_out_bytes: out,
            });
        }
    }
    tr.ifmap_reads = sr * t * sc.div_ceil(c);
    tr.filter_reads = sc * t * sr.div_ceil(r);
    tr.ofmap_writes = sr * sc;
    tr.ofmap_reads = sr * sc;
    Plan {
        folds,
        traffic: tr,
        output_stationary: true,
    }
}

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
