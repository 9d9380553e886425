//! The synth stage of a sweep (`stage = "synth"`, docs/SWEEP.md,
//! "Synthesis sweeps"): each point's design is also synthesized (and placed
//! and routed, and optionally co-simulated) by a [`Synthesizer`] the caller
//! supplies (`systolic sweep` uses `hdlgen`'s; this crate runs no tool), and
//! its results join the point's rows as [`SynthRow`]s: the inference row's
//! columns followed by [`SYNTH_COLUMNS`].

use super::check::Checker;
use super::mode::Mode;
use super::objective::Objective;
use super::points::Point;
use super::row::{check_figures, Row, SweepRow, COLUMNS};
use super::spec::RawSpec;
use serde::{Deserialize, Serialize};
use sim::design::Design;
use sim::error::Result;

/// `stage = "sim" | "synth"` of a sweep spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The simulator alone (the default).
    #[default]
    Sim,
    /// The simulator, then synthesis of each point's design.
    Synth,
}

impl Stage {
    /// Whether it is [`Stage::Sim`] (left out when serialized, so that
    /// specs and sidecars without a stage read and hash as before).
    pub fn is_sim(&self) -> bool {
        *self == Stage::Sim
    }
}

/// `[synth]` of a spec, as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSynth {
    /// `generic`, `ice40`, `ecp5` or `xilinx` (as `systolic synth --target`).
    pub target: String,
    /// Device or family (as `--device`; default the target's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Place and route for Fmax on iCE40 and ECP5 (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_and_route: Option<bool>,
    /// Clock nextpnr aims at, MHz (as `--freq`; default nextpnr's 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq_mhz: Option<f64>,
    /// `[M, K, N]`: also run this GEMM on each design's generated IP under
    /// Verilator, its values and cycles compared with the simulator's (as
    /// `systolic verify --gemm M,K,N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_gemm: Option<Vec<u64>>,
}

/// The largest GEMM side `verify_gemm` takes (the IP's DRAM image holds up
/// to 16 MiB, and a point's co-simulation should take seconds).
pub const MAX_VERIFY_SIDE: u64 = 4096;
/// The most multiply-accumulates a `verify_gemm` may have.
pub const MAX_VERIFY_MACS: u64 = 1 << 24;

/// A sweep's synth stage, validated as far as this crate can: the target
/// and device names are the synthesizer's to check
/// ([`Spec::field_error`](crate::Spec::field_error) names the field).
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    /// Target name.
    pub target: String,
    /// Device name, if given.
    pub device: Option<String>,
    /// Place and route (where the target can).
    pub place_and_route: bool,
    /// nextpnr's aim, MHz.
    pub freq_mhz: Option<f64>,
    /// The GEMM each point co-simulates, if any.
    pub verify_gemm: Option<(u64, u64, u64)>,
}

