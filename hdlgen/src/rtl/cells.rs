//! Leaf cells shared by every dataflow: resize, multiplier, accumulator adder,
//! delay line, synchronous-read SRAM and the banked buffer around it.

use super::config::Config;
use crate::ast::*;

/// `resize`: two's-complement (or unsigned) width change: extends or wraps.
pub fn resize(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("resize"),
        &["Width change: sign- (SIGNED=1) or zero-extends, or truncates (two's-complement wrap)."],
    );
    m.param("IW", 8, "input bits")
        .param("OW", 16, "output bits")
        .param("SIGNED", 1, "1: sign-extend, 0: zero-extend")
        .port(input("x", bits("IW"), ""))
        .port(output("y", false, bits("OW"), ""));
    let ext = Item::GenIf {
        cond: id("SIGNED").ne(0),
        label: "sign".into(),
        then: vec![assign(
            "y",
            concat(vec![
                repeat(id("OW").sub("IW"), id("x").idx(id("IW").sub(1))),
                id("x"),
            ]),
        )],
        otherwise: vec![assign(
            "y",
            concat(vec![repeat(id("OW").sub("IW"), sized(1, 0)), id("x")]),
        )],
    };
    m.push([Item::GenIf {
        cond: id("OW").gt("IW"),
        label: "extend".into(),
        then: vec![ext],
        otherwise: vec![Item::GenIf {
            cond: id("OW").eq("IW"),
            label: "same".into(),
            then: vec![assign("y", "x")],
            otherwise: vec![
                assign("y", id("x").slice(id("OW").sub(1), 0)),
                wire_eq(
                    "unused",
                    None,
                    concat(vec![sized(1, 0), id("x").slice(id("IW").sub(1), "OW")]).any(),
                ),
            ],
        }],
    }]);
    m
}

/// `acc_add`: `y = a + b` at `AW` bits, `b` a signed `BW`-bit addend; wraps, or
/// saturates at every addition when `SAT` is 1 (the pe engine's `Acc::add`).
pub fn acc_add(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("acc_add"),
        &[
            "Accumulator adder: y = a + b at AW bits (two's-complement wrap, or saturation if SAT=1),",
            "carry-select: the upper half is added for both carries out of the lower half.",
        ],
    );
    m.param("AW", 32, "accumulator bits")
        .param("BW", 16, "addend bits (signed)");
    if cfg.int_datapath() {
        m.param("SAT", 0, "1: saturate, 0: wrap");
    }
    m.port(input("a", bits("AW"), "accumulator"))
        .port(input("b", bits("BW"), "signed addend"))
        .port(output("y", false, bits("AW"), ""));
    if let Some(f) = &cfg.fp {
        // y = round(a + b): a in the accumulator's format, b a partial sum
        // (docs/HDL.md, "Floating point"); the widths are the formats'.
        m.doc = vec![
            format!(
                "Accumulator adder: y = a + b rounded once to nearest even, a and y {}, b {}.",
                f.acc, f.psum
            ),
            "With a = -0 it is b converted (-0 + x = x for every x).".into(),
        ];
        m.push(super::fp::add_items(
            "s",
            (id("a"), id("b")),
            f.acc,
            f.psum,
            f.mode,
            "y",
        ));
        return m;
    }
    // The accumulator buffer's read-modify-write adds in the cycle the row
    // is read, between two block RAMs: half the carry chain.
    let (sw, lo) = (|| id("SW"), || id("LO"));
    m.push([
        localparam("SW", id("AW").gt("BW").tern("AW", "BW").add(1)),
        localparam("LO", sw().ashr(int(1))),
        wire_eq("sum_x", bits("SW"), sext("a", "AW", "SW")),
        wire_eq("sum_y", bits("SW"), sext("b", "BW", "SW")),
        wire_eq(
            "sum_lo",
            bits(lo().add(1)),
            concat(vec![sized(1, 0), id("sum_x").slice(lo().sub(1), 0)])
                .add(concat(vec![sized(1, 0), id("sum_y").slice(lo().sub(1), 0)])),
        ),
        wire_eq(
            "sum_hi0",
            bits(sw().sub(lo())),
            id("sum_x")
                .slice(sw().sub(1), lo())
                .add(id("sum_y").slice(sw().sub(1), lo())),
        ),
        // x + y + 1 as x - ~y: one carry chain of its own, not sum_hi0's plus one.
        wire_eq(
            "sum_hi1",
            bits(sw().sub(lo())),
            id("sum_x")
                .slice(sw().sub(1), lo())
                .sub(id("sum_y").slice(sw().sub(1), lo()).bitnot()),
        ),
        wire_eq(
            "sum_full",
            bits("SW"),
            concat(vec![
                id("sum_lo").idx(lo()).tern("sum_hi1", "sum_hi0"),
                id("sum_lo").slice(lo().sub(1), 0),
            ]),
        ),
        wrap_or_saturate("AW", "y"),
    ]);
    m
}

