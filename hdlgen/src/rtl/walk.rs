//! `walk`: the DMA's address walker. It walks the segments of a job (one or
//! two parts: a tile of lines of one operand each, docs/TIMING.md "The IP")
//! and cuts each segment into AXI bursts that never cross 4 KB nor pass 256
//! beats. The DMA runs four: one issues read addresses, one follows the read
//! beats, one issues write addresses and one follows the write beats.

use super::config::Config;
use crate::ast::*;

/// Bits of the walker's line and lane counts.
pub const NW: u32 = 32;

fn part_ports(m: &mut Module, p: u32) {
    m.port(input(
        &format!("base{p}"),
        bits(32),
        "DRAM address of the part's first line",
    ))
    .port(input(
        &format!("stride{p}"),
        bits(32),
        "bytes between its rows",
    ))
    .port(input(
        &format!("lines{p}"),
        bits(NW as i64),
        "lines per lane tile (rows of the part)",
    ))
    .port(input(
        &format!("lanes{p}"),
        bits(NW as i64),
        "elements along a row (over all lane tiles)",
    ))
    .port(input(&format!("lw{p}"), bits(16), "lanes per line"))
    .port(input(
        &format!("lb{p}"),
        bits(16),
        "bytes of a full line (lw x eb)",
    ))
    .port(input(&format!("eb{p}"), bits(4), "bytes per element"));
}

