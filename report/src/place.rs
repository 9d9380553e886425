//! Placing labels in a plot so that none covers a point, a line or another
//! label: each label tries its candidate spots in order and takes the first
//! that is free and inside the plot; a label with no free spot is left out.

use super::typeset::{self, Rect};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The free space of a plot, in pixels: what is taken so far.
#[derive(Debug, Clone)]
pub struct Placer {
    /// Labels must lie inside this box.
    bounds: Rect,
    /// Boxes taken by labels and lines.
    taken: Vec<Rect>,
    /// Points (centre, radius) no label may touch.
    dots: Vec<((f64, f64), f64)>,
}

/// One place a label could go: anchor point and how the text hangs from it.
#[derive(Clone, Copy)]
pub struct Spot {
    /// Anchor point (px).
    pub at: (i32, i32),
    /// Text anchor.
    pub pos: Pos,
}

/// Room left around a label (px).
const PAD: f64 = 2.0;

impl Placer {
    /// Nothing placed yet; labels must stay inside `bounds`.
    pub fn new(bounds: Rect) -> Placer {
        Placer {
            bounds,
            taken: Vec::new(),
            dots: Vec::new(),
        }
    }

    /// Marks a point of radius `r` at `c` as taken.
    pub fn dot(&mut self, c: (i32, i32), r: f64) {
        self.dots.push(((f64::from(c.0), f64::from(c.1)), r));
    }

    /// Marks a box as taken.
    pub fn block(&mut self, r: Rect) {
        self.taken.push(r);
    }

    /// Marks a polyline of width `w` as taken (boxes along it).
    pub fn line(&mut self, points: &[(i32, i32)], w: f64) {
        for seg in points.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
            let steps = (dx.hypot(dy) / 2.0).ceil().max(1.0) as usize;
            for i in 0..=steps {
                let t = i as f64 / steps as f64;
                let p = (f64::from(a.0) + t * dx, f64::from(a.1) + t * dy);
                self.taken.push(Rect::around(p, w / 2.0 + 0.5));
            }
        }
    }

    /// Whether `b` is inside the bounds and clear of everything taken.
    pub fn free(&self, b: &Rect) -> bool {
        let g = b.grow(PAD);
        self.bounds.contains(b)
            && !self.taken.iter().any(|t| t.overlaps(&g))
            && !self.dots.iter().any(|(c, r)| g.hits_circle(*c, *r))
    }

    /// Places `text` (style size `size`) at the first free spot of `spots`
    /// and marks it taken; `None` when every spot is taken.
    pub fn place(&mut self, text: &str, size: f64, spots: &[Spot]) -> Option<Spot> {
        for s in spots {
            let b = typeset::text_box(size, text, s.pos, (f64::from(s.at.0), f64::from(s.at.1)));
            if self.free(&b) {
                self.taken.push(b);
                return Some(*s);
            }
        }
        None
    }
}

/// Spots around a point at `c` with a mark of radius `r`: right, left,
/// above, below, then the four diagonals, at one and at two gaps out.
pub fn around(c: (i32, i32), r: f64) -> Vec<Spot> {
    let mut out = Vec::new();
    for k in [1.0, 2.0] {
        let g = (r + 3.0) * k;
        let d = (g * 0.75).round() as i32;
        let g = g.round() as i32;
        let (x, y) = c;
        let s = |at: (i32, i32), h: HPos, v: VPos| Spot {
            at,
            pos: Pos::new(h, v),
        };
        out.extend([
            s((x + g, y), HPos::Left, VPos::Center),
            s((x - g, y), HPos::Right, VPos::Center),
            s((x, y - g), HPos::Center, VPos::Bottom),
            s((x, y + g), HPos::Center, VPos::Top),
            s((x + d, y - d), HPos::Left, VPos::Bottom),
            s((x + d, y + d), HPos::Left, VPos::Top),
            s((x - d, y - d), HPos::Right, VPos::Bottom),
            s((x - d, y + d), HPos::Right, VPos::Top),
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_avoid_points_lines_and_each_other() {
        let mut p = Placer::new(Rect::new((0.0, 0.0), (400.0, 300.0)));
        p.dot((100, 100), 6.0);
        p.dot((130, 100), 6.0);
        let first = p.place("first", 15.0, &around((100, 100), 6.0)).unwrap();
        // Right of the first dot would run into the second dot.
        assert!(!matches!(first.pos.h_pos, HPos::Left));
        let second = p.place("first", 15.0, &around((100, 100), 6.0)).unwrap();
        assert_ne!(first.at, second.at);
        p.line(&[(0, 290), (400, 290)], 3.0);
        let b =
            |s: Spot| typeset::text_box(15.0, "low", s.pos, (f64::from(s.at.0), f64::from(s.at.1)));
        let low = p.place("low", 15.0, &around((200, 280), 3.0)).unwrap();
        assert!(b(low).y1 < 288.0, "{:?}", b(low));
        // Nothing fits outside the bounds.
        assert!(p.place("x", 15.0, &around((-50, -50), 3.0)).is_none());
    }
}
