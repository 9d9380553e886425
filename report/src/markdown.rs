//! The report as Markdown (`summary.md`): the same sections, tables as pipe
//! tables, plots as links to their PNG files; long tables left to the HTML.

use super::site::{Block, Page};
use std::fmt::Write as _;

/// Text as Markdown shows it literally: characters Markdown would read as
/// markup (emphasis, code, links, headings, tables) are backslash-escaped,
/// `<`, `>` and `&` become HTML entities (so no raw HTML reaches a
/// renderer), and line breaks become spaces. Every string of a report,
/// including names from a results file, goes through here.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A file name as a link target: only the characters report files use.
fn target(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The page as Markdown.
pub fn page(p: &Page) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n\n{}\n", escape(&p.title), escape(&p.subtitle));
    for sec in &p.sections {
        let _ = writeln!(s, "## {}\n", escape(&sec.heading));
        for b in &sec.blocks {
            match b {
                Block::Para(t) => {
                    let _ = writeln!(s, "{}\n", escape(t));
                }
                Block::Figure(f) => {
                    let _ = writeln!(
                        s,
                        "![{}]({}.png)\n\n*{}* ([SVG]({}.svg))\n",
                        escape(&f.title),
                        target(&f.name),
                        escape(&f.caption),
                        target(&f.name)
                    );
                }
                Block::Table(t) if !t.html_only => {
                    let _ = writeln!(
                        s,
                        "| {} |",
                        t.header
                            .iter()
                            .map(|h| escape(h))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                    let _ = writeln!(
                        s,
                        "|{}",
                        t.header.iter().map(|_| "---|").collect::<String>()
                    );
                    for r in &t.rows {
                        let _ = writeln!(
                            s,
                            "| {} |",
                            r.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    s.push('\n');
                }
                Block::Table(_) => {
                    let _ = writeln!(s, "(The full table is in index.html.)\n");
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files_cannot_become_markup() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(escape("a|b\n# c *d* `e`"), "a\\|b \\# c \\*d\\* \\`e\\`");
        assert_eq!(
            escape("resnet50 on 32x32 ws, 1.5 ms"),
            "resnet50 on 32x32 ws, 1.5 ms"
        );
        assert_eq!(target("a b/../c"), "a_b_.._c");
    }
}
