use super::{regw, u32c, Ctx};
use crate::ast::*;

/// The DMA: read jobs (loads) and write jobs (write-backs) through four walkers.
pub(super) fn dma(x: &Ctx, m: &mut Module) {
    let &Ctx {
        cfg,
        c,
        ob,
        cb,
        dw,
        dwl,
        lbmax,
        clb,
        rlw,
        hbw,
        ss,
        xs,
        p0,
        p1,
        ..
    } = x;
    // ---- DMA -----------------------------------------------------------
    let walker = |name: &str, ld: Expr, two: bool, parts: [[Expr; 7]; 2], take: Expr| {
        let mut ports = vec![
            ("clk", id("clk")),
            ("rst", id("rst")),
            ("ld", ld),
            ("two", sized(1, u64::from(two))),
        ];
        let names = ["base", "stride", "lines", "lanes", "lw", "lb", "eb"];
        let mut owned: Vec<(String, Expr)> = Vec::new();
        for (p, vals) in parts.into_iter().enumerate() {
            for (n, v) in names.iter().zip(vals) {
                owned.push((format!("{n}{p}"), v));
            }
        }
        let outs = [
            "valid",
            "part",
            "addr",
            "beats",
            "done_b",
            "seg_end",
            "part_end",
            "last",
            "seg_len",
            "seg_bytes",
            "end0_0",
            "end0_1",
            "end0_0_n",
            "end0_1_n",
        ];
        let mut items = vec![
            wire(&format!("{name}_valid"), None),
            wire(&format!("{name}_part"), None),
            wire(&format!("{name}_addr"), bits(32)),
            wire(&format!("{name}_beats"), bits(9)),
            wire(&format!("{name}_done_b"), bits(16)),
            wire(&format!("{name}_seg_end"), None),
            wire(&format!("{name}_part_end"), None),
            wire(&format!("{name}_last"), None),
            wire(&format!("{name}_seg_len"), bits(16)),
            wire(&format!("{name}_seg_bytes"), bits(16)),
            wire(&format!("{name}_end0_0"), bits(32)),
            wire(&format!("{name}_end0_1"), bits(32)),
            wire(&format!("{name}_end0_0_n"), bits(32)),
            wire(&format!("{name}_end0_1_n"), bits(32)),
        ];
        let mut all: Vec<(String, Expr)> =
            ports.drain(..).map(|(a, b)| (a.to_string(), b)).collect();
        all.extend(owned);
        all.push(("take".into(), take));
        for o in outs {
            all.push((o.into(), id(format!("{name}_{o}"))));
        }
        items.push(Item::Instance {
            module: cfg.name("walk"),
            name: format!("u_{name}"),
            params: vec![("DWL".into(), id("DWL"))],
            ports: all,
        });
        items
    };
    let k16 = |v: u64| sized(16, v);
    let s_part = [
        id("s_ptr"),
        id(ss),
        id(p0.0),
        id(p0.1),
        k16(p0.2),
        k16(p0.2 * ob),
        sized(4, ob),
    ];
    let x_part = [
        id("x_ptr"),
        id(xs),
        id(p1.0),
        id(p1.1),
        k16(p1.2),
        k16(p1.2 * ob),
        sized(4, ob),
    ];
    let c_part = [
        id("c_ptr"),
        id("r_cs"),
        id("eq0_ts"),
        id("eq0_cs"),
        k16(c),
        k16(clb),
        sized(4, cb),
    ];
    let c_part_job = [
        id("c_ptr"),
        id("r_cs"),
        id("wj_ts"),
        id("w_go").tern("eq0_cs", "wj_cs"),
        k16(c),
        k16(clb),
        sized(4, cb),
    ];
    let _ = c_part;
    let zero_part = || {
        [
            u32c(0),
            u32c(0),
            u32c(1),
            u32c(1),
            k16(1),
            k16(1),
            sized(4, 1),
        ]
    };
    m.push([
        Item::Comment("DMA: read jobs (loads) and write jobs (write-backs).".into()),
        regw("wj_ts", 32),
        regw("wj_cs", 32),
        always_ff(vec![if_(
            id("w_go"),
            vec![nb("wj_ts", "eq0_ts"), nb("wj_cs", "eq0_cs")],
        )]),
        wire_eq("rd_job", None, id("dma_act").and(id("dma_wr").not())),
        wire_eq("wr_job", None, id("dma_act").and("dma_wr")),
    ]);
    // Read address walker: issues one burst per cycle from the cycle after the job begins.
    m.push(walker(
        "ar",
        id("l_go"),
        true,
        [s_part.clone(), x_part.clone()],
        id("m_axi_arvalid").and("m_axi_arready"),
    ));
    // Read beat walker.
    m.push(walker(
        "rw",
        id("l_go"),
        true,
        [s_part, x_part],
        id("m_axi_rvalid").and(id("rb").add(sized(9, 1)).eq("rw_beats")),
    ));
    m.push([
        assign("m_axi_arvalid", id("rd_job").and("ar_valid")),
        assign("m_axi_araddr", "ar_addr"),
        wire_eq("ar_len9", bits(9), id("ar_beats").sub(sized(9, 1))),
        assign("m_axi_arlen", id("ar_len9").slice(7, 0)),
        assign("m_axi_arsize", sized(3, dwl)),
        assign("m_axi_arburst", sized(2, 1)),
        assign("m_axi_rready", sized(1, 1)),
        regw("rb", 9),
        reg("bw_en", None),
        reg("bw_part", None),
        regw("bw_addr", 32),
        regw("bw_len", 16),
        regw("r_baddr", 32),
        regw("rl", (lbmax * 8) as u32),
        assign(
            "l_end",
            id("m_axi_rvalid")
                .and(id("rb").add(sized(9, 1)).eq("rw_beats"))
                .and("rw_last")
                .and("rd_job"),
        ),
        wire_eq(
            "rbeat",
            bits(16),
            id("rw_done_b").add(concat(vec![sized(7, 0), id("rb")])),
        ),
        wire_eq("r_bit", bits(16), id("rbeat").mul(sized(16, dw * 8))),
        always_ff(vec![if_else(
            id("rst").or("l_go"),
            vec![
                nb("rb", sized(9, 0)),
                nb("bw_en", sized(1, 0)),
                nb("r_baddr", u32c(0)),
            ],
            vec![
                nb("bw_en", sized(1, 0)),
                if_(
                    id("m_axi_rvalid"),
                    vec![
                        nb(
                            id("rl").part(id("r_bit").slice(rlw - 1, 0), int(dw as i64 * 8)),
                            "m_axi_rdata",
                        ),
                        if_else(
                            id("rb").add(sized(9, 1)).eq("rw_beats"),
                            vec![
                                nb("rb", sized(9, 0)),
                                if_(
                                    id("rw_seg_end"),
                                    vec![
                                        nb("bw_en", sized(1, 1)),
                                        nb("bw_part", "rw_part"),
                                        nb("bw_addr", "r_baddr"),
                                        nb("bw_len", "rw_seg_len"),
                                        nb(
                                            "r_baddr",
                                            id("rw_part_end")
                                                .tern(u32c(0), id("r_baddr").add(u32c(1))),
                                        ),
                                    ],
                                ),
                            ],
                            vec![nb("rb", id("rb").add(sized(9, 1)))],
                        ),
                    ],
                ),
            ],
        )]),
    ]);
    // Lines for the buffers from the assembled bytes: lane j = low OPW bits of element j, zero past the segment.
    let line_of = |name: &str, lanes: u64| {
        vec![
            wire(name, bits((lanes * u64::from(cfg.opw)) as i64)),
            decl(Net::Genvar, false, &format!("g_{name}"), None, None, None),
            gen_for(
                &format!("g_{name}"),
                int(0),
                int(lanes as i64),
                &format!("l_{name}"),
                vec![assign(
                    id(name).part(
                        id(format!("g_{name}")).mul(int(i64::from(cfg.opw))),
                        int(i64::from(cfg.opw)),
                    ),
                    id(format!("g_{name}")).lt(id("bw_len")).tern(
                        id("rl").part(
                            id(format!("g_{name}")).mul(int((ob * 8) as i64)),
                            int(i64::from(cfg.opw)),
                        ),
                        sized(cfg.opw, 0),
                    ),
                )],
            ),
        ]
    };
    m.push(line_of("sline", p0.2));
    m.push(line_of("xline", p1.2));
    // Write jobs: obuf lines through a two-line FIFO, cut into beats.
    let cw = (c * u64::from(cfg.accw)) as i64;
    m.push([
        regw("fq0", cw as u32),
        regw("fq1", cw as u32),
        regw("fn_", 2),
        reg("f_in", None),
        regw("ob_ra", 32),
        regw("wb", 9),
        reg("aw_ok", None),
        wire_eq("w_hs", None, id("m_axi_wvalid").and("m_axi_wready")),
        wire_eq(
            "w_take",
            None,
            id("w_hs").and(id("wb").add(sized(9, 1)).eq("ww_beats")),
        ),
        wire_eq("f_pop", None, id("w_take").and("ww_seg_end")),
        wire_eq(
            "f_rd",
            None,
            id("wr_job").and(
                concat(vec![sized(1, 0), id("fn_")])
                    .sub(concat(vec![sized(2, 0), id("f_pop")]))
                    .add(concat(vec![sized(2, 0), id("f_in")]))
                    .lt(sized(3, 2)),
            ),
        ),
        // A write job ends with its last data beat and its last address,
        // whichever comes later (AWVALID holds until AWREADY; with the
        // contract's memory the address never comes later).
        reg("w_wdone", None),
        reg("w_adone", None),
        wire_eq("w_dlast", None, id("w_take").and("ww_last").or("w_wdone")),
        wire_eq(
            "w_alast",
            None,
            id("m_axi_awvalid")
                .and("m_axi_awready")
                .and("aw_last")
                .or("w_adone"),
        ),
        assign("w_end", id("wr_job").and("w_dlast").and("w_alast")),
        always_ff(vec![if_else(
            id("rst").or("w_go"),
            vec![
                nb("fn_", sized(2, 0)),
                nb("f_in", sized(1, 0)),
                nb("ob_ra", u32c(0)),
                nb("wb", sized(9, 0)),
                nb("aw_ok", sized(1, 0)),
                nb("w_wdone", sized(1, 0)),
                nb("w_adone", sized(1, 0)),
            ],
            vec![
                nb("w_wdone", id("w_dlast").and(id("w_end").not())),
                nb("w_adone", id("w_alast").and(id("w_end").not())),
                nb("f_in", "f_rd"),
                if_(id("f_rd"), vec![nb("ob_ra", id("ob_ra").add(u32c(1)))]),
                if_(id("fn_").ne(sized(2, 0)), vec![nb("aw_ok", sized(1, 1))]),
                if_else(
                    id("f_in").and("f_pop"),
                    vec![if_else(
                        id("fn_").eq(sized(2, 1)),
                        vec![nb("fq0", id("host_rdata").slice(cw - 1, 0))],
                        vec![
                            nb("fq0", "fq1"),
                            nb("fq1", id("host_rdata").slice(cw - 1, 0)),
                        ],
                    )],
                    vec![
                        if_(
                            id("f_in"),
                            vec![
                                nb("fn_", id("fn_").add(sized(2, 1))),
                                if_else(
                                    id("fn_").eq(sized(2, 0)),
                                    vec![nb("fq0", id("host_rdata").slice(cw - 1, 0))],
                                    vec![nb("fq1", id("host_rdata").slice(cw - 1, 0))],
                                ),
                            ],
                        ),
                        if_(
                            id("f_pop"),
                            vec![nb("fn_", id("fn_").sub(sized(2, 1))), nb("fq0", "fq1")],
                        ),
                    ],
                ),
                if_(
                    id("w_hs"),
                    vec![if_else(
                        id("wb").add(sized(9, 1)).eq("ww_beats"),
                        vec![nb("wb", sized(9, 0))],
                        vec![nb("wb", id("wb").add(sized(9, 1)))],
                    )],
                ),
            ],
        )]),
        // The head line as DRAM bytes: lane j sign-extended to cb bytes.
        wire("hbytes", bits((clb * 8) as i64)),
        decl(Net::Genvar, false, "g_hb", None, None, None),
        gen_for(
            "g_hb",
            int(0),
            int(c as i64),
            "l_hb",
            vec![assign(
                id("hbytes").part(id("g_hb").mul(int((cb * 8) as i64)), int((cb * 8) as i64)),
                if cb * 8 == u64::from(cfg.accw) {
                    id("fq0").part(
                        id("g_hb").mul(int(i64::from(cfg.accw))),
                        int(i64::from(cfg.accw)),
                    )
                } else {
                    concat(vec![
                        repeat(
                            int((cb * 8 - u64::from(cfg.accw)) as i64),
                            id("fq0").idx(
                                id("g_hb")
                                    .mul(int(i64::from(cfg.accw)))
                                    .add(int(i64::from(cfg.accw) - 1)),
                            ),
                        ),
                        id("fq0").part(
                            id("g_hb").mul(int(i64::from(cfg.accw))),
                            int(i64::from(cfg.accw)),
                        ),
                    ])
                },
            )],
        ),
        wire_eq(
            "wbeat",
            bits(16),
            id("ww_done_b").add(concat(vec![sized(7, 0), id("wb")])),
        ),
        wire_eq("w_bit", bits(16), id("wbeat").mul(sized(16, dw * 8))),
        assign(
            "m_axi_wdata",
            id("hbytes").part(id("w_bit").slice(hbw - 1, 0), int(dw as i64 * 8)),
        ),
        decl(Net::Genvar, false, "g_st", None, None, None),
        gen_for(
            "g_st",
            int(0),
            int(dw as i64),
            "l_st",
            vec![assign(
                id("m_axi_wstrb").idx("g_st"),
                concat(vec![sized(16, 0), id("wbeat")])
                    .mul(sized(32, dw))
                    .add(id("g_st"))
                    .lt(concat(vec![sized(16, 0), id("ww_seg_bytes")])),
            )],
        ),
        assign(
            "m_axi_wvalid",
            id("wr_job").and(id("fn_").ne(sized(2, 0))).and("ww_valid"),
        ),
        assign("m_axi_wlast", id("wb").add(sized(9, 1)).eq("ww_beats")),
        assign(
            "m_axi_awvalid",
            id("wr_job")
                .and("aw_valid")
                .and(id("aw_ok").or(id("fn_").ne(sized(2, 0)))),
        ),
        assign("m_axi_awaddr", "aw_addr"),
        wire_eq("aw_len9", bits(9), id("aw_beats").sub(sized(9, 1))),
        assign("m_axi_awlen", id("aw_len9").slice(7, 0)),
        assign("m_axi_awsize", sized(3, dwl)),
        assign("m_axi_awburst", sized(2, 1)),
        assign("m_axi_bready", sized(1, 1)),
    ]);
    m.push(walker(
        "aw",
        id("w_go"),
        false,
        [c_part_job.clone(), zero_part()],
        id("m_axi_awvalid").and("m_axi_awready"),
    ));
    m.push(walker(
        "ww",
        id("w_go"),
        false,
        [c_part_job, zero_part()],
        id("w_take"),
    ));
    let unused: Vec<Expr> = vec![
        sized(1, 0),
        id("m_axi_rlast"),
        id("ar_part"),
        id("ar_done_b"),
        id("ar_seg_end"),
        id("ar_part_end"),
        id("ar_last"),
        id("ar_seg_len"),
        id("ar_seg_bytes"),
        id("rw_valid"),
        id("rw_addr"),
        id("rw_seg_bytes"),
        id("rw_end0_0"),
        id("rw_end0_1"),
        id("aw_part"),
        id("aw_done_b"),
        id("aw_seg_end"),
        id("aw_part_end"),
        id("aw_last"),
        id("aw_seg_len"),
        id("aw_seg_bytes"),
        id("aw_end0_1"),
        id("aw_end0_0"),
        id("aw_end0_1_n"),
        id("ar_end0_0"),
        id("ar_end0_1"),
        id("rw_end0_0_n"),
        id("rw_end0_1_n"),
        id("ww_end0_0_n"),
        id("ww_end0_1_n"),
        id("ww_part"),
        id("ww_addr"),
        id("ww_part_end"),
        id("ww_seg_len"),
        id("ww_end0_0"),
        id("ww_end0_1"),
        id("host_a32"),
        id("ar_len9"),
        id("aw_len9"),
        id("to"),
        id("x_tb"),
        id("loads"),
        id("rbeat"),
        id("r_bit"),
        id("w_bit"),
        id("ended"),
        id("started"),
        id("wk"),
        id("wco_n"),
        id("xn"),
        id("x_ntb"),
        id("wto_n"),
        id("tr_ob"),
        id("row_more"),
    ];
    m.push([wire_eq("unused_ip", None, concat(unused).any())]);
}
