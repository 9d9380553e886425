//! The report of a sweep (`systolic report RESULTS.csv`): per model, the
//! Pareto front, the utilization heatmap, the best design of each dataflow,
//! the sparse weight patterns against dense (when the sweep has several),
//! and the best design's per-layer plots (re-simulated); for a synth-stage
//! sweep, its designs' Fmax and area against array size.

use super::dataflow::{Best, BestPerDataflow, DATAFLOWS};
use super::heatmap::{Cell, Heatmap, Panel, Scale};
use super::pareto::{finite_range, Axis, Class, Point, Scatter};
use super::single::{self, Run};
use super::site::{Page, Section, Table};
use super::sparsity::AgainstDense;
use super::style::{self, sig};
use super::{figure, slug, RenderError};
use dse::study::{best_edp, BestDesign, ModelStudy};
use dse::{pareto_rows, Objective, Sense, SweepRow, SynthRow};

/// What to report on.
pub struct Options {
    /// The results file as named on the command line (shown in the report).
    pub file: String,
    /// Objectives of the Pareto front (two or three).
    pub objectives: Vec<Objective>,
}

/// Indices (into `rows`, the rows of one model) of the feasible rows on the
/// Pareto front over `objectives` ([`pareto_rows`]).
pub fn front(rows: &[&SweepRow], objectives: &[Objective]) -> Vec<usize> {
    let owned: Vec<SweepRow> = rows.iter().map(|r| (*r).clone()).collect();
    pareto_rows(&owned, objectives)
}

/// The sweep page: `all` rows, and one study per model to show (in order;
/// made by [`dse::study::study`] before drawing).
pub fn page(all: &[SweepRow], studies: &[ModelStudy], o: &Options) -> Result<Page, RenderError> {
    page_with_synth(all, None, studies, o)
}

/// [`page`], and when `synth` holds the rows of a synth-stage sweep (the
/// same results read as [`SynthRow`]s, [`dse::results::read_synth`]), the
/// synthesis section of the shown models' designs after the overview
/// ([`super::synth::section`]).
pub fn page_with_synth(
    all: &[SweepRow],
    synth: Option<&[SynthRow]>,
    studies: &[ModelStudy],
    o: &Options,
) -> Result<Page, RenderError> {
    let chosen: Vec<String> = studies.iter().map(|s| s.model.clone()).collect();
    let names: Vec<&str> = o.objectives.iter().map(|x| x.name()).collect();
    let mut sections = vec![overview(all, &chosen, o)];
    if let Some(rows) = synth {
        sections.extend(super::synth::of_models(rows, &chosen, &o.file)?);
    }
    for st in studies {
        let rows: Vec<&SweepRow> = all.iter().filter(|r| r.model == st.model).collect();
        sections.extend(model_sections(&st.model, &rows, st.best.as_ref(), o)?);
    }
    Ok(Page {
        title: format!("Sweep report: {}", o.file),
        subtitle: format!(
            "systolic report: {} rows (design point x model), {} feasible; Pareto fronts over {}",
            all.len(),
            all.iter().filter(|r| r.feasible).count(),
            names.join(", ")
        ),
        sections,
    })
}