/// Sign-extends `x` (`w` bits, a parameter name) to `to` bits; `to - w` must be at least 1.
fn sext(x: &str, w: &str, to: &str) -> Expr {
    concat(vec![repeat(id(to).sub(w), id(x).idx(id(w).sub(1))), id(x)])
}

/// `y = a + b` at `aw` bits, `b` a signed `bw`-bit addend: wraps, or saturates
/// when the parameter `SAT` is 1 (the pe engine's `Acc::add`). Inlined where a
/// sum is needed (the PEs) and wrapped as the `acc_add` module elsewhere; uses
/// the names `SW`, `sum_x`, `sum_full`, `sum_head`, `sum_fits`.
pub fn add_items(a: &str, b: &str, aw: &str, bw: &str, y: &str) -> Vec<Item> {
    vec![
        localparam("SW", id(aw).gt(bw).tern(aw, bw).add(1)),
        wire_eq(
            "sum_full",
            bits("SW"),
            sext(a, aw, "SW").add(sext(b, bw, "SW")),
        ),
        wrap_or_saturate(aw, y),
    ]
}

/// `y` = `sum_full` (`SW` bits, the exact sum) at `aw` bits: wrapped, or
/// saturated when the parameter `SAT` is 1.
fn wrap_or_saturate(aw: &str, y: &str) -> Item {
    let minv = concat(vec![sized(1, 1), repeat(id(aw).sub(1), sized(1, 0))]);
    let maxv = concat(vec![sized(1, 0), repeat(id(aw).sub(1), sized(1, 1))]);
    Item::GenIf {
        cond: id("SAT").ne(0),
        label: "saturate".into(),
        then: vec![
            wire_eq(
                "sum_head",
                bits(id("SW").sub(aw).add(1)),
                id("sum_full").slice(id("SW").sub(1), id(aw).sub(1)),
            ),
            wire_eq(
                "sum_fits",
                None,
                id("sum_head").any().not().bitor(id("sum_head").all()),
            ),
            assign(
                y,
                id("sum_fits").tern(
                    id("sum_full").slice(id(aw).sub(1), 0),
                    id("sum_full").idx(id("SW").sub(1)).tern(minv, maxv),
                ),
            ),
        ],
        otherwise: vec![
            assign(y, id("sum_full").slice(id(aw).sub(1), 0)),
            wire_eq(
                "unused_sum",
                None,
                concat(vec![sized(1, 0), id("sum_full").slice(id("SW").sub(1), aw)]).any(),
            ),
        ],
    }
}

