//! `SynthReport`: what synthesis measured, as JSON (docs/SYNTHESIS.md), a
//! readable table, and where reports of a design are kept.

use super::error::SynthError;
use super::pnr::Placement;
use super::stages::StageTime;
use super::target::Target;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Version of the report's JSON layout.
pub const REPORT_SCHEMA: u32 = 1;

/// Directory (relative to the working directory) where `systolic synth`
/// keeps results: `synth-out/<design>/<target>.json`.
pub const RESULTS_DIR: &str = "synth-out";

/// Versions of the tools that made a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolVersions {
    /// `yosys -V` without the leading `Yosys `.
    pub yosys: String,
    /// The place-and-route program and its version, when it ran.
    pub nextpnr: Option<String>,
}

/// The area (and, placed and routed, the speed) of one synthesized top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthReport {
    /// [`REPORT_SCHEMA`].
    pub schema: u32,
    /// Target synthesized for.
    pub target: Target,
    /// Device (`up5k`, `85k`) or Xilinx family (`xc7`); `None` for generic.
    pub device: Option<String>,
    /// Top module.
    pub top: String,
    /// Name of the `sim` design the RTL was generated from, when known.
    #[serde(default)]
    pub design: Option<String>,
    /// [`design_fingerprint`] of that design, to tell stale reports.
    #[serde(default)]
    pub design_fingerprint: Option<String>,
    /// LUT-equivalents (`None` for generic): iCE40 SB_LUT4; ECP5 LUT4 plus two
    /// per CCU2C; Xilinx LUT1-6, SRLs and LUTs used as distributed RAM.
    pub luts: Option<u64>,
    /// Flip-flops: SB_DFF*, TRELLIS_FF, `FD[RSCP]E`, or Yosys `$_*DFF*_` cells.
    pub flip_flops: u64,
    /// DSPs (`None` for generic): SB_MAC16, MULT18X18D, DSP48E1/E2.
    pub dsps: Option<u64>,
    /// Block RAM primitives (`None` for generic): SB_RAM40_4K,
    /// DP16KD/PDPW16KD, RAMB18/RAMB36 (each counts one).
    pub block_rams: Option<u64>,
    /// Bits of memory kept as `$mem_v2` cells (generic only: FPGA targets
    /// map memories to block or distributed RAM); `None` for FPGA targets.
    pub memory_bits: Option<u64>,
    /// All cells of the flattened netlist.
    pub cells: u64,
    /// Cells by type, as Yosys's `stat` counts them.
    pub cells_by_type: BTreeMap<String, u64>,
    /// Latches inferred (always 0: synthesis refuses designs with latches).
    pub latches: u64,
    /// Fmax from place and route (iCE40, ECP5), MHz.
    pub fmax_mhz: Option<f64>,
    /// Place-and-route details, when it ran.
    pub placement: Option<Placement>,
    /// Tool versions.
    pub tools: ToolVersions,
    /// Where the time went: each stage of the run that made the report, in
    /// order, with its seconds (empty in reports made before stages were
    /// recorded).
    #[serde(default)]
    pub stages: Vec<StageTime>,
    /// SHA-256 of everything the report depends on (the RTL's bytes, the
    /// Yosys script, target, device, options, tool versions, the flow's
    /// code): a later run with the same key reuses the report
    /// ([`Synthesis::reuse`](super::Synthesis::reuse)).
    #[serde(default)]
    pub cache_key: Option<String>,
    /// What overflowed, when the device has no room for the design (the
    /// report then holds Yosys's counts alone, no Fmax); absent when it fits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_room: Option<String>,
}