fn overview(all: &[SweepRow], chosen: &[String], o: &Options) -> Section {
    let mut s = Section::new("Overview");
    let mut t = Table::new(&[
        "model",
        "points",
        "feasible",
        "on the front",
        "best EDP point",
        "best EDP (mJ·ms)",
    ]);
    for m in chosen {
        let rows: Vec<&SweepRow> = all.iter().filter(|r| &r.model == m).collect();
        let best = best_edp(rows.iter().copied());
        t.row(vec![
            m.clone(),
            rows.len().to_string(),
            rows.iter().filter(|r| r.feasible).count().to_string(),
            front(&rows, &o.objectives).len().to_string(),
            best.map_or("-".into(), |b| format!("{}: {}", b.point, b.describe())),
            best.map_or("-".into(), |b| format!("{:.6}", b.edp_mj_ms)),
        ]);
    }
    s.table(t);
    let mut swept = Table::new(&["parameter", "values"]);
    let mut add = |name: &str, mut v: Vec<String>| {
        v.dedup();
        swept.row(vec![name.to_string(), v.join(", ")]);
    };
    add("rows", distinct_num(all, |r| f64::from(r.rows)));
    add("cols", distinct_num(all, |r| f64::from(r.cols)));
    add("dataflow", distinct_text(all, |r| r.dataflow.clone()));
    add("operand", distinct_text(all, |r| r.operand.clone()));
    add("ifmap SRAM (KiB)", distinct_num(all, |r| r.ifmap_sram_kib));
    add(
        "filter SRAM (KiB)",
        distinct_num(all, |r| r.filter_sram_kib),
    );
    add("ofmap SRAM (KiB)", distinct_num(all, |r| r.ofmap_sram_kib));
    add(
        "DRAM bandwidth (B/cycle)",
        distinct_num(all, |r| r.dram_bandwidth_bytes_per_cycle),
    );
    add("clock (MHz)", distinct_num(all, |r| r.clock_mhz));
    // Shown once a sweep has sparse points (dense-only reports stay as
    // they were before the column existed).
    if all.iter().any(|r| r.sparsity != "dense") {
        add(
            "weight sparsity",
            distinct_text(all, |r| r.sparsity.clone()),
        );
    }
    add("base design", distinct_text(all, |r| r.base.clone()));
    s.para("The values the sweep took:");
    s.table(swept);
    s
}

fn distinct_num(rows: &[SweepRow], f: impl Fn(&SweepRow) -> f64) -> Vec<String> {
    let mut v: Vec<f64> = rows.iter().map(f).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v.iter().map(|x| x.to_string()).collect()
}

