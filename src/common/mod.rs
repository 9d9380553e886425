//! What the subcommands share (verbs never import each other): names and
//! paths resolved to designs and models, atomic output, objectives from the
//! command line, the printed Pareto front, and progress of long steps.

pub mod front;
pub mod inputs;
pub mod objectives;
pub mod output;
pub mod progress;
pub mod synth_stage;
