//! Golden per-layer reports: zoo models on preset designs, compared byte for
//! byte with the committed CSVs in sim/tests/golden/. Regenerate after an
//! intended change with `UPDATE_GOLDEN=1 cargo test --release -p sim --test golden`
//! and review the diff: every changed number must be explained.

use sim::design::preset;
use sim::workload::zoo;
use sim::{simulate, FastEngine, RunOptions, TimingMode};
use std::path::Path;

const CASES: &[(&str, &str, TimingMode, u64)] = &[
    ("resnet18", "gemmini-like", TimingMode::Rtl, 1),
    ("resnet50", "tpu-v1-like", TimingMode::Rtl, 1),
    ("resnet50", "tpu-v1-like", TimingMode::Rtl, 8),
    ("alexnet", "edge-8x8", TimingMode::Scalesim, 1),
    ("vgg16", "server-128x128-is", TimingMode::Rtl, 1),
    ("mobilenet_v2", "edge-16x16-os", TimingMode::Rtl, 1),
    ("bert-base", "tpu-v3-mxu-like", TimingMode::Rtl, 1),
    ("lstm-lm", "mobile-32x32", TimingMode::Rtl, 1),
    ("dense-10-1", "fsd-npu-like", TimingMode::Rtl, 1),
    ("linear-10-1", "edge-8x8", TimingMode::Rtl, 1),
];

#[test]
fn zoo_reports_match_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut drift = Vec::new();
    for &(model, design, mode, batch) in CASES {
        let m = zoo::model(model).expect("zoo model");
        let d = preset(design).expect("preset");
        let report = simulate(
            &d,
            &m,
            &FastEngine { mode },
            &RunOptions {
                batch,
                layers: vec![],
            },
        )
        .expect("runs");
        let csv = report.to_csv();
        let path = dir.join(format!("{model}__{design}__{}__b{batch}.csv", mode.name()));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &csv).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_GOLDEN=1 to create)",
                path.display()
            )
        });
        if want != csv {
            let line = want
                .lines()
                .zip(csv.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            drift.push(format!(
                "{}: first difference on line {}\n  want: {}\n  got:  {}",
                path.display(),
                line + 1,
                want.lines().nth(line).unwrap_or(""),
                csv.lines().nth(line).unwrap_or("")
            ));
        }
    }
    assert!(
        drift.is_empty(),
        "reports drifted from the golden files:\n{}",
        drift.join("\n")
    );
}
