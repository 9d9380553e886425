/// ID.
pub const ID: u64 = 0x00;
/// Rows and columns.
pub const HWCFG0: u64 = 0x04;
/// Widths, dataflow, banks, saturation, log2 DW.
pub const HWCFG1: u64 = 0x08;
/// Lines per bank of A, B, C.
pub const DEPTH: [u64; 3] = [0x0C, 0x10, 0x14];
/// START and IRQ_EN.
pub const CTRL: u64 = 0x20;
/// BUSY, DONE, ERROR.
pub const STATUS: u64 = 0x24;
/// Error bits.
pub const ERR_CODE: u64 = 0x28;
/// M, K, N.
pub const MKN: [u64; 3] = [0x30, 0x34, 0x38];
/// TILE_T, TILE_RF, TILE_CF.
pub const TILES: [u64; 3] = [0x3C, 0x40, 0x44];
/// A, B, C address and stride.
pub const ADDR: [(u64, u64); 3] = [(0x50, 0x54), (0x58, 0x5C), (0x60, 0x64)];
/// Cycles, stall cycles, bytes read, bytes written (LO; HI at +4).
pub const COUNTERS: [u64; 4] = [0x80, 0x88, 0x90, 0x98];
/// The ID register's value ("SYA1").
pub const MAGIC: u64 = 0x5359_4131;

use super::{regw, u32c, Ctx, CNTW};
use crate::ast::*;
use sim::Dataflow;