/// The stage fields of `raw` checked: `None` for a sim-stage sweep (which
/// may have no `[synth]`), else the synth stage's settings.
impl Checker<'_> {
    pub(crate) fn synth(&self, raw: &RawSpec) -> Result<Option<SynthSpec>> {
        let s = match (raw.stage, &raw.synth) {
            (Stage::Sim, None) => return Ok(None),
            (Stage::Sim, Some(_)) => {
                return Err(self.err(
                    "synth",
                    None,
                    "`[synth]` applies to sweeps with stage = \"synth\"",
                    "add stage = \"synth\" to synthesize every point's design, or remove [synth]",
                ))
            }
            (Stage::Synth, None) => {
                return Err(self.err(
                    "stage",
                    None,
                    "stage = \"synth\" needs a [synth] table naming the target",
                    "e.g. [synth] target = \"ice40\", device = \"up5k\" (docs/SWEEP.md, \"Synthesis sweeps\")",
                ))
            }
            (Stage::Synth, Some(s)) => s,
        };
        if raw.mode == Mode::Train {
            return Err(self.err(
                "stage",
                None,
                "stage = \"synth\" applies to inference sweeps, and this sweep is in train mode",
                "synthesize the designs in an inference sweep with the same grid: synthesis does not depend on the mode",
            ));
        }
        if s.target.trim().is_empty() {
            return Err(self.err(
                "synth.target",
                None,
                "the target is empty",
                "generic, ice40, ecp5 or xilinx",
            ));
        }
        if let Some(f) = s
            .freq_mhz
            .filter(|f| !(f.is_finite() && *f > 0.0 && *f <= 2000.0))
        {
            return Err(self.err(
                "synth.freq_mhz",
                None,
                format!("{f}: expected a clock of more than 0 and at most 2000 MHz"),
                "nextpnr's target clock in MHz, e.g. freq_mhz = 50",
            ));
        }
        let verify_gemm = match &s.verify_gemm {
            None => None,
            Some(v) => {
                let ok = v.len() == 3
                    && v.iter().all(|&d| (1..=MAX_VERIFY_SIDE).contains(&d))
                    && v.iter().product::<u64>() <= MAX_VERIFY_MACS;
                if !ok {
                    return Err(self.err(
                        "synth.verify_gemm",
                        None,
                        format!("{v:?}: expected [M, K, N], each 1 to {MAX_VERIFY_SIDE}, with at most 2^24 multiply-accumulates"),
                        "e.g. verify_gemm = [16, 32, 8] runs that GEMM through each design's IP under Verilator",
                    ));
                }
                Some((v[0], v[1], v[2]))
            }
        };
        Ok(Some(SynthSpec {
            target: s.target.trim().to_string(),
            device: s.device.clone(),
            place_and_route: s.place_and_route.unwrap_or(true),
            freq_mhz: s.freq_mhz,
            verify_gemm,
        }))
    }
}

/// What runs the synth stage of a point: synthesis (and place and route,
/// and the co-simulation `verify_gemm` asks for) of `design`, the design of
/// `point`. Called from worker threads; each point once per run.
pub trait Synthesizer: Sync {
    /// Synthesizes `design`: its columns, the figures at Fmax left empty
    /// (each row fills them in, [`SynthColumns::at`]). A tool that fails or
    /// is missing is an error; a design the device has no room for is a
    /// result (`no_room` says what overflowed).
    fn synthesize(&self, point: &Point, design: &Design) -> Result<SynthColumns>;
    /// The tools and their versions, e.g. `Yosys 0.23; nextpnr-ice40 0.4`:
    /// kept in the sidecar, so that results are never resumed or merged
    /// across different tools (which may count or place differently).
    fn tools(&self) -> String;
}

/// The columns a synth stage adds to each row, in order (the field order of
/// [`SynthColumns`]).
pub const SYNTH_COLUMNS: [&str; 15] = [
    "synth_target",
    "synth_device",
    "fits",
    "no_room",
    "luts",
    "flip_flops",
    "dsps",
    "block_rams",
    "cells",
    "fmax_mhz",
    "latency_at_fmax_ms",
    "tops_at_fmax",
    "luts_per_tops",
    "verified",
    "rtl_cycles",
];

/// Every column of a synth-stage row: [`COLUMNS`] then [`SYNTH_COLUMNS`].
pub const SYNTH_ROW_COLUMNS: [&str; 45] = {
    let mut out = [""; 45];
    let mut i = 0;
    while i < COLUMNS.len() {
        out[i] = COLUMNS[i];
        i += 1;
    }
    while i < out.len() {
        out[i] = SYNTH_COLUMNS[i - COLUMNS.len()];
        i += 1;
    }
    out
};