fn distinct_text(rows: &[SweepRow], f: impl Fn(&SweepRow) -> String) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in rows {
        let s = f(r);
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

fn model_sections(
    m: &str,
    rows: &[&SweepRow],
    best_design: Option<&BestDesign>,
    o: &Options,
) -> Result<Vec<Section>, RenderError> {
    let id = slug(m);
    let mut out = Vec::new();
    let fr = front(rows, &o.objectives);

    let mut s = Section::new(format!("{m}: Pareto front"));
    let three = o.objectives.len() == 3;
    let pairs: Vec<(usize, usize)> = if three {
        vec![(0, 1), (0, 2), (1, 2)]
    } else {
        vec![(0, 1)]
    };
    let all_names: Vec<&str> = o.objectives.iter().map(|x| x.name()).collect();
    for (a, b) in pairs {
        let (xa, ya) = (o.objectives[a], o.objectives[b]);
        let third = three.then(|| o.objectives[3 - a - b]);
        let fr2 = if three {
            front(rows, &[xa, ya])
        } else {
            fr.clone()
        };
        let points: Vec<Point> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let class = if fr.contains(&i) {
                    Class::Front
                } else if r.feasible {
                    Class::Feasible
                } else {
                    Class::Infeasible
                };
                Point {
                    x: xa.value(r),
                    y: ya.value(r),
                    class,
                    front2: fr2.contains(&i),
                    z: third.map(|z| z.value(r)),
                    title: hover(r, &o.objectives, class, three && fr2.contains(&i)),
                    label: None,
                }
            })
            .collect();
        let z = third.map(|z| {
            let (lo, hi) = finite_range(
                points
                    .iter()
                    .filter(|p| p.class != Class::Infeasible)
                    .filter_map(|p| p.z),
            );
            let (lo, hi) = match (lo.is_finite(), hi > lo) {
                (false, _) => (0.0, 1.0),
                (true, false) => (lo, lo + lo.abs().max(1.0) * 0.01),
                (true, true) => (lo, hi),
            };
            let maximize = z.sense() == Sense::Max;
            Scale {
                lo,
                hi,
                log: style::wants_log(lo, hi),
                reversed: !maximize,
                label: format!(
                    "{}, {} is better",
                    z.label(),
                    if maximize { "higher" } else { "lower" }
                ),
                unit_suffix: String::new(),
                display_scale: 1.0,
            }
        });
        let chart = Scatter {
            title: format!("{m}: {} vs {}", ya.name(), xa.name()),
            x: Axis::fit(
                xa.label(),
                xa.sense() == Sense::Max,
                points.iter().map(|p| p.x),
            ),
            y: Axis::fit(
                ya.label(),
                ya.sense() == Sense::Max,
                points.iter().map(|p| p.y),
            ),
            z,
            front_over: all_names.join(", "),
            what: "design points".into(),
            z_objective: true,
            points,
        };
        let name = if three {
            format!("{id}-pareto-{}-{}", xa.name(), ya.name())
        } else {
            format!("{id}-pareto")
        };
        let caption = match third {
            None => format!(
                "Each dot is one design point of the sweep for {m}. Red, connected in order: the Pareto \
                 front over {} (no other feasible point is at least as good on both and better on one); \
                 blue: feasible points the front dominates; grey rings: points that break a constraint of \
                 the sweep. Axes are logarithmic (ticks at 1, 2 and 5 times a power of ten) where the \
                 values span more than a decade. Hover over a dot for its design.",
                all_names.join(", ")
            ),
            Some(z) => format!(
                "Each dot is one design point of the sweep for {m}, coloured by its {} (the third \
                 objective; scale at the right, yellow is better). Large outlined dots: the Pareto front \
                 over {}; red rings, connected in order: the front of {} and {} alone (this projection's \
                 own front); small dots: feasible points the three-objective front dominates; grey rings: \
                 points that break a constraint of the sweep. Axes are logarithmic (ticks at 1, 2 and 5 \
                 times a power of ten) where the values span more than a decade. Hover over a dot for its \
                 design.",
                z.name(),
                all_names.join(", "),
                xa.name(),
                ya.name()
            ),
        };
        s.figure(figure(
            &chart,
            &name,
            &format!("Pareto front: {} vs {}", ya.name(), xa.name()),
            &caption,
        )?);
    }
    let mut header = vec!["point", "design"];
    header.extend(o.objectives.iter().map(|x| x.label()));
    header.push("EDP (mJ·ms)");
    let mut t = Table::new(&header);
    let mut on: Vec<&SweepRow> = fr.iter().map(|&i| rows[i]).collect();
    on.sort_by(|a, b| {
        o.objectives[0]
            .minimized(a)
            .total_cmp(&o.objectives[0].minimized(b))
    });
    for r in on {
        let mut cells = vec![r.point.to_string(), r.describe()];
        cells.extend(o.objectives.iter().map(|x| format!("{:.6}", x.value(r))));
        cells.push(format!("{:.6}", r.edp_mj_ms));
        t.row(cells);
    }
    if t.rows.len() > 25 {
        t.html_only = true;
    }
    s.para(format!("The {} points on the front:", fr.len()));
    s.table(t);
    out.push(s);

    let mut s = Section::new(format!("{m}: utilization over rows x cols"));
    let hm = heatmap(m, rows);
    s.figure(figure(
        &hm,
        &format!("{id}-heatmap"),
        "Utilization over array shapes",
        "Best utilization (useful MACs per PE-cycle) among the feasible points with each array shape, \
         one panel per dataflow; the other swept parameters (SRAM, bandwidth, clock, precision) take \
         whichever value does best. Dark grey cells (infeasible): every point with that shape breaks a \
         constraint of the sweep; light cells (not swept): the sweep has no point with that shape and \
         dataflow. Hover over a cell for its best point.",
    )?);
    out.push(s);

    let mut s = Section::new(format!("{m}: dataflows compared"));
    let mut best = Vec::new();
    let mut t = Table::new(&[
        "dataflow",
        "best point (lowest EDP)",
        "latency (ms)",
        "energy (mJ)",
        "EDP (mJ·ms)",
        "utilization (%)",
    ]);
    for df in dataflows(rows) {
        let of: Vec<&SweepRow> = rows.iter().copied().filter(|r| r.dataflow == df).collect();
        if let Some(b) = best_edp(of.iter().copied()) {
            best.push(Best {
                dataflow: df.clone(),
                latency_ms: b.latency_ms,
                energy_mj: b.energy_mj,
                design: format!("{}x{}, point {}", b.rows, b.cols, b.point),
                title: format!(
                    "point {}: {}\nlatency {} ms, energy {} mJ, EDP {} mJ·ms",
                    b.point,
                    b.describe(),
                    sig(b.latency_ms, 4),
                    sig(b.energy_mj, 4),
                    sig(b.edp_mj_ms, 4)
                ),
            });
            t.row(vec![
                df.clone(),
                format!("{}: {}", b.point, b.describe()),
                format!("{:.6}", b.latency_ms),
                format!("{:.6}", b.energy_mj),
                format!("{:.6}", b.edp_mj_ms),
                format!("{:.2}", 100.0 * b.utilization),
            ]);
        }
    }
    if best.is_empty() {
        s.para("No feasible design point: nothing to compare.");
    } else {
        s.figure(figure(
            &BestPerDataflow {
                title: format!("{m}: best design of each dataflow"),
                best,
            },
            &format!("{id}-dataflows"),
            "Best design of each dataflow",
            "For each dataflow, the feasible point with the lowest energy-delay product: its latency \
             (left) and energy (right) per run. The legend names the array shape and point.",
        )?);
        s.table(t);
    }
    out.push(s);

    if let Some(s) = sparsity_section(m, &id, rows)? {
        out.push(s);
    }

    match best_design {
        None => {
            let mut s = Section::new(format!("{m}: best design"));
            s.para("No feasible design point, so no design to show layer by layer.");
            out.push(s);
        }
        Some(b) => out.extend(best_sections(m, b)?),
    }
    Ok(out)
}

