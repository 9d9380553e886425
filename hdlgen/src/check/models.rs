//! Simulation models of the vendor primitives the generated RTL can
//! instantiate (a parameter selects them; `gen`'s default RTL uses none).
//! They exist to co-simulate those variants, and model only the modes
//! systolic uses.

use crate::ast::*;

/// A Lattice ECP5 `MULT18X18D` (FPGA-TN-02205, "ECP5 and ECP5-5G sysDSP
/// Usage Guide"): `P = A * B`, 18 x 18 bits, signed where `SIGNEDA` /
/// `SIGNEDB` is 1, with the input registers (`REG_INPUTA_CLK`,
/// `REG_INPUTB_CLK`) and the output register (`REG_OUTPUT_CLK`) each either
/// `"NONE"` or clocked by `CLK0` and enabled by the clock enable its `_CE`
/// parameter names. The pre-adder, shift chains (`SOURCEA`/`SOURCEB`), the
/// pipeline register, resets and the other clocks are not modelled (systolic
/// ties them off); `C`, `RST*` and `CLK1`-`CLK3` are accepted and ignored.
pub fn mult18x18d() -> Module {
    let mut m = Module::new(
        "MULT18X18D",
        &[
            "Simulation model of the ECP5 MULT18X18D, in the modes systolic uses (hdlgen/src/check/models.rs).",
        ],
    );
    for (p, v) in [
        ("REG_INPUTA_CLK", "NONE"),
        ("REG_INPUTA_CE", "CE0"),
        ("REG_INPUTA_RST", "RST0"),
        ("REG_INPUTB_CLK", "NONE"),
        ("REG_INPUTB_CE", "CE0"),
        ("REG_INPUTB_RST", "RST0"),
        ("REG_OUTPUT_CLK", "NONE"),
        ("REG_OUTPUT_CE", "CE0"),
        ("REG_OUTPUT_RST", "RST0"),
        ("GSR", "ENABLED"),
        ("RESETMODE", "SYNC"),
        ("SOURCEB_MODE", "B_SHIFT"),
        ("MULT_BYPASS", "DISABLED"),
        ("CAS_MATCH_REG", "FALSE"),
    ] {
        m.param(p, string(v), "");
    }
    let bus = |p: &str, n: u32| -> Vec<String> { (0..n).map(|i| format!("{p}{i}")).collect() };
    for p in ["A", "B", "C"] {
        for name in bus(p, 18) {
            m.port(input(&name, None, ""));
        }
    }
    for name in ["SIGNEDA", "SIGNEDB", "SOURCEA", "SOURCEB"] {
        m.port(input(name, None, ""));
    }
    for p in ["CLK", "CE", "RST"] {
        for name in bus(p, 4) {
            m.port(input(&name, None, ""));
        }
    }
    for name in bus("P", 36) {
        m.port(output(&name, false, None, ""));
    }
    // `{X17, ..., X0}`.
    let vec_of = |p: &str, n: u32| concat(bus(p, n).into_iter().rev().map(id).collect());
    // The clock enable a `_CE` parameter names.
    let ce = |param: &str| {
        (1..4).fold(id("CE0"), |e, i| {
            id(param)
                .eq(string(format!("CE{i}")))
                .tern(id(format!("CE{i}")), e)
        })
    };
    let clocked = |param: &str| id(param).ne(string("NONE"));
    let sext36 = |x: &str, signed: &str| {
        concat(vec![
            repeat(int(18), id(x).idx(int(17)).bitand(signed)),
            id(x),
        ])
    };
    m.push([
        wire_eq("a", bits(18), vec_of("A", 18)),
        wire_eq("b", bits(18), vec_of("B", 18)),
        reg("a_q", bits(18)),
        reg("b_q", bits(18)),
        reg("p_q", bits(36)),
        wire_eq("a_u", bits(18), clocked("REG_INPUTA_CLK").tern("a_q", "a")),
        wire_eq("b_u", bits(18), clocked("REG_INPUTB_CLK").tern("b_q", "b")),
        wire_eq(
            "p_c",
            bits(36),
            sext36("a_u", "SIGNEDA").mul(sext36("b_u", "SIGNEDB")),
        ),
        Item::AlwaysFf(
            "CLK0".into(),
            Stmt::Block(vec![
                if_(ce("REG_INPUTA_CE"), vec![nb("a_q", "a")]),
                if_(ce("REG_INPUTB_CE"), vec![nb("b_q", "b")]),
                if_(ce("REG_OUTPUT_CE"), vec![nb("p_q", "p_c")]),
            ]),
        ),
        assign(
            concat(bus("P", 36).into_iter().rev().map(id).collect()),
            clocked("REG_OUTPUT_CLK").tern("p_q", "p_c"),
        ),
    ]);
    m
}
