//! `ctrl_ws`: the ws / is controller (docs/TIMING.md, stationary-operand
//! schedule): loads into the shadow chains, streams, and the accumulator
//! buffer's read-modify-write, folds in plan.rs's order.

use super::common::{addr_port, common_ports, run_state, slice_addr};
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

    let cw = cfg.ctrl_width();
    let w = || bits("CW");
    let zero = || sized(cw, 0);
    let one = || sized(cw, 1);
    let r = || id("ROWS");
    let c = || id("COLS");
    let (sr, tt) = (|| id("sr_q"), || id("tt_q"));
    let low = |d: &str| id(d).slice(id("CW").sub(1), 0);
    // Every decision reads registers and one-bit flags only, and every
    // register's next value is one add or one compare of registers: the
    // conditions on the times of past events (docs/TIMING.md) are kept as
    // flags, and the next fold's tests and addresses are computed when the
    // fold before it starts (plan.rs order: column tile outer, row tile
    // inner), from the rows and columns still to go (`*_lrem`, `*_crem`),
    // so that a test is a compare with a constant.
    let mut items = vec![
        localparam("CW", int(i64::from(cw))),
        reg("sr_q", w()),
        reg("tt_q", w()),
        reg("tt_m1", w()),
        reg("tt_one", None),
        reg("sr_le_r", None),
        reg("sr_ge_r", None),
        reg("sr_ge_r1", None),
        wire_eq(
            "unused_sizes",
            None,
            concat(vec![
                sized(1, 0),
                id("sr").slice(31, id("CW")),
                id("sc").slice(31, id("CW")),
                id("tt").slice(31, id("CW")),
            ])
            .any(),
        ),
        // load side: the next load fold
        reg("li_lrem", w()),
        reg("li_crem", w()),
        reg("li_rtop", w()),
        reg("li_atop", w()),
        reg("li_natop", w()),
        reg("li_rlast", None),
        reg("ld_left", None),
        reg("li_tin", None),
        reg("li_tin1", None),
        reg("ld_first", None),
        reg("ld_active", None),
        reg("ld_j", w()),
        reg("lc_row", w()),
        reg("lc_addr", w()),
        reg("lc_in", None),
        // stream side: the next stream fold
        reg("si_lrem", w()),
        reg("si_crem", w()),
        reg("si_xbase", w()),
        reg("si_obase", w()),
        reg("si_first", None),
        reg("si_rlast", None),
        reg("si_clast", None),
        reg("st_active", None),
        reg("st_have", None),
        reg("st_go_q", None),
        reg("st_age", w()),
        reg("st_rok", None),
        reg("st_t", w()),
        reg("sc_xcur", w()),
        reg("sc_ocur", w()),
        reg("sc_init", None),
        reg("sc_last", None),
        reg("pending", None),
    ];
    // Stream start: a loaded fold waits (`pending`, which also means the
    // run is busy and a stream is left), its load is done (s >= L + R: the
    // load is no longer active), the previous stream is done (s >= s' + T:
    // no longer active) and two cycles old (s >= s' + 2: it did not start
    // last cycle).
    items.push(wire_eq(
        "st_go",
        None,
        id("pending").and(id("ld_active").not()).and(
            id("st_have")
                .not()
                .or(id("st_active").not().and(id("st_go_q").not())),
        ),
    ));
    // Load start: the first at once; later ones when every loaded fold has
    // started streaming, the feeder is free (L >= L' + R) and the column has
    // latched the previous fold (L >= s' + R - 1, s' the stream starting now
    // or the last one, `st_age` cycles ago). With R >= 2 a load never
    // starts with a stream (L >= s + 1), so it waits for no stream's start:
    // it needs no fold pending and `st_rok`.
    items.push(wire_eq(
        "ld_ok",
        None,
        r().le(int(1)).tern(
            id("pending")
                .and(id("st_go").not())
                .not()
                .and(id("st_go").or("st_rok")),
            id("pending").not().and("st_rok"),
        ),
    ));
    items.push(wire_eq(
        "ld_go",
        None,
        id("busy")
            .and(id("ld_left"))
            .and(id("ld_first").or(id("ld_active").not().and("ld_ok"))),
    ));
    // The row being read this cycle (the load that starts now, or the active one).
    items.extend([
        wire_eq("l_on", None, id("ld_go").or("ld_active")),
        wire_eq("l_in", None, id("ld_go").tern("li_tin", "lc_in")),
        wire_eq("s_addr", w(), id("ld_go").tern("li_atop", "lc_addr")),
        assign("s_re", id("l_on").and("l_in")),
    ]);
    items.extend(slice_addr("s_raddr", "s_addr", "SAW", "CW"));
    // The vector being read this cycle.
    items.extend([
        wire_eq("s_on", None, id("st_go").or("st_active")),
        wire_eq("x_addr", w(), id("st_go").tern("si_xbase", "sc_xcur")),
        assign("x_re", "s_on"),
        wire_eq("s_init", None, id("st_go").tern("si_first", "sc_init")),
        // Is the fold starting now the last one?
        wire_eq("si_lastfold", None, id("si_rlast").and("si_clast")),
        wire_eq(
            "s_lastfold",
            None,
            id("st_go").tern("si_lastfold", "sc_last"),
        ),
        wire_eq(
            "s_end",
            None,
            id("st_go").tern("tt_one", id("st_t").eq("tt_m1")),
        ),
        wire_eq("o_addr", w(), id("st_go").tern("si_obase", "sc_ocur")),
    ]);
    items.extend(slice_addr("x_raddr", "x_addr", "XAW", "CW"));
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
            concat(vec![
                sized(1, 0),
                id("o_addr").slice(id("CW").sub(1), id("OAW")),
            ])
            .any(),
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
    // The run's first state, loaded in every idle cycle (`run_state`): the
    // sizes, and the first fold's tests from the inputs.
    let (srin, scin) = (|| low("sr"), || low("sc"));
    let start_state = vec![
        nb("sr_q", srin()),
        nb("tt_q", low("tt")),
        nb("tt_m1", low("tt").sub(one())),
        nb("tt_one", low("tt").eq(one())),
        nb("sr_le_r", srin().le(r())),
        nb("sr_ge_r", srin().ge(r())),
        nb("sr_ge_r1", srin().ge(r().sub(1))),
        nb("li_lrem", srin()),
        nb("li_crem", scin()),
        nb("li_rtop", r().sub(1)),
        nb("li_atop", r().sub(1)),
        nb("li_natop", srin().add(r().sub(1))),
        nb("li_rlast", srin().le(r())),
        nb("li_tin", srin().ge(r())),
        nb("li_tin1", srin().ge(r().sub(1))),
        nb("ld_left", scin().ne(zero())),
        nb("ld_first", sized(1, 1)),
        nb("ld_active", sized(1, 0)),
        nb("si_lrem", srin()),
        nb("si_crem", scin()),
        nb("si_xbase", zero()),
        nb("si_obase", zero()),
        nb("si_first", sized(1, 1)),
        nb("si_rlast", srin().le(r())),
        nb("si_clast", scin().le(c())),
        nb("st_active", sized(1, 0)),
        nb("st_have", sized(1, 0)),
        nb("pending", sized(1, 0)),
    ];
    items.push(always_ff(vec![
        nb("w_shift", id("busy").and("l_on")),
        nb("w_zero", id("l_in").not()),
        nb("x_v", id("busy").and("s_on")),
        nb("x_f", id("st_go").or(id("st_t").eq(zero()))),
        nb("st_go_q", "st_go"),
    ]));
    // A fold with `lrem` rows still to go (from its row0) is its column's
    // last when `lrem <= R`; its top row, `row0 + R - 1`, is inside the
    // stationary operand when `lrem >= R`, the row below it when `lrem >= R - 1`.
    // The next row fold has `lrem - R` to go: its tests are `lrem <= 2R`, ...
    let li_newcol = vec![
        nb("li_lrem", sr()),
        nb("li_rlast", "sr_le_r"),
        nb("li_tin", "sr_ge_r"),
        nb("li_tin1", "sr_ge_r1"),
        nb("li_rtop", r().sub(1)),
        nb("li_atop", "li_natop"),
        nb("li_natop", id("li_natop").add(sr())),
        nb("li_crem", id("li_crem").sub(c())),
        nb("ld_left", id("li_crem").gt(c())),
    ];
    let li_newrow = vec![
        nb("li_lrem", id("li_lrem").sub(r())),
        nb("li_rlast", id("li_lrem").le(r().mul(2))),
        nb("li_tin", id("li_lrem").ge(r().mul(2))),
        nb("li_tin1", id("li_lrem").ge(r().mul(2).sub(1))),
        nb("li_rtop", id("li_rtop").add(r())),
        nb("li_atop", id("li_atop").add(r())),
    ];
    let step = vec![
        // The load reads rows `lc_row` downwards; the next one is inside
        // the stationary operand when this one is or this one is `sr` (the
        // first row past the operand's last).
        if_(
            id("l_on"),
            vec![
                nb("ld_j", id("ld_go").tern(one(), id("ld_j").add(one()))),
                nb(
                    "ld_active",
                    id("ld_go").tern(r().gt(int(1)), id("ld_j").ne(r().sub(1))),
                ),
                nb(
                    "lc_row",
                    id("ld_go").tern(id("li_rtop").sub(one()), id("lc_row").sub(one())),
                ),
                nb(
                    "lc_addr",
                    id("ld_go").tern(id("li_atop").sub(one()), id("lc_addr").sub(one())),
                ),
                nb(
                    "lc_in",
                    id("ld_go").tern("li_tin1", id("lc_in").or(id("lc_row").eq(sr()))),
                ),
            ],
        ),
        if_(
            id("ld_go"),
            vec![
                nb("ld_first", sized(1, 0)),
                if_else(id("li_rlast"), li_newcol, li_newrow),
            ],
        ),
        if_(
            id("s_on"),
            vec![
                nb("st_t", id("st_go").tern(one(), id("st_t").add(one()))),
                nb("st_active", id("s_end").not()),
                nb(
                    "sc_xcur",
                    id("st_go").tern(id("si_xbase").add(one()), id("sc_xcur").add(one())),
                ),
                nb(
                    "sc_ocur",
                    id("st_go").tern(id("si_obase").add(one()), id("sc_ocur").add(one())),
                ),
            ],
        ),
        // `st_age`: cycles since the last stream started, counted until
        // `st_rok`: that age is at least R - 1.
        if_else(
            id("st_go"),
            vec![nb("st_age", one()), nb("st_rok", r().le(int(2)))],
            vec![if_(
                id("st_rok").not(),
                vec![
                    nb("st_age", id("st_age").add(one())),
                    nb("st_rok", id("st_age").eq(r().sub(2))),
                ],
            )],
        ),
        if_(
            id("st_go"),
            vec![
                nb("st_have", sized(1, 1)),
                nb("sc_init", "si_first"),
                nb("sc_last", "si_lastfold"),
                if_else(
                    id("si_rlast"),
                    vec![
                        nb("si_lrem", sr()),
                        nb("si_xbase", zero()),
                        nb("si_crem", id("si_crem").sub(c())),
                        nb("si_obase", id("si_obase").add(tt())),
                        nb("si_first", sized(1, 1)),
                        nb("si_rlast", "sr_le_r"),
                        nb("si_clast", id("si_crem").le(c().mul(2))),
                    ],
                    vec![
                        nb("si_lrem", id("si_lrem").sub(r())),
                        nb("si_xbase", id("si_xbase").add(tt())),
                        nb("si_first", sized(1, 0)),
                        nb("si_rlast", id("si_lrem").le(r().mul(2))),
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
    items.extend(run_state(start_state, finish, step));
    m.push(items);
    m
}
