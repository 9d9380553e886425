/**
 * @file systolic.h
 * Bare-metal driver for the systolic-array IP (`<prefix>_ip`): header-only,
 * freestanding C99 (also valid C++), needing only <stdint.h> and <stddef.h>.
 *
 * The register map is docs/IP.md; the DRAM layouts and the cycle contract
 * are docs/TIMING.md, "The IP". Every function is `static inline` over a
 * `volatile uint32_t *` pointing at the IP's AXI4-Lite window.
 *
 * What it offers:
 *  - `SYSTOLIC_REG_*` offsets and `*_MASK` / `*_SHIFT` fields, exactly as
 *    docs/IP.md; `systolic_read` / `systolic_write`.
 *  - `systolic_probe`: checks ID, decodes HWCFG0/1 and the depths into
 *    `struct systolic_hw`.
 *  - `systolic_default_tiles` (the default rule of docs/IP.md) and
 *    `systolic_tiles_fit` (the rule the IP checks, ERR_CODE[2]), for ws, is
 *    and os alike, over the buffer depths by role (`systolic_*_depth`).
 *  - DRAM layout helpers: `systolic_get_layout`, `systolic_gemm_packed`,
 *    `systolic_gemm_check`, `systolic_transposed` and the element offsets
 *    `systolic_a_offset`, `systolic_b_offset`, `systolic_c_offset`.
 *  - A run: `systolic_start`, `systolic_poll`, `systolic_wait`,
 *    `systolic_clear`, `systolic_counters`, `systolic_strerror`.
 *
 * Dataflows (HWCFG1[17:16]): ws 0, is 1, os 2. Each maps the GEMM's
 * dimensions onto the array's roles: rows (R lanes), columns (C lanes) and
 * time; the tile registers follow the roles (`struct systolic_tiles`):
 *
 *   dataflow | rows | columns | time
 *   ws       | K    | N       | M
 *   is       | K    | M       | N
 *   os       | M    | N       | K
 *
 * DRAM layout (docs/TIMING.md, "DRAM layout"). The GEMM is C = A B with
 * A M x K, B K x N, C M x N. Each matrix is stored row-major with a row
 * stride in bytes, oriented so that one buffer line is a contiguous piece
 * of one row:
 *
 *   dataflow | A_ADDR holds     | B_ADDR holds     | C_ADDR holds
 *   ws       | A  (M x K)       | B  (K x N)       | C  (M x N)
 *   is       | A^T (K x M)      | B^T (N x K)      | C^T (N x M)
 *   os       | A^T (K x M)      | B  (K x N)       | C  (M x N)
 *
 * Operands take `ob = ceil(operand bits / 8)` bytes each and outputs
 * `cb = ceil(accumulator bits / 8)` bytes each, little-endian two's
 * complement sign-extended to whole bytes (int4 operands take one byte,
 * 24-bit accumulators three). Base addresses and row strides must be
 * multiples of `DW`, the AXI data width in bytes, `DW = 1 << HWCFG1[23:20]`
 * (ERR_CODE[1] otherwise); a stride must also hold its row
 * (stride >= columns * element bytes), for which ERR_CODE has no bit.
 * `systolic_get_layout` gives each stored matrix's shape and its smallest
 * legal stride (the row's bytes rounded up to DW); `systolic_a_offset` and
 * friends give the byte offset of a logical element A[i][k], B[k][j] or
 * C[i][j] in any dataflow, so the caller's packing loop does not depend
 * on the dataflow.
 *
 * Caches: the IP's DMA does not snoop. Clean (flush) A and B from the data
 * cache before `systolic_start`, invalidate C after `systolic_wait`.
 *
 * Errors: functions return 0 on success, a negative `SYSTOLIC_E*` for an
 * error the driver finds before touching the IP, or (`systolic_wait`) the
 * positive ERR_CODE bits the IP reported. `systolic_strerror` names both.
 *
 * Example (an 8x8 int8 design with 32-bit accumulators, of any dataflow: the
 * offset helpers place each element; buffers in uncached or flushed memory):
 *
 *   #include "systolic.h"
 *
 *   #define IP ((volatile uint32_t *)0x43C00000u)
 *
 *   int gemm_64x300x10(const int8_t *a, const int8_t *b, int32_t *c)
 *   {
 *       struct systolic_hw hw;
 *       struct systolic_gemm g;
 *       struct systolic_tiles t;
 *       struct systolic_counters cnt;
 *       uint8_t *da = (uint8_t *)0x80000000u, *db = (uint8_t *)0x80100000u;
 *       uint8_t *dc = (uint8_t *)0x80200000u;
 *       uint32_t i, k, j;
 *       int err = systolic_probe(IP, &hw);
 *       if (err == 0)
 *           err = systolic_gemm_packed(&hw, 64, 300, 10, 0x80000000u,
 *                                      0x80100000u, 0x80200000u, &g);
 *       if (err == 0)
 *           err = systolic_default_tiles(&hw, g.m, g.k, g.n, &t);
 *       if (err != 0)
 *           return err;
 *       for (i = 0; i < g.m; i++)              // one byte per int8 operand
 *           for (k = 0; k < g.k; k++)
 *               da[systolic_a_offset(&hw, &g, i, k)] = (uint8_t)a[i * g.k + k];
 *       for (k = 0; k < g.k; k++)
 *           for (j = 0; j < g.n; j++)
 *               db[systolic_b_offset(&hw, &g, k, j)] = (uint8_t)b[k * g.n + j];
 *       err = systolic_start(IP, &g, &t, 0);   // 0: no interrupt, poll
 *       if (err == 0)
 *           err = systolic_wait(IP);           // 0 or the ERR_CODE bits
 *       systolic_clear(IP);
 *       if (err != 0)
 *           return err;                        // systolic_strerror(err)
 *       for (i = 0; i < g.m; i++)              // 32-bit accumulators, LE
 *           for (j = 0; j < g.n; j++) {
 *               const uint8_t *p = dc + systolic_c_offset(&hw, &g, i, j);
 *               c[i * g.n + j] = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
 *                                          (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
 *           }
 *       systolic_counters(IP, &cnt);           // cnt.cycles, cnt.stall_cycles, ...
 *       return 0;
 *   }
 *
 * With IRQ: pass irq_enable = 1 to `systolic_start`; the `irq` line is high
 * while IRQ_EN and DONE or ERROR; the handler calls `systolic_poll` or
 * `systolic_wait` (which then returns at once) and `systolic_clear`, which
 * lowers the line.
 *
 * Porting: every register access goes through `SYSTOLIC_MMIO_READ(base, off)`
 * and `SYSTOLIC_MMIO_WRITE(base, off, val)` (`off` in bytes). Define them
 * before including this header to use the platform's own accessors (or, as
 * drivers/test/driver_test.c does, to log the accesses).
 */
