//! The controllers: cycle counters that start each load, stream and drain at
//! the first cycle docs/TIMING.md's schedule allows, and walk the folds in
//! plan.rs's order with run-time GEMM sizes. Times are contract cycles
//! (`now` = 0 in the first cycle after the start command); a decision taken
//! during cycle `now` reads SRAM during `now` for an event at `now + 1`.

use super::Config;
use crate::ast::*;

const CW: i64 = 32;

fn w() -> Option<Range> {
    bits(CW)
}

fn zero() -> Expr {
    sized(CW as u32, 0)
}

fn one() -> Expr {
    sized(CW as u32, 1)
}

fn common_ports(m: &mut Module, dims: &[(&str, &str)]) {
    m.param("ROWS", 4, "PE rows").param("COLS", 4, "PE columns");
    m.port(input("clk", None, ""))
        .port(input("rst", None, "synchronous, active high"))
        .port(input("start", None, "accept a GEMM (ignored while busy)"));
    for (d, doc) in dims {
        m.port(input(d, w(), doc));
    }
    m.port(output(
        "busy",
        true,
        None,
        "high from the cycle after start to the GEMM's last cycle",
    ))
    .port(output(
        "done",
        true,
        None,
        "one-cycle pulse after the last cycle",
    ));
}

fn addr_port(m: &mut Module, name: &str, aw: &str, doc: &str) {
    m.param(aw, 4, &format!("{doc} address bits"));
    m.port(output(name, false, bits(aw), doc));
}

/// `now`, `busy`, `done` and the latched sizes: the part every controller shares.
fn run_decls(dims: &[&str]) -> Vec<Item> {
    let mut items = vec![reg("now", w())];
    items.extend(dims.iter().map(|d| reg(&format!("{d}_q"), w())));
    items
}

fn run_state(dims: &[&str], extra_reset: Vec<Stmt>, finish: Expr, step: Vec<Stmt>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut on_start = vec![nb("busy", sized(1, 1)), nb("now", zero())];
    for d in dims {
        let q = format!("{d}_q");
        on_start.push(nb(q.as_str(), *d));
    }
    on_start.extend(extra_reset);
    items.push(always_ff(vec![if_else(
        id("rst"),
        vec![nb("busy", sized(1, 0)), nb("done", sized(1, 0))],
        vec![
            nb("done", sized(1, 0)),
            if_else(
                id("start").and(id("busy").not()),
                on_start,
                vec![if_(id("busy"), {
                    let mut s = vec![
                        nb("now", id("now").add(one())),
                        if_(
                            finish,
                            vec![nb("busy", sized(1, 0)), nb("done", sized(1, 1))],
                        ),
                    ];
                    s.extend(step);
                    s
                })],
            ),
        ],
    )]));
    items
}

/// Slices a 32-bit address to `aw` bits; the dropped bits go to an `unused_*` wire.
fn slice_addr(port: &str, full: &str, aw: &str) -> Vec<Item> {
    vec![
        assign(port, id(full).slice(id(aw).sub(1), 0)),
        wire_eq(
            &format!("unused_{port}"),
            None,
            concat(vec![sized(1, 0), id(full).slice(CW - 1, id(aw))]).any(),
        ),
    ]
}