/// The walker module.
pub fn walk(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("walk"),
        &["DMA walker: the segments of a job's parts in buffer-line order, cut into AXI bursts."],
    );
    m.param("DWL", 2, "log2 of the AXI data bytes");
    m.port(input("clk", None, ""))
        .port(input("rst", None, "synchronous, active high"))
        .port(input("ld", None, "start walking the job on the ports"))
        .port(input("two", None, "the job has two parts"));
    part_ports(&mut m, 0);
    part_ports(&mut m, 1);
    m.port(input("take", None, "the current burst is consumed"))
        .port(output("valid", true, None, "a burst is current"))
        .port(output("part", true, None, "its part"))
        .port(output("addr", false, bits(32), "its address"))
        .port(output("beats", false, bits(9), "its beats (1 to 256)"))
        .port(output(
            "done_b",
            true,
            bits(16),
            "beats of its segment before it",
        ))
        .port(output("seg_end", false, None, "it ends its segment"))
        .port(output(
            "part_end",
            false,
            None,
            "it ends its part's last segment",
        ))
        .port(output("last", false, None, "it is the job's last burst"))
        .port(output(
            "seg_len",
            false,
            bits(16),
            "elements in its segment",
        ))
        .port(output("seg_bytes", false, bits(16), "bytes of its segment"))
        .port(output(
            "end0_0",
            true,
            bits(32),
            "part 0: address after the first lane tile's last line",
        ))
        .port(output(
            "end0_1",
            true,
            bits(32),
            "part 1: address after the first lane tile's last line",
        ))
        .port(output(
            "end0_0_n",
            false,
            bits(32),
            "end0_0 after this cycle's edge (captured now or before)",
        ))
        .port(output(
            "end0_1_n",
            false,
            bits(32),
            "end0_1 after this cycle's edge",
        ));
    let pick = |a: &str| id("part").tern(id(format!("{a}1")), id(format!("{a}0")));
    let nw = || bits(NW as i64);
    m.push([
        reg("i", nw()),
        reg("rem", nw()),
        reg("ptr", bits(32)),
        reg("tptr", bits(32)),
        reg("first", None),
        wire_eq("cstride", bits(32), pick("stride")),
        wire_eq("clines", nw(), pick("lines")),
        wire_eq("clw", bits(16), pick("lw")),
        wire_eq("clb", bits(16), pick("lb")),
        wire_eq("ceb", bits(4), pick("eb")),
        wire_eq(
            "full",
            None,
            id("rem").ge(concat(vec![sized(NW - 16, 0), id("clw")])),
        ),
        assign("seg_len", id("full").tern("clw", id("rem").slice(15, 0))),
        wire_eq(
            "part_bytes",
            bits(20),
            id("rem").slice(15, 0).mul(id("ceb")),
        ),
        assign(
            "seg_bytes",
            id("full").tern("clb", id("part_bytes").slice(15, 0)),
        ),
        wire_eq(
            "seg_beats",
            bits(17),
            concat(vec![sized(1, 0), id("seg_bytes")])
                .add(sized(17, 1).shl("DWL").sub(sized(17, 1)))
                .ashr("DWL"),
        ),
        wire_eq(
            "left",
            bits(17),
            id("seg_beats").sub(concat(vec![sized(1, 0), id("done_b")])),
        ),
        assign(
            "addr",
            id("ptr").add(concat(vec![sized(16, 0), id("done_b")]).shl("DWL")),
        ),
        wire_eq(
            "to4k",
            bits(13),
            sized(13, 4096)
                .sub(concat(vec![sized(1, 0), id("addr").slice(11, 0)]))
                .ashr("DWL"),
        ),
        wire_eq(
            "cap",
            bits(17),
            id("to4k")
                .lt(sized(13, 256))
                .tern(concat(vec![sized(4, 0), id("to4k")]), sized(17, 256)),
        ),
        wire_eq("b17", bits(17), id("left").lt("cap").tern("left", "cap")),
        assign("beats", id("b17").slice(8, 0)),
        assign("seg_end", id("b17").eq("left")),
        wire_eq("line_end", None, id("i").add(sized(NW, 1)).eq("clines")),
        wire_eq(
            "tile_end",
            None,
            id("rem").le(concat(vec![sized(NW - 16, 0), id("clw")])),
        ),
        wire_eq("final_part", None, id("part").or(id("two").not())),
        assign("part_end", id("seg_end").and("line_end").and("tile_end")),
        assign("last", id("part_end").and("final_part")),
        wire_eq(
            "capture",
            None,
            id("take")
                .and("valid")
                .and(id("ld").not())
                .and("seg_end")
                .and("line_end")
                .and("first"),
        ),
        assign(
            "end0_0_n",
            id("capture")
                .and(id("part").not())
                .tern(id("ptr").add("cstride"), "end0_0"),
        ),
        assign(
            "end0_1_n",
            id("capture")
                .and("part")
                .tern(id("ptr").add("cstride"), "end0_1"),
        ),
        wire_eq(
            "unused",
            None,
            concat(vec![
                sized(1, 0),
                id("part_bytes").slice(19, 16),
                id("b17").slice(16, 9),
            ])
            .any(),
        ),
    ]);
    let start_part = |p: u32| {
        vec![
            nb("part", sized(1, u64::from(p))),
            nb("i", sized(NW, 0)),
            nb("rem", id(format!("lanes{p}"))),
            nb("ptr", id(format!("base{p}"))),
            nb("tptr", id(format!("base{p}"))),
            nb("first", sized(1, 1)),
            nb("done_b", sized(16, 0)),
        ]
    };
    let mut on_ld = vec![nb("valid", sized(1, 1))];
    on_ld.extend(start_part(0));
    let mut next_part = start_part(1);
    next_part.insert(0, nb("valid", sized(1, 1)));
    let on_take = vec![if_else(
        id("seg_end").not(),
        vec![nb(
            "done_b",
            id("done_b").add(concat(vec![sized(7, 0), id("beats")])),
        )],
        vec![
            nb("done_b", sized(16, 0)),
            if_else(
                id("line_end").not(),
                vec![
                    nb("i", id("i").add(sized(NW, 1))),
                    nb("ptr", id("ptr").add("cstride")),
                ],
                vec![
                    if_(
                        id("first"),
                        vec![if_else(
                            id("part"),
                            vec![nb("end0_1", id("ptr").add("cstride"))],
                            vec![nb("end0_0", id("ptr").add("cstride"))],
                        )],
                    ),
                    nb("i", sized(NW, 0)),
                    if_else(
                        id("tile_end").not(),
                        vec![
                            nb(
                                "rem",
                                id("rem").sub(concat(vec![sized(NW - 16, 0), id("clw")])),
                            ),
                            nb(
                                "tptr",
                                id("tptr").add(concat(vec![sized(16, 0), id("clb")])),
                            ),
                            nb("ptr", id("tptr").add(concat(vec![sized(16, 0), id("clb")]))),
                            nb("first", sized(1, 0)),
                        ],
                        vec![if_else(
                            id("final_part").not(),
                            next_part,
                            vec![nb("valid", sized(1, 0))],
                        )],
                    ),
                ],
            ),
        ],
    )];
    m.push([always_ff(vec![if_else(
        id("rst"),
        vec![nb("valid", sized(1, 0)), nb("part", sized(1, 0))],
        vec![if_else(
            id("ld"),
            on_ld,
            vec![if_(id("take").and("valid"), on_take)],
        )],
    )])]);
    m
}
