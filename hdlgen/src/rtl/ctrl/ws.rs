//! `ctrl_ws`: the ws / is controller (docs/TIMING.md, stationary-operand
//! schedule): loads into the shadow chains, streams, and the accumulator
//! buffer's read-modify-write, folds in plan.rs's order.

use super::common::{addr_port, common_ports, one, run_decls, run_state, slice_addr, w, zero, CW};
use crate::ast::*;
use crate::rtl::config::Config;

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
