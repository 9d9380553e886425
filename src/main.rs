//! `systolic`: command-line entry point; wires logging-free dispatch only.

mod cmd_list;
mod cmd_sim;
mod inputs;
mod output;

use clap::{Parser, Subcommand};

/// Cycle-accurate systolic-array simulator and Verilog generator for DNN accelerators.
#[derive(Debug, Parser)]
#[command(name = "systolic", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a model on a design: cycles, TOPS, utilization, traffic, energy.
    Sim(cmd_sim::SimArgs),
    /// List built-in designs or models.
    List(cmd_list::ListArgs),
}

fn main() -> miette::Result<()> {
    miette::set_hook(Box::new(|_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .terminal_links(false)
                .build(),
        )
    }))?;
    let cli = Cli::parse();
    match cli.command {
        Command::Sim(a) => cmd_sim::run(a),
        Command::List(a) => cmd_list::run(a),
    }
}
