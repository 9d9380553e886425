//! Processing elements, one per dataflow family (docs/TIMING.md, "Per cycle, in PE(r, c)").

use super::cells;
use super::config::Config;
use super::fp;
use crate::ast::*;
use sim::fp::gemm::FpArith;
use sim::fp::rules::AccRule;

/// `sum = acc + a * b` at `ACCW` bits, inline (no submodules: a PE is one
/// module, which keeps elaboration of large arrays fast): with the `*`
/// operator (which FPGA synthesis maps to a DSP block) when the parameter
/// `LOGIC` is 0, else in logic (`cells::mac_logic_items`).
fn mac_cells(a: &str, b: &str, acc: &str, sum: &str) -> Item {
    Item::GenIf {
        cond: id("LOGIC").ne(0),
        label: "lut_mul".into(),
        then: cells::mac_logic_items(a, b, acc, sum),
        otherwise: mac_dsp(a, b, acc, sum),
    }
}

/// `sum = acc + a * b` with the `*` operator.
fn mac_dsp(a: &str, b: &str, acc: &str, sum: &str) -> Vec<Item> {
    let mut v = cells::mul_items(a, b, "prod");
    v.extend(cells::add_items(acc, "prod", "ACCW", "PW", sum));
    v
}

/// `{width{1'b0}}`.
pub fn zeros(width: &str) -> Expr {
    repeat(id(width), sized(1, 0))
}

fn widths(m: &mut Module, cfg: &Config) {
    m.param("OPW", 8, "operand bits")
        .param("ACCW", 32, "partial-sum bits");
    if cfg.int_datapath() {
        m.param("SAT", 0, "1: saturating accumulation").param(
            "LOGIC",
            0,
            "1: multiply in logic, 0: with `*` (a DSP block on FPGAs)",
        );
    }
}

