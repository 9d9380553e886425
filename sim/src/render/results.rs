//! Reading a sweep's results CSV (`systolic sweep --out RESULTS.csv`) by
//! column name, and the objectives a report can plot and rank by.

use crate::design::Design;
use crate::error::{InputError, Result, SimError};
use std::path::Path;

/// The columns a results file must have (it may have more; order is free).
pub const COLUMNS: [&str; 29] = [
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

/// One design point x model of a sweep: the columns of [`COLUMNS`].
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// Index of the design point in the sweep.
    pub point: u64,
    /// Model name (zoo name or topology CSV path).
    pub model: String,
    /// Base design: a preset name or a TOML path relative to the results file.
    pub base: String,
    /// Array rows.
    pub rows: u32,
    /// Array columns.
    pub cols: u32,
    /// `ws`, `os` or `is`.
    pub dataflow: String,
    /// Operand precision (`int8`, `fp16`, ...).
    pub operand: String,
    /// ifmap SRAM (KiB).
    pub ifmap_sram_kib: f64,
    /// filter SRAM (KiB).
    pub filter_sram_kib: f64,
    /// ofmap SRAM (KiB).
    pub ofmap_sram_kib: f64,
    /// DRAM bandwidth (bytes per cycle).
    pub dram_bandwidth_bytes_per_cycle: f64,
    /// Clock (MHz).
    pub clock_mhz: f64,
    /// Batch size.
    pub batch: u64,
    /// Layers simulated.
    pub layers: u64,
    /// Useful MACs.
    pub macs: u64,
    /// Total cycles of the run.
    pub cycles: u64,
    /// Latency of the run (ms).
    pub latency_ms: f64,
    /// Inferences per second.
    pub throughput_inf_per_s: f64,
    /// Energy of the run (mJ).
    pub energy_mj: f64,
    /// Energy-delay product (mJ·ms).
    pub edp_mj_ms: f64,
    /// Average power (W).
    pub power_w: f64,
    /// Area (mm²).
    pub area_mm2: f64,
    /// Where the area comes from (model or synthesis report).
    pub area_source: String,
    /// Peak TOPS.
    pub peak_tops: f64,
    /// Achieved TOPS.
    pub achieved_tops: f64,
    /// TOPS per watt.
    pub tops_per_w: f64,
    /// TOPS per mm².
    pub tops_per_mm2: f64,
    /// Useful MACs per PE-cycle, 0..1.
    pub utilization: f64,
    /// Whether the point meets every constraint of the sweep.
    pub feasible: bool,
}

/// An objective a report can plot and rank by.
#[derive(Debug, Clone, Copy)]
pub struct Objective {
    /// Short name accepted by `--objectives` (the column name works too).
    pub key: &'static str,
    /// Results column.
    pub column: &'static str,
    /// Axis description: quantity and unit.
    pub desc: &'static str,
    /// Larger is better.
    pub maximize: bool,
    /// The value of a row.
    pub get: fn(&ResultRow) -> f64,
}

