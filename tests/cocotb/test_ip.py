"""cocotb tests of a systolic IP (`<prefix>_ip`, ws, is or os) through its
AXI ports: registers with cocotbext-axi's AxiLiteMaster, DRAM with its
AxiRam, C checked against `systolic gemm` on the same operands. Sizes are
given in the dataflow's roles (time, rows, columns: `mkn`), so each test
cuts the same tiles whatever the dataflow. run.py runs them;
tests/cocotb/README.md and docs/IP.md say what each checks."""

import os
import warnings
import zlib

import numpy as np
from cocotb.triggers import ClockCycles

import cocotb
from ipbench import (
    BUSY, DONE, ERR_ALIGN, ERR_BUSY, ERR_FIT, ERR_ZERO, ERROR, IRQ_EN, START,
    Bench, Hw, Run, Tiles, reference, systolic_gemm,
)


# cocotbext-axi 0.1.28 uses Event.data and setimmediatevalue, which cocotb 2.1
# deprecates (both still work): not our warnings to print on every run.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"cocotbext\.axi")


def rng_for(name: str) -> np.random.Generator:
    """Operands' random source: cocotb's seed (run.py --seed) and the test's name."""
    return np.random.default_rng([cocotb.RANDOM_SEED, zlib.crc32(name.encode())])


def operands(hw: Hw, rng: np.random.Generator, m: int, k: int, n: int, extremes: bool = False):
    """A (m x k) and B (k x n) over the operand's full range; both ends appear
    in each when it has two elements or more. `extremes`: only the range's
    ends and the values next to 0."""
    lo, hi = hw.operand_range()
    out = []
    for shape in ((m, k), (k, n)):
        if extremes:
            x = rng.choice(np.array([lo, lo + 1, -1, 0, 1, hi - 1, hi]), size=shape)
        else:
            x = rng.integers(lo, hi, size=shape, endpoint=True)
        if x.size >= 2:
            at = rng.choice(x.size, 2, replace=False)
            x.flat[at[0]], x.flat[at[1]] = lo, hi
        out.append(x.astype(np.int64))
    return out


def mkn(hw: Hw, t: int, r: int, c: int) -> tuple[int, int, int]:
    """(M, K, N) for time extent `t`, rows extent `r` (split in row folds of
    R) and columns extent `c` in the design's dataflow: ws (t, r, c), is
    (c, r, t), os (r, t, c)."""
    return hw.mkn(t, r, c)


async def check_gemm(bench: Bench, name: str, a, b, expect_status=DONE, expect_err=0, **kw) -> Run:
    """Runs A x B through the IP and checks it: C equals `systolic gemm`'s
    (composed over os's K tiles for a saturating os design: `reference`),
    STATUS and ERR_CODE as expected, CYCLES nonzero and equal to the cycles
    from the START handshake to `irq`, STALL below it, RD_BYTES and WR_BYTES
    equal to the beats seen on the bus times DW; then clears DONE."""
    hw = bench.hw
    (m, k), n = a.shape, b.shape[1]
    run = await bench.gemm(a, b, **kw)
    tiles = kw.get("tiles") or Tiles.default(hw, m, k, n)
    want = reference(hw, a, b, name, tiles)
    bench.log.info(
        "%s: %dx%dx%d, tiles %s (%d core GEMMs): CYCLES %d (bench %d), STALL %d, RD_BYTES %d, WR_BYTES %d, "
        "%d bursts", name, m, k, n, tiles, tiles.core_gemms(hw, m, k, n), run.cycles, run.measured, run.stall,
        run.rd_bytes, run.wr_bytes, len(run.bursts))
    assert run.status == expect_status, f"{name}: STATUS {run.status:#x}, expected {expect_status:#x}"
    assert run.err == expect_err, f"{name}: ERR_CODE {run.err:#x}, expected {expect_err:#x}"
    bad = np.argwhere(run.c != want)
    if bad.size:
        i, j = bad[0]
        raise AssertionError(f"{name}: {len(bad)} of {want.size} elements of C differ from `systolic gemm`; "
                             f"first C[{i}][{j}] = {run.c[i, j]}, expected {want[i, j]}")
    assert run.cycles > 0, f"{name}: CYCLES is 0"
    if expect_err == 0:
        assert run.cycles == run.measured, f"{name}: CYCLES {run.cycles}, bench counted {run.measured} (START to irq)"
    assert run.stall < run.cycles, f"{name}: STALL {run.stall} not below CYCLES {run.cycles}"
    assert run.rd_bytes == run.beats["r"] * hw.dw, f"{name}: RD_BYTES {run.rd_bytes}, bus {run.beats['r']} beats"
    assert run.wr_bytes == run.beats["w"] * hw.dw, f"{name}: WR_BYTES {run.wr_bytes}, bus {run.beats['w']} beats"
    assert run.rd_bytes >= (m * k + k * n) * hw.ob, f"{name}: RD_BYTES {run.rd_bytes} less than A and B"
    assert run.wr_bytes >= m * n * hw.cb, f"{name}: WR_BYTES {run.wr_bytes} less than C"
    await bench.write("STATUS", DONE | ERROR)
    assert await bench.read("STATUS") == 0, f"{name}: STATUS not 0 after clearing DONE and ERROR"
    await ClockCycles(bench.dut.clk, 1)
    assert not bench.dut.irq.value, f"{name}: irq still high after clearing DONE"
    return run


