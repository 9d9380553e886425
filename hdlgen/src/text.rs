//! Escaping text for the formats `hdlgen` writes: a line of a comment
//! (Verilog `//`, YAML `#`, the file list), a Verilog string literal, a
//! Markdown code span and the text of an HTML comment. Design names are
//! identifiers (`sim::design::check_name`), so these change nothing in the
//! files systolic generates; they keep any other text from ending a comment,
//! a string or a span early.

use std::borrow::Cow;

/// True for characters some reader of a generated file takes as a line
/// break or a control: C0 and C1 controls (CR, LF, NEL, ESC, ...), DEL and
/// the Unicode line and paragraph separators (YAML 1.1 breaks lines at
/// them).
fn breaks(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `s` on one line: each control character or line separator written as
/// its Rust escape (`\n`, `\u{1b}`), everything else as it is.
pub fn one_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(breaks) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if breaks(c) {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `s` as a Verilog string literal, quotes included: printable ASCII as it
/// is, `"` and `\` escaped, `\n` and `\t` as such, every other byte as a
/// three-digit octal escape.
pub fn verilog_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for b in s.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// `s` as a Markdown (CommonMark) code span: on one line, fenced by more
/// backticks than any run inside it, padded when it starts or ends with a
/// backtick. Inside a code span nothing is Markdown or HTML.
pub fn markdown_code(s: &str) -> String {
    let s = one_line(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// `s` as text inside an HTML comment (`<!-- ... -->`): on one line, with
/// `<` and `>` as entities so that nothing in it ends the comment.
pub fn html_comment(s: &str) -> String {
    one_line(s).replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_every_line_break_and_control() {
        assert_eq!(one_line("edge-8x8"), "edge-8x8");
        assert!(matches!(one_line("edge-8x8"), Cow::Borrowed(_)));
        assert_eq!(
            one_line("a\nb\rc\u{85}d\u{2028}e\u{1b}[31mf\u{7f}"),
            r"a\nb\rc\u{85}d\u{2028}e\u{1b}[31mf\u{7f}"
        );
        assert_eq!(one_line("é ü `x` <b>"), "é ü `x` <b>");
    }

    #[test]
    fn verilog_strings_cannot_be_closed_from_inside() {
        assert_eq!(verilog_string("dims=%s"), "\"dims=%s\"");
        assert_eq!(
            verilog_string("a\"); $system(\"x\\\n"),
            r#""a\"); $system(\"x\\\n""#
        );
        assert_eq!(verilog_string("\r\u{0}é"), r#""\015\000\303\251""#);
    }

    #[test]
    fn markdown_code_spans_hold_any_text() {
        assert_eq!(markdown_code("edge-8x8"), "`edge-8x8`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("``x"), "``` ``x ```");
        assert_eq!(markdown_code("x\n# h"), r"`x\n# h`");
    }

    #[test]
    fn html_comments_cannot_be_closed_from_inside() {
        assert_eq!(html_comment("a --> <b>\n"), r"a --&gt; &lt;b&gt;\n");
    }
}
