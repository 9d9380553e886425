//! The PE arrays with their input skew and output deskew (docs/TIMING.md,
//! "Common structure"): row `r`'s input passes `r` registers, column `c`'s
//! input `c`, and column `c`'s output `C - 1 - c`, so a whole output row
//! leaves in one cycle.

use super::config::Config;
use crate::ast::*;

/// `x[(i) * w +: w]`: lane `i` of a flat vector of `w`-bit lanes.
pub fn lane(x: &str, i: Expr, w: impl Into<Expr> + Clone) -> Expr {
    id(x).part(i.mul(w.clone()), w)
}

/// A skew or deskew line; input skews clear on reset (no stale operand or
/// flag may enter the array after power-up), output deskews need not.
fn delay(cfg: &Config, name: &str, w: Expr, n: Expr, x: Expr, y: Expr) -> Item {
    let reset = !name.starts_with("u_deskew");
    instance(
        &cfg.name("delay"),
        name,
        vec![("W", w), ("N", n), ("RESET", int(i64::from(reset)))],
        vec![
            ("clk", id("clk")),
            ("rst", if reset { id("rst") } else { sized(1, 0) }),
            ("x", x),
            ("y", y),
        ],
    )
}

fn header(m: &mut Module, cfg: &Config) {
    m.param("ROWS", 4, "PE rows")
        .param("COLS", 4, "PE columns")
        .param("OPW", 8, "operand bits")
        .param("ACCW", 32, "partial-sum bits");
    if cfg.int_datapath() {
        m.param("SAT", 0, "1: saturating accumulation").param(
            "DSPS",
            dsp_pes(cfg),
            "PEs (the first, row by row) whose multiplier is `*`, which FPGA synthesis maps to a DSP block; the others multiply in logic",
        );
    }
    m.port(input("clk", None, ""))
        .port(input("rst", None, "synchronous, active high"));
}

/// The default of the arrays' `DSPS`: every PE's multiplier is `*`.
fn dsp_pes(cfg: &Config) -> i64 {
    i64::from(cfg.rows) * i64::from(cfg.cols)
}

/// PE(r, c)'s parameters: widths, and `LOGIC` for the PEs past the first `DSPS`.
fn pe_params(cfg: &Config) -> Vec<(&'static str, Expr)> {
    let mut p = vec![("OPW", id("OPW")), ("ACCW", id("ACCW"))];
    if cfg.int_datapath() {
        p.push(("SAT", id("SAT")));
        p.push((
            "LOGIC",
            id("r").mul("COLS").add("c").ge("DSPS").tern(int(1), int(0)),
        ));
    }
    p
}

/// The ws PE's parameters: every PE works a cycle ahead but a PE(0, 0)
/// that multiplies in logic (its next operand is the SRAM's output, which
/// it has no earlier; with a DSP block it needs only the controller's next
/// valid and first bits, `v_row_pre` and `f_row_pre`).
fn ahead_params(cfg: &Config) -> Vec<(&'static str, Expr)> {
    let mut p = pe_params(cfg);
    if let Some((terms, _)) = cfg.fused() {
        // PE(r, c) is product r % terms of its group; a group's last PE
        // (or the bottom row's) adds the group up.
        let gi = id("r").rem(i64::from(terms));
        p[1] = ("ACCW", id("VW"));
        p.push(("GI", gi.clone()));
        p.push((
            "LAST",
            gi.eq(i64::from(terms) - 1)
                .or(id("r").eq(id("ROWS").sub(1)))
                .tern(int(1), int(0)),
        ));
        return p;
    }
    if !cfg.int_datapath() {
        return p;
    }
    if cfg.sparse.is_some() {
        p.push(("SPM", id("SPM")));
        p.push(("IB", id("IB")));
    }
    let dsp = id("r").mul("COLS").add("c").lt("DSPS");
    p.push(("AHEAD", id("r").add("c").gt(0).or(dsp).tern(int(1), int(0))));
    p.push(("PREG", id("r").gt(0).tern(int(1), int(0))));
    p.push(("MULPRIM", id("MULPRIM")));
    p
}

