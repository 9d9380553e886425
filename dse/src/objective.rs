//! Objectives (each minimized or maximized), constraints that make a row
//! feasible, and Pareto fronts of sweep rows. Inference and train-mode
//! sweeps share area and power; the others belong to one mode.

use super::mode::Mode;
use super::pareto;
use super::row::{Row, SweepRow};
use serde::{Deserialize, Serialize};

/// Whether smaller or larger is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// Smaller is better.
    Min,
    /// Larger is better.
    Max,
}

/// A figure of merit of a sweep row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Objective {
    /// `latency_ms`, minimized.
    Latency,
    /// `throughput_inf_per_s`, maximized.
    Throughput,
    /// `energy_mj`, minimized.
    Energy,
    /// `edp_mj_ms` (energy x delay), minimized.
    Edp,
    /// `area_mm2`, minimized.
    Area,
    /// `power_w`, minimized.
    Power,
    /// `tops_per_w`, maximized.
    TopsPerW,
    /// `tops_per_mm2`, maximized.
    TopsPerMm2,
    /// `achieved_tops`, maximized.
    Tops,
    /// `utilization`, maximized.
    Utilization,
    /// `step_time_ms` of a train-mode row, minimized.
    StepTime,
    /// `energy_per_step_mj` of a train-mode row (all chips), minimized.
    EnergyPerStep,
    /// `samples_per_s` of a train-mode row (all chips), maximized.
    SamplesPerS,
    /// `samples_per_s_per_w` of a train-mode row (samples per joule),
    /// maximized.
    SamplesPerW,
    /// `fmax_mhz` of a synth-stage row, maximized.
    Fmax,
    /// `luts` of a synth-stage row, minimized.
    Luts,
    /// `luts_per_tops` of a synth-stage row (LUTs per achieved TOPS at
    /// Fmax), minimized.
    LutsPerTops,
    /// `tops_at_fmax` of a synth-stage row (achieved TOPS at Fmax),
    /// maximized.
    TopsAtFmax,
}

impl Objective {
    /// Every objective of an inference sweep, in the order docs list them
    /// ([`Objective::TRAIN`] has a train-mode sweep's).
    pub const ALL: [Objective; 10] = [
        Objective::Latency,
        Objective::Throughput,
        Objective::Energy,
        Objective::Edp,
        Objective::Area,
        Objective::Power,
        Objective::TopsPerW,
        Objective::TopsPerMm2,
        Objective::Tops,
        Objective::Utilization,
    ];

    /// Every objective of a train-mode sweep ([`crate::TrainRow`]), in the
    /// order docs list them: the four of training and the area and power
    /// that inference sweeps have too.
    pub const TRAIN: [Objective; 6] = [
        Objective::StepTime,
        Objective::EnergyPerStep,
        Objective::SamplesPerS,
        Objective::SamplesPerW,
        Objective::Area,
        Objective::Power,
    ];

    /// The objectives a synth stage adds to an inference sweep
    /// ([`crate::SynthRow`]).
    pub const SYNTH: [Objective; 4] = [
        Objective::Fmax,
        Objective::Luts,
        Objective::LutsPerTops,
        Objective::TopsAtFmax,
    ];

    /// Whether only rows of a synth-stage sweep have it.
    pub fn needs_synth(self) -> bool {
        Objective::SYNTH.contains(&self)
    }

