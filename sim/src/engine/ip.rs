//! The generated accelerator IP (DMA + sequencer around the core), cycle by
//! cycle as docs/TIMING.md, "The IP: DMA, sequencer and AXI", specifies: the
//! GEMM is cut into core GEMMs that fit the buffers, the DMA loads and
//! writes their tiles one job at a time over one memory, and the core runs
//! each core GEMM with the `rtl` schedule. Tile registers: docs/IP.md.

use super::plan;
use super::timing::{self, TimingMode};
use crate::design::{Dataflow, Design, Operand};
use crate::workload::GemmOp;

/// `DW`, the AXI data width in bytes: the largest power of two that is at
/// most `design.dram_bandwidth` (at least 1, at most 64) and divides the
/// bytes of a full line of every buffer (`R * ob`, `C * ob`, `C * cb`).
pub fn data_bytes(design: &Design) -> u64 {
    let ob = design.operand.bytes();
    let cb = design.accumulator.bytes();
    let (r, c) = (u64::from(design.rows), u64::from(design.cols));
    let lines = [r * ob, c * ob, c * cb];
    let mut dw = 64u64;
    while dw > 1 && (dw as f64 > design.dram_bandwidth || lines.iter().any(|l| l % dw != 0)) {
        dw /= 2;
    }
    dw
}

/// `L`, the memory's latency in cycles: the design's `dram_latency`, at least 1.
pub fn latency(design: &Design) -> u64 {
    u64::from(design.dram_latency.max(1))
}

/// The tile registers of docs/IP.md: each core GEMM is at most `t` (time
/// role) x `rf * R` (K) x `cf * C` (columns role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tiles {
    /// `TILE_T`: the time-dimension tile (ws: M, is: N), elements.
    pub t: u64,
    /// `TILE_RF`: row folds per core GEMM (the K tile is `rf * R`).
    pub rf: u64,
    /// `TILE_CF`: column tiles per core GEMM (the columns tile, ws: N,
    /// is: M, is `cf * C`).
    pub cf: u64,
}

/// Lines per bank of the A, B and C buffers (the RTL's `A_DEPTH`, `B_DEPTH`,
/// `C_DEPTH`): SRAM bytes / banks / line bytes, a line holding one word per
/// lane of the operand's layout (`Roles::lanes`), operand words for A and B,
/// accumulator words for C. Equal to hdlgen's `Config::of` depths (0 where
/// hdlgen refuses a buffer smaller than one line).
pub fn depths(design: &Design) -> [u64; 3] {
    let banks = if design.double_buffered { 2 } else { 1 };
    let bytes = [
        design.ifmap_sram_bytes,
        design.filter_sram_bytes,
        design.ofmap_sram_bytes,
    ];
    Operand::ALL.map(|op| bytes[op as usize] / banks / line_bytes(design, op))
}

/// Bytes of one line of `op`'s buffer: one word per lane of the operand's
/// layout (`Roles::lanes`), operand words for A and B, accumulator words for C.
pub fn line_bytes(design: &Design, op: Operand) -> u64 {
    let lanes = design.dataflow.roles().lanes(op, design.rows, design.cols);
    u64::from(lanes) * word_bytes(design, op)
}

/// Bytes of one element of `op` in DRAM and in its buffer.
fn word_bytes(design: &Design, op: Operand) -> u64 {
    if op == Operand::C {
        design.accumulator.bytes()
    } else {
        design.operand.bytes()
    }
}

/// (stationary, streamed) operands of a stationary-operand dataflow, `None`
/// for os (nothing stationary: A and B both stream).
fn operands(design: &Design) -> Option<(Operand, Operand)> {
    match design.dataflow {
        Dataflow::Ws => Some((Operand::B, Operand::A)),
        Dataflow::Is => Some((Operand::A, Operand::B)),
        Dataflow::Os => None,
    }
}

