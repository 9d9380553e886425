//! What the sweep tests share: scratch directories, a small topology file,
//! run options and the output files' text.

use dse::{Outputs, RunOptions};
use std::path::{Path, PathBuf};

/// A fresh scratch directory `group/name` for one test.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A SCALE-Sim topology of three layers (one depthwise).
pub const TOPOLOGY: &str = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nconv1, 32, 32, 3, 3, 16, 32, 1,\nDP_conv2, 30, 30, 3, 3, 32, 1, 1,\nconv3, 28, 28, 1, 1, 32, 64, 2,\n";

/// Outputs beside `out`, two threads, the whole sweep.
pub fn opts(out: &Path) -> RunOptions {
    RunOptions {
        outputs: Outputs::beside(out, None),
        threads: Some(2),
        shard: None,
        pareto: None,
        stop_after: None,
    }
}

/// The text of the CSV, JSON-lines, sidecar and Pareto files (empty if
/// absent); the sidecar's name of the JSON-lines file is blanked so that
/// outputs of different names compare.
pub fn files(o: &Outputs) -> Vec<String> {
    let jsonl = o.jsonl.file_name().unwrap().to_string_lossy().into_owned();
    [&o.csv, &o.jsonl, &o.meta, &o.pareto]
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .replace(&format!("\"{jsonl}\""), "\"<jsonl>\"")
        })
        .collect()
}

/// A progress callback that says nothing.
pub fn quiet(_: u64) {}
