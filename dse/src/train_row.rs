//! One row of a train-mode sweep: a (point, model, chip count) with the
//! training step's figures, in the CSV column order (docs/SWEEP.md, "Train
//! mode").

use super::objective::Objective;
use super::points::Point;
use super::row::{check_figures, read_rows, DesignColumns, Row};
use super::spec::resolve_base;
use serde::{Deserialize, Serialize};
use sim::area::AreaBreakdown;
use sim::design::Design;
use sim::error::Result;
use sim::scaleout::{ScalingPoint, ZeroStage};
use sim::train::{scale, Step, TrainOptions};
use std::path::Path;

/// The CSV columns of a train-mode sweep, in order (the field order of
/// [`TrainRow`]; a test keeps them equal).
pub const TRAIN_COLUMNS: [&str; 38] = [
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
    "optimizer",
    "master_fp32",
    "recompute",
    "cluster",
    "zero",
    "chips",
    "layout",
    "global_batch",
    "layers",
    "macs",
    "cycles",
    "compute_ms",
    "comm_ms",
    "exposed_comm_ms",
    "step_time_ms",
    "samples_per_s",
    "scaling_efficiency",
    "energy_per_step_mj",
    "power_w",
    "samples_per_s_per_w",
    "area_mm2",
    "memory_per_chip_gib",
    "dram_capacity_gib",
    "fits_memory",
    "feasible",
];

/// One result of a train-mode sweep: a training step of a model on one
/// point's design, data-parallel on `chips` chips of the spec's cluster
/// (docs/SWEEP.md defines every field). Serialized in field order as a CSV
/// row or a JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRow {
    /// Sweep point index.
    pub point: u64,
    /// Model as written in the spec.
    pub model: String,
    /// Base design as written in the spec.
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
    /// Samples per step on each chip.
    pub batch: u64,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: String,
    /// Whether an fp32 master copy of the weights is kept (mixed precision,
    /// when the operands are narrower).
    pub master_fp32: bool,
    /// `none`, `all` or `selective`.
    pub recompute: String,
    /// Cluster as written in the spec (preset name, or path relative to the
    /// spec).
    pub cluster: String,
    /// ZeRO stage, 0 to 3.
    pub zero: u8,
    /// Chips training data-parallel.
    pub chips: u32,
    /// How the cluster arranges them (`ring`, `torus 4x4x4`, `8 node(s) x 8`).
    pub layout: String,
    /// Samples per step over all chips (`chips x batch`).
    pub global_batch: u64,
    /// Layers of the model.
    pub layers: u64,
    /// Multiply-accumulates of one chip's step (forward, recomputation,
    /// dX and dW).
    pub macs: u64,
    /// Cycles of one chip's step with no communication.
    pub cycles: u64,
    /// Computation per step on each chip, ms (the update on 1/n of the
    /// parameters from ZeRO stage 1 on).
    pub compute_ms: f64,
    /// Every collective of the step, overlapped or not, ms.
    pub comm_ms: f64,
    /// What communication adds to the step, ms (`step - compute`).
    pub exposed_comm_ms: f64,
    /// Step time on `chips` chips, ms.
    pub step_time_ms: f64,
    /// Samples per second over all chips.
    pub samples_per_s: f64,
    /// One chip's step time with no communication over this step time.
    pub scaling_efficiency: f64,
    /// Energy of one step on all chips, mJ (communication not modelled).
    pub energy_per_step_mj: f64,
    /// Average power of all chips over the step, W.
    pub power_w: f64,
    /// `samples_per_s / power_w`: samples per joule.
    pub samples_per_s_per_w: f64,
    /// Area of one chip, mm^2.
    pub area_mm2: f64,
    /// Peak bytes on each chip, GiB: model states left by ZeRO plus
    /// activations and workspace.
    pub memory_per_chip_gib: f64,
    /// The design's DRAM capacity, GiB (`None`: the design sets none).
    pub dram_capacity_gib: Option<f64>,
    /// Whether the peak fits the DRAM (`None`: the design sets no capacity).
    pub fits_memory: Option<bool>,
    /// Whether the row fits and respects the spec's constraints.
    pub feasible: bool,
}