/// `(S, X, O)`: lines per bank of the stationary, streamed and C buffers.
fn buffer_lines(design: &Design) -> Option<(u64, u64, u64)> {
    let (s, x) = operands(design)?;
    let d = depths(design);
    Some((d[s as usize], d[x as usize], d[Operand::C as usize]))
}

/// Whether `tiles` fit the buffers (docs/IP.md): every tile nonzero and,
/// for ws and is, `cf * rf * R <= S`, `rf * t <= X`, `cf * t <= O`; for os
/// (time = K, rows = M, columns = N), `rf * t <= A`, `cf * t <= B`,
/// `cf * rf * R <= O`.
pub fn fits(design: &Design, tiles: Tiles) -> bool {
    let Tiles { t, rf, cf } = tiles;
    let r = u64::from(design.rows);
    let le = |a: Option<u64>, b: u64| a.is_some_and(|a| a <= b);
    let nonzero = t > 0 && rf > 0 && cf > 0;
    let crr = cf.checked_mul(rf).and_then(|x| x.checked_mul(r));
    match buffer_lines(design) {
        Some((s, x, o)) => {
            nonzero && le(crr, s) && le(rf.checked_mul(t), x) && le(cf.checked_mul(t), o)
        }
        None => {
            let [a, b, o] = depths(design);
            nonzero && le(rf.checked_mul(t), a) && le(cf.checked_mul(t), b) && le(crr, o)
        }
    }
}

/// The driver's tile rule (docs/IP.md, `systolic_default_tiles`). ws and
/// is: `cf = 1`, `t = min(O, X, T)`, `rf = max(1, min(S / R, X / t,
/// ceil(K / R)))` with `T` = M (ws) or N (is). os: `cf = 1`,
/// `t = min(A, B, K)`, `rf = max(1, min(A / t, O / R, ceil(M / R)))`.
/// `None` for a size of 0, and when no tile fits (the stationary buffer,
/// or for os the C buffer, holds fewer than `R` lines, or another holds none).
pub fn default_tiles(design: &Design, m: u64, k: u64, n: u64) -> Option<Tiles> {
    let r = u64::from(design.rows);
    if m == 0 || k == 0 || n == 0 {
        return None;
    }
    let tiles = match buffer_lines(design) {
        Some((s, x, o)) => {
            if s < r {
                return None;
            }
            let time = design.dataflow.roles().time.of((m, k, n));
            let t = o.min(x).min(time);
            if t == 0 {
                return None;
            }
            let rf = (s / r).min(x / t).min(k.div_ceil(r)).max(1);
            Tiles { t, rf, cf: 1 }
        }
        None => {
            let [a, b, o] = depths(design);
            let t = a.min(b).min(k);
            if t == 0 || o < r {
                return None;
            }
            let rf = (a / t).min(o / r).min(m.div_ceil(r)).max(1);
            Tiles { t, rf, cf: 1 }
        }
    };
    fits(design, tiles).then_some(tiles)
}

/// One core GEMM: the tile of the GEMM that the core runs as a GEMM of its
/// own (`m x k x n` from `(m0, k0, n0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoreGemm {
    /// First row of A and C.
    pub m0: u64,
    /// First index of the reduction dimension.
    pub k0: u64,
    /// First column of B and C.
    pub n0: u64,
    /// Rows of the tile of A and C.
    pub m: u64,
    /// Reduction length.
    pub k: u64,
    /// Columns of the tile of B and C.
    pub n: u64,
    /// It adds to its C tile (not the first row tile of it).
    pub accumulate: bool,
    /// The last row tile of its C tile: a write-back follows.
    pub last: bool,
    /// Index of its C tile, in the order the C tiles are written back.
    pub c_tile: u64,
}

impl CoreGemm {
    /// `(time, rows, cols)` extents in the dataflow's roles (ws: M, K, N;
    /// is: N, K, M).
    fn extents(&self, dataflow: Dataflow) -> (u64, u64, u64) {
        let roles = dataflow.roles();
        let g = (self.m, self.k, self.n);
        (roles.time.of(g), roles.rows.of(g), roles.cols.of(g))
    }
}

