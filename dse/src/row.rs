//! One row of sweep results: a (point, model) pair with its figures, in the
//! CSV column order; and the way back from a row to its design. [`Row`] is
//! what the result files need of any kind of row (this one, and
//! [`crate::TrainRow`] of train-mode sweeps).

use super::objective::Objective;
use super::points::{sparsity_name, Point};
use super::spec::resolve_base;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sim::area::AreaBreakdown;
use sim::design::{Dataflow, Design};
use sim::error::{InputError, Result};
use sim::precision::Precision;
use sim::report::LayerReport;
use sim::sparsity::Sparsity;
use std::path::Path;

/// The CSV columns, in order (the field order of [`SweepRow`]; a test keeps
/// them equal).
pub const COLUMNS: [&str; 30] = [
    "point",
    "model",
    "base",
    "rows",
    "cols",
    "dataflow",
    "operand",
    "ifmap_sram_kib",
    "filter_sram_kib",
    "ofmap_sram_kib",
    "dram_bandwidth_bytes_per_cycle",
    "clock_mhz",
    "sparsity",
    "batch",
    "layers",
    "macs",
    "cycles",
    "latency_ms",
    "throughput_inf_per_s",
    "energy_mj",
    "edp_mj_ms",
    "power_w",
    "area_mm2",
    "area_source",
    "peak_tops",
    "achieved_tops",
    "tops_per_w",
    "tops_per_mm2",
    "utilization",
    "feasible",
];

/// The columns of results written before sweeps had a sparsity axis:
/// [`COLUMNS`] without `sparsity`. Such files still read (their rows are
/// `dense`) and shards of them still merge.
pub const LEGACY_COLUMNS: [&str; 29] = without(COLUMNS, SPARSITY_COLUMN);

/// Where `sparsity` stands in [`COLUMNS`].
const SPARSITY_COLUMN: usize = 12;

/// `cols` without the column at `skip`.
const fn without(cols: [&'static str; 30], skip: usize) -> [&'static str; 29] {
    let mut out = [""; 29];
    let (mut i, mut j) = (0, 0);
    while i < cols.len() {
        if i != skip {
            out[j] = cols[i];
            j += 1;
        }
        i += 1;
    }
    out
}

/// What the result files, Pareto fronts and constraints need of a kind of
/// row: its columns, which point, model and chip count it is, whether it is
/// feasible, its objectives, and the checks a row read back must pass.
pub trait Row: Serialize + DeserializeOwned + Clone + Send + 'static {
    /// The CSV columns, in order (the field order of the row).
    const COLUMNS: &'static [&'static str];
    /// The columns of an older header that still reads (the missing
    /// columns take their defaults); empty when there is none.
    const LEGACY_COLUMNS: &'static [&'static str] = &[];
    /// Sweep point index.
    fn point(&self) -> u64;
    /// Model as written in the spec.
    fn model(&self) -> &str;
    /// Base design as written in the spec.
    fn base(&self) -> &str;
    /// Chips of a train-mode row; `None` for an inference row.
    fn chips(&self) -> Option<u32>;
    /// Whether the row respects the spec's constraints.
    fn feasible(&self) -> bool;
    /// The figure objective `o` reads; NaN when this kind of row has none.
    fn value(&self, o: Objective) -> f64;
    /// The columns holding names, with their values (none may be empty).
    fn names(&self) -> Vec<(&'static str, &str)>;
    /// Checks what a sweep can have written; `Err((column, why))`.
    fn check(&self) -> std::result::Result<(), (&'static str, String)>;
    /// Writes the row as one CSV record, its columns in order.
    fn write_record<W: std::io::Write>(&self, w: &mut csv::Writer<W>) -> csv::Result<()> {
        w.serialize(self)
    }
    /// Reads a row from a CSV record whose columns `headers` names.
    fn from_record(rec: &csv::StringRecord, headers: &csv::StringRecord) -> csv::Result<Self> {
        rec.deserialize(Some(headers))
    }
}

/// The design columns every kind of row starts with, borrowed from a row:
/// their checks and the point they make.
pub(crate) struct DesignColumns<'a> {
    pub(crate) point: u64,
    pub(crate) rows: u32,
    pub(crate) cols: u32,
    pub(crate) dataflow: &'a str,
    pub(crate) operand: &'a str,
    pub(crate) ifmap_sram_kib: f64,
    pub(crate) filter_sram_kib: f64,
    pub(crate) ofmap_sram_kib: f64,
    pub(crate) dram_bandwidth_bytes_per_cycle: f64,
    pub(crate) clock_mhz: f64,
    /// `None` for rows without the column (train mode: the base design's).
    pub(crate) sparsity: Option<&'a str>,
}

