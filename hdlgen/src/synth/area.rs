//! The area `systolic sim` shows for a design: the synthesis reports made
//! from it (or named explicitly), as the simulator's `AreaReport` rows, with
//! notes about reports that are stale or unreadable.

use super::error::SynthError;
use super::report::{design_fingerprint, report_path, results_dir, SynthReport};
use super::target::Target;
use sim::report::AreaReport;
use sim::Design;
use std::path::{Path, PathBuf};

/// The area rows of a design and what the caller should tell the user.
#[derive(Debug, Clone, Default)]
pub struct Area {
    /// One row per synthesis report shown.
    pub reports: Vec<AreaReport>,
    /// Notes about reports shown anyway or skipped (one sentence each).
    pub notes: Vec<String>,
}

impl Area {
    /// The rows, after handing each note to `note` (the caller prints them).
    pub fn take(self, note: impl FnMut(&str)) -> Vec<AreaReport> {
        self.notes.iter().map(String::as_str).for_each(note);
        self.reports
    }
}

/// The area of `design`: from the `explicit` reports when given (an
/// unreadable one is an error; one made from another version of the
/// design is shown with a note), else from every
/// `synth-out/<design>/<target>.json` in the working directory made from
/// this version of the design (others are skipped with a note).
pub fn area_for_design(design: &Design, explicit: &[PathBuf]) -> Result<Area, SynthError> {
    let fingerprint = design_fingerprint(design);
    let mut area = Area::default();
    if !explicit.is_empty() {
        for path in explicit {
            let r = SynthReport::load(path)?;
            if r.design_fingerprint.as_deref() != Some(&fingerprint) {
                area.notes.push(format!(
                    "{} was made from {}, not from this version of design `{}`; showing it anyway",
                    path.display(),
                    r.design
                        .as_deref()
                        .map_or("another design".into(), |d| format!("design `{d}`")),
                    design.name
                ));
            }
            area.reports.push(area_row(&r, path));
        }
        return Ok(area);
    }
    let dir = results_dir(&design.name);
    for target in Target::ALL {
        let path = report_path(&dir, target);
        if !path.is_file() {
            continue;
        }
        match SynthReport::load(&path) {
            Ok(r) if r.design_fingerprint.as_deref() == Some(&fingerprint) => {
                area.reports.push(area_row(&r, &path));
            }
            Ok(_) => area.notes.push(format!(
                "ignoring {}: design `{}` changed since it was synthesized; run `systolic synth --design {} --target {target}` again",
                path.display(),
                design.name,
                design.name
            )),
            Err(e) => area.notes.push(format!("ignoring {}: {e}", path.display())),
        }
    }
    Ok(area)
}

fn area_row(r: &SynthReport, path: &Path) -> AreaReport {
    AreaReport {
        target: r.target.to_string(),
        device: r.device.clone(),
        top: r.top.clone(),
        luts: r.luts,
        flip_flops: r.flip_flops,
        dsps: r.dsps,
        block_rams: r.block_rams,
        memory_bits: r.memory_bits,
        cells: r.cells,
        fmax_mhz: r.fmax_mhz,
        source: path.display().to_string(),
    }
}