@cocotb.test()
async def registers(dut):
    """ID and HWCFG1's DW match the RTL; RW registers read back; CTRL reads
    IRQ_EN only; unmapped offsets read 0; the hardware registers are sane."""
    bench = Bench(dut)
    hw = await bench.reset()
    bench.log.info("%s", hw)
    assert hw.dw == int(os.environ["SYSTOLIC_DW"]), f"HWCFG1 says DW {hw.dw}, the RTL's DW differs"
    assert hw.rows > 0 and hw.cols > 0 and 0 < hw.opbits <= hw.accbits
    assert min(hw.depth_a, hw.depth_b, hw.depth_c) > 0
    rng = rng_for("registers")
    for name in ("M", "K", "N", "A_ADDR", "A_STRIDE", "B_ADDR", "B_STRIDE", "C_ADDR", "C_STRIDE"):
        v = int(rng.integers(0, 1 << 32))
        await bench.write(name, v)
        assert await bench.read(name) == v, f"{name} does not read back {v:#x}"
    for name in ("TILE_T", "TILE_RF", "TILE_CF"):
        await bench.write(name, 0xABCD1234)
        assert await bench.read(name) == 0x1234, f"{name} is not 16 bits"
    await bench.write("CTRL", IRQ_EN)
    assert await bench.read("CTRL") == IRQ_EN
    for off in (0x18, 0x2C, 0x70, 0xA0, 0xFC):
        await bench.axil.write_dword(off, 0xFFFFFFFF)
        assert await bench.axil.read_dword(off) == 0, f"unmapped offset {off:#x} does not read 0"
    assert await bench.read("ID") == 0x53594131


@cocotb.test()
async def one_element(dut):
    """A 1x1x1 GEMM."""
    bench = Bench(dut)
    hw = await bench.reset()
    a, b = operands(hw, rng_for("one_element"), 1, 1, 1)
    await check_gemm(bench, "one_element", a, b)


@cocotb.test()
async def small_gemm_default_tiles(dut):
    """Several row folds and column tiles, a few elements in time: default tiles."""
    bench = Bench(dut)
    hw = await bench.reset()
    m, k, n = mkn(hw, 5, 2 * hw.rows + 1, 2 * hw.cols + 1)
    a, b = operands(hw, rng_for("small"), m, k, n)
    await check_gemm(bench, "small", a, b)


@cocotb.test()
async def larger_than_the_buffers(dut):
    """A GEMM whose time extent does not fit the time tile and whose rows
    extent does not fit the row tile (default tiles; ws and is: C does not
    fit the C buffer, K not the stationary tile; os: K does not fit the A and
    B buffers, M not the C tile): time, row and column tiles all split."""
    bench = Bench(dut)
    hw = await bench.reset()
    s, x, o = hw.sxo
    t = o + 3
    tiles = Tiles.default(hw, *mkn(hw, t, s, 1))
    r = tiles.rf * hw.rows + 1
    m, k, n = mkn(hw, t, r, hw.cols + 1)
    assert Tiles.default(hw, m, k, n).core_gemms(hw, m, k, n) >= 8
    a, b = operands(hw, rng_for("large"), m, k, n)
    await check_gemm(bench, "larger_than_the_buffers", a, b)


