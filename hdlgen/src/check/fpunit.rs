//! The floating-point multiply-add cell alone, under Verilator
//! (`rtl::fp`): every pair of operand encodings of a format, times a set of
//! partial sums, against `sim::fp::rules::fma`.

use super::cache::private_temp_dir;
use crate::ast::*;
use crate::error::HdlError;
use crate::rtl::fp;
use crate::tools::{Tool, ToolPaths};
use sim::fp::rules::fma;
use sim::fp::{Format, Mode};
use std::fmt::Write as _;

/// What the exhaustive run found.
#[derive(Debug, Clone)]
pub struct UnitOutcome {
    /// Cases compared (operand pairs times partial sums).
    pub cases: u64,
    /// Cases whose output differed.
    pub mismatches: u64,
    /// The first few differences, as the testbench printed them
    /// (`a b c got want`, hex).
    pub first: Vec<String>,
    /// Seconds the simulation took (not the build).
    pub seconds: f64,
}

/// A module `name` with inputs `a`, `b` (format `op`) and `c` (format `ps`)
/// and output `y = round_ps(c + a * b)`: the cell the PEs inline.
pub fn fma_module(name: &str, op: Format, ps: Format, mode: Mode) -> Module {
    let mut m = Module::new(
        name,
        &["One fused multiply-add, y = round(c + a * b), rounded once to nearest even."],
    );
    m.port(input("a", bits(i64::from(op.bits())), "operand"))
        .port(input("b", bits(i64::from(op.bits())), "operand"))
        .port(input("c", bits(i64::from(ps.bits())), "partial sum"))
        .port(output("y", false, bits(i64::from(ps.bits())), ""));
    m.push(fp::fma_items(
        "f",
        (id("a"), id("b"), id("c")),
        op,
        ps,
        mode,
        "y",
    ));
    m
}

/// The testbench: for each partial sum `accs[k]` and each pair `(i, j)` of
/// operand encodings, `y` must equal `want[(k * 2^w + i) * 2^w + j]`.
fn testbench(unit: &str, op: Format, ps: Format, n_acc: usize) -> Module {
    let (ob, pb) = (i64::from(op.bits()), i64::from(ps.bits()));
    let span = 1i64 << ob;
    let total = n_acc as i64 * span * span;
    let mut m = Module::new("fp_tb", &["Every operand pair through the cell."]);
    let idx = id("k").mul(span).add("i").mul(span).add("j");
    let loop_ = |var: &str, bound: i64, body: Vec<Stmt>| {
        Stmt::For(
            var.into(),
            int(0),
            id(var).lt(bound),
            id(var).add(1),
            Box::new(Stmt::Block(body)),
        )
    };
    let compare = vec![
        set("a", "i"),
        set("b", "j"),
        set("c", id("accs").idx("k")),
        Stmt::Delay(1, Box::new(Stmt::Block(vec![]))),
        if_(
            id("y").ne(id("want").idx(idx.clone())),
            vec![
                set("bad", id("bad").add(1)),
                if_(
                    id("bad").le(20),
                    vec![task(
                        "$display",
                        vec![
                            string("MISMATCH %h %h %h %h %h"),
                            id("a"),
                            id("b"),
                            id("c"),
                            id("y"),
                            id("want").idx(idx),
                        ],
                    )],
                ),
            ],
        ),
    ];
    m.push([
        reg("a", bits(ob)),
        reg("b", bits(ob)),
        reg("c", bits(pb)),
        wire("y", bits(pb)),
        mem("accs", bits(pb), int(n_acc as i64)),
        mem("want", bits(pb), int(total)),
        decl(Net::Integer, false, "i", None, None, None),
        decl(Net::Integer, false, "j", None, None, None),
        decl(Net::Integer, false, "k", None, None, None),
        decl(Net::Integer, false, "bad", None, None, None),
        instance(
            unit,
            "u",
            vec![],
            vec![
                ("a", id("a")),
                ("b", id("b")),
                ("c", id("c")),
                ("y", id("y")),
            ],
        ),
        Item::Initial(Stmt::Block(vec![
            task("$readmemh", vec![string("accs.hex"), id("accs")]),
            task("$readmemh", vec![string("want.hex"), id("want")]),
            set("bad", int(0)),
            loop_(
                "k",
                n_acc as i64,
                vec![loop_("i", span, vec![loop_("j", span, compare)])],
            ),
            task(
                "$display",
                vec![string("CHECKED %0d MISMATCHES %0d"), int(total), id("bad")],
            ),
            task("$finish", vec![]),
        ])),
    ]);
    m
}