#ifndef SYSTOLIC_H
#define SYSTOLIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Register offsets (bytes) and fields, docs/IP.md "Register map" ---- */

#define SYSTOLIC_REG_ID 0x00u
#define SYSTOLIC_REG_HWCFG0 0x04u
#define SYSTOLIC_REG_HWCFG1 0x08u
#define SYSTOLIC_REG_A_DEPTH 0x0Cu
#define SYSTOLIC_REG_B_DEPTH 0x10u
#define SYSTOLIC_REG_C_DEPTH 0x14u
#define SYSTOLIC_REG_CTRL 0x20u
#define SYSTOLIC_REG_STATUS 0x24u
#define SYSTOLIC_REG_ERR_CODE 0x28u
#define SYSTOLIC_REG_M 0x30u
#define SYSTOLIC_REG_K 0x34u
#define SYSTOLIC_REG_N 0x38u
#define SYSTOLIC_REG_TILE_T 0x3Cu
#define SYSTOLIC_REG_TILE_RF 0x40u
#define SYSTOLIC_REG_TILE_CF 0x44u
#define SYSTOLIC_REG_A_ADDR 0x50u
#define SYSTOLIC_REG_A_STRIDE 0x54u
#define SYSTOLIC_REG_B_ADDR 0x58u
#define SYSTOLIC_REG_B_STRIDE 0x5Cu
#define SYSTOLIC_REG_C_ADDR 0x60u
#define SYSTOLIC_REG_C_STRIDE 0x64u
#define SYSTOLIC_REG_CYCLES_LO 0x80u
#define SYSTOLIC_REG_CYCLES_HI 0x84u
#define SYSTOLIC_REG_STALL_LO 0x88u
#define SYSTOLIC_REG_STALL_HI 0x8Cu
#define SYSTOLIC_REG_RD_BYTES_LO 0x90u
#define SYSTOLIC_REG_RD_BYTES_HI 0x94u
#define SYSTOLIC_REG_WR_BYTES_LO 0x98u
#define SYSTOLIC_REG_WR_BYTES_HI 0x9Cu

/** ID: "SYA1". */
#define SYSTOLIC_ID_VALUE 0x53594131u

/* HWCFG0: [15:0] rows R, [31:16] columns C. */
#define SYSTOLIC_HWCFG0_ROWS_MASK 0x0000FFFFu
#define SYSTOLIC_HWCFG0_ROWS_SHIFT 0u
#define SYSTOLIC_HWCFG0_COLS_MASK 0xFFFF0000u
#define SYSTOLIC_HWCFG0_COLS_SHIFT 16u

/* HWCFG1: [7:0] operand bits, [15:8] accumulator bits, [17:16] dataflow,
 * [18] double-buffered, [19] saturating, [23:20] log2 DW. */
#define SYSTOLIC_HWCFG1_OP_BITS_MASK 0x000000FFu
#define SYSTOLIC_HWCFG1_OP_BITS_SHIFT 0u
#define SYSTOLIC_HWCFG1_ACC_BITS_MASK 0x0000FF00u
#define SYSTOLIC_HWCFG1_ACC_BITS_SHIFT 8u
#define SYSTOLIC_HWCFG1_DATAFLOW_MASK 0x00030000u
#define SYSTOLIC_HWCFG1_DATAFLOW_SHIFT 16u
#define SYSTOLIC_HWCFG1_DOUBLE_BUF_MASK 0x00040000u
#define SYSTOLIC_HWCFG1_DOUBLE_BUF_SHIFT 18u
#define SYSTOLIC_HWCFG1_SATURATING_MASK 0x00080000u
#define SYSTOLIC_HWCFG1_SATURATING_SHIFT 19u
#define SYSTOLIC_HWCFG1_LOG2_DW_MASK 0x00F00000u
#define SYSTOLIC_HWCFG1_LOG2_DW_SHIFT 20u

