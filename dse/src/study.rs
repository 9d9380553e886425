//! The study step of a sweep report, run before anything is drawn: per
//! model, the feasible point with the lowest energy-delay product, its design
//! rebuilt and re-simulated layer by layer, and that design in every
//! dataflow ([`sim::study::dataflows`]).

use crate::results::design;
use crate::SweepRow;
use sim::error::{InputError, Result};
use sim::report::ModelReport;
use sim::study::DataflowStudy;
use sim::workload::Model;
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::path::Path;

/// The best design of one model, re-simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct BestDesign {
    /// Its row in the results.
    pub row: SweepRow,
    /// The run of the model on its design (fast engine, `rtl` timing).
    pub report: ModelReport,
    /// The same design and model in every dataflow.
    pub dataflows: DataflowStudy,
}

/// What a sweep report shows of one model beyond its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelStudy {
    /// The model as named in the results.
    pub model: String,
    /// Its best design; `None` when no point is feasible.
    pub best: Option<BestDesign>,
}

/// The models of `rows`, in order of first appearance.
pub fn models(rows: &[SweepRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows {
        if !out.contains(&r.model) {
            out.push(r.model.clone());
        }
    }
    out
}

/// The models a report covers: `wanted` (each must have rows in `file`'s
/// results), or every model of the results when `wanted` is empty.
pub fn choose_models(rows: &[SweepRow], wanted: &[String], file: &str) -> Result<Vec<String>> {
    if wanted.is_empty() {
        return Ok(models(rows));
    }
    for m in wanted {
        if !rows.iter().any(|r| &r.model == m) {
            return Err(InputError::new(
                "systolic::report::model",
                "<command line>",
                format!("no row of {file} is for model `{m}`"),
            )
            .field("--model")
            .hint(format!(
                "models in the results: {}",
                models(rows).join(", ")
            ))
            .into());
        }
    }
    Ok(wanted.to_vec())
}

/// The feasible row with the lowest energy-delay product (first on ties).
pub fn best_edp<'r>(rows: impl IntoIterator<Item = &'r SweepRow>) -> Option<&'r SweepRow> {
    rows.into_iter()
        .filter(|r| r.feasible && r.edp_mj_ms.is_finite())
        .min_by(|a, b| a.edp_mj_ms.total_cmp(&b.edp_mj_ms))
}

/// Studies each of `models` in `rows`: its best design rebuilt (base
/// designs given as paths resolve against `dir`, the results file's
/// directory), the model found by `resolve`, both simulated.
pub fn study(
    rows: &[SweepRow],
    models: &[String],
    dir: &Path,
    resolve: &dyn Fn(&str) -> Result<Model>,
) -> Result<Vec<ModelStudy>> {
    models
        .iter()
        .map(|m| {
            let best = match best_edp(rows.iter().filter(|r| &r.model == m)) {
                None => None,
                Some(b) => {
                    let d = design(b, dir)?;
                    let model = resolve(m)?;
                    let opts = RunOptions {
                        batch: b.batch.max(1),
                        layers: Vec::new(),
                    };
                    let mode = TimingMode::Rtl;
                    let report = simulate(&d, &model, &FastEngine { mode }, &opts)?;
                    let dataflows = sim::study::dataflows(&d, &model, &opts, mode, &report);
                    Some(BestDesign {
                        row: b.clone(),
                        report,
                        dataflows,
                    })
                }
            };
            Ok(ModelStudy {
                model: m.clone(),
                best,
            })
        })
        .collect()
}