/// A train-mode sweep's fixed settings, as rows record them.
#[derive(Debug, Clone, Copy)]
pub struct TrainColumns<'a> {
    /// Base design as written in the spec.
    pub base: &'a str,
    /// Cluster as written in the spec.
    pub cluster: &'a str,
    /// The step's options.
    pub options: &'a TrainOptions,
    /// ZeRO stage.
    pub zero: ZeroStage,
}

const GIB: f64 = (1u64 << 30) as f64;

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

impl TrainRow {
    /// The row of `point` and `model` on `at.chips` chips: one chip's
    /// `step` on `design` (as [`sim::train::step`] simulates it) and its
    /// scale-out `at` (as [`sim::scaleout::step`] computes it), with the
    /// design's area; `feasible` is left true for the caller to set.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        point: &Point,
        model: &str,
        layers: u64,
        settings: &TrainColumns<'_>,
        design: &Design,
        area: &AreaBreakdown,
        step: &Step,
        at: &ScalingPoint,
    ) -> TrainRow {
        let step_time_ms = at.step_s * 1e3;
        let energy_pj = scale::energy_pj(step, at.chips, settings.zero);
        let power_w = ratio(energy_pj * 1e-12, at.step_s);
        let memory = scale::memory_per_chip(step, at);
        TrainRow {
            point: point.index,
            model: model.to_string(),
            base: settings.base.to_string(),
            rows: point.rows,
            cols: point.cols,
            dataflow: point.dataflow.to_string(),
            operand: point.operand.to_string(),
            ifmap_sram_kib: point.ifmap_sram_kib,
            filter_sram_kib: point.filter_sram_kib,
            ofmap_sram_kib: point.ofmap_sram_kib,
            dram_bandwidth_bytes_per_cycle: point.dram_bandwidth,
            clock_mhz: point.clock_mhz,
            batch: step.batch,
            optimizer: settings.options.optimizer.name().to_string(),
            master_fp32: settings.options.master_fp32,
            recompute: settings.options.recompute.name().to_string(),
            cluster: settings.cluster.to_string(),
            zero: settings.zero.number(),
            chips: at.chips,
            layout: at.layout.to_string(),
            global_batch: at.global_batch,
            layers,
            macs: step.total.macs,
            cycles: step.total.cycles,
            compute_ms: at.compute_s * 1e3,
            comm_ms: at.comm_s * 1e3,
            exposed_comm_ms: at.exposed_comm_s * 1e3,
            step_time_ms,
            samples_per_s: at.samples_per_s,
            scaling_efficiency: at.efficiency,
            energy_per_step_mj: energy_pj / 1e9,
            power_w,
            samples_per_s_per_w: ratio(at.samples_per_s, power_w),
            area_mm2: area.total_mm2,
            memory_per_chip_gib: memory / GIB,
            dram_capacity_gib: design.dram_capacity_bytes.map(|b| b as f64 / GIB),
            fits_memory: design.dram_capacity_bytes.map(|b| memory <= b as f64),
            feasible: true,
        }
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
            sparsity: None,
        }
    }

    /// The point this row was made from on `base`, its base design (a
    /// train-mode sweep keeps the base's weight sparsity: it has no
    /// sparsity axis).
    pub fn to_point(&self, base: &Design) -> Result<Point> {
        self.design_columns().to_point(base.sparsity)
    }

    /// The design this row's chips are: its base design (a preset, or a
    /// path relative to `spec_dir`) with the row's axis values, exactly as
    /// the sweep built it.
    pub fn design(&self, spec_dir: &Path) -> Result<Design> {
        let base = resolve_base(&self.base, spec_dir)?;
        self.to_point(&base)?.design(&base)
    }
}