/** HWCFG1 dataflow values. */
#define SYSTOLIC_DATAFLOW_WS 0u
#define SYSTOLIC_DATAFLOW_IS 1u
#define SYSTOLIC_DATAFLOW_OS 2u

/* CTRL: [0] START (write 1; reads 0), [1] IRQ_EN. */
#define SYSTOLIC_CTRL_START 0x00000001u
#define SYSTOLIC_CTRL_IRQ_EN 0x00000002u

/* STATUS: [0] BUSY, [1] DONE (sticky, W1C), [2] ERROR (sticky, W1C; clears ERR_CODE). */
#define SYSTOLIC_STATUS_BUSY 0x00000001u
#define SYSTOLIC_STATUS_DONE 0x00000002u
#define SYSTOLIC_STATUS_ERROR 0x00000004u

/* ERR_CODE bits. */
#define SYSTOLIC_ERR_ZERO 0x00000001u     /**< a size or tile count is 0 */
#define SYSTOLIC_ERR_ALIGN 0x00000002u    /**< an address or stride is not a multiple of DW */
#define SYSTOLIC_ERR_FIT 0x00000004u      /**< the tiles do not fit the buffers */
#define SYSTOLIC_ERR_AXI 0x00000008u      /**< an AXI error response (SLVERR/DECERR) */
#define SYSTOLIC_ERR_START_BUSY 0x00000010u /**< START while busy */
#define SYSTOLIC_ERR_MASK 0x0000001Fu /**< the bits docs/IP.md defines */

/** TILE_T, TILE_RF, TILE_CF: [15:0]. */
#define SYSTOLIC_TILE_MASK 0x0000FFFFu
/** The counters' _HI registers hold bits [47:32] in [15:0]. */
#define SYSTOLIC_COUNTER_HI_MASK 0x0000FFFFu

/* ---- Driver error codes (negative; positive codes are ERR_CODE bits) ---- */

#define SYSTOLIC_OK 0
#define SYSTOLIC_ENODEV (-1)  /**< ID is not "SYA1" */
#define SYSTOLIC_EHWCFG (-2)  /**< HWCFG describes a design this driver does not know */
#define SYSTOLIC_EINVAL (-3)  /**< a size (M, K, N) or tile is 0 */
#define SYSTOLIC_ERANGE (-4)  /**< a value does not fit its register field or the 32-bit address space */
#define SYSTOLIC_EALIGN (-5)  /**< an address or stride is not a multiple of DW */
#define SYSTOLIC_ESTRIDE (-6) /**< a stride is shorter than its matrix's row */
#define SYSTOLIC_ENOTILE (-7) /**< no tiling fits the buffers */
#define SYSTOLIC_EBUSY (-8)   /**< the IP is running */
#define SYSTOLIC_EIP (-9)     /**< STATUS.ERROR with ERR_CODE 0 */

/* ---- Register access ---- */

#ifndef SYSTOLIC_MMIO_READ
/** Reads the register at byte offset `off`. */
#define SYSTOLIC_MMIO_READ(base, off) ((base)[(off) >> 2])
#endif
#ifndef SYSTOLIC_MMIO_WRITE
/** Writes `val` to the register at byte offset `off`. */
#define SYSTOLIC_MMIO_WRITE(base, off, val) ((base)[(off) >> 2] = (val))
#endif

/** The register at byte offset `off` (a `SYSTOLIC_REG_*`). */
static inline uint32_t systolic_read(volatile uint32_t *base, uint32_t off)
{
    return SYSTOLIC_MMIO_READ(base, off);
}

/** Writes `val` to the register at byte offset `off` (a `SYSTOLIC_REG_*`). */
static inline void systolic_write(volatile uint32_t *base, uint32_t off, uint32_t val)
{
    SYSTOLIC_MMIO_WRITE(base, off, val);
}

/* ---- The hardware ---- */

/** The design, as its read-only registers describe it. */
struct systolic_hw {
    uint32_t id;              /**< ID (SYSTOLIC_ID_VALUE) */
    uint32_t rows;            /**< R, rows of the array */
    uint32_t cols;            /**< C, columns of the array */
    uint32_t op_bits;         /**< operand bits */
    uint32_t acc_bits;        /**< accumulator (output) bits */
    uint32_t dataflow;        /**< SYSTOLIC_DATAFLOW_WS, _IS or _OS */
    uint32_t double_buffered; /**< 1 if the buffers have two banks */
    uint32_t saturating;      /**< 1 if accumulation saturates, 0 if it wraps */
    uint32_t log2_dw;         /**< log2 of DW */
    uint32_t dw;              /**< DW, AXI data width in bytes: alignment of addresses and strides */
    uint32_t op_bytes;        /**< ob = ceil(op_bits / 8), bytes per operand in DRAM */
    uint32_t acc_bytes;       /**< cb = ceil(acc_bits / 8), bytes per output in DRAM */
    uint32_t a_depth;         /**< lines per bank of the A (ifmap) buffer */
    uint32_t b_depth;         /**< lines per bank of the B (filter) buffer */
    uint32_t c_depth;         /**< lines per bank of the C (ofmap) buffer */
};

/**
 * Reads ID, HWCFG0, HWCFG1 and the depths into `*hw`. Returns
 * SYSTOLIC_ENODEV (reading nothing else, `*hw` untouched) if ID is not
 * "SYA1", SYSTOLIC_EHWCFG (`*hw` filled) if the design has no rows, columns,
 * operand or accumulator bits, an unknown dataflow (3) or DW above 64.
 */
