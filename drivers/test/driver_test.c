/*
 * Tests drivers/systolic.h on a fake register file: an array standing in
 * for the IP's AXI4-Lite window, its read-only registers pre-filled. Every
 * expected offset and value is written out from docs/IP.md, never taken
 * from the header's macros.
 *
 * Built twice by tests/driver.rs:
 *  - plain: the header's own accessors read and write the array;
 *  - with -DDRIVER_TEST_LOG: SYSTOLIC_MMIO_READ/WRITE go through a logger
 *    that records every access in order (and can script STATUS reads), so
 *    the order of writes (CTRL last) and of counter reads (LO then HI) and
 *    the polling loop are checked too.
 *
 * Prints "driver_test: N checks, F failed" and, when F is 0,
 * "DRIVER TEST OK"; exits 1 on a failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fake_mmio.h"
#include "systolic.h"

/* ---- Designs ---- */

/*
 * edge-8x8-like: 8x8 ws, int8 operands, 32-bit accumulators, double-buffered,
 * saturating, DW = 4 (log2 2), depths A 2048, B 2048, C 256.
 */
static void fill_ws_8x8(void)
{
    memset(regs, 0, sizeof regs);
    REG(0x00) = 0x53594131u;
    REG(0x04) = 8u | 8u << 16;
    REG(0x08) = 8u | 32u << 8 | 0u << 16 | 1u << 18 | 1u << 19 | 2u << 20;
    REG(0x0C) = 2048u;
    REG(0x10) = 2048u;
    REG(0x14) = 256u;
}

/*
 * A 4x16 is design: int4 operands (1 byte), 24-bit accumulators (3 bytes),
 * single-buffered, wrapping, DW = 4, depths A 512, B 1024, C 128.
 */
static void fill_is_4x16(void)
{
    memset(regs, 0, sizeof regs);
    REG(0x00) = 0x53594131u;
    REG(0x04) = 4u | 16u << 16;
    REG(0x08) = 4u | 24u << 8 | 1u << 16 | 0u << 18 | 1u << 19 | 2u << 20;
    REG(0x0C) = 512u;
    REG(0x10) = 1024u;
    REG(0x14) = 128u;
}

/*
 * A 6x10 os design: int8 operands (1 byte), 20-bit accumulators (3 bytes),
 * double-buffered, saturating, DW = 2 (log2 1), depths A 300, B 200, C 40
 * (A and B differ, and neither is the C buffer's, so each rule shows which
 * depth it took).
 */
static void fill_os_6x10(void)
{
    memset(regs, 0, sizeof regs);
    REG(0x00) = 0x53594131u;
    REG(0x04) = 6u | 10u << 16;
    REG(0x08) = 8u | 20u << 8 | 2u << 16 | 1u << 18 | 1u << 19 | 1u << 20;
    REG(0x0C) = 300u;
    REG(0x10) = 200u;
    REG(0x14) = 40u;
}

static struct systolic_hw probed(void)
{
    struct systolic_hw hw;
    int err = systolic_probe(base, &hw);
    EQ("probe", err, 0);
    return hw;
}

/* ---- Tests ---- */

static void test_register_map(void)
{
    /* docs/IP.md, "Register map". */
    EQ("ID", SYSTOLIC_REG_ID, 0x00);
    EQ("HWCFG0", SYSTOLIC_REG_HWCFG0, 0x04);
    EQ("HWCFG1", SYSTOLIC_REG_HWCFG1, 0x08);
    EQ("A_DEPTH", SYSTOLIC_REG_A_DEPTH, 0x0C);
    EQ("B_DEPTH", SYSTOLIC_REG_B_DEPTH, 0x10);
    EQ("C_DEPTH", SYSTOLIC_REG_C_DEPTH, 0x14);
    EQ("CTRL", SYSTOLIC_REG_CTRL, 0x20);
    EQ("STATUS", SYSTOLIC_REG_STATUS, 0x24);
    EQ("ERR_CODE", SYSTOLIC_REG_ERR_CODE, 0x28);
    EQ("M", SYSTOLIC_REG_M, 0x30);
    EQ("K", SYSTOLIC_REG_K, 0x34);
    EQ("N", SYSTOLIC_REG_N, 0x38);
    EQ("TILE_T", SYSTOLIC_REG_TILE_T, 0x3C);
    EQ("TILE_RF", SYSTOLIC_REG_TILE_RF, 0x40);
    EQ("TILE_CF", SYSTOLIC_REG_TILE_CF, 0x44);
    EQ("A_ADDR", SYSTOLIC_REG_A_ADDR, 0x50);
    EQ("A_STRIDE", SYSTOLIC_REG_A_STRIDE, 0x54);
    EQ("B_ADDR", SYSTOLIC_REG_B_ADDR, 0x58);
    EQ("B_STRIDE", SYSTOLIC_REG_B_STRIDE, 0x5C);
    EQ("C_ADDR", SYSTOLIC_REG_C_ADDR, 0x60);
    EQ("C_STRIDE", SYSTOLIC_REG_C_STRIDE, 0x64);
    EQ("CYCLES_LO", SYSTOLIC_REG_CYCLES_LO, 0x80);
    EQ("CYCLES_HI", SYSTOLIC_REG_CYCLES_HI, 0x84);
    EQ("STALL_LO", SYSTOLIC_REG_STALL_LO, 0x88);
    EQ("STALL_HI", SYSTOLIC_REG_STALL_HI, 0x8C);
    EQ("RD_BYTES_LO", SYSTOLIC_REG_RD_BYTES_LO, 0x90);
    EQ("RD_BYTES_HI", SYSTOLIC_REG_RD_BYTES_HI, 0x94);
    EQ("WR_BYTES_LO", SYSTOLIC_REG_WR_BYTES_LO, 0x98);
    EQ("WR_BYTES_HI", SYSTOLIC_REG_WR_BYTES_HI, 0x9C);
    EQ("ID value", SYSTOLIC_ID_VALUE, 0x53594131);
    EQ("CTRL.START", SYSTOLIC_CTRL_START, 1u << 0);
    EQ("CTRL.IRQ_EN", SYSTOLIC_CTRL_IRQ_EN, 1u << 1);
    EQ("STATUS.BUSY", SYSTOLIC_STATUS_BUSY, 1u << 0);
    EQ("STATUS.DONE", SYSTOLIC_STATUS_DONE, 1u << 1);
    EQ("STATUS.ERROR", SYSTOLIC_STATUS_ERROR, 1u << 2);
    EQ("ERR zero", SYSTOLIC_ERR_ZERO, 1u << 0);
    EQ("ERR align", SYSTOLIC_ERR_ALIGN, 1u << 1);
    EQ("ERR fit", SYSTOLIC_ERR_FIT, 1u << 2);
    EQ("ERR axi", SYSTOLIC_ERR_AXI, 1u << 3);
    EQ("ERR start busy", SYSTOLIC_ERR_START_BUSY, 1u << 4);
    /* HWCFG0 [15:0] rows, [31:16] columns; HWCFG1 [7:0], [15:8], [17:16], [18], [19], [23:20]. */
    EQ("rows mask", SYSTOLIC_HWCFG0_ROWS_MASK >> SYSTOLIC_HWCFG0_ROWS_SHIFT, 0xFFFF);
    EQ("rows shift", SYSTOLIC_HWCFG0_ROWS_SHIFT, 0);
    EQ("cols mask", SYSTOLIC_HWCFG0_COLS_MASK, 0xFFFF0000u);
    EQ("cols shift", SYSTOLIC_HWCFG0_COLS_SHIFT, 16);
    EQ("op bits mask", SYSTOLIC_HWCFG1_OP_BITS_MASK, 0xFFu);
    EQ("acc bits mask", SYSTOLIC_HWCFG1_ACC_BITS_MASK, 0xFF00u);
    EQ("dataflow mask", SYSTOLIC_HWCFG1_DATAFLOW_MASK, 0x30000u);
    EQ("double-buffered mask", SYSTOLIC_HWCFG1_DOUBLE_BUF_MASK, 1u << 18);
    EQ("saturating mask", SYSTOLIC_HWCFG1_SATURATING_MASK, 1u << 19);
    EQ("log2 DW mask", SYSTOLIC_HWCFG1_LOG2_DW_MASK, 0xF00000u);
    EQ("tile mask", SYSTOLIC_TILE_MASK, 0xFFFFu);
}