/// `pe_ws`: weight-stationary PE (also input-stationary on the transposed
/// problem): `a` passes right with its valid and first-vector bits, the
/// partial sum passes down, `w` is the active stationary value and `wn` its
/// shadow, which shifts down the column while the current fold streams.
///
/// With `AHEAD` = 1 the PE works a cycle early on what it will see next
/// cycle (`a_pre`, `v_pre`, `f_pre`), so that neither the valid and first
/// bits nor the choice between `w` and `wn` lie on the multiply-accumulate
/// path: it keeps `w_use` in a register, `wu`, set a cycle early (below
/// row 0 with a DSP block, `wq`, the multiplier's input register, set two
/// cycles early), and needs no `w` (`w` of a cycle is `w_use` of the cycle
/// before); below row 0 it computes next cycle's product a cycle early
/// (`prod_q`, the DSP block's output register; in logic, in carry-save
/// form, `prod_sq` and `prod_cq`), leaving the addition to the cycle of the
/// contract. Both equal TIMING.md's in every cycle with a
/// valid vector (the only cycles whose product is used).
pub fn pe_ws(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("pe_ws"),
        &[
            "Stationary-operand PE (ws, is). On a valid first vector it switches to the shadow",
            "value wn before using it; wn shifts down the column when shift is on.",
        ],
    );
    widths(&mut m, cfg);
    let (aw, ww) = cfg.lane_names();
    if let Some(sp) = cfg.sparse {
        m.param(
            "SPM",
            i64::from(sp.m),
            "sparse weights: candidates per group (M of N:M), the words of a_in",
        )
        .param(
            "IB",
            i64::from(sp.index_bits()),
            "bits of a stationary value's index in its group, above its OPW bits",
        )
        .param("XW", id("SPM").mul("OPW"), super::array::XW_DOC)
        .param("WW", id("OPW").add("IB"), super::array::WW_DOC);
    }
    if let Some((terms, _)) = cfg.fused() {
        m.param(
            "GI",
            0,
            &format!("the PE's place in its group of {terms} rows (row % {terms})"),
        )
        .param(
            "LAST",
            1,
            "1: the group's last PE (or the bottom row's), which adds the group up",
        );
    }
    if cfg.int_datapath() {
        m.param(
            "AHEAD",
            1,
            "1: w_use (or the product) registered a cycle early from a_pre, v_pre, f_pre",
        )
        .param(
            "PREG",
            1,
            "AHEAD = 1 with a DSP multiplier: 1 registers the product a cycle early, 0 multiplies in the cycle (row 0, whose p_in is 0)",
        )
        .param(
            "MULPRIM",
            0,
            "AHEAD = 1 with a DSP multiplier: 1 instantiates an ECP5 MULT18X18D with its registers, 0 uses `*` (cells::mul_reg_items)",
        );
    }
    m.port(input("clk", None, ""))
        .port(input(
            "rst",
            None,
            "synchronous reset of the flowing registers",
        ))
        .port(input("a_in", bits(aw), "streamed operand from the left"))
        .port(input("v_in", None, "a_in is a valid vector"))
        .port(input("f_in", None, "a_in is a fold's first vector"))
        .port(input(
            "a_pre",
            bits(aw),
            "a_in of the next cycle (AHEAD = 1)",
        ))
        .port(input("v_pre", None, "v_in of the next cycle (AHEAD = 1)"))
        .port(input("f_pre", None, "f_in of the next cycle (AHEAD = 1)"))
        .port(input(
            "a_pre2",
            bits(aw),
            "a_in two cycles ahead (AHEAD = 1, PREG = 1)",
        ))
        .port(input("p_in", bits("ACCW"), "partial sum from above"))
        .port(input("wn_in", bits(ww), "shadow value from above"))
        .port(input("shift", None, "column shift enable"))
        .port(input(
            "v_pre2",
            None,
            "v_in two cycles ahead (AHEAD = 1, PREG = 1)",
        ))
        .port(input(
            "f_pre2",
            None,
            "f_in two cycles ahead (AHEAD = 1, PREG = 1)",
        ))
        .port(input(
            "shift_pre",
            None,
            "shift of the next cycle (AHEAD = 1, PREG = 1)",
        ))
        .port(input(
            "wn_dn",
            bits(ww),
            "wn_d of the PE above (AHEAD = 1, PREG = 1)",
        ))
        .port(output("wn_d", false, bits(ww), "wn_out of the next cycle"))
        .port(output("a_out", true, bits(aw), ""))
        .port(output("v_out", true, None, ""))
        .port(output("f_out", true, None, ""))
        .port(output("p_out", true, bits("ACCW"), "p_in + a_in * w_use"))
        .port(output("wn_out", true, bits(ww), "shadow register"));
    let unused = |name: &str, sigs: &[&str]| {
        let mut v = vec![sized(1, 0)];
        v.extend(sigs.iter().map(|s| id(*s)));
        wire_eq(name, None, concat(v).any())
    };
    // A sparse PE's M-to-1 selection in front of its multiplier
    // (docs/TIMING.md, "Sparse weights"): the word of `a` (SPM words) that
    // index `i` names, and the value bits of the stationary word `w`. A
    // dense PE multiplies `a` and `w` as they are.
    let select = |a: &str, w: &str, i: Expr| -> (Vec<Item>, String, String) {
        if cfg.sparse.is_none() {
            return (Vec::new(), a.into(), w.into());
        }
        let (sa, sw) = (format!("{a}_s"), format!("{w}_v"));
        let items = vec![
            wire_eq(&sa, bits("OPW"), super::array::lane(a, i, "OPW")),
            wire_eq(&sw, bits("OPW"), id(w).slice(id("OPW").sub(1), 0)),
        ];
        (items, sa, sw)
    };
    // The index bits of a stationary word.
    let index = |w: &str| id(w).slice(id("WW").sub(1), "OPW");
    let mut now = w_now(ww);
    let (sel, a, w) = select("a_in", "w_use", index("w_use"));
    now.extend(sel);
    now.extend([mac_cells(&a, &w, "p_in", "sum"), unused_pre(&unused)]);
    // Next cycle's w_use (`w_next`, kept in `wu`): next cycle's wn if it
    // swaps then, else next cycle's w, which is this cycle's w_use.
    let w_next = || {
        vec![
            reg("wu", bits(ww)),
            wire_eq(
                "w_next",
                bits(ww),
                id("v_pre")
                    .bitand("f_pre")
                    .tern(id("shift").tern("wn_in", "wn_out"), "wu"),
            ),
            always_ff(vec![nb("wu", "w_next")]),
        ]
    };
    // PREG = 1: next cycle's product, registered (a DSP block's multiply
    // alone in its cycle), then this cycle's sum. The multiplier's input
    // registers hold next cycle's `a_in` (loaded from `a_pre2`) and `wq`,
    // next cycle's w_use chosen two cycles ahead (the shadow value after
    // next cycle's shift, from this PE's and the one above's next `wn`);
    // its output register is `prod_q`. Row 0 (PREG = 0) adds nothing to its
    // product: its input registers hold `a_in` and `wu`, and the product
    // goes to `p_out` in its cycle.
    let mut preg = vec![wire_eq(
        "wq_next",
        bits(ww),
        id("shift_pre").tern("wn_dn", "wn_d"),
    )];
    // Sparse: the multiplier's w register loads only on a swap, so the
    // index that picks next cycle's a (`qi_next`) is kept beside it (`qi`).
    let ce = id("v_pre2").bitand("f_pre2");
    if cfg.sparse.is_some() {
        preg.extend([
            reg("qi", bits("IB")),
            wire_eq(
                "qi_next",
                bits("IB"),
                ce.clone().tern(index("wq_next"), "qi"),
            ),
            always_ff(vec![nb("qi", "qi_next")]),
        ]);
    }
    let (sel, a, w) = select("a_pre2", "wq_next", id("qi_next"));
    preg.extend(sel);
    preg.extend(cells::mul_reg_items(&a, &w, ce, "prod_q", true));
    preg.extend(cells::add_items("p_in", "prod_q", "ACCW", "PW", "sum"));
    preg.push(unused("unused_pre1", &["a_pre", "v_pre", "f_pre"]));
    let mut direct = w_next();
    let (sel, a, w) = select("a_pre", "w_next", index("w_next"));
    direct.extend(sel);
    direct.extend(cells::mul_reg_items(&a, &w, sized(1, 1), "prod", false));
    direct.extend(cells::add_items("p_in", "prod", "ACCW", "PW", "sum"));
    direct.push(unused(
        "unused_pre",
        &["a_pre2", "v_pre2", "f_pre2", "shift_pre", "wn_dn"],
    ));
    let dsp = vec![Item::GenIf {
        cond: id("PREG").ne(0),
        label: "preg".into(),
        then: preg,
        otherwise: direct,
    }];
    // Next cycle's product in carry-save form, then this cycle's sum.
    let mut logic = w_next();
    let (sel, a, w) = select("a_pre", "w_next", index("w_next"));
    logic.extend(sel);
    logic.extend(cells::product_cs_items(cfg.opw, &a, &w, "prod_s", "prod_c"));
    logic.extend([
        reg("prod_sq", bits("SW")),
        reg("prod_cq", bits("SW")),
        always_ff(vec![nb("prod_sq", "prod_s"), nb("prod_cq", "prod_c")]),
    ]);
    logic.extend(cells::add_cs_items("p_in", "prod_sq", "prod_cq", "sum"));
    logic.push(unused(
        "unused_pre2",
        &["a_pre2", "v_pre2", "f_pre2", "shift_pre", "wn_dn"],
    ));
    let ahead = vec![Item::GenIf {
        cond: id("LOGIC").eq(0),
        label: "dsp".into(),
        then: dsp,
        otherwise: logic,
    }];
    let datapath = match &cfg.fp {
        None => vec![Item::GenIf {
            cond: id("AHEAD").eq(0),
            label: "now".into(),
            then: now,
            otherwise: ahead,
        }],
        Some(f) => fp_ws(f, w_next, unused),
    };
    m.push([
        assign("wn_d", id("shift").tern("wn_in", "wn_out")),
        wire("sum", bits("ACCW")),
    ]);
    if cfg.int_datapath() {
        m.push([decl(Net::Genvar, false, "j", None, None, None)]);
    }
    m.push(datapath);
    m.push([always_ff(vec![
        nb("p_out", "sum"),
        if_(id("shift"), vec![nb("wn_out", "wn_in")]),
        // Reset clears what flows with the vectors, so no stale vector can
        // switch a stationary value after power-up.
        if_else(
            id("rst"),
            vec![
                nb("a_out", zeros(aw)),
                nb("v_out", sized(1, 0)),
                nb("f_out", sized(1, 0)),
            ],
            vec![
                nb("a_out", "a_in"),
                nb("v_out", "v_in"),
                nb("f_out", "f_in"),
            ],
        ),
    ])]);
    m
}

