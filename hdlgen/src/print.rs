//! The one Verilog printer: `Module` -> Verilog-2001 text, four-space indents,
//! every binary operation parenthesized (no precedence surprises).

use crate::ast::{Dir, Expr, Item, Module, Net, Range, Stmt, UnOp};
use crate::text::{one_line, verilog_string};
use std::fmt::Write;

/// Prints one module, preceded by its header comment.
pub fn module(m: &Module) -> String {
    let mut out = String::new();
    for line in &m.doc {
        comment(&mut out, 0, line);
    }
    out.push_str("module ");
    out.push_str(&m.name);
    if !m.params.is_empty() {
        out.push_str(" #(\n");
        let width = m.params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for (i, p) in m.params.iter().enumerate() {
            let sep = if i + 1 < m.params.len() { "," } else { "" };
            let line = format!("    parameter {:width$} = {}{sep}", p.name, top(&p.value));
            tail_doc(&mut out, line, &p.doc);
        }
        out.push(')');
    }
    out.push_str(" (\n");
    let heads: Vec<String> = m.ports.iter().map(port_head).collect();
    let width = heads.iter().map(String::len).max().unwrap_or(0);
    for (i, (p, head)) in m.ports.iter().zip(&heads).enumerate() {
        let sep = if i + 1 < m.ports.len() { "," } else { "" };
        let line = format!("    {head:width$} {}{sep}", p.name);
        tail_doc(&mut out, line, &p.doc);
    }
    out.push_str(");\n");
    for item in &m.items {
        print_item(&mut out, 1, item);
    }
    out.push_str("endmodule\n");
    out
}

fn tail_doc(out: &mut String, line: String, doc: &str) {
    out.push_str(&line);
    if !doc.is_empty() {
        out.push_str(" // ");
        out.push_str(&one_line(doc));
    }
    out.push('\n');
}

fn port_head(p: &crate::ast::Port) -> String {
    let dir = match p.dir {
        Dir::Input => "input ",
        Dir::Output => "output",
    };
    let net = match p.net {
        Net::Wire => "wire",
        Net::Reg => "reg ",
        Net::Integer => "integer",
        Net::Genvar => "genvar",
    };
    let signed = if p.signed { " signed" } else { "" };
    match &p.range {
        Some(r) => format!("{dir} {net}{signed} {}", range(r)),
        None => format!("{dir} {net}{signed}"),
    }
}

