//! The synth stage of `systolic sweep` (`stage = "synth"`): each point's
//! design synthesized (and placed and routed, and optionally co-simulated)
//! with `hdlgen`, as `systolic synth` and `systolic verify` would, for
//! `dse` to join to the point's rows. Work folders are named by the digest
//! of the design's RTL, so points that differ only where the RTL does not
//! (their clock, say) synthesize once.

use dse::{Point, Spec, SynthColumns, Synthesizer};
use hdlgen::check::{self, Simulator};
use hdlgen::synth::{fpga, rtl_digest, synthesize_design, Device, SynthOptions, Target};
use hdlgen::tools::Tool;
use miette::Diagnostic;
use sim::error::{Result, SimError};
use sim::Design;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// `hdlgen`'s synthesis as a sweep's [`Synthesizer`].
pub struct HdlSynthesizer {
    target: Target,
    device: Option<Device>,
    place_and_route: bool,
    freq_mhz: Option<f64>,
    verify_gemm: Option<(u64, u64, u64)>,
    dir: PathBuf,
    /// The tools and their versions.
    tools: String,
    /// One lock per RTL digest: a design is synthesized by one thread while
    /// the others with the same RTL wait, then reuse its report.
    busy: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

/// The folder the synth stage of results `csv` works in: beside it, its
/// name with `.synth` for `.csv` (`r.csv` -> `r.synth/`).
pub fn work_dir(csv: &Path) -> PathBuf {
    csv.with_extension("synth")
}

impl HdlSynthesizer {
    /// The synthesizer of `spec`'s synth stage (`None` without one), its
    /// work folder beside results `csv`: the target and device checked
    /// against `hdlgen`'s (errors point at the spec's field), and the tools
    /// it needs found before any point runs.
    pub fn of(spec: &Spec, csv: &Path) -> miette::Result<Option<HdlSynthesizer>> {
        let Some(s) = &spec.synth else {
            return Ok(None);
        };
        let target: Target = s.target.parse().map_err(|e: hdlgen::synth::TargetError| {
            spec.field_error("synth.target", e.to_string(), &help(&e))
        })?;
        let device = target
            .device(s.device.as_deref())
            .map_err(|e| spec.field_error("synth.device", e.to_string(), &help(&e)))?;
        let place_and_route = s.place_and_route && target.has_pnr();
        let synth_field = |field: &str, msg: String, hint: &str| {
            miette::Report::new(spec.field_error(field, msg, hint))
        };
        if s.freq_mhz.is_some() && !place_and_route {
            return Err(synth_field(
                "synth.freq_mhz",
                format!("the clock nextpnr aims at applies to placed designs, and {target} designs are not placed here"),
                "remove it, or place and route (ice40 or ecp5 with place_and_route = true)",
            ));
        }
        // Objectives and limits on figures this target does not give.
        let has_luts = target != Target::Generic;
        for (i, o) in spec.pareto.iter().enumerate() {
            let missing = match o {
                dse::Objective::Fmax | dse::Objective::TopsAtFmax | dse::Objective::LutsPerTops
                    if !place_and_route =>
                {
                    Some("Fmax, which only placed and routed designs have (ice40, ecp5)")
                }
                dse::Objective::Luts if !has_luts => {
                    Some("LUTs, which the generic target does not count")
                }
                _ => None,
            };
            if let Some(why) = missing {
                return Err(synth_field(
                    &format!("pareto[{i}]"),
                    format!("objective `{}` needs {why}", o.name()),
                    "choose objectives this target measures, or another target",
                ));
            }
        }
        let limits = [
            (
                "constraints.min_fmax_mhz",
                spec.raw.constraints.min_fmax_mhz.is_some() && !place_and_route,
                "Fmax, which only placed and routed designs have (ice40, ecp5)",
            ),
            (
                "constraints.max_luts",
                spec.raw.constraints.max_luts.is_some() && !has_luts,
                "LUTs, which the generic target does not count",
            ),
        ];
        if let Some((field, _, why)) = limits.iter().find(|(_, refused, _)| *refused) {
            return Err(synth_field(
                field,
                format!("this limit needs {why}"),
                "remove the limit, or choose a target that measures it",
            ));
        }
        if let Some(gemm) = s.verify_gemm {
            // The IP (what `verify_gemm` runs) exists for every design but
            // a sparse one (`Config::needs_ip`): refused here by the axis,
            // not point by point (a grid may hold millions).
            if let Some(pattern) = spec.axes.sparsity.iter().flatten().next() {
                let design = spec.point(0).design(&spec.base)?;
                let sparse = design.variant(|p| p.sparsity = Some(*pattern));
                let why =
                    match sparse.map(|d| hdlgen::rtl::Config::of(&d).and_then(|c| c.needs_ip())) {
                        Ok(Err(e)) => e.to_string(),
                        _ => format!("{pattern} sparse designs have no IP"),
                    };
                return Err(synth_field(
                    "synth.verify_gemm",
                    format!("[{}, {}, {}]: {why}", gemm.0, gemm.1, gemm.2),
                    "co-simulate dense designs only (remove the sparse patterns), or remove verify_gemm",
                ));
            }
        }
        // Missing tools are found now, not at the first point.
        let tools = hdlgen::tools::ToolPaths::default();
        let mut needed = vec![Tool::Yosys];
        if place_and_route {
            needed.push(match target {
                Target::Ice40 => Tool::NextpnrIce40,
                _ => Tool::NextpnrEcp5,
            });
        }
        if s.verify_gemm.is_some() {
            needed.push(Tool::Verilator);
        }
        let mut versions = Vec::new();
        for t in needed {
            let exe = t.locate(&tools)?;
            let v = t.version(&exe)?;
            versions.push(match t {
                Tool::Yosys => format!("Yosys {v}"),
                _ => v,
            });
        }
        Ok(Some(HdlSynthesizer {
            target,
            device,
            place_and_route,
            freq_mhz: s.freq_mhz,
            verify_gemm: s.verify_gemm,
            dir: work_dir(csv),
            tools: versions.join("; "),
            busy: Mutex::new(HashMap::new()),
        }))
    }

