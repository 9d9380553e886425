//! `systolic prune`: prune weights to an N:M pattern by magnitude and say
//! what it costs the layer's output.

use crate::output;
use clap::{Args, ValueEnum};
use sim::npy::{self, NpyArray};
use sim::sparsity::Sparsity;
use std::path::PathBuf;

/// Arguments of `systolic prune`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  systolic prune --weights W.npy --pattern 2:4 --out Wp.npy
  systolic prune --weights fc1.npy --layout out-in --pattern 1:4 --out fc1-1of4.npy
  systolic prune --model mlp.onnx --pattern 2:4 --out mlp-2of4.onnx

In every group of M consecutive weights along K (the reduction dimension), the N of
largest magnitude stay (of equal ones, the first along K) and the others become zero,
so the result runs on a design with [sparsity] weights = \"N:M\" (docs/DESIGN_FORMAT.md).
--layout k-n (the default) reads a 2-D K x N matrix, the B of `systolic gemm`;
--layout out-in reads [out, in, ...] weights (PyTorch's Linear and Conv: K is
everything after the first dimension). The output keeps the input's dtype and shape.
--model prunes the weight of every Conv, Gemm and MatMul node whose weight is a
float32 initializer in the file (Conv: [out, in, kh, kw]; MatMul: K x N; Gemm: as
transB says) and writes the model with only those values changed; the pruned model
runs with `systolic sim` and `systolic infer`. The report gives, per tensor, the
share of weights removed and the SQNR of the layer's output X x W against
X x W_pruned on seeded standard-normal inputs X.")]
pub struct PruneArgs {
    /// Weights as .npy (integers or floats).
    #[arg(long, required_unless_present = "model", conflicts_with = "model")]
    weights: Option<PathBuf>,
    /// An ONNX model whose Conv, Gemm and MatMul weights to prune.
    #[arg(long)]
    model: Option<PathBuf>,
    /// `N:M`: at most N nonzero weights in every group of M along K.
    #[arg(long)]
    pattern: String,
    /// Where K runs in the weights.
    #[arg(long, value_enum, default_value_t = Layout::KN)]
    layout: Layout,
    /// The pruned weights (.npy) or model (.onnx), written atomically; never the input file.
    #[arg(long)]
    out: PathBuf,
    /// Rows of the seeded inputs the output SQNR is measured on (fewer, down
    /// to 8, for tensors so large that 2^30 multiply-adds would not do).
    #[arg(long, default_value_t = 64)]
    rows: usize,
    /// Seed of those inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Where the reduction dimension K runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layout {
    /// A 2-D K x N matrix (the B of a GEMM): groups run down each column.
    #[value(name = "k-n")]
    KN,
    /// [out, in, ...]: groups run along each output's flattened inputs.
    #[value(name = "out-in")]
    OutIn,
}

pub fn run(a: PruneArgs) -> miette::Result<()> {
    sim::error::check_output_file(&a.out)?;
    let input = a
        .weights
        .as_ref()
        .or(a.model.as_ref())
        .expect("clap requires --weights or --model");
    let file = input.display().to_string();
    let bad = |field: &str, message: String, hint: &str| -> miette::Report {
        sim::error::InputError::new("systolic::prune::input", &file, message)
            .field(field)
            .hint(hint)
            .into()
    };
    let s = match Sparsity::parse(&a.pattern) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(bad(
                "--pattern",
                "`dense` prunes nothing".into(),
                "give N:M, e.g. --pattern 2:4",
            ))
        }
        Err(why) => return Err(bad("--pattern", why, "e.g. --pattern 2:4 or 1:4")),
    };
    if a.rows == 0 || a.rows > 1 << 16 {
        return Err(bad(
            "--rows",
            format!("expected 1 to 65536 input rows, found {}", a.rows),
            "64 rows give a stable SQNR",
        ));
    }
    if sim::output::same_file(&a.out, input) {
        return Err(bad(
            "--out",
            format!("--out {} is the input file", a.out.display()),
            "write the pruned weights to a new file; the input stays as it is",
        ));
    }
    match &a.model {
        Some(m) => prune_model(&a, s, m, &bad),
        None => prune_npy(&a, s, input, &bad),
    }
}

/// A weight tensor pruned in place: `values` in `layout` with `shape`.
struct Pruned {
    k: usize,
    n: usize,
    removed: usize,
    nonzero: usize,
    sqnr: f64,
    /// Rows of X the SQNR was measured on.
    rows: usize,
    /// Flat indices (in `values`) set to zero.
    zeroed: Vec<usize>,
}