/// `ctrl_ws`: ws / is controller. Stationary `S` (`sr x sc`) loads into the
/// shadow chains one row per cycle; streamed `X` (`tt` vectors of `sr`) feeds
/// the rows; output rows are added into the accumulator SRAM.
/// Layouts: S line `ct * sr + k` holds row k of column tile ct; X line
/// `rt * tt + t` holds vector t of row tile rt; O line `ct * tt + t`.
pub fn ctrl_ws(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("ctrl_ws"),
        &[
            "ws / is controller (docs/TIMING.md, stationary-operand schedule):",
            "L0 = 1, s_f >= L_f + R, s_f+1 >= s_f + T_f and s_f + 2, L_f+1 >= s_f + R - 1 and L_f + R.",
        ],
    );
    common_ports(
        &mut m,
        &[
            ("sr", "stationary rows (K)"),
            ("sc", "stationary columns (ws: N, is: M)"),
            ("tt", "streamed vectors (ws: M, is: N)"),
        ],
    );
    m.port(output("s_re", false, None, "read a stationary row"));
    addr_port(&mut m, "s_raddr", "SAW", "stationary buffer");
    m.port(output(
        "w_shift",
        true,
        None,
        "the row read last cycle shifts into the chains",
    ))
    .port(output(
        "w_zero",
        true,
        None,
        "... as zeros (row outside the fold)",
    ))
    .port(output("x_re", false, None, "read a streamed vector"));
    addr_port(&mut m, "x_raddr", "XAW", "streamed buffer");
    m.port(output(
        "x_v",
        true,
        None,
        "the vector read last cycle is valid",
    ))
    .port(output("x_f", true, None, "... and its fold's first"))
    .port(output("o_re", false, None, "read an accumulator row"));
    addr_port(&mut m, "o_raddr", "OAW", "accumulator buffer");
    m.port(output("o_we", false, None, "write an accumulator row"))
        .port(output("o_waddr", false, bits("OAW"), ""))
        .port(output(
            "o_init",
            false,
            None,
            "write the row itself (first row fold), not the sum",
        ));

    let r = || id("ROWS");
    let c = || id("COLS");
    let (sr, sc, tt) = (|| id("sr_q"), || id("sc_q"), || id("tt_q"));
    // Fold iterators (plan.rs order: column tile outer, row tile inner).
    let mut items = run_decls(&["sr", "sc", "tt"]);
    items.extend([
        // load side
        reg("li_row0", w()),
        reg("li_col0", w()),
        reg("li_base", w()),
        reg("ld_first", None),
        reg("ld_active", None),
        reg("ld_j", w()),
        reg("ld_y", w()),
        reg("lc_row0", w()),
        reg("lc_base", w()),
        // stream side
        reg("si_row0", w()),
        reg("si_col0", w()),
        reg("si_xbase", w()),
        reg("si_obase", w()),
        reg("st_active", None),
        reg("st_have", None),
        reg("st_t", w()),
        reg("st_y", w()),
        reg("sc_xbase", w()),
        reg("sc_obase", w()),
        reg("sc_init", None),
        reg("sc_last", None),
        reg("pending", None),
        wire_eq("ld_left", None, id("li_col0").lt(sc())),
        wire_eq("st_left", None, id("si_col0").lt(sc())),
    ]);
    // Stream start: its load is done (s >= L + R), the previous stream is done
    // (s >= s' + T) and two cycles old (s >= s' + 2).
    items.push(wire_eq(
        "st_go",
        None,
        id("busy")
            .and(id("pending"))
            .and(id("st_left"))
            .and(id("now").ge(id("ld_y").add(r())))
            .and(
                id("st_have").not().or(id("now")
                    .ge(id("st_y").add(tt()))
                    .and(id("now").ge(id("st_y").add(2)))),
            ),
    ));
    items.push(wire_eq("st_y_eff", w(), id("st_go").tern("now", "st_y")));
    // Load start: the first at once; later ones when every loaded fold has
    // started streaming, the feeder is free (L >= L' + R) and the column has
    // latched the previous fold (L >= s' + R - 1).
    items.push(wire_eq(
        "ld_go",
        None,
        id("busy").and(id("ld_left")).and(
            id("ld_first").or(id("pending")
                .and(id("st_go").not())
                .not()
                .and(id("now").ge(id("ld_y").add(r())))
                .and(id("now").add(one()).ge(id("st_y_eff").add(r())))),
        ),
    ));
    // The row being read this cycle (the load that starts now, or the active one).
    items.extend([
        wire_eq("l_on", None, id("ld_go").or("ld_active")),
        wire_eq("l_j", w(), id("ld_go").tern(zero(), "ld_j")),
        wire_eq(
            "l_row",
            w(),
            id("ld_go")
                .tern("li_row0", "lc_row0")
                .add(r().sub(1))
                .sub("l_j"),
        ),
        wire_eq("l_in", None, id("l_row").lt(sr())),
        wire_eq(
            "s_addr",
            w(),
            id("ld_go").tern("li_base", "lc_base").add("l_row"),
        ),
        assign("s_re", id("l_on").and("l_in")),
    ]);
    items.extend(slice_addr("s_raddr", "s_addr", "SAW"));
    // The vector being read this cycle.
    items.extend([
        wire_eq("s_on", None, id("st_go").or("st_active")),
        wire_eq("s_t", w(), id("st_go").tern(zero(), "st_t")),
        wire_eq(
            "x_addr",
            w(),
            id("st_go").tern("si_xbase", "sc_xbase").add("s_t"),
        ),
        assign("x_re", "s_on"),
        wire_eq(
            "s_init",
            None,
            id("st_go").tern(id("si_row0").eq(zero()), id("sc_init")),
        ),
        // Is the fold starting now the last one?
        wire_eq(
            "si_lastfold",
            None,
            id("si_row0")
                .add(r())
                .ge(sr())
                .and(id("si_col0").add(c()).ge(sc())),
        ),
        wire_eq(
            "s_lastfold",
            None,
            id("st_go").tern("si_lastfold", "sc_last"),
        ),
        wire_eq("s_end", None, id("s_t").add(one()).eq(tt())),
        wire_eq(
            "o_addr",
            w(),
            id("st_go").tern("si_obase", "sc_obase").add("s_t"),
        ),
    ]);
    items.extend(slice_addr("x_raddr", "x_addr", "XAW"));
    // Output tokens: {valid, init, last, address}, read-modify-write R + C cycles after the read.
    items.extend([
        localparam("TW", id("OAW").add(3)),
        wire_eq(
            "tok_in",
            bits("TW"),
            concat(vec![
                id("s_on"),
                id("s_init"),
                id("s_on").and("s_lastfold").and("s_end"),
                id("o_addr").slice(id("OAW").sub(1), 0),
            ]),
        ),
        wire_eq(
            "unused_o_addr",
            None,
            concat(vec![sized(1, 0), id("o_addr").slice(CW - 1, id("OAW"))]).any(),
        ),
        wire("tok_rd", bits("TW")),
        instance(
            &cfg.name("delay"),
            "u_tokens",
            vec![
                ("W", id("TW")),
                ("N", r().add(c()).sub(1)),
                ("RESET", int(1)),
            ],
            vec![
                ("clk", id("clk")),
                ("rst", id("rst")),
                ("x", id("tok_in")),
                ("y", id("tok_rd")),
            ],
        ),
        reg("tok_wb", bits("TW")),
        assign("o_re", id("tok_rd").idx(id("TW").sub(1))),
        assign("o_raddr", id("tok_rd").slice(id("OAW").sub(1), 0)),
        assign("o_we", id("tok_wb").idx(id("TW").sub(1)).and("busy")),
        assign("o_init", id("tok_wb").idx(id("TW").sub(2))),
        assign("o_waddr", id("tok_wb").slice(id("OAW").sub(1), 0)),
        always_ff(vec![if_else(
            id("rst"),
            vec![nb("tok_wb", repeat(id("TW"), sized(1, 0)))],
            vec![nb("tok_wb", "tok_rd")],
        )]),
    ]);
    let finish = id("tok_wb")
        .idx(id("TW").sub(1))
        .and(id("tok_wb").idx(id("TW").sub(3)));
    let reset_state = vec![
        nb("li_row0", zero()),
        nb("li_col0", zero()),
        nb("li_base", zero()),
        nb("ld_first", sized(1, 1)),
        nb("ld_active", sized(1, 0)),
        nb("si_row0", zero()),
        nb("si_col0", zero()),
        nb("si_xbase", zero()),
        nb("si_obase", zero()),
        nb("st_active", sized(1, 0)),
        nb("st_have", sized(1, 0)),
        nb("pending", sized(1, 0)),
    ];
    items.push(always_ff(vec![
        nb("w_shift", id("busy").and("l_on")),
        nb("w_zero", id("l_in").not()),
        nb("x_v", id("busy").and("s_on")),
        nb("x_f", id("s_t").eq(zero())),
    ]));
    let step = vec![
        if_(
            id("l_on"),
            vec![
                nb("ld_j", id("l_j").add(one())),
                nb("ld_active", id("l_j").add(one()).lt(r())),
            ],
        ),
        if_(
            id("ld_go"),
            vec![
                nb("ld_first", sized(1, 0)),
                nb("ld_y", "now"),
                nb("lc_row0", "li_row0"),
                nb("lc_base", "li_base"),
                if_else(
                    id("li_row0").add(r()).ge(sr()),
                    vec![
                        nb("li_row0", zero()),
                        nb("li_col0", id("li_col0").add(c())),
                        nb("li_base", id("li_base").add(sr())),
                    ],
                    vec![nb("li_row0", id("li_row0").add(r()))],
                ),
            ],
        ),
        if_(
            id("s_on"),
            vec![
                nb("st_t", id("s_t").add(one())),
                nb("st_active", id("s_t").add(one()).lt(tt())),
            ],
        ),
        if_(
            id("st_go"),
            vec![
                nb("st_have", sized(1, 1)),
                nb("st_y", "now"),
                nb("sc_xbase", "si_xbase"),
                nb("sc_obase", "si_obase"),
                nb("sc_init", id("si_row0").eq(zero())),
                nb("sc_last", "si_lastfold"),
                if_else(
                    id("si_row0").add(r()).ge(sr()),
                    vec![
                        nb("si_row0", zero()),
                        nb("si_xbase", zero()),
                        nb("si_col0", id("si_col0").add(c())),
                        nb("si_obase", id("si_obase").add(tt())),
                    ],
                    vec![
                        nb("si_row0", id("si_row0").add(r())),
                        nb("si_xbase", id("si_xbase").add(tt())),
                    ],
                ),
            ],
        ),
        nb(
            "pending",
            id("pending")
                .bitor("ld_go")
                .bitand(id("ld_go").bitor(id("st_go").not())),
        ),
    ];
    items.extend(run_state(&["sr", "sc", "tt"], reset_state, finish, step));
    m.push(items);
    m
}

