//! The files of a sweep: results CSV and JSON lines, the `.sweep.json`
//! sidecar that marks them as ours and names their spec, shards, atomic
//! writes, and reading back what an interrupted run left.

use super::mode::Mode;
use super::objective::{pareto_rows, Objective};
use super::row::{header, write_csv, Row};
use serde::{Deserialize, Serialize};
use sim::error::{InputError, Result, SimError};
use std::fmt;
use std::path::{Path, PathBuf};

/// Format tag of the sidecar.
pub const FORMAT: &str = "systolic-sweep/1";

/// The output files of one sweep (or shard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs {
    /// Results CSV (`--out`).
    pub csv: PathBuf,
    /// Results as JSON lines (`--jsonl`, default beside the CSV).
    pub jsonl: PathBuf,
    /// The sidecar: `RESULTS.sweep.json`.
    pub meta: PathBuf,
    /// Pareto-front rows: `RESULTS.pareto.csv`.
    pub pareto: PathBuf,
}

impl Outputs {
    /// The files of results `csv` (`RESULTS.csv` gives `RESULTS.jsonl`,
    /// `RESULTS.sweep.json`, `RESULTS.pareto.csv`); `jsonl` overrides the
    /// JSON-lines path.
    pub fn beside(csv: &Path, jsonl: Option<&Path>) -> Outputs {
        let name = csv
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.strip_suffix(".csv").unwrap_or(&name).to_string();
        let with = |ext: &str| csv.with_file_name(format!("{stem}{ext}"));
        Outputs {
            csv: csv.to_path_buf(),
            jsonl: jsonl.map_or_else(|| with(".jsonl"), Path::to_path_buf),
            meta: with(".sweep.json"),
            pareto: with(".pareto.csv"),
        }
    }

    /// The files with the names a user knows them by.
    fn named(&self) -> [(&'static str, &Path); 4] {
        [
            ("the results (--out)", &self.csv),
            ("the JSON lines (--jsonl)", &self.jsonl),
            ("the sidecar (.sweep.json)", &self.meta),
            ("the Pareto front (.pareto.csv)", &self.pareto),
        ]
    }

    /// Checks, before any work, that the four files are four different
    /// files, that each may be written (not a directory or a link), and that
    /// their folders exist or can be made and can be written.
    pub fn check(&self) -> Result<()> {
        let named = self.named();
        for (i, (a, pa)) in named.iter().enumerate() {
            for (b, pb) in &named[i + 1..] {
                if sim::output::same_file(pa, pb) {
                    return Err(refusal(
                        pa,
                        &format!("would be both {a} and {b}"),
                        "give --jsonl a path of its own (by default it goes beside --out, `.csv` replaced by `.jsonl`), and an --out ending in .csv",
                    ));
                }
            }
            sim::output::check(pa).map_err(io("write", pa))?;
        }
        for (_, p) in named {
            let dir = p.parent().unwrap_or(Path::new("."));
            sim::output::check_dir_writable(dir).map_err(io("write into", dir))?;
        }
        Ok(())
    }

    /// Which of these files `p` is, if any (by [`sim::output::same_file`]).
    pub fn holds(&self, p: &Path) -> Option<&'static str> {
        self.named()
            .into_iter()
            .find(|(_, q)| sim::output::same_file(p, q))
            .map(|(name, _)| name)
    }

