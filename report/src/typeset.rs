//! Text measured and drawn as the SVG shows it: the embedded DejaVu Sans at
//! plotters' SVG size (`font-size` = style size ÷ 1.24), anchors as the SVG's
//! `text-anchor` and `dy`, and a PNG rasterizer that places every glyph at
//! its own fractional pen position with its side bearing.
//!
//! plotters' ab_glyph text path draws each glyph at the integer part of the
//! pen position and drops the glyph's left side bearing (`px_bounds().min.x`)
//! and sub-pixel offset, so letters with different bearings (`n`, `v`, `l`)
//! crowd or gap; it also scales the font so that ascent to descent equals the
//! style size, 6 % larger than the SVG's em. [`Typeset`] wraps a backend and
//! draws text here instead (PNG) or leaves it to the SVG, and gives both the
//! same text measure.

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};
use std::sync::OnceLock;

/// The ratio plotters' SVG backend divides a text style's size by to get the
/// SVG `font-size` (the em, in pixels).
pub const SVG_EM_RATIO: f64 = 1.24;

/// The embedded font, parsed once.
pub fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(super::FONT_TTF).expect("the embedded DejaVu Sans font parses")
    })
}

/// The em (SVG `font-size`, px) of a plotters text style of size `size`.
pub fn em(size: f64) -> f64 {
    size / SVG_EM_RATIO
}

/// Font metrics relative to the em: (ascent, descent below the baseline as a
/// positive number, x-height).
fn metrics() -> (f64, f64, f64) {
    static M: OnceLock<(f64, f64, f64)> = OnceLock::new();
    *M.get_or_init(|| {
        let f = font();
        let upem = f64::from(f.units_per_em().unwrap_or(2048.0));
        let x = f
            .outline(f.glyph_id('x'))
            // ab_glyph keeps the top of the glyph (y up) in `min.y`.
            .map_or(0.55 * upem, |o| {
                f64::from(o.bounds.min.y.max(o.bounds.max.y))
            });
        (
            f64::from(f.ascent_unscaled()) / upem,
            -f64::from(f.descent_unscaled()) / upem,
            x / upem,
        )
    })
}

/// ab_glyph's scale for an em of `em` pixels.
fn px_scale(em: f64) -> PxScale {
    let f = font();
    let upem = f.units_per_em().unwrap_or(2048.0);
    PxScale::from(em as f32 * f.height_unscaled() / upem)
}

/// Each character's glyph and pen position (kerning included) at em `em`,
/// then `(GlyphId(0), width)`: the pen after the last character.
fn advances(em: f64, text: &str) -> Vec<(GlyphId, f64)> {
    let f = font().as_scaled(px_scale(em));
    let mut out: Vec<(GlyphId, f64)> = Vec::with_capacity(text.len());
    let mut pen = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            pen += f64::from(f.kern(p, id));
        }
        out.push((id, pen));
        pen += f64::from(f.h_advance(id));
        prev = Some(id);
    }
    out.push((GlyphId(0), pen));
    out
}

/// Width in pixels of `text` in a style of size `size`.
pub fn width(size: f64, text: &str) -> f64 {
    advances(em(size), text).last().map_or(0.0, |a| a.1)
}

/// An axis-aligned box in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Rect {
    /// The box from two corners.
    pub fn new(a: (f64, f64), b: (f64, f64)) -> Rect {
        Rect {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        }
    }

    /// The square around a circle of radius `r` centred at `c`.
    pub fn around(c: (f64, f64), r: f64) -> Rect {
        Rect::new((c.0 - r, c.1 - r), (c.0 + r, c.1 + r))
    }

    /// Whether the two boxes share interior (touching edges do not count).
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    /// Whether `o` lies inside this box.
    pub fn contains(&self, o: &Rect) -> bool {
        o.x0 >= self.x0 && o.x1 <= self.x1 && o.y0 >= self.y0 && o.y1 <= self.y1
    }

    /// This box grown by `d` on every side.
    pub fn grow(&self, d: f64) -> Rect {
        Rect {
            x0: self.x0 - d,
            y0: self.y0 - d,
            x1: self.x1 + d,
            y1: self.y1 + d,
        }
    }

    /// Whether a circle of radius `r` at `c` and this box share interior.
    pub fn hits_circle(&self, c: (f64, f64), r: f64) -> bool {
        let dx = c.0 - c.0.clamp(self.x0, self.x1);
        let dy = c.1 - c.1.clamp(self.y0, self.y1);
        dx * dx + dy * dy < r * r
    }
}