impl DesignColumns<'_> {
    /// A known dataflow, operand and sparsity, an array within the design
    /// bounds, and sizes, bandwidth and clock finite and not negative.
    pub(crate) fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        if let Some(Err(msg)) = self.sparsity.map(Sparsity::parse) {
            return Err(("sparsity", msg));
        }
        if Dataflow::parse(self.dataflow).is_none() {
            return Err((
                "dataflow",
                format!("unknown dataflow `{}` (ws, os or is)", self.dataflow),
            ));
        }
        if Precision::parse(self.operand).is_none() {
            return Err(("operand", format!("unknown precision `{}`", self.operand)));
        }
        let max = sim::design::MAX_SIDE;
        for (column, v) in [("rows", self.rows), ("cols", self.cols)] {
            if v == 0 || v > max {
                return Err((column, format!("{v} is not an array side (1 to {max})")));
            }
        }
        check_figures(&[
            ("ifmap_sram_kib", self.ifmap_sram_kib),
            ("filter_sram_kib", self.filter_sram_kib),
            ("ofmap_sram_kib", self.ofmap_sram_kib),
            (
                "dram_bandwidth_bytes_per_cycle",
                self.dram_bandwidth_bytes_per_cycle,
            ),
            ("clock_mhz", self.clock_mhz),
        ])
    }

    /// The point these columns were written from; `base` is the sparsity
    /// of rows without the column.
    pub(crate) fn to_point(&self, base: Option<Sparsity>) -> Result<Point> {
        let bad = |field: &str, v: &str| {
            InputError::new(
                "systolic::sweep::row",
                "<sweep results>",
                format!("point {}: unknown {field} `{v}`", self.point),
            )
            .field(field.to_string())
            .hint("the row was not written by `systolic sweep`")
        };
        Ok(Point {
            index: self.point,
            rows: self.rows,
            cols: self.cols,
            dataflow: Dataflow::parse(self.dataflow)
                .ok_or_else(|| bad("dataflow", self.dataflow))?,
            operand: Precision::parse(self.operand).ok_or_else(|| bad("operand", self.operand))?,
            ifmap_sram_kib: self.ifmap_sram_kib,
            filter_sram_kib: self.filter_sram_kib,
            ofmap_sram_kib: self.ofmap_sram_kib,
            dram_bandwidth: self.dram_bandwidth_bytes_per_cycle,
            clock_mhz: self.clock_mhz,
            sparsity: match self.sparsity {
                None => base,
                Some(s) => Sparsity::parse(s).map_err(|msg| {
                    InputError::new(
                        "systolic::sweep::row",
                        "<sweep results>",
                        format!("point {}: {msg}", self.point),
                    )
                    .field("sparsity")
                    .hint("the row was not written by `systolic sweep`")
                })?,
            },
        })
    }
}