    /// Takes these results for this process alone: an advisory lock on a
    /// `.NAME.lock` file beside the results, held until the [`Lock`] is
    /// dropped or the process ends (even by `kill -9`). A second sweep or
    /// merge on the same results is refused while the first runs.
    pub fn lock(&self) -> Result<Lock> {
        let name = self
            .csv
            .file_name()
            .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
        let path = self.csv.with_file_name(format!(".{name}.lock"));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("create", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(refusal(
                &self.csv,
                "is being written by another `systolic sweep` or `systolic merge` right now",
                "wait for it to finish (or stop it), or choose another --out; the results stay resumable",
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(io("lock", &path)(e)),
        }
    }

    /// The JSON-lines path as the sidecar records it: its file name when it
    /// sits beside the CSV, else the path as given.
    pub(crate) fn jsonl_in_meta(&self) -> String {
        if self.jsonl.parent() == self.csv.parent() {
            if let Some(n) = self.jsonl.file_name() {
                return n.to_string_lossy().into_owned();
            }
        }
        self.jsonl.display().to_string()
    }

    /// The JSON-lines file a sidecar of these outputs names.
    pub(crate) fn jsonl_of(&self, meta: &Meta) -> PathBuf {
        let p = Path::new(&meta.jsonl);
        if p.is_absolute() || p.components().count() > 1 {
            p.to_path_buf()
        } else {
            self.csv.with_file_name(p)
        }
    }
}

/// Exclusive use of a sweep's output files ([`Outputs::lock`]).
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

/// A slice of a sweep: the points whose index is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based shard number.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `i/n` (0 <= i < n).
    pub fn parse(s: &str) -> Option<Shard> {
        let (i, n) = s.split_once('/')?;
        let (index, count) = (i.trim().parse().ok()?, n.trim().parse().ok()?);
        (count >= 1 && index < count).then_some(Shard { index, count })
    }

    /// Points of a sweep of `total` points in this shard.
    pub fn len(&self, total: u64) -> u64 {
        if total > self.index {
            (total - self.index).div_ceil(self.count)
        } else {
            0
        }
    }

    /// Whether the shard holds no point of a sweep of `total` points.
    pub fn is_empty(&self, total: u64) -> bool {
        self.len(total) == 0
    }

    /// Sweep index of the shard's `k`-th point.
    pub fn point(&self, k: u64) -> u64 {
        self.index + k * self.count
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The sidecar: what a results file holds. The same spec gives the same
/// sidecar whether run whole or sharded and merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// [`FORMAT`].
    pub format: String,
    /// The spec's hash (`Spec::hash`).
    pub spec_hash: String,
    /// Base design as written in the spec.
    pub base: String,
    /// Models as written in the spec.
    pub models: Vec<String>,
    /// Points of the whole sweep.
    pub points: u64,
    /// The shard this file holds, `None` for the whole sweep.
    pub shard: Option<Shard>,
    /// Rows of the file when complete.
    pub rows: u64,
    /// The JSON-lines file (a name beside the CSV, or a path).
    pub jsonl: String,
    /// The spec's Pareto objectives.
    pub pareto: Vec<String>,
    /// Whether every row has been written.
    pub complete: bool,
    /// The spec's sizes of ONNX symbolic dimensions (absent when none).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub dims: std::collections::BTreeMap<String, u64>,
    /// The spec's `skip_unsupported` (absent when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_unsupported: bool,
    /// The sweep's mode (absent for inference).
    #[serde(default, skip_serializing_if = "Mode::is_inference")]
    pub mode: Mode,
    /// Chip counts of a train-mode sweep, in row order (absent for
    /// inference).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chips: Vec<u32>,
    /// The sweep's stage (absent for `sim`): a synth stage's rows have the
    /// synthesis columns too.
    #[serde(default, skip_serializing_if = "super::Stage::is_sim")]
    pub stage: super::Stage,
    /// A synth stage's tools and their versions ([`super::Synthesizer::tools`];
    /// absent without the stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<String>,
}

impl Meta {
    /// The sidecar of `spec` for `shard`, written to `out`.
    pub fn of(spec: &super::Spec, shard: Option<Shard>, out: &Outputs) -> Meta {
        let points = spec.points();
        let models = spec
            .models
            .iter()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>();
        let shard_points = shard.map_or(points, |s| s.len(points));
        Meta {
            format: FORMAT.to_string(),
            spec_hash: spec.hash.clone(),
            base: spec.raw.base.clone(),
            rows: shard_points * spec.rows_per_point() as u64,
            models,
            points,
            shard,
            jsonl: out.jsonl_in_meta(),
            pareto: spec.pareto.iter().map(|o| o.name().to_string()).collect(),
            complete: false,
            dims: spec.raw.dims.clone(),
            skip_unsupported: spec.raw.skip_unsupported,
            mode: spec.mode(),
            chips: spec.chips().to_vec(),
            stage: spec.stage(),
            tools: None,
        }
    }

    /// Rows each point has: one per model, times one per chip count in
    /// train mode.
    pub fn rows_per_point(&self) -> usize {
        self.models.len() * self.chips.len().max(1)
    }

    /// JSON text (pretty, with a final newline).
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).expect("meta serializes") + "\n"
    }