/// The signed product of `a` and `b` (`OPW` bits each) plus `acc` (a signed
/// `aw`-bit value, or none), at `w` bits (a parameter at least `2 * OPW`),
/// written as logic that no synthesis tool maps to a DSP block: the
/// Baugh-Wooley partial-product rows, `OPW` of `OPW` bits, and a constant,
/// summed in one chain of additions (which Yosys turns into one
/// carry-save tree and one carry chain). Row j (< OPW - 1) is
/// `{~(a[n-1] & b[j]), a[n-2:0] & b[j]}`, row n - 1 is
/// `{a[n-1] & b[n-1], ~(a[n-2:0] & b[n-1])}`, row j weighs `2^j`, and the
/// constant is `2^n - 2^(2n-1)` modulo `2^w`. Uses the names `PW`, `mr`,
/// `ms`, `out` (the result) and the genvar `j`.
fn product_items(a: &str, b: &str, acc: Option<&str>, w: &str, out: &str) -> Vec<Item> {
    let n = || id("OPW");
    let seg = |v: &str, i: Expr| id(v).part(i.mul(w), w);
    let k = concat(vec![
        repeat(id(w).sub("PW").add(1), sized(1, 1)),
        repeat(id("PW").sub(1), sized(1, 0)),
    ])
    .add(concat(vec![repeat(id(w).sub(1), sized(1, 0)), sized(1, 1)]).shl(n()));
    let first = match acc {
        Some(acc) => sext(acc, "ACCW", w).add(k),
        None => k,
    };
    let ab = |j: Expr| {
        id(a)
            .slice(n().sub(2), 0)
            .bitand(repeat(n().sub(1), id(b).idx(j)))
    };
    vec![
        wire("mr", bits(n().mul(w))),
        wire("ms", bits(n().add(1).mul(w))),
        assign(seg("ms", int(0)), first),
        gen_for(
            "j",
            int(0),
            n(),
            "row",
            vec![
                wire("bits_j", bits(n())),
                Item::GenIf {
                    cond: id("j").lt(n().sub(1)),
                    label: "plain".into(),
                    then: vec![assign(
                        "bits_j",
                        concat(vec![
                            id(a).idx(n().sub(1)).bitand(id(b).idx("j")).bitnot(),
                            ab(id("j")),
                        ]),
                    )],
                    otherwise: vec![assign(
                        "bits_j",
                        concat(vec![
                            id(a).idx(n().sub(1)).bitand(id(b).idx(n().sub(1))),
                            ab(n().sub(1)).bitnot(),
                        ]),
                    )],
                },
                assign(
                    seg("mr", id("j")),
                    concat(vec![repeat(id(w).sub(n()), sized(1, 0)), id("bits_j")]).shl("j"),
                ),
                assign(
                    seg("ms", id("j").add(1)),
                    seg("ms", id("j")).add(seg("mr", id("j"))),
                ),
            ],
        ),
        wire_eq(out, bits(w), seg("ms", n())),
    ]
}

/// `a ^ b`, bitwise.
fn xor(a: Expr, b: Expr) -> Expr {
    a.clone().bitor(b.clone()).bitand(a.bitand(b).bitnot())
}