static void test_probe(void)
{
    struct systolic_hw hw, untouched;
    int err;

    fill_ws_8x8();
    clear_log();
    hw = probed();
    EQ("id", hw.id, 0x53594131u);
    EQ("rows", hw.rows, 8);
    EQ("cols", hw.cols, 8);
    EQ("op bits", hw.op_bits, 8);
    EQ("acc bits", hw.acc_bits, 32);
    EQ("dataflow", hw.dataflow, SYSTOLIC_DATAFLOW_WS);
    EQ("double-buffered", hw.double_buffered, 1);
    EQ("saturating", hw.saturating, 1);
    EQ("log2 DW", hw.log2_dw, 2);
    EQ("DW", hw.dw, 4);
    EQ("ob = ceil(8 / 8)", hw.op_bytes, 1);
    EQ("cb = ceil(32 / 8)", hw.acc_bytes, 4);
    EQ("A depth", hw.a_depth, 2048);
    EQ("B depth", hw.b_depth, 2048);
    EQ("C depth", hw.c_depth, 256);
    EQ("probe writes nothing", REG(0x00), 0x53594131u);
    {
        /* ID first, then the others; no writes. */
        static const struct access want[] = {
            {'r', 0x00, 0x53594131u},
            {'r', 0x04, 8u | 8u << 16},
            {'r', 0x08, 8u | 32u << 8 | 1u << 18 | 1u << 19 | 2u << 20},
            {'r', 0x0C, 2048},
            {'r', 0x10, 2048},
            {'r', 0x14, 256},
        };
        check_log(__LINE__, "probe's reads", want, sizeof want / sizeof want[0]);
    }

    fill_is_4x16();
    hw = probed();
    EQ("is rows", hw.rows, 4);
    EQ("is cols", hw.cols, 16);
    EQ("is op bits", hw.op_bits, 4);
    EQ("is acc bits", hw.acc_bits, 24);
    EQ("is dataflow", hw.dataflow, SYSTOLIC_DATAFLOW_IS);
    EQ("is double-buffered", hw.double_buffered, 0);
    EQ("is saturating", hw.saturating, 1);
    EQ("is ob = ceil(4 / 8)", hw.op_bytes, 1);
    EQ("is cb = ceil(24 / 8)", hw.acc_bytes, 3);
    EQ("is DW", hw.dw, 4);

    fill_os_6x10();
    clear_log();
    hw = probed();
    EQ("os rows", hw.rows, 6);
    EQ("os cols", hw.cols, 10);
    EQ("os op bits", hw.op_bits, 8);
    EQ("os acc bits", hw.acc_bits, 20);
    EQ("os dataflow", hw.dataflow, SYSTOLIC_DATAFLOW_OS);
    EQ("os dataflow is 2", SYSTOLIC_DATAFLOW_OS, 2);
    EQ("os double-buffered", hw.double_buffered, 1);
    EQ("os saturating", hw.saturating, 1);
    EQ("os log2 DW", hw.log2_dw, 1);
    EQ("os DW", hw.dw, 2);
    EQ("os ob = ceil(8 / 8)", hw.op_bytes, 1);
    EQ("os cb = ceil(20 / 8)", hw.acc_bytes, 3);
    EQ("os A depth", hw.a_depth, 300);
    EQ("os B depth", hw.b_depth, 200);
    EQ("os C depth", hw.c_depth, 40);
    {
        static const struct access want[] = {
            {'r', 0x00, 0x53594131u},
            {'r', 0x04, 6u | 10u << 16},
            {'r', 0x08, 8u | 20u << 8 | 2u << 16 | 1u << 18 | 1u << 19 | 1u << 20},
            {'r', 0x0C, 300},
            {'r', 0x10, 200},
            {'r', 0x14, 40},
        };
        check_log(__LINE__, "os probe's reads", want, sizeof want / sizeof want[0]);
    }

    /* Every field at its widest, with bits [31:24] of HWCFG1 set (unused). */
    fill_ws_8x8();
    REG(0x04) = 0xFFFFFFFFu;
    REG(0x08) = 0xFF000000u | 0xFFu | 0xFEu << 8 | 1u << 16 | 1u << 18 | 6u << 20;
    hw = probed();
    EQ("widest rows", hw.rows, 0xFFFF);
    EQ("widest cols", hw.cols, 0xFFFF);
    EQ("widest op bits", hw.op_bits, 255);
    EQ("widest acc bits", hw.acc_bits, 254);
    EQ("widest dataflow", hw.dataflow, 1);
    EQ("widest double-buffered", hw.double_buffered, 1);
    EQ("widest saturating", hw.saturating, 0);
    EQ("widest DW", hw.dw, 64);
    EQ("ceil(255 / 8)", hw.op_bytes, 32);
    EQ("ceil(254 / 8)", hw.acc_bytes, 32);

    /* A wrong ID: an error, *hw untouched, nothing else read. */
    fill_ws_8x8();
    REG(0x00) = 0x53594132u;
    memset(&hw, 0xA5, sizeof hw);
    untouched = hw;
    clear_log();
    err = systolic_probe(base, &hw);
    EQ("wrong ID", err, SYSTOLIC_ENODEV);
    TRUE("wrong ID leaves *hw", memcmp(&hw, &untouched, sizeof hw) == 0);
    {
        static const struct access want[] = {{'r', 0x00, 0x53594132u}};
        check_log(__LINE__, "wrong ID reads only ID", want, 1);
    }
    REG(0x00) = 0;
    EQ("no IP (reads 0)", systolic_probe(base, &hw), SYSTOLIC_ENODEV);

    fill_ws_8x8();
    REG(0x08) = (REG(0x08) & ~0x30000u) | 3u << 16;
    EQ("dataflow 3 is unknown", systolic_probe(base, &hw), SYSTOLIC_EHWCFG);
    fill_ws_8x8();
    REG(0x08) = (REG(0x08) & ~0x30000u) | 2u << 16;
    EQ("dataflow 2 (os) is supported", systolic_probe(base, &hw), 0);
    EQ("dataflow 2 read as os", hw.dataflow, SYSTOLIC_DATAFLOW_OS);
    fill_ws_8x8();
    REG(0x08) = (REG(0x08) & ~0xF00000u) | 7u << 20;
    EQ("DW 128 is not supported", systolic_probe(base, &hw), SYSTOLIC_EHWCFG);
    fill_ws_8x8();
    REG(0x04) = 8u;
    EQ("0 columns", systolic_probe(base, &hw), SYSTOLIC_EHWCFG);
}