fn hex_lines(values: impl IntoIterator<Item = u32>) -> String {
    let mut s = String::new();
    for v in values {
        let _ = writeln!(s, "{v:x}");
    }
    s
}

/// Runs every pair of `op` encodings (`op` of at most 8 bits) times each of
/// `accs` (bits of `ps`) through the multiply-add cell under Verilator, and
/// compares each output with `sim::fp::rules::fma`'s.
pub fn exhaustive(
    op: Format,
    ps: Format,
    mode: Mode,
    accs: &[u32],
) -> Result<UnitOutcome, HdlError> {
    assert!(op.bits() <= 8, "an exhaustive run takes 8-bit operands");
    let span = 1u32 << op.bits();
    let mut want = Vec::with_capacity(accs.len() * (span * span) as usize);
    for &c in accs {
        for i in 0..span {
            let a = op.decode_in(i, mode);
            for j in 0..span {
                want.push(fma(ps, mode, c, &a, &op.decode_in(j, mode)));
            }
        }
    }
    let exe = Tool::Verilator.locate(&ToolPaths::default())?;
    let dir = private_temp_dir(&format!("fpunit-{}-{}", op.name, ps.name))?;
    let unit = fma_module("fp_fma", op, ps, mode);
    let tb = testbench("fp_fma", op, ps, accs.len());
    let files = [
        ("fp_fma.v", crate::print::module(&unit)),
        ("tb.v", crate::print::module(&tb)),
        ("accs.hex", hex_lines(accs.iter().copied())),
        ("want.hex", hex_lines(want)),
    ];
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(HdlError::io("write", &path))?;
    }
    let args = [
        "--binary",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--top-module",
        "fp_tb",
        "-O2",
        "--Mdir",
        "obj",
        "-o",
        "vtb",
        "fp_fma.v",
        "tb.v",
    ];
    let out = Tool::Verilator.run(&exe, &args, Some(&dir))?;
    if !out.ok {
        return Err(HdlError::ToolFailed {
            tool: Tool::Verilator.name(),
            step: "building the floating-point cell's testbench",
            excerpt: crate::tools::excerpt(&out.output(), None),
            status: out.status,
            dir,
        });
    }
    let bin = dir.join("obj/vtb");
    let t0 = std::time::Instant::now();
    let run =
        crate::tools::run(&bin, &[] as &[&str], Some(&dir)).map_err(HdlError::io("run", &bin))?;
    let seconds = t0.elapsed().as_secs_f64();
    let text = run.output();
    let first: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("MISMATCH "))
        .map(str::to_string)
        .collect();
    let summary = text.lines().find_map(|l| {
        let rest = l.strip_prefix("CHECKED ")?;
        let (cases, bad) = rest.split_once(" MISMATCHES ")?;
        Some((cases.trim().parse().ok()?, bad.trim().parse().ok()?))
    });
    let Some((cases, mismatches)) = summary else {
        return Err(HdlError::ToolFailed {
            tool: "the Verilator testbench",
            step: "checking the floating-point cell",
            excerpt: crate::tools::excerpt(&text, None),
            status: run.status,
            dir,
        });
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(UnitOutcome {
        cases,
        mismatches,
        first,
        seconds,
    })
}
