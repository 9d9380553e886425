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