/// `pe_os`: output-stationary PE: `a` passes right with its last-step bit,
/// `b` passes down, `acc` accumulates; on the last step the sum moves to the
/// shadow register `o`, whose column forms the drain chain.
pub fn pe_os(cfg: &Config) -> Module {
    let mut m = Module::new(
        &cfg.name("pe_os"),
        &[
            "Output-stationary PE. On a fold's last step the sum is captured into o and acc restarts;",
            "o shifts down the column's drain chain when drain is on.",
        ],
    );
    widths(&mut m, cfg);
    m.port(input("clk", None, ""))
        .port(input(
            "rst",
            None,
            "synchronous reset of the flowing registers",
        ))
        .port(input("a_in", bits("OPW"), "A from the left"))
        .port(input("l_in", None, "last step of the fold"))
        .port(input("b_in", bits("OPW"), "B from above"))
        .port(input("o_in", bits("ACCW"), "drain chain from above"))
        .port(input("drain", None, "column drain enable"))
        .port(output("a_out", true, bits("OPW"), ""))
        .port(output("l_out", true, None, ""))
        .port(output("b_out", true, bits("OPW"), ""))
        .port(output("o_out", true, bits("ACCW"), "drain register"));
    m.push([reg("acc", bits("ACCW")), wire("sum", bits("ACCW"))]);
    match &cfg.fp {
        None => m.push([
            decl(Net::Genvar, false, "j", None, None, None),
            mac_cells("a_in", "b_in", "acc", "sum"),
        ]),
        // os operands arrive in the cycle they are used, so the product of
        // either rule is formed in it, exactly, and added.
        Some(f) => m.push(fp::fma_items(
            "m",
            (id("a_in"), id("b_in"), id("acc")),
            f.operand,
            f.psum,
            f.mode,
            "sum",
        )),
    };
    m.push([always_ff(vec![if_else(
        id("rst"),
        // The accumulator must start from zero; operands in flight are cleared.
        vec![
            nb("a_out", zeros("OPW")),
            nb("l_out", sized(1, 0)),
            nb("b_out", zeros("OPW")),
            nb("acc", zeros("ACCW")),
        ],
        vec![
            nb("a_out", "a_in"),
            nb("l_out", "l_in"),
            nb("b_out", "b_in"),
            if_else(
                id("l_in"),
                vec![nb("o_out", "sum"), nb("acc", zeros("ACCW"))],
                vec![nb("acc", "sum")],
            ),
            if_(id("drain"), vec![nb("o_out", "o_in")]),
        ],
    )])]);
    m
}

