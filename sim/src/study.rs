//! Studies: the extra simulations a report shows beside a run, made before
//! anything is drawn (reports draw finished results and never simulate).

use crate::design::{Dataflow, Design};
use crate::engine::{FastEngine, TimingMode};
use crate::report::ModelReport;
use crate::simulate::{simulate, RunOptions};
use crate::workload::Model;

/// The same design and model simulated in each dataflow.
#[derive(Debug, Clone, PartialEq)]
pub struct DataflowStudy {
    /// The run in each dataflow that could be simulated, in
    /// [`Dataflow::ALL`] order; the design's own dataflow is the run given.
    pub runs: Vec<(Dataflow, ModelReport)>,
    /// Dataflows that could not be simulated, and why.
    pub skipped: Vec<(Dataflow, String)>,
}

/// Simulates `model` on `design` in every dataflow with the fast engine in
/// `mode`; `own` is the run already made in the design's own dataflow.
pub fn dataflows(
    design: &Design,
    model: &Model,
    opts: &RunOptions,
    mode: TimingMode,
    own: &ModelReport,
) -> DataflowStudy {
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    for df in Dataflow::ALL {
        if df == design.dataflow {
            runs.push((df, own.clone()));
            continue;
        }
        let run = design
            .variant(|v| v.dataflow = df)
            .and_then(|d| simulate(&d, model, &FastEngine { mode }, opts));
        match run {
            Ok(r) => runs.push((df, r)),
            Err(e) => skipped.push((df, e.to_string())),
        }
    }
    DataflowStudy { runs, skipped }
}
