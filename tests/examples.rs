//! Every example in the README and in every subcommand's `--help` runs as
//! written: each line is given to `sh` (comments, quotes, globs and
//! redirections as a user's shell sees them) in a sandbox directory that
//! holds the files the examples name (design presets, `.npy` operands, a
//! SCALE-Sim config and topology, sweep shards), with `systolic` on the PATH,
//! and must exit 0. `cargo run --release -- ARGS` in the README is run as
//! `systolic ARGS`, which it is. Needs the HDL tools (`scripts/setup.sh`) for
//! the `verify` and `synth` examples, and fails, never skips, without them.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::{root, stderr, stdout};

/// Subcommands in the order their examples run: one may use what an earlier
/// one wrote (`sim --synth` reads the report `synth` writes).
const ORDER: [&str; 15] = [
    "list",
    "show",
    "synth",
    "sim",
    "gemm",
    "prune",
    "infer",
    "train",
    "gen",
    "verify",
    "sweep",
    "merge",
    "compare",
    "report",
    "completions",
];

/// The `systolic` lines of the README's `sh` blocks.
fn readme_examples() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let line = line.trim();
        if let Some(args) = line.strip_prefix("cargo run --release -- ") {
            out.push(format!("systolic {args}"));
        } else if line.starts_with("systolic ") {
            out.push(line.to_string());
        }
    }
    out
}