/// The floating-point datapath of `pe_ws` (docs/HDL.md, "Floating point"):
/// `sum = round(p_in + a_in * w_use)` in the partial sums' format.
/// `fma_chain` multiplies and adds in the cycle, from `a_in` and `w_use`;
/// `products_exact` forms next cycle's exact product a cycle early, from
/// `a_pre` and `w_next`, keeps it in a register, and adds it in the cycle.
/// Both round once per product, so their values are equal.
fn fp_ws(
    f: &FpArith,
    w_next: impl Fn() -> Vec<Item>,
    unused: impl Fn(&str, &[&str]) -> Item,
) -> Vec<Item> {
    let mut v = Vec::new();
    match f.rule {
        AccRule::ProductsExact => {
            v.extend(w_next());
            let (da, xa) = fp::decode("na", id("a_pre"), f.operand, f.mode);
            let (dw, xw) = fp::decode("nw", id("w_next"), f.operand, f.mode);
            let (dp, xp) = fp::product("np", &xa, &xw);
            let (rq, xq) = fp::register("pq", &xp);
            let (dc, xc) = fp::decode("mc", id("p_in"), f.psum, f.mode);
            v.extend(da.into_iter().chain(dw).chain(dp).chain(rq).chain(dc));
            v.extend(fp::add_round("mr", &xq, &xc, f.psum, f.mode, "sum"));
            v.push(unused(
                "unused_pre",
                &["a_pre2", "v_pre2", "f_pre2", "shift_pre", "wn_dn"],
            ));
        }
        AccRule::FusedAdder { terms, extra_bits } => {
            v.extend(w_now("OPW"));
            v.extend(fused_group(f, terms, extra_bits));
            v.push(unused_pre(&unused));
        }
        _ => {
            v.extend(w_now("OPW"));
            v.extend(fp::fma_items(
                "m",
                (id("a_in"), id("w_use"), id("p_in")),
                f.operand,
                f.psum,
                f.mode,
                "sum",
            ));
            v.push(unused_pre(&unused));
        }
    }
    v
}