static inline int systolic_probe(volatile uint32_t *base, struct systolic_hw *hw)
{
    uint32_t id = systolic_read(base, SYSTOLIC_REG_ID);
    uint32_t cfg0, cfg1;
    if (id != SYSTOLIC_ID_VALUE)
        return SYSTOLIC_ENODEV;
    cfg0 = systolic_read(base, SYSTOLIC_REG_HWCFG0);
    cfg1 = systolic_read(base, SYSTOLIC_REG_HWCFG1);
    hw->id = id;
    hw->rows = (cfg0 & SYSTOLIC_HWCFG0_ROWS_MASK) >> SYSTOLIC_HWCFG0_ROWS_SHIFT;
    hw->cols = (cfg0 & SYSTOLIC_HWCFG0_COLS_MASK) >> SYSTOLIC_HWCFG0_COLS_SHIFT;
    hw->op_bits = (cfg1 & SYSTOLIC_HWCFG1_OP_BITS_MASK) >> SYSTOLIC_HWCFG1_OP_BITS_SHIFT;
    hw->acc_bits = (cfg1 & SYSTOLIC_HWCFG1_ACC_BITS_MASK) >> SYSTOLIC_HWCFG1_ACC_BITS_SHIFT;
    hw->dataflow = (cfg1 & SYSTOLIC_HWCFG1_DATAFLOW_MASK) >> SYSTOLIC_HWCFG1_DATAFLOW_SHIFT;
    hw->double_buffered =
        (cfg1 & SYSTOLIC_HWCFG1_DOUBLE_BUF_MASK) >> SYSTOLIC_HWCFG1_DOUBLE_BUF_SHIFT;
    hw->saturating = (cfg1 & SYSTOLIC_HWCFG1_SATURATING_MASK) >> SYSTOLIC_HWCFG1_SATURATING_SHIFT;
    hw->log2_dw = (cfg1 & SYSTOLIC_HWCFG1_LOG2_DW_MASK) >> SYSTOLIC_HWCFG1_LOG2_DW_SHIFT;
    hw->dw = 1u << hw->log2_dw;
    hw->op_bytes = (hw->op_bits + 7u) / 8u;
    hw->acc_bytes = (hw->acc_bits + 7u) / 8u;
    hw->a_depth = systolic_read(base, SYSTOLIC_REG_A_DEPTH);
    hw->b_depth = systolic_read(base, SYSTOLIC_REG_B_DEPTH);
    hw->c_depth = systolic_read(base, SYSTOLIC_REG_C_DEPTH);
    if (hw->rows == 0u || hw->cols == 0u || hw->op_bits == 0u || hw->acc_bits == 0u ||
        hw->dataflow > SYSTOLIC_DATAFLOW_OS || hw->log2_dw > 6u)
        return SYSTOLIC_EHWCFG;
    return SYSTOLIC_OK;
}

/* ---- Tiles ---- */

/**
 * Tile registers, in the dataflow's roles (the table at the top): each core
 * GEMM is at most TILE_T (time: ws M, is N, os K) x TILE_RF * R (rows: ws
 * and is K, os M) x TILE_CF * C (columns: ws N, is M, os N). The time tile
 * is the innermost, accumulating loop for os; the row tile for ws and is.
 */
struct systolic_tiles {
    uint32_t t;  /**< TILE_T, elements of the time dimension */
    uint32_t rf; /**< TILE_RF, row folds: the rows tile is rf * R */
    uint32_t cf; /**< TILE_CF, column tiles: the columns tile is cf * C */
};

/**
 * Lines per bank of the buffer whose tile spans rows x columns, S: ws B,
 * is A (the operand held in the PEs), os C (os holds C in the PEs).
 */
static inline uint32_t systolic_stationary_depth(const struct systolic_hw *hw)
{
    switch (hw->dataflow) {
    case SYSTOLIC_DATAFLOW_IS:
        return hw->a_depth;
    case SYSTOLIC_DATAFLOW_OS:
        return hw->c_depth;
    default:
        return hw->b_depth;
    }
}

/** Lines per bank of the buffer whose tile spans rows x time, X: ws A, is B, os A. */
static inline uint32_t systolic_streamed_depth(const struct systolic_hw *hw)
{
    return hw->dataflow == SYSTOLIC_DATAFLOW_IS ? hw->b_depth : hw->a_depth;
}

/** Lines per bank of the buffer whose tile spans columns x time, O: ws C, is C, os B. */
static inline uint32_t systolic_cols_time_depth(const struct systolic_hw *hw)
{
    return hw->dataflow == SYSTOLIC_DATAFLOW_OS ? hw->b_depth : hw->c_depth;
}

/**
 * 1 if `tiles` fit the buffers (docs/IP.md), else 0 (the IP then reports
 * ERR_CODE[2]). With S, X, O as above, `cf * rf * R <= S`, `rf * t <= X`
 * and `cf * t <= O`; that is, ws and is with S, X the stationary and
 * streamed operand's buffer and O = C_DEPTH, and os
 * `rf * t <= A_DEPTH`, `cf * t <= B_DEPTH`, `cf * rf * R <= C_DEPTH`.
 * Zero tiles (ERR_CODE[0]) are not this rule's concern.
 */