/// The model's sparse patterns against the same points dense, when its
/// rows have more than one sparsity value.
fn sparsity_section(m: &str, id: &str, rows: &[&SweepRow]) -> Result<Option<Section>, RenderError> {
    let owned: Vec<SweepRow> = rows.iter().map(|r| (*r).clone()).collect();
    let values = distinct_text(&owned, |r| r.sparsity.clone());
    if values.len() < 2 {
        return Ok(None);
    }
    let mut s = Section::new(format!("{m}: sparsity against dense"));
    let vs = dse::sparse::against_dense(rows);
    if vs.patterns.is_empty() {
        s.para(format!(
            "The sweep has the weight patterns {} but no dense point with the same other values to \
             compare them with (add \"dense\" to the sweep's grid.sparsity).",
            values.join(", ")
        ));
        return Ok(Some(s));
    }
    let names: Vec<&str> = vs.patterns.iter().map(|p| p.pattern.as_str()).collect();
    s.figure(figure(
        &AgainstDense {
            title: format!("{m}: sparse weights against the same points dense"),
            patterns: vs.patterns.clone(),
        },
        &format!("{id}-sparsity"),
        "Sparsity: speedup, energy and area against dense",
        &format!(
            "For each N:M weight pattern of the sweep ({}), its design points against the same points \
             dense (every other swept value equal): the speedup (dense cycles ÷ the pattern's), and \
             energy and area as multiples of dense. Bars: the median over the matched points; \
             whiskers: the smallest and the largest; the blue line at 1× is dense. Every matched \
             point counts, feasible or not; the figures are the results' own rows, nothing \
             re-simulated. Hover over a bar for its figures.",
            names.join(", ")
        ),
    )?);
    let mut t = Table::new(&[
        "pattern",
        "points",
        "speedup (median, min-max)",
        "energy ÷ dense",
        "area ÷ dense",
    ]);
    let spread = |x: dse::sparse::Spread| {
        format!(
            "{}× ({}-{})",
            sig(x.median, 4),
            sig(x.min, 4),
            sig(x.max, 4)
        )
    };
    for p in &vs.patterns {
        t.row(vec![
            p.pattern.clone(),
            p.pairs.to_string(),
            spread(p.speedup),
            spread(p.energy),
            spread(p.area),
        ]);
    }
    s.table(t);
    if vs.unmatched > 0 {
        s.para(format!(
            "{} sparse point(s) have no dense twin in the results and are not counted.",
            vs.unmatched
        ));
    }
    Ok(Some(s))
}

fn dataflows(rows: &[&SweepRow]) -> Vec<String> {
    let mut v: Vec<String> = DATAFLOWS
        .iter()
        .filter(|d| rows.iter().any(|r| r.dataflow == **d))
        .map(|d| d.to_string())
        .collect();
    for r in rows {
        if !v.contains(&r.dataflow) {
            v.push(r.dataflow.clone());
        }
    }
    v
}

