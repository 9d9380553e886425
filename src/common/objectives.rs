//! Objectives named on the command line (`--pareto`, `--objectives`): two or
//! three distinct names, each a user error with the list when unknown.

use dse::Objective;
use sim::error::InputError;

/// Parses the objectives of `flag`: two or three distinct names.
pub fn parse(flag: &'static str, names: &[String]) -> miette::Result<Vec<Objective>> {
    let names: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    let err = |msg: String| {
        miette::Report::new(
            InputError::new("systolic::cli::objectives", "<command line>", msg)
                .field(flag)
                .hint(format!(
                    "choose 2 or 3 of: {} (train-mode sweeps: {}; synth-stage sweeps also: {}); e.g. {flag} latency,energy",
                    Objective::names(),
                    Objective::names_of(dse::Mode::Train),
                    Objective::SYNTH.map(Objective::name).join(", ")
                )),
        )
    };
    match Objective::parse_list(&names) {
        Ok(list) if !list.is_empty() => Ok(list),
        Ok(_) => Err(err(format!("{flag} names no objective"))),
        Err((_, msg)) => Err(err(msg)),
    }
}
