//! Objectives (each minimized or maximized), constraints that make a row
//! feasible, and Pareto fronts of sweep rows.

use super::pareto;
use super::row::SweepRow;
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
}

impl Objective {
    /// Every objective.
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
        }
    }

    /// Whether it is minimized or maximized.
    pub fn sense(self) -> Sense {
        match self {
            Objective::Latency
            | Objective::Energy
            | Objective::Edp
            | Objective::Area
            | Objective::Power => Sense::Min,
            _ => Sense::Max,
        }
    }

    /// Its value in `row`.
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

    /// Parses a name (or its column name).
    pub fn parse(s: &str) -> Option<Objective> {
        let s = s.trim();
        Objective::ALL
            .into_iter()
            .find(|o| o.name() == s || o.column() == s)
    }

    /// Every name, for hints.
    pub fn names() -> String {
        Objective::ALL.map(Objective::name).join(", ")
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
}

/// A limit: its field name, value, whether it is a maximum (`Min`: smaller
/// is better) or a minimum, and the value it bounds.
type Limit = (&'static str, Option<f64>, Sense, fn(&SweepRow) -> f64);

impl Constraints {
    fn limits(&self) -> [Limit; 8] {
        [
            ("max_area_mm2", self.max_area_mm2, Sense::Min, |r| {
                r.area_mm2
            }),
            ("max_power_w", self.max_power_w, Sense::Min, |r| r.power_w),
            ("min_tops", self.min_tops, Sense::Max, |r| r.achieved_tops),
            ("max_latency_ms", self.max_latency_ms, Sense::Min, |r| {
                r.latency_ms
            }),
            ("max_energy_mj", self.max_energy_mj, Sense::Min, |r| {
                r.energy_mj
            }),
            (
                "min_throughput_inf_per_s",
                self.min_throughput_inf_per_s,
                Sense::Max,
                |r| r.throughput_inf_per_s,
            ),
            ("min_tops_per_w", self.min_tops_per_w, Sense::Max, |r| {
                r.tops_per_w
            }),
            ("min_utilization", self.min_utilization, Sense::Max, |r| {
                r.utilization
            }),
        ]
    }

    /// Whether `row` respects every limit.
    pub fn feasible(&self, row: &SweepRow) -> bool {
        self.limits()
            .iter()
            .all(|(_, limit, sense, value)| match limit {
                None => true,
                Some(l) => match sense {
                    Sense::Min => value(row) <= *l,
                    Sense::Max => value(row) >= *l,
                },
            })
    }

    /// Checks every limit is a finite number greater than 0 (minimums may be
    /// 0); the error names the field.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (name, limit, sense, _) in self.limits() {
            if let Some(l) = limit {
                let ok = l.is_finite() && (l > 0.0 || (sense == Sense::Max && l == 0.0));
                if !ok {
                    return Err((name, format!("expected a positive number, found {l}")));
                }
            }
        }
        Ok(())
    }
}

/// Indices (ascending) of the rows on a Pareto front over `objectives`:
/// among feasible rows only, and per model (rows of different models are
/// not comparable), each objective minimized or maximized by its sense.
/// Rows with a NaN objective are never on a front.
pub fn pareto_rows(rows: &[SweepRow], objectives: &[Objective]) -> Vec<usize> {
    let mut by_model: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| r.feasible) {
        match by_model.iter_mut().find(|(m, _)| *m == r.model) {
            Some((_, v)) => v.push(i),
            None => by_model.push((&r.model, vec![i])),
        }
    }
    let mut out = Vec::new();
    for (_, idx) in by_model {
        let values: Vec<Vec<f64>> = idx
            .iter()
            .map(|&i| objectives.iter().map(|o| o.minimized(&rows[i])).collect())
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