/// Where the baseline sits below the anchor point, as the SVG's `dy` puts it
/// (`0.76em` for top, `0.5ex` for centre, `-0.5ex` for bottom).
fn baseline_dy(em: f64, v: VPos) -> f64 {
    let (_, _, xh) = metrics();
    match v {
        VPos::Top => 0.76 * em,
        VPos::Center => 0.5 * xh * em,
        VPos::Bottom => -0.5 * xh * em,
    }
}

/// Where the text starts left of the anchor point (`text-anchor`).
fn start_dx(w: f64, h: HPos) -> f64 {
    match h {
        HPos::Left => 0.0,
        HPos::Center => -w / 2.0,
        HPos::Right => -w,
    }
}

/// The box `text` (style size `size`, anchored by `pos` at `at`, not
/// rotated) takes up as the SVG draws it: its advance width, and from the
/// font's ascent above the baseline to its descent below.
pub fn text_box(size: f64, text: &str, pos: Pos, at: (f64, f64)) -> Rect {
    let e = em(size);
    let (asc, desc, _) = metrics();
    let w = width(size, text);
    let x0 = at.0 + start_dx(w, pos.h_pos);
    let base = at.1 + baseline_dy(e, pos.v_pos);
    Rect::new((x0, base - asc * e), (x0 + w, base + desc * e))
}

/// The box of a text rotated by `t` about its anchor point (as the SVG's
/// `rotate(angle, x, y)`).
pub fn rotated_box(size: f64, text: &str, pos: Pos, at: (f64, f64), t: FontTransform) -> Rect {
    let b = text_box(size, text, pos, at);
    let turn = |(x, y): (f64, f64)| {
        let (dx, dy) = (x - at.0, y - at.1);
        let (rx, ry) = match t {
            FontTransform::None => (dx, dy),
            FontTransform::Rotate90 => (-dy, dx),
            FontTransform::Rotate180 => (-dx, -dy),
            FontTransform::Rotate270 => (dy, -dx),
        };
        (at.0 + rx, at.1 + ry)
    };
    Rect::new(turn((b.x0, b.y0)), turn((b.x1, b.y1)))
}

/// The box of an SVG `<text>` as plotters writes it, from its attributes:
/// `x`, `y`, `font-size`, `text-anchor`, `dy` and `transform` (`""` for
/// none); `None` for attribute values plotters does not write.
pub fn svg_text_box(
    (x, y): (f64, f64),
    font_size: f64,
    anchor: &str,
    dy: &str,
    transform: &str,
    text: &str,
) -> Option<Rect> {
    let h = match anchor {
        "start" => HPos::Left,
        "middle" => HPos::Center,
        "end" => HPos::Right,
        _ => return None,
    };
    let v = match dy {
        "0.76em" => VPos::Top,
        "0.5ex" => VPos::Center,
        "-0.5ex" => VPos::Bottom,
        _ => return None,
    };
    let t = match transform.split(',').next().unwrap_or("") {
        "" => FontTransform::None,
        "rotate(90" => FontTransform::Rotate90,
        "rotate(180" => FontTransform::Rotate180,
        "rotate(270" => FontTransform::Rotate270,
        _ => return None,
    };
    Some(rotated_box(
        font_size * SVG_EM_RATIO,
        text,
        Pos::new(h, v),
        (x, y),
        t,
    ))
}

/// A drawing backend whose text is measured by this module and, when
/// `raster` is set, drawn by it pixel by pixel (for bitmaps); otherwise text
/// goes to the wrapped backend (the SVG writes `<text>`). Everything else is
/// passed through.
pub struct Typeset<B> {
    /// The wrapped backend.
    pub inner: B,
    /// Draw text here (pixels) rather than in the wrapped backend.
    pub raster: bool,
}

