//! `systolic completions SHELL`: a shell completion script on standard output.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

const EXAMPLES: &str = "Examples:
  systolic completions bash > ~/.local/share/bash-completion/completions/systolic
  systolic completions zsh > ~/.zfunc/_systolic      # with `fpath+=~/.zfunc` in ~/.zshrc
  systolic completions fish > ~/.config/fish/completions/systolic.fish";

/// Arguments of `systolic completions`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `systolic completions`.
pub fn run(a: CompletionsArgs) -> miette::Result<()> {
    let mut cmd = crate::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "systolic", &mut out);
    crate::output::emit(&String::from_utf8_lossy(&out), None)
}
