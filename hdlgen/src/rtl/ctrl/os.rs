//! `ctrl_os`: the os controller (docs/TIMING.md, output-stationary
//! schedule): streams A and B, plans the drains of finished folds and writes
//! the drained rows.

use super::common::{
    addr_port, common_ports, latch_sizes, one, run_decls, run_state, slice_addr, w, zero, CW,
};
use crate::ast::*;
use crate::rtl::config::Config;

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
    items.extend(slice_addr("a_raddr", "a_addr", "AAW", CW));
    items.extend(slice_addr("b_raddr", "b_addr", "BAW", CW));
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
    let mut on_start = latch_sizes(&["m", "k", "n"]);
    on_start.extend(reset_state);
    items.extend(run_state(on_start, finish, step, true));
    m.push(items);
    m
}
