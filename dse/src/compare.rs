//! `systolic compare`: one model on ASIC designs, FPGAs, GPUs and CPUs side
//! by side, ranked for the user's budgets, with a recommendation whose reasons
//! are the numbers (docs/COMPARE.md).
//!
//! An [`Entry`] is one target at one batch. Ranking is per batch:
//! targets inside the budgets first, then by Pareto layer on (latency,
//! throughput, inferences per joule, power) so that a target better on
//! every metric always ranks above, then by inferences per joule.

pub use super::mode::Mode;
use serde::{Deserialize, Serialize};
use sim::area::AreaBreakdown;
use sim::report::LayerReport;
use std::cmp::Ordering;

/// What kind of hardware a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A design simulated at its node (`sim`).
    Asic,
    /// The generated RTL synthesized for an FPGA, simulated at its Fmax.
    Fpga,
    /// A GPU's calibrated model (not a simulation).
    Gpu,
    /// A CPU's calibrated model (not a simulation).
    Cpu,
}

impl Kind {
    /// Every kind, in the order the recommendation compares them.
    pub const ALL: [Kind; 4] = [Kind::Asic, Kind::Fpga, Kind::Gpu, Kind::Cpu];

    /// `asic`, `fpga`, `gpu`, `cpu`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Asic => "asic",
            Kind::Fpga => "fpga",
            Kind::Gpu => "gpu",
            Kind::Cpu => "cpu",
        }
    }

    /// `ASIC`, `FPGA`, `GPU`, `CPU`.
    pub fn upper(self) -> &'static str {
        match self {
            Kind::Asic => "ASIC",
            Kind::Fpga => "FPGA",
            Kind::Gpu => "GPU",
            Kind::Cpu => "CPU",
        }
    }
}

/// One target running the model at one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Target name (`edge-8x8`, `a100`, `ecp5-85k`).
    pub target: String,
    /// Its kind.
    pub kind: Kind,
    /// How the numbers were made (`simulated at 16 nm`, `calibrated model,
    /// not a simulation`, ...).
    pub how: String,
    /// The model.
    pub model: String,
    /// Inferences (or samples) per run.
    pub batch: u64,
    /// One run of the batch, ms.
    pub latency_ms: f64,
    /// Inferences per second.
    pub throughput_per_s: f64,
    /// Energy per inference, mJ.
    pub energy_per_inference_mj: f64,
    /// Inferences per joule.
    pub inferences_per_j: f64,
    /// Achieved tera-operations per second (2 per MAC).
    pub achieved_tops: f64,
    /// Peak tera-operations per second.
    pub peak_tops: f64,
    /// Achieved over peak.
    pub utilization: f64,
    /// Average power while running, W.
    pub power_w: f64,
    /// Silicon area (ASIC model), mm^2.
    pub area_mm2: Option<f64>,
    /// Published price, US dollars.
    pub cost_usd: Option<f64>,
    /// Inference or a training step (the energy and throughput fields are
    /// then per sample).
    #[serde(default)]
    pub mode: Mode,
    /// Whether what the run keeps resident (weights, and for a step the
    /// gradients, optimizer state and saved activations) fits the target's
    /// memory; `None` where the target's capacity is not known.
    #[serde(default)]
    pub fits_memory: Option<bool>,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

impl Entry {
    /// An ASIC design's entry from its simulated totals at `batch`.
    pub fn asic(
        design: &sim::Design,
        model: &str,
        batch: u64,
        total: &LayerReport,
        area: &AreaBreakdown,
    ) -> Entry {
        let node = design
            .energy
            .node_nm
            .map_or(String::new(), |nm| format!(" at {nm} nm"));
        Entry::from_totals(
            (
                &design.name,
                Kind::Asic,
                format!("simulated{node}, from its DRAM: no host time"),
            ),
            model,
            batch,
            total,
            Some(area.total_mm2),
        )
    }

    /// An entry from a simulation's totals (`target`, `kind`, `how`).
    pub fn from_totals(
        (target, kind, how): (&str, Kind, String),
        model: &str,
        batch: u64,
        total: &LayerReport,
        area_mm2: Option<f64>,
    ) -> Entry {
        let seconds = total.latency_us * 1e-6;
        let energy_j = total.energy_total_pj * 1e-12;
        let per = energy_j / batch.max(1) as f64;
        Entry {
            target: target.to_string(),
            kind,
            how,
            model: model.to_string(),
            batch,
            latency_ms: total.latency_us / 1e3,
            throughput_per_s: ratio(batch as f64, seconds),
            energy_per_inference_mj: per * 1e3,
            inferences_per_j: ratio(1.0, per),
            achieved_tops: total.achieved_tops,
            peak_tops: total.peak_tops,
            utilization: total.utilization,
            power_w: ratio(energy_j, seconds),
            area_mm2,
            cost_usd: None,
            mode: Mode::Inference,
            fits_memory: None,
        }
    }
}

