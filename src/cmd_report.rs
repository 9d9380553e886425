//! `systolic report`: plots, an HTML page and a Markdown summary from a sweep's results CSV.

use crate::inputs;
use clap::Args;
use dse::results::{self, DEFAULT_OBJECTIVES};
use report::sweep::{self, Options};
use sim::workload::{zoo, Model};
use std::path::{Path, PathBuf};

/// Arguments of `systolic report`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  systolic report results.csv --out reports/edge/
  systolic report results.csv --out reports/edge/ --objectives latency,energy,area --model resnet50
Objectives: latency, energy, edp, area, power (minimized); throughput, tops_per_w, tops_per_mm2,
tops, utilization (maximized); column names work too. Default: the sweep's `pareto` objectives
(from RESULTS.sweep.json beside the results), else latency,energy. See docs/REPORTS.md.")]
pub struct ReportArgs {
    /// Results CSV written by `systolic sweep --out`.
    results: PathBuf,
    /// Directory to write the report into (index.html, summary.md, SVG and PNG plots);
    /// default reports/<results file name>/.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Two or three objectives of the Pareto front, comma-separated; default the
    /// sweep's `pareto` objectives (its RESULTS.sweep.json sidecar), else latency,energy.
    #[arg(long, value_delimiter = ',')]
    objectives: Option<Vec<String>>,
    /// Only these models (repeat or separate with commas); default every model in the results.
    #[arg(long, value_delimiter = ',')]
    model: Vec<String>,
}

/// Runs `systolic report`.
pub fn run(a: ReportArgs) -> miette::Result<()> {
    let objectives = match &a.objectives {
        Some(names) => crate::common::objectives::parse("--objectives", names)?,
        None => results::sweep_objectives(&a.results)?.unwrap_or(DEFAULT_OBJECTIVES.to_vec()),
    };
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(report::slug(&a.results.display().to_string()))
    });
    report::site::check_dir(&out)?;
    let rows = results::read(&a.results)?;
    dse::Objective::check_mode(&objectives, dse::Mode::Inference).map_err(|(_, msg)| {
        miette::Report::new(
            sim::error::InputError::new("systolic::cli::objectives", "<command line>", msg)
                .field("--objectives")
                .hint(format!(
                    "a report's objectives: {}",
                    dse::Objective::names()
                )),
        )
    })?;
    let dir = a
        .results
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let file = a.results.display().to_string();
    let models = dse::study::choose_models(&rows, &a.model, &file)?;
    let onnx = dse::results::sweep_onnx_options(&a.results);
    let resolve = |name: &str| -> sim::Result<Model> { model_near(name, &dir, &onnx) };
    let studies = dse::study::study(&rows, &models, &dir, &resolve)?;
    let opts = Options { file, objectives };
    let page = sweep::page(&rows, &studies, &opts)?;
    let files = page.write(&out)?;
    eprintln!(
        "wrote {} files ({} plots as SVG and PNG) to {}; open {}",
        files.len(),
        page.figures().count(),
        out.display(),
        out.join("index.html").display()
    );
    Ok(())
}

/// A model named in a results file: a zoo name, or an ONNX model or
/// topology CSV path relative to the results file's directory (else to the
/// working directory), ONNX models read as the sweep read them.
fn model_near(
    name: &str,
    dir: &Path,
    onnx: &sim::onnx::import::ImportOptions,
) -> sim::Result<Model> {
    if zoo::model(name).is_some() {
        return inputs::model(name);
    }
    let near = dir.join(name);
    let base = if Path::new(name).is_relative() && near.is_file() {
        dir
    } else {
        Path::new("")
    };
    sim::models::resolve(name, base, onnx).map(|(m, _)| m)
}
