//! The report as Markdown (`summary.md`): the same sections, tables as pipe
//! tables, plots as links to their PNG files; long tables left to the HTML.

use super::site::{Block, Page};
use std::fmt::Write as _;

/// Escapes the characters that would break a pipe-table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The page as Markdown.
pub fn page(p: &Page) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n\n{}\n", p.title, p.subtitle);
    for sec in &p.sections {
        let _ = writeln!(s, "## {}\n", sec.heading);
        for b in &sec.blocks {
            match b {
                Block::Para(t) => {
                    let _ = writeln!(s, "{t}\n");
                }
                Block::Figure(f) => {
                    let _ = writeln!(
                        s,
                        "![{}]({}.png)\n\n*{}* ([SVG]({}.svg))\n",
                        f.title, f.name, f.caption, f.name
                    );
                }
                Block::Table(t) if !t.html_only => {
                    let _ = writeln!(
                        s,
                        "| {} |",
                        t.header
                            .iter()
                            .map(|h| cell(h))
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
                            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
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