/// The stationary value in use this cycle (`w_use`): the shadow value on a
/// fold's first vector, else `w`.
fn w_now(ww: &str) -> Vec<Item> {
    vec![
        reg("w", bits(ww)),
        wire_eq("swap", None, id("v_in").bitand("f_in")),
        always_ff(vec![if_(id("swap"), vec![nb("w", "wn_out")])]),
        wire_eq("w_use", bits(ww), id("swap").tern("wn_out", "w")),
    ]
}

/// The lookahead inputs a PE that works in its cycle does not use.
fn unused_pre(unused: &impl Fn(&str, &[&str]) -> Item) -> Item {
    unused(
        "unused_pre",
        &[
            "a_pre",
            "a_pre2",
            "v_pre",
            "f_pre",
            "v_pre2",
            "f_pre2",
            "shift_pre",
            "wn_dn",
        ],
    )
}

/// A `fused_adder` PE (parameters `GI`, its place in its group of `terms`
/// rows, and `LAST`): its exact product `a_in * w_use` joins the products
/// the group's PEs above pass down beside the partial sum (`p_in`: the
/// partial sum in the low bits, then one packed product per PE above); the
/// group's last PE adds the partial sum and the group's products in one
/// fused adder (`fp::fused_items`) and passes the sum alone.
fn fused_group(f: &FpArith, terms: u32, extra: u32) -> Vec<Item> {
    let (da, xa) = fp::decode("na", id("a_in"), f.operand, f.mode);
    let (dw, xw) = fp::decode("nw", id("w_use"), f.operand, f.mode);
    let (dp, xp) = fp::product("np", &xa, &xw);
    let wp = 2 * (f.operand.man_bits + 1);
    let pb = fp::packed_bits(wp);
    let psw = f.psum.bits();
    let vw = psw + (terms - 1) * pb;
    let mut v: Vec<Item> = da.into_iter().chain(dw).chain(dp).collect();
    v.push(wire_eq("own", bits(i64::from(pb)), fp::pack(&xp)));
    // Bits of p_in above the partial sum and the first `g` products.
    let above = |g: u32| {
        let lo = psw + g * pb;
        (lo < vw).then(|| {
            wire_eq(
                "unused_up",
                None,
                concat(vec![
                    sized(1, 0),
                    id("p_in").slice(i64::from(vw - 1), i64::from(lo)),
                ])
                .any(),
            )
        })
    };
    let padded = |x: Expr, w: u32| {
        if w < vw {
            concat(vec![repeat(int(i64::from(vw - w)), sized(1, 0)), x])
        } else {
            x
        }
    };
    for g in 0..terms {
        let mut last = vec![wire("fsum", bits(i64::from(psw)))];
        let mut prods = Vec::new();
        for j in 0..g {
            let (ui, xj) = fp::unpack(
                &format!("q{j}"),
                id("p_in").part(i64::from(psw + j * pb), i64::from(pb)),
                wp,
            );
            last.extend(ui);
            prods.push(xj);
        }
        // This PE's own product, through the same packing.
        let (uo, xo) = fp::unpack("qo", id("own"), wp);
        last.extend(uo);
        prods.push(xo);
        last.extend(fp::fused_items(
            "fz",
            id("p_in").slice(i64::from(psw - 1), 0),
            &prods,
            f.psum,
            extra,
            f.mode,
            "fsum",
        ));
        last.push(assign("sum", padded(id("fsum"), psw)));
        last.extend(above(g));
        let body = if g + 1 == terms {
            last
        } else {
            let mut pass = vec![assign(
                "sum",
                padded(
                    concat(vec![
                        id("own"),
                        id("p_in").slice(i64::from(psw + g * pb - 1), 0),
                    ]),
                    psw + (g + 1) * pb,
                ),
            )];
            pass.extend(above(g));
            vec![Item::GenIf {
                cond: id("LAST").ne(0),
                label: format!("add{g}"),
                then: last,
                otherwise: pass,
            }]
        };
        v.push(Item::GenIf {
            cond: id("GI").eq(i64::from(g)),
            label: format!("gi{g}"),
            then: body,
            otherwise: Vec::new(),
        });
    }
    v
}