impl Row for TrainRow {
    const COLUMNS: &'static [&'static str] = &TRAIN_COLUMNS;

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
        Some(self.chips)
    }

    fn feasible(&self) -> bool {
        self.feasible
    }

    fn value(&self, o: Objective) -> f64 {
        match o {
            Objective::StepTime => self.step_time_ms,
            Objective::EnergyPerStep => self.energy_per_step_mj,
            Objective::SamplesPerS => self.samples_per_s,
            Objective::SamplesPerW => self.samples_per_s_per_w,
            Objective::Area => self.area_mm2,
            Objective::Power => self.power_w,
            _ => f64::NAN,
        }
    }

    fn names(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("model", &self.model),
            ("base", &self.base),
            ("dataflow", &self.dataflow),
            ("operand", &self.operand),
            ("optimizer", &self.optimizer),
            ("recompute", &self.recompute),
            ("cluster", &self.cluster),
            ("layout", &self.layout),
        ]
    }

    /// A known design, optimizer and recompute policy, a ZeRO stage of 0 to
    /// 3, at least one chip and one sample, and every figure a finite,
    /// non-negative number.
    fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        self.design_columns().check()?;
        if sim::train::Optimizer::parse(&self.optimizer).is_none() {
            return Err((
                "optimizer",
                format!(
                    "unknown optimizer `{}` (sgd, momentum or adam)",
                    self.optimizer
                ),
            ));
        }
        if sim::train::Recompute::parse(&self.recompute).is_none() {
            return Err((
                "recompute",
                format!(
                    "unknown recomputation `{}` (none, all or selective)",
                    self.recompute
                ),
            ));
        }
        if self.zero > 3 {
            return Err((
                "zero",
                format!("{} is not a ZeRO stage (0 to 3)", self.zero),
            ));
        }
        for (column, v) in [("chips", u64::from(self.chips)), ("batch", self.batch)] {
            if v == 0 {
                return Err((column, "0: expected at least 1".to_string()));
            }
        }
        check_figures(&[
            ("compute_ms", self.compute_ms),
            ("comm_ms", self.comm_ms),
            ("exposed_comm_ms", self.exposed_comm_ms),
            ("step_time_ms", self.step_time_ms),
            ("samples_per_s", self.samples_per_s),
            ("scaling_efficiency", self.scaling_efficiency),
            ("energy_per_step_mj", self.energy_per_step_mj),
            ("power_w", self.power_w),
            ("samples_per_s_per_w", self.samples_per_s_per_w),
            ("area_mm2", self.area_mm2),
            ("memory_per_chip_gib", self.memory_per_chip_gib),
            ("dram_capacity_gib", self.dram_capacity_gib.unwrap_or(0.0)),
        ])
    }
}