impl SynthReport {
    /// Counts from Yosys's cells-by-type table.
    pub(crate) fn from_cells(
        target: Target,
        device: Option<String>,
        top: &str,
        cells: u64,
        by_type: BTreeMap<String, u64>,
        memory_bits: u64,
        yosys: String,
    ) -> SynthReport {
        let sum = |f: &dyn Fn(&str) -> u64| by_type.iter().map(|(t, n)| n * f(t)).sum::<u64>();
        let fpga = target != Target::Generic;
        SynthReport {
            schema: REPORT_SCHEMA,
            target,
            device,
            top: top.to_string(),
            design: None,
            design_fingerprint: None,
            luts: fpga.then(|| sum(&|t| target.lut_weight(t))),
            flip_flops: sum(&|t| u64::from(target.is_flip_flop(t))),
            dsps: fpga.then(|| sum(&|t| u64::from(target.is_dsp(t)))),
            block_rams: fpga.then(|| sum(&|t| u64::from(target.is_block_ram(t)))),
            memory_bits: (!fpga).then_some(memory_bits),
            cells,
            cells_by_type: by_type,
            latches: 0,
            fmax_mhz: None,
            placement: None,
            tools: ToolVersions {
                yosys,
                nextpnr: None,
            },
            stages: Vec::new(),
            cache_key: None,
            no_room: None,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report serializes")
    }

    /// Reads a report written by [`SynthReport::to_json`].
    pub fn load(path: &Path) -> Result<SynthReport, SynthError> {
        let text = std::fs::read_to_string(path).map_err(SynthError::io("read", path))?;
        let bad = |message: String| SynthError::BadReport {
            path: path.to_path_buf(),
            message,
        };
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        match v.get("schema").and_then(|s| s.as_u64()) {
            Some(s) if s == u64::from(REPORT_SCHEMA) => {}
            Some(s) => {
                return Err(bad(format!(
                    "schema {s}, this systolic reads schema {REPORT_SCHEMA}"
                )))
            }
            None => return Err(bad("no `schema` field".into())),
        }
        serde_json::from_value(v).map_err(|e| bad(e.to_string()))
    }

    /// A readable summary.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let dev = self
            .device
            .as_deref()
            .map_or(String::new(), |d| format!(" {d}"));
        let design = self
            .design
            .as_deref()
            .map_or(String::new(), |d| format!("design {d}, "));
        let _ = writeln!(
            s,
            "{design}top {} synthesized for {}{dev} (Yosys {}{})",
            self.top,
            self.target,
            self.tools.yosys,
            self.tools
                .nextpnr
                .as_deref()
                .map_or(String::new(), |n| format!(", {n}"))
        );
        let (dsp, bram) = self.target.primitive_names();
        let mut row = |name: &str, v: String, note: &str| {
            let line = format!("  {name:<11} {v:>9}  {note}");
            let _ = writeln!(s, "{}", line.trim_end());
        };
        if let Some(l) = self.luts {
            row("LUTs", l.to_string(), "");
        }
        row("flip-flops", self.flip_flops.to_string(), "");
        if let Some(d) = self.dsps {
            row("DSPs", d.to_string(), dsp);
        }
        if let Some(b) = self.block_rams {
            row("block RAMs", b.to_string(), bram);
        }
        if let Some(m) = self.memory_bits {
            row("memory bits", m.to_string(), "in $mem_v2 cells");
        }
        row("cells", self.cells.to_string(), "all cells, flattened");
        row("latches", self.latches.to_string(), "");
        match (&self.fmax_mhz, &self.placement) {
            (Some(f), Some(p)) => row(
                "Fmax",
                format!("{f:.2}"),
                &format!(
                    "MHz, placed and routed ({} package, 4-pin harness)",
                    p.package
                ),
            ),
            _ => row(
                "Fmax",
                "-".into(),
                "not placed and routed (ice40 and ecp5 are)",
            ),
        }
        let by_type: Vec<String> = self
            .cells_by_type
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let _ = writeln!(s, "cells by type: {}", by_type.join(", "));
        if let Some(p) = &self.placement {
            let used: Vec<String> = p
                .utilization
                .iter()
                .filter(|(_, u)| u.used > 0)
                .map(|(n, u)| {
                    format!(
                        "{n} {}/{} ({:.1}%)",
                        u.used,
                        u.available,
                        100.0 * u.used as f64 / u.available.max(1) as f64
                    )
                })
                .collect();
            let _ = writeln!(s, "placed (harness included): {}", used.join(", "));
        }
        s.push_str(&self.time_table());
        s
    }

    /// Where the time went: a line per stage with its seconds, its share
    /// of the whole and, for Yosys, its slowest passes.
    fn time_table(&self) -> String {
        let mut s = String::new();
        if self.stages.is_empty() {
            return s;
        }
        let total: f64 = self.stages.iter().map(|t| t.seconds).sum();
        let _ = writeln!(s, "time: {total:.1} s");
        for t in &self.stages {
            let share = 100.0 * t.seconds / total.max(1e-9);
            let passes: Vec<String> = t
                .passes
                .iter()
                .filter(|p| p.seconds >= 0.05)
                .map(|p| format!("{} {:.1} s", p.pass, p.seconds))
                .collect();
            let passes = if passes.is_empty() {
                String::new()
            } else {
                format!("  ({})", passes.join(", "))
            };
            let _ = writeln!(
                s,
                "  {:<15} {:>7.1} s {share:>4.0}%{passes}",
                t.stage, t.seconds
            );
        }
        s
    }
}

