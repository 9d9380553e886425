//! The floating-point multiply-add cell alone, under Verilator
//! (`rtl::fp`): every pair of operand encodings of a format, times a set of
//! partial sums, against `sim::fp::rules::fma`.

use super::cache::private_temp_dir;
use super::tb::count_loop;
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
    let loop_ = |var: &str, bound: i64, body: Vec<Stmt>| count_loop(var, int(bound), body);
    let compare = vec![
        set("a", "i"),
        set("b", "j"),
        set("c", id("accs").idx("k")),
        Stmt::Delay(1, Box::new(Stmt::Block(vec![]))),
        mismatch(
            id("y").ne(id("want").idx(idx.clone())),
            vec![
                string("MISMATCH %h %h %h %h %h"),
                id("a"),
                id("b"),
                id("c"),
                id("y"),
                id("want").idx(idx),
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

/// When `differs`, counts a mismatch in `bad` and prints the first 20
/// (`$display` of `what`).
fn mismatch(differs: Expr, what: Vec<Expr>) -> Stmt {
    if_(
        differs,
        vec![
            set("bad", id("bad").add(1)),
            if_(id("bad").le(20), vec![task("$display", what)]),
        ],
    )
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
    let unit = fma_module("fp_fma", op, ps, mode);
    let tb = testbench("fp_fma", op, ps, accs.len());
    run_unit(
        &format!("{}-{}", op.name, ps.name),
        &unit,
        &tb,
        &[
            ("accs.hex", hex_lines(accs.iter().copied())),
            ("want.hex", hex_lines(want)),
        ],
    )
}

/// Builds `unit` and its testbench `tb` (module `fp_tb`, which reads
/// `data` files and prints `MISMATCH ...` lines and a `CHECKED n
/// MISMATCHES m` summary) under Verilator in a private temporary folder,
/// runs it, and reads what it found.
fn run_unit(
    tag: &str,
    unit: &Module,
    tb: &Module,
    data: &[(&str, String)],
) -> Result<UnitOutcome, HdlError> {
    let exe = Tool::Verilator.locate(&ToolPaths::default())?;
    let dir = private_temp_dir(&format!("fpunit-{tag}"))?;
    let unit_file = format!("{}.v", unit.name);
    let mut files = vec![
        (unit_file.as_str(), crate::print::module(unit)),
        ("tb.v", crate::print::module(tb)),
    ];
    files.extend(data.iter().map(|(n, t)| (*n, t.clone())));
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
        unit_file.as_str(),
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

/// A module `name`: the fused adder of `terms` products (inputs `a{i}`,
/// `b{i}` of `op`) and a partial sum `c` (of `ps`), output `y`.
pub fn fused_module(
    name: &str,
    op: Format,
    ps: Format,
    terms: u32,
    extra: u32,
    mode: Mode,
) -> Module {
    let mut m = Module::new(
        name,
        &["A tensor-core-style fused adder: c plus the products, aligned, truncated and rounded once."],
    );
    let ob = bits(i64::from(op.bits()));
    let mut prods = Vec::new();
    let mut items = Vec::new();
    for i in 0..terms {
        m.port(input(&format!("a{i}"), ob.clone(), "")).port(input(
            &format!("b{i}"),
            ob.clone(),
            "",
        ));
        let (va, xa) = fp::decode(&format!("pa{i}"), id(format!("a{i}")), op, mode);
        let (vb, xb) = fp::decode(&format!("pb{i}"), id(format!("b{i}")), op, mode);
        let (vp, xp) = fp::product(&format!("pp{i}"), &xa, &xb);
        items.extend(va.into_iter().chain(vb).chain(vp));
        prods.push(xp);
    }
    m.port(input("c", bits(i64::from(ps.bits())), "partial sum"))
        .port(output("y", false, bits(i64::from(ps.bits())), ""));
    items.extend(fp::fused_items("fz", id("c"), &prods, ps, extra, mode, "y"));
    m.push(items);
    m
}

/// Runs `cases` random vectors (encodings from `gen`: `terms` operand
/// pairs and a partial sum) through the fused adder under Verilator and
/// compares each output with `sim::fp::rules::fused`'s.
pub fn fused_random(
    op: Format,
    ps: Format,
    mode: Mode,
    (terms, extra): (u32, u32),
    vectors: &[(Vec<(u32, u32)>, u32)],
) -> Result<UnitOutcome, HdlError> {
    let (ob, pb) = (op.bits(), ps.bits());
    // One line per case: y_want, c, then a_i, b_i from the last pair down.
    let width = 2 * pb + 2 * terms * ob;
    let mut text = String::new();
    for (pairs, c) in vectors {
        let decoded: Vec<(sim::fp::Value, sim::fp::Value)> = pairs
            .iter()
            .map(|&(a, b)| (op.decode_in(a, mode), op.decode_in(b, mode)))
            .collect();
        let want = sim::fp::rules::fused(ps, mode, extra, *c, &decoded);
        // (Every field is a whole number of hex digits: 8, 16 or 32 bits.)
        let hex = |v: u32, bits: u32| format!("{v:0w$x}", w = (bits / 4) as usize);
        let mut line = hex(want, pb) + &hex(*c, pb);
        for &(a, b) in pairs.iter().rev() {
            line += &hex(a, ob);
            line += &hex(b, ob);
        }
        let _ = writeln!(text, "{line}");
    }
    let mut tb = Module::new("fp_tb", &["Random vectors through the fused adder."]);
    let n = vectors.len() as i64;
    let field = |lsb: u32, w: u32| {
        id("vec")
            .idx("k")
            .slice(i64::from(lsb + w - 1), i64::from(lsb))
    };
    let mut ports = vec![("c", id("c")), ("y", id("y"))];
    let mut sets = Vec::new();
    let names: Vec<(String, String)> = (0..terms)
        .map(|i| (format!("a{i}"), format!("b{i}")))
        .collect();
    for (i, (a, b)) in names.iter().enumerate() {
        // Pair i sits at bits [2*ob*i + ob +: ob] (a) and [2*ob*i +: ob] (b).
        let base = 2 * ob * i as u32;
        sets.push(set(a.as_str(), field(base + ob, ob)));
        sets.push(set(b.as_str(), field(base, ob)));
        ports.push((a.as_str(), id(a.as_str())));
        ports.push((b.as_str(), id(b.as_str())));
    }
    let cl = 2 * ob * terms;
    sets.push(set("c", field(cl, pb)));
    sets.push(Stmt::Delay(1, Box::new(Stmt::Block(vec![]))));
    sets.push(mismatch(
        id("y").ne(field(cl + pb, pb)),
        vec![string("MISMATCH %h got %h"), id("vec").idx("k"), id("y")],
    ));
    let mut decls = vec![
        reg("c", bits(i64::from(pb))),
        wire("y", bits(i64::from(pb))),
        mem("vec", bits(i64::from(width)), int(n)),
        decl(Net::Integer, false, "k", None, None, None),
        decl(Net::Integer, false, "bad", None, None, None),
    ];
    for (a, b) in &names {
        decls.push(reg(a, bits(i64::from(ob))));
        decls.push(reg(b, bits(i64::from(ob))));
    }
    tb.push(decls);
    tb.push([
        instance("fp_fused", "u", vec![], ports),
        Item::Initial(Stmt::Block(vec![
            task("$readmemh", vec![string("vec.hex"), id("vec")]),
            set("bad", int(0)),
            count_loop("k", int(n), sets),
            task(
                "$display",
                vec![string("CHECKED %0d MISMATCHES %0d"), int(n), id("bad")],
            ),
            task("$finish", vec![]),
        ])),
    ]);
    let unit = fused_module("fp_fused", op, ps, terms, extra, mode);
    run_unit(
        &format!("fused-{}-{}", op.name, ps.name),
        &unit,
        &tb,
        &[("vec.hex", text)],
    )
}