impl Pruned {
    /// `values` (of `shape`, K running as `layout` says) pruned to `s`;
    /// `Err` names what is wrong with the shape.
    fn of(
        a: &PruneArgs,
        s: Sparsity,
        values: &[f64],
        shape: &[usize],
        layout: Layout,
    ) -> Result<Pruned, String> {
        let (k, n) = match (layout, shape) {
            (Layout::KN, [k, n]) => (*k, *n),
            (Layout::KN, dims) => {
                return Err(format!(
                    "--layout k-n needs a 2-D K x N matrix, found shape {dims:?}"
                ))
            }
            (Layout::OutIn, [out, rest @ ..]) if !rest.is_empty() => (rest.iter().product(), *out),
            (Layout::OutIn, dims) => {
                return Err(format!(
                    "--layout out-in needs at least 2 dimensions, found shape {dims:?}"
                ))
            }
        };
        if k == 0 || n == 0 {
            return Err(format!("the weights are empty (K = {k}, N = {n})"));
        }
        // Where element (kk, j) of the K x N view sits in `values`.
        let at = |kk: usize, j: usize| match layout {
            Layout::KN => kk * n + j,
            Layout::OutIn => j * k + kk,
        };
        let mut kn: Vec<f64> = (0..k * n).map(|i| values[at(i / n, i % n)]).collect();
        let dense = kn.clone();
        let nonzero = dense.iter().filter(|&&x| x != 0.0).count();
        let removed = s.prune(&mut kn, (k, n), 0.0, |&x| x.abs()) as usize;
        let rows = sqnr_rows(a.rows, k, n);
        let zeroed = (0..k * n)
            .filter(|&i| kn[i] == 0.0 && dense[i] != 0.0)
            .map(|i| at(i / n, i % n))
            .collect();
        Ok(Pruned {
            k,
            n,
            removed,
            nonzero,
            sqnr: output_sqnr(&dense, &kn, (k, n), rows, a.seed),
            rows,
            zeroed,
        })
    }

    /// "K x N: removed r of t (x%); ... SQNR".
    fn summary(&self) -> String {
        let all = self.k * self.n;
        let share = |x: usize| 100.0 * x as f64 / all as f64;
        format!(
            "{} x {} as K x N: {} of {all} weights removed ({:.1}%; {} were nonzero, {:.1}%, now {} nonzero, {:.1}%); layer output SQNR {:.2} dB on {} rows",
            self.k,
            self.n,
            self.removed,
            share(self.removed),
            self.nonzero,
            share(self.nonzero),
            self.nonzero - self.removed,
            share(self.nonzero - self.removed),
            self.sqnr,
            self.rows,
        )
    }
}

/// `--weights`: one .npy tensor.
fn prune_npy(
    a: &PruneArgs,
    s: Sparsity,
    input: &std::path::Path,
    bad: &dyn Fn(&str, String, &str) -> miette::Report,
) -> miette::Result<()> {
    let w = npy::read(input)?;
    // (Exact for every npy dtype but 64-bit integers beyond 2^53, which
    // only the magnitude order uses.)
    let p = Pruned::of(a, s, &w.data.to_f64_lossy(), &w.shape, a.layout).map_err(|m| {
        bad(
            "shape",
            m,
            "--layout k-n reads a K x N matrix; --layout out-in [out, in, ...] weights (PyTorch's Linear and Conv)",
        )
    })?;
    let mut keep = vec![true; w.data.len()];
    for &i in &p.zeroed {
        keep[i] = false;
    }
    let out = NpyArray::new(w.shape.clone(), w.data.zeroed_where(&keep))?;
    npy::write(&a.out, &out)?;
    let text = format!(
        "pruned {} to {s}: {}\n(X x W against X x W_pruned, X standard normal, seed {})\nwrote {} ({:?} {})\n",
        input.display(),
        p.summary(),
        a.seed,
        a.out.display(),
        out.shape,
        out.data.descr(),
    );
    output::emit(&text, None)
}