/// The core GEMMs of an `m x k x n` GEMM cut by `tiles`, in the IP's order.
/// ws and is: column tile (`cf * C` over the columns role) outermost, then
/// time tile (`t`), then row tile (`rf * R` over K) innermost, accumulating.
/// os: row tile (`rf * R` over M) outermost, then column tile (`cf * C` over
/// N), then time tile (`t` over K) innermost, accumulating. Last tiles are
/// ragged. Panics if a tile is 0.
pub fn core_gemms(
    design: &Design,
    m: u64,
    k: u64,
    n: u64,
    tiles: Tiles,
) -> impl Iterator<Item = CoreGemm> + Clone {
    assert!(
        tiles.t > 0 && tiles.rf > 0 && tiles.cf > 0,
        "tiles must be nonzero: {tiles:?}"
    );
    let dataflow = design.dataflow;
    let roles = dataflow.roles();
    let g = (m, k, n);
    let (time, rows, cols) = (roles.time.of(g), roles.rows.of(g), roles.cols.of(g));
    let tt = tiles.t;
    let tr = tiles.rf * u64::from(design.rows);
    let tc = tiles.cf * u64::from(design.cols);
    let (nc, nt, nr) = (cols.div_ceil(tc), time.div_ceil(tt), rows.div_ceil(tr));
    (0..nc * nt * nr).map(move |i| {
        // Tile indices, and the accumulating (innermost) loop's index and count.
        let (ri, ti, ci, acc_i, acc_n, c_tile) = if dataflow == Dataflow::Os {
            let (ti, c_tile) = (i % nt, i / nt);
            let (ci, ri) = (c_tile % nc, c_tile / nc);
            (ri, ti, ci, ti, nt, c_tile)
        } else {
            let (ri, c_tile) = (i % nr, i / nr);
            let (ti, ci) = (c_tile % nt, c_tile / nt);
            (ri, ti, ci, ri, nr, c_tile)
        };
        let (t0, r0, c0) = (ti * tt, ri * tr, ci * tc);
        let (t_len, r_len, c_len) = (tt.min(time - t0), tr.min(rows - r0), tc.min(cols - c0));
        let (mut mm, mut kk, mut nn) = ((0, 0), (0, 0), (0, 0));
        for (dim, v) in [
            (roles.time, (t0, t_len)),
            (roles.rows, (r0, r_len)),
            (roles.cols, (c0, c_len)),
        ] {
            match dim {
                crate::design::Dim::M => mm = v,
                crate::design::Dim::K => kk = v,
                crate::design::Dim::N => nn = v,
            }
        }
        CoreGemm {
            m0: mm.0,
            k0: kk.0,
            n0: nn.0,
            m: mm.1,
            k: kk.1,
            n: nn.1,
            accumulate: acc_i > 0,
            last: acc_i + 1 == acc_n,
            c_tile,
        }
    })
}

/// Beats of one line position across the lane tiles of an `extent`-long
/// dimension split into `lanes`-wide segments of `eb`-byte elements: the
/// full lane tiles, then the ragged one, each `ceil(len * eb / dw)`.
fn segment_beats(extent: u64, lanes: u64, eb: u64, dw: u64) -> u64 {
    let (full, rest) = (extent / lanes, extent % lanes);
    full * (lanes * eb).div_ceil(dw) + (rest * eb).div_ceil(dw)
}

/// Beats of `g`'s stationary tile (the first part of `L_i`): per lane tile
/// of `C` lanes over the columns role, one line per K index, each a segment
/// of `ceil(len * ob / dw)` beats.
pub fn stationary_beats(design: &Design, g: &CoreGemm, dw: u64) -> u64 {
    let (_, rows, cols) = g.extents(design.dataflow);
    rows * segment_beats(cols, u64::from(design.cols), design.operand.bytes(), dw)
}

