//! The `tpu-v1-like` preset against TPU v1 as published (Jouppi et al.,
//! "In-Datacenter Performance Analysis of a Tensor Processing Unit", ISCA
//! 2017, arXiv 1704.04760): its peak, and the six production workloads of the
//! paper's Table 1, built as topologies in `designs/validation/tpu-v1/` from
//! the published layer counts, weights, batch sizes and intensities, run at
//! the published batch and held to the errors docs/VALIDATION.md states
//! ("ASIC: TPU v1 (issue 17)") against Table 3's measured TOPS.
//!
//! `cargo test --release -p sim --test tpu_v1 -- --nocapture` prints the table.

use sim::design::Design;
use sim::workload::{lower, topology, Lowered, Model};
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::path::{Path, PathBuf};

/// One workload of the paper.
struct Workload {
    /// File stem in `designs/validation/tpu-v1/`.
    name: &'static str,
    /// Table 1: batch size.
    batch: u64,
    /// Table 1: weights, millions.
    weights_m: f64,
    /// Table 1: MAC-ops per weight byte.
    intensity: f64,
    /// Table 1: matrix layers (FC or convolution) in the topology: the
    /// vector and pooling layers are not modelled.
    matrix_layers: usize,
    /// Table 3: measured TOPS.
    published_tops: f64,
    /// The ratio predicted / published docs/VALIDATION.md states, as a band
    /// (low, high): a prediction outside it fails.
    band: (f64, f64),
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "mlp0",
        batch: 200,
        weights_m: 20.0,
        intensity: 200.0,
        matrix_layers: 5,
        published_tops: 12.3,
        band: (0.95, 1.05),
    },
    Workload {
        name: "mlp1",
        batch: 168,
        weights_m: 5.0,
        intensity: 168.0,
        matrix_layers: 4,
        published_tops: 9.7,
        band: (0.95, 1.05),
    },
    Workload {
        name: "lstm0",
        batch: 64,
        weights_m: 52.0,
        intensity: 64.0,
        matrix_layers: 24,
        published_tops: 3.7,
        band: (0.95, 1.05),
    },
    Workload {
        name: "lstm1",
        batch: 96,
        weights_m: 34.0,
        intensity: 96.0,
        matrix_layers: 37,
        published_tops: 2.8,
        band: (1.8, 2.2),
    },
    Workload {
        name: "cnn0",
        batch: 8,
        weights_m: 8.0,
        intensity: 2888.0,
        matrix_layers: 16,
        published_tops: 86.0,
        band: (0.7, 0.85),
    },
    Workload {
        name: "cnn1",
        batch: 32,
        weights_m: 100.0,
        intensity: 1750.0,
        matrix_layers: 76,
        published_tops: 14.1,
        band: (2.0, 2.4),
    },
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tpu() -> Design {
    Design::load(&workspace().join("designs/tpu-v1-like.toml")).expect("tpu-v1-like.toml")
}

fn workload(name: &str) -> Model {
    let path = workspace().join(format!("designs/validation/tpu-v1/{name}.csv"));
    topology::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (weights, MACs at `batch`) of a topology: every layer is a weight GEMM.
fn weights_and_macs(m: &Model, batch: u64) -> (u64, u64) {
    let (mut weights, mut macs) = (0, 0);
    for l in m.layers() {
        let Lowered::Gemm(g) = lower(&l.op, batch) else {
            panic!("{}: layer {} is not a GEMM", m.name, l.name)
        };
        assert!(
            g.b_weights,
            "{}: layer {} multiplies no weights",
            m.name, l.name
        );
        weights += g.k * g.n * g.count;
        macs += g.m * g.k * g.n * g.count;
    }
    (weights, macs)
}

fn predicted_tops(d: &Design, m: &Model, batch: u64) -> f64 {
    let r = simulate(
        d,
        m,
        &FastEngine {
            mode: TimingMode::Rtl,
        },
        &RunOptions {
            batch,
            layers: vec![],
        },
    )
    .expect("simulates");
    r.total.achieved_tops
}

#[test]
fn peak_is_92_tops() {
    // Table 2: 92 TOPS = 65,536 MACs x 2 x 700 MHz = 91.75 TOPS, rounded.
    let peak = tpu().peak_tops();
    assert!((peak - 92.0).abs() < 0.5, "peak {peak} TOPS");
    assert!((peak - 91.7504).abs() < 1e-9, "peak {peak} TOPS");
}

#[test]
fn topologies_carry_the_published_aggregates() {
    for w in WORKLOADS {
        let m = workload(w.name);
        assert_eq!(m.len(), w.matrix_layers, "{}: matrix layers", w.name);
        let (weights, macs) = weights_and_macs(&m, w.batch);
        let weights_m = weights as f64 / 1e6;
        assert!(
            (weights_m / w.weights_m - 1.0).abs() < 0.01,
            "{}: {weights_m:.2}M weights, Table 1 says {}M",
            w.name,
            w.weights_m
        );
        // int8 weights: one byte each.
        let intensity = macs as f64 / weights as f64;
        assert!(
            (intensity / w.intensity - 1.0).abs() < 0.01,
            "{}: {intensity:.0} MAC-ops per weight byte, Table 1 says {}",
            w.name,
            w.intensity
        );
    }
}

#[test]
fn predictions_stay_within_the_stated_error() {
    let d = tpu();
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for w in WORKLOADS {
        let tops = predicted_tops(&d, &workload(w.name), w.batch);
        let ratio = tops / w.published_tops;
        out.push(format!(
            "| {} | {} | {:.1} | {tops:.2} | {:+.0} % | {:.2}-{:.2} |",
            w.name.to_uppercase(),
            w.batch,
            w.published_tops,
            (ratio - 1.0) * 100.0,
            w.band.0,
            w.band.1
        ));
        if !(w.band.0..=w.band.1).contains(&ratio) {
            failed.push(format!(
                "{}: predicted {tops:.2} TOPS, published {} (ratio {ratio:.3}, stated band {:?})",
                w.name, w.published_tops, w.band
            ));
        }
    }
    println!("| workload | batch | published TOPS | predicted TOPS | error | band |");
    println!("{}", out.join("\n"));
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn weight_bound_workloads_sit_under_the_weight_roofline() {
    // 34 GB/s of weights, each byte used `batch` times: 2 x batch x 34e9 ops/s.
    let d = tpu();
    for w in WORKLOADS
        .iter()
        .filter(|w| w.name.starts_with("mlp") || w.name.starts_with("lstm"))
    {
        let roof = 2.0 * w.batch as f64 * d.dram_bandwidth * d.clock_mhz * 1e6 / 1e12;
        let tops = predicted_tops(&d, &workload(w.name), w.batch);
        assert!(
            tops <= roof,
            "{}: {tops} TOPS above the roofline {roof}",
            w.name
        );
        assert!(
            tops > 0.8 * roof,
            "{}: {tops} TOPS, roofline {roof}",
            w.name
        );
    }
}