static inline int systolic_tiles_fit(const struct systolic_hw *hw, const struct systolic_tiles *tiles)
{
    uint64_t cf = tiles->cf, rf = tiles->rf, t = tiles->t;
    return cf * rf * hw->rows <= systolic_stationary_depth(hw) &&
           rf * t <= systolic_streamed_depth(hw) && cf * t <= systolic_cols_time_depth(hw);
}

/**
 * The default tiles of docs/IP.md (the rule of
 * `sim::engine::ip::default_tiles`), with S, X, O as above, T the time
 * extent (ws M, is N, os K), P the rows extent (ws and is K, os M) and
 * divisions rounding down:
 *
 *   TILE_CF = 1
 *   TILE_T  = min(O, X, T)
 *   TILE_RF = max(1, min(S / R, X / TILE_T, ceil(P / R)))
 *
 * which for os reads TILE_T = min(B_DEPTH, A_DEPTH, K) and
 * TILE_RF = max(1, min(C_DEPTH / R, A_DEPTH / TILE_T, ceil(M / R))).
 * Writes `*out` and returns 0 when these tiles fit; else returns (leaving
 * `*out` untouched) SYSTOLIC_EINVAL if m, k or n is 0, SYSTOLIC_ENOTILE if
 * they do not fit (a buffer depth is 0, or S holds fewer than R lines: the
 * stationary operand's buffer for ws and is, the C buffer for os),
 * SYSTOLIC_ERANGE if a tile exceeds its 16-bit register field (buffers of
 * more than 65535 lines per bank).
 */
static inline int systolic_default_tiles(const struct systolic_hw *hw, uint32_t m, uint32_t k,
                                         uint32_t n, struct systolic_tiles *out)
{
    uint32_t s = systolic_stationary_depth(hw);
    uint32_t x = systolic_streamed_depth(hw);
    uint32_t o = systolic_cols_time_depth(hw);
    uint32_t r = hw->rows;
    int os = hw->dataflow == SYSTOLIC_DATAFLOW_OS;
    uint32_t time = os ? k : hw->dataflow == SYSTOLIC_DATAFLOW_IS ? n : m;
    uint32_t rows = os ? m : k;
    uint32_t row_folds, rf;
    struct systolic_tiles tiles;
    if (m == 0u || k == 0u || n == 0u)
        return SYSTOLIC_EINVAL;
    if (r == 0u)
        return SYSTOLIC_EHWCFG;
    tiles.cf = 1u;
    tiles.t = o < x ? o : x;
    tiles.t = time < tiles.t ? time : tiles.t;
    if (tiles.t == 0u)
        return SYSTOLIC_ENOTILE;
    row_folds = rows / r + (rows % r != 0u ? 1u : 0u);
    rf = s / r;
    rf = x / tiles.t < rf ? x / tiles.t : rf;
    rf = row_folds < rf ? row_folds : rf;
    tiles.rf = rf > 1u ? rf : 1u;
    if (!systolic_tiles_fit(hw, &tiles))
        return SYSTOLIC_ENOTILE;
    if (tiles.t > SYSTOLIC_TILE_MASK || tiles.rf > SYSTOLIC_TILE_MASK)
        return SYSTOLIC_ERANGE;
    *out = tiles;
    return SYSTOLIC_OK;
}

/* ---- DRAM layout ---- */

/** A GEMM C = A B in DRAM: sizes, and each stored matrix's address and row stride. */
struct systolic_gemm {
    uint32_t m, k, n;           /**< A is m x k, B k x n, C m x n */
    uint32_t a_addr, a_stride;  /**< A (ws) or A^T (is, os): byte address, bytes between rows */
    uint32_t b_addr, b_stride;  /**< B (ws, os) or B^T (is) */
    uint32_t c_addr, c_stride;  /**< C (ws, os) or C^T (is) */
};

/** One matrix as stored in DRAM. */
struct systolic_matrix {
    uint32_t rows;       /**< rows as stored (ws: A M, B K, C M; is: A^T K, B^T N, C^T N;
                              os: A^T K, B K, C M) */
    uint32_t cols;       /**< columns as stored */
    uint32_t elem_bytes; /**< ob (A, B) or cb (C) */
    uint32_t row_bytes;  /**< cols * elem_bytes */
    uint32_t stride;     /**< smallest legal stride: row_bytes rounded up to DW */
    uint32_t bytes;      /**< rows * stride: its size with that stride */
    uint32_t transposed; /**< 1 if it is the transpose of the logical matrix (is: all; os: A) */
};

/** The three stored matrices of a GEMM. */
struct systolic_layout {
    struct systolic_matrix a, b, c;
};

/* Bits of `systolic_transposed`. */
#define SYSTOLIC_TRANSPOSED_A 1u
#define SYSTOLIC_TRANSPOSED_B 2u
#define SYSTOLIC_TRANSPOSED_C 4u

/**
 * Which matrices the IP reads or writes transposed (docs/TIMING.md, "DRAM
 * layout"), as SYSTOLIC_TRANSPOSED_* bits: ws none, is A, B and C, os A only
 * (the rule of `hdlgen::check::ipbench::transposed`).
 */
static inline uint32_t systolic_transposed(const struct systolic_hw *hw)
{
    switch (hw->dataflow) {
    case SYSTOLIC_DATAFLOW_IS:
        return SYSTOLIC_TRANSPOSED_A | SYSTOLIC_TRANSPOSED_B | SYSTOLIC_TRANSPOSED_C;
    case SYSTOLIC_DATAFLOW_OS:
        return SYSTOLIC_TRANSPOSED_A;
    default:
        return 0u;
    }
}

