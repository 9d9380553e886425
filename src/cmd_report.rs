//! `systolic report`: plots, an HTML page and a Markdown summary from a sweep's results CSV
//! (with a synth-stage sweep's synthesis section when the results have its columns).

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
(from RESULTS.sweep.json beside the results), else latency,energy. Results of a synth-stage sweep
also get a section with Fmax and area against array size; its synthesis objectives (fmax, luts,
luts_per_tops, tops_at_fmax) are drawn there, not as Pareto plots. See docs/REPORTS.md.")]
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
    let objectives = objectives(&a)?;
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(report::slug(&a.results.display().to_string()))
    });
    report::site::check_dir(&out)?;
    let rows = results::read(&a.results)?;
    let synth = results::read_synth(&a.results)?;
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
    let page = sweep::page_with_synth(&rows, synth.as_deref(), &studies, &opts)?;
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

/// The Pareto plots' objectives: `--objectives`, else the sweep's own
/// (its sidecar's), else [`DEFAULT_OBJECTIVES`]. The plots draw inference
/// figures: a synthesis objective on the command line is refused (the
/// synthesis section draws those against array size), and a sidecar's are
/// left out, its inference objectives kept when two or three remain (else
/// the defaults), with a note on standard error.
fn objectives(a: &ReportArgs) -> miette::Result<Vec<dse::Objective>> {
    let names =
        |list: &[dse::Objective]| list.iter().map(|o| o.name()).collect::<Vec<_>>().join(", ");
    if let Some(given) = &a.objectives {
        let list = crate::common::objectives::parse("--objectives", given)?;
        if let Some(o) = list.iter().find(|o| o.needs_synth()) {
            return Err(miette::Report::new(
                sim::error::InputError::new(
                    "systolic::cli::objectives",
                    "<command line>",
                    format!(
                        "objective `{}` is a synthesis figure; the report's Pareto plots are over inference figures",
                        o.name()
                    ),
                )
                .field("--objectives")
                .hint(format!(
                    "a synth-stage sweep's report draws Fmax, LUTs and the other synthesis figures against array size in its synthesis section (and a sweep with them in `pareto` writes its front over them to RESULTS.pareto.csv); for the Pareto plots choose 2 or 3 of: {}",
                    dse::Objective::names()
                )),
            ));
        }
        return Ok(list);
    }
    let Some(list) = results::sweep_objectives(&a.results)? else {
        return Ok(DEFAULT_OBJECTIVES.to_vec());
    };
    if !list.iter().any(|o| o.needs_synth()) {
        return Ok(list);
    }
    let kept: Vec<dse::Objective> = list.iter().copied().filter(|o| !o.needs_synth()).collect();
    let (used, why) = if (2..=3).contains(&kept.len()) {
        (kept, "its other objectives")
    } else {
        (DEFAULT_OBJECTIVES.to_vec(), "the defaults")
    };
    eprintln!(
        "note: the sweep's objectives {} include synthesis figures, which the synthesis section draws against array size; the Pareto plots are over {} ({why})",
        names(&list),
        names(&used)
    );
    Ok(used)
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
