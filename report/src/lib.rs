//! `report`: reports people read: plots (SVG and PNG, drawn with plotters),
//! a self-contained HTML page and a Markdown summary, for one simulated
//! design (`systolic sim --report`), a training step and its scale-out
//! (`systolic train --report`) or a whole sweep (`systolic report`).
//! It draws finished results and studies; it never simulates.

pub mod axes;
pub mod bars;
pub mod compare;
pub mod dataflow;
pub mod heatmap;
pub mod hover;
pub mod html;
pub mod kit;
pub mod layers;
pub mod markdown;
pub mod pareto;
pub mod place;
pub mod roofline;
pub mod scaling;
pub mod single;
pub mod site;
pub mod sparsity;
pub mod style;
pub mod sweep;
pub mod synth;
pub mod train;
pub mod typeset;

use hover::Marks;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;
use typeset::Typeset;

/// The font every plot's text uses: DejaVu Sans, compiled in, so PNGs render
/// the same on any machine with no system font libraries. Its license is
/// `report/assets/fonts/LICENSE-DejaVu.txt`.
const FONT_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font as plotters' `sans-serif` (once per process).
/// Plots use the regular face only: the PNG has no bold face to draw.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font(style::FONT, FontStyle::Normal, FONT_TTF).is_err() {
            panic!("the embedded DejaVu Sans font does not parse");
        }
    });
}

/// Errors of drawing and writing reports.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RenderError {
    /// plotters failed to draw a figure (a bug, not bad input).
    #[error("cannot draw the plot `{name}`: {message}")]
    #[diagnostic(
        code(systolic::report::draw),
        help("this is a bug in systolic; please report it with the command you ran")
    )]
    Draw {
        /// The figure's name.
        name: String,
        /// plotters' message.
        message: String,
    },
    /// A file of the report could not be written.
    #[error("cannot write {path}: {source}")]
    #[diagnostic(
        code(systolic::io),
        help("check that the directory is writable and the disk is not full")
    )]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The output directory holds files that no report of ours wrote.
    #[error("{path} exists and holds files that systolic did not write (no `{marker}` file in it); not writing a report there")]
    #[diagnostic(
        code(systolic::report::exists),
        help(
            "choose another --out/--report directory (a new or empty one), or move the files away"
        )
    )]
    Foreign {
        /// The directory.
        path: String,
        /// The marker file name.
        marker: &'static str,
    },
}

/// A drawn figure: the same picture as SVG text and as PNG bytes.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem (`layers`, `pareto-resnet50`, ...): files are `NAME.svg` and `NAME.png`.
    pub name: String,
    /// Heading shown above it in the HTML page.
    pub title: String,
    /// How to read it (one or two sentences, shown under it).
    pub caption: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file.
    pub png: Vec<u8>,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// A plot that can draw itself on any plotters backend.
pub trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole picture on `root` (already filled white), and lists
    /// in `marks` the marks (points, cells) that get a hover title in the SVG.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        marks: &mut Marks,
    ) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// What drawing returns: plotters' errors, boxed.
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws `chart` twice, as SVG (text left to the SVG, every listed mark
/// given its `<title>`) and as PNG (text rasterized by [`typeset`]).
pub fn figure<C: Chart>(
    chart: &C,
    name: &str,
    title: &str,
    caption: &str,
) -> Result<Figure, RenderError> {
    register_font();
    let err = |e: Box<dyn std::error::Error>| RenderError::Draw {
        name: name.to_string(),
        message: e.to_string(),
    };
    let (w, h) = chart.size();
    let mut svg = String::new();
    let mut marks = Marks::default();
    {
        let root = Typeset {
            inner: SVGBackend::with_string(&mut svg, (w, h)),
            raster: false,
        }
        .into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.into()))?;
        chart.draw(&root, &mut marks).map_err(err)?;
        root.present().map_err(|e| err(e.into()))?;
    }
    let svg = hover::annotate(&svg, &marks).map_err(|e| err(e.into()))?;
    let svg = svg.replace(
        &format!("font-family=\"{}\"", style::FONT),
        "font-family=\"DejaVu Sans, sans-serif\"",
    );
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = Typeset {
            inner: BitMapBackend::with_buffer(&mut rgb, (w, h)),
            raster: true,
        }
        .into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.into()))?;
        chart.draw(&root, &mut Marks::default()).map_err(err)?;
        root.present().map_err(|e| err(e.into()))?;
    }
    let png = encode_png(&rgb, (w, h)).map_err(|e| err(e.into()))?;
    Ok(Figure {
        name: name.to_string(),
        title: title.to_string(),
        caption: caption.to_string(),
        svg,
        png,
        size: (w, h),
    })
}

/// Encodes 8-bit RGB pixels as a PNG file in memory.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

/// A file-name-safe form of `s` (models may be paths): letters, digits,
/// `-`, `_` and `.` kept, anything else becomes `_`.
pub fn slug(s: &str) -> String {
    let base = std::path::Path::new(s)
        .file_stem()
        .map_or_else(|| s.to_string(), |f| f.to_string_lossy().into_owned());
    let out: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        "model".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("resnet50"), "resnet50");
        assert_eq!(slug("tests/inputs/my net.csv"), "my_net");
        assert_eq!(slug(""), "model");
    }
}
