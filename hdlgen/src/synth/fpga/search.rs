//! Finding the largest array that fits a device: `largest_fitting`, the order
//! sizes are probed in (`predict`), the cache key and `fit.json`'s reuse, and
//! synthesizing (or placing) one size (`Search`).

use super::device::{devices, FpgaDevice, Resources};
use super::fit::{synth_params, variant, FitOptions, FpgaFit, Probe, FIT_SCHEMA};
use super::FpgaError;
use crate::progress::{self, Progress};
use crate::rtl::Config;
use crate::synth::cache;
use crate::synth::job::SynthOptions;
use crate::synth::one::{synthesize_design, write_atomic};
use crate::synth::report::{design_fingerprint, results_dir, SynthReport, ToolVersions};
use crate::synth::target::Target;
use crate::tools::{Tool, ToolError, ToolPaths};
use sim::design::Operand;
use sim::Design;
use std::path::Path;
use std::time::Instant;

/// The source of this module (before its split, the one file `fpga.rs`),
/// part of a fit's key: a fit found by other code is never reused.
const SOURCE: [(&str, &str); 6] = [
    ("fpga/mod.rs", include_str!("mod.rs")),
    ("fpga/device.rs", include_str!("device.rs")),
    ("fpga/power.rs", include_str!("power.rs")),
    ("fpga/fit.rs", include_str!("fit.rs")),
    ("fpga/search.rs", include_str!("search.rs")),
    ("one.rs", include_str!("../one.rs")),
];

/// Depth and port width of one block RAM as the buffers are sized by: iCE40
/// SB_RAM40_4K 256 x 16, ECP5 and Xilinx 512 x 36 (PDPW16KD, RAMB18 simple
/// dual port).
fn bram_shape(target: Target) -> (u64, u64) {
    match target {
        Target::Ice40 => (256, 16),
        _ => (512, 36),
    }
}

/// [`largest_fitting_with`] with the default options (results in
/// `synth-out/<design>/fpga-<device>/` of the working directory).
pub fn largest_fitting(
    base: &Design,
    device: &FpgaDevice,
    progress: &dyn Progress,
) -> Result<FpgaFit, FpgaError> {
    largest_fitting_with(base, device, &FitOptions::default(), progress)
}