/// `--model`: every Conv, Gemm and MatMul weight held as a float32
/// initializer in the file, zeroed in place (the values keep their bytes'
/// length, so the rest of the file is unchanged).
fn prune_model(
    a: &PruneArgs,
    s: Sparsity,
    path: &std::path::Path,
    bad: &dyn Fn(&str, String, &str) -> miette::Report,
) -> miette::Result<()> {
    use sim::onnx::proto::{AttrValue, Payload};
    let file = sim::onnx::OnnxFile::read(path)?;
    let g = &file.proto.graph;
    let mut bytes = file.bytes.clone();
    let mut lines = Vec::new();
    let mut skipped = Vec::new();
    let mut done = std::collections::HashSet::new();
    for node in &g.nodes {
        let layout = match node.op_type.as_str() {
            "Conv" => Layout::OutIn,
            "MatMul" => Layout::KN,
            "Gemm" => {
                let trans_b = node.attributes.iter().any(|at| {
                    at.name == "transB" && matches!(at.value, AttrValue::Int(v) if v != 0)
                });
                if trans_b {
                    Layout::OutIn
                } else {
                    Layout::KN
                }
            }
            _ => continue,
        };
        if !node.domain.is_empty() && node.domain != "ai.onnx" {
            continue;
        }
        let Some(wname) = node.inputs.get(1) else {
            continue;
        };
        let Some(t) = g.initializers.iter().find(|t| &t.name == wname) else {
            continue; // an activation: nothing to prune
        };
        let name = if node.name.is_empty() {
            wname.clone()
        } else {
            node.name.clone()
        };
        if !done.insert(wname.clone()) {
            continue; // shared by an earlier node
        }
        let range = match (&t.payload, t.data_type) {
            (Payload::Raw(r), 1) => r.clone(),
            (_, 1) => {
                skipped.push(format!(
                    "{name} ({}: its values are not raw_data in the file)",
                    node.op_type
                ));
                continue;
            }
            _ => {
                skipped.push(format!("{name} ({}: not float32)", node.op_type));
                continue;
            }
        };
        let shape: Vec<usize> = t.dims.iter().map(|&d| d.max(0) as usize).collect();
        let count: usize = shape.iter().product();
        if range.len() != count * 4 {
            return Err(bad(
                "initializer",
                format!(
                    "initializer `{wname}` has {} bytes of raw_data for {count} float32 values",
                    range.len()
                ),
                "the model file is damaged; re-export it",
            ));
        }
        let values: Vec<f64> = bytes[range.clone()]
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        match Pruned::of(a, s, &values, &shape, layout) {
            Ok(p) => {
                for &i in &p.zeroed {
                    bytes[range.start + 4 * i..range.start + 4 * i + 4]
                        .copy_from_slice(&0f32.to_le_bytes());
                }
                lines.push(format!(
                    "{name} ({} weight `{wname}`): {}",
                    node.op_type,
                    p.summary()
                ));
            }
            Err(why) => skipped.push(format!("{name} ({}: {why})", node.op_type)),
        }
    }
    if lines.is_empty() {
        return Err(bad(
            "--model",
            format!("no Conv, Gemm or MatMul weight held as a float32 initializer to prune{}", if skipped.is_empty() { String::new() } else { format!(" (skipped: {})", skipped.join("; ")) }),
            "prune a float model before quantizing it; weights in external data files are not rewritten",
        ));
    }
    // The result must still be a model this reader decodes.
    sim::onnx::OnnxFile::parse(&a.out, bytes.clone())?;
    sim::output::write_file_atomic(&a.out, &bytes)
        .map_err(sim::error::io_error("write", &a.out))?;
    let mut text = format!(
        "pruned {} to {s}: {} weight tensor(s)\n",
        path.display(),
        lines.len()
    );
    for l in &lines {
        text.push_str(&format!("  {l}\n"));
    }
    if !skipped.is_empty() {
        text.push_str(&format!("not pruned: {}\n", skipped.join("; ")));
    }
    text.push_str(&format!(
        "(SQNRs of X x W against X x W_pruned, X standard normal, seed {})\nwrote {}\n",
        a.seed,
        a.out.display()
    ));
    output::emit(&text, None)
}

/// Rows of X for a `k x n` tensor's SQNR: the `asked` ones, fewer when
/// they would take more than 2^30 multiply-adds (a second or so), never
/// fewer than 8.
fn sqnr_rows(asked: usize, k: usize, n: usize) -> usize {
    asked.min(((1usize << 30) / (k * n).max(1)).max(8))
}

/// SQNR (dB) of `X x pruned` against `X x dense` (`k x n`) on `rows`
/// standard-normal rows from `seed`; infinite when they are equal.
fn output_sqnr(
    dense: &[f64],
    pruned: &[f64],
    (k, n): (usize, usize),
    rows: usize,
    seed: u64,
) -> f64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uniform = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    let mut x = vec![0.0f64; k];
    for _ in 0..rows {
        for v in x.iter_mut() {
            // Box-Muller.
            let (u1, u2) = (uniform(), uniform());
            *v = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        }
        for j in 0..n {
            let (mut y, mut yp) = (0.0, 0.0);
            for (kk, &xv) in x.iter().enumerate() {
                y += xv * dense[kk * n + j];
                yp += xv * pruned[kk * n + j];
            }
            signal += y * y;
            noise += (y - yp) * (y - yp);
        }
    }
    10.0 * (signal / noise).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqnr_sample_shrinks_only_for_tensors_too_large_for_it() {
        assert_eq!(sqnr_rows(64, 4096, 4096), 64);
        assert_eq!(sqnr_rows(65536, 4096, 4096), 64);
        assert_eq!(sqnr_rows(64, 32768, 32768), 8);
        assert_eq!(sqnr_rows(3, 10, 10), 3);
    }
}
