//! Leaf cells shared by every dataflow: resize, multiplier, accumulator adder,
//! delay line, synchronous-read SRAM and the banked buffer around it.

use super::Config;
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

fn resize_inst(cfg: &Config, name: &str, iw: Expr, ow: Expr, x: Expr, y: Expr) -> Item {
    instance(
        &cfg.name("resize"),
        name,
        vec![("IW", iw), ("OW", ow), ("SIGNED", int(1))],
        vec![("x", x), ("y", y)],
    )
}

/// `mul`: exact signed product of two `OPW`-bit operands.
pub fn mul(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("mul"),
        &["Exact signed product of two OPW-bit operands."],
    );
    m.param("OPW", 8, "operand bits")
        .port(input("a", bits("OPW"), ""))
        .port(input("b", bits("OPW"), ""))
        .port(output(
            "p",
            false,
            bits(int(2).mul("OPW")),
            "a * b, 2*OPW bits",
        ));
    let pw = || int(2).mul("OPW");
    m.push([
        wire("ax", bits(pw())),
        wire("bx", bits(pw())),
        resize_inst(cfg, "u_ax", id("OPW"), pw(), id("a"), id("ax")),
        resize_inst(cfg, "u_bx", id("OPW"), pw(), id("b"), id("bx")),
        assign("p", id("ax").mul("bx")),
    ]);
    m
}

/// `acc_add`: `y = a + b` at `AW` bits, `b` a signed `BW`-bit addend; wraps, or
/// saturates at every addition when `SAT` is 1 (the pe engine's `Acc::add`).
pub fn acc_add(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("acc_add"),
        &["Accumulator adder: y = a + b at AW bits (two's-complement wrap, or saturation if SAT=1)."],
    );
    m.param("AW", 32, "accumulator bits")
        .param("BW", 16, "addend bits (signed)")
        .param("SAT", 0, "1: saturate, 0: wrap")
        .port(input("a", bits("AW"), "accumulator"))
        .port(input("b", bits("BW"), "signed addend"))
        .port(output("y", false, bits("AW"), ""));
    let sw = id("AW").gt("BW").tern("AW", "BW").add(1);
    let minv = concat(vec![sized(1, 1), repeat(id("AW").sub(1), sized(1, 0))]);
    let maxv = concat(vec![sized(1, 0), repeat(id("AW").sub(1), sized(1, 1))]);
    m.push([
        localparam("SW", sw),
        wire("ax", bits("SW")),
        wire("bx", bits("SW")),
        resize_inst(cfg, "u_ax", id("AW"), id("SW"), id("a"), id("ax")),
        resize_inst(cfg, "u_bx", id("BW"), id("SW"), id("b"), id("bx")),
        wire_eq("sum", bits("SW"), id("ax").add("bx")),
        Item::GenIf {
            cond: id("SAT").ne(0),
            label: "saturate".into(),
            then: vec![
                wire_eq(
                    "head",
                    bits(id("SW").sub("AW").add(1)),
                    id("sum").slice(id("SW").sub(1), id("AW").sub(1)),
                ),
                wire_eq("fits", None, id("head").any().not().bitor(id("head").all())),
                assign(
                    "y",
                    id("fits").tern(
                        id("sum").slice(id("AW").sub(1), 0),
                        id("sum").idx(id("SW").sub(1)).tern(minv, maxv),
                    ),
                ),
            ],
            otherwise: vec![
                assign("y", id("sum").slice(id("AW").sub(1), 0)),
                wire_eq(
                    "unused",
                    None,
                    concat(vec![sized(1, 0), id("sum").slice(id("SW").sub(1), "AW")]).any(),
                ),
            ],
        },
    ]);
    m
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
        &["An on-chip buffer: one bank, or two (double-buffered: the array uses bank sel, the host the other)."],
    );
    m.param("W", 8, "line bits")
        .param("DEPTH", 16, "lines per bank")
        .param("AW", 4, "address bits")
        .param("BANKS", 1, "1 or 2");
    m.port(input("clk", None, ""))
        .port(input("sel", None, "bank of the array (BANKS = 2)"))
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
            always_ff(vec![nb("rsel", "sel")]),
            bank("u_bank0", id("sel").not(), "rd0"),
            bank("u_bank1", id("sel"), "rd1"),
            assign("c_rdata", id("rsel").tern("rd1", "rd0")),
            assign("h_rdata", id("rsel").tern("rd0", "rd1")),
            wire_eq("unused", None, concat(vec![sized(1, 0), id("busy")]).any()),
        ],
        otherwise: vec![
            wire("rd", bits("W")),
            bank("u_bank", id("busy"), "rd"),
            assign("c_rdata", "rd"),
            assign("h_rdata", "rd"),
            wire_eq("unused", None, concat(vec![sized(1, 0), id("sel")]).any()),
        ],
    }]);
    m
}
