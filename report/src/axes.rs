//! Logarithmic axes with 1-2-5 ticks: a tick (and bold gridline) at 1, 2
//! and 5 times each power of ten, light gridlines at the other whole
//! multiples only where they stand far enough apart not to merge into a
//! band, and labels on every tick when they fit (on the powers of ten
//! otherwise).

use super::style::{self, short, text};
use super::typeset;
use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::{
    Cartesian2d, ChartContext, DrawingBackend, IntoLogRange, RGBColor, Ranged,
};

/// Colour of the light (minor) gridlines of every plot.
pub const MINOR: RGBColor = RGBColor(243, 243, 243);
/// Colour of the bold (major) gridlines of every plot.
pub const MAJOR: RGBColor = RGBColor(214, 214, 214);
/// The closest two light gridlines may come (px).
pub const MIN_GAP: f64 = 6.0;

/// The ticks of a log axis.
#[derive(Debug, Clone, PartialEq)]
pub struct LogTicks {
    /// 1, 2 and 5 times a power of ten inside the range.
    pub major: Vec<f64>,
    /// The other whole multiples (3, 4, 6, ... 9) inside the range, when a
    /// decade is wide enough for them.
    pub minor: Vec<f64>,
}

/// `m` x 10^`k`, computed so that it prints as written (`0.2`, not `0.20000000000000004`).
fn times_ten(m: u32, k: i32) -> f64 {
    if k >= 0 {
        f64::from(m) * 10f64.powi(k)
    } else {
        f64::from(m) / 10f64.powi(-k)
    }
}

/// The mantissa of `v`: `v` / 10^floor(log10 v), in [1, 10).
pub fn mantissa(v: f64) -> f64 {
    let m = v / 10f64.powf(v.log10().floor());
    if m >= 9.999_999 {
        1.0
    } else {
        m
    }
}

/// The ticks of a log axis over `lo..=hi` drawn `pixels` long.
pub fn log_ticks(lo: f64, hi: f64, pixels: f64) -> LogTicks {
    let mut major = Vec::new();
    let mut minor = Vec::new();
    if !(lo > 0.0 && hi > lo) {
        return LogTicks { major, minor };
    }
    let per_decade = pixels / (hi / lo).log10();
    // The narrowest gap between light lines is between 9 and 10.
    let minors = (10f64 / 9.0).log10() * per_decade >= MIN_GAP;
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    for k in lo.log10().floor() as i32..=hi.log10().ceil() as i32 {
        for m in 1..=9 {
            let v = times_ten(m, k);
            if !inside(v) {
                continue;
            }
            if matches!(m, 1 | 2 | 5) {
                major.push(v);
            } else if minors {
                minor.push(v);
            }
        }
    }
    if major.len() < 2 {
        // Less than a decade: every whole multiple is a tick.
        major = (lo.log10().floor() as i32..=hi.log10().ceil() as i32)
            .flat_map(|k| (1..=9).map(move |m| times_ten(m, k)))
            .filter(|&v| inside(v))
            .collect();
        minor.clear();
    }
    LogTicks { major, minor }
}

/// A log axis over `lo..hi` with its 1-2-5 ticks and light lines.
pub fn log_axis(lo: f64, hi: f64, pixels: f64) -> WithKeyPoints<LogCoord<f64>> {
    let t = log_ticks(lo, hi, pixels);
    (lo..hi)
        .log_scale()
        .with_key_points(t.major)
        .with_light_points(t.minor)
}

/// Whether every 1-2-5 tick of a log axis over `lo..hi`, `pixels` long,
/// can carry its label: labels `extent` pixels long (their width on a
/// horizontal axis, their height on a vertical one) fit between 1 and 2.
pub fn label_all(lo: f64, hi: f64, pixels: f64, extent: f64) -> bool {
    let per_decade = pixels / (hi / lo).log10();
    2f64.log10() * per_decade >= extent + 8.0
}

/// The label of tick `v` on a log axis: every tick when `all`, else only
/// the powers of ten (and every tick of an axis shorter than a decade).
pub fn log_label(v: f64, all: bool) -> String {
    let m = mantissa(v);
    if all || (m - 1.0).abs() < 1e-6 {
        short(v)
    } else {
        String::new()
    }
}

/// The widest tick label of a log axis over `lo..hi` (px), for [`label_all`].
pub fn widest_label(lo: f64, hi: f64) -> f64 {
    log_ticks(lo, hi, 1e6)
        .major
        .iter()
        .map(|v| typeset::width(style::TICK_PX, &short(*v)))
        .fold(0.0, f64::max)
}

/// The height of a tick label (px), for [`label_all`] on a vertical axis.
pub fn label_height() -> f64 {
    typeset::em(style::TICK_PX) * 1.2
}

/// How a panel writes its tick labels.
pub type Labels<'a> = &'a dyn Fn(&f64) -> String;

/// Draws the mesh of a panel in the house style: bold gridlines at the
/// ticks, light ones between (at most four), the tick labels that
/// `labels` (x, y) write and the axis descriptions `desc` (x, y).
pub fn mesh<DB, X, Y>(
    c: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    labels: (Labels, Labels),
    desc: (&str, &str),
) -> crate::DrawResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    c.configure_mesh()
        .x_label_formatter(labels.0)
        .y_label_formatter(labels.1)
        .x_desc(desc.0)
        .y_desc(desc.1)
        .axis_desc_style(text(style::AXIS_PX))
        .label_style(text(style::TICK_PX))
        .bold_line_style(MAJOR)
        .light_line_style(MINOR)
        .max_light_lines(4)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_at_one_two_five() {
        let t = log_ticks(0.7, 1500.0, 800.0);
        assert_eq!(
            t.major,
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        assert!(t.minor.contains(&0.8) && t.minor.contains(&3.0) && t.minor.contains(&900.0));
        assert!(!t.minor.iter().any(|v| t.major.contains(v)));
        assert_eq!(short(log_ticks(0.01, 1.0, 500.0).major[1]), "0.02");
        // Twelve decades in 300 px: no light lines (they would form a band).
        assert!(log_ticks(1e-6, 1e6, 300.0).minor.is_empty());
        // Less than a decade: every whole multiple.
        assert_eq!(
            log_ticks(2.5, 9.5, 500.0).major,
            [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
        );
    }

    #[test]
    fn labels_thin_to_decades_when_crowded() {
        assert_eq!(log_label(20.0, true), "20");
        assert_eq!(log_label(20.0, false), "");
        assert_eq!(log_label(100.0, false), "100");
        assert!(label_all(1.0, 1000.0, 800.0, 30.0));
        assert!(!label_all(1e-3, 1e9, 800.0, 30.0));
    }
}