/**
 * Fills `*mat` for a stored rows x cols matrix, `transposed` (0 or 1) if it
 * holds the logical matrix's transpose; SYSTOLIC_ERANGE past 4 GiB.
 */
static inline int systolic_matrix_init(const struct systolic_hw *hw, uint32_t rows, uint32_t cols,
                                       uint32_t elem_bytes, uint32_t transposed,
                                       struct systolic_matrix *mat)
{
    uint64_t row_bytes = (uint64_t)cols * elem_bytes;
    uint64_t stride = (row_bytes + hw->dw - 1u) / hw->dw * hw->dw;
    if (stride * rows > 0xFFFFFFFFu)
        return SYSTOLIC_ERANGE;
    mat->rows = rows;
    mat->cols = cols;
    mat->elem_bytes = elem_bytes;
    mat->row_bytes = (uint32_t)row_bytes;
    mat->stride = (uint32_t)stride;
    mat->bytes = (uint32_t)(stride * rows);
    mat->transposed = transposed;
    return SYSTOLIC_OK;
}

/**
 * How an m x k x n GEMM is stored for this design's dataflow (ws: A M x K,
 * B K x N, C M x N; is: A^T K x M, B^T N x K, C^T N x M; os: A^T K x M,
 * B K x N, C M x N), with each matrix's smallest legal stride. Returns
 * SYSTOLIC_EINVAL if a size is 0, SYSTOLIC_ERANGE if a matrix passes 4 GiB.
 */
static inline int systolic_get_layout(const struct systolic_hw *hw, uint32_t m, uint32_t k,
                                      uint32_t n, struct systolic_layout *out)
{
    uint32_t tr = systolic_transposed(hw);
    uint32_t ta = (tr & SYSTOLIC_TRANSPOSED_A) != 0u ? 1u : 0u;
    uint32_t tb = (tr & SYSTOLIC_TRANSPOSED_B) != 0u ? 1u : 0u;
    uint32_t tc = (tr & SYSTOLIC_TRANSPOSED_C) != 0u ? 1u : 0u;
    int err;
    if (m == 0u || k == 0u || n == 0u)
        return SYSTOLIC_EINVAL;
    err = systolic_matrix_init(hw, ta ? k : m, ta ? m : k, hw->op_bytes, ta, &out->a);
    if (err == SYSTOLIC_OK)
        err = systolic_matrix_init(hw, tb ? n : k, tb ? k : n, hw->op_bytes, tb, &out->b);
    if (err == SYSTOLIC_OK)
        err = systolic_matrix_init(hw, tc ? n : m, tc ? m : n, hw->acc_bytes, tc, &out->c);
    return err;
}

/**
 * Checks `g` against the design before a start: SYSTOLIC_EINVAL if a size
 * is 0, SYSTOLIC_EALIGN if an address or stride is not a multiple of DW
 * (the IP's ERR_CODE[1]), SYSTOLIC_ESTRIDE if a stride is shorter than its
 * row, SYSTOLIC_ERANGE if a matrix runs past the 32-bit address space.
 */
static inline int systolic_gemm_check(const struct systolic_hw *hw, const struct systolic_gemm *g)
{
    struct systolic_layout l;
    const struct systolic_matrix *mats[3];
    uint32_t addrs[3], strides[3];
    uint32_t i;
    int err = systolic_get_layout(hw, g->m, g->k, g->n, &l);
    if (err != SYSTOLIC_OK)
        return err;
    mats[0] = &l.a;
    mats[1] = &l.b;
    mats[2] = &l.c;
    addrs[0] = g->a_addr;
    addrs[1] = g->b_addr;
    addrs[2] = g->c_addr;
    strides[0] = g->a_stride;
    strides[1] = g->b_stride;
    strides[2] = g->c_stride;
    for (i = 0u; i < 3u; i++)
        if (addrs[i] % hw->dw != 0u || strides[i] % hw->dw != 0u)
            return SYSTOLIC_EALIGN;
    for (i = 0u; i < 3u; i++)
        if (strides[i] < mats[i]->row_bytes)
            return SYSTOLIC_ESTRIDE;
    for (i = 0u; i < 3u; i++)
        if ((uint64_t)addrs[i] + (uint64_t)strides[i] * (mats[i]->rows - 1u) +
                mats[i]->row_bytes > 0x100000000u)
            return SYSTOLIC_ERANGE;
    return SYSTOLIC_OK;
}

/**
 * Fills `*g` for an m x k x n GEMM with A, B, C (ws), A^T, B^T, C^T (is) or
 * A^T, B, C (os) at the given addresses, each with its smallest legal stride
 * (`systolic_get_layout`), and checks it (`systolic_gemm_check`).
 */
static inline int systolic_gemm_packed(const struct systolic_hw *hw, uint32_t m, uint32_t k,
                                       uint32_t n, uint32_t a_addr, uint32_t b_addr,
                                       uint32_t c_addr, struct systolic_gemm *g)
{
    struct systolic_layout l;
    int err = systolic_get_layout(hw, m, k, n, &l);
    if (err != SYSTOLIC_OK)
        return err;
    g->m = m;
    g->k = k;
    g->n = n;
    g->a_addr = a_addr;
    g->a_stride = l.a.stride;
    g->b_addr = b_addr;
    g->b_stride = l.b.stride;
    g->c_addr = c_addr;
    g->c_stride = l.c.stride;
    return systolic_gemm_check(hw, g);
}