/// Reads train-mode rows from CSV text with its header, as
/// [`crate::read_csv`] reads inference rows.
pub fn read_train_csv(text: &str, file: &str) -> Result<Vec<TrainRow>> {
    read_rows(text, file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::{header, write_csv, write_jsonl};

    #[test]
    fn columns_are_the_field_names_of_a_row_in_order() {
        let row = TrainRow {
            point: 3,
            model: "a, \"quoted\" model.csv".into(),
            base: "tpu-v3-mxu-like".into(),
            rows: 128,
            cols: 128,
            dataflow: "ws".into(),
            operand: "bf16".into(),
            ifmap_sram_kib: 0.5,
            filter_sram_kib: 64.0,
            ofmap_sram_kib: 32.0,
            dram_bandwidth_bytes_per_cycle: 3.3,
            clock_mhz: 940.0,
            batch: 8,
            optimizer: "adam".into(),
            master_fp32: true,
            recompute: "selective".into(),
            cluster: "clusters/my, ring.toml".into(),
            zero: 2,
            chips: 64,
            layout: "torus 4x4x4".into(),
            global_batch: 512,
            layers: 21,
            macs: 1 << 40,
            cycles: 12345,
            compute_ms: 0.1 + 0.2,
            comm_ms: 1.0 / 3.0,
            exposed_comm_ms: 0.0,
            step_time_ms: 2.5,
            samples_per_s: 1e-7,
            scaling_efficiency: 0.999,
            energy_per_step_mj: 123456789.125,
            power_w: 2.0,
            samples_per_s_per_w: 0.125,
            area_mm2: 4.25,
            memory_per_chip_gib: 1.5,
            dram_capacity_gib: None,
            fits_memory: None,
            feasible: false,
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), TRAIN_COLUMNS.join(","));
        for fits in [None, Some(true), Some(false)] {
            let mut row = row.clone();
            row.fits_memory = fits;
            row.dram_capacity_gib = fits.map(|_| 16.0);
            let mut csv = header::<TrainRow>().into_bytes();
            write_csv(std::slice::from_ref(&row), &mut csv);
            let back = read_train_csv(std::str::from_utf8(&csv).unwrap(), "t").unwrap();
            assert_eq!(back, vec![row.clone()]);
            let mut json = Vec::new();
            write_jsonl(std::slice::from_ref(&row), &mut json);
            let obj: TrainRow = serde_json::from_slice(&json[..json.len() - 1]).unwrap();
            assert_eq!(obj, row);
        }
        let mut json = Vec::new();
        write_jsonl(std::slice::from_ref(&row), &mut json);
        let text = std::str::from_utf8(&json).unwrap();
        let order: Vec<usize> = TRAIN_COLUMNS
            .iter()
            .map(|c| text.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "JSON keys in column order"
        );
        let mut csv = header::<TrainRow>().into_bytes();
        write_csv(std::slice::from_ref(&row), &mut csv);
        let e = crate::read_csv(std::str::from_utf8(&csv).unwrap(), "t.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("train-mode sweep"), "{e}");
    }

    #[test]
    fn objectives_read_train_columns_only() {
        let row: TrainRow = serde_json::from_str(
            r#"{"point":0,"model":"m","base":"b","rows":8,"cols":8,"dataflow":"ws","operand":"int8",
            "ifmap_sram_kib":1.0,"filter_sram_kib":1.0,"ofmap_sram_kib":1.0,"dram_bandwidth_bytes_per_cycle":1.0,
            "clock_mhz":100.0,"batch":1,"optimizer":"sgd","master_fp32":false,"recompute":"none","cluster":"tpu-v4",
            "zero":0,"chips":8,"layout":"ring","global_batch":8,"layers":1,"macs":1,"cycles":1,"compute_ms":1.0,
            "comm_ms":0.5,"exposed_comm_ms":0.25,"step_time_ms":1.25,"samples_per_s":6400.0,"scaling_efficiency":0.8,
            "energy_per_step_mj":2.0,"power_w":1.6,"samples_per_s_per_w":4000.0,"area_mm2":3.0,
            "memory_per_chip_gib":0.5,"dram_capacity_gib":null,"fits_memory":null,"feasible":true}"#,
        )
        .unwrap();
        let want = [1.25, 2.0, 6400.0, 4000.0, 3.0, 1.6];
        for (o, v) in Objective::TRAIN.iter().zip(want) {
            assert_eq!(row.value(*o), v, "{o:?}");
        }
        assert!(Objective::ALL
            .iter()
            .filter(|o| !Objective::TRAIN.contains(o))
            .all(|o| row.value(*o).is_nan()));
        assert_eq!(row.check(), Ok(()));
        let mut bad = row.clone();
        bad.zero = 4;
        assert_eq!(bad.check().unwrap_err().0, "zero");
        bad = row;
        bad.optimizer = "lamb".into();
        assert_eq!(bad.check().unwrap_err().0, "optimizer");
    }
}
