//! Evaluating sweep points: models lowered once per batch, then every layer
//! run on each point's design by the fast engine (`rtl` timing), totals
//! exactly as `simulate` computes them. In train mode, each (point, model)
//! runs one training step, which is then scaled over the chip counts
//! without simulating again.

use super::points::Point;
use super::row::SweepRow;
use super::spec::Spec;
use super::synth::{SynthRow, Synthesizer};
use super::train_row::{TrainColumns, TrainRow};
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
        let (sum, gemms) = self.counts(design, prices)?;
        Ok(total_row(design, &sum, gemms))
    }

    /// The summed counts of every layer and the GEMMs run.
    fn counts(&self, design: &Design, prices: &Prices) -> Result<(Counts, u64)> {
        let mut sum = Counts::default();
        let mut gemms: u64 = 0;
        for l in &self.lowered {
            sum.add(&lowered_counts(design, prices, l, &ENGINE)?)
                .ok_or_else(|| self.too_large())?;
            if let Lowered::Gemm(g) = l {
                gemms = gemms.saturating_add(g.count);
            }
        }
        Ok((sum, gemms))
    }

    fn too_large(&self) -> SimError {
        sim::simulate::too_large(&format!("the totals of `{}`", self.name))
    }
}

/// `model` at `batch` run as `runs` back-to-back sub-batches as even as
/// possible (`batch % runs` of them one larger), as a server splits a batch
/// whose activations would not stay on chip: the total row of all the runs,
/// each simulated as [`Workload::total`] simulates one.
pub fn total_in_runs(
    name: &str,
    model: &Model,
    batch: u64,
    runs: u64,
    design: &Design,
    prices: &Prices,
) -> Result<LayerReport> {
    let runs = runs.clamp(1, batch.max(1));
    let (size, larger) = (batch / runs, batch % runs);
    let mut sum = Counts::default();
    let mut gemms: u64 = 0;
    for (count, size) in [(runs - larger, size), (larger, size + 1)] {
        if count == 0 || size == 0 {
            continue;
        }
        let w = Workload::new(name, model, size);
        let (c, g) = w.counts(design, prices)?;
        for _ in 0..count {
            sum.add(&c).ok_or_else(|| w.too_large())?;
        }
        gemms = gemms.saturating_add(g.saturating_mul(count));
    }
    Ok(total_row(design, &sum, gemms))
}

/// Everything a worker needs to evaluate points of one spec.
#[derive(Debug)]
pub struct Evaluator<'a> {
    spec: &'a Spec,
    workloads: Vec<Workload>,
}