/// Beats of `g`'s streamed tile (the second part of `L_i`): per lane tile
/// of `R` lanes over K, one line per time index, each a segment of
/// `ceil(len * ob / dw)` beats.
pub fn streamed_beats(design: &Design, g: &CoreGemm, dw: u64) -> u64 {
    let (time, rows, _) = g.extents(design.dataflow);
    time * segment_beats(rows, u64::from(design.rows), design.operand.bytes(), dw)
}

/// Beats of `L_i`, the load job of `g`. ws and is: its stationary tile,
/// then its streamed tile. os: its tile of A (lines over K, `R` lanes over
/// M), then its tile of B (lines over K, `C` lanes over N).
pub fn load_beats(design: &Design, g: &CoreGemm, dw: u64) -> u64 {
    if design.dataflow == Dataflow::Os {
        let ob = design.operand.bytes();
        return g.k * segment_beats(g.m, u64::from(design.rows), ob, dw)
            + g.k * segment_beats(g.n, u64::from(design.cols), ob, dw);
    }
    stationary_beats(design, g, dw) + streamed_beats(design, g, dw)
}

/// Beats of `W_i`, the write-back of `g`'s C tile (meaningful when `g.last`):
/// per lane tile of `C` lanes over the columns role (N for ws and os, M for
/// is), one line per index of C's other dimension, each a segment of
/// `ceil(len * cb / dw)` beats.
pub fn write_beats(design: &Design, g: &CoreGemm, dw: u64) -> u64 {
    let cb = design.accumulator.bytes();
    let (lines, cols) = match design.dataflow {
        Dataflow::Is => (g.n, g.m),
        _ => (g.m, g.n),
    };
    lines * segment_beats(cols, u64::from(design.cols), cb, dw)
}

/// What one GEMM costs on the IP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IpRun {
    /// Cycles `busy` is high (`F + 1`).
    pub cycles: u64,
    /// Cycles in which the array does not run: `cycles - compute_cycles`.
    pub stall_cycles: u64,
    /// Sum of the core GEMMs' cycles `c_i`.
    pub compute_cycles: u64,
    /// Bytes read over AXI (read beats x `DW`).
    pub read_bytes: u64,
    /// Bytes written over AXI (write beats x `DW`).
    pub write_bytes: u64,
    /// Core GEMMs run.
    pub core_gemms: u64,
}

/// The DMA and the memory behind it (docs/TIMING.md, "DMA jobs").
struct Dma {
    /// `L`.
    latency: u64,
    /// First cycle in which the DMA is idle.
    idle: u64,
    /// When the memory has served every request so far.
    free: u64,
    /// The last job's `z`.
    last_z: u64,
    /// The last write response's cycle.
    last_response: u64,
    read_beats: u64,
    write_beats: u64,
}

impl Dma {
    /// A read job of `beats` whose trigger holds from `trigger`: returns its
    /// `z`, the cycle of its last beat.
    fn read(&mut self, trigger: u64, beats: u64) -> u64 {
        let x = self.idle.max(trigger);
        let s = (x + 1).max(self.free);
        let z = s + self.latency + beats - 1;
        self.free = s + beats;
        self.finish(z);
        self.read_beats += beats;
        z
    }

    /// A write-back slot that holds no job (its core GEMM is not the last
    /// row tile of its C tile): passed in one cycle.
    fn skip(&mut self, trigger: u64) {
        let x = self.idle.max(trigger);
        self.idle = x + 1;
    }

    /// The write-back slot of a core GEMM that ended at `end`: a write job of
    /// `beats` (`Some`) or nothing (`None`); its trigger holds from `end + 1`.
    fn slot(&mut self, end: u64, beats: Option<u64>) {
        match beats {
            Some(b) => self.write(end + 1, b),
            None => self.skip(end + 1),
        }
    }

    /// A write job of `beats` whose trigger holds from `trigger`.
    fn write(&mut self, trigger: u64, beats: u64) {
        let x = self.idle.max(trigger);
        let s = (x + 3).max(self.free);
        let z = s + beats - 1;
        self.free = s + beats;
        self.finish(z);
        self.last_response = z + self.latency;
        self.write_beats += beats;
    }

