//! `systolic`: command-line entry point; wires logging-free dispatch only.

mod cmd_compare;
mod cmd_completions;
mod cmd_gemm;
mod cmd_gen;
mod cmd_infer;
mod cmd_list;
mod cmd_merge;
mod cmd_prune;
mod cmd_report;
mod cmd_show;
mod cmd_sim;
mod cmd_sweep;
mod cmd_synth;
mod cmd_train;
mod cmd_verify;
mod common;

use common::{inputs, output, progress};

use clap::{Parser, Subcommand};

/// Cycle-accurate systolic-array simulator and Verilog generator for DNN accelerators.
#[derive(Debug, Parser)]
#[command(name = "systolic", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a model on a design: cycles, TOPS, utilization, traffic, energy.
    Sim(cmd_sim::SimArgs),
    /// Run one GEMM of real data value-exactly on the pe engine (optionally quantized from fp32).
    Gemm(cmd_gemm::GemmArgs),
    /// Simulate a training step (forward, dX, dW, update), its memory, and data-parallel scale-out.
    Train(cmd_train::TrainArgs),
    /// Write a design's synthesizable Verilog IP (RTL, file list, README, FuseSoC core).
    Gen(cmd_gen::GenArgs),
    /// Run a quantized ONNX model value-exactly on a design: outputs, cycles, energy, traffic.
    Infer(cmd_infer::InferArgs),
    /// Co-simulate the generated RTL against the simulator: bit-exact values, equal cycles.
    Verify(cmd_verify::VerifyArgs),
    /// List built-in designs or models.
    List(cmd_list::ListArgs),
    /// Show a design as TOML (a preset to start from) or a model's layers.
    Show(cmd_show::ShowArgs),
    /// Synthesize a design's RTL (Yosys; nextpnr for iCE40/ECP5): LUTs, flip-flops, DSPs, block RAMs, Fmax.
    Synth(cmd_synth::SynthArgs),
    /// Plots, a self-contained HTML page and a Markdown summary from a sweep's results CSV.
    Report(cmd_report::ReportArgs),
    /// Sweep a design space in parallel: resumable CSV/JSON-lines results, constraints, Pareto fronts.
    Sweep(cmd_sweep::SweepArgs),
    /// Prune weights to an N:M sparsity pattern by magnitude; report the share removed and the output SQNR.
    Prune(cmd_prune::PruneArgs),
    /// Compare targets (ASIC designs) on one model: latency, throughput, energy, power; ranked for budgets.
    Compare(cmd_compare::CompareArgs),
    /// Join the results of sharded sweeps into the file one unsharded run would have written.
    Merge(cmd_merge::MergeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cmd_completions::CompletionsArgs),
}

fn main() -> miette::Result<()> {
    // Wrap error messages to the terminal, but keep whole lines in logs and pipes.
    let wrap = std::io::IsTerminal::is_terminal(&std::io::stderr());
    miette::set_hook(Box::new(move |_| {
        let opts = miette::MietteHandlerOpts::new().terminal_links(false);
        Box::new(
            if wrap {
                opts
            } else {
                opts.wrap_lines(false).width(10_000)
            }
            .build(),
        )
    }))?;
    let cli = Cli::parse();
    match cli.command {
        Command::Sim(a) => cmd_sim::run(a),
        Command::List(a) => cmd_list::run(a),
        Command::Synth(a) => cmd_synth::run(a),
        Command::Gemm(a) => cmd_gemm::run(a),
        Command::Gen(a) => cmd_gen::run(a),
        Command::Verify(a) => cmd_verify::run(a),
        Command::Infer(a) => cmd_infer::run(a),
        Command::Train(a) => cmd_train::run(a),
        Command::Report(a) => cmd_report::run(a),
        Command::Sweep(a) => cmd_sweep::run(a),
        Command::Merge(a) => cmd_merge::run(a),
        Command::Compare(a) => cmd_compare::run(a),
        Command::Prune(a) => cmd_prune::run(a),
        Command::Show(a) => cmd_show::run(a),
        Command::Completions(a) => cmd_completions::run(a),
    }
}