/// The synth stage's figures of one row (docs/SWEEP.md defines each).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SynthColumns {
    /// Target synthesized for.
    pub synth_target: String,
    /// Device or family (empty for the generic target).
    pub synth_device: String,
    /// Whether the design fits the device (always true without one).
    pub fits: bool,
    /// What overflowed when it does not fit (empty when it fits).
    pub no_room: String,
    /// LUT-equivalents.
    pub luts: Option<u64>,
    /// Flip-flops.
    pub flip_flops: u64,
    /// DSP blocks.
    pub dsps: Option<u64>,
    /// Block RAMs.
    pub block_rams: Option<u64>,
    /// Netlist cells.
    pub cells: u64,
    /// Fmax, MHz (placed and routed designs).
    pub fmax_mhz: Option<f64>,
    /// Latency of the batch at Fmax, ms: the row's cycles at Fmax (cycles do
    /// not depend on the clock: DRAM bandwidth is in bytes per cycle).
    pub latency_at_fmax_ms: Option<f64>,
    /// Achieved TOPS at Fmax.
    pub tops_at_fmax: Option<f64>,
    /// LUTs per achieved TOPS at Fmax.
    pub luts_per_tops: Option<f64>,
    /// Whether the co-simulated GEMM matched the simulator bit for bit and
    /// cycle for cycle (empty when none ran).
    pub verified: Option<bool>,
    /// Cycles the RTL took for that GEMM.
    pub rtl_cycles: Option<u64>,
}

impl SynthColumns {
    /// These measurements in a row with `sim`'s figures: the figures at
    /// Fmax computed from the row (none without Fmax), `fits` from
    /// `no_room`.
    pub fn at(&self, sim: &SweepRow) -> SynthColumns {
        let fmax = self.fmax_mhz.filter(|f| *f > 0.0);
        let scale = fmax.map(|f| f / sim.clock_mhz);
        let tops_at_fmax = scale.map(|k| sim.achieved_tops * k);
        SynthColumns {
            fits: self.no_room.is_empty(),
            fmax_mhz: fmax,
            latency_at_fmax_ms: scale.map(|k| sim.latency_ms / k),
            tops_at_fmax,
            luts_per_tops: match (self.luts, tops_at_fmax) {
                (Some(l), Some(t)) if t > 0.0 => Some(l as f64 / t),
                _ => None,
            },
            ..self.clone()
        }
    }
}

/// One result of a synth-stage sweep: the inference row of a (point,
/// model) and its design's synthesis. Written as the inference row's
/// columns followed by [`SYNTH_COLUMNS`] (CSV), or one JSON object with
/// every column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthRow {
    /// The simulator's figures.
    #[serde(flatten)]
    pub sim: SweepRow,
    /// Synthesis's.
    #[serde(flatten)]
    pub synth: SynthColumns,
}

impl SynthRow {
    /// Whether it fits and respects `constraints`.
    pub(crate) fn with_feasibility(mut self, constraints: &super::Constraints) -> SynthRow {
        self.sim.feasible = self.synth.fits && constraints.feasible(&self);
        self
    }
}

