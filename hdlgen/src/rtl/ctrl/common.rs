//! What both controllers share: the counter width, the ports every
//! controller has, and the run state (`now`, `busy`, `done`, latched sizes).

use crate::ast::*;

/// Bits of the controllers' cycle counters and sizes.
pub(super) const CW: i64 = 32;

pub(super) fn w() -> Option<Range> {
    bits(CW)
}

pub(super) fn zero() -> Expr {
    sized(CW as u32, 0)
}

pub(super) fn one() -> Expr {
    sized(CW as u32, 1)
}

pub(super) fn common_ports(m: &mut Module, dims: &[(&str, &str)]) {
    m.param("ROWS", 4, "PE rows").param("COLS", 4, "PE columns");
    m.port(input("clk", None, ""))
        .port(input("rst", None, "synchronous, active high"))
        .port(input("start", None, "accept a GEMM (ignored while busy)"));
    for (d, doc) in dims {
        m.port(input(d, w(), doc));
    }
    m.port(output(
        "busy",
        true,
        None,
        "high from the cycle after start to the GEMM's last cycle",
    ))
    .port(output(
        "done",
        true,
        None,
        "one-cycle pulse after the last cycle",
    ));
}

pub(super) fn addr_port(m: &mut Module, name: &str, aw: &str, doc: &str) {
    m.param(aw, 4, &format!("{doc} address bits"));
    m.port(output(name, false, bits(aw), doc));
}

/// `now`, `busy`, `done` and the latched sizes: the part every controller shares.
pub(super) fn run_decls(dims: &[&str]) -> Vec<Item> {
    let mut items = vec![reg("now", w())];
    items.extend(dims.iter().map(|d| reg(&format!("{d}_q"), w())));
    items
}

pub(super) fn run_state(
    dims: &[&str],
    extra_reset: Vec<Stmt>,
    finish: Expr,
    step: Vec<Stmt>,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut on_start = vec![nb("busy", sized(1, 1)), nb("now", zero())];
    for d in dims {
        let q = format!("{d}_q");
        on_start.push(nb(q.as_str(), *d));
    }
    on_start.extend(extra_reset);
    items.push(always_ff(vec![if_else(
        id("rst"),
        vec![nb("busy", sized(1, 0)), nb("done", sized(1, 0))],
        vec![
            nb("done", sized(1, 0)),
            if_else(
                id("start").and(id("busy").not()),
                on_start,
                vec![if_(id("busy"), {
                    let mut s = vec![
                        nb("now", id("now").add(one())),
                        if_(
                            finish,
                            vec![nb("busy", sized(1, 0)), nb("done", sized(1, 1))],
                        ),
                    ];
                    s.extend(step);
                    s
                })],
            ),
        ],
    )]));
    items
}

/// Slices a 32-bit address to `aw` bits; the dropped bits go to an `unused_*` wire.
pub(super) fn slice_addr(port: &str, full: &str, aw: &str) -> Vec<Item> {
    vec![
        assign(port, id(full).slice(id(aw).sub(1), 0)),
        wire_eq(
            &format!("unused_{port}"),
            None,
            concat(vec![sized(1, 0), id(full).slice(CW - 1, id(aw))]).any(),
        ),
    ]
}
