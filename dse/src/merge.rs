//! Joining shard outputs into the files one unsharded run would have
//! written, byte for byte, after checking the shards are of one spec,
//! complete and disjoint. The sidecars say whether the rows are inference
//! or train-mode rows.

use super::files::{
    csv_records, io, jsonl_records, refusal, write_atomic, write_pareto_lines, Meta, Outputs, Shard,
};
use super::mode::Mode;
use super::objective::Objective;
use super::row::{header, Row, SweepRow};
use super::synth::{Stage, SynthRow};
use super::train_row::TrainRow;
use sim::error::{InputError, Result};
use std::path::{Path, PathBuf};

/// What a merge wrote.
#[derive(Debug, Clone)]
pub struct MergeSummary {
    /// Shards joined.
    pub shards: u64,
    /// Points of the sweep.
    pub points: u64,
    /// Rows written.
    pub rows: u64,
    /// Rows on the Pareto front (inference shards with objectives).
    pub front: Vec<SweepRow>,
    /// Rows on the Pareto front of train-mode shards (as `front`).
    pub train_front: Vec<TrainRow>,
    /// Rows on the Pareto front of synth-stage shards (as `front`).
    pub synth_front: Vec<SynthRow>,
    /// The objectives of that front.
    pub objectives: Vec<Objective>,
}

/// One shard's files, read and checked.
struct ShardFiles {
    csv: PathBuf,
    meta: Meta,
    shard: Shard,
    /// Bytes of the CSV and of the JSON lines, and where each row starts.
    csv_bytes: Vec<u8>,
    csv_starts: Vec<usize>,
    json_bytes: Vec<u8>,
    json_starts: Vec<usize>,
    /// Whether its CSV has the older header ([`Row::LEGACY_COLUMNS`]).
    legacy: bool,
}

fn problem(file: &Path, msg: String, hint: &str) -> sim::error::SimError {
    InputError::new("systolic::merge", file.display().to_string(), msg)
        .hint(hint.to_string())
        .into()
}

/// Merges the shard results `inputs` (their CSV paths; each with its
/// `.sweep.json` and JSON lines beside it) into `out`. `pareto` overrides the
/// spec's objectives for the Pareto file (they must belong to the shards'
/// mode).
pub fn merge(
    inputs: &[PathBuf],
    out: &Outputs,
    pareto: Option<Vec<Objective>>,
) -> Result<MergeSummary> {
    // The first shard's mode; a sidecar that cannot be read is reported
    // where every shard's is checked.
    let (mode, stage) = inputs
        .first()
        .and_then(|path| Meta::read(&Outputs::beside(path, None).meta).ok().flatten())
        .map_or((Mode::Inference, Stage::Sim), |m| (m.mode, m.stage));
    let synth = stage == Stage::Synth;
    if let Some(list) = &pareto {
        Objective::check_mode(list, mode)
            .and_then(|()| Objective::check_stage(list, synth))
            .map_err(|(_, msg)| {
                InputError::new("systolic::merge", "<command line>", msg)
                    .field("--pareto")
                    .hint(format!(
                        "this sweep's objectives: {}",
                        Objective::names_of_stage(mode, synth)
                    ))
            })?;
    }
    match mode {
        Mode::Inference if synth => {
            let (summary, synth_front) = merge_rows::<SynthRow>(inputs, out, pareto)?;
            Ok(MergeSummary {
                synth_front,
                ..summary
            })
        }
        Mode::Inference => {
            let (summary, front) = merge_rows::<SweepRow>(inputs, out, pareto)?;
            Ok(MergeSummary { front, ..summary })
        }
        Mode::Train => {
            let (summary, train_front) = merge_rows::<TrainRow>(inputs, out, pareto)?;
            Ok(MergeSummary {
                train_front,
                ..summary
            })
        }
    }
}

