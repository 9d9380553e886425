//! `systolic list designs | models`.

use clap::{Args, ValueEnum};
use std::fmt::Write as _;

/// Arguments of `systolic list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// What to list.
    #[arg(value_enum)]
    what: What,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum What {
    Designs,
    Models,
}

/// Runs `systolic list`.
pub fn run(a: ListArgs) -> miette::Result<()> {
    let mut s = String::new();
    match a.what {
        What::Designs => {
            for (name, _) in sim::design::PRESETS {
                let d = sim::design::preset(name)?;
                let _ = writeln!(
                    s,
                    "{name:<18} {:>3}x{:<3} {} {:<5} {:>6} MHz {:>7.2} TOPS  {}",
                    d.rows,
                    d.cols,
                    d.dataflow,
                    d.operand.to_string(),
                    d.clock_mhz,
                    d.peak_tops(),
                    d.description
                );
            }
        }
        What::Models => {
            for (name, desc) in sim::workload::zoo::MODELS {
                let m = sim::workload::zoo::model(name).expect("every listed model builds");
                let _ = writeln!(
                    s,
                    "{name:<12} {:>8.3} GMAC  {:>3} layers  {desc}",
                    m.macs().expect("built-in models count in u64") as f64 / 1e9,
                    m.len()
                );
            }
        }
    }
    crate::output::emit(&s, None)
}
