"""The bench the cocotb tests drive a systolic IP with: cocotbext-axi's
AxiLiteMaster on the registers (docs/IP.md), its AxiRam as DRAM, the DRAM
layout of docs/TIMING.md ("The IP", "DRAM layout"), a monitor of the AXI
master's handshakes, and the reference C from `systolic gemm`. Any dataflow
the IP reports in HWCFG1 (ws 0, is 1, os 2)."""

import logging
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, with_timeout
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

import cocotb

REG = {
    "ID": 0x00, "HWCFG0": 0x04, "HWCFG1": 0x08, "A_DEPTH": 0x0C, "B_DEPTH": 0x10, "C_DEPTH": 0x14,
    "CTRL": 0x20, "STATUS": 0x24, "ERR_CODE": 0x28, "M": 0x30, "K": 0x34, "N": 0x38,
    "TILE_T": 0x3C, "TILE_RF": 0x40, "TILE_CF": 0x44, "A_ADDR": 0x50, "A_STRIDE": 0x54,
    "B_ADDR": 0x58, "B_STRIDE": 0x5C, "C_ADDR": 0x60, "C_STRIDE": 0x64,
    "CYCLES": 0x80, "STALL": 0x88, "RD_BYTES": 0x90, "WR_BYTES": 0x98,
}
ID_VALUE = 0x53594131
START, IRQ_EN = 1, 2
BUSY, DONE, ERROR = 1, 2, 4
ERR_ZERO, ERR_ALIGN, ERR_FIT, ERR_AXI, ERR_BUSY = 1, 2, 4, 8, 16
WS, IS, OS = 0, 1, 2
DATAFLOWS = {WS: "ws", IS: "is", OS: "os"}
MEM_BYTES = 1 << 22
PERIOD_NS = 10
PAGE = 0x1000