/** Byte offset from `g->a_addr` of A[i][k] (ws: row i of A; is, os: row k of A^T). */
static inline uint32_t systolic_a_offset(const struct systolic_hw *hw, const struct systolic_gemm *g,
                                         uint32_t i, uint32_t k)
{
    return systolic_transposed(hw) & SYSTOLIC_TRANSPOSED_A ? k * g->a_stride + i * hw->op_bytes
                                        : i * g->a_stride + k * hw->op_bytes;
}

/** Byte offset from `g->b_addr` of B[k][j] (ws, os: row k of B; is: row j of B^T). */
static inline uint32_t systolic_b_offset(const struct systolic_hw *hw, const struct systolic_gemm *g,
                                         uint32_t k, uint32_t j)
{
    return systolic_transposed(hw) & SYSTOLIC_TRANSPOSED_B ? j * g->b_stride + k * hw->op_bytes
                                        : k * g->b_stride + j * hw->op_bytes;
}

/** Byte offset from `g->c_addr` of C[i][j] (ws, os: row i of C; is: row j of C^T). */
static inline uint32_t systolic_c_offset(const struct systolic_hw *hw, const struct systolic_gemm *g,
                                         uint32_t i, uint32_t j)
{
    return systolic_transposed(hw) & SYSTOLIC_TRANSPOSED_C ? j * g->c_stride + i * hw->acc_bytes
                                        : i * g->c_stride + j * hw->acc_bytes;
}

/* ---- A run ---- */

/**
 * Starts `g` with `tiles`. Reads STATUS and returns SYSTOLIC_EBUSY, writing
 * nothing, if the IP is busy; returns SYSTOLIC_ERANGE, writing nothing, if
 * a tile exceeds its 16-bit field. Otherwise clears a previous run's DONE
 * and ERROR (STATUS = DONE | ERROR), writes M, K, N, TILE_T, TILE_RF,
 * TILE_CF, A_ADDR, A_STRIDE, B_ADDR, B_STRIDE, C_ADDR, C_STRIDE in that
 * order and CTRL last (START, and IRQ_EN if `irq_enable` is not 0), and
 * returns 0. The IP checks the registers itself: if they are inconsistent
 * it sets STATUS.ERROR and ERR_CODE at once, which `systolic_wait` returns
 * (call `systolic_default_tiles` and `systolic_gemm_check` first to catch
 * these before starting).
 */
static inline int systolic_start(volatile uint32_t *base, const struct systolic_gemm *g,
                                 const struct systolic_tiles *tiles, int irq_enable)
{
    if (systolic_read(base, SYSTOLIC_REG_STATUS) & SYSTOLIC_STATUS_BUSY)
        return SYSTOLIC_EBUSY;
    if (tiles->t > SYSTOLIC_TILE_MASK || tiles->rf > SYSTOLIC_TILE_MASK ||
        tiles->cf > SYSTOLIC_TILE_MASK)
        return SYSTOLIC_ERANGE;
    systolic_write(base, SYSTOLIC_REG_STATUS, SYSTOLIC_STATUS_DONE | SYSTOLIC_STATUS_ERROR);
    systolic_write(base, SYSTOLIC_REG_M, g->m);
    systolic_write(base, SYSTOLIC_REG_K, g->k);
    systolic_write(base, SYSTOLIC_REG_N, g->n);
    systolic_write(base, SYSTOLIC_REG_TILE_T, tiles->t);
    systolic_write(base, SYSTOLIC_REG_TILE_RF, tiles->rf);
    systolic_write(base, SYSTOLIC_REG_TILE_CF, tiles->cf);
    systolic_write(base, SYSTOLIC_REG_A_ADDR, g->a_addr);
    systolic_write(base, SYSTOLIC_REG_A_STRIDE, g->a_stride);
    systolic_write(base, SYSTOLIC_REG_B_ADDR, g->b_addr);
    systolic_write(base, SYSTOLIC_REG_B_STRIDE, g->b_stride);
    systolic_write(base, SYSTOLIC_REG_C_ADDR, g->c_addr);
    systolic_write(base, SYSTOLIC_REG_C_STRIDE, g->c_stride);
    systolic_write(base, SYSTOLIC_REG_CTRL,
                   SYSTOLIC_CTRL_START | (irq_enable ? SYSTOLIC_CTRL_IRQ_EN : 0u));
    return SYSTOLIC_OK;
}

/** What `systolic_poll` saw in STATUS. */
enum systolic_state {
    SYSTOLIC_IDLE = 0,  /**< not busy, neither DONE nor ERROR (cleared, or never started) */
    SYSTOLIC_BUSY = 1,  /**< BUSY: a run goes on (even if a START while busy set ERROR) */
    SYSTOLIC_DONE = 2,  /**< DONE without ERROR: the last run succeeded */
    SYSTOLIC_ERROR = 3  /**< ERROR, not busy: ERR_CODE says why */
};

