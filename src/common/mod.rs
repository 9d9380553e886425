//! What the subcommands share (verbs never import each other): names and
//! paths resolved to designs and models, atomic output, objectives from the
//! command line, and the printed Pareto front.

pub mod front;
pub mod inputs;
pub mod objectives;
pub mod output;