/// The signed product of `a` and `b` (`OPW` bits each) as two `SW`-bit
/// words `s` and `c` whose sum is the product modulo `2^SW` (`SW` =
/// `max(ACCW, 2 * OPW) + 1`), in logic with no carry chain: the
/// Baugh-Wooley rows of `product_items` and its constant, reduced by a tree
/// of word-wide 3:2 compressors (4 levels for 8-bit operands, 6 for 16).
/// The tree is laid out for `opw` operand bits; another `OPW` gets the
/// exact product in `s` and zero in `c`. Uses the names `PW`, `SW`, `cs_*`,
/// `mr`, `ms`, `cs_full` and the genvar `j`.
pub fn product_cs_items(opw: u32, a: &str, b: &str, s: &str, c: &str) -> Vec<Item> {
    let w = "SW";
    let bit = |x: &str, i: u32| id(x).idx(int(i64::from(i)));
    let mut items = Vec::new();
    // Operands: row j is {zeros, bits_j} << j, then the constant.
    let mut ops: Vec<Expr> = Vec::new();
    let n = opw;
    for j in 0..n {
        let mut row: Vec<Expr> = Vec::new();
        // Most significant bit first.
        if j + 1 < n {
            row.push(bit(a, n - 1).bitand(bit(b, j)).bitnot());
            for i in (0..n - 1).rev() {
                row.push(bit(a, i).bitand(bit(b, j)));
            }
        } else {
            row.push(bit(a, n - 1).bitand(bit(b, n - 1)));
            for i in (0..n - 1).rev() {
                row.push(bit(a, i).bitand(bit(b, n - 1)).bitnot());
            }
        }
        let name = format!("cs_row{j}");
        items.push(wire_eq(
            &name,
            bits(w),
            concat(vec![
                repeat(id(w).sub(int(i64::from(n))), sized(1, 0)),
                concat(row),
            ])
            .shl(int(i64::from(j))),
        ));
        ops.push(id(name));
    }
    ops.push(
        concat(vec![
            repeat(id(w).sub("PW").add(1), sized(1, 1)),
            repeat(id("PW").sub(1), sized(1, 0)),
        ])
        .add(concat(vec![repeat(id(w).sub(1), sized(1, 0)), sized(1, 1)]).shl("OPW")),
    );
    let mut level = 0;
    while ops.len() > 2 {
        level += 1;
        let mut next = Vec::new();
        for (k, group) in ops.chunks(3).enumerate() {
            if let [x, y, z] = group {
                let (sn, cn) = (format!("cs{level}_{k}_s"), format!("cs{level}_{k}_c"));
                items.push(wire_eq(
                    &sn,
                    bits(w),
                    xor(xor(x.clone(), y.clone()), z.clone()),
                ));
                let maj = x
                    .clone()
                    .bitand(y.clone())
                    .bitor(x.clone().bitand(z.clone()))
                    .bitor(y.clone().bitand(z.clone()));
                items.push(wire_eq(&cn, bits(w), maj.shl(int(1))));
                next.push(id(sn));
                next.push(id(cn));
            } else {
                next.extend(group.iter().cloned());
            }
        }
        ops = next;
    }
    let (s0, c0) = (ops[0].clone(), ops.get(1).cloned().unwrap_or(sized(1, 0)));
    vec![
        localparam("PW", int(2).mul("OPW")),
        localparam(w, id("ACCW").gt("PW").tern("ACCW", "PW").add(1)),
        wire(s, bits(w)),
        wire(c, bits(w)),
        Item::GenIf {
            cond: id("OPW").eq(int(i64::from(opw))),
            label: "tree".into(),
            then: {
                items.push(assign(s, s0));
                items.push(assign(c, c0));
                items
            },
            otherwise: {
                let mut f = product_items(a, b, None, w, "cs_full");
                f.push(assign(s, "cs_full"));
                f.push(assign(c, repeat(id(w), sized(1, 0))));
                f
            },
        },
    ]
}

/// `y = acc + s + c` at `ACCW` bits (wrapping, or saturating when `SAT` is
/// 1), where `s + c` is a signed product in carry-save form
/// (`product_cs_items`, which defines `SW`).
pub fn add_cs_items(acc: &str, s: &str, c: &str, y: &str) -> Vec<Item> {
    vec![
        wire_eq(
            "sum_full",
            bits("SW"),
            sext(acc, "ACCW", "SW").add(s).add(c),
        ),
        wrap_or_saturate("ACCW", y),
    ]
}

/// `y = acc + a * b` at `ACCW` bits (wrapping, or saturating when `SAT` is
/// 1), the product in logic (`product_items`), never in a DSP block, and
/// the accumulator added in the same carry-save tree.
pub fn mac_logic_items(a: &str, b: &str, acc: &str, y: &str) -> Vec<Item> {
    let mut v = vec![
        localparam("PW", int(2).mul("OPW")),
        localparam("SW", id("ACCW").gt("PW").tern("ACCW", "PW").add(1)),
    ];
    v.extend(product_items(a, b, Some(acc), "SW", "sum_full"));
    v.push(wrap_or_saturate("ACCW", y));
    v
}