/// The user's limits: a batch's latency and the average power.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Budgets {
    /// At most this latency per run of the batch, ms.
    pub latency_ms: Option<f64>,
    /// At most this power, W.
    pub power_w: Option<f64>,
}

impl Budgets {
    /// Why `e` is outside the budgets, or cannot run at all because it does
    /// not fit its memory (`None`: inside).
    pub fn breach(&self, e: &Entry) -> Option<String> {
        let mut why = Vec::new();
        if let Some(l) = self.latency_ms.filter(|&l| e.latency_ms > l) {
            why.push(format!("latency {} ms over {l} ms", sig(e.latency_ms)));
        }
        if let Some(p) = self.power_w.filter(|&p| e.power_w > p) {
            why.push(format!("power {} W over {p} W", sig(e.power_w)));
        }
        if e.fits_memory == Some(false) {
            why.push("does not fit its memory".to_string());
        }
        (!why.is_empty()).then(|| why.join(", "))
    }
}

/// Three significant figures, no exponent for everyday magnitudes (from
/// 0.001 to below ten million), an exponent beyond them (`9.39e-6`).
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    if !(1e-3..1e7).contains(&x.abs()) {
        return format!("{x:.2e}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// Whether `a` is at least as good as `b` on every metric (latency,
/// throughput, inferences per joule, power) and better on one.
pub fn dominates(a: &Entry, b: &Entry) -> bool {
    let ge = [
        a.latency_ms <= b.latency_ms,
        a.throughput_per_s >= b.throughput_per_s,
        a.inferences_per_j >= b.inferences_per_j,
        a.power_w <= b.power_w,
    ];
    let gt = [
        a.latency_ms < b.latency_ms,
        a.throughput_per_s > b.throughput_per_s,
        a.inferences_per_j > b.inferences_per_j,
        a.power_w < b.power_w,
    ];
    ge.iter().all(|&x| x) && gt.iter().any(|&x| x)
}

/// One entry's place in its batch's ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Index into the entries.
    pub index: usize,
    /// 1 = best at its batch.
    pub rank: usize,
    /// Pareto layer among the entries of its batch inside (or, for those
    /// outside, among those outside) the budgets; 0 is the front.
    pub layer: usize,
    /// Why it is outside the budgets.
    pub breach: Option<String>,
}

/// Ranks `entries` within each batch (batches ascending): inside the
/// budgets first; then by Pareto layer; then by inferences per joule, then
/// throughput, then name.
pub fn rank(entries: &[Entry], budgets: &Budgets) -> Vec<Ranked> {
    let mut batches: Vec<u64> = entries.iter().map(|e| e.batch).collect();
    batches.sort_unstable();
    batches.dedup();
    let mut out = Vec::with_capacity(entries.len());
    for b in batches {
        let idx: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].batch == b)
            .collect();
        let breach: Vec<Option<String>> =
            idx.iter().map(|&i| budgets.breach(&entries[i])).collect();
        // Pareto layers within each side of the budgets.
        let mut layer = vec![usize::MAX; idx.len()];
        for inside in [true, false] {
            let mut left: Vec<usize> = (0..idx.len())
                .filter(|&j| breach[j].is_none() == inside)
                .collect();
            let mut l = 0;
            while !left.is_empty() {
                let front: Vec<usize> = left
                    .iter()
                    .copied()
                    .filter(|&j| {
                        !left
                            .iter()
                            .any(|&o| dominates(&entries[idx[o]], &entries[idx[j]]))
                    })
                    .collect();
                for &j in &front {
                    layer[j] = l;
                }
                left.retain(|j| !front.contains(j));
                l += 1;
            }
        }
        let mut order: Vec<usize> = (0..idx.len()).collect();
        order.sort_by(|&x, &y| {
            let (ex, ey) = (&entries[idx[x]], &entries[idx[y]]);
            breach[x]
                .is_some()
                .cmp(&breach[y].is_some())
                .then(layer[x].cmp(&layer[y]))
                .then(desc(ex.inferences_per_j, ey.inferences_per_j))
                .then(desc(ex.throughput_per_s, ey.throughput_per_s))
                .then(ex.target.cmp(&ey.target))
        });
        for (r, &j) in order.iter().enumerate() {
            out.push(Ranked {
                index: idx[j],
                rank: r + 1,
                layer: layer[j],
                breach: breach[j].clone(),
            });
        }
    }
    out
}