/// Where `systolic synth` keeps the report of `design` for `target`, under
/// `base` (default [`RESULTS_DIR`]`/<design>`).
pub fn report_path(base: &Path, target: Target) -> PathBuf {
    base.join(format!("{target}.json"))
}

/// The default results directory of a design: `synth-out/<design>`, with
/// characters other than letters, digits, `.`, `_`, `-` replaced by `_`.
pub fn results_dir(design: &str) -> PathBuf {
    let safe: String = design
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.is_empty() || safe.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        safe
    };
    Path::new(RESULTS_DIR).join(safe)
}

/// A fingerprint of every field of a design (FNV-1a over its `Debug`
/// text): a report whose fingerprint differs was made from another
/// version of the design.
pub fn design_fingerprint(design: &sim::Design) -> String {
    let text = format!("{design:?}");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    #[test]
    fn counts_follow_each_target_s_primitives() {
        let r = SynthReport::from_cells(
            Target::Ice40,
            Some("up5k".into()),
            "t",
            315,
            cells(&[
                ("SB_CARRY", 76),
                ("SB_DFF", 59),
                ("SB_DFFSR", 80),
                ("SB_LUT4", 95),
                ("SB_MAC16", 4),
                ("SB_RAM40_4K", 1),
            ]),
            0,
            "0.23".into(),
        );
        assert_eq!(
            (r.luts, r.flip_flops, r.dsps, r.block_rams),
            (Some(95), 139, Some(4), Some(1))
        );
        let r = SynthReport::from_cells(
            Target::Xilinx,
            Some("xc7".into()),
            "t",
            0,
            cells(&[
                ("LUT6", 3),
                ("SRL16E", 8),
                ("RAM64M", 1),
                ("FDRE", 8),
                ("LDCE", 2),
                ("DSP48E1", 4),
                ("RAMB18E1", 1),
                ("RAMB36E1", 2),
            ]),
            0,
            "0.23".into(),
        );
        assert_eq!(
            (r.luts, r.flip_flops, r.dsps, r.block_rams),
            (Some(15), 8, Some(4), Some(3))
        );
        let r = SynthReport::from_cells(
            Target::Ecp5,
            None,
            "t",
            0,
            cells(&[
                ("LUT4", 36),
                ("CCU2C", 40),
                ("TRELLIS_FF", 10),
                ("MULT18X18D", 4),
                ("DP16KD", 1),
            ]),
            0,
            "0.23".into(),
        );
        assert_eq!(
            (r.luts, r.flip_flops, r.dsps, r.block_rams),
            (Some(116), 10, Some(4), Some(1))
        );
        let r = SynthReport::from_cells(
            Target::Generic,
            None,
            "t",
            10,
            cells(&[("$_DFFE_PP_", 3), ("$_SDFF_PP0_", 2), ("$_AND_", 5)]),
            0,
            "0.23".into(),
        );
        assert_eq!(
            (r.luts, r.flip_flops, r.dsps, r.block_rams),
            (None, 5, None, None)
        );
    }

    #[test]
    fn results_dirs_are_safe_file_names() {
        assert_eq!(results_dir("edge-8x8"), Path::new("synth-out/edge-8x8"));
        assert_eq!(results_dir("a/b c"), Path::new("synth-out/a_b_c"));
        assert_eq!(results_dir(".."), Path::new("synth-out/_"));
        assert_eq!(
            report_path(Path::new("x"), Target::Ecp5),
            Path::new("x/ecp5.json")
        );
    }

    #[test]
    fn reports_round_trip_through_json_and_refuse_other_schemas() {
        let r = SynthReport::from_cells(
            Target::Generic,
            None,
            "t",
            1,
            cells(&[("$_AND_", 1)]),
            0,
            "0.23".into(),
        );
        let dir = std::env::temp_dir().join(format!("systolic-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("r.json");
        std::fs::write(&p, r.to_json()).unwrap();
        assert_eq!(SynthReport::load(&p).unwrap(), r);
        std::fs::write(&p, r.to_json().replace("\"schema\": 1", "\"schema\": 9")).unwrap();
        let e = SynthReport::load(&p).unwrap_err().to_string();
        assert!(e.contains("schema 9"), "{e}");
        std::fs::write(&p, "{").unwrap();
        assert!(SynthReport::load(&p).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