/// Every objective, in the order `--objectives` help lists them.
pub const OBJECTIVES: [Objective; 11] = [
    Objective {
        key: "latency",
        column: "latency_ms",
        desc: "latency per run (ms)",
        maximize: false,
        get: |r| r.latency_ms,
    },
    Objective {
        key: "energy",
        column: "energy_mj",
        desc: "energy per run (mJ)",
        maximize: false,
        get: |r| r.energy_mj,
    },
    Objective {
        key: "edp",
        column: "edp_mj_ms",
        desc: "energy-delay product (mJ·ms)",
        maximize: false,
        get: |r| r.edp_mj_ms,
    },
    Objective {
        key: "area",
        column: "area_mm2",
        desc: "area (mm²)",
        maximize: false,
        get: |r| r.area_mm2,
    },
    Objective {
        key: "power",
        column: "power_w",
        desc: "average power (W)",
        maximize: false,
        get: |r| r.power_w,
    },
    Objective {
        key: "cycles",
        column: "cycles",
        desc: "cycles per run (clock cycles)",
        maximize: false,
        get: |r| r.cycles as f64,
    },
    Objective {
        key: "throughput",
        column: "throughput_inf_per_s",
        desc: "throughput (inferences/s)",
        maximize: true,
        get: |r| r.throughput_inf_per_s,
    },
    Objective {
        key: "tops_per_w",
        column: "tops_per_w",
        desc: "energy efficiency (TOPS/W)",
        maximize: true,
        get: |r| r.tops_per_w,
    },
    Objective {
        key: "tops_per_mm2",
        column: "tops_per_mm2",
        desc: "area efficiency (TOPS/mm²)",
        maximize: true,
        get: |r| r.tops_per_mm2,
    },
    Objective {
        key: "achieved_tops",
        column: "achieved_tops",
        desc: "achieved throughput (TOPS)",
        maximize: true,
        get: |r| r.achieved_tops,
    },
    Objective {
        key: "utilization",
        column: "utilization",
        desc: "utilization (fraction of PE-cycles)",
        maximize: true,
        get: |r| r.utilization,
    },
];

/// The objective named `name` (short name or column name).
pub fn objective(name: &str) -> Result<Objective> {
    let name = name.trim();
    OBJECTIVES
        .iter()
        .find(|o| o.key == name || o.column == name)
        .copied()
        .ok_or_else(|| {
            InputError::new(
                "systolic::report::objective",
                "<command line>",
                format!("unknown objective `{name}`"),
            )
            .field("--objectives")
            .hint(format!(
                "objectives: {}",
                OBJECTIVES
                    .iter()
                    .map(|o| o.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into()
        })
}

/// The value of `o` on `r`, as minimized (maximized objectives negated).
pub fn minimized(o: &Objective, r: &ResultRow) -> f64 {
    let v = (o.get)(r);
    if o.maximize {
        -v
    } else {
        v
    }
}

/// Reads a results CSV. Columns are found by name; a missing column, a
/// value that does not parse, or a file with no rows is an [`InputError`]
/// naming the file, line and column.
pub fn read(path: &Path) -> Result<Vec<ResultRow>> {
    let text = crate::error::read_file(path)?;
    parse(&text, &path.display().to_string())
}

/// Parses results CSV text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Vec<ResultRow>> {
    let hint_file = "the file `systolic sweep --out RESULTS.csv` writes has these columns: ";
    if text.trim().is_empty() {
        return Err(
            InputError::new("systolic::report::empty", file, "the results file is empty")
                .line(1)
                .hint(format!("{hint_file}{}", COLUMNS.join(",")))
                .into(),
        );
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| InputError::new("systolic::report::csv", file, e.to_string()).line(1))?
        .clone();
    let index: Vec<usize> = COLUMNS
        .iter()
        .map(|c| {
            headers.iter().position(|h| h.trim() == *c).ok_or_else(|| {
                SimError::from(
                    InputError::new(
                        "systolic::report::column",
                        file,
                        format!("the header has no `{c}` column"),
                    )
                    .line(1)
                    .field(*c)
                    .hint(format!("{hint_file}{}", COLUMNS.join(","))),
                )
            })
        })
        .collect::<Result<_>>()?;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            InputError::new("systolic::report::csv", file, e.to_string())
                .line(line)
                .hint("each row needs as many fields as the header")
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let cell = Cells {
            rec: &rec,
            index: &index,
            file,
            line,
        };
        rows.push(ResultRow {
            point: cell.int(0)?,
            model: cell.text(1)?,
            base: cell.text(2)?,
            rows: cell.int(3)?,
            cols: cell.int(4)?,
            dataflow: cell.text(5)?,
            operand: cell.text(6)?,
            ifmap_sram_kib: cell.num(7)?,
            filter_sram_kib: cell.num(8)?,
            ofmap_sram_kib: cell.num(9)?,
            dram_bandwidth_bytes_per_cycle: cell.num(10)?,
            clock_mhz: cell.num(11)?,
            batch: cell.int(12)?,
            layers: cell.int(13)?,
            macs: cell.int(14)?,
            cycles: cell.int(15)?,
            latency_ms: cell.num(16)?,
            throughput_inf_per_s: cell.num(17)?,
            energy_mj: cell.num(18)?,
            edp_mj_ms: cell.num(19)?,
            power_w: cell.num(20)?,
            area_mm2: cell.num(21)?,
            area_source: cell.text(22)?,
            peak_tops: cell.num(23)?,
            achieved_tops: cell.num(24)?,
            tops_per_w: cell.num(25)?,
            tops_per_mm2: cell.num(26)?,
            utilization: cell.num(27)?,
            feasible: cell.flag(28)?,
        });
    }
    if rows.is_empty() {
        return Err(InputError::new(
            "systolic::report::empty",
            file,
            "the results file has a header but no rows",
        )
        .line(2)
        .hint("run the sweep first (`systolic sweep SPEC.toml --out RESULTS.csv`), or check that it finished")
        .into());
    }
    Ok(rows)
}

struct Cells<'a> {
    rec: &'a csv::StringRecord,
    index: &'a [usize],
    file: &'a str,
    line: usize,
}

