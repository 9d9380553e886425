//! Running a sweep: points evaluated in parallel (rayon) in chunks, rows
//! written in point order (so the files do not depend on the thread count),
//! each chunk synced to disk; an interrupted run resumes where it stopped.
//! Inference and train-mode sweeps run the same way, with their own rows.

use super::eval::Evaluator;
use super::files::{
    csv_records, io, jsonl_records, refusal, write_atomic, write_pareto, Meta, Outputs, Shard,
};
use super::mode::Mode;
use super::objective::Objective;
use super::row::{header, write_csv, write_jsonl, Row, SweepRow};
use super::spec::Spec;
use super::synth::{Stage, SynthRow, Synthesizer};
use super::train_row::TrainRow;
use rayon::prelude::*;
use sim::error::{Result, SimError};
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where the rows go.
    pub outputs: Outputs,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// Pareto objectives, overriding the spec's.
    pub pareto: Option<Vec<Objective>>,
    /// Stop after evaluating this many more points (the files stay
    /// resumable, as after an interruption).
    pub stop_after: Option<u64>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Points in this run's shard (or sweep).
    pub points: u64,
    /// Points found already done in the output files.
    pub resumed: u64,
    /// Points evaluated by this run.
    pub evaluated: u64,
    /// (design, layer) engine evaluations by this run.
    pub layer_evaluations: u64,
    /// Wall time of the evaluation (seconds).
    pub seconds: f64,
    /// Whether every point is now written.
    pub complete: bool,
    /// Rows on the Pareto front (unsharded complete inference runs with
    /// objectives).
    pub front: Vec<SweepRow>,
    /// Rows on the Pareto front of a train-mode run (as `front`).
    pub train_front: Vec<TrainRow>,
    /// Rows on the Pareto front of a synth-stage run (as `front`).
    pub synth_front: Vec<SynthRow>,
    /// The objectives of that front.
    pub objectives: Vec<Objective>,
}

