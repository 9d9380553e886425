//! `systolic gen`: writes a design's Verilog IP (RTL, file list, README,
//! FuseSoC core) into a folder of its own, never over anything it did not write.

use crate::inputs;
use clap::Args;
use std::path::{Path, PathBuf};

/// Where IPs go without --out: one folder per design.
const OUT: &str = "verilog-out";

const EXAMPLES: &str = "Examples:
  systolic gen --design gemmini-like                 # writes verilog-out/gemmini-like/
  systolic gen --design designs/edge-8x8.toml --out rtl/edge-8x8
  systolic gen --all                                 # regenerates verilog-out/ for every preset

The folder is created, or must be empty, or hold an IP systolic generated for the
same design (its .systolic-ip manifest names the design and files), which is replaced
whole; anything else is refused before a file is written.";

/// Arguments of `systolic gen`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct GenArgs {
    /// Built-in design name or a design TOML file (integer operands).
    #[arg(long, required_unless_present = "all")]
    design: Option<String>,
    /// Output folder (default: verilog-out/<design>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Regenerate verilog-out/<preset>/ for every built-in preset.
    #[arg(long, conflicts_with_all = ["design", "out"])]
    all: bool,
}

/// Runs `systolic gen`.
pub fn run(args: GenArgs) -> miette::Result<()> {
    let mut jobs = Vec::new();
    if args.all {
        for name in sim::design::preset_names() {
            let design = inputs::design(name)?;
            match hdlgen::generate(&design) {
                Ok(ip) => {
                    let dir = ip.folder_in(Path::new(OUT))?;
                    jobs.push((ip, dir));
                }
                Err(e) => eprintln!("skipping {name}: {e}"),
            }
        }
    } else {
        let design = inputs::design(args.design.as_deref().unwrap_or_default())?;
        let ip = hdlgen::generate(&design)?;
        let dir = match args.out {
            Some(out) => out,
            // Never an unchecked name joined to a path.
            None => ip.folder_in(Path::new(OUT))?,
        };
        jobs.push((ip, dir));
    }
    // Every target is checked before anything is written.
    for (ip, dir) in &jobs {
        ip.check_target(dir)?;
    }
    for (ip, dir) in &jobs {
        let files = ip.write(dir)?;
        let what = if ip.has_ip() {
            format!("the IP {} around the core {}", ip.ip_top(), ip.top)
        } else {
            format!("the core {}; no AXI IP for sparse weights", ip.top)
        };
        eprintln!(
            "wrote {} files for {} ({what}) to {}",
            files.len(),
            ip.design,
            dir.display()
        );
    }
    Ok(())
}
