//! `dse`: design-space exploration: sweep specifications, their points,
//! parallel resumable runs, shards and their merge, objectives, constraints,
//! the Pareto fronts over chosen objectives (docs/SWEEP.md), reading results
//! back, and the study step a sweep report needs (with the sparse points
//! against their dense twins), and the ranking of `systolic compare`. A sweep simulates
//! inference, or (train mode) a training step scaled over chip counts.

mod check;
pub mod compare;
mod eval;
mod files;
mod merge;
mod mode;
mod objective;
pub mod pareto;
mod points;
pub mod results;
mod row;
mod run;
pub mod sparse;
mod spec;
pub mod study;
mod synth;
mod train;
mod train_row;

pub use eval::{total_in_runs, Evaluator, Workload};
pub use files::{write_atomic, write_pareto, Lock, Meta, Outputs, Shard, FORMAT};
pub use merge::{merge, MergeSummary};
pub use mode::Mode;
pub use objective::{pareto_rows, Constraints, Objective, Sense};
pub use points::{sparsity_name, Allowed, Axes, Axis, Permutation, Point, Range};
pub use row::{
    csv_header, header, read_csv, read_rows, write_csv, write_jsonl, Row, SweepRow, COLUMNS,
    LEGACY_COLUMNS,
};
pub use run::{run, run_with, RunOptions, RunSummary};
pub use spec::{resolve_base, resolve_model, RawSpec, Sampling, Spec, SweepModel};
pub use synth::{
    RawSynth, Stage, SynthColumns, SynthRow, SynthSpec, Synthesizer, SYNTH_COLUMNS,
    SYNTH_ROW_COLUMNS,
};
pub use train::{TrainSpec, DEFAULT_CLUSTER};
pub use train_row::{read_train_csv, TrainColumns, TrainRow, TRAIN_COLUMNS};