/// What PE(r, c) sees next cycle: `links`, the input of PE(r, c - 1), or
/// in column 0 `pre`, the row's skew one register short (row 0: `row0`,
/// the array's next input).
fn pre(links: Expr, pre: Expr, row0: Expr) -> Expr {
    id("c").gt(0).tern(links, id("r").gt(0).tern(pre, row0))
}

/// What PE(r, c) sees two cycles ahead, bit `bit` of the valid/first pair
/// (`links`: `vh` or `fh`): the input of PE(r, c - 2), in column 1 `pre`
/// (PE(r, 0)'s next input), in column 0 the row's `sk_pre2`.
fn pre2(links: Expr, pre: Expr, bit: i64, aw: &str) -> Expr {
    id("c").gt(1).tern(
        links.idx(h(id("c").gt(1).tern(id("c").sub(2), int(0)))),
        id("c").eq(1).tern(pre, id("sk_pre2").idx(id(aw).add(bit))),
    )
}

/// What PE(r, c) sees two cycles ahead on `a`: the input of PE(r, c - 2),
/// in column 1 PE(r, 0)'s next input `col0_pre`, in column 0 the row's
/// `sk_pre2` (row 0: its next input, unused).
fn a_pre2(col0_pre: Expr, aw: &str) -> Expr {
    id("c").gt(1).tern(
        lane("ah", h(id("c").gt(1).tern(id("c").sub(2), int(0))), aw),
        id("c")
            .eq(1)
            .tern(col0_pre, id("sk_pre2").slice(id(aw).sub(1), 0)),
    )
}

/// Index of the horizontal link into PE(r, c - 1) (c = 0: into PE(r, 0), unused).
fn hprev() -> Expr {
    h(id("c").gt(0).tern(id("c").sub(1), int(0)))
}

/// Index of horizontal link `(r, c)`: `c` = 0 is the row's input, `c + 1` PE(r, c)'s output.
fn h(c: Expr) -> Expr {
    id("r").mul(id("COLS").add(1)).add(c)
}

/// Index of vertical link `(r, c)`: `r` = 0 is the column's input, `r + 1` PE(r, c)'s output.
fn v(r: Expr) -> Expr {
    r.mul("COLS").add("c")
}

/// The sparse array's derived widths (parameters so that ports can use them).
pub const XW_DOC: &str = "derived, keep: a streamed word group, SPM * OPW bits";
/// See [`XW_DOC`].
pub const WW_DOC: &str = "derived, keep: a stationary word, its value and index, OPW + IB bits";