/// The exact signed product `p` (`2 * OPW` bits) of `a` and `b` (`OPW` bits each).
pub fn mul_items(a: &str, b: &str, p: &str) -> Vec<Item> {
    vec![
        localparam("PW", int(2).mul("OPW")),
        wire_eq("mul_a", bits("PW"), sext(a, "OPW", "PW")),
        wire_eq("mul_b", bits("PW"), sext(b, "OPW", "PW")),
        wire_eq(p, bits("PW"), id("mul_a").mul("mul_b")),
    ]
}

/// `p` (`PW` = `2 * OPW` bits) = the signed product of `a` and `b` (`OPW`
/// bits each) registered at the multiplier's inputs, `b`'s register loaded
/// only when `ce_b` is 1, and with `oreg` at its output too: `p` is the
/// product of the cycle before's inputs (of two cycles before with `oreg`).
/// With the parameter `MULPRIM` = 1 it is one Lattice ECP5 `MULT18X18D`
/// with those registers inside it (Yosys 0.23 packs no flip-flop into a
/// DSP block, and routing to and from the block dominates the array's
/// clock, docs/SYNTHESIS.md), for `OPW` up to 17 (`systolic synth` sets
/// it only then); otherwise flip-flops and `*`, which any tool maps. Both
/// compute the same in every cycle.
pub fn mul_reg_items(a: &str, b: &str, ce_b: Expr, p: &str, oreg: bool) -> Vec<Item> {
    let generic = {
        let mut v = vec![
            reg("mr_a", bits("OPW")),
            reg("mr_b", bits("OPW")),
            always_ff(vec![nb("mr_a", a), if_(ce_b.clone(), vec![nb("mr_b", b)])]),
            wire_eq(
                "mr_p",
                bits("PW"),
                sext("mr_a", "OPW", "PW").mul(sext("mr_b", "OPW", "PW")),
            ),
        ];
        if oreg {
            v.extend([
                reg("mr_q", bits("PW")),
                always_ff(vec![nb("mr_q", "mr_p")]),
                assign(p, "mr_q"),
            ]);
        } else {
            v.push(assign(p, "mr_p"));
        }
        v
    };
    let reg_of = |on: bool| string(if on { "CLK0" } else { "NONE" });
    let mut params = vec![
        ("REG_INPUTA_CLK", reg_of(true)),
        ("REG_INPUTA_CE", string("CE0")),
        ("REG_INPUTA_RST", string("RST0")),
        ("REG_INPUTB_CLK", reg_of(true)),
        ("REG_INPUTB_CE", string("CE1")),
        ("REG_INPUTB_RST", string("RST0")),
        ("REG_OUTPUT_CLK", reg_of(oreg)),
        ("REG_OUTPUT_CE", string("CE0")),
        ("REG_OUTPUT_RST", string("RST0")),
    ];
    params.extend([
        ("GSR", string("DISABLED")),
        ("RESETMODE", string("SYNC")),
        ("SOURCEB_MODE", string("B_INPUT")),
        ("MULT_BYPASS", string("DISABLED")),
        ("CAS_MATCH_REG", string("FALSE")),
    ]);
    let pins: Vec<(String, Expr)> = (0..18)
        .map(|i| (format!("A{i}"), id("mr_a18").idx(int(i))))
        .chain((0..18).map(|i| (format!("B{i}"), id("mr_b18").idx(int(i)))))
        .chain((0..18).map(|i| (format!("C{i}"), sized(1, 0))))
        .chain([
            ("SIGNEDA".into(), sized(1, 1)),
            ("SIGNEDB".into(), sized(1, 1)),
            ("SOURCEA".into(), sized(1, 0)),
            ("SOURCEB".into(), sized(1, 0)),
            ("CLK0".into(), id("clk")),
            ("CE0".into(), sized(1, 1)),
            ("CE1".into(), ce_b),
        ])
        .chain((1..4).map(|i| (format!("CLK{i}"), sized(1, 0))))
        .chain((2..4).map(|i| (format!("CE{i}"), sized(1, 1))))
        .chain((0..4).map(|i| (format!("RST{i}"), sized(1, 0))))
        .chain((0..36).map(|i| (format!("P{i}"), id("mr_p36").idx(int(i)))))
        .collect();
    let ecp5 = vec![
        wire_eq("mr_a18", bits(18), sext(a, "OPW", "18")),
        wire_eq("mr_b18", bits(18), sext(b, "OPW", "18")),
        wire("mr_p36", bits(36)),
        instance(
            "MULT18X18D",
            "u_mult",
            params,
            pins.iter().map(|(n, e)| (n.as_str(), e.clone())).collect(),
        ),
        assign(p, id("mr_p36").slice(id("PW").sub(1), 0)),
        wire_eq(
            "unused_p",
            None,
            concat(vec![sized(1, 0), id("mr_p36").slice(35, id("PW"))]).any(),
        ),
    ];
    vec![
        localparam("PW", int(2).mul("OPW")),
        wire(p, bits("PW")),
        Item::GenIf {
            cond: id("MULPRIM").ne(0),
            label: "ecp5".into(),
            then: ecp5,
            otherwise: generic,
        },
    ]
}

