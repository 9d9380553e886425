/*
 * The fake register file of driver_test.c: an array standing in for the
 * IP's AXI4-Lite window, the check counters, and (with DRIVER_TEST_LOG)
 * SYSTOLIC_MMIO_READ/WRITE hooks that log every access in order and can
 * script the values STATUS reads return. Include it before systolic.h.
 */
#ifndef FAKE_MMIO_H
#define FAKE_MMIO_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef DRIVER_TEST_LOG
static uint32_t fake_read(volatile uint32_t *base, uint32_t off);
static void fake_write(volatile uint32_t *base, uint32_t off, uint32_t val);
#define SYSTOLIC_MMIO_READ(base, off) fake_read((base), (off))
#define SYSTOLIC_MMIO_WRITE(base, off, val) fake_write((base), (off), (val))
#endif

/* The MMIO window: 8-bit addresses, 64 words. */
#define WORDS 64u
static uint32_t regs[WORDS];
static volatile uint32_t *const base = regs;

static unsigned checks, failures;

static void check_u64(int line, const char *what, uint64_t got, uint64_t want)
{
    checks++;
    if (got != want) {
        failures++;
        printf("line %d: %s: got 0x%llx (%llu), want 0x%llx (%llu)\n", line, what,
               (unsigned long long)got, (unsigned long long)got, (unsigned long long)want,
               (unsigned long long)want);
    }
}

static void check_true(int line, const char *what, int ok)
{
    checks++;
    if (!ok) {
        failures++;
        printf("line %d: %s: false\n", line, what);
    }
}

#define EQ(what, got, want) check_u64(__LINE__, (what), (uint64_t)(got), (uint64_t)(want))
#define TRUE(what, ok) check_true(__LINE__, (what), (ok))
/* Word of the fake register file at byte offset `off`, from docs/IP.md. */
#define REG(off) regs[(off) / 4u]

/* ---- The access log (DRIVER_TEST_LOG builds) ---- */

struct access {
    char kind; /* 'r' or 'w' */
    uint32_t off;
    uint32_t val;
};

static struct access log_[256];
static unsigned n_log;
static uint32_t status_script[16];
static unsigned script_len, script_pos;

#ifdef DRIVER_TEST_LOG
static void record(char kind, uint32_t off, uint32_t val)
{
    if (n_log < sizeof log_ / sizeof log_[0]) {
        log_[n_log].kind = kind;
        log_[n_log].off = off;
        log_[n_log].val = val;
    }
    n_log++;
}

/* Reads the array, except STATUS while a script is queued. */
static uint32_t fake_read(volatile uint32_t *b, uint32_t off)
{
    uint32_t v;
    TRUE("read within the 8-bit window, word-aligned", off < 4u * WORDS && off % 4u == 0u);
    if (off == 0x24u && script_pos < script_len)
        v = status_script[script_pos++];
    else
        v = b[(off / 4u) % WORDS];
    record('r', off, v);
    return v;
}

static void fake_write(volatile uint32_t *b, uint32_t off, uint32_t val)
{
    TRUE("write within the 8-bit window, word-aligned", off < 4u * WORDS && off % 4u == 0u);
    b[(off / 4u) % WORDS] = val;
    record('w', off, val);
}
#endif

static int logging(void)
{
#ifdef DRIVER_TEST_LOG
    return 1;
#else
    return 0;
#endif
}

static void clear_log(void)
{
    n_log = 0;
    script_len = 0;
    script_pos = 0;
}

static void script_status(const uint32_t *values, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++)
        status_script[i] = values[i];
    script_len = n;
    script_pos = 0;
}

/* Checks that the log is exactly `want` (n accesses), in order. */
static void check_log(int line, const char *what, const struct access *want, unsigned n)
{
    unsigned i;
    if (!logging())
        return;
    check_u64(line, what, n_log, n);
    for (i = 0; i < n && i < n_log; i++) {
        check_u64(line, what, (uint64_t)(unsigned char)log_[i].kind, (uint64_t)(unsigned char)want[i].kind);
        check_u64(line, what, log_[i].off, want[i].off);
        check_u64(line, what, log_[i].val, want[i].val);
    }
}

#endif /* FAKE_MMIO_H */