/// The first figure that is not a finite, non-negative number.
pub(crate) fn check_figures(
    figures: &[(&'static str, f64)],
) -> std::result::Result<(), (&'static str, String)> {
    for &(column, v) in figures {
        if !(v.is_finite() && v >= 0.0) {
            return Err((
                column,
                format!("`{v}` is not a finite, non-negative number"),
            ));
        }
    }
    Ok(())
}

/// One result of a sweep: a model run on one point's design (docs/SWEEP.md
/// defines every field). Serialized in field order as a CSV row or a JSON
/// object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Sweep point index.
    pub point: u64,
    /// Model as written in the spec (zoo name, or CSV path relative to the spec).
    pub model: String,
    /// Base design as written in the spec (preset name, or TOML path relative to the spec).
    pub base: String,
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// `ws`, `os` or `is`.
    pub dataflow: String,
    /// Operand precision.
    pub operand: String,
    /// ifmap SRAM, KiB.
    pub ifmap_sram_kib: f64,
    /// filter SRAM, KiB.
    pub filter_sram_kib: f64,
    /// ofmap SRAM, KiB.
    pub ofmap_sram_kib: f64,
    /// DRAM bandwidth, bytes per cycle.
    pub dram_bandwidth_bytes_per_cycle: f64,
    /// Clock, MHz.
    pub clock_mhz: f64,
    /// N:M weight sparsity: `dense` or a pattern such as `2:4` (`dense`
    /// when read from results written before the column existed).
    #[serde(default = "dense")]
    pub sparsity: String,
    /// Batch size.
    pub batch: u64,
    /// Layers of the model (array and vector).
    pub layers: u64,
    /// Multiply-accumulates of the batch.
    pub macs: u64,
    /// Cycles of the batch.
    pub cycles: u64,
    /// Latency of the batch, ms.
    pub latency_ms: f64,
    /// Inferences per second (batch / latency).
    pub throughput_inf_per_s: f64,
    /// Energy of the batch, mJ.
    pub energy_mj: f64,
    /// Energy x latency, mJ x ms.
    pub edp_mj_ms: f64,
    /// Average power (energy / latency), W.
    pub power_w: f64,
    /// Area, mm^2.
    pub area_mm2: f64,
    /// Where the area comes from: `model` (the cited area model).
    pub area_source: String,
    /// Peak TOPS (2 ops per MAC).
    pub peak_tops: f64,
    /// Achieved TOPS over the batch.
    pub achieved_tops: f64,
    /// TOPS per watt.
    pub tops_per_w: f64,
    /// Achieved TOPS per mm^2.
    pub tops_per_mm2: f64,
    /// MACs / (PEs x cycles).
    pub utilization: f64,
    /// Whether the row respects the spec's constraints.
    pub feasible: bool,
}

fn dense() -> String {
    "dense".to_string()
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

impl SweepRow {
    /// The row of `point` and `model` from the model's total report row
    /// (as [`sim::report::ModelReport`] computes it) and the design's area;
    /// `feasible` is left true for the caller to set.
    pub fn new(
        point: &Point,
        model: &str,
        base: &str,
        batch: u64,
        layers: u64,
        total: &LayerReport,
        area: &AreaBreakdown,
    ) -> SweepRow {
        let latency_ms = total.latency_us / 1e3;
        let energy_mj = total.energy_total_pj / 1e9;
        SweepRow {
            point: point.index,
            model: model.to_string(),
            base: base.to_string(),
            rows: point.rows,
            cols: point.cols,
            dataflow: point.dataflow.to_string(),
            operand: point.operand.to_string(),
            ifmap_sram_kib: point.ifmap_sram_kib,
            filter_sram_kib: point.filter_sram_kib,
            ofmap_sram_kib: point.ofmap_sram_kib,
            dram_bandwidth_bytes_per_cycle: point.dram_bandwidth,
            clock_mhz: point.clock_mhz,
            sparsity: sparsity_name(point.sparsity),
            batch,
            layers,
            macs: total.macs,
            cycles: total.total_cycles,
            latency_ms,
            throughput_inf_per_s: ratio(batch as f64 * 1e6, total.latency_us),
            energy_mj,
            edp_mj_ms: energy_mj * latency_ms,
            power_w: ratio(total.energy_total_pj, total.latency_us) * 1e-6,
            area_mm2: area.total_mm2,
            area_source: "model".to_string(),
            peak_tops: total.peak_tops,
            achieved_tops: total.achieved_tops,
            tops_per_w: total.tops_per_watt,
            tops_per_mm2: ratio(total.achieved_tops, area.total_mm2),
            utilization: total.utilization,
            feasible: true,
        }
    }

    /// Checks what a sweep can have written: a known dataflow and operand,
    /// an array within the design bounds, and every figure a finite number
    /// that is not negative (utilization at most 1). `Err((column, why))`.
    pub fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        self.design_columns().check()?;
        let figures = [
            ("latency_ms", self.latency_ms),
            ("throughput_inf_per_s", self.throughput_inf_per_s),
            ("energy_mj", self.energy_mj),
            ("edp_mj_ms", self.edp_mj_ms),
            ("power_w", self.power_w),
            ("area_mm2", self.area_mm2),
            ("peak_tops", self.peak_tops),
            ("achieved_tops", self.achieved_tops),
            ("tops_per_w", self.tops_per_w),
            ("tops_per_mm2", self.tops_per_mm2),
            ("utilization", self.utilization),
        ];
        check_figures(&figures)?;
        if self.utilization > 1.0 {
            return Err((
                "utilization",
                format!("{} is more than 1 (all PE-cycles)", self.utilization),
            ));
        }
        Ok(())
    }

    fn design_columns(&self) -> DesignColumns<'_> {
        DesignColumns {
            point: self.point,
            rows: self.rows,
            cols: self.cols,
            dataflow: &self.dataflow,
            operand: &self.operand,
            ifmap_sram_kib: self.ifmap_sram_kib,
            filter_sram_kib: self.filter_sram_kib,
            ofmap_sram_kib: self.ofmap_sram_kib,
            dram_bandwidth_bytes_per_cycle: self.dram_bandwidth_bytes_per_cycle,
            clock_mhz: self.clock_mhz,
            sparsity: Some(&self.sparsity),
        }
    }

    /// The point this row was made from.
    pub fn to_point(&self) -> Result<Point> {
        self.design_columns().to_point(None)
    }

    /// The design this row was simulated on: its base design (a preset, or
    /// a path relative to `spec_dir`, the directory of the spec file) with
    /// the row's axis values, exactly as the sweep built it.
    pub fn design(&self, spec_dir: &Path) -> Result<Design> {
        let base = resolve_base(&self.base, spec_dir)?;
        self.to_point()?.design(&base)
    }

    /// The row's design in a few words: `32x32 ws int8, SRAM 64/64/32 KiB,
    /// 16 B/cycle, 700 MHz`, and `, 2:4 sparse` when its weights are.
    pub fn describe(&self) -> String {
        let sparse = if self.sparsity == "dense" {
            String::new()
        } else {
            format!(", {} sparse", self.sparsity)
        };
        format!(
            "{}x{} {} {}, SRAM {}/{}/{} KiB, {} B/cycle, {} MHz{sparse}",
            self.rows,
            self.cols,
            self.dataflow,
            self.operand,
            self.ifmap_sram_kib,
            self.filter_sram_kib,
            self.ofmap_sram_kib,
            self.dram_bandwidth_bytes_per_cycle,
            self.clock_mhz
        )
    }
}