    /// The objectives of a sweep of `mode` (without the synth stage's).
    pub fn of(mode: Mode) -> &'static [Objective] {
        match mode {
            Mode::Inference => &Objective::ALL,
            Mode::Train => &Objective::TRAIN,
        }
    }

    /// Whether rows of a sweep of `mode` have this objective (the synth
    /// stage's: with that stage, which [`Objective::check_stage`] checks).
    pub fn applies(self, mode: Mode) -> bool {
        Objective::of(mode).contains(&self) || (mode == Mode::Inference && self.needs_synth())
    }

    /// The name used in specs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Latency => "latency",
            Objective::Throughput => "throughput",
            Objective::Energy => "energy",
            Objective::Edp => "edp",
            Objective::Area => "area",
            Objective::Power => "power",
            Objective::TopsPerW => "tops_per_w",
            Objective::TopsPerMm2 => "tops_per_mm2",
            Objective::Tops => "tops",
            Objective::Utilization => "utilization",
            Objective::StepTime => "step_time",
            Objective::EnergyPerStep => "energy_per_step",
            Objective::SamplesPerS => "samples_per_s",
            Objective::SamplesPerW => "samples_per_w",
            Objective::Fmax => "fmax",
            Objective::Luts => "luts",
            Objective::LutsPerTops => "luts_per_tops",
            Objective::TopsAtFmax => "tops_at_fmax",
        }
    }

    /// The CSV column holding it.
    pub fn column(self) -> &'static str {
        match self {
            Objective::Latency => "latency_ms",
            Objective::Throughput => "throughput_inf_per_s",
            Objective::Energy => "energy_mj",
            Objective::Edp => "edp_mj_ms",
            Objective::Area => "area_mm2",
            Objective::Power => "power_w",
            Objective::TopsPerW => "tops_per_w",
            Objective::TopsPerMm2 => "tops_per_mm2",
            Objective::Tops => "achieved_tops",
            Objective::Utilization => "utilization",
            Objective::StepTime => "step_time_ms",
            Objective::EnergyPerStep => "energy_per_step_mj",
            Objective::SamplesPerS => "samples_per_s",
            Objective::SamplesPerW => "samples_per_s_per_w",
            Objective::Fmax => "fmax_mhz",
            Objective::Luts => "luts",
            Objective::LutsPerTops => "luts_per_tops",
            Objective::TopsAtFmax => "tops_at_fmax",
        }
    }

    /// The quantity and its unit, as a plot axis or table column names it
    /// (e.g. `latency per run (ms)`; a run is one batch of the row's model).
    pub fn label(self) -> &'static str {
        match self {
            Objective::Latency => "latency per run (ms)",
            Objective::Throughput => "throughput (inferences/s)",
            Objective::Energy => "energy per run (mJ)",
            Objective::Edp => "energy-delay product (mJ·ms)",
            Objective::Area => "area (mm²)",
            Objective::Power => "average power (W)",
            Objective::TopsPerW => "energy efficiency (TOPS/W)",
            Objective::TopsPerMm2 => "area efficiency (TOPS/mm²)",
            Objective::Tops => "achieved throughput (TOPS)",
            Objective::Utilization => "utilization (fraction of PE-cycles)",
            Objective::StepTime => "training step time (ms)",
            Objective::EnergyPerStep => "energy per training step, all chips (mJ)",
            Objective::SamplesPerS => "training throughput (samples/s)",
            Objective::SamplesPerW => "training efficiency (samples/s per W)",
            Objective::Fmax => "Fmax (MHz)",
            Objective::Luts => "LUTs",
            Objective::LutsPerTops => "LUTs per achieved TOPS at Fmax",
            Objective::TopsAtFmax => "achieved throughput at Fmax (TOPS)",
        }
    }

    /// Whether it is minimized or maximized.
    pub fn sense(self) -> Sense {
        match self {
            Objective::Latency
            | Objective::Energy
            | Objective::Edp
            | Objective::Area
            | Objective::Power
            | Objective::StepTime
            | Objective::EnergyPerStep
            | Objective::Luts
            | Objective::LutsPerTops => Sense::Min,
            _ => Sense::Max,
        }
    }

    /// Its value in inference row `row`; NaN for a train-mode or synth
    /// objective (which validation keeps off inference sweeps without the
    /// synth stage). [`Row::value`] reads
    /// any kind of row.
    pub fn value(self, row: &SweepRow) -> f64 {
        match self {
            Objective::Latency => row.latency_ms,
            Objective::Throughput => row.throughput_inf_per_s,
            Objective::Energy => row.energy_mj,
            Objective::Edp => row.edp_mj_ms,
            Objective::Area => row.area_mm2,
            Objective::Power => row.power_w,
            Objective::TopsPerW => row.tops_per_w,
            Objective::TopsPerMm2 => row.tops_per_mm2,
            Objective::Tops => row.achieved_tops,
            Objective::Utilization => row.utilization,
            Objective::StepTime
            | Objective::EnergyPerStep
            | Objective::SamplesPerS
            | Objective::SamplesPerW
            | Objective::Fmax
            | Objective::Luts
            | Objective::LutsPerTops
            | Objective::TopsAtFmax => f64::NAN,
        }
    }

    /// Its value in `row` as a minimized quantity: the value itself, or its
    /// negation when larger is better (how Pareto fronts compare rows).
    pub fn minimized(self, row: &SweepRow) -> f64 {
        match self.sense() {
            Sense::Min => self.value(row),
            Sense::Max => -self.value(row),
        }
    }

    /// Parses a name (or its column name), of either mode.
    pub fn parse(s: &str) -> Option<Objective> {
        let s = s.trim();
        Objective::ALL
            .into_iter()
            .chain(Objective::TRAIN)
            .chain(Objective::SYNTH)
            .find(|o| o.name() == s || o.column() == s)
    }

    /// Every name of an inference sweep, for hints.
    pub fn names() -> String {
        Objective::ALL.map(Objective::name).join(", ")
    }

    /// Every name of a sweep of `mode`, for hints.
    pub fn names_of(mode: Mode) -> String {
        Objective::of(mode)
            .iter()
            .map(|o| o.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every name of a sweep of `mode` with or without the synth stage, for
    /// hints.
    pub fn names_of_stage(mode: Mode, synth: bool) -> String {
        let mut s = Objective::names_of(mode);
        if synth {
            for o in Objective::SYNTH {
                s.push_str(", ");
                s.push_str(o.name());
            }
        }
        s
    }

    /// The first of `list` that only a synth stage has, when the sweep has
    /// none, with a message saying so.
    pub fn check_stage(list: &[Objective], synth: bool) -> Result<(), (usize, String)> {
        match list.iter().position(|o| o.needs_synth() && !synth) {
            None => Ok(()),
            Some(i) => Err((
                i,
                format!(
                    "objective `{}` is a synthesis figure, and this sweep has no synth stage",
                    list[i].name()
                ),
            )),
        }
    }

    /// The first of `list` that rows of `mode` do not have, with a message
    /// saying which mode it belongs to.
    pub fn check_mode(list: &[Objective], mode: Mode) -> Result<(), (usize, String)> {
        match list.iter().position(|o| !o.applies(mode)) {
            None => Ok(()),
            Some(i) => {
                let other = match mode {
                    Mode::Inference => Mode::Train,
                    Mode::Train => Mode::Inference,
                };
                Err((
                    i,
                    format!(
                        "objective `{}` belongs to {other}-mode sweeps, and this sweep is in {mode} mode",
                        list[i].name()
                    ),
                ))
            }
        }
    }

    /// Parses 2 or 3 distinct objectives (or none); the error names the
    /// offending entry (if one) and says what is wrong.
    pub fn parse_list<S: AsRef<str>>(
        names: &[S],
    ) -> Result<Vec<Objective>, (Option<usize>, String)> {
        let mut out: Vec<Objective> = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let n = n.as_ref();
            let o = Objective::parse(n).ok_or((Some(i), format!("unknown objective `{n}`")))?;
            if out.contains(&o) {
                return Err((Some(i), format!("objective `{n}` is listed twice")));
            }
            out.push(o);
        }
        if !(out.is_empty() || (2..=3).contains(&out.len())) {
            return Err((
                None,
                format!(
                    "a Pareto front needs 2 or 3 objectives, found {}",
                    out.len()
                ),
            ));
        }
        Ok(out)
    }
}

