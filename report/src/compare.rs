//! The report of `systolic compare --report`: the targets' throughput
//! against energy per inference (the Pareto scatter, batch as the colour),
//! the ranked table per batch and the recommendation. It draws the finished
//! comparison; it simulates nothing.

use super::heatmap::Scale;
use super::pareto::{Axis, Class, Point, Scatter};
use super::site::{Page, Section, Table};
use super::style;
use super::{figure, RenderError};
use dse::compare::{dominates, rank, recommend, sig, Budgets, Entry, Mode};

/// The run's mode (every entry of one comparison has the same).
fn mode(entries: &[Entry]) -> Mode {
    entries.first().map_or(Mode::Inference, |e| e.mode)
}

/// The scatter: one point per target and batch; red the front on
/// (energy per inference, throughput) at every batch together, grey the
/// points outside the budgets; colour the batch.
pub fn scatter(entries: &[Entry], budgets: &Budgets) -> Scatter {
    let (one, unit) = (mode(entries).one(), mode(entries).unit());
    let two = |a: &Entry, b: &Entry| {
        a.energy_per_inference_mj <= b.energy_per_inference_mj
            && a.throughput_per_s >= b.throughput_per_s
            && (a.energy_per_inference_mj < b.energy_per_inference_mj
                || a.throughput_per_s > b.throughput_per_s)
    };
    let inside: Vec<bool> = entries
        .iter()
        .map(|e| budgets.breach(e).is_none())
        .collect();
    let points: Vec<Point> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let front = inside[i]
                && !entries
                    .iter()
                    .enumerate()
                    .any(|(j, o)| inside[j] && two(o, e));
            Point {
                x: e.energy_per_inference_mj,
                y: e.throughput_per_s,
                class: match (inside[i], front) {
                    (false, _) => Class::Infeasible,
                    (true, true) => Class::Front,
                    (true, false) => Class::Feasible,
                },
                front2: front,
                z: Some(e.batch as f64),
                // Named once, at its largest batch.
                label: (!entries
                    .iter()
                    .any(|o| o.target == e.target && o.kind == e.kind && o.batch > e.batch))
                .then(|| e.target.clone()),
                title: format!(
                    "{} {} at batch {}: {} mJ/{one}, {} {unit}/s, {} W ({})",
                    e.kind.upper(),
                    e.target,
                    e.batch,
                    sig(e.energy_per_inference_mj),
                    sig(e.throughput_per_s),
                    sig(e.power_w),
                    e.how
                ),
            }
        })
        .collect();
    let (lo, hi) = entries.iter().fold((f64::INFINITY, 0f64), |(lo, hi), e| {
        (lo.min(e.batch as f64), hi.max(e.batch as f64))
    });
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let model = entries.first().map_or("", |e| e.model.as_str());
    Scatter {
        title: format!("{model}: throughput vs energy per {one}, every target and batch"),
        x: Axis::fit(
            &format!("energy per {one} (mJ)"),
            false,
            points.iter().map(|p| p.x),
        ),
        y: Axis::fit(
            &format!("throughput ({unit}/s)"),
            true,
            points.iter().map(|p| p.y),
        ),
        z: Some(Scale {
            lo,
            hi,
            log: style::wants_log(lo, hi),
            reversed: false,
            label: "batch".into(),
            unit_suffix: String::new(),
            display_scale: 1.0,
        }),
        front_over: "energy, throughput".into(),
        what: "targets at each batch".into(),
        z_objective: false,
        points,
    }
}