/// Runs (or resumes) `spec` into `opts.outputs`. `progress` is called once
/// with the number of points found already done (possibly 0), then from
/// worker threads with each number of points finished. Objectives given in
/// `opts.pareto` must belong to the spec's mode and stage. A spec with a
/// synth stage needs [`run_with`] and a synthesizer.
pub fn run(spec: &Spec, opts: &RunOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<RunSummary> {
    run_with(spec, opts, None, progress)
}

/// [`run`], with `synthesizer` running the synth stage of a spec that has
/// one (and ignored for a spec that has none).
pub fn run_with(
    spec: &Spec,
    opts: &RunOptions,
    synthesizer: Option<&dyn Synthesizer>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunSummary> {
    if let Some(list) = &opts.pareto {
        let synth = spec.stage() == Stage::Synth;
        Objective::check_mode(list, spec.mode())
            .and_then(|()| Objective::check_stage(list, synth))
            .map_err(|(_, msg)| {
                sim::error::InputError::new("systolic::sweep::objectives", "<command line>", msg)
                    .field("--pareto")
                    .hint(format!(
                        "this sweep's objectives: {}",
                        Objective::names_of_stage(spec.mode(), synth)
                    ))
            })?;
    }
    let ev = Evaluator::new(spec);
    match spec.mode() {
        Mode::Inference if spec.stage() == Stage::Synth => {
            let Some(synthesizer) = synthesizer else {
                return Err(SimError::Stage {
                    what: format!("{}: stage = \"synth\"", spec.file),
                    message: "this run has no synthesizer".into(),
                    hint: "run the sweep with `systolic sweep`, which synthesizes with Yosys and nextpnr".into(),
                });
            };
            let tools = Some(synthesizer.tools());
            let (summary, synth_front) = run_rows(spec, opts, tools, progress, &ev, &|p| {
                ev.synth_rows(p, synthesizer)
            })?;
            Ok(RunSummary {
                synth_front,
                ..summary
            })
        }
        Mode::Inference => {
            let (summary, front) = run_rows(spec, opts, None, progress, &ev, &|p| ev.rows(p))?;
            Ok(RunSummary { front, ..summary })
        }
        Mode::Train => {
            let (summary, train_front) =
                run_rows(spec, opts, None, progress, &ev, &|p| ev.train_rows(p))?;
            Ok(RunSummary {
                train_front,
                ..summary
            })
        }
    }
}

/// [`run`] with rows of kind `R`, made by `rows`; the summary's fronts are
/// left empty, and the front comes back beside it.
fn run_rows<R: Row>(
    spec: &Spec,
    opts: &RunOptions,
    tools: Option<String>,
    progress: &(dyn Fn(u64) + Sync),
    evaluator: &Evaluator<'_>,
    rows_of: &(dyn Fn(&super::Point) -> Result<Vec<R>> + Sync),
) -> Result<(RunSummary, Vec<R>)> {
    let out = &opts.outputs;
    let shard = opts.shard;
    let total = spec.points();
    let points = shard.map_or(total, |s| s.len(total));
    let index = |k: u64| shard.map_or(k, |s| s.point(k));
    out.check()?;
    let _lock = out.lock()?;
    let mut meta = Meta::of(spec, shard, out);
    meta.tools = tools;
    let done = prepare::<R>(spec, &meta, out, &index)?;
    let objectives = opts.pareto.clone().unwrap_or_else(|| spec.pareto.clone());
    let per_point = evaluator.engine_layers_per_point();
    let todo_end = match opts.stop_after {
        Some(n) => points.min(done.saturating_add(n)),
        None => points,
    };
    progress(done);
    let start = Instant::now();
    if done < todo_end {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads.unwrap_or(0))
            .build()
            .map_err(|e| SimError::Io {
                action: "start",
                path: "<thread pool>".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
        let files = Appender::open(out)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<R>>(2);
        let writer = std::thread::spawn(move || files.drain(rx));
        let computed = pool.install(|| -> Result<()> {
            let mut next = done;
            let mut chunk = 2 * rayon::current_num_threads() as u64;
            while next < todo_end {
                let end = todo_end.min(next + chunk);
                let t = Instant::now();
                let rows: Vec<Vec<R>> = (next as usize..end as usize)
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|k| {
                        let rows = rows_of(&spec.point(index(k as u64)));
                        progress(1);
                        rows
                    })
                    .collect::<Result<_>>()?;
                if tx.send(rows.concat()).is_err() {
                    break;
                }
                next = end;
                if t.elapsed() < Duration::from_millis(250) {
                    chunk = (chunk * 2).min(1 << 16);
                }
            }
            Ok(())
        });
        drop(tx);
        let written = writer.join().map_err(|_| SimError::Io {
            action: "write",
            path: out.csv.display().to_string(),
            source: std::io::Error::other("the writer thread panicked"),
        })?;
        written?;
        computed?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let complete = todo_end == points;
    let mut front = Vec::new();
    if complete {
        meta.complete = true;
        write_atomic(&out.meta, meta.to_text().as_bytes())?;
        if shard.is_none() && !objectives.is_empty() {
            let bytes = std::fs::read(&out.csv).map_err(io("read", &out.csv))?;
            let rows = csv_records::<R>(&bytes, &out.csv)?.rows;
            let idx = write_pareto(&out.pareto, &rows, &objectives)?;
            front = idx.into_iter().map(|i| rows[i].clone()).collect();
        }
    }
    let evaluated = todo_end.saturating_sub(done);
    let summary = RunSummary {
        points,
        resumed: done,
        evaluated,
        layer_evaluations: evaluated * per_point,
        seconds,
        complete,
        front: Vec::new(),
        train_front: Vec::new(),
        synth_front: Vec::new(),
        objectives,
    };
    Ok((summary, front))
}

/// Makes the output files ready to append to and returns how many of the
/// shard's points they already hold: creates them, or checks that existing
/// ones are ours and of this spec, and cuts them back to the last point both
/// hold whole.
fn prepare<R: Row>(
    spec: &Spec,
    meta: &Meta,
    out: &Outputs,
    index: &dyn Fn(u64) -> u64,
) -> Result<u64> {
    let old = Meta::read(&out.meta)?;
    let csv_exists = out.csv.exists();
    let jsonl_exists = out.jsonl.exists();
    let Some(old) = old else {
        for (exists, path) in [(csv_exists, &out.csv), (jsonl_exists, &out.jsonl)] {
            if exists {
                return Err(refusal(
                    path,
                    &format!(
                        "exists and was not written by `systolic sweep` (there is no {} beside it)",
                        out.meta.display()
                    ),
                    "refusing to overwrite it: choose another --out/--jsonl, or remove the file",
                ));
            }
        }
        return start_fresh::<R>(meta, out);
    };
    if old.spec_hash != meta.spec_hash {
        return Err(refusal(
            &out.csv,
            &format!(
                "holds results of another sweep specification (spec hash {} here, {} for {})",
                old.spec_hash, meta.spec_hash, spec.file
            ),
            "the spec, its base design or a model file changed since the run started: use another --out, or remove the results and their .sweep.json to start over",
        ));
    }
    if old.shard != meta.shard {
        let show =
            |s: Option<Shard>| s.map_or("the whole sweep".to_string(), |s| format!("shard {s}"));
        return Err(refusal(
            &out.csv,
            &format!("holds {}, not {}", show(old.shard), show(meta.shard)),
            "give the same --shard as the run that started this file, or another --out",
        ));
    }
    if old.tools != meta.tools {
        let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "no tools".into());
        return Err(refusal(
            &out.csv,
            &format!(
                "was synthesized with {}, and this run has {}",
                show(&old.tools),
                show(&meta.tools)
            ),
            "results of other tools (which count and place differently) are not continued: run with the same tool versions, or into another --out",
        ));
    }
    if old.jsonl != meta.jsonl {
        return Err(refusal(
            &out.csv,
            &format!("was started with its JSON lines in {}", old.jsonl),
            "give the same --jsonl as the run that started this file",
        ));
    }
    if !csv_exists {
        return start_fresh::<R>(meta, out);
    }
    let per_point = spec.rows_per_point();
    let chips = spec.chips();
    let check = |rows: &[R], path: &Path| -> Result<()> {
        for (k, r) in rows.iter().enumerate() {
            let p = index((k / per_point) as u64);
            let (m, c) = match chips.len() {
                0 => (&spec.models[k % per_point].name, None),
                n => (
                    &spec.models[(k % per_point) / n].name,
                    Some(chips[k % per_point % n]),
                ),
            };
            if r.point() != p || r.model() != m || r.chips() != c || r.base() != spec.raw.base {
                let on = |c: Option<u32>| c.map_or(String::new(), |c| format!(" on {c} chips"));
                return Err(refusal(
                    path,
                    &format!(
                        "row {} is point {} of `{}`{} where the sweep expects point {p} of `{m}`{}",
                        k + 1,
                        r.point(),
                        r.model(),
                        on(r.chips()),
                        on(c)
                    ),
                    "the file was edited or mixes runs: remove it and its .sweep.json to start over",
                ));
            }
        }
        Ok(())
    };
    let mut csv_bytes = std::fs::read(&out.csv).map_err(io("read", &out.csv))?;
    let header = header::<R>();
    if csv_bytes.len() < header.len() && header.as_bytes().starts_with(&csv_bytes) {
        csv_bytes = header.clone().into_bytes();
        std::fs::write(&out.csv, &csv_bytes).map_err(io("write", &out.csv))?;
    }
    let csv = csv_records::<R>(&csv_bytes, &out.csv)?;
    if csv.legacy {
        return Err(refusal(
            &out.csv,
            "holds results of an earlier systolic (its header has no `sparsity` column), which this version cannot append to",
            "run into a new --out, or remove the results and their .sweep.json to start over (`systolic report` and `systolic merge` still read the file)",
        ));
    }
    check(&csv.rows, &out.csv)?;
    let json = if jsonl_exists {
        let bytes = std::fs::read(&out.jsonl).map_err(io("read", &out.jsonl))?;
        let j = jsonl_records::<R>(&bytes, &out.jsonl)?;
        check(&j.rows, &out.jsonl)?;
        j
    } else {
        File::create(&out.jsonl).map_err(io("create", &out.jsonl))?;
        jsonl_records::<R>(&[], &out.jsonl)?
    };
    let whole = (csv.rows.len().min(json.rows.len()) / per_point) as u64;
    let keep = whole as usize * per_point;
    cut(&out.csv, csv.starts[keep] as u64)?;
    cut(&out.jsonl, json.starts[keep] as u64)?;
    if old.complete && keep as u64 != meta.rows {
        write_atomic(&out.meta, meta.to_text().as_bytes())?;
    }
    Ok(whole)
}

/// Creates the sidecar (first, so the files are known to be ours), the CSV
/// with its header and an empty JSON-lines file.
fn start_fresh<R: Row>(meta: &Meta, out: &Outputs) -> Result<u64> {
    write_atomic(&out.meta, meta.to_text().as_bytes())?;
    for (path, bytes) in [
        (&out.csv, header::<R>().into_bytes()),
        (&out.jsonl, Vec::new()),
    ] {
        let mut f = File::create(path).map_err(io("write", path))?;
        f.write_all(&bytes)
            .and_then(|()| f.sync_all())
            .map_err(io("write", path))?;
    }
    if let Some(dir) = out.csv.parent().filter(|d| !d.as_os_str().is_empty()) {
        sim::output::sync_dir(dir);
    }
    Ok(0)
}

/// Truncates `path` to `len` bytes (dropping a partial or surplus tail).
fn cut(path: &Path, len: u64) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io("write", path))?;
    f.set_len(len)
        .and_then(|()| f.sync_all())
        .map_err(io("write", path))
}