impl Row for SweepRow {
    const COLUMNS: &'static [&'static str] = &COLUMNS;
    const LEGACY_COLUMNS: &'static [&'static str] = &LEGACY_COLUMNS;

    fn point(&self) -> u64 {
        self.point
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn base(&self) -> &str {
        &self.base
    }

    fn chips(&self) -> Option<u32> {
        None
    }

    fn feasible(&self) -> bool {
        self.feasible
    }

    fn value(&self, o: Objective) -> f64 {
        o.value(self)
    }

    fn names(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("model", &self.model),
            ("base", &self.base),
            ("dataflow", &self.dataflow),
            ("operand", &self.operand),
            ("sparsity", &self.sparsity),
        ]
    }

    fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        SweepRow::check(self)
    }
}

/// The CSV header line of inference rows (with its newline).
pub fn csv_header() -> String {
    header::<SweepRow>()
}

/// The CSV header line of rows of kind `R` (with its newline).
pub fn header<R: Row>() -> String {
    R::COLUMNS.join(",") + "\n"
}

/// Appends `rows` as CSV lines (no header) to `out`.
pub fn write_csv<R: Row>(rows: &[R], out: &mut Vec<u8>) {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    for r in rows {
        r.write_record(&mut w)
            .expect("writing CSV to memory cannot fail");
    }
    w.flush().expect("writing CSV to memory cannot fail");
}

