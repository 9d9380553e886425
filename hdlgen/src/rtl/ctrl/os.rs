//! `ctrl_os`: the os controller (docs/TIMING.md, output-stationary
//! schedule): streams A and B, drains each finished fold and writes the
//! drained rows.

use super::common::{addr_port, common_ports, run_state, slice_addr};
use crate::ast::*;
use crate::rtl::config::Config;

/// `ctrl_os`: os controller. A line `mt * K + k` of the A buffer holds column
/// k of row tile mt, a line `nt * K + k` of the B buffer row k of column tile
/// nt; output row m of column tile nt goes to line `nt * M + m`.
///
/// Like `ctrl_ws` it keeps no cycle counter. A fold's drain starts
/// `D = s + K + R - 1` (TIMING.md's `D_f >= D_f-1 + R` never binds, since
/// `s_f+1 >= D_f + R + 1 - K`), that is `R + 1` cycles after its last
/// vector is read: a token goes down an `R + 1` register line. The next
/// stream may start once the last one is done (`s_f+1 >= s_f + K`) and
/// `2R` cycles old (`s_f+1 >= D_f + R + 1 - K = s_f + 2R`), both kept as
/// flags; folds' rows, columns and addresses are computed a fold ahead.
pub fn ctrl_os(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("ctrl_os"),
        &[
            "os controller (docs/TIMING.md, output-stationary schedule):",
            "s0 = 1, s_f+1 >= s_f + K and s_f + 2R, D_f = s_f + K + R - 1.",
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

    let cw = cfg.ctrl_width();
    let w = || bits("CW");
    let zero = || sized(cw, 0);
    let one = || sized(cw, 1);
    let r = || id("ROWS");
    let c = || id("COLS");
    let low = |d: &str| id(d).slice(id("CW").sub(1), 0);
    let mut items = vec![
        localparam("CW", int(i64::from(cw))),
        reg("m_q", w()),
        reg("k_q", w()),
        reg("n_q", w()),
        reg("k_m1", w()),
        reg("k_one", None),
        reg("n_le_c", None),
        wire_eq(
            "unused_sizes",
            None,
            concat(vec![
                sized(1, 0),
                id("m").slice(31, id("CW")),
                id("k").slice(31, id("CW")),
                id("n").slice(31, id("CW")),
            ])
            .any(),
        ),
        // the next stream fold: its row0, output line of row0, A and B
        // bases, rows and columns still to go, last row tile, last column tile
        reg("si_row0", w()),
        reg("si_obr", w()),
        reg("si_abase", w()),
        reg("si_bbase", w()),
        reg("si_mrem", w()),
        reg("si_ncrem", w()),
        reg("si_rlast", None),
        reg("si_clast", None),
        // the streaming fold
        reg("st_left", None),
        reg("st_active", None),
        reg("st_have", None),
        reg("st_k", w()),
        reg("st_age", w()),
        reg("st_rok", None),
        reg("sc_acur", w()),
        reg("sc_bcur", w()),
        reg("sc_atop", w()),
        reg("sc_mrem", w()),
        reg("sc_tin", None),
        reg("sc_tin1", None),
        reg("sc_last", None),
        // the fold waiting for its drain
        reg("dp_atop", w()),
        reg("dp_mrem", w()),
        reg("dp_tin", None),
        reg("dp_tin1", None),
        reg("dp_last", None),
        // the draining fold
        reg("dc_active", None),
        reg("dc_j", w()),
        reg("dc_row", w()),
        reg("dc_addr", w()),
        reg("dc_mrem", w()),
        reg("dc_in", None),
        reg("dc_last", None),
    ];
    // Stream start: the first at once; later ones when the last stream is
    // done (s >= s' + K) and 2R cycles old (s >= s' + 2R: `st_rok`).
    items.extend([
        wire_eq(
            "st_go",
            None,
            id("busy")
                .and("st_left")
                .and(id("st_have").not().or(id("st_active").not().and("st_rok"))),
        ),
        wire_eq("s_on", None, id("st_go").or("st_active")),
        wire_eq(
            "s_last",
            None,
            id("st_go").tern("k_one", id("st_k").eq("k_m1")),
        ),
        // The fold's last step is read this cycle: its drain starts R + 1 cycles later.
        wire_eq("s_fin", None, id("busy").and("s_on").and("s_last")),
        wire_eq("a_addr", w(), id("st_go").tern("si_abase", "sc_acur")),
        wire_eq("b_addr", w(), id("st_go").tern("si_bbase", "sc_bcur")),
        assign("a_re", "s_on"),
        assign("b_re", "s_on"),
        wire_eq("si_lastfold", None, id("si_rlast").and("si_clast")),
        // The fold's drain: its first line (`atop`, row R - 1), whether row
        // R - 1 and row R - 2 are inside C (`tin`, `tin1`), and its last.
        wire_eq("si_atop", w(), id("si_obr").add(r().sub(1))),
        wire_eq("f_atop", w(), id("st_go").tern("si_atop", "sc_atop")),
        wire_eq("f_mrem", w(), id("st_go").tern("si_mrem", "sc_mrem")),
        wire_eq(
            "f_tin",
            None,
            id("st_go").tern(id("si_mrem").ge(r()), "sc_tin"),
        ),
        wire_eq(
            "f_tin1",
            None,
            id("st_go").tern(id("si_mrem").ge(r().sub(1)), "sc_tin1"),
        ),
        wire_eq("f_last", None, id("st_go").tern("si_lastfold", "sc_last")),
    ]);
    items.extend(slice_addr("a_raddr", "a_addr", "AAW", "CW"));
    items.extend(slice_addr("b_raddr", "b_addr", "BAW", "CW"));
    items.extend([
        wire("pop", None),
        instance(
            &cfg.name("delay"),
            "u_drain",
            vec![("W", int(1)), ("N", r().add(1)), ("RESET", int(1))],
            vec![
                ("clk", id("clk")),
                ("rst", id("rst")),
                ("x", id("s_fin")),
                ("y", id("pop")),
            ],
        ),
        // The row drained this cycle (R - 1 first): valid while inside C.
        wire_eq("d_on", None, id("pop").or("dc_active")),
        wire_eq("d_valid", None, id("pop").tern("dp_tin", "dc_in")),
        wire_eq("d_addr", w(), id("pop").tern("dp_atop", "dc_addr")),
        wire_eq(
            "d_final",
            None,
            id("pop").tern(
                id("dp_last").and(r().eq(1)),
                id("dc_last").and(id("dc_j").eq(r().sub(1))),
            ),
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
            concat(vec![
                sized(1, 0),
                id("d_addr").slice(id("CW").sub(1), id("OAW")),
            ])
            .any(),
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
        always_ff(vec![nb("v_q", id("busy").and("s_on")), nb("l_q", "s_fin")]),
    ]);
    let finish = id("tok_wr").idx(id("TW").sub(2));
    let on_start = vec![
        nb("m_q", low("m")),
        nb("k_q", low("k")),
        nb("n_q", low("n")),
        nb("k_m1", low("k").sub(one())),
        nb("k_one", low("k").eq(one())),
        nb("n_le_c", low("n").le(c())),
        nb("si_row0", zero()),
        nb("si_obr", zero()),
        nb("si_abase", zero()),
        nb("si_bbase", zero()),
        nb("si_mrem", low("m")),
        nb("si_ncrem", low("n")),
        nb("si_rlast", low("m").le(r())),
        nb("si_clast", low("n").le(c())),
        nb("st_left", low("m").ne(zero())),
        nb("st_active", sized(1, 0)),
        nb("st_have", sized(1, 0)),
        nb("dc_active", sized(1, 0)),
    ];
    let step = vec![
        if_(
            id("s_on"),
            vec![
                nb("st_k", id("st_go").tern(one(), id("st_k").add(one()))),
                nb("st_active", id("s_last").not()),
                nb(
                    "sc_acur",
                    id("st_go").tern(id("si_abase").add(one()), id("sc_acur").add(one())),
                ),
                nb(
                    "sc_bcur",
                    id("st_go").tern(id("si_bbase").add(one()), id("sc_bcur").add(one())),
                ),
            ],
        ),
        // `st_age`: cycles since the last stream started, counted until
        // `st_rok`: that age is at least 2R.
        if_else(
            id("st_go"),
            vec![nb("st_age", one()), nb("st_rok", sized(1, 0))],
            vec![if_(
                id("st_rok").not(),
                vec![
                    nb("st_age", id("st_age").add(one())),
                    nb("st_rok", id("st_age").eq(r().mul(2).sub(1))),
                ],
            )],
        ),
        if_(
            id("st_go"),
            vec![
                nb("st_have", sized(1, 1)),
                nb("st_left", id("si_lastfold").not()),
                nb("sc_atop", "si_atop"),
                nb("sc_mrem", "si_mrem"),
                nb("sc_tin", id("si_mrem").ge(r())),
                nb("sc_tin1", id("si_mrem").ge(r().sub(1))),
                nb("sc_last", "si_lastfold"),
                // Row tile outer, column tile inner.
                if_else(
                    id("si_clast"),
                    vec![
                        nb("si_ncrem", "n_q"),
                        nb("si_clast", "n_le_c"),
                        nb("si_bbase", zero()),
                        nb("si_row0", id("si_row0").add(r())),
                        nb("si_obr", id("si_row0").add(r())),
                        nb("si_abase", id("si_abase").add("k_q")),
                        nb("si_mrem", id("si_mrem").sub(r())),
                        nb("si_rlast", id("si_mrem").le(r().mul(2))),
                    ],
                    vec![
                        nb("si_ncrem", id("si_ncrem").sub(c())),
                        nb("si_clast", id("si_ncrem").le(c().mul(2))),
                        nb("si_bbase", id("si_bbase").add("k_q")),
                        nb("si_obr", id("si_obr").add("m_q")),
                    ],
                ),
            ],
        ),
        if_(
            id("s_fin"),
            vec![
                nb("dp_atop", "f_atop"),
                nb("dp_mrem", "f_mrem"),
                nb("dp_tin", "f_tin"),
                nb("dp_tin1", "f_tin1"),
                nb("dp_last", "f_last"),
            ],
        ),
        // The drain reads rows downwards from R - 1; the next one is inside
        // C when this one is or this one is the first past C's last.
        if_(
            id("d_on"),
            vec![
                nb("dc_j", id("pop").tern(one(), id("dc_j").add(one()))),
                nb(
                    "dc_active",
                    id("pop").tern(r().gt(int(1)), id("dc_j").ne(r().sub(1))),
                ),
                nb(
                    "dc_row",
                    id("pop").tern(r().sub(2), id("dc_row").sub(one())),
                ),
                nb(
                    "dc_addr",
                    id("pop").tern(id("dp_atop").sub(one()), id("dc_addr").sub(one())),
                ),
                nb(
                    "dc_in",
                    id("pop").tern("dp_tin1", id("dc_in").or(id("dc_row").eq("dc_mrem"))),
                ),
            ],
        ),
        if_(
            id("pop"),
            vec![nb("dc_mrem", "dp_mrem"), nb("dc_last", "dp_last")],
        ),
    ];
    items.extend(run_state(on_start, finish, step));
    m.push(items);
    m
}