impl Cells<'_> {
    fn raw(&self, k: usize) -> Result<&str> {
        self.rec.get(self.index[k]).map(str::trim).ok_or_else(|| {
            self.err(
                k,
                "the row ends before this column",
                "each row needs as many fields as the header",
            )
        })
    }

    fn err(&self, k: usize, msg: impl Into<String>, hint: impl Into<String>) -> SimError {
        InputError::new("systolic::report::value", self.file, msg)
            .line(self.line)
            .field(COLUMNS[k])
            .hint(hint)
            .into()
    }

    fn text(&self, k: usize) -> Result<String> {
        let s = self.raw(k)?;
        if s.is_empty() && k != 22 {
            return Err(self.err(
                k,
                "the value is empty",
                "every design point names its model, base design and dataflow",
            ));
        }
        Ok(s.to_string())
    }

    fn num(&self, k: usize) -> Result<f64> {
        let s = self.raw(k)?;
        s.parse::<f64>().map_err(|_| {
            self.err(
                k,
                format!("`{s}` is not a number"),
                format!("`{}` holds a decimal number such as 12.5", COLUMNS[k]),
            )
        })
    }

    fn int<T: std::str::FromStr>(&self, k: usize) -> Result<T> {
        let s = self.raw(k)?;
        s.parse::<T>().map_err(|_| {
            self.err(
                k,
                format!("`{s}` is not a whole number"),
                format!("`{}` holds a non-negative integer such as 32", COLUMNS[k]),
            )
        })
    }

    fn flag(&self, k: usize) -> Result<bool> {
        match self.raw(k)? {
            "true" => Ok(true),
            "false" => Ok(false),
            s => Err(self.err(
                k,
                format!("`{s}` is not `true` or `false`"),
                "`feasible` is `true` when the point meets every constraint of the sweep, else `false`",
            )),
        }
    }
}

