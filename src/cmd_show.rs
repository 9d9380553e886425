//! `systolic show design | model NAME`: a preset as TOML to start a design
//! from, or a model's layers with the GEMM each lowers to.

use crate::{inputs, output};
use clap::{Args, ValueEnum};
use sim::workload::Lowered;
use std::fmt::Write as _;

const EXAMPLES: &str = "Examples:
  systolic show design gemmini-like > my-design.toml   # a preset to start from
  systolic show design gemmini-like --complete         # every field, defaults written out
  systolic show model resnet18                         # layer names (for --layer) and shapes
  systolic show model model.onnx --dim batch=2          # an ONNX model's layers
Every design field is described in docs/DESIGN_FORMAT.md.";

/// Arguments of `systolic show`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ShowArgs {
    /// What to show.
    #[arg(value_enum)]
    what: What,
    /// A preset or zoo name (see `systolic list designs|models`), or a design
    /// TOML / ONNX model / topology CSV path.
    name: String,
    /// Designs: write every field, defaults included, instead of the preset's
    /// file with its comments (a design file path is always shown complete).
    #[arg(long)]
    complete: bool,
    #[command(flatten)]
    onnx: inputs::OnnxArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum What {
    Design,
    Model,
}

/// Runs `systolic show`.
pub fn run(a: ShowArgs) -> miette::Result<()> {
    let text = match a.what {
        What::Design => {
            let design = inputs::design(&a.name)?;
            match sim::design::preset_text(&a.name) {
                Ok(text) if !a.complete => text.to_string(),
                _ => format!(
                    "# Design `{}`, every field written out (docs/DESIGN_FORMAT.md).\n{}",
                    design.name,
                    design.to_toml()
                ),
            }
        }
        What::Model => {
            let (model, _) = inputs::model_with(&a.name, &a.onnx.options(&a.name)?)?;
            let mut s = format!(
                "model {}: {} layers, {} GMAC at batch 1\n{:<28} {:<10} {:>8} {:>8} {:>8} {:>6} {:>14}\n",
                model.name,
                model.len(),
                model
                    .macs()
                    .map_or("more than 1.8e10".to_string(), |m| format!(
                        "{:.3}",
                        m as f64 / 1e9
                    )),
                "layer",
                "kind",
                "M",
                "K",
                "N",
                "GEMMs",
                "MACs / ops"
            );
            for l in model.layers() {
                match l.lower(1) {
                    Lowered::Gemm(g) => {
                        let _ = writeln!(
                            s,
                            "{:<28} {:<10} {:>8} {:>8} {:>8} {:>6} {:>14}",
                            l.name,
                            l.op.kind(),
                            g.m,
                            g.k,
                            g.n,
                            g.count,
                            g.checked_macs()
                                .map_or("> 2^64".to_string(), |m| m.to_string())
                        );
                    }
                    Lowered::Vector(v) => {
                        let _ = writeln!(
                            s,
                            "{:<28} {:<10} {:>8} {:>8} {:>8} {:>6} {:>14}",
                            l.name,
                            l.op.kind(),
                            "-",
                            "-",
                            "-",
                            "-",
                            v.ops
                        );
                    }
                }
            }
            s
        }
    };
    output::emit(&text, None)
}
