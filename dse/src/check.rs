//! Validating a sweep spec once: every axis value, model, objective and
//! constraint checked, with errors that name the file, line and field.

use super::mode::Mode;
use super::objective::Objective;
use super::points::{sparsity_name, Allowed, Axes, Axis, Range};
use super::spec::{
    fnv1a, resolve_base, resolve_model, RawRanges, RawSpec, Sampling, Spec, SweepModel,
};
use sim::design::{Dataflow, Design};
use sim::error::{InputError, Result, SimError};
use sim::precision::Precision;
use sim::sparsity::Sparsity;
use std::path::Path;

pub(crate) struct Checker<'a> {
    pub(crate) text: &'a str,
    pub(crate) file: &'a str,
}

impl Checker<'_> {
    /// An error at `path` (element `index` of the array there, if given).
    pub(crate) fn err(
        &self,
        path: &str,
        index: Option<usize>,
        msg: impl Into<String>,
        hint: &str,
    ) -> SimError {
        let field = match index {
            Some(i) => format!("{path}[{i}]"),
            None => path.to_string(),
        };
        let e = InputError::new("systolic::sweep::field", self.file, msg)
            .field(field)
            .hint(hint);
        match sim::error::span_of(self.text, path, index) {
            Some(s) => e.span(self.text, s).into(),
            None => e.into(),
        }
    }

    /// How the spec's ONNX models are read: `dims` and `skip_unsupported`,
    /// refused when no model is ONNX.
    fn onnx_options(&self, raw: &RawSpec) -> Result<sim::onnx::import::ImportOptions> {
        let any_onnx = raw.models.iter().any(|m| m.ends_with(".onnx"));
        if !any_onnx && (!raw.dims.is_empty() || raw.skip_unsupported) {
            let field = if raw.dims.is_empty() {
                "skip_unsupported"
            } else {
                "dims"
            };
            return Err(self.err(
                field,
                None,
                format!("`{field}` applies to ONNX models, and no model here is one"),
                "remove it, or list an ONNX model (a path ending in .onnx) in `models`",
            ));
        }
        for (name, &v) in &raw.dims {
            if name.is_empty() || v == 0 || v > 1 << 32 {
                return Err(self.err(
                    "dims",
                    None,
                    format!("dimension `{name}` = {v}: expected a name and a size from 1 to 2^32"),
                    "e.g. dims = { batch = 8 }",
                ));
            }
        }
        Ok(sim::onnx::import::ImportOptions {
            dims: raw.dims.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            skip_unsupported: raw.skip_unsupported,
        })
    }

    pub(crate) fn check(&self, raw: RawSpec, dir: &Path) -> Result<Spec> {
        let base = resolve_base(&raw.base, dir).map_err(|e| match e {
            SimError::Unknown {
                known, suggestions, ..
            } => self.err(
                "base",
                None,
                format!(
                    "unknown base design `{}`{}",
                    raw.base,
                    sim::names::did_you_mean(&suggestions)
                ),
                &format!("{known} (paths end in .toml and are relative to the spec file)"),
            ),
            other => other,
        })?;
        let base_text = if raw.base.ends_with(".toml") {
            sim::error::read_file(&dir.join(&raw.base))?
        } else {
            sim::design::PRESETS
                .iter()
                .find(|(n, _)| *n == raw.base)
                .map(|(_, t)| t.to_string())
                .unwrap_or_default()
        };
        if raw.models.is_empty() {
            return Err(self.err(
                "models",
                None,
                "the sweep names no model",
                "give one or more zoo names or topology CSV paths, e.g. models = [\"resnet50\"]",
            ));
        }
        let onnx = self.onnx_options(&raw)?;
        let mut models = Vec::new();
        for (i, name) in raw.models.iter().enumerate() {
            if raw.models[..i].contains(name) {
                return Err(self.err(
                    "models",
                    Some(i),
                    format!("model `{name}` is listed twice"),
                    "list each model once",
                ));
            }
            let model = resolve_model(name, dir, &onnx).map_err(|e| match e {
                SimError::Unknown {
                    known, suggestions, ..
                } => self.err(
                    "models",
                    Some(i),
                    format!(
                        "unknown model `{name}`{}",
                        sim::names::did_you_mean(&suggestions)
                    ),
                    &known,
                ),
                other => other,
            })?;
            let source = if name.ends_with(".csv") {
                sim::error::read_file(&dir.join(name))?
            } else if name.ends_with(".onnx") {
                // The file's bytes decide the rows, not its name.
                let path = dir.join(name);
                let bytes = std::fs::read(&path).map_err(sim::error::io_error("read", &path))?;
                format!("{name}\n{:016x}", fnv1a(&bytes, 0xcbf2_9ce4_8422_2325))
            } else {
                name.clone()
            };
            models.push(SweepModel {
                name: name.clone(),
                model,
                source,
            });
        }
        if raw.batch == 0 {
            return Err(self.err(
                "batch",
                None,
                "the batch size must be at least 1",
                "batch = 1 runs one inference",
            ));
        }
        for m in &models {
            for l in m.model.layers() {
                let lowered = l.lower(raw.batch);
                if let Err(why) = lowered.check() {
                    return Err(self.err(
                        "batch",
                        None,
                        format!("model `{}`, layer `{}` at batch {}: {why}", m.name, l.name, raw.batch),
                        "systolic simulates layers of up to 2^48 multiply-accumulates per GEMM and 2^56 per layer exactly (docs/SECURITY.md, \"Limits\"); use a smaller batch",
                    ));
                }
            }
        }
        let axes = self.axes(&raw, &base)?;
        let allowed = self.allowed(&raw, &base, &axes)?;
        let sampling = self.sampling(&raw, &axes, &allowed)?;
        let pareto = self.objectives(&raw.pareto, raw.mode)?;
        Objective::check_mode(&pareto, raw.mode).map_err(|(i, msg)| {
            self.err(
                "pareto",
                Some(i),
                msg,
                &format!(
                    "a {} sweep's objectives: {}",
                    raw.mode,
                    Objective::names_of(raw.mode)
                ),
            )
        })?;
        raw.constraints.check().map_err(|(field, msg)| {
            self.err(
                &format!("constraints.{field}"),
                None,
                msg,
                "limits are positive numbers",
            )
        })?;
        raw.constraints
            .check_mode(raw.mode)
            .map_err(|(field, msg)| {
                self.err(
                    &format!("constraints.{field}"),
                    None,
                    msg,
                    "docs/SWEEP.md lists the limits of each mode",
                )
            })?;
        let train = self.train(&raw, dir)?;
        let synth = self.synth(&raw)?;
        Objective::check_stage(&pareto, synth.is_some()).map_err(|(i, msg)| {
            self.err(
                "pareto",
                Some(i),
                msg,
                "add stage = \"synth\" and a [synth] table to synthesize every point's design",
            )
        })?;
        raw.constraints
            .check_stage(synth.is_some())
            .map_err(|(field, msg)| {
                self.err(
                    &format!("constraints.{field}"),
                    None,
                    msg,
                    "add stage = \"synth\" and a [synth] table to synthesize every point's design",
                )
            })?;
        let mut h = fnv1a(b"systolic-sweep/1\n", 0xcbf2_9ce4_8422_2325);
        h = fnv1a(env!("CARGO_PKG_VERSION").as_bytes(), h);
        let canonical = serde_json::to_string(&raw).expect("spec serializes");
        h = fnv1a(canonical.as_bytes(), h);
        h = fnv1a(base_text.as_bytes(), h);
        for m in &models {
            h = fnv1a(m.source.as_bytes(), h);
        }
        if let Some(t) = &train {
            h = fnv1a(t.source.as_bytes(), h);
        }
        Ok(Spec {
            file: self.file.to_string(),
            dir: dir.to_path_buf(),
            raw,
            base,
            models,
            axes,
            allowed,
            sampling,
            pareto,
            train,
            synth,
            text: self.text.to_string(),
            hash: format!("{h:016x}"),
        })
    }

    fn objectives(&self, names: &[String], mode: Mode) -> Result<Vec<Objective>> {
        Objective::parse_list(names).map_err(|(i, msg)| {
            self.err(
                "pareto",
                i,
                msg,
                &format!("choose 2 or 3 of: {}", Objective::names_of(mode)),
            )
        })
    }

    fn axes(&self, raw: &RawSpec, base: &Design) -> Result<Axes> {
        let g = &raw.grid;
        let r = raw.sample.as_ref().map(|s| &s.ranges);
        let ranged = |f: fn(&RawRanges) -> &Option<Range>| r.and_then(|r| *f(r));
        let kib = |b: u64| b as f64 / 1024.0;
        Ok(Axes {
            rows: self.int_axis("rows", &g.rows, ranged(|r| &r.rows), base.rows)?,
            cols: self.int_axis("cols", &g.cols, ranged(|r| &r.cols), base.cols)?,
            dataflow: self.named_axis("dataflow", &g.dataflow, base.dataflow, |s| {
                Dataflow::parse(s).ok_or(
                    "use ws (weight stationary), os (output stationary) or is (input stationary)",
                )
            })?,
            operand: self.operand_axis(&g.operand, base)?,
            ifmap_sram_kib: self.real_axis(
                "ifmap_sram_kib",
                &g.ifmap_sram_kib,
                ranged(|r| &r.ifmap_sram_kib),
                kib(base.ifmap_sram_bytes),
            )?,
            filter_sram_kib: self.real_axis(
                "filter_sram_kib",
                &g.filter_sram_kib,
                ranged(|r| &r.filter_sram_kib),
                kib(base.filter_sram_bytes),
            )?,
            ofmap_sram_kib: self.real_axis(
                "ofmap_sram_kib",
                &g.ofmap_sram_kib,
                ranged(|r| &r.ofmap_sram_kib),
                kib(base.ofmap_sram_bytes),
            )?,
            dram_bandwidth: self.real_axis(
                "dram_bandwidth_bytes_per_cycle",
                &g.dram_bandwidth_bytes_per_cycle,
                ranged(|r| &r.dram_bandwidth_bytes_per_cycle),
                base.dram_bandwidth,
            )?,
            clock_mhz: self.real_axis(
                "clock_mhz",
                &g.clock_mhz,
                ranged(|r| &r.clock_mhz),
                base.clock_mhz,
            )?,
            sparsity: self.sparsity_axis(raw, base)?,
        })
    }

    /// Weight sparsity: `dense` or `N:M` patterns ([`Sparsity::parse`]),
    /// each once; inference sweeps only (train-mode rows have no sparsity
    /// column and keep the base design's).
    fn sparsity_axis(&self, raw: &RawSpec, base: &Design) -> Result<Vec<Option<Sparsity>>> {
        let Some(v) = &raw.grid.sparsity else {
            return Ok(vec![base.sparsity]);
        };
        if raw.mode == Mode::Train {
            return Err(self.err(
                "grid.sparsity",
                None,
                "`grid.sparsity` applies to inference sweeps, and this sweep is in train mode",
                "a train-mode sweep keeps the base design's [sparsity]; remove the axis, or sweep inference",
            ));
        }
        self.list("sparsity", v)?;
        let mut out = Vec::with_capacity(v.len());
        for (i, s) in v.iter().enumerate() {
            let p = Sparsity::parse(s).map_err(|msg| {
                self.err(
                    "grid.sparsity",
                    Some(i),
                    format!("unknown sparsity pattern: {msg}"),
                    "give \"dense\" or N:M patterns (at most N nonzero weights in every M along K; M a power of two from 2 to 16, N below M), e.g. sparsity = [\"dense\", \"2:4\", \"1:4\"]",
                )
            })?;
            if out.contains(&p) {
                return Err(self.err(
                    "grid.sparsity",
                    Some(i),
                    format!("`{s}` is listed twice (as {})", sparsity_name(p)),
                    "list each value once (points must be distinct)",
                ));
            }
            out.push(p);
        }
        Ok(out)
    }

    /// The combinations of rows, dataflow and sparsity the design check
    /// accepts. A value of one of those axes that no combination can take
    /// is refused at its field, with the design check's reason.
    fn allowed(&self, raw: &RawSpec, base: &Design, axes: &Axes) -> Result<Allowed> {
        let variant = |rows: u32, dataflow: Dataflow, sparsity: Option<Sparsity>| {
            base.variant(|v| {
                v.rows = rows;
                v.dataflow = dataflow;
                v.sparsity = sparsity;
            })
        };
        let allowed = Allowed::new(axes, |r, d, s| variant(r, d, s).is_ok());
        // The design check's reason for a value no combination takes.
        let why = |r: u32, d: Dataflow, s: Option<Sparsity>| match variant(r, d, s) {
            Err(SimError::Input(e)) => e.message.clone(),
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        let hint = "the design check allows N:M sparse weights with the ws dataflow only, on arrays whose rows are a multiple of N (docs/TIMING.md, \"Sparse weights\"); combinations it refuses are left out of the sweep, but every value listed must be taken by some point: add \"dense\" to grid.sparsity, or remove the value";
        let (rows0, df0) = (axes.rows.get(0), axes.dataflow[0]);
        for (i, &s) in axes.sparsity.iter().enumerate() {
            if !allowed.takes_sparsity(i) {
                return Err(self.err(
                    "grid.sparsity",
                    raw.grid.sparsity.is_some().then_some(i),
                    format!(
                        "no point of the sweep can have {} weights: {}",
                        sparsity_name(s),
                        why(rows0, df0, s)
                    ),
                    hint,
                ));
            }
        }
        for (i, &d) in axes.dataflow.iter().enumerate() {
            if !allowed.takes_dataflow(i) {
                return Err(self.err(
                    "grid.dataflow",
                    raw.grid.dataflow.is_some().then_some(i),
                    format!(
                        "no point of the sweep can have the {d} dataflow: {}",
                        why(rows0, d, axes.sparsity[0])
                    ),
                    hint,
                ));
            }
        }
        if let Axis::Values(rows) = &axes.rows {
            for (i, &r) in rows.iter().enumerate() {
                if !allowed.takes_rows(i) {
                    return Err(self.err(
                        "grid.rows",
                        raw.grid.rows.is_some().then_some(i),
                        format!(
                            "no point of the sweep can have {r} rows: {}",
                            why(r, df0, axes.sparsity[0])
                        ),
                        hint,
                    ));
                }
            }
        }
        Ok(allowed)
    }

    /// Checks a list is non-empty and has no value twice.
    pub(crate) fn list<T: PartialEq>(&self, name: &str, v: &[T]) -> Result<()> {
        let path = format!("grid.{name}");
        if v.is_empty() {
            return Err(self.err(
                &path,
                None,
                "the list is empty",
                "give at least one value, or leave the axis out to keep the base design's value",
            ));
        }
        if let Some(i) = (1..v.len()).find(|&i| v[..i].contains(&v[i])) {
            return Err(self.err(
                &path,
                Some(i),
                "this value is listed twice",
                "list each value once (points must be distinct)",
            ));
        }
        Ok(())
    }

    fn both(&self, name: &str, list: bool, range: bool) -> Result<()> {
        if list && range {
            return Err(self.err(
                &format!("sample.ranges.{name}"),
                None,
                format!("`{name}` is given both in [grid] and in [sample.ranges]"),
                "give each axis either as a list in [grid] or as a range in [sample.ranges]",
            ));
        }
        Ok(())
    }

    fn int_axis(
        &self,
        name: &str,
        list: &Option<Vec<u32>>,
        range: Option<Range>,
        base: u32,
    ) -> Result<Axis<u32>> {
        self.both(name, list.is_some(), range.is_some())?;
        let hint = "array dimensions are whole numbers of PEs from 1 to 4096";
        if let Some(r) = range {
            self.range(name, &r, true)?;
            if r.min < 1.0 || r.max > 4096.0 {
                return Err(self.err(
                    &format!("sample.ranges.{name}"),
                    None,
                    format!(
                        "expected a range within 1..=4096, found {}..={}",
                        r.min, r.max
                    ),
                    hint,
                ));
            }
            return Ok(Axis::Range(r));
        }
        let Some(v) = list else {
            return Ok(Axis::Values(vec![base]));
        };
        self.list(name, v)?;
        if let Some(i) = v.iter().position(|&x| x == 0 || x > 4096) {
            return Err(self.err(
                &format!("grid.{name}"),
                Some(i),
                format!("expected 1 to 4096, found {}", v[i]),
                hint,
            ));
        }
        Ok(Axis::Values(v.clone()))
    }

    fn real_axis(
        &self,
        name: &str,
        list: &Option<Vec<f64>>,
        range: Option<Range>,
        base: f64,
    ) -> Result<Axis<f64>> {
        self.both(name, list.is_some(), range.is_some())?;
        if let Some(r) = range {
            self.range(name, &r, false)?;
            return Ok(Axis::Range(r));
        }
        let Some(v) = list else {
            return Ok(Axis::Values(vec![base]));
        };
        self.list(name, v)?;
        if let Some(i) = v.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
            return Err(self.err(
                &format!("grid.{name}"),
                Some(i),
                format!("expected a positive number, found {}", v[i]),
                "sizes, bandwidths and clocks are numbers greater than 0",
            ));
        }
        Ok(Axis::Values(v.clone()))
    }

    fn range(&self, name: &str, r: &Range, integer: bool) -> Result<()> {
        let path = format!("sample.ranges.{name}");
        let whole = |x: f64| x.fract() == 0.0;
        let bad = if !(r.min.is_finite() && r.max.is_finite() && r.min > 0.0 && r.min <= r.max) {
            Some(format!(
                "expected 0 < min <= max, found min = {}, max = {}",
                r.min, r.max
            ))
        } else if r.step.is_some_and(|s| !(s.is_finite() && s > 0.0)) {
            Some("the step must be a positive number".to_string())
        } else if r.log2 && r.step.is_some() {
            Some("give either `step` or `log2 = true`, not both".to_string())
        } else if integer && !(whole(r.min) && r.step.is_none_or(whole)) {
            Some(format!(
                "`{name}` takes whole numbers: min and step must be integers"
            ))
        } else if r.len() > 1 << 32 {
            Some("the range has more than 2^32 values; use a larger step".to_string())
        } else {
            None
        };
        match bad {
            Some(msg) => Err(self.err(&path, None, msg, "a range is { min = A, max = B } with an optional step = S (default 1), or log2 = true for A, 2A, 4A, ... up to B")),
            None => Ok(()),
        }
    }

    fn named_axis<T: Copy + PartialEq>(
        &self,
        name: &str,
        list: &Option<Vec<String>>,
        base: T,
        parse: impl Fn(&str) -> std::result::Result<T, &'static str>,
    ) -> Result<Vec<T>> {
        let Some(v) = list else {
            return Ok(vec![base]);
        };
        self.list(name, v)?;
        let mut out = Vec::with_capacity(v.len());
        for (i, s) in v.iter().enumerate() {
            match parse(s) {
                Ok(x) => out.push(x),
                Err(hint) => {
                    return Err(self.err(
                        &format!("grid.{name}"),
                        Some(i),
                        format!("unknown {name} `{s}`"),
                        hint,
                    ))
                }
            }
        }
        if let Some(i) = (1..out.len()).find(|&i| out[..i].contains(&out[i])) {
            return Err(self.err(
                &format!("grid.{name}"),
                Some(i),
                "this value is listed twice",
                "list each value once (points must be distinct)",
            ));
        }
        Ok(out)
    }

    /// Operands: known precisions the base design's energy table can price.
    fn operand_axis(&self, list: &Option<Vec<String>>, base: &Design) -> Result<Vec<Precision>> {
        let v = self.named_axis("operand", list, base.operand, |s| {
            Precision::parse(s).ok_or("use int8, int16, intN (N from 2 to 32), fp16, bf16 or fp32")
        })?;
        for (i, &p) in v.iter().enumerate() {
            if let Err(e) = super::points::with_operand(base, p) {
                return Err(self.err(
                    "grid.operand",
                    Some(i),
                    format!("the base design cannot take {p} operands: {e}"),
                    "the base design's energy table must price this precision",
                ));
            }
        }
        Ok(v)
    }

    fn sampling(&self, raw: &RawSpec, axes: &Axes, allowed: &Allowed) -> Result<Sampling> {
        let Some(s) = &raw.sample else {
            if let Some(name) = axes.first_range() {
                return Err(self.err(
                    &format!("sample.ranges.{name}"),
                    None,
                    "ranges need [sample]",
                    "add [sample] with count and seed",
                ));
            }
            if allowed.size().is_none() {
                return Err(self.err(
                    "grid",
                    None,
                    "the grid has more than 2^64 points",
                    "shrink the lists or draw a sample with [sample] count = N",
                ));
            }
            return Ok(Sampling::Grid);
        };
        if s.count == 0 {
            return Err(self.err(
                "sample.count",
                None,
                "the sample must draw at least one point",
                "count = 1000 draws 1000 points",
            ));
        }
        if axes.first_range().is_some() {
            return Ok(Sampling::Random {
                count: s.count,
                seed: s.seed,
            });
        }
        let size = allowed.size().unwrap_or(u64::MAX);
        if s.count > size {
            return Err(self.err(
                "sample.count",
                None,
                format!(
                    "the sample draws {} distinct points but the grid has only {size}",
                    s.count
                ),
                "lower count, or remove [sample] to run the whole grid",
            ));
        }
        Ok(Sampling::GridSample {
            count: s.count,
            order: super::points::Permutation::new(size, s.seed),
        })
    }
}