/** One read of STATUS: busy, done, error or idle (in that precedence). */
static inline enum systolic_state systolic_poll(volatile uint32_t *base)
{
    uint32_t status = systolic_read(base, SYSTOLIC_REG_STATUS);
    if (status & SYSTOLIC_STATUS_BUSY)
        return SYSTOLIC_BUSY;
    if (status & SYSTOLIC_STATUS_ERROR)
        return SYSTOLIC_ERROR;
    if (status & SYSTOLIC_STATUS_DONE)
        return SYSTOLIC_DONE;
    return SYSTOLIC_IDLE;
}

/**
 * Spins until the IP is not busy and DONE or ERROR is set; returns 0 if
 * DONE without ERROR, else ERR_CODE (positive: SYSTOLIC_ERR_* bits, and any
 * bit a later IP adds, bit 31 left out), or SYSTOLIC_EIP if ERR_CODE reads
 * 0. Does not clear them (`systolic_clear`). Call it after a successful
 * `systolic_start`: with neither a run nor a sticky flag it never returns.
 */
static inline int systolic_wait(volatile uint32_t *base)
{
    enum systolic_state state;
    uint32_t code;
    do
        state = systolic_poll(base);
    while (state == SYSTOLIC_BUSY || state == SYSTOLIC_IDLE);
    if (state == SYSTOLIC_DONE)
        return SYSTOLIC_OK;
    code = systolic_read(base, SYSTOLIC_REG_ERR_CODE) & 0x7FFFFFFFu;
    return code != 0u ? (int)code : SYSTOLIC_EIP;
}

/** Clears DONE and ERROR (and so ERR_CODE, and the `irq` line): STATUS = DONE | ERROR. */
static inline void systolic_clear(volatile uint32_t *base)
{
    systolic_write(base, SYSTOLIC_REG_STATUS, SYSTOLIC_STATUS_DONE | SYSTOLIC_STATUS_ERROR);
}

/** The last run's counters (48 bits each). */
struct systolic_counters {
    uint64_t cycles;       /**< CYCLES: cycles of the run */
    uint64_t stall_cycles; /**< STALL: cycles in which the array did not compute */
    uint64_t rd_bytes;     /**< RD_BYTES: bytes read over AXI (beats x DW) */
    uint64_t wr_bytes;     /**< WR_BYTES: bytes written over AXI (beats x DW) */
};

/** The 48-bit counter whose _LO register is at `lo_off`: LO, then HI. */
static inline uint64_t systolic_counter48(volatile uint32_t *base, uint32_t lo_off)
{
    uint64_t lo = systolic_read(base, lo_off);
    uint64_t hi = systolic_read(base, lo_off + 4u) & SYSTOLIC_COUNTER_HI_MASK;
    return hi << 32 | lo;
}

/**
 * Reads the four 48-bit counters, each LO then HI. They hold the last run's
 * figures until the next START, so read them when the IP is not busy.
 */
static inline void systolic_counters(volatile uint32_t *base, struct systolic_counters *out)
{
    out->cycles = systolic_counter48(base, SYSTOLIC_REG_CYCLES_LO);
    out->stall_cycles = systolic_counter48(base, SYSTOLIC_REG_STALL_LO);
    out->rd_bytes = systolic_counter48(base, SYSTOLIC_REG_RD_BYTES_LO);
    out->wr_bytes = systolic_counter48(base, SYSTOLIC_REG_WR_BYTES_LO);
}

/**
 * A name for `code`: 0, a negative SYSTOLIC_E*, or ERR_CODE bits (the
 * lowest set bit is named; to name all, clear it and call again:
 * `for (b = code; b; b &= b - 1) puts(systolic_strerror(b & -b));`).
 */
static inline const char *systolic_strerror(int code)
{
    if (code > 0) {
        if (code & (int)SYSTOLIC_ERR_ZERO)
            return "ERR_CODE[0]: a size or tile count is 0";
        if (code & (int)SYSTOLIC_ERR_ALIGN)
            return "ERR_CODE[1]: an address or stride is not a multiple of DW";
        if (code & (int)SYSTOLIC_ERR_FIT)
            return "ERR_CODE[2]: the tiles do not fit the buffers";
        if (code & (int)SYSTOLIC_ERR_AXI)
            return "ERR_CODE[3]: an AXI error response (SLVERR/DECERR)";
        if (code & (int)SYSTOLIC_ERR_START_BUSY)
            return "ERR_CODE[4]: START while busy";
        return "ERR_CODE: a bit this driver does not know";
    }
    switch (code) {
    case SYSTOLIC_OK:
        return "no error";
    case SYSTOLIC_ENODEV:
        return "no systolic IP: ID is not \"SYA1\"";
    case SYSTOLIC_EHWCFG:
        return "HWCFG describes a design this driver does not support";
    case SYSTOLIC_EINVAL:
        return "a size (M, K, N) or tile is 0";
    case SYSTOLIC_ERANGE:
        return "a value does not fit its register field or the 32-bit address space";
    case SYSTOLIC_EALIGN:
        return "an address or stride is not a multiple of DW";
    case SYSTOLIC_ESTRIDE:
        return "a stride is shorter than its matrix's row";
    case SYSTOLIC_ENOTILE:
        return "no tiling fits the buffers";
    case SYSTOLIC_EBUSY:
        return "the IP is busy";
    case SYSTOLIC_EIP:
        return "STATUS.ERROR is set but ERR_CODE is 0";
    default:
        return "unknown error";
    }
}

#ifdef __cplusplus
}
#endif

#endif /* SYSTOLIC_H */