/// The two result files, open for appending.
struct Appender {
    csv: (File, std::path::PathBuf),
    jsonl: (File, std::path::PathBuf),
}

impl Appender {
    fn open(out: &Outputs) -> Result<Appender> {
        let open = |p: &Path| -> Result<(File, std::path::PathBuf)> {
            let mut f = OpenOptions::new()
                .write(true)
                .open(p)
                .map_err(io("write", p))?;
            f.seek(SeekFrom::End(0)).map_err(io("write", p))?;
            Ok((f, p.to_path_buf()))
        };
        Ok(Appender {
            csv: open(&out.csv)?,
            jsonl: open(&out.jsonl)?,
        })
    }

    /// Appends every chunk received, in order, syncing each to disk.
    fn drain<R: Row>(mut self, rx: std::sync::mpsc::Receiver<Vec<R>>) -> Result<()> {
        let mut csv = Vec::new();
        let mut json = Vec::new();
        for rows in rx {
            csv.clear();
            json.clear();
            write_csv(&rows, &mut csv);
            write_jsonl(&rows, &mut json);
            for ((f, path), bytes) in [(&mut self.csv, &csv), (&mut self.jsonl, &json)] {
                f.write_all(bytes)
                    .and_then(|()| f.sync_data())
                    .map_err(io("write", path))?;
            }
        }
        Ok(())
    }
}