fn range(r: &Range) -> String {
    format!("[{}:{}]", top(&r.msb), top(&r.lsb))
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn comment(out: &mut String, level: usize, text: &str) {
    indent(out, level);
    if text.is_empty() {
        out.push_str("//\n");
    } else {
        let _ = writeln!(out, "// {}", one_line(text));
    }
}

fn print_item(out: &mut String, level: usize, item: &Item) {
    match item {
        Item::Comment(text) => comment(out, level, text),
        Item::Attribute(text) => {
            indent(out, level);
            let _ = writeln!(out, "(* {text} *)");
        }
        Item::Localparam(name, value) => {
            indent(out, level);
            let _ = writeln!(out, "localparam {name} = {};", top(value));
        }
        Item::Decl {
            net,
            signed,
            range: r,
            name,
            depth,
            value,
        } => {
            indent(out, level);
            out.push_str(match net {
                Net::Wire => "wire",
                Net::Reg => "reg",
                Net::Integer => "integer",
                Net::Genvar => "genvar",
            });
            if *signed {
                out.push_str(" signed");
            }
            if let Some(r) = r {
                out.push(' ');
                out.push_str(&range(r));
            }
            out.push(' ');
            out.push_str(name);
            if let Some(d) = depth {
                let _ = write!(out, " [0:{}]", top(&d.clone().sub(1)));
            }
            if let Some(v) = value {
                let _ = write!(out, " = {}", top(v));
            }
            out.push_str(";\n");
        }
        Item::Assign(lhs, rhs) => {
            indent(out, level);
            let _ = writeln!(out, "assign {} = {};", expr(lhs), top(rhs));
        }
        Item::AlwaysFf(clk, body) => {
            indent(out, level);
            let _ = write!(out, "always @(posedge {clk}) ");
            stmt_inline(out, level, body);
        }
        Item::AlwaysComb(body) => {
            indent(out, level);
            out.push_str("always @* ");
            stmt_inline(out, level, body);
        }
        Item::Initial(body) => {
            indent(out, level);
            out.push_str("initial ");
            stmt_inline(out, level, body);
        }
        Item::Always(body) => {
            indent(out, level);
            out.push_str("always ");
            stmt_inline(out, level, body);
        }
        Item::Instance {
            module,
            name,
            params,
            ports,
        } => {
            indent(out, level);
            out.push_str(module);
            if !params.is_empty() {
                out.push_str(" #(\n");
                for (i, (p, v)) in params.iter().enumerate() {
                    indent(out, level + 1);
                    let sep = if i + 1 < params.len() { "," } else { "" };
                    let _ = writeln!(out, ".{p}({}){sep}", top(v));
                }
                indent(out, level);
                out.push(')');
            }
            let _ = writeln!(out, " {name} (");
            for (i, (p, v)) in ports.iter().enumerate() {
                indent(out, level + 1);
                let sep = if i + 1 < ports.len() { "," } else { "" };
                let _ = writeln!(out, ".{p}({}){sep}", top(v));
            }
            indent(out, level);
            out.push_str(");\n");
        }
        Item::GenFor {
            var,
            from,
            to,
            label,
            body,
        } => {
            indent(out, level);
            let _ = writeln!(
                out,
                "for ({var} = {}; {var} < {}; {var} = {var} + 1) begin : {label}",
                top(from),
                top(to)
            );
            for i in body {
                print_item(out, level + 1, i);
            }
            indent(out, level);
            out.push_str("end\n");
        }
        Item::GenIf {
            cond,
            label,
            then,
            otherwise,
        } => {
            indent(out, level);
            let _ = writeln!(out, "if ({}) begin : {label}", top(cond));
            for i in then {
                print_item(out, level + 1, i);
            }
            indent(out, level);
            if otherwise.is_empty() {
                out.push_str("end\n");
            } else {
                let _ = writeln!(out, "end else begin : {label}_else");
                for i in otherwise {
                    print_item(out, level + 1, i);
                }
                indent(out, level);
                out.push_str("end\n");
            }
        }
    }
}

/// Prints a statement that follows a keyword on the same line.
fn stmt_inline(out: &mut String, level: usize, s: &Stmt) {
    match s {
        Stmt::Block(body) => {
            out.push_str("begin\n");
            for st in body {
                print_stmt(out, level + 1, st);
            }
            indent(out, level);
            out.push_str("end\n");
        }
        other => {
            out.push('\n');
            print_stmt(out, level + 1, other);
        }
    }
}

fn print_stmt(out: &mut String, level: usize, s: &Stmt) {
    match s {
        Stmt::Block(body) => {
            indent(out, level);
            stmt_inline(out, level, &Stmt::Block(body.clone()));
        }
        Stmt::If(c, then, otherwise) => {
            indent(out, level);
            let _ = write!(out, "if ({}) ", top(c));
            match otherwise {
                None => stmt_inline(out, level, then),
                Some(e) => {
                    // `end else ...` on one line.
                    let mut t = String::new();
                    stmt_inline(&mut t, level, then);
                    out.push_str(t.trim_end_matches('\n'));
                    out.push_str(" else ");
                    if let Stmt::If(..) = e.as_ref() {
                        let mut nested = String::new();
                        print_stmt(&mut nested, level, e);
                        out.push_str(nested.trim_start());
                    } else {
                        stmt_inline(out, level, e);
                    }
                }
            }
        }
        Stmt::Nb(l, r) => {
            indent(out, level);
            let _ = writeln!(out, "{} <= {};", expr(l), top(r));
        }
        Stmt::Set(l, r) => {
            indent(out, level);
            let _ = writeln!(out, "{} = {};", expr(l), top(r));
        }
        Stmt::For(var, from, cond, step, body) => {
            indent(out, level);
            let _ = write!(
                out,
                "for ({var} = {}; {}; {var} = {}) ",
                top(from),
                top(cond),
                top(step)
            );
            stmt_inline(out, level, body);
        }
        Stmt::While(c, body) => {
            indent(out, level);
            let _ = write!(out, "while ({}) ", top(c));
            stmt_inline(out, level, body);
        }
        Stmt::Task(name, args) => {
            indent(out, level);
            if args.is_empty() {
                let _ = writeln!(out, "{name};");
            } else {
                let args: Vec<String> = args.iter().map(expr).collect();
                let _ = writeln!(out, "{name}({});", args.join(", "));
            }
        }
        Stmt::WaitPosedge(clk) => {
            indent(out, level);
            let _ = writeln!(out, "@(posedge {clk});");
        }
        Stmt::WaitNegedge(clk) => {
            indent(out, level);
            let _ = writeln!(out, "@(negedge {clk});");
        }
        Stmt::Delay(n, body) => {
            indent(out, level);
            let mut inner = String::new();
            print_stmt(&mut inner, 0, body);
            let _ = write!(out, "#{n} {inner}");
        }
    }
}

/// Prints an expression where it stands alone (no outer parentheses needed).
pub fn top(e: &Expr) -> String {
    match e {
        Expr::Binary(a, op, b) => format!("{} {} {}", expr(a), op.symbol(), expr(b)),
        Expr::Ternary(c, a, b) => format!("{} ? {} : {}", expr(c), expr(a), expr(b)),
        _ => expr(e),
    }
}

/// Prints an expression.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Id(n) => n.clone(),
        Expr::Int(v) => v.to_string(),
        Expr::Sized(w, v) if *w == 1 => format!("1'b{v}"),
        Expr::Sized(w, v) => format!("{w}'d{v}"),
        Expr::Str(s) => verilog_string(s),
        Expr::Unary(op, x) => {
            let sym = match op {
                UnOp::Not => "!",
                UnOp::BitNot => "~",
                UnOp::Neg => "-",
                UnOp::RedOr => "|",
                UnOp::RedAnd => "&",
            };
            format!("{sym}{}", atom(x))
        }
        Expr::Binary(a, op, b) => format!("({} {} {})", expr(a), op.symbol(), expr(b)),
        Expr::Ternary(c, a, b) => format!("({} ? {} : {})", expr(c), expr(a), expr(b)),
        Expr::Index(x, i) => format!("{}[{}]", atom(x), expr(i)),
        Expr::Slice(x, m, l) => format!("{}[{}:{}]", atom(x), expr(m), expr(l)),
        Expr::Part(x, b, w) => format!("{}[{} +: {}]", atom(x), expr(b), expr(w)),
        Expr::Concat(parts) => {
            let p: Vec<String> = parts.iter().map(expr).collect();
            format!("{{{}}}", p.join(", "))
        }
        Expr::Repeat(n, x) => format!("{{{}{{{}}}}}", expr(n), expr(x)),
        Expr::Call(name, args) => {
            let a: Vec<String> = args.iter().map(expr).collect();
            format!("{name}({})", a.join(", "))
        }
    }
}