/// Appends `rows` as JSON lines to `out`.
pub fn write_jsonl<R: Serialize>(rows: &[R], out: &mut Vec<u8>) {
    for r in rows {
        serde_json::to_writer(&mut *out, r).expect("rows serialize");
        out.push(b'\n');
    }
}

const CODE: &str = "systolic::sweep::results";

/// Reads inference sweep rows from CSV text with its header. Columns are
/// found by name (any order; extra columns are ignored; cells are trimmed).
/// A missing column, a record with the wrong number of fields, a value of
/// the wrong type or an empty name is an [`InputError`] naming `file`, the
/// line, the column and what the column holds. Empty text or a header alone
/// gives no rows. Results of a train-mode sweep are refused as such
/// ([`crate::read_train_csv`] reads them).
pub fn read_csv(text: &str, file: &str) -> Result<Vec<SweepRow>> {
    let first = text.lines().next().unwrap_or("");
    let has = |c: &str| first.split(',').any(|h| h.trim().trim_matches('"') == c);
    if has("step_time_ms") && !has("latency_ms") {
        return Err(InputError::new(
            CODE,
            file,
            "holds the results of a train-mode sweep (mode = \"train\"), not of an inference sweep",
        )
        .line(1)
        .hint("train-mode results have their own columns (docs/SWEEP.md, \"Train mode\"); `systolic report` draws inference sweeps only: read the CSV, its JSON lines or its .pareto.csv directly")
        .into());
    }
    read_rows(text, file)
}