/* Checks systolic_default_tiles(hw, m, k, n) == (t, rf, cf = 1) and that they fit. */
static void check_tiles(int line, const struct systolic_hw *hw, uint32_t m, uint32_t k, uint32_t n,
                        uint32_t t, uint32_t rf)
{
    struct systolic_tiles tiles;
    int err = systolic_default_tiles(hw, m, k, n, &tiles);
    check_u64(line, "default tiles: error", (uint64_t)(err < 0 ? -err : err), 0);
    if (err != 0)
        return;
    check_u64(line, "default TILE_T", tiles.t, t);
    check_u64(line, "default TILE_RF", tiles.rf, rf);
    check_u64(line, "default TILE_CF", tiles.cf, 1);
    check_true(line, "default tiles fit", systolic_tiles_fit(hw, &tiles));
}

static void check_no_tiles(int line, const struct systolic_hw *hw, uint32_t m, uint32_t k,
                           uint32_t n, int want)
{
    struct systolic_tiles tiles = {111u, 222u, 333u};
    int err = systolic_default_tiles(hw, m, k, n, &tiles);
    check_u64(line, "default tiles: error", (uint64_t)(int64_t)err, (uint64_t)(int64_t)want);
    check_true(line, "*out untouched on error",
               tiles.t == 111u && tiles.rf == 222u && tiles.cf == 333u);
}