/// The hover title of a design point: index, design, the objectives' values
/// and where it stands.
fn hover(r: &SweepRow, objectives: &[Objective], class: Class, front2: bool) -> String {
    let mut t = format!("point {}: {}", r.point, r.describe());
    for o in objectives {
        t.push_str(&format!("\n{}: {}", o.label(), sig(o.value(r), 4)));
    }
    t.push_str(match class {
        Class::Front => "\non the Pareto front",
        Class::Feasible => "\nfeasible, dominated",
        Class::Infeasible => "\ninfeasible (breaks a constraint of the sweep)",
    });
    if front2 {
        t.push_str("; on this projection's front");
    }
    t
}

/// The utilization heatmap of one model's rows.
pub fn heatmap(m: &str, rows: &[&SweepRow]) -> Heatmap {
    let mut rs: Vec<u32> = rows.iter().map(|r| r.rows).collect();
    rs.sort_unstable();
    rs.dedup();
    let mut cs: Vec<u32> = rows.iter().map(|r| r.cols).collect();
    cs.sort_unstable();
    cs.dedup();
    let panels = dataflows(rows)
        .into_iter()
        .map(|df| {
            let mut cells = Vec::new();
            let mut titles = Vec::new();
            for &y in &rs {
                let mut cell_row = Vec::new();
                let mut title_row = Vec::new();
                for &x in &cs {
                    let here: Vec<&SweepRow> = rows
                        .iter()
                        .copied()
                        .filter(|r| r.dataflow == df && r.rows == y && r.cols == x)
                        .collect();
                    let best = here
                        .iter()
                        .copied()
                        .filter(|r| r.feasible)
                        .max_by(|a, b| a.utilization.total_cmp(&b.utilization));
                    let shape = format!("{df}, {y}x{x}");
                    let (cell, title) = match (here.len(), best) {
                        (0, _) => (Cell::Empty, format!("{shape}: not swept")),
                        (n, None) => (
                            Cell::Infeasible,
                            format!("{shape}: {n} points swept, none feasible"),
                        ),
                        (n, Some(b)) => (
                            Cell::Value(b.utilization),
                            format!(
                                "{shape}: best utilization {:.1} % at point {}: {}\n{n} points swept, {} feasible",
                                100.0 * b.utilization,
                                b.point,
                                b.describe(),
                                here.iter().filter(|r| r.feasible).count()
                            ),
                        ),
                    };
                    cell_row.push(cell);
                    title_row.push(title);
                }
                cells.push(cell_row);
                titles.push(title_row);
            }
            Panel {
                title: format!("dataflow {df}"),
                x_labels: cs.iter().map(|c| c.to_string()).collect(),
                y_labels: rs.iter().map(|r| r.to_string()).collect(),
                cells,
                titles,
            }
        })
        .collect();
    Heatmap {
        title: format!("{m}: best utilization per array shape"),
        panels,
        x_desc: "cols (PEs per row)".into(),
        y_desc: "rows (PEs per column)".into(),
        scale: Scale {
            lo: 0.0,
            hi: 1.0,
            log: false,
            reversed: false,
            label: "utilization (% of PE-cycles)".into(),
            unit_suffix: "%".into(),
            display_scale: 100.0,
        },
        size: (1200, 560),
        values: true,
        rotate_x: false,
        empty_label: "not swept".into(),
    }
}

fn best_sections(m: &str, best: &BestDesign) -> Result<Vec<Section>, RenderError> {
    let b = &best.row;
    let report = &best.report;
    let run = Run {
        report,
        dataflows: &best.dataflows,
    };
    let design = format!("point {} ({}x{} {})", b.point, b.rows, b.cols, b.dataflow);
    let mut secs = single::sections(
        &run,
        &format!("{}-best-", slug(m)),
        &format!("{m}, best design {design}: "),
        &design,
    )?;
    if let Some(first) = secs.first_mut() {
        let agree = report.total.total_cycles == b.cycles;
        first.blocks.insert(
            0,
            super::site::Block::Para(format!(
                "Point {} has the lowest energy-delay product ({:.6} mJ·ms) among the feasible points for {m}: {}. \
                 Re-simulated here (fast engine, rtl timing): {} cycles{}.",
                b.point,
                b.edp_mj_ms,
                b.describe(),
                report.total.total_cycles,
                if agree {
                    ", as in the results file".to_string()
                } else {
                    format!(
                        "; the results file says {} (it may come from another version of systolic or another timing mode)",
                        b.cycles
                    )
                }
            )),
        );
    }
    Ok(secs)
}
