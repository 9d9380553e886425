//! `dse`: design-space exploration: sweep specifications, their points,
//! parallel resumable runs, shards and their merge, objectives, constraints,
//! the Pareto fronts over chosen objectives (docs/SWEEP.md), reading results
//! back, and the study step a sweep report needs.

mod check;
mod eval;
mod files;
mod merge;
mod objective;
pub mod pareto;
mod points;
pub mod results;
mod row;
mod run;
mod spec;
pub mod study;

pub use eval::{Evaluator, Workload};
pub use files::{write_atomic, write_pareto, Lock, Meta, Outputs, Shard, FORMAT};
pub use merge::{merge, MergeSummary};
pub use objective::{pareto_rows, Constraints, Objective, Sense};
pub use points::{draw_distinct, Axes, Axis, Point, Range};
pub use row::{csv_header, read_csv, write_csv, write_jsonl, SweepRow, COLUMNS};
pub use run::{run, RunOptions, RunSummary};
pub use spec::{resolve_base, resolve_model, RawSpec, Sampling, Spec, SweepModel};