/// The subcommands `systolic --help` lists.
fn subcommands() -> Vec<String> {
    let help = stdout(&support::run(&["--help"]));
    help.split("Commands:")
        .nth(1)
        .unwrap()
        .lines()
        // The rest of the `Commands:` line, then one line per subcommand.
        .skip(1)
        .map_while(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The example lines of `systolic CMD --help` (under `Examples:`).
fn help_examples(cmd: &str) -> Vec<String> {
    let help = stdout(&support::run(&[cmd, "--help"]));
    let Some(after) = help.split("Examples:\n").nth(1) else {
        return Vec::new();
    };
    after
        .lines()
        .map_while(|l| l.strip_prefix("  systolic "))
        .map(|l| format!("systolic {l}"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn npy(path: &Path, shape: Vec<usize>, data: sim::npy::NpyData) {
    let a = sim::npy::NpyArray::new(shape, data).unwrap();
    sim::npy::write(path, &a).unwrap();
}

/// A sandbox holding what the examples read: the presets and sweep specs,
/// operands, a SCALE-Sim config and topology, a small design of one's own,
/// and the sweep shards the merge examples join.
fn sandbox() -> PathBuf {
    let dir = support::scratch("examples", "sandbox");
    copy_dir(&root().join("designs"), &dir.join("designs"));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_systolic"), bin.join("systolic")).unwrap();
    for home in [
        ".local/share/bash-completion/completions",
        ".zfunc",
        ".config/fish/completions",
    ] {
        std::fs::create_dir_all(dir.join("home").join(home)).unwrap();
    }
    let ints = |n: usize, seed: usize| -> Vec<i8> {
        (0..n).map(|i| ((i * 7919 + seed) % 255) as i8).collect()
    };
    let floats = |n: usize, seed: usize| -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 104_729 + seed) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    };
    use sim::npy::NpyData;
    npy(
        &dir.join("A.npy"),
        vec![48, 96],
        NpyData::I8(ints(48 * 96, 1)),
    );
    npy(
        &dir.join("B.npy"),
        vec![96, 24],
        NpyData::I8(ints(96 * 24, 2)),
    );
    npy(
        &dir.join("x_f32.npy"),
        vec![32, 64],
        NpyData::F32(floats(32 * 64, 3)),
    );
    npy(
        &dir.join("w_f32.npy"),
        vec![64, 16],
        NpyData::F32(floats(64 * 16, 4)),
    );
    // Weights to prune: a K x N matrix and [out, in] Linear weights.
    npy(
        &dir.join("W.npy"),
        vec![96, 24],
        NpyData::F32(floats(96 * 24, 5)),
    );
    npy(
        &dir.join("fc1.npy"),
        vec![16, 64],
        NpyData::F32(floats(16 * 64, 6)),
    );
    let bench = root().join("bench/scalesim");
    for cfg in ["my.cfg", "google.cfg"] {
        std::fs::copy(bench.join("configs/32x32_ws.cfg"), dir.join(cfg)).unwrap();
    }
    std::fs::copy(
        bench.join("topologies/alexnet.csv"),
        dir.join("alexnet.csv"),
    )
    .unwrap();
    // An ONNX model (a transformer block with a symbolic batch).
    std::fs::copy(
        root().join("sim/tests/fixtures/onnx/transformer.onnx"),
        dir.join("model.onnx"),
    )
    .unwrap();
    // Quantized and float ONNX models with inputs (systolic infer).
    let infer = root().join("sim/tests/fixtures/infer");
    for (from, to) in [
        ("cnn-qop.onnx", "cnn-qop.onnx"),
        ("cnn-qop.in.x.npy", "x.npy"),
        ("mlp-dynamic.float.onnx", "mlp.onnx"),
        ("mlp-dynamic.in.x.npy", "mlp-x.npy"),
    ] {
        std::fs::copy(infer.join(from), dir.join(to)).unwrap();
    }
    // A small design of one's own (fast to synthesize and place).
    std::fs::write(
        dir.join("my-design.toml"),
        "name = \"my-4x4\"\n[array]\nrows = 4\ncols = 4\ndataflow = \"ws\"\n[precision]\noperand = \"int8\"\naccumulator_bits = 24\n[memory]\nifmap_sram_kib = 1\nfilter_sram_kib = 1\nofmap_sram_kib = 1\ndram_bandwidth_bytes_per_cycle = 8\n[clock]\nmhz = 100\n",
    )
    .unwrap();
    // Shards of the default sweep, four ways: s0..s3 and runs/shard-0..3.
    std::fs::create_dir_all(dir.join("runs")).unwrap();
    for i in 0..4 {
        for out in [format!("s{i}.csv"), format!("runs/shard-{i}.csv")] {
            let o = run(
                &dir,
                &format!("systolic sweep designs/sweeps/default.toml --out {out} --shard {i}/4"),
            );
            assert!(o.status.success(), "setup: {}", stderr(&o));
        }
    }
    // A results file for the report examples.
    let o = run(
        &dir,
        "systolic sweep designs/sweeps/default.toml --out results.csv",
    );
    assert!(o.status.success(), "setup: {}", stderr(&o));
    dir
}

/// Runs `line` with `sh` in `dir`, `systolic` on the PATH and HOME inside.
fn run(dir: &Path, line: &str) -> std::process::Output {
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir.join("home"))
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs")
}

#[test]
fn every_readme_and_help_example_runs_as_written() {
    let cmds = subcommands();
    assert!(
        cmds.iter().any(|c| c == "sim"),
        "no subcommands read from `systolic --help`: {cmds:?}"
    );
    for c in &cmds {
        assert!(
            ORDER.contains(&c.as_str()),
            "subcommand `{c}` is not in ORDER: add it so its examples run"
        );
    }
    let mut examples: Vec<(String, String)> = readme_examples()
        .into_iter()
        .map(|l| ("README.md".to_string(), l))
        .collect();
    let readme = examples.len();
    assert!(readme >= 15, "only {readme} README examples found");
    for c in ORDER {
        let lines = help_examples(c);
        if c != "list" {
            assert!(!lines.is_empty(), "`systolic {c} --help` has no examples");
        }
        examples.extend(lines.into_iter().map(|l| (format!("{c} --help"), l)));
    }
    let dir = sandbox();
    let mut failed = Vec::new();
    for (from, line) in &examples {
        let t = std::time::Instant::now();
        let o = run(&dir, line);
        eprintln!("{:>6.1} s  {from}: {line}", t.elapsed().as_secs_f64());
        if !o.status.success() {
            failed.push(format!(
                "{from}: `{line}` exited {:?}:\n{}",
                o.status.code(),
                stderr(&o)
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} examples failed:\n{}",
        failed.len(),
        examples.len(),
        failed.join("\n")
    );
}