    /// Reads the sidecar at `path`: `Ok(None)` when there is none, an error
    /// when it is not one of ours.
    pub fn read(path: &Path) -> Result<Option<Meta>> {
        if !path.exists() {
            return Ok(None);
        }
        let text = sim::error::read_file(path)?;
        let meta = match serde_json::from_str::<Meta>(&text) {
            Ok(m) if m.format == FORMAT => m,
            _ => {
                return Err(refusal(
                    path,
                    "is not a `systolic sweep` sidecar",
                    "choose another --out, or remove the file",
                ))
            }
        };
        meta.check().map_err(|why| {
            refusal(
                path,
                &format!("is a sidecar that no sweep writes: {why}"),
                "the file was edited or damaged: remove the results and their .sweep.json and run the sweep again",
            )
        })?;
        Ok(Some(meta))
    }

    /// What every sidecar a sweep writes satisfies: at least one model and
    /// one point, chip counts exactly in train mode, a shard `i/n` with
    /// `i < n`, and `points x rows per point` rows that a count can hold.
    fn check(&self) -> std::result::Result<(), String> {
        if self.models.is_empty() {
            return Err("it names no model".into());
        }
        match (self.mode, self.chips.is_empty()) {
            (Mode::Train, true) => return Err("a train-mode sweep with no chip count".into()),
            (Mode::Inference, false) => return Err("chip counts in an inference sweep".into()),
            _ => {}
        }
        if self.mode == Mode::Train && self.stage == super::Stage::Synth {
            return Err("a train-mode sweep with a synth stage".into());
        }
        if self.points == 0 {
            return Err("it holds no point".into());
        }
        if let Some(s) = self.shard {
            if s.count == 0 || s.index >= s.count {
                return Err(format!("shard {}/{} does not exist", s.index, s.count));
            }
        }
        let rows = (self.models.len() as u64)
            .checked_mul(self.chips.len().max(1) as u64)
            .and_then(|per_point| self.points.checked_mul(per_point))
            .filter(|r| usize::try_from(*r).is_ok())
            .ok_or("its points times its rows per point pass what a count holds")?;
        if self.rows > rows {
            return Err(format!("it says {} rows of {rows}", self.rows));
        }
        Ok(())
    }
}

/// An error about a results file we will not touch.
pub(crate) fn refusal(path: &Path, what: &str, hint: &str) -> SimError {
    InputError::new(
        "systolic::sweep::results",
        path.display().to_string(),
        what.to_string(),
    )
    .hint(hint.to_string())
    .into()
}

pub(crate) use sim::error::io_error as io;

/// Writes `bytes` to `path` atomically ([`sim::output::write_file_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    sim::output::write_file_atomic(path, bytes).map_err(io("write", path))
}

/// Complete records of a results CSV: their rows and the byte offset where
/// each starts (plus one past the last), after checking the header.
pub(crate) struct CsvRecords<R> {
    pub rows: Vec<R>,
    pub starts: Vec<usize>,
    /// Whether the file has the older header, [`Row::LEGACY_COLUMNS`].
    pub legacy: bool,
}

/// Reads the complete lines of results CSV `bytes` (a partial last line,
/// without its newline, is left out). The header is this version's, or the
/// older one a kind of row still reads ([`Row::LEGACY_COLUMNS`]).
pub(crate) fn csv_records<R: Row>(bytes: &[u8], path: &Path) -> Result<CsvRecords<R>> {
    let legacy_header = R::LEGACY_COLUMNS.join(",") + "\n";
    let legacy = !R::LEGACY_COLUMNS.is_empty()
        && !bytes.starts_with(header::<R>().as_bytes())
        && bytes.starts_with(legacy_header.as_bytes());
    if !(legacy || bytes.starts_with(header::<R>().as_bytes())) {
        return Err(refusal(
            path,
            "does not start with the sweep results header",
            "the file was not written by `systolic sweep`; choose another --out, or remove it",
        ));
    }
    let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut rd = csv::ReaderBuilder::new().from_reader(&bytes[..end]);
    let columns = if legacy {
        R::LEGACY_COLUMNS
    } else {
        R::COLUMNS
    };
    let headers = csv::StringRecord::from(columns.to_vec());
    let mut rows = Vec::new();
    let mut starts = Vec::new();
    let mut rec = csv::StringRecord::new();
    let unreadable = |rows: &Vec<R>, e: &dyn fmt::Display| {
        refusal(
            path,
            &format!("row {} cannot be read: {e}", rows.len() + 1),
            "the file was not written by `systolic sweep`, or was edited; remove it to start over",
        )
    };
    loop {
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let row = R::from_record(&rec, &headers).map_err(|e| unreadable(&rows, &e))?;
                starts.push(rec.position().map_or(0, |p| p.byte() as usize));
                rows.push(row);
            }
            Err(e) => return Err(unreadable(&rows, &e)),
        }
    }
    starts.push(end);
    Ok(CsvRecords {
        rows,
        starts,
        legacy,
    })
}

