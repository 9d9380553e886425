//! The Pareto front as the sweep and merge commands print it, and file lists
//! for their messages.

use dse::{Objective, Row, Sense, SweepRow, SynthRow, TrainRow};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Paths joined for a message.
pub fn paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An objective's value in the front table: six decimals, or four
/// significant digits in scientific notation below 0.001 (where six
/// decimals would show two digits or none: TOPS of a small FPGA array).
fn figure(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.4e}")
    } else {
        format!("{v:.6}")
    }
}

/// Width of an objective's column in the front table.
fn width(o: Objective) -> usize {
    o.column().len().max(14)
}

/// The objectives' columns with their senses, for a table's title.
fn senses(objectives: &[Objective]) -> Vec<String> {
    objectives
        .iter()
        .map(|o| {
            format!(
                "{} ({})",
                o.column(),
                match o.sense() {
                    Sense::Min => "min",
                    Sense::Max => "max",
                }
            )
        })
        .collect()
}

/// The models of `rows`, in order of first appearance.
fn models<R: Row>(rows: &[R]) -> Vec<&str> {
    let mut models: Vec<&str> = Vec::new();
    for r in rows {
        if !models.contains(&r.model()) {
            models.push(r.model());
        }
    }
    models
}

/// The Pareto front as a table, one block per model; a `sparsity` column
/// when a row of the front has sparse weights.
pub fn table(front: &[SweepRow], objectives: &[Objective]) -> String {
    table_of(front, |r| r, "", objectives)
}

/// The Pareto front of a synth-stage sweep as [`table`] prints an inference
/// front, saying what the designs were synthesized for.
pub fn synth_table(front: &[SynthRow], objectives: &[Objective]) -> String {
    let on = front.first().map_or(String::new(), |r| {
        let device = &r.synth.synth_device;
        format!(
            " (synthesized for {}{}{device})",
            r.synth.synth_target,
            if device.is_empty() { "" } else { " " }
        )
    });
    table_of(front, |r| &r.sim, &on, objectives)
}

/// [`table`] of rows of kind `R`, whose design columns `sim` gives; `on`
/// follows each block's title.
fn table_of<R: Row>(
    front: &[R],
    sim: impl Fn(&R) -> &SweepRow,
    on: &str,
    objectives: &[Objective],
) -> String {
    let mut s = String::new();
    if objectives.is_empty() {
        return s;
    }
    let names = senses(objectives);
    let sparse = front.iter().any(|r| sim(r).sparsity != "dense");
    for m in models(front) {
        let rows: Vec<&R> = front.iter().filter(|r| r.model() == m).collect();
        let _ = writeln!(
            s,
            "Pareto front of {m}{on} over {}: {} designs",
            names.join(", "),
            rows.len()
        );
        let _ = write!(
            s,
            "{:>7}  {:>9}  {:<4} {:<5} {:>21}  {:>8}  {:>6}",
            "point", "array", "flow", "oper", "SRAM KiB i/f/o", "DRAM B/c", "MHz"
        );
        if sparse {
            let _ = write!(s, "  {:>8}", "sparsity");
        }
        for o in objectives {
            let _ = write!(s, "  {:>w$}", o.column(), w = width(*o));
        }
        s.push('\n');
        for row in rows {
            let r = sim(row);
            let _ = write!(
                s,
                "{:>7}  {:>9}  {:<4} {:<5} {:>21}  {:>8}  {:>6}",
                r.point,
                format!("{}x{}", r.rows, r.cols),
                r.dataflow,
                r.operand,
                format!(
                    "{}/{}/{}",
                    r.ifmap_sram_kib, r.filter_sram_kib, r.ofmap_sram_kib
                ),
                r.dram_bandwidth_bytes_per_cycle,
                r.clock_mhz
            );
            if sparse {
                let _ = write!(s, "  {:>8}", r.sparsity);
            }
            for o in objectives {
                let _ = write!(s, "  {:>w$}", figure(row.value(*o)), w = width(*o));
            }
            s.push('\n');
        }
        s.push('\n');
    }
    s
}

/// The Pareto front of a train-mode sweep as a table, one block per model:
/// the design, the chips, and the objectives.
pub fn train_table(front: &[TrainRow], objectives: &[Objective]) -> String {
    let mut s = String::new();
    if objectives.is_empty() {
        return s;
    }
    let names = senses(objectives);
    for m in models(front) {
        let rows: Vec<&TrainRow> = front.iter().filter(|r| r.model == m).collect();
        let _ = writeln!(
            s,
            "Pareto front of {m} (training) over {}: {} designs and chip counts",
            names.join(", "),
            rows.len()
        );
        let _ = write!(
            s,
            "{:>7}  {:>9}  {:<4} {:<5} {:>21}  {:>8}  {:>6}  {:>6}",
            "point", "array", "flow", "oper", "SRAM KiB i/f/o", "DRAM B/c", "MHz", "chips"
        );
        for o in objectives {
            let _ = write!(s, "  {:>w$}", o.column(), w = width(*o));
        }
        s.push('\n');
        for r in rows {
            let _ = write!(
                s,
                "{:>7}  {:>9}  {:<4} {:<5} {:>21}  {:>8}  {:>6}  {:>6}",
                r.point,
                format!("{}x{}", r.rows, r.cols),
                r.dataflow,
                r.operand,
                format!(
                    "{}/{}/{}",
                    r.ifmap_sram_kib, r.filter_sram_kib, r.ofmap_sram_kib
                ),
                r.dram_bandwidth_bytes_per_cycle,
                r.clock_mhz,
                r.chips
            );
            for o in objectives {
                let _ = write!(s, "  {:>w$}", figure(r.value(*o)), w = width(*o));
            }
            s.push('\n');
        }
        s.push('\n');
    }
    s
}
