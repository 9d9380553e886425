//! `systolic report`: plots, an HTML page and a Markdown summary from a sweep's results CSV.

use crate::inputs;
use clap::Args;
use sim::render::results::{self, Objective};
use sim::render::sweep::{self, Options};
use sim::workload::{topology, zoo, Model};
use std::path::{Path, PathBuf};

/// Arguments of `systolic report`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  systolic report results.csv --out reports/edge/
  systolic report results.csv --out reports/edge/ --objectives latency,energy,area --model resnet50
Objectives: latency, energy, edp, area, power, cycles (minimized); throughput, tops_per_w,
tops_per_mm2, achieved_tops, utilization (maximized). See docs/REPORTS.md.")]
pub struct ReportArgs {
    /// Results CSV written by `systolic sweep --out`.
    results: PathBuf,
    /// Directory to write the report into (index.html, summary.md, SVG and PNG plots);
    /// default reports/<results file name>/.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Two or three objectives of the Pareto front, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "latency,energy")]
    objectives: Vec<String>,
    /// Only these models (repeat or separate with commas); default every model in the results.
    #[arg(long, value_delimiter = ',')]
    model: Vec<String>,
}

/// Runs `systolic report`.
pub fn run(a: ReportArgs) -> miette::Result<()> {
    let objectives = objectives(&a.objectives)?;
    let rows = results::read(&a.results)?;
    let dir = a
        .results
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let resolve = |name: &str| -> sim::Result<Model> { model_near(name, &dir) };
    let opts = Options {
        file: a.results.display().to_string(),
        dir: &dir,
        objectives,
        models: a.model.clone(),
        resolve: &resolve,
    };
    let page = sweep::page(&rows, &opts)?;
    let out = a.out.unwrap_or_else(|| {
        PathBuf::from("reports").join(sim::render::slug(&a.results.display().to_string()))
    });
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

/// Parses and checks `--objectives`: two or three distinct names.
fn objectives(names: &[String]) -> miette::Result<Vec<Objective>> {
    let list: Vec<Objective> = names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| results::objective(n))
        .collect::<Result<_, _>>()?;
    let distinct = list
        .iter()
        .enumerate()
        .all(|(i, o)| list[..i].iter().all(|p| p.key != o.key));
    if !(2..=3).contains(&list.len()) || !distinct {
        return Err(miette::miette!(
            code = "systolic::report::objectives",
            help = "e.g. --objectives latency,energy or --objectives latency,energy,area",
            "--objectives takes two or three different objectives, got `{}`",
            names.join(",")
        ));
    }
    Ok(list)
}

/// A model named in a results file: a zoo name, or a topology CSV path
/// relative to the results file's directory (else to the working directory).
fn model_near(name: &str, dir: &Path) -> sim::Result<Model> {
    if zoo::model(name).is_some() {
        return inputs::model(name);
    }
    let near = dir.join(name);
    if Path::new(name).is_relative() && near.is_file() {
        return topology::load(&near);
    }
    inputs::model(name)
}