/// An expression as an operand of indexing or a unary operator.
fn atom(e: &Expr) -> String {
    match e {
        Expr::Id(_)
        | Expr::Int(_)
        | Expr::Sized(..)
        | Expr::Binary(..)
        | Expr::Ternary(..)
        | Expr::Index(..)
        | Expr::Concat(_)
        | Expr::Repeat(..)
        | Expr::Call(..) => expr(e),
        _ => format!("({})", expr(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::*;

    #[test]
    fn prints_a_parameterized_module_with_generate_and_memory() {
        let mut m = Module::new("demo", &["A demo."]);
        m.param("W", 8, "operand bits")
            .port(input("clk", None, "clock"))
            .port(input("d", bits("W"), ""))
            .port(output("q", true, bits("W"), "registered d"));
        m.push([
            mem("ram", bits("W"), int(16)),
            wire_eq("x", None, id("d").idx(0).and(id("d").idx(1).not())),
            gen_for(
                "g",
                int(0),
                id("W"),
                "bit",
                vec![assign(id("y").idx("g"), id("d").idx(id("g")))],
            ),
            always_ff(vec![if_else(
                id("x"),
                vec![nb("q", id("d").add(1))],
                vec![nb("q", sized(8, 0))],
            )]),
        ]);
        let text = module(&m);
        let expected = "\
// A demo.
module demo #(
    parameter W = 8 // operand bits
) (
    input  wire           clk, // clock
    input  wire [W - 1:0] d,
    output reg  [W - 1:0] q // registered d
);
    reg [W - 1:0] ram [0:16 - 1];
    wire x = d[0] && !d[1];
    for (g = 0; g < W; g = g + 1) begin : bit
        assign y[g] = d[g];
    end
    always @(posedge clk) begin
        if (x) begin
            q <= d + 1;
        end else begin
            q <= 8'd0;
        end
    end
endmodule
";
        assert_eq!(text, expected);
    }

    #[test]
    fn comments_and_strings_never_end_early() {
        let m = Module::new("m", &["from design `x\nmodule evil; endmodule\n//`"]);
        let text = module(&m);
        assert!(
            text.starts_with("// from design `x\\nmodule evil; endmodule\\n//`\nmodule m ("),
            "{text}"
        );
        assert_eq!(
            expr(&string("a\"); $system(\"rm")),
            r#""a\"); $system(\"rm""#
        );
    }

    #[test]
    fn unary_operands_of_compound_expressions_are_parenthesized() {
        assert_eq!(expr(&id("a").add("b").not()), "!(a + b)");
        assert_eq!(expr(&id("a").part(id("i").mul(8), 8)), "a[(i * 8) +: 8]");
        assert_eq!(expr(&repeat(int(4), sized(1, 0))), "{4{1'b0}}");
    }
}
