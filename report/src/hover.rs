//! Hover titles for SVG marks. plotters' SVG backend writes every mark as
//! one self-closed element per line and has no titles; a chart lists the
//! marks it drew ([`Marks`]) with their exact pixel geometry and colour, and
//! [`annotate`] gives each matching element a `<title>` child, which a
//! browser shows as a tooltip (inline in the HTML page too, with no script).

use super::html::escape;
use super::style::hex;
use plotters::style::RGBColor;
use std::collections::{HashMap, VecDeque};

/// The geometry and colour of a mark, as plotters writes it in the SVG.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mark {
    /// `<circle cx cy r>` filled with `colour` (`filled`) or stroked in it.
    Circle {
        /// Centre x (px).
        cx: i32,
        /// Centre y (px).
        cy: i32,
        /// Radius (px).
        r: u32,
        /// `#RRGGBB`.
        colour: String,
        /// Filled (else a ring).
        filled: bool,
    },
    /// A filled `<rect>` from (x0, y0) to (x1, y1).
    Rect {
        /// Left (px).
        x0: i32,
        /// Top (px).
        y0: i32,
        /// Right (px).
        x1: i32,
        /// Bottom (px).
        y1: i32,
        /// Fill, `#RRGGBB`.
        colour: String,
    },
}

/// The marks of one drawing that get a title, in drawing order.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// (mark, title) pairs.
    pub list: Vec<(Mark, String)>,
}

impl Marks {
    /// A circle at pixel `centre` (as `ChartContext::backend_coord` gives it).
    pub fn circle(
        &mut self,
        centre: (i32, i32),
        r: u32,
        colour: RGBColor,
        filled: bool,
        title: impl Into<String>,
    ) {
        self.list.push((
            Mark::Circle {
                cx: centre.0,
                cy: centre.1,
                r,
                colour: hex(colour),
                filled,
            },
            title.into(),
        ));
    }

    /// A filled rectangle with corners `a` and `b` in pixels (any order).
    pub fn rect(
        &mut self,
        a: (i32, i32),
        b: (i32, i32),
        colour: RGBColor,
        title: impl Into<String>,
    ) {
        self.list.push((
            Mark::Rect {
                x0: a.0.min(b.0),
                y0: a.1.min(b.1),
                x1: a.0.max(b.0),
                y1: a.1.max(b.1),
                colour: hex(colour),
            },
            title.into(),
        ));
    }
}

/// The value of attribute `name` in one element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let len = element[start..].find('"')?;
    Some(&element[start..start + len])
}

/// The mark an SVG element line draws, if it is a circle or a filled rect.
fn mark_of(line: &str) -> Option<Mark> {
    let int = |name: &str| attr(line, name)?.parse::<i32>().ok();
    if line.starts_with("<circle ") {
        let fill = attr(line, "fill")?;
        let (colour, filled) = if fill == "none" {
            (attr(line, "stroke")?, false)
        } else {
            (fill, true)
        };
        Some(Mark::Circle {
            cx: int("cx")?,
            cy: int("cy")?,
            r: attr(line, "r")?.parse().ok()?,
            colour: colour.to_string(),
            filled,
        })
    } else if line.starts_with("<rect ") {
        let fill = attr(line, "fill")?;
        if fill == "none" {
            return None;
        }
        let (x, y) = (int("x")?, int("y")?);
        Some(Mark::Rect {
            x0: x,
            y0: y,
            x1: x + int("width")?,
            y1: y + int("height")?,
            colour: fill.to_string(),
        })
    } else {
        None
    }
}

/// Gives each mark of `marks` a `<title>` in `svg`: the elements with exactly
/// its geometry and colour take the titles of the marks listed with that
/// geometry, in document order. A mark no element matches is an error (a
/// chart listed a mark it did not draw).
pub fn annotate(svg: &str, marks: &Marks) -> Result<String, String> {
    let mut titles: HashMap<&Mark, VecDeque<&str>> = HashMap::new();
    for (m, t) in &marks.list {
        titles.entry(m).or_default().push_back(t);
    }
    let mut out = String::with_capacity(svg.len() + marks.list.len() * 80);
    for line in svg.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let title = mark_of(body)
            .and_then(|m| titles.get_mut(&m))
            .and_then(|q| q.pop_front());
        match (title, body.strip_suffix("/>")) {
            (Some(t), Some(open)) => {
                let tag = if body.starts_with("<circle") {
                    "circle"
                } else {
                    "rect"
                };
                out.push_str(&format!("{open}><title>{}</title></{tag}>\n", escape(t)));
            }
            _ => out.push_str(line),
        }
    }
    let left: Vec<String> = titles
        .iter()
        .filter(|(_, q)| !q.is_empty())
        .map(|(m, q)| format!("{m:?} ({})", q.len()))
        .collect();
    if left.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "marks with a title but no matching SVG element: {}",
            left.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_go_to_the_element_with_that_geometry_and_colour() {
        let svg = "<svg>\n<circle cx=\"10\" cy=\"20\" r=\"3\" opacity=\"1\" fill=\"#1F77B4\" stroke=\"none\" stroke-width=\"1\"/>\n\
                   <circle cx=\"10\" cy=\"20\" r=\"3\" opacity=\"1\" fill=\"none\" stroke=\"#BEBEBE\" stroke-width=\"1\"/>\n\
                   <rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" opacity=\"1\" fill=\"#FFFFFF\" stroke=\"none\"/>\n</svg>\n";
        let mut m = Marks::default();
        m.circle((10, 20), 3, RGBColor(190, 190, 190), false, "ring <1>");
        m.circle((10, 20), 3, RGBColor(31, 119, 180), true, "dot");
        m.rect((4, 6), (1, 2), RGBColor(255, 255, 255), "cell");
        let out = annotate(svg, &m).unwrap();
        assert!(out.contains(
            "fill=\"#1F77B4\" stroke=\"none\" stroke-width=\"1\"><title>dot</title></circle>"
        ));
        assert!(out.contains(
            "stroke=\"#BEBEBE\" stroke-width=\"1\"><title>ring &lt;1&gt;</title></circle>"
        ));
        assert!(out.contains("<title>cell</title></rect>"));
        m.circle((11, 20), 3, RGBColor(31, 119, 180), true, "nowhere");
        assert!(annotate(svg, &m).unwrap_err().contains("no matching"));
    }
}