/// `ctrl_os`: os controller. A line `mt * K + k` of the A buffer holds column
/// k of row tile mt, a line `nt * K + k` of the B buffer row k of column tile
/// nt; output row m of column tile nt goes to line `nt * M + m`.
pub fn ctrl_os(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("ctrl_os"),
        &[
            "os controller (docs/TIMING.md, output-stationary schedule):",
            "s0 = 1, D_f = max(s_f + T + R - 1, D_f-1 + R), s_f+1 >= s_f + T and D_f + R + 1 - T.",
        ],
    );
    common_ports(
        &mut m,
        &[
            ("m", "rows of A and C"),
            ("k", "columns of A, rows of B"),
            ("n", "columns of B and C"),
        ],
    );
    m.port(output("a_re", false, None, "read a column of A"));
    addr_port(&mut m, "a_raddr", "AAW", "A buffer");
    m.port(output("b_re", false, None, "read a row of B"));
    addr_port(&mut m, "b_raddr", "BAW", "B buffer");
    m.port(output(
        "v_q",
        true,
        None,
        "data was read last cycle (else the array gets zeros)",
    ))
    .port(output(
        "l_q",
        true,
        None,
        "the data read last cycle is the fold's last step",
    ))
    .port(output(
        "drain",
        false,
        None,
        "drain chains shift (column 0)",
    ))
    .port(output("o_we", false, None, "write an output row"));
    addr_port(&mut m, "o_waddr", "OAW", "output buffer");
    let r = || id("ROWS");
    let c = || id("COLS");
    let (mm, kk, nn) = (|| id("m_q"), || id("k_q"), || id("n_q"));
    let mut items = run_decls(&["m", "k", "n"]);
    items.extend([
        reg("si_row0", w()),
        reg("si_col0", w()),
        reg("si_abase", w()),
        reg("si_bbase", w()),
        reg("si_obase", w()),
        reg("st_active", None),
        reg("st_have", None),
        reg("st_k", w()),
        reg("st_y", w()),
        reg("sc_abase", w()),
        reg("sc_bbase", w()),
        reg("d_last", w()),
        wire_eq("st_left", None, id("si_row0").lt(mm())),
        wire_eq(
            "st_go",
            None,
            id("busy").and("st_left").and(
                id("st_have").not().or(id("now")
                    .ge(id("st_y").add(kk()))
                    .and(id("now").add(kk()).ge(id("d_last").add(r())))),
            ),
        ),
        wire_eq("d_own", w(), id("now").add(kk()).add(r())),
        wire_eq(
            "d_new",
            w(),
            id("st_have")
                .and(id("d_last").add(r()).gt("d_own"))
                .tern(id("d_last").add(r()), "d_own"),
        ),
        wire_eq("s_on", None, id("st_go").or("st_active")),
        wire_eq("s_k", w(), id("st_go").tern(zero(), "st_k")),
        wire_eq(
            "a_addr",
            w(),
            id("st_go").tern("si_abase", "sc_abase").add("s_k"),
        ),
        wire_eq(
            "b_addr",
            w(),
            id("st_go").tern("si_bbase", "sc_bbase").add("s_k"),
        ),
        assign("a_re", "s_on"),
        assign("b_re", "s_on"),
        wire_eq(
            "si_lastfold",
            None,
            id("si_row0")
                .add(r())
                .ge(mm())
                .and(id("si_col0").add(c()).ge(nn())),
        ),
    ]);
    items.extend(slice_addr("a_raddr", "a_addr", "AAW"));
    items.extend(slice_addr("b_raddr", "b_addr", "BAW"));
    // Planned drains, oldest first: {time, output base line, row0, last fold}.
    for q in ["q0", "q1"] {
        items.extend([
            reg(&format!("{q}_v"), None),
            reg(&format!("{q}_d"), w()),
            reg(&format!("{q}_base"), w()),
            reg(&format!("{q}_row0"), w()),
            reg(&format!("{q}_last"), None),
        ]);
    }
    items.extend([
        wire_eq(
            "pop",
            None,
            id("busy").and("q0_v").and(id("now").eq("q0_d")),
        ),
        wire_eq("n0_v", None, id("pop").tern("q1_v", "q0_v")),
        reg("dc_active", None),
        reg("dc_j", w()),
        reg("dc_base", w()),
        reg("dc_row0", w()),
        reg("dc_last", None),
        wire_eq("d_on", None, id("pop").or("dc_active")),
        wire_eq("d_j", w(), id("pop").tern(zero(), "dc_j")),
        wire_eq("d_row", w(), r().sub(1).sub("d_j")),
        wire_eq(
            "d_valid",
            None,
            id("pop").tern("q0_row0", "dc_row0").add("d_row").lt(mm()),
        ),
        wire_eq(
            "d_addr",
            w(),
            id("pop").tern("q0_base", "dc_base").add("d_row"),
        ),
        wire_eq(
            "d_final",
            None,
            id("pop")
                .tern("q0_last", "dc_last")
                .and(id("d_j").add(one()).eq(r())),
        ),
        assign("drain", id("busy").and("d_on")),
        localparam("TW", id("OAW").add(2)),
        wire_eq(
            "tok_in",
            bits("TW"),
            concat(vec![
                id("d_on").and("d_valid"),
                id("d_on").and("d_final"),
                id("d_addr").slice(id("OAW").sub(1), 0),
            ]),
        ),
        wire_eq(
            "unused_d_addr",
            None,
            concat(vec![sized(1, 0), id("d_addr").slice(CW - 1, id("OAW"))]).any(),
        ),
        wire("tok_wr", bits("TW")),
        instance(
            &cfg.name("delay"),
            "u_tokens",
            vec![("W", id("TW")), ("N", c()), ("RESET", int(1))],
            vec![
                ("clk", id("clk")),
                ("rst", id("rst")),
                ("x", id("tok_in")),
                ("y", id("tok_wr")),
            ],
        ),
        assign("o_we", id("tok_wr").idx(id("TW").sub(1)).and("busy")),
        assign("o_waddr", id("tok_wr").slice(id("OAW").sub(1), 0)),
        always_ff(vec![
            nb("v_q", id("busy").and("s_on")),
            nb("l_q", id("s_k").add(one()).eq(kk())),
        ]),
    ]);
    let finish = id("tok_wr").idx(id("TW").sub(2));
    let reset_state = vec![
        nb("si_row0", zero()),
        nb("si_col0", zero()),
        nb("si_abase", zero()),
        nb("si_bbase", zero()),
        nb("si_obase", zero()),
        nb("st_active", sized(1, 0)),
        nb("st_have", sized(1, 0)),
        nb("q0_v", sized(1, 0)),
        nb("q1_v", sized(1, 0)),
        nb("dc_active", sized(1, 0)),
    ];
    let entry = |q: &str| {
        vec![
            nb(format!("{q}_v").as_str(), sized(1, 1)),
            nb(format!("{q}_d").as_str(), "d_new"),
            nb(format!("{q}_base").as_str(), id("si_obase").add("si_row0")),
            nb(format!("{q}_row0").as_str(), "si_row0"),
            nb(format!("{q}_last").as_str(), "si_lastfold"),
        ]
    };
    let step = vec![
        if_(
            id("s_on"),
            vec![
                nb("st_k", id("s_k").add(one())),
                nb("st_active", id("s_k").add(one()).lt(kk())),
            ],
        ),
        if_(
            id("pop"),
            vec![
                nb("dc_base", "q0_base"),
                nb("dc_row0", "q0_row0"),
                nb("dc_last", "q0_last"),
                nb("q0_v", "q1_v"),
                nb("q0_d", "q1_d"),
                nb("q0_base", "q1_base"),
                nb("q0_row0", "q1_row0"),
                nb("q0_last", "q1_last"),
                nb("q1_v", sized(1, 0)),
            ],
        ),
        if_(
            id("d_on"),
            vec![
                nb("dc_j", id("d_j").add(one())),
                nb("dc_active", id("d_j").add(one()).lt(r())),
            ],
        ),
        if_(
            id("st_go"),
            vec![
                nb("st_have", sized(1, 1)),
                nb("st_y", "now"),
                nb("d_last", "d_new"),
                nb("sc_abase", "si_abase"),
                nb("sc_bbase", "si_bbase"),
                if_else(id("n0_v"), entry("q1"), entry("q0")),
                if_else(
                    id("si_col0").add(c()).ge(nn()),
                    vec![
                        nb("si_col0", zero()),
                        nb("si_bbase", zero()),
                        nb("si_obase", zero()),
                        nb("si_row0", id("si_row0").add(r())),
                        nb("si_abase", id("si_abase").add(kk())),
                    ],
                    vec![
                        nb("si_col0", id("si_col0").add(c())),
                        nb("si_bbase", id("si_bbase").add(kk())),
                        nb("si_obase", id("si_obase").add(mm())),
                    ],
                ),
            ],
        ),
    ];
    items.extend(run_state(&["m", "k", "n"], reset_state, finish, step));
    m.push(items);
    m
}