impl Row for SynthRow {
    const COLUMNS: &'static [&'static str] = &SYNTH_ROW_COLUMNS;

    fn point(&self) -> u64 {
        self.sim.point
    }

    fn model(&self) -> &str {
        &self.sim.model
    }

    fn base(&self) -> &str {
        &self.sim.base
    }

    fn chips(&self) -> Option<u32> {
        None
    }

    fn feasible(&self) -> bool {
        self.sim.feasible
    }

    fn value(&self, o: Objective) -> f64 {
        let or_nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
        match o {
            Objective::Fmax => or_nan(self.synth.fmax_mhz),
            Objective::Luts => or_nan(self.synth.luts.map(|l| l as f64)),
            Objective::LutsPerTops => or_nan(self.synth.luts_per_tops),
            Objective::TopsAtFmax => or_nan(self.synth.tops_at_fmax),
            _ => o.value(&self.sim),
        }
    }

    fn names(&self) -> Vec<(&'static str, &str)> {
        let mut v = self.sim.names();
        v.push(("synth_target", &self.synth.synth_target));
        v
    }

    fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        self.sim.check()?;
        let s = &self.synth;
        let opt = |c: &'static str, v: Option<f64>| (c, v.unwrap_or(0.0));
        check_figures(&[
            opt("fmax_mhz", s.fmax_mhz),
            opt("latency_at_fmax_ms", s.latency_at_fmax_ms),
            opt("tops_at_fmax", s.tops_at_fmax),
            opt("luts_per_tops", s.luts_per_tops),
        ])?;
        if s.fits != s.no_room.is_empty() {
            return Err((
                "no_room",
                "a design that fits has no overflow to name, and one that does not fit names it"
                    .into(),
            ));
        }
        if s.verified.is_some() != s.rtl_cycles.is_some() {
            return Err((
                "rtl_cycles",
                "a co-simulated row has both `verified` and `rtl_cycles`, others neither".into(),
            ));
        }
        Ok(())
    }

    fn write_record<W: std::io::Write>(&self, w: &mut csv::Writer<W>) -> csv::Result<()> {
        w.serialize((&self.sim, &self.synth))
    }

    fn from_record(rec: &csv::StringRecord, headers: &csv::StringRecord) -> csv::Result<Self> {
        Ok(SynthRow {
            sim: rec.deserialize(Some(headers))?,
            synth: rec.deserialize(Some(headers))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::{header, read_rows, write_csv, write_jsonl};

    fn sim_row() -> SweepRow {
        let text = format!(
            "{}0,dense-10-1,fpga-2x2,2,2,ws,int8,1.0,1.0,1.0,8.0,100.0,dense,1,2,20,40,0.0004,2500000.0,1e-6,4e-10,2.5,0.5,model,0.0008,0.0001,0.04,0.0002,0.5,true\n",
            header::<SweepRow>()
        );
        read_rows::<SweepRow>(&text, "t").unwrap().remove(0)
    }

    #[test]
    fn columns_are_the_inference_columns_then_the_synth_columns() {
        assert_eq!(&SYNTH_ROW_COLUMNS[..COLUMNS.len()], &COLUMNS[..]);
        assert_eq!(&SYNTH_ROW_COLUMNS[COLUMNS.len()..], &SYNTH_COLUMNS[..]);
        let row = SynthRow {
            sim: sim_row(),
            synth: SynthColumns {
                synth_target: "ice40".into(),
                synth_device: "up5k".into(),
                luts: Some(1000),
                flip_flops: 300,
                dsps: Some(4),
                block_rams: Some(6),
                cells: 2000,
                fmax_mhz: Some(50.0),
                verified: Some(true),
                rtl_cycles: Some(123),
                ..SynthColumns::default()
            }
            .at(&sim_row()),
        };
        // Fmax is half the spec's 100 MHz clock: twice the latency, half the TOPS.
        assert_eq!(row.synth.latency_at_fmax_ms, Some(0.0008));
        assert_eq!(row.synth.tops_at_fmax, Some(0.00005));
        assert_eq!(row.synth.luts_per_tops, Some(1000.0 / 0.00005));
        let mut csv = header::<SynthRow>().into_bytes();
        write_csv(std::slice::from_ref(&row), &mut csv);
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(text.lines().next().unwrap(), SYNTH_ROW_COLUMNS.join(","));
        assert_eq!(
            text.lines().nth(1).unwrap().split(',').count(),
            SYNTH_ROW_COLUMNS.len()
        );
        assert_eq!(
            read_rows::<SynthRow>(&text, "t").unwrap(),
            vec![row.clone()]
        );
        // An inference reader reads the same file, ignoring the synth columns.
        assert_eq!(
            read_rows::<SweepRow>(&text, "t").unwrap(),
            vec![row.sim.clone()]
        );
        let mut json = Vec::new();
        write_jsonl(std::slice::from_ref(&row), &mut json);
        let back: SynthRow = serde_json::from_slice(&json[..json.len() - 1]).unwrap();
        assert_eq!(back, row);
        let text = std::str::from_utf8(&json).unwrap();
        let at: Vec<usize> = SYNTH_ROW_COLUMNS
            .iter()
            .map(|c| text.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "JSON keys in column order"
        );
    }

    #[test]
    fn a_design_without_room_or_fmax_has_no_figures_at_fmax_and_reads_back() {
        let s = SynthColumns {
            synth_target: "ice40".into(),
            synth_device: "up5k".into(),
            no_room: "needs 9000 LUTs, the up5k has 5280".into(),
            luts: Some(9000),
            ..SynthColumns::default()
        };
        let row = SynthRow {
            sim: sim_row(),
            synth: s.at(&sim_row()),
        }
        .with_feasibility(&crate::Constraints::default());
        assert!(!row.feasible() && !row.synth.fits);
        assert_eq!(row.synth.luts_per_tops, None);
        assert!(row.value(Objective::Fmax).is_nan());
        assert_eq!(row.value(Objective::Luts), 9000.0);
        assert_eq!(row.value(Objective::Latency), row.sim.latency_ms);
        let mut csv = header::<SynthRow>().into_bytes();
        write_csv(std::slice::from_ref(&row), &mut csv);
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(read_rows::<SynthRow>(&text, "t").unwrap(), vec![row]);
        // Edited so that it fits and still names an overflow: refused.
        let edited = text.replace(",false,\"needs", ",true,\"needs");
        assert_ne!(edited, text);
        let e = read_rows::<SynthRow>(&edited, "t").unwrap_err().to_string();
        assert!(e.contains("t:2") && e.contains("no_room"), "{e}");
    }

    /// Each mistake of a synth stage is refused naming its field.
    #[test]
    fn synth_stage_fields_are_checked_and_named() {
        let dir = std::path::Path::new(".");
        let spec = |extra: &str| {
            crate::Spec::parse(
                &format!("base = \"fpga-2x2\"\nmodels = [\"dense-10-1\"]\n{extra}"),
                "s.toml",
                dir,
            )
        };
        let refused = |extra: &str, field: &str| {
            let e = spec(extra).unwrap_err();
            let text = format!("{e:?}");
            assert!(text.contains(field), "{extra}: {text}");
        };
        refused("stage = \"synth\"\n", "field: Some(\"stage\")");
        refused("[synth]\ntarget = \"ice40\"\n", "field: Some(\"synth\")");
        refused(
            "mode = \"train\"\nstage = \"synth\"\n[synth]\ntarget = \"ice40\"\n",
            "train mode",
        );
        refused(
            "stage = \"synth\"\n[synth]\ntarget = \"ice40\"\nverify_gemm = [4, 0, 4]\n",
            "synth.verify_gemm",
        );
        refused(
            "stage = \"synth\"\n[synth]\ntarget = \"ice40\"\nfreq_mhz = -3\n",
            "synth.freq_mhz",
        );
        refused("pareto = [\"latency\", \"fmax\"]\n", "pareto[1]");
        refused(
            "[constraints]\nmin_fmax_mhz = 40\n",
            "constraints.min_fmax_mhz",
        );
        let ok = spec(
            "stage = \"synth\"\npareto = [\"fmax\", \"luts_per_tops\"]\n[constraints]\nmax_luts = 5000\n[synth]\ntarget = \"ice40\"\ndevice = \"up5k\"\nverify_gemm = [4, 8, 4]\n",
        )
        .unwrap();
        let s = ok.synth.as_ref().unwrap();
        assert_eq!(
            (s.target.as_str(), s.verify_gemm),
            ("ice40", Some((4, 8, 4)))
        );
        assert!(s.place_and_route);
        // A spec without a stage hashes as it did before stages existed;
        // the stage and its settings change the hash.
        let plain = spec("").unwrap();
        let synth = spec("stage = \"synth\"\n[synth]\ntarget = \"ice40\"\n").unwrap();
        let other = spec("stage = \"synth\"\n[synth]\ntarget = \"ecp5\"\n").unwrap();
        assert!(!serde_json::to_string(&plain.raw).unwrap().contains("stage"));
        assert_ne!(plain.hash, synth.hash);
        assert_ne!(synth.hash, other.hash);
    }
}
