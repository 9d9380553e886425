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

In every group of M consecutive weights along K (the reduction dimension), the N of
largest magnitude stay (of equal ones, the first along K) and the others become zero,
so the result runs on a design with [sparsity] weights = \"N:M\" (docs/DESIGN_FORMAT.md).
--layout k-n (the default) reads a 2-D K x N matrix, the B of `systolic gemm`;
--layout out-in reads [out, in, ...] weights (PyTorch's Linear and Conv: K is
everything after the first dimension). The output keeps the input's dtype and shape.
The report gives the share of weights removed and the SQNR of the layer's output
X x W against X x W_pruned on seeded standard-normal inputs X.")]
pub struct PruneArgs {
    /// Weights as .npy (integers or floats).
    #[arg(long)]
    weights: PathBuf,
    /// `N:M`: at most N nonzero weights in every group of M along K.
    #[arg(long)]
    pattern: String,
    /// Where K runs in the weights.
    #[arg(long, value_enum, default_value_t = Layout::KN)]
    layout: Layout,
    /// The pruned weights (.npy), written atomically; never the input file.
    #[arg(long)]
    out: PathBuf,
    /// Rows of the seeded inputs the output SQNR is measured on.
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
    let file = a.weights.display().to_string();
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
    if sim::output::same_file(&a.out, &a.weights) {
        return Err(bad(
            "--out",
            format!("--out {} is the input file", a.out.display()),
            "write the pruned weights to a new file; the input stays as it is",
        ));
    }
    let w = npy::read(&a.weights)?;
    // (k, n) of the K x N view.
    let (k, n) = match (a.layout, w.shape.as_slice()) {
        (Layout::KN, [k, n]) => (*k, *n),
        (Layout::KN, dims) => {
            return Err(bad(
                "shape",
                format!("--layout k-n needs a 2-D K x N matrix, found shape {dims:?}"),
                "use --layout out-in for [out, in, ...] weights (PyTorch's Linear and Conv)",
            ))
        }
        (Layout::OutIn, [out, rest @ ..]) if !rest.is_empty() => (rest.iter().product(), *out),
        (Layout::OutIn, dims) => {
            return Err(bad(
                "shape",
                format!("--layout out-in needs at least 2 dimensions, found shape {dims:?}"),
                "a weight tensor is [out, in, ...]",
            ))
        }
    };
    // Where element (kk, j) of the K x N view sits in the data.
    let at = |kk: usize, j: usize| match a.layout {
        Layout::KN => kk * n + j,
        Layout::OutIn => j * k + kk,
    };
    if k == 0 || n == 0 {
        return Err(bad(
            "shape",
            format!("the weights are empty (K = {k}, N = {n})"),
            "give the layer's weight tensor",
        ));
    }
    // The weights as a K x N matrix of f64 (exact for every npy dtype but
    // 64-bit integers beyond 2^53, which only the magnitude order uses).
    let values = w.data.to_f64_lossy();
    let mut kn: Vec<f64> = (0..k * n).map(|i| values[at(i / n, i % n)]).collect();
    let dense = kn.clone();
    let nonzero = dense.iter().filter(|&&x| x != 0.0).count();
    let removed = s.prune(&mut kn, (k, n), 0.0, |&x| x.abs()) as usize;
    // The pruned tensor in the input's layout and dtype.
    let mut keep = vec![true; k * n];
    for (i, &x) in kn.iter().enumerate() {
        if x == 0.0 && dense[i] != 0.0 {
            keep[at(i / n, i % n)] = false;
        }
    }
    let data = w.data.zeroed_where(&keep);
    let out = NpyArray::new(w.shape.clone(), data)?;
    let sqnr = output_sqnr(&dense, &kn, (k, n), a.rows, a.seed);
    npy::write(&a.out, &out)?;
    let share = |x: usize| 100.0 * x as f64 / (k * n) as f64;
    let text = format!(
        "pruned {} to {s} ({k} x {n} as K x N): {removed} of {} weights removed ({:.1}%; {} were nonzero, {:.1}%, now {} nonzero, {:.1}%)\nlayer output SQNR {:.2} dB (X x W against X x W_pruned, X {} x {k} standard normal, seed {})\nwrote {} ({:?} {})\n",
        a.weights.display(),
        k * n,
        share(removed),
        nonzero,
        share(nonzero),
        nonzero - removed,
        share(nonzero - removed),
        sqnr,
        a.rows,
        a.seed,
        a.out.display(),
        out.shape,
        out.data.descr(),
    );
    output::emit(&text, None)
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