static void test_default_tiles(void)
{
    struct systolic_hw hw;

    /*
     * ws 8x8: R = 8, S = B_DEPTH = 2048, X = A_DEPTH = 2048, O = C_DEPTH = 256,
     * T = M. TILE_T = min(O, X, T); TILE_RF = max(1, min(S/R, X/TILE_T, ceil(K/R))).
     * S / R = 2048 / 8 = 256 throughout.
     */
    fill_ws_8x8();
    hw = probed();
    /* 64x64x64: T = min(256, 2048, 64) = 64; RF = min(256, 2048/64 = 32, 64/8 = 8) = 8. */
    check_tiles(__LINE__, &hw, 64, 64, 64, 64, 8);
    /* 1000x300x10: T = min(256, 2048, 1000) = 256; RF = min(256, 2048/256 = 8, ceil(300/8) = 38) = 8. */
    check_tiles(__LINE__, &hw, 1000, 300, 10, 256, 8);
    /* 1x1x1: T = min(256, 2048, 1) = 1; RF = max(1, min(256, 2048, ceil(1/8) = 1)) = 1. */
    check_tiles(__LINE__, &hw, 1, 1, 1, 1, 1);
    /* 100x17x1000 (N plays no part in ws): T = 100; RF = min(256, 2048/100 = 20, ceil(17/8) = 3) = 3. */
    check_tiles(__LINE__, &hw, 100, 17, 1000, 100, 3);
    /* 200x4096x5: T = 200; RF = min(256, 2048/200 = 10, 4096/8 = 512) = 10 (10 * 200 = 2000 <= 2048). */
    check_tiles(__LINE__, &hw, 200, 4096, 5, 200, 10);
    /* 256x16x3: T = 256; RF = min(256, 2048/256 = 8, 16/8 = 2) = 2. */
    check_tiles(__LINE__, &hw, 256, 16, 3, 256, 2);
    EQ("M = 0", systolic_default_tiles(&hw, 0, 8, 8, NULL), SYSTOLIC_EINVAL);
    EQ("K = 0", systolic_default_tiles(&hw, 8, 0, 8, NULL), SYSTOLIC_EINVAL);
    EQ("N = 0", systolic_default_tiles(&hw, 8, 8, 0, NULL), SYSTOLIC_EINVAL);

    /* A_DEPTH = X = 100: 1000x300x10: T = min(256, 100, 1000) = 100; RF = min(256, 100/100 = 1, 38) = 1. */
    REG(0x0C) = 100u;
    hw = probed();
    check_tiles(__LINE__, &hw, 1000, 300, 10, 100, 1);

    /* B_DEPTH = S = 8 = R: 64x64x64: T = 64; RF = max(1, min(8/8 = 1, 32, 8)) = 1; 1 * 1 * 8 <= 8 fits. */
    fill_ws_8x8();
    REG(0x10) = 8u;
    hw = probed();
    check_tiles(__LINE__, &hw, 64, 64, 64, 64, 1);
    /* B_DEPTH = S = 4 < R: RF = max(1, min(4/8 = 0, ...)) = 1, 1 * 1 * 8 = 8 > 4: no tiling. */
    REG(0x10) = 4u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 64, 64, 64, SYSTOLIC_ENOTILE);
    /* C_DEPTH = O = 0: T = min(0, ...) = 0: no tiling. */
    fill_ws_8x8();
    REG(0x14) = 0u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 64, 64, 64, SYSTOLIC_ENOTILE);
    /*
     * Depths 100000: 70000x8x8: T = min(100000, 100000, 70000) = 70000, RF = max(1,
     * min(12500, 100000/70000 = 1, 1)) = 1; they fit (8, 70000, 70000 <= 100000) but
     * TILE_T does not fit its 16 bits.
     */
    REG(0x0C) = 100000u;
    REG(0x10) = 100000u;
    REG(0x14) = 100000u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 70000, 8, 8, SYSTOLIC_ERANGE);
    /* The same with M = 65535: T = 65535 fits its field. */
    check_tiles(__LINE__, &hw, 65535, 8, 8, 65535, 1);

    /*
     * is 4x16: R = 4, S = A_DEPTH = 512, X = B_DEPTH = 1024, O = C_DEPTH = 128, T = N.
     * S / R = 512 / 4 = 128.
     */
    fill_is_4x16();
    hw = probed();
    /* 50x100x700: T = min(128, 1024, 700) = 128; RF = min(128, 1024/128 = 8, ceil(100/4) = 25) = 8. */
    check_tiles(__LINE__, &hw, 50, 100, 700, 128, 8);
    /* 700x10x30 (T is N, not M): T = min(128, 1024, 30) = 30; RF = min(128, 1024/30 = 34, ceil(10/4) = 3) = 3. */
    check_tiles(__LINE__, &hw, 700, 10, 30, 30, 3);
    /*
     * 5x2000x60 (S is A, X is B): T = 60; RF = min(128, 1024/60 = 17, 2000/4 = 500) = 17:
     * 17 * 4 = 68 <= 512, 17 * 60 = 1020 <= 1024, 60 <= 128. (With S and X swapped: 8.)
     */
    check_tiles(__LINE__, &hw, 5, 2000, 60, 60, 17);
    /* A_DEPTH = S = 3 < R = 4: no tiling. */
    REG(0x0C) = 3u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 5, 2000, 60, SYSTOLIC_ENOTILE);

    /*
     * os 6x10: rows M, columns N, time K. R = 6, A_DEPTH = 300, B_DEPTH = 200,
     * C_DEPTH = 40. TILE_T = min(A, B, K); TILE_RF = max(1, min(A / TILE_T,
     * C / R, ceil(M / R))). C / R = 40 / 6 = 6 throughout.
     */
    fill_os_6x10();
    hw = probed();
    /* 64x1000x50: T = min(300, 200, 1000) = 200 (B's); RF = min(300/200 = 1, 6, ceil(64/6) = 11) = 1. */
    check_tiles(__LINE__, &hw, 64, 1000, 50, 200, 1);
    /*
     * 64x30x50: T = min(300, 200, 30) = 30; RF = min(300/30 = 10, 6, 11) = 6 (C's):
     * 6 * 30 = 180 <= 300, 30 <= 200, 6 * 6 = 36 <= 40. (ws's rule on these depths
     * would give T = min(40, 300, 64) = 40, RF = min(200/6, 300/40, ceil(30/6)) = 5.)
     */
    check_tiles(__LINE__, &hw, 64, 30, 50, 30, 6);
    /* 20x50x7 (rows are M, not K): T = 50; RF = min(300/50 = 6, 6, ceil(20/6) = 4) = 4 (K's 9 would give 6). */
    check_tiles(__LINE__, &hw, 20, 50, 7, 50, 4);
    /* 100x120x5: T = min(300, 200, 120) = 120; RF = min(300/120 = 2, 6, ceil(100/6) = 17) = 2 (A's): 240 <= 300. */
    check_tiles(__LINE__, &hw, 100, 120, 5, 120, 2);
    /* 1000x7x3 (N plays no part): T = 7; RF = min(300/7 = 42, 6, 167) = 6. */
    check_tiles(__LINE__, &hw, 1000, 7, 3, 7, 6);
    /* 1x1x1: T = min(300, 200, 1) = 1; RF = max(1, min(300, 6, ceil(1/6) = 1)) = 1. */
    check_tiles(__LINE__, &hw, 1, 1, 1, 1, 1);
    EQ("os K = 0", systolic_default_tiles(&hw, 8, 0, 8, NULL), SYSTOLIC_EINVAL);
    /* A_DEPTH = 100 < B_DEPTH: 64x1000x50: T = min(100, 200, 1000) = 100 (A's); RF = min(100/100 = 1, 6, 11) = 1. */
    REG(0x0C) = 100u;
    hw = probed();
    check_tiles(__LINE__, &hw, 64, 1000, 50, 100, 1);
    /* C_DEPTH = 6 = R: 64x30x50: T = 30; RF = max(1, min(100/30 = 3, 6/6 = 1, 11)) = 1; 1 * 1 * 6 <= 6 fits. */
    REG(0x14) = 6u;
    hw = probed();
    check_tiles(__LINE__, &hw, 64, 30, 50, 30, 1);
    /* C_DEPTH = 5 < R = 6: RF = max(1, min(3, 5/6 = 0, 11)) = 1, 1 * 1 * 6 = 6 > 5: no tiling. */
    REG(0x14) = 5u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 64, 30, 50, SYSTOLIC_ENOTILE);
    /* B_DEPTH = 0: T = min(100, 0, 30) = 0: no tiling. */
    fill_os_6x10();
    REG(0x10) = 0u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 64, 30, 50, SYSTOLIC_ENOTILE);
    /*
     * A, B, C depths 100000: 8x70000x8: T = min(100000, 100000, 70000) = 70000,
     * RF = max(1, min(100000/70000 = 1, 16666, ceil(8/6) = 2)) = 1; they fit
     * (70000, 70000, 6 <= 100000) but TILE_T does not fit its 16 bits.
     */
    REG(0x0C) = 100000u;
    REG(0x10) = 100000u;
    REG(0x14) = 100000u;
    hw = probed();
    check_no_tiles(__LINE__, &hw, 8, 70000, 8, SYSTOLIC_ERANGE);
    /* K = 65535: T = 65535 fits its field; RF = min(100000/65535 = 1, ...) = 1. */
    check_tiles(__LINE__, &hw, 8, 65535, 8, 65535, 1);
}