impl<'a> Evaluator<'a> {
    /// Lowers the spec's models once (inference; a train-mode step lowers
    /// its own passes).
    pub fn new(spec: &'a Spec) -> Evaluator<'a> {
        let workloads = match spec.train {
            Some(_) => Vec::new(),
            None => spec
                .models
                .iter()
                .map(|m| Workload::new(&m.name, &m.model, spec.raw.batch))
                .collect(),
        };
        Evaluator { spec, workloads }
    }

    /// (design, layer) evaluations one point costs (every model; in train
    /// mode every forward, recomputed, dX and dW GEMM of one step).
    pub fn engine_layers_per_point(&self) -> u64 {
        match &self.spec.train {
            None => self.workloads.iter().map(Workload::engine_layers).sum(),
            Some(t) => self
                .spec
                .models
                .iter()
                .map(|m| train_engine_layers(&m.model, &t.options))
                .sum(),
        }
    }

    /// The rows of a train-mode `point`: per model in spec order, one
    /// training step simulated on the point's design (as
    /// [`sim::train::step`]), then scaled to each chip count in spec order
    /// (as [`sim::scaleout::step`]); the step is not simulated again per
    /// chip count. An inference spec has no train rows.
    pub fn train_rows(&self, point: &Point) -> Result<Vec<TrainRow>> {
        let Some(t) = &self.spec.train else {
            return Ok(Vec::new());
        };
        let design = point
            .design(&self.spec.base)
            .map_err(|e| in_point(point, e))?;
        let area = sim::area::of(&design);
        let dp = sim::train::scale::data_parallel(&design, &t.options, t.zero, t.bucketing);
        let settings = TrainColumns {
            base: &self.spec.raw.base,
            cluster: &t.cluster_name,
            options: &t.options,
            zero: t.zero,
        };
        let mut rows = Vec::with_capacity(self.spec.rows_per_point());
        for m in &self.spec.models {
            let step = sim::train::step(&design, &m.model, &ENGINE, &t.options)
                .map_err(|e| in_point(point, e))?;
            let profile =
                sim::train::scale::profile(&step, &design).map_err(|e| in_point(point, e))?;
            for &chips in &t.chips {
                let at = sim::scaleout::step(&t.cluster, chips, &profile, &dp)
                    .map_err(|e| in_point(point, e))?;
                let mut row = TrainRow::new(
                    point,
                    &m.name,
                    m.model.len() as u64,
                    &settings,
                    &design,
                    &area,
                    &step,
                    &at,
                );
                row.feasible =
                    self.spec.raw.constraints.feasible(&row) && row.fits_memory != Some(false);
                rows.push(row);
            }
        }
        Ok(rows)
    }

    /// The rows of a synth-stage `point`: [`Evaluator::rows`] joined with
    /// the synthesis of the point's design by `synthesizer` (once for
    /// every model's row).
    pub fn synth_rows(
        &self,
        point: &Point,
        synthesizer: &dyn Synthesizer,
    ) -> Result<Vec<SynthRow>> {
        let design = point
            .design(&self.spec.base)
            .map_err(|e| in_point(point, e))?;
        let rows = self.rows_on(point, &design)?;
        let s = synthesizer
            .synthesize(point, &design)
            .map_err(|e| in_point(point, e))?;
        Ok(rows
            .into_iter()
            .map(|sim| {
                let synth = s.at(&sim);
                SynthRow { sim, synth }.with_feasibility(&self.spec.raw.constraints)
            })
            .collect())
    }

    /// The rows of `point`, one per model in spec order.
    pub fn rows(&self, point: &Point) -> Result<Vec<SweepRow>> {
        let design = point
            .design(&self.spec.base)
            .map_err(|e| in_point(point, e))?;
        self.rows_on(point, &design)
    }

    /// [`Evaluator::rows`] on `design`, the design of `point`.
    fn rows_on(&self, point: &Point, design: &Design) -> Result<Vec<SweepRow>> {
        let prices = Prices::of(design);
        let area = sim::area::of(design);
        self.workloads
            .iter()
            .map(|w| {
                let total = w.total(design, &prices)?;
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

/// GEMMs with work one training step of `model` runs: every layer's
/// forward, the recomputed ones, and the dX and dW of
/// [`sim::train::backward`].
fn train_engine_layers(model: &Model, opts: &sim::train::TrainOptions) -> u64 {
    let work = |l: &Lowered| matches!(l, Lowered::Gemm(g) if g.m.saturating_mul(g.k).saturating_mul(g.n) > 0);
    let needs = model.needs_dx();
    let mut n = 0u64;
    for (i, l) in model.layers().enumerate() {
        let forward = u64::from(work(&l.lower(opts.batch)));
        let recomputed = match opts.recompute {
            sim::train::Recompute::All => forward,
            _ => 0,
        };
        let backward = sim::train::backward(l, opts.batch, needs[i])
            .0
            .iter()
            .filter(|(_, low)| work(low))
            .count() as u64;
        n += forward + recomputed + backward;
    }
    n
}

/// Says which point a design error belongs to.
fn in_point(p: &Point, e: SimError) -> SimError {
    match e {
        SimError::Input(mut i) => {
            let sparse = p.sparsity.map_or(String::new(), |s| format!(" {s} sparse"));
            i.message = format!(
                "point {} ({}x{} {} {}{sparse}): {}",
                p.index, p.rows, p.cols, p.dataflow, p.operand, i.message
            );
            SimError::Input(i)
        }
        SimError::Stage {
            what,
            message,
            hint,
        } => SimError::Stage {
            what: format!(
                "point {} ({}x{} {} {}): {what}",
                p.index, p.rows, p.cols, p.dataflow, p.operand
            ),
            message,
            hint,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One run is the batch; k even runs are k times one run of the size.
    #[test]
    fn runs_sum_the_sub_batches() {
        let design = sim::design::preset("edge-8x8").unwrap();
        let model = sim::workload::zoo::model("resnet18").unwrap();
        let prices = Prices::of(&design);
        let total = |b| {
            Workload::new("m", &model, b)
                .total(&design, &prices)
                .unwrap()
        };
        let one = total_in_runs("m", &model, 6, 1, &design, &prices).unwrap();
        assert_eq!(one.total_cycles, total(6).total_cycles);
        let three = total_in_runs("m", &model, 6, 3, &design, &prices).unwrap();
        assert_eq!(three.total_cycles, 3 * total(2).total_cycles);
        assert_eq!(three.macs, total(6).macs);
        let uneven = total_in_runs("m", &model, 7, 3, &design, &prices).unwrap();
        assert_eq!(
            uneven.total_cycles,
            2 * total(2).total_cycles + total(3).total_cycles
        );
        let e = |r: &LayerReport| r.energy_total_pj;
        assert!((e(&three) - 3.0 * e(&total(2))).abs() <= 1e-6 * e(&three));
    }
}
