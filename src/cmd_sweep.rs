//! `systolic sweep`: run a design-space sweep in parallel into resumable CSV
//! and JSON-lines results, and print the Pareto front.

use clap::Args;
use dse::{Objective, Outputs, RunOptions, Shard, Spec, SweepRow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sim::error::InputError;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  systolic sweep designs/sweeps/default.toml --out results/default.csv
  systolic sweep designs/sweeps/resnet50-10k.toml --out r50.csv --threads 2 --pareto latency,energy
  systolic sweep designs/sweeps/default.toml --out shard3.csv --shard 3/8    # points with index % 8 == 3
  systolic merge shard*.csv --out results.csv
Re-running the same command after an interruption resumes where it stopped.";

/// Arguments of `systolic sweep`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SweepArgs {
    /// The sweep specification (TOML; see docs/SWEEP.md and designs/sweeps/).
    spec: PathBuf,
    /// Results CSV (one row per point and model, in point order).
    #[arg(long)]
    out: PathBuf,
    /// Results as JSON lines (default: beside --out, `.csv` replaced by `.jsonl`).
    #[arg(long)]
    jsonl: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Run only shard I of N (0-based): the points whose index modulo N is I.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Objectives of the Pareto front, 2 or 3 of: latency, throughput, energy,
    /// edp, area, power, tops_per_w, tops_per_mm2, tops, utilization
    /// (default: the spec's `pareto`).
    #[arg(long, value_delimiter = ',', value_name = "OBJ,OBJ[,OBJ]")]
    pareto: Option<Vec<String>>,
    /// Stop after evaluating this many more points (the results stay
    /// resumable: run the command again to continue).
    #[arg(long, value_name = "N")]
    stop_after: Option<u64>,
}

fn cli_error(field: &str, msg: String, hint: &str) -> miette::Report {
    miette::Report::new(
        InputError::new("systolic::cli::sweep", "<command line>", msg)
            .field(field)
            .hint(hint),
    )
}

/// Parses `--pareto`.
pub fn objectives(names: &Option<Vec<String>>) -> miette::Result<Option<Vec<Objective>>> {
    match names {
        None => Ok(None),
        Some(n) => Objective::parse_list(n).map(Some).map_err(|(_, msg)| {
            cli_error(
                "--pareto",
                msg,
                &format!("choose 2 or 3 of: {}", Objective::names()),
            )
        }),
    }
}

/// Runs `systolic sweep`.
pub fn run(a: SweepArgs) -> miette::Result<()> {
    let shard = match &a.shard {
        None => None,
        Some(s) => Some(Shard::parse(s).ok_or_else(|| {
            cli_error(
                "--shard",
                format!("expected I/N with 0 <= I < N, found `{s}`"),
                "e.g. --shard 0/4 runs the first of four shards",
            )
        })?),
    };
    if a.threads == Some(0) {
        return Err(cli_error(
            "--threads",
            "expected at least 1 thread".into(),
            "leave --threads out to use every core",
        ));
    }
    let pareto = objectives(&a.pareto)?;
    let spec = Spec::load(&a.spec)?;
    let outputs = Outputs::beside(&a.out, a.jsonl.as_deref());
    let total = spec.points();
    let points = shard.map_or(total, |s| s.len(total));
    let bar = ProgressBar::with_draw_target(
        Some(points),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} points  {per_sec}  ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let opts = RunOptions {
        outputs: outputs.clone(),
        threads: a.threads,
        shard,
        pareto,
        stop_after: a.stop_after,
    };
    // The first call gives the points already done (a resumed run).
    let started = std::sync::atomic::AtomicBool::new(false);
    let s = dse::run(&spec, &opts, &|n| {
        if started.swap(true, std::sync::atomic::Ordering::Relaxed) {
            bar.inc(n);
        } else {
            bar.set_position(n);
            bar.reset_eta();
        }
    })?;
    bar.finish_and_clear();
    let threads = a.threads.unwrap_or_else(rayon_threads);
    let models = spec.models.len() as u64;
    let plural = |n: u64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut msg = format!(
        "{}: {}{} x {} = {}; ",
        spec.file,
        plural(s.points, "point"),
        shard.map_or(String::new(), |sh| format!(" (shard {sh} of {total})")),
        plural(models, "model"),
        plural(s.points * models, "row")
    );
    if s.resumed > 0 {
        let _ = write!(msg, "{} already done, ", s.resumed);
    }
    let _ = write!(
        msg,
        "{} evaluated in {:.2} s on {} ({} layer evaluations, {:.0} per second)",
        s.evaluated,
        s.seconds,
        plural(threads as u64, "thread"),
        s.layer_evaluations,
        if s.seconds > 0.0 {
            s.layer_evaluations as f64 / s.seconds
        } else {
            0.0
        }
    );
    eprintln!("{msg}");
    if !s.complete {
        eprintln!(
            "stopped after {} points: run the same command again to continue",
            s.resumed + s.evaluated
        );
        return Ok(());
    }
    let mut wrote = vec![outputs.csv.clone(), outputs.jsonl.clone()];
    if !s.objectives.is_empty() && shard.is_none() {
        wrote.push(outputs.pareto.clone());
    }
    eprintln!("wrote {}", list(&wrote));
    if shard.is_none() {
        print!("{}", front_table(&s.front, &s.objectives));
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Paths joined for a message.
pub fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Width of an objective's column in the front table.
fn width(o: Objective) -> usize {
    o.column().len().max(14)
}

/// The Pareto front as a table, one block per model.
pub fn front_table(front: &[SweepRow], objectives: &[Objective]) -> String {
    let mut s = String::new();
    if objectives.is_empty() {
        return s;
    }
    let names: Vec<String> = objectives
        .iter()
        .map(|o| {
            format!(
                "{} ({})",
                o.column(),
                match o.sense() {
                    dse::Sense::Min => "min",
                    dse::Sense::Max => "max",
                }
            )
        })
        .collect();
    let mut models: Vec<&str> = Vec::new();
    for r in front {
        if !models.contains(&r.model.as_str()) {
            models.push(&r.model);
        }
    }
    for m in models {
        let rows: Vec<&SweepRow> = front.iter().filter(|r| r.model == m).collect();
        let _ = writeln!(
            s,
            "Pareto front of {m} over {}: {} designs",
            names.join(", "),
            rows.len()
        );
        let _ = write!(
            s,
            "{:>7}  {:>9}  {:<4} {:<5} {:>21}  {:>8}  {:>6}",
            "point", "array", "flow", "oper", "SRAM KiB i/f/o", "DRAM B/c", "MHz"
        );
        for o in objectives {
            let _ = write!(s, "  {:>w$}", o.column(), w = width(*o));
        }
        s.push('\n');
        for r in rows {
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
            for o in objectives {
                let _ = write!(s, "  {:>w$.6}", o.value(r), w = width(*o));
            }
            s.push('\n');
        }
        s.push('\n');
    }
    s
}