/// `[constraints]`: limits a row must respect to be feasible (absent: no limit).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Largest area, mm^2.
    pub max_area_mm2: Option<f64>,
    /// Largest average power, W.
    pub max_power_w: Option<f64>,
    /// Smallest achieved TOPS.
    pub min_tops: Option<f64>,
    /// Largest latency of one batch, ms.
    pub max_latency_ms: Option<f64>,
    /// Largest energy of one batch, mJ.
    pub max_energy_mj: Option<f64>,
    /// Smallest throughput, inferences per second.
    pub min_throughput_inf_per_s: Option<f64>,
    /// Smallest TOPS/W.
    pub min_tops_per_w: Option<f64>,
    /// Smallest array utilization (0 to 1).
    pub min_utilization: Option<f64>,
    /// Longest training step, ms (train mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_step_time_ms: Option<f64>,
    /// Largest energy of a training step on all chips, mJ (train mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_energy_per_step_mj: Option<f64>,
    /// Smallest training throughput, samples per second (train mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples_per_s: Option<f64>,
    /// Smallest samples per second per watt, i.e. samples per joule (train
    /// mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples_per_s_per_w: Option<f64>,
    /// Smallest Fmax, MHz (synth stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_fmax_mhz: Option<f64>,
    /// Most LUTs (synth stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_luts: Option<f64>,
}