/// [`merge`] of shards of rows of kind `R`; the summary's fronts are left
/// empty, and the front comes back beside it.
fn merge_rows<R: Row>(
    inputs: &[PathBuf],
    out: &Outputs,
    pareto: Option<Vec<Objective>>,
) -> Result<(MergeSummary, Vec<R>)> {
    let Some(first_path) = inputs.first() else {
        return Err(problem(
            Path::new("<command line>"),
            "no shard given".into(),
            "name every shard's results CSV",
        ));
    };
    out.check()?;
    let _lock = out.lock()?;
    let mut shards: Vec<ShardFiles> = Vec::new();
    for path in inputs {
        let files = Outputs::beside(path, None);
        let meta = Meta::read(&files.meta)?.ok_or_else(|| {
            problem(
                path,
                format!(
                    "is not a sweep shard (no {} beside it)",
                    files.meta.display()
                ),
                "give the CSV files `systolic sweep --shard i/n` wrote",
            )
        })?;
        let shard = meta.shard.ok_or_else(|| {
            problem(
                path,
                "holds a whole sweep, not a shard".into(),
                "only results of `systolic sweep --shard i/n` are merged",
            )
        })?;
        if !meta.complete {
            return Err(problem(
                path,
                format!("shard {shard} is incomplete"),
                "finish it by running its `systolic sweep ... --shard` command again (it resumes)",
            ));
        }
        if let Some(other) = shards.iter().find(|s| s.shard == shard) {
            return Err(problem(
                path,
                format!(
                    "shard {shard} is given twice (also {})",
                    other.csv.display()
                ),
                "give each shard once",
            ));
        }
        if let Some(first) = shards.first() {
            if meta.spec_hash != first.meta.spec_hash
                || shard.count != first.shard.count
                || meta.mode != first.meta.mode
                || meta.chips != first.meta.chips
            {
                return Err(problem(
                    path,
                    format!(
                        "is shard {shard} of spec {}, but {} is shard {} of spec {}",
                        meta.spec_hash,
                        first.csv.display(),
                        first.shard,
                        first.meta.spec_hash
                    ),
                    "merge the shards of one sweep, all run with the same spec and the same shard count",
                ));
            }
            if meta.tools != first.meta.tools {
                let show = |t: &Option<String>| t.clone().unwrap_or_else(|| "no tools".into());
                return Err(problem(
                    path,
                    format!(
                        "was synthesized with {}, but {} with {}",
                        show(&meta.tools),
                        first.csv.display(),
                        show(&first.meta.tools)
                    ),
                    "shards synthesized by other tool versions count and place differently: rerun them on nodes with the same Yosys and nextpnr",
                ));
            }
        }
        let jsonl = files.jsonl_of(&meta);
        for p in [path, &files.meta, &jsonl] {
            if let Some(which) = out.holds(p) {
                return Err(problem(
                    p,
                    format!("is a file of shard {shard} and also {which} of the merge"),
                    "write the merged results to a new file",
                ));
            }
        }
        let csv_bytes = std::fs::read(path).map_err(io("read", path))?;
        let csv = csv_records::<R>(&csv_bytes, path)?;
        if let Some(first) = shards.first().filter(|f| f.legacy != csv.legacy) {
            let (old, new) = if csv.legacy {
                (path, &first.csv)
            } else {
                (&first.csv, path)
            };
            return Err(problem(
                path,
                format!(
                    "{} has the results header of an earlier systolic (no `sparsity` column), {} this version's",
                    old.display(),
                    new.display()
                ),
                "merge shards written by one version: run the older shards again with this one (into new files)",
            ));
        }
        let json_bytes = std::fs::read(&jsonl).map_err(io("read", &jsonl))?;
        let json = jsonl_records::<R>(&json_bytes, &jsonl)?;
        let per_point = meta.rows_per_point();
        // Within usize: Meta::read checked points x rows per point.
        let expected = shard.len(meta.points) as usize * per_point;
        for (name, rows, end, len) in [
            (path, &csv.rows, csv.starts[csv.rows.len()], csv_bytes.len()),
            (
                &jsonl,
                &json.rows,
                json.starts[json.rows.len()],
                json_bytes.len(),
            ),
        ] {
            if rows.len() != expected || end != len {
                return Err(problem(
                    name,
                    format!("shard {shard} should hold {expected} complete rows; it holds {}", rows.len()),
                    "the shard's files were cut or edited: run its sweep command again to repair them",
                ));
            }
            for (k, r) in rows.iter().enumerate() {
                let p = shard.point((k / per_point) as u64);
                let (m, c) = match meta.chips.len() {
                    0 => (&meta.models[k % per_point], None),
                    n => (
                        &meta.models[(k % per_point) / n],
                        Some(meta.chips[k % per_point % n]),
                    ),
                };
                if r.point() != p || r.model() != m || r.chips() != c {
                    let on = |c: Option<u32>| c.map_or(String::new(), |c| format!(" on {c} chips"));
                    return Err(problem(
                        name,
                        format!(
                            "row {} is point {} of `{}`{}; shard {shard} holds point {p} of `{m}`{} there",
                            k + 1,
                            r.point(),
                            r.model(),
                            on(r.chips()),
                            on(c)
                        ),
                        "the shard's files were edited: run its sweep again into a new file",
                    ));
                }
            }
        }
        shards.push(ShardFiles {
            csv: path.clone(),
            meta,
            shard,
            csv_bytes,
            csv_starts: csv.starts,
            json_bytes,
            json_starts: json.starts,
            legacy: csv.legacy,
        });
    }
    let count = shards[0].shard.count;
    if let Some(missing) = (0..count).find(|i| !shards.iter().any(|s| s.shard.index == *i)) {
        return Err(problem(
            first_path,
            format!("shard {missing}/{count} is missing"),
            &format!("give all {count} shards of the sweep"),
        ));
    }
    shards.sort_by_key(|s| s.shard.index);
    let first = &shards[0].meta;
    let per_point = first.rows_per_point();
    let points = first.points;
    if Meta::read(&out.meta)?.is_none() {
        for path in [&out.csv, &out.jsonl] {
            if path.exists() {
                return Err(refusal(
                    path,
                    "exists and was not written by `systolic sweep` or `systolic merge`",
                    "refusing to overwrite it: choose another --out, or remove the file",
                ));
            }
        }
    }
    let mut csv = if shards[0].legacy {
        R::LEGACY_COLUMNS.join(",") + "\n"
    } else {
        header::<R>()
    }
    .into_bytes();
    let mut json = Vec::new();
    for p in 0..points {
        let s = &shards[(p % count) as usize];
        let k = (p / count) as usize * per_point;
        csv.extend_from_slice(&s.csv_bytes[s.csv_starts[k]..s.csv_starts[k + per_point]]);
        json.extend_from_slice(&s.json_bytes[s.json_starts[k]..s.json_starts[k + per_point]]);
    }
    let mut meta = first.clone();
    meta.shard = None;
    meta.rows = points * per_point as u64;
    meta.complete = true;
    meta.jsonl = out.jsonl_in_meta();
    write_atomic(&out.meta, meta.to_text().as_bytes())?;
    write_atomic(&out.csv, &csv)?;
    write_atomic(&out.jsonl, &json)?;
    let objectives = match pareto {
        Some(o) => o,
        None => meta
            .pareto
            .iter()
            .filter_map(|n| Objective::parse(n))
            .collect(),
    };
    let mut front = Vec::new();
    if !objectives.is_empty() {
        let records = csv_records::<R>(&csv, &out.csv)?;
        let idx = write_pareto_lines(&out.pareto, &csv, &records, &objectives)?;
        front = idx.into_iter().map(|i| records.rows[i].clone()).collect();
    }
    let summary = MergeSummary {
        shards: count,
        points,
        rows: meta.rows,
        front: Vec::new(),
        train_front: Vec::new(),
        synth_front: Vec::new(),
        objectives,
    };
    Ok((summary, front))
}
