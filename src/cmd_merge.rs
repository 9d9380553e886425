//! `systolic merge`: join the results of `systolic sweep --shard i/n` runs
//! into the files one unsharded run would have written.

use crate::common::{front, objectives};
use clap::Args;
use dse::Outputs;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  systolic merge s0.csv s1.csv s2.csv s3.csv --out results.csv
  systolic merge runs/shard-*.csv --out results.csv --pareto latency,energy,area   # scripts/slurm/sweep-array.sbatch";

/// Arguments of `systolic merge`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct MergeArgs {
    /// Results CSV of every shard (their .sweep.json and .jsonl files beside them).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Merged results CSV.
    #[arg(long)]
    out: PathBuf,
    /// Merged JSON lines (default: beside --out, `.csv` replaced by `.jsonl`).
    #[arg(long)]
    jsonl: Option<PathBuf>,
    /// Objectives of the Pareto front (default: the spec's `pareto`).
    #[arg(long, value_delimiter = ',', value_name = "OBJ,OBJ[,OBJ]")]
    pareto: Option<Vec<String>>,
}

/// Runs `systolic merge`.
pub fn run(a: MergeArgs) -> miette::Result<()> {
    let pareto = a
        .pareto
        .as_deref()
        .map(|n| objectives::parse("--pareto", n))
        .transpose()?;
    let outputs = Outputs::beside(&a.out, a.jsonl.as_deref());
    let s = dse::merge(&a.shards, &outputs, pareto)?;
    let mut wrote = vec![outputs.csv.clone(), outputs.jsonl.clone()];
    if !s.objectives.is_empty() {
        wrote.push(outputs.pareto.clone());
    }
    eprintln!(
        "merged {} shards: {} points, {} rows; wrote {}",
        s.shards,
        s.points,
        s.rows,
        front::paths(&wrote)
    );
    let table = if !s.train_front.is_empty() {
        front::train_table(&s.train_front, &s.objectives)
    } else if !s.synth_front.is_empty() {
        front::synth_table(&s.synth_front, &s.objectives)
    } else {
        front::table(&s.front, &s.objectives)
    };
    crate::output::emit(&table, None)
}
