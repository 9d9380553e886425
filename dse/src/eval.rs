//! Evaluating sweep points: models lowered once per batch, then every layer
//! run on each point's design by the fast engine (`rtl` timing), totals
//! exactly as `simulate` computes them.

use super::points::Point;
use super::row::SweepRow;
use super::spec::Spec;
use sim::design::Design;
use sim::engine::{FastEngine, TimingMode};
use sim::error::{Result, SimError};
use sim::report::{total_row, Counts, LayerReport};
use sim::simulate::{conv_rule, lowered_counts, Prices};
use sim::workload::{Lowered, Model};

/// A model lowered at one batch size: the GEMMs and vector work of each
/// layer, in run order.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Name as written in the spec.
    pub name: String,
    /// Layers of the model.
    pub layers: u64,
    lowered: Vec<Lowered>,
}

/// The engine sweeps use.
const ENGINE: FastEngine = FastEngine {
    mode: TimingMode::Rtl,
};

impl Workload {
    /// Lowers every layer of `model` at `batch` (the `rtl` lowering rule).
    pub fn new(name: &str, model: &Model, batch: u64) -> Workload {
        Workload {
            name: name.to_string(),
            layers: model.len() as u64,
            lowered: model
                .layers()
                .map(|l| l.lower_as(batch, conv_rule(TimingMode::Rtl)))
                .collect(),
        }
    }

    /// Layers the engine runs (array layers with work): the (design, layer)
    /// evaluations one point of this workload costs.
    pub fn engine_layers(&self) -> u64 {
        self.lowered
            .iter()
            .filter(|l| matches!(l, Lowered::Gemm(g) if g.m * g.k * g.n > 0))
            .count() as u64
    }

    /// The model's total row on `design` (priced by `prices`), equal to
    /// `simulate(design, model, FastEngine { mode: Rtl }, batch).total`.
    pub fn total(&self, design: &Design, prices: &Prices) -> Result<LayerReport> {
        let mut sum = Counts::default();
        let mut gemms = 0;
        for l in &self.lowered {
            sum.add(&lowered_counts(design, prices, l, &ENGINE)?)
                .ok_or_else(|| {
                    sim::simulate::too_large(&format!("the totals of `{}`", self.name))
                })?;
            if let Lowered::Gemm(g) = l {
                gemms += g.count;
            }
        }
        Ok(total_row(design, &sum, gemms))
    }
}

/// Everything a worker needs to evaluate points of one spec.
#[derive(Debug)]
pub struct Evaluator<'a> {
    spec: &'a Spec,
    workloads: Vec<Workload>,
}

impl<'a> Evaluator<'a> {
    /// Lowers the spec's models once.
    pub fn new(spec: &'a Spec) -> Evaluator<'a> {
        let workloads = spec
            .models
            .iter()
            .map(|m| Workload::new(&m.name, &m.model, spec.raw.batch))
            .collect();
        Evaluator { spec, workloads }
    }

    /// (design, layer) evaluations one point costs (every model).
    pub fn engine_layers_per_point(&self) -> u64 {
        self.workloads.iter().map(Workload::engine_layers).sum()
    }

    /// The rows of `point`, one per model in spec order.
    pub fn rows(&self, point: &Point) -> Result<Vec<SweepRow>> {
        let design = point
            .design(&self.spec.base)
            .map_err(|e| in_point(point, e))?;
        let prices = Prices::of(&design);
        let area = sim::area::of(&design);
        self.workloads
            .iter()
            .map(|w| {
                let total = w.total(&design, &prices)?;
                let mut row = SweepRow::new(
                    point,
                    &w.name,
                    &self.spec.raw.base,
                    self.spec.raw.batch,
                    w.layers,
                    &total,
                    &area,
                );
                row.feasible = self.spec.raw.constraints.feasible(&row);
                Ok(row)
            })
            .collect()
    }
}

/// Says which point a design error belongs to.
fn in_point(p: &Point, e: SimError) -> SimError {
    match e {
        SimError::Input(mut i) => {
            i.message = format!(
                "point {} ({}x{} {} {}): {}",
                p.index, p.rows, p.cols, p.dataflow, p.operand, i.message
            );
            SimError::Input(i)
        }
        other => other,
    }
}
