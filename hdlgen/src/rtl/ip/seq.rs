use super::{min32, regw, u32c, z32, Ctx};
use crate::ast::*;

/// The sequencer: tiles, job order (docs/TIMING.md), core starts.
pub(super) fn seq(x: &Ctx, m: &mut Module) {
    let &Ctx {
        r,
        c,
        ob,
        cb,
        os,
        dbl,
        sa,
        xa,
        ..
    } = x;
    // ---- sequencer -----------------------------------------------------
    let tr = id("r_rf").mul(sized(16, r)); // 32-bit products below
    let tc = id("r_cf").mul(sized(16, c));
    m.push([
        Item::Comment("Sequencer: tiles, job order (docs/TIMING.md), core starts.".into()),
        regw("tr", 32),
        regw("tc", 32),
        regw("tc_ob", 32),
        regw("tc_cb", 32),
        regw("tr_ob", 32),
        regw("ro", 32),
        regw("to", 32),
        regw("co", 32),
        regw("rs", 32),
        regw("ts", 32),
        regw("cs", 32),
        regw("s_ptr", 32),
        regw("s_colbase", 32),
        regw("x_ptr", 32),
        regw("x_tb", 32),
        regw("x_ntb", 32),
        regw("c_ptr", 32),
        regw("c_colbase", 32),
        regw("wto", 32),
        reg("lc_done", None),
        regw("slot", 2), // 0 load, 1 write-back slot, 2 end
        regw("wk", 32),
        regw("loads", 32),
        regw("started", 32),
        regw("ended", 32),
        reg("lpar", None),
        reg("cpar", None),
        reg("pq_v", None),
        regw("pq_ts", 32),
        regw("pq_rs", 32),
        regw("pq_cs", 32),
        reg("pq_acc", None),
        reg("pq_last", None),
        reg("pq_bank", None),
        reg("pq_cbank", None),
        reg("run_last", None),
        regw("run_ts", 32),
        regw("run_cs", 32),
        reg("run_cbank", None),
        regw("eq_n", 2),
        reg("eq0_last", None),
        regw("eq0_ts", 32),
        regw("eq0_cs", 32),
        reg("eq0_cbank", None),
        reg("eq1_last", None),
        regw("eq1_ts", 32),
        regw("eq1_cs", 32),
        reg("eq1_cbank", None),
        reg("sel_ab", None),
        reg("sel_c", None),
        reg("acc_keep", None),
        reg("dma_act", None),
        reg("dma_wr", None),
        reg("jbank", None),
        reg("wbank", None),
        regw("bcnt", 32),
        wire("core_busy", None),
        wire("core_done", None),
        wire_eq(
            "core_start",
            None,
            id("run").and("pq_v").and(id("core_busy").not()),
        ),
        wire_eq(
            "l_trig",
            None,
            if dbl {
                id("started").ge("loads")
            } else {
                id("ended").ge("loads")
            },
        ),
        wire_eq(
            "l_go",
            None,
            id("run")
                .and(id("dma_act").not())
                .and(id("slot").eq(sized(2, 0)))
                .and("l_trig"),
        ),
        wire_eq(
            "w_res",
            None,
            id("run")
                .and(id("dma_act").not())
                .and(id("slot").eq(sized(2, 1)))
                .and(id("eq_n").ne(sized(2, 0))),
        ),
        wire_eq("w_go", None, id("w_res").and("eq0_last")),
        wire_eq("w_skip", None, id("w_res").and(id("eq0_last").not())),
        // A load ends with its last read beat; a write-back with its last write beat.
        wire("l_end", None),
        wire("w_end", None),
        wire_eq("ro_n", bits(32), id("ro").add("tr")),
        wire_eq("to_n", bits(32), id("to").add(z32(id("r_t")))),
        wire_eq("co_n", bits(32), id("co").add("tc")),
        wire_eq("wto_n", bits(32), id("wto").add(z32(id("r_t")))),
        wire_eq("wco_n", bits(32), id("wto").add("tc")),
        wire_eq("row_more", None, id("ro_n").lt("sr")),
        wire_eq("time_more", None, id("to_n").lt("tt")),
        wire_eq("col_more", None, id("co_n").lt("sc")),
        wire_eq(
            "xn",
            bits(32),
            id("ro").eq(u32c(0)).tern("ar_end0_1_n", "x_ntb"),
        ),
        // After a W slot: the next load, else the next W slot, else the end.
        wire_eq(
            "after_w",
            bits(2),
            id("lc_done").not().tern(
                sized(2, 0),
                if dbl {
                    id("wk")
                        .add(u32c(1))
                        .lt("loads")
                        .tern(sized(2, 1), sized(2, 2))
                } else {
                    sized(2, 2)
                },
            ),
        ),
        assign(
            "fin",
            id("slot")
                .eq(sized(2, 2))
                .and(id("dma_act").not())
                .and(id("core_busy").not())
                .and(id("pq_v").not())
                .and(id("bcnt").eq(u32c(0))),
        ),
    ]);
    // Next slot after a load completes (loads = its index before the increment).
    let after_l = if dbl {
        id("loads")
            .eq(u32c(0))
            .and(id("lc_done_n").not())
            .tern(sized(2, 0), sized(2, 1))
    } else {
        sized(2, 1)
    };
    m.push([wire_eq(
        "lc_done_n",
        None,
        id("row_more")
            .not()
            .and(id("time_more").not())
            .and(id("col_more").not()),
    )]);
    let on_go = vec![
        nb("tr", tr.clone()),
        nb("tc", tc.clone()),
        nb("tc_ob", tc.clone().mul(sized(32, ob))),
        nb("tc_cb", tc.clone().mul(sized(32, cb))),
        nb("tr_ob", tr.clone().mul(sized(32, ob))),
        nb("ro", u32c(0)),
        nb("to", u32c(0)),
        nb("co", u32c(0)),
        nb("rs", min32(tr.clone(), id("sr"))),
        nb("ts", min32(z32(id("r_t")), id("tt"))),
        nb("cs", min32(tc.clone(), id("sc"))),
        nb("s_ptr", sa),
        nb("s_colbase", sa),
        nb("x_ptr", xa),
        nb("x_tb", xa),
        nb("x_ntb", xa),
        nb("c_ptr", "r_ca"),
        nb("c_colbase", "r_ca"),
        nb("wto", u32c(0)),
        nb("lc_done", sized(1, 0)),
        nb("slot", sized(2, 0)),
        nb("wk", u32c(0)),
        nb("loads", u32c(0)),
        nb("started", u32c(0)),
        nb("ended", u32c(0)),
        nb("lpar", sized(1, 0)),
        nb("cpar", sized(1, 0)),
        nb("pq_v", sized(1, 0)),
        nb("eq_n", sized(2, 0)),
        nb("dma_act", sized(1, 0)),
        nb("bcnt", u32c(0)),
        nb("sel_ab", sized(1, 1)),
        nb("sel_c", sized(1, 1)),
    ];
    let load_done = vec![
        nb("dma_act", sized(1, 0)),
        nb("loads", id("loads").add(u32c(1))),
        nb("lpar", id("lpar").not()),
        nb("pq_v", sized(1, 1)),
        nb("pq_ts", "ts"),
        nb("pq_rs", "rs"),
        nb("pq_cs", "cs"),
        nb("pq_acc", id(if os { "to" } else { "ro" }).ne(u32c(0))),
        nb(
            "pq_last",
            id(if os { "time_more" } else { "row_more" }).not(),
        ),
        nb("pq_bank", "lpar"),
        nb("pq_cbank", "cpar"),
        nb("slot", after_l),
        nb("lc_done", "lc_done_n"),
        if os {
            // os: K tile innermost (accumulating), then column tile, then row
            // tile. Part 0 is Aᵀ (s_ptr; s_colbase = A + m0 ob), part 1 is B
            // (x_ptr; x_tb = B + n0 ob).
            if_else(
                id("time_more"),
                vec![
                    nb("to", "to_n"),
                    nb("ts", min32(z32(id("r_t")), id("tt").sub("to_n"))),
                    nb("s_ptr", "ar_end0_0_n"),
                    nb("x_ptr", "ar_end0_1_n"),
                ],
                vec![
                    nb("to", u32c(0)),
                    nb("ts", min32(z32(id("r_t")), id("tt"))),
                    nb("cpar", id("cpar").not()),
                    if_else(
                        id("col_more"),
                        vec![
                            nb("co", "co_n"),
                            nb("cs", min32(id("tc"), id("sc").sub("co_n"))),
                            nb("s_ptr", "s_colbase"),
                            nb("x_tb", id("x_tb").add("tc_ob")),
                            nb("x_ptr", id("x_tb").add("tc_ob")),
                        ],
                        vec![
                            nb("co", u32c(0)),
                            nb("cs", min32(id("tc"), id("sc"))),
                            nb("x_tb", xa),
                            nb("x_ptr", xa),
                            nb("ro", "ro_n"),
                            nb("rs", min32(id("tr"), id("sr").sub("ro_n"))),
                            nb("s_colbase", id("s_colbase").add("tr_ob")),
                            nb("s_ptr", id("s_colbase").add("tr_ob")),
                        ],
                    ),
                ],
            )
        } else {
            if_else(
                id("row_more"),
                vec![
                    nb("ro", "ro_n"),
                    nb("rs", min32(id("tr"), id("sr").sub("ro_n"))),
                    nb("s_ptr", "ar_end0_0_n"),
                    nb("x_ptr", id("x_ptr").add("tr_ob")),
                    if_(id("ro").eq(u32c(0)), vec![nb("x_ntb", "ar_end0_1_n")]),
                ],
                vec![
                    nb("ro", u32c(0)),
                    nb("rs", min32(id("tr"), id("sr"))),
                    nb("cpar", id("cpar").not()),
                    if_else(
                        id("time_more"),
                        vec![
                            nb("to", "to_n"),
                            nb("ts", min32(z32(id("r_t")), id("tt").sub("to_n"))),
                            nb("x_tb", "xn"),
                            nb("x_ptr", "xn"),
                            nb("s_ptr", "s_colbase"),
                        ],
                        vec![
                            nb("to", u32c(0)),
                            nb("ts", min32(z32(id("r_t")), id("tt"))),
                            nb("co", "co_n"),
                            nb("cs", min32(id("tc"), id("sc").sub("co_n"))),
                            nb("s_colbase", id("s_colbase").add("tc_ob")),
                            nb("s_ptr", id("s_colbase").add("tc_ob")),
                            nb("x_tb", xa),
                            nb("x_ptr", xa),
                        ],
                    ),
                ],
            )
        },
    ];
    let write_done = vec![
        nb("dma_act", sized(1, 0)),
        nb("slot", "after_w"),
        nb("wk", id("wk").add(u32c(1))),
        if os {
            // C tiles: column tile inner (wto is its offset), row tile outer;
            // c_colbase keeps the next row tile's first line.
            if_else(
                id("wco_n").lt("sc"),
                vec![
                    nb("wto", "wco_n"),
                    nb("c_ptr", id("c_ptr").add("tc_cb")),
                    if_(id("wto").eq(u32c(0)), vec![nb("c_colbase", "aw_end0_0_n")]),
                ],
                vec![
                    nb("wto", u32c(0)),
                    nb(
                        "c_ptr",
                        id("wto").eq(u32c(0)).tern("aw_end0_0_n", "c_colbase"),
                    ),
                ],
            )
        } else {
            if_else(
                id("wto_n").lt("tt"),
                vec![nb("wto", "wto_n"), nb("c_ptr", "aw_end0_0_n")],
                vec![
                    nb("wto", u32c(0)),
                    nb("c_colbase", id("c_colbase").add("tc_cb")),
                    nb("c_ptr", id("c_colbase").add("tc_cb")),
                ],
            )
        },
    ];
    // The ended queue: push at a core's done, pop at a W slot's resolution.
    let eq_push0 = vec![
        nb("eq0_last", "run_last"),
        nb("eq0_ts", "run_ts"),
        nb("eq0_cs", "run_cs"),
        nb("eq0_cbank", "run_cbank"),
    ];
    let eq_push1 = vec![
        nb("eq1_last", "run_last"),
        nb("eq1_ts", "run_ts"),
        nb("eq1_cs", "run_cs"),
        nb("eq1_cbank", "run_cbank"),
    ];
    let eq_shift = vec![
        nb("eq0_last", "eq1_last"),
        nb("eq0_ts", "eq1_ts"),
        nb("eq0_cs", "eq1_cs"),
        nb("eq0_cbank", "eq1_cbank"),
    ];
    let eq_logic = if_else(
        id("core_done").and(id("w_res")),
        // push and pop
        vec![if_else(id("eq_n").eq(sized(2, 1)), eq_push0.clone(), {
            let mut v = eq_shift.clone();
            v.extend(eq_push1.clone());
            v
        })],
        vec![
            if_(
                id("core_done"),
                vec![
                    nb("eq_n", id("eq_n").add(sized(2, 1))),
                    if_else(id("eq_n").eq(sized(2, 0)), eq_push0, eq_push1),
                ],
            ),
            if_(id("w_res"), {
                let mut v = vec![nb("eq_n", id("eq_n").sub(sized(2, 1)))];
                v.extend(eq_shift);
                v
            }),
        ],
    );
    m.push([always_ff(vec![if_else(
        id("rst"),
        vec![
            nb("dma_act", sized(1, 0)),
            nb("pq_v", sized(1, 0)),
            nb("eq_n", sized(2, 0)),
            nb("slot", sized(2, 2)),
            nb("bcnt", u32c(0)),
            nb("sel_ab", sized(1, 1)),
            nb("sel_c", sized(1, 1)),
            nb("acc_keep", sized(1, 0)),
        ],
        vec![if_else(
            id("go"),
            on_go,
            vec![
                if_(
                    id("l_go"),
                    vec![
                        nb("dma_act", sized(1, 1)),
                        nb("dma_wr", sized(1, 0)),
                        nb("jbank", "lpar"),
                    ],
                ),
                if_(
                    id("w_go"),
                    vec![
                        nb("dma_act", sized(1, 1)),
                        nb("dma_wr", sized(1, 1)),
                        nb("wbank", "eq0_cbank"),
                    ],
                ),
                if_(
                    id("w_skip"),
                    vec![nb("slot", "after_w"), nb("wk", id("wk").add(u32c(1)))],
                ),
                if_(id("l_end"), load_done),
                if_(id("w_end"), write_done),
                if_(
                    id("core_start"),
                    vec![
                        nb("pq_v", sized(1, 0)),
                        nb("started", id("started").add(u32c(1))),
                        nb("sel_ab", "pq_bank"),
                        nb("sel_c", "pq_cbank"),
                        nb("acc_keep", "pq_acc"),
                        nb("run_last", "pq_last"),
                        nb("run_ts", if os { "pq_rs" } else { "pq_ts" }),
                        nb("run_cs", "pq_cs"),
                        nb("run_cbank", "pq_cbank"),
                    ],
                ),
                if_(id("core_done"), vec![nb("ended", id("ended").add(u32c(1)))]),
                eq_logic,
                nb(
                    "bcnt",
                    id("bcnt")
                        .add(concat(vec![
                            sized(31, 0),
                            id("m_axi_awvalid").and("m_axi_awready"),
                        ]))
                        .sub(concat(vec![sized(31, 0), id("m_axi_bvalid")])),
                ),
            ],
        )],
    )])]);
}