fn desc(a: f64, b: f64) -> Ordering {
    b.total_cmp(&a)
}

/// The best entry of `kind` at `batch` by `key` (largest), inside the budgets.
fn best_by<'a>(
    entries: &'a [Entry],
    budgets: &Budgets,
    batch: u64,
    kind: Option<Kind>,
    key: impl Fn(&Entry) -> f64,
) -> Option<&'a Entry> {
    entries
        .iter()
        .filter(|e| e.batch == batch && kind.is_none_or(|k| e.kind == k))
        .filter(|e| budgets.breach(e).is_none())
        .max_by(|a, b| key(a).total_cmp(&key(b)).then(b.target.cmp(&a.target)))
}

/// The recommendation: one line per finding, each stating the numbers it
/// rests on.
pub fn recommend(entries: &[Entry], budgets: &Budgets) -> Vec<String> {
    let mut lines = Vec::new();
    let mut batches: Vec<u64> = entries.iter().map(|e| e.batch).collect();
    batches.sort_unstable();
    batches.dedup();
    let unit = entries.first().map_or(Mode::Inference, |e| e.mode).unit();
    let label = |e: &Entry| format!("{} {}", e.kind.upper(), e.target);
    let ranked = rank(entries, budgets);
    for &b in &batches {
        let top = ranked
            .iter()
            .find(|r| entries[r.index].batch == b)
            .map(|r| (&entries[r.index], r.breach.clone()));
        let Some((top, breach)) = top else { continue };
        if let Some(why) = breach {
            let shown = entries.iter().filter(|e| e.batch == b).count();
            lines.push(format!(
                "batch {b}: none of the {shown} targets meets the budgets; the best, {}, has {why}",
                label(top)
            ));
            continue;
        }
        let mut s = format!(
            "batch {b}: {}: {} {unit}/J, {} ms, {} W",
            label(top),
            sig(top.inferences_per_j),
            sig(top.latency_ms),
            sig(top.power_w)
        );
        for k in Kind::ALL {
            if k == top.kind {
                continue;
            }
            if let Some(o) = best_by(entries, budgets, b, Some(k), |e| e.inferences_per_j) {
                s.push_str(&format!(
                    "; {}x the {unit}/J of the best {} ({})",
                    sig(ratio(top.inferences_per_j, o.inferences_per_j)),
                    k.upper(),
                    o.target
                ));
            }
        }
        lines.push(s);
        if let Some(line) = cpu_first(entries, budgets, b) {
            lines.push(line);
        }
    }
    // Who wins on throughput, and from which batch on.
    let winners: Vec<(u64, &Entry)> = batches
        .iter()
        .filter_map(|&b| best_by(entries, budgets, b, None, |e| e.throughput_per_s).map(|e| (b, e)))
        .collect();
    for w in winners.windows(2) {
        let ((_, a), (b, x)) = (w[0], w[1]);
        if a.target != x.target {
            lines.push(format!(
                "on throughput {} wins from batch {b} ({} {unit}/s against {}'s {})",
                label(x),
                sig(x.throughput_per_s),
                a.target,
                sig(entries
                    .iter()
                    .find(|e| e.batch == b && e.target == a.target)
                    .map_or(0.0, |e| e.throughput_per_s))
            ));
        }
    }
    if let (Some((b0, first)), true) = (winners.first(), winners.len() > 1) {
        if winners.iter().all(|(_, e)| e.target == first.target) {
            lines.push(format!(
                "on throughput {} wins at every batch from {b0} to {}",
                label(first),
                batches.last().copied().unwrap_or(*b0)
            ));
        }
    }
    lines
}