@cocotb.test()
async def many_core_gemms_small_tiles(dut):
    """Small tile registers (TILE_CF 2): many core GEMMs with ragged edges,
    padded strides, rows straddling 4 KB pages; two GEMMs back to back."""
    bench = Bench(dut)
    hw = await bench.reset()
    tiles = Tiles(3, 1, 2)
    assert tiles.fit(hw), f"tiles {tiles} do not fit this IP's buffers"
    rng = rng_for("tiles")
    for i, (t, r, c) in enumerate(((7, 2 * hw.rows + 1, 3 * hw.cols + 1), (4, 3 * hw.rows - 1, 2 * hw.cols))):
        m, k, n = mkn(hw, t, r, c)
        a, b = operands(hw, rng, m, k, n)
        await check_gemm(bench, f"small_tiles_{i}", a, b, tiles=tiles, pads=(1, 2, 3), page_offset=(5 + i) * hw.dw)


@cocotb.test()
async def extreme_operands(dut):
    """Only the operand range's ends and the values next to 0."""
    bench = Bench(dut)
    hw = await bench.reset()
    m, k, n = mkn(hw, 6, 3 * hw.rows + 1, hw.cols + 1)
    a, b = operands(hw, rng_for("extremes"), m, k, n, extremes=True)
    await check_gemm(bench, "extremes", a, b)
    lo, hi = hw.operand_range()
    a, b = np.full((m, k), lo), np.full((k, n), lo)
    await check_gemm(bench, "all_min", a, b)
    b[:] = hi
    await check_gemm(bench, "min_times_max", a, b)


