//! `systolic sweep`: run a design-space sweep in parallel into resumable CSV
//! and JSON-lines results, and print the Pareto front.

use clap::Args;
use dse::{Outputs, RunOptions, Shard, Spec};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sim::error::InputError;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  systolic sweep designs/sweeps/default.toml --out results/default.csv
  systolic sweep designs/sweeps/resnet50-10k.toml --out r50.csv --threads 2 --pareto latency,energy
  systolic sweep designs/sweeps/default.toml --out s3.csv --shard 3/4    # points with index % 4 == 3
  systolic sweep designs/sweeps/train.toml --out train.csv                # mode = \"train\": training steps on 1 to 512 chips
  systolic sweep designs/sweeps/synth-ci.toml --out synth.csv             # stage = \"synth\": Yosys and nextpnr per design
  systolic merge s0.csv s1.csv s2.csv s3.csv --out results.csv              # after shards 0 to 3
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
    /// edp, area, power, tops_per_w, tops_per_mm2, tops, utilization; in a
    /// train-mode sweep: step_time, energy_per_step, samples_per_s,
    /// samples_per_w, area, power; a synth-stage sweep also has fmax, luts,
    /// luts_per_tops, tops_at_fmax (default: the spec's `pareto`).
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
    // More threads than a few per core only cost memory: cap them.
    let cap = 4 * rayon_threads();
    let threads = a.threads.map(|t| {
        if t > cap {
            eprintln!(
                "note: --threads {t} is more than 4 per core ({} cores); using {cap}",
                rayon_threads()
            );
        }
        t.min(cap)
    });
    let pareto = a
        .pareto
        .as_deref()
        .map(|n| crate::common::objectives::parse("--pareto", n))
        .transpose()?;
    let spec = Spec::load(&a.spec)?;
    let outputs = Outputs::beside(&a.out, a.jsonl.as_deref());
    let synthesizer = crate::common::synth_stage::HdlSynthesizer::of(&spec, &a.out)?;
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
        threads,
        shard,
        pareto,
        stop_after: a.stop_after,
    };
    // The first call gives the points already done (a resumed run).
    let started = std::sync::atomic::AtomicBool::new(false);
    let s = dse::run_with(&spec, &opts, synthesizer.as_ref().map(|s| s as _), &|n| {
        if started.swap(true, std::sync::atomic::Ordering::Relaxed) {
            bar.inc(n);
        } else {
            bar.set_position(n);
            bar.reset_eta();
        }
    })?;
    bar.finish_and_clear();
    let threads = threads.unwrap_or_else(rayon_threads);
    let models = spec.models.len() as u64;
    let chips = spec.chips().len() as u64;
    let plural = |n: u64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut msg = format!(
        "{}: {}{} x {}{} = {}; ",
        spec.file,
        plural(s.points, "point"),
        shard.map_or(String::new(), |sh| format!(" (shard {sh} of {total})")),
        plural(models, "model"),
        if chips > 0 {
            format!(" x {}", plural(chips, "chip count"))
        } else {
            String::new()
        },
        plural(s.points * spec.rows_per_point() as u64, "row")
    );
    let left_out = spec.left_out();
    if left_out > 0 {
        let _ = write!(
            msg,
            "{} the design check refuses left out (sparse weights need the ws dataflow and rows a multiple of N); ",
            if left_out == 1 {
                "1 combination".to_string()
            } else {
                format!("{left_out} combinations")
            }
        );
    }
    if s.resumed > 0 {
        let _ = write!(msg, "{} already done, ", s.resumed);
    }
    let _ = write!(
        msg,
        "{} evaluated in {:.2} s on {} ",
        s.evaluated,
        s.seconds,
        plural(threads as u64, "thread"),
    );
    let _ = match (&spec.synth, &synthesizer) {
        // Synthesis, not the simulator, takes the time.
        (Some(st), Some(synth)) => write!(
            msg,
            "(each design synthesized for {}{}; reports in {})",
            synth.describe(),
            st.verify_gemm.map_or(String::new(), |(m, k, n)| format!(
                ", its IP co-simulated on the GEMM {m}x{k}x{n}"
            )),
            crate::common::synth_stage::work_dir(&a.out).display()
        ),
        _ => write!(
            msg,
            "({} layer evaluations, {:.0} per second)",
            s.layer_evaluations,
            if s.seconds > 0.0 {
                s.layer_evaluations as f64 / s.seconds
            } else {
                0.0
            }
        ),
    };
    eprintln!("{msg}");
    if !s.complete {
        eprintln!(
            "stopped after {} points: run the same command again to continue",
            s.resumed + s.evaluated
        );
        return Ok(());
    }
    let mut wrote = vec![outputs.csv.clone(), outputs.jsonl.clone()];
    if spec.synth.is_some() {
        let rows = dse::read_rows::<dse::SynthRow>(
            &sim::error::read_file(&outputs.csv)?,
            &outputs.csv.display().to_string(),
        )?;
        let failed: Vec<String> = rows
            .iter()
            .filter(|r| r.synth.verified == Some(false))
            .map(|r| r.sim.point.to_string())
            .collect();
        if !failed.is_empty() {
            return Err(cli_error(
                "synth.verify_gemm",
                format!(
                    "the RTL and the simulator disagree on the co-simulated GEMM at point(s) {} (their rows say verified = false; the results are complete)",
                    failed.join(", ")
                ),
                "a disagreement is a defect of systolic: rerun one with `systolic verify --design <that design> --gemm M,K,N --work DIR` for its waveforms, and report it",
            ));
        }
    }
    if !s.objectives.is_empty() && shard.is_none() {
        wrote.push(outputs.pareto.clone());
    }
    eprintln!("wrote {}", crate::common::front::paths(&wrote));
    if shard.is_none() {
        let front = match spec.mode() {
            dse::Mode::Inference if spec.stage() == dse::Stage::Synth => {
                crate::common::front::synth_table(&s.synth_front, &s.objectives)
            }
            dse::Mode::Inference => crate::common::front::table(&s.front, &s.objectives),
            dse::Mode::Train => crate::common::front::train_table(&s.train_front, &s.objectives),
        };
        crate::output::emit(&front, None)?;
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
