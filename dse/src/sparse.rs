//! Sparse points of a sweep against their dense twins: each row with an
//! N:M pattern matched with the dense row that shares every other column of
//! the design (and the model and batch), and per pattern the spread of its
//! speedup, energy ratio and area ratio over the matched pairs. Arithmetic
//! on finished rows only, for a report to draw.

use crate::SweepRow;
use std::collections::HashMap;

/// The median and range of a figure over matched pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Median (the mean of the middle two of an even count).
    pub median: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (`None` when there is none).
    pub fn of(mut values: Vec<f64>) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: values[0],
            max: values[n - 1],
        })
    }
}

/// One pattern against dense, over its matched pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternRatios {
    /// The pattern as the rows name it (`2:4`).
    pub pattern: String,
    /// Rows of the pattern matched with a dense twin.
    pub pairs: usize,
    /// Dense cycles / sparse cycles.
    pub speedup: Spread,
    /// Sparse energy / dense energy.
    pub energy: Spread,
    /// Sparse area / dense area.
    pub area: Spread,
}

/// Every pattern of some rows against dense.
#[derive(Debug, Clone, PartialEq)]
pub struct AgainstDense {
    /// Patterns with at least one matched pair, in order of first
    /// appearance.
    pub patterns: Vec<PatternRatios>,
    /// Sparse rows with no dense twin (the sweep had no dense point there)
    /// or a zero figure to divide by.
    pub unmatched: usize,
}

/// What a row shares with its dense twin: model, base, batch and every
/// design column but the sparsity.
fn twin_key(r: &SweepRow) -> impl std::hash::Hash + Eq + use<'_> {
    (
        (r.model.as_str(), r.base.as_str(), r.batch),
        (r.rows, r.cols, r.dataflow.as_str(), r.operand.as_str()),
        [
            r.ifmap_sram_kib,
            r.filter_sram_kib,
            r.ofmap_sram_kib,
            r.dram_bandwidth_bytes_per_cycle,
            r.clock_mhz,
        ]
        .map(f64::to_bits),
    )
}

/// Each sparse pattern of `rows` against its dense twins (rows of any
/// feasibility). A pair counts when the dense row's cycles and energy and
/// both areas are positive.
pub fn against_dense(rows: &[&SweepRow]) -> AgainstDense {
    let dense: HashMap<_, &SweepRow> = rows
        .iter()
        .filter(|r| r.sparsity == "dense")
        .map(|r| (twin_key(r), *r))
        .collect();
    let mut order: Vec<&str> = Vec::new();
    let mut figures: Vec<[Vec<f64>; 3]> = Vec::new();
    let mut unmatched = 0;
    for r in rows.iter().filter(|r| r.sparsity != "dense") {
        let twin = dense
            .get(&twin_key(r))
            .filter(|d| r.cycles > 0 && d.cycles > 0 && d.energy_mj > 0.0 && d.area_mm2 > 0.0);
        let Some(d) = twin else {
            unmatched += 1;
            continue;
        };
        let k = match order.iter().position(|p| *p == r.sparsity) {
            Some(k) => k,
            None => {
                order.push(&r.sparsity);
                figures.push(Default::default());
                order.len() - 1
            }
        };
        let [speedup, energy, area] = &mut figures[k];
        speedup.push(d.cycles as f64 / r.cycles as f64);
        energy.push(r.energy_mj / d.energy_mj);
        area.push(r.area_mm2 / d.area_mm2);
    }
    let patterns = order
        .into_iter()
        .zip(figures)
        .filter_map(|(p, [s, e, a])| {
            Some(PatternRatios {
                pattern: p.to_string(),
                pairs: s.len(),
                speedup: Spread::of(s)?,
                energy: Spread::of(e)?,
                area: Spread::of(a)?,
            })
        })
        .collect();
    AgainstDense {
        patterns,
        unmatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_take_the_middle_and_the_ends() {
        let s = Spread::of(vec![3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(Spread::of(vec![4.0, 1.0, 2.0, 8.0]).unwrap().median, 3.0);
        assert_eq!(Spread::of(Vec::new()), None);
    }
}