/// Reads rows of kind `R` from CSV text with its header, as [`read_csv`]
/// describes (without its train-mode check).
pub fn read_rows<R: Row>(text: &str, file: &str) -> Result<Vec<R>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let err = |line: usize, msg: String| InputError::new(CODE, file, msg).line(line);
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rd.headers().map_err(|e| err(1, e.to_string()))?.clone();
    let has = |c: &&str| headers.iter().any(|h| h == *c);
    // A header without a column added since the older one is read as the
    // older one: the added columns take defaults, and a column missing is
    // one of the older header's.
    let legacy = R::COLUMNS
        .iter()
        .any(|c| !R::LEGACY_COLUMNS.is_empty() && !R::LEGACY_COLUMNS.contains(c) && !has(c));
    let required = if legacy {
        R::LEGACY_COLUMNS
    } else {
        R::COLUMNS
    };
    if let Some(c) = required.iter().find(|c| !has(c)) {
        return Err(err(1, format!("the header has no `{c}` column"))
            .field(*c)
            .hint(format!(
                "the file `systolic sweep --out RESULTS.csv` writes has these columns: {}",
                R::COLUMNS.join(",")
            ))
            .into());
    }
    let mut rows = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            err(e.position().map_or(0, |p| p.line() as usize), e.to_string())
                .hint("each row needs as many fields as the header")
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let row = R::from_record(&rec, &headers).map_err(|e| {
            let csv::ErrorKind::Deserialize { err: de, .. } = e.kind() else {
                return err(line, format!("cannot read the row: {e}"));
            };
            let k = de.field().map_or(usize::MAX, |k| k as usize);
            let (column, value) = (headers.get(k).unwrap_or("?"), rec.get(k).unwrap_or(""));
            let (msg, hint) = match de.kind() {
                csv::DeserializeErrorKind::ParseFloat(_) => (
                    format!("`{value}` is not a number"),
                    format!("`{column}` holds a decimal number such as 12.5"),
                ),
                csv::DeserializeErrorKind::ParseInt(_) => (
                    format!("`{value}` is not a whole number"),
                    format!("`{column}` holds a non-negative integer such as 32"),
                ),
                csv::DeserializeErrorKind::ParseBool(_) => (
                    format!("`{value}` is not `true` or `false`"),
                    format!("`{column}` is `true` or `false`"),
                ),
                _ => (
                    format!("cannot read the row: {de}"),
                    "the file must be a `systolic sweep` results CSV".to_string(),
                ),
            };
            err(line, msg).field(column).hint(hint)
        })?;
        if let Some((column, _)) = row.names().iter().find(|(_, v)| v.is_empty()) {
            return Err(err(line, "the value is empty".to_string())
                .field(*column)
                .hint("every row names its model, base design, dataflow, operand and sparsity")
                .into());
        }
        if let Err((column, msg)) = row.check() {
            return Err(err(line, msg)
                .field(column)
                .hint("the row was not written by `systolic sweep` or was edited; every figure of a results row is a finite, non-negative number within the design bounds")
                .into());
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legacy_columns_are_the_columns_without_sparsity() {
        assert_eq!(COLUMNS[SPARSITY_COLUMN], "sparsity");
        let want: Vec<&str> = COLUMNS.into_iter().filter(|c| *c != "sparsity").collect();
        assert_eq!(LEGACY_COLUMNS.to_vec(), want);
    }

    #[test]
    fn columns_are_the_field_names_of_a_row_in_order() {
        let row = SweepRow {
            point: 7,
            model: "a, \"quoted\" model.csv".into(),
            base: "edge-8x8".into(),
            rows: 8,
            cols: 16,
            dataflow: "os".into(),
            operand: "int8".into(),
            ifmap_sram_kib: 0.5,
            filter_sram_kib: 64.0,
            ofmap_sram_kib: 32.0,
            dram_bandwidth_bytes_per_cycle: 3.3,
            clock_mhz: 700.0,
            sparsity: "2:4".into(),
            batch: 2,
            layers: 3,
            macs: 1 << 40,
            cycles: 12345,
            latency_ms: 0.1 + 0.2,
            throughput_inf_per_s: 1e-7,
            energy_mj: 123456789.125,
            edp_mj_ms: 1.0 / 3.0,
            power_w: 2.0,
            area_mm2: 4.25,
            area_source: "model".into(),
            peak_tops: 0.1792,
            achieved_tops: 0.05,
            tops_per_w: 0.3,
            tops_per_mm2: 0.01,
            utilization: 0.999,
            feasible: false,
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), COLUMNS.join(","));
        // A row reads back exactly, from CSV and from JSON.
        let mut csv = csv_header().into_bytes();
        write_csv(std::slice::from_ref(&row), &mut csv);
        let back = read_csv(std::str::from_utf8(&csv).unwrap(), "t").unwrap();
        assert_eq!(back, vec![row.clone()]);
        let mut json = Vec::new();
        write_jsonl(std::slice::from_ref(&row), &mut json);
        let obj: SweepRow = serde_json::from_slice(&json[..json.len() - 1]).unwrap();
        assert_eq!(obj, row);
        let order: Vec<usize> = COLUMNS
            .iter()
            .map(|c| {
                std::str::from_utf8(&json)
                    .unwrap()
                    .find(&format!("\"{c}\":"))
                    .unwrap()
            })
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "JSON keys in column order"
        );
    }
}