impl<B: DrawingBackend> Typeset<B> {
    fn raster_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        at: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let e = em(style.size());
        let anchor = style.anchor();
        let placed = advances(e, text);
        let w = placed.last().map_or(0.0, |a| a.1);
        let x0 = f64::from(at.0) + start_dx(w, anchor.h_pos);
        let base = f64::from(at.1) + baseline_dy(e, anchor.v_pos);
        let scale = px_scale(e);
        let trans = style.transform();
        let (ax, ay) = at;
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for &(id, pen) in &placed[..placed.len() - 1] {
            let glyph = id.with_scale_and_position(scale, point((x0 + pen) as f32, base as f32));
            if let Some(outline) = font().outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (bx, by) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|x, y, c| pixels.push((bx + x as i32, by + y as i32, c)));
            }
        }
        for (x, y, c) in pixels {
            // Pixel (x, y) covers [x, x+1] x [y, y+1]; turning that square
            // about the integer anchor gives the pixel it lands on.
            let (dx, dy) = (x - ax, y - ay);
            let (rx, ry) = match trans {
                FontTransform::None => (dx, dy),
                FontTransform::Rotate90 => (-dy - 1, dx),
                FontTransform::Rotate180 => (-dx - 1, -dy - 1),
                FontTransform::Rotate270 => (dy, -dx - 1),
            };
            let alpha = colour.alpha * f64::from(c.min(1.0));
            if alpha > 0.0 {
                self.inner.draw_pixel(
                    (ax + rx, ay + ry),
                    BackendColor {
                        alpha,
                        rgb: colour.rgb,
                    },
                )?;
            }
        }
        Ok(())
    }
}

impl<B: DrawingBackend> DrawingBackend for Typeset<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if self.raster {
            self.raster_text(text, style, pos)
        } else {
            self.inner.draw_text(text, style, pos)
        }
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let b = text_box(style.size(), text, Pos::default(), (0.0, 0.0));
        Ok(((b.x1 - b.x0).ceil() as u32, (b.y1 - b.y0).ceil() as u32))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::IntoFont;

    /// Draws `text` (size `size`, left/top at (10, 10)) into a white RGB image.
    fn raster(text: &str, size: f64, w: u32, h: u32) -> Vec<u8> {
        super::super::register_font();
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let b = Typeset {
                inner: BitMapBackend::with_buffer(&mut rgb, (w, h)),
                raster: true,
            };
            let root = b.into_drawing_area();
            let style = TextStyle::from((super::super::style::FONT, size).into_font())
                .pos(Pos::new(HPos::Left, VPos::Top));
            root.draw(&Text::new(text.to_string(), (10, 10), style))
                .unwrap();
            root.present().unwrap();
        }
        rgb
    }

    /// Columns holding ink, as runs [start, end).
    fn ink_runs(rgb: &[u8], w: u32) -> Vec<(u32, u32)> {
        let h = rgb.len() as u32 / 3 / w;
        let inked = |x: u32| (0..h).any(|y| rgb[((y * w + x) * 3) as usize] < 160);
        let mut runs = Vec::new();
        let mut start = None;
        for x in 0..w {
            match (inked(x), start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push((s, x));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    #[test]
    fn every_glyph_starts_at_its_pen_position_plus_its_side_bearing() {
        // Glyphs with very different left side bearings; each is a separate
        // run of inked columns at this size.
        let text = "nvlvnlv";
        let size = 62.0;
        let rgb = raster(text, size, 400, 90);
        let runs = ink_runs(&rgb, 400);
        assert_eq!(runs.len(), text.len(), "{runs:?}");
        let e = em(size);
        let f = font();
        let upem = f64::from(f.units_per_em().unwrap());
        for ((c, (id, pen)), (start, _)) in text.chars().zip(advances(e, text)).zip(&runs) {
            let lsb = f64::from(f.h_side_bearing_unscaled(id)) / upem * e;
            let want = 10.0 + pen + lsb;
            assert!(
                (f64::from(*start) - want).abs() <= 1.0,
                "{c}: ink starts at {start}, the font puts it at {want:.2}"
            );
        }
    }

    #[test]
    fn text_is_as_wide_as_the_svg_draws_it() {
        // The SVG draws font-size = size / 1.24; the ink of the PNG text spans
        // that em's advance width (less the outer side bearings).
        let text = "Roofline: resnet50 on point 176 (32x128 is)";
        let size = 24.0;
        let rgb = raster(text, size, 700, 50);
        let runs = ink_runs(&rgb, 700);
        let ink = f64::from(runs.last().unwrap().1 - runs[0].0);
        let w = width(size, text);
        assert!(
            (ink - w).abs() < 0.03 * w,
            "ink {ink} px wide, the SVG's advance width is {w:.1} px"
        );
    }

    #[test]
    fn rotated_text_reads_upwards_from_its_anchor() {
        let b = rotated_box(
            15.0,
            "abc",
            Pos::new(HPos::Right, VPos::Center),
            (100.0, 50.0),
            FontTransform::Rotate270,
        );
        let w = width(15.0, "abc");
        assert!((b.y0 - 50.0).abs() < 1e-9 && (b.y1 - (50.0 + w)).abs() < 1e-9);
        assert!(b.x0 < 100.0 && b.x1 > 100.0);
    }
}
