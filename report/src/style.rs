//! The look shared by every plot: font, sizes, colours (Tableau 10, viridis)
//! and number formatting for ticks and labels.

use plotters::style::{Color, IntoFont, RGBColor, TextStyle};

/// Font family of every text (the embedded DejaVu Sans).
pub const FONT: &str = "sans-serif";
/// Title size (px).
pub const TITLE_PX: f64 = 24.0;
/// Axis description size (px).
pub const AXIS_PX: f64 = 18.0;
/// Tick label and legend size (px).
pub const TICK_PX: f64 = 15.0;

/// Tableau 10: distinct, colour-blind-friendly series colours.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of series `i` (cycling through [`PALETTE`]).
pub fn series(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Grey for infeasible or missing data.
pub const GREY: RGBColor = RGBColor(190, 190, 190);
/// Dark grey for annotations.
pub const INK: RGBColor = RGBColor(40, 40, 40);
/// The colour of the Pareto front.
pub const FRONT: RGBColor = RGBColor(214, 39, 40);
/// Feasible points off the front.
pub const FEASIBLE: RGBColor = RGBColor(31, 119, 180);

/// Colours of the dataflows, fixed so every plot agrees.
pub fn dataflow_colour(dataflow: &str) -> RGBColor {
    match dataflow {
        "ws" => RGBColor(31, 119, 180),
        "os" => RGBColor(255, 127, 14),
        "is" => RGBColor(44, 160, 44),
        _ => RGBColor(127, 127, 127),
    }
}

/// `#RRGGBB` as plotters' SVG backend writes a colour.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Text style of size `px`.
pub fn text(px: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font())
}

/// Text style of size `px` in colour `c`.
pub fn text_in(px: f64, c: RGBColor) -> TextStyle<'static> {
    let mut t = text(px);
    t.color = c.to_backend_color();
    t
}

/// Viridis (matplotlib's perceptually uniform colour map) at `t` in [0, 1].
pub fn viridis(t: f64) -> RGBColor {
    // Nine samples of the published map, linearly interpolated.
    const V: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (V.len() - 1) as f64;
    let i = (x.floor() as usize).min(V.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    RGBColor(
        mix(V[i].0, V[i + 1].0),
        mix(V[i].1, V[i + 1].1),
        mix(V[i].2, V[i + 1].2),
    )
}

/// A short number for ticks: `0`, `12`, `1.5k`, `2.3M`, `4G`, `0.25`, `1e-3`.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if a >= scale {
            return trim(format!("{:.2}", v / scale)) + suffix;
        }
    }
    if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else if a >= 1e-3 {
        trim(format!("{v:.4}"))
    } else {
        format!("{v:.0e}")
    }
}

/// `v` with `digits` significant digits, in plain decimal notation:
/// `sig(0.02560, 4)` = `0.02560`, `sig(91.75, 4)` = `91.75`.
pub fn sig(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (digits - 1 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// A share in percent: `12.3 %`, or `<0.1 %` for a tiny non-zero share.
pub fn percent(share: f64) -> String {
    if share > 0.0 && share < 0.0005 {
        "<0.1 %".into()
    } else {
        format!("{:.1} %", 100.0 * share)
    }
}

/// Groups the digits of an integer: `1234567` -> `1,234,567`.
pub fn grouped(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An energy unit for values up to `max_pj` picojoules: (divisor, name).
pub fn energy_unit(max_pj: f64) -> (f64, &'static str) {
    if max_pj >= 1e9 {
        (1e9, "mJ")
    } else if max_pj >= 1e6 {
        (1e6, "µJ")
    } else if max_pj >= 1e3 {
        (1e3, "nJ")
    } else {
        (1.0, "pJ")
    }
}

/// Whether positive values spanning `lo..=hi` deserve a logarithmic axis
/// (more than a decade apart).
pub fn wants_log(lo: f64, hi: f64) -> bool {
    lo > 0.0 && hi / lo > 10.0
}

/// A range around `lo..=hi` with a margin: multiplicative on log axes,
/// additive on linear ones (never degenerate).
pub fn padded(lo: f64, hi: f64, log: bool) -> (f64, f64) {
    if log {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo / 2.0, hi * 2.0)
        };
        let f = (hi / lo).powf(0.06).max(1.05);
        (lo / f, hi * f)
    } else {
        let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
        (lo - 0.06 * span, hi + 0.06 * span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1500.0), "1.5k");
        assert_eq!(short(2_300_000.0), "2.3M");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
        assert_eq!(sig(0.0256, 4), "0.02560");
        assert_eq!(sig(91.75, 4), "91.75");
        assert_eq!(sig(1234.5, 4), "1234");
        assert_eq!(percent(0.00001), "<0.1 %");
        assert_eq!(percent(0.5), "50.0 %");
        assert_eq!(energy_unit(5e6), (1e6, "µJ"));
        assert_eq!(hex(RGBColor(31, 119, 180)), "#1F77B4");
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert!(wants_log(1.0, 100.0) && !wants_log(1.0, 5.0) && !wants_log(0.0, 5.0));
    }
}
