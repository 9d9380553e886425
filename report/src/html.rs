//! The report as one self-contained HTML page: styles inline, every plot an
//! inline SVG, no scripts and nothing fetched from anywhere.

use super::site::{Block, Page, Table};
use super::Figure;
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; margin: 0; background: #f4f5f7; color: #222; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; }
.subtitle { color: #555; margin: 0 0 1em; }
h2 { font-size: 1.3em; margin: 1.8em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid #e2e4e8; }
h3 { font-size: 1.05em; margin: 0.6em 0 0.3em; }
nav ul { columns: 2; margin: 0.3em 0 1em; padding-left: 1.2em; }
figure { margin: 1em 0 1.6em; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid #e2e4e8; }
figcaption { color: #444; font-size: 0.92em; margin-top: 0.4em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #dcdfe4; padding: 3px 8px; }
th { background: #eef0f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafbfc; }
details { margin: 0.5em 0 1em; }
.scroll { max-height: 520px; overflow: auto; display: inline-block; }
.row { display: flex; flex-wrap: wrap; gap: 0 28px; align-items: flex-start; }
";

/// The page as HTML text.
pub fn page(p: &Page) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"systolic\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(&p.title)
    );
    let _ = writeln!(s, "<h1>{}</h1>", escape(&p.title));
    let _ = writeln!(s, "<p class=\"subtitle\">{}</p>", escape(&p.subtitle));
    s.push_str("<nav><ul>\n");
    for (i, sec) in p.sections.iter().enumerate() {
        let _ = writeln!(s, "<li><a href=\"#s{i}\">{}</a></li>", escape(&sec.heading));
    }
    s.push_str("</ul></nav>\n");
    for (i, sec) in p.sections.iter().enumerate() {
        let _ = writeln!(
            s,
            "<section id=\"s{i}\">\n<h2>{}</h2>",
            escape(&sec.heading)
        );
        let mut in_row = false;
        for (k, b) in sec.blocks.iter().enumerate() {
            let next_is_table = matches!(sec.blocks.get(k + 1), Some(Block::Table(_)));
            match b {
                Block::Para(t) => {
                    let _ = writeln!(s, "<p>{}</p>", escape(t));
                }
                Block::Figure(f) => figure(&mut s, f),
                Block::Table(t) => {
                    // Tables that follow each other sit side by side.
                    if !in_row && next_is_table {
                        s.push_str("<div class=\"row\">\n");
                        in_row = true;
                    }
                    table(&mut s, t);
                    if in_row && !next_is_table {
                        s.push_str("</div>\n");
                        in_row = false;
                    }
                }
            }
        }
        s.push_str("</section>\n");
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn figure(s: &mut String, f: &Figure) {
    let _ = writeln!(s, "<figure id=\"fig-{}\">", escape(&f.name));
    s.push_str(&inline_svg(&f.svg, &f.title));
    let _ = writeln!(
        s,
        "<figcaption>{} Files: <a href=\"{n}.svg\">{n}.svg</a>, <a href=\"{n}.png\">{n}.png</a>.</figcaption>\n</figure>",
        escape(&f.caption),
        n = escape(&f.name)
    );
}

/// An SVG document ready to sit inside HTML: the XML namespace attribute
/// (implied in HTML) dropped, and an accessible name added.
fn inline_svg(svg: &str, title: &str) -> String {
    let body = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    body.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(title)),
        1,
    )
}

fn numeric(cell: &str) -> bool {
    let c = cell.trim_start_matches('-');
    c.chars().next().is_some_and(|ch| ch.is_ascii_digit())
}

fn table(s: &mut String, t: &Table) {
    let long = t.rows.len() > 25;
    if long {
        s.push_str("<div class=\"scroll\">");
    }
    s.push_str("<table>\n<thead><tr>");
    for h in &t.header {
        let _ = write!(s, "<th>{}</th>", escape(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        s.push_str("<tr>");
        for c in r {
            if numeric(c) {
                let _ = write!(s, "<td class=\"num\">{}</td>", escape(c));
            } else {
                let _ = write!(s, "<td>{}</td>", escape(c));
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>");
    if long {
        s.push_str("</div>");
    }
    s.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert!(numeric("1,234") && numeric("-0.5") && !numeric("conv") && !numeric(""));
    }
}