/// When a CPU answers first at `batch` (inside the budgets), among all
/// targets or else before every GPU: the line saying so, with the fastest
/// other target's latency and utilization beside the CPU's, since a model
/// too small to fill an accelerator is where a CPU wins (said only when
/// that target's utilization is under 10 %).
fn cpu_first(entries: &[Entry], budgets: &Budgets, batch: u64) -> Option<String> {
    let cpu = best_by(entries, budgets, batch, Some(Kind::Cpu), |e| -e.latency_ms)?;
    let fastest = |kind: Option<Kind>| {
        entries
            .iter()
            .filter(|e| e.batch == batch && e.kind != Kind::Cpu && budgets.breach(e).is_none())
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .min_by(|a, b| a.latency_ms.total_cmp(&b.latency_ms))
    };
    let (other, before) = match (fastest(None), fastest(Some(Kind::Gpu))) {
        (Some(o), _) if cpu.latency_ms < o.latency_ms => (o, "answers first"),
        (_, Some(g)) if cpu.latency_ms < g.latency_ms => (g, "answers before every GPU"),
        _ => return None,
    };
    let why = if other.utilization < 0.1 {
        format!(
            ": the model is too small to keep {} busy",
            if other.kind == Kind::Gpu {
                "a GPU"
            } else {
                "an accelerator"
            }
        )
    } else {
        String::new()
    };
    Some(format!(
        "batch {batch}: the CPU {} {before} ({} ms against {} {}'s {} ms at {}% utilization){why}",
        cpu.target,
        sig(cpu.latency_ms),
        other.kind.upper(),
        other.target,
        sig(other.latency_ms),
        sig(100.0 * other.utilization)
    ))
}