@cocotb.test()
async def k_tiles_saturate_on_their_own(dut):
    """K in two tiles of the accumulating loop (os: TILE_T; ws, is: TILE_RF
    * R), A all minimum, B's first column maximum then minimum: the second
    tile's sum alone passes the accumulator's largest value, the whole sum
    does not. A saturating os design saturates that tile's sum on its own
    before adding it into C (docs/IP.md), so C differs from the unsplit
    GEMM's and equals the composed reference (`reference`); ws and is add
    the row tiles in the whole GEMM's order, so C is the unsplit GEMM's.
    With a wrapping accumulator, or when such a tile does not fit the
    buffers, a GEMM of extreme operands over two K tiles."""
    bench = Bench(dut)
    hw = await bench.reset()
    lo, hi = hw.operand_range()
    top = (1 << (hw.accbits - 1)) - 1
    want = top // (lo * lo) + 1  # products lo * lo whose sum passes `top`
    s, x, o = hw.sxo
    if hw.os:
        tile = min(want, x, o)
        reach = hw.saturating and tile == want
        tile = tile if reach else min(tile, 8)
        tiles = Tiles(tile, 1, 1)
    else:
        rf = max(1, min(-(-want // hw.rows), s // hw.rows, x))
        reach = hw.saturating and rf * hw.rows >= want
        rf = rf if reach else min(rf, 2)
        tile, tiles = rf * hw.rows, Tiles(1, rf, 1)
    assert tiles.fit(hw), f"tiles {tiles} do not fit this IP's buffers"
    m, k, n = 2, 2 * tile, 3
    rng = rng_for("k_tiles_saturate_on_their_own")
    a = np.full((m, k), lo, dtype=np.int64)
    b = rng.integers(lo, hi, size=(k, n), endpoint=True)
    b[:tile, 0], b[tile:, 0] = hi, lo
    b[:tile, 1], b[tile:, 1] = lo, hi
    bench.log.info("K tiles of %d: the second's sum %s the accumulator's largest value %d on its own",
                   tile, "passes" if reach else "does not pass", top)
    run = await check_gemm(bench, "k_tiles_saturate", a, b, tiles=tiles)
    if reach and hw.os:
        unsplit = systolic_gemm(hw, a, b, "k_tiles_saturate-unsplit")
        assert np.any(run.c != unsplit), \
            "a saturating os IP's C equals the unsplit GEMM's: its K tiles did not saturate on their own"


CHANNELS = ("aw", "w", "b", "ar", "r")


def ram_channels(bench: Bench) -> dict:
    """The AxiRam's five channel models by name."""
    w, r = bench.ram.write_if, bench.ram.read_if
    return dict(zip(CHANNELS, (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel)))


@cocotb.test()
@cocotb.parametrize(channels=["aw", "w", "b", "ar", "r", "all"])
async def memory_backpressure(dut, channels):
    """The memory withholds AWREADY, WREADY, BVALID, ARREADY or RVALID (or
    all five) in 30% of cycles at random: same C, counters equal the bus's
    beats, no handshake rule broken."""
    bench = Bench(dut)
    hw = await bench.reset()

    def pauses(seed):
        r = np.random.default_rng([cocotb.RANDOM_SEED, seed])
        while True:
            yield bool(r.random() < 0.3)

    chans = ram_channels(bench)
    for i, name in enumerate(CHANNELS):
        if name == channels or channels == "all":
            chans[name].set_pause_generator(pauses(i))
    m, k, n = mkn(hw, 7, 2 * hw.rows + 1, 2 * hw.cols + 1)
    a, b = operands(hw, rng_for("backpressure"), m, k, n)
    await check_gemm(bench, f"backpressure_{channels}", a, b, tiles=Tiles(3, 1, 2))


@cocotb.test()
async def awready_after_write_data(dut):
    """The memory takes a write burst's data before its address, as AXI4
    allows, and raises AWREADY only after the last W beat. AXI4 (A3.2.1)
    wants AWVALID held until AWREADY: the IP's write job ends only with its
    last address handshake as well as its last beat. (Found by this bench:
    the job used to end with its last W beat and drop AWVALID.)"""
    bench = Bench(dut)
    hw = await bench.reset()
    hold = [True]

    def aw_pause():
        while True:
            yield hold[0]

    chans = ram_channels(bench)
    chans["w"].queue_occupancy_limit = 1 << 16
    chans["aw"].set_pause_generator(aw_pause())
    beats = -(-hw.cb // hw.dw)

    async def release_aw(bench: Bench):
        for _ in range(10_000):
            if bench.traffic.beats["w"] >= beats:
                break
            await ClockCycles(bench.dut.clk, 1)
        await ClockCycles(bench.dut.clk, 5)
        hold[0] = False

    a, b = operands(hw, rng_for("awready"), 1, 1, 1)
    await check_gemm(bench, "awready_after_write_data", a, b, during=release_aw)


@cocotb.test()
async def one_element_c_lines(dut):
    """Several C tiles one element wide: each C line is one element, one
    beat when the output's bytes fit DW (e.g. edge-8x8), where the last
    address and the last data beat of a write-back coincide. ws and is: over
    two and three time tiles; os (whose time tiles, K's, add into one C
    tile): over two row tiles of two K tiles each, then two row tiles by two
    column tiles. (Found by this bench and by hdlgen/tests/ip.rs: the next C
    tile's address was taken from a register written in that very cycle.)"""
    bench = Bench(dut)
    hw = await bench.reset()
    rng = rng_for("one_element_c_lines")
    first_rows = hw.rows + 1 if hw.os else 1
    for i, (t, r, c, tiles) in enumerate(((2, first_rows, 1, Tiles(1, 1, 1)),
                                          (5, hw.rows + 1, hw.cols + 1, Tiles(2, 1, 1)))):
        m, k, n = mkn(hw, t, r, c)
        a, b = operands(hw, rng, m, k, n)
        await check_gemm(bench, f"one_element_c_lines_{i}", a, b, tiles=tiles)


@cocotb.test()
async def random_gemms(dut):
    """Twelve GEMMs of random sizes (each dimension up to three array edges
    plus two, the time dimension up to the lines of O plus an edge: ws and
    is the C buffer's, os the B buffer's), random tiles that fit, padded
    strides and page offsets."""
    bench = Bench(dut)
    hw = await bench.reset()
    rng = rng_for("random_gemms")
    s, x, o = hw.sxo
    for i in range(12):
        t = int(rng.integers(1, (o + hw.rows if i % 4 == 3 else 3 * hw.rows + 2) + 1))
        m, k, n = mkn(hw, t, int(rng.integers(1, 3 * hw.rows + 3)), int(rng.integers(1, 3 * hw.cols + 3)))
        while True:
            tt = int(rng.integers(1, min(o, x, t) + 1))
            rf = int(rng.integers(1, max(1, min(s // hw.rows, x // tt, 4)) + 1))
            cf = int(rng.integers(1, max(1, min(s // (rf * hw.rows), o // tt, 3)) + 1))
            tiles = Tiles(tt, rf, cf)
            if tiles.fit(hw):
                break
        a, b = operands(hw, rng, m, k, n)
        pads = tuple(int(p) for p in rng.integers(0, 4, 3))
        page_offset = int(rng.integers(0, 64)) * hw.dw
        await check_gemm(bench, f"random_{i}", a, b, tiles=tiles, pads=pads, page_offset=page_offset)


@cocotb.test()
async def refused_starts(dut):
    """Inconsistent registers: START sets STATUS.ERROR (and irq) at once with
    the ERR_CODE bits of docs/IP.md, BUSY stays low and the AXI master stays
    silent; writing 1 to STATUS.ERROR clears it and ERR_CODE; then a
    consistent START runs."""
    bench = Bench(dut)
    hw = await bench.reset()
    m, k, n = mkn(hw, 3, hw.rows + 1, hw.cols + 1)
    a, b = operands(hw, rng_for("refused"), m, k, n)
    tiles = Tiles.default(hw, m, k, n)
    mats = bench.layout(m, k, n)
    s, x, o = hw.sxo
    cases = [("M = 0", "M", 0, ERR_ZERO), ("TILE_RF = 0", "TILE_RF", 0, ERR_ZERO),
             ("TILE_T past the buffers", "TILE_T", o + 1, ERR_FIT)]
    if hw.dw > 1:
        cases = [("A_ADDR misaligned", "A_ADDR", mats[0].base + 1, ERR_ALIGN),
                 ("C_STRIDE misaligned", "C_STRIDE", mats[2].stride + hw.dw // 2, ERR_ALIGN)] + cases
    else:
        bench.log.warning("DW = 1: every address is aligned, ERR_CODE bit 1 cannot be provoked")
    for what, reg, value, code in cases + [("M = 0 and A_ADDR misaligned", None, None, None)]:
        await bench.program(m, k, n, tiles, mats)
        if reg is None:
            if hw.dw == 1:
                continue
            await bench.write("M", 0)
            await bench.write("A_ADDR", mats[0].base + 1)
            code = ERR_ZERO | ERR_ALIGN
        else:
            await bench.write(reg, value)
        bursts = len(bench.traffic.bursts)
        await bench.write("CTRL", START | IRQ_EN)
        status = await bench.read("STATUS")
        assert status == ERROR, f"{what}: STATUS {status:#x} after START, expected ERROR only ({ERROR:#x})"
        assert await bench.read("ERR_CODE") == code, f"{what}: ERR_CODE is not {code:#x}"
        assert dut.irq.value, f"{what}: irq low with IRQ_EN and STATUS.ERROR"
        await ClockCycles(dut.clk, 50)
        assert await bench.read("STATUS") & BUSY == 0, f"{what}: BUSY rose"
        assert len(bench.traffic.bursts) == bursts, f"{what}: the AXI master issued a burst"
        assert not bench.traffic.violations, f"{what}: {bench.traffic.violations}"
        await bench.write("STATUS", ERROR)
        assert await bench.read("STATUS") == 0 and await bench.read("ERR_CODE") == 0, f"{what}: not cleared"
        assert not dut.irq.value, f"{what}: irq high after clearing ERROR"
        bench.log.info("%s: ERR_CODE %#x, no burst, cleared", what, code)
    await check_gemm(bench, "after_refusals", a, b)


@cocotb.test()
async def start_while_busy(dut):
    """START during a run sets STATUS.ERROR and ERR_CODE bit 4; the run goes
    on and ends with DONE and the right C."""
    bench = Bench(dut)
    hw = await bench.reset()
    m, k, n = mkn(hw, 6, 2 * hw.rows, hw.cols + 1)
    a, b = operands(hw, rng_for("busy"), m, k, n)

    async def second_start(bench: Bench):
        status = await bench.read("STATUS")
        assert status == BUSY, f"STATUS {status:#x} right after START, expected BUSY"
        await bench.write("CTRL", START | IRQ_EN)
        status = await bench.read("STATUS")
        assert status == BUSY | ERROR, f"STATUS {status:#x} after a second START, expected BUSY | ERROR"
        while await bench.read("STATUS") & BUSY:
            await ClockCycles(bench.dut.clk, 20)

    await check_gemm(bench, "start_while_busy", a, b, expect_status=DONE | ERROR, expect_err=ERR_BUSY,
                     during=second_start)