/// `array_ws`: ws / is array, skew and deskew.
pub fn array_ws(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("array_ws"),
        &["Stationary-operand array (ws, is) with input skew and output deskew."],
    );
    header(&mut m, cfg);
    if let Some((name, value, doc)) = cfg.mulprim_param() {
        m.param(name, value, doc);
    }
    // A sparse array's rows take their group's M words (docs/TIMING.md,
    // "Sparse weights"): lane r / N of the streamed vector, `XW` bits; its
    // stationary words carry their index (`WW` bits).
    let (aw, ww) = cfg.lane_names();
    let (arow, rgrp) = match cfg.sparse {
        Some(sp) => {
            m.param(
                "SPN",
                i64::from(sp.n),
                "sparse weights: values kept per group (N of N:M)",
            )
            .param(
                "SPM",
                i64::from(sp.m),
                "sparse weights: group size (M of N:M)",
            )
            .param(
                "IB",
                i64::from(sp.index_bits()),
                "bits of a weight's index in its group",
            )
            .param("XW", id("SPM").mul("OPW"), XW_DOC)
            .param("WW", id("OPW").add("IB"), WW_DOC);
            (id("ROWS").div("SPN").mul("XW"), id("r").div("SPN"))
        }
        None => (id("ROWS").mul("OPW"), id("r")),
    };
    m.port(input(
        "a_row",
        bits(arow.clone()),
        "streamed vector, lane r = row r",
    ))
    .port(input("v_row", None, "the vector is valid"))
    .port(input("f_row", None, "the vector is a fold's first"))
    .port(input(
        "w_col",
        bits(id("COLS").mul(ww)),
        "stationary row for the shadow chains, lane c = column c",
    ))
    .port(input("shift", None, "shadow chains shift"))
    .port(input(
        "a_row_pre",
        bits(arow.clone()),
        "a_row of the next cycle",
    ))
    .port(input("v_row_pre", None, "v_row of the next cycle"))
    .port(input("f_row_pre", None, "f_row of the next cycle"))
    .port(input("shift_pre", None, "shift of the next cycle"))
    .port(output(
        "p_row",
        false,
        bits(id("COLS").mul("ACCW")),
        "deskewed output row",
    ));
    // The vertical links: the partial sum, and in fused_adder designs the
    // products a group passes down (`VW` bits).
    let bw = if cfg.fused().is_some() { "VW" } else { "ACCW" };
    if cfg.fused().is_some() {
        m.push([localparam("VW", i64::from(cfg.bus_bits()))]);
    }
    let hn = id("ROWS").mul(id("COLS").add(1));
    let vn = id("ROWS").add(1).mul("COLS");
    m.push([
        wire("ah", bits(hn.clone().mul(aw))),
        wire("vh", bits(hn.clone())),
        wire("fh", bits(hn)),
        wire("pv", bits(vn.clone().mul(bw))),
        wire("wv", bits(vn.mul(ww))),
        wire("sh", bits("COLS")),
        wire("shp", bits("COLS")),
        wire("wd", bits(id("ROWS").add(1).mul("COLS").mul(ww))),
        decl(Net::Genvar, false, "r", None, None, None),
        decl(Net::Genvar, false, "c", None, None, None),
        assign(
            id("pv").slice(id("COLS").mul(bw).sub(1), 0),
            repeat(id("COLS").mul(bw), sized(1, 0)),
        ),
        assign(
            id("wd").slice(id("COLS").mul(ww).sub(1), 0),
            repeat(id("COLS").mul(ww), sized(1, 0)),
        ),
        gen_for(
            "r",
            int(0),
            id("ROWS"),
            "row",
            vec![
                // Row r's valid and first bits and operand two cycles ahead
                // of column 0 (rows below 0): r - 1 registers from the
                // controller's unregistered bits and the buffer's read data,
                // which the array's inputs follow by one.
                wire("sk_pre2", bits(id(aw).add(2))),
                delay(
                    cfg,
                    "u_skew_pre2",
                    id(aw).add(2),
                    id("r").gt(0).tern(id("r").sub(1), int(0)),
                    concat(vec![
                        id("v_row_pre"),
                        id("f_row_pre"),
                        lane("a_row_pre", rgrp.clone(), aw),
                    ]),
                    id("sk_pre2"),
                ),
                // Row r's skew, r registers, as r - 1 and one more: `sk_pre`
                // is what column 0 sees a cycle later.
                wire("sk_pre", bits(id(aw).add(2))),
                delay(
                    cfg,
                    "u_skew_pre",
                    id(aw).add(2),
                    id("r").gt(0).tern(id("r").sub(1), int(0)),
                    concat(vec![
                        id("v_row"),
                        id("f_row"),
                        lane("a_row", rgrp.clone(), aw),
                    ]),
                    id("sk_pre"),
                ),
                delay(
                    cfg,
                    "u_skew",
                    id(aw).add(2),
                    id("r").gt(0).tern(int(1), int(0)),
                    id("sk_pre"),
                    concat(vec![
                        id("vh").idx(h(int(0))),
                        id("fh").idx(h(int(0))),
                        lane("ah", h(int(0)), aw),
                    ]),
                ),
                gen_for(
                    "c",
                    int(0),
                    id("COLS"),
                    "col",
                    vec![instance(
                        &cfg.name("pe_ws"),
                        "u_pe",
                        ahead_params(cfg),
                        vec![
                            ("clk", id("clk")),
                            ("rst", id("rst")),
                            ("a_in", lane("ah", h(id("c")), aw)),
                            ("v_in", id("vh").idx(h(id("c")))),
                            ("f_in", id("fh").idx(h(id("c")))),
                            (
                                "a_pre",
                                pre(
                                    lane("ah", hprev(), aw),
                                    id("sk_pre").slice(id(aw).sub(1), 0),
                                    lane("a_row_pre", int(0), aw),
                                ),
                            ),
                            (
                                "a_pre2",
                                a_pre2(
                                    id("r").gt(0).tern(
                                        id("sk_pre").slice(id(aw).sub(1), 0),
                                        lane("a_row_pre", int(0), aw),
                                    ),
                                    aw,
                                ),
                            ),
                            (
                                "v_pre",
                                pre(
                                    id("vh").idx(hprev()),
                                    id("sk_pre").idx(id(aw).add(1)),
                                    id("v_row_pre"),
                                ),
                            ),
                            (
                                "f_pre",
                                pre(id("fh").idx(hprev()), id("sk_pre").idx(aw), id("f_row_pre")),
                            ),
                            ("p_in", lane("pv", v(id("r")), bw)),
                            ("wn_in", lane("wv", v(id("r")), ww)),
                            ("shift", id("sh").idx("c")),
                            (
                                "v_pre2",
                                pre2(id("vh"), id("sk_pre").idx(id(aw).add(1)), 1, aw),
                            ),
                            ("f_pre2", pre2(id("fh"), id("sk_pre").idx(aw), 0, aw)),
                            ("shift_pre", id("shp").idx("c")),
                            ("wn_dn", lane("wd", v(id("r")), ww)),
                            ("wn_d", lane("wd", v(id("r").add(1)), ww)),
                            ("a_out", lane("ah", h(id("c").add(1)), aw)),
                            ("v_out", id("vh").idx(h(id("c").add(1)))),
                            ("f_out", id("fh").idx(h(id("c").add(1)))),
                            ("p_out", lane("pv", v(id("r").add(1)), bw)),
                            ("wn_out", lane("wv", v(id("r").add(1)), ww)),
                        ],
                    )],
                ),
                wire_eq(
                    "unused",
                    None,
                    concat(vec![
                        sized(1, 0),
                        lane("ah", h(id("COLS")), aw),
                        id("vh").idx(h(id("COLS"))),
                        id("fh").idx(h(id("COLS"))),
                    ])
                    .any(),
                ),
            ],
        ),
        gen_for(
            "c",
            int(0),
            id("COLS"),
            "col",
            vec![
                delay(
                    cfg,
                    "u_skew",
                    id(ww).add(1),
                    id("c"),
                    concat(vec![id("shift"), lane("w_col", id("c"), ww)]),
                    concat(vec![id("sh").idx("c"), lane("wv", id("c"), ww)]),
                ),
                // Column c's shift enable a cycle ahead.
                delay(
                    cfg,
                    "u_skew_pre",
                    int(1),
                    id("c"),
                    id("shift_pre"),
                    id("shp").idx("c"),
                ),
                delay(
                    cfg,
                    "u_deskew",
                    id("ACCW"),
                    id("COLS").sub(1).sub("c"),
                    id("pv").part(v(id("ROWS")).mul(bw), "ACCW"),
                    lane("p_row", id("c"), "ACCW"),
                ),
                wire_eq(
                    "unused",
                    None,
                    concat(
                        [
                            sized(1, 0),
                            lane("wv", v(id("ROWS")), ww),
                            lane("wd", v(id("ROWS")), ww),
                        ]
                        .into_iter()
                        // (The bottom PEs close their groups: their links
                        // above the partial sum are zeros.)
                        .chain(cfg.fused().map(|_| {
                            id("pv").part(v(id("ROWS")).mul(bw).add("ACCW"), id(bw).sub("ACCW"))
                        }))
                        .collect(),
                    )
                    .any(),
                ),
            ],
        ),
    ]);
    m
}