/// The AXI4-Lite slave and the register file.
pub(super) fn regs(x: &Ctx, m: &mut Module) {
    let &Ctx {
        cfg,
        r,
        c,
        dw,
        dwl,
        ws,
        os,
        depth,
        sdepth,
        xdepth,
        cdepth,
        dbl,
        ..
    } = x;
    // ---- register file -------------------------------------------------
    m.push([
        Item::Comment("Register file (docs/IP.md).".into()),
        regw("r_m", 32),
        regw("r_k", 32),
        regw("r_n", 32),
        regw("r_t", 16),
        regw("r_rf", 16),
        regw("r_cf", 16),
        regw("r_aa", 32),
        regw("r_as", 32),
        regw("r_ba", 32),
        regw("r_bs", 32),
        regw("r_ca", 32),
        regw("r_cs", 32),
        reg("irq_en", None),
        reg("st_done", None),
        reg("st_err", None),
        regw("err_code", 5),
        regw("cnt_cyc", CNTW),
        regw("cnt_stall", CNTW),
        regw("cnt_rd", CNTW),
        regw("cnt_wr", CNTW),
        reg("run", None),
        regw("p_cr", 32),
        regw("p_rt", 32),
        regw("p_ct", 32),
        wire_eq(
            "wr",
            None,
            id("s_axi_awvalid")
                .and("s_axi_wvalid")
                .and(id("s_axi_bvalid").not()),
        ),
        assign("s_axi_awready", "wr"),
        assign("s_axi_wready", "wr"),
        assign("s_axi_bresp", sized(2, 0)),
        assign("s_axi_rresp", sized(2, 0)),
        wire_eq(
            "rd",
            None,
            id("s_axi_arvalid").and(id("s_axi_rvalid").not()),
        ),
        assign("s_axi_arready", "rd"),
        wire_eq("waddr", bits(8), id("s_axi_awaddr").bitand(sized(8, 0xFC))),
        wire_eq(
            "raddr_l",
            bits(8),
            id("s_axi_araddr").bitand(sized(8, 0xFC)),
        ),
        wire_eq("wd", bits(32), id("s_axi_wdata")),
        wire_eq(
            "unused_axil",
            None,
            concat(vec![
                sized(1, 0),
                id("s_axi_awprot"),
                id("s_axi_arprot"),
                id("s_axi_wstrb"),
                id("s_axi_awaddr").slice(1, 0),
                id("s_axi_araddr").slice(1, 0),
            ])
            .any(),
        ),
        // Run-start checks: sizes, alignment, fit.
        // The dataflow's roles: rows (Sr), columns (Sc), time (T).
        wire_eq("sr", bits(32), id(if os { "r_m" } else { "r_k" })),
        wire_eq("sc", bits(32), id(if ws || os { "r_n" } else { "r_m" })),
        wire_eq(
            "tt",
            bits(32),
            id(match cfg.dataflow {
                Dataflow::Ws => "r_m",
                Dataflow::Is => "r_n",
                Dataflow::Os => "r_k",
            }),
        ),
        wire_eq(
            "e_zero",
            None,
            id("r_m")
                .eq(u32c(0))
                .or(id("r_k").eq(u32c(0)))
                .or(id("r_n").eq(u32c(0)))
                .or(id("r_t").eq(sized(16, 0)))
                .or(id("r_rf").eq(sized(16, 0)))
                .or(id("r_cf").eq(sized(16, 0))),
        ),
        wire_eq(
            "e_align",
            None,
            if dwl == 0 {
                sized(1, 0)
            } else {
                concat(
                    ["r_aa", "r_as", "r_ba", "r_bs", "r_ca", "r_cs"]
                        .iter()
                        .map(|x| id(*x).slice(dwl as i64 - 1, 0))
                        .collect(),
                )
                .any()
            },
        ),
        wire_eq(
            "e_fit",
            None,
            if os {
                // rf * t <= A, cf * t <= B, cf * rf * R <= O.
                id("p_rt")
                    .gt(u32c(depth[0]))
                    .or(id("p_ct").gt(u32c(depth[1])))
                    .or(id("p_cr").gt(u32c(cdepth / r)))
            } else {
                id("p_cr")
                    .gt(u32c(sdepth / r))
                    .or(id("p_rt").gt(u32c(xdepth)))
                    .or(id("p_ct").gt(u32c(cdepth)))
            },
        ),
        wire_eq(
            "errs",
            bits(5),
            concat(vec![sized(2, 0), id("e_fit"), id("e_align"), id("e_zero")]),
        ),
        wire_eq(
            "go",
            None,
            id("wr")
                .and(id("waddr").eq(sized(8, CTRL)))
                .and(id("wd").idx(0))
                .and(id("run").not())
                .and(id("errs").eq(sized(5, 0))),
        ),
        wire("fin", None),
        assign("irq", id("irq_en").and(id("st_done").or("st_err"))),
    ]);
    // Reads.
    let hwcfg1 = u64::from(cfg.opw)
        | (u64::from(cfg.accw) << 8)
        | (match cfg.dataflow {
            Dataflow::Ws => 0u64,
            Dataflow::Is => 1,
            Dataflow::Os => 2,
        } << 16)
        | (u64::from(dbl) << 18)
        | (u64::from(cfg.sat) << 19)
        | (dwl << 20);
    let mut table: Vec<(u64, Expr)> = vec![
        (ID, u32c(MAGIC)),
        (HWCFG0, u32c(r | (c << 16))),
        (HWCFG1, u32c(hwcfg1)),
        (DEPTH[0], u32c(depth[0])),
        (DEPTH[1], u32c(depth[1])),
        (DEPTH[2], u32c(depth[2])),
        (CTRL, concat(vec![sized(30, 0), id("irq_en"), sized(1, 0)])),
        (
            STATUS,
            concat(vec![sized(29, 0), id("st_err"), id("st_done"), id("run")]),
        ),
        (ERR_CODE, concat(vec![sized(27, 0), id("err_code")])),
        (MKN[0], id("r_m")),
        (MKN[1], id("r_k")),
        (MKN[2], id("r_n")),
        (TILES[0], concat(vec![sized(16, 0), id("r_t")])),
        (TILES[1], concat(vec![sized(16, 0), id("r_rf")])),
        (TILES[2], concat(vec![sized(16, 0), id("r_cf")])),
        (ADDR[0].0, id("r_aa")),
        (ADDR[0].1, id("r_as")),
        (ADDR[1].0, id("r_ba")),
        (ADDR[1].1, id("r_bs")),
        (ADDR[2].0, id("r_ca")),
        (ADDR[2].1, id("r_cs")),
    ];
    for (off, n) in COUNTERS
        .iter()
        .zip(["cnt_cyc", "cnt_stall", "cnt_rd", "cnt_wr"])
    {
        table.push((*off, id(n).slice(31, 0)));
        table.push((
            off + 4,
            concat(vec![
                sized(64 - CNTW, 0),
                id(n).slice(i64::from(CNTW) - 1, 32),
            ]),
        ));
    }
    let rmux = table.into_iter().rev().fold(u32c(0), |acc, (off, v)| {
        id("raddr_l").eq(sized(8, off)).tern(v, acc)
    });
    let write_reg = |off: u64, target: &str, w: u32| {
        if_(
            id("waddr").eq(sized(8, off)),
            vec![nb(target, id("wd").slice(i64::from(w) - 1, 0))],
        )
    };
    let mut writes = vec![
        write_reg(MKN[0], "r_m", 32),
        write_reg(MKN[1], "r_k", 32),
        write_reg(MKN[2], "r_n", 32),
        write_reg(TILES[0], "r_t", 16),
        write_reg(TILES[1], "r_rf", 16),
        write_reg(TILES[2], "r_cf", 16),
        write_reg(ADDR[0].0, "r_aa", 32),
        write_reg(ADDR[0].1, "r_as", 32),
        write_reg(ADDR[1].0, "r_ba", 32),
        write_reg(ADDR[1].1, "r_bs", 32),
        write_reg(ADDR[2].0, "r_ca", 32),
        write_reg(ADDR[2].1, "r_cs", 32),
    ];
    writes.push(if_(
        id("waddr").eq(sized(8, CTRL)),
        vec![
            nb("irq_en", id("wd").idx(1)),
            if_(
                id("wd").idx(0),
                vec![if_else(
                    id("run"),
                    vec![
                        nb("st_err", sized(1, 1)),
                        nb("err_code", id("err_code").bitor(sized(5, 16))),
                    ],
                    vec![if_(
                        id("errs").ne(sized(5, 0)),
                        vec![nb("st_err", sized(1, 1)), nb("err_code", "errs")],
                    )],
                )],
            ),
        ],
    ));
    writes.push(if_(
        id("waddr").eq(sized(8, STATUS)),
        vec![
            if_(id("wd").idx(1), vec![nb("st_done", sized(1, 0))]),
            if_(
                id("wd").idx(2),
                vec![nb("st_err", sized(1, 0)), nb("err_code", sized(5, 0))],
            ),
        ],
    ));
    let cnt = |n: &str, by: Expr| nb(n, id(n).add(by));
    m.push([
        always_ff(vec![if_else(
            id("rst"),
            vec![
                nb("s_axi_bvalid", sized(1, 0)),
                nb("s_axi_rvalid", sized(1, 0)),
                nb("irq_en", sized(1, 0)),
                nb("st_done", sized(1, 0)),
                nb("st_err", sized(1, 0)),
                nb("err_code", sized(5, 0)),
                nb("run", sized(1, 0)),
            ],
            vec![
                if_(
                    id("s_axi_bvalid").and("s_axi_bready"),
                    vec![nb("s_axi_bvalid", sized(1, 0))],
                ),
                if_(
                    id("s_axi_rvalid").and("s_axi_rready"),
                    vec![nb("s_axi_rvalid", sized(1, 0))],
                ),
                if_(
                    id("rd"),
                    vec![nb("s_axi_rvalid", sized(1, 1)), nb("s_axi_rdata", rmux)],
                ),
                if_(id("wr"), {
                    let mut v = vec![nb("s_axi_bvalid", sized(1, 1))];
                    v.extend(writes);
                    v
                }),
                if_(
                    id("go"),
                    vec![
                        nb("run", sized(1, 1)),
                        nb("cnt_cyc", sized(CNTW, 0)),
                        nb("cnt_stall", sized(CNTW, 0)),
                        nb("cnt_rd", sized(CNTW, 0)),
                        nb("cnt_wr", sized(CNTW, 0)),
                    ],
                ),
                if_(
                    id("run"),
                    vec![
                        cnt("cnt_cyc", sized(CNTW, 1)),
                        if_(
                            id("core_busy").not(),
                            vec![cnt("cnt_stall", sized(CNTW, 1))],
                        ),
                        if_(id("m_axi_rvalid"), vec![cnt("cnt_rd", sized(CNTW, dw))]),
                        if_(
                            id("m_axi_wvalid").and("m_axi_wready"),
                            vec![cnt("cnt_wr", sized(CNTW, dw))],
                        ),
                        if_(
                            id("m_axi_rvalid")
                                .and(id("m_axi_rresp").ne(sized(2, 0)))
                                .or(id("m_axi_bvalid").and(id("m_axi_bresp").ne(sized(2, 0)))),
                            vec![
                                nb("st_err", sized(1, 1)),
                                nb("err_code", id("err_code").bitor(sized(5, 8))),
                            ],
                        ),
                        if_(
                            id("fin"),
                            vec![nb("run", sized(1, 0)), nb("st_done", sized(1, 1))],
                        ),
                    ],
                ),
            ],
        )]),
        always_ff(vec![
            nb("p_cr", id("r_cf").mul("r_rf")),
            nb("p_rt", id("r_rf").mul("r_t")),
            nb("p_ct", id("r_cf").mul("r_t")),
        ]),
    ]);
}