/// A limit: its field name, value, and the objective whose column it bounds
/// (a maximum when the objective is minimized, a minimum when maximized).
type Limit = (&'static str, Option<f64>, Objective);

impl Constraints {
    fn limits(&self) -> [Limit; 14] {
        [
            ("max_area_mm2", self.max_area_mm2, Objective::Area),
            ("max_power_w", self.max_power_w, Objective::Power),
            ("min_tops", self.min_tops, Objective::Tops),
            ("max_latency_ms", self.max_latency_ms, Objective::Latency),
            ("max_energy_mj", self.max_energy_mj, Objective::Energy),
            (
                "min_throughput_inf_per_s",
                self.min_throughput_inf_per_s,
                Objective::Throughput,
            ),
            ("min_tops_per_w", self.min_tops_per_w, Objective::TopsPerW),
            (
                "min_utilization",
                self.min_utilization,
                Objective::Utilization,
            ),
            (
                "max_step_time_ms",
                self.max_step_time_ms,
                Objective::StepTime,
            ),
            (
                "max_energy_per_step_mj",
                self.max_energy_per_step_mj,
                Objective::EnergyPerStep,
            ),
            (
                "min_samples_per_s",
                self.min_samples_per_s,
                Objective::SamplesPerS,
            ),
            (
                "min_samples_per_s_per_w",
                self.min_samples_per_s_per_w,
                Objective::SamplesPerW,
            ),
            ("min_fmax_mhz", self.min_fmax_mhz, Objective::Fmax),
            ("max_luts", self.max_luts, Objective::Luts),
        ]
    }

    /// The first limit given that only a synth stage's rows have, when the
    /// sweep has none.
    pub fn check_stage(&self, synth: bool) -> Result<(), (&'static str, String)> {
        match self
            .limits()
            .into_iter()
            .find(|(_, l, o)| l.is_some() && o.needs_synth() && !synth)
        {
            None => Ok(()),
            Some((name, ..)) => Err((
                name,
                format!("`{name}` limits a synthesis figure, and this sweep has no synth stage"),
            )),
        }
    }

    /// Whether `row` respects every limit (a limit on a figure the row does
    /// not have is not met; validation keeps such limits out of a spec).
    pub fn feasible<R: Row>(&self, row: &R) -> bool {
        self.limits().iter().all(|(_, limit, o)| match limit {
            None => true,
            Some(l) => match o.sense() {
                Sense::Min => row.value(*o) <= *l,
                Sense::Max => row.value(*o) >= *l,
            },
        })
    }

    /// Checks every limit is a finite number greater than 0 (minimums may be
    /// 0); the error names the field.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (name, limit, o) in self.limits() {
            if let Some(l) = limit {
                let ok = l.is_finite() && (l > 0.0 || (o.sense() == Sense::Max && l == 0.0));
                if !ok {
                    return Err((name, format!("expected a positive number, found {l}")));
                }
            }
        }
        Ok(())
    }

    /// Checks every limit given bounds a figure rows of `mode` have; the
    /// error names the field and the mode it belongs to.
    pub fn check_mode(&self, mode: Mode) -> Result<(), (&'static str, String)> {
        for (name, limit, o) in self.limits() {
            if limit.is_some() && !o.applies(mode) {
                return Err((
                    name,
                    format!(
                        "`{name}` limits {} rows, and this sweep is in {mode} mode",
                        match mode {
                            Mode::Inference => "train-mode",
                            Mode::Train => "inference",
                        }
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Indices (ascending) of the rows on a Pareto front over `objectives`:
/// among feasible rows only, and per model (rows of different models are
/// not comparable), each objective minimized or maximized by its sense.
/// Rows with a NaN objective are never on a front.
pub fn pareto_rows<R: Row>(rows: &[R], objectives: &[Objective]) -> Vec<usize> {
    let mut by_model: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.feasible()) {
        match by_model.iter_mut().find(|(m, _)| *m == r.model()) {
            Some((_, v)) => v.push(i),
            None => by_model.push((r.model(), vec![i])),
        }
    }
    let mut out = Vec::new();
    for (_, idx) in by_model {
        let values: Vec<Vec<f64>> = idx
            .iter()
            .map(|&i| {
                objectives
                    .iter()
                    .map(|o| match o.sense() {
                        Sense::Min => rows[i].value(*o),
                        Sense::Max => -rows[i].value(*o),
                    })
                    .collect()
            })
            .collect();
        out.extend(pareto::front(&values).into_iter().map(|k| idx[k]));
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_parse_by_name_or_column_and_lists_hold_two_or_three() {
        for o in Objective::ALL {
            assert_eq!(Objective::parse(o.name()), Some(o));
            assert_eq!(Objective::parse(o.column()), Some(o));
        }
        assert_eq!(Objective::parse("tops_per_w").unwrap().sense(), Sense::Max);
        assert_eq!(Objective::parse("edp").unwrap().sense(), Sense::Min);
        assert_eq!(
            Objective::parse_list(&["latency", "area_mm2"]),
            Ok(vec![Objective::Latency, Objective::Area])
        );
        assert_eq!(Objective::parse_list::<&str>(&[]), Ok(vec![]));
        assert_eq!(Objective::parse_list(&["latency"]).unwrap_err().0, None);
        assert_eq!(
            Objective::parse_list(&["latency", "latency_ms"])
                .unwrap_err()
                .0,
            Some(1)
        );
        assert!(Objective::parse_list(&["a", "b", "c", "d"]).is_err());
    }

    /// A row with distinct values in every objective's column.
    fn row() -> SweepRow {
        serde_json::from_str(
            r#"{"point":0,"model":"m","base":"b","rows":8,"cols":8,"dataflow":"ws","operand":"int8",
            "ifmap_sram_kib":1.0,"filter_sram_kib":1.0,"ofmap_sram_kib":1.0,"dram_bandwidth_bytes_per_cycle":1.0,
            "clock_mhz":100.0,"batch":1,"layers":1,"macs":1,"cycles":1,"latency_ms":2.0,"throughput_inf_per_s":500.0,
            "energy_mj":3.0,"edp_mj_ms":6.0,"power_w":1.5,"area_mm2":4.0,"area_source":"model","peak_tops":1.0,
            "achieved_tops":0.5,"tops_per_w":0.3,"tops_per_mm2":0.125,"utilization":0.5,"feasible":true}"#,
        )
        .unwrap()
    }

    #[test]
    fn labels_are_distinct_and_minimized_negates_what_is_maximized() {
        let mut labels: Vec<&str> = Objective::ALL.map(Objective::label).to_vec();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Objective::ALL.len());
        assert!(Objective::Latency.label().contains("(ms)"));
        let row = row();
        for o in Objective::ALL {
            let sign = if o.sense() == Sense::Min { 1.0 } else { -1.0 };
            assert_eq!(o.minimized(&row), sign * o.value(&row), "{o:?}");
        }
    }

    #[test]
    fn each_objective_and_limit_belongs_to_its_modes() {
        let mut labels: Vec<&str> = Objective::ALL
            .iter()
            .chain(&Objective::TRAIN)
            .map(|o| o.label())
            .collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), 14, "area and power are shared");
        for o in Objective::TRAIN {
            assert_eq!(Objective::parse(o.name()), Some(o));
            assert_eq!(Objective::parse(o.column()), Some(o));
            assert!(o.applies(Mode::Train));
        }
        assert_eq!(Objective::StepTime.sense(), Sense::Min);
        assert_eq!(Objective::EnergyPerStep.sense(), Sense::Min);
        assert_eq!(Objective::SamplesPerS.sense(), Sense::Max);
        assert_eq!(Objective::SamplesPerW.sense(), Sense::Max);
        assert!(Objective::Area.applies(Mode::Inference) && Objective::Power.applies(Mode::Train));
        assert!(!Objective::Latency.applies(Mode::Train));
        assert!(!Objective::StepTime.applies(Mode::Inference));
        assert!(Objective::value(Objective::SamplesPerW, &row()).is_nan());
        let (i, msg) =
            Objective::check_mode(&[Objective::Area, Objective::Tops], Mode::Train).unwrap_err();
        assert_eq!(i, 1);
        assert!(msg.contains("belongs to inference-mode sweeps"), "{msg}");
        let c = Constraints {
            max_area_mm2: Some(1.0),
            max_step_time_ms: Some(1.0),
            ..Constraints::default()
        };
        assert_eq!(c.check_mode(Mode::Train), Ok(()));
        assert_eq!(
            c.check_mode(Mode::Inference).unwrap_err().0,
            "max_step_time_ms"
        );
        // The old limits serialize as before; the new ones only when given.
        let text = serde_json::to_string(&Constraints::default()).unwrap();
        assert!(!text.contains("step_time") && text.contains("\"min_utilization\":null"));
    }

    #[test]
    fn constraints_bound_each_column_in_its_direction() {
        let row = row();
        let c = |f: fn(&mut Constraints)| {
            let mut c = Constraints::default();
            f(&mut c);
            c.feasible(&row)
        };
        assert!(c(|_| {}));
        assert!(c(|c| c.max_area_mm2 = Some(4.0)));
        assert!(!c(|c| c.max_area_mm2 = Some(3.9)));
        assert!(!c(|c| c.max_power_w = Some(1.0)));
        assert!(c(|c| c.min_tops = Some(0.5)));
        assert!(!c(|c| c.min_tops = Some(0.6)));
        assert!(!c(|c| c.max_latency_ms = Some(1.0)));
        assert!(!c(|c| c.max_energy_mj = Some(2.0)));
        assert!(!c(|c| c.min_throughput_inf_per_s = Some(501.0)));
        assert!(!c(|c| c.min_tops_per_w = Some(0.31)));
        assert!(!c(|c| c.min_utilization = Some(0.6)));
        let bad = Constraints {
            max_power_w: Some(f64::INFINITY),
            ..Constraints::default()
        };
        assert_eq!(bad.check().unwrap_err().0, "max_power_w");
        let zero_min = Constraints {
            min_utilization: Some(0.0),
            ..Constraints::default()
        };
        assert!(zero_min.check().is_ok());
    }
}