/// `array_os`: os array, skew, drain chains and deskew.
pub fn array_os(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("array_os"),
        &["Output-stationary array with input skew, drain chains and output deskew."],
    );
    header(&mut m, cfg);
    m.port(input(
        "a_row",
        bits(id("ROWS").mul("OPW")),
        "A column, lane r = row r",
    ))
    .port(input("l_row", None, "last step of the fold"))
    .port(input(
        "b_col",
        bits(id("COLS").mul("OPW")),
        "B row, lane c = column c",
    ))
    .port(input(
        "drain",
        None,
        "drain chains shift (column 0's timing)",
    ))
    .port(output(
        "o_row",
        false,
        bits(id("COLS").mul("ACCW")),
        "deskewed drained row",
    ));
    let hn = id("ROWS").mul(id("COLS").add(1));
    let vn = id("ROWS").add(1).mul("COLS");
    m.push([
        wire("ah", bits(hn.clone().mul("OPW"))),
        wire("lh", bits(hn)),
        wire("bv", bits(vn.clone().mul("OPW"))),
        wire("ov", bits(vn.mul("ACCW"))),
        wire("dr", bits("COLS")),
        decl(Net::Genvar, false, "r", None, None, None),
        decl(Net::Genvar, false, "c", None, None, None),
        assign(
            id("ov").slice(id("COLS").mul("ACCW").sub(1), 0),
            repeat(id("COLS").mul("ACCW"), sized(1, 0)),
        ),
        gen_for(
            "r",
            int(0),
            id("ROWS"),
            "row",
            vec![
                delay(
                    cfg,
                    "u_skew",
                    id("OPW").add(1),
                    id("r"),
                    concat(vec![id("l_row"), lane("a_row", id("r"), "OPW")]),
                    concat(vec![id("lh").idx(h(int(0))), lane("ah", h(int(0)), "OPW")]),
                ),
                gen_for(
                    "c",
                    int(0),
                    id("COLS"),
                    "col",
                    vec![instance(
                        &cfg.name("pe_os"),
                        "u_pe",
                        pe_params(cfg),
                        vec![
                            ("clk", id("clk")),
                            ("rst", id("rst")),
                            ("a_in", lane("ah", h(id("c")), "OPW")),
                            ("l_in", id("lh").idx(h(id("c")))),
                            ("b_in", lane("bv", v(id("r")), "OPW")),
                            ("o_in", lane("ov", v(id("r")), "ACCW")),
                            ("drain", id("dr").idx("c")),
                            ("a_out", lane("ah", h(id("c").add(1)), "OPW")),
                            ("l_out", id("lh").idx(h(id("c").add(1)))),
                            ("b_out", lane("bv", v(id("r").add(1)), "OPW")),
                            ("o_out", lane("ov", v(id("r").add(1)), "ACCW")),
                        ],
                    )],
                ),
                wire_eq(
                    "unused",
                    None,
                    concat(vec![
                        sized(1, 0),
                        lane("ah", h(id("COLS")), "OPW"),
                        id("lh").idx(h(id("COLS"))),
                    ])
                    .any(),
                ),
            ],
        ),
        gen_for(
            "c",
            int(0),
            id("COLS"),
            "col",
            vec![
                delay(
                    cfg,
                    "u_bskew",
                    id("OPW"),
                    id("c"),
                    lane("b_col", id("c"), "OPW"),
                    lane("bv", id("c"), "OPW"),
                ),
                delay(
                    cfg,
                    "u_dskew",
                    int(1),
                    id("c"),
                    id("drain"),
                    id("dr").idx("c"),
                ),
                // The column output register (drained value, else zero) and the deskew after it.
                delay(
                    cfg,
                    "u_deskew",
                    id("ACCW"),
                    id("COLS").sub("c"),
                    id("dr").idx("c").tern(
                        lane("ov", v(id("ROWS")), "ACCW"),
                        repeat(id("ACCW"), sized(1, 0)),
                    ),
                    lane("o_row", id("c"), "ACCW"),
                ),
                wire_eq(
                    "unused",
                    None,
                    concat(vec![sized(1, 0), lane("bv", v(id("ROWS")), "OPW")]).any(),
                ),
            ],
        ),
    ]);
    m
}