/// The largest R x R array of `base` (its precision, dataflow and other
/// fields; buffers of each size filling the device's block RAM) that fits
/// `device`, found by synthesizing sizes (synthesis only; from 2, in an
/// order predicted from the sizes that fitted, bisecting after one that does
/// not, until a size fits and the next larger does not, or `max_rows`) and
/// comparing the reported resources
/// with the device table; the winner is then placed and routed for Fmax on
/// iCE40 and ECP5 (a size nextpnr cannot place counts as not fitting and the
/// next smaller one is placed). The result is kept in `fit.json` of the
/// results folder with a key of the base design's fingerprint, the device
/// row, the options, the tool versions and this code: a later call with the
/// same key returns it without synthesizing (only the tools' versions are
/// asked). Each size's synthesis is reused on its own the same way.
pub fn largest_fitting_with(
    base: &Design,
    device: &FpgaDevice,
    opts: &FitOptions,
    progress: &dyn Progress,
) -> Result<FpgaFit, FpgaError> {
    let started = Instant::now();
    let Some(synth_device) = device.synth.clone() else {
        return Err(FpgaError::ReferenceOnly {
            device: device.name.clone(),
            known: devices()?
                .iter()
                .filter(|d| d.synth.is_some())
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    Config::of(base)?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| results_dir(&base.name).join(format!("fpga-{}", device.name)));
    let pnr = opts.place_and_route && device.target.has_pnr();
    let tools = tool_versions(device.target, pnr, &opts.tools)?;
    let fingerprint = design_fingerprint(base);
    let key = cache::key(
        &[
            &format!("fpga fit, schema {FIT_SCHEMA}"),
            &fingerprint,
            &format!("{device:?}"),
            &format!(
                "logic_multipliers {} max_rows {} pnr {pnr}",
                opts.logic_multipliers, opts.max_rows
            ),
            &tools.yosys,
            tools.nextpnr.as_deref().unwrap_or(""),
        ],
        SOURCE.map(|(name, text)| (name, text.as_bytes())),
    );
    let fit_path = dir.join("fit.json");
    if !opts.force {
        if let Some(fit) = load_fit(&fit_path).filter(|f| f.cache_key == key) {
            progress::step(
                progress,
                &format!(
                    "reusing {} (same design, device, options and tools)",
                    fit_path.display()
                ),
                || Ok::<_, FpgaError>(()),
            )?;
            return Ok(fit);
        }
    }
    let search = Search {
        base,
        device,
        synth_device,
        opts,
        dir: &dir,
        progress,
    };
    let mut probes: Vec<Probe> = Vec::new();
    let mut best: Option<(u32, SizeResult)> = None;
    let mut fits = |r: u32, probes: &mut Vec<Probe>| -> Result<bool, FpgaError> {
        let s = search.size(r, false)?;
        let ok = s.probe.fits;
        probes.push(s.probe.clone());
        if ok && best.as_ref().is_none_or(|(b, _)| *b < r) {
            best = Some((r, s));
        }
        Ok(ok)
    };
    // Sizes in the order a prediction from the sizes that fit suggests
    // (only the order: every decision is a synthesis), bisecting after a
    // size that does not fit.
    let max = opts.max_rows.max(1);
    let (mut lo, mut hi) = (0u32, max + 1);
    let mut r = 2.min(max);
    loop {
        let ok = fits(r, &mut probes)?;
        if ok {
            lo = r;
        } else {
            hi = r;
        }
        if hi - lo <= 1 {
            break;
        }
        r = if lo == 0 {
            1
        } else if ok {
            // PEs beyond the DSP blocks cost more: when every PE of the
            // sizes that fit has a DSP block, the first size with logic
            // PEs is tried before any prediction past it.
            let all_dsp = (device.capacity().dsps as f64).sqrt().floor() as u32;
            let fitting: Vec<&Probe> = probes.iter().filter(|p| p.fits).collect();
            let mut next = predict(&fitting, &device.capacity(), opts.logic_multipliers);
            if opts.logic_multipliers && lo <= all_dsp && next > all_dsp + 1 {
                next = all_dsp + 1;
            }
            next.clamp(lo + 1, (hi - 1).min(lo.saturating_mul(2)))
        } else {
            lo + (hi - lo) / 2
        };
    }
    let nothing = |probes: &[Probe]| FpgaError::NothingFits {
        design: base.name.clone(),
        device: device.name.clone(),
        over: probes
            .iter()
            .find(|p| p.rows == 1)
            .map_or("does not place".into(), |p| p.over.join(", ")),
    };
    let Some((_, mut won)) = best.filter(|(b, _)| *b == lo) else {
        return Err(nothing(&probes));
    };
    let mut fmax_note = format!(
        "no Fmax: the {} target is synthesized with Yosys only (nextpnr-xilinx is not packaged); no clock is assumed here, the caller chooses one",
        device.target
    );
    if pnr {
        loop {
            let placed = search.size(lo, true)?;
            probes.push(placed.probe.clone());
            if placed.probe.fits {
                won = placed;
                fmax_note = format!(
                    "placed and routed with {} (seed 1, the 4-pin harness of docs/SYNTHESIS.md)",
                    won.report.tools.nextpnr.as_deref().unwrap_or("nextpnr")
                );
                break;
            }
            lo -= 1;
            if lo == 0 {
                return Err(nothing(&probes));
            }
        }
    } else if device.target.has_pnr() {
        fmax_note = "no Fmax: place and route was not asked for".into();
    }
    let fit = FpgaFit {
        schema: FIT_SCHEMA,
        device: device.name.clone(),
        target: device.target,
        synth_device: search.synth_device.clone(),
        base: base.name.clone(),
        base_fingerprint: fingerprint,
        rows: lo,
        buffer_kib: won.kib,
        dsp_pes: won.dsp_pes,
        used: Resources::used(&won.report),
        fmax_mhz: won.report.fmax_mhz,
        fmax_note,
        report: won.report,
        probes,
        tools,
        cache_key: key,
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    };
    write_atomic(
        &fit_path,
        &serde_json::to_string_pretty(&fit).expect("fit serializes"),
    )?;
    Ok(fit)
}

/// The rows at which the fitting probes' LUTs and flip-flops (and DSPs
/// when every multiplier is a DSP) reach the device's capacity: a fixed part
/// plus a part growing with the PEs, fitted through the two largest sizes
/// (through zero with one). Block RAMs are left out: the buffers are sized
/// to fill them.
fn predict(fitting: &[&Probe], cap: &Resources, dsps_grow: bool) -> u32 {
    let mut sizes: Vec<&Probe> = fitting.to_vec();
    sizes.sort_by_key(|p| p.rows);
    sizes.dedup_by_key(|p| p.rows);
    let Some(last) = sizes.last() else {
        return 1;
    };
    let prev = sizes.len().checked_sub(2).map(|i| sizes[i]);
    let pick = |r: &Resources| {
        let mut v = vec![(r.luts, cap.luts), (r.flip_flops, cap.flip_flops)];
        if !dsps_grow {
            v.push((r.dsps, cap.dsps));
        }
        v
    };
    let sq = |p: &Probe| f64::from(p.rows) * f64::from(p.rows);
    let mut best = f64::INFINITY;
    for (i, (u2, c)) in pick(&last.used).into_iter().enumerate() {
        let (u2, c) = (u2 as f64, c as f64);
        let (per_pe, fixed) = match prev {
            Some(p) => {
                let u1 = pick(&p.used)[i].0 as f64;
                let per = (u2 - u1) / (sq(last) - sq(p));
                (per, u2 - per * sq(last))
            }
            None => (u2 / sq(last), 0.0),
        };
        if per_pe > 0.0 {
            best = best.min(((c - fixed) / per_pe).max(0.0).sqrt());
        }
    }
    if best.is_finite() {
        best.floor().min(f64::from(u32::MAX)) as u32
    } else {
        last.rows.saturating_mul(2)
    }
}

fn tool_versions(target: Target, pnr: bool, paths: &ToolPaths) -> Result<ToolVersions, ToolError> {
    let yosys = Tool::Yosys.version(&Tool::Yosys.locate(paths)?)?;
    let tool = match target {
        Target::Ice40 => Some(Tool::NextpnrIce40),
        Target::Ecp5 => Some(Tool::NextpnrEcp5),
        _ => None,
    };
    let nextpnr = match tool.filter(|_| pnr) {
        Some(t) => Some(t.version(&t.locate(paths)?)?),
        None => None,
    };
    Ok(ToolVersions { yosys, nextpnr })
}

fn load_fit(path: &Path) -> Option<FpgaFit> {
    let fit: FpgaFit = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    (fit.schema == FIT_SCHEMA).then_some(fit)
}

/// One size synthesized: its probe, report and buffers.
struct SizeResult {
    probe: Probe,
    report: SynthReport,
    kib: [f64; 3],
    dsp_pes: u64,
}

struct Search<'a> {
    base: &'a Design,
    device: &'a FpgaDevice,
    synth_device: String,
    opts: &'a FitOptions,
    dir: &'a Path,
    progress: &'a dyn Progress,
}

impl Search<'_> {
    /// Synthesizes (`placed`: and places) the r x r array with the deepest
    /// buffers (a power of two times the block RAM depth) whose block RAMs
    /// the device has, halving them while only block RAMs overflow.
    fn size(&self, r: u32, placed: bool) -> Result<SizeResult, FpgaError> {
        let target = self.device.target;
        let (depth, width) = bram_shape(target);
        // A variant with ample buffers, for the lines' widths.
        let wide = variant(self.base, r, [1024.0; 3])?;
        let cfg = Config::of(&wide)?;
        let banks = u64::from(cfg.banks);
        let per_depth: u64 = Operand::ALL
            .iter()
            .map(|&op| banks * cfg.line_bits(op).div_ceil(width))
            .sum();
        let budget = self.device.capacity().block_rams;
        let mut k = 1u64;
        while k < 64 && per_depth * k * 2 <= budget {
            k *= 2;
        }
        loop {
            let lines = depth * k;
            let kib = Operand::ALL.map(|op| {
                let bytes = if cfg.sparse.is_some() {
                    (lines * banks * cfg.line_bits(op)).div_ceil(8)
                } else {
                    lines * banks * sim::engine::ip::line_bytes(&wide, op)
                };
                bytes as f64 / 1024.0
            });
            let design = variant(self.base, r, kib)?;
            let dsps = self.device.capacity().dsps;
            let dsp_pes = if self.opts.logic_multipliers {
                design.pes().min(dsps)
            } else {
                design.pes()
            };
            let name = if placed {
                format!("r{r}-placed")
            } else {
                format!("r{r}-d{lines}")
            };
            let workdir = self.dir.join(name);
            let what = format!(
                "{} a {r}x{r} array ({lines} lines per buffer) for the {}",
                if placed { "placing" } else { "synthesizing" },
                self.device.name
            );
            let started = Instant::now();
            let (report, reused, failed) = progress::step(self.progress, &what, || {
                self.synthesize(&design, &workdir, placed)
            })?;
            let used = Resources::used(&report);
            let mut over = used.over(&self.device.capacity());
            over.extend(failed);
            let only_brams = !over.is_empty()
                && used.luts <= self.device.capacity().luts
                && used.dsps <= self.device.capacity().dsps
                && used.flip_flops <= self.device.capacity().flip_flops
                && !placed;
            if only_brams && k > 1 {
                k /= 2;
                continue;
            }
            let fits = over.is_empty() && (!placed || report.fmax_mhz.is_some());
            if placed && !fits && over.is_empty() {
                over.push("nextpnr could not place it".into());
            }
            let probe = Probe {
                rows: r,
                buffer_lines: lines,
                used,
                fits,
                over,
                placed: placed.then_some(fits),
                seconds: if reused {
                    0.0
                } else {
                    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
                },
            };
            return Ok(SizeResult {
                probe,
                report,
                kib,
                dsp_pes,
            });
        }
    }

    /// Synthesizes `design` in `workdir` ([`synthesize_design`]): the
    /// report, whether it was reused, and what overflowed when the device
    /// has no room for it.
    fn synthesize(
        &self,
        design: &Design,
        workdir: &Path,
        placed: bool,
    ) -> Result<(SynthReport, bool, Option<String>), FpgaError> {
        let target = self.device.target;
        let opts = SynthOptions {
            device: Some(self.synth_device.clone()),
            params: synth_params(
                design,
                target,
                Some(self.device.capacity().dsps).filter(|&d| self.opts.logic_multipliers && d > 0),
            )?,
            skip_pnr: !placed,
            tools: self.opts.tools.clone(),
            ..SynthOptions::default()
        };
        let s = synthesize_design(design, target, &opts, workdir, self.progress)?;
        Ok((s.report, s.reused, s.no_room))
    }
}
