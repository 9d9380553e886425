//! Running a sweep: points evaluated in parallel (rayon) in chunks, rows
//! written in point order (so the files do not depend on the thread count),
//! each chunk synced to disk; an interrupted run resumes where it stopped.

use super::eval::Evaluator;
use super::files::{
    csv_records, io, jsonl_records, refusal, write_atomic, write_pareto, Meta, Outputs, Shard,
};
use super::objective::Objective;
use super::row::{csv_header, write_csv, write_jsonl, SweepRow};
use super::spec::Spec;
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
    /// Rows on the Pareto front (unsharded complete runs with objectives).
    pub front: Vec<SweepRow>,
    /// The objectives of that front.
    pub objectives: Vec<Objective>,
}

/// Runs (or resumes) `spec` into `opts.outputs`. `progress` is called once
/// with the number of points found already done (possibly 0), then from
/// worker threads with each number of points finished.
pub fn run(spec: &Spec, opts: &RunOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<RunSummary> {
    let out = &opts.outputs;
    let shard = opts.shard;
    let total = spec.points();
    let points = shard.map_or(total, |s| s.len(total));
    let index = |k: u64| shard.map_or(k, |s| s.point(k));
    out.check()?;
    let _lock = out.lock()?;
    let mut meta = Meta::of(spec, shard, out);
    let done = prepare(spec, &meta, out, &index)?;
    let objectives = opts.pareto.clone().unwrap_or_else(|| spec.pareto.clone());
    let evaluator = Evaluator::new(spec);
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
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<SweepRow>>(2);
        let writer = std::thread::spawn(move || files.drain(rx));
        let computed = pool.install(|| -> Result<()> {
            let mut next = done;
            let mut chunk = 2 * rayon::current_num_threads() as u64;
            while next < todo_end {
                let end = todo_end.min(next + chunk);
                let t = Instant::now();
                let rows: Vec<Vec<SweepRow>> = (next as usize..end as usize)
                    .into_par_iter()
                    .with_max_len(1)
                    .map(|k| {
                        let rows = evaluator.rows(&spec.point(index(k as u64)));
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
            let rows = csv_records(&bytes, &out.csv)?.rows;
            let idx = write_pareto(&out.pareto, &rows, &objectives)?;
            front = idx.into_iter().map(|i| rows[i].clone()).collect();
        }
    }
    let evaluated = todo_end.saturating_sub(done);
    Ok(RunSummary {
        points,
        resumed: done,
        evaluated,
        layer_evaluations: evaluated * per_point,
        seconds,
        complete,
        front,
        objectives,
    })
}

/// Makes the output files ready to append to and returns how many of the
/// shard's points they already hold: creates them, or checks that existing
/// ones are ours and of this spec, and cuts them back to the last point both
/// hold whole.
fn prepare(spec: &Spec, meta: &Meta, out: &Outputs, index: &dyn Fn(u64) -> u64) -> Result<u64> {
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
        return start_fresh(meta, out);
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
    if old.jsonl != meta.jsonl {
        return Err(refusal(
            &out.csv,
            &format!("was started with its JSON lines in {}", old.jsonl),
            "give the same --jsonl as the run that started this file",
        ));
    }
    if !csv_exists {
        return start_fresh(meta, out);
    }
    let models = spec.models.len();
    let check = |rows: &[SweepRow], path: &Path| -> Result<()> {
        for (k, r) in rows.iter().enumerate() {
            let (p, m) = (index((k / models) as u64), &spec.models[k % models].name);
            if r.point != p || &r.model != m || r.base != spec.raw.base {
                return Err(refusal(
                    path,
                    &format!(
                        "row {} is point {} of `{}` where the sweep expects point {p} of `{m}`",
                        k + 1,
                        r.point,
                        r.model
                    ),
                    "the file was edited or mixes runs: remove it and its .sweep.json to start over",
                ));
            }
        }
        Ok(())
    };
    let mut csv_bytes = std::fs::read(&out.csv).map_err(io("read", &out.csv))?;
    let header = csv_header();
    if csv_bytes.len() < header.len() && header.as_bytes().starts_with(&csv_bytes) {
        csv_bytes = header.clone().into_bytes();
        std::fs::write(&out.csv, &csv_bytes).map_err(io("write", &out.csv))?;
    }
    let csv = csv_records(&csv_bytes, &out.csv)?;
    check(&csv.rows, &out.csv)?;
    let json = if jsonl_exists {
        let bytes = std::fs::read(&out.jsonl).map_err(io("read", &out.jsonl))?;
        let j = jsonl_records(&bytes, &out.jsonl)?;
        check(&j.rows, &out.jsonl)?;
        j
    } else {
        File::create(&out.jsonl).map_err(io("create", &out.jsonl))?;
        jsonl_records(&[], &out.jsonl)?
    };
    let whole = (csv.rows.len().min(json.rows.len()) / models) as u64;
    let keep = whole as usize * models;
    cut(&out.csv, csv.starts[keep] as u64)?;
    cut(&out.jsonl, json.starts[keep] as u64)?;
    if old.complete && keep as u64 != meta.rows {
        write_atomic(&out.meta, meta.to_text().as_bytes())?;
    }
    Ok(whole)
}

/// Creates the sidecar (first, so the files are known to be ours), the CSV
/// with its header and an empty JSON-lines file.
fn start_fresh(meta: &Meta, out: &Outputs) -> Result<u64> {
    write_atomic(&out.meta, meta.to_text().as_bytes())?;
    for (path, bytes) in [
        (&out.csv, csv_header().into_bytes()),
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
    fn drain(mut self, rx: std::sync::mpsc::Receiver<Vec<SweepRow>>) -> Result<()> {
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