def round_up(x: int, to: int) -> int:
    """`x` rounded up to a multiple of `to`."""
    return -(-x // to) * to


@dataclass(frozen=True)
class Hw:
    """What the IP's read-only registers say about it."""

    rows: int
    cols: int
    opbits: int
    accbits: int
    dataflow: int
    double_buffered: bool
    saturating: bool
    dw: int
    depth_a: int
    depth_b: int
    depth_c: int

    @property
    def ob(self) -> int:
        """Bytes of one operand in DRAM."""
        return -(-self.opbits // 8)

    @property
    def cb(self) -> int:
        """Bytes of one output in DRAM."""
        return -(-self.accbits // 8)

    @property
    def ws(self) -> bool:
        return self.dataflow == WS

    @property
    def os(self) -> bool:
        return self.dataflow == OS

    @property
    def sxo(self) -> tuple[int, int, int]:
        """Lines per bank of the buffers whose tiles span rows x columns (S),
        rows x time (X) and columns x time (O) in the dataflow's roles: ws B,
        A, C; is A, B, C; os C, A, B (docs/IP.md's fit rule in one form)."""
        a, b, c = self.depth_a, self.depth_b, self.depth_c
        return {WS: (b, a, c), IS: (a, b, c), OS: (c, a, b)}[self.dataflow]

    def roles(self, m: int, k: int, n: int) -> tuple[int, int, int]:
        """(time, rows, columns) extents of an m x k x n GEMM: ws (M, K, N),
        is (N, K, M), os (K, M, N)."""
        return {WS: (m, k, n), IS: (n, k, m), OS: (k, m, n)}[self.dataflow]

    def mkn(self, time: int, rows: int, cols: int) -> tuple[int, int, int]:
        """(M, K, N) whose (time, rows, columns) extents are these (`roles`' inverse)."""
        return {WS: (time, rows, cols), IS: (cols, rows, time), OS: (rows, time, cols)}[self.dataflow]

    @property
    def transposed(self) -> tuple[bool, bool, bool]:
        """Whether A, B and C lie transposed in DRAM: ws none, is all three,
        os A (hdlgen::check::ipbench::transposed)."""
        return {WS: (False, False, False), IS: (True, True, True), OS: (True, False, False)}[self.dataflow]

    def operand_range(self) -> tuple[int, int]:
        """The smallest and largest operand."""
        return -(1 << (self.opbits - 1)), (1 << (self.opbits - 1)) - 1


@dataclass(frozen=True)
class Tiles:
    """TILE_T, TILE_RF, TILE_CF."""

    t: int
    rf: int
    cf: int

    @staticmethod
    def default(hw: Hw, m: int, k: int, n: int) -> "Tiles":
        """docs/IP.md's default rule (the driver's systolic_default_tiles):
        TILE_T = min(O, X, time), TILE_RF = max(1, min(S / R, X / TILE_T,
        ceil(rows / R))), TILE_CF = 1 (os: TILE_T = min(B, A, K), TILE_RF =
        max(1, min(C / R, A / TILE_T, ceil(M / R))))."""
        s, x, o = hw.sxo
        time, rows, _ = hw.roles(m, k, n)
        t = max(1, min(o, x, time))
        rf = max(1, min(s // hw.rows, x // t, -(-rows // hw.rows)))
        return Tiles(t, rf, 1)

    def fit(self, hw: Hw) -> bool:
        """docs/IP.md's fit rule: CF * RF * R <= S, RF * T <= X, CF * T <= O
        (os: RF * T <= A, CF * T <= B, CF * RF * R <= C)."""
        s, x, o = hw.sxo
        return self.cf * self.rf * hw.rows <= s and self.rf * self.t <= x and self.cf * self.t <= o

    def core_gemms(self, hw: Hw, m: int, k: int, n: int) -> int:
        """How many core GEMMs the sequencer cuts (m, k, n) into (sim::engine::ip::core_gemms)."""
        time, rows, cols = hw.roles(m, k, n)
        return -(-time // self.t) * -(-rows // (self.rf * hw.rows)) * -(-cols // (self.cf * hw.cols))

    def k_tiles(self, hw: Hw, k: int) -> list[tuple[int, int]]:
        """The [k0, k1) ranges the IP sums on their own and then adds into C:
        os's K (time) tiles; one range for ws and is, whose row tiles over K
        accumulate in the whole GEMM's order."""
        if not hw.os:
            return [(0, k)]
        return [(k0, min(k, k0 + self.t)) for k0 in range(0, k, self.t)]


@dataclass
class Matrix:
    """One matrix in DRAM: `rows` rows of `cols` elements of `eb` bytes, `stride` bytes apart."""

    base: int
    stride: int
    rows: int
    cols: int
    eb: int

    @property
    def row_bytes(self) -> int:
        return self.cols * self.eb

    @property
    def end(self) -> int:
        return self.base + self.rows * self.stride

    def pack(self, x: np.ndarray) -> bytes:
        """`x` (rows x cols) as little-endian two's complement, rows padded to the stride with zeros."""
        b = np.ascontiguousarray(x.astype("<i8")).view(np.uint8).reshape(self.rows, self.cols, 8)[:, :, : self.eb]
        out = np.zeros((self.rows, self.stride), np.uint8)
        out[:, : self.row_bytes] = b.reshape(self.rows, self.row_bytes)
        return out.tobytes()

    def unpack(self, image: bytes) -> np.ndarray:
        """The rows x cols matrix in `image` (bytes from `base`), sign-extended."""
        raw = np.frombuffer(image, np.uint8).reshape(self.rows, self.stride)[:, : self.row_bytes]
        raw = raw.reshape(self.rows, self.cols, self.eb).astype(np.int64)
        v = np.zeros((self.rows, self.cols), np.int64)
        for i in range(self.eb):
            v |= raw[:, :, i] << (8 * i)
        sign = np.int64(1) << (8 * self.eb - 1)
        return (v ^ sign) - sign if self.eb < 8 else v

    def covers(self, addr: int, nbytes: int) -> bool:
        """Whether [addr, addr + nbytes) lies inside one row's bytes rounded up to DW (`stride` at most)."""
        if addr < self.base or addr + nbytes > self.end:
            return False
        off = (addr - self.base) % self.stride
        return off + nbytes <= self.stride

    def payload(self) -> list[tuple[int, int]]:
        """(start, end) byte ranges of each row's elements."""
        return [(self.base + i * self.stride, self.base + i * self.stride + self.row_bytes) for i in range(self.rows)]


@dataclass
class Run:
    """What one run through the IP gave."""

    c: np.ndarray
    status: int
    err: int
    cycles: int
    stall: int
    rd_bytes: int
    wr_bytes: int
    measured: int
    bursts: list
    beats: dict


@dataclass
class Traffic:
    """The AXI master's handshakes, counted by the monitor."""

    bursts: list = field(default_factory=list)
    beats: dict = field(default_factory=lambda: {"r": 0, "w": 0, "b": 0})
    violations: list = field(default_factory=list)


def _fields(ch: str, p: tuple) -> str:
    """A channel's payload `p` in words."""
    if ch == "W":
        return f"data {p[0]}, strobes {p[1]}, last {p[2]}"
    return f"address {p[0]:#x}, {p[1] + 1} beats, size {p[2]}, burst {p[3]}"


def systolic_gemm(hw: Hw, a: np.ndarray, b: np.ndarray, tag: str) -> np.ndarray:
    """C = A x B from `systolic gemm` (the pe engine) on the same operands."""
    work = Path(os.environ["SYSTOLIC_WORK"])
    dtype = np.int8 if hw.opbits <= 8 else np.int16
    fa, fb, fc = (work / f"{tag}-{x}.npy" for x in "abc")
    np.save(fa, a.astype(dtype))
    np.save(fb, b.astype(dtype))
    cmd = [os.environ["SYSTOLIC_BIN"], "gemm", "--design", os.environ["SYSTOLIC_DESIGN"],
           "--a", str(fa), "--b", str(fb), "--out", str(fc)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stderr}"
    return np.load(fc).astype(np.int64)


def reference(hw: Hw, a: np.ndarray, b: np.ndarray, tag: str, tiles: Tiles) -> np.ndarray:
    """C as the IP computes it with `tiles`, from `systolic gemm`. ws and is
    add K's row tiles in the whole GEMM's order, so C is one `systolic gemm`.
    os sums each K tile on its own and adds it into C with the accumulator's
    arithmetic (sim::engine::ip::pe_values): wrapping makes that the whole
    GEMM's C, so one `systolic gemm` again; with saturation each K tile's
    sum saturates on its own, so C is one `systolic gemm` per K tile, added
    here with saturating adds."""
    ranges = tiles.k_tiles(hw, a.shape[1])
    if not hw.saturating or len(ranges) == 1:
        return systolic_gemm(hw, a, b, tag)
    lo, hi = -(1 << (hw.accbits - 1)), (1 << (hw.accbits - 1)) - 1
    c = None
    for i, (k0, k1) in enumerate(ranges):
        part = systolic_gemm(hw, a[:, k0:k1], b[k0:k1, :], f"{tag}-k{i}")
        c = part if c is None else np.clip(c + part, lo, hi)
    whole = systolic_gemm(hw, a, b, tag)
    logging.getLogger("cocotb.systolic").info(
        "%s: reference composed of %d K tiles with saturating adds; %d of %d elements differ from the "
        "unsplit GEMM's", tag, len(ranges), int(np.count_nonzero(c != whole)), c.size)
    return c


class Bench:
    """The IP under cocotb: clock, reset, register master, DRAM, monitor."""

    def __init__(self, dut):
        self.dut = dut
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
        self.ram = AxiRam(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst, size=MEM_BYTES)
        for log in (self.axil.write_if.log, self.axil.read_if.log, self.ram.write_if.log, self.ram.read_if.log):
            log.setLevel(logging.WARNING)
        self.log = logging.getLogger("cocotb.systolic")
        self.log.setLevel(logging.INFO)
        self.cycle = 0
        self.traffic = Traffic()
        self.start_cycle = None
        self.irq_cycle = None
        self.hw: Hw | None = None

    async def reset(self) -> Hw:
        """Starts the clock, resets the IP and the monitor; reads the hardware registers."""
        Clock(self.dut.clk, PERIOD_NS, unit="ns").start()
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 5)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)
        cocotb.start_soon(self._monitor())
        self.hw = await self.probe()
        return self.hw

    async def _monitor(self) -> None:
        """Each rising edge: the AXI master's handshakes (bursts, beats, write
        responses), AXI4's rule that VALID stays high with its payload unchanged
        until READY (AR, AW, W), the START handshake and the first high `irq`."""
        d = self.dut
        held = {"AR": None, "AW": None, "W": None}
        while True:
            await RisingEdge(d.clk)
            self.cycle += 1
            t = self.traffic
            ar = (d.m_axi_arvalid.value, d.m_axi_arready.value)
            aw = (d.m_axi_awvalid.value, d.m_axi_awready.value)
            w = (d.m_axi_wvalid.value, d.m_axi_wready.value)
            if ar[0] or held["AR"]:
                self._held(held, "AR", ar, lambda: tuple(self._known(getattr(d, f"m_axi_ar{x}"))
                                                         for x in ("addr", "len", "size", "burst")))
            if aw[0] or held["AW"]:
                self._held(held, "AW", aw, lambda: tuple(self._known(getattr(d, f"m_axi_aw{x}"))
                                                         for x in ("addr", "len", "size", "burst")))
            if w[0] or held["W"]:
                self._held(held, "W", w, lambda: (str(d.m_axi_wdata.value), str(d.m_axi_wstrb.value),
                                                  int(d.m_axi_wlast.value)))
            if ar[0] and ar[1]:
                t.bursts.append(("r", *held["AR_now"]))
            if aw[0] and aw[1]:
                t.bursts.append(("w", *held["AW_now"]))
            if d.m_axi_rvalid.value and d.m_axi_rready.value:
                t.beats["r"] += 1
            if w[0] and w[1]:
                t.beats["w"] += 1
            if d.m_axi_bvalid.value and d.m_axi_bready.value:
                t.beats["b"] += 1
            if (d.s_axi_awvalid.value and d.s_axi_awready.value and int(d.s_axi_awaddr.value) == REG["CTRL"]
                    and int(d.s_axi_wdata.value) & START):
                self.start_cycle = self.cycle
            if self.irq_cycle is None and d.irq.value:
                self.irq_cycle = self.cycle

    def _known(self, sig) -> int:
        """`sig`'s value, which must have no X or Z bits (its channel's VALID is high)."""
        v = sig.value
        if not v.is_resolvable:
            raise AssertionError(f"cycle {self.cycle - (self.start_cycle or 0)} after START: "
                                 f"{sig._name} = {v} (X or Z bits) while its VALID is high")
        return int(v)

    def _held(self, held: dict, ch: str, vr, payload) -> None:
        """AXI4 A3.2.1 on channel `ch` this cycle: (valid, ready) `vr`, `payload()` its fields."""
        before = held[ch]
        when = f"cycle {self.cycle - (self.start_cycle or 0)} after START"
        if not vr[0]:
            self.traffic.violations.append(f"{when}: {ch}VALID fell without {ch}READY ({_fields(ch, before)} not taken)")
            held[ch] = None
            return
        now = held[f"{ch}_now"] = payload()
        if before is not None and now != before:
            self.traffic.violations.append(f"{when}: {ch} changed from {_fields(ch, before)} to {_fields(ch, now)} before {ch}READY")
        held[ch] = None if vr[1] else now

    async def read(self, name: str) -> int:
        """Register `name` (REG) over AXI4-Lite."""
        return await self.axil.read_dword(REG[name])

    async def write(self, name: str, value: int) -> None:
        """Writes register `name` (REG) over AXI4-Lite."""
        await self.axil.write_dword(REG[name], value)

    async def read48(self, name: str) -> int:
        """A 48-bit counter: `name` (LO), then HI."""
        lo = await self.axil.read_dword(REG[name])
        hi = await self.axil.read_dword(REG[name] + 4)
        return lo | (hi << 32)

    async def probe(self) -> Hw:
        """The IP's read-only registers; ID must be "SYA1"."""
        ident = await self.read("ID")
        assert ident == ID_VALUE, f"ID reads {ident:#010x}, not {ID_VALUE:#010x}"
        h0, h1 = await self.read("HWCFG0"), await self.read("HWCFG1")
        assert (h1 >> 16) & 3 in DATAFLOWS, f"HWCFG1 {h1:#x}: dataflow field 3 is none of ws (0), is (1), os (2)"
        return Hw(
            rows=h0 & 0xFFFF, cols=h0 >> 16, opbits=h1 & 0xFF, accbits=(h1 >> 8) & 0xFF,
            dataflow=(h1 >> 16) & 3, double_buffered=bool(h1 >> 18 & 1), saturating=bool(h1 >> 19 & 1),
            dw=1 << ((h1 >> 20) & 0xF), depth_a=await self.read("A_DEPTH"),
            depth_b=await self.read("B_DEPTH"), depth_c=await self.read("C_DEPTH"),
        )

    def layout(self, m: int, k: int, n: int, pads=(0, 0, 0), page_offset: int | None = None) -> tuple[Matrix, Matrix, Matrix]:
        """A, B and C (ws), Aᵀ, Bᵀ and Cᵀ (is) or Aᵀ, B and C (os) in DRAM:
        strides of the row's bytes rounded up to DW plus `pads` DW-words, each
        matrix starting `page_offset` bytes before a 4 KB boundary (default:
        3 DW) so that rows straddle pages."""
        hw = self.hw
        shapes = [(c, r) if t else (r, c) for (r, c), t in zip(((m, k), (k, n), (m, n)), hw.transposed)]
        ebs = (hw.ob, hw.ob, hw.cb)
        off = 3 * hw.dw if page_offset is None else page_offset
        mats, cursor = [], PAGE
        for (rows, cols), eb, pad in zip(shapes, ebs, pads):
            base = round_up(cursor, PAGE) + PAGE - off
            stride = round_up(cols * eb, hw.dw) + pad * hw.dw
            mats.append(Matrix(base, stride, rows, cols, eb))
            cursor = mats[-1].end + 1
        assert mats[-1].end + PAGE <= MEM_BYTES, f"{m}x{k}x{n} needs more than the bench's {MEM_BYTES} bytes of DRAM"
        return tuple(mats)

    async def program(self, m, k, n, tiles: Tiles, mats) -> None:
        """Writes the sizes, tiles, addresses and strides (not CTRL)."""
        ma, mb, mc = mats
        for name, v in (("M", m), ("K", k), ("N", n), ("TILE_T", tiles.t), ("TILE_RF", tiles.rf),
                        ("TILE_CF", tiles.cf), ("A_ADDR", ma.base), ("A_STRIDE", ma.stride),
                        ("B_ADDR", mb.base), ("B_STRIDE", mb.stride), ("C_ADDR", mc.base),
                        ("C_STRIDE", mc.stride)):
            await self.write(name, v)

    async def gemm(self, a: np.ndarray, b: np.ndarray, tiles: Tiles | None = None, pads=(0, 0, 0),
                   page_offset: int | None = None, during=None) -> Run:
        """Runs C = A x B through the IP: DRAM filled with random bytes, A and
        B written in the IP's layout, the registers programmed, START with
        IRQ_EN, `irq` awaited; then STATUS, ERR_CODE, the counters and C.
        `during(bench)`, if given, is awaited right after START."""
        hw = self.hw
        (m, k), n = a.shape, b.shape[1]
        tiles = tiles or Tiles.default(hw, m, k, n)
        ma, mb, mc = self.layout(m, k, n, pads, page_offset)
        rng = np.random.default_rng(m * 1_000_003 + k * 1009 + n)
        end = mc.end + PAGE
        before = bytearray(rng.integers(0, 256, end, dtype=np.uint8).tobytes())
        ta, tb, tc = hw.transposed
        for mat, x in ((ma, a.T if ta else a), (mb, b.T if tb else b)):
            before[mat.base:mat.end] = mat.pack(x)
        self.ram.write(0, bytes(before))

        await self.write("STATUS", DONE | ERROR)
        await self.program(m, k, n, tiles, (ma, mb, mc))
        assert not self.dut.irq.value, "irq is high before START with DONE and ERROR cleared"
        self.traffic = Traffic()
        self.start_cycle = self.irq_cycle = None
        await self.write("CTRL", START | IRQ_EN)
        if during is not None:
            await during(self)
        if self.irq_cycle is None:
            limit = self.cycle_limit(m, k, n, tiles)
            await with_timeout(RisingEdge(self.dut.irq), limit * PERIOD_NS, "ns")
        await ClockCycles(self.dut.clk, 2)
        status, err = await self.read("STATUS"), await self.read("ERR_CODE")
        counters = [await self.read48(x) for x in ("CYCLES", "STALL", "RD_BYTES", "WR_BYTES")]
        after = self.ram.read(0, end)
        c = mc.unpack(after[mc.base:mc.end])
        c = c.T if tc else c
        # Every byte outside C's elements must be as it was (strobes, stray writes).
        outside = bytearray(after)
        for lo, hi in mc.payload():
            outside[lo:hi] = before[lo:hi]
        changed = np.flatnonzero(np.frombuffer(outside, np.uint8) != np.frombuffer(before, np.uint8))
        assert changed.size == 0, f"the IP wrote {changed.size} bytes outside C's elements, first at {changed[0]:#x}"
        self.check_bursts(ma, mb, mc)
        measured = self.irq_cycle - self.start_cycle - 1
        return Run(c, status, err, *counters, measured, self.traffic.bursts, dict(self.traffic.beats))

    def cycle_limit(self, m, k, n, tiles: Tiles) -> int:
        """A generous bound on a run's cycles, so a hang fails instead of running forever."""
        hw = self.hw
        cores = tiles.core_gemms(hw, m, k, n)
        rows, cols = tiles.rf * hw.rows, tiles.cf * hw.cols
        # A core GEMM loads two of its rows x time, rows x columns and columns x time tiles.
        moved = cores * (tiles.t * rows + rows * cols + cols * tiles.t) * hw.ob
        moved += m * n * hw.cb
        return 20_000 + 8 * (moved // hw.dw) + 4 * cores * (3 * hw.rows + hw.cols + tiles.t + 64)

    def check_bursts(self, ma: Matrix, mb: Matrix, mc: Matrix) -> None:
        """Every burst: INCR, size log2(DW), at most 256 beats, DW-aligned, inside
        one 4 KB page and inside one row of A or B (reads) or C (writes); beats
        and write responses add up."""
        dw = self.hw.dw
        t = self.traffic
        assert not t.violations, "AXI4 handshake rule broken by the IP's master:\n" + "\n".join(t.violations[:5])
        rbeats = wbeats = bursts_w = 0
        for kind, addr, length, size, burst in t.bursts:
            beats = length + 1
            what = f"{kind} burst at {addr:#x}, {beats} beats"
            assert burst == 1, f"{what}: burst type {burst}, not INCR"
            assert 1 << size == dw, f"{what}: size {size}, not log2(DW) = {dw.bit_length() - 1}"
            assert addr % dw == 0, f"{what}: address not a multiple of DW = {dw}"
            assert addr // PAGE == (addr + beats * dw - 1) // PAGE, f"{what}: crosses a 4 KB boundary"
            inside = (ma, mb) if kind == "r" else (mc,)
            assert any(x.covers(addr, beats * dw) for x in inside), f"{what}: not inside one row of its matrix"
            if kind == "r":
                rbeats += beats
            else:
                wbeats += beats
                bursts_w += 1
        assert t.beats["r"] == rbeats, f"{t.beats['r']} read beats for bursts of {rbeats}"
        assert t.beats["w"] == wbeats, f"{t.beats['w']} write beats for bursts of {wbeats}"
        assert t.beats["b"] == bursts_w, f"{t.beats['b']} write responses for {bursts_w} write bursts"
