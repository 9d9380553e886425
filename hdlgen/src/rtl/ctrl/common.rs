//! What both controllers share: the ports every controller has, the run
//! state (`busy`, `done`) and address slicing.

use crate::ast::*;

/// Bits of the size ports (the top's `cmd_m`, `cmd_k`, `cmd_n`); the
/// controllers use their low `Config::ctrl_width` bits.
const SIZE_BITS: i64 = 32;

pub(super) fn common_ports(m: &mut Module, dims: &[(&str, &str)]) {
    m.param("ROWS", 4, "PE rows").param("COLS", 4, "PE columns");
    m.port(input("clk", None, ""))
        .port(input("rst", None, "synchronous, active high"))
        .port(input("start", None, "accept a GEMM (ignored while busy)"));
    for (d, doc) in dims {
        m.port(input(d, bits(SIZE_BITS), doc));
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

/// `busy` and `done`: `step` in each cycle of a run, until `finish`. While
/// idle, the run's first state (`on_start`, from the size inputs) is loaded
/// in every cycle, whether `start` is high or not, so that the start
/// command (which the top decodes from the command inputs) reaches `busy`
/// alone rather than every register's enable.
pub(super) fn run_state(on_start: Vec<Stmt>, finish: Expr, step: Vec<Stmt>) -> Vec<Item> {
    let mut idle = vec![nb("busy", "start")];
    idle.extend(on_start);
    let mut run = vec![if_(
        finish,
        vec![nb("busy", sized(1, 0)), nb("done", sized(1, 1))],
    )];
    run.extend(step);
    vec![always_ff(vec![if_else(
        id("rst"),
        vec![nb("busy", sized(1, 0)), nb("done", sized(1, 0))],
        vec![nb("done", sized(1, 0)), if_else(id("busy"), run, idle)],
    )])]
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