static void test_tiles_fit(void)
{
    struct systolic_hw hw;
    struct systolic_tiles t;

    /* ws 8x8: CF * RF * 8 <= S = 2048, RF * T <= X = 2048, CF * T <= O = 256. */
    fill_ws_8x8();
    hw = probed();
    t.t = 256, t.rf = 8, t.cf = 1; /* 64, 2048, 256: all at or under */
    TRUE("256/8/1 fits", systolic_tiles_fit(&hw, &t));
    t.t = 256, t.rf = 9, t.cf = 1; /* 9 * 256 = 2304 > 2048 */
    TRUE("256/9/1 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 128, t.rf = 16, t.cf = 2; /* 256, 2048, 256 */
    TRUE("128/16/2 fits", systolic_tiles_fit(&hw, &t));
    t.t = 129, t.rf = 1, t.cf = 2; /* 2 * 129 = 258 > 256 */
    TRUE("129/1/2 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 1, t.rf = 128, t.cf = 2; /* 2 * 128 * 8 = 2048 */
    TRUE("1/128/2 fits", systolic_tiles_fit(&hw, &t));
    t.t = 1, t.rf = 257, t.cf = 1; /* 257 * 8 = 2056 > 2048 */
    TRUE("1/257/1 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 0xFFFF, t.rf = 0xFFFF, t.cf = 0xFFFF; /* no 32-bit wrap-around */
    TRUE("the widest tiles do not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 8, t.rf = 0x20000000u, t.cf = 1; /* 2^29 * 8 = 2^32: both products wrap to 0 in 32 bits */
    TRUE("no wrap-around to 0", !systolic_tiles_fit(&hw, &t));

    /* is 4x16: S = A = 512, X = B = 1024, O = 128. */
    fill_is_4x16();
    hw = probed();
    t.t = 128, t.rf = 8, t.cf = 1; /* 32, 1024, 128 */
    TRUE("is 128/8/1 fits", systolic_tiles_fit(&hw, &t));
    t.t = 8, t.rf = 128, t.cf = 1; /* 512, 1024, 8 */
    TRUE("is 8/128/1 fits", systolic_tiles_fit(&hw, &t));
    t.t = 4, t.rf = 129, t.cf = 1; /* 129 * 4 = 516 > 512 */
    TRUE("is 4/129/1 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 128, t.rf = 8, t.cf = 16; /* 16 * 128 = 2048 > 128 */
    TRUE("is 128/8/16 does not fit", !systolic_tiles_fit(&hw, &t));

    /* os 6x10: RF * T <= A = 300, CF * T <= B = 200, CF * RF * 6 <= C = 40. */
    fill_os_6x10();
    hw = probed();
    t.t = 200, t.rf = 1, t.cf = 1; /* 200, 200, 6 */
    TRUE("os 200/1/1 fits", systolic_tiles_fit(&hw, &t));
    t.t = 201, t.rf = 1, t.cf = 1; /* 1 * 201 = 201 > B = 200 */
    TRUE("os 201/1/1 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 100, t.rf = 3, t.cf = 2; /* 300, 200, 36: all at or under */
    TRUE("os 100/3/2 fits", systolic_tiles_fit(&hw, &t));
    t.t = 100, t.rf = 3, t.cf = 3; /* 3 * 100 = 300 > B = 200 */
    TRUE("os 100/3/3 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 151, t.rf = 2, t.cf = 1; /* 2 * 151 = 302 > A = 300 */
    TRUE("os 151/2/1 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 1, t.rf = 6, t.cf = 1; /* 6, 1, 36 */
    TRUE("os 1/6/1 fits", systolic_tiles_fit(&hw, &t));
    t.t = 1, t.rf = 7, t.cf = 1; /* 7 * 6 = 42 > C = 40 (B = 200 would take it) */
    TRUE("os 1/7/1 does not fit", !systolic_tiles_fit(&hw, &t));
    t.t = 40, t.rf = 1, t.cf = 5; /* 40, 200, 30 (ws's rule: 5 * 40 = 200 > C = 40) */
    TRUE("os 40/1/5 fits", systolic_tiles_fit(&hw, &t));
    t.t = 0xFFFF, t.rf = 0xFFFF, t.cf = 0xFFFF; /* no 32-bit wrap-around */
    TRUE("os: the widest tiles do not fit", !systolic_tiles_fit(&hw, &t));
}

static void check_matrix(int line, const struct systolic_matrix *mat, uint32_t rows, uint32_t cols,
                         uint32_t elem, uint32_t row_bytes, uint32_t stride, uint32_t transposed)
{
    check_u64(line, "rows", mat->rows, rows);
    check_u64(line, "cols", mat->cols, cols);
    check_u64(line, "element bytes", mat->elem_bytes, elem);
    check_u64(line, "row bytes", mat->row_bytes, row_bytes);
    check_u64(line, "stride", mat->stride, stride);
    check_u64(line, "bytes", mat->bytes, (uint64_t)rows * stride);
    check_u64(line, "transposed", mat->transposed, transposed);
}

static void test_layout(void)
{
    struct systolic_hw hw;
    struct systolic_layout l;
    struct systolic_gemm g;

    /* ws, ob = 1, cb = 4, DW = 4; 3x5x7: A 3 x 5, B 5 x 7, C 3 x 7. */
    fill_ws_8x8();
    hw = probed();
    EQ("ws layout", systolic_get_layout(&hw, 3, 5, 7, &l), 0);
    check_matrix(__LINE__, &l.a, 3, 5, 1, 5, 8, 0);   /* 5 bytes -> 8 */
    check_matrix(__LINE__, &l.b, 5, 7, 1, 7, 8, 0);   /* 7 bytes -> 8 */
    check_matrix(__LINE__, &l.c, 3, 7, 4, 28, 28, 0); /* 7 * 4 = 28, a multiple of 4 */
    EQ("ws packed", systolic_gemm_packed(&hw, 3, 5, 7, 0x1000, 0x2000, 0x3000, &g), 0);
    EQ("m", g.m, 3);
    EQ("k", g.k, 5);
    EQ("n", g.n, 7);
    EQ("a addr", g.a_addr, 0x1000);
    EQ("a stride", g.a_stride, 8);
    EQ("b addr", g.b_addr, 0x2000);
    EQ("b stride", g.b_stride, 8);
    EQ("c addr", g.c_addr, 0x3000);
    EQ("c stride", g.c_stride, 28);
    EQ("A[2][3] = 2 * 8 + 3", systolic_a_offset(&hw, &g, 2, 3), 19);
    EQ("B[4][6] = 4 * 8 + 6", systolic_b_offset(&hw, &g, 4, 6), 38);
    EQ("C[2][6] = 2 * 28 + 6 * 4", systolic_c_offset(&hw, &g, 2, 6), 80);
    EQ("unaligned A", systolic_gemm_packed(&hw, 3, 5, 7, 0x1002, 0x2000, 0x3000, &g),
       SYSTOLIC_EALIGN);
    EQ("unaligned C", systolic_gemm_packed(&hw, 3, 5, 7, 0x1000, 0x2000, 0x3001, &g),
       SYSTOLIC_EALIGN);
    EQ("M = 0", systolic_get_layout(&hw, 0, 5, 7, &l), SYSTOLIC_EINVAL);

    systolic_gemm_packed(&hw, 3, 5, 7, 0x1000, 0x2000, 0x3000, &g);
    g.b_stride = 6; /* not a multiple of 4 */
    EQ("unaligned stride", systolic_gemm_check(&hw, &g), SYSTOLIC_EALIGN);
    g.b_stride = 4; /* aligned, but shorter than B's 7-byte row */
    EQ("short stride", systolic_gemm_check(&hw, &g), SYSTOLIC_ESTRIDE);
    g.b_stride = 64;
    EQ("a longer stride", systolic_gemm_check(&hw, &g), 0);
    /* C's last byte: 0xFFFFFF00 + 2 * 28 + 28 - 1 = 0xFFFFFF53, within 4 GiB. */
    g.c_addr = 0xFFFFFF00u;
    EQ("C ends below 4 GiB", systolic_gemm_check(&hw, &g), 0);
    /* 0xFFFFFFB0 + 56 + 28 = 0x1_0000_0004: past the end. */
    g.c_addr = 0xFFFFFFB0u;
    EQ("C runs past 4 GiB", systolic_gemm_check(&hw, &g), SYSTOLIC_ERANGE);
    /* 65536 x 65536 x 1 int8: A is 65536 rows x 65536 bytes = 4 GiB. */
    EQ("a 4 GiB matrix", systolic_get_layout(&hw, 65536, 65536, 1, &l), SYSTOLIC_ERANGE);

    /* is, ob = ceil(4/8) = 1, cb = ceil(24/8) = 3, DW = 4; 50x100x7: A^T 100 x 50, B^T 7 x 100, C^T 7 x 50. */
    fill_is_4x16();
    hw = probed();
    EQ("is layout", systolic_get_layout(&hw, 50, 100, 7, &l), 0);
    check_matrix(__LINE__, &l.a, 100, 50, 1, 50, 52, 1);   /* 50 bytes -> 52 */
    check_matrix(__LINE__, &l.b, 7, 100, 1, 100, 100, 1);  /* 100 bytes, a multiple of 4 */
    check_matrix(__LINE__, &l.c, 7, 50, 3, 150, 152, 1);   /* 50 * 3 = 150 -> 152 */
    EQ("is packed", systolic_gemm_packed(&hw, 50, 100, 7, 0x10000, 0x20000, 0x30000, &g), 0);
    EQ("is a stride", g.a_stride, 52);
    EQ("is b stride", g.b_stride, 100);
    EQ("is c stride", g.c_stride, 152);
    EQ("A[10][20] = A^T[20][10] = 20 * 52 + 10", systolic_a_offset(&hw, &g, 10, 20), 1050);
    EQ("B[30][5] = B^T[5][30] = 5 * 100 + 30", systolic_b_offset(&hw, &g, 30, 5), 530);
    EQ("C[49][6] = C^T[6][49] = 6 * 152 + 49 * 3", systolic_c_offset(&hw, &g, 49, 6), 1059);

    /*
     * os, ob = 1, cb = ceil(20/8) = 3, DW = 2; 5x7x9: A^T 7 x 5 (transposed), B 7 x 9,
     * C 5 x 9 (neither transposed).
     */
    fill_os_6x10();
    hw = probed();
    EQ("os transposed: A only", systolic_transposed(&hw), 1);
    EQ("os layout", systolic_get_layout(&hw, 5, 7, 9, &l), 0);
    check_matrix(__LINE__, &l.a, 7, 5, 1, 5, 6, 1);   /* 5 bytes -> 6 */
    check_matrix(__LINE__, &l.b, 7, 9, 1, 9, 10, 0);  /* 9 bytes -> 10 */
    check_matrix(__LINE__, &l.c, 5, 9, 3, 27, 28, 0); /* 9 * 3 = 27 -> 28 */
    EQ("os packed", systolic_gemm_packed(&hw, 5, 7, 9, 0x1000, 0x2000, 0x3000, &g), 0);
    EQ("os a stride", g.a_stride, 6);
    EQ("os b stride", g.b_stride, 10);
    EQ("os c stride", g.c_stride, 28);
    EQ("A[4][6] = A^T[6][4] = 6 * 6 + 4", systolic_a_offset(&hw, &g, 4, 6), 40);
    EQ("B[6][8] = 6 * 10 + 8", systolic_b_offset(&hw, &g, 6, 8), 68);
    EQ("C[4][8] = 4 * 28 + 8 * 3", systolic_c_offset(&hw, &g, 4, 8), 136);
    EQ("A[1][0] = A^T[0][1] = 1", systolic_a_offset(&hw, &g, 1, 0), 1);
    EQ("A[0][1] = A^T[1][0] = 6", systolic_a_offset(&hw, &g, 0, 1), 6);
    /* An 8-byte stride holds A^T's 5-byte rows but not B's 9-byte ones (B^T's would be 7). */
    g.a_stride = 8;
    EQ("os: 8 bytes hold A^T's row", systolic_gemm_check(&hw, &g), 0);
    g.b_stride = 8;
    EQ("os: 8 bytes do not hold B's row", systolic_gemm_check(&hw, &g), SYSTOLIC_ESTRIDE);
    g.b_stride = 10;
    g.c_stride = 26; /* aligned, shorter than C's 27 bytes (C^T's would be 15) */
    EQ("os: C's rows are N long", systolic_gemm_check(&hw, &g), SYSTOLIC_ESTRIDE);
    g.c_stride = 28;
    g.c_addr = 0x3001;
    EQ("os unaligned C", systolic_gemm_check(&hw, &g), SYSTOLIC_EALIGN);
    {
        /*
         * Packing a 2x3x2 GEMM with the offset helpers: A = [[1 2 3] [4 5 6]] lands as
         * A^T = [[1 4] [2 5] [3 6]], 2-byte rows in 2-byte strides; B = [[1 2] [3 4] [5 6]]
         * as itself, 2-byte rows.
         */
        static const uint8_t a[2][3] = {{1, 2, 3}, {4, 5, 6}};
        static const uint8_t b[3][2] = {{1, 2}, {3, 4}, {5, 6}};
        static const uint8_t want_a[6] = {1, 4, 2, 5, 3, 6};
        static const uint8_t want_b[6] = {1, 2, 3, 4, 5, 6};
        uint8_t da[6], db[6];
        uint32_t i, k, j;
        memset(da, 0xEE, sizeof da);
        memset(db, 0xEE, sizeof db);
        EQ("os 2x3x2 packed", systolic_gemm_packed(&hw, 2, 3, 2, 0x0, 0x100, 0x200, &g), 0);
        EQ("os 2x3x2 A^T stride", g.a_stride, 2);
        EQ("os 2x3x2 B stride", g.b_stride, 2);
        EQ("os 2x3x2 C stride = 2 * 3", g.c_stride, 6);
        for (i = 0; i < 2; i++)
            for (k = 0; k < 3; k++)
                da[systolic_a_offset(&hw, &g, i, k)] = a[i][k];
        for (k = 0; k < 3; k++)
            for (j = 0; j < 2; j++)
                db[systolic_b_offset(&hw, &g, k, j)] = b[k][j];
        TRUE("os: A packed as A^T", memcmp(da, want_a, sizeof da) == 0);
        TRUE("os: B packed as B", memcmp(db, want_b, sizeof db) == 0);
        EQ("os: C[1][1] = 1 * 6 + 1 * 3", systolic_c_offset(&hw, &g, 1, 1), 9);
    }
}

static void test_start(void)
{
    struct systolic_hw hw;
    struct systolic_gemm g = {1000u, 300u, 10u, 0x80000000u, 304u, 0x80100000u, 12u, 0x80200000u, 40u};
    struct systolic_tiles t = {256u, 8u, 1u};
    uint32_t before[WORDS];
    unsigned i;
    int err;

    fill_ws_8x8();
    hw = probed();
    (void)hw;
    /* Every register not read-only gets a sentinel, so each write shows; a previous run's DONE. */
    for (i = 0x18u / 4u; i < WORDS; i++)
        regs[i] = 0xDEADBEEFu;
    REG(0x24) = 0x2u;
    memcpy(before, regs, sizeof before);
    clear_log();
    err = systolic_start(base, &g, &t, 0);
    EQ("start", err, 0);
    EQ("STATUS: DONE | ERROR written to clear them", REG(0x24), 0x6);
    EQ("M", REG(0x30), 1000);
    EQ("K", REG(0x34), 300);
    EQ("N", REG(0x38), 10);
    EQ("TILE_T", REG(0x3C), 256);
    EQ("TILE_RF", REG(0x40), 8);
    EQ("TILE_CF", REG(0x44), 1);
    EQ("A_ADDR", REG(0x50), 0x80000000u);
    EQ("A_STRIDE", REG(0x54), 304);
    EQ("B_ADDR", REG(0x58), 0x80100000u);
    EQ("B_STRIDE", REG(0x5C), 12);
    EQ("C_ADDR", REG(0x60), 0x80200000u);
    EQ("C_STRIDE", REG(0x64), 40);
    EQ("CTRL: START", REG(0x20), 0x1);
    for (i = 0; i < WORDS; i++) {
        uint32_t off = 4u * i;
        int written = off == 0x20u || off == 0x24u || (off >= 0x30u && off <= 0x44u) ||
                      (off >= 0x50u && off <= 0x64u);
        if (!written)
            EQ("nothing else written", regs[i], before[i]);
    }
    {
        static const struct access want[] = {
            {'r', 0x24, 0x2}, /* BUSY? */
            {'w', 0x24, 0x6}, /* clear DONE and ERROR */
            {'w', 0x30, 1000},
            {'w', 0x34, 300},
            {'w', 0x38, 10},
            {'w', 0x3C, 256},
            {'w', 0x40, 8},
            {'w', 0x44, 1},
            {'w', 0x50, 0x80000000u},
            {'w', 0x54, 304},
            {'w', 0x58, 0x80100000u},
            {'w', 0x5C, 12},
            {'w', 0x60, 0x80200000u},
            {'w', 0x64, 40},
            {'w', 0x20, 0x1}, /* CTRL last */
        };
        check_log(__LINE__, "start's accesses", want, sizeof want / sizeof want[0]);
    }

    REG(0x24) = 0;
    clear_log();
    EQ("start with IRQ", systolic_start(base, &g, &t, 1), 0);
    EQ("CTRL: START | IRQ_EN", REG(0x20), 0x3);
    if (logging()) {
        EQ("CTRL last", log_[n_log - 1].off, 0x20);
        EQ("CTRL last value", log_[n_log - 1].val, 0x3);
        EQ("1 read + 14 writes", n_log, 15);
    }

    /* Busy: nothing written. */
    for (i = 0x18u / 4u; i < WORDS; i++)
        regs[i] = 0xDEADBEEFu;
    REG(0x24) = 0x1u;
    memcpy(before, regs, sizeof before);
    clear_log();
    EQ("start while busy", systolic_start(base, &g, &t, 0), SYSTOLIC_EBUSY);
    TRUE("busy: nothing written", memcmp(before, regs, sizeof before) == 0);
    {
        static const struct access want[] = {{'r', 0x24, 0x1}};
        check_log(__LINE__, "busy: one read", want, 1);
    }

    /* A tile past 16 bits: nothing written. */
    REG(0x24) = 0;
    memcpy(before, regs, sizeof before);
    t.t = 0x10000u;
    EQ("TILE_T = 65536", systolic_start(base, &g, &t, 0), SYSTOLIC_ERANGE);
    t.t = 256u;
    t.cf = 0x10001u;
    EQ("TILE_CF = 65537", systolic_start(base, &g, &t, 0), SYSTOLIC_ERANGE);
    TRUE("out of range: nothing written", memcmp(before, regs, sizeof before) == 0);
}

static void test_poll_wait_clear(void)
{
    static const uint32_t busy_then_done[] = {0x1, 0x1, 0x1, 0x2};
    static const uint32_t busy_start_error_then_done[] = {0x5, 0x5, 0x6};
    static const uint32_t idle_busy_done[] = {0x0, 0x1, 0x2};

    memset(regs, 0, sizeof regs);
    REG(0x24) = 0x0;
    EQ("STATUS 0: idle", systolic_poll(base), SYSTOLIC_IDLE);
    REG(0x24) = 0x1;
    EQ("STATUS BUSY", systolic_poll(base), SYSTOLIC_BUSY);
    REG(0x24) = 0x2;
    EQ("STATUS DONE", systolic_poll(base), SYSTOLIC_DONE);
    REG(0x24) = 0x4;
    EQ("STATUS ERROR", systolic_poll(base), SYSTOLIC_ERROR);
    REG(0x24) = 0x6;
    EQ("STATUS DONE | ERROR: error", systolic_poll(base), SYSTOLIC_ERROR);
    REG(0x24) = 0x5;
    EQ("STATUS BUSY | ERROR: still busy", systolic_poll(base), SYSTOLIC_BUSY);

    REG(0x24) = 0x2;
    REG(0x28) = 0;
    EQ("wait: done", systolic_wait(base), 0);
    REG(0x24) = 0x6;
    REG(0x28) = 0x8;
    EQ("wait: done with an AXI error", systolic_wait(base), 0x8);
    REG(0x24) = 0x4;
    REG(0x28) = 0x5;
    EQ("wait: registers rejected at once", systolic_wait(base), 0x5);
    EQ("wait clears nothing", REG(0x24), 0x4);
    REG(0x28) = 0x40;
    EQ("wait: a bit this driver does not know is kept", systolic_wait(base), 0x40);
    REG(0x28) = 0;
    EQ("wait: ERROR without ERR_CODE is still an error", systolic_wait(base), SYSTOLIC_EIP);

    if (logging()) {
        REG(0x24) = 0x2;
        REG(0x28) = 0;
        clear_log();
        script_status(busy_then_done, 4);
        EQ("wait: busy, busy, busy, done", systolic_wait(base), 0);
        EQ("wait: read STATUS until done", script_pos, 4);
        EQ("wait: no writes, 4 reads", n_log, 4);

        REG(0x28) = 0x10;
        clear_log();
        script_status(busy_start_error_then_done, 3);
        EQ("wait: START while busy, reported after the run", systolic_wait(base), 0x10);
        EQ("wait: until not busy", script_pos, 3);

        REG(0x28) = 0;
        clear_log();
        script_status(idle_busy_done, 3);
        EQ("wait: idle before busy keeps waiting", systolic_wait(base), 0);
        EQ("wait: all three reads", script_pos, 3);
        clear_log();
    }

    REG(0x24) = 0x6;
    clear_log();
    systolic_clear(base);
    EQ("clear writes DONE | ERROR to STATUS", REG(0x24), 0x6);
    {
        static const struct access want[] = {{'w', 0x24, 0x6}};
        check_log(__LINE__, "clear: one write", want, 1);
    }
}

static void test_counters(void)
{
    struct systolic_counters c;

    memset(regs, 0, sizeof regs);
    REG(0x80) = 0x89ABCDEFu;
    REG(0x84) = 0x1234u;
    REG(0x88) = 0x00000010u;
    REG(0x8C) = 0x0u;
    REG(0x90) = 0xFFFFFFFFu;
    REG(0x94) = 0xFFFFu;
    REG(0x98) = 0x00000400u;
    REG(0x9C) = 0x1u;
    clear_log();
    systolic_counters(base, &c);
    EQ("cycles", c.cycles, 0x123489ABCDEFull);
    EQ("stall cycles", c.stall_cycles, 0x10);
    EQ("read bytes, all 48 bits", c.rd_bytes, 0xFFFFFFFFFFFFull);
    EQ("written bytes", c.wr_bytes, 0x100000400ull);
    {
        static const struct access want[] = {
            {'r', 0x80, 0x89ABCDEFu}, {'r', 0x84, 0x1234u}, {'r', 0x88, 0x10u}, {'r', 0x8C, 0u},
            {'r', 0x90, 0xFFFFFFFFu}, {'r', 0x94, 0xFFFFu}, {'r', 0x98, 0x400u}, {'r', 0x9C, 1u},
        };
        check_log(__LINE__, "counters: LO then HI", want, sizeof want / sizeof want[0]);
    }
    /* Bits above [47:32] in a _HI register are not part of the counter. */
    REG(0x84) = 0xFFFF0001u;
    systolic_counters(base, &c);
    EQ("cycles, 48 bits", c.cycles, 0x189ABCDEFull);
}

static void check_names(int line, int code, const char *part)
{
    const char *s = systolic_strerror(code);
    check_true(line, part, s != NULL && strstr(s, part) != NULL);
    if (s != NULL && strstr(s, part) == NULL)
        printf("    systolic_strerror(%d) = \"%s\"\n", code, s);
}

static void test_strerror(void)
{
    const char *names[15];
    int codes[15] = {0, -1, -2, -3, -4, -5, -6, -7, -8, -9, 0x1, 0x2, 0x4, 0x8, 0x10};
    unsigned i, j;

    /* docs/IP.md, ERR_CODE. */
    check_names(__LINE__, 0x01, "ERR_CODE[0]");
    check_names(__LINE__, 0x01, "a size or tile count is 0");
    check_names(__LINE__, 0x02, "ERR_CODE[1]");
    check_names(__LINE__, 0x02, "not a multiple of DW");
    check_names(__LINE__, 0x04, "ERR_CODE[2]");
    check_names(__LINE__, 0x04, "the tiles do not fit the buffers");
    check_names(__LINE__, 0x08, "ERR_CODE[3]");
    check_names(__LINE__, 0x08, "AXI error response");
    check_names(__LINE__, 0x10, "ERR_CODE[4]");
    check_names(__LINE__, 0x10, "START while busy");
    /* Several bits: the lowest is named. */
    check_names(__LINE__, 0x18, "ERR_CODE[3]");
    check_names(__LINE__, 0x14, "ERR_CODE[2]");
    check_names(__LINE__, 0x20, "does not know");
    check_names(__LINE__, 0, "no error");
    check_names(__LINE__, SYSTOLIC_ENODEV, "SYA1");
    check_names(__LINE__, SYSTOLIC_EBUSY, "busy");
    check_names(__LINE__, SYSTOLIC_ENOTILE, "no tiling");
    check_names(__LINE__, -100, "unknown");
    /* Every code has its own name. */
    for (i = 0; i < 15; i++)
        names[i] = systolic_strerror(codes[i]);
    for (i = 0; i < 15; i++) {
        TRUE("a known code is not unknown", strstr(names[i], "unknown") == NULL &&
                                                strstr(names[i], "does not know") == NULL);
        for (j = i + 1; j < 15; j++)
            TRUE("distinct names", strcmp(names[i], names[j]) != 0);
    }
}

int main(void)
{
    test_register_map();
    test_probe();
    test_default_tiles();
    test_tiles_fit();
    test_layout();
    test_start();
    test_poll_wait_clear();
    test_counters();
    test_strerror();
    printf("driver_test (%s): %u checks, %u failed\n", logging() ? "logged MMIO" : "plain MMIO",
           checks, failures);
    if (failures != 0)
        return 1;
    printf("DRIVER TEST OK\n");
    return 0;
}