/// The comparison page.
pub fn page(entries: &[Entry], budgets: &Budgets) -> Result<Page, RenderError> {
    let model = entries.first().map_or("", |e| e.model.as_str()).to_string();
    let (one, unit) = (mode(entries).one(), mode(entries).unit());
    let title = format!("Throughput against energy per {one}");
    let mut s = Section::new(&title);
    let run = match mode(entries) {
        Mode::Inference => "running the model",
        Mode::Train => "running a training step of the model",
    };
    s.figure(figure(
        &scatter(entries, budgets),
        "compare",
        &title,
        &format!(
            "Each dot is one target {run} at one batch (hover for its numbers); its colour \
             is the batch. Red, connected: the Pareto front over energy per {one} and throughput \
             among the points inside the budgets; grey rings: points outside them. Up and left is \
             better. ASIC and FPGA points are simulations; GPU and CPU points come from calibrated \
             models."
        ),
    )?);
    let mut sections = vec![s];
    let mut s = Section::new("Recommendation");
    for line in recommend(entries, budgets) {
        s.para(line);
    }
    sections.push(s);
    let mut s = Section::new("Ranked per batch");
    let (per_s, mj, per_j) = (
        format!("{unit}/s"),
        format!("mJ/{one}"),
        format!("{unit}/J"),
    );
    let mut t = Table::new(&[
        "batch",
        "rank",
        "target",
        "kind",
        "latency (ms)",
        &per_s,
        &mj,
        &per_j,
        "TOPS (peak)",
        "utilization",
        "power (W)",
        "area (mm2)",
        "cost ($)",
        "how",
    ]);
    for r in rank(entries, budgets) {
        let e = &entries[r.index];
        t.row(vec![
            e.batch.to_string(),
            r.rank.to_string(),
            e.target.clone(),
            e.kind.upper().to_string(),
            sig(e.latency_ms),
            sig(e.throughput_per_s),
            sig(e.energy_per_inference_mj),
            sig(e.inferences_per_j),
            format!("{} ({})", sig(e.achieved_tops), sig(e.peak_tops)),
            format!("{:.1}%", 100.0 * e.utilization),
            sig(e.power_w),
            e.area_mm2.map_or("-".into(), sig),
            e.cost_usd.map_or("-".into(), |c| format!("{c:.0}")),
            match r.breach {
                Some(b) => format!("{}; outside the budgets: {b}", e.how),
                None => e.how.clone(),
            },
        ]);
    }
    s.table(t);
    sections.push(s);
    let dominated = entries
        .iter()
        .filter(|e| {
            entries
                .iter()
                .any(|o| o.batch == e.batch && dominates(o, e))
        })
        .count();
    Ok(Page {
        title: format!("{model}: which accelerator"),
        subtitle: format!(
            "systolic compare: {} targets x batches; {} entries dominated at their batch (worse on latency, throughput, {unit}/J and power than another)",
            entries.len(),
            dominated
        ),
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dse::compare::Kind;

    fn e(target: &str, batch: u64, mj: f64, per_s: f64, w: f64) -> Entry {
        Entry {
            target: target.into(),
            kind: Kind::Asic,
            how: "simulated".into(),
            model: "m".into(),
            batch,
            latency_ms: batch as f64 * 1e3 / per_s,
            throughput_per_s: per_s,
            energy_per_inference_mj: mj,
            inferences_per_j: 1e3 / mj,
            achieved_tops: 1.0,
            peak_tops: 2.0,
            utilization: 0.5,
            power_w: w,
            area_mm2: None,
            cost_usd: None,
            mode: Mode::Inference,
            fits_memory: None,
        }
    }

    #[test]
    fn the_front_is_the_undominated_points_inside_the_budgets_coloured_by_batch() {
        let es = vec![
            e("a", 1, 1.0, 100.0, 1.0),
            e("b", 1, 2.0, 50.0, 1.0),    // dominated by a
            e("c", 8, 0.5, 1000.0, 90.0), // best, but over the power budget
            e("d", 8, 3.0, 400.0, 5.0),   // more throughput than a: on the front
        ];
        let budgets = Budgets {
            latency_ms: None,
            power_w: Some(10.0),
        };
        let s = scatter(&es, &budgets);
        let classes: Vec<Class> = s.points.iter().map(|p| p.class).collect();
        assert_eq!(
            classes,
            vec![
                Class::Front,
                Class::Feasible,
                Class::Infeasible,
                Class::Front
            ]
        );
        assert_eq!(s.points[3].z, Some(8.0));
        assert!(s.points[2].title.contains("ASIC c at batch 8"));
        let page = page(&es, &budgets).unwrap();
        assert_eq!(page.figures().count(), 1);
    }
}
