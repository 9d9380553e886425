//! One design synthesized as a unit of a larger job (a size of the FPGA fit
//! search, a point of a sweep's synth stage): its RTL generated into a work
//! folder, synthesized (and placed and routed) or its report reused, and a
//! design the device has no room for kept as a report with the reason
//! rather than an error.

use super::error::SynthError;
use super::flow::Synthesis;
use super::fpga::FpgaError;
use super::job::SynthOptions;
use super::report::{design_fingerprint, SynthReport};
use super::target::Target;
use super::yosys;
use crate::progress::Progress;
use sim::Design;
use std::path::Path;

/// What [`synthesize_design`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignSynthesis {
    /// The report (from Yosys's statistics alone when the device has no
    /// room: no Fmax).
    pub report: SynthReport,
    /// Whether the report was reused (made earlier from the same inputs).
    pub reused: bool,
    /// What overflowed when the device has no room for the design; `None`
    /// when it fits (or the target has no device).
    pub no_room: Option<String>,
}

/// The report file [`synthesize_design`] keeps in its work folder.
pub const REPORT_FILE: &str = "report.json";

/// Synthesizes `design` for `target` with `opts` (whose `params` the caller
/// sets, e.g. with [`super::fpga::synth_params`]) in `workdir`: the RTL in
/// `rtl/`, the tools' scripts, logs and netlists beside it, the report in
/// [`REPORT_FILE`], reused when made from the same RTL, target, options and
/// tools. A design larger than the device (by Yosys's counts, or as nextpnr
/// finds placing it) is a result with the reason; a reused report of a
/// design that was to be placed and has no Fmax says nextpnr could not
/// place it.
pub fn synthesize_design(
    design: &Design,
    target: Target,
    opts: &SynthOptions,
    workdir: &Path,
    progress: &dyn Progress,
) -> Result<DesignSynthesis, FpgaError> {
    let ip = crate::generate(design)?;
    let files = ip.write_rtl(&workdir.join("rtl"))?;
    let synthesis = Synthesis::prepare(&files, &ip.top, target, opts, workdir, progress)?;
    let placed = target.has_pnr() && !opts.skip_pnr;
    let path = workdir.join(REPORT_FILE);
    if let Some(report) = synthesis.reuse(&path) {
        let no_room = report.no_room.clone().or_else(|| {
            (placed && report.fmax_mhz.is_none()).then(|| "nextpnr could not place it".to_string())
        });
        return Ok(DesignSynthesis {
            report,
            reused: true,
            no_room,
        });
    }
    let (mut report, no_room) = match synthesis.run(progress) {
        Ok(r) => (r, None),
        Err(SynthError::DoesNotFit { summary, .. }) => {
            // Yosys's statistics are in the work folder either way.
            let stats = yosys::read_stats(&workdir.join("stat.json"), &ip.top)?;
            let mut r = SynthReport::from_cells(
                target,
                opts.device.clone().or_else(|| {
                    target
                        .device(None)
                        .ok()
                        .flatten()
                        .map(|d| d.name.to_string())
                }),
                &ip.top,
                stats.cells,
                stats.by_type,
                0,
                synthesis.tools().yosys.clone(),
            );
            r.cache_key = Some(synthesis.key().to_string());
            r.no_room = Some(summary.clone());
            (r, Some(summary))
        }
        Err(e) => return Err(e.into()),
    };
    report.design = Some(design.name.clone());
    report.design_fingerprint = Some(design_fingerprint(design));
    write_atomic(&path, &(report.to_json() + "\n"))?;
    Ok(DesignSynthesis {
        report,
        reused: false,
        no_room,
    })
}

/// Writes `text` to `path` through a temporary file beside it (the folder
/// created first), so that a reader sees the old file or the whole new one.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), FpgaError> {
    let io = |action, p: &Path| {
        let p = p.to_path_buf();
        move |source| FpgaError::Io {
            action,
            path: p,
            source,
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(io("move into place", path))
}

/// A short digest (16 hex digits) of `design`'s generated RTL: designs with
/// the same digest synthesize alike (a sweep's points that differ only in
/// their clock, say), so one work folder named by it serves them all.
pub fn rtl_digest(design: &Design) -> Result<String, crate::HdlError> {
    let ip = crate::generate(design)?;
    let files = ip.rtl.iter().map(|f| (f.name.as_str(), f.text.as_bytes()));
    Ok(super::cache::key(&["rtl digest"], files)[..16].to_string())
}
