//! One synthesis from start to end: [`Synthesis::prepare`] checks the
//! names, finds the tools and their versions and computes the cache key;
//! [`Synthesis::reuse`] finds a report made from the same inputs;
//! [`Synthesis::run`] runs Yosys, the fit check and nextpnr.

use super::cache;
use super::error::SynthError;
use super::job::{Job, SynthOptions};
use super::pnr;
use super::report::{SynthReport, ToolVersions};
use super::stages::{millis, StageTime};
use super::target::{Device, Target};
use super::yosys;
use crate::progress::{self, Progress};
use crate::tools::Tool;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A synthesis ready to run: its inputs checked, its tools found.
#[derive(Debug)]
pub struct Synthesis<'a> {
    files: Vec<PathBuf>,
    top: &'a str,
    target: Target,
    device: Option<Device>,
    opts: &'a SynthOptions,
    workdir: PathBuf,
    yosys: PathBuf,
    pnr: Option<(Tool, PathBuf)>,
    tools: ToolVersions,
    key: String,
    prepared_in: f64,
}

impl<'a> Synthesis<'a> {
    /// Checks a synthesis of `files` (Verilog, leaves first) with `top` for
    /// `target` in `workdir` (created) before anything runs: the device,
    /// the names, the sources' paths, the tools (with an install hint when
    /// one is missing) and their versions; reads the sources for the cache
    /// key. Reported to `progress` as one step.
    pub fn prepare(
        files: &[PathBuf],
        top: &'a str,
        target: Target,
        opts: &'a SynthOptions,
        workdir: &Path,
        progress: &dyn Progress,
    ) -> Result<Synthesis<'a>, SynthError> {
        let started = Instant::now();
        let device = target.device(opts.device.as_deref())?;
        for (name, _) in &opts.params {
            if !yosys::is_identifier(name) {
                return Err(SynthError::BadParameter { name: name.clone() });
            }
        }
        if !yosys::is_identifier(top) {
            return Err(SynthError::BadParameter {
                name: top.to_string(),
            });
        }
        progress::step(progress, "checking the tools and the inputs", || {
            let yosys_exe = Tool::Yosys.locate(&opts.tools)?;
            let pnr_tool = match target {
                Target::Ice40 if !opts.skip_pnr => Some(Tool::NextpnrIce40),
                Target::Ecp5 if !opts.skip_pnr => Some(Tool::NextpnrEcp5),
                _ => None,
            };
            let pnr = pnr_tool
                .map(|t| t.locate(&opts.tools).map(|exe| (t, exe)))
                .transpose()?;
            std::fs::create_dir_all(workdir).map_err(SynthError::io("create", workdir))?;
            let workdir =
                std::fs::canonicalize(workdir).map_err(SynthError::io("resolve", workdir))?;
            let files = files
                .iter()
                .map(|f| {
                    std::fs::canonicalize(f)
                        .map_err(|_| SynthError::MissingSource { path: f.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            // Every path the script will name, checked before any tool runs.
            let mut sources = Vec::with_capacity(files.len());
            for f in &files {
                let name = yosys::quoted_path(f, &workdir)?;
                let bytes = std::fs::read(f).map_err(SynthError::io("read", f))?;
                sources.push((name, bytes));
            }
            let tools = ToolVersions {
                yosys: Tool::Yosys.version(&yosys_exe)?,
                nextpnr: pnr.as_ref().map(|(t, exe)| t.version(exe)).transpose()?,
            };
            let mut s = Synthesis {
                files,
                top,
                target,
                device,
                opts,
                workdir,
                yosys: yosys_exe,
                pnr,
                tools,
                key: String::new(),
                prepared_in: 0.0,
            };
            let script = yosys::script(&s.job(progress), s.pnr.is_some())?;
            let params: Vec<String> = opts
                .params
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            let mut parts = vec![
                target.to_string(),
                device.map_or(String::new(), |d| d.name.to_string()),
                top.to_string(),
                format!("pnr {}", s.pnr.is_some()),
                format!("clock {:?}", opts.clock),
                format!("target_mhz {:?}", opts.target_mhz),
                s.tools.yosys.clone(),
                s.tools.nextpnr.clone().unwrap_or_default(),
                script,
            ];
            parts.extend(params);
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            s.key = cache::key(
                &parts,
                sources.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
            );
            s.prepared_in = started.elapsed().as_secs_f64();
            Ok(s)
        })
    }

    fn job<'j>(&'j self, progress: &'j dyn Progress) -> Job<'j> {
        Job {
            files: &self.files,
            top: self.top,
            target: self.target,
            device: self.device,
            opts: self.opts,
            workdir: &self.workdir,
            progress,
        }
    }

    /// Versions of the tools it runs.
    pub fn tools(&self) -> &ToolVersions {
        &self.tools
    }

    /// The cache key: a SHA-256 of the sources' bytes, the Yosys script,
    /// target, device, options, tool versions and the flow's own code.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The report at `path` when it was made from these same inputs
    /// ([`Synthesis::key`] equals its `cache_key`); `None` otherwise.
    pub fn reuse(&self, path: &Path) -> Option<SynthReport> {
        cache::reusable(path, &self.key)
    }

    /// Runs synthesis (and, for iCE40 and ECP5 unless `skip_pnr`, place
    /// and route) in the work directory, where scripts, logs and netlists
    /// stay. Fails on latches and on a design larger than the device. Each
    /// tool run is a step reported to `progress`, its stages nested in it;
    /// the report records every stage's seconds and the cache key.
    pub fn run(&self, progress: &dyn Progress) -> Result<SynthReport, SynthError> {
        let job = self.job(progress);
        let (stats, yosys_stages) = yosys::synthesize(&self.yosys, &job, self.pnr.is_some())?;
        let mut report = SynthReport::from_cells(
            self.target,
            self.device.map(|d| d.name.to_string()),
            self.top,
            stats.cells,
            stats.by_type,
            stats.memory_bits,
            self.tools.yosys.clone(),
        );
        report.stages.push(StageTime {
            stage: "tools".into(),
            seconds: millis(self.prepared_in),
            passes: Vec::new(),
        });
        report.stages.extend(yosys_stages);
        // iCE40 and ECP5 devices have known capacities (Xilinx "devices" are families).
        if let Some(dev) = self.device.as_ref().filter(|_| self.target.has_pnr()) {
            pnr::precheck(
                self.top,
                self.target,
                dev,
                report.luts.unwrap_or(0),
                report.dsps.unwrap_or(0),
                report.block_rams.unwrap_or(0),
            )?;
        }
        if let (Some((tool, exe)), Some(dev)) = (&self.pnr, self.device.as_ref()) {
            report.tools.nextpnr = self.tools.nextpnr.clone();
            let (placed, pnr_stages) = pnr::place_and_route(&job, dev, &self.yosys, *tool, exe)?;
            report.stages.extend(pnr_stages);
            report.fmax_mhz = Some(placed.fmax_mhz);
            report.placement = Some(placed);
        }
        report.cache_key = Some(self.key.clone());
        Ok(report)
    }
}