/// `delay`: `N` registers in a row (`N` = 0: a wire), kept as one shift
/// register `r` (stage 0 in the low bits; no loops, so every tool handles any
/// `N`); with `RESET` = 1 they clear on `rst` (control and operands entering
/// the array), otherwise they have no reset.
pub fn delay(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("delay"),
        &["A delay line of N registers (a wire when N = 0)."],
    );
    m.param("W", 1, "bits")
        .param("N", 1, "stages")
        .param("RESET", 0, "1: clear on rst")
        .port(input("clk", None, ""))
        .port(input(
            "rst",
            None,
            "synchronous, active high; used when RESET = 1",
        ))
        .port(input("x", bits("W"), ""))
        .port(output("y", false, bits("W"), "x delayed by N cycles"));
    let wn = || id("W").mul("N");
    // The next value of the shift register: x enters at stage 0.
    let next = Item::GenIf {
        cond: id("N").eq(1),
        label: "one".into(),
        then: vec![assign("shifted", id("x"))],
        otherwise: vec![assign(
            "shifted",
            concat(vec![
                id("r").slice(id("W").mul(id("N").sub(1)).sub(1), 0),
                id("x"),
            ]),
        )],
    };
    m.push([Item::GenIf {
        cond: id("N").eq(0),
        label: "wire_only".into(),
        then: vec![
            assign("y", "x"),
            wire_eq(
                "unused",
                None,
                concat(vec![sized(1, 0), id("clk"), id("rst")]).any(),
            ),
        ],
        otherwise: vec![
            reg("r", bits(wn())),
            wire("shifted", bits(wn())),
            next,
            Item::GenIf {
                cond: id("RESET").ne(0),
                label: "with_reset".into(),
                then: vec![always_ff(vec![if_else(
                    id("rst"),
                    vec![nb("r", repeat(wn(), sized(1, 0)))],
                    vec![nb("r", "shifted")],
                )])],
                otherwise: vec![
                    always_ff(vec![nb("r", "shifted")]),
                    wire_eq("unused", None, concat(vec![sized(1, 0), id("rst")]).any()),
                ],
            },
            assign("y", id("r").slice(wn().sub(1), id("W").mul(id("N").sub(1)))),
        ],
    }]);
    m
}