    /// What it synthesizes for: `ice40 up5k`, `generic`.
    pub fn describe(&self) -> String {
        match &self.device {
            Some(d) => format!("{} {}", self.target, d.name),
            None => self.target.to_string(),
        }
    }

    fn lock_of(&self, digest: &str) -> Arc<Mutex<()>> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        busy.entry(digest.to_string()).or_default().clone()
    }

    fn synthesize_in(&self, design: &Design, work: &Path) -> Result<SynthColumns> {
        let target = self.target;
        let budget = self.device.as_ref().filter(|d| d.dsps > 0).map(|d| d.dsps);
        let params = fpga::synth_params(design, target, budget)
            .map_err(|e| stage("generating its RTL", &e))?;
        let opts = SynthOptions {
            device: self.device.as_ref().map(|d| d.name.to_string()),
            params,
            skip_pnr: !self.place_and_route,
            target_mhz: self.freq_mhz,
            ..SynthOptions::default()
        };
        let quiet = hdlgen::progress::Silent;
        let what = format!("synthesis for {target}");
        let s = synthesize_design(
            design,
            target,
            &opts,
            &work.join(target.to_string()),
            &quiet,
        )
        .map_err(|e| stage(&what, &e))?;
        let verified = match self.verify_gemm {
            None => None,
            Some(dims) => Some(self.verify(design, dims, &work.join("verify"))?),
        };
        let r = s.report;
        Ok(SynthColumns {
            synth_target: target.to_string(),
            synth_device: r.device.unwrap_or_default(),
            no_room: s.no_room.unwrap_or_default(),
            luts: r.luts,
            flip_flops: r.flip_flops,
            dsps: r.dsps,
            block_rams: r.block_rams,
            cells: r.cells,
            fmax_mhz: r.fmax_mhz,
            verified: verified.map(|(ok, _)| ok),
            rtl_cycles: verified.map(|(_, c)| c),
            ..SynthColumns::default()
        })
    }

    /// Runs the GEMM `(m, k, n)` through the design's IP under Verilator
    /// against the simulator (as `systolic verify --gemm`, seed 1):
    /// whether values and cycles matched, and the RTL's cycles.
    fn verify(
        &self,
        design: &Design,
        (m, k, n): (u64, u64, u64),
        work: &Path,
    ) -> Result<(bool, u64)> {
        let quiet = hdlgen::progress::Silent;
        let what = format!("co-simulating a {m}x{k}x{n} GEMM");
        let run = || -> std::result::Result<_, hdlgen::HdlError> {
            let bench = check::build_ip(design, Simulator::Verilator, false, &quiet)?;
            let a = sim::engine::pe::design_operands(design, (m * k) as usize, 1);
            let b = sim::engine::pe::design_weights(design, (k as usize, n as usize), 1 ^ 0x5EED);
            std::fs::create_dir_all(work).map_err(hdlgen::HdlError::io("create", work))?;
            check::check_ip(design, &bench, &a, &b, (m, k, n), work, &quiet)
        };
        let out = run().map_err(|e| stage(&what, &e))?;
        Ok((out.passed(), out.rtl_cycles))
    }
}

impl Synthesizer for HdlSynthesizer {
    fn synthesize(&self, _point: &Point, design: &Design) -> Result<SynthColumns> {
        let digest = rtl_digest(design).map_err(|e| stage("generating its RTL", &e))?;
        let lock = self.lock_of(&digest);
        let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
        self.synthesize_in(design, &self.dir.join(format!("rtl-{digest}")))
    }

    fn tools(&self) -> String {
        self.tools.clone()
    }
}

/// A diagnostic's help text, or a pointer to the docs.
fn help(e: &dyn Diagnostic) -> String {
    e.help()
        .map_or_else(|| "docs/SYNTHESIS.md".to_string(), |h| h.to_string())
}

/// `e`, from step `what`, as the sweep's error: its message with its
/// causes, and its help.
fn stage(what: &str, e: &dyn Diagnostic) -> SimError {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    SimError::Stage {
        what: what.to_string(),
        message,
        hint: help(e),
    }
}