impl ResultRow {
    /// The design this row describes: its base design (a preset name, or a
    /// TOML path relative to `dir`, the results file's directory) with the
    /// swept fields of this row.
    pub fn design(&self, dir: &Path) -> Result<Design> {
        let base = if crate::design::preset_names().contains(&self.base.as_str()) {
            crate::design::preset(&self.base)?
        } else {
            let p = Path::new(&self.base);
            let path = if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            };
            if !path.is_file() {
                return Err(InputError::new(
                    "systolic::report::base",
                    path.display().to_string(),
                    format!("point {}: the base design `{}` is neither a built-in design nor a file", self.point, self.base),
                )
                .hint("base designs are preset names or TOML paths relative to the results file; move the results next to the sweep's designs")
                .into());
            }
            Design::load(&path)?
        };
        base.variant(|raw| {
            raw.array.rows = self.rows;
            raw.array.cols = self.cols;
            raw.array.dataflow = self.dataflow.clone();
            raw.precision.operand = self.operand.clone();
            raw.memory.ifmap_sram_kib = self.ifmap_sram_kib;
            raw.memory.filter_sram_kib = self.filter_sram_kib;
            raw.memory.ofmap_sram_kib = self.ofmap_sram_kib;
            raw.memory.dram_bandwidth_bytes_per_cycle = self.dram_bandwidth_bytes_per_cycle;
            raw.clock.mhz = self.clock_mhz;
        })
    }

    /// The design in a few words: `32x32 ws int8, 64/64/32 KiB, 16 B/cycle, 700 MHz`.
    pub fn describe(&self) -> String {
        format!(
            "{}x{} {} {}, SRAM {}/{}/{} KiB, {} B/cycle, {} MHz",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(values: &[(&str, &str)], order: &[&str]) -> String {
        order
            .iter()
            .map(|c| values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v))
            .collect::<Vec<_>>()
            .join(",")
    }

    const ROW: [(&str, &str); 30] = [
        ("point", "7"),
        ("model", "resnet18"),
        ("base", "edge-8x8"),
        ("rows", "16"),
        ("cols", "32"),
        ("dataflow", "os"),
        ("operand", "int8"),
        ("ifmap_sram_kib", "32"),
        ("filter_sram_kib", "32"),
        ("ofmap_sram_kib", "16"),
        ("dram_bandwidth_bytes_per_cycle", "4"),
        ("clock_mhz", "200"),
        ("batch", "1"),
        ("layers", "48"),
        ("macs", "1814073344"),
        ("cycles", "32000000"),
        ("latency_ms", "160.0"),
        ("throughput_inf_per_s", "6.25"),
        ("energy_mj", "10.3"),
        ("edp_mj_ms", "1648"),
        ("power_w", "0.064"),
        ("area_mm2", "1.088"),
        ("area_source", "model"),
        ("peak_tops", "0.2048"),
        ("achieved_tops", "0.0227"),
        ("tops_per_w", "0.35"),
        ("tops_per_mm2", "0.0208"),
        ("utilization", "0.11"),
        ("feasible", "false"),
        ("note", "extra columns are ignored"),
    ];

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let mut order: Vec<&str> = COLUMNS.iter().rev().copied().collect();
        order.insert(3, "note");
        let text = format!("{}\n{}\n", order.join(","), line(&ROW, &order));
        let rows = parse(&text, "r.csv").unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (r.point, r.rows, r.cols, r.dataflow.as_str()),
            (7, 16, 32, "os")
        );
        assert_eq!(
            (r.cycles, r.latency_ms, r.feasible),
            (32_000_000, 160.0, false)
        );
        assert_eq!(objective("latency").unwrap().column, "latency_ms");
        assert_eq!(objective("tops_per_w").unwrap().key, "tops_per_w");
        assert_eq!(minimized(&objective("throughput").unwrap(), r), -6.25);
    }

    #[test]
    fn a_row_rebuilds_its_design() {
        let text = format!("{}\n{}\n", COLUMNS.join(","), line(&ROW, &COLUMNS));
        let r = &parse(&text, "r.csv").unwrap()[0];
        let d = r.design(Path::new(".")).unwrap();
        assert_eq!(
            (d.rows, d.cols, d.dataflow.to_string()),
            (16, 32, "os".to_string())
        );
        assert_eq!(d.clock_mhz, 200.0);
        let mut bad = r.clone();
        bad.base = "no-such-design.toml".into();
        assert!(bad.design(Path::new(".")).is_err());
    }
}