/// `sram`: one synchronous-read, synchronous-write memory (simple dual port),
/// the template block-RAM inference expects.
pub fn sram(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("sram"),
        &["Simple dual-port SRAM: one write and one synchronous read per cycle (infers block RAM)."],
    );
    m.param("W", 8, "word bits")
        .param("DEPTH", 16, "words")
        .param("AW", 4, "address bits")
        .port(input("clk", None, ""))
        .port(input("we", None, ""))
        .port(input("waddr", bits("AW"), ""))
        .port(input("wdata", bits("W"), ""))
        .port(input("re", None, ""))
        .port(input("raddr", bits("AW"), ""))
        .port(output(
            "rdata",
            true,
            bits("W"),
            "mem[raddr] of the previous cycle's read",
        ));
    m.push([
        // No line is read in the cycle it is written where the read data is
        // used (docs/TIMING.md: the accumulator's read-modify-write forwards
        // such a write itself), so Yosys need not emulate read-old-data.
        Item::Attribute("no_rw_check".into()),
        mem("mem", bits("W"), id("DEPTH")),
        always_ff(vec![
            if_(id("we"), vec![nb(id("mem").idx("waddr"), "wdata")]),
            if_(id("re"), vec![nb("rdata", id("mem").idx("raddr"))]),
        ]),
    ]);
    m
}

/// `buffer`: an on-chip buffer of `BANKS` (1 or 2) SRAM banks. With two banks
/// (double buffering) the array owns bank `sel` and the host port the other,
/// both at once; with one bank the array owns it while `busy`, the host otherwise.
pub fn buffer(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("buffer"),
        &["An on-chip buffer: one bank, or two (double-buffered: the host uses bank hsel, the array the other; sel picks the array's read data)."],
    );
    m.param("W", 8, "line bits")
        .param("DEPTH", 16, "lines per bank")
        .param("AW", 4, "address bits")
        .param("BANKS", 1, "1 or 2");
    m.port(input("clk", None, ""))
        .port(input("sel", None, "bank of the array (BANKS = 2)"))
        .port(input(
            "hsel",
            None,
            "bank of the host (BANKS = 2): the host has it, the array the other",
        ))
        .port(input("busy", None, "the array owns the bank (BANKS = 1)"));
    for (p, who) in [("c", "array"), ("h", "host")] {
        m.port(input(&format!("{p}_we"), None, &format!("{who} write")))
            .port(input(&format!("{p}_waddr"), bits("AW"), ""))
            .port(input(&format!("{p}_wdata"), bits("W"), ""))
            .port(input(&format!("{p}_re"), None, &format!("{who} read")))
            .port(input(&format!("{p}_raddr"), bits("AW"), ""))
            .port(output(
                &format!("{p}_rdata"),
                false,
                bits("W"),
                "the cycle after the read",
            ));
    }
    let bank = |name: &str, owner: Expr, rdata: &str| {
        let pick = |c: &str, h: &str| owner.clone().tern(id(c), id(h));
        instance(
            &cfg.name("sram"),
            name,
            vec![("W", id("W")), ("DEPTH", id("DEPTH")), ("AW", id("AW"))],
            vec![
                ("clk", id("clk")),
                ("we", pick("c_we", "h_we")),
                ("waddr", pick("c_waddr", "h_waddr")),
                ("wdata", pick("c_wdata", "h_wdata")),
                ("re", pick("c_re", "h_re")),
                ("raddr", pick("c_raddr", "h_raddr")),
                ("rdata", id(rdata)),
            ],
        )
    };
    m.push([Item::GenIf {
        cond: id("BANKS").eq(2),
        label: "two_banks".into(),
        then: vec![
            wire("rd0", bits("W")),
            wire("rd1", bits("W")),
            reg("rsel", None),
            reg("rhsel", None),
            always_ff(vec![nb("rsel", "sel"), nb("rhsel", "hsel")]),
            bank("u_bank0", id("hsel"), "rd0"),
            bank("u_bank1", id("hsel").not(), "rd1"),
            assign("c_rdata", id("rsel").tern("rd1", "rd0")),
            assign("h_rdata", id("rhsel").tern("rd1", "rd0")),
            wire_eq("unused", None, concat(vec![sized(1, 0), id("busy")]).any()),
        ],
        otherwise: vec![
            wire("rd", bits("W")),
            bank("u_bank", id("busy"), "rd"),
            assign("c_rdata", "rd"),
            assign("h_rdata", "rd"),
            wire_eq(
                "unused",
                None,
                concat(vec![sized(1, 0), id("sel"), id("hsel")]).any(),
            ),
        ],
    }]);
    m
}