    fn finish(&mut self, z: u64) {
        self.idle = z + 1;
        self.last_z = z;
    }
}

/// The IP's schedule of an `m x k x n` GEMM cut by `tiles` (docs/TIMING.md,
/// "The IP"), with `core_cycles(g)` the cycles `c_i` of core GEMM `g`. Jobs
/// run in the fixed order `L_0, L_1, [W_0], L_2, ...` (double-buffered) or
/// `L_0, [W_0], L_1, ...` (single); a core GEMM's start `go_i` is computed
/// as soon as its load's `z` is known (every later trigger needs only
/// earlier starts and ends). Panics if a tile or a size is 0, or the design
/// is os.
pub fn schedule(
    design: &Design,
    m: u64,
    k: u64,
    n: u64,
    tiles: Tiles,
    mut core_cycles: impl FnMut(&CoreGemm) -> u64,
) -> IpRun {
    assert!(m > 0 && k > 0 && n > 0, "the IP refuses a size of 0");
    let dw = data_bytes(design);
    let double = design.double_buffered;
    let mut dma = Dma {
        latency: latency(design),
        idle: 0,
        free: 0,
        last_z: 0,
        last_response: 0,
        read_beats: 0,
        write_beats: 0,
    };
    // (go, E) of the previous core GEMM; E_{-1} = 0 makes go_0 = z(L_0) + 2.
    let (mut go, mut end) = (0u64, 0u64);
    // Double-buffered: W_{i-1} (its trigger E_{i-1} and beats) waits for L_i.
    let mut pending: Option<(u64, Option<u64>)> = None;
    let (mut compute, mut count) = (0u64, 0u64);
    for g in core_gemms(design, m, k, n, tiles) {
        let trigger = match (count, double) {
            (0, _) => 0,
            (_, true) => go,
            (_, false) => end + 1,
        };
        let z = dma.read(trigger, load_beats(design, &g, dw));
        go = (z + 1).max(end) + 1;
        let c = core_cycles(&g);
        end = go + c;
        compute += c;
        count += 1;
        let slot = (end, g.last.then(|| write_beats(design, &g, dw)));
        if double {
            if let Some((at, beats)) = pending.take() {
                dma.slot(at, beats);
            }
            pending = Some(slot);
        } else {
            dma.slot(slot.0, slot.1);
        }
    }
    if let Some((at, beats)) = pending {
        dma.slot(at, beats);
    }
    let f = dma.last_response.max(end - 1).max(dma.last_z) + 1;
    let cycles = f + 1;
    IpRun {
        cycles,
        stall_cycles: cycles - compute,
        compute_cycles: compute,
        read_bytes: dma.read_beats * dw,
        write_bytes: dma.write_beats * dw,
        core_gemms: count,
    }
}

/// Cycles of one core GEMM on the core alone: the `rtl` schedule of a plain
/// `g.m x g.k x g.n` GEMM without DRAM (docs/TIMING.md, "Stationary-operand
/// dataflows").
pub fn core_cycles(design: &Design, g: &CoreGemm) -> u64 {
    let op = GemmOp::new(g.m, g.k, g.n);
    timing::cycles(
        design,
        &plan::plan(design, &op, true),
        TimingMode::Rtl,
        false,
        |_, _| {},
    )
}

/// `cycles(g)` memoized per core GEMM shape (a GEMM's core GEMMs have at
/// most 8 shapes: first or ragged last tile in each of three loops).
fn memoized<E>(
    mut cycles: impl FnMut(&CoreGemm) -> Result<u64, E>,
) -> impl FnMut(&CoreGemm) -> Result<u64, E> {
    let mut memo: Vec<((u64, u64, u64), u64)> = Vec::new();
    move |g| {
        let shape = (g.m, g.k, g.n);
        if let Some(&(_, c)) = memo.iter().find(|(s, _)| *s == shape) {
            return Ok(c);
        }
        let c = cycles(g)?;
        memo.push((shape, c));
        Ok(c)
    }
}

