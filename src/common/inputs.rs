//! Resolves designs and models named on the command line: built-in names or files.

use sim::error::SimError;
use sim::workload::{topology, zoo, Model};
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
    let path = Path::new(name);
    if name.ends_with(".csv") || path.is_file() {
        return topology::load(path);
    }
    zoo::find(name, "or a SCALE-Sim topology CSV path (or --topology CSV)")
}
