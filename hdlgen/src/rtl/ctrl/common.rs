//! What both controllers share: the counter width, the ports every
//! controller has, and the run state (`now`, `busy`, `done`, latched sizes).

use crate::ast::*;

/// Bits of the os controller's cycle counter and of every 32-bit count
/// (the ws controller's are sized to the design: `Config::ctrl_width`).
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

/// What the os controller does as a run starts: `now` = 0 and the sizes latched.
pub(super) fn latch_sizes(dims: &[&str]) -> Vec<Stmt> {
    let mut on_start = vec![nb("now", zero())];
    for d in dims {
        let q = format!("{d}_q");
        on_start.push(nb(q.as_str(), *d));
    }
    on_start
}

/// `busy` and `done`: `on_start` as a run starts, `step` in each of its
/// cycles (with `now` counting them when `now` is set), until `finish`.
pub(super) fn run_state(
    on_start: Vec<Stmt>,
    finish: Expr,
    step: Vec<Stmt>,
    now: bool,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = vec![nb("busy", sized(1, 1))];
    start.extend(on_start);
    let mut s = Vec::new();
    if now {
        s.push(nb("now", id("now").add(one())));
    }
    s.push(if_(
        finish,
        vec![nb("busy", sized(1, 0)), nb("done", sized(1, 1))],
    ));
    s.extend(step);
    items.push(always_ff(vec![if_else(
        id("rst"),
        vec![nb("busy", sized(1, 0)), nb("done", sized(1, 0))],
        vec![
            nb("done", sized(1, 0)),
            if_else(
                id("start").and(id("busy").not()),
                start,
                vec![if_(id("busy"), s)],
            ),
        ],
    )]));
    items
}

/// Slices a `width`-bit address to `aw` bits; the dropped bits go to an `unused_*` wire.
pub(super) fn slice_addr(port: &str, full: &str, aw: &str, width: impl Into<Expr>) -> Vec<Item> {
    let width = width.into();
    vec![
        assign(port, id(full).slice(id(aw).sub(1), 0)),
        wire_eq(
            &format!("unused_{port}"),
            None,
            concat(vec![sized(1, 0), id(full).slice(width.sub(1), id(aw))]).any(),
        ),
    ]
}
