//! Resolves designs and models named on the command line: built-in names or files.

use sim::error::SimError;
use sim::workload::Model;
use sim::Design;
use std::path::Path;

/// A design: a preset name or a TOML path.
pub fn design(name: &str) -> Result<Design, SimError> {
    let path = Path::new(name);
    if name.ends_with(".toml") || path.is_file() {
        return Design::load(path);
    }
    sim::design::preset(name)
}

/// A design from a SCALE-Sim config.
pub fn scalesim_design(path: &str) -> Result<Design, SimError> {
    sim::design::scalesim_cfg::load(Path::new(path))
}

/// A model: a zoo name or a topology CSV path.
pub fn model(name: &str) -> Result<Model, SimError> {
    model_with(name, &Default::default()).map(|(m, _)| m)
}

/// A model, with options for ONNX models; what an ONNX import noted is
/// printed to stderr, and its report returned.
pub fn model_with(
    name: &str,
    onnx: &sim::onnx::import::ImportOptions,
) -> Result<(Model, Option<sim::onnx::import::ImportReport>), SimError> {
    let (model, report) = sim::models::resolve(name, Path::new(""), onnx)?;
    if let Some(r) = &report {
        for n in &r.notes {
            eprintln!("note: {n}");
        }
    }
    Ok((model, report))
}

/// How an ONNX model named by `--model` is read: the flags every command that
/// takes a model shares.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OnnxArgs {
    /// Size of a symbolic dimension of an ONNX model's inputs, e.g.
    /// `--dim batch=8` (repeatable); unset ones are 1, with a note.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_dim)]
    pub dim: Vec<(String, u64)>,
    /// Cost an ONNX model's unsupported operators as zero (flagged in the
    /// coverage table) instead of refusing the model.
    #[arg(long)]
    pub skip_unsupported: bool,
}

impl OnnxArgs {
    /// The import options for `model`, refused when flags are given for a
    /// model that is not ONNX.
    pub fn options(&self, model: &str) -> miette::Result<sim::onnx::import::ImportOptions> {
        if !model.ends_with(".onnx") && (!self.dim.is_empty() || self.skip_unsupported) {
            return Err(miette::miette!(
                code = "systolic::cli::onnx_only",
                help = "--dim and --skip-unsupported apply to ONNX models (--model path.onnx)",
                "--dim and --skip-unsupported need an ONNX model, not `{model}`"
            ));
        }
        Ok(sim::onnx::import::ImportOptions {
            dims: self.dim.iter().cloned().collect(),
            skip_unsupported: self.skip_unsupported,
        })
    }
}

/// `NAME=VALUE` of `--dim`.
fn parse_dim(s: &str) -> Result<(String, u64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE (e.g. batch=8)"))?;
    let v: u64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a whole number (in --dim {s})"))?;
    if name.is_empty() || v == 0 || v > 1 << 32 {
        return Err(format!("--dim {s}: give a name and a size from 1 to 2^32"));
    }
    Ok((name.to_string(), v))
}