/// [`schedule`] with a fallible `core_cycles`: the first error stops it.
pub fn try_schedule<E>(
    design: &Design,
    (m, k, n): (u64, u64, u64),
    tiles: Tiles,
    core_cycles: impl FnMut(&CoreGemm) -> Result<u64, E>,
) -> Result<IpRun, E> {
    let mut cycles = memoized(core_cycles);
    let mut error = None;
    let run = schedule(design, m, k, n, tiles, |g| match cycles(g) {
        Ok(c) => c,
        Err(e) => {
            error.get_or_insert(e);
            0
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(run),
    }
}

/// The IP's run of an `m x k x n` GEMM with the driver's default tiles and
/// the core's `rtl` cycles (memoized per core GEMM shape). `None` when
/// [`default_tiles`] has none (os designs, sizes of 0, buffers too small).
pub fn run(design: &Design, m: u64, k: u64, n: u64) -> Option<IpRun> {
    let tiles = default_tiles(design, m, k, n)?;
    let run = try_schedule::<std::convert::Infallible>(design, (m, k, n), tiles, |g| {
        Ok(core_cycles(design, g))
    });
    run.ok()
}

/// C of `A x B` as the IP computes it, on the pe engine. ws and is add each
/// row fold into the ofmap buffer in the order of the whole GEMM, so C is the
/// whole GEMM's ([`super::pe::run`]). os sums each K tile in the PEs and
/// adds that sum into the C tile ([`super::pe::acc_add`]: with a saturating
/// accumulator the order matters), so C is composed core GEMM by core GEMM.
pub fn pe_values(
    design: &Design,
    a: &[i64],
    b: &[i64],
    (m, k, n): (u64, u64, u64),
    tiles: Tiles,
) -> Result<Vec<i64>, super::pe::PeError> {
    if design.dataflow != Dataflow::Os {
        return Ok(super::pe::run(design, a, b, m, k, n)?.c);
    }
    let (mu, ku, nu) = (m as usize, k as usize, n as usize);
    let mut c = vec![0i64; mu * nu];
    for g in core_gemms(design, m, k, n, tiles) {
        let (m0, k0, n0) = (g.m0 as usize, g.k0 as usize, g.n0 as usize);
        let (gm, gk, gn) = (g.m as usize, g.k as usize, g.n as usize);
        let ta: Vec<i64> = (0..gm)
            .flat_map(|i| {
                a[(m0 + i) * ku + k0..(m0 + i) * ku + k0 + gk]
                    .iter()
                    .copied()
            })
            .collect();
        let tb: Vec<i64> = (0..gk)
            .flat_map(|x| {
                b[(k0 + x) * nu + n0..(k0 + x) * nu + n0 + gn]
                    .iter()
                    .copied()
            })
            .collect();
        let part = super::pe::run(design, &ta, &tb, g.m, g.k, g.n)?.c;
        for i in 0..gm {
            for j in 0..gn {
                let at = (m0 + i) * nu + n0 + j;
                let v = part[i * gn + j];
                c[at] = if g.accumulate {
                    super::pe::acc_add(design, c[at], v)
                } else {
                    v
                };
            }
        }
    }
    Ok(c)
}

/// The IP's run with each core GEMM's cycles from the pe engine (its
/// registers stepped on zero operands of the core GEMM's shape: cycles do
/// not depend on the values), memoized per shape. Values of the whole GEMM
/// come from [`super::pe::run`]: the IP accumulates row folds in the same
/// order, so its C equals the whole GEMM's, saturation included.
pub fn pe_schedule(
    design: &Design,
    dims: (u64, u64, u64),
    tiles: Tiles,
) -> Result<IpRun, super::pe::PeError> {
    try_schedule(design, dims, tiles, |g| {
        let a = vec![0; (g.m * g.k) as usize];
        let b = vec![0; (g.k * g.n) as usize];
        Ok(super::pe::run(design, &a, &b, g.m, g.k, g.n)?.cycles)
    })
}

#[cfg(test)]
mod tests;