/// Complete lines of a JSON-lines file: rows and line start offsets (plus
/// one past the last complete line).
pub(crate) fn jsonl_records<R: Row>(bytes: &[u8], path: &Path) -> Result<CsvRecords<R>> {
    let mut rows = Vec::new();
    let mut starts = vec![0];
    let mut at = 0;
    while let Some(n) = bytes[at..].iter().position(|&b| b == b'\n') {
        let line = &bytes[at..at + n];
        let row: R = serde_json::from_slice(line).map_err(|e| {
            refusal(
                path,
                &format!("line {} is not a sweep row: {e}", rows.len() + 1),
                "the file was not written by `systolic sweep`; choose another --jsonl, or remove it",
            )
        })?;
        rows.push(row);
        at += n + 1;
        starts.push(at);
    }
    Ok(CsvRecords {
        rows,
        starts,
        legacy: false,
    })
}

/// Writes the Pareto rows of results CSV `bytes` (read as `records`) over
/// `objectives` to `path`: its header and the front rows' lines, in point
/// order, as they are in `bytes` (whichever header the file has). Returns
/// the rows' indices.
pub(crate) fn write_pareto_lines<R: Row>(
    path: &Path,
    bytes: &[u8],
    records: &CsvRecords<R>,
    objectives: &[Objective],
) -> Result<Vec<usize>> {
    let front = pareto_rows(&records.rows, objectives);
    let s = &records.starts;
    let mut out = bytes[..s[0]].to_vec();
    for &i in &front {
        out.extend_from_slice(&bytes[s[i]..s[i + 1]]);
    }
    write_atomic(path, &out)?;
    Ok(front)
}

/// Writes the Pareto rows of `rows` over `objectives` to `path` (header and
/// the front's rows in point order) and returns their indices.
pub fn write_pareto<R: Row>(
    path: &Path,
    rows: &[R],
    objectives: &[Objective],
) -> Result<Vec<usize>> {
    let front = pareto_rows(rows, objectives);
    let mut out = header::<R>().into_bytes();
    let chosen: Vec<R> = front.iter().map(|&i| rows[i].clone()).collect();
    write_csv(&chosen, &mut out);
    write_atomic(path, &out)?;
    Ok(front)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_points_by_index_modulo_count() {
        assert_eq!(Shard::parse("3/8"), Some(Shard { index: 3, count: 8 }));
        for bad in ["8/8", "1/0", "-1/2", "1", "a/b", "1/2/3"] {
            assert_eq!(Shard::parse(bad), None, "{bad}");
        }
        let total = 10;
        let mut seen = Vec::new();
        for i in 0..4 {
            let s = Shard { index: i, count: 4 };
            seen.extend((0..s.len(total)).map(|k| s.point(k)));
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..total).collect::<Vec<_>>());
        assert!(Shard { index: 5, count: 8 }.is_empty(3));
        assert_eq!(Shard { index: 0, count: 1 }.to_string(), "0/1");
    }

    #[test]
    fn outputs_sit_beside_the_csv() {
        let o = Outputs::beside(Path::new("runs/r.csv"), None);
        assert_eq!(o.jsonl, Path::new("runs/r.jsonl"));
        assert_eq!(o.meta, Path::new("runs/r.sweep.json"));
        assert_eq!(o.pareto, Path::new("runs/r.pareto.csv"));
        assert_eq!(o.jsonl_in_meta(), "r.jsonl");
        let elsewhere = Outputs::beside(Path::new("r"), Some(Path::new("/tmp/x.jsonl")));
        assert_eq!(elsewhere.meta, Path::new("r.sweep.json"));
        assert_eq!(elsewhere.jsonl_in_meta(), "/tmp/x.jsonl");
    }
}