/// The entries as CSV, one row each, the [`Entry`] fields as columns.
pub fn to_csv(entries: &[Entry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for e in entries {
        w.serialize(e).expect("entries serialize");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("CSV is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(target: &str, kind: Kind, batch: u64, m: [f64; 4]) -> Entry {
        Entry {
            target: target.into(),
            kind,
            how: "test".into(),
            model: "m".into(),
            batch,
            latency_ms: m[0],
            throughput_per_s: m[1],
            energy_per_inference_mj: 1e3 / m[2],
            inferences_per_j: m[2],
            achieved_tops: 1.0,
            peak_tops: 2.0,
            utilization: 0.5,
            power_w: m[3],
            area_mm2: None,
            cost_usd: None,
            mode: Mode::Inference,
            fits_memory: None,
        }
    }

    fn metrics() -> impl Strategy<Value = [f64; 4]> {
        [0.01f64..1e3, 1.0f64..1e5, 1.0f64..1e6, 0.1f64..700.0]
    }

    proptest! {
        /// A target better on every metric (or as good, and better on one)
        /// always ranks above, whatever the budgets and the other targets.
        #[test]
        fn a_target_better_on_every_metric_ranks_above(
            worse in metrics(),
            gain in [1.0f64..10.0, 1.0f64..10.0, 1.0f64..10.0, 1.0f64..10.0],
            others in prop::collection::vec(metrics(), 0..6),
            latency in prop::option::of(0.01f64..1e3),
            power in prop::option::of(0.1f64..700.0),
        ) {
            let better = [worse[0] / gain[0], worse[1] * gain[1], worse[2] * gain[2], worse[3] / gain[3]];
            prop_assume!(better != worse);
            let mut es = vec![entry("worse", Kind::Gpu, 1, worse), entry("zbetter", Kind::Asic, 1, better)];
            for (i, m) in others.iter().enumerate() {
                es.push(entry(&format!("o{i}"), Kind::Fpga, 1, *m));
            }
            let budgets = Budgets { latency_ms: latency, power_w: power };
            let r = rank(&es, &budgets);
            let at = |i: usize| r.iter().find(|x| x.index == i).unwrap().rank;
            prop_assert!(at(1) < at(0), "better ranked {} worse {}", at(1), at(0));
            // Ranks are 1..n within the batch.
            let mut ranks: Vec<usize> = r.iter().map(|x| x.rank).collect();
            ranks.sort_unstable();
            prop_assert_eq!(ranks, (1..=es.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn budgets_put_breaches_last_and_say_why() {
        let es = vec![
            entry("fast-hot", Kind::Gpu, 1, [1.0, 1000.0, 100.0, 300.0]),
            entry("slow-cool", Kind::Asic, 1, [5.0, 200.0, 5000.0, 2.0]),
        ];
        let b = Budgets {
            latency_ms: Some(10.0),
            power_w: Some(50.0),
        };
        let r = rank(&es, &b);
        assert_eq!((r[0].index, r[1].index), (1, 0));
        assert_eq!(r[1].breach.as_deref(), Some("power 300 W over 50 W"));
        let lines = recommend(&es, &b);
        // (A GPU outside the budgets is no "best GPU" to compare with.)
        assert_eq!(
            lines[0],
            "batch 1: ASIC slow-cool: 5000 inferences/J, 5.00 ms, 2.00 W"
        );
        let none = Budgets {
            latency_ms: Some(0.1),
            power_w: None,
        };
        let lines = recommend(&es, &none);
        assert!(
            lines[0].starts_with("batch 1: none of the 2 targets meets the budgets; the best, ")
                && lines[0].contains("latency"),
            "{lines:?}"
        );
    }

    #[test]
    fn the_recommendation_gives_ratios_and_the_batch_where_throughput_changes_hands() {
        let es = vec![
            entry("asic", Kind::Asic, 1, [0.5, 2000.0, 20_000.0, 1.0]),
            entry("gpu", Kind::Gpu, 1, [2.0, 500.0, 1_000.0, 100.0]),
            entry("asic", Kind::Asic, 64, [20.0, 3200.0, 20_000.0, 1.0]),
            entry("gpu", Kind::Gpu, 64, [8.0, 8000.0, 3_000.0, 250.0]),
        ];
        let lines = recommend(&es, &Budgets::default());
        assert_eq!(
            lines[0],
            "batch 1: ASIC asic: 20000 inferences/J, 0.500 ms, 1.00 W; 20.0x the inferences/J of the best GPU (gpu)"
        );
        assert!(
            lines.contains(
                &"on throughput GPU gpu wins from batch 64 (8000 inferences/s against asic's 3200)"
                    .to_string()
            ),
            "{lines:?}"
        );
    }

    #[test]
    fn a_cpu_answering_first_is_said_with_the_accelerators_idle_time() {
        let mut es = vec![
            entry("xeon", Kind::Cpu, 1, [0.002, 500.0, 1e5, 50.0]),
            entry("a100", Kind::Gpu, 1, [0.03, 33_000.0, 2e4, 60.0]),
            entry("edge", Kind::Asic, 1, [0.004, 250.0, 1e9, 0.01]),
        ];
        es[2].utilization = 0.002;
        let lines = recommend(&es, &Budgets::default());
        assert_eq!(
            lines[1],
            "batch 1: the CPU xeon answers first (0.00200 ms against ASIC edge's 0.00400 ms at 0.200% utilization): the model is too small to keep an accelerator busy"
        );
        // A busy accelerator: the numbers, no reason given.
        es[2].utilization = 0.6;
        let lines = recommend(&es, &Budgets::default());
        assert!(lines[1].ends_with("at 60.0% utilization)"), "{lines:?}");
        // Behind the ASIC, still before the GPU: said so.
        es[0].latency_ms = 0.01;
        assert_eq!(
            recommend(&es, &Budgets::default())[1],
            "batch 1: the CPU xeon answers before every GPU (0.0100 ms against GPU a100's 0.0300 ms at 50.0% utilization)"
        );
        // Behind both: nothing said.
        es[0].latency_ms = 1.0;
        assert!(!recommend(&es, &Budgets::default())
            .iter()
            .any(|l| l.contains("the CPU")));
    }

    #[test]
    fn a_run_that_does_not_fit_its_memory_ranks_outside_saying_so() {
        let mut es = vec![
            entry("big", Kind::Gpu, 64, [1.0, 1000.0, 100.0, 300.0]),
            entry("small", Kind::Asic, 64, [5.0, 200.0, 50.0, 400.0]),
        ];
        es[0].fits_memory = Some(false);
        es[1].fits_memory = Some(true);
        es[0].mode = Mode::Train;
        es[1].mode = Mode::Train;
        let r = rank(&es, &Budgets::default());
        assert_eq!(r[0].index, 1);
        assert_eq!(r[1].breach.as_deref(), Some("does not fit its memory"));
        assert_eq!(
            recommend(&es, &Budgets::default())[0],
            "batch 64: ASIC small: 50.0 samples/J, 5.00 ms, 400 W"
        );
    }

    #[test]
    fn sig_gives_three_figures() {
        assert_eq!(sig(14.234), "14.2");
        assert_eq!(sig(0.012345), "0.0123");
        assert_eq!(sig(12345.6), "12346");
        assert_eq!(sig(1.0), "1.00");
        assert_eq!(sig(0.00000939), "9.39e-6");
        assert_eq!(sig(106_539_574.0), "1.07e8");
        assert_eq!(sig(-0.5), "-0.500");
    }
}
